package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"

	"github.com/xuri/excelize/v2"
)

// Downloads of the statistics: the same figures as the page (hidden counts
// stay hidden), as CSV for machines and as an XLSX workbook for people.
// Exports are sensitive reads and are audited as "stats.export".

// statsCSVColumns is the header of the CSV file.
var statsCSVColumns = []string{"fiscal_year", "section", "group", "code", "name_ja", "name_en", "count", "note"}

// opStatsExport writes the statistics of fiscal year fy that the caller may
// see as a download in format ("csv" or "xlsx").
func (s *Server) opStatsExport(w http.ResponseWriter, r *http.Request, st *reqState, fy int, format string) error {
	if format != "csv" && format != "xlsx" {
		return ceptor.Invalid(map[string]string{"format": "stats.err.format"})
	}
	v, err := s.statsFor(r.Context(), st, fy)
	if err != nil {
		return err
	}
	if err := regAuthorize(st, ceptor.ActExport, statsResource(v)); err != nil {
		return err
	}
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if format == "csv" {
		err = writeStatsCSV(&buf, v)
	} else {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = s.writeStatsXLSX(&buf, v, st.lang, statsCoverageText(st.lang, v))
	}
	if err != nil {
		return fmt.Errorf("export statistics: %w", err)
	}
	s.audit(r, "stats.export", ceptor.KindStats, fy, 0, map[string]any{
		"format": format, "fiscal_year": fy, "whole": v.Whole, "sectors": v.SectorIDs})
	name := fmt.Sprintf("ceptor-report-stats-FY%d.%s", fy, format)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
	return nil
}

// statsCSVCount is the count and note cells of a figure: a hidden figure
// has no count and the note "<3".
func statsCSVCount(c statsCount, threshold int) (string, string) {
	if c.Hidden {
		return "", "<" + strconv.Itoa(threshold)
	}
	return strconv.Itoa(c.N), ""
}

// writeStatsCSV writes the statistics in one long table: one line per
// figure, with the section it belongs to (total, sector, event_class,
// cause, year, published_reports, published_advisories). UTF-8 with a byte
// order mark and CRLF, like the registry export, so that Excel opens it.
func writeStatsCSV(w io.Writer, v *statsView) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	write := func(rec ...string) {
		for i := range rec {
			rec[i] = statsCSVCell(rec[i])
		}
		_ = cw.Write(rec)
	}
	write(statsCSVColumns...)
	fy := strconv.Itoa(v.FY)
	n, note := statsCSVCount(v.Total, v.Threshold)
	write(fy, "total", "", "", i18n.T("ja", "stats.total"), i18n.T("en", "stats.total"), n, note)
	for _, row := range v.BySector {
		n, note := statsCSVCount(row.statsCount, v.Threshold)
		write(fy, "sector", "", row.Key, row.NameJA, row.NameEN, n, note)
	}
	for _, row := range v.ByClass {
		n, note := statsCSVCount(row.statsCount, v.Threshold)
		write(fy, "event_class", "", row.Key, row.NameJA, row.NameEN, n, note)
	}
	for _, row := range v.ByCause {
		n, note := statsCSVCount(row.statsCount, v.Threshold)
		write(fy, "cause", row.Group, row.Key, row.NameJA, row.NameEN, n, note)
	}
	for _, y := range v.Years {
		n, note := statsCSVCount(y.Count, v.Threshold)
		write(strconv.Itoa(y.FY), "year", "", "", ceptor.FiscalYearLabel(y.FY, "ja"), ceptor.FiscalYearLabel(y.FY, "en"), n, note)
	}
	for _, p := range publishedReference {
		y := strconv.Itoa(p.FiscalYear)
		write(y, "published_reports", "", "", i18n.T("ja", "stats.published.reports"), i18n.T("en", "stats.published.reports"), strconv.Itoa(p.Reports), p.SourceJA)
		write(y, "published_advisories", "", "", i18n.T("ja", "stats.published.advisories"), i18n.T("en", "stats.published.advisories"), strconv.Itoa(p.Advisories), p.SourceJA)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// statsCSVCell keeps a spreadsheet from reading a cell as a formula.
func statsCSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.Atoi(s); err == nil {
			return s // a signed number is a number
		}
		return "'" + s
	}
	return s
}

