package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The statistics page /stats/reports: the reports of one fiscal year by
// sector, event class and cause, the years before it, and the programme's
// published figures for comparison, with CSV and XLSX downloads of the same
// tables. What the caller sees is decided in statsFor (stats_data.go).

func (s *Server) routesStats() {
	s.mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/stats/reports", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /stats/reports", s.statsPage)
	s.mux.HandleFunc("GET /stats/reports.csv", s.statsDownload("csv"))
	s.mux.HandleFunc("GET /stats/reports.xlsx", s.statsDownload("xlsx"))
}

// showStats decides whether the navigation offers the statistics: to those
// the policy lets see the programme or at least one sector (NISC,
// ministries, executives).
func showStats(a *ceptor.Actor) bool {
	if ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindStats}) {
		return true
	}
	candidates := append(slices.Clone(a.OverseesSectors), a.SectorIDs...)
	return len(ceptor.StatsSectors(a, candidates)) > 0
}

// statsPageData is the statistics page.
type statsPageData struct {
	V            *statsView
	Years        []int // selectable fiscal years, newest first
	YearLabel    string
	PeriodFrom   string
	PeriodTo     string
	Current      bool // the selected year is the current one (still running)
	Change       string
	ChangeClass  string
	Prev         *statsYear
	CoverageText string
	SectorChart  hbarChart
	ClassChart   hbarChart
	CauseChart   hbarChart
	YearChart    vbarChart
	PubChart     vbarChart
	TopCause     *statsRow // the cause named most often, when it is shown
	CauseGroups  []statsCauseGroup
	Published    []publishedFigures
	ShowYearRefs bool // a year of the year-on-year table has published figures
	CanExport    bool
	ExportQuery  string
	Hidden       string // how hidden counts read, e.g. 「3件未満」
}

// statsCauseGroup is the cause table, by group.
type statsCauseGroup struct {
	Key  string
	Rows []statsRow
}

// statsYearParam reads a fiscal year from the query (name), defaulting to
// the current one.
func (s *Server) statsYearParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return ceptor.FiscalYear(s.now()), nil
	}
	return ceptor.ParseFiscalYear(v, s.now())
}

func (s *Server) statsPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	fy, err := s.statsYearParam(r, "fy")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.statsFor(r.Context(), st, fy)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := st.lang
	current := ceptor.FiscalYear(s.now())
	d := statsPageData{
		V: v, Years: statsFiscalYears(current, fy), YearLabel: ceptor.FiscalYearLabel(fy, lang),
		PeriodFrom: v.From.Format("2006-01-02"), PeriodTo: ceptor.FiscalYearLastDay(fy).Format("2006-01-02"),
		Current:   fy == current,
		Published: publishedReference,
		CanExport: ceptor.Allow(st.actor, ceptor.ActExport, statsResource(v)),
		Hidden:    i18n.T(lang, "stats.hidden", v.Threshold),
	}
	d.ExportQuery = fmt.Sprintf("?fy=%d", fy) // the file holds the year shown, even across 1 April
	d.CoverageText = statsCoverageText(lang, v)
	if n := len(v.Years); n >= 2 {
		prev := v.Years[n-2]
		d.Prev = &prev
		if !prev.Count.Hidden && !v.Total.Hidden && prev.FY == fy-1 {
			d.Change, d.ChangeClass = changeText(lang, prev.Count.N, v.Total.N)
		}
	}
	for _, y := range v.Years {
		d.ShowYearRefs = d.ShowYearRefs || y.Published != nil
	}
	for _, g := range ceptor.CauseGroups {
		cg := statsCauseGroup{Key: g.Key}
		for _, row := range v.ByCause {
			if row.Group == g.Key {
				cg.Rows = append(cg.Rows, row)
			}
		}
		d.CauseGroups = append(d.CauseGroups, cg)
	}
	d.SectorChart = newHBarChart(lang, i18n.T(lang, "stats.chart.sector", d.YearLabel), v.BySector, v.Threshold, 44, nil)
	d.ClassChart = newHBarChart(lang, i18n.T(lang, "stats.chart.class", d.YearLabel), v.ByClass, v.Threshold, 26, func(r statsRow) string {
		if r.Key == string(ceptor.EventPrecursor) {
			return "bar-precursor"
		}
		return "bar-occurred"
	})
	d.CauseChart = newHBarChart(lang, i18n.T(lang, "stats.chart.cause", d.YearLabel), v.ByCause, v.Threshold, 26, func(r statsRow) string {
		return "bar-" + r.Group
	})
	d.YearChart = newYearChart(lang, i18n.T(lang, "stats.chart.years"), v.Years, v.Threshold)
	d.PubChart = newPublishedChart(lang, i18n.T(lang, "stats.chart.published"))
	for i, row := range v.ByCause {
		if !row.Hidden && row.N > 0 && (d.TopCause == nil || row.N > d.TopCause.N) {
			d.TopCause = &v.ByCause[i]
		}
	}
	s.render(w, r, http.StatusOK, "stats_reports", s.page(w, r, i18n.T(lang, "stats.title"), d))
}

// IsPublished reports whether fiscal year fy has published figures.
func (d statsPageData) IsPublished(fy int) bool { return publishedFor(fy) != nil }

// Share is a count as a percentage of the year's total: "12.5%", or "—" when the
// total is hidden or zero.
func (d statsPageData) Share(n int, hidden bool) string {
	if hidden || d.V.Total.Hidden || d.V.Total.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(d.V.Total.N))
}

// FY names a fiscal year in the page's language: 「2020年度」, "FY2020".
func (p *Page) FY(fy int) string { return ceptor.FiscalYearLabel(fy, p.Lang) }

// statsResource describes the statistics of a view for the policy.
func statsResource(v *statsView) ceptor.Resource {
	if v.Whole {
		return ceptor.Resource{Kind: ceptor.KindStats}
	}
	return ceptor.Resource{Kind: ceptor.KindStats, SectorIDs: v.SectorIDs}
}

// statsCoverageText says what the figures cover.
func statsCoverageText(lang string, v *statsView) string {
	if v.Whole {
		return i18n.T(lang, "stats.coverage.all")
	}
	names := make([]string, len(v.Sectors))
	for i, x := range v.Sectors {
		names[i] = x.NameJA
		if lang == "en" && x.NameEN != "" {
			names[i] = x.NameEN
		}
	}
	return i18n.T(lang, "stats.coverage.sectors", strings.Join(names, i18n.T(lang, "stats.list_sep")))
}

// changeText describes the change from the year before: "+12 (+8.5%)".
func changeText(lang string, prev, cur int) (string, string) {
	diff := cur - prev
	class := "flat"
	switch {
	case diff > 0:
		class = "up"
	case diff < 0:
		class = "down"
	}
	if prev == 0 {
		return i18n.T(lang, "stats.change.count", fmt.Sprintf("%+d", diff)), class
	}
	return i18n.T(lang, "stats.change.pct", fmt.Sprintf("%+d", diff), fmt.Sprintf("%+.1f%%", float64(diff)*100/float64(prev))), class
}

// statsDownload serves the tables as CSV or XLSX.
func (s *Server) statsDownload(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		fy, err := s.statsYearParam(r, "fy")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.opStatsExport(w, r, st, fy, format); err != nil {
			s.fail(w, r, err)
		}
	}
}
