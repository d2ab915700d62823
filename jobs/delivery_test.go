package jobs_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ceptor"
	"ceptor/jobs"
	"ceptor/mail"
	"ceptor/mail/mailtest"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"

	"github.com/riverqueue/river"
)

// testMessenger renders deliveries plainly; the Message-ID carries the
// delivery id so that the sink can tell repeats.
type testMessenger struct{}

func (testMessenger) AdvisoryEmail(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery) (mail.Message, error) {
	id := "adv-" + strconv.FormatInt(x.ID, 10)
	return mail.Message{To: []string{x.Address}, Subject: "【情報提供】" + a.Title, Text: "確認してください",
		ID: id, Headers: map[string]string{"X-Ceptor-Delivery": strconv.FormatInt(x.ID, 10)}}, nil
}

func (testMessenger) AdvisoryWebhook(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery, now time.Time) ([]byte, map[string]string, error) {
	body := []byte(fmt.Sprintf(`{"advisory_id":%d,"delivery_id":%d}`, a.ID, x.ID))
	m := hmac.New(sha256.New, []byte("k"))
	m.Write(body)
	return body, map[string]string{"X-Ceptor-Signature": "sha256=" + hex.EncodeToString(m.Sum(nil))}, nil
}

func (testMessenger) AdvisoryChanged(context.Context, int64) {}

// advisoryWorld creates NISC and n operators, each with two primary
// contacts (e-mail) and one alternate; webhook, when set, is the first
// operator's primary webhook.
func advisoryWorld(t testing.TB, db *sqldb.DB, n int, webhook string) (nisc int64, author int64) {
	t.Helper()
	return advisoryWorldHooks(t, db, n, webhook, false)
}

