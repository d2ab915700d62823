package sqldb_test

import (
	"context"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// startDrill publishes the drill advisory and starts the drill in one
// transaction, as the web layer does.
func startDrill(t *testing.T, db *sqldb.DB, d *ceptor.Drill, author int64, at time.Time) (*ceptor.Advisory, *ceptor.PublishResult, int) {
	t.Helper()
	var adv *ceptor.Advisory
	var res *ceptor.PublishResult
	var n int
	must(t, db.Atomic(ctx, func(ctx context.Context) error {
		adv = d.DrillAdvisory(author, "https://ceptor.example/drills/1")
		if err := db.CreateAdvisory(ctx, adv); err != nil {
			return err
		}
		var err error
		if res, err = db.PublishAdvisory(ctx, adv.ID, at); err != nil {
			return err
		}
		n, err = db.StartDrill(ctx, d.ID, adv.ID, at)
		return err
	}))
	return adv, res, n
}

func TestDrillLifecycle(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustAdvisoryWorld(t, db)
		start := time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC)

		bad := &ceptor.Drill{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: " ", WindowStart: start, WindowEnd: start.Add(-time.Hour)}
		err := db.CreateDrill(ctx, bad)
		f := ceptor.ErrorFields(err)
		if f["title"] == "" || f["window_end"] == "" || f["ceptor_ids"] == "" || f["direction"] == "" {
			t.Fatalf("invalid drill: %v %v", err, f)
		}
		if err := db.CreateDrill(ctx, &ceptor.Drill{OrgID: w.nisc.ID, Title: "x", WindowStart: start, WindowEnd: start.Add(time.Hour),
			CeptorIDs: []int64{99999}, Downward: true}); ceptor.ErrorFields(err)["ceptor_ids"] == "" {
			t.Fatalf("unknown CEPTOR: %v", err)
		}

		d := &ceptor.Drill{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: "銀行等セプター情報提供訓練", Instructions: "受領を確認してください。",
			WindowStart: start, WindowEnd: start.Add(48 * time.Hour), CeptorIDs: []int64{w.cep.ID}, Downward: true, Upward: true, AssumeDamage: true}
		must(t, db.CreateDrill(ctx, d))
		if d.FiscalYear != 2026 || d.Status != ceptor.DrillPlanned || len(d.SectorIDs) != 1 || d.SectorIDs[0] != w.sector.ID {
			t.Fatalf("created: %+v", d)
		}
		d.Announced = true
		must(t, db.UpdateDrill(ctx, d))
		got, err := db.FindDrill(ctx, d.ID)
		must(t, err)
		if !got.Announced || got.Channel != ceptor.DrillChannelNormal || len(got.CeptorIDs) != 1 {
			t.Fatalf("found: %+v", got)
		}
		list, total, err := db.ListDrills(ctx, ceptor.DrillFilter{FiscalYear: 2026, CeptorIDs: []int64{w.cep.ID}})
		must(t, err)
		if total != 1 || len(list) != 1 {
			t.Fatalf("list: %d", total)
		}
		if _, total, _ := db.ListDrills(ctx, ceptor.DrillFilter{FiscalYear: 2025}); total != 0 {
			t.Fatalf("other year: %d", total)
		}

		adv, res, n := startDrill(t, db, d, w.niscUsr.ID, start)
		if n != 1 || res.Recipients != 1 || res.Hops != 2 { // op1, the member, through the ministry and the secretariat
			t.Fatalf("start: participants %d, %+v", n, res)
		}
		if !adv.Drill || adv.DrillID != d.ID || adv.Category != ceptor.CatDrill {
			t.Fatalf("drill advisory: %+v", adv)
		}
		if err := db.UpdateDrill(ctx, d); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("update running: %v", err)
		}
		if _, err := db.StartDrill(ctx, d.ID, adv.ID, start); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("second start: %v", err)
		}
		byAdv, err := db.DrillByAdvisory(ctx, adv.ID)
		must(t, err)
		if byAdv.ID != d.ID || byAdv.Status != ceptor.DrillRunning {
			t.Fatalf("by advisory: %+v", byAdv)
		}

		// op1 confirms after 20 minutes, sends a drill report after an hour
		// and fills in its self-check sheet.
		if ok, err := db.ConfirmAdvisory(ctx, adv.ID, w.op1.ID, w.author.ID, "inbox", start.Add(20*time.Minute)); err != nil || !ok {
			t.Fatalf("confirm: %v %v", ok, err)
		}
		rep := w.newReport(ceptor.RouteMinistry, "【訓練】被害あり", "訓練の報告")
		rep.Drill = true
		must(t, db.CreateReport(ctx, rep))
		must(t, db.SubmitReport(ctx, rep.ID, []int64{w.ministry.ID, w.nisc.ID}, w.author.ID))
		must(t, db.LinkDrillReport(ctx, d.ID, rep.ID, w.op1.ID, true, start.Add(time.Hour)))
		if err := db.LinkDrillReport(ctx, d.ID, rep.ID, w.op1.ID, true, start.Add(time.Hour)); err == nil {
			t.Fatal("a report answers one drill once")
		}
		mins := 12
		sc := &ceptor.SelfCheck{DrillID: d.ID, OrgID: w.op1.ID, Arrived: "bogus"}
		if f := ceptor.ErrorFields(db.SaveSelfCheck(ctx, sc)); f["arrived"] == "" || f["channel"] == "" {
			t.Fatalf("invalid sheet: %v", f)
		}
		sc = &ceptor.SelfCheck{DrillID: d.ID, OrgID: w.op1.ID, Arrived: "yes", Channel: "email", Handler: "システム部", NoticeMinutes: &mins,
			Problems: "夜間の受信確認が遅れた", UpdatedBy: w.author.ID}
		must(t, db.SaveSelfCheck(ctx, sc))
		sc.Improvements = "当番表を見直す"
		must(t, db.SaveSelfCheck(ctx, sc))
		back, err := db.SelfCheck(ctx, d.ID, w.op1.ID)
		must(t, err)
		if back.Improvements != "当番表を見直す" || back.NoticeMinutes == nil || *back.NoticeMinutes != 12 {
			t.Fatalf("sheet: %+v", back)
		}
		if _, err := db.SelfCheck(ctx, d.ID, w.op2.ID); ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			t.Fatalf("no sheet: %v", err)
		}

		r, err := db.DrillResults(ctx, d.ID, nil, nil)
		must(t, err)
		if r.Receipts == nil || r.Receipts.Total.Confirmed != 1 || r.ConfirmedVia["inbox"] != 1 {
			t.Fatalf("receipts: %+v %v", r.Receipts, r.ConfirmedVia)
		}
		if r.MedianConfirmMinutes == nil || *r.MedianConfirmMinutes != 20 {
			t.Fatalf("median: %v", r.MedianConfirmMinutes)
		}
		if r.Upward == nil || r.Upward.Participants != 1 || r.Upward.Reported != 1 || r.Upward.Damage != 1 || r.Upward.Rate != 1 ||
			r.Upward.MedianReportMinutes == nil || *r.Upward.MedianReportMinutes != 60 {
			t.Fatalf("upward: %+v", r.Upward)
		}
		if r.SelfChecks.Completed != 1 || r.SelfChecks.Expected != 1 || r.SelfChecks.Channels["email"] != 1 || len(r.SelfChecks.Sheets) != 1 {
			t.Fatalf("self-checks: %+v", r.SelfChecks)
		}
		for _, nr := range r.NotReached {
			if nr.OrgID == w.op1.ID {
				t.Fatal("op1 confirmed, yet listed as not reached")
			}
		}
		// Restricted to no CEPTOR at all: nothing but the drill.
		r, err = db.DrillResults(ctx, d.ID, []int64{}, []int64{w.ministry.ID})
		must(t, err)
		if r.SelfChecks.Expected != 0 || len(r.SelfChecks.Sheets) != 0 || r.Upward.Participants != 0 {
			t.Fatalf("empty scope: %+v", r.SelfChecks)
		}

		must(t, db.CloseDrill(ctx, d.ID, start.Add(72*time.Hour)))
		if err := db.CloseDrill(ctx, d.ID, start); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("second close: %v", err)
		}
		years, err := db.DrillYears(ctx)
		must(t, err)
		if len(years) != 1 || years[0].FiscalYear != 2026 || years[0].Ceptors != 1 || years[0].Operators != 1 || years[0].Confirmed != 1 ||
			years[0].MedianConfirmMinutes == nil || *years[0].MedianConfirmMinutes != 20 {
			t.Fatalf("years: %+v", years)
		}

		// Drills never count as real advisories or reports.
		counts, err := db.AdvisoryCounts(ctx)
		must(t, err)
		if counts[2026] != 0 {
			t.Fatalf("drill advisory counted: %v", counts)
		}
		from, to := ceptor.FiscalYearRange(2026)
		rc, err := db.ReportCounts(ctx, from, to, false)
		must(t, err)
		if len(rc) != 0 {
			t.Fatalf("drill report counted: %+v", rc)
		}
		rc, err = db.ReportCounts(ctx, from, to, true)
		must(t, err)
		if len(rc) == 0 {
			t.Fatal("the drill report is not even a drill count")
		}
	})
}

