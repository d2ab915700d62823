package web

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/registryio"
)

// registryRefs is the registry's reference data (sectors and CEPTORs) read
// once per request: both tables are small and every registry page needs them
// to show names, group check boxes and resolve codes.
type registryRefs struct {
	sectors    []*ceptor.Sector
	ceptors    []*ceptor.Ceptor
	sectorByID map[int64]*ceptor.Sector
	ceptorByID map[int64]*ceptor.Ceptor
}

func (s *Server) loadRefs(ctx context.Context) (*registryRefs, error) {
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		return nil, err
	}
	ceptors, err := s.store.ListCeptors(ctx)
	if err != nil {
		return nil, err
	}
	rf := &registryRefs{sectors: sectors, ceptors: ceptors,
		sectorByID: make(map[int64]*ceptor.Sector, len(sectors)), ceptorByID: make(map[int64]*ceptor.Ceptor, len(ceptors))}
	for _, x := range sectors {
		rf.sectorByID[x.ID] = x
	}
	for _, c := range ceptors {
		rf.ceptorByID[c.ID] = c
	}
	return rf, nil
}

func (rf *registryRefs) lookup() *registryio.Lookup {
	return registryio.NewLookup(rf.sectors, rf.ceptors)
}

// sectorRef resolves a query value that is either a sector id or its code.
func (rf *registryRefs) sectorRef(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if id, ok := parseID(v); ok {
		_, known := rf.sectorByID[id]
		return id, known
	}
	for _, x := range rf.sectors {
		if strings.EqualFold(x.Code, v) {
			return x.ID, true
		}
	}
	return 0, false
}

// ceptorRef resolves a query value that is either a CEPTOR id or its code.
func (rf *registryRefs) ceptorRef(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if id, ok := parseID(v); ok {
		_, known := rf.ceptorByID[id]
		return id, known
	}
	for _, c := range rf.ceptors {
		if strings.EqualFold(c.Code, v) {
			return c.ID, true
		}
	}
	return 0, false
}

// ceptorGroup is the CEPTORs of one sector, for grouped lists and check boxes.
type ceptorGroup struct {
	Sector  *ceptor.Sector
	Ceptors []*ceptor.Ceptor
}

func (rf *registryRefs) groups() []ceptorGroup {
	var out []ceptorGroup
	for _, sec := range rf.sectors {
		g := ceptorGroup{Sector: sec}
		for _, c := range rf.ceptors {
			if c.SectorID == sec.ID {
				g.Ceptors = append(g.Ceptors, c)
			}
		}
		if len(g.Ceptors) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// checkOrgRefs returns field problems of an organisation that only the
// registry can see: sectors and CEPTORs that do not exist, an unknown
// prefecture, and CEPTOR memberships of an organisation that cannot be a
// member. Organization.Validate checks the rest.
func (rf *registryRefs) checkOrgRefs(o *ceptor.Organization) map[string]string {
	f := map[string]string{}
	for _, id := range o.SectorIDs {
		if _, ok := rf.sectorByID[id]; !ok {
			f["sector_ids"] = "registry.err.unknown_sector"
		}
	}
	for _, id := range o.CeptorIDs {
		if _, ok := rf.ceptorByID[id]; !ok {
			f["ceptor_ids"] = "registry.err.unknown_ceptor"
		}
	}
	if len(o.CeptorIDs) > 0 && !canBeMember(o.Type) {
		f["ceptor_ids"] = "registry.err.member_type"
	}
	if o.Prefecture != "" && !validPrefecture(o.Prefecture) {
		f["prefecture"] = "registry.err.prefecture"
	}
	if len([]rune(o.NameKana)) > 200 {
		f["name_kana"] = "err.too_long"
	}
	if len([]rune(o.Notes)) > 4000 {
		f["notes"] = "err.too_long"
	}
	return f
}

// canBeMember: CEPTORs gather operators and the providers that serve them;
// the public bodies take part through their own roles, not as members.
func canBeMember(t ceptor.OrgType) bool { return t == ceptor.OrgOperator || t == ceptor.OrgSupplier }

// ceptorResource describes a CEPTOR for the policy: it belongs to its
// secretariat and sits in its sector.
func ceptorResource(c *ceptor.Ceptor) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindCeptor, OrgID: c.SecretariatOrgID, OrgType: ceptor.OrgSecretariat,
		SectorIDs: []int64{c.SectorID}, CeptorIDs: []int64{c.ID}}
}

// canCreateOrg asks the policy whether the actor may register organisations
// at all: an operator in the sectors it oversees is the most a ministry may
// create, and NISC may create anything.
func canCreateOrg(a *ceptor.Actor) bool {
	return a != nil && ceptor.Allow(a, ceptor.ActCreate, createProbe(a))
}

// createProbe is the organisation the actor could most likely register.
func createProbe(a *ceptor.Actor) ceptor.Resource {
	probe := &ceptor.Organization{Type: ceptor.OrgOperator, SectorIDs: a.OverseesSectors}
	return ceptor.OrgResource(ceptor.KindOrg, probe)
}