// advisoryWorldHooks is advisoryWorld; with every set, each operator's
// first primary contact is the webhook (webhook?org=<i>) instead of the
// first operator's only.
func advisoryWorldHooks(t testing.TB, db *sqldb.DB, n int, webhook string, every bool) (nisc int64, author int64) {
	t.Helper()
	ctx := context.Background()
	mustTB(t, db.Atomic(ctx, func(ctx context.Context) error {
		o := &ceptor.Organization{Name: "NISC", Type: ceptor.OrgNISC, Active: true}
		if err := db.CreateOrg(ctx, o); err != nil {
			return err
		}
		u := &ceptor.User{OrgID: o.ID, Email: "desk@nisc.example.go.jp", Name: "担当", Role: ceptor.RoleAnalyst}
		if err := db.CreateUser(ctx, u); err != nil {
			return err
		}
		nisc, author = o.ID, u.ID
		for i := range n {
			op := &ceptor.Organization{Name: fmt.Sprintf("事業者%04d", i), Type: ceptor.OrgOperator, Active: true}
			if err := db.CreateOrg(ctx, op); err != nil {
				return err
			}
			for j, kind := range []ceptor.ContactKind{ceptor.ContactPrimary, ceptor.ContactPrimary, ceptor.ContactAlternate} {
				c := &ceptor.Contact{OrgID: op.ID, Name: "窓口", Kind: kind, Email: fmt.Sprintf("c%d-%d@op%d.example.jp", j, i, i), Active: true}
				if (i == 0 || every) && j == 0 && webhook != "" {
					c.Email, c.WebhookURL = "", webhook
					if every {
						c.WebhookURL += "?org=" + strconv.Itoa(i)
					}
				}
				if err := db.CreateContact(ctx, c); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	return nisc, author
}

// publish publishes an advisory to every operator and queues its
// deliveries in the same transaction.
func publish(t testing.TB, db *sqldb.DB, q *jobs.Queue, nisc, author int64) (int64, *ceptor.PublishResult) {
	t.Helper()
	ctx := context.Background()
	a := &ceptor.Advisory{OrgID: nisc, AuthorID: author, Title: "脆弱性に関する注意喚起", Body: "本文", TLP: ceptor.TLPGreen,
		Audience: ceptor.Audience{OrgTypes: []ceptor.OrgType{ceptor.OrgOperator}}}
	mustTB(t, db.CreateAdvisory(ctx, a))
	var res *ceptor.PublishResult
	mustTB(t, db.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if res, err = db.PublishAdvisory(ctx, a.ID, time.Now()); err != nil {
			return err
		}
		return q.EnqueueDeliveriesTx(ctx, sqldb.Tx(ctx), res.Deliveries)
	}))
	return a.ID, res
}

func deliveryQueue(t testing.TB, db *sqldb.DB, sender mail.Sender, lease time.Duration, sweep time.Duration) *jobs.Queue {
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), nil); err != nil {
		t.Fatal(err)
	}
	var q *jobs.Queue
	enqueue := func(ctx context.Context, ids []int64) error { return q.EnqueueDeliveries(ctx, sqldb.Tx(ctx), ids) }
	var periodic []*river.PeriodicJob
	if sweep > 0 {
		periodic = append(periodic, jobs.AdvisorySweepEvery(sweep))
	}
	var err error
	q, err = jobs.New(jobs.Config{DB: db.SQL(), Dialect: string(db.Dialect()), Poll: 50 * time.Millisecond, Periodic: periodic}, func(w *river.Workers) {
		river.AddWorker(w, &jobs.AdvisoryDeliveryWorker{Store: db, Messenger: testMessenger{}, Sender: sender, Lease: lease, Enqueue: enqueue})
		river.AddWorker(w, &jobs.AdvisoryDispatchWorker{Store: db})
		river.AddWorker(w, &jobs.AdvisorySweepWorker{Store: db, Enqueue: enqueue, QueuedAge: 2 * time.Second})
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func deliveryStatus(t testing.TB, db *sqldb.DB, id int64) map[string]map[string]int {
	c, err := db.DeliveryCounts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitDeliveries(t *testing.T, db *sqldb.DB, id int64, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c := deliveryStatus(t, db, id)
		done := 0
		for ch, m := range c {
			if ch != ceptor.ChannelInbox {
				done += m["sent"] + m["failed"]
			}
		}
		if done >= want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("deliveries not done within %s: %v", timeout, deliveryStatus(t, db, id))
}

// E-mail and a signed webhook go out; a webhook refusing with 4xx fails
// for good and the organisation's alternate contact gets the message.
func TestAdvisoryDeliveryJobs(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		srv := mailtest.Start(t)
		sender, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 5 * time.Second})
		must(t, err)
		var mu sync.Mutex
		var hooks []string
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			hooks = append(hooks, r.Header.Get("X-Ceptor-Signature")+" "+string(b))
			mu.Unlock()
			w.WriteHeader(http.StatusGone) // the endpoint is gone: permanent
		}))
		defer hook.Close()
		nisc, author := advisoryWorld(t, db, 3, hook.URL)
		q := deliveryQueue(t, db, sender, time.Minute, 0)
		must(t, q.Start(context.Background()))
		t.Cleanup(func() { q.Stop(context.Background()) })
		id, res := publish(t, db, q, nisc, author)
		// 3 orgs x 2 primaries; org 0's first primary is the webhook.
		if len(res.Deliveries) != 6 {
			t.Fatalf("deliveries %d", len(res.Deliveries))
		}
		waitDeliveries(t, db, id, 7, 60*time.Second) // + org 0's alternate after the webhook failed
		c := deliveryStatus(t, db, id)
		if c["email"]["sent"] != 6 || c["webhook"]["failed"] != 1 || c["inbox"]["sent"] != 0 {
			t.Fatalf("delivery counts %v", c)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(hooks) != 1 || !strings.HasPrefix(hooks[0], "sha256=") {
			t.Fatalf("webhook calls %q", hooks)
		}
		if msgs := srv.Messages(); len(msgs) != 6 {
			t.Fatalf("messages %d", len(msgs))
		}
	})
}

