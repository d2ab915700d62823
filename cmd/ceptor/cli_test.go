package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const nisc = "内閣官房 内閣サイバーセキュリティセンター"

func TestDemoThenUserListTSV(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		out := e.loadDemo(t)
		for _, want := range []string{"15 sectors", "21 CEPTORs", "operator 30"} {
			if !strings.Contains(out, want) {
				t.Errorf("demo printed %q, want it to mention %q", out, want)
			}
		}
		// A second load is refused rather than doubling the data.
		if out, err := e.run(t, "demo", "--operators", "30"); err == nil || !strings.Contains(err.Error(), "already has data") {
			t.Errorf("second demo load: err %v, output %q; want a refusal", err, out)
		}

		tsv := e.must(t, "user", "list", "--format", "tsv")
		lines := strings.Split(strings.TrimSuffix(tsv, "\n"), "\n")
		if want := len(demo.Generate(1, 30).Users); len(lines) != want {
			t.Errorf("user list printed %d lines, want one per demo user (%d)", len(lines), want)
		}
		seen := map[string]bool{}
		for i, line := range lines {
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				t.Fatalf("line %d %q has %d fields, want email, organisation name, type, role", i+1, line, len(f))
			}
			email, orgName, typ, role := f[0], f[1], ceptor.OrgType(f[2]), ceptor.Role(f[3])
			if !strings.Contains(email, "@") || orgName == "" || !typ.Valid() || !role.Valid() {
				t.Errorf("line %d %q: want email<TAB>organisation<TAB>type<TAB>role", i+1, line)
			}
			// The demo sign-ins are named <role>.<type>@demo.example.
			if email == string(role)+"."+string(typ)+"@demo.example" {
				seen[string(typ)+"/"+string(role)] = true
			}
		}
		for _, typ := range ceptor.OrgTypes {
			for _, role := range ceptor.Roles {
				if !seen[string(typ)+"/"+string(role)] {
					t.Errorf("no %s.%s@demo.example user of type %s and role %s in the list", role, typ, typ, role)
				}
			}
		}

		// --org narrows the list to one organisation, by exact name.
		tsv = e.must(t, "user", "list", "--format", "tsv", "--org", nisc)
		n := 0
		for line := range strings.SplitSeq(strings.TrimSpace(tsv), "\n") {
			n++
			if f := strings.Split(line, "\t"); len(f) != 4 || f[1] != nisc || f[2] != "nisc" {
				t.Errorf("user list --org NISC printed %q", line)
			}
		}
		if n < len(ceptor.Roles) {
			t.Errorf("user list --org NISC printed %d users, want at least one per role", n)
		}
		if _, err := e.run(t, "user", "list", "--format", "xml"); err == nil {
			t.Error("user list --format xml succeeded, want an error")
		}
	})
}

