package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"

	"github.com/xuri/excelize/v2"
)

// The survey journey through the API and the pages, on both engines:
// catalog import (good and bad files), a campaign to two sectors,
// answering, submitting once, uploading the workbook, progress, statistics
// per role, and the privacy of answers.

// surveyWorld is the harness with a second and third operator of the
// demo operator's sector, each with an analyst who can sign in.
type surveyWorld struct {
	*harness
	op          *ceptor.Organization // the demo operator (analyst.operator@demo.example)
	peer, other *ceptor.Organization // another operator of the same sector; an operator of another sector
	peerEmail   string
	otherEmail  string
	nisc        string // NISC admin token
}

func newSurveyWorld(t *testing.T, engine string) *surveyWorld {
	h := newHarness(t, engine)
	ctx := context.Background()
	w := &surveyWorld{harness: h, nisc: h.token("admin.nisc@demo.example", nil)}
	u, err := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	if w.op, err = h.db.FindOrg(ctx, u.OrgID); err != nil {
		t.Fatal(err)
	}
	active := true
	ops, _, err := h.db.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgOperator, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		if o.ID == w.op.ID || len(o.SectorIDs) != 1 {
			continue
		}
		if o.SectorIDs[0] == w.op.SectorIDs[0] && w.peer == nil {
			w.peer = o
		}
		if o.SectorIDs[0] != w.op.SectorIDs[0] && w.other == nil {
			w.other = o
		}
	}
	if w.peer == nil || w.other == nil {
		t.Fatal("the demo data lacks a second operator")
	}
	hash, err := auth.HashPassword(auth.TestParams, demo.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		org   *ceptor.Organization
		email *string
	}{{w.peer, &w.peerEmail}, {w.other, &w.otherEmail}} {
		*x.email = fmt.Sprintf("analyst%d@survey.example", x.org.ID)
		if err := h.db.CreateUser(ctx, &ceptor.User{OrgID: x.org.ID, Email: *x.email, Name: "回答 担当", Role: ceptor.RoleAnalyst, Lang: "ja", PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// raw sends a request with any body and content type.
func (h *harness) raw(method, path, token, ctype string, body []byte) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func mustJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
}

const surveyCSV = "項目ID,対策項目,説明,分類,区分,対象分野\n" +
	"T-1,方針を定めている,,ガバナンス,ベースライン,\n" +
	"T-2,訓練を行っている,,インシデント対応,ベースライン,\n" +
	"T-3,第三者評価を受けている,,ガバナンス,先導的,\n"

func TestSurveyJourney(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newSurveyWorld(t, engine)

			// A broken file: row-level errors, nothing stored.
			code, body := w.raw("POST", "/api/v1/catalogs?code=test&title=x", w.nisc, "text/csv", []byte("id,title,group,tier\nA,x,g,sometimes\n,y,g,b\n"))
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "line 2, tier") || !strings.Contains(body, "line 3, id") {
				t.Fatalf("bad catalog: %d %s", code, body)
			}
			code, body = w.raw("POST", "/api/v1/catalogs?code=test&title=テスト指針", w.nisc, "text/csv", []byte(surveyCSV))
			if code != http.StatusCreated {
				t.Fatalf("catalog: %d %s", code, body)
			}
			var cat struct{ ID, Version int64 }
			mustJSON(t, body, &cat)
			if cat.Version != 1 {
				t.Fatalf("the broken import left a version behind: %s", body)
			}
			// An operator may not import.
			opTok := w.token("analyst.operator@demo.example", nil)
			if code, _ := w.raw("POST", "/api/v1/catalogs?code=test", opTok, "text/csv", []byte(surveyCSV)); code != http.StatusForbidden {
				t.Fatalf("operator import: %d", code)
			}
			// OSCAL export and re-import as version 2.
			code, oscal := w.raw("GET", fmt.Sprintf("/api/v1/catalogs/%d/export?format=oscal", cat.ID), w.nisc, "", nil)
			if code != http.StatusOK || !strings.Contains(oscal, `"oscal-version"`) {
				t.Fatalf("oscal export: %d %s", code, oscal)
			}
			if code, body := w.raw("POST", "/api/v1/catalogs?code=test&format=oscal", w.nisc, "application/json", []byte(oscal)); code != http.StatusCreated || !strings.Contains(body, `"version":2`) {
				t.Fatalf("oscal import: %d %s", code, body)
			}

			// Build, target two sectors, open.
			code, body = w.api("POST", "/api/v1/surveys", w.nisc, fmt.Sprintf(`{"title":"テスト調査","fiscal_year":2026,"catalog_id":%d}`, cat.ID))
			if code != http.StatusCreated {
				t.Fatalf("create: %d %s", code, body)
			}
			var camp struct {
				ID      int64
				Targets int
				Status  string
			}
			mustJSON(t, body, &camp)
			// Operators do not see a draft.
			if code, _ := w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/response", camp.ID), opTok, ""); code != http.StatusNotFound {
				t.Fatalf("draft visible to operator: %d", code)
			}
			code, body = w.api("PUT", fmt.Sprintf("/api/v1/surveys/%d/targets", camp.ID), w.nisc,
				fmt.Sprintf(`{"sector_ids":[%d,%d]}`, w.op.SectorIDs[0], w.other.SectorIDs[0]))
			mustJSON(t, body, &camp)
			if code != http.StatusOK || camp.Targets < 3 {
				t.Fatalf("targets: %d %s", code, body)
			}
			if code, body := w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/open", camp.ID), w.nisc, ""); code != http.StatusOK {
				t.Fatalf("open: %d %s", code, body)
			}
			// The invitation reached the operator in-app.
			c := w.login("analyst.operator@demo.example")
			if _, page := c.get("/notifications"); !strings.Contains(page, "テスト調査") {
				t.Fatal("no invitation in the operator's notifications")
			}

			// Answer: save a draft, a refused submission, then submit.
			path := fmt.Sprintf("/api/v1/surveys/%d/response", camp.ID)
			code, body = w.api("PUT", path, opTok, `{"answers":{"T-1":"implemented"},"csirt":"yes"}`)
			if code != http.StatusOK || !strings.Contains(body, `"answered":1`) {
				t.Fatalf("save: %d %s", code, body)
			}
			if code, body := w.api("POST", path+"/submit", opTok, `{}`); code != http.StatusUnprocessableEntity || !strings.Contains(body, "answers") {
				t.Fatalf("incomplete submit: %d %s", code, body)
			}
			if code, body := w.api("PUT", path, opTok, `{"answers":{"T-9":"implemented"}}`); code != http.StatusUnprocessableEntity {
				t.Fatalf("unknown question: %d %s", code, body)
			}
			code, body = w.api("POST", path+"/submit", opTok, `{"answers":{"T-2":"na","T-3":"partly"},"exercises":"yes","executive":"no"}`)
			if code != http.StatusOK || !strings.Contains(body, `"baseline_all":true`) || !strings.Contains(body, `"leading_all":false`) {
				t.Fatalf("submit: %d %s", code, body)
			}
			if code, _ := w.api("PUT", path, opTok, `{"answers":{"T-1":"not"}}`); code != http.StatusConflict {
				t.Fatalf("changed after submission: %d", code)
			}

			// The peer answers in the browser, with the confirmation.
			pc := w.login(w.peerEmail)
			code, page := pc.get(fmt.Sprintf("/surveys/%d/answer", camp.ID))
			if code != http.StatusOK || !strings.Contains(page, "T-1") {
				t.Fatalf("answer page: %d", code)
			}
			form := url.Values{"q1": {"implemented"}, "q2": {"implemented"}, "q3": {"implemented"}, "csirt": {"no"}, "exercises": {"yes"}, "executive": {"yes"}, "action": {"submit"}}
			if code, _, _ := pc.post(fmt.Sprintf("/surveys/%d/answer", camp.ID), form); code != http.StatusUnprocessableEntity {
				t.Fatalf("submission without confirmation: %d", code)
			}
			form.Set("confirm", "1")
			if code, body, _ := pc.post(fmt.Sprintf("/surveys/%d/answer", camp.ID), form); code != http.StatusSeeOther {
				t.Fatalf("browser submit: %d %s", code, body)
			}

			// The other sector's operator answers by workbook.
			oc := w.login(w.otherEmail)
			oTok := w.token(w.otherEmail, nil)
			req, _ := http.NewRequest("GET", w.ts.URL+fmt.Sprintf("/surveys/%d/answer.xlsx", camp.ID), nil)
			code, xl, _ := oc.do(req)
			if code != http.StatusOK {
				t.Fatalf("workbook: %d", code)
			}
			f, err := excelize.OpenReader(strings.NewReader(xl))
			if err != nil {
				t.Fatal(err)
			}
			sheet := f.GetSheetName(0)
			rows, _ := f.GetRows(sheet)
			if len(rows) != 1+3+4 {
				t.Fatalf("workbook rows: %d", len(rows))
			}
			// A wrong answer on row 3 first: nothing is stored.
			set := func(row int, v string) { f.SetCellStr(sheet, fmt.Sprintf("G%d", row), v) }
			set(2, "実施")
			set(3, "たぶん")
			set(4, "実施")
			set(5, "はい")
			set(6, "はい")
			set(7, "はい")
			var buf bytes.Buffer
			f.Write(&buf)
			code, body = w.raw("POST", fmt.Sprintf("/api/v1/surveys/%d/response/upload?submit=true", camp.ID), oTok, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "line 3") {
				t.Fatalf("bad workbook: %d %s", code, body)
			}
			if code, body := w.api("GET", path, oTok, ""); !strings.Contains(body, `"version":0`) {
				t.Fatalf("a refused workbook stored something: %d %s", code, body)
			}
			set(3, "実施")
			buf.Reset()
			f.Write(&buf)
			code, body = w.raw("POST", fmt.Sprintf("/api/v1/surveys/%d/response/upload?submit=true", camp.ID), oTok, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
			if code != http.StatusOK || !strings.Contains(body, `"status":"submitted"`) || !strings.Contains(body, `"leading_all":true`) {
				t.Fatalf("workbook upload: %d %s", code, body)
			}

			// Privacy: an operator never reads another's answers.
			if code, _ := w.api("GET", fmt.Sprintf("%s?org_id=%d", path, w.peer.ID), opTok, ""); code != http.StatusNotFound {
				t.Fatalf("operator read a peer's response: %d", code)
			}
			if code, _ := w.api("GET", fmt.Sprintf("%s?org_id=%d", path, w.op.ID), w.nisc, ""); code != http.StatusOK {
				t.Fatalf("NISC reads a submitted response: %d", code)
			}

			// Progress and statistics.
			code, body = w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/progress", camp.ID), w.nisc, "")
			var prog struct{ Total ceptor.SurveyProgressRow }
			mustJSON(t, body, &prog)
			if code != http.StatusOK || prog.Total.Submitted != 3 {
				t.Fatalf("progress: %d %s", code, body)
			}
			if code, body := w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/close", camp.ID), w.nisc, ""); code != http.StatusOK {
				t.Fatalf("close: %d %s", code, body)
			}
			code, body = w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/statistics", camp.ID), w.nisc, "")
			var st struct {
				Scope   string
				Overall struct {
					Respondents *int `json:"respondents"`
					BaselineAll *int `json:"baseline_all"`
					LeadingAll  *int `json:"leading_all"`
				}
				BySector []struct {
					SectorID     int64 `json:"sector_id"`
					Respondents  *int
					BaselineRate float64 `json:"baseline_rate"`
					LeadingRate  float64 `json:"leading_rate"`
				} `json:"by_sector"`
			}
			mustJSON(t, body, &st)
			// Hand-computed: op (baseline yes, leading no), peer (yes, yes), other (yes, yes).
			if code != http.StatusOK || st.Scope != "programme" || *st.Overall.Respondents != 3 || *st.Overall.BaselineAll != 3 || *st.Overall.LeadingAll != 2 {
				t.Fatalf("statistics: %d %s", code, body)
			}
			for _, s := range st.BySector {
				if s.SectorID == w.op.SectorIDs[0] && (s.BaselineRate != 1 || s.LeadingRate != 0.5) {
					t.Fatalf("sector rates: %+v", s)
				}
			}
			// The ministry of the operator's sector: one sector, below the
			// threshold, so suppressed.
			code, body = w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/statistics", camp.ID), w.token("analyst.ministry@demo.example", nil), "")
			if code == http.StatusOK && !strings.Contains(body, `"suppressed":true`) {
				t.Fatalf("ministry statistics not suppressed: %s", body)
			}
			// The operator's comparison: too few others in its sector.
			code, body = w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/comparison", camp.ID), opTok, "")
			if code != http.StatusOK || !strings.Contains(body, `"sector_shown":false`) {
				t.Fatalf("comparison: %d %s", code, body)
			}
			// Pages render for each role.
			nc := w.login("admin.nisc@demo.example")
			for _, p := range []string{"/surveys", fmt.Sprintf("/surveys/%d", camp.ID), fmt.Sprintf("/surveys/%d/stats", camp.ID), "/catalogs", fmt.Sprintf("/catalogs/%d", cat.ID), "/standards", "/surveys/trends", "/surveys/new"} {
				if code, page := nc.get(p); code != http.StatusOK {
					t.Errorf("NISC %s: %d\n%.400s", p, code, page)
				}
			}
			for _, p := range []string{"/surveys", fmt.Sprintf("/surveys/%d/answer", camp.ID), fmt.Sprintf("/surveys/%d/compare", camp.ID), "/standards"} {
				if code, page := c.get(p); code != http.StatusOK {
					t.Errorf("operator %s: %d\n%.400s", p, code, page)
				}
			}
			if code, _ := c.get(fmt.Sprintf("/surveys/%d/stats", camp.ID)); code == http.StatusOK {
				t.Error("an operator analyst read the campaign statistics")
			}
			for _, f := range []string{"csv", "xlsx"} {
				req, _ := http.NewRequest("GET", w.ts.URL+fmt.Sprintf("/surveys/%d/stats.%s", camp.ID, f), nil)
				if code, _, _ := nc.do(req); code != http.StatusOK {
					t.Errorf("export %s: %d", f, code)
				}
			}
		})
	}
}

