package web

import (
	"context"

	"ceptor"
	"ceptor/stix"
)

// One object version, one appearance per walk.
//
// Several sources can hold the same STIX object at the same version in one
// collection: every report, advisory or incident carries its creator's
// identity and its TLP marking definition, each as a row of its own in the
// index. A walk of the collection (objects, manifest, versions, following
// next) serves an (id, version) once, at the first of its copies that the
// actor may see: a later copy is left out when an earlier one is visible
// to the actor. The rule depends on the index and the actor only, never on
// what a client was served before, so the keyset pagination stays
// stateless and survives restarts; a client polling with added_after
// receives a shared object when its first visible copy was added (the
// date_added the manifest shows), not again when another source adds it.
//
// Only rows flagged shared (migration 0023) are asked about, so a
// collection without shared objects (received indicators, the paging
// benchmark) is paged exactly as before.

// copyBatch is how many earlier copies one query reads.
const copyBatch = 100

// taxiiServedBefore says whether a walk of the collection passed a copy of
// r (same id and version, from another source) that the actor may see.
func (s *Server) taxiiServedBefore(ctx context.Context, a *ceptor.Actor, st stix.Store, collection string, r *stix.Stored) (bool, error) {
	cr, ok := st.(stix.CopyReader)
	if !ok {
		return false, nil
	}
	before := stix.Cursor{DateAddedUS: r.DateAdded.UnixMicro(), RID: r.RID}
	after := int64(0)
	for {
		// Any earlier copy the actor may see will do: they come in the
		// order of the index, not of the collection.
		copies, err := cr.EarlierCopies(ctx, collection, r.ObjectID, r.Version, before, after, copyBatch)
		if err != nil || len(copies) == 0 {
			return false, err
		}
		keep, err := s.pageRowsVisible(ctx, a, copies)
		if err != nil {
			return false, err
		}
		for _, k := range keep {
			if k {
				return true, nil
			}
		}
		if len(copies) < copyBatch {
			return false, nil
		}
		after = copies[len(copies)-1].RID
	}
}
