package registryio

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"ceptor"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

func testLookup() *Lookup {
	return NewLookup(
		[]*ceptor.Sector{
			{ID: 1, Code: "electricity", NameJA: "電力", NameEN: "Electricity"},
			{ID: 2, Code: "finance", NameJA: "金融", NameEN: "Finance"},
			{ID: 3, Code: "telecom", NameJA: "情報通信", NameEN: "Information and communication"},
			nil,
		},
		[]*ceptor.Ceptor{
			{ID: 10, Code: "denki", NameJA: "電力セプター", NameEN: "Electricity CEPTOR"},
			{ID: 11, Code: "bank", NameJA: "銀行等", NameEN: "Banks"},
			{ID: 12, Code: "telecom-c", NameJA: "電気通信", NameEN: "Telecommunications"},
		},
	)
}

const enHeader = "org_id,name,name_en,name_kana,type,entity_kind,sectors,ceptors,prefecture,website,domains,require_2fa,active,notes,contact_name,contact_department,contact_kind,contact_priority,contact_email,contact_phone,contact_webhook_url,contact_lang\n"

// readCase is one scenario for the readers. want lists the expected errors in
// order (Value is compared only when set); check inspects the rows of a good
// file.
type readCase struct {
	name  string
	in    string
	want  []RowError
	check func(t *testing.T, rows []*ceptor.ImportRow)
}

func longString(n int) string { return strings.Repeat("あ", n) }

