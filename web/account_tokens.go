package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// tokenRow is a token with its state for display.
type tokenRow struct {
	*ceptor.APIToken
	Status string
}

func (s *Server) tokenRows(list []*ceptor.APIToken) []tokenRow {
	now := s.now()
	out := make([]tokenRow, 0, len(list))
	for _, t := range list {
		out = append(out, tokenRow{APIToken: t, Status: tokenStatus(t, now)})
	}
	return out
}

// tokensData is what the token page shows.
type tokensData struct {
	Tab     string
	Tokens  []tokenRow
	Allowed []string // scopes the person's role may give a token
	Name    string
	Scopes  []string
	Days    string
	MaxDays int
	BaseURL string
	// Created and Secret are set once, right after creation.
	Created *ceptor.APIToken
	Secret  string
}

// HasScope reports whether the form has scope sc ticked.
func (d tokensData) HasScope(sc string) bool { return slices.Contains(d.Scopes, sc) }

// baseURL is the address to show in usage examples.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) tokensData(r *http.Request, st *reqState) (tokensData, error) {
	list, err := s.store.ListTokens(r.Context(), st.user.ID)
	if err != nil {
		return tokensData{}, err
	}
	return tokensData{Tab: "tokens", Tokens: s.tokenRows(list), Allowed: ceptor.ScopesForRole(st.user.Role),
		Scopes: []string{ceptor.ScopeRead}, Days: "90", MaxDays: maxTokenDays, BaseURL: s.baseURL(r)}, nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	d, err := s.tokensData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_tokens", s.page(w, r, i18n.T(st.lang, "account.tokens_title"), d))
}

func (s *Server) tokensCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	in := tokenInput{Name: r.PostFormValue("name"), Scopes: r.PostForm["scopes"]}
	days := strings.TrimSpace(r.PostFormValue("days"))
	var daysErr bool
	if days != "" {
		n, err := strconv.Atoi(days)
		if err != nil {
			daysErr = true
		}
		in.ExpiresInDays = n
	}
	var t *ceptor.APIToken
	var secret string
	var err error
	if daysErr {
		err = ceptor.Invalid(map[string]string{"expires_in_days": "account.token_err_days"})
	} else {
		t, secret, err = s.createToken(r, st.actor, st.user, in)
	}
	d, lerr := s.tokensData(r, st)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		d.Name, d.Scopes, d.Days = in.Name, in.Scopes, days
		p := s.page(w, r, i18n.T(st.lang, "account.tokens_title"), d)
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, "err.invalid")
		s.render(w, r, http.StatusUnprocessableEntity, "account_tokens", p)
		return
	}
	d.Created, d.Secret = t, secret
	p := s.page(w, r, i18n.T(st.lang, "account.tokens_title"), d)
	p.Flash = "account.token_created"
	s.render(w, r, http.StatusOK, "account_tokens", p)
}

func (s *Server) tokensRevoke(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, notFound())
		return
	}
	// This page revokes the person's own tokens; administrators revoke
	// other people's from the user administration page.
	t, _, err := s.findTokenFor(r.Context(), st.actor, id)
	if err == nil && t.UserID != st.user.ID {
		err = notFound()
	}
	if err == nil {
		_, err = s.revokeToken(r, st.actor, id, "owner")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "account.token_revoked")
	http.Redirect(w, r, "/account/tokens", http.StatusSeeOther)
}
