package sqldb_test

import (
	"context"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb/sqldbtest"
)

// BenchmarkDrillResults (docs/benchmarks.md): the results of a drill with
// 2,000 participating operators (the programme's yearly scale), nine in
// ten confirmed at different times, six in ten with a self-check sheet;
// and the participation per fiscal year over it.
//
//	go test ./sqldb -run '^$' -bench 'DrillResults' -benchtime 20x
func BenchmarkDrillResults(b *testing.B) {
	for _, engine := range sqldbtest.Engines {
		b.Run(engine, func(b *testing.B) {
			w := newBenchWorld(b, engine)
			benchOrgs(b, w.db, 2000, w.sector, w.cep, false)
			ctx := context.Background()
			start := time.Now().Add(-48 * time.Hour).UTC()
			d := &ceptor.Drill{OrgID: w.nisc, AuthorID: w.author, Title: "ベンチマーク訓練", WindowStart: start, WindowEnd: start.Add(24 * time.Hour),
				CeptorIDs: []int64{w.cep}, Downward: true, Announced: true}
			must(b, w.db.CreateDrill(ctx, d))
			var advID int64
			must(b, w.db.Atomic(ctx, func(ctx context.Context) error {
				a := d.DrillAdvisory(w.author, "/drills/1/report")
				if err := w.db.CreateAdvisory(ctx, a); err != nil {
					return err
				}
				if _, err := w.db.PublishAdvisory(ctx, a.ID, start); err != nil {
					return err
				}
				advID = a.ID
				_, err := w.db.StartDrill(ctx, d.ID, a.ID, start)
				return err
			}))
			parts, err := w.db.DrillParticipants(ctx, d.ID, nil)
			must(b, err)
			if len(parts) != 2000 {
				b.Fatalf("participants %d", len(parts))
			}
			must(b, w.db.Atomic(ctx, func(ctx context.Context) error {
				for i, p := range parts {
					if i%10 != 0 {
						if _, err := w.db.ConfirmAdvisory(ctx, advID, p.OrgID, 0, "inbox", start.Add(time.Duration(i)*time.Minute/4)); err != nil {
							return err
						}
					}
					if i%10 < 6 {
						m := i % 90
						if err := w.db.SaveSelfCheck(ctx, &ceptor.SelfCheck{DrillID: d.ID, OrgID: p.OrgID, Arrived: "yes", Channel: "inbox",
							NoticeMinutes: &m, Problems: "夜間の確認", Improvements: "当番表"}); err != nil {
							return err
						}
					}
				}
				return nil
			}))
			b.Run("results", func(b *testing.B) {
				for b.Loop() {
					r, err := w.db.DrillResults(ctx, d.ID, nil, nil)
					if err != nil || r.Receipts.Total.Confirmed != 1800 || r.SelfChecks.Completed != 1200 {
						b.Fatalf("results: %v", err)
					}
				}
			})
			b.Run("years", func(b *testing.B) {
				for b.Loop() {
					ys, err := w.db.DrillYears(ctx)
					if err != nil || len(ys) != 1 || ys[0].Operators != 2000 {
						b.Fatalf("years: %v %+v", err, ys)
					}
				}
			})
		})
	}
}
