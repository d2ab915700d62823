package web

import (
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The registry pages: organisations with their contacts (this file), sectors
// and CEPTORs (registry_catalog_ui.go), import and export
// (registry_io_ui.go). Every change goes through the op* functions of
// registry_ops.go, which the API shares.

const orgPageSize = 50

func (s *Server) routesRegistry() {
	s.mux.HandleFunc("GET /registry", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/registry/orgs", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /registry/orgs", s.orgList)
	s.mux.HandleFunc("GET /registry/orgs/new", s.orgNewForm)
	s.mux.HandleFunc("POST /registry/orgs/new", s.orgNewSubmit)
	s.mux.HandleFunc("GET /registry/orgs/{id}", s.orgDetail)
	s.mux.HandleFunc("GET /registry/orgs/{id}/edit", s.orgEditForm)
	s.mux.HandleFunc("POST /registry/orgs/{id}/edit", s.orgEditSubmit)
	s.mux.HandleFunc("POST /registry/orgs/{id}/deactivate", s.orgSetActive(false))
	s.mux.HandleFunc("POST /registry/orgs/{id}/reactivate", s.orgSetActive(true))
	s.mux.HandleFunc("GET /registry/orgs/{id}/contacts/new", s.contactNewForm)
	s.mux.HandleFunc("POST /registry/orgs/{id}/contacts/new", s.contactNewSubmit)
	s.mux.HandleFunc("GET /registry/orgs/{id}/contacts/{cid}/edit", s.contactEditForm)
	s.mux.HandleFunc("POST /registry/orgs/{id}/contacts/{cid}/edit", s.contactEditSubmit)
	s.mux.HandleFunc("POST /registry/orgs/{id}/contacts/{cid}/delete", s.contactDelete)
	s.routesRegistryCatalog()
	s.routesRegistryIO()
}

// pathID reads a positive id from the path, or answers 404.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := parseID(r.PathValue(name))
	if !ok {
		s.fail(w, r, regNotFound())
		return 0, false
	}
	return id, true
}

// ---- list ----

// orgListData is the organisation list page.
type orgListData struct {
	Orgs       []*ceptor.Organization
	Pager      Pager
	Filter     orgQuery
	Types      []ceptor.OrgType
	Sectors    []*ceptor.Sector
	Groups     []ceptorGroup
	SectorByID map[int64]*ceptor.Sector
	CeptorByID map[int64]*ceptor.Ceptor
	Filtered   bool
	CanCreate  bool
	CanImport  bool
	CanExport  bool
	ExportQS   string
}

func (s *Server) orgList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rf, err := s.loadRefs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, oq, err := parseOrgFilter(r.URL.Query(), rf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	f.Offset, f.Limit = max(offset, 0), orgPageSize
	f.Visible = s.visibleOrg(st.actor)
	orgs, total, err := s.store.ListOrgs(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := st.actor
	d := orgListData{
		Orgs: orgs, Pager: Pager{Total: total, Offset: f.Offset, Limit: orgPageSize}, Filter: oq,
		Types: ceptor.OrgTypes, Sectors: rf.sectors, Groups: rf.groups(),
		SectorByID: rf.sectorByID, CeptorByID: rf.ceptorByID,
		Filtered:  len(oq.values()) > 0,
		CanCreate: canCreateOrg(a),
		CanImport: ceptor.Allow(a, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindRegistry}),
		CanExport: ceptor.Allow(a, ceptor.ActExport, ceptor.Resource{Kind: ceptor.KindRegistry}),
	}
	if qs := oq.values().Encode(); qs != "" {
		d.ExportQS = "?" + qs
	}
	s.render(w, r, http.StatusOK, "registry_orgs", s.page(w, r, i18n.T(st.lang, "registry.orgs.title"), d))
}

// ---- detail ----

// orgDetailData is the organisation page.
type orgDetailData struct {
	Org          *ceptor.Organization
	Sectors      []*ceptor.Sector
	Ceptors      []*ceptor.Ceptor
	Runs         []*ceptor.Ceptor // CEPTORs whose secretariat this is
	Oversees     []*ceptor.Sector // sectors this ministry is responsible for
	ShowContacts bool
	Contacts     []*ceptor.Contact
	CanAdd       bool
	CanEditC     bool
	CanDeleteC   bool
	CanEdit      bool
	FullEdit     bool
	CanActivate  bool
	IsOwn        bool
	ShowUsers    bool
	Users        int
}

