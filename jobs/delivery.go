package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"ceptor"
	"ceptor/mail"

	"github.com/riverqueue/river"
)

// Advisory deliveries (情報提供): publishing an advisory creates one
// delivery row per recipient organisation x contact x channel and, in the
// same transaction, one AdvisoryDeliveryArgs job per e-mail or webhook row
// (or, for more than dispatchDirect rows, dispatchers that queue those jobs
// right after the commit; see AdvisoryDispatchArgs).
// The worker claims the row (queued -> sending, with a lease) in its own
// transaction before sending and records the outcome after, so a job run
// twice, or by two nodes, sends once: the second claim finds the row taken
// or sent. A node killed while sending leaves the row "sending"; when the
// lease runs out the sweeper (AdvisorySweepArgs, periodic) queues it again.
// Only in that window — the receiver accepted, the process died before
// recording it — can a message go out twice; both copies carry the same
// X-Ceptor-Delivery id so that receivers can drop the repeat.
//
// The window is kept as narrow as the protocols allow: on its own
// database connection (PinConn, held for the whole send), the worker
// records the hand-over (handover 1) just before the final "." of SMTP
// DATA or the last byte of the webhook request, and the acceptance
// (handover 2) the moment the 250 or the 2xx arrives — first in the node's
// hand-over journal (one write(2), read back at the next start; see
// sqldb/handover_journal.go), then in the database — before QUIT, before
// closing anything, before the recipient's state is updated. A row found past its lease at
// handover 2 is recorded as sent, never sent again; at handover 0 it was
// never handed over and is sent again safely; only at handover 1 may the
// receiver already have it, and only those are sent again with a possible
// repeat (counted in the row's uncertain_resends). Every try after a
// row's first carries X-Ceptor-Redelivery: possible.
//
// When a primary contact's delivery fails for good (a 5xx answer, an
// invalid address, retries used up) and the organisation has not
// confirmed, its alternate contacts get the message; when nothing is left
// that can reach it, the recipient is unreachable.

// AdvisoryDeliveryArgs sends one delivery row.
type AdvisoryDeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job in the queue.
func (AdvisoryDeliveryArgs) Kind() string { return "advisory_delivery" }

// QueueDeliveries is the queue of advisory deliveries; at most
// DeliveryWorkers work it at once on each node.
const (
	QueueDeliveries = "deliveries"
	DeliveryWorkers = 40
)

// deliveryWorkers: on PostgreSQL the workers share the node's connection
// pool (20) with River itself; more workers than connections only make a
// sent message wait longer before it is recorded (the window in which a
// crash repeats it) without sending faster. Each worker also holds a
// connection of its own for its send (PinConn) and may need a second one
// meanwhile: a few connections always stay for those (and River), or the
// workers could end up each holding one and waiting for another.
func deliveryWorkers(dialect string, db *sql.DB) int {
	if dialect == "postgres" {
		n := 12
		if db != nil {
			if m := db.Stats().MaxOpenConnections; m > 0 && n > m-4 {
				n = max(1, m-4)
			}
		}
		return n
	}
	return DeliveryWorkers
}

// InsertOpts: eight attempts with River's backoff (attempt⁴ seconds) span
// about an hour and a half; alternates take over after that.
func (AdvisoryDeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 8, Queue: QueueDeliveries}
}

// DeliveryLease is how long a sender holds a delivery row; a sender that
// has not finished by then is presumed dead.
const DeliveryLease = 2 * time.Minute

