package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/c4tap"
	"ceptor/i18n"
	"ceptor/misp"
)

func (s *Server) routesSharing() {
	nf := []int{http.StatusNotFound}
	types := []string{}
	for _, t := range ceptor.IndicatorTypes {
		types = append(types, string(t))
	}
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/indicators/correlation", Summary: "Where else an indicator was seen", Tag: "sharing", Scope: ceptor.ScopeRead,
		Description: "Counts the organisations and sectors holding the indicator over the reports, TAXII objects, MISP imports and C4TAP submissions the caller may see, and lists those sources. Anonymous reports count as their CEPTOR; counts below the statistics threshold are given as fewer_than.",
		Query:       []apiParam{{Name: "type", Type: "string", Required: true, Enum: types}, {Name: "value", Type: "string", Required: true}},
		Response:    Correlation{}, Errors: []int{http.StatusUnprocessableEntity}}, s.apiCorrelation)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/misp/events", Summary: "Import a MISP event", Tag: "sharing", Scope: ceptor.ScopeWrite,
		Description: "Imports one MISP event (MISP's JSON export) for the caller's organisation: supported attributes become indicators, others are kept with a note; TLP tags become the TLP 2.0 marking (no TLP tag: AMBER; an unknown tlp: tag is refused). A new event also becomes an advisory draft for review when the caller may draft advisories. Importing the same event again replaces it.",
		Body:        map[string]any{}, Response: []mispImportResult{}, Errors: []int{http.StatusUnprocessableEntity, http.StatusForbidden}}, s.apiMISPImport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/misp/events", Summary: "List imported MISP events", Tag: "sharing", Scope: ceptor.ScopeRead,
		Response: ListResponse[*misp.Stored]{}, Errors: []int{http.StatusUnprocessableEntity}}, s.apiMISPList)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/misp/events/{id}", Summary: "An imported MISP event", Tag: "sharing", Scope: ceptor.ScopeRead,
		Response: misp.Stored{}, Errors: nf}, s.apiMISPGet)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisories/{id}/misp", Summary: "Export an advisory as a MISP event", Tag: "sharing", Scope: ceptor.ScopeRead,
		Description: "A MISP event JSON with the advisory as a text attribute and its TLP tag; uuids are deterministic, so re-importing into MISP updates the event.",
		Response:    map[string]any{}, Errors: []int{http.StatusNotFound, http.StatusForbidden}}, s.apiMISPExportAdvisory)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/c4tap/submissions", Summary: "List C4TAP submissions", Tag: "sharing", Scope: ceptor.ScopeRead,
		Response: ListResponse[*c4tap.Submission]{}, Errors: []int{http.StatusUnprocessableEntity}}, s.apiC4TAPList)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/c4tap/submissions", Summary: "Submit a suspicious e-mail", Tag: "sharing", Scope: ceptor.ScopeWrite,
		Description: "The body is the raw message (.eml, at most 10 MiB). Headers, links and attachment hashes are extracted; attachments are never executed or rendered; the raw message is stored sealed and only its submitter and NISC may download it.",
		Query:       []apiParam{{Name: "tlp", Type: "string", Enum: []string{"clear", "green", "amber", "amber+strict", "red"}}, {Name: "note", Type: "string"}},
		Body:        []byte{}, BodyContent: "message/rfc822", Response: c4tap.Submission{}, Status: http.StatusCreated,
		Errors: []int{http.StatusUnprocessableEntity, http.StatusForbidden}}, s.apiC4TAPSubmit)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/c4tap/submissions/{id}", Summary: "A C4TAP submission and its indicators", Tag: "sharing", Scope: ceptor.ScopeRead,
		Response: c4tap.Submission{}, Errors: nf}, s.apiC4TAPGet)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/c4tap/submissions/{id}/misp", Summary: "Export a C4TAP submission as a MISP event", Tag: "sharing", Scope: ceptor.ScopeRead,
		Response: map[string]any{}, Errors: []int{http.StatusNotFound, http.StatusForbidden}}, s.apiMISPExportSubmission)

	s.routesC4TAPMembers()
	s.routesSubscriptions()
	s.mux.HandleFunc("GET /sharing", s.sharingPage)
	s.mux.HandleFunc("POST /sharing/c4tap", s.c4tapUpload)
	s.mux.HandleFunc("POST /sharing/members", s.c4tapMemberForm)
	s.mux.HandleFunc("POST /sharing/misp", s.mispUpload)
	s.mux.HandleFunc("GET /sharing/c4tap/{id}", s.c4tapPage)
	s.mux.HandleFunc("GET /sharing/c4tap/{id}/eml", s.c4tapDownload)
	s.mux.HandleFunc("GET /sharing/c4tap/{id}/misp", s.downloadMISP("c4tap"))
	s.mux.HandleFunc("GET /sharing/misp/{id}", s.mispPage)
	s.mux.HandleFunc("GET /advisories/{id}/misp", s.downloadMISP("advisory"))
	s.mux.HandleFunc("GET /indicators", s.correlationPage)
}

