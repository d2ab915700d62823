package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// Bad input answers 422 with the fields, in the caller's language, and
// stores nothing.
func TestReportValidationErrors(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t, "sqlite")
	count := func() int {
		_, n := w.listIDs(w.opTok, "queue=mine")
		return n
	}
	type apiErr struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	scenarios := []struct {
		name  string
		body  string
		lang  string
		field string
		msg   string
	}{
		{"missing fields on submit", `{"route":"ministry","submit":true}`, "ja", "title", "入力してください"},
		{"missing fields on submit, English", `{"route":"ministry","submit":true}`, "en", "causes", "This field is required"},
		{"unknown route", `{"route":"carrier-pigeon","title":"x"}`, "ja", "route", "報告経路を選んでください"},
		{"wrong time", `{"route":"ministry","title":"x","detected_at":"昨日の夜"}`, "ja", "detected_at", "日時の形式が正しくありません"},
		{"wrong time, English", `{"route":"ministry","title":"x","detected_at":"31/02/2025"}`, "en", "detected_at", "Not a valid date and time"},
		{"time in the future", `{"route":"ministry","title":"x","detected_at":"2999-01-01T00:00:00Z"}`, "ja", "detected_at", "未来の日時"},
		{"detected before started", `{"route":"ministry","title":"x","started_at":"2025-01-02T00:00:00Z","detected_at":"2025-01-01T00:00:00Z"}`, "ja", "detected_at", "検知日時が発生日時より前"},
		{"malformed indicator", `{"route":"ministry","title":"x","indicators":[{"type":"sha256","value":"abc"}]}`, "ja", "indicators[0]", "ハッシュ値の形式"},
		{"malformed indicator, English", `{"route":"ministry","title":"x","indicators":[{"type":"ipv4","value":"999.1.1.1"}]}`, "en", "indicators[0]", "IP address"},
		{"unknown field", `{"route":"ministry","title":"x","colour":"red"}`, "ja", "json", ""},
		{"wrong type", `{"route":"ministry","title":42}`, "ja", "title", ""},
		{"broken UTF-8", "{\"route\":\"ministry\",\"title\":\"\xff\xfe\"}", "ja", "json", "UTF-8"},
		{"spill-over without its sector", `{"route":"ministry","title":"x","causes":["spillover"]}`, "ja", "spillover_sector_id", "入力してください"},
		{"unknown clock", `{"route":"ministry","title":"x","clock_profile":"gdpr"}`, "en", "clock_profile", "Unknown reporting clock"},
		{"supplier that is not one", fmt.Sprintf(`{"route":"ministry","title":"x","supplier_org_id":%d}`, w.minOrg), "ja", "supplier_org_id", "サプライチェーン事業者"},
		{"not JSON", `route=ministry`, "ja", "json", ""},
	}
	before := count()
	for _, sc := range scenarios {
		req, _ := http.NewRequest("POST", w.ts.URL+"/api/v1/reports", strings.NewReader(sc.body))
		req.Header.Set("Authorization", "Bearer "+w.opTok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", sc.lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e apiErr
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Code != ceptor.EINVALID {
			t.Errorf("%s: %d %+v", sc.name, resp.StatusCode, e)
			continue
		}
		if _, ok := e.Error.Fields[sc.field]; !ok {
			t.Errorf("%s: no field %s in %v", sc.name, sc.field, e.Error.Fields)
			continue
		}
		if sc.msg != "" && !strings.Contains(e.Error.Fields[sc.field], sc.msg) {
			t.Errorf("%s: %s = %q, want %q", sc.name, sc.field, e.Error.Fields[sc.field], sc.msg)
		}
	}
	if after := count(); after != before {
		t.Fatalf("invalid requests stored %d reports", after-before)
	}

	// The form keeps what was typed and names each wrong indicator line.
	for _, lang := range []string{"ja", "en"} {
		c := w.login(w.opEmail)
		c.lang = lang
		c.get("/reports/new?lang=" + lang)
		form := url.Values{"route": {"ministry"}, "sector_id": {fmt.Sprint(w.sector)}, "tlp": {"amber"}, "title": {"入力途中の件名"},
			"event_class": {"intrusion"}, "causes": {"spillover"}, "detected_at": {"2025-13-40T99:99"}, "users_affected": {"たくさん"},
			"indicators": {"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nsha256 1234\nfoo bar baz\nevil[.]example"},
			"action":     {"submit"}, "lang": {"ja"}}
		code, page, _ := c.post("/reports/new?lang="+lang, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s form: %d", lang, code)
		}
		want := map[string][]string{
			"ja": {"入力途中の件名", "2行目: ハッシュ値の形式", "3行目: 指標の種類が正しくありません", "数字で入力してください", "日時の形式が正しくありません", "evil[.]example"},
			"en": {"入力途中の件名", "Line 2:", "Line 3:", "Enter a number", "Not a valid date and time"},
		}[lang]
		mustContain(t, lang+" form errors", page, want...)
	}
	if after := count(); after != before {
		t.Fatalf("invalid forms stored %d reports", after-before)
	}
	// A draft needs little; submitting it later needs everything.
	id := w.create(w.opTok, map[string]any{"route": "ministry", "title": "下書き"})
	code, body := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/submit", id), w.opTok, nil, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "causes") {
		t.Fatalf("submitting an incomplete draft: %d %s", code, body)
	}
	// PATCH keeps the fields left out.
	var r repJSON
	code, body = w.call("PATCH", fmt.Sprintf("/api/v1/reports/%d", id), w.opTok, map[string]any{"body": "追記"}, &r)
	if code != 200 || r.Title != "下書き" || r.Body != "追記" {
		t.Fatalf("patch: %d %s", code, body)
	}
}
