package stix

import (
	"encoding/json"
	"errors"
	"testing"
)

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		"[url:value = 'http://a.example/x']", "[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'a.example']",
		"[file:hashes.'SHA-256' = 'aa']", "[email-message:from_ref.value = 'x@example.org' OR (email-addr:value = 'y@example.org')]",
		"([ipv6-addr:value = '2001:db8::1'])", "[url:value = 'it\\'s']", "[a:b = 'c'] WITHIN 5 SECONDS", "[[[",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		inds, err := ParsePattern(p)
		if err != nil {
			if !errors.Is(err, ErrPattern) {
				t.Fatalf("error without ErrPattern: %v", err)
			}
			return
		}
		for _, in := range inds {
			if _, key := in.Normalize(); key != "" {
				t.Fatalf("accepted an invalid indicator %v", in)
			}
			q, err := Pattern(in)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParsePattern(q)
			if err != nil || len(again) != 1 || again[0].Type != in.Type {
				t.Fatalf("%q -> %v -> %q -> %v, %v", p, in, q, again, err)
			}
		}
	})
}

func FuzzDecodeBundle(f *testing.F) {
	objs, _ := ReportObjects(sampleReport())
	b, _ := json.Marshal(NewBundle("fuzz", objs))
	f.Add(b)
	f.Add([]byte(`{"objects":[{"type":"url","spec_version":"2.1","id":"url--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","value":"http://a.example"}]}`))
	f.Add([]byte(`{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{"type":"relationship"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		raws, err := ParseObjects(b)
		if err != nil {
			return
		}
		for _, raw := range raws {
			r, err := Decode(raw)
			if err != nil {
				continue
			}
			out, err := r.Objects()
			if err != nil {
				t.Fatalf("accepted %s but cannot export it: %v", raw, err)
			}
			for _, o := range out {
				if _, err := Marshal(o); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
