package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"ceptor"
	"ceptor/auth"
	"ceptor/web"
)

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs rebuilds the harness's server with a logger that keeps
// every line.
func (w *repWorld) captureLogs() *syncBuffer {
	w.t.Helper()
	buf := &syncBuffer{}
	cfg := web.Config{PublicURL: w.ts.URL, Password: auth.TestParams, LoginRate: 1000, LoginBurst: 1000, Version: "test"}
	srv, err := web.New(cfg, w.db, w.sealer, slog.New(slog.NewJSONHandler(buf, nil)), nil, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	w.srv = srv
	return buf
}

// ANONYMITY LEAK TEST. A unique marker is put into the anonymous reporter's
// organisation name (Japanese, English, kana), its domain, the reporting
// person's name and an attachment's file name. Then NISC, the ministry, the
// CEPTOR secretariat (before an unseal) and another operator read every
// report page, API answer, search result, notification and audit page they
// may: the marker appears nowhere, and the request log never names the
// reporter. After the secretariat unseals, the secretariat sees who
// reported, and NISC's audit shows that an unseal happened, still without
// the marker.
func TestAnonymousReportLeaksNothing(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			logs := w.captureLogs()
			ctx := context.Background()
			const marker = "ZQXMARK"
			op, err := w.db.FindOrg(ctx, w.opOrg)
			if err != nil {
				t.Fatal(err)
			}
			op.Name, op.NameEN, op.NameKana = "秘匿銀行"+marker+"（デモ）", marker+" Bank", "ヒトクギンコウ"+marker
			op.Domains = []string{strings.ToLower(marker) + ".example.jp"}
			if err := w.db.UpdateOrg(ctx, op); err != nil {
				t.Fatal(err)
			}
			reporter, err := w.db.FindUserByEmail(ctx, w.opEmail)
			if err != nil {
				t.Fatal(err)
			}
			reporter.Name = "報告 太郎" + marker
			if err := w.db.UpdateUser(ctx, reporter); err != nil {
				t.Fatal(err)
			}

			// The reporter acts through its API token only.
			anon := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, "不審な標的型メールの受信", "複数の職員宛に不審な添付ファイル付きメール", true))
			code, resp := w.upload(w.opTok, anon, strings.ToLower(marker)+"-受信ログ.txt", []byte("Received: from mail.evil.example"))
			if code != http.StatusCreated {
				t.Fatalf("upload: %d %s", code, resp)
			}
			var kept struct {
				ID int64 `json:"id"`
			}
			json.Unmarshal([]byte(resp), &kept)
			code, resp = w.upload(w.opTok, anon, "internal-memo.docx", []byte("memo"))
			var withheld struct {
				ID int64 `json:"id"`
			}
			json.Unmarshal([]byte(resp), &withheld)
			if code != http.StatusCreated || withheld.ID == 0 {
				t.Fatalf("second upload: %d %s", code, resp)
			}
			// The reporter sees its own file names and its own organisation.
			if r := w.mustReport(w.opTok, anon); !r.Own || r.ReporterOrgID != w.opOrg || len(r.Attachments) != 2 || !strings.Contains(r.Attachments[0].FileName, strings.ToLower(marker)) {
				t.Fatalf("reporter's view: %+v", r)
			}
			// The secretariat relays it redacted, withholding the memo.
			w.relay(w.secTok, anon, map[string]any{"note": "事務局で確認済み", "withheld_attachment_ids": []int64{withheld.ID},
				"redacted": map[string]any{"title": "不審な標的型メールの受信", "body": "ある会員の職員宛に不審な添付ファイル付きメール"}})
			w.relay(w.minTok, anon, map[string]any{"note": "所管省庁で確認済み"})
			// A follow-up, reviewed the same way.
			var fu repJSON
			if code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/updates", anon), w.opTok, map[string]any{
				"title": "不審な標的型メールの受信（続報）", "body": "マルウェア感染は確認されず", "event_class": "precursor", "causes": []string{"targeted_email"}}, &fu); code != http.StatusCreated {
				t.Fatalf("follow-up: %d %s", code, resp)
			}
			w.relay(w.secTok, anon, map[string]any{"withheld_attachment_ids": []int64{withheld.ID},
				"redacted": map[string]any{"title": "不審な標的型メールの受信（続報）", "body": "マルウェア感染は確認されず"}})
			w.relay(w.minTok, anon, nil)
			// A named report of the same operator, for contrast: the checks
			// below skip what names its reporter by design.
			if r := w.mustReport(w.niscTok, anon); r.Status != "received" || r.Version != 2 || len(r.Attachments) != 1 ||
				r.Attachments[0].FileName != fmt.Sprintf("attachment-%d.txt", kept.ID) {
				t.Fatalf("NISC's view: %+v", r)
			}
			if code, _, _ := w.getRaw(fmt.Sprintf("/api/v1/attachments/%d", withheld.ID), w.niscTok); code != http.StatusNotFound {
				t.Fatalf("NISC downloads a withheld file: %d", code)
			}
			if code, _, _ := w.getRaw(fmt.Sprintf("/api/v1/attachments/%d", withheld.ID), w.secTok); code != http.StatusOK {
				t.Fatalf("the secretariat cannot download a withheld file: %d", code)
			}

			needle := strings.ToLower(marker)
			check := func(who, what, body string) {
				t.Helper()
				if strings.Contains(strings.ToLower(body), needle) {
					i := strings.Index(strings.ToLower(body), needle)
					t.Errorf("%s: %s shows the marker: …%s…", who, what, body[max(i-120, 0):min(i+60, len(body))])
				}
			}
			type viewer struct {
				who, email string
				tok        string
				audit      bool // may read the audit log
			}
			viewers := []viewer{
				{"NISC analyst", w.nisc, w.niscTok, false},
				{"NISC auditor", "auditor.nisc@demo.example", w.token("auditor.nisc@demo.example", nil), true},
				{"NISC admin", "admin.nisc@demo.example", w.token("admin.nisc@demo.example", nil), true},
				{"ministry analyst", w.minEmail, w.minTok, false},
				{"ministry admin", "admin.ministry@demo.example", w.token("admin.ministry@demo.example", nil), true},
				{"secretariat analyst", w.secEmail, w.secTok, false},
				{"secretariat admin", "admin.secretariat@demo.example", w.secAdminTok, true},
				{"another operator", w.otherOpEmail, w.otherOpTok, true},
			}
			sweep := func(v viewer, skipAudit bool) {
				t.Helper()
				c := w.login(v.email)
				pages := []string{"/reports", "/reports?q=標的型", "/reports?q=" + url.QueryEscape("不審 メール"), fmt.Sprintf("/reports/%d", anon), "/notifications", "/"}
				for _, q := range []string{"mine", "relay", "passed", "incoming"} {
					pages = append(pages, "/reports?queue="+q)
				}
				if v.audit && !skipAudit {
					pages = append(pages, "/admin/audit", "/admin/audit?action=report.", "/admin/audit/export.csv")
				}
				for _, p := range pages {
					code, body := c.get(p)
					if code >= 500 {
						t.Errorf("%s GET %s: %d", v.who, p, code)
					}
					check(v.who, p, body)
				}
				apis := []string{"/api/v1/reports", "/api/v1/reports?q=" + url.QueryEscape("標的型"), fmt.Sprintf("/api/v1/reports/%d", anon),
					fmt.Sprintf("/api/v1/reports/%d/attachments", anon), "/api/v1/notifications"}
				for _, q := range []string{"mine", "relay", "passed", "incoming"} {
					apis = append(apis, "/api/v1/reports?queue="+q)
				}
				if v.audit && !skipAudit {
					apis = append(apis, "/api/v1/audit", "/api/v1/audit?action=report.")
				}
				for _, p := range apis {
					code, hdr, body := w.getRaw(p, v.tok)
					if code >= 500 {
						t.Errorf("%s GET %s: %d", v.who, p, code)
					}
					check(v.who, p, string(body))
					check(v.who, p+" headers", fmt.Sprint(hdr))
				}
				// Every attachment it may download, with the name it is given.
				var r repJSON
				if code, _ := w.call("GET", fmt.Sprintf("/api/v1/reports/%d", anon), v.tok, nil, &r); code == http.StatusOK {
					for _, a := range r.Attachments {
						code, hdr, _ := w.getRaw(fmt.Sprintf("/api/v1/attachments/%d", a.ID), v.tok)
						if code != http.StatusOK {
							t.Errorf("%s download %d: %d", v.who, a.ID, code)
						}
						check(v.who, "download headers", fmt.Sprint(hdr))
						_, page := c.get(fmt.Sprintf("/reports/%d/attachments/%d", anon, a.ID))
						_ = page
					}
				}
			}
			for _, v := range viewers {
				sweep(v, false)
			}
			// The sweep read real pages: NISC finds the report by search.
			_, page := w.login(w.nisc).get("/reports?q=" + url.QueryEscape("標的型"))
			mustContain(t, "NISC search", page, "不審な<mark>標的型</mark>メールの受信")
			// The secretariat's redaction page shows no identity either
			// (the text does not name the reporter).
			sec := w.login(w.secEmail)
			if code, _ := sec.get(fmt.Sprintf("/reports/%d/relay", anon)); code != http.StatusForbidden {
				t.Errorf("redaction page of a report no longer waiting: %d", code)
			}

			// The request log never names the reporter.
			for _, line := range strings.Split(logs.String(), "\n") {
				if line == "" {
					continue
				}
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if uid, ok := rec["user_id"].(float64); ok && int64(uid) == reporter.ID {
					t.Errorf("the log names the reporter: %s", line)
				}
				if oid, ok := rec["org_id"].(float64); ok && int64(oid) == w.opOrg {
					t.Errorf("the log names the reporter's organisation: %s", line)
				}
				check("request log", "line", line)
			}

			// Unsealing: only the secretariat's administrator, with a reason.
			secAdmin := w.login("admin.secretariat@demo.example")
			code, page, _ = secAdmin.post(fmt.Sprintf("/reports/%d/unseal", anon), url.Values{"reason": {""}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(page, "入力してください") {
				t.Fatalf("unseal without a reason: %d", code)
			}
			code, _, loc := secAdmin.post(fmt.Sprintf("/reports/%d/unseal", anon), url.Values{"reason": {"人命に関わるため直接連絡が必要"}})
			if code != http.StatusSeeOther {
				t.Fatalf("unseal: %d", code)
			}
			_, page = secAdmin.get(loc)
			mustContain(t, "secretariat after unseal", page, "開示された報告者", "秘匿銀行"+marker)
			var secView repJSON
			w.call("GET", fmt.Sprintf("/api/v1/reports/%d", anon), w.secTok, nil, &secView)
			if secView.ReporterOrgID != w.opOrg {
				t.Fatalf("the secretariat's API view after unseal: %+v", secView)
			}
			// NISC's auditors see that it happened, not whom it revealed.
			auditor := w.login("auditor.nisc@demo.example")
			_, page = auditor.get("/admin/audit?action=report.unseal")
			mustContain(t, "NISC audit", page, "report.unseal", "人命に関わるため")
			for _, v := range viewers {
				if v.who == "secretariat admin" || v.who == "secretariat analyst" {
					continue
				}
				sweep(v, false)
			}
		})
	}
}

