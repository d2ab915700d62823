package web

import (
	"net/http"
	"slices"

	"ceptor"
)

// The reports API. It answers with the same masked view as the pages
// (reportView) and changes reports only through the operations of
// report_ops.go.

// reportListParams are the filters of GET /api/v1/reports.
var reportListParams = []apiParam{
	{Name: "queue", Description: "Which queue: mine (the caller's organisation's own reports, drafts included), relay (waiting for the caller's organisation to relay), passed (relayed by it), incoming (NISC: received). Default: the organisation's main queue.", Enum: []string{queueMine, queueRelay, queuePassed, queueIncoming}},
	{Name: "status", Description: "Report state.", Enum: []string{"draft", "submitted", "received", "closed"}},
	{Name: "sector", Type: "integer", Description: "Sector id."},
	{Name: "route", Description: "Route.", Enum: []string{string(ceptor.RouteMinistry), string(ceptor.RouteAnonymous), string(ceptor.RouteDirect)}},
	{Name: "event", Description: "Event class.", Enum: eventClassNames()},
	{Name: "q", Description: "Japanese full-text search over title, body and response (every word must match); only reports the caller may see are searched."},
	{Name: "from", Description: "Submitted on or after this day (YYYY-MM-DD, Japan time)."},
	{Name: "to", Description: "Submitted on or before this day (YYYY-MM-DD, Japan time)."},
	{Name: "limit", Type: "integer", Description: "Items per page, 1-500 (default 50)."},
	{Name: "offset", Type: "integer", Description: "Items to skip (default 0)."},
}

func eventClassNames() []string {
	out := make([]string, len(ceptor.EventClasses))
	for i, c := range ceptor.EventClasses {
		out[i] = string(c)
	}
	return out
}

// attachmentUpload is the multipart body of POST .../attachments.
type attachmentUpload struct {
	File []byte `json:"file"`
}

// unsealAnswer is the answer of POST .../unseal.
type unsealAnswer struct {
	Identity *unsealedIdentity `json:"identity"`
}

