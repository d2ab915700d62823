package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"ceptor"

	"github.com/riverqueue/river"
)

// Reminders: one periodic job watches two kinds of deadline and tells the
// organisations that owe something.
//
//   - Large-scale mode (大規模重要インフラサービス障害対応時): every affected
//     organisation owes an update (a follow-up report, 続報) one cadence after
//     its last one or after the switch, whichever is later
//     (ceptor.Incident.UpdateDue). A reminder goes out shortly before
//     (UpdateReminderLead) and an urgent notice once it is overdue. A named
//     reporter is told directly; an anonymous reporter cannot be (nobody
//     upstream may know who it is), so its CEPTOR secretariat is told and
//     passes it on.
//   - Reporting clocks (NIS2, CIRCIA ...): each deadline of a report's
//     clock profile gets one reminder at its RemindBefore and one notice
//     when it passes undone. Only named reporters are notified: an
//     anonymous report's organisation is known by a keyed tag that cannot be
//     turned back into an organisation, so its reporter sees the due and
//     overdue marks on its own "my reports" page instead.
//
// Drill reports (訓練) are reminded like real ones, with the drill mark in
// the message.
//
// Every reminder has a key (what, which report, which deadline) that the
// job claims in the reminders_sent table before notifying; the table's
// unique key makes a reminder go out once even when the job runs twice or
// on two nodes at the same time.

// ReminderArgs is the periodic job that checks update cadences and
// reporting clocks.
type ReminderArgs struct{}

// Kind names the job in the queue.
func (ReminderArgs) Kind() string { return "reminders" }

// ReminderStore is what the reminders read and record.
type ReminderStore interface {
	ListIncidents(ctx context.Context, f ceptor.IncidentFilter) ([]*ceptor.Incident, int, error)
	AffectedOrgs(ctx context.Context, id int64) ([]ceptor.AffectedOrg, error)
	FindReport(ctx context.Context, id int64) (*ceptor.Report, *ceptor.ReportRef, error)
	ReportVersions(ctx context.Context, id int64) ([]*ceptor.Report, error)
	FindCeptor(ctx context.Context, id int64) (*ceptor.Ceptor, error)
	// ClockedReports returns the submitted, not yet closed reports that
	// run a reporting clock.
	ClockedReports(ctx context.Context) ([]int64, error)
	// ClaimReminder records that the reminder named key goes out; false
	// when it already has.
	ClaimReminder(ctx context.Context, key string, at time.Time) (bool, error)
	// ReleaseReminder forgets a claim whose notification could not be
	// stored, so that the next run tries again.
	ReleaseReminder(ctx context.Context, key string) error
}

// ReminderWorker runs the checks.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	Store    ReminderStore
	Notifier ceptor.Notifier
	// Publish, when set, wakes the live pages of a topic (the situation
	// boards of incidents whose members changed or fell overdue).
	Publish func(ctx context.Context, topic string)
	Now     func() time.Time
	Log     *slog.Logger
	// Every is how often the job runs; a follow-up newer than that is
	// announced to the incident's live pages.
	Every time.Duration
}

// ReminderInterval is how often the reminders run: well inside the
// shortest reminder lead (a quarter of the 30-minute minimum cadence).
const ReminderInterval = 5 * time.Minute

// ReminderRetention is how long a sent reminder is remembered: longer
// than any reporting clock runs.
const ReminderRetention = 400 * 24 * time.Hour

// RemindersEvery schedules the reminders on the leader.
func RemindersEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return ReminderArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// Work runs one check.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	return w.Run(ctx)
}

// Run checks every deadline once. An error stops nothing else: each
// incident and report is checked on its own, and the first error is
// returned so that River retries (claimed reminders are not sent twice).
func (w *ReminderWorker) Run(ctx context.Context) error {
	now := w.now()
	if c, ok := w.Store.(interface {
		DeleteRemindersBefore(ctx context.Context, t time.Time) (int, error)
	}); ok {
		// Deadlines that old cannot come round again.
		if _, err := c.DeleteRemindersBefore(ctx, now.Add(-ReminderRetention)); err != nil {
			w.log().Warn("forget old reminders", "err", err)
		}
	}
	err1 := w.incidentUpdates(ctx, now)
	err2 := w.clocks(ctx, now)
	if err1 != nil {
		return err1
	}
	return err2
}

