package main

// The tests of this package drive the ceptor command end to end, in process:
// each command line goes through a fresh cobra tree from newRootCmd exactly
// as main runs it, and servers are started with Main.Run, so that what is
// tested is what an operator types. Every test that touches a database runs
// on SQLite and on PostgreSQL (the PostgreSQL half is skipped when no server
// is reachable, unless CEPTOR_TEST_REQUIRE_POSTGRES=1).

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ceptor/auth"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

func TestMain(m *testing.M) {
	// Cheap password hashing: the demo data set hashes 90 passwords.
	passwordParams = auth.TestParams
	// The commands read CEPTOR_* variables; settings of the developer's shell
	// must not leak into the tests (CEPTOR_TEST_* configure the tests).
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CEPTOR_") && !strings.HasPrefix(k, "CEPTOR_TEST_") {
			os.Unsetenv(k)
		}
	}
	// Keep the JSON request and migration logs of in-process commands out of
	// the test output; errors still show.
	os.Setenv("CEPTOR_LOG_LEVEL", "error")
	os.Exit(m.Run())
}

// syncBuffer is an output buffer that a running server and the test may use
// at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCLI runs one ceptor command line in process and returns what it printed
// on standard output.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return runCLIContext(ctx, args...)
}

func runCLIContext(ctx context.Context, args ...string) (string, error) {
	var out, errOut syncBuffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// testEnv is the database of one test: a data directory (the SQLite file and
// the service key) and, on PostgreSQL, the URL of a fresh schema.
type testEnv struct {
	engine  string
	dataDir string
	dbURL   string
}

func newEnv(t *testing.T, engine string) *testEnv {
	t.Helper()
	e := &testEnv{engine: engine, dataDir: t.TempDir()}
	if engine == "postgres" {
		e.dbURL = sqldbtest.URL(t, "postgres") // skips without a server, unless required
	}
	return e
}

// eachEngine runs fn as a subtest on SQLite and on PostgreSQL, each with a
// database of its own.
func eachEngine(t *testing.T, fn func(t *testing.T, e *testEnv)) {
	t.Helper()
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, engine))
		})
	}
}

// dbArgs are the flags that point a command at the test's database.
func (e *testEnv) dbArgs() []string {
	a := []string{"--data-dir", e.dataDir}
	if e.dbURL != "" {
		a = append(a, "--database-url", e.dbURL)
	}
	return a
}

// run runs a command line against the test's database.
func (e *testEnv) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCLI(t, append(args, e.dbArgs()...)...)
}

// must runs a command line against the test's database and fails the test
// when it fails.
func (e *testEnv) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.run(t, args...)
	if err != nil {
		t.Fatalf("ceptor %s: %v\noutput:\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// loadDemo loads a small demo data set (30 operators: every organisation
// type and role is there, in a fraction of the time of 3,000).
func (e *testEnv) loadDemo(t *testing.T) string {
	t.Helper()
	return e.must(t, "demo", "--operators", "30")
}

// openDB opens the test's database directly, as another process would.
func (e *testEnv) openDB(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: e.dbURL, DataDir: e.dataDir})
	if err != nil {
		t.Fatalf("open %s database: %v", e.engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rawSQL opens the test's database with database/sql alone, bypassing
// ceptor's storage, for the edits an intruder would make by hand.
func (e *testEnv) rawSQL(t *testing.T) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if e.dbURL != "" {
		db, err = sql.Open("pgx", e.dbURL)
	} else {
		db, err = sql.Open("sqlite", filepath.Join(e.dataDir, "ceptor.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// startServer runs the server in process on a free port of the loopback
// interface, against the test's database, until the test ends.
func (e *testEnv) startServer(t *testing.T) *Main {
	t.Helper()
	cfg := Config{DataDir: e.dataDir, DatabaseURL: e.dbURL, Addr: "127.0.0.1:0", LogLevel: "error", LogFormat: "json", ShutdownTimeout: 5 * time.Second}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard)
	m.Log = slog.New(slog.DiscardHandler)
	if err := m.Run(context.Background()); err != nil {
		if m.DB != nil {
			m.DB.Close()
		}
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return m
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// get fetches url with an optional bearer token and returns the status and
// body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signIn signs in through the sign-in form as a browser would (the form's
// CSRF cookie and field, a cookie jar) and returns the status of the POST:
// 303 See Other with a session cookie on success.
func signIn(t *testing.T, base, email, password string) int {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatalf("GET /login: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	u, _ := url.Parse(base)
	csrf := cookieValue(jar, u, "ceptor_pre")
	if csrf == "" {
		t.Fatalf("GET /login (%d) set no CSRF cookie", resp.StatusCode)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "csrf": {csrf}, "next": {"/"}})
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther && cookieValue(jar, u, "ceptor_session") == "" {
		t.Fatalf("sign-in of %s answered 303 without a session cookie", email)
	}
	return resp.StatusCode
}

func cookieValue(jar http.CookieJar, u *url.URL, name string) string {
	for _, c := range jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// writeFile writes a file in a new temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
