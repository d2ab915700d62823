package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"ceptor"
	"ceptor/i18n"
)

// Survey statistics pages: a campaign's figures per sector and overall
// (baseline and leading shares, CSIRT, exercises, item by item, the
// distribution of completion), the comparison with the previous campaign
// through the catalog mapping, the trend across years, an operator's own
// answers against its sector, and CSV/XLSX exports. Charts are inline SVG
// drawn here (classes in app.css), as in stats_chart.go.

// rateBar is one row of a two-bar (baseline, leading) chart.
type rateBar struct {
	Label            string
	Y, TextY         int
	BW, LW           int // bar lengths
	BText, LText     string
	BValueX, LValueX int
	Hidden           bool
}

// rateChart compares baseline and leading shares per sector.
type rateChart struct {
	Title string
	W, H  int
	X0    int
	Bars  []rateBar
	Ticks []chartTick
	AxisY int
}

const rateRow = 34

func newRateChart(title string, rows []sectorFigures, hiddenText string) rateChart {
	c := rateChart{Title: title, W: 640, X0: 150}
	plot := c.W - c.X0 - 56
	for i, r := range rows {
		y := 6 + i*rateRow
		b := rateBar{Label: truncateRunes(r.Name, 11), Y: y, TextY: y + 14, Hidden: r.Hidden}
		if !r.Hidden {
			b.BW, b.LW = int(r.Baseline*float64(plot)+0.5), int(r.Leading*float64(plot)+0.5)
			b.BText, b.LText = pct1(r.Baseline), pct1(r.Leading)
			b.BValueX, b.LValueX = c.X0+b.BW+4, c.X0+b.LW+4
		} else {
			b.BText = hiddenText
		}
		c.Bars = append(c.Bars, b)
	}
	c.AxisY = 6 + len(rows)*rateRow
	c.H = c.AxisY + 22
	for _, p := range []int{0, 25, 50, 75, 100} {
		c.Ticks = append(c.Ticks, chartTick{Pos: c.X0 + p*plot/100, Label: strconv.Itoa(p) + "%"})
	}
	return c
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func pct1(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// histCol is one column of a distribution chart.
type histCol struct {
	X, Y, W, H  int
	TextX       int
	Label, Text string
	Own         bool
}

// histChart shows how many respondents satisfy what share of their
// applicable questions of a tier.
type histChart struct {
	Title  string
	W, H   int
	BaseY  int
	Cols   []histCol
	Hidden bool
}

func newHistChart(title string, dist [ceptor.SurveyBins]int, own int) histChart {
	c := histChart{Title: title, W: 640, H: 210, BaseY: 170}
	maxN := 1
	for _, n := range dist {
		maxN = max(maxN, n)
	}
	colW := (c.W - 40) / ceptor.SurveyBins
	for i, n := range dist {
		h := n * 140 / maxN
		label := fmt.Sprintf("%d–", i*10)
		if i == ceptor.SurveyBins-1 {
			label = "100"
		}
		x := 20 + i*colW
		c.Cols = append(c.Cols, histCol{X: x + 4, Y: c.BaseY - h, W: colW - 8, H: h, TextX: x + colW/2, Label: label, Text: strconv.Itoa(n), Own: i == own})
	}
	return c
}

// sectorFigures is one line of the statistics table.
type sectorFigures struct {
	ID                                 int64
	Name                               string
	Targets                            int
	G                                  *ceptor.SurveyGroupStats
	Hidden                             bool
	Baseline, Leading, CSIRT, Exercise float64
	Executive                          float64
}

type surveyStatsData struct {
	V          *surveyStatsView
	Rows       []sectorFigures // sectors, then the overall line
	Overall    sectorFigures
	RateChart  rateChart
	BDist      histChart
	LDist      histChart
	Items      []itemFigures
	Prev       *ceptor.SurveyCampaign
	CanExport  bool
	HiddenText string
	Scale      []ceptor.Answer
}

type itemFigures struct {
	Q        ceptor.SurveyQuestion
	S        ceptor.SurveyItemStat
	Rate     float64
	PrevRate float64
	HasPrev  bool
	Diff     string
}

func (s *Server) surveyStatsData(r *http.Request, st *reqState, id int64) (*surveyStatsData, error) {
	ctx := r.Context()
	v, err := s.surveyStatsFor(ctx, st, id)
	if err != nil {
		return nil, err
	}
	p, err := s.store.CampaignProgress(ctx, id)
	if err != nil {
		return nil, err
	}
	targets := map[int64]int{}
	for _, row := range p.BySector {
		targets[row.ID] = row.Targets
	}
	d := &surveyStatsData{V: v, Scale: ceptor.AnswerScale, HiddenText: i18n.T(st.lang, "stats.hidden", v.Threshold),
		CanExport: ceptor.Allow(st.actor, ceptor.ActExport, ceptor.Resource{Kind: ceptor.KindStats, SectorIDs: v.C.SectorIDs}) || v.Whole}
	fig := func(id int64, name string, g *ceptor.SurveyGroupStats, hidden bool, tg int) sectorFigures {
		f := sectorFigures{ID: id, Name: name, G: g, Hidden: hidden, Targets: tg}
		if g != nil && !hidden {
			f.Baseline, f.Leading, f.CSIRT, f.Exercise, f.Executive = g.BaselineRate(), g.LeadingRate(), g.CSIRTRate(), g.ExerciseRate(), g.ExecutiveRate()
		}
		return f
	}
	total := 0
	for _, x := range v.Sectors {
		g := v.Stats.Sector(x.ID)
		if g == nil {
			g = &ceptor.SurveyGroupStats{SectorID: x.ID}
		}
		d.Rows = append(d.Rows, fig(x.ID, pick(st.lang, x.NameJA, x.NameEN), g, v.Hidden[x.ID], targets[x.ID]))
		total += targets[x.ID]
	}
	d.Overall = fig(0, i18n.T(st.lang, "survey.stats.overall"), &v.Stats.Overall, v.Hidden[0], total)
	d.RateChart = newRateChart(i18n.T(st.lang, "survey.stats.chart_rates"), append(append([]sectorFigures{}, d.Rows...), d.Overall), d.HiddenText)
	if !v.Hidden[0] {
		d.BDist = newHistChart(i18n.T(st.lang, "survey.stats.chart_bdist"), v.Stats.Overall.BaselineDist, -1)
		d.LDist = newHistChart(i18n.T(st.lang, "survey.stats.chart_ldist"), v.Stats.Overall.LeadingDist, -1)
	} else {
		d.BDist.Hidden, d.LDist.Hidden = true, true
	}
	// The previous opened campaign, for the comparison through the mapping.
	list, err := s.store.ListCampaigns(ctx, ceptor.SurveyFilter{})
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.ID != v.C.ID && c.Status != ceptor.SurveyDraft && (c.FiscalYear < v.C.FiscalYear || c.FiscalYear == v.C.FiscalYear && c.ID < v.C.ID) {
			if d.Prev == nil || c.FiscalYear > d.Prev.FiscalYear || c.FiscalYear == d.Prev.FiscalYear && c.ID > d.Prev.ID {
				d.Prev = c
			}
		}
	}
	var mapping []int
	var prevStats *ceptor.SurveyStats
	if d.Prev != nil && !v.Hidden[0] {
		if mapping, err = s.versionMapping(ctx, v.C, d.Prev); err != nil {
			return nil, err
		}
		pv, err := s.surveyStatsFor(ctx, st, d.Prev.ID)
		if err == nil && !pv.Hidden[0] {
			prevStats = pv.Stats
		}
	}
	if !v.Hidden[0] {
		for i, q := range v.C.Questions {
			it := itemFigures{Q: q, S: v.Stats.Overall.Items[i], Rate: v.Stats.Overall.Items[i].Rate()}
			if prevStats != nil && mapping[i] >= 0 && mapping[i] < len(prevStats.Overall.Items) {
				ps := prevStats.Overall.Items[mapping[i]]
				if ps.Applicable() > 0 {
					it.HasPrev, it.PrevRate = true, ps.Rate()
					it.Diff = fmt.Sprintf("%+.1f", (it.Rate-it.PrevRate)*100)
				}
			}
			d.Items = append(d.Items, it)
		}
	}
	return d, nil
}

func (s *Server) surveyStatsPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	d, err := s.surveyStatsData(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "survey_stats", s.page(w, r, i18n.T(st.lang, "survey.stats.title"), d))
}

