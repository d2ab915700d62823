package ceptor

import "testing"

func TestAllowC4TAP(t *testing.T) {
	mk := func(typ OrgType, role Role, org int64, member bool) *Actor {
		return &Actor{UserID: 1, OrgID: org, OrgType: typ, Role: role, C4TAP: member}
	}
	sub := func(tlp TLP) Resource { return Resource{Kind: KindC4TAP, OrgID: 10, TLP: tlp} }
	for _, c := range []struct {
		name string
		a    *Actor
		act  Action
		r    Resource
		want bool
	}{
		{"member analyst submits", mk(OrgOperator, RoleAnalyst, 10, true), ActCreate, sub(TLPAmber), true},
		{"non-member cannot submit", mk(OrgOperator, RoleAnalyst, 11, false), ActCreate, sub(TLPAmber), false},
		{"executive cannot submit", mk(OrgOperator, RoleExecutive, 10, true), ActCreate, sub(TLPAmber), false},
		{"council is a member", mk(OrgCouncil, RoleAnalyst, 3, false), ActCreate, sub(TLPAmber), true},
		{"member sees amber", mk(OrgOperator, RoleExecutive, 11, true), ActView, sub(TLPAmber), true},
		{"member does not see red", mk(OrgOperator, RoleAnalyst, 11, true), ActView, sub(TLPRed), false},
		{"NISC sees red", mk(OrgNISC, RoleAuditor, 1, false), ActView, sub(TLPRed), true},
		{"owner sees red", mk(OrgOperator, RoleAnalyst, 10, true), ActView, sub(TLPRed), true},
		{"non-member sees nothing", mk(OrgSecretariat, RoleAdmin, 12, false), ActView, sub(TLPClear), false},
		{"member does not see who", mk(OrgOperator, RoleAdmin, 11, true), ActViewIdentity, sub(TLPClear), false},
		{"council does not see who", mk(OrgCouncil, RoleAdmin, 3, false), ActViewIdentity, sub(TLPClear), false},
		{"NISC sees who", mk(OrgNISC, RoleAnalyst, 1, false), ActViewIdentity, sub(TLPAmber), true},
		{"owner sees who", mk(OrgOperator, RoleAnalyst, 10, true), ActViewIdentity, sub(TLPAmber), true},
		{"owner withdraws", mk(OrgOperator, RoleAnalyst, 10, true), ActDeactivate, sub(TLPAmber), true},
		{"other cannot withdraw", mk(OrgNISC, RoleAdmin, 1, false), ActDeactivate, sub(TLPAmber), false},
		{"council admin keeps members", mk(OrgCouncil, RoleAdmin, 3, false), ActManageMembers, Resource{Kind: KindC4TAP}, true},
		{"council analyst does not", mk(OrgCouncil, RoleAnalyst, 3, false), ActManageMembers, Resource{Kind: KindC4TAP}, false},
		{"member admin does not", mk(OrgSecretariat, RoleAdmin, 12, true), ActManageMembers, Resource{Kind: KindC4TAP}, false},
		{"NISC admin keeps members", mk(OrgNISC, RoleAdmin, 1, false), ActManageMembers, Resource{Kind: KindC4TAP}, true},
	} {
		if got := Allow(c.a, c.act, c.r); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestAllowMISP(t *testing.T) {
	mk := func(typ OrgType, role Role, org int64) *Actor {
		return &Actor{UserID: 1, OrgID: org, OrgType: typ, Role: role}
	}
	ev := func(tlp TLP) Resource { return Resource{Kind: KindMISP, OrgID: 10, TLP: tlp} }
	for _, c := range []struct {
		name string
		a    *Actor
		act  Action
		r    Resource
		want bool
	}{
		{"analyst imports", mk(OrgOperator, RoleAnalyst, 10), ActImport, ev(""), true},
		{"auditor cannot import", mk(OrgOperator, RoleAuditor, 10), ActImport, ev(""), false},
		{"anyone sees green", mk(OrgOperator, RoleExecutive, 11), ActView, ev(TLPGreen), true},
		{"anyone sees clear", mk(OrgSupplier, RoleAnalyst, 11), ActExport, ev(TLPClear), true},
		{"other does not see amber", mk(OrgSecretariat, RoleAdmin, 11), ActView, ev(TLPAmber), false},
		{"NISC sees amber", mk(OrgNISC, RoleExecutive, 1), ActView, ev(TLPAmber), true},
		{"owner sees red", mk(OrgOperator, RoleExecutive, 10), ActView, ev(TLPRed), true},
		{"owner removes", mk(OrgOperator, RoleAdmin, 10), ActDeactivate, ev(TLPRed), true},
		{"NISC cannot remove another's", mk(OrgNISC, RoleAdmin, 1), ActDeactivate, ev(TLPRed), false},
		{"unmarked is not community", mk(OrgOperator, RoleAdmin, 11), ActView, ev(""), false},
	} {
		if got := Allow(c.a, c.act, c.r); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestAllowTAXIISubscription(t *testing.T) {
	mk := func(typ OrgType, role Role, org int64) *Actor {
		return &Actor{UserID: 1, OrgID: org, OrgType: typ, Role: role}
	}
	sub := Resource{Kind: KindTAXIISub, OrgID: 10}
	for _, c := range []struct {
		name string
		a    *Actor
		act  Action
		want bool
	}{
		{"secretariat analyst subscribes", mk(OrgSecretariat, RoleAnalyst, 10), ActCreate, true},
		{"NISC admin subscribes", mk(OrgNISC, RoleAdmin, 1), ActCreate, true},
		{"operator does not", mk(OrgOperator, RoleAdmin, 11), ActCreate, false},
		{"executive does not", mk(OrgSecretariat, RoleExecutive, 10), ActCreate, false},
		{"owner sees", mk(OrgSecretariat, RoleExecutive, 10), ActView, true},
		{"NISC sees", mk(OrgNISC, RoleAuditor, 1), ActView, true},
		{"other secretariat does not", mk(OrgSecretariat, RoleAdmin, 12), ActView, false},
		{"owner removes", mk(OrgSecretariat, RoleAdmin, 10), ActDeactivate, true},
		{"NISC does not remove another's", mk(OrgNISC, RoleAdmin, 1), ActDeactivate, false},
	} {
		if got := Allow(c.a, c.act, sub); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}
