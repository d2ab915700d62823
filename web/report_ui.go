package web

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The pages of reports upward (情報連絡): the queues, the report form, the
// detail with its timeline and actions, the secretariat's redaction page.
// Every change goes through the operations of report_ops.go.

func (s *Server) routesReports() {
	s.mux.HandleFunc("GET /reports", s.reportList)
	s.mux.HandleFunc("GET /reports/new", s.reportNewForm)
	s.mux.HandleFunc("POST /reports/new", s.reportNewSubmit)
	s.mux.HandleFunc("GET /reports/{id}", s.reportDetail)
	s.mux.HandleFunc("GET /reports/{id}/edit", s.reportEditForm)
	s.mux.HandleFunc("POST /reports/{id}/edit", s.reportEditSubmit)
	s.mux.HandleFunc("POST /reports/{id}/submit", s.reportSubmit)
	s.mux.HandleFunc("GET /reports/{id}/followup", s.reportFollowUpForm)
	s.mux.HandleFunc("POST /reports/{id}/followup", s.reportFollowUpSubmit)
	s.mux.HandleFunc("POST /reports/{id}/close", s.reportClose)
	s.mux.HandleFunc("GET /reports/{id}/relay", s.reportRelayForm)
	s.mux.HandleFunc("POST /reports/{id}/relay", s.reportRelaySubmit)
	s.mux.HandleFunc("POST /reports/{id}/unseal", s.reportUnseal)
	s.mux.HandleFunc("POST /reports/{id}/attachments", s.reportAttach)
	s.mux.HandleFunc("GET /reports/{id}/attachments/{aid}", s.reportAttachmentDownload)
}

const reportsPerPage = 20

// ---- template helpers ----

// RepSize formats a byte count.
func (p *Page) RepSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// RepSeverity returns the label of a severity level.
func (p *Page) RepSeverity(l *ceptor.SeverityLevel) string {
	if l == nil {
		return ""
	}
	return p.T(l.Key())
}

// RepSeverityClass returns the CSS class of a severity level.
func (p *Page) RepSeverityClass(l *ceptor.SeverityLevel) string {
	if l == nil {
		return ""
	}
	return "sev-" + strconv.Itoa(int(*l))
}

// ---- the queues ----

// reportTab is one queue tab.
type reportTab struct {
	Key    string
	Count  int
	Href   string
	Active bool
}

// reportRow is one line of a queue.
type reportRow struct {
	*reportView
	Snippet []textPart
	// TitleParts is the title with the search words marked.
	TitleParts []textPart
}

// reportListData is what report_list.html shows.
type reportListData struct {
	Query        reportQuery
	Tabs         []reportTab
	Rows         []reportRow
	Pager        Pager
	Filtered     bool
	BySeverity   bool
	CanCreate    bool
	Sectors      []*ceptor.Sector
	Statuses     []ceptor.ReportStatus
	Routes       []ceptor.Route
	EventClasses []ceptor.EventClass
	ClearHref    string
}

