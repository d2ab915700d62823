package jobs_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/jobs"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"

	"github.com/riverqueue/river"
)

// remWorld is the smallest world the reminders need: a sector with its
// ministry, a CEPTOR with its secretariat, one member operator, NISC, and
// one person in each organisation that receives notifications.
type remWorld struct {
	db                              *sqldb.DB
	sector                          *ceptor.Sector
	cep                             *ceptor.Ceptor
	nisc, ministry, secretariat, op *ceptor.Organization
	niscUser, secUser, opUser       int64
}

func newRemWorld(t *testing.T, db *sqldb.DB) *remWorld {
	t.Helper()
	ctx := context.Background()
	w := &remWorld{db: db}
	org := func(name string, typ ceptor.OrgType, sectors, ceptors []int64) *ceptor.Organization {
		o := &ceptor.Organization{Name: name, Type: typ, SectorIDs: sectors, CeptorIDs: ceptors, Active: true}
		must(t, db.CreateOrg(ctx, o))
		return o
	}
	user := func(o *ceptor.Organization, email string) int64 {
		u := &ceptor.User{OrgID: o.ID, Email: email, Name: email, Role: ceptor.RoleAnalyst}
		must(t, db.CreateUser(ctx, u))
		return u.ID
	}
	w.ministry = org("金融庁（リマインダ試験）", ceptor.OrgMinistry, nil, nil)
	w.sector = &ceptor.Sector{Code: "finance", NameJA: "金融", NameEN: "Finance", MinistryOrgID: w.ministry.ID, Active: true}
	must(t, db.CreateSector(ctx, w.sector))
	w.secretariat = org("銀行等セプター事務局", ceptor.OrgSecretariat, []int64{w.sector.ID}, nil)
	w.cep = &ceptor.Ceptor{Code: "bank", NameJA: "銀行等", NameEN: "Banks", SectorID: w.sector.ID, SecretariatOrgID: w.secretariat.ID, Active: true}
	must(t, db.CreateCeptor(ctx, w.cep))
	w.op = org("みなと銀行（リマインダ試験）", ceptor.OrgOperator, []int64{w.sector.ID}, []int64{w.cep.ID})
	w.nisc = org("NISC（リマインダ試験）", ceptor.OrgNISC, nil, nil)
	w.niscUser = user(w.nisc, "desk@nisc.example.go.jp")
	w.secUser = user(w.secretariat, "desk@bank-ceptor.example.jp")
	w.opUser = user(w.op, "csirt@minato.example.jp")
	return w
}

// report stores a submitted report of the operator.
func (w *remWorld) report(t *testing.T, anonymous, drill bool, clock string, detected *time.Time) int64 {
	t.Helper()
	r := &ceptor.Report{Route: ceptor.RouteMinistry, SectorID: w.sector.ID, TLP: ceptor.TLPAmber, Drill: drill,
		OrgID: w.op.ID, ReporterTag: "tag:op", Title: "勘定系システムの障害", EventClass: ceptor.EventAvailability,
		Causes: []ceptor.Cause{ceptor.CauseSoftwareFault}, Status: ceptor.ReportSubmitted, ClockProfile: clock, DetectedAt: detected}
	if anonymous {
		r.Route, r.CeptorID, r.SealedIdentity = ceptor.RouteAnonymous, w.cep.ID, "sealed:v1:test"
	}
	must(t, w.db.CreateReport(context.Background(), r))
	return r.ID
}

// notes returns the kinds of the notifications a person has.
func (w *remWorld) notes(t *testing.T, userID, orgID int64) []string {
	t.Helper()
	list, _, err := w.db.ListNotifications(context.Background(), userID, orgID, false, 500, 0)
	must(t, err)
	var kinds []string
	for _, n := range list {
		kinds = append(kinds, n.Kind)
	}
	slices.Sort(kinds)
	return kinds
}

type publishLog struct {
	mu     sync.Mutex
	topics []string
}

func (p *publishLog) publish(_ context.Context, topic string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.topics = append(p.topics, topic)
}

func (p *publishLog) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.topics)
}

