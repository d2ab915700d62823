package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// TestRegistryImport imports CSV and XLSX files through the page and the
// API on both engines: all rows or none, every row checked against the
// policy, problems reported per line in the caller's language.
func TestRegistryImport(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			testImportPage(t, h)
			testImportErrors(t, h)
			testImportPolicy(t, h)
			testImportAPI(t, h)
		})
	}
}

const importGood = "name,name_en,type,sectors,ceptors,prefecture,contact_name,contact_kind,contact_email\r\n" +
	"東西電力（試験）,Tozai Power,operator,electricity,electricity,大阪府,保安センター,primary,soc@tozai.example.jp\r\n" +
	"東西電力（試験）,Tozai Power,operator,electricity,electricity,大阪府,夜間窓口,alternate,night@tozai.example.jp\r\n" +
	"南北クラウド（試験）,Nanboku Cloud,supplier,ict,,東京都,運用部,primary,ops@nanboku.example.jp\r\n"

func orgCount(t *testing.T, h *harness, q string) int {
	t.Helper()
	_, n, err := h.db.ListOrgs(context.Background(), ceptor.OrgFilter{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testImportPage(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.login("admin.nisc@demo.example")
	_, body := c.get("/registry/import")
	for _, w := range []string{`enctype="multipart/form-data"`, "<code>contact_email</code>", "連絡先のメールアドレス", "/registry/import/template.xlsx", `value="check"`, `value="import"`} {
		if !strings.Contains(body, w) {
			t.Errorf("import page lacks %q", w)
		}
	}
	// Check only: the counts, nothing stored.
	code, body, _ := c.regUpload("/registry/import", url.Values{"action": {"check"}}, "orgs.csv", []byte(importGood))
	if code != 200 || !strings.Contains(body, "問題は見つかりませんでした") || !strings.Contains(body, `<span class="num">2</span><span class="lbl">新規登録する組織`) ||
		!strings.Contains(body, `<span class="num">3</span><span class="lbl">連絡先`) {
		t.Fatalf("dry run: %d", code)
	}
	if orgCount(t, h, "東西電力（試験）") != 0 {
		t.Fatal("the check imported")
	}
	// Import.
	before := h.regAudited("registry.import", 0)
	code, _, loc := c.regUpload("/registry/import", url.Values{"action": {"import"}}, "orgs.csv", []byte(importGood))
	if code != http.StatusSeeOther || !strings.Contains(loc, "imported=1") {
		t.Fatalf("import: %d %q", code, loc)
	}
	_, body = c.get(loc)
	if !strings.Contains(body, "インポートが完了しました") || !strings.Contains(body, `<span class="num">2</span><span class="lbl">新規登録した組織`) {
		t.Error("import summary")
	}
	o := h.orgByName("東西電力（試験）")
	contacts, _ := h.db.ListContacts(ctx, o.ID)
	if o.Type != ceptor.OrgOperator || o.Prefecture != "大阪府" || len(o.CeptorIDs) != 1 || len(contacts) != 2 || contacts[1].Kind != ceptor.ContactAlternate {
		t.Fatalf("imported %+v with %d contacts", o, len(contacts))
	}
	if h.regAudited("registry.import", 0) != before+1 {
		t.Error("import not audited")
	}

	// Export, edit, import again: an update that replaces the contacts.
	code, _, data := c.regDownload("/registry/export.csv?q=" + url.QueryEscape("東西電力"))
	if code != 200 || !strings.Contains(string(data), "soc@tozai.example.jp") {
		t.Fatalf("export for update: %d", code)
	}
	edited := strings.ReplaceAll(string(data), "Tozai Power", "Tozai Electric")
	edited = strings.ReplaceAll(edited, "night@tozai.example.jp", "yakan@tozai.example.jp")
	code, body, loc = c.regUpload("/registry/import", url.Values{"action": {"import"}}, "edited.csv", []byte(edited))
	if code != http.StatusSeeOther || !strings.Contains(loc, "updated=1") || !strings.Contains(loc, "created=0") {
		t.Fatalf("update import: %d %q %s", code, loc, body)
	}
	o, _ = h.db.FindOrg(ctx, o.ID)
	contacts, _ = h.db.ListContacts(ctx, o.ID)
	if o.NameEN != "Tozai Electric" || len(contacts) != 2 || contacts[1].Email != "yakan@tozai.example.jp" {
		t.Fatalf("updated %+v %+v", o, contacts)
	}

	// The template and an XLSX round trip.
	code, hdr, tpl := c.regDownload("/registry/import/template.xlsx")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") || len(tpl) < 100 {
		t.Fatalf("template: %d", code)
	}
	_, _, xlsx := c.regDownload("/registry/export.xlsx?q=" + url.QueryEscape("南北クラウド"))
	code, body, _ = c.regUpload("/registry/import", url.Values{"action": {"check"}}, "export.xlsx", xlsx)
	if code != 200 || !strings.Contains(body, `<span class="num">1</span><span class="lbl">更新する組織`) {
		t.Errorf("XLSX re-import check: %d", code)
	}

	// No file.
	if code, body, _ := c.regUpload("/registry/import", url.Values{"action": {"import"}}, "empty.csv", nil); code != 422 || !strings.Contains(body, "ファイルを選択してください") {
		t.Errorf("empty upload: %d", code)
	}
}

func testImportErrors(t *testing.T, h *harness) {
	c := h.login("admin.nisc@demo.example")
	c.get("/registry/import")
	existing := h.regDemoOrg("ministry:fsa").Name
	bad := "name,type,sectors,prefecture,contact_name,contact_email\n" +
		"壊れた組織（試験）,operator,no-such-sector,東京都,窓口,not-an-email\n" +
		",operator,finance,東京都,窓口,x@example.jp\n" +
		"県違い（試験）,operator,finance,東京県,窓口,y@example.jp\n" +
		existing + ",ministry,,東京都,窓口,z@example.jp\n" +
		"正しい組織（試験）,operator,finance,東京都,窓口,ok@example.jp\n"
	code, body, _ := c.regUpload("/registry/import", url.Values{"action": {"import"}}, "bad.csv", []byte(bad))
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d", code)
	}
	for _, w := range []string{"何も取り込んでいません", "登録されていない分野コードです", "メールアドレスの形式が正しくありません",
		"<code>contact_email</code>"} {
		if !strings.Contains(body, w) {
			t.Errorf("error table lacks %q", w)
		}
	}
	if orgCount(t, h, "正しい組織（試験）") != 0 || orgCount(t, h, "県違い（試験）") != 0 {
		t.Fatal("rows of a refused file were imported")
	}
	// Once the file's own errors are fixed, the duplicate of an existing
	// name is reported too, and still nothing is imported.
	dup := "name,type,prefecture\n県違い（試験）,operator,東京県\n" + existing + ",ministry,東京都\n正しい組織（試験）,operator,東京都\n"
	code, body, _ = c.regUpload("/registry/import?lang=en", url.Values{"action": {"import"}}, "dup.csv", []byte(dup))
	if code != 422 || !strings.Contains(body, "This already exists") || !strings.Contains(body, "Choose a prefecture from the list") || !strings.Contains(body, "Nothing was imported") {
		t.Errorf("duplicate name (en): %d", code)
	}
	if orgCount(t, h, "正しい組織（試験）") != 0 {
		t.Fatal("rows of a refused file were imported")
	}
	// Not a spreadsheet at all.
	code, body, _ = c.regUpload("/registry/import", url.Values{"action": {"check"}}, "junk.xlsx", []byte("PK\x03\x04 not really a zip"))
	if code != 422 || !strings.Contains(body, "Excelファイル") {
		t.Errorf("broken XLSX: %d", code)
	}
}

// testImportPolicy: a ministry may import operators and providers of its
// own sectors only; one refused row refuses the file.
func testImportPolicy(t *testing.T, h *harness) {
	c := h.login("admin.ministry@demo.example")
	c.get("/registry/import")
	elec := h.regDemoOrg(h.ds.Members("electricity")[0])
	payment := h.regDemoOrg(h.ds.Members("payment")[0])
	file := "org_id,name,type,sectors,contact_name,contact_email\n" +
		",所管内銀行（試験）,operator,finance,窓口,a@example.jp\n" +
		",所管外ガス（試験）,operator,gas,窓口,b@example.jp\n" +
		",省庁もどき（試験）,ministry,finance,窓口,c@example.jp\n" +
		regID(elec.ID) + "," + elec.Name + ",operator,electricity,窓口,d@example.jp\n" +
		regID(payment.ID) + "," + payment.Name + ",operator,gas,窓口,e@example.jp\n"
	code, body, _ := c.regUpload("/registry/import", url.Values{"action": {"import"}}, "ministry.csv", []byte(file))
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("ministry import: %d", code)
	}
	if n := strings.Count(body, "この組織を登録する権限がありません"); n != 2 {
		t.Errorf("%d create refusals, want 2", n)
	}
	if !strings.Contains(body, "この組織IDの組織は存在しないか") || !strings.Contains(body, "この組織を更新する権限がありません") {
		t.Error("update refusals missing")
	}
	if strings.Contains(body, elec.Name) {
		t.Error("the error table echoes a hidden organisation")
	}
	if orgCount(t, h, "所管内銀行（試験）") != 0 {
		t.Fatal("rows of a refused file were imported")
	}
	// Alone, the row in its remit passes.
	ok := "name,type,sectors,contact_name,contact_email\n所管内銀行（試験）,operator,finance,窓口,a@example.jp\n"
	if code, _, _ := c.regUpload("/registry/import", url.Values{"action": {"import"}}, "ok.csv", []byte(ok)); code != http.StatusSeeOther {
		t.Errorf("ministry import in remit: %d", code)
	}
	// Operators and secretariats do not import.
	for _, who := range []string{"admin.operator", "admin.secretariat", "analyst.nisc"} {
		cl := h.login(who + "@demo.example")
		if code, _ := cl.get("/registry/import"); code != 403 {
			t.Errorf("%s import page: %d", who, code)
		}
		if code, _, _ := cl.regUpload("/registry/import", url.Values{"action": {"import"}}, "ok.csv", []byte(ok)); code != 403 {
			t.Errorf("%s import: %d", who, code)
		}
	}
}

