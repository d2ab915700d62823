package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/demo"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The journeys of reports upward (情報連絡): an operator reports through its
// CEPTOR anonymously, the secretariat redacts and relays, the ministry relays,
// NISC sees "a member of CEPTOR X", evaluates severity, groups the report
// into an incident, switches to large-scale mode and watches the situation
// board update live, then switches back; the named routes; bad input in the
// report form.

// reportsTimeout bounds a browser context of the anonymous journey, in
// which several organisations take turns over a longer walk.
const reportsTimeout = 150 * time.Second

// jst is Japan time, in which datetime-local fields are read.
var jst = time.FixedZone("JST", 9*60*60)

// reportCast is who takes part: the operator that reports, its CEPTOR and
// everything that would identify it.
type reportCast struct {
	op       *demo.OrgRec
	opID     int64
	ceptor   string // Japanese name of the operator's CEPTOR (銀行等)
	ceptorEN string
	domain   string
	email    string // the operator's primary contact
	person   string // name of analyst.operator
	// secrets are the strings that must never reach anyone upstream of an
	// anonymous report.
	secrets []string
}

func newReportCast(t *testing.T, e *env) *reportCast {
	t.Helper()
	c := &reportCast{op: e.ds.Org(e.ds.RoleOrgs[ceptor.OrgOperator])}
	c.opID = e.org(t, c.op.Key).ID
	c.domain = c.op.Org.Domains[0]
	c.email = firstEmail(c.op)
	secretariat := e.ds.RoleOrgs[ceptor.OrgSecretariat]
	for _, cr := range e.ds.Ceptors {
		if cr.SecretariatKey == secretariat && slices.Contains(c.op.CeptorCodes, cr.Ceptor.Code) {
			c.ceptor, c.ceptorEN = cr.Ceptor.NameJA, cr.Ceptor.NameEN
		}
	}
	for _, u := range e.ds.Users {
		if u.User.Email == "analyst.operator@"+demo.EmailDomain {
			c.person = u.User.Name
		}
	}
	if c.ceptor == "" || c.email == "" || c.person == "" {
		t.Fatalf("demo data: operator %s has no CEPTOR run by %s, no contact or no analyst", c.op.Key, secretariat)
	}
	stem, _, _ := strings.Cut(c.op.Org.Name, "（")
	label, _, _ := strings.Cut(c.domain, ".")
	for _, s := range []string{c.op.Org.Name, stem, c.op.Org.NameEN, c.domain, label, c.email, c.person, strings.ReplaceAll(c.person, " ", "")} {
		if len([]rune(s)) >= 3 && !slices.Contains(c.secrets, s) {
			c.secrets = append(c.secrets, s)
		}
	}
	return c
}

// rtab is a browser context that accepts the confirmation dialogs the
// pages ask (送信しますか?), as a person presses OK, and remembers them.
type rtab struct {
	*tab
	mu      sync.Mutex
	dialogs []string
}

func (e *env) rtab(t *testing.T, timeout time.Duration) *rtab {
	t.Helper()
	b := &rtab{tab: e.tabFor(t, timeout)}
	dialogs := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			if _, err := chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return b
}

// confirmed submits by clicking sel, expects the page to have asked for a
// confirmation first, and returns the status of the page that follows.
func (b *rtab) confirmed(sel string) int64 {
	b.t.Helper()
	b.mu.Lock()
	n := len(b.dialogs)
	b.mu.Unlock()
	st := b.submit(sel)
	b.mu.Lock()
	asked := len(b.dialogs) > n
	b.mu.Unlock()
	if !asked {
		b.fatalf("clicking %s asked no confirmation", sel)
	}
	return st
}

// shot takes a full-page screenshot through a window as tall as the page,
// with no field focused and no pointer over the content: through the usual window, the fixed header, the
// sidebar and the sticky form buttons would be drawn where the window
// happened to be scrolled, across the content.
func (b *rtab) shot(name string) {
	b.t.Helper()
	if !b.env.shots {
		return
	}
	h := eval[int](b.tab, `document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), Math.ceil(document.documentElement.scrollHeight)`)
	// The pointer rests off the content, so that nothing shows as hovered.
	b.do("tall window", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, 1), chromedp.EmulateViewport(1366, int64(max(h, 900))))
	b.tab.shot(name)
	b.do("usual window", chromedp.EmulateViewport(1366, 900))
}