func (s *Server) reportList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a := st.actor
	q, err := parseReportQuery(a, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	pg, err := s.listReports(ctx, a, st.lang, q, reportsPerPage, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := reportListData{Query: q, Filtered: q.filtered(), BySeverity: pg.BySevere, Sectors: rf.sectors,
		Statuses: []ceptor.ReportStatus{ceptor.ReportDraft, ceptor.ReportSubmitted, ceptor.ReportReceived, ceptor.ReportClosed},
		Routes:   reportRoutes, EventClasses: ceptor.EventClasses, ClearHref: "/reports?queue=" + q.Queue,
		Pager:     Pager{Total: pg.Total, Offset: offset, Limit: reportsPerPage},
		CanCreate: ceptor.Allow(a, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindReport, OrgID: a.OrgID, OrgType: a.OrgType})}
	for _, v := range pg.Views {
		row := reportRow{reportView: v}
		if q.Q != "" {
			row.TitleParts = markParts(v.Title, strings.Fields(q.Q))
			if row.Snippet = snippet(v.Body, q.Q); row.Snippet == nil {
				row.Snippet = snippet(v.Response, q.Q)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	for _, k := range reportQueues(a) {
		n := s.queueCount(ctx, a, k)
		if k == queueMine && a.OrgType != ceptor.OrgOperator && n == 0 && q.Queue != k {
			continue
		}
		d.Tabs = append(d.Tabs, reportTab{Key: k, Count: n, Href: "/reports?queue=" + k, Active: k == q.Queue})
	}
	if len(d.Tabs) == 1 {
		d.Tabs = nil
	}
	s.render(w, r, http.StatusOK, "report_list", s.page(w, r, i18n.T(st.lang, "rep.title"), d))
}

// ---- the form ----

func (s *Server) renderReportForm(w http.ResponseWriter, r *http.Request, st *reqState, status int, d *reportFormData, fieldErrs map[string]string, err error) {
	titles := map[string]string{"new": "rep.new_title", "edit": "rep.edit_title", "followup": "rep.followup_title"}
	p := s.page(w, r, i18n.T(st.lang, titles[d.Mode]), d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		if len(p.Errors) == 0 {
			p.FormError = i18n.T(st.lang, messageKey(err))
		}
	}
	if len(fieldErrs) > 0 {
		if p.Errors == nil {
			p.Errors = map[string]string{}
		}
		maps.Copy(p.Errors, fieldErrs)
	}
	if len(p.Errors) > 0 && p.FormError == "" {
		p.FormError = i18n.T(st.lang, "err.invalid")
	}
	s.render(w, r, status, "report_form", p)
}

func (s *Server) reportNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	a := st.actor
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindReport, OrgID: a.OrgID, OrgType: a.OrgType}); err != nil {
		s.fail(w, r, err)
		return
	}
	in := reportInput{Route: ceptor.RouteMinistry, TLP: ceptor.TLPAmber, Lang: st.lang}
	if len(a.SectorIDs) > 0 {
		in.SectorID = a.SectorIDs[0]
	}
	if len(a.CeptorIDs) > 0 {
		in.CeptorID = a.CeptorIDs[0]
	}
	d, err := s.reportFormFrom(r.Context(), st, "new", in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Action, d.Cancel = "/reports/new", "/reports"
	s.renderReportForm(w, r, st, http.StatusOK, d, nil, nil)
}

// formFailed re-renders the form with what was typed.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, st *reqState, mode string, in reportInput, typed *reportFormData, rv *reportView, fieldErrs map[string]string, err error) {
	d, ferr := s.reportFormFrom(r.Context(), st, mode, in)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	d.Indicators, d.IndicatorErrors = typed.Indicators, typed.IndicatorErrors
	d.Started, d.Detected, d.Recovered, d.UsersAffected = typed.Started, typed.Detected, typed.Recovered, typed.UsersAffected
	d.Action, d.Report = r.URL.Path, rv
	d.Cancel = "/reports"
	if rv != nil {
		d.ReportID, d.Cancel = rv.ID, "/reports/"+toString(rv.ID)
	}
	status := http.StatusUnprocessableEntity
	if err != nil && ceptor.ErrorCode(err) != ceptor.EINVALID {
		status = statusOf(ceptor.ErrorCode(err))
	}
	s.renderReportForm(w, r, st, status, d, fieldErrs, err)
}

func (s *Server) reportNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in, typed, fieldErrs := reportInputFromForm(r, st.lang)
	if in.Route == ceptor.RouteAnonymous {
		markAnonymous(r)
	}
	if len(fieldErrs) > 0 {
		_, err := s.buildReport(r.Context(), st, in, !in.Submit)
		s.formFailed(w, r, st, "new", in, typed, nil, fieldErrs, err)
		return
	}
	rep, warnings, err := s.opCreateReport(r, st, in)
	if err != nil {
		if code := ceptor.ErrorCode(err); code != ceptor.EINVALID && code != ceptor.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		s.formFailed(w, r, st, "new", in, typed, nil, nil, err)
		return
	}
	s.setFlash(w, flashAfterSave(rep, warnings))
	http.Redirect(w, r, "/reports/"+toString(rep.ID), http.StatusSeeOther)
}

func flashAfterSave(rep *ceptor.Report, warnings []string) string {
	if len(warnings) > 0 {
		return warnings[0]
	}
	if rep.Status == ceptor.ReportDraft {
		return "rep.flash_draft_saved"
	}
	return "rep.flash_submitted"
}

// ownReportPage loads a report of the caller's own organisation for a form,
// with its view.
func (s *Server) ownReportPage(w http.ResponseWriter, r *http.Request, st *reqState) (*ceptor.Report, *reportView, bool) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return nil, nil, false
	}
	rep, ref, err := s.findOwnReport(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	v, err := s.reportView(r.Context(), st.actor, st.lang, rep, ref, rf, false)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return rep, v, true
}

