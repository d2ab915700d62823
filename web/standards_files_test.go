package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ceptor"
)

// stdWorld is a ministry with one of its sectors and a document in it.
type stdWorld struct {
	*surveyWorld
	minTok, opTok string
	mine, other   int64 // a sector the ministry oversees; one it does not
	doc           int64
}

func newStdWorld(t *testing.T, engine string) *stdWorld {
	w := &stdWorld{surveyWorld: newSurveyWorld(t, engine)}
	ctx := context.Background()
	w.minTok = w.token("analyst.ministry@demo.example", nil)
	w.opTok = w.token("analyst.operator@demo.example", nil)
	mu, _ := w.db.FindUserByEmail(ctx, "analyst.ministry@demo.example")
	sectors, _ := w.db.ListSectors(ctx)
	for _, s := range sectors {
		if s.MinistryOrgID == mu.OrgID && w.mine == 0 {
			w.mine = s.ID
		} else if s.MinistryOrgID != mu.OrgID && w.other == 0 {
			w.other = s.ID
		}
	}
	doc := fmt.Sprintf(`{"sector_id":%d,"title":"ファイル付き安全基準","issuer":"テスト省","version":"第1版","issued_on":"2025-04-01"}`, w.mine)
	code, body := w.api("POST", "/api/v1/standards", w.minTok, doc)
	if code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, body)
	}
	var d ceptor.SectorStandard
	mustJSON(t, body, &d)
	w.doc = d.ID
	return w
}

// multipartBody builds a body with form fields and, when name is not
// empty, a file part.
func multipartBody(fields map[string]string, name string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// download fetches a path with a token (or none) and returns status,
// headers and body.
func (h *harness) download(path, token string) (int, http.Header, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// wantDownload checks the headers of a file download: never rendered.
func wantDownload(t *testing.T, hdr http.Header, name string) {
	t.Helper()
	if hdr.Get("Content-Type") != "application/octet-stream" || hdr.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download headers %v", hdr)
	}
	cd := hdr.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(name)) {
		t.Fatalf("Content-Disposition %q", cd)
	}
}

func (w *stdWorld) auditActions(t *testing.T) []string {
	t.Helper()
	list, err := w.db.ListAudit(context.Background(), ceptor.AuditFilter{Action: "standard.file", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Action)
	}
	return out
}

