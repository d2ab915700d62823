package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"

	"ceptor"
	"ceptor/c4tap"
)

var _ c4tap.Store = (*DB)(nil)

// C4TAPMembers returns the organisations that joined targeted-attack sharing.
func (d *DB) C4TAPMembers(ctx context.Context) ([]int64, error) {
	return d.queryIDs(ctx, d.db, "SELECT org_id FROM c4tap_members ORDER BY org_id")
}

// IsC4TAPMember reports whether an organisation joined the group.
func (d *DB) IsC4TAPMember(ctx context.Context, orgID int64) (bool, error) {
	var n int
	err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM c4tap_members WHERE org_id = ?", orgID).Scan(&n)
	return n > 0, translate(err)
}

// SetC4TAPMember adds an organisation to the group or removes it.
func (d *DB) SetC4TAPMember(ctx context.Context, orgID, by int64, member bool) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if !member {
			_, err := d.exec(ctx, tx, "DELETE FROM c4tap_members WHERE org_id = ?", orgID)
			return err
		}
		_, err := d.exec(ctx, tx, "INSERT INTO c4tap_members (org_id, added_by, added_at) VALUES (?, ?, ?) ON CONFLICT (org_id) DO NOTHING",
			orgID, nullID(by), d.stamp())
		return err
	})
}

// AddSubmission stores a submission and its indicators.
func (d *DB) AddSubmission(ctx context.Context, s *c4tap.Submission) error {
	m := s.Message
	ex, err := json.Marshal(map[string]any{"received": m.Received, "links": m.Links, "attachments": m.Attachments, "problems": m.Problems, "from_name": m.FromName})
	if err != nil {
		return err
	}
	var sent any
	if m.Date != nil {
		sent = m.Date.UTC()
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.stamp()
		id, err := d.insert(ctx, tx, `INSERT INTO c4tap_submissions (org_id, user_id, tlp, note, subject, from_addr, from_domain, reply_to, return_path,
			message_id, sent_at, extracted, eml_sealed, eml_size, eml_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.OrgID, nullID(s.UserID), string(s.TLP), s.Note, m.Subject, m.From, m.FromDomain, m.ReplyTo, m.ReturnPath, m.MessageID, sent,
			string(ex), s.Sealed, s.Size, s.SHA256, now)
		if err != nil {
			return err
		}
		s.ID, s.CreatedAt = id, now
		if s.Extracted == nil {
			s.Extracted = m.Indicators()
		}
		// Queued for the STIX index (the TAXII c4tap collection).
		if _, err := d.exec(ctx, tx, "INSERT INTO stix_dirty (source_kind, source_id) VALUES ('c4tap', ?)", id); err != nil {
			return err
		}
		for _, in := range s.Extracted {
			if _, err := d.exec(ctx, tx, "INSERT INTO c4tap_indicators (submission_id, type, value, role) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
				id, string(in.Type), in.Value, in.Role); err != nil {
				return err
			}
		}
		return nil
	})
}

const c4tapCols = `id, org_id, COALESCE(user_id, 0), tlp, note, subject, from_addr, from_domain, reply_to, return_path, message_id, sent_at, extracted,
	eml_size, eml_sha256, withdrawn, created_at`

func scanSubmission(sc interface{ Scan(...any) error }) (*c4tap.Submission, error) {
	s := &c4tap.Submission{Message: &c4tap.Message{}}
	m := s.Message
	var sent sql.NullTime
	var ex string
	if err := sc.Scan(&s.ID, &s.OrgID, &s.UserID, &s.TLP, &s.Note, &m.Subject, &m.From, &m.FromDomain, &m.ReplyTo, &m.ReturnPath, &m.MessageID,
		&sent, &ex, &s.Size, &s.SHA256, &s.Withdrawn, &s.CreatedAt); err != nil {
		return nil, translate(err)
	}
	var x struct {
		Received    []c4tap.Hop        `json:"received"`
		Links       []string           `json:"links"`
		Attachments []c4tap.Attachment `json:"attachments"`
		Problems    []string           `json:"problems"`
		FromName    string             `json:"from_name"`
	}
	if err := json.Unmarshal([]byte(ex), &x); err != nil {
		return nil, err
	}
	m.Received, m.Links, m.Attachments, m.Problems, m.FromName = x.Received, x.Links, x.Attachments, x.Problems, x.FromName
	if m.Received == nil {
		m.Received = []c4tap.Hop{}
	}
	if m.Links == nil {
		m.Links = []string{}
	}
	if m.Attachments == nil {
		m.Attachments = []c4tap.Attachment{}
	}
	s.Extracted = []c4tap.Extracted{}
	if sent.Valid {
		t := sent.Time.UTC()
		m.Date = &t
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return s, nil
}

// FindSubmission returns a submission with its indicators.
func (d *DB) FindSubmission(ctx context.Context, id int64, withSealed bool) (*c4tap.Submission, error) {
	s, err := scanSubmission(d.queryRow(d.db, ctx, "SELECT "+c4tapCols+" FROM c4tap_submissions WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	if withSealed {
		if err := d.queryRow(d.db, ctx, "SELECT eml_sealed FROM c4tap_submissions WHERE id = ?", id).Scan(&s.Sealed); err != nil {
			return nil, translate(err)
		}
	}
	rows, err := d.query(ctx, d.db, "SELECT type, value, role FROM c4tap_indicators WHERE submission_id = ? ORDER BY role, type, value", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s.Extracted = []c4tap.Extracted{}
	for rows.Next() {
		var e c4tap.Extracted
		if err := rows.Scan(&e.Type, &e.Value, &e.Role); err != nil {
			return nil, translate(err)
		}
		s.Extracted = append(s.Extracted, e)
	}
	return s, translate(rows.Err())
}

// ListSubmissions lists submissions, newest first.
func (d *DB) ListSubmissions(ctx context.Context, ownOrg int64, all bool, limit, offset int) ([]*c4tap.Submission, int, error) {
	where, args := "1 = 1", []any{}
	if !all {
		where, args = "(tlp <> 'red' AND withdrawn = ? OR org_id = ?)", []any{false, ownOrg}
	}
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM c4tap_submissions WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := d.query(ctx, d.db, "SELECT "+c4tapCols+" FROM c4tap_submissions WHERE "+where+" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*c4tap.Submission
	for rows.Next() {
		s, err := scanSubmission(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	return out, total, translate(rows.Err())
}

// WithdrawSubmission hides a submission from the group (kept for NISC and
// the submitter).
func (d *DB) WithdrawSubmission(ctx context.Context, id int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := d.exec(ctx, tx, "UPDATE c4tap_submissions SET withdrawn = ? WHERE id = ?", true, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such submission", Key: "err.not_found"}
		}
		_, err = d.exec(ctx, tx, "INSERT INTO stix_dirty (source_kind, source_id) VALUES ('c4tap', ?)", id)
		return err
	})
}