func TestSurveyDemoStatistics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	tok := h.token("admin.nisc@demo.example", nil)
	code, body := h.api("GET", "/api/v1/surveys", tok, "")
	var list []struct {
		ID     int64
		Status string
	}
	mustJSON(t, body, &list)
	if code != http.StatusOK || len(list) < 2 {
		t.Fatalf("demo campaigns: %d %s", code, body)
	}
	// The newer demo campaign compares with the older through the mapping.
	code, body = h.api("GET", fmt.Sprintf("/api/v1/surveys/%d/statistics", list[0].ID), tok, "")
	if code != http.StatusOK || !strings.Contains(body, `"prev_rate":0.`) {
		t.Fatalf("demo statistics: %d %.600s", code, body)
	}
	// The fifth edition renumbered access control (AC-01.1 -> AC5-01.1):
	// its items still compare with the fourth edition's through maps_from;
	// an item new in the fifth edition has nothing to compare with.
	var st struct {
		Items []struct {
			Key      string   `json:"key"`
			PrevRate *float64 `json:"prev_rate"`
		} `json:"items"`
	}
	mustJSON(t, body, &st)
	found := 0
	for _, it := range st.Items {
		switch it.Key {
		case "AC5-01.1", "GV-01.1":
			if it.PrevRate == nil {
				t.Errorf("%s has no previous rate", it.Key)
			}
			found++
		case "SC-90.2":
			if it.PrevRate != nil {
				t.Errorf("new item %s has a previous rate", it.Key)
			}
			found++
		}
	}
	if found != 3 {
		t.Fatalf("demo items not found (%d)", found)
	}
}

