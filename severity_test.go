package ceptor_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/i18n"
)

func TestSeverityLevels(t *testing.T) {
	t.Parallel()
	colours := map[string]bool{}
	for _, l := range ceptor.SeverityLevels {
		if !l.Valid() {
			t.Errorf("level %d not valid", l)
		}
		for _, lang := range i18n.Languages {
			if got := i18n.T(lang, l.Key()); got == l.Key() || got == "" {
				t.Errorf("%s: no label for %s", lang, l.Key())
			}
		}
		colours[l.Colour()] = true
	}
	if len(colours) != len(ceptor.SeverityLevels) {
		t.Errorf("levels share colours: %v", colours)
	}
	for _, bad := range []ceptor.SeverityLevel{-1, 5, 100} {
		if bad.Valid() {
			t.Errorf("level %d valid", bad)
		}
	}
	if i18n.T("ja", ceptor.SeverityCritical.Key()) != "危機" || i18n.T("ja", ceptor.SeverityNone.Key()) != "なし" {
		t.Error("Japanese labels of the criteria")
	}
	if ceptor.MaxSeverity() != ceptor.SeverityNone || ceptor.MaxSeverity(1, 3, 2) != 3 {
		t.Error("MaxSeverity")
	}
}

func TestEvaluationValidate(t *testing.T) {
	t.Parallel()
	ok := func() ceptor.Evaluation {
		return ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: 1,
			Continuity: 2, Safety: 0, Trust: 1, ContinuityReason: "3 時間停止", TrustReason: "報道あり"}
	}
	scenarios := []struct {
		name    string
		edit    func(e *ceptor.Evaluation)
		fields  []string // field errors expected; nil means valid
		overall ceptor.SeverityLevel
	}{
		{"valid", func(e *ceptor.Evaluation) {}, nil, 2},
		{"overall is computed, not taken", func(e *ceptor.Evaluation) { e.Overall = 4 }, nil, 2},
		{"overall is the highest viewpoint", func(e *ceptor.Evaluation) { e.Safety, e.SafetyReason = 3, "負傷者" }, nil, 3},
		{"trust can be the highest", func(e *ceptor.Evaluation) { e.Trust = 4 }, nil, 4},
		{"all none needs no reason", func(e *ceptor.Evaluation) {
			*e = ceptor.Evaluation{Subject: ceptor.SubjectIncident, SubjectID: 9}
		}, nil, 0},
		{"reason required above none", func(e *ceptor.Evaluation) { e.ContinuityReason = "" }, []string{"continuity_reason"}, 2},
		{"blank reason is no reason", func(e *ceptor.Evaluation) { e.TrustReason = " \t　" }, []string{"trust_reason"}, 2},
		{"level above 4", func(e *ceptor.Evaluation) { e.Safety, e.SafetyReason = 5, "x" }, []string{"safety"}, 0},
		{"negative level", func(e *ceptor.Evaluation) { e.Trust = -1 }, []string{"trust"}, 0},
		{"reason too long", func(e *ceptor.Evaluation) { e.ContinuityReason = strings.Repeat("長", ceptor.MaxReasonLength+1) }, []string{"continuity_reason"}, 0},
		{"reason at the limit", func(e *ceptor.Evaluation) { e.ContinuityReason = strings.Repeat("長", ceptor.MaxReasonLength) }, nil, 2},
		{"broken UTF-8", func(e *ceptor.Evaluation) { e.TrustReason = "\xff\xfe" }, []string{"trust_reason"}, 0},
		{"unknown subject", func(e *ceptor.Evaluation) { e.Subject = "advisory" }, []string{"subject"}, 0},
		{"no subject id", func(e *ceptor.Evaluation) { e.SubjectID = 0 }, []string{"subject_id"}, 0},
	}
	for _, sc := range scenarios {
		e := ok()
		sc.edit(&e)
		err := e.Validate()
		if sc.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", sc.name, err)
			} else if e.Overall != sc.overall {
				t.Errorf("%s: overall %d, want %d", sc.name, e.Overall, sc.overall)
			}
			continue
		}
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			t.Errorf("%s: error %v, want invalid", sc.name, err)
			continue
		}
		fields := ceptor.ErrorFields(err)
		if len(fields) != len(sc.fields) {
			t.Errorf("%s: fields %v, want %v", sc.name, fields, sc.fields)
		}
		for _, f := range sc.fields {
			key := fields[f]
			if key == "" {
				t.Errorf("%s: no error on %s (%v)", sc.name, f, fields)
			} else if !i18n.Has(key) {
				t.Errorf("%s: message key %q has no text", sc.name, key)
			}
		}
	}
}

