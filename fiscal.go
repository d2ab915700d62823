package ceptor

import (
	"strconv"
	"time"
)

// Fiscal years (年度). The programme counts its indicators by the Japanese
// government's fiscal year, which runs from 1 April to 31 March and is named
// after the calendar year in which it starts: FY2020 (2020年度) runs from
// 2020-04-01 00:00 to 2021-04-01 00:00 Japan time. Times are placed in a
// fiscal year by their Japan time, whatever zone they carry.

// Tokyo is Japan time (Asia/Tokyo). Japan keeps no daylight saving time, so
// the fixed +09:00 zone is an exact stand-in when the zone database is
// missing.
var Tokyo = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*60*60)
}()

// FiscalYear returns the fiscal year that t falls in, judged in Japan time.
func FiscalYear(t time.Time) int {
	t = t.In(Tokyo)
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

// FiscalYearRange returns the half-open interval [from, to) of fiscal year
// fy in Japan time: from 1 April of fy to 1 April of fy+1, both at 00:00.
func FiscalYearRange(fy int) (from, to time.Time) {
	return time.Date(fy, time.April, 1, 0, 0, 0, 0, Tokyo), time.Date(fy+1, time.April, 1, 0, 0, 0, 0, Tokyo)
}

// FiscalYearLastDay returns the last day of fiscal year fy (31 March of
// fy+1) at 00:00 Japan time, for displaying a period as "from – to".
func FiscalYearLastDay(fy int) time.Time {
	_, to := FiscalYearRange(fy)
	return to.AddDate(0, 0, -1)
}

// FiscalYearLabel names fiscal year fy in lang: 「2020年度」 in Japanese,
// "FY2020" in English.
func FiscalYearLabel(fy int, lang string) string {
	if lang == "en" {
		return "FY" + strconv.Itoa(fy)
	}
	return strconv.Itoa(fy) + "年度"
}

// FirstFiscalYear is the earliest fiscal year ceptor accepts as a period of
// statistics: the programme's first action plan dates from 2000.
const FirstFiscalYear = 2000

// ParseFiscalYear reads a fiscal year such as "2020", "FY2020" or
// 「2020年度」 and checks that it lies between FirstFiscalYear and the
// fiscal year of now. It returns the field error key "stats.err.fiscal_year" for
// anything else.
func ParseFiscalYear(s string, now time.Time) (int, error) {
	v := s
	if len(v) > 2 && (v[:2] == "FY" || v[:2] == "fy") {
		v = v[2:]
	}
	if n := len(v); n > len("年度") && v[n-len("年度"):] == "年度" {
		v = v[:n-len("年度")]
	}
	fy, err := strconv.Atoi(v)
	if err != nil || len(v) != 4 || fy < FirstFiscalYear || fy > FiscalYear(now) {
		return 0, Invalid(map[string]string{"fiscal_year": "stats.err.fiscal_year"})
	}
	return fy, nil
}