// xlsxSheet is a sheet being written: rows of cells from A1.
type xlsxSheet struct {
	f    *excelize.File
	name string
	row  int
	err  error
}

func (x *xlsxSheet) add(cells ...any) {
	x.row++
	if x.err != nil {
		return
	}
	for i, c := range cells {
		cell, _ := excelize.CoordinatesToCellName(i+1, x.row)
		switch v := c.(type) {
		case nil:
		case string:
			if v != "" {
				x.err = x.f.SetCellStr(x.name, cell, v)
			}
		default:
			x.err = x.f.SetCellValue(x.name, cell, v)
		}
		if x.err != nil {
			return
		}
	}
}

// countCell is a figure for a workbook cell: a number, or the "fewer than"
// text when hidden.
func countCell(lang string, c statsCount, threshold int) any {
	if c.Hidden {
		return hiddenLabel(lang, threshold)
	}
	return c.N
}

// writeStatsXLSX writes the statistics as a workbook in lang: a summary
// sheet, one sheet per table (with a bar chart for the sectors and the
// years) and the published figures with their sources.
func (s *Server) writeStatsXLSX(w io.Writer, v *statsView, lang, coverage string) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	T := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	head, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
	})
	if err != nil {
		return err
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	label := ceptor.FiscalYearLabel(v.FY, lang)
	sheets := []string{T("stats.sheet.summary"), T("stats.sheet.sector"), T("stats.sheet.class"), T("stats.sheet.cause"), T("stats.sheet.years"), T("stats.sheet.published")}
	if err := f.SetSheetName(f.GetSheetName(0), sheets[0]); err != nil {
		return err
	}
	for _, name := range sheets[1:] {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	var errs []error
	header := func(x *xlsxSheet, widths []float64, cells ...any) {
		x.add(cells...)
		last, _ := excelize.CoordinatesToCellName(len(cells), x.row)
		errs = append(errs, f.SetCellStyle(x.name, "A"+strconv.Itoa(x.row), last, head))
		for i, wd := range widths {
			col, _ := excelize.ColumnNumberToName(i + 1)
			errs = append(errs, f.SetColWidth(x.name, col, col, wd))
		}
		errs = append(errs, f.SetPanes(x.name, &excelize.Panes{Freeze: true, YSplit: x.row, TopLeftCell: "A" + strconv.Itoa(x.row+1), ActivePane: "bottomLeft"}))
	}

	// Summary.
	sum := &xlsxSheet{f: f, name: sheets[0]}
	sum.add(T("stats.title") + " — " + label)
	errs = append(errs, f.SetCellStyle(sum.name, "A1", "A1", titleStyle), f.SetColWidth(sum.name, "A", "A", 28), f.SetColWidth(sum.name, "B", "B", 80))
	sum.add()
	sum.add(T("stats.fiscal_year"), label)
	sum.add(T("stats.period"), T("stats.period_value", v.From.Format("2006-01-02"), ceptor.FiscalYearLastDay(v.FY).Format("2006-01-02")))
	sum.add(T("stats.coverage"), coverage)
	sum.add(T("stats.total"), countCell(lang, v.Total, v.Threshold))
	if v.Published != nil {
		sum.add(T("stats.published.reports"), v.Published.Reports)
		sum.add(T("stats.published.advisories"), v.Published.Advisories)
	}
	sum.add(T("stats.generated"), s.now().In(ceptor.Tokyo).Format("2006-01-02 15:04"))
	sum.add()
	sum.add(T("stats.note.drills"))
	sum.add(T("stats.note.basis"))
	sum.add(T("stats.note.causes"))
	if v.Threshold > 0 {
		sum.add(T("stats.note.hidden", v.Threshold))
	}
	if v.Published != nil || len(publishedReference) > 0 {
		sum.add(T("stats.note.published"))
	}

	// By sector, with a chart.
	sec := &xlsxSheet{f: f, name: sheets[1]}
	header(sec, []float64{14, 36, 44, 10}, T("stats.col.code"), T("stats.col.sector_ja"), T("stats.col.sector_en"), T("stats.col.count"))
	for _, row := range v.BySector {
		sec.add(row.Key, row.NameJA, row.NameEN, countCell(lang, row.statsCount, v.Threshold))
	}
	sec.add(nil, T("stats.total"), nil, countCell(lang, v.Total, v.Threshold))
	if len(v.BySector) > 0 {
		errs = append(errs, addStatsChart(f, sec.name, "F2", T("stats.chart.sector", label), lang, "B", "D", 2, len(v.BySector)+1, true))
	}

	// By event class.
	cls := &xlsxSheet{f: f, name: sheets[2]}
	header(cls, []float64{18, 40, 44, 10}, T("stats.col.code"), T("stats.col.class_ja"), T("stats.col.class_en"), T("stats.col.count"))
	for _, row := range v.ByClass {
		cls.add(row.Key, row.NameJA, row.NameEN, countCell(lang, row.statsCount, v.Threshold))
	}
	cls.add(nil, T("stats.total"), nil, countCell(lang, v.Total, v.Threshold))

	// By cause.
	cau := &xlsxSheet{f: f, name: sheets[3]}
	header(cau, []float64{18, 20, 30, 36, 10}, T("stats.col.group"), T("stats.col.code"), T("stats.col.cause_ja"), T("stats.col.cause_en"), T("stats.col.count"))
	for _, row := range v.ByCause {
		cau.add(T("report.cause_group."+row.Group), row.Key, row.NameJA, row.NameEN, countCell(lang, row.statsCount, v.Threshold))
	}
	cau.add()
	cau.add(T("stats.note.causes"))

	// Year on year, with the published figures beside.
	yrs := &xlsxSheet{f: f, name: sheets[4]}
	header(yrs, []float64{14, 22, 30, 30}, T("stats.fiscal_year"), T("stats.series.ceptor"), T("stats.published.reports_ref"), T("stats.published.advisories_ref"))
	for _, y := range v.Years {
		var pr, pa any
		if y.Published != nil {
			pr, pa = y.Published.Reports, y.Published.Advisories
		}
		yrs.add(ceptor.FiscalYearLabel(y.FY, lang), countCell(lang, y.Count, v.Threshold), pr, pa)
	}
	if len(v.Years) > 0 {
		errs = append(errs, addStatsChart(f, yrs.name, "F2", T("stats.chart.years"), lang, "A", "B", 2, len(v.Years)+1, false))
	}

	// The published figures and their sources.
	pub := &xlsxSheet{f: f, name: sheets[5]}
	header(pub, []float64{14, 22, 22, 100}, T("stats.fiscal_year"), T("stats.published.reports"), T("stats.published.advisories"), T("stats.col.source"))
	for _, p := range publishedReference {
		pub.add(ceptor.FiscalYearLabel(p.FiscalYear, lang), p.Reports, p.Advisories, p.Source(lang))
	}
	pub.add()
	pub.add(T("stats.note.published"))

	for _, x := range []*xlsxSheet{sum, sec, cls, cau, yrs, pub} {
		errs = append(errs, x.err)
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// addStatsChart adds a bar chart (horizontal bars, or columns) of the rows
// first..last of a sheet, the categories in column cat and the values in
// column val.
func addStatsChart(f *excelize.File, sheet, at, title, lang, cat, val string, first, last int, horizontal bool) error {
	ref := func(col string) string {
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", strings.ReplaceAll(sheet, "'", "''"), col, first, col, last)
	}
	font := "Yu Gothic"
	if lang == "en" {
		font = "Calibri"
	}
	typ, scaleY := excelize.Col, 1.0
	if horizontal {
		typ, scaleY = excelize.Bar, 1.6
	}
	return f.AddChart(sheet, at, &excelize.Chart{
		Type:   typ,
		Series: []excelize.ChartSeries{{Name: title, Categories: ref(cat), Values: ref(val), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#1767C2"}}}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &excelize.Font{Family: font, Size: 12, Bold: true}}}},
		Legend: excelize.ChartLegend{Position: "none"},
		YAxis:  excelize.ChartAxis{MajorGridLines: true},
		XAxis:  excelize.ChartAxis{ReverseOrder: horizontal},
		Format: excelize.GraphicOptions{ScaleX: 1.4, ScaleY: scaleY},
	})
}
