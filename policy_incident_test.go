package ceptor_test

// Tests of the policy for incidents: every organisation type x role x token
// scope x relationship (the incident's sectors) x TLP x mode x action, checked
// against piExpected, which is written from the rules of the incidents
// module (see allowIncident's comment), never by calling Allow.

import (
	"fmt"
	"slices"
	"testing"

	"ceptor"
)

const (
	piFinance int64 = 1 // overseen by FSA
	piICT     int64 = 2 // overseen by MIC
	piMedical int64 = 3 // no ministry in this world

	piBank int64 = 10 // CEPTOR of finance

	piNISC     int64 = 100
	piFSA      int64 = 101
	piMIC      int64 = 102
	piSec      int64 = 111 // secretariat of piBank
	piCouncil  int64 = 120
	piSecurity int64 = 130
	piResponse int64 = 140
	piSupplier int64 = 150
	piOp       int64 = 201 // operator in finance, member of piBank
)

type piWorld struct {
	sectors []*ceptor.Sector
	ceptors []*ceptor.Ceptor
	orgs    []*ceptor.Organization
}

func newPIWorld() *piWorld {
	w := &piWorld{
		sectors: []*ceptor.Sector{
			{ID: piFinance, Code: "finance", MinistryOrgID: piFSA, Active: true},
			{ID: piICT, Code: "ict", MinistryOrgID: piMIC, Active: true},
			{ID: piMedical, Code: "medical", Active: true},
		},
		ceptors: []*ceptor.Ceptor{{ID: piBank, Code: "bank", SectorID: piFinance, SecretariatOrgID: piSec, Active: true}},
	}
	add := func(id int64, t ceptor.OrgType, sectors, ceptors []int64) {
		w.orgs = append(w.orgs, &ceptor.Organization{ID: id, Name: fmt.Sprint(t, id), Type: t, SectorIDs: sectors, CeptorIDs: ceptors, Active: true})
	}
	add(piNISC, ceptor.OrgNISC, nil, nil)
	add(piFSA, ceptor.OrgMinistry, nil, nil)
	add(piMIC, ceptor.OrgMinistry, nil, nil)
	add(piSec, ceptor.OrgSecretariat, []int64{piFinance}, nil)
	add(piCouncil, ceptor.OrgCouncil, nil, nil)
	add(piSecurity, ceptor.OrgSecurity, nil, nil)
	add(piResponse, ceptor.OrgResponse, nil, nil)
	add(piSupplier, ceptor.OrgSupplier, []int64{piFinance}, []int64{piBank})
	add(piOp, ceptor.OrgOperator, []int64{piFinance}, []int64{piBank})
	return w
}

func (w *piWorld) actor(o *ceptor.Organization, role ceptor.Role, scopes []string) *ceptor.Actor {
	u := &ceptor.User{ID: o.ID*10 + int64(slices.Index(ceptor.Roles, role)) + 1, OrgID: o.ID, Role: role}
	return ceptor.NewActor(u, o, w.sectors, w.ceptors, scopes)
}

var piActions = []ceptor.Action{ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActSwitchMode,
	ceptor.ActEvaluate, ceptor.ActDeactivate, ceptor.ActRelay, ceptor.ActUnseal, ceptor.ActViewIdentity, ceptor.ActImport}

// piExpected is the rule book for incidents.
func piExpected(org *ceptor.Organization, role ceptor.Role, scopes []string, act ceptor.Action, r ceptor.Resource) (bool, string) {
	reads := act == ceptor.ActView || act == ceptor.ActExport
	if scopes != nil {
		need := ceptor.ScopeWrite
		if reads {
			need = ceptor.ScopeRead
		}
		if !slices.Contains(scopes, need) {
			return false, "token scope"
		}
	}
	if !reads && (role == ceptor.RoleExecutive || role == ceptor.RoleAuditor) {
		return false, "read-only role"
	}
	// Which ministries oversee the incident's sectors, in this world.
	overseen := map[int64]bool{}
	for _, s := range r.SectorIDs {
		switch s {
		case piFinance:
			overseen[piFSA] = true
		case piICT:
			overseen[piMIC] = true
		}
	}
	tlpAllowsAgencies := r.TLP == ceptor.TLPClear || r.TLP == ceptor.TLPGreen || r.TLP == ceptor.TLPAmber
	switch org.Type {
	case ceptor.OrgNISC:
		switch act {
		case ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActSwitchMode, ceptor.ActEvaluate:
			return true, "NISC runs incidents"
		}
		return false, "no such action on incidents"
	case ceptor.OrgMinistry:
		if !overseen[org.ID] {
			return false, "ministry of other sectors"
		}
		switch act {
		case ceptor.ActView, ceptor.ActExport:
			return true, "affected ministry sees (any TLP, any mode)"
		case ceptor.ActEvaluate:
			if r.FinalEvaluation {
				return false, "final evaluation is NISC's"
			}
			return true, "affected ministry evaluates provisionally"
		}
		return false, "ministry only reads and evaluates"
	case ceptor.OrgSecurity, ceptor.OrgResponse:
		if !reads {
			return false, "agencies only read"
		}
		if !r.LargeScale {
			return false, "agencies join in large-scale mode only"
		}
		if !tlpAllowsAgencies {
			return false, "AMBER+STRICT/RED stays with NISC and ministries"
		}
		return true, "agency in large-scale mode"
	}
	return false, "operators, secretariats, council and suppliers do not see incidents"
}

