package web

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// Incident pages: the list, creation (NISC), the incident with its member
// reports, severity, timeline and large-scale mode, and grouping
// suggestions for a report. Everything shown of a member report is asked of
// the report policy first; an anonymous reporter is only ever "a member of
// CEPTOR X".

func (s *Server) routesIncidents() {
	s.mux.HandleFunc("GET /incidents", s.incList)
	s.mux.HandleFunc("GET /incidents/new", s.incNewForm)
	s.mux.HandleFunc("POST /incidents/new", s.incNewSubmit)
	s.mux.HandleFunc("GET /incidents/suggest", s.incSuggest)
	s.mux.HandleFunc("GET /incidents/{id}", s.incDetail)
	s.mux.HandleFunc("GET /incidents/{id}/edit", s.incEditForm)
	s.mux.HandleFunc("POST /incidents/{id}/edit", s.incEditSubmit)
	s.mux.HandleFunc("POST /incidents/{id}/reports", s.incAddReport)
	s.mux.HandleFunc("POST /incidents/{id}/reports/{rid}/remove", s.incRemoveReport)
	s.mux.HandleFunc("POST /incidents/{id}/notes", s.incAddNote)
	s.mux.HandleFunc("POST /incidents/{id}/status", s.incSetStatus)
	s.mux.HandleFunc("POST /incidents/{id}/mode", s.incSetMode)
	s.routesIncidentBoard()
	s.routesSeverity()
}

// ---- list ----

type incListItem struct {
	Inc     *ceptor.Incident
	Current *ceptor.Evaluation
	Sectors []string
	Reports int
}

type incListData struct {
	Items     []incListItem
	Pager     Pager
	Status    string
	Mode      string
	Statuses  []ceptor.IncidentStatus
	Filtered  bool
	CanCreate bool
	Large     []*ceptor.Incident // visible incidents in large-scale mode
	CanGuide  bool
}

const incPerPage = 20

// incVisibleFilter is the policy as a filter for incident lists.
func incVisibleFilter(a *ceptor.Actor) func(*ceptor.IncidentRef) bool {
	return func(ref *ceptor.IncidentRef) bool { return ceptor.Allow(a, ceptor.ActView, ref.Resource()) }
}

func (s *Server) incList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := incListData{Status: q.Get("status"), Mode: q.Get("mode"), Statuses: ceptor.IncidentStatuses,
		CanCreate: incCan(st.actor, ceptor.ActCreate, nil), CanGuide: st.actor.OrgType == ceptor.OrgNISC || st.actor.OrgType == ceptor.OrgMinistry}
	f := ceptor.IncidentFilter{Visible: incVisibleFilter(st.actor), Limit: incPerPage}
	if ceptor.IncidentStatus(d.Status).Valid() {
		f.Status = ceptor.IncidentStatus(d.Status)
	} else {
		d.Status = ""
	}
	switch d.Mode {
	case "large":
		on := true
		f.LargeScale = &on
	case "normal":
		off := false
		f.LargeScale = &off
	default:
		d.Mode = ""
	}
	d.Filtered = d.Status != "" || d.Mode != ""
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(f.Offset, 0)
	list, total, err := s.store.ListIncidents(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, inc := range list {
		it := incListItem{Inc: inc}
		if e, err := s.store.CurrentEvaluation(ctx, ceptor.SubjectIncident, inc.ID); err == nil {
			it.Current = e
		}
		for _, sid := range inc.SectorIDs {
			it.Sectors = append(it.Sectors, names.Sector(sid))
		}
		if ids, err := s.store.IncidentReports(ctx, inc.ID); err == nil {
			it.Reports = len(ids)
		}
		d.Items = append(d.Items, it)
	}
	d.Pager = Pager{Total: total, Offset: f.Offset, Limit: incPerPage}
	on := true
	d.Large, _, err = s.store.ListIncidents(ctx, ceptor.IncidentFilter{LargeScale: &on, Visible: incVisibleFilter(st.actor), Limit: 10})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "incident_list", s.page(w, r, i18n.T(st.lang, "severity.incidents"), d))
}

// ---- create and edit ----

