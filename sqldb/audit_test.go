package sqldb_test

import (
	"strings"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

func appendN(t *testing.T, db *sqldb.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		e := &ceptor.AuditEntry{ActorUserID: 1, ActorOrgID: 2, ActorLabel: "admin.nisc@demo.example", Action: "org.update",
			ObjectType: "organization", ObjectID: "7", OrgID: int64(7 + i%2), Detail: `{"field":"name"}`, IP: "127.0.0.1"}
		must(t, db.AppendAudit(ctx, e))
		if e.Seq != int64(i+1) || e.Hash == "" {
			t.Fatalf("append %d: %+v", i, e)
		}
	}
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	tampers := []struct {
		name string
		sql  []string
		seq  int64
	}{
		{"edited detail", []string{"UPDATE audit_log SET detail = '{\"field\":\"other\"}' WHERE seq = 3"}, 3},
		{"edited action", []string{"UPDATE audit_log SET action = 'org.view' WHERE seq = 2"}, 2},
		{"removed middle", []string{"DELETE FROM audit_log WHERE seq = 3"}, 4},
		{"removed tail", []string{"DELETE FROM audit_log WHERE seq = 5"}, 5},
		{"reordered", []string{"UPDATE audit_log SET seq = 1000 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 4", "UPDATE audit_log SET seq = 4 WHERE seq = 1000"}, 2},
	}
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 5)
		n, problems, err := db.VerifyAudit(ctx)
		must(t, err)
		if n != 5 || len(problems) != 0 {
			t.Fatalf("clean chain: n=%d problems=%v", n, problems)
		}
		list, err := db.ListAudit(ctx, ceptor.AuditFilter{OrgID: 8, Limit: 10})
		must(t, err)
		// entries 2 and 4 concern org 8, but every entry's actor org is 2
		if len(list) != 2 || list[0].Seq != 4 {
			t.Fatalf("filtered list %v", list)
		}
		list, _ = db.ListAudit(ctx, ceptor.AuditFilter{Action: "org.", BeforeSeq: 3})
		if len(list) != 2 {
			t.Fatalf("prefix/before list %d", len(list))
		}
	})
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				appendN(t, db, 5)
				for _, q := range tc.sql {
					if _, err := db.SQL().Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				_, problems, err := db.VerifyAudit(ctx)
				must(t, err)
				if len(problems) == 0 {
					t.Fatal("tampering not detected")
				}
				found := false
				for _, p := range problems {
					if p.Seq == tc.seq {
						found = true
					}
				}
				if !found {
					t.Fatalf("problems %v do not name entry %d", problems, tc.seq)
				}
				if !strings.Contains(problems[0].Reason, " ") {
					t.Fatal("reason empty")
				}
			})
		})
	}
}

// Entries appended together (a change's entries at its end) chain exactly as
// entries appended one by one, across the inserts a long batch is split into.
func TestAuditEntriesAppendedTogether(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 2)
		batch := func(n int) []*ceptor.AuditEntry {
			out := make([]*ceptor.AuditEntry, n)
			for i := range out {
				out[i] = &ceptor.AuditEntry{ActorUserID: 1, ActorOrgID: 2, ActorLabel: "まとめて", Action: "report.submit",
					ObjectType: "report", ObjectID: strings.Repeat("9", 1+i%3), OrgID: 7, Detail: `{"route":"ministry"}`}
			}
			return out
		}
		two := batch(2)
		must(t, db.AppendAudits(ctx, two))
		if two[0].Seq != 3 || two[1].Seq != 4 || two[1].PrevHash != two[0].Hash {
			t.Fatalf("two entries: %+v %+v", two[0], two[1])
		}
		must(t, db.AppendAudits(ctx, nil))
		long := batch(450)
		must(t, db.AppendAudits(ctx, long))
		if long[449].Seq != 454 {
			t.Fatalf("last of the long batch: seq %d, want 454", long[449].Seq)
		}
		appendN2 := &ceptor.AuditEntry{ActorLabel: "after", Action: "org.update"}
		must(t, db.AppendAudit(ctx, appendN2))
		if appendN2.Seq != 455 || appendN2.PrevHash != long[449].Hash {
			t.Fatalf("entry after the batches: %+v", appendN2)
		}
		n, problems, err := db.VerifyAudit(ctx)
		must(t, err)
		if n != 455 || len(problems) != 0 {
			t.Fatalf("verify: %d entries, problems %+v", n, problems)
		}
	})
}
