package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The JSON API of severity evaluations, incidents, large-scale mode and the
// sector guidance. It calls the same op* functions as the pages, so the
// policy, the audit log and the live updates are the same whichever way a
// change comes in.

// apiSuggestionReason is one reason of a guidance suggestion, in the
// caller's language as well as its message key.
type apiSuggestionReason struct {
	Viewpoint ceptor.Viewpoint     `json:"viewpoint"`
	Level     ceptor.SeverityLevel `json:"level"`
	Key       string               `json:"key"`
	Text      string               `json:"text"`
}

// apiSuggestion is what the sector guidance suggests for a report.
type apiSuggestion struct {
	// SectorID is the sector whose guidance was used (0: the defaults).
	SectorID   int64                 `json:"sector_id"`
	Continuity ceptor.SeverityLevel  `json:"continuity"`
	Safety     ceptor.SeverityLevel  `json:"safety"`
	Trust      ceptor.SeverityLevel  `json:"trust"`
	Overall    ceptor.SeverityLevel  `json:"overall"`
	Reasons    []apiSuggestionReason `json:"reasons"`
}

// apiSeverity is a subject's severity: the current evaluation, the history
// (oldest first) and, for reports, the guidance suggestion.
type apiSeverity struct {
	Current    *ceptor.Evaluation   `json:"current"`
	History    []*ceptor.Evaluation `json:"history"`
	Suggestion *apiSuggestion       `json:"suggestion,omitempty"`
	// CanEvaluate and CanFinal say what the caller may record.
	CanEvaluate bool `json:"can_evaluate"`
	CanFinal    bool `json:"can_final"`
}

// apiIncident is an incident in lists.
type apiIncident struct {
	ID              int64                 `json:"id"`
	Title           string                `json:"title"`
	Summary         string                `json:"summary"`
	Status          ceptor.IncidentStatus `json:"status"`
	TLP             ceptor.TLP            `json:"tlp"`
	SectorIDs       []int64               `json:"sector_ids"`
	ManualSectorIDs []int64               `json:"manual_sector_ids"`
	LargeScale      bool                  `json:"large_scale"`
	CadenceSeconds  int64                 `json:"cadence_seconds"`
	ModeSince       *time.Time            `json:"mode_since,omitempty"`
	CreatedByOrg    int64                 `json:"created_by_org"`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
	ClosedAt        *time.Time            `json:"closed_at,omitempty"`
	CurrentSeverity *ceptor.Evaluation    `json:"current_severity"`
}

// apiAffected is one row of the situation board. Reporter is the
// organisation's name only when the caller may know who reported; an
// anonymous reporter is always "a member of CEPTOR X" and never has an
// org_id.
type apiAffected struct {
	ReportID   int64               `json:"report_id"`
	CanView    bool                `json:"can_view"` // the caller may open the report
	Reporter   string              `json:"reporter"`
	Masked     bool                `json:"masked"`
	Anonymous  bool                `json:"anonymous"`
	OrgID      int64               `json:"org_id,omitempty"`
	CeptorID   int64               `json:"ceptor_id,omitempty"`
	SectorID   int64               `json:"sector_id"`
	TLP        ceptor.TLP          `json:"tlp"`
	Version    int                 `json:"version"`
	Status     ceptor.ReportStatus `json:"status"`
	Drill      bool                `json:"drill"`
	LastUpdate time.Time           `json:"last_update"`
	AddedAt    time.Time           `json:"added_at"`
	// UpdateDue is when the next update is owed in large-scale mode.
	UpdateDue  *time.Time         `json:"update_due,omitempty"`
	Overdue    bool               `json:"overdue"`
	Evaluation *ceptor.Evaluation `json:"evaluation"`
}

// apiIncidentDetail is an incident with its reports, board and timeline.
type apiIncidentDetail struct {
	apiIncident
	// ReportIDs are the member reports the caller may see; HiddenReports
	// counts the others.
	ReportIDs     []int64                 `json:"report_ids"`
	HiddenReports int                     `json:"hidden_reports"`
	Affected      []apiAffected           `json:"affected"`
	Timeline      []*ceptor.IncidentEvent `json:"timeline"`
}

