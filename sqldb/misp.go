package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"ceptor"
	"ceptor/misp"
)

var _ misp.Store = (*DB)(nil)

// SaveMISPEvent stores an imported event, replacing an earlier import of
// the same event by the same organisation (its attributes are rewritten;
// its advisory draft is kept).
func (d *DB) SaveMISPEvent(ctx context.Context, s *misp.Stored) (bool, error) {
	ev := s.Event
	tags, err := json.Marshal(ev.Tags)
	if err != nil {
		return false, err
	}
	var ts any
	if !ev.Timestamp.IsZero() {
		ts = ev.Timestamp.UTC()
	}
	created := false
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.stamp()
		var id, adv int64
		err := d.queryRow(tx, ctx, "SELECT id, COALESCE(advisory_id, 0) FROM misp_events WHERE org_id = ? AND uuid = ?", s.OrgID, ev.UUID).Scan(&id, &adv)
		switch {
		case err == sql.ErrNoRows:
			created = true
			id, err = d.insert(ctx, tx, `INSERT INTO misp_events (org_id, user_id, uuid, info, creator_org, creator_uuid, tlp, tlp_default, tags, event_date,
				threat_level, published, event_timestamp, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				s.OrgID, nullID(s.UserID), ev.UUID, ev.Info, ev.CreatorOrg, ev.CreatorUUID, string(ev.TLP), ev.TLPDefault, string(tags), ev.Date,
				ev.ThreatLevel, ev.Published, ts, now)
			if err != nil {
				return err
			}
		case err != nil:
			return translate(err)
		default:
			if _, err := d.exec(ctx, tx, `UPDATE misp_events SET user_id = ?, info = ?, creator_org = ?, creator_uuid = ?, tlp = ?, tlp_default = ?, tags = ?,
				event_date = ?, threat_level = ?, published = ?, event_timestamp = ?, imported_at = ? WHERE id = ?`,
				nullID(s.UserID), ev.Info, ev.CreatorOrg, ev.CreatorUUID, string(ev.TLP), ev.TLPDefault, string(tags), ev.Date, ev.ThreatLevel,
				ev.Published, ts, now, id); err != nil {
				return err
			}
			if _, err := d.exec(ctx, tx, "DELETE FROM misp_attributes WHERE event_id = ?", id); err != nil {
				return err
			}
		}
		for i, a := range ev.Attributes {
			if _, err := d.exec(ctx, tx, `INSERT INTO misp_attributes (event_id, seq, uuid, misp_type, category, value, to_ids, comment, object, ind_type, ind_value, note)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i, a.UUID, a.Type, a.Category, a.Value, a.ToIDS, a.Comment, a.Object,
				string(a.Indicator.Type), a.Indicator.Value, a.Note); err != nil {
				return err
			}
		}
		s.ID, s.AdvisoryID, s.ImportedAt = id, adv, now
		return nil
	})
	return created, err
}

// SetMISPAdvisory links an imported event to the advisory draft made from it.
func (d *DB) SetMISPAdvisory(ctx context.Context, id, advisoryID int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := d.exec(ctx, tx, "UPDATE misp_events SET advisory_id = ? WHERE id = ?", nullID(advisoryID), id)
		return err
	})
}

const mispCols = `id, org_id, COALESCE(user_id, 0), COALESCE(advisory_id, 0), imported_at, uuid, info, creator_org, creator_uuid, tlp, tlp_default, tags,
	event_date, threat_level, published, event_timestamp`

func scanMISP(sc interface{ Scan(...any) error }) (*misp.Stored, error) {
	s := &misp.Stored{Event: &misp.Event{}}
	ev := s.Event
	var tags string
	var ts sql.NullTime
	if err := sc.Scan(&s.ID, &s.OrgID, &s.UserID, &s.AdvisoryID, &s.ImportedAt, &ev.UUID, &ev.Info, &ev.CreatorOrg, &ev.CreatorUUID, &ev.TLP,
		&ev.TLPDefault, &tags, &ev.Date, &ev.ThreatLevel, &ev.Published, &ts); err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(tags), &ev.Tags); err != nil {
		return nil, err
	}
	if ts.Valid {
		ev.Timestamp = ts.Time.UTC()
	}
	s.ImportedAt = s.ImportedAt.UTC()
	ev.Attributes = []misp.Attribute{}
	if ev.Tags == nil {
		ev.Tags = []string{}
	}
	return s, nil
}

// FindMISPEvent returns an imported event with its attributes.
func (d *DB) FindMISPEvent(ctx context.Context, id int64) (*misp.Stored, error) {
	s, err := scanMISP(d.queryRow(d.db, ctx, "SELECT "+mispCols+" FROM misp_events WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, d.db, `SELECT uuid, misp_type, category, value, to_ids, comment, object, ind_type, ind_value, note
		FROM misp_attributes WHERE event_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s.Event.Attributes = []misp.Attribute{}
	for rows.Next() {
		var a misp.Attribute
		if err := rows.Scan(&a.UUID, &a.Type, &a.Category, &a.Value, &a.ToIDS, &a.Comment, &a.Object, &a.Indicator.Type, &a.Indicator.Value, &a.Note); err != nil {
			return nil, translate(err)
		}
		s.Event.Attributes = append(s.Event.Attributes, a)
	}
	return s, translate(rows.Err())
}

// ListMISPEvents lists imported events, newest first, without attributes.
func (d *DB) ListMISPEvents(ctx context.Context, f misp.ListFilter) ([]*misp.Stored, int, error) {
	where, args := "1 = 1", []any{}
	if !f.All {
		where = "(org_id = ?"
		args = append(args, f.OrgID)
		if f.Community {
			where += " OR tlp IN ('clear', 'green')"
		}
		where += ")"
	}
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM misp_events WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := d.query(ctx, d.db, "SELECT "+mispCols+" FROM misp_events WHERE "+where+" ORDER BY imported_at DESC, id DESC LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*misp.Stored
	for rows.Next() {
		s, err := scanMISP(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	return out, total, translate(rows.Err())
}

// DeleteMISPEvent removes an import and its attributes (not its advisory
// draft, which has a life of its own).
func (d *DB) DeleteMISPEvent(ctx context.Context, id int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := d.exec(ctx, tx, "DELETE FROM misp_events WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such MISP event", Key: "err.not_found"}
		}
		return nil
	})
}

var _ = time.Time{}
