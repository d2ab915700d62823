package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"
	"ceptor/jobs"
	"ceptor/live"
	"ceptor/mail"
	"ceptor/sqldb"
	"ceptor/web"

	"github.com/riverqueue/river"
)

// Main is the running program: the database, the service key and, for
// serve, the HTTP server. End-to-end tests drive it exactly as the command does.
type Main struct {
	Config Config
	Out    io.Writer
	Log    *slog.Logger
	Now    func() time.Time
	// PasswordParams is the argon2id cost (tests lower it).
	PasswordParams auth.Params

	DB       *sqldb.DB
	Sealer   *auth.Sealer
	Jobs     *jobs.Queue
	Live     *live.Broker
	Server   *web.Server
	HTTP     *http.Server
	Listener net.Listener
	debug    *http.Server
	done     chan struct{}
	cancel   context.CancelFunc
}

// passwordParams is the argon2id cost every Main starts with. Only this
// package's tests change it (to auth.TestParams), so that the end-to-end CLI
// tests do not spend seconds hashing the demo users' passwords.
var passwordParams = auth.DefaultParams

// NewMain returns a Main with defaults.
func NewMain(cfg Config, out io.Writer) *Main {
	return &Main{Config: cfg, Out: out, Now: time.Now, PasswordParams: passwordParams}
}

// Open opens the database (running migrations) and loads the service key.
func (m *Main) Open(ctx context.Context) error {
	if m.Log == nil {
		m.Log = m.Config.logger()
	}
	db, err := sqldb.Open(ctx, sqldb.Config{URL: m.Config.DatabaseURL, DataDir: m.Config.DataDir, Now: m.Now, Logger: m.Log})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	m.DB = db
	if err := jobs.Migrate(ctx, db.SQL(), string(db.Dialect()), m.Log); err != nil {
		db.Close()
		return err
	}
	key, err := m.loadKey()
	if err != nil {
		db.Close()
		return err
	}
	if m.Sealer, err = auth.NewSealer(key); err != nil {
		db.Close()
		return err
	}
	return nil
}

func (m *Main) loadKey() ([]byte, error) {
	if m.Config.SecretKey != "" {
		k, err := auth.ParseKey(m.Config.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("--secret-key: %w", err)
		}
		return k, nil
	}
	path := m.Config.SecretFile
	if path == "" {
		path = filepath.Join(m.Config.DataDir, "secret.key")
		if m.Config.DatabaseURL != "" {
			m.Log.Warn("no --secret-key given with PostgreSQL: using a key file in the data directory; every node must share the same key", "path", path)
		}
	}
	k, err := auth.LoadOrCreateKey(path)
	if err != nil {
		return nil, fmt.Errorf("service key %s: %w", path, err)
	}
	return k, nil
}

