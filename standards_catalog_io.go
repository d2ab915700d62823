package ceptor

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reading and writing catalogs as tables (CSV; the web layer feeds XLSX rows
// through the same TableReader) and as NIST OSCAL catalog JSON. Every reader
// returns either the items or every problem found (up to ImportMaxErrors),
// never both, so that an import is all or nothing.

// ImportError is one problem of an imported file: Line is the 1-based row
// (the header is row 1; 0 for the whole file), Column the column's header
// as written (or a JSON path for OSCAL), Key a message key and Value the
// offending value, shortened.
type ImportError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
}

func (e ImportError) Error() string {
	return fmt.Sprintf("line %d %s: %s %q", e.Line, e.Column, e.Key, e.Value)
}

// Import limits.
const (
	ImportMaxErrors = 100
	ImportMaxBytes  = 64 << 20
	importCellMax   = 10000
)

// ImportErrors collects problems up to ImportMaxErrors.
type ImportErrors struct {
	List []ImportError
	Full bool
}

// Add records e unless the list is full.
func (c *ImportErrors) Add(e ImportError) {
	if c.Full {
		return
	}
	if r := []rune(e.Value); len(r) > 60 {
		e.Value = string(r[:60]) + "…"
	}
	if len(c.List) == ImportMaxErrors-1 {
		c.List = append(c.List, ImportError{Line: e.Line, Key: "imp.too_many_errors"})
		c.Full = true
		return
	}
	c.List = append(c.List, e)
}

// Catalog table columns, by code; headers are matched case-insensitively
// against the code or the Japanese label.
var catalogColumns = []struct{ Code, JA string }{
	{"id", "項目ID"}, {"title", "対策項目"}, {"description", "説明"}, {"group", "分類"},
	{"tier", "区分"}, {"sectors", "対象分野"}, {"maps_from", "旧版の項目ID"},
}

// CatalogHeader returns the header row of catalog tables in lang.
func CatalogHeader(lang string) []string {
	out := make([]string, len(catalogColumns))
	for i, c := range catalogColumns {
		out[i] = c.Code
		if lang == "ja" {
			out[i] = c.JA
		}
	}
	return out
}

// CatalogRow returns the cells of an item in the order of CatalogHeader.
func CatalogRow(it *CatalogItem, lang string) []string {
	tier := string(it.Tier)
	if lang == "ja" {
		tier = TierLabelJA(it.Tier)
	}
	return []string{it.ItemID, it.Title, it.Description, it.Group, tier, strings.Join(it.Sectors, " "), strings.Join(it.MapsFrom, " ")}
}

// TierLabelJA is the Japanese name of a tier.
func TierLabelJA(t Tier) string {
	if t == TierLeading {
		return "先導的"
	}
	return "ベースライン"
}

func parseTier(s string) (Tier, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "baseline", "ベースライン", "ベースラインとなる対策", "b":
		return TierBaseline, true
	case "leading", "先導的", "先導的な対策", "l":
		return TierLeading, true
	}
	return "", false
}

// splitCodes splits a list cell on spaces, commas and Japanese separators.
func splitCodes(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == '、' || r == '，' || r == ';' || r == '\n' || r == '\t' || r == '　'
	})
	if f == nil {
		return []string{}
	}
	return f
}

// TableReader turns rows of cells (CSV records or worksheet rows) into
// catalog items. Feed the header first.
type TableReader struct {
	Known  func(sector string) bool
	Errs   ImportErrors
	cols   []int // column position -> catalogColumns index, -1 unknown
	header []string
	items  []CatalogItem
	ids    map[string]int // item id -> line
	gotHdr bool
}

