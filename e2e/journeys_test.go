package e2e

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/demo"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// Sidebar labels in Japanese (i18n/messages/shell.ja.json).
const (
	navDashboard  = "ダッシュボード"
	navInbox      = "受信箱"
	navReports    = "情報連絡（報告）"
	navAdvisories = "情報提供"
	navIncidents  = "インシデント"
	navTaxii      = "TAXII / STIX"
	navC4TAP      = "C4TAP・MISP"
	navDrills     = "セプター訓練・演習"
	navSurveys    = "安全基準・浸透状況調査"
	navRisk       = "リスク・依存関係"
	navMonitoring = "Web応答時間計測"
	navStats      = "件数統計"
	navAnnual     = "年次報告"
	navOrgs       = "組織"
	navSectors    = "重要インフラ分野"
	navCeptors    = "セプター"
	navUsers      = "ユーザー管理"
	navAudit      = "監査ログ"
)

// Every signed-in person has the dashboard first and the registry; the
// administration entries come last.
var (
	registryNav = []string{navOrgs, navSectors, navCeptors}
	adminNav    = []string{navUsers, navAudit}
)

func nav(parts ...[]string) []string { return slices.Concat(parts...) }

// signInCases: who signs in and which sidebar entries they should see, in
// order. What each type sees follows its part in the action plan:
//   - incidents: NISC, the ministries and the incident-handling and security
//     agencies, who coordinate a response;
//   - drills: everyone except the security and response agencies;
//   - surveys (safety standards): NISC, ministries, secretariats, operators;
//   - risk and dependencies: NISC, ministries, operators, providers;
//   - web response monitoring: NISC, the CEPTOR Council and secretariats;
//   - annual report: NISC, ministries and executives;
//   - statistics: NISC, ministries, and executives whose organisation has a
//     sector (the policy's KindStats);
//   - reports: everyone except the CEPTOR Council;
//   - user management and audit log: administrators and auditors;
//   - TAXII / STIX: everyone (the page lists the collections one may read);
//   - C4TAP / MISP: everyone (what one sees follows the group and TLP).
var signInCases = []struct {
	email string
	want  []string
}{
	{"admin.nisc@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navIncidents, navTaxii, navC4TAP, navDrills, navSurveys, navRisk, navMonitoring, navStats, navAnnual},
		registryNav, adminNav)},
	{"admin.ministry@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navIncidents, navTaxii, navC4TAP, navDrills, navSurveys, navRisk, navStats, navAnnual},
		registryNav, adminNav)},
	{"admin.secretariat@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navTaxii, navC4TAP, navDrills, navSurveys, navMonitoring},
		registryNav, adminNav)},
	{"admin.council@demo.example", nav(
		[]string{navDashboard, navInbox, navAdvisories, navTaxii, navC4TAP, navDrills, navMonitoring},
		registryNav, adminNav)},
	{"admin.operator@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navTaxii, navC4TAP, navDrills, navSurveys, navRisk},
		registryNav, adminNav)},
	{"admin.security@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navIncidents, navTaxii, navC4TAP},
		registryNav, adminNav)},
	{"admin.response@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navIncidents, navTaxii, navC4TAP},
		registryNav, adminNav)},
	{"admin.supplier@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navTaxii, navC4TAP, navDrills, navRisk},
		registryNav, adminNav)},
	// An operator's executive: the annual report, no administration.
	{"executive.operator@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navTaxii, navC4TAP, navDrills, navSurveys, navRisk, navStats, navAnnual},
		registryNav)},
	// An auditor reads users and the audit log.
	{"auditor.secretariat@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navTaxii, navC4TAP, navDrills, navSurveys, navMonitoring},
		registryNav, adminNav)},
	// An operator's analyst does not manage users.
	{"analyst.operator@demo.example", nav(
		[]string{navDashboard, navInbox, navReports, navAdvisories, navTaxii, navC4TAP, navDrills, navSurveys, navRisk},
		registryNav)},
}

