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

// TestRegistryOrgFlows creates, edits, deactivates and reactivates
// organisations and keeps contacts, through the pages and the API, on both
// engines.
func TestRegistryOrgFlows(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			testOrgCreateAndEdit(t, h)
			testOrgValidation(t, h)
			testOrgProfileRights(t, h)
			testOrgMinistryRemit(t, h)
			testOrgActivation(t, h)
			testContacts(t, h)
			testOrgAPIWrites(t, h)
		})
	}
}

func orgForm(name string, extra url.Values) url.Values {
	f := url.Values{"name": {name}, "name_en": {"Test Org"}, "name_kana": {"テスト"}, "type": {"operator"},
		"entity_kind": {"ci_operator"}, "prefecture": {"東京都"}, "website": {"https://www.test.example.jp/"},
		"domains": {"test.example.jp, Mail.Test.example.jp"}, "notes": {"メモ"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func testOrgCreateAndEdit(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.login("admin.nisc@demo.example")
	c.get("/registry/orgs/new")
	finance, bank := h.regSectorID("finance"), h.regCeptorID("bank")
	code, body, loc := c.post("/registry/orgs/new", orgForm("テスト銀行（試験）", url.Values{
		"sector": {regID(finance)}, "ceptor": {regID(bank)}, "require_2fa": {"1"}}))
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/registry/orgs/") {
		t.Fatalf("create: %d %q %s", code, loc, body)
	}
	o := h.orgByName("テスト銀行（試験）")
	if o.Type != ceptor.OrgOperator || o.EntityKind != ceptor.EntityCIOperator || !o.Require2FA || !o.Active ||
		!slices.Equal(o.SectorIDs, []int64{finance}) || !slices.Equal(o.CeptorIDs, []int64{bank}) ||
		!slices.Equal(o.Domains, []string{"test.example.jp", "mail.test.example.jp"}) || o.Prefecture != "東京都" {
		t.Fatalf("stored %+v", o)
	}
	if h.regAudited("org.create", o.ID) != 1 {
		t.Error("create not audited")
	}
	_, body = c.get(loc)
	if !strings.Contains(body, "作成しました") || !strings.Contains(body, "テスト銀行（試験）") || !strings.Contains(body, "銀行等セプター") {
		t.Error("detail after create")
	}

	// Edit: move to another CEPTOR of the sector, drop 2FA.
	pay := h.regCeptorID("payment")
	c.get(loc + "/edit")
	code, body, loc2 := c.post(loc+"/edit", orgForm("テスト銀行（試験）", url.Values{"sector": {regID(finance)}, "ceptor": {regID(pay)}}))
	if code != http.StatusSeeOther || loc2 != loc {
		t.Fatalf("edit: %d %q %s", code, loc2, body)
	}
	o, _ = h.db.FindOrg(ctx, o.ID)
	if !slices.Equal(o.CeptorIDs, []int64{pay}) || o.Require2FA {
		t.Fatalf("after edit %+v", o)
	}
	if h.regAudited("org.update", o.ID) != 1 {
		t.Error("edit not audited")
	}
	// Saving without a change writes nothing.
	c.get(loc + "/edit")
	c.post(loc+"/edit", orgForm("テスト銀行（試験）", url.Values{"sector": {regID(finance)}, "ceptor": {regID(pay)}}))
	if h.regAudited("org.update", o.ID) != 1 {
		t.Error("an unchanged save was audited as a change")
	}
}

func testOrgValidation(t *testing.T, h *harness) {
	c := h.login("admin.nisc@demo.example")
	existing := h.regDemoOrg("nisc").Name
	cases := []struct {
		name   string
		lang   string
		form   url.Values
		want   []string
		fields []string
	}{
		{"empty name, bad URL and domain (ja)", "ja", orgForm("", url.Values{"website": {"ftp://x"}, "domains": {"not_a_domain"}, "name_en": {"Kept English"}}),
			[]string{"入力してください", "URLの形式が正しくありません", "ドメイン名の形式が正しくありません", `value="Kept English"`, `value="not_a_domain"`, `value="ftp://x"`},
			[]string{"name", "website", "domains"}},
		{"same errors in English", "en", orgForm("", url.Values{"website": {"ftp://x"}, "domains": {"not_a_domain"}}),
			[]string{"This field is required", "Enter a valid URL", "Enter a valid domain name"}, nil},
		{"duplicate name", "ja", orgForm(existing, nil), []string{"同じものが既に登録されています"}, nil},
		{"unknown prefecture and sector", "ja", orgForm("県なし組織", url.Values{"prefecture": {"東京県"}, "sector": {"99999"}}),
			[]string{"都道府県を一覧から選んでください", "登録されていない分野です"}, nil},
		{"ministry cannot be a CEPTOR member", "ja", orgForm("新しい省", url.Values{"type": {"ministry"}, "ceptor": {regID(h.regCeptorID("bank"))}}),
			[]string{"セプターに所属できるのは"}, nil},
		{"unknown type", "en", orgForm("Typeless", url.Values{"type": {"alien"}}), []string{"Choose a valid organisation type"}, nil},
	}
	for _, tc := range cases {
		c.get("/registry/orgs/new?lang=" + tc.lang)
		code, body, _ := c.post("/registry/orgs/new?lang="+tc.lang, tc.form)
		if code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", tc.name, code)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: missing %q", tc.name, w)
			}
		}
		for _, f := range tc.fields {
			if !strings.Contains(body, `name="`+f+`"`) {
				t.Errorf("%s: field %s not shown again", tc.name, f)
			}
		}
	}
	if _, total, _ := h.db.ListOrgs(context.Background(), ceptor.OrgFilter{Q: "県なし組織"}); total != 0 {
		t.Error("an invalid organisation was stored")
	}
}

