package demo

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"ceptor"
)

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := Generate(42, 800), Generate(42, 800)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate(42, 800) gave two different data sets")
	}
	c := Generate(43, 800)
	if reflect.DeepEqual(a.Orgs, c.Orgs) {
		t.Fatal("seeds 42 and 43 gave the same organisations; the seed is ignored")
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name      string
		seed      int64
		operators int
		want      int
	}{
		{"default size", 1, 0, DefaultOperators},
		{"negative means default", 2, -5, DefaultOperators},
		{"one per CEPTOR", 3, 21, 21},
		{"small", 4, 250, 250},
		{"large", 5, 6000, 6000},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			checkDataset(t, Generate(sc.seed, sc.operators), sc.want)
		})
	}
}

// checkDataset checks every invariant of a data set with want operators.
func checkDataset(t *testing.T, ds *Dataset, want int) {
	t.Helper()
	orgs := map[string]*OrgRec{}
	names, domains := map[string]bool{}, map[string]bool{}
	types := map[ceptor.OrgType]int{}
	for i := range ds.Orgs {
		rec := &ds.Orgs[i]
		o := rec.Org // Validate trims in place: work on a copy
		if orgs[rec.Key] != nil {
			t.Errorf("duplicate organisation key %q", rec.Key)
		}
		orgs[rec.Key] = rec
		if ds.Org(rec.Key) != rec {
			t.Errorf("Org(%q) does not return the record", rec.Key)
		}
		if err := o.Validate(); err != nil {
			t.Errorf("%s %s: %v %v", rec.Key, o.Name, err, ceptor.ErrorFields(err))
		}
		if names[o.Name] {
			t.Errorf("duplicate organisation name %q", o.Name)
		}
		names[o.Name] = true
		if len(o.Domains) != 1 || !strings.HasSuffix(o.Domains[0], ".example.jp") {
			t.Errorf("%s: domains %v, want one under example.jp", rec.Key, o.Domains)
		} else {
			if domains[o.Domains[0]] {
				t.Errorf("duplicate domain %q", o.Domains[0])
			}
			domains[o.Domains[0]] = true
			if o.Website != "https://www."+o.Domains[0]+"/" {
				t.Errorf("%s: website %q is not on its domain", rec.Key, o.Website)
			}
		}
		if o.Prefecture == "" || !o.Active {
			t.Errorf("%s: prefecture %q active %v", rec.Key, o.Prefecture, o.Active)
		}
		types[o.Type]++
		synthetic := o.Type == ceptor.OrgSecretariat || o.Type == ceptor.OrgOperator || o.Type == ceptor.OrgSupplier
		if marked := strings.HasSuffix(o.Name, MarkJA) && strings.HasSuffix(o.NameEN, MarkEN); marked != synthetic {
			t.Errorf("%s %q / %q: demo marker %v, want %v", rec.Key, o.Name, o.NameEN, marked, synthetic)
		}
		if len(o.SectorIDs) != 0 || len(o.CeptorIDs) != 0 {
			t.Errorf("%s: ids set before loading", rec.Key)
		}
		checkContacts(t, rec)
	}
	for _, typ := range ceptor.OrgTypes {
		if types[typ] == 0 {
			t.Errorf("no organisation of type %s", typ)
		}
	}
	if types[ceptor.OrgOperator] != want {
		t.Errorf("%d operators, want %d", types[ceptor.OrgOperator], want)
	}
	if types[ceptor.OrgMinistry] != 5 || types[ceptor.OrgNISC] != 1 || types[ceptor.OrgCouncil] != 1 || types[ceptor.OrgSecretariat] != 21 {
		t.Errorf("organisation types %v", types)
	}
	if n := types[ceptor.OrgSupplier]; n < 6 || n > 10 {
		t.Errorf("%d providers, want about 8", n)
	}

	sectors := checkSectors(t, ds, orgs)
	checkCeptors(t, ds, orgs, sectors, want)
	checkOperators(t, ds, want)
	checkUsers(t, ds, orgs)
}

