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

// The report form (new report, draft edit, follow-up): what it shows and how
// a submitted form becomes a reportInput.

// reportFormData is what report_form.html shows.
type reportFormData struct {
	Mode     string // new, edit, followup
	Action   string
	Cancel   string
	ReportID int64
	Report   *reportView // the report being edited or followed up
	In       reportInput
	// The fields as typed, for the inputs that are not plain strings.
	Indicators      string
	IndicatorErrors []string
	Started         string
	Detected        string
	Recovered       string
	UsersAffected   string
	CauseSet        map[ceptor.Cause]bool
	SystemSet       map[ceptor.SystemKind]bool

	Sectors      []*ceptor.Sector
	Ceptors      []ceptorChoice
	Suppliers    []*ceptor.Organization
	Routes       []ceptor.Route
	TLPs         []ceptor.TLP
	EventClasses []ceptor.EventClass
	CauseGroups  []causeGroup
	SystemKinds  []ceptor.SystemKind
	Profiles     []ceptor.ClockProfile
	// Fixed: route, sector, CEPTOR and drill flag cannot change (follow-up).
	Fixed     bool
	CanSubmit bool
	NoCeptor  bool // the reporter belongs to no CEPTOR: no anonymous route
	// WeakSelected: the chosen CEPTOR is too small to hide in well.
	WeakSelected bool
	WeakLimit    int
	SectorLabel  string
	CeptorLabel  string
}

// ceptorChoice is a CEPTOR the reporter may hide in.
type ceptorChoice struct {
	C    *ceptor.Ceptor
	Weak bool
}

// causeGroup is one group of cause check boxes.
type causeGroup struct {
	Key    string
	Causes []ceptor.Cause
}

// formTime writes a stored time for a datetime-local field (Japan time).
func formTime(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.In(jst).Format("2006-01-02T15:04")
}

// reportFormFrom fills the form's data for input in.
func (s *Server) reportFormFrom(ctx context.Context, st *reqState, mode string, in reportInput) (*reportFormData, error) {
	a := st.actor
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	d := &reportFormData{Mode: mode, In: in, Indicators: indicatorText(in.Indicators),
		Started: formTime(in.StartedAt), Detected: formTime(in.DetectedAt), Recovered: formTime(in.RecoveredAt),
		CauseSet: map[ceptor.Cause]bool{}, SystemSet: map[ceptor.SystemKind]bool{},
		Routes: reportRoutes, TLPs: ceptor.TLPs, EventClasses: ceptor.EventClasses, SystemKinds: ceptor.SystemKinds,
		Profiles: ceptor.ClockProfiles, WeakLimit: weakAnonymity, CanSubmit: mode != "followup", Fixed: mode == "followup"}
	if in.Impact.UsersAffected != nil {
		d.UsersAffected = strconv.Itoa(*in.Impact.UsersAffected)
	}
	for _, c := range in.Causes {
		d.CauseSet[c] = true
	}
	for _, k := range in.Systems {
		d.SystemSet[k] = true
	}
	for _, g := range ceptor.CauseGroups {
		d.CauseGroups = append(d.CauseGroups, causeGroup{Key: g.Key, Causes: g.Causes})
	}
	for _, sec := range rf.sectors {
		if sec.Active {
			d.Sectors = append(d.Sectors, sec)
		}
		if sec.ID == in.SectorID {
			d.SectorLabel = repPick(st.lang, sec.NameJA, sec.NameEN)
		}
	}
	for _, c := range rf.ceptors {
		if c.Active && contains(a.CeptorIDs, c.ID) {
			d.Ceptors = append(d.Ceptors, ceptorChoice{C: c, Weak: c.MemberCount < weakAnonymity})
		}
		if c.ID == in.CeptorID {
			d.CeptorLabel = repPick(st.lang, c.NameJA, c.NameEN)
		}
	}
	d.NoCeptor = len(d.Ceptors) == 0
	for i, c := range d.Ceptors {
		if c.C.ID == in.CeptorID || i == 0 && in.CeptorID == 0 {
			d.WeakSelected = c.Weak
		}
	}
	yes := true
	if d.Suppliers, _, err = s.store.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgSupplier, Active: &yes, Visible: s.visibleOrg(a)}); err != nil {
		return nil, err
	}
	return d, nil
}

// reportInputFromForm reads the form. Problems only the form has (a number
// that is not one, indicator lines) come back as field errors, already in
// the page's language.
func reportInputFromForm(r *http.Request, lang string) (reportInput, *reportFormData, map[string]string) {
	f := r.PostForm
	errs := map[string]string{}
	id := func(name string) int64 {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs[name] = i18n.T(lang, "rep.err.number")
			return 0
		}
		return n
	}
	in := reportInput{Route: ceptor.Route(f.Get("route")), CeptorID: id("ceptor_id"), SectorID: id("sector_id"), TLP: ceptor.TLP(f.Get("tlp")),
		Drill: f.Get("drill") != "", Title: f.Get("title"), Body: f.Get("body"), EventClass: ceptor.EventClass(f.Get("event_class")),
		SpilloverSectorID: id("spillover_sector_id"), CriticalOutage: f.Get("critical_outage") != "", Service: f.Get("service"),
		SupplierOrgID: id("supplier_org_id"), StartedAt: f.Get("started_at"), DetectedAt: f.Get("detected_at"), RecoveredAt: f.Get("recovered_at"),
		Response: f.Get("response"), Lang: f.Get("lang"), ClockProfile: f.Get("clock_profile"), Submit: f.Get("action") == "submit"}
	in.Impact.Area, in.Impact.SafetyHarm, in.Impact.DataAffected = f.Get("area"), f.Get("safety_harm"), f.Get("data_affected")
	for _, c := range f["causes"] {
		in.Causes = append(in.Causes, ceptor.Cause(c))
	}
	for _, k := range f["systems"] {
		in.Systems = append(in.Systems, ceptor.SystemKind(k))
	}
	typed := &reportFormData{Indicators: f.Get("indicators"), Started: f.Get("started_at"), Detected: f.Get("detected_at"),
		Recovered: f.Get("recovered_at"), UsersAffected: strings.TrimSpace(f.Get("users_affected"))}
	if typed.UsersAffected != "" {
		n, err := strconv.Atoi(normalizeDigitsJA(typed.UsersAffected))
		if err != nil {
			errs["users_affected"] = i18n.T(lang, "rep.err.number")
		} else {
			in.Impact.UsersAffected = &n
		}
	}
	list, lineErrs := parseIndicatorLines(typed.Indicators)
	in.Indicators = list
	for _, e := range lineErrs {
		typed.IndicatorErrors = append(typed.IndicatorErrors, i18n.T(lang, "rep.err.line", e.Line, i18n.T(lang, e.Key)))
	}
	if len(lineErrs) > 0 {
		errs["indicators"] = i18n.T(lang, "rep.err.indicator_lines", len(lineErrs))
	}
	return in, typed, errs
}

// normalizeDigitsJA accepts full-width digits and thousands separators.
func normalizeDigitsJA(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == ',' || r == '，' || r == ' ':
			return -1
		}
		return r
	}, s)
	return s
}
