package ceptor

import (
	"sort"
	"time"
)

// A reporting clock is a set of deadlines that a regulation or an
// organisation's own rules put on incident reports. Japan's action plan sets
// none by default; operators that also fall under the EU's NIS2 directive or
// the US CIRCIA choose those profiles for the reports concerned.

// ClockStart is the moment a deadline counts from.
type ClockStart string

// Clock starts.
const (
	FromDetected  ClockStart = "detected"  // the event was detected (or, failing that, started)
	FromSubmitted ClockStart = "submitted" // the first report was sent
	FromRansom    ClockStart = "ransom"    // a ransom was paid (CIRCIA)
)

// Deadline is one step of a clock.
type Deadline struct {
	Key   string        `json:"key"` // message key suffix, e.g. "early_warning"
	After time.Duration `json:"after"`
	From  ClockStart    `json:"from"`
	// Done says which report state satisfies it: "submitted" (any report
	// sent), "followup" (at least one follow-up), "closed" (final report).
	Done string `json:"done"`
}

// ClockProfile is a named set of deadlines.
type ClockProfile struct {
	Code      string     `json:"code"`
	Deadlines []Deadline `json:"deadlines"`
	// RemindBefore is how long before each deadline a reminder goes out.
	RemindBefore time.Duration `json:"remind_before"`
}

// ClockProfiles are the built-in profiles; "" means no clock.
var ClockProfiles = []ClockProfile{
	{Code: "nis2", RemindBefore: 4 * time.Hour, Deadlines: []Deadline{
		{Key: "early_warning", After: 24 * time.Hour, From: FromDetected, Done: "submitted"},
		{Key: "notification", After: 72 * time.Hour, From: FromDetected, Done: "followup"},
		{Key: "final_report", After: 30 * 24 * time.Hour, From: FromSubmitted, Done: "closed"},
	}},
	{Code: "circia", RemindBefore: 6 * time.Hour, Deadlines: []Deadline{
		{Key: "covered_incident", After: 72 * time.Hour, From: FromDetected, Done: "submitted"},
		{Key: "ransom_payment", After: 24 * time.Hour, From: FromRansom, Done: "followup"},
	}},
}

// FindClockProfile returns a built-in profile by code.
func FindClockProfile(code string) (ClockProfile, bool) {
	for _, p := range ClockProfiles {
		if p.Code == code {
			return p, true
		}
	}
	return ClockProfile{}, false
}

// DueItem is one deadline of one report.
type DueItem struct {
	Key      string    `json:"key"`
	DueAt    time.Time `json:"due_at"`
	RemindAt time.Time `json:"remind_at"`
	Done     bool      `json:"done"`
	Overdue  bool      `json:"overdue"`
}

// ClockFacts are the moments and states a clock needs from a report.
type ClockFacts struct {
	Detected, Started, Submitted, RansomPaid *time.Time
	Versions                                 int  // 1 = first report only
	Closed                                   bool // final report given
}

// Due computes the deadlines of a profile for a report at time now. A
// deadline whose start is not known yet is left out (for example the ransom
// clock before any payment).
func (p ClockProfile) Due(f ClockFacts, now time.Time) []DueItem {
	var out []DueItem
	for _, d := range p.Deadlines {
		var start *time.Time
		switch d.From {
		case FromDetected:
			start = f.Detected
			if start == nil {
				start = f.Started
			}
		case FromSubmitted:
			start = f.Submitted
		case FromRansom:
			start = f.RansomPaid
		}
		if start == nil {
			continue
		}
		due := start.Add(d.After)
		done := false
		switch d.Done {
		case "submitted":
			done = f.Submitted != nil
		case "followup":
			done = f.Versions > 1 || f.Closed
		case "closed":
			done = f.Closed
		}
		out = append(out, DueItem{Key: d.Key, DueAt: due, RemindAt: due.Add(-p.RemindBefore), Done: done, Overdue: !done && now.After(due)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DueAt.Before(out[j].DueAt) })
	return out
}
