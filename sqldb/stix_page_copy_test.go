package sqldb_test

import (
	"context"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
	"ceptor/stix"
)

// TestSTIXPageCopy: on PostgreSQL the page reader reads the copy of each
// object kept on its membership rows (migration 0027). The copy follows the
// object: when the sync rewrites an object (a new marking), and when its row
// is changed directly; pages read after each change are the rows STIXPage
// reads through the join. On SQLite, where there is no copy, the same holds.
func TestSTIXPageCopy(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		org := &ceptor.Organization{Name: "テスト事業者", Type: ceptor.OrgOperator, Active: true}
		if err := db.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		var rows []*stix.ReceivedRow
		for i, v := range []string{"a.example", "b.example", "c.example"} {
			id := "indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c0" + string(rune('1'+i))
			rows = append(rows, &stix.ReceivedRow{Collection: "c1", OrgID: org.ID, Received: &stix.Received{ID: id, Type: "indicator",
				SpecVersion: "2.1", Created: t0, Modified: t0, ValidFrom: t0, Pattern: "[domain-name:value = '" + v + "']", TLP: ceptor.TLPGreen,
				Indicators: []ceptor.Indicator{{Type: ceptor.IndDomain, Value: v}}}})
		}
		st := &stix.Status{ID: stix.UUIDOf("copy"), Collection: "c1", OrgID: org.ID, Status: stix.StatusComplete, RequestTimestamp: t0,
			TotalCount: len(rows), SuccessCount: len(rows)}
		if err := db.AddReceived(ctx, st, rows); err != nil {
			t.Fatal(err)
		}
		tlp := ceptor.TLPGreen
		project := func(ctx context.Context, kind string, id int64) (*stix.Projection, error) {
			recs, err := db.FindReceived(ctx, []int64{id})
			if err != nil {
				return nil, err
			}
			objs, err := recs[id].Received.Objects()
			if err != nil {
				return nil, err
			}
			return &stix.Projection{Objects: objs, Collections: []string{recs[id].Collection}, TLP: tlp}, nil
		}
		sync := func() {
			t.Helper()
			if _, err := db.SyncSTIX(ctx, project); err != nil {
				t.Fatal(err)
			}
		}
		same := func(when string, wantTLP ceptor.TLP) {
			t.Helper()
			q := stix.Query{Collection: "c1", Versions: []string{"all"}, Limit: 100}
			want, err := db.STIXPage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.ReadPage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%s: %d rows, want %d", when, len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.RID != w.RID || g.ObjectID != w.ObjectID || g.Version != w.Version || g.Type != w.Type || !g.DateAdded.Equal(w.DateAdded) ||
					string(g.Body) != string(w.Body) || g.TLP != w.TLP || g.SourceKind != w.SourceKind || g.SourceID != w.SourceID {
					t.Fatalf("%s: row %d: %+v\nwant %+v", when, i, g.Stored, *w)
				}
				if g.TLP != wantTLP {
					t.Fatalf("%s: %s marked %s, want %s", when, g.ObjectID, g.TLP, wantTLP)
				}
				if g.SourceKind == "taxii" && (g.Received == nil || g.Received.OrgID != org.ID || g.Received.TLP != wantTLP) {
					t.Fatalf("%s: received refs of %s: %+v", when, g.ObjectID, g.Received)
				}
			}
		}
		sync()
		same("synced", ceptor.TLPGreen)

		// The sync rewrites the objects with another marking.
		tlp = ceptor.TLPAmber
		if _, err := db.SQL().ExecContext(ctx, "INSERT INTO stix_dirty (source_kind, source_id) SELECT 'taxii', id FROM taxii_received"); err != nil {
			t.Fatal(err)
		}
		sync()
		same("marking changed by the sync", ceptor.TLPAmber)

		// An object row changed directly.
		ph := "?"
		if db.Dialect() == "postgres" {
			ph = "$1"
		}
		if _, err := db.SQL().ExecContext(ctx, "UPDATE stix_objects SET body = "+ph+", tlp = 'amber' WHERE source_kind = 'taxii'",
			`{"type":"indicator","id":"x"}`); err != nil {
			t.Fatal(err)
		}
		same("object rows changed", ceptor.TLPAmber)
		if p, err := db.ReadPage(ctx, stix.Query{Collection: "c1", Limit: 100}); err != nil {
			t.Fatal(err)
		} else if string(p[0].Body) != `{"type":"indicator","id":"x"}` {
			t.Fatalf("body after the update: %s", p[0].Body)
		}
	})
}
