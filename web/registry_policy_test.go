package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ceptor"
)

// TestRegistryPolicy checks, on both engines, who sees what in the registry
// pages, the API and the exports. One harness per engine serves every
// read-only case.
func TestRegistryPolicy(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			testRegistryPages(t, h)
			testRegistryVisibility(t, h)
			testRegistryAPIReads(t, h)
			testRegistryReadOnlyCallers(t, h)
			testRegistryExport(t, h)
		})
	}
}

// testRegistryPages renders every registry page for NISC (which may do
// everything) in both languages: no template error, no untranslated key.
func testRegistryPages(t *testing.T, h *harness) {
	own := h.regDemoOrg("nisc")
	bank := h.regCeptorID("bank")
	op := h.regDemoOrg(h.ds.RoleOrgs[ceptor.OrgOperator])
	contacts, err := h.db.ListContacts(context.Background(), op.ID)
	if err != nil || len(contacts) == 0 {
		t.Fatalf("operator contacts: %v", err)
	}
	pages := []string{
		"/registry/orgs", "/registry/orgs?type=operator&sector=finance&active=true&q=銀行", "/registry/orgs?offset=50",
		"/registry/orgs/" + regID(own.ID), "/registry/orgs/" + regID(op.ID), "/registry/orgs/new", "/registry/orgs/" + regID(op.ID) + "/edit",
		"/registry/orgs/" + regID(op.ID) + "/contacts/new", "/registry/orgs/" + regID(op.ID) + "/contacts/" + regID(contacts[0].ID) + "/edit",
		"/registry/sectors", "/registry/sectors/new", "/registry/sectors/1/edit",
		"/registry/ceptors", "/registry/ceptors/" + regID(bank), "/registry/ceptors/" + regID(bank) + "?q=株式会社",
		"/registry/ceptors/new", "/registry/ceptors/" + regID(bank) + "/edit", "/registry/import",
	}
	for _, lang := range []string{"ja", "en"} {
		c := h.login("admin.nisc@demo.example")
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			code, body := c.get(p + sep + "lang=" + lang)
			if code != http.StatusOK {
				t.Errorf("%s (%s): status %d", p, lang, code)
				continue
			}
			if m := regUntranslated.FindString(body); m != "" {
				t.Errorf("%s (%s): untranslated %s", p, lang, m)
			}
			if !strings.Contains(body, `lang="`+lang+`"`) {
				t.Errorf("%s: not in %s", p, lang)
			}
		}
	}
}

