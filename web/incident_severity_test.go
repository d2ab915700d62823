package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Who may evaluate a report's severity: NISC final or provisional, the
// ministry on the report's route provisional only, the reporter and
// read-only roles not at all, anyone else cannot even see it. The current
// evaluation is the latest final one, which a later provisional one does
// not displace.
func TestSeverityEvaluationPermissions(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newIncWorld(t, engine)
			started := time.Now().Add(-26 * time.Hour)
			rid := w.report(t, incRep{users: 250000, started: &started})
			path := "/reports/" + incID(rid) + "/severity"

			type step struct {
				who        string
				form       url.Values
				wantGet    int
				wantPost   int
				finalShown bool
			}
			steps := []step{
				// The ministry on the route: provisional yes, final no.
				{"analyst.ministry@demo.example", incEvalForm(2, 0, 1, false), 200, http.StatusSeeOther, false},
				{"analyst.ministry@demo.example", incEvalForm(3, 0, 2, true), 200, http.StatusForbidden, false},
				// NISC: final.
				{"admin.nisc@demo.example", incEvalForm(3, 0, 2, true), 200, http.StatusSeeOther, true},
				// A provisional one after the final one.
				{"admin.ministry@demo.example", incEvalForm(4, 4, 4, false), 200, http.StatusSeeOther, false},
				// Read-only roles and the reporter see, but do not evaluate.
				{"executive.nisc@demo.example", incEvalForm(1, 0, 0, false), 200, http.StatusForbidden, false},
				{"admin.operator@demo.example", incEvalForm(1, 0, 0, false), 200, http.StatusForbidden, false},
				// Organisations off the report's way do not even see it.
				{"admin.op-electricity@demo.example", incEvalForm(1, 0, 0, false), 404, 404, false},
				{"admin.mic@demo.example", incEvalForm(1, 0, 0, false), 404, 404, false},
				{"admin.response@demo.example", incEvalForm(1, 0, 0, false), 404, 404, false},
			}
			for _, s := range steps {
				c := w.h.login(s.who)
				code, body := c.get(path)
				if code != s.wantGet {
					t.Fatalf("%s GET: %d, want %d", s.who, code, s.wantGet)
				}
				if code == 200 {
					hasFinal := strings.Contains(body, `name="final" value="1"`)
					if hasFinal != s.finalShown {
						t.Errorf("%s: final option shown %v, want %v", s.who, hasFinal, s.finalShown)
					}
				}
				code, body, loc := c.post(path, s.form)
				if code != s.wantPost {
					t.Fatalf("%s POST: %d, want %d", s.who, code, s.wantPost)
				}
				if code == http.StatusForbidden && !strings.Contains(body, "この操作を行う権限がありません") {
					t.Errorf("%s POST: 403 for another reason than the policy", s.who)
				}
				if code == http.StatusSeeOther && loc != path {
					t.Errorf("%s POST redirects to %q", s.who, loc)
				}
			}

			// Three evaluations are stored; the current one is NISC's final 3.
			c := w.h.login("admin.nisc@demo.example")
			_, body := c.get(path)
			if overall, final := incCurrentEval(t, body); overall != "3" || final != "true" {
				t.Errorf("current evaluation: overall %q final %q, want 3 final", overall, final)
			}
			if n := strings.Count(body, `<tr class="is-current">`) + strings.Count(body, "<tr>\n        <td class=\"nowrap\">"); n != 3 {
				t.Errorf("history shows %d rows, want 3", n)
			}
			incHas(t, "severity page", body, "確定", "暫定", "sev-3", "評価の履歴")

			// A level above none needs a reason: the form comes back with
			// what was typed.
			bad := incEvalForm(2, 0, 0, false)
			bad.Set("continuity_reason", "")
			code, body, _ := c.post(path, bad)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "なし以外のレベルには理由を入力してください") {
				t.Errorf("missing reason: %d", code)
			}
			bad.Set("continuity", "9")
			if code, _, _ := c.post(path, bad); code != http.StatusUnprocessableEntity {
				t.Errorf("level 9: %d, want 422", code)
			}

			// Every evaluation is audited.
			if n := incCount(w.auditActions(t), "severity.evaluate"); n != 3 {
				t.Errorf("%d severity.evaluate audit entries, want 3", n)
			}

			// The API gives the same picture.
			tok := w.h.token("analyst.ministry@demo.example", nil)
			var sev struct {
				Current *struct {
					Overall int  `json:"overall"`
					Final   bool `json:"final"`
				} `json:"current"`
				History    []map[string]any `json:"history"`
				CanFinal   bool             `json:"can_final"`
				Suggestion struct {
					Continuity int `json:"continuity"`
				} `json:"suggestion"`
			}
			w.apiJSON(t, "GET", "/api/v1/reports/"+incID(rid)+"/severity", tok, "", 200, &sev)
			if sev.Current == nil || sev.Current.Overall != 3 || !sev.Current.Final || len(sev.History) != 3 || sev.CanFinal {
				t.Errorf("API severity: %+v", sev)
			}
			// 250,000 users and 26 hours: level 3 by the default guidance.
			if sev.Suggestion.Continuity != 3 {
				t.Errorf("suggested continuity %d, want 3", sev.Suggestion.Continuity)
			}
			body2 := `{"continuity":1,"safety":0,"trust":0,"continuity_reason":"軽微","final":true}`
			if code, resp := w.h.api("POST", "/api/v1/reports/"+incID(rid)+"/severity", tok, body2); code != 403 {
				t.Errorf("ministry final through the API: %d %s", code, resp)
			}
			body2 = `{"continuity":1,"safety":0,"trust":0,"continuity_reason":"軽微"}`
			w.apiJSON(t, "POST", "/api/v1/reports/"+incID(rid)+"/severity", tok, body2, 201, nil)
			if code, _ := w.h.api("POST", "/api/v1/reports/"+incID(rid)+"/severity", w.h.token("admin.op-electricity@demo.example", nil), body2); code != 404 {
				t.Errorf("another operator through the API: %d, want 404", code)
			}
		})
	}
}

