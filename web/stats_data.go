package web

import (
	"context"
	"slices"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// Report statistics by fiscal year (SPEC §3.1 "Counts", §3.8): real reports
// (drills never count) submitted in the fiscal year, by sector, event class
// and cause, with the years before for comparison. The page, the exports and
// the API share statsFor, which asks the policy what the caller may see:
//
//   - Coverage. NISC sees the programme as a whole; a ministry the sectors
//     it oversees; an executive the sectors of their organisation
//     (ceptor.StatsSectors). Every table and total is computed over the
//     covered sectors only, so that nothing outside them can be worked out.
//   - Small counts. Outside NISC, counts below ceptor.StatsMinCount (zero
//     included, so that "none" and "one" look alike) are shown only as
//     "fewer than 3" (ceptor.StatsThreshold): a single report in a small
//     sector could otherwise point at its reporter. In the sector and event
//     class tables, whose rows add up to the total, a lone hidden cell would
//     be the total minus the others, so a second cell is hidden with it.
//     Hidden counts are zeroed here, before any page, file or API answer is
//     built, so that they cannot leak through any of them.

// statsYears is how many fiscal years the year-on-year table shows.
const statsYears = 5

// statsCount is one figure. A hidden figure is below the viewer's threshold;
// its N is zero and only "fewer than Threshold" may be shown.
type statsCount struct {
	N      int
	Hidden bool
}

// apiCount is the figure for the API: nil when hidden.
func (c statsCount) apiCount() *int {
	if c.Hidden {
		return nil
	}
	n := c.N
	return &n
}

// statsRow is one row of a table: a sector, an event class or a cause.
type statsRow struct {
	Key    string // sector code, event class or cause
	ID     int64  // sector id (sector rows; 0 for "sector unknown")
	Group  string // cause group (cause rows)
	NameJA string
	NameEN string
	statsCount
}

// statsYear is one fiscal year of the year-on-year table.
type statsYear struct {
	FY        int
	Count     statsCount
	Published *publishedFigures // the programme's published figures, when there are any
	Selected  bool              // the year the page is about
}

// statsView is what a caller may see of one fiscal year.
type statsView struct {
	FY        int
	From, To  time.Time        // [From, To) in Japan time
	Whole     bool             // the programme as a whole (NISC)
	Threshold int              // counts below it are hidden (0: none)
	SectorIDs []int64          // the sectors covered (every sector when Whole)
	Sectors   []*ceptor.Sector // the covered sectors of the registry, in display order
	Total     statsCount
	BySector  []statsRow
	ByClass   []statsRow
	ByCause   []statsRow
	Years     []statsYear // statsYears years ending with FY, oldest first
	Published *publishedFigures
}

// statsCoverage returns what a may see: the programme as a whole, or the
// sectors (of the registry's, in display order) it may see statistics of.
// It refuses a caller who may see none; a token whose scopes alone stand in
// the way is told so.
func statsCoverage(st *reqState, sectors []*ceptor.Sector) (whole bool, ids []int64, err error) {
	a := st.actor
	all := make([]int64, len(sectors))
	for i, x := range sectors {
		all[i] = x.ID
	}
	if ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindStats}) {
		return true, all, nil
	}
	ids = ceptor.StatsSectors(a, all)
	if len(ids) > 0 {
		return false, ids, nil
	}
	if a != nil && a.Scopes != nil {
		unscoped := *a
		unscoped.Scopes = nil
		if ceptor.Allow(&unscoped, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindStats}) || len(ceptor.StatsSectors(&unscoped, all)) > 0 {
			return false, nil, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "the token's scopes do not allow this", Key: "err.scope"}
		}
	}
	return false, nil, forbidden(st)
}

