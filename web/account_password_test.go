package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor/demo"
)

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			const email = "analyst.operator@demo.example"
			const fresh = "葉桜の頃に届いた三通目の手紙"
			c := h.login(email)
			other := h.login(email) // a second browser of the same person

			for _, tc := range []struct {
				name, current, new, confirm string
				field, message              string
			}{
				{"wrong current", "not-my-password", fresh, fresh, "current", "現在のパスワードが正しくありません"},
				{"missing current", "", fresh, fresh, "current", "入力してください"},
				{"too short", demo.DemoPassword, "short-pw", "short-pw", "new", "12文字以上"},
				{"well known", demo.DemoPassword, "Password1234!", "Password1234!", "new", "推測されやすい"},
				{"contains e-mail", demo.DemoPassword, "analyst.operator-2026", "analyst.operator-2026", "new", "推測されやすい"},
				{"same as current", demo.DemoPassword, demo.DemoPassword, demo.DemoPassword, "new", "現在のパスワードと異なる"},
				{"confirmation differs", demo.DemoPassword, fresh, fresh + "!", "confirm", "確認用パスワードが一致しません"},
			} {
				c.get("/account")
				code, body, _ := c.post("/account/password", url.Values{"current": {tc.current}, "new": {tc.new}, "confirm": {tc.confirm}})
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.message) || !strings.Contains(body, `id="`+tc.field+`-err"`) {
					t.Errorf("%s: %d, want 422 with %q on %s", tc.name, code, tc.message, tc.field)
				}
			}
			if code, _ := other.get("/"); code != 200 {
				t.Fatal("a refused change ended the other session")
			}

			c.get("/account")
			code, _, loc := c.post("/account/password", url.Values{"current": {demo.DemoPassword}, "new": {fresh}, "confirm": {fresh}})
			if code != http.StatusSeeOther || loc != "/account" {
				t.Fatalf("change: %d %q", code, loc)
			}
			// This browser continues; the other one is signed out.
			if code, body := c.get("/account"); code != 200 || !strings.Contains(body, "パスワードを変更しました") {
				t.Fatalf("current session after change: %d", code)
			}
			if code, _ := other.get("/"); code != http.StatusSeeOther {
				t.Fatalf("other session still valid: %d", code)
			}
			// The old password no longer signs in; the new one does.
			if _, code, _ := acctSignIn(t, h, email, demo.DemoPassword, ""); code != http.StatusUnauthorized {
				t.Fatalf("old password: %d", code)
			}
			if _, code, loc := acctSignIn(t, h, email, fresh, ""); code != http.StatusSeeOther || loc != "/" {
				t.Fatalf("new password: %d %q", code, loc)
			}
			if !acctAudited(t, h, "user.password_change", acctUser(t, h, email).ID) {
				t.Fatal("password change not audited")
			}
		})
	}
}

func TestProfileSave(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	for _, tc := range []struct {
		email    string
		editName bool
	}{
		{"admin.operator@demo.example", true},
		{"analyst.operator@demo.example", false},
		{"auditor.ministry@demo.example", false},
	} {
		c := h.login(tc.email)
		before := acctUser(t, h, tc.email)
		_, body := c.get("/account")
		if !strings.Contains(body, tc.email) || !strings.Contains(body, `name="lang"`) {
			t.Fatalf("%s: profile page incomplete", tc.email)
		}
		if got := strings.Contains(body, `name="name"`); got != tc.editName {
			t.Errorf("%s: name editable = %v, want %v", tc.email, got, tc.editName)
		}
		code, _, _ := c.post("/account", url.Values{"name": {"新しい 氏名"}, "lang": {"en"}})
		if code != http.StatusSeeOther {
			t.Fatalf("%s: save %d", tc.email, code)
		}
		after := acctUser(t, h, tc.email)
		if after.Lang != "en" {
			t.Errorf("%s: language not saved", tc.email)
		}
		if renamed := after.Name != before.Name; renamed != tc.editName {
			t.Errorf("%s: renamed = %v, want %v", tc.email, renamed, tc.editName)
		}
		// The browser follows the new preference at once (cookie).
		if _, body := c.get("/account"); !strings.Contains(body, `lang="en"`) {
			t.Errorf("%s: page not in English after saving", tc.email)
		}
		if code, _, _ := c.post("/account", url.Values{"lang": {"fr"}}); code != http.StatusUnprocessableEntity {
			t.Errorf("%s: unknown language accepted: %d", tc.email, code)
		}
	}
}
