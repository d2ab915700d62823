package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"ceptor/internal/benchenv"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Time limits; each wait of the bench is bounded by one of them.
const (
	buildTimeout      = 10 * time.Minute
	firstStartTimeout = 5 * time.Minute // migrations + demo load
	warmStartTimeout  = 2 * time.Minute
	stopTimeout       = 30 * time.Second // ceptor's own shutdown timeout is 15 s
)

// engineResult holds the measurements of one engine.
type engineResult struct {
	Engine        string
	ServerVersion string // PostgreSQL server version; empty for SQLite

	FirstStart    time.Duration   // process start to /readyz 200, empty database
	FirstPeakRSS  int64           // VmHWM when the first start became ready, bytes
	WarmStarts    []time.Duration // process start to /readyz 200, demo data present, in order
	Idle          memory          // after the warm start and --idle
	AfterLoad     memory          // right after all load runs
	AfterLoadIdle memory          // --idle after the load runs
	AfterSignIn   memory          // --idle after one password sign-in
	AfterSignIns  memory          // --idle after --signins simultaneous sign-ins
	Loads         []loadResult
}

// buildCeptor builds ./cmd/ceptor of the module the bench runs in into dir
// and returns the binary and the Go version used.
func buildCeptor(ctx context.Context, dir string) (bin, goVersion string, err error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOMOD: %w (is the go command on PATH?)", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if _, err := os.Stat(filepath.Join(root, "cmd", "ceptor")); err != nil {
		return "", "", fmt.Errorf("run ceptor-bench from inside the ceptor module (no cmd/ceptor under %s)", root)
	}
	bin = filepath.Join(dir, "ceptor")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ceptor")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/ceptor: %w\n%s", err, b)
	}
	v, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	return bin, strings.TrimSpace(string(v)), nil
}

