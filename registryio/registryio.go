// Package registryio imports and exports the organisation registry
// (organisations with their contacts) as CSV and XLSX files.
//
// The file format is flat: one row per contact of an organisation, and one
// row with empty contact columns for an organisation without contacts. Rows
// of the same organisation are grouped by org_id when it is given, else by
// the exact organisation name. The first row is the header; the order of the
// columns is free, English column codes and Japanese labels are both
// accepted, and an unknown column is an error.
//
// Only name and type are required columns. Every ImportRow records in
// Present which columns the file has, so that an update of an existing
// organisation changes only the fields whose columns are present: a column
// left out of the file keeps the stored value, while an empty cell in a
// present column clears the field (or gives the column's default, e.g.
// active is true when empty).
//
// Readers never stop at the first problem: they return every problem they
// find as a RowError (up to MaxErrors) so that the person fixing the file can
// fix it in one go. When any error is returned no rows are returned, and the
// caller imports nothing.
//
// Writers produce files that read back unchanged, and guard against formula
// injection (a cell beginning with = + - @, a tab or a carriage return is
// never interpreted as a formula by a spreadsheet program).
package registryio

import (
	"strings"

	"ceptor"

	"golang.org/x/text/unicode/norm"
)

// Limits applied by the readers. Exceeding any of them yields a RowError,
// never a panic or an unbounded allocation.
const (
	MaxInputBytes = 20 << 20 // largest accepted file, in bytes
	MaxDataRows   = 100000   // largest number of non-blank data rows
	MaxCellChars  = 4000     // largest number of characters in one cell
	MaxErrors     = 1000     // most RowErrors returned; the last one says that more were left out
)

// column identifies one of the columns of the flat format.
type column int

const (
	colOrgID column = iota
	colName
	colNameEN
	colNameKana
	colType
	colEntityKind
	colSectors
	colCeptors
	colPrefecture
	colWebsite
	colDomains
	colRequire2FA
	colActive
	colNotes
	colContactName
	colContactDepartment
	colContactKind
	colContactPriority
	colContactEmail
	colContactPhone
	colContactWebhookURL
	colContactLang
	numColumns
)

// columnInfo describes a column for the header, the explanation sheet and
// the width in XLSX output.
type columnInfo struct {
	code    string
	labelJA string // main Japanese label (also accepted as header)
	aliases []string
	descJA  string
	descEN  string
	example string
	width   float64
}

