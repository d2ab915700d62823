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

// Severity evaluation pages (深刻度評価): for a report and for an incident,
// the three viewpoints with a level and a reason each, the suggestion of
// the sector guidance, provisional or final, and the history. The guidance
// thresholds themselves are edited by NISC administrators at
// /severity/guidance.

func (s *Server) routesSeverity() {
	s.mux.HandleFunc("GET /reports/{id}/severity", s.sevPage(ceptor.SubjectReport))
	s.mux.HandleFunc("POST /reports/{id}/severity", s.sevSubmit(ceptor.SubjectReport))
	s.mux.HandleFunc("GET /incidents/{id}/severity", s.sevPage(ceptor.SubjectIncident))
	s.mux.HandleFunc("POST /incidents/{id}/severity", s.sevSubmit(ceptor.SubjectIncident))
	s.mux.HandleFunc("GET /severity/guidance", s.guidanceList)
	s.mux.HandleFunc("GET /severity/guidance/{sector}", s.guidanceForm)
	s.mux.HandleFunc("POST /severity/guidance/{sector}", s.guidanceSave)
	s.mux.HandleFunc("POST /severity/guidance/{sector}/delete", s.guidanceDelete)
}

// sevFacts are the facts the guidance suggestion is computed from. Users
// and the outage come from the report(s); the rest is the evaluator's to
// tick (the report's free text cannot say whether an area is
// prefecture-wide).
type sevFacts struct {
	Users       *int
	Outage      time.Duration
	Ongoing     bool // not recovered yet: the outage counts up to now
	HasStart    bool
	AreaWide    bool
	SafetyHarm  bool
	Evacuation  bool
	FromReports int // reports the facts were gathered from (incidents)
}

// OutageHours is the outage in hours, for display.
func (f sevFacts) OutageHours() string { return strconv.FormatFloat(f.Outage.Hours(), 'f', 1, 64) }

// sevSuggestion is what the guidance suggests.
type sevSuggestion struct {
	Continuity, Safety, Trust ceptor.SeverityLevel
	Reasons                   []ceptor.SuggestionReason
	SectorID                  int64 // guidance used (0: defaults)
	SectorName                string
}

// Overall is the highest suggested level.
func (g sevSuggestion) Overall() ceptor.SeverityLevel {
	return ceptor.MaxSeverity(g.Continuity, g.Safety, g.Trust)
}

// Level returns the suggested level of one viewpoint.
func (g sevSuggestion) Level(v ceptor.Viewpoint) ceptor.SeverityLevel {
	switch v {
	case ceptor.ViewContinuity:
		return g.Continuity
	case ceptor.ViewSafety:
		return g.Safety
	}
	return g.Trust
}

// sevViewpoint is one viewpoint of the form.
type sevViewpoint struct {
	Name      ceptor.Viewpoint
	Level     ceptor.SeverityLevel // selected
	Reason    string
	Suggested ceptor.SeverityLevel
	Hint      string // the suggestion's reasons, one per line
}

// sevData is the evaluation page.
type sevData struct {
	Subject     ceptor.EvalSubject
	SubjectID   int64
	Heading     string
	Back        string
	Action      string
	Drill       bool
	Current     *ceptor.Evaluation
	History     []*ceptor.Evaluation
	Evaluators  map[int64]string
	CanEvaluate bool
	CanFinal    bool
	Final       bool
	Views       []sevViewpoint
	Levels      []ceptor.SeverityLevel
	Facts       sevFacts
	Suggest     sevSuggestion
	IsNISC      bool
}

// harmText decides whether the report's safety-harm text reports harm:
// anything but an empty field or a plain "none".
func harmText(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "なし", "無し", "特になし", "none", "no", "n/a", "-", "－", "ー":
		return false
	}
	return true
}

// reportFacts gathers the guidance facts of one report; now ends an outage
// that has not recovered.
func reportFacts(rep *ceptor.Report, now time.Time) sevFacts {
	f := sevFacts{Users: rep.Impact.UsersAffected, SafetyHarm: harmText(rep.Impact.SafetyHarm)}
	if rep.StartedAt != nil {
		f.HasStart = true
		end := now
		if rep.RecoveredAt != nil {
			end = *rep.RecoveredAt
		} else {
			f.Ongoing = true
		}
		if end.After(*rep.StartedAt) {
			f.Outage = end.Sub(*rep.StartedAt)
		}
	}
	return f
}

// applyFactsQuery lets the evaluator tick the facts the report cannot say
// (the facts form submits facts=1 so that an unticked box means no).
func applyFactsQuery(r *http.Request, f *sevFacts) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	if q.Get("facts") != "1" {
		return
	}
	f.AreaWide = q.Get("area_wide") == "1"
	f.SafetyHarm = q.Get("safety_harm") == "1"
	f.Evacuation = q.Get("evacuation") == "1"
}

