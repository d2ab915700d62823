// Command ceptor-bench-reports measures sustained report submissions
// through the API (issue 3: "sustained report submissions per second
// through the API with 50 concurrent clients and p99 latency, on both
// engines"; target: at least 1,000 reports/s on SQLite on a 2-core machine
// with p99 under 100 ms).
//
// It builds cmd/ceptor once, then for each engine, on a fresh database (a
// new SQLite data directory, or a new PostgreSQL database that is dropped
// afterwards):
//
//  1. starts `ceptor serve --demo --addr 127.0.0.1:<free> --log-level warn`
//     and waits for /readyz;
//  2. lists the users with `ceptor user list --format tsv`, and creates API
//     tokens with `ceptor token create` for --users operator users
//     (analyst.operator@demo.example and the admin.op-<ceptor>@demo.example
//     users, one operator per sector), for a NISC analyst and for the
//     administrators of the ministries those operators report through;
//  3. reads the queue totals (GET /api/v1/reports?limit=1): NISC's incoming
//     queue, each ministry's relay queue, each operator's own reports;
//  4. runs --concurrency closed-loop keep-alive clients, each POSTing
//     /api/v1/reports with "submit": true and a complete report (route,
//     sector, TLP AMBER, event class, causes, systems, times, impact,
//     response, five indicators) as soon as its previous one is answered,
//     for --warmup plus --duration; the warm-up is not measured;
//  5. reports sustained reports/s and p50/p95/p99/max latency over the
//     measured window, the errors (with the first error's body), the CPU
//     time ceptor and the PostgreSQL backends spent per report, and checks
//     that the queue totals grew by exactly the number of 201 answers.
//
// Run it from the module root:
//
//	go run ./cmd/ceptor-bench-reports --engine both --duration 20s --concurrency 50
//
// It talks only to loopback addresses, every wait is bounded, and it stops
// the servers it started on exit (also on Ctrl-C) and drops the PostgreSQL
// database it created.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"ceptor/internal/benchenv"
)

// options are the command-line flags.
type options struct {
	Engines     []string // "sqlite", "postgres"
	PostgresURL string
	Duration    time.Duration // measured window
	Warmup      time.Duration // unmeasured lead-in
	Concurrency int
	Users       int      // operator users (organisations) the clients act for
	Routes      []string // routes the submissions cycle through
	Out         string   // markdown or text
	DebugAddr   string   // ceptor serve --debug-addr
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceptor-bench-reports:", err)
		os.Exit(2)
	}
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ceptor-bench-reports:", err)
		os.Exit(1)
	}
}

var knownRoutes = []string{"ministry", "direct"}

// parseFlags parses and checks the command line.
func parseFlags(args []string, errOut io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("ceptor-bench-reports", flag.ContinueOnError)
	fs.SetOutput(errOut)
	engine := fs.String("engine", "both", "engine to measure: sqlite, postgres or both")
	fs.StringVar(&o.PostgresURL, "postgres-url", "postgres://root@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL admin URL (loopback only); a database ceptor_benchrep_<random> is created on it and dropped afterwards")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "length of the measured window")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "load before the measured window, not counted in the figures")
	fs.IntVar(&o.Concurrency, "concurrency", 50, "number of concurrent closed-loop keep-alive clients")
	fs.IntVar(&o.Users, "users", 10, "number of operator users (each of another organisation) the clients submit as, round robin")
	routes := fs.String("routes", "ministry,direct", "comma-separated routes the submissions cycle through: ministry, direct")
	fs.StringVar(&o.Out, "out", "markdown", "output format: markdown or text")
	fs.StringVar(&o.DebugAddr, "debug-addr", "", "passed to ceptor serve --debug-addr, to take a CPU profile of the server during the run")
	fs.Usage = func() {
		fmt.Fprintf(errOut, "Usage: go run ./cmd/ceptor-bench-reports [flags]\n\n"+
			"Measures sustained POST /api/v1/reports submissions (reports/s and latency)\n"+
			"on SQLite and PostgreSQL. Run it from the module root; it builds ./cmd/ceptor itself.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (all settings are flags; see --help)", fs.Arg(0))
	}
	switch *engine {
	case "sqlite", "postgres":
		o.Engines = []string{*engine}
	case "both":
		o.Engines = []string{"sqlite", "postgres"}
	default:
		return o, fmt.Errorf("--engine must be sqlite, postgres or both, not %q", *engine)
	}
	for _, r := range strings.Split(*routes, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(knownRoutes, r) {
			return o, fmt.Errorf("--routes: unknown route %q (want ministry or direct)", r)
		}
		o.Routes = append(o.Routes, r)
	}
	switch o.Out {
	case "markdown", "text":
	default:
		return o, fmt.Errorf("--out must be markdown or text, not %q", o.Out)
	}
	if o.Duration < time.Second || o.Duration > 10*time.Minute {
		return o, fmt.Errorf("--duration must be between 1s and 10m, not %s", o.Duration)
	}
	if o.Warmup < 0 || o.Warmup > time.Minute {
		return o, fmt.Errorf("--warmup must be between 0 and 1m, not %s", o.Warmup)
	}
	if o.Concurrency < 1 || o.Concurrency > 512 {
		return o, fmt.Errorf("--concurrency must be between 1 and 512, not %d", o.Concurrency)
	}
	if o.Users < 1 || o.Users > 100 {
		return o, fmt.Errorf("--users must be between 1 and 100, not %d", o.Users)
	}
	if slices.Contains(o.Engines, "postgres") {
		if _, err := benchenv.LoopbackURL(o.PostgresURL); err != nil {
			return o, fmt.Errorf("--postgres-url: %w", err)
		}
	}
	return o, nil
}

// run builds ceptor, measures every requested engine and prints the
// report. An engine that fails is reported and the others still run.
func run(ctx context.Context, o options, out, progress io.Writer) error {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return fmt.Errorf("ceptor-bench-reports reads CPU times from /proc and runs on Linux only: %w", err)
	}
	tmp, err := os.MkdirTemp("", "ceptor-bench-reports-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf := func(format string, args ...any) {
		fmt.Fprintf(progress, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	logf("building ceptor")
	bin, goVersion, commit, err := buildCeptor(ctx, tmp)
	if err != nil {
		return err
	}
	m := describeMachine(goVersion, commit)

	var results []*engineResult
	var errs []error
	for _, engine := range o.Engines {
		if ctx.Err() != nil {
			break
		}
		r, err := measureEngine(ctx, engine, bin, tmp, o, logf)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", engine, err))
			logf("%s: FAILED: %v", engine, err)
		}
		if r != nil {
			if r.ServerVersion != "" {
				m.PostgreSQL = r.ServerVersion
			}
			results = append(results, r)
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("interrupted: %w", ctx.Err()))
	}
	m.LoadAfter = loadAverage()
	report(out, o, m, results)
	for _, r := range results {
		if r.Load != nil && !r.Verified {
			errs = append(errs, fmt.Errorf("%s: the queue totals did not grow by the number of successful submissions", r.Engine))
		}
	}
	return errors.Join(errs...)
}