// The standards register: the ministry keeps its sector's documents and
// enters the yearly status, NISC reviews it, an operator reads documents
// but not statuses; a ministry follows only its sectors' progress.
func TestStandardsRegisterAndMinistryProgress(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newSurveyWorld(t, engine)
			ctx := context.Background()
			minTok := w.token("analyst.ministry@demo.example", nil)
			mu, _ := w.db.FindUserByEmail(ctx, "analyst.ministry@demo.example")
			sectors, _ := w.db.ListSectors(ctx)
			var mine, other int64
			for _, s := range sectors {
				if s.MinistryOrgID == mu.OrgID && mine == 0 {
					mine = s.ID
				} else if s.MinistryOrgID != mu.OrgID && other == 0 {
					other = s.ID
				}
			}
			doc := fmt.Sprintf(`{"sector_id":%d,"title":"テスト安全基準","issuer":"テスト省","version":"第1版","issued_on":"2025-04-01","url":"https://example.org/std"}`, mine)
			if code, body := w.api("POST", "/api/v1/standards", minTok, doc); code != http.StatusCreated {
				t.Fatalf("ministry registers: %d %s", code, body)
			}
			if code, _ := w.api("POST", "/api/v1/standards", minTok, strings.Replace(doc, fmt.Sprint(mine), fmt.Sprint(other), 1)); code != http.StatusForbidden {
				t.Fatalf("ministry registered another sector's document: %d", code)
			}
			if code, _ := w.api("POST", "/api/v1/standards", minTok, `{"sector_id":`+fmt.Sprint(mine)+`,"title":"x","issuer":"y","version":"1","issued_on":"yesterday"}`); code != http.StatusUnprocessableEntity {
				t.Fatalf("bad date accepted: %d", code)
			}
			st := fmt.Sprintf(`{"sector_id":%d,"fiscal_year":2026,"status":"analysis","note":"分析中"}`, mine)
			code, body := w.api("PUT", "/api/v1/standards/status", minTok, st)
			if code != http.StatusOK || !strings.Contains(body, "1分野で改善に向けた分析") {
				t.Fatalf("status: %d %s", code, body)
			}
			if code, _ := w.api("PUT", "/api/v1/standards/status", w.nisc, st); code != http.StatusForbidden {
				t.Fatalf("NISC entered a ministry's status: %d", code)
			}
			if code, _ := w.api("POST", "/api/v1/standards/status/review", minTok, st); code != http.StatusForbidden {
				t.Fatalf("ministry reviewed its own status: %d", code)
			}
			if code, body := w.api("POST", "/api/v1/standards/status/review", w.nisc, st); code != http.StatusOK || !strings.Contains(body, `"reviewed_at"`) {
				t.Fatalf("review: %d %s", code, body)
			}
			opTok := w.token("analyst.operator@demo.example", nil)
			if _, body := w.api("GET", "/api/v1/standards?sector_id="+fmt.Sprint(mine), opTok, ""); !strings.Contains(body, "テスト安全基準") {
				t.Fatalf("operator cannot read the documents: %s", body)
			}
			if _, body := w.api("GET", "/api/v1/standards/status?fiscal_year=2026", opTok, ""); !strings.Contains(body, `"statuses":[]`) {
				t.Fatalf("operator read statuses: %s", body)
			}
			mc := w.login("admin.ministry@demo.example")
			if code, page := mc.get("/standards?fy=2026"); code != http.StatusOK || !strings.Contains(page, "分析・検証に着手") {
				t.Fatalf("register page: %d", code)
			}

			// A ministry's progress: only its sectors.
			camps, _ := w.db.ListCampaigns(ctx, ceptor.SurveyFilter{})
			id := camps[0].ID
			code, body = w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/progress", id), minTok, "")
			var p struct {
				BySector []ceptor.SurveyProgressRow `json:"by_sector"`
				ByCeptor []ceptor.SurveyProgressRow `json:"by_ceptor"`
			}
			mustJSON(t, body, &p)
			if code != http.StatusOK || len(p.ByCeptor) != 0 {
				t.Fatalf("ministry progress: %d %s", code, body)
			}
			for _, r := range p.BySector {
				if s, _ := w.db.FindSector(ctx, r.ID); s == nil || s.MinistryOrgID != mu.OrgID {
					t.Fatalf("ministry sees the progress of sector %d", r.ID)
				}
			}
			if code, page := mc.get(fmt.Sprintf("/surveys/%d", id)); code != http.StatusOK || !strings.Contains(page, "data-survey-progress") {
				t.Fatalf("ministry campaign page: %d", code)
			}
			// A CEPTOR secretariat: only the CEPTORs it runs.
			secTok := w.token("analyst.secretariat@demo.example", nil)
			su, _ := w.db.FindUserByEmail(ctx, "analyst.secretariat@demo.example")
			code, body = w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/progress", id), secTok, "")
			mustJSON(t, body, &p)
			if code != http.StatusOK || len(p.BySector) != 0 || len(p.ByCeptor) == 0 {
				t.Fatalf("secretariat progress: %d %s", code, body)
			}
			for _, r := range p.ByCeptor {
				if c, _ := w.db.FindCeptor(ctx, r.ID); c == nil || c.SecretariatOrgID != su.OrgID {
					t.Fatalf("secretariat sees the progress of CEPTOR %d", r.ID)
				}
			}
			if code, _ := w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/statistics", id), secTok, ""); code == http.StatusOK {
				t.Fatal("a secretariat read the statistics")
			}
			// The English pages render.
			mc.lang = "en"
			for _, pth := range []string{"/surveys", fmt.Sprintf("/surveys/%d/stats", id), "/standards", "/catalogs"} {
				if code, page := mc.get(pth); code != http.StatusOK || strings.Contains(page, "survey.") && strings.Contains(page, ">survey.") {
					t.Fatalf("%s in English: %d", pth, code)
				}
			}
		})
	}
}

