package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/jobs"
	"ceptor/mail"
	"ceptor/mail/mailtest"

	"github.com/riverqueue/river"
)

// notifyFixture stores three notifications: one to the demo operator's
// whole organisation, one to its analyst alone, one to another
// organisation.
type notifyFixture struct {
	analyst, admin   *ceptor.User
	orgWide, mine    *ceptor.Notification
	otherOrg         *ceptor.Notification
	otherOrgReceiver *ceptor.User
}

func newNotifyFixture(t *testing.T, h *harness) *notifyFixture {
	t.Helper()
	ctx := context.Background()
	f := &notifyFixture{}
	var err error
	if f.analyst, err = h.db.FindUserByEmail(ctx, "analyst.operator@demo.example"); err != nil {
		t.Fatal(err)
	}
	if f.admin, err = h.db.FindUserByEmail(ctx, "admin.operator@demo.example"); err != nil {
		t.Fatal(err)
	}
	if f.otherOrgReceiver, err = h.db.FindUserByEmail(ctx, "analyst.ministry@demo.example"); err != nil {
		t.Fatal(err)
	}
	f.orgWide = &ceptor.Notification{OrgID: f.analyst.OrgID, Kind: "report.overdue", MessageKey: "notify.msg.report_overdue", Urgent: true,
		Args: []ceptor.NotificationArg{ceptor.ArgText("勘定系システムの停止"), ceptor.ArgLang("続報", "follow-up"), ceptor.ArgText("2026-04-01 17:00")}, Link: "/registry/orgs"}
	f.mine = &ceptor.Notification{OrgID: f.analyst.OrgID, UserID: f.analyst.ID, Kind: "report.relay_needed", MessageKey: "notify.msg.report_relay_needed",
		Args: []ceptor.NotificationArg{ceptor.ArgText("ネットバンキング障害")}}
	f.otherOrg = &ceptor.Notification{OrgID: f.otherOrgReceiver.OrgID, Kind: "report.received", MessageKey: "notify.msg.report_received",
		Args: []ceptor.NotificationArg{ceptor.ArgLang("セプター会員", "a CEPTOR member"), ceptor.ArgText("秘密の報告")}}
	for _, n := range []*ceptor.Notification{f.orgWide, f.mine, f.otherOrg} {
		if err := h.db.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

var bellRE = regexp.MustCompile(`<span class="bell-count"[^>]*>([^<]+)</span>`)

// bell returns the number on the bell of a page ("" when there is none).
func bell(body string) string {
	if m := bellRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func TestNotificationPages(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			f := newNotifyFixture(t, h)

			c := h.login("analyst.operator@demo.example")
			_, body := c.get("/")
			if got := bell(body); got != "2" || !strings.Contains(body, "お知らせ（未読 2 件）") {
				t.Fatalf("bell on the dashboard = %q", got)
			}

			code, body := c.get("/notifications")
			if code != 200 {
				t.Fatalf("list: %d", code)
			}
			for _, want := range []string{
				"報告「勘定系システムの停止」の続報の期限（2026-04-01 17:00）を過ぎています",
				"報告「ネットバンキング障害」の確認と中継をお願いします",
				"組織あて", "あなたあて", "至急", "すべて既読にする",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("list lacks %q", want)
				}
			}
			// Another organisation's notification is not shown, nor its text.
			if strings.Contains(body, "秘密の報告") {
				t.Fatal("another organisation's notification is listed")
			}

			// Mark the personal one read: the organisation's stays unread.
			code, _, loc := c.post("/notifications/read", url.Values{"id": {strconv.FormatInt(f.mine.ID, 10)}, "next": {"/notifications?unread=1"}})
			if code != http.StatusSeeOther || loc != "/notifications?unread=1" {
				t.Fatalf("mark read: %d %q", code, loc)
			}
			_, body = c.get("/notifications?unread=1")
			if bell(body) != "1" || strings.Contains(body, "ネットバンキング障害") || !strings.Contains(body, "勘定系システムの停止") {
				t.Fatalf("unread tab after marking one: bell %q", bell(body))
			}

			// For the organisation's administrator the organisation's
			// notification is still unread; the analyst's own was never theirs.
			admin := h.login("admin.operator@demo.example")
			_, body = admin.get("/notifications")
			if bell(body) != "1" || strings.Contains(body, "ネットバンキング障害") || !strings.Contains(body, "勘定系システムの停止") {
				t.Fatalf("administrator's list: bell %q", bell(body))
			}

			// Opening follows the link and marks it read for the analyst only.
			code, _, loc = c.post("/notifications/"+strconv.FormatInt(f.orgWide.ID, 10)+"/open", nil)
			if code != http.StatusSeeOther || loc != "/registry/orgs" {
				t.Fatalf("open: %d %q", code, loc)
			}
			_, body = c.get("/notifications?unread=1")
			if bell(body) != "" || !strings.Contains(body, "未読のお知らせはありません") {
				t.Fatalf("analyst still has unread: %q", bell(body))
			}
			_, body = admin.get("/")
			if bell(body) != "1" {
				t.Fatalf("administrator's bell after the analyst read: %q", bell(body))
			}

			// Someone else's notification cannot be opened (and its
			// existence does not show).
			if code, _, _ := c.post("/notifications/"+strconv.FormatInt(f.otherOrg.ID, 10)+"/open", nil); code != http.StatusNotFound {
				t.Fatalf("open another organisation's: %d", code)
			}
			if code, _, _ := c.post("/notifications/read", url.Values{"id": {strconv.FormatInt(f.otherOrg.ID, 10)}}); code != http.StatusSeeOther {
				t.Fatalf("mark another's: %d", code)
			}
			other := h.login("analyst.ministry@demo.example")
			if _, body := other.get("/"); bell(body) != "1" {
				t.Fatalf("the ministry's notification was marked by the operator: %q", bell(body))
			}

			// Mark all read; the read ones show when they were read.
			if code, _, loc := admin.post("/notifications/read-all", url.Values{"next": {"/notifications"}}); code != http.StatusSeeOther || loc != "/notifications" {
				t.Fatalf("read all: %d %q", code, loc)
			}
			_, body = admin.get("/notifications")
			if bell(body) != "" || !strings.Contains(body, "に既読") || !strings.Contains(body, "すべてのお知らせを既読にしました") {
				t.Fatalf("after read all: bell %q", bell(body))
			}

			// In English.
			c.post("/lang", url.Values{"lang": {"en"}, "next": {"/notifications"}})
			_, body = c.get("/notifications")
			if !strings.Contains(body, "The follow-up deadline (2026-04-01 17:00) of report “勘定系システムの停止” has passed") || !strings.Contains(body, "To your organisation") {
				t.Fatal("English list not rendered")
			}

			// Reading is audited, per person.
			entries, err := h.db.ListAudit(context.Background(), ceptor.AuditFilter{Action: "notification.read"})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 3 {
				t.Fatalf("%d notification.read entries, want 3", len(entries))
			}
		})
	}
}

