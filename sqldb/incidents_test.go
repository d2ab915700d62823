package sqldb_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// incWorld is the registry fixture plus NISC, a second sector with its
// ministry, a supplier and one person at NISC and at the ministry.
type incWorld struct {
	*fixture
	nisc, mic, supplier *ceptor.Organization
	ict                 *ceptor.Sector
	niscUser, fsaUser   int64
}

func mustIncWorld(t *testing.T, db *sqldb.DB) *incWorld {
	t.Helper()
	w := &incWorld{fixture: mustFixture(t, db)}
	w.nisc = &ceptor.Organization{Name: "NISC（事案テスト）", Type: ceptor.OrgNISC, Active: true}
	must(t, db.CreateOrg(ctx, w.nisc))
	w.mic = &ceptor.Organization{Name: "総務省（事案テスト）", Type: ceptor.OrgMinistry, Active: true}
	must(t, db.CreateOrg(ctx, w.mic))
	w.ict = &ceptor.Sector{Code: "ict", NameJA: "情報通信", NameEN: "ICT", MinistryOrgID: w.mic.ID, Active: true}
	must(t, db.CreateSector(ctx, w.ict))
	w.supplier = &ceptor.Organization{Name: "クラウド事業者（デモ）", Type: ceptor.OrgSupplier, Active: true}
	must(t, db.CreateOrg(ctx, w.supplier))
	user := func(org int64, email string) int64 {
		u := &ceptor.User{OrgID: org, Email: email, Name: email, Role: ceptor.RoleAnalyst}
		must(t, db.CreateUser(ctx, u))
		return u.ID
	}
	w.niscUser = user(w.nisc.ID, "incident@nisc.example.go.jp")
	w.fsaUser = user(w.ministry.ID, "incident@fsa.example.go.jp")
	return w
}

// incReportOpts vary a report for the incident tests.
type incReportOpts struct {
	sector     int64
	supplier   int64
	indicators []ceptor.Indicator
	started    *time.Time
	submitted  *time.Time
	draft      bool
	drill      bool
	anonymous  bool
}

// report stores a submitted (or draft) report by op1 directly through
// CreateReport: the incident tests need rows, not the relay.
func (w *incWorld) report(t *testing.T, db *sqldb.DB, o incReportOpts) int64 {
	t.Helper()
	if o.sector == 0 {
		o.sector = w.sector.ID
	}
	r := &ceptor.Report{
		Route: ceptor.RouteMinistry, SectorID: o.sector, TLP: ceptor.TLPAmber, Drill: o.drill,
		OrgID: w.op1.ID, ReporterTag: fmt.Sprintf("tag:%d", w.op1.ID),
		Title: "障害報告", EventClass: ceptor.EventAvailability, Causes: []ceptor.Cause{ceptor.CauseSoftwareFault},
		SupplierOrgID: o.supplier, StartedAt: o.started, SubmittedAt: o.submitted, Indicators: o.indicators,
		Status: ceptor.ReportSubmitted,
	}
	if o.draft {
		r.Status = ""
	}
	if o.anonymous {
		r.Route, r.CeptorID, r.SealedIdentity = ceptor.RouteAnonymous, w.cep.ID, "sealed:v1:test"
	}
	must(t, db.CreateReport(ctx, r))
	return r.ID
}

// incClock is a settable clock that moves a millisecond per reading.
type incClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *incClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *incClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func incEach(t *testing.T, fn func(t *testing.T, db *sqldb.DB, c *incClock)) {
	t.Helper()
	for _, e := range sqldbtest.Engines {
		t.Run(e, func(t *testing.T) {
			c := &incClock{t: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)}
			fn(t, sqldbtest.Open(t, e, sqldbtest.Options{Now: c.Now}), c)
		})
	}
}

func eventKinds(t *testing.T, db *sqldb.DB, id int64) []ceptor.IncidentEventKind {
	t.Helper()
	evs, err := db.IncidentEvents(ctx, id)
	must(t, err)
	var out []ceptor.IncidentEventKind
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.IncidentID != id {
			t.Fatalf("timeline entry %d has seq %d incident %d", i, e.Seq, e.IncidentID)
		}
		if i > 0 && e.At.Before(evs[i-1].At) {
			t.Fatalf("timeline goes back in time at %d", e.Seq)
		}
		out = append(out, e.Kind)
	}
	return out
}