type incMember struct {
	ReportID  int64
	CanOpen   bool
	Title     string
	Reporter  string
	Masked    bool
	Sector    string
	Status    ceptor.ReportStatus
	Version   int
	TLP       ceptor.TLP
	Drill     bool
	UpdatedAt time.Time
	Eval      *ceptor.Evaluation
}

type incFormData struct {
	Inc       *ceptor.Incident
	New       bool
	Action    string
	Cancel    string
	TLPs      []ceptor.TLP
	Sectors   []*ceptor.Sector
	Reports   []incMember // reports to group into the new incident
	ReportIDs []int64
}

// incMemberOf describes a report the caller may see, for lists.
func (s *Server) incMemberOf(ctx context.Context, a *ceptor.Actor, names *incNames, rep *ceptor.Report, ref *ceptor.ReportRef) incMember {
	res := incReportRes(rep, ref)
	m := incMember{ReportID: rep.ID, CanOpen: ceptor.Allow(a, ceptor.ActView, res), Sector: names.Sector(rep.SectorID),
		Status: rep.Status, Version: rep.Version, TLP: rep.TLP, Drill: rep.Drill, UpdatedAt: rep.UpdatedAt}
	if m.CanOpen {
		m.Title = rep.Title
	}
	m.Reporter, m.Masked = names.reporter(a, rep.Route, rep.CeptorID, rep.OrgID, rep.SectorID, res)
	if e, err := s.store.CurrentEvaluation(ctx, ceptor.SubjectReport, rep.ID); err == nil {
		m.Eval = e
	}
	return m
}

// incFormReports returns the visible reports among ids (the others are
// dropped without a word: the caller may not know they exist).
func (s *Server) incFormReports(ctx context.Context, a *ceptor.Actor, names *incNames, ids []int64) ([]incMember, []int64) {
	var out []incMember
	var kept []int64
	for _, id := range ids {
		if slices.Contains(kept, id) {
			continue
		}
		rep, ref, err := s.incVisibleReport(ctx, a, id)
		if err != nil {
			continue
		}
		out = append(out, s.incMemberOf(ctx, a, names, rep, ref))
		kept = append(kept, id)
	}
	return out, kept
}

func formIDs(vals []string) []int64 {
	var out []int64
	for _, v := range vals {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '#' }) {
			if id, ok := parseID(f); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

func (s *Server) renderIncForm(w http.ResponseWriter, r *http.Request, st *reqState, status int, d incFormData, ferr error) {
	ctx := r.Context()
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Sectors, d.TLPs = sectors, ceptor.TLPs
	if d.New {
		names, err := s.incNamesFor(ctx, st.lang)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Reports, d.ReportIDs = s.incFormReports(ctx, st.actor, names, d.ReportIDs)
	}
	title := i18n.T(st.lang, "inc.new_title")
	if !d.New {
		title = i18n.T(st.lang, "inc.edit_title")
	}
	p := s.page(w, r, title, d)
	if ferr != nil {
		p.Errors, p.FormError = fieldErrors(st.lang, ferr), i18n.T(st.lang, messageKey(ferr))
	}
	s.render(w, r, status, "incident_form", p)
}

func (s *Server) incNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !incCan(st.actor, ceptor.ActCreate, nil) {
		s.fail(w, r, forbidden(st))
		return
	}
	inc := &ceptor.Incident{TLP: ceptor.DefaultIncidentTLP}
	s.renderIncForm(w, r, st, http.StatusOK, incFormData{Inc: inc, New: true, Action: "/incidents/new", Cancel: "/incidents",
		ReportIDs: formIDs(r.URL.Query()["report"])}, nil)
}

// incInput is an incident as a form or a JSON body gives it.
type incInput struct {
	Title           string  `json:"title"`
	Summary         string  `json:"summary"`
	TLP             string  `json:"tlp"`
	ManualSectorIDs []int64 `json:"manual_sector_ids"`
	// ReportIDs are reports to group into a new incident at once.
	ReportIDs []int64 `json:"report_ids,omitempty"`
}