func TestNotificationPagesEmptyAndAnonymous(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	if code, _ := h.client().get("/notifications"); code != http.StatusSeeOther {
		t.Fatalf("anonymous list: %d", code)
	}
	c := h.login("executive.council@demo.example")
	_, body := c.get("/notifications")
	if !strings.Contains(body, "お知らせはまだありません") || bell(body) != "" || strings.Contains(body, "すべて既読にする") {
		t.Fatal("empty state not shown")
	}
	// A form without the CSRF token is refused.
	if code, _, _ := c.post("/notifications/read-all", url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Fatalf("forged read-all: %d", code)
	}
}

func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	// A read-only role sets its own e-mail choices in the UI too.
	c := h.login("executive.operator@demo.example")
	code, body := c.get("/notifications/settings")
	if code != 200 || !strings.Contains(body, "このシステムではメール送信が設定されていません") || !strings.Contains(body, "executive.operator@demo.example") {
		t.Fatalf("settings page: %d", code)
	}
	// Defaults: urgent ones by e-mail.
	if !regexp.MustCompile(`name="email_reports" value="urgent"\s+checked`).MatchString(body) {
		t.Fatal("default choice not checked")
	}
	code, _, loc := c.post("/notifications/settings", url.Values{"email_reports": {"all"}, "email_incidents": {"none"}})
	if code != http.StatusSeeOther || loc != "/notifications/settings" {
		t.Fatalf("save: %d %q", code, loc)
	}
	_, body = c.get("/notifications/settings")
	if !regexp.MustCompile(`name="email_reports" value="all"\s+checked`).MatchString(body) ||
		!regexp.MustCompile(`name="email_incidents" value="none"\s+checked`).MatchString(body) ||
		!regexp.MustCompile(`name="email_advisories" value="urgent"\s+checked`).MatchString(body) {
		t.Fatal("saved choices not shown")
	}
	code, body, _ = c.post("/notifications/settings", url.Values{"email_reports": {"sometimes"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "all、urgent、none のいずれかを指定してください") {
		t.Fatalf("invalid choice: %d", code)
	}
	entries, err := h.db.ListAudit(context.Background(), ceptor.AuditFilter{Action: "notification.preferences"})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "incidents") {
		t.Fatalf("audit %v %v", entries, err)
	}
}

