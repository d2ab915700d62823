package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// Survey campaigns, targets and responses (浸透状況等調査). A response keeps
// its answers as one letter per question (see ceptor.SurveyResponse), and
// its completeness flags, so that the statistics of a campaign read one row
// per respondent through the (campaign_id, status, sector_id) index.

var _ ceptor.SurveyService = (*DB)(nil)

const campaignCols = `c.id, c.title, c.fiscal_year, c.catalog_id, c.per, c.status, c.deadline, c.questions, COALESCE(c.created_by, 0), c.created_at, c.opened_at, c.closed_at, c.reminded_at,
	(SELECT COUNT(*) FROM survey_targets t WHERE t.campaign_id = c.id)`

func (d *DB) scanCampaign(ctx context.Context, s interface{ Scan(...any) error }) (*ceptor.SurveyCampaign, error) {
	c := &ceptor.SurveyCampaign{}
	var qs string
	var opened, closed, reminded sql.NullTime
	if err := s.Scan(&c.ID, &c.Title, &c.FiscalYear, &c.CatalogID, &c.Per, &c.Status, &c.Deadline, &qs, &c.CreatedBy, &c.CreatedAt, &opened, &closed, &reminded, &c.Targets); err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(qs), &c.Questions); err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.OpenedAt, c.ClosedAt, c.RemindedAt = timePtr(opened), timePtr(closed), timePtr(reminded)
	return c, nil
}

func (d *DB) campaignSectors(ctx context.Context, c *ceptor.SurveyCampaign) error {
	c.SectorIDs, c.CeptorIDs = []int64{}, []int64{}
	for _, g := range []struct {
		col string
		out *[]int64
	}{{"sector_id", &c.SectorIDs}, {"ceptor_id", &c.CeptorIDs}} {
		rows, err := d.query(ctx, d.db, "SELECT DISTINCT "+g.col+" FROM survey_targets WHERE campaign_id = ? AND "+g.col+" <> 0 ORDER BY "+g.col, c.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return translate(err)
			}
			*g.out = append(*g.out, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
	}
	return nil
}

// CreateCampaign stores a draft campaign with its questions.
func (d *DB) CreateCampaign(ctx context.Context, c *ceptor.SurveyCampaign) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(c.Questions) == 0 {
		return ceptor.Invalid(map[string]string{"catalog_id": "survey.err.no_questions"})
	}
	qs, err := json.Marshal(c.Questions)
	if err != nil {
		return err
	}
	c.Status, c.CreatedAt, c.SectorIDs, c.CeptorIDs = ceptor.SurveyDraft, d.stamp(), []int64{}, []int64{}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		c.ID, err = d.insert(ctx, tx, "INSERT INTO survey_campaigns (title, fiscal_year, catalog_id, per, status, deadline, questions, created_by, created_at) VALUES ("+placeholders(9)+")",
			c.Title, c.FiscalYear, c.CatalogID, c.Per, c.Status, c.Deadline, string(qs), zeroNull(c.CreatedBy), c.CreatedAt)
		return err
	})
}

// UpdateCampaign stores the title, deadline, status and stamps.
func (d *DB) UpdateCampaign(ctx context.Context, c *ceptor.SurveyCampaign) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := d.exec(ctx, tx, "UPDATE survey_campaigns SET title = ?, deadline = ?, status = ?, opened_at = ?, closed_at = ?, reminded_at = ? WHERE id = ?",
			c.Title, c.Deadline, c.Status, nullTime(c.OpenedAt), nullTime(c.ClosedAt), nullTime(c.RemindedAt), c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
		}
		return nil
	})
}

// draftOnly runs a statement that changes a draft campaign and tells a
// campaign that is not (ECONFLICT) from one that does not exist.
func (d *DB) draftOnly(ctx context.Context, id int64, query string, args ...any) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := d.exec(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var status string
		if err := d.queryRow(tx, ctx, "SELECT status FROM survey_campaigns WHERE id = ?", id).Scan(&status); err != nil {
			return translate(err)
		}
		return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign is " + status + ", no longer a draft", Key: "survey.err.draft_only"}
	})
}

