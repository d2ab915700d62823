package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/mail"
	"ceptor/mail/mailtest"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// BenchmarkAdvisoryEmails: the time from publishing an advisory to N
// operators (2N primary e-mail contacts; N = CEPTOR_BENCH_ORGS, default
// 3,000) until the local SMTP sink has accepted every message, with the
// delivery workers of one node (one SMTP connection per message). The
// yardstick (issue 4): the same rows — N recipient rows and 2N e-mail
// delivery rows — inserted plainly, 500 rows per INSERT, in one
// transaction through the same driver; reported as ratio.
//
//	CEPTOR_BENCH_ORGS=100000 go test ./jobs -run '^$' -bench AdvisoryEmails -benchtime 1x -timeout 120m
func BenchmarkAdvisoryEmails(b *testing.B) {
	orgs := 3000
	if n, err := strconv.Atoi(os.Getenv("CEPTOR_BENCH_ORGS")); err == nil && n > 0 {
		orgs = n
	}
	for _, engine := range sqldbtest.Engines {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.Open(b, engine, sqldbtest.Options{})
			srv, err := mailtest.NewServer()
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			sender, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 10 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			nisc, author, ops, contacts := bulkAdvisoryWorld(b, db, orgs)
			q := deliveryQueue(b, db, sender, time.Minute, 0)
			// The yardstick first, on a draft of its own (no jobs: nothing sends it).
			base := bulkBaseline(b, db, nisc, author, ops, contacts)
			if err := q.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer q.Stop(context.Background())
			b.ResetTimer()
			for range b.N {
				before := len(srv.Messages())
				start := time.Now()
				_, res := publish(b, db, q, nisc, author)
				published := time.Since(start)
				if _, err := srv.Wait(before+len(res.Deliveries), 120*time.Minute); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				b.ReportMetric(float64(took.Milliseconds()), "ms/all-emails")
				b.ReportMetric(float64(published.Milliseconds()), "ms/publish")
				b.ReportMetric(float64(len(res.Deliveries))/took.Seconds(), "emails/s")
				b.ReportMetric(float64(base.Milliseconds()), "ms/bulk-insert")
				b.ReportMetric(float64(took)/float64(base), "x-bulk")
				b.ReportMetric(float64(published)/float64(base), "publish-x-bulk")
			}
		})
	}
}

// bulkAdvisoryWorld is advisoryWorld for many organisations: NISC, n
// operators with two primary e-mail contacts each, inserted 500 rows per
// statement. It returns the operators' ids and their contacts' ids.
func bulkAdvisoryWorld(b testing.TB, db *sqldb.DB, n int) (nisc, author int64, ops, contacts []int64) {
	b.Helper()
	ctx := context.Background()
	o := &ceptor.Organization{Name: "NISC", Type: ceptor.OrgNISC, Active: true}
	mustTB(b, db.CreateOrg(ctx, o))
	u := &ceptor.User{OrgID: o.ID, Email: "desk@nisc.example.go.jp", Name: "担当", Role: ceptor.RoleAnalyst}
	mustTB(b, db.CreateUser(ctx, u))
	now := time.Now().UTC()
	tx, err := db.SQL().BeginTx(ctx, nil)
	mustTB(b, err)
	var orgRows [][]any
	for i := range n {
		orgRows = append(orgRows, []any{fmt.Sprintf("事業者%06d", i), "operator", true, now, now})
	}
	ops = bulkInsert(b, db, tx, "INSERT INTO organizations (name, type, active, created_at, updated_at) VALUES ", orgRows, true)
	var contactRows [][]any
	for i, id := range ops {
		for j := range 2 {
			contactRows = append(contactRows, []any{id, "窓口", "primary", j, fmt.Sprintf("c%d-%d@op%d.example.jp", j, i, i), "ja", true, now, now})
		}
	}
	contacts = bulkInsert(b, db, tx, "INSERT INTO contacts (org_id, name, kind, priority, email, lang, active, created_at, updated_at) VALUES ", contactRows, true)
	mustTB(b, tx.Commit())
	if db.Dialect() == sqldb.Postgres {
		_, err := db.SQL().ExecContext(ctx, "ANALYZE")
		mustTB(b, err)
	}
	return o.ID, u.ID, ops, contacts
}

// bulkBaseline inserts, for a draft advisory of its own, one recipient
// row per operator and one e-mail delivery row per contact — the rows
// publishing writes — 500 rows per INSERT in one transaction, and returns
// how long that took.
func bulkBaseline(b testing.TB, db *sqldb.DB, nisc, author int64, ops, contacts []int64) time.Duration {
	b.Helper()
	ctx := context.Background()
	a := &ceptor.Advisory{OrgID: nisc, AuthorID: author, Title: "基準", Body: "本文", TLP: ceptor.TLPGreen,
		Audience: ceptor.Audience{OrgTypes: []ceptor.OrgType{ceptor.OrgOperator}}}
	mustTB(b, db.CreateAdvisory(ctx, a))
	now := time.Now().UTC()
	var recRows, delRows [][]any
	for _, id := range ops {
		recRows = append(recRows, []any{a.ID, id, nisc, "pending"})
	}
	for i, c := range contacts {
		delRows = append(delRows, []any{a.ID, ops[i/2], c, "email", "v1", fmt.Sprintf("c%d@example.jp", i), "ja", "queued", now})
	}
	start := time.Now()
	tx, err := db.SQL().BeginTx(ctx, nil)
	mustTB(b, err)
	bulkInsert(b, db, tx, "INSERT INTO advisory_recipients (advisory_id, org_id, via_org_id, state) VALUES ", recRows, false)
	bulkInsert(b, db, tx, "INSERT INTO advisory_deliveries (advisory_id, org_id, contact_id, channel, purpose, address, lang, status, created_at) VALUES ", delRows, false)
	mustTB(b, tx.Commit())
	return time.Since(start)
}

// bulkInsert runs prefix with 500 rows per statement.
func bulkInsert(b testing.TB, db *sqldb.DB, tx *sql.Tx, prefix string, rows [][]any, returning bool) []int64 {
	b.Helper()
	ctx := context.Background()
	var ids []int64
	for start := 0; start < len(rows); start += 500 {
		chunk := rows[start:min(start+500, len(rows))]
		var q strings.Builder
		q.WriteString(prefix)
		var args []any
		k := 0
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range r {
				if j > 0 {
					q.WriteString(", ")
				}
				k++
				if db.Dialect() == sqldb.Postgres {
					q.WriteString("$" + strconv.Itoa(k))
				} else {
					q.WriteString("?")
				}
			}
			q.WriteString(")")
			args = append(args, r...)
		}
		if !returning {
			_, err := tx.ExecContext(ctx, q.String(), args...)
			mustTB(b, err)
			continue
		}
		q.WriteString(" RETURNING id")
		rs, err := tx.QueryContext(ctx, q.String(), args...)
		mustTB(b, err)
		for rs.Next() {
			var id int64
			mustTB(b, rs.Scan(&id))
			ids = append(ids, id)
		}
		mustTB(b, rs.Err())
		rs.Close()
	}
	return ids
}
