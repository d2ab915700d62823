package e2e

import (
	"strings"
	"testing"
	"time"

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

	mt := e.tabFor(t, 2*time.Minute)
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
	href := eval[string](mt, `Array.from(document.querySelectorAll("a[data-std-file]")).find(a => a.textContent.includes("電力制御システム安全基準")).getAttribute("href")`)
	info := evalAsync[string](mt, `fetch("`+href+`").then(r => r.status + " " + r.headers.get("content-type") + " " + r.headers.get("content-disposition"))`)
	if !strings.HasPrefix(info, "200 application/octet-stream attachment;") || !strings.Contains(info, "filename*=UTF-8''") {
		mt.fatalf("download answers %q", info)
	}
	// The replace and remove forms of the file, opened for the screenshot.
	id := strings.TrimSuffix(strings.TrimPrefix(href, "/standards/"), "/file")
	mt.do("open the file forms", chromedp.Click(chromedp.CSS("#std-"+id+" details.revise > summary"), chromedp.NodeVisible))
	if !mt.exists("#std-" + id + ` form[action$="/file/delete"]`) {
		mt.fatalf("no remove form for the file")
	}
	// Opening the details scrolled the page; a full-page shot starts at the top.
	eval[bool](mt, `window.scrollTo(0, 0), true`)
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
