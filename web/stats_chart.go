package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"ceptor"
	"ceptor/i18n"
)

// Bar charts drawn on the server as inline SVG: no script, no external
// files, and no style attributes (the Content-Security-Policy forbids
// them); colours and fonts come from classes in static/stats.css. Each
// chart has an accessible name and the table next to it carries the same
// figures for screen readers, printing and copying. Hidden (small) counts
// get no bar, only the "fewer than" mark.

// chartTick is a gridline with its value.
type chartTick struct {
	Pos   int // x of a vertical gridline (horizontal charts) or y of a horizontal one
	Label string
}

// hbar is one bar of a horizontal bar chart.
type hbar struct {
	Label  string // short label shown
	Full   string // full name (tooltip)
	Y      int    // top of the bar
	TextY  int    // baseline of the label and the value
	W      int    // bar length
	ValueX int
	Value  string
	Hidden bool
	Class  string
}

// hbarChart is a horizontal bar chart: one row per item.
type hbarChart struct {
	Title  string
	W, H   int
	LabelX int // right edge of the labels
	X0     int // where bars start
	AxisY  int // bottom of the plot
	BarH   int
	Bars   []hbar
	Ticks  []chartTick
	Empty  bool // every value is zero or hidden: the chart says so instead
}

const (
	hbarWidth  = 620
	hbarRow    = 26
	hbarHeight = 16
	hbarTop    = 6
	hbarAxis   = 22
)

// newHBarChart draws rows as bars. classOf chooses a bar's class.
// rowH is the height of a row (at least hbarRow), so that a chart can
// keep pace with the table beside it.
func newHBarChart(lang, title string, rows []statsRow, threshold, rowH int, classOf func(statsRow) string) hbarChart {
	rowH = max(rowH, hbarRow)
	c := hbarChart{Title: title, W: hbarWidth, BarH: hbarHeight, LabelX: 160}
	if lang == "en" {
		c.LabelX = 200
	}
	c.X0 = c.LabelX + 8
	span := c.W - c.X0 - 56 // room for the value after the longest bar
	top := 0
	for _, r := range rows {
		if !r.Hidden {
			top = max(top, r.N)
		}
	}
	c.Empty = top == 0
	scale, ticks := niceScale(top)
	for _, t := range ticks {
		c.Ticks = append(c.Ticks, chartTick{Pos: c.X0 + t*span/scale, Label: strconv.Itoa(t)})
	}
	for i, r := range rows {
		b := hbar{Label: shortLabel(r.Name(lang), lang), Full: r.Name(lang), Y: hbarTop + i*rowH + (rowH-hbarHeight)/2, Hidden: r.Hidden, Class: "bar"}
		b.TextY = b.Y + hbarHeight - 4
		if classOf != nil {
			b.Class += " " + classOf(r)
		}
		if r.Hidden {
			b.Value = hiddenLabel(lang, threshold)
		} else {
			b.Value = strconv.Itoa(r.N)
			b.W = r.N * span / scale
			if r.N > 0 {
				b.W = max(b.W, 2)
			}
		}
		b.ValueX = c.X0 + b.W + 6
		c.Bars = append(c.Bars, b)
	}
	c.AxisY = hbarTop + len(rows)*rowH
	c.H = c.AxisY + hbarAxis
	return c
}

// vbar is one bar of a column chart.
type vbar struct {
	X, Y, W, H int
	TextX      int
	TextY      int
	Value      string
	Hidden     bool
	Class      string
	Title      string
}

// vgroup is one category (a fiscal year) of a column chart.
type vgroup struct {
	Label    string
	X        int // centre
	Selected bool
	Bars     []vbar
}

// chartLegend is one series of a chart, with its place in the legend.
type chartLegend struct {
	Label string
	Class string
	X     int
}

// vbarChart is a column chart with one or more series per category.
type vbarChart struct {
	Title   string
	W, H    int
	X0, X1  int // plot area left and right
	BaseY   int // the zero line
	LabelY  int // baseline of the category labels
	Groups  []vgroup
	Ticks   []chartTick
	Legend  []chartLegend
	LegendY int
	Empty   bool
}

// columnValue is one value of a category: N < 0 when the series has no
// value there.
type columnValue struct {
	N      int
	Hidden bool
}

// columnCat is one category of a column chart with a value per series.
type columnCat struct {
	Label    string
	Selected bool
	Values   []columnValue
}