// orgQuery is an organisation filter as it appears in a query string; the
// UI list, the exports and the API share it.
type orgQuery struct {
	Type   string
	Sector string // sector id, as resolved
	Ceptor string // CEPTOR id, as resolved
	Q      string
	Active string // "", "true" or "false"
}

// parseOrgFilter reads type, sector (id or code), ceptor (id or code), q and
// active from a query string.
func parseOrgFilter(q url.Values, rf *registryRefs) (ceptor.OrgFilter, orgQuery, error) {
	var f ceptor.OrgFilter
	var oq orgQuery
	bad := map[string]string{}
	if v := strings.TrimSpace(q.Get("type")); v != "" {
		if !ceptor.OrgType(v).Valid() {
			bad["type"] = "err.org_type"
		} else {
			f.Type, oq.Type = ceptor.OrgType(v), v
		}
	}
	if v := q.Get("sector"); strings.TrimSpace(v) != "" {
		if id, ok := rf.sectorRef(v); ok {
			f.SectorID, oq.Sector = id, strconv.FormatInt(id, 10)
		} else {
			bad["sector"] = "registry.err.unknown_sector"
		}
	}
	if v := q.Get("ceptor"); strings.TrimSpace(v) != "" {
		if id, ok := rf.ceptorRef(v); ok {
			f.CeptorID, oq.Ceptor = id, strconv.FormatInt(id, 10)
		} else {
			bad["ceptor"] = "registry.err.unknown_ceptor"
		}
	}
	oq.Q = strings.TrimSpace(q.Get("q"))
	if len([]rune(oq.Q)) > 200 {
		bad["q"] = "err.too_long"
	}
	f.Q = oq.Q
	switch v := strings.TrimSpace(q.Get("active")); v {
	case "":
	case "true", "1":
		yes := true
		f.Active, oq.Active = &yes, "true"
	case "false", "0":
		no := false
		f.Active, oq.Active = &no, "false"
	default:
		bad["active"] = "registry.err.bool"
	}
	if len(bad) > 0 {
		return f, oq, ceptor.Invalid(bad)
	}
	return f, oq, nil
}

// values returns the filter as query values (for export links and paging).
func (oq orgQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"type": oq.Type, "sector": oq.Sector, "ceptor": oq.Ceptor, "q": oq.Q, "active": oq.Active} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// regSplitDomains reads domains separated by spaces or commas (ASCII or
// Japanese punctuation), lower-cased and without duplicates.
func regSplitDomains(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\r', '\n', ',', ';', '、', '，', '　':
			return true
		}
		return false
	})
	out := []string{}
	for _, d := range fields {
		d = strings.TrimSuffix(strings.ToLower(d), ".")
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// prefecture is one of the 47 prefectures; organisations store the Japanese
// name.
type prefecture struct{ JA, EN string }

var prefectures = []prefecture{
	{"北海道", "Hokkaido"}, {"青森県", "Aomori"}, {"岩手県", "Iwate"}, {"宮城県", "Miyagi"}, {"秋田県", "Akita"},
	{"山形県", "Yamagata"}, {"福島県", "Fukushima"}, {"茨城県", "Ibaraki"}, {"栃木県", "Tochigi"}, {"群馬県", "Gunma"},
	{"埼玉県", "Saitama"}, {"千葉県", "Chiba"}, {"東京都", "Tokyo"}, {"神奈川県", "Kanagawa"}, {"新潟県", "Niigata"},
	{"富山県", "Toyama"}, {"石川県", "Ishikawa"}, {"福井県", "Fukui"}, {"山梨県", "Yamanashi"}, {"長野県", "Nagano"},
	{"岐阜県", "Gifu"}, {"静岡県", "Shizuoka"}, {"愛知県", "Aichi"}, {"三重県", "Mie"}, {"滋賀県", "Shiga"},
	{"京都府", "Kyoto"}, {"大阪府", "Osaka"}, {"兵庫県", "Hyogo"}, {"奈良県", "Nara"}, {"和歌山県", "Wakayama"},
	{"鳥取県", "Tottori"}, {"島根県", "Shimane"}, {"岡山県", "Okayama"}, {"広島県", "Hiroshima"}, {"山口県", "Yamaguchi"},
	{"徳島県", "Tokushima"}, {"香川県", "Kagawa"}, {"愛媛県", "Ehime"}, {"高知県", "Kochi"}, {"福岡県", "Fukuoka"},
	{"佐賀県", "Saga"}, {"長崎県", "Nagasaki"}, {"熊本県", "Kumamoto"}, {"大分県", "Oita"}, {"宮崎県", "Miyazaki"},
	{"鹿児島県", "Kagoshima"}, {"沖縄県", "Okinawa"},
}

func validPrefecture(name string) bool {
	for _, p := range prefectures {
		if p.JA == name {
			return true
		}
	}
	return false
}

// Prefecture shows a stored (Japanese) prefecture name in the page language.
func (p *Page) Prefecture(name string) string {
	if p.Lang != "en" {
		return name
	}
	for _, x := range prefectures {
		if x.JA == name {
			return x.EN
		}
	}
	return name
}