var columns = [numColumns]columnInfo{
	colOrgID: {"org_id", "組織ID", []string{"ID", "id"},
		"既存組織を更新するときのID（正の整数）。空欄なら新規登録。",
		"ID of an existing organisation to update (positive integer); empty creates a new one.", "12", 9},
	colName: {"name", "組織名", []string{"名称", "組織名称"},
		"正式な組織名（必須、200文字以内）。", "Official Japanese name (required, at most 200 characters).", "東都電力株式会社", 30},
	colNameEN: {"name_en", "英語名", []string{"組織名(英語)", "英語名称", "英文名"},
		"英語名（任意、200文字以内）。", "English name (optional, at most 200 characters).", "Toto Electric Power Co., Inc.", 30},
	colNameKana: {"name_kana", "組織名カナ", []string{"カナ", "フリガナ", "ふりがな"},
		"組織名の読み（任意）。", "Reading of the name in kana (optional).", "トウトデンリョク", 20},
	colType: {"type", "種別", []string{"組織種別"},
		"組織種別（必須）。コードまたは日本語名。", "Organisation type (required): code or Japanese label.", "operator", 18},
	colEntityKind: {"entity_kind", "法的区分", []string{"サイバーセキュリティ基本法区分"},
		"サイバーセキュリティ基本法上の区分（任意）。", "Duty under the Cybersecurity Basic Act (optional).", "ci_operator", 14},
	colSectors: {"sectors", "分野", []string{"重要インフラ分野"},
		"分野コードまたは分野名（複数は ; で区切る）。", "Sector codes or names, separated by ';'.", "electricity", 18},
	colCeptors: {"ceptors", "セプター", []string{"所属セプター"},
		"所属セプターのコードまたは名称（複数は ; で区切る）。", "Codes or names of the CEPTORs it belongs to, separated by ';'.", "electricity", 18},
	colPrefecture: {"prefecture", "都道府県", nil,
		"所在地の都道府県（任意）。", "Prefecture (optional).", "東京都", 10},
	colWebsite: {"website", "ウェブサイト", []string{"ホームページ", "webサイト"},
		"ウェブサイトのURL（http:// または https://）。", "Website URL (http:// or https://).", "https://www.example.co.jp/", 28},
	colDomains: {"domains", "ドメイン", []string{"メールドメイン"},
		"組織が保有するドメイン（複数は ; で区切る）。", "Domains the organisation owns, separated by ';'.", "example.co.jp", 22},
	colRequire2FA: {"require_2fa", "二要素認証必須", []string{"2要素認証必須", "多要素認証必須"},
		"利用者に二要素認証を必須とするか（空欄は false）。", "Whether users must use two-factor authentication (empty means false).", "true", 10},
	colActive: {"active", "有効", nil,
		"組織が有効か（空欄は true）。", "Whether the organisation is active (empty means true).", "true", 8},
	colNotes: {"notes", "備考", []string{"メモ"},
		"備考（任意）。", "Notes (optional).", "", 24},
	colContactName: {"contact_name", "連絡先氏名", []string{"担当者名", "担当者", "連絡先名"},
		"連絡先の氏名または窓口名。連絡先がない組織は連絡先列をすべて空欄にする。",
		"Name of the contact person or desk. Leave every contact column empty for an organisation without contacts.", "情報セキュリティ室", 20},
	colContactDepartment: {"contact_department", "部署", []string{"連絡先部署", "所属部署"},
		"連絡先の部署（任意）。", "Department of the contact (optional).", "システム部", 18},
	colContactKind: {"contact_kind", "連絡先区分", []string{"区分"},
		"primary（正）または alternate（副）。空欄は primary。", "primary or alternate; empty means primary.", "primary", 12},
	colContactPriority: {"contact_priority", "優先順位", []string{"優先度", "順位"},
		"同じ区分内の順位（正の整数、小さいほど先）。空欄は記載順。", "Order within the kind (positive integer, lower first); empty means order of appearance.", "1", 9},
	colContactEmail: {"contact_email", "メール", []string{"メールアドレス", "電子メール", "email", "e-mail"},
		"メールアドレス。メール・電話・Webhookのいずれか一つは必須。", "E-mail address. At least one of e-mail, phone and webhook is required.", "soc@example.co.jp", 26},
	colContactPhone: {"contact_phone", "電話", []string{"電話番号", "phone", "tel"},
		"電話番号。", "Phone number.", "03-1234-5678", 16},
	colContactWebhookURL: {"contact_webhook_url", "Webhook URL", []string{"webhook", "webhookurl"},
		"通知を受けるWebhookのURL。", "URL of the webhook that receives notifications.", "", 28},
	colContactLang: {"contact_lang", "言語", []string{"連絡言語"},
		"連絡に使う言語 ja または en（空欄は ja）。", "Language for messages: ja or en (empty means ja).", "ja", 8},
}

// isContact reports whether the column belongs to the contact part of a row.
func (c column) isContact() bool { return c >= colContactName }

// Columns returns the column codes of the flat format in the order the
// writers use. The readers accept them in any order.
func Columns() []string {
	out := make([]string, numColumns)
	for i := range columns {
		out[i] = columns[i].code
	}
	return out
}

// fold normalises free text for matching against codes, labels and header
// names: NFKC (full-width letters and digits become ASCII, half-width kana
// become full-width), lower case, and no spaces, underscores or hyphens.
func fold(s string) string {
	s = strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '_', '-', '\u3000':
			return -1
		}
		return r
	}, s)
}

// foldCode normalises a code for case-insensitive lookup, keeping the
// punctuation that codes may contain.
func foldCode(s string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
}