// The file of a standards document through the API: the sector's ministry
// uploads, replaces and removes it; every participant downloads it as a
// file, never rendered; others may not change it; bad uploads get clear
// Japanese errors; every change is audited.
func TestStandardFilesAPI(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newStdWorld(t, engine)
			path := fmt.Sprintf("/api/v1/standards/%d/file", w.doc)
			name := "安全基準 第1版.pdf"
			pdf := []byte("%PDF-1.7\n% ファイル付き安全基準\n")
			body, ct := multipartBody(nil, name, pdf)
			code, resp := w.raw("POST", path, w.minTok, ct, body)
			if code != http.StatusOK || !strings.Contains(resp, `"file_name":"`+name+`"`) || !strings.Contains(resp, `"content_type":"application/pdf"`) {
				t.Fatalf("upload: %d %s", code, resp)
			}
			// Listed with the document, downloaded by an operator as a file.
			if _, list := w.api("GET", fmt.Sprintf("/api/v1/standards?sector_id=%d", w.mine), w.opTok, ""); !strings.Contains(list, `"file_name":"`+name+`"`) {
				t.Fatalf("list lacks the file: %s", list)
			}
			code, hdr, got := w.download(path, w.opTok)
			if code != http.StatusOK || !bytes.Equal(got, pdf) {
				t.Fatalf("operator download: %d %q", code, got)
			}
			wantDownload(t, hdr, name)

			// Refused: no credentials; an operator or another sector's keeper changing it.
			if code, _, _ := w.download(path, ""); code != http.StatusUnauthorized {
				t.Fatalf("anonymous download: %d", code)
			}
			if code, resp := w.raw("POST", path, w.opTok, ct, body); code != http.StatusForbidden {
				t.Fatalf("operator upload: %d %s", code, resp)
			}
			if code, _ := w.api("DELETE", path, w.opTok, ""); code != http.StatusForbidden {
				t.Fatalf("operator removal: %d", code)
			}
			secTok := w.token("analyst.secretariat@demo.example", nil)
			if code, _ := w.raw("POST", path, secTok, ct, body); code != http.StatusForbidden {
				t.Fatalf("secretariat upload: %d", code)
			}
			readTok := w.token("analyst.ministry@demo.example", []string{ceptor.ScopeRead})
			if code, _ := w.raw("POST", path, readTok, ct, body); code != http.StatusForbidden {
				t.Fatalf("read-only token upload: %d", code)
			}
			if code, _, _ := w.download(fmt.Sprintf("/api/v1/standards/%d/file", w.doc+999), w.opTok); code != http.StatusNotFound {
				t.Fatalf("unknown document: %d", code)
			}

			// Bad uploads: too large, empty, no file part, broken multipart.
			big, bct := multipartBody(nil, "大きすぎる.pdf", bytes.Repeat([]byte("x"), ceptor.MaxAttachmentSize+1))
			if code, resp := w.raw("POST", path, w.minTok, bct, big); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "ファイルが大きすぎます（10MBまで）") {
				t.Fatalf("too large: %d %s", code, resp)
			}
			empty, ect := multipartBody(nil, "empty.pdf", nil)
			if code, resp := w.raw("POST", path, w.minTok, ect, empty); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "空のファイル") {
				t.Fatalf("empty: %d %s", code, resp)
			}
			nofile, nct := multipartBody(map[string]string{"note": "x"}, "", nil)
			if code, resp := w.raw("POST", path, w.minTok, nct, nofile); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "ファイルを選択してください") {
				t.Fatalf("no file: %d %s", code, resp)
			}
			if code, resp := w.raw("POST", path, w.minTok, "multipart/form-data; boundary=zzz", []byte("--zzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\nunterminated")); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "multipart/form-data の形式が正しくありません") {
				t.Fatalf("broken multipart: %d %s", code, resp)
			}
			if code, resp := w.raw("POST", path, w.minTok, "application/pdf", pdf); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "ファイルを選択してください") {
				t.Fatalf("not multipart: %d %s", code, resp)
			}
			if _, _, got := w.download(path, w.opTok); !bytes.Equal(got, pdf) {
				t.Fatal("a refused upload changed the file")
			}

			// Replace with an HTML file: stored as uploaded, served as a file.
			html := []byte("<html><script>alert(1)</script></html>")
			hb, hct := multipartBody(nil, "改定案.html", html)
			if code, resp := w.raw("POST", path, w.minTok, hct, hb); code != http.StatusOK || !strings.Contains(resp, "改定案.html") {
				t.Fatalf("replace: %d %s", code, resp)
			}
			code, hdr, got = w.download(path, w.opTok)
			if code != http.StatusOK || !bytes.Equal(got, html) {
				t.Fatalf("replaced download: %d %q", code, got)
			}
			wantDownload(t, hdr, "改定案.html")

			// A revision starts without a file; the first revision keeps its own.
			if code, resp := w.api("POST", fmt.Sprintf("/api/v1/standards/%d/revisions", w.doc), w.minTok, `{"version":"第2版","issued_on":"2026-04-01"}`); code != http.StatusOK || strings.Contains(resp, `"file"`) {
				t.Fatalf("revise: %d %s", code, resp)
			}
			if code, _, _ := w.download(path, w.opTok); code != http.StatusNotFound {
				t.Fatalf("the new revision has a file: %d", code)
			}
			var one struct {
				Revisions    int `json:"revisions"`
				RevisionList []struct {
					Seq  int                  `json:"seq"`
					File *ceptor.StandardFile `json:"file"`
				} `json:"revision_list"`
			}
			code, resp = w.api("GET", fmt.Sprintf("/api/v1/standards/%d", w.doc), w.opTok, "")
			mustJSON(t, resp, &one)
			if code != http.StatusOK || one.Revisions != 2 || len(one.RevisionList) != 2 || one.RevisionList[0].File != nil || one.RevisionList[1].Seq != 1 || one.RevisionList[1].File.FileName != "改定案.html" {
				t.Fatalf("document with revisions: %d %s", code, resp)
			}
			if code, _, got := w.download(fmt.Sprintf("/api/v1/standards/%d/revisions/1/file", w.doc), w.opTok); code != http.StatusOK || !bytes.Equal(got, html) {
				t.Fatalf("revision 1 file: %d", code)
			}
			if code, _, _ := w.download(fmt.Sprintf("/api/v1/standards/%d/revisions/x/file", w.doc), w.opTok); code != http.StatusNotFound {
				t.Fatalf("bad revision number: %d", code)
			}
			body2, ct2 := multipartBody(nil, "第2版.pdf", pdf)
			if code, _ := w.raw("POST", path, w.nisc, ct2, body2); code != http.StatusOK {
				t.Fatalf("NISC upload: %d", code)
			}
			if code, resp := w.api("DELETE", path, w.minTok, ""); code != http.StatusOK || strings.Contains(resp, `"file"`) {
				t.Fatalf("remove: %d %s", code, resp)
			}
			if code, _ := w.api("DELETE", path, w.minTok, ""); code != http.StatusNotFound {
				t.Fatalf("remove again: %d", code)
			}
			want := []string{"standard.file_upload", "standard.file_replace", "standard.file_upload", "standard.file_remove"}
			if got := w.auditActions(t); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("audit %v, want %v", got, want)
			}

			// Documented.
			if _, spec := w.api("GET", "/api/v1/openapi.json", "", ""); !strings.Contains(spec, `"/api/v1/standards/{id}/file"`) || !strings.Contains(spec, `"/api/v1/standards/{id}/revisions/{seq}/file"`) {
				t.Fatal("the OpenAPI document lacks the file routes")
			}
		})
	}
}