// sevSubject loads what is evaluated (a report or an incident the caller
// may see) and the facts for the suggestion.
func (s *Server) sevSubject(ctx context.Context, st *reqState, subject ceptor.EvalSubject, id int64, d *sevData) (ceptor.Resource, int64, error) {
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		return ceptor.Resource{}, 0, err
	}
	now := s.now()
	switch subject {
	case ceptor.SubjectReport:
		rep, ref, err := s.incVisibleReport(ctx, st.actor, id)
		if err != nil {
			return ceptor.Resource{}, 0, err
		}
		d.Heading = i18n.T(st.lang, "inc.sev.report_heading", rep.ID, rep.Title)
		d.Back, d.Drill = "/reports/"+toString(rep.ID), rep.Drill
		d.Facts = reportFacts(rep, now)
		d.Suggest.SectorID, d.Suggest.SectorName = rep.SectorID, names.Sector(rep.SectorID)
		return incReportRes(rep, ref), rep.SectorID, nil
	case ceptor.SubjectIncident:
		inc, err := s.incVisible(ctx, st.actor, id)
		if err != nil {
			return ceptor.Resource{}, 0, err
		}
		d.Heading = i18n.T(st.lang, "inc.sev.incident_heading", inc.ID, inc.Title)
		d.Back = "/incidents/" + toString(inc.ID)
		// The incident's facts: users summed, the longest outage, any harm,
		// over the member reports the caller may see.
		ids, err := s.store.IncidentReports(ctx, inc.ID)
		if err != nil {
			return ceptor.Resource{}, 0, err
		}
		for _, rid := range ids {
			rep, _, err := s.incVisibleReport(ctx, st.actor, rid)
			if err != nil {
				continue
			}
			f := reportFacts(rep, now)
			d.Facts.FromReports++
			if f.Users != nil {
				sum := *f.Users
				if d.Facts.Users != nil {
					sum += *d.Facts.Users
				}
				d.Facts.Users = &sum
			}
			if f.Outage > d.Facts.Outage {
				d.Facts.Outage, d.Facts.Ongoing = f.Outage, f.Ongoing
			}
			d.Facts.HasStart = d.Facts.HasStart || f.HasStart
			d.Facts.SafetyHarm = d.Facts.SafetyHarm || f.SafetyHarm
		}
		var sector int64
		if len(inc.SectorIDs) == 1 {
			sector = inc.SectorIDs[0]
			d.Suggest.SectorName = names.Sector(sector)
		}
		d.Suggest.SectorID = sector
		return inc.Ref().Resource(), sector, nil
	}
	return ceptor.Resource{}, 0, regNotFound()
}

func (s *Server) sevPage(subject ceptor.EvalSubject) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		s.renderSev(w, r, st, subject, id, http.StatusOK, nil, nil)
	}
}

func (s *Server) sevSubmit(subject ceptor.EvalSubject) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		in := evalInputFromForm(r)
		if _, err := s.opEvaluate(r, st, subject, id, in); err != nil {
			if ceptor.ErrorCode(err) != ceptor.EINVALID {
				s.fail(w, r, err)
				return
			}
			s.renderSev(w, r, st, subject, id, http.StatusUnprocessableEntity, &in, err)
			return
		}
		s.setFlash(w, "inc.flash.evaluated")
		http.Redirect(w, r, "/"+map[ceptor.EvalSubject]string{ceptor.SubjectReport: "reports", ceptor.SubjectIncident: "incidents"}[subject]+"/"+toString(id)+"/severity", http.StatusSeeOther)
	}
}