// newColumnChart draws categories as groups of columns, one per series
// (series: label and class).
func newColumnChart(lang, title string, series []chartLegend, cats []columnCat, threshold int) vbarChart {
	c := vbarChart{Title: title, W: hbarWidth, H: 250, X0: 48, X1: hbarWidth - 8, BaseY: 200, LabelY: 218, LegendY: 242}
	top := 0
	for _, cat := range cats {
		for _, v := range cat.Values {
			if !v.Hidden {
				top = max(top, v.N)
			}
		}
	}
	c.Empty = top == 0
	scale, ticks := niceScale(top)
	plotH := c.BaseY - 14
	for _, t := range ticks {
		c.Ticks = append(c.Ticks, chartTick{Pos: c.BaseY - t*plotH/scale, Label: strconv.Itoa(t)})
	}
	for i, sr := range series {
		sr.X = c.X0 + i*220
		c.Legend = append(c.Legend, sr)
	}
	n := max(len(cats), 1)
	slot := (c.X1 - c.X0) / n
	barW := min(slot/(len(series)+1), 34)
	for i, cat := range cats {
		g := vgroup{Label: cat.Label, X: c.X0 + i*slot + slot/2, Selected: cat.Selected}
		left := g.X - (len(cat.Values)*barW+(len(cat.Values)-1)*4)/2
		for j, v := range cat.Values {
			b := vbar{X: left + j*(barW+4), W: barW, Hidden: v.Hidden}
			if j < len(series) {
				b.Class, b.Title = series[j].Class, series[j].Label
			}
			b.TextX = b.X + barW/2
			switch {
			case v.N < 0:
				b.Value = "—"
			case v.Hidden:
				b.Value = hiddenLabel(lang, threshold)
			default:
				b.Value = strconv.Itoa(v.N)
				b.H = v.N * plotH / scale
				if v.N > 0 {
					b.H = max(b.H, 2)
				}
			}
			b.Y = c.BaseY - b.H
			b.TextY = b.Y - 4
			g.Bars = append(g.Bars, b)
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}

// newYearChart draws the year-on-year counts, with the published figures
// beside them when any of the years has some.
func newYearChart(lang, title string, years []statsYear, threshold int) vbarChart {
	series := []chartLegend{{Label: i18n.T(lang, "stats.series.ceptor"), Class: "bar bar-ceptor"}}
	published := false
	for _, y := range years {
		published = published || y.Published != nil
	}
	if published {
		series = append(series, chartLegend{Label: i18n.T(lang, "stats.series.published"), Class: "bar bar-ref"})
	}
	var cats []columnCat
	for _, y := range years {
		cat := columnCat{Label: ceptor.FiscalYearLabel(y.FY, lang), Selected: y.Selected, Values: []columnValue{{N: y.Count.N, Hidden: y.Count.Hidden}}}
		if published {
			p := columnValue{N: -1}
			if y.Published != nil {
				p.N = y.Published.Reports
			}
			cat.Values = append(cat.Values, p)
		}
		cats = append(cats, cat)
	}
	return newColumnChart(lang, title, series, cats, threshold)
}

// newPublishedChart draws the published reports and advisories by year.
func newPublishedChart(lang, title string) vbarChart {
	series := []chartLegend{
		{Label: i18n.T(lang, "stats.published.reports"), Class: "bar bar-ref"},
		{Label: i18n.T(lang, "stats.published.advisories"), Class: "bar bar-adv"},
	}
	var cats []columnCat
	for _, p := range publishedReference {
		cats = append(cats, columnCat{Label: ceptor.FiscalYearLabel(p.FiscalYear, lang), Values: []columnValue{{N: p.Reports}, {N: p.Advisories}}})
	}
	return newColumnChart(lang, title, series, cats, 0)
}

// niceScale returns the top of an axis for values up to top, a round
// number, and its gridlines (0 included).
func niceScale(top int) (int, []int) {
	if top <= 0 {
		return 1, []int{0}
	}
	step := 1
	for {
		for _, m := range []int{1, 2, 5} {
			if top <= step*m*4 {
				s := step * m
				end := (top + s - 1) / s * s
				var ticks []int
				for t := 0; t <= end; t += s {
					ticks = append(ticks, t)
				}
				return end, ticks
			}
		}
		step *= 10
	}
}

// shortLabel keeps a chart label short: an explanation in brackets is
// dropped and a long name is cut with an ellipsis (the full name is the
// bar's tooltip and stands in the table).
func shortLabel(name, lang string) string {
	for _, open := range []string{"（", " ("} {
		if i := strings.Index(name, open); i > 0 {
			name = name[:i]
		}
	}
	limit := 11
	if lang == "en" {
		limit = 30
	}
	if utf8.RuneCountInString(name) <= limit {
		return name
	}
	r := []rune(name)
	cut := string(r[:limit-1])
	if lang == "en" && r[limit-1] != ' ' {
		// English is cut between words.
		if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
			cut = cut[:i]
		}
	}
	return strings.TrimSpace(cut) + "…"
}

// hiddenLabel is the mark of a hidden count: "3未満", "<3".
func hiddenLabel(lang string, threshold int) string {
	return i18n.T(lang, "stats.hidden_short", threshold)
}
