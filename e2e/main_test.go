package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
	"ceptor/web"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// journeyTimeout bounds one journey (one browser context); nothing in the
// suite sleeps, every wait is on a page load or a selector.
const journeyTimeout = 60 * time.Second

// demoOperators keeps the data set small while every CEPTOR has members.
const demoOperators = 200

// browser is the one Chromium process the package shares. Every journey
// opens its own browser context in it (separate cookies, like a private
// window).
var browser struct {
	ctx     context.Context // a tab context whose browser is running
	missing string          // why there is no browser (skip or fail)
	err     error           // the browser did not start
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	path := chromiumPath()
	if path == "" {
		browser.missing = "Chromium not found (/usr/bin/chromium, or chromium on PATH); install it with apt-get install chromium"
		return m.Run()
	}
	profile, err := os.MkdirTemp("", "ceptor-e2e-profile-")
	if err != nil {
		browser.err = err
		return m.Run()
	}
	defer os.RemoveAll(profile)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Containers often have a tiny /dev/shm, which crashes Chromium.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 900),
		// A Japanese browser, as most people using ceptor have.
		chromedp.Flag("lang", "ja"),
		chromedp.Flag("accept-lang", "ja,en;q=0.5"),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first Do starts the browser and ties its life to ctx (no timeout).
	if err := chromedp.Do(ctx); err != nil {
		browser.err = fmt.Errorf("start %s: %w", path, err)
		return m.Run()
	}
	browser.ctx = ctx
	return m.Run()
}

func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// needBrowser skips (or, in CI, fails) a test when there is no browser.
func needBrowser(t *testing.T) {
	t.Helper()
	switch {
	case browser.err != nil:
		t.Fatalf("browser: %v", browser.err)
	case browser.missing != "" && os.Getenv("CEPTOR_TEST_REQUIRE_CHROMIUM") == "1":
		t.Fatal(browser.missing + " (CEPTOR_TEST_REQUIRE_CHROMIUM=1)")
	case browser.missing != "":
		t.Skip(browser.missing)
	}
}

// engine is the database engine of the journeys (CEPTOR_E2E_ENGINE).
func engine() string {
	if e := os.Getenv("CEPTOR_E2E_ENGINE"); e != "" {
		return e
	}
	return "sqlite"
}

// shotDir is where screenshots go; created on first use.
var shotDir = sync.OnceValues(func() (string, error) {
	dir := os.Getenv("CEPTOR_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ceptor-screenshots")
	}
	return dir, os.MkdirAll(dir, 0o755)
})

// env is a running ceptor over a fresh database with the demo data set.
type env struct {
	engine string
	url    string
	db     *sqldb.DB
	ds     *demo.Dataset
	// shots is false for the second engine of a journey, so that its
	// screenshots do not overwrite the first one's.
	shots bool
}

func newEnv(t *testing.T, engine string) *env {
	t.Helper()
	needBrowser(t)
	e := &env{engine: engine, db: sqldbtest.Open(t, engine, sqldbtest.Options{}), ds: demo.Generate(1, demoOperators), shots: true}
	sealer, err := auth.NewSealer([]byte("ceptor-e2e-test-key-32-bytes-ok!"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(context.Background(), e.db, e.db, e.ds, demo.Options{
		HashPassword: func(pw string) (string, error) { return auth.HashPassword(auth.TestParams, pw) },
		SealTOTP: func(secret, email string) (string, error) {
			return sealer.Seal([]byte(secret), "totp:"+email)
		},
	}); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Password: auth.TestParams, LoginRate: 1000, LoginBurst: 1000, Version: "e2e"},
		e.db, sealer, slog.New(slog.DiscardHandler), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// org returns the stored organisation of a demo key.
func (e *env) org(t *testing.T, key string) *ceptor.Organization {
	t.Helper()
	rec := e.ds.Org(key)
	if rec == nil {
		t.Fatalf("no demo organisation %q", key)
	}
	list, _, err := e.db.ListOrgs(context.Background(), ceptor.OrgFilter{Q: rec.Org.Name})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list {
		if o.Name == rec.Org.Name {
			return o
		}
	}
	t.Fatalf("organisation %q not stored", rec.Org.Name)
	return nil
}

// tab is one journey's browser context: its own cookies, its own tab.
type tab struct {
	t   *testing.T
	env *env
	ctx context.Context
}

func (e *env) tab(t *testing.T) *tab {
	t.Helper()
	return e.tabFor(t, journeyTimeout)
}

// tabFor is tab for a journey whose browser context lives longer than
// journeyTimeout (one that several organisations take turns in).
func (e *env) tabFor(t *testing.T, timeout time.Duration) *tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser.ctx, timeout)
	tctx, tcancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	t.Cleanup(tcancel) // runs first: closes the tab and its browser context
	return &tab{t: t, env: e, ctx: tctx}
}