// RenameDraftCampaign changes the title of a campaign still in draft.
func (d *DB) RenameDraftCampaign(ctx context.Context, id int64, title string) error {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return ceptor.Invalid(map[string]string{"title": "err.required"})
	case utf8.RuneCountInString(title) > 200:
		return ceptor.Invalid(map[string]string{"title": "err.too_long"})
	}
	return d.draftOnly(ctx, id, "UPDATE survey_campaigns SET title = ? WHERE id = ? AND status = 'draft'", title, id)
}

// DeleteDraftCampaign deletes a campaign still in draft; its targets go
// with it (ON DELETE CASCADE). A draft has no responses.
func (d *DB) DeleteDraftCampaign(ctx context.Context, id int64) error {
	return d.draftOnly(ctx, id, "DELETE FROM survey_campaigns WHERE id = ? AND status = 'draft'", id)
}

// FindCampaign returns a campaign with its questions and targeted sectors.
func (d *DB) FindCampaign(ctx context.Context, id int64) (*ceptor.SurveyCampaign, error) {
	c, err := d.scanCampaign(ctx, d.queryRow(d.db, ctx, "SELECT "+campaignCols+" FROM survey_campaigns c WHERE c.id = ?", id))
	if err != nil {
		return nil, err
	}
	return c, d.campaignSectors(ctx, c)
}

