package web

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"ceptor"
)

// FuzzDrillInput decodes an API body into a drill plan and a self-check
// sheet and validates them, as POST /api/v1/drills and PUT .../selfcheck
// do before they touch storage: nothing panics, every refusal is EINVALID
// with field errors, and what is accepted is a valid plan or sheet.
func FuzzDrillInput(f *testing.F) {
	for _, seed := range []string{
		`{"title":"訓練","window_start":"2026-09-01T10:00","window_end":"2026-09-02T10:00","ceptor_ids":[1,2,2],"downward":true}`,
		`{"title":"抜き打ち","window_start":"2026-09-01T10:00:00+09:00","window_end":"2026-09-01T09:00:00+09:00","ceptor_ids":[-1],"upward":true,"assume_damage":true,"channel":"alternate"}`,
		`{"title":"","channel":"carrier pigeon","window_start":"yesterday"}`,
		`{"arrived":"yes","channel":"inbox","notice_minutes":5,"handler":"システム部","problems":"\u0000"}`,
		`{"arrived":"no","channel":"fax","notice_minutes":-3}`,
		"{\"title\":\"\xff\"}", `[]`, `null`, `{"ceptor_ids":"x"}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in drillInput
		dec := json.NewDecoder(bytes.NewReader(b))
		if dec.Decode(&in) == nil {
			d := &ceptor.Drill{Channel: ceptor.DrillChannelNormal}
			if err := in.apply(d); err != nil {
				if ceptor.ErrorCode(err) != ceptor.EINVALID || len(ceptor.ErrorFields(err)) == 0 {
					t.Fatalf("refusal %v is not a field error", err)
				}
			} else {
				if d.Title == "" || !utf8.ValidString(d.Title+d.Instructions) || len(d.CeptorIDs) == 0 || !d.WindowEnd.After(d.WindowStart) ||
					!d.Downward && !d.Upward || d.FiscalYear != ceptor.FiscalYear(d.WindowStart) {
					t.Fatalf("accepted an invalid plan: %+v", d)
				}
				for _, id := range d.CeptorIDs {
					if id <= 0 {
						t.Fatalf("accepted CEPTOR id %d", id)
					}
				}
			}
		}
		var sc selfCheckInput
		if json.NewDecoder(bytes.NewReader(b)).Decode(&sc) == nil {
			c := &ceptor.SelfCheck{Arrived: sc.Arrived, Channel: sc.Channel, Handler: sc.Handler, NoticeMinutes: sc.NoticeMinutes,
				Problems: sc.Problems, Improvements: sc.Improvements}
			if err := c.Validate(); err != nil {
				if ceptor.ErrorCode(err) != ceptor.EINVALID {
					t.Fatalf("refusal %v is not EINVALID", err)
				}
			} else if c.NoticeMinutes != nil && *c.NoticeMinutes < 0 || !utf8.ValidString(c.Handler+c.Problems+c.Improvements) {
				t.Fatalf("accepted an invalid sheet: %+v", c)
			}
		}
	})
}