func wantKinds(t *testing.T, got []ceptor.IncidentEventKind, want ...ceptor.IncidentEventKind) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v", got, want)
	}
}

func TestIncidentLifecycle(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		nisc, user := w.nisc.ID, w.niscUser

		wantCode(t, db.CreateIncident(ctx, &ceptor.Incident{Title: " ", CreatedByOrg: nisc}), ceptor.EINVALID)
		wantCode(t, db.CreateIncident(ctx, &ceptor.Incident{Title: "x"}), ceptor.EINVALID)
		wantCode(t, db.CreateIncident(ctx, &ceptor.Incident{Title: "x", CreatedByOrg: nisc, ManualSectorIDs: []int64{424242}}), ceptor.EINVALID)

		inc := &ceptor.Incident{Title: "クラウド基盤の大規模障害", Summary: "複数の金融機関で接続障害", CreatedByOrg: nisc, CreatedByUser: user}
		must(t, db.CreateIncident(ctx, inc))
		if inc.ID == 0 || inc.Status != ceptor.IncidentOpen || inc.TLP != ceptor.TLPAmber || inc.Cadence != ceptor.DefaultCadence {
			t.Fatalf("created %+v", inc)
		}
		got, err := db.FindIncident(ctx, inc.ID)
		must(t, err)
		if got.Title != inc.Title || got.Summary != inc.Summary || got.LargeScale || got.ClosedAt != nil || !got.CreatedAt.Equal(inc.CreatedAt) ||
			got.CreatedByUser != user || len(got.SectorIDs) != 0 || got.Cadence != ceptor.DefaultCadence {
			t.Fatalf("found %+v", got)
		}
		_, err = db.FindIncident(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)

		other := &ceptor.Incident{Title: "別の事案", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, other))

		// Membership: one incident per report; sectors follow the reports.
		r1 := w.report(t, db, incReportOpts{})
		r2 := w.report(t, db, incReportOpts{sector: w.ict.ID})
		draft := w.report(t, db, incReportOpts{draft: true})
		must(t, db.AddReportToIncident(ctx, inc.ID, r1, nisc, user))
		c.Advance(time.Second)
		must(t, db.AddReportToIncident(ctx, inc.ID, r2, nisc, user))
		err = db.AddReportToIncident(ctx, other.ID, r1, nisc, user)
		wantCode(t, err, ceptor.ECONFLICT)
		var e *ceptor.Error
		if !errors.As(err, &e) || e.Key != "severity.err.report_in_incident" {
			t.Fatalf("conflict error %v", err)
		}
		wantCode(t, db.AddReportToIncident(ctx, inc.ID, r1, nisc, user), ceptor.ECONFLICT)
		wantCode(t, db.AddReportToIncident(ctx, inc.ID, draft, nisc, user), ceptor.EINVALID)
		wantCode(t, db.AddReportToIncident(ctx, inc.ID, 999999, nisc, user), ceptor.ENOTFOUND)
		wantCode(t, db.AddReportToIncident(ctx, 999999, r1, nisc, user), ceptor.ENOTFOUND)

		ids, err := db.IncidentReports(ctx, inc.ID)
		must(t, err)
		if !slices.Equal(ids, []int64{r1, r2}) {
			t.Fatalf("members %v", ids)
		}
		if id, err := db.IncidentForReport(ctx, r2); err != nil || id != inc.ID {
			t.Fatalf("incident of r2: %d %v", id, err)
		}
		_, err = db.IncidentForReport(ctx, draft)
		wantCode(t, err, ceptor.ENOTFOUND)
		_, err = db.IncidentReports(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)

		got, _ = db.FindIncident(ctx, inc.ID)
		if !slices.Equal(got.SectorIDs, []int64{w.sector.ID, w.ict.ID}) || len(got.ManualSectorIDs) != 0 {
			t.Fatalf("derived sectors %v manual %v", got.SectorIDs, got.ManualSectorIDs)
		}

		// Removing takes the report's sector away; a removed report is free.
		must(t, db.RemoveReportFromIncident(ctx, inc.ID, r2, nisc, user))
		wantCode(t, db.RemoveReportFromIncident(ctx, inc.ID, r2, nisc, user), ceptor.ENOTFOUND)
		got, _ = db.FindIncident(ctx, inc.ID)
		if !slices.Equal(got.SectorIDs, []int64{w.sector.ID}) {
			t.Fatalf("sectors after removal %v", got.SectorIDs)
		}
		must(t, db.AddReportToIncident(ctx, other.ID, r2, nisc, user))

		// Manual sectors add to the derived ones.
		got.ManualSectorIDs = []int64{w.ict.ID}
		got.TLP = ceptor.TLPAmberStrict
		got.Status = ceptor.IncidentMonitoring
		must(t, db.UpdateIncident(ctx, got, nisc, user))
		if !slices.Equal(got.SectorIDs, []int64{w.sector.ID, w.ict.ID}) || !slices.Equal(got.ManualSectorIDs, []int64{w.ict.ID}) ||
			got.TLP != ceptor.TLPAmberStrict || got.Status != ceptor.IncidentMonitoring {
			t.Fatalf("after update %+v", got)
		}
		wantCode(t, db.UpdateIncident(ctx, &ceptor.Incident{ID: 999999, Title: "x"}, nisc, user), ceptor.ENOTFOUND)
		bad := *got
		bad.Status = "finished"
		wantCode(t, db.UpdateIncident(ctx, &bad, nisc, user), ceptor.EINVALID)

		// Closing: not while in large-scale mode; a closed incident takes
		// no reports and keeps the ones it has; reopening clears ClosedAt.
		must(t, db.SetLargeScale(ctx, inc.ID, true, 0, "", nisc, user))
		got, _ = db.FindIncident(ctx, inc.ID)
		got.Status = ceptor.IncidentClosed
		wantCode(t, db.UpdateIncident(ctx, got, nisc, user), ceptor.ECONFLICT)
		must(t, db.SetLargeScale(ctx, inc.ID, false, 0, "全事業者の復旧を確認。", nisc, user))
		got, _ = db.FindIncident(ctx, inc.ID)
		got.Status = ceptor.IncidentClosed
		must(t, db.UpdateIncident(ctx, got, nisc, user))
		if got.ClosedAt == nil || got.Status != ceptor.IncidentClosed {
			t.Fatalf("closed %+v", got)
		}
		r3 := w.report(t, db, incReportOpts{})
		wantCode(t, db.AddReportToIncident(ctx, inc.ID, r3, nisc, user), ceptor.ECONFLICT)
		wantCode(t, db.RemoveReportFromIncident(ctx, inc.ID, r1, nisc, user), ceptor.ECONFLICT)
		wantCode(t, db.SetLargeScale(ctx, inc.ID, true, 0, "", nisc, user), ceptor.ECONFLICT)
		got.Status = ceptor.IncidentOpen
		must(t, db.UpdateIncident(ctx, got, nisc, user))
		if got.ClosedAt != nil {
			t.Fatal("reopened incident keeps ClosedAt")
		}

		wantKinds(t, eventKinds(t, db, inc.ID), ceptor.EventCreated, ceptor.EventReportAdded, ceptor.EventReportAdded, ceptor.EventReportRemoved,
			ceptor.EventStatus, ceptor.EventModeOn, ceptor.EventModeOff, ceptor.EventStatus, ceptor.EventStatus)
		evs, _ := db.IncidentEvents(ctx, inc.ID)
		var st map[string]string
		must(t, json.Unmarshal(evs[4].Detail, &st))
		if st["from"] != "open" || st["to"] != "monitoring" || evs[4].OrgID != nisc || evs[4].UserID != user {
			t.Fatalf("status entry %+v %s", evs[4], evs[4].Detail)
		}
		_, err = db.IncidentEvents(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
	})
}

