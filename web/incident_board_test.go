package web_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/jobs"

	"github.com/riverqueue/river"
)

// sseStream opens an incident's event stream as c and returns a function
// that reads lines until one equals want (or fails after the timeout).
func sseStream(t *testing.T, c *client, path string) (*http.Response, func(want string) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.h.ts.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return resp, func(want string) bool {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return false
				}
				if l == want {
					return true
				}
			case <-timeout:
				t.Fatalf("no %q from %s within 10 s", want, path)
				return false
			}
		}
	}
}

// The situation board's stream says "refresh" after any change to the
// incident, and "gone" (then ends) when the change hides the incident from
// the watcher: every event re-asks the policy.
func TestIncidentBoardLive(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newIncWorld(t, engine)
			ctx := context.Background()
			id := w.incident(t, "広域障害", ceptor.TLPAmber, w.report(t, incRep{}))
			incMust(t, w.h.db.SetLargeScale(ctx, id, true, 0, "", w.nisc.ID, w.niscUser))
			events := "/incidents/" + incID(id) + "/events"
			tok := w.h.token("admin.nisc@demo.example", nil)

			nisc := w.h.login("admin.nisc@demo.example")
			resp, next := sseStream(t, nisc, events)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") ||
				!strings.Contains(resp.Header.Get("Cache-Control"), "no-cache") {
				t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
			}
			if !next(": connected") {
				t.Fatal("the stream did not open")
			}
			// A note through the API: the board hears of it.
			w.apiJSON(t, "POST", "/api/v1/incidents/"+incID(id)+"/notes", tok, `{"text":"状況更新"}`, 201, nil)
			if !next("event: refresh") {
				t.Fatal("no refresh after a note")
			}
			// A report joins: again.
			w.apiJSON(t, "POST", "/api/v1/incidents/"+incID(id)+"/reports", tok, `{"report_id":`+incID(w.report(t, incRep{}))+`}`, 200, nil)
			if !next("event: refresh") {
				t.Fatal("no refresh after a report joined")
			}

			// A response agency watches; NISC narrows the marking to RED,
			// which hides the incident from it: the stream says so and ends.
			agency := w.h.login("admin.response@demo.example")
			_, agencyNext := sseStream(t, agency, events)
			if !agencyNext(": connected") {
				t.Fatal("the agency's stream did not open")
			}
			w.apiJSON(t, "PATCH", "/api/v1/incidents/"+incID(id), tok, `{"tlp":"red"}`, 200, nil)
			if !agencyNext("event: gone") {
				t.Fatal("the agency was not told the incident is gone")
			}
			if agencyNext("event: refresh") {
				t.Fatal("the stream went on after gone")
			}
			// And it cannot open a new one, nor read the rows.
			if code, _ := agency.get(events); code != 404 {
				t.Errorf("agency reopens the stream: %d, want 404", code)
			}
			if code, _ := agency.get("/incidents/" + incID(id) + "/board/rows"); code != 404 {
				t.Errorf("agency reads the rows: %d, want 404", code)
			}
			// No session: 401, not a sign-in page.
			if code, _ := w.h.client().get(events); code != 401 {
				t.Errorf("anonymous stream: %d, want 401", code)
			}
		})
	}
}