// The suggestion follows the sector guidance, which NISC administrators
// edit; nobody else may.
func TestSeverityGuidance(t *testing.T) {
	t.Parallel()
	w := newIncWorld(t, "sqlite")
	started := time.Now().Add(-3 * time.Hour)
	recovered := started.Add(3 * time.Hour)
	rid := w.report(t, incRep{users: 500, started: &started, recovered: &recovered})
	path := "/reports/" + incID(rid) + "/severity"
	nisc := w.h.login("admin.nisc@demo.example")

	// Defaults: 3 hours of outage reaches level 2 (2 hours or more).
	_, body := nisc.get(path)
	incHas(t, "defaults", body, `data-suggested="2"`)

	// Other people may read the guidance but not change it.
	analyst := w.h.login("analyst.nisc@demo.example")
	if code, _ := analyst.get("/severity/guidance"); code != 200 {
		t.Errorf("analyst reads guidance: %d", code)
	}
	if code, _ := analyst.get("/severity/guidance/" + incID(w.sector)); code != 403 {
		t.Errorf("analyst edit form: %d, want 403", code)
	}
	form := func() url.Values {
		return url.Values{"l1_any_outage": {"1"}, "l2_users_affected": {"100"}, "l3_outage_hours": {"2"}, "l4_users_affected": {"1000000"}}
	}
	if code, _, _ := analyst.post("/severity/guidance/"+incID(w.sector), form()); code != 403 {
		t.Errorf("analyst saves guidance: %d, want 403", code)
	}

	// The finance sector gets its own, stricter guidance: 2 hours is level 3.
	if code, _ := nisc.get("/severity/guidance/" + incID(w.sector)); code != 200 {
		t.Fatalf("edit form: %d", code)
	}
	if code, b, loc := nisc.post("/severity/guidance/"+incID(w.sector), form()); code != 303 || loc != "/severity/guidance" {
		t.Fatalf("save guidance: %d %q %s", code, loc, b)
	}
	_, body = nisc.get(path)
	incHas(t, "sector guidance", body, `<fieldset class="sev-view" data-suggested="3"`)
	// A bad number comes back with its level marked.
	if code, body, _ := nisc.post("/severity/guidance/"+incID(w.sector), url.Values{"l2_users_affected": {"many"}}); code != 422 || !strings.Contains(body, "目安の値は 0 以上で入力してください") {
		t.Errorf("bad threshold: %d", code)
	}
	// Back to the defaults.
	if code, _, _ := nisc.post("/severity/guidance/"+incID(w.sector)+"/delete", nil); code != 303 {
		t.Fatalf("reset: %d", code)
	}
	_, body = nisc.get(path)
	incHas(t, "defaults again", body, `<fieldset class="sev-view" data-suggested="2"`)
	acts := w.auditActions(t)
	if incCount(acts, "severity.guidance_update") != 1 || incCount(acts, "severity.guidance_delete") != 1 {
		t.Errorf("guidance changes not audited: %v", acts)
	}

	// The same through the API (sector by code).
	tok := w.h.token("admin.nisc@demo.example", nil)
	w.apiJSON(t, "PUT", "/api/v1/severity/guidance/finance", tok, `{"levels":[{"level":1,"any_outage":true},{"level":3,"outage_hours":1}]}`, 200, nil)
	var g struct {
		Own      bool `json:"own"`
		Guidance struct {
			Levels []map[string]any `json:"levels"`
		} `json:"guidance"`
	}
	w.apiJSON(t, "GET", "/api/v1/severity/guidance/finance", tok, "", 200, &g)
	if !g.Own || len(g.Guidance.Levels) != 2 {
		t.Errorf("guidance through the API: %+v", g)
	}
	if code, _ := w.h.api("PUT", "/api/v1/severity/guidance/finance", w.h.token("analyst.nisc@demo.example", nil), `{"levels":[{"level":1}]}`); code != 403 {
		t.Errorf("analyst PUT guidance: %d, want 403", code)
	}
	if code, _ := w.h.api("DELETE", "/api/v1/severity/guidance/default", tok, ""); code != 422 {
		t.Errorf("deleting the defaults: %d, want 422", code)
	}
}