// apiModeInput switches large-scale mode.
type apiModeInput struct {
	LargeScale bool `json:"large_scale"`
	// CadenceHours is the update cadence (0.5 to 168; 0 or absent: 6 hours,
	// or unchanged when the mode is already on).
	CadenceHours float64 `json:"cadence_hours"`
	// Note is the after-action note, required when switching off.
	Note string `json:"note"`
}

type apiReportRef struct {
	ReportID int64 `json:"report_id"`
}

type apiNoteInput struct {
	Text string `json:"text"`
}

// apiIncidentPatch changes an incident; fields left out stay.
type apiIncidentPatch struct {
	Title           *string                `json:"title"`
	Summary         *string                `json:"summary"`
	TLP             *string                `json:"tlp"`
	Status          *ceptor.IncidentStatus `json:"status"`
	ManualSectorIDs *[]int64               `json:"manual_sector_ids"`
}

// apiGuidanceInput replaces a sector's guidance.
type apiGuidanceInput struct {
	Levels []ceptor.GuidanceLevel `json:"levels"`
}

// apiGuidance is a sector's effective guidance.
type apiGuidance struct {
	// SectorID is the sector asked about (0: the defaults); Own says
	// whether it has guidance of its own or uses the defaults.
	SectorID int64            `json:"sector_id"`
	Own      bool             `json:"own"`
	Guidance *ceptor.Guidance `json:"guidance"`
}

type apiGuidanceList struct {
	Items []*ceptor.Guidance `json:"items"`
}

