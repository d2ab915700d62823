package registryio

import (
	"io"
	"maps"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"ceptor"

	"golang.org/x/text/unicode/norm"
)

// parser turns the records of a file, fed one by one, into import rows. It
// is shared by the CSV and XLSX readers.
type parser struct {
	lk       *Lookup
	c        collector
	h        *header
	rows     []*row
	dataRows int
	stop     bool
}

// header is the parsed header row.
type header struct {
	line       int
	at         []column           // column of each position in the file; -1 when the header cell is empty or ignored
	name       [numColumns]string // header as written, for error messages
	has        [numColumns]bool   // column present in the file
	hasContact bool               // any contact column present
	present    map[string]bool    // codes of the columns present, for ImportRow.Present
	ignored    map[int]bool       // positions of unknown or duplicated columns
	raw        []string           // every header cell as written, by position
}

// row is one non-blank data row.
type row struct {
	line int
	v    [numColumns]string
}

func newParser(lk *Lookup) *parser { return &parser{lk: lk} }

// readAll reads the whole input up to MaxInputBytes. It reports false (and
// records the problem) when the input is too large or cannot be read.
func (p *parser) readAll(r io.Reader) ([]byte, bool) {
	if r == nil {
		p.c.add(RowError{Key: KeyNoRows})
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		p.c.add(RowError{Key: KeyRead})
		return nil, false
	}
	if len(b) > MaxInputBytes {
		p.c.add(RowError{Key: KeyTooLarge})
		return nil, false
	}
	return b, true
}

// more reports whether the reader should go on feeding records.
func (p *parser) more() bool { return !p.stop && !p.c.full }

func blank(cells []string) bool {
	for _, s := range cells {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// feed takes one record of the file with its 1-based line number and reports
// whether the reader should go on.
func (p *parser) feed(line int, cells []string) bool {
	if !p.more() {
		return false
	}
	if blank(cells) {
		return true
	}
	if p.h == nil {
		p.header(line, cells)
		return p.more()
	}
	p.dataRows++
	if p.dataRows > MaxDataRows {
		p.c.add(RowError{Key: KeyTooManyRows})
		p.stop = true
		return false
	}
	r := &row{line: line}
	for i, raw := range cells {
		col := column(-1)
		if i < len(p.h.at) {
			col = p.h.at[i]
		}
		if col < 0 {
			if strings.TrimSpace(raw) != "" && !p.h.ignored[i] {
				p.c.add(RowError{Line: line, Column: columnLetter(i), Key: KeyUnnamedColumn, Value: raw})
			}
			continue
		}
		// A cell that fails the check is kept: the other checks still make sense.
		p.checkCell(line, p.colName(col), raw)
		r.v[col] = cleanCell(raw)
	}
	p.rows = append(p.rows, r)
	return p.more()
}

// checkCell reports problems with a cell's size or characters.
func (p *parser) checkCell(line int, col, raw string) bool {
	if utf8.RuneCountInString(raw) > MaxCellChars {
		p.c.add(RowError{Line: line, Column: col, Key: KeyCellTooLong, Value: raw})
		return false
	}
	for _, r := range raw {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r == 0xfffe || r == 0xffff {
			p.c.add(RowError{Line: line, Column: col, Key: KeyControlChar, Value: strconv.QuoteToASCII(raw)})
			return false
		}
	}
	return true
}

// header parses the header row.
func (p *parser) header(line int, cells []string) {
	for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1] // spreadsheets often pad rows with empty cells
	}
	h := &header{line: line, at: make([]column, len(cells)), ignored: map[int]bool{}, raw: make([]string, len(cells))}
	for i, raw := range cells {
		h.at[i] = -1
		name := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		h.raw[i] = name
		if name == "" {
			continue
		}
		if !p.checkCell(line, columnLetter(i), raw) {
			h.ignored[i] = true
			continue
		}
		col, ok := headerIndex[fold(name)]
		switch {
		case !ok:
			p.c.add(RowError{Line: line, Column: name, Key: KeyUnknownColumn})
			h.ignored[i] = true
		case h.has[col]:
			p.c.add(RowError{Line: line, Column: name, Key: KeyDuplicateColumn})
			h.ignored[i] = true
		default:
			h.at[i] = col
			h.has[col] = true
			h.name[col] = name
			if col.isContact() {
				h.hasContact = true
			}
		}
	}
	h.present = make(map[string]bool, numColumns)
	for c := range columns {
		if h.has[c] {
			h.present[columns[c].code] = true
		}
	}
	p.h = h
	for _, col := range []column{colName, colType} {
		if !h.has[col] {
			p.c.add(RowError{Line: line, Column: columns[col].code, Key: KeyMissingColumn})
			p.stop = true
		}
	}
}