func (s *Server) routesAPIReports() {
	nf := []int{http.StatusNotFound}
	wr := []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	const anonNote = " An anonymous report's reporter appears only as \"a member of CEPTOR X\" to everyone but its own organisation (and the CEPTOR's secretariat after an unseal)."

	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/reports", Summary: "List reports", Tag: "reports", Scope: ceptor.ScopeRead,
		Description: "One queue of reports, filtered and paginated. Only the reports the caller may see are listed, counted and searched. NISC's incoming queue is ordered by severity, then by reporting clock." + anonNote,
		Query:       reportListParams, Response: ListResponse[*reportView]{}}, s.apiListReports)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports", Summary: "Create a report", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "Creates a draft, or with \"submit\": true sends the report at once (then every field a submitted report needs is required: title, event_class, causes, sector_id). " +
			"Route ministry goes via the sector's ministry to NISC; ceptor_anonymous via the secretariat of ceptor_id (the caller's organisation must be a member), which removes what identifies the reporter; direct goes to NISC. " +
			"Times are RFC 3339, or YYYY-MM-DDTHH:MM in Japan time. An answer may carry warnings (rep.warn_weak_anonymity: the CEPTOR has fewer than 5 members).",
		Body: reportInput{}, Response: &reportView{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateReport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/reports/{id}", Summary: "Get a report", Tag: "reports", Scope: ceptor.ScopeRead,
		Description: "The report with its timeline, versions, attachments and reporting clock, as the caller may see it." + anonNote,
		Response:    &reportView{}, Errors: nf}, s.apiGetReport)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/reports/{id}", Summary: "Change a draft", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "Fields left out keep their value. Only drafts of the caller's organisation can be changed; \"submit\": true sends the draft afterwards. A named draft cannot become anonymous.",
		Body:        reportInput{}, Response: &reportView{}, Errors: wr}, s.apiUpdateReport)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/submit", Summary: "Submit a draft", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "Sends a complete draft to the first organisation of its route.",
		Response:    &reportView{}, Errors: wr}, s.apiSubmitReport)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/updates", Summary: "Add a follow-up (続報)", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "A new version of a submitted report; route, sector, CEPTOR and drill flag stay as submitted. An anonymous report's follow-up goes to the CEPTOR secretariat for review and reaches upstream only when the secretariat relays it.",
		Body:        reportInput{}, Response: &reportView{}, Status: http.StatusCreated, Errors: wr}, s.apiFollowUp)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/relay", Summary: "Relay a report to the next organisation", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "By the organisation the report is waiting at (a ministry or a CEPTOR secretariat), with an optional note. The secretariat relaying an anonymous report must send redacted: the text upstream will read, and decides which attachments upstream may have: withheld_attachment_ids lists those kept back and releases every other one ([] releases all); left out, the files withheld so far stay withheld (an anonymous report's files start withheld).",
		Body:        relayInput{}, Response: &reportView{}, Errors: wr}, s.apiRelayReport)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/close", Summary: "Close a report (final report)", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "By the reporter, once NISC has received the report and no follow-up waits for review.",
		Response:    &reportView{}, Errors: wr}, s.apiCloseReport)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/unseal", Summary: "Reveal an anonymous reporter", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "Administrators of the report's CEPTOR secretariat only, with a reason. Recorded in the audit log, where NISC's auditors see that it happened (not whom it revealed).",
		Body:        unsealInput{}, Response: unsealAnswer{}, Errors: wr}, s.apiUnsealReport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/reports/{id}/attachments", Summary: "List a report's attachments", Tag: "reports", Scope: ceptor.ScopeRead,
		Description: "Upstream of the secretariat, an anonymous report's attachments carry a neutral name and those withheld are left out.",
		Query:       regPageParams, Response: ListResponse[attachmentView]{}, Errors: nf}, s.apiListAttachments)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/attachments", Summary: "Attach a file to a report", Tag: "reports", Scope: ceptor.ScopeWrite,
		Description: "multipart/form-data with the field file, at most 10 MiB, not empty. By the reporter's organisation, until the report is closed. The answer gives the SHA-256 of what was stored.",
		Body:        attachmentUpload{}, BodyContent: "multipart/form-data", Response: attachmentView{}, Status: http.StatusCreated, Errors: wr}, s.apiAddAttachment)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/attachments/{id}", Summary: "Download an attachment", Tag: "reports", Scope: ceptor.ScopeRead,
		Description: "Always served as application/octet-stream with Content-Disposition: attachment, never rendered.",
		Response:    []byte{}, ResponseContent: "application/octet-stream", Errors: nf}, s.apiDownloadAttachment)
}

func (s *Server) apiListReports(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindReport, OrgID: st.actor.OrgID}); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := parseReportQuery(st.actor, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.listReports(r.Context(), st.actor, st.lang, q, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, pg.Views, pg.Total, limit, offset))
}

