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

// TestSTIXReadPage: the one-query page reader (ReadPage) returns the same
// rows and the same match[version] decisions as STIXPage, whatever the
// filter and page size; the shared flag of migration 0023 is set on every
// row of an id held twice in a collection (versions of one object, a
// marking definition of several sources), including rows added later, and
// on no other; received objects carry their policy inputs.
func TestSTIXReadPage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		org := &ceptor.Organization{Name: "テスト事業者", Type: ceptor.OrgOperator, Active: true}
		if err := db.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		mk := func(id string, mod time.Time, value string) *stix.ReceivedRow {
			return &stix.ReceivedRow{Collection: "c1", OrgID: org.ID, Received: &stix.Received{ID: id, Type: "indicator", SpecVersion: "2.1",
				Created: t0, Modified: mod, ValidFrom: t0, Pattern: "[domain-name:value = '" + value + "']", TLP: ceptor.TLPGreen,
				Indicators: []ceptor.Indicator{{Type: ceptor.IndDomain, Value: value}}}}
		}
		idA := "indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01"
		idB := "indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c02"
		idC := "indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c03"
		add := func(name string, rows ...*stix.ReceivedRow) {
			t.Helper()
			st := &stix.Status{ID: stix.UUIDOf(name), Collection: "c1", OrgID: org.ID, Status: stix.StatusComplete, RequestTimestamp: t0,
				TotalCount: len(rows), SuccessCount: len(rows)}
			if err := db.AddReceived(ctx, st, rows); err != nil {
				t.Fatal(err)
			}
		}
		project := func(ctx context.Context, kind string, id int64) (*stix.Projection, error) {
			recs, err := db.FindReceived(ctx, []int64{id})
			if err != nil {
				return nil, err
			}
			objs, err := recs[id].Received.Objects()
			if err != nil {
				return nil, err
			}
			return &stix.Projection{Objects: objs, Collections: []string{recs[id].Collection}, TLP: recs[id].Received.TLP}, nil
		}
		sync := func() {
			t.Helper()
			if _, err := db.SyncSTIX(ctx, project); err != nil {
				t.Fatal(err)
			}
		}
		add("s1", mk(idA, t0, "a.example"), mk(idB, t0, "b.example"))
		sync()
		add("s2", mk(idA, t0.Add(time.Hour), "a2.example"), mk(idC, t0, "c.example"))
		sync()

		same := func(when string) {
			t.Helper()
			stamps := []string{stix.Timestamp(t0), stix.Timestamp(t0.Add(time.Hour)), stix.Timestamp(t0.Add(2 * time.Hour))}
			for _, vs := range [][]string{nil, {"last"}, {"first"}, {"all"}, {stamps[0]}, {stamps[1]}, {"first", stamps[2]}} {
				for _, limit := range []int{1, 2, 3, 100} {
					for _, q0 := range []stix.Query{{}, {Types: []string{"indicator"}}, {IDs: []string{idA}}} {
						q := q0
						q.Collection, q.Versions, q.Limit = "c1", vs, limit
						for {
							want, err := db.STIXPage(ctx, q)
							if err != nil {
								t.Fatal(err)
							}
							got, err := db.ReadPage(ctx, q)
							if err != nil {
								t.Fatal(err)
							}
							if len(got) != len(want) {
								t.Fatalf("%s %v limit %d: %d rows, want %d", when, vs, limit, len(got), len(want))
							}
							for i := range got {
								g, w := got[i], want[i]
								if g.RID != w.RID || g.Hidden != w.Hidden || g.ObjectID != w.ObjectID || g.Version != w.Version || g.Type != w.Type ||
									!g.DateAdded.Equal(w.DateAdded) || string(g.Body) != string(w.Body) || g.TLP != w.TLP ||
									g.SourceKind != w.SourceKind || g.SourceID != w.SourceID {
									t.Fatalf("%s %v limit %d row %d: rid %d %s %s hidden %v, want rid %d %s %s hidden %v", when, vs, limit, i,
										g.RID, g.ObjectID, g.Version, g.Hidden, w.RID, w.ObjectID, w.Version, w.Hidden)
								}
								if g.Received == nil || g.Received.Collection != "c1" || g.Received.OrgID != org.ID || g.Received.TLP != ceptor.TLPGreen {
									t.Fatalf("%s: received refs of %s: %+v", when, g.ObjectID, g.Received)
								}
							}
							if len(got) < limit {
								break
							}
							last := got[len(got)-1]
							q.After = stix.Cursor{DateAddedUS: last.DateAdded.UnixMicro(), RID: last.RID}
						}
					}
				}
			}
		}
		shared := func(when string, want map[string]bool) {
			t.Helper()
			rows, err := db.SQL().QueryContext(ctx, "SELECT o.object_id, c.shared FROM stix_collection_objects c JOIN stix_objects o ON o.rid = c.rid")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				var sh int64
				if err := rows.Scan(&id, &sh); err != nil {
					t.Fatal(err)
				}
				if w := want[id] || stix.TypeOf(id) == "marking-definition"; (sh != 0) != w {
					t.Errorf("%s: %s shared = %d, want %v", when, id, sh, w)
				}
			}
		}
		same("two versions of A")
		shared("two versions of A", map[string]bool{idA: true})

		// A third version of A, and a second of C, arrive later.
		add("s3", mk(idA, t0.Add(2*time.Hour), "a3.example"), mk(idC, t0.Add(time.Hour), "c2.example"))
		sync()
		same("three versions of A")
		shared("three versions of A", map[string]bool{idA: true, idC: true})
		if p, err := db.ReadPage(ctx, stix.Query{Collection: "c1", IDs: []string{idA}}); err != nil {
			t.Fatal(err)
		} else {
			var shown []string
			for _, r := range p {
				if !r.Hidden {
					shown = append(shown, r.Version)
				}
			}
			if len(shown) != 1 || shown[0] != stix.Timestamp(t0.Add(2*time.Hour)) {
				t.Errorf("last version of A: %v", shown)
			}
		}
	})
}
