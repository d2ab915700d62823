package sqldb

import (
	"context"
	"database/sql"
	"time"

	"ceptor"
	"ceptor/taxiiclient"
)

var _ taxiiclient.Store = (*DB)(nil)

const subCols = `id, org_id, COALESCE(user_id, 0), name, api_root, collection_id, username, secret_sealed, interval_minutes, default_tlp, added_after, active,
	next_poll_at, last_polled_at, last_error, received_count, created_at`

func scanSub(sc interface{ Scan(...any) error }) (*taxiiclient.Subscription, error) {
	s := &taxiiclient.Subscription{}
	var last sql.NullTime
	if err := sc.Scan(&s.ID, &s.OrgID, &s.UserID, &s.Name, &s.APIRoot, &s.CollectionID, &s.Username, &s.SecretSealed, &s.IntervalMinutes, &s.DefaultTLP,
		&s.AddedAfter, &s.Active, &s.NextPollAt, &last, &s.LastError, &s.ReceivedCount, &s.CreatedAt); err != nil {
		return nil, translate(err)
	}
	s.HasSecret = s.SecretSealed != ""
	s.LastPolledAt = timePtr(last)
	s.NextPollAt, s.CreatedAt = s.NextPollAt.UTC(), s.CreatedAt.UTC()
	return s, nil
}

// CreateSubscription stores a subscription, due at once.
func (d *DB) CreateSubscription(ctx context.Context, s *taxiiclient.Subscription) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.stamp()
		id, err := d.insert(ctx, tx, `INSERT INTO taxii_subscriptions (org_id, user_id, name, api_root, collection_id, username, secret_sealed, interval_minutes,
			default_tlp, active, next_poll_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.OrgID, nullID(s.UserID), s.Name, s.APIRoot, s.CollectionID, s.Username, s.SecretSealed, s.IntervalMinutes, string(s.DefaultTLP), true, now, now)
		if err != nil {
			return err
		}
		s.ID, s.Active, s.NextPollAt, s.CreatedAt, s.HasSecret = id, true, now, now, s.SecretSealed != ""
		return nil
	})
}

// FindSubscription returns a subscription.
func (d *DB) FindSubscription(ctx context.Context, id int64) (*taxiiclient.Subscription, error) {
	return scanSub(d.queryRow(d.db, ctx, "SELECT "+subCols+" FROM taxii_subscriptions WHERE id = ?", id))
}

func (d *DB) listSubs(ctx context.Context, where string, args ...any) ([]*taxiiclient.Subscription, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+subCols+" FROM taxii_subscriptions WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*taxiiclient.Subscription
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// ListSubscriptions lists an organisation's subscriptions (every one for 0).
func (d *DB) ListSubscriptions(ctx context.Context, orgID int64) ([]*taxiiclient.Subscription, error) {
	if orgID == 0 {
		return d.listSubs(ctx, "1 = 1 ORDER BY id")
	}
	return d.listSubs(ctx, "org_id = ? ORDER BY id", orgID)
}

// DeleteSubscription removes a subscription and what it received (advisory
// drafts made from it stay).
func (d *DB) DeleteSubscription(ctx context.Context, id int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := d.exec(ctx, tx, "DELETE FROM taxii_subscriptions WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such subscription", Key: "err.not_found"}
		}
		return nil
	})
}

// DueSubscriptions returns the active subscriptions due for a poll.
func (d *DB) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]*taxiiclient.Subscription, error) {
	return d.listSubs(ctx, "active = ? AND next_poll_at <= ? ORDER BY next_poll_at, id LIMIT ?", true, now.UTC(), limit)
}

// SeenObject reports whether the subscription holds the object version.
func (d *DB) SeenObject(ctx context.Context, subID int64, objectID, version string) (bool, error) {
	var n int
	err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM taxii_sub_objects WHERE subscription_id = ? AND object_id = ? AND version = ?",
		subID, objectID, version).Scan(&n)
	return n > 0, translate(err)
}

// StorePage stores new items and the cursor together.
func (d *DB) StorePage(ctx context.Context, subID int64, items []taxiiclient.Received, cursor string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.stamp()
		n := 0
		for _, r := range items {
			it := r.Item
			res, err := d.exec(ctx, tx, `INSERT INTO taxii_sub_objects (subscription_id, object_id, version, type, tlp, advisory_id, received_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, subID, it.ID, it.Version, it.Type, string(it.TLP), nullID(r.AdvisoryID), now)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue // the same id and version again
			}
			n++
			for _, in := range it.Indicators {
				if _, err := d.exec(ctx, tx, `INSERT INTO taxii_sub_indicators (subscription_id, object_id, type, value, tlp) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (subscription_id, type, value, object_id) DO UPDATE SET tlp = excluded.tlp`, subID, it.ID, string(in.Type), in.Value, string(it.TLP)); err != nil {
					return err
				}
			}
		}
		_, err := d.exec(ctx, tx, "UPDATE taxii_subscriptions SET added_after = ?, received_count = received_count + ? WHERE id = ?", cursor, n, subID)
		return err
	})
}

// FinishPoll records a poll's outcome and schedules the next one.
func (d *DB) FinishPoll(ctx context.Context, subID int64, at time.Time, errText string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var mins int
		if err := d.queryRow(tx, ctx, "SELECT interval_minutes FROM taxii_subscriptions WHERE id = ?", subID).Scan(&mins); err != nil {
			return translate(err)
		}
		if mins < 1 {
			mins = 1
		}
		if len(errText) > 500 {
			errText = errText[:500]
		}
		_, err := d.exec(ctx, tx, "UPDATE taxii_subscriptions SET last_polled_at = ?, last_error = ?, next_poll_at = ? WHERE id = ?",
			at.UTC(), errText, at.UTC().Add(time.Duration(mins)*time.Minute), subID)
		return err
	})
}
