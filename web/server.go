// Package web is ceptor's HTTP surface: the server-rendered UI (Japanese
// first, English available), the JSON API under /api/v1 and the operational
// endpoints. Every handler builds an Actor for the caller and asks the one
// policy function, ceptor.Allow, before it reads or changes anything.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/live"

	"github.com/prometheus/client_golang/prometheus"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the web layer needs from storage.
type Store interface {
	ceptor.RegistryService
	ceptor.UserService
	ceptor.AuditService
	ceptor.ReportService
	ceptor.SeverityService
	ceptor.IncidentService
	ceptor.AdvisoryService
	ceptor.SafetyStandardsService
	ceptor.DrillService
	// Atomic runs fn with a context in which every store call shares one
	// transaction.
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	ListAllContacts(ctx context.Context) (map[int64][]*ceptor.Contact, error)
	UseTOTPStep(ctx context.Context, userID, step int64) (bool, error)
	FindToken(ctx context.Context, id int64) (*ceptor.APIToken, error)
	Ping(ctx context.Context) error
}

// OIDCConfig configures optional single sign-on with an OpenID Connect
// provider. Users are matched by a linked subject or by verified e-mail; no
// account is created automatically.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Label is the text of the sign-in button, e.g. "GビズID" or "Entra ID".
	Label string
}

// Config is the validated configuration of the HTTP layer.
type Config struct {
	// PublicURL is the address people use (https://... in production). It
	// decides Secure cookies, HSTS and links in e-mails.
	PublicURL string
	// SessionTTL is the absolute lifetime of a session; SessionIdle the
	// inactivity limit.
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// Password hashing cost.
	Password auth.Params
	// LoginRate and LoginBurst throttle sign-in attempts per client address.
	LoginRate  float64
	LoginBurst int
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	OIDC       *OIDCConfig
	Version    string
	// TokenCacheTTL is how long what an API token stands for is
	// remembered (see tokenCache); zero looks every request up.
	TokenCacheTTL time.Duration
}

func (c *Config) secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// Server holds the dependencies of every handler.
type Server struct {
	cfg     Config
	store   Store
	sealer  *auth.Sealer
	log     *slog.Logger
	now     func() time.Time
	limiter *auth.Limiter
	tmpl    map[string]*template.Template
	mux     *http.ServeMux
	metrics *metrics
	oidc    *oidcClient
	oidcMu  sync.Mutex
	handler http.Handler
	apiDocs []apiDoc
	live    *live.Broker
	jobs    jobQueue
	// niscCache remembers NISC's organisation for report chains.
	niscCache orgMemo
	tokens    tokenCache
	people    shortCache[int64, *orgPeople] // who an organisation's notifications reach by e-mail
	taxiiQ    taxiiQueue                    // asynchronous TAXII adds (taxii_add.go)
	taxiiNext taxiiPrefetch                 // TAXII pages read ahead (taxii_prefetch.go)
	taxiiSeen taxiiCopyMemo                 // shared objects' visible copies, per reader (taxii_copies.go)

	// taxiiHTTP polls TAXII subscriptions (subscription_ops.go); nil: a default client.
	taxiiHTTP *http.Client
}

// New builds the server and parses every template (a broken template fails
// start-up, not a request).
func New(cfg Config, st Store, sealer *auth.Sealer, log *slog.Logger, now func() time.Time, reg prometheus.Registerer) (*Server, error) {
	if now == nil {
		now = time.Now
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.Password == (auth.Params{}) {
		cfg.Password = auth.DefaultParams
	}
	if cfg.LoginRate == 0 {
		cfg.LoginRate, cfg.LoginBurst = 0.2, 10
	}
	s := &Server{cfg: cfg, store: st, sealer: sealer, log: log, now: now, mux: http.NewServeMux(), live: live.NewLocal(log)}
	s.tokens.ttl = cfg.TokenCacheTTL
	s.people.ttl, s.people.max = cfg.TokenCacheTTL, 10000
	s.limiter = auth.NewLimiter(cfg.LoginRate, cfg.LoginBurst, now)
	var err error
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(reg, st)
	s.routes()
	s.handler = s.middleware(s.mux)
	return s, nil
}

// UseLive replaces the in-process event broker, e.g. with one that reaches
// every node through PostgreSQL. Call it before serving.
func (s *Server) UseLive(b *live.Broker) { s.live = b }

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes registers every surface; each area keeps its own table in its file.
func (s *Server) routes() {
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.routesSession()
	s.routesHome()
	s.routesRegistry()
	s.routesAccount()
	s.routesAdmin()
	s.routesAPI()
	s.routesNotifications()
	s.routesReports()
	s.routesIncidents()
	s.routesStats()
	s.routesAdvisories()
	s.routesWebhookKeys()
	s.routesTAXII()
	s.routesSurveys()
	s.routesDrills()
	s.routesSharing() // C4TAP, MISP, indicator correlation (c4tap_ui.go)
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
