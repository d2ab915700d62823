package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// routesAdmin registers user administration and the audit log.
func (s *Server) routesAdmin() {
	s.mux.HandleFunc("GET /admin/users", s.adminUsers)
	s.mux.HandleFunc("GET /admin/users/new", s.adminUserNew)
	s.mux.HandleFunc("POST /admin/users/new", s.adminUserCreate)
	s.mux.HandleFunc("GET /admin/users/{id}", s.adminUser)
	s.mux.HandleFunc("POST /admin/users/{id}", s.adminUserUpdate)
	s.mux.HandleFunc("POST /admin/users/{id}/disable", s.adminUserAction)
	s.mux.HandleFunc("POST /admin/users/{id}/enable", s.adminUserAction)
	s.mux.HandleFunc("POST /admin/users/{id}/reset-password", s.adminUserAction)
	s.mux.HandleFunc("POST /admin/users/{id}/reset-2fa", s.adminUserAction)
	s.mux.HandleFunc("POST /admin/users/{id}/revoke-tokens", s.adminUserAction)
	s.mux.HandleFunc("POST /admin/users/{id}/tokens/{tid}/revoke", s.adminUserAction)

	s.mux.HandleFunc("GET /admin/audit", s.adminAudit)
	s.mux.HandleFunc("POST /admin/audit/verify", s.adminAuditVerify)
	s.mux.HandleFunc("GET /admin/audit/export.csv", s.adminAuditExport)
}

const usersPerPage = 50

// userRow is a user in the list with their organisation.
type userRow struct {
	*ceptor.User
	Org    *ceptor.Organization
	Locked bool
}

// usersData is what the user list shows.
type usersData struct {
	Rows      []userRow
	Pager     Pager
	Q         string
	OrgType   string
	OrgID     int64
	FilterOrg *ceptor.Organization
	OrgTypes  []ceptor.OrgType
	AllOrgs   bool // the caller sees every organisation's people
	CanCreate bool
}

// orgsByID loads the organisations of a list of users in one query.
func (s *Server) orgsByID(ctx context.Context, ids []int64) (map[int64]*ceptor.Organization, error) {
	out := map[int64]*ceptor.Organization{}
	if len(ids) == 0 {
		return out, nil
	}
	list, _, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		out[o.ID] = o
	}
	return out, nil
}

func (s *Server) userRows(ctx context.Context, users []*ceptor.User) ([]userRow, error) {
	var ids []int64
	for _, u := range users {
		if !contains(ids, u.OrgID) {
			ids = append(ids, u.OrgID)
		}
	}
	orgs, err := s.orgsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]userRow, 0, len(users))
	for _, u := range users {
		out = append(out, userRow{User: u, Org: orgs[u.OrgID], Locked: u.LockedUntil != nil && now.Before(*u.LockedUntil)})
	}
	return out, nil
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a := st.actor
	if !canListUsers(a) {
		s.fail(w, r, refusal(a))
		return
	}
	q := r.URL.Query()
	d := usersData{Q: strings.TrimSpace(q.Get("q")), AllOrgs: seesAllUsers(a), CanCreate: canCreateUsers(a), OrgTypes: ceptor.OrgTypes}
	f := ceptor.UserFilter{Q: d.Q, Limit: usersPerPage}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(f.Offset, 0)
	if d.AllOrgs {
		if t := ceptor.OrgType(q.Get("type")); t.Valid() {
			d.OrgType, f.OrgType = string(t), t
		}
		if id, err := strconv.ParseInt(q.Get("org"), 10, 64); err == nil && id > 0 {
			if o, err := s.store.FindOrg(ctx, id); err == nil {
				d.OrgID, d.FilterOrg, f.OrgID = id, o, id
			}
		}
	}
	users, total, err := s.listUsersFor(ctx, a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Rows, err = s.userRows(ctx, users); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Pager = Pager{Total: total, Offset: f.Offset, Limit: usersPerPage}
	s.render(w, r, http.StatusOK, "admin_users", s.page(w, r, i18n.T(st.lang, "admin.users_title"), d))
}

// orgGroup is the organisations of one type, for a grouped select.
type orgGroup struct {
	Type ceptor.OrgType
	Orgs []*ceptor.Organization
}

// userNewData is the form for a new user.
type userNewData struct {
	OrgID     int64
	Email     string
	Name      string
	Role      ceptor.Role
	Lang      string
	PwMode    string // "generate" or "set"
	ChooseOrg bool
	Groups    []orgGroup
	Roles     []ceptor.Role
}

