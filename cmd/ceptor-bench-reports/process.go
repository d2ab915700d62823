package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Time limits; every wait of the bench is bounded by one of them.
const (
	buildTimeout   = 10 * time.Minute
	startTimeout   = 5 * time.Minute  // migrations + demo load
	stopTimeout    = 30 * time.Second // ceptor's own shutdown timeout is 15 s
	cliTimeout     = 2 * time.Minute
	dbAdminTimeout = 30 * time.Second
	requestTimeout = 30 * time.Second // one HTTP request
)

// buildCeptor builds ./cmd/ceptor of the module the bench runs in into dir
// and returns the binary, the Go version and the commit of the work tree
// (with "+dirty" when it has uncommitted changes).
func buildCeptor(ctx context.Context, dir string) (bin, goVersion, commit string, err error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", "", fmt.Errorf("go env GOMOD: %w (is the go command on PATH?)", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if _, err := os.Stat(filepath.Join(root, "cmd", "ceptor")); err != nil {
		return "", "", "", fmt.Errorf("run ceptor-bench-reports from inside the ceptor module (no cmd/ceptor under %s)", root)
	}
	bin = filepath.Join(dir, "ceptor")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ceptor")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", "", "", fmt.Errorf("go build ./cmd/ceptor: %w\n%s", err, b)
	}
	v, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", "", "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	commit = "unknown"
	git := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	git.Dir = root
	if b, err := git.Output(); err == nil {
		commit = strings.TrimSpace(string(b))
		st := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
		st.Dir = root
		if b, err := st.Output(); err == nil && len(bytes.TrimSpace(b)) > 0 {
			commit += "+dirty"
		}
	}
	return bin, strings.TrimSpace(string(v)), commit, nil
}

// cleanEnv is the environment without CEPTOR_* settings, so that the
// servers and commands the bench starts are configured by its flags alone.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CEPTOR_") {
			env = append(env, kv)
		}
	}
	return env
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// server is one running `ceptor serve` process.
type server struct {
	cmd     *exec.Cmd
	addr    string
	log     *tailBuffer
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// startServer starts bin with args in its own process group (a Ctrl-C
// reaches the bench, which stops the server in order); the kernel kills it
// should the bench itself die.
func startServer(bin string, args, env []string, addr string) (*server, error) {
	s := &server{addr: addr, log: &tailBuffer{max: 16 << 10}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls /readyz until it answers 200, the process exits, ctx
// ends or timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.exited:
			return fmt.Errorf("ceptor exited before it was ready (%v); its output:\n%s", s.waitErr, s.log)
		case <-deadline.C:
			return fmt.Errorf("ceptor not ready after %s; its output:\n%s", timeout, s.log)
		case <-tick.C:
		}
		resp, err := client.Get("http://" + s.addr + "/readyz")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
}

// stop sends SIGTERM and waits for the process to exit, killing it after
// stopTimeout. It is safe to call more than once.
func (s *server) stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				s.cmd.Process.Kill()
				<-s.exited
				s.stopErr = fmt.Errorf("ceptor did not stop within %s of SIGTERM and was killed", stopTimeout)
				return
			}
		}
		if s.waitErr != nil {
			s.stopErr = fmt.Errorf("ceptor exited with %v; its output:\n%s", s.waitErr, s.log)
		}
	})
	return s.stopErr
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return "(no output)"
	}
	return string(t.buf)
}

// cli runs a ceptor command against the bench database and returns its
// standard output.
func cli(ctx context.Context, bin string, args, dbArgs, env []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cliTimeout)
	defer cancel()
	full := append(append(append([]string{}, args...), "--log-level", "warn"), dbArgs...)
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("ceptor %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.String(), nil
}

// listedUser is one line of `ceptor user list --format tsv`.
type listedUser struct {
	Email, OrgName, OrgType, Role string
}

// parseUserTSV reads `ceptor user list --format tsv`: email, organisation
// name, organisation type, role.
func parseUserTSV(s string) ([]listedUser, error) {
	var out []listedUser
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			return nil, fmt.Errorf("unexpected line of ceptor user list --format tsv: %q", line)
		}
		out = append(out, listedUser{Email: f[0], OrgName: f[1], OrgType: f[2], Role: f[3]})
	}
	return out, nil
}

