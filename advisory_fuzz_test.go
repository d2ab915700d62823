package ceptor_test

import (
	"testing"
	"time"

	"ceptor"
)

// FuzzAdvisoryValidate: whatever an author sends, Validate either refuses
// it or leaves an advisory that keeps its own rules (a known category,
// urgency, source and TLP; RED only to named organisations; drill flag and
// category agree), and validating again changes nothing.
func FuzzAdvisoryValidate(f *testing.F) {
	f.Add("標的型メール", "# 本文", "alert", "high", "amber", "own", false, int64(1), int64(0), "")
	f.Add("", "", "drill", "", "red", "partner", true, int64(0), int64(3), "operator")
	f.Add("x\ny", "<script>", "bogus", "critical", "tlp:amber+strict", "foreign_cert", false, int64(-1), int64(2), "nisc")
	f.Fuzz(func(t *testing.T, title, body, cat, urg, tlp, src string, drill bool, sector, org int64, typ string) {
		a := &ceptor.Advisory{Title: title, Body: body, Category: ceptor.AdvisoryCategory(cat), Urgency: ceptor.Urgency(urg),
			TLP: ceptor.TLP(tlp), Source: ceptor.AdvisorySource(src), Drill: drill,
			Audience: ceptor.Audience{SectorIDs: []int64{sector}, OrgIDs: []int64{org}}}
		if typ != "" {
			a.Audience.OrgTypes = []ceptor.OrgType{ceptor.OrgType(typ)}
		}
		if err := a.Validate(); err != nil {
			if ceptor.ErrorCode(err) != ceptor.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if a.Title == "" || !a.TLP.Valid() || a.Drill != (a.Category == ceptor.CatDrill) {
			t.Fatalf("accepted %+v", a)
		}
		if a.TLP == ceptor.TLPRed && (len(a.Audience.SectorIDs) > 0 || len(a.Audience.OrgTypes) > 0) {
			t.Fatalf("RED to a sector or type accepted: %+v", a.Audience)
		}
		for _, id := range append(a.Audience.SectorIDs, a.Audience.OrgIDs...) {
			if id <= 0 {
				t.Fatalf("id %d kept", id)
			}
		}
		b := *a
		if err := b.Validate(); err != nil || b.Title != a.Title || b.Body != a.Body || b.Category != a.Category {
			t.Fatalf("not stable: %v", err)
		}
		_ = a.ValidateForPublish(time.Now())
	})
}
