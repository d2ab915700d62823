package web

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The registry's JSON API. Reads filter through the policy exactly like the
// pages; writes call the same op* functions as the UI (registry_ops.go).

var (
	regPageParams = []apiParam{
		{Name: "limit", Type: "integer", Description: "Items per page, 1-500 (default 50)."},
		{Name: "offset", Type: "integer", Description: "Items to skip (default 0)."},
	}
	orgFilterParams = []apiParam{
		{Name: "type", Description: "Organisation type.", Enum: regOrgTypeNames()},
		{Name: "sector", Description: "Sector id or code (e.g. finance)."},
		{Name: "ceptor", Description: "CEPTOR id or code (e.g. bank)."},
		{Name: "q", Description: "Substring of the Japanese, English or kana name."},
		{Name: "active", Type: "boolean", Description: "true: active organisations only; false: deactivated only."},
	}
)

func regOrgTypeNames() []string {
	out := make([]string, len(ceptor.OrgTypes))
	for i, t := range ceptor.OrgTypes {
		out[i] = string(t)
	}
	return out
}

func regParams(lists ...[]apiParam) []apiParam {
	var out []apiParam
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// importUpload is the multipart body of POST /api/v1/registry/import.
type importUpload struct {
	File []byte `json:"file"`
}

// importErrorBody is the 422 answer of an import: the usual error and every
// problem found in the file.
type importErrorBody struct {
	Error apiError        `json:"error"`
	Rows  []importProblem `json:"rows"`
}

func (s *Server) routesAPIRegistry() {
	nf := []int{http.StatusNotFound}
	wr := []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}

	// Sectors.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/sectors", Summary: "List the critical-infrastructure sectors", Tag: "registry", Scope: ceptor.ScopeRead,
		Description: "Every sector in display order, with its responsible ministry.",
		Query:       regPageParams, Response: ListResponse[*ceptor.Sector]{}}, s.apiSectors)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/sectors/{id}", Summary: "Get a sector", Tag: "registry", Scope: ceptor.ScopeRead,
		Response: &ceptor.Sector{}, Errors: nf}, s.apiSector)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/sectors", Summary: "Add a sector", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators only. code, name_ja and name_en are required; ministry_org_id must be a ministry.",
		Body:        sectorPatch{}, Response: &ceptor.Sector{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateSector)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/sectors/{id}", Summary: "Change a sector", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators only. Fields left out stay as they are.",
		Body:        sectorPatch{}, Response: &ceptor.Sector{}, Errors: wr}, s.apiUpdateSector)

	// CEPTORs and their members.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/ceptors", Summary: "List the CEPTORs", Tag: "registry", Scope: ceptor.ScopeRead,
		Description: "Every CEPTOR by sector order, with its member count.",
		Query:       regParams([]apiParam{{Name: "sector", Description: "Sector id or code."}}, regPageParams),
		Response:    ListResponse[*ceptor.Ceptor]{}}, s.apiCeptors)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/ceptors/{id}", Summary: "Get a CEPTOR", Tag: "registry", Scope: ceptor.ScopeRead,
		Response: &ceptor.Ceptor{}, Errors: nf}, s.apiCeptor)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/ceptors", Summary: "Add a CEPTOR", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators only. code, name_ja, name_en and sector_id are required; secretariat_org_id must be a CEPTOR secretariat.",
		Body:        ceptorPatch{}, Response: &ceptor.Ceptor{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateCeptor)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/ceptors/{id}", Summary: "Change a CEPTOR", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators only. Fields left out stay as they are.",
		Body:        ceptorPatch{}, Response: &ceptor.Ceptor{}, Errors: wr}, s.apiUpdateCeptor)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/ceptors/{id}/members", Summary: "List the members of a CEPTOR", Tag: "registry", Scope: ceptor.ScopeRead,
		Description: "Only the members the caller may see are listed and counted.",
		Query:       regPageParams, Response: ListResponse[*ceptor.Organization]{}, Errors: nf}, s.apiCeptorMembers)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/ceptors/{id}/members/{org_id}", Summary: "Add a member to a CEPTOR", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators and the CEPTOR's own secretariat administrators. Only operators and supply-chain providers can be members; adding a member twice changes nothing.",
		Response:    &ceptor.Organization{}, Errors: wr}, s.apiAddMember)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/ceptors/{id}/members/{org_id}", Summary: "Remove a member from a CEPTOR", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators and the CEPTOR's own secretariat administrators.",
		Status:      http.StatusNoContent, Errors: wr}, s.apiRemoveMember)

	// Organisations.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/organizations", Summary: "List organisations", Tag: "registry", Scope: ceptor.ScopeRead,
		Description: "Only the organisations the caller may see are listed and counted.",
		Query:       regParams(orgFilterParams, regPageParams), Response: ListResponse[*ceptor.Organization]{}}, s.apiOrgs)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/organizations/{id}", Summary: "Get an organisation", Tag: "registry", Scope: ceptor.ScopeRead,
		Response: &ceptor.Organization{}, Errors: nf}, s.apiOrg)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/organizations", Summary: "Register an organisation", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators register any organisation; ministry administrators register operators and providers of the sectors they oversee. name and type are required.",
		Body:        orgPatch{}, Response: &ceptor.Organization{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateOrg)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/organizations/{id}", Summary: "Change an organisation", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "Fields left out stay as they are. An organisation's own administrator may change only name_en, name_kana, prefecture, website, domains, require_2fa and notes; changing name, type, entity_kind, sector_ids or ceptor_ids needs the full update right (NISC, or the ministry for its operators and providers).",
		Body:        orgPatch{}, Response: &ceptor.Organization{}, Errors: wr}, s.apiUpdateOrg)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/organizations/{id}/deactivate", Summary: "Deactivate an organisation", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "Its people can no longer sign in or use their tokens. Deactivating one's own organisation is refused.",
		Response:    &ceptor.Organization{}, Errors: wr}, s.apiSetOrgActive(false))
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/organizations/{id}/reactivate", Summary: "Reactivate an organisation", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Response: &ceptor.Organization{}, Errors: wr}, s.apiSetOrgActive(true))

	// Contacts.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/organizations/{id}/contacts", Summary: "List an organisation's contacts", Tag: "registry", Scope: ceptor.ScopeRead,
		Description: "Contacts are visible to the organisation itself, NISC, its ministry and its CEPTOR secretariat; the public bodies' contacts to everyone.",
		Query:       regPageParams, Response: ListResponse[*ceptor.Contact]{}, Errors: nf}, s.apiContacts)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/organizations/{id}/contacts", Summary: "Add a contact", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "name and at least one of email, phone and webhook_url are required; kind defaults to primary, lang to ja.",
		Body:        contactPatch{}, Response: &ceptor.Contact{}, Status: http.StatusCreated, Errors: wr}, s.apiCreateContact)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/organizations/{id}/contacts/{contact_id}", Summary: "Change a contact", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Body: contactPatch{}, Response: &ceptor.Contact{}, Errors: wr}, s.apiUpdateContact)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/organizations/{id}/contacts/{contact_id}", Summary: "Delete a contact", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Status: http.StatusNoContent, Errors: wr}, s.apiDeleteContact)

	// Import and export.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/registry/export", Summary: "Export organisations and contacts as CSV or XLSX", Tag: "registry", Scope: ceptor.ScopeRead,
		Description: "Administrators, analysts and auditors of NISC, ministries and CEPTOR secretariats. Holds only the organisations the caller may see, and contacts only where the caller may see them. Takes the filters of the organisation list. The export is recorded in the audit log.",
		Query:       regParams([]apiParam{{Name: "format", Description: "File format (default csv).", Enum: []string{"csv", "xlsx"}}}, orgFilterParams),
		Response:    []byte{}, ResponseContent: "text/csv", Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiExport)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/registry/import", Summary: "Import organisations and contacts from CSV or XLSX", Tag: "registry", Scope: ceptor.ScopeAdmin,
		Description: "NISC and ministry administrators. Send the file as multipart/form-data (field file) or as the raw body (Content-Type text/csv or the XLSX media type), at most 20 MiB. " +
			"Every row is checked, including against the policy; if any row is wrong nothing is imported and the answer is 422 with an extra member rows: [{line, column, message}] in the caller's language. " +
			"With dry_run=true the file is only checked and the counts say what an import would do. The columns are described on the page /registry/import.",
		Query: []apiParam{{Name: "dry_run", Type: "boolean", Description: "Check the file and report the counts without importing."}},
		Body:  importUpload{}, BodyContent: "multipart/form-data", Response: importReport{}, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiImport)
}

