package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

// routesAPIAccount registers the caller's identity, API tokens, user
// administration and the audit log. The handlers decode and encode; the
// changes themselves are the functions in account_ops.go that the UI uses.
func (s *Server) routesAPIAccount() {
	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/me", Tag: "account",
		Summary: "Who am I: the caller, their organisation and what they may do",
		Description: "Answers for any valid credential, whatever its scopes, so that a client can check a token before using it. " +
			"Besides the user and organisation it gives the relationships the access policy derives from the registry " +
			"(the CEPTORs the organisation runs as secretariat, the sectors it oversees as ministry), the token's scopes, " +
			"the scopes the role could hold, and a list of capabilities evaluated by the policy for this credential.\n\n" +
			"呼び出し元の利用者・所属組織・派生する関係（事務局を務めるセプター、所管する分野）・トークンのスコープと、" +
			"ポリシーで評価した実行可能な操作の一覧を返します。スコープに関係なく、有効な認証情報であれば応答します。",
		Response: meResponse{}, Errors: []int{http.StatusUnauthorized},
	}, s.apiMe)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/tokens", Tag: "account", Scope: ceptor.ScopeRead,
		Summary:     "List API tokens",
		Description: "The caller's own tokens, newest first. An administrator may pass user_id to list the tokens of a person of their organisation (NISC: anyone). Secrets are never returned.",
		Query:       []apiParam{{Name: "user_id", Type: "integer", Description: "whose tokens (default: the caller)"}},
		Response:    ListResponse[apiToken]{},
	}, s.apiListTokens)

	s.handleAPI(apiDoc{
		Method: "POST", Path: "/api/v1/tokens", Tag: "account", Scope: ceptor.ScopeAdmin,
		Summary: "Create an API token for the caller",
		Description: "Returns the secret once; only its hash is stored. Scopes must be ones the caller's role may hold " +
			"(admin: read, write, admin; analyst: read, write; executive and auditor: read). " +
			"From a browser session no scope is needed; a token needs the admin scope, and cannot create a token with a scope it does not have itself. " +
			"expires_in_days is 1-730, or 0 for a token that does not expire.",
		Body: tokenInput{}, Response: apiNewToken{}, Status: http.StatusCreated,
	}, s.apiCreateToken)

	s.handleAPI(apiDoc{
		Method: "DELETE", Path: "/api/v1/tokens/{id}", Tag: "account", Scope: ceptor.ScopeAdmin,
		Summary:     "Revoke an API token",
		Description: "Revokes one of the caller's tokens, or as an administrator a token of a person of their organisation (NISC: anyone). Revoking a revoked token succeeds.",
		Status:      http.StatusNoContent,
	}, s.apiRevokeToken)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/users", Tag: "admin", Scope: ceptor.ScopeRead,
		Summary:     "List users",
		Description: "For administrators and auditors. NISC sees every organisation's people; anyone else their own organisation's.",
		Query: []apiParam{
			{Name: "org_id", Type: "integer", Description: "only this organisation"},
			{Name: "org_type", Type: "string", Description: "only organisations of this type (NISC only)", Enum: orgTypeNames()},
			{Name: "q", Type: "string", Description: "part of the e-mail address or name"},
			{Name: "limit", Type: "integer"}, {Name: "offset", Type: "integer"},
		},
		Response: ListResponse[*ceptor.User]{}, Errors: []int{http.StatusForbidden},
	}, s.apiListUsers)

	s.handleAPI(apiDoc{
		Method: "POST", Path: "/api/v1/users", Tag: "admin", Scope: ceptor.ScopeAdmin,
		Summary: "Create a user",
		Description: "For administrators, in their own organisation (org_id may be left out); NISC administrators in any organisation. " +
			"The initial password must follow the password rules (at least 12 characters, not a well-known password, not containing the e-mail's local part).",
		Body: userInput{}, Response: &ceptor.User{}, Status: http.StatusCreated,
	}, s.apiCreateUser)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/users/{id}", Tag: "admin", Scope: ceptor.ScopeRead,
		Summary:  "Get a user",
		Response: &ceptor.User{},
	}, s.apiGetUser)

	s.handleAPI(apiDoc{
		Method: "PATCH", Path: "/api/v1/users/{id}", Tag: "admin", Scope: ceptor.ScopeAdmin,
		Summary: "Change a user",
		Description: "Changes name, role, language or state; fields left out stay as they are. Disabling ends the person's sessions and stops their tokens. " +
			"Administrators cannot change their own role or disable themselves.",
		Body: userPatch{}, Response: &ceptor.User{},
	}, s.apiPatchUser)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/audit", Tag: "admin", Scope: ceptor.ScopeRead,
		Summary: "Read the audit log",
		Description: "Entries visible to the caller, newest first: NISC auditors and administrators see all, other auditors and administrators the entries by or about their organisation. " +
			"Page backwards with before = next_before of the previous answer.",
		Query: []apiParam{
			{Name: "before", Type: "integer", Description: "only entries with a smaller seq"},
			{Name: "limit", Type: "integer", Description: "1-500, default 50"},
			{Name: "action", Type: "string", Description: "action prefix, e.g. user. or token.create"},
		},
		Response: auditPage{}, Errors: []int{http.StatusForbidden},
	}, s.apiAudit)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/audit/verify", Tag: "admin", Scope: ceptor.ScopeRead,
		Summary:     "Verify the audit chain",
		Description: "Walks the whole hash chain and lists every break (an edited, removed or reordered entry). NISC auditors and administrators only. The check itself is audited.",
		Response:    auditVerification{}, Errors: []int{http.StatusForbidden},
	}, s.apiAuditVerify)
}

