package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"ceptor"
)

// Helpers of the registry tests.

// regUntranslated finds a message key that reached a page regUntranslated.
var regUntranslated = regexp.MustCompile(`[>"]\s*(registry|org|sector|ceptor|contact|entity|lang|common|err|contactkind|orgtype)\.[a-z_0-9.]*\s*[<"]`)

// regDemoOrg returns the stored organisation of a demo data set key.
func (h *harness) regDemoOrg(key string) *ceptor.Organization {
	h.t.Helper()
	rec := h.ds.Org(key)
	if rec == nil {
		h.t.Fatalf("no demo organisation %q", key)
	}
	return h.orgByName(rec.Org.Name)
}

// regDemoEmail returns the e-mail of the first contact of a demo organisation.
func (h *harness) regDemoEmail(key string) string {
	h.t.Helper()
	rec := h.ds.Org(key)
	for _, c := range rec.Contacts {
		if c.Email != "" {
			return c.Email
		}
	}
	h.t.Fatalf("demo organisation %q has no contact e-mail", key)
	return ""
}

func (h *harness) regCeptorID(code string) int64 {
	h.t.Helper()
	list, err := h.db.ListCeptors(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range list {
		if c.Code == code {
			return c.ID
		}
	}
	h.t.Fatalf("no CEPTOR %q", code)
	return 0
}

func (h *harness) regSectorID(code string) int64 {
	h.t.Helper()
	list, err := h.db.ListSectors(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, s := range list {
		if s.Code == code {
			return s.ID
		}
	}
	h.t.Fatalf("no sector %q", code)
	return 0
}

// regAudited counts the audit entries of an action (prefix) about an
// organisation (0: any).
func (h *harness) regAudited(action string, orgID int64) int {
	h.t.Helper()
	list, err := h.db.ListAudit(context.Background(), ceptor.AuditFilter{Action: action, OrgID: orgID, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(list)
}

func regID(n int64) string { return strconv.FormatInt(n, 10) }

// regUpload posts a multipart form with one file, like a browser.
func (c *client) regUpload(path string, fields url.Values, filename string, content []byte) (int, string, string) {
	c.h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if fields == nil {
		fields = url.Values{}
	}
	if fields.Get("csrf") == "" {
		fields.Set("csrf", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.h.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.h.ts.URL)
	code, body, hdr := c.do(req)
	return code, body, hdr.Get("Location")
}

// regDownload fetches a path and returns status, headers and body.
func (c *client) regDownload(path string) (int, http.Header, []byte) {
	c.h.t.Helper()
	req, _ := http.NewRequest("GET", c.h.ts.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// regAPIRaw sends a request with a bearer token and an arbitrary body.
func (h *harness) regAPIRaw(method, path, token, contentType string, body []byte) (int, http.Header, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// regMultipart builds a multipart body with the file in field "file".
func regMultipart(name string, content []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// regOrgList is the API's list envelope of organisations.
type regOrgList struct {
	Items  []ceptor.Organization `json:"items"`
	Total  int                   `json:"total"`
	Limit  int                   `json:"limit"`
	Offset int                   `json:"offset"`
	Next   string                `json:"next"`
}

func regDecode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, body)
	}
	return v
}

// regAPIError is the error envelope of the API.
type regAPIError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
	Rows []struct {
		Line    int    `json:"line"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"rows"`
}