// pickOperators chooses up to n operator users, each of another
// organisation: analyst.operator@demo.example first, then the
// admin.op-<ceptor>@demo.example users in the order listed.
func pickOperators(users []listedUser, n int) []listedUser {
	var out []listedUser
	seenOrg := map[string]bool{}
	add := func(u listedUser) {
		if len(out) < n && u.OrgType == "operator" && !seenOrg[u.OrgName] {
			seenOrg[u.OrgName] = true
			out = append(out, u)
		}
	}
	for _, u := range users {
		if u.Email == "analyst.operator@demo.example" {
			add(u)
		}
	}
	for _, u := range users {
		if strings.HasPrefix(u.Email, "admin.op-") && strings.HasSuffix(u.Email, "@demo.example") {
			add(u)
		}
	}
	return out
}

// createToken runs `ceptor token create` and returns the token, which the
// command prints as its last line.
func createToken(ctx context.Context, bin, email string, dbArgs, env []string) (string, error) {
	out, err := cli(ctx, bin, []string{"token", "create", "--email", email, "--name", "ceptor-bench-reports"}, dbArgs, env)
	if err != nil {
		return "", err
	}
	token := lastLine(out)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", fmt.Errorf("ceptor token create --email %s printed no token as its last line:\n%s", email, out)
	}
	return token, nil
}

// lastLine returns the last non-empty line of s, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// loopbackURL parses a postgres:// URL and refuses any host but a loopback
// address: the bench creates and drops databases and must not reach
// another machine.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("want a postgres:// URL, not %q", u.Scheme+"://")
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("host %q is not a loopback IP address (use 127.0.0.1)", u.Hostname())
	}
	return u, nil
}

// pgDatabase is the fresh database the bench created for one run.
type pgDatabase struct {
	admin   *sql.DB // connection to the admin database: create, drop, pg_stat_activity
	name    string
	url     string // URL of the new database, for ceptor
	version string
}

// createPostgresDB creates a fresh UTF-8 database ceptor_benchrep_<random>
// on the server of adminURL. The caller must drop it.
func createPostgresDB(ctx context.Context, adminURL string) (*pgDatabase, error) {
	u, err := loopbackURL(adminURL)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(1)
	actx, cancel := context.WithTimeout(ctx, dbAdminTimeout)
	defer cancel()
	p := &pgDatabase{admin: admin}
	if err := admin.QueryRowContext(actx, "SHOW server_version").Scan(&p.version); err != nil {
		admin.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", u.Host, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	p.name = "ceptor_benchrep_" + hex.EncodeToString(b)
	create := "CREATE DATABASE " + p.name + " ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8' TEMPLATE template0"
	if _, err := admin.ExecContext(actx, create); err != nil {
		admin.Close()
		return nil, fmt.Errorf("%s: %w", create, err)
	}
	du := *u
	du.Path = "/" + p.name
	p.url = du.String()
	return p, nil
}

// backendPIDs returns the PostgreSQL server processes serving connections
// to the database (the server runs on this machine: the URL is loopback).
func (p *pgDatabase) backendPIDs(ctx context.Context) ([]int, error) {
	ctx, cancel := context.WithTimeout(ctx, dbAdminTimeout)
	defer cancel()
	rows, err := p.admin.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1", p.name)
	if err != nil {
		return nil, fmt.Errorf("list PostgreSQL backends: %w", err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, rows.Err()
}

// pgCounters are cumulative activity counters of the bench database from
// pg_stat_database (PostgreSQL publishes them with a delay of up to a
// second, which is small against the measured window).
type pgCounters struct {
	Xacts, Fetched, Inserted, Updated int64
}

func (p *pgDatabase) counters(ctx context.Context) (pgCounters, error) {
	ctx, cancel := context.WithTimeout(ctx, dbAdminTimeout)
	defer cancel()
	var c pgCounters
	err := p.admin.QueryRowContext(ctx, `SELECT xact_commit + xact_rollback, tup_fetched, tup_inserted, tup_updated
		FROM pg_stat_database WHERE datname = $1`, p.name).Scan(&c.Xacts, &c.Fetched, &c.Inserted, &c.Updated)
	if err != nil {
		return c, fmt.Errorf("read pg_stat_database: %w", err)
	}
	return c, nil
}

// drop drops the database, also after an interruption, and closes the
// admin connection.
func (p *pgDatabase) drop() error {
	defer p.admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), dbAdminTimeout)
	defer cancel()
	if _, err := p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+p.name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s (drop it by hand): %w", p.name, err)
	}
	return nil
}
