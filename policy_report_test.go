package ceptor_test

// The policy for reports (情報連絡), enumerated: every organisation of the
// policy world (policy_test.go) × role × token scope set asks about reports
// standing in every relationship to it — its own (by organisation, or by the
// keyed tag only when anonymous), drafts, pending at its desk, passed through
// it, received by it, not in its chain — for every report action. Each answer
// of ceptor.Allow is compared with prRules, the product rules written out
// below, never with policy.go. Reports are described as ceptor.ReportRef,
// the way storage returns them, and turned into a Resource with
// ReportRef.Resource, as the web layer does.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"ceptor"
)

// prTag stands in for the keyed hash of an organisation.
func prTag(org int64) string { return fmt.Sprintf("tag-%d", org) }

var prActions = []ceptor.Action{
	ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActRelay,
	ceptor.ActEvaluate, ceptor.ActUnseal, ceptor.ActViewIdentity,
	ceptor.ActDeactivate, // not a report action: always refused
}

// Relationships of a report to the asking organisation.
const (
	prOwn           = "own report"
	prOwnAnon       = "own anonymous report (recognised by tag only)"
	prOwnDraft      = "own draft"
	prOwnAnonDraft  = "own anonymous draft (tag only)"
	prPending       = "pending at the actor's organisation"
	prPendingAnon   = "anonymous, pending at the actor's organisation"
	prPassed        = "in chain, passed on"
	prReceived      = "in chain, received at the end"
	prClosed        = "in chain, closed"
	prAnonSealed    = "anonymous, in chain, sealed"
	prAnonUnsealed  = "anonymous, in chain, unsealed"
	prAnonOtherCEP  = "anonymous of another CEPTOR, in chain, unsealed"
	prNotInChain    = "not in chain"
	prNotInAnon     = "anonymous, not in chain, unsealed"
	prDraftOfOther  = "another organisation's draft naming the actor (never sent)"
	prAnonNeverSent = "another's anonymous draft"
)

type prReport struct {
	rel string
	ref ceptor.ReportRef
}

// prReports builds the reports the organisation me is asked about. other is
// a reporter that is not me; hub and next are organisations other than me
// that a chain can pass through.
func prReports(me int64) []prReport {
	other := pwOpA
	if me == pwOpA {
		other = pwOpB
	}
	hub, next := pwFSA, pwNISC
	if me == pwFSA || me == pwNISC {
		hub, next = pwMIC, pwS2
	}
	named := func(reporter int64, st ceptor.ReportStatus, chain []int64, pending int64) ceptor.ReportRef {
		return ceptor.ReportRef{Status: st, Route: ceptor.RouteMinistry, SectorID: pwFinance, TLP: ceptor.TLPAmber,
			ReporterOrg: reporter, ReporterTag: prTag(reporter), ChainOrgs: chain, PendingAt: pending}
	}
	// anon: the bank CEPTOR (run by S1) unless another is given; the
	// reporter is known by its tag only.
	anon := func(reporter int64, st ceptor.ReportStatus, chain []int64, pending int64, unsealed bool, cep int64) ceptor.ReportRef {
		return ceptor.ReportRef{Status: st, Route: ceptor.RouteAnonymous, CeptorID: cep, SectorID: pwFinance, TLP: ceptor.TLPAmber,
			ReporterTag: prTag(reporter), ChainOrgs: chain, PendingAt: pending, Unsealed: unsealed}
	}
	S, R, D, C := ceptor.ReportSubmitted, ceptor.ReportReceived, ceptor.ReportDraft, ceptor.ReportClosed
	return []prReport{
		{prOwn, named(me, S, []int64{hub}, hub)},
		{prOwnAnon, anon(me, S, []int64{hub}, hub, false, pwBank)},
		{prOwnDraft, named(me, D, nil, 0)},
		{prOwnAnonDraft, anon(me, D, nil, 0, false, pwBank)},
		{prPending, named(other, S, []int64{me}, me)},
		{prPendingAnon, anon(other, S, []int64{me}, me, false, pwBank)},
		{prPassed, named(other, S, []int64{me, next}, next)},
		{prReceived, named(other, R, []int64{hub, me}, 0)},
		{prClosed, named(other, C, []int64{hub, me}, 0)},
		{prAnonSealed, anon(other, S, []int64{me, next}, next, false, pwBank)},
		{prAnonUnsealed, anon(other, R, []int64{me, next}, 0, true, pwBank)},
		{prAnonOtherCEP, anon(other, R, []int64{me, next}, 0, true, pwTelecom)},
		{prNotInChain, named(other, S, []int64{hub, next}, next)},
		{prNotInAnon, anon(other, R, []int64{hub, next}, 0, true, pwBank)},
		{prDraftOfOther, named(other, D, []int64{me}, me)},
		{prAnonNeverSent, anon(other, D, []int64{me}, me, true, pwBank)},
	}
}