// Deadline reminders go to the targets that have not submitted, once.
func TestSurveyDeadlineReminders(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newSurveyWorld(t, engine)
			ctx := context.Background()
			code, body := w.raw("POST", "/api/v1/catalogs?code=rem&title=x", w.nisc, "text/csv", []byte(surveyCSV))
			var cat struct{ ID int64 }
			mustJSON(t, body, &cat)
			tomorrow := time.Now().In(ceptor.Tokyo).AddDate(0, 0, 1).Format("2006-01-02")
			code, body = w.api("POST", "/api/v1/surveys", w.nisc, fmt.Sprintf(`{"title":"督促テスト","fiscal_year":2026,"catalog_id":%d,"deadline":%q}`, cat.ID, tomorrow))
			var camp struct {
				ID      int64
				Targets int
			}
			mustJSON(t, body, &camp)
			code, body = w.api("PUT", fmt.Sprintf("/api/v1/surveys/%d/targets", camp.ID), w.nisc, fmt.Sprintf(`{"org_ids":[%d,%d]}`, w.op.ID, w.peer.ID))
			mustJSON(t, body, &camp)
			if code != http.StatusOK || camp.Targets != 2 {
				t.Fatalf("targets: %d %s", code, body)
			}
			w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/open", camp.ID), w.nisc, "")
			opTok := w.token("analyst.operator@demo.example", nil)
			if code, body := w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/response/submit", camp.ID), opTok,
				`{"answers":{"T-1":"implemented","T-2":"implemented","T-3":"implemented"},"csirt":"yes","exercises":"yes","executive":"yes"}`); code != http.StatusOK {
				t.Fatalf("submit: %d %s", code, body)
			}
			n, err := w.srv.RemindSurveys(ctx)
			if err != nil || n != 1 {
				t.Fatalf("reminded %d (%v), want the peer only", n, err)
			}
			if n, err := w.srv.RemindSurveys(ctx); err != nil || n != 0 {
				t.Fatalf("second pass reminded %d (%v)", n, err)
			}
			pu, err := w.db.FindUserByEmail(ctx, w.peerEmail)
			if err != nil {
				t.Fatal(err)
			}
			notes, _, err := w.db.ListNotifications(ctx, pu.ID, w.peer.ID, false, 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			reminders := 0
			for _, nt := range notes {
				if nt.Kind == "survey.reminder" {
					reminders++
				}
			}
			if reminders != 1 {
				t.Fatalf("peer got %d reminders", reminders)
			}
		})
	}
}