// The crash test: a child process (this test binary again) works the
// e-mail and webhook deliveries of an advisory to many organisations and
// is killed with SIGKILL at random moments, several times, then one last
// child finishes; each child starts by applying the hand-over journal its
// predecessor left. Afterwards every delivery row is sent, every contact
// got its message and its webhook call, and none got two different ones
// for the same delivery; the only repeats possible are of rows handed over
// without an answer when the process died (the final "." or the last byte
// sent, the answer not yet read), each counted on its row, and they carry
// the same Message-ID / X-Ceptor-Delivery, so receivers that deduplicate
// show one.
func TestAdvisoryDeliveryCrash(t *testing.T) {
	if os.Getenv("CEPTOR_CRASH_CHILD") != "" {
		t.Skip("child mode")
	}
	orgs := 1000
	if n, err := strconv.Atoi(os.Getenv("CEPTOR_CRASH_ORGS")); err == nil && n > 0 {
		orgs = n
	}
	if testing.Short() {
		orgs = 100
	}
	for _, engine := range crashEngines() {
		t.Run(engine, func(t *testing.T) {
			url := sqldbtest.URL(t, engine)
			ctx := context.Background()
			db, err := sqldb.Open(ctx, sqldb.Config{URL: url, DataDir: t.TempDir()})
			must(t, err)
			defer db.Close()
			must(t, jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), nil))
			srv := mailtest.Start(t)
			// Every organisation has a webhook (its first primary contact)
			// and an e-mail address (its second): both channels are sent
			// side by side and killed together.
			var hookMu sync.Mutex
			perHook := map[int64]int{}
			hookRepeats := 0
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// A receiver acts on a call only when its whole body
				// arrived and the signature holds (a sender killed before
				// the last byte leaves an incomplete body).
				body, err := io.ReadAll(r.Body)
				m := hmac.New(sha256.New, []byte("k"))
				m.Write(body)
				if err != nil || r.Header.Get("X-Ceptor-Signature") != "sha256="+hex.EncodeToString(m.Sum(nil)) {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				x, err := strconv.ParseInt(r.Header.Get("X-Ceptor-Delivery"), 10, 64)
				if err != nil {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				hookMu.Lock()
				perHook[x]++
				if r.Header.Get(jobs.RedeliveryHeader) != "" {
					hookRepeats++
				}
				hookMu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer hook.Close()
			nisc, author := advisoryWorldHooks(t, db, orgs, hook.URL, true)
			q := deliveryQueue(t, db, nil, time.Second, 0) // inserts only
			id, res := publish(t, db, q, nisc, author)
			wantHooks := orgs
			want := len(res.Deliveries) - wantHooks
			journal := filepath.Join(t.TempDir(), "handover.journal")

			lastWait := 5 * time.Minute
			if testing.Short() || os.Getenv("CEPTOR_CRASH_WAIT") != "" {
				lastWait = 40 * time.Second
			}
			run := func(kill time.Duration) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestAdvisoryDeliveryChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "CEPTOR_CRASH_CHILD=1", "CEPTOR_CRASH_URL="+url, "CEPTOR_CRASH_SMTP="+srv.Addr(), "CEPTOR_CRASH_JOURNAL="+journal)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				must(t, cmd.Start())
				if kill > 0 {
					time.Sleep(kill)
					cmd.Process.Signal(syscall.SIGKILL)
					cmd.Wait()
					if os.Getenv("CEPTOR_CRASH_VERBOSE") != "" {
						t.Logf("killed child said:\n%s", out.String())
					}
					return
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("last child: %v\n%s", err, out.String())
					}
				case <-time.After(lastWait):
					cmd.Process.Kill()
					t.Fatalf("last child did not finish: %v\n%s", deliveryStatus(t, db, id), out.String())
				}
			}
			kills := 0
			for range 4 {
				run(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
				kills++
				h := handoverCounts(t, db, id)
				t.Logf("after kill %d: %v, %d messages; left sending: %d never handed over, %d handed over without an answer, %d accepted but not recorded",
					kills, deliveryStatus(t, db, id), len(srv.Messages()), h[0], h[1], h[2])
			}
			run(0)

			c := deliveryStatus(t, db, id)
			if c["email"]["sent"] != want || len(c["email"]) != 1 || c["webhook"]["sent"] != wantHooks || len(c["webhook"]) != 1 {
				t.Fatalf("not every delivery was sent: %v (want %d e-mails and %d webhook calls sent)", c, want, wantHooks)
			}
			perDelivery := map[int64]int{}
			perID := map[string]int{}
			for _, m := range srv.Messages() {
				p, err := m.Parse()
				must(t, err)
				perID[p.Get("Message-ID")]++
				x, err := strconv.ParseInt(p.Get("X-Ceptor-Delivery"), 10, 64)
				must(t, err)
				perDelivery[x]++
				if len(m.To) != 1 {
					t.Fatalf("message to %v", m.To)
				}
			}
			if len(perID) != want || len(perDelivery) != want {
				t.Fatalf("%d distinct messages (%d delivery ids) for %d deliveries", len(perID), len(perDelivery), want)
			}
			hookMu.Lock()
			if len(perHook) != wantHooks {
				t.Fatalf("webhook calls for %d deliveries, want %d", len(perHook), wantHooks)
			}
			for x, n := range perHook {
				perDelivery[x] += n
			}
			hookMu.Unlock()
			// A message may reach the receiver twice only when its first
			// sender died (or lost its lease) after handing it over and
			// before the acceptance was recorded; each such resend is
			// counted on the row.
			uncertain := uncertainResends(t, db, id)
			repeats, allowed := 0, 0
			for x, n := range perDelivery {
				repeats += n - 1
				if n-1 > uncertain[x] {
					t.Errorf("delivery %d: %d copies, but only %d resends after an unanswered hand-over", x, n, uncertain[x])
				}
			}
			for _, n := range uncertain {
				allowed += n
			}
			t.Logf("%s: %d e-mail and %d webhook deliveries, %d distinct messages, %d repeats (%d webhook calls marked as possible repeats) after %d kills; %d rows resent after an unanswered hand-over (the only ones that may repeat)",
				engine, want, wantHooks, len(perID), repeats, hookRepeats, kills, allowed)
		})
	}
}

