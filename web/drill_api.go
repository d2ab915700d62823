package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"ceptor"
)

// The drills API (セプター訓練). Every operation goes through drill_ops.go,
// so the policy decides the same way as on the pages.

// drillView is a drill as its reader may see it.
type drillView struct {
	Drill   *ceptor.Drill `json:"drill"`
	Actions drillActions  `json:"actions"`
	// Own is the caller's organisation's part (participants only).
	Own *drillOwn `json:"own,omitempty"`
}

// drillActions says what the caller may do now.
type drillActions struct {
	Edit      bool `json:"edit"`
	Start     bool `json:"start"`
	Close     bool `json:"close"`
	Results   bool `json:"results"`
	SelfCheck bool `json:"self_check"`
	Report    bool `json:"report"`
}

// drillOwn is the caller's organisation's part in a started drill.
type drillOwn struct {
	// Receipt: its state as a recipient of the drill advisory.
	Receipt *ceptor.AdvisoryRecipient `json:"receipt,omitempty"`
	// Hop: the organisation relays the drill advisory (a ministry or
	// secretariat); HopConfirmedAt is when it confirmed receipt as a hop.
	Hop            bool              `json:"hop,omitempty"`
	HopConfirmedAt *time.Time        `json:"hop_confirmed_at,omitempty"`
	SelfCheck      *ceptor.SelfCheck `json:"self_check,omitempty"`
	ReportID       int64             `json:"report_id,omitempty"`
}

// drillStartAnswer is the answer of POST .../start.
type drillStartAnswer struct {
	Drill        *ceptor.Drill `json:"drill"`
	AdvisoryID   int64         `json:"advisory_id"`
	Recipients   int           `json:"recipients"`
	Hops         int           `json:"hops"`
	Queued       int           `json:"queued_deliveries"`
	Participants int           `json:"participants"`
}

// drillStatsAnswer is the answer of GET /api/v1/stats/drills.
type drillStatsAnswer struct {
	// Years: participation and outcome per fiscal year (oldest first);
	// rows with reference set are published figures from before ceptor.
	Years []ceptor.DrillYear `json:"years"`
	// Year is the requested fiscal year's row, when one was asked for.
	Year *ceptor.DrillYear `json:"year,omitempty"`
}

var drillListParams = []apiParam{
	{Name: "fiscal_year", Type: "integer", Description: "Only drills whose window starts in this fiscal year (April-March, Japan time)."},
	{Name: "status", Description: "State.", Enum: []string{"planned", "running", "closed"}},
}