func (s *Server) reportEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rep, v, ok := s.ownReportPage(w, r, st)
	if !ok {
		return
	}
	if rep.Status != ceptor.ReportDraft {
		s.fail(w, r, reportStateError("rep.err.not_draft"))
		return
	}
	d, err := s.reportFormFrom(r.Context(), st, "edit", inputOf(v.Report))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Action, d.Cancel, d.ReportID, d.Report = r.URL.Path, "/reports/"+toString(rep.ID), rep.ID, v
	s.renderReportForm(w, r, st, http.StatusOK, d, nil, nil)
}

func (s *Server) reportEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rep, v, ok := s.ownReportPage(w, r, st)
	if !ok {
		return
	}
	in, typed, fieldErrs := reportInputFromForm(r, st.lang)
	if len(fieldErrs) > 0 {
		_, err := s.buildReport(r.Context(), st, in, !in.Submit)
		s.formFailed(w, r, st, "edit", in, typed, v, fieldErrs, err)
		return
	}
	got, warnings, err := s.opUpdateDraft(r, st, rep.ID, in)
	if err != nil {
		if code := ceptor.ErrorCode(err); code != ceptor.EINVALID && code != ceptor.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		s.formFailed(w, r, st, "edit", in, typed, v, nil, err)
		return
	}
	s.setFlash(w, flashAfterSave(got, warnings))
	http.Redirect(w, r, "/reports/"+toString(rep.ID), http.StatusSeeOther)
}

func (s *Server) reportFollowUpForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rep, v, ok := s.ownReportPage(w, r, st)
	if !ok {
		return
	}
	if rep.Status != ceptor.ReportSubmitted && rep.Status != ceptor.ReportReceived {
		s.fail(w, r, reportStateError("rep.err.followup_state"))
		return
	}
	// Prefilled from the latest version the reporter wrote.
	src := v.Report
	if v.held != nil {
		src = v.held
	}
	d, err := s.reportFormFrom(r.Context(), st, "followup", inputOf(src))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Action, d.Cancel, d.ReportID, d.Report = r.URL.Path, "/reports/"+toString(rep.ID), rep.ID, v
	s.renderReportForm(w, r, st, http.StatusOK, d, nil, nil)
}

func (s *Server) reportFollowUpSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	rep, v, ok := s.ownReportPage(w, r, st)
	if !ok {
		return
	}
	in, typed, fieldErrs := reportInputFromForm(r, st.lang)
	in.Route, in.CeptorID, in.SectorID, in.Drill = rep.Route, rep.CeptorID, rep.SectorID, rep.Drill
	if len(fieldErrs) > 0 {
		_, err := s.buildReport(r.Context(), st, in, false)
		s.formFailed(w, r, st, "followup", in, typed, v, fieldErrs, err)
		return
	}
	if _, err := s.opFollowUp(r, st, rep.ID, in); err != nil {
		if code := ceptor.ErrorCode(err); code != ceptor.EINVALID && code != ceptor.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		s.formFailed(w, r, st, "followup", in, typed, v, nil, err)
		return
	}
	key := "rep.flash_followup"
	if rep.Route == ceptor.RouteAnonymous {
		key = "rep.flash_followup_review"
	}
	s.setFlash(w, key)
	http.Redirect(w, r, "/reports/"+toString(rep.ID), http.StatusSeeOther)
}

// ---- the detail ----

// reportDetailData is what report_detail.html shows.
type reportDetailData struct {
	V          *reportView
	Weak       bool
	MaxSize    string
	Unsealed   *unsealedIdentity
	ReasonErr  string
	CanSeeNISC bool
}

func (s *Server) reportDetail(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	s.renderDetail(w, r, st, http.StatusOK, "", nil)
}