// LoadDemo loads the demo data set when the database is empty. It reports
// whether it loaded anything.
func (m *Main) LoadDemo(ctx context.Context, operators int) (*demo.Summary, error) {
	empty, err := demo.Empty(ctx, m.DB)
	if err != nil || !empty {
		return nil, err
	}
	ds := demo.Generate(1, operators)
	sum, err := demo.Load(ctx, m.DB, m.DB, ds, demo.Options{
		HashPassword: func(pw string) (string, error) { return auth.HashPassword(m.PasswordParams, pw) },
		SealTOTP: func(secret, email string) (string, error) {
			return m.Sealer.Seal([]byte(secret), "totp:"+email)
		},
		Now: m.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("load demo data: %w", err)
	}
	m.audit(ctx, "demo.load", map[string]any{"organizations": sum.OrgTotal(), "users": sum.Users})
	return sum, nil
}

// audit records an action taken from the command line.
func (m *Main) audit(ctx context.Context, action string, detail any) {
	who := "cli"
	if u := os.Getenv("USER"); u != "" {
		who = "cli:" + u
	}
	e := &ceptor.AuditEntry{ActorLabel: who, Action: action, Detail: ceptor.AuditDetail(detail)}
	if err := m.DB.AppendAudit(ctx, e); err != nil {
		m.Log.Error("audit append failed", "action", action, "err", err)
	}
}

// Run starts serving and returns once the listener is open; Wait blocks
// until the server stops.
func (m *Main) Run(ctx context.Context) error {
	if m.DB == nil {
		if err := m.Open(ctx); err != nil {
			return err
		}
	}
	if m.Config.Demo {
		start := time.Now()
		sum, err := m.LoadDemo(ctx, m.Config.DemoOperators)
		if err != nil {
			return err
		}
		if sum != nil {
			m.Log.Info("demo data loaded", "organizations", sum.OrgTotal(), "users", sum.Users, "duration_ms", time.Since(start).Milliseconds())
			fmt.Fprintf(m.Out, "demo data loaded: %d organisations, %d users (password %q)\n", sum.OrgTotal(), sum.Users, demo.DemoPassword)
		}
	}
	cfg := web.Config{
		PublicURL: m.Config.PublicURL, SessionTTL: m.Config.SessionTTL, SessionIdle: m.Config.SessionIdle,
		Password: m.PasswordParams, TrustProxy: m.Config.TrustProxy, Version: version,
		TokenCacheTTL: m.Config.TokenCacheTTL,
	}
	if m.Config.OIDCIssuer != "" {
		cfg.OIDC = &web.OIDCConfig{Issuer: m.Config.OIDCIssuer, ClientID: m.Config.OIDCClientID, ClientSecret: m.Config.OIDCClientSecret, Label: m.Config.OIDCLabel}
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.Listener = ln
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	srv, err := web.New(cfg, m.DB, m.Sealer, m.Log, m.Now, nil)
	if err != nil {
		ln.Close()
		return err
	}
	m.Server = srv
	if m.DB.Dialect() == sqldb.Postgres {
		// Live updates must reach browsers connected to any node.
		if m.Live, err = live.NewPostgres(m.Config.DatabaseURL, m.Log); err != nil {
			ln.Close()
			return fmt.Errorf("live updates: %w", err)
		}
		srv.UseLive(m.Live)
	}
	m.HTTP = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	var sender mail.Sender // nil: e-mails are logged and recorded as not sent
	if m.Config.SMTPHost != "" {
		mc, err := m.Config.mailConfig()
		if err == nil {
			sender, err = mail.NewSMTP(mc)
		}
		if err != nil {
			ln.Close()
			return fmt.Errorf("e-mail: %w", err)
		}
	} else {
		m.Log.Warn("no SMTP server configured (--smtp-host): notification e-mails are logged, not sent")
	}
	m.Jobs, err = jobs.New(jobs.Config{DB: m.DB.SQL(), Dialect: string(m.DB.Dialect()), Logger: m.Log,
		Periodic: []*river.PeriodicJob{jobs.SessionCleanupEvery(time.Hour), jobs.NotificationCleanupEvery(24 * time.Hour),
			jobs.RemindersEvery(jobs.ReminderInterval), web.STIXSyncEvery(web.STIXSyncInterval), web.SurveyRemindersEvery(web.SurveyReminderInterval),
			jobs.AdvisorySweepEvery(jobs.AdvisorySweepInterval), web.TAXIIPollEvery(5 * time.Minute)}}, func(w *river.Workers) {
		river.AddWorker(w, &jobs.SessionCleanupWorker{Store: m.DB, Now: m.Now})
		river.AddWorker(w, &web.STIXSyncWorker{Server: srv}) // keeps the STIX index of the TAXII server current
		river.AddWorker(w, &web.TAXIIAddWorker{Server: srv})
		river.AddWorker(w, &web.TAXIIPollWorker{Server: srv})       // TAXII subscriptions (subscription_ops.go)
		river.AddWorker(w, &web.SurveyRemindersWorker{Server: srv}) // survey deadline reminders
		river.AddWorker(w, &jobs.SendEmailWorker{Sender: sender, Log: m.Log})
		river.AddWorker(w, &jobs.NotificationCleanupWorker{Store: m.DB, Keep: jobs.NotificationRetention, Now: m.Now})
		// Advisory deliveries (e-mail, signed webhooks) and their sweep
		// (lost jobs, reminders to alternates, escalation after the deadline).
		enqueue := func(ctx context.Context, ids []int64) error {
			return m.Jobs.EnqueueDeliveries(ctx, m.DB.AmbientTx(ctx), ids)
		}
		river.AddWorker(w, &jobs.AdvisoryDeliveryWorker{Store: m.DB, Messenger: srv, Sender: sender, Now: m.Now, Log: m.Log, Enqueue: enqueue})
		river.AddWorker(w, &jobs.AdvisoryDispatchWorker{Store: m.DB}) // queues the jobs of a large publish after its commit
		river.AddWorker(w, &jobs.AdvisorySweepWorker{Store: m.DB, Now: m.Now, Log: m.Log, Enqueue: enqueue})
		river.AddWorker(w, &jobs.AdvisoryNotifyWorker{Notifier: srv})
		// Update cadences in large-scale mode and reporting clocks; the
		// server renders the notifications and wakes the situation boards.
		river.AddWorker(w, &jobs.ReminderWorker{Store: m.DB, Notifier: srv, Publish: srv.PublishLive, Now: m.Now, Log: m.Log, Every: jobs.ReminderInterval})
	})
	if err != nil {
		ln.Close()
		return err
	}
	srv.UseJobs(m.Jobs)
	srv.UseTAXIIQueue(m.Jobs) // TAXII adds complete in the background
	srv.UseMail(sender != nil)
	// Acceptances of advisory deliveries that a previous process of this
	// node saw but could not record are recorded before anything is sent.
	journal := filepath.Join(m.Config.DataDir, "delivery-handover.journal")
	if _, err := m.DB.OpenHandoverJournal(ctx, journal); err != nil {
		m.Log.Warn("advisory deliveries: no hand-over journal; a crash just after a receiver accepted a message may send it again", "err", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	if err := m.Jobs.Start(bg); err != nil {
		ln.Close()
		return err
	}
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		if err := m.HTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server stopped", "err", err)
		}
	}()
	if m.Config.DebugAddr != "" {
		if err := m.startDebug(); err != nil {
			return err
		}
	}
	m.Log.Info("ceptor serving", "addr", ln.Addr().String(), "database", m.DB.Describe(), "version", version)
	fmt.Fprintf(m.Out, "ceptor listening on http://%s\n", ln.Addr().String())
	return nil
}

// URL is the base URL the server listens on.
func (m *Main) URL() string { return "http://" + m.Listener.Addr().String() }

// startDebug serves Go's profiler on its own listener, apart from the
// service, so that it is never reachable through the public address.
func (m *Main) startDebug() error {
	ln, err := net.Listen("tcp", m.Config.DebugAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (--debug-addr): %w", m.Config.DebugAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go m.debug.Serve(ln)
	m.Log.Warn("profiler listening; keep this address private", "debug_addr", ln.Addr().String())
	return nil
}

// Close shuts the server down gracefully, then closes the database.
func (m *Main) Close() error {
	if m.debug != nil {
		m.debug.Close()
	}
	if m.HTTP != nil {
		timeout := m.Config.ShutdownTimeout
		if timeout == 0 {
			timeout = 15 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := m.HTTP.Shutdown(ctx); err != nil {
			m.Log.Warn("graceful shutdown incomplete", "err", err)
		}
		<-m.done
	}
	if m.Jobs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Jobs.Stop(ctx); err != nil {
			m.Log.Warn("job queue stop", "err", err)
		}
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.Live != nil {
		m.Live.Close()
	}
	if m.DB != nil {
		return m.DB.Close()
	}
	return nil
}
