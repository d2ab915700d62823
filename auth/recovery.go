package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// recoveryAlphabet is Crockford's base32 in lower case: digits and letters
// without i, l, o and u. HashRecoveryCode reads the look-alikes i, l (as 1)
// and o (as 0), so a code copied by hand still works.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// Recovery codes have 3 groups of 4 characters of 5 bits: 60 bits.
const (
	recoveryGroups   = 3
	recoveryGroupLen = 4
)

// DefaultRecoveryCodes is the usual number of recovery codes to issue.
const DefaultRecoveryCodes = 10

// NewRecoveryCodes returns n distinct one-time recovery codes such as
// "k7f2-9xqp-m3ta" to show the user once, and their hashes (same order) to
// store. It returns nils when n <= 0.
func NewRecoveryCodes(n int) (plain []string, hashes []string) {
	if n <= 0 {
		return nil, nil
	}
	plain = make([]string, 0, n)
	hashes = make([]string, 0, n)
	seen := make(map[string]bool, n)
	raw := make([]byte, recoveryGroups*recoveryGroupLen)
	for len(plain) < n {
		rand.Read(raw)
		var sb strings.Builder
		for i, c := range raw {
			if i > 0 && i%recoveryGroupLen == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[c&31])
		}
		code := sb.String()
		if seen[code] {
			continue
		}
		seen[code] = true
		plain = append(plain, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return plain, hashes
}

// NormalizeRecoveryCode puts a recovery code as typed by a person into its
// canonical form: lower case, without spaces or dashes, with the look-alikes
// i and l read as 1 and o as 0.
func NormalizeRecoveryCode(code string) string {
	var sb strings.Builder
	sb.Grow(len(code))
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '-' || unicode.IsSpace(r):
			// dropped
		case r == 'i' || r == 'l':
			sb.WriteByte('1')
		case r == 'o':
			sb.WriteByte('0')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// HashRecoveryCode returns the hex SHA-256 of NormalizeRecoveryCode(code), the
// value to store and to look up with UserService.UseRecoveryCode. A fast hash
// suffices: codes carry 60 random bits and are single-use.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