func orgTypeNames() []string {
	out := make([]string, len(ceptor.OrgTypes))
	for i, t := range ceptor.OrgTypes {
		out[i] = string(t)
	}
	return out
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, notFound()
	}
	return id, nil
}

// ---- /api/v1/me ----

// meResponse describes the caller.
type meResponse struct {
	User          meUser          `json:"user"`
	Organization  meOrg           `json:"organization"`
	Auth          meAuth          `json:"auth"`
	Relationships meRelationships `json:"relationships"`
	// Capabilities are what this credential may do, evaluated by the policy.
	Capabilities map[string]bool `json:"capabilities"`
}

type meUser struct {
	ID          int64       `json:"id"`
	Email       string      `json:"email"`
	Name        string      `json:"name"`
	Role        ceptor.Role `json:"role"`
	Lang        string      `json:"lang"`
	TOTPEnabled bool        `json:"totp_enabled"`
	LastLoginAt *time.Time  `json:"last_login_at,omitempty"`
}

type meOrg struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	NameEN     string            `json:"name_en"`
	Type       ceptor.OrgType    `json:"type"`
	EntityKind ceptor.EntityKind `json:"entity_kind,omitempty"`
	SectorIDs  []int64           `json:"sector_ids"`
	CeptorIDs  []int64           `json:"ceptor_ids"`
	Require2FA bool              `json:"require_2fa"`
}

type meAuth struct {
	// Method is "token" or "session".
	Method string `json:"method"`
	// Scopes are the token's scopes; absent for a session, which may do
	// everything the role allows.
	Scopes []string `json:"scopes,omitempty"`
	// AllowedScopes are the scopes the caller's role may give a token.
	AllowedScopes []string `json:"allowed_scopes"`
	Token         *meToken `json:"token,omitempty"`
}

type meToken struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// meRef names a sector or CEPTOR.
type meRef struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	NameJA string `json:"name_ja"`
	NameEN string `json:"name_en"`
}

