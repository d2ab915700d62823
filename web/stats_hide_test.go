package web

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestHideTable: small counts are hidden, and a lone hidden cell of a table
// that adds up to its total takes the smallest shown cell with it.
func TestHideTable(t *testing.T) {
	for _, sc := range []struct {
		name      string
		counts    []int
		threshold int
		want      string // per cell: the count, or "-" when hidden
	}{
		{"NISC sees everything", []int{0, 1, 2, 9}, 0, "0 1 2 9"},
		{"zeros and small counts look alike", []int{0, 1, 2, 9, 4}, 3, "- - - 9 4"},
		{"a lone small cell takes the smallest other", []int{5, 1, 9, 4}, 3, "5 - 9 -"},
		{"a lone zero is treated the same", []int{5, 0, 9, 4}, 3, "5 - 9 -"},
		{"ties take the first", []int{7, 2, 7}, 3, "- - 7"},
		{"nothing small: nothing hidden", []int{3, 4, 10}, 3, "3 4 10"},
		{"one row equal to the total", []int{8}, 3, "8"},
	} {
		rows := make([]statsRow, len(sc.counts))
		total := statsCount{}
		for i, n := range sc.counts {
			rows[i].N = n
			total.N += n
		}
		total.hide(sc.threshold)
		hideTable(rows, total, sc.threshold)
		var got []string
		for _, r := range rows {
			if r.Hidden {
				if r.N != 0 {
					t.Errorf("%s: a hidden cell keeps its value %d", sc.name, r.N)
				}
				got = append(got, "-")
			} else {
				got = append(got, strconv.Itoa(r.N))
			}
		}
		if strings.Join(got, " ") != sc.want {
			t.Errorf("%s: %v -> %s, want %s", sc.name, sc.counts, strings.Join(got, " "), sc.want)
		}
	}
	// A hidden total hides nothing more: every cell is already below it.
	rows := []statsRow{{statsCount: statsCount{N: 2}}, {statsCount: statsCount{N: 0}}}
	total := statsCount{N: 2}
	total.hide(3)
	hideTable(rows, total, 3)
	if !total.Hidden || !rows[0].Hidden || !rows[1].Hidden {
		t.Errorf("total %+v rows %+v", total, rows)
	}
}

func TestNiceScale(t *testing.T) {
	for _, sc := range []struct {
		top, end int
		ticks    []int
	}{
		{0, 1, []int{0}},
		{1, 1, []int{0, 1}},
		{4, 4, []int{0, 1, 2, 3, 4}},
		{7, 8, []int{0, 2, 4, 6, 8}},
		{9, 10, []int{0, 5, 10}},
		{388, 400, []int{0, 100, 200, 300, 400}},
		{856, 1000, []int{0, 500, 1000}},
	} {
		end, ticks := niceScale(sc.top)
		if end != sc.end || !slices.Equal(ticks, sc.ticks) {
			t.Errorf("niceScale(%d) = %d %v, want %d %v", sc.top, end, ticks, sc.end, sc.ticks)
		}
		if end < sc.top {
			t.Errorf("niceScale(%d): axis ends below the value", sc.top)
		}
	}
}

func TestStatsFiscalYears(t *testing.T) {
	got := statsFiscalYears(2026, 2026)
	if got[0] != 2026 || got[len(got)-1] != 2014 || len(got) != 13 {
		t.Errorf("years %v", got)
	}
	if got := statsFiscalYears(2026, 2005); got[len(got)-1] != 2005 {
		t.Errorf("a selected year before the published ones is offered: %v", got)
	}
}

func TestShortLabel(t *testing.T) {
	for _, sc := range []struct{ in, lang, want string }{
		{"政府・行政サービス（地方公共団体を含む）", "ja", "政府・行政サービス"},
		{"Government and administrative services (including local governments)", "en", "Government and administrative…"},
		{"Availability of some very long service names", "en", "Availability of some very…"},
		{"金融", "ja", "金融"},
		{"予兆・ヒヤリハット（未発生）", "ja", "予兆・ヒヤリハット"},
		{"ソフトウェアの不具合とその他の長い名前", "ja", "ソフトウェアの不具合…"},
	} {
		if got := shortLabel(sc.in, sc.lang); got != sc.want {
			t.Errorf("shortLabel(%q) = %q, want %q", sc.in, got, sc.want)
		}
	}
}