var headerIndex = func() map[string]column {
	m := map[string]column{}
	for i := range columns {
		c := column(i)
		m[fold(columns[i].code)] = c
		m[fold(columns[i].labelJA)] = c
		for _, a := range columns[i].aliases {
			m[fold(a)] = c
		}
	}
	return m
}()

// orgTypeLabels gives the Japanese and English labels of each organisation
// type, used in the explanation sheet.
var orgTypeLabels = map[ceptor.OrgType][2]string{
	ceptor.OrgNISC:        {"内閣官房（NISC）", "National cyber centre (NISC)"},
	ceptor.OrgMinistry:    {"所管省庁", "Sector ministry"},
	ceptor.OrgSecretariat: {"セプター事務局", "CEPTOR secretariat"},
	ceptor.OrgCouncil:     {"セプターカウンシル", "CEPTOR Council"},
	ceptor.OrgOperator:    {"重要インフラ事業者", "Critical-infrastructure operator"},
	ceptor.OrgSecurity:    {"セキュリティ関係機関", "Security-related agency"},
	ceptor.OrgResponse:    {"事案対処・防災機関", "Incident-handling / disaster agency"},
	ceptor.OrgSupplier:    {"サプライチェーン事業者", "Supply-chain / IT provider"},
}

var orgTypeIndex = func() map[string]ceptor.OrgType {
	m := map[string]ceptor.OrgType{}
	add := func(t ceptor.OrgType, names ...string) {
		for _, n := range names {
			m[fold(n)] = t
		}
	}
	for _, t := range ceptor.OrgTypes {
		l := orgTypeLabels[t]
		add(t, string(t), l[0], l[1])
	}
	add(ceptor.OrgNISC, "内閣官房", "NISC", "内閣官房/NISC", "内閣官房 NISC", "内閣サイバーセキュリティセンター", "国家サイバー統括室")
	add(ceptor.OrgMinistry, "重要インフラ所管省庁", "所管省庁等", "ministry")
	add(ceptor.OrgSecretariat, "事務局")
	add(ceptor.OrgCouncil, "カウンシル")
	add(ceptor.OrgOperator, "重要インフラ事業者等", "事業者")
	add(ceptor.OrgSecurity, "情報セキュリティ関係機関", "情報セキュリティ関係機関/省庁", "セキュリティ関係省庁", "security agency")
	add(ceptor.OrgResponse, "事案対処省庁・防災関係府省庁", "事案対処・防災関係機関", "事案対処省庁", "防災関係府省庁", "response agency")
	add(ceptor.OrgSupplier, "サプライチェーン事業者等", "ITサービス事業者", "supply-chain provider")
	return m
}()

// entityKindLabels gives the Japanese and English labels of each entity kind.
var entityKindLabels = []struct {
	kind   ceptor.EntityKind
	ja, en string
}{
	{ceptor.EntityLocalGov, "地方公共団体", "Local government (Art. 5)"},
	{ceptor.EntityCIOperator, "重要社会基盤事業者", "Critical social-infrastructure operator (Art. 6)"},
	{ceptor.EntityCyberBusiness, "サイバー関連事業者", "Cyber-related business (Art. 7)"},
}

var entityKindIndex = func() map[string]ceptor.EntityKind {
	m := map[string]ceptor.EntityKind{}
	for _, e := range entityKindLabels {
		m[fold(string(e.kind))] = e.kind
		m[fold(e.ja)] = e.kind
	}
	m[fold("自治体")] = ceptor.EntityLocalGov
	return m
}()

var contactKindIndex = map[string]ceptor.ContactKind{
	"primary": ceptor.ContactPrimary, "正": ceptor.ContactPrimary, "主": ceptor.ContactPrimary,
	"正連絡先": ceptor.ContactPrimary, "main": ceptor.ContactPrimary,
	"alternate": ceptor.ContactAlternate, "副": ceptor.ContactAlternate, "副連絡先": ceptor.ContactAlternate,
	"予備": ceptor.ContactAlternate, "backup": ceptor.ContactAlternate,
}

var langIndex = map[string]string{
	"ja": "ja", "日本語": "ja", "japanese": "ja", "jp": "ja",
	"en": "en", "英語": "en", "english": "en",
}

