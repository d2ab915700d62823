package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"ceptor"
)

// Deliveries of advisories (e-mail, webhook). Each row goes out once: a
// sender claims it (queued -> sending, with a lease) in one transaction,
// sends, and records the outcome in another. A crash between the two
// leaves the row "sending" until its lease runs out; the sweeper then
// queues it again and the next sender repeats it with the same delivery id
// (the Message-ID / X-Ceptor-Delivery of the first try), which is the one
// window in which a message can be sent twice: SMTP has no way to ask the
// receiver whether it already accepted a message.

const deliveryCols = "id, advisory_id, org_id, contact_id, channel, purpose, address, lang, alternate, status, attempts, last_error, created_at, sent_at"

func scanDelivery(sc interface{ Scan(...any) error }) (*ceptor.AdvisoryDelivery, error) {
	x := &ceptor.AdvisoryDelivery{}
	var sent sql.NullTime
	err := sc.Scan(&x.ID, &x.AdvisoryID, &x.OrgID, &x.ContactID, &x.Channel, &x.Purpose, &x.Address, &x.Lang, &x.Alternate,
		&x.Status, &x.Attempts, &x.LastError, &x.CreatedAt, &sent)
	x.SentAt = timePtr(sent)
	return x, translate(err)
}

// pinKey carries the connection a delivery's sender holds (PinConn).
type pinKey struct{}

// PinConn gives the returned context a database connection of its own
// until release is called: a sender then records the hand-over and the
// acceptance of a message at once, never waiting for a connection of the
// pool it shares with the other senders and the job queue (on
// PostgreSQL; SQLite writes one at a time anyway and keeps its pool).
func (d *DB) PinConn(ctx context.Context) (context.Context, func(), error) {
	if d.dialect != Postgres || ambient(ctx) != nil {
		return ctx, func() {}, nil
	}
	c, err := d.db.Conn(ctx)
	if err != nil {
		return ctx, func() {}, translate(err)
	}
	return context.WithValue(ctx, pinKey{}, c), func() { c.Close() }, nil
}

// dq is the connection for a delivery statement: the ambient
// transaction, the pinned connection, or the pool.
func (d *DB) dq(ctx context.Context) querier {
	if ambient(ctx) == nil {
		if c, ok := ctx.Value(pinKey{}).(*sql.Conn); ok {
			return c
		}
	}
	return d.db
}

// pinnedAtomic is Atomic on the pinned connection when there is one.
func (d *DB) pinnedAtomic(ctx context.Context, fn func(ctx context.Context) error) error {
	c, ok := ctx.Value(pinKey{}).(*sql.Conn)
	if !ok || ambient(ctx) != nil {
		return d.Atomic(ctx, fn)
	}
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback()
		}
	}()
	err = fn(context.WithValue(ctx, txKey{}, tx))
	done = true
	if err != nil {
		tx.Rollback()
		return err
	}
	return translate(tx.Commit())
}