// testOrgProfileRights: an organisation's own administrator changes its
// descriptive fields and 2FA requirement, never its type, sectors or
// memberships, in the page and in the API.
func testOrgProfileRights(t *testing.T, h *harness) {
	ctx := context.Background()
	own := h.regDemoOrg(h.ds.RoleOrgs[ceptor.OrgOperator])
	c := h.login("admin.operator@demo.example")
	path := "/registry/orgs/" + regID(own.ID) + "/edit"
	c.get(path)
	// A forged form with the restricted fields: they are not read.
	code, body, _ := c.post(path, url.Values{"name": {"乗っ取り"}, "type": {"nisc"}, "sector": {regID(h.regSectorID("electricity"))},
		"name_en": {"Renamed Bank"}, "require_2fa": {"1"}, "domains": {own.Domains[0]}, "prefecture": {own.Prefecture}, "website": {own.Website}, "notes": {"自組織で更新"}})
	if code != http.StatusSeeOther {
		t.Fatalf("profile edit: %d %s", code, body)
	}
	after, _ := h.db.FindOrg(ctx, own.ID)
	if after.Name != own.Name || after.Type != own.Type || !slices.Equal(after.SectorIDs, own.SectorIDs) || !slices.Equal(after.CeptorIDs, own.CeptorIDs) {
		t.Fatalf("restricted fields changed: %+v", after)
	}
	if after.NameEN != "Renamed Bank" || !after.Require2FA || after.Notes != "自組織で更新" {
		t.Fatalf("profile fields not saved: %+v", after)
	}
	// Now that the organisation requires a second factor, the admin's API
	// token opens nothing until they enrol; the test lifts the rule again.
	tok := h.token("admin.operator@demo.example", nil)
	if code, body := h.api("GET", "/api/v1/organizations/"+regID(own.ID), tok, ""); code != 403 || !strings.Contains(body, "二要素認証") {
		t.Fatalf("token under the 2FA rule: %d %s", code, body)
	}
	after.Require2FA = false
	if err := h.db.UpdateOrg(ctx, after); err != nil {
		t.Fatal(err)
	}
	// The same through the API: restricted fields are refused, others pass.
	if code, body := h.api("PATCH", "/api/v1/organizations/"+regID(own.ID), tok, `{"type":"nisc"}`); code != 403 {
		t.Errorf("API type change by own admin: %d %s", code, body)
	}
	if code, body := h.api("PATCH", "/api/v1/organizations/"+regID(own.ID), tok, `{"sector_ids":[]}`); code != 403 {
		t.Errorf("API sector change by own admin: %d %s", code, body)
	}
	// Sending the current values of restricted fields is fine.
	code, body = h.api("PATCH", "/api/v1/organizations/"+regID(own.ID), tok, `{"name":"`+own.Name+`","require_2fa":false,"name_kana":"タチバナ"}`)
	if code != 200 {
		t.Fatalf("API profile change: %d %s", code, body)
	}
	if o := regDecode[ceptor.Organization](t, body); o.Require2FA || o.NameKana != "タチバナ" {
		t.Errorf("API profile change not applied: %+v", o)
	}
	// The analyst of the same organisation changes nothing.
	if code, _ := h.api("PATCH", "/api/v1/organizations/"+regID(own.ID), h.token("analyst.operator@demo.example", nil), `{"notes":"x"}`); code != 403 {
		t.Errorf("analyst profile change: %d", code)
	}
	// Unknown JSON fields are refused rather than ignored.
	if code, _ := h.api("PATCH", "/api/v1/organizations/"+regID(own.ID), tok, `{"active":false}`); code != 422 {
		t.Errorf("unknown field: %d", code)
	}
}