func checkContacts(t *testing.T, rec *OrgRec) {
	t.Helper()
	if n := len(rec.Contacts); n < 1 || n > 3 {
		t.Errorf("%s: %d contacts, want 1 to 3", rec.Key, n)
	}
	emails := map[string]bool{}
	for i, c := range rec.Contacts {
		wantKind := ceptor.ContactAlternate
		if i == 0 {
			wantKind = ceptor.ContactPrimary
		}
		if c.Kind != wantKind {
			t.Errorf("%s contact %d: kind %s, want %s", rec.Key, i, c.Kind, wantKind)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s contact %d: %v %v", rec.Key, i, err, ceptor.ErrorFields(err))
		}
		if !ceptor.ValidEmail(c.Email) || !strings.HasSuffix(c.Email, "@"+rec.Org.Domains[0]) {
			t.Errorf("%s contact %d: e-mail %q not at %s", rec.Key, i, c.Email, rec.Org.Domains[0])
		}
		if emails[c.Email] {
			t.Errorf("%s: duplicate contact e-mail %q", rec.Key, c.Email)
		}
		emails[c.Email] = true
		if c.Name == "" || c.Department == "" || c.Phone == "" || !c.Active {
			t.Errorf("%s contact %d incomplete: %+v", rec.Key, i, c)
		}
		if c.WebhookURL != "" && c.WebhookURL != "https://hooks."+rec.Org.Domains[0]+"/ceptor" {
			t.Errorf("%s contact %d: webhook %q", rec.Key, i, c.WebhookURL)
		}
	}
}

// wantMinistry is SPEC §2's responsible ministry of every sector.
var wantMinistry = map[string]string{
	"金融": "金融庁", "情報通信": "総務省", "政府・行政サービス（地方公共団体を含む）": "総務省", "医療": "厚生労働省",
	"電力": "経済産業省", "ガス": "経済産業省", "化学": "経済産業省", "クレジット": "経済産業省", "石油": "経済産業省",
	"航空": "国土交通省", "空港": "国土交通省", "鉄道": "国土交通省", "物流": "国土交通省", "港湾": "国土交通省", "水道": "国土交通省",
}

func checkSectors(t *testing.T, ds *Dataset, orgs map[string]*OrgRec) map[string]bool {
	t.Helper()
	if len(ds.Sectors) != 15 {
		t.Errorf("%d sectors, want 15", len(ds.Sectors))
	}
	codes := map[string]bool{}
	last := 0
	for _, s := range ds.Sectors {
		if codes[s.Sector.Code] {
			t.Errorf("duplicate sector code %q", s.Sector.Code)
		}
		codes[s.Sector.Code] = true
		if s.Sector.NameJA == "" || s.Sector.NameEN == "" || !s.Sector.Active || s.Sector.SortOrder <= last {
			t.Errorf("sector %+v", s.Sector)
		}
		last = s.Sector.SortOrder
		m := orgs[s.MinistryKey]
		if m == nil || m.Org.Type != ceptor.OrgMinistry {
			t.Errorf("sector %s: ministry %q is not a ministry", s.Sector.Code, s.MinistryKey)
			continue
		}
		if want := wantMinistry[s.Sector.NameJA]; m.Org.Name != want {
			t.Errorf("sector %s: ministry %s, want %s", s.Sector.NameJA, m.Org.Name, want)
		}
		if !slices.Contains(m.SectorCodes, s.Sector.Code) {
			t.Errorf("ministry %s does not list its sector %s", m.Key, s.Sector.Code)
		}
		if s.Sector.NameJA == "港湾" && s.Sector.Since != "2024" {
			t.Errorf("港湾 since %q, want 2024", s.Sector.Since)
		}
	}
	for _, o := range ds.Orgs {
		for _, c := range o.SectorCodes {
			if !codes[c] {
				t.Errorf("%s: unknown sector %q", o.Key, c)
			}
		}
	}
	return codes
}

