package web_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"modernc.org/sqlite"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"
	"ceptor/jobs"
	"ceptor/sqldb/sqldbtest"
	"ceptor/web"
)

// BenchmarkSubmitReport drives POST /api/v1/reports with "submit": true
// through the real router and middleware (no network), on a database
// holding the demo data set of `ceptor serve --demo` (3,000 operators) and
// with the e-mail job queue attached as `ceptor serve` does, so that a CPU
// profile shows where a submission's time goes:
//
//	go test ./web -run '^$' -bench BenchmarkSubmitReport/sqlite -benchtime 3000x -cpuprofile /tmp/submit.cpu
//	go tool pprof -top -cum web.test /tmp/submit.cpu
//
// "serial" submits one report at a time; "clients50" has 50 goroutines
// submitting at once (as cmd/ceptor-bench-reports does over HTTP). Reports
// go alternately by the ministry route and directly to NISC, from ten
// operators of different sectors. On SQLite it also reports the commits
// (write transactions, each taking the database's one write lock) per
// report, the job queue's included.
func BenchmarkSubmitReport(b *testing.B) {
	countSQLiteCommits()
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			srv, users := submitBenchServer(b, engine)
			for _, mode := range []struct {
				name    string
				clients int
			}{{"serial", 1}, {"clients50", 50}} {
				b.Run(mode.name, func(b *testing.B) {
					var seq atomic.Int64
					submit := func() {
						n := seq.Add(1)
						u := users[n%int64(len(users))]
						route := "ministry"
						if n%2 == 0 {
							route = "direct"
						}
						req := httptest.NewRequest(http.MethodPost, "/api/v1/reports", strings.NewReader(submitBenchBody(n, route, u.sector)))
						req.Header.Set("Authorization", "Bearer "+u.token)
						req.Header.Set("Content-Type", "application/json")
						rec := httptest.NewRecorder()
						srv.ServeHTTP(rec, req)
						if rec.Code != http.StatusCreated {
							b.Errorf("POST /api/v1/reports: %d %s", rec.Code, rec.Body.String())
						}
					}
					b.ReportAllocs()
					commits := sqliteCommits.Load()
					b.ResetTimer()
					if mode.clients == 1 {
						for b.Loop() {
							submit()
						}
					} else {
						// RunParallel starts parallelism x GOMAXPROCS goroutines.
						b.SetParallelism(max(1, mode.clients/runtime.GOMAXPROCS(0)))
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								submit()
							}
						})
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
					if engine == "sqlite" {
						b.ReportMetric(float64(sqliteCommits.Load()-commits)/float64(b.N), "commits/report")
					}
				})
			}
		})
	}
}

var (
	sqliteCommits     atomic.Int64
	sqliteCommitsOnce sync.Once
)

// countSQLiteCommits counts the commits of every SQLite connection opened
// from now on (a commit hook fires once per committed write transaction).
func countSQLiteCommits() {
	sqliteCommitsOnce.Do(func() {
		sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
			if h, ok := c.(interface{ RegisterCommitHook(sqlite.CommitHookFn) }); ok {
				h.RegisterCommitHook(func() int32 { sqliteCommits.Add(1); return 0 })
			}
			return nil
		})
	})
}

// submitBenchUser is an operator user the benchmark submits as.
type submitBenchUser struct {
	token  string
	sector int64
}

