package sqldb_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// A sender that died leaves its row "sending"; what happens to it when the
// lease runs out depends on how far the hand-over got: never handed over,
// sent again (no repeat possible); handed over without an answer, sent
// again and counted as a possible repeat; accepted, recorded as sent and
// not sent again. A sender whose lease was taken over cannot hand over.
func TestDeliveryHandoverRecovery(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
		a, res := publishToSector(t, db, now)
		if len(res.Deliveries) < 3 {
			t.Fatalf("deliveries %v", res.Deliveries)
		}
		uncertain := func(id int64) (h, n int) {
			t.Helper()
			must(t, db.SQL().QueryRow("SELECT handover, uncertain_resends FROM advisory_deliveries WHERE id = "+handoverID(id)).Scan(&h, &n))
			return h, n
		}
		claim := func(id int64, at time.Time) *ceptor.AdvisoryDelivery {
			t.Helper()
			pctx, release, err := db.PinConn(ctx)
			must(t, err)
			defer release()
			x, err := db.ClaimDelivery(pctx, id, at, time.Minute)
			must(t, err)
			return x
		}
		later := now.Add(2 * time.Minute)

		// 1. Died before the hand-over: claimed again, nothing counted.
		x := claim(res.Deliveries[0], now)
		if y := claim(x.ID, later); y == nil || y.Attempts != 2 {
			t.Fatalf("reclaim after a crash before the hand-over: %+v", y)
		}
		if h, n := uncertain(x.ID); h != 0 || n != 0 {
			t.Fatalf("handover %d, uncertain %d", h, n)
		}

		// 2. Died handed over: claimed again and counted; the first
		// sender, should it still be alive, can no longer hand over.
		x = claim(res.Deliveries[1], now)
		must(t, db.DeliveryHandover(ctx, x, sqldb.HandoverHanding, now, now.Add(time.Minute)))
		if h, _ := uncertain(x.ID); h != 1 {
			t.Fatalf("handover %d", h)
		}
		y := claim(x.ID, later)
		if y == nil {
			t.Fatal("a row handed over without an answer was not sent again")
		}
		if h, n := uncertain(x.ID); h != 0 || n != 1 {
			t.Fatalf("after the resend: handover %d, uncertain %d", h, n)
		}
		if err := db.DeliveryHandover(ctx, x, sqldb.HandoverHanding, later, later.Add(time.Minute)); err == nil {
			t.Fatal("a sender whose lease was taken over handed over")
		}
		// The new sender's refusal clears the hand-over; its acceptance
		// and record finish the row.
		must(t, db.DeliveryHandover(ctx, y, sqldb.HandoverHanding, later, later.Add(time.Minute)))
		must(t, db.DeliveryHandover(ctx, y, sqldb.HandoverNone, later, time.Time{}))
		if h, _ := uncertain(x.ID); h != 0 {
			t.Fatalf("refused: handover %d", h)
		}
		must(t, db.DeliveryHandover(ctx, y, sqldb.HandoverHanding, later, later.Add(time.Minute)))
		must(t, db.DeliveryHandover(ctx, y, sqldb.HandoverAccepted, later, time.Time{}))
		must(t, db.DeliverySent(ctx, y, later))

		// 3. Died after the acceptance, before recording it: recorded as
		// sent (at the acceptance), never claimed again.
		x = claim(res.Deliveries[2], now)
		must(t, db.DeliveryHandover(ctx, x, sqldb.HandoverHanding, now, now.Add(time.Minute)))
		must(t, db.DeliveryHandover(ctx, x, sqldb.HandoverAccepted, now.Add(time.Second), time.Time{}))
		if y := claim(x.ID, now.Add(30*time.Second)); y != nil {
			t.Fatal("claimed within the lease")
		}
		if y := claim(x.ID, later); y != nil {
			t.Fatalf("an accepted message would be sent again: %+v", y)
		}
		d, err := db.FindDelivery(ctx, x.ID)
		must(t, err)
		if d.Status != "sent" || d.SentAt == nil || !d.SentAt.Equal(now.Add(time.Second)) {
			t.Fatalf("after recovery: %s %v", d.Status, d.SentAt)
		}
		r, err := db.AdvisoryRecipient(ctx, a.ID, d.OrgID)
		must(t, err)
		if r.State != ceptor.RecipientDelivered && r.State != ceptor.RecipientConfirmed {
			t.Fatalf("recipient %s", r.State)
		}
		if _, n := uncertain(x.ID); n != 0 {
			t.Fatalf("uncertain %d", n)
		}
	})
}

func handoverID(n int64) string { return strconv.FormatInt(n, 10) }

// publishToSector publishes an advisory of NISC to the sector of
// mustAdvisoryWorld at now.
func publishToSector(t *testing.T, db *sqldb.DB, now time.Time) (*ceptor.Advisory, *ceptor.PublishResult) {
	t.Helper()
	w := mustAdvisoryWorld(t, db)
	ctx := context.Background()
	a := &ceptor.Advisory{OrgID: w.nisc.ID, AuthorID: w.niscUsr.ID, Title: "注意喚起", Body: "本文", TLP: ceptor.TLPGreen,
		Audience: ceptor.Audience{SectorIDs: []int64{w.sector.ID}}}
	must(t, db.CreateAdvisory(ctx, a))
	var res *ceptor.PublishResult
	must(t, db.Atomic(ctx, func(ctx context.Context) error {
		var err error
		res, err = db.PublishAdvisory(ctx, a.ID, now)
		return err
	}))
	return a, res
}
