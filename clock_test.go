package ceptor_test

import (
	"testing"
	"time"

	"ceptor"
)

func TestClockDue(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { x := t0.Add(time.Duration(h) * time.Hour); return &x }
	nis2, _ := ceptor.FindClockProfile("nis2")
	circia, _ := ceptor.FindClockProfile("circia")
	if _, ok := ceptor.FindClockProfile("none"); ok {
		t.Fatal("unknown profile found")
	}
	scenarios := []struct {
		name    string
		p       ceptor.ClockProfile
		f       ceptor.ClockFacts
		now     time.Time
		want    []string // key:done/overdue
		firstAt time.Time
	}{
		{"nis2 before anything is sent", nis2, ceptor.ClockFacts{Detected: at(0), Versions: 0}, *at(10),
			[]string{"early_warning:pending", "notification:pending"}, *at(24)},
		{"nis2 early warning missed", nis2, ceptor.ClockFacts{Detected: at(0)}, *at(25),
			[]string{"early_warning:overdue", "notification:pending"}, *at(24)},
		{"nis2 sent, follow-up owed, final clock runs", nis2, ceptor.ClockFacts{Detected: at(0), Submitted: at(20), Versions: 1}, *at(80),
			[]string{"early_warning:done", "notification:overdue", "final_report:pending"}, *at(24)},
		{"falls back to the start when detection is unknown", nis2, ceptor.ClockFacts{Started: at(-5)}, *at(0),
			[]string{"early_warning:pending", "notification:pending"}, *at(19)},
		{"circia ransom clock starts at payment", circia, ceptor.ClockFacts{Detected: at(0), Submitted: at(1), Versions: 1, RansomPaid: at(2)}, *at(30),
			[]string{"ransom_payment:overdue", "covered_incident:done"}, *at(26)},
		{"circia without ransom", circia, ceptor.ClockFacts{Detected: at(0), Submitted: at(1), Versions: 1}, *at(30),
			[]string{"covered_incident:done"}, *at(72)},
	}
	for _, sc := range scenarios {
		got := sc.p.Due(sc.f, sc.now)
		if len(got) != len(sc.want) {
			t.Fatalf("%s: %d items, want %d: %+v", sc.name, len(got), len(sc.want), got)
		}
		for i, it := range got {
			state := "pending"
			switch {
			case it.Done:
				state = "done"
			case it.Overdue:
				state = "overdue"
			}
			if it.Key+":"+state != sc.want[i] {
				t.Errorf("%s: item %d = %s:%s, want %s", sc.name, i, it.Key, state, sc.want[i])
			}
			if it.RemindAt != it.DueAt.Add(-sc.p.RemindBefore) {
				t.Errorf("%s: reminder time", sc.name)
			}
		}
		if !got[0].DueAt.Equal(sc.firstAt) {
			t.Errorf("%s: first due %v, want %v", sc.name, got[0].DueAt, sc.firstAt)
		}
	}
}
