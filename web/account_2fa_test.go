package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/demo"

	"github.com/pquerna/otp/totp"
)

var (
	acctRecoveryRE = regexp.MustCompile(`<li><code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code></li>`)
	acctQRRE       = regexp.MustCompile(`<img class="qr" src="data:image/png;base64,[A-Za-z0-9+/=&#;]{200,}"`)
)

// acctUser reads a user back from storage.
func acctUser(t testing.TB, h *harness, email string) *ceptor.User {
	t.Helper()
	u, err := h.db.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// acctSecret opens the sealed TOTP secret of a user, as the server does.
func acctSecret(t testing.TB, h *harness, email string) string {
	t.Helper()
	u := acctUser(t, h, email)
	if u.TOTPSecret == "" {
		t.Fatalf("%s has no TOTP secret", email)
	}
	b, err := h.sealer.Open(u.TOTPSecret, "totp:"+u.Email)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// acctCode returns the TOTP code of secret at time at.
func acctCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// acctWrongCode returns six digits that match none of the codes accepted now.
func acctWrongCode(t testing.TB, secret string) string {
	t.Helper()
	now := time.Now()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[acctCode(t, secret, now.Add(d))] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", 123456+i)
		if !valid[c] {
			return c
		}
	}
}

// acctSignIn signs in with the password and, when code is not empty, the
// second factor; it returns the client and the final redirect.
func acctSignIn(t testing.TB, h *harness, email, password, code string) (*client, int, string) {
	t.Helper()
	c := h.client()
	c.get("/login")
	status, _, loc := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if code == "" || status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/2fa") {
		return c, status, loc
	}
	c.get("/login/2fa")
	status, _, loc = c.post("/login/2fa", url.Values{"code": {code}, "next": {"/"}})
	return c, status, loc
}

func TestTOTPEnrolment(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			const email = "analyst.operator@demo.example"
			c := h.login(email)

			// Not enrolled: the page explains and offers to start.
			code, body := c.get("/account/2fa")
			if code != 200 || !strings.Contains(body, "設定を開始") || strings.Contains(body, "data:image/png") {
				t.Fatalf("2fa page before setup: %d", code)
			}
			// Verifying without a setup is refused.
			if code, _, _ := c.post("/account/2fa/verify", url.Values{"code": {"123456"}}); code != http.StatusConflict {
				t.Fatalf("verify without setup: %d", code)
			}

			// Start: a sealed secret is stored, not yet enabled; the page shows
			// the QR code and the secret for manual entry.
			code, _, loc := c.post("/account/2fa/setup", nil)
			if code != http.StatusSeeOther || loc != "/account/2fa" {
				t.Fatalf("setup: %d %q", code, loc)
			}
			u := acctUser(t, h, email)
			if u.TOTPEnabled || u.TOTPSecret == "" {
				t.Fatalf("after setup: enabled=%v secret=%q", u.TOTPEnabled, u.TOTPSecret)
			}
			secret := acctSecret(t, h, email)
			if strings.Contains(u.TOTPSecret, secret) {
				t.Fatal("TOTP secret stored in clear")
			}
			_, body = c.get("/account/2fa")
			if !acctQRRE.MatchString(body) {
				t.Fatal("no QR code image")
			}
			if !strings.Contains(strings.ReplaceAll(body, " ", ""), secret) {
				t.Fatal("secret not shown for manual entry")
			}

			// A wrong code is refused, and the enrolment stays pending.
			code, body, _ = c.post("/account/2fa/verify", url.Values{"code": {acctWrongCode(t, secret)}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "コードが正しくない") || !acctQRRE.MatchString(body) {
				t.Fatalf("wrong code: %d", code)
			}
			if acctUser(t, h, email).TOTPEnabled {
				t.Fatal("enabled by a wrong code")
			}

			// The right code enables it and shows ten recovery codes once.
			code, body, _ = c.post("/account/2fa/verify", url.Values{"code": {acctCode(t, secret, time.Now())}})
			if code != 200 {
				t.Fatalf("right code: %d", code)
			}
			m := acctRecoveryRE.FindAllStringSubmatch(body, -1)
			if len(m) != 10 || !strings.Contains(body, `download="ceptor-recovery-codes.txt"`) || !strings.Contains(body, "data:text/plain") {
				t.Fatalf("recovery codes shown: %d", len(m))
			}
			recovery := []string{m[0][1], m[1][1]}
			u = acctUser(t, h, email)
			if n, _ := h.db.CountRecoveryCodes(context.Background(), u.ID); !u.TOTPEnabled || n != 10 {
				t.Fatalf("after enabling: enabled=%v codes=%d", u.TOTPEnabled, n)
			}
			_, body = c.get("/account/2fa")
			if acctRecoveryRE.MatchString(body) || !strings.Contains(body, "残り 10 件") {
				t.Fatal("status page shows codes again or wrong count")
			}
			if !acctAudited(t, h, "user.2fa_enable", u.ID) {
				t.Fatal("user.2fa_enable not audited")
			}
			c.post("/logout", nil)

			// Sign-in now needs the second factor. The code of the enrolment
			// step was used; the next step's is accepted.
			_, _, loc = acctSignIn(t, h, email, demo.DemoPassword, "")
			if !strings.HasPrefix(loc, "/login/2fa") {
				t.Fatalf("password alone went to %q", loc)
			}
			if _, code, loc := acctSignIn(t, h, email, demo.DemoPassword, acctCode(t, secret, time.Now().Add(30*time.Second))); code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("password + TOTP: %d %q", code, loc)
			}

			// A recovery code works once.
			if _, code, loc := acctSignIn(t, h, email, demo.DemoPassword, strings.ToUpper(recovery[0])); code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("recovery code: %d %q", code, loc)
			}
			if _, code, _ := acctSignIn(t, h, email, demo.DemoPassword, recovery[0]); code != http.StatusUnauthorized {
				t.Fatalf("recovery code reused: %d", code)
			}
			if n, _ := h.db.CountRecoveryCodes(context.Background(), u.ID); n != 9 {
				t.Fatalf("codes left after one use: %d", n)
			}

			// Disabling needs the password and a code; then sign-in is
			// password-only again.
			c, _, _ = acctSignIn(t, h, email, demo.DemoPassword, recovery[1])
			c.get("/account/2fa")
			code, body, _ = c.post("/account/2fa/disable", url.Values{"password": {"wrong-password-xyz"}, "code": {m[2][1]}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "現在のパスワードが正しくありません") {
				t.Fatalf("disable with wrong password: %d", code)
			}
			if code, _, _ = c.post("/account/2fa/disable", url.Values{"password": {demo.DemoPassword}, "code": {m[2][1]}}); code != http.StatusSeeOther {
				t.Fatalf("disable: %d", code)
			}
			u = acctUser(t, h, email)
			if n, _ := h.db.CountRecoveryCodes(context.Background(), u.ID); u.TOTPEnabled || u.TOTPSecret != "" || n != 0 {
				t.Fatalf("after disable: enabled=%v secret=%q codes=%d", u.TOTPEnabled, u.TOTPSecret, n)
			}
		})
	}
}

