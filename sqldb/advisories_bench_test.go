package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/jobs"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"

	"github.com/riverqueue/river"
)

// Benchmarks of advisories (docs/benchmarks.md):
//
//	go test ./sqldb -run '^$' -bench 'Advisory' -benchtime 5x
//
// BenchmarkAdvisoryPublish: publishing one advisory to 3,000 operators
// (each with one person, so that the in-app inbox delivery is done in the
// publishing transaction, and two e-mail contacts): recipients, hops,
// 3,000 inbox deliveries, 6,000 e-mail delivery rows and their 6,000 River
// jobs, in one transaction.
//
// BenchmarkAdvisoryReceipts: the receipt summary of an advisory with
// 100,000 recipients (a quarter confirmed).

// benchOrgs bulk-inserts n operators in the given sector and CEPTOR, with
// one user and contacts each when people is set.
func benchOrgs(b *testing.B, db *sqldb.DB, n int, sector, cep int64, people bool) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ph := func(q string) string {
		if db.Dialect() != sqldb.Postgres {
			return q
		}
		out, k := []byte{}, 0
		for i := 0; i < len(q); i++ {
			if q[i] == '?' {
				k++
				out = append(out, fmt.Sprintf("$%d", k)...)
				continue
			}
			out = append(out, q[i])
		}
		return string(out)
	}
	// Many rows per statement: 100,000 organisations one by one would take
	// minutes on PostgreSQL over the network.
	multi := func(prefix string, cols int, rows [][]any, returning bool) []int64 {
		var ids []int64
		for start := 0; start < len(rows); start += 500 {
			chunk := rows[start:min(start+500, len(rows))]
			q := prefix
			var args []any
			for k, r := range chunk {
				if k > 0 {
					q += ", "
				}
				q += "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
				args = append(args, r...)
			}
			if !returning {
				if _, err := tx.ExecContext(ctx, ph(q), args...); err != nil {
					b.Fatal(err)
				}
				continue
			}
			rs, err := tx.QueryContext(ctx, ph(q+" RETURNING id"), args...)
			if err != nil {
				b.Fatal(err)
			}
			for rs.Next() {
				var id int64
				rs.Scan(&id)
				ids = append(ids, id)
			}
			rs.Close()
		}
		return ids
	}
	var orgRows [][]any
	for i := range n {
		orgRows = append(orgRows, []any{fmt.Sprintf("事業者%06d", i), "operator", true, now, now})
	}
	ids := multi("INSERT INTO organizations (name, type, active, created_at, updated_at) VALUES ", 5, orgRows, true)
	var secRows, memRows, userRows, contactRows [][]any
	for i, id := range ids {
		secRows = append(secRows, []any{id, sector})
		memRows = append(memRows, []any{cep, id, now})
		if people {
			userRows = append(userRows, []any{id, fmt.Sprintf("u%d@op%d.example.jp", i, i), "U", "analyst", "ja", now, now})
			for j := range 2 {
				contactRows = append(contactRows, []any{id, "窓口", "primary", j, fmt.Sprintf("c%d-%d@op%d.example.jp", j, i, i), "ja", true, now, now})
			}
		}
	}
	multi("INSERT INTO org_sectors (org_id, sector_id) VALUES ", 2, secRows, false)
	multi("INSERT INTO ceptor_members (ceptor_id, org_id, joined_at) VALUES ", 3, memRows, false)
	multi("INSERT INTO users (org_id, email, name, role, lang, created_at, updated_at) VALUES ", 7, userRows, false)
	multi("INSERT INTO contacts (org_id, name, kind, priority, email, lang, active, created_at, updated_at) VALUES ", 9, contactRows, false)
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

type benchWorld struct {
	db     *sqldb.DB
	nisc   int64
	author int64
	sector int64
	cep    int64
}