func TestTokenCreate(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		e.loadDemo(t)
		const email = "analyst.nisc@demo.example"
		out := e.must(t, "token", "create", "--email", email, "--name", "e2e")
		token := lastLine(out)
		if !strings.HasPrefix(token, auth.PrefixAPIToken) || strings.ContainsAny(token, " \t") {
			t.Fatalf("token create's last line is %q, want the token (output %q)", token, out)
		}
		if !strings.Contains(out, "scopes read,write") {
			t.Errorf("token create printed %q, want the analyst's scopes read,write", out)
		}

		m := e.startServer(t)
		ctx := context.Background()
		stored, err := m.DB.FindTokenByHash(ctx, auth.HashToken(token))
		if err != nil {
			t.Fatalf("the printed token is not in the database: %v", err)
		}
		u, err := m.DB.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if stored.UserID != u.ID || !slices.Equal(stored.Scopes, []string{"read", "write"}) || !stored.Usable(time.Now()) {
			t.Errorf("stored token: user %d scopes %v usable %v; want user %d, read+write, usable", stored.UserID, stored.Scopes, stored.Usable(time.Now()), u.ID)
		}

		if code, body := get(t, m.URL()+"/readyz", ""); code != http.StatusOK {
			t.Fatalf("/readyz: %d %s", code, body)
		}
		// /api/v1/me answers 200 once the account API exists and 404 before;
		// a valid token is never refused.
		code, body := get(t, m.URL()+"/api/v1/me", token)
		switch code {
		case http.StatusOK:
			if !strings.Contains(body, email) {
				t.Errorf("/api/v1/me with the token of %s: %s", email, body)
			}
			if code, _ := get(t, m.URL()+"/api/v1/me", auth.PrefixAPIToken+"not-a-real-token"); code != http.StatusUnauthorized {
				t.Errorf("/api/v1/me with a made-up token: %d, want 401", code)
			}
		case http.StatusNotFound:
		default:
			t.Errorf("/api/v1/me with a valid token: %d %s, want 200 (or 404 while the route does not exist)", code, body)
		}

		// Narrower scopes are accepted; scopes beyond the role are refused
		// with a message that says what is allowed.
		out = e.must(t, "token", "create", "--email", email, "--scopes", "read")
		if !strings.Contains(out, "scopes read\n") {
			t.Errorf("token create --scopes read printed %q", out)
		}
		for _, tc := range []struct{ email, scopes, want string }{
			{"executive.nisc@demo.example", "write", `scope "write" is not allowed for role executive (allowed: read)`},
			{"analyst.operator@demo.example", "read,admin", `scope "admin" is not allowed for role analyst (allowed: read, write)`},
			{"auditor.ministry@demo.example", "everything", `scope "everything" is not allowed for role auditor`},
		} {
			out, err := e.run(t, "token", "create", "--email", tc.email, "--scopes", tc.scopes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("token create for %s with scopes %s: err %v (output %q), want %q", tc.email, tc.scopes, err, out, tc.want)
			}
		}
		if _, err := e.run(t, "token", "create", "--email", "nobody@demo.example"); err == nil || !strings.Contains(err.Error(), "no user nobody@demo.example") {
			t.Errorf("token create for an unknown user: %v", err)
		}
		if _, err := e.run(t, "token", "create"); err == nil || !strings.Contains(err.Error(), `"email" not set`) {
			t.Errorf("token create without --email: %v", err)
		}
	})
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		e.loadDemo(t)
		m := e.startServer(t)
		ctx := context.Background()
		const email = "tanaka.ichiro@nisc.example.jp"
		pw1 := "kaigi-shitsu-no-mado-2026"
		pwFile := writeFile(t, "pw1", pw1+"\n")

		out := e.must(t, "user", "create", "--email", email, "--name", "田中 一郎", "--org", nisc, "--role", "analyst", "--password-file", pwFile)
		if !strings.Contains(out, "created user") || !strings.Contains(out, email) || strings.Contains(out, "password:") {
			t.Errorf("user create printed %q", out)
		}
		if code := signIn(t, m.URL(), email, pw1); code != http.StatusSeeOther {
			t.Fatalf("sign-in of the new user: %d, want 303", code)
		}

		// Refusals say why.
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--email", email, "--name", "二重", "--org", nisc, "--password-file", pwFile}, "a user with the e-mail address " + email + " already exists"},
			{[]string{"--email", "x@example.jp", "--name", "x", "--org", "存在しない組織", "--password-file", pwFile}, `no organisation is named "存在しない組織"`},
			{[]string{"--email", "x@example.jp", "--name", "x", "--org", "999999", "--password-file", pwFile}, "no organisation has id 999999"},
			{[]string{"--email", "weak@example.jp", "--name", "x", "--org", nisc, "--password-file", writeFile(t, "weak", "password")}, "password refused: Use at least 12 characters"},
			{[]string{"--email", "role@example.jp", "--name", "x", "--org", nisc, "--role", "king", "--password-file", pwFile}, "role: Choose a valid role"},
			{[]string{"--email", "not-an-address", "--name", "x", "--org", nisc, "--password-file", pwFile}, "email: Enter a valid e-mail address"},
		} {
			out, err := e.run(t, append([]string{"user", "create"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("user create %v: err %v (output %q), want an error saying %q", tc.args, err, out, tc.want)
			}
			// Messages are sentences, not message keys or driver errors.
			if err != nil && (strings.Contains(err.Error(), "err.") || strings.Contains(err.Error(), "constraint")) {
				t.Errorf("user create %v: %q is not a sentence for a person", tc.args, err)
			}
		}

		out = e.must(t, "user", "disable", "--email", email)
		if !strings.Contains(out, "disabled") {
			t.Errorf("user disable printed %q", out)
		}
		if u, err := m.DB.FindUserByEmail(ctx, email); err != nil || !u.Disabled {
			t.Fatalf("after user disable: %+v, %v; want the row disabled", u, err)
		}
		if code := signIn(t, m.URL(), email, pw1); code != http.StatusUnauthorized {
			t.Errorf("sign-in of a disabled user: %d, want 401", code)
		}
		if _, err := e.run(t, "token", "create", "--email", email); err == nil || !strings.Contains(err.Error(), "disabled") {
			t.Errorf("token create for a disabled user: %v, want a refusal", err)
		}

		e.must(t, "user", "enable", "--email", email)
		if code := signIn(t, m.URL(), email, pw1); code != http.StatusSeeOther {
			t.Errorf("sign-in after user enable: %d, want 303", code)
		}

		pw2 := "atarashii-pasuwado-fuyu-2026"
		out = e.must(t, "user", "reset-password", "--email", email, "--password-file", writeFile(t, "pw2", pw2))
		if !strings.Contains(out, "reset") || strings.Contains(out, "password:") {
			t.Errorf("user reset-password printed %q", out)
		}
		if code := signIn(t, m.URL(), email, pw1); code != http.StatusUnauthorized {
			t.Errorf("sign-in with the old password: %d, want 401", code)
		}
		if code := signIn(t, m.URL(), email, pw2); code != http.StatusSeeOther {
			t.Errorf("sign-in with the new password: %d, want 303", code)
		}

		// Without a file, a password is generated and printed once.
		out = e.must(t, "user", "reset-password", "--email", email)
		pw3, ok := strings.CutPrefix(lastLine(out), "password: ")
		if !ok || len(pw3) < 12 {
			t.Fatalf("user reset-password without a file printed %q, want a generated password", out)
		}
		if code := signIn(t, m.URL(), email, pw3); code != http.StatusSeeOther {
			t.Errorf("sign-in with the generated password: %d, want 303", code)
		}
		if _, err := e.run(t, "user", "disable", "--email", "nobody@demo.example"); err == nil {
			t.Error("user disable of an unknown user succeeded")
		}
	})
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		e.loadDemo(t)
		e.must(t, "user", "create", "--email", "audit.me@example.jp", "--name", "監査 対象", "--org", nisc,
			"--password-file", writeFile(t, "pw", "kansa-taisho-no-pasuwado"))
		e.must(t, "token", "create", "--email", "audit.me@example.jp")
		e.must(t, "user", "disable", "--email", "audit.me@example.jp")

		out := e.must(t, "audit", "verify")
		m := regexp.MustCompile(`audit log OK: (\d+) entries`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("audit verify printed %q", out)
		}
		if n, _ := strconv.Atoi(m[1]); n < 4 {
			t.Errorf("audit verify counted %d entries, want at least the demo load and three CLI actions", n)
		}

		// An intruder edits entry 2 in the database by hand.
		res, err := e.rawSQL(t).Exec("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("updated %d audit rows, want 1", n)
		}
		out, err = e.run(t, "audit", "verify")
		if err == nil {
			t.Fatalf("audit verify passed a tampered log: %q", out)
		}
		if !strings.Contains(out, "entry 2:") || !strings.Contains(err.Error(), "audit log damaged") {
			t.Errorf("audit verify of a tampered log: err %v, output %q; want entry 2 named", err, out)
		}
		if strings.Contains(out, "entry 1:") || strings.Contains(out, "entry 3:") {
			t.Errorf("audit verify blamed untouched entries: %q", out)
		}
	})
}