// testOrgMinistryRemit: a ministry registers and changes operators and
// providers of its own sectors only.
func testOrgMinistryRemit(t *testing.T, h *harness) {
	c := h.login("admin.ministry@demo.example")
	c.get("/registry/orgs/new")
	code, body, _ := c.post("/registry/orgs/new", orgForm("電力会社（所管外）", url.Values{"sector": {regID(h.regSectorID("electricity"))}}))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "所管する分野の") {
		t.Errorf("outside remit: %d", code)
	}
	code, body, _ = c.post("/registry/orgs/new", orgForm("省庁もどき", url.Values{"type": {"nisc"}, "sector": {regID(h.regSectorID("finance"))}}))
	if code != http.StatusUnprocessableEntity {
		t.Errorf("ministry registers NISC: %d", code)
	}
	code, _, loc := c.post("/registry/orgs/new", orgForm("みなと信用金庫（試験）", url.Values{"sector": {regID(h.regSectorID("finance"))}}))
	if code != http.StatusSeeOther {
		t.Fatalf("ministry registers a finance operator: %d", code)
	}
	// Moving it out of the ministry's sectors is refused.
	tok := h.token("admin.ministry@demo.example", nil)
	oid := strings.TrimPrefix(loc, "/registry/orgs/")
	code, body = h.api("PATCH", "/api/v1/organizations/"+oid, tok, `{"sector_ids":[`+regID(h.regSectorID("gas"))+`]}`)
	if code != 422 || !strings.Contains(body, "sector_ids") {
		t.Errorf("move out of remit: %d %s", code, body)
	}
	if code, body := h.api("PATCH", "/api/v1/organizations/"+oid, tok, `{"sector_ids":[`+regID(h.regSectorID("finance"))+`,`+regID(h.regSectorID("gas"))+`]}`); code != 200 {
		t.Errorf("add a sector while keeping one of its own: %d %s", code, body)
	}
	// The ministry keeps operators, not the public bodies of its sectors.
	sec := h.regDemoOrg("secretariat:bank")
	if code, _ := h.api("PATCH", "/api/v1/organizations/"+regID(sec.ID), tok, `{"notes":"x"}`); code != 403 {
		t.Errorf("ministry edits a secretariat: %d", code)
	}
}

func testOrgActivation(t *testing.T, h *harness) {
	ctx := context.Background()
	target := h.regDemoOrg(h.ds.Members("electricity")[0])
	c := h.login("admin.nisc@demo.example")
	path := "/registry/orgs/" + regID(target.ID)
	_, body := c.get(path)
	if !strings.Contains(body, `data-confirm="`) || !strings.Contains(body, path+"/deactivate") {
		t.Fatal("no confirmed deactivate form")
	}
	if code, _, loc := c.post(path+"/deactivate", nil); code != http.StatusSeeOther || loc != path {
		t.Fatalf("deactivate: %d %q", code, loc)
	}
	if o, _ := h.db.FindOrg(ctx, target.ID); o.Active {
		t.Fatal("still active")
	}
	_, body = c.get(path)
	if !strings.Contains(body, "無効化しました") || !strings.Contains(body, path+"/reactivate") {
		t.Error("page after deactivation")
	}
	// Its people are out.
	if code, _ := h.api("GET", "/api/v1/organizations", h.token("admin.op-electricity@demo.example", nil), ""); code != 401 {
		t.Errorf("token of a deactivated organisation: %d", code)
	}
	if code, _, _ := c.post(path+"/reactivate", nil); code != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", code)
	}
	if o, _ := h.db.FindOrg(ctx, target.ID); !o.Active {
		t.Fatal("not reactivated")
	}
	if h.regAudited("org.deactivate", target.ID) != 1 || h.regAudited("org.reactivate", target.ID) != 1 {
		t.Error("activation changes not audited")
	}
	// Nobody deactivates their own organisation.
	own := h.regDemoOrg("nisc")
	if code, body, _ := c.post("/registry/orgs/"+regID(own.ID)+"/deactivate", nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "自組織を無効化することはできません") {
		t.Errorf("own deactivation: %d", code)
	}
}

