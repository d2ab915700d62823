package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/stix"
)

// pagingTAXII is an independent TAXII 2.1 collection written for the test:
// it serves its objects two per page with next tokens and the date-added
// headers, honours added_after, and records what it was asked.
type pagingTAXII struct {
	mu      sync.Mutex
	objects []string // JSON objects, in the order added
	asked   []string // added_after of each request
	auth    []string
}

func (p *pagingTAXII) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !strings.HasSuffix(r.URL.Path, "/collections/c1/objects/") || !strings.Contains(r.Header.Get("Accept"), "taxii+json") {
		http.Error(w, "no", http.StatusNotFound)
		return
	}
	p.auth = append(p.auth, r.Header.Get("Authorization"))
	q := r.URL.Query()
	p.asked = append(p.asked, q.Get("added_after"))
	start := 0
	if a := q.Get("added_after"); a != "" {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(a, "2026-11-01T00:00:"), ".000Z"))
		start = n + 1
	}
	if nx := q.Get("next"); nx != "" {
		start, _ = strconv.Atoi(nx)
	}
	end := min(start+2, len(p.objects))
	w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
	env := map[string]any{"more": end < len(p.objects), "objects": []json.RawMessage{}}
	if start < end {
		objs := []json.RawMessage{}
		for _, o := range p.objects[start:end] {
			objs = append(objs, json.RawMessage(o))
		}
		env["objects"] = objs
		w.Header().Set("X-TAXII-Date-Added-First", fmt.Sprintf("2026-11-01T00:00:%02d.000Z", start))
		w.Header().Set("X-TAXII-Date-Added-Last", fmt.Sprintf("2026-11-01T00:00:%02d.000Z", end-1))
	}
	if end < len(p.objects) {
		env["next"] = strconv.Itoa(end)
	}
	json.NewEncoder(w).Encode(env)
}

func stixIndicator(n int, value, tlp string) string {
	marks := ""
	if tlp != "" {
		marks = `,"object_marking_refs":["` + stix.Marking(ceptor.TLP(tlp)).ID + `"]`
	}
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c%02d","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[domain-name:value = '%s']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00.000Z"%s}`, n, value, marks)
}