func (s *Server) routesAPIIncidents() {
	nf := []int{http.StatusNotFound}
	wr := []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}
	wrc := []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	page := []apiParam{
		{Name: "limit", Type: "integer", Description: "Items per page, 1-500 (default 50)."},
		{Name: "offset", Type: "integer", Description: "Items to skip (default 0)."},
	}
	statuses := []string{}
	for _, x := range ceptor.IncidentStatuses {
		statuses = append(statuses, string(x))
	}

	// Severity of reports.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/reports/{id}/severity", Summary: "Get a report's severity evaluations", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "The current evaluation (the latest final one, else the latest provisional one), the history oldest first, and what the sector guidance suggests from the report's users affected and outage. Anyone who may see the report may read them.",
		Response:    &apiSeverity{}, Errors: nf}, s.apiReportSeverity)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/reports/{id}/severity", Summary: "Evaluate a report's severity", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "Records a new evaluation on the three viewpoints (continuity, safety, trust), each 0 なし to 4 危機 with a reason for any level above 0; the overall level is the highest. NISC records final or provisional evaluations, the ministry on the report's route provisional ones only (final: true is refused with 403).",
		Body:        evalInput{}, Response: &ceptor.Evaluation{}, Status: http.StatusCreated, Errors: wr}, s.apiEvaluate(ceptor.SubjectReport))
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/reports/{id}/suggestions", Summary: "Suggest incidents or reports to group a report with", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "Candidates sharing an indicator, the same supplier, or the same sector within 72 hours, best first. Only incidents and reports the caller may see are listed.",
		Response:    ListResponse[ceptor.GroupingSuggestion]{}, Errors: nf}, s.apiReportSuggestions)

	// Incidents.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/incidents", Summary: "List incidents", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "Newest first. Only the incidents the caller may see are listed and counted: NISC sees all; a ministry those touching a sector it oversees; incident-handling, disaster and security agencies those in large-scale mode marked TLP:AMBER or wider.",
		Query: append([]apiParam{
			{Name: "status", Description: "Incident status.", Enum: statuses},
			{Name: "large_scale", Type: "boolean", Description: "true: in large-scale mode only; false: normal mode only."},
		}, page...), Response: ListResponse[apiIncident]{}}, s.apiIncidents)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/incidents", Summary: "Create an incident", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "NISC administrators and analysts. title is required; tlp defaults to amber. report_ids groups reports into it at once (each must be visible to the caller); one that already belongs to another incident is left there.",
		Body:        incInput{}, Response: &apiIncidentDetail{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateIncident)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/incidents/{id}", Summary: "Get an incident", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "With the member reports the caller may see, the situation board's rows (reporters masked as the policy requires: an anonymous reporter is only ever \"a member of CEPTOR X\"), the current severity and the timeline.",
		Response:    &apiIncidentDetail{}, Errors: nf}, s.apiIncident)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/incidents/{id}", Summary: "Change an incident", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "NISC. Fields left out stay as they are. Closing an incident needs large-scale mode off first (409).",
		Body:        apiIncidentPatch{}, Response: &apiIncidentDetail{}, Errors: wrc}, s.apiUpdateIncident)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/incidents/{id}/reports", Summary: "Add a report to an incident", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "NISC. The report must be visible to the caller and not a draft; a report belongs to at most one incident (409), and a closed incident takes none.",
		Body:        apiReportRef{}, Response: &apiIncidentDetail{}, Errors: wrc}, s.apiAddIncidentReport)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/incidents/{id}/reports/{report_id}", Summary: "Remove a report from an incident", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "NISC. A closed incident is a record and cannot change (409).",
		Status:      http.StatusNoContent, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict}}, s.apiRemoveIncidentReport)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/incidents/{id}/mode", Summary: "Switch large-scale mode", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "NISC switches the incident to 大規模重要インフラサービス障害対応時 (large_scale: true, with an update cadence) or back (large_scale: false, with the after-action note, which is required). Switching on again changes the cadence. Every switch is audited and recorded in the timeline.",
		Body:        apiModeInput{}, Response: &apiIncidentDetail{}, Errors: wrc}, s.apiSetMode)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/incidents/{id}/severity", Summary: "Get an incident's severity evaluations", Tag: "incidents", Scope: ceptor.ScopeRead,
		Response: &apiSeverity{}, Errors: nf}, s.apiIncidentSeverity)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/incidents/{id}/severity", Summary: "Evaluate an incident's severity", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "As for reports: NISC final or provisional, an affected sector's ministry provisional only. The evaluation also enters the timeline.",
		Body:        evalInput{}, Response: &ceptor.Evaluation{}, Status: http.StatusCreated, Errors: wr}, s.apiEvaluate(ceptor.SubjectIncident))
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/incidents/{id}/notes", Summary: "Add a note to an incident's timeline", Tag: "incidents", Scope: ceptor.ScopeWrite,
		Description: "NISC. At most 10,000 characters.",
		Body:        apiNoteInput{}, Response: &ceptor.IncidentEvent{}, Status: http.StatusCreated, Errors: wrc}, s.apiAddIncidentNote)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/incidents/{id}/suggestions", Summary: "Suggest reports or incidents related to an incident", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "With report: the grouping suggestions for that report (which need not belong to the incident yet). Without: the suggestions for every member report merged, leaving out the incident itself. Only what the caller may see is listed.",
		Query:       []apiParam{{Name: "report", Type: "integer", Description: "A report id."}},
		Response:    ListResponse[ceptor.GroupingSuggestion]{}, Errors: nf}, s.apiIncidentSuggestions)

	// Sector guidance.
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/severity/guidance", Summary: "List the severity guidance thresholds", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "The defaults (sector_id 0) first, then every sector that has its own.",
		Response:    &apiGuidanceList{}}, s.apiGuidanceList)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/severity/guidance/{sector}", Summary: "Get a sector's severity guidance", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "sector is a sector id or code, or default. A sector without guidance of its own answers the defaults (own: false).",
		Response:    &apiGuidance{}, Errors: nf}, s.apiGuidance)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/severity/guidance/{sector}", Summary: "Set a sector's severity guidance", Tag: "incidents", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators. sector is a sector id or code, or default for the defaults every other sector uses. levels lists levels 1-4 with their thresholds; continuity criteria are alternatives, safety criteria joint.",
		Body:        apiGuidanceInput{}, Response: &apiGuidance{}, Errors: wr}, s.apiSetGuidance)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/severity/guidance/{sector}", Summary: "Drop a sector's own severity guidance", Tag: "incidents", Scope: ceptor.ScopeAdmin,
		Description: "NISC administrators. The sector uses the defaults again; the defaults themselves cannot be dropped (422).",
		Status:      http.StatusNoContent, Errors: wr}, s.apiDeleteGuidance)
}

