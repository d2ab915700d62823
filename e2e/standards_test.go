package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ceptor"

	"github.com/chromedp/chromedp"
)

// The standards register with a file (issue 6): the ministry registers a
// standards document of its sector together with the document's PDF from
// the register page; the page lists it with the file's name, size and a
// download link, which answers with the file as an attachment; an operator
// sees the link but none of the forms that change it.
func TestStandardsFile(t *testing.T) {
	e := newEnv(t, engine())
	pdf := writeTemp(t, "電力制御システム安全基準 第2版.pdf", []byte("%PDF-1.7\n% e2e standards file\n%%EOF\n"))

	mt := e.rtab(t, 2*time.Minute)
	mt.signIn("admin.ministry@demo.example")
	if st := mt.open("/standards"); st != 200 {
		mt.fatalf("GET /standards: %d", st)
	}
	mt.fill("#sd-title", "E2E 安全基準（ファイル付き）")
	mt.fill("#sd-issuer", "E2E 協議会")
	mt.fill("#sd-version", "第2版")
	mt.do("issued on", chromedp.SetValue(chromedp.CSS("#sd-date"), "2026-04-01"))
	mt.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#sd-file"), []string{pdf}))
	if st := mt.submit(`form[method=post][action="/standards"] button[type=submit]`); st != 200 {
		mt.fatalf("register: %d\n%s", st, mt.text())
	}
	if fl := mt.texts(".flash"); len(fl) == 0 || fl[0] != "文書を登録しました" {
		mt.fatalf("no confirmation after registering: %v", fl)
	}
	links := mt.texts("a[data-std-file]")
	found := false
	for _, l := range links {
		found = found || l == "電力制御システム安全基準 第2版.pdf"
	}
	if !found {
		mt.fatalf("no download link for the file among %v", links)
	}
	href := eval[string](mt.tab, `Array.from(document.querySelectorAll("a[data-std-file]")).find(a => a.textContent.includes("電力制御システム安全基準")).getAttribute("href")`)
	info := evalAsync[string](mt.tab, `fetch("`+href+`").then(r => r.status + " " + r.headers.get("content-type") + " " + r.headers.get("content-disposition"))`)
	if !strings.HasPrefix(info, "200 application/octet-stream attachment;") || !strings.Contains(info, "filename*=UTF-8''") {
		mt.fatalf("download answers %q", info)
	}
	// The replace and remove forms of the file, opened for the screenshot.
	id := strings.TrimSuffix(strings.TrimPrefix(href, "/standards/"), "/file")
	mt.do("open the file forms", chromedp.Click(chromedp.CSS("#std-"+id+" details.revise > summary"), chromedp.NodeVisible))
	if !mt.exists("#std-" + id + ` form[action$="/file/delete"]`) {
		mt.fatalf("no remove form for the file")
	}
	mt.shot("standards-01-file.png")

	op := e.tab(t)
	op.signIn("analyst.operator@demo.example")
	op.open("/standards")
	if !op.exists(`a[href="` + href + `"]`) {
		op.fatalf("the operator does not see the download link")
	}
	if op.exists(`input[data-std-file-input]`) || op.exists(`#sd-file`) {
		op.fatalf("the operator sees the file forms")
	}
}

// A draft survey campaign is renamed and deleted on its page by NISC's
// administrator, with a confirmation before the deletion; an analyst of
// NISC is offered neither.
func TestSurveyDraftRenameDelete(t *testing.T) {
	e := newEnv(t, engine())
	ctx := context.Background()
	cats, err := e.db.ListCatalogs(ctx)
	if err != nil || len(cats) == 0 {
		t.Fatalf("demo catalogs: %v", err)
	}
	items, err := e.db.CatalogItems(ctx, cats[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := e.db.FindUserByEmail(ctx, "admin.nisc@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	c := &ceptor.SurveyCampaign{Title: "E2E 下書きの調査", FiscalYear: 2026, CatalogID: cats[0].ID, CreatedBy: admin.ID,
		Questions: ceptor.BuildQuestions(items, ceptor.SurveyPerItem)}
	if err := e.db.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/surveys/%d", c.ID)

	an := e.tab(t)
	an.signIn("analyst.nisc@demo.example")
	if st := an.open(path); st != 200 || an.exists("[data-draft-manage]") {
		an.fatalf("the analyst's campaign page: %d, offered renaming: %v", st, an.exists("[data-draft-manage]"))
	}

	b := e.rtab(t, 2*time.Minute)
	b.signIn("admin.nisc@demo.example")
	if st := b.open(path); st != 200 || !b.exists("[data-draft-manage]") {
		b.fatalf("no draft management on %s (%d)", path, st)
	}
	b.fill("#rename-title", "E2E 2026年度 浸透状況等調査")
	if st := b.submit(`form[action$="/rename"] button[type=submit]`); st != 200 || b.path() != path {
		b.fatalf("rename: %d at %s", st, b.path())
	}
	if h := b.texts("h1"); len(h) == 0 || !strings.HasPrefix(h[0], "E2E 2026年度 浸透状況等調査") {
		b.fatalf("title after renaming: %v", h)
	}
	b.shot("survey-15-draft-renamed.png")
	if st := b.confirmed("[data-delete-survey]"); st != 200 || b.path() != "/surveys" {
		b.fatalf("delete: %d at %s", st, b.path())
	}
	if fl := b.texts(".flash"); len(fl) == 0 || fl[0] != "調査を削除しました" {
		b.fatalf("no confirmation of the deletion: %v", fl)
	}
	if st := b.open(path); st != 404 {
		b.fatalf("the deleted campaign answers %d", st)
	}
}
