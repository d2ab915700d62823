package web

// The programme's published figures, for comparison with what ceptor
// counts. They come from the annual progress reports (年次報告, "重要インフラ
// に関する取組の進捗状況") in the reference documents: each report has a
// table of the information shared with operators in its year and the years
// before it, giving the number of reports (情報連絡) operators sent to the
// Cabinet Secretariat (NISC) and of advisories (情報提供) NISC sent out.
// Each row names the report it was taken from; the overlapping tables of
// the later reports repeat the same figures.
//
// These are published totals of the whole programme, counted outside ceptor;
// they are shown as a reference row, never mixed into ceptor's own counts,
// and to everyone who may see any statistics (they are public).

// publishedFigures is one fiscal year of the published figures.
type publishedFigures struct {
	FiscalYear int    `json:"fiscal_year"`
	Reports    int    `json:"reports"`    // 情報連絡件数: operators -> NISC
	Advisories int    `json:"advisories"` // 情報提供件数: NISC -> operators
	SourceJA   string `json:"source_ja"`
	SourceEN   string `json:"source_en"`
}

// Source notes, one per annual report.
const (
	srcFY2017JA = "2017年度 重要インフラに関する取組の進捗状況（年次報告）表「重要インフラ事業者等との情報共有件数」"
	srcFY2017EN = "Annual progress report for FY2017 (critical infrastructure), table of information shared with operators"
	srcFY2018JA = "2018年度 重要インフラに関する取組の進捗状況（年次報告）表「重要インフラ事業者等との情報共有件数」"
	srcFY2018EN = "Annual progress report for FY2018 (critical infrastructure), table of information shared with operators"
	srcFY2019JA = "2019年度 重要インフラに関する取組の進捗状況（年次報告）表「重要インフラ事業者等との情報共有件数」"
	srcFY2019EN = "Annual progress report for FY2019 (critical infrastructure), table of information shared with operators"
	srcFY2020JA = "2020年度 重要インフラに関する取組の進捗状況（年次報告）表「重要インフラ事業者等との情報共有件数」"
	srcFY2020EN = "Annual progress report for FY2020 (critical infrastructure), table of information shared with operators"
)

// publishedReference lists the published figures by fiscal year, oldest
// first. SPEC §3.1 "Counts" names FY2017-2020; the FY2017 report also
// gives FY2014-2016.
var publishedReference = []publishedFigures{
	{2014, 124, 38, srcFY2017JA, srcFY2017EN},
	{2015, 401, 44, srcFY2017JA, srcFY2017EN},
	{2016, 856, 80, srcFY2017JA, srcFY2017EN},
	{2017, 388, 54, srcFY2017JA, srcFY2017EN},
	{2018, 223, 43, srcFY2018JA, srcFY2018EN},
	{2019, 269, 38, srcFY2019JA, srcFY2019EN},
	{2020, 309, 64, srcFY2020JA, srcFY2020EN},
}

// publishedFor returns the published figures of fiscal year fy, or nil.
func publishedFor(fy int) *publishedFigures {
	for i := range publishedReference {
		if publishedReference[i].FiscalYear == fy {
			return &publishedReference[i]
		}
	}
	return nil
}

// Source returns the source note in lang.
func (p *publishedFigures) Source(lang string) string {
	if lang == "en" {
		return p.SourceEN
	}
	return p.SourceJA
}
