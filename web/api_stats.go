package web

import (
	"net/http"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The statistics API: the same figures as /stats/reports, decided by the
// same policy (statsFor).

// apiStatsReports is the answer of GET /api/v1/stats/reports.
type apiStatsReports struct {
	FiscalYear int       `json:"fiscal_year"`
	Label      string    `json:"label"` // 「2020年度」 or "FY2020", in the caller's language
	From       time.Time `json:"from"`  // first instant of the fiscal year, Japan time
	To         time.Time `json:"to"`    // first instant of the next fiscal year (exclusive)
	// Scope is "programme" (every sector: NISC) or "sectors" (only the
	// sectors in SectorIDs: a ministry's or an executive's own).
	Scope     string  `json:"scope"`
	SectorIDs []int64 `json:"sector_ids"`
	// MinCount is the smallest count shown: smaller ones (zero included)
	// are null with suppressed true. 0 when nothing is suppressed.
	MinCount        int                   `json:"min_count"`
	Total           *int                  `json:"total"`
	TotalSuppressed bool                  `json:"total_suppressed,omitempty"`
	BySector        []apiStatsSector      `json:"by_sector"`
	ByEventClass    []apiStatsEventClass  `json:"by_event_class"`
	ByCause         []apiStatsCause       `json:"by_cause"`
	ByYear          []apiStatsYear        `json:"by_year"`
	Reference       apiStatsReferenceInfo `json:"reference"`
}

// apiStatsSector is the count of one sector.
type apiStatsSector struct {
	SectorID   int64  `json:"sector_id"` // 0: reports whose sector is not in the registry
	Code       string `json:"code"`
	NameJA     string `json:"name_ja"`
	NameEN     string `json:"name_en"`
	Count      *int   `json:"count"`
	Suppressed bool   `json:"suppressed,omitempty"`
}

// apiStatsEventClass is the count of one event class.
type apiStatsEventClass struct {
	EventClass ceptor.EventClass `json:"event_class"`
	NameJA     string            `json:"name_ja"`
	NameEN     string            `json:"name_en"`
	Count      *int              `json:"count"`
	Suppressed bool              `json:"suppressed,omitempty"`
}

// apiStatsCause is the number of reports naming one cause.
type apiStatsCause struct {
	Cause      ceptor.Cause `json:"cause"`
	Group      string       `json:"group"` // intentional, accidental, environmental, other
	NameJA     string       `json:"name_ja"`
	NameEN     string       `json:"name_en"`
	Count      *int         `json:"count"`
	Suppressed bool         `json:"suppressed,omitempty"`
}

// apiStatsYear is the total of one fiscal year of the comparison.
type apiStatsYear struct {
	FiscalYear int  `json:"fiscal_year"`
	Count      *int `json:"count"`
	Suppressed bool `json:"suppressed,omitempty"`
}

// apiStatsReferenceInfo is the programme's published figures.
type apiStatsReferenceInfo struct {
	Description string `json:"description"`
	// Year is the published figures of the requested fiscal year, null
	// when none were published in the reference documents.
	Year  *publishedFigures  `json:"year"`
	Years []publishedFigures `json:"years"`
}

func (s *Server) routesAPIStats() {
	errs := []int{http.StatusForbidden, http.StatusUnprocessableEntity}
	year := apiParam{Name: "fiscal_year", Type: "string",
		Description: "Fiscal year (April to March, Japan time), e.g. 2020 for 2020-04-01 to 2021-03-31; also FY2020 or 2020年度. Default: the current fiscal year. Years before 2000 or after the current one answer 422."}
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/stats/reports", Summary: "Report statistics of a fiscal year", Tag: "stats", Scope: ceptor.ScopeRead,
		Description: "Real reports (情報連絡; drills never count) submitted in the fiscal year, by sector, event class and cause, the totals of the four years before, " +
			"and the programme's published figures from the annual progress reports for comparison. A report counts once in its sector and event class, and once under each cause it names, " +
			"so the cause counts add up to more than the total. NISC sees every sector with exact counts; a ministry sees the sectors it oversees and an executive the sectors of their organisation, " +
			"and for them counts below min_count (zero included) are null with suppressed true, so that a single report in a small sector cannot point at its reporter; " +
			"in the sector and event-class lists a second count is suppressed when only one would be, so that it cannot be worked out from the total. Others answer 403.",
		Query:    []apiParam{year},
		Response: apiStatsReports{}, Errors: errs}, s.apiStatsReports)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/stats/reports/export", Summary: "Export report statistics as CSV or XLSX", Tag: "stats", Scope: ceptor.ScopeRead,
		Description: "The figures of GET /api/v1/stats/reports as a file. CSV: one line per figure with the columns fiscal_year, section (total, sector, event_class, cause, year, published_reports, published_advisories), group, code, name_ja, name_en, count, note (\"<3\" for a suppressed count, or the source of a published figure). " +
			"XLSX: a workbook with a summary, one sheet per table and the published figures with their sources, in the caller's language. The export is recorded in the audit log.",
		Query:    []apiParam{year, {Name: "format", Description: "File format (default csv).", Enum: []string{"csv", "xlsx"}}},
		Response: []byte{}, ResponseContent: "text/csv", Errors: errs}, s.apiStatsExport)
}

func (s *Server) apiStatsReports(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	fy, err := s.statsYearParam(r, "fiscal_year")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.statsFor(r.Context(), st, fy)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, statsAPIBody(v, st.lang))
}

func (s *Server) apiStatsExport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	fy, err := s.statsYearParam(r, "fiscal_year")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if err := s.opStatsExport(w, r, st, fy, format); err != nil {
		s.fail(w, r, err)
	}
}

// statsAPIBody turns a view into the API answer.
func statsAPIBody(v *statsView, lang string) apiStatsReports {
	out := apiStatsReports{
		FiscalYear: v.FY, Label: ceptor.FiscalYearLabel(v.FY, lang), From: v.From, To: v.To,
		Scope: "sectors", SectorIDs: v.SectorIDs, MinCount: v.Threshold,
		Total: v.Total.apiCount(), TotalSuppressed: v.Total.Hidden,
		BySector: []apiStatsSector{}, ByEventClass: []apiStatsEventClass{}, ByCause: []apiStatsCause{}, ByYear: []apiStatsYear{},
		Reference: apiStatsReferenceInfo{Description: i18n.T(lang, "stats.note.published"), Year: v.Published, Years: publishedReference},
	}
	if v.Whole {
		out.Scope = "programme"
	}
	if out.SectorIDs == nil {
		out.SectorIDs = []int64{}
	}
	for _, r := range v.BySector {
		out.BySector = append(out.BySector, apiStatsSector{SectorID: r.ID, Code: r.Key, NameJA: r.NameJA, NameEN: r.NameEN, Count: r.apiCount(), Suppressed: r.Hidden})
	}
	for _, r := range v.ByClass {
		out.ByEventClass = append(out.ByEventClass, apiStatsEventClass{EventClass: ceptor.EventClass(r.Key), NameJA: r.NameJA, NameEN: r.NameEN, Count: r.apiCount(), Suppressed: r.Hidden})
	}
	for _, r := range v.ByCause {
		out.ByCause = append(out.ByCause, apiStatsCause{Cause: ceptor.Cause(r.Key), Group: r.Group, NameJA: r.NameJA, NameEN: r.NameEN, Count: r.apiCount(), Suppressed: r.Hidden})
	}
	for _, y := range v.Years {
		out.ByYear = append(out.ByYear, apiStatsYear{FiscalYear: y.FY, Count: y.Count.apiCount(), Suppressed: y.Count.Hidden})
	}
	return out
}
