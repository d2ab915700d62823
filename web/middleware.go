package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/i18n"
)

// reqState is what the middleware learns about a request.
type reqState struct {
	lang    string
	user    *ceptor.User
	org     *ceptor.Organization
	actor   *ceptor.Actor
	session *ceptor.Session // nil for API-token requests
	token   *ceptor.APIToken
	// authErr says why offered credentials were refused, where a plain
	// "sign in" would not help (see identifyToken).
	authErr *ceptor.Error
	status  int
	// anonymous marks a request about an anonymous reporter's own report:
	// the request log then leaves out who made it.
	anonymous bool
}

// markAnonymous keeps the caller's identity out of this request's log line.
func markAnonymous(r *http.Request) { state(r).anonymous = true }

type ctxKey struct{}

func state(r *http.Request) *reqState {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return st
	}
	return &reqState{lang: i18n.Default}
}

const (
	sessionCookie = "ceptor_session"
	langCookie    = "ceptor_lang"
	flashCookie   = "ceptor_flash"
	preCSRFCookie = "ceptor_pre"
)

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush lets server-sent events through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps every request: recovery, security headers, logging and
// metrics, caller identification (session cookie or bearer token), language,
// and cross-site request forgery protection for unsafe methods.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "cross-origin request refused", Key: "err.csrf"})
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		st := &reqState{lang: i18n.Default}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.fail(sw, r, errors.New("panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			dur := time.Since(start)
			s.metrics.observe(r.Method, route, sw.status, dur)
			if r.URL.Path != "/healthz" && r.URL.Path != "/metrics" && !strings.HasPrefix(r.URL.Path, "/static/") {
				attrs := []any{"method", r.Method, "path", r.URL.Path, "route", route, "status", sw.status,
					"duration_ms", float64(dur.Microseconds()) / 1000, "bytes", sw.bytes, "remote_ip", s.clientIP(r)}
				if st.user != nil && !st.anonymous {
					attrs = append(attrs, "user_id", st.user.ID, "org_id", st.user.OrgID)
				}
				s.log.Info("http request", attrs...)
			}
		}()
		s.securityHeaders(sw, r)
		s.identify(r, st)
		if isUnsafe(r.Method) {
			// Cap every request body before anything reads it (the CSRF
			// check below parses forms). Handlers set tighter limits.
			r.Body = http.MaxBytesReader(sw, r.Body, maxBody)
		}
		if isUnsafe(r.Method) && st.token == nil {
			// Browsers: the Fetch-metadata check first, then the token.
			if err := cop.Check(r); err != nil {
				s.fail(sw, r, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "cross-origin request refused", Key: "err.csrf"})
				return
			}
			if !s.csrfOK(r, st) {
				s.fail(sw, r, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "invalid CSRF token", Key: "err.csrf"})
				return
			}
		}
		next.ServeHTTP(sw, r)
	})
}

// maxBody is the largest request body accepted at all (uploads of 20 MiB
// plus multipart overhead).
const maxBody = 32 << 20

func isUnsafe(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func (s *Server) securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if s.cfg.secure() {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// clientIP returns the caller's address, from X-Forwarded-For only when the
// deployment says a trusted proxy sets it.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// identify finds the caller from a bearer token (API) or the session
// cookie, then the language.
func (s *Server) identify(r *http.Request, st *reqState) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		s.identifyToken(r, st, h)
	} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		sess, err := s.store.FindSession(ctx, auth.HashToken(c.Value))
		now := s.now()
		if err == nil && now.Before(sess.ExpiresAt) && now.Sub(sess.LastSeenAt) < s.cfg.SessionIdle {
			if u, o := s.loadUser(ctx, sess.UserID); u != nil {
				st.session, st.user, st.org = sess, u, o
				if !sess.MFAPending {
					st.actor = s.actorFor(ctx, u, o, nil)
				}
				// Touch at most once a minute to keep writes low.
				if now.Sub(sess.LastSeenAt) > time.Minute {
					sess.LastSeenAt = now
					if err := s.store.UpdateSession(ctx, sess); err != nil {
						s.log.Warn("session touch failed", "err", err)
					}
				}
			}
		}
	}
	st.lang = s.pickLang(r, st)
}