// colName is how a column is named in error messages: as written in the file
// when it is there, else by its code.
func (p *parser) colName(c column) string {
	if p.h != nil && p.h.name[c] != "" {
		return p.h.name[c]
	}
	return columns[c].code
}

// columnLetter returns the spreadsheet letter of the 0-based position i.
func columnLetter(i int) string {
	s := ""
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		s = string(rune('A'+(n-1)%26)) + s
	}
	return s
}

// isFormulaStart reports whether a cell beginning with b could be taken for
// a formula by a spreadsheet program.
func isFormulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// cleanCell trims a cell, turns its line breaks into "\n" and removes the
// single quote that the writers put before a value that could be taken for a
// formula (or that itself begins with a single quote).
func cleanCell(s string) string {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	if len(s) >= 2 && s[0] == '\'' && (isFormulaStart(s[1]) || s[1] == '\'') {
		s = s[1:]
	}
	return s
}

// finish groups the rows into organisations, validates them and returns the
// rows or the errors.
func (p *parser) finish() ([]*ceptor.ImportRow, []RowError) {
	if len(p.c.errs) == 0 && (p.h == nil || len(p.rows) == 0) {
		p.c.add(RowError{Key: KeyNoRows})
	}
	var out []*ceptor.ImportRow
	if p.h != nil && !p.stop && !p.c.full {
		out = p.build()
	}
	if len(p.c.errs) > 0 {
		return nil, p.sortedErrors()
	}
	return out, nil
}

// sortedErrors returns the errors in file order: by line, then by the
// column's position in the file.
func (p *parser) sortedErrors() []RowError {
	errs := p.c.errs
	n := len(errs)
	if p.c.full {
		n-- // the "too many errors" notice stays last
	}
	pos := map[string]int{}
	if p.h != nil {
		for i := range p.h.at {
			pos[columnLetter(i)] = i
		}
		for i, name := range p.h.raw {
			if _, ok := pos[name]; !ok || p.h.at[i] >= 0 {
				pos[name] = i
			}
		}
	}
	rank := func(col string) int {
		if i, ok := pos[col]; ok {
			return i
		}
		return 1 << 20
	}
	sort.SliceStable(errs[:n], func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return rank(errs[i].Column) < rank(errs[j].Column)
	})
	return errs
}

// group is the rows of one organisation.
type group struct {
	id   int64
	rows []*row
}

