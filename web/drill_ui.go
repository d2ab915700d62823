package web

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The drill pages (セプター訓練): the list with participation per fiscal
// year, the plan form, the drill with its results (for NISC, ministries
// and secretariats) or the participant's own part, the self-check sheet
// and the drill report form. Exports are in drill_export.go.

func (s *Server) routesDrills() {
	s.mux.HandleFunc("GET /drills", s.drillListPage)
	s.mux.HandleFunc("GET /drills/new", s.drillNewForm)
	s.mux.HandleFunc("POST /drills/new", s.drillNewSubmit)
	s.mux.HandleFunc("GET /drills/{id}", s.drillDetailPage)
	s.mux.HandleFunc("GET /drills/{id}/edit", s.drillEditForm)
	s.mux.HandleFunc("POST /drills/{id}/edit", s.drillEditSubmit)
	s.mux.HandleFunc("POST /drills/{id}/start", s.drillActionStart)
	s.mux.HandleFunc("POST /drills/{id}/close", s.drillActionClose)
	s.mux.HandleFunc("GET /drills/{id}/selfcheck", s.drillSelfCheckForm)
	s.mux.HandleFunc("POST /drills/{id}/selfcheck", s.drillSelfCheckSubmit)
	s.mux.HandleFunc("GET /drills/{id}/report", s.drillReportForm)
	s.mux.HandleFunc("POST /drills/{id}/report", s.drillReportSubmit)
	s.mux.HandleFunc("GET /drills/{id}/results.csv", s.drillResultsCSV)
	s.mux.HandleFunc("GET /drills/{id}/results.xlsx", s.drillResultsXLSX)
	s.routesAPIDrills()
}

func drillPath(id int64) string { return "/drills/" + strconv.FormatInt(id, 10) }

// ---- template helpers ----

// DrillMinutes formats a number of minutes (nil: —).
func (p *Page) DrillMinutes(m *float64) string {
	if m == nil {
		return "—"
	}
	v := *m
	if v >= 120 {
		return strconv.FormatFloat(v/60, 'f', 1, 64) + p.T("drills.unit_hours")
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + p.T("drills.unit_minutes")
}

// DrillCeptors names the CEPTORs of a drill.
func (p *Page) DrillCeptors(ids []int64) string {
	d, _ := p.Data.(interface{ ceptorName(int64, string) string })
	var out []string
	for i, id := range ids {
		if i == 3 && len(ids) > 4 {
			// A drill for every CEPTOR is the rule, not a list to read.
			out = append(out, p.T("drills.and_more", len(ids)-3))
			break
		}
		if d != nil {
			out = append(out, d.ceptorName(id, p.Lang))
		} else {
			out = append(out, "#"+strconv.FormatInt(id, 10))
		}
	}
	sep := "、"
	if p.Lang == "en" {
		sep = ", "
	}
	return strings.Join(out, sep)
}

// DrillN formats a count with thousands separators.
func (p *Page) DrillN(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ceptorNames maps CEPTOR ids to names for templates.
type ceptorNames map[int64][2]string

func (c ceptorNames) ceptorName(id int64, lang string) string {
	n, ok := c[id]
	if !ok {
		return "#" + strconv.FormatInt(id, 10)
	}
	return advPick(lang, n[0], n[1])
}

func (s *Server) ceptorNames(r *http.Request) ceptorNames {
	out := ceptorNames{}
	if rf, err := s.loadRefs(r.Context()); err == nil {
		for _, c := range rf.ceptors {
			out[c.ID] = [2]string{c.NameJA, c.NameEN}
		}
	}
	return out
}

// ---- list ----

type drillListData struct {
	ceptorNames
	Running, Planned, Closed []*ceptor.Drill
	Years                    []ceptor.DrillYear
	CanCreate                bool
	FY                       int
}

func (d drillListData) ceptorName(id int64, lang string) string {
	return d.ceptorNames.ceptorName(id, lang)
}

func (s *Server) drillListPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
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
	d := drillListData{ceptorNames: s.ceptorNames(r), FY: f.FiscalYear,
		CanCreate: ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindDrill, OrgID: st.actor.OrgID})}
	for _, x := range list {
		switch x.Status {
		case ceptor.DrillRunning:
			d.Running = append(d.Running, x)
		case ceptor.DrillPlanned:
			d.Planned = append(d.Planned, x)
		default:
			d.Closed = append(d.Closed, x)
		}
	}
	if d.Years, err = s.drillYears(r.Context(), st.lang); err != nil {
		s.fail(w, r, err)
		return
	}
	slices.Reverse(d.Years)
	s.render(w, r, http.StatusOK, "drill_list", s.page(w, r, i18n.T(st.lang, "drills.title"), d))
}

