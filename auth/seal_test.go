package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustSealer(t testing.TB, key []byte) *Sealer {
	t.Helper()
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSealerKeySize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestSealerRoundTrip(t *testing.T) {
	t.Parallel()
	s := mustSealer(t, testKey(1))
	tests := []struct {
		name      string
		plaintext []byte
		aad       string
	}{
		{"totp secret", []byte("JBSWY3DPEHPK3PXP"), "totp:user:42"},
		{"empty plaintext", []byte{}, "x"},
		{"nil plaintext", nil, ""},
		{"binary", []byte{0, 1, 2, 255, 254}, "reporter:7"},
		{"large", bytes.Repeat([]byte("匿名"), 5000), "reporter:8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := s.Seal(tt.plaintext, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sealed, "v1:") {
				t.Fatalf("sealed %q lacks the v1 prefix", sealed)
			}
			if _, err := base64.RawURLEncoding.DecodeString(sealed[3:]); err != nil {
				t.Fatalf("sealed body is not unpadded base64url: %v", err)
			}
			if len(tt.plaintext) > 4 && bytes.Contains([]byte(sealed), tt.plaintext) {
				t.Fatal("plaintext visible in sealed value")
			}
			got, err := s.Open(sealed, tt.aad)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
			again, err := s.Seal(tt.plaintext, tt.aad)
			if err != nil || again == sealed {
				t.Fatalf("two seals are equal (err %v): nonce not random", err)
			}
		})
	}
}

func TestSealerOpenFailures(t *testing.T) {
	t.Parallel()
	s := mustSealer(t, testKey(1))
	other := mustSealer(t, testKey(2))
	sealed, err := s.Seal([]byte("JBSWY3DPEHPK3PXP"), "totp:user:42")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(sealed[3:])
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return "v1:" + base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name   string
		sealer *Sealer
		sealed string
		aad    string
	}{
		{"wrong aad", s, sealed, "totp:user:43"},
		{"empty aad", s, sealed, ""},
		{"wrong key", other, sealed, "totp:user:42"},
		{"nonce tampered", s, flip(0), "totp:user:42"},
		{"ciphertext tampered", s, flip(14), "totp:user:42"},
		{"tag tampered", s, flip(len(raw) - 1), "totp:user:42"},
		{"truncated", s, sealed[:len(sealed)-4], "totp:user:42"},
		{"appended", s, sealed + "AAAA", "totp:user:42"},
		{"no prefix", s, sealed[3:], "totp:user:42"},
		{"v2 prefix", s, "v2:" + sealed[3:], "totp:user:42"},
		{"padded", s, sealed + "=", "totp:user:42"},
		{"newline", s, sealed[:10] + "\n" + sealed[10:], "totp:user:42"},
		{"std alphabet", s, strings.NewReplacer("-", "+", "_", "/").Replace(sealed), "totp:user:42"},
		{"too short", s, "v1:AAAA", "totp:user:42"},
		{"empty body", s, "v1:", "totp:user:42"},
		{"empty", s, "", "totp:user:42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.name == "std alphabet" && !strings.ContainsAny(sealed, "-_") {
				t.Skip("sealed value has no URL-specific characters")
			}
			got, err := tt.sealer.Open(tt.sealed, tt.aad)
			if err == nil {
				t.Fatalf("Open succeeded: %q", got)
			}
			if !errors.Is(err, ErrSealed) {
				t.Errorf("error %v does not wrap ErrSealed", err)
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "dir", "seal.key")
	key, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("bad key %x", key)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %v, want 0600", perm)
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if perm := di.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("created directory mode %v, want no group/other access", perm)
		}
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(content) != hex.EncodeToString(key)+"\n" {
		t.Errorf("file holds %q", content)
	}
	again, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("reloading gave %x, %v; want %x", again, err, key)
	}
	if _, err := NewSealer(key); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrCreateKeyExisting(t *testing.T) {
	t.Parallel()
	want := testKey(0xab)
	tests := []struct {
		name    string
		content string
		ok      bool
	}{
		{"hex", hex.EncodeToString(want), true},
		{"hex newline", hex.EncodeToString(want) + "\n", true},
		{"hex upper with spaces", "  " + strings.ToUpper(hex.EncodeToString(want)) + "\r\n", true},
		{"empty", "", false},
		{"too short", hex.EncodeToString(want)[:62], false},
		{"too long", hex.EncodeToString(want) + "ab", false},
		{"not hex", strings.Repeat("zz", KeySize), false},
		{"base64", base64.StdEncoding.EncodeToString(want), false},
		{"raw bytes", string(want), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "seal.key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadOrCreateKey(path)
			if tt.ok {
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("got %x, %v", got, err)
				}
			} else if err == nil {
				t.Fatalf("accepted %q", tt.content)
			}
			after, _ := os.ReadFile(path)
			if string(after) != tt.content {
				t.Error("the existing file was modified")
			}
		})
	}
}

func TestLoadOrCreateKeyErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := LoadOrCreateKey(dir); err == nil {
		t.Error("a directory was accepted as key file")
	}
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(filepath.Join(blocker, "seal.key")); err == nil {
		t.Error("created a key below a regular file")
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	want := make([]byte, KeySize)
	for i := range want {
		want[i] = byte(i*7 + 250) // includes bytes that need + / - _ in base64
	}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"hex", hex.EncodeToString(want), true},
		{"hex upper", strings.ToUpper(hex.EncodeToString(want)), true},
		{"hex spaces", " " + hex.EncodeToString(want) + "\n", true},
		{"base64", base64.StdEncoding.EncodeToString(want), true},
		{"base64 raw", base64.RawStdEncoding.EncodeToString(want), true},
		{"base64url", base64.URLEncoding.EncodeToString(want), true},
		{"base64url raw", base64.RawURLEncoding.EncodeToString(want), true},
		{"empty", "", false},
		{"short hex", hex.EncodeToString(want[:31]), false},
		{"long hex", hex.EncodeToString(append(bytes.Clone(want), 1)), false},
		{"short base64", base64.StdEncoding.EncodeToString(want[:16]), false},
		{"garbage", "not a key at all", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseKey(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseKey(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && !bytes.Equal(got, want) {
				t.Fatalf("ParseKey(%q) = %x, want %x", tt.in, got, want)
			}
		})
	}
}

// knownSealed is "JBSWY3DPEHPK3PXP" sealed with testKey(7) and aad
// "totp:user:1". It pins the format: values stored today must open tomorrow.
const knownSealed = "v1:AGywqandBYmLwdqLFPEljrAVRzSZW-LQ4L3tfb8DkX2z6cYOTZDR_Jt96Dk"

func TestSealerKnownVector(t *testing.T) {
	t.Parallel()
	got, err := mustSealer(t, testKey(7)).Open(knownSealed, "totp:user:1")
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open(knownSealed) = %q, %v", got, err)
	}
}

func FuzzOpen(f *testing.F) {
	s := mustSealer(f, testKey(7))
	f.Add(knownSealed, "totp:user:1", []byte("hello"))
	f.Add("v1:", "", []byte{})
	f.Add("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x", []byte{0})
	f.Add("garbage", "", []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, aad string, plaintext []byte) {
		if got, err := s.Open(sealed, aad); err == nil {
			// Only the known vector can open: the text encoding is
			// canonical, so any other string means tampering.
			if sealed != knownSealed || aad != "totp:user:1" || string(got) != "JBSWY3DPEHPK3PXP" {
				t.Fatalf("Open(%q, %q) = %q, want an error", sealed, aad, got)
			}
		} else if !errors.Is(err, ErrSealed) {
			t.Fatalf("error %v does not wrap ErrSealed", err)
		}
		out, err := s.Seal(plaintext, aad)
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.Open(out, aad)
		if err != nil || !bytes.Equal(back, plaintext) {
			t.Fatalf("round trip of %q gave %q, %v", plaintext, back, err)
		}
	})
}
