package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
	"ceptor/jobs"
)

// Shared pieces of the severity, incident and situation-board surfaces:
// finding what the caller may see, naming reporters without ever naming an
// anonymous one, and announcing changes to live pages.
//
// Access is always the policy's: an incident or report the caller may not
// see answers 404 whatever its existence; one it may see but not change
// answers 403.

// incTopic is the live-update topic of an incident: every change publishes
// on it and the situation board's event stream listens to it.
func incTopic(id int64) string { return "incident:" + strconv.FormatInt(id, 10) }

// PublishLive announces a change on a live-update topic to every node. It
// is how background jobs (which run outside HTTP requests) wake the pages
// that watch something; the event carries no data.
func (s *Server) PublishLive(ctx context.Context, topic string) { s.live.Publish(ctx, topic) }

// incPublish tells the incident's watchers that it changed.
func (s *Server) incPublish(ctx context.Context, id int64) {
	if id != 0 {
		s.live.Publish(ctx, incTopic(id))
	}
}

// IncidentReportChanged tells the watchers of the incident a report belongs
// to (if any) that the report changed: a follow-up, a relay, a closure.
// The reports module calls it after such changes so that situation boards
// update at once rather than at their next periodic refresh.
func (s *Server) IncidentReportChanged(ctx context.Context, reportID int64) {
	id, err := s.store.IncidentForReport(ctx, reportID)
	if err == nil {
		s.incPublish(ctx, id)
	}
}

// incReportRes is a report as the policy sees it.
func incReportRes(rep *ceptor.Report, ref *ceptor.ReportRef) ceptor.Resource {
	res := ref.Resource()
	if res.OwnerTag == "" && rep != nil {
		res.OwnerTag = rep.ReporterTag
	}
	return res
}

// incVisibleReport returns a report the actor may see; ENOTFOUND otherwise,
// whether or not it exists.
func (s *Server) incVisibleReport(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.Report, *ceptor.ReportRef, error) {
	rep, ref, err := s.store.FindReport(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil, regNotFound()
		}
		return nil, nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, incReportRes(rep, ref)) {
		return nil, nil, regNotFound()
	}
	return rep, ref, nil
}

// incVisible returns an incident the actor may see; ENOTFOUND otherwise.
func (s *Server) incVisible(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.Incident, error) {
	inc, err := s.store.FindIncident(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, regNotFound()
		}
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, inc.Ref().Resource()) {
		return nil, regNotFound()
	}
	return inc, nil
}

