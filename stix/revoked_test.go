package stix

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReceivedKeepsRevoked: an indicator added over TAXII as revoked (a
// sender withdrawing it with a new version) is served back revoked, and
// still validates.
func TestReceivedKeepsRevoked(t *testing.T) {
	raw := `{"type":"indicator","spec_version":"2.1","id":"indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01","created":"2026-11-01T00:00:00.000Z",` +
		`"modified":"2026-11-02T00:00:00.000Z","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","revoked":true}`
	r, err := Decode(json.RawMessage(raw))
	if err != nil || !r.Revoked {
		t.Fatalf("decode: %+v %v", r, err)
	}
	// As stored (JSON) and read back.
	b, _ := json.Marshal(r)
	var back Received
	if err := json.Unmarshal(b, &back); err != nil || !back.Revoked {
		t.Fatalf("stored form loses revoked: %s", b)
	}
	objs, err := back.Objects()
	if err != nil {
		t.Fatal(err)
	}
	v := newValidator(t)
	for _, b := range marshalAll(t, objs) {
		v.validate(b)
		if strings.Contains(string(b), `"type":"indicator"`) && !strings.Contains(string(b), `"revoked":true`) {
			t.Errorf("served without revoked: %s", b)
		}
	}
	live, _ := Decode(json.RawMessage(strings.Replace(raw, `,"revoked":true`, "", 1)))
	if b, _ := json.Marshal(live); strings.Contains(string(b), "Revoked") {
		t.Errorf("a live object's stored form names revoked: %s", b)
	}
}