func (s *Server) apiCorrelation(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	in, err := parseIndicatorQuery(r)
	if err == nil {
		var c *Correlation
		if c, err = s.correlate(r.Context(), st.actor, in); err == nil {
			writeJSON(w, http.StatusOK, c)
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) apiMISPImport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	b, err := readLimited(r.Body, misp.MaxEventSize, "misp.err.too_big")
	if err == nil {
		var ev *misp.Event
		if ev, err = misp.ParseEvent(b); err == nil {
			var res []mispImportResult
			if res, err = s.mispImport(r, st, []*misp.Event{ev}); err == nil {
				writeJSON(w, http.StatusOK, res)
				return
			}
		}
	}
	s.fail(w, r, misp.AsCeptorError(err))
}

func (s *Server) apiMISPList(w http.ResponseWriter, r *http.Request) {
	apiPagedList(s, w, r, func(ctx context.Context, st *reqState, limit, offset int) ([]*misp.Stored, int, error) {
		return s.mispList(ctx, st.actor, limit, offset)
	})
}

func (s *Server) apiMISPGet(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	x, err := s.mispFind(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (s *Server) apiMISPExportAdvisory(w http.ResponseWriter, r *http.Request) {
	s.apiMISPExport(w, r, "advisory")
}

func (s *Server) apiMISPExportSubmission(w http.ResponseWriter, r *http.Request) {
	s.apiMISPExport(w, r, "c4tap")
}

func (s *Server) apiMISPExport(w http.ResponseWriter, r *http.Request, kind string) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	b, err := s.mispExport(r, st, kind, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func (s *Server) mispExport(r *http.Request, st *reqState, kind string, id int64) ([]byte, error) {
	if kind == "advisory" {
		return s.mispExportAdvisory(r.Context(), st.actor, id)
	}
	return s.mispExportSubmission(r.Context(), st.actor, id)
}

func (s *Server) apiC4TAPList(w http.ResponseWriter, r *http.Request) {
	apiPagedList(s, w, r, func(ctx context.Context, st *reqState, limit, offset int) ([]*c4tap.Submission, int, error) {
		return s.c4tapList(ctx, st.actor, limit, offset)
	})
}

func (s *Server) apiC4TAPSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	raw, err := readLimited(r.Body, c4tap.MaxMessageSize, "c4tap.err.too_big")
	if err == nil {
		var sub *c4tap.Submission
		if sub, err = s.c4tapSubmit(r, st, raw, r.URL.Query().Get("tlp"), r.URL.Query().Get("note")); err == nil {
			writeJSON(w, http.StatusCreated, sub)
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) apiC4TAPGet(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	sub, err := s.c4tapFind(r.Context(), st.actor, id, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

// ---- pages ----

type sharingPageData struct {
	CanManage   bool
	Members     []*ceptor.Organization
	CanSubmit   bool
	CanImport   bool
	Submissions []*c4tap.Submission
	Events      []*misp.Stored
	Types       []ceptor.IndicatorType
	TLPs        []ceptor.TLP
}

func (s *Server) sharingPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	a := st.actor
	d := sharingPageData{Types: ceptor.IndicatorTypes, TLPs: ceptor.TLPs,
		CanSubmit: ceptor.Allow(a, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindC4TAP, OrgID: a.OrgID, TLP: ceptor.TLPAmber}),
		CanImport: ceptor.Allow(a, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindMISP, OrgID: a.OrgID})}
	var err error
	if d.CanManage = ceptor.Allow(a, ceptor.ActManageMembers, ceptor.Resource{Kind: ceptor.KindC4TAP}); d.CanManage {
		store, err := s.sharing()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ids, err := store.C4TAPMembers(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, id := range ids {
			if o, err := s.store.FindOrg(r.Context(), id); err == nil {
				d.Members = append(d.Members, o)
			}
		}
	}
	if d.Submissions, _, err = s.c4tapList(r.Context(), a, 50, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Events, _, err = s.mispList(r.Context(), a, 50, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sharing", s.page(w, r, i18n.T(st.lang, "c4tap.title"), d))
}

func (s *Server) c4tapUpload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, c4tap.MaxMessageSize+1<<20)
	f, _, err := r.FormFile("eml")
	if err != nil {
		s.fail(w, r, &ceptor.Error{Code: ceptor.EINVALID, Message: "no message", Key: "c4tap.err.not_email", Err: err})
		return
	}
	defer f.Close()
	raw, err := readLimited(f, c4tap.MaxMessageSize, "c4tap.err.too_big")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sub, err := s.c4tapSubmit(r, st, raw, r.FormValue("tlp"), r.FormValue("note"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/sharing/c4tap/"+strconv.FormatInt(sub.ID, 10), http.StatusSeeOther)
}

func (s *Server) mispUpload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, misp.MaxFeedSize+1<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, &ceptor.Error{Code: ceptor.EINVALID, Message: "no file", Key: "misp.err.json", Err: err})
		return
	}
	defer f.Close()
	b, err := readLimited(f, misp.MaxFeedSize, "misp.err.too_big")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var evs []*misp.Event
	if strings.HasSuffix(strings.ToLower(hdr.Filename), ".zip") {
		evs, err = misp.ParseFeedZip(b)
	} else {
		var ev *misp.Event
		ev, err = misp.ParseEvent(b)
		evs = []*misp.Event{ev}
	}
	if err != nil {
		s.fail(w, r, misp.AsCeptorError(err))
		return
	}
	res, err := s.mispImport(r, st, evs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(res) == 1 {
		http.Redirect(w, r, "/sharing/misp/"+strconv.FormatInt(res[0].ID, 10), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sharing", http.StatusSeeOther)
}

type indicatorRow struct {
	c4tap.Extracted
	Defanged string
}

type c4tapPageData struct {
	Sub        *c4tap.Submission
	Indicators []indicatorRow
	CanRaw     bool
	Submitter  string
}

func (s *Server) c4tapPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.fail(w, r, c4tapNotFound())
		return
	}
	sub, err := s.c4tapFind(r.Context(), st.actor, id, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := c4tapPageData{Sub: sub, CanRaw: ceptor.Allow(st.actor, ceptor.ActViewIdentity, sub.Resource())}
	if d.CanRaw {
		if o, err := s.store.FindOrg(r.Context(), sub.OrgID); err == nil {
			d.Submitter = o.DisplayName(st.lang)
		}
	}
	for _, e := range sub.Extracted {
		d.Indicators = append(d.Indicators, indicatorRow{Extracted: e, Defanged: c4tap.Defang(e.Indicator)})
	}
	s.render(w, r, http.StatusOK, "c4tap_detail", s.page(w, r, i18n.T(st.lang, "c4tap.submission"), d))
}

func (s *Server) c4tapDownload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.fail(w, r, c4tapNotFound())
		return
	}
	raw, err := s.c4tapRaw(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Served as an opaque download, never as a message a browser renders.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", `attachment; filename="c4tap-`+strconv.FormatInt(id, 10)+`.eml.bin"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(raw)
}

func (s *Server) downloadMISP(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := parseID(r.PathValue("id"))
		if !ok {
			s.fail(w, r, regNotFound())
			return
		}
		b, err := s.mispExport(r, st, kind, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeDownload(w, "ceptor-"+kind+"-"+strconv.FormatInt(id, 10)+".misp.json", b)
	}
}

type mispPageData struct {
	X *misp.Stored
}

func (s *Server) mispPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.fail(w, r, mispNotFound())
		return
	}
	x, err := s.mispFind(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "misp_detail", s.page(w, r, x.Event.Info, mispPageData{X: x}))
}

type correlationPageData struct {
	Types []ceptor.IndicatorType
	Type  string
	Value string
	C     *Correlation
}

func (s *Server) correlationPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	d := correlationPageData{Types: ceptor.IndicatorTypes, Type: r.URL.Query().Get("type"), Value: r.URL.Query().Get("value")}
	if d.Value != "" {
		in, err := parseIndicatorQuery(r)
		if err == nil {
			d.C, err = s.correlate(r.Context(), st.actor, in)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "correlation", s.page(w, r, i18n.T(st.lang, "c4tap.correlation"), d))
}
