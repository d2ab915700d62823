package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
	"ceptor/registryio"
)

// Import and export of the registry, shared by the UI and the API.

// maxImportBytes is the largest file accepted for import.
const maxImportBytes = registryio.MaxInputBytes

// importProblem is one reason an import was refused, in the caller's
// language.
type importProblem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// importReport is the outcome of an import or of its dry run.
type importReport struct {
	DryRun   bool `json:"dry_run"`
	Created  int  `json:"created"`
	Updated  int  `json:"updated"`
	Contacts int  `json:"contacts"`
	// Problems is set when the file was refused; nothing was imported.
	Problems []importProblem `json:"-"`
}

// importRefused is the error of an import with row problems.
func importRefused() error {
	return &ceptor.Error{Code: ceptor.EINVALID, Message: "the file has errors; nothing was imported", Key: "registry.imp.refused"}
}

// isXLSX tells an Excel workbook (a zip container, or the OLE container of
// old and encrypted workbooks, which the reader reports clearly) from text.
func isXLSX(data []byte, name string) bool {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return true
	}
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".xlsx") || strings.HasSuffix(n, ".xls")
}

// rowProblem renders a problem of registryio without its position prefix:
// the line and column have their own fields.
func rowProblem(lang string, e registryio.RowError) importProblem {
	bare := e
	bare.Line, bare.Column = 0, ""
	return importProblem{Line: e.Line, Column: e.Column, Message: bare.Message(lang)}
}

// importColumn maps field names of the domain to the file's column codes.
var importColumn = map[string]string{
	"name": "name", "name_en": "name_en", "name_kana": "name_kana", "type": "type", "entity_kind": "entity_kind",
	"sector_ids": "sectors", "ceptor_ids": "ceptors", "prefecture": "prefecture", "website": "website",
	"domains": "domains", "notes": "notes", "org_id": "org_id",
	"email": "contact_email", "phone": "contact_phone", "webhook_url": "contact_webhook_url", "lang": "contact_lang",
	"kind": "contact_kind", "priority": "contact_priority", "department": "contact_department",
}

func regFieldProblems(lang string, line int, fields map[string]string) []importProblem {
	var out []importProblem
	for _, k := range regSortedKeys(fields) {
		if k == "line" {
			continue
		}
		col := importColumn[k]
		if col == "" {
			col = k
		}
		msg := fields[k]
		if i18n.Has(msg) {
			msg = i18n.T(lang, msg)
		}
		out = append(out, importProblem{Line: line, Column: col, Message: msg})
	}
	return out
}

// opImport reads a CSV or XLSX file and, when every row is valid and allowed,
// imports it in one transaction (or only reports what it would do when
// dryRun). Each row is checked against the policy as if it were entered by
// hand: a ministry may create and update only operators and providers of the
// sectors it oversees (and the descriptive fields of its own organisation),
// and replace only contacts it may keep. A row with org_id changes only the
// fields whose columns the file has; contacts are replaced only when the file
// has contact columns.
func (s *Server) opImport(r *http.Request, st *reqState, data []byte, name string, dryRun bool) (*importReport, error) {
	ctx := r.Context()
	a := st.actor
	if err := regAuthorize(st, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindRegistry}); err != nil {
		return nil, err
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	lang := st.lang
	rep := &importReport{DryRun: dryRun}
	var rows []*ceptor.ImportRow
	var rerrs []registryio.RowError
	if isXLSX(data, name) {
		rows, rerrs = registryio.ReadXLSX(bytes.NewReader(data), rf.lookup())
	} else {
		rows, rerrs = registryio.ReadCSV(bytes.NewReader(data), rf.lookup())
	}
	for _, e := range rerrs {
		rep.Problems = append(rep.Problems, rowProblem(lang, e))
	}
	if len(rep.Problems) > 0 {
		return rep, importRefused()
	}
	rep.Problems, err = s.checkImportRows(ctx, a, rf, lang, rows)
	if err != nil {
		return nil, err
	}
	if len(rep.Problems) > 0 {
		return rep, importRefused()
	}
	for _, row := range rows {
		if row.Org.ID == 0 {
			rep.Created++
		} else {
			rep.Updated++
		}
		rep.Contacts += len(row.Contacts)
	}
	if dryRun {
		return rep, nil
	}
	res, err := s.store.ImportOrgs(ctx, rows)
	if err != nil {
		f := ceptor.ErrorFields(err)
		line, _ := strconv.Atoi(f["line"])
		if line == 0 {
			return nil, err
		}
		probs := regFieldProblems(lang, line, f)
		if len(probs) == 0 {
			probs = []importProblem{{Line: line, Message: i18n.T(lang, messageKey(err))}}
		}
		rep.Problems = probs
		return rep, importRefused()
	}
	rep.Created, rep.Updated, rep.Contacts = res.Created, res.Updated, res.Contacts
	s.audit(r, "registry.import", ceptor.KindRegistry, nil, 0, map[string]any{
		"file": name, "created": res.Created, "updated": res.Updated, "contacts": res.Contacts})
	return rep, nil
}