func TestCurrentOf(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	ev := func(id int64, final bool, minutes int) *ceptor.Evaluation {
		return &ceptor.Evaluation{ID: id, Final: final, CreatedAt: t0.Add(time.Duration(minutes) * time.Minute)}
	}
	scenarios := []struct {
		name    string
		history []*ceptor.Evaluation
		want    int64 // 0: none
	}{
		{"empty", nil, 0},
		{"one provisional", []*ceptor.Evaluation{ev(1, false, 0)}, 1},
		{"latest provisional", []*ceptor.Evaluation{ev(1, false, 0), ev(2, false, 10)}, 2},
		{"final beats an earlier provisional", []*ceptor.Evaluation{ev(1, false, 0), ev(2, true, 10)}, 2},
		{"final beats a later provisional", []*ceptor.Evaluation{ev(1, true, 0), ev(2, false, 10)}, 1},
		{"a new final replaces a final", []*ceptor.Evaluation{ev(1, true, 0), ev(2, false, 10), ev(3, true, 20), ev(4, false, 30)}, 3},
		{"order of the slice does not matter", []*ceptor.Evaluation{ev(3, true, 20), ev(1, true, 0), ev(2, false, 30)}, 3},
		{"same instant: higher id", []*ceptor.Evaluation{ev(5, false, 0), ev(4, false, 0)}, 5},
	}
	for _, sc := range scenarios {
		got := ceptor.CurrentOf(sc.history)
		switch {
		case sc.want == 0 && got != nil:
			t.Errorf("%s: got %d", sc.name, got.ID)
		case sc.want != 0 && (got == nil || got.ID != sc.want):
			t.Errorf("%s: got %v, want %d", sc.name, got, sc.want)
		}
	}
}

func TestGuidanceValidate(t *testing.T) {
	t.Parallel()
	g := ceptor.DefaultGuidance()
	if err := g.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	// Levels are sorted.
	g = ceptor.Guidance{SectorID: 3, Levels: []ceptor.GuidanceLevel{{Level: 4, UsersAffected: 10}, {Level: 2, OutageHours: 1.5}}}
	if err := g.Validate(); err != nil || g.Levels[0].Level != 2 {
		t.Fatalf("sorted: %v %+v", err, g.Levels)
	}
	bad := []ceptor.Guidance{
		{},
		{Levels: []ceptor.GuidanceLevel{{Level: 0, AnyOutage: true}}},
		{Levels: []ceptor.GuidanceLevel{{Level: 5, AnyOutage: true}}},
		{Levels: []ceptor.GuidanceLevel{{Level: 2, UsersAffected: 1}, {Level: 2, UsersAffected: 5}}},
		{Levels: []ceptor.GuidanceLevel{{Level: 2, UsersAffected: -1}}},
		{Levels: []ceptor.GuidanceLevel{{Level: 2, OutageHours: -0.5}}},
		{SectorID: -1, Levels: []ceptor.GuidanceLevel{{Level: 1, AnyOutage: true}}},
	}
	for i, g := range bad {
		err := g.Validate()
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			t.Errorf("bad[%d]: %v", i, err)
		}
		for _, key := range ceptor.ErrorFields(err) {
			if !i18n.Has(key) {
				t.Errorf("bad[%d]: message key %q has no text", i, key)
			}
		}
	}
}