func TestTAXIISubscriptions(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			h := newHarness(t, engine)
			secTok := h.token("analyst.secretariat@demo.example", nil)
			opTok := h.token("analyst.operator@demo.example", nil)
			niscTok := h.token("admin.nisc@demo.example", nil)

			ext := &pagingTAXII{objects: []string{
				stixIndicator(1, "a.feed.example", "green"),
				stixIndicator(2, "b.feed.example", ""),
				stixIndicator(1, "a.feed.example", "green"), // the same id and version again
				`{"type":"identity","spec_version":"2.1","id":"identity--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c99","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"x"}`,
				`{"type":"report","spec_version":"2.1","id":"report--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c50","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"Partner analysis of a phishing wave","description":"Details.","published":"2026-11-01T00:00:00.000Z","object_refs":["indicator--6b7a0a0e-7f0e-4c63-9a43-5f0d1b1f2c01"],"object_marking_refs":["` + stix.Marking(ceptor.TLPAmber).ID + `"]}`,
			}}
			srv := httptest.NewServer(ext)
			defer srv.Close()

			// Operators do not subscribe; a secretariat does.
			in := `{"name":"Partner feed","api_root":"` + srv.URL + `/api1/","collection_id":"c1","secret":"s3cret","interval_minutes":30}`
			if code, _, body := apiCall(t, h, "POST", "/api/v1/taxii/subscriptions", opTok, "application/json", in, nil); code != http.StatusForbidden {
				t.Fatalf("operator subscribes: %d %s", code, body)
			}
			code, _, body := apiCall(t, h, "POST", "/api/v1/taxii/subscriptions", secTok, "application/json", in, nil)
			var sub struct {
				ID            int64
				HasSecret     bool   `json:"has_secret"`
				ReceivedCount int64  `json:"received_count"`
				AddedAfter    string `json:"added_after"`
				LastError     string `json:"last_error"`
			}
			if json.Unmarshal(body, &sub); code != http.StatusCreated || !sub.HasSecret || strings.Contains(string(body), "s3cret") {
				t.Fatalf("subscribe: %d %s", code, body)
			}
			poll := "/api/v1/taxii/subscriptions/" + strconv.FormatInt(sub.ID, 10) + "/poll"
			code, _, body = apiCall(t, h, "POST", poll, secTok, "", "", nil)
			if json.Unmarshal(body, &sub); code != http.StatusOK || sub.LastError != "" || sub.ReceivedCount != 3 || sub.AddedAfter != "2026-11-01T00:00:04.000Z" {
				t.Fatalf("poll: %d %s", code, body)
			}
			if len(ext.asked) != 3 || ext.auth[0] != "Bearer s3cret" {
				t.Fatalf("requests: %v %v", ext.asked, ext.auth)
			}
			// The next poll resumes after the last object (the cursor is
			// stored, as after a restart) and takes only what is new.
			ext.objects = append(ext.objects, stixIndicator(3, "c.feed.example", "red"))
			code, _, body = apiCall(t, h, "POST", poll, secTok, "", "", nil)
			if json.Unmarshal(body, &sub); code != http.StatusOK || sub.ReceivedCount != 4 || ext.asked[len(ext.asked)-1] != "2026-11-01T00:00:04.000Z" {
				t.Fatalf("second poll: %d %s %v", code, body, ext.asked)
			}
			// The report became an advisory draft of the secretariat.
			var drafts int
			h.db.SQL().QueryRow("SELECT COUNT(*) FROM advisories WHERE title LIKE '[TAXII] Partner analysis%' AND status = 'draft'").Scan(&drafts)
			if drafts != 1 {
				t.Fatalf("drafts: %d", drafts)
			}
			// Correlation: the GREEN indicator is seen by everyone, the RED
			// one only by the subscriber and NISC.
			for _, c := range []struct {
				tok, value string
				want       int
			}{{opTok, "a.feed.example", 1}, {opTok, "c.feed.example", 0}, {secTok, "c.feed.example", 1}, {niscTok, "c.feed.example", 1}} {
				code, _, body := apiCall(t, h, "GET", "/api/v1/indicators/correlation?type=domain&value="+c.value, c.tok, "", "", nil)
				var cr struct{ Sources int }
				if json.Unmarshal(body, &cr); code != http.StatusOK || cr.Sources != c.want {
					t.Errorf("%s: %d %s, want %d sources", c.value, code, body, c.want)
				}
			}

			// ceptor's own TAXII server: NISC adds to the everyone collection,
			// the secretariat subscribes with its token.
			coll := stix.UUIDOf("taxii-collection:everyone-green")
			env := `{"objects":[` + stixIndicator(7, "own.feed.example", "green") + `]}`
			code, _, body = apiCall(t, h, "POST", "/taxii2/ceptor/collections/"+coll+"/objects/", niscTok, "application/taxii+json;version=2.1", env,
				map[string]string{"Accept": "application/taxii+json;version=2.1"})
			if code != http.StatusAccepted {
				t.Fatalf("own add: %d %s", code, body)
			}
			own := `{"name":"ceptor","api_root":"` + h.ts.URL + `/taxii2/ceptor/","collection_id":"` + coll + `","secret":"` + secTok + `"}`
			code, _, body = apiCall(t, h, "POST", "/api/v1/taxii/subscriptions", secTok, "application/json", own, nil)
			json.Unmarshal(body, &sub)
			if code != http.StatusCreated {
				t.Fatalf("own subscribe: %d %s", code, body)
			}
			code, _, body = apiCall(t, h, "POST", "/api/v1/taxii/subscriptions/"+strconv.FormatInt(sub.ID, 10)+"/poll", secTok, "", "", nil)
			if json.Unmarshal(body, &sub); code != http.StatusOK || sub.LastError != "" || sub.ReceivedCount == 0 || sub.AddedAfter == "" {
				t.Fatalf("own poll: %d %s", code, body)
			}
			var n int
			h.db.SQL().QueryRow(rebindQ(h, "SELECT COUNT(*) FROM taxii_sub_indicators WHERE subscription_id = ? AND value = ?"), sub.ID, "own.feed.example").Scan(&n)
			if n != 1 {
				t.Fatalf("own indicator: %d", n)
			}
			// Another secretariat's or an operator's view of the list.
			code, _, body = apiCall(t, h, "GET", "/api/v1/taxii/subscriptions", opTok, "", "", nil)
			if code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
				t.Fatalf("operator list: %d %s", code, body)
			}
			c := h.login("analyst.secretariat@demo.example")
			if code, page := c.get("/taxii/subscriptions"); code != http.StatusOK || !strings.Contains(page, "Partner feed") {
				t.Fatalf("page: %d", code)
			}
		})
	}
}

func rebindQ(h *harness, q string) string {
	if h.db.Dialect() != sqldb.Postgres {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
	}
	return q
}