// renderSev shows the evaluation page; typed keeps what the evaluator
// entered when the form comes back with errors.
func (s *Server) renderSev(w http.ResponseWriter, r *http.Request, st *reqState, subject ceptor.EvalSubject, id int64, status int, typed *evalInput, ferr error) {
	ctx := r.Context()
	d := &sevData{Subject: subject, SubjectID: id, Levels: ceptor.SeverityLevels, IsNISC: st.actor.OrgType == ceptor.OrgNISC}
	res, sector, err := s.sevSubject(ctx, st, subject, id, d)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	applyFactsQuery(r, &d.Facts)
	d.Action = r.URL.Path
	d.CanEvaluate = ceptor.Allow(st.actor, ceptor.ActEvaluate, res)
	final := res
	final.FinalEvaluation = true
	d.CanFinal = ceptor.Allow(st.actor, ceptor.ActEvaluate, final)
	if d.History, err = s.store.Evaluations(ctx, subject, id); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Current = ceptor.CurrentOf(d.History)
	// Newest first on the page.
	for i, j := 0, len(d.History)-1; i < j; i, j = i+1, j-1 {
		d.History[i], d.History[j] = d.History[j], d.History[i]
	}
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Evaluators = map[int64]string{}
	for _, e := range d.History {
		d.Evaluators[e.OrgID] = names.Org(e.OrgID)
	}
	g, err := s.store.Guidance(ctx, sector)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if g.SectorID == 0 {
		d.Suggest.SectorName = ""
	}
	d.Suggest.SectorID = g.SectorID
	d.Suggest.Continuity, d.Suggest.Safety, d.Suggest.Trust, d.Suggest.Reasons = ceptor.SuggestLevels(*g, d.Facts.Users, d.Facts.Outage, d.Facts.AreaWide, d.Facts.SafetyHarm, d.Facts.Evacuation)

	// The form starts from what the evaluator typed, else the current
	// evaluation, else the suggestion (levels only: reasons are the
	// evaluator's own words, the suggestion's are shown beside them).
	d.Final = d.CanFinal
	for _, v := range ceptor.Viewpoints {
		sv := sevViewpoint{Name: v, Suggested: d.Suggest.Level(v), Level: d.Suggest.Level(v)}
		var hint []string
		for _, rs := range d.Suggest.Reasons {
			if rs.Viewpoint == v {
				hint = append(hint, i18n.T(st.lang, rs.Key, rs.Args...))
			}
		}
		sv.Hint = strings.Join(hint, "\n")
		if d.Current != nil {
			sv.Level = d.Current.Level(v)
			sv.Reason = map[ceptor.Viewpoint]string{ceptor.ViewContinuity: d.Current.ContinuityReason,
				ceptor.ViewSafety: d.Current.SafetyReason, ceptor.ViewTrust: d.Current.TrustReason}[v]
		}
		if typed != nil {
			sv.Level = ceptor.SeverityLevel(map[ceptor.Viewpoint]int{ceptor.ViewContinuity: typed.Continuity,
				ceptor.ViewSafety: typed.Safety, ceptor.ViewTrust: typed.Trust}[v])
			sv.Reason = map[ceptor.Viewpoint]string{ceptor.ViewContinuity: typed.ContinuityReason,
				ceptor.ViewSafety: typed.SafetyReason, ceptor.ViewTrust: typed.TrustReason}[v]
		}
		d.Views = append(d.Views, sv)
	}
	if typed != nil {
		d.Final = typed.Final && d.CanFinal
	}
	p := s.page(w, r, i18n.T(st.lang, "severity.title"), d)
	if ferr != nil {
		p.Errors = fieldErrors(st.lang, ferr)
		p.FormError = i18n.T(st.lang, messageKey(ferr))
	}
	s.render(w, r, status, "severity_form", p)
}

// ---- guidance ----

// guidanceRow is one sector in the guidance list.
type guidanceRow struct {
	SectorID int64
	Name     string
	Own      bool
	G        *ceptor.Guidance
}

type guidanceListData struct {
	Default *ceptor.Guidance
	Sectors []guidanceRow
	CanEdit bool
}

// canEditGuidance: guidance is sector data, NISC administrators keep it.
func canEditGuidance(a *ceptor.Actor) bool {
	return ceptor.Allow(a, ceptor.ActUpdate, ceptor.Resource{Kind: ceptor.KindSector})
}

func (s *Server) guidanceList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if !ceptor.Allow(st.actor, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindSector}) {
		s.fail(w, r, forbidden(st))
		return
	}
	all, err := s.store.ListGuidance(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := guidanceListData{CanEdit: canEditGuidance(st.actor)}
	own := map[int64]*ceptor.Guidance{}
	for _, g := range all {
		if g.SectorID == 0 {
			d.Default = g
		} else {
			own[g.SectorID] = g
		}
	}
	for _, x := range sectors {
		row := guidanceRow{SectorID: x.ID, Name: pickName(st.lang, x.NameJA, x.NameEN), G: d.Default}
		if g := own[x.ID]; g != nil {
			row.Own, row.G = true, g
		}
		d.Sectors = append(d.Sectors, row)
	}
	s.render(w, r, http.StatusOK, "severity_guidance", s.page(w, r, i18n.T(st.lang, "severity.guidance"), d))
}

func pickName(lang, ja, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ja
}

// guidanceFormData is the guidance editing form.
type guidanceFormData struct {
	SectorID int64
	Name     string
	Own      bool // the sector has its own guidance (it can be dropped)
	Levels   []ceptor.GuidanceLevel
	Action   string
}