var boolIndex = map[string]bool{
	"true": true, "t": true, "1": true, "yes": true, "y": true, "はい": true, "○": true, "〇": true, "◯": true,
	"false": false, "f": false, "0": false, "no": false, "n": false, "いいえ": false, "×": false, "✕": false,
}

// Lookup maps the codes of sectors and CEPTORs used in files to their ids and
// back. Codes match case-insensitively; the Japanese and English names are
// accepted too when they are unambiguous. A nil *Lookup knows no codes.
type Lookup struct {
	sectors []lookupEntry
	ceptors []lookupEntry

	sectorByKey map[string]int64
	sectorCode  map[int64]string
	ceptorByKey map[string]int64
	ceptorCode  map[int64]string
}

type lookupEntry struct {
	code, nameJA, nameEN string
}

// NewLookup builds a Lookup from the registry's sectors and CEPTORs. Nil
// entries and entries without a code are ignored.
func NewLookup(sectors []*ceptor.Sector, ceptors []*ceptor.Ceptor) *Lookup {
	lk := &Lookup{
		sectorByKey: map[string]int64{}, sectorCode: map[int64]string{},
		ceptorByKey: map[string]int64{}, ceptorCode: map[int64]string{},
	}
	var sNames, cNames []nameRef
	for _, s := range sectors {
		if s == nil || strings.TrimSpace(s.Code) == "" {
			continue
		}
		lk.sectors = append(lk.sectors, lookupEntry{s.Code, s.NameJA, s.NameEN})
		lk.sectorByKey[foldCode(s.Code)] = s.ID
		lk.sectorCode[s.ID] = s.Code
		sNames = append(sNames, nameRef{s.ID, s.NameJA}, nameRef{s.ID, s.NameEN})
	}
	for _, c := range ceptors {
		if c == nil || strings.TrimSpace(c.Code) == "" {
			continue
		}
		lk.ceptors = append(lk.ceptors, lookupEntry{c.Code, c.NameJA, c.NameEN})
		lk.ceptorByKey[foldCode(c.Code)] = c.ID
		lk.ceptorCode[c.ID] = c.Code
		cNames = append(cNames, nameRef{c.ID, c.NameJA}, nameRef{c.ID, c.NameEN})
	}
	addNames(lk.sectorByKey, sNames)
	addNames(lk.ceptorByKey, cNames)
	return lk
}

type nameRef struct {
	id   int64
	name string
}

// addNames adds names as extra keys unless they collide with a code or name
// of another entry.
func addNames(m map[string]int64, names []nameRef) {
	ambiguous := map[string]bool{}
	found := map[string]int64{}
	for _, n := range names {
		k := foldCode(n.name)
		if k == "" {
			continue
		}
		if id, ok := found[k]; ok && id != n.id {
			ambiguous[k] = true
		}
		found[k] = n.id
	}
	for k, id := range found {
		if _, isCode := m[k]; isCode || ambiguous[k] {
			continue
		}
		m[k] = id
	}
}

// SectorID returns the id of the sector with the given code or name.
func (lk *Lookup) SectorID(code string) (int64, bool) {
	if lk == nil {
		return 0, false
	}
	id, ok := lk.sectorByKey[foldCode(code)]
	return id, ok
}

// SectorCode returns the code of the sector with the given id.
func (lk *Lookup) SectorCode(id int64) (string, bool) {
	if lk == nil {
		return "", false
	}
	c, ok := lk.sectorCode[id]
	return c, ok
}

// CeptorID returns the id of the CEPTOR with the given code or name.
func (lk *Lookup) CeptorID(code string) (int64, bool) {
	if lk == nil {
		return 0, false
	}
	id, ok := lk.ceptorByKey[foldCode(code)]
	return id, ok
}

// CeptorCode returns the code of the CEPTOR with the given id.
func (lk *Lookup) CeptorCode(id int64) (string, bool) {
	if lk == nil {
		return "", false
	}
	c, ok := lk.ceptorCode[id]
	return c, ok
}
