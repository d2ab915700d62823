package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// Advisories downward (情報提供): the advisory and its versions here;
// recipients, hops and receipts in advisory_recipients.go; deliveries in
// advisory_deliveries.go.

var _ ceptor.AdvisoryService = (*DB)(nil)

// advColsTmpl lists the columns of an advisory; "@" stands for a table alias.
const advColsTmpl = `@id, @version, @status, @org_id, @author_user_id, COALESCE(@reviewer_user_id, 0), @approved_version, @title, @body,
	@category, @urgency, @tlp, @source, @source_name, @audience, @deadline, @drill, @drill_id, @note, @withdraw_reason,
	@created_at, @updated_at, @published_at, @withdrawn_at`

var advCols = advColsAs("")

func advColsAs(alias string) string { return strings.ReplaceAll(advColsTmpl, "@", alias) }

func scanAdvisory(sc interface{ Scan(...any) error }, extra ...any) (*ceptor.Advisory, error) {
	a := &ceptor.Advisory{}
	var aud string
	var approved int
	var deadline, published, withdrawn sql.NullTime
	err := sc.Scan(append([]any{&a.ID, &a.Version, &a.Status, &a.OrgID, &a.AuthorID, &a.ReviewerID, &approved, &a.Title, &a.Body,
		&a.Category, &a.Urgency, &a.TLP, &a.Source, &a.SourceName, &aud, &deadline, &a.Drill, &a.DrillID, &a.Note, &a.WithdrawReason,
		&a.CreatedAt, &a.UpdatedAt, &published, &withdrawn}, extra...)...)
	if err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(aud), &a.Audience); err != nil {
		return nil, fmt.Errorf("advisory %d audience: %w", a.ID, err)
	}
	a.Approved = approved != 0 && approved == a.Version
	a.Deadline, a.PublishedAt, a.WithdrawnAt = timePtr(deadline), timePtr(published), timePtr(withdrawn)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

