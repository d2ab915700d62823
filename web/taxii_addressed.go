package web

import (
	"context"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
	"ceptor/stix"
)

// Collections addressed to organisations (advisories to named
// organisations or to whole organisation types; see advisory_stix.go):
//
//   - orgtype-<type>, one per organisation type, read by the organisations
//     of that type;
//   - org-<id>, one per organisation, read by that organisation alone.
//
// NISC reads both, as it reads every collection (policy_stix.go), and is
// the only one who adds to them over TAXII. The type collections are few
// and listed like the others. The organisation collections are as many as
// the registry's organisations: they are made on demand, not listed
// wholesale; each organisation finds its own in its list, and NISC reaches
// any of them by its alias org-<id> (the collection id is derived from the
// alias, as for every collection).

const (
	collOrgPrefix     = "org-"
	collOrgTypePrefix = "orgtype-"
)

// addressedCollection makes the collection of an org-<id> or
// orgtype-<type> key, without its title: what the policy needs of it.
func addressedCollection(key string) *taxiiCollection {
	if rest, ok := strings.CutPrefix(key, collOrgPrefix); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != rest {
			return nil
		}
		return &taxiiCollection{Key: key, ID: stix.UUIDOf("taxii-collection:" + key), Audience: ceptor.FeedOrg, OrgID: id, MaxTLP: ceptor.TLPAmberStrict}
	}
	if rest, ok := strings.CutPrefix(key, collOrgTypePrefix); ok {
		t := ceptor.OrgType(rest)
		if !t.Valid() {
			return nil
		}
		return &taxiiCollection{Key: key, ID: stix.UUIDOf("taxii-collection:" + key), Audience: ceptor.FeedOrgType, OrgType: t, MaxTLP: ceptor.TLPAmberStrict}
	}
	return nil
}

func orgCollectionKey(id int64) string { return collOrgPrefix + strconv.FormatInt(id, 10) }

func orgTypeCollectionKey(t ceptor.OrgType) string { return collOrgTypePrefix + string(t) }

// key returns the collection of a key: one of the set, or an
// organisation's, made on demand (nil when the key names none).
func (set *taxiiCollectionSet) key(k string) *taxiiCollection {
	if c := set.byKey[k]; c != nil {
		return c
	}
	if strings.HasPrefix(k, collOrgPrefix) {
		return addressedCollection(k)
	}
	return nil
}

// orgCollection is the collection addressed to organisation o, titled.
func orgCollection(o *ceptor.Organization, lang string) *taxiiCollection {
	c := addressedCollection(orgCollectionKey(o.ID))
	name := o.DisplayName(lang)
	c.Title, c.Description = i18n.T(lang, "taxii.coll_org", name), i18n.T(lang, "taxii.coll_org_desc", name)
	return c
}

// resolveCollection finds the collection a path names by id or alias: one
// of the set, an organisation's by its alias, or the actor's own
// organisation's by its id. nil when none (an unknown organisation too).
func (s *Server) resolveCollection(ctx context.Context, set *taxiiCollectionSet, ref string, a *ceptor.Actor, lang string) (*taxiiCollection, error) {
	if c := set.byID[ref]; c != nil {
		return c, nil
	}
	if c := set.byKey[ref]; c != nil {
		return c, nil
	}
	id := int64(0)
	if c := addressedCollection(ref); c != nil && c.Audience == ceptor.FeedOrg {
		id = c.OrgID
	} else if a != nil && a.OrgID != 0 && ref == stix.UUIDOf("taxii-collection:"+orgCollectionKey(a.OrgID)) {
		id = a.OrgID
	}
	if id == 0 {
		return nil, nil
	}
	o, err := s.store.FindOrg(ctx, id)
	if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return orgCollection(o, lang), nil
}
