package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ceptor"
	"ceptor/misp"
	"ceptor/stix"
)

const testEML = "Return-Path: <bounce@mailer.example>\r\n" +
	"Received: from mx.attacker.example (mx.attacker.example [203.0.113.45]) by mx.victim.example; Mon, 2 Nov 2026 09:00:00 +0900\r\n" +
	"From: Soumu <soumu@spoofed-gov.example>\r\n" +
	"Subject: =?UTF-8?B?44CQ6KaB56K66KqN44CR6KuL5rGC5pu4?=\r\n" +
	"Message-ID: <abc123@mx.attacker.example>\r\n" +
	"Date: Mon, 2 Nov 2026 08:59:50 +0900\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
	"--b\r\nContent-Type: text/html\r\n\r\n<a href=\"https://login.spoofed-gov.example/verify\">verify</a><script>alert(1)</script>\r\n" +
	"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b--\r\n"

const testMISP = `{"Event":{"uuid":"7a1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6","info":"Phishing wave","date":"2026-11-01","Orgc":{"name":"Partner CERT"},
"Tag":[{"name":"tlp:green"}],"Attribute":[{"type":"domain","value":"spoofed-gov.example"},{"type":"ip-dst","value":"203.0.113.45"},{"type":"regkey","value":"HKLM\\x"}]}}`

