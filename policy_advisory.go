package ceptor

import "slices"

// Advisory actions beyond the common ones.
const (
	ActPublish  Action = "publish"   // publish an advisory, or a correction of it
	ActReview   Action = "review"    // approve (or send back) another person's advisory (four-eyes)
	ActConfirm  Action = "confirm"   // confirm receipt for one's organisation (疎通確認)
	ActFollowUp Action = "follow_up" // record why an organisation did not confirm
)

// allowAdvisory decides access to advisories (情報提供). The Resource is
// built by AdvisoryResource: OrgID the issuer, UserID the author, TLP the
// marking, ChainOrgIDs the relay hops (ministries, secretariats) and
// Advisory the status, audience and reach.
//
//   - Issuing: NISC for anyone; a ministry for the sectors it oversees; a
//     CEPTOR secretariat for the members of the CEPTORs it runs; the CEPTOR
//     Council for CEPTORs that are its members. Administrators and analysts
//     write; executives and auditors only read (Allow).
//   - Drafts and advisories in review are the issuer's only. Four-eyes:
//     when the issuer asks for review, a second person of the issuer
//     approves (never the author) before anyone publishes.
//   - A published (or withdrawn) advisory is seen by the issuer, by the
//     organisations in its audience, by the hops relaying it, by NISC up
//     to TLP:AMBER (it runs the programme), and by every participant when it
//     is TLP:CLEAR or GREEN (the community). TLP:AMBER+STRICT and RED never
//     pass hops: they go straight to the recipients.
//   - Receipt is confirmed by the recipients and hops themselves; the
//     receipt picture is the issuer's and NISC's (whole), and each hop's
//     (for the organisations it relays to, filtered by the caller); hops
//     and the issuer record follow-up reasons.
func (a *Actor) allowAdvisory(act Action, r Resource) bool {
	f := r.Advisory
	if f == nil {
		// Only creation may ask without an advisory (may this actor write
		// advisories at all?).
		if act == ActCreate {
			return a.canIssue()
		}
		return false
	}
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	issuer := r.OrgID != 0 && r.OrgID == a.OrgID
	out := f.Status == AdvisoryPublished || f.Status == AdvisoryWithdrawn
	live := f.Status == AdvisoryPublished
	passesHops := r.TLP.AtMost(TLPAmber)
	hop := passesHops && slices.Contains(r.ChainOrgIDs, a.OrgID) && !issuer
	member := f.Audience.Includes(a.OrgID, a.OrgType, a.SectorIDs, a.CeptorIDs) && !issuer
	niscSees := a.OrgType == OrgNISC && passesHops
	community := r.TLP != "" && r.TLP.AtMost(TLPGreen)

	switch act {
	case ActView:
		return issuer || out && (member || hop || niscSees || community)
	case ActCreate:
		return a.canIssue() && (f.Audience.Empty() || a.canReach(f.Reach))
	case ActUpdate:
		return worker && issuer && (f.Status == AdvisoryDraft || f.Status == AdvisoryInReview)
	case ActReview:
		return worker && issuer && f.Status == AdvisoryInReview && r.UserID != a.UserID
	case ActPublish:
		switch f.Status {
		case AdvisoryDraft, AdvisoryInReview:
			if f.NeedsReview && !f.Approved {
				return false
			}
		case AdvisoryPublished: // a correction
		default:
			return false
		}
		return worker && issuer && a.canIssue() && a.canReach(f.Reach)
	case ActDeactivate: // withdraw
		return worker && issuer && live
	case ActConfirm:
		return worker && live && (member || hop)
	case ActRelay:
		return worker && live && hop
	case ActExport: // the receipt picture (疎通確認) and its exports
		return out && (issuer || niscSees || hop)
	case ActFollowUp:
		return worker && live && (issuer || hop || a.OrgType == OrgNISC && passesHops)
	}
	return false
}

// canIssue: the organisation types that issue advisories.
func (a *Actor) canIssue() bool {
	if a.Role != RoleAdmin && a.Role != RoleAnalyst {
		return false
	}
	switch a.OrgType {
	case OrgNISC, OrgMinistry, OrgSecretariat, OrgCouncil:
		return true
	}
	return false
}

// canReach: may the actor's organisation address this audience?
func (a *Actor) canReach(r AdvisoryReach) bool {
	switch a.OrgType {
	case OrgNISC:
		return true
	case OrgMinistry:
		if r.Unbounded || len(r.SectorIDs) == 0 {
			return false
		}
		for _, s := range r.SectorIDs {
			if !slices.Contains(a.OverseesSectors, s) {
				return false
			}
		}
		for _, o := range r.Orgs {
			if !overlaps(a.OverseesSectors, o.SectorIDs) {
				return false
			}
		}
		return true
	case OrgSecretariat:
		if r.Unbounded || r.SectorWide || len(r.CeptorIDs) == 0 && len(r.Orgs) == 0 {
			return false
		}
		for _, c := range r.CeptorIDs {
			if !slices.Contains(a.RunsCeptors, c) {
				return false
			}
		}
		for _, o := range r.Orgs {
			if !overlaps(a.RunsCeptors, o.CeptorIDs) {
				return false
			}
		}
		return true
	case OrgCouncil:
		return !r.Unbounded && !r.SectorWide && len(r.Orgs) == 0 && len(r.CeptorIDs) > 0 && r.CeptorsInCouncil
	}
	return false
}

// AdvisoryResource describes an advisory for the policy. hops are the
// organisations relaying it; reach is what its audience reaches (from the
// registry); needsReview and approved are the four-eyes state.
func AdvisoryResource(adv *Advisory, hops []int64, reach AdvisoryReach, needsReview, approved bool) Resource {
	return Resource{
		Kind: KindAdvisory, OrgID: adv.OrgID, UserID: adv.AuthorID, TLP: adv.TLP, ChainOrgIDs: hops,
		Draft: adv.Status == AdvisoryDraft || adv.Status == AdvisoryInReview,
		Advisory: &AdvisoryFacts{Status: adv.Status, Audience: adv.Audience, Reach: reach,
			NeedsReview: needsReview, Approved: approved},
	}
}