// testContacts: the secretariat keeps its members' contacts; the member
// keeps its own; others may not.
func testContacts(t *testing.T, h *harness) {
	ctx := context.Background()
	member := h.regDemoOrg(h.ds.Members("bank")[2])
	base := "/registry/orgs/" + regID(member.ID)
	c := h.login("admin.secretariat@demo.example")
	c.get(base + "/contacts/new")
	// Validation in Japanese, input kept.
	code, body, _ := c.post(base+"/contacts/new", url.Values{"name": {"夜間窓口"}, "kind": {"alternate"}, "lang": {"ja"}, "active": {"1"}})
	if code != 422 || !strings.Contains(body, "メール・電話・Webhook URLのいずれかを入力してください") || !strings.Contains(body, `value="夜間窓口"`) {
		t.Fatalf("contact validation: %d", code)
	}
	code, body, _ = c.post(base+"/contacts/new?lang=en", url.Values{"name": {"Night desk"}, "email": {"not-an-email"}, "priority": {"x"}})
	if code != 422 || !strings.Contains(body, "Enter a valid e-mail address") || !strings.Contains(body, "0 to 999") {
		t.Fatalf("contact validation (en): %d", code)
	}
	code, _, loc := c.post(base+"/contacts/new", url.Values{"name": {"夜間窓口"}, "kind": {"alternate"}, "priority": {"2"},
		"email": {"night@bank.example.jp"}, "phone": {"03-0000-1234"}, "lang": {"en"}, "active": {"1"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, base) {
		t.Fatalf("contact create: %d %q", code, loc)
	}
	var created *ceptor.Contact
	list, _ := h.db.ListContacts(ctx, member.ID)
	for _, x := range list {
		if x.Email == "night@bank.example.jp" {
			created = x
		}
	}
	if created == nil || created.Kind != ceptor.ContactAlternate || created.Priority != 2 || created.Lang != "en" || !created.Active {
		t.Fatalf("stored contact %+v", created)
	}
	edit := base + "/contacts/" + regID(created.ID) + "/edit"
	c.get(edit)
	if code, _, _ := c.post(edit, url.Values{"name": {"夜間窓口（更新）"}, "kind": {"primary"}, "email": {"night@bank.example.jp"}, "lang": {"ja"}}); code != http.StatusSeeOther {
		t.Fatalf("contact edit: %d", code)
	}
	upd, _ := h.db.FindContact(ctx, created.ID)
	if upd.Name != "夜間窓口（更新）" || upd.Kind != ceptor.ContactPrimary || upd.Active {
		t.Fatalf("edited contact %+v", upd)
	}
	// A contact of another organisation cannot be reached through this one.
	otherList, _ := h.db.ListContacts(ctx, h.regDemoOrg(h.ds.Members("bank")[3]).ID)
	if code, _ := c.get(base + "/contacts/" + regID(otherList[0].ID) + "/edit"); code != 404 {
		t.Errorf("contact of another organisation: %d", code)
	}
	// The member's analyst and a fellow operator may not change it.
	op := h.login("admin.operator@demo.example")
	op.get("/")
	if code, _, _ := op.post(base+"/contacts/"+regID(created.ID)+"/delete", nil); code != 404 {
		t.Errorf("fellow operator deletes a contact: %d", code)
	}
	if code, _, _ := c.post(base+"/contacts/"+regID(created.ID)+"/delete", nil); code != http.StatusSeeOther {
		t.Fatalf("contact delete: %d", code)
	}
	if _, err := h.db.FindContact(ctx, created.ID); ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		t.Fatal("contact not deleted")
	}
	for _, a := range []string{"contact.create", "contact.update", "contact.delete"} {
		if h.regAudited(a, member.ID) != 1 {
			t.Errorf("%s not audited", a)
		}
	}
}

func testOrgAPIWrites(t *testing.T, h *harness) {
	ctx := context.Background()
	tok := h.token("admin.nisc@demo.example", nil)
	gas := h.regSectorID("gas")
	code, body := h.api("POST", "/api/v1/organizations", tok, `{"name":"API瓦斯（試験）","name_en":"API Gas","type":"operator","sector_ids":[`+regID(gas)+`],"ceptor_ids":[`+regID(h.regCeptorID("gas"))+`],"domains":["api-gas.example.jp"]}`)
	if code != 201 {
		t.Fatalf("API create: %d %s", code, body)
	}
	o := regDecode[ceptor.Organization](t, body)
	if o.ID == 0 || !o.Active || !slices.Equal(o.SectorIDs, []int64{gas}) {
		t.Fatalf("created %+v", o)
	}
	p := "/api/v1/organizations/" + regID(o.ID)
	if code, body := h.api("POST", "/api/v1/organizations", tok, `{"name":"","type":"operator","website":"javascript:alert(1)"}`); code != 422 ||
		!strings.Contains(body, `"name"`) || !strings.Contains(body, `"website"`) {
		t.Errorf("API validation: %d %s", code, body)
	}
	if code, body := h.api("POST", "/api/v1/organizations?lang=en", tok, `{"name":"API瓦斯（試験）","type":"operator"}`); code != 422 || !strings.Contains(body, "This already exists") {
		t.Errorf("API duplicate: %d %s", code, body)
	}
	if code, body := h.api("PATCH", p, tok, `{"notes":"API で更新","prefecture":"大阪府"}`); code != 200 || !strings.Contains(body, "大阪府") {
		t.Errorf("API patch: %d %s", code, body)
	}
	if code, body := h.api("POST", p+"/deactivate", tok, ""); code != 200 || !strings.Contains(body, `"active":false`) {
		t.Errorf("API deactivate: %d %s", code, body)
	}
	if code, body := h.api("POST", p+"/reactivate", tok, ""); code != 200 || !strings.Contains(body, `"active":true`) {
		t.Errorf("API reactivate: %d %s", code, body)
	}
	// Contacts.
	code, body = h.api("POST", p+"/contacts", tok, `{"name":"保安窓口","email":"hoan@api-gas.example.jp"}`)
	if code != 201 {
		t.Fatalf("API contact create: %d %s", code, body)
	}
	ct := regDecode[ceptor.Contact](t, body)
	if ct.Kind != ceptor.ContactPrimary || ct.Lang != "ja" || !ct.Active {
		t.Errorf("contact defaults %+v", ct)
	}
	cp := p + "/contacts/" + regID(ct.ID)
	if code, body := h.api("PATCH", cp, tok, `{"phone":"06-0000-1111","email":""}`); code != 200 || !strings.Contains(body, "06-0000-1111") {
		t.Errorf("API contact patch: %d %s", code, body)
	}
	if code, body := h.api("PATCH", cp, tok, `{"phone":""}`); code != 422 || !strings.Contains(body, `"email"`) {
		t.Errorf("API contact without channel: %d %s", code, body)
	}
	if code, body := h.api("GET", p+"/contacts", tok, ""); code != 200 || !strings.Contains(body, "保安窓口") {
		t.Errorf("API contacts: %d %s", code, body)
	}
	if code, _ := h.api("DELETE", cp, tok, ""); code != 204 {
		t.Errorf("API contact delete: %d", code)
	}
	if code, _ := h.api("DELETE", cp, tok, ""); code != 404 {
		t.Errorf("API contact delete twice: %d", code)
	}
	if n, _ := h.db.ListContacts(ctx, o.ID); len(n) != 0 {
		t.Error("contact still stored")
	}
	if h.regAudited("org.", o.ID) != 4 || h.regAudited("contact.", o.ID) != 3 {
		t.Errorf("API changes audited: org %d contact %d", h.regAudited("org.", o.ID), h.regAudited("contact.", o.ID))
	}
}
