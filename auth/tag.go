package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Tag returns a keyed hash of value for a purpose: the same inputs always
// give the same tag, but without the service key nobody can compute a tag or
// turn one back into its value. Anonymous reports use it to recognise their
// reporter ("is this mine?") without storing who the reporter is.
func (s *Sealer) Tag(purpose, value string) string {
	m := hmac.New(sha256.New, s.tagKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}