func TestSuggestLevels(t *testing.T) {
	t.Parallel()
	n := func(v int) *int { return &v }
	def := ceptor.DefaultGuidance()
	// A sector that cares only about scale: no level for small outages, and
	// level 4 already from 500 users.
	strict := ceptor.Guidance{SectorID: 7, Levels: []ceptor.GuidanceLevel{
		{Level: 4, UsersAffected: 500}, {Level: 3, SafetyHarm: true},
	}}
	scenarios := []struct {
		name                      string
		g                         ceptor.Guidance
		users                     *int
		outage                    time.Duration
		area, harm, evac          bool
		continuity, safety, trust ceptor.SeverityLevel
		keys                      []string // reason keys expected among the reasons
	}{
		{"nothing happened", def, nil, 0, false, false, false, 0, 0, 0, []string{"severity.suggest.none"}},
		{"no users, no outage", def, n(0), 0, false, false, false, 0, 0, 0, nil},
		{"short small outage", def, n(10), 30 * time.Minute, false, false, false, 1, 0, 0, []string{"severity.suggest.any_outage"}},
		{"users unknown, short outage", def, nil, time.Minute, false, false, false, 1, 0, 0, nil},
		{"just under medium", def, n(999), 2*time.Hour - time.Second, false, false, false, 1, 0, 0, nil},
		{"1,000 users", def, n(1000), 0, false, false, false, 2, 0, 1, []string{"severity.suggest.users"}},
		{"two hours", def, n(5), 2 * time.Hour, false, false, false, 2, 0, 1, []string{"severity.suggest.outage"}},
		{"users unknown, three hours", def, nil, 3 * time.Hour, false, false, false, 2, 0, 1, nil},
		{"100,000 users", def, n(100_000), time.Hour, false, false, false, 3, 0, 2, nil},
		{"a day", def, n(50), 24 * time.Hour, false, false, false, 3, 0, 2, nil},
		{"prefecture-wide", def, n(50), time.Minute, true, false, false, 3, 0, 2, []string{"severity.suggest.area"}},
		{"a million users", def, n(1_000_000), time.Hour, false, false, false, 4, 0, 3, nil},
		{"three days", def, nil, 72 * time.Hour, false, false, false, 4, 0, 3, nil},
		{"evacuation as a precaution", def, nil, 0, false, false, true, 0, 2, 1, []string{"severity.suggest.evacuation"}},
		{"harm", def, nil, 0, false, true, false, 0, 3, 2, []string{"severity.suggest.harm"}},
		{"harm and evacuation", def, n(20), time.Hour, false, true, true, 1, 4, 3, []string{"severity.suggest.harm", "severity.suggest.evacuation"}},
		{"safety above continuity sets trust", def, n(20), time.Hour, false, true, false, 1, 3, 2, nil},
		{"sector: small outage is nothing", strict, n(10), time.Hour, false, false, false, 0, 0, 0, nil},
		{"sector: 500 users is critical", strict, n(500), 0, false, false, false, 4, 0, 3, nil},
		{"sector: harm alone is high", strict, nil, 0, false, true, true, 0, 3, 2, nil},
		{"empty guidance suggests nothing", ceptor.Guidance{}, n(5_000_000), 100 * time.Hour, true, true, true, 0, 0, 0, nil},
	}
	for _, sc := range scenarios {
		c, s, tr, reasons := ceptor.SuggestLevels(sc.g, sc.users, sc.outage, sc.area, sc.harm, sc.evac)
		if c != sc.continuity || s != sc.safety || tr != sc.trust {
			t.Errorf("%s: got %d/%d/%d, want %d/%d/%d", sc.name, c, s, tr, sc.continuity, sc.safety, sc.trust)
		}
		have := map[string]bool{}
		seen := map[ceptor.Viewpoint]bool{}
		for _, r := range reasons {
			have[r.Key] = true
			seen[r.Viewpoint] = true
			if want := map[ceptor.Viewpoint]ceptor.SeverityLevel{ceptor.ViewContinuity: c, ceptor.ViewSafety: s, ceptor.ViewTrust: tr}[r.Viewpoint]; r.Level != want {
				t.Errorf("%s: reason %s at level %d, viewpoint suggested %d", sc.name, r.Key, r.Level, want)
			}
			for _, lang := range i18n.Languages {
				text := i18n.T(lang, r.Key, r.Args...)
				if text == r.Key || strings.Contains(text, "%!") {
					t.Errorf("%s: %s: %q does not render (%v)", sc.name, lang, r.Key, r.Args)
				}
			}
		}
		for _, v := range ceptor.Viewpoints {
			if !seen[v] {
				t.Errorf("%s: no reason for %s", sc.name, v)
			}
		}
		for _, k := range sc.keys {
			if !have[k] {
				t.Errorf("%s: reasons %v lack %s", sc.name, reasons, k)
			}
		}
	}
}

func TestIncidentValidate(t *testing.T) {
	t.Parallel()
	inc := &ceptor.Incident{Title: "  クラウド障害  ", ManualSectorIDs: []int64{3, 1, 3}}
	if err := inc.Validate(); err != nil {
		t.Fatal(err)
	}
	if inc.Title != "クラウド障害" || inc.Status != ceptor.IncidentOpen || inc.TLP != ceptor.TLPAmber || inc.Cadence != 6*time.Hour {
		t.Fatalf("defaults: %+v", inc)
	}
	if len(inc.ManualSectorIDs) != 2 || inc.ManualSectorIDs[0] != 1 {
		t.Fatalf("manual sectors %v", inc.ManualSectorIDs)
	}
	scenarios := []struct {
		name  string
		inc   ceptor.Incident
		field string
	}{
		{"no title", ceptor.Incident{Title: " "}, "title"},
		{"long title", ceptor.Incident{Title: strings.Repeat("あ", 301)}, "title"},
		{"bad status", ceptor.Incident{Title: "x", Status: "done"}, "status"},
		{"bad tlp", ceptor.Incident{Title: "x", TLP: "WHITE"}, "tlp"},
		{"cadence too short", ceptor.Incident{Title: "x", Cadence: time.Minute}, "cadence"},
		{"cadence too long", ceptor.Incident{Title: "x", Cadence: 8 * 24 * time.Hour}, "cadence"},
		{"bad sector", ceptor.Incident{Title: "x", ManualSectorIDs: []int64{0}}, "manual_sector_ids"},
		{"broken UTF-8", ceptor.Incident{Title: "x", Summary: "\xc3"}, "summary"},
	}
	for _, sc := range scenarios {
		err := sc.inc.Validate()
		key := ceptor.ErrorFields(err)[sc.field]
		if ceptor.ErrorCode(err) != ceptor.EINVALID || key == "" {
			t.Errorf("%s: %v", sc.name, err)
		} else if !i18n.Has(key) {
			t.Errorf("%s: message key %q has no text", sc.name, key)
		}
	}
}