func (s *Server) routesAPIDrills() {
	nf := []int{http.StatusNotFound}
	wr := []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	const vis = " CEPTOR secretariats and members of the chosen CEPTORs, and the ministries of their sectors, see a drill once it is announced or has started; an unannounced drill is NISC's alone until it starts."
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/drills", Summary: "List CEPTOR drills", Tag: "drills", Scope: ceptor.ScopeRead,
		Description: "The drills the caller may see, latest window first." + vis,
		Query:       drillListParams, Response: ListResponse[*ceptor.Drill]{}, Errors: []int{http.StatusUnprocessableEntity}}, s.apiListDrills)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/drills", Summary: "Plan a CEPTOR drill", Tag: "drills", Scope: ceptor.ScopeWrite,
		Description: "NISC only. downward: 情報提供訓練 (receipt confirmation); upward: 情報連絡訓練 (each participating operator sends a drill report, under 被害あり when assume_damage). channel alternate: the drill message goes to the alternate contacts only (no in-app delivery). Times: RFC 3339 or YYYY-MM-DDTHH:MM Japan time.",
		Body:        drillInput{}, Response: &drillView{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateDrill)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/drills/{id}", Summary: "Get a CEPTOR drill", Tag: "drills", Scope: ceptor.ScopeRead,
		Description: "With what the caller may do and, for participants, their own receipt, self-check sheet and drill report." + vis,
		Response:    &drillView{}, Errors: nf}, s.apiGetDrill)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/drills/{id}", Summary: "Change a planned drill", Tag: "drills", Scope: ceptor.ScopeWrite,
		Description: "Fields left out keep their value. Only planned drills change.",
		Body:        drillInput{}, Response: &drillView{}, Errors: wr}, s.apiUpdateDrill)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/drills/{id}/start", Summary: "Start a drill", Tag: "drills", Scope: ceptor.ScopeWrite,
		Description: "Publishes the drill advisory (category drill, marked 訓練, never counted as a real advisory) to the chosen CEPTORs through the relay chain and queues every delivery, and fixes the participants, in one transaction.",
		Response:    drillStartAnswer{}, Errors: wr}, s.apiStartDrill)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/drills/{id}/close", Summary: "Close a running drill", Tag: "drills", Scope: ceptor.ScopeWrite,
		Description: "No more drill reports; self-check sheets may still be filled in.",
		Response:    &drillView{}, Errors: wr}, s.apiCloseDrill)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/drills/{id}/results", Summary: "Drill results", Tag: "drills", Scope: ceptor.ScopeRead,
		Description: "Receipt confirmation of the drill advisory overall, per hop and per CEPTOR, time to confirm (buckets and median), organisations not reached with the follow-up reason, the share of operators that sent a drill report and time to report, and the self-check sheets. NISC sees everything; a ministry or secretariat what lies behind it.",
		Response:    &ceptor.DrillResults{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.apiDrillResults)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/drills/{id}/selfcheck", Summary: "The caller's organisation's self-check sheet", Tag: "drills", Scope: ceptor.ScopeRead,
		Description: "Not found until it is filled in.",
		Response:    &ceptor.SelfCheck{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.apiGetSelfCheck)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/drills/{id}/selfcheck", Summary: "Fill in the self-check sheet", Tag: "drills", Scope: ceptor.ScopeWrite,
		Description: "For the caller's organisation, once the drill has started (also after it closed). arrived: yes, late or no; channel: inbox, email, webhook, phone, fax or other; notice_minutes: minutes until someone noticed the message; handler, problems, improvements: free text.",
		Body:        selfCheckInput{}, Response: &ceptor.SelfCheck{}, Errors: wr}, s.apiPutSelfCheck)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/drills/{id}/reports", Summary: "Send a drill report (情報連絡訓練)", Tag: "drills", Scope: ceptor.ScopeWrite,
		Description: "An operator of a chosen CEPTOR, while an upward drill runs: a report marked as a drill (never counted in real statistics) travels the chosen route and is linked to the drill. damage defaults to the drill's 被害あり assumption.",
		Body:        drillReportInput{}, Response: drillReportAnswer{}, Status: http.StatusCreated, Errors: wr}, s.apiDrillReport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/stats/drills", Summary: "Drill participation per fiscal year", Tag: "drills", Scope: ceptor.ScopeRead,
		Description: "Participating CEPTORs and organisations (参加事業者等), drills, receipt confirmation rate and median time to confirm of the drill advisories, per fiscal year; years before ceptor show the published figures (reference: true). Drill figures only: drills never enter the real advisory and report counts.",
		Query:       []apiParam{{Name: "fiscal_year", Type: "integer", Description: "Also return this fiscal year's row on its own."}},
		Response:    drillStatsAnswer{}, Errors: []int{http.StatusUnprocessableEntity}}, s.apiDrillStats)
}

// drillView builds the view of a drill for the caller.
func (s *Server) drillView(ctx context.Context, st *reqState, d *ceptor.Drill, res ceptor.Resource) (*drillView, error) {
	a := st.actor
	v := &drillView{Drill: d, Actions: drillActions{
		Edit:      ceptor.Allow(a, ceptor.ActUpdate, res),
		Start:     ceptor.Allow(a, ceptor.ActStart, res),
		Close:     ceptor.Allow(a, ceptor.ActClose, res),
		Results:   ceptor.Allow(a, ceptor.ActExport, res),
		SelfCheck: ceptor.Allow(a, ceptor.ActSelfCheck, res),
		Report:    ceptor.Allow(a, ceptor.ActDrillReport, res),
	}}
	if d.Status == ceptor.DrillPlanned || a.OrgType == ceptor.OrgNISC {
		return v, nil
	}
	own := &drillOwn{}
	if d.AdvisoryID != 0 {
		if rec, err := s.store.AdvisoryRecipient(ctx, d.AdvisoryID, a.OrgID); err == nil {
			own.Receipt = rec
		} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			return nil, err
		}
		hops, err := s.store.AdvisoryHops(ctx, d.AdvisoryID)
		if err != nil {
			return nil, err
		}
		for _, h := range hops {
			if h.OrgID == a.OrgID && h.ReceivedAt != nil {
				own.Hop, own.HopConfirmedAt = true, h.ConfirmedAt
			}
		}
	}
	if c, err := s.store.SelfCheck(ctx, d.ID, a.OrgID); err == nil {
		own.SelfCheck = c
	} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		return nil, err
	}
	if v.Actions.Report || d.Upward {
		parts, err := s.store.DrillParticipants(ctx, d.ID, nil)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			if p.OrgID == a.OrgID {
				own.ReportID = p.ReportID
			}
		}
		if own.ReportID != 0 {
			v.Actions.Report = false // one drill report per organisation
		}
	}
	if own.Receipt != nil || own.Hop || own.SelfCheck != nil || own.ReportID != 0 || v.Actions.SelfCheck {
		v.Own = own
	}
	return v, nil
}

