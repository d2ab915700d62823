package sqldb

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// textIndexer writes SQLite's full-text index of reports in batches, apart
// from the transactions that change reports (see indexReport). It runs
// shortly after a change is marked, and at least every few seconds in case
// another process (the CLI, a second server on the same file) marked one.
type textIndexer struct {
	d      *DB
	wake   chan struct{}
	quit   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	closed bool
}

const (
	textIndexDelay = 200 * time.Millisecond // gathers a batch after a change
	textIndexEvery = 5 * time.Second
	textIndexBatch = 100
	// textIndexYieldMax bounds how long the index waits for queued writers
	// before writing anyway, so that it cannot fall behind for ever.
	textIndexYieldMax = 10 * time.Second
)

func startTextIndexer(d *DB) *textIndexer {
	t := &textIndexer{d: d, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go t.run()
	return t
}

func (t *textIndexer) kick() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *textIndexer) stop() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	t.mu.Unlock()
	close(t.quit)
	<-t.done
}

func (t *textIndexer) run() {
	defer close(t.done)
	tick := time.NewTicker(textIndexEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.quit:
			t.flushAll()
			return
		case <-tick.C:
		case <-t.wake:
			select {
			case <-time.After(textIndexDelay):
			case <-t.quit:
			}
		}
		t.flushAll()
	}
}

func (t *textIndexer) flushAll() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		// Searches stay exact while entries wait (see textMatch), so the
		// index gives way to the writes people are waiting for.
		t.d.yieldToWriters(ctx, textIndexYieldMax)
		n, err := t.d.FlushTextIndex(ctx, textIndexBatch)
		if err != nil {
			t.d.log.Warn("full-text index update failed; will retry", "err", err)
			return
		}
		if n < textIndexBatch {
			return
		}
	}
}

// FlushTextIndex rewrites the full-text entries of up to limit reports
// marked as changed, in one transaction, and returns how many it wrote. On
// PostgreSQL there is nothing to do.
func (d *DB) FlushTextIndex(ctx context.Context, limit int) (int, error) {
	if d.dialect != SQLite {
		return 0, nil
	}
	var ids []int64
	rows, err := d.query(ctx, d.db, "SELECT report_id FROM reports_fts_pending ORDER BY report_id LIMIT ?", limit)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return 0, translate(err)
	}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := d.exec(ctx, tx, "DELETE FROM reports_fts WHERE rowid = ?", id); err != nil {
				return err
			}
			if _, err := d.exec(ctx, tx, "INSERT INTO reports_fts (rowid, title, body, response) SELECT id, title, body, response FROM reports WHERE id = ?", id); err != nil {
				return err
			}
			if _, err := d.exec(ctx, tx, "DELETE FROM reports_fts_pending WHERE report_id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}