func TestListIncidents(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		mk := func(title string, tlp ceptor.TLP, sectors []int64) *ceptor.Incident {
			inc := &ceptor.Incident{Title: title, TLP: tlp, ManualSectorIDs: sectors, CreatedByOrg: w.nisc.ID}
			must(t, db.CreateIncident(ctx, inc))
			c.Advance(time.Minute)
			return inc
		}
		fin := mk("金融", ceptor.TLPAmber, []int64{w.sector.ID})
		ict := mk("情報通信", ceptor.TLPGreen, []int64{w.ict.ID})
		red := mk("金融・RED", ceptor.TLPRed, []int64{w.sector.ID})
		must(t, db.SetLargeScale(ctx, fin.ID, true, 2*time.Hour, "", w.nisc.ID, 0))
		must(t, db.SetLargeScale(ctx, red.ID, true, 0, "", w.nisc.ID, 0))
		ict.Status = ceptor.IncidentClosed
		must(t, db.UpdateIncident(ctx, ict, w.nisc.ID, 0))

		fsa := &ceptor.Actor{UserID: 1, OrgID: w.ministry.ID, OrgType: ceptor.OrgMinistry, Role: ceptor.RoleAnalyst, OverseesSectors: []int64{w.sector.ID}}
		agency := &ceptor.Actor{UserID: 2, OrgID: 9999, OrgType: ceptor.OrgResponse, Role: ceptor.RoleAnalyst}
		visible := func(a *ceptor.Actor) func(*ceptor.IncidentRef) bool {
			return func(r *ceptor.IncidentRef) bool { return ceptor.Allow(a, ceptor.ActView, r.Resource()) }
		}
		yes, no := true, false
		scenarios := []struct {
			name  string
			f     ceptor.IncidentFilter
			want  []int64
			total int
		}{
			{"all, newest first", ceptor.IncidentFilter{}, []int64{red.ID, ict.ID, fin.ID}, 3},
			{"status", ceptor.IncidentFilter{Status: ceptor.IncidentClosed}, []int64{ict.ID}, 1},
			{"large-scale", ceptor.IncidentFilter{LargeScale: &yes}, []int64{red.ID, fin.ID}, 2},
			{"normal", ceptor.IncidentFilter{LargeScale: &no}, []int64{ict.ID}, 1},
			{"ministry sees its sectors", ceptor.IncidentFilter{Visible: visible(fsa)}, []int64{red.ID, fin.ID}, 2},
			{"agency sees large-scale below RED", ceptor.IncidentFilter{Visible: visible(agency)}, []int64{fin.ID}, 1},
			{"page", ceptor.IncidentFilter{Limit: 1, Offset: 1}, []int64{ict.ID}, 3},
		}
		for _, sc := range scenarios {
			list, total, err := db.ListIncidents(ctx, sc.f)
			must(t, err)
			var ids []int64
			for _, inc := range list {
				ids = append(ids, inc.ID)
			}
			if !slices.Equal(ids, sc.want) || total != sc.total {
				t.Errorf("%s: got %v (%d), want %v (%d)", sc.name, ids, total, sc.want, sc.total)
			}
		}
		list, _, _ := db.ListIncidents(ctx, ceptor.IncidentFilter{LargeScale: &yes})
		if list[1].Cadence != 2*time.Hour || list[0].Cadence != ceptor.DefaultCadence || list[1].ModeSince == nil {
			t.Errorf("cadences %v %v", list[1].Cadence, list[0].Cadence)
		}
	})
}

