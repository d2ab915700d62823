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

// TestRegistryCatalog: sectors and CEPTORs are edited by NISC
// administrators only; a CEPTOR's members by NISC and its own secretariat.
func TestRegistryCatalog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	fsa, nisc := h.regDemoOrg("ministry:fsa"), h.regDemoOrg("nisc")

	t.Run("sectors", func(t *testing.T) {
		for _, who := range []string{"admin.ministry", "analyst.nisc", "admin.secretariat"} {
			c := h.login(who + "@demo.example")
			if code, _ := c.get("/registry/sectors/new"); code != 403 {
				t.Errorf("%s sector form: %d", who, code)
			}
			if code, _, _ := c.post("/registry/sectors/1/edit", url.Values{"code": {"x"}, "name_ja": {"x"}, "name_en": {"x"}}); code != 403 {
				t.Errorf("%s sector edit: %d", who, code)
			}
			_, body := c.get("/registry/sectors")
			if strings.Contains(body, "/registry/sectors/new") || strings.Contains(body, "/edit") {
				t.Errorf("%s sees sector edit buttons", who)
			}
		}
		c := h.login("admin.nisc@demo.example")
		_, body := c.get("/registry/sectors")
		if n := strings.Count(body, `href="/registry/orgs?sector=`); n != 15 {
			t.Errorf("sector list shows %d sectors", n)
		}
		if !strings.Contains(body, "金融庁") || !strings.Contains(body, "港湾") || !strings.Contains(body, "2024") {
			t.Error("sector list lacks ministry or since")
		}
		c.get("/registry/sectors/new")
		code, body, _ := c.post("/registry/sectors/new", url.Values{"code": {"space"}, "name_ja": {"宇宙"}, "name_en": {"Space"},
			"ministry_org_id": {regID(nisc.ID)}, "sort_order": {"160"}, "since": {"2027"}, "active": {"1"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "所管省庁には") || !strings.Contains(body, `value="宇宙"`) {
			t.Fatalf("sector with a non-ministry: %d", code)
		}
		code, body, _ = c.post("/registry/sectors/new?lang=en", url.Values{"code": {"finance"}, "name_ja": {""}, "name_en": {"Space"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "This field is required") {
			t.Fatalf("sector validation: %d", code)
		}
		code, _, _ = c.post("/registry/sectors/new", url.Values{"code": {"space"}, "name_ja": {"宇宙"}, "name_en": {"Space"},
			"ministry_org_id": {regID(fsa.ID)}, "sort_order": {"160"}, "since": {"2027"}, "active": {"1"}})
		if code != http.StatusSeeOther {
			t.Fatalf("sector create: %d", code)
		}
		space := h.regSectorID("space")
		x, _ := h.db.FindSector(ctx, space)
		if x.NameJA != "宇宙" || x.MinistryOrgID != fsa.ID || x.SortOrder != 160 || x.Since != "2027" || !x.Active {
			t.Fatalf("stored sector %+v", x)
		}
		// Duplicate code.
		if code, body, _ := c.post("/registry/sectors/new", url.Values{"code": {"space"}, "name_ja": {"宇宙2"}, "name_en": {"Space 2"}}); code != 422 || !strings.Contains(body, "既に登録") {
			t.Errorf("duplicate sector code: %d", code)
		}
		c.get("/registry/sectors/" + regID(space) + "/edit")
		if code, _, _ := c.post("/registry/sectors/"+regID(space)+"/edit", url.Values{"code": {"space"}, "name_ja": {"宇宙"}, "name_en": {"Outer space"},
			"ministry_org_id": {"0"}, "sort_order": {"5"}, "since": {"2027"}}); code != http.StatusSeeOther {
			t.Fatalf("sector edit: %d", code)
		}
		x, _ = h.db.FindSector(ctx, space)
		if x.NameEN != "Outer space" || x.MinistryOrgID != 0 || x.Active {
			t.Fatalf("edited sector %+v", x)
		}
		// API.
		tok := h.token("admin.nisc@demo.example", nil)
		if code, body := h.api("PATCH", "/api/v1/sectors/"+regID(space), tok, `{"active":true,"ministry_org_id":`+regID(fsa.ID)+`}`); code != 200 || !strings.Contains(body, `"active":true`) {
			t.Errorf("API sector patch: %d %s", code, body)
		}
		if code, _ := h.api("POST", "/api/v1/sectors", h.token("admin.ministry@demo.example", nil), `{"code":"moon","name_ja":"月","name_en":"Moon"}`); code != 403 {
			t.Errorf("ministry API sector create: %d", code)
		}
		if code, body := h.api("POST", "/api/v1/sectors", tok, `{"code":"moon","name_ja":"月","name_en":"Moon"}`); code != 201 || !strings.Contains(body, `"code":"moon"`) {
			t.Errorf("API sector create: %d %s", code, body)
		}
		if code, body := h.api("GET", "/api/v1/sectors", tok, ""); code != 200 || !strings.Contains(body, `"total":17`) {
			t.Errorf("sectors after adding two: %s", body)
		}
		if h.regAudited("sector.", 0) != 4 {
			t.Errorf("sector changes audited %d times", h.regAudited("sector.", 0))
		}
	})

	t.Run("ceptors", func(t *testing.T) {
		sec := h.login("admin.secretariat@demo.example")
		bank := h.regCeptorID("bank")
		if code, _ := sec.get("/registry/ceptors/" + regID(bank) + "/edit"); code != 403 {
			t.Errorf("secretariat edits its CEPTOR: %d", code)
		}
		if code, _ := sec.get("/registry/ceptors/new"); code != 403 {
			t.Errorf("secretariat CEPTOR form: %d", code)
		}
		c := h.login("admin.nisc@demo.example")
		_, body := c.get("/registry/ceptors")
		if n := strings.Count(body, `href="/registry/ceptors/`); n < 21 || !strings.Contains(body, "銀行等セプター") || !strings.Contains(body, "一般社団法人 全国銀行等情報共有協会") {
			t.Errorf("CEPTOR list (%d links)", n)
		}
		secOrg := h.regDemoOrg("secretariat:bank")
		c.get("/registry/ceptors/new")
		code, body, _ := c.post("/registry/ceptors/new", url.Values{"code": {"space-isac"}, "name_ja": {"宇宙セプター"}, "name_en": {"Space CEPTOR"},
			"sector_id": {regID(h.regSectorID("space"))}, "secretariat_org_id": {regID(fsa.ID)}, "active": {"1"}})
		if code != 422 || !strings.Contains(body, "事務局には") {
			t.Fatalf("CEPTOR with a non-secretariat: %d", code)
		}
		code, _, loc := c.post("/registry/ceptors/new", url.Values{"code": {"space-isac"}, "name_ja": {"宇宙セプター"}, "name_en": {"Space CEPTOR"},
			"sector_id": {regID(h.regSectorID("space"))}, "secretariat_org_id": {regID(secOrg.ID)}, "in_council": {"1"}, "active": {"1"}})
		if code != http.StatusSeeOther {
			t.Fatalf("CEPTOR create: %d", code)
		}
		cid := h.regCeptorID("space-isac")
		if loc != "/registry/ceptors/"+regID(cid) {
			t.Errorf("redirect %q", loc)
		}
		x, _ := h.db.FindCeptor(ctx, cid)
		if !x.InCouncil || x.SecretariatOrgID != secOrg.ID {
			t.Fatalf("stored CEPTOR %+v", x)
		}
		c.get(loc + "/edit")
		if code, _, _ := c.post(loc+"/edit", url.Values{"code": {"space-isac"}, "name_ja": {"宇宙セプター"}, "name_en": {"Space ISAC"},
			"sector_id": {regID(h.regSectorID("space"))}, "secretariat_org_id": {"0"}, "active": {"1"}}); code != http.StatusSeeOther {
			t.Fatalf("CEPTOR edit: %d", code)
		}
		if x, _ = h.db.FindCeptor(ctx, cid); x.NameEN != "Space ISAC" || x.InCouncil || x.SecretariatOrgID != 0 {
			t.Fatalf("edited CEPTOR %+v", x)
		}
		if code, body := h.api("PATCH", "/api/v1/ceptors/"+regID(cid), h.token("admin.nisc@demo.example", nil), `{"in_council":true}`); code != 200 || !strings.Contains(body, `"in_council":true`) {
			t.Errorf("API CEPTOR patch: %d %s", code, body)
		}
		if code, _ := h.api("PATCH", "/api/v1/ceptors/"+regID(bank), h.token("admin.secretariat@demo.example", nil), `{"in_council":false}`); code != 403 {
			t.Errorf("secretariat API CEPTOR patch: %d", code)
		}
	})

	t.Run("members", func(t *testing.T) {
		bank := h.regCeptorID("bank")
		base := "/registry/ceptors/" + regID(bank)
		supplier := h.regDemoOrg("supplier:tsubame-msp") // no sectors, visible to everyone
		elec := h.regDemoOrg(h.ds.Members("electricity")[0])
		member := h.regDemoOrg(h.ds.Members("bank")[4])
		sec := h.login("admin.secretariat@demo.example")
		_, body := sec.get(base + "?q=" + url.QueryEscape("ツバメ"))
		if !strings.Contains(body, supplier.Name) || !strings.Contains(body, `name="org_id" value="`+regID(supplier.ID)+`"`) {
			t.Fatal("member search does not offer the provider")
		}
		_, body = sec.get(base + "?q=" + url.QueryEscape(elec.Name))
		if strings.Contains(body, `value="`+regID(elec.ID)+`"`) {
			t.Error("member search offers an organisation the secretariat may not see")
		}
		if code, _, _ := sec.post(base+"/members", url.Values{"org_id": {regID(supplier.ID)}}); code != http.StatusSeeOther {
			t.Fatalf("add member: %d", code)
		}
		if o, _ := h.db.FindOrg(ctx, supplier.ID); !slices.Contains(o.CeptorIDs, bank) {
			t.Fatal("member not added")
		}
		// Refusals: a hidden organisation, a public body, another CEPTOR,
		// an analyst.
		if code, _, _ := sec.post(base+"/members", url.Values{"org_id": {regID(elec.ID)}}); code != 404 {
			t.Errorf("add hidden organisation: %d", code)
		}
		if code, body, _ := sec.post(base+"/members", url.Values{"org_id": {regID(fsa.ID)}}); code != 422 || !strings.Contains(body, "セプターに所属できるのは") {
			t.Errorf("add a ministry: %d", code)
		}
		if code, _, _ := sec.post("/registry/ceptors/"+regID(h.regCeptorID("payment"))+"/members", url.Values{"org_id": {regID(supplier.ID)}}); code != 403 {
			t.Errorf("manage another CEPTOR: %d", code)
		}
		an := h.login("analyst.secretariat@demo.example")
		if code, _, _ := an.post(base+"/members/"+regID(member.ID)+"/remove", nil); code != 403 {
			t.Errorf("analyst removes a member: %d", code)
		}
		// Remove, twice.
		if code, _, _ := sec.post(base+"/members/"+regID(member.ID)+"/remove", nil); code != http.StatusSeeOther {
			t.Fatalf("remove member: %d", code)
		}
		if o, _ := h.db.FindOrg(ctx, member.ID); slices.Contains(o.CeptorIDs, bank) {
			t.Fatal("member not removed")
		}
		// Once removed it is no longer the secretariat's to see.
		if code, _, _ := sec.post(base+"/members/"+regID(member.ID)+"/remove", nil); code != 404 {
			t.Errorf("remove again: %d", code)
		}
		// NISC through the API.
		tok := h.token("admin.nisc@demo.example", nil)
		p := "/api/v1/ceptors/" + regID(bank) + "/members/" + regID(member.ID)
		if code, body := h.api("PUT", p, tok, ""); code != 200 || !strings.Contains(body, regID(bank)) {
			t.Errorf("API add member: %d %s", code, body)
		}
		if code, _ := h.api("PUT", p, tok, ""); code != 200 {
			t.Errorf("API add member twice: %d", code)
		}
		if code, _ := h.api("DELETE", "/api/v1/ceptors/"+regID(bank)+"/members/"+regID(supplier.ID), tok, ""); code != 204 {
			t.Errorf("API remove member: %d", code)
		}
		if code, _ := h.api("DELETE", "/api/v1/ceptors/"+regID(bank)+"/members/"+regID(supplier.ID), tok, ""); code != 404 {
			t.Errorf("API remove non-member: %d", code)
		}
		if code, _ := h.api("PUT", p, h.token("admin.secretariat@demo.example", []string{ceptor.ScopeRead}), ""); code != 403 {
			t.Errorf("read-only token adds a member: %d", code)
		}
		if n := h.regAudited("ceptor.member_", 0); n != 4 {
			t.Errorf("membership changes audited %d times, want 4", n)
		}
	})
}
