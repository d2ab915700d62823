package ceptor_test

// The policy for CEPTOR drills (セプター訓練), enumerated: every organisation
// of the policy world (policy_test.go) x role x token scope set x drill
// action x drill (CEPTOR chosen or not, announced or not, direction) x
// status. Allow's answers are compared with pdRules, the product rules
// written out below from the issue, never with policy_drill.go.

import (
	"fmt"
	"slices"
	"testing"

	"ceptor"
)

var pdActions = []ceptor.Action{
	ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActStart, ceptor.ActClose,
	ceptor.ActSelfCheck, ceptor.ActDrillReport,
	ceptor.ActPublish, ceptor.ActUnseal, // not drill actions: always refused
}

type pdCase struct {
	name string
	d    ceptor.Drill
}

func pdCases() []pdCase {
	var out []pdCase
	for _, cep := range []struct {
		name    string
		ceptor  int64
		sectors []int64
	}{{"bank", pwBank, []int64{pwFinance}}, {"telecom", pwTelecom, []int64{pwICT}}} {
		for _, st := range ceptor.DrillStatuses {
			for _, announced := range []bool{false, true} {
				for _, upward := range []bool{false, true} {
					out = append(out, pdCase{
						name: fmt.Sprintf("%s/%s/announced=%v/upward=%v", cep.name, st, announced, upward),
						d: ceptor.Drill{ID: 1, OrgID: pwNISC, CeptorIDs: []int64{cep.ceptor}, SectorIDs: cep.sectors, Status: st,
							Announced: announced, Downward: true, Upward: upward},
					})
				}
			}
		}
	}
	return out
}

// pdRules is the product rule for one question.
func pdRules(w *pwWorld, a *ceptor.Actor, org *ceptor.Organization, act ceptor.Action, d ceptor.Drill) bool {
	if a.Scopes != nil {
		need := ceptor.ScopeWrite
		if act == ceptor.ActView || act == ceptor.ActExport {
			need = ceptor.ScopeRead
		}
		if !slices.Contains(a.Scopes, need) {
			return false
		}
	}
	writer := a.Role == ceptor.RoleAdmin || a.Role == ceptor.RoleAnalyst
	nisc := org.Type == ceptor.OrgNISC
	// Who the drill concerns: members and secretariats of the chosen
	// CEPTORs, ministries of their sectors.
	member := pwOverlap(org.CeptorIDs, d.CeptorIDs)
	secretariat := org.Type == ceptor.OrgSecretariat && w.runs(org.ID, d.CeptorIDs)
	ministry := org.Type == ceptor.OrgMinistry && w.oversees(org.ID, d.SectorIDs)
	// An unannounced drill is NISC's secret until it starts.
	shown := d.Announced || d.Status != ceptor.DrillPlanned
	started := d.Status != ceptor.DrillPlanned
	switch act {
	case ceptor.ActView:
		return nisc || shown && (member || secretariat || ministry)
	case ceptor.ActExport:
		return nisc || started && (secretariat || ministry)
	case ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActStart:
		return nisc && writer && d.Status == ceptor.DrillPlanned
	case ceptor.ActClose:
		return nisc && writer && d.Status == ceptor.DrillRunning
	case ceptor.ActSelfCheck:
		return writer && started && (member || secretariat)
	case ceptor.ActDrillReport:
		return writer && d.Upward && d.Status == ceptor.DrillRunning && member
	}
	return false
}

func TestPolicyDrills(t *testing.T) {
	w := newPolicyWorld()
	checked := 0
	allowed := map[ceptor.Action]bool{}
	for _, org := range w.orgs {
		for _, role := range ceptor.Roles {
			uid := pwUserID(org.ID, role)
			for _, ss := range pwScopeSets {
				a := w.actor(pwSubject{org: org, role: role, userID: uid}, ss.scopes)
				for _, c := range pdCases() {
					r := ceptor.DrillResource(&c.d)
					for _, act := range pdActions {
						got := ceptor.Allow(a, act, r)
						want := pdRules(w, a, org, act, c.d)
						if got != want {
							t.Fatalf("%s %s %s, %s, drill %s: Allow=%v, rules say %v", org.Name, role, ss.name, act, c.name, got, want)
						}
						allowed[act] = allowed[act] || got
						checked++
					}
				}
			}
		}
	}
	for _, act := range pdActions[:8] {
		if !allowed[act] {
			t.Errorf("%s never allowed", act)
		}
	}
	t.Logf("%d decisions checked", checked)
}

// An unannounced planned drill leaks to nobody but NISC, whatever the role.
func TestPolicyDrillUnannouncedSecret(t *testing.T) {
	w := newPolicyWorld()
	d := ceptor.Drill{ID: 1, OrgID: pwNISC, CeptorIDs: []int64{pwBank}, SectorIDs: []int64{pwFinance}, Status: ceptor.DrillPlanned, Downward: true}
	for _, org := range w.orgs {
		for _, role := range ceptor.Roles {
			a := w.actor(pwSubject{org: org, role: role, userID: pwUserID(org.ID, role)}, nil)
			for _, act := range []ceptor.Action{ceptor.ActView, ceptor.ActExport, ceptor.ActSelfCheck, ceptor.ActDrillReport} {
				if got := ceptor.Allow(a, act, ceptor.DrillResource(&d)); got && org.Type != ceptor.OrgNISC {
					t.Errorf("%s %s may %s an unannounced planned drill", org.Name, role, act)
				}
			}
		}
	}
}

// Programme-wide drill participation figures are readable by every
// participant; only NISC's writers plan drills.
func TestPolicyDrillFigures(t *testing.T) {
	w := newPolicyWorld()
	for _, org := range w.orgs {
		for _, role := range ceptor.Roles {
			a := w.actor(pwSubject{org: org, role: role, userID: pwUserID(org.ID, role)}, nil)
			if !ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindDrill}) {
				t.Errorf("%s %s cannot read drill figures", org.Name, role)
			}
			want := org.Type == ceptor.OrgNISC && (role == ceptor.RoleAdmin || role == ceptor.RoleAnalyst)
			if got := ceptor.Allow(a, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindDrill}); got != want {
				t.Errorf("%s %s plans drills: %v, want %v", org.Name, role, got, want)
			}
		}
	}
}

func TestDrillScope(t *testing.T) {
	w := newPolicyWorld()
	d := &ceptor.Drill{CeptorIDs: []int64{pwBank, pwTelecom}}
	sector := func(id int64) int64 {
		for _, c := range w.ceptors {
			if c.ID == id {
				return c.SectorID
			}
		}
		return 0
	}
	for _, tc := range []struct {
		org  int64
		want []int64
	}{{pwNISC, nil}, {pwFSA, []int64{pwBank}}, {pwMIC, []int64{pwTelecom}}, {pwS1, []int64{pwBank}}, {pwS2, []int64{pwTelecom}}, {pwOpA, []int64{}}} {
		a := w.actor(pwSubject{org: w.byID[tc.org], role: ceptor.RoleAdmin, userID: pwUserID(tc.org, ceptor.RoleAdmin)}, nil)
		got := ceptor.DrillScope(a, d, sector)
		if (got == nil) != (tc.want == nil) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: scope %v, want %v", w.byID[tc.org].Name, got, tc.want)
		}
	}
}
