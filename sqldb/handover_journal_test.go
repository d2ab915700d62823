package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// A sender killed between the receiver's acceptance and the database
// update leaves the acceptance in the hand-over journal only. The next
// process to open the journal records it (handover 2), so the row is
// recorded as sent, never sent again, and not counted as an uncertain
// resend. Entries of attempts that lost the row, torn lines and garbage
// are ignored; the journal starts empty afterwards; a second owner is
// refused.
func TestHandoverJournalRecovery(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
		_, res := publishToSector(t, db, now)
		if len(res.Deliveries) < 2 {
			t.Fatalf("deliveries %v", res.Deliveries)
		}
		claim := func(id int64, at time.Time) *ceptor.AdvisoryDelivery {
			t.Helper()
			x, err := db.ClaimDelivery(ctx, id, at, time.Minute)
			must(t, err)
			return x
		}
		// Two senders handed their messages over; the first got its 250
		// and wrote the journal, then the process died.
		x := claim(res.Deliveries[0], now)
		must(t, db.DeliveryHandover(ctx, x, sqldb.HandoverHanding, now, now.Add(time.Minute)))
		y := claim(res.Deliveries[1], now)
		must(t, db.DeliveryHandover(ctx, y, sqldb.HandoverHanding, now, now.Add(time.Minute)))
		accepted := now.Add(time.Second)
		path := filepath.Join(t.TempDir(), "handover.journal")
		journal := fmt.Sprintf("%d %d %d\n", x.ID, x.Attempts, accepted.UnixNano()) +
			fmt.Sprintf("%d %d %d\n", y.ID, y.Attempts+5, accepted.UnixNano()) + // an attempt that no longer holds the row
			"not a line\n" +
			fmt.Sprintf("%d %d", y.ID, y.Attempts) // torn by the kill
		must(t, os.WriteFile(path, []byte(journal), 0o600))

		n, err := db.OpenHandoverJournal(ctx, path)
		must(t, err)
		if n != 1 {
			t.Fatalf("applied %d entries, want 1", n)
		}
		if b, _ := os.ReadFile(path); len(b) != 0 {
			t.Fatalf("journal not emptied: %q", b)
		}
		if _, err := db.OpenHandoverJournal(ctx, path); err == nil || !strings.Contains(err.Error(), "another ceptor process") {
			t.Fatalf("second owner: %v", err)
		}
		later := now.Add(2 * time.Minute)
		if z := claim(x.ID, later); z != nil {
			t.Fatalf("an accepted message would be sent again: %+v", z)
		}
		d, err := db.FindDelivery(ctx, x.ID)
		must(t, err)
		if d.Status != "sent" || d.SentAt == nil || !d.SentAt.Equal(accepted) {
			t.Fatalf("journalled delivery: %s %v", d.Status, d.SentAt)
		}
		// The other was handed over without an answer: sent again, counted.
		if z := claim(y.ID, later); z == nil {
			t.Fatal("a delivery without a journalled acceptance was not sent again")
		}
		var uncertain int
		must(t, db.SQL().QueryRow("SELECT uncertain_resends FROM advisory_deliveries WHERE id = "+handoverID(y.ID)).Scan(&uncertain))
		if uncertain != 1 {
			t.Fatalf("uncertain_resends %d", uncertain)
		}
		// From now on acceptances are journalled while they are open and
		// dropped once the database has them.
		z := claim(y.ID, later.Add(2*time.Minute))
		if z == nil {
			z, err = db.FindDelivery(ctx, y.ID)
			must(t, err)
		}
		must(t, db.DeliveryHandover(ctx, z, sqldb.HandoverHanding, later, later.Add(time.Minute)))
		must(t, db.DeliveryHandover(ctx, z, sqldb.HandoverAccepted, later, time.Time{}))
		b, err := os.ReadFile(path)
		must(t, err)
		if !strings.HasPrefix(string(b), fmt.Sprintf("%d %d ", z.ID, z.Attempts)) {
			t.Fatalf("journal after an acceptance: %q", b)
		}
	})
}