func TestAllowIncidentMatrix(t *testing.T) {
	t.Parallel()
	w := newPIWorld()
	sectorSets := [][]int64{nil, {piFinance}, {piICT}, {piFinance, piICT}, {piMedical}}
	tlps := append([]ceptor.TLP{""}, ceptor.TLPs...)
	scopeSets := [][]string{nil, {ceptor.ScopeRead}, {ceptor.ScopeRead, ceptor.ScopeWrite}}
	allowed, denied := 0, 0
	for _, o := range w.orgs {
		for _, role := range ceptor.Roles {
			for _, scopes := range scopeSets {
				a := w.actor(o, role, scopes)
				for _, sectors := range sectorSets {
					for _, tlp := range tlps {
						for _, large := range []bool{false, true} {
							for _, final := range []bool{false, true} {
								ref := &ceptor.IncidentRef{ID: 1, Status: ceptor.IncidentOpen, TLP: tlp, LargeScale: large, SectorIDs: sectors, CreatedByOrg: piNISC}
								r := ref.Resource()
								r.FinalEvaluation = final
								for _, act := range piActions {
									want, why := piExpected(o, role, scopes, act, r)
									if got := ceptor.Allow(a, act, r); got != want {
										t.Errorf("%s %s scopes=%v %s incident(sectors=%v tlp=%q large=%v final=%v): got %v, want %v (%s)",
											o.Type, role, scopes, act, sectors, tlp, large, final, got, want, why)
									}
									if want {
										allowed++
									} else {
										denied++
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if allowed == 0 || denied == 0 {
		t.Fatalf("degenerate matrix: %d allowed, %d denied", allowed, denied)
	}
}

// Spot checks that read as the rules do.
func TestAllowIncidentExamples(t *testing.T) {
	t.Parallel()
	w := newPIWorld()
	org := map[int64]*ceptor.Organization{}
	for _, o := range w.orgs {
		org[o.ID] = o
	}
	finance := func(tlp ceptor.TLP, large bool) ceptor.Resource {
		return (&ceptor.IncidentRef{TLP: tlp, LargeScale: large, SectorIDs: []int64{piFinance}, CreatedByOrg: piNISC}).Resource()
	}
	final := finance(ceptor.TLPAmber, false)
	final.FinalEvaluation = true
	scenarios := []struct {
		name string
		org  int64
		role ceptor.Role
		act  ceptor.Action
		r    ceptor.Resource
		want bool
	}{
		{"NISC analyst creates", piNISC, ceptor.RoleAnalyst, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindIncident}, true},
		{"NISC analyst switches the mode", piNISC, ceptor.RoleAnalyst, ceptor.ActSwitchMode, finance(ceptor.TLPRed, false), true},
		{"NISC executive reads", piNISC, ceptor.RoleExecutive, ceptor.ActView, finance(ceptor.TLPRed, true), true},
		{"NISC executive does not switch", piNISC, ceptor.RoleExecutive, ceptor.ActSwitchMode, finance(ceptor.TLPGreen, false), false},
		{"NISC records the final evaluation", piNISC, ceptor.RoleAnalyst, ceptor.ActEvaluate, final, true},
		{"FSA sees a finance incident in normal mode", piFSA, ceptor.RoleAuditor, ceptor.ActView, finance(ceptor.TLPRed, false), true},
		{"MIC does not see a finance incident", piMIC, ceptor.RoleAdmin, ceptor.ActView, finance(ceptor.TLPClear, true), false},
		{"FSA evaluates provisionally", piFSA, ceptor.RoleAnalyst, ceptor.ActEvaluate, finance(ceptor.TLPAmber, false), true},
		{"FSA does not evaluate finally", piFSA, ceptor.RoleAnalyst, ceptor.ActEvaluate, final, false},
		{"FSA does not group reports", piFSA, ceptor.RoleAdmin, ceptor.ActUpdate, finance(ceptor.TLPAmber, true), false},
		{"disaster agency joins in large-scale mode", piResponse, ceptor.RoleAnalyst, ceptor.ActView, finance(ceptor.TLPAmber, true), true},
		{"disaster agency is out in normal mode", piResponse, ceptor.RoleAnalyst, ceptor.ActView, finance(ceptor.TLPClear, false), false},
		{"AMBER+STRICT stays inside", piSecurity, ceptor.RoleAdmin, ceptor.ActView, finance(ceptor.TLPAmberStrict, true), false},
		{"RED stays inside", piResponse, ceptor.RoleAdmin, ceptor.ActView, finance(ceptor.TLPRed, true), false},
		{"security agency reads, never writes", piSecurity, ceptor.RoleAdmin, ceptor.ActEvaluate, finance(ceptor.TLPGreen, true), false},
		{"the reporting operator does not see the incident", piOp, ceptor.RoleAdmin, ceptor.ActView, finance(ceptor.TLPClear, true), false},
		{"the secretariat does not see the incident", piSec, ceptor.RoleAdmin, ceptor.ActView, finance(ceptor.TLPClear, true), false},
		{"the supplier does not see the incident", piSupplier, ceptor.RoleAdmin, ceptor.ActView, finance(ceptor.TLPClear, true), false},
	}
	for _, sc := range scenarios {
		a := w.actor(org[sc.org], sc.role, nil)
		sc.r.Kind = ceptor.KindIncident
		if got := ceptor.Allow(a, sc.act, sc.r); got != sc.want {
			t.Errorf("%s: got %v", sc.name, got)
		}
	}
}