// incFor returns an incident the actor may see and act on: 404 when it may
// not see it, 403 when it may see it but not do act.
func (s *Server) incFor(ctx context.Context, st *reqState, id int64, act ceptor.Action) (*ceptor.Incident, error) {
	inc, err := s.incVisible(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if act != ceptor.ActView {
		if err := regAuthorize(st, act, inc.Ref().Resource()); err != nil {
			return nil, err
		}
	}
	return inc, nil
}

// incCan asks the policy about an incident from a handler or template.
func incCan(a *ceptor.Actor, act ceptor.Action, inc *ceptor.Incident) bool {
	if inc == nil {
		return ceptor.Allow(a, act, ceptor.Resource{Kind: ceptor.KindIncident})
	}
	return ceptor.Allow(a, act, inc.Ref().Resource())
}

// incNames resolves the names the incident pages show: sectors, CEPTORs
// and organisations, each read once per request.
type incNames struct {
	s       *Server
	ctx     context.Context
	lang    string
	refs    *registryRefs
	orgs    map[int64]*ceptor.Organization
	missing map[int64]bool
}

func (s *Server) incNamesFor(ctx context.Context, lang string) (*incNames, error) {
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	return &incNames{s: s, ctx: ctx, lang: lang, refs: rf, orgs: map[int64]*ceptor.Organization{}, missing: map[int64]bool{}}, nil
}

// Sector returns a sector's name in the page language.
func (n *incNames) Sector(id int64) string {
	if x := n.refs.sectorByID[id]; x != nil {
		if n.lang == "en" && x.NameEN != "" {
			return x.NameEN
		}
		return x.NameJA
	}
	if id == 0 {
		return i18n.T(n.lang, "inc.sector_unknown")
	}
	return "#" + strconv.FormatInt(id, 10)
}

// Ceptor returns a CEPTOR's name in the page language.
func (n *incNames) Ceptor(id int64) string {
	if c := n.refs.ceptorByID[id]; c != nil {
		if n.lang == "en" && c.NameEN != "" {
			return c.NameEN
		}
		return c.NameJA
	}
	return "#" + strconv.FormatInt(id, 10)
}

// Org returns an organisation's name. It is only called for organisations
// the caller may name (evaluators, timeline actors, reporters whose
// identity the policy lets the caller see).
func (n *incNames) Org(id int64) string {
	if id == 0 {
		return ""
	}
	o := n.orgs[id]
	if o == nil && !n.missing[id] {
		var err error
		if o, err = n.s.store.FindOrg(n.ctx, id); err != nil {
			n.missing[id] = true
		} else {
			n.orgs[id] = o
		}
	}
	if o == nil {
		return "#" + strconv.FormatInt(id, 10)
	}
	return o.DisplayName(n.lang)
}

// reporter names who sent a report, as far as the caller may know: an
// anonymous report is always "a member of CEPTOR X" (never its operator,
// whatever the caller's rights elsewhere); a named one shows its
// organisation when the policy lets the caller see the reporter's identity,
// and only its sector otherwise.
func (n *incNames) reporter(a *ceptor.Actor, route ceptor.Route, ceptorID, orgID, sectorID int64, res ceptor.Resource) (label string, masked bool) {
	if route == ceptor.RouteAnonymous || orgID == 0 {
		if ceptorID != 0 {
			return i18n.T(n.lang, "severity.incident.anonymous_member", n.Ceptor(ceptorID)), true
		}
		return i18n.T(n.lang, "inc.anonymous_reporter"), true
	}
	if ceptor.Allow(a, ceptor.ActViewIdentity, res) {
		return n.Org(orgID), false
	}
	return i18n.T(n.lang, "inc.masked_reporter", n.Sector(sectorID)), true
}

// ---- page helpers ----

// SevLabel returns a severity level's label, e.g. 高.
func (p *Page) SevLabel(l ceptor.SeverityLevel) string { return i18n.T(p.Lang, l.Key()) }

// SevClass returns the CSS class carrying a level's colour.
func (p *Page) SevClass(l ceptor.SeverityLevel) string {
	if !l.Valid() {
		return "sev-x"
	}
	return "sev-" + strconv.Itoa(int(l))
}

// IncStatus returns the label of an incident state.
func (p *Page) IncStatus(st ceptor.IncidentStatus) string {
	return i18n.T(p.Lang, "severity.incident.status."+string(st))
}

// ReportStatus returns the label of a report state.
func (p *Page) ReportStatus(st ceptor.ReportStatus) string {
	return i18n.T(p.Lang, "report.status."+string(st))
}

// Viewpoint returns the label of a severity viewpoint.
func (p *Page) Viewpoint(v ceptor.Viewpoint) string {
	return i18n.T(p.Lang, "severity.viewpoint."+string(v))
}

// SuggestText says a suggestion reason in the page language.
func (p *Page) SuggestText(r ceptor.SuggestionReason) string { return i18n.T(p.Lang, r.Key, r.Args...) }

// Cadence formats an update cadence (6 時間, 30 分).
func (p *Page) Cadence(d time.Duration) string { return incCadenceText(p.Lang, d) }

func incCadenceText(lang string, d time.Duration) string {
	if d <= 0 {
		d = ceptor.DefaultCadence
	}
	if d%time.Hour == 0 {
		return i18n.T(lang, "inc.cadence_hours", int(d/time.Hour))
	}
	return i18n.T(lang, "inc.cadence_minutes", int(d/time.Minute))
}

// ---- evaluation input ----

// evalInput is a severity evaluation as a form or a JSON body gives it.
type evalInput struct {
	Continuity       int    `json:"continuity"`
	Safety           int    `json:"safety"`
	Trust            int    `json:"trust"`
	ContinuityReason string `json:"continuity_reason"`
	SafetyReason     string `json:"safety_reason"`
	TrustReason      string `json:"trust_reason"`
	// Final asks for a final (確定) rather than a provisional (暫定)
	// evaluation; only NISC may record one.
	Final bool `json:"final"`
}

func (in evalInput) evaluation(subject ceptor.EvalSubject, id int64, st *reqState) *ceptor.Evaluation {
	return &ceptor.Evaluation{Subject: subject, SubjectID: id,
		Continuity: ceptor.SeverityLevel(in.Continuity), Safety: ceptor.SeverityLevel(in.Safety), Trust: ceptor.SeverityLevel(in.Trust),
		ContinuityReason: in.ContinuityReason, SafetyReason: in.SafetyReason, TrustReason: in.TrustReason,
		Final: in.Final, OrgID: st.actor.OrgID, UserID: st.actor.UserID}
}

// evalInputFromForm reads the evaluation form; a level that is missing or
// not a number becomes -1, which validation refuses with a clear message.
func evalInputFromForm(r *http.Request) evalInput {
	lvl := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return n
	}
	return evalInput{Continuity: lvl("continuity"), Safety: lvl("safety"), Trust: lvl("trust"),
		ContinuityReason: incNewlines(r.PostFormValue("continuity_reason")),
		SafetyReason:     incNewlines(r.PostFormValue("safety_reason")),
		TrustReason:      incNewlines(r.PostFormValue("trust_reason")),
		Final:            r.PostFormValue("final") == "1"}
}