func audienceJSON(a ceptor.Audience) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// CreateAdvisory stores a new draft.
func (d *DB) CreateAdvisory(ctx context.Context, a *ceptor.Advisory) error {
	if err := a.Validate(); err != nil {
		return err
	}
	now := d.stamp()
	a.Status, a.Version, a.CreatedAt, a.UpdatedAt = ceptor.AdvisoryDraft, 1, now, now
	id, err := d.insert(ctx, d.db, `INSERT INTO advisories (version, status, org_id, author_user_id, title, body, category, urgency, tlp,
		source, source_name, audience, deadline, drill, drill_id, note, created_at, updated_at)
		VALUES (1, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.OrgID, a.AuthorID, a.Title, a.Body, a.Category, a.Urgency, a.TLP, a.Source, a.SourceName, audienceJSON(a.Audience),
		nullTime(a.Deadline), a.Drill, a.DrillID, a.Note, now, now)
	a.ID = id
	return err
}

// UpdateAdvisory changes a draft (or one in review, which loses any
// approval: the reviewer approved other content).
func (d *DB) UpdateAdvisory(ctx context.Context, a *ceptor.Advisory) error {
	if err := a.Validate(); err != nil {
		return err
	}
	a.UpdatedAt = d.stamp()
	res, err := d.exec(ctx, d.db, `UPDATE advisories SET title = ?, body = ?, category = ?, urgency = ?, tlp = ?, source = ?, source_name = ?,
		audience = ?, deadline = ?, drill = ?, drill_id = ?, note = ?, approved_version = 0, reviewer_user_id = NULL, updated_at = ?
		WHERE id = ? AND status IN ('draft', 'in_review')`,
		a.Title, a.Body, a.Category, a.Urgency, a.TLP, a.Source, a.SourceName, audienceJSON(a.Audience), nullTime(a.Deadline),
		a.Drill, a.DrillID, a.Note, a.UpdatedAt, a.ID)
	if err != nil {
		return err
	}
	return oneRow(res, "advisory is no longer a draft")
}

func oneRow(res sql.Result, conflict string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return &ceptor.Error{Code: ceptor.ECONFLICT, Message: conflict, Key: "adv.err_state"}
	}
	return nil
}

// FindAdvisory returns one advisory.
func (d *DB) FindAdvisory(ctx context.Context, id int64) (*ceptor.Advisory, error) {
	return scanAdvisory(d.queryRow(d.db, ctx, "SELECT "+advCols+" FROM advisories WHERE id = ?", id))
}

// SetAdvisoryStatus moves an advisory to draft, in_review or withdrawn.
func (d *DB) SetAdvisoryStatus(ctx context.Context, id int64, st ceptor.AdvisoryStatus, reason string, at time.Time) error {
	var res sql.Result
	var err error
	switch st {
	case ceptor.AdvisoryDraft:
		res, err = d.exec(ctx, d.db, `UPDATE advisories SET status = 'draft', approved_version = 0, reviewer_user_id = NULL, updated_at = ?
			WHERE id = ? AND status = 'in_review'`, at.UTC(), id)
	case ceptor.AdvisoryInReview:
		res, err = d.exec(ctx, d.db, `UPDATE advisories SET status = 'in_review', updated_at = ? WHERE id = ? AND status = 'draft'`, at.UTC(), id)
	case ceptor.AdvisoryWithdrawn:
		reason = strings.TrimSpace(reason)
		if utf8.RuneCountInString(reason) > ceptor.MaxAdvisoryNote {
			return ceptor.Invalid(map[string]string{"reason": "err.too_long"})
		}
		res, err = d.exec(ctx, d.db, `UPDATE advisories SET status = 'withdrawn', withdraw_reason = ?, withdrawn_at = ?, updated_at = ?
			WHERE id = ? AND status = 'published'`, reason, at.UTC(), at.UTC(), id)
	default:
		return ceptor.Errorf(ceptor.EINVALID, "cannot set status %q", st)
	}
	if err != nil {
		return err
	}
	return oneRow(res, "advisory is not in a state that allows this")
}

// ApproveAdvisory records the reviewer's approval of the current version.
func (d *DB) ApproveAdvisory(ctx context.Context, id, reviewer int64) error {
	res, err := d.exec(ctx, d.db, `UPDATE advisories SET approved_version = version, reviewer_user_id = ?, updated_at = ?
		WHERE id = ? AND status = 'in_review' AND author_user_id <> ?`, reviewer, d.stamp(), id, reviewer)
	if err != nil {
		return err
	}
	return oneRow(res, "advisory is not waiting for review")
}

// AdvisoryVersions returns the published versions, newest first.
func (d *DB) AdvisoryVersions(ctx context.Context, id int64) ([]ceptor.AdvisoryVersion, error) {
	rows, err := d.query(ctx, d.db, "SELECT version, snapshot, author_user_id, created_at FROM advisory_versions WHERE advisory_id = ? ORDER BY version DESC", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ceptor.AdvisoryVersion
	for rows.Next() {
		var v ceptor.AdvisoryVersion
		var snap string
		if err := rows.Scan(&v.Version, &snap, &v.AuthorID, &v.CreatedAt); err != nil {
			return nil, translate(err)
		}
		var a ceptor.Advisory
		if err := json.Unmarshal([]byte(snap), &a); err == nil {
			v.Title, v.Body, v.Urgency, v.TLP, v.Note = a.Title, a.Body, a.Urgency, a.TLP, a.Note
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

func (d *DB) writeAdvisoryVersion(ctx context.Context, a *ceptor.Advisory, author int64, at time.Time) error {
	snap, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = d.exec(ctx, d.db, "INSERT INTO advisory_versions (advisory_id, version, snapshot, author_user_id, created_at) VALUES (?, ?, ?, ?, ?)",
		a.ID, a.Version, string(snap), author, at.UTC())
	return err
}

// ListAdvisories returns the advisories the viewer's organisation may
// find, newest first: its own, those it received or relays, and when
// published, those NISC oversees (up to TLP:AMBER) and the community
// ones (TLP:CLEAR and GREEN). The caller still asks the policy per item.
func (d *DB) ListAdvisories(ctx context.Context, f ceptor.AdvisoryFilter) ([]*ceptor.Advisory, int, error) {
	v := f.Viewer
	if v == nil {
		return nil, 0, ceptor.Errorf(ceptor.EINVALID, "no viewer")
	}
	var conds []string
	args := []any{v.OrgID, v.OrgID}
	vis := `(a.org_id = ? OR a.status IN ('published', 'withdrawn') AND (r.org_id IS NOT NULL OR h.org_id IS NOT NULL OR a.tlp IN ('clear', 'green')`
	if v.OrgType == ceptor.OrgNISC {
		vis += ` OR a.tlp = 'amber'`
	}
	vis += "))"
	conds = append(conds, vis)
	args = append(args, v.OrgID)
	if f.Issued {
		conds = append(conds, "a.org_id = ?")
		args = append(args, v.OrgID)
	}
	if f.Status != "" {
		conds = append(conds, "a.status = ?")
		args = append(args, string(f.Status))
	}
	if f.Category != "" {
		conds = append(conds, "a.category = ?")
		args = append(args, string(f.Category))
	}
	if f.Drill != nil {
		conds = append(conds, "a.drill = ?")
		args = append(args, *f.Drill)
	}
	for _, w := range strings.Fields(f.Q) {
		c, a := d.advTextMatch(w)
		conds = append(conds, c)
		args = append(args, a...)
	}
	from := ` FROM advisories a
		LEFT JOIN advisory_recipients r ON r.advisory_id = a.id AND r.org_id = ? AND r.held = FALSE
		LEFT JOIN advisory_hops h ON h.advisory_id = a.id AND h.org_id = ? AND h.received_at IS NOT NULL
		WHERE ` + strings.Join(conds, " AND ")
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := d.query(ctx, d.db, "SELECT "+advColsAs("a.")+", COALESCE(r.state, ''), h.org_id IS NOT NULL"+from+
		" ORDER BY COALESCE(a.published_at, a.created_at) DESC, a.id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*ceptor.Advisory
	for rows.Next() {
		var st string
		var hop bool
		a, err := scanAdvisory(rows, &st, &hop)
		if err != nil {
			return nil, 0, err
		}
		a.ViewerState, a.ViewerHop = ceptor.RecipientState(st), hop
		out = append(out, a)
	}
	return out, total, translate(rows.Err())
}

// advTextMatch is the condition that the advisory's text contains w (see
// textMatch for reports: FTS5 trigram on SQLite, pg_trgm on PostgreSQL).
func (d *DB) advTextMatch(w string) (string, []any) {
	pat := "%" + escapeLike(w) + "%"
	if d.dialect == Postgres {
		return `(a.title || ' ' || a.body) ILIKE ? ESCAPE '\'`, []any{pat}
	}
	if utf8.RuneCountInString(w) >= 3 {
		return "a.id IN (SELECT rowid FROM advisories_fts WHERE advisories_fts MATCH ?)", []any{`"` + strings.ReplaceAll(w, `"`, `""`) + `"`}
	}
	return `(a.title LIKE ? ESCAPE '\' OR a.body LIKE ? ESCAPE '\')`, []any{pat, pat}
}

// AdvisoryOrgSettings returns an organisation's advisory settings.
func (d *DB) AdvisoryOrgSettings(ctx context.Context, orgID int64) (ceptor.AdvisoryOrgSettings, error) {
	s := ceptor.AdvisoryOrgSettings{OrgID: orgID}
	err := d.queryRow(d.db, ctx, "SELECT four_eyes, manual_relay FROM advisory_org_settings WHERE org_id = ?", orgID).Scan(&s.FourEyes, &s.ManualRelay)
	if err == sql.ErrNoRows {
		return s, nil
	}
	return s, translate(err)
}

// SetAdvisoryOrgSettings stores an organisation's advisory settings.
func (d *DB) SetAdvisoryOrgSettings(ctx context.Context, s ceptor.AdvisoryOrgSettings) error {
	_, err := d.exec(ctx, d.db, `INSERT INTO advisory_org_settings (org_id, four_eyes, manual_relay) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET four_eyes = excluded.four_eyes, manual_relay = excluded.manual_relay`, s.OrgID, s.FourEyes, s.ManualRelay)
	return err
}

// AdvisoryCounts returns the real advisories published per fiscal year
// (drills excluded; withdrawn ones still count: they were issued).
func (d *DB) AdvisoryCounts(ctx context.Context) (map[int]int, error) {
	rows, err := d.query(ctx, d.db, "SELECT published_at FROM advisories WHERE published_at IS NOT NULL AND drill = FALSE")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, translate(err)
		}
		out[ceptor.FiscalYear(t)]++
	}
	return out, translate(rows.Err())
}

