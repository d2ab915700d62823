package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"ceptor"
)

// Guideline catalogs and the sector standards register (SPEC §3.3).

var (
	_ ceptor.CatalogService   = (*DB)(nil)
	_ ceptor.StandardsService = (*DB)(nil)
)

// CreateCatalog stores the next version of c.Code, its items and the
// changes against the previous version, in one transaction.
func (d *DB) CreateCatalog(ctx context.Context, c *ceptor.Catalog, items []ceptor.CatalogItem) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(items) == 0 {
		return ceptor.Invalid(map[string]string{"items": "imp.no_rows"})
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var prevID sql.NullInt64
		var prevVersion sql.NullInt64
		err := d.queryRow(tx, ctx, "SELECT id, version FROM catalogs WHERE code = ? ORDER BY version DESC LIMIT 1", c.Code).Scan(&prevID, &prevVersion)
		if err != nil && err != sql.ErrNoRows {
			return translate(err)
		}
		var prev []ceptor.CatalogItem
		if prevID.Valid {
			if prev, err = d.catalogItems(ctx, tx, prevID.Int64); err != nil {
				return err
			}
		}
		// Every mapping must name an item of the previous version.
		old := map[string]bool{}
		for _, it := range prev {
			old[it.ItemID] = true
		}
		for _, it := range items {
			for _, m := range it.MapsFrom {
				if !old[m] {
					return &ceptor.Error{Code: ceptor.EINVALID, Message: "maps_from names an item the previous version does not have: " + m,
						Key: "std.err.maps_from", Fields: map[string]string{"maps_from": "std.err.maps_from"}}
				}
			}
		}
		c.Version = int(prevVersion.Int64) + 1
		c.PrevID = prevID.Int64
		c.CreatedAt = d.stamp()
		c.ItemCount, c.Baseline, c.Leading = len(items), 0, 0
		for _, it := range items {
			if it.Tier == ceptor.TierLeading {
				c.Leading++
			} else {
				c.Baseline++
			}
		}
		c.ID, err = d.insert(ctx, tx, `INSERT INTO catalogs (code, version, title, edition, published_on, prev_id, item_count, n_baseline, n_leading, source, created_by, created_at)
			VALUES (`+placeholders(12)+`)`, c.Code, c.Version, c.Title, c.Edition, c.PublishedOn, zeroNull(c.PrevID), c.ItemCount, c.Baseline, c.Leading, c.Source, zeroNull(c.CreatedBy), c.CreatedAt)
		if err != nil {
			return err
		}
		const batch = 100
		for start := 0; start < len(items); start += batch {
			end := min(start+batch, len(items))
			var args []any
			var vals []string
			for i := start; i < end; i++ {
				it := items[i]
				vals = append(vals, "("+placeholders(9)+")")
				args = append(args, c.ID, i+1, it.ItemID, it.Title, it.Description, it.Group, string(it.Tier), strings.Join(it.Sectors, " "), strings.Join(it.MapsFrom, " "))
			}
			if _, err := d.exec(ctx, tx, "INSERT INTO catalog_items (catalog_id, seq, item_id, title, description, grp, tier, sectors, maps_from) VALUES "+strings.Join(vals, ", "), args...); err != nil {
				if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
					return &ceptor.Error{Code: ceptor.EINVALID, Message: "an item id appears twice", Key: "std.err.duplicate_item", Err: err}
				}
				return err
			}
		}
		if prevID.Valid {
			for i, ch := range ceptor.DiffCatalog(prev, items) {
				if _, err := d.exec(ctx, tx, "INSERT INTO catalog_changes (catalog_id, seq, item_id, change, prev_item_ids) VALUES (?, ?, ?, ?, ?)",
					c.ID, i+1, ch.ItemID, ch.Change, strings.Join(ch.PrevItemIDs, " ")); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

const catalogCols = "id, code, version, title, edition, published_on, COALESCE(prev_id, 0), item_count, n_baseline, n_leading, source, COALESCE(created_by, 0), created_at"

func scanCatalog(s interface{ Scan(...any) error }) (*ceptor.Catalog, error) {
	c := &ceptor.Catalog{}
	err := s.Scan(&c.ID, &c.Code, &c.Version, &c.Title, &c.Edition, &c.PublishedOn, &c.PrevID, &c.ItemCount, &c.Baseline, &c.Leading, &c.Source, &c.CreatedBy, &c.CreatedAt)
	if err != nil {
		return nil, translate(err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// ListCatalogs returns every catalog version, newest first.
func (d *DB) ListCatalogs(ctx context.Context) ([]*ceptor.Catalog, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+catalogCols+" FROM catalogs ORDER BY code, version DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.Catalog{}
	for rows.Next() {
		c, err := scanCatalog(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// FindCatalog returns one catalog version.
func (d *DB) FindCatalog(ctx context.Context, id int64) (*ceptor.Catalog, error) {
	return scanCatalog(d.queryRow(d.db, ctx, "SELECT "+catalogCols+" FROM catalogs WHERE id = ?", id))
}

// LatestCatalog returns the newest version of a code.
func (d *DB) LatestCatalog(ctx context.Context, code string) (*ceptor.Catalog, error) {
	return scanCatalog(d.queryRow(d.db, ctx, "SELECT "+catalogCols+" FROM catalogs WHERE code = ? ORDER BY version DESC LIMIT 1", code))
}

// CatalogItems returns a version's items in file order.
func (d *DB) CatalogItems(ctx context.Context, id int64) ([]ceptor.CatalogItem, error) {
	if _, err := d.FindCatalog(ctx, id); err != nil {
		return nil, err
	}
	return d.catalogItems(ctx, d.db, id)
}

func (d *DB) catalogItems(ctx context.Context, q querier, id int64) ([]ceptor.CatalogItem, error) {
	rows, err := d.query(ctx, q, "SELECT item_id, title, description, grp, tier, sectors, maps_from FROM catalog_items WHERE catalog_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ceptor.CatalogItem{}
	for rows.Next() {
		var it ceptor.CatalogItem
		var tier, sectors, maps string
		if err := rows.Scan(&it.ItemID, &it.Title, &it.Description, &it.Group, &tier, &sectors, &maps); err != nil {
			return nil, translate(err)
		}
		it.Tier, it.Sectors, it.MapsFrom = ceptor.Tier(tier), splitList(sectors), splitList(maps)
		out = append(out, it)
	}
	return out, translate(rows.Err())
}

// CatalogChanges returns what a version changed against the one before.
func (d *DB) CatalogChanges(ctx context.Context, id int64) ([]ceptor.CatalogChange, error) {
	if _, err := d.FindCatalog(ctx, id); err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, d.db, "SELECT item_id, change, prev_item_ids FROM catalog_changes WHERE catalog_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ceptor.CatalogChange{}
	for rows.Next() {
		var ch ceptor.CatalogChange
		var prev string
		if err := rows.Scan(&ch.ItemID, &ch.Change, &prev); err != nil {
			return nil, translate(err)
		}
		ch.PrevItemIDs = splitList(prev)
		out = append(out, ch)
	}
	return out, translate(rows.Err())
}

// ---- standards register ----

const standardCols = "s.id, s.sector_id, s.title, s.issuer, s.version, s.issued_on, s.url, s.note, s.revisions, COALESCE(s.updated_by, 0), s.created_at, s.updated_at, " + fileJoinCols

// standardFrom joins each document with the file of its latest revision.
const standardFrom = " FROM sector_standards s LEFT JOIN standard_files f ON f.standard_id = s.id AND f.seq = s.revisions"

// fileJoinCols are the columns of a LEFT JOINed standard_files f (all NULL
// when there is no file).
const fileJoinCols = "f.seq, f.file_name, f.content_type, f.size, f.sha256, f.uploaded_by, f.created_at"

// fileScan receives fileJoinCols.
type fileScan struct {
	seq, size, by sql.NullInt64
	name, ct, sum sql.NullString
	at            sql.NullTime
}

func (f *fileScan) dest() []any {
	return []any{&f.seq, &f.name, &f.ct, &f.size, &f.sum, &f.by, &f.at}
}

func (f *fileScan) file(standardID int64) *ceptor.StandardFile {
	if !f.seq.Valid {
		return nil
	}
	return &ceptor.StandardFile{StandardID: standardID, Revision: int(f.seq.Int64), FileName: f.name.String, ContentType: f.ct.String,
		Size: f.size.Int64, SHA256: f.sum.String, UploadedBy: f.by.Int64, CreatedAt: f.at.Time.UTC()}
}

func scanStandard(s interface{ Scan(...any) error }) (*ceptor.SectorStandard, error) {
	x := &ceptor.SectorStandard{}
	var fs fileScan
	if err := s.Scan(append([]any{&x.ID, &x.SectorID, &x.Title, &x.Issuer, &x.Version, &x.IssuedOn, &x.URL, &x.Note, &x.Revisions, &x.UpdatedBy, &x.CreatedAt, &x.UpdatedAt}, fs.dest()...)...); err != nil {
		return nil, translate(err)
	}
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	x.File = fs.file(x.ID)
	return x, nil
}

// ListStandards returns the documents of a sector (0: every sector).
func (d *DB) ListStandards(ctx context.Context, sectorID int64) ([]*ceptor.SectorStandard, error) {
	q, args := "SELECT "+standardCols+standardFrom, []any{}
	if sectorID != 0 {
		q += " WHERE s.sector_id = ?"
		args = append(args, sectorID)
	}
	rows, err := d.query(ctx, d.db, q+" ORDER BY s.sector_id, s.title", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.SectorStandard{}
	for rows.Next() {
		x, err := scanStandard(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, translate(rows.Err())
}

// FindStandard returns one document.
func (d *DB) FindStandard(ctx context.Context, id int64) (*ceptor.SectorStandard, error) {
	return scanStandard(d.queryRow(d.db, ctx, "SELECT "+standardCols+standardFrom+" WHERE s.id = ?", id))
}

// CreateStandard stores a document with its first revision.
func (d *DB) CreateStandard(ctx context.Context, s *ceptor.SectorStandard) error {
	if err := s.Validate(); err != nil {
		return err
	}
	now := d.stamp()
	s.CreatedAt, s.UpdatedAt, s.Revisions = now, now, 1
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		s.ID, err = d.insert(ctx, tx, "INSERT INTO sector_standards (sector_id, title, issuer, version, issued_on, url, note, revisions, updated_by, created_at, updated_at) VALUES ("+placeholders(11)+")",
			s.SectorID, s.Title, s.Issuer, s.Version, s.IssuedOn, s.URL, s.Note, 1, zeroNull(s.UpdatedBy), now, now)
		if err != nil {
			return err
		}
		_, err = d.exec(ctx, tx, "INSERT INTO standard_revisions (standard_id, seq, version, issued_on, note, recorded_by, recorded_at) VALUES (?, 1, ?, ?, ?, ?, ?)",
			s.ID, s.Version, s.IssuedOn, s.Note, zeroNull(s.UpdatedBy), now)
		return err
	})
}

// ReviseStandard records a new revision of a document.
func (d *DB) ReviseStandard(ctx context.Context, s *ceptor.SectorStandard) error {
	if err := s.Validate(); err != nil {
		return err
	}
	now := d.stamp()
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := d.queryRow(tx, ctx, "SELECT revisions FROM sector_standards WHERE id = ?", s.ID).Scan(&n); err != nil {
			return translate(err)
		}
		s.Revisions, s.UpdatedAt = n+1, now
		if _, err := d.exec(ctx, tx, "UPDATE sector_standards SET title = ?, issuer = ?, version = ?, issued_on = ?, url = ?, note = ?, revisions = ?, updated_by = ?, updated_at = ? WHERE id = ?",
			s.Title, s.Issuer, s.Version, s.IssuedOn, s.URL, s.Note, s.Revisions, zeroNull(s.UpdatedBy), now, s.ID); err != nil {
			return err
		}
		_, err := d.exec(ctx, tx, "INSERT INTO standard_revisions (standard_id, seq, version, issued_on, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			s.ID, s.Revisions, s.Version, s.IssuedOn, s.Note, zeroNull(s.UpdatedBy), now)
		return err
	})
}

// StandardRevisions returns a document's revisions, newest first, each
// with the description of its file.
func (d *DB) StandardRevisions(ctx context.Context, id int64) ([]ceptor.StandardRevision, error) {
	rows, err := d.query(ctx, d.db, `SELECT r.standard_id, r.seq, r.version, r.issued_on, r.note, COALESCE(r.recorded_by, 0), r.recorded_at, `+fileJoinCols+`
		FROM standard_revisions r LEFT JOIN standard_files f ON f.standard_id = r.standard_id AND f.seq = r.seq
		WHERE r.standard_id = ? ORDER BY r.seq DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ceptor.StandardRevision{}
	for rows.Next() {
		var r ceptor.StandardRevision
		var fs fileScan
		if err := rows.Scan(append([]any{&r.StandardID, &r.Seq, &r.Version, &r.IssuedOn, &r.Note, &r.RecordedBy, &r.RecordedAt}, fs.dest()...)...); err != nil {
			return nil, translate(err)
		}
		r.RecordedAt = r.RecordedAt.UTC()
		r.File = fs.file(r.StandardID)
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// ---- files of the register ----

const standardFileCols = "standard_id, seq, file_name, content_type, size, sha256, COALESCE(uploaded_by, 0), created_at"

func scanStandardFile(sc interface{ Scan(...any) error }, extra ...any) (*ceptor.StandardFile, error) {
	f := &ceptor.StandardFile{}
	if err := sc.Scan(append([]any{&f.StandardID, &f.Revision, &f.FileName, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt}, extra...)...); err != nil {
		return nil, translate(err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, nil
}

// checkStandardFile validates a file before it is stored.
func checkStandardFile(f *ceptor.StandardFile, data []byte) error {
	v := map[string]string{}
	f.FileName = strings.TrimSpace(f.FileName)
	switch {
	case f.FileName == "":
		v["file"] = "err.required"
	case !utf8.ValidString(f.FileName):
		v["file"] = "err.encoding"
	case utf8.RuneCountInString(f.FileName) > 255:
		v["file"] = "err.too_long"
	}
	switch {
	case len(data) == 0:
		v["file"] = "err.attachment_empty"
	case len(data) > ceptor.MaxAttachmentSize:
		v["file"] = "err.attachment_too_large"
	}
	if len(v) > 0 {
		return ceptor.Invalid(v)
	}
	return nil
}

// SetStandardFile stores the file of a document's latest revision,
// replacing the one it had, and returns the replaced one's description.
func (d *DB) SetStandardFile(ctx context.Context, f *ceptor.StandardFile, data []byte) (*ceptor.StandardFile, error) {
	if err := checkStandardFile(f, data); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f.Size, f.SHA256, f.CreatedAt = int64(len(data)), hex.EncodeToString(sum[:]), d.stamp()
	if f.ContentType == "" {
		f.ContentType = "application/octet-stream"
	}
	var prev *ceptor.StandardFile
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.queryRow(tx, ctx, "SELECT revisions FROM sector_standards WHERE id = ?", f.StandardID).Scan(&f.Revision); err != nil {
			return translate(err)
		}
		old, err := scanStandardFile(d.queryRow(tx, ctx, "SELECT "+standardFileCols+" FROM standard_files WHERE standard_id = ? AND seq = ?", f.StandardID, f.Revision))
		switch {
		case err == nil:
			prev = old
			if _, err := d.exec(ctx, tx, "DELETE FROM standard_files WHERE standard_id = ? AND seq = ?", f.StandardID, f.Revision); err != nil {
				return err
			}
		case ceptor.ErrorCode(err) != ceptor.ENOTFOUND:
			return err
		}
		_, err = d.exec(ctx, tx, `INSERT INTO standard_files (standard_id, seq, file_name, content_type, size, sha256, data, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.StandardID, f.Revision, f.FileName, f.ContentType, f.Size, f.SHA256, data, zeroNull(f.UploadedBy), f.CreatedAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return prev, nil
}

// RemoveStandardFile deletes the file of a document's latest revision.
func (d *DB) RemoveStandardFile(ctx context.Context, standardID int64) (*ceptor.StandardFile, error) {
	var old *ceptor.StandardFile
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var seq int
		if err := d.queryRow(tx, ctx, "SELECT revisions FROM sector_standards WHERE id = ?", standardID).Scan(&seq); err != nil {
			return translate(err)
		}
		var err error
		if old, err = scanStandardFile(d.queryRow(tx, ctx, "SELECT "+standardFileCols+" FROM standard_files WHERE standard_id = ? AND seq = ?", standardID, seq)); err != nil {
			return err
		}
		_, err = d.exec(ctx, tx, "DELETE FROM standard_files WHERE standard_id = ? AND seq = ?", standardID, seq)
		return err
	})
	if err != nil {
		return nil, err
	}
	return old, nil
}

// StandardFileData returns the file of a revision (0: the latest) and its
// content.
func (d *DB) StandardFileData(ctx context.Context, standardID int64, seq int) (*ceptor.StandardFile, []byte, error) {
	var data []byte
	q := "SELECT " + standardFileCols + ", data FROM standard_files WHERE standard_id = ? AND seq = ?"
	args := []any{standardID, seq}
	if seq == 0 {
		q = "SELECT " + standardFileCols + ", data FROM standard_files WHERE standard_id = ? AND seq = (SELECT revisions FROM sector_standards WHERE id = ?)"
		args = []any{standardID, standardID}
	}
	f, err := scanStandardFile(d.queryRow(d.db, ctx, q, args...), &data)
	if err != nil {
		return nil, nil, err
	}
	return f, data, nil
}

// SetStandardsStatus creates or replaces a sector's status of a year and
// clears an earlier review.
func (d *DB) SetStandardsStatus(ctx context.Context, s *ceptor.StandardsStatus) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.EnteredAt, s.ReviewedAt, s.ReviewedBy, s.ReviewNote = d.stamp(), nil, 0, ""
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := d.exec(ctx, tx, "DELETE FROM standards_status WHERE sector_id = ? AND fiscal_year = ?", s.SectorID, s.FiscalYear); err != nil {
			return err
		}
		_, err := d.exec(ctx, tx, "INSERT INTO standards_status (sector_id, fiscal_year, status, note, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?)",
			s.SectorID, s.FiscalYear, s.Status, s.Note, zeroNull(s.EnteredBy), s.EnteredAt)
		return err
	})
}

// ReviewStandardsStatus records NISC's review of an entered status.
func (d *DB) ReviewStandardsStatus(ctx context.Context, s *ceptor.StandardsStatus) error {
	now := d.stamp()
	res, err := d.exec(ctx, d.db, "UPDATE standards_status SET reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE sector_id = ? AND fiscal_year = ?",
		zeroNull(s.ReviewedBy), now, strings.TrimSpace(s.ReviewNote), s.SectorID, s.FiscalYear)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
	}
	s.ReviewedAt = &now
	return nil
}

// ListStandardsStatus returns every sector's status of a year.
func (d *DB) ListStandardsStatus(ctx context.Context, fy int) ([]*ceptor.StandardsStatus, error) {
	rows, err := d.query(ctx, d.db, `SELECT sector_id, fiscal_year, status, note, COALESCE(entered_by, 0), entered_at, COALESCE(reviewed_by, 0), reviewed_at, review_note
		FROM standards_status WHERE fiscal_year = ? ORDER BY sector_id`, fy)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.StandardsStatus{}
	for rows.Next() {
		s := &ceptor.StandardsStatus{}
		var rev sql.NullTime
		if err := rows.Scan(&s.SectorID, &s.FiscalYear, &s.Status, &s.Note, &s.EnteredBy, &s.EnteredAt, &s.ReviewedBy, &rev, &s.ReviewNote); err != nil {
			return nil, translate(err)
		}
		s.EnteredAt = s.EnteredAt.UTC()
		s.ReviewedAt = timePtr(rev)
		out = append(out, s)
	}
	return out, translate(rows.Err())
}