func TestLargeScaleMode(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		nisc, user := w.nisc.ID, w.niscUser
		inc := &ceptor.Incident{Title: "大規模障害", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, inc))

		wantCode(t, db.SetLargeScale(ctx, inc.ID, false, 0, "まだ", nisc, user), ceptor.ECONFLICT)
		wantCode(t, db.SetLargeScale(ctx, inc.ID, true, time.Minute, "", nisc, user), ceptor.EINVALID)
		wantCode(t, db.SetLargeScale(ctx, 999999, true, 0, "", nisc, user), ceptor.ENOTFOUND)

		must(t, db.SetLargeScale(ctx, inc.ID, true, 0, "複数分野に波及", nisc, user))
		on, _ := db.FindIncident(ctx, inc.ID)
		if !on.LargeScale || on.Cadence != 6*time.Hour || on.ModeSince == nil {
			t.Fatalf("on: %+v", on)
		}
		since := *on.ModeSince
		if due := on.UpdateDue(time.Time{}); !due.Equal(since.Add(6 * time.Hour)) {
			t.Fatalf("due %v", due)
		}

		c.Advance(time.Hour)
		must(t, db.SetLargeScale(ctx, inc.ID, true, 3*time.Hour, "", nisc, user))
		again, _ := db.FindIncident(ctx, inc.ID)
		if again.Cadence != 3*time.Hour || !again.ModeSince.Equal(since) {
			t.Fatalf("cadence change moved the start: %+v", again)
		}

		// The after-action note is required to end the mode.
		for _, note := range []string{"", "  \n "} {
			err := db.SetLargeScale(ctx, inc.ID, false, 0, note, nisc, user)
			wantCode(t, err, ceptor.EINVALID)
			if ceptor.ErrorFields(err)["note"] == "" {
				t.Fatalf("error %v does not point at the note", err)
			}
		}
		still, _ := db.FindIncident(ctx, inc.ID)
		if !still.LargeScale {
			t.Fatal("refused switch-off changed the mode")
		}
		c.Advance(5 * time.Hour)
		must(t, db.SetLargeScale(ctx, inc.ID, false, 0, "事後記録: 全事業者で復旧を確認。再発防止策を共有。", nisc, user))
		off, _ := db.FindIncident(ctx, inc.ID)
		if off.LargeScale || !off.UpdateDue(time.Now()).IsZero() {
			t.Fatalf("off: %+v", off)
		}
		wantCode(t, db.SetLargeScale(ctx, inc.ID, false, 0, "もう一度", nisc, user), ceptor.ECONFLICT)

		evs, err := db.IncidentEvents(ctx, inc.ID)
		must(t, err)
		wantKinds(t, eventKinds(t, db, inc.ID), ceptor.EventCreated, ceptor.EventModeOn, ceptor.EventModeOn, ceptor.EventModeOff)
		var first, change, end map[string]any
		must(t, json.Unmarshal(evs[1].Detail, &first))
		must(t, json.Unmarshal(evs[2].Detail, &change))
		must(t, json.Unmarshal(evs[3].Detail, &end))
		if first["cadence_seconds"] != float64(6*3600) || first["text"] != "複数分野に波及" || first["cadence_changed"] != nil {
			t.Errorf("mode_on detail %s", evs[1].Detail)
		}
		if change["cadence_seconds"] != float64(3*3600) || change["cadence_changed"] != true {
			t.Errorf("cadence change detail %s", evs[2].Detail)
		}
		if end["text"] != "事後記録: 全事業者で復旧を確認。再発防止策を共有。" || end["duration_seconds"].(float64) < 6*3600 {
			t.Errorf("mode_off detail %s", evs[3].Detail)
		}
		if evs[3].OrgID != nisc || evs[3].UserID != user {
			t.Errorf("mode_off by %d/%d", evs[3].OrgID, evs[3].UserID)
		}
	})
}

