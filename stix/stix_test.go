package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ceptor"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir is where the OASIS STIX 2.1 JSON schemas live: a copy in
// testdata (BSD-3-Clause, with its licence), so that the conformance tests
// need nothing outside the repository; CEPTOR_STIX_SCHEMAS points at
// another copy (e.g. a newer release) instead.
func schemaDir(t *testing.T) string {
	if d := os.Getenv("CEPTOR_STIX_SCHEMAS"); d != "" {
		return d
	}
	d, err := filepath.Abs("testdata/oasis-stix2-json-schemas/schemas")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("the OASIS STIX 2.1 schemas are not at %s (set CEPTOR_STIX_SCHEMAS): %v", d, err)
	}
	return d
}

const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"

// validator compiles the OASIS schemas once per test.
type validator struct {
	t       *testing.T
	c       *jsonschema.Compiler
	schemas map[string]*jsonschema.Schema
}

func newValidator(t *testing.T) *validator {
	dir := schemaDir(t)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return c.AddResource(schemaBase+filepath.ToSlash(rel), doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &validator{t: t, c: c, schemas: map[string]*jsonschema.Schema{}}
}

func schemaPath(typ string) string {
	switch typ {
	case "bundle", "marking-definition":
		return "common/" + typ + ".json"
	case "relationship", "sighting":
		return "sros/" + typ + ".json"
	case "url", "domain-name", "ipv4-addr", "ipv6-addr", "file", "email-addr":
		return "observables/" + typ + ".json"
	}
	return "sdos/" + typ + ".json"
}

// validate checks one serialised object (or bundle) against the schema of
// its type.
func (v *validator) validate(b []byte) {
	v.t.Helper()
	var head struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		v.t.Fatal(err)
	}
	sch := v.schemas[head.Type]
	if sch == nil {
		var err error
		if sch, err = v.c.Compile(schemaBase + schemaPath(head.Type)); err != nil {
			v.t.Fatalf("compile schema of %s: %v", head.Type, err)
		}
		v.schemas[head.Type] = sch
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		v.t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		v.t.Errorf("%s does not validate against %s:\n%v\n%s", head.ID, schemaPath(head.Type), err, b)
	}
}

var t0 = time.Date(2026, 4, 3, 9, 30, 0, 123456789, time.UTC)

func sampleIndicators() []ceptor.Indicator {
	return []ceptor.Indicator{
		{Type: ceptor.IndURL, Value: "http://evil.example.com/a?b='c'&d=\\e"},
		{Type: ceptor.IndDomain, Value: "evil.example.com"},
		{Type: ceptor.IndIPv4, Value: "192.0.2.7"},
		{Type: ceptor.IndIPv6, Value: "2001:db8::7"},
		{Type: ceptor.IndMD5, Value: strings.Repeat("a", 32)},
		{Type: ceptor.IndSHA1, Value: strings.Repeat("b", 40)},
		{Type: ceptor.IndSHA256, Value: strings.Repeat("c", 64)},
		{Type: ceptor.IndEmail, Value: "attacker@evil.example.com"},
	}
}

func sampleReport() ReportExport {
	started := t0.Add(-2 * time.Hour)
	rec := t0.Add(5 * time.Hour)
	return ReportExport{
		Report: &ceptor.Report{ID: 42, Version: 2, TLP: ceptor.TLPAmber, Title: "標的型メールによるマルウェア感染", Body: "本文",
			EventClass: ceptor.EventMalware, Causes: []ceptor.Cause{ceptor.CauseTargetedEmail}, Lang: "ja",
			StartedAt: &started, RecoveredAt: &rec, Response: "端末を隔離した", Indicators: sampleIndicators()},
		Created: t0, Modified: t0.Add(time.Hour), SectorName: "金融",
		Creator: CeptorParty(&ceptor.Ceptor{ID: 3, NameJA: "銀行等セプター", CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(-time.Hour)}),
	}
}

