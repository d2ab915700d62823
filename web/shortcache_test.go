package web

import (
	"testing"
	"time"
)

func TestShortCache(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	c := shortCache[int64, string]{ttl: 2 * time.Second, max: 2}
	c.put(1, "a", now)
	if v, ok := c.get(1, now.Add(time.Second)); !ok || v != "a" {
		t.Fatalf("within the ttl: %q %v", v, ok)
	}
	if _, ok := c.get(1, now.Add(3*time.Second)); ok {
		t.Fatal("kept beyond the ttl")
	}
	c.put(1, "a", now)
	c.put(2, "b", now)
	c.put(3, "c", now) // over max: starts afresh
	if _, ok := c.get(1, now); ok {
		t.Fatal("grew beyond max")
	}
	off := shortCache[int64, string]{}
	off.put(1, "a", now)
	if _, ok := off.get(1, now); ok {
		t.Fatal("a zero ttl must keep nothing")
	}
}

// The people notifications reach are forgotten after changes to people,
// organisations and e-mail choices, and kept after others.
func TestPeopleForgottenAfterTheirChanges(t *testing.T) {
	now := time.Now()
	for action, forget := range map[string]bool{
		"notification.preferences": true, "user.disable": true, "org.update": true, "registry.import": true,
		"report.submit": false, "advisory.publish": false,
	} {
		s := &Server{}
		s.people.ttl = time.Hour
		s.people.put(7, &orgPeople{}, now)
		s.forgetCachedAfter(action)
		if _, ok := s.people.get(7, now); ok == forget {
			t.Errorf("%s: remembered %v, want %v", action, ok, !forget)
		}
	}
}
