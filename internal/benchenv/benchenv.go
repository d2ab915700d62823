// Package benchenv is what ceptor's bench commands share to measure a real
// `ceptor` process: a clean environment, a free loopback port, the CLI
// (tokens), and a throw-away PostgreSQL database on a loopback server.
// Benchmarks talk only to this machine: URLs that are not loopback are refused.
package benchenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
)

const (
	cliTimeout   = 2 * time.Minute
	adminTimeout = 30 * time.Second
)

// CleanEnv is the process environment without CEPTOR_* variables, so that
// the bench alone decides how the server is configured.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CEPTOR_") {
			env = append(env, kv)
		}
	}
	return env
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// LastLine returns the last non-empty line of s, trimmed.
func LastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// CLI runs `bin args... --log-level warn dbArgs...` and returns its standard
// output; the child dies with the bench.
func CLI(ctx context.Context, bin string, args, dbArgs, env []string) (string, error) {
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

// CreateToken creates an API token for a user with `ceptor token create`,
// which prints the token as its last line.
func CreateToken(ctx context.Context, bin, email, name string, dbArgs, env []string) (string, error) {
	out, err := CLI(ctx, bin, []string{"token", "create", "--email", email, "--name", name}, dbArgs, env)
	if err != nil {
		return "", err
	}
	token := LastLine(out)
	if !strings.HasPrefix(token, "cpt_") {
		return "", fmt.Errorf("ceptor token create --email %s printed no token as its last line:\n%s", email, out)
	}
	return token, nil
}

// LoopbackURL parses a postgres:// URL and refuses any host that is not a
// loopback IP address.
func LoopbackURL(raw string) (*url.URL, error) {
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

// PG is a fresh database created for one bench run.
type PG struct {
	Admin   *sql.DB // connection to the admin database: create, drop, statistics
	Name    string
	URL     string // URL of the new database, for ceptor
	Version string // server version
}

// CreatePostgres creates a fresh UTF-8 database <prefix><random> on the
// server of adminURL. The caller must Drop it.
func CreatePostgres(ctx context.Context, adminURL, prefix string) (*PG, error) {
	u, err := LoopbackURL(adminURL)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, err
	}
	admin.SetMaxOpenConns(1)
	actx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	p := &PG{Admin: admin}
	if err := admin.QueryRowContext(actx, "SHOW server_version").Scan(&p.Version); err != nil {
		admin.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", u.Host, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	p.Name = prefix + hex.EncodeToString(b)
	create := "CREATE DATABASE " + p.Name + " ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
	if _, err := admin.ExecContext(actx, create); err != nil {
		admin.Close()
		return nil, fmt.Errorf("%s: %w", create, err)
	}
	du := *u
	du.Path = "/" + p.Name
	p.URL = du.String()
	return p, nil
}

// BackendPIDs returns the server processes that serve connections to the
// database (the server runs on this machine: the URL is loopback).
func (p *PG) BackendPIDs(ctx context.Context) ([]int, error) {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	rows, err := p.Admin.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1", p.Name)
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

// Drop removes the database, closing its connections first.
func (p *PG) Drop() error {
	defer p.Admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if _, err := p.Admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+p.Name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s (drop it by hand): %w", p.Name, err)
	}
	return nil
}