// DeliveryStore is what the delivery worker reads and records.
type DeliveryStore interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	ClaimDelivery(ctx context.Context, id int64, now time.Time, lease time.Duration) (*ceptor.AdvisoryDelivery, error)
	// PinConn holds a database connection for ctx until release.
	PinConn(ctx context.Context) (pinned context.Context, release func(), err error)
	// DeliveryHandover records the hand-over state of the claimed attempt
	// (sqldb.HandoverNone, HandoverHanding, HandoverAccepted).
	DeliveryHandover(ctx context.Context, x *ceptor.AdvisoryDelivery, state int, at, until time.Time) error
	DeliverySent(ctx context.Context, x *ceptor.AdvisoryDelivery, at time.Time) error
	DeliveryRetry(ctx context.Context, x *ceptor.AdvisoryDelivery, msg string) error
	DeliveryFailed(ctx context.Context, x *ceptor.AdvisoryDelivery, msg string, at time.Time) ([]int64, error)
	FindAdvisory(ctx context.Context, id int64) (*ceptor.Advisory, error)
	StaleDeliveries(ctx context.Context, now time.Time, age time.Duration, limit int) ([]int64, error)
	RemindAlternates(ctx context.Context, now time.Time, lead time.Duration) ([]int64, error)
	EscalateOverdue(ctx context.Context, now time.Time, grace time.Duration) (int, error)
}

// AdvisoryMessenger renders what a delivery sends, in the contact's
// language and within what the advisory's TLP allows outside the system
// (the web server implements it: it owns the messages and the links).
type AdvisoryMessenger interface {
	AdvisoryEmail(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery) (mail.Message, error)
	// AdvisoryWebhook returns the JSON body and the headers (signature,
	// timestamp, delivery id) of a webhook call.
	AdvisoryWebhook(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery, now time.Time) ([]byte, map[string]string, error)
	// AdvisoryChanged wakes the advisory's live pages.
	AdvisoryChanged(ctx context.Context, id int64)
}

// AdvisoryDeliveryWorker sends deliveries.
type AdvisoryDeliveryWorker struct {
	river.WorkerDefaults[AdvisoryDeliveryArgs]
	Store     DeliveryStore
	Messenger AdvisoryMessenger
	// Sender sends e-mail; nil: no SMTP server is configured and e-mail
	// deliveries fail (so that alternates and the unreachable list show it).
	Sender mail.Sender
	// HTTP calls webhooks (default: 10 s timeout, no redirects).
	HTTP  *http.Client
	Now   func() time.Time
	Log   *slog.Logger
	Lease time.Duration
	// Enqueue queues delivery ids, in the ambient transaction of ctx when
	// there is one (see Queue.EnqueueDeliveries).
	Enqueue func(ctx context.Context, ids []int64) error
}

// Timeout bounds one attempt.
func (w *AdvisoryDeliveryWorker) Timeout(*river.Job[AdvisoryDeliveryArgs]) time.Duration {
	return time.Minute
}

