package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// SessionCleanupArgs is the periodic job that removes expired sessions.
type SessionCleanupArgs struct{}

// Kind names the job in the queue.
func (SessionCleanupArgs) Kind() string { return "session_cleanup" }

// SessionStore is what the cleanup needs.
type SessionStore interface {
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// SessionCleanupWorker deletes sessions past their expiry.
type SessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	Store SessionStore
	Now   func() time.Time
}

// Work runs one cleanup.
func (w *SessionCleanupWorker) Work(ctx context.Context, job *river.Job[SessionCleanupArgs]) error {
	_, err := w.Store.DeleteExpiredSessions(ctx, w.Now())
	return err
}

// SessionCleanupEvery schedules the cleanup on the leader.
func SessionCleanupEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return SessionCleanupArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
