package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/i18n"
)

func (s *Server) routesSession() {
	s.mux.HandleFunc("GET /login", s.loginForm)
	s.mux.HandleFunc("POST /login", s.loginSubmit)
	s.mux.HandleFunc("GET /login/2fa", s.secondFactorForm)
	s.mux.HandleFunc("POST /login/2fa", s.secondFactorSubmit)
	s.mux.HandleFunc("POST /logout", s.logout)
	s.mux.HandleFunc("POST /lang", s.setLang)
	s.mux.HandleFunc("GET /auth/oidc/login", s.oidcLogin)
	s.mux.HandleFunc("GET /auth/oidc/callback", s.oidcCallback)
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

type loginData struct {
	Email     string
	Next      string
	OIDCLabel string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	if st.actor != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, email, errKey string) {
	st := state(r)
	d := loginData{Email: email, Next: safeNext(r.FormValue("next"))}
	if s.cfg.OIDC != nil {
		d.OIDCLabel = s.cfg.OIDC.Label
		if d.OIDCLabel == "" {
			d.OIDCLabel = "OpenID Connect"
		}
	}
	p := s.page(w, r, i18n.T(st.lang, "login.title"), d)
	if errKey != "" {
		p.FormError = i18n.T(st.lang, errKey)
	}
	s.render(w, r, status, "login", p)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	ip := s.clientIP(r)
	if !s.limiter.Allow(ip) {
		s.renderLogin(w, r, http.StatusTooManyRequests, email, "err.too_many")
		return
	}
	if email == "" || password == "" {
		s.renderLogin(w, r, http.StatusUnprocessableEntity, email, "login.err_missing")
		return
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		auth.DummyCheck(s.cfg.Password)
		s.auditAnon(r, "auth.login_failed", map[string]string{"email": email, "reason": "unknown_user"})
		s.renderLogin(w, r, http.StatusUnauthorized, email, "login.err_credentials")
		return
	}
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		auth.DummyCheck(s.cfg.Password)
		s.renderLogin(w, r, http.StatusTooManyRequests, email, "login.err_locked")
		return
	}
	ok, rehash, err := auth.CheckPassword(s.cfg.Password, u.PasswordHash, password)
	if err != nil || !ok || u.Disabled {
		u.FailedLogins++
		u.LockedUntil = auth.Lockout(u.FailedLogins, now)
		if err := s.store.RecordLogin(ctx, u); err != nil {
			s.log.Error("record failed login", "err", err)
		}
		s.auditUser(r, u, "auth.login_failed", map[string]any{"failed": u.FailedLogins, "locked": u.LockedUntil != nil})
		s.renderLogin(w, r, http.StatusUnauthorized, email, "login.err_credentials")
		return
	}
	o, err := s.store.FindOrg(ctx, u.OrgID)
	if err != nil || !o.Active {
		s.renderLogin(w, r, http.StatusForbidden, email, "login.err_org_inactive")
		return
	}
	if rehash {
		if h, err := auth.HashPassword(s.cfg.Password, password); err == nil {
			u.PasswordHash = h
			if err := s.store.UpdateUser(ctx, u); err != nil {
				s.log.Warn("password rehash failed", "err", err)
			}
		}
	}
	next := safeNext(r.PostFormValue("next"))
	if err := s.startSession(w, r, u, u.TOTPEnabled); err != nil {
		s.fail(w, r, err)
		return
	}
	if u.TOTPEnabled {
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	s.completeLogin(w, r, u, "password", next)
}

// completeLogin records a successful sign-in and sends the person on.
func (s *Server) completeLogin(w http.ResponseWriter, r *http.Request, u *ceptor.User, method, next string) {
	now := s.now()
	u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, &now
	if err := s.store.RecordLogin(r.Context(), u); err != nil {
		s.log.Error("record login", "err", err)
	}
	s.auditUser(r, u, "auth.login", map[string]string{"method": method})
	if o, err := s.store.FindOrg(r.Context(), u.OrgID); err == nil && o.Require2FA && !u.TOTPEnabled {
		s.setFlash(w, "twofa.required_by_org")
		http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession replaces any current session with a new one (a fresh id at
// every privilege change defeats session fixation).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *ceptor.User, mfaPending bool) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		s.store.DeleteSession(r.Context(), auth.HashToken(c.Value))
	}
	secret := auth.RandomToken(auth.PrefixSession)
	now := s.now()
	ttl := s.cfg.SessionTTL
	if mfaPending {
		ttl = 10 * time.Minute
	}
	sess := &ceptor.Session{IDHash: auth.HashToken(secret), UserID: u.ID, CSRFToken: auth.RandomString(32), MFAPending: mfaPending,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl), UserAgent: truncate(r.UserAgent(), 200), IP: s.clientIP(r)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.cfg.secure(),
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	st := state(r)
	st.session, st.user = sess, u
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (s *Server) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	if st.session == nil || !st.session.MFAPending {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p := s.page(w, r, i18n.T(st.lang, "twofa.verify_title"), loginData{Next: safeNext(r.URL.Query().Get("next"))})
	s.render(w, r, http.StatusOK, "login_2fa", p)
}

func (s *Server) secondFactorSubmit(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	if st.session == nil || !st.session.MFAPending || st.user == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	u := st.user
	next := safeNext(r.PostFormValue("next"))
	retry := func(status int, key string) {
		p := s.page(w, r, i18n.T(st.lang, "twofa.verify_title"), loginData{Next: next})
		p.FormError = i18n.T(st.lang, key)
		s.render(w, r, status, "login_2fa", p)
	}
	if !s.limiter.Allow("2fa:" + s.clientIP(r)) {
		retry(http.StatusTooManyRequests, "err.too_many")
		return
	}
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		retry(http.StatusTooManyRequests, "login.err_locked")
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	ok, method := s.checkSecondFactor(ctx, u, code)
	if !ok {
		u.FailedLogins++
		u.LockedUntil = auth.Lockout(u.FailedLogins, now)
		s.store.RecordLogin(ctx, u)
		s.auditUser(r, u, "auth.2fa_failed", map[string]any{"failed": u.FailedLogins})
		retry(http.StatusUnauthorized, "twofa.err_code")
		return
	}
	if err := s.startSession(w, r, u, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.completeLogin(w, r, u, method, next)
}

// checkSecondFactor accepts a current TOTP code (each time step once) or an
// unused recovery code.
func (s *Server) checkSecondFactor(ctx context.Context, u *ceptor.User, code string) (bool, string) {
	if code == "" || !u.TOTPEnabled {
		return false, ""
	}
	digits := strings.ReplaceAll(code, " ", "")
	if len(digits) == 6 && strings.Trim(digits, "0123456789") == "" {
		secret, err := s.sealer.Open(u.TOTPSecret, totpAAD(u))
		if err != nil {
			s.log.Error("open TOTP secret", "user_id", u.ID, "err", err)
			return false, ""
		}
		step, ok := auth.CheckTOTP(string(secret), digits, s.now())
		if !ok {
			return false, ""
		}
		fresh, err := s.store.UseTOTPStep(ctx, u.ID, step)
		return err == nil && fresh, "totp"
	}
	if err := s.store.UseRecoveryCode(ctx, u.ID, auth.HashRecoveryCode(code)); err != nil {
		return false, ""
	}
	return true, "recovery_code"
}

// totpAAD binds a sealed TOTP secret to its user so that it cannot be copied
// to another account row.
func totpAAD(u *ceptor.User) string { return "totp:" + u.Email }

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.store.DeleteSession(r.Context(), auth.HashToken(c.Value))
	}
	if st.user != nil {
		s.auditUser(r, st.user, "auth.logout", nil)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	s.setFlash(w, "login.signed_out")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLang switches the language for this browser and, when signed in, makes
// it the person's preference.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	l := i18n.Normalize(r.PostFormValue("lang"))
	if l == "" {
		s.fail(w, r, ceptor.Invalid(map[string]string{"lang": "err.lang"}))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	if st.actor != nil && st.user.Lang != l {
		st.user.Lang = l
		if err := s.store.UpdateUser(r.Context(), st.user); err != nil {
			s.log.Warn("store language preference", "err", err)
		}
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// requireUser returns the signed-in caller of a UI page or redirects: to
// sign-in, to the second factor, or to 2FA enrolment when the organisation
// requires it and the person has none yet.
func (s *Server) requireUser(w http.ResponseWriter, r *http.Request) (*reqState, bool) {
	st := state(r)
	if st.session == nil || st.user == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, false
	}
	if st.session.MFAPending {
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, false
	}
	if st.actor == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil, false
	}
	if st.org.Require2FA && !st.user.TOTPEnabled && !strings.HasPrefix(r.URL.Path, "/account/2fa") {
		s.setFlash(w, "twofa.required_by_org")
		http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
		return nil, false
	}
	return st, true
}

// ---- audit helpers ----

// change runs fn so that the store changes it makes through the request it
// is given, their audit entries and their notifications (with the e-mail
// jobs they queue) commit together or not at all. An audit entry that cannot
// be written undoes the change: nothing happens unrecorded. Live updates to
// browsers belong after change returns, when the change is visible.
//
// The change's audit entries are written together at its end, as the last
// statements of the transaction: on PostgreSQL the audit chain's head stays
// locked from then until the commit only, not while the rest of the change
// runs.
func (s *Server) change(r *http.Request, fn func(r *http.Request) error) error {
	var auditErr error
	batch := &auditBatch{}
	return s.store.Atomic(r.Context(), func(ctx context.Context) error {
		auditErr, batch.entries = nil, batch.entries[:0]
		ctx = context.WithValue(ctx, auditFailKey{}, &auditErr)
		ctx = context.WithValue(ctx, auditBatchKey{}, batch)
		if err := fn(r.WithContext(ctx)); err != nil {
			return err
		}
		if auditErr != nil {
			return auditErr
		}
		if err := s.store.AppendAudits(ctx, batch.entries); err != nil {
			s.log.Error("audit append failed", "entries", len(batch.entries), "err", err)
			return err
		}
		return nil
	})
}

type auditFailKey struct{}

// auditBatch holds the audit entries of a change until its end.
type auditBatch struct{ entries []*ceptor.AuditEntry }

type auditBatchKey struct{}

// appendAudit writes e, or inside a change adds it to the change's entries.
func (s *Server) appendAudit(ctx context.Context, action string, e *ceptor.AuditEntry) {
	if b, ok := ctx.Value(auditBatchKey{}).(*auditBatch); ok {
		b.entries = append(b.entries, e)
		return
	}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.auditFailed(ctx, action, err)
	}
}

// auditFailed records an audit failure for the enclosing change, if any,
// and logs it loudly.
func (s *Server) auditFailed(ctx context.Context, action string, err error) {
	s.log.Error("audit append failed", "action", action, "err", err)
	if p, ok := ctx.Value(auditFailKey{}).(*error); ok && *p == nil {
		*p = err
	}
}

// audit appends an entry for an action by the current caller. Inside a
// change (see change) a failure undoes the change; elsewhere it is logged
// loudly.
func (s *Server) audit(r *http.Request, action string, kind ceptor.Kind, objectID any, orgID int64, detail any) {
	st := state(r)
	e := &ceptor.AuditEntry{Action: action, ObjectType: string(kind), OrgID: orgID, Detail: ceptor.AuditDetail(detail), IP: s.clientIP(r)}
	if objectID != nil {
		e.ObjectID = toString(objectID)
	}
	if st.user != nil {
		e.ActorUserID, e.ActorOrgID, e.ActorLabel = st.user.ID, st.user.OrgID, st.user.Email
		if st.token != nil && st.token.ID != 0 {
			e.ActorLabel += " (token " + st.token.Prefix + ")"
		}
	}
	s.appendAudit(r.Context(), action, e)
	s.forgetCachedAfter(action)
}

func (s *Server) auditUser(r *http.Request, u *ceptor.User, action string, detail any) {
	e := &ceptor.AuditEntry{Action: action, ObjectType: string(ceptor.KindUser), ObjectID: toString(u.ID), OrgID: u.OrgID,
		ActorUserID: u.ID, ActorOrgID: u.OrgID, ActorLabel: u.Email, Detail: ceptor.AuditDetail(detail), IP: s.clientIP(r)}
	s.appendAudit(r.Context(), action, e)
	s.forgetCachedAfter(action)
}

func (s *Server) auditAnon(r *http.Request, action string, detail any) {
	e := &ceptor.AuditEntry{Action: action, ActorLabel: "anonymous", Detail: ceptor.AuditDetail(detail), IP: s.clientIP(r)}
	s.appendAudit(r.Context(), action, e)
}
