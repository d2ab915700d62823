package web

import (
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// Sector and CEPTOR pages. Sectors and CEPTORs are data that NISC keeps;
// a CEPTOR's secretariat manages its members.

func (s *Server) routesRegistryCatalog() {
	s.mux.HandleFunc("GET /registry/sectors", s.sectorList)
	s.mux.HandleFunc("GET /registry/sectors/new", s.sectorNewForm)
	s.mux.HandleFunc("POST /registry/sectors/new", s.sectorNewSubmit)
	s.mux.HandleFunc("GET /registry/sectors/{id}/edit", s.sectorEditForm)
	s.mux.HandleFunc("POST /registry/sectors/{id}/edit", s.sectorEditSubmit)
	s.mux.HandleFunc("GET /registry/ceptors", s.ceptorList)
	s.mux.HandleFunc("GET /registry/ceptors/new", s.ceptorNewForm)
	s.mux.HandleFunc("POST /registry/ceptors/new", s.ceptorNewSubmit)
	s.mux.HandleFunc("GET /registry/ceptors/{id}", s.ceptorDetail)
	s.mux.HandleFunc("GET /registry/ceptors/{id}/edit", s.ceptorEditForm)
	s.mux.HandleFunc("POST /registry/ceptors/{id}/edit", s.ceptorEditSubmit)
	s.mux.HandleFunc("POST /registry/ceptors/{id}/members", s.ceptorAddMember)
	s.mux.HandleFunc("POST /registry/ceptors/{id}/members/{org}/remove", s.ceptorRemoveMember)
}

// orgsOfType returns the organisations of one type (ministries for a
// sector's responsible ministry, secretariats for a CEPTOR). Both types are
// public bodies of the programme that everyone may see.
func (s *Server) orgsOfType(r *http.Request, a *ceptor.Actor, t ceptor.OrgType) (map[int64]*ceptor.Organization, []*ceptor.Organization, error) {
	list, _, err := s.store.ListOrgs(r.Context(), ceptor.OrgFilter{Type: t, Visible: s.visibleOrg(a)})
	if err != nil {
		return nil, nil, err
	}
	m := make(map[int64]*ceptor.Organization, len(list))
	for _, o := range list {
		m[o.ID] = o
	}
	return m, list, nil
}

// ---- sectors ----

type sectorRow struct {
	Sector   *ceptor.Sector
	Ministry *ceptor.Organization
	Ceptors  int
}

type sectorListData struct {
	Rows      []sectorRow
	CanCreate bool
	CanEdit   bool
}

func (s *Server) sectorList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ministries, _, err := s.orgsOfType(r, st.actor, ceptor.OrgMinistry)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := sectorListData{
		CanCreate: ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindSector}),
		CanEdit:   ceptor.Allow(st.actor, ceptor.ActUpdate, ceptor.Resource{Kind: ceptor.KindSector}),
	}
	for _, x := range rf.sectors {
		row := sectorRow{Sector: x, Ministry: ministries[x.MinistryOrgID]}
		for _, c := range rf.ceptors {
			if c.SectorID == x.ID {
				row.Ceptors++
			}
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "registry_sectors", s.page(w, r, i18n.T(st.lang, "registry.sectors.title"), d))
}

type sectorFormData struct {
	Sector     *ceptor.Sector
	New        bool
	Ministries []*ceptor.Organization
	Action     string
}

func (s *Server) renderSectorForm(w http.ResponseWriter, r *http.Request, st *reqState, status int, d sectorFormData, err error) {
	_, list, lerr := s.orgsOfType(r, st.actor, ceptor.OrgMinistry)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	d.Ministries = list
	title := i18n.T(st.lang, "registry.sector.new_title")
	if !d.New {
		title = i18n.T(st.lang, "registry.sector.edit_title")
	}
	p := s.page(w, r, title, d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "registry_sector_form", p)
}

func sectorPatchFromForm(r *http.Request) sectorPatch {
	f := r.PostForm
	str := func(k string) *string { v := f.Get(k); return &v }
	active := f.Get("active") != ""
	p := sectorPatch{Code: str("code"), NameJA: str("name_ja"), NameEN: str("name_en"), Since: str("since"), Active: &active}
	var ministry int64
	if v := f.Get("ministry_org_id"); v != "" {
		ministry, _ = strconv.ParseInt(v, 10, 64)
	}
	p.MinistryOrgID = &ministry
	order, _ := strconv.Atoi(strings.TrimSpace(f.Get("sort_order")))
	p.SortOrder = &order
	return p
}