// creatableOrgs lists the active organisations in which a may create users,
// grouped by type.
func (s *Server) creatableOrgs(ctx context.Context, a *ceptor.Actor) ([]orgGroup, int, error) {
	yes := true
	list, _, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{Active: &yes, Visible: func(o *ceptor.Organization) bool {
		return ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindOrg, o)) &&
			ceptor.Allow(a, ceptor.ActCreate, ceptor.OrgResource(ceptor.KindUser, o))
	}})
	if err != nil {
		return nil, 0, err
	}
	var out []orgGroup
	for _, t := range ceptor.OrgTypes {
		g := orgGroup{Type: t}
		for _, o := range list {
			if o.Type == t {
				g.Orgs = append(g.Orgs, o)
			}
		}
		if len(g.Orgs) > 0 {
			out = append(out, g)
		}
	}
	return out, len(list), nil
}

func (s *Server) renderUserNew(w http.ResponseWriter, r *http.Request, st *reqState, d userNewData, status int, err error) {
	groups, n, gerr := s.creatableOrgs(r.Context(), st.actor)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	d.Groups, d.ChooseOrg, d.Roles = groups, n > 1, ceptor.Roles
	p := s.page(w, r, i18n.T(st.lang, "admin.user_new_title"), d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "admin_user_new", p)
}

func (s *Server) adminUserNew(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !canCreateUsers(st.actor) {
		s.fail(w, r, refusal(st.actor))
		return
	}
	d := userNewData{OrgID: st.org.ID, Role: ceptor.RoleAnalyst, Lang: "ja", PwMode: "generate"}
	if id, err := strconv.ParseInt(r.URL.Query().Get("org_id"), 10, 64); err == nil && id > 0 {
		d.OrgID = id
	}
	s.renderUserNew(w, r, st, d, http.StatusOK, nil)
}