// ---- attachments ----

const advAttachmentCols = "id, advisory_id, file_name, content_type, size, sha256, created_at"

func scanAdvAttachment(sc interface{ Scan(...any) error }, extra ...any) (*ceptor.AdvisoryAttachment, error) {
	a := &ceptor.AdvisoryAttachment{}
	err := sc.Scan(append([]any{&a.ID, &a.AdvisoryID, &a.FileName, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedAt}, extra...)...)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, translate(err)
}

// AddAdvisoryAttachment stores a file with a draft advisory; size and
// SHA-256 are computed here.
func (d *DB) AddAdvisoryAttachment(ctx context.Context, a *ceptor.AdvisoryAttachment, data []byte) error {
	f := map[string]string{}
	a.FileName = strings.TrimSpace(a.FileName)
	switch {
	case a.FileName == "":
		f["file_name"] = "err.required"
	case !utf8.ValidString(a.FileName) || strings.ContainsAny(a.FileName, "\r\n\x00"):
		f["file_name"] = "err.encoding"
	case utf8.RuneCountInString(a.FileName) > 255:
		f["file_name"] = "err.too_long"
	}
	switch {
	case len(data) == 0:
		f["file"] = "err.attachment_empty"
	case len(data) > ceptor.MaxAttachmentSize:
		f["file"] = "err.attachment_too_large"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	sum := sha256.Sum256(data)
	a.Size, a.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	a.CreatedAt = d.stamp()
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var st string
		if err := d.queryRow(tx, ctx, "SELECT status FROM advisories WHERE id = ?", a.AdvisoryID).Scan(&st); err != nil {
			return translate(err)
		}
		if st != string(ceptor.AdvisoryDraft) && st != string(ceptor.AdvisoryInReview) {
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "files are added to drafts only", Key: "adv.err_state"}
		}
		id, err := d.insert(ctx, tx, "INSERT INTO advisory_attachments (advisory_id, file_name, content_type, size, sha256, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			a.AdvisoryID, a.FileName, a.ContentType, a.Size, a.SHA256, data, a.CreatedAt)
		a.ID = id
		return err
	})
}