func (s *Server) sectorNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindSector}) {
		s.fail(w, r, forbidden(st))
		return
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := 10
	for _, x := range rf.sectors {
		next = max(next, x.SortOrder+10)
	}
	d := sectorFormData{Sector: &ceptor.Sector{Active: true, SortOrder: next}, New: true, Action: "/registry/sectors/new"}
	s.renderSectorForm(w, r, st, http.StatusOK, d, nil)
}

func (s *Server) sectorNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	p := sectorPatchFromForm(r)
	if _, err := s.opCreateSector(r, st, p); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		typed := &ceptor.Sector{}
		p.apply(typed)
		s.renderSectorForm(w, r, st, http.StatusUnprocessableEntity, sectorFormData{Sector: typed, New: true, Action: r.URL.Path}, err)
		return
	}
	s.setFlash(w, "common.created")
	http.Redirect(w, r, "/registry/sectors", http.StatusSeeOther)
}

func (s *Server) sectorEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	x, err := s.findSector(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActUpdate, ceptor.Resource{Kind: ceptor.KindSector}) {
		s.fail(w, r, forbidden(st))
		return
	}
	s.renderSectorForm(w, r, st, http.StatusOK, sectorFormData{Sector: x, Action: r.URL.Path}, nil)
}

func (s *Server) sectorEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	p := sectorPatchFromForm(r)
	if _, err := s.opUpdateSector(r, st, id, p); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		x, ferr := s.findSector(r.Context(), id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		p.apply(x)
		s.renderSectorForm(w, r, st, http.StatusUnprocessableEntity, sectorFormData{Sector: x, Action: r.URL.Path}, err)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/registry/sectors", http.StatusSeeOther)
}

// ---- CEPTORs ----

type ceptorListData struct {
	Groups       []ceptorGroup
	Secretariats map[int64]*ceptor.Organization
	Total        int
	Members      int
	InCouncil    int
	CanCreate    bool
}

func (s *Server) ceptorList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secs, _, err := s.orgsOfType(r, st.actor, ceptor.OrgSecretariat)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := ceptorListData{Groups: rf.groups(), Secretariats: secs, Total: len(rf.ceptors),
		CanCreate: ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindCeptor})}
	for _, c := range rf.ceptors {
		d.Members += c.MemberCount
		if c.InCouncil {
			d.InCouncil++
		}
	}
	s.render(w, r, http.StatusOK, "registry_ceptors", s.page(w, r, i18n.T(st.lang, "registry.ceptors.title"), d))
}

type ceptorDetailData struct {
	Ceptor      *ceptor.Ceptor
	Sector      *ceptor.Sector
	Secretariat *ceptor.Organization
	Members     []*ceptor.Organization
	Pager       Pager
	CanManage   bool
	CanEdit     bool
	Q           string
	Candidates  []*ceptor.Organization
	Searched    bool
}

func (s *Server) ceptorDetail(w http.ResponseWriter, r *http.Request) {
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
	c, err := s.findCeptor(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := ceptorDetailData{Ceptor: c,
		CanManage: ceptor.Allow(a, ceptor.ActManageMembers, ceptorResource(c)),
		CanEdit:   ceptor.Allow(a, ceptor.ActUpdate, ceptorResource(c))}
	if d.Sector, err = s.store.FindSector(ctx, c.SectorID); err != nil {
		s.fail(w, r, err)
		return
	}
	if c.SecretariatOrgID != 0 {
		if sec, err := s.findVisibleOrg(ctx, a, c.SecretariatOrgID); err == nil {
			d.Secretariat = sec
		}
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	members, total, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{CeptorID: c.ID, Visible: s.visibleOrg(a), Limit: orgPageSize, Offset: offset})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Members, d.Pager = members, Pager{Total: total, Offset: offset, Limit: orgPageSize}
	if d.CanManage {
		d.Q = strings.TrimSpace(r.URL.Query().Get("q"))
		if d.Q != "" {
			d.Searched = true
			yes := true
			cands, _, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{Q: d.Q, Active: &yes, Visible: func(o *ceptor.Organization) bool {
				return canBeMember(o.Type) && !contains(o.CeptorIDs, c.ID) && s.visibleOrg(a)(o)
			}, Limit: 20})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Candidates = cands
		}
	}
	s.render(w, r, http.StatusOK, "registry_ceptor", s.page(w, r, regPickName(st.lang, c.NameJA, c.NameEN), d))
}

