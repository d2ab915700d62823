package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"ceptor/jobs"
	"ceptor/mail"
	"ceptor/mail/mailtest"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// emailQueue starts a queue whose only worker sends e-mail with sender.
func emailQueue(t *testing.T, db *sqldb.DB, sender mail.Sender) (*jobs.Queue, <-chan *river.Event) {
	t.Helper()
	ctx := context.Background()
	must(t, jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), nil))
	q, err := jobs.New(jobs.Config{DB: db.SQL(), Dialect: string(db.Dialect()), Poll: 50 * time.Millisecond}, func(w *river.Workers) {
		river.AddWorker(w, &jobs.SendEmailWorker{Sender: sender})
	})
	must(t, err)
	events, stop := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	t.Cleanup(stop)
	must(t, q.Start(ctx))
	t.Cleanup(func() { q.Stop(context.Background()) })
	return q, events
}

func enqueue(t *testing.T, db *sqldb.DB, q *jobs.Queue, emails ...jobs.SendEmailArgs) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	must(t, err)
	must(t, q.EnqueueEmailsTx(ctx, tx, emails...))
	must(t, tx.Commit())
}

func nextEvent(t *testing.T, events <-chan *river.Event, timeout time.Duration) *river.Event {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(timeout):
		t.Fatalf("no job event within %s", timeout)
	}
	return nil
}

func outcome(t *testing.T, j *rivertype.JobRow) jobs.EmailOutcome {
	t.Helper()
	var o jobs.EmailOutcome
	if err := json.Unmarshal(j.Output(), &o); err != nil {
		t.Fatalf("job output %q: %v", j.Output(), err)
	}
	return o
}

// Enqueue → worker → SMTP: the message arrives with its Japanese subject; a
// refusal with 5xx cancels the job, one with 4xx is retried with backoff
// and then delivered.
func TestSendEmailJob(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		t.Parallel()
		srv := mailtest.Start(t)
		sender, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 5 * time.Second})
		must(t, err)
		q, events := emailQueue(t, db, sender)

		subject := "【ceptor】情報連絡の期限（24時間）が近づいています"
		enqueue(t, db, q, jobs.SendEmailArgs{To: []string{"taro@minato.example.jp"}, Subject: subject,
			Text: "みなと銀行 ご担当者様\n期限が近づいています。\n", HTML: "<p>期限が近づいています。</p>", NotificationID: 42})
		e := nextEvent(t, events, 30*time.Second)
		if e.Kind != river.EventKindJobCompleted || !outcome(t, e.Job).Sent || e.Job.MaxAttempts != 12 {
			t.Fatalf("event %s, output %s, max attempts %d", e.Kind, e.Job.Output(), e.Job.MaxAttempts)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		p, err := msgs[0].Parse()
		must(t, err)
		if p.Subject != subject || p.Text != "みなと銀行 ご担当者様\n期限が近づいています。\n" || p.Get("X-Ceptor-Notification") != "42" || p.Get("Auto-Submitted") != "auto-generated" {
			t.Fatalf("received %q %q %v", p.Subject, p.Text, p.Header)
		}

		// An address the server does not know: no retry.
		srv.Fail(mailtest.StageRcpt, "550 5.1.1 no such user", 1)
		enqueue(t, db, q, jobs.SendEmailArgs{To: []string{"gone@minato.example.jp"}, Subject: "s", Text: "t"})
		if e := nextEvent(t, events, 30*time.Second); e.Kind != river.EventKindJobCancelled || e.Job.State != rivertype.JobStateCancelled {
			t.Fatalf("permanent refusal: %s %s", e.Kind, e.Job.State)
		}

		// Greylisting: the first attempt fails and is retried later.
		srv.Fail(mailtest.StageData, "451 4.7.1 greylisted", 1)
		enqueue(t, db, q, jobs.SendEmailArgs{To: []string{"hanako@minato.example.jp"}, Subject: "再送", Text: "t"})
		e = nextEvent(t, events, 30*time.Second)
		// A retry due soon is made available at once, a later one retryable.
		retry := e.Job.State == rivertype.JobStateRetryable || e.Job.State == rivertype.JobStateAvailable
		if e.Kind != river.EventKindJobFailed || !retry || len(e.Job.Errors) != 1 {
			t.Fatalf("temporary refusal: %s %s %v", e.Kind, e.Job.State, e.Job.Errors)
		}
		if e = nextEvent(t, events, 60*time.Second); e.Kind != river.EventKindJobCompleted || e.Job.Attempt != 2 {
			t.Fatalf("retry: %s attempt %d", e.Kind, e.Job.Attempt)
		}
		if _, err := srv.Wait(2, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	})
}

// Without an SMTP server the job completes and records that nothing was sent.
func TestSendEmailJobWithoutSMTP(t *testing.T) {
	t.Parallel()
	db := sqldbtest.Open(t, "sqlite", sqldbtest.Options{})
	q, events := emailQueue(t, db, nil)
	enqueue(t, db, q, jobs.SendEmailArgs{To: []string{"taro@minato.example.jp"}, Subject: "件名", Text: "本文"})
	e := nextEvent(t, events, 30*time.Second)
	if o := outcome(t, e.Job); e.Kind != river.EventKindJobCompleted || o.Sent || o.Reason != "smtp_not_configured" {
		t.Fatalf("%s %+v", e.Kind, o)
	}
}

type fakeCleanup struct{ before time.Time }

func (f *fakeCleanup) DeleteNotificationsBefore(ctx context.Context, t time.Time) (int, error) {
	f.before = t
	return 0, nil
}

func TestNotificationCleanupKeepsRetention(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &fakeCleanup{}
	w := &jobs.NotificationCleanupWorker{Store: st, Keep: jobs.NotificationRetention, Now: func() time.Time { return now }}
	must(t, w.Work(context.Background(), &river.Job[jobs.NotificationCleanupArgs]{JobRow: &rivertype.JobRow{}}))
	if want := now.Add(-jobs.NotificationRetention); !st.before.Equal(want) || st.before.After(now.AddDate(-1, 0, 0)) {
		t.Fatalf("deleted before %s, want %s (more than a year ago)", st.before, want)
	}
}