var readCases = []readCase{
	{
		name: "good file, two organisations",
		in: enHeader +
			",東都電力株式会社,Toto Electric,トウトデンリョク,operator,ci_operator,electricity,denki,東京都,https://www.toto-denki.example.jp/,toto-denki.example.jp;toto.example.jp,true,true,,情報セキュリティ室,システム部,primary,,soc@toto-denki.example.jp,03-1234-5678,,ja\n" +
			",東都電力株式会社,,,,,,,,,,,,,夜間窓口,,alternate,,,03-1234-9999,,en\n" +
			",東都電力株式会社,,,,,,,,,,,,,副担当,,primary,,ciso@toto-denki.example.jp,,,\n" +
			"7,みなと銀行,,,operator,,finance;telecom,bank,,,,false,false,note,,,,,,,,\n",
		check: func(t *testing.T, rows []*ceptor.ImportRow) {
			if len(rows) != 2 {
				t.Fatalf("got %d rows, want 2", len(rows))
			}
			a, b := rows[0], rows[1]
			if a.Line != 2 || b.Line != 5 || !a.ReplaceContacts || !b.ReplaceContacts {
				t.Errorf("lines/replace: %+v %+v", a, b)
			}
			o := a.Org
			if o.ID != 0 || o.Name != "東都電力株式会社" || o.NameEN != "Toto Electric" || o.NameKana != "トウトデンリョク" ||
				o.Type != ceptor.OrgOperator || o.EntityKind != ceptor.EntityCIOperator || o.Prefecture != "東京都" ||
				!o.Require2FA || !o.Active || !reflect.DeepEqual(o.SectorIDs, []int64{1}) || !reflect.DeepEqual(o.CeptorIDs, []int64{10}) ||
				!reflect.DeepEqual(o.Domains, []string{"toto-denki.example.jp", "toto.example.jp"}) {
				t.Errorf("org a: %+v", o)
			}
			if len(a.Contacts) != 3 {
				t.Fatalf("contacts: %+v", a.Contacts)
			}
			c0, c1, c2 := a.Contacts[0], a.Contacts[1], a.Contacts[2]
			if c0.Name != "情報セキュリティ室" || c0.Department != "システム部" || c0.Kind != ceptor.ContactPrimary || c0.Priority != 1 ||
				c0.Email != "soc@toto-denki.example.jp" || c0.Phone != "03-1234-5678" || c0.Lang != "ja" || !c0.Active {
				t.Errorf("c0: %+v", c0)
			}
			if c1.Kind != ceptor.ContactAlternate || c1.Priority != 1 || c1.Lang != "en" {
				t.Errorf("c1: %+v", c1)
			}
			if c2.Kind != ceptor.ContactPrimary || c2.Priority != 2 || c2.Lang != "ja" {
				t.Errorf("c2: %+v", c2)
			}
			o = b.Org
			if o.ID != 7 || o.Require2FA || o.Active || o.Notes != "note" || !reflect.DeepEqual(o.SectorIDs, []int64{2, 3}) || len(b.Contacts) != 0 {
				t.Errorf("org b: %+v contacts %+v", o, b.Contacts)
			}
		},
	},
	{
		name: "Japanese headers and labels, columns in another order",
		in: "連絡先氏名,組織名,種別,分野,セプター,二要素認証必須,有効,連絡先区分,優先順位,メール,電話,言語,法的区分,組織ID\n" +
			"山田,北海市,事案対処・防災機関,電力、金融,銀行等,はい,○,正,2,yamada@city.example.jp,,日本語,地方公共団体,12\n" +
			"鈴木,,,,,,,副,,suzuki@city.example.jp,,英語,,１２\n",
		check: func(t *testing.T, rows []*ceptor.ImportRow) {
			if len(rows) != 1 {
				t.Fatalf("got %d rows", len(rows))
			}
			o := rows[0].Org
			if o.ID != 12 || o.Type != ceptor.OrgResponse || o.EntityKind != ceptor.EntityLocalGov || !o.Require2FA || !o.Active ||
				!reflect.DeepEqual(o.SectorIDs, []int64{1, 2}) || !reflect.DeepEqual(o.CeptorIDs, []int64{11}) {
				t.Errorf("org: %+v", o)
			}
			cs := rows[0].Contacts
			if len(cs) != 2 || cs[0].Priority != 2 || cs[0].Kind != ceptor.ContactPrimary || cs[1].Kind != ceptor.ContactAlternate ||
				cs[1].Lang != "en" || cs[0].OrgID != 12 {
				t.Errorf("contacts: %+v", cs)
			}
		},
	},
	{
		name: "type labels, booleans and header without contact columns",
		in: "name,type,active,require_2fa\n" +
			"内閣官房,内閣官房/NISC,×,いいえ\n" +
			"某省,所管省庁,yes,0\n" +
			"事務局A,セプター事務局,,\n" +
			"カウンシル,セプターカウンシル,1,TRUE\n" +
			"機関B,セキュリティ関係機関,no,false\n" +
			"クラウド社,サプライチェーン事業者,,\n" +
			"C社,重要インフラ事業者,,\n",
		check: func(t *testing.T, rows []*ceptor.ImportRow) {
			want := []ceptor.OrgType{ceptor.OrgNISC, ceptor.OrgMinistry, ceptor.OrgSecretariat, ceptor.OrgCouncil, ceptor.OrgSecurity, ceptor.OrgSupplier, ceptor.OrgOperator}
			if len(rows) != len(want) {
				t.Fatalf("got %d rows", len(rows))
			}
			for i, r := range rows {
				if r.Org.Type != want[i] || r.ReplaceContacts || r.Contacts != nil {
					t.Errorf("row %d: %+v", i, r)
				}
			}
			if rows[0].Org.Active || !rows[1].Org.Active || !rows[2].Org.Active || !rows[3].Org.Require2FA || rows[4].Org.Active {
				t.Errorf("booleans wrong")
			}
		},
	},
	{
		name: "formula guard quote is removed",
		in:   "name,type,notes,contact_name,contact_phone\nA社,operator,'=1+2,'@desk,'+81-3-1234-5678\n",
		check: func(t *testing.T, rows []*ceptor.ImportRow) {
			if rows[0].Org.Notes != "=1+2" || rows[0].Contacts[0].Name != "@desk" || rows[0].Contacts[0].Phone != "+81-3-1234-5678" {
				t.Errorf("got %+v", rows[0])
			}
		},
	},
	{
		name: "CRLF, quoted cells with line breaks and blank lines",
		in:   "name,type,notes\r\n\r\nA社,operator,\"line1\r\nline2\"\r\n,,\r\nB社,operator,x\r\n",
		check: func(t *testing.T, rows []*ceptor.ImportRow) {
			if len(rows) != 2 || rows[0].Org.Notes != "line1\nline2" || rows[1].Line != 6 {
				t.Errorf("got %+v %+v", rows[0], rows[1])
			}
		},
	},
	{
		name: "BOM",
		in:   "\ufeffname,type\nA社,operator\n",
		check: func(t *testing.T, rows []*ceptor.ImportRow) {
			if len(rows) != 1 || rows[0].Org.Name != "A社" {
				t.Errorf("got %+v", rows)
			}
		},
	},
	{
		name: "unknown column",
		in:   "name,type,color\nA社,operator,red\n",
		want: []RowError{{Line: 1, Column: "color", Key: KeyUnknownColumn}},
	},
	{
		name: "duplicate and missing columns",
		in:   "name,組織名,notes\nA社,A社,x\n",
		want: []RowError{{Line: 1, Column: "組織名", Key: KeyDuplicateColumn}, {Line: 1, Column: "type", Key: KeyMissingColumn}},
	},
	{
		name: "bad email",
		in:   "name,type,contact_name,contact_email\nA社,operator,担当,foo@\n",
		want: []RowError{{Line: 2, Column: "contact_email", Key: KeyEmail, Value: "foo@"}},
	},
	{
		name: "unknown sector and CEPTOR codes",
		in:   "name,type,sectors,ceptors\nA社,operator,finance;nosuch;other,bank\nB社,operator,FINANCE,nope\n",
		want: []RowError{
			{Line: 2, Column: "sectors", Key: KeyUnknownSector, Value: "nosuch, other"},
			{Line: 3, Column: "ceptors", Key: KeyUnknownCeptor, Value: "nope"},
		},
	},
	{
		name: "bad type and missing type",
		in:   "name,type\nA社,bank\nB社,\n",
		want: []RowError{
			{Line: 2, Column: "type", Key: KeyOrgType, Value: "bank"},
			{Line: 3, Column: "type", Key: KeyRequired},
		},
	},
	{
		name: "bad boolean",
		in:   "name,type,active,二要素認証必須\nA社,operator,maybe,たぶん\n",
		want: []RowError{
			{Line: 2, Column: "active", Key: KeyBool, Value: "maybe"},
			{Line: 2, Column: "二要素認証必須", Key: KeyBool, Value: "たぶん"},
		},
	},
	{
		name: "duplicated org_id with conflicting fields",
		in: "org_id,name,type,sectors,contact_name,contact_email\n" +
			"5,A社,operator,finance;telecom,a,a@a.example.jp\n" +
			"5,A社,operator,telecom;finance,b,b@a.example.jp\n" +
			"5,B社,security,,c,c@a.example.jp\n" +
			"6,C社,operator,,,\n" +
			"6,,operator,electricity,,\n",
		want: []RowError{
			{Line: 4, Column: "name", Key: KeyConflict, Value: "B社"},
			{Line: 4, Column: "type", Key: KeyConflict, Value: "security"},
		},
	},
	{
		name: "too long cell and name",
		in:   "name,type,notes\n" + longString(201) + ",operator," + longString(MaxCellChars+1) + "\n",
		want: []RowError{
			{Line: 2, Column: "name", Key: KeyTooLong},
			{Line: 2, Column: "notes", Key: KeyCellTooLong},
		},
	},
	{
		name: "bad org_id, missing name, bad priority",
		in:   "org_id,name,type,contact_name,contact_email,contact_priority\nabc,A社,operator,,,\n-1,B社,operator,,,\n,,operator,,,\n,D社,operator,x,x@d.example.jp,first\n",
		want: []RowError{
			{Line: 2, Column: "org_id", Key: KeyOrgID, Value: "abc"},
			{Line: 3, Column: "org_id", Key: KeyOrgID, Value: "-1"},
			{Line: 4, Column: "name", Key: KeyRequired},
			{Line: 5, Column: "contact_priority", Key: KeyPriority, Value: "first"},
		},
	},
	{
		name: "contact problems",
		in: "name,type,contact_name,contact_kind,contact_email,contact_phone,contact_webhook_url,contact_lang\n" +
			"A社,operator,担当,,,,,\n" +
			"A社,operator,,,a@a.example.jp,,,\n" +
			"A社,operator,担当,三,a@a.example.jp,03-12,ftp://x,fr\n",
		want: []RowError{
			{Line: 2, Column: "contact_email", Key: KeyContactChannel},
			{Line: 3, Column: "contact_name", Key: KeyRequired},
			{Line: 4, Column: "contact_kind", Key: KeyContactKind, Value: "三"},
			{Line: 4, Column: "contact_phone", Key: KeyPhone, Value: "03-12"},
			{Line: 4, Column: "contact_webhook_url", Key: KeyURL, Value: "ftp://x"},
			{Line: 4, Column: "contact_lang", Key: KeyLang, Value: "fr"},
		},
	},
	{
		name: "organisation field problems",
		in:   "name,type,entity_kind,website,domains,name_en\nA社,operator,bank,www.example.jp,a.example.jp;bad_domain,\nB社,operator,,,," + strings.Repeat("x", 201) + "\n",
		want: []RowError{
			{Line: 2, Column: "entity_kind", Key: KeyEntityKind, Value: "bank"},
			{Line: 2, Column: "website", Key: KeyURL, Value: "www.example.jp"},
			{Line: 2, Column: "domains", Key: KeyDomain},
			{Line: 3, Column: "name_en", Key: KeyTooLong},
		},
	},
	{
		name: "unnamed column and control character",
		in:   "name,type,\nA社,operator,,\nB社,operator,,x\nC\x01社,operator\n",
		want: []RowError{
			{Line: 3, Column: "D", Key: KeyUnnamedColumn, Value: "x"},
			{Line: 4, Column: "name", Key: KeyControlChar},
		},
	},
	{name: "empty file", in: "", want: []RowError{{Key: KeyNoRows}}},
	{name: "only blank lines", in: "\n\n,,\n", want: []RowError{{Key: KeyNoRows}}},
	{name: "header only", in: "name,type\r\n", want: []RowError{{Key: KeyNoRows}}},
	{name: "csv syntax", in: "name,type\nA社,operator\n\"B社,operator\nC\"x,operator\n", want: []RowError{{Line: 3, Key: KeyCSVSyntax}}},
	{name: "bare quote", in: "name,type\nA\"社,operator\n", want: []RowError{{Line: 2, Key: KeyCSVSyntax}}},
	{name: "not UTF-8 nor Shift_JIS", in: "name,type\n\xff\xfe\xfd,operator\n", want: []RowError{{Key: KeyEncoding}}},
	{name: "UTF-16", in: "\xff\xfen\x00a\x00", want: []RowError{{Key: KeyEncoding}}},
}

