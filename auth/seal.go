package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a sealing key: 32 bytes for AES-256.
const KeySize = 32

// sealPrefix marks the format of sealed values, leaving room for new
// algorithms or key rotation.
const sealPrefix = "v1:"

// ErrSealed is returned (wrapped) by Sealer.Open when a sealed value is
// malformed, was tampered with, or was sealed with another key or context.
var ErrSealed = errors.New("auth: cannot open sealed value")

// sealEncoding is unpadded base64url; strict decoding makes the text form of
// a sealed value canonical.
var sealEncoding = base64.RawURLEncoding.Strict()

// Sealer encrypts small secrets for storage (TOTP secrets, sealed identities
// of anonymous reporters) with AES-256-GCM. It is safe for concurrent use.
type Sealer struct {
	aead   cipher.AEAD
	tagKey []byte // derived from the key, for Tag
}

// NewSealer returns a Sealer for a 32-byte key (see LoadOrCreateKey and
// ParseKey).
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("auth: sealing key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: sealing key: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("ceptor tag key v1"))
	return &Sealer{aead: aead, tagKey: mac.Sum(nil)}, nil
}

// Seal encrypts plaintext under a fresh random nonce and returns
// "v1:" + base64url(nonce || ciphertext || tag). aad binds the value to its
// context (for example "totp:user:42"): Open must be given the same aad, so
// a sealed value copied to another row or purpose does not open.
func (s *Sealer) Seal(plaintext []byte, aad string) (string, error) {
	ns := s.aead.NonceSize()
	buf := make([]byte, ns, ns+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("auth: nonce: %w", err)
	}
	buf = s.aead.Seal(buf, buf[:ns], plaintext, []byte(aad))
	return sealPrefix + sealEncoding.EncodeToString(buf), nil
}

// Open decrypts and authenticates a value made by Seal with the same key and
// aad. Any failure returns an error wrapping ErrSealed.
func (s *Sealer) Open(sealed string, aad string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", ErrSealed)
	}
	if strings.ContainsAny(body, "\r\n") { // the base64 decoder would skip them
		return nil, fmt.Errorf("%w: bad encoding", ErrSealed)
	}
	raw, err := sealEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("%w: bad encoding", ErrSealed)
	}
	ns := s.aead.NonceSize()
	if len(raw) < ns+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrSealed)
	}
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrSealed)
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, nil
}

// LoadOrCreateKey reads a 32-byte key stored as 64 hex characters (plus
// optional surrounding white space) in the file at path. When the file does
// not exist it creates it, and any missing parent directories (0700), with
// mode 0600 and a fresh random key. A file of any other content is refused
// rather than replaced, since data sealed with the old key would be lost.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auth: key file: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("auth: key: %w", err)
	}
	// O_EXCL: when another process creates the file first, use its key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: key file: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // do not leave a truncated key behind
		return nil, fmt.Errorf("auth: key file: %w", err)
	}
	return key, nil
}

// readKeyFile reads and decodes a hex key file. A missing file gives an error
// matching fs.ErrNotExist.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("auth: key file: %w", err)
	}
	text := strings.TrimSpace(string(b))
	if len(text) != 2*KeySize {
		return nil, fmt.Errorf("auth: key file %s: want %d hex characters, found %d characters", path, 2*KeySize, len(text))
	}
	key, err := hex.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("auth: key file %s: not hexadecimal", path)
	}
	return key, nil
}

// ParseKey decodes a 32-byte key given as 64 hex characters or as base64
// (standard or URL alphabet, padded or not), for keys passed in the
// environment or on the command line. Surrounding white space is ignored.
func ParseKey(hexOrBase64 string) ([]byte, error) {
	s := strings.TrimSpace(hexOrBase64)
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(s)
		if err == nil && len(key) == KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("auth: key must be %d bytes as %d hex characters or base64", KeySize, 2*KeySize)
}