// The register page: the ministry registers a document with its file in
// one form, replaces and removes it; anyone signed in downloads it; a
// too-large file is refused with the Japanese message beside the field.
func TestStandardFilesPage(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newStdWorld(t, engine)
			mc := w.login("analyst.ministry@demo.example")
			mc.get("/standards")
			post := func(path string, fields map[string]string, name string, data []byte) (int, string, string) {
				t.Helper()
				if fields == nil {
					fields = map[string]string{}
				}
				fields["csrf"] = mc.csrf
				body, ct := multipartBody(fields, name, data)
				req, _ := http.NewRequest("POST", w.ts.URL+path, bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Origin", w.ts.URL)
				code, page, hdr := mc.do(req)
				return code, page, hdr.Get("Location")
			}
			doc := map[string]string{"sector_id": fmt.Sprint(w.mine), "title": "画面から登録した基準", "issuer": "テスト省", "version": "第3版", "issued_on": "2025-10-01"}
			data := []byte("%PDF-1.4 画面から")
			code, page, _ := post("/standards", doc, "画面の基準.pdf", data)
			if code != http.StatusSeeOther {
				t.Fatalf("create with file: %d\n%s", code, page)
			}
			_, page = mc.get("/standards")
			m := regexp.MustCompile(`<a href="(/standards/(\d+)/file)" download data-std-file[^>]*>画面の基準.pdf</a>`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("the register page lacks the download link")
			}
			link, id := m[1], m[2]
			if !strings.Contains(page, "画面の基準.pdf</a> <span class=\"std-size\">（") {
				t.Fatal("the page lacks the file size")
			}
			// An operator downloads through the page's link; a stranger is sent to sign in.
			oc := w.login("analyst.operator@demo.example")
			req, _ := http.NewRequest("GET", w.ts.URL+link, nil)
			code, got, hdr := oc.do(req)
			if code != http.StatusOK || got != string(data) {
				t.Fatalf("operator download: %d", code)
			}
			wantDownload(t, hdr, "画面の基準.pdf")
			if code, _ := w.client().get(link); code != http.StatusSeeOther {
				t.Fatalf("signed-out download: %d", code)
			}
			if _, op := oc.get("/standards"); strings.Contains(op, "/standards/"+id+"/file\" enctype") || !strings.Contains(op, link) {
				t.Fatal("the operator sees the file forms, or not the link")
			}
			// The operator may not change the file.
			oc.get("/standards")
			req2body, req2ct := multipartBody(map[string]string{"csrf": oc.csrf}, "x.pdf", data)
			req2, _ := http.NewRequest("POST", w.ts.URL+"/standards/"+id+"/file", bytes.NewReader(req2body))
			req2.Header.Set("Content-Type", req2ct)
			req2.Header.Set("Origin", w.ts.URL)
			if code, _, _ := oc.do(req2); code != http.StatusForbidden {
				t.Fatalf("operator replaced the file: %d", code)
			}

			// Too large: refused in Japanese, beside the field, nothing stored.
			before, _ := w.db.ListStandards(context.Background(), w.mine)
			doc["title"] = "大きすぎる添付"
			code, page, _ = post("/standards", doc, "big.pdf", bytes.Repeat([]byte("x"), ceptor.MaxAttachmentSize+1))
			if code != http.StatusUnprocessableEntity || !strings.Contains(page, "ファイルが大きすぎます（10MBまで）") {
				t.Fatalf("too large: %d", code)
			}
			if list, _ := w.db.ListStandards(context.Background(), w.mine); len(list) != len(before) {
				t.Fatalf("%d documents after a refused upload", len(list))
			}

			// Replace, then a revision with its own file, then remove it.
			if code, page, loc := post("/standards/"+id+"/file", nil, "差し替え.pdf", []byte("%PDF-1.4 v2")); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/standards#std-"+id) {
				t.Fatalf("replace: %d %s\n%s", code, loc, page)
			}
			rev := map[string]string{"sector_id": fmt.Sprint(w.mine), "title": "画面から登録した基準", "issuer": "テスト省", "version": "第4版", "issued_on": "2026-04-01"}
			if code, page, _ := post("/standards/"+id+"/revise", rev, "第4版.pdf", []byte("%PDF-1.4 v4")); code != http.StatusSeeOther {
				t.Fatalf("revise with file: %d\n%s", code, page)
			}
			_, page = mc.get("/standards")
			if !strings.Contains(page, ">第4版.pdf</a>") || !strings.Contains(page, `/standards/`+id+`/revisions/1/file`) || !strings.Contains(page, ">差し替え.pdf</a>") {
				t.Fatal("the page lacks the revision files")
			}
			if code, _, _ := post("/standards/"+id+"/file/delete", nil, "", nil); code != http.StatusSeeOther {
				t.Fatalf("remove: %d", code)
			}
			_, page = mc.get("/standards")
			if strings.Contains(page, ">第4版.pdf</a>") || !strings.Contains(page, ">差し替え.pdf</a>") {
				t.Fatal("after removal")
			}
			// Missing file on the replace form.
			if code, page, _ := post("/standards/"+id+"/file", nil, "", nil); code != http.StatusUnprocessableEntity || !strings.Contains(page, "ファイルを選択してください") {
				t.Fatalf("replace without a file: %d", code)
			}
			// English.
			if _, page := mc.get("/standards?lang=en"); !strings.Contains(page, "Upload a file") || !strings.Contains(page, "Document file") || strings.Contains(page, "std.file.") {
				t.Fatal("English strings")
			}
		})
	}
}
