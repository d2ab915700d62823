package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"ceptor"
	"ceptor/stix"
)

// TestTAXIISubscriptionCourseOfAction, on both engines: a received
// course-of-action becomes the 対策 section of the advisory draft of the
// report that refers to it (here on an earlier page of the poll); a report
// whose text already holds the mitigation gets it once; and an advisory of
// ceptor's own server with a mitigation section, read back over TAXII,
// serves the course-of-action in the report's object_refs and makes a
// draft whose body holds the mitigation once.
func TestTAXIISubscriptionCourseOfAction(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			h := w.harness
			amber := stix.Marking(ceptor.TLPAmber).ID
			coa := `{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"Patch the VPN appliance","description":"Update to 7.2.1 and rotate credentials.","object_marking_refs":["` + amber + `"]}`
			rep := `{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c71","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"VPN appliance exploited","description":"Attackers exploit the appliance.","published":"2026-11-01T00:00:00.000Z","object_refs":["course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70"],"object_marking_refs":["` + amber + `"]}`
			rep2 := `{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c72","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"Same advice inline","description":"## Mitigation\nUpdate to 7.2.1 and rotate credentials.","published":"2026-11-01T00:00:00.000Z","object_refs":["course-of-action--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c70"],"object_marking_refs":["` + amber + `"]}`
			ext := &pagingTAXII{objects: []string{stixIndicator(1, "coa.feed.example", "green"), coa, rep, rep2}}
			srv := httptest.NewServer(ext)
			defer srv.Close()
			subscribe := func(apiRoot, coll, secret string) int64 {
				t.Helper()
				in := `{"name":"Partner feed","api_root":"` + apiRoot + `","collection_id":"` + coll + `","secret":"` + secret + `","interval_minutes":30}`
				code, _, body := apiCall(t, h, "POST", "/api/v1/taxii/subscriptions", w.secTok, "application/json", in, nil)
				var sub struct{ ID int64 }
				if json.Unmarshal(body, &sub); code != http.StatusCreated {
					t.Fatalf("subscribe: %d %s", code, body)
				}
				code, _, body = apiCall(t, h, "POST", "/api/v1/taxii/subscriptions/"+strconv.FormatInt(sub.ID, 10)+"/poll", w.secTok, "", "", nil)
				if code != http.StatusOK || strings.Contains(string(body), `"last_error":"`) {
					t.Fatalf("poll: %d %s", code, body)
				}
				return sub.ID
			}
			draftBody := func(titlePrefix string) string {
				t.Helper()
				var body string
				if err := h.db.SQL().QueryRow(rebindQ(h, "SELECT body FROM advisories WHERE title LIKE ? AND status = 'draft'"), titlePrefix+"%").Scan(&body); err != nil {
					t.Fatalf("no draft %q: %v", titlePrefix, err)
				}
				return body
			}
			subscribe(srv.URL+"/api1/", "c1", "s3cret")
			b := draftBody("[TAXII] VPN appliance exploited")
			if !strings.Contains(b, "## 対策\n\n**Patch the VPN appliance**\n\nUpdate to 7.2.1 and rotate credentials.") || !strings.HasPrefix(b, "Attackers exploit") {
				t.Errorf("draft without its 対策 section:\n%s", b)
			}
			if h2, text := stix.MitigationOf(b); h2 != "対策" || !strings.Contains(text, "rotate credentials") {
				t.Errorf("the draft's 対策 section does not read as a mitigation: %q %q", h2, text)
			}
			if b2 := draftBody("[TAXII] Same advice inline"); strings.Count(b2, "rotate credentials") != 1 {
				t.Errorf("a mitigation already in the report is added again:\n%s", b2)
			}

			// ceptor's own server: an advisory with a mitigation section.
			adv := w.publishAdvisory(map[string]any{"title": "VPN 装置の脆弱性", "category": "vulnerability", "tlp": "green",
				"body":     "# 概要\n悪用が確認されています。\n\n## 推奨される対策\n- 修正版へ更新する\n- 認証情報を変更する\n\n## 参考\n製品ベンダーの公表",
				"audience": map[string]any{"everyone": true}})
			repID := stix.ID("report", "advisory:"+strconv.FormatInt(adv, 10))
			coaID := stix.ID("course-of-action", "advisory:"+strconv.FormatInt(adv, 10)+":mitigation")
			everyone := taxiiColl("everyone-green")
			var env taxiiEnv
			w.taxiiGet(everyone+"objects/?match[id]="+coaID+","+repID, w.opTok, 200, &env)
			if len(env.Objects) != 2 || env.Objects[0]["id"] != coaID || env.Objects[0]["description"] != "- 修正版へ更新する\n- 認証情報を変更する" ||
				env.Objects[0]["created_by_ref"] != env.Objects[1]["created_by_ref"] ||
				!strings.Contains(strings.Join(objIDs(taxiiEnv{Objects: env.Objects[1:]}), ""), repID) {
				t.Fatalf("course-of-action over TAXII: %v", env.Objects)
			}
			if refs, _ := env.Objects[1]["object_refs"].([]any); len(refs) != 2 || refs[1] != coaID {
				t.Errorf("the report does not refer to its course-of-action: %v", refs)
			}
			subscribe(h.ts.URL+"/taxii2/ceptor/", stix.UUIDOf("taxii-collection:everyone-green"), w.secTok)
			if b := draftBody("[TAXII] VPN 装置の脆弱性"); strings.Count(b, "認証情報を変更する") != 1 || !strings.Contains(b, "## 推奨される対策") {
				t.Errorf("draft of ceptor's advisory:\n%s", b)
			}
		})
	}
}
