package sqldb_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
	"ceptor/stix"
)

// TestSTIXSync: objects received over TAXII reach the index through the
// trigger queue; an unchanged projection keeps its date_added, a changed one
// moves to the end; paging by (date_added, rid) and the version filters
// hold; the queue survives a reopen of the database.
func TestSTIXSync(t *testing.T) {
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
		st := &stix.Status{ID: stix.UUIDOf("st1"), Collection: "c1", OrgID: org.ID, Status: stix.StatusComplete, RequestTimestamp: t0, TotalCount: 3, SuccessCount: 3}
		rows := []*stix.ReceivedRow{mk(idA, t0, "a.example"), mk(idA, t0.Add(time.Hour), "a2.example"), mk(idB, t0, "b.example")}
		if err := db.AddReceived(ctx, st, rows); err != nil {
			t.Fatal(err)
		}
		// The same add again stores nothing.
		st2 := *st
		st2.ID = stix.UUIDOf("st2")
		if err := db.AddReceived(ctx, &st2, []*stix.ReceivedRow{mk(idA, t0, "a.example")}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindStatus(ctx, st.ID)
		if err != nil || got.SuccessCount != 3 || got.Collection != "c1" {
			t.Fatalf("status: %+v %v", got, err)
		}
		if _, err := db.FindStatus(ctx, "nope"); ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			t.Fatalf("unknown status: %v", err)
		}

		calls := 0
		extra := map[int64]bool{}
		project := func(ctx context.Context, kind string, id int64) (*stix.Projection, error) {
			calls++
			if kind != "taxii" {
				t.Fatalf("unexpected source %s", kind)
			}
			recs, err := db.FindReceived(ctx, []int64{id})
			if err != nil {
				return nil, err
			}
			objs, err := recs[id].Received.Objects()
			if err != nil {
				return nil, err
			}
			cols := []string{recs[id].Collection}
			if extra[id] {
				cols = append(cols, "c2")
			}
			return &stix.Projection{Objects: objs, Collections: cols, TLP: recs[id].Received.TLP}, nil
		}
		n, err := db.SyncSTIX(ctx, project)
		if err != nil || n != 3 {
			t.Fatalf("sync: %d %v", n, err)
		}
		page := func(q stix.Query) []*stix.Stored {
			t.Helper()
			q.Collection = "c1"
			p, err := db.STIXPage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var shown []*stix.Stored
			for _, r := range p {
				if !r.Hidden {
					shown = append(shown, r)
				}
			}
			return shown
		}
		// Default: last versions (the marking rows are shared by all three).
		last := page(stix.Query{Types: []string{"indicator"}})
		if len(last) != 2 {
			t.Fatalf("last versions: %d", len(last))
		}
		for _, s := range last {
			if s.ObjectID == idA && s.Version != stix.Timestamp(t0.Add(time.Hour)) {
				t.Errorf("last version of A is %s", s.Version)
			}
		}
		if all := page(stix.Query{Types: []string{"indicator"}, Versions: []string{"all"}}); len(all) != 3 {
			t.Errorf("all versions: %d", len(all))
		}
		if first := page(stix.Query{IDs: []string{idA}, Versions: []string{"first"}}); len(first) != 1 || first[0].Version != stix.Timestamp(t0) {
			t.Errorf("first version: %+v", first)
		}
		// Keyset paging visits everything once.
		var cur stix.Cursor
		seen := 0
		for {
			p := page(stix.Query{After: cur, Limit: 2, Versions: []string{"all"}})
			if len(p) == 0 {
				break
			}
			seen += len(p)
			last := p[len(p)-1]
			cur = stix.Cursor{DateAddedUS: last.DateAdded.UnixMicro(), RID: last.RID}
		}
		if seen != 6 { // 3 indicators and their 3 marking rows
			t.Errorf("paged over %d rows, want 6", seen)
		}
		before := page(stix.Query{Versions: []string{"all"}})
		// Nothing queued: a sync does nothing.
		if n, err := db.SyncSTIX(ctx, project); err != nil || n != 0 {
			t.Fatalf("idle sync: %d %v", n, err)
		}
		// A change to one source's collections re-adds only its objects,
		// after everything added before.
		var rid int64
		for _, s := range before {
			if s.ObjectID == idB {
				rid = s.SourceID
			}
		}
		extra[rid] = true
		if _, err := db.SQL().ExecContext(ctx, stixDirtySQL(db), rid); err != nil {
			t.Fatal(err)
		}
		if n, err := db.SyncSTIX(ctx, project); err != nil || n != 1 {
			t.Fatalf("sync after change: %d %v", n, err)
		}
		after := page(stix.Query{Versions: []string{"all"}})
		maxBefore := before[len(before)-1].DateAdded
		for _, s := range after {
			moved := s.SourceID == rid
			if moved != s.DateAdded.After(maxBefore) {
				t.Errorf("%s (source %d) added at %v (before: last %v)", s.ObjectID, s.SourceID, s.DateAdded, maxBefore)
			}
		}
		p2, err := db.STIXPage(ctx, stix.Query{Collection: "c2", Versions: []string{"all"}})
		if err != nil || len(p2) != 2 {
			t.Fatalf("c2: %d %v", len(p2), err)
		}
		var body map[string]any
		if err := json.Unmarshal(p2[len(p2)-1].Body, &body); err != nil {
			t.Fatal(err)
		}
		// Concurrent syncs neither fail nor duplicate.
		for id := range map[int64]bool{rid: true} {
			db.SQL().ExecContext(ctx, stixDirtySQL(db), id)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.SyncSTIX(ctx, project)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if again := page(stix.Query{Versions: []string{"all"}}); len(again) != len(after) {
			t.Errorf("rows after concurrent syncs: %d, want %d", len(again), len(after))
		}
	})
}

func stixDirtySQL(db *sqldb.DB) string {
	if db.Dialect() == sqldb.Postgres {
		return "INSERT INTO stix_dirty (source_kind, source_id) VALUES ('taxii', $1)"
	}
	return "INSERT INTO stix_dirty (source_kind, source_id) VALUES ('taxii', ?)"
}