// The redaction page marks the reporter's names in the original text, with
// markup built safely.
func TestRedactionHighlights(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t, "sqlite")
	ctx := context.Background()
	op, _ := w.db.FindOrg(ctx, w.opOrg)
	op.NameEN = "Evil <b>Bank</b>"
	op.Domains = []string{"hitoku-bank.example.jp"}
	if err := w.db.UpdateOrg(ctx, op); err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(op.Name, "（デモ）")
	body := base + "本店の端末が感染。連絡先は SOC@HITOKU-BANK.EXAMPLE.JP、英文名 Evil <b>Bank</b>。"
	anon := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, base+"で標的型メール", body, true))
	sec := w.login(w.secEmail)
	code, page := sec.get(fmt.Sprintf("/reports/%d/relay", anon))
	if code != 200 {
		t.Fatalf("redaction page: %d", code)
	}
	mustContain(t, "marks", page, "<mark>"+base+"</mark>本店", "<mark>HITOKU-BANK.EXAMPLE.JP</mark>", "<mark>Evil &lt;b&gt;Bank&lt;/b&gt;</mark>", "一致する記載に印を付けました")
	if strings.Contains(page, "<b>Bank</b>") {
		t.Fatal("the organisation's name was written as markup")
	}
	// Relaying through the form: the redacted text replaces the original.
	code, _, loc := sec.post(fmt.Sprintf("/reports/%d/relay", anon), url.Values{"redact": {"1"}, "title": {"ある会員で標的型メール"},
		"body": {"ある会員の端末が感染"}, "indicators": {"domain evil[.]example"}, "note": {"確認済み"}})
	if code != http.StatusSeeOther {
		t.Fatalf("relay through the form: %d", code)
	}
	_ = loc
	w.relay(w.minTok, anon, nil)
	r := w.mustReport(w.niscTok, anon)
	if r.Title != "ある会員で標的型メール" || strings.Contains(r.Body, base) {
		t.Fatalf("NISC reads %+v", r)
	}
	// The form refuses a malformed indicator line, keeping what was typed.
	anon2 := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, "二件目", "本文", true))
	code, page, _ = sec.post(fmt.Sprintf("/reports/%d/relay", anon2), url.Values{"redact": {"1"}, "title": {"二件目（匿名化）"}, "indicators": {"domain ok.example\nsha256 1234"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad indicator: %d", code)
	}
	mustContain(t, "indicator line error", page, "2行目", "二件目（匿名化）")
}

// GAP 1: an anonymous follow-up waits for the secretariat; nobody upstream
// reads it before the secretariat relays a redaction of it.
func TestAnonymousFollowUpWaitsForReview(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			anon := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, "予兆の報告", "不審な通信", true))
			w.relay(w.secTok, anon, map[string]any{"redacted": map[string]any{"title": "予兆の報告", "body": "不審な通信"}})
			w.relay(w.minTok, anon, nil)
			op := w.login(w.opEmail)
			code, page := op.get(fmt.Sprintf("/reports/%d/followup", anon))
			if code != 200 || !strings.Contains(page, "不審な通信") || !strings.Contains(page, "セプター事務局が組織を特定できる記載を確認") {
				t.Fatalf("follow-up form: %d", code)
			}
			code, body, loc := op.post(fmt.Sprintf("/reports/%d/followup", anon), url.Values{"title": {"予兆の報告（続報）"}, "body": {"秘匿銀行本店のサーバから不審な通信"},
				"tlp": {"amber"}, "event_class": {"precursor"}, "causes": {"unauthorized_access"}, "lang": {"ja"}, "action": {"submit"}})
			if code != http.StatusSeeOther {
				t.Fatalf("follow-up: %d\n%s", code, body)
			}
			_, page = op.get(loc)
			mustContain(t, "reporter after the follow-up", page, "セプター事務局の確認後", "秘匿銀行本店のサーバから不審な通信", "事務局が確認しています")
			// Upstream still reads version 1 and no trace of the text.
			for _, tok := range []string{w.niscTok, w.minTok} {
				r := w.mustReport(tok, anon)
				if r.Version != 1 || strings.Contains(r.Body, "秘匿銀行") || r.ReviewPending {
					t.Fatalf("upstream during review: %+v", r)
				}
				for _, v := range r.Versions {
					if strings.Contains(v.Body, "秘匿銀行") {
						t.Fatalf("upstream reads the held follow-up in versions: %+v", v)
					}
				}
			}
			if ids, _ := w.listIDs(w.niscTok, "q="+url.QueryEscape("秘匿銀行")); len(ids) != 0 {
				t.Fatalf("NISC's search finds the held text: %v", ids)
			}
			// The reporter cannot close while the follow-up is reviewed.
			if code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/close", anon), w.opTok, nil, nil); code != http.StatusConflict {
				t.Fatalf("close during review: %d %s", code, resp)
			}
			// The secretariat sees it waiting and reviews the follow-up.
			ids, _ := w.listIDs(w.secTok, "queue=relay")
			if !hasID(ids, anon) {
				t.Fatalf("secretariat queue %v", ids)
			}
			sec := w.login(w.secEmail)
			_, page = sec.get(fmt.Sprintf("/reports/%d/relay", anon))
			mustContain(t, "review page", page, "からの続報です", "秘匿銀行本店のサーバから不審な通信")
			code, _, _ = sec.post(fmt.Sprintf("/reports/%d/relay", anon), url.Values{"redact": {"1"}, "title": {"予兆の報告（続報）"}, "body": {"ある会員のサーバから不審な通信"}})
			if code != http.StatusSeeOther {
				t.Fatalf("secretariat relays the follow-up: %d", code)
			}
			w.relay(w.minTok, anon, nil)
			r := w.mustReport(w.niscTok, anon)
			if r.Version != 2 || r.Body != "ある会員のサーバから不審な通信" || r.Status != "received" {
				t.Fatalf("NISC after review: %+v", r)
			}
			if code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/close", anon), w.opTok, nil, nil); code != http.StatusOK {
				t.Fatalf("close after review: %d %s", code, resp)
			}
		})
	}
}