func TestIncidentTimeline(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		nisc := w.nisc.ID
		inc := &ceptor.Incident{Title: "タイムライン", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, inc))

		note := &ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventNote, Detail: json.RawMessage(`{"text":" 第1報を受領 "}`), OrgID: nisc, UserID: w.niscUser}
		must(t, db.AddIncidentEvent(ctx, note))
		if note.Seq != 2 || note.At.IsZero() || string(note.Detail) != `{"text":"第1報を受領"}` {
			t.Fatalf("note %+v %s", note, note.Detail)
		}
		must(t, db.AddIncidentEvent(ctx, &ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventSitrep, Detail: json.RawMessage(`{"format":"html"}`), OrgID: nisc}))
		scenarios := []struct {
			name string
			e    ceptor.IncidentEvent
			code string
		}{
			{"empty note", ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventNote, OrgID: nisc}, ceptor.EINVALID},
			{"system kinds are not for callers", ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventModeOn, OrgID: nisc}, ceptor.EINVALID},
			{"unknown kind", ceptor.IncidentEvent{IncidentID: inc.ID, Kind: "gossip", OrgID: nisc}, ceptor.EINVALID},
			{"detail not an object", ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventSitrep, Detail: json.RawMessage(`"x"`), OrgID: nisc}, ceptor.EINVALID},
			{"no organisation", ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventSitrep}, ceptor.EINVALID},
			{"unknown incident", ceptor.IncidentEvent{IncidentID: 999999, Kind: ceptor.EventSitrep, OrgID: nisc}, ceptor.ENOTFOUND},
		}
		for _, sc := range scenarios {
			e := sc.e
			if got := ceptor.ErrorCode(db.AddIncidentEvent(ctx, &e)); got != sc.code {
				t.Errorf("%s: %s, want %s", sc.name, got, sc.code)
			}
		}

		// Concurrent writers to one incident get distinct, gapless numbers.
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, _ := ceptor.NoteDetail(fmt.Sprintf("並行メモ %d", i))
				errs <- db.AddIncidentEvent(ctx, &ceptor.IncidentEvent{IncidentID: inc.ID, Kind: ceptor.EventNote, Detail: d, OrgID: nisc})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		kinds := eventKinds(t, db, inc.ID) // checks seq 1..n and time order
		if len(kinds) != 3+n || kinds[0] != ceptor.EventCreated || kinds[2] != ceptor.EventSitrep {
			t.Fatalf("timeline %v", kinds)
		}
	})
}

