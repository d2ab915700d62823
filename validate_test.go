package ceptor_test

// Tests of the input checks: ValidEmail and the Validate methods of
// Organization, Contact and User, with fuzz targets.

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"ceptor"
)

var vtEmails = []struct {
	in   string
	want bool
}{
	{"a@example.jp", true},
	{"first.last+tag@sub.example.co.jp", true},
	{"a_b-c@x-y.io", true},
	{"1234@example.jp", true},
	{"A@Example.JP", true}, // case is kept; User.Validate lowercases
	{"a@b.c", true},
	{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + ".jp", true}, // long but valid labels
	{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 180) + ".jp", false},                               // a 180-byte label
	{"", false},
	{"a", false},
	{"@", false},
	{"a@", false},
	{"@example.jp", false},
	{"a@example", false},   // no dot in the domain
	{"a.b@example", false}, // the dot is in the local part only
	{"a@@example.jp", false},
	{"a@b@example.jp", false},
	{"a b@example.jp", false},
	{" a@example.jp", false},
	{"a@example.jp ", false},
	{"a@example.jp\n", false},
	{"a@example.jp\r\nBcc: x@example.jp", false}, // header injection
	{"A <a@example.jp>", false},
	{"<a@example.jp>", false},
	{"a@example.jp, b@example.jp", false},
	{"a@example.jp;b@example.jp", false},
	{"\"a\"@example.jp", false}, // quoting that ParseAddress strips: not plain
	{"\"a b\"@example.jp", false},
	{".a@example.jp", false},
	{"a.@example.jp", false},
	{"a..b@example.jp", false},
	{"a@example..jp", false},
	{"a@.example.jp", false},
	{"a@example.jp.", false},
	{"a+@example.jp", true},
	// The domain part follows the rules Organization.Domains applies
	// (IDN-less, no "_", no leading "-", labels of 63 bytes at most).
	{"a@[192.0.2.1]", false},    // domain literal
	{"ユーザー@example.jp", true},   // UTF-8 local part
	{"a@例え.jp", false},          // IDN domain not in punycode
	{"a@-example.jp", false},    // label starting with "-"
	{"a@exa_mple.jp", false},    // "_" in the domain
	{"a@example.123", true},     // numeric TLD
	{"a\x00@example.jp", false}, // NUL
	{"a@example.jp\t", false},
	{"a(comment)@example.jp", false},
	{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 187) + ".jp", false}, // 255 bytes
}