type meRelationships struct {
	// RunsCeptors are the CEPTORs whose secretariat the organisation is.
	RunsCeptors []int64 `json:"runs_ceptors"`
	// OverseesSectors are the sectors the organisation is the ministry of.
	OverseesSectors []int64 `json:"oversees_sectors"`
	// Sectors, Ceptors and the two lists above, with names.
	Sectors               []meRef `json:"sectors"`
	Ceptors               []meRef `json:"ceptors"`
	RunsCeptorsDetail     []meRef `json:"runs_ceptors_detail"`
	OverseesSectorsDetail []meRef `json:"oversees_sectors_detail"`
}

func ids(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

// capabilities evaluates the policy for the things a client commonly needs
// to know before offering an action.
func capabilities(a *ceptor.Actor) map[string]bool {
	own := ceptor.Resource{OrgID: a.OrgID, OrgType: a.OrgType}
	res := func(k ceptor.Kind) ceptor.Resource { r := own; r.Kind = k; return r }
	self := ceptor.Resource{Kind: ceptor.KindToken, OrgID: a.OrgID, UserID: a.UserID}
	return map[string]bool{
		"users.view":         canListUsers(a),
		"users.view_all":     seesAllUsers(a),
		"users.create":       canCreateUsers(a),
		"tokens.create":      ceptor.Allow(a, ceptor.ActCreate, self),
		"tokens.revoke":      ceptor.Allow(a, ceptor.ActDeactivate, self),
		"audit.view":         ceptor.Allow(a, ceptor.ActView, res(ceptor.KindAudit)),
		"audit.export":       ceptor.Allow(a, ceptor.ActExport, res(ceptor.KindAudit)),
		"audit.verify":       canVerifyAudit(a),
		"registry.export":    ceptor.Allow(a, ceptor.ActExport, res(ceptor.KindRegistry)),
		"registry.import":    ceptor.Allow(a, ceptor.ActImport, res(ceptor.KindRegistry)),
		"org.update_profile": ceptor.Allow(a, ceptor.ActUpdateProfile, res(ceptor.KindOrg)),
		"contacts.edit":      ceptor.Allow(a, ceptor.ActUpdate, res(ceptor.KindContact)),
	}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	u, o, a := st.user, st.org, st.actor
	resp := meResponse{
		User: meUser{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Lang: u.Lang, TOTPEnabled: u.TOTPEnabled, LastLoginAt: u.LastLoginAt},
		Organization: meOrg{ID: o.ID, Name: o.Name, NameEN: o.NameEN, Type: o.Type, EntityKind: o.EntityKind,
			SectorIDs: ids(o.SectorIDs), CeptorIDs: ids(o.CeptorIDs), Require2FA: o.Require2FA},
		Auth: meAuth{Method: "session", AllowedScopes: ceptor.ScopesForRole(u.Role)},
		Relationships: meRelationships{RunsCeptors: ids(a.RunsCeptors), OverseesSectors: ids(a.OverseesSectors),
			Sectors: []meRef{}, Ceptors: []meRef{}, RunsCeptorsDetail: []meRef{}, OverseesSectorsDetail: []meRef{}},
		Capabilities: capabilities(a),
	}
	if t := st.token; t != nil && t.ID != 0 {
		resp.Auth.Method, resp.Auth.Scopes = "token", t.Scopes
		resp.Auth.Token = &meToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
	}
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, sec := range sectors {
		ref := meRef{ID: sec.ID, Code: sec.Code, NameJA: sec.NameJA, NameEN: sec.NameEN}
		if contains(o.SectorIDs, sec.ID) {
			resp.Relationships.Sectors = append(resp.Relationships.Sectors, ref)
		}
		if contains(a.OverseesSectors, sec.ID) {
			resp.Relationships.OverseesSectorsDetail = append(resp.Relationships.OverseesSectorsDetail, ref)
		}
	}
	ceptors, err := s.store.ListCeptors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range ceptors {
		ref := meRef{ID: c.ID, Code: c.Code, NameJA: c.NameJA, NameEN: c.NameEN}
		if contains(o.CeptorIDs, c.ID) {
			resp.Relationships.Ceptors = append(resp.Relationships.Ceptors, ref)
		}
		if contains(a.RunsCeptors, c.ID) {
			resp.Relationships.RunsCeptorsDetail = append(resp.Relationships.RunsCeptorsDetail, ref)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// ---- tokens ----

// apiToken is a token with its state; the secret is never included.
type apiToken struct {
	*ceptor.APIToken
	// Status is active, revoked or expired.
	Status string `json:"status"`
}

// apiNewToken is the answer to a token creation: the only time the secret
// is shown.
type apiNewToken struct {
	Token  apiToken `json:"token"`
	Secret string   `json:"secret"`
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	owner := st.user
	if v := r.URL.Query().Get("user_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			s.fail(w, r, ceptor.Invalid(map[string]string{"user_id": "err.type"}))
			return
		}
		if owner, _, err = s.findUserFor(r.Context(), st.actor, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if !ceptor.Allow(st.actor, ceptor.ActView, tokenResource(owner)) {
		if owner.ID == st.user.ID {
			s.fail(w, r, forbidden(st))
		} else {
			s.fail(w, r, notFound())
		}
		return
	}
	list, err := s.store.ListTokens(r.Context(), owner.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiToken, 0, len(list))
	for _, t := range s.tokenRows(list) {
		items = append(items, apiToken{APIToken: t.APIToken, Status: t.Status})
	}
	writeJSON(w, http.StatusOK, ListResponse[apiToken]{Items: items, Total: len(items), Limit: len(items)})
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	t, secret, err := s.createToken(r, st.actor, st.user, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, apiNewToken{Token: apiToken{APIToken: t, Status: tokenStatus(t, s.now())}, Secret: secret})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, err := pathID(r)
	if err == nil {
		_, err = s.revokeToken(r, st.actor, id, "api")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- users ----

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := ceptor.UserFilter{Q: strings.TrimSpace(q.Get("q")), Limit: limit, Offset: offset}
	if v := q.Get("org_id"); v != "" {
		if f.OrgID, err = strconv.ParseInt(v, 10, 64); err != nil || f.OrgID < 1 {
			s.fail(w, r, ceptor.Invalid(map[string]string{"org_id": "err.type"}))
			return
		}
	}
	if v := q.Get("org_type"); v != "" {
		if f.OrgType = ceptor.OrgType(v); !f.OrgType.Valid() {
			s.fail(w, r, ceptor.Invalid(map[string]string{"org_type": "err.org_type"}))
			return
		}
	}
	users, total, err := s.listUsersFor(r.Context(), st.actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, users, total, limit, offset))
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.createUser(r, st.actor, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, _, err := s.findUserFor(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiPatchUser(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p userPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	u, o, err := s.findUserFor(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.updateUser(r, st.actor, u, o, p); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// ---- audit ----

// auditPage is one page of the audit log, newest first.
type auditPage struct {
	Items []*ceptor.AuditEntry `json:"items"`
	Limit int                  `json:"limit"`
	// NextBefore is the before value of the next (older) page; absent on
	// the last page.
	NextBefore int64  `json:"next_before,omitempty"`
	Next       string `json:"next,omitempty"`
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	f, err := auditFilterFor(st.actor, ceptor.ActView)
	if err == nil {
		err = parseAuditQuery(r, &f)
	}
	limit := 50
	if err == nil {
		limit, _, err = listPage(r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit = limit + 1
	list, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := auditPage{Items: list, Limit: limit}
	if len(list) > limit {
		page.Items = list[:limit]
		page.NextBefore = page.Items[limit-1].Seq
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(page.NextBefore, 10))
		q.Set("limit", strconv.Itoa(limit))
		page.Next = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	v, err := s.verifyAudit(r, st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
