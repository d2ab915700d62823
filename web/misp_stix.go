package web

import (
	"context"
	"strconv"

	"ceptor"
	"ceptor/stix"
)

// Imported MISP events in the TAXII collections: each is a STIX report
// with an indicator per indicator it carried, its TLP 2.0 marking and tags
// kept, created by the MISP creator organisation (stix.MISPObjects).
// Events marked CLEAR or GREEN are community information and go to the
// everyone collection; AMBER and AMBER+STRICT ones go to the importing
// organisation's sector collections, where the MISP policy lets only the
// importer and NISC read them (as on the MISP page); RED ones to none.
// Imports, re-imports and removals are queued for the STIX sync by the
// triggers of migration 0022.

type mispSTIX struct{ s *Server }

func (mispSTIX) kind() string { return "misp" }

func (m mispSTIX) project(ctx context.Context, id int64) (*stix.Projection, error) {
	store, err := m.s.sharing()
	if err != nil {
		return nil, err
	}
	x, err := store.FindMISPEvent(ctx, id)
	if err != nil {
		return nil, err
	}
	ev := x.Event
	if !ev.TLP.Valid() || ev.TLP == ceptor.TLPRed {
		return nil, nil
	}
	objs, err := stix.MISPObjects(stix.MISPExport{UUID: ev.UUID, Info: ev.Info, Date: ev.Date, CreatorOrg: ev.CreatorOrg, CreatorUUID: ev.CreatorUUID,
		Tags: ev.Tags, TLP: ev.TLP, Timestamp: ev.Timestamp, ImportedAt: x.ImportedAt, Indicators: ev.Indicators()})
	if err != nil {
		return nil, err
	}
	var cols []string
	if ev.TLP.AtMost(ceptor.TLPGreen) {
		cols = []string{collEveryone}
	} else {
		o, err := m.s.store.FindOrg(ctx, x.OrgID)
		if err != nil && ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			return nil, err
		}
		if o != nil {
			for _, sid := range o.SectorIDs {
				cols = append(cols, "sector-"+strconv.FormatInt(sid, 10))
			}
		}
	}
	// A re-import with a later timestamp is a new version; the earlier
	// stays as a superseded one.
	return &stix.Projection{Objects: objs, TLP: ev.TLP, Collections: cols, KeepSuperseded: true}, nil
}

func (m mispSTIX) visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error) {
	store, err := m.s.sharing()
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, id := range ids {
		x, err := store.FindMISPEvent(ctx, id)
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = ceptor.Allow(a, ceptor.ActView, mispResource(x))
	}
	return out, nil
}