func TestValidEmail(t *testing.T) {
	for _, c := range vtEmails {
		if got := ceptor.ValidEmail(c.in); got != c.want {
			t.Errorf("ValidEmail(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	t.Logf("ValidEmail: %d cases", len(vtEmails))
}

// vtOrg returns a valid organisation to be spoiled one field at a time.
func vtOrg() ceptor.Organization {
	return ceptor.Organization{
		Name: "全国銀行協会", NameEN: "Japanese Bankers Association", Type: ceptor.OrgOperator,
		EntityKind: ceptor.EntityCIOperator, Website: "https://www.example.or.jp/", Domains: []string{"example.or.jp"},
	}
}

func vtFields(err error) map[string]string {
	if err == nil {
		return nil
	}
	return ceptor.ErrorFields(err)
}

// vtCheck compares the field errors of err with want (field -> key; nil: valid).
func vtCheck(t *testing.T, what string, err error, want map[string]string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("%s: unexpected error %v (fields %v)", what, err, vtFields(err))
		}
		return
	}
	if ceptor.ErrorCode(err) != ceptor.EINVALID {
		t.Errorf("%s: error code %q, want %q (err %v)", what, ceptor.ErrorCode(err), ceptor.EINVALID, err)
		return
	}
	if got := vtFields(err); !maps.Equal(got, want) {
		t.Errorf("%s: fields %v, want %v", what, got, want)
	}
}

func TestOrganizationValidate(t *testing.T) {
	long := strings.Repeat("あ", 200)
	cases := []struct {
		name   string
		change func(o *ceptor.Organization)
		want   map[string]string
	}{
		{"valid", func(o *ceptor.Organization) {}, nil},
		{"minimal", func(o *ceptor.Organization) { *o = ceptor.Organization{Name: "x", Type: ceptor.OrgNISC} }, nil},
		{"every type", nil, nil}, // expanded below
		{"name missing", func(o *ceptor.Organization) { o.Name = "" }, map[string]string{"name": "err.required"}},
		{"name blank", func(o *ceptor.Organization) { o.Name = " \t\u3000\n" }, map[string]string{"name": "err.required"}},
		{"name 200 runes", func(o *ceptor.Organization) { o.Name = long }, nil},
		{"name 200 runes with spaces around", func(o *ceptor.Organization) { o.Name = "  " + long + "  " }, nil},
		{"name 201 runes", func(o *ceptor.Organization) { o.Name = long + "あ" }, map[string]string{"name": "err.too_long"}},
		{"English name 200", func(o *ceptor.Organization) { o.NameEN = strings.Repeat("a", 200) }, nil},
		{"English name 201", func(o *ceptor.Organization) { o.NameEN = strings.Repeat("a", 201) }, map[string]string{"name_en": "err.too_long"}},
		{"English name empty", func(o *ceptor.Organization) { o.NameEN = "" }, nil},
		{"type missing", func(o *ceptor.Organization) { o.Type = "" }, map[string]string{"type": "err.org_type"}},
		{"type unknown", func(o *ceptor.Organization) { o.Type = "bank" }, map[string]string{"type": "err.org_type"}},
		{"type in capitals", func(o *ceptor.Organization) { o.Type = "OPERATOR" }, map[string]string{"type": "err.org_type"}},
		{"entity kind none", func(o *ceptor.Organization) { o.EntityKind = ceptor.EntityNone }, nil},
		{"entity kind local gov", func(o *ceptor.Organization) { o.EntityKind = ceptor.EntityLocalGov }, nil},
		{"entity kind cyber business", func(o *ceptor.Organization) { o.EntityKind = ceptor.EntityCyberBusiness }, nil},
		{"entity kind unknown", func(o *ceptor.Organization) { o.EntityKind = "bank" }, map[string]string{"entity_kind": "err.entity_kind"}},
		{"several problems at once", func(o *ceptor.Organization) {
			o.Name, o.Type, o.Website, o.Domains = "", "x", "ftp://example.jp", []string{"bad_domain.jp"}
		}, map[string]string{"name": "err.required", "type": "err.org_type", "website": "err.url", "domains": "err.domain"}},
	}
	for _, u := range vtURLs {
		u := u
		want := map[string]string(nil)
		if !u.want {
			want = map[string]string{"website": "err.url"}
		}
		cases = append(cases, struct {
			name   string
			change func(o *ceptor.Organization)
			want   map[string]string
		}{"website " + u.in, func(o *ceptor.Organization) { o.Website = u.in }, want})
	}
	for _, d := range vtDomains {
		d := d
		want := map[string]string(nil)
		if !d.want {
			want = map[string]string{"domains": "err.domain"}
		}
		cases = append(cases, struct {
			name   string
			change func(o *ceptor.Organization)
			want   map[string]string
		}{"domain " + d.in, func(o *ceptor.Organization) { o.Domains = []string{"ok.example.jp", d.in} }, want})
	}
	n := 0
	for _, c := range cases {
		if c.change == nil {
			for _, typ := range ceptor.OrgTypes {
				o := vtOrg()
				o.Type = typ
				vtCheck(t, "type "+string(typ), o.Validate(), nil)
				n++
			}
			continue
		}
		o := vtOrg()
		c.change(&o)
		vtCheck(t, c.name, o.Validate(), c.want)
		n++
	}
	// Names are stored trimmed.
	o := vtOrg()
	o.Name, o.NameEN = "  金融庁 ", "\tFSA\n"
	if err := o.Validate(); err != nil || o.Name != "金融庁" || o.NameEN != "FSA" {
		t.Errorf("trim: err %v, name %q / %q", err, o.Name, o.NameEN)
	}
	t.Logf("Organization.Validate: %d cases", n+1)
}

var vtURLs = []struct {
	in   string
	want bool
}{
	{"https://example.jp", true},
	{"https://example.jp/", true},
	{"http://example.jp/path?q=1#frag", true},
	{"https://example.jp:8443/x", true},
	{"HTTPS://EXAMPLE.JP/", true}, // the scheme is case-insensitive
	{"https://例え.jp/", true},      // IDN hosts are accepted in URLs (not in Domains)
	{"https://192.0.2.1/", true},
	{"https://" + strings.Repeat("a", 2030) + ".jp/", true}, // 2042 bytes
	{"https://" + strings.Repeat("a", 2040) + ".jp/", false},
	{"", true}, // Website is optional (for the organisation); see contact tests for webhook
	{"example.jp", false},
	{"www.example.jp", false},
	{"//example.jp", false},
	{"https://", false},
	{"https:///path", false},
	{"ftp://example.jp", false},
	{"javascript:alert(1)", false},
	{"mailto:a@example.jp", false},
	{"file:///etc/passwd", false},
	{"https://exa mple.jp/", false},
	{"https://example.jp/\n", true}, // trimmed
	{" https://example.jp/", true},  // Organization.Website is trimmed
	{"https://[::1", false},
}

var vtDomains = []struct {
	in   string
	want bool
}{
	{"example.jp", true},
	{"sub.example.co.jp", true},
	{"a-b.example.jp", true},
	{"xn--eckwd4c7c.xn--zckzah", true}, // IDN in its ASCII (punycode) form
	{"123.example.jp", true},
	{"Example.JP", true}, // case is kept as entered
	{strings.Repeat("a", 63) + ".jp", true},
	{strings.Repeat(strings.Repeat("a", 62)+".", 4)[:250] + ".jp", true}, // 253 bytes
	{"", false},
	{"localhost", false}, // no dot
	{"例え.jp", false},     // IDN-less rule: Unicode labels must be punycode
	{"exämple.jp", false},
	{"ｅｘａｍｐｌｅ.jp", false},  // full-width letters
	{"example.jp.", false}, // trailing dot: empty label
	{".example.jp", false},
	{"example..jp", false},
	{"-example.jp", false},
	{"example-.jp", false},
	{"exa_mple.jp", false},
	{"exa mple.jp", false},
	{" example.jp", true}, // trimmed
	{"*.example.jp", false},
	{"example.jp/path", false},
	{"https://example.jp", false},
	{"a@example.jp", false},
	{strings.Repeat("a", 64) + ".jp", false},
	{strings.Repeat(strings.Repeat("a", 62)+".", 4)[:251] + ".jp", false}, // 254 bytes
}

var vtPhones = []struct {
	in   string
	want bool
}{
	{"03-1234-5678", true},
	{"0312345678", true},
	{"+81 3 1234 5678", true},
	{"+81-3-1234-5678", true},
	{"(03) 1234-5678", true},
	{"110-119", true},          // six digits is the minimum
	{"  03-1234-5678  ", true}, // Contact.Validate trims
	{strings.Repeat("1", 32), true},
	{"12345", false},
	{"------", false},
	{strings.Repeat("1", 33), false},
	{"03-1234-5678 ext. 9", false},
	{"03-1234-5678#9", false},
	{"03.1234.5678", false},
	{"０３-１２３４-５６７８", true}, // full-width digits are normalised
	{"tel:0312345678", false},
	{"03-1234-5678\n", true}, // trimmed
	{"03-1234\n5678", false},
}

func TestContactValidate(t *testing.T) {
	base := func() ceptor.Contact {
		return ceptor.Contact{OrgID: 1, Name: "CSIRT desk", Email: "csirt@example.jp"}
	}
	type tc struct {
		name   string
		change func(c *ceptor.Contact)
		want   map[string]string
	}
	cases := []tc{
		{"valid", func(c *ceptor.Contact) {}, nil},
		{"phone only", func(c *ceptor.Contact) { c.Email, c.Phone = "", "03-1234-5678" }, nil},
		{"webhook only", func(c *ceptor.Contact) { c.Email, c.WebhookURL = "", "https://hooks.example.jp/x" }, nil},
		{"all channels", func(c *ceptor.Contact) { c.Phone, c.WebhookURL = "03-1234-5678", "https://hooks.example.jp/x" }, nil},
		{"name missing", func(c *ceptor.Contact) { c.Name = "" }, map[string]string{"name": "err.required"}},
		{"name blank", func(c *ceptor.Contact) { c.Name = "   " }, map[string]string{"name": "err.required"}},
		{"no channel", func(c *ceptor.Contact) { c.Email = "" }, map[string]string{"email": "err.contact_channel"}},
		{"blank channels", func(c *ceptor.Contact) { c.Email, c.Phone, c.WebhookURL = " ", " ", " " }, map[string]string{"email": "err.contact_channel"}},
		{"kind primary", func(c *ceptor.Contact) { c.Kind = ceptor.ContactPrimary }, nil},
		{"kind alternate", func(c *ceptor.Contact) { c.Kind = ceptor.ContactAlternate }, nil},
		{"kind unknown", func(c *ceptor.Contact) { c.Kind = "backup" }, map[string]string{"kind": "err.contact_kind"}},
		{"lang en", func(c *ceptor.Contact) { c.Lang = "en" }, nil},
		{"lang unknown", func(c *ceptor.Contact) { c.Lang = "fr" }, map[string]string{"lang": "err.lang"}},
		{"lang in capitals", func(c *ceptor.Contact) { c.Lang = "JA" }, map[string]string{"lang": "err.lang"}},
		{"webhook not http", func(c *ceptor.Contact) { c.WebhookURL = "ftp://example.jp" }, map[string]string{"webhook_url": "err.url"}},
		{"webhook trimmed", func(c *ceptor.Contact) { c.WebhookURL = " https://hooks.example.jp/x " }, nil},
		{"every problem", func(c *ceptor.Contact) {
			*c = ceptor.Contact{Kind: "x", Lang: "x", Email: "x", Phone: "x", WebhookURL: "x"}
		}, map[string]string{"name": "err.required", "kind": "err.contact_kind", "lang": "err.lang", "email": "err.email", "phone": "err.phone", "webhook_url": "err.url"}},
	}
	for _, e := range vtEmails {
		if e.in == "" || strings.TrimSpace(e.in) != e.in {
			continue // blank and padded addresses are covered above and by trimming
		}
		want := map[string]string(nil)
		if !e.want {
			want = map[string]string{"email": "err.email"}
		}
		cases = append(cases, tc{"email " + e.in, func(c *ceptor.Contact) { c.Email = e.in }, want})
	}
	for _, p := range vtPhones {
		want := map[string]string(nil)
		if !p.want {
			want = map[string]string{"phone": "err.phone"}
		}
		cases = append(cases, tc{"phone " + p.in, func(c *ceptor.Contact) { c.Phone = p.in }, want})
	}
	for _, u := range vtURLs {
		if u.in == "" || strings.TrimSpace(u.in) != u.in {
			continue // Contact trims the webhook URL; an empty one means "no webhook"
		}
		want := map[string]string(nil)
		if !u.want {
			want = map[string]string{"webhook_url": "err.url"}
		}
		cases = append(cases, tc{"webhook " + u.in, func(c *ceptor.Contact) { c.WebhookURL = u.in }, want})
	}
	for _, c := range cases {
		ct := base()
		c.change(&ct)
		vtCheck(t, c.name, ct.Validate(), c.want)
	}
	// Defaults are filled in and fields trimmed.
	c := ceptor.Contact{Name: " Desk ", Email: " a@example.jp ", Phone: " 03-1234-5678 "}
	if err := c.Validate(); err != nil || c.Kind != ceptor.ContactPrimary || c.Lang != "ja" ||
		c.Name != "Desk" || c.Email != "a@example.jp" || c.Phone != "03-1234-5678" {
		t.Errorf("defaults/trim: err %v, contact %+v", err, c)
	}
	t.Logf("Contact.Validate: %d cases", len(cases)+1)
}

func TestUserValidate(t *testing.T) {
	base := func() ceptor.User {
		return ceptor.User{OrgID: 1, Email: "a@example.jp", Name: "山田 太郎", Role: ceptor.RoleAnalyst}
	}
	type tc struct {
		name   string
		change func(u *ceptor.User)
		want   map[string]string
	}
	cases := []tc{
		{"valid", func(u *ceptor.User) {}, nil},
		{"lang en", func(u *ceptor.User) { u.Lang = "en" }, nil},
		{"email missing", func(u *ceptor.User) { u.Email = "" }, map[string]string{"email": "err.email"}},
		{"email padded and in capitals", func(u *ceptor.User) { u.Email = "  A@Example.JP " }, nil},
		{"name missing", func(u *ceptor.User) { u.Name = "" }, map[string]string{"name": "err.required"}},
		{"name blank", func(u *ceptor.User) { u.Name = "\u3000 " }, map[string]string{"name": "err.required"}},
		{"role missing", func(u *ceptor.User) { u.Role = "" }, map[string]string{"role": "err.role"}},
		{"role unknown", func(u *ceptor.User) { u.Role = "root" }, map[string]string{"role": "err.role"}},
		{"lang unknown", func(u *ceptor.User) { u.Lang = "de" }, map[string]string{"lang": "err.lang"}},
		{"org missing", func(u *ceptor.User) { u.OrgID = 0 }, map[string]string{"org_id": "err.required"}},
		{"everything missing", func(u *ceptor.User) { *u = ceptor.User{} },
			map[string]string{"email": "err.email", "name": "err.required", "role": "err.role", "org_id": "err.required"}},
	}
	for _, r := range ceptor.Roles {
		cases = append(cases, tc{"role " + string(r), func(u *ceptor.User) { u.Role = r }, nil})
	}
	for _, e := range vtEmails {
		want := map[string]string(nil)
		if !e.want && strings.TrimSpace(e.in) == e.in {
			want = map[string]string{"email": "err.email"}
		}
		if e.in == "a@example.jp\r\nBcc: x@example.jp" {
			want = map[string]string{"email": "err.email"} // trimming does not help here
		}
		cases = append(cases, tc{"email " + e.in, func(u *ceptor.User) { u.Email = e.in }, want})
	}
	for _, c := range cases {
		u := base()
		c.change(&u)
		vtCheck(t, c.name, u.Validate(), c.want)
	}
	u := base()
	u.Email, u.Name = "  Taro.YAMADA@Example.JP ", "  山田 太郎  "
	if err := u.Validate(); err != nil || u.Email != "taro.yamada@example.jp" || u.Name != "山田 太郎" || u.Lang != "ja" {
		t.Errorf("normalise: err %v, user %+v", err, u)
	}
	t.Logf("User.Validate: %d cases", len(cases)+1)
}

// ---------------------------------------------------------------------------
// Fuzz targets.

func FuzzValidEmail(f *testing.F) {
	for _, e := range vtEmails {
		f.Add(e.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := ceptor.ValidEmail(s) // must not panic
		if ok != ceptor.ValidEmail(s) {
			t.Fatalf("ValidEmail(%q) not deterministic", s)
		}
		if ok {
			at := strings.LastIndexByte(s, '@')
			if len(s) > 254 || at <= 0 || !strings.Contains(s[at:], ".") || strings.ContainsAny(s, " <>\r\n") {
				t.Fatalf("ValidEmail(%q) accepted an address that breaks its own rules", s)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("ValidEmail accepted invalid UTF-8 %q", s)
			}
		}
		// User.Validate normalises the address; validating twice gives the
		// same answer and leaves the user unchanged.
		u := ceptor.User{OrgID: 1, Name: "n", Role: ceptor.RoleAdmin, Email: s}
		err1 := u.Validate()
		after := u
		err2 := u.Validate()
		if !maps.Equal(vtFields(err1), vtFields(err2)) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("User.Validate not idempotent for %q: %v then %v", s, vtFields(err1), vtFields(err2))
		}
		if !reflect.DeepEqual(after, u) {
			t.Fatalf("User.Validate changed the user again for %q: %+v then %+v", s, after, u)
		}
		if err1 == nil && !ceptor.ValidEmail(u.Email) {
			t.Fatalf("User.Validate accepted %q stored as %q which ValidEmail refuses", s, u.Email)
		}
	})
}

