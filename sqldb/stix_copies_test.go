package sqldb_test

import (
	"context"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
	"ceptor/stix"
)

// TestSTIXEarlierCopies: the copies of one object version that 150 sources
// hold in a collection are listed before a position, in row order, in
// batches that together give each earlier copy once, none of another
// collection, none at or after the position; every row of the page is
// flagged shared.
func TestSTIXEarlierCopies(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		const n = 150
		for i := 1; i <= n+1; i++ {
			if _, err := db.SQL().ExecContext(ctx, rebindBench(db, "INSERT INTO stix_dirty (source_kind, source_id) VALUES (?, ?)"), "copytest", i); err != nil {
				t.Fatal(err)
			}
		}
		mark := stix.Marking(ceptor.TLPGreen)
		project := func(ctx context.Context, kind string, id int64) (*stix.Projection, error) {
			coll := "c1"
			if id == n+1 {
				coll = "c2"
			}
			return &stix.Projection{Objects: []stix.Object{mark}, Collections: []string{coll}, TLP: ceptor.TLPGreen}, nil
		}
		if _, err := db.SyncSTIX(ctx, project); err != nil {
			t.Fatal(err)
		}
		page, err := db.ReadPage(ctx, stix.Query{Collection: "c1", Versions: []string{"all"}, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != n {
			t.Fatalf("%d rows in c1, want %d", len(page), n)
		}
		for _, r := range page {
			if !r.Shared || r.ObjectID != mark.ID {
				t.Fatalf("row %d: shared %v, %s", r.RID, r.Shared, r.ObjectID)
			}
		}
		_, _, version := mark.Ident()
		last := page[n-1]
		before := stix.Cursor{DateAddedUS: last.DateAdded.UnixMicro(), RID: last.RID}
		seen := map[int64]bool{}
		after := int64(0)
		for batches := 0; ; batches++ {
			cs, err := db.EarlierCopies(ctx, "c1", mark.ID, version, before, after, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if seen[c.RID] || c.RID <= after || c.RID == last.RID || c.ObjectID != mark.ID || c.Version != version || c.SourceKind != "copytest" ||
					c.TLP != ceptor.TLPGreen || !(c.DateAdded.Before(last.DateAdded) || c.DateAdded.Equal(last.DateAdded) && c.RID < last.RID) {
					t.Fatalf("copy %+v", c.Stored)
				}
				seen[c.RID] = true
				after = c.RID
			}
			if len(cs) < 100 {
				if batches != 1 {
					t.Errorf("%d batches, want 2", batches+1)
				}
				break
			}
		}
		if len(seen) != n-1 {
			t.Errorf("%d earlier copies, want %d", len(seen), n-1)
		}
		// Nothing is earlier than the first copy.
		first := page[0]
		cs, err := db.EarlierCopies(ctx, "c1", mark.ID, version, stix.Cursor{DateAddedUS: first.DateAdded.UnixMicro(), RID: first.RID}, 0, 100)
		if err != nil || len(cs) != 0 {
			t.Errorf("copies before the first: %d, %v", len(cs), err)
		}
	})
}
