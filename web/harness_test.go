package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
	"ceptor/web"
)

// harness is a real server over a fresh database holding a small demo data
// set. Every HTTP test goes through the real router and middleware.
type harness struct {
	t      testing.TB
	db     *sqldb.DB
	srv    *web.Server
	ts     *httptest.Server
	ds     *demo.Dataset
	sealer *auth.Sealer
	now    time.Time
}

// testOperators keeps the demo small enough for fast tests while every
// CEPTOR still has members.
const testOperators = 60

func newHarness(t testing.TB, engine string) *harness {
	t.Helper()
	return newHarnessWith(t, engine, nil)
}

// newHarnessWith lets a test adjust the web configuration; PublicURL is
// already set to the test server's address when configure runs.
func newHarnessWith(t testing.TB, engine string, configure func(*web.Config)) *harness {
	t.Helper()
	h := &harness{t: t, now: time.Now()}
	h.db = sqldbtest.Open(t, engine, sqldbtest.Options{})
	key := make([]byte, 32)
	var err error
	if h.sealer, err = auth.NewSealer(key); err != nil {
		t.Fatal(err)
	}
	h.ds = demo.Generate(1, testOperators)
	ctx := context.Background()
	if _, err := demo.Load(ctx, h.db, h.db, h.ds, demo.Options{
		HashPassword: func(pw string) (string, error) { return auth.HashPassword(auth.TestParams, pw) },
		SealTOTP:     func(secret, email string) (string, error) { return h.sealer.Seal([]byte(secret), "totp:"+email) },
	}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	// The server is built after the listener so that PublicURL is known.
	h.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.srv.ServeHTTP(w, r) }))
	t.Cleanup(h.ts.Close)
	cfg := web.Config{PublicURL: h.ts.URL, Password: auth.TestParams, LoginRate: 1000, LoginBurst: 1000, Version: "test"}
	if configure != nil {
		configure(&cfg)
	}
	h.srv, err = web.New(cfg, h.db, h.sealer, log, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// client is a browser-like client with cookies that remembers the last
// CSRF token it saw in a page.
type client struct {
	h    *harness
	http *http.Client
	csrf string
	lang string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (h *harness) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(req *http.Request) (int, string, http.Header) {
	c.h.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp.StatusCode, body, resp.Header
}

// get fetches a path and returns status and body.
func (c *client) get(path string) (int, string) {
	c.h.t.Helper()
	req, _ := http.NewRequest("GET", c.h.ts.URL+path, nil)
	code, body, _ := c.do(req)
	return code, body
}

// post submits a form with the current CSRF token; it returns status,
// body and the redirect location.
func (c *client) post(path string, form url.Values) (int, string, string) {
	c.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.h.ts.URL)
	code, body, hdr := c.do(req)
	return code, body, hdr.Get("Location")
}

// login signs in with the demo password and fails the test otherwise.
func (h *harness) login(email string) *client {
	h.t.Helper()
	c := h.client()
	c.get("/login")
	code, body, loc := c.post("/login", url.Values{"email": {email}, "password": {demo.DemoPassword}})
	if code != http.StatusSeeOther || loc != "/" {
		h.t.Fatalf("login %s: status %d location %q\n%s", email, code, loc, body)
	}
	c.get("/")
	return c
}

// token creates an API token for a demo user with the given scopes (nil:
// every scope the role allows) and returns the secret.
func (h *harness) token(email string, scopes []string) string {
	h.t.Helper()
	u, err := h.db.FindUserByEmail(context.Background(), email)
	if err != nil {
		h.t.Fatal(err)
	}
	if scopes == nil {
		scopes = ceptor.ScopesForRole(u.Role)
	}
	secret := auth.RandomToken(auth.PrefixAPIToken)
	t := &ceptor.APIToken{UserID: u.ID, Name: "test", Prefix: auth.TokenPrefix(secret), Hash: auth.HashToken(secret), Scopes: scopes}
	if err := h.db.CreateToken(context.Background(), t); err != nil {
		h.t.Fatal(err)
	}
	return secret
}

// api sends a JSON request with a bearer token.
func (h *harness) api(method, path, token, body string) (int, string) {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.ts.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// orgByKey returns the stored organisation of a demo key.
func (h *harness) orgByName(name string) *ceptor.Organization {
	h.t.Helper()
	list, _, err := h.db.ListOrgs(context.Background(), ceptor.OrgFilter{Q: name})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, o := range list {
		if o.Name == name {
			return o
		}
	}
	h.t.Fatalf("no organisation %q", name)
	return nil
}
