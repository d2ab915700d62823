package sqldb_test

import (
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// Changes through the store are seen at once despite the registry cache, and
// callers cannot corrupt the cached copy by changing what they got.
func TestRegistryCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		list, err := db.ListCeptors(ctx)
		must(t, err)
		if list[0].MemberCount != 1 {
			t.Fatalf("members %d", list[0].MemberCount)
		}
		list[0].NameJA = "scribbled"
		must(t, db.SetMembers(ctx, f.op2.ID, []int64{f.cep.ID}))
		again, err := db.ListCeptors(ctx)
		must(t, err)
		if again[0].MemberCount != 2 || again[0].NameJA != "銀行等" {
			t.Fatalf("stale or corrupted cache: %+v", again[0])
		}
		secs, _ := db.ListSectors(ctx)
		secs[0].NameEN = "scribbled"
		must(t, db.CreateSector(ctx, &ceptor.Sector{Code: "water", NameJA: "水道", NameEN: "Water", Active: true}))
		secs, _ = db.ListSectors(ctx)
		if len(secs) != 2 || secs[0].NameEN != "Finance" {
			t.Fatalf("sectors %+v", secs)
		}
	})
}
