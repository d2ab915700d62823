package misp

import "testing"

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(sampleEvent))
	f.Add([]byte(`{"uuid":"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6","info":"x","Tag":[{"name":"tlp:red"}],"Attribute":[{"type":"ip-src|port","value":"[2001:db8::1]:443"}]}`))
	f.Add([]byte(`{"Event":{"published":"1","timestamp":12,"to_ids":"maybe"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseEvent(b)
		if err != nil {
			return
		}
		if !ev.TLP.Valid() || !ValidUUID(ev.UUID) || ev.Info == "" {
			t.Fatalf("accepted event breaks invariants: %+v", ev)
		}
		for _, in := range ev.Indicators() {
			if n, key := in.Normalize(); key != "" || n != in {
				t.Fatalf("indicator %v is not normalised", in)
			}
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6": {"info": "x"}}`))
	f.Add([]byte(`{"a": 1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := ParseManifest(b)
		if err != nil {
			return
		}
		for _, e := range es {
			if !ValidUUID(e.UUID) {
				t.Fatalf("bad uuid %q", e.UUID)
			}
		}
	})
}

func FuzzParseFeedZip(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseFeedZip(b)
	})
}
