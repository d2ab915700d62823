package registryio

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// RowError is one problem found in an imported file.
//
// Line is the 1-based line of the file (the header is line 1; for XLSX it is
// the sheet's row number), or 0 for a problem with the whole file. Column is
// the column's header as written in the file, or the column code when the
// column is not in the file. Key is a message key (see Message) and Value the
// offending value, shortened for display.
type RowError struct {
	Line   int
	Column string
	Key    string
	Value  string
}

// Error implements error with the English message, so that a RowError can be
// logged or wrapped like any other error.
func (e RowError) Error() string { return e.Message("en") }

// Message keys of RowError. The err.* keys are the field keys returned by the
// domain's Validate methods; the imp.* keys are specific to imports.
const (
	KeyRequired       = "err.required"
	KeyEmail          = "err.email"
	KeyURL            = "err.url"
	KeyDomain         = "err.domain"
	KeyPhone          = "err.phone"
	KeyOrgType        = "err.org_type"
	KeyContactChannel = "err.contact_channel"
	KeyTooLong        = "err.too_long"
	KeyLang           = "err.lang"
	KeyContactKind    = "err.contact_kind"
	KeyEntityKind     = "err.entity_kind"
	KeyInvalid        = "err.invalid"

	KeyNoRows          = "imp.no_rows"
	KeyTooLarge        = "imp.too_large"
	KeyTooManyRows     = "imp.too_many_rows"
	KeyCellTooLong     = "imp.cell_too_long"
	KeyEncoding        = "imp.encoding"
	KeyCSVSyntax       = "imp.csv_syntax"
	KeyXLSX            = "imp.xlsx"
	KeyXLSXEncrypted   = "imp.xlsx_encrypted"
	KeyXLSXTooLarge    = "imp.xlsx_too_large"
	KeyUnknownColumn   = "imp.unknown_column"
	KeyDuplicateColumn = "imp.duplicate_column"
	KeyMissingColumn   = "imp.missing_column"
	KeyUnnamedColumn   = "imp.unnamed_column"
	KeyBool            = "imp.bool"
	KeyOrgID           = "imp.org_id"
	KeyPriority        = "imp.priority"
	KeyUnknownSector   = "imp.unknown_sector"
	KeyUnknownCeptor   = "imp.unknown_ceptor"
	KeyConflict        = "imp.conflict"
	KeyTooManyErrors   = "imp.too_many_errors"
	KeyRead            = "imp.read"
	KeyControlChar     = "imp.control_char"
)

