package registryio

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"ceptor"

	"github.com/xuri/excelize/v2"
)

// OrgExport is one organisation with its contacts, as given to the writers.
type OrgExport struct {
	Org      *ceptor.Organization
	Contacts []*ceptor.Contact
}

// records turns the organisations into the rows of the flat format (without
// the header): one row per contact, or one row with empty contact columns.
func records(rows []OrgExport, lk *Lookup) ([][]string, error) {
	var out [][]string
	for i, x := range rows {
		if x.Org == nil {
			return nil, fmt.Errorf("registryio: export row %d has no organisation", i)
		}
		o := x.Org
		sectors, err := codes(o.SectorIDs, lk.SectorCode, "sector")
		if err != nil {
			return nil, err
		}
		ceptors, err := codes(o.CeptorIDs, lk.CeptorCode, "CEPTOR")
		if err != nil {
			return nil, err
		}
		base := make([]string, numColumns)
		if o.ID > 0 {
			base[colOrgID] = strconv.FormatInt(o.ID, 10)
		}
		base[colName] = o.Name
		base[colNameEN] = o.NameEN
		base[colNameKana] = o.NameKana
		base[colType] = string(o.Type)
		base[colEntityKind] = string(o.EntityKind)
		base[colSectors] = sectors
		base[colCeptors] = ceptors
		base[colPrefecture] = o.Prefecture
		base[colWebsite] = o.Website
		base[colDomains] = strings.Join(o.Domains, ";")
		base[colRequire2FA] = strconv.FormatBool(o.Require2FA)
		base[colActive] = strconv.FormatBool(o.Active)
		base[colNotes] = o.Notes
		n := 0
		for _, c := range x.Contacts {
			if c == nil {
				continue
			}
			rec := append([]string(nil), base...)
			rec[colContactName] = c.Name
			rec[colContactDepartment] = c.Department
			rec[colContactKind] = string(c.Kind)
			if c.Priority > 0 {
				rec[colContactPriority] = strconv.Itoa(c.Priority)
			}
			rec[colContactEmail] = c.Email
			rec[colContactPhone] = c.Phone
			rec[colContactWebhookURL] = c.WebhookURL
			rec[colContactLang] = c.Lang
			out = append(out, rec)
			n++
		}
		if n == 0 {
			out = append(out, base)
		}
	}
	return out, nil
}

// codes joins the codes of ids with ';'.
func codes(ids []int64, code func(int64) (string, bool), what string) (string, error) {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		c, ok := code(id)
		if !ok {
			return "", fmt.Errorf("registryio: %s id %d has no code in the lookup", what, id)
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, ";"), nil
}

// escapeCSV protects a CSV cell from being taken for a formula: a value
// beginning with = + - @, a tab or a carriage return gets a leading single
// quote, and so does a value that the reader would otherwise unquote.
func escapeCSV(s string) string {
	if s != "" && isFormulaStart(s[0]) {
		return "'" + s
	}
	return escapeQuote(s)
}

// escapeQuote doubles the leading single quote of a value that cleanCell
// would otherwise strip, so that the value reads back unchanged.
func escapeQuote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && (isFormulaStart(s[1]) || s[1] == '\'') {
		return "'" + s
	}
	return s
}

