package stix

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"ceptor"
)

func TestMitigationOf(t *testing.T) {
	cases := []struct{ body, heading, text string }{
		{"# 概要\n本文\n\n## 対策\n- 更新する\n- 公開しない\n\n## 参考\nURL", "対策", "- 更新する\n- 公開しない"},
		{"## 推奨される対策：\n更新する", "推奨される対策：", "更新する"},
		{"### 3. 回避策\n設定を無効にする\n#### 手順\n1. 開く\n## 次\nx", "3. 回避策", "設定を無効にする\n#### 手順\n1. 開く"},
		{"## 【緩和策】\nA", "【緩和策】", "A"},
		{"## 対策 / Mitigation\nA", "対策 / Mitigation", "A"},
		{"## 回避策・緩和策\nA", "回避策・緩和策", "A"},
		{"# MITIGATION\npatch now", "MITIGATION", "patch now"},
		{"## Recommended Actions ##\n* update", "Recommended Actions", "* update"},
		{"## Workarounds\nx\n## Mitigation\ny", "Workarounds", "x\n\ny"},
		{"#### 対策\n4 levels down is not a section", "", ""},
		{"## 対策の背景\nnot a mitigation heading", "", ""},
		{"## 対策\n\n## 参考\nempty section", "", ""},
		{"```\n## 対策\ncode\n```\n", "", ""},
		{"## 対策\n```\n# inside a fence\n```\nafter\n# 終わり\nz", "対策", "```\n# inside a fence\n```\nafter"},
		{"    ## 対策\nan indented code line", "", ""},
		{"本文のみ", "", ""},
	}
	for _, c := range cases {
		h, text := MitigationOf(c.body)
		if h != c.heading || text != c.text {
			t.Errorf("%q:\n got (%q, %q)\nwant (%q, %q)", c.body, h, text, c.heading, c.text)
		}
	}
	sec := MitigationSection("パッチ適用: 製品X", "2.1 へ更新する")
	if !strings.HasPrefix(sec, "## 対策\n\n**パッチ適用: 製品X**\n\n2.1 へ更新する") {
		t.Errorf("draft section: %q", sec)
	}
	if h, text := MitigationOf("# 受信\n本文\n\n" + sec); h != "対策" || !strings.Contains(text, "2.1 へ更新する") {
		t.Errorf("a draft section does not read back: %q %q", h, text)
	}
	if MitigationSection(" ", "") != "" {
		t.Error("an empty course-of-action makes a section")
	}
}

// TestAdvisoryCourseOfAction: an advisory's mitigation section is a
// course-of-action of one id (from the advisory), a version per advisory
// version that has one (same modified and marking as that report
// version, the issuer as creator), referred to by that report version,
// revoked with a withdrawal; everything validates against the OASIS
// schemas; received back (STIX -> ceptor -> STIX) it keeps its id,
// versions, marking, creator, name and description.
func TestAdvisoryCourseOfAction(t *testing.T) {
	v := newValidator(t)
	x := sampleAdvisory()
	objs, err := AdvisoryObjects(x)
	if err != nil {
		t.Fatal(err)
	}
	coaID := ID("course-of-action", "advisory:5:mitigation")
	var coas, reps []map[string]any
	var raws []json.RawMessage
	for _, b := range marshalAll(t, objs) {
		v.validate(b)
		raws = append(raws, b)
		var m map[string]any
		json.Unmarshal(b, &m)
		switch m["type"] {
		case "course-of-action":
			coas = append(coas, m)
		case "report":
			reps = append(reps, m)
		}
	}
	if len(coas) != 3 || len(reps) != 3 {
		t.Fatalf("%d course-of-action and %d report versions, want 3 and 3", len(coas), len(reps))
	}
	for i, c := range coas {
		r := reps[i]
		if c["id"] != coaID || c["created_by_ref"] != x.Creator.ID() || c["modified"] != r["modified"] || c["created"] != r["created"] ||
			c["object_marking_refs"].([]any)[0] != r["object_marking_refs"].([]any)[0] {
			t.Errorf("course-of-action version %d does not follow its report: %v / %v", i, c, r)
		}
		if !slices.Contains(r["object_refs"].([]any), any(coaID)) {
			t.Errorf("report version %d does not refer to its course-of-action", i)
		}
	}
	if coas[0]["description"] != "Disable the web UI." || coas[0]["name"] != "Workaround: VPN 装置の脆弱性" {
		t.Errorf("first course-of-action: %v", coas[0])
	}
	if coas[1]["description"] != "- 修正版 2.1 へ更新する\n- 管理画面を外部に公開しない" || coas[1]["revoked"] != nil || coas[2]["revoked"] != true {
		t.Errorf("later course-of-action versions: %v %v", coas[1], coas[2])
	}
	// The bundle validates too (course-of-action is a type it lists).
	var listed []Object
	for _, o := range objs {
		if _, typ, _ := o.Ident(); typ != "note" {
			listed = append(listed, o)
		}
	}
	bb, _ := json.Marshal(NewBundle("coa", listed))
	v.validate(bb)

	// STIX -> ceptor -> STIX, with a mitigates relationship from the
	// course-of-action to an indicator of a report.
	rep, _ := ReportObjects(sampleReport())
	var indID string
	for _, o := range rep {
		if id, typ, _ := o.Ident(); typ == "indicator" {
			indID = id
			break
		}
	}
	rel := &Relationship{Core: Core{Type: "relationship", SpecVersion: SpecVersion, ID: ID("relationship", "advisory:5:mitigates"),
		CreatedByRef: x.Creator.ID(), Created: Timestamp(t0), Modified: Timestamp(t0), ObjectMarkingRefs: []string{MarkingID(ceptor.TLPAmber)}},
		RelationshipType: "mitigates", SourceRef: coaID, TargetRef: indID}
	rb, _ := Marshal(rel)
	v.validate(rb)
	raws = append(raws, rb)
	kept := 0
	for _, raw := range raws {
		r, err := Decode(raw)
		if errors.Is(err, Skipped) {
			continue
		}
		var orig map[string]any
		json.Unmarshal(raw, &orig)
		if err != nil {
			if orig["type"] == "report" || orig["type"] == "note" {
				continue // reports and notes become advisory drafts (taxiiclient)
			}
			t.Fatalf("%s: %v", raw, err)
		}
		out, err := r.Objects()
		if err != nil {
			t.Fatal(err)
		}
		back, _ := Marshal(out[len(out)-1])
		v.validate(back)
		var m map[string]any
		json.Unmarshal(back, &m)
		for _, k := range []string{"id", "type", "created", "modified", "revoked", "object_marking_refs", "created_by_ref", "name", "description",
			"relationship_type", "source_ref", "target_ref"} {
			ob, _ := json.Marshal(orig[k])
			nb, _ := json.Marshal(m[k])
			if string(ob) != string(nb) {
				t.Errorf("%s: %s changed in the round trip: %s -> %s", orig["id"], k, ob, nb)
			}
		}
		kept++
	}
	if kept != 4 {
		t.Errorf("kept %d objects, want the three course-of-action versions and the relationship", kept)
	}
}
