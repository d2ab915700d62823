package stix

import (
	"encoding/json"
	"testing"
	"time"

	"ceptor"
)

func sampleAdvisory() AdvisoryExport {
	pub := t0
	wd := t0.Add(48 * time.Hour)
	a := &ceptor.Advisory{ID: 5, Version: 2, Status: ceptor.AdvisoryWithdrawn, OrgID: 1, Title: "VPN 装置の脆弱性（訂正）",
		Body:     "# 概要\n修正版へ更新してください。\n\n## 推奨される対策\n- 修正版 2.1 へ更新する\n- 管理画面を外部に公開しない\n\n## 参考\nhttps://example.org/",
		Category: ceptor.CatVulnerability, Urgency: ceptor.UrgencyHigh, TLP: ceptor.TLPAmber, Source: ceptor.SourcePartner, SourceName: "関係機関",
		Audience: ceptor.Audience{SectorIDs: []int64{2}}, Note: "対象製品を追加", WithdrawReason: "誤送信のため取消し",
		CreatedAt: t0.Add(-time.Hour), UpdatedAt: wd, PublishedAt: &pub, WithdrawnAt: &wd}
	return AdvisoryExport{Advisory: a, Creator: OrgParty(&ceptor.Organization{ID: 1, Name: "内閣官房", Type: ceptor.OrgNISC, CreatedAt: t0, UpdatedAt: t0}),
		Versions: []ceptor.AdvisoryVersion{
			{Version: 2, Title: a.Title, Body: a.Body, Urgency: a.Urgency, TLP: ceptor.TLPAmber, Note: a.Note, CreatedAt: t0.Add(time.Hour)},
			{Version: 1, Title: "VPN 装置の脆弱性", Body: "# 概要\n更新してください。\n\n### Workaround\nDisable the web UI.", Urgency: ceptor.UrgencyNormal,
				TLP: ceptor.TLPGreen, CreatedAt: t0},
		}}
}

// TestAdvisoryExports: an advisory is one report whose versions are its
// publication, its corrections (each with a note) and its withdrawal
// (revoked), created by the issuer with each version's own marking; every
// object validates against the OASIS schemas, as do the objects of an
// imported MISP event. Drafts and drills export nothing.
func TestAdvisoryExports(t *testing.T) {
	v := newValidator(t)
	x := sampleAdvisory()
	objs, err := AdvisoryObjects(x)
	if err != nil {
		t.Fatal(err)
	}
	repID := ID("report", "advisory:5")
	issuer := x.Creator.ID()
	var versions []string
	var reps []map[string]any
	notes := 0
	for _, b := range marshalAll(t, objs) {
		v.validate(b)
		var m map[string]any
		json.Unmarshal(b, &m)
		switch m["type"] {
		case "report":
			if m["id"] != repID || m["created_by_ref"] != issuer || m["created"] != Timestamp(t0) {
				t.Errorf("advisory report: %s", b)
			}
			versions = append(versions, m["modified"].(string))
			reps = append(reps, m)
		case "note":
			notes++
			if refs := m["object_refs"].([]any); len(refs) != 1 || refs[0] != repID {
				t.Errorf("note refers to %v", refs)
			}
		}
	}
	if len(reps) != 3 || notes != 2 {
		t.Fatalf("%d report versions and %d notes, want 3 and 2", len(reps), notes)
	}
	for i := 1; i < len(versions); i++ {
		if versions[i] <= versions[i-1] {
			t.Errorf("versions do not increase: %v", versions)
		}
	}
	if reps[0]["name"] != "VPN 装置の脆弱性" || reps[1]["name"] != "VPN 装置の脆弱性（訂正）" || reps[2]["revoked"] != true || reps[1]["revoked"] != nil {
		t.Errorf("versions: %v", reps)
	}
	if mr := reps[0]["object_marking_refs"].([]any); mr[0] != MarkingID(ceptor.TLPGreen) {
		t.Errorf("the first version keeps its own marking: %v", mr)
	}
	if mr := reps[2]["object_marking_refs"].([]any); mr[0] != MarkingID(ceptor.TLPAmber) {
		t.Errorf("the withdrawal carries the current marking: %v", mr)
	}
	// Published, not corrected: one version, no note, not revoked.
	y := sampleAdvisory()
	y.Advisory.Status, y.Advisory.Version, y.Advisory.WithdrawnAt = ceptor.AdvisoryPublished, 1, nil
	y.Versions = y.Versions[1:]
	objs, _ = AdvisoryObjects(y)
	for _, b := range marshalAll(t, objs) {
		v.validate(b)
	}
	if len(objs) != 4 {
		t.Errorf("a published advisory: %d objects, want identity, marking, course-of-action, report", len(objs))
	}
	for _, mut := range []func(a *ceptor.Advisory){
		func(a *ceptor.Advisory) { a.Drill = true },
		func(a *ceptor.Advisory) { a.Status, a.PublishedAt = ceptor.AdvisoryDraft, nil },
		func(a *ceptor.Advisory) { a.Status = ceptor.AdvisoryInReview },
	} {
		z := sampleAdvisory()
		mut(z.Advisory)
		if objs, err := AdvisoryObjects(z); objs != nil || err != nil {
			t.Errorf("a draft or drill advisory exports %d objects (%v)", len(objs), err)
		}
	}

	mo, err := MISPObjects(MISPExport{UUID: "7A1C0A7E-1B2C-4D3E-8F90-A1B2C3D4E5F6", Info: "Phishing wave", Date: "2026-11-01", CreatorOrg: "Partner CERT",
		CreatorUUID: "5f6e7d8c-1111-4222-8333-944455566677", Tags: []string{"tlp:green", "phishing"}, TLP: ceptor.TLPGreen,
		Timestamp: t0, ImportedAt: t0.Add(time.Hour), Indicators: sampleIndicators()})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, b := range marshalAll(t, mo) {
		v.validate(b)
		var m map[string]any
		json.Unmarshal(b, &m)
		kinds[m["type"].(string)]++
		if m["type"] == "indicator" || m["type"] == "report" {
			if mr := m["object_marking_refs"].([]any); mr[0] != MarkingID(ceptor.TLPGreen) {
				t.Errorf("MISP object without its TLP: %s", b)
			}
			if l, _ := m["labels"].([]any); len(l) != 2 || l[0] != "tlp:green" {
				t.Errorf("MISP tags not kept as labels: %s", b)
			}
		}
	}
	if kinds["report"] != 1 || kinds["identity"] != 1 || kinds["indicator"] != len(sampleIndicators()) {
		t.Errorf("MISP objects: %v", kinds)
	}
	if _, err := MISPObjects(MISPExport{UUID: "x", TLP: "bogus"}); err == nil {
		t.Error("a MISP event without a valid TLP exported")
	}
}
