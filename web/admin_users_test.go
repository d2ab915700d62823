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
)

var adminPasswordRE = regexp.MustCompile(`id="new-password">([^<]+)<`)

type adminUserList struct {
	Items []struct {
		ID    int64  `json:"id"`
		OrgID int64  `json:"org_id"`
		Email string `json:"email"`
	} `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next"`
}

func TestUserAdminPermissions(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			niscAdmin := acctUser(t, h, "admin.nisc@demo.example")
			opAdmin := acctUser(t, h, "admin.operator@demo.example")
			opAnalyst := acctUser(t, h, "analyst.operator@demo.example")

			// Who may open the list, and what they see.
			for _, tc := range []struct {
				email  string
				status int
				sees   []string
				hidden []string
			}{
				{"admin.nisc@demo.example", 200, []string{"admin.operator@demo.example", "auditor.supplier@demo.example"}, nil},
				{"auditor.nisc@demo.example", 200, []string{"admin.operator@demo.example"}, nil},
				{"admin.operator@demo.example", 200, []string{"analyst.operator@demo.example", demo.MFAEmail}, []string{"admin.nisc@demo.example", "admin.ministry@demo.example"}},
				{"auditor.operator@demo.example", 200, []string{"analyst.operator@demo.example"}, []string{"admin.nisc@demo.example"}},
				{"analyst.operator@demo.example", 403, nil, nil},
				{"executive.nisc@demo.example", 403, nil, nil},
			} {
				c := h.login(tc.email)
				if code, _ := c.get("/admin/users"); code != tc.status {
					t.Errorf("%s: /admin/users = %d, want %d", tc.email, code, tc.status)
					continue
				}
				for _, e := range tc.sees {
					if _, body := c.get("/admin/users?q=" + url.QueryEscape(e)); !strings.Contains(body, ">"+e+"</a>") {
						t.Errorf("%s does not see %s", tc.email, e)
					}
				}
				for _, e := range tc.hidden {
					if _, body := c.get("/admin/users?q=" + url.QueryEscape(e)); strings.Contains(body, ">"+e+"</a>") {
						t.Errorf("%s sees %s", tc.email, e)
					}
				}
			}

			// Another organisation's person does not exist for an operator admin.
			op := h.login("admin.operator@demo.example")
			if code, _ := op.get(fmt.Sprintf("/admin/users/%d", niscAdmin.ID)); code != http.StatusNotFound {
				t.Fatalf("operator admin opens a NISC user: %d", code)
			}
			if code, _, _ := op.post(fmt.Sprintf("/admin/users/%d/disable", niscAdmin.ID), nil); code != http.StatusNotFound {
				t.Fatalf("operator admin disables a NISC user: %d", code)
			}
			opTok := h.token("admin.operator@demo.example", nil)
			if code, _ := h.api("GET", fmt.Sprintf("/api/v1/users/%d", niscAdmin.ID), opTok, ""); code != http.StatusNotFound {
				t.Fatalf("API: operator admin reads a NISC user: %d", code)
			}
			if code, _ := h.api("PATCH", fmt.Sprintf("/api/v1/users/%d", niscAdmin.ID), opTok, `{"name":"x"}`); code != http.StatusNotFound {
				t.Fatalf("API: operator admin changes a NISC user: %d", code)
			}
			code, body := h.api("GET", "/api/v1/users", opTok, "")
			var list adminUserList
			acctJSON(t, body, &list)
			if code != 200 || len(list.Items) == 0 || list.Total != len(list.Items) {
				t.Fatalf("API list: %d %s", code, body)
			}
			for _, u := range list.Items {
				if u.OrgID != opAdmin.OrgID {
					t.Errorf("operator admin lists %s of org %d", u.Email, u.OrgID)
				}
			}
			if code, _ := h.api("GET", fmt.Sprintf("/api/v1/users?org_id=%d", niscAdmin.OrgID), opTok, ""); code != http.StatusForbidden {
				t.Errorf("API list of another organisation: %d", code)
			}

			// An auditor sees a colleague but cannot change anything.
			aud := h.login("auditor.operator@demo.example")
			code, body = aud.get(fmt.Sprintf("/admin/users/%d", opAnalyst.ID))
			if code != 200 || strings.Contains(body, "/disable") || strings.Contains(body, `name="role"`) {
				t.Fatalf("auditor's view of a user: %d", code)
			}
			if code, _, _ := aud.post(fmt.Sprintf("/admin/users/%d/disable", opAnalyst.ID), nil); code != http.StatusForbidden {
				t.Fatalf("auditor disables: %d", code)
			}

			// An executive cannot create users.
			ex := h.login("executive.operator@demo.example")
			if code, _ := ex.get("/admin/users/new"); code != http.StatusForbidden {
				t.Fatalf("executive opens the new-user form: %d", code)
			}
			exTok := h.token("executive.operator@demo.example", nil)
			if code, _ := h.api("POST", "/api/v1/users", exTok, `{"email":"x@example.jp","name":"x","role":"analyst","password":"a-long-enough-passphrase"}`); code != http.StatusForbidden {
				t.Fatalf("API: executive creates a user: %d", code)
			}
			// Neither can an operator admin in another organisation.
			if code, _ := h.api("POST", "/api/v1/users", opTok, fmt.Sprintf(`{"org_id":%d,"email":"x@example.jp","name":"x","role":"analyst","password":"a-long-enough-passphrase"}`, niscAdmin.OrgID)); code != http.StatusForbidden {
				t.Fatalf("API: operator admin creates a NISC user: %d", code)
			}

			// Administrators cannot lock themselves out.
			code, body, _ = op.post(fmt.Sprintf("/admin/users/%d/disable", opAdmin.ID), nil)
			if code != http.StatusForbidden || !strings.Contains(body, "自分自身") {
				t.Fatalf("admin disables self: %d", code)
			}
			code, _, _ = op.post(fmt.Sprintf("/admin/users/%d", opAdmin.ID), url.Values{"name": {opAdmin.Name}, "role": {"analyst"}, "lang": {"ja"}})
			if code != http.StatusForbidden {
				t.Fatalf("admin demotes self: %d", code)
			}
			for _, body := range []string{`{"disabled":true}`, `{"role":"executive"}`} {
				if code, _ := h.api("PATCH", fmt.Sprintf("/api/v1/users/%d", opAdmin.ID), opTok, body); code != http.StatusForbidden {
					t.Errorf("API self-change %s: %d", body, code)
				}
			}
			if u := acctUser(t, h, "admin.operator@demo.example"); u.Disabled || u.Role != ceptor.RoleAdmin {
				t.Fatal("admin locked themselves out")
			}
		})
	}
}