func TestSuggestGroupings(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		nisc := w.nisc.ID
		at := func(h int) *time.Time {
			v := time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
			return &v
		}
		evil := ceptor.Indicator{Type: ceptor.IndDomain, Value: "evil.example"}
		ip := ceptor.Indicator{Type: ceptor.IndIPv4, Value: "192.0.2.7"}
		other := ceptor.Indicator{Type: ceptor.IndDomain, Value: "benign.example"}

		target := w.report(t, db, incReportOpts{supplier: w.supplier.ID, indicators: []ceptor.Indicator{evil, ip}, started: at(0)})
		byIndicator := w.report(t, db, incReportOpts{sector: w.ict.ID, indicators: []ceptor.Indicator{ip, other}, started: at(-500)})
		bySupplier := w.report(t, db, incReportOpts{sector: w.ict.ID, supplier: w.supplier.ID, started: at(900)})
		byWindow := w.report(t, db, incReportOpts{started: at(48)})
		bySubmission := w.report(t, db, incReportOpts{submitted: at(-71)})
		_ = w.report(t, db, incReportOpts{started: at(73)})                                   // outside the window
		_ = w.report(t, db, incReportOpts{sector: w.ict.ID, started: at(1)})                  // other sector, nothing shared
		_ = w.report(t, db, incReportOpts{draft: true, indicators: []ceptor.Indicator{evil}}) // drafts are nobody's
		_ = w.report(t, db, incReportOpts{drill: true, indicators: []ceptor.Indicator{evil}}) // drills stay with drills
		_ = w.report(t, db, incReportOpts{sector: w.ict.ID, indicators: []ceptor.Indicator{{Type: ceptor.IndURL, Value: "http://evil.example/"}}})
		inOpen := w.report(t, db, incReportOpts{sector: w.ict.ID, indicators: []ceptor.Indicator{evil}, started: at(-300)})
		inOpen2 := w.report(t, db, incReportOpts{sector: w.ict.ID, supplier: w.supplier.ID, started: at(-300)})
		inClosed := w.report(t, db, incReportOpts{sector: w.ict.ID, indicators: []ceptor.Indicator{evil}, started: at(-300)})

		open := &ceptor.Incident{Title: "開いている事案", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, open))
		must(t, db.AddReportToIncident(ctx, open.ID, inOpen, nisc, 0))
		must(t, db.AddReportToIncident(ctx, open.ID, inOpen2, nisc, 0))
		closed := &ceptor.Incident{Title: "終結した事案", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, closed))
		must(t, db.AddReportToIncident(ctx, closed.ID, inClosed, nisc, 0))
		closed.Status = ceptor.IncidentClosed
		must(t, db.UpdateIncident(ctx, closed, nisc, 0))

		type row struct {
			incident int64
			reports  []int64
			reasons  []ceptor.GroupingReason
		}
		check := func(want []row) {
			t.Helper()
			got, err := db.SuggestGroupings(ctx, target)
			must(t, err)
			if len(got) != len(want) {
				t.Fatalf("suggestions %+v, want %+v", got, want)
			}
			for i, s := range got {
				if s.IncidentID != want[i].incident || !slices.Equal(s.ReportIDs, want[i].reports) || !slices.Equal(s.Reasons, want[i].reasons) {
					t.Fatalf("suggestion %d = %+v, want %+v", i, s, want[i])
				}
			}
		}
		I, S, W := ceptor.GroupSharedIndicator, ceptor.GroupSameSupplier, ceptor.GroupSectorWindow
		check([]row{
			{open.ID, []int64{inOpen, inOpen2}, []ceptor.GroupingReason{I, S}},
			{0, []int64{byIndicator}, []ceptor.GroupingReason{I}},
			{0, []int64{bySupplier}, []ceptor.GroupingReason{S}},
			{0, []int64{byWindow}, []ceptor.GroupingReason{W}},
			{0, []int64{bySubmission}, []ceptor.GroupingReason{W}},
		})
		got, _ := db.SuggestGroupings(ctx, target)
		if !slices.Equal(got[1].Indicators, []ceptor.Indicator{ip}) || got[2].SupplierOrgID != w.supplier.ID || got[3].SectorID != w.sector.ID {
			t.Fatalf("details %+v", got)
		}

		// Once the report joins the incident, its fellow members are no
		// longer suggestions; the rest stay.
		must(t, db.AddReportToIncident(ctx, open.ID, target, nisc, 0))
		check([]row{
			{0, []int64{byIndicator}, []ceptor.GroupingReason{I}},
			{0, []int64{bySupplier}, []ceptor.GroupingReason{S}},
			{0, []int64{byWindow}, []ceptor.GroupingReason{W}},
			{0, []int64{bySubmission}, []ceptor.GroupingReason{W}},
		})

		// The other way round: the lone report is pointed at the incident.
		got, err := db.SuggestGroupings(ctx, byIndicator)
		must(t, err)
		if len(got) == 0 || got[0].IncidentID != open.ID || !slices.Contains(got[0].ReportIDs, target) {
			t.Fatalf("from byIndicator: %+v", got)
		}
		_, err = db.SuggestGroupings(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
		lonely := w.report(t, db, incReportOpts{sector: w.ict.ID, started: at(5000)})
		if got, err := db.SuggestGroupings(ctx, lonely); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("lonely: %v %v", got, err)
		}
	})
}

