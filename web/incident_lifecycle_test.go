package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// An incident from creation to closure through the pages: NISC groups
// reports, notes, evaluates, changes status; the ministry of the affected
// sector follows; everything is audited and on the timeline.
func TestIncidentLifecycle(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newIncWorld(t, engine)
			r1 := w.report(t, incRep{title: "勘定系障害（第一報）"})
			r2 := w.report(t, incRep{title: "ATM の停止"})
			nisc := w.h.login("admin.nisc@demo.example")

			// The form is NISC's; others are refused.
			if code, _ := w.h.login("admin.ministry@demo.example").get("/incidents/new"); code != 403 {
				t.Errorf("ministry opens the new-incident form: %d, want 403", code)
			}
			code, body := nisc.get("/incidents/new?report=" + incID(r1))
			if code != 200 || !strings.Contains(body, "勘定系障害（第一報）") {
				t.Fatalf("new form with a report: %d", code)
			}
			// A title is required; what was typed stays.
			code, body, _ = nisc.post("/incidents/new", url.Values{"summary": {"概要だけ"}, "report": {incID(r1)}})
			if code != 422 || !strings.Contains(body, "概要だけ") {
				t.Fatalf("no title: %d", code)
			}
			code, _, loc := nisc.post("/incidents/new", url.Values{"title": {"クラウド基盤の障害"}, "summary": {"複数の銀行で障害"},
				"tlp": {"amber"}, "report": {incID(r1)}})
			if code != 303 || !strings.HasPrefix(loc, "/incidents/") {
				t.Fatalf("create: %d %q", code, loc)
			}
			page := loc
			_, body = nisc.get(page)
			incHas(t, "incident page", body, "クラウド基盤の障害", "勘定系障害（第一報）", "対応中", "TLP:AMBER")

			// Add, and remove again, the second report; a note; a status.
			if code, _, _ := nisc.post(page+"/reports", url.Values{"report_id": {incID(r2)}}); code != 303 {
				t.Fatalf("add report: %d", code)
			}
			if code, body, _ := nisc.post(page+"/reports", url.Values{"report_id": {"999999"}}); code != 422 || !strings.Contains(body, "閲覧できない報告です") {
				t.Errorf("unknown report: %d", code)
			}
			_, body = nisc.get(page)
			incHas(t, "two reports", body, "ATM の停止")
			if code, _, _ := nisc.post(page+"/reports/"+incID(r2)+"/remove", nil); code != 303 {
				t.Fatalf("remove report: %d", code)
			}
			if code, _, _ := nisc.post(page+"/notes", url.Values{"note": {"関係省庁と情報共有を開始"}}); code != 303 {
				t.Fatalf("note: %d", code)
			}
			if code, _, _ := nisc.post(page+"/notes", url.Values{"note": {"  "}}); code != 422 {
				t.Errorf("empty note: %d, want 422", code)
			}
			if code, _, _ := nisc.post(page+"/severity", incEvalForm(3, 1, 2, true)); code != 303 {
				t.Fatalf("evaluate incident: %d", code)
			}
			if code, _, _ := nisc.post(page+"/status", url.Values{"status": {"monitoring"}}); code != 303 {
				t.Fatalf("status: %d", code)
			}
			_, body = nisc.get(page)
			incHas(t, "timeline", body, "関係省庁と情報共有を開始", "報告を追加", "報告を除外", "深刻度を評価", "状態を変更", "経過観察", "sev-3")
			if strings.Contains(body, "ATM の停止") {
				t.Error("the removed report is still listed")
			}

			// The ministry of the sector sees it and may evaluate
			// provisionally; it may not change it.
			min := w.h.login("analyst.ministry@demo.example")
			if code, _ := min.get(page); code != 200 {
				t.Fatalf("ministry sees the incident: %d", code)
			}
			if code, _, _ := min.post(page+"/notes", url.Values{"note": {"x"}}); code != 403 {
				t.Errorf("ministry adds a note: %d, want 403", code)
			}
			if code, _, _ := min.post(page+"/severity", incEvalForm(2, 0, 1, false)); code != 303 {
				t.Errorf("ministry provisional evaluation: %d", code)
			}
			if code, _, _ := min.post(page+"/severity", incEvalForm(2, 0, 1, true)); code != 403 {
				t.Errorf("ministry final evaluation: %d, want 403", code)
			}

			// Grouping suggestions: r2 shares the sector and time window.
			code, body = nisc.get("/incidents/suggest?report=" + incID(r2))
			if code != 200 {
				t.Fatalf("suggest: %d", code)
			}
			incHas(t, "suggestions", body, "クラウド基盤の障害", "同じ分野で 72 時間以内に発生", "このインシデントに追加")
			if code, _ := w.h.login("admin.op-electricity@demo.example").get("/incidents/suggest?report=" + incID(r2)); code != 404 {
				t.Errorf("another operator asks for suggestions: %d, want 404", code)
			}

			// Close.
			if code, _, _ := nisc.post(page+"/status", url.Values{"status": {"closed"}}); code != 303 {
				t.Fatalf("close: %d", code)
			}
			if code, _, _ := nisc.post(page+"/reports", url.Values{"report_id": {incID(r2)}}); code != 409 {
				t.Errorf("adding to a closed incident: %d, want 409", code)
			}
			acts := w.auditActions(t)
			for _, a := range []string{"incident.create", "incident.report_add", "incident.report_remove", "incident.note", "incident.status", "severity.evaluate"} {
				if incCount(acts, a) == 0 {
					t.Errorf("no %s in the audit log", a)
				}
			}
			// The list shows it to NISC with its severity.
			_, body = nisc.get("/incidents?status=closed")
			incHas(t, "list", body, "クラウド基盤の障害", "終結")
		})
	}
}