func checkCeptors(t *testing.T, ds *Dataset, orgs map[string]*OrgRec, sectors map[string]bool, operators int) {
	t.Helper()
	if len(ds.Ceptors) != 21 {
		t.Errorf("%d CEPTORs, want 21", len(ds.Ceptors))
	}
	codes, secretariats, outside := map[string]bool{}, map[string]bool{}, 0
	members := map[string]int{}
	for _, o := range ds.Orgs {
		for _, c := range o.CeptorCodes {
			members[c]++
		}
	}
	for _, c := range ds.Ceptors {
		code := c.Ceptor.Code
		if codes[code] {
			t.Errorf("duplicate CEPTOR code %q", code)
		}
		codes[code] = true
		if !sectors[c.SectorCode] {
			t.Errorf("CEPTOR %s: unknown sector %q", code, c.SectorCode)
		}
		sec := orgs[c.SecretariatKey]
		if sec == nil || sec.Org.Type != ceptor.OrgSecretariat || secretariats[c.SecretariatKey] {
			t.Errorf("CEPTOR %s: secretariat %q missing, of another type or shared", code, c.SecretariatKey)
		}
		secretariats[c.SecretariatKey] = true
		if sec != nil && !slices.Equal(sec.SectorCodes, []string{c.SectorCode}) {
			t.Errorf("secretariat of %s works in %v, want [%s]", code, sec.SectorCodes, c.SectorCode)
		}
		if !c.Ceptor.InCouncil {
			outside++
		}
		if c.Ceptor.NameJA == "" || c.Ceptor.NameEN == "" || !c.Ceptor.Active {
			t.Errorf("CEPTOR %+v", c.Ceptor)
		}
		if operators >= 21 && members[code] == 0 {
			t.Errorf("CEPTOR %s has no members", code)
		}
		if got := len(ds.Members(code)); got != members[code] {
			t.Errorf("Members(%s) = %d, want %d", code, got, members[code])
		}
	}
	if outside != 2 {
		t.Errorf("%d CEPTORs outside the Council, want 2", outside)
	}
	perSector := map[string]int{}
	for _, c := range ds.Ceptors {
		perSector[c.SectorCode]++
	}
	if perSector["ict"] != 3 || perSector["finance"] != 5 || len(perSector) != 15 {
		t.Errorf("CEPTORs per sector %v", perSector)
	}
	if operators >= 1000 {
		for _, big := range []string{"localgov", "medical", "bank"} {
			for _, small := range []string{"airport", "petroleum", "port"} {
				if members[big] <= 5*members[small] {
					t.Errorf("%s has %d members, %s %d: proportions off", big, members[big], small, members[small])
				}
			}
		}
	}
}

func checkOperators(t *testing.T, ds *Dataset, want int) {
	t.Helper()
	sectorOf := map[string]string{}
	for _, c := range ds.Ceptors {
		sectorOf[c.Ceptor.Code] = c.SectorCode
	}
	twice := 0
	for _, o := range ds.Orgs {
		if o.Org.Type != ceptor.OrgOperator {
			if len(o.CeptorCodes) != 0 {
				t.Errorf("%s (%s) is a CEPTOR member", o.Key, o.Org.Type)
			}
			continue
		}
		switch len(o.CeptorCodes) {
		case 1:
		case 2:
			twice++
		default:
			t.Errorf("%s: %d CEPTORs, want 1 or 2", o.Key, len(o.CeptorCodes))
		}
		var wantSectors []string
		for _, c := range o.CeptorCodes {
			s, ok := sectorOf[c]
			if !ok {
				t.Errorf("%s: unknown CEPTOR %q", o.Key, c)
			}
			if !slices.Contains(wantSectors, s) {
				wantSectors = append(wantSectors, s)
			}
		}
		if !slices.Equal(o.SectorCodes, wantSectors) {
			t.Errorf("%s: sectors %v, want %v", o.Key, o.SectorCodes, wantSectors)
		}
		switch {
		case o.CeptorCodes[0] == "localgov" && o.Org.EntityKind != ceptor.EntityLocalGov:
			t.Errorf("%s %s: entity kind %q, want local_gov", o.Key, o.Org.Name, o.Org.EntityKind)
		case o.Org.EntityKind != ceptor.EntityLocalGov && o.Org.EntityKind != ceptor.EntityCIOperator:
			t.Errorf("%s: entity kind %q", o.Key, o.Org.EntityKind)
		}
	}
	if want >= 1000 && (twice == 0 || twice > want/10) {
		t.Errorf("%d of %d operators in two CEPTORs, want a few", twice, want)
	}
}