func TestC4TAPAndMISP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			h := newHarness(t, engine)
			ctx := context.Background()
			opTok := h.token("analyst.operator@demo.example", nil)
			secTok := h.token("analyst.secretariat@demo.example", nil)
			niscTok := h.token("admin.nisc@demo.example", nil)
			ja := map[string]string{"Accept-Language": "ja"}

			// The demo data makes the demo operator and secretariat
			// participants; start from a group without them.
			opUser0, _ := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
			secUser0, _ := h.db.FindUserByEmail(ctx, "analyst.secretariat@demo.example")
			h.db.SetC4TAPMember(ctx, opUser0.OrgID, 0, false)
			h.db.SetC4TAPMember(ctx, secUser0.OrgID, 0, false)
			// Not a participant yet: refused.
			code, _, body := apiCall(t, h, "POST", "/api/v1/c4tap/submissions?tlp=amber", opTok, "message/rfc822", testEML, ja)
			if code != http.StatusForbidden {
				t.Fatalf("non-member submit: %d %s", code, body)
			}
			opUser, _ := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
			secUser, _ := h.db.FindUserByEmail(ctx, "analyst.secretariat@demo.example")
			if err := h.db.SetC4TAPMember(ctx, opUser.OrgID, 0, true); err != nil {
				t.Fatal(err)
			}
			code, _, body = apiCall(t, h, "POST", "/api/v1/c4tap/submissions?tlp=amber", opTok, "message/rfc822", testEML, ja)
			if code != http.StatusCreated {
				t.Fatalf("submit: %d %s", code, body)
			}
			var sub struct {
				ID         int64 `json:"id"`
				Indicators []struct{ Type, Value, Role string }
				Message    struct {
					Subject     string
					Attachments []struct{ Name, SHA256 string }
				}
			}
			json.Unmarshal(body, &sub)
			if sub.Message.Subject != "【要確認】請求書" || len(sub.Message.Attachments) != 1 || len(sub.Indicators) < 6 || strings.Contains(string(body), "org_id") {
				t.Fatalf("submission: %s", body)
			}
			path := "/api/v1/c4tap/submissions/" + strconv.FormatInt(sub.ID, 10)
			// Malformed message: localised 400, nothing stored.
			code, _, body = apiCall(t, h, "POST", "/api/v1/c4tap/submissions", opTok, "message/rfc822", "garbage without headers", ja)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "メール") {
				t.Fatalf("garbage: %d %s", code, body)
			}
			// A secretariat outside the group does not see it; inside, it sees
			// the indicators but not who submitted nor the raw message.
			if code, _, _ := apiCall(t, h, "GET", path, secTok, "", "", nil); code != http.StatusNotFound {
				t.Fatalf("non-member read: %d", code)
			}
			memberPath := "/api/v1/c4tap/members/" + strconv.FormatInt(secUser.OrgID, 10)
			if code, _, body := apiCall(t, h, "PUT", memberPath, secTok, "application/json", `{"member":true}`, nil); code != http.StatusForbidden {
				t.Fatalf("secretariat adds itself: %d %s", code, body)
			}
			adminTok := h.token("admin.nisc@demo.example", nil)
			if code, _, body := apiCall(t, h, "PUT", memberPath, adminTok, "application/json", `{"member":true}`, nil); code != http.StatusOK ||
				!strings.Contains(string(body), strconv.FormatInt(secUser.OrgID, 10)) {
				t.Fatalf("NISC adds a member: %d %s", code, body)
			}
			if code, _, _ := apiCall(t, h, "GET", path, secTok, "", "", nil); code != http.StatusOK {
				t.Fatalf("member read: %d", code)
			}
			// The submission's indicators are in the TAXII c4tap collection,
			// without a creator.
			taxiiAcc := map[string]string{"Accept": "application/taxii+json;version=2.1"}
			code, _, body = apiCall(t, h, "GET", "/taxii2/ceptor/collections/"+stix.UUIDOf("taxii-collection:c4tap")+"/objects/", secTok, "", "", taxiiAcc)
			if code != http.StatusOK || !strings.Contains(string(body), "login.spoofed-gov.example") || strings.Contains(string(body), "created_by_ref") {
				t.Fatalf("c4tap collection: %d %s", code, body)
			}
			sec := h.login("analyst.secretariat@demo.example")
			if code, page := sec.get("/sharing/c4tap/" + strconv.FormatInt(sub.ID, 10)); code != http.StatusOK || strings.Contains(page, "<script>alert") ||
				!strings.Contains(page, "login[.]spoofed-gov[.]example") || strings.Contains(page, "/eml\"") {
				t.Fatalf("member page: %d", code)
			}
			if code, _ := sec.get("/sharing/c4tap/" + strconv.FormatInt(sub.ID, 10) + "/eml"); code != http.StatusForbidden {
				t.Fatalf("member raw download: %d", code)
			}
			nisc := h.login("admin.nisc@demo.example")
			if code, raw := nisc.get("/sharing/c4tap/" + strconv.FormatInt(sub.ID, 10) + "/eml"); code != http.StatusOK || raw != testEML {
				t.Fatalf("NISC raw download: %d", code)
			}

			// MISP: malformed and unknown TLP are refused with a localised message.
			code, _, body = apiCall(t, h, "POST", "/api/v1/misp/events", niscTok, "application/json", `{"Event":{"uuid":"x"}}`, ja)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "uuid") {
				t.Fatalf("malformed MISP: %d %s", code, body)
			}
			code, _, body = apiCall(t, h, "POST", "/api/v1/misp/events", niscTok, "application/json", strings.Replace(testMISP, "tlp:green", "tlp:ex:chr", 1), ja)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "TLP") {
				t.Fatalf("unknown TLP: %d %s", code, body)
			}
			code, _, body = apiCall(t, h, "POST", "/api/v1/misp/events", niscTok, "application/json", testMISP, ja)
			var res []struct {
				ID          int64 `json:"id"`
				Indicators  int
				Unsupported int
			}
			if code != http.StatusOK || json.Unmarshal(body, &res) != nil || len(res) != 1 || res[0].Indicators != 2 || res[0].Unsupported != 1 {
				t.Fatalf("import: %d %s", code, body)
			}
			var imp []struct {
				AdvisoryID int64 `json:"advisory_id"`
			}
			json.Unmarshal(body, &imp)
			if imp[0].AdvisoryID == 0 {
				t.Fatalf("no advisory draft: %s", body)
			}
			adv, err := h.db.FindAdvisory(ctx, imp[0].AdvisoryID)
			if err != nil || adv.Status != ceptor.AdvisoryDraft || adv.TLP != ceptor.TLPGreen || adv.SourceName != "Partner CERT" {
				t.Fatalf("draft %+v %v", adv, err)
			}
			code, _, body = apiCall(t, h, "GET", "/api/v1/advisories/"+strconv.FormatInt(adv.ID, 10)+"/misp", niscTok, "", "", nil)
			if ev, err := misp.ParseEvent(body); code != http.StatusOK || err != nil || ev.TLP != ceptor.TLPGreen {
				t.Fatalf("advisory export: %d %v %s", code, err, body)
			}
			code, _, body = apiCall(t, h, "GET", path+"/misp", secTok, "", "", nil)
			if ev, err := misp.ParseEvent(body); code != http.StatusOK || err != nil || ev.TLP != ceptor.TLPAmber || ev.CreatorOrg != "C4TAP" || len(ev.Indicators()) < 6 {
				t.Fatalf("submission export: %d %v %s", code, err, body)
			}

			// Correlation: NISC sees both sources and exact counts; the
			// secretariat sees both too (GREEN MISP, AMBER C4TAP) but small
			// counts only as "fewer than".
			q := "/api/v1/indicators/correlation?type=domain&value=spoofed-gov.example"
			code, _, body = apiCall(t, h, "GET", q, niscTok, "", "", nil)
			var c struct {
				Sources       int
				Organisations *int
				FewerThan     int `json:"fewer_than"`
			}
			if json.Unmarshal(body, &c); code != http.StatusOK || c.Sources != 2 || c.Organisations == nil || *c.Organisations != 2 {
				t.Fatalf("NISC correlation: %d %s", code, body)
			}
			code, _, body = apiCall(t, h, "GET", q, secTok, "", "", nil)
			c.Organisations = nil
			if json.Unmarshal(body, &c); code != http.StatusOK || c.Sources != 2 || c.Organisations != nil || c.FewerThan == 0 || strings.Contains(string(body), "org_id") {
				t.Fatalf("secretariat correlation: %d %s", code, body)
			}
			// A non-participant sees the GREEN MISP event only.
			supTok := h.token("admin.supplier@demo.example", nil)
			code, _, body = apiCall(t, h, "GET", q, supTok, "", "", nil)
			if json.Unmarshal(body, &c); code != http.StatusOK || c.Sources != 1 {
				t.Fatalf("supplier correlation: %d %s", code, body)
			}

			// NISC's administrator keeps the participant list on the page.
			supUser, _ := h.db.FindUserByEmail(ctx, "admin.supplier@demo.example")
			if code, _, _ := nisc.post("/sharing/members", url.Values{"org_id": {strconv.FormatInt(supUser.OrgID, 10)}, "member": {"true"}}); code != http.StatusSeeOther {
				t.Fatalf("add member form: %d", code)
			}
			if ok, _ := h.db.IsC4TAPMember(ctx, supUser.OrgID); !ok {
				t.Fatal("the form did not add the member")
			}
			if code, page := nisc.get("/sharing"); code != http.StatusOK || !strings.Contains(page, "C4TAP 参加組織") {
				t.Fatalf("members on the page: %d", code)
			}
			if code, _, _ := sec.post("/sharing/members", url.Values{"org_id": {strconv.FormatInt(supUser.OrgID, 10)}, "member": {"false"}}); code != http.StatusForbidden {
				t.Fatalf("secretariat removes a member: %d", code)
			}

			// Pages render.
			for _, p := range []string{"/sharing", "/sharing/misp/" + strconv.FormatInt(res[0].ID, 10), "/indicators?type=domain&value=spoofed-gov%5B.%5Dexample"} {
				if code, page := nisc.get(p); code != http.StatusOK || !strings.Contains(page, "</html>") {
					t.Errorf("%s: %d", p, code)
				}
			}
		})
	}
}