func (s *Server) orgDetail(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	a := st.actor
	o, err := s.findVisibleOrg(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := orgDetailData{Org: o, IsOwn: o.ID == a.OrgID}
	for _, sid := range o.SectorIDs {
		if x := rf.sectorByID[sid]; x != nil {
			d.Sectors = append(d.Sectors, x)
		}
	}
	for _, cid := range o.CeptorIDs {
		if c := rf.ceptorByID[cid]; c != nil {
			d.Ceptors = append(d.Ceptors, c)
		}
	}
	for _, c := range rf.ceptors {
		if c.SecretariatOrgID == o.ID {
			d.Runs = append(d.Runs, c)
		}
	}
	for _, x := range rf.sectors {
		if x.MinistryOrgID == o.ID {
			d.Oversees = append(d.Oversees, x)
		}
	}
	cres := ceptor.OrgResource(ceptor.KindContact, o)
	if ceptor.Allow(a, ceptor.ActView, cres) {
		d.ShowContacts = true
		if d.Contacts, err = s.store.ListContacts(ctx, o.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		d.CanAdd = ceptor.Allow(a, ceptor.ActCreate, cres)
		d.CanEditC = ceptor.Allow(a, ceptor.ActUpdate, cres)
		d.CanDeleteC = ceptor.Allow(a, ceptor.ActDeactivate, cres)
	}
	d.FullEdit, d.CanEdit = orgEditRights(a, o)
	d.CanActivate = ceptor.Allow(a, ceptor.ActDeactivate, ceptor.OrgResource(ceptor.KindOrg, o)) && !d.IsOwn
	if ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindUser, OrgID: o.ID, OrgType: o.Type}) && a.Role == ceptor.RoleAdmin {
		d.ShowUsers = true
		if _, d.Users, err = s.store.ListUsers(ctx, ceptor.UserFilter{OrgID: o.ID, Limit: 1}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "registry_org", s.page(w, r, o.DisplayName(st.lang), d))
}

// ---- create and edit ----

// orgFormData is the organisation form.
type orgFormData struct {
	Org         *ceptor.Organization // the values shown (as typed after an error)
	New         bool
	Full        bool // every field; otherwise only the profile fields
	DomainsText string
	Types       []ceptor.OrgType
	Entities    []ceptor.EntityKind
	Sectors     []*ceptor.Sector
	Groups      []ceptorGroup
	Prefectures []prefecture
	SectorByID  map[int64]*ceptor.Sector
	CeptorByID  map[int64]*ceptor.Ceptor
	Action      string
	Cancel      string
}

var entityKinds = []ceptor.EntityKind{ceptor.EntityNone, ceptor.EntityLocalGov, ceptor.EntityCIOperator, ceptor.EntityCyberBusiness}

// creatableTypes lists the organisation types the actor may register (or
// change an organisation to), asking the policy for each.
func creatableTypes(a *ceptor.Actor, current ceptor.OrgType) []ceptor.OrgType {
	var out []ceptor.OrgType
	for _, t := range ceptor.OrgTypes {
		probe := &ceptor.Organization{Type: t, SectorIDs: a.OverseesSectors}
		if t == current || ceptor.Allow(a, ceptor.ActCreate, ceptor.OrgResource(ceptor.KindOrg, probe)) {
			out = append(out, t)
		}
	}
	return out
}

func (s *Server) renderOrgForm(w http.ResponseWriter, r *http.Request, st *reqState, status int, d orgFormData, err error) {
	rf, lerr := s.loadRefs(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	d.Types = creatableTypes(st.actor, d.Org.Type)
	d.Entities = entityKinds
	d.Sectors, d.Groups, d.Prefectures = rf.sectors, rf.groups(), prefectures
	d.SectorByID, d.CeptorByID = rf.sectorByID, rf.ceptorByID
	if d.DomainsText == "" && r.Method == http.MethodGet {
		d.DomainsText = strings.Join(d.Org.Domains, " ")
	}
	title := i18n.T(st.lang, "registry.org.new_title")
	if !d.New {
		title = i18n.T(st.lang, "registry.org.edit_title", d.Org.DisplayName(st.lang))
	}
	p := s.page(w, r, title, d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "registry_org_form", p)
}

// orgPatchFromForm reads the organisation form. Fields outside the caller's
// rights are not read at all; opUpdateOrg would refuse them anyway.
func orgPatchFromForm(r *http.Request, full bool) (orgPatch, string) {
	f := r.PostForm
	str := func(k string) *string { v := f.Get(k); return &v }
	domains := f.Get("domains")
	req2fa := f.Get("require_2fa") != ""
	p := orgPatch{
		NameEN: str("name_en"), NameKana: str("name_kana"), Prefecture: str("prefecture"),
		Website: str("website"), Notes: str("notes"), Require2FA: &req2fa,
		Domains: &[]string{domains},
	}
	if full {
		t := ceptor.OrgType(f.Get("type"))
		k := ceptor.EntityKind(f.Get("entity_kind"))
		sectors, ceptors := regFormIDs(f["sector"]), regFormIDs(f["ceptor"])
		p.Name, p.Type, p.EntityKind, p.SectorIDs, p.CeptorIDs = str("name"), &t, &k, &sectors, &ceptors
	}
	return p, domains
}

func regFormIDs(vals []string) []int64 {
	out := []int64{}
	for _, v := range vals {
		if id, ok := parseID(v); ok {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) orgNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !canCreateOrg(st.actor) {
		s.fail(w, r, forbidden(st))
		return
	}
	o := &ceptor.Organization{Type: ceptor.OrgOperator, Active: true}
	if st.actor.OrgType == ceptor.OrgMinistry && len(st.actor.OverseesSectors) == 1 {
		o.SectorIDs = st.actor.OverseesSectors
	}
	s.renderOrgForm(w, r, st, http.StatusOK, orgFormData{Org: o, New: true, Full: true,
		Action: "/registry/orgs/new", Cancel: "/registry/orgs"}, nil)
}

func (s *Server) orgNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	p, domains := orgPatchFromForm(r, true)
	o, err := s.opCreateOrg(r, st, p)
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		typed := &ceptor.Organization{Active: true}
		p.apply(typed)
		s.renderOrgForm(w, r, st, http.StatusUnprocessableEntity, orgFormData{Org: typed, New: true, Full: true, DomainsText: domains,
			Action: "/registry/orgs/new", Cancel: "/registry/orgs"}, err)
		return
	}
	s.setFlash(w, "common.created")
	http.Redirect(w, r, "/registry/orgs/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
}

// editableOrg returns the organisation and whether the caller may change
// every field, or answers 404/403.
func (s *Server) editableOrg(w http.ResponseWriter, r *http.Request, st *reqState) (*ceptor.Organization, bool, bool) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return nil, false, false
	}
	o, err := s.findVisibleOrg(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false, false
	}
	full, profile := orgEditRights(st.actor, o)
	if !profile {
		s.fail(w, r, forbidden(st))
		return nil, false, false
	}
	return o, full, true
}

