package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ceptor/demo"

	"github.com/pquerna/otp/totp"
)

func TestSignInFlows(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)

			// Anonymous visitors are sent to sign in.
			c := h.client()
			code, _ := c.get("/")
			if code != http.StatusSeeOther {
				t.Fatalf("anonymous / = %d", code)
			}

			// Wrong password: a clear Japanese error, no session.
			c.get("/login")
			code, body, _ := c.post("/login", url.Values{"email": {"admin.nisc@demo.example"}, "password": {"wrong-password-123"}})
			if code != http.StatusUnauthorized || !strings.Contains(body, "メールアドレスまたはパスワードが正しくありません") {
				t.Fatalf("wrong password: %d", code)
			}

			// A form without the CSRF token is refused.
			code, _, _ = c.post("/login", url.Values{"csrf": {"forged"}, "email": {"admin.nisc@demo.example"}, "password": {demo.DemoPassword}})
			if code != http.StatusForbidden {
				t.Fatalf("forged csrf: %d", code)
			}

			// Password sign-in, dashboard, English switch, sign-out.
			c = h.login("admin.nisc@demo.example")
			code, body = c.get("/")
			if code != 200 || !strings.Contains(body, "ダッシュボード") || !strings.Contains(body, "監査ログ") {
				t.Fatalf("dashboard: %d", code)
			}
			code, _, loc := c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
			if code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("lang switch %d %q", code, loc)
			}
			_, body = c.get("/")
			if !strings.Contains(body, "Dashboard") || !strings.Contains(body, `lang="en"`) {
				t.Fatal("English not applied")
			}
			code, _, loc = c.post("/logout", nil)
			if code != http.StatusSeeOther || loc != "/login" {
				t.Fatalf("logout %d %q", code, loc)
			}
			if code, _ = c.get("/"); code != http.StatusSeeOther {
				t.Fatal("still signed in after logout")
			}

			// TOTP: password first, then the code; a replayed code is refused.
			m := h.client()
			m.get("/login")
			code, _, loc = m.post("/login", url.Values{"email": {demo.MFAEmail}, "password": {demo.DemoPassword}})
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/2fa") {
				t.Fatalf("mfa step one: %d %q", code, loc)
			}
			if code, _ = m.get("/"); code != http.StatusSeeOther {
				t.Fatal("dashboard reachable before the second factor")
			}
			m.get("/login/2fa")
			otp, _ := totp.GenerateCode(demo.DemoTOTPSecret, time.Now())
			code, body, _ = m.post("/login/2fa", url.Values{"code": {"000000"}})
			if code != http.StatusUnauthorized || !strings.Contains(body, "コードが正しくない") {
				t.Fatalf("bad code: %d", code)
			}
			code, _, loc = m.post("/login/2fa", url.Values{"code": {otp}, "next": {"/"}})
			if code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("good code: %d %q", code, loc)
			}
			if code, _ = m.get("/"); code != 200 {
				t.Fatal("not signed in after 2FA")
			}
			// Replay in a new browser.
			r := h.client()
			r.get("/login")
			r.post("/login", url.Values{"email": {demo.MFAEmail}, "password": {demo.DemoPassword}})
			r.get("/login/2fa")
			if code, _, _ = r.post("/login/2fa", url.Values{"code": {otp}}); code != http.StatusUnauthorized {
				t.Fatalf("replayed TOTP accepted: %d", code)
			}
		})
	}
}

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	c := h.client()
	c.get("/login")
	for i := 0; i < 5; i++ {
		c.post("/login", url.Values{"email": {"analyst.operator@demo.example"}, "password": {"not-the-password"}})
	}
	code, body, _ := c.post("/login", url.Values{"email": {"analyst.operator@demo.example"}, "password": {demo.DemoPassword}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "ロック") {
		t.Fatalf("locked account signed in: %d", code)
	}
}

func TestOperationalEndpointsAndHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	c := h.client()
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _ := c.get(p); code != 200 {
			t.Fatalf("%s = %d", p, code)
		}
	}
	req, _ := http.NewRequest("GET", h.ts.URL+"/login", nil)
	_, _, hdr := c.do(req)
	csp := hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("X-Frame-Options") != "DENY" {
		t.Fatal("security headers missing")
	}
	_, body := c.get("/metrics")
	if !strings.Contains(body, "ceptor_http_requests_total") || !strings.Contains(body, "go_sql_max_open_connections") {
		t.Fatal("metrics missing")
	}
	code, body := c.get("/no/such/page")
	if code != http.StatusNotFound || !strings.Contains(body, "ページが見つかりません") {
		t.Fatalf("404 page: %d", code)
	}
}
