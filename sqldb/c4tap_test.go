package sqldb_test

import (
	"context"
	"testing"

	"ceptor"
	"ceptor/c4tap"
	"ceptor/misp"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

func TestC4TAPAndSightings(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := &ceptor.Organization{Name: "事業者A", Type: ceptor.OrgOperator, Active: true}
		b := &ceptor.Organization{Name: "事業者B", Type: ceptor.OrgOperator, Active: true}
		must(t, db.CreateOrg(ctx, a))
		must(t, db.CreateOrg(ctx, b))
		must(t, db.SetC4TAPMember(ctx, a.ID, 0, true))
		must(t, db.SetC4TAPMember(ctx, a.ID, 0, true))
		if ok, err := db.IsC4TAPMember(ctx, a.ID); !ok || err != nil {
			t.Fatal("membership", err)
		}
		if ok, _ := db.IsC4TAPMember(ctx, b.ID); ok {
			t.Fatal("b is not a member")
		}
		msg := &c4tap.Message{From: "x@phish.example", FromDomain: "phish.example", Links: []string{"https://phish.example/a"}}
		s := &c4tap.Submission{OrgID: a.ID, TLP: ceptor.TLPAmber, Message: msg, Size: 10, SHA256: "00", Sealed: "sealed"}
		must(t, db.AddSubmission(ctx, s))
		red := &c4tap.Submission{OrgID: a.ID, TLP: ceptor.TLPRed, Message: msg, Size: 10, SHA256: "00", Sealed: "sealed"}
		must(t, db.AddSubmission(ctx, red))
		got, err := db.FindSubmission(ctx, s.ID, true)
		if err != nil || got.Sealed != "sealed" || len(got.Extracted) != 3 || got.Message.From != "x@phish.example" {
			t.Fatalf("find %+v %v", got, err)
		}
		if _, n, _ := db.ListSubmissions(ctx, b.ID, false, 10, 0); n != 1 {
			t.Fatalf("b lists %d (the red one must not show)", n)
		}
		if _, n, _ := db.ListSubmissions(ctx, a.ID, false, 10, 0); n != 2 {
			t.Fatalf("a lists %d", n)
		}
		ev := &misp.Event{UUID: "5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6", Info: "x", CreatorOrg: "CIRCL", Tags: []string{}, TLP: ceptor.TLPGreen,
			Attributes: []misp.Attribute{{Type: "domain", Value: "phish.example", Indicator: ceptor.Indicator{Type: ceptor.IndDomain, Value: "phish.example"}},
				{Type: "hostname", Value: "phish.example", Indicator: ceptor.Indicator{Type: ceptor.IndDomain, Value: "phish.example"}}}}
		if _, err := db.SaveMISPEvent(ctx, &misp.Stored{OrgID: b.ID, Event: ev}); err != nil {
			t.Fatal(err)
		}
		sights, err := db.IndicatorSightings(ctx, ceptor.Indicator{Type: ceptor.IndDomain, Value: "phish.example"}, 0)
		if err != nil || len(sights) != 3 {
			t.Fatalf("sightings %+v %v", sights, err)
		}
		must(t, db.WithdrawSubmission(ctx, red.ID))
		if sights, _ := db.IndicatorSightings(ctx, ceptor.Indicator{Type: ceptor.IndDomain, Value: "phish.example"}, 0); len(sights) != 2 {
			t.Fatalf("withdrawn still sighted: %d", len(sights))
		}
		counts, err := db.IndicatorCounts(ctx, []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "phish.example"}, {Type: ceptor.IndURL, Value: "https://phish.example/a"}})
		if err != nil || counts["domain|phish.example"] != 4 || counts["url|https://phish.example/a"] != 2 {
			t.Fatalf("counts %v %v", counts, err)
		}
	})
}
