package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are the Argon2id cost parameters.
type Params struct {
	Time      uint32 // number of passes over the memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // degree of parallelism
}

// DefaultParams are the production cost parameters: 2 passes over 64 MiB with
// 2 lanes, close to the second recommendation of RFC 9106 §4.
var DefaultParams = Params{Time: 2, MemoryKiB: 64 * 1024, Threads: 2}

// TestParams are deliberately weak parameters that make tests fast. Never use
// them in production: CheckPassword with DefaultParams reports hashes made
// with them as needing a rehash.
var TestParams = Params{Time: 1, MemoryKiB: 8, Threads: 1}

const (
	saltLen = 16 // bytes of random salt in hashes made by HashPassword
	keyLen  = 32 // bytes of derived key in hashes made by HashPassword

	// Bounds accepted when reading a stored hash. They keep a corrupted or
	// hostile row in the database from exhausting memory or CPU.
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
	maxEncoded   = 512 // generous: our own hashes are about 100 bytes

	argonVersion = argon2.Version // 0x13 = 19
)

// ErrInvalidHash is returned (wrapped) by CheckPassword when the stored hash
// is not an Argon2id PHC string this package can verify.
var ErrInvalidHash = errors.New("auth: invalid password hash")

// b64 is the encoding of salts and keys in PHC strings: standard alphabet, no
// padding. Strict decoding rejects non-canonical trailing bits.
var b64 = base64.RawStdEncoding.Strict()

// validate reports whether p can be used to hash, within the bounds accepted
// when verifying.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("auth: argon2 time %d out of range 1..%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("auth: argon2 threads must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("auth: argon2 memory %d KiB out of range %d..%d", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	}
	return nil
}

// HashPassword derives an Argon2id key from password with a fresh 16-byte
// salt and returns it as a PHC string:
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt>$<key>
//
// where salt and key (32 bytes) are in unpadded standard base64.
func HashPassword(p Params, password string) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := idKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	return encodeHash(p, salt, key), nil
}

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argonVersion, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodedHash is a parsed PHC string.
type decodedHash struct {
	params Params
	salt   []byte
	key    []byte
}

// decodeHash parses an Argon2id PHC string strictly: fixed parameter order,
// canonical decimal numbers, version 19, bounded costs and lengths.
func decodeHash(encoded string) (*decodedHash, error) {
	if len(encoded) > maxEncoded {
		return nil, fmt.Errorf("%w: too long", ErrInvalidHash)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return nil, fmt.Errorf("%w: want 5 fields", ErrInvalidHash)
	}
	if parts[1] != "argon2id" {
		return nil, fmt.Errorf("%w: algorithm is not argon2id", ErrInvalidHash)
	}
	v, ok := cutNumber(parts[2], "v=", 32)
	if !ok || v != argonVersion {
		return nil, fmt.Errorf("%w: unsupported version", ErrInvalidHash)
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return nil, fmt.Errorf("%w: want m, t and p", ErrInvalidHash)
	}
	m, okM := cutNumber(fields[0], "m=", 32)
	t, okT := cutNumber(fields[1], "t=", 32)
	th, okP := cutNumber(fields[2], "p=", 8)
	if !okM || !okT || !okP {
		return nil, fmt.Errorf("%w: bad parameters", ErrInvalidHash)
	}
	d := &decodedHash{params: Params{Time: uint32(t), MemoryKiB: uint32(m), Threads: uint8(th)}}
	if err := d.params.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidHash, err)
	}
	var err error
	if d.salt, err = b64.DecodeString(parts[4]); err != nil || len(d.salt) < minSaltLen || len(d.salt) > maxSaltLen {
		return nil, fmt.Errorf("%w: bad salt", ErrInvalidHash)
	}
	if d.key, err = b64.DecodeString(parts[5]); err != nil || len(d.key) < minKeyLen || len(d.key) > maxKeyLen {
		return nil, fmt.Errorf("%w: bad key", ErrInvalidHash)
	}
	return d, nil
}

// cutNumber parses "<prefix><decimal>" where the decimal has no sign, no
// leading zeros and fits in bits.
func cutNumber(s, prefix string, bits int) (uint64, bool) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok || digits == "" || len(digits) > 10 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, 10, bits)
	return n, err == nil
}

// CheckPassword verifies password against encoded, a string made by
// HashPassword. The derived keys are compared in constant time.
//
// needsRehash is true when the password is correct but the hash was made with
// parameters (or salt or key lengths) other than p: the caller should then
// store a fresh HashPassword(p, password). A malformed encoded string gives an
// error wrapping ErrInvalidHash and ok == false.
func CheckPassword(p Params, encoded, password string) (ok bool, needsRehash bool, err error) {
	d, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	key := idKey([]byte(password), d.salt, d.params.Time, d.params.MemoryKiB, d.params.Threads, uint32(len(d.key)))
	if subtle.ConstantTimeCompare(key, d.key) != 1 {
		return false, false, nil
	}
	needsRehash = d.params != p || len(d.salt) != saltLen || len(d.key) != keyLen
	return true, needsRehash, nil
}

// dummySalt is a fixed salt for DummyCheck; its value does not matter.
var dummySalt = []byte("ceptor-dummy-slt")

// DummyCheck spends about the time of a CheckPassword with parameters p. Call
// it when a sign-in names an unknown (or disabled) account so that response
// times do not reveal which e-mail addresses exist. Invalid parameters fall
// back to DefaultParams.
func DummyCheck(p Params) {
	if p.validate() != nil {
		p = DefaultParams
	}
	key := idKey([]byte("not a real password"), dummySalt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	subtle.ConstantTimeCompare(key, key)
}

// Password length limits, counted in Unicode code points.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

//go:embed common_passwords.txt
var commonPasswordsTxt string

// commonPasswords is the embedded list, lower-cased.
var commonPasswords = func() map[string]struct{} {
	m := map[string]struct{}{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsTxt))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
}()

// ValidatePassword applies the password rules to a new password and returns
// "" when it is acceptable, otherwise the message key of the first rule it
// breaks:
//
//   - "err.password_short": fewer than 12 characters (runes);
//   - "err.password_long": more than 256 characters;
//   - "err.password_common": a well-known password (compared case-insensitively,
//     also after stripping leading and trailing digits and punctuation, so
//     "Password2024!" counts), a single character repeated, or a password
//     equal to or containing the local part of email (when that part has at
//     least 3 characters).
func ValidatePassword(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return "err.password_short"
	case n > MaxPasswordLen:
		return "err.password_long"
	}
	lower := strings.ToLower(password)
	if isCommon(lower) {
		return "err.password_common"
	}
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if local != "" && (lower == local || (utf8.RuneCountInString(local) >= 3 && strings.Contains(lower, local))) {
		return "err.password_common"
	}
	return ""
}

// isCommon reports whether lower (a lower-cased password) is on the list,
// is on the list once decorations at either end are removed, or repeats one
// character.
func isCommon(lower string) bool {
	if _, ok := commonPasswords[lower]; ok {
		return true
	}
	core := strings.TrimFunc(lower, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if _, ok := commonPasswords[core]; ok {
		return true
	}
	first, _ := utf8.DecodeRuneInString(lower)
	return strings.Trim(lower, string(first)) == ""
}
