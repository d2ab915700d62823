package misp

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"
	"time"

	"ceptor"
)

const sampleEvent = `{"Event": {
  "uuid": "5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6",
  "info": "Phishing wave against utilities",
  "date": "2026-10-01",
  "threat_level_id": "2",
  "published": true,
  "timestamp": "1790000000",
  "Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
  "Tag": [{"name": "tlp:green"}, {"name": "misp-galaxy:threat-actor=\"Example\""}],
  "Attribute": [
    {"uuid": "11111111-1111-4111-8111-111111111111", "type": "ip-dst", "category": "Network activity", "value": "198.51.100.23", "to_ids": true},
    {"type": "domain", "value": "Login-Example.TEST", "to_ids": "1"},
    {"type": "url", "value": "hxxps://login-example[.]test/a"},
    {"type": "sha256", "value": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
    {"type": "email-src", "value": "ceo@spoof.example"},
    {"type": "regkey", "value": "HKLM\\Software\\x"},
    {"type": "ip-src", "value": "not-an-ip"},
    {"type": "md5", "value": "x", "deleted": true}
  ],
  "Object": [{"name": "file", "Attribute": [{"type": "filename|md5", "value": "invoice.doc|d41d8cd98f00b204e9800998ecf8427e"}]}]
}}`

func TestParseEvent(t *testing.T) {
	ev, err := ParseEvent([]byte(sampleEvent))
	if err != nil {
		t.Fatal(err)
	}
	if ev.CreatorOrg != "CIRCL" || ev.TLP != ceptor.TLPGreen || ev.TLPDefault || len(ev.Tags) != 2 || ev.Date != "2026-10-01" || !ev.Published {
		t.Fatalf("event: %+v", ev)
	}
	if len(ev.Attributes) != 8 {
		t.Fatalf("attributes: %d", len(ev.Attributes))
	}
	want := []ceptor.Indicator{
		{Type: ceptor.IndIPv4, Value: "198.51.100.23"},
		{Type: ceptor.IndDomain, Value: "login-example.test"},
		{Type: ceptor.IndURL, Value: "https://login-example.test/a"},
		{Type: ceptor.IndSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{Type: ceptor.IndEmail, Value: "ceo@spoof.example"},
		{Type: ceptor.IndMD5, Value: "d41d8cd98f00b204e9800998ecf8427e"},
	}
	got := ev.Indicators()
	if len(got) != len(want) {
		t.Fatalf("indicators %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("indicator %d = %v, want %v", i, got[i], want[i])
		}
	}
	if ev.Unsupported() != 2 {
		t.Errorf("unsupported = %d", ev.Unsupported())
	}
	if ev.Attributes[5].Note != "misp.note.unsupported_type" || ev.Attributes[6].Note != "misp.note.invalid_value" {
		t.Errorf("notes: %q %q", ev.Attributes[5].Note, ev.Attributes[6].Note)
	}
}

func TestTLPTags(t *testing.T) {
	for _, c := range []struct {
		tags   string
		want   ceptor.TLP
		def    bool
		errKey string
	}{
		{`[]`, ceptor.TLPAmber, true, ""},
		{`[{"name":"tlp:white"}]`, ceptor.TLPClear, false, ""},
		{`[{"name":"TLP:CLEAR"}]`, ceptor.TLPClear, false, ""},
		{`[{"name":"tlp:amber+strict"}]`, ceptor.TLPAmberStrict, false, ""},
		{`[{"name":"tlp:green"},{"name":"tlp:red"}]`, ceptor.TLPRed, false, ""},
		{`[{"name":"tlp:ex:chr"}]`, "", false, "misp.err.tlp_unknown"},
	} {
		ev, err := ParseEvent([]byte(`{"Event":{"uuid":"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6","info":"x","Tag":` + c.tags + `}}`))
		if c.errKey != "" {
			var e *Error
			if !errors.As(err, &e) || e.Key != c.errKey {
				t.Errorf("%s: err %v", c.tags, err)
			}
			continue
		}
		if err != nil || ev.TLP != c.want || ev.TLPDefault != c.def {
			t.Errorf("%s: %v %v %v", c.tags, ev, err, c.want)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"Event":{}}`, `{"Event":{"uuid":"x","info":"y"}}`, `{"Event":{"uuid":"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6"}}`,
		`{"Event":{"uuid":"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6","info":"x","date":"yesterday"}}`, `{"Event":{}} {}`,
		`{"Event":{"uuid":"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6","info":"x","Attribute":[{"value":"a"}]}}`} {
		if _, err := ParseEvent([]byte(in)); err == nil {
			t.Errorf("%q accepted", in)
		} else if e := new(Error); !errors.As(err, &e) || e.Key == "" {
			t.Errorf("%q: %v has no key", in, err)
		}
	}
}

func feedZip(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

func TestFeed(t *testing.T) {
	man := `{"5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6": {"info": "Phishing wave"}}`
	evs, err := ParseFeedZip(feedZip(t, map[string]string{"feed/manifest.json": man, "feed/5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6.json": sampleEvent}))
	if err != nil || len(evs) != 1 || evs[0].CreatorOrg != "CIRCL" {
		t.Fatalf("%v %v", evs, err)
	}
	if _, err := ParseFeedZip(feedZip(t, map[string]string{"manifest.json": man})); err == nil {
		t.Error("missing event file accepted")
	}
	other := `{"6f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6": {}}`
	if _, err := ParseFeedZip(feedZip(t, map[string]string{"manifest.json": other, "6f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6.json": sampleEvent})); err == nil {
		t.Error("event under another uuid accepted")
	}
	if _, err := ParseFeedZip([]byte("not a zip")); err == nil {
		t.Error("not a zip accepted")
	}
}

func TestExportRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	x := Export{Key: "advisory:7", Info: "注意喚起: フィッシング", Text: "本文", CreatorOrg: "NISC", TLP: ceptor.TLPAmber, Date: at, Modified: at,
		Indicators: []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "login-example.test"}, {Type: ceptor.IndIPv6, Value: "2001:db8::1"}}}
	b, err := Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := Encode(x)
	if !bytes.Equal(b, b2) {
		t.Error("export is not deterministic")
	}
	ev, err := ParseEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	if ev.TLP != ceptor.TLPAmber || ev.CreatorOrg != "NISC" || ev.Info != x.Info || len(ev.Indicators()) != 2 || ev.Unsupported() != 1 {
		t.Fatalf("round trip: %+v", ev)
	}
}