// The command line is used while the server runs: both must share the
// database (SQLite in WAL mode, or PostgreSQL).
func TestCLIWhileServing(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		e.loadDemo(t)
		m := e.startServer(t)
		const email = "live.user@nisc.example.jp"
		pw := "sabaa-ugoiteiru-aida-ni"
		e.must(t, "user", "create", "--email", email, "--name", "稼働 中", "--org", nisc, "--role", "admin", "--password-file", writeFile(t, "pw", pw))
		u, err := m.DB.FindUserByEmail(context.Background(), email)
		if err != nil || u.Role != ceptor.RoleAdmin {
			t.Fatalf("the running server does not see the user created by the CLI: %+v, %v", u, err)
		}
		if code := signIn(t, m.URL(), email, pw); code != http.StatusSeeOther {
			t.Errorf("sign-in on the running server of the user created by the CLI: %d, want 303", code)
		}
		if code, _ := get(t, m.URL()+"/readyz", ""); code != http.StatusOK {
			t.Errorf("/readyz after the CLI ran: %d", code)
		}
		e.must(t, "audit", "verify")
	})
}

// serveCLI runs `ceptor serve ARGS` in the background, waits for the line
// that says where it listens and returns that URL, the output so far and a
// stop function that sends the equivalent of Ctrl-C and returns the
// command's result.
func serveCLI(t *testing.T, args ...string) (base string, out *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	root := newRootCmd(out, out)
	root.SetArgs(append([]string{"serve"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	stopped := false
	var result error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = fmt.Errorf("serve did not stop within 30s of the signal")
			}
		}
		return result
	}
	t.Cleanup(func() { stop() })

	listening := regexp.MustCompile(`ceptor listening on (http://127\.0\.0\.1:\d+)\n`)
	deadline := time.After(2 * time.Minute)
	for {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, stop
		}
		select {
		case err := <-done:
			stopped, result = true, err
			t.Fatalf("serve stopped before listening: %v\noutput: %s", err, out.String())
		case <-deadline:
			t.Fatalf("serve printed no listening line in time: %q", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		base, out, stop := serveCLI(t, append([]string{"--addr", "127.0.0.1:0", "--demo", "--demo-operators", "30", "--shutdown-timeout", "5s"}, e.dbArgs()...)...)
		if !strings.Contains(out.String(), "demo data loaded: 74 organisations, 90 users") {
			t.Errorf("serve --demo printed %q, want the demo summary", out.String())
		}
		for _, path := range []string{"/healthz", "/readyz", "/login"} {
			if code, body := get(t, base+path, ""); code != http.StatusOK {
				t.Errorf("GET %s: %d %s", path, code, body)
			}
		}
		if code := signIn(t, base, "admin.nisc@demo.example", demo.DemoPassword); code != http.StatusSeeOther {
			t.Errorf("sign-in with the demo password: %d, want 303", code)
		}
		if code, body := get(t, base+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "ceptor_http_requests_total") {
			t.Errorf("GET /metrics: %d, no ceptor_http_requests_total", code)
		}

		if err := stop(); err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
		if _, err := httpClient.Get(base + "/healthz"); err == nil {
			t.Error("the server still answers after shutdown")
		}

		// A second start on the same database serves the existing data
		// instead of loading the demo again.
		base, out, stop = serveCLI(t, append([]string{"--addr", "127.0.0.1:0", "--demo"}, e.dbArgs()...)...)
		if strings.Contains(out.String(), "demo data loaded") {
			t.Errorf("second serve --demo loaded the demo again: %q", out.String())
		}
		if code := signIn(t, base, "admin.nisc@demo.example", demo.DemoPassword); code != http.StatusSeeOther {
			t.Errorf("sign-in after a restart: %d, want 303", code)
		}
		if err := stop(); err != nil {
			t.Errorf("second serve after shutdown: %v", err)
		}
	})
}