// surveyStatsDownload exports the statistics as CSV or XLSX.
func (s *Server) surveyStatsDownload(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		if err := s.opSurveyStatsExport(w, r, st, id, format); err != nil {
			s.fail(w, r, err)
		}
	}
}

// surveyStatsTable is the export: a sectors table and an items table.
func surveyStatsTables(d *surveyStatsData, lang string) (sectors, items [][]string) {
	sectors = [][]string{{"sector", "respondents", "targets", "baseline_all", "baseline_rate", "leading_all", "leading_rate", "csirt_rate", "exercise_rate", "executive_rate"}}
	hidden := "<" + strconv.Itoa(d.V.Threshold)
	for _, f := range append(append([]sectorFigures{}, d.Rows...), d.Overall) {
		if f.Hidden {
			sectors = append(sectors, []string{f.Name, hidden, strconv.Itoa(f.Targets), "", "", "", "", "", "", ""})
			continue
		}
		g := f.G
		sectors = append(sectors, []string{f.Name, strconv.Itoa(g.Respondents), strconv.Itoa(f.Targets), strconv.Itoa(g.BaselineAll), rate4(f.Baseline),
			strconv.Itoa(g.LeadingAll), rate4(f.Leading), rate4(f.CSIRT), rate4(f.Exercise), rate4(f.Executive)})
	}
	items = [][]string{{"no", "key", "group", "tier", "question", "implemented", "partly", "planned", "not", "na", "rate", "prev_rate"}}
	for _, it := range d.Items {
		c := it.S.Counts
		prev := ""
		if it.HasPrev {
			prev = rate4(it.PrevRate)
		}
		items = append(items, []string{strconv.Itoa(it.Q.No), it.Q.Key, it.Q.Group, string(it.Q.Tier), it.Q.Text,
			strconv.Itoa(c[0]), strconv.Itoa(c[1]), strconv.Itoa(c[2]), strconv.Itoa(c[3]), strconv.Itoa(c[4]), rate4(it.Rate), prev})
	}
	return sectors, items
}