// html is the whole document as the browser has it.
func (b *rtab) html() string {
	b.t.Helper()
	return eval[string](b.tab, `document.documentElement.outerHTML`)
}

// value is the current value of a form field.
func (b *rtab) value(sel string) string {
	b.t.Helper()
	return eval[string](b.tab, fmt.Sprintf(`document.querySelector(%q).value`, sel))
}

// set gives a field a value at once (long texts, dates), firing input and
// change as typing does.
func (b *rtab) set(sel, v string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (!el) return false; el.focus(); el.value = %s;
		el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); return el.value === %[2]s; })()`, jsString(sel), jsString(v))
	if !eval[bool](b.tab, js) {
		b.fatalf("could not set %s to %q", sel, v)
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// click clicks what matches sel (a label, a radio) without leaving the page.
func (b *rtab) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// useLang switches the interface to lang unless it is in it already (a
// person's stored preference decides the language after signing in).
func (b *rtab) useLang(lang string) {
	b.t.Helper()
	if eval[string](b.tab, `document.documentElement.lang`) != lang {
		b.switchLang(lang)
	}
}

// flash is the text of the page's success message.
func (b *rtab) flash() string {
	b.t.Helper()
	return strings.Join(b.texts(".flash.ok"), " ")
}

// waitJS waits until a JavaScript condition holds.
func (b *rtab) waitJS(what, js string, d time.Duration) {
	b.t.Helper()
	if err := b.poll(js, d); err != nil {
		b.fatalf("waiting %s for %s: %v", d, what, err)
	}
}

// poll waits at most d until a JavaScript condition holds.
func (b *rtab) poll(js string, d time.Duration) error {
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(100*time.Millisecond)))
	return err
}

// noSecrets fails when the page holds anything that identifies the
// anonymous reporter, in its text, attributes, links or scripts.
func (b *rtab) noSecrets(where string, c *reportCast) {
	b.t.Helper()
	h := b.html()
	for _, s := range c.secrets {
		if strings.Contains(h, s) {
			b.fatalf("%s (%s) shows %q of the anonymous reporter", where, b.path(), s)
		}
	}
	if strings.Contains(h, fmt.Sprintf(`href="/registry/orgs/%d"`, c.opID)) {
		b.fatalf("%s (%s) links to the anonymous reporter's organisation", where, b.path())
	}
}

var reportPath = regexp.MustCompile(`^/reports/(\d+)$`)
var incidentPath = regexp.MustCompile(`^/incidents/(\d+)$`)

// pathID returns the id of the page the tab is on (a report, an incident).
func (b *rtab) pathID(re *regexp.Regexp) int64 {
	b.t.Helper()
	m := re.FindStringSubmatch(b.path())
	if m == nil {
		b.fatalf("not on a page matching %s: %s", re, b.path())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// reportForm is what the operator types into the new-report form.
type reportForm struct {
	route  ceptor.Route
	ceptor string // the CEPTOR's name, for the anonymous route
	title  string
	event  ceptor.EventClass
	causes []ceptor.Cause
	body   string
	users  string
	inds   string
}

// fillReport fills the new-report form the way a person does.
func (b *rtab) fillReport(f reportForm) {
	b.t.Helper()
	b.click(fmt.Sprintf(`label.rep-card-radio:has(input[name=route][value=%s])`, f.route))
	if f.route == ceptor.RouteAnonymous {
		// The CEPTOR choice appears for this route only.
		b.do("CEPTOR choice", chromedp.WaitVisible(chromedp.CSS("#f-ceptor")))
		v := eval[string](b.tab, fmt.Sprintf(`(Array.from(document.querySelectorAll("#f-ceptor option")).find(o => o.textContent.includes(%q)) || {}).value || ""`, f.ceptor))
		if v == "" {
			b.fatalf("the CEPTOR list lacks %s", f.ceptor)
		}
		b.set("#f-ceptor", v)
		if !b.exists("[data-weak-warning][hidden]") {
			b.fatalf("weak-anonymity warning shown for %s, which has many members", f.ceptor)
		}
	} else if b.exists("#f-ceptor") && eval[bool](b.tab, `document.querySelector(".rep-ceptor").hidden === false`) {
		b.fatalf("the CEPTOR choice is shown for route %s", f.route)
	}
	if b.value("#f-sector") == "" {
		b.fatalf("the sector is not preselected for an operator with one sector")
	}
	b.fill("#f-title", f.title)
	b.set("#f-event", string(f.event))
	for _, c := range f.causes {
		b.click(fmt.Sprintf(`label.check:has(input[name=causes][value=%s])`, c))
	}
	b.fill("#f-users", f.users)
	b.set("#f-started", time.Now().In(jst).Add(-3*time.Hour).Format("2006-01-02T15:04"))
	b.set("#f-detected", time.Now().In(jst).Add(-2*time.Hour).Format("2006-01-02T15:04"))
	b.set("#f-body", f.body)
	b.set("#f-ind", f.inds)
}

// evaluate records a severity evaluation on the open severity page.
func (b *rtab) evaluate(levels [3]int, final bool, reason string) {
	b.t.Helper()
	for i, v := range []string{"continuity", "safety", "trust"} {
		b.click(fmt.Sprintf(`label.sev-choice:has(input[name=%s][value="%d"])`, v, levels[i]))
		b.set("#r-"+v, fmt.Sprintf("%s（%d）", reason, levels[i]))
	}
	if final {
		b.click(`label.check:has(input[name=final][value="1"])`)
	}
	if st := b.submit(`form.sev-form button[type=submit]`); st != 200 {
		b.fatalf("record evaluation: status %d", st)
	}
	want := fmt.Sprintf(`section.sev-current[data-overall="%d"][data-final="%t"]`, slices.Max(levels[:]), final)
	if !b.exists(want) {
		b.fatalf("current evaluation is not %s", want)
	}
}

// redactAndRelay removes every highlighted name from the texts on the
// secretariat's redaction page, checks that nothing identifying is left,
// and relays.
func (b *rtab) redactAndRelay(c *reportCast, note string) {
	b.t.Helper()
	marks := b.texts("section.rep-original mark")
	for _, want := range []string{c.domain, c.email} {
		if !slices.Contains(marks, want) {
			b.fatalf("the original text does not highlight %q; highlighted: %q", want, marks)
		}
	}
	if !slices.ContainsFunc(marks, func(m string) bool { return strings.Contains(c.op.Org.Name, m) && len([]rune(m)) >= 2 }) {
		b.fatalf("the original text does not highlight the name %q; highlighted: %q", c.op.Org.Name, marks)
	}
	// Longest first, so that a name goes before the part of it.
	slices.SortFunc(marks, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, sel := range []string{"#r-title", "#r-body", "#r-service", "#r-area", "#r-harm", "#r-data", "#r-response"} {
		v := b.value(sel)
		red := v
		for _, m := range marks {
			red = strings.ReplaceAll(red, m, "［匿名化］")
		}
		for _, s := range c.secrets {
			if strings.Contains(red, s) {
				b.fatalf("%s still holds %q after removing every highlighted text: the highlights missed it", sel, s)
			}
		}
		if red != v {
			b.set(sel, red)
		}
	}
	b.set("#r-note", note)
	if st := b.confirmed(`form.rep-form button[type=submit]`); st != 200 {
		b.fatalf("relay redacted: status %d", st)
	}
	if !strings.Contains(b.flash(), "中継しました") {
		b.fatalf("no relay confirmation; flash %q", b.flash())
	}
}

// TestReports walks reports upward end to end in the browser. The
// anonymous journey runs first; the other two then run side by side.
func TestReports(t *testing.T) {
	e := newEnv(t, engine())
	c := newReportCast(t, e)
	t.Run("anonymous", func(t *testing.T) { anonymousJourney(t, e, c) })
	t.Run("named", func(t *testing.T) {
		t.Parallel()
		namedJourney(t, e, c)
	})
	t.Run("bad_input", func(t *testing.T) {
		t.Parallel()
		badInputJourney(t, e)
	})
}

// anonymousJourney: operator → secretariat (redacts) → ministry → NISC,
// severity, incident, large-scale mode with a live board, and back.
func anonymousJourney(t *testing.T, e *env, c *reportCast) {
	// The operator writes the report, naming itself as people do.
	op := e.rtab(t, reportsTimeout)
	op.signIn("analyst.operator@demo.example")
	op.open("/reports")
	if st := op.submit(`.page-head a[href="/reports/new"]`); st != 200 {
		op.fatalf("new report: status %d", st)
	}
	form := reportForm{route: ceptor.RouteAnonymous, ceptor: c.ceptor,
		title: "インターネットバンキングへの大量ログイン試行", event: ceptor.EventIntrusion,
		causes: []ceptor.Cause{ceptor.CauseUnauthorizedAccess},
		body: fmt.Sprintf("本日 08:40 頃から、%s（%s）のインターネットバンキングに対し、海外の IP アドレスから大量のログイン試行を検知しました。\n"+
			"一部の口座で不正ログインの疑いがあります。\n連絡先: %s（%s）", c.op.Org.Name, c.domain, c.person, c.email),
		users: "1,200", inds: "ipv4 203.0.113.7\ndomain login-check[.]example"}
	op.fillReport(form)
	op.shot("20-report-form-anonymous-ja.png")
	if st := op.submit(`button[name=action][value=draft]`); st != 200 {
		op.fatalf("save draft: status %d", st)
	}
	id := op.pathID(reportPath)
	if !strings.Contains(op.flash(), "下書きを保存しました") {
		op.fatalf("draft flash = %q", op.flash())
	}
	if note := op.text(); !strings.Contains(note, c.ceptor+"の構成員") {
		op.fatalf("the reporter is not told how upstream will see it (%sの構成員)", c.ceptor)
	}
	op.shot("21-report-draft-operator.png")
	if st := op.confirmed(fmt.Sprintf(`form[action="/reports/%d/submit"] button[type=submit]`, id)); st != 200 {
		op.fatalf("submit: status %d", st)
	}
	if !strings.Contains(op.flash(), "送信しました") {
		op.fatalf("submit flash = %q", op.flash())
	}
	op.shot("22-report-submitted-operator.png")

	// The secretariat finds it in its queue and redacts the names.
	sec := e.rtab(t, reportsTimeout)
	sec.signIn("admin.secretariat@demo.example")
	sec.open("/reports")
	link := fmt.Sprintf(`table.rep-table a[href="/reports/%d"]`, id)
	if !sec.exists(link) {
		sec.fatalf("report #%d is not in the secretariat's queue", id)
	}
	sec.shot("23-queue-secretariat.png")
	sec.submit(link)
	if st := sec.submit(fmt.Sprintf(`.page-head a[href="/reports/%d/relay"]`, id)); st != 200 {
		sec.fatalf("redaction page: status %d", st)
	}
	sec.shot("24-redact-secretariat.png")
	sec.redactAndRelay(c, "報告者を特定できる名称・ドメイン・連絡先を削除して中継します。")

	// The ministry relays it; it sees a member of the CEPTOR only.
	fsa := e.rtab(t, reportsTimeout)
	fsa.signIn("analyst.ministry@demo.example")
	fsa.open("/reports")
	if !fsa.exists(link) {
		fsa.fatalf("report #%d is not in the ministry's queue", id)
	}
	fsa.noSecrets("the ministry's queue", c)
	fsa.submit(link)
	fsa.noSecrets("the report as the ministry sees it", c)
	fsa.set("#f-note", "金融庁で確認済み。NISCへ中継します。")
	if st := fsa.confirmed(`section.rep-relay-box button[type=submit]`); st != 200 {
		fsa.fatalf("ministry relay: status %d", st)
	}
	fsa.shot("25-relayed-ministry.png")

	// NISC sees it without identity.
	nisc := e.rtab(t, reportsTimeout)
	nisc.signIn("analyst.nisc@demo.example")
	nisc.useLang("ja")
	nisc.open("/reports")
	if !nisc.exists(link) {
		nisc.fatalf("report #%d is not in NISC's incoming queue", id)
	}
	nisc.noSecrets("NISC's incoming queue", c)
	nisc.submit(link)
	if got := nisc.texts("dl.rep-kv dd"); len(got) == 0 || got[0] != c.ceptor+"の構成員" {
		nisc.fatalf("reporter shown to NISC = %q, want %sの構成員", got, c.ceptor)
	}
	if !strings.Contains(nisc.text(), "［匿名化］") {
		nisc.fatalf("NISC does not see the redacted text")
	}
	nisc.noSecrets("the report as NISC sees it", c)
	nisc.shot("26-report-nisc-anonymous-ja.png")
	nisc.switchLang("en")
	if got := nisc.texts("dl.rep-kv dd"); len(got) == 0 || got[0] != "A member of "+c.ceptorEN {
		nisc.fatalf("reporter shown to NISC in English = %q, want A member of %s", got, c.ceptorEN)
	}
	nisc.noSecrets("the report as NISC sees it in English", c)
	nisc.shot("26-report-nisc-anonymous-en.png")
	nisc.switchLang("ja")

	// NISC evaluates severity: final, with reasons.
	if st := nisc.submit(fmt.Sprintf(`.page-head a[href="/reports/%d/severity"]`, id)); st != 200 {
		nisc.fatalf("severity page: status %d", st)
	}
	nisc.evaluate([3]int{2, 0, 1}, true, "不正ログインの疑い、業務は継続")
	nisc.noSecrets("the severity page", c)
	nisc.shot("27-severity-report-nisc.png")

	// NISC groups it into a new incident.
	nisc.open(fmt.Sprintf("/incidents/suggest?report=%d", id))
	nisc.noSecrets("the grouping suggestions", c)
	if st := nisc.submit(fmt.Sprintf(`a[href="/incidents/new?report=%d"]`, id)); st != 200 {
		nisc.fatalf("new incident: status %d", st)
	}
	if !nisc.exists(fmt.Sprintf(`input[name=report][value="%d"]:checked`, id)) {
		nisc.fatalf("the report is not ticked in the new incident form")
	}
	nisc.fill("#i-title", "金融機関への大量ログイン試行")
	nisc.set("#i-summary", "インターネットバンキングへの海外からの大量ログイン試行。")
	if st := nisc.submit(`main form.form button[type=submit]`); st != 200 {
		nisc.fatalf("create incident: status %d", st)
	}
	iid := nisc.pathID(incidentPath)
	// (The incident pages write "銀行等セプターの構成員", with a space.)
	if got := nisc.texts(`#reports tbody td .masked`); len(got) != 1 || strings.ReplaceAll(got[0], " ", "") != c.ceptor+"の構成員" {
		nisc.fatalf("incident members show %q, want one masked %sの構成員", got, c.ceptor)
	}

	// Large-scale mode on, updates every 6 hours.
	nisc.fill("#cad", "6")
	nisc.set("#on-note", "複数の金融機関で同種の事象。対応体制を強化する。")
	if st := nisc.confirmed(`#mode button[type=submit]`); st != 200 {
		nisc.fatalf("large-scale mode on: status %d", st)
	}
	if !nisc.exists(".page-head .mode-badge") || !nisc.exists("section.large-banner") {
		nisc.fatalf("the incident does not show large-scale mode")
	}
	nisc.noSecrets("the incident", c)
	nisc.shot("28-incident-large-scale-nisc.png")

	// The situation board, live.
	if st := nisc.submit(fmt.Sprintf(`.page-head a[href="/incidents/%d/board"]`, iid)); st != 200 {
		nisc.fatalf("board: status %d", st)
	}
	row := fmt.Sprintf(`tr[data-report="%d"]`, id)
	nisc.waitJS("the live connection", `document.querySelector("[data-live-status]").classList.contains("on")`, 10*time.Second)
	sevJS := fmt.Sprintf(`(document.querySelector('%s .sev') || {textContent: ""}).textContent.trim()`, row)
	if got := eval[string](nisc.tab, sevJS); got != "2 中" {
		nisc.fatalf("board row severity %q, want 2 中", got)
	}
	nisc.noSecrets("the situation board", c)
	nisc.shot("29-board-nisc.png")
	nisc.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))

	// Another NISC analyst raises the report's severity...
	nisc2 := e.rtab(t, journeyTimeout)
	nisc2.signIn("admin.nisc@demo.example")
	nisc2.open(fmt.Sprintf("/reports/%d/severity", id))
	nisc2.evaluate([3]int{3, 0, 2}, true, "不正送金の発生を確認")
	// ...and the board in the first context follows without a reload.
	nisc.waitJS("the board to show 3 高", sevJS+` === "3 高"`, 10*time.Second)
	if eval[int](nisc.tab, `window.__marker || 0`) != 1 {
		nisc.fatalf("the board page was reloaded")
	}
	if st := nisc.texts("[data-live-text]"); len(st) != 1 || !strings.HasPrefix(st[0], "更新") {
		nisc.fatalf("live status %q does not say when it updated", st)
	}
	nisc.shot("30-board-updated-nisc.png")

	// The ministry, affected, sees the board too (large-scale mode).
	if st := fsa.open(fmt.Sprintf("/incidents/%d/board", iid)); st != 200 {
		fsa.fatalf("the ministry cannot open the board in large-scale mode: status %d", st)
	}
	fsa.noSecrets("the board as the ministry sees it", c)
	fsa.shot("31-board-ministry.png")

	// The operator sends a follow-up; the secretariat redacts and relays
	// it; the board shows the new version without a reload.
	versionJS := fmt.Sprintf(`(document.querySelector('%s td.num') || {textContent: ""}).textContent.trim()`, row)
	if got := eval[string](nisc.tab, versionJS); got != "第1報" {
		nisc.fatalf("board row version %q, want 第1報", got)
	}
	op.open(fmt.Sprintf("/reports/%d", id))
	if st := op.submit(fmt.Sprintf(`.page-head a[href="/reports/%d/followup"]`, id)); st != 200 {
		op.fatalf("follow-up form: status %d", st)
	}
	op.fill("#f-users", "3,400")
	op.set("#f-body", op.value("#f-body")+"\n続報: 不正送金 2 件を確認しました。"+c.op.Org.Name+" 総務部")
	op.shot("32-followup-form-operator.png")
	if st := op.confirmed(`button[name=action][value=submit]`); st != 200 {
		op.fatalf("send follow-up: status %d", st)
	}
	sec.open(fmt.Sprintf("/reports/%d/relay", id))
	sec.redactAndRelay(c, "続報を匿名化して中継します。")
	if err := nisc.poll(versionJS+` === "第2報"`, 10*time.Second); err != nil {
		// Not fatal: the rest of the journey still has something to say.
		nisc.shot("33-board-followup-nisc.png")
		t.Errorf("the board did not show the relayed follow-up (第2報) without a reload: %v; "+
			"relaying and follow-ups must tell the incident's watchers (Server.IncidentReportChanged)", err)
	} else {
		if eval[int](nisc.tab, `window.__marker || 0`) != 1 {
			nisc.fatalf("the board page was reloaded")
		}
		nisc.shot("33-board-followup-nisc.png")
	}
	nisc.noSecrets("the situation board after the follow-up", c)

	// Back to normal, with the after-action note.
	if st := nisc.submit(fmt.Sprintf(`.page-head a[href="/incidents/%d"]`, iid)); st != 200 {
		nisc.fatalf("incident: status %d", st)
	}
	const after = "不正ログイン対策の周知を完了。同種事象の再発なし。"
	nisc.set("#aa-note", after)
	if st := nisc.confirmed(`form.mode-off button[type=submit]`); st != 200 {
		nisc.fatalf("back to normal: status %d", st)
	}
	if nisc.exists(".page-head .mode-badge") || !nisc.exists(".page-head .pill.off") {
		nisc.fatalf("the incident is still in large-scale mode")
	}
	if got := nisc.texts("#timeline li.ev-mode_off"); len(got) == 0 || !strings.Contains(got[0], after) {
		nisc.fatalf("timeline lacks the after-action note: %q", got)
	}
	nisc.noSecrets("the incident back to normal", c)
	nisc.shot("34-incident-normal-nisc.png")
}

