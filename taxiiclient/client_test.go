package taxiiclient

import (
	"encoding/json"
	"errors"
	"testing"

	"ceptor"
)

func TestObjectsURL(t *testing.T) {
	u, err := Source{APIRoot: "https://taxii.example/api1", CollectionID: "c 1"}.ObjectsURL()
	if err != nil || u != "https://taxii.example/api1/collections/c%201/objects/" {
		t.Fatalf("%q %v", u, err)
	}
	if _, err := (Source{APIRoot: "file:///etc/passwd", CollectionID: "c"}).ObjectsURL(); err == nil {
		t.Fatal("file URL accepted")
	}
}

func TestDecode(t *testing.T) {
	ind := `{"type":"indicator","spec_version":"2.1","id":"indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'x.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00.000Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`
	it, err := Decode(json.RawMessage(ind))
	if err != nil || len(it.Indicators) != 2 || it.TLP != ceptor.TLPGreen || it.Version != "2026-11-02T00:00:00.000Z" {
		t.Fatalf("indicator: %+v %v", it, err)
	}
	note := `{"type":"note","spec_version":"2.1","id":"note--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c02","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","abstract":"Heads-up","content":"Text","object_refs":["indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01"]}`
	it, err = Decode(json.RawMessage(note))
	if err != nil || it.Title != "Heads-up" || it.Text != "Text" {
		t.Fatalf("note: %+v %v", it, err)
	}
	ident := `{"type":"identity","spec_version":"2.1","id":"identity--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c03","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"x"}`
	if _, err := Decode(json.RawMessage(ident)); !errors.Is(err, ErrSkip) {
		t.Fatalf("identity: %v", err)
	}
	if _, err := Decode(json.RawMessage(`{"type":"report","id":"bad"}`)); err == nil {
		t.Fatal("bad report accepted")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c02","name":"x"}`))
	f.Add([]byte(`{"type":"url","spec_version":"2.1","id":"url--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c02","value":"http://x.example/"}`))
	f.Add([]byte(`{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","modified":"2026-11-01T00:00:00.000Z","name":"対策","description":"## 手順\n更新する"}`))
	f.Add([]byte(`{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c71","name":"x","object_refs":["course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := Decode(json.RawMessage(b))
		if err != nil {
			return
		}
		for _, in := range it.Indicators {
			if n, key := in.Normalize(); key != "" || n != in {
				t.Fatalf("indicator %v not normalised", in)
			}
		}
	})
}