// messages holds the Japanese and English text of every key this package
// produces.
var messages = map[string][2]string{
	KeyRequired:       {"入力が必要です", "a value is required"},
	KeyEmail:          {"メールアドレスの形式が正しくありません", "the e-mail address is not valid"},
	KeyURL:            {"URLの形式が正しくありません（http:// または https:// で始まる必要があります）", "the URL is not valid (it must start with http:// or https://)"},
	KeyDomain:         {"ドメイン名の形式が正しくありません", "a domain name is not valid"},
	KeyPhone:          {"電話番号の形式が正しくありません（数字と + - ( ) と空白のみ、6桁以上）", "the phone number is not valid (digits, + - ( ) and spaces only, at least 6 digits)"},
	KeyOrgType:        {"組織種別が正しくありません", "the organisation type is not valid"},
	KeyContactChannel: {"メール・電話・Webhook URLのいずれかを入力してください", "give at least one of e-mail, phone and webhook URL"},
	KeyTooLong:        {"文字数が多すぎます", "the value is too long"},
	KeyLang:           {"言語は ja または en を指定してください", "the language must be ja or en"},
	KeyContactKind:    {"連絡先区分は primary（正）または alternate（副）を指定してください", "the contact kind must be primary or alternate"},
	KeyEntityKind:     {"法的区分が正しくありません（local_gov、ci_operator、cyber_business のいずれか）", "the entity kind is not valid (local_gov, ci_operator or cyber_business)"},
	KeyInvalid:        {"値が正しくありません", "the value is not valid"},

	KeyNoRows:          {"データ行がありません", "the file has no rows"},
	KeyTooLarge:        {"ファイルが大きすぎます（上限 " + strconv.Itoa(MaxInputBytes>>20) + " MiB）", "the file is too large (limit " + strconv.Itoa(MaxInputBytes>>20) + " MiB)"},
	KeyTooManyRows:     {"データ行が多すぎます（上限 " + strconv.Itoa(MaxDataRows) + " 行）", "the file has too many rows (limit " + strconv.Itoa(MaxDataRows) + ")"},
	KeyCellTooLong:     {"セルの文字数が上限（" + strconv.Itoa(MaxCellChars) + " 文字）を超えています", "the cell is longer than " + strconv.Itoa(MaxCellChars) + " characters"},
	KeyEncoding:        {"文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）", "the character encoding is not recognised (save the file as UTF-8 or Shift_JIS)"},
	KeyCSVSyntax:       {"CSVの形式が正しくありません（引用符の対応を確認してください）", "the CSV syntax is not valid (check the quotes)"},
	KeyXLSX:            {"Excelファイル（.xlsx）として読み込めません", "the file cannot be read as an Excel workbook (.xlsx)"},
	KeyXLSXEncrypted:   {"パスワード付きのファイルや旧形式（.xls）のファイルは読み込めません。パスワードを外して .xlsx で保存してください", "password-protected workbooks and old .xls files cannot be read; remove the password and save as .xlsx"},
	KeyXLSXTooLarge:    {"Excelファイルの展開後のサイズが大きすぎます（上限 " + strconv.Itoa(int(xlsxMaxSize>>20)) + " MiB）", "the workbook is too large once unpacked (limit " + strconv.Itoa(int(xlsxMaxSize>>20)) + " MiB)"},
	KeyUnknownColumn:   {"不明な列です", "unknown column"},
	KeyDuplicateColumn: {"同じ列が複数あります", "the column appears more than once"},
	KeyMissingColumn:   {"必須の列がありません", "a required column is missing"},
	KeyUnnamedColumn:   {"見出しのない列に値があります", "a column without a header holds a value"},
	KeyBool:            {"真偽値が正しくありません（true/false、はい/いいえ、○/× など）", "not a valid yes/no value (true/false, yes/no, 1/0 ...)"},
	KeyOrgID:           {"組織IDは正の整数で指定してください", "the organisation ID must be a positive integer"},
	KeyPriority:        {"優先順位は正の整数で指定してください", "the priority must be a positive integer"},
	KeyUnknownSector:   {"登録されていない分野コードです", "unknown sector code"},
	KeyUnknownCeptor:   {"登録されていないセプターコードです", "unknown CEPTOR code"},
	KeyConflict:        {"同じ組織の前の行と値が食い違っています", "the value differs from an earlier row of the same organisation"},
	KeyTooManyErrors:   {"エラーが多すぎるため、以降のエラーは省略しました", "too many errors; the rest were left out"},
	KeyRead:            {"ファイルを読み込めませんでした", "the file could not be read"},
	KeyControlChar:     {"使用できない制御文字が含まれています", "the cell contains a control character that is not allowed"},
}

// Message returns the problem as one sentence in Japanese (lang "ja", the
// default) or English (lang "en"), for example
// "3行目「contact_email」: メールアドレスの形式が正しくありません（値: foo@）".
func (e RowError) Message(lang string) string {
	en := lang == "en"
	text := e.Key
	if m, ok := messages[e.Key]; ok {
		if en {
			text = m[1]
		} else {
			text = m[0]
		}
	}
	var prefix string
	switch {
	case en && e.Line > 0 && e.Column != "":
		prefix = fmt.Sprintf("Line %d, column %q: ", e.Line, e.Column)
	case en && e.Line > 0:
		prefix = fmt.Sprintf("Line %d: ", e.Line)
	case en && e.Column != "":
		prefix = fmt.Sprintf("Column %q: ", e.Column)
	case e.Line > 0 && e.Column != "":
		prefix = fmt.Sprintf("%d行目「%s」: ", e.Line, e.Column)
	case e.Line > 0:
		prefix = fmt.Sprintf("%d行目: ", e.Line)
	case e.Column != "":
		prefix = fmt.Sprintf("「%s」列: ", e.Column)
	}
	suffix := ""
	if e.Value != "" {
		if en {
			suffix = fmt.Sprintf(" (value: %s)", e.Value)
		} else {
			suffix = fmt.Sprintf("（値: %s）", e.Value)
		}
	}
	return prefix + text + suffix
}

// displayValue shortens a value for an error message.
func displayValue(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// collector gathers RowErrors, reporting at most one problem per cell and at
// most MaxErrors in all.
type collector struct {
	errs []RowError
	seen map[cellRef]bool
	full bool
}

type cellRef struct {
	line int
	col  string
}

func (c *collector) add(e RowError) {
	if c.full {
		return
	}
	if e.Line > 0 && e.Column != "" {
		if c.seen == nil {
			c.seen = map[cellRef]bool{}
		}
		k := cellRef{e.Line, e.Column}
		if c.seen[k] {
			return
		}
		c.seen[k] = true
	}
	e.Value = displayValue(e.Value)
	e.Column = displayValue(e.Column)
	if len(c.errs) >= MaxErrors-1 {
		c.errs = append(c.errs, RowError{Key: KeyTooManyErrors})
		c.full = true
		return
	}
	c.errs = append(c.errs, e)
}