// namedJourney: the ministry route (ja) and the direct route (en); NISC sees
// who reported.
func namedJourney(t *testing.T, e *env, c *reportCast) {
	op := e.rtab(t, journeyTimeout)
	op.signIn("analyst.operator@demo.example")
	fsa := e.rtab(t, journeyTimeout)
	fsa.signIn("analyst.ministry@demo.example")
	nisc := e.rtab(t, journeyTimeout)
	nisc.signIn("analyst.nisc@demo.example")
	nisc.useLang("ja")

	// Via the ministry.
	op.open("/reports/new")
	op.fillReport(reportForm{route: ceptor.RouteMinistry, title: "勘定系システムの応答遅延",
		event: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CauseSoftwareFault},
		body: "夜間バッチの遅延により、勘定系システムの応答が最大 20 分遅延しました。", users: "５０００"})
	if st := op.confirmed(`button[name=action][value=submit]`); st != 200 {
		op.fatalf("submit via the ministry: status %d", st)
	}
	id := op.pathID(reportPath)
	fsa.open("/reports")
	link := fmt.Sprintf(`table.rep-table a[href="/reports/%d"]`, id)
	if !fsa.exists(link) {
		fsa.fatalf("report #%d is not in the ministry's queue", id)
	}
	fsa.submit(link)
	if got := fsa.texts("dl.rep-kv dd"); len(got) == 0 || got[0] != c.op.Org.Name {
		fsa.fatalf("reporter shown to the ministry = %q, want %s", got, c.op.Org.Name)
	}
	fsa.set("#f-note", "NISCへ中継します。")
	if st := fsa.confirmed(`section.rep-relay-box button[type=submit]`); st != 200 {
		fsa.fatalf("ministry relay: status %d", st)
	}
	nisc.open(fmt.Sprintf("/reports/%d", id))
	if got := nisc.texts("dl.rep-kv dd"); len(got) == 0 || got[0] != c.op.Org.Name {
		nisc.fatalf("reporter shown to NISC = %q, want %s", got, c.op.Org.Name)
	}
	if !nisc.exists(fmt.Sprintf(`dl.rep-kv a[href="/registry/orgs/%d"]`, c.opID)) {
		nisc.fatalf("the named reporter is not linked to its organisation")
	}
	if hops := nisc.texts("ol.rep-timeline li"); len(hops) < 2 {
		nisc.fatalf("timeline shows %d hops, want the operator → ministry → NISC: %q", len(hops), hops)
	}
	nisc.shot("40-report-nisc-ministry-route-ja.png")

	// Direct to NISC, in English.
	op.open("/reports/new")
	op.switchLang("en")
	op.fillReport(reportForm{route: ceptor.RouteDirect, title: "Phishing e-mails impersonating our bank",
		event: ceptor.EventPrecursor, causes: []ceptor.Cause{ceptor.CauseTargetedEmail},
		body: "Customers received e-mails pointing to a fake login page.", users: "",
		inds: "hxxps://bank-login[.]example/verify\nemail alerts@bank-login.example"})
	op.shot("41-report-form-direct-en.png")
	if st := op.confirmed(`button[name=action][value=submit]`); st != 200 {
		op.fatalf("submit direct: status %d", st)
	}
	id2 := op.pathID(reportPath)
	if op.flash() != "Report sent" {
		op.fatalf("English submit flash = %q", op.flash())
	}
	op.switchLang("ja")
	nisc.open(fmt.Sprintf("/reports/%d", id2))
	nisc.switchLang("en")
	want := cmp.Or(c.op.Org.NameEN, c.op.Org.Name)
	if got := nisc.texts("dl.rep-kv dd"); len(got) == 0 || got[0] != want {
		nisc.fatalf("reporter shown to NISC in English = %q, want %s", got, want)
	}
	if got := nisc.texts("table.rep-indicators code"); len(got) != 2 {
		nisc.fatalf("indicators shown: %q, want 2", got)
	}
	nisc.shot("42-report-nisc-direct-en.png")
	nisc.switchLang("ja")
}