func sampleIncident() IncidentExport {
	lvl := 3
	return IncidentExport{
		Incident: &ceptor.Incident{ID: 7, Title: "クラウド障害", Summary: "複数事業者に影響", Status: ceptor.IncidentOpen, TLP: ceptor.TLPGreen,
			LargeScale: true, CreatedAt: t0, UpdatedAt: t0.Add(time.Minute)},
		Creator:  OrgParty(&ceptor.Organization{ID: 1, Name: "内閣官房", Type: ceptor.OrgNISC, CreatedAt: t0, UpdatedAt: t0}),
		Severity: &lvl, SectorNames: []string{"金融", "情報通信"}, ReportIDs: []int64{42, 43},
		Notes: []NoteInput{{Seq: 3, Kind: "note", Text: "状況を確認中", At: t0.Add(30 * time.Minute)}},
	}
}

func marshalAll(t *testing.T, objs []Object) [][]byte {
	var out [][]byte
	for _, o := range objs {
		b, err := Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestExportValidatesAgainstOASISSchemas: every object kind ceptor exports
// (and the bundles) validates against the OASIS STIX 2.1 JSON schemas.
func TestExportValidatesAgainstOASISSchemas(t *testing.T) {
	v := newValidator(t)
	rep, err := ReportObjects(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	inc, err := IncidentObjects(sampleIncident())
	if err != nil {
		t.Fatal(err)
	}
	all := append(rep, inc...)
	for _, tl := range ceptor.TLPs {
		all = append(all, Marking(tl))
	}
	named := sampleReport()
	named.Creator = OrgParty(&ceptor.Organization{ID: 9, Name: "事業者A", Type: ceptor.OrgOperator, CreatedAt: t0, UpdatedAt: t0})
	named.Report.Indicators = nil
	more, err := ReportObjects(named)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, more...)
	// Advisories: report versions, notes and the course-of-action of the
	// mitigation section (AdvisoryObjects); and a course-of-action and a
	// mitigates relationship as received and served back (Received.Objects).
	adv, err := AdvisoryObjects(sampleAdvisory())
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, adv...)
	for _, raw := range []string{
		`{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"Patch","description":"Update.","object_marking_refs":["` + MarkingID(ceptor.TLPGreen) + `"]}`,
		`{"type":"relationship","spec_version":"2.1","id":"relationship--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c71","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","relationship_type":"mitigates","source_ref":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","target_ref":"indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01"}`,
	} {
		r, err := Decode(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		back, err := r.Objects()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, back[len(back)-1])
	}
	kinds := map[string]bool{}
	coas, mitigates := 0, 0
	for _, b := range marshalAll(t, all) {
		v.validate(b)
		var h struct {
			Type             string `json:"type"`
			RelationshipType string `json:"relationship_type"`
		}
		json.Unmarshal(b, &h)
		kinds[h.Type] = true
		if h.Type == "course-of-action" {
			coas++
		}
		if h.RelationshipType == "mitigates" {
			mitigates++
		}
	}
	if coas < 5 || mitigates != 1 {
		t.Errorf("%d courses of action and %d mitigates relationships validated, want the report's, the advisory's three versions and a received one, and one", coas, mitigates)
	}
	for _, k := range []string{"report", "identity", "marking-definition", "observed-data", "indicator", "relationship", "incident",
		"note", "course-of-action", "url", "domain-name", "ipv4-addr", "ipv6-addr", "file", "email-addr"} {
		if !kinds[k] {
			t.Errorf("no %s among the exported objects", k)
		}
	}
	// The OASIS bundle schema lists the 2.1 types it knows and treats the
	// others as custom objects, which incident and note (valid on their own
	// above) cannot satisfy: the bundle is checked with the types it lists.
	var listed []Object
	for _, o := range all {
		if _, typ, _ := o.Ident(); typ != "incident" && typ != "note" {
			listed = append(listed, o)
		}
	}
	b, err := json.Marshal(NewBundle("test", listed))
	if err != nil {
		t.Fatal(err)
	}
	v.validate(b)
}

// TestSchemaValidatorRejects: a test that cannot fail is a defect; the
// validator must refuse a broken object.
func TestSchemaValidatorRejects(t *testing.T) {
	v := newValidator(t)
	sch, err := v.c.Compile(schemaBase + "sdos/indicator.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"type":"indicator","spec_version":"2.1","id":"indicator--bad","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[url:value = 'x']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`))
	if sch.Validate(inst) == nil {
		t.Fatal("a malformed id and second-precision timestamps passed the schema")
	}
}

func TestDeterministicIDs(t *testing.T) {
	a, _ := ReportObjects(sampleReport())
	b, _ := ReportObjects(sampleReport())
	ab, bb := marshalAll(t, a), marshalAll(t, b)
	for i := range ab {
		if !bytes.Equal(ab[i], bb[i]) {
			t.Fatalf("two exports differ:\n%s\n%s", ab[i], bb[i])
		}
	}
	// A later version keeps every id and moves modified.
	x := sampleReport()
	x.Modified = x.Modified.Add(time.Hour)
	c, _ := ReportObjects(x)
	for i := range a {
		ida, _, va := a[i].Ident()
		idc, _, vc := c[i].Ident()
		if ida != idc {
			t.Errorf("id changed across versions: %s -> %s", ida, idc)
		}
		if _, typ, _ := a[i].Ident(); typ == "report" && va == vc {
			t.Errorf("report modified did not move: %s", va)
		}
	}
	// The id STIX 2.1 section 2.9 prescribes, as computed independently
	// (Python: uuid.uuid5(UUID("00abedb4-..."), '{"value":"198.51.100.3"}')).
	o, _ := Observable(ceptor.Indicator{Type: ceptor.IndIPv4, Value: "198.51.100.3"}, "")
	if o.ID != "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4" {
		t.Errorf("ipv4-addr id %s is not the one STIX prescribes", o.ID)
	}
}

func TestAnonymousReportNamesTheCeptor(t *testing.T) {
	x := sampleReport()
	objs, _ := ReportObjects(x)
	want := CeptorParty(&ceptor.Ceptor{ID: 3}).ID()
	for _, b := range marshalAll(t, objs) {
		var h struct {
			Type         string `json:"type"`
			CreatedByRef string `json:"created_by_ref"`
		}
		json.Unmarshal(b, &h)
		if h.CreatedByRef != "" && h.CreatedByRef != want {
			t.Errorf("%s created by %s, want the CEPTOR %s", h.Type, h.CreatedByRef, want)
		}
	}
}

func TestPatterns(t *testing.T) {
	for _, in := range sampleIndicators() {
		p, err := Pattern(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParsePattern(p)
		if err != nil || len(got) != 1 || got[0] != in {
			t.Errorf("%s: parsed back as %v, %v", p, got, err)
		}
	}
	ok := map[string]int{
		"[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'a.example']": 2,
		"[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2']":     2,
		"([file:hashes.'SHA-256' = '" + strings.Repeat("A", 64) + "'])":        1,
		"[email-message:from_ref.value = 'x@example.org']":                     1,
		"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']":               1,
		"  [ url:value  =  'https://a.example/it\\'s' ]  ":                     1,
	}
	for p, n := range ok {
		got, err := ParsePattern(p)
		if err != nil || len(got) != n {
			t.Errorf("%q: %v, %v", p, got, err)
		}
	}
	bad := []string{
		"", "[]", "[ipv4-addr:value = '192.0.2.1'] AND [ipv4-addr:value = '192.0.2.2']",
		"[ipv4-addr:value = '192.0.2.1' AND ipv4-addr:value = '192.0.2.2']",
		"[ipv4-addr:value != '192.0.2.1']", "[ipv4-addr:value = '192.0.2.0/24']", "[ipv4-addr:value = '999.0.2.1']",
		"[process:name = 'x']", "[url:value = 'http://x.example'] WITHIN 5 SECONDS", "[url:value LIKE 'http://%']",
		"[url:value = 'http://x.example'", "[url:value = 'unterminated]", "[file:hashes.MD5 = 'xyz']",
		"[url:value = 'http://a.example'] [url:value = 'http://b.example']",
	}
	for _, p := range bad {
		if got, err := ParsePattern(p); err == nil || !errors.Is(err, ErrPattern) {
			t.Errorf("%q accepted: %v", p, got)
		}
	}
}

// TestRoundTrip: STIX -> ceptor -> STIX keeps ids, versions, markings and
// relationships.
func TestRoundTrip(t *testing.T) {
	v := newValidator(t)
	objs, _ := ReportObjects(sampleReport())
	b, _ := json.Marshal(NewBundle("rt", objs))
	raws, err := ParseObjects(b)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]*Received{}
	for _, raw := range raws {
		r, err := Decode(raw)
		if errors.Is(err, Skipped) {
			continue
		}
		if err != nil {
			var h struct{ Type string }
			json.Unmarshal(raw, &h)
			if h.Type == "report" || h.Type == "observed-data" || h.Type == "course-of-action" {
				continue // ceptor keeps indicators, observables and relationships
			}
			t.Fatalf("%s: %v", raw, err)
		}
		kept[r.ID] = r
	}
	in := map[string]map[string]any{}
	for _, raw := range raws {
		var m map[string]any
		json.Unmarshal(raw, &m)
		in[m["id"].(string)] = m
	}
	nInd, nRel := 0, 0
	for id, r := range kept {
		out, err := r.Objects()
		if err != nil {
			t.Fatal(err)
		}
		last := out[len(out)-1]
		lb, _ := Marshal(last)
		v.validate(lb)
		var m map[string]any
		json.Unmarshal(lb, &m)
		orig := in[id]
		for _, k := range []string{"id", "type", "created", "modified", "object_marking_refs", "created_by_ref", "pattern",
			"source_ref", "target_ref", "relationship_type", "value", "hashes", "valid_from"} {
			ob, _ := json.Marshal(orig[k])
			nb, _ := json.Marshal(m[k])
			if !bytes.Equal(ob, nb) {
				t.Errorf("%s: %s changed in the round trip: %s -> %s", id, k, ob, nb)
			}
		}
		switch r.Type {
		case "indicator":
			nInd++
		case "relationship":
			nRel++
		}
		if r.TLP != ceptor.TLPAmber {
			t.Errorf("%s: marking read as %q", id, r.TLP)
		}
	}
	if nInd != 8 || nRel != 8 {
		t.Errorf("kept %d indicators and %d relationships, want 8 and 8", nInd, nRel)
	}
}

func TestDecodeRefuses(t *testing.T) {
	bad := []string{
		`{"type":"indicator","spec_version":"2.1","id":"indicator--not-a-uuid","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[url:value = 'http://a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"indicator","spec_version":"2.0","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[url:value = 'http://a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"alert tcp any","pattern_type":"snort","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[url:value = 'http://a.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`,
		`{"type":"malware","spec_version":"2.1","id":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"x","is_family":false}`,
		`{"type":"url","spec_version":"2.1","id":"url--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","value":"javascript:alert(1)"}`,
		`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"x"}}`,
		`[1,2]`,
	}
	for _, s := range bad {
		if _, err := Decode(json.RawMessage(s)); err == nil || errors.Is(err, Skipped) {
			t.Errorf("accepted: %s (%v)", s, err)
		}
	}
	if _, err := ParseObjects([]byte(`{"type":"bundle","id":"bundle--x","objects":[]}`)); err == nil {
		t.Error("a bundle with a bad id was accepted")
	}
}