// An anonymous reporter is only ever "a member of CEPTOR X" on the board,
// its rows, the incident page, the situation report and the API, for every
// organisation that may see the incident; a named reporter is masked for
// those who may not know who reported.
func TestIncidentBoardAnonymity(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newIncWorld(t, engine)
			ctx := context.Background()
			anon := w.incident(t, "匿名の報告を含む事案", ceptor.TLPAmber,
				w.report(t, incRep{anonymous: true, title: "匿名の報告"}), w.report(t, incRep{anonymous: true, drill: true}))
			incMust(t, w.h.db.SetLargeScale(ctx, anon, true, 0, "", w.nisc.ID, w.niscUser))
			named := w.incident(t, "記名の報告の事案", ceptor.TLPAmber, w.report(t, incRep{title: "記名の報告"}))
			incMust(t, w.h.db.SetLargeScale(ctx, named, true, 0, "", w.nisc.ID, w.niscUser))

			secret := []string{w.op.Name, w.op.NameEN, w.op.NameKana}
			secret = append(secret, w.op.Domains...)
			member := "銀行等セプターの構成員"
			for _, who := range []string{"admin.nisc@demo.example", "analyst.ministry@demo.example", "admin.response@demo.example", "analyst.security@demo.example"} {
				c := w.h.login(who)
				c.lang = "ja"
				base := "/incidents/" + incID(anon)
				for _, p := range []string{base, base + "/board", base + "/board/rows", base + "/sitrep", base + "/sitrep?lang=en", base + "/severity"} {
					code, body := c.get(p)
					if code != 200 {
						t.Fatalf("%s GET %s: %d", who, p, code)
					}
					incHasNot(t, who+" "+p, body, secret...)
					if strings.Contains(p, "board") {
						incHas(t, who+" "+p, body, member)
					}
				}
				_, resp := w.h.api("GET", "/api/v1/incidents/"+incID(anon), w.h.token(who, nil), "")
				incHasNot(t, who+" API", resp, secret...)
				incHasNot(t, who+" API", resp, `"org_id":`+incID(w.op.ID))
				if !strings.Contains(resp, `"anonymous":true`) {
					t.Errorf("%s API: anonymous rows not marked", who)
				}

				// The named report: NISC and the ministry on its route know
				// the reporter; the agencies see only the sector.
				_, rows := c.get("/incidents/" + incID(named) + "/board/rows")
				knows := who == "admin.nisc@demo.example" || who == "analyst.ministry@demo.example"
				if strings.Contains(rows, w.op.Name) != knows {
					t.Errorf("%s: named reporter shown %v, want %v", who, !knows, knows)
				}
				if !knows {
					incHas(t, who+" masked", rows, "組織名非表示")
				}
			}
		})
	}
}