// measureEngine runs the whole sequence on one engine. It returns what it
// measured so far together with the first error.
func measureEngine(ctx context.Context, engine, bin, tmp string, o options, logf func(string, ...any)) (*engineResult, error) {
	r := &engineResult{Engine: engine}
	dataDir := filepath.Join(tmp, engine)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	dbArgs := []string{"--data-dir", dataDir}
	env := benchenv.CleanEnv()
	// dbPIDs lists the database server processes whose CPU time counts as
	// the engine's (none for the embedded SQLite).
	dbPIDs := func(context.Context) ([]int, error) { return nil, nil }
	if engine == "postgres" {
		pg, err := benchenv.CreatePostgres(ctx, o.PostgresURL, "ceptor_bench_")
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := pg.Drop(); err != nil {
				logf("postgres: %v", err)
			}
		}()
		r.ServerVersion = pg.Version
		dbArgs = append(dbArgs, "--database-url", pg.URL)
		dbPIDs = pg.BackendPIDs
		// A fixed key keeps ceptor from warning about a key file per node.
		key := make([]byte, 32)
		rand.Read(key)
		env = append(env, "CEPTOR_SECRET_KEY="+hex.EncodeToString(key))
	}

	port, err := benchenv.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	serveArgs := append([]string{"serve", "--demo", "--addr", addr, "--log-level", "warn"}, dbArgs...)

	logf("%s: first start (migrations + demo load)", engine)
	srv, err := startServer(bin, serveArgs, env, addr)
	if err != nil {
		return nil, err
	}
	defer srv.stop() // no-op once stopped
	if r.FirstStart, err = srv.waitReady(ctx, firstStartTimeout); err != nil {
		return r, fmt.Errorf("first start: %w", err)
	}
	if mem, err := readMemory(srv.pid()); err == nil {
		r.FirstPeakRSS = mem.HWM
	}
	logf("%s: ready after %s; stopping", engine, fmtDuration(r.FirstStart))
	if err := srv.stop(); err != nil {
		return r, fmt.Errorf("stop after first start: %w", err)
	}

	// Warm starts: all but the last are stopped again; the last one serves
	// the rest of the sequence.
	for i := range o.WarmStarts {
		logf("%s: warm start %d of %d (demo data present)", engine, i+1, o.WarmStarts)
		if srv, err = startServer(bin, serveArgs, env, addr); err != nil {
			return r, err
		}
		defer srv.stop()
		d, err := srv.waitReady(ctx, warmStartTimeout)
		if err != nil {
			return r, fmt.Errorf("warm start %d: %w", i+1, err)
		}
		r.WarmStarts = append(r.WarmStarts, d)
		logf("%s: ready after %s", engine, fmtDuration(d))
		if i < o.WarmStarts-1 {
			if err := srv.stop(); err != nil {
				return r, fmt.Errorf("stop after warm start %d: %w", i+1, err)
			}
		}
	}
	logf("%s: idle for %s", engine, o.Idle)
	if err := sleep(ctx, o.Idle); err != nil {
		return r, err
	}
	if r.Idle, err = readMemory(srv.pid()); err != nil {
		return r, err
	}
	logf("%s: idle VmRSS %s, VmHWM %s", engine, fmtMiB(r.Idle.RSS), fmtMiB(r.Idle.HWM))

	// The users whose tokens the load runs use.
	loadUsers := []struct{ Email, Label string }{
		{"admin.nisc@demo.example", "NISC admin (sees all)"},
		{"admin.operator@demo.example", "operator admin (policy-filtered)"},
	}
	for _, u := range loadUsers {
		token, err := createToken(ctx, bin, u.Email, dbArgs, env)
		if err != nil {
			return r, err
		}
		logf("%s: load as %s: %d clients for %s", engine, u.Email, o.Concurrency, o.Duration)
		lr := runLoad(ctx, "http://"+addr+"/api/v1/organizations?limit=100", token, o.Concurrency, o.Duration, srv.pid(), dbPIDs)
		lr.User, lr.Label = u.Email, u.Label
		if lr.Err != nil {
			logf("%s: load as %s failed: %v", engine, u.Email, lr.Err)
		} else {
			logf("%s: %.0f req/s, p50 %s, p99 %s, %d errors; CPU per request: ceptor %s, database %s; other processes used %.0f%% of the machine",
				engine, lr.RPS, fmtLatency(lr.P50), fmtLatency(lr.P99), lr.Errors,
				fmtLatency(lr.perRequest(lr.CPU.Server)), fmtLatency(lr.perRequest(lr.CPU.Database)), 100*lr.CPU.Others)
		}
		r.Loads = append(r.Loads, lr)
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
	}
	if r.AfterLoad, err = readMemory(srv.pid()); err != nil {
		return r, err
	}
	if err := sleep(ctx, o.Idle); err != nil {
		return r, err
	}
	if r.AfterLoadIdle, err = readMemory(srv.pid()); err != nil {
		return r, err
	}
	logf("%s: after the load runs VmRSS %s, %s later %s; VmHWM %s", engine, fmtMiB(r.AfterLoad.RSS), o.Idle, fmtMiB(r.AfterLoadIdle.RSS), fmtMiB(r.AfterLoadIdle.HWM))

	// Password sign-ins: each runs argon2id at ceptor's production cost.
	if o.SignIns > 0 {
		const email = "admin.nisc@demo.example"
		base := "http://" + addr
		if err := signIn(ctx, base, email); err != nil {
			return r, fmt.Errorf("sign-in: %w", err)
		}
		if err := sleep(ctx, o.Idle); err != nil {
			return r, err
		}
		if r.AfterSignIn, err = readMemory(srv.pid()); err != nil {
			return r, err
		}
		logf("%s: %s after one password sign-in VmRSS %s", engine, o.Idle, fmtMiB(r.AfterSignIn.RSS))
		if err := signInMany(ctx, base, email, o.SignIns); err != nil {
			return r, fmt.Errorf("%d simultaneous sign-ins: %w", o.SignIns, err)
		}
		if err := sleep(ctx, o.Idle); err != nil {
			return r, err
		}
		if r.AfterSignIns, err = readMemory(srv.pid()); err != nil {
			return r, err
		}
		logf("%s: %s after %d simultaneous password sign-ins VmRSS %s, VmHWM %s", engine, o.Idle, o.SignIns, fmtMiB(r.AfterSignIns.RSS), fmtMiB(r.AfterSignIns.HWM))
	}
	if err := srv.stop(); err != nil {
		return r, fmt.Errorf("stop: %w", err)
	}
	return r, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// createToken creates an API token for a user through the CLI.
func createToken(ctx context.Context, bin, email string, dbArgs, env []string) (string, error) {
	return benchenv.CreateToken(ctx, bin, email, "ceptor-bench", dbArgs, env)
}
