package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"ceptor"

	"github.com/xuri/excelize/v2"
)

// Workbooks of the safety-standards module: reading the rows of an uploaded
// workbook (catalogs, answer sheets) and writing simple sheets. An uploaded
// workbook is untrusted: its zip container is checked before the workbook
// library opens it (declared and real part sizes, number of parts), and a
// panic inside the library becomes a file-level error.

const (
	stdXLSXMaxUnpacked = int64(256 << 20)
	stdXLSXMaxParts    = 2000
)

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// stdCheckZip returns a message key when the container must not be opened.
func stdCheckZip(data []byte) string {
	if bytes.HasPrefix(data, oleMagic) {
		return "imp.xlsx_encrypted"
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) > stdXLSXMaxParts {
		return "imp.xlsx"
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > uint64(stdXLSXMaxUnpacked) {
			return "imp.xlsx_too_large"
		}
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return "imp.xlsx"
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, int64(zf.UncompressedSize64)+1))
		_ = rc.Close()
		if err != nil || uint64(n) != zf.UncompressedSize64 {
			return "imp.xlsx"
		}
	}
	return ""
}

// readXLSXRows feeds the rows of the first sheet whose name is in prefer
// (else the first sheet) to feed, with 1-based row numbers. It returns a
// file-level problem, or nil.
func readXLSXRows(data []byte, prefer []string, feed func(line int, cells []string) bool) (problem *ceptor.ImportError) {
	if len(data) == 0 {
		return &ceptor.ImportError{Key: "imp.no_rows"}
	}
	if key := stdCheckZip(data); key != "" {
		return &ceptor.ImportError{Key: key}
	}
	line := 0
	defer func() {
		if v := recover(); v != nil {
			problem = &ceptor.ImportError{Line: line, Key: "imp.xlsx"}
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: stdXLSXMaxUnpacked, UnzipXMLSizeLimit: stdXLSXMaxUnpacked})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return &ceptor.ImportError{Key: "imp.xlsx"}
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return &ceptor.ImportError{Key: "imp.xlsx"}
	}
	sheet := sheets[0]
	for _, p := range prefer {
		for _, s := range sheets {
			if strings.EqualFold(s, p) {
				sheet = s
			}
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return &ceptor.ImportError{Key: "imp.xlsx"}
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		line++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return &ceptor.ImportError{Line: line, Key: "imp.xlsx"}
		}
		if !feed(line, cells) {
			break
		}
	}
	if rows.Error() != nil {
		return &ceptor.ImportError{Line: line, Key: "imp.xlsx"}
	}
	return nil
}

// stdSheet is one sheet to write: a header row and data rows.
type stdSheet struct {
	Name   string
	Rows   [][]string
	Widths []float64
	// DropDown puts a drop-down list of these values on column DropCol
	// (0-based) below the header.
	DropCol  int
	DropDown []string
}

// writeStdXLSX writes sheets as a workbook with a bold, frozen header and
// text-formatted cells (so that ids such as 001 keep their zeros).
func writeStdXLSX(w io.Writer, sheets []stdSheet) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}})
	if err != nil {
		return err
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		for c, wd := range sh.Widths {
			if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
				return err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		for r, row := range sh.Rows {
			vals := make([]any, len(row))
			for c, v := range row {
				if r == 0 {
					vals[c] = excelize.Cell{StyleID: head, Value: v}
				} else {
					vals[c] = ceptor.SafeCell(v)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		if len(sh.DropDown) > 0 && len(sh.Rows) > 1 {
			col, _ := excelize.ColumnNumberToName(sh.DropCol + 1)
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, len(sh.Rows)))
			if err := dv.SetDropList(sh.DropDown); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleWarning, "ceptor", "一覧から選んでください / choose from the list")
			if err := f.AddDataValidation(sh.Name, dv); err != nil {
				return err
			}
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// ReadCatalogFile reads catalog items from a file in any of the import
// formats ("csv", "xlsx", "oscal"; "" guesses from the name and bytes),
// as the page and the API do; known tells whether a sector code exists.
// It returns the format used, the catalog's own title and publication
// date when the file names them (OSCAL), and either the items or every
// problem found. The command line uses it.
func ReadCatalogFile(data []byte, name, format string, known func(string) bool) (string, ceptor.CatalogMeta, []ceptor.CatalogItem, []ceptor.ImportError) {
	if format == "" {
		format = catalogFormat(name, data)
	}
	var meta ceptor.CatalogMeta
	var items []ceptor.CatalogItem
	var errs []ceptor.ImportError
	switch format {
	case "csv":
		items, errs = ceptor.ReadCatalogCSV(bytes.NewReader(data), known)
	case "xlsx":
		t := &ceptor.TableReader{Known: known}
		if p := readXLSXRows(data, []string{"catalog", "対策項目"}, t.Feed); p != nil {
			errs = []ceptor.ImportError{*p}
		} else {
			items, errs = t.Finish()
		}
	case "oscal":
		meta, items, errs = ceptor.ReadCatalogOSCAL(bytes.NewReader(data), known)
	default:
		errs = []ceptor.ImportError{{Key: "std.err.format", Value: format}}
	}
	return format, meta, items, errs
}

// ImportMessage is an import problem's message in lang.
func ImportMessage(lang string, e ceptor.ImportError) string { return importMessage(lang, e) }