func rate4(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

func (s *Server) opSurveyStatsExport(w http.ResponseWriter, r *http.Request, st *reqState, id int64, format string) error {
	d, err := s.surveyStatsData(r, st, id)
	if err != nil {
		return err
	}
	if !d.CanExport {
		return forbidden(st)
	}
	sectors, items := surveyStatsTables(d, st.lang)
	var buf bytes.Buffer
	name := fmt.Sprintf("survey-%d-stats", id)
	switch format {
	case "", "csv":
		buf.Write([]byte{0xEF, 0xBB, 0xBF})
		cw := csv.NewWriter(&buf)
		cw.UseCRLF = true
		for _, row := range sectors {
			_ = cw.Write(append([]string{"sector"}, safeRow(row)...))
		}
		for _, row := range items {
			_ = cw.Write(append([]string{"item"}, safeRow(row)...))
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	case "xlsx":
		if err := writeStdXLSX(&buf, []stdSheet{{Name: "sectors", Rows: sectors, Widths: []float64{22, 12, 10, 12, 12, 12, 12, 12, 12, 12}},
			{Name: "items", Rows: items, Widths: []float64{6, 12, 18, 10, 60}}}); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
	default:
		return ceptor.Invalid(map[string]string{"format": "std.err.format"})
	}
	s.audit(r, "survey.stats_export", ceptor.KindSurvey, id, st.actor.OrgID, map[string]any{"format": format})
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err = buf.WriteTo(w)
	return err
}

func safeRow(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = ceptor.SafeCell(c)
	}
	return out
}

// ---- comparison of one's own answers ----

type surveyCompareData struct {
	Cmp        *surveyComparison
	BDist      histChart
	LDist      histChart
	Items      []compareItem
	SectorName string
}

type compareItem struct {
	Q      ceptor.SurveyQuestion
	Own    ceptor.Answer
	Rate   float64
	Asked  int
	Better bool // implemented where fewer than half of the sector do
	Behind bool // not implemented where most of the sector do
}

func (s *Server) surveyComparePage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	cmp, err := s.surveyComparisonFor(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := surveyCompareData{Cmp: cmp}
	if cmp.Sector != nil {
		d.SectorName = pick(st.lang, cmp.Sector.NameJA, cmp.Sector.NameEN)
	}
	if cmp.Group != nil {
		d.BDist = newHistChart(i18n.T(st.lang, "survey.cmp.chart_b"), cmp.Group.BaselineDist, ceptor.ShareBin(cmp.OwnBaseline))
		d.LDist = newHistChart(i18n.T(st.lang, "survey.cmp.chart_l"), cmp.Group.LeadingDist, ceptor.ShareBin(cmp.OwnLeading))
		for i, q := range cmp.SC.C.Questions {
			if !q.AppliesTo(cmp.SC.Sector) {
				continue
			}
			it := cmp.Group.Items[i]
			own := ceptor.Answer(cmp.SC.Response.Answers[i])
			ci := compareItem{Q: q, Own: own, Rate: it.Rate(), Asked: it.Applicable()}
			ci.Better = own == ceptor.AnswerImplemented && ci.Rate < 0.5
			ci.Behind = own != ceptor.AnswerImplemented && own != ceptor.AnswerNA && ci.Rate >= 0.5
			d.Items = append(d.Items, ci)
		}
	}
	s.render(w, r, http.StatusOK, "survey_compare", s.page(w, r, i18n.T(st.lang, "survey.cmp.title"), d))
}

// ---- across years ----

type surveyTrendsData struct {
	Rows  []trendRow
	Chart rateChart
}

type trendRow struct {
	C                                  *ceptor.SurveyCampaign
	Respondents                        int
	Baseline, Leading, CSIRT, Exercise float64
	Hidden                             bool
}

func (s *Server) surveyTrends(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	whole := ceptor.Allow(st.actor, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindStats})
	if !whole && len(st.actor.OverseesSectors) == 0 {
		s.fail(w, r, forbidden(st))
		return
	}
	years, err := s.surveyYears(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	thr := ceptor.StatsThreshold(st.actor)
	var d surveyTrendsData
	var figs []sectorFigures
	for _, y := range years {
		t := y.Overall
		if !whole {
			t = ceptor.SurveyTotals{}
			for sid, x := range y.Sectors {
				if len(ceptor.StatsSectors(st.actor, []int64{sid})) == 1 {
					t.Respondents += x.Respondents
					t.BaselineAll += x.BaselineAll
					t.LeadingAll += x.LeadingAll
					t.CSIRT += x.CSIRT
					t.Exercises += x.Exercises
				}
			}
		}
		row := trendRow{C: y.C, Respondents: t.Respondents, Hidden: t.Respondents < thr}
		if t.Respondents > 0 && !row.Hidden {
			n := float64(t.Respondents)
			row.Baseline, row.Leading, row.CSIRT, row.Exercise = float64(t.BaselineAll)/n, float64(t.LeadingAll)/n, float64(t.CSIRT)/n, float64(t.Exercises)/n
		}
		d.Rows = append(d.Rows, row)
		figs = append(figs, sectorFigures{Name: ceptor.FiscalYearLabel(y.C.FiscalYear, st.lang), Baseline: row.Baseline, Leading: row.Leading, Hidden: row.Hidden})
	}
	d.Chart = newRateChart(i18n.T(st.lang, "survey.trends.chart"), figs, i18n.T(st.lang, "stats.hidden", thr))
	s.render(w, r, http.StatusOK, "survey_trends", s.page(w, r, i18n.T(st.lang, "survey.trends.title"), d))
}

// Pct writes a share 0..1 as a percentage with one decimal.
func (p *Page) Pct(f float64) string { return pct1(f) }

// AnswerName is an answer's label in the page language.
func (p *Page) AnswerName(a ceptor.Answer) string {
	if a == ceptor.AnswerNone {
		return i18n.T(p.Lang, "survey.answer.none")
	}
	return i18n.T(p.Lang, "survey.answer."+a.Code())
}

// TierName is a tier's label in the page language.
func (p *Page) TierName(t ceptor.Tier) string { return i18n.T(p.Lang, "std.tier."+string(t)) }

// Tenth rounds a share 0..1 to tenths 0..10, for the meter classes w0..w10
// (the Content-Security-Policy forbids style attributes).
func (p *Page) Tenth(f float64) int { return max(0, min(10, int(f*10+0.5))) }

// With returns a copy of the page that carries data, for sub-templates
// that need the page's helpers with other data.
func (p *Page) With(data any) *Page {
	q := *p
	q.Data = data
	return &q
}
