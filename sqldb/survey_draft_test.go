package sqldb_test

import (
	"strings"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// A draft campaign is renamed and deleted (with its targets); once opened
// it is neither, and the refusal says why.
func TestDraftCampaignRenameDelete(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		items := []ceptor.CatalogItem{{ItemID: "A1", Title: "a", Group: "g", Tier: ceptor.TierBaseline}}
		cat := &ceptor.Catalog{Code: "guideline", Title: "指針"}
		must(t, db.CreateCatalog(ctx, cat, items))
		mk := func(title string) *ceptor.SurveyCampaign {
			c := &ceptor.SurveyCampaign{Title: title, FiscalYear: 2026, CatalogID: cat.ID, Questions: ceptor.BuildQuestions(items, ceptor.SurveyPerItem)}
			must(t, db.CreateCampaign(ctx, c))
			must(t, db.SetCampaignTargets(ctx, c.ID, []ceptor.SurveyTarget{{OrgID: f.op1.ID, SectorID: f.sector.ID}}))
			return c
		}
		draft, opened := mk("下書き"), mk("開始済み")
		must(t, db.RenameDraftCampaign(ctx, draft.ID, "  2026年度 浸透状況等調査  "))
		got, err := db.FindCampaign(ctx, draft.ID)
		must(t, err)
		if got.Title != "2026年度 浸透状況等調査" || got.Status != ceptor.SurveyDraft || got.Targets != 1 {
			t.Fatalf("renamed %+v", got)
		}
		wantCode(t, db.RenameDraftCampaign(ctx, draft.ID, " "), ceptor.EINVALID)
		wantCode(t, db.RenameDraftCampaign(ctx, draft.ID, strings.Repeat("長", 201)), ceptor.EINVALID)
		wantCode(t, db.RenameDraftCampaign(ctx, draft.ID+999, "x"), ceptor.ENOTFOUND)

		o, _ := db.FindCampaign(ctx, opened.ID)
		o.Status = ceptor.SurveyOpen
		must(t, db.UpdateCampaign(ctx, o))
		wantCode(t, db.RenameDraftCampaign(ctx, opened.ID, "x"), ceptor.ECONFLICT)
		wantCode(t, db.DeleteDraftCampaign(ctx, opened.ID), ceptor.ECONFLICT)
		if o2, _ := db.FindCampaign(ctx, opened.ID); o2.Title != "開始済み" {
			t.Fatalf("an opened campaign was renamed: %q", o2.Title)
		}

		must(t, db.DeleteDraftCampaign(ctx, draft.ID))
		_, err = db.FindCampaign(ctx, draft.ID)
		wantCode(t, err, ceptor.ENOTFOUND)
		if tg, err := db.CampaignTargets(ctx, draft.ID); err == nil && len(tg) != 0 {
			t.Fatalf("targets outlived their campaign: %+v", tg)
		}
		wantCode(t, db.DeleteDraftCampaign(ctx, draft.ID), ceptor.ENOTFOUND)
		list, err := db.ListCampaigns(ctx, ceptor.SurveyFilter{})
		must(t, err)
		if len(list) != 1 || list[0].ID != opened.ID {
			t.Fatalf("campaigns %+v", list)
		}
	})
}