func (s *Server) apiDrillAnswer(w http.ResponseWriter, r *http.Request, st *reqState, status int, id int64) {
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.drillView(r.Context(), st, d, res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// drillFilter reads the list filter.
func drillFilter(r *http.Request, now func() int) (ceptor.DrillFilter, error) {
	q := r.URL.Query()
	f := ceptor.DrillFilter{Status: ceptor.DrillStatus(q.Get("status"))}
	if f.Status != "" && f.Status != ceptor.DrillPlanned && f.Status != ceptor.DrillRunning && f.Status != ceptor.DrillClosed {
		return f, ceptor.Invalid(map[string]string{"status": "drills.err_status"})
	}
	if v := q.Get("fiscal_year"); v != "" {
		fy, err := strconv.Atoi(v)
		if err != nil || fy < ceptor.FirstFiscalYear || fy > now()+1 {
			return f, ceptor.Invalid(map[string]string{"fiscal_year": "stats.err.fiscal_year"})
		}
		f.FiscalYear = fy
	}
	return f, nil
}

func (s *Server) currentFY() int { return ceptor.FiscalYear(s.now()) }

func (s *Server) apiListDrills(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	f, err := drillFilter(r, s.currentFY)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.visibleDrills(r.Context(), st, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, list, len(list), 500, 0))
}

func (s *Server) apiCreateDrill(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in drillInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.drillCreate(r, st, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiDrillAnswer(w, r, st, http.StatusCreated, d.ID)
}

func (s *Server) apiGetDrill(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.apiDrillAnswer(w, r, st, http.StatusOK, id)
}

func (s *Server) apiUpdateDrill(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in drillInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.drillUpdate(r, st, id, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiDrillAnswer(w, r, st, http.StatusOK, id)
}

func (s *Server) apiStartDrill(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	out, err := s.drillStart(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.store.FindDrill(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, drillStartAnswer{Drill: d, AdvisoryID: out.Advisory.ID, Recipients: out.Publish.Recipients, Hops: out.Publish.Hops,
		Queued: len(out.Publish.Deliveries), Participants: out.Participants})
}

func (s *Server) apiCloseDrill(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.drillClose(r, st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiDrillAnswer(w, r, st, http.StatusOK, id)
}

func (s *Server) apiDrillResults(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	res, err := s.drillResults(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiGetSelfCheck(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, _, err := s.findDrill(r.Context(), st.actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.store.SelfCheck(r.Context(), id, st.actor.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiPutSelfCheck(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in selfCheckInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.drillSaveSelfCheck(r, st, id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiDrillReport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in drillReportInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	ans, err := s.drillSendReport(r, st, id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ans)
}

func (s *Server) apiDrillStats(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindDrill}); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := drillFilter(r, s.currentFY)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ys, err := s.drillYears(r.Context(), st.lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans := drillStatsAnswer{Years: ys}
	if f.FiscalYear != 0 {
		y := ceptor.DrillYear{FiscalYear: f.FiscalYear, Label: ceptor.FiscalYearLabel(f.FiscalYear, st.lang)}
		for _, x := range ys {
			if x.FiscalYear == f.FiscalYear {
				y = x
			}
		}
		ans.Year = &y
	}
	writeJSON(w, http.StatusOK, ans)
}