// identifyToken accepts "Bearer <token>" and, for TAXII clients, HTTP Basic
// with the token as password.
func (s *Server) identifyToken(r *http.Request, st *reqState, h string) {
	ctx := r.Context()
	var secret string
	if v, ok := strings.CutPrefix(h, "Bearer "); ok {
		secret = strings.TrimSpace(v)
	} else if _, pw, ok := r.BasicAuth(); ok {
		secret = pw
	}
	st.token = &ceptor.APIToken{} // marks "credentials were offered"; stays unusable unless found
	if secret == "" {
		return
	}
	hash := auth.HashToken(secret)
	if e := s.tokens.get(hash, s.now()); e != nil && e.t.Usable(s.now()) {
		t, u, o, a := e.t, e.u, e.o, e.actor
		st.token, st.user, st.org, st.actor = &t, &u, &o, &a
		s.touchToken(ctx, hash, &t)
		return
	}
	t, err := s.store.FindTokenByHash(ctx, hash)
	if err != nil || !t.Usable(s.now()) {
		return
	}
	u, o := s.loadUser(ctx, t.UserID)
	if u == nil {
		return
	}
	if o.Require2FA && !u.TOTPEnabled {
		// The organisation's rule holds for tokens as for sign-ins: a token
		// of someone without a second factor opens nothing until they
		// turn it on.
		st.authErr = &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "your organisation requires two-factor authentication before API tokens can be used", Key: "err.token_2fa_required"}
		return
	}
	st.token, st.user, st.org = t, u, o
	st.actor = s.actorFor(ctx, u, o, t.Scopes)
	s.tokens.put(hash, &tokenEntry{t: *t, u: *u, o: *o, actor: *st.actor, at: s.now()})
	s.touchToken(ctx, hash, t)
}

// touchToken records a token's use, at most once a minute.
func (s *Server) touchToken(ctx context.Context, hash string, t *ceptor.APIToken) {
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		if err := s.store.TouchToken(ctx, t.ID, s.now()); err != nil {
			s.log.Warn("token touch failed", "err", err)
			return
		}
		s.tokens.touched(hash, s.now())
	}
}

// loadUser returns an enabled user and their active organisation, or nils.
func (s *Server) loadUser(ctx context.Context, id int64) (*ceptor.User, *ceptor.Organization) {
	u, err := s.store.FindUser(ctx, id)
	if err != nil || u.Disabled {
		return nil, nil
	}
	o, err := s.store.FindOrg(ctx, u.OrgID)
	if err != nil || !o.Active {
		return nil, nil
	}
	return u, o
}

func (s *Server) actorFor(ctx context.Context, u *ceptor.User, o *ceptor.Organization, scopes []string) *ceptor.Actor {
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		s.log.Error("list sectors for actor", "err", err)
	}
	ceptors, err := s.store.ListCeptors(ctx)
	if err != nil {
		s.log.Error("list ceptors for actor", "err", err)
	}
	a := ceptor.NewActor(u, o, sectors, ceptors, scopes)
	a.OrgTag = s.orgTag(o.ID)
	a.C4TAP = s.c4tapMember(ctx, o.ID) // targeted-attack sharing group (c4tap_ops.go)
	return a
}

// orgTag is the keyed hash by which sealed items recognise an organisation.
func (s *Server) orgTag(orgID int64) string {
	return s.sealer.Tag("org", strconv.FormatInt(orgID, 10))
}

// pickLang: an explicit ?lang= for this request, then the browser's choice
// (cookie), then the user's preference, then Accept-Language, then Japanese.
// API clients with a token choose per request: their Accept-Language comes
// before the stored preference.
func (s *Server) pickLang(r *http.Request, st *reqState) string {
	u := st.user
	if l := i18n.Normalize(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if st.token != nil {
		if l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := i18n.Normalize(c.Value); l != "" {
			return l
		}
	}
	if u != nil && i18n.Normalize(u.Lang) != "" {
		return u.Lang
	}
	if l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return i18n.Default
}

// csrfOK checks the synchroniser token of a session, or for forms shown
// before sign-in the double-submit cookie.
func (s *Server) csrfOK(r *http.Request, st *reqState) bool {
	sent := r.Header.Get("X-CSRF-Token")
	if sent == "" {
		sent = r.PostFormValue("csrf")
	}
	if sent == "" {
		return false
	}
	if st.session != nil {
		return subtle.ConstantTimeCompare([]byte(sent), []byte(st.session.CSRFToken)) == 1
	}
	c, err := r.Cookie(preCSRFCookie)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(sent), []byte(c.Value)) == 1
}

// preCSRF returns (setting if needed) the double-submit token for forms shown
// to visitors who are not signed in.
func (s *Server) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	v := auth.RandomString(32)
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: v, Path: "/", HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	return v
}

func (s *Server) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	if !i18n.Has(c.Value) {
		return ""
	}
	return c.Value
}

func asError(err error, target **ceptor.Error) bool { return errors.As(err, target) }