// renderDetail shows the detail page, with an error of one of its forms.
func (s *Server) renderDetail(w http.ResponseWriter, r *http.Request, st *reqState, status int, formErr string, fieldErrs map[string]string) {
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
	own, _ := reportRoles(st.actor, rep, ref)
	if own && rep.Route == ceptor.RouteAnonymous {
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
	d := reportDetailData{V: v, MaxSize: (&Page{}).RepSize(ceptor.MaxAttachmentSize)}
	if c := rf.ceptorByID[rep.CeptorID]; own && c != nil && rep.Route == ceptor.RouteAnonymous {
		d.Weak = c.MemberCount < weakAnonymity
	}
	title := v.Title
	if title == "" {
		title = i18n.T(st.lang, "rep.untitled")
	}
	p := s.page(w, r, title, d)
	p.FormError, p.Errors = formErr, fieldErrs
	s.render(w, r, status, "report_detail", p)
}

// reportAction runs a POST action of the detail page and goes back to it.
func (s *Server) reportAction(w http.ResponseWriter, r *http.Request, flash string, op func(st *reqState, id int64) error) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := op(st, id); err != nil {
		switch ceptor.ErrorCode(err) {
		case ceptor.EINVALID, ceptor.ECONFLICT:
			msg := i18n.T(st.lang, messageKey(err))
			if f := fieldErrors(st.lang, err); len(f) > 0 && messageKey(err) == "err.invalid" {
				for _, m := range f {
					msg = m
					break
				}
			}
			s.renderDetail(w, r, st, statusOf(ceptor.ErrorCode(err)), msg, fieldErrors(st.lang, err))
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.setFlash(w, flash)
	http.Redirect(w, r, "/reports/"+toString(id), http.StatusSeeOther)
}

func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "rep.flash_submitted", func(st *reqState, id int64) error {
		_, err := s.opSubmitReport(r, st, id)
		return err
	})
}

func (s *Server) reportClose(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "rep.flash_closed", func(st *reqState, id int64) error {
		_, err := s.opCloseReport(r, st, id)
		return err
	})
}

func (s *Server) reportUnseal(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "rep.flash_unsealed", func(st *reqState, id int64) error {
		_, err := s.opUnsealReport(r, st, id, r.PostFormValue("reason"))
		return err
	})
}

// reportRelaySubmit relays with a note; the secretariat's redaction form
// posts here too, with the redacted text.
func (s *Server) reportRelaySubmit(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("redact") == "" {
		s.reportAction(w, r, "rep.flash_relayed", func(st *reqState, id int64) error {
			_, err := s.opRelayReport(r, st, id, relayInput{Note: r.PostFormValue("note")})
			return err
		})
		return
	}
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	red := &redactionInput{Title: f.Get("title"), Body: f.Get("body"), Service: f.Get("service"), Response: f.Get("response"),
		Area: f.Get("area"), SafetyHarm: f.Get("safety_harm"), DataAffected: f.Get("data_affected")}
	list, lineErrs := parseIndicatorLines(f.Get("indicators"))
	red.Indicators = list
	// The form always says which files to withhold (none ticked: none).
	in := relayInput{Note: f.Get("note"), Redacted: red, WithheldAttachmentIDs: []int64{}}
	for _, v := range f["withheld"] {
		if aid, ok := parseID(v); ok {
			in.WithheldAttachmentIDs = append(in.WithheldAttachmentIDs, aid)
		}
	}
	var lines []string
	for _, e := range lineErrs {
		lines = append(lines, i18n.T(st.lang, "rep.err.line", e.Line, i18n.T(st.lang, e.Key)))
	}
	var err error
	if len(lineErrs) == 0 {
		if _, err = s.opRelayReport(r, st, id, in); err == nil {
			s.setFlash(w, "rep.flash_relayed")
			http.Redirect(w, r, "/reports/"+toString(id), http.StatusSeeOther)
			return
		}
		if code := ceptor.ErrorCode(err); code != ceptor.EINVALID && code != ceptor.ECONFLICT {
			s.fail(w, r, err)
			return
		}
	}
	s.renderRelay(w, r, st, id, http.StatusUnprocessableEntity, &in, f.Get("indicators"), lines, err)
}

// ---- the secretariat's redaction page ----

// reportRelayData is what report_relay.html shows.
type reportRelayData struct {
	V               *reportView
	FollowUp        bool // the text under review is a follow-up
	Red             redactionInput
	Indicators      string
	IndicatorErrors []string
	Note            string
	Withheld        map[int64]bool
	// Marked are the original texts with the reporter's names marked.
	Marked      []markedField
	AnyMarks    bool
	Attachments []attachmentView
}

// markedField is one original text with its marks.
type markedField struct {
	Label string
	Parts []textPart
}

func (s *Server) reportRelayForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderRelay(w, r, st, id, http.StatusOK, nil, "", nil, nil)
}

