// Package demo builds the synthetic demo data set of ceptor and loads it into
// an empty registry: the 15 sectors with their ministries, NISC and the
// partner agencies, the 21 CEPTORs with their secretariats and the CEPTOR
// Council, a handful of supply-chain providers, a few thousand operators with
// their contacts, and a sign-in for every organisation type and role.
//
// Generate is pure: the same seed and size always give the same data, so
// screenshots, tests and benchmarks can rely on it. Records refer to each
// other by string keys because database ids exist only after Load has
// inserted them.
//
// Public bodies (NISC, the ministries, the partner agencies, the CEPTOR
// Council) keep their real names; every invented organisation carries the
// marker （デモ） / (demo). All domains are under the reserved example.jp,
// person names are made up, and phone numbers have a local part starting
// with 0, which Japanese numbering never assigns.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"ceptor"
)

// Credentials and sizes of the demo data set.
const (
	// DemoPassword is the password of every demo user.
	DemoPassword = "ceptor-demo-2026"
	// DemoTOTPSecret is the base32 TOTP secret of the demo user with a
	// second factor (MFAEmail); add it to any authenticator app.
	DemoTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	// DefaultOperators is the number of operators Generate makes when asked
	// for zero or fewer.
	DefaultOperators = 3000
	// EmailDomain is the domain of every demo sign-in address.
	EmailDomain = "demo.example"
	// MFAEmail is the demo user who signs in with a TOTP code as well.
	MFAEmail = "mfa.operator@" + EmailDomain
)

// Dataset is the generated demo data: plain ceptor values plus the keys that
// link them, since ids are only known after insertion.
type Dataset struct {
	Seed    int64 // the seed Generate was called with
	Sectors []SectorRec
	Orgs    []OrgRec // ministries first, operators last
	Ceptors []CeptorRec
	Users   []UserRec
	// RoleOrgs names, per organisation type, the organisation whose users
	// cover all four roles (<role>.<type>@demo.example).
	RoleOrgs map[ceptor.OrgType]string

	orgIndex map[string]int
}

// SectorRec is a sector and the key of its responsible ministry.
type SectorRec struct {
	Sector      ceptor.Sector
	MinistryKey string
}

// OrgRec is an organisation, its contacts, and its sectors and CEPTOR
// memberships by code. Org.SectorIDs and Org.CeptorIDs are left empty.
type OrgRec struct {
	Key         string
	Org         ceptor.Organization
	SectorCodes []string
	CeptorCodes []string
	Contacts    []ceptor.Contact // primary first, then alternates
}

// CeptorRec is a CEPTOR with its sector code and the key of its secretariat.
type CeptorRec struct {
	Ceptor         ceptor.Ceptor
	SectorCode     string
	SecretariatKey string
}

// UserRec is a user and the key of their organisation. A user with
// User.TOTPEnabled gets DemoTOTPSecret, sealed at load time.
type UserRec struct {
	User   ceptor.User
	OrgKey string
}

// Org returns the organisation with the given key, or nil.
func (d *Dataset) Org(key string) *OrgRec {
	if i, ok := d.orgIndex[key]; ok {
		return &d.Orgs[i]
	}
	for i := range d.Orgs {
		if d.Orgs[i].Key == key {
			return &d.Orgs[i]
		}
	}
	return nil
}

// Members returns the keys of the organisations that are members of the
// CEPTOR with the given code, in data set order.
func (d *Dataset) Members(ceptorCode string) []string {
	var keys []string
	for i := range d.Orgs {
		if slices.Contains(d.Orgs[i].CeptorCodes, ceptorCode) {
			keys = append(keys, d.Orgs[i].Key)
		}
	}
	return keys
}

// generator carries the random source and the names already taken.
type generator struct {
	r       *rand.Rand
	ds      *Dataset
	names   map[string]bool
	domains map[string]bool
	people  map[string]bool // user names
}

// Generate builds the demo data set for seed with the given number of
// operators (DefaultOperators when operators <= 0). It is deterministic: the
// same arguments give the same data set.
func Generate(seed int64, operators int) *Dataset {
	if operators <= 0 {
		operators = DefaultOperators
	}
	g := &generator{
		r:       rand.New(rand.NewPCG(uint64(seed), 0x63657074_6f726465)), // "ceptorde"
		ds:      &Dataset{Seed: seed, RoleOrgs: map[ceptor.OrgType]string{}, orgIndex: map[string]int{}},
		names:   map[string]bool{},
		domains: map[string]bool{},
		people:  map[string]bool{},
	}
	g.fixed()
	firstMembers := g.operators(operators)
	g.users(firstMembers)
	return g.ds
}