// An alternate-channel drill reaches organisations through their
// alternate contacts only: no in-app delivery, no primary contact.
func TestDrillAlternateChannel(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustAdvisoryWorld(t, db)
		start := time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
		d := &ceptor.Drill{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: "代替手段訓練", WindowStart: start, WindowEnd: start.Add(24 * time.Hour),
			CeptorIDs: []int64{w.cep.ID}, Downward: true, Channel: ceptor.DrillChannelAlternate}
		must(t, db.CreateDrill(ctx, d))
		adv, res, _ := startDrill(t, db, d, w.niscUsr.ID, start)
		// op1: e-mail to its alternate contact only (its primary has e-mail
		// and a webhook).
		if len(res.Deliveries) != 1 {
			t.Fatalf("deliveries %d", len(res.Deliveries))
		}
		x, err := db.FindDelivery(ctx, res.Deliveries[0])
		must(t, err)
		if x.OrgID != w.op1.ID || !x.Alternate || x.Channel != ceptor.ChannelEmail {
			t.Fatalf("delivery: %+v", x)
		}
		counts, err := db.DeliveryCounts(ctx, adv.ID)
		must(t, err)
		if counts[ceptor.ChannelInbox] != nil {
			t.Fatalf("in-app delivery in an alternate drill: %v", counts)
		}
		rec, err := db.AdvisoryRecipient(ctx, adv.ID, w.op1.ID)
		must(t, err)
		if rec.State != ceptor.RecipientPending {
			t.Fatalf("op1 state %s", rec.State)
		}
		// Nor does it show in the in-app inbox; a normal drill does.
		items, _, err := db.Inbox(ctx, ceptor.InboxFilter{OrgID: w.op1.ID, UserID: w.author.ID})
		must(t, err)
		if len(items) != 0 {
			t.Fatalf("alternate-channel drill in the inbox: %d items", len(items))
		}
		n := &ceptor.Drill{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: "通常訓練", WindowStart: start, WindowEnd: start.Add(24 * time.Hour),
			CeptorIDs: []int64{w.cep.ID}, Downward: true}
		must(t, db.CreateDrill(ctx, n))
		startDrill(t, db, n, w.niscUsr.ID, start)
		items, _, err = db.Inbox(ctx, ceptor.InboxFilter{OrgID: w.op1.ID, UserID: w.author.ID})
		must(t, err)
		if len(items) != 1 || !items[0].Advisory.Drill {
			t.Fatalf("normal drill in the inbox: %d items", len(items))
		}
	})
}
