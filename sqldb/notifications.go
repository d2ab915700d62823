package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"ceptor"
)

// Notifications. A notification to a whole organisation is stored once with
// a NULL user_id; who has read what is kept per person in
// notification_reads, so reading state never has to be fanned out to every
// member of a large organisation.

var _ ceptor.NotificationService = (*DB)(nil)

// maxMarkIDs bounds one MarkRead call.
const maxMarkIDs = 500

// mine is the condition "addressed to person ? or to organisation ?"; its
// two branches match the two partial indexes of the table.
const mine = "(n.user_id = ? OR (n.user_id IS NULL AND n.org_id = ?))"

const unread = "NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)"

// Notify stores a notification.
func (d *DB) Notify(ctx context.Context, n *ceptor.Notification) error {
	return d.notify(ctx, d.db, n)
}

// NotifyTx stores a notification in the caller's transaction, for changes
// that notify as part of themselves (a report submitted, a mode switched).
func (d *DB) NotifyTx(ctx context.Context, tx *sql.Tx, n *ceptor.Notification) error {
	return d.notify(ctx, tx, n)
}

// NotifyWith stores a notification and runs then in the same transaction,
// so that the e-mail jobs that announce it are committed with it or not at
// all.
func (d *DB) NotifyWith(ctx context.Context, n *ceptor.Notification, then func(ctx context.Context, tx *sql.Tx) error) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.notify(ctx, tx, n); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return then(ctx, tx)
	})
}

