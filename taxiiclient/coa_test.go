package taxiiclient

import (
	"encoding/json"
	"errors"
	"testing"

	"ceptor"
)

func TestDecodeCourseOfActionAndRefs(t *testing.T) {
	coa := `{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","name":"Patch","description":"Update.","object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}`
	it, err := Decode(json.RawMessage(coa))
	if err != nil || it.Type != "course-of-action" || it.Title != "Patch" || it.Text != "Update." || it.TLP != ceptor.TLPAmber || it.Version != "2026-11-02T00:00:00.000Z" {
		t.Fatalf("course-of-action: %+v %v", it, err)
	}
	empty := `{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","name":""}`
	if _, err := Decode(json.RawMessage(empty)); !errors.Is(err, ErrSkip) {
		t.Errorf("an empty course-of-action: %v", err)
	}
	revoked := `{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-03T00:00:00.000Z","name":"Patch","revoked":true}`
	if _, err := Decode(json.RawMessage(revoked)); !errors.Is(err, ErrSkip) {
		t.Errorf("a revoked course-of-action: %v", err)
	}
	rep := `{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c71","name":"R","object_refs":["course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","not-an-id"]}`
	it, err = Decode(json.RawMessage(rep))
	if err != nil || len(it.Refs) != 1 || it.Refs[0] != "course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70" {
		t.Fatalf("report refs: %+v %v", it, err)
	}
}