// Two people of one organisation: the second, working from an older page,
// is warned rather than silently overwriting, and can then save.
func TestSurveyConcurrentSaves(t *testing.T) {
	t.Parallel()
	w := newSurveyWorld(t, "sqlite")
	code, body := w.raw("POST", "/api/v1/catalogs?code=cc&title=x", w.nisc, "text/csv", []byte(surveyCSV))
	var cat struct{ ID int64 }
	mustJSON(t, body, &cat)
	code, body = w.api("POST", "/api/v1/surveys", w.nisc, fmt.Sprintf(`{"title":"同時編集","fiscal_year":2026,"catalog_id":%d}`, cat.ID))
	var camp struct{ ID int64 }
	mustJSON(t, body, &camp)
	w.api("PUT", fmt.Sprintf("/api/v1/surveys/%d/targets", camp.ID), w.nisc, fmt.Sprintf(`{"org_ids":[%d]}`, w.op.ID))
	if code, body = w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/open", camp.ID), w.nisc, ""); code != http.StatusOK {
		t.Fatalf("open: %d %s", code, body)
	}
	path := fmt.Sprintf("/surveys/%d/answer", camp.ID)
	first, second := w.login("analyst.operator@demo.example"), w.login("admin.operator@demo.example")
	first.get(path)
	second.get(path) // both pages carry version 0
	if code, _, _ := first.post(path, url.Values{"version": {"0"}, "q1": {"implemented"}, "action": {"save"}}); code != http.StatusSeeOther {
		t.Fatalf("first save: %d", code)
	}
	code, page, _ := second.post(path, url.Values{"version": {"0"}, "q1": {"not"}, "action": {"save"}})
	if code != http.StatusConflict || !strings.Contains(page, "他の担当者が先に保存しました") || !strings.Contains(page, `name="version" value="1"`) {
		t.Fatalf("stale save: %d", code)
	}
	if code, _, _ := second.post(path, url.Values{"version": {"1"}, "q1": {"not"}, "action": {"save"}}); code != http.StatusSeeOther {
		t.Fatalf("second save after the warning: %d", code)
	}
	tok := w.token("analyst.operator@demo.example", nil)
	if _, body := w.api("GET", fmt.Sprintf("/api/v1/surveys/%d/response", camp.ID), tok, ""); !strings.Contains(body, `"T-1":"not"`) || !strings.Contains(body, `"version":2`) {
		t.Fatalf("stored: %s", body)
	}
}