func FuzzOrganizationValidate(f *testing.F) {
	f.Add("全国銀行協会", "JBA", "operator", "ci_operator", "https://example.jp/", "example.jp,www.example.jp")
	f.Add("", "", "", "", "", "")
	f.Add(" \u3000 ", strings.Repeat("a", 201), "NISC", "x", "javascript:alert(1)", "例え.jp,,-a.jp")
	f.Add(strings.Repeat("あ", 201), "x", "supplier", "", "http://[::1]:80/", "xn--eckwd4c7c.xn--zckzah")
	f.Add("\xff\xfe", "\x00", "nisc", "local_gov", "https://a\x7f.jp", "a..b")
	f.Fuzz(func(t *testing.T, name, nameEN, typ, kind, website, domains string) {
		o := ceptor.Organization{Name: name, NameEN: nameEN, Type: ceptor.OrgType(typ), EntityKind: ceptor.EntityKind(kind), Website: website}
		if domains != "" {
			o.Domains = strings.Split(domains, ",")
		}
		err1 := o.Validate() // must not panic
		after := o
		after.Domains = slices.Clone(o.Domains)
		err2 := o.Validate()
		if (err1 == nil) != (err2 == nil) || !maps.Equal(vtFields(err1), vtFields(err2)) {
			t.Fatalf("Validate not idempotent: %v then %v for %+v", vtFields(err1), vtFields(err2), after)
		}
		if !reflect.DeepEqual(after, o) {
			t.Fatalf("second Validate changed the organisation: %+v then %+v", after, o)
		}
		if err1 != nil {
			if ceptor.ErrorCode(err1) != ceptor.EINVALID || len(vtFields(err1)) == 0 {
				t.Fatalf("refusal without field errors: %v", err1)
			}
			return
		}
		// Accepted: what was accepted obeys the rules.
		if o.Name == "" || o.Name != strings.TrimSpace(o.Name) || utf8.RuneCountInString(o.Name) > 200 || utf8.RuneCountInString(o.NameEN) > 200 {
			t.Fatalf("accepted bad name %q / %q", o.Name, o.NameEN)
		}
		if !o.Type.Valid() {
			t.Fatalf("accepted bad type %q", o.Type)
		}
		for _, d := range o.Domains {
			if d == "" || len(d) > 253 || !strings.Contains(d, ".") || strings.ContainsFunc(d, func(r rune) bool {
				return !(r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}) {
				t.Fatalf("accepted bad domain %q", d)
			}
		}
		if o.Website != "" && !(strings.HasPrefix(strings.ToLower(o.Website), "http://") || strings.HasPrefix(strings.ToLower(o.Website), "https://")) {
			t.Fatalf("accepted website %q that is not http(s)", o.Website)
		}
	})
}