func TestUserAdminChanges(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			ctx := context.Background()
			nisc := h.login("admin.nisc@demo.example")
			opAdmin := acctUser(t, h, "admin.operator@demo.example")

			// NISC creates a user in an operator with a generated password,
			// shown once; the person can sign in with it.
			code, body := nisc.get(fmt.Sprintf("/admin/users/new?org_id=%d", opAdmin.OrgID))
			if code != 200 || !strings.Contains(body, "<optgroup") {
				t.Fatalf("new-user form: %d", code)
			}
			code, body, _ = nisc.post("/admin/users/new", url.Values{"org_id": {fmt.Sprint(opAdmin.OrgID)}, "email": {"New.Person@Bank.example"},
				"name": {"新規 太郎"}, "role": {"analyst"}, "lang": {"ja"}, "pw_mode": {"generate"}})
			m := adminPasswordRE.FindStringSubmatch(body)
			if code != 200 || m == nil {
				t.Fatalf("create: %d", code)
			}
			created := acctUser(t, h, "new.person@bank.example")
			if created.OrgID != opAdmin.OrgID || created.Role != ceptor.RoleAnalyst {
				t.Fatalf("created %+v", created)
			}
			if _, code, loc := acctSignIn(t, h, "new.person@bank.example", m[1], ""); code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("sign in with generated password: %d %q", code, loc)
			}
			if !acctAudited(t, h, "user.create", created.ID) {
				t.Fatal("user.create not audited")
			}
			// The same address again, and a typed password that breaks the rules.
			for _, tc := range []struct {
				form   url.Values
				expect string
			}{
				{url.Values{"email": {"new.person@bank.example"}, "name": {"x"}, "role": {"analyst"}, "pw_mode": {"generate"}, "org_id": {fmt.Sprint(opAdmin.OrgID)}}, "既に登録されています"},
				{url.Values{"email": {"b@bank.example"}, "name": {"x"}, "role": {"analyst"}, "pw_mode": {"set"}, "password": {"short"}, "password_confirm": {"short"}}, "12文字以上"},
				{url.Values{"email": {"b@bank.example"}, "name": {"x"}, "role": {"analyst"}, "pw_mode": {"set"}, "password": {"a-long-enough-passphrase"}, "password_confirm": {"other"}}, "一致しません"},
				{url.Values{"email": {"not-an-address"}, "name": {""}, "role": {"boss"}, "pw_mode": {"generate"}}, "ロールが正しくありません"},
				{url.Values{"email": {"c@bank.example"}, "name": {"x"}, "role": {"analyst"}, "pw_mode": {"generate"}, "org_id": {"99999"}}, "組織を選択してください"},
			} {
				code, body, _ := nisc.post("/admin/users/new", tc.form)
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.expect) {
					t.Errorf("%v: %d, want 422 with %q", tc.form, code, tc.expect)
				}
			}
			// A typed password: redirect to the user's page.
			code, _, loc := nisc.post("/admin/users/new", url.Values{"email": {"typed@bank.example"}, "name": {"入力 花子"}, "role": {"auditor"},
				"pw_mode": {"set"}, "password": {"桜並木を歩いた春の日の午後"}, "password_confirm": {"桜並木を歩いた春の日の午後"}})
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/users/") {
				t.Fatalf("create with typed password: %d %q", code, loc)
			}

			// NISC creates users anywhere through the API too.
			tok := h.token("admin.nisc@demo.example", nil)
			supplier := acctUser(t, h, "admin.supplier@demo.example")
			code, body = h.api("POST", "/api/v1/users", tok, fmt.Sprintf(`{"org_id":%d,"email":"api.user@cloud.example","name":"API 利用者","role":"executive","password":"夜明け前の静かな港町で待つ"}`, supplier.OrgID))
			if code != http.StatusCreated || !strings.Contains(body, `"org_id":`+fmt.Sprint(supplier.OrgID)) || strings.Contains(body, "password") {
				t.Fatalf("API create: %d %s", code, body)
			}
			code, body = h.api("POST", "/api/v1/users", tok, `{"email":"weak@nisc.example","name":"x","role":"analyst","password":"password"}`)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"password":`) {
				t.Fatalf("API create with weak password: %d %s", code, body)
			}

			// Edit, disable (ends sessions), enable.
			victim := h.login("analyst.operator@demo.example")
			vu := acctUser(t, h, "analyst.operator@demo.example")
			op := h.login("admin.operator@demo.example")
			base := fmt.Sprintf("/admin/users/%d", vu.ID)
			op.get(base)
			if code, _, _ := op.post(base, url.Values{"name": {"改名 次郎"}, "role": {"executive"}, "lang": {"en"}}); code != http.StatusSeeOther {
				t.Fatalf("edit: %d", code)
			}
			if u := acctUser(t, h, vu.Email); u.Name != "改名 次郎" || u.Role != ceptor.RoleExecutive || u.Lang != "en" {
				t.Fatalf("edit not stored: %+v", u)
			}
			if code, body, _ := op.post(base, url.Values{"name": {""}, "role": {"executive"}, "lang": {"en"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "入力してください") {
				t.Fatalf("edit with empty name: %d", code)
			}
			if code, _, _ := op.post(base+"/disable", nil); code != http.StatusSeeOther {
				t.Fatalf("disable: %d", code)
			}
			if code, _ := victim.get("/"); code != http.StatusSeeOther {
				t.Fatal("disabled user's session still works")
			}
			if _, code, _ := acctSignIn(t, h, vu.Email, demo.DemoPassword, ""); code != http.StatusUnauthorized {
				t.Fatalf("disabled user signs in: %d", code)
			}
			if code, _, _ := op.post(base+"/enable", nil); code != http.StatusSeeOther {
				t.Fatalf("enable: %d", code)
			}
			victim = h.login(vu.Email)

			// Reset password: shown once, sessions end, lockout cleared.
			locked := time.Now().Add(time.Hour)
			u := acctUser(t, h, vu.Email)
			u.FailedLogins, u.LockedUntil = 7, &locked
			if err := h.db.RecordLogin(ctx, u); err != nil {
				t.Fatal(err)
			}
			code, body, _ = op.post(base+"/reset-password", nil)
			m = adminPasswordRE.FindStringSubmatch(body)
			if code != 200 || m == nil {
				t.Fatalf("reset password: %d", code)
			}
			if code, _ := victim.get("/"); code != http.StatusSeeOther {
				t.Fatal("session survived the password reset")
			}
			if _, code, loc := acctSignIn(t, h, vu.Email, m[1], ""); code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("sign in after reset: %d %q", code, loc)
			}

			// Reset 2FA of the demo TOTP user.
			mfa := acctUser(t, h, demo.MFAEmail)
			if code, _, _ := op.post(fmt.Sprintf("/admin/users/%d/reset-2fa", mfa.ID), nil); code != http.StatusSeeOther {
				t.Fatalf("reset 2fa: %d", code)
			}
			mfa = acctUser(t, h, demo.MFAEmail)
			if n, _ := h.db.CountRecoveryCodes(ctx, mfa.ID); mfa.TOTPEnabled || mfa.TOTPSecret != "" || n != 0 {
				t.Fatalf("after 2FA reset: %+v codes=%d", mfa, n)
			}
			if _, code, loc := acctSignIn(t, h, demo.MFAEmail, demo.DemoPassword, ""); code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("sign in after 2FA reset: %d %q", code, loc)
			}

			// Revoke all tokens of a person.
			secret := h.token(vu.Email, []string{"read"})
			if code, _, _ := op.post(base+"/revoke-tokens", nil); code != http.StatusSeeOther {
				t.Fatalf("revoke tokens: %d", code)
			}
			if code, _ := h.api("GET", "/api/v1/me", secret, ""); code != http.StatusUnauthorized {
				t.Fatalf("token survived revoke-all: %d", code)
			}

			// The API's PATCH disables too, and every change is audited.
			opTok := h.token("admin.operator@demo.example", nil)
			code, body = h.api("PATCH", fmt.Sprintf("/api/v1/users/%d", vu.ID), opTok, `{"disabled":true}`)
			if code != 200 || !strings.Contains(body, `"disabled":true`) {
				t.Fatalf("API disable: %d %s", code, body)
			}
			for _, a := range []string{"user.update", "user.disable", "user.enable", "user.reset_password"} {
				if !acctAudited(t, h, a, vu.ID) {
					t.Errorf("%s not audited", a)
				}
			}
			if !acctAudited(t, h, "user.reset_2fa", mfa.ID) {
				t.Error("user.reset_2fa not audited")
			}
		})
	}
}

func TestUserListPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	c := h.login("admin.nisc@demo.example")
	code, body := c.get("/admin/users")
	if code != 200 || !strings.Contains(body, "offset=50") {
		t.Fatalf("first page: %d (no link to the next page)", code)
	}
	if code, body = c.get("/admin/users?type=ministry"); code != 200 || !strings.Contains(body, "admin.ministry@demo.example") || strings.Contains(body, "admin.operator@demo.example") {
		t.Fatalf("type filter: %d", code)
	}
	tok := h.token("auditor.nisc@demo.example", nil)
	code, body = h.api("GET", "/api/v1/users?limit=5&org_type=operator", tok, "")
	var list adminUserList
	acctJSON(t, body, &list)
	if code != 200 || len(list.Items) != 5 || list.Total <= 5 || list.Next == "" {
		t.Fatalf("API paging: %d %s", code, body)
	}
}

// TestAccountAdminPagesTranslated: every page of the area renders in both
// languages without an untranslated message key.
func TestAccountAdminPagesTranslated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	keyRE := regexp.MustCompile(`[>"]\s*(account|admin|audit|twofa|common|scope|role|orgtype|lang|nav)\.[a-z0-9_]+\s*[<"]`)
	op := acctUser(t, h, "analyst.operator@demo.example")
	for _, lang := range []string{"ja", "en"} {
		c := h.login("admin.nisc@demo.example")
		c.lang = lang
		for _, p := range []string{"/account", "/account/2fa", "/account/tokens", "/admin/users", "/admin/users/new",
			fmt.Sprintf("/admin/users/%d", op.ID), "/admin/audit"} {
			code, body := c.get(p)
			if code != 200 {
				t.Errorf("%s %s: %d", lang, p, code)
				continue
			}
			if m := keyRE.FindString(body); m != "" {
				t.Errorf("%s %s: untranslated %q", lang, p, m)
			}
			if lang == "en" && !strings.Contains(body, `lang="en"`) {
				t.Errorf("%s: not in English", p)
			}
		}
	}
}