func TestAffectedOrgs(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		nisc := w.nisc.ID
		named := w.report(t, db, incReportOpts{sector: w.ict.ID})
		anon := w.report(t, db, incReportOpts{anonymous: true})
		inc := &ceptor.Incident{Title: "状況ボード", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, inc))
		must(t, db.AddReportToIncident(ctx, inc.ID, named, nisc, 0))
		must(t, db.AddReportToIncident(ctx, inc.ID, anon, nisc, 0))

		must(t, db.AddEvaluation(ctx, &ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: anon, Continuity: 3, ContinuityReason: "24時間停止", Final: true, OrgID: nisc}))
		c.Advance(time.Minute)
		must(t, db.AddEvaluation(ctx, &ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: anon, Continuity: 1, ContinuityReason: "暫定", OrgID: w.ministry.ID}))

		rows, err := db.AffectedOrgs(ctx, inc.ID)
		must(t, err)
		if len(rows) != 2 {
			t.Fatalf("rows %+v", rows)
		}
		// Ordered by sector: finance (the fixture's, created first) then ICT.
		a, n := rows[0], rows[1]
		if a.ReportID != anon || a.OrgID != 0 || a.CeptorID != w.cep.ID || a.SectorID != w.sector.ID {
			t.Fatalf("anonymous row shows %+v", a)
		}
		if a.Evaluation == nil || a.Evaluation.Overall != 3 || !a.Evaluation.Final {
			t.Fatalf("anonymous row evaluation %+v", a.Evaluation)
		}
		if n.ReportID != named || n.OrgID != w.op1.ID || n.SectorID != w.ict.ID || n.Evaluation != nil ||
			n.Version != 1 || n.Status != ceptor.ReportSubmitted || n.TLP != ceptor.TLPAmber || n.AddedAt.IsZero() {
			t.Fatalf("named row %+v", n)
		}
		_, err = db.AffectedOrgs(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
	})
}