// handoverCounts counts the e-mail rows left sending, by hand-over state.
func handoverCounts(t *testing.T, db *sqldb.DB, id int64) [3]int {
	var out [3]int
	rows, err := db.SQL().Query("SELECT handover, COUNT(*) FROM advisory_deliveries WHERE advisory_id = " + strconv.FormatInt(id, 10) + " AND status = 'sending' GROUP BY handover")
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var h, n int
		must(t, rows.Scan(&h, &n))
		out[h] = n
	}
	must(t, rows.Err())
	return out
}

// uncertainResends returns the rows sent again after an unanswered hand-over.
func uncertainResends(t *testing.T, db *sqldb.DB, id int64) map[int64]int {
	out := map[int64]int{}
	rows, err := db.SQL().Query("SELECT id, uncertain_resends FROM advisory_deliveries WHERE uncertain_resends > 0 AND advisory_id = " + strconv.FormatInt(id, 10))
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var x int64
		var n int
		must(t, rows.Scan(&x, &n))
		out[x] = n
	}
	must(t, rows.Err())
	return out
}

// TestAdvisoryDeliveryChild is the child process of the crash test.
func TestAdvisoryDeliveryChild(t *testing.T) {
	url := os.Getenv("CEPTOR_CRASH_URL")
	if os.Getenv("CEPTOR_CRASH_CHILD") == "" || url == "" {
		t.Skip("only as the crash test's child")
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldb.Config{URL: url, DataDir: t.TempDir()})
	must(t, err)
	host, port, _ := strings.Cut(os.Getenv("CEPTOR_CRASH_SMTP"), ":")
	p, _ := strconv.Atoi(port)
	sender, err := mail.NewSMTP(mail.Config{Host: host, Port: p, From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 5 * time.Second})
	must(t, err)
	if j := os.Getenv("CEPTOR_CRASH_JOURNAL"); j != "" {
		n, err := db.OpenHandoverJournal(ctx, j)
		must(t, err)
		if n > 0 {
			fmt.Println("hand-over journal: recorded", n, "acceptances of the killed process")
		}
	}
	q := deliveryQueue(t, db, sender, time.Second, 500*time.Millisecond)
	if os.Getenv("CEPTOR_CRASH_VERBOSE") != "" {
		events, _ := q.Subscribe(river.EventKindJobFailed, river.EventKindJobCompleted)
		go func() {
			for e := range events {
				if e.Job.Kind == "advisory_sweep" || e.Kind == river.EventKindJobFailed {
					fmt.Println("event", e.Kind, e.Job.Kind, e.Job.Errors)
				}
			}
		}()
	}
	must(t, q.Start(ctx))
	// River runs the periodic sweep on its leader, and the leader killed
	// a moment ago keeps its lease for River's leader TTL; this node
	// sweeps by itself meanwhile (the sweep is safe to run anywhere, any
	// number of times).
	var enqueue = func(ctx context.Context, ids []int64) error { return q.EnqueueDeliveries(ctx, sqldb.Tx(ctx), ids) }
	sweep := &jobs.AdvisorySweepWorker{Store: db, Enqueue: enqueue, QueuedAge: 2 * time.Second}
	// Work until nothing is left to send.
	for {
		time.Sleep(200 * time.Millisecond)
		if err := sweep.Run(ctx); err != nil {
			fmt.Println("sweep:", err)
		}
		var open int
		must(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM advisory_deliveries WHERE status IN ('queued', 'sending')").Scan(&open))
		if open == 0 {
			break
		}
	}
	q.Stop(ctx)
}

func crashEngines() []string {
	if e := os.Getenv("CEPTOR_CRASH_ENGINE"); e != "" {
		return []string{e}
	}
	return sqldbtest.Engines
}

func mustTB(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A publish to more organisations than dispatchDirect queues one
// dispatcher in its transaction instead of a job per row; the dispatcher
// queues the rows' jobs after the commit. Every row is sent exactly once,
// even when the dispatcher runs twice for the same rows.
func TestAdvisoryDispatch(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		srv := mailtest.Start(t)
		sender, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 5 * time.Second})
		must(t, err)
		ctx := context.Background()
		nisc, author := advisoryWorld(t, db, 60, "")
		q := deliveryQueue(t, db, sender, time.Minute, 0)
		id, res := publish(t, db, q, nisc, author)
		if len(res.Deliveries) != 120 {
			t.Fatalf("deliveries %d", len(res.Deliveries))
		}
		var jobsQueued, dispatchers int
		must(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = 'advisory_delivery'").Scan(&jobsQueued))
		must(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = 'advisory_dispatch'").Scan(&dispatchers))
		if jobsQueued != 0 || dispatchers != 1 { // 120 rows: one chunk
			t.Fatalf("publish queued %d delivery jobs and %d dispatchers, want 0 and 1", jobsQueued, dispatchers)
		}
		// The same rows dispatched a second time (a dispatcher run again
		// after its node died half way).
		first, last := slices.Min(res.Deliveries), slices.Max(res.Deliveries)
		must(t, q.Insert(ctx, jobs.AdvisoryDispatchArgs{Runs: [][2]int64{{first, last}}}, nil))
		must(t, q.Start(ctx))
		t.Cleanup(func() { q.Stop(context.Background()) })
		waitDeliveries(t, db, id, 120, 60*time.Second)
		time.Sleep(500 * time.Millisecond) // let any second job run
		c := deliveryStatus(t, db, id)
		if c["email"]["sent"] != 120 {
			t.Fatalf("delivery counts %v", c)
		}
		perDelivery := map[string]int{}
		for _, m := range srv.Messages() {
			p, err := m.Parse()
			must(t, err)
			perDelivery[p.Get("X-Ceptor-Delivery")]++
		}
		if len(perDelivery) != 120 {
			t.Fatalf("%d deliveries reached the sink, want 120", len(perDelivery))
		}
		for x, n := range perDelivery {
			if n != 1 {
				t.Fatalf("delivery %s sent %d times", x, n)
			}
		}
	})
}