// fatalf takes a screenshot of the page as it is, then fails the test.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if dir, err := shotDir(); err == nil && b.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			name := "FAILED-" + regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(b.t.Name(), "_") + ".png"
			if os.WriteFile(filepath.Join(dir, name), png, 0o644) == nil {
				msg += "\n(screenshot " + filepath.Join(dir, name) + ")"
			}
		}
		cancel()
	}
	b.t.Fatal(msg)
}

// do runs actions and fails the test on error.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// open loads a path and returns the HTTP status of the document.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.env.url+path))
	if err != nil {
		b.fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks (a submit button, a link) and waits for the page that
// follows; it returns that page's HTTP status.
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.fatalf("click %s: %v", sel, err)
	}
	if resp == nil {
		b.fatalf("click %s: no page loaded", sel)
	}
	return resp.Status
}

// choose picks an option of a select, as a person does: a select marked
// data-autosubmit sends its form on change, any other needs the submit
// button. It returns the status of the page that follows.
func (b *tab) choose(sel, value, submit string) int64 {
	b.t.Helper()
	set := chromedp.SetValue(chromedp.CSS(sel), value) // fires input and change
	if !b.exists(sel + "[data-autosubmit]") {
		b.do("choose "+value+" in "+sel, set)
		return b.submit(submit)
	}
	resp, err := chromedp.RunResponse(b.ctx, set)
	if err != nil || resp == nil {
		b.fatalf("choose %s in %s: no page loaded (%v)", value, sel, err)
	}
	return resp.Status
}

// fill types into a form field after clearing it: the field is focused
// and the text inserted as typed input (input events fire). Not
// chromedp.SendKeys: it reads the node's attributes without their lock
// while DOM events update them, which the race detector reports
// (chromedp v0.23.0, query.go).
func (b *tab) fill(sel, text string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return chromedp.Void{}, err
		})
}

// eval evaluates a JavaScript expression.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// texts returns the trimmed text of every element matching a CSS selector.
func (b *tab) texts(sel string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.textContent.replace(/\s+/g, " ").trim())`, sel))
}

// text returns the visible text of the page's main area (or of the body).
func (b *tab) text() string {
	b.t.Helper()
	return eval[string](b, `(document.querySelector("main") || document.body).innerText`)
}

// exists reports whether an element matches a CSS selector now.
func (b *tab) exists(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// path is the current path and query.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// shot saves a full-page PNG screenshot under the screenshot directory.
func (b *tab) shot(name string) {
	b.t.Helper()
	if !b.env.shots {
		return
	}
	dir, err := shotDir()
	if err != nil {
		b.t.Fatalf("screenshot directory: %v", err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", filepath.Join(dir, name))
}

// login signs in through the form and returns the status of the page it
// lands on. It does not check where that is.
func (b *tab) login(email, password string) int64 {
	b.t.Helper()
	if st := b.open("/login"); st != 200 {
		b.fatalf("GET /login: status %d", st)
	}
	b.fill("#email", email)
	b.fill("#password", password)
	return b.submit(`form[action="/login"] button[type=submit]`)
}

// signIn signs in with the demo password and expects the dashboard.
func (b *tab) signIn(email string) {
	b.t.Helper()
	if st := b.login(email, demo.DemoPassword); st != 200 || b.path() != "/" {
		b.fatalf("sign in as %s: status %d at %s", email, st, b.path())
	}
	b.do("sidebar", chromedp.WaitVisible(chromedp.CSS("aside.sidebar nav")))
}

// navLabels are the labels of the sidebar entries, without badges.
func (b *tab) navLabels() []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll("aside.sidebar nav a"), a => (a.querySelector("span") || a).textContent.trim())`)
}

// switchLang presses a language button in the header and waits for the page.
func (b *tab) switchLang(lang string) {
	b.t.Helper()
	if st := b.submit(`form.lang-switch button[value=` + lang + `]`); st != 200 {
		b.fatalf("switch to %s: status %d", lang, st)
	}
	if got := eval[string](b, `document.documentElement.lang`); got != lang {
		b.fatalf("after switching to %s the page is in %q", lang, got)
	}
}

// skipIfMissing skips a journey whose pages another change is still
// building: status 404 on a page that exists once they land.
func (b *tab) skipIfMissing(path, why string) {
	b.t.Helper()
	if st := b.open(path); st == 404 {
		b.t.Skipf("%s (GET %s answers 404)", why, path)
	} else if st != 200 {
		b.fatalf("GET %s: status %d", path, st)
	}
}
