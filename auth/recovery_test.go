package auth

import (
	"regexp"
	"testing"
)

func TestNewRecoveryCodes(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$`)
	plain, hashes := NewRecoveryCodes(DefaultRecoveryCodes)
	if len(plain) != DefaultRecoveryCodes || len(hashes) != DefaultRecoveryCodes {
		t.Fatalf("got %d codes and %d hashes", len(plain), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range plain {
		if !re.MatchString(c) {
			t.Errorf("code %q has the wrong format", c)
		}
		if seen[c] {
			t.Errorf("code %q repeated", c)
		}
		seen[c] = true
		if hashes[i] != HashRecoveryCode(c) {
			t.Errorf("hash %d does not match its code", i)
		}
	}
	if p, h := NewRecoveryCodes(0); p != nil || h != nil {
		t.Error("NewRecoveryCodes(0) returned codes")
	}
	if p, h := NewRecoveryCodes(-3); p != nil || h != nil {
		t.Error("NewRecoveryCodes(-3) returned codes")
	}
}

func TestHashRecoveryCode(t *testing.T) {
	t.Parallel()
	want := HashRecoveryCode("k7f2-9xqp-m3ta")
	if len(want) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", want)
	}
	tests := []struct {
		name, in string
		same     bool
	}{
		{"identical", "k7f2-9xqp-m3ta", true},
		{"upper case", "K7F2-9XQP-M3TA", true},
		{"no dashes", "k7f29xqpm3ta", true},
		{"spaces", " k7f2 9xqp m3ta ", true},
		{"mixed separators", "K7F2 - 9xqp-M3TA\t", true},
		{"full-width space", "k7f2\u30009xqp\u3000m3ta", true},
		{"other code", "k7f2-9xqp-m3tb", false},
		{"truncated", "k7f2-9xqp-m3t", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := HashRecoveryCode(tt.in) == want; got != tt.same {
				t.Errorf("HashRecoveryCode(%q) matches=%v, want %v", tt.in, got, tt.same)
			}
		})
	}
	// Look-alikes read as the digits of the alphabet.
	if HashRecoveryCode("10ab-cdef-ghjk") != HashRecoveryCode("lOab-cdef-ghjk") ||
		HashRecoveryCode("10ab-cdef-ghjk") != HashRecoveryCode("iOAB CDEF GHJK") {
		t.Error("look-alike characters are not normalised")
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"K7F2-9XQP-M3TA", "k7f29xqpm3ta"},
		{"  io1l-O0 ", "101100"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeRecoveryCode(tt.in); got != tt.want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