// testRegistryVisibility: an operator sees its fellow CEPTOR members but not
// other CEPTORs' operators, and no contacts but its own; the secretariat sees
// and keeps its members' contacts; the ministry sees its sectors.
func testRegistryVisibility(t *testing.T, h *harness) {
	opKey := h.ds.RoleOrgs[ceptor.OrgOperator]
	own := h.regDemoOrg(opKey)
	var fellowKey string
	for _, k := range h.ds.Members("bank") {
		if k != opKey {
			fellowKey = k
			break
		}
	}
	fellow := h.regDemoOrg(fellowKey)
	elec := h.regDemoOrg(h.ds.Members("electricity")[0])        // other CEPTOR, other sector
	payment := h.regDemoOrg(h.ds.Members("payment")[0])         // other CEPTOR, same sector as the bank
	supplier := h.regDemoOrg(h.ds.RoleOrgs[ceptor.OrgSupplier]) // visible to all, contacts are not
	org := func(o *ceptor.Organization) string { return "/registry/orgs/" + regID(o.ID) }

	type tc struct {
		who, path     string
		code          int
		want, notWant []string
	}
	cases := []tc{
		// The operator.
		{"admin.operator", "/registry/orgs?type=operator", 200, []string{fellow.Name, own.Name}, []string{elec.Name, payment.Name}},
		{"admin.operator", "/registry/orgs?q=" + url.QueryEscape(elec.Name), 200, []string{"該当する組織はありません"}, []string{">" + elec.Name + "</a>"}},
		{"admin.operator", org(own), 200, []string{`id="contacts"`, "連絡先を追加", h.regDemoEmail(opKey)}, nil},
		{"admin.operator", org(fellow), 200, []string{fellow.Name}, []string{`id="contacts"`, h.regDemoEmail(fellowKey), "/edit"}},
		{"admin.operator", org(supplier), 200, []string{supplier.Name}, []string{`id="contacts"`}},
		{"admin.operator", org(elec), 404, []string{"見つかりません"}, []string{elec.Name}},
		{"admin.operator", org(payment), 404, nil, []string{payment.Name}},
		{"admin.operator", org(elec) + "/edit", 404, nil, nil},
		{"admin.operator", org(elec) + "/contacts/new", 404, nil, nil},
		{"admin.operator", org(fellow) + "/contacts/new", 403, nil, nil},
		{"admin.operator", org(fellow) + "/edit", 403, nil, nil},
		{"admin.operator", org(own) + "/edit", 200, []string{`name="name_en"`, `name="require_2fa"`}, []string{`name="name"`, `name="type"`, `name="sector"`, `name="ceptor"`}},
		{"admin.operator", "/registry/ceptors/" + regID(h.regCeptorID("electricity")), 200, []string{"閲覧できる構成員はいません"}, []string{elec.Name}},
		{"admin.operator", "/registry/ceptors/" + regID(h.regCeptorID("bank")), 200, []string{fellow.Name}, []string{"構成員から外す", "構成員の追加"}},
		{"admin.operator", "/registry/orgs", 200, nil, []string{"/registry/orgs/new", "/registry/import", "/registry/export.csv"}},
		{"admin.operator", "/registry/import", 403, nil, nil},
		{"analyst.operator", org(own), 200, []string{`id="contacts"`}, []string{"連絡先を追加", "/edit"}},
		// The bank CEPTOR's secretariat.
		{"admin.secretariat", org(fellow), 200, []string{`id="contacts"`, h.regDemoEmail(fellowKey), "連絡先を追加", "/contacts/"}, []string{`/registry/orgs/` + regID(fellow.ID) + `/edit"`}},
		{"admin.secretariat", org(payment), 404, nil, nil},
		{"admin.secretariat", org(elec), 404, nil, nil},
		{"admin.secretariat", org(supplier), 200, nil, []string{`id="contacts"`}},
		{"admin.secretariat", "/registry/ceptors/" + regID(h.regCeptorID("bank")), 200, []string{"構成員の追加", "構成員から外す"}, nil},
		{"admin.secretariat", "/registry/ceptors/" + regID(h.regCeptorID("payment")), 200, nil, []string{"構成員の追加"}},
		{"admin.secretariat", "/registry/orgs", 200, []string{"/registry/export.csv"}, []string{"/registry/orgs/new", `href="/registry/import"`}},
		// The FSA oversees finance.
		{"admin.ministry", org(payment), 200, []string{`id="contacts"`, h.regDemoEmail(h.ds.Members("payment")[0]), "/edit", "無効化"}, nil},
		{"admin.ministry", org(elec), 404, nil, nil},
		{"admin.ministry", "/registry/orgs?type=operator", 200, []string{payment.Name, fellow.Name}, []string{elec.Name}},
		{"admin.ministry", "/registry/orgs", 200, []string{"/registry/orgs/new", `href="/registry/import"`, "/registry/export.csv"}, nil},
		{"admin.ministry", "/registry/orgs/new", 200, []string{`value="operator"`, `value="supplier"`}, []string{`value="nisc"`, `value="ministry"`}},
		// NISC sees everything.
		{"admin.nisc", org(elec), 200, []string{`id="contacts"`, h.regDemoEmail(h.ds.Members("electricity")[0])}, nil},
		{"admin.nisc", org(supplier), 200, []string{`id="contacts"`}, nil},
		{"admin.nisc", "/registry/orgs/999999", 404, nil, nil},
		{"admin.nisc", "/registry/orgs/abc", 404, nil, nil},
		// Read-only roles see but never change.
		{"executive.nisc", org(elec), 200, []string{elec.Name}, []string{"無効化", "連絡先を追加"}},
		{"executive.nisc", org(elec) + "/edit", 403, nil, nil},
		{"auditor.ministry", org(payment) + "/edit", 403, nil, nil},
		{"auditor.nisc", "/registry/sectors/new", 403, nil, nil},
	}
	clients := map[string]*client{}
	for _, c := range cases {
		cl := clients[c.who]
		if cl == nil {
			cl = h.login(c.who + "@demo.example")
			clients[c.who] = cl
		}
		code, body := cl.get(c.path)
		if code != c.code {
			t.Errorf("%s GET %s: status %d, want %d", c.who, c.path, code, c.code)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s GET %s: missing %q", c.who, c.path, w)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s GET %s: must not contain %q", c.who, c.path, w)
			}
		}
	}

	// Changes refused in pages: 403 when visible, 404 when not.
	posts := []struct {
		who, path string
		form      url.Values
		code      int
	}{
		{"executive.nisc", org(elec) + "/deactivate", nil, 403},
		{"executive.nisc", org(elec) + "/edit", url.Values{"name_en": {"x"}}, 403},
		{"auditor.nisc", "/registry/sectors/new", url.Values{"code": {"x"}, "name_ja": {"x"}, "name_en": {"x"}}, 403},
		{"admin.operator", org(fellow) + "/deactivate", nil, 403},
		{"admin.operator", org(elec) + "/deactivate", nil, 404},
		{"admin.operator", org(elec) + "/contacts/new", url.Values{"name": {"x"}, "email": {"x@example.jp"}}, 404},
		{"admin.operator", org(fellow) + "/contacts/new", url.Values{"name": {"x"}, "email": {"x@example.jp"}}, 403},
		{"admin.secretariat", org(payment) + "/contacts/new", url.Values{"name": {"x"}, "email": {"x@example.jp"}}, 404},
		{"admin.secretariat", org(fellow) + "/edit", url.Values{"name_en": {"x"}}, 403},
	}
	for _, p := range posts {
		cl := clients[p.who]
		code, _, _ := cl.post(p.path, p.form)
		if code != p.code {
			t.Errorf("%s POST %s: %d, want %d", p.who, p.path, code, p.code)
		}
	}
	after, _ := h.db.FindOrg(context.Background(), fellow.ID)
	if !after.Active || after.NameEN != fellow.NameEN {
		t.Fatal("a refused change was stored")
	}
}