func (s *Server) orgEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	o, full, ok := s.editableOrg(w, r, st)
	if !ok {
		return
	}
	base := "/registry/orgs/" + strconv.FormatInt(o.ID, 10)
	s.renderOrgForm(w, r, st, http.StatusOK, orgFormData{Org: o, Full: full, Action: base + "/edit", Cancel: base}, nil)
}

func (s *Server) orgEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	o, full, ok := s.editableOrg(w, r, st)
	if !ok {
		return
	}
	base := "/registry/orgs/" + strconv.FormatInt(o.ID, 10)
	p, domains := orgPatchFromForm(r, full)
	if _, err := s.opUpdateOrg(r, st, o.ID, p); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		typed := cloneOrg(o)
		p.apply(typed)
		s.renderOrgForm(w, r, st, http.StatusUnprocessableEntity, orgFormData{Org: typed, Full: full, DomainsText: domains,
			Action: base + "/edit", Cancel: base}, err)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, base, http.StatusSeeOther)
}

func (s *Server) orgSetActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		if _, err := s.opSetOrgActive(r, st, id, active); err != nil {
			s.fail(w, r, err)
			return
		}
		if active {
			s.setFlash(w, "registry.org.reactivated")
		} else {
			s.setFlash(w, "registry.org.deactivated")
		}
		http.Redirect(w, r, "/registry/orgs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}

// ---- contacts ----

// contactFormData is the contact form.
type contactFormData struct {
	Org     *ceptor.Organization
	Contact *ceptor.Contact
	New     bool
	Action  string
	Cancel  string
}

func (s *Server) renderContactForm(w http.ResponseWriter, r *http.Request, st *reqState, status int, d contactFormData, err error) {
	d.Cancel = "/registry/orgs/" + strconv.FormatInt(d.Org.ID, 10) + "#contacts"
	title := i18n.T(st.lang, "registry.contact.new_title")
	if !d.New {
		title = i18n.T(st.lang, "registry.contact.edit_title")
	}
	p := s.page(w, r, title, d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "registry_contact_form", p)
}

func contactPatchFromForm(r *http.Request) contactPatch {
	f := r.PostForm
	str := func(k string) *string { v := f.Get(k); return &v }
	kind := ceptor.ContactKind(f.Get("kind"))
	active := f.Get("active") != ""
	p := contactPatch{Name: str("name"), Department: str("department"), Kind: &kind, Email: str("email"),
		Phone: str("phone"), WebhookURL: str("webhook_url"), Lang: str("lang"), Active: &active}
	prio := 0
	if v := strings.TrimSpace(f.Get("priority")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // reported as an invalid priority
		}
		prio = n
	}
	p.Priority = &prio
	return p
}