// TestSignIn: every organisation type (and an executive, an auditor and an
// analyst) signs in through the form, lands on the dashboard and sees the
// navigation meant for them. It runs on both engines unless
// CEPTOR_E2E_ENGINE picks one.
func TestSignIn(t *testing.T) {
	engines := []string{"sqlite", "postgres"}
	if e := os.Getenv("CEPTOR_E2E_ENGINE"); e != "" {
		engines = []string{e}
	}
	for i, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			e := newEnv(t, eng)
			e.shots = i == 0
			for _, c := range signInCases {
				t.Run(c.email, func(t *testing.T) {
					t.Parallel()
					b := e.tab(t)
					if c.email == "admin.nisc@demo.example" {
						b.open("/login")
						b.shot("01-login-ja.png")
					}
					b.signIn(c.email)
					if got := b.navLabels(); !slices.Equal(got, c.want) {
						b.fatalf("navigation of %s:\n got  %s\n want %s", c.email, strings.Join(got, " | "), strings.Join(c.want, " | "))
					}
					if !strings.Contains(b.text(), "さん、こんにちは") {
						b.fatalf("dashboard greeting missing")
					}
					local, _, _ := strings.Cut(c.email, "@")
					b.shot("02-dashboard-" + strings.ReplaceAll(local, ".", "-") + ".png")
				})
			}
		})
	}
}

