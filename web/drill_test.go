package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ceptor"
)

// A drill end to end through the API and the pages, on both engines: NISC
// plans an unannounced drill for the demo operator's CEPTOR (nobody else
// sees it), starts it (a drill advisory, marked 訓練, reaches the
// operator's inbox), the operator confirms, sends a drill report and
// fills in its self-check sheet; the results, the year-on-year figures
// and the exports show it; real advisory and report counts stay as they
// were.
func TestDrillEndToEnd(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			ctx := context.Background()
			nisc := h.token("analyst.nisc@demo.example", nil)
			op := h.token("analyst.operator@demo.example", nil)
			opUser, err := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
			if err != nil {
				t.Fatal(err)
			}
			opOrg, err := h.db.FindOrg(ctx, opUser.OrgID)
			if err != nil || len(opOrg.CeptorIDs) == 0 {
				t.Fatalf("demo operator: %v %+v", err, opOrg)
			}
			cep := opOrg.CeptorIDs[0]
			_, countsBefore := h.api("GET", "/api/v1/advisory-counts", nisc, "")

			// Operators never plan drills.
			body := fmt.Sprintf(`{"title":"抜き打ち訓練","window_start":"%s","window_end":"%s","ceptor_ids":[%d],"downward":true,"upward":true,"assume_damage":true}`,
				time.Now().Add(-time.Hour).Format(time.RFC3339), time.Now().Add(24*time.Hour).Format(time.RFC3339), cep)
			if code, _ := h.api("POST", "/api/v1/drills", op, body); code != http.StatusForbidden {
				t.Fatalf("operator plans a drill: %d", code)
			}
			if code, b := h.api("POST", "/api/v1/drills", nisc, `{"title":"x","ceptor_ids":[]}`); code != http.StatusUnprocessableEntity || !strings.Contains(b, "ceptor_ids") {
				t.Fatalf("invalid drill: %d %s", code, b)
			}
			code, b := h.api("POST", "/api/v1/drills", nisc, body)
			if code != http.StatusCreated {
				t.Fatalf("plan: %d %s", code, b)
			}
			var v struct {
				Drill   ceptor.Drill `json:"drill"`
				Actions struct {
					Start, Report, SelfCheck bool
				} `json:"actions"`
			}
			json.Unmarshal([]byte(b), &v)
			id := v.Drill.ID
			path := fmt.Sprintf("/api/v1/drills/%d", id)
			if v.Drill.Announced || !v.Actions.Start {
				t.Fatalf("planned: %s", b)
			}
			// Unannounced: the operator sees nothing before the start.
			if code, _ := h.api("GET", path, op, ""); code != http.StatusNotFound {
				t.Fatalf("operator sees an unannounced drill: %d", code)
			}
			if _, b := h.api("GET", "/api/v1/drills", op, ""); strings.Contains(b, "抜き打ち訓練") {
				t.Fatal("unannounced drill listed to the operator")
			}

			code, b = h.api("POST", path+"/start", nisc, "")
			if code != http.StatusOK || !strings.Contains(b, `"status":"running"`) {
				t.Fatalf("start: %d %s", code, b)
			}
			var sa struct {
				AdvisoryID   int64 `json:"advisory_id"`
				Participants int   `json:"participants"`
				Recipients   int   `json:"recipients"`
			}
			json.Unmarshal([]byte(b), &sa)
			if sa.AdvisoryID == 0 || sa.Participants == 0 || sa.Recipients == 0 {
				t.Fatalf("start answer: %s", b)
			}
			if code, _ := h.api("POST", path+"/start", nisc, ""); code != http.StatusForbidden && code != http.StatusConflict {
				t.Fatalf("second start: %d", code)
			}

			// The operator's inbox shows the drill advisory, marked 訓練.
			c := h.login("analyst.operator@demo.example")
			code, page := c.get("/inbox")
			if code != 200 || !strings.Contains(page, "抜き打ち訓練") || !strings.Contains(page, `class="adv-drill"`) {
				t.Fatalf("inbox: %d", code)
			}
			if code, b := h.api("POST", fmt.Sprintf("/api/v1/advisories/%d/ack", sa.AdvisoryID), op, ""); code != 200 || !strings.Contains(b, `"confirmed":true`) {
				t.Fatalf("ack: %d %s", code, b)
			}
			code, b = h.api("POST", path+"/reports", op, `{"body":"停電を想定し、被害ありとして報告します。"}`)
			if code != http.StatusCreated || !strings.Contains(b, `"damage":true`) {
				t.Fatalf("drill report: %d %s", code, b)
			}
			var ra struct {
				ReportID int64 `json:"report_id"`
			}
			json.Unmarshal([]byte(b), &ra)
			if code, b := h.api("GET", fmt.Sprintf("/api/v1/reports/%d", ra.ReportID), op, ""); code != 200 || !strings.Contains(b, `"drill":true`) || !strings.Contains(b, "訓練") {
				t.Fatalf("drill report stored: %d %s", code, b)
			}
			if code, b := h.api("PUT", path+"/selfcheck", op, `{"arrived":"maybe"}`); code != http.StatusUnprocessableEntity || !strings.Contains(b, "arrived") {
				t.Fatalf("bad sheet: %d %s", code, b)
			}
			// The sheet through the page.
			code, page = c.get(fmt.Sprintf("/drills/%d/selfcheck", id))
			if code != 200 || !strings.Contains(page, "自己点検シート") {
				t.Fatalf("self-check page: %d", code)
			}
			code, _, loc := c.post(fmt.Sprintf("/drills/%d/selfcheck", id), url.Values{"arrived": {"yes"}, "channel": {"inbox"}, "handler": {"システム部"},
				"notice_minutes": {"５"}, "problems": {"夜間の確認手順がない"}, "improvements": {"当番表を作る"}})
			if code != http.StatusSeeOther || loc != fmt.Sprintf("/drills/%d", id) {
				t.Fatalf("self-check submit: %d %s", code, loc)
			}
			code, page = c.get(fmt.Sprintf("/drills/%d", id))
			if code != 200 || !strings.Contains(page, "自組織の対応") || !strings.Contains(page, "訓練") {
				t.Fatalf("operator's drill page: %d", code)
			}
			if code, _ := h.api("GET", path+"/results", op, ""); code != http.StatusForbidden {
				t.Fatalf("operator reads results: %d", code)
			}

			// NISC's results.
			code, b = h.api("GET", path+"/results", nisc, "")
			if code != 200 {
				t.Fatalf("results: %d %s", code, b)
			}
			var res ceptor.DrillResults
			json.Unmarshal([]byte(b), &res)
			if res.Receipts == nil || res.Receipts.Total.Confirmed != 1 || len(res.Receipts.PerCeptor) == 0 || len(res.Receipts.PerHop) == 0 ||
				res.Upward == nil || res.Upward.Reported != 1 || res.Upward.Damage != 1 || res.SelfChecks.Completed != 1 ||
				res.SelfChecks.Sheets[0].NoticeMinutes == nil || *res.SelfChecks.Sheets[0].NoticeMinutes != 5 {
				t.Fatalf("results: %s", b)
			}
			nc := h.login("analyst.nisc@demo.example")
			code, page = nc.get(fmt.Sprintf("/drills/%d", id))
			if code != 200 || !strings.Contains(page, "Confirmation rate per hop") || !strings.Contains(page, "当番表を作る") {
				t.Fatalf("NISC drill page: %d", code)
			}
			code, csv := nc.get(fmt.Sprintf("/drills/%d/results.csv", id))
			if code != 200 || !strings.Contains(csv, opOrg.Name) && !strings.Contains(csv, opOrg.NameEN) {
				t.Fatalf("csv: %d", code)
			}
			if code, x := nc.get(fmt.Sprintf("/drills/%d/results.xlsx", id)); code != 200 || !strings.HasPrefix(x, "PK") {
				t.Fatalf("xlsx: %d", code)
			}
			// The CEPTOR's secretariat and the sector's ministry see what
			// lies behind them; another CEPTOR's secretariat sees nothing.
			cepRec, err := h.db.FindCeptor(ctx, cep)
			if err != nil {
				t.Fatal(err)
			}
			secEmail := "admin." + cepRec.Code + "@demo.example"
			if u, err := h.db.FindUserByEmail(ctx, "admin.secretariat@demo.example"); err == nil && u.OrgID == cepRec.SecretariatOrgID {
				secEmail = u.Email
			}
			sec := h.token(secEmail, nil)
			code, b = h.api("GET", path+"/results", sec, "")
			var sres ceptor.DrillResults
			json.Unmarshal([]byte(b), &sres)
			if code != 200 || sres.Receipts == nil || sres.Receipts.Total.Recipients == 0 || sres.Receipts.Total.Confirmed != 1 || sres.SelfChecks.Completed != 1 {
				t.Fatalf("secretariat's results: %d %s", code, b)
			}
			// The ministry of the CEPTOR's sector sees the drill and its part.
			sector, err := h.db.FindSector(ctx, cepRec.SectorID)
			if err != nil {
				t.Fatal(err)
			}
			ministries := 0
			for _, m := range []string{"ministry", "mic", "mhlw", "meti", "mlit"} {
				u, err := h.db.FindUserByEmail(ctx, "admin."+m+"@demo.example")
				if err != nil || u.OrgID != sector.MinistryOrgID {
					continue
				}
				ministries++
				min := h.token(u.Email, nil)
				if _, b := h.api("GET", "/api/v1/drills", min, ""); !strings.Contains(b, "抜き打ち訓練") {
					t.Fatalf("the ministry does not list the started drill: %s", b)
				}
				code, b := h.api("GET", path+"/results", min, "")
				var mres ceptor.DrillResults
				json.Unmarshal([]byte(b), &mres)
				if code != 200 || mres.Receipts == nil || mres.Receipts.Total.Confirmed != 1 {
					t.Fatalf("ministry's results: %d %s", code, b)
				}
			}
			if ministries != 1 {
				t.Fatalf("no demo ministry for sector %d", sector.ID)
			}
			for _, c := range []string{"electricity", "bank", "telecom"} {
				if c == cepRec.Code {
					continue
				}
				if _, err := h.db.FindUserByEmail(ctx, "admin."+c+"@demo.example"); err != nil {
					continue
				}
				other := h.token("admin."+c+"@demo.example", nil)
				if code, _ := h.api("GET", path, other, ""); code != http.StatusNotFound {
					t.Fatalf("secretariat %s sees another CEPTOR's drill: %d", c, code)
				}
				break
			}
			if code, _ := h.api("POST", path+"/close", nisc, ""); code != 200 {
				t.Fatalf("close: %d", code)
			}
			if code, _ := h.api("POST", path+"/reports", op, `{}`); code != http.StatusForbidden {
				t.Fatalf("report after close: %d", code)
			}

			// Participation counts; the demo's past years are there too.
			code, b = h.api("GET", fmt.Sprintf("/api/v1/stats/drills?fiscal_year=%d", ceptor.FiscalYear(time.Now())), op, "")
			if code != 200 {
				t.Fatalf("stats: %d %s", code, b)
			}
			var st struct {
				Years []ceptor.DrillYear `json:"years"`
				Year  *ceptor.DrillYear  `json:"year"`
			}
			json.Unmarshal([]byte(b), &st)
			if st.Year == nil || st.Year.Drills != 1 || st.Year.Ceptors != 1 || st.Year.Operators != sa.Participants || st.Year.Confirmed != 1 {
				t.Fatalf("this year's participation: %s", b)
			}
			past := 0
			for _, y := range st.Years {
				if !y.Reference && y.FiscalYear < st.Year.FiscalYear && y.Recipients > 0 {
					past++
				}
			}
			if past != 2 {
				t.Fatalf("demo past years: %s", b)
			}
			if code, page := c.get("/drills"); code != 200 || !strings.Contains(page, "年度別の参加状況") || !strings.Contains(page, "1,644") {
				t.Fatalf("drills page: %d", code)
			}

			// Real advisory counts unchanged; the drill report is no real report.
			if _, after := h.api("GET", "/api/v1/advisory-counts", nisc, ""); after != countsBefore {
				t.Fatalf("advisory counts moved: %s -> %s", countsBefore, after)
			}
			from, to := ceptor.FiscalYearRange(ceptor.FiscalYear(time.Now()))
			real, err := h.db.ReportCounts(ctx, from, to, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, rc := range real {
				if rc.N > 0 && rc.Cause == "" && rc.EventClass == ceptor.EventAvailability {
					// The demo has no real reports this year; any row would be ours.
					t.Fatalf("drill report counted as real: %+v", rc)
				}
			}
		})
	}
}

