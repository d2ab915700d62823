package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// A draft campaign is renamed and deleted by NISC's administrators, in the
// API and on its page; not by NISC's analysts, not by a ministry, and not
// once it is open. Both changes are audited.
func TestSurveyDraftRenameDelete(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newSurveyWorld(t, engine)
			ctx := context.Background()
			_, body := w.raw("POST", "/api/v1/catalogs?code=draft&title=x", w.nisc, "text/csv", []byte(surveyCSV))
			var cat struct{ ID int64 }
			mustJSON(t, body, &cat)
			create := func(title string) int64 {
				t.Helper()
				code, body := w.api("POST", "/api/v1/surveys", w.nisc, fmt.Sprintf(`{"title":%q,"fiscal_year":2026,"catalog_id":%d}`, title, cat.ID))
				var c struct{ ID int64 }
				mustJSON(t, body, &c)
				if code != http.StatusCreated {
					t.Fatalf("create: %d %s", code, body)
				}
				return c.ID
			}
			draft, opened := create("下書きの調査"), create("開始する調査")
			w.api("PUT", fmt.Sprintf("/api/v1/surveys/%d/targets", opened), w.nisc, fmt.Sprintf(`{"org_ids":[%d]}`, w.op.ID))
			if code, body := w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/open", opened), w.nisc, ""); code != http.StatusOK {
				t.Fatalf("open: %d %s", code, body)
			}
			dp, op := fmt.Sprintf("/api/v1/surveys/%d", draft), fmt.Sprintf("/api/v1/surveys/%d", opened)

			analyst := w.token("analyst.nisc@demo.example", nil)
			ministry := w.token("admin.ministry@demo.example", nil)
			if code, _ := w.api("PATCH", dp, analyst, `{"title":"x"}`); code != http.StatusForbidden {
				t.Fatalf("NISC analyst renamed: %d", code)
			}
			if code, _ := w.api("DELETE", dp, analyst, ""); code != http.StatusForbidden {
				t.Fatalf("NISC analyst deleted: %d", code)
			}
			if code, _ := w.api("DELETE", dp, ministry, ""); code != http.StatusNotFound {
				t.Fatalf("ministry deleted a draft it cannot see: %d", code)
			}
			if code, body := w.api("PATCH", dp, w.nisc, `{"title":"  "}`); code != http.StatusUnprocessableEntity {
				t.Fatalf("empty title: %d %s", code, body)
			}
			if code, body := w.api("PATCH", dp, w.nisc, `{"title":"2026年度 浸透状況等調査"}`); code != http.StatusOK || !strings.Contains(body, `"title":"2026年度 浸透状況等調査"`) {
				t.Fatalf("rename: %d %s", code, body)
			}
			if code, body := w.api("PATCH", op, w.nisc, `{"title":"x"}`); code != http.StatusConflict || !strings.Contains(body, "開始済みの調査は名称の変更や削除ができません") {
				t.Fatalf("rename an open campaign: %d %s", code, body)
			}
			if code, _ := w.api("DELETE", op, w.nisc, ""); code != http.StatusConflict {
				t.Fatalf("delete an open campaign: %d", code)
			}

			// The page: the administrator sees the draft's forms, the analyst does not.
			ac := w.login("analyst.nisc@demo.example")
			if _, page := ac.get(fmt.Sprintf("/surveys/%d", draft)); strings.Contains(page, "data-draft-manage") {
				t.Fatal("the analyst is offered renaming")
			}
			nc := w.login("admin.nisc@demo.example")
			_, page := nc.get(fmt.Sprintf("/surveys/%d", draft))
			if !strings.Contains(page, "data-draft-manage") || !strings.Contains(page, "下書きの管理") {
				t.Fatal("the administrator is not offered renaming")
			}
			if _, page := nc.get(fmt.Sprintf("/surveys/%d", opened)); strings.Contains(page, "data-draft-manage") {
				t.Fatal("renaming offered on an open campaign")
			}
			if code, _, loc := nc.post(fmt.Sprintf("/surveys/%d/rename", draft), url.Values{"title": {"画面で変えた名前"}}); code != http.StatusSeeOther || loc != fmt.Sprintf("/surveys/%d", draft) {
				t.Fatalf("rename on the page: %d %s", code, loc)
			}
			if c, _ := w.db.FindCampaign(ctx, draft); c.Title != "画面で変えた名前" {
				t.Fatalf("title %q", c.Title)
			}
			nc.get(fmt.Sprintf("/surveys/%d", opened))
			if code, page, _ := nc.post(fmt.Sprintf("/surveys/%d/rename", opened), url.Values{"title": {"x"}}); code != http.StatusConflict || !strings.Contains(page, "開始済みの調査は名称の変更や削除ができません") {
				t.Fatalf("rename an open campaign on the page: %d", code)
			}
			nc.get(fmt.Sprintf("/surveys/%d", draft))
			if code, _, loc := nc.post(fmt.Sprintf("/surveys/%d/delete", draft), nil); code != http.StatusSeeOther || loc != "/surveys" {
				t.Fatalf("delete on the page: %d %s", code, loc)
			}
			if _, err := w.db.FindCampaign(ctx, draft); ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
				t.Fatalf("the draft is still there: %v", err)
			}
			// A second draft, deleted through the API.
			d2 := create("もう一つの下書き")
			if code, _ := w.api("DELETE", fmt.Sprintf("/api/v1/surveys/%d", d2), w.nisc, ""); code != http.StatusNoContent {
				t.Fatalf("API delete: %d", code)
			}
			var acts []string
			list, _ := w.db.ListAudit(ctx, ceptor.AuditFilter{Action: "survey.", Limit: 100})
			for i := len(list) - 1; i >= 0; i-- {
				if a := list[i].Action; a == "survey.rename" || a == "survey.delete" {
					acts = append(acts, a)
				}
			}
			if strings.Join(acts, " ") != "survey.rename survey.rename survey.delete survey.delete" {
				t.Fatalf("audit %v", acts)
			}
		})
	}
}