// regPickName returns the name in the given language, Japanese by default.
func regPickName(lang, ja, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ja
}

type ceptorFormData struct {
	Ceptor       *ceptor.Ceptor
	New          bool
	Sectors      []*ceptor.Sector
	Secretariats []*ceptor.Organization
	Action       string
	Cancel       string
}

func (s *Server) renderCeptorForm(w http.ResponseWriter, r *http.Request, st *reqState, status int, d ceptorFormData, err error) {
	rf, lerr := s.loadRefs(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	_, secs, lerr := s.orgsOfType(r, st.actor, ceptor.OrgSecretariat)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	d.Sectors, d.Secretariats = rf.sectors, secs
	title := i18n.T(st.lang, "registry.ceptor.new_title")
	if !d.New {
		title = i18n.T(st.lang, "registry.ceptor.edit_title")
	}
	p := s.page(w, r, title, d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "registry_ceptor_form", p)
}

func ceptorPatchFromForm(r *http.Request) ceptorPatch {
	f := r.PostForm
	str := func(k string) *string { v := f.Get(k); return &v }
	inCouncil, active := f.Get("in_council") != "", f.Get("active") != ""
	sector, _ := strconv.ParseInt(f.Get("sector_id"), 10, 64)
	sec, _ := strconv.ParseInt(f.Get("secretariat_org_id"), 10, 64)
	return ceptorPatch{Code: str("code"), NameJA: str("name_ja"), NameEN: str("name_en"), SectorID: &sector,
		SecretariatOrgID: &sec, InCouncil: &inCouncil, Active: &active}
}

func (s *Server) ceptorNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindCeptor}) {
		s.fail(w, r, forbidden(st))
		return
	}
	s.renderCeptorForm(w, r, st, http.StatusOK, ceptorFormData{Ceptor: &ceptor.Ceptor{Active: true}, New: true,
		Action: "/registry/ceptors/new", Cancel: "/registry/ceptors"}, nil)
}

func (s *Server) ceptorNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	p := ceptorPatchFromForm(r)
	c, err := s.opCreateCeptor(r, st, p)
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		typed := &ceptor.Ceptor{}
		p.apply(typed)
		s.renderCeptorForm(w, r, st, http.StatusUnprocessableEntity, ceptorFormData{Ceptor: typed, New: true,
			Action: r.URL.Path, Cancel: "/registry/ceptors"}, err)
		return
	}
	s.setFlash(w, "common.created")
	http.Redirect(w, r, "/registry/ceptors/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

func (s *Server) ceptorEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	c, err := s.findCeptor(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ceptor.Allow(st.actor, ceptor.ActUpdate, ceptorResource(c)) {
		s.fail(w, r, forbidden(st))
		return
	}
	s.renderCeptorForm(w, r, st, http.StatusOK, ceptorFormData{Ceptor: c, Action: r.URL.Path,
		Cancel: "/registry/ceptors/" + strconv.FormatInt(c.ID, 10)}, nil)
}

func (s *Server) ceptorEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	p := ceptorPatchFromForm(r)
	back := "/registry/ceptors/" + strconv.FormatInt(id, 10)
	if _, err := s.opUpdateCeptor(r, st, id, p); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		c, ferr := s.findCeptor(r.Context(), id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		p.apply(c)
		s.renderCeptorForm(w, r, st, http.StatusUnprocessableEntity, ceptorFormData{Ceptor: c, Action: r.URL.Path, Cancel: back}, err)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) ceptorAddMember(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	orgID, valid := parseID(r.PostFormValue("org_id"))
	if !valid {
		s.fail(w, r, ceptor.Invalid(map[string]string{"org_id": "err.required"}))
		return
	}
	if _, err := s.opAddMember(r, st, id, orgID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "registry.ceptor.member_added")
	http.Redirect(w, r, "/registry/ceptors/"+strconv.FormatInt(id, 10)+"#members", http.StatusSeeOther)
}

func (s *Server) ceptorRemoveMember(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	orgID, ok := s.pathID(w, r, "org")
	if !ok {
		return
	}
	if _, err := s.opRemoveMember(r, st, id, orgID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "registry.ceptor.member_removed")
	http.Redirect(w, r, "/registry/ceptors/"+strconv.FormatInt(id, 10)+"#members", http.StatusSeeOther)
}