func (d *DB) notify(ctx context.Context, q querier, n *ceptor.Notification) error {
	if err := n.Validate(); err != nil {
		return err
	}
	args := n.Args
	if args == nil {
		args = []ceptor.NotificationArg{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("notification args: %w", err)
	}
	var user any
	if n.UserID != 0 {
		user = n.UserID
	}
	n.CreatedAt = d.now().UTC().Truncate(time.Microsecond)
	n.ReadAt = nil
	id, err := d.insert(ctx, q, `INSERT INTO notifications (org_id, user_id, kind, message_key, args, link, urgent, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.OrgID, user, n.Kind, n.MessageKey, string(b), n.Link, n.Urgent, n.CreatedAt)
	if err != nil {
		return err
	}
	n.ID = id
	return nil
}

const notificationCols = "n.id, n.org_id, COALESCE(n.user_id, 0), n.kind, n.message_key, n.args, n.link, n.urgent, n.created_at, r.read_at"

func scanNotification(sc interface{ Scan(...any) error }) (*ceptor.Notification, error) {
	n := &ceptor.Notification{}
	var args string
	var read sql.NullTime
	if err := sc.Scan(&n.ID, &n.OrgID, &n.UserID, &n.Kind, &n.MessageKey, &args, &n.Link, &n.Urgent, &n.CreatedAt, &read); err != nil {
		return nil, translate(err)
	}
	n.CreatedAt = n.CreatedAt.UTC()
	n.ReadAt = timePtr(read)
	if err := json.Unmarshal([]byte(args), &n.Args); err != nil {
		return nil, fmt.Errorf("notification %d: args: %w", n.ID, err)
	}
	if n.Args == nil {
		n.Args = []ceptor.NotificationArg{}
	}
	return n, nil
}

// ListNotifications returns a person's notifications, unread first, then
// newest first.
func (d *DB) ListNotifications(ctx context.Context, userID, orgID int64, unreadOnly bool, limit, offset int) ([]*ceptor.Notification, int, error) {
	where := " WHERE " + mine
	args := []any{userID, orgID}
	if unreadOnly {
		where += " AND " + unread
		args = append(args, userID)
	}
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM notifications n"+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + notificationCols + `
		FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?` + where +
		" ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, n.id DESC LIMIT " + itoa(limit) + " OFFSET " + itoa(max(offset, 0))
	rows, err := d.query(ctx, d.db, q, append([]any{userID}, args...)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*ceptor.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	return out, total, translate(rows.Err())
}

// FindNotification returns one of a person's notifications.
func (d *DB) FindNotification(ctx context.Context, userID, orgID, id int64) (*ceptor.Notification, error) {
	return scanNotification(d.queryRow(d.db, ctx, `SELECT `+notificationCols+`
		FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = ?
		WHERE n.id = ? AND `+mine, userID, id, userID, orgID))
}

// CountUnread returns how many of a person's notifications are unread.
func (d *DB) CountUnread(ctx context.Context, userID, orgID int64) (int, error) {
	var n int
	err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM notifications n WHERE "+mine+" AND "+unread, userID, orgID, userID).Scan(&n)
	return n, translate(err)
}

// MarkRead marks the given notifications read for a person. Ids that are
// not the person's, or that they have read already, are skipped; marking is
// idempotent, also when two requests race.
func (d *DB) MarkRead(ctx context.Context, userID, orgID int64, ids ...int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if len(ids) > maxMarkIDs {
		return 0, ceptor.Invalid(map[string]string{"ids": "notify.err_too_many_ids"})
	}
	args := append([]any{userID, d.now().UTC(), userID, orgID, userID}, int64Args(ids)...)
	return d.markRead(ctx, " AND n.id IN ("+placeholders(len(ids))+")", args)
}

// MarkAllRead marks every unread notification of a person read.
func (d *DB) MarkAllRead(ctx context.Context, userID, orgID int64) (int, error) {
	return d.markRead(ctx, "", []any{userID, d.now().UTC(), userID, orgID, userID})
}

func (d *DB) markRead(ctx context.Context, extra string, args []any) (int, error) {
	// PostgreSQL types parameters in a select list as text unless told.
	values := "?, ?"
	if d.dialect == Postgres {
		values = "CAST(? AS BIGINT), CAST(? AS TIMESTAMPTZ)"
	}
	r, err := d.exec(ctx, d.db, `INSERT INTO notification_reads (notification_id, user_id, read_at)
		SELECT n.id, `+values+` FROM notifications n WHERE `+mine+" AND "+unread+extra+`
		ON CONFLICT (notification_id, user_id) DO NOTHING`, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// DeleteNotificationsBefore removes notifications created before t, with
// their read state (retention).
func (d *DB) DeleteNotificationsBefore(ctx context.Context, t time.Time) (int, error) {
	r, err := d.exec(ctx, d.db, "DELETE FROM notifications WHERE created_at < ?", t.UTC())
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// NotificationPrefs returns the e-mail choices a person has made.
func (d *DB) NotificationPrefs(ctx context.Context, userID int64) (ceptor.NotificationPrefs, error) {
	m, err := d.NotificationPrefsFor(ctx, []int64{userID})
	if err != nil {
		return nil, err
	}
	if p := m[userID]; p != nil {
		return p, nil
	}
	return ceptor.NotificationPrefs{}, nil
}

// NotificationPrefsFor returns the choices of many people; people who have
// made none are absent from the map.
func (d *DB) NotificationPrefsFor(ctx context.Context, userIDs []int64) (map[int64]ceptor.NotificationPrefs, error) {
	out := map[int64]ceptor.NotificationPrefs{}
	for start := 0; start < len(userIDs); start += maxMarkIDs {
		chunk := userIDs[start:min(start+maxMarkIDs, len(userIDs))]
		rows, err := d.query(ctx, d.db, "SELECT user_id, kind_group, email FROM user_notification_prefs WHERE user_id IN ("+placeholders(len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var g, c string
			if err := rows.Scan(&id, &g, &c); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			if out[id] == nil {
				out[id] = ceptor.NotificationPrefs{}
			}
			out[id][g] = ceptor.EmailChoice(c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// SetNotificationPrefs stores a person's choices for the groups given;
// other groups keep theirs.
func (d *DB) SetNotificationPrefs(ctx context.Context, userID int64, p ceptor.NotificationPrefs) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := d.now().UTC()
	return d.inTx(ctx, func(tx *sql.Tx) error {
		for _, g := range ceptor.NotificationGroups {
			c, ok := p[g]
			if !ok {
				continue
			}
			if _, err := d.exec(ctx, tx, `INSERT INTO user_notification_prefs (user_id, kind_group, email, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, kind_group) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at`,
				userID, g, string(c), now); err != nil {
				return err
			}
		}
		return nil
	})
}