// ---- sectors ----

// regPageOf slices a short, fully loaded list for the list envelope.
func regPageOf[T any](r *http.Request, items []T) (ListResponse[T], error) {
	limit, offset, err := listPage(r)
	if err != nil {
		return ListResponse[T]{}, err
	}
	lo, hi := min(offset, len(items)), min(offset+limit, len(items))
	return newList(r, items[lo:hi], len(items), limit, offset), nil
}

func (s *Server) apiReadable(w http.ResponseWriter, r *http.Request, k ceptor.Kind) (*reqState, bool) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return nil, false
	}
	if err := regAuthorize(st, ceptor.ActView, ceptor.Resource{Kind: k}); err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return st, true
}

// apiOrgReadable refuses a caller that may not read the registry at all. A
// caller may always see its own organisation, so only a token scope
// without read can fail here; the list filters do the rest.
func (s *Server) apiOrgReadable(w http.ResponseWriter, r *http.Request) (*reqState, bool) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return nil, false
	}
	own := ceptor.Resource{Kind: ceptor.KindOrg, OrgID: st.actor.OrgID, OrgType: st.actor.OrgType}
	if err := regAuthorize(st, ceptor.ActView, own); err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return st, true
}

func (s *Server) apiSectors(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.apiReadable(w, r, ceptor.KindSector); !ok {
		return
	}
	list, err := s.store.ListSectors(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := regPageOf(r, list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) apiSector(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.apiReadable(w, r, ceptor.KindSector); !ok {
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
	writeJSON(w, http.StatusOK, x)
}

func (s *Server) apiCreateSector(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var p sectorPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.opCreateSector(r, st, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, x)
}

func (s *Server) apiUpdateSector(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var p sectorPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.opUpdateSector(r, st, id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

// ---- CEPTORs ----

func (s *Server) apiCeptors(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.apiReadable(w, r, ceptor.KindCeptor); !ok {
		return
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list := rf.ceptors
	if v := r.URL.Query().Get("sector"); v != "" {
		sid, ok := rf.sectorRef(v)
		if !ok {
			s.fail(w, r, ceptor.Invalid(map[string]string{"sector": "registry.err.unknown_sector"}))
			return
		}
		list = nil
		for _, c := range rf.ceptors {
			if c.SectorID == sid {
				list = append(list, c)
			}
		}
	}
	resp, err := regPageOf(r, list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) apiCeptor(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.apiReadable(w, r, ceptor.KindCeptor); !ok {
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
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCreateCeptor(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var p ceptorPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opCreateCeptor(r, st, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiUpdateCeptor(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var p ceptorPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opUpdateCeptor(r, st, id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCeptorMembers(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiReadable(w, r, ceptor.KindCeptor)
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
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, total, err := s.store.ListOrgs(r.Context(), ceptor.OrgFilter{CeptorID: c.ID, Visible: s.visibleOrg(st.actor), Limit: limit, Offset: offset})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, list, total, limit, offset))
}

func (s *Server) apiMemberIDs(w http.ResponseWriter, r *http.Request) (*reqState, int64, int64, bool) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return nil, 0, 0, false
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return nil, 0, 0, false
	}
	orgID, ok := s.pathID(w, r, "org_id")
	if !ok {
		return nil, 0, 0, false
	}
	return st, id, orgID, true
}

func (s *Server) apiAddMember(w http.ResponseWriter, r *http.Request) {
	st, id, orgID, ok := s.apiMemberIDs(w, r)
	if !ok {
		return
	}
	o, err := s.opAddMember(r, st, id, orgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiRemoveMember(w http.ResponseWriter, r *http.Request) {
	st, id, orgID, ok := s.apiMemberIDs(w, r)
	if !ok {
		return
	}
	if _, err := s.opRemoveMember(r, st, id, orgID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- organisations ----

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiOrgReadable(w, r)
	if !ok {
		return
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, _, err := parseOrgFilter(r.URL.Query(), rf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit, f.Offset, f.Visible = limit, offset, s.visibleOrg(st.actor)
	list, total, err := s.store.ListOrgs(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, list, total, limit, offset))
}

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiOrgReadable(w, r)
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
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiCreateOrg(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var p orgPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.opCreateOrg(r, st, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) apiUpdateOrg(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var p orgPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.opUpdateOrg(r, st, id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiSetOrgActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.apiActor(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		o, err := s.opSetOrgActive(r, st, id, active)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}
}

// ---- contacts ----

func (s *Server) apiContacts(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiOrgReadable(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	o, err := s.contactOrg(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.ListContacts(r.Context(), o.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := regPageOf(r, list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) apiCreateContact(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var p contactPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opCreateContact(r, st, id, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiUpdateContact(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	cid, ok := s.pathID(w, r, "contact_id")
	if !ok {
		return
	}
	var p contactPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opUpdateContact(r, st, id, cid, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiDeleteContact(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	cid, ok := s.pathID(w, r, "contact_id")
	if !ok {
		return
	}
	if err := s.opDeleteContact(r, st, id, cid); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- import and export ----

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if err := s.opExport(w, r, st, format); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindRegistry}); err != nil {
		s.fail(w, r, err)
		return
	}
	dryRun := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(w, r, ceptor.Invalid(map[string]string{"dry_run": "registry.err.bool"}))
			return
		}
		dryRun = b
	}
	data, name, err := s.apiUpload(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.opImport(r, st, data, name, dryRun)
	if err != nil {
		if rep == nil {
			s.fail(w, r, err)
			return
		}
		rows := rep.Problems
		if rows == nil {
			rows = []importProblem{}
		}
		writeJSON(w, http.StatusUnprocessableEntity, importErrorBody{
			Error: apiError{Code: ceptor.EINVALID, Message: i18n.T(st.lang, messageKey(err))}, Rows: rows})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// apiUpload reads the file of an import request: a multipart field "file",
// or the raw body.
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		return readUpload(w, r, "file")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxImportBytes+1))
	if err != nil {
		return nil, "", &ceptor.Error{Code: ceptor.EINVALID, Message: "the upload could not be read", Key: "registry.imp.no_file", Err: err}
	}
	if len(data) > maxImportBytes {
		return nil, "", regInvalidField("file", "registry.imp.too_large")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", regInvalidField("file", "registry.imp.no_file")
	}
	name := "upload.csv"
	if strings.Contains(ct, "spreadsheetml") || strings.Contains(ct, "excel") {
		name = "upload.xlsx"
	}
	return data, name, nil
}
