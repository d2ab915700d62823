package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// Each route end to end, through the API and the pages, on both engines.
func TestReportRoutesEndToEnd(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)

			// Ministry route: operator -> 金融庁 -> NISC.
			id := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "インターネットバンキングの一時停止", "不正アクセスの疑い", true))
			r := w.mustReport(w.opTok, id)
			if r.Status != "submitted" || r.PendingAtOrgID != w.minOrg || !r.Own || r.ReporterOrgID != w.opOrg {
				t.Fatalf("after submit: %+v", r)
			}
			if code, _, _ := w.report(w.niscTok, id); code != http.StatusNotFound {
				t.Fatalf("NISC sees the report before the ministry relays it: %d", code)
			}
			ids, _ := w.listIDs(w.minTok, "queue=relay")
			if !hasID(ids, id) {
				t.Fatalf("ministry relay queue %v", ids)
			}
			r = w.relay(w.minTok, id, map[string]any{"note": "金融庁で確認済み"})
			if r.Status != "received" || r.PendingAtOrgID != 0 {
				t.Fatalf("after the ministry: %+v", r)
			}
			ids, _ = w.listIDs(w.niscTok, "")
			if !hasID(ids, id) {
				t.Fatalf("NISC incoming %v", ids)
			}
			r = w.mustReport(w.niscTok, id)
			if r.ReporterOrgID != w.opOrg || len(r.Hops) != 2 || r.Hops[1].Action != "relayed" || r.Hops[0].FromOrgID != w.opOrg {
				t.Fatalf("NISC's view: %+v", r)
			}
			ids, _ = w.listIDs(w.minTok, "queue=passed")
			if !hasID(ids, id) {
				t.Fatalf("ministry passed queue %v", ids)
			}

			// Direct route: received at once.
			direct := w.create(w.opTok, w.reportBody(ceptor.RouteDirect, "緊急: 勘定系の停止", "直接報告", true))
			if r := w.mustReport(w.niscTok, direct); r.Status != "received" || len(r.Hops) != 1 || r.Hops[0].ToOrgID != w.niscOrg {
				t.Fatalf("direct at NISC: %+v", r)
			}
			if code, _, _ := w.report(w.minTok, direct); code != http.StatusNotFound {
				t.Fatalf("the ministry sees a direct report: %d", code)
			}

			// Anonymous route: operator -> secretariat (redacts) -> ministry -> NISC.
			anon := w.create(w.opTok, w.reportBody(ceptor.RouteAnonymous, "不審メールの受信", "本店で受信", true))
			if code, _, _ := w.report(w.minTok, anon); code != http.StatusNotFound {
				t.Fatalf("the ministry sees an anonymous report before the secretariat: %d", code)
			}
			r = w.mustReport(w.secTok, anon)
			if r.ReporterOrgID != 0 || r.OrgID != 0 || !strings.Contains(r.Reporter, "銀行等セプター") || !r.Actions["redact"] {
				t.Fatalf("secretariat's view: %+v", r)
			}
			// The secretariat must redact; the ministry may not.
			if code, body := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/relay", anon), w.secTok, map[string]any{"note": "x"}, nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "redacted") {
				t.Fatalf("relay without redaction: %d %s", code, body)
			}
			w.relay(w.secTok, anon, map[string]any{"note": "匿名化済み", "redacted": map[string]any{"title": "不審メールの受信", "body": "ある会員の店舗で受信"}})
			if code, body := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/relay", anon), w.minTok, map[string]any{"redacted": map[string]any{"title": "x"}}, nil); code != http.StatusUnprocessableEntity {
				t.Fatalf("ministry redacting: %d %s", code, body)
			}
			w.relay(w.minTok, anon, nil)
			code, body := w.call("GET", fmt.Sprintf("/api/v1/reports/%d?lang=ja", anon), w.niscTok, nil, &r)
			if code != 200 || r.Status != "received" || r.Body != "ある会員の店舗で受信" || r.ReporterOrgID != 0 || r.OrgID != 0 || r.Reporter != "銀行等セプターの構成員" {
				t.Fatalf("NISC's view of the anonymous report: %+v", r)
			}
			if len(r.Hops) != 3 || r.Hops[0].FromOrgID != 0 || r.Hops[0].From != "匿名の報告者（銀行等セプター）" {
				t.Fatalf("NISC's timeline: %+v", r.Hops)
			}
			for _, v := range r.Versions {
				if v.VersionKind != "redacted" {
					t.Fatalf("NISC reads a %s copy", v.VersionKind)
				}
			}
			// The reporter still reads its own words and knows it is its own.
			if r := w.mustReport(w.opTok, anon); !r.Own || r.Body != "本店で受信" {
				t.Fatalf("reporter's view: %+v", r)
			}
			// In English the label is English.
			code, body = w.call("GET", fmt.Sprintf("/api/v1/reports/%d?lang=en", anon), w.niscTok, nil, &r)
			if code != 200 || r.Reporter != "A member of Banks CEPTOR" {
				t.Fatalf("English label %q (%d %s)", r.Reporter, code, body)
			}

			// The same journeys through the pages.
			op := w.login(w.opEmail)
			code, page := op.get("/reports/new")
			if code != 200 {
				t.Fatalf("new form: %d", code)
			}
			mustContain(t, "new form", page, "所管省庁経由", "セプター経由（匿名化）", "NISCへ直接", "下書き保存", "送信", "TLP:AMBER&#43;STRICT", "他分野からの波及")
			form := url.Values{"route": {"ministry"}, "sector_id": {fmt.Sprint(w.sector)}, "tlp": {"amber"}, "title": {"画面からの報告"},
				"event_class": {"availability"}, "causes": {"dos"}, "systems": {"it", "cloud"}, "detected_at": {"2025-06-01T10:00"},
				"users_affected": {"１，２００"}, "indicators": {"sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\nhxxps://evil[.]example/x"},
				"body": {"DDoS攻撃によりサイトが停止"}, "lang": {"ja"}, "action": {"submit"}}
			code, body, loc := op.post("/reports/new", form)
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/reports/") {
				t.Fatalf("UI submit: %d %q\n%s", code, loc, body)
			}
			code, page = op.get(loc)
			mustContain(t, "detail after submit", page, "報告を送信しました", "画面からの報告", "送付中", "金融庁", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "https://evil.example/x", "1200", "2025-06-01 10:00")
			var uiID int64
			fmt.Sscanf(strings.TrimPrefix(loc, "/reports/"), "%d", &uiID)
			min := w.login(w.minEmail)
			code, page = min.get(loc)
			if code != 200 || !strings.Contains(page, "次の送付先へ中継") {
				t.Fatalf("ministry detail: %d", code)
			}
			code, _, loc2 := min.post(loc+"/relay", url.Values{"note": {"画面から中継"}})
			if code != http.StatusSeeOther || loc2 != loc {
				t.Fatalf("UI relay: %d %q", code, loc2)
			}
			nisc := w.login(w.nisc)
			code, page = nisc.get(loc)
			mustContain(t, "NISC detail (English user)", page, "Received by NISC", "画面から中継")
			if code != 200 {
				t.Fatalf("NISC detail %d", code)
			}
			code, page = nisc.get("/reports")
			if code != 200 || !strings.Contains(page, "画面からの報告") {
				t.Fatalf("NISC queue: %d", code)
			}
			// A draft saved through the page, edited, then submitted.
			form.Set("action", "draft")
			form.Set("title", "下書きの報告")
			code, _, loc = op.post("/reports/new", form)
			if code != http.StatusSeeOther {
				t.Fatalf("UI draft: %d", code)
			}
			_, page = op.get(loc)
			mustContain(t, "draft detail", page, "下書きを保存しました", "下書きを編集")
			code, page = op.get(loc + "/edit")
			if code != 200 || !strings.Contains(page, "下書きの報告") {
				t.Fatalf("edit form %d", code)
			}
			form.Set("title", "下書きの報告（修正）")
			if code, body, _ = op.post(loc+"/edit", form); code != http.StatusSeeOther {
				t.Fatalf("edit: %d %s", code, body)
			}
			if code, _, _ = op.post(loc+"/submit", nil); code != http.StatusSeeOther {
				t.Fatalf("submit draft: %d", code)
			}
			_, page = op.get(loc)
			mustContain(t, "submitted draft", page, "下書きの報告（修正）", "送付中")
			// Queue of the operator.
			_, page = op.get("/reports")
			mustContain(t, "operator queue", page, "自組織の報告", "下書きの報告（修正）", "不審メールの受信", "画面からの報告")
			_ = uiID
		})
	}
}

