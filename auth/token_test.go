package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"
)

func TestRandomToken(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^(cpt|ses)_[a-z2-7]{52}$`)
	seen := map[string]bool{}
	for _, prefix := range []string{PrefixAPIToken, PrefixSession, PrefixAPIToken, PrefixSession} {
		s := RandomToken(prefix)
		if !re.MatchString(s) {
			t.Errorf("RandomToken(%q) = %q, wrong format", prefix, s)
		}
		if seen[s] {
			t.Errorf("RandomToken repeated %q", s)
		}
		seen[s] = true
	}
	if s := RandomToken(""); len(s) != 53 || s[0] != '_' {
		t.Errorf("RandomToken(\"\") = %q", s)
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashToken(tt.in); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	s := RandomToken("cpt")
	sum := sha256.Sum256([]byte(s))
	if HashToken(s) != hex.EncodeToString(sum[:]) {
		t.Error("HashToken is not the hex SHA-256 of the secret")
	}
	if HashToken(s) == HashToken(RandomToken("cpt")) {
		t.Error("different tokens hash alike")
	}
}

func TestTokenPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"cpt_abcdefghijklmnop", "cpt_abcdefgh"},
		{"cpt_abcdefgh", "cpt_abcdefgh"},
		{"short", "short"},
		{"", ""},
		{"ああああああああああああああ", "ああああああああああああ"},
	}
	for _, tt := range tests {
		if got := TokenPrefix(tt.in); got != tt.want {
			t.Errorf("TokenPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if p := TokenPrefix(RandomToken("cpt")); len(p) != 12 {
		t.Errorf("prefix %q is not 12 characters", p)
	}
}

func TestRandomString(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
	for _, n := range []int{-1, 0, 1, 16, 43, 100} {
		s := RandomString(n)
		want := max(n, 0)
		if len(s) != want || !re.MatchString(s) {
			t.Errorf("RandomString(%d) = %q", n, s)
		}
	}
	if RandomString(32) == RandomString(32) {
		t.Error("RandomString repeated itself")
	}
}
