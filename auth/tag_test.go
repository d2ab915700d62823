package auth

import "testing"

func TestTag(t *testing.T) {
	k1, k2 := make([]byte, 32), make([]byte, 32)
	k2[0] = 1
	s1, _ := NewSealer(k1)
	s2, _ := NewSealer(k2)
	a := s1.Tag("org", "42")
	if a != s1.Tag("org", "42") || len(a) != 64 {
		t.Fatal("tag not stable")
	}
	for _, other := range []string{s1.Tag("org", "43"), s1.Tag("user", "42"), s1.Tag("org4", "2"), s2.Tag("org", "42")} {
		if other == a {
			t.Fatal("distinct inputs or keys gave the same tag")
		}
	}
}
