package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// The survey journey (issue 6): NISC imports a catalog from Excel, builds a
// campaign and opens it to two sectors; one operator answers in the
// browser while NISC watches the progress dashboard update by itself;
// another operator answers by uploading the campaign's workbook; NISC
// enters three offline answers in bulk, closes the campaign and reads the
// per-sector baseline and leading rates, which must match the figures
// worked out by hand below; the first operator compares its answers with
// its sector and sees nobody else's.

// The catalog of the journey: four baseline and two leading items.
var e2eCatalog = [][]string{
	{"項目ID", "対策項目", "説明", "分類", "区分", "対象分野"},
	{"E-B1", "情報セキュリティ方針を定めている", "", "ガバナンス", "ベースライン", ""},
	{"E-B2", "CSIRTの連絡窓口を定めている", "", "インシデント対応", "ベースライン", ""},
	{"E-B3", "重要データのバックアップを取得している", "", "事業継続", "ベースライン", ""},
	{"E-B4", "委託先にセキュリティ要求を示している", "", "サプライチェーン", "ベースライン", ""},
	{"E-L1", "第三者によるセキュリティ評価を受けている", "", "ガバナンス", "先導的", ""},
	{"E-L2", "制御系ネットワークを常時監視している", "", "事業継続", "先導的", ""},
}

// Answers by question (E-B1 ... E-L2) and what they make, by hand:
//
//	operator A (browser, sector S1): i i i i i p  -> baseline yes, leading no
//	F1 (bulk, S1):                   i i i i i i  -> yes, yes
//	F2 (bulk, S1):                   i i n i n i  -> no,  no
//	F3 (bulk, S1):                   i i i i x i  -> yes, yes (n.a. counts as done)
//	operator B (workbook, S2):       i i i i i l  -> yes, no
//
// S1: 4 respondents, baseline 3/4 = 75.0%, leading 2/4 = 50.0%.
// S2: 1 respondent, baseline 100.0%, leading 0.0%.
// Overall: 5, baseline 4/5 = 80.0%, leading 2/5 = 40.0%.
var e2eAnswers = map[string][]string{
	"A":  {"implemented", "implemented", "implemented", "implemented", "implemented", "partly"},
	"F1": {"実施", "実施", "実施", "実施", "実施", "実施"},
	"F2": {"実施", "実施", "未実施", "実施", "未実施", "実施"},
	"F3": {"実施", "実施", "実施", "実施", "該当なし", "実施"},
	"B":  {"実施", "実施", "実施", "実施", "実施", "予定"},
}

