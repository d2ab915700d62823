package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"ceptor"
	"ceptor/c4tap"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// BenchmarkIndicatorSightings looks up one indicator among N synthetic
// indicator rows (CEPTOR_BENCH_INDICATORS, default 1,000,000) spread over
// 1,000 C4TAP submissions; every value is held by 2 submissions, so each
// lookup reads two rows through the (type, value) index and the other three
// source tables' indexes.
//
//	go test ./sqldb -run '^$' -bench BenchmarkIndicatorSightings -benchtime 2000x
func BenchmarkIndicatorSightings(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("CEPTOR_BENCH_INDICATORS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for _, engine := range sqldbtest.Engines {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine, sqldbtest.Options{})
			ctx := context.Background()
			org := &ceptor.Organization{Name: "ベンチ事業者", Type: ceptor.OrgOperator, Active: true}
			if err := db.CreateOrg(ctx, org); err != nil {
				b.Fatal(err)
			}
			var first int64
			for i := 0; i < 1000; i++ {
				s := &c4tap.Submission{OrgID: org.ID, TLP: ceptor.TLPGreen, Message: &c4tap.Message{}, Sealed: "x", SHA256: "x"}
				if err := db.AddSubmission(ctx, s); err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					first = s.ID
				}
			}
			q := `INSERT INTO c4tap_indicators (submission_id, type, value, role)
				WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
				SELECT ? + (i % 1000), 'domain', 'host' || (i / 2) || '.example', 'link' FROM n`
			if db.Dialect() == sqldb.Postgres {
				q = `INSERT INTO c4tap_indicators (submission_id, type, value, role)
					SELECT $2 + (i % 1000), 'domain', 'host' || (i / 2) || '.example', 'link' FROM generate_series(0, $1 - 1) i`
			}
			if _, err := db.SQL().ExecContext(ctx, q, n, first); err != nil {
				b.Fatal(err)
			}
			if db.Dialect() == sqldb.Postgres {
				db.SQL().ExecContext(ctx, "ANALYZE c4tap_indicators")
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v := fmt.Sprintf("host%d.example", (i*7919)%(n/2))
				t0 := time.Now()
				s, err := db.IndicatorSightings(ctx, ceptor.Indicator{Type: ceptor.IndDomain, Value: v}, 0)
				lat = append(lat, time.Since(t0))
				if err != nil || len(s) != 2 {
					b.Fatalf("%s: %d %v", v, len(s), err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