// testRegistryAPIReads: the same policy through the API, the filters by code
// and the pagination envelope.
func testRegistryAPIReads(t *testing.T, h *harness) {
	opTok := h.token("admin.operator@demo.example", nil)
	niscTok := h.token("admin.nisc@demo.example", nil)
	secTok := h.token("admin.secretariat@demo.example", nil)
	opKey := h.ds.RoleOrgs[ceptor.OrgOperator]
	own := h.regDemoOrg(opKey)
	fellow := h.regDemoOrg(h.ds.Members("bank")[1])
	elec := h.regDemoOrg(h.ds.Members("electricity")[0])
	bank, finance := h.regCeptorID("bank"), h.regSectorID("finance")
	bankMembers := len(h.ds.Members("bank"))

	gets := []struct {
		name, token, path string
		code              int
	}{
		{"operator: own org", opTok, "/api/v1/organizations/" + regID(own.ID), 200},
		{"operator: fellow member", opTok, "/api/v1/organizations/" + regID(fellow.ID), 200},
		{"operator: other CEPTOR's operator", opTok, "/api/v1/organizations/" + regID(elec.ID), 404},
		{"operator: own contacts", opTok, "/api/v1/organizations/" + regID(own.ID) + "/contacts", 200},
		{"operator: fellow's contacts", opTok, "/api/v1/organizations/" + regID(fellow.ID) + "/contacts", 404},
		{"operator: hidden org's contacts", opTok, "/api/v1/organizations/" + regID(elec.ID) + "/contacts", 404},
		{"secretariat: member's contacts", secTok, "/api/v1/organizations/" + regID(fellow.ID) + "/contacts", 200},
		{"secretariat: other CEPTOR's operator", secTok, "/api/v1/organizations/" + regID(elec.ID), 404},
		{"nisc: any contacts", niscTok, "/api/v1/organizations/" + regID(elec.ID) + "/contacts", 200},
		{"no token", "", "/api/v1/organizations", 401},
		{"unknown id", niscTok, "/api/v1/organizations/99999999", 404},
		{"sectors", opTok, "/api/v1/sectors", 200},
		{"sector", opTok, "/api/v1/sectors/" + regID(finance), 200},
		{"unknown sector", opTok, "/api/v1/sectors/9999", 404},
		{"ceptors", opTok, "/api/v1/ceptors?sector=finance", 200},
		{"ceptor", opTok, "/api/v1/ceptors/" + regID(bank), 200},
		{"bad sector filter", niscTok, "/api/v1/organizations?sector=no-such-sector", 422},
		{"bad type filter", niscTok, "/api/v1/organizations?type=alien", 422},
		{"bad active filter", niscTok, "/api/v1/organizations?active=maybe", 422},
		{"bad limit", niscTok, "/api/v1/organizations?limit=0", 422},
	}
	for _, g := range gets {
		code, body := h.api("GET", g.path, g.token, "")
		if code != g.code {
			t.Errorf("%s: GET %s = %d, want %d: %s", g.name, g.path, code, g.code, body)
		}
	}

	// The operator's list holds only its CEPTOR's operators.
	code, body := h.api("GET", "/api/v1/organizations?type=operator&limit=500", opTok, "")
	if code != 200 {
		t.Fatalf("operator list: %d %s", code, body)
	}
	l := regDecode[regOrgList](t, body)
	if l.Total != bankMembers || len(l.Items) != bankMembers {
		t.Errorf("operator sees %d operators (total %d), want the %d bank members", len(l.Items), l.Total, bankMembers)
	}
	for _, o := range l.Items {
		if !slices.Contains(o.CeptorIDs, bank) {
			t.Errorf("operator sees %s outside its CEPTOR", o.Name)
		}
	}
	// Members of another CEPTOR are not even counted.
	_, body = h.api("GET", "/api/v1/ceptors/"+regID(h.regCeptorID("electricity"))+"/members", opTok, "")
	if l := regDecode[regOrgList](t, body); l.Total != 0 || len(l.Items) != 0 {
		t.Errorf("operator sees %d members of another CEPTOR", l.Total)
	}
	_, body = h.api("GET", "/api/v1/ceptors/"+regID(bank)+"/members", opTok, "")
	if l := regDecode[regOrgList](t, body); l.Total != bankMembers {
		t.Errorf("operator sees %d of its CEPTOR's %d members", l.Total, bankMembers)
	}

	// Filters by code and by id agree, and match the store.
	yes := true
	_, want, err := h.db.ListOrgs(context.Background(), ceptor.OrgFilter{Type: ceptor.OrgOperator, SectorID: finance, Active: &yes})
	if err != nil || want == 0 {
		t.Fatalf("store: %d %v", want, err)
	}
	for _, q := range []string{"sector=finance", "sector=" + regID(finance), "sector=FINANCE"} {
		_, body := h.api("GET", "/api/v1/organizations?type=operator&active=true&limit=500&"+q, niscTok, "")
		l := regDecode[regOrgList](t, body)
		if l.Total != want {
			t.Errorf("%s: total %d, want %d", q, l.Total, want)
		}
		for _, o := range l.Items {
			if !slices.Contains(o.SectorIDs, finance) || o.Type != ceptor.OrgOperator {
				t.Errorf("%s: %s does not match", q, o.Name)
			}
		}
	}
	_, body = h.api("GET", "/api/v1/organizations?ceptor=bank", niscTok, "")
	if l := regDecode[regOrgList](t, body); l.Total != bankMembers {
		t.Errorf("ceptor=bank: total %d, want %d", l.Total, bankMembers)
	}
	_, body = h.api("GET", "/api/v1/organizations?q="+url.QueryEscape(elec.NameEN), niscTok, "")
	if l := regDecode[regOrgList](t, body); l.Total != 1 || l.Items[0].ID != elec.ID {
		t.Errorf("q by English name: %+v", l)
	}

	// Pagination: follow next links to the end.
	seen := map[int64]bool{}
	next := "/api/v1/organizations?ceptor=bank&limit=4"
	pages := 0
	for next != "" {
		code, body := h.api("GET", next, niscTok, "")
		if code != 200 {
			t.Fatalf("GET %s: %d", next, code)
		}
		l := regDecode[regOrgList](t, body)
		for _, o := range l.Items {
			seen[o.ID] = true
		}
		if l.Next != "" && (!strings.Contains(l.Next, "offset=") || !strings.Contains(l.Next, "ceptor=bank")) {
			t.Errorf("next link %q loses the filter", l.Next)
		}
		next = l.Next
		pages++
	}
	if len(seen) != bankMembers || pages != (bankMembers+3)/4 {
		t.Errorf("pagination: %d members over %d pages", len(seen), pages)
	}
}

