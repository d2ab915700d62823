package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// Prefixes of the random secrets ceptor hands out, so that a leaked secret
// can be recognised (by people and by secret scanners).
const (
	PrefixAPIToken = "cpt" // API and TAXII bearer tokens
	PrefixSession  = "ses" // session cookies
)

// tokenBytes is the entropy of RandomToken: 256 bits.
const tokenBytes = 32

// tokenEncoding is lowercase base32 (RFC 4648 alphabet) without padding.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// RandomToken returns prefix + "_" + 32 random bytes in lowercase unpadded
// base32 (52 characters), e.g. "cpt_mfrgg...". Store only HashToken(secret).
func RandomToken(prefix string) (secret string) {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails: crypto/rand aborts the program instead
	return prefix + "_" + tokenEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of secret: the value to store and look up
// for sessions and API tokens. A fast hash is enough because the secret has
// 256 bits of entropy.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenPrefixLen is the number of characters TokenPrefix keeps.
const TokenPrefixLen = 12

// TokenPrefix returns the first 12 characters of secret (all of it when
// shorter), enough to recognise a token in a list without revealing it.
func TokenPrefix(secret string) string {
	n := 0
	for i := range secret {
		if n == TokenPrefixLen {
			return secret[:i]
		}
		n++
	}
	return secret
}

// urlSafe is the base64url alphabet; 64 symbols, so a byte masked to 6 bits
// selects one without bias.
const urlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// RandomString returns n random characters from the URL-safe base64
// alphabet (6 bits each), for CSRF tokens, OIDC state and nonces and the
// like. It returns "" when n <= 0.
func RandomString(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	rand.Read(b)
	var sb strings.Builder
	sb.Grow(n)
	for _, c := range b {
		sb.WriteByte(urlSafe[c&63])
	}
	return sb.String()
}
