package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var acctTokenRE = regexp.MustCompile(`id="token-secret">(cpt_[a-z2-7]+)<`)

// acctJSON decodes an API answer or fails the test.
func acctJSON(t testing.TB, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

type acctMe struct {
	User struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"user"`
	Organization struct {
		ID        int64   `json:"id"`
		Type      string  `json:"type"`
		SectorIDs []int64 `json:"sector_ids"`
		CeptorIDs []int64 `json:"ceptor_ids"`
	} `json:"organization"`
	Auth struct {
		Method        string   `json:"method"`
		Scopes        []string `json:"scopes"`
		AllowedScopes []string `json:"allowed_scopes"`
		Token         *struct {
			ID     int64  `json:"id"`
			Prefix string `json:"prefix"`
		} `json:"token"`
	} `json:"auth"`
	Relationships struct {
		RunsCeptors     []int64 `json:"runs_ceptors"`
		OverseesSectors []int64 `json:"oversees_sectors"`
		Sectors         []struct {
			ID int64 `json:"id"`
		} `json:"sectors"`
		Ceptors []struct {
			ID int64 `json:"id"`
		} `json:"ceptors"`
	} `json:"relationships"`
	Capabilities map[string]bool `json:"capabilities"`
}

type acctTokenList struct {
	Items []struct {
		ID     int64    `json:"id"`
		Name   string   `json:"name"`
		Prefix string   `json:"prefix"`
		Scopes []string `json:"scopes"`
		Status string   `json:"status"`
		Hash   string   `json:"hash"`
	} `json:"items"`
}

func TestTokensUI(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			c := h.login("analyst.operator@demo.example")

			// Only the role's scopes are offered.
			code, body := c.get("/account/tokens")
			if code != 200 || !strings.Contains(body, `value="read"`) || !strings.Contains(body, `value="write"`) || strings.Contains(body, `value="admin"`) {
				t.Fatalf("token page: %d", code)
			}
			if !strings.Contains(body, "発行済みのトークンはありません") {
				t.Fatal("empty state missing")
			}

			// Refusals keep the form.
			for _, tc := range []struct {
				name   string
				form   url.Values
				expect string
			}{
				{"scope beyond role", url.Values{"name": {"x"}, "scopes": {"admin"}}, "付与できないスコープ"},
				{"unknown scope", url.Values{"name": {"x"}, "scopes": {"root"}}, "付与できないスコープ"},
				{"no scope", url.Values{"name": {"x"}}, "スコープを1つ以上"},
				{"no name", url.Values{"scopes": {"read"}}, "入力してください"},
				{"days out of range", url.Values{"name": {"x"}, "scopes": {"read"}, "days": {"9999"}}, "1〜730"},
				{"days not a number", url.Values{"name": {"x"}, "scopes": {"read"}, "days": {"soon"}}, "1〜730"},
			} {
				code, body, _ := c.post("/account/tokens", tc.form)
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.expect) {
					t.Errorf("%s: %d, want 422 with %q", tc.name, code, tc.expect)
				}
			}

			// Creation shows the secret once, with usage examples.
			code, body, _ = c.post("/account/tokens", url.Values{"name": {"SOC連携"}, "scopes": {"read"}, "days": {"30"}})
			m := acctTokenRE.FindStringSubmatch(body)
			if code != 200 || m == nil || !strings.Contains(body, `data-copy="#token-secret"`) || !strings.Contains(body, "Authorization: Bearer "+m[1]) {
				t.Fatalf("create: %d", code)
			}
			secret := m[1]
			_, body = c.get("/account/tokens")
			if strings.Contains(body, secret) || !strings.Contains(body, "SOC連携") || !strings.Contains(body, secret[:12]) {
				t.Fatal("list shows the secret or misses the token")
			}

			// The token works, with its scope.
			code, body = h.api("GET", "/api/v1/me", secret, "")
			var me acctMe
			acctJSON(t, body, &me)
			if code != 200 || me.Auth.Method != "token" || !slices.Equal(me.Auth.Scopes, []string{"read"}) || me.Auth.Token == nil {
				t.Fatalf("me with new token: %d %s", code, body)
			}

			// Revoke it: it stops working at once.
			code, _, loc := c.post(fmt.Sprintf("/account/tokens/%d/revoke", me.Auth.Token.ID), nil)
			if code != http.StatusSeeOther || loc != "/account/tokens" {
				t.Fatalf("revoke: %d %q", code, loc)
			}
			if code, _ := h.api("GET", "/api/v1/me", secret, ""); code != http.StatusUnauthorized {
				t.Fatalf("revoked token: %d", code)
			}
			if _, body = c.get("/account/tokens"); !strings.Contains(body, "失効") {
				t.Fatal("revoked status not shown")
			}
			u := acctUser(t, h, "analyst.operator@demo.example")
			if !acctAudited(t, h, "token.create", u.ID) || !acctAudited(t, h, "token.revoke", u.ID) {
				t.Fatal("token changes not audited")
			}

			// Someone else's token cannot be revoked from this page.
			nisc := h.token("admin.nisc@demo.example", []string{"read"})
			_, body = h.api("GET", "/api/v1/me", nisc, "")
			acctJSON(t, body, &me)
			if code, _, _ := c.post(fmt.Sprintf("/account/tokens/%d/revoke", me.Auth.Token.ID), nil); code != http.StatusNotFound {
				t.Fatalf("revoking another's token: %d", code)
			}
			if code, _ := h.api("GET", "/api/v1/me", nisc, ""); code != 200 {
				t.Fatal("another's token was revoked")
			}
		})
	}
}

func TestTokensAPI(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			admin := h.token("admin.operator@demo.example", []string{"read", "admin"})
			read := h.token("analyst.operator@demo.example", []string{"read"})

			// Decision: creating a token needs a browser session or a token
			// with the admin scope; a read token may list but not create.
			if code, body := h.api("GET", "/api/v1/tokens", read, ""); code != 200 || !strings.Contains(body, `"status":"active"`) || strings.Contains(body, `"hash"`) {
				t.Fatalf("list with read token: %d %s", code, body)
			}
			code, body := h.api("POST", "/api/v1/tokens", read, `{"name":"x","scopes":["read"]}`)
			if code != http.StatusForbidden || !strings.Contains(body, `"code":"forbidden"`) {
				t.Fatalf("create with read token: %d %s", code, body)
			}

			for _, tc := range []struct {
				name, body string
				status     int
				field      string
			}{
				{"ok", `{"name":"CI","scopes":["read"],"expires_in_days":7}`, 201, ""},
				{"scope the token lacks", `{"name":"CI","scopes":["write"]}`, 422, "scopes"},
				{"no name", `{"scopes":["read"]}`, 422, "name"},
				{"negative days", `{"name":"CI","scopes":["read"],"expires_in_days":-1}`, 422, "expires_in_days"},
				{"unknown field", `{"name":"CI","scopes":["read"],"owner":1}`, 422, ""},
			} {
				code, body := h.api("POST", "/api/v1/tokens", admin, tc.body)
				if code != tc.status || tc.field != "" && !strings.Contains(body, `"`+tc.field+`":`) {
					t.Errorf("%s: %d %s", tc.name, code, body)
				}
			}

			// The created token: secret once, then usable, then revoked.
			_, body = h.api("POST", "/api/v1/tokens", admin, `{"name":"deploy","scopes":["read","admin"],"expires_in_days":1}`)
			var created struct {
				Token struct {
					ID        int64    `json:"id"`
					Scopes    []string `json:"scopes"`
					ExpiresAt string   `json:"expires_at"`
				} `json:"token"`
				Secret string `json:"secret"`
			}
			acctJSON(t, body, &created)
			if !strings.HasPrefix(created.Secret, "cpt_") || created.Token.ExpiresAt == "" || !slices.Equal(created.Token.Scopes, []string{"read", "admin"}) {
				t.Fatalf("created: %s", body)
			}
			if code, _ := h.api("GET", "/api/v1/me", created.Secret, ""); code != 200 {
				t.Fatalf("new token: %d", code)
			}
			if code, _ := h.api("DELETE", fmt.Sprintf("/api/v1/tokens/%d", created.Token.ID), admin, ""); code != http.StatusNoContent {
				t.Fatalf("delete: %d", code)
			}
			if code, _ := h.api("GET", "/api/v1/me", created.Secret, ""); code != http.StatusUnauthorized {
				t.Fatalf("deleted token: %d", code)
			}

			// An administrator may list and revoke the tokens of their own
			// organisation's people, not anyone else's (404: not visible).
			analyst := acctUser(t, h, "analyst.operator@demo.example")
			code, body = h.api("GET", fmt.Sprintf("/api/v1/tokens?user_id=%d", analyst.ID), admin, "")
			var list acctTokenList
			acctJSON(t, body, &list)
			if code != 200 || len(list.Items) != 1 {
				t.Fatalf("admin lists analyst's tokens: %d %s", code, body)
			}
			niscTok := h.token("analyst.nisc@demo.example", []string{"read"})
			_, body = h.api("GET", "/api/v1/me", niscTok, "")
			var me acctMe
			acctJSON(t, body, &me)
			if code, _ := h.api("DELETE", fmt.Sprintf("/api/v1/tokens/%d", me.Auth.Token.ID), admin, ""); code != http.StatusNotFound {
				t.Fatalf("operator admin revoking a NISC token: %d", code)
			}
			if code, _ := h.api("GET", fmt.Sprintf("/api/v1/tokens?user_id=%d", me.User.ID), admin, ""); code != http.StatusNotFound {
				t.Fatalf("operator admin listing NISC tokens: %d", code)
			}
			if code, _ := h.api("DELETE", fmt.Sprintf("/api/v1/tokens/%d", list.Items[0].ID), admin, ""); code != http.StatusNoContent {
				t.Fatalf("admin revoking own org's token: %d", code)
			}
			if code, _ := h.api("GET", "/api/v1/me", read, ""); code != http.StatusUnauthorized {
				t.Fatalf("token revoked by admin still works: %d", code)
			}
			if code, _ := h.api("DELETE", "/api/v1/tokens/999999", admin, ""); code != http.StatusNotFound {
				t.Fatalf("unknown token: %d", code)
			}
		})
	}
}

func TestMeForEachOrgType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	if code, _ := h.api("GET", "/api/v1/me", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous /me: %d", code)
	}
	if code, _ := h.api("GET", "/api/v1/me", "cpt_notarealtoken", ""); code != http.StatusUnauthorized {
		t.Fatalf("bad token /me: %d", code)
	}
	for _, tc := range []struct {
		typ     string
		check   func(m acctMe) bool
		usersAt bool // may the admin of this type see every organisation's people
	}{
		{"nisc", func(m acctMe) bool { return m.Capabilities["audit.verify"] == (m.User.Role == "admin") }, true},
		{"ministry", func(m acctMe) bool {
			return len(m.Relationships.OverseesSectors) > 0 && len(m.Relationships.RunsCeptors) == 0
		}, false},
		{"secretariat", func(m acctMe) bool {
			return len(m.Relationships.RunsCeptors) > 0 && len(m.Relationships.OverseesSectors) == 0
		}, false},
		{"council", func(m acctMe) bool { return len(m.Relationships.RunsCeptors) == 0 }, false},
		{"operator", func(m acctMe) bool {
			return len(m.Organization.CeptorIDs) > 0 && len(m.Relationships.Ceptors) == len(m.Organization.CeptorIDs) && len(m.Relationships.Sectors) > 0
		}, false},
		{"security", func(m acctMe) bool { return len(m.Relationships.OverseesSectors) == 0 }, false},
		{"response", func(m acctMe) bool { return len(m.Relationships.OverseesSectors) == 0 }, false},
		{"supplier", func(m acctMe) bool { return !m.Capabilities["registry.export"] }, false},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			for _, role := range []string{"admin", "executive"} {
				email := role + "." + tc.typ + "@demo.example"
				tok := h.token(email, []string{"read"})
				code, body := h.api("GET", "/api/v1/me", tok, "")
				var m acctMe
				acctJSON(t, body, &m)
				if code != 200 || m.User.Email != email || m.User.Role != role || m.Organization.Type != tc.typ {
					t.Fatalf("%s: %d %s", email, code, body)
				}
				if m.Auth.Method != "token" || !slices.Equal(m.Auth.Scopes, []string{"read"}) || m.Auth.Token == nil || m.Auth.Token.Prefix != tok[:12] {
					t.Errorf("%s: auth %+v", email, m.Auth)
				}
				if !tc.check(m) {
					t.Errorf("%s: relationships %+v capabilities %v", email, m.Relationships, m.Capabilities)
				}
				// Capabilities follow the policy and the token's scopes.
				if m.Capabilities["users.create"] || m.Capabilities["tokens.create"] {
					t.Errorf("%s: a read token reports write capabilities", email)
				}
				if got := m.Capabilities["users.view"]; got != (role == "admin") {
					t.Errorf("%s: users.view = %v", email, got)
				}
				if got := m.Capabilities["users.view_all"]; got != (role == "admin" && tc.usersAt) {
					t.Errorf("%s: users.view_all = %v", email, got)
				}
				wantAllowed := map[string]int{"admin": 3, "executive": 1}[role]
				if len(m.Auth.AllowedScopes) != wantAllowed {
					t.Errorf("%s: allowed scopes %v", email, m.Auth.AllowedScopes)
				}
			}
		})
	}

	// From a browser session: no scopes, everything the role allows.
	c := h.login("admin.secretariat@demo.example")
	code, body := c.get("/api/v1/me")
	var m acctMe
	acctJSON(t, body, &m)
	if code != 200 || m.Auth.Method != "session" || m.Auth.Scopes != nil || !m.Capabilities["users.create"] || !m.Capabilities["tokens.create"] {
		t.Fatalf("session /me: %d %s", code, body)
	}
}