// A named draft cannot turn anonymous; a small CEPTOR warns.
func TestAnonymousRouteRules(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t, "sqlite")
	draft := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "下書き", "", false))
	code, resp := w.call("PATCH", fmt.Sprintf("/api/v1/reports/%d", draft), w.opTok, map[string]any{"route": "ceptor_anonymous", "ceptor_id": w.ceptorID}, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(resp, "route") {
		t.Fatalf("named draft made anonymous: %d %s", code, resp)
	}
	// A CEPTOR the operator is not a member of.
	ctx := context.Background()
	ceptors, _ := w.db.ListCeptors(ctx)
	var foreign, small *ceptor.Ceptor
	for _, c := range ceptors {
		if c.ID != w.ceptorID && foreign == nil {
			foreign = c
		}
	}
	body := w.reportBody(ceptor.RouteAnonymous, "x", "", true)
	body["ceptor_id"] = foreign.ID
	if code, resp = w.call("POST", "/api/v1/reports", w.opTok, body, nil); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "構成員であるセプター") {
		t.Fatalf("foreign CEPTOR: %d %s", code, resp)
	}
	// A small CEPTOR: make the operator a member of one with few members.
	for _, c := range ceptors {
		if c.MemberCount < 5 && c.MemberCount > 0 {
			small = c
			break
		}
	}
	if small == nil {
		small = &ceptor.Ceptor{Code: "tiny", NameJA: "小規模セプター", NameEN: "Tiny CEPTOR", SectorID: w.sector, SecretariatOrgID: w.secOrg, Active: true}
		if err := w.db.CreateCeptor(ctx, small); err != nil {
			t.Fatal(err)
		}
	}
	op, _ := w.db.FindOrg(ctx, w.opOrg)
	if err := w.db.SetMembers(ctx, op.ID, append(op.CeptorIDs, small.ID)); err != nil {
		t.Fatal(err)
	}
	body["ceptor_id"] = small.ID
	var r repJSON
	if code, resp = w.call("POST", "/api/v1/reports", w.opTok, body, &r); code != http.StatusCreated || len(r.Warnings) == 0 || r.Warnings[0] != "rep.warn_weak_anonymity" {
		t.Fatalf("weak anonymity: %d %s", code, resp)
	}
	c := w.login(w.opEmail)
	_, page := c.get("/reports/new")
	mustContain(t, "form warns", page, "匿名性が弱い")
	_, page = c.get(fmt.Sprintf("/reports/%d", r.ID))
	mustContain(t, "detail warns", page, "構成員は5未満")
}