// apiReportAnswer writes the full view of a report.
func (s *Server) apiReportAnswer(w http.ResponseWriter, r *http.Request, st *reqState, status int, id int64, warnings []string) {
	rep, ref, err := s.findReport(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiReportAnswerOf(w, r, st, status, rep, ref, warnings)
}

// apiReportAnswerOf answers with a report already read; the policy decides
// here as it does in findReport.
func (s *Server) apiReportAnswerOf(w http.ResponseWriter, r *http.Request, st *reqState, status int, rep *ceptor.Report, ref *ceptor.ReportRef, warnings []string) {
	ctx := r.Context()
	if !ceptor.Allow(st.actor, ceptor.ActView, reportResource(rep, ref)) {
		s.fail(w, r, regNotFound())
		return
	}
	if own, _ := reportRoles(st.actor, rep, ref); own && rep.Route == ceptor.RouteAnonymous {
		markAnonymous(r)
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.reportView(ctx, st.actor, st.lang, rep, ref, rf, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, w := range warnings {
		if !slices.Contains(v.Warnings, w) {
			v.Warnings = append(v.Warnings, w)
		}
	}
	writeJSON(w, status, v)
}

func (s *Server) apiGetReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.apiReportAnswer(w, r, st, http.StatusOK, id, nil)
}

// readReportInput reads a report body on top of base.
func readReportInput(r *http.Request, base reportInput) (reportInput, error) {
	b, err := readJSONBody(r)
	if err != nil {
		return reportInput{}, err
	}
	return parseReportJSON(b, base)
}

func (s *Server) apiCreateReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	in, err := readReportInput(r, reportInput{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opCreateReportRef(r, st, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.stored != nil {
		r = r.WithContext(withKnownReport(r.Context(), c.rep.ID, c.stored))
	}
	s.apiReportAnswerOf(w, r, st, http.StatusCreated, c.rep, c.ref, c.warnings)
}

func (s *Server) apiUpdateReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	cur, _, err := s.findOwnReport(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := readReportInput(r, inputOf(cur))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, warnings, err := s.opUpdateDraft(r, st, id, in); err != nil {
		s.fail(w, r, err)
	} else {
		s.apiReportAnswer(w, r, st, http.StatusOK, id, warnings)
	}
}

// apiReportOp runs an operation without a body and answers with the report.
func (s *Server) apiReportOp(w http.ResponseWriter, r *http.Request, status int, op func(st *reqState, id int64) error) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := op(st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiReportAnswer(w, r, st, status, id, nil)
}

func (s *Server) apiSubmitReport(w http.ResponseWriter, r *http.Request) {
	s.apiReportOp(w, r, http.StatusOK, func(st *reqState, id int64) error {
		_, err := s.opSubmitReport(r, st, id)
		return err
	})
}

func (s *Server) apiCloseReport(w http.ResponseWriter, r *http.Request) {
	s.apiReportOp(w, r, http.StatusOK, func(st *reqState, id int64) error {
		_, err := s.opCloseReport(r, st, id)
		return err
	})
}

func (s *Server) apiFollowUp(w http.ResponseWriter, r *http.Request) {
	s.apiReportOp(w, r, http.StatusCreated, func(st *reqState, id int64) error {
		// The policy first: a report the caller may not see is not found,
		// whatever the body says.
		if _, _, err := s.findOwnReport(r, st, id); err != nil {
			return err
		}
		in, err := readReportInput(r, reportInput{})
		if err != nil {
			return err
		}
		_, err = s.opFollowUp(r, st, id, in)
		return err
	})
}

func (s *Server) apiRelayReport(w http.ResponseWriter, r *http.Request) {
	s.apiReportOp(w, r, http.StatusOK, func(st *reqState, id int64) error {
		if _, _, err := s.findReport(r.Context(), st.actor, id); err != nil {
			return err
		}
		b, err := readJSONBody(r)
		if err != nil {
			return err
		}
		var in relayInput
		if err := decodeReportJSON(b, &in); err != nil {
			return err
		}
		_, err = s.opRelayReport(r, st, id, in)
		return err
	})
}

func (s *Server) apiUnsealReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, _, err := s.findReport(r.Context(), st.actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := readJSONBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in unsealInput
	if err := decodeReportJSON(b, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	ident, err := s.opUnsealReport(r, st, id, in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unsealAnswer{Identity: ident})
}

func (s *Server) apiListAttachments(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	rep, ref, err := s.findReport(ctx, st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if own, _ := reportRoles(st.actor, rep, ref); own && rep.Route == ceptor.RouteAnonymous {
		markAnonymous(r)
	}
	atts, err := s.store.ListAttachments(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, err := s.attachmentViews(ctx, st.actor, rep, ref, atts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range views {
		views[i].URL = "/api/v1/attachments/" + toString(views[i].ID)
	}
	resp, err := regPageOf(r, views)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) apiAddAttachment(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, _, err := s.findOwnReport(r, st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	name, ct, data, err := readAttachmentUpload(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	att, err := s.opAddAttachment(r, st, id, name, ct, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, ref, err := s.findReport(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	views, err := s.attachmentViews(r.Context(), st.actor, rep, ref, []*ceptor.Attachment{att})
	if err != nil || len(views) == 0 {
		s.fail(w, r, err)
		return
	}
	views[0].URL = "/api/v1/attachments/" + toString(att.ID)
	writeJSON(w, http.StatusCreated, views[0])
}

func (s *Server) apiDownloadAttachment(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	aid, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindReport, OrgID: st.actor.OrgID}); err != nil {
		s.fail(w, r, err)
		return
	}
	// The report decides who may have the file.
	att, _, err := s.store.AttachmentData(r.Context(), aid)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			err = regNotFound()
		}
		s.fail(w, r, err)
		return
	}
	v, data, err := s.opAttachment(r, st, att.ReportID, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeDownload(w, v.FileName, data)
}
