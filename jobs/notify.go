package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"time"

	"ceptor/mail"

	"github.com/riverqueue/river"
)

// SendEmailArgs is one e-mail to send, already rendered in its recipient's
// language. It is inserted in the transaction that stores the notification
// it announces, so that a notification rolled back sends nothing.
type SendEmailArgs struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html,omitempty"`
	// NotificationID links the e-mail to the in-app notification it
	// repeats (0 for e-mails of their own).
	NotificationID int64 `json:"notification_id,omitempty"`
}

// Kind names the job in the queue.
func (SendEmailArgs) Kind() string { return "send_email" }

// InsertOpts gives e-mail more attempts than the default: with River's
// backoff (attempt⁴ seconds) twelve attempts wait out a mail relay that is
// down for half a day.
func (SendEmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// EmailOutcome is recorded as the output of every finished e-mail job, so
// that the queue shows which e-mails really went out.
type EmailOutcome struct {
	Sent bool `json:"sent"`
	// Reason says why an e-mail was not sent: smtp_not_configured.
	Reason string `json:"reason,omitempty"`
}

// SendEmailWorker sends queued e-mails. A temporary failure (the relay is
// unreachable, a 4xx answer) is returned so that River retries with
// backoff; a permanent one (a 5xx answer, an invalid address) cancels the
// job, since sending it again would fail the same way.
type SendEmailWorker struct {
	river.WorkerDefaults[SendEmailArgs]
	// Sender delivers the messages; nil means no SMTP server is configured:
	// the e-mails are then logged and recorded as not sent.
	Sender mail.Sender
	Log    *slog.Logger
}

// Timeout bounds one attempt; the SMTP sender has its own shorter limits.
func (w *SendEmailWorker) Timeout(*river.Job[SendEmailArgs]) time.Duration { return 2 * time.Minute }

// Work sends one e-mail.
func (w *SendEmailWorker) Work(ctx context.Context, job *river.Job[SendEmailArgs]) error {
	a := job.Args
	log := w.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Addresses are personal data: the log says how many, not whose.
	log = log.With("job_id", job.ID, "notification_id", a.NotificationID, "recipients", len(a.To))
	if w.Sender == nil {
		log.Warn("e-mail not sent: no SMTP server is configured (--smtp-host)", "subject", a.Subject)
		river.RecordOutput(ctx, EmailOutcome{Sent: false, Reason: "smtp_not_configured"})
		return nil
	}
	msg := mail.Message{To: a.To, Subject: a.Subject, Text: a.Text, HTML: a.HTML,
		// RFC 3834: automatic messages get no out-of-office replies.
		Headers: map[string]string{"Auto-Submitted": "auto-generated"}}
	if a.NotificationID != 0 {
		msg.Headers["X-Ceptor-Notification"] = strconv.FormatInt(a.NotificationID, 10)
	}
	if err := w.Sender.Send(ctx, msg); err != nil {
		if mail.Permanent(err) {
			log.Error("e-mail refused; not retrying", "attempt", job.Attempt, "err", err)
			return river.JobCancel(err)
		}
		log.Warn("e-mail not sent; will retry", "attempt", job.Attempt, "max_attempts", job.MaxAttempts, "err", err)
		return err
	}
	log.Info("e-mail sent", "attempt", job.Attempt)
	river.RecordOutput(ctx, EmailOutcome{Sent: true})
	return nil
}

// EnqueueEmailsTx inserts e-mail jobs in the caller's transaction.
func (q *Queue) EnqueueEmailsTx(ctx context.Context, tx *sql.Tx, emails ...SendEmailArgs) error {
	params := make([]river.InsertManyParams, len(emails))
	for i, e := range emails {
		params[i] = river.InsertManyParams{Args: e}
	}
	return q.InsertManyTx(ctx, tx, params)
}

// NotificationCleanupArgs is the periodic job that removes old notifications.
type NotificationCleanupArgs struct{}

// Kind names the job in the queue.
func (NotificationCleanupArgs) Kind() string { return "notification_cleanup" }

// NotificationStore is what the cleanup needs.
type NotificationStore interface {
	DeleteNotificationsBefore(ctx context.Context, t time.Time) (int, error)
}

// NotificationRetention is how long notifications are kept: a fiscal year
// and a month, long enough to look back over a year's reminders. What
// happened is kept for good in the reports and the audit log themselves.
const NotificationRetention = 396 * 24 * time.Hour

// NotificationCleanupWorker deletes notifications older than Keep.
type NotificationCleanupWorker struct {
	river.WorkerDefaults[NotificationCleanupArgs]
	Store NotificationStore
	Keep  time.Duration
	Now   func() time.Time
}

// Work runs one cleanup.
func (w *NotificationCleanupWorker) Work(ctx context.Context, job *river.Job[NotificationCleanupArgs]) error {
	_, err := w.Store.DeleteNotificationsBefore(ctx, w.Now().Add(-w.Keep))
	return err
}

// NotificationCleanupEvery schedules the cleanup on the leader.
func NotificationCleanupEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return NotificationCleanupArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, nil)
}