// ---- severity ----

// apiSeverityOf reads a subject's history and what the caller may record.
func (s *Server) apiSeverityOf(ctx context.Context, st *reqState, subject ceptor.EvalSubject, id int64, res ceptor.Resource) (*apiSeverity, error) {
	hist, err := s.store.Evaluations(ctx, subject, id)
	if err != nil {
		return nil, err
	}
	out := &apiSeverity{History: hist, Current: ceptor.CurrentOf(hist)}
	out.CanEvaluate = ceptor.Allow(st.actor, ceptor.ActEvaluate, res)
	res.FinalEvaluation = true
	out.CanFinal = ceptor.Allow(st.actor, ceptor.ActEvaluate, res)
	return out, nil
}

func (s *Server) apiReportSeverity(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	rep, ref, err := s.incVisibleReport(ctx, st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.apiSeverityOf(ctx, st, ceptor.SubjectReport, id, incReportRes(rep, ref))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.store.Guidance(ctx, rep.SectorID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := reportFacts(rep, s.now())
	sg := &apiSuggestion{SectorID: g.SectorID, Reasons: []apiSuggestionReason{}}
	var reasons []ceptor.SuggestionReason
	sg.Continuity, sg.Safety, sg.Trust, reasons = ceptor.SuggestLevels(*g, f.Users, f.Outage, false, f.SafetyHarm, false)
	sg.Overall = ceptor.MaxSeverity(sg.Continuity, sg.Safety, sg.Trust)
	for _, rs := range reasons {
		sg.Reasons = append(sg.Reasons, apiSuggestionReason{Viewpoint: rs.Viewpoint, Level: rs.Level, Key: rs.Key, Text: i18n.T(st.lang, rs.Key, rs.Args...)})
	}
	out.Suggestion = sg
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiIncidentSeverity(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	inc, err := s.incVisible(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.apiSeverityOf(r.Context(), st, ceptor.SubjectIncident, id, inc.Ref().Resource())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiEvaluate(subject ceptor.EvalSubject) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.apiActor(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		// Levels left out are not "none": they must be given.
		in := evalInput{Continuity: -1, Safety: -1, Trust: -1}
		if err := decodeJSON(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		e, err := s.opEvaluate(r, st, subject, id, in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, e)
	}
}

// ---- incidents ----

func (s *Server) apiIncidentOf(ctx context.Context, inc *ceptor.Incident) (apiIncident, error) {
	out := apiIncident{ID: inc.ID, Title: inc.Title, Summary: inc.Summary, Status: inc.Status, TLP: inc.TLP,
		SectorIDs: inc.SectorIDs, ManualSectorIDs: inc.ManualSectorIDs, LargeScale: inc.LargeScale,
		CadenceSeconds: int64(inc.Cadence / time.Second), ModeSince: inc.ModeSince, CreatedByOrg: inc.CreatedByOrg,
		CreatedAt: inc.CreatedAt, UpdatedAt: inc.UpdatedAt, ClosedAt: inc.ClosedAt}
	if out.SectorIDs == nil {
		out.SectorIDs = []int64{}
	}
	if out.ManualSectorIDs == nil {
		out.ManualSectorIDs = []int64{}
	}
	e, err := s.store.CurrentEvaluation(ctx, ceptor.SubjectIncident, inc.ID)
	switch {
	case err == nil:
		out.CurrentSeverity = e
	case ceptor.ErrorCode(err) != ceptor.ENOTFOUND:
		return out, err
	}
	return out, nil
}

// apiIncidentDetailOf builds the full view of an incident for the caller.
func (s *Server) apiIncidentDetailOf(ctx context.Context, st *reqState, inc *ceptor.Incident) (*apiIncidentDetail, error) {
	base, err := s.apiIncidentOf(ctx, inc)
	if err != nil {
		return nil, err
	}
	out := &apiIncidentDetail{apiIncident: base, ReportIDs: []int64{}, Affected: []apiAffected{}}
	ids, err := s.store.IncidentReports(ctx, inc.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, _, err := s.incVisibleReport(ctx, st.actor, id); err == nil {
			out.ReportIDs = append(out.ReportIDs, id)
		} else {
			out.HiddenReports++
		}
	}
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		return nil, err
	}
	rows, _, err := s.incRows(ctx, st.actor, inc, names, s.now())
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		a := apiAffected{ReportID: row.ReportID, CanView: row.CanOpen, Reporter: row.Reporter, Masked: row.Masked, Anonymous: row.Anonymous,
			OrgID: row.OrgID, CeptorID: row.CeptorID, SectorID: row.SectorID, TLP: row.TLP, Version: row.Version, Status: row.Status,
			Drill: row.Drill, LastUpdate: row.LastUpdate, AddedAt: row.AddedAt, Overdue: row.Overdue, Evaluation: row.Eval}
		if !row.Due.IsZero() {
			due := row.Due
			a.UpdateDue = &due
		}
		out.Affected = append(out.Affected, a)
	}
	if out.Timeline, err = s.store.IncidentEvents(ctx, inc.ID); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) writeIncident(w http.ResponseWriter, r *http.Request, st *reqState, id int64, status int) {
	inc, err := s.incVisible(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.apiIncidentDetailOf(r.Context(), st, inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) apiIncidents(w http.ResponseWriter, r *http.Request) {
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
	f := ceptor.IncidentFilter{Visible: incVisibleFilter(st.actor), Limit: limit, Offset: offset}
	bad := map[string]string{}
	if v := q.Get("status"); v != "" {
		if !ceptor.IncidentStatus(v).Valid() {
			bad["status"] = "severity.err.incident_status"
		}
		f.Status = ceptor.IncidentStatus(v)
	}
	if v := q.Get("large_scale"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad["large_scale"] = "err.type"
		}
		f.LargeScale = &b
	}
	if len(bad) > 0 {
		s.fail(w, r, ceptor.Invalid(bad))
		return
	}
	list, total, err := s.store.ListIncidents(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiIncident, 0, len(list))
	for _, inc := range list {
		it, err := s.apiIncidentOf(r.Context(), inc)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items = append(items, it)
	}
	writeJSON(w, http.StatusOK, newList(r, items, total, limit, offset))
}

func (s *Server) apiIncident(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.writeIncident(w, r, st, id, http.StatusOK)
}

func (s *Server) apiCreateIncident(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in incInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	inc, _, err := s.opCreateIncident(r, st, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeIncident(w, r, st, inc.ID, http.StatusCreated)
}

func (s *Server) apiUpdateIncident(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var p apiIncidentPatch
	if err := decodeJSON(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.opUpdateIncident(r, st, id, func(inc *ceptor.Incident) error {
		if p.Title != nil {
			inc.Title = *p.Title
		}
		if p.Summary != nil {
			inc.Summary = *p.Summary
		}
		if p.TLP != nil {
			t, ok := ceptor.ParseTLP(*p.TLP)
			if !ok {
				return ceptor.Invalid(map[string]string{"tlp": "severity.err.tlp"})
			}
			inc.TLP = t
		}
		if p.Status != nil {
			inc.Status = *p.Status
		}
		if p.ManualSectorIDs != nil {
			inc.ManualSectorIDs = *p.ManualSectorIDs
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeIncident(w, r, st, id, http.StatusOK)
}

func (s *Server) apiAddIncidentReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in apiReportRef
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.ReportID <= 0 {
		// The incident's existence is checked first: an unknown incident
		// is 404 whatever the body says.
		if _, err := s.incFor(r.Context(), st, id, ceptor.ActUpdate); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, ceptor.Invalid(map[string]string{"report_id": "err.required"}))
		return
	}
	if _, err := s.opAddReport(r, st, id, in.ReportID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeIncident(w, r, st, id, http.StatusOK)
}

func (s *Server) apiRemoveIncidentReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	rid, ok := s.pathID(w, r, "report_id")
	if !ok {
		return
	}
	if err := s.opRemoveReport(r, st, id, rid); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSetMode(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in apiModeInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	var cadence time.Duration
	if in.CadenceHours != 0 {
		var err error
		if cadence, err = parseCadenceHours(strconv.FormatFloat(in.CadenceHours, 'f', -1, 64)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if _, err := s.opSetMode(r, st, id, in.LargeScale, cadence, in.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeIncident(w, r, st, id, http.StatusOK)
}

func (s *Server) apiAddIncidentNote(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in apiNoteInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.opAddNote(r, st, id, in.Text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

// ---- suggestions ----

func (s *Server) apiReportSuggestions(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, _, err := s.incVisibleReport(r.Context(), st.actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.incSuggestions(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, list, len(list), max(len(list), 1), 0))
}

func (s *Server) apiIncidentSuggestions(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	if _, err := s.incVisible(ctx, st.actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	var reports []int64
	if v := r.URL.Query().Get("report"); v != "" {
		rid, ok := parseID(v)
		if !ok {
			s.fail(w, r, ceptor.Invalid(map[string]string{"report": "err.type"}))
			return
		}
		if _, _, err := s.incVisibleReport(ctx, st.actor, rid); err != nil {
			s.fail(w, r, err)
			return
		}
		reports = []int64{rid}
	} else {
		members, err := s.store.IncidentReports(ctx, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, rid := range members {
			if _, _, err := s.incVisibleReport(ctx, st.actor, rid); err == nil {
				reports = append(reports, rid)
			}
		}
	}
	out := []ceptor.GroupingSuggestion{}
	seen := map[string]bool{}
	for _, rid := range reports {
		list, err := s.incSuggestions(ctx, st.actor, rid)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, g := range list {
			if g.IncidentID == id && len(reports) > 1 {
				continue // the incident itself
			}
			key := "i" + strconv.FormatInt(g.IncidentID, 10)
			if g.IncidentID == 0 {
				key = "r" + strconv.FormatInt(g.ReportIDs[0], 10)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, g)
		}
	}
	writeJSON(w, http.StatusOK, newList(r, out, len(out), max(len(out), 1), 0))
}

// ---- guidance ----

// apiGuidanceSector resolves {sector}: "default" (or 0), an id or a code.
func (s *Server) apiGuidanceSector(ctx context.Context, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "default" || v == "0" {
		return 0, nil
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return 0, err
	}
	id, ok := rf.sectorRef(v)
	if !ok {
		return 0, regNotFound()
	}
	return id, nil
}

func (s *Server) apiGuidanceList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindSector}); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.ListGuidance(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiGuidanceList{Items: list})
}

func (s *Server) guidanceView(ctx context.Context, sector int64) (*apiGuidance, error) {
	g, err := s.store.Guidance(ctx, sector)
	if err != nil {
		return nil, err
	}
	return &apiGuidance{SectorID: sector, Own: g.SectorID == sector, Guidance: g}, nil
}

func (s *Server) apiGuidance(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindSector}); err != nil {
		s.fail(w, r, err)
		return
	}
	sector, err := s.apiGuidanceSector(r.Context(), r.PathValue("sector"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.guidanceView(r.Context(), sector)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiSetGuidance(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	sector, err := s.apiGuidanceSector(ctx, r.PathValue("sector"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := regAuthorize(st, ceptor.ActUpdate, ceptor.Resource{Kind: ceptor.KindSector}); err != nil {
		s.fail(w, r, err)
		return
	}
	var in apiGuidanceInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	g := &ceptor.Guidance{SectorID: sector, Levels: in.Levels, UpdatedBy: st.actor.UserID}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.SetGuidance(r.Context(), g); err != nil {
			return err
		}
		s.audit(r, "severity.guidance_update", ceptor.KindSector, sector, 0, map[string]any{"sector_id": sector, "levels": g.Levels})
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.guidanceView(ctx, sector)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDeleteGuidance(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	sector, err := s.apiGuidanceSector(ctx, r.PathValue("sector"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := regAuthorize(st, ceptor.ActUpdate, ceptor.Resource{Kind: ceptor.KindSector}); err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.DeleteGuidance(r.Context(), sector); err != nil {
			return err
		}
		s.audit(r, "severity.guidance_delete", ceptor.KindSector, sector, 0, map[string]any{"sector_id": sector})
		return nil
	})
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			// No guidance of its own: nothing to drop, the defaults apply.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