func (in incInput) apply(inc *ceptor.Incident) {
	inc.Title, inc.Summary = in.Title, incNewlines(in.Summary)
	inc.TLP = ceptor.TLP(strings.ToLower(strings.TrimSpace(in.TLP)))
	if t, ok := ceptor.ParseTLP(in.TLP); ok {
		inc.TLP = t
	}
	inc.ManualSectorIDs = in.ManualSectorIDs
	if inc.ManualSectorIDs == nil {
		inc.ManualSectorIDs = []int64{}
	}
}

func incInputFromForm(r *http.Request) incInput {
	return incInput{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), TLP: r.PostFormValue("tlp"),
		ManualSectorIDs: regFormIDs(r.PostForm["sector"]), ReportIDs: formIDs(r.PostForm["report"])}
}

// checkSectors refuses manual sectors that do not exist.
func (s *Server) checkSectors(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(sectors, func(x *ceptor.Sector) bool { return x.ID == id }) {
			return ceptor.Invalid(map[string]string{"manual_sector_ids": "err.reference"})
		}
	}
	return nil
}

// opCreateIncident creates an incident and groups the given reports into
// it. Reports the caller may not see are refused as unknown; one that
// belongs to another incident is reported back and left where it is.
func (s *Server) opCreateIncident(r *http.Request, st *reqState, in incInput) (*ceptor.Incident, []string, error) {
	ctx := r.Context()
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindIncident}); err != nil {
		return nil, nil, err
	}
	inc := &ceptor.Incident{CreatedByOrg: st.actor.OrgID, CreatedByUser: st.actor.UserID}
	in.apply(inc)
	if err := inc.Validate(); err != nil {
		return nil, nil, err
	}
	if err := s.checkSectors(ctx, inc.ManualSectorIDs); err != nil {
		return nil, nil, err
	}
	for _, id := range in.ReportIDs {
		if _, _, err := s.incVisibleReport(ctx, st.actor, id); err != nil {
			if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
				return nil, nil, ceptor.Invalid(map[string]string{"report_ids": "err.not_found"})
			}
			return nil, nil, err
		}
	}
	err := s.change(r, func(r *http.Request) error {
		if err := s.store.CreateIncident(r.Context(), inc); err != nil {
			return err
		}
		s.audit(r, "incident.create", ceptor.KindIncident, inc.ID, inc.CreatedByOrg, map[string]any{"title": inc.Title, "tlp": inc.TLP})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var problems []string
	for _, id := range in.ReportIDs {
		// Each report joins on its own: one that cannot stays out.
		err := s.change(r, func(r *http.Request) error {
			if err := s.store.AddReportToIncident(r.Context(), inc.ID, id, st.actor.OrgID, st.actor.UserID); err != nil {
				return err
			}
			s.audit(r, "incident.report_add", ceptor.KindIncident, inc.ID, inc.CreatedByOrg, map[string]any{"report_id": id})
			return nil
		})
		if err != nil {
			if code := ceptor.ErrorCode(err); code != ceptor.ECONFLICT && code != ceptor.EINVALID {
				return nil, nil, err
			}
			problems = append(problems, i18n.T(st.lang, "inc.report_not_added", id, i18n.T(st.lang, messageKey(err))))
		}
	}
	got, err := s.store.FindIncident(ctx, inc.ID)
	if err != nil {
		return nil, nil, err
	}
	s.incPublish(ctx, inc.ID)
	return got, problems, nil
}

func (s *Server) incNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := incInputFromForm(r)
	inc, problems, err := s.opCreateIncident(r, st, in)
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		typed := &ceptor.Incident{}
		in.apply(typed)
		s.renderIncForm(w, r, st, http.StatusUnprocessableEntity, incFormData{Inc: typed, New: true, Action: "/incidents/new",
			Cancel: "/incidents", ReportIDs: in.ReportIDs}, err)
		return
	}
	if len(problems) > 0 {
		s.setFlash(w, "inc.flash.created_partly")
	} else {
		s.setFlash(w, "common.created")
	}
	http.Redirect(w, r, "/incidents/"+toString(inc.ID), http.StatusSeeOther)
}