func TestTOTPRecoveryCodeRegeneration(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	now := time.Now()
	c, code, _ := acctSignIn(t, h, demo.MFAEmail, demo.DemoPassword, acctCode(t, demo.DemoTOTPSecret, now))
	if code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	c.get("/account/2fa")
	// The code just used for signing in cannot be used again.
	if code, _, _ := c.post("/account/2fa/recovery-codes", url.Values{"code": {acctCode(t, demo.DemoTOTPSecret, now)}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("replayed code: %d", code)
	}
	code, body, _ := c.post("/account/2fa/recovery-codes", url.Values{"code": {acctCode(t, demo.DemoTOTPSecret, now.Add(30*time.Second))}})
	if code != 200 || len(acctRecoveryRE.FindAllString(body, -1)) != 10 {
		t.Fatalf("regenerate: %d", code)
	}
	u := acctUser(t, h, demo.MFAEmail)
	if !acctAudited(t, h, "user.2fa_recovery_codes", u.ID) {
		t.Fatal("regeneration not audited")
	}
}

func TestOrgRequired2FA(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	const email = "executive.operator@demo.example"
	u := acctUser(t, h, email)
	o, err := h.db.FindOrg(ctx, u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	tok := h.token(email, []string{"read"})
	if code, _ := h.api("GET", "/api/v1/reports", tok, ""); code != 200 {
		t.Fatalf("token before the requirement: %d", code)
	}
	o.Require2FA = true
	if err := h.db.UpdateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}

	// A token of someone without a second factor opens nothing, and says
	// why.
	code, body := h.api("GET", "/api/v1/reports", tok, "")
	if code != http.StatusForbidden || !strings.Contains(body, "token_2fa_required") && !strings.Contains(body, "二要素認証") {
		t.Fatalf("token under the requirement: %d %s", code, body)
	}

	// After the password, the person is sent to enrol, and every other
	// page sends them back there with an explanation.
	c, code, loc := acctSignIn(t, h, email, demo.DemoPassword, "")
	if code != http.StatusSeeOther || loc != "/account/2fa" {
		t.Fatalf("sign-in: %d %q", code, loc)
	}
	for _, p := range []string{"/", "/account", "/account/tokens", "/admin/users"} {
		if code, _ := c.get(p); code != http.StatusSeeOther {
			t.Errorf("%s reachable before enrolment: %d", p, code)
		}
	}
	code, body = c.get("/account/2fa")
	if code != 200 || !strings.Contains(body, "二要素認証の設定が必要です") || !strings.Contains(body, o.Name) {
		t.Fatalf("notice missing: %d", code)
	}

	// Enrolment works under the redirect, and then the rest opens up.
	c.post("/account/2fa/setup", nil)
	secret := acctSecret(t, h, email)
	if code, _, _ := c.post("/account/2fa/verify", url.Values{"code": {acctCode(t, secret, time.Now())}}); code != 200 {
		t.Fatalf("verify: %d", code)
	}
	if code, _ := c.get("/"); code != 200 {
		t.Fatalf("dashboard after enrolment: %d", code)
	}
	if code, _ := h.api("GET", "/api/v1/reports", tok, ""); code != 200 {
		t.Fatalf("token after enrolment: %d", code)
	}

	// Disabling is refused while the organisation requires it, with the
	// reason.
	code, body = c.get("/account/2fa")
	if !strings.Contains(body, "必須のため、無効にできません") || strings.Contains(body, `action="/account/2fa/disable"`) {
		t.Fatal("disable form offered although the organisation requires 2FA")
	}
	code, body, _ = c.post("/account/2fa/disable", url.Values{"password": {demo.DemoPassword}, "code": {acctCode(t, secret, time.Now().Add(30*time.Second))}})
	if code != http.StatusForbidden || !strings.Contains(body, "必須のため") {
		t.Fatalf("disable under requirement: %d", code)
	}
	if !acctUser(t, h, email).TOTPEnabled {
		t.Fatal("2FA turned off against the organisation's rule")
	}
}

// acctAudited reports whether the log has an entry with action about user
// id (as object).
func acctAudited(t testing.TB, h *harness, action string, userID int64) bool {
	t.Helper()
	list, err := h.db.ListAudit(context.Background(), ceptor.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Action == action && (e.ObjectID == fmt.Sprint(userID) || e.ActorUserID == userID) {
			return true
		}
	}
	return false
}
