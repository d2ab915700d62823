package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
	"ceptor/stix"
)

// TestSTIXKeepsVersions: when a source that keeps superseded versions
// changes an object's version, the old version stays in the index (TAXII
// versions, match[version]) in the source's current collections only; an
// old version more restrictive than the current marking, a version newer
// than the source's (it went back) and every version of an object the
// source no longer has are removed. A source that lists its versions
// itself gets exactly those.
func TestSTIXKeepsVersions(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		const oid = "indicator--7b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01"
		var cur *stix.Projection
		project := func(ctx context.Context, kind string, id int64) (*stix.Projection, error) {
			if kind != "test" || id != 1 {
				t.Fatalf("unexpected source %s %d", kind, id)
			}
			return cur, nil
		}
		obj := func(version, value string) stix.Object {
			return &stix.Indicator{Core: stix.Core{Type: "indicator", SpecVersion: "2.1", ID: oid, Created: "2026-05-01T00:00:00.000Z", Modified: version},
				Pattern: "[domain-name:value = '" + value + "']", PatternType: "stix", ValidFrom: "2026-05-01T00:00:00.000Z"}
		}
		sync := func(p *stix.Projection) {
			t.Helper()
			cur = p
			if _, err := db.SQL().ExecContext(ctx, "INSERT INTO stix_dirty (source_kind, source_id) VALUES ('test', 1)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SyncSTIX(ctx, project); err != nil {
				t.Fatal(err)
			}
		}
		versions := func(coll string, vs ...string) []string {
			t.Helper()
			rows, err := db.STIXPage(ctx, stix.Query{Collection: coll, IDs: []string{oid}, Versions: vs, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				if !r.Hidden {
					out = append(out, r.Version)
				}
			}
			slices.Sort(out)
			return out
		}
		check := func(coll string, want ...string) {
			t.Helper()
			if got := versions(coll, "all"); !slices.Equal(got, want) {
				t.Errorf("%s holds versions %v, want %v", coll, got, want)
			}
		}
		const v1, v2, v3, v4 = "2026-05-01T00:00:00.000Z", "2026-05-02T00:00:00.000Z", "2026-05-03T00:00:00.000Z", "2026-05-04T00:00:00.000Z"

		sync(&stix.Projection{Objects: []stix.Object{obj(v1, "a.example")}, Collections: []string{"c1"}, TLP: ceptor.TLPGreen, KeepSuperseded: true})
		check("c1", v1)
		// A new version, and a second collection: the old one follows.
		sync(&stix.Projection{Objects: []stix.Object{obj(v2, "b.example")}, Collections: []string{"c1", "c2"}, TLP: ceptor.TLPGreen, KeepSuperseded: true})
		check("c1", v1, v2)
		check("c2", v1, v2)
		if got := versions("c1"); !slices.Equal(got, []string{v2}) {
			t.Errorf("the default (last) gives %v", got)
		}
		if got := versions("c1", "first"); !slices.Equal(got, []string{v1}) {
			t.Errorf("first gives %v", got)
		}
		// Narrower marking, one collection: old GREEN versions stay, only
		// where the source now is.
		sync(&stix.Projection{Objects: []stix.Object{obj(v3, "c.example")}, Collections: []string{"c1"}, TLP: ceptor.TLPAmber, KeepSuperseded: true})
		check("c1", v1, v2, v3)
		check("c2")
		// The source went back to v2: v3 goes, v2 is rewritten as AMBER.
		sync(&stix.Projection{Objects: []stix.Object{obj(v2, "b2.example")}, Collections: []string{"c1"}, TLP: ceptor.TLPAmber, KeepSuperseded: true})
		check("c1", v1, v2)
		// Wider marking: the AMBER v2 may not follow into what is now
		// shared as GREEN; the GREEN v1 may.
		sync(&stix.Projection{Objects: []stix.Object{obj(v4, "d.example")}, Collections: []string{"c1", "c3"}, TLP: ceptor.TLPGreen, KeepSuperseded: true})
		check("c1", v1, v4)
		check("c3", v1, v4)
		// The object leaves the source: every version goes.
		sync(&stix.Projection{Objects: []stix.Object{stix.Marking(ceptor.TLPGreen)}, Collections: []string{"c1"}, TLP: ceptor.TLPGreen, KeepSuperseded: true})
		check("c1")
		check("c3")
		// A source that lists its versions itself: what it lists is served,
		// what it no longer lists goes.
		sync(&stix.Projection{Objects: []stix.Object{obj(v1, "a.example"), obj(v2, "b.example")}, Collections: []string{"c1"}, TLP: ceptor.TLPGreen})
		check("c1", v1, v2)
		sync(&stix.Projection{Objects: []stix.Object{obj(v2, "b.example"), obj(v3, "c.example")}, Collections: []string{"c1"}, TLP: ceptor.TLPGreen})
		check("c1", v2, v3)
		// At most 20 superseded versions are kept, the newest.
		for i := 10; i < 40; i++ {
			v := fmt.Sprintf("2026-06-%02dT00:00:00.000Z", i-9)
			sync(&stix.Projection{Objects: []stix.Object{obj(v, "x.example")}, Collections: []string{"c1"}, TLP: ceptor.TLPGreen, KeepSuperseded: true})
		}
		if got := versions("c1", "all"); len(got) != 21 || got[0] != "2026-06-10T00:00:00.000Z" {
			t.Errorf("after 30 versions: %d kept, oldest %v", len(got), got[:1])
		}
		sync(nil)
		rows, err := db.STIXPage(ctx, stix.Query{Collection: "c1", Versions: []string{"all"}, Limit: 100})
		if err != nil || len(rows) != 0 {
			t.Errorf("a nil projection leaves %d rows (%v)", len(rows), err)
		}
	})
}