// flakyMessenger fails making the first webhook call as a database
// read of the signing key would fail for a moment.
type flakyMessenger struct {
	testMessenger
	mu    sync.Mutex
	fails int
}

func (f *flakyMessenger) AdvisoryWebhook(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery, now time.Time) ([]byte, map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return nil, nil, fmt.Errorf("reading the webhook key: database is locked")
	}
	return f.testMessenger.AdvisoryWebhook(a, x, now)
}

// A passing failure to make a webhook call is tried again (the call goes
// out, the alternates are not used); a contact that no longer exists is
// not (see renderErr).
func TestAdvisoryWebhookRenderRetry(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		calls := 0
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls++
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		defer hook.Close()
		srv := mailtest.Start(t)
		sender, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 5 * time.Second})
		must(t, err)
		nisc, author := advisoryWorld(t, db, 1, hook.URL)
		ctx := context.Background()
		must(t, jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), nil))
		var q *jobs.Queue
		enqueue := func(ctx context.Context, ids []int64) error { return q.EnqueueDeliveries(ctx, sqldb.Tx(ctx), ids) }
		m := &flakyMessenger{fails: 1}
		q, err = jobs.New(jobs.Config{DB: db.SQL(), Dialect: string(db.Dialect()), Poll: 50 * time.Millisecond}, func(w *river.Workers) {
			river.AddWorker(w, &jobs.AdvisoryDeliveryWorker{Store: db, Messenger: m, Sender: sender, Lease: time.Minute, Enqueue: enqueue})
			river.AddWorker(w, &jobs.AdvisoryDispatchWorker{Store: db})
		})
		must(t, err)
		must(t, q.Start(ctx))
		t.Cleanup(func() { q.Stop(context.Background()) })
		id, res := publish(t, db, q, nisc, author)
		if len(res.Deliveries) != 2 { // the webhook and the second primary's e-mail
			t.Fatalf("deliveries %d", len(res.Deliveries))
		}
		waitDeliveries(t, db, id, 2, 60*time.Second)
		c := deliveryStatus(t, db, id)
		if c["webhook"]["sent"] != 1 || c["email"]["sent"] != 1 || len(srv.Messages()) != 1 {
			t.Fatalf("delivery counts %v, %d e-mails (the alternate must not be used)", c, len(srv.Messages()))
		}
		mu.Lock()
		defer mu.Unlock()
		if calls != 1 {
			t.Fatalf("webhook calls %d", calls)
		}
	})
}
