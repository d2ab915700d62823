package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"ceptor"
)

// stem is a word stem with the prefecture an organisation named from it is
// placed in (-1: any prefecture).
type stem struct {
	place
	pref int
}

// cityStems are the municipalities of every prefecture, flattened.
var cityStems = func() []stem {
	var s []stem
	for i, p := range prefectures {
		for _, c := range p.Cities {
			s = append(s, stem{c, i})
		}
	}
	return s
}()

// corpStems name the medical corporations (医療法人○○会).
var corpStems = []place{
	{"清和", "seiwa"}, {"誠心", "seishin"}, {"仁愛", "jinai"}, {"慈光", "jiko"}, {"博愛", "hakuai"},
	{"恵和", "keiwa"}, {"和光", "wako"}, {"健生", "kensei"}, {"康心", "koshin"}, {"緑風", "ryokufu"},
	{"敬愛", "keiai"}, {"友愛", "yuai"}, {"寿康", "juko"}, {"光仁", "konin"}, {"秀峰", "shuho"},
	{"白樺", "shirakaba"}, {"碧水", "hekisui"}, {"昭陽", "shoyo"},
}

// allocate splits n operators over the CEPTORs in proportion to their
// weights, giving each CEPTOR at least one member when n allows (largest
// remainder method, so the counts add up to n exactly). With fewer operators
// than CEPTORs, the 銀行等 CEPTOR and then the heaviest ones get one each.
func allocate(n int) []int {
	counts := make([]int, len(ceptorDefs))
	if n < len(ceptorDefs) {
		order := make([]int, len(ceptorDefs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			if ceptorDefs[a].Code == "bank" {
				return -1
			}
			if ceptorDefs[b].Code == "bank" {
				return 1
			}
			return cmp.Compare(ceptorDefs[b].Weight, ceptorDefs[a].Weight)
		})
		for _, i := range order[:n] {
			counts[i] = 1
		}
		return counts
	}
	rest, total := n-len(ceptorDefs), 0
	for _, c := range ceptorDefs {
		total += c.Weight
	}
	type remainder struct{ i, r int }
	rems := make([]remainder, len(ceptorDefs))
	assigned := 0
	for i, c := range ceptorDefs {
		q := rest * c.Weight
		counts[i] = 1 + q/total
		assigned += q / total
		rems[i] = remainder{i, q % total}
	}
	slices.SortStableFunc(rems, func(a, b remainder) int { return cmp.Compare(b.r, a.r) })
	for k := 0; assigned < rest; k++ {
		counts[rems[k].i]++
		assigned++
	}
	return counts
}

// operators adds n operators and returns the key of the first member of each
// CEPTOR. The first member of 銀行等 is a bank (○○銀行) in that CEPTOR only;
// it is the operator whose users cover every role.
func (g *generator) operators(n int) map[string]string {
	counts := allocate(n)
	first := map[string]string{}
	seq := 0
	for ci, c := range ceptorDefs {
		for k := 0; k < counts[ci]; k++ {
			seq++
			key := fmt.Sprintf("operator:%05d", seq)
			org, domain := g.operatorOrg(c, c.Code == "bank" && k == 0)
			codes := []string{c.Code}
			if c.Second != "" && k > 0 && g.r.IntN(100) < 4 {
				codes = append(codes, c.Second)
			}
			var sectors []string
			for _, code := range codes {
				s := findCeptorDef(code).Sector
				if !slices.Contains(sectors, s) {
					sectors = append(sectors, s)
				}
			}
			g.addOrg(OrgRec{
				Key: key, Org: org, SectorCodes: sectors, CeptorCodes: codes,
				Contacts: g.contacts(domain, c.Depts, 0),
			})
			if k == 0 {
				first[c.Code] = key
			}
		}
	}
	g.ds.RoleOrgs[ceptor.OrgOperator] = first["bank"]
	return first
}

// findCeptorDef returns the definition of the CEPTOR with the given code.
func findCeptorDef(code string) ceptorDef {
	for _, c := range ceptorDefs {
		if c.Code == code {
			return c
		}
	}
	panic("demo: unknown CEPTOR " + code)
}

// operatorOrg names a new operator of CEPTOR c with an unused name and
// domain. force picks the first variant. When the plain stems run out it
// tries direction-prefixed stems (北青葉), then compounds of two stems, so it
// always ends.
func (g *generator) operatorOrg(c ceptorDef, force bool) (ceptor.Organization, string) {
	for attempt := 0; ; attempt++ {
		v := c.Variants[0]
		if !force {
			v = g.variant(c.Variants)
		}
		if v.Pref && attempt >= 40 {
			continue // every prefecture is probably taken for this pattern
		}
		var a stem
		if v.Pref {
			i := g.r.IntN(len(prefectures))
			a = stem{place{prefectures[i].Stem, prefectures[i].Romaji}, i}
		} else {
			a = g.stem(attempt)
		}
		if a.pref < 0 {
			a.pref = g.r.IntN(len(prefectures))
		}
		b := pick(g.r, corpStems)
		p := prefectures[a.pref]
		rep := strings.NewReplacer(
			"{A}", a.JA, "{a}", a.Romaji, "{EA}", capitalize(a.Romaji),
			"{B}", b.JA, "{b}", b.Romaji, "{EB}", capitalize(b.Romaji),
			"{P}", p.Name, "{p}", p.Romaji, "{EP}", capitalize(p.Romaji),
		)
		name := rep.Replace(v.JA) + MarkJA
		domain := rep.Replace(v.Slug) + ".example.jp"
		if g.names[name] || g.domains[domain] {
			continue
		}
		kind := v.Kind
		if kind == ceptor.EntityNone {
			kind = ceptor.EntityCIOperator
		}
		return ceptor.Organization{
			Name:       name,
			NameEN:     rep.Replace(v.EN) + MarkEN,
			Type:       ceptor.OrgOperator,
			EntityKind: kind,
			Prefecture: p.Name,
			Website:    "https://www." + domain + "/",
			Domains:    []string{domain},
			Active:     true,
			Notes:      noteSynthetic,
		}, domain
	}
}

// variant picks a name pattern by weight.
func (g *generator) variant(vs []variant) variant {
	total := 0
	for _, v := range vs {
		total += v.Weight
	}
	x := g.r.IntN(total)
	for _, v := range vs {
		if x < v.Weight {
			return v
		}
		x -= v.Weight
	}
	return vs[len(vs)-1]
}

// stem picks a word stem: mostly a municipality, sometimes a generic stem;
// after many collisions, with a direction prefix or compounded.
func (g *generator) stem(attempt int) stem {
	one := func() stem {
		if g.r.IntN(100) < 75 {
			return pick(g.r, cityStems)
		}
		return stem{pick(g.r, genericStems), -1}
	}
	s := one()
	switch {
	case attempt >= 80:
		t := one()
		s.JA += t.JA
		s.Romaji += t.Romaji
	case attempt >= 20:
		d := pick(g.r, directions)
		s.JA = d.JA + s.JA
		s.Romaji = d.Romaji + s.Romaji
	}
	return s
}
