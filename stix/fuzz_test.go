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
	// An advisory with a mitigation section: course-of-action versions,
	// one revoked.
	if ao, err := AdvisoryObjects(sampleAdvisory()); err == nil {
		ab, _ := json.Marshal(NewBundle("fuzz-advisory", ao))
		f.Add(ab)
	}
	f.Add([]byte(`{"objects":[{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"対策","description":"更新する"}]}`))
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

func FuzzMitigationOf(f *testing.F) {
	for _, s := range []string{
		"# 概要\n本文\n## 対策\n更新する\n## 参考\nx", "## Mitigation\n- patch\n```\n# not a heading\n```\n# Next",
		"### 回避策・緩和策\n設定を変更\n#### 詳細\n手順", "#対策", "## 1. 推奨される対策 ##\n\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		h, text := MitigationOf(body)
		if (h == "") != (text == "") && text != "" {
			t.Fatalf("%q: heading %q, text %q", body, h, text)
		}
		if len(text) > len(body) {
			t.Fatalf("%q: the section is longer than the body", body)
		}
		if sec := MitigationSection(h, text); text != "" {
			if h2, t2 := MitigationOf(sec); t2 == "" || h2 != MitigationHeadingJA {
				t.Fatalf("%q: the draft section %q does not read back as a mitigation (%q, %q)", body, sec, h2, t2)
			}
		}
	})
}
