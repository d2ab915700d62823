package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"ceptor"
)

// CEPTOR drills (セプター訓練): the plan and its CEPTORs here; participants,
// drill reports, self-check sheets and the results below. The drill
// advisory itself lives with the advisories (advisories.drill_id) and its
// receipts are the advisory engine's.

var _ ceptor.DrillService = (*DB)(nil)

const drillCols = `id, org_id, author_user_id, title, instructions, fiscal_year, window_start, window_end, announced, channel,
	downward, upward, assume_damage, status, advisory_id, created_at, updated_at, started_at, closed_at`

func scanDrill(sc interface{ Scan(...any) error }) (*ceptor.Drill, error) {
	d := &ceptor.Drill{}
	var started, closed sql.NullTime
	err := sc.Scan(&d.ID, &d.OrgID, &d.AuthorID, &d.Title, &d.Instructions, &d.FiscalYear, &d.WindowStart, &d.WindowEnd, &d.Announced,
		&d.Channel, &d.Downward, &d.Upward, &d.AssumeDamage, &d.Status, &d.AdvisoryID, &d.CreatedAt, &d.UpdatedAt, &started, &closed)
	if err != nil {
		return nil, translate(err)
	}
	d.WindowStart, d.WindowEnd = d.WindowStart.UTC(), d.WindowEnd.UTC()
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.StartedAt, d.ClosedAt = timePtr(started), timePtr(closed)
	return d, nil
}

// checkDrillCeptors refuses CEPTORs that do not exist or are inactive.
func (d *DB) checkDrillCeptors(ctx context.Context, ids []int64) error {
	cs, err := d.ListCeptors(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(cs, func(c *ceptor.Ceptor) bool { return c.ID == id && c.Active }) {
			return ceptor.Invalid(map[string]string{"ceptor_ids": "registry.err.unknown_ceptor"})
		}
	}
	return nil
}

func (d *DB) writeDrillCeptors(ctx context.Context, dr *ceptor.Drill) error {
	if _, err := d.exec(ctx, d.db, "DELETE FROM drill_ceptors WHERE drill_id = ?", dr.ID); err != nil {
		return err
	}
	rows := make([][]any, len(dr.CeptorIDs))
	for i, c := range dr.CeptorIDs {
		rows[i] = []any{dr.ID, c}
	}
	_, err := d.insertRows(ctx, d.db, "drill_ceptors", []string{"drill_id", "ceptor_id"}, rows, false)
	return err
}

// CreateDrill stores a planned drill with its CEPTORs.
func (d *DB) CreateDrill(ctx context.Context, dr *ceptor.Drill) error {
	dr.Status = ceptor.DrillPlanned
	if err := dr.Validate(); err != nil {
		return err
	}
	return d.Atomic(ctx, func(ctx context.Context) error {
		if err := d.checkDrillCeptors(ctx, dr.CeptorIDs); err != nil {
			return err
		}
		now := d.stamp()
		dr.CreatedAt, dr.UpdatedAt, dr.AdvisoryID = now, now, 0
		id, err := d.insert(ctx, d.db, `INSERT INTO drills (org_id, author_user_id, title, instructions, fiscal_year, window_start, window_end,
			announced, channel, downward, upward, assume_damage, status, advisory_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?, ?)`,
			dr.OrgID, dr.AuthorID, dr.Title, dr.Instructions, dr.FiscalYear, dr.WindowStart, dr.WindowEnd, dr.Announced, string(dr.Channel),
			dr.Downward, dr.Upward, dr.AssumeDamage, now, now)
		if err != nil {
			return err
		}
		dr.ID = id
		if err := d.writeDrillCeptors(ctx, dr); err != nil {
			return err
		}
		return d.fillDrillSectors(ctx, []*ceptor.Drill{dr})
	})
}

