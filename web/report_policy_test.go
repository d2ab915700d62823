package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// Who may see and do what with a report, through the real router.
func TestReportPolicy(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			named := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "名義ありの報告", "本文", true))
			draft := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "下書き", "本文", false))
			anon := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, "匿名の報告", "本文", true))

			scenarios := []struct {
				name   string
				method string
				path   string
				tok    string
				body   any
				want   int
			}{
				{"another operator reads a report", "GET", fmt.Sprintf("/api/v1/reports/%d", named), w.otherOpTok, nil, http.StatusNotFound},
				{"another operator reads an anonymous report", "GET", fmt.Sprintf("/api/v1/reports/%d", anon), w.otherOpTok, nil, http.StatusNotFound},
				{"another operator lists attachments", "GET", fmt.Sprintf("/api/v1/reports/%d/attachments", named), w.otherOpTok, nil, http.StatusNotFound},
				{"another operator adds a follow-up", "POST", fmt.Sprintf("/api/v1/reports/%d/updates", named), w.otherOpTok, map[string]any{"title": "x"}, http.StatusNotFound},
				{"the ministry reads a draft", "GET", fmt.Sprintf("/api/v1/reports/%d", draft), w.minTok, nil, http.StatusNotFound},
				{"NISC reads a report still at the ministry", "GET", fmt.Sprintf("/api/v1/reports/%d", named), w.niscTok, nil, http.StatusNotFound},
				{"the ministry reads an anonymous report at the secretariat", "GET", fmt.Sprintf("/api/v1/reports/%d", anon), w.minTok, nil, http.StatusNotFound},
				{"the ministry relays an anonymous report at the secretariat", "POST", fmt.Sprintf("/api/v1/reports/%d/relay", anon), w.minTok, map[string]any{}, http.StatusNotFound},
				{"an executive creates a report", "POST", "/api/v1/reports", w.execTok, w.reportBody(ceptor.RouteMinistry, "x", "", false), http.StatusForbidden},
				{"NISC creates a report", "POST", "/api/v1/reports", w.niscTok, w.reportBody(ceptor.RouteDirect, "x", "", false), http.StatusForbidden},
				{"a read-only token creates a report", "POST", "/api/v1/reports", w.token(w.opEmail, []string{ceptor.ScopeRead}), w.reportBody(ceptor.RouteMinistry, "x", "", false), http.StatusForbidden},
				{"the ministry edits the operator's report", "PATCH", fmt.Sprintf("/api/v1/reports/%d", named), w.minTok, map[string]any{"title": "x"}, http.StatusForbidden},
				{"the secretariat analyst unseals", "POST", fmt.Sprintf("/api/v1/reports/%d/unseal", anon), w.secTok, map[string]any{"reason": "x"}, http.StatusForbidden},
				{"the operator relays its own report", "POST", fmt.Sprintf("/api/v1/reports/%d/relay", named), w.opTok, map[string]any{}, http.StatusForbidden},
				{"the operator edits a sent report", "PATCH", fmt.Sprintf("/api/v1/reports/%d", named), w.opTok, map[string]any{"title": "x"}, http.StatusConflict},
				{"no credentials", "GET", "/api/v1/reports", "", nil, http.StatusUnauthorized},
			}
			for _, sc := range scenarios {
				if code, body := w.call(sc.method, sc.path, sc.tok, sc.body, nil); code != sc.want {
					t.Errorf("%s: %d, want %d\n%s", sc.name, code, sc.want, body)
				}
			}

			// The ministry relays, then may not relay again: it is no longer
			// holding the report.
			w.relay(w.minTok, named, nil)
			if code, body := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/relay", named), w.minTok, map[string]any{}, nil); code != http.StatusForbidden {
				t.Fatalf("relay twice: %d %s", code, body)
			}

			// Pages: another operator gets 404, an executive no form.
			other := w.login(w.otherOpEmail)
			for _, p := range []string{fmt.Sprintf("/reports/%d", named), fmt.Sprintf("/reports/%d", anon), fmt.Sprintf("/reports/%d/followup", named), fmt.Sprintf("/reports/%d/relay", anon)} {
				if code, _ := other.get(p); code != http.StatusNotFound {
					t.Errorf("another operator GET %s: %d", p, code)
				}
			}
			if code, _, _ := other.post(fmt.Sprintf("/reports/%d/close", named), nil); code != http.StatusNotFound {
				t.Errorf("another operator closes: %d", code)
			}
			_, page := other.get("/reports")
			if strings.Contains(page, "名義ありの報告") || strings.Contains(page, "匿名の報告") {
				t.Error("another operator's queue lists the report")
			}
			exec := w.login("executive.operator@demo.example")
			if code, _ := exec.get("/reports/new"); code != http.StatusForbidden {
				t.Errorf("executive opens the form: %d", code)
			}
			if code, _, _ := exec.post("/reports/new", url.Values{"route": {"ministry"}, "title": {"x"}}); code != http.StatusForbidden {
				t.Errorf("executive posts the form: %d", code)
			}
			_, page = exec.get("/reports")
			if strings.Contains(page, `href="/reports/new"`) {
				t.Error("the executive is offered a report form")
			}
			// The ministry cannot open the secretariat's redaction page.
			min := w.login(w.minEmail)
			if code, _ := min.get(fmt.Sprintf("/reports/%d/relay", named)); code != http.StatusNotFound {
				t.Errorf("ministry redaction page: %d", code)
			}
		})
	}
}