// ClaimDelivery takes a delivery for sending until lease: it returns nil
// when the row is already sent, failed, or held by another sender. The
// claim counts as a new attempt; the attempt number it returns fences the
// sender's later records (DeliveryHandover, DeliverySent) against a
// sender that took the row over after the lease ran out.
//
// A row left "sending" by a sender that died after the receiver accepted
// it (handover 2) is recorded as sent, not sent again; one that died
// after handing it over without an answer (handover 1) is sent again and
// counted in uncertain_resends: the receiver may have it twice, with the
// same delivery id.
func (d *DB) ClaimDelivery(ctx context.Context, id int64, now time.Time, lease time.Duration) (*ceptor.AdvisoryDelivery, error) {
	var x *ceptor.AdvisoryDelivery
	err := d.deliveryWrite(ctx, func(q querier) error {
		var err error
		x, err = scanDelivery(d.queryRow(q, ctx, `UPDATE advisory_deliveries SET status = 'sending', attempts = attempts + 1, lease_until = ?,
			uncertain_resends = uncertain_resends + CASE WHEN handover = 1 THEN 1 ELSE 0 END, handover = 0
			WHERE id = ? AND (status = 'queued' OR status = 'sending' AND handover < 2 AND lease_until < ?) RETURNING `+deliveryCols,
			now.Add(lease).UTC(), id, now.UTC()))
		if errors.Is(err, sql.ErrNoRows) {
			x, err = nil, nil
		}
		return err
	})
	if err != nil || x != nil {
		return x, err
	}
	// Accepted by the receiver, not yet recorded: record it.
	x, err = scanDelivery(d.queryRow(d.dq(ctx), ctx, "SELECT "+deliveryCols+" FROM advisory_deliveries WHERE id = ? AND status = 'sending' AND handover = 2 AND lease_until < ?", id, now.UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	at := now
	if x.SentAt != nil {
		at = *x.SentAt
	}
	return nil, d.DeliverySent(ctx, x, at)
}

// deliveryWrite runs one write of a sender: on PostgreSQL at once on the
// pinned connection (autocommit), on SQLite through the process's write
// queue (a writer waiting in SQLite's busy handler sleeps in steps; the
// queue hands the lock on at once, see writebatch.go).
func (d *DB) deliveryWrite(ctx context.Context, fn func(q querier) error) error {
	if d.dialect == SQLite && ambient(ctx) == nil {
		return d.inTx(ctx, func(tx *sql.Tx) error { return fn(tx) })
	}
	return fn(d.dq(ctx))
}

// Hand-over states of a delivery (see ClaimDelivery).
const (
	HandoverNone     = 0 // nothing the receiver could have accepted yet
	HandoverHanding  = 1 // the last step was (about to be) taken, no answer yet
	HandoverAccepted = 2 // the receiver said yes
)

// DeliveryHandover records the hand-over state of the sender's attempt x
// (x.Attempts as ClaimDelivery returned it): HandoverHanding just before
// the step that lets the receiver accept the message (it also renews the
// lease until until), HandoverAccepted at once when it did, HandoverNone
// when it refused. It fails when another sender took the row over; the
// sender must then not take that step.
func (d *DB) DeliveryHandover(ctx context.Context, x *ceptor.AdvisoryDelivery, state int, at, until time.Time) error {
	if state == HandoverAccepted && d.journal != nil {
		// First into the journal (one write, no waiting for the database):
		// should the process die before the update below commits, the
		// next start records the acceptance from there.
		if err := d.journal.accepted(x.ID, x.Attempts, at); err != nil {
			d.log.Warn("advisory delivery: hand-over journal", "delivery_id", x.ID, "err", err)
		} else {
			err := d.deliveryHandover(ctx, x, state, at, until)
			if err == nil {
				d.journal.recorded(x.ID, x.Attempts)
			}
			return err
		}
	}
	return d.deliveryHandover(ctx, x, state, at, until)
}

func (d *DB) deliveryHandover(ctx context.Context, x *ceptor.AdvisoryDelivery, state int, at, until time.Time) error {
	return d.deliveryWrite(ctx, func(q querier) error {
		var res sql.Result
		var err error
		switch state {
		case HandoverHanding:
			res, err = d.exec(ctx, q, "UPDATE advisory_deliveries SET handover = 1, lease_until = ? WHERE id = ? AND status = 'sending' AND attempts = ?", until.UTC(), x.ID, x.Attempts)
		case HandoverAccepted:
			res, err = d.exec(ctx, q, "UPDATE advisory_deliveries SET handover = 2, sent_at = ? WHERE id = ? AND status = 'sending' AND attempts = ?", at.UTC(), x.ID, x.Attempts)
		default:
			_, err = d.exec(ctx, q, "UPDATE advisory_deliveries SET handover = 0 WHERE id = ? AND status = 'sending' AND attempts = ? AND handover = 1", x.ID, x.Attempts)
			return err
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delivery %d: attempt %d no longer holds it", x.ID, x.Attempts)
		}
		return nil
	})
}

// FindDelivery returns one delivery row.
func (d *DB) FindDelivery(ctx context.Context, id int64) (*ceptor.AdvisoryDelivery, error) {
	return scanDelivery(d.queryRow(d.db, ctx, "SELECT "+deliveryCols+" FROM advisory_deliveries WHERE id = ?", id))
}

// DeliverySent records a successful delivery; the recipient counts as
// delivered.
func (d *DB) DeliverySent(ctx context.Context, x *ceptor.AdvisoryDelivery, at time.Time) error {
	return d.pinnedAtomic(ctx, func(ctx context.Context) error {
		if _, err := d.exec(ctx, d.db, "UPDATE advisory_deliveries SET status = 'sent', sent_at = COALESCE(sent_at, ?), last_error = '', lease_until = NULL WHERE id = ? AND status = 'sending'", at.UTC(), x.ID); err != nil {
			return err
		}
		_, err := d.exec(ctx, d.db, `UPDATE advisory_recipients SET state = 'delivered', delivered_at = COALESCE(delivered_at, ?)
			WHERE advisory_id = ? AND org_id = ? AND state IN ('pending', 'unreachable')`, at.UTC(), x.AdvisoryID, x.OrgID)
		return err
	})
}

// DeliveryRetry puts a delivery back in the queue after a temporary failure.
func (d *DB) DeliveryRetry(ctx context.Context, x *ceptor.AdvisoryDelivery, msg string) error {
	// The lease stays: should the job itself be lost now, the sweeper
	// finds the row by it.
	return d.deliveryWrite(ctx, func(q querier) error {
		_, err := d.exec(ctx, q, "UPDATE advisory_deliveries SET status = 'queued', last_error = ? WHERE id = ? AND status = 'sending' AND attempts = ?", trimErr(msg), x.ID, x.Attempts)
		return err
	})
}

func trimErr(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// DeliveryFailed records a delivery that will not succeed. When a primary
// contact failed and the organisation has not confirmed, its alternate
// contacts get the same message (the ids returned are to be queued); when
// nothing is left that could reach it, the recipient is unreachable.
func (d *DB) DeliveryFailed(ctx context.Context, x *ceptor.AdvisoryDelivery, msg string, at time.Time) ([]int64, error) {
	var ids []int64
	err := d.Atomic(ctx, func(ctx context.Context) error {
		if _, err := d.exec(ctx, d.db, "UPDATE advisory_deliveries SET status = 'failed', last_error = ?, lease_until = NULL WHERE id = ?", trimErr(msg), x.ID); err != nil {
			return err
		}
		var state string
		if err := d.queryRow(d.db, ctx, "SELECT state FROM advisory_recipients WHERE advisory_id = ? AND org_id = ?", x.AdvisoryID, x.OrgID).Scan(&state); err != nil {
			return translate(err)
		}
		if state == string(ceptor.RecipientConfirmed) {
			return nil
		}
		if !x.Alternate {
			var err error
			if ids, err = d.alternates(ctx, x.AdvisoryID, x.OrgID, x.Purpose, at); err != nil {
				return err
			}
		}
		var open int
		if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM advisory_deliveries WHERE advisory_id = ? AND org_id = ? AND status <> 'failed'",
			x.AdvisoryID, x.OrgID).Scan(&open); err != nil {
			return translate(err)
		}
		if open == 0 {
			_, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET state = 'unreachable' WHERE advisory_id = ? AND org_id = ? AND state = 'pending'", x.AdvisoryID, x.OrgID)
			return err
		}
		return nil
	})
	return ids, err
}

// alternates creates deliveries of purpose to the organisation's active
// alternate contacts (each contact and channel once) and returns their ids.
func (d *DB) alternates(ctx context.Context, advisoryID, orgID int64, purpose string, at time.Time) ([]int64, error) {
	cs, err := d.ListContacts(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, c := range cs {
		if !c.Active || c.Kind != ceptor.ContactAlternate {
			continue
		}
		if c.Email != "" {
			rows = append(rows, []any{advisoryID, orgID, c.ID, ceptor.ChannelEmail, purpose, c.Email, c.Lang, true, "queued", 0, at.UTC()})
		}
		if c.WebhookURL != "" {
			rows = append(rows, []any{advisoryID, orgID, c.ID, ceptor.ChannelWebhook, purpose, c.WebhookURL, c.Lang, true, "queued", 0, at.UTC()})
		}
	}
	var ids []int64
	for _, r := range rows {
		// ON CONFLICT: an alternate already told for this purpose is not told again.
		var id int64
		err := d.queryRow(d.db, ctx, `INSERT INTO advisory_deliveries (advisory_id, org_id, contact_id, channel, purpose, address, lang, alternate, status, attempts, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (advisory_id, org_id, contact_id, channel, purpose) DO NOTHING RETURNING id`, r...).Scan(&id)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// RemindAlternates creates "reminder" deliveries to the alternate contacts
// of every delivered but unconfirmed recipient of a published advisory
// whose deadline is within lead, once per recipient, and returns their
// ids.
func (d *DB) RemindAlternates(ctx context.Context, now time.Time, lead time.Duration) ([]int64, error) {
	var ids []int64
	err := d.Atomic(ctx, func(ctx context.Context) error {
		rows, err := d.query(ctx, d.db, `SELECT r.advisory_id, r.org_id FROM advisory_recipients r JOIN advisories a ON a.id = r.advisory_id
			WHERE a.status = 'published' AND a.deadline IS NOT NULL AND a.deadline > ? AND a.deadline <= ?
			AND r.held = FALSE AND r.state IN ('pending', 'delivered', 'unreachable') AND r.reminded_at IS NULL`, now.UTC(), now.Add(lead).UTC())
		if err != nil {
			return err
		}
		type pair struct{ a, o int64 }
		var ps []pair
		for rows.Next() {
			var p pair
			if err := rows.Scan(&p.a, &p.o); err != nil {
				rows.Close()
				return translate(err)
			}
			ps = append(ps, p)
		}
		rows.Close()
		for _, p := range ps {
			got, err := d.alternates(ctx, p.a, p.o, "reminder", now)
			if err != nil {
				return err
			}
			ids = append(ids, got...)
			if _, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET reminded_at = ? WHERE advisory_id = ? AND org_id = ?", now.UTC(), p.a, p.o); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// EscalateOverdue raises the follow-up level of unconfirmed recipients of
// advisories past their deadline: first their CEPTOR secretariat (level
// 1), after another grace period their ministry (level 2). It returns how
// many rows changed.
func (d *DB) EscalateOverdue(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	n := 0
	err := d.Atomic(ctx, func(ctx context.Context) error {
		r1, err := d.exec(ctx, d.db, `UPDATE advisory_recipients SET escalated = 1 WHERE escalated = 0 AND state <> 'confirmed' AND held = FALSE
			AND advisory_id IN (SELECT id FROM advisories WHERE status = 'published' AND deadline IS NOT NULL AND deadline <= ?)`, now.UTC())
		if err != nil {
			return err
		}
		r2, err := d.exec(ctx, d.db, `UPDATE advisory_recipients SET escalated = 2 WHERE escalated = 1 AND state <> 'confirmed' AND held = FALSE
			AND advisory_id IN (SELECT id FROM advisories WHERE status = 'published' AND deadline IS NOT NULL AND deadline <= ?)`, now.Add(-grace).UTC())
		if err != nil {
			return err
		}
		a, _ := r1.RowsAffected()
		b, _ := r2.RowsAffected()
		n = int(a + b)
		return nil
	})
	return n, err
}

// FollowUpList returns the overdue unconfirmed recipients a hop must
// follow up: a secretariat those behind it (level 1 and up), a ministry
// those behind it at level 2.
func (d *DB) FollowUpList(ctx context.Context, orgID int64, ministry bool, limit int) ([]ceptor.AdvisoryRecipient, error) {
	cond := "r.ceptor_hop = ? AND r.escalated >= 1"
	if ministry {
		cond = "r.ministry_hop = ? AND r.escalated >= 2"
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := d.query(ctx, d.db, "SELECT "+recipientCols+recipientFrom+" WHERE "+cond+" AND r.state <> 'confirmed' ORDER BY r.advisory_id DESC, o.name LIMIT ?", orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ceptor.AdvisoryRecipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// StaleDeliveries returns deliveries that no sender holds any more: never
// tried for longer than age, or put back for a retry more than age past
// their lease (their job was lost), or sending past their lease (their
// sender crashed).
func (d *DB) StaleDeliveries(ctx context.Context, now time.Time, age time.Duration, limit int) ([]int64, error) {
	rows, err := d.query(ctx, d.db, `SELECT id FROM advisory_deliveries WHERE status = 'queued' AND attempts = 0 AND created_at < ?
		OR status = 'queued' AND attempts > 0 AND lease_until < ? OR status = 'sending' AND lease_until < ?
		ORDER BY id LIMIT ?`, now.Add(-age).UTC(), now.Add(-age).UTC(), now.UTC(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// UntriedDeliveries returns up to limit ids between first and last (both
// included), in order, of rows queued and never tried: the rows a
// dispatcher still has to queue jobs for.
func (d *DB) UntriedDeliveries(ctx context.Context, first, last int64, limit int) ([]int64, error) {
	return d.queryIDs(ctx, d.db, "SELECT id FROM advisory_deliveries WHERE id >= ? AND id <= ? AND status = 'queued' AND attempts = 0 ORDER BY id LIMIT ?", first, last, limit)
}

// DeliveryCounts counts an advisory's deliveries by channel and status.
func (d *DB) DeliveryCounts(ctx context.Context, id int64) (map[string]map[string]int, error) {
	rows, err := d.query(ctx, d.db, "SELECT channel, status, COUNT(*) FROM advisory_deliveries WHERE advisory_id = ? GROUP BY channel, status", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var ch, st string
		var n int
		if err := rows.Scan(&ch, &st, &n); err != nil {
			return nil, translate(err)
		}
		if out[ch] == nil {
			out[ch] = map[string]int{}
		}
		out[ch][st] = n
	}
	return out, translate(rows.Err())
}

// MarkDeliveriesSent records every open e-mail and webhook delivery of an
// advisory as sent at; the demo data set uses it for advisories it
// presents as delivered long ago.
func (d *DB) MarkDeliveriesSent(ctx context.Context, id int64, at time.Time) error {
	if _, err := d.exec(ctx, d.db, "UPDATE advisory_deliveries SET status = 'sent', attempts = 1, sent_at = ? WHERE advisory_id = ? AND status IN ('queued', 'sending')", at.UTC(), id); err != nil {
		return err
	}
	_, err := d.exec(ctx, d.db, `UPDATE advisory_recipients SET state = 'delivered', delivered_at = ? WHERE advisory_id = ? AND state = 'pending'
		AND EXISTS (SELECT 1 FROM advisory_deliveries x WHERE x.advisory_id = advisory_recipients.advisory_id AND x.org_id = advisory_recipients.org_id AND x.status = 'sent')`, at.UTC(), id)
	return err
}
