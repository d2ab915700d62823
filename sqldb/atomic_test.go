package sqldb_test

import (
	"context"
	"errors"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// Everything done through the context of an Atomic block commits together:
// a failure at the end takes back the earlier steps, the audit entry
// included; reads inside the block see its own writes.
func TestAtomic(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		boom := errors.New("boom")
		err := db.Atomic(ctx, func(ctx context.Context) error {
			c := &ceptor.Contact{OrgID: f.op1.ID, Name: "一時", Email: "tmp@minato.example.jp", Active: true}
			must(t, db.CreateContact(ctx, c))
			must(t, db.AppendAudit(ctx, &ceptor.AuditEntry{ActorLabel: "test", Action: "contact.create"}))
			// Nested blocks join; reads see the uncommitted contact.
			must(t, db.Atomic(ctx, func(ctx context.Context) error {
				list, err := db.ListContacts(ctx, f.op1.ID)
				if err != nil || len(list) != 1 {
					t.Fatalf("read inside the block: %v %v", list, err)
				}
				return nil
			}))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("error %v", err)
		}
		list, _ := db.ListContacts(ctx, f.op1.ID)
		n, problems, _ := db.VerifyAudit(ctx)
		if len(list) != 0 || n != 0 || len(problems) != 0 {
			t.Fatalf("rolled-back block left %d contacts, %d audit entries (%v)", len(list), n, problems)
		}
		must(t, db.Atomic(ctx, func(ctx context.Context) error {
			return db.AppendAudit(ctx, &ceptor.AuditEntry{ActorLabel: "test", Action: "x"})
		}))
		if n, _, _ := db.VerifyAudit(ctx); n != 1 {
			t.Fatalf("committed block: %d entries", n)
		}
	})
}
