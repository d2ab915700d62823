package web

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

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
	key := copyKey{reader: readerKey(a), collection: collection, id: r.ObjectID, version: r.Version}
	gen := s.taxiiNext.gen.Load()
	if dup, known := s.taxiiSeen.lookup(key, before, gen); known {
		return dup, nil
	}
	after := int64(0)
	for {
		// Any earlier copy the actor may see will do: they come in the
		// order of the index, not of the collection.
		copies, err := cr.EarlierCopies(ctx, collection, r.ObjectID, r.Version, before, after, copyBatch)
		if err != nil {
			return false, err
		}
		keep, err := s.pageRowsVisible(ctx, a, copies, nil)
		if err != nil {
			return false, err
		}
		for i, k := range keep {
			if k {
				c := copies[i]
				s.taxiiSeen.remember(key, stix.Cursor{DateAddedUS: c.DateAdded.UnixMicro(), RID: c.RID}, false, gen)
				return true, nil
			}
		}
		if len(copies) < copyBatch {
			// r is the first copy the actor may see (its caller serves it).
			s.taxiiSeen.remember(key, before, true, gen)
			return false, nil
		}
		after = copies[len(copies)-1].RID
	}
}

// taxiiCopyMemo remembers, per reader, collection and object version, a
// copy the reader may see and where it is, so that the pages after the
// one that served a shared object (each page of a walk is a request of its
// own) do not look for its earlier copies again: a walk of a sector
// collection meets the TLP:AMBER marking definition of every AMBER report,
// and a reader who sees few of those reports would otherwise have the
// policy asked about the same invisible copies on every page.
//
// Like the pages read ahead (taxii_prefetch.go), an entry holds only for
// taxiiCopyTTL and while no sync of this node changed the index; a change
// on another node (the remembered copy's source deleted, the reader's
// rights changed) is as if the walk had passed that much earlier.
type taxiiCopyMemo struct {
	mu sync.Mutex
	m  map[copyKey]copyEntry
}

type copyKey struct{ reader, collection, id, version string }

type copyEntry struct {
	pos   stix.Cursor // a copy the reader may see
	first bool        // and no earlier one
	gen   uint64
	at    time.Time
}

const (
	taxiiCopyTTL = 30 * time.Second
	taxiiCopyMax = 10000 // entries; all are dropped when full
)

// readerKey names what the policy decides by for an actor in a walk: the
// person (or token's owner), the organisation, the role and the scopes.
func readerKey(a *ceptor.Actor) string {
	if a == nil {
		return ""
	}
	return strconv.FormatInt(a.UserID, 10) + "/" + strconv.FormatInt(a.OrgID, 10) + "/" + string(a.Role) + "/" + strings.Join(a.Scopes, ",")
}

func cursorBefore(p, q stix.Cursor) bool {
	return p.DateAddedUS < q.DateAddedUS || p.DateAddedUS == q.DateAddedUS && p.RID < q.RID
}

// lookup answers for the row at pos when the memo knows: a visible copy
// before it (a repeat), or pos is the first visible copy (served).
func (m *taxiiCopyMemo) lookup(k copyKey, pos stix.Cursor, gen uint64) (dup, known bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[k]
	if !ok || e.gen != gen || time.Since(e.at) > taxiiCopyTTL {
		return false, false
	}
	switch {
	case cursorBefore(e.pos, pos):
		return true, true
	case e.pos == pos && e.first:
		return false, true
	}
	return false, false
}

func (m *taxiiCopyMemo) remember(k copyKey, pos stix.Cursor, first bool, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= taxiiCopyMax {
		m.m = map[copyKey]copyEntry{}
	}
	if e, ok := m.m[k]; ok && e.gen == gen && time.Since(e.at) <= taxiiCopyTTL && !cursorBefore(pos, e.pos) && !(first && pos == e.pos) {
		return // already knows a copy at least as early
	}
	m.m[k] = copyEntry{pos: pos, first: first, gen: gen, at: time.Now()}
}