// ListAdvisoryAttachments lists an advisory's files.
func (d *DB) ListAdvisoryAttachments(ctx context.Context, id int64) ([]*ceptor.AdvisoryAttachment, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+advAttachmentCols+" FROM advisory_attachments WHERE advisory_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ceptor.AdvisoryAttachment
	for rows.Next() {
		a, err := scanAdvAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// AdvisoryAttachmentData returns a file and its content.
func (d *DB) AdvisoryAttachmentData(ctx context.Context, id int64) (*ceptor.AdvisoryAttachment, []byte, error) {
	var data []byte
	a, err := scanAdvAttachment(d.queryRow(d.db, ctx, "SELECT "+advAttachmentCols+", data FROM advisory_attachments WHERE id = ?", id), &data)
	return a, data, err
}

// ---- batched inserts ----

// insertRows inserts rows of cols into table, many per statement; with
// returning it returns the new ids in order.
func (d *DB) insertRows(ctx context.Context, q querier, table string, cols []string, rows [][]any, returning bool) ([]int64, error) {
	per := max(1, 4000/len(cols))
	var ids []int64
	one := "(" + placeholders(len(cols)) + ")"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if !returning {
			if _, err := d.exec(ctx, q, b.String(), args...); err != nil {
				return nil, err
			}
			continue
		}
		b.WriteString(" RETURNING id")
		rs, err := d.query(ctx, q, b.String(), args...)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return nil, translate(err)
			}
			ids = append(ids, id)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, translate(err)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// queryIDs runs a query of one integer column and returns its values
// (an empty, non-nil slice when there are none).
func (d *DB) queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := d.query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// AmbientTx returns the transaction of the Atomic block ctx belongs to, or
// nil, so that callers outside this package can queue jobs in it.
func (d *DB) AmbientTx(ctx context.Context) *sql.Tx { return ambient(ctx) }
