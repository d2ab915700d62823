package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"ceptor/web"
)

// With the token cache on (as `ceptor serve` runs), every change made
// through the server that alters what a token stands for takes effect at
// once: revoking it, changing the person's role, disabling the person.
func TestTokenCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, "sqlite", func(c *web.Config) { c.TokenCacheTTL = time.Hour })
	const email = "analyst.operator@demo.example"
	u := acctUser(t, h, email)
	admin := h.login("admin.operator@demo.example")

	// Revoked: refused at the next request, although remembered.
	tok := h.token(email, nil)
	for range 2 {
		if code, _ := h.api("GET", "/api/v1/me", tok, ""); code != 200 {
			t.Fatalf("fresh token: %d", code)
		}
	}
	var me acctMe
	_, body := h.api("GET", "/api/v1/me", tok, "")
	acctJSON(t, body, &me)
	if code, _, _ := admin.post(fmt.Sprintf("/admin/users/%d/tokens/%d/revoke", u.ID, me.Auth.Token.ID), nil); code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := h.api("GET", "/api/v1/me", tok, ""); code != http.StatusUnauthorized {
		t.Fatalf("revoked token still accepted: %d", code)
	}

	// A new role shows at once.
	tok = h.token(email, nil)
	_, body = h.api("GET", "/api/v1/me", tok, "")
	acctJSON(t, body, &me)
	if me.User.Role != "analyst" {
		t.Fatalf("role %q", me.User.Role)
	}
	if code, _, _ := admin.post(fmt.Sprintf("/admin/users/%d", u.ID), url.Values{"name": {u.Name}, "role": {"executive"}, "lang": {"ja"}}); code != http.StatusSeeOther {
		t.Fatalf("role change: %d", code)
	}
	_, body = h.api("GET", "/api/v1/me", tok, "")
	acctJSON(t, body, &me)
	if me.User.Role != "executive" {
		t.Fatalf("role after the change: %q", me.User.Role)
	}

	// Disabled: refused at once.
	if code, _, _ := admin.post(fmt.Sprintf("/admin/users/%d/disable", u.ID), nil); code != http.StatusSeeOther {
		t.Fatalf("disable: %d", code)
	}
	if code, _ := h.api("GET", "/api/v1/me", tok, ""); code != http.StatusUnauthorized {
		t.Fatalf("disabled person's token still accepted: %d", code)
	}
}