func (s *Server) renderRelay(w http.ResponseWriter, r *http.Request, st *reqState, id int64, status int, typed *relayInput, indText string, lineErrs []string, opErr error) {
	ctx := r.Context()
	a := st.actor
	rep, ref, err := s.findReport(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res := reportResource(rep, ref)
	_, redactor := reportRoles(a, rep, ref)
	if !redactor {
		s.fail(w, r, regNotFound())
		return
	}
	if err := regAuthorize(st, ceptor.ActRelay, res); err != nil {
		s.fail(w, r, err)
		return
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.reportView(ctx, a, st.lang, rep, ref, rf, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	src := v.Report
	d := reportRelayData{V: v, Attachments: v.Attachments, Withheld: map[int64]bool{}}
	if v.held != nil {
		src, d.FollowUp = v.held, true
	}
	if typed != nil && typed.Redacted != nil {
		d.Red, d.Note, d.Indicators, d.IndicatorErrors = *typed.Redacted, typed.Note, indText, lineErrs
		for _, id := range typed.WithheldAttachmentIDs {
			d.Withheld[id] = true
		}
	} else {
		d.Red = redactionInput{Title: src.Title, Body: src.Body, Service: src.Service, Response: src.Response,
			Area: src.Impact.Area, SafetyHarm: src.Impact.SafetyHarm, DataAffected: src.Impact.DataAffected, Indicators: src.Indicators}
		d.Indicators = indicatorText(src.Indicators)
		for _, at := range v.Attachments {
			d.Withheld[at.ID] = at.Withheld
		}
	}
	// The server opens the sealed identity only to mark it in the text.
	ident, err := s.openIdentity(rep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	terms, err := s.identityTerms(ctx, ident)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, fld := range []struct{ key, text string }{
		{"rep.field.title", src.Title}, {"rep.field.body", src.Body}, {"rep.field.service", src.Service},
		{"rep.field.area", src.Impact.Area}, {"rep.field.safety_harm", src.Impact.SafetyHarm},
		{"rep.field.data_affected", src.Impact.DataAffected}, {"rep.field.response", src.Response},
		{"rep.field.indicators", indicatorText(src.Indicators)},
	} {
		if strings.TrimSpace(fld.text) == "" {
			continue
		}
		parts := markParts(fld.text, terms)
		d.AnyMarks = d.AnyMarks || hasMark(parts)
		d.Marked = append(d.Marked, markedField{Label: i18n.T(st.lang, fld.key), Parts: parts})
	}
	p := s.page(w, r, i18n.T(st.lang, "rep.relay_title"), d)
	if opErr != nil {
		p.Errors = fieldErrors(st.lang, opErr)
		p.FormError = i18n.T(st.lang, messageKey(opErr))
	}
	if len(lineErrs) > 0 {
		if p.Errors == nil {
			p.Errors = map[string]string{}
		}
		p.Errors["indicators"] = i18n.T(st.lang, "rep.err.indicator_lines", len(lineErrs))
		p.FormError = i18n.T(st.lang, "err.invalid")
	}
	s.render(w, r, status, "report_relay", p)
}

// ---- attachments ----

// readAttachmentUpload reads the file of a multipart form: its name, type and
// content, refusing what is larger than an attachment may be.
func readAttachmentUpload(r *http.Request) (string, string, []byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", "", nil, ceptor.Invalid(map[string]string{"file": "err.attachment_too_large"})
		}
		return "", "", nil, ceptor.Invalid(map[string]string{"file": "err.required"})
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return "", "", nil, ceptor.Invalid(map[string]string{"file": "err.required"})
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, ceptor.MaxAttachmentSize+1))
	if err != nil {
		return "", "", nil, ceptor.Invalid(map[string]string{"file": "err.required"})
	}
	if len(data) > ceptor.MaxAttachmentSize {
		return "", "", nil, ceptor.Invalid(map[string]string{"file": "err.attachment_too_large"})
	}
	return hdr.Filename, hdr.Header.Get("Content-Type"), data, nil
}

func (s *Server) reportAttach(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "rep.flash_attached", func(st *reqState, id int64) error {
		name, ct, data, err := readAttachmentUpload(r)
		if err != nil {
			return err
		}
		_, err = s.opAddAttachment(r, st, id, name, ct, data)
		return err
	})
}

func (s *Server) reportAttachmentDownload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	s.serveAttachment(w, r, st)
}

// serveAttachment answers a download: always as a file to save, never to
// render, under the name the caller may see.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request, st *reqState) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	aid, ok := s.pathID(w, r, "aid")
	if !ok {
		return
	}
	v, data, err := s.opAttachment(r, st, id, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeDownload(w, v.FileName, data)
}

// writeDownload sends data as an attachment named name.
func writeDownload(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	h.Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}