func checkErrors(t *testing.T, got, want []RowError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), dumpErrors(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Line != w.Line || g.Column != w.Column || g.Key != w.Key || (w.Value != "" && g.Value != w.Value) {
			t.Errorf("error %d: got %+v, want %+v\nall:\n%s", i, g, w, dumpErrors(got))
		}
	}
}

func dumpErrors(errs []RowError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %+v  %s\n", e, e.Message("ja"))
	}
	return b.String()
}

func runCase(t *testing.T, tc readCase, rows []*ceptor.ImportRow, errs []RowError) {
	t.Helper()
	if tc.want != nil {
		if rows != nil {
			t.Errorf("rows returned together with errors")
		}
		checkErrors(t, errs, tc.want)
		return
	}
	if len(errs) > 0 {
		t.Fatalf("unexpected errors:\n%s", dumpErrors(errs))
	}
	tc.check(t, rows)
}

func TestReadCSV(t *testing.T) {
	lk := testLookup()
	for _, tc := range readCases {
		t.Run(tc.name, func(t *testing.T) {
			rows, errs := ReadCSV(strings.NewReader(tc.in), lk)
			runCase(t, tc, rows, errs)
		})
	}
}

// TestReadXLSXScenarios runs the same scenarios through a workbook (where
// they make sense for a workbook: no encodings, no CSV syntax).
func TestReadXLSXScenarios(t *testing.T) {
	lk := testLookup()
	for _, tc := range readCases {
		if strings.ContainsAny(tc.in, "\"\r\xff\xfe\x01") || strings.HasPrefix(tc.in, "\ufeff") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			data := csvToXLSX(t, tc.in, "Sheet1")
			rows, errs := ReadXLSX(bytes.NewReader(data), lk)
			runCase(t, tc, rows, errs)
		})
	}
}

