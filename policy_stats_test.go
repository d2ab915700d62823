package ceptor_test

// The policy for statistics, as a table: who may see (and export) the report
// counts of which sectors, and how small counts are shown to them. The
// expected answers are written out from the product rule, never computed by
// calling the policy.

import (
	"fmt"
	"slices"
	"testing"

	"ceptor"
)

const (
	psFinance int64 = 1 // overseen by FSA
	psICT     int64 = 2 // overseen by MIC
	psMedical int64 = 3 // no ministry in this world

	psBank int64 = 10 // CEPTOR of finance, run by psSec

	psNISC     int64 = 100
	psFSA      int64 = 101
	psMIC      int64 = 102
	psSec      int64 = 111
	psCouncil  int64 = 120
	psSecurity int64 = 130
	psResponse int64 = 140
	psSupplier int64 = 150
	psOp       int64 = 201 // operator in finance
	psOpTwo    int64 = 202 // operator in finance and ICT
)

type psWorld struct {
	sectors []*ceptor.Sector
	ceptors []*ceptor.Ceptor
	orgs    map[int64]*ceptor.Organization
}

func newPSWorld() *psWorld {
	w := &psWorld{
		sectors: []*ceptor.Sector{
			{ID: psFinance, Code: "finance", MinistryOrgID: psFSA, Active: true},
			{ID: psICT, Code: "ict", MinistryOrgID: psMIC, Active: true},
			{ID: psMedical, Code: "medical", Active: true},
		},
		ceptors: []*ceptor.Ceptor{{ID: psBank, Code: "bank", SectorID: psFinance, SecretariatOrgID: psSec, Active: true}},
		orgs:    map[int64]*ceptor.Organization{},
	}
	add := func(id int64, t ceptor.OrgType, sectors, ceptors []int64) {
		w.orgs[id] = &ceptor.Organization{ID: id, Name: fmt.Sprint(t, id), Type: t, SectorIDs: sectors, CeptorIDs: ceptors, Active: true}
	}
	add(psNISC, ceptor.OrgNISC, nil, nil)
	add(psFSA, ceptor.OrgMinistry, nil, nil)
	add(psMIC, ceptor.OrgMinistry, nil, nil)
	add(psSec, ceptor.OrgSecretariat, []int64{psFinance}, nil)
	add(psCouncil, ceptor.OrgCouncil, nil, nil)
	add(psSecurity, ceptor.OrgSecurity, nil, nil)
	add(psResponse, ceptor.OrgResponse, nil, nil)
	add(psSupplier, ceptor.OrgSupplier, []int64{psICT}, nil)
	add(psOp, ceptor.OrgOperator, []int64{psFinance}, []int64{psBank})
	add(psOpTwo, ceptor.OrgOperator, []int64{psFinance, psICT}, nil)
	return w
}

func (w *psWorld) actor(org int64, role ceptor.Role, scopes []string) *ceptor.Actor {
	o := w.orgs[org]
	u := &ceptor.User{ID: org*10 + int64(slices.Index(ceptor.Roles, role)) + 1, OrgID: org, Role: role}
	return ceptor.NewActor(u, o, w.sectors, w.ceptors, scopes)
}

// psCoverage names the statistics asked about.
var psCoverage = []struct {
	name    string
	sectors []int64
}{
	{"programme", nil},
	{"finance", []int64{psFinance}},
	{"ict", []int64{psICT}},
	{"medical", []int64{psMedical}},
	{"finance+ict", []int64{psFinance, psICT}},
	{"unknown sector", []int64{0}},
}

// psSees is the rule book: which coverages each organisation × role may
// read. "all" means every coverage.
var psSees = map[int64]map[ceptor.Role][]string{
	psNISC: {ceptor.RoleAdmin: {"all"}, ceptor.RoleAnalyst: {"all"}, ceptor.RoleExecutive: {"all"}, ceptor.RoleAuditor: {"all"}},
	// Every role of a ministry: the sectors it oversees.
	psFSA: {ceptor.RoleAdmin: {"finance"}, ceptor.RoleAnalyst: {"finance"}, ceptor.RoleExecutive: {"finance"}, ceptor.RoleAuditor: {"finance"}},
	psMIC: {ceptor.RoleAdmin: {"ict"}, ceptor.RoleAnalyst: {"ict"}, ceptor.RoleExecutive: {"ict"}, ceptor.RoleAuditor: {"ict"}},
	// Elsewhere only executives, for their organisation's sectors.
	psSec:      {ceptor.RoleExecutive: {"finance"}},
	psSupplier: {ceptor.RoleExecutive: {"ict"}},
	psOp:       {ceptor.RoleExecutive: {"finance"}},
	psOpTwo:    {ceptor.RoleExecutive: {"finance", "ict", "finance+ict"}},
	psCouncil:  {}, // no sectors: nothing, executives included
	psSecurity: {},
	psResponse: {},
}

