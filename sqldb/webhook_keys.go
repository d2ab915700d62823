package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// WebhookKeyState is which signing key a contact's webhook uses: the
// version (0: the first key, never rotated), since when and by whom. The
// key itself is derived from the service key and the version, never
// stored.
type WebhookKeyState struct {
	ContactID int64      `json:"contact_id"`
	Version   int        `json:"version"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	CreatedBy int64      `json:"-"`
}

// WebhookKeyVersion returns the current key version of a contact's webhook.
func (d *DB) WebhookKeyVersion(ctx context.Context, contactID int64) (int, error) {
	var v int
	err := d.queryRow(d.db, ctx, "SELECT version FROM webhook_keys WHERE contact_id = ?", contactID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, translate(err)
}

// WebhookKeyStates returns the key state of each of the organisation's
// contacts that has rotated its key (the others are at version 0).
func (d *DB) WebhookKeyStates(ctx context.Context, orgID int64) (map[int64]WebhookKeyState, error) {
	rows, err := d.query(ctx, d.db, "SELECT contact_id, version, created_at, created_by FROM webhook_keys WHERE org_id = ?", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]WebhookKeyState{}
	for rows.Next() {
		var k WebhookKeyState
		var at time.Time
		if err := rows.Scan(&k.ContactID, &k.Version, &at, &k.CreatedBy); err != nil {
			return nil, translate(err)
		}
		k.CreatedAt = &at
		out[k.ContactID] = k
	}
	return out, translate(rows.Err())
}

// RotateWebhookKey moves a contact's webhook to a new key version and
// returns it; calls signed from now on use the new key.
func (d *DB) RotateWebhookKey(ctx context.Context, contactID, orgID, by int64, at time.Time) (int, error) {
	var v int
	err := d.Atomic(ctx, func(ctx context.Context) error {
		err := d.queryRow(d.db, ctx, `INSERT INTO webhook_keys (contact_id, org_id, version, created_at, created_by) VALUES (?, ?, 1, ?, ?)
			ON CONFLICT (contact_id) DO UPDATE SET version = webhook_keys.version + 1, created_at = excluded.created_at, created_by = excluded.created_by
			RETURNING version`, contactID, orgID, at.UTC(), by).Scan(&v)
		return translate(err)
	})
	return v, err
}

// WebhookDelivery is the last webhook call to a contact.
type WebhookDelivery struct {
	ID         int64      `json:"delivery_id"`
	AdvisoryID int64      `json:"advisory_id"`
	Status     string     `json:"status"`
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}

// LastWebhookDelivery returns the latest webhook delivery to a contact, or nil.
func (d *DB) LastWebhookDelivery(ctx context.Context, contactID int64) (*WebhookDelivery, error) {
	x := &WebhookDelivery{}
	var sent sql.NullTime
	err := d.queryRow(d.db, ctx, `SELECT id, advisory_id, status, attempts, last_error, created_at, sent_at FROM advisory_deliveries
		WHERE contact_id = ? AND channel = 'webhook' ORDER BY id DESC LIMIT 1`, contactID).Scan(&x.ID, &x.AdvisoryID, &x.Status, &x.Attempts, &x.LastError, &x.CreatedAt, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	x.SentAt = timePtr(sent)
	return x, nil
}