// Who sees an incident: NISC and the affected sector's ministry always;
// response and security agencies only in large-scale mode and only up to
// TLP:AMBER; operators, secretariats and other ministries never.
func TestIncidentPolicy(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newIncWorld(t, engine)
			ctx := context.Background()
			r1, r2, r3 := w.report(t, incRep{}), w.report(t, incRep{}), w.report(t, incRep{})
			large := w.incident(t, "大規模・AMBER", ceptor.TLPAmber, r1)
			normal := w.incident(t, "平時・AMBER", ceptor.TLPAmber, r2)
			strict := w.incident(t, "大規模・AMBER+STRICT", ceptor.TLPAmberStrict, r3)
			incMust(t, w.h.db.SetLargeScale(ctx, large, true, 0, "", w.nisc.ID, w.niscUser))
			incMust(t, w.h.db.SetLargeScale(ctx, strict, true, 0, "", w.nisc.ID, w.niscUser))

			cases := []struct {
				who                 string
				large, normal, strc int
			}{
				{"analyst.nisc@demo.example", 200, 200, 200},
				{"executive.nisc@demo.example", 200, 200, 200},
				{"analyst.ministry@demo.example", 200, 200, 200},
				{"admin.response@demo.example", 200, 404, 404},
				{"analyst.security@demo.example", 200, 404, 404},
				{"admin.mic@demo.example", 404, 404, 404},
				{"admin.operator@demo.example", 404, 404, 404},
				{"admin.secretariat@demo.example", 404, 404, 404},
				{"admin.council@demo.example", 404, 404, 404},
				{"admin.supplier@demo.example", 404, 404, 404},
			}
			for _, c := range cases {
				cl := w.h.login(c.who)
				want := map[int64]int{large: c.large, normal: c.normal, strict: c.strc}
				_, list := cl.get("/incidents")
				for id, code := range want {
					for _, p := range []string{"", "/board", "/board/rows", "/severity"} {
						if got, _ := cl.get("/incidents/" + incID(id) + p); got != code {
							t.Errorf("%s GET incident %d%s: %d, want %d", c.who, id, p, got, code)
						}
					}
					listed := strings.Contains(list, `href="/incidents/`+incID(id)+`"`)
					if listed != (code == 200) {
						t.Errorf("%s: incident %d listed %v", c.who, id, listed)
					}
					tok := w.h.token(c.who, nil)
					if got, _ := w.h.api("GET", "/api/v1/incidents/"+incID(id), tok, ""); got != code {
						t.Errorf("%s API incident %d: %d, want %d", c.who, id, got, code)
					}
				}
			}
			// Agencies read only.
			resp := w.h.login("admin.response@demo.example")
			if code, _, _ := resp.post("/incidents/"+incID(large)+"/notes", url.Values{"note": {"x"}}); code != 403 {
				t.Errorf("response agency writes a note: %d, want 403", code)
			}
			if code, _, _ := resp.post("/incidents/"+incID(large)+"/severity", incEvalForm(1, 0, 0, false)); code != 403 {
				t.Errorf("response agency evaluates: %d, want 403", code)
			}
			// The API list counts only what the caller may see.
			var list struct {
				Total int `json:"total"`
			}
			w.apiJSON(t, "GET", "/api/v1/incidents", w.h.token("admin.response@demo.example", nil), "", 200, &list)
			if list.Total != 1 {
				t.Errorf("response agency lists %d incidents, want 1", list.Total)
			}
			w.apiJSON(t, "GET", "/api/v1/incidents?large_scale=true", w.h.token("admin.nisc@demo.example", nil), "", 200, &list)
			if list.Total != 2 {
				t.Errorf("NISC lists %d large-scale incidents, want 2", list.Total)
			}
		})
	}
}