// WriteCSV writes the organisations and their contacts as CSV in the flat
// format: UTF-8 with a byte order mark (so that Excel recognises the
// encoding), CRLF line ends and the English column codes as header. Cells
// that a spreadsheet could take for a formula are prefixed with a single
// quote, which ReadCSV removes. It fails when a sector or CEPTOR id has no
// code in lk (such a file could not be read back).
func WriteCSV(w io.Writer, rows []OrgExport, lk *Lookup) error {
	recs, err := records(rows, lk)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(bomUTF8); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(Columns()); err != nil {
		return err
	}
	for _, rec := range recs {
		for i := range rec {
			rec[i] = escapeCSV(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes the organisations and their contacts as an Excel workbook:
// the sheet "organizations" in the flat format, with the column codes in a
// bold, frozen header row (so that the file reads back with ReadXLSX), a
// comment on each header cell and drop-down lists for the coded columns, and
// a second sheet that explains the columns and lists the codes. lang ("ja"
// or "en") chooses the language of the comments and the explanation sheet's
// name. Every value is written as a plain string, never as a formula. Like
// WriteCSV it fails when a sector or CEPTOR id has no code in lk.
func WriteXLSX(w io.Writer, rows []OrgExport, lk *Lookup, lang string) error {
	recs, err := records(rows, lk)
	if err != nil {
		return err
	}
	f, err := newWorkbook(lk, lang)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	for i, rec := range recs {
		for j, v := range rec {
			if v == "" {
				continue
			}
			if err := f.SetCellStr(SheetName, cellName(j, i+2), escapeQuote(v)); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}

// TemplateXLSX writes an empty workbook for data entry: the header row, the
// drop-down lists and the explanation sheet (in Japanese and English).
func TemplateXLSX(w io.Writer, lk *Lookup) error {
	return WriteXLSX(w, nil, lk, "ja")
}

// cellName returns the A1 name of the 0-based column col in 1-based row row.
func cellName(col, row int) string {
	return columnLetter(col) + strconv.Itoa(row)
}

// newWorkbook creates the workbook with the formatted, empty organisations
// sheet and the explanation sheet.
func newWorkbook(lk *Lookup, lang string) (*excelize.File, error) {
	f := excelize.NewFile()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), SheetName); err != nil {
		return nil, err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
		NumFmt:    49,
	})
	if err != nil {
		return nil, err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keep what people type as text
	if err != nil {
		return nil, err
	}
	last := columnLetter(int(numColumns) - 1)
	if err := f.SetColStyle(SheetName, "A:"+last, textStyle); err != nil {
		return nil, err
	}
	for i := range columns {
		col := columnLetter(i)
		if err := f.SetColWidth(SheetName, col, col, columns[i].width); err != nil {
			return nil, err
		}
		if err := f.SetCellStr(SheetName, col+"1", columns[i].code); err != nil {
			return nil, err
		}
		text := columns[i].labelJA + "\n" + columns[i].descJA
		if lang == "en" {
			text = columns[i].descEN
		}
		if err := f.AddComment(SheetName, excelize.Comment{
			Cell: col + "1", Author: "ceptor",
			Paragraph: []excelize.RichTextRun{{Text: text}},
			Width:     260, Height: 90,
		}); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellStyle(SheetName, "A1", last+"1", headStyle); err != nil {
		return nil, err
	}
	if err := f.SetPanes(SheetName, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return nil, err
	}
	if err := addDropDowns(f); err != nil {
		return nil, err
	}
	if err := addExplanation(f, lk, lang); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	ok = true
	return f, nil
}

// addDropDowns adds drop-down lists of the codes to the coded columns. They
// warn rather than refuse, because the reader also accepts Japanese labels.
func addDropDowns(f *excelize.File) error {
	var kinds []string
	for _, e := range entityKindLabels {
		kinds = append(kinds, string(e.kind))
	}
	types := make([]string, len(ceptor.OrgTypes))
	for i, t := range ceptor.OrgTypes {
		types[i] = string(t)
	}
	lists := []struct {
		col  column
		keys []string
	}{
		{colType, types},
		{colEntityKind, kinds},
		{colRequire2FA, []string{"true", "false"}},
		{colActive, []string{"true", "false"}},
		{colContactKind, []string{string(ceptor.ContactPrimary), string(ceptor.ContactAlternate)}},
		{colContactLang, []string{"ja", "en"}},
	}
	for _, l := range lists {
		dv := excelize.NewDataValidation(true)
		col := columnLetter(int(l.col))
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows))
		if err := dv.SetDropList(l.keys); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, columns[l.col].code,
			"一覧にない値です。説明シートを確認してください。 / Not in the list; see the explanation sheet.")
		if err := f.AddDataValidation(SheetName, dv); err != nil {
			return err
		}
	}
	return nil
}

// addExplanation adds the sheet that explains the columns and lists the
// codes, in Japanese and English.
func addExplanation(f *excelize.File, lk *Lookup, lang string) error {
	name := "説明"
	if lang == "en" {
		name = "README"
	}
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 22, "B": 22, "C": 50, "D": 50, "E": 26} {
		if err := f.SetColWidth(name, col, col, width); err != nil {
			return err
		}
	}
	if err := f.SetColStyle(name, "C:D", wrap); err != nil {
		return err
	}
	r := 1
	put := func(style int, vals ...string) error {
		for i, v := range vals {
			if err := f.SetCellStr(name, cellName(i, r), v); err != nil {
				return err
			}
		}
		if style != 0 && len(vals) > 0 {
			if err := f.SetCellStyle(name, cellName(0, r), cellName(len(vals)-1, r), style); err != nil {
				return err
			}
		}
		r++
		return nil
	}
	lines := [][]string{
		{"組織・連絡先の一括登録 / Organisation registry import"},
		{"「" + SheetName + "」シートの1行目は列コードです。変更しないでください（日本語の列名も使えます）。",
			"Row 1 of the \"" + SheetName + "\" sheet holds the column codes; keep it (Japanese column names are accepted too)."},
		{"1行に1連絡先を記入します。連絡先が複数ある組織は、組織の列を同じ値にして行を分けます（2行目以降の組織の列は空欄でも構いません）。",
			"Write one contact per row. For several contacts repeat the organisation on several rows (organisation columns may be left empty after the first row)."},
		{"同じ組織の行は組織IDで、組織IDが空欄なら組織名でまとめます。組織IDが空欄の組織は新規登録になります。",
			"Rows are grouped by org_id, or by name when org_id is empty. An organisation without org_id is created."},
		{"組織IDのある組織を更新するとき、ファイルにない列の項目は変更しません。列があって空欄のセルは、その項目を空にします。",
			"When an organisation with org_id is updated, the fields whose columns are left out of the file are kept; an empty cell in a column that is present clears the field."},
		{"連絡先の列があるファイルでは、取り込んだ組織の連絡先はファイルの内容で置き換えられます。連絡先の列がなければ、連絡先は変更しません。",
			"When the file has contact columns, the contacts of each imported organisation are replaced by those in the file; without contact columns they are kept."},
		{"複数の値は ; で区切ります（、や , も使えます）。真偽値は true/false、はい/いいえ、○/× が使えます。",
			"Separate several values with ';' (or ',' and '、'). Yes/no columns accept true/false, yes/no, 1/0, はい/いいえ, ○/×."},
		{"エラーが一つでもあるとファイル全体を取り込みません。",
			"If any row has an error, nothing in the file is imported."},
	}
	if err := put(bold, lines[0]...); err != nil {
		return err
	}
	for _, l := range lines[1:] {
		// Notes go in the wide, wrapped columns C (Japanese) and D (English).
		if err := put(0, "", "", l[0], l[1]); err != nil {
			return err
		}
	}
	r++
	if err := put(bold, "列コード / Column", "列名 / Label", "説明", "Description", "例 / Example"); err != nil {
		return err
	}
	for _, c := range columns {
		if err := put(0, c.code, c.labelJA, c.descJA, c.descEN, escapeQuote(c.example)); err != nil {
			return err
		}
	}
	section := func(title string, rows [][3]string) error {
		r++
		if err := put(bold, title, "日本語", "English"); err != nil {
			return err
		}
		for _, x := range rows {
			if err := put(0, x[0], x[1], x[2]); err != nil {
				return err
			}
		}
		return nil
	}
	var types [][3]string
	for _, t := range ceptor.OrgTypes {
		types = append(types, [3]string{string(t), orgTypeLabels[t][0], orgTypeLabels[t][1]})
	}
	if err := section("type（種別）", types); err != nil {
		return err
	}
	var kinds [][3]string
	for _, e := range entityKindLabels {
		kinds = append(kinds, [3]string{string(e.kind), e.ja, e.en})
	}
	if err := section("entity_kind（法的区分）", kinds); err != nil {
		return err
	}
	if err := section("contact_kind（連絡先区分）", [][3]string{
		{string(ceptor.ContactPrimary), "正", "Primary"},
		{string(ceptor.ContactAlternate), "副", "Alternate"},
	}); err != nil {
		return err
	}
	if lk != nil {
		var ss [][3]string
		for _, s := range lk.sectors {
			ss = append(ss, [3]string{s.code, s.nameJA, s.nameEN})
		}
		if err := section("sectors（分野）", ss); err != nil {
			return err
		}
		var cs [][3]string
		for _, c := range lk.ceptors {
			cs = append(cs, [3]string{c.code, c.nameJA, c.nameEN})
		}
		if err := section("ceptors（セプター）", cs); err != nil {
			return err
		}
	}
	return nil
}