// testRegistryReadOnlyCallers: read-only tokens, executives and auditors
// change nothing, whatever they try.
func testRegistryReadOnlyCallers(t *testing.T, h *harness) {
	readTok := h.token("admin.nisc@demo.example", []string{ceptor.ScopeRead})
	execTok := h.token("executive.nisc@demo.example", nil)
	audTok := h.token("auditor.ministry@demo.example", nil)
	elec := h.regDemoOrg(h.ds.Members("electricity")[0])
	payment := h.regDemoOrg(h.ds.Members("payment")[0])
	cases := []struct {
		name, token, method, path, body string
		code                            int
		message                         string
	}{
		{"read-only token create", readTok, "POST", "/api/v1/organizations", `{"name":"新組織","type":"operator"}`, 403, "スコープ"},
		{"read-only token patch", readTok, "PATCH", "/api/v1/organizations/" + regID(elec.ID), `{"notes":"x"}`, 403, "スコープ"},
		{"read-only token sector", readTok, "POST", "/api/v1/sectors", `{"code":"x","name_ja":"x","name_en":"x"}`, 403, "スコープ"},
		{"read-only token contact", readTok, "POST", "/api/v1/organizations/" + regID(elec.ID) + "/contacts", `{"name":"x","email":"x@example.jp"}`, 403, "スコープ"},
		{"executive patch", execTok, "PATCH", "/api/v1/organizations/" + regID(elec.ID), `{"notes":"x"}`, 403, "権限"},
		{"executive deactivate", execTok, "POST", "/api/v1/organizations/" + regID(elec.ID) + "/deactivate", "", 403, "権限"},
		{"executive member", execTok, "PUT", "/api/v1/ceptors/" + regID(h.regCeptorID("bank")) + "/members/" + regID(elec.ID), "", 403, "権限"},
		{"auditor patch own sector", audTok, "PATCH", "/api/v1/organizations/" + regID(payment.ID), `{"notes":"x"}`, 403, "権限"},
		{"operator admin patches a fellow", h.token("admin.operator@demo.example", nil), "PATCH", "/api/v1/organizations/" + regID(h.regDemoOrg(h.ds.Members("bank")[1]).ID), `{"notes":"x"}`, 403, "権限"},
		{"auditor hidden org", audTok, "PATCH", "/api/v1/organizations/" + regID(elec.ID), `{"notes":"x"}`, 404, "見つかりません"},
	}
	for _, c := range cases {
		code, body := h.api(c.method, c.path, c.token, c.body)
		if code != c.code || !strings.Contains(body, c.message) {
			t.Errorf("%s: %d %s", c.name, code, body)
		}
	}
	if code, _ := h.api("GET", "/api/v1/organizations/"+regID(elec.ID), readTok, ""); code != 200 {
		t.Errorf("read-only token cannot read: %d", code)
	}
	writeTok := h.token("admin.nisc@demo.example", []string{ceptor.ScopeWrite})
	for _, p := range []string{"/api/v1/organizations", "/api/v1/organizations/" + regID(elec.ID), "/api/v1/sectors", "/api/v1/registry/export"} {
		if code, body := h.api("GET", p, writeTok, ""); code != 403 || !strings.Contains(body, "スコープ") {
			t.Errorf("token without read scope GET %s: %d %s", p, code, body)
		}
	}
	after, _ := h.db.FindOrg(context.Background(), elec.ID)
	if !after.Active || after.Notes != elec.Notes {
		t.Fatal("a refused change was stored")
	}
}

