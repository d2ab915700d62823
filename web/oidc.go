package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ceptor"
	"ceptor/auth"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const oidcCookie = "ceptor_oidc"

type oidcClient struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
}

// oidcSetup discovers the provider on first use, so that a provider that is
// down at start-up does not stop ceptor from serving password sign-in.
func (s *Server) oidcSetup(ctx context.Context) (*oidcClient, error) {
	if s.cfg.OIDC == nil {
		return nil, &ceptor.Error{Code: ceptor.ENOTIMPL, Message: "OIDC is not configured", Key: "err.not_impl"}
	}
	s.oidcMu.Lock()
	defer s.oidcMu.Unlock()
	if s.oidc != nil {
		return s.oidc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, s.cfg.OIDC.Issuer)
	if err != nil {
		return nil, &ceptor.Error{Code: ceptor.EUNAVAILABLE, Message: "identity provider unreachable", Key: "login.err_oidc", Err: err}
	}
	s.oidc = &oidcClient{
		provider: p,
		verifier: p.Verifier(&oidc.Config{ClientID: s.cfg.OIDC.ClientID}),
		oauth: oauth2.Config{
			ClientID: s.cfg.OIDC.ClientID, ClientSecret: s.cfg.OIDC.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: strings.TrimSuffix(s.cfg.PublicURL, "/") + "/auth/oidc/callback",
			Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
		},
	}
	return s.oidc, nil
}

// oidcLogin starts the authorisation-code flow with PKCE, state and nonce
// kept in a short-lived cookie sealed with the service key.
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	c, err := s.oidcSetup(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stateVal, nonce, verifier := auth.RandomString(24), auth.RandomString(24), oauth2.GenerateVerifier()
	next := safeNext(r.URL.Query().Get("next"))
	sealed, err := s.sealer.Seal([]byte(stateVal+"\n"+nonce+"\n"+verifier+"\n"+next), "oidc")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: sealed, Path: "/auth/oidc/", MaxAge: 600, HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, c.oauth.AuthCodeURL(stateVal, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.oidcSetup(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	refuse := func(reason string, err error) {
		s.log.Warn("oidc sign-in refused", "reason", reason, "err", err)
		s.auditAnon(r, "auth.oidc_failed", map[string]string{"reason": reason})
		s.renderLogin(w, r, http.StatusUnauthorized, "", "login.err_oidc")
	}
	ck, err := r.Cookie(oidcCookie)
	if err != nil {
		refuse("no state cookie", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	plain, err := s.sealer.Open(ck.Value, "oidc")
	parts := strings.SplitN(string(plain), "\n", 4)
	if err != nil || len(parts) != 4 {
		refuse("bad state cookie", err)
		return
	}
	stateVal, nonce, verifier, next := parts[0], parts[1], parts[2], parts[3]
	if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("state")), []byte(stateVal)) != 1 {
		refuse("state mismatch", nil)
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		refuse("provider error: "+e, nil)
		return
	}
	tok, err := c.oauth.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		refuse("code exchange", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		refuse("id token", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		refuse("nonce mismatch", nil)
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		refuse("claims", err)
		return
	}
	subject := idt.Issuer + "|" + idt.Subject
	u, err := s.store.FindUserByOIDC(ctx, subject)
	if err != nil && claims.EmailVerified && claims.Email != "" {
		// First OIDC sign-in of an existing account: link by verified e-mail.
		if u, err = s.store.FindUserByEmail(ctx, claims.Email); err == nil {
			if u.OIDCSubject != "" {
				refuse("account linked to another subject", nil)
				return
			}
			u.OIDCSubject = subject
			if err := s.store.UpdateUser(ctx, u); err != nil {
				s.fail(w, r, err)
				return
			}
			s.auditUser(r, u, "auth.oidc_linked", map[string]string{"issuer": idt.Issuer})
		}
	}
	if err != nil || u == nil || u.Disabled {
		refuse("no matching enabled account", err)
		return
	}
	if o, err := s.store.FindOrg(ctx, u.OrgID); err != nil || !o.Active {
		refuse("organisation inactive", err)
		return
	}
	if err := s.startSession(w, r, u, u.TOTPEnabled); err != nil {
		s.fail(w, r, err)
		return
	}
	if u.TOTPEnabled {
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
		return
	}
	s.completeLogin(w, r, u, "oidc", safeNext(next))
}