// prFacts is what the rules talk about, computed from the report
// description and the world definition, not from the Actor.
type prFacts struct {
	orgType   ceptor.OrgType
	role      ceptor.Role
	own       bool // reported by the actor's organisation (by id, or by tag when anonymous)
	inChain   bool // the report has reached the actor's organisation
	pending   bool // the report waits at the actor's organisation
	draft     bool
	anonymous bool
	unsealed  bool
	runs      bool // the actor's organisation is the secretariat of the report's CEPTOR
}

func (f prFacts) worker() bool { return f.role == ceptor.RoleAdmin || f.role == ceptor.RoleAnalyst }
func (f prFacts) is(t ...ceptor.OrgType) bool {
	return slices.Contains(t, f.orgType)
}

// prRule grants acts to whoever who accepts.
type prRule struct {
	acts []ceptor.Action
	rule string
	who  func(prFacts) bool
}

var prRules = []prRule{
	{[]ceptor.Action{ceptor.ActView, ceptor.ActExport}, "the reporter reads its own report, drafts included",
		func(f prFacts) bool { return f.own }},
	{[]ceptor.Action{ceptor.ActView, ceptor.ActExport}, "an organisation the report has reached reads it",
		func(f prFacts) bool { return f.inChain && !f.draft }},
	{[]ceptor.Action{ceptor.ActCreate}, "admins and analysts of every organisation but NISC report",
		func(f prFacts) bool { return f.worker() && !f.is(ceptor.OrgNISC) }},
	{[]ceptor.Action{ceptor.ActUpdate}, "admins and analysts of the reporter update its report",
		func(f prFacts) bool { return f.worker() && f.own }},
	{[]ceptor.Action{ceptor.ActRelay}, "admins and analysts relay a submitted report waiting at their organisation",
		func(f prFacts) bool { return f.worker() && f.pending && !f.draft }},
	{[]ceptor.Action{ceptor.ActEvaluate}, "admins and analysts of NISC or a ministry evaluate a report that reached them",
		func(f prFacts) bool {
			return f.worker() && f.is(ceptor.OrgNISC, ceptor.OrgMinistry) && f.inChain && !f.draft
		}},
	{[]ceptor.Action{ceptor.ActUnseal}, "the admin of the secretariat running the report's CEPTOR unseals an anonymous report that reached it",
		func(f prFacts) bool {
			return f.role == ceptor.RoleAdmin && f.is(ceptor.OrgSecretariat) && f.runs && f.anonymous && f.inChain && !f.draft
		}},
	{[]ceptor.Action{ceptor.ActViewIdentity}, "the reporter knows itself",
		func(f prFacts) bool { return f.own }},
	{[]ceptor.Action{ceptor.ActViewIdentity}, "a named report's reporter is known to everyone it reached",
		func(f prFacts) bool { return !f.anonymous && f.inChain && !f.draft }},
	{[]ceptor.Action{ceptor.ActViewIdentity}, "an unsealed identity is known to the secretariat running the CEPTOR, if the report reached it",
		func(f prFacts) bool {
			return f.anonymous && f.unsealed && f.is(ceptor.OrgSecretariat) && f.runs && f.inChain && !f.draft
		}},
}

