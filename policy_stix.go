package ceptor

// FeedAudience is who a TAXII collection is for.
type FeedAudience string

// Audiences of TAXII collections.
const (
	FeedEveryone FeedAudience = "everyone" // every participant (TLP:CLEAR and GREEN only)
	FeedSector   FeedAudience = "sector"   // one sector: its organisations and its ministry
	FeedCeptor   FeedAudience = "ceptor"   // one CEPTOR: its members, its secretariat and the sector's ministry
	FeedC4TAP    FeedAudience = "c4tap"    // the targeted-attack sharing group of the CEPTOR Council
	FeedOrg      FeedAudience = "org"      // one organisation: what is addressed to it by name
	FeedOrgType  FeedAudience = "orgtype"  // one organisation type: what is addressed to every organisation of that type
)

// FeedAddressee is who a collection of FeedOrg or FeedOrgType is addressed
// to: one organisation (OrgID) or every organisation of one type (OrgType).
type FeedAddressee struct {
	OrgID   int64
	OrgType OrgType
}

// AddressedFeedResource describes, for the policy, the collection of what
// is addressed to the organisation orgID by name (FeedOrg) or to every
// organisation of type t (FeedOrgType).
func AddressedFeedResource(aud FeedAudience, orgID int64, t OrgType) Resource {
	r := Resource{Kind: KindFeed}
	switch aud {
	case FeedOrg:
		r.Addressee = &FeedAddressee{OrgID: orgID}
	case FeedOrgType:
		r.Addressee = &FeedAddressee{OrgType: t}
	}
	return r
}

// FeedResource describes a TAXII collection for the policy: sectorID for a
// sector's collection, ceptorID and its sector for a CEPTOR's. What a
// participant adds to the collection is the same resource with OrgID (who
// added it) and TLP set.
func FeedResource(aud FeedAudience, sectorID, ceptorID int64) Resource {
	r := Resource{Kind: KindFeed}
	switch aud {
	case FeedSector:
		r.SectorIDs = []int64{sectorID}
	case FeedCeptor:
		r.CeptorIDs = []int64{ceptorID}
		if sectorID != 0 {
			r.SectorIDs = []int64{sectorID}
		}
	case FeedC4TAP:
		r.OrgType = OrgCouncil
	case FeedOrg, FeedOrgType:
		// Addressed collections name their addressee
		// (AddressedFeedResource); without one, only NISC reads.
		r.Addressee = &FeedAddressee{}
	}
	return r
}

// allowFeed decides access to TAXII collections and to the objects
// participants add to them. (Objects ceptor derives from reports and
// incidents are decided by KindReport and KindIncident, object by object.)
//
//   - NISC reads and writes every collection.
//   - The everyone collection is read by every participant; a sector's by
//     the organisations working in it and its ministry; a CEPTOR's by its
//     members, its secretariat and the ministry of its sector; the C4TAP
//     collection by the CEPTOR Council (its participant list is issue 5's
//     second half).
//   - A collection addressed to one organisation is read by that
//     organisation, one addressed to an organisation type by the
//     organisations of that type (and both by NISC).
//   - Readers who are administrators or analysts may add objects, except
//     to a collection addressed to an organisation or a type, to which only
//     NISC's add (what an organisation sends itself or its whole type is
//     not an address: it shares through its sector's or CEPTOR's).
//   - An added object is deleted (ActDeactivate, TAXII DELETE) by the
//     administrators and analysts of the organisation that added it, or
//     of NISC; nothing else in a collection is deleted over TAXII.
//   - An added object marked TLP:RED stays with the organisation that
//     added it and NISC: a feed has no named recipients.
func (a *Actor) allowFeed(act Action, r Resource) bool {
	nisc := a.OrgType == OrgNISC
	own := r.OrgID != 0 && r.OrgID == a.OrgID
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	switch act {
	case ActView, ActExport:
		if nisc || own {
			return true
		}
		return r.TLP != TLPRed && a.feedReader(r)
	case ActCreate:
		if r.Addressee != nil {
			return worker && nisc
		}
		return worker && (nisc || a.feedReader(r))
	case ActDeactivate:
		// TAXII DELETE of an added object: its organisation's workers
		// while they still read the collection, or NISC's.
		return worker && r.OrgID != 0 && (nisc || own && a.feedReader(r))
	}
	return false
}

func (a *Actor) feedReader(r Resource) bool {
	switch {
	case a.OrgType == OrgNISC:
		return true
	case r.Addressee != nil:
		ad := r.Addressee
		return ad.OrgID != 0 && ad.OrgID == a.OrgID || ad.OrgID == 0 && ad.OrgType != "" && ad.OrgType == a.OrgType
	case r.OrgType == OrgCouncil:
		return a.InC4TAP() // the Council and the C4TAP participants (policy_c4tap.go)
	case len(r.CeptorIDs) > 0:
		return overlaps(a.CeptorIDs, r.CeptorIDs) || overlaps(a.RunsCeptors, r.CeptorIDs) || overlaps(a.OverseesSectors, r.SectorIDs)
	case len(r.SectorIDs) > 0:
		return overlaps(a.SectorIDs, r.SectorIDs) || overlaps(a.OverseesSectors, r.SectorIDs)
	}
	return true
}