// Feed takes one row at 1-based line; it returns false once reading should stop.
func (t *TableReader) Feed(line int, cells []string) bool {
	if t.Errs.Full {
		return false
	}
	blank := true
	for i, c := range cells {
		if utf8.RuneCountInString(c) > importCellMax {
			t.Errs.Add(ImportError{Line: line, Column: t.colName(i), Key: "imp.cell_too_long"})
			return true
		}
		if strings.TrimSpace(c) != "" {
			blank = false
		}
	}
	if !t.gotHdr {
		if blank {
			return true
		}
		t.readHeader(line, cells)
		t.gotHdr = true
		return !t.Errs.Full && len(t.Errs.List) == 0
	}
	if blank {
		return true
	}
	if len(t.items) >= CatalogMaxItems {
		t.Errs.Add(ImportError{Line: line, Key: "imp.too_many_rows"})
		return false
	}
	var it CatalogItem
	var tierRaw, sectorsRaw, mapsRaw string
	for i, c := range cells {
		if i >= len(t.cols) || t.cols[i] < 0 {
			continue
		}
		c = strings.TrimSpace(c)
		switch catalogColumns[t.cols[i]].Code {
		case "id":
			it.ItemID = c
		case "title":
			it.Title = c
		case "description":
			it.Description = c
		case "group":
			it.Group = c
		case "tier":
			tierRaw = c
		case "sectors":
			sectorsRaw = c
		case "maps_from":
			mapsRaw = c
		}
	}
	if tr, ok := parseTier(tierRaw); ok {
		it.Tier = tr
	}
	it.Sectors = splitCodes(strings.ToLower(sectorsRaw))
	it.MapsFrom = splitCodes(mapsRaw)
	raw := map[string]string{"id": it.ItemID, "title": it.Title, "description": it.Description, "group": it.Group,
		"tier": tierRaw, "sectors": sectorsRaw, "maps_from": mapsRaw}
	f := ValidateItem(&it, t.Known)
	for _, c := range catalogColumns {
		if k, bad := f[c.Code]; bad {
			t.Errs.Add(ImportError{Line: line, Column: t.headerOf(c.Code), Key: k, Value: raw[c.Code]})
		}
	}
	if len(f) == 0 {
		if first, dup := t.ids[it.ItemID]; dup {
			t.Errs.Add(ImportError{Line: line, Column: t.headerOf("id"), Key: "std.err.duplicate_item", Value: it.ItemID + " (" + strconv.Itoa(first) + ")"})
		} else {
			t.ids[it.ItemID] = line
		}
	}
	t.items = append(t.items, it)
	return !t.Errs.Full
}

func (t *TableReader) readHeader(line int, cells []string) {
	t.ids = map[string]int{}
	t.header = make([]string, len(cells))
	t.cols = make([]int, len(cells))
	seen := map[int]bool{}
	for i, c := range cells {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		t.header[i] = c
		t.cols[i] = -1
		if c == "" {
			continue
		}
		for k, col := range catalogColumns {
			if strings.EqualFold(c, col.Code) || c == col.JA {
				t.cols[i] = k
			}
		}
		if t.cols[i] < 0 {
			t.Errs.Add(ImportError{Line: line, Column: c, Key: "imp.unknown_column", Value: c})
			continue
		}
		if seen[t.cols[i]] {
			t.Errs.Add(ImportError{Line: line, Column: c, Key: "imp.duplicate_column", Value: c})
		}
		seen[t.cols[i]] = true
	}
	for k, col := range catalogColumns {
		if !seen[k] && (col.Code == "id" || col.Code == "title" || col.Code == "group" || col.Code == "tier") {
			t.Errs.Add(ImportError{Line: line, Column: col.Code, Key: "imp.missing_column"})
		}
	}
}

func (t *TableReader) colName(i int) string {
	if i < len(t.header) && t.header[i] != "" {
		return t.header[i]
	}
	return columnLetter(i)
}

func (t *TableReader) headerOf(code string) string {
	for i, k := range t.cols {
		if k >= 0 && catalogColumns[k].Code == code {
			return t.header[i]
		}
	}
	return code
}

// columnLetter is the spreadsheet name of the 0-based column i.
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// Finish returns the items, or the problems.
func (t *TableReader) Finish() ([]CatalogItem, []ImportError) {
	if !t.gotHdr && len(t.Errs.List) == 0 {
		t.Errs.Add(ImportError{Key: "imp.no_rows"})
	}
	if len(t.Errs.List) == 0 && len(t.items) == 0 {
		t.Errs.Add(ImportError{Key: "imp.no_rows"})
	}
	if len(t.Errs.List) > 0 {
		return nil, t.Errs.List
	}
	return t.items, nil
}

// ReadCatalogCSV reads catalog items from CSV (UTF-8, with or without a
// byte order mark).
func ReadCatalogCSV(r io.Reader, known func(string) bool) ([]CatalogItem, []ImportError) {
	t := &TableReader{Known: known}
	data, err := io.ReadAll(io.LimitReader(r, ImportMaxBytes+1))
	if err != nil {
		return nil, []ImportError{{Key: "imp.read"}}
	}
	if len(data) > ImportMaxBytes {
		return nil, []ImportError{{Key: "imp.too_large"}}
	}
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if !utf8.Valid(data) {
		return nil, []ImportError{{Key: "imp.encoding"}}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			t.Errs.Add(ImportError{Line: line, Key: "imp.csv_syntax"})
			break
		}
		line, _ := cr.FieldPos(0)
		if !t.Feed(line, rec) {
			break
		}
	}
	return t.Finish()
}