// Large-scale mode: NISC only; switching back needs the after-action note;
// every switch is audited and on the timeline.
func TestIncidentModeSwitch(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newIncWorld(t, engine)
			id := w.incident(t, "通信障害", ceptor.TLPAmber, w.report(t, incRep{}))
			page := "/incidents/" + incID(id)
			nisc := w.h.login("analyst.nisc@demo.example")

			if code, _, _ := w.h.login("admin.ministry@demo.example").post(page+"/mode", url.Values{"large_scale": {"1"}}); code != 403 {
				t.Errorf("ministry switches: %d, want 403", code)
			}
			if code, _, _ := nisc.post(page+"/mode", url.Values{"large_scale": {"1"}, "cadence_hours": {"0.1"}}); code != 422 {
				t.Errorf("cadence of 6 minutes: %d, want 422", code)
			}
			if code, _, _ := nisc.post(page+"/mode", url.Values{"large_scale": {"1"}, "cadence_hours": {"4"}}); code != 303 {
				t.Fatalf("switch on: %d", code)
			}
			inc, err := w.h.db.FindIncident(context.Background(), id)
			incMust(t, err)
			if !inc.LargeScale || inc.Cadence.Hours() != 4 {
				t.Fatalf("after switching on: large %v cadence %s", inc.LargeScale, inc.Cadence)
			}
			// Off without a note: refused, still on.
			code, body, _ := nisc.post(page+"/mode", url.Values{"large_scale": {"0"}, "note": {"  "}})
			if code != 422 {
				t.Fatalf("switch off without a note: %d, want 422", code)
			}
			if !strings.Contains(body, "aria-invalid") {
				t.Error("the note field is not marked")
			}
			if inc, _ = w.h.db.FindIncident(context.Background(), id); !inc.LargeScale {
				t.Fatal("switched off without the after-action note")
			}
			// Closing while on is refused.
			if code, _, _ := nisc.post(page+"/status", url.Values{"status": {"closed"}}); code != 409 {
				t.Errorf("closing in large-scale mode: %d, want 409", code)
			}
			if code, _, _ := nisc.post(page+"/mode", url.Values{"large_scale": {"0"}, "note": {"全事業者で復旧を確認。手順を見直す。"}}); code != 303 {
				t.Fatalf("switch off: %d", code)
			}
			acts := w.auditActions(t)
			if incCount(acts, "incident.mode_on") != 1 || incCount(acts, "incident.mode_off") != 1 {
				t.Errorf("switches audited: %v", acts)
			}
			_, body = nisc.get(page)
			// The analyst reads English.
			incHas(t, "timeline", body, "全事業者で復旧を確認。手順を見直す。", "ev-mode_on", "ev-mode_off")

			// Through the API: on with a cadence, off without a note refused.
			tok := w.h.token("admin.nisc@demo.example", nil)
			var got struct {
				LargeScale     bool  `json:"large_scale"`
				CadenceSeconds int64 `json:"cadence_seconds"`
			}
			w.apiJSON(t, "POST", "/api/v1/incidents/"+incID(id)+"/mode", tok, `{"large_scale":true,"cadence_hours":2}`, 200, &got)
			if !got.LargeScale || got.CadenceSeconds != 7200 {
				t.Errorf("API mode on: %+v", got)
			}
			if code, resp := w.h.api("POST", "/api/v1/incidents/"+incID(id)+"/mode", tok, `{"large_scale":false}`); code != 422 || !strings.Contains(resp, `"note"`) {
				t.Errorf("API off without a note: %d %s", code, resp)
			}
			w.apiJSON(t, "POST", "/api/v1/incidents/"+incID(id)+"/mode", tok, `{"large_scale":false,"note":"収束"}`, 200, &got)
			if got.LargeScale {
				t.Error("API off: still on")
			}
			if n := incCount(w.auditActions(t), "incident.mode_on"); n != 2 {
				t.Errorf("%d mode_on audit entries, want 2", n)
			}
		})
	}
}