func (w *AdvisoryDeliveryWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *AdvisoryDeliveryWorker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// errPermanent marks a failure that retrying cannot cure.
type errPermanent struct{ error }

// Work sends one delivery.
func (w *AdvisoryDeliveryWorker) Work(ctx context.Context, job *river.Job[AdvisoryDeliveryArgs]) error {
	lease := w.Lease
	if lease == 0 {
		lease = DeliveryLease
	}
	// The connection is held from the claim to the record of the
	// outcome: the acceptance is recorded without waiting for the pool.
	ctx, release, err := w.Store.PinConn(ctx)
	if err != nil {
		return err
	}
	defer release()
	x, err := w.Store.ClaimDelivery(ctx, job.Args.DeliveryID, w.now(), lease)
	if err != nil {
		return err
	}
	if x == nil {
		// Sent, failed for good, or being sent by another worker.
		return nil
	}
	// Addresses are personal data: logs carry ids only.
	log := w.log().With("job_id", job.ID, "delivery_id", x.ID, "advisory_id", x.AdvisoryID, "org_id", x.OrgID, "channel", x.Channel, "attempt", job.Attempt)
	a, err := w.Store.FindAdvisory(ctx, x.AdvisoryID)
	if err != nil {
		w.Store.DeliveryRetry(ctx, x, "advisory: "+err.Error())
		return err
	}
	if a.Status == ceptor.AdvisoryWithdrawn && x.Purpose != "withdrawn" {
		_, err := w.Store.DeliveryFailed(ctx, x, "advisory withdrawn before delivery", w.now())
		return err
	}
	resend := x.Attempts > 1
	sendErr := w.send(ctx, a, x, lease, resend)
	switch {
	case sendErr == nil:
		if err := w.Store.DeliverySent(ctx, x, w.now()); err != nil {
			return err
		}
		log.Info("advisory delivered")
		w.changed(ctx, a.ID)
		return nil
	case errors.As(sendErr, new(errPermanent)) || job.Attempt >= job.MaxAttempts:
		log.Warn("advisory delivery failed for good; trying alternates", "err", sendErr)
		err := w.Store.Atomic(ctx, func(ctx context.Context) error {
			ids, err := w.Store.DeliveryFailed(ctx, x, sendErr.Error(), w.now())
			if err != nil {
				return err
			}
			return w.enqueue(ctx, ids)
		})
		if err != nil {
			return err
		}
		w.changed(ctx, a.ID)
		return nil
	default:
		log.Warn("advisory delivery failed; will retry", "err", sendErr)
		if err := w.Store.DeliveryRetry(ctx, x, sendErr.Error()); err != nil {
			return err
		}
		return sendErr
	}
}

func (w *AdvisoryDeliveryWorker) changed(ctx context.Context, id int64) {
	if w.Messenger != nil {
		w.Messenger.AdvisoryChanged(ctx, id)
	}
}

func (w *AdvisoryDeliveryWorker) enqueue(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if w.Enqueue == nil {
		return errors.New("jobs: the delivery worker has no Enqueue")
	}
	return w.Enqueue(ctx, ids)
}

// Hand-over states, as sqldb records them.
const (
	handoverNone     = 0
	handoverHanding  = 1
	handoverAccepted = 2
)

// handover records the moments around the step that lets the receiver
// accept a message (see the package comment on deliveries).
type handover struct {
	w      *AdvisoryDeliveryWorker
	ctx    context.Context
	x      *ceptor.AdvisoryDelivery
	lease  time.Duration
	handed bool
}

func (h *handover) before() error {
	now := h.w.now()
	if err := h.w.Store.DeliveryHandover(h.ctx, h.x, handoverHanding, now, now.Add(h.lease)); err != nil {
		return err
	}
	h.handed = true
	return nil
}

func (h *handover) accepted() {
	if err := h.w.Store.DeliveryHandover(h.ctx, h.x, handoverAccepted, h.w.now(), time.Time{}); err != nil {
		// DeliverySent follows and records it; only a crash before then
		// leaves the row handed over without an answer.
		h.w.log().Warn("advisory delivery: recording the acceptance failed", "delivery_id", h.x.ID, "err", err)
	}
}

// refused: the receiver answered no (or the step was never taken).
func (h *handover) refused() {
	if h.handed {
		h.w.Store.DeliveryHandover(h.ctx, h.x, handoverNone, h.w.now(), time.Time{})
	}
}

// renderErr: a message that cannot be made from what is stored (no such
// contact, invalid data) fails for good and the alternates take over; any
// other failure while making it (the database reading the webhook's key,
// say) is tried again with the job's backoff.
func renderErr(err error) error {
	switch ceptor.ErrorCode(err) {
	case ceptor.ENOTFOUND, ceptor.EINVALID:
		return errPermanent{err}
	}
	return fmt.Errorf("making the message: %w", err)
}

// RedeliveryHeader marks a message or webhook call sent again after its
// sender stopped (the receiver may have the first one: same delivery id).
const RedeliveryHeader = "X-Ceptor-Redelivery"

func (w *AdvisoryDeliveryWorker) send(ctx context.Context, a *ceptor.Advisory, x *ceptor.AdvisoryDelivery, lease time.Duration, resend bool) error {
	h := &handover{w: w, ctx: ctx, x: x, lease: lease}
	switch x.Channel {
	case ceptor.ChannelEmail:
		if w.Sender == nil {
			return errPermanent{errors.New("no SMTP server is configured")}
		}
		m, err := w.Messenger.AdvisoryEmail(a, x)
		if err != nil {
			return renderErr(err)
		}
		if m.Headers == nil {
			m.Headers = map[string]string{}
		}
		if _, ok := m.Headers["X-Ceptor-Delivery"]; !ok {
			m.Headers["X-Ceptor-Delivery"] = strconv.FormatInt(x.ID, 10)
		}
		if resend {
			m.Headers[RedeliveryHeader] = "possible"
		}
		if hs, ok := w.Sender.(mail.HandoverSender); ok {
			err = hs.SendHandover(ctx, m, mail.Handover{Before: h.before, Accepted: h.accepted})
		} else if err = h.before(); err == nil {
			if err = w.Sender.Send(ctx, m); err == nil {
				h.accepted()
			}
		}
		if err != nil {
			if !errors.Is(err, mail.ErrUncertain) {
				h.refused()
			}
			if mail.Permanent(err) {
				return errPermanent{err}
			}
			return err
		}
		return nil
	case ceptor.ChannelWebhook:
		body, headers, err := w.Messenger.AdvisoryWebhook(a, x, w.now())
		if err != nil {
			return renderErr(err)
		}
		if len(body) == 0 {
			return errPermanent{errors.New("empty webhook body")}
		}
		// As with SMTP's final ".", the hand-over is recorded just before
		// the last byte of the body is written: until then the receiver
		// holds an incomplete request it cannot act on.
		hb := &handoverBody{rest: body[:len(body)-1], last: body[len(body)-1:], before: h.before}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.Address, hb)
		if err != nil {
			return errPermanent{err}
		}
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "ceptor-webhook/1")
		// The idempotency key of the call: the same for every try.
		req.Header.Set("X-Ceptor-Delivery", strconv.FormatInt(x.ID, 10))
		if resend {
			req.Header.Set(RedeliveryHeader, "possible")
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		hc := w.HTTP
		if hc == nil {
			hc = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		resp, err := hc.Do(req)
		if err != nil {
			if hb.err != nil {
				// Not handed over: the body stopped short.
				return hb.err
			}
			// Handed over (h.handed): the receiver may have taken the
			// call, and the hand-over stays for the next sender to see.
			return err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			h.accepted()
			resp.Body.Close()
			return nil
		}
		h.refused()
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return fmt.Errorf("webhook answered %d", resp.StatusCode)
		default:
			return errPermanent{fmt.Errorf("webhook answered %d", resp.StatusCode)}
		}
	}
	return errPermanent{fmt.Errorf("unknown channel %q", x.Channel)}
}