// submitBenchServer builds the server of `ceptor serve --demo` on a fresh
// database of the engine: the full demo data set, the job queue with its
// e-mail worker (no SMTP server: e-mails are logged and recorded as not
// sent), and tokens of ten operator users.
func submitBenchServer(b *testing.B, engine string) (*web.Server, []submitBenchUser) {
	b.Helper()
	ctx := context.Background()
	db := sqldbtest.Open(b, engine, sqldbtest.Options{})
	key := make([]byte, 32)
	rand.Read(key)
	sealer, err := auth.NewSealer(key)
	if err != nil {
		b.Fatal(err)
	}
	ds := demo.Generate(1, demo.DefaultOperators)
	if _, err := demo.Load(ctx, db, db, ds, demo.Options{
		HashPassword: func(pw string) (string, error) { return auth.HashPassword(auth.TestParams, pw) },
		SealTOTP:     func(secret, email string) (string, error) { return sealer.Seal([]byte(secret), "totp:"+email) },
	}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if err := jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), log); err != nil {
		b.Fatal(err)
	}
	q, err := jobs.New(jobs.Config{DB: db.SQL(), Dialect: string(db.Dialect()), Logger: log}, func(w *river.Workers) {
		river.AddWorker(w, &jobs.SendEmailWorker{Log: log})
	})
	if err != nil {
		b.Fatal(err)
	}
	qctx, cancel := context.WithCancel(ctx)
	if err := q.Start(qctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cancel()
		sctx, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		q.Stop(sctx)
	})
	srv, err := web.New(web.Config{PublicURL: "http://127.0.0.1:8080", Password: auth.TestParams, Version: "bench", TokenCacheTTL: 2 * time.Second}, db, sealer, log, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv.UseJobs(q)

	emails := []string{"analyst.operator@demo.example"}
	for _, c := range []string{"telecom", "broadcast", "cabletv", "life-insurance", "nonlife-insurance", "securities", "payment", "aviation", "airport"} {
		emails = append(emails, "admin.op-"+c+"@demo.example")
	}
	var users []submitBenchUser
	for _, email := range emails {
		u, err := db.FindUserByEmail(ctx, email)
		if err != nil {
			b.Fatalf("%s: %v", email, err)
		}
		org, err := db.FindOrg(ctx, u.OrgID)
		if err != nil {
			b.Fatal(err)
		}
		secret := auth.RandomToken(auth.PrefixAPIToken)
		t := &ceptor.APIToken{UserID: u.ID, Name: "bench", Prefix: auth.TokenPrefix(secret), Hash: auth.HashToken(secret), Scopes: ceptor.ScopesForRole(u.Role)}
		if err := db.CreateToken(ctx, t); err != nil {
			b.Fatal(err)
		}
		users = append(users, submitBenchUser{token: secret, sector: org.SectorIDs[0]})
	}
	return srv, users
}

// submitBenchBody is a complete report as cmd/ceptor-bench-reports sends
// it: TLP AMBER, event class, causes, systems, times, impact, response and
// five indicators; every report differs.
func submitBenchBody(n int64, route string, sector int64) string {
	start := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
	detected := time.Now().Add(-150 * time.Minute).UTC().Format(time.RFC3339)
	return fmt.Sprintf(`{"route":%q,"sector_id":%d,"tlp":"amber",
"title":"【性能試験】インターネットバンキングへの不正ログイン試行（第%d報）",
"body":"本日未明より、インターネットバンキングのログイン画面に対し、海外の複数のIPアドレスから短時間に大量のログイン試行を検知した。\n試行に使われたIDの一部は当社顧客のものであり、他社から漏えいしたID・パスワードを用いたパスワードリスト型攻撃と推定される。\n現時点で不正送金は確認されていないが、約120件のアカウントで認証に成功した形跡があり、調査を継続している。",
"event_class":"intrusion","causes":["unauthorized_access","targeted_email"],"critical_outage":%t,
"service":"インターネットバンキング","systems":["it","cloud"],"started_at":%q,"detected_at":%q,
"impact":{"users_affected":%d,"area":"全国","data_affected":"一部顧客のログインIDと取引履歴の閲覧"},
"response":"該当IPアドレスからの接続を遮断し、認証に成功したアカウントのパスワードを強制リセットした。顧客への個別連絡を開始した。",
"indicators":[{"type":"ipv4","value":"203.0.113.%d"},{"type":"domain","value":"login-%d.bank-secure[.]example"},
{"type":"url","value":"hxxps://login-%d.bank-secure.example/auth/verify?id=%d"},
{"type":"sha256","value":"%064x"},{"type":"email","value":"notice-%d@bank-secure.example"}],
"lang":"ja","submit":true}`, route, sector, n, n%10 == 0, start, detected, 100+n%5000, 1+n%254, n%997, n%997, n, n, n%101)
}