// GAP 2: an anonymous report's files reach upstream only when the
// secretariat releases them; relaying through the API without choosing
// keeps them back.
func TestAnonymousAttachmentsStartWithheld(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t, "sqlite")
	anon := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, "添付つき", "本文", false))
	if code, resp := w.upload(w.opTok, anon, "log.txt", []byte("x")); code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, resp)
	}
	if code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/submit", anon), w.opTok, nil, nil); code != http.StatusOK {
		t.Fatalf("submit: %d %s", code, resp)
	}
	if r := w.mustReport(w.secTok, anon); len(r.Attachments) != 1 || !r.Attachments[0].Withheld || r.Attachments[0].FileName == "log.txt" {
		t.Fatalf("secretariat's view: %+v", r.Attachments)
	}
	w.relay(w.secTok, anon, map[string]any{"redacted": map[string]any{"title": "添付つき", "body": "本文"}})
	if r := w.mustReport(w.minTok, anon); len(r.Attachments) != 0 {
		t.Fatalf("the ministry gets a file nobody released: %+v", r.Attachments)
	}
	// Released by the secretariat on the follow-up, the file reaches upstream
	// under a neutral name.
	var fu repJSON
	if code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/updates", anon), w.opTok, w.reportBody(ceptor.RouteAnonymous, "添付つき（続報）", "追記", false), &fu); code != http.StatusCreated {
		t.Fatalf("follow-up: %d %s", code, resp)
	}
	w.relay(w.secTok, anon, map[string]any{"withheld_attachment_ids": []int64{}, "redacted": map[string]any{"title": "添付つき（続報）", "body": "追記"}})
	r := w.mustReport(w.minTok, anon)
	if len(r.Attachments) != 1 || r.Attachments[0].FileName != fmt.Sprintf("attachment-%d.txt", r.Attachments[0].ID) {
		t.Fatalf("the ministry's files: %+v", r.Attachments)
	}
}
