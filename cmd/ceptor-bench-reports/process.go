package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"ceptor/internal/benchenv"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Time limits; every wait of the bench is bounded by one of them.
const (
	buildTimeout   = 10 * time.Minute
	startTimeout   = 5 * time.Minute  // migrations + demo load
	stopTimeout    = 30 * time.Second // ceptor's own shutdown timeout is 15 s
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
	return benchenv.CLI(ctx, bin, args, dbArgs, env)
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

// pgCounters are cumulative activity counters of the bench database from
// pg_stat_database (PostgreSQL publishes them with a delay of up to a
// second, which is small against the measured window).
type pgCounters struct {
	Xacts, Fetched, Inserted, Updated int64
}

func pgCountersOf(ctx context.Context, p *benchenv.PG) (pgCounters, error) {
	ctx, cancel := context.WithTimeout(ctx, dbAdminTimeout)
	defer cancel()
	var c pgCounters
	err := p.Admin.QueryRowContext(ctx, `SELECT xact_commit + xact_rollback, tup_fetched, tup_inserted, tup_updated
		FROM pg_stat_database WHERE datname = $1`, p.Name).Scan(&c.Xacts, &c.Fetched, &c.Inserted, &c.Updated)
	if err != nil {
		return c, fmt.Errorf("read pg_stat_database: %w", err)
	}
	return c, nil
}

// createToken creates an API token for a user through the CLI.
func createToken(ctx context.Context, bin, email string, dbArgs, env []string) (string, error) {
	return benchenv.CreateToken(ctx, bin, email, "ceptor-bench-reports", dbArgs, env)
}
