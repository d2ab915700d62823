package sqldb_test

import (
	"context"
	"testing"

	"ceptor"
	"ceptor/misp"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

func TestMISPEvents(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		org := &ceptor.Organization{Name: "テスト事務局", Type: ceptor.OrgSecretariat, Active: true}
		must(t, db.CreateOrg(ctx, org))
		ev := &misp.Event{UUID: "5f1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6", Info: "Phishing", CreatorOrg: "CIRCL", Tags: []string{"tlp:green"}, TLP: ceptor.TLPGreen,
			Attributes: []misp.Attribute{{Type: "domain", Value: "a.example", Indicator: ceptor.Indicator{Type: ceptor.IndDomain, Value: "a.example"}},
				{Type: "regkey", Value: "HKLM", Note: "misp.note.unsupported_type"}}}
		s := &misp.Stored{OrgID: org.ID, Event: ev}
		created, err := db.SaveMISPEvent(ctx, s)
		if err != nil || !created || s.ID == 0 {
			t.Fatalf("save: %v %v", created, err)
		}
		ev.Info = "Phishing (updated)"
		ev.Attributes = ev.Attributes[:1]
		s2 := &misp.Stored{OrgID: org.ID, Event: ev}
		created, err = db.SaveMISPEvent(ctx, s2)
		if err != nil || created || s2.ID != s.ID {
			t.Fatalf("re-import: %v %v %d", created, err, s2.ID)
		}
		got, err := db.FindMISPEvent(ctx, s.ID)
		if err != nil || got.Event.Info != "Phishing (updated)" || len(got.Event.Attributes) != 1 || got.Event.CreatorOrg != "CIRCL" || got.Event.TLP != ceptor.TLPGreen {
			t.Fatalf("find: %+v %v", got, err)
		}
		list, n, err := db.ListMISPEvents(ctx, misp.ListFilter{OrgID: org.ID + 1000, Community: true})
		if err != nil || n != 1 || len(list) != 1 {
			t.Fatalf("community list: %d %v", n, err)
		}
		if _, n, _ := db.ListMISPEvents(ctx, misp.ListFilter{OrgID: org.ID + 1000}); n != 0 {
			t.Fatalf("other org's list: %d", n)
		}
		must(t, db.DeleteMISPEvent(ctx, s.ID))
		wantCode(t, db.DeleteMISPEvent(ctx, s.ID), ceptor.ENOTFOUND)
	})
}