// badInputJourney: missing fields, a future time, a non-number and
// malformed indicator lines come back with localised errors beside the
// fields, keep what was typed, and store nothing.
func badInputJourney(t *testing.T, e *env) {
	b := e.rtab(t, journeyTimeout)
	b.signIn("admin.operator@demo.example")
	b.open("/reports/new")
	const body = "書きかけの本文です。\n二行目。"
	const inds = "sha256 12345\nfoo bar baz\nhxxps://evil[.]example/login"
	b.set("#f-body", body)
	b.set("#f-ind", inds)
	b.fill("#f-users", "たくさん")
	b.set("#f-started", "2099-01-01T09:00")
	// A draft may lack fields, but not carry malformed indicators.
	if st := b.submit(`button[name=action][value=draft]`); st != 422 {
		b.fatalf("draft with malformed indicators: status %d, want 422", st)
	}
	if got := b.texts("ul.rep-line-errors li"); len(got) != 2 {
		b.fatalf("line errors of the draft = %q, want 2", got)
	}
	if st := b.confirmed(`button[name=action][value=submit]`); st != 422 {
		b.fatalf("submit with bad input: status %d, want 422", st)
	}
	if got := b.texts(".flash.error"); len(got) != 1 || !strings.Contains(got[0], "入力内容に誤りがあります") {
		b.fatalf("form error = %q", got)
	}
	for _, c := range []struct{ field, want string }{
		{"#f-title", "入力してください"},
		{"#f-event", "事象の分類を選んでください"},
		{".rep-causes", "入力してください"},
		{"#f-users", "数字で入力してください"},
		{"#f-started", "未来の日時は入力できません"},
		{"#f-ind", "侵害の痕跡に誤りが2件あります"},
	} {
		// The message sits in the same field block as the input.
		got := eval[string](b.tab, fmt.Sprintf(`(() => { const f = document.querySelector(%q).closest(".field"); const e = f && f.querySelector(".field-error"); return e ? e.textContent.trim() : ""; })()`, c.field))
		if got != c.want {
			b.fatalf("error beside %s = %q, want %q", c.field, got, c.want)
		}
		if !b.exists(c.field+`[aria-invalid="true"]`) && c.field != ".rep-causes" {
			b.fatalf("%s is not marked invalid", c.field)
		}
	}
	lines := b.texts("ul.rep-line-errors li")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "1行目: ") || !strings.HasPrefix(lines[1], "2行目: ") {
		b.fatalf("indicator line errors = %q, want lines 1 and 2", lines)
	}
	for sel, want := range map[string]string{"#f-body": body, "#f-ind": inds, "#f-users": "たくさん", "#f-started": "2099-01-01T09:00"} {
		if got := b.value(sel); got != want {
			b.fatalf("%s not kept: %q, want %q", sel, got, want)
		}
	}
	if !b.exists(`input[name=route][value=ministry]:checked`) {
		b.fatalf("the route is not kept")
	}
	b.shot("50-report-form-errors-ja.png")
	// Nothing half-done was stored (asked of the database: the named
	// journey adds reports of the same organisation meanwhile).
	if _, _, n, err := e.db.ListReports(context.Background(), ceptor.ReportFilter{Q: "書きかけの本文"}); err != nil || n != 0 {
		b.fatalf("bad input stored %d reports (%v)", n, err)
	}
}
