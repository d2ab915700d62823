package auth

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// testTOTPSecret is the RFC 6238 SHA-1 test key "12345678901234567890" in base32.
const testTOTPSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewTOTP(t *testing.T) {
	t.Parallel()
	secret, uri, qr, err := NewTOTP("ceptor", "taro@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 { // 20 bytes in unpadded base32
		t.Errorf("secret %q has length %d", secret, len(secret))
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("secret") != secret || q.Get("issuer") != "ceptor" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" ||
		!strings.Contains(u.Path, "taro@example.jp") {
		t.Errorf("unexpected URI %q", uri)
	}
	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
		t.Errorf("QR code is %v, want 200x200", b)
	}
	now := time.Now()
	if _, ok := CheckTOTP(secret, codeAt(t, secret, now), now); !ok {
		t.Error("a fresh secret does not verify its own code")
	}
	s2, _, _, err := NewTOTP("ceptor", "taro@example.jp")
	if err != nil || s2 == secret {
		t.Errorf("second secret %q (err %v) equals the first", s2, err)
	}
}

func TestCheckTOTP(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 4, 1, 9, 0, 15, 0, time.UTC) // mid-step
	step := base.Unix() / 30
	period := 30 * time.Second
	cur := codeAt(t, testTOTPSecret, base)
	prev := codeAt(t, testTOTPSecret, base.Add(-period))
	next := codeAt(t, testTOTPSecret, base.Add(period))
	old := codeAt(t, testTOTPSecret, base.Add(-2*period))
	future := codeAt(t, testTOTPSecret, base.Add(2*period))
	if cur == prev || cur == next || cur == old || cur == future {
		t.Fatal("test vector collision; pick another base time")
	}
	tests := []struct {
		name     string
		secret   string
		code     string
		ok       bool
		wantStep int64
	}{
		{"current", testTOTPSecret, cur, true, step},
		{"previous step", testTOTPSecret, prev, true, step - 1},
		{"next step", testTOTPSecret, next, true, step + 1},
		{"two steps old", testTOTPSecret, old, false, 0},
		{"two steps ahead", testTOTPSecret, future, false, 0},
		{"spaces", testTOTPSecret, " " + cur[:3] + " " + cur[3:] + " ", true, step},
		{"lowercase secret", strings.ToLower(testTOTPSecret), cur, true, step},
		{"empty", testTOTPSecret, "", false, 0},
		{"five digits", testTOTPSecret, cur[:5], false, 0},
		{"seven digits", testTOTPSecret, cur + "0", false, 0},
		{"letters", testTOTPSecret, "12a456", false, 0},
		{"full-width digits", testTOTPSecret, "１２３４５６", false, 0},
		{"sign", testTOTPSecret, "+" + cur[1:], false, 0},
		{"dash", testTOTPSecret, cur[:3] + "-" + cur[3:], false, 0},
		{"bad secret", "not base32!", cur, false, 0},
		{"empty secret", "", cur, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := CheckTOTP(tt.secret, tt.code, base)
			if ok != tt.ok || got != tt.wantStep {
				t.Errorf("CheckTOTP(%q) = %d %v, want %d %v", tt.code, got, ok, tt.wantStep, tt.ok)
			}
		})
	}
}

// TestCheckTOTPRFCVectors checks the SHA-1 vectors of RFC 6238 appendix B
// (last six digits of the eight-digit values).
func TestCheckTOTPRFCVectors(t *testing.T) {
	t.Parallel()
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, v := range vectors {
		at := time.Unix(v.unix, 0)
		step, ok := CheckTOTP(testTOTPSecret, v.code, at)
		if !ok || step != TOTPStep(at) {
			t.Errorf("RFC vector at %d: got %d %v, want %d true", v.unix, step, ok, TOTPStep(at))
		}
	}
}

func TestTOTPStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unix, want int64
	}{{0, 0}, {29, 0}, {30, 1}, {59, 1}, {-1, -1}, {-30, -1}, {-31, -2}}
	for _, tt := range tests {
		if got := TOTPStep(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("TOTPStep(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
	// Around the epoch no negative step is ever tried.
	if _, ok := CheckTOTP(testTOTPSecret, "000000", time.Unix(-100, 0)); ok {
		t.Error("accepted a code before 1970")
	}
}
