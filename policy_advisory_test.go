package ceptor_test

// The policy for advisories (情報提供), enumerated: every organisation of the
// policy world (policy_test.go) x role x token scope set x advisory action x
// relationship of the advisory to the actor x TLP x status. The answers of
// ceptor.Allow are compared with paRules, the product rules written out
// below, never with policy_advisory.go.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"ceptor"
)

var paActions = []ceptor.Action{
	ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActReview,
	ceptor.ActPublish, ceptor.ActDeactivate, ceptor.ActConfirm, ceptor.ActRelay, ceptor.ActFollowUp,
	ceptor.ActUnseal, // not an advisory action: always refused
}

// Relationships of an advisory to the asking organisation.
const (
	paIssuer       = "issued by the actor's organisation"
	paIssuerAuthor = "issued by the actor's organisation, written by the actor"
	paAudience     = "the actor's organisation is in the audience"
	paHop          = "the actor's organisation relays it"
	paOutside      = "outside audience and chain"
)

type paCase struct {
	rel      string
	adv      ceptor.Advisory
	hops     []int64
	reach    ceptor.AdvisoryReach
	review   bool
	approved bool
}

// paCases builds the advisories organisation me (user uid) is asked about.
func paCases(w *pwWorld, me *ceptor.Organization, uid int64) []paCase {
	other := pwNISC
	if me.ID == pwNISC {
		other = pwFSA
	}
	var out []paCase
	for _, tlp := range ceptor.TLPs {
		for _, st := range []ceptor.AdvisoryStatus{ceptor.AdvisoryDraft, ceptor.AdvisoryInReview, ceptor.AdvisoryPublished, ceptor.AdvisoryWithdrawn} {
			mk := func(rel string, issuer, author int64, aud ceptor.Audience, hops []int64, reach ceptor.AdvisoryReach, review, approved bool) {
				out = append(out, paCase{rel: rel, adv: ceptor.Advisory{ID: 1, OrgID: issuer, AuthorID: author, TLP: tlp, Status: st, Audience: aud},
					hops: hops, reach: reach, review: review, approved: approved})
			}
			// The finance sector, through the FSA and S1.
			finance := ceptor.Audience{SectorIDs: []int64{pwFinance}}
			financeReach := ceptor.AdvisoryReach{SectorIDs: []int64{pwFinance}, SectorWide: true}
			bank := ceptor.Audience{CeptorIDs: []int64{pwBank}}
			bankReach := ceptor.AdvisoryReach{SectorIDs: []int64{pwFinance}, CeptorIDs: []int64{pwBank}}
			everyone := ceptor.Audience{Everyone: true}
			named := ceptor.Audience{OrgIDs: []int64{me.ID}}
			namedReach := ceptor.AdvisoryReach{SectorIDs: me.SectorIDs, Orgs: []ceptor.ReachOrg{{ID: me.ID, SectorIDs: me.SectorIDs, CeptorIDs: me.CeptorIDs}}}
			for _, c := range []struct {
				aud   ceptor.Audience
				reach ceptor.AdvisoryReach
			}{{finance, financeReach}, {bank, bankReach}, {everyone, ceptor.AdvisoryReach{Unbounded: true}}} {
				for _, review := range []bool{false, true} {
					mk(paIssuer, me.ID, pwColleagueID(me.ID), c.aud, []int64{pwFSA, pwS1}, c.reach, review, false)
					mk(paIssuer, me.ID, pwColleagueID(me.ID), c.aud, []int64{pwFSA, pwS1}, c.reach, review, true)
					mk(paIssuerAuthor, me.ID, uid, c.aud, []int64{pwFSA, pwS1}, c.reach, review, review)
				}
			}
			hops := []int64{pwFSA, pwS1}
			if c := me.ID; c == pwMIC || c == pwS2 {
				hops = []int64{pwMIC, pwS2}
			}
			if c := me.ID; c == pwFSA || c == pwS1 || c == pwMIC || c == pwS2 {
				mk(paHop, other, 9, ceptor.Audience{OrgIDs: []int64{pwOpA}}, hops, ceptor.AdvisoryReach{}, false, false)
			}
			if len(me.SectorIDs) > 0 || me.Type != ceptor.OrgNISC {
				mk(paAudience, other, 9, named, nil, namedReach, false, false)
			}
			mk(paOutside, other, 9, ceptor.Audience{OrgIDs: []int64{999}}, []int64{998}, ceptor.AdvisoryReach{}, false, false)
		}
	}
	return out
}

