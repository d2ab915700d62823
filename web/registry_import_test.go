package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"ceptor"

	"github.com/xuri/excelize/v2"
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
			testImportPartial(t, h)
			testImportPartialPolicy(t, h)
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

// regImportFile builds an import file in the format ("csv" or "xlsx") from a
// header and rows; it returns the file name and content.
func regImportFile(t *testing.T, format string, header []string, rows ...[]string) (string, []byte) {
	t.Helper()
	all := append([][]string{header}, rows...)
	if format == "csv" {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(all); err != nil {
			t.Fatal(err)
		}
		return "partial.csv", buf.Bytes()
	}
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range all {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return "partial.xlsx", buf.Bytes()
}

// regOrgState is an organisation and its contacts as stored, without the
// update time, for before/after comparisons.
type regOrgState struct {
	Org      ceptor.Organization
	Contacts []*ceptor.Contact
}

func (h *harness) regState(id int64) regOrgState {
	h.t.Helper()
	ctx := context.Background()
	o, err := h.db.FindOrg(ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	cs, err := h.db.ListContacts(ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	o.UpdatedAt = o.CreatedAt
	return regOrgState{Org: *o, Contacts: cs}
}

// testImportPartial: a row with org_id changes only the fields whose columns
// the file has; the others, and the contacts when the file has no contact
// columns, stay as stored. An empty cell in a present column clears the
// field.
func testImportPartial(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.login("admin.nisc@demo.example")
	_, page := c.get("/registry/import")
	if !strings.Contains(page, "ファイルにない列の項目は変更せず") || !strings.Contains(page, "その項目を空にします") || strings.Contains(page, "空欄として扱われる") {
		t.Error("the import page does not say that columns left out are kept")
	}
	if _, page := c.get("/registry/import?lang=en"); !strings.Contains(page, "Columns left out of the file are kept unchanged") {
		t.Error("the English import page does not say that columns left out are kept")
	}
	elec, gas := h.regSectorID("electricity"), h.regSectorID("gas")
	for _, format := range []string{"csv", "xlsx"} {
		o := &ceptor.Organization{Name: "部分更新電力（試験・" + format + "）", NameEN: "Before", NameKana: "ブブンコウシン",
			Type: ceptor.OrgOperator, EntityKind: ceptor.EntityCIOperator, SectorIDs: []int64{elec, gas},
			CeptorIDs: []int64{h.regCeptorID("electricity"), h.regCeptorID("gas")}, Prefecture: "東京都",
			Website: "https://partial.example.jp/", Domains: []string{"partial.example.jp", "partial.example.com"},
			Require2FA: true, Active: true, Notes: "残すメモ"}
		if err := h.db.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		for i, e := range []string{"soc@partial.example.jp", "night@partial.example.jp"} {
			ct := &ceptor.Contact{OrgID: o.ID, Name: "窓口", Kind: ceptor.ContactPrimary, Priority: i + 1, Email: e, Lang: "ja", Active: true}
			if err := h.db.CreateContact(ctx, ct); err != nil {
				t.Fatal(err)
			}
		}
		before := h.regState(o.ID)
		if len(before.Contacts) != 2 || len(before.Org.SectorIDs) != 2 || len(before.Org.CeptorIDs) != 2 || len(before.Org.Domains) != 2 {
			t.Fatalf("%s: fixture %+v", format, before)
		}
		id := regID(o.ID)

		// Only the English name: the check counts an update, changes nothing.
		name, data := regImportFile(t, format, []string{"org_id", "name", "type", "name_en"}, []string{id, o.Name, "operator", "Partial Power"})
		code, body, _ := c.regUpload("/registry/import", url.Values{"action": {"check"}}, name, data)
		if code != 200 || !strings.Contains(body, `<span class="num">1</span><span class="lbl">更新する組織`) {
			t.Fatalf("%s: partial check: %d", format, code)
		}
		if got := h.regState(o.ID); !reflect.DeepEqual(got, before) {
			t.Fatalf("%s: the check changed %+v", format, got)
		}
		code, body, loc := c.regUpload("/registry/import", url.Values{"action": {"import"}}, name, data)
		if code != http.StatusSeeOther || !strings.Contains(loc, "updated=1") || !strings.Contains(loc, "contacts=0") {
			t.Fatalf("%s: partial import: %d %q %s", format, code, loc, body)
		}
		want := before
		want.Org.NameEN = "Partial Power"
		if got := h.regState(o.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: partial import lost data\n got %+v\nwant %+v", format, got, want)
		}

		// Absent active and require_2fa columns keep an inactive
		// organisation inactive and 2FA required.
		stored, _ := h.db.FindOrg(ctx, o.ID)
		stored.Active = false
		if err := h.db.UpdateOrg(ctx, stored); err != nil {
			t.Fatal(err)
		}
		name, data = regImportFile(t, format, []string{"組織ID", "組織名", "種別", "備考"}, []string{id, o.Name, "重要インフラ事業者", "新しいメモ"})
		if code, _, loc := c.regUpload("/registry/import", url.Values{"action": {"import"}}, name, data); code != http.StatusSeeOther {
			t.Fatalf("%s: notes import: %d %q", format, code, loc)
		}
		want = h.regState(o.ID)
		if want.Org.Active || !want.Org.Require2FA || want.Org.Notes != "新しいメモ" || want.Org.NameEN != "Partial Power" || len(want.Org.SectorIDs) != 2 {
			t.Errorf("%s: notes import: %+v", format, want.Org)
		}

		// A present column with an empty cell clears that field only.
		name, data = regImportFile(t, format, []string{"org_id", "name", "type", "sectors", "website"}, []string{id, o.Name, "operator", "", ""})
		if code, body, loc := c.regUpload("/registry/import", url.Values{"action": {"import"}}, name, data); code != http.StatusSeeOther {
			t.Fatalf("%s: clearing import: %d %q %s", format, code, loc, body)
		}
		want.Org.SectorIDs, want.Org.Website = []int64{}, ""
		if got := h.regState(o.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: clearing import\n got %+v\nwant %+v", format, got, want)
		}

		// Contact columns present: the contacts are replaced, the rest kept.
		name, data = regImportFile(t, format, []string{"org_id", "name", "type", "contact_name", "contact_email"},
			[]string{id, o.Name, "operator", "新窓口", "new@partial.example.jp"})
		if code, body, loc := c.regUpload("/registry/import", url.Values{"action": {"import"}}, name, data); code != http.StatusSeeOther || !strings.Contains(loc, "contacts=1") {
			t.Fatalf("%s: contacts import: %d %q %s", format, code, loc, body)
		}
		got := h.regState(o.ID)
		if len(got.Contacts) != 1 || got.Contacts[0].Email != "new@partial.example.jp" || !reflect.DeepEqual(got.Org, want.Org) {
			t.Errorf("%s: contacts import: %+v", format, got)
		}
	}
}

// testImportPartialPolicy: the policy judges the organisation as it would
// be stored. A ministry updating the English name of an operator of its
// sector is not refused because the file has no sectors column, and an
// organisation's own administrator may change its descriptive fields, but
// not its sectors.
func testImportPartialPolicy(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.login("admin.ministry@demo.example")
	c.get("/registry/import")
	bank := h.regDemoOrg(h.ds.Members("bank")[0])
	u, err := h.db.FindUserByEmail(ctx, "admin.ministry@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	own, err := h.db.FindOrg(ctx, u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"csv", "xlsx"} {
		bankBefore, ownBefore := h.regState(bank.ID), h.regState(own.ID)
		name, data := regImportFile(t, format, []string{"org_id", "name", "type", "name_en", "website"},
			[]string{regID(bank.ID), bank.Name, "operator", "Bank " + format, "https://bank.example.jp/" + format},
			[]string{regID(own.ID), own.Name, string(own.Type), "Own " + format, "https://own.example.jp/" + format})
		code, body, loc := c.regUpload("/registry/import", url.Values{"action": {"import"}}, name, data)
		if code != http.StatusSeeOther || !strings.Contains(loc, "updated=2") {
			t.Fatalf("%s: ministry partial import: %d %q %s", format, code, loc, body)
		}
		wantBank, wantOwn := bankBefore, ownBefore
		wantBank.Org.NameEN, wantBank.Org.Website = "Bank "+format, "https://bank.example.jp/"+format
		wantOwn.Org.NameEN, wantOwn.Org.Website = "Own "+format, "https://own.example.jp/"+format
		if got := h.regState(bank.ID); !reflect.DeepEqual(got, wantBank) {
			t.Errorf("%s: operator\n got %+v\nwant %+v", format, got, wantBank)
		}
		if got := h.regState(own.ID); !reflect.DeepEqual(got, wantOwn) {
			t.Errorf("%s: own organisation\n got %+v\nwant %+v", format, got, wantOwn)
		}
		// Its own sectors are NISC's to change.
		name, data = regImportFile(t, format, []string{"org_id", "name", "type", "sectors"},
			[]string{regID(own.ID), own.Name, string(own.Type), "water"})
		code, body, _ = c.regUpload("/registry/import", url.Values{"action": {"import"}}, name, data)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "この組織を更新する権限がありません") {
			t.Errorf("%s: own sectors: %d", format, code)
		}
		if got := h.regState(own.ID); !reflect.DeepEqual(got, wantOwn) {
			t.Errorf("%s: a refused file changed the own organisation", format)
		}
	}
}
