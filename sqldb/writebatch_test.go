package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// Many writers at once (on SQLite they share batched transactions, see
// writebatch.go): each change is kept or dropped on its own. A block that
// fails, a block that panics and a caller that has gone away leave nothing
// behind and do not take the others with them; the audit chain stays whole.
func TestConcurrentWritersKeepTheirOwnOutcome(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		const writers = 120
		boom := errors.New("boom")
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := context.Background()
				if i%11 == 3 {
					cc, cancel := context.WithCancel(c)
					cancel()
					c = cc
				}
				errs[i] = func() (err error) {
					defer func() {
						if p := recover(); p != nil {
							err = fmt.Errorf("panicked: %v", p)
						}
					}()
					return db.Atomic(c, func(ctx context.Context) error {
						ct := &ceptor.Contact{OrgID: f.op1.ID, Name: fmt.Sprintf("担当 %d", i), Email: fmt.Sprintf("w%d@minato.example.jp", i), Active: true}
						if err := db.CreateContact(ctx, ct); err != nil {
							return err
						}
						if err := db.AppendAudit(ctx, &ceptor.AuditEntry{ActorLabel: "test", Action: "contact.create", ObjectID: fmt.Sprint(ct.ID)}); err != nil {
							return err
						}
						switch i % 5 {
						case 1:
							return boom
						case 2:
							if i%10 == 2 {
								panic("writer panicked")
							}
						}
						return nil
					})
				}()
			}()
		}
		wg.Wait()
		want := map[string]bool{}
		for i, err := range errs {
			switch {
			case i%11 == 3 && err != nil:
				// Gone before its turn: nothing may be kept.
			case i%5 == 1:
				if !errors.Is(err, boom) {
					t.Errorf("writer %d: %v, want boom", i, err)
				}
			case i%10 == 2:
				if err == nil || !strings.Contains(err.Error(), "panic") {
					t.Errorf("writer %d: %v, want the panic", i, err)
				}
			default:
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
					continue
				}
				want[fmt.Sprintf("w%d@minato.example.jp", i)] = true
			}
		}
		list, err := db.ListContacts(ctx, f.op1.ID)
		must(t, err)
		got := map[string]bool{}
		for _, c := range list {
			got[c.Email] = true
		}
		for e := range want {
			if !got[e] {
				t.Errorf("committed contact %s missing", e)
			}
		}
		for e := range got {
			if !want[e] {
				t.Errorf("contact %s kept although its writer failed", e)
			}
		}
		n, problems, err := db.VerifyAudit(ctx)
		must(t, err)
		if len(problems) != 0 || n != len(want) {
			t.Errorf("audit: %d entries (want %d), problems %v", n, len(want), problems)
		}
	})
}