func TestIncidentUpdateDue(t *testing.T) {
	t.Parallel()
	on := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	inc := &ceptor.Incident{Cadence: 6 * time.Hour}
	if !inc.UpdateDue(on).IsZero() {
		t.Fatal("no update is due in normal mode")
	}
	inc.LargeScale, inc.ModeSince = true, &on
	if got := inc.UpdateDue(time.Time{}); !got.Equal(on.Add(6 * time.Hour)) {
		t.Fatalf("no update yet: due %v", got)
	}
	if got := inc.UpdateDue(on.Add(-48 * time.Hour)); !got.Equal(on.Add(6 * time.Hour)) {
		t.Fatalf("update before the switch counts from the switch: %v", got)
	}
	if got := inc.UpdateDue(on.Add(5 * time.Hour)); !got.Equal(on.Add(11 * time.Hour)) {
		t.Fatalf("after an update: %v", got)
	}
}

func TestIncidentJSON(t *testing.T) {
	t.Parallel()
	in := ceptor.Incident{ID: 4, Title: "x", Status: ceptor.IncidentOpen, TLP: ceptor.TLPGreen, Cadence: 90 * time.Minute, SectorIDs: []int64{1}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"cadence_seconds":5400`) || !strings.Contains(string(b), `"title":"x"`) {
		t.Fatalf("json %s", b)
	}
	var out ceptor.Incident
	if err := json.Unmarshal(b, &out); err != nil || out.Cadence != in.Cadence || out.ID != 4 || out.TLP != ceptor.TLPGreen {
		t.Fatalf("round trip %+v %v", out, err)
	}
}

func TestIncidentEventValidate(t *testing.T) {
	t.Parallel()
	e := &ceptor.IncidentEvent{Kind: ceptor.EventNote}
	if err := e.Validate(); err != nil || string(e.Detail) != "{}" {
		t.Fatalf("empty detail: %v %s", err, e.Detail)
	}
	for _, bad := range []*ceptor.IncidentEvent{
		{Kind: "deleted"},
		{Kind: ceptor.EventNote, Detail: json.RawMessage(`[1]`)},
		{Kind: ceptor.EventNote, Detail: json.RawMessage(`{`)},
		{Kind: ceptor.EventNote, Detail: json.RawMessage(`null`)},
		{Kind: ceptor.EventNote, Detail: json.RawMessage(`{"text":"` + strings.Repeat("a", ceptor.MaxEventDetail) + `"}`)},
	} {
		if ceptor.ErrorCode(bad.Validate()) != ceptor.EINVALID {
			t.Errorf("accepted %q %.40s", bad.Kind, bad.Detail)
		}
	}
	if _, err := ceptor.NoteDetail("  "); ceptor.ErrorFields(err)["note"] != "err.required" {
		t.Errorf("empty note: %v", err)
	}
	if d, err := ceptor.NoteDetail(" 復旧を確認 "); err != nil || string(d) != `{"text":"復旧を確認"}` {
		t.Errorf("note detail %s %v", d, err)
	}
	for _, k := range ceptor.IncidentEventKinds {
		for _, lang := range i18n.Languages {
			if key := "severity.incident.event." + string(k); i18n.T(lang, key) == key {
				t.Errorf("%s: no label for %s", lang, key)
			}
		}
	}
}

func TestGroupingScore(t *testing.T) {
	t.Parallel()
	ind := ceptor.GroupingSuggestion{Reasons: []ceptor.GroupingReason{ceptor.GroupSharedIndicator}, Indicators: make([]ceptor.Indicator, 1)}
	sup := ceptor.GroupingSuggestion{Reasons: []ceptor.GroupingReason{ceptor.GroupSameSupplier, ceptor.GroupSectorWindow}}
	win := ceptor.GroupingSuggestion{Reasons: []ceptor.GroupingReason{ceptor.GroupSectorWindow}}
	if !(ind.Score() > sup.Score() && sup.Score() > win.Score() && win.Score() > 0) {
		t.Fatalf("scores %d %d %d", ind.Score(), sup.Score(), win.Score())
	}
}