func checkUsers(t *testing.T, ds *Dataset, orgs map[string]*OrgRec) {
	t.Helper()
	if len(ds.Users) < 33 {
		t.Errorf("%d users, want at least 33", len(ds.Users))
	}
	byEmail := map[string]UserRec{}
	admins := map[string]bool{}
	for _, u := range ds.Users {
		e := u.User.Email
		if _, dup := byEmail[e]; dup {
			t.Errorf("duplicate user %s", e)
		}
		byEmail[e] = u
		if !ceptor.ValidEmail(e) || !strings.HasSuffix(e, "@"+EmailDomain) || strings.ToLower(e) != e {
			t.Errorf("user e-mail %q", e)
		}
		if orgs[u.OrgKey] == nil {
			t.Errorf("user %s: unknown organisation %q", e, u.OrgKey)
		}
		v := u.User
		v.OrgID = 1
		if err := v.Validate(); err != nil {
			t.Errorf("user %s: %v %v", e, err, ceptor.ErrorFields(err))
		}
		if v.PasswordHash != "" || v.TOTPSecret != "" {
			t.Errorf("user %s carries secrets in the data set", e)
		}
		if u.User.Role == ceptor.RoleAdmin {
			admins[u.OrgKey] = true
		}
	}
	for _, typ := range ceptor.OrgTypes {
		for _, role := range ceptor.Roles {
			e := string(role) + "." + string(typ) + "@" + EmailDomain
			u, ok := byEmail[e]
			switch {
			case !ok:
				t.Errorf("no user %s", e)
			case u.User.Role != role || orgs[u.OrgKey].Org.Type != typ || u.OrgKey != ds.RoleOrgs[typ]:
				t.Errorf("user %s: role %s in %s", e, u.User.Role, u.OrgKey)
			case u.User.TOTPEnabled:
				t.Errorf("user %s has TOTP", e)
			}
			wantLang := "ja"
			if typ == ceptor.OrgNISC && role == ceptor.RoleAnalyst {
				wantLang = "en"
			}
			if u.User.Lang != wantLang {
				t.Errorf("user %s: lang %q, want %q", e, u.User.Lang, wantLang)
			}
		}
	}
	mfa, ok := byEmail[MFAEmail]
	if !ok || !mfa.User.TOTPEnabled || mfa.User.Role != ceptor.RoleAnalyst || mfa.OrgKey != ds.RoleOrgs[ceptor.OrgOperator] {
		t.Errorf("MFA user %+v", mfa)
	}
	if n := slices.IndexFunc(ds.Users, func(u UserRec) bool { return u.User.TOTPEnabled }); n < 0 || ds.Users[n].User.Email != MFAEmail {
		t.Errorf("the MFA user is not the only one with TOTP")
	}
	op := orgs[ds.RoleOrgs[ceptor.OrgOperator]]
	if op == nil || !slices.Equal(op.CeptorCodes, []string{"bank"}) || !strings.Contains(op.Org.Name, "銀行") {
		t.Errorf("role operator %+v is not a bank in the 銀行等 CEPTOR", op)
	}
	if ds.RoleOrgs[ceptor.OrgMinistry] != "ministry:fsa" || ds.RoleOrgs[ceptor.OrgSecretariat] != "secretariat:bank" {
		t.Errorf("role organisations %v", ds.RoleOrgs)
	}
	for key, rec := range orgs {
		if rec.Org.Type != ceptor.OrgOperator && !admins[key] {
			t.Errorf("%s (%s) has no administrator", key, rec.Org.Name)
		}
	}
	for _, c := range ds.Ceptors {
		if !slices.ContainsFunc(ds.Members(c.Ceptor.Code), func(k string) bool { return admins[k] }) && len(ds.Members(c.Ceptor.Code)) > 0 {
			t.Errorf("no member of CEPTOR %s has an administrator", c.Ceptor.Code)
		}
	}
}

