package registryio

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"ceptor"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

var (
	bomUTF8     = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE  = []byte{0xFF, 0xFE}
	bomUTF16BE  = []byte{0xFE, 0xFF}
	oleMagic    = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	xlsxMaxSize = int64(128 << 20) // most bytes a workbook may unpack to, all parts together
)

// xlsxMaxParts is the most parts (zip entries) a workbook may have; real ones
// have a few dozen.
const xlsxMaxParts = 2000

// SheetName is the name of the worksheet that holds the organisations in the
// workbooks this package writes, and the sheet ReadXLSX reads when present.
const SheetName = "organizations"

// ReadCSV reads organisations and their contacts from a CSV file in the flat
// format of this package. The file may be UTF-8 (with or without a byte
// order mark) or Shift_JIS/CP932, with LF or CRLF line ends.
//
// It returns either the rows to import (one per organisation, in the order of
// first appearance) or every problem found, up to MaxErrors; never both.
func ReadCSV(r io.Reader, lk *Lookup) ([]*ceptor.ImportRow, []RowError) {
	p := newParser(lk)
	data, ok := p.readAll(r)
	if !ok {
		return p.finish()
	}
	text, ok := decodeText(data)
	if !ok {
		p.c.add(RowError{Key: KeyEncoding})
		return p.finish()
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for p.more() {
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
			p.c.add(RowError{Line: line, Key: KeyCSVSyntax})
			p.stop = true
			break
		}
		line, _ := cr.FieldPos(0)
		if !p.feed(line, rec) {
			break
		}
	}
	return p.finish()
}

// decodeText turns the bytes of a text file into a string: UTF-8 with or
// without a byte order mark as is, anything else that decodes cleanly as
// Shift_JIS (CP932) from Shift_JIS.
func decodeText(b []byte) (string, bool) {
	if bytes.HasPrefix(b, bomUTF8) {
		b = b[len(bomUTF8):]
		return string(b), utf8.Valid(b)
	}
	if bytes.HasPrefix(b, bomUTF16LE) || bytes.HasPrefix(b, bomUTF16BE) {
		return "", false
	}
	if utf8.Valid(b) {
		return string(b), true
	}
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) || !utf8.Valid(out) {
		return "", false
	}
	return string(out), true
}

// ReadXLSX reads organisations and their contacts from an Excel workbook in
// the flat format of this package: the sheet named "organizations" when
// there is one, else the first sheet. Line numbers in errors are the sheet's
// row numbers. Results are as for ReadCSV.
func ReadXLSX(r io.Reader, lk *Lookup) ([]*ceptor.ImportRow, []RowError) {
	p := newParser(lk)
	data, ok := p.readAll(r)
	if !ok {
		return p.finish()
	}
	if len(data) == 0 {
		return p.finish()
	}
	if bytes.HasPrefix(data, oleMagic) {
		p.c.add(RowError{Key: KeyXLSXEncrypted})
		return p.finish()
	}
	if key := checkZip(data); key != "" {
		p.c.add(RowError{Key: key})
		return p.finish()
	}
	p.readWorkbook(data)
	return p.finish()
}

// checkZip checks the workbook's zip container before the workbook library
// sees it, and returns a message key when it must not be opened. The library
// allocates each part's declared size up front and ignores read errors, so
// the declared sizes are checked against a limit and against what each part
// really holds (archive/zip verifies the size and checksum while reading).
func checkZip(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return KeyXLSX
	}
	if len(zr.File) > xlsxMaxParts {
		return KeyXLSX
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > uint64(xlsxMaxSize) || total > uint64(xlsxMaxSize) {
			return KeyXLSXTooLarge
		}
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return KeyXLSX
		}
		n, err := io.Copy(io.Discard, rc)
		_ = rc.Close()
		if err != nil || uint64(n) != zf.UncompressedSize64 {
			return KeyXLSX
		}
	}
	return ""
}

// readWorkbook feeds the rows of the workbook to the parser. The workbook
// library is given untrusted input, so a panic in it is turned into an
// error rather than taking the process down.
func (p *parser) readWorkbook(data []byte) {
	line := 0
	defer func() {
		if v := recover(); v != nil {
			p.c.add(RowError{Line: line, Key: KeyXLSX})
			p.stop = true
		}
	}()
	opts := excelize.Options{RawCellValue: true, UnzipSizeLimit: xlsxMaxSize, UnzipXMLSizeLimit: xlsxMaxSize}
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		p.c.add(RowError{Key: KeyXLSX})
		p.stop = true
		return
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		p.c.add(RowError{Key: KeyXLSX})
		p.stop = true
		return
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if strings.EqualFold(s, SheetName) {
			sheet = s
			break
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		p.c.add(RowError{Key: KeyXLSX})
		p.stop = true
		return
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		line++
		cells, err := rows.Columns(opts)
		if err != nil {
			p.c.add(RowError{Line: line, Key: KeyXLSX})
			p.stop = true
			return
		}
		if !p.feed(line, cells) {
			return
		}
	}
	if err := rows.Error(); err != nil {
		if errors.Is(err, excelize.ErrMaxRows) {
			p.c.add(RowError{Key: KeyTooManyRows})
		} else {
			p.c.add(RowError{Line: line, Key: KeyXLSX})
		}
		p.stop = true
	}
}