// The incident API end to end.
func TestIncidentAPI(t *testing.T) {
	t.Parallel()
	w := newIncWorld(t, "sqlite")
	r1 := w.report(t, incRep{title: "API 経由の報告", indicators: []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "evil.example"}}})
	r2 := w.report(t, incRep{title: "同じ指標", indicators: []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "evil.example"}}})
	tok := w.h.token("analyst.nisc@demo.example", nil)

	var inc struct {
		ID        int64   `json:"id"`
		ReportIDs []int64 `json:"report_ids"`
		Affected  []struct {
			ReportID int64  `json:"report_id"`
			Reporter string `json:"reporter"`
			OrgID    int64  `json:"org_id"`
		} `json:"affected"`
		Timeline []struct {
			Kind string `json:"kind"`
		} `json:"timeline"`
		CurrentSeverity *struct {
			Overall int `json:"overall"`
		} `json:"current_severity"`
	}
	w.apiJSON(t, "POST", "/api/v1/incidents", tok, `{"title":"API の事案","tlp":"TLP:AMBER","report_ids":[`+incID(r1)+`]}`, 201, &inc)
	if len(inc.ReportIDs) != 1 || len(inc.Affected) != 1 || inc.Affected[0].Reporter != w.op.DisplayName("en") || inc.Affected[0].OrgID != w.op.ID {
		t.Fatalf("created: %+v", inc)
	}
	base := "/api/v1/incidents/" + incID(inc.ID)
	if code, _ := w.h.api("POST", "/api/v1/incidents", w.h.token("admin.ministry@demo.example", nil), `{"title":"x"}`); code != 403 {
		t.Errorf("ministry creates: %d, want 403", code)
	}
	if code, _ := w.h.api("POST", "/api/v1/incidents", w.h.token("analyst.nisc@demo.example", []string{"read"}), `{"title":"x"}`); code != 403 {
		t.Errorf("read-only token creates: %d, want 403", code)
	}

	// Suggestions: r2 shares the indicator.
	var sug struct {
		Items []struct {
			IncidentID int64    `json:"incident_id"`
			ReportIDs  []int64  `json:"report_ids"`
			Reasons    []string `json:"reasons"`
		} `json:"items"`
	}
	w.apiJSON(t, "GET", base+"/suggestions", tok, "", 200, &sug)
	if len(sug.Items) == 0 || sug.Items[0].ReportIDs[0] != r2 || sug.Items[0].Reasons[0] != "indicator" {
		t.Fatalf("suggestions: %+v", sug)
	}
	w.apiJSON(t, "GET", "/api/v1/reports/"+incID(r2)+"/suggestions", tok, "", 200, &sug)
	if len(sug.Items) == 0 || sug.Items[0].IncidentID != inc.ID {
		t.Errorf("suggestions for r2: %+v", sug)
	}

	w.apiJSON(t, "POST", base+"/reports", tok, `{"report_id":`+incID(r2)+`}`, 200, &inc)
	if len(inc.ReportIDs) != 2 {
		t.Errorf("after adding: %v", inc.ReportIDs)
	}
	if code, _ := w.h.api("POST", base+"/reports", tok, `{"report_id":`+incID(r2)+`}`); code != 409 {
		t.Errorf("adding twice: %d, want 409", code)
	}
	w.apiJSON(t, "POST", base+"/severity", tok, `{"continuity":2,"safety":0,"trust":1,"continuity_reason":"数時間の停止","trust_reason":"報道","final":false}`, 201, nil)
	if code, _ := w.h.api("POST", base+"/severity", tok, `{"continuity":2}`); code != 422 {
		t.Errorf("evaluation without all levels: %d, want 422", code)
	}
	w.apiJSON(t, "POST", base+"/notes", tok, `{"text":"API からのメモ"}`, 201, nil)
	var patched struct {
		Status string `json:"status"`
		TLP    string `json:"tlp"`
	}
	w.apiJSON(t, "PATCH", base, tok, `{"status":"monitoring","tlp":"green"}`, 200, &patched)
	if patched.Status != "monitoring" || patched.TLP != "green" {
		t.Errorf("patched: %+v", patched)
	}
	if code, _ := w.h.api("DELETE", base+"/reports/"+incID(r2), tok, ""); code != 204 {
		t.Errorf("remove: %d", code)
	}
	w.apiJSON(t, "GET", base, tok, "", 200, &inc)
	kinds := []string{}
	for _, e := range inc.Timeline {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"created", "report_added", "report_added", "severity", "note", "status", "report_removed"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("timeline %v, want %v", kinds, want)
	}
	if inc.CurrentSeverity == nil || inc.CurrentSeverity.Overall != 2 {
		t.Errorf("current severity: %+v", inc.CurrentSeverity)
	}
	if code, _ := w.h.api("GET", base, w.h.token("admin.operator@demo.example", nil), ""); code != http.StatusNotFound {
		t.Errorf("operator reads the incident: %d, want 404", code)
	}
}