func (w *ReminderWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *ReminderWorker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

// LastUpdate returns when the reporter last sent something about a report:
// its first submission or its latest follow-up, as the stored copies say
// (a relay or a redaction upstream is not an update by the reporter).
// fallback is used when no copy says.
func LastUpdate(versions []*ceptor.Report, fallback time.Time) time.Time {
	var last time.Time
	for _, v := range versions {
		if v.VersionKind == ceptor.VersionRedacted {
			continue
		}
		t := v.UpdatedAt
		if v.VersionKind == ceptor.VersionOriginal && v.SubmittedAt != nil {
			t = *v.SubmittedAt
		}
		if t.After(last) {
			last = t
		}
	}
	if last.IsZero() {
		return fallback
	}
	return last
}

// latestVersion returns the highest version the reporter has sent,
// including a follow-up still held for the secretariat's review.
func latestVersion(versions []*ceptor.Report, current int) int {
	n := current
	for _, v := range versions {
		if v.VersionKind != ceptor.VersionRedacted && v.Version > n {
			n = v.Version
		}
	}
	return n
}

// UpdateReminderLead is how long before an update falls due in large-scale
// mode the reminder goes out: a quarter of the cadence, at most an hour.
func UpdateReminderLead(cadence time.Duration) time.Duration {
	if cadence <= 0 {
		cadence = ceptor.DefaultCadence
	}
	return min(cadence/4, time.Hour)
}

// jst formats deadlines for people in Japan.
var jst = func() *time.Location {
	l, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return l
}()

func stamp(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04") }

func drillMark(drill bool) ceptor.NotificationArg {
	if drill {
		return ceptor.ArgKey("inc.notify.drill")
	}
	return ceptor.ArgText("")
}

// send claims key and, if this run is the first to, stores n. A
// notification that cannot be stored releases the claim for the next run.
func (w *ReminderWorker) send(ctx context.Context, key string, now time.Time, n *ceptor.Notification) (bool, error) {
	ok, err := w.Store.ClaimReminder(ctx, key, now)
	if err != nil || !ok {
		return false, err
	}
	if err := w.Notifier.Notify(ctx, n); err != nil {
		if rerr := w.Store.ReleaseReminder(ctx, key); rerr != nil {
			w.log().Error("release reminder claim", "key", key, "err", rerr)
		}
		return false, fmt.Errorf("reminder %s: %w", key, err)
	}
	return true, nil
}

// incidentUpdates reminds the organisations that owe an update in
// large-scale mode.
func (w *ReminderWorker) incidentUpdates(ctx context.Context, now time.Time) error {
	on := true
	incs, _, err := w.Store.ListIncidents(ctx, ceptor.IncidentFilter{LargeScale: &on})
	if err != nil {
		return fmt.Errorf("reminders: list incidents: %w", err)
	}
	var first error
	for _, inc := range incs {
		if inc.Status == ceptor.IncidentClosed {
			continue
		}
		if err := w.incident(ctx, inc, now); err != nil {
			w.log().Error("incident update reminders", "incident_id", inc.ID, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (w *ReminderWorker) incident(ctx context.Context, inc *ceptor.Incident, now time.Time) error {
	rows, err := w.Store.AffectedOrgs(ctx, inc.ID)
	if err != nil {
		return err
	}
	changed := false
	for _, row := range rows {
		if row.Status == ceptor.ReportClosed || row.Status == ceptor.ReportDraft {
			continue // a final report owes nothing more
		}
		versions, err := w.Store.ReportVersions(ctx, row.ReportID)
		if err != nil {
			return err
		}
		last := LastUpdate(versions, row.UpdatedAt)
		if w.Every > 0 && now.Sub(last) < w.Every {
			changed = true // a recent follow-up: the board should show it
		}
		due := inc.UpdateDue(last)
		if due.IsZero() {
			continue
		}
		overdue := now.After(due)
		if !overdue && now.Before(due.Add(-UpdateReminderLead(inc.Cadence))) {
			continue
		}
		drill := len(versions) > 0 && versions[0].Drill
		n := &ceptor.Notification{Kind: "incident.update_due", Link: "/reports/" + strconv.FormatInt(row.ReportID, 10),
			Args: []ceptor.NotificationArg{drillMark(drill), ceptor.ArgText(strconv.FormatInt(row.ReportID, 10)), ceptor.ArgText(stamp(due))}}
		what := "due"
		if overdue {
			n.Kind, n.Urgent, what = "incident.update_overdue", true, "overdue"
		}
		if row.OrgID != 0 {
			n.OrgID = row.OrgID
			n.MessageKey = "inc.notify.update_" + what
		} else {
			// An anonymous reporter is reached through its CEPTOR's
			// secretariat, which relayed the report and may see it.
			c, err := w.Store.FindCeptor(ctx, row.CeptorID)
			if err != nil {
				return err
			}
			n.OrgID = c.SecretariatOrgID
			n.MessageKey = "inc.notify.update_" + what + "_member"
			n.Args = append(n.Args, ceptor.ArgLang(c.NameJA, c.NameEN))
		}
		if n.OrgID == 0 {
			continue
		}
		// The incident's own details stay out of the message: operators do
		// not see incidents, only that their report owes an update.
		key := fmt.Sprintf("incident:%d:report:%d:%s:%d", inc.ID, row.ReportID, what, due.UnixMicro())
		sent, err := w.send(ctx, key, now, n)
		if err != nil {
			return err
		}
		changed = changed || sent && overdue
	}
	if changed && w.Publish != nil {
		w.Publish(ctx, "incident:"+strconv.FormatInt(inc.ID, 10))
	}
	return nil
}

// clocks reminds reporters of their reporting-clock deadlines.
func (w *ReminderWorker) clocks(ctx context.Context, now time.Time) error {
	ids, err := w.Store.ClockedReports(ctx)
	if err != nil {
		return fmt.Errorf("reminders: clocked reports: %w", err)
	}
	var first error
	for _, id := range ids {
		if err := w.clock(ctx, id, now); err != nil && ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			w.log().Error("reporting clock reminders", "report_id", id, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (w *ReminderWorker) clock(ctx context.Context, id int64, now time.Time) error {
	r, _, err := w.Store.FindReport(ctx, id)
	if err != nil {
		return err
	}
	if r.Route == ceptor.RouteAnonymous || r.OrgID == 0 {
		return nil // see the package comment: shown on the reporter's own page
	}
	profile, ok := ceptor.FindClockProfile(r.ClockProfile)
	if !ok {
		return nil
	}
	versions, err := w.Store.ReportVersions(ctx, id)
	if err != nil {
		return err
	}
	facts := ceptor.ClockFacts{Detected: r.DetectedAt, Started: r.StartedAt, Submitted: r.SubmittedAt,
		Versions: latestVersion(versions, r.Version), Closed: r.Status == ceptor.ReportClosed}
	for _, d := range profile.Due(facts, now) {
		if d.Done || now.Before(d.RemindAt) {
			continue
		}
		what, kind, urgent := "remind", "report.clock_remind", false
		if now.After(d.DueAt) {
			what, kind, urgent = "overdue", "report.clock_overdue", true
		}
		n := &ceptor.Notification{OrgID: r.OrgID, Kind: kind, MessageKey: "inc.notify.clock_" + what, Urgent: urgent,
			Link: "/reports/" + strconv.FormatInt(id, 10),
			Args: []ceptor.NotificationArg{drillMark(r.Drill), ceptor.ArgText(strconv.FormatInt(id, 10)), ceptor.ArgText(shortTitle(r.Title)),
				ceptor.ArgKey("clock.deadline." + d.Key), ceptor.ArgText(stamp(d.DueAt)), ceptor.ArgKey("clock.profile." + profile.Code)}}
		key := fmt.Sprintf("clock:%d:%s:%s:%d", id, d.Key, what, d.DueAt.UnixMicro())
		if _, err := w.send(ctx, key, now, n); err != nil {
			return err
		}
	}
	return nil
}

func shortTitle(s string) string {
	r := []rune(s)
	if len(r) <= 80 {
		return s
	}
	return string(r[:80]) + "…"
}