// guidanceSector reads the {sector} path value: 0 for the defaults, or a
// sector that exists.
func (s *Server) guidanceSector(ctx context.Context, lang, v string) (int64, string, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, "", regNotFound()
	}
	if id == 0 {
		return 0, i18n.T(lang, "severity.guidance.default"), nil
	}
	x, err := s.store.FindSector(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return 0, "", regNotFound()
		}
		return 0, "", err
	}
	return id, pickName(lang, x.NameJA, x.NameEN), nil
}

// fullLevels returns the four levels 1-4, those the guidance lacks empty.
func fullLevels(g *ceptor.Guidance) []ceptor.GuidanceLevel {
	out := make([]ceptor.GuidanceLevel, 0, 4)
	for _, l := range ceptor.SeverityLevels[1:] {
		gl := ceptor.GuidanceLevel{Level: l}
		for _, x := range g.Levels {
			if x.Level == l {
				gl = x
			}
		}
		out = append(out, gl)
	}
	return out
}

func (s *Server) guidanceForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !canEditGuidance(st.actor) {
		s.fail(w, r, forbidden(st))
		return
	}
	ctx := r.Context()
	id, name, err := s.guidanceSector(ctx, st.lang, r.PathValue("sector"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.store.Guidance(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := guidanceFormData{SectorID: id, Name: name, Own: id != 0 && g.SectorID == id, Levels: fullLevels(g), Action: r.URL.Path}
	s.render(w, r, http.StatusOK, "severity_guidance_form", s.page(w, r, i18n.T(st.lang, "inc.guidance.edit_title", name), d))
}

// guidanceFromForm reads the four level rows; a number that cannot be read
// is refused for its level.
func guidanceFromForm(r *http.Request, sector int64) (*ceptor.Guidance, error) {
	g := &ceptor.Guidance{SectorID: sector}
	f := map[string]string{}
	for _, l := range ceptor.SeverityLevels[1:] {
		p := "l" + strconv.Itoa(int(l)) + "_"
		gl := ceptor.GuidanceLevel{Level: l,
			AnyOutage: r.PostFormValue(p+"any_outage") == "1", AreaWide: r.PostFormValue(p+"area_wide") == "1",
			SafetyHarm: r.PostFormValue(p+"safety_harm") == "1", Evacuation: r.PostFormValue(p+"evacuation") == "1"}
		if v := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(p+"users_affected"), ",", "")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				f["level_"+strconv.Itoa(int(l))] = "severity.err.threshold"
			}
			gl.UsersAffected = n
		}
		if v := strings.TrimSpace(r.PostFormValue(p + "outage_hours")); v != "" {
			h, err := strconv.ParseFloat(v, 64)
			if err != nil {
				f["level_"+strconv.Itoa(int(l))] = "severity.err.threshold"
			}
			gl.OutageHours = h
		}
		g.Levels = append(g.Levels, gl)
	}
	if len(f) > 0 {
		return g, ceptor.Invalid(f)
	}
	return g, nil
}

func (s *Server) guidanceSave(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !canEditGuidance(st.actor) {
		s.fail(w, r, forbidden(st))
		return
	}
	ctx := r.Context()
	id, name, err := s.guidanceSector(ctx, st.lang, r.PathValue("sector"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := guidanceFromForm(r, id)
	if err == nil {
		g.UpdatedBy = st.user.ID
		err = s.change(r, func(r *http.Request) error {
			if err := s.store.SetGuidance(r.Context(), g); err != nil {
				return err
			}
			s.audit(r, "severity.guidance_update", ceptor.KindSector, id, 0, map[string]any{"sector_id": id, "levels": g.Levels})
			return nil
		})
	}
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		d := guidanceFormData{SectorID: id, Name: name, Levels: fullLevels(g), Action: r.URL.Path}
		p := s.page(w, r, i18n.T(st.lang, "inc.guidance.edit_title", name), d)
		p.Errors, p.FormError = fieldErrors(st.lang, err), i18n.T(st.lang, messageKey(err))
		s.render(w, r, http.StatusUnprocessableEntity, "severity_guidance_form", p)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/severity/guidance", http.StatusSeeOther)
}

func (s *Server) guidanceDelete(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !canEditGuidance(st.actor) {
		s.fail(w, r, forbidden(st))
		return
	}
	ctx := r.Context()
	id, _, err := s.guidanceSector(ctx, st.lang, r.PathValue("sector"))
	if err == nil {
		err = s.change(r, func(r *http.Request) error {
			if err := s.store.DeleteGuidance(r.Context(), id); err != nil {
				return err
			}
			s.audit(r, "severity.guidance_delete", ceptor.KindSector, id, 0, map[string]any{"sector_id": id})
			return nil
		})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "inc.flash.guidance_reset")
	http.Redirect(w, r, "/severity/guidance", http.StatusSeeOther)
}
