package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"ceptor"
)

// Incidents: reports grouped as one event, with a timeline and large-scale
// mode. Every change that the timeline records first locks the incident row
// (lockIncident), which serialises writers of one incident on both engines,
// so that timeline sequence numbers never collide.

var _ ceptor.IncidentService = (*DB)(nil)

const incidentCols = `id, title, summary, status, tlp, large_scale, cadence_seconds, mode_since,
	created_by_org, COALESCE(created_by_user, 0), created_at, updated_at, closed_at`

func scanIncident(sc interface{ Scan(...any) error }) (*ceptor.Incident, error) {
	inc := &ceptor.Incident{}
	var cadence int64
	var since, closed sql.NullTime
	err := sc.Scan(&inc.ID, &inc.Title, &inc.Summary, &inc.Status, &inc.TLP, &inc.LargeScale, &cadence, &since,
		&inc.CreatedByOrg, &inc.CreatedByUser, &inc.CreatedAt, &inc.UpdatedAt, &closed)
	if err != nil {
		return nil, translate(err)
	}
	inc.Cadence = time.Duration(cadence) * time.Second
	inc.ModeSince, inc.ClosedAt = timePtr(since), timePtr(closed)
	inc.CreatedAt, inc.UpdatedAt = inc.CreatedAt.UTC(), inc.UpdatedAt.UTC()
	inc.SectorIDs, inc.ManualSectorIDs = []int64{}, []int64{}
	return inc, nil
}

func incidentError(key, msg string) error {
	return &ceptor.Error{Code: ceptor.ECONFLICT, Message: msg, Key: key}
}

// lockIncident locks the incident's row until the transaction ends (SQLite
// transactions here hold the write lock from their start), then reads the
// clock and touches updated_at. Reading the clock only under the lock keeps
// the timeline's times in the order of its sequence numbers. ENOTFOUND for
// an unknown incident.
func (d *DB) lockIncident(ctx context.Context, tx *sql.Tx, id int64) (time.Time, error) {
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var one int
	if err := translate(d.queryRow(tx, ctx, "SELECT 1 FROM incidents WHERE id = ?"+lock, id).Scan(&one)); err != nil {
		return time.Time{}, err
	}
	now := d.sevStamp()
	_, err := d.exec(ctx, tx, "UPDATE incidents SET updated_at = ? WHERE id = ?", now, id)
	return now, err
}