// Every due reminder goes out exactly once, however often the job runs: a
// reminder shortly before an update falls due in large-scale mode, a notice
// once it is overdue, to the named reporter directly and to an anonymous
// reporter's secretariat; reporting-clock reminders likewise, never for an
// anonymous report.
func TestReminderJobSendsEachReminderOnce(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		w := newRemWorld(t, db)
		start := time.Now()

		named := w.report(t, false, false, "", nil)
		anon := w.report(t, true, true, "", nil)
		inc := &ceptor.Incident{Title: "広域の勘定系障害", CreatedByOrg: w.nisc.ID, CreatedByUser: w.niscUser}
		must(t, db.CreateIncident(ctx, inc))
		for _, id := range []int64{named, anon} {
			must(t, db.AddReportToIncident(ctx, inc.ID, id, w.nisc.ID, w.niscUser))
		}
		must(t, db.SetLargeScale(ctx, inc.ID, true, time.Hour, "", w.nisc.ID, w.niscUser))

		// A clocked report whose 72-hour notification falls due in three
		// hours (its 24-hour early warning is done: it was submitted).
		detected := start.Add(-69 * time.Hour)
		clocked := w.report(t, false, false, "nis2", &detected)
		// An anonymous clocked report: nobody can be told.
		w.report(t, true, false, "nis2", &detected)

		var offset time.Duration
		var mu sync.Mutex
		pub := &publishLog{}
		worker := &jobs.ReminderWorker{Store: db, Notifier: db, Publish: pub.publish, Every: 5 * time.Minute,
			Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return start.Add(offset) }}
		at := func(d time.Duration) {
			mu.Lock()
			offset = d
			mu.Unlock()
		}
		run := func() {
			t.Helper()
			// Through River's Work as the queue calls it, twice.
			for range 2 {
				must(t, worker.Work(ctx, &river.Job[jobs.ReminderArgs]{}))
			}
		}

		// Right after the switch nothing is due: only the clock reminder.
		at(time.Minute)
		run()
		if got, want := w.notes(t, w.opUser, w.op.ID), []string{"report.clock_remind"}; !slices.Equal(got, want) {
			t.Fatalf("operator after 1 min: %v, want %v", got, want)
		}
		if got := w.notes(t, w.secUser, w.secretariat.ID); len(got) != 0 {
			t.Fatalf("secretariat after 1 min: %v, want nothing", got)
		}
		// The reports were sent within the job's period: the board hears.
		if pub.count() == 0 {
			t.Fatal("recent reports were not announced to the board")
		}
		pub.topics = nil

		// 50 minutes in, the hourly updates are due within the 15-minute lead.
		at(50 * time.Minute)
		run()
		if got, want := w.notes(t, w.opUser, w.op.ID), []string{"incident.update_due", "report.clock_remind"}; !slices.Equal(got, want) {
			t.Fatalf("operator at 50 min: %v, want %v", got, want)
		}
		if got, want := w.notes(t, w.secUser, w.secretariat.ID), []string{"incident.update_due"}; !slices.Equal(got, want) {
			t.Fatalf("secretariat at 50 min: %v, want %v", got, want)
		}
		if pub.count() != 0 {
			t.Fatalf("published %v before anything changed", pub.topics)
		}

		// Past the hour, and past the clock's deadline: overdue notices, once.
		at(3*time.Hour + time.Minute)
		run()
		want := []string{"incident.update_due", "incident.update_overdue", "report.clock_overdue", "report.clock_remind"}
		if got := w.notes(t, w.opUser, w.op.ID); !slices.Equal(got, want) {
			t.Fatalf("operator when overdue: %v, want %v", got, want)
		}
		if got, want := w.notes(t, w.secUser, w.secretariat.ID), []string{"incident.update_due", "incident.update_overdue"}; !slices.Equal(got, want) {
			t.Fatalf("secretariat when overdue: %v, want %v", got, want)
		}
		// The board was told once, when the updates fell overdue.
		if pub.count() != 1 || pub.topics[0] != "incident:"+itoa(inc.ID) {
			t.Fatalf("published %v, want one refresh of incident %d", pub.topics, inc.ID)
		}

		// Details: the anonymous reminder names the CEPTOR, never the
		// operator; overdue notices are urgent; the drill is marked.
		list, _, err := db.ListNotifications(ctx, w.secUser, w.secretariat.ID, false, 50, 0)
		must(t, err)
		for _, n := range list {
			if n.MessageKey != "inc.notify.update_due_member" && n.MessageKey != "inc.notify.update_overdue_member" {
				t.Errorf("secretariat notification %s uses %s", n.Kind, n.MessageKey)
			}
			if n.Args[0].Key != "inc.notify.drill" {
				t.Errorf("drill report's reminder not marked: %+v", n.Args)
			}
			if n.Args[len(n.Args)-1].JA != w.cep.NameJA {
				t.Errorf("secretariat reminder does not name the CEPTOR: %+v", n.Args)
			}
			for _, a := range n.Args {
				if a.Text == w.op.Name || a.JA == w.op.Name {
					t.Errorf("the anonymous reporter is named: %+v", n.Args)
				}
			}
			if n.Link != "/reports/"+itoa(anon) || n.Urgent != (n.Kind == "incident.update_overdue") {
				t.Errorf("notification %+v", n)
			}
		}
		list, _, err = db.ListNotifications(ctx, w.opUser, w.op.ID, false, 50, 0)
		must(t, err)
		for _, n := range list {
			wantLink := "/reports/" + itoa(named)
			if n.Kind == "report.clock_remind" || n.Kind == "report.clock_overdue" {
				wantLink = "/reports/" + itoa(clocked)
			}
			if n.Link != wantLink {
				t.Errorf("%s links to %s, want %s", n.Kind, n.Link, wantLink)
			}
		}

		// A follow-up resets the cadence: nothing is due right after it;
		// an hour and more later it is overdue again, with a new notice.
		rep, _, err := db.FindReport(ctx, named)
		must(t, err)
		rep.Body = "復旧作業を継続中"
		must(t, db.AddFollowUp(ctx, rep, w.opUser))
		sent := time.Since(start)
		at(sent + time.Minute)
		run()
		if got := w.notes(t, w.opUser, w.op.ID); !slices.Equal(got, want) {
			t.Fatalf("right after the follow-up: %v, want %v", got, want)
		}
		at(sent + 2*time.Hour)
		run()
		want = []string{"incident.update_due", "incident.update_overdue", "incident.update_overdue", "report.clock_overdue", "report.clock_remind"}
		if got := w.notes(t, w.opUser, w.op.ID); !slices.Equal(got, want) {
			t.Fatalf("two hours after the follow-up: %v, want %v", got, want)
		}
	})
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{digits[n%10]}, b...)
	}
	return string(b)
}