// ---- plan form ----

type drillFormData struct {
	ceptorNames
	Mode     string // new, edit
	D        *ceptor.Drill
	Start    string
	End      string
	Sectors  []*ceptor.Sector
	Ceptors  []*ceptor.Ceptor
	Channels []ceptor.DrillChannel
}

func (d drillFormData) ceptorName(id int64, lang string) string {
	return d.ceptorNames.ceptorName(id, lang)
}

// Has reports whether a CEPTOR is chosen.
func (d drillFormData) Has(id int64) bool { return slices.Contains(d.D.CeptorIDs, id) }

func (s *Server) drillForm(w http.ResponseWriter, r *http.Request, st *reqState, mode string, dr *ceptor.Drill, ferr error) {
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := drillFormData{ceptorNames: s.ceptorNames(r), Mode: mode, D: dr, Sectors: rf.sectors, Channels: ceptor.DrillChannels}
	for _, c := range rf.ceptors {
		if c.Active {
			d.Ceptors = append(d.Ceptors, c)
		}
	}
	if !dr.WindowStart.IsZero() {
		d.Start = dr.WindowStart.In(ceptor.Tokyo).Format("2006-01-02T15:04")
	}
	if !dr.WindowEnd.IsZero() {
		d.End = dr.WindowEnd.In(ceptor.Tokyo).Format("2006-01-02T15:04")
	}
	p := s.page(w, r, i18n.T(st.lang, "drills.form_title."+mode), d)
	s.renderForm(w, r, st, "drill_form", p, ferr)
}

func drillFormInput(r *http.Request) *drillInput {
	in := &drillInput{}
	str := func(k string) *string { v := r.PostFormValue(k); return &v }
	flag := func(k string) *bool { v := r.PostFormValue(k) == "1"; return &v }
	in.Title, in.Instructions, in.WindowStart, in.WindowEnd = str("title"), str("instructions"), str("window_start"), str("window_end")
	in.Announced, in.Downward, in.Upward, in.AssumeDamage = flag("announced"), flag("downward"), flag("upward"), flag("assume_damage")
	ch := ceptor.DrillChannel(r.PostFormValue("channel"))
	in.Channel = &ch
	var ids []int64
	for _, v := range r.PostForm["ceptor"] {
		if id, ok := parseID(v); ok {
			ids = append(ids, id)
		}
	}
	in.CeptorIDs = &ids
	return in
}

func (s *Server) drillNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindDrill, OrgID: st.actor.OrgID}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.drillForm(w, r, st, "new", &ceptor.Drill{Channel: ceptor.DrillChannelNormal, Downward: true, Announced: true}, nil)
}

func (s *Server) drillNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := drillFormInput(r)
	d, err := s.drillCreate(r, st, in)
	if err != nil {
		draft := &ceptor.Drill{}
		in.apply(draft)
		s.drillForm(w, r, st, "new", draft, err)
		return
	}
	s.setFlash(w, "drills.flash_saved")
	http.Redirect(w, r, drillPath(d.ID), http.StatusSeeOther)
}

func (s *Server) drillEditForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err == nil {
		err = regAuthorize(st, ceptor.ActUpdate, res)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.drillForm(w, r, st, "edit", d, nil)
}

func (s *Server) drillEditSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	in := drillFormInput(r)
	if _, err := s.drillUpdate(r, st, id, in); err != nil {
		d, _, ferr := s.findDrill(r.Context(), st.actor, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		in.apply(d)
		s.drillForm(w, r, st, "edit", d, err)
		return
	}
	s.setFlash(w, "drills.flash_saved")
	http.Redirect(w, r, drillPath(id), http.StatusSeeOther)
}

