package web

import (
	"net/http"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// routesAccount registers the pages where people look after their own
// account: profile and password, second factor, API tokens.
func (s *Server) routesAccount() {
	s.mux.HandleFunc("GET /account", s.accountPage)
	s.mux.HandleFunc("POST /account", s.accountSave)
	s.mux.HandleFunc("POST /account/password", s.accountPassword)
	s.mux.HandleFunc("POST /account/sessions/end-others", s.accountEndOtherSessions)

	s.mux.HandleFunc("GET /account/2fa", s.twofaPage)
	s.mux.HandleFunc("POST /account/2fa/setup", s.twofaSetup)
	s.mux.HandleFunc("POST /account/2fa/cancel", s.twofaCancel)
	s.mux.HandleFunc("POST /account/2fa/verify", s.twofaVerify)
	s.mux.HandleFunc("POST /account/2fa/recovery-codes", s.twofaRecoveryCodes)
	s.mux.HandleFunc("POST /account/2fa/disable", s.twofaDisable)

	s.mux.HandleFunc("GET /account/tokens", s.tokensPage)
	s.mux.HandleFunc("POST /account/tokens", s.tokensCreate)
	s.mux.HandleFunc("POST /account/tokens/{id}/revoke", s.tokensRevoke)
}

// accountData is what the profile page shows.
type accountData struct {
	Tab          string
	Name         string
	Lang         string
	CanEditName  bool
	RecoveryLeft int
	ActiveTokens int
	Sectors      []*ceptor.Sector
	Ceptors      []*ceptor.Ceptor
}

// canEditOwnName: a person's name is administrative data, so it follows the
// policy for changing a user (administrators); the language is a personal
// preference that everyone sets, as the language switch does.
func canEditOwnName(a *ceptor.Actor, u *ceptor.User, o *ceptor.Organization) bool {
	return ceptor.Allow(a, ceptor.ActUpdate, userResource(u, o))
}

func (s *Server) accountData(r *http.Request, st *reqState) accountData {
	ctx := r.Context()
	d := accountData{Tab: "profile", Name: st.user.Name, Lang: st.user.Lang, CanEditName: canEditOwnName(st.actor, st.user, st.org)}
	if st.user.TOTPEnabled {
		d.RecoveryLeft, _ = s.store.CountRecoveryCodes(ctx, st.user.ID)
	}
	if list, err := s.store.ListTokens(ctx, st.user.ID); err == nil {
		now := s.now()
		for _, t := range list {
			if tokenStatus(t, now) == "active" {
				d.ActiveTokens++
			}
		}
	}
	if sectors, err := s.store.ListSectors(ctx); err == nil {
		for _, sec := range sectors {
			if contains(st.org.SectorIDs, sec.ID) {
				d.Sectors = append(d.Sectors, sec)
			}
		}
	}
	if ceptors, err := s.store.ListCeptors(ctx); err == nil {
		for _, c := range ceptors {
			if contains(st.org.CeptorIDs, c.ID) || contains(st.actor.RunsCeptors, c.ID) {
				d.Ceptors = append(d.Ceptors, c)
			}
		}
	}
	return d
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	p := s.page(w, r, i18n.T(st.lang, "account.title"), s.accountData(r, st))
	s.render(w, r, http.StatusOK, "account_profile", p)
}

func (s *Server) accountSave(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	u := st.user
	name := strings.TrimSpace(r.PostFormValue("name"))
	lang := i18n.Normalize(r.PostFormValue("lang"))
	d := s.accountData(r, st)
	d.Name, d.Lang = name, r.PostFormValue("lang")
	f := map[string]string{}
	if lang == "" {
		f["lang"] = "err.lang"
	}
	if d.CanEditName && name == "" {
		f["name"] = "err.required"
	}
	if len(f) > 0 {
		p := s.page(w, r, i18n.T(st.lang, "account.title"), d)
		p.Errors = fieldErrors(st.lang, ceptor.Invalid(f))
		s.render(w, r, http.StatusUnprocessableEntity, "account_profile", p)
		return
	}
	changes := map[string][2]any{}
	if d.CanEditName && name != u.Name {
		changes["name"] = [2]any{u.Name, name}
		u.Name = name
	}
	if lang != u.Lang {
		changes["lang"] = [2]any{u.Lang, lang}
		u.Lang = lang
	}
	if len(changes) > 0 {
		if err := s.store.UpdateUser(r.Context(), u); err != nil {
			s.fail(w, r, err)
			return
		}
		s.audit(r, "user.update", ceptor.KindUser, u.ID, u.OrgID, changes)
	}
	// The browser follows the preference at once, as with the language switch.
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, Secure: s.cfg.secure(), SameSite: http.SameSiteLaxMode})
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	err := s.changePassword(r, st.user, r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm"))
	if err != nil {
		code := ceptor.ErrorCode(err)
		if code != ceptor.EINVALID && code != ceptor.ETOOMANY {
			s.fail(w, r, err)
			return
		}
		p := s.page(w, r, i18n.T(st.lang, "account.title"), s.accountData(r, st))
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
		if code == ceptor.EINVALID {
			p.FormError = i18n.T(st.lang, "account.password_not_changed")
		}
		s.render(w, r, statusOf(code), "account_profile", p)
		return
	}
	// Every session was ended; this browser continues in a fresh one.
	if err := s.startSession(w, r, st.user, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "account.password_changed")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) accountEndOtherSessions(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteUserSessions(r.Context(), st.user.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(w, r, st.user, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "user.sessions_end", ceptor.KindUser, st.user.ID, st.user.OrgID, map[string]string{"kept": "current"})
	s.setFlash(w, "account.sessions_ended")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
