package sqldb_test

import (
	"context"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// The advisory world: the report world (NISC, FSA, the bank CEPTOR and
// its secretariat, op1 a member, op2 outside any CEPTOR) with contacts.
func mustAdvisoryWorld(t *testing.T, db *sqldb.DB) *reportWorld {
	t.Helper()
	w := mustReportWorld(t, db)
	for _, c := range []*ceptor.Contact{
		{OrgID: w.op1.ID, Name: "窓口", Kind: ceptor.ContactPrimary, Email: "soc@minato.example.jp", WebhookURL: "https://hook.minato.example.jp/x"},
		{OrgID: w.op1.ID, Name: "副窓口", Kind: ceptor.ContactAlternate, Email: "backup@minato.example.jp"},
		{OrgID: w.op2.ID, Name: "窓口", Kind: ceptor.ContactAlternate, Email: "desk@shinkin.example.jp"},
		{OrgID: w.secretariat.ID, Name: "事務局", Kind: ceptor.ContactPrimary, Email: "desk@bank-ceptor.example.jp"},
	} {
		c.Active = true
		must(t, db.CreateContact(ctx, c))
	}
	return w
}

func TestAdvisoryPublishConfirm(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustAdvisoryWorld(t, db)
		now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
		deadline := now.Add(48 * time.Hour)
		a := &ceptor.Advisory{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: "標的型メール攻撃に関する注意喚起",
			Body: "# 概要\n標的型メールが確認されています。", TLP: ceptor.TLPAmber, Deadline: &deadline,
			Audience: ceptor.Audience{SectorIDs: []int64{w.sector.ID}}}
		must(t, db.CreateAdvisory(ctx, a))
		a.Urgency = ceptor.UrgencyHigh
		must(t, db.UpdateAdvisory(ctx, a))

		var res *ceptor.PublishResult
		must(t, db.Atomic(ctx, func(ctx context.Context) error {
			var err error
			res, err = db.PublishAdvisory(ctx, a.ID, now)
			return err
		}))
		// Recipients: secretariat, op1, op2 (the ministry has no sector).
		if res.Recipients != 3 || res.Hops != 2 {
			t.Fatalf("publish: %+v", res)
		}
		// E-mail and webhook to op1's primary, e-mail to op2's alternate
		// (it has no primary), e-mail to the secretariat.
		if len(res.Deliveries) != 4 {
			t.Fatalf("deliveries %d", len(res.Deliveries))
		}
		if _, err := db.PublishAdvisory(ctx, a.ID, now); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("second publish: %v", err)
		}
		r1, err := db.AdvisoryRecipient(ctx, a.ID, w.op1.ID)
		must(t, err)
		if r1.ViaOrgID != w.secretariat.ID || r1.MinistryHop != w.ministry.ID || r1.State != ceptor.RecipientDelivered {
			t.Fatalf("op1 recipient: %+v", r1)
		}
		r2, err := db.AdvisoryRecipient(ctx, a.ID, w.op2.ID)
		must(t, err)
		if r2.ViaOrgID != w.nisc.ID || r2.State != ceptor.RecipientPending {
			t.Fatalf("op2 (outside any CEPTOR, no users) recipient: %+v", r2)
		}
		hops, err := db.AdvisoryHops(ctx, a.ID)
		must(t, err)
		if len(hops) != 2 || hops[0].OrgID != w.ministry.ID || hops[1].FromOrgID != w.ministry.ID || hops[1].RelayedAt == nil {
			t.Fatalf("hops: %+v", hops)
		}

		// Delivery: claim once, a second claim gets nothing.
		x, err := db.ClaimDelivery(ctx, res.Deliveries[0], now, time.Minute)
		must(t, err)
		if x == nil || x.Status != "sending" || x.Attempts != 1 {
			t.Fatalf("claim: %+v", x)
		}
		if y, err := db.ClaimDelivery(ctx, res.Deliveries[0], now, time.Minute); err != nil || y != nil {
			t.Fatalf("second claim: %+v %v", y, err)
		}
		// After the lease the row is reclaimable (its sender crashed).
		stale, err := db.StaleDeliveries(ctx, now.Add(2*time.Minute), time.Hour, 100)
		must(t, err)
		if len(stale) != 1 || stale[0] != x.ID {
			t.Fatalf("stale: %v", stale)
		}
		must(t, db.DeliverySent(ctx, x, now))
		if y, _ := db.ClaimDelivery(ctx, x.ID, now.Add(time.Hour), time.Minute); y != nil {
			t.Fatal("a sent delivery was claimed again")
		}
		// op2's only contact fails: no alternates left, unreachable.
		var op2Delivery *ceptor.AdvisoryDelivery
		for _, id := range res.Deliveries {
			d, err := db.FindDelivery(ctx, id)
			must(t, err)
			if d.OrgID == w.op2.ID {
				op2Delivery = d
			}
		}
		op2Delivery, err = db.ClaimDelivery(ctx, op2Delivery.ID, now, time.Minute)
		must(t, err)
		alts, err := db.DeliveryFailed(ctx, op2Delivery, "550 no such user", now)
		must(t, err)
		if len(alts) != 0 {
			t.Fatalf("alternates of an alternate: %v", alts)
		}
		if r, _ := db.AdvisoryRecipient(ctx, a.ID, w.op2.ID); r.State != ceptor.RecipientUnreachable {
			t.Fatalf("op2 state %s", r.State)
		}

		// Confirmation: once; the second does not change the first.
		ok, err := db.ConfirmAdvisory(ctx, a.ID, w.op1.ID, w.author.ID, "inbox", now.Add(20*time.Minute))
		must(t, err)
		if !ok {
			t.Fatal("first confirmation not recorded")
		}
		ok, err = db.ConfirmAdvisory(ctx, a.ID, w.op1.ID, w.author.ID, "api", now.Add(time.Hour))
		must(t, err)
		if ok {
			t.Fatal("second confirmation changed something")
		}
		if _, err := db.ConfirmAdvisory(ctx, a.ID, w.nisc.ID, w.niscUsr.ID, "api", now); ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			t.Fatalf("non-recipient confirms: %v", err)
		}
		// The ministry confirms as a hop.
		ok, err = db.ConfirmAdvisory(ctx, a.ID, w.ministry.ID, w.minUser.ID, "inbox", now.Add(time.Minute))
		must(t, err)
		if !ok {
			t.Fatal("hop confirmation not recorded")
		}

		s, err := db.ReceiptSummary(ctx, a.ID, nil)
		must(t, err)
		if s.Total.Recipients != 3 || s.Total.Confirmed != 1 || s.Total.Unreachable != 1 || s.Total.Delivered != 2 {
			t.Fatalf("summary total %+v", s.Total)
		}
		if s.ConfirmMinutes[1] != 1 { // 20 minutes: [15, 30)
			t.Fatalf("time to confirm %v", s.ConfirmMinutes)
		}
		// Seen from the secretariat: only what lies behind it.
		s2, err := db.ReceiptSummary(ctx, a.ID, []int64{w.secretariat.ID})
		must(t, err)
		if s2.Total.Recipients != 1 || s2.Total.Confirmed != 1 {
			t.Fatalf("secretariat summary %+v", s2.Total)
		}

		// Inbox with Japanese search (標的型 inside 標的型メール).
		items, n, err := db.Inbox(ctx, ceptor.InboxFilter{OrgID: w.op1.ID, UserID: w.author.ID, Q: "標的型"})
		must(t, err)
		if n != 1 || len(items) != 1 || items[0].Read || items[0].Recipient.State != ceptor.RecipientConfirmed {
			t.Fatalf("inbox: %d %+v", n, items)
		}
		if _, n, _ := db.Inbox(ctx, ceptor.InboxFilter{OrgID: w.op1.ID, UserID: w.author.ID, Q: "ランサム"}); n != 0 {
			t.Fatalf("search matched %d", n)
		}
		must(t, db.MarkAdvisoryRead(ctx, a.ID, w.op1.ID, w.author.ID, now))
		must(t, db.MarkAdvisoryRead(ctx, a.ID, w.op1.ID, w.author.ID, now))
		if items, _, _ := db.Inbox(ctx, ceptor.InboxFilter{OrgID: w.op1.ID, UserID: w.author.ID}); !items[0].Read {
			t.Fatal("read not recorded")
		}
		// Not in op2's... op2 has it; the NISC (issuer) has no inbox entry.
		if _, n, _ := db.Inbox(ctx, ceptor.InboxFilter{OrgID: w.nisc.ID, UserID: w.niscUsr.ID}); n != 0 {
			t.Fatalf("issuer inbox %d", n)
		}

		// Listing: the issuer, a recipient; another sector's operator not.
		list, total, err := db.ListAdvisories(ctx, ceptor.AdvisoryFilter{Viewer: &ceptor.Actor{OrgID: w.op1.ID, OrgType: ceptor.OrgOperator}})
		must(t, err)
		if total != 1 || list[0].ViewerState != ceptor.RecipientConfirmed {
			t.Fatalf("op1 list: %d %+v", total, list)
		}
		other := &ceptor.Organization{Name: "他分野", Type: ceptor.OrgOperator, Active: true}
		must(t, db.CreateOrg(ctx, other))
		if _, total, _ := db.ListAdvisories(ctx, ceptor.AdvisoryFilter{Viewer: &ceptor.Actor{OrgID: other.ID, OrgType: ceptor.OrgOperator}}); total != 0 {
			t.Fatalf("outsider sees %d", total)
		}
		if _, total, _ := db.ListAdvisories(ctx, ceptor.AdvisoryFilter{Viewer: &ceptor.Actor{OrgID: w.ministry.ID, OrgType: ceptor.OrgMinistry}, Q: "標的型"}); total != 1 {
			t.Fatalf("hop sees %d", total)
		}

		// Correction: a new version, delivered to everyone reached.
		a2, err := db.FindAdvisory(ctx, a.ID)
		must(t, err)
		a2.Body += "\n追記: 送信元アドレスを更新"
		a2.Note = "送信元アドレスの追加"
		res2, err := db.CorrectAdvisory(ctx, a2, now.Add(2*time.Hour))
		must(t, err)
		if a2.Version != 2 || res2.Recipients != 3 {
			t.Fatalf("correction: v%d %+v", a2.Version, res2)
		}
		vs, err := db.AdvisoryVersions(ctx, a.ID)
		must(t, err)
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Note != "" {
			t.Fatalf("versions %+v", vs)
		}
		a2.TLP = ceptor.TLPGreen
		a2.Note = "widen"
		if _, err := db.CorrectAdvisory(ctx, a2, now.Add(3*time.Hour)); ceptor.ErrorCode(err) != ceptor.EINVALID {
			t.Fatalf("widening TLP: %v", err)
		}
		// Six hours before the deadline, the unconfirmed organisations'
		// alternates are reminded, once: op1 confirmed; op2's alternate
		// gets the reminder; the secretariat has none (yet).
		rem, err := db.RemindAlternates(ctx, deadline.Add(-5*time.Hour), 6*time.Hour)
		must(t, err)
		if len(rem) != 1 {
			t.Fatalf("reminders %v", rem)
		}
		extra := &ceptor.Contact{OrgID: w.secretariat.ID, Name: "副", Kind: ceptor.ContactAlternate, Email: "alt@bank-ceptor.example.jp", Active: true}
		must(t, db.CreateContact(ctx, extra))
		if rem, _ := db.RemindAlternates(ctx, deadline.Add(-5*time.Hour), 6*time.Hour); len(rem) != 0 {
			t.Fatalf("reminded twice: %v", rem)
		}
		must(t, db.RecordFollowUp(ctx, a.ID, w.op2.ID, ceptor.FollowContactOutdated, "", w.secUser.ID, now))
		if err := db.RecordFollowUp(ctx, a.ID, w.op2.ID, "bogus", "", w.secUser.ID, now); ceptor.ErrorCode(err) != ceptor.EINVALID {
			t.Fatalf("bogus reason: %v", err)
		}
		// Escalation after the deadline: op2 (and the secretariat) are overdue.
		n2, err := db.EscalateOverdue(ctx, deadline.Add(time.Minute), 24*time.Hour)
		must(t, err)
		if n2 != 2 {
			t.Fatalf("escalated %d", n2)
		}
		// The counts the triggers keep agree with the recipients themselves.
		sum, err := db.ReceiptSummary(ctx, a.ID, nil)
		must(t, err)
		for st, want := range map[ceptor.RecipientState]*int{ceptor.RecipientConfirmed: &sum.Total.Confirmed, ceptor.RecipientUnreachable: &sum.Total.Unreachable} {
			var n int
			must(t, db.SQL().QueryRowContext(ctx, rebindT(db, "SELECT COUNT(*) FROM advisory_recipients WHERE advisory_id = ? AND state = ?"), a.ID, string(st)).Scan(&n))
			if n != *want {
				t.Fatalf("%s: counted %d, recipients %d", st, *want, n)
			}
		}
		must(t, db.SetAdvisoryStatus(ctx, a.ID, ceptor.AdvisoryWithdrawn, "誤送信", now.Add(4*time.Hour)))
		if err := db.SetAdvisoryStatus(ctx, a.ID, ceptor.AdvisoryWithdrawn, "", now); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("withdraw twice: %v", err)
		}
		counts, err := db.AdvisoryCounts(ctx)
		must(t, err)
		if counts[2026] != 1 {
			t.Fatalf("counts %v", counts)
		}
	})
}