func (s *Server) incEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	inc, err := s.incFor(r.Context(), st, id, ceptor.ActUpdate)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderIncForm(w, r, st, http.StatusOK, incFormData{Inc: inc, Action: r.URL.Path, Cancel: "/incidents/" + toString(id)}, nil)
}

// opUpdateIncident changes an incident's title, summary, TLP, manual
// sectors and (when status is not empty) status.
func (s *Server) opUpdateIncident(r *http.Request, st *reqState, id int64, apply func(*ceptor.Incident) error) (*ceptor.Incident, error) {
	ctx := r.Context()
	inc, err := s.incFor(ctx, st, id, ceptor.ActUpdate)
	if err != nil {
		return nil, err
	}
	before := *inc
	if err := apply(inc); err != nil {
		return nil, err
	}
	if err := inc.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkSectors(ctx, inc.ManualSectorIDs); err != nil {
		return nil, err
	}
	detail := map[string]any{}
	if before.Title != inc.Title {
		detail["title"] = inc.Title
	}
	if before.TLP != inc.TLP {
		detail["tlp"] = map[string]any{"from": before.TLP, "to": inc.TLP}
	}
	if before.Status != inc.Status {
		detail["status"] = map[string]any{"from": before.Status, "to": inc.Status}
	}
	if !slices.Equal(before.ManualSectorIDs, inc.ManualSectorIDs) {
		detail["manual_sector_ids"] = inc.ManualSectorIDs
	}
	if before.Summary != inc.Summary {
		detail["summary_changed"] = true
	}
	action := "incident.update"
	if before.Status != inc.Status {
		action = "incident.status"
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.UpdateIncident(r.Context(), inc, st.actor.OrgID, st.actor.UserID); err != nil {
			return err
		}
		s.audit(r, action, ceptor.KindIncident, inc.ID, inc.CreatedByOrg, detail)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.incPublish(ctx, inc.ID)
	return inc, nil
}

func (s *Server) incEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	in := incInputFromForm(r)
	_, err := s.opUpdateIncident(r, st, id, func(inc *ceptor.Incident) error { in.apply(inc); return nil })
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		typed := &ceptor.Incident{ID: id}
		in.apply(typed)
		s.renderIncForm(w, r, st, http.StatusUnprocessableEntity, incFormData{Inc: typed, Action: r.URL.Path, Cancel: "/incidents/" + toString(id)}, err)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/incidents/"+toString(id), http.StatusSeeOther)
}

// ---- the incident ----

// incEvent is one timeline entry as the page shows it.
type incEvent struct {
	Seq      int64
	Kind     ceptor.IncidentEventKind
	At       time.Time
	Org      string
	Text     string // a note or after-action text
	Summary  string // what changed, in words
	Level    ceptor.SeverityLevel
	HasLevel bool // a severity entry
	Final    bool
}

// incForm keeps what a person typed into one of the incident page's forms
// when it comes back with an error.
type incForm struct {
	Which        string // mode, note, report, status
	CadenceHours string
	Note         string
	ReportID     string
}

type incDetailData struct {
	Inc        *ceptor.Incident
	Current    *ceptor.Evaluation
	Members    []incMember
	Hidden     int
	Timeline   []incEvent
	Sectors    []string
	Manual     []string
	CreatedBy  string
	CanUpdate  bool
	CanSwitch  bool
	CanEval    bool
	CanExport  bool
	Statuses   []ceptor.IncidentStatus
	Form       incForm
	Overdue    int
	NextDue    time.Time
	Since      string // how long large-scale mode has been on
	CadenceHrs string
}

func (s *Server) incDetail(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderIncDetail(w, r, st, id, http.StatusOK, incForm{}, nil)
}