func newBenchWorld(b *testing.B, engine string) *benchWorld {
	b.Helper()
	db := sqldbtest.Open(b, engine, sqldbtest.Options{})
	ctx := context.Background()
	w := &benchWorld{db: db}
	min := &ceptor.Organization{Name: "金融庁", Type: ceptor.OrgMinistry, Active: true}
	must(b, db.CreateOrg(ctx, min))
	sec := &ceptor.Sector{Code: "finance", NameJA: "金融", NameEN: "Finance", MinistryOrgID: min.ID, Active: true}
	must(b, db.CreateSector(ctx, sec))
	secr := &ceptor.Organization{Name: "事務局", Type: ceptor.OrgSecretariat, Active: true}
	must(b, db.CreateOrg(ctx, secr))
	c := &ceptor.Ceptor{Code: "bank", NameJA: "銀行等", NameEN: "Banks", SectorID: sec.ID, SecretariatOrgID: secr.ID, Active: true}
	must(b, db.CreateCeptor(ctx, c))
	n := &ceptor.Organization{Name: "NISC", Type: ceptor.OrgNISC, Active: true}
	must(b, db.CreateOrg(ctx, n))
	u := &ceptor.User{OrgID: n.ID, Email: "desk@nisc.example.go.jp", Name: "担当", Role: ceptor.RoleAnalyst}
	must(b, db.CreateUser(ctx, u))
	w.nisc, w.author, w.sector, w.cep = n.ID, u.ID, sec.ID, c.ID
	return w
}

func (w *benchWorld) draft(b *testing.B) *ceptor.Advisory {
	a := &ceptor.Advisory{OrgID: w.nisc, AuthorID: w.author, Title: "ベンチマーク", Body: "本文", TLP: ceptor.TLPAmber,
		Audience: ceptor.Audience{SectorIDs: []int64{w.sector}}}
	must(b, w.db.CreateAdvisory(context.Background(), a))
	return a
}

func BenchmarkAdvisoryPublish(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		b.Run(engine, func(b *testing.B) {
			w := newBenchWorld(b, engine)
			benchOrgs(b, w.db, 3000, w.sector, w.cep, true)
			ctx := context.Background()
			must(b, jobs.Migrate(ctx, w.db.SQL(), string(w.db.Dialect()), nil))
			q, err := jobs.New(jobs.Config{DB: w.db.SQL(), Dialect: string(w.db.Dialect())}, func(ws *river.Workers) {
				river.AddWorker(ws, &jobs.AdvisoryDeliveryWorker{})
				river.AddWorker(ws, &jobs.AdvisoryDispatchWorker{})
			})
			must(b, err)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				a := w.draft(b)
				b.StartTimer()
				var res *ceptor.PublishResult
				must(b, w.db.Atomic(ctx, func(ctx context.Context) error {
					var err error
					if res, err = w.db.PublishAdvisory(ctx, a.ID, time.Now()); err != nil {
						return err
					}
					return q.EnqueueDeliveriesTx(ctx, sqldb.Tx(ctx), res.Deliveries)
				}))
				if res.Recipients != 3000 || len(res.Deliveries) != 6000 {
					b.Fatalf("publish: %d recipients, %d deliveries", res.Recipients, len(res.Deliveries))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/publish")
		})
	}
}

func BenchmarkAdvisoryReceipts(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		b.Run(engine, func(b *testing.B) {
			w := newBenchWorld(b, engine)
			benchOrgs(b, w.db, 100_000, w.sector, w.cep, false)
			ctx := context.Background()
			a := w.draft(b)
			res, err := w.db.PublishAdvisory(ctx, a.ID, time.Now().Add(-time.Hour))
			must(b, err)
			if res.Recipients < 100_000 {
				b.Fatalf("recipients %d", res.Recipients)
			}
			// A quarter confirm, at different times.
			_, err = w.db.SQL().ExecContext(ctx, rebindBench(w.db, `UPDATE advisory_recipients SET state = 'confirmed', confirmed_at = ?, confirm_bucket = 1 WHERE advisory_id = ? AND org_id % 4 = 0`),
				time.Now().UTC().Add(-20*time.Minute), a.ID)
			must(b, err)
			if w.db.Dialect() == sqldb.Postgres {
				// As autovacuum would have by then: statistics and the
				// visibility map that lets the summary read the index only.
				_, err = w.db.SQL().ExecContext(ctx, "VACUUM ANALYZE advisory_recipients")
				must(b, err)
			}
			b.ResetTimer()
			var s *ceptor.ReceiptSummary
			for range b.N {
				s, err = w.db.ReceiptSummary(ctx, a.ID, nil)
				must(b, err)
			}
			if s.Total.Recipients < 100_000 || s.Total.Confirmed < 24_000 {
				b.Fatalf("summary %+v", s.Total)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/summary")
		})
	}
}

func rebindBench(db *sqldb.DB, q string) string {
	if db.Dialect() != sqldb.Postgres {
		return q
	}
	out, k := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			k++
			out = append(out, fmt.Sprintf("$%d", k)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