// Invitations and reminders reach people by e-mail through the job queue
// as their choices for the survey group ask; the last reminder before the
// deadline is urgent and so reaches those who kept the default too.
func TestSurveyEmails(t *testing.T) {
	t.Parallel()
	w := newSurveyWorld(t, "sqlite")
	ctx := context.Background()
	q := &fakeQueue{}
	w.srv.UseJobs(q)
	all, err := w.db.FindUserByEmail(ctx, "admin.operator@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.SetNotificationPrefs(ctx, all.ID, ceptor.NotificationPrefs{ceptor.NotifySurveys: ceptor.EmailAll}); err != nil {
		t.Fatal(err)
	}
	_, body := w.raw("POST", "/api/v1/catalogs?code=mail&title=x", w.nisc, "text/csv", []byte(surveyCSV))
	var cat struct{ ID int64 }
	mustJSON(t, body, &cat)
	today := time.Now().In(ceptor.Tokyo).Format("2006-01-02") // ends tonight: the last reminder is due
	_, body = w.api("POST", "/api/v1/surveys", w.nisc, fmt.Sprintf(`{"title":"メール確認","fiscal_year":2026,"catalog_id":%d,"deadline":%q}`, cat.ID, today))
	var camp struct{ ID int64 }
	mustJSON(t, body, &camp)
	w.api("PUT", fmt.Sprintf("/api/v1/surveys/%d/targets", camp.ID), w.nisc, fmt.Sprintf(`{"org_ids":[%d]}`, w.op.ID))
	if code, body := w.api("POST", fmt.Sprintf("/api/v1/surveys/%d/open", camp.ID), w.nisc, ""); code != http.StatusOK {
		t.Fatalf("open: %d %s", code, body)
	}
	to := func() []string {
		q.mu.Lock()
		defer q.mu.Unlock()
		var out []string
		for _, e := range q.emails {
			out = append(out, e.To...)
		}
		q.emails = nil
		return out
	}
	if got := to(); len(got) != 1 || got[0] != all.Email {
		t.Fatalf("invitation e-mails to %v, want only the person who chose every survey e-mail", got)
	}
	if _, err := w.srv.RemindSurveys(ctx); err != nil {
		t.Fatal(err)
	}
	got := to()
	if len(got) < 2 || !slices.Contains(got, all.Email) || !slices.Contains(got, "analyst.operator@demo.example") {
		t.Fatalf("last reminder e-mails to %v, want the default choosers too", got)
	}
}
