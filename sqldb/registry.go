package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"ceptor"
)

// ---- sectors ----

const sectorCols = "id, code, name_ja, name_en, COALESCE(ministry_org_id, 0), sort_order, since, active, created_at, updated_at"

func scanSector(sc interface{ Scan(...any) error }) (*ceptor.Sector, error) {
	s := &ceptor.Sector{}
	err := sc.Scan(&s.ID, &s.Code, &s.NameJA, &s.NameEN, &s.MinistryOrgID, &s.SortOrder, &s.Since, &s.Active, &s.CreatedAt, &s.UpdatedAt)
	return s, translate(err)
}

// ListSectors returns every sector in display order.
func (d *DB) listSectors(ctx context.Context) ([]*ceptor.Sector, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+sectorCols+" FROM sectors ORDER BY sort_order, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ceptor.Sector
	for rows.Next() {
		s, err := scanSector(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// FindSector returns one sector.
func (d *DB) FindSector(ctx context.Context, id int64) (*ceptor.Sector, error) {
	return scanSector(d.queryRow(d.db, ctx, "SELECT "+sectorCols+" FROM sectors WHERE id = ?", id))
}

func validateSector(s *ceptor.Sector) error {
	f := map[string]string{}
	s.Code = strings.ToLower(strings.TrimSpace(s.Code))
	s.NameJA = strings.TrimSpace(s.NameJA)
	s.NameEN = strings.TrimSpace(s.NameEN)
	if s.Code == "" || strings.ContainsAny(s.Code, " ;,\t") {
		f["code"] = "err.code"
	}
	if s.NameJA == "" {
		f["name_ja"] = "err.required"
	}
	if s.NameEN == "" {
		f["name_en"] = "err.required"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	return nil
}

func zeroNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateSector adds a sector.
func (d *DB) CreateSector(ctx context.Context, s *ceptor.Sector) error {
	defer d.cache.invalidate()
	if err := validateSector(s); err != nil {
		return err
	}
	now := d.now().UTC()
	s.CreatedAt, s.UpdatedAt = now, now
	id, err := d.insert(ctx, d.db, `INSERT INTO sectors (code, name_ja, name_en, ministry_org_id, sort_order, since, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Code, s.NameJA, s.NameEN, zeroNull(s.MinistryOrgID), s.SortOrder, s.Since, s.Active, now, now)
	s.ID = id
	return err
}

// UpdateSector changes a sector.
func (d *DB) UpdateSector(ctx context.Context, s *ceptor.Sector) error {
	defer d.cache.invalidate()
	if err := validateSector(s); err != nil {
		return err
	}
	s.UpdatedAt = d.now().UTC()
	return d.expectOne(d.exec(ctx, d.db, `UPDATE sectors SET code = ?, name_ja = ?, name_en = ?, ministry_org_id = ?, sort_order = ?, since = ?, active = ?, updated_at = ? WHERE id = ?`,
		s.Code, s.NameJA, s.NameEN, zeroNull(s.MinistryOrgID), s.SortOrder, s.Since, s.Active, s.UpdatedAt, s.ID))
}

func (d *DB) expectOne(r sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
	}
	return nil
}

// ---- organisations ----

const orgCols = "id, name, name_en, name_kana, type, entity_kind, prefecture, website, domains, require_2fa, active, notes, created_at, updated_at"

func scanOrg(sc interface{ Scan(...any) error }) (*ceptor.Organization, error) {
	o := &ceptor.Organization{}
	var domains string
	err := sc.Scan(&o.ID, &o.Name, &o.NameEN, &o.NameKana, &o.Type, &o.EntityKind, &o.Prefecture, &o.Website, &domains,
		&o.Require2FA, &o.Active, &o.Notes, &o.CreatedAt, &o.UpdatedAt)
	o.Domains = splitList(domains)
	o.SectorIDs, o.CeptorIDs = []int64{}, []int64{}
	return o, translate(err)
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, " ")
}

// FindOrg returns an organisation with its sectors and memberships.
func (d *DB) FindOrg(ctx context.Context, id int64) (*ceptor.Organization, error) {
	o, err := scanOrg(d.queryRow(d.db, ctx, "SELECT "+orgCols+" FROM organizations WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	if err := d.loadOrgLinks(ctx, d.db, []*ceptor.Organization{o}); err != nil {
		return nil, err
	}
	return o, nil
}

// typeRank orders organisations: programme bodies first, operators after.
const typeRank = `CASE type WHEN 'nisc' THEN 0 WHEN 'ministry' THEN 1 WHEN 'secretariat' THEN 2 WHEN 'council' THEN 3
	WHEN 'security' THEN 4 WHEN 'response' THEN 5 WHEN 'supplier' THEN 6 ELSE 7 END`

// ListOrgs returns one page of the organisations matching f, and the total
// number matching. When f.Visible is set, only organisations it accepts are
// counted and returned: the policy decides, the store only filters.
func (d *DB) ListOrgs(ctx context.Context, f ceptor.OrgFilter) ([]*ceptor.Organization, int, error) {
	where, args := d.orgWhere(f)
	// First pass: the light columns of every match, ordered, for the
	// policy predicate and the total.
	rows, err := d.query(ctx, d.db, "SELECT id, type FROM organizations"+where+" ORDER BY "+typeRank+", name, id", args...)
	if err != nil {
		return nil, 0, err
	}
	var refs []*ceptor.Organization
	for rows.Next() {
		o := &ceptor.Organization{}
		if err := rows.Scan(&o.ID, &o.Type); err != nil {
			rows.Close()
			return nil, 0, translate(err)
		}
		refs = append(refs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	if f.Visible != nil {
		if err := d.loadOrgLinks(ctx, d.db, refs); err != nil {
			return nil, 0, err
		}
		kept := refs[:0]
		for _, o := range refs {
			if f.Visible(o) {
				kept = append(kept, o)
			}
		}
		refs = kept
	}
	total := len(refs)
	lo, hi := page(total, f.Offset, f.Limit)
	ids := make([]int64, 0, hi-lo)
	for _, o := range refs[lo:hi] {
		ids = append(ids, o.ID)
	}
	out, err := d.orgsByID(ctx, d.db, ids)
	return out, total, err
}

func page(total, offset, limit int) (int, int) {
	if offset < 0 {
		offset = 0
	}
	if offset > total {
		offset = total
	}
	hi := total
	if limit > 0 && offset+limit < total {
		hi = offset + limit
	}
	return offset, hi
}

// orgsByID loads full organisations in the order of ids.
func (d *DB) orgsByID(ctx context.Context, q querier, ids []int64) ([]*ceptor.Organization, error) {
	out := make([]*ceptor.Organization, 0, len(ids))
	byID := map[int64]*ceptor.Organization{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := d.query(ctx, q, "SELECT "+orgCols+" FROM organizations WHERE id IN ("+placeholders(len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			byID[o.ID] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	for _, id := range ids {
		if o, ok := byID[id]; ok {
			out = append(out, o)
		}
	}
	return out, d.loadOrgLinks(ctx, q, out)
}

func (d *DB) orgWhere(f ceptor.OrgFilter) (string, []any) {
	var conds []string
	var args []any
	if f.Type != "" {
		conds = append(conds, "type = ?")
		args = append(args, string(f.Type))
	}
	if f.SectorID != 0 {
		conds = append(conds, "id IN (SELECT org_id FROM org_sectors WHERE sector_id = ?)")
		args = append(args, f.SectorID)
	}
	if f.CeptorID != 0 {
		conds = append(conds, "id IN (SELECT org_id FROM ceptor_members WHERE ceptor_id = ?)")
		args = append(args, f.CeptorID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		pat := "%" + escapeLike(q) + "%"
		conds = append(conds, "(name "+d.like()+" ? ESCAPE '\\' OR name_en "+d.like()+" ? ESCAPE '\\' OR name_kana "+d.like()+" ? ESCAPE '\\')")
		args = append(args, pat, pat, pat)
	}
	if f.Active != nil {
		conds = append(conds, "active = ?")
		args = append(args, *f.Active)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds = append(conds, "id IN ("+placeholders(len(f.IDs))+")")
			args = append(args, int64Args(f.IDs)...)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// loadOrgLinks fills SectorIDs and CeptorIDs. For many organisations it reads
// the whole (small) link tables once rather than building huge IN lists.
func (d *DB) loadOrgLinks(ctx context.Context, q querier, orgs []*ceptor.Organization) error {
	if len(orgs) == 0 {
		return nil
	}
	byID := make(map[int64]*ceptor.Organization, len(orgs))
	ids := make([]int64, 0, len(orgs))
	for _, o := range orgs {
		o.SectorIDs, o.CeptorIDs = []int64{}, []int64{}
		byID[o.ID] = o
		ids = append(ids, o.ID)
	}
	load := func(table, col string) error {
		query := "SELECT org_id, " + col + " FROM " + table
		var args []any
		if len(ids) <= 200 {
			query += " WHERE org_id IN (" + placeholders(len(ids)) + ")"
			args = int64Args(ids)
		}
		rows, err := d.query(ctx, q, query+" ORDER BY org_id, "+col, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var oid, v int64
			if err := rows.Scan(&oid, &v); err != nil {
				return translate(err)
			}
			if o := byID[oid]; o != nil {
				if col == "sector_id" {
					o.SectorIDs = append(o.SectorIDs, v)
				} else {
					o.CeptorIDs = append(o.CeptorIDs, v)
				}
			}
		}
		return translate(rows.Err())
	}
	if err := load("org_sectors", "sector_id"); err != nil {
		return err
	}
	return load("ceptor_members", "ceptor_id")
}

// CreateOrg adds an organisation with its sectors and memberships.
func (d *DB) CreateOrg(ctx context.Context, o *ceptor.Organization) error {
	defer d.cache.invalidate()
	if err := o.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *sql.Tx) error { return d.createOrg(ctx, tx, o) })
}

func (d *DB) createOrg(ctx context.Context, tx *sql.Tx, o *ceptor.Organization) error {
	now := d.now().UTC()
	o.CreatedAt, o.UpdatedAt = now, now
	id, err := d.insert(ctx, tx, `INSERT INTO organizations (name, name_en, name_kana, type, entity_kind, prefecture, website, domains, require_2fa, active, notes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.Name, o.NameEN, o.NameKana, string(o.Type), string(o.EntityKind), o.Prefecture, o.Website, strings.Join(o.Domains, " "),
		o.Require2FA, o.Active, o.Notes, now, now)
	if err != nil {
		return err
	}
	o.ID = id
	return d.writeOrgLinks(ctx, tx, o, false)
}

func (d *DB) writeOrgLinks(ctx context.Context, tx *sql.Tx, o *ceptor.Organization, replace bool) error {
	if replace {
		if _, err := d.exec(ctx, tx, "DELETE FROM org_sectors WHERE org_id = ?", o.ID); err != nil {
			return err
		}
	}
	for _, sid := range uniq(o.SectorIDs) {
		if _, err := d.exec(ctx, tx, "INSERT INTO org_sectors (org_id, sector_id) VALUES (?, ?)", o.ID, sid); err != nil {
			return err
		}
	}
	return d.setMembers(ctx, tx, o.ID, o.CeptorIDs)
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// UpdateOrg changes an organisation, its sectors and memberships.
func (d *DB) UpdateOrg(ctx context.Context, o *ceptor.Organization) error {
	defer d.cache.invalidate()
	if err := o.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *sql.Tx) error { return d.updateOrg(ctx, tx, o) })
}

func (d *DB) updateOrg(ctx context.Context, tx *sql.Tx, o *ceptor.Organization) error {
	o.UpdatedAt = d.now().UTC()
	err := d.expectOne(d.exec(ctx, tx, `UPDATE organizations SET name = ?, name_en = ?, name_kana = ?, type = ?, entity_kind = ?, prefecture = ?, website = ?,
		domains = ?, require_2fa = ?, active = ?, notes = ?, updated_at = ? WHERE id = ?`,
		o.Name, o.NameEN, o.NameKana, string(o.Type), string(o.EntityKind), o.Prefecture, o.Website, strings.Join(o.Domains, " "),
		o.Require2FA, o.Active, o.Notes, o.UpdatedAt, o.ID))
	if err != nil {
		return err
	}
	return d.writeOrgLinks(ctx, tx, o, true)
}

// ---- CEPTORs ----

const ceptorCols = `id, code, name_ja, name_en, sector_id, COALESCE(secretariat_org_id, 0), in_council, active, created_at, updated_at,
	(SELECT COUNT(*) FROM ceptor_members m WHERE m.ceptor_id = ceptors.id)`

func scanCeptor(sc interface{ Scan(...any) error }) (*ceptor.Ceptor, error) {
	c := &ceptor.Ceptor{}
	err := sc.Scan(&c.ID, &c.Code, &c.NameJA, &c.NameEN, &c.SectorID, &c.SecretariatOrgID, &c.InCouncil, &c.Active, &c.CreatedAt, &c.UpdatedAt, &c.MemberCount)
	return c, translate(err)
}

// ListCeptors returns every CEPTOR by sector order.
func (d *DB) listCeptors(ctx context.Context) ([]*ceptor.Ceptor, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+ceptorCols+" FROM ceptors ORDER BY (SELECT sort_order FROM sectors s WHERE s.id = ceptors.sector_id), id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ceptor.Ceptor
	for rows.Next() {
		c, err := scanCeptor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// FindCeptor returns one CEPTOR.
func (d *DB) FindCeptor(ctx context.Context, id int64) (*ceptor.Ceptor, error) {
	return scanCeptor(d.queryRow(d.db, ctx, "SELECT "+ceptorCols+" FROM ceptors WHERE id = ?", id))
}

func validateCeptor(c *ceptor.Ceptor) error {
	f := map[string]string{}
	c.Code = strings.ToLower(strings.TrimSpace(c.Code))
	c.NameJA = strings.TrimSpace(c.NameJA)
	c.NameEN = strings.TrimSpace(c.NameEN)
	if c.Code == "" || strings.ContainsAny(c.Code, " ;,\t") {
		f["code"] = "err.code"
	}
	if c.NameJA == "" {
		f["name_ja"] = "err.required"
	}
	if c.NameEN == "" {
		f["name_en"] = "err.required"
	}
	if c.SectorID == 0 {
		f["sector_id"] = "err.required"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	return nil
}

// CreateCeptor adds a CEPTOR.
func (d *DB) CreateCeptor(ctx context.Context, c *ceptor.Ceptor) error {
	defer d.cache.invalidate()
	if err := validateCeptor(c); err != nil {
		return err
	}
	now := d.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	id, err := d.insert(ctx, d.db, `INSERT INTO ceptors (code, name_ja, name_en, sector_id, secretariat_org_id, in_council, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Code, c.NameJA, c.NameEN, c.SectorID, zeroNull(c.SecretariatOrgID), c.InCouncil, c.Active, now, now)
	c.ID = id
	return err
}

// UpdateCeptor changes a CEPTOR.
func (d *DB) UpdateCeptor(ctx context.Context, c *ceptor.Ceptor) error {
	defer d.cache.invalidate()
	if err := validateCeptor(c); err != nil {
		return err
	}
	c.UpdatedAt = d.now().UTC()
	return d.expectOne(d.exec(ctx, d.db, `UPDATE ceptors SET code = ?, name_ja = ?, name_en = ?, sector_id = ?, secretariat_org_id = ?, in_council = ?, active = ?, updated_at = ? WHERE id = ?`,
		c.Code, c.NameJA, c.NameEN, c.SectorID, zeroNull(c.SecretariatOrgID), c.InCouncil, c.Active, c.UpdatedAt, c.ID))
}

// SetMembers makes the organisation a member of exactly the given CEPTORs,
// keeping the join date of memberships that stay.
func (d *DB) SetMembers(ctx context.Context, orgID int64, ceptorIDs []int64) error {
	defer d.cache.invalidate()
	return d.inTx(ctx, func(tx *sql.Tx) error { return d.setMembers(ctx, tx, orgID, ceptorIDs) })
}

func (d *DB) setMembers(ctx context.Context, tx *sql.Tx, orgID int64, ceptorIDs []int64) error {
	ids := uniq(ceptorIDs)
	if len(ids) == 0 {
		_, err := d.exec(ctx, tx, "DELETE FROM ceptor_members WHERE org_id = ?", orgID)
		return err
	}
	args := append([]any{orgID}, int64Args(ids)...)
	if _, err := d.exec(ctx, tx, "DELETE FROM ceptor_members WHERE org_id = ? AND ceptor_id NOT IN ("+placeholders(len(ids))+")", args...); err != nil {
		return err
	}
	now := d.now().UTC()
	for _, cid := range ids {
		if _, err := d.exec(ctx, tx, "INSERT INTO ceptor_members (ceptor_id, org_id, joined_at) VALUES (?, ?, ?) ON CONFLICT (ceptor_id, org_id) DO NOTHING", cid, orgID, now); err != nil {
			return err
		}
	}
	return nil
}

// ---- contacts ----

const contactCols = "id, org_id, name, department, kind, priority, email, phone, webhook_url, lang, active, created_at, updated_at"

func scanContact(sc interface{ Scan(...any) error }) (*ceptor.Contact, error) {
	c := &ceptor.Contact{}
	err := sc.Scan(&c.ID, &c.OrgID, &c.Name, &c.Department, &c.Kind, &c.Priority, &c.Email, &c.Phone, &c.WebhookURL, &c.Lang, &c.Active, &c.CreatedAt, &c.UpdatedAt)
	return c, translate(err)
}

// ListContacts returns an organisation's contacts, primary first.
func (d *DB) ListContacts(ctx context.Context, orgID int64) ([]*ceptor.Contact, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+contactCols+" FROM contacts WHERE org_id = ? ORDER BY CASE kind WHEN 'primary' THEN 0 ELSE 1 END, priority, id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// ListAllContacts returns the contacts of many organisations at once, keyed
// by organisation (for exports).
func (d *DB) ListAllContacts(ctx context.Context) (map[int64][]*ceptor.Contact, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+contactCols+" FROM contacts ORDER BY org_id, CASE kind WHEN 'primary' THEN 0 ELSE 1 END, priority, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]*ceptor.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out[c.OrgID] = append(out[c.OrgID], c)
	}
	return out, translate(rows.Err())
}

// FindContact returns one contact.
func (d *DB) FindContact(ctx context.Context, id int64) (*ceptor.Contact, error) {
	return scanContact(d.queryRow(d.db, ctx, "SELECT "+contactCols+" FROM contacts WHERE id = ?", id))
}

// CreateContact adds a contact.
func (d *DB) CreateContact(ctx context.Context, c *ceptor.Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return d.createContact(ctx, d.db, c)
}

func (d *DB) createContact(ctx context.Context, q querier, c *ceptor.Contact) error {
	now := d.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	id, err := d.insert(ctx, q, `INSERT INTO contacts (org_id, name, department, kind, priority, email, phone, webhook_url, lang, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.OrgID, c.Name, c.Department, string(c.Kind), c.Priority, c.Email, c.Phone, c.WebhookURL, c.Lang, c.Active, now, now)
	c.ID = id
	return err
}

// UpdateContact changes a contact.
func (d *DB) UpdateContact(ctx context.Context, c *ceptor.Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = d.now().UTC()
	return d.expectOne(d.exec(ctx, d.db, `UPDATE contacts SET name = ?, department = ?, kind = ?, priority = ?, email = ?, phone = ?, webhook_url = ?, lang = ?, active = ?, updated_at = ? WHERE id = ?`,
		c.Name, c.Department, string(c.Kind), c.Priority, c.Email, c.Phone, c.WebhookURL, c.Lang, c.Active, c.UpdatedAt, c.ID))
}

// DeleteContact removes a contact.
func (d *DB) DeleteContact(ctx context.Context, id int64) error {
	return d.expectOne(d.exec(ctx, d.db, "DELETE FROM contacts WHERE id = ?", id))
}

// ImportOrgs creates or updates every row in one transaction: either all rows
// are stored or, on the first error, none.
func (d *DB) ImportOrgs(ctx context.Context, rows []*ceptor.ImportRow) (ceptor.ImportResult, error) {
	defer d.cache.invalidate()
	var res ceptor.ImportResult
	ids := make([]int64, len(rows))
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for i, r := range rows {
			o := r.Org
			if err := o.Validate(); err != nil {
				return lineError(r.Line, err)
			}
			if o.ID == 0 {
				if err := d.createOrg(ctx, tx, &o); err != nil {
					return lineError(r.Line, err)
				}
				res.Created++
			} else {
				var created sql.NullTime
				if err := d.queryRow(tx, ctx, "SELECT created_at FROM organizations WHERE id = ?", o.ID).Scan(&created); err != nil {
					return lineError(r.Line, translate(err))
				}
				if err := d.updateOrg(ctx, tx, &o); err != nil {
					return lineError(r.Line, err)
				}
				res.Updated++
			}
			ids[i] = o.ID
			if r.ReplaceContacts {
				if _, err := d.exec(ctx, tx, "DELETE FROM contacts WHERE org_id = ?", o.ID); err != nil {
					return err
				}
			}
			for i := range r.Contacts {
				c := r.Contacts[i]
				c.OrgID = o.ID
				if err := c.Validate(); err != nil {
					return lineError(r.Line, err)
				}
				if err := d.createContact(ctx, tx, &c); err != nil {
					return lineError(r.Line, err)
				}
				res.Contacts++
			}
		}
		return nil
	})
	if err != nil {
		return ceptor.ImportResult{}, err
	}
	for i, r := range rows {
		r.Org.ID = ids[i]
	}
	return res, nil
}

func lineError(line int, err error) error {
	e := &ceptor.Error{Code: ceptor.ErrorCode(err), Message: ceptor.ErrorMessage(err), Fields: ceptor.ErrorFields(err), Err: err}
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields["line"] = itoa(line)
	return e
}