func TestAllocate(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 5, 20, 21, 22, 100, 999, 3000, 12345} {
		counts := allocate(n)
		sum, zero := 0, 0
		for _, c := range counts {
			sum += c
			if c == 0 {
				zero++
			}
		}
		if sum != n {
			t.Errorf("allocate(%d) sums to %d", n, sum)
		}
		if n >= len(ceptorDefs) && zero > 0 {
			t.Errorf("allocate(%d) leaves %d CEPTORs empty", n, zero)
		}
		if bank := slices.IndexFunc(ceptorDefs, func(c ceptorDef) bool { return c.Code == "bank" }); counts[bank] == 0 {
			t.Errorf("allocate(%d) leaves the 銀行等 CEPTOR empty", n)
		}
	}
}

func TestSmallDatasetsStillHaveTheRoleOperator(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 7} {
		ds := Generate(9, n)
		op := ds.Org(ds.RoleOrgs[ceptor.OrgOperator])
		if op == nil || op.Org.Type != ceptor.OrgOperator {
			t.Errorf("Generate(9, %d): no role operator", n)
		}
	}
}

func TestOrgUnknownKey(t *testing.T) {
	t.Parallel()
	ds := Generate(1, 30)
	if ds.Org("operator:99999") != nil || ds.Org("") != nil {
		t.Error("Org returned a record for an unknown key")
	}
	// A data set built by hand (no index) is searched linearly.
	manual := &Dataset{Orgs: []OrgRec{{Key: "x"}}}
	if manual.Org("x") == nil {
		t.Error("Org does not find a record in a hand-built data set")
	}
}

func TestLoadChecksOptionsFirst(t *testing.T) {
	t.Parallel()
	ds := Generate(1, 30)
	hash := func(string) (string, error) { return "hash", nil }
	scenarios := []struct {
		name string
		ds   *Dataset
		opt  Options
		want string
	}{
		{"no data set", nil, Options{HashPassword: hash}, "no data set"},
		{"no hasher", ds, Options{}, "HashPassword"},
		{"no sealer with a TOTP user", ds, Options{HashPassword: hash}, "SealTOTP"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			// nil services: Load must fail before touching them.
			_, err := Load(context.Background(), nil, nil, sc.ds, sc.opt)
			if err == nil || !strings.Contains(err.Error(), sc.want) {
				t.Errorf("Load error %v, want one mentioning %q", err, sc.want)
			}
		})
	}
}

func TestSummaryString(t *testing.T) {
	t.Parallel()
	s := &Summary{Sectors: 15, Ceptors: 21, Contacts: 7, Users: 3, Memberships: 4,
		Orgs: map[ceptor.OrgType]int{ceptor.OrgNISC: 1, ceptor.OrgOperator: 4}}
	got := s.String()
	want := "15 sectors, 5 organisations (nisc 1, operator 4), 21 CEPTORs, 4 memberships, 7 contacts, 3 users"
	if got != want || s.OrgTotal() != 5 {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