// evalAsync evaluates a JavaScript expression that returns a promise.
func evalAsync[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// writeXLSX writes rows to the first sheet of a new workbook.
func writeXLSX(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			f.SetCellStr("Sheet1", cell, v)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSurveys(t *testing.T) {
	e := newEnv(t, engine())
	ctx := context.Background()

	// The cast: operator A is the demo operator (sector S1); operator B is
	// an operator of another sector (S2), with an analyst made for the
	// journey; F1-F3 are three more operators of S1 whose answers NISC
	// enters from paper.
	opA := e.org(t, e.ds.RoleOrgs[ceptor.OrgOperator])
	s1 := opA.SectorIDs[0]
	active := true
	ops, _, err := e.db.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgOperator, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	var opB *ceptor.Organization
	var bulk []*ceptor.Organization
	for _, o := range ops {
		switch {
		case o.ID == opA.ID || len(o.SectorIDs) != 1:
		case o.SectorIDs[0] == s1 && len(bulk) < 3:
			bulk = append(bulk, o)
		case o.SectorIDs[0] != s1 && opB == nil:
			opB = o
		}
	}
	if opB == nil || len(bulk) < 3 {
		t.Fatal("demo data: not enough operators")
	}
	s2 := opB.SectorIDs[0]
	hash, err := auth.HashPassword(auth.TestParams, demo.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	emailB := "survey-b@" + demo.EmailDomain
	if err := e.db.CreateUser(ctx, &ceptor.User{OrgID: opB.ID, Email: emailB, Name: "回答 太郎", Role: ceptor.RoleAnalyst, Lang: "ja", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}

	nisc := e.rtab(t, 4*time.Minute)
	nisc.signIn("admin.nisc@demo.example")
	nisc.do("window", chromedp.EmulateViewport(1366, 900))

	// 1. Catalog from Excel.
	catFile := writeTemp(t, "catalog.xlsx", writeXLSX(t, e2eCatalog))
	nisc.open("/catalogs")
	nisc.fill("#cat-code", "e2e")
	nisc.fill("#cat-title", "E2E 指針")
	nisc.fill("#cat-edition", "第1版")
	nisc.do("choose the catalog file", chromedp.SetUploadFiles(chromedp.CSS("#cat-file"), []string{catFile}))
	if st := nisc.submit(`form.import-form button[type=submit]`); st != 200 || !strings.HasPrefix(nisc.path(), "/catalogs/") {
		nisc.fatalf("catalog import: %d at %s\n%s", st, nisc.path(), nisc.text())
	}
	if txt := nisc.text(); !strings.Contains(txt, "E-L2") || !strings.Contains(txt, "先導的") {
		nisc.fatalf("catalog page lacks its items:\n%s", txt)
	}
	catID, _ := strconv.ParseInt(strings.TrimPrefix(nisc.path(), "/catalogs/"), 10, 64)
	nisc.shot("survey-01-catalog.png")

	// 2. Campaign to S1 and S2, opened.
	nisc.open("/surveys/new")
	nisc.fill("#sv-title", "E2E 浸透状況等調査")
	nisc.set("#sv-cat", strconv.FormatInt(catID, 10))
	if st := nisc.submit(`form[action="/surveys"] button[type=submit]`); st != 200 {
		nisc.fatalf("create campaign: %d", st)
	}
	campPath := nisc.path()
	campID, _ := strconv.ParseInt(strings.TrimPrefix(campPath, "/surveys/"), 10, 64)
	if campID == 0 {
		nisc.fatalf("not on a campaign page: %s", campPath)
	}
	nisc.click(fmt.Sprintf(`input[name=sector_id][value="%d"]`, s1))
	nisc.click(fmt.Sprintf(`input[name=sector_id][value="%d"]`, s2))
	nisc.shot("survey-02-targets.png")
	if st := nisc.submit(`form[action$="/targets"] button[type=submit]`); st != 200 {
		nisc.fatalf("targets: %d", st)
	}
	if st := nisc.confirmed(`[data-open-survey]`); st != 200 {
		nisc.fatalf("open: %d", st)
	}
	nisc.waitJS("the live dashboard", `document.querySelector("[data-live-status].on") !== null`, 10*time.Second)
	if got := nisc.texts("[data-total-submitted]"); len(got) != 1 || got[0] != "0" {
		nisc.fatalf("submitted before anyone answered: %v", got)
	}
	nisc.shot("survey-03-progress-empty.png")

	// 3. Operator A answers in the browser; NISC's dashboard follows.
	a := e.rtab(t, 3*time.Minute)
	a.signIn("analyst.operator@demo.example")
	a.do("window", chromedp.EmulateViewport(1366, 900))
	a.open("/surveys")
	if !strings.Contains(a.text(), "E2E 浸透状況等調査") {
		a.fatalf("the operator is not asked:\n%s", a.text())
	}
	a.open(fmt.Sprintf("/surveys/%d/answer", campID))
	for i, v := range e2eAnswers["A"] {
		a.click(fmt.Sprintf(`input[name=q%d][value=%s]`, i+1, v))
	}
	a.click(`input[name=csirt][value=yes]`)
	a.click(`input[name=exercises][value=yes]`)
	a.click(`input[name=executive][value=no]`)
	// Save and resume: the answers come back.
	if st := a.submit(`[data-save]`); st != 200 || !strings.Contains(a.flash(), "一時保存") {
		a.fatalf("save: %d %q", st, a.flash())
	}
	if !a.exists(`input[name=q6][value=partly]:checked`) {
		a.fatalf("saved answers did not come back")
	}
	// Submitting needs the confirmation box (the script points at it).
	a.click(`[data-submit]`)
	if !a.exists(".submit-box.confirm-needed") {
		a.fatalf("submitted without the confirmation")
	}
	a.shot("survey-04-answer-form.png")
	a.click(`[data-confirm-box]`)
	if st := a.submit(`[data-submit]`); st != 200 || !strings.Contains(a.flash(), "提出") {
		a.fatalf("submit: %d %q", st, a.flash())
	}
	nisc.waitJS("the dashboard to count A's submission", `(document.querySelector("[data-total-submitted]")||{}).textContent === "1"`, 15*time.Second)
	nisc.shot("survey-05-progress-live.png")

	// 4. Operator B answers with the campaign's workbook.
	b := e.rtab(t, 3*time.Minute)
	b.signIn(emailB)
	b.open(fmt.Sprintf("/surveys/%d/answer", campID))
	wb := evalAsync[string](b.tab, fmt.Sprintf(`fetch("/surveys/%d/answer.xlsx").then(r => r.arrayBuffer()).then(buf => {
		let s = ""; new Uint8Array(buf).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, campID))
	raw, err := base64.StdEncoding.DecodeString(wb)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the template is not a workbook: %v", err)
	}
	sheet := f.GetSheetName(0)
	rows, _ := f.GetRows(sheet)
	if len(rows) != 1+6+4 || rows[0][6] != "回答" {
		t.Fatalf("template rows: %q", rows)
	}
	// First a mistake: a wrong answer in row 4. Nothing is stored.
	for i, v := range e2eAnswers["B"] {
		f.SetCellStr(sheet, fmt.Sprintf("G%d", i+2), v)
	}
	for r := 8; r <= 10; r++ {
		f.SetCellStr(sheet, fmt.Sprintf("G%d", r), "はい")
	}
	f.SetCellStr(sheet, "G4", "だいたい")
	var buf bytes.Buffer
	f.Write(&buf)
	b.do("choose the wrong workbook", chromedp.SetUploadFiles(chromedp.CSS("#up-file"), []string{writeTemp(t, "wrong.xlsx", buf.Bytes())}))
	b.click(`.upload-form input[name=submit]`)
	if st := b.submit(`[data-upload]`); st != 422 {
		b.fatalf("wrong workbook: %d", st)
	}
	if txt := b.text(); !strings.Contains(txt, "だいたい") || !strings.Contains(txt, "回答") {
		b.fatalf("no row-level error:\n%s", txt)
	}
	b.shot("survey-06-upload-error.png")
	f.SetCellStr(sheet, "G4", e2eAnswers["B"][2])
	buf.Reset()
	f.Write(&buf)
	b.do("choose the workbook", chromedp.SetUploadFiles(chromedp.CSS("#up-file"), []string{writeTemp(t, "answers.xlsx", buf.Bytes())}))
	b.click(`.upload-form input[name=submit]`)
	if st := b.submit(`[data-upload]`); st != 200 || !strings.Contains(b.flash(), "提出") {
		b.fatalf("workbook: %d %q\n%s", st, b.flash(), b.text())
	}
	nisc.waitJS("the dashboard to count B's workbook", `(document.querySelector("[data-total-submitted]")||{}).textContent === "2"`, 15*time.Second)

	// 5. NISC enters three paper answers in bulk.
	sheetRows := [][]string{{"組織ID", "設問ID", "回答"}}
	for i, o := range bulk {
		ans := e2eAnswers[fmt.Sprintf("F%d", i+1)]
		for q, v := range ans {
			sheetRows = append(sheetRows, []string{strconv.FormatInt(o.ID, 10), e2eCatalog[q+1][0], v})
		}
		for _, k := range []string{"csirt", "exercises", "executive"} {
			sheetRows = append(sheetRows, []string{strconv.FormatInt(o.ID, 10), k, "いいえ"})
		}
	}
	nisc.do("choose the bulk workbook", chromedp.SetUploadFiles(chromedp.CSS(`form[action$="/import"] input[type=file]`), []string{writeTemp(t, "bulk.xlsx", writeXLSX(t, sheetRows))}))
	if st := nisc.submit(`form[action$="/import"] button[type=submit]`); st != 200 || !strings.Contains(nisc.text(), "3組織") {
		nisc.fatalf("bulk import: %d\n%s", st, nisc.text())
	}
	nisc.waitJS("the dashboard after the bulk import", `(document.querySelector("[data-total-submitted]")||{}).textContent === "5"`, 15*time.Second)
	nisc.shot("survey-07-progress-after-bulk.png")

	// 6. Close and read the rates.
	if st := nisc.confirmed(`[data-close-survey]`); st != 200 {
		nisc.fatalf("close: %d", st)
	}
	nisc.open(fmt.Sprintf("/surveys/%d/stats", campID))
	cell := func(sector int64, col string) string {
		got := nisc.texts(fmt.Sprintf(`tr[data-sector="%d"] [data-%s]`, sector, col))
		if len(got) != 1 {
			nisc.fatalf("no %s cell for sector %d", col, sector)
		}
		return got[0]
	}
	for _, c := range []struct {
		sector            int64
		baseline, leading string
	}{{s1, "75.0%", "50.0%"}, {s2, "100.0%", "0.0%"}, {0, "80.0%", "40.0%"}} {
		if got := cell(c.sector, "baseline"); got != c.baseline {
			nisc.fatalf("sector %d baseline %s, want %s", c.sector, got, c.baseline)
		}
		if got := cell(c.sector, "leading"); got != c.leading {
			nisc.fatalf("sector %d leading %s, want %s", c.sector, got, c.leading)
		}
	}
	nisc.shot("survey-08-stats.png")

	// 7. Operator A: its own comparison, nobody else's answers.
	a.open(fmt.Sprintf("/surveys/%d/compare", campID))
	if got := a.texts("[data-own-baseline]"); len(got) != 1 || got[0] != "100.0%" {
		a.fatalf("own baseline share: %v", got)
	}
	if a.exists("[data-sector-hidden]") {
		a.fatalf("three other operators answered, yet the sector is hidden")
	}
	html := eval[string](a.tab, `document.documentElement.outerHTML`)
	for _, o := range append(slices.Clone(bulk), opB) {
		if strings.Contains(html, o.Name) {
			a.fatalf("the comparison names %s", o.Name)
		}
	}
	a.shot("survey-09-compare.png")
	for _, o := range bulk {
		st := evalAsync[int](a.tab, fmt.Sprintf(`fetch("/api/v1/surveys/%d/response?org_id=%d").then(r => r.status)`, campID, o.ID))
		if st != 404 {
			a.fatalf("operator A read %s's answers: %d", o.Name, st)
		}
	}
	if st := a.open(fmt.Sprintf("/surveys/%d/stats", campID)); st == 200 {
		a.fatalf("operator A opened the campaign statistics")
	}
	a.open("/surveys")
	a.shot("survey-10-operator-index.png")

	// The other pages of the module, as NISC sees them.
	for _, p := range []struct{ path, shot, want string }{
		{"/surveys", "survey-11-index.png", "E2E 浸透状況等調査"},
		{"/surveys/trends", "survey-12-trends.png", "年度推移"},
		{"/standards", "survey-13-standards.png", "分野で安全基準等の改善を実施し"},
		{"/catalogs", "survey-14-catalogs.png", "E2E 指針"},
	} {
		if st := nisc.open(p.path); st != 200 || !strings.Contains(nisc.text(), p.want) {
			nisc.fatalf("%s: %d", p.path, st)
		}
		nisc.shot(p.shot)
	}
}