// handoverBody is a webhook request body that records the hand-over
// (before) when everything but its last byte has been read, and stops
// short when that fails.
type handoverBody struct {
	rest, last []byte
	before     func() error
	err        error
}

func (b *handoverBody) Read(p []byte) (int, error) {
	if len(b.rest) > 0 {
		n := copy(p, b.rest)
		b.rest = b.rest[n:]
		return n, nil
	}
	if len(b.last) == 0 {
		return 0, io.EOF
	}
	if b.before != nil {
		if err := b.before(); err != nil {
			b.err = fmt.Errorf("not handed over: %w", err)
			b.last = nil
			return 0, b.err
		}
		b.before = nil
	}
	n := copy(p, b.last)
	b.last = b.last[n:]
	return n, nil
}

// Publishing to thousands of organisations writes thousands of delivery
// rows; queueing a job for each of them in the publishing transaction
// made the publish itself (the user's click, and the moment every in-app
// delivery is recorded) wait for thousands of job rows. Above
// dispatchDirect rows, the transaction queues one AdvisoryDispatchArgs per
// DispatchChunk rows instead, naming them as runs of ids; the dispatchers
// queue their jobs right after the commit. Both the rows and the
// dispatcher commit with the publish, so nothing is lost in between: a
// dispatcher stopped half way runs again and skips the rows already
// taken (and a row queued twice is still sent once, see ClaimDelivery);
// the sweeper picks up any row that waits too long regardless.

// dispatchDirect: up to this many rows get their jobs in the caller's
// transaction (alternates, reminders, small audiences).
const dispatchDirect = 64

// dispatchBatch: rows queued per transaction by the dispatcher.
const dispatchBatch = 1000

// DispatchChunk: rows per dispatcher. A large publish queues one
// dispatcher per DispatchChunk rows, so that a node that dies while
// dispatching leaves only the rows of the dispatchers it was running to
// the sweeper; the others run at once on any node.
const DispatchChunk = 250