func (s *Server) contactNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	o, err := s.findVisibleOrg(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.OrgResource(ceptor.KindContact, o)) {
		s.fail(w, r, forbidden(st))
		return
	}
	c := &ceptor.Contact{OrgID: o.ID, Kind: ceptor.ContactPrimary, Lang: "ja", Active: true}
	s.renderContactForm(w, r, st, http.StatusOK, contactFormData{Org: o, Contact: c, New: true,
		Action: "/registry/orgs/" + strconv.FormatInt(o.ID, 10) + "/contacts/new"}, nil)
}

func (s *Server) contactNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	p := contactPatchFromForm(r)
	if _, err := s.opCreateContact(r, st, id, p); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		o, ferr := s.findVisibleOrg(r.Context(), st.actor, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		typed := &ceptor.Contact{OrgID: o.ID}
		p.apply(typed)
		s.renderContactForm(w, r, st, http.StatusUnprocessableEntity, contactFormData{Org: o, Contact: typed, New: true,
			Action: r.URL.Path}, err)
		return
	}
	s.setFlash(w, "common.created")
	http.Redirect(w, r, "/registry/orgs/"+strconv.FormatInt(id, 10)+"#contacts", http.StatusSeeOther)
}

// editableContact returns the organisation and contact of the path when the
// caller may change the contact, or answers 404/403.
func (s *Server) editableContact(w http.ResponseWriter, r *http.Request, st *reqState) (*ceptor.Organization, *ceptor.Contact, bool) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return nil, nil, false
	}
	cid, ok := s.pathID(w, r, "cid")
	if !ok {
		return nil, nil, false
	}
	o, err := s.contactOrg(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	c, err := s.findContact(r.Context(), o, cid)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	if !ceptor.Allow(st.actor, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindContact, o)) {
		s.fail(w, r, forbidden(st))
		return nil, nil, false
	}
	return o, c, true
}

func (s *Server) contactEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	o, c, ok := s.editableContact(w, r, st)
	if !ok {
		return
	}
	s.renderContactForm(w, r, st, http.StatusOK, contactFormData{Org: o, Contact: c, Action: r.URL.Path}, nil)
}

func (s *Server) contactEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	o, c, ok := s.editableContact(w, r, st)
	if !ok {
		return
	}
	p := contactPatchFromForm(r)
	if _, err := s.opUpdateContact(r, st, o.ID, c.ID, p); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		p.apply(c)
		s.renderContactForm(w, r, st, http.StatusUnprocessableEntity, contactFormData{Org: o, Contact: c, Action: r.URL.Path}, err)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/registry/orgs/"+strconv.FormatInt(o.ID, 10)+"#contacts", http.StatusSeeOther)
}

func (s *Server) contactDelete(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	cid, ok := s.pathID(w, r, "cid")
	if !ok {
		return
	}
	if err := s.opDeleteContact(r, st, id, cid); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "common.deleted")
	http.Redirect(w, r, "/registry/orgs/"+strconv.FormatInt(id, 10)+"#contacts", http.StatusSeeOther)
}