// testRegistryExport: exports hold only what the caller may see and are
// audited.
func testRegistryExport(t *testing.T, h *harness) {
	opKey := h.ds.RoleOrgs[ceptor.OrgOperator]
	fellowKey := h.ds.Members("bank")[1]
	elecKey := h.ds.Members("electricity")[0]
	payKey := h.ds.Members("payment")[0]
	supKey := h.ds.RoleOrgs[ceptor.OrgSupplier]

	// Operators may not export at all.
	op := h.login("admin.operator@demo.example")
	if code, _, _ := op.regDownload("/registry/export.csv"); code != 403 {
		t.Errorf("operator export: %d", code)
	}
	if code, _ := h.api("GET", "/api/v1/registry/export", h.token("admin.operator@demo.example", nil), ""); code != 403 {
		t.Errorf("operator API export: %d", code)
	}

	before := h.regAudited("registry.export", 0)
	sec := h.login("analyst.secretariat@demo.example")
	code, hdr, data := sec.regDownload("/registry/export.csv")
	if code != 200 {
		t.Fatalf("secretariat export: %d %s", code, data)
	}
	csv := string(data)
	if !strings.HasPrefix(hdr.Get("Content-Disposition"), `attachment; filename="ceptor-registry-20`) || !strings.HasSuffix(hdr.Get("Content-Disposition"), `.csv"`) {
		t.Errorf("Content-Disposition %q", hdr.Get("Content-Disposition"))
	}
	for _, want := range []string{h.ds.Org(opKey).Org.Name, h.ds.Org(fellowKey).Org.Name, h.regDemoEmail(fellowKey), h.ds.Org(supKey).Org.Name} {
		if !strings.Contains(csv, want) {
			t.Errorf("secretariat export lacks %q", want)
		}
	}
	for _, bad := range []string{h.ds.Org(elecKey).Org.Name, h.ds.Org(payKey).Org.Name, h.regDemoEmail(elecKey), h.regDemoEmail(payKey), h.regDemoEmail(supKey)} {
		if strings.Contains(csv, bad) {
			t.Errorf("secretariat export holds %q", bad)
		}
	}
	if h.regAudited("registry.export", 0) != before+1 {
		t.Error("export not audited")
	}

	// The list's filters apply; XLSX through the API.
	code, hdr, data = sec.regDownload("/registry/export.csv?type=supplier")
	if code != 200 || strings.Contains(string(data), h.ds.Org(opKey).Org.Name) || !strings.Contains(string(data), h.ds.Org(supKey).Org.Name) {
		t.Errorf("filtered export: %d", code)
	}
	code, hdr, data = h.regAPIRaw("GET", "/api/v1/registry/export?format=xlsx&sector=finance", h.token("auditor.ministry@demo.example", nil), "", nil)
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(string(data), "PK") {
		t.Errorf("ministry XLSX export: %d %s", code, hdr.Get("Content-Type"))
	}
	if code, _ := h.api("GET", "/api/v1/registry/export?format=pdf", h.token("admin.nisc@demo.example", nil), ""); code != 422 {
		t.Errorf("unknown format: %d", code)
	}
}