// WriteCatalogCSV writes items as UTF-8 CSV with a byte order mark (so that
// Excel reads the Japanese correctly) and the header in lang. Cells that a
// spreadsheet would run as a formula are prefixed with an apostrophe.
func WriteCatalogCSV(w io.Writer, items []CatalogItem, lang string) error {
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(CatalogHeader(lang)); err != nil {
		return err
	}
	for i := range items {
		row := CatalogRow(&items[i], lang)
		for j, c := range row {
			row[j] = SafeCell(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell defuses a cell that a spreadsheet would evaluate as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ---- NIST OSCAL catalog JSON ----

// oscalNS marks the properties ceptor adds to OSCAL controls.
const oscalNS = "https://ceptor.example/ns/oscal"

type oscalDoc struct {
	Catalog *oscalCatalog `json:"catalog"`
}

type oscalCatalog struct {
	UUID     string        `json:"uuid"`
	Metadata oscalMetadata `json:"metadata"`
	Groups   []oscalGroup  `json:"groups,omitempty"`
	Controls []oscalCtl    `json:"controls,omitempty"`
}

type oscalMetadata struct {
	Title        string `json:"title"`
	LastModified string `json:"last-modified"`
	Version      string `json:"version"`
	OSCALVersion string `json:"oscal-version"`
	Published    string `json:"published,omitempty"`
}

type oscalGroup struct {
	ID       string       `json:"id,omitempty"`
	Class    string       `json:"class,omitempty"`
	Title    string       `json:"title"`
	Groups   []oscalGroup `json:"groups,omitempty"`
	Controls []oscalCtl   `json:"controls,omitempty"`
}

type oscalCtl struct {
	ID       string      `json:"id"`
	Class    string      `json:"class,omitempty"`
	Title    string      `json:"title"`
	Props    []oscalProp `json:"props,omitempty"`
	Parts    []oscalPart `json:"parts,omitempty"`
	Controls []oscalCtl  `json:"controls,omitempty"`
}

type oscalProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
}

type oscalPart struct {
	ID    string      `json:"id,omitempty"`
	Name  string      `json:"name"`
	Prose string      `json:"prose,omitempty"`
	Parts []oscalPart `json:"parts,omitempty"`
}

// CatalogMeta is what an OSCAL document says about the catalog itself.
type CatalogMeta struct {
	Title, Version, Published string
}

// ReadCatalogOSCAL reads an OSCAL catalog: every control (nested controls
// too) becomes an item whose group is the title of its outermost group.
// The tier comes from a "tier" property (or the control's class), sectors
// and previous ids from "sectors" and "maps-from" properties, the
// description from the "statement" part's prose. Errors carry the JSON
// path of the control in Column.
func ReadCatalogOSCAL(r io.Reader, known func(string) bool) (CatalogMeta, []CatalogItem, []ImportError) {
	var errs ImportErrors
	data, err := io.ReadAll(io.LimitReader(r, ImportMaxBytes+1))
	if err != nil {
		return CatalogMeta{}, nil, []ImportError{{Key: "imp.read"}}
	}
	if len(data) > ImportMaxBytes {
		return CatalogMeta{}, nil, []ImportError{{Key: "imp.too_large"}}
	}
	var doc oscalDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		e := ImportError{Key: "std.err.oscal_json"}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			e.Line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			e.Column = te.Field
		}
		return CatalogMeta{}, nil, []ImportError{e}
	}
	if doc.Catalog == nil {
		return CatalogMeta{}, nil, []ImportError{{Column: "catalog", Key: "std.err.oscal_catalog"}}
	}
	meta := CatalogMeta{Title: strings.TrimSpace(doc.Catalog.Metadata.Title), Version: doc.Catalog.Metadata.Version, Published: doc.Catalog.Metadata.Published}
	var items []CatalogItem
	ids := map[string]bool{}
	var walk func(path, group string, ctls []oscalCtl)
	walk = func(path, group string, ctls []oscalCtl) {
		for i, c := range ctls {
			if errs.Full {
				return
			}
			p := fmt.Sprintf("%s.controls[%d]", path, i)
			if len(items) >= CatalogMaxItems {
				errs.Add(ImportError{Column: p, Key: "imp.too_many_rows"})
				return
			}
			it := CatalogItem{ItemID: c.ID, Title: c.Title, Group: group}
			tierRaw := c.Class
			for _, pr := range c.Props {
				switch pr.Name {
				case "tier":
					tierRaw = pr.Value
				case "sectors":
					it.Sectors = splitCodes(strings.ToLower(pr.Value))
				case "maps-from":
					it.MapsFrom = splitCodes(pr.Value)
				}
			}
			if t, ok := parseTier(tierRaw); ok {
				it.Tier = t
			}
			for _, part := range c.Parts {
				if part.Name == "statement" {
					it.Description = strings.TrimSpace(part.Prose)
				}
			}
			f := ValidateItem(&it, known)
			for _, field := range []string{"id", "title", "description", "group", "tier", "sectors", "maps_from"} {
				if k, bad := f[field]; bad {
					v := map[string]string{"id": c.ID, "title": c.Title, "group": group, "tier": tierRaw}[field]
					errs.Add(ImportError{Column: p + "." + field, Key: k, Value: v})
				}
			}
			if len(f) == 0 {
				if ids[it.ItemID] {
					errs.Add(ImportError{Column: p + ".id", Key: "std.err.duplicate_item", Value: it.ItemID})
				}
				ids[it.ItemID] = true
			}
			items = append(items, it)
			walk(p, group, c.Controls)
		}
	}
	var walkGroups func(path, outer string, gs []oscalGroup)
	walkGroups = func(path, outer string, gs []oscalGroup) {
		for i, g := range gs {
			p := fmt.Sprintf("%s.groups[%d]", path, i)
			name := outer
			if name == "" {
				name = strings.TrimSpace(g.Title)
			}
			walk(p, name, g.Controls)
			walkGroups(p, name, g.Groups)
		}
	}
	walkGroups("catalog", "", doc.Catalog.Groups)
	walk("catalog", "", doc.Catalog.Controls)
	if len(errs.List) == 0 && len(items) == 0 {
		errs.Add(ImportError{Key: "imp.no_rows"})
	}
	if len(errs.List) > 0 {
		return meta, nil, errs.List
	}
	return meta, items, nil
}

// WriteCatalogOSCAL writes c and its items as an OSCAL 1.1 catalog: one
// group per item group, one control per item, ceptor's fields as properties
// in its own namespace. uuid is the document's identifier (the caller makes
// it stable per catalog version).
func WriteCatalogOSCAL(w io.Writer, c *Catalog, items []CatalogItem, uuid string) error {
	doc := oscalDoc{Catalog: &oscalCatalog{UUID: uuid, Metadata: oscalMetadata{
		Title: c.Title, LastModified: c.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Version: strconv.Itoa(c.Version),
		OSCALVersion: "1.1.2", Published: publishedStamp(c.PublishedOn),
	}}}
	idx := map[string]int{}
	for _, it := range items {
		gi, ok := idx[it.Group]
		if !ok {
			gi = len(doc.Catalog.Groups)
			idx[it.Group] = gi
			doc.Catalog.Groups = append(doc.Catalog.Groups, oscalGroup{ID: "g" + strconv.Itoa(gi+1), Title: it.Group})
		}
		ctl := oscalCtl{ID: it.ItemID, Class: string(it.Tier), Title: it.Title,
			Props: []oscalProp{{Name: "tier", NS: oscalNS, Value: string(it.Tier)}}}
		if len(it.Sectors) > 0 {
			ctl.Props = append(ctl.Props, oscalProp{Name: "sectors", NS: oscalNS, Value: strings.Join(it.Sectors, " ")})
		}
		if len(it.MapsFrom) > 0 {
			ctl.Props = append(ctl.Props, oscalProp{Name: "maps-from", NS: oscalNS, Value: strings.Join(it.MapsFrom, " ")})
		}
		if it.Description != "" {
			ctl.Parts = []oscalPart{{ID: it.ItemID + "_smt", Name: "statement", Prose: it.Description}}
		}
		doc.Catalog.Groups[gi].Controls = append(doc.Catalog.Groups[gi].Controls, ctl)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func publishedStamp(d string) string {
	if d == "" {
		return ""
	}
	return d + "T00:00:00+09:00"
}
