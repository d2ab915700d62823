package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// Publishing to more organisations than one statement's chunk (500): the
// in-app ones are all delivered and those nothing reaches are all
// unreachable (on PostgreSQL one UPDATE with the whole list, on SQLite in
// chunks).
func TestPublishManyRecipientStates(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		var author, nisc int64
		must(t, db.Atomic(ctx, func(ctx context.Context) error {
			o := &ceptor.Organization{Name: "NISC", Type: ceptor.OrgNISC, Active: true}
			if err := db.CreateOrg(ctx, o); err != nil {
				return err
			}
			u := &ceptor.User{OrgID: o.ID, Email: "desk@nisc.example.go.jp", Name: "担当", Role: ceptor.RoleAnalyst}
			if err := db.CreateUser(ctx, u); err != nil {
				return err
			}
			nisc, author = o.ID, u.ID
			for i := range 1030 {
				op := &ceptor.Organization{Name: fmt.Sprintf("事業者%04d", i), Type: ceptor.OrgOperator, Active: true}
				if err := db.CreateOrg(ctx, op); err != nil {
					return err
				}
				if i < 520 { // a person: the in-app inbox reaches it
					if err := db.CreateUser(ctx, &ceptor.User{OrgID: op.ID, Email: fmt.Sprintf("u%d@op.example.jp", i), Name: "U", Role: ceptor.RoleAnalyst}); err != nil {
						return err
					}
				}
			}
			return nil
		}))
		a := &ceptor.Advisory{OrgID: nisc, AuthorID: author, Title: "多数への注意喚起", Body: "本文", TLP: ceptor.TLPGreen,
			Audience: ceptor.Audience{OrgTypes: []ceptor.OrgType{ceptor.OrgOperator}}}
		must(t, db.CreateAdvisory(ctx, a))
		var res *ceptor.PublishResult
		must(t, db.Atomic(ctx, func(ctx context.Context) error {
			var err error
			res, err = db.PublishAdvisory(ctx, a.ID, time.Now())
			return err
		}))
		if res.Recipients != 1030 {
			t.Fatalf("recipients %d", res.Recipients)
		}
		s, err := db.ReceiptSummary(ctx, a.ID, nil)
		must(t, err)
		if s.Total.Delivered != 520 || s.Total.Unreachable != 510 {
			t.Fatalf("summary %+v", s.Total)
		}
	})
}