// A hop that relays by hand holds its members' copies until it relays;
// drills are not counted; four-eyes approval is by a second person.
func TestAdvisoryManualRelayDrillReview(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustAdvisoryWorld(t, db)
		now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
		must(t, db.SetAdvisoryOrgSettings(ctx, ceptor.AdvisoryOrgSettings{OrgID: w.secretariat.ID, ManualRelay: true}))
		a := &ceptor.Advisory{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: "訓練: 疎通確認", Body: "訓練です", Drill: true,
			Audience: ceptor.Audience{CeptorIDs: []int64{w.cep.ID}}}
		must(t, db.CreateAdvisory(ctx, a))
		must(t, db.SetAdvisoryStatus(ctx, a.ID, ceptor.AdvisoryInReview, "", now))
		if err := db.ApproveAdvisory(ctx, a.ID, w.niscUsr.ID); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("author approves own: %v", err)
		}
		second := &ceptor.User{OrgID: w.nisc.ID, Email: "second@nisc.example.go.jp", Name: "二人目", Role: ceptor.RoleAnalyst}
		must(t, db.CreateUser(ctx, second))
		must(t, db.ApproveAdvisory(ctx, a.ID, second.ID))
		if got, _ := db.FindAdvisory(ctx, a.ID); !got.Approved || got.ReviewerID != second.ID {
			t.Fatalf("approval: %+v", got)
		}
		res, err := db.PublishAdvisory(ctx, a.ID, now)
		must(t, err)
		if res.Recipients != 1 || len(res.Deliveries) != 0 {
			t.Fatalf("held publish: %+v", res)
		}
		if _, err := db.AdvisoryRecipient(ctx, a.ID, w.op1.ID); ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			t.Fatalf("held recipient visible: %v", err)
		}
		res, err = db.RelayAdvisory(ctx, a.ID, w.secretariat.ID, w.secUser.ID, "銀行等セプターより: 訓練への協力をお願いします", now.Add(time.Minute))
		must(t, err)
		if res.Recipients != 1 || len(res.Deliveries) != 2 {
			t.Fatalf("relay: %+v", res)
		}
		if _, err := db.RelayAdvisory(ctx, a.ID, w.secretariat.ID, w.secUser.ID, "", now); ceptor.ErrorCode(err) != ceptor.ECONFLICT {
			t.Fatalf("relay twice: %v", err)
		}
		r, err := db.AdvisoryRecipient(ctx, a.ID, w.op1.ID)
		must(t, err)
		if !r.Drill || r.State != ceptor.RecipientDelivered {
			t.Fatalf("released: %+v", r)
		}
		counts, err := db.AdvisoryCounts(ctx)
		must(t, err)
		if len(counts) != 0 {
			t.Fatalf("a drill was counted: %v", counts)
		}
	})
}

func rebindT(db *sqldb.DB, q string) string {
	if db.Dialect() != sqldb.Postgres {
		return q
	}
	out, k := "", 0
	for _, r := range q {
		if r == '?' {
			k++
			out += "$" + string(rune('0'+k))
			continue
		}
		out += string(r)
	}
	return out
}
