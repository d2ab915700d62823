package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"ceptor"
)

// Severity evaluations and sector guidance. Evaluations are only ever
// inserted: the table is the history.

var _ ceptor.SeverityService = (*DB)(nil)

// sevStamp is the clock to the microsecond, which both engines store exactly
// (so that a value read back equals the value written).
func (d *DB) sevStamp() time.Time { return d.now().UTC().Truncate(time.Microsecond) }

const evalCols = `id, subject, subject_id, continuity, safety, trust, continuity_reason, safety_reason, trust_reason,
	overall, final, org_id, COALESCE(user_id, 0), created_at`

func scanEvaluation(sc interface{ Scan(...any) error }) (*ceptor.Evaluation, error) {
	e := &ceptor.Evaluation{}
	err := sc.Scan(&e.ID, &e.Subject, &e.SubjectID, &e.Continuity, &e.Safety, &e.Trust,
		&e.ContinuityReason, &e.SafetyReason, &e.TrustReason, &e.Overall, &e.Final, &e.OrgID, &e.UserID, &e.CreatedAt)
	if err != nil {
		return nil, translate(err)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// AddEvaluation validates and stores a new evaluation. The subject must
// exist; for an incident the timeline gets a "severity" entry in the same
// transaction.
func (d *DB) AddEvaluation(ctx context.Context, e *ceptor.Evaluation) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.OrgID == 0 {
		return ceptor.Invalid(map[string]string{"org_id": "err.required"})
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.sevStamp()
		switch e.Subject {
		case ceptor.SubjectReport:
			var one int
			if err := translate(d.queryRow(tx, ctx, "SELECT 1 FROM reports WHERE id = ?", e.SubjectID).Scan(&one)); err != nil {
				return err
			}
		case ceptor.SubjectIncident:
			var err error
			if now, err = d.lockIncident(ctx, tx, e.SubjectID); err != nil {
				return err
			}
		}
		id, err := d.insert(ctx, tx, `INSERT INTO severity_evaluations (subject, subject_id, continuity, safety, trust,
			continuity_reason, safety_reason, trust_reason, overall, final, org_id, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Subject, e.SubjectID, e.Continuity, e.Safety, e.Trust, e.ContinuityReason, e.SafetyReason, e.TrustReason,
			e.Overall, e.Final, e.OrgID, zeroNull(e.UserID), now)
		if err != nil {
			return err
		}
		e.ID, e.CreatedAt = id, now
		if e.Subject == ceptor.SubjectIncident {
			detail := map[string]any{"evaluation_id": e.ID, "overall": e.Overall, "final": e.Final,
				"continuity": e.Continuity, "safety": e.Safety, "trust": e.Trust}
			if _, err := d.appendEvent(ctx, tx, e.SubjectID, ceptor.EventSeverity, detail, e.OrgID, e.UserID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Evaluations returns a subject's history, oldest first.
func (d *DB) Evaluations(ctx context.Context, subject ceptor.EvalSubject, id int64) ([]*ceptor.Evaluation, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+evalCols+" FROM severity_evaluations WHERE subject = ? AND subject_id = ? ORDER BY created_at, id", subject, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.Evaluation{}
	for rows.Next() {
		e, err := scanEvaluation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// CurrentEvaluation returns the latest final evaluation, else the latest
// provisional one (the rule of ceptor.CurrentOf, in SQL).
func (d *DB) CurrentEvaluation(ctx context.Context, subject ceptor.EvalSubject, id int64) (*ceptor.Evaluation, error) {
	return scanEvaluation(d.queryRow(d.db, ctx, "SELECT "+evalCols+` FROM severity_evaluations WHERE subject = ? AND subject_id = ?
		ORDER BY final DESC, created_at DESC, id DESC LIMIT 1`, subject, id))
}

// currentEvaluations returns the current evaluation of each of the subjects
// that have one.
func (d *DB) currentEvaluations(ctx context.Context, q querier, subject ceptor.EvalSubject, ids []int64) (map[int64]*ceptor.Evaluation, error) {
	out := map[int64]*ceptor.Evaluation{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := d.query(ctx, q, "SELECT "+evalCols+" FROM severity_evaluations WHERE subject = ? AND subject_id IN ("+placeholders(len(ids))+")",
		append([]any{subject}, int64Args(ids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hist := map[int64][]*ceptor.Evaluation{}
	for rows.Next() {
		e, err := scanEvaluation(rows)
		if err != nil {
			return nil, err
		}
		hist[e.SubjectID] = append(hist[e.SubjectID], e)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for id, h := range hist {
		out[id] = ceptor.CurrentOf(h)
	}
	return out, nil
}

// ---- guidance ----

const guidanceCols = "sector_id, level, any_outage, users_affected, outage_hours, area_wide, safety_harm, evacuation, updated_at, updated_by"

// readGuidance returns the stored guidance by sector, in sector then level
// order (the defaults, sector 0, first).
func (d *DB) readGuidance(ctx context.Context, where string, args ...any) ([]*ceptor.Guidance, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+guidanceCols+" FROM severity_guidance"+where+" ORDER BY sector_id, level", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ceptor.Guidance
	for rows.Next() {
		var sector int64
		var l ceptor.GuidanceLevel
		var users int64
		var at sql.NullTime
		var by int64
		if err := rows.Scan(&sector, &l.Level, &l.AnyOutage, &users, &l.OutageHours, &l.AreaWide, &l.SafetyHarm, &l.Evacuation, &at, &by); err != nil {
			return nil, translate(err)
		}
		l.UsersAffected = int(users)
		if len(out) == 0 || out[len(out)-1].SectorID != sector {
			out = append(out, &ceptor.Guidance{SectorID: sector})
		}
		g := out[len(out)-1]
		g.Levels = append(g.Levels, l)
		if at.Valid && at.Time.After(g.UpdatedAt) {
			g.UpdatedAt, g.UpdatedBy = at.Time.UTC(), by
		}
	}
	return out, translate(rows.Err())
}

// Guidance returns the sector's own guidance, or the defaults (SectorID 0).
func (d *DB) Guidance(ctx context.Context, sectorID int64) (*ceptor.Guidance, error) {
	gs, err := d.readGuidance(ctx, " WHERE sector_id = ? OR sector_id = 0", sectorID)
	if err != nil {
		return nil, err
	}
	// Sector 0 sorts first: the sector's own rows, when present, are last.
	if len(gs) > 0 {
		return gs[len(gs)-1], nil
	}
	// The migration stores the defaults and DeleteGuidance keeps them; this
	// is for a database edited by hand.
	g := ceptor.DefaultGuidance()
	return &g, nil
}

// ListGuidance returns the defaults, then each sector's own guidance.
func (d *DB) ListGuidance(ctx context.Context) ([]*ceptor.Guidance, error) {
	gs, err := d.readGuidance(ctx, "")
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 || gs[0].SectorID != 0 {
		g := ceptor.DefaultGuidance()
		gs = append([]*ceptor.Guidance{&g}, gs...)
	}
	return gs, nil
}

// SetGuidance replaces a sector's guidance (SectorID 0: the defaults).
func (d *DB) SetGuidance(ctx context.Context, g *ceptor.Guidance) error {
	if err := g.Validate(); err != nil {
		return err
	}
	now := d.sevStamp()
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if g.SectorID != 0 {
			var one int
			err := translate(d.queryRow(tx, ctx, "SELECT 1 FROM sectors WHERE id = ?", g.SectorID).Scan(&one))
			if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
				return ceptor.Invalid(map[string]string{"sector_id": "err.reference"})
			} else if err != nil {
				return err
			}
		}
		if _, err := d.exec(ctx, tx, "DELETE FROM severity_guidance WHERE sector_id = ?", g.SectorID); err != nil {
			return err
		}
		for _, l := range g.Levels {
			if _, err := d.exec(ctx, tx, "INSERT INTO severity_guidance ("+guidanceCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				g.SectorID, l.Level, l.AnyOutage, int64(l.UsersAffected), l.OutageHours, l.AreaWide, l.SafetyHarm, l.Evacuation, now, g.UpdatedBy); err != nil {
				return err
			}
		}
		g.UpdatedAt = now
		return nil
	})
}

// DeleteGuidance drops a sector's own guidance; the defaults apply again.
func (d *DB) DeleteGuidance(ctx context.Context, sectorID int64) error {
	if sectorID == 0 {
		return ceptor.Invalid(map[string]string{"sector_id": "severity.err.default_guidance"})
	}
	return d.expectOne(d.exec(ctx, d.db, "DELETE FROM severity_guidance WHERE sector_id = ?", sectorID))
}

// marshalDetail encodes a timeline entry's detail.
func marshalDetail(v any) (json.RawMessage, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &ceptor.Error{Code: ceptor.EINTERNAL, Message: "cannot encode event detail", Err: err}
	}
	return b, nil
}