// canceled returns a context that is already done, for command lines that
// must fail before they touch the database.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestServeRefusesBadSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--database-url", "mysql://root@localhost/ceptor"}, "--database-url must be a postgres:// URL"},
		{[]string{"--log-format", "xml"}, "--log-format must be json or text"},
		{[]string{"--log-level", "loud"}, "--log-level must be debug, info, warn or error"},
		{[]string{"--oidc-issuer", "https://id.example.jp"}, "OIDC needs --oidc-client-id and --public-url"},
		{[]string{"--addr", "127.0.0.1:99999"}, "listen on 127.0.0.1:99999"},
		{[]string{"--secret-key", "too-short"}, "--secret-key"},
		{[]string{"extra-argument"}, "unknown command"},
	} {
		// These fail before serving; the timeout only bounds a regression.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := runCLIContext(ctx, append([]string{"serve", "--data-dir", dir}, tc.args...)...)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: err %v (output %q), want %q", tc.args, err, out, tc.want)
		}
	}
}

func TestMigrateAndVersion(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		re := regexp.MustCompile(`^database (\S+) is at schema version (\d+)\n$`)
		first := e.must(t, "migrate")
		m := re.FindStringSubmatch(first)
		if m == nil {
			t.Fatalf("migrate printed %q", first)
		}
		if v, _ := strconv.Atoi(m[2]); v < 1 {
			t.Errorf("schema version %d after migrate", v)
		}
		if e.engine == "sqlite" && m[1] != "sqlite:"+filepath.Join(e.dataDir, "ceptor.db") {
			t.Errorf("migrate names the database %q, want the file in --data-dir", m[1])
		}
		if e.engine == "postgres" && (m[1] != "postgres" || strings.Contains(first, "@")) {
			t.Errorf("migrate on PostgreSQL printed %q; want no URL in it", first)
		}
		if again := e.must(t, "migrate"); again != first {
			t.Errorf("second migrate printed %q, first %q; want the same", again, first)
		}
		// Data survives a re-run of the migrations.
		e.loadDemo(t)
		if again := e.must(t, "migrate"); again != first {
			t.Errorf("migrate after demo printed %q, want %q", again, first)
		}
	})
	out, err := runCLI(t, "version")
	if err != nil || out != "ceptor "+version+"\n" {
		t.Errorf("version: %q, %v", out, err)
	}
}

