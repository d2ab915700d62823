package web

import (
	"testing"

	"ceptor"
	"ceptor/stix"
)

// TestTAXIICopyMemo: the memo answers a later row of a remembered object
// version as a repeat, the remembered first copy as served, and nothing
// else; an entry does not outlive an index change; another reader, scope
// set or collection has entries of its own; a later copy does not replace
// an earlier one.
func TestTAXIICopyMemo(t *testing.T) {
	var m taxiiCopyMemo
	op := &ceptor.Actor{UserID: 1, OrgID: 2, Role: ceptor.RoleAnalyst}
	k := copyKey{reader: readerKey(op), collection: "sector-1", id: "marking-definition--x", version: "v"}
	at := func(us, rid int64) stix.Cursor { return stix.Cursor{DateAddedUS: us, RID: rid} }
	if _, known := m.lookup(k, at(10, 1), 0); known {
		t.Fatal("an empty memo knows something")
	}
	m.remember(k, at(10, 5), true, 0)
	for _, c := range []struct {
		pos         stix.Cursor
		dup, known  bool
		description string
	}{
		{at(10, 6), true, true, "a later row of the same microsecond"},
		{at(11, 1), true, true, "a later row"},
		{at(10, 5), false, true, "the first copy itself"},
		{at(10, 4), false, false, "an earlier row"},
		{at(9, 9), false, false, "an earlier microsecond"},
	} {
		if dup, known := m.lookup(k, c.pos, 0); dup != c.dup || known != c.known {
			t.Errorf("%s: dup %v known %v, want %v %v", c.description, dup, known, c.dup, c.known)
		}
	}
	if _, known := m.lookup(k, at(11, 1), 1); known {
		t.Error("an entry outlived an index change")
	}
	other := k
	other.reader = readerKey(&ceptor.Actor{UserID: 1, OrgID: 2, Role: ceptor.RoleAnalyst, Scopes: []string{ceptor.ScopeRead}})
	if _, known := m.lookup(other, at(11, 1), 0); known {
		t.Error("a token with other scopes shares the reader's entry")
	}
	other = k
	other.collection = "sector-2"
	if _, known := m.lookup(other, at(11, 1), 0); known {
		t.Error("another collection shares the entry")
	}
	// A visible copy found later (not first) does not replace the first.
	m.remember(k, at(20, 1), false, 0)
	if dup, known := m.lookup(k, at(10, 5), 0); dup || !known {
		t.Error("the first copy was forgotten for a later one")
	}
	// An earlier visible copy, not known to be the first, replaces it.
	m.remember(k, at(5, 1), false, 0)
	if dup, known := m.lookup(k, at(10, 5), 0); !dup || !known {
		t.Error("an earlier visible copy does not make the row a repeat")
	}
	if _, known := m.lookup(k, at(5, 1), 0); known {
		t.Error("a copy not known to be the first is answered as served")
	}
}
