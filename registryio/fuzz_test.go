package registryio

import (
	"archive/zip"
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"ceptor"

	"golang.org/x/text/encoding/japanese"
)

// checkResult holds for every input: no panic (the fuzzer sees those), either
// rows or errors but never both or neither, at most MaxErrors errors, every
// error with a known message key, and every row valid by the domain's rules.
func checkResult(t *testing.T, rows []*ceptor.ImportRow, errs []RowError) {
	t.Helper()
	if (len(rows) > 0) == (len(errs) > 0) {
		t.Fatalf("rows %d, errors %d: want exactly one non-empty", len(rows), len(errs))
	}
	if len(errs) > MaxErrors {
		t.Fatalf("%d errors", len(errs))
	}
	for _, e := range errs {
		if _, ok := messages[e.Key]; !ok || e.Line < 0 {
			t.Fatalf("bad error %+v", e)
		}
		if e.Message("ja") == "" || e.Message("en") == "" {
			t.Fatalf("empty message for %+v", e)
		}
	}
	for _, r := range rows {
		if r.Line < 1 {
			t.Fatalf("row line %d", r.Line)
		}
		if !r.Present["name"] || !r.Present["type"] || r.ReplaceContacts != (r.Present["contact_name"] || r.Present["contact_email"] ||
			r.Present["contact_phone"] || r.Present["contact_webhook_url"] || r.Present["contact_kind"] || r.Present["contact_priority"] ||
			r.Present["contact_department"] || r.Present["contact_lang"]) {
			t.Fatalf("row present %v, replace contacts %v", r.Present, r.ReplaceContacts)
		}
		o := r.Org
		if err := o.Validate(); err != nil {
			t.Fatalf("returned org does not validate: %v %+v", ceptor.ErrorFields(err), o)
		}
		for _, c := range r.Contacts {
			if err := c.Validate(); err != nil {
				t.Fatalf("returned contact does not validate: %v %+v", ceptor.ErrorFields(err), c)
			}
		}
	}
}

// toExport turns imported rows back into the writers' input.
func toExport(rows []*ceptor.ImportRow) []OrgExport {
	out := make([]OrgExport, len(rows))
	for i, r := range rows {
		o := r.Org
		x := OrgExport{Org: &o}
		for j := range r.Contacts {
			c := r.Contacts[j]
			x.Contacts = append(x.Contacts, &c)
		}
		out[i] = x
	}
	return out
}

// sameRows compares two imports, ignoring Line, ReplaceContacts and Present
// (an export always has every column).
func sameRows(a, b []*ceptor.ImportRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := *a[i], *b[i]
		x.Line, y.Line = 0, 0
		x.ReplaceContacts, y.ReplaceContacts = false, false
		x.Present, y.Present = nil, nil
		if len(x.Contacts) == 0 {
			x.Contacts = nil
		}
		if len(y.Contacts) == 0 {
			y.Contacts = nil
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func csvSeeds(f *testing.F) {
	for _, tc := range readCases {
		f.Add([]byte(tc.in))
	}
	sjis, _ := japanese.ShiftJIS.NewEncoder().String("組織名,種別\r\n東都電力,重要インフラ事業者\r\n")
	f.Add([]byte(sjis))
	var buf bytes.Buffer
	if err := WriteCSV(&buf, exportFixture(), testLookup()); err == nil {
		f.Add(buf.Bytes())
	}
}

func FuzzReadCSV(f *testing.F) {
	csvSeeds(f)
	lk := testLookup()
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := ReadCSV(bytes.NewReader(data), lk)
		checkResult(t, rows, errs)
		if len(rows) == 0 {
			return
		}
		// What was read writes back and reads again unchanged.
		var buf bytes.Buffer
		if err := WriteCSV(&buf, toExport(rows), lk); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		again, errs := ReadCSV(bytes.NewReader(buf.Bytes()), lk)
		if len(errs) > 0 {
			t.Fatalf("re-read errors:\n%s\nfile:\n%q", dumpErrors(errs), buf.String())
		}
		if !sameRows(rows, again) {
			t.Fatalf("round trip changed rows\nfirst: %+v\nagain: %+v", rows[0], again[0])
		}
	})
}

func FuzzReadXLSX(f *testing.F) {
	lk := testLookup()
	for _, tc := range readCases {
		if strings.ContainsAny(tc.in, "\"\r\xff\xfe\x01") || strings.HasPrefix(tc.in, "\ufeff") || len(tc.in) > 2000 {
			continue
		}
		f.Add(csvToXLSX(f, tc.in, "Sheet1"))
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, exportFixture(), lk, "ja"); err == nil {
		f.Add(buf.Bytes())
	}
	buf.Reset()
	if err := TemplateXLSX(&buf, lk); err == nil {
		f.Add(buf.Bytes())
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := ReadXLSX(bytes.NewReader(data), lk)
		checkResult(t, rows, errs)
	})
}

// FuzzReadXLSXParts fuzzes the worksheet and shared-string parts of an
// otherwise valid workbook: mutating a whole .xlsx rarely gets past the zip
// checksums, so this reaches the XML handling behind them.
func FuzzReadXLSXParts(f *testing.F) {
	lk := testLookup()
	base := csvToXLSX(f, readCases[0].in, "Sheet1")
	parts := unzipParts(f, base)
	f.Add(parts["xl/worksheets/sheet1.xml"], parts["xl/sharedStrings.xml"])
	for _, tc := range readCases[1:8] {
		p := unzipParts(f, csvToXLSX(f, tc.in, "Sheet1"))
		f.Add(p["xl/worksheets/sheet1.xml"], p["xl/sharedStrings.xml"])
	}
	f.Add([]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>type</t></is></c></row><row r="1048576"><c r="A1048576" t="inlineStr"><is><t>A</t></is></c><c r="B1048576" t="str"><v>operator</v></c></row></sheetData></worksheet>`), []byte(``))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range parts {
			switch name {
			case "xl/worksheets/sheet1.xml":
				data = sheet
			case "xl/sharedStrings.xml":
				data = sst
			}
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		rows, errs := ReadXLSX(bytes.NewReader(buf.Bytes()), lk)
		checkResult(t, rows, errs)
	})
}

func unzipParts(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[zf.Name] = b
	}
	return out
}
