package ceptor_test

// Tests of the policy for TAXII collections and what participants add to
// them: every organisation type x role x token scope x audience x TLP x
// ownership x action, checked against pfExpected, written from the rules in
// allowFeed's comment, never by calling Allow.

import (
	"slices"
	"testing"

	"ceptor"
)

type pfAudience struct {
	name string
	r    ceptor.Resource
	// readers are the organisations that read the collection, besides NISC.
	readers []int64
}

func pfAudiences() []pfAudience {
	return []pfAudience{
		{"everyone", ceptor.FeedResource(ceptor.FeedEveryone, 0, 0),
			[]int64{piFSA, piMIC, piSec, piCouncil, piSecurity, piResponse, piSupplier, piOp}},
		{"finance", ceptor.FeedResource(ceptor.FeedSector, piFinance, 0), []int64{piFSA, piSec, piSupplier, piOp}},
		{"ict", ceptor.FeedResource(ceptor.FeedSector, piICT, 0), []int64{piMIC}},
		{"medical", ceptor.FeedResource(ceptor.FeedSector, piMedical, 0), nil},
		{"bank CEPTOR", ceptor.FeedResource(ceptor.FeedCeptor, piFinance, piBank), []int64{piFSA, piSec, piSupplier, piOp}},
		{"C4TAP", ceptor.FeedResource(ceptor.FeedC4TAP, 0, 0), []int64{piCouncil}},
		{"to the operator by name", ceptor.AddressedFeedResource(ceptor.FeedOrg, piOp, ""), []int64{piOp}},
		{"to the supplier by name", ceptor.AddressedFeedResource(ceptor.FeedOrg, piSupplier, ""), []int64{piSupplier}},
		{"to NISC by name", ceptor.AddressedFeedResource(ceptor.FeedOrg, piNISC, ""), nil},
		{"to every operator", ceptor.AddressedFeedResource(ceptor.FeedOrgType, 0, ceptor.OrgOperator), []int64{piOp}},
		{"to every ministry", ceptor.AddressedFeedResource(ceptor.FeedOrgType, 0, ceptor.OrgMinistry), []int64{piFSA, piMIC}},
		{"to every CEPTOR secretariat", ceptor.AddressedFeedResource(ceptor.FeedOrgType, 0, ceptor.OrgSecretariat), []int64{piSec}},
		{"to nobody (no addressee)", ceptor.AddressedFeedResource(ceptor.FeedOrg, 0, ""), nil},
		{"addressed, built without its addressee", ceptor.FeedResource(ceptor.FeedOrgType, 0, 0), nil},
	}
}

func pfExpected(org *ceptor.Organization, role ceptor.Role, scopes []string, act ceptor.Action, aud pfAudience, r ceptor.Resource) (bool, string) {
	reads := act == ceptor.ActView || act == ceptor.ActExport
	if act != ceptor.ActView && act != ceptor.ActExport && act != ceptor.ActCreate && act != ceptor.ActDeactivate {
		return false, "no such action on feeds"
	}
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
	nisc := org.Type == ceptor.OrgNISC
	reader := nisc || slices.Contains(aud.readers, org.ID)
	if reads {
		switch {
		case nisc:
			return true, "NISC reads every feed"
		case r.OrgID == org.ID:
			return true, "what one added"
		case r.TLP == ceptor.TLPRed:
			return false, "RED stays with who added it"
		}
		return reader, "audience"
	}
	if act == ceptor.ActDeactivate {
		// TAXII DELETE: what an organisation added, by its workers while
		// they read the collection, or by NISC's.
		switch {
		case r.OrgID == 0:
			return false, "only what a participant added is deleted"
		case nisc:
			return true, "NISC deletes what participants added"
		}
		return r.OrgID == org.ID && reader, "the adding organisation deletes its own"
	}
	if aud.r.Addressee != nil {
		return nisc, "only NISC adds to an addressed collection"
	}
	return reader, "readers who work may add"
}

func TestAllowFeedMatrix(t *testing.T) {
	t.Parallel()
	w := newPIWorld()
	scopeSets := [][]string{nil, {ceptor.ScopeRead}, {ceptor.ScopeRead, ceptor.ScopeWrite}}
	acts := []ceptor.Action{ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActDeactivate, ceptor.ActImport}
	allowed, denied := 0, 0
	for _, o := range w.orgs {
		for _, role := range ceptor.Roles {
			for _, scopes := range scopeSets {
				a := w.actor(o, role, scopes)
				for _, aud := range pfAudiences() {
					for _, tlp := range append([]ceptor.TLP{""}, ceptor.TLPs...) {
						for _, owner := range []int64{0, piOp, piCouncil} {
							r := aud.r
							r.TLP, r.OrgID = tlp, owner
							for _, act := range acts {
								want, why := pfExpected(o, role, scopes, act, aud, r)
								if got := ceptor.Allow(a, act, r); got != want {
									t.Errorf("%s %s scopes=%v %s %s (tlp=%q owner=%d): got %v, want %v (%s)",
										o.Type, role, scopes, act, aud.name, tlp, owner, got, want, why)
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
	if allowed == 0 || denied == 0 {
		t.Fatalf("degenerate matrix: %d allowed, %d denied", allowed, denied)
	}
}