// UpdateDrill changes a planned drill.
func (d *DB) UpdateDrill(ctx context.Context, dr *ceptor.Drill) error {
	if err := dr.Validate(); err != nil {
		return err
	}
	return d.Atomic(ctx, func(ctx context.Context) error {
		if err := d.checkDrillCeptors(ctx, dr.CeptorIDs); err != nil {
			return err
		}
		dr.UpdatedAt = d.stamp()
		res, err := d.exec(ctx, d.db, `UPDATE drills SET title = ?, instructions = ?, fiscal_year = ?, window_start = ?, window_end = ?,
			announced = ?, channel = ?, downward = ?, upward = ?, assume_damage = ?, updated_at = ? WHERE id = ? AND status = 'planned'`,
			dr.Title, dr.Instructions, dr.FiscalYear, dr.WindowStart, dr.WindowEnd, dr.Announced, string(dr.Channel), dr.Downward, dr.Upward,
			dr.AssumeDamage, dr.UpdatedAt, dr.ID)
		if err != nil {
			return err
		}
		if err := drillOneRow(res, "only planned drills change"); err != nil {
			return err
		}
		if err := d.writeDrillCeptors(ctx, dr); err != nil {
			return err
		}
		return d.fillDrillSectors(ctx, []*ceptor.Drill{dr})
	})
}

func drillOneRow(res sql.Result, msg string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return &ceptor.Error{Code: ceptor.ECONFLICT, Message: msg, Key: "drills.err_state"}
	}
	return nil
}

