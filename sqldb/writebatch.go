package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Group commit for SQLite.
//
// SQLite has one writer at a time, and a commit costs the same whether it
// carries one change or fifty: the WAL frames of shared pages (indexes, the
// audit chain's head, the job queue) and the lock handover. Write
// transactions of this process therefore queue in Go (a waiting writer in
// SQLite's busy handler sleeps in steps and leaves the lock idle), and the
// writer at the head of the queue runs everything queued behind it in ONE
// transaction, each change inside its own savepoint: a change that fails is
// rolled back to its savepoint and reports its error alone; the others
// commit together, and every caller returns only after the commit that
// holds its change. Under load the batches grow by themselves; a lone writer
// commits alone, as before.
//
// The leader runs the batch, answers every member, and hands the lead to
// the first writer still waiting, so no caller's answer waits for batches
// after its own.

const writeBatchMax = 64

type writeReq struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan writeResult
}

type writeResult struct {
	err  error
	lead bool // not an answer: the receiver now leads the queue
}

type writeQueue struct {
	mu      sync.Mutex
	pending []*writeReq
	leading bool
}

// errBatchAborted answers the members of a batch whose transaction could
// not be committed because of another member (or the database).
type errBatchAborted struct{ cause error }

func (e errBatchAborted) Error() string {
	return "write batch aborted: " + e.cause.Error()
}
func (e errBatchAborted) Unwrap() error { return e.cause }

// writeSQLite runs fn in a write transaction, batched with concurrent ones.
func (d *DB) writeSQLite(ctx context.Context, fn func(tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	q := &d.wq
	q.mu.Lock()
	q.pending = append(q.pending, req)
	lead := !q.leading
	if lead {
		q.leading = true
	}
	q.mu.Unlock()
	if !lead {
		res := <-req.done
		if !res.lead {
			return res.err
		}
	}
	// This goroutine leads: run batches until its own request is answered,
	// then pass the lead on.
	for {
		q.mu.Lock()
		n := min(len(q.pending), writeBatchMax)
		batch := append([]*writeReq(nil), q.pending[:n]...)
		q.pending = q.pending[n:]
		q.mu.Unlock()
		var own *error
		results := d.runBatch(batch)
		for i, r := range batch {
			if r == req {
				own = &results[i]
				continue
			}
			r.done <- writeResult{err: results[i]}
		}
		if own != nil {
			q.mu.Lock()
			if len(q.pending) > 0 {
				next := q.pending[0]
				q.mu.Unlock()
				next.done <- writeResult{lead: true}
			} else {
				q.leading = false
				q.mu.Unlock()
			}
			return *own
		}
	}
}

// runBatch runs the batch in one transaction and returns each member's
// error.
func (d *DB) runBatch(batch []*writeReq) []error {
	errs := make([]error, len(batch))
	live := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		live++
	}
	if live == 0 {
		return errs
	}
	// The transaction outlives any one member's request.
	tx, err := d.db.BeginTx(context.Background(), nil)
	if err != nil {
		err = translate(err)
		for i := range batch {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	single := live == 1
	ok := make([]bool, len(batch))
	for i, r := range batch {
		if errs[i] != nil {
			continue
		}
		if single {
			errs[i] = runMember(r, tx)
			ok[i] = errs[i] == nil
			continue
		}
		if _, err := tx.ExecContext(r.ctx, "SAVEPOINT ceptor_batch"); err != nil {
			errs[i] = translate(err)
			continue
		}
		if err := runMember(r, tx); err != nil {
			errs[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO ceptor_batch"); rerr != nil {
				return d.abortBatch(tx, batch, errs, ok, rerr)
			}
		} else {
			ok[i] = true
		}
		if _, err := tx.Exec("RELEASE ceptor_batch"); err != nil {
			return d.abortBatch(tx, batch, errs, ok, err)
		}
	}
	if single && !slicesAny(ok) {
		tx.Rollback()
		return errs
	}
	if err := tx.Commit(); err != nil {
		err = translate(err)
		for i := range batch {
			if ok[i] {
				errs[i] = err
			}
		}
	} else {
		d.ckpt.committed()
	}
	return errs
}

// runMember calls one member's function, turning a panic into its error so
// that the other members are still answered.
func runMember(r *writeReq, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write transaction: %v\n%s", p, debug.Stack())
		}
	}()
	return r.fn(tx)
}

// abortBatch rolls the whole transaction back when it can no longer be
// continued: members that had succeeded are told so.
func (d *DB) abortBatch(tx *sql.Tx, batch []*writeReq, errs []error, ok []bool, cause error) []error {
	tx.Rollback()
	d.log.Error("write batch aborted", "err", cause, "members", len(batch))
	for i := range batch {
		if errs[i] == nil || ok[i] {
			errs[i] = errBatchAborted{translate(cause)}
		}
	}
	return errs
}

func slicesAny(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}

// yieldToWriters lets background work (feeds, indexes) give way to the
// writes people are waiting for: on SQLite it waits, up to max, until no
// write transaction of this process has been queued for writersQuiet (a
// moment between two group commits under steady load is not a pause).
// Elsewhere it returns at once.
func (d *DB) yieldToWriters(ctx context.Context, max time.Duration) {
	if d.dialect != SQLite {
		return
	}
	deadline := time.Now().Add(max)
	var idleSince time.Time
	for time.Now().Before(deadline) {
		d.wq.mu.Lock()
		busy := d.wq.leading || len(d.wq.pending) > 0
		d.wq.mu.Unlock()
		switch {
		case busy:
			idleSince = time.Time{}
		case idleSince.IsZero():
			idleSince = time.Now()
		case time.Since(idleSince) >= writersQuiet:
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(writersQuiet / 5):
		}
	}
}

// writersQuiet is how long no write may have been queued before background
// work goes on.
const writersQuiet = 50 * time.Millisecond
