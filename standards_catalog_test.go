package ceptor_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"ceptor"
)

func knownSector(s string) bool { return s == "finance" || s == "ict" || s == "water" }

func TestDiffCatalog(t *testing.T) {
	prev := []ceptor.CatalogItem{
		{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline},
		{ItemID: "A2", Title: "b", Group: "g", Tier: ceptor.TierBaseline},
		{ItemID: "A3", Title: "c", Group: "g", Tier: ceptor.TierLeading},
		{ItemID: "A4", Title: "d", Group: "g", Tier: ceptor.TierLeading},
	}
	next := []ceptor.CatalogItem{
		{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline},                          // same
		{ItemID: "A2", Title: "b, revised", Group: "g", Tier: ceptor.TierBaseline},                 // changed
		{ItemID: "B3", Title: "c", Group: "g", Tier: ceptor.TierLeading, MapsFrom: []string{"A3"}}, // mapped
		{ItemID: "B9", Title: "new", Group: "g", Tier: ceptor.TierLeading},                         // added
	}
	got := ceptor.DiffCatalog(prev, next)
	want := []ceptor.CatalogChange{
		{ItemID: "A2", Change: ceptor.ChangeChanged, PrevItemIDs: []string{"A2"}},
		{ItemID: "B3", Change: ceptor.ChangeMapped, PrevItemIDs: []string{"A3"}},
		{ItemID: "B9", Change: ceptor.ChangeAdded, PrevItemIDs: []string{}},
		{ItemID: "A4", Change: ceptor.ChangeRemoved, PrevItemIDs: []string{}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].ItemID != want[i].ItemID || got[i].Change != want[i].Change || !slices.Equal(got[i].PrevItemIDs, want[i].PrevItemIDs) {
			t.Errorf("change %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReadCatalogCSV(t *testing.T) {
	good := "\ufeff項目ID,対策項目,説明,分類,区分,対象分野,旧版の項目ID\n" +
		"GV-1,経営層の関与,説明,ガバナンス,ベースライン,,\n" +
		"GV-2,CSIRTの整備,,ガバナンス,leading,finance ict,GV-0\n"
	items, errs := ceptor.ReadCatalogCSV(strings.NewReader(good), knownSector)
	if len(errs) > 0 || len(items) != 2 {
		t.Fatalf("items %v errs %v", items, errs)
	}
	if items[1].Tier != ceptor.TierLeading || !slices.Equal(items[1].Sectors, []string{"finance", "ict"}) || !slices.Equal(items[1].MapsFrom, []string{"GV-0"}) {
		t.Fatalf("item 2: %+v", items[1])
	}
	bad := "id,title,group,tier,sectors\n" +
		"GV-1,ok,g,baseline,\n" +
		",missing id,g,baseline,\n" +
		"GV-3,bad tier,g,sometimes,\n" +
		"GV-1,dup,g,leading,mars\n"
	items, errs = ceptor.ReadCatalogCSV(strings.NewReader(bad), knownSector)
	if items != nil {
		t.Fatal("items returned with errors: nothing may be half-imported")
	}
	type le struct {
		line int
		col  string
		key  string
	}
	var got []le
	for _, e := range errs {
		got = append(got, le{e.Line, e.Column, e.Key})
	}
	want := []le{{3, "id", "err.required"}, {4, "tier", "std.err.tier"}, {5, "sectors", "std.err.sector"}}
	if !slices.Equal(got, want) {
		t.Fatalf("errors %+v, want %+v", got, want)
	}
	// A duplicate id on a row that is otherwise valid.
	_, errs = ceptor.ReadCatalogCSV(strings.NewReader("id,title,group,tier\nA,x,g,b\nA,y,g,l\n"), knownSector)
	if len(errs) != 1 || errs[0].Key != "std.err.duplicate_item" || errs[0].Line != 3 {
		t.Fatalf("duplicate: %+v", errs)
	}
	for _, in := range []string{"", "id,title\n", "id,title,group,tier,colour\nA,x,g,b,red\n", "id,title,group,tier\n\"A,x\n"} {
		if items, errs := ceptor.ReadCatalogCSV(strings.NewReader(in), knownSector); items != nil || len(errs) == 0 {
			t.Errorf("%q: accepted", in)
		}
	}
}

func TestCatalogRoundTrips(t *testing.T) {
	items := []ceptor.CatalogItem{
		{ItemID: "GV-1", Title: "=経営層の関与", Description: "説明, with comma", Group: "ガバナンス", Tier: ceptor.TierBaseline, Sectors: []string{}, MapsFrom: []string{}},
		{ItemID: "IR-2", Title: "訓練", Group: "インシデント対応", Tier: ceptor.TierLeading, Sectors: []string{"water"}, MapsFrom: []string{"IR-1"}},
	}
	for _, lang := range []string{"ja", "en"} {
		var b bytes.Buffer
		if err := ceptor.WriteCatalogCSV(&b, items, lang); err != nil {
			t.Fatal(err)
		}
		got, errs := ceptor.ReadCatalogCSV(&b, knownSector)
		if len(errs) > 0 || len(got) != 2 || got[1].Sectors[0] != "water" || got[0].Title != "'=経営層の関与" {
			t.Fatalf("%s csv: %+v %+v", lang, got, errs)
		}
	}
	var b bytes.Buffer
	c := &ceptor.Catalog{Title: "指針", Version: 2, PublishedOn: "2024-03-01"}
	if err := ceptor.WriteCatalogOSCAL(&b, c, items, "00000000-0000-4000-8000-000000000002"); err != nil {
		t.Fatal(err)
	}
	meta, got, errs := ceptor.ReadCatalogOSCAL(&b, knownSector)
	if len(errs) > 0 || meta.Title != "指針" || len(got) != 2 {
		t.Fatalf("oscal: %+v %+v", got, errs)
	}
	for i := range items {
		if got[i].ItemID != items[i].ItemID || got[i].Title != items[i].Title || got[i].Group != items[i].Group || got[i].Tier != items[i].Tier ||
			got[i].Description != items[i].Description || !slices.Equal(got[i].Sectors, items[i].Sectors) || !slices.Equal(got[i].MapsFrom, items[i].MapsFrom) {
			t.Errorf("oscal item %d: %+v, want %+v", i, got[i], items[i])
		}
	}
	_, _, errs = ceptor.ReadCatalogOSCAL(strings.NewReader(`{"catalog":{"groups":[{"title":"g","controls":[{"id":"A","title":""}]}]}}`), knownSector)
	if len(errs) != 2 || errs[0].Column != "catalog.groups[0].controls[0].title" {
		t.Fatalf("oscal errors: %+v", errs)
	}
	if _, _, errs := ceptor.ReadCatalogOSCAL(strings.NewReader(`{"catalog": [`), knownSector); len(errs) != 1 || errs[0].Key != "std.err.oscal_json" {
		t.Fatalf("oscal syntax: %+v", errs)
	}
}

// checkImport holds for every reader: items or errors, never both; every
// item valid.
func checkImport(t *testing.T, items []ceptor.CatalogItem, errs []ceptor.ImportError) {
	if items != nil && len(errs) > 0 {
		t.Fatal("both items and errors")
	}
	if items == nil && len(errs) == 0 {
		t.Fatal("neither items nor errors")
	}
	if len(errs) > ceptor.ImportMaxErrors {
		t.Fatalf("%d errors", len(errs))
	}
	for _, it := range items {
		if f := ceptor.ValidateItem(&it, knownSector); len(f) > 0 {
			t.Fatalf("invalid item %+v: %v", it, f)
		}
	}
}

func FuzzReadCatalogCSV(f *testing.F) {
	f.Add("id,title,group,tier\nA,x,g,baseline\n")
	f.Add("項目ID,対策項目,分類,区分,対象分野\nA,x,g,先導的,finance\n")
	f.Add("id,title,group,tier\n\"A\nB\",x,g,b\n")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, in string) {
		items, errs := ceptor.ReadCatalogCSV(strings.NewReader(in), knownSector)
		checkImport(t, items, errs)
	})
}

func FuzzReadCatalogOSCAL(f *testing.F) {
	f.Add(`{"catalog":{"metadata":{"title":"t"},"groups":[{"title":"g","controls":[{"id":"A","title":"x","class":"baseline"}]}]}}`)
	f.Add(`{"catalog":{"controls":[{"id":"A","title":"x","props":[{"name":"tier","value":"leading"},{"name":"sectors","value":"ict"}],"controls":[{"id":"B","title":"y"}]}]}}`)
	f.Add(`{"catalog":null}`)
	f.Fuzz(func(t *testing.T, in string) {
		_, items, errs := ceptor.ReadCatalogOSCAL(strings.NewReader(in), knownSector)
		checkImport(t, items, errs)
	})
}

func surveyQuestions() []ceptor.SurveyQuestion {
	return ceptor.BuildQuestions([]ceptor.CatalogItem{
		{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline},
		{ItemID: "A2", Title: "b", Group: "g", Tier: ceptor.TierLeading, Sectors: []string{"water"}},
	}, ceptor.SurveyPerItem)
}

func TestSurveyReader(t *testing.T) {
	qs := surveyQuestions()
	rows := ceptor.SurveySheetRows(qs, &ceptor.SurveyResponse{OrgID: 7, Answers: "i-", CSIRT: "yes"}, "water", "ja")
	if len(rows) != 1+2+4 || rows[1][6] != "実施" || rows[3][2] != "csirt" || rows[3][6] != "はい" {
		t.Fatalf("rows %q", rows)
	}
	rows[2][6] = "一部実施"
	rows[4][6] = "いいえ"
	r := &ceptor.SurveyReader{Questions: qs, OrgID: 7}
	for i, row := range rows {
		r.Feed(i+1, row)
	}
	got, errs := r.Finish()
	if len(errs) > 0 || len(got) != 1 || got[0].Answers != "ip" || got[0].CSIRT != "yes" || got[0].Exercises != "no" {
		t.Fatalf("got %+v errs %+v", got, errs)
	}
	// Row-level errors, nothing returned.
	r = &ceptor.SurveyReader{Questions: qs, OrgID: 7}
	bad := [][]string{ceptor.SurveyHeader("en"), {"7", "1", "A1", "", "", "", "maybe"}, {"8", "2", "A2", "", "", "", "implemented"}, {"7", "", "Z9", "", "", "", "no"}, {"7", "", "csirt", "", "", "", "perhaps"}, {"7", "1", "A1", "", "", "", "na"}}
	for i, row := range bad {
		r.Feed(i+1, row)
	}
	got, errs = r.Finish()
	var keys []string
	for _, e := range errs {
		keys = append(keys, e.Column+":"+e.Key)
	}
	if got != nil || !slices.Equal(keys, []string{"answer:survey.err.answer", "org_id:survey.err.other_org", "key:survey.err.unknown_question", "answer:survey.err.yesno", "key:survey.err.duplicate_row"}) {
		t.Fatalf("errors %v", keys)
	}
}

func FuzzSurveyReader(f *testing.F) {
	f.Add("org_id,key,answer\n7,A1,implemented\n7,csirt,yes\n")
	f.Add("組織ID,設問ID,回答\n,A2,該当なし\n,comments,自由\n")
	f.Add("org_id,key,answer\nx,A1,\n")
	qs := surveyQuestions()
	f.Fuzz(func(t *testing.T, in string) {
		r := &ceptor.SurveyReader{Questions: qs, OrgID: 7}
		for i, line := range strings.Split(in, "\n") {
			if !r.Feed(i+1, strings.Split(line, ",")) {
				break
			}
		}
		got, errs := r.Finish()
		if (got == nil) == (len(errs) == 0) {
			t.Fatal("answers and errors, or neither")
		}
		for _, resp := range got {
			if resp.OrgID != 7 || len(resp.Answers) != len(qs) {
				t.Fatalf("bad response %+v", resp)
			}
			for _, a := range []byte(resp.Answers) {
				if !ceptor.Answer(a).Valid() {
					t.Fatalf("answer %q", a)
				}
			}
		}
	})
}

func TestSurveyStats(t *testing.T) {
	qs := ceptor.BuildQuestions([]ceptor.CatalogItem{
		{ItemID: "B1", Title: "a", Group: "g", Tier: ceptor.TierBaseline},
		{ItemID: "B2", Title: "b", Group: "g", Tier: ceptor.TierBaseline},
		{ItemID: "L1", Title: "c", Group: "g", Tier: ceptor.TierLeading},
	}, ceptor.SurveyPerItem)
	sheet := func(sector int64, ans string, csirt bool) ceptor.SurveySheet {
		b, l := ceptor.Completeness(ans, qs)
		return ceptor.SurveySheet{SectorID: sector, Answers: ans, CSIRT: csirt, BaselineAll: b, LeadingAll: l}
	}
	st := ceptor.ComputeSurveyStats(qs, []ceptor.SurveySheet{
		sheet(1, "iii", true), sheet(1, "ixn", false), sheet(1, "pii", true), sheet(2, "nnn", false),
	})
	if st.Overall.Respondents != 4 || st.Overall.BaselineAll != 2 || st.Overall.LeadingAll != 2 || st.Overall.CSIRT != 2 {
		t.Fatalf("overall %+v", st.Overall)
	}
	s1 := st.Sector(1)
	if s1.Respondents != 3 || s1.BaselineAll != 2 || s1.LeadingAll != 2 {
		t.Fatalf("sector 1 %+v", s1)
	}
	// B2 in sector 1: implemented, n.a., implemented -> 2 of 2 applicable.
	if s1.Items[1].Counts != [5]int{2, 0, 0, 0, 1} || s1.Items[1].Rate() != 1 {
		t.Fatalf("B2 %+v", s1.Items[1])
	}
	// Baseline shares in sector 1: 1, 1 (n.a. left out), 0.5.
	if s1.BaselineDist[10] != 2 || s1.BaselineDist[5] != 1 {
		t.Fatalf("dist %v", s1.BaselineDist)
	}
}

func TestBuildQuestionsPerGroup(t *testing.T) {
	items := []ceptor.CatalogItem{
		{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline, Sectors: []string{"water"}},
		{ItemID: "A2", Title: "b", Group: "g", Tier: ceptor.TierBaseline, Sectors: []string{"ict"}},
		{ItemID: "A3", Title: "c", Group: "g", Tier: ceptor.TierLeading},
		{ItemID: "B1", Title: "d", Group: "h", Tier: ceptor.TierBaseline, Sectors: []string{"water"}},
	}
	qs := ceptor.BuildQuestions(items, ceptor.SurveyPerGroup)
	if len(qs) != 3 {
		t.Fatalf("%d questions", len(qs))
	}
	if qs[0].Key != "g|baseline" || !slices.Equal(qs[0].ItemIDs, []string{"A1", "A2"}) || !slices.Equal(qs[0].Sectors, []string{"water", "ict"}) {
		t.Fatalf("q1 %+v", qs[0])
	}
	if len(qs[1].Sectors) != 0 || qs[1].Tier != ceptor.TierLeading || qs[2].No != 3 || qs[2].AppliesTo("ict") {
		t.Fatalf("%+v", qs)
	}
	// A sheet for an ict operator: h|baseline does not apply.
	if got := ceptor.NewAnswers(qs, "ict"); got != "--x" {
		t.Fatalf("answers %q", got)
	}
}