// fixed adds the sectors, the public bodies, the CEPTORs with their
// secretariats and the providers.
func (g *generator) fixed() {
	overseen := map[string][]string{}
	for i, s := range sectorDefs {
		g.ds.Sectors = append(g.ds.Sectors, SectorRec{
			Sector:      ceptor.Sector{Code: s.Code, NameJA: s.JA, NameEN: s.EN, SortOrder: (i + 1) * 10, Since: s.Since, Active: true},
			MinistryKey: s.Ministry,
		})
		overseen[s.Ministry] = append(overseen[s.Ministry], s.Code)
	}
	for _, m := range ministryDefs {
		m.Type = ceptor.OrgMinistry
		m.Sectors = overseen[m.Key]
		m.Depts = govDepts
		g.body(m)
	}
	for _, h := range hubDefs {
		g.body(h)
	}
	for _, c := range ceptorDefs {
		key := "secretariat:" + c.Code
		g.body(bodyDef{
			Key: key, Type: ceptor.OrgSecretariat, JA: c.SecJA, EN: c.SecEN,
			Domain: c.Code + "-ceptor.example.jp", Sectors: []string{c.Sector}, Depts: secDepts, Synthetic: true,
		})
		g.ds.Ceptors = append(g.ds.Ceptors, CeptorRec{
			Ceptor:         ceptor.Ceptor{Code: c.Code, NameJA: c.JA, NameEN: c.EN, InCouncil: c.InCouncil, Active: true},
			SectorCode:     c.Sector,
			SecretariatKey: key,
		})
	}
	for _, s := range supplierDefs {
		s.Type = ceptor.OrgSupplier
		s.Kind = ceptor.EntityCyberBusiness
		s.Synthetic = true
		g.body(s)
	}
	g.ds.RoleOrgs[ceptor.OrgNISC] = "nisc"
	g.ds.RoleOrgs[ceptor.OrgMinistry] = "ministry:fsa"
	g.ds.RoleOrgs[ceptor.OrgSecretariat] = "secretariat:bank"
	g.ds.RoleOrgs[ceptor.OrgCouncil] = "council"
	g.ds.RoleOrgs[ceptor.OrgSecurity] = "security:jpcert"
	g.ds.RoleOrgs[ceptor.OrgResponse] = "response:cao"
	g.ds.RoleOrgs[ceptor.OrgSupplier] = "supplier:mirai-cloud"
}

// body adds a fixed organisation.
func (g *generator) body(b bodyDef) {
	o := ceptor.Organization{
		Name: b.JA, NameEN: b.EN, Type: b.Type, EntityKind: b.Kind,
		Website: "https://www." + b.Domain + "/", Domains: []string{b.Domain},
		Active: true, Notes: noteRealBody,
	}
	if b.Synthetic {
		o.Name += MarkJA
		o.NameEN += MarkEN
		o.Notes = noteSynthetic
	}
	if b.Type == ceptor.OrgNISC || b.Type == ceptor.OrgMinistry {
		o.Prefecture = "東京都"
	} else {
		o.Prefecture = g.pick(prefectures).Name
	}
	enShare := 0
	if b.Type == ceptor.OrgSupplier {
		enShare = 25
	}
	g.addOrg(OrgRec{
		Key: b.Key, Org: o, SectorCodes: slices.Clone(b.Sectors),
		Contacts: g.contacts(b.Domain, b.Depts, enShare),
	})
}

// addOrg records an organisation; keys, names and domains must be new.
func (g *generator) addOrg(rec OrgRec) {
	if _, dup := g.ds.orgIndex[rec.Key]; dup {
		panic("demo: duplicate organisation key " + rec.Key)
	}
	if g.names[rec.Org.Name] {
		panic("demo: duplicate organisation name " + rec.Org.Name)
	}
	g.names[rec.Org.Name] = true
	for _, d := range rec.Org.Domains {
		g.domains[d] = true
	}
	g.ds.orgIndex[rec.Key] = len(g.ds.Orgs)
	g.ds.Orgs = append(g.ds.Orgs, rec)
}

// pick returns a random element of s.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func (g *generator) pick(s []prefecture) prefecture { return pick(g.r, s) }

// contacts makes one to three contacts at domain: a primary and alternates.
// enShare is the percentage of contacts who prefer English.
func (g *generator) contacts(domain string, depts []string, enShare int) []ceptor.Contact {
	n := 1
	switch x := g.r.IntN(100); {
	case x >= 75:
		n = 3
	case x >= 30:
		n = 2
	}
	webhook := g.r.IntN(100) < 6
	used := map[string]bool{}
	var cs []ceptor.Contact
	for i := 0; i < n; i++ {
		fam, giv := pick(g.r, familyNames), pick(g.r, givenNames)
		local := giv.Romaji + "." + fam.Romaji
		if used[local] {
			i--
			continue
		}
		used[local] = true
		c := ceptor.Contact{
			Name:       fam.JA + " " + giv.JA,
			Department: pick(g.r, depts),
			Kind:       ceptor.ContactAlternate,
			Priority:   i,
			Email:      local + "@" + domain,
			Phone:      g.phone(),
			Lang:       "ja",
			Active:     true,
		}
		if i == 0 {
			c.Kind, c.Priority = ceptor.ContactPrimary, 1
			if webhook {
				c.WebhookURL = "https://hooks." + domain + "/ceptor"
			}
		}
		if g.r.IntN(100) < enShare {
			c.Lang = "en"
		}
		cs = append(cs, c)
	}
	return cs
}

// phone returns a number shaped 0X-0XXX-XXXX with X from 2 to 9, which
// should reach nobody: Japanese local numbers never start with 0, and the
// 0X0 prefixes belong to eleven-digit mobile, IP and machine services (010,
// the international prefix, is avoided).
func (g *generator) phone() string {
	return fmt.Sprintf("0%d-0%03d-%04d", 2+g.r.IntN(8), g.r.IntN(1000), g.r.IntN(10000))
}

// personName returns a made-up Japanese person name not yet given to a
// user, so that no two demo sign-ins look alike.
func (g *generator) personName() string {
	for {
		n := pick(g.r, familyNames).JA + " " + pick(g.r, givenNames).JA
		if !g.people[n] {
			g.people[n] = true
			return n
		}
	}
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