// allCommands lists every command of the tree with its full path.
func allCommands(c *cobra.Command) []*cobra.Command {
	list := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		list = append(list, allCommands(sub)...)
	}
	return list
}

func TestHelpOfEveryCommand(t *testing.T) {
	t.Parallel()
	root := newRootCmd(os.Stdout, os.Stderr)
	cmds := allCommands(root)
	if len(cmds) < 14 {
		t.Fatalf("found %d commands, want every command and subcommand", len(cmds))
	}
	for _, c := range cmds {
		path := strings.Fields(c.CommandPath())[1:] // without "ceptor"
		name := strings.Join(append([]string{"ceptor"}, path...), " ")
		t.Run(name, func(t *testing.T) {
			out, err := runCLI(t, append(path, "--help")...)
			if err != nil {
				t.Fatalf("%s --help: %v", name, err)
			}
			desc := c.Long // help shows the long description when there is one
			if desc == "" {
				desc = c.Short
			}
			if desc == "" || !strings.Contains(out, desc) {
				t.Errorf("%s --help does not show its description %q", name, desc)
			}
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && !strings.Contains(out, "--"+f.Name) {
					t.Errorf("%s --help does not mention --%s:\n%s", name, f.Name, out)
				}
			})
			for _, sub := range c.Commands() {
				if !sub.Hidden && !strings.Contains(out, sub.Name()) {
					t.Errorf("%s --help does not list the subcommand %s", name, sub.Name())
				}
			}
			if c.Runnable() {
				_, err := runCLIContext(canceled(), append(path, "--no-such-flag")...)
				if err == nil || !strings.Contains(err.Error(), "unknown flag: --no-such-flag") {
					t.Errorf("%s --no-such-flag: %v, want an unknown-flag error", name, err)
				}
			}
		})
	}
	if _, err := runCLI(t, "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("an unknown command: %v", err)
	}
	if _, err := runCLI(t, "version", "extra"); err == nil {
		t.Error("version with an argument succeeded")
	}
}