// LastUpdate counts what the reporter sent, not a redaction upstream.
func TestLastUpdate(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	sub := t0
	vs := []*ceptor.Report{
		{Version: 1, VersionKind: ceptor.VersionOriginal, SubmittedAt: &sub, UpdatedAt: t0.Add(-time.Hour)},
		{Version: 1, VersionKind: ceptor.VersionRedacted, UpdatedAt: t0.Add(5 * time.Hour)},
		{Version: 2, VersionKind: ceptor.VersionFollowUp, UpdatedAt: t0.Add(3 * time.Hour)},
	}
	tests := []struct {
		name string
		vs   []*ceptor.Report
		want time.Time
	}{
		{"follow-up is the latest", vs, t0.Add(3 * time.Hour)},
		{"original only", vs[:1], t0},
		{"nothing stored", nil, t0.Add(-24 * time.Hour)},
	}
	for _, tt := range tests {
		if got := jobs.LastUpdate(tt.vs, t0.Add(-24*time.Hour)); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, c := range []struct{ cadence, want time.Duration }{{6 * time.Hour, time.Hour}, {time.Hour, 15 * time.Minute}, {0, time.Hour}} {
		if got := jobs.UpdateReminderLead(c.cadence); got != c.want {
			t.Errorf("lead for %s: %s, want %s", c.cadence, got, c.want)
		}
	}
}