func testImportAPI(t *testing.T, h *harness) {
	tok := h.token("admin.nisc@demo.example", nil)
	file := "name,type,sectors,contact_name,contact_email\nAPI取込（試験）,operator,water,水道窓口,w@example.jp\n"
	code, _, body := h.regAPIRaw("POST", "/api/v1/registry/import?dry_run=true", tok, "text/csv", []byte(file))
	if code != 200 || !strings.Contains(string(body), `"dry_run":true`) || !strings.Contains(string(body), `"created":1`) {
		t.Fatalf("API dry run: %d %s", code, body)
	}
	if orgCount(t, h, "API取込（試験）") != 0 {
		t.Fatal("dry run imported")
	}
	ct, mp := regMultipart("orgs.csv", []byte(file))
	code, _, body = h.regAPIRaw("POST", "/api/v1/registry/import", tok, ct, mp)
	if code != 200 || !strings.Contains(string(body), `"created":1`) || !strings.Contains(string(body), `"contacts":1`) {
		t.Fatalf("API import: %d %s", code, body)
	}
	if orgCount(t, h, "API取込（試験）") != 1 {
		t.Fatal("not imported")
	}
	// Row errors in English, with line and column.
	bad := "name,type,sectors,contact_name,contact_email\nAPI不良（試験）,operator,atlantis,窓口,bad@\n"
	code, _, body = h.regAPIRaw("POST", "/api/v1/registry/import?lang=en", tok, "text/csv", []byte(bad))
	if code != 422 {
		t.Fatalf("API bad import: %d %s", code, body)
	}
	e := regDecode[regAPIError](t, string(body))
	if e.Error.Code != "invalid" || len(e.Rows) != 2 {
		t.Fatalf("API row errors %+v", e)
	}
	for _, r := range e.Rows {
		if r.Line != 2 || r.Column == "" || r.Message == "" || strings.ContainsAny(r.Message, "あいうえおかきくけこ行") {
			t.Errorf("row error %+v", r)
		}
	}
	// Policy and scope.
	if code, _, _ := h.regAPIRaw("POST", "/api/v1/registry/import", h.token("admin.nisc@demo.example", []string{ceptor.ScopeRead, ceptor.ScopeWrite}), "text/csv", []byte(file)); code != 403 {
		t.Errorf("import with a write token: %d", code)
	}
	if code, _, _ := h.regAPIRaw("POST", "/api/v1/registry/import", h.token("admin.operator@demo.example", nil), "text/csv", []byte(file)); code != 403 {
		t.Errorf("operator API import: %d", code)
	}
	if code, _, _ := h.regAPIRaw("POST", "/api/v1/registry/import", tok, "text/csv", nil); code != 422 {
		t.Errorf("empty API import: %d", code)
	}
}