// csvToXLSX puts a simple CSV text (no quotes) into a new workbook, one line
// per sheet row.
func csvToXLSX(t testing.TB, text, sheet string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			t.Fatal(err)
		}
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		for j, v := range strings.Split(line, ",") {
			if v == "" {
				continue
			}
			if err := f.SetCellStr(sheet, cellName(j, i+1), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadCSVShiftJIS(t *testing.T) {
	text := "組織名,種別,分野,連絡先氏名,メール,備考\r\n東都電力株式会社,重要インフラ事業者,電力,情報セキュリティ室,soc@toto.example.jp,①半角ｶﾅ～\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := ReadCSV(strings.NewReader(sjis), testLookup())
	if len(errs) > 0 {
		t.Fatalf("errors:\n%s", dumpErrors(errs))
	}
	o := rows[0].Org
	if o.Name != "東都電力株式会社" || o.Type != ceptor.OrgOperator || !reflect.DeepEqual(o.SectorIDs, []int64{1}) ||
		o.Notes != "①半角ｶﾅ～" || rows[0].Contacts[0].Name != "情報セキュリティ室" {
		t.Errorf("got %+v", rows[0])
	}
}

func TestReadLimits(t *testing.T) {
	lk := testLookup()
	t.Run("too large", func(t *testing.T) {
		big := strings.Repeat("a", MaxInputBytes+1)
		_, errs := ReadCSV(strings.NewReader(big), lk)
		checkErrors(t, errs, []RowError{{Key: KeyTooLarge}})
		_, errs = ReadXLSX(strings.NewReader(big), lk)
		checkErrors(t, errs, []RowError{{Key: KeyTooLarge}})
	})
	t.Run("too many rows", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("name,type\n")
		for i := 0; i <= MaxDataRows; i++ {
			b.WriteString("A,operator\n")
		}
		rows, errs := ReadCSV(strings.NewReader(b.String()), lk)
		if rows != nil {
			t.Error("rows returned")
		}
		checkErrors(t, errs, []RowError{{Key: KeyTooManyRows}})
	})
	t.Run("too many errors", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("name,type,contact_name,contact_email\n")
		for i := 0; i < 1500; i++ {
			fmt.Fprintf(&b, "A%d,operator,x,bad\n", i)
		}
		_, errs := ReadCSV(strings.NewReader(b.String()), lk)
		if len(errs) != MaxErrors || errs[len(errs)-1].Key != KeyTooManyErrors || errs[0].Line != 2 || errs[0].Key != KeyEmail {
			t.Errorf("got %d errors, first %+v, last %+v", len(errs), errs[0], errs[len(errs)-1])
		}
	})
	t.Run("nil reader", func(t *testing.T) {
		_, errs := ReadCSV(nil, lk)
		checkErrors(t, errs, []RowError{{Key: KeyNoRows}})
	})
}

