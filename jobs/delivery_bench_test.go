package jobs_test

import (
	"context"
	"testing"
	"time"

	"ceptor/mail"
	"ceptor/mail/mailtest"
	"ceptor/sqldb/sqldbtest"
)

// BenchmarkAdvisoryEmails: the time from publishing an advisory to 3,000
// operators (6,000 primary e-mail contacts) until the local SMTP sink has
// accepted every message, with the delivery workers of one node (River,
// 10 workers, one SMTP connection per message).
//
//	go test ./jobs -run '^$' -bench AdvisoryEmails -benchtime 1x -timeout 30m
func BenchmarkAdvisoryEmails(b *testing.B) {
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
			nisc, author := advisoryWorld(b, db, 3000, "")
			q := deliveryQueue(b, db, sender, time.Minute, 0)
			if err := q.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer q.Stop(context.Background())
			b.ResetTimer()
			for range b.N {
				before := len(srv.Messages())
				start := time.Now()
				_, res := publish(b, db, q, nisc, author)
				if _, err := srv.Wait(before+len(res.Deliveries), 10*time.Minute); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/6000-emails")
			}
		})
	}
}
