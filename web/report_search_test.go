package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// Japanese search finds 標的型 inside 標的型メール, on both engines, and
// only among the reports the caller may see.
func TestReportSearchRespectsVisibility(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			hit := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "標的型メールによる感染", "職員端末でマルウェアを検知", true))
			miss := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "停電によるサービス停止", "自家発電に切替", true))
			draft := w.create(w.opTok, w.reportBody(ceptor.RouteMinistry, "標的型メール（下書き）", "", false))
			short := w.create(w.opTok, w.reportBody(ceptor.RouteDirect, "DoS", "標的型ではない", true))
			q := "q=" + url.QueryEscape("標的型")

			ids, n := w.listIDs(w.opTok, q)
			if n != 3 || !hasID(ids, hit) || !hasID(ids, draft) || !hasID(ids, short) || hasID(ids, miss) {
				t.Fatalf("reporter's search: %v (%d)", ids, n)
			}
			// The ministry holds two of them; the draft and the direct report
			// are not its to see.
			ids, n = w.listIDs(w.minTok, "queue=relay&"+q)
			if n != 1 || ids[0] != hit {
				t.Fatalf("ministry's search: %v (%d)", ids, n)
			}
			// NISC sees only what has reached it.
			ids, n = w.listIDs(w.niscTok, q)
			if n != 1 || ids[0] != short {
				t.Fatalf("NISC's search before relays: %v (%d)", ids, n)
			}
			w.relay(w.minTok, hit, nil)
			ids, n = w.listIDs(w.niscTok, q)
			if n != 2 || !hasID(ids, hit) {
				t.Fatalf("NISC's search after the relay: %v (%d)", ids, n)
			}
			// Two words must both match; a two-letter word works too.
			if ids, _ = w.listIDs(w.niscTok, "q="+url.QueryEscape("標的型 職員")); len(ids) != 1 || ids[0] != hit {
				t.Fatalf("two words: %v", ids)
			}
			if ids, _ = w.listIDs(w.opTok, "q="+url.QueryEscape("停電")); len(ids) != 1 || ids[0] != miss {
				t.Fatalf("short word: %v", ids)
			}
			// Another operator finds nothing.
			if _, n = w.listIDs(w.otherOpTok, q); n != 0 {
				t.Fatalf("another operator finds %d", n)
			}
			// The page marks the words and counts only visible reports.
			c := w.login(w.nisc)
			_, page := c.get("/reports?lang=ja&" + q)
			mustContain(t, "search page", page, "<mark>標的型</mark>メールによる感染", `<strong class="count">2</strong>`)
			// Filters: event class, route, status, period.
			if _, n = w.listIDs(w.niscTok, "event=intrusion"); n != 2 {
				t.Fatalf("event filter: %d", n)
			}
			if _, n = w.listIDs(w.niscTok, "event=precursor"); n != 0 {
				t.Fatalf("event filter (none): %d", n)
			}
			if _, n = w.listIDs(w.niscTok, "route=direct"); n != 1 {
				t.Fatalf("route filter: %d", n)
			}
			if _, n = w.listIDs(w.opTok, "status=draft"); n != 1 {
				t.Fatalf("status filter: %d", n)
			}
			if _, n = w.listIDs(w.niscTok, "from=2000-01-01&to=2000-12-31"); n != 0 {
				t.Fatalf("period filter: %d", n)
			}
			if code, body := w.call("GET", "/api/v1/reports?from=yesterday", w.niscTok, nil, nil); code != http.StatusUnprocessableEntity {
				t.Fatalf("bad date: %d %s", code, body)
			}
			if code, body := w.call("GET", "/api/v1/reports?queue=relay", w.niscTok, nil, nil); code != http.StatusUnprocessableEntity {
				t.Fatalf("NISC asks for a queue it has not: %d %s", code, body)
			}
			// Pagination.
			var page1 struct {
				Items []repJSON `json:"items"`
				Total int       `json:"total"`
				Next  string    `json:"next"`
			}
			w.call("GET", "/api/v1/reports?limit=2", w.opTok, nil, &page1)
			if page1.Total != 4 || len(page1.Items) != 2 || page1.Next == "" {
				t.Fatalf("page 1: %+v", page1)
			}
			_, body := w.login(w.opEmail).get("/reports?offset=2")
			if !strings.Contains(body, "4件中 3〜4件") {
				t.Fatalf("pager text missing:\n%s", body[:min(len(body), 200)])
			}
			_ = fmt.Sprint
		})
	}
}