// ---- detail and results ----

type drillDetailData struct {
	ceptorNames
	V        *drillView
	Planner  string
	Res      *ceptor.DrillResults
	Chart    template.HTML
	UpChart  template.HTML
	HopNames map[string]string
	Scoped   bool
}

func (d drillDetailData) ceptorName(id int64, lang string) string {
	return d.ceptorNames.ceptorName(id, lang)
}

// Label names a receipt bucket: a hop's organisation or a CEPTOR.
func (d drillDetailData) HopLabel(key string) string { return d.HopNames[key] }

func (s *Server) drillDetailPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	dr, res, err := s.findDrill(ctx, st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.drillView(ctx, st, dr, res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := drillDetailData{ceptorNames: s.ceptorNames(r), V: v, HopNames: map[string]string{}, Scoped: st.actor.OrgType != ceptor.OrgNISC}
	if o, err := s.store.FindOrg(ctx, dr.OrgID); err == nil {
		d.Planner = o.DisplayName(st.lang)
	}
	if v.Actions.Results && dr.Status != ceptor.DrillPlanned {
		if d.Res, err = s.drillResults(ctx, st, id); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Res.Receipts != nil {
			d.Chart = confirmChart(d.Res.Receipts.ConfirmMinutes, st.lang)
			for _, b := range d.Res.Receipts.PerHop {
				if b.Key == "0" {
					d.HopNames[b.Key] = i18n.T(st.lang, "drills.hop_direct")
				} else if oid, ok := parseID(b.Key); ok {
					if o, err := s.store.FindOrg(ctx, oid); err == nil {
						d.HopNames[b.Key] = o.DisplayName(st.lang)
					}
				}
			}
		}
		if d.Res.Upward != nil {
			d.UpChart = confirmChart(d.Res.Upward.ReportMinutes, st.lang)
		}
	}
	s.render(w, r, http.StatusOK, "drill_detail", s.page(w, r, dr.Title, d))
}

// CeptorKey names a per-CEPTOR bucket.
func (d drillDetailData) CeptorKey(key string, lang string) string {
	if key == "0" {
		return "—"
	}
	id, _ := parseID(key)
	return d.ceptorNames.ceptorName(id, lang)
}

// ---- actions ----

func (s *Server) drillAction(w http.ResponseWriter, r *http.Request, flash string, op func(st *reqState, id int64) error) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := op(st, id); err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID || ceptor.ErrorCode(err) == ceptor.ECONFLICT {
			s.setFlash(w, messageKey(err))
			http.Redirect(w, r, drillPath(id), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, flash)
	http.Redirect(w, r, drillPath(id), http.StatusSeeOther)
}

func (s *Server) drillActionStart(w http.ResponseWriter, r *http.Request) {
	s.drillAction(w, r, "drills.flash_started", func(st *reqState, id int64) error { _, err := s.drillStart(r, st, id); return err })
}

func (s *Server) drillActionClose(w http.ResponseWriter, r *http.Request) {
	s.drillAction(w, r, "drills.flash_closed", func(st *reqState, id int64) error { return s.drillClose(r, st, id) })
}

// ---- self-check sheet ----

type selfCheckFormData struct {
	D        *ceptor.Drill
	C        *ceptor.SelfCheck
	Minutes  string
	Arrived  []string
	Channels []string
}

func (s *Server) selfCheckPage(w http.ResponseWriter, r *http.Request, st *reqState, d *ceptor.Drill, c *ceptor.SelfCheck, minutes string, ferr error) {
	data := selfCheckFormData{D: d, C: c, Minutes: minutes, Arrived: ceptor.SelfCheckArrived, Channels: ceptor.SelfCheckChannels}
	p := s.page(w, r, i18n.T(st.lang, "drills.selfcheck_title"), data)
	s.renderForm(w, r, st, "drill_selfcheck", p, ferr)
}

func (s *Server) drillSelfCheckForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err == nil {
		err = regAuthorize(st, ceptor.ActSelfCheck, res)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.store.SelfCheck(r.Context(), id, st.actor.OrgID)
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		c = &ceptor.SelfCheck{Arrived: "yes", Channel: "inbox"}
	}
	minutes := ""
	if c.NoticeMinutes != nil {
		minutes = strconv.Itoa(*c.NoticeMinutes)
	}
	s.selfCheckPage(w, r, st, d, c, minutes, nil)
}