// A follow-up, closing, attachments and the reporting clock.
func TestReportFollowUpCloseAndClock(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t, "sqlite")
	body := w.reportBody(ceptor.RouteDirect, "ランサムウェア感染", "一部業務が停止", true)
	body["clock_profile"] = "nis2"
	body["detected_at"] = "2020-01-01T09:00"
	id := w.create(w.opTok, body)
	r := w.mustReport(w.opTok, id)
	// Detected years ago: the NIS2 early warning is met by the report, the
	// notification (72 h) is overdue until a follow-up.
	op := w.login(w.opEmail)
	_, page := op.get(fmt.Sprintf("/reports/%d", id))
	mustContain(t, "clock", page, "早期警告", "インシデント通知", "期限超過", "対応済み")
	_, page = op.get("/reports")
	mustContain(t, "queue badge", page, "期限超過")
	// Close is refused before... it is received (direct: it is); follow-up first.
	var fu repJSON
	code, resp := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/updates", id), w.opTok, map[string]any{
		"title": "ランサムウェア感染（続報）", "body": "全面復旧", "event_class": "malware", "causes": []string{"malware"}, "sector_id": 999999,
		"recovered_at": "2020-01-02T09:00", "route": "ceptor_anonymous"}, &fu)
	if code != http.StatusCreated || fu.Version != 2 || fu.Body != "全面復旧" || fu.Route != "direct" {
		t.Fatalf("follow-up: %d %s", code, resp)
	}
	_, page = op.get(fmt.Sprintf("/reports/%d", id))
	if strings.Contains(page, "期限超過") {
		t.Fatal("the follow-up does not satisfy the notification deadline")
	}
	// Attachments: upload, list, download as a file.
	code, resp = w.upload(w.opTok, id, "調査報告書.pdf", []byte("%PDF-1.7 test"))
	if code != http.StatusCreated || !strings.Contains(resp, "調査報告書.pdf") || !strings.Contains(resp, `"sha256"`) {
		t.Fatalf("upload: %d %s", code, resp)
	}
	r = w.mustReport(w.niscTok, id)
	if len(r.Attachments) != 1 || r.Attachments[0].FileName != "調査報告書.pdf" {
		t.Fatalf("NISC's attachments %+v", r.Attachments)
	}
	code, hdr, data := w.getRaw(fmt.Sprintf("/api/v1/attachments/%d", r.Attachments[0].ID), w.niscTok)
	if code != 200 || string(data) != "%PDF-1.7 test" || hdr.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment;") || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d %v", code, hdr)
	}
	code, page = op.get(fmt.Sprintf("/reports/%d/attachments/%d", id, r.Attachments[0].ID))
	if code != 200 || page != "%PDF-1.7 test" {
		t.Fatalf("page download: %d", code)
	}
	// Empty and oversized files are refused, in the caller's language.
	if code, resp = w.upload(w.opTok, id, "empty.txt", nil); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "空のファイル") {
		t.Fatalf("empty upload: %d %s", code, resp)
	}
	if code, resp = w.upload(w.opTok, id, "big.bin", make([]byte, ceptor.MaxAttachmentSize+1)); code != http.StatusUnprocessableEntity || !strings.Contains(resp, "大きすぎ") {
		t.Fatalf("big upload: %d %s", code, resp)
	}
	code, page = op.uploadForm(fmt.Sprintf("/reports/%d/attachments", id), "empty.txt", nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "空のファイルは添付できません") {
		t.Fatalf("empty upload through the page: %d", code)
	}
	// Closing.
	code, resp = w.call("POST", fmt.Sprintf("/api/v1/reports/%d/close", id), w.opTok, nil, &r)
	if code != 200 || r.Status != "closed" {
		t.Fatalf("close: %d %s", code, resp)
	}
	if code, _ = w.call("POST", fmt.Sprintf("/api/v1/reports/%d/updates", id), w.opTok, map[string]any{"title": "x"}, nil); code != http.StatusConflict {
		t.Fatalf("follow-up after close: %d", code)
	}
	// A report not yet received cannot be closed.
	id2 := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "未受領", "", true))
	if code, resp = w.call("POST", fmt.Sprintf("/api/v1/reports/%d/close", id2), w.opTok, nil, nil); code != http.StatusConflict || !strings.Contains(resp, "NISCが受領") {
		t.Fatalf("close before receipt: %d %s", code, resp)
	}
}