func TestReadXLSX(t *testing.T) {
	lk := testLookup()
	t.Run("sheet named organizations, numbers, gaps", func(t *testing.T) {
		build := func(typeB string) []byte {
			f := excelize.NewFile()
			defer f.Close()
			if _, err := f.NewSheet(SheetName); err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStr("Sheet1", "A1", "not this sheet"); err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				cell string
				v    any
			}{
				{"A1", "組織ID"}, {"B1", "組織名"}, {"C1", "種別"}, {"D1", "有効"}, {"E1", "優先順位"}, {"F1", "連絡先氏名"}, {"G1", "電話"},
				{"A3", 42}, {"B3", "A社"}, {"C3", "operator"}, {"D3", true}, {"E3", 3}, {"F3", "担当"}, {"G3", "03-1234-5678"},
				{"B5", "B社"}, {"C5", typeB},
			} {
				if err := f.SetCellValue(SheetName, x.cell, x.v); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		_, errs := ReadXLSX(bytes.NewReader(build("bogus")), lk)
		checkErrors(t, errs, []RowError{{Line: 5, Column: "種別", Key: KeyOrgType, Value: "bogus"}})
		rows, errs := ReadXLSX(bytes.NewReader(build("operator")), lk)
		if len(errs) > 0 {
			t.Fatalf("errors:\n%s", dumpErrors(errs))
		}
		if len(rows) != 2 || rows[0].Line != 3 || rows[0].Org.ID != 42 || !rows[0].Org.Active || rows[0].Contacts[0].Priority != 3 || rows[1].Line != 5 {
			t.Errorf("got %+v", rows)
		}
	})
	t.Run("not a workbook", func(t *testing.T) {
		_, errs := ReadXLSX(strings.NewReader("name,type\nA,operator\n"), lk)
		checkErrors(t, errs, []RowError{{Key: KeyXLSX}})
	})
	t.Run("encrypted or xls", func(t *testing.T) {
		_, errs := ReadXLSX(bytes.NewReader(append(append([]byte(nil), oleMagic...), make([]byte, 100)...)), lk)
		checkErrors(t, errs, []RowError{{Key: KeyXLSXEncrypted}})
	})
	t.Run("empty", func(t *testing.T) {
		_, errs := ReadXLSX(strings.NewReader(""), lk)
		checkErrors(t, errs, []RowError{{Key: KeyNoRows}})
	})
	t.Run("template has no rows", func(t *testing.T) {
		var buf bytes.Buffer
		if err := TemplateXLSX(&buf, lk); err != nil {
			t.Fatal(err)
		}
		_, errs := ReadXLSX(bytes.NewReader(buf.Bytes()), lk)
		checkErrors(t, errs, []RowError{{Key: KeyNoRows}})
	})
}

func TestMessage(t *testing.T) {
	e := RowError{Line: 3, Column: "contact_email", Key: KeyEmail, Value: "foo@"}
	if got, want := e.Message("ja"), "3行目「contact_email」: メールアドレスの形式が正しくありません（値: foo@）"; got != want {
		t.Errorf("ja: got %q, want %q", got, want)
	}
	if got, want := e.Message("en"), `Line 3, column "contact_email": the e-mail address is not valid (value: foo@)`; got != want {
		t.Errorf("en: got %q, want %q", got, want)
	}
	if got, want := (RowError{Key: KeyNoRows}).Message("ja"), "データ行がありません"; got != want {
		t.Errorf("got %q", got)
	}
	if got, want := (RowError{Line: 4, Key: KeyCSVSyntax}).Message("en"), "Line 4: the CSV syntax is not valid (check the quotes)"; got != want {
		t.Errorf("got %q", got)
	}
	if got := (RowError{Key: "imp.nonexistent"}).Message("en"); got != "imp.nonexistent" {
		t.Errorf("unknown key: %q", got)
	}
	// Every key the domain's Validate methods produce has a message.
	for _, k := range []string{KeyRequired, KeyEmail, KeyURL, KeyDomain, KeyPhone, KeyOrgType, KeyContactChannel,
		KeyTooLong, KeyLang, KeyContactKind, KeyEntityKind} {
		if _, ok := messages[k]; !ok {
			t.Errorf("no message for %s", k)
		}
	}
	for k, m := range messages {
		if m[0] == "" || m[1] == "" {
			t.Errorf("empty message for %s", k)
		}
	}
}

// exportFixture covers every field, values that look like formulas and
// values beginning with a single quote.
func exportFixture() []OrgExport {
	return []OrgExport{
		{
			Org: &ceptor.Organization{
				ID: 3, Name: "東都電力株式会社", NameEN: "Toto Electric, Inc.", NameKana: "トウトデンリョク",
				Type: ceptor.OrgOperator, EntityKind: ceptor.EntityCIOperator, SectorIDs: []int64{1, 3}, CeptorIDs: []int64{10},
				Prefecture: "東京都", Website: "https://www.toto.example.jp/", Domains: []string{"toto.example.jp", "toto-denki.example.jp"},
				Require2FA: true, Active: true, Notes: "=HYPERLINK(\"http://evil\")\n2行目 \"引用\"",
			},
			Contacts: []*ceptor.Contact{
				{Name: "@情報セキュリティ室", Department: "-システム部", Kind: ceptor.ContactPrimary, Priority: 1,
					Email: "soc@toto.example.jp", Phone: "+81-3-1234-5678", Lang: "ja", Active: true},
				{Name: "'=夜間", Kind: ceptor.ContactAlternate, Priority: 2, WebhookURL: "https://hooks.example.jp/x?a=1&b=2", Lang: "en", Active: true},
				{Name: "'quoted", Kind: ceptor.ContactAlternate, Priority: 3, Phone: "0312345678", Lang: "ja", Active: true},
			},
		},
		{
			Org: &ceptor.Organization{Name: "新規セプター事務局", Type: ceptor.OrgSecretariat, Active: false, Notes: "+"},
		},
		{
			Org: &ceptor.Organization{ID: 9, Name: "みなと銀行", Type: ceptor.OrgOperator, SectorIDs: []int64{2}, CeptorIDs: []int64{11, 12}, Active: true},
			Contacts: []*ceptor.Contact{
				{Name: "窓口", Kind: ceptor.ContactPrimary, Priority: 5, Email: "desk@minato.example.jp", Lang: "ja", Active: true},
			},
		},
	}
}

func checkRoundTrip(t *testing.T, in []OrgExport, rows []*ceptor.ImportRow, errs []RowError) {
	t.Helper()
	if len(errs) > 0 {
		t.Fatalf("errors:\n%s", dumpErrors(errs))
	}
	if len(rows) != len(in) {
		t.Fatalf("got %d rows, want %d", len(rows), len(in))
	}
	for i, x := range in {
		got := rows[i]
		want := *x.Org
		if want.SectorIDs == nil {
			want.SectorIDs = got.Org.SectorIDs
		}
		if want.CeptorIDs == nil {
			want.CeptorIDs = got.Org.CeptorIDs
		}
		if !reflect.DeepEqual(got.Org, want) {
			t.Errorf("org %d:\n got %+v\nwant %+v", i, got.Org, want)
		}
		if !got.ReplaceContacts || len(got.Contacts) != len(x.Contacts) {
			t.Fatalf("org %d contacts: %+v", i, got.Contacts)
		}
		for j, c := range x.Contacts {
			wc := *c
			wc.OrgID = x.Org.ID
			if !reflect.DeepEqual(got.Contacts[j], wc) {
				t.Errorf("org %d contact %d:\n got %+v\nwant %+v", i, j, got.Contacts[j], wc)
			}
		}
	}
}

func TestRoundTripCSV(t *testing.T) {
	lk := testLookup()
	in := exportFixture()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in, lk); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufefforg_id,name,") || !strings.Contains(out, "\r\n") {
		t.Errorf("no BOM, header or CRLF: %q", out[:40])
	}
	for _, s := range []string{`"'=HYPERLINK(""http://evil"")`, ",'@情報セキュリティ室,'-システム部,", ",'+81-3-1234-5678,", ",''=夜間,", ",'quoted,", ",'+,"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	rows, errs := ReadCSV(bytes.NewReader(buf.Bytes()), lk)
	checkRoundTrip(t, in, rows, errs)
}

