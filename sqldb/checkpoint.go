package sqldb

import (
	"context"
	"sync/atomic"
	"time"
)

// SQLite copies the write-ahead log back into the database file at
// checkpoints. Left to itself it does so inside the commit that crosses
// 1,000 pages of log, that is inside the group commit's leader, while every
// queued writer waits. This process's connections turn that off
// (wal_autocheckpoint(0) in the DSN) and a checkpointer runs passive
// checkpoints beside the writers instead: a passive checkpoint takes no
// write lock and copies what no reader still needs.
const (
	checkpointEvery = 200 * time.Millisecond // when something was committed
	checkpointIdle  = 5 * time.Second        // otherwise (other processes, River)
)

type checkpointer struct {
	d       *DB
	commits atomic.Uint64
	quit    chan struct{}
	done    chan struct{}
}

func startCheckpointer(d *DB) *checkpointer {
	c := &checkpointer{d: d, quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed notes a commit of this process.
func (c *checkpointer) committed() {
	if c != nil {
		c.commits.Add(1)
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var seen uint64
	last := time.Now()
	for {
		select {
		case <-c.quit:
			c.checkpoint()
			return
		case <-tick.C:
		}
		n := c.commits.Load()
		if n == seen && time.Since(last) < checkpointIdle {
			continue
		}
		seen, last = n, time.Now()
		c.checkpoint()
	}
}

func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.d.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil && c.d.log != nil {
		c.d.log.Warn("sqlite checkpoint failed", "err", err)
	}
}

func (c *checkpointer) stop() {
	if c == nil {
		return
	}
	select {
	case <-c.quit:
		return
	default:
	}
	close(c.quit)
	<-c.done
}
