package web

import (
	"context"
	"strconv"

	"ceptor"
	"ceptor/stix"
)

// Advisories (情報提供) in the TAXII collections: a published advisory is a
// STIX report created by the issuing organisation, with its TLP 2.0
// marking; each correction is a new version of the same report (a later
// modified, its explanation a note on it), a withdrawal a last version
// with revoked set (stix.AdvisoryObjects). Drafts and drill advisories
// (訓練) are in no collection. The projection lists every published
// version itself (from the stored versions), so none is lost between two
// syncs. Changes are queued for the STIX sync by the triggers of migration
// 0022.
//
// The collections follow the audience and the TLP, never more: an
// advisory to everyone marked CLEAR or GREEN is in the everyone
// collection; one to everyone marked AMBER or AMBER+STRICT in every
// sector's collection; one to sectors or CEPTORs in those sectors' and
// CEPTORs' collections; one to named organisations in each of those
// organisations' own collection (org-<id>, read by it alone), and one to
// whole organisation types in each type's collection (orgtype-<type>, read
// by the organisations of that type; taxii_addressed.go). TLP:RED has no
// collection: a feed is no place for it, whoever reads the feed. Inside a
// collection the advisory policy decides, object by object, who reads it
// (stixVisible), as on the advisory's page.

type advisorySTIX struct{ s *Server }

func (advisorySTIX) kind() string { return "advisory" }

func (v advisorySTIX) project(ctx context.Context, id int64) (*stix.Projection, error) {
	adv, err := v.s.store.FindAdvisory(ctx, id)
	if err != nil {
		return nil, err
	}
	if adv.Drill || adv.Status != ceptor.AdvisoryPublished && adv.Status != ceptor.AdvisoryWithdrawn {
		return nil, nil
	}
	issuer, err := v.s.store.FindOrg(ctx, adv.OrgID)
	if err != nil {
		return nil, err
	}
	vs, err := v.s.store.AdvisoryVersions(ctx, adv.ID)
	if err != nil {
		return nil, err
	}
	objs, err := stix.AdvisoryObjects(stix.AdvisoryExport{Advisory: adv, Versions: vs, Creator: stix.OrgParty(issuer)})
	if err != nil || objs == nil {
		return nil, err
	}
	rf, err := v.s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	var sectors []int64
	for _, sec := range rf.sectors {
		if sec.Active {
			sectors = append(sectors, sec.ID)
		}
	}
	return &stix.Projection{Objects: objs, TLP: adv.TLP, Collections: advisoryCollections(adv, sectors)}, nil
}

// advisoryCollections: where an advisory is, from its audience and TLP
// (see above); activeSectors are the sectors that have a collection.
func advisoryCollections(a *ceptor.Advisory, activeSectors []int64) []string {
	if a.Drill || !a.TLP.Valid() || a.TLP == ceptor.TLPRed {
		return nil
	}
	var out []string
	if a.Audience.Everyone {
		if a.TLP.AtMost(ceptor.TLPGreen) {
			out = append(out, collEveryone)
		} else {
			for _, id := range activeSectors {
				out = append(out, "sector-"+strconv.FormatInt(id, 10))
			}
		}
	}
	for _, id := range a.Audience.SectorIDs {
		out = append(out, "sector-"+strconv.FormatInt(id, 10))
	}
	for _, id := range a.Audience.CeptorIDs {
		out = append(out, "ceptor-"+strconv.FormatInt(id, 10))
	}
	for _, id := range a.Audience.OrgIDs {
		out = append(out, orgCollectionKey(id))
	}
	for _, t := range a.Audience.OrgTypes {
		if t.Valid() {
			out = append(out, orgTypeCollectionKey(t))
		}
	}
	return out
}

func (v advisorySTIX) visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		adv, err := v.s.store.FindAdvisory(ctx, id)
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		res, err := v.s.advResource(ctx, adv, nil)
		if err != nil {
			return nil, err
		}
		out[id] = ceptor.Allow(a, ceptor.ActView, res)
	}
	return out, nil
}