func TestRoundTripXLSX(t *testing.T) {
	lk := testLookup()
	in := exportFixture()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteXLSX(&buf, in, lk, lang); err != nil {
				t.Fatal(err)
			}
			rows, errs := ReadXLSX(bytes.NewReader(buf.Bytes()), lk)
			checkRoundTrip(t, in, rows, errs)

			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			explain := map[string]string{"ja": "説明", "en": "README"}[lang]
			if !reflect.DeepEqual(sheets, []string{SheetName, explain}) {
				t.Errorf("sheets %v", sheets)
			}
			if v, _ := f.GetCellValue(SheetName, "N2"); !strings.HasPrefix(v, "=HYPERLINK") {
				t.Errorf("notes cell = %q", v)
			}
			if fm, _ := f.GetCellFormula(SheetName, "N2"); fm != "" {
				t.Errorf("notes cell has formula %q", fm)
			}
			if v, _ := f.GetCellValue(SheetName, "O3"); v != "''=夜間" {
				t.Errorf("quoted cell = %q", v)
			}
			panes, err := f.GetPanes(SheetName)
			if err != nil || !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("panes %+v %v", panes, err)
			}
			dvs, err := f.GetDataValidations(SheetName)
			if err != nil || len(dvs) < 2 {
				t.Errorf("data validations %d %v", len(dvs), err)
			}
			comments, err := f.GetComments(SheetName)
			if err != nil || len(comments) != int(numColumns) {
				t.Errorf("comments %d %v", len(comments), err)
			}
			style, _ := f.GetCellStyle(SheetName, "A1")
			st, err := f.GetStyle(style)
			if err != nil || st.Font == nil || !st.Font.Bold {
				t.Errorf("header not bold: %+v %v", st, err)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	lk := testLookup()
	bad := []OrgExport{{Org: &ceptor.Organization{Name: "A", Type: ceptor.OrgOperator, SectorIDs: []int64{99}}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, bad, lk); err == nil {
		t.Error("unknown sector id: no error")
	}
	if err := WriteXLSX(&buf, bad, lk, "ja"); err == nil {
		t.Error("unknown sector id: no error")
	}
	if err := WriteCSV(&buf, []OrgExport{{}}, lk); err == nil {
		t.Error("nil org: no error")
	}
	// An empty export is just the header; a nil lookup is fine without codes.
	buf.Reset()
	if err := WriteCSV(&buf, nil, nil); err != nil || buf.String() != "\ufeff"+strings.ReplaceAll(enHeader, "\n", "\r\n") {
		t.Errorf("empty export %q %v", buf.String(), err)
	}
}

func TestLookup(t *testing.T) {
	lk := testLookup()
	for code, want := range map[string]int64{"finance": 2, "FINANCE": 2, " Finance ": 2, "ｆｉｎａｎｃｅ": 2, "金融": 2, "Electricity": 1} {
		if id, ok := lk.SectorID(code); !ok || id != want {
			t.Errorf("SectorID(%q) = %d %v", code, id, ok)
		}
	}
	if id, ok := lk.CeptorID("銀行等"); !ok || id != 11 {
		t.Errorf("CeptorID = %d %v", id, ok)
	}
	if c, ok := lk.CeptorCode(12); !ok || c != "telecom-c" {
		t.Errorf("CeptorCode = %q %v", c, ok)
	}
	if _, ok := lk.SectorCode(99); ok {
		t.Error("SectorCode(99) found")
	}
	var nilLk *Lookup
	if _, ok := nilLk.SectorID("finance"); ok {
		t.Error("nil lookup found a code")
	}
	// A name shared by two entries is not a key; a code always wins over a name.
	lk2 := NewLookup([]*ceptor.Sector{{ID: 1, Code: "a", NameJA: "同名"}, {ID: 2, Code: "b", NameJA: "同名"}, {ID: 3, Code: "c", NameJA: "a"}}, nil)
	if _, ok := lk2.SectorID("同名"); ok {
		t.Error("ambiguous name resolved")
	}
	if id, _ := lk2.SectorID("a"); id != 1 {
		t.Errorf("code a -> %d", id)
	}
}

func TestColumnsAndHeaders(t *testing.T) {
	if got := strings.Join(Columns(), ",") + "\n"; got != enHeader {
		t.Errorf("Columns() = %s", got)
	}
	for _, h := range []string{"組織ID", "組織名", "英語名", "組織名カナ", "種別", "法的区分", "分野", "セプター", "都道府県", "ウェブサイト",
		"ドメイン", "二要素認証必須", "有効", "備考", "連絡先氏名", "部署", "連絡先区分", "優先順位", "メール", "電話", "Webhook URL", "言語",
		"Contact Email", "ORG_ID", "ｶﾅ", "ｅｍａｉｌ"} {
		if _, ok := headerIndex[fold(h)]; !ok {
			t.Errorf("header %q not recognised", h)
		}
	}
	// No alias of one column is taken by another.
	for i, c := range columns {
		for _, name := range append([]string{c.code, c.labelJA}, c.aliases...) {
			if got := headerIndex[fold(name)]; got != column(i) {
				t.Errorf("header %q maps to %s, want %s", name, columns[got].code, c.code)
			}
		}
	}
	if columnLetter(0) != "A" || columnLetter(25) != "Z" || columnLetter(26) != "AA" || columnLetter(701) != "ZZ" || columnLetter(702) != "AAA" {
		t.Error("columnLetter")
	}
}

func TestEscapeCell(t *testing.T) {
	for _, s := range []string{"", "a", "'", "''", "'a", "=1", "'=1", "''=1", "+", "-1", "@a", "'+", "a'=", "あ"} {
		if got := cleanCell(escapeCSV(s)); got != s {
			t.Errorf("CSV %q -> %q -> %q", s, escapeCSV(s), got)
		}
		if got := cleanCell(escapeQuote(s)); got != s {
			t.Errorf("XLSX %q -> %q -> %q", s, escapeQuote(s), got)
		}
		if e := escapeCSV(s); e != "" && isFormulaStart(e[0]) {
			t.Errorf("CSV %q not guarded", s)
		}
	}
}

// TestReadPresent: every row records the columns the file has, by code,
// whatever the header spelling; nothing else.
func TestReadPresent(t *testing.T) {
	lk := testLookup()
	text := "組織ID,name,英語名,種別,sectors,連絡先氏名,contact_email\n" +
		"7,みなと銀行,Minato Bank,operator,,窓口,info@minato.example.jp\n" +
		"7,みなと銀行,,,,夜間,desk@minato.example.jp\n" +
		",東都電力株式会社,,operator,electricity,,\n"
	want := map[string]bool{"org_id": true, "name": true, "name_en": true, "type": true, "sectors": true,
		"contact_name": true, "contact_email": true}
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			var rows []*ceptor.ImportRow
			var errs []RowError
			if format == "csv" {
				rows, errs = ReadCSV(strings.NewReader(text), lk)
			} else {
				rows, errs = ReadXLSX(bytes.NewReader(csvToXLSX(t, text, SheetName)), lk)
			}
			if len(errs) > 0 {
				t.Fatalf("errors:\n%s", dumpErrors(errs))
			}
			if len(rows) != 2 {
				t.Fatalf("got %d rows", len(rows))
			}
			for _, r := range rows {
				if !reflect.DeepEqual(r.Present, want) {
					t.Errorf("line %d: Present %v, want %v", r.Line, r.Present, want)
				}
			}
			// Each row has its own map.
			rows[0].Present["notes"] = true
			if rows[1].Present["notes"] {
				t.Error("rows share their Present map")
			}
			// A present column left empty is given (and clears the field);
			// the contact columns make the contacts be replaced.
			if a := rows[0]; a.Org.ID != 7 || a.Org.NameEN != "Minato Bank" || len(a.Org.SectorIDs) != 0 || !a.ReplaceContacts || len(a.Contacts) != 2 {
				t.Errorf("row a: %+v", a)
			}
		})
	}
	t.Run("no contact columns", func(t *testing.T) {
		rows, errs := ReadCSV(strings.NewReader("org_id,name,type,name_en\n3,A社,operator,A Corp\n"), lk)
		if len(errs) > 0 {
			t.Fatalf("errors:\n%s", dumpErrors(errs))
		}
		want := map[string]bool{"org_id": true, "name": true, "type": true, "name_en": true}
		if r := rows[0]; !reflect.DeepEqual(r.Present, want) || r.ReplaceContacts || r.Contacts != nil {
			t.Errorf("got %+v", r)
		}
	})
}