func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	d := userNewData{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: ceptor.Role(r.PostFormValue("role")),
		Lang: r.PostFormValue("lang"), PwMode: r.PostFormValue("pw_mode"), OrgID: st.org.ID}
	if v := strings.TrimSpace(r.PostFormValue("org_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.renderUserNew(w, r, st, d, http.StatusUnprocessableEntity, ceptor.Invalid(map[string]string{"org_id": "admin.err_org"}))
			return
		}
		d.OrgID = id
	}
	in := userInput{OrgID: d.OrgID, Email: d.Email, Name: d.Name, Role: d.Role, Lang: d.Lang}
	generated := d.PwMode != "set"
	if generated {
		d.PwMode = "generate"
		in.Password = generatePassword()
	} else {
		in.Password = r.PostFormValue("password")
		if in.Password != r.PostFormValue("password_confirm") && in.Password != "" {
			s.renderUserNew(w, r, st, d, http.StatusUnprocessableEntity, ceptor.Invalid(map[string]string{"password_confirm": "err.password_mismatch"}))
			return
		}
	}
	u, err := s.createUser(r, st.actor, in)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID {
			s.renderUserNew(w, r, st, d, http.StatusUnprocessableEntity, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	if !generated {
		s.setFlash(w, "admin.user_created")
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
		return
	}
	o, err := s.store.FindOrg(r.Context(), u.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderUser(w, r, st, u, o, http.StatusOK, func(d *userDetailData, p *Page) {
		d.NewPassword, d.Created = in.Password, true
		p.Flash = "admin.user_created"
	})
}

// userDetailData is what a user's administration page shows.
type userDetailData struct {
	U             *ceptor.User
	Org           *ceptor.Organization
	Self          bool
	Locked        bool
	CanUpdate     bool
	CanDeactivate bool
	CanSeeTokens  bool
	CanRevoke     bool
	Recovery      int
	Tokens        []tokenRow
	ActiveTokens  int
	Name          string
	Role          ceptor.Role
	Lang          string
	Roles         []ceptor.Role
	// NewPassword is a generated password, shown once.
	NewPassword string
	Created     bool
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, st *reqState, u *ceptor.User, o *ceptor.Organization, status int, adjust func(*userDetailData, *Page)) {
	ctx := r.Context()
	a := st.actor
	now := s.now()
	d := userDetailData{U: u, Org: o, Self: u.ID == a.UserID, Locked: u.LockedUntil != nil && now.Before(*u.LockedUntil),
		CanUpdate: ceptor.Allow(a, ceptor.ActUpdate, userResource(u, o)), CanDeactivate: ceptor.Allow(a, ceptor.ActDeactivate, userResource(u, o)),
		CanSeeTokens: ceptor.Allow(a, ceptor.ActView, tokenResource(u)), CanRevoke: ceptor.Allow(a, ceptor.ActDeactivate, tokenResource(u)),
		Name: u.Name, Role: u.Role, Lang: u.Lang, Roles: ceptor.Roles}
	if u.TOTPEnabled {
		d.Recovery, _ = s.store.CountRecoveryCodes(ctx, u.ID)
	}
	if d.CanSeeTokens {
		list, err := s.store.ListTokens(ctx, u.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Tokens = s.tokenRows(list)
		for _, t := range d.Tokens {
			if t.Status == "active" {
				d.ActiveTokens++
			}
		}
	}
	p := s.page(w, r, u.Name, nil)
	if adjust != nil {
		adjust(&d, p)
	}
	p.Data = d
	s.render(w, r, status, "admin_user", p)
}

// loadUserPage finds the user of a /admin/users/{id} request.
func (s *Server) loadUserPage(w http.ResponseWriter, r *http.Request, st *reqState) (*ceptor.User, *ceptor.Organization, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, notFound())
		return nil, nil, false
	}
	u, o, err := s.findUserFor(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return u, o, true
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	u, o, ok := s.loadUserPage(w, r, st)
	if !ok {
		return
	}
	s.renderUser(w, r, st, u, o, http.StatusOK, nil)
}

// userActionFailed shows a refusal or invalid input on the user's page;
// anything else goes to the error page.
func (s *Server) userActionFailed(w http.ResponseWriter, r *http.Request, st *reqState, u *ceptor.User, o *ceptor.Organization, err error, form *userDetailData) {
	code := ceptor.ErrorCode(err)
	if code != ceptor.EINVALID && code != ceptor.EFORBIDDEN {
		s.fail(w, r, err)
		return
	}
	// Show the stored state, with what was typed in the form.
	fresh, ferr := s.store.FindUser(r.Context(), u.ID)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	s.renderUser(w, r, st, fresh, o, statusOf(code), func(d *userDetailData, p *Page) {
		if form != nil {
			d.Name, d.Role, d.Lang = form.Name, form.Role, form.Lang
		}
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	})
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	u, o, ok := s.loadUserPage(w, r, st)
	if !ok {
		return
	}
	form := &userDetailData{Name: r.PostFormValue("name"), Role: ceptor.Role(r.PostFormValue("role")), Lang: r.PostFormValue("lang")}
	p := userPatch{Name: &form.Name, Lang: &form.Lang}
	if form.Role != "" {
		p.Role = &form.Role
	}
	if err := s.updateUser(r, st.actor, u, o, p); err != nil {
		s.userActionFailed(w, r, st, u, o, err, form)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

// adminUserAction runs one of the buttons of a user's page; the last path
// segment says which.
func (s *Server) adminUserAction(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	u, o, ok := s.loadUserPage(w, r, st)
	if !ok {
		return
	}
	a := st.actor
	back := "/admin/users/" + strconv.FormatInt(u.ID, 10)
	var err error
	flash := "common.saved"
	switch action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]; {
	case action == "disable":
		err, flash = s.setUserDisabled(r, a, u, o, true), "admin.user_disabled"
	case action == "enable":
		err, flash = s.setUserDisabled(r, a, u, o, false), "admin.user_enabled"
	case action == "reset-2fa":
		err, flash = s.reset2FA(r, a, u, o), "admin.user_2fa_reset"
	case action == "revoke-tokens":
		_, err = s.revokeUserTokens(r, a, u)
		flash = "admin.user_tokens_revoked"
	case action == "reset-password":
		var pw string
		if pw, err = s.resetPassword(r, a, u, o); err == nil {
			s.renderUser(w, r, st, u, o, http.StatusOK, func(d *userDetailData, p *Page) {
				d.NewPassword = pw
				p.Flash = "admin.user_password_reset"
			})
			return
		}
	case r.PathValue("tid") != "":
		tid, perr := strconv.ParseInt(r.PathValue("tid"), 10, 64)
		if perr != nil {
			s.fail(w, r, notFound())
			return
		}
		var t *ceptor.APIToken
		if t, _, err = s.findTokenFor(r.Context(), a, tid); err == nil && t.UserID != u.ID {
			err = notFound()
		}
		if err == nil {
			_, err = s.revokeToken(r, a, tid, "admin")
		}
		flash = "account.token_revoked"
	default:
		err = notFound()
	}
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.userActionFailed(w, r, st, u, o, err, nil)
		return
	}
	s.setFlash(w, flash)
	http.Redirect(w, r, back, http.StatusSeeOther)
}