// A situation report can be produced at any time, in Japanese or English,
// numbered, recorded in the timeline and the audit log.
func TestIncidentSitrep(t *testing.T) {
	t.Parallel()
	w := newIncWorld(t, "sqlite")
	ctx := context.Background()
	id := w.incident(t, "電力需給システムの障害", ceptor.TLPGreen, w.report(t, incRep{title: "需給調整の停止"}))
	incMust(t, w.h.db.SetLargeScale(ctx, id, true, 0, "", w.nisc.ID, w.niscUser))
	nisc := w.h.login("admin.nisc@demo.example")
	code, body := nisc.get("/incidents/" + incID(id) + "/sitrep")
	if code != 200 {
		t.Fatalf("sitrep: %d", code)
	}
	incHas(t, "sitrep ja", body, "状況報告（第1報）", "電力需給システムの障害", "大規模重要インフラサービス障害対応時", "TLP:GREEN", "data-print")
	code, body = nisc.get("/incidents/" + incID(id) + "/sitrep?lang=en")
	if code != 200 {
		t.Fatalf("sitrep en: %d", code)
	}
	incHas(t, "sitrep en", body, "Situation report no. 2", "Large-scale critical-service outage response")
	// The response agency may produce one too (it only reads).
	if code, _ := w.h.login("admin.response@demo.example").get("/incidents/" + incID(id) + "/sitrep"); code != 200 {
		t.Errorf("agency sitrep: %d", code)
	}
	if code, _ := w.h.login("admin.operator@demo.example").get("/incidents/" + incID(id) + "/sitrep"); code != 404 {
		t.Errorf("operator sitrep: %d, want 404", code)
	}
	evs, err := w.h.db.IncidentEvents(ctx, id)
	incMust(t, err)
	n := 0
	for _, e := range evs {
		if e.Kind == ceptor.EventSitrep {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d sitrep records, want 3", n)
	}
	if got := incCount(w.auditActions(t), "incident.sitrep"); got != 3 {
		t.Errorf("%d incident.sitrep audit entries, want 3", got)
	}
}

// The reminder job with the web server as its notifier: one notice per
// due update however often it runs; the anonymous reporter's secretariat
// hears of it in its own language, without the reporter's name.
func TestIncidentReminderNotifications(t *testing.T) {
	t.Parallel()
	w := newIncWorld(t, "sqlite")
	ctx := context.Background()
	id := w.incident(t, "続報期限の試験", ceptor.TLPAmber, w.report(t, incRep{}), w.report(t, incRep{anonymous: true}))
	incMust(t, w.h.db.SetLargeScale(ctx, id, true, time.Hour, "", w.nisc.ID, w.niscUser))
	later := time.Now().Add(2 * time.Hour)
	worker := &jobs.ReminderWorker{Store: w.h.db, Notifier: w.h.srv, Publish: w.h.srv.PublishLive, Now: func() time.Time { return later }}
	for range 3 {
		incMust(t, worker.Work(ctx, &river.Job[jobs.ReminderArgs]{}))
	}
	count := func(email string) (int, []*ceptor.Notification) {
		u, err := w.h.db.FindUserByEmail(ctx, email)
		incMust(t, err)
		list, total, err := w.h.db.ListNotifications(ctx, u.ID, u.OrgID, false, 50, 0)
		incMust(t, err)
		return total, list
	}
	if n, list := count("admin.operator@demo.example"); n != 1 || list[0].Kind != "incident.update_overdue" || !list[0].Urgent {
		t.Errorf("operator notifications: %d %+v", n, list)
	}
	if n, _ := count("admin.secretariat@demo.example"); n != 1 {
		t.Errorf("secretariat notifications: %d, want 1", n)
	}
	_, body := w.h.login("admin.secretariat@demo.example").get("/notifications")
	incHas(t, "secretariat notifications", body, "銀行等セプターの構成員による報告")
	incHasNot(t, "secretariat notifications", body, w.op.Name)
	// Operators see no incident details in theirs.
	_, body = w.h.login("admin.operator@demo.example").get("/notifications")
	incHasNot(t, "operator notifications", body, "続報期限の試験")
}

// Until the incident has an evaluation of its own, the board shows the
// gravest evaluation among its reports, and says where it comes from; once
// NISC evaluates the incident, that evaluation shows.
func TestIncidentBoardSeverityFromReports(t *testing.T) {
	t.Parallel()
	w := newIncWorld(t, "sqlite")
	low, high := w.report(t, incRep{}), w.report(t, incRep{})
	id := w.incident(t, "停電の連鎖", ceptor.TLPAmber, low, high)
	tok := w.h.token("admin.nisc@demo.example", nil)
	nisc := w.h.login("admin.nisc@demo.example")
	board := "/incidents/" + incID(id) + "/board"
	if _, body := nisc.get(board); !strings.Contains(body, "—") || strings.Contains(body, "報告の評価の最高") {
		t.Fatal("a board without evaluations claims one")
	}
	w.apiJSON(t, "POST", "/api/v1/reports/"+incID(low)+"/severity", tok, `{"continuity":1,"safety":0,"trust":0,"continuity_reason":"一部地域"}`, 201, nil)
	w.apiJSON(t, "POST", "/api/v1/reports/"+incID(high)+"/severity", tok, `{"continuity":3,"safety":0,"trust":0,"continuity_reason":"広域"}`, 201, nil)
	_, body := nisc.get(board)
	if !strings.Contains(body, "報告の評価の最高") || !strings.Contains(body, `<span class="num"><span class="sev`) {
		t.Fatal("the board does not show the reports' evaluation")
	}
	i := strings.Index(body, `<span class="num"><span class="sev`)
	if !strings.Contains(body[i:i+200], ">3 ") {
		t.Fatalf("board level: %s", body[i:i+200])
	}
	w.apiJSON(t, "POST", "/api/v1/incidents/"+incID(id)+"/severity", tok, `{"continuity":2,"safety":0,"trust":0,"continuity_reason":"復旧が進む"}`, 201, nil)
	_, body = nisc.get(board)
	i = strings.Index(body, `<span class="num"><span class="sev`)
	if strings.Contains(body, "報告の評価の最高") || i < 0 || !strings.Contains(body[i:i+200], ">2 ") {
		t.Fatal("the incident's own evaluation does not take over")
	}
}
