package web

import (
	"strings"

	"ceptor"
)

// NavItem is one entry of the main navigation.
type NavItem struct {
	Key     string // message key of the label
	Href    string
	Icon    string // name of an icon in static/icons.svg
	Active  bool
	Soon    bool // a module that a later release brings
	Section string
}

// module is a navigation entry with who sees it. The policy decides access
// to data; navigation only hides what a role has no use for.
type module struct {
	NavItem
	show func(a *ceptor.Actor) bool
}

func everyone(*ceptor.Actor) bool { return true }

func notSupplierOnly(a *ceptor.Actor) bool { return true }

var modules = []module{
	{NavItem{Key: "nav.dashboard", Href: "/", Icon: "home", Section: "main"}, everyone},
	{NavItem{Key: "nav.inbox", Href: "/inbox", Icon: "inbox", Section: "sharing"}, everyone},
	{NavItem{Key: "nav.reports", Href: "/reports", Icon: "report", Section: "sharing"}, func(a *ceptor.Actor) bool { return a.OrgType != ceptor.OrgCouncil }},
	{NavItem{Key: "nav.advisories", Href: "/advisories", Icon: "megaphone", Section: "sharing"}, everyone},
	{NavItem{Key: "nav.incidents", Href: "/incidents", Icon: "alert", Section: "sharing"}, func(a *ceptor.Actor) bool {
		return a.OrgType == ceptor.OrgNISC || a.OrgType == ceptor.OrgMinistry || a.OrgType == ceptor.OrgResponse || a.OrgType == ceptor.OrgSecurity
	}},
	{NavItem{Key: "nav.taxii", Href: "/taxii", Icon: "network", Section: "sharing"}, everyone},
	{NavItem{Key: "nav.c4tap", Href: "/sharing", Icon: "shield", Section: "sharing"}, everyone},
	{NavItem{Key: "nav.drills", Href: "/drills", Icon: "drill", Section: "readiness"}, func(a *ceptor.Actor) bool {
		return a.OrgType != ceptor.OrgSecurity && a.OrgType != ceptor.OrgResponse
	}},
	{NavItem{Key: "nav.surveys", Href: "/surveys", Icon: "survey", Section: "readiness"}, func(a *ceptor.Actor) bool {
		return a.OrgType == ceptor.OrgNISC || a.OrgType == ceptor.OrgMinistry || a.OrgType == ceptor.OrgOperator || a.OrgType == ceptor.OrgSecretariat
	}},
	{NavItem{Key: "nav.risk", Href: "/risk", Icon: "graph", Soon: true, Section: "readiness"}, func(a *ceptor.Actor) bool {
		return a.OrgType == ceptor.OrgNISC || a.OrgType == ceptor.OrgMinistry || a.OrgType == ceptor.OrgOperator || a.OrgType == ceptor.OrgSupplier
	}},
	{NavItem{Key: "nav.monitoring", Href: "/monitoring", Icon: "pulse", Soon: true, Section: "readiness"}, func(a *ceptor.Actor) bool {
		return a.OrgType == ceptor.OrgNISC || a.OrgType == ceptor.OrgCouncil || a.OrgType == ceptor.OrgSecretariat
	}},
	{NavItem{Key: "nav.stats", Href: "/stats/reports", Icon: "graph", Section: "readiness"}, showStats},
	{NavItem{Key: "nav.annual", Href: "/annual", Icon: "book", Soon: true, Section: "readiness"}, func(a *ceptor.Actor) bool {
		return a.OrgType == ceptor.OrgNISC || a.OrgType == ceptor.OrgMinistry || a.Role == ceptor.RoleExecutive
	}},
	{NavItem{Key: "nav.registry", Href: "/registry/orgs", Icon: "building", Section: "registry"}, everyone},
	{NavItem{Key: "nav.sectors", Href: "/registry/sectors", Icon: "grid", Section: "registry"}, everyone},
	{NavItem{Key: "nav.ceptors", Href: "/registry/ceptors", Icon: "network", Section: "registry"}, everyone},
	{NavItem{Key: "nav.users", Href: "/admin/users", Icon: "users", Section: "admin"}, func(a *ceptor.Actor) bool {
		return a.Role == ceptor.RoleAdmin || a.Role == ceptor.RoleAuditor
	}},
	{NavItem{Key: "nav.audit", Href: "/admin/audit", Icon: "shield", Section: "admin"}, func(a *ceptor.Actor) bool {
		return ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindAudit, OrgID: a.OrgID})
	}},
}

// navFor returns the navigation an actor sees, marking the current entry.
func navFor(a *ceptor.Actor, current string) []NavItem {
	var out []NavItem
	for _, m := range modules {
		if !m.show(a) {
			continue
		}
		it := m.NavItem
		it.Active = it.Href == current || it.Href != "/" && strings.HasPrefix(current, it.Href)
		out = append(out, it)
	}
	return out
}