// Outsiders: an operator of another CEPTOR and a ministry of another
// sector see neither an announced drill nor its results.
func TestDrillVisibility(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	nisc := h.token("admin.nisc@demo.example", nil)
	opUser, _ := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
	opOrg, _ := h.db.FindOrg(ctx, opUser.OrgID)
	cs, _ := h.db.ListCeptors(ctx)
	var other *ceptor.Ceptor
	for _, c := range cs {
		if c.ID != opOrg.CeptorIDs[0] && c.Active && !containsID(opOrg.CeptorIDs, c.ID) {
			other = c
			break
		}
	}
	body := fmt.Sprintf(`{"title":"告知済み訓練","announced":true,"window_start":"2026-12-01T10:00","window_end":"2026-12-02T10:00","ceptor_ids":[%d],"downward":true}`, other.ID)
	code, b := h.api("POST", "/api/v1/drills", nisc, body)
	if code != http.StatusCreated {
		t.Fatalf("plan: %d %s", code, b)
	}
	var v struct {
		Drill ceptor.Drill `json:"drill"`
	}
	json.Unmarshal([]byte(b), &v)
	op := h.token("analyst.operator@demo.example", nil)
	if code, _ := h.api("GET", fmt.Sprintf("/api/v1/drills/%d", v.Drill.ID), op, ""); code != http.StatusNotFound {
		t.Fatalf("outsider operator sees the drill: %d", code)
	}
	if code, _ := h.api("PUT", fmt.Sprintf("/api/v1/drills/%d/selfcheck", v.Drill.ID), op, `{"arrived":"yes","channel":"inbox"}`); code != http.StatusNotFound {
		t.Fatalf("outsider fills a sheet: %d", code)
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// The upward drill through the pages: the operator's drill report form,
// marked 訓練, sends one report, linked to the drill and shown on it.
func TestDrillReportPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	nisc := h.token("admin.nisc@demo.example", nil)
	opUser, _ := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
	opOrg, _ := h.db.FindOrg(ctx, opUser.OrgID)
	body := fmt.Sprintf(`{"title":"情報連絡訓練","announced":true,"window_start":"%s","window_end":"%s","ceptor_ids":[%d],"upward":true,"assume_damage":true}`,
		time.Now().Add(-time.Hour).Format(time.RFC3339), time.Now().Add(24*time.Hour).Format(time.RFC3339), opOrg.CeptorIDs[0])
	code, b := h.api("POST", "/api/v1/drills", nisc, body)
	if code != http.StatusCreated {
		t.Fatalf("plan: %d %s", code, b)
	}
	var v struct {
		Drill ceptor.Drill `json:"drill"`
	}
	json.Unmarshal([]byte(b), &v)
	id := v.Drill.ID
	c := h.login("analyst.operator@demo.example")
	if code, _ := c.get(fmt.Sprintf("/drills/%d/report", id)); code != http.StatusForbidden {
		t.Fatalf("report form before the start: %d", code)
	}
	if code, _ := h.api("POST", fmt.Sprintf("/api/v1/drills/%d/start", id), nisc, ""); code != 200 {
		t.Fatalf("start: %d", code)
	}
	code, page := c.get(fmt.Sprintf("/drills/%d", id))
	if code != 200 || !strings.Contains(page, fmt.Sprintf(`href="/drills/%d/report"`, id)) {
		t.Fatalf("no report button: %d", code)
	}
	code, page = c.get(fmt.Sprintf("/drills/%d/report", id))
	if code != 200 || !strings.Contains(page, "訓練報告") || !strings.Contains(page, "adv-drill-banner") || !strings.Contains(page, `name="damage" value="1" checked`) {
		t.Fatalf("report form: %d", code)
	}
	code, _, loc := c.post(fmt.Sprintf("/drills/%d/report", id), url.Values{"title": {"【訓練】勘定系の停止"}, "damage": {"1"}, "body": {"訓練として報告します。"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/reports/") {
		t.Fatalf("send: %d %s", code, loc)
	}
	code, page = c.get(loc)
	if code != 200 || !strings.Contains(page, "rep-drill-banner") {
		t.Fatalf("the drill report is not marked: %d", code)
	}
	code, _, loc = c.post(fmt.Sprintf("/drills/%d/report", id), url.Values{"body": {"二度目"}})
	if code != http.StatusSeeOther || loc != fmt.Sprintf("/drills/%d", id) {
		t.Fatalf("second report: %d %s", code, loc)
	}
	if code, b := h.api("POST", fmt.Sprintf("/api/v1/drills/%d/reports", id), h.token("analyst.operator@demo.example", nil), `{}`); code != http.StatusConflict {
		t.Fatalf("second report by API: %d %s", code, b)
	}
	code, b = h.api("GET", fmt.Sprintf("/api/v1/drills/%d/results", id), nisc, "")
	var res ceptor.DrillResults
	json.Unmarshal([]byte(b), &res)
	if code != 200 || res.Upward == nil || res.Upward.Reported != 1 || res.Upward.Damage != 1 || res.Receipts != nil {
		t.Fatalf("upward results: %d %s", code, b)
	}
}
