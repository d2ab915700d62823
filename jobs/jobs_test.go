package jobs_test

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"ceptor/jobs"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"

	"github.com/riverqueue/river"
)

type pingArgs struct {
	N int `json:"n"`
}

func (pingArgs) Kind() string { return "test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	sum *atomic.Int64
}

func (w *pingWorker) Work(ctx context.Context, j *river.Job[pingArgs]) error {
	w.sum.Add(int64(j.Args.N))
	return nil
}

func open(t *testing.T, db *sqldb.DB, sum *atomic.Int64) *jobs.Queue {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), nil); err != nil {
		t.Fatal(err)
	}
	// Migrating twice is harmless (every node does it at start).
	if err := jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(jobs.Config{DB: db.SQL(), Dialect: string(db.Dialect()), Poll: 50 * time.Millisecond}, func(w *river.Workers) {
		river.AddWorker(w, &pingWorker{sum: sum})
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A job inserted in a committed transaction runs; one inserted in a
// rolled-back transaction never does.
func TestJobsFollowTheirTransaction(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var sum atomic.Int64
		q := open(t, db, &sum)
		done, stop := q.Subscribe(river.EventKindJobCompleted)
		defer stop()
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())

		insert := func(n int, commit bool) {
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.InsertTx(ctx, tx, pingArgs{N: n}, nil); err != nil {
				t.Fatal(err)
			}
			if commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		insert(1000, false)
		insert(7, true)
		many := []river.InsertManyParams{{Args: pingArgs{N: 10}}, {Args: pingArgs{N: 20}}}
		tx, _ := db.SQL().BeginTx(ctx, nil)
		if err := q.InsertManyTx(ctx, tx, many); err != nil {
			t.Fatal(err)
		}
		must(t, tx.Commit())
		for i := 0; i < 3; i++ {
			select {
			case <-done:
			case <-ctx.Done():
				t.Fatalf("jobs not worked; sum so far %d", sum.Load())
			}
		}
		if got := sum.Load(); got != 37 {
			t.Fatalf("sum %d, want 37 (the rolled-back job must not run)", got)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = sql.ErrNoRows