func (s *Server) drillSelfCheckSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	in := selfCheckInput{Arrived: r.PostFormValue("arrived"), Channel: r.PostFormValue("channel"), Handler: r.PostFormValue("handler"),
		Problems: r.PostFormValue("problems"), Improvements: r.PostFormValue("improvements")}
	minutes := strings.TrimSpace(normalizeDigitsJA(r.PostFormValue("notice_minutes")))
	var ferr error
	if minutes != "" {
		if m, err := strconv.Atoi(minutes); err == nil {
			in.NoticeMinutes = &m
		} else {
			ferr = ceptor.Invalid(map[string]string{"notice_minutes": "drills.err_minutes"})
		}
	}
	if ferr == nil {
		if _, err := s.drillSaveSelfCheck(r, st, id, in); err == nil {
			s.setFlash(w, "drills.flash_selfcheck")
			http.Redirect(w, r, drillPath(id), http.StatusSeeOther)
			return
		} else {
			ferr = err
		}
	}
	d, _, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.selfCheckPage(w, r, st, d, &ceptor.SelfCheck{Arrived: in.Arrived, Channel: in.Channel, Handler: in.Handler, Problems: in.Problems,
		Improvements: in.Improvements}, minutes, ferr)
}

// ---- drill report (upward) ----

type drillReportFormData struct {
	D       *ceptor.Drill
	Title   string
	Body    string
	Damage  bool
	Classes []ceptor.EventClass
	Class   string
	Routes  []ceptor.Route
	Route   string
}

func (s *Server) drillReportPage(w http.ResponseWriter, r *http.Request, st *reqState, data drillReportFormData, ferr error) {
	data.Classes = ceptor.EventClasses
	data.Routes = []ceptor.Route{ceptor.RouteMinistry, ceptor.RouteAnonymous, ceptor.RouteDirect}
	if data.Route == "" {
		data.Route = string(ceptor.RouteMinistry)
	}
	p := s.page(w, r, i18n.T(st.lang, "drills.report_title"), data)
	s.renderForm(w, r, st, "drill_report", p, ferr)
}

func (s *Server) drillReportForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err == nil {
		err = regAuthorize(st, ceptor.ActDrillReport, res)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.drillReportPage(w, r, st, drillReportFormData{D: d, Title: "【訓練】" + d.Title, Damage: d.AssumeDamage}, nil)
}

func (s *Server) drillReportSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	damage := r.PostFormValue("damage") == "1"
	in := drillReportInput{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Damage: &damage, EventClass: ceptor.EventClass(r.PostFormValue("event_class")),
		Route: ceptor.Route(r.PostFormValue("route"))}
	ans, err := s.drillSendReport(r, st, id, in)
	if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
		s.setFlash(w, messageKey(err))
		http.Redirect(w, r, drillPath(id), http.StatusSeeOther)
		return
	}
	if err != nil {
		d, _, ferr := s.findDrill(r.Context(), st.actor, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		s.drillReportPage(w, r, st, drillReportFormData{D: d, Title: in.Title, Body: in.Body, Damage: damage, Class: string(in.EventClass), Route: string(in.Route)}, err)
		return
	}
	s.setFlash(w, "drills.flash_reported")
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(ans.ReportID, 10), http.StatusSeeOther)
}

// drillRows is the argument of the drill-rows template.
type drillRows struct {
	P    *Page
	Rows []*ceptor.Drill
}

// DrillRows wraps drills for the drill-rows template.
func (p *Page) DrillRows(rows []*ceptor.Drill) drillRows { return drillRows{P: p, Rows: rows} }
