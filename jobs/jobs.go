// Package jobs runs ceptor's durable background work (deliveries, reminders,
// escalations, probes, invitations, housekeeping) on River, a job queue that
// keeps its jobs in the same database as everything else, on SQLite and on
// PostgreSQL alike. A job is inserted in the same transaction as the change
// that causes it, so a crash can neither lose it nor run it for a change that
// was rolled back. With several nodes on one PostgreSQL, every node works
// jobs and one elected leader schedules the periodic ones.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Config describes the queue.
type Config struct {
	// DB is the pool; Dialect is "sqlite" or "postgres".
	DB      *sql.DB
	Dialect string
	Logger  *slog.Logger
	// Workers is how many jobs run at once on this node (default 10).
	Workers int
	// Poll is how often idle nodes look for new jobs (default 1 s). Neither
	// driver uses LISTEN/NOTIFY, so this bounds the pickup latency.
	Poll time.Duration
	// Periodic jobs scheduled by the leader.
	Periodic []*river.PeriodicJob
}

// Queue is the job queue of one node.
type Queue struct {
	client  *river.Client[*sql.Tx]
	workers *river.Workers
	cfg     Config
}

func driver(db *sql.DB, dialect string) (riverdriver.Driver[*sql.Tx], error) {
	switch dialect {
	case "sqlite":
		return riversqlite.New(db), nil
	case "postgres":
		return riverdatabasesql.New(db), nil
	}
	return nil, fmt.Errorf("jobs: unknown dialect %q", dialect)
}

// Migrate brings River's own tables up to date. It is safe to run on every
// start and from several nodes.
func Migrate(ctx context.Context, db *sql.DB, dialect string, log *slog.Logger) error {
	drv, err := driver(db, dialect)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// quiet keeps River's own chatter at warning level and above.
func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(levelFilter{h: log.Handler(), min: slog.LevelWarn})
}

type levelFilter struct {
	h   slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.h.Enabled(ctx, l)
}
func (f levelFilter) Handle(ctx context.Context, r slog.Record) error { return f.h.Handle(ctx, r) }
func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{h: f.h.WithAttrs(a), min: f.min}
}
func (f levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{h: f.h.WithGroup(n), min: f.min}
}

// New builds the queue; register adds every worker before it starts. A
// queue with no workers can still insert jobs (the CLI uses that).
func New(cfg Config, register func(w *river.Workers)) (*Queue, error) {
	drv, err := driver(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, err
	}
	if cfg.Workers == 0 {
		cfg.Workers = 10
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	q := &Queue{workers: river.NewWorkers(), cfg: cfg}
	if register != nil {
		register(q.workers)
	}
	rc := &river.Config{
		Logger:            quiet(cfg.Logger),
		Workers:           q.workers,
		FetchPollInterval: cfg.Poll,
		FetchCooldown:     min(cfg.Poll, 100*time.Millisecond),
		JobTimeout:        5 * time.Minute,
		MaxAttempts:       10,
		PeriodicJobs:      cfg.Periodic,
	}
	if register != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
		// Advisory deliveries wait on mail relays and webhooks, not on the
		// database: their own queue with more workers (delivery.go).
		rc.Queues[QueueDeliveries] = river.QueueConfig{MaxWorkers: deliveryWorkers(cfg.Dialect, cfg.DB)}
	}
	q.client, err = river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: client: %w", err)
	}
	return q, nil
}

// Start begins working jobs.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (up to the context's deadline), then stops.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Jobs that did not finish are retried by the next node to start.
		return q.client.StopAndCancel(context.Background())
	}
	return err
}

// InsertTx adds a job in the caller's transaction.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.client.InsertTx(ctx, tx, args, opts)
	return err
}

// InsertManyTx adds many jobs in the caller's transaction with one statement
// per batch (fast enough for thousands of deliveries).
func (q *Queue) InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	_, err := q.client.InsertManyFastTx(ctx, tx, params)
	return err
}

// Insert adds a job outside any transaction.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.client.Insert(ctx, args, opts)
	return err
}

// Subscribe reports finished and failed jobs (tests use it to wait).
func (q *Queue) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return q.client.Subscribe(kinds...)
}

// Count returns how many jobs of a kind are in a state, for dashboards and tests.
func (q *Queue) Count(ctx context.Context, kind string, state rivertype.JobState) (int, error) {
	params := river.NewJobListParams().Kinds(kind).States(state).First(10000)
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return 0, err
	}
	return len(res.Jobs), nil
}
