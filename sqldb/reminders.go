package sqldb

import (
	"context"
	"time"
)

// Reminder bookkeeping for the reminders job (jobs.ReminderWorker): which
// reminders have gone out, so that each goes out once however often and on
// however many nodes the job runs.

// ClaimReminder records that the reminder named key is being sent. It
// returns false when the reminder was already claimed: the primary key
// decides between concurrent claims on both engines.
func (d *DB) ClaimReminder(ctx context.Context, key string, at time.Time) (bool, error) {
	res, err := d.exec(ctx, d.db, "INSERT INTO reminders_sent (reminder_key, sent_at) VALUES (?, ?) ON CONFLICT (reminder_key) DO NOTHING",
		key, at.UTC().Truncate(time.Microsecond))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translate(err)
	}
	return n == 1, nil
}

// ReleaseReminder forgets a claim, for a reminder that could not be sent.
func (d *DB) ReleaseReminder(ctx context.Context, key string) error {
	_, err := d.exec(ctx, d.db, "DELETE FROM reminders_sent WHERE reminder_key = ?", key)
	return err
}

// DeleteRemindersBefore forgets reminders sent before t (their deadlines
// are long past).
func (d *DB) DeleteRemindersBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := d.exec(ctx, d.db, "DELETE FROM reminders_sent WHERE sent_at < ?", t.UTC())
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), translate(err)
}

// ClockedReports returns the ids of the submitted reports, not yet closed,
// that run a reporting clock (drills included).
func (d *DB) ClockedReports(ctx context.Context) ([]int64, error) {
	ids, err := d.reportIDs(ctx, "clock_profile <> '' AND status IN ('submitted', 'received')")
	if ids == nil && err == nil {
		ids = []int64{}
	}
	return ids, err
}
