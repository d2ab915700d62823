package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"ceptor"
)

// repWorld is the demo data set seen from the reports' side: the bank
// operator that reports, its ministry (金融庁), the secretariat of its
// CEPTOR (銀行等セプター) and NISC.
type repWorld struct {
	*harness
	t                                 *testing.T
	sector, ceptorID                  int64
	opOrg, minOrg, secOrg, niscOrg    int64
	opTok, minTok, secTok, niscTok    string
	secAdminTok, execTok, otherOpTok  string
	otherOpEmail                      string
	opEmail, minEmail, secEmail, nisc string
}

func newRepWorld(t *testing.T, engine string) *repWorld {
	t.Helper()
	h := newHarness(t, engine)
	w := &repWorld{harness: h, t: t,
		opEmail: "analyst.operator@demo.example", minEmail: "analyst.ministry@demo.example",
		secEmail: "analyst.secretariat@demo.example", nisc: "analyst.nisc@demo.example"}
	ctx := context.Background()
	orgOf := func(email string) *ceptor.Organization {
		u, err := h.db.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.db.FindOrg(ctx, u.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	op := orgOf(w.opEmail)
	w.opOrg, w.minOrg, w.secOrg, w.niscOrg = op.ID, orgOf(w.minEmail).ID, orgOf(w.secEmail).ID, orgOf(w.nisc).ID
	w.sector = op.SectorIDs[0]
	ceptors, err := h.db.ListCeptors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ceptors {
		if c.SecretariatOrgID == w.secOrg {
			w.ceptorID = c.ID
		}
	}
	if w.ceptorID == 0 {
		t.Fatal("no CEPTOR run by the demo secretariat")
	}
	// Another operator, of another CEPTOR.
	for _, c := range ceptors {
		if c.ID != w.ceptorID && c.Code != "" {
			email := "admin.op-" + c.Code + "@demo.example"
			if _, err := h.db.FindUserByEmail(ctx, email); err == nil {
				w.otherOpEmail = email
				break
			}
		}
	}
	if w.otherOpEmail == "" {
		t.Fatal("no second operator user in the demo data")
	}
	w.opTok, w.minTok, w.secTok, w.niscTok = h.token(w.opEmail, nil), h.token(w.minEmail, nil), h.token(w.secEmail, nil), h.token(w.nisc, nil)
	w.secAdminTok, w.execTok, w.otherOpTok = h.token("admin.secretariat@demo.example", nil), h.token("executive.operator@demo.example", nil), h.token(w.otherOpEmail, nil)
	return w
}

// repJSON is what the tests read of the API's report view.
type repJSON struct {
	ID             int64    `json:"id"`
	Version        int      `json:"version"`
	Status         string   `json:"status"`
	Route          string   `json:"route"`
	Title          string   `json:"title"`
	Body           string   `json:"body"`
	OrgID          int64    `json:"org_id"`
	Reporter       string   `json:"reporter"`
	ReporterOrgID  int64    `json:"reporter_org_id"`
	PendingAtOrgID int64    `json:"pending_at_org_id"`
	Own            bool     `json:"own"`
	ReviewPending  bool     `json:"review_pending"`
	Warnings       []string `json:"warnings"`
	Hops           []struct {
		From      string `json:"from"`
		FromOrgID int64  `json:"from_org_id"`
		To        string `json:"to"`
		ToOrgID   int64  `json:"to_org_id"`
		Action    string `json:"action"`
		Pending   bool   `json:"pending"`
	} `json:"hops"`
	Versions []struct {
		Version     int    `json:"version"`
		VersionKind string `json:"version_kind"`
		Title       string `json:"title"`
		Body        string `json:"body"`
	} `json:"versions"`
	Attachments []struct {
		ID       int64  `json:"id"`
		FileName string `json:"file_name"`
		Withheld bool   `json:"withheld"`
		SHA256   string `json:"sha256"`
	} `json:"attachments"`
	Actions map[string]bool `json:"actions"`
}

// call sends a JSON request and decodes a JSON answer into out (when not nil).
func (w *repWorld) call(method, path, tok string, body any, out any) (int, string) {
	w.t.Helper()
	var s string
	switch b := body.(type) {
	case nil:
	case string:
		s = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		s = string(raw)
	}
	code, resp := w.api(method, path, tok, s)
	if out != nil && code < 300 {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			w.t.Fatalf("%s %s: %v\n%s", method, path, err, resp)
		}
	}
	return code, resp
}

// report fetches a report's view with a token.
func (w *repWorld) report(tok string, id int64) (int, repJSON, string) {
	w.t.Helper()
	var r repJSON
	code, body := w.call("GET", fmt.Sprintf("/api/v1/reports/%d", id), tok, nil, &r)
	return code, r, body
}

// mustReport fetches a report that must be visible.
func (w *repWorld) mustReport(tok string, id int64) repJSON {
	w.t.Helper()
	code, r, body := w.report(tok, id)
	if code != http.StatusOK {
		w.t.Fatalf("GET report %d: %d %s", id, code, body)
	}
	return r
}

// reportBody is a complete report on a route.
func (w *repWorld) reportBody(route ceptor.Route, title, body string, submit bool) map[string]any {
	m := map[string]any{"route": route, "sector_id": w.sector, "tlp": "amber", "title": title, "body": body,
		"event_class": "intrusion", "causes": []string{"targeted_email", "malware"}, "systems": []string{"it"},
		"detected_at": "2025-06-01T09:30", "indicators": []map[string]string{{"type": "domain", "value": "evil[.]example"}},
		"submit": submit}
	if route == ceptor.RouteAnonymous {
		m["ceptor_id"] = w.ceptorID
	}
	return m
}

// create makes a report with the operator's token and returns its id.
func (w *repWorld) create(tok string, body map[string]any) int64 {
	w.t.Helper()
	var r repJSON
	code, resp := w.call("POST", "/api/v1/reports", tok, body, &r)
	if code != http.StatusCreated {
		w.t.Fatalf("create: %d %s", code, resp)
	}
	return r.ID
}

// relay relays with a token and fails the test unless it works.
func (w *repWorld) relay(tok string, id int64, body any) repJSON {
	w.t.Helper()
	var r repJSON
	if body == nil {
		body = map[string]any{}
	}
	code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/relay", id), tok, body, &r)
	if code != http.StatusOK {
		w.t.Fatalf("relay %d: %d %s", id, code, resp)
	}
	return r
}

// upload posts a file as multipart/form-data with a token.
func (w *repWorld) upload(tok string, id int64, name string, data []byte) (int, string) {
	w.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		w.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/reports/%d/attachments", w.ts.URL, id), &buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// uploadForm posts a file through the page's form with a browser client.
func (c *client) uploadForm(path, name string, data []byte) (int, string) {
	c.h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.h.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.h.ts.URL)
	code, body, _ := c.do(req)
	return code, body
}

// getRaw fetches a path with a token and returns status, headers and body.
func (w *repWorld) getRaw(path, tok string) (int, http.Header, []byte) {
	w.t.Helper()
	req, _ := http.NewRequest("GET", w.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// listIDs lists a queue through the API and returns the ids.
func (w *repWorld) listIDs(tok, query string) ([]int64, int) {
	w.t.Helper()
	var out struct {
		Items []repJSON `json:"items"`
		Total int       `json:"total"`
	}
	code, body := w.call("GET", "/api/v1/reports?"+query, tok, nil, &out)
	if code != http.StatusOK {
		w.t.Fatalf("list %q: %d %s", query, code, body)
	}
	var ids []int64
	for _, it := range out.Items {
		ids = append(ids, it.ID)
	}
	return ids, out.Total
}

func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func mustContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Fatalf("%s: %q missing", what, s)
		}
	}
}