// AdvisoryDispatchArgs queues the jobs of delivery rows after the
// transaction that created them.
type AdvisoryDispatchArgs struct {
	// Runs are inclusive ranges of delivery ids, [first, last].
	Runs [][2]int64 `json:"runs"`
}

// Kind names the job in the queue.
func (AdvisoryDispatchArgs) Kind() string { return "advisory_dispatch" }

// InsertOpts: on the deliveries queue, tried again for long enough to
// outlast a database restart.
func (AdvisoryDispatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, Queue: QueueDeliveries}
}

// idRuns folds sorted-or-not ids into inclusive runs of consecutive ids
// (rows inserted together get consecutive ids: one run per publish).
func idRuns(ids []int64) [][2]int64 {
	s := slices.Clone(ids)
	slices.Sort(s)
	var out [][2]int64
	for _, id := range s {
		if n := len(out); n > 0 && (id == out[n-1][1] || id == out[n-1][1]+1) {
			out[n-1][1] = id
			continue
		}
		out = append(out, [2]int64{id, id})
	}
	return out
}

// dispatchParams: one dispatcher per DispatchChunk ids.
func dispatchParams(ids []int64) []river.InsertManyParams {
	s := slices.Clone(ids)
	slices.Sort(s)
	var out []river.InsertManyParams
	for start := 0; start < len(s); start += DispatchChunk {
		out = append(out, river.InsertManyParams{Args: AdvisoryDispatchArgs{Runs: idRuns(s[start:min(start+DispatchChunk, len(s))])}})
	}
	return out
}

// DispatchStore lists the rows of a run that still wait for their first
// try.
type DispatchStore interface {
	UntriedDeliveries(ctx context.Context, first, last int64, limit int) ([]int64, error)
}

// AdvisoryDispatchWorker queues the delivery jobs of a dispatch.
type AdvisoryDispatchWorker struct {
	river.WorkerDefaults[AdvisoryDispatchArgs]
	Store DispatchStore
}

// Timeout: 100,000 organisations are a few hundred batches.
func (w *AdvisoryDispatchWorker) Timeout(*river.Job[AdvisoryDispatchArgs]) time.Duration {
	return 10 * time.Minute
}

// Work queues the jobs, a batch per transaction.
func (w *AdvisoryDispatchWorker) Work(ctx context.Context, job *river.Job[AdvisoryDispatchArgs]) error {
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	for _, run := range job.Args.Runs {
		for next := run[0]; next <= run[1]; {
			ids, err := w.Store.UntriedDeliveries(ctx, next, run[1], dispatchBatch)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				break
			}
			if _, err := client.InsertManyFast(ctx, deliveryParams(ids)); err != nil {
				return err
			}
			next = ids[len(ids)-1] + 1
		}
	}
	return nil
}

func deliveryParams(ids []int64) []river.InsertManyParams {
	p := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		p[i] = river.InsertManyParams{Args: AdvisoryDeliveryArgs{DeliveryID: id}}
	}
	return p
}

// EnqueueDeliveries queues delivery rows in tx, or on their own when tx is nil.
func (q *Queue) EnqueueDeliveries(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if tx == nil {
		_, err := q.client.InsertManyFast(ctx, deliveryParams(ids))
		return err
	}
	return q.EnqueueDeliveriesTx(ctx, tx, ids)
}

// EnqueueDeliveriesTx queues delivery rows in the caller's transaction:
// their jobs, or for more than dispatchDirect rows one dispatcher that
// queues their jobs after the commit.
func (q *Queue) EnqueueDeliveriesTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) > dispatchDirect {
		return q.InsertManyTx(ctx, tx, dispatchParams(ids))
	}
	return q.InsertManyTx(ctx, tx, deliveryParams(ids))
}

// AdvisorySweepArgs is the periodic job that re-queues deliveries whose
// sender died, sends reminders to alternate contacts before the
// confirmation deadline and escalates organisations that missed it.
type AdvisorySweepArgs struct{}

// Kind names the job in the queue.
func (AdvisorySweepArgs) Kind() string { return "advisory_sweep" }

