package web

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"ceptor"

	"github.com/xuri/excelize/v2"
)

// Fuzz targets for the workbook importers of the safety-standards module:
// catalogs and answer sheets read from XLSX. Whole workbooks rarely survive
// mutation past the zip checksums, so the second target of each mutates the
// worksheet and shared-string parts of a valid workbook instead.

func fuzzWorkbook(t testing.TB, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := writeStdXLSX(&buf, []stdSheet{{Name: "Sheet1", Rows: rows}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fuzzParts(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = b
	}
	return out
}

func rezip(t *testing.T, parts map[string][]byte, sheet, sst []byte) []byte {
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
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

var fuzzCatalogRows = [][]string{
	{"項目ID", "対策項目", "分類", "区分", "対象分野"},
	{"A-1", "方針を定めている", "ガバナンス", "ベースライン", ""},
	{"A-2", "評価を受けている", "ガバナンス", "先導的", "finance"},
}

func fuzzKnown(s string) bool { return s == "finance" || s == "ict" }

// readCatalogXLSX is the catalog path of parseCatalog without a server.
func readCatalogXLSX(data []byte) ([]ceptor.CatalogItem, []ceptor.ImportError) {
	t := &ceptor.TableReader{Known: fuzzKnown}
	if p := readXLSXRows(data, []string{"catalog"}, t.Feed); p != nil {
		return nil, []ceptor.ImportError{*p}
	}
	return t.Finish()
}

func checkCatalogImport(t *testing.T, items []ceptor.CatalogItem, errs []ceptor.ImportError) {
	if (items == nil) == (len(errs) == 0) {
		t.Fatalf("items %d and errors %d: exactly one must be set", len(items), len(errs))
	}
	for _, it := range items {
		if f := ceptor.ValidateItem(&it, fuzzKnown); len(f) > 0 {
			t.Fatalf("invalid item accepted: %+v %v", it, f)
		}
	}
}

func FuzzCatalogXLSX(f *testing.F) {
	f.Add(fuzzWorkbook(f, fuzzCatalogRows))
	f.Add(fuzzWorkbook(f, [][]string{{"id", "title", "group", "tier"}, {"X", "", "g", "nope"}}))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Add(oleMagic)
	f.Fuzz(func(t *testing.T, data []byte) {
		items, errs := readCatalogXLSX(data)
		checkCatalogImport(t, items, errs)
	})
}

func FuzzCatalogXLSXParts(f *testing.F) {
	parts := fuzzParts(f, fuzzWorkbook(f, fuzzCatalogRows))
	f.Add(parts["xl/worksheets/sheet1.xml"], parts["xl/sharedStrings.xml"])
	f.Add([]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="1048576"><c r="XFD1048576" t="str"><v>x</v></c></row></sheetData></worksheet>`), []byte{})
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		items, errs := readCatalogXLSX(rezip(t, parts, sheet, sst))
		checkCatalogImport(t, items, errs)
	})
}

func fuzzQuestions() []ceptor.SurveyQuestion {
	return ceptor.BuildQuestions([]ceptor.CatalogItem{
		{ItemID: "A-1", Title: "a", Group: "g", Tier: ceptor.TierBaseline},
		{ItemID: "A-2", Title: "b", Group: "g", Tier: ceptor.TierLeading},
	}, ceptor.SurveyPerItem)
}

func readAnswersXLSX(data []byte, org int64) ([]*ceptor.SurveyResponse, []ceptor.ImportError) {
	rd := &ceptor.SurveyReader{Questions: fuzzQuestions(), OrgID: org}
	if p := readXLSXRows(data, []string{"回答"}, rd.Feed); p != nil {
		return nil, []ceptor.ImportError{*p}
	}
	return rd.Finish()
}

func checkAnswers(t *testing.T, got []*ceptor.SurveyResponse, errs []ceptor.ImportError, org int64) {
	if (got == nil) == (len(errs) == 0) {
		t.Fatalf("responses %d and errors %d: exactly one must be set", len(got), len(errs))
	}
	for _, r := range got {
		if r.OrgID != org || len(r.Answers) != 2 {
			t.Fatalf("response for another organisation or of the wrong length: %+v", r)
		}
		for _, a := range []byte(r.Answers) {
			if !ceptor.Answer(a).Valid() {
				t.Fatalf("answer %q", a)
			}
		}
	}
}

func FuzzAnswerXLSX(f *testing.F) {
	r := &ceptor.SurveyResponse{OrgID: 7, Answers: "i-", CSIRT: "yes"}
	f.Add(fuzzWorkbook(f, ceptor.SurveySheetRows(fuzzQuestions(), r, "finance", "ja")))
	f.Add(fuzzWorkbook(f, ceptor.SurveySheetRows(fuzzQuestions(), r, "finance", "en")))
	f.Add(fuzzWorkbook(f, [][]string{{"org_id", "key", "answer"}, {"8", "A-1", "implemented"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := readAnswersXLSX(data, 7)
		checkAnswers(t, got, errs, 7)
	})
}

func FuzzAnswerXLSXParts(f *testing.F) {
	r := &ceptor.SurveyResponse{OrgID: 7, Answers: "ip", CSIRT: "no"}
	parts := fuzzParts(f, fuzzWorkbook(f, ceptor.SurveySheetRows(fuzzQuestions(), r, "finance", "ja")))
	f.Add(parts["xl/worksheets/sheet1.xml"], parts["xl/sharedStrings.xml"])
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		got, errs := readAnswersXLSX(rezip(t, parts, sheet, sst), 7)
		checkAnswers(t, got, errs, 7)
	})
}

// TestCatalogXLSXErrors: a workbook with mistakes gets row- and cell-level
// errors, and the stream writer's workbooks read back.
func TestCatalogXLSXErrors(t *testing.T) {
	items, errs := readCatalogXLSX(fuzzWorkbook(t, fuzzCatalogRows))
	if len(errs) > 0 || len(items) != 2 || items[1].Sectors[0] != "finance" {
		t.Fatalf("%+v %+v", items, errs)
	}
	bad := [][]string{{"項目ID", "対策項目", "分類", "区分", "対象分野"}, {"A-1", "x", "g", "ベースライン", ""}, {"A-2", "", "g", "先導的", "mars"}}
	items, errs = readCatalogXLSX(fuzzWorkbook(t, bad))
	if items != nil || len(errs) != 2 || errs[0].Line != 3 || errs[0].Column != "対策項目" || errs[1].Column != "対象分野" || errs[1].Value != "mars" {
		t.Fatalf("%+v", errs)
	}
	if _, errs := readCatalogXLSX(oleMagic); len(errs) != 1 || errs[0].Key != "imp.xlsx_encrypted" {
		t.Fatalf("%+v", errs)
	}
	// A workbook written by another program: excelize's normal writer.
	x := excelize.NewFile()
	for r, row := range fuzzCatalogRows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			x.SetCellStr("Sheet1", cell, v)
		}
	}
	var buf bytes.Buffer
	x.Write(&buf)
	if items, errs := readCatalogXLSX(buf.Bytes()); len(errs) > 0 || len(items) != 2 {
		t.Fatalf("%+v", errs)
	}
}