// TestSignInTOTP: a person with a second factor gives password, then the
// code of their authenticator app.
func TestSignInTOTP(t *testing.T) {
	e := newEnv(t, engine())
	b := e.tab(t)
	if st := b.login(demo.MFAEmail, demo.DemoPassword); st != 200 || !strings.HasPrefix(b.path(), "/login/2fa") {
		b.fatalf("password step: status %d at %s", st, b.path())
	}
	b.do("code field", chromedp.WaitVisible(chromedp.CSS("#code")))
	b.shot("03-2fa-code-ja.png")
	code, err := totp.GenerateCode(demo.DemoTOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.fill("#code", code)
	if st := b.submit(`form[action="/login/2fa"] button[type=submit]`); st != 200 || b.path() != "/" {
		b.fatalf("code step: status %d at %s", st, b.path())
	}
	b.do("sidebar", chromedp.WaitVisible(chromedp.CSS("aside.sidebar nav")))
	if slices.Contains(b.navLabels(), navUsers) {
		b.fatalf("an operator's analyst sees user management")
	}
	b.shot("03-2fa-dashboard.png")
}

// TestLanguage: the header buttons switch the whole interface to English
// and back.
func TestLanguage(t *testing.T) {
	e := newEnv(t, engine())
	b := e.tab(t)
	b.signIn("admin.nisc@demo.example")
	b.switchLang("en")
	labels := b.navLabels()
	for _, want := range []string{"Dashboard", "Organisations", "Sectors", "CEPTORs", "Audit log"} {
		if !slices.Contains(labels, want) {
			b.fatalf("English navigation lacks %q: %v", want, labels)
		}
	}
	if b.exists(`form.lang-switch button[value=en].on`) == false {
		b.fatalf("the English button is not shown as selected")
	}
	b.shot("04-dashboard-en.png")
	// The choice sticks while browsing.
	b.open("/registry/sectors")
	if got := eval[string](b, `document.documentElement.lang`); got != "en" {
		b.fatalf("next page in %q, want en", got)
	}
	b.open("/")
	b.switchLang("ja")
	if labels := b.navLabels(); !slices.Contains(labels, navDashboard) || !slices.Contains(labels, navOrgs) {
		b.fatalf("Japanese navigation not back: %v", labels)
	}
}

// TestRegistry: organisations are listed, searched in Japanese, filtered by
// type and opened; NISC sees contacts, an operator cannot open an operator of
// another CEPTOR at all.
func TestRegistry(t *testing.T) {
	e := newEnv(t, engine())
	// The operator signing in (admin.operator) and an operator that shares
	// no CEPTOR with it.
	me := e.ds.Org(e.ds.RoleOrgs[ceptor.OrgOperator])
	var other *demo.OrgRec
	for i := range e.ds.Orgs {
		o := &e.ds.Orgs[i]
		if o.Org.Type == ceptor.OrgOperator && len(o.CeptorCodes) > 0 && !overlap(o.CeptorCodes, me.CeptorCodes) && firstEmail(o) != "" {
			other = o
			break
		}
	}
	if other == nil {
		t.Fatal("demo data has no operator outside the operator's CEPTOR")
	}
	otherID := e.org(t, other.Key).ID
	stem, _, _ := strings.Cut(other.Org.Name, "（デモ）")

	t.Run("nisc", func(t *testing.T) {
		b := e.tab(t)
		b.signIn("admin.nisc@demo.example")
		b.skipIfMissing("/registry/orgs", "registry pages not built yet")
		if n := len(b.texts("table.table tbody tr")); n == 0 {
			b.fatalf("organisation list is empty")
		}
		b.shot("05-registry-orgs-ja.png")

		// Search with a Japanese part of the name.
		b.fill(`form.filters input[name=q]`, stem)
		if st := b.submit(`form.filters button[type=submit], form.filters input[type=submit]`); st != 200 {
			b.fatalf("search: status %d", st)
		}
		rows := b.texts("table.table tbody tr")
		if !anyContains(rows, other.Org.Name) {
			b.fatalf("search %q does not list %q: %v", stem, other.Org.Name, rows)
		}
		b.shot("05-registry-search-ja.png")

		// Filter by type.
		b.open("/registry/orgs")
		if b.exists(`form.filters select[name=type]`) {
			b.choose(`form.filters select[name=type]`, "operator", `form.filters button[type=submit], form.filters input[type=submit]`)
		} else {
			b.open("/registry/orgs?type=operator")
		}
		if !strings.Contains(b.path(), "type=operator") {
			b.fatalf("type filter not in the address: %s", b.path())
		}
		rows = b.texts("table.table tbody tr")
		if len(rows) == 0 || anyContains(rows, "金融庁") || anyContains(rows, "内閣") {
			b.fatalf("operators filter shows %d rows, or public bodies: %v", len(rows), rows)
		}
		b.shot("05-registry-operators-ja.png")

		// Open the organisation found: NISC sees its contacts.
		b.open("/registry/orgs?q=" + url.QueryEscape(stem))
		if st := b.submit(fmt.Sprintf(`table.table a[href="/registry/orgs/%d"]`, otherID)); st != 200 {
			b.fatalf("open organisation: status %d", st)
		}
		page := b.text()
		if !strings.Contains(page, other.Org.Name) || !strings.Contains(page, firstEmail(other)) {
			b.fatalf("detail of %q lacks its name or contact %s", other.Org.Name, firstEmail(other))
		}
		b.shot("05-registry-org-nisc-ja.png")

		// The same pages in English.
		b.switchLang("en")
		if other.Org.NameEN != "" && !strings.Contains(b.text(), other.Org.NameEN) {
			b.fatalf("English detail lacks %q", other.Org.NameEN)
		}
		b.shot("05-registry-org-nisc-en.png")
		b.open("/registry/orgs")
		if n := len(b.texts("table.table tbody tr")); n == 0 {
			b.fatalf("English organisation list is empty")
		}
		b.shot("05-registry-orgs-en.png")
	})

	t.Run("operator", func(t *testing.T) {
		b := e.tab(t)
		b.signIn("admin.operator@demo.example")
		b.skipIfMissing("/registry/orgs", "registry pages not built yet")
		// Not listed, not even by exact name...
		b.open("/registry/orgs?q=" + url.QueryEscape(other.Org.Name))
		if rows := b.texts("table.table tbody tr"); anyContains(rows, other.Org.Name) {
			b.fatalf("an operator finds %q of another CEPTOR", other.Org.Name)
		}
		// ...and its page does not exist for them: no name, no contacts.
		if st := b.open(fmt.Sprintf("/registry/orgs/%d", otherID)); st != 404 {
			b.fatalf("operator of another CEPTOR: status %d, want 404", st)
		}
		if page := b.text(); strings.Contains(page, other.Org.Name) || strings.Contains(page, firstEmail(other)) {
			b.fatalf("the 404 page shows the organisation or its contact")
		}
		b.shot("05-registry-404-operator.png")
		// Their own organisation opens.
		if st := b.open(fmt.Sprintf("/registry/orgs/%d", e.org(t, me.Key).ID)); st != 200 {
			b.fatalf("own organisation: status %d", st)
		}
		b.shot("05-registry-own-org-operator.png")
	})
}

// TestAccountTokens: a person creates an API token; the secret is shown
// once, and not again on the next visit.
func TestAccountTokens(t *testing.T) {
	e := newEnv(t, engine())
	b := e.tab(t)
	b.signIn("analyst.operator@demo.example")
	b.skipIfMissing("/account/tokens", "account token page not built yet")
	b.shot("06-tokens-ja.png")
	b.fill(`main form input[name=name]`, "e2e 監視フィード")
	if st := b.submit(`main form:has(input[name=name]) button[type=submit]`); st != 200 {
		b.fatalf("create token: status %d", st)
	}
	secretRE := regexp.MustCompile(`cpt_[a-z2-7]{52}`)
	secret := secretRE.FindString(b.text())
	if secret == "" {
		b.fatalf("the new token's secret is not shown")
	}
	if !strings.Contains(b.text(), "e2e 監視フィード") {
		b.fatalf("the new token is not listed by name")
	}
	b.shot("06-tokens-created-ja.png")
	b.open("/account/tokens")
	if strings.Contains(b.text(), secret) {
		b.fatalf("the secret is shown a second time")
	}
	// The 2FA enrolment page, for the record.
	if st := b.open("/account/2fa"); st == 200 {
		b.shot("06-account-2fa-ja.png")
	}
}

// TestBadPassword: a wrong password keeps the person on the form with a
// clear Japanese error and what they typed.
func TestBadPassword(t *testing.T) {
	e := newEnv(t, engine())
	b := e.tab(t)
	if st := b.login("admin.nisc@demo.example", "wrong-password-123"); st != 401 {
		b.fatalf("wrong password: status %d, want 401", st)
	}
	b.do("error flash", chromedp.WaitVisible(chromedp.CSS(".flash.error")))
	if got := b.texts(".flash.error"); len(got) != 1 || got[0] != "メールアドレスまたはパスワードが正しくありません" {
		b.fatalf("error flash = %q", got)
	}
	if v := eval[string](b, `document.querySelector("#email").value`); v != "admin.nisc@demo.example" {
		b.fatalf("e-mail not kept: %q", v)
	}
	if v := eval[string](b, `document.querySelector("#password").value`); v != "" {
		b.fatalf("password refilled")
	}
	// The cursor waits in the password field, ready for a second try.
	if id := eval[string](b, `document.activeElement ? document.activeElement.id : ""`); id != "password" {
		b.fatalf("focus on %q after the error, want the password field", id)
	}
	if b.exists("aside.sidebar") {
		b.fatalf("signed in with a wrong password")
	}
	b.shot("07-login-error-ja.png")

	// Empty form: asked to fill both fields.
	b.open("/login")
	if st := b.submit(`form[action="/login"] button[type=submit]`); st != 422 {
		b.fatalf("empty form: status %d, want 422", st)
	}
	if got := b.texts(".flash.error"); len(got) != 1 || !strings.Contains(got[0], "入力してください") {
		b.fatalf("empty form flash = %q", got)
	}
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func anyContains(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.Contains(x, s) })
}

// firstEmail is the e-mail address of an organisation's primary contact.
func firstEmail(o *demo.OrgRec) string {
	for _, c := range o.Contacts {
		if c.Email != "" {
			return c.Email
		}
	}
	return ""
}