// appendEvent adds a timeline entry; the caller holds the incident's lock.
func (d *DB) appendEvent(ctx context.Context, tx *sql.Tx, incidentID int64, kind ceptor.IncidentEventKind, detail any, orgID, userID int64, at time.Time) (int64, error) {
	raw, err := marshalDetail(detail)
	if err != nil {
		return 0, err
	}
	var seq int64
	if err := translate(d.queryRow(tx, ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_events WHERE incident_id = ?", incidentID).Scan(&seq)); err != nil {
		return 0, err
	}
	_, err = d.exec(ctx, tx, "INSERT INTO incident_events (incident_id, seq, kind, detail, org_id, user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		incidentID, seq, kind, string(raw), orgID, zeroNull(userID), at)
	return seq, err
}

// loadIncidentSectors fills SectorIDs (manual plus member reports' sectors)
// and ManualSectorIDs.
func (d *DB) loadIncidentSectors(ctx context.Context, q querier, incs []*ceptor.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	byID := map[int64]*ceptor.Incident{}
	ids := make([]int64, 0, len(incs))
	for _, inc := range incs {
		byID[inc.ID] = inc
		ids = append(ids, inc.ID)
	}
	in := "(" + placeholders(len(ids)) + ")"
	rows, err := d.query(ctx, q, `SELECT incident_id, sector_id, 1 FROM incident_sectors WHERE incident_id IN `+in+`
		UNION SELECT ir.incident_id, r.sector_id, 0 FROM incident_reports ir JOIN reports r ON r.id = ir.report_id
		WHERE r.sector_id IS NOT NULL AND ir.incident_id IN `+in, append(int64Args(ids), int64Args(ids)...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, sector int64
		var manual int
		if err := rows.Scan(&id, &sector, &manual); err != nil {
			return translate(err)
		}
		inc := byID[id]
		if manual == 1 && !slices.Contains(inc.ManualSectorIDs, sector) {
			inc.ManualSectorIDs = append(inc.ManualSectorIDs, sector)
		}
		if !slices.Contains(inc.SectorIDs, sector) {
			inc.SectorIDs = append(inc.SectorIDs, sector)
		}
	}
	for _, inc := range incs {
		slices.Sort(inc.SectorIDs)
		slices.Sort(inc.ManualSectorIDs)
	}
	return translate(rows.Err())
}

func (d *DB) writeIncidentSectors(ctx context.Context, tx *sql.Tx, inc *ceptor.Incident) error {
	if _, err := d.exec(ctx, tx, "DELETE FROM incident_sectors WHERE incident_id = ?", inc.ID); err != nil {
		return err
	}
	for _, s := range inc.ManualSectorIDs {
		if _, err := d.exec(ctx, tx, "INSERT INTO incident_sectors (incident_id, sector_id) VALUES (?, ?)", inc.ID, s); err != nil {
			return err
		}
	}
	return nil
}

// CreateIncident validates and stores an incident and starts its timeline.
func (d *DB) CreateIncident(ctx context.Context, inc *ceptor.Incident) error {
	if err := inc.Validate(); err != nil {
		return err
	}
	if inc.CreatedByOrg == 0 {
		return ceptor.Invalid(map[string]string{"created_by_org": "err.required"})
	}
	now := d.sevStamp()
	inc.LargeScale, inc.ModeSince, inc.ClosedAt = false, nil, nil
	if inc.Status == ceptor.IncidentClosed {
		inc.ClosedAt = &now
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		id, err := d.insert(ctx, tx, `INSERT INTO incidents (title, summary, status, tlp, large_scale, cadence_seconds,
			created_by_org, created_by_user, created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			inc.Title, inc.Summary, inc.Status, inc.TLP, false, int64(inc.Cadence/time.Second),
			inc.CreatedByOrg, zeroNull(inc.CreatedByUser), now, now, nullTime(inc.ClosedAt))
		if err != nil {
			return err
		}
		inc.ID = id
		if err := d.writeIncidentSectors(ctx, tx, inc); err != nil {
			return err
		}
		_, err = d.appendEvent(ctx, tx, id, ceptor.EventCreated, map[string]any{"title": inc.Title, "tlp": inc.TLP},
			inc.CreatedByOrg, inc.CreatedByUser, now)
		return err
	})
	if err != nil {
		inc.ID = 0
		return err
	}
	inc.CreatedAt, inc.UpdatedAt = now, now
	inc.SectorIDs = slices.Clone(inc.ManualSectorIDs)
	return nil
}

// FindIncident returns an incident with its affected sectors.
func (d *DB) FindIncident(ctx context.Context, id int64) (*ceptor.Incident, error) {
	inc, err := scanIncident(d.queryRow(d.db, ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	if err := d.loadIncidentSectors(ctx, d.db, []*ceptor.Incident{inc}); err != nil {
		return nil, err
	}
	return inc, nil
}

// ListIncidents returns one page of the matching incidents, newest first,
// and the number matching. The programme sees tens of incidents a year, so
// the rows are read whole and the policy predicate applied before paging.
func (d *DB) ListIncidents(ctx context.Context, f ceptor.IncidentFilter) ([]*ceptor.Incident, int, error) {
	where, args := " WHERE 1 = 1", []any{}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.LargeScale != nil {
		where += " AND large_scale = ?"
		args = append(args, *f.LargeScale)
	}
	rows, err := d.query(ctx, d.db, "SELECT "+incidentCols+" FROM incidents"+where+" ORDER BY created_at DESC, id DESC", args...)
	if err != nil {
		return nil, 0, err
	}
	var all []*ceptor.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		all = append(all, inc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	if err := d.loadIncidentSectors(ctx, d.db, all); err != nil {
		return nil, 0, err
	}
	if f.Visible != nil {
		kept := all[:0]
		for _, inc := range all {
			if f.Visible(inc.Ref()) {
				kept = append(kept, inc)
			}
		}
		all = kept
	}
	total := len(all)
	lo, hi := page(total, f.Offset, f.Limit)
	return slices.Clone(all[lo:hi]), total, nil
}

// UpdateIncident changes title, summary, TLP, manual sectors and status.
func (d *DB) UpdateIncident(ctx context.Context, inc *ceptor.Incident, orgID, userID int64) error {
	if err := inc.Validate(); err != nil {
		return err
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		now, err := d.lockIncident(ctx, tx, inc.ID)
		if err != nil {
			return err
		}
		var old ceptor.IncidentStatus
		var large bool
		if err := translate(d.queryRow(tx, ctx, "SELECT status, large_scale FROM incidents WHERE id = ?", inc.ID).Scan(&old, &large)); err != nil {
			return err
		}
		if inc.Status == ceptor.IncidentClosed && large {
			return incidentError("severity.err.close_large_scale", "switch large-scale mode off (with the after-action note) before closing")
		}
		closing := ""
		var closeArgs []any
		switch {
		case inc.Status == ceptor.IncidentClosed && old != ceptor.IncidentClosed:
			closing, closeArgs = ", closed_at = ?", []any{now}
		case inc.Status != ceptor.IncidentClosed:
			closing = ", closed_at = NULL"
		}
		args := append([]any{inc.Title, inc.Summary, inc.TLP, inc.Status}, closeArgs...)
		if _, err := d.exec(ctx, tx, "UPDATE incidents SET title = ?, summary = ?, tlp = ?, status = ?"+closing+" WHERE id = ?",
			append(args, inc.ID)...); err != nil {
			return err
		}
		if err := d.writeIncidentSectors(ctx, tx, inc); err != nil {
			return err
		}
		if old != inc.Status {
			if _, err := d.appendEvent(ctx, tx, inc.ID, ceptor.EventStatus, map[string]any{"from": old, "to": inc.Status}, orgID, userID, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	got, err := d.FindIncident(ctx, inc.ID)
	if err != nil {
		return err
	}
	*inc = *got
	return nil
}

// AddReportToIncident adds a report to an open or monitored incident. A
// report belongs to at most one incident; drafts are nobody's to group.
func (d *DB) AddReportToIncident(ctx context.Context, incidentID, reportID, orgID, userID int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now, err := d.lockIncident(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if err := d.incidentNotClosed(ctx, tx, incidentID); err != nil {
			return err
		}
		var status ceptor.ReportStatus
		if err := translate(d.queryRow(tx, ctx, "SELECT status FROM reports WHERE id = ?", reportID).Scan(&status)); err != nil {
			return err
		}
		if status == ceptor.ReportDraft {
			return ceptor.Invalid(map[string]string{"report_id": "severity.err.report_draft"})
		}
		var other int64
		err = translate(d.queryRow(tx, ctx, "SELECT incident_id FROM incident_reports WHERE report_id = ?", reportID).Scan(&other))
		switch {
		case err == nil:
			return inIncidentError(other)
		case ceptor.ErrorCode(err) != ceptor.ENOTFOUND:
			return err
		}
		if _, err := d.exec(ctx, tx, "INSERT INTO incident_reports (report_id, incident_id, added_by_org, added_by_user, added_at) VALUES (?, ?, ?, ?, ?)",
			reportID, incidentID, orgID, zeroNull(userID), now); err != nil {
			if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
				// Another transaction grouped it meanwhile.
				return inIncidentError(0)
			}
			return err
		}
		_, err = d.appendEvent(ctx, tx, incidentID, ceptor.EventReportAdded, map[string]any{"report_id": reportID}, orgID, userID, now)
		return err
	})
}

func inIncidentError(other int64) error {
	msg := "the report already belongs to an incident"
	if other != 0 {
		msg = fmt.Sprintf("the report already belongs to incident %d", other)
	}
	return incidentError("severity.err.report_in_incident", msg)
}

func (d *DB) incidentNotClosed(ctx context.Context, tx *sql.Tx, id int64) error {
	var status ceptor.IncidentStatus
	if err := translate(d.queryRow(tx, ctx, "SELECT status FROM incidents WHERE id = ?", id).Scan(&status)); err != nil {
		return err
	}
	if status == ceptor.IncidentClosed {
		return incidentError("severity.err.incident_closed", "the incident is closed")
	}
	return nil
}

// RemoveReportFromIncident takes a report out of an incident that is not
// closed (a closed incident is a record).
func (d *DB) RemoveReportFromIncident(ctx context.Context, incidentID, reportID, orgID, userID int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now, err := d.lockIncident(ctx, tx, incidentID)
		if err != nil {
			return err
		}
		if err := d.incidentNotClosed(ctx, tx, incidentID); err != nil {
			return err
		}
		if err := d.expectOne(d.exec(ctx, tx, "DELETE FROM incident_reports WHERE incident_id = ? AND report_id = ?", incidentID, reportID)); err != nil {
			return err
		}
		_, err = d.appendEvent(ctx, tx, incidentID, ceptor.EventReportRemoved, map[string]any{"report_id": reportID}, orgID, userID, now)
		return err
	})
}

// incidentExists returns ENOTFOUND for an unknown incident.
func (d *DB) incidentExists(ctx context.Context, id int64) error {
	var one int
	return translate(d.queryRow(d.db, ctx, "SELECT 1 FROM incidents WHERE id = ?", id).Scan(&one))
}

// IncidentReports returns the member reports in the order added.
func (d *DB) IncidentReports(ctx context.Context, id int64) ([]int64, error) {
	if err := d.incidentExists(ctx, id); err != nil {
		return nil, err
	}
	return d.queryIDs(ctx, d.db, "SELECT report_id FROM incident_reports WHERE incident_id = ? ORDER BY added_at, report_id", id)
}

// IncidentForReport returns the incident of a report, ENOTFOUND if none.
func (d *DB) IncidentForReport(ctx context.Context, reportID int64) (int64, error) {
	var id int64
	err := translate(d.queryRow(d.db, ctx, "SELECT incident_id FROM incident_reports WHERE report_id = ?", reportID).Scan(&id))
	return id, err
}

// SetLargeScale switches large-scale mode on or off. On again changes the
// cadence (zero keeps it); off needs the after-action note, which the
// timeline keeps.
func (d *DB) SetLargeScale(ctx context.Context, id int64, on bool, cadence time.Duration, note string, orgID, userID int64) error {
	var detail map[string]any
	if !on || note != "" {
		raw, err := ceptor.NoteDetail(note)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &detail); err != nil {
			return err
		}
	} else {
		detail = map[string]any{}
	}
	if on && cadence != 0 && (cadence < ceptor.MinCadence || cadence > ceptor.MaxCadence) {
		return ceptor.Invalid(map[string]string{"cadence": "severity.err.cadence"})
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now, err := d.lockIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		var status ceptor.IncidentStatus
		var large bool
		var current int64
		var since sql.NullTime
		if err := translate(d.queryRow(tx, ctx, "SELECT status, large_scale, cadence_seconds, mode_since FROM incidents WHERE id = ?", id).
			Scan(&status, &large, &current, &since)); err != nil {
			return err
		}
		if !on {
			if !large {
				return incidentError("severity.err.not_large_scale", "the incident is not in large-scale mode")
			}
			if since.Valid {
				detail["duration_seconds"] = int64(now.Sub(since.Time) / time.Second)
			}
			if _, err := d.exec(ctx, tx, "UPDATE incidents SET large_scale = ? WHERE id = ?", false, id); err != nil {
				return err
			}
			_, err := d.appendEvent(ctx, tx, id, ceptor.EventModeOff, detail, orgID, userID, now)
			return err
		}
		if status == ceptor.IncidentClosed {
			return incidentError("severity.err.incident_closed", "the incident is closed")
		}
		secs := current
		switch {
		case cadence != 0:
			secs = int64(cadence / time.Second)
		case !large:
			secs = int64(ceptor.DefaultCadence / time.Second)
		}
		detail["cadence_seconds"] = secs
		if large {
			// Already on: only the cadence changes; the mode keeps its start.
			detail["cadence_changed"] = true
			if _, err := d.exec(ctx, tx, "UPDATE incidents SET cadence_seconds = ? WHERE id = ?", secs, id); err != nil {
				return err
			}
		} else if _, err := d.exec(ctx, tx, "UPDATE incidents SET large_scale = ?, cadence_seconds = ?, mode_since = ? WHERE id = ?", true, secs, now, id); err != nil {
			return err
		}
		_, err = d.appendEvent(ctx, tx, id, ceptor.EventModeOn, detail, orgID, userID, now)
		return err
	})
}

// AddIncidentEvent appends a note or a sitrep record to the timeline. The
// other kinds are written only by the changes they record, so that the
// timeline cannot claim a change that did not happen.
func (d *DB) AddIncidentEvent(ctx context.Context, e *ceptor.IncidentEvent) error {
	if err := e.Validate(); err != nil {
		return err
	}
	switch e.Kind {
	case ceptor.EventNote:
		var v struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(e.Detail, &v); err != nil {
			return ceptor.Invalid(map[string]string{"detail": "err.invalid"})
		}
		raw, err := ceptor.NoteDetail(v.Text)
		if err != nil {
			return err
		}
		e.Detail = raw
	case ceptor.EventSitrep:
	default:
		return ceptor.Invalid(map[string]string{"kind": "severity.err.event_kind"})
	}
	if e.OrgID == 0 {
		return ceptor.Invalid(map[string]string{"org_id": "err.required"})
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now, err := d.lockIncident(ctx, tx, e.IncidentID)
		if err != nil {
			return err
		}
		seq, err := d.appendEvent(ctx, tx, e.IncidentID, e.Kind, e.Detail, e.OrgID, e.UserID, now)
		e.Seq, e.At = seq, now
		return err
	})
}

// IncidentEvents returns the timeline in order.
func (d *DB) IncidentEvents(ctx context.Context, id int64) ([]*ceptor.IncidentEvent, error) {
	if err := d.incidentExists(ctx, id); err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, d.db, "SELECT incident_id, seq, kind, detail, org_id, COALESCE(user_id, 0), at FROM incident_events WHERE incident_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.IncidentEvent{}
	for rows.Next() {
		e := &ceptor.IncidentEvent{}
		var detail string
		if err := rows.Scan(&e.IncidentID, &e.Seq, &e.Kind, &detail, &e.OrgID, &e.UserID, &e.At); err != nil {
			return nil, translate(err)
		}
		e.Detail, e.At = json.RawMessage(detail), e.At.UTC()
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// SuggestGroupings proposes what a report may be grouped with: reports that
// share an indicator with it, name the same supplier, or are of the same
// sector and started (or, lacking a start, were submitted) within
// ceptor.GroupingWindow of it. Drafts are never candidates, and drill
// reports are matched only with drill reports. A candidate in an open or
// monitored incident is folded into a suggestion of that incident; those in
// the report's own incident or in a closed one are left out.
func (d *DB) SuggestGroupings(ctx context.Context, reportID int64) ([]ceptor.GroupingSuggestion, error) {
	var sector, supplier int64
	var drill bool
	var started, submitted sql.NullTime
	if err := translate(d.queryRow(d.db, ctx, `SELECT COALESCE(sector_id, 0), COALESCE(supplier_org_id, 0), drill, started_at, submitted_at
		FROM reports WHERE id = ?`, reportID).Scan(&sector, &supplier, &drill, &started, &submitted)); err != nil {
		return nil, err
	}
	type cand struct {
		reasons    []ceptor.GroupingReason
		indicators []ceptor.Indicator
	}
	cands := map[int64]*cand{}
	get := func(id int64) *cand {
		if cands[id] == nil {
			cands[id] = &cand{}
		}
		return cands[id]
	}
	addReason := func(c *cand, r ceptor.GroupingReason) {
		if !slices.Contains(c.reasons, r) {
			c.reasons = append(c.reasons, r)
		}
	}

	rows, err := d.query(ctx, d.db, `SELECT o.report_id, o.type, o.value FROM report_indicators me
		JOIN report_indicators o ON o.type = me.type AND o.value = me.value AND o.report_id <> me.report_id
		JOIN reports r ON r.id = o.report_id
		WHERE me.report_id = ? AND r.status <> 'draft' AND r.drill = ?
		ORDER BY o.report_id, o.type, o.value`, reportID, drill)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var in ceptor.Indicator
		if err := rows.Scan(&id, &in.Type, &in.Value); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		c := get(id)
		addReason(c, ceptor.GroupSharedIndicator)
		c.indicators = append(c.indicators, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}

	if supplier != 0 {
		ids, err := d.reportIDs(ctx, "supplier_org_id = ? AND id <> ? AND status <> 'draft' AND drill = ?", supplier, reportID, drill)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			addReason(get(id), ceptor.GroupSameSupplier)
		}
	}

	at := timePtr(started)
	if at == nil {
		at = timePtr(submitted)
	}
	if sector != 0 && at != nil {
		// The SQL range is a day wider than the window so that stored
		// precision never loses a candidate; the exact test is below.
		lo, hi := at.Add(-ceptor.GroupingWindow-24*time.Hour), at.Add(ceptor.GroupingWindow+24*time.Hour)
		rows, err := d.query(ctx, d.db, `SELECT id, started_at, submitted_at FROM reports
			WHERE sector_id = ? AND id <> ? AND status <> 'draft' AND drill = ?
			AND (started_at BETWEEN ? AND ? OR started_at IS NULL AND submitted_at BETWEEN ? AND ?)`,
			sector, reportID, drill, lo, hi, lo, hi)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var s, sub sql.NullTime
			if err := rows.Scan(&id, &s, &sub); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			t := timePtr(s)
			if t == nil {
				t = timePtr(sub)
			}
			if t != nil && absDuration(t.Sub(*at)) <= ceptor.GroupingWindow {
				addReason(get(id), ceptor.GroupSectorWindow)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	if len(cands) == 0 {
		return []ceptor.GroupingSuggestion{}, nil
	}

	// Where do the candidates (and the report itself) belong?
	ids := []int64{reportID}
	for id := range cands {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	member := map[int64]int64{}
	closed := map[int64]bool{}
	rows, err = d.query(ctx, d.db, `SELECT ir.report_id, ir.incident_id, i.status FROM incident_reports ir
		JOIN incidents i ON i.id = ir.incident_id WHERE ir.report_id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var rid, iid int64
		var st ceptor.IncidentStatus
		if err := rows.Scan(&rid, &iid, &st); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		member[rid] = iid
		closed[iid] = st == ceptor.IncidentClosed
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}

	own := member[reportID]
	byIncident := map[int64]*ceptor.GroupingSuggestion{}
	var out []ceptor.GroupingSuggestion
	var standalone []*ceptor.GroupingSuggestion
	for _, id := range ids {
		c := cands[id]
		if c == nil {
			continue
		}
		iid := member[id]
		if iid != 0 && (iid == own || closed[iid]) {
			continue
		}
		s := &ceptor.GroupingSuggestion{}
		if iid != 0 {
			if byIncident[iid] == nil {
				byIncident[iid] = &ceptor.GroupingSuggestion{IncidentID: iid}
			}
			s = byIncident[iid]
		} else {
			standalone = append(standalone, s)
		}
		s.ReportIDs = append(s.ReportIDs, id)
		for _, r := range c.reasons {
			if !slices.Contains(s.Reasons, r) {
				s.Reasons = append(s.Reasons, r)
			}
		}
		for _, in := range c.indicators {
			if !slices.Contains(s.Indicators, in) {
				s.Indicators = append(s.Indicators, in)
			}
		}
		if slices.Contains(c.reasons, ceptor.GroupSameSupplier) {
			s.SupplierOrgID = supplier
		}
		if slices.Contains(c.reasons, ceptor.GroupSectorWindow) {
			s.SectorID = sector
		}
	}
	for _, s := range byIncident {
		out = append(out, *s)
	}
	for _, s := range standalone {
		out = append(out, *s)
	}
	for i := range out {
		order := map[ceptor.GroupingReason]int{ceptor.GroupSharedIndicator: 0, ceptor.GroupSameSupplier: 1, ceptor.GroupSectorWindow: 2}
		sort.Slice(out[i].Reasons, func(a, b int) bool { return order[out[i].Reasons[a]] < order[out[i].Reasons[b]] })
	}
	// Best first; incidents before single reports at equal score (joining
	// an incident is the usual next step); then oldest first.
	sort.SliceStable(out, func(a, b int) bool {
		sa, sb := out[a].Score(), out[b].Score()
		if sa != sb {
			return sa > sb
		}
		if (out[a].IncidentID != 0) != (out[b].IncidentID != 0) {
			return out[a].IncidentID != 0
		}
		if out[a].IncidentID != out[b].IncidentID {
			return out[a].IncidentID < out[b].IncidentID
		}
		return out[a].ReportIDs[0] < out[b].ReportIDs[0]
	})
	return out, nil
}

func (d *DB) reportIDs(ctx context.Context, where string, args ...any) ([]int64, error) {
	return d.queryIDs(ctx, d.db, "SELECT id FROM reports WHERE "+where+" ORDER BY id", args...)
}

func absDuration(x time.Duration) time.Duration {
	if x < 0 {
		return -x
	}
	return x
}

// AffectedOrgs returns the situation board's rows: for each member report,
// its reporter as stored (no organisation for an anonymous report, whose
// CEPTOR the board shows instead), where it stands and its current
// evaluation. Rows are ordered by sector, then by when they joined.
func (d *DB) AffectedOrgs(ctx context.Context, id int64) ([]ceptor.AffectedOrg, error) {
	if err := d.incidentExists(ctx, id); err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, d.db, `SELECT ir.report_id, ir.added_at, COALESCE(r.org_id, 0), COALESCE(r.ceptor_id, 0), COALESCE(r.sector_id, 0),
		r.tlp, r.version, r.status, r.updated_at
		FROM incident_reports ir JOIN reports r ON r.id = ir.report_id
		WHERE ir.incident_id = ? ORDER BY COALESCE(r.sector_id, 0), ir.added_at, ir.report_id`, id)
	if err != nil {
		return nil, err
	}
	out := []ceptor.AffectedOrg{}
	var ids []int64
	for rows.Next() {
		var a ceptor.AffectedOrg
		if err := rows.Scan(&a.ReportID, &a.AddedAt, &a.OrgID, &a.CeptorID, &a.SectorID, &a.TLP, &a.Version, &a.Status, &a.UpdatedAt); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		a.AddedAt, a.UpdatedAt = a.AddedAt.UTC(), a.UpdatedAt.UTC()
		out = append(out, a)
		ids = append(ids, a.ReportID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	evals, err := d.currentEvaluations(ctx, d.db, ceptor.SubjectReport, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Evaluation = evals[out[i].ReportID]
	}
	return out, nil
}