// paRules is the product rule for one question, written from the issue.
func paRules(a *ceptor.Actor, act ceptor.Action, c paCase) bool {
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
	issuerType := a.OrgType == ceptor.OrgNISC || a.OrgType == ceptor.OrgMinistry || a.OrgType == ceptor.OrgSecretariat || a.OrgType == ceptor.OrgCouncil
	st := c.adv.Status
	tlp := c.adv.TLP
	published := st == ceptor.AdvisoryPublished
	out := published || st == ceptor.AdvisoryWithdrawn
	issuer := c.rel == paIssuer || c.rel == paIssuerAuthor
	// Hops never see AMBER+STRICT or RED: those go straight to recipients.
	hop := c.rel == paHop && tlp.Rank() <= ceptor.TLPAmber.Rank()
	member := c.rel == paAudience
	nisc := a.OrgType == ceptor.OrgNISC && tlp.Rank() <= ceptor.TLPAmber.Rank()
	community := tlp == ceptor.TLPClear || tlp == ceptor.TLPGreen
	// Who may address the audience.
	reaches := false
	switch a.OrgType {
	case ceptor.OrgNISC:
		reaches = true
	case ceptor.OrgMinistry:
		reaches = !c.adv.Audience.Everyone && slices.Contains(a.OverseesSectors, pwFinance) && c.reach.SectorIDs != nil && c.reach.SectorIDs[0] == pwFinance
	case ceptor.OrgSecretariat:
		reaches = !c.adv.Audience.Everyone && len(c.adv.Audience.SectorIDs) == 0 && slices.Contains(a.RunsCeptors, pwBank) && len(c.adv.Audience.CeptorIDs) > 0
	}
	switch act {
	case ceptor.ActView:
		return issuer || out && (member || hop || nisc || community)
	case ceptor.ActExport:
		return out && (issuer || nisc || hop)
	case ceptor.ActCreate:
		return writer && issuerType && reaches
	case ceptor.ActUpdate:
		return writer && issuer && !out
	case ceptor.ActReview:
		return writer && issuer && st == ceptor.AdvisoryInReview && c.rel != paIssuerAuthor
	case ceptor.ActPublish:
		if st == ceptor.AdvisoryWithdrawn || !published && c.review && !c.approved {
			return false
		}
		return writer && issuer && issuerType && reaches
	case ceptor.ActDeactivate:
		return writer && issuer && published
	case ceptor.ActConfirm:
		return writer && published && (member || hop)
	case ceptor.ActRelay:
		return writer && published && hop
	case ceptor.ActFollowUp:
		return writer && published && (issuer || hop || nisc)
	}
	return false
}

func TestPolicyAdvisories(t *testing.T) {
	w := newPolicyWorld()
	checked := 0
	seen := map[string]bool{}
	for _, org := range w.orgs {
		for _, role := range ceptor.Roles {
			uid := pwUserID(org.ID, role)
			for _, ss := range pwScopeSets {
				a := w.actor(pwSubject{org: org, role: role, userID: uid}, ss.scopes)
				for _, c := range paCases(w, org, uid) {
					r := ceptor.AdvisoryResource(&c.adv, c.hops, c.reach, c.review, c.approved)
					for _, act := range paActions {
						got := ceptor.Allow(a, act, r)
						want := paRules(a, act, c)
						if got != want {
							t.Fatalf("%s %s %s, %s, advisory %s %s (review %v approved %v): Allow=%v, rules say %v",
								org.Name, role, ss.name, act, c.rel, fmt.Sprint(c.adv.TLP, "/", c.adv.Status), c.review, c.approved, got, want)
						}
						seen[fmt.Sprint(org.Type, act, c.rel, got)] = true
						checked++
					}
				}
			}
		}
	}
	// Every relationship was asked about and allowed somewhere.
	for _, rel := range []string{paIssuer, paIssuerAuthor, paAudience, paHop, paOutside} {
		allowed := false
		for k := range seen {
			allowed = allowed || strings.HasSuffix(k, rel+"true")
		}
		if !allowed && rel != paOutside {
			t.Errorf("relationship %q never allowed anything", rel)
		}
	}
	t.Logf("%d decisions checked", checked)
}

// An AMBER advisory to sector finance is invisible to organisations of
// other sectors, whatever their role or scope; a RED one is not even seen
// by the hops.
func TestPolicyAdvisoryAudienceLeaks(t *testing.T) {
	w := newPolicyWorld()
	adv := ceptor.Advisory{ID: 1, OrgID: pwNISC, AuthorID: 1001, TLP: ceptor.TLPAmber, Status: ceptor.AdvisoryPublished,
		Audience: ceptor.Audience{SectorIDs: []int64{pwFinance}}}
	r := ceptor.AdvisoryResource(&adv, []int64{pwFSA, pwS1}, ceptor.AdvisoryReach{SectorIDs: []int64{pwFinance}, SectorWide: true}, false, false)
	for _, org := range w.orgs {
		a := w.actor(pwSubject{org: org, role: ceptor.RoleAdmin, userID: pwUserID(org.ID, ceptor.RoleAdmin)}, nil)
		want := org.ID == pwNISC || org.ID == pwFSA || org.ID == pwS1 || slices.Contains(org.SectorIDs, pwFinance)
		if got := ceptor.Allow(a, ceptor.ActView, r); got != want {
			t.Errorf("%s sees AMBER finance advisory: %v, want %v", org.Name, got, want)
		}
	}
	adv.TLP = ceptor.TLPRed
	adv.Audience = ceptor.Audience{OrgIDs: []int64{pwOpA}}
	r = ceptor.AdvisoryResource(&adv, []int64{pwFSA, pwS1}, ceptor.AdvisoryReach{}, false, false)
	for _, org := range w.orgs {
		a := w.actor(pwSubject{org: org, role: ceptor.RoleAdmin, userID: pwUserID(org.ID, ceptor.RoleAdmin)}, nil)
		want := org.ID == pwNISC || org.ID == pwOpA // NISC as the issuer
		if got := ceptor.Allow(a, ceptor.ActView, r); got != want {
			t.Errorf("%s sees RED advisory to OpA: %v, want %v", org.Name, got, want)
		}
	}
}