// ListCampaigns returns campaigns, newest first.
func (d *DB) ListCampaigns(ctx context.Context, f ceptor.SurveyFilter) ([]*ceptor.SurveyCampaign, error) {
	q, args := "SELECT "+campaignCols+" FROM survey_campaigns c WHERE 1 = 1", []any{}
	if f.Status != "" {
		q += " AND c.status = ?"
		args = append(args, f.Status)
	}
	if f.OrgID != 0 {
		q += " AND EXISTS (SELECT 1 FROM survey_targets t WHERE t.campaign_id = c.id AND t.org_id = ?)"
		args = append(args, f.OrgID)
	}
	rows, err := d.query(ctx, d.db, q+" ORDER BY c.fiscal_year DESC, c.id DESC", args...)
	if err != nil {
		return nil, err
	}
	out := []*ceptor.SurveyCampaign{}
	for rows.Next() {
		c, err := d.scanCampaign(ctx, rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for _, c := range out {
		if err := d.campaignSectors(ctx, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetCampaignTargets replaces the targets of a draft campaign.
func (d *DB) SetCampaignTargets(ctx context.Context, id int64, targets []ceptor.SurveyTarget) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := d.queryRow(tx, ctx, "SELECT status FROM survey_campaigns WHERE id = ?", id).Scan(&status); err != nil {
			return translate(err)
		}
		if status != ceptor.SurveyDraft {
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign is no longer a draft", Key: "survey.err.not_draft"}
		}
		if _, err := d.exec(ctx, tx, "DELETE FROM survey_targets WHERE campaign_id = ?", id); err != nil {
			return err
		}
		const batch = 200
		for start := 0; start < len(targets); start += batch {
			end := min(start+batch, len(targets))
			var vals []string
			var args []any
			for _, t := range targets[start:end] {
				vals = append(vals, "(?, ?, ?, ?)")
				args = append(args, id, t.OrgID, t.SectorID, t.CeptorID)
			}
			if _, err := d.exec(ctx, tx, "INSERT INTO survey_targets (campaign_id, org_id, sector_id, ceptor_id) VALUES "+strings.Join(vals, ", "), args...); err != nil {
				return err
			}
		}
		return nil
	})
}

const targetCols = `t.campaign_id, t.org_id, t.sector_id, t.ceptor_id, t.invited_at, t.reminded_at, COALESCE(r.status, 'none')`

func scanTarget(s interface{ Scan(...any) error }) (ceptor.SurveyTarget, error) {
	var t ceptor.SurveyTarget
	var inv, rem sql.NullTime
	if err := s.Scan(&t.CampaignID, &t.OrgID, &t.SectorID, &t.CeptorID, &inv, &rem, &t.Status); err != nil {
		return t, translate(err)
	}
	t.InvitedAt, t.RemindedAt = timePtr(inv), timePtr(rem)
	return t, nil
}

// CampaignTargets returns the targets with their response status.
func (d *DB) CampaignTargets(ctx context.Context, id int64) ([]ceptor.SurveyTarget, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+targetCols+` FROM survey_targets t
		LEFT JOIN survey_responses r ON r.campaign_id = t.campaign_id AND r.org_id = t.org_id
		WHERE t.campaign_id = ? ORDER BY t.sector_id, t.org_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ceptor.SurveyTarget{}
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// FindSurveyTarget returns one target; ENOTFOUND when the organisation is
// not asked.
func (d *DB) FindSurveyTarget(ctx context.Context, campaignID, orgID int64) (*ceptor.SurveyTarget, error) {
	t, err := scanTarget(d.queryRow(d.db, ctx, "SELECT "+targetCols+` FROM survey_targets t
		LEFT JOIN survey_responses r ON r.campaign_id = t.campaign_id AND r.org_id = t.org_id
		WHERE t.campaign_id = ? AND t.org_id = ?`, campaignID, orgID))
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// MarkSurveyNotified stamps invitations or reminders.
func (d *DB) MarkSurveyNotified(ctx context.Context, campaignID int64, orgIDs []int64, reminder bool, at time.Time) error {
	col := "invited_at"
	if reminder {
		col = "reminded_at"
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(orgIDs); start += 500 {
			ids := orgIDs[start:min(start+500, len(orgIDs))]
			args := append([]any{at.UTC(), campaignID}, int64Args(ids)...)
			if _, err := d.exec(ctx, tx, "UPDATE survey_targets SET "+col+" = ? WHERE campaign_id = ? AND org_id IN ("+placeholders(len(ids))+")", args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// CampaignProgress counts targets, drafts and submissions per sector and
// CEPTOR.
func (d *DB) CampaignProgress(ctx context.Context, id int64) (*ceptor.SurveyProgress, error) {
	p := &ceptor.SurveyProgress{BySector: []ceptor.SurveyProgressRow{}, ByCeptor: []ceptor.SurveyProgressRow{}}
	for _, g := range []struct {
		col string
		out *[]ceptor.SurveyProgressRow
	}{{"sector_id", &p.BySector}, {"ceptor_id", &p.ByCeptor}} {
		rows, err := d.query(ctx, d.db, `SELECT t.`+g.col+`, COUNT(*),
			SUM(CASE WHEN r.status = 'draft' THEN 1 ELSE 0 END), SUM(CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END)
			FROM survey_targets t LEFT JOIN survey_responses r ON r.campaign_id = t.campaign_id AND r.org_id = t.org_id
			WHERE t.campaign_id = ? GROUP BY t.`+g.col+` ORDER BY t.`+g.col, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var row ceptor.SurveyProgressRow
			var drafts, subs sql.NullInt64
			if err := rows.Scan(&row.ID, &row.Targets, &drafts, &subs); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			row.Drafts, row.Submitted = int(drafts.Int64), int(subs.Int64)
			*g.out = append(*g.out, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	for _, r := range p.BySector {
		p.Total.Targets += r.Targets
		p.Total.Drafts += r.Drafts
		p.Total.Submitted += r.Submitted
	}
	return p, nil
}

const responseCols = `id, campaign_id, org_id, sector_id, status, answers, csirt, exercises, executive, comments, baseline_all, leading_all, version,
	COALESCE(updated_by, 0), updated_at, COALESCE(submitted_by, 0), submitted_at`

// FindResponse returns an organisation's response to a campaign.
func (d *DB) FindResponse(ctx context.Context, campaignID, orgID int64) (*ceptor.SurveyResponse, error) {
	r := &ceptor.SurveyResponse{}
	var sub sql.NullTime
	err := d.queryRow(d.db, ctx, "SELECT "+responseCols+" FROM survey_responses WHERE campaign_id = ? AND org_id = ?", campaignID, orgID).Scan(
		&r.ID, &r.CampaignID, &r.OrgID, &r.SectorID, &r.Status, &r.Answers, &r.CSIRT, &r.Exercises, &r.Executive, &r.Comments, &r.BaselineAll, &r.LeadingAll, &r.Version,
		&r.UpdatedBy, &r.UpdatedAt, &r.SubmittedBy, &sub)
	if err != nil {
		return nil, translate(err)
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	r.SubmittedAt = timePtr(sub)
	return r, nil
}

// SaveResponse creates or updates a response; a submitted response is
// final (ECONFLICT), and a stale Version is refused (ECONFLICT).
func (d *DB) SaveResponse(ctx context.Context, r *ceptor.SurveyResponse) error {
	now := d.stamp()
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		var version int
		err := d.queryRow(tx, ctx, "SELECT id, status, version FROM survey_responses WHERE campaign_id = ? AND org_id = ?", r.CampaignID, r.OrgID).Scan(&id, &status, &version)
		if err != nil && err != sql.ErrNoRows {
			return translate(err)
		}
		if r.Status == ceptor.ResponseSubmitted && r.SubmittedAt == nil {
			r.SubmittedAt = &now
		}
		r.UpdatedAt = now
		if err == sql.ErrNoRows {
			r.Version = 1
			r.ID, err = d.insert(ctx, tx, `INSERT INTO survey_responses (campaign_id, org_id, sector_id, status, answers, csirt, exercises, executive, comments, baseline_all, leading_all, version,
				updated_by, updated_at, submitted_by, submitted_at) VALUES (`+placeholders(16)+`)`,
				r.CampaignID, r.OrgID, r.SectorID, r.Status, r.Answers, r.CSIRT, r.Exercises, r.Executive, r.Comments, r.BaselineAll, r.LeadingAll, r.Version,
				zeroNull(r.UpdatedBy), now, zeroNull(r.SubmittedBy), nullTime(r.SubmittedAt))
			return err
		}
		if status == ceptor.ResponseSubmitted {
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the response has already been submitted", Key: "survey.err.submitted"}
		}
		if r.Version != 0 && r.Version != version {
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "someone else saved the response in the meantime", Key: "survey.err.stale"}
		}
		r.ID, r.Version = id, version+1
		_, err = d.exec(ctx, tx, `UPDATE survey_responses SET sector_id = ?, status = ?, answers = ?, csirt = ?, exercises = ?, executive = ?, comments = ?, baseline_all = ?, leading_all = ?,
			version = ?, updated_by = ?, updated_at = ?, submitted_by = ?, submitted_at = ? WHERE id = ?`,
			r.SectorID, r.Status, r.Answers, r.CSIRT, r.Exercises, r.Executive, r.Comments, r.BaselineAll, r.LeadingAll,
			r.Version, zeroNull(r.UpdatedBy), now, zeroNull(r.SubmittedBy), nullTime(r.SubmittedAt), id)
		return err
	})
}

// SurveySheets returns the submitted answer sheets of a campaign.
func (d *DB) SurveySheets(ctx context.Context, campaignID int64) ([]ceptor.SurveySheet, error) {
	rows, err := d.query(ctx, d.db, `SELECT org_id, sector_id, answers, csirt, exercises, executive, baseline_all, leading_all
		FROM survey_responses WHERE campaign_id = ? AND status = 'submitted'`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ceptor.SurveySheet{}
	for rows.Next() {
		var s ceptor.SurveySheet
		var csirt, ex, exe string
		if err := rows.Scan(&s.OrgID, &s.SectorID, &s.Answers, &csirt, &ex, &exe, &s.BaselineAll, &s.LeadingAll); err != nil {
			return nil, translate(err)
		}
		s.CSIRT, s.Exercises, s.Executive = csirt == ceptor.Yes, ex == ceptor.Yes, exe == ceptor.Yes
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// SurveyTotals counts submitted responses by campaign and sector: the
// headline figures, one GROUP BY over one row per respondent.
func (d *DB) SurveyTotals(ctx context.Context, campaignIDs []int64) ([]ceptor.SurveyTotals, error) {
	out := []ceptor.SurveyTotals{}
	if len(campaignIDs) == 0 {
		return out, nil
	}
	rows, err := d.query(ctx, d.db, `SELECT campaign_id, sector_id, COUNT(*),
		SUM(CASE WHEN baseline_all THEN 1 ELSE 0 END), SUM(CASE WHEN leading_all THEN 1 ELSE 0 END),
		SUM(CASE WHEN csirt = 'yes' THEN 1 ELSE 0 END), SUM(CASE WHEN exercises = 'yes' THEN 1 ELSE 0 END), SUM(CASE WHEN executive = 'yes' THEN 1 ELSE 0 END)
		FROM survey_responses WHERE status = 'submitted' AND campaign_id IN (`+placeholders(len(campaignIDs))+`)
		GROUP BY campaign_id, sector_id ORDER BY campaign_id, sector_id`, int64Args(campaignIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t ceptor.SurveyTotals
		if err := rows.Scan(&t.CampaignID, &t.SectorID, &t.Respondents, &t.BaselineAll, &t.LeadingAll, &t.CSIRT, &t.Exercises, &t.Executive); err != nil {
			return nil, translate(err)
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}
