package sqldb_test

import (
	"slices"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

func TestCatalogVersions(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		v1 := []ceptor.CatalogItem{
			{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline, Sectors: []string{}, MapsFrom: []string{}},
			{ItemID: "A2", Title: "b", Group: "g", Tier: ceptor.TierLeading, Sectors: []string{"finance"}, MapsFrom: []string{}},
		}
		c1 := &ceptor.Catalog{Code: "guideline", Title: "指針 第4版", Source: "csv"}
		must(t, db.CreateCatalog(ctx, c1, v1))
		if c1.Version != 1 || c1.Baseline != 1 || c1.Leading != 1 {
			t.Fatalf("v1: %+v", c1)
		}
		// A mapping to an item the previous version lacks is refused and
		// nothing is stored.
		bad := []ceptor.CatalogItem{{ItemID: "B1", Title: "x", Group: "g", Tier: ceptor.TierBaseline, MapsFrom: []string{"ZZ"}}}
		wantCode(t, db.CreateCatalog(ctx, &ceptor.Catalog{Code: "guideline", Title: "bad"}, bad), ceptor.EINVALID)
		v2 := []ceptor.CatalogItem{
			{ItemID: "B1", Title: "a", Group: "g", Tier: ceptor.TierBaseline, Sectors: []string{}, MapsFrom: []string{"A1"}},
			{ItemID: "B2", Title: "new", Group: "g", Tier: ceptor.TierLeading, Sectors: []string{}, MapsFrom: []string{}},
		}
		c2 := &ceptor.Catalog{Code: "guideline", Title: "指針 第5版", Source: "xlsx"}
		must(t, db.CreateCatalog(ctx, c2, v2))
		if c2.Version != 2 || c2.PrevID != c1.ID {
			t.Fatalf("v2: %+v", c2)
		}
		ch, err := db.CatalogChanges(ctx, c2.ID)
		must(t, err)
		var kinds []string
		for _, x := range ch {
			kinds = append(kinds, x.ItemID+":"+x.Change)
		}
		if !slices.Equal(kinds, []string{"B1:mapped", "B2:added", "A2:removed"}) {
			t.Fatalf("changes %v", kinds)
		}
		items, err := db.CatalogItems(ctx, c1.ID)
		must(t, err)
		if len(items) != 2 || items[1].Sectors[0] != "finance" {
			t.Fatalf("items %+v", items)
		}
		list, err := db.ListCatalogs(ctx)
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("%d catalogs", len(list))
		}
		latest, err := db.LatestCatalog(ctx, "guideline")
		must(t, err)
		if latest.ID != c2.ID {
			t.Fatal("latest")
		}
	})
}

