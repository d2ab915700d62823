package web

import (
	"net/http"

	"ceptor"
	"ceptor/i18n"
)

func (s *Server) routesHome() {
	s.mux.HandleFunc("GET /{$}", s.dashboard)
	for _, m := range modules {
		if m.Soon {
			s.mux.HandleFunc("GET "+m.Href, s.comingSoon(m.NavItem))
		}
	}
	// Anything else is a page that does not exist.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such page", Key: "err.page_not_found"})
	})
}

// dashboardData is what the home page shows.
type dashboardData struct {
	Sectors     int
	Ceptors     int
	Orgs        int
	Operators   int
	VisibleOrgs int
	Contacts    int
	Users       int
	TOTPEnabled bool
	Modules     []NavItem
	RecentAudit []*ceptor.AuditEntry
	CanSeeAudit bool
	OrgSectors  []*ceptor.Sector
	OrgCeptors  []*ceptor.Ceptor
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a := st.actor
	d := dashboardData{TOTPEnabled: st.user.TOTPEnabled}
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ceptors, err := s.store.ListCeptors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Sectors, d.Ceptors = len(sectors), len(ceptors)
	for _, sec := range sectors {
		if contains(st.org.SectorIDs, sec.ID) || contains(a.OverseesSectors, sec.ID) {
			d.OrgSectors = append(d.OrgSectors, sec)
		}
	}
	for _, c := range ceptors {
		if contains(st.org.CeptorIDs, c.ID) || contains(a.RunsCeptors, c.ID) {
			d.OrgCeptors = append(d.OrgCeptors, c)
		}
	}
	_, d.VisibleOrgs, err = s.store.ListOrgs(ctx, ceptor.OrgFilter{Limit: 1, Visible: s.visibleOrg(a)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	yes := true
	_, d.Operators, _ = s.store.ListOrgs(ctx, ceptor.OrgFilter{Limit: 1, Type: ceptor.OrgOperator, Active: &yes, Visible: s.visibleOrg(a)})
	for _, it := range navFor(a, "") {
		if it.Soon {
			d.Modules = append(d.Modules, it)
		}
	}
	if ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindAudit, OrgID: a.OrgID}) {
		d.CanSeeAudit = true
		f := ceptor.AuditFilterFor(a)
		f.Limit = 8
		d.RecentAudit, _ = s.store.ListAudit(ctx, f)
	}
	s.render(w, r, http.StatusOK, "dashboard", s.page(w, r, i18n.T(st.lang, "nav.dashboard"), d))
}

// visibleOrg is the policy, as a filter for organisation lists.
func (s *Server) visibleOrg(a *ceptor.Actor) func(*ceptor.Organization) bool {
	return func(o *ceptor.Organization) bool {
		return ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindOrg, o))
	}
}

func contains(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// comingSoonData names the issue that brings a module.
type comingSoonData struct {
	Item  NavItem
	Issue string
}

var moduleIssue = map[string]string{
	"/inbox": "issue #4", "/reports": "issue #3", "/advisories": "issue #4", "/incidents": "issue #3",
	"/drills": "issue #4", "/surveys": "issue #6", "/risk": "SPEC §3.4", "/monitoring": "SPEC §3.7", "/annual": "SPEC §3.8",
}

func (s *Server) comingSoon(it NavItem) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		p := s.page(w, r, i18n.T(st.lang, it.Key), comingSoonData{Item: it, Issue: moduleIssue[it.Href]})
		s.render(w, r, http.StatusOK, "soon", p)
	}
}