// The environment variables: CEPTOR_<FLAG> fills a flag not given on the
// command line, and CEPTOR_<FLAG>_FILE reads the value from a file. These
// tests change the process environment and the working directory, so they
// do not run in parallel.
func TestEnvDataDir(t *testing.T) {
	t.Chdir(t.TempDir()) // anything written to ./data would land here
	dir := t.TempDir()
	t.Setenv("CEPTOR_DATA_DIR", dir)
	out, err := runCLI(t, "migrate")
	if err != nil || !strings.Contains(out, filepath.Join(dir, "ceptor.db")) {
		t.Fatalf("migrate with CEPTOR_DATA_DIR: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil {
		t.Errorf("no service key created in CEPTOR_DATA_DIR: %v", err)
	}
	if _, err := os.Stat("data"); err == nil {
		t.Error("./data was created although CEPTOR_DATA_DIR was set")
	}
	// A flag on the command line wins over the environment.
	flagDir := t.TempDir()
	out, err = runCLI(t, "migrate", "--data-dir", flagDir)
	if err != nil || !strings.Contains(out, filepath.Join(flagDir, "ceptor.db")) {
		t.Errorf("migrate --data-dir with CEPTOR_DATA_DIR set: %q, %v; want the flag's directory", out, err)
	}
	// A value the flag cannot take is an error naming the variable.
	t.Setenv("CEPTOR_DEMO_OPERATORS", "many")
	if _, err := runCLIContext(canceled(), "serve", "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "CEPTOR_DEMO_OPERATORS") {
		t.Errorf("serve with CEPTOR_DEMO_OPERATORS=many: %v, want an error naming the variable", err)
	}
}

func TestEnvDatabaseURL(t *testing.T) {
	e := newEnv(t, "postgres")
	t.Chdir(t.TempDir())
	t.Setenv("CEPTOR_DATABASE_URL", e.dbURL)
	t.Setenv("CEPTOR_DATA_DIR", e.dataDir)
	out, err := runCLI(t, "demo", "--operators", "30")
	if err != nil {
		t.Fatalf("demo with CEPTOR_DATABASE_URL: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "migrate"); err != nil || !strings.HasPrefix(out, "database postgres ") {
		t.Errorf("migrate with CEPTOR_DATABASE_URL: %q, %v", out, err)
	}
	users, _, err := e.openDB(t).ListUsers(context.Background(), ceptor.UserFilter{})
	if err != nil || len(users) != len(demo.Generate(1, 30).Users) {
		t.Errorf("the PostgreSQL schema holds %d users (%v), want the demo users", len(users), err)
	}
	if _, err := os.Stat(filepath.Join(e.dataDir, "ceptor.db")); err == nil {
		t.Error("a SQLite file was created although CEPTOR_DATABASE_URL was set")
	}
}

func TestEnvSecretKeyFile(t *testing.T) {
	t.Chdir(t.TempDir())
	key := make([]byte, auth.KeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	keyFile := writeFile(t, "service.key", fmt.Sprintf("%x\n", key))
	dataDir := t.TempDir()
	t.Setenv("CEPTOR_SECRET_KEY_FILE", keyFile)
	t.Setenv("CEPTOR_DATA_DIR", dataDir)
	if out, err := runCLI(t, "demo", "--operators", "30"); err != nil {
		t.Fatalf("demo with CEPTOR_SECRET_KEY_FILE: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "secret.key")); err == nil {
		t.Error("a key was generated in the data directory although CEPTOR_SECRET_KEY_FILE was set")
	}
	// The demo user's TOTP secret is sealed with the key from the file.
	db := (&testEnv{engine: "sqlite", dataDir: dataDir}).openDB(t)
	u, err := db.FindUserByEmail(context.Background(), demo.MFAEmail)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := auth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := sealer.Open(u.TOTPSecret, "totp:"+demo.MFAEmail)
	if err != nil || string(plain) != demo.DemoTOTPSecret {
		t.Errorf("the TOTP secret does not open with the key of CEPTOR_SECRET_KEY_FILE: %q, %v", plain, err)
	}
	// A missing key file is an error that names the variable, not a new key.
	t.Setenv("CEPTOR_SECRET_KEY_FILE", filepath.Join(t.TempDir(), "missing.key"))
	if _, err := runCLI(t, "migrate"); err == nil || !strings.Contains(err.Error(), "CEPTOR_SECRET_KEY_FILE") {
		t.Errorf("migrate with a missing CEPTOR_SECRET_KEY_FILE: %v", err)
	}
}