func TestNotificationsAPI(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			f := newNotifyFixture(t, h)
			read := h.token("analyst.operator@demo.example", []string{ceptor.ScopeRead})
			write := h.token("analyst.operator@demo.example", []string{ceptor.ScopeRead, ceptor.ScopeWrite})

			type item struct {
				ID             int64  `json:"id"`
				Group          string `json:"group"`
				Message        string `json:"message"`
				ToOrganization bool   `json:"to_organization"`
				Read           bool   `json:"read"`
				Urgent         bool   `json:"urgent"`
				Link           string `json:"link"`
			}
			var list struct {
				Items []item `json:"items"`
				Total int    `json:"total"`
			}
			code, body := h.api("GET", "/api/v1/notifications", read, "")
			if code != 200 || json.Unmarshal([]byte(body), &list) != nil || list.Total != 2 || len(list.Items) != 2 {
				t.Fatalf("list: %d %s", code, body)
			}
			// Newest first among the unread: the personal one was stored after the organisation's.
			if it := list.Items[0]; it.ID != f.mine.ID || it.ToOrganization || it.Group != "reports" || it.Message != "報告「ネットバンキング障害」の確認と中継をお願いします" {
				t.Fatalf("first item %+v", it)
			}
			if it := list.Items[1]; it.ID != f.orgWide.ID || !it.ToOrganization || !it.Urgent || it.Link != "/registry/orgs" {
				t.Fatalf("second item %+v", it)
			}
			if code, body = h.api("GET", "/api/v1/notifications?lang=en&limit=1", read, ""); code != 200 || !strings.Contains(body, "Please review and relay report") || !strings.Contains(body, `"next"`) {
				t.Fatalf("English page: %d %s", code, body)
			}
			if code, _ = h.api("GET", "/api/v1/notifications?unread=maybe", read, ""); code != http.StatusUnprocessableEntity {
				t.Fatalf("bad unread: %d", code)
			}

			// Marking needs ids or all; the read scope suffices.
			for _, bad := range []string{`{}`, `{"ids": [1], "all": true}`, `{"ids": "x"}`, `{"id": [1]}`} {
				if code, body := h.api("POST", "/api/v1/notifications/read", read, bad); code != http.StatusUnprocessableEntity {
					t.Errorf("mark %s: %d %s", bad, code, body)
				}
			}
			code, body = h.api("POST", "/api/v1/notifications/read", read, `{"ids": [`+strconv.FormatInt(f.mine.ID, 10)+`, `+strconv.FormatInt(f.otherOrg.ID, 10)+`]}`)
			if code != 200 || !strings.Contains(body, `"marked":1`) || !strings.Contains(body, `"unread":1`) {
				t.Fatalf("mark: %d %s", code, body)
			}
			if code, body = h.api("GET", "/api/v1/notifications?unread=true", read, ""); code != 200 || !strings.Contains(body, `"total":1`) {
				t.Fatalf("unread list: %d %s", code, body)
			}
			if code, body = h.api("POST", "/api/v1/notifications/read", read, `{"all": true}`); code != 200 || !strings.Contains(body, `"marked":1,"unread":0`) {
				t.Fatalf("mark all: %d %s", code, body)
			}
			if code, body = h.api("GET", "/api/v1/notifications/unread-count", read, ""); code != 200 || strings.TrimSpace(body) != `{"unread":0}` {
				t.Fatalf("count: %d %s", code, body)
			}
			// The other organisation's notification is untouched.
			other := h.token("analyst.ministry@demo.example", []string{ceptor.ScopeRead})
			if _, body = h.api("GET", "/api/v1/notifications/unread-count", other, ""); strings.TrimSpace(body) != `{"unread":1}` {
				t.Fatalf("other organisation: %s", body)
			}

			// Preferences: read with the read scope, change with write.
			code, body = h.api("GET", "/api/v1/notifications/preferences", read, "")
			if code != 200 || !strings.Contains(body, `"reports":"urgent"`) || !strings.Contains(body, `"email_configured":false`) {
				t.Fatalf("prefs: %d %s", code, body)
			}
			if code, _ = h.api("PUT", "/api/v1/notifications/preferences", read, `{"email": {"reports": "all"}}`); code != http.StatusForbidden {
				t.Fatalf("change with a read token: %d", code)
			}
			code, body = h.api("PUT", "/api/v1/notifications/preferences", write, `{"email": {"reports": "all", "surveys": "none"}}`)
			if code != 200 || !strings.Contains(body, `"reports":"all"`) || !strings.Contains(body, `"surveys":"none"`) || !strings.Contains(body, `"incidents":"urgent"`) {
				t.Fatalf("change: %d %s", code, body)
			}
			code, body = h.api("PUT", "/api/v1/notifications/preferences", write, `{"email": {"weather": "all", "reports": "loud"}}`)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"email.weather"`) || !strings.Contains(body, `"email.reports"`) {
				t.Fatalf("bad prefs: %d %s", code, body)
			}
			if code, _ = h.api("GET", "/api/v1/notifications", "", ""); code != http.StatusUnauthorized {
				t.Fatalf("anonymous: %d", code)
			}
		})
	}
}

// fakeQueue records the e-mails the server queues.
type fakeQueue struct {
	mu     sync.Mutex
	emails []jobs.SendEmailArgs
}

func (q *fakeQueue) EnqueueEmailsTx(ctx context.Context, tx *sql.Tx, emails ...jobs.SendEmailArgs) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.emails = append(q.emails, emails...)
	return nil
}

// Notify e-mails the people whose choices ask for it, each in their
// language, and nobody disabled or outside the organisation.
func TestNotifyQueuesEmailsByPreference(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	q := &fakeQueue{}
	h.srv.UseJobs(q)

	users := map[string]*ceptor.User{}
	for _, e := range []string{"admin", "analyst", "executive", "auditor", "mfa"} {
		u, err := h.db.FindUserByEmail(ctx, e+".operator@demo.example")
		if err != nil {
			t.Fatal(err)
		}
		users[e] = u
	}
	// admin: everything about reports, in English; analyst: none;
	// executive: default (urgent only); auditor: disabled; mfa: urgent.
	users["admin"].Lang = "en"
	users["auditor"].Disabled = true
	for _, u := range []*ceptor.User{users["admin"], users["auditor"]} {
		if err := h.db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	set := func(u *ceptor.User, c ceptor.EmailChoice) {
		if err := h.db.SetNotificationPrefs(ctx, u.ID, ceptor.NotificationPrefs{ceptor.NotifyReports: c}); err != nil {
			t.Fatal(err)
		}
	}
	set(users["admin"], ceptor.EmailAll)
	set(users["analyst"], ceptor.EmailNone)
	set(users["auditor"], ceptor.EmailAll)

	to := func() []string {
		q.mu.Lock()
		defer q.mu.Unlock()
		var out []string
		for _, e := range q.emails {
			out = append(out, e.To...)
		}
		slices.Sort(out)
		q.emails = nil
		return out
	}

	routine := &ceptor.Notification{OrgID: users["admin"].OrgID, Kind: "report.received", MessageKey: "notify.msg.report_received",
		Args: []ceptor.NotificationArg{ceptor.ArgLang("セプター会員", "a CEPTOR member"), ceptor.ArgText("障害報告")}, Link: "/reports/7"}
	if err := h.srv.Notify(ctx, routine); err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	emails := slices.Clone(q.emails)
	q.mu.Unlock()
	if got := to(); !slices.Equal(got, []string{"admin.operator@demo.example"}) {
		t.Fatalf("routine notification e-mailed to %v", got)
	}
	e := emails[0]
	if e.Subject != "[ceptor] Report “障害報告” has arrived from a CEPTOR member" || e.NotificationID != routine.ID || e.NotificationID == 0 {
		t.Fatalf("English e-mail %+v", e)
	}
	if !strings.Contains(e.Text, h.ts.URL+"/reports/7") || !strings.Contains(e.Text, h.ts.URL+"/notifications/settings") || !strings.Contains(e.HTML, `href="`+h.ts.URL+`/reports/7"`) {
		t.Fatalf("e-mail links:\n%s\n%s", e.Text, e.HTML)
	}

	urgent := &ceptor.Notification{OrgID: users["admin"].OrgID, Kind: "report.overdue", MessageKey: "notify.msg.report_overdue", Urgent: true,
		Args: []ceptor.NotificationArg{ceptor.ArgText("停止"), ceptor.ArgLang("続報", "follow-up"), ceptor.ArgText("17:00")}}
	if err := h.srv.Notify(ctx, urgent); err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	emails = slices.Clone(q.emails)
	q.mu.Unlock()
	if got := to(); !slices.Equal(got, []string{"admin.operator@demo.example", "executive.operator@demo.example", "mfa.operator@demo.example"}) {
		t.Fatalf("urgent notification e-mailed to %v", got)
	}
	for _, e := range emails {
		if e.To[0] == "executive.operator@demo.example" && e.Subject != "[ceptor]【至急】報告「停止」の続報の期限（17:00）を過ぎています" {
			t.Fatalf("Japanese urgent subject %q", e.Subject)
		}
	}

	// A personal notification reaches only its person.
	if err := h.srv.Notify(ctx, &ceptor.Notification{OrgID: users["admin"].OrgID, UserID: users["mfa"].ID, Kind: "incident.update_due", MessageKey: "notify.msg.incident_update_due", Urgent: true,
		Args: []ceptor.NotificationArg{ceptor.ArgText("広域障害"), ceptor.ArgText("12:00")}}); err != nil {
		t.Fatal(err)
	}
	if got := to(); !slices.Equal(got, []string{"mfa.operator@demo.example"}) {
		t.Fatalf("personal notification e-mailed to %v", got)
	}
	// A personal notification must name its person's organisation.
	if err := h.srv.Notify(ctx, &ceptor.Notification{OrgID: users["admin"].OrgID + 1, UserID: users["mfa"].ID, Kind: "report.x", MessageKey: "notify.msg.test"}); ceptor.ErrorFields(err)["user_id"] == "" {
		t.Fatalf("personal notification to another organisation: %v", err)
	}
	// An invalid notification is refused before anything is stored.
	if err := h.srv.Notify(ctx, &ceptor.Notification{OrgID: users["admin"].OrgID, Kind: "report.x", MessageKey: "k", Link: "https://evil.example/"}); ceptor.ErrorCode(err) != ceptor.EINVALID {
		t.Fatalf("invalid notification: %v", err)
	}
}

// The whole way: the test button stores a notification, the job queue
// takes the e-mail, the worker hands it to SMTP, and it arrives in
// Japanese.
func TestTestNotificationArrivesByEmail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>"})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, h.db.SQL(), string(h.db.Dialect()), nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(jobs.Config{DB: h.db.SQL(), Dialect: string(h.db.Dialect()), Poll: 50 * time.Millisecond}, func(w *river.Workers) {
		river.AddWorker(w, &jobs.SendEmailWorker{Sender: sender})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	h.srv.UseJobs(q)
	h.srv.UseMail(true)

	c := h.login("analyst.operator@demo.example")
	_, body := c.get("/notifications/settings")
	if strings.Contains(body, "メール送信が設定されていません") {
		t.Fatal("settings say e-mail is off although SMTP is configured")
	}
	if code, _, loc := c.post("/notifications/test", nil); code != http.StatusSeeOther || loc != "/notifications/settings" {
		t.Fatalf("test: %d %q", code, loc)
	}
	msgs, err := srv.Wait(1, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := msgs[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].To[0] != "analyst.operator@demo.example" || p.Subject != "[ceptor] テスト通知です。お知らせとメール通知が届くことを確認できました。" ||
		!strings.Contains(p.Text, "様") || !strings.Contains(p.HTML, "テスト通知です") {
		t.Fatalf("received %v: %q\n%s", msgs[0].To, p.Subject, p.Text)
	}
	_, body = c.get("/notifications")
	if bell(body) != "1" || !strings.Contains(body, "テスト通知です") {
		t.Fatal("the test notification is not listed")
	}
}