// Advisory sweep timing.
const (
	AdvisorySweepInterval = time.Minute
	// AdvisoryReminderLead: unconfirmed organisations' alternate contacts
	// are reminded this long before the deadline.
	AdvisoryReminderLead = 6 * time.Hour
	// AdvisoryEscalationGrace: after the deadline the CEPTOR secretariat
	// follows up first; the ministry sees the organisation this much later.
	AdvisoryEscalationGrace = 24 * time.Hour
)

// AdvisorySweepWorker runs the sweep.
type AdvisorySweepWorker struct {
	river.WorkerDefaults[AdvisorySweepArgs]
	Store DeliveryStore
	Now   func() time.Time
	Log   *slog.Logger
	// Enqueue queues delivery ids (in the ambient transaction when there is one).
	Enqueue func(ctx context.Context, ids []int64) error
	// QueuedAge: a delivery never tried for this long lost its job (default 5 min).
	QueuedAge time.Duration
}

// Work runs one sweep.
func (w *AdvisorySweepWorker) Work(ctx context.Context, job *river.Job[AdvisorySweepArgs]) error {
	return w.Run(ctx)
}

// Run sweeps once.
func (w *AdvisorySweepWorker) Run(ctx context.Context) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	enqueue := w.Enqueue
	if enqueue == nil {
		return errors.New("jobs: the advisory sweep has no Enqueue")
	}
	age := w.QueuedAge
	if age == 0 {
		age = 5 * time.Minute
	}
	stale, err := w.Store.StaleDeliveries(ctx, now, age, 5000)
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		if w.Log != nil {
			w.Log.Warn("advisory deliveries queued again (their sender stopped)", "count", len(stale))
		}
		if err := enqueue(ctx, stale); err != nil {
			return err
		}
	}
	err = w.Store.Atomic(ctx, func(ctx context.Context) error {
		ids, err := w.Store.RemindAlternates(ctx, now, AdvisoryReminderLead)
		if err != nil || len(ids) == 0 {
			return err
		}
		return enqueue(ctx, ids)
	})
	if err != nil {
		return err
	}
	_, err = w.Store.EscalateOverdue(ctx, now, AdvisoryEscalationGrace)
	return err
}

// AdvisorySweepEvery schedules the sweep on the leader.
func AdvisorySweepEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return AdvisorySweepArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// AdvisoryNotifyArgs tells the people of an advisory's recipient
// organisations in the application (the bell), and by e-mail as each
// person's notification choices for advisories ask. It is queued in the
// publishing (correcting, relaying) transaction and runs after it.
type AdvisoryNotifyArgs struct {
	AdvisoryID int64  `json:"advisory_id"`
	Purpose    string `json:"purpose"` // v1, vN, relay:<org>
}

// Kind names the job in the queue.
func (AdvisoryNotifyArgs) Kind() string { return "advisory_notify" }

// AdvisoryNotifier notifies the recipients; each organisation once per
// purpose, however often the job runs.
type AdvisoryNotifier interface {
	NotifyAdvisoryRecipients(ctx context.Context, id int64, purpose string) error
}

// AdvisoryNotifyWorker runs the notifications.
type AdvisoryNotifyWorker struct {
	river.WorkerDefaults[AdvisoryNotifyArgs]
	Notifier AdvisoryNotifier
}

// Timeout: thousands of organisations.
func (w *AdvisoryNotifyWorker) Timeout(*river.Job[AdvisoryNotifyArgs]) time.Duration {
	return 10 * time.Minute
}

// Work notifies.
func (w *AdvisoryNotifyWorker) Work(ctx context.Context, job *river.Job[AdvisoryNotifyArgs]) error {
	return w.Notifier.NotifyAdvisoryRecipients(ctx, job.Args.AdvisoryID, job.Args.Purpose)
}

// EnqueueAdvisoryNotifyTx queues the notifications in the caller's transaction.
func (q *Queue) EnqueueAdvisoryNotifyTx(ctx context.Context, tx *sql.Tx, id int64, purpose string) error {
	return q.InsertTx(ctx, tx, AdvisoryNotifyArgs{AdvisoryID: id, Purpose: purpose}, nil)
}