// statsFor computes the statistics of fiscal year fy that the caller may
// see, or refuses.
func (s *Server) statsFor(ctx context.Context, st *reqState, fy int) (*statsView, error) {
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		return nil, err
	}
	whole, ids, err := statsCoverage(st, sectors)
	if err != nil {
		return nil, err
	}
	v := &statsView{FY: fy, Whole: whole, SectorIDs: ids, Threshold: ceptor.StatsThreshold(st.actor), Published: publishedFor(fy)}
	v.From, v.To = ceptor.FiscalYearRange(fy)
	covered := func(sector int64) bool {
		if whole {
			return true
		}
		return slices.Contains(ids, sector)
	}
	counts, err := s.store.ReportCounts(ctx, v.From, v.To, false)
	if err != nil {
		return nil, err
	}

	bySector := map[int64]int{}
	byClass := map[ceptor.EventClass]int{}
	byCause := map[ceptor.Cause]int{}
	total := 0
	for _, c := range counts {
		if !covered(c.SectorID) {
			continue
		}
		if c.Cause != "" {
			byCause[c.Cause] += c.N
			continue
		}
		total += c.N
		bySector[c.SectorID] += c.N
		byClass[c.EventClass] += c.N
	}

	// Sectors: the active ones in display order, and a retired one only
	// when it has reports in the year; for NISC, reports whose sector is
	// not in the registry in a row of their own.
	known := map[int64]bool{}
	for _, x := range sectors {
		known[x.ID] = true
		if covered(x.ID) {
			v.Sectors = append(v.Sectors, x)
		}
		if !covered(x.ID) || !x.Active && bySector[x.ID] == 0 {
			continue
		}
		v.BySector = append(v.BySector, statsRow{Key: x.Code, ID: x.ID, NameJA: x.NameJA, NameEN: x.NameEN, statsCount: statsCount{N: bySector[x.ID]}})
	}
	if whole {
		unknown := 0
		for id, n := range bySector {
			if !known[id] {
				unknown += n
			}
		}
		if unknown > 0 {
			v.BySector = append(v.BySector, statsRow{NameJA: i18n.T("ja", "stats.sector_unknown"), NameEN: i18n.T("en", "stats.sector_unknown"), statsCount: statsCount{N: unknown}})
		}
	}
	for _, c := range ceptor.EventClasses {
		k := "report.event." + string(c)
		v.ByClass = append(v.ByClass, statsRow{Key: string(c), NameJA: i18n.T("ja", k), NameEN: i18n.T("en", k), statsCount: statsCount{N: byClass[c]}})
	}
	listed := map[ceptor.EventClass]bool{}
	for _, c := range ceptor.EventClasses {
		listed[c] = true
	}
	other := 0
	for c, n := range byClass {
		if !listed[c] {
			other += n // a class this version does not know: counted as "other"
		}
	}
	for i := range v.ByClass {
		if v.ByClass[i].Key == string(ceptor.EventOther) {
			v.ByClass[i].N += other
		}
	}
	for _, g := range ceptor.CauseGroups {
		for _, c := range g.Causes {
			k := "report.cause." + string(c)
			v.ByCause = append(v.ByCause, statsRow{Key: string(c), Group: g.Key, NameJA: i18n.T("ja", k), NameEN: i18n.T("en", k), statsCount: statsCount{N: byCause[c]}})
		}
	}

	v.Total = statsCount{N: total}
	v.Total.hide(v.Threshold)
	hideTable(v.BySector, v.Total, v.Threshold)
	hideTable(v.ByClass, v.Total, v.Threshold)
	for i := range v.ByCause {
		v.ByCause[i].hide(v.Threshold) // causes do not add up to the total
	}

	// The years before, over the same coverage.
	for y := max(fy-statsYears+1, ceptor.FirstFiscalYear); y <= fy; y++ {
		year := statsYear{FY: y, Published: publishedFor(y), Selected: y == fy}
		if y == fy {
			year.Count = v.Total
		} else {
			from, to := ceptor.FiscalYearRange(y)
			cs, err := s.store.ReportCounts(ctx, from, to, false)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if c.Cause == "" && covered(c.SectorID) {
					year.Count.N += c.N
				}
			}
			year.Count.hide(v.Threshold)
		}
		v.Years = append(v.Years, year)
	}
	return v, nil
}

// hide hides c when it is below threshold, forgetting its value.
func (c *statsCount) hide(threshold int) {
	if threshold > 0 && c.N < threshold {
		c.N, c.Hidden = 0, true
	}
}

// hideTable hides the small cells of a table whose rows add up to total.
// When exactly one cell would be hidden while the total is shown, the
// total minus the shown cells would give it away, so the smallest shown
// cell is hidden as well.
func hideTable(rows []statsRow, total statsCount, threshold int) {
	if threshold <= 0 {
		return
	}
	hidden := 0
	for i := range rows {
		rows[i].hide(threshold)
		if rows[i].Hidden {
			hidden++
		}
	}
	if hidden != 1 || total.Hidden {
		return
	}
	smallest := -1
	for i := range rows {
		if !rows[i].Hidden && (smallest < 0 || rows[i].N < rows[smallest].N) {
			smallest = i
		}
	}
	if smallest >= 0 {
		rows[smallest].N, rows[smallest].Hidden = 0, true
	}
}

// statsFiscalYears lists the fiscal years offered for selection, newest
// first: every year from the first one with published figures up to the
// current one, and the selected year if it lies outside.
func statsFiscalYears(current, selected int) []int {
	first := current
	if len(publishedReference) > 0 {
		first = min(first, publishedReference[0].FiscalYear)
	}
	first = min(first, selected)
	var out []int
	for y := max(current, selected); y >= first; y-- {
		out = append(out, y)
	}
	return out
}

// Name returns the row's name in lang.
func (r statsRow) Name(lang string) string {
	if lang == "en" && r.NameEN != "" {
		return r.NameEN
	}
	return r.NameJA
}