// checkImportRows applies the policy and the registry's own checks to every
// row, collecting every problem so that the file can be fixed in one go.
func (s *Server) checkImportRows(ctx context.Context, a *ceptor.Actor, rf *registryRefs, lang string, rows []*ceptor.ImportRow) ([]importProblem, error) {
	var probs []importProblem
	// Every organisation name, for duplicates (the store would refuse them
	// only at the end, one at a time).
	all, _, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{})
	if err != nil {
		return nil, err
	}
	byName := make(map[string]int64, len(all))
	byID := make(map[int64]*ceptor.Organization, len(all))
	for _, o := range all {
		byName[o.Name] = o.ID
		byID[o.ID] = o
	}
	inFile := map[string]bool{}
	refuse := func(line int, col, key string) {
		probs = append(probs, importProblem{Line: line, Column: col, Message: i18n.T(lang, key)})
	}
	for _, row := range rows {
		// An update starts from the stored organisation: only the columns
		// the file has change it, so that a partial file loses nothing. A
		// hidden organisation is not merged (nor named in the problems).
		var old *ceptor.Organization
		if row.Org.ID != 0 {
			old = byID[row.Org.ID]
			if old != nil && !ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindOrg, old)) {
				old = nil
			}
			if old != nil {
				row.Org = mergeImportOrg(old, row)
			}
		}
		o := &row.Org
		if o.SectorIDs == nil {
			o.SectorIDs = []int64{}
		}
		if o.CeptorIDs == nil {
			o.CeptorIDs = []int64{}
		}
		probs = append(probs, regFieldProblems(lang, row.Line, rf.checkOrgRefs(o))...)
		if inFile[o.Name] {
			refuse(row.Line, "name", "registry.imp.duplicate_in_file")
		}
		inFile[o.Name] = true
		if o.ID == 0 {
			if _, taken := byName[o.Name]; taken {
				refuse(row.Line, "name", "err.duplicate")
			}
			if !ceptor.Allow(a, ceptor.ActCreate, ceptor.OrgResource(ceptor.KindOrg, o)) {
				refuse(row.Line, "", "registry.imp.forbidden_create")
				continue
			}
		} else {
			if old == nil {
				refuse(row.Line, "org_id", "registry.imp.unknown_org")
				continue
			}
			if id, taken := byName[o.Name]; taken && id != o.ID {
				refuse(row.Line, "name", "err.duplicate")
			}
			// As on the edit form: the profile right (an organisation's own
			// administrator) is enough while type, sectors, memberships and
			// the other restricted fields stay as stored; changing them needs
			// the full right over the organisation as it is and as it would
			// become.
			full, profile := orgEditRights(a, old)
			_, restricted := changedFields(old, o)
			if !profile || restricted && (!full || !ceptor.Allow(a, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindOrg, o))) {
				refuse(row.Line, "", "registry.imp.forbidden_update")
				continue
			}
			if !o.Active && o.ID == a.OrgID {
				refuse(row.Line, "active", "registry.err.own_org")
			}
		}
		if row.ReplaceContacts || len(row.Contacts) > 0 {
			if !ceptor.Allow(a, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindContact, o)) {
				refuse(row.Line, "contact_name", "registry.imp.forbidden_contacts")
			}
		}
	}
	return probs, nil
}

// importHas reports whether the file of row has the column with the given
// code; a row without Present has every column.
func importHas(row *ceptor.ImportRow, code string) bool {
	return row.Present == nil || row.Present[code]
}

