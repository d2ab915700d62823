package auth

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings (RFC 6238), the ones every authenticator app supports.
const (
	TOTPPeriod = 30 // seconds per time step
	TOTPDigits = 6  // digits per code
	TOTPSkew   = 1  // steps accepted before and after the current one

	totpSecretSize = 20 // bytes (160 bits, the RFC 4226 recommendation)
	totpQRSize     = 200
)

// NewTOTP creates a TOTP secret (base32, SHA-1, 6 digits, 30 s) for account
// at issuer. It returns the secret (seal it before storing), the otpauth://
// URI for authenticator apps and a 200x200 PNG QR code of that URI.
func NewTOTP(issuer, account string) (secret string, uri string, qrPNG []byte, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      TOTPPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", nil, fmt.Errorf("auth: totp: %w", err)
	}
	img, err := key.Image(totpQRSize, totpQRSize)
	if err != nil {
		return "", "", nil, fmt.Errorf("auth: totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", "", nil, fmt.Errorf("auth: totp png: %w", err)
	}
	return key.Secret(), key.URL(), buf.Bytes(), nil
}

// TOTPStep returns the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 {
	s := t.Unix()
	step := s / TOTPPeriod
	if s < 0 && s%TOTPPeriod != 0 {
		step-- // floor, not truncation, before 1970
	}
	return step
}

// CheckTOTP reports whether code is the TOTP of secret at now, allowing one
// step of clock skew either way. Spaces in code are ignored ("123 456");
// anything but exactly six ASCII digits is refused.
//
// On success step is the time step the code belongs to. The caller must
// remember the last accepted step per user and refuse a code whose step is
// not greater, so that an observed code cannot be replayed.
func CheckTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != TOTPDigits {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	opts := hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	cur := TOTPStep(now)
	// Try every step of the window without stopping early; when two steps
	// share the code, keep the later one (the safer value for replay checks).
	found := false
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), opts)
		if err != nil {
			return 0, false // secret is not base32
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, found = s, true
		}
	}
	if !found {
		return 0, false
	}
	return step, true
}
