// Command ceptor-bench measures what the operations targets of ceptor are
// stated in: the time a server takes to become ready with the demo data
// set, its resident memory at idle, and the throughput of
// GET /api/v1/organizations?limit=100, on the embedded SQLite engine and on
// PostgreSQL.
//
// It builds cmd/ceptor once, then for each engine, on a fresh database:
//
//  1. starts `ceptor serve --demo` and times it until /readyz answers 200
//     (first start: migrations and the demo load);
//  2. stops it with SIGTERM, starts it again on the same database and times
//     it again (start-up to ready with demo data), --warm-starts times, and
//     reports the median;
//  3. waits --idle after the last start and reads VmRSS and VmHWM from
//     /proc/<pid>/status;
//  4. creates API tokens with `ceptor token create` for a NISC administrator
//     (sees every organisation) and an operator administrator (whose list is
//     filtered by the visibility policy) and runs a closed-loop load of
//     --concurrency keep-alive clients for --duration per user against
//     GET /api/v1/organizations?limit=100;
//  5. reads the memory right after the load and --idle later;
//  6. signs in once through the web form with a password, and then
//     --signins times at once, reading the memory --idle after each: every
//     password check runs argon2id at the production cost;
//  7. prints a table per engine.
//
// Run it from the module root:
//
//	go run ./cmd/ceptor-bench --engine both --duration 10s --concurrency 8
//
// It talks only to loopback addresses, stops the servers it started on exit
// (also on Ctrl-C) and drops the PostgreSQL database it created.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"ceptor/internal/benchenv"
)

// defaultPostgresURL is the default of --postgres-url.
const defaultPostgresURL = "postgres://root@127.0.0.1:5432/postgres?sslmode=disable"

// options are the command-line flags.
type options struct {
	Engines     []string // "sqlite", "postgres"
	PostgresURL string   // admin URL used to create and drop the bench database
	Duration    time.Duration
	Concurrency int
	Idle        time.Duration
	WarmStarts  int    // number of timed starts on the loaded database
	SignIns     int    // simultaneous password sign-ins whose memory is measured
	Out         string // markdown or text
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceptor-bench:", err)
		os.Exit(2)
	}
	if err := run(ctx, opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ceptor-bench:", err)
		os.Exit(1)
	}
}

// parseFlags parses and checks the command line.
func parseFlags(args []string, errOut io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("ceptor-bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	engine := fs.String("engine", "both", "engine to measure: sqlite, postgres or both")
	fs.StringVar(&o.PostgresURL, "postgres-url", defaultPostgresURL,
		"PostgreSQL admin URL (loopback only); a database ceptor_bench_<random> is created on it and dropped afterwards")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each load run (one per user)")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "number of concurrent keep-alive clients in the load run")
	fs.IntVar(&o.WarmStarts, "warm-starts", 3, "number of timed starts on the loaded database (the median is reported)")
	fs.IntVar(&o.SignIns, "signins", 4, fmt.Sprintf("simultaneous password sign-ins whose memory is measured after the load runs (0: skip; at most %d, ceptor's sign-in burst per address, less the single sign-in measured first)", maxSignIns-1))
	fs.DurationVar(&o.Idle, "idle", 5*time.Second, "how long the server is left idle before each memory reading")
	fs.StringVar(&o.Out, "out", "markdown", "output format: markdown or text")
	fs.Usage = func() {
		fmt.Fprintf(errOut, "Usage: go run ./cmd/ceptor-bench [flags]\n\n"+
			"Measures ceptor's start-up time with the demo data, idle memory and\n"+
			"GET /api/v1/organizations?limit=100 throughput on SQLite and PostgreSQL.\n"+
			"Run it from the module root; it builds ./cmd/ceptor itself.\n\nFlags:\n")
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
	switch o.Out {
	case "markdown", "text":
	default:
		return o, fmt.Errorf("--out must be markdown or text, not %q", o.Out)
	}
	if o.Duration < 100*time.Millisecond || o.Duration > 10*time.Minute {
		return o, fmt.Errorf("--duration must be between 100ms and 10m, not %s", o.Duration)
	}
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return o, fmt.Errorf("--concurrency must be between 1 and 256, not %d", o.Concurrency)
	}
	if o.WarmStarts < 1 || o.WarmStarts > 20 {
		return o, fmt.Errorf("--warm-starts must be between 1 and 20, not %d", o.WarmStarts)
	}
	if o.SignIns < 0 || o.SignIns > maxSignIns-1 {
		return o, fmt.Errorf("--signins must be between 0 and %d, not %d", maxSignIns-1, o.SignIns)
	}
	if o.Idle < 0 || o.Idle > 5*time.Minute {
		return o, fmt.Errorf("--idle must be between 0 and 5m, not %s", o.Idle)
	}
	for _, e := range o.Engines {
		if e == "postgres" {
			if _, err := benchenv.LoopbackURL(o.PostgresURL); err != nil {
				return o, fmt.Errorf("--postgres-url: %w", err)
			}
		}
	}
	return o, nil
}

// run builds ceptor, measures every requested engine and prints the report.
// An engine that fails is reported and the others still run; the error
// names every failure.
func run(ctx context.Context, o options, out, progress io.Writer) error {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		return fmt.Errorf("ceptor-bench reads memory from /proc and runs on Linux only: %w", err)
	}
	tmp, err := os.MkdirTemp("", "ceptor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	logf := func(format string, args ...any) {
		fmt.Fprintf(progress, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	logf("building ceptor")
	bin, goVersion, err := buildCeptor(ctx, tmp)
	if err != nil {
		return err
	}
	m := describeMachine(goVersion)

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
	return errors.Join(errs...)
}
