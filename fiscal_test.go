package ceptor_test

import (
	"testing"
	"time"

	"ceptor"
)

func TestFiscalYear(t *testing.T) {
	jst := time.FixedZone("JST", 9*60*60)
	scenarios := []struct {
		name string
		at   time.Time
		want int
	}{
		{"last minute of FY2020 in Japan", time.Date(2021, 3, 31, 23, 59, 0, 0, jst), 2020},
		{"last nanosecond of FY2020 in Japan", time.Date(2021, 3, 31, 23, 59, 59, 999999999, jst), 2020},
		{"first instant of FY2021 in Japan", time.Date(2021, 4, 1, 0, 0, 0, 0, jst), 2021},
		{"first instant of FY2021 given in UTC", time.Date(2021, 3, 31, 15, 0, 0, 0, time.UTC), 2021},
		{"still 31 March in Japan, given in UTC", time.Date(2021, 3, 31, 14, 59, 59, 0, time.UTC), 2020},
		{"1 April UTC morning is already FY2021 in Japan", time.Date(2021, 4, 1, 1, 0, 0, 0, time.UTC), 2021},
		{"New Year's Day belongs to the year before", time.Date(2021, 1, 1, 0, 0, 0, 0, jst), 2020},
		{"31 December", time.Date(2020, 12, 31, 23, 59, 0, 0, jst), 2020},
		{"New York evening of 31 March is April in Japan", time.Date(2021, 3, 31, 20, 0, 0, 0, time.FixedZone("EDT", -4*60*60)), 2021},
		{"FY2017 start", time.Date(2017, 4, 1, 0, 0, 0, 0, ceptor.Tokyo), 2017},
	}
	for _, sc := range scenarios {
		if got := ceptor.FiscalYear(sc.at); got != sc.want {
			t.Errorf("%s: FiscalYear(%s) = %d, want %d", sc.name, sc.at, got, sc.want)
		}
	}
}

func TestFiscalYearRange(t *testing.T) {
	for _, fy := range []int{2000, 2017, 2020, 2024, 2026} {
		from, to := ceptor.FiscalYearRange(fy)
		if from.Year() != fy || from.Month() != time.April || from.Day() != 1 || from.Hour() != 0 {
			t.Errorf("FY%d from = %s", fy, from)
		}
		if to.Year() != fy+1 || to.Month() != time.April || to.Day() != 1 || to.Hour() != 0 {
			t.Errorf("FY%d to = %s", fy, to)
		}
		if _, off := from.Zone(); off != 9*60*60 {
			t.Errorf("FY%d: from is not in Japan time (%s)", fy, from)
		}
		// The range and FiscalYear agree at both edges.
		if ceptor.FiscalYear(from) != fy || ceptor.FiscalYear(to.Add(-time.Nanosecond)) != fy || ceptor.FiscalYear(to) != fy+1 {
			t.Errorf("FY%d: range [%s, %s) disagrees with FiscalYear", fy, from, to)
		}
		if last := ceptor.FiscalYearLastDay(fy); last.Format("2006-01-02") != time.Date(fy+1, 3, 31, 0, 0, 0, 0, time.UTC).Format("2006-01-02") {
			t.Errorf("FY%d last day = %s", fy, last)
		}
	}
	from, _ := ceptor.FiscalYearRange(2020)
	if want := time.Date(2020, 3, 31, 15, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("FY2020 starts at %s UTC, want %s", from.UTC(), want)
	}
}

func TestFiscalYearLabel(t *testing.T) {
	for _, sc := range []struct {
		fy         int
		lang, want string
	}{
		{2020, "ja", "2020年度"},
		{2020, "en", "FY2020"},
		{2017, "", "2017年度"},
	} {
		if got := ceptor.FiscalYearLabel(sc.fy, sc.lang); got != sc.want {
			t.Errorf("FiscalYearLabel(%d, %q) = %q, want %q", sc.fy, sc.lang, got, sc.want)
		}
	}
}

func TestParseFiscalYear(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, ceptor.Tokyo) // FY2026
	for _, sc := range []struct {
		in   string
		want int // 0: refused
	}{
		{"2020", 2020}, {"FY2020", 2020}, {"fy2017", 2017}, {"2020年度", 2020},
		{"2026", 2026}, {"2000", 2000},
		{"2027", 0}, {"1999", 0}, {"", 0}, {"20x0", 0}, {"-2020", 0}, {"+2020", 0}, {"02020", 0},
		{"2020.0", 0}, {" 2020", 0}, {"9999999999999999999999", 0}, {"年度", 0}, {"FY", 0},
	} {
		got, err := ceptor.ParseFiscalYear(sc.in, now)
		if sc.want == 0 {
			if err == nil || ceptor.ErrorCode(err) != ceptor.EINVALID || ceptor.ErrorFields(err)["fiscal_year"] == "" {
				t.Errorf("ParseFiscalYear(%q) = %d, %v; want a fiscal_year field error", sc.in, got, err)
			}
			continue
		}
		if err != nil || got != sc.want {
			t.Errorf("ParseFiscalYear(%q) = %d, %v; want %d", sc.in, got, err, sc.want)
		}
	}
	// Before 1 April the current fiscal year is still the previous one.
	march := time.Date(2027, 3, 31, 23, 59, 0, 0, ceptor.Tokyo)
	if _, err := ceptor.ParseFiscalYear("2027", march); err == nil {
		t.Error("FY2027 accepted on 31 March 2027")
	}
	if fy, err := ceptor.ParseFiscalYear("2027", march.Add(time.Minute)); err != nil || fy != 2027 {
		t.Errorf("FY2027 on 1 April 2027: %d, %v", fy, err)
	}
}