// build groups the rows and turns each group into an ImportRow.
func (p *parser) build() []*ceptor.ImportRow {
	var groups []*group
	byKey := map[string]*group{}
	for _, r := range p.rows {
		var key string
		var id int64
		switch {
		case r.v[colOrgID] != "":
			n, ok := parsePositive(r.v[colOrgID])
			if !ok {
				p.c.add(RowError{Line: r.line, Column: p.colName(colOrgID), Key: KeyOrgID, Value: r.v[colOrgID]})
				key = "bad\x00" + r.v[colOrgID]
			} else {
				id = n
				key = "id\x00" + strconv.FormatInt(n, 10)
			}
		case r.v[colName] != "":
			key = "name\x00" + r.v[colName]
		default:
			p.c.add(RowError{Line: r.line, Column: p.colName(colName), Key: KeyRequired})
			continue
		}
		g := byKey[key]
		if g == nil {
			g = &group{id: id}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
	}
	out := make([]*ceptor.ImportRow, 0, len(groups))
	for _, g := range groups {
		if p.c.full {
			break
		}
		out = append(out, p.buildGroup(g))
	}
	return out
}

// orgColumns are the organisation columns other than org_id.
var orgColumns = []column{colName, colNameEN, colNameKana, colType, colEntityKind, colSectors, colCeptors,
	colPrefecture, colWebsite, colDomains, colRequire2FA, colActive, colNotes}

// buildGroup turns the rows of one organisation into an ImportRow. The first
// non-empty value of each organisation column is the organisation's; a later
// row may leave the column empty or repeat the value, but not contradict it.
// A column the file lacks leaves its field at its empty value (true for Active)
// and is missing from the row's Present, so that an update keeps what is
// stored; a column that is present but empty in every row of the group
// clears the field.
func (p *parser) buildGroup(g *group) *ceptor.ImportRow {
	first := g.rows[0]
	ir := &ceptor.ImportRow{Line: first.line, ReplaceContacts: p.h.hasContact, Present: maps.Clone(p.h.present)}
	o := &ir.Org
	o.ID = g.id
	o.Active = true
	var (
		src    [numColumns]*row // row each column's value came from
		bad    [numColumns]bool // a value of the column could not be parsed
		canons [numColumns]string
	)
	for _, c := range orgColumns {
		for _, r := range g.rows {
			raw := r.v[c]
			if raw == "" {
				continue
			}
			if src[c] == nil {
				canon, ok := p.orgField(o, c, raw, r.line)
				if !ok {
					bad[c] = true
					continue
				}
				src[c], canons[c] = r, canon
				continue
			}
			var scratch ceptor.Organization
			canon, ok := p.orgField(&scratch, c, raw, r.line)
			if !ok {
				bad[c] = true
				continue
			}
			if canon != canons[c] {
				p.c.add(RowError{Line: r.line, Column: p.colName(c), Key: KeyConflict, Value: raw})
			}
		}
	}
	if src[colType] == nil && !bad[colType] {
		p.c.add(RowError{Line: first.line, Column: p.colName(colType), Key: KeyRequired})
	}
	if err := o.Validate(); err != nil {
		for field, key := range ceptor.ErrorFields(err) {
			c, ok := orgFieldColumns[field]
			if !ok {
				p.c.add(RowError{Line: first.line, Column: field, Key: key})
				continue
			}
			if bad[c] {
				continue
			}
			line, val := first.line, ""
			if src[c] != nil {
				line, val = src[c].line, src[c].v[c]
			}
			p.c.add(RowError{Line: line, Column: p.colName(c), Key: key, Value: val})
		}
	}
	if p.h.hasContact {
		ir.Contacts = p.contacts(g)
	}
	return ir
}

var orgFieldColumns = map[string]column{
	"name": colName, "name_en": colNameEN, "name_kana": colNameKana, "type": colType,
	"entity_kind": colEntityKind, "sectors": colSectors, "sector_ids": colSectors,
	"ceptors": colCeptors, "ceptor_ids": colCeptors, "prefecture": colPrefecture,
	"website": colWebsite, "domains": colDomains, "require_2fa": colRequire2FA,
	"active": colActive, "notes": colNotes,
}

var contactFieldColumns = map[string]column{
	"name": colContactName, "department": colContactDepartment, "kind": colContactKind,
	"priority": colContactPriority, "email": colContactEmail, "phone": colContactPhone,
	"webhook_url": colContactWebhookURL, "lang": colContactLang,
}

// orgField parses raw into the field of o for column c. It returns a
// canonical form of the value, used to compare rows of the same
// organisation, and false after recording a problem.
func (p *parser) orgField(o *ceptor.Organization, c column, raw string, line int) (string, bool) {
	fail := func(key, val string) (string, bool) {
		p.c.add(RowError{Line: line, Column: p.colName(c), Key: key, Value: val})
		return "", false
	}
	switch c {
	case colName:
		o.Name = raw
	case colNameEN:
		o.NameEN = raw
	case colNameKana:
		o.NameKana = raw
	case colPrefecture:
		o.Prefecture = raw
	case colWebsite:
		o.Website = raw
	case colNotes:
		o.Notes = raw
	case colType:
		t, ok := orgTypeIndex[fold(raw)]
		if !ok {
			return fail(KeyOrgType, raw)
		}
		o.Type = t
		return string(t), true
	case colEntityKind:
		k, ok := entityKindIndex[fold(raw)]
		if !ok {
			return fail(KeyEntityKind, raw)
		}
		o.EntityKind = k
		return string(k), true
	case colRequire2FA, colActive:
		b, ok := boolIndex[fold(raw)]
		if !ok {
			return fail(KeyBool, raw)
		}
		if c == colActive {
			o.Active = b
		} else {
			o.Require2FA = b
		}
		return strconv.FormatBool(b), true
	case colSectors, colCeptors:
		resolve, key := p.lk.SectorID, KeyUnknownSector
		if c == colCeptors {
			resolve, key = p.lk.CeptorID, KeyUnknownCeptor
		}
		var ids []int64
		var unknown []string
		seen := map[int64]bool{}
		for _, code := range splitList(raw) {
			id, ok := resolve(code)
			if !ok {
				unknown = append(unknown, code)
				continue
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if len(unknown) > 0 {
			return fail(key, strings.Join(unknown, ", "))
		}
		if c == colSectors {
			o.SectorIDs = ids
		} else {
			o.CeptorIDs = ids
		}
		sorted := append([]int64(nil), ids...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		parts := make([]string, len(sorted))
		for i, id := range sorted {
			parts[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(parts, ","), true
	case colDomains:
		var ds []string
		seen := map[string]bool{}
		for _, d := range splitList(raw) {
			if !seen[d] {
				seen[d] = true
				ds = append(ds, d)
			}
		}
		o.Domains = ds
		sorted := append([]string(nil), ds...)
		sort.Strings(sorted)
		return strings.Join(sorted, "\x00"), true
	}
	return raw, true
}

// contacts builds the contacts of a group: one for each row with any
// contact column filled in.
func (p *parser) contacts(g *group) []ceptor.Contact {
	var out []ceptor.Contact
	var explicit []bool
	for _, r := range g.rows {
		filled := false
		for c := colContactName; c < numColumns; c++ {
			if r.v[c] != "" {
				filled = true
				break
			}
		}
		if !filled {
			continue
		}
		ct := ceptor.Contact{
			OrgID:      g.id,
			Name:       r.v[colContactName],
			Department: r.v[colContactDepartment],
			Email:      r.v[colContactEmail],
			Phone:      r.v[colContactPhone],
			WebhookURL: r.v[colContactWebhookURL],
			Active:     true,
		}
		var bad [numColumns]bool
		if raw := r.v[colContactKind]; raw != "" {
			k, ok := contactKindIndex[fold(raw)]
			if !ok {
				p.c.add(RowError{Line: r.line, Column: p.colName(colContactKind), Key: KeyContactKind, Value: raw})
				bad[colContactKind] = true
				k = ceptor.ContactPrimary
			}
			ct.Kind = k
		}
		if raw := r.v[colContactLang]; raw != "" {
			l, ok := langIndex[fold(raw)]
			if !ok {
				l = raw // Validate reports it
			}
			ct.Lang = l
		}
		hasPriority := false
		if raw := r.v[colContactPriority]; raw != "" {
			n, ok := parsePositive(raw)
			if !ok || n > 1000000 {
				p.c.add(RowError{Line: r.line, Column: p.colName(colContactPriority), Key: KeyPriority, Value: raw})
			} else {
				ct.Priority = int(n)
				hasPriority = true
			}
		}
		if err := ct.Validate(); err != nil {
			for field, key := range ceptor.ErrorFields(err) {
				c, ok := contactFieldColumns[field]
				if !ok {
					p.c.add(RowError{Line: r.line, Column: field, Key: key})
					continue
				}
				if bad[c] {
					continue
				}
				p.c.add(RowError{Line: r.line, Column: p.colName(c), Key: key, Value: r.v[c]})
			}
		}
		out = append(out, ct)
		explicit = append(explicit, hasPriority)
	}
	// Default priority: order of appearance within the kind.
	pos := map[ceptor.ContactKind]int{}
	for i := range out {
		pos[out[i].Kind]++
		if !explicit[i] {
			out[i].Priority = pos[out[i].Kind]
		}
	}
	return out
}

// splitList splits a cell holding several codes separated by ';', ',', '、'
// (or their full-width forms, or line breaks), dropping empty items.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ';', ',', '、', '；', '，', '\n', '\r':
			return true
		}
		return false
	})
	out := parts[:0]
	for _, x := range parts {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parsePositive parses a positive decimal integer, accepting full-width
// digits.
func parsePositive(s string) (int64, bool) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
