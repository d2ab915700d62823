package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashPasswordFormat(t *testing.T) {
	t.Parallel()
	h, err := HashPassword(TestParams, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Fatalf("unexpected prefix: %q", h)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 { // 16 and 32 bytes, unpadded
		t.Fatalf("unexpected salt/key encoding: %q", h)
	}
	h2, err := HashPassword(TestParams, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestHashPasswordBadParams(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{
		{Time: 0, MemoryKiB: 64, Threads: 1},
		{Time: 1, MemoryKiB: 64, Threads: 0},
		{Time: 1, MemoryKiB: 4, Threads: 1},
		{Time: 1, MemoryKiB: maxMemoryKiB + 1, Threads: 1},
		{Time: maxTime + 1, MemoryKiB: 64, Threads: 1},
	} {
		if _, err := HashPassword(p, "x"); err == nil {
			t.Errorf("HashPassword(%+v) succeeded", p)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	const pw = "Sakura-Blossom-Ferry-42"
	h, err := HashPassword(TestParams, pw)
	if err != nil {
		t.Fatal(err)
	}
	other := Params{Time: 2, MemoryKiB: 16, Threads: 1}
	tests := []struct {
		name       string
		params     Params
		password   string
		ok, rehash bool
	}{
		{"right", TestParams, pw, true, false},
		{"wrong", TestParams, pw + "x", false, false},
		{"empty", TestParams, "", false, false},
		{"case", TestParams, strings.ToLower(pw), false, false},
		{"right but other params", other, pw, true, true},
		{"right but default params", DefaultParams, pw, true, true},
		{"wrong and other params", other, "nope", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := CheckPassword(tt.params, h, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok || rehash != tt.rehash {
				t.Errorf("got ok=%v rehash=%v, want ok=%v rehash=%v", ok, rehash, tt.ok, tt.rehash)
			}
		})
	}
}

// TestCheckPasswordKnownVector pins the encoding: a hash made elsewhere with
// the same parameters must verify.
func TestCheckPasswordKnownVector(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2Key("password", salt, TestParams, 32)
	enc := encodeHash(TestParams, salt, key)
	want := "$argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
	if !strings.HasPrefix(enc, want) {
		t.Fatalf("encodeHash = %q, want prefix %q", enc, want)
	}
	ok, rehash, err := CheckPassword(TestParams, enc, "password")
	if err != nil || !ok || rehash {
		t.Fatalf("CheckPassword = %v %v %v", ok, rehash, err)
	}
}

func TestCheckPasswordRehashOnLengths(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789") // 10 bytes: valid but not ours
	key := argon2Key("pw", salt, TestParams, 16)
	enc := encodeHash(TestParams, salt, key)
	ok, rehash, err := CheckPassword(TestParams, enc, "pw")
	if err != nil || !ok || !rehash {
		t.Fatalf("CheckPassword = %v %v %v, want true true nil", ok, rehash, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	t.Parallel()
	good, err := HashPassword(TestParams, "pw")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"plain text", "hunter2"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=8,t=1,p=1$" + salt + "$" + key},
		{"no leading dollar", "argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key},
		{"missing version", "$argon2id$m=8,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key},
		{"extra field", good + "$x"},
		{"missing key", "$argon2id$v=19$m=8,t=1,p=1$" + salt},
		{"empty key", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$"},
		{"params order", "$argon2id$v=19$t=1,m=8,p=1$" + salt + "$" + key},
		{"params missing", "$argon2id$v=19$m=8,t=1$" + salt + "$" + key},
		{"params extra", "$argon2id$v=19$m=8,t=1,p=1,k=2$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-8,t=1,p=1$" + salt + "$" + key},
		{"plus sign", "$argon2id$v=19$m=+8,t=1,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=08,t=1,p=1$" + salt + "$" + key},
		{"not a number", "$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=8,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=8,t=1,p=0$" + salt + "$" + key},
		{"threads overflow", "$argon2id$v=19$m=8,t=1,p=256$" + salt + "$" + key},
		{"memory overflow", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key},
		{"memory too large", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"memory too small", "$argon2id$v=19$m=1,t=1,p=1$" + salt + "$" + key},
		{"time too large", "$argon2id$v=19$m=8,t=100000,p=1$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=8,t=1,p=1$!!!!$" + key},
		{"salt padded", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "==$" + key},
		{"salt too short", "$argon2id$v=19$m=8,t=1,p=1$YWJj$" + key},
		{"key too short", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$YWJj"},
		{"key base64url", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + strings.Repeat("_", 43)},
		{"huge", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + strings.Repeat("A", 10000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := CheckPassword(TestParams, tt.enc, "pw")
			if err == nil || ok || rehash {
				t.Fatalf("CheckPassword(%q) = %v %v %v, want an error", tt.enc, ok, rehash, err)
			}
			if !errors.Is(err, ErrInvalidHash) {
				t.Errorf("error %v does not wrap ErrInvalidHash", err)
			}
		})
	}
}

func TestDummyCheck(t *testing.T) {
	t.Parallel()
	DummyCheck(TestParams)
	DummyCheck(Params{}) // invalid: falls back to DefaultParams, must not panic
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, password, email, want string
	}{
		{"ok", "violet-kettle-harbour", "taro@example.jp", ""},
		{"ok japanese", "東京タワーの夜景がきれいだね", "taro@example.jp", ""},
		{"ok exactly 12", "x7#Kp2!vQw9z", "", ""},
		{"short", "Tr0ub4dor&3", "", "err.password_short"},
		{"empty", "", "", "err.password_short"},
		{"short in bytes is runes", "あいうえおかきくけこさ", "", "err.password_short"}, // 11 runes, 33 bytes
		{"japanese 12 runes", "あいうえおかきくけこさし", "", ""},
		{"long", strings.Repeat("abcdefgh", 33), "", "err.password_long"},
		{"max", strings.Repeat("q", 1) + strings.Repeat("wxyz", 63) + "abc", "", ""}, // 256
		{"common exact", "qwertyuiopas", "", "err.password_common"},
		{"common case", "QwErTy123456", "", "err.password_common"},
		{"common digits", "123456789012", "", "err.password_common"},
		{"common decorated", "Password2024!", "", "err.password_common"},
		{"common leading", "!!!123dragon", "", "err.password_common"},
		{"repeated", "aaaaaaaaaaaaa", "", "err.password_common"},
		{"repeated non-ascii", "ああああああああああああ", "", "err.password_common"},
		{"email local equal", "hanako.yamada", "Hanako.Yamada@example.jp", "err.password_common"},
		{"email local contained", "my-hanako.yamada-pw", "hanako.yamada@example.jp", "err.password_common"},
		{"email local case", "xxHANAKO.YAMADAxx", "hanako.yamada@example.jp", "err.password_common"},
		{"short local ignored", "seaside-jo-lantern", "jo@example.jp", ""},
		{"no email", "seaside-lantern-77", "", ""},
		{"common word inside ok", "my password is long enough", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ValidatePassword(tt.password, tt.email); got != tt.want {
				t.Errorf("ValidatePassword(%q, %q) = %q, want %q", tt.password, tt.email, got, tt.want)
			}
		})
	}
}

func TestCommonPasswordsLoaded(t *testing.T) {
	t.Parallel()
	if n := len(commonPasswords); n < 80 {
		t.Fatalf("only %d common passwords loaded", n)
	}
	for p := range commonPasswords {
		if p != strings.ToLower(strings.TrimSpace(p)) {
			t.Errorf("entry %q not normalised", p)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	good, err := HashPassword(TestParams, "pw")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "pw")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw", "x")
	f.Add("$argon2id$v=19$m=65536,t=2,p=2$$", "")
	f.Add("$$$$$", "")
	f.Add("$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "")
	f.Fuzz(func(t *testing.T, enc, pw string) {
		d, err := decodeHash(enc)
		if err != nil {
			if !errors.Is(err, ErrInvalidHash) {
				t.Fatalf("error %v does not wrap ErrInvalidHash", err)
			}
			return
		}
		if d.params.validate() != nil {
			t.Fatalf("decodeHash accepted invalid params %+v", d.params)
		}
		// Derive only when cheap; the parser above is what must hold.
		if d.params.MemoryKiB > 256 || d.params.Time > 4 {
			return
		}
		ok, rehash, err := CheckPassword(TestParams, enc, pw)
		if err != nil {
			t.Fatalf("decodeHash accepted %q but CheckPassword failed: %v", enc, err)
		}
		if rehash && !ok {
			t.Fatal("needsRehash without ok")
		}
		if enc == good && ok != (pw == "pw") {
			t.Fatalf("CheckPassword(good, %q) = %v", pw, ok)
		}
	})
}