func TestSurveyCampaignLifecycle(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		items := []ceptor.CatalogItem{
			{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline},
			{ItemID: "A2", Title: "b", Group: "g", Tier: ceptor.TierBaseline},
			{ItemID: "A3", Title: "c", Group: "h", Tier: ceptor.TierLeading},
		}
		cat := &ceptor.Catalog{Code: "guideline", Title: "指針"}
		must(t, db.CreateCatalog(ctx, cat, items))
		c := &ceptor.SurveyCampaign{Title: "2026年度調査", FiscalYear: 2026, CatalogID: cat.ID, Questions: ceptor.BuildQuestions(items, ceptor.SurveyPerItem)}
		must(t, db.CreateCampaign(ctx, c))
		must(t, db.SetCampaignTargets(ctx, c.ID, []ceptor.SurveyTarget{
			{OrgID: f.op1.ID, SectorID: f.sector.ID, CeptorID: f.cep.ID},
			{OrgID: f.op2.ID, SectorID: f.sector.ID},
		}))
		got, err := db.FindCampaign(ctx, c.ID)
		must(t, err)
		if got.Targets != 2 || len(got.Questions) != 3 || !slices.Equal(got.SectorIDs, []int64{f.sector.ID}) {
			t.Fatalf("campaign %+v", got)
		}
		got.Status = ceptor.SurveyOpen
		must(t, db.UpdateCampaign(ctx, got))
		wantCode(t, db.SetCampaignTargets(ctx, c.ID, nil), ceptor.ECONFLICT)

		_, err = db.FindResponse(ctx, c.ID, f.op1.ID)
		wantCode(t, err, ceptor.ENOTFOUND)
		r := &ceptor.SurveyResponse{CampaignID: c.ID, OrgID: f.op1.ID, SectorID: f.sector.ID, Status: ceptor.ResponseDraft, Answers: "ii-"}
		must(t, db.SaveResponse(ctx, r))
		stale := *r
		r.Answers, r.CSIRT, r.Exercises, r.Executive = "iin", "yes", "no", "yes"
		must(t, ceptor.CheckResponse(r, got.Questions, "finance", true))
		r.Status = ceptor.ResponseSubmitted
		must(t, db.SaveResponse(ctx, r))
		wantCode(t, db.SaveResponse(ctx, &stale), ceptor.ECONFLICT)
		again, err := db.FindResponse(ctx, c.ID, f.op1.ID)
		must(t, err)
		if again.Status != ceptor.ResponseSubmitted || !again.BaselineAll || again.LeadingAll || again.SubmittedAt == nil {
			t.Fatalf("response %+v", again)
		}
		must(t, db.SaveResponse(ctx, &ceptor.SurveyResponse{CampaignID: c.ID, OrgID: f.op2.ID, SectorID: f.sector.ID, Status: ceptor.ResponseDraft, Answers: "---"}))

		p, err := db.CampaignProgress(ctx, c.ID)
		must(t, err)
		if p.Total != (ceptor.SurveyProgressRow{Targets: 2, Drafts: 1, Submitted: 1}) || len(p.ByCeptor) != 2 {
			t.Fatalf("progress %+v", p)
		}
		sheets, err := db.SurveySheets(ctx, c.ID)
		must(t, err)
		if len(sheets) != 1 || sheets[0].Answers != "iin" || !sheets[0].CSIRT || sheets[0].Exercises {
			t.Fatalf("sheets %+v", sheets)
		}
		tot, err := db.SurveyTotals(ctx, []int64{c.ID})
		must(t, err)
		if len(tot) != 1 || tot[0].Respondents != 1 || tot[0].BaselineAll != 1 || tot[0].LeadingAll != 0 || tot[0].CSIRT != 1 || tot[0].Executive != 1 {
			t.Fatalf("totals %+v", tot)
		}
		camps, err := db.ListCampaigns(ctx, ceptor.SurveyFilter{OrgID: f.op2.ID})
		must(t, err)
		if len(camps) != 1 {
			t.Fatal("campaign of op2")
		}
		must(t, db.MarkSurveyNotified(ctx, c.ID, []int64{f.op1.ID, f.op2.ID}, false, c.CreatedAt))
		tg, err := db.FindSurveyTarget(ctx, c.ID, f.op2.ID)
		must(t, err)
		if tg.InvitedAt == nil || tg.Status != "draft" {
			t.Fatalf("target %+v", tg)
		}
	})
}

func TestStandardsRegister(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		s := &ceptor.SectorStandard{SectorID: f.sector.ID, Title: "金融機関等コンピュータシステムの安全対策基準", Issuer: "FISC", Version: "第12版", IssuedOn: "2024-03-01", URL: "https://example.org/fisc"}
		must(t, db.CreateStandard(ctx, s))
		s.Version, s.IssuedOn = "第13版", "2025-03-01"
		must(t, db.ReviseStandard(ctx, s))
		revs, err := db.StandardRevisions(ctx, s.ID)
		must(t, err)
		if len(revs) != 2 || revs[0].Version != "第13版" {
			t.Fatalf("revisions %+v", revs)
		}
		wantCode(t, db.CreateStandard(ctx, &ceptor.SectorStandard{SectorID: f.sector.ID}), ceptor.EINVALID)
		st := &ceptor.StandardsStatus{SectorID: f.sector.ID, FiscalYear: 2026, Status: ceptor.ImproveAnalysis}
		must(t, db.SetStandardsStatus(ctx, st))
		st.ReviewNote = "確認済み"
		must(t, db.ReviewStandardsStatus(ctx, st))
		list, err := db.ListStandardsStatus(ctx, 2026)
		must(t, err)
		if len(list) != 1 || list[0].ReviewedAt == nil || list[0].ReviewNote != "確認済み" {
			t.Fatalf("status %+v", list)
		}
		// Entering again clears the review.
		st.Status = ceptor.ImproveRevised
		must(t, db.SetStandardsStatus(ctx, st))
		list, _ = db.ListStandardsStatus(ctx, 2026)
		if list[0].ReviewedAt != nil || list[0].Status != ceptor.ImproveRevised {
			t.Fatalf("status %+v", list[0])
		}
		wantCode(t, db.ReviewStandardsStatus(ctx, &ceptor.StandardsStatus{SectorID: f.sector.ID, FiscalYear: 2020}), ceptor.ENOTFOUND)
	})
}
