package taxiiclient

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestDecodeSkipsRevoked: a revoked object (a withdrawn advisory of another
// ceptor) becomes neither an advisory draft nor an indicator.
func TestDecodeSkipsRevoked(t *testing.T) {
	for _, raw := range []string{
		`{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c02","modified":"2026-11-02T00:00:00.000Z","name":"x","revoked":true}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-02T00:00:00.000Z","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","revoked":true}`,
	} {
		if _, err := Decode(json.RawMessage(raw)); !errors.Is(err, ErrSkip) {
			t.Errorf("revoked object decoded: %v", err)
		}
	}
	if it, err := Decode(json.RawMessage(`{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c02","modified":"2026-11-01T00:00:00.000Z","name":"x"}`)); err != nil || it.Title != "x" {
		t.Errorf("a live report: %+v %v", it, err)
	}
}