func TestAllowStatsMatrix(t *testing.T) {
	w := newPSWorld()
	acts := []ceptor.Action{ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActDeactivate, ceptor.ActImport, ceptor.ActEvaluate}
	scopeSets := []struct {
		name   string
		scopes []string
	}{
		{"session", nil},
		{"token read", []string{ceptor.ScopeRead}},
		{"token write only", []string{ceptor.ScopeWrite}},
		{"token admin only", []string{ceptor.ScopeAdmin}},
	}
	checked := 0
	for org, roles := range psSees {
		for _, role := range ceptor.Roles {
			granted := roles[role]
			for _, ss := range scopeSets {
				a := w.actor(org, role, ss.scopes)
				for _, cov := range psCoverage {
					for _, act := range acts {
						want := (act == ceptor.ActView || act == ceptor.ActExport) &&
							(ss.scopes == nil || slices.Contains(ss.scopes, ceptor.ScopeRead)) &&
							(slices.Contains(granted, "all") || slices.Contains(granted, cov.name))
						got := ceptor.Allow(a, act, ceptor.Resource{Kind: ceptor.KindStats, SectorIDs: cov.sectors})
						checked++
						if got != want {
							t.Errorf("%s %s (%s) %s statistics of %s: got %v, want %v",
								w.orgs[org].Type, role, ss.name, act, cov.name, got, want)
						}
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d cases checked", checked)
	}
}

func TestAllowStatsExamples(t *testing.T) {
	w := newPSWorld()
	stats := func(sectors ...int64) ceptor.Resource {
		return ceptor.Resource{Kind: ceptor.KindStats, SectorIDs: sectors}
	}
	for _, sc := range []struct {
		name string
		a    *ceptor.Actor
		res  ceptor.Resource
		want bool
	}{
		{"NISC analyst: the whole programme", w.actor(psNISC, ceptor.RoleAnalyst, nil), stats(), true},
		{"NISC auditor: one sector", w.actor(psNISC, ceptor.RoleAuditor, nil), stats(psMedical), true},
		{"FSA analyst: finance", w.actor(psFSA, ceptor.RoleAnalyst, nil), stats(psFinance), true},
		{"FSA analyst: ICT is MIC's", w.actor(psFSA, ceptor.RoleAnalyst, nil), stats(psICT), false},
		{"FSA analyst: finance together with ICT", w.actor(psFSA, ceptor.RoleAnalyst, nil), stats(psFinance, psICT), false},
		{"FSA analyst: not the whole programme", w.actor(psFSA, ceptor.RoleAnalyst, nil), stats(), false},
		{"operator analyst: refused, own sector too", w.actor(psOp, ceptor.RoleAnalyst, nil), stats(psFinance), false},
		{"operator admin: refused", w.actor(psOp, ceptor.RoleAdmin, nil), stats(psFinance), false},
		{"operator executive: own sector", w.actor(psOp, ceptor.RoleExecutive, nil), stats(psFinance), true},
		{"operator executive: another sector", w.actor(psOp, ceptor.RoleExecutive, nil), stats(psICT), false},
		{"secretariat analyst: refused", w.actor(psSec, ceptor.RoleAnalyst, nil), stats(psFinance), false},
		{"council executive: has no sector", w.actor(psCouncil, ceptor.RoleExecutive, nil), stats(psFinance), false},
		{"executive token without read scope", w.actor(psOp, ceptor.RoleExecutive, []string{}), stats(psFinance), false},
		{"no actor", nil, stats(psFinance), false},
	} {
		if got := ceptor.Allow(sc.a, ceptor.ActView, sc.res); got != sc.want {
			t.Errorf("%s: got %v, want %v", sc.name, got, sc.want)
		}
	}
}

func TestStatsThresholdAndSectors(t *testing.T) {
	w := newPSWorld()
	all := []int64{psFinance, psICT, psMedical}
	for _, sc := range []struct {
		name      string
		a         *ceptor.Actor
		threshold int
		sectors   []int64
	}{
		{"NISC admin", w.actor(psNISC, ceptor.RoleAdmin, nil), 0, all},
		{"NISC executive", w.actor(psNISC, ceptor.RoleExecutive, nil), 0, all},
		{"NISC read token", w.actor(psNISC, ceptor.RoleAnalyst, []string{ceptor.ScopeRead}), 0, all},
		{"FSA admin", w.actor(psFSA, ceptor.RoleAdmin, nil), ceptor.StatsMinCount, []int64{psFinance}},
		{"MIC auditor", w.actor(psMIC, ceptor.RoleAuditor, nil), ceptor.StatsMinCount, []int64{psICT}},
		{"operator executive in two sectors", w.actor(psOpTwo, ceptor.RoleExecutive, nil), ceptor.StatsMinCount, []int64{psFinance, psICT}},
		{"operator analyst", w.actor(psOp, ceptor.RoleAnalyst, nil), ceptor.StatsMinCount, nil},
	} {
		if got := ceptor.StatsThreshold(sc.a); got != sc.threshold {
			t.Errorf("%s: threshold %d, want %d", sc.name, got, sc.threshold)
		}
		if got := ceptor.StatsSectors(sc.a, all); !slices.Equal(got, sc.sectors) {
			t.Errorf("%s: sectors %v, want %v", sc.name, got, sc.sectors)
		}
	}
	if ceptor.StatsMinCount < 3 {
		t.Errorf("StatsMinCount = %d: counts of one and two must not be shown outside NISC", ceptor.StatsMinCount)
	}
}