// incTimeline turns the stored timeline into words.
func incTimeline(lang string, names *incNames, events []*ceptor.IncidentEvent) []incEvent {
	out := make([]incEvent, 0, len(events))
	for _, e := range events {
		var d map[string]any
		_ = json.Unmarshal(e.Detail, &d)
		ev := incEvent{Seq: e.Seq, Kind: e.Kind, At: e.At, Org: names.Org(e.OrgID)}
		str := func(k string) string { v, _ := d[k].(string); return v }
		num := func(k string) float64 { v, _ := d[k].(float64); return v }
		ev.Text = str("text")
		switch e.Kind {
		case ceptor.EventCreated:
			ev.Summary = str("title")
		case ceptor.EventReportAdded, ceptor.EventReportRemoved:
			ev.Summary = i18n.T(lang, "inc.report_no", int64(num("report_id")))
		case ceptor.EventSeverity:
			ev.Level, ev.HasLevel = ceptor.SeverityLevel(num("overall")), true
			ev.Final, _ = d["final"].(bool)
		case ceptor.EventModeOn:
			ev.Summary = i18n.T(lang, "inc.timeline.cadence", incCadenceText(lang, time.Duration(num("cadence_seconds"))*time.Second))
			if b, _ := d["cadence_changed"].(bool); b {
				ev.Summary = i18n.T(lang, "inc.timeline.cadence_changed", incCadenceText(lang, time.Duration(num("cadence_seconds"))*time.Second))
			}
		case ceptor.EventModeOff:
			if secs := num("duration_seconds"); secs > 0 {
				ev.Summary = i18n.T(lang, "inc.timeline.duration", incDurationText(lang, time.Duration(secs)*time.Second))
			}
		case ceptor.EventStatus:
			ev.Summary = i18n.T(lang, "severity.incident.status."+str("from")) + " → " + i18n.T(lang, "severity.incident.status."+str("to"))
		case ceptor.EventSitrep:
			if n := num("number"); n > 0 {
				ev.Summary = i18n.T(lang, "inc.sitrep.number", int(n))
			}
		}
		out = append(out, ev)
	}
	return out
}

// incDurationText says how long something lasted (3 時間 20 分).
func incDurationText(lang string, d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h >= 48 {
		return i18n.T(lang, "inc.duration_days", h/24, h%24)
	}
	return i18n.T(lang, "inc.duration_hm", h, m)
}