// mergeImportOrg returns the stored organisation old with the fields of the
// imported row whose columns the file has; the others keep their stored
// values. An empty cell in a present column clears the field (the reader
// gives it the column's empty value: no sectors, require_2fa false, active
// true ...).
func mergeImportOrg(old *ceptor.Organization, row *ceptor.ImportRow) ceptor.Organization {
	m := *cloneOrg(old)
	in := &row.Org
	set := func(code string, apply func()) {
		if importHas(row, code) {
			apply()
		}
	}
	set("name", func() { m.Name = in.Name })
	set("name_en", func() { m.NameEN = in.NameEN })
	set("name_kana", func() { m.NameKana = in.NameKana })
	set("type", func() { m.Type = in.Type })
	set("entity_kind", func() { m.EntityKind = in.EntityKind })
	set("sectors", func() { m.SectorIDs = slices.Clone(in.SectorIDs) })
	set("ceptors", func() { m.CeptorIDs = slices.Clone(in.CeptorIDs) })
	set("prefecture", func() { m.Prefecture = in.Prefecture })
	set("website", func() { m.Website = in.Website })
	set("domains", func() { m.Domains = slices.Clone(in.Domains) })
	set("require_2fa", func() { m.Require2FA = in.Require2FA })
	set("active", func() { m.Active = in.Active })
	set("notes", func() { m.Notes = in.Notes })
	if m.SectorIDs == nil {
		m.SectorIDs = []int64{}
	}
	if m.CeptorIDs == nil {
		m.CeptorIDs = []int64{}
	}
	if m.Domains == nil {
		m.Domains = []string{}
	}
	return m
}

// exportRows gathers what an export holds: the organisations of the filter
// that the actor may see, each with its contacts only when the actor may see
// those.
func (s *Server) exportRows(ctx context.Context, a *ceptor.Actor, f ceptor.OrgFilter) ([]registryio.OrgExport, int, error) {
	f.Visible = s.visibleOrg(a)
	f.Limit, f.Offset = 0, 0
	orgs, _, err := s.store.ListOrgs(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	contacts, err := s.store.ListAllContacts(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]registryio.OrgExport, 0, len(orgs))
	n := 0
	for _, o := range orgs {
		x := registryio.OrgExport{Org: o}
		if ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindContact, o)) {
			x.Contacts = contacts[o.ID]
			n += len(x.Contacts)
		}
		out = append(out, x)
	}
	return out, n, nil
}

// opExport writes the registry as CSV or XLSX to w as a download. The file
// is built in memory first so that a failure becomes a clean error rather
// than half a file. Exports are sensitive reads and are audited.
func (s *Server) opExport(w http.ResponseWriter, r *http.Request, st *reqState, format string) error {
	ctx := r.Context()
	if format != "csv" && format != "xlsx" {
		return ceptor.Invalid(map[string]string{"format": "registry.err.format"})
	}
	if err := regAuthorize(st, ceptor.ActExport, ceptor.Resource{Kind: ceptor.KindRegistry}); err != nil {
		return err
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return err
	}
	f, oq, err := parseOrgFilter(r.URL.Query(), rf)
	if err != nil {
		return err
	}
	rows, contacts, err := s.exportRows(ctx, st.actor, f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if format == "csv" {
		err = registryio.WriteCSV(&buf, rows, rf.lookup())
	} else {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = registryio.WriteXLSX(&buf, rows, rf.lookup(), st.lang)
	}
	if err != nil {
		return fmt.Errorf("export registry: %w", err)
	}
	filter := map[string]string{}
	for k, v := range oq.values() {
		filter[k] = v[0]
	}
	s.audit(r, "registry.export", ceptor.KindRegistry, nil, 0, map[string]any{
		"format": format, "organizations": len(rows), "contacts": contacts, "filter": filter})
	name := "ceptor-registry-" + s.now().In(jst).Format("20060102") + "." + format
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
	return nil
}

// opTemplate writes the empty import workbook.
func (s *Server) opTemplate(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if err := regAuthorize(st, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindRegistry}); err != nil {
		return err
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := registryio.TemplateXLSX(&buf, rf.lookup()); err != nil {
		return fmt.Errorf("import template: %w", err)
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="ceptor-registry-template.xlsx"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
	return nil
}

func regSortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