// incNewlines turns CRLF line ends from browsers into LF.
func incNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// opEvaluate records a severity evaluation of a report or an incident after
// asking the policy (a final evaluation is asked for as such). A subject
// the caller may not see is ENOTFOUND.
func (s *Server) opEvaluate(r *http.Request, st *reqState, subject ceptor.EvalSubject, id int64, in evalInput) (*ceptor.Evaluation, error) {
	ctx := r.Context()
	var res ceptor.Resource
	var incidentID int64
	switch subject {
	case ceptor.SubjectReport:
		rep, ref, err := s.incVisibleReport(ctx, st.actor, id)
		if err != nil {
			return nil, err
		}
		res = incReportRes(rep, ref)
		if iid, err := s.store.IncidentForReport(ctx, id); err == nil {
			incidentID = iid
		}
	case ceptor.SubjectIncident:
		inc, err := s.incVisible(ctx, st.actor, id)
		if err != nil {
			return nil, err
		}
		res, incidentID = inc.Ref().Resource(), inc.ID
	default:
		return nil, ceptor.Invalid(map[string]string{"subject": "severity.err.subject"})
	}
	res.FinalEvaluation = in.Final
	if err := regAuthorize(st, ceptor.ActEvaluate, res); err != nil {
		return nil, err
	}
	e := in.evaluation(subject, id, st)
	err := s.change(r, func(r *http.Request) error {
		if err := s.store.AddEvaluation(r.Context(), e); err != nil {
			return err
		}
		// The audit entry belongs to the evaluating organisation: a report's
		// reporter (perhaps anonymous) is not named in it.
		s.audit(r, "severity.evaluate", ceptor.Kind(subject), e.SubjectID, st.actor.OrgID,
			map[string]any{"evaluation_id": e.ID, "overall": int(e.Overall), "final": e.Final,
				"continuity": int(e.Continuity), "safety": int(e.Safety), "trust": int(e.Trust)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.incPublish(ctx, incidentID)
	return e, nil
}

// ---- board rows, shared by the board, the sitrep and the API ----

// incRow is one affected organisation of an incident as the caller may
// see it.
type incRow struct {
	ReportID   int64
	CanOpen    bool   // the caller may open the report itself
	Title      string // the report's title, when CanOpen
	Reporter   string // organisation name, or a masked label
	Masked     bool
	Anonymous  bool
	OrgID      int64 // 0 unless the caller may see who reported
	CeptorID   int64
	SectorID   int64
	Sector     string
	TLP        ceptor.TLP
	Version    int
	Status     ceptor.ReportStatus
	Drill      bool
	LastUpdate time.Time
	AddedAt    time.Time
	Due        time.Time // next update due in large-scale mode (zero: none)
	Overdue    bool
	DueSoon    bool
	Eval       *ceptor.Evaluation
}

// incSectorRow sums up one affected sector.
type incSectorRow struct {
	SectorID   int64
	Name       string
	Orgs       int
	Overdue    int
	Max        ceptor.SeverityLevel
	Evaluated  bool
	LastUpdate time.Time
}

// incRows builds the situation board's rows: every member report, its
// reporter masked as the policy requires, its latest version and the update
// it owes in large-scale mode.
func (s *Server) incRows(ctx context.Context, a *ceptor.Actor, inc *ceptor.Incident, names *incNames, now time.Time) ([]incRow, []incSectorRow, error) {
	affected, err := s.store.AffectedOrgs(ctx, inc.ID)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]incRow, 0, len(affected))
	bySector := map[int64]*incSectorRow{}
	var order []int64
	for _, af := range affected {
		rep, ref, err := s.store.FindReport(ctx, af.ReportID)
		if err != nil {
			if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
				continue
			}
			return nil, nil, err
		}
		res := incReportRes(rep, ref)
		row := incRow{ReportID: af.ReportID, CeptorID: af.CeptorID, SectorID: af.SectorID, Sector: names.Sector(af.SectorID),
			TLP: af.TLP, Version: af.Version, Status: af.Status, Drill: rep.Drill, AddedAt: af.AddedAt, Eval: af.Evaluation,
			Anonymous: rep.Route == ceptor.RouteAnonymous}
		row.CanOpen = ceptor.Allow(a, ceptor.ActView, res)
		if row.CanOpen {
			row.Title = rep.Title
		}
		row.Reporter, row.Masked = names.reporter(a, rep.Route, af.CeptorID, af.OrgID, af.SectorID, res)
		if !row.Masked {
			row.OrgID = af.OrgID
		}
		row.LastUpdate = af.UpdatedAt
		if vs, err := s.store.ReportVersions(ctx, af.ReportID); err == nil {
			row.LastUpdate = jobs.LastUpdate(vs, af.UpdatedAt)
		}
		if inc.LargeScale && af.Status != ceptor.ReportClosed {
			row.Due = inc.UpdateDue(row.LastUpdate)
			row.Overdue = !row.Due.IsZero() && now.After(row.Due)
			row.DueSoon = !row.Overdue && !row.Due.IsZero() && !now.Before(row.Due.Add(-jobs.UpdateReminderLead(inc.Cadence)))
		}
		rows = append(rows, row)
		sr := bySector[af.SectorID]
		if sr == nil {
			sr = &incSectorRow{SectorID: af.SectorID, Name: row.Sector}
			bySector[af.SectorID] = sr
			order = append(order, af.SectorID)
		}
		sr.Orgs++
		if row.Overdue {
			sr.Overdue++
		}
		if af.Evaluation != nil {
			sr.Evaluated = true
			sr.Max = max(sr.Max, af.Evaluation.Overall)
		}
		if row.LastUpdate.After(sr.LastUpdate) {
			sr.LastUpdate = row.LastUpdate
		}
	}
	// Sectors NISC added by hand appear even before anyone there reported.
	for _, id := range inc.SectorIDs {
		if bySector[id] == nil {
			bySector[id] = &incSectorRow{SectorID: id, Name: names.Sector(id)}
			order = append(order, id)
		}
	}
	sectors := make([]incSectorRow, 0, len(order))
	for _, id := range order {
		sectors = append(sectors, *bySector[id])
	}
	return rows, sectors, nil
}

// guideTableArgs passes a guidance and the page to the guidance table
// template.
type guideTableArgs struct {
	P *Page
	G *ceptor.Guidance
}

// GuideArgs packs a guidance with the page for {{template "guidance_table"}}.
func (p *Page) GuideArgs(g *ceptor.Guidance) guideTableArgs { return guideTableArgs{P: p, G: g} }

// timelineArgs passes timeline entries and the page to the timeline
// template.
type timelineArgs struct {
	P      *Page
	Events []incEvent
}

// TimelineArgs packs timeline entries with the page for {{template "inc_timeline"}}.
func (p *Page) TimelineArgs(ev []incEvent) timelineArgs { return timelineArgs{P: p, Events: ev} }