// fillDrillSectors loads the CEPTORs of the drills and their sectors.
func (d *DB) fillDrillSectors(ctx context.Context, ds []*ceptor.Drill) error {
	if len(ds) == 0 {
		return nil
	}
	byID := map[int64]*ceptor.Drill{}
	ids := make([]int64, len(ds))
	for i, dr := range ds {
		byID[dr.ID], ids[i] = dr, dr.ID
		dr.CeptorIDs, dr.SectorIDs = []int64{}, []int64{}
	}
	rows, err := d.query(ctx, d.db, `SELECT dc.drill_id, dc.ceptor_id, c.sector_id FROM drill_ceptors dc JOIN ceptors c ON c.id = dc.ceptor_id
		WHERE dc.drill_id IN (`+placeholders(len(ids))+`) ORDER BY dc.drill_id, dc.ceptor_id`, int64Args(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var did, cid int64
		var sid sql.NullInt64
		if err := rows.Scan(&did, &cid, &sid); err != nil {
			return translate(err)
		}
		dr := byID[did]
		dr.CeptorIDs = append(dr.CeptorIDs, cid)
		if sid.Valid && !slices.Contains(dr.SectorIDs, sid.Int64) {
			dr.SectorIDs = append(dr.SectorIDs, sid.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	for _, dr := range ds {
		slices.Sort(dr.SectorIDs)
	}
	return nil
}

// FindDrill returns one drill with its CEPTORs and their sectors.
func (d *DB) FindDrill(ctx context.Context, id int64) (*ceptor.Drill, error) {
	dr, err := scanDrill(d.queryRow(d.db, ctx, "SELECT "+drillCols+" FROM drills WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	return dr, d.fillDrillSectors(ctx, []*ceptor.Drill{dr})
}

// DrillByAdvisory returns the drill that published the advisory.
func (d *DB) DrillByAdvisory(ctx context.Context, advisoryID int64) (*ceptor.Drill, error) {
	if advisoryID == 0 {
		return nil, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no drill", Key: "err.not_found"}
	}
	dr, err := scanDrill(d.queryRow(d.db, ctx, "SELECT "+drillCols+" FROM drills WHERE advisory_id = ?", advisoryID))
	if err != nil {
		return nil, err
	}
	return dr, d.fillDrillSectors(ctx, []*ceptor.Drill{dr})
}

// ListDrills returns drills, the latest window first.
func (d *DB) ListDrills(ctx context.Context, f ceptor.DrillFilter) ([]*ceptor.Drill, int, error) {
	var conds []string
	var args []any
	if f.FiscalYear != 0 {
		conds = append(conds, "fiscal_year = ?")
		args = append(args, f.FiscalYear)
	}
	if f.Status != "" {
		conds = append(conds, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.CeptorIDs != nil {
		if len(f.CeptorIDs) == 0 {
			return nil, 0, nil
		}
		conds = append(conds, "id IN (SELECT drill_id FROM drill_ceptors WHERE ceptor_id IN ("+placeholders(len(f.CeptorIDs))+"))")
		args = append(args, int64Args(f.CeptorIDs)...)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM drills"+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := d.query(ctx, d.db, "SELECT "+drillCols+" FROM drills"+where+" ORDER BY window_start DESC, id DESC LIMIT ? OFFSET ?",
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	var out []*ceptor.Drill
	for rows.Next() {
		dr, err := scanDrill(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, dr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	return out, total, d.fillDrillSectors(ctx, out)
}

// StartDrill marks a planned drill running with its advisory and fixes
// its participants: the active members of its CEPTORs, each counted under
// the first of its CEPTORs the drill chose (as the advisory's recipients
// are). It returns the number of participants.
func (d *DB) StartDrill(ctx context.Context, id, advisoryID int64, at time.Time) (int, error) {
	n := 0
	err := d.Atomic(ctx, func(ctx context.Context) error {
		res, err := d.exec(ctx, d.db, `UPDATE drills SET status = 'running', advisory_id = ?, started_at = ?, updated_at = ? WHERE id = ? AND status = 'planned'`,
			advisoryID, at.UTC(), at.UTC(), id)
		if err != nil {
			return err
		}
		if err := drillOneRow(res, "only planned drills start"); err != nil {
			return err
		}
		r, err := d.exec(ctx, d.db, `INSERT INTO drill_participants (drill_id, org_id, ceptor_id)
			SELECT ?, m.org_id, MIN(m.ceptor_id) FROM ceptor_members m
			JOIN organizations o ON o.id = m.org_id AND o.active = TRUE
			JOIN drill_ceptors dc ON dc.ceptor_id = m.ceptor_id AND dc.drill_id = ?
			GROUP BY m.org_id`, id, id)
		if err != nil {
			return err
		}
		k, _ := r.RowsAffected()
		n = int(k)
		return nil
	})
	return n, err
}

// CloseDrill closes a running drill.
func (d *DB) CloseDrill(ctx context.Context, id int64, at time.Time) error {
	res, err := d.exec(ctx, d.db, `UPDATE drills SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ? AND status = 'running'`, at.UTC(), at.UTC(), id)
	if err != nil {
		return err
	}
	return drillOneRow(res, "only running drills close")
}

// drillAlternateOnly reports whether the drill's messages go over the
// alternate channel only (the advisory engine's deliver asks it).
func (d *DB) drillAlternateOnly(ctx context.Context, drillID int64) (bool, error) {
	if drillID == 0 {
		return false, nil
	}
	var ch string
	err := d.queryRow(d.db, ctx, "SELECT channel FROM drills WHERE id = ?", drillID).Scan(&ch)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, translate(err)
	}
	return ch == string(ceptor.DrillChannelAlternate), nil
}

func ceptorCond(col string, ids []int64) (string, []any) {
	if ids == nil {
		return "", nil
	}
	if len(ids) == 0 {
		return " AND 1 = 0", nil
	}
	return " AND " + col + " IN (" + placeholders(len(ids)) + ")", int64Args(ids)
}

// DrillParticipants lists the participants (of the given CEPTORs; nil:
// all) with their first drill report and whether they filled in the
// self-check sheet.
func (d *DB) DrillParticipants(ctx context.Context, id int64, ceptorIDs []int64) ([]ceptor.DrillParticipant, error) {
	c, args := ceptorCond("p.ceptor_id", ceptorIDs)
	rows, err := d.query(ctx, d.db, `SELECT p.org_id, o.name, o.type, p.ceptor_id
		FROM drill_participants p JOIN organizations o ON o.id = p.org_id WHERE p.drill_id = ?`+c+` ORDER BY o.name, p.org_id`,
		append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	var out []ceptor.DrillParticipant
	at := map[int64]int{}
	for rows.Next() {
		var p ceptor.DrillParticipant
		if err := rows.Scan(&p.OrgID, &p.OrgName, &p.OrgType, &p.CeptorID); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		at[p.OrgID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	// The first report of each organisation counts; a report under 被害あり
	// marks it whichever came first.
	rows, err = d.query(ctx, d.db, "SELECT org_id, report_id, damage, reported_at FROM drill_reports WHERE drill_id = ? ORDER BY reported_at, report_id", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var org, rep int64
		var damage bool
		var when time.Time
		if err := rows.Scan(&org, &rep, &damage, &when); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		i, ok := at[org]
		if !ok {
			continue
		}
		p := &out[i]
		if p.ReportID == 0 {
			w := when.UTC()
			p.ReportID, p.ReportedAt = rep, &w
		}
		p.Damage = p.Damage || damage
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows, err = d.query(ctx, d.db, "SELECT org_id FROM drill_selfchecks WHERE drill_id = ?", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		if err := rows.Scan(&org); err != nil {
			return nil, translate(err)
		}
		if i, ok := at[org]; ok {
			out[i].SelfCheck = true
		}
	}
	return out, translate(rows.Err())
}

// LinkDrillReport records that the organisation's report answers the drill.
func (d *DB) LinkDrillReport(ctx context.Context, drillID, reportID, orgID int64, damage bool, at time.Time) error {
	_, err := d.exec(ctx, d.db, "INSERT INTO drill_reports (drill_id, org_id, report_id, damage, reported_at) VALUES (?, ?, ?, ?, ?)",
		drillID, orgID, reportID, damage, at.UTC())
	return err
}

const selfCheckCols = `s.drill_id, s.org_id, o.name, o.name_en, s.arrived, s.channel, s.handler, s.notice_minutes, s.problems, s.improvements, s.updated_by, s.updated_at`

func scanSelfCheck(sc interface{ Scan(...any) error }) (*ceptor.SelfCheck, error) {
	c := &ceptor.SelfCheck{}
	var mins sql.NullInt64
	if err := sc.Scan(&c.DrillID, &c.OrgID, &c.OrgName, &c.OrgNameEN, &c.Arrived, &c.Channel, &c.Handler, &mins, &c.Problems, &c.Improvements, &c.UpdatedBy, &c.UpdatedAt); err != nil {
		return nil, translate(err)
	}
	if mins.Valid {
		m := int(mins.Int64)
		c.NoticeMinutes = &m
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, nil
}

// SaveSelfCheck stores (or replaces) an organisation's self-check sheet.
func (d *DB) SaveSelfCheck(ctx context.Context, c *ceptor.SelfCheck) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = d.stamp()
	var mins any
	if c.NoticeMinutes != nil {
		mins = *c.NoticeMinutes
	}
	_, err := d.exec(ctx, d.db, `INSERT INTO drill_selfchecks (drill_id, org_id, arrived, channel, handler, notice_minutes, problems, improvements, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (drill_id, org_id) DO UPDATE SET arrived = excluded.arrived, channel = excluded.channel, handler = excluded.handler,
		notice_minutes = excluded.notice_minutes, problems = excluded.problems, improvements = excluded.improvements,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		c.DrillID, c.OrgID, c.Arrived, c.Channel, c.Handler, mins, c.Problems, c.Improvements, c.UpdatedBy, c.UpdatedAt)
	return err
}

// SelfCheck returns an organisation's sheet (ENOTFOUND when none yet).
func (d *DB) SelfCheck(ctx context.Context, drillID, orgID int64) (*ceptor.SelfCheck, error) {
	return scanSelfCheck(d.queryRow(d.db, ctx, "SELECT "+selfCheckCols+" FROM drill_selfchecks s JOIN organizations o ON o.id = s.org_id WHERE s.drill_id = ? AND s.org_id = ?", drillID, orgID))
}

// DrillResults computes a drill's results for the given CEPTORs (nil:
// all); the receipts of the drill advisory are restricted to what lies
// behind viaOrgs (nil: all), as the advisory engine's receipt picture is.
func (d *DB) DrillResults(ctx context.Context, id int64, ceptorIDs, viaOrgs []int64) (*ceptor.DrillResults, error) {
	dr, err := d.FindDrill(ctx, id)
	if err != nil {
		return nil, err
	}
	res := &ceptor.DrillResults{Drill: dr, ConfirmedVia: map[string]int{}, NotReached: []ceptor.AdvisoryRecipient{},
		SelfChecks: ceptor.SelfCheckSummary{Arrived: map[string]int{}, Channels: map[string]int{}, Sheets: []ceptor.SelfCheck{}}}
	if dr.Status == ceptor.DrillPlanned {
		return res, nil
	}
	if dr.AdvisoryID != 0 && dr.Downward {
		if res.Receipts, err = d.ReceiptSummary(ctx, dr.AdvisoryID, viaOrgs); err != nil {
			return nil, err
		}
		list, _, err := d.ListRecipients(ctx, dr.AdvisoryID, viaOrgs,
			[]ceptor.RecipientState{ceptor.RecipientPending, ceptor.RecipientDelivered, ceptor.RecipientUnreachable}, 5000, 0)
		if err != nil {
			return nil, err
		}
		if list != nil {
			res.NotReached = list
		}
		var published sql.NullTime
		if err := d.queryRow(d.db, ctx, "SELECT published_at FROM advisories WHERE id = ?", dr.AdvisoryID).Scan(&published); err != nil {
			return nil, translate(err)
		}
		c, args := hopCond(viaOrgs)
		rows, err := d.query(ctx, d.db, "SELECT r.confirmed_via, r.confirmed_at FROM advisory_recipients r WHERE r.advisory_id = ? AND r.state = 'confirmed'"+c,
			append([]any{dr.AdvisoryID}, args...)...)
		if err != nil {
			return nil, err
		}
		var mins []float64
		for rows.Next() {
			var via string
			var at sql.NullTime
			if err := rows.Scan(&via, &at); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			if via == "" {
				via = "inbox"
			}
			res.ConfirmedVia[via]++
			if at.Valid && published.Valid {
				mins = append(mins, at.Time.Sub(published.Time).Minutes())
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		res.MedianConfirmMinutes = ceptor.Median(mins)
	}
	parts, err := d.DrillParticipants(ctx, id, ceptorIDs)
	if err != nil {
		return nil, err
	}
	in := map[int64]bool{}
	for _, p := range parts {
		in[p.OrgID] = true
	}
	if dr.Upward {
		up := &ceptor.DrillUpward{Participants: len(parts), ReportMinutes: make([]int, len(ceptor.ConfirmBuckets))}
		var mins []float64
		for _, p := range parts {
			if p.ReportID == 0 {
				continue
			}
			up.Reported++
			if p.Damage {
				up.Damage++
			}
			if p.ReportedAt != nil && dr.StartedAt != nil {
				dt := p.ReportedAt.Sub(*dr.StartedAt)
				mins = append(mins, dt.Minutes())
				up.ReportMinutes[ConfirmBucket(dt)]++
			}
		}
		if up.Participants > 0 {
			up.Rate = float64(up.Reported) / float64(up.Participants)
		}
		up.MedianReportMinutes = ceptor.Median(mins)
		res.Upward = up
	}
	sc := &res.SelfChecks
	sc.Expected = len(parts)
	rows, err := d.query(ctx, d.db, "SELECT "+selfCheckCols+" FROM drill_selfchecks s JOIN organizations o ON o.id = s.org_id WHERE s.drill_id = ? ORDER BY o.name, s.org_id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var notice []float64
	for rows.Next() {
		c, err := scanSelfCheck(rows)
		if err != nil {
			return nil, err
		}
		if ceptorIDs != nil && !in[c.OrgID] {
			continue
		}
		if in[c.OrgID] {
			sc.Completed++
		}
		sc.Arrived[c.Arrived]++
		if c.Channel != "" {
			sc.Channels[c.Channel]++
		}
		if c.NoticeMinutes != nil {
			notice = append(notice, float64(*c.NoticeMinutes))
		}
		sc.Sheets = append(sc.Sheets, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if sc.Expected > 0 {
		sc.Rate = float64(sc.Completed) / float64(sc.Expected)
	}
	sc.MedianNoticeMinutes = ceptor.Median(notice)
	return res, nil
}

// DrillYears returns, per fiscal year of started drills, the drills, the
// distinct participating CEPTORs and organisations, and the receipt
// confirmation of the drill advisories (downward drills).
func (d *DB) DrillYears(ctx context.Context) ([]ceptor.DrillYear, error) {
	years := map[int]*ceptor.DrillYear{}
	get := func(fy int) *ceptor.DrillYear {
		y := years[fy]
		if y == nil {
			y = &ceptor.DrillYear{FiscalYear: fy}
			years[fy] = y
		}
		return y
	}
	for _, q := range []struct {
		sql string
		set func(y *ceptor.DrillYear, n int)
	}{
		{"SELECT fiscal_year, COUNT(*) FROM drills WHERE status <> 'planned' GROUP BY fiscal_year", func(y *ceptor.DrillYear, n int) { y.Drills = n }},
		{`SELECT d.fiscal_year, COUNT(DISTINCT dc.ceptor_id) FROM drills d JOIN drill_ceptors dc ON dc.drill_id = d.id
			WHERE d.status <> 'planned' GROUP BY d.fiscal_year`, func(y *ceptor.DrillYear, n int) { y.Ceptors = n }},
		{`SELECT d.fiscal_year, COUNT(DISTINCT p.org_id) FROM drills d JOIN drill_participants p ON p.drill_id = d.id
			WHERE d.status <> 'planned' GROUP BY d.fiscal_year`, func(y *ceptor.DrillYear, n int) { y.Operators = n }},
		{`SELECT d.fiscal_year, COUNT(*) FROM drills d JOIN advisory_recipients r ON r.advisory_id = d.advisory_id
			WHERE d.status <> 'planned' AND d.downward = TRUE AND d.advisory_id <> 0 GROUP BY d.fiscal_year`, func(y *ceptor.DrillYear, n int) { y.Recipients = n }},
	} {
		rows, err := d.query(ctx, d.db, q.sql)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var fy, n int
			if err := rows.Scan(&fy, &n); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			q.set(get(fy), n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	rows, err := d.query(ctx, d.db, `SELECT d.fiscal_year, a.published_at, r.confirmed_at FROM drills d
		JOIN advisories a ON a.id = d.advisory_id
		JOIN advisory_recipients r ON r.advisory_id = d.advisory_id
		WHERE d.status <> 'planned' AND d.downward = TRUE AND r.state = 'confirmed'`)
	if err != nil {
		return nil, err
	}
	mins := map[int][]float64{}
	for rows.Next() {
		var fy int
		var pub, conf sql.NullTime
		if err := rows.Scan(&fy, &pub, &conf); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		get(fy).Confirmed++
		if pub.Valid && conf.Valid {
			mins[fy] = append(mins[fy], conf.Time.Sub(pub.Time).Minutes())
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	out := make([]ceptor.DrillYear, 0, len(years))
	for _, y := range years {
		if y.Recipients > 0 {
			y.Rate = float64(y.Confirmed) / float64(y.Recipients)
		}
		y.MedianConfirmMinutes = ceptor.Median(mins[y.FiscalYear])
		out = append(out, *y)
	}
	slices.SortFunc(out, func(a, b ceptor.DrillYear) int { return a.FiscalYear - b.FiscalYear })
	return out, nil
}