// prExpected is the rules' answer and the reason.
func prExpected(f prFacts, act ceptor.Action, scopes []string) (bool, string) {
	why := ""
	for _, r := range prRules {
		if slices.Contains(r.acts, act) && r.who(f) {
			why = r.rule
			break
		}
	}
	if why == "" {
		return false, "no rule grants it"
	}
	read := act == ceptor.ActView || act == ceptor.ActExport
	if !read && (f.role == ceptor.RoleExecutive || f.role == ceptor.RoleAuditor) {
		return false, "executives and auditors never change anything (else: " + why + ")"
	}
	need := ceptor.ScopeWrite
	if read {
		need = ceptor.ScopeRead
	}
	if scopes != nil && !slices.Contains(scopes, need) {
		return false, fmt.Sprintf("token lacks scope %q (else: %s)", need, why)
	}
	return true, why
}

func TestAllowReports(t *testing.T) {
	w := newPolicyWorld()
	var checked, allowed int
	var mismatches []string
	ruleUsed := make([]bool, len(prRules))
	relSeen := map[string]bool{}
	// Every action must be both granted and refused somewhere.
	actAllowed, actRefused := map[ceptor.Action]bool{}, map[ceptor.Action]bool{}

	for _, o := range w.orgs {
		reports := prReports(o.ID)
		for _, role := range ceptor.Roles {
			s := pwSubject{org: o, role: role, userID: pwUserID(o.ID, role)}
			for _, sc := range pwScopeSets {
				a := w.actor(s, sc.scopes)
				a.OrgTag = prTag(o.ID)
				for _, rep := range reports {
					relSeen[rep.rel] = true
					ref := rep.ref
					f := prFacts{
						orgType:   o.Type,
						role:      role,
						own:       ref.ReporterOrg == o.ID || ref.ReporterTag == prTag(o.ID),
						inChain:   slices.Contains(ref.ChainOrgs, o.ID),
						pending:   ref.PendingAt == o.ID,
						draft:     ref.Status == ceptor.ReportDraft,
						anonymous: ref.Route == ceptor.RouteAnonymous,
						unsealed:  ref.Unsealed,
						runs:      w.runs(o.ID, []int64{ref.CeptorID}),
					}
					// TLP does not change who may act on a report: the chain
					// does. CLEAR opens nothing, RED closes nothing.
					for _, tlp := range []ceptor.TLP{ceptor.TLPClear, ceptor.TLPAmber, ceptor.TLPRed} {
						ref.TLP = tlp
						res := ref.Resource()
						for _, act := range prActions {
							got := ceptor.Allow(a, act, res)
							want, why := prExpected(f, act, sc.scopes)
							checked++
							if got {
								allowed++
								actAllowed[act] = true
							} else {
								actRefused[act] = true
							}
							if want {
								for i, r := range prRules {
									if slices.Contains(r.acts, act) && r.who(f) {
										ruleUsed[i] = true
									}
								}
							}
							if got != want {
								mismatches = append(mismatches, fmt.Sprintf("%s with %s may %s a %s report [%s]: Allow=%v, rules say %v (%s)",
									s, sc.name, act, tlp.Label(), rep.rel, got, want, why))
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(mismatches)
	for i, m := range mismatches {
		if i == 50 {
			t.Errorf("... and %d more", len(mismatches)-50)
			break
		}
		t.Error("MISMATCH " + m)
	}
	if allowed == 0 || allowed == checked {
		t.Errorf("degenerate matrix: %d of %d allowed", allowed, checked)
	}
	for i, used := range ruleUsed {
		if !used {
			t.Errorf("rule %q never applied: the world lacks a case for it", prRules[i].rule)
		}
	}
	for _, act := range prActions {
		if act != ceptor.ActDeactivate && (!actAllowed[act] || !actRefused[act]) {
			t.Errorf("action %s: allowed somewhere %v, refused somewhere %v", act, actAllowed[act], actRefused[act])
		}
	}
	if actAllowed[ceptor.ActDeactivate] {
		t.Error("deactivate is not a report action, yet something allowed it")
	}
	for _, rel := range []string{prOwn, prOwnAnon, prOwnDraft, prOwnAnonDraft, prPending, prPendingAnon, prPassed, prReceived, prClosed,
		prAnonSealed, prAnonUnsealed, prAnonOtherCEP, prNotInChain, prNotInAnon, prDraftOfOther, prAnonNeverSent} {
		if !relSeen[rel] {
			t.Errorf("coverage: never asked about %q", rel)
		}
	}
	t.Logf("report policy: %d cases checked, %d allowed, %d mismatches", checked, allowed, len(mismatches))
}

// TestAllowReportStories spells out the journeys of SPEC §3.1 one decision at
// a time, so that a reader sees what the matrix means.
func TestAllowReportStories(t *testing.T) {
	w := newPolicyWorld()
	who := func(org int64, role ceptor.Role, scopes ...string) *ceptor.Actor {
		var sc []string
		if len(scopes) > 0 {
			sc = scopes
		}
		a := w.actor(pwSubject{org: w.byID[org], role: role, userID: pwUserID(org, role)}, sc)
		a.OrgTag = prTag(org)
		return a
	}
	admin, analyst, exec := ceptor.RoleAdmin, ceptor.RoleAnalyst, ceptor.RoleExecutive
	// OpA reports anonymously through the bank CEPTOR (S1 -> FSA -> NISC);
	// the report now waits at the FSA.
	anon := ceptor.ReportRef{Status: ceptor.ReportSubmitted, Route: ceptor.RouteAnonymous, CeptorID: pwBank, SectorID: pwFinance,
		TLP: ceptor.TLPAmber, ReporterTag: prTag(pwOpA), ChainOrgs: []int64{pwS1, pwFSA}, PendingAt: pwFSA}
	unsealed := anon
	unsealed.Unsealed = true
	// OpB reports by the ministry route; NISC has received it.
	named := ceptor.ReportRef{Status: ceptor.ReportReceived, Route: ceptor.RouteMinistry, SectorID: pwFinance, TLP: ceptor.TLPRed,
		ReporterOrg: pwOpB, ReporterTag: prTag(pwOpB), ChainOrgs: []int64{pwFSA, pwNISC}}
	draft := ceptor.ReportRef{Status: ceptor.ReportDraft, Route: ceptor.RouteDirect, SectorID: pwFinance, TLP: ceptor.TLPGreen,
		ReporterOrg: pwOpC, ReporterTag: prTag(pwOpC)}

	stories := []struct {
		story string
		a     *ceptor.Actor
		act   ceptor.Action
		ref   ceptor.ReportRef
		want  bool
	}{
		{"the anonymous reporter sees its report by its tag", who(pwOpA, analyst), ceptor.ActView, anon, true},
		{"... and knows who reported it", who(pwOpA, analyst), ceptor.ActViewIdentity, anon, true},
		{"... and may send a follow-up", who(pwOpA, analyst), ceptor.ActUpdate, anon, true},
		{"a fellow member of the CEPTOR does not see it", who(pwOpB, admin), ceptor.ActView, anon, false},
		{"the secretariat that relayed it still sees it", who(pwS1, analyst), ceptor.ActView, anon, true},
		{"... but may not relay it twice", who(pwS1, analyst), ceptor.ActRelay, anon, false},
		{"... and does not know the reporter while sealed", who(pwS1, admin), ceptor.ActViewIdentity, anon, false},
		{"its admin may unseal it", who(pwS1, admin), ceptor.ActUnseal, anon, true},
		{"its analyst may not", who(pwS1, analyst), ceptor.ActUnseal, anon, false},
		{"once unsealed, the secretariat knows the reporter", who(pwS1, analyst), ceptor.ActViewIdentity, unsealed, true},
		{"the other secretariat cannot unseal it", who(pwS2, admin), ceptor.ActUnseal, anon, false},
		{"the FSA, holding it, relays it", who(pwFSA, analyst), ceptor.ActRelay, anon, true},
		{"... with a read-only token it may not", who(pwFSA, analyst, ceptor.ScopeRead), ceptor.ActRelay, anon, false},
		{"... and may evaluate it provisionally", who(pwFSA, analyst), ceptor.ActEvaluate, anon, true},
		{"... but never learns the reporter, even unsealed", who(pwFSA, admin), ceptor.ActViewIdentity, unsealed, false},
		{"an FSA executive reads it", who(pwFSA, exec), ceptor.ActView, anon, true},
		{"... but does not relay it", who(pwFSA, exec), ceptor.ActRelay, anon, false},
		{"NISC does not see it before it arrives", who(pwNISC, admin), ceptor.ActView, anon, false},
		{"NISC sees a named report it received", who(pwNISC, analyst), ceptor.ActView, named, true},
		{"... whatever its TLP (RED here)", who(pwNISC, analyst), ceptor.ActExport, named, true},
		{"... knows who reported it", who(pwNISC, analyst), ceptor.ActViewIdentity, named, true},
		{"... evaluates it", who(pwNISC, analyst), ceptor.ActEvaluate, named, true},
		{"... but does not report itself", who(pwNISC, admin), ceptor.ActCreate, ceptor.ReportRef{Status: ceptor.ReportDraft}, false},
		{"an operator outside the chain does not see it", who(pwOpA, admin), ceptor.ActView, named, false},
		{"the reporter's auditor reads its own report", who(pwOpB, ceptor.RoleAuditor), ceptor.ActView, named, true},
		{"... but does not change it", who(pwOpB, ceptor.RoleAuditor), ceptor.ActUpdate, named, false},
		{"a draft is its reporter's alone", who(pwOpC, analyst), ceptor.ActUpdate, draft, true},
		{"... NISC does not see it", who(pwNISC, admin), ceptor.ActView, draft, false},
		{"a supplier may report", who(pwSupplier, analyst), ceptor.ActCreate, ceptor.ReportRef{Status: ceptor.ReportDraft}, true},
	}
	for _, s := range stories {
		if got := ceptor.Allow(s.a, s.act, s.ref.Resource()); got != s.want {
			t.Errorf("%s: Allow(%s) = %v, want %v", s.story, s.act, got, s.want)
		}
	}
}

// TestReportRefResource checks the description storage gives the policy.
func TestReportRefResource(t *testing.T) {
	ref := ceptor.ReportRef{ID: 7, Status: ceptor.ReportSubmitted, Route: ceptor.RouteAnonymous, CeptorID: pwBank, SectorID: pwFinance,
		TLP: ceptor.TLPAmberStrict, ChainOrgs: []int64{pwS1}, PendingAt: pwS1, Unsealed: true, ReporterTag: "tag-x"}
	r := ref.Resource()
	if r.Kind != ceptor.KindReport || r.OrgID != 0 || !r.Anonymous || r.OwnerTag != "tag-x" || r.TLP != ceptor.TLPAmberStrict ||
		!slices.Equal(r.CeptorIDs, []int64{pwBank}) || !slices.Equal(r.SectorIDs, []int64{pwFinance}) ||
		r.PendingAt != pwS1 || !r.Unsealed || r.Draft || !slices.Equal(r.ChainOrgIDs, []int64{pwS1}) {
		t.Fatalf("resource %+v", r)
	}
	ref.Route, ref.CeptorID, ref.Status, ref.ReporterOrg = ceptor.RouteMinistry, 0, ceptor.ReportDraft, pwOpA
	r = ref.Resource()
	if r.Anonymous || r.CeptorIDs != nil || !r.Draft || r.OrgID != pwOpA {
		t.Fatalf("named draft resource %+v", r)
	}
	if strings.TrimSpace(r.OwnerTag) == "" {
		t.Fatal("the tag must travel for named reports too")
	}
}