func (s *Server) renderIncDetail(w http.ResponseWriter, r *http.Request, st *reqState, id int64, status int, form incForm, ferr error) {
	ctx := r.Context()
	inc, err := s.incVisible(ctx, st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := st.actor
	d := incDetailData{Inc: inc, Statuses: ceptor.IncidentStatuses, Form: form, CreatedBy: names.Org(inc.CreatedByOrg),
		CanUpdate: incCan(a, ceptor.ActUpdate, inc), CanSwitch: incCan(a, ceptor.ActSwitchMode, inc),
		CanEval: incCan(a, ceptor.ActEvaluate, inc), CanExport: incCan(a, ceptor.ActExport, inc)}
	if d.Form.CadenceHours == "" {
		d.Form.CadenceHours = hoursText(inc.Cadence)
	}
	d.CadenceHrs = hoursText(inc.Cadence)
	for _, sid := range inc.SectorIDs {
		d.Sectors = append(d.Sectors, names.Sector(sid))
	}
	for _, sid := range inc.ManualSectorIDs {
		d.Manual = append(d.Manual, names.Sector(sid))
	}
	if e, err := s.store.CurrentEvaluation(ctx, ceptor.SubjectIncident, inc.ID); err == nil {
		d.Current = e
	} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	ids, err := s.store.IncidentReports(ctx, inc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, rid := range ids {
		rep, ref, err := s.incVisibleReport(ctx, a, rid)
		if err != nil {
			if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
				s.fail(w, r, err)
				return
			}
			d.Hidden++
			continue
		}
		d.Members = append(d.Members, s.incMemberOf(ctx, a, names, rep, ref))
	}
	if inc.LargeScale {
		rows, _, err := s.incRows(ctx, a, inc, names, s.now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, row := range rows {
			if row.Overdue {
				d.Overdue++
			}
			if !row.Due.IsZero() && (d.NextDue.IsZero() || row.Due.Before(d.NextDue)) {
				d.NextDue = row.Due
			}
		}
		if inc.ModeSince != nil {
			d.Since = incDurationText(st.lang, s.now().Sub(*inc.ModeSince))
		}
	}
	events, err := s.store.IncidentEvents(ctx, inc.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Timeline = incTimeline(st.lang, names, events)
	slices.Reverse(d.Timeline) // newest first
	p := s.page(w, r, inc.Title, d)
	if ferr != nil {
		p.Errors, p.FormError = fieldErrors(st.lang, ferr), i18n.T(st.lang, messageKey(ferr))
	}
	s.render(w, r, status, "incident_detail", p)
}

// hoursText writes a cadence in hours for the form (6, 0.5).
func hoursText(d time.Duration) string {
	if d <= 0 {
		d = ceptor.DefaultCadence
	}
	return strconv.FormatFloat(d.Hours(), 'f', -1, 64)
}

// parseCadenceHours reads a cadence in hours; empty means the default (or,
// for an incident already in large-scale mode, no change).
func parseCadenceHours(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	h, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		return 0, ceptor.Invalid(map[string]string{"cadence": "severity.err.cadence"})
	}
	d := time.Duration(h * float64(time.Hour)).Round(time.Minute)
	if d < ceptor.MinCadence || d > ceptor.MaxCadence {
		return 0, ceptor.Invalid(map[string]string{"cadence": "severity.err.cadence"})
	}
	return d, nil
}

// incBack returns where to go after a form on the incident page: a local
// next (the suggestion page) or the incident.
func incBack(r *http.Request, id int64) string {
	if next := r.PostFormValue("next"); next != "" && safeNext(next) == next {
		return next
	}
	return "/incidents/" + toString(id)
}

// opAddReport groups a report the caller may see into an incident.
func (s *Server) opAddReport(r *http.Request, st *reqState, id, reportID int64) (*ceptor.Incident, error) {
	ctx := r.Context()
	inc, err := s.incFor(ctx, st, id, ceptor.ActUpdate)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.incVisibleReport(ctx, st.actor, reportID); err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, ceptor.Invalid(map[string]string{"report_id": "inc.err.report_unknown"})
		}
		return nil, err
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.AddReportToIncident(r.Context(), id, reportID, st.actor.OrgID, st.actor.UserID); err != nil {
			return err
		}
		s.audit(r, "incident.report_add", ceptor.KindIncident, id, inc.CreatedByOrg, map[string]any{"report_id": reportID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.incPublish(ctx, id)
	return s.store.FindIncident(ctx, id)
}

// opRemoveReport takes a report out of an incident.
func (s *Server) opRemoveReport(r *http.Request, st *reqState, id, reportID int64) error {
	ctx := r.Context()
	inc, err := s.incFor(ctx, st, id, ceptor.ActUpdate)
	if err != nil {
		return err
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.RemoveReportFromIncident(r.Context(), id, reportID, st.actor.OrgID, st.actor.UserID); err != nil {
			return err
		}
		s.audit(r, "incident.report_remove", ceptor.KindIncident, id, inc.CreatedByOrg, map[string]any{"report_id": reportID})
		return nil
	})
	if err != nil {
		return err
	}
	s.incPublish(ctx, id)
	return nil
}

// opAddNote appends a note to the timeline.
func (s *Server) opAddNote(r *http.Request, st *reqState, id int64, text string) (*ceptor.IncidentEvent, error) {
	ctx := r.Context()
	inc, err := s.incFor(ctx, st, id, ceptor.ActUpdate)
	if err != nil {
		return nil, err
	}
	detail, err := ceptor.NoteDetail(text)
	if err != nil {
		return nil, err
	}
	e := &ceptor.IncidentEvent{IncidentID: id, Kind: ceptor.EventNote, Detail: detail, OrgID: st.actor.OrgID, UserID: st.actor.UserID}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.AddIncidentEvent(r.Context(), e); err != nil {
			return err
		}
		s.audit(r, "incident.note", ceptor.KindIncident, id, inc.CreatedByOrg, map[string]any{"seq": e.Seq})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.incPublish(ctx, id)
	return e, nil
}

// opSetMode switches large-scale mode on (or changes its cadence) or off
// (with the after-action note). Every switch is audited.
func (s *Server) opSetMode(r *http.Request, st *reqState, id int64, on bool, cadence time.Duration, note string) (*ceptor.Incident, error) {
	ctx := r.Context()
	inc, err := s.incFor(ctx, st, id, ceptor.ActSwitchMode)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(incNewlines(note))
	if !on && note == "" {
		return nil, ceptor.Invalid(map[string]string{"note": "inc.err.after_action_required"})
	}
	var got *ceptor.Incident
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		if err := s.store.SetLargeScale(ctx, id, on, cadence, note, st.actor.OrgID, st.actor.UserID); err != nil {
			return err
		}
		var err error
		if got, err = s.store.FindIncident(ctx, id); err != nil {
			return err
		}
		action := "incident.mode_on"
		detail := map[string]any{"cadence_seconds": int64(got.Cadence / time.Second), "was_on": inc.LargeScale}
		if !on {
			action = "incident.mode_off"
			detail = map[string]any{"after_action_chars": len([]rune(note))}
			if inc.ModeSince != nil {
				detail["duration_seconds"] = int64(s.now().Sub(*inc.ModeSince) / time.Second)
			}
		}
		s.audit(r, action, ceptor.KindIncident, id, inc.CreatedByOrg, detail)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.incPublish(ctx, id)
	return got, nil
}

func (s *Server) incAddReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	raw := r.PostFormValue("report_id")
	rid, ok := parseID(strings.TrimPrefix(strings.TrimSpace(raw), "#"))
	var err error
	if !ok {
		err = ceptor.Invalid(map[string]string{"report_id": "inc.err.report_unknown"})
	} else {
		_, err = s.opAddReport(r, st, id, rid)
	}
	if err != nil {
		s.incFormFailed(w, r, st, id, incForm{Which: "report", ReportID: raw}, err)
		return
	}
	s.setFlash(w, "inc.flash.report_added")
	http.Redirect(w, r, incBack(r, id), http.StatusSeeOther)
}

// incFormFailed shows the incident page again with a form's error (a bad
// value, or a change the incident's state does not allow), or an error
// page for anything else.
func (s *Server) incFormFailed(w http.ResponseWriter, r *http.Request, st *reqState, id int64, form incForm, err error) {
	switch ceptor.ErrorCode(err) {
	case ceptor.EINVALID:
		s.renderIncDetail(w, r, st, id, http.StatusUnprocessableEntity, form, err)
	case ceptor.ECONFLICT:
		s.renderIncDetail(w, r, st, id, http.StatusConflict, form, err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) incRemoveReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	rid, ok := s.pathID(w, r, "rid")
	if !ok {
		return
	}
	if err := s.opRemoveReport(r, st, id, rid); err != nil {
		s.incFormFailed(w, r, st, id, incForm{}, err)
		return
	}
	s.setFlash(w, "inc.flash.report_removed")
	http.Redirect(w, r, incBack(r, id), http.StatusSeeOther)
}

func (s *Server) incAddNote(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	text := r.PostFormValue("note")
	if _, err := s.opAddNote(r, st, id, incNewlines(text)); err != nil {
		s.incFormFailed(w, r, st, id, incForm{Which: "note", Note: text}, err)
		return
	}
	s.setFlash(w, "inc.flash.note_added")
	http.Redirect(w, r, "/incidents/"+toString(id)+"#timeline", http.StatusSeeOther)
}

func (s *Server) incSetStatus(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	status := ceptor.IncidentStatus(r.PostFormValue("status"))
	_, err := s.opUpdateIncident(r, st, id, func(inc *ceptor.Incident) error { inc.Status = status; return nil })
	if err != nil {
		s.incFormFailed(w, r, st, id, incForm{Which: "status"}, err)
		return
	}
	s.setFlash(w, "inc.flash.status_changed")
	http.Redirect(w, r, "/incidents/"+toString(id), http.StatusSeeOther)
}

func (s *Server) incSetMode(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	on := r.PostFormValue("large_scale") == "1"
	form := incForm{Which: "mode", CadenceHours: r.PostFormValue("cadence_hours"), Note: r.PostFormValue("note")}
	cadence, err := parseCadenceHours(form.CadenceHours)
	if err == nil {
		_, err = s.opSetMode(r, st, id, on, cadence, form.Note)
	}
	if err != nil {
		s.incFormFailed(w, r, st, id, form, err)
		return
	}
	if on {
		s.setFlash(w, "inc.flash.mode_on")
	} else {
		s.setFlash(w, "inc.flash.mode_off")
	}
	http.Redirect(w, r, "/incidents/"+toString(id), http.StatusSeeOther)
}

// ---- grouping suggestions ----

// incSuggestion is one grouping suggestion the caller may see.
type incSuggestion struct {
	Incident   *ceptor.Incident // nil: reports that belong to no incident
	CanJoin    bool             // the caller may add the report to Incident
	Reports    []incMember
	Reasons    []ceptor.GroupingReason
	Indicators []ceptor.Indicator
	Supplier   string
	Sector     string
	Score      int
	NewURL     string // creating an incident from the report and these
}

type incSuggestData struct {
	Report    incMember
	Current   *ceptor.Incident // the incident the report belongs to, if visible
	InOther   bool             // it belongs to an incident the caller cannot see
	Items     []incSuggestion
	CanCreate bool
	NewURL    string
	Next      string
}

// incSuggestions runs SuggestGroupings for a report and keeps what the
// caller may see: incidents it may see, and of the reports only those the
// report policy lets it see (a suggestion left with none is dropped).
func (s *Server) incSuggestions(ctx context.Context, a *ceptor.Actor, reportID int64) ([]ceptor.GroupingSuggestion, error) {
	all, err := s.store.SuggestGroupings(ctx, reportID)
	if err != nil {
		return nil, err
	}
	out := []ceptor.GroupingSuggestion{}
	for _, g := range all {
		if g.IncidentID != 0 {
			if _, err := s.incVisible(ctx, a, g.IncidentID); err != nil {
				if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
					return nil, err
				}
				continue
			}
		}
		var kept []int64
		for _, id := range g.ReportIDs {
			if _, _, err := s.incVisibleReport(ctx, a, id); err == nil {
				kept = append(kept, id)
			}
		}
		if len(kept) == 0 {
			continue
		}
		g.ReportIDs = kept
		out = append(out, g)
	}
	return out, nil
}

func (s *Server) incSuggest(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rid, ok := parseID(r.URL.Query().Get("report"))
	if !ok {
		s.fail(w, r, regNotFound())
		return
	}
	rep, ref, err := s.incVisibleReport(ctx, st.actor, rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := incSuggestData{Report: s.incMemberOf(ctx, st.actor, names, rep, ref), CanCreate: incCan(st.actor, ceptor.ActCreate, nil),
		Next: r.URL.RequestURI()}
	d.NewURL = "/incidents/new?report=" + toString(rid)
	if iid, err := s.store.IncidentForReport(ctx, rid); err == nil {
		if inc, err := s.incVisible(ctx, st.actor, iid); err == nil {
			d.Current = inc
		} else {
			d.InOther = true
		}
	}
	list, err := s.incSuggestions(ctx, st.actor, rid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, g := range list {
		it := incSuggestion{Reasons: g.Reasons, Indicators: g.Indicators, Score: g.Score()}
		if g.IncidentID != 0 {
			inc, err := s.incVisible(ctx, st.actor, g.IncidentID)
			if err != nil {
				continue
			}
			it.Incident = inc
			it.CanJoin = d.Current == nil && !d.InOther && incCan(st.actor, ceptor.ActUpdate, inc) && inc.Status != ceptor.IncidentClosed
		}
		q := url.Values{"report": {toString(rid)}}
		for _, id := range g.ReportIDs {
			rep, ref, err := s.incVisibleReport(ctx, st.actor, id)
			if err != nil {
				continue
			}
			it.Reports = append(it.Reports, s.incMemberOf(ctx, st.actor, names, rep, ref))
			q.Add("report", toString(id))
		}
		it.NewURL = "/incidents/new?" + q.Encode()
		if g.SupplierOrgID != 0 {
			it.Supplier = names.Org(g.SupplierOrgID)
		}
		if g.SectorID != 0 {
			it.Sector = names.Sector(g.SectorID)
		}
		d.Items = append(d.Items, it)
	}
	s.render(w, r, http.StatusOK, "incident_suggest", s.page(w, r, i18n.T(st.lang, "severity.grouping.title"), d))
}
