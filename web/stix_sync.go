package web

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// SyncSTIX brings the STIX index up to date with every change queued by the
// database triggers. TAXII reads and exports do it before they answer; the
// periodic job below does it in the background, so that the queue stays
// short and the first reader after a busy hour does not wait.
func (s *Server) SyncSTIX(ctx context.Context) error { return s.syncSTIX(ctx) }

// STIXSyncArgs is the periodic job that keeps the STIX index current.
type STIXSyncArgs struct{}

// Kind names the job in the queue.
func (STIXSyncArgs) Kind() string { return "stix_sync" }

// STIXSyncWorker runs the sync.
type STIXSyncWorker struct {
	river.WorkerDefaults[STIXSyncArgs]
	Server *Server
}

// Work runs one sync.
func (w *STIXSyncWorker) Work(ctx context.Context, job *river.Job[STIXSyncArgs]) error {
	return w.Server.SyncSTIX(ctx)
}

// STIXSyncInterval is how often the background sync runs.
const STIXSyncInterval = time.Minute

// STIXSyncEvery schedules the sync on the leader.
func STIXSyncEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return STIXSyncArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
