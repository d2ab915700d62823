package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"

	"github.com/chromedp/chromedp"
)

// TestDrills: NISC plans a downward drill for the demo operator's CEPTOR
// in the browser and starts it; the operator finds the drill message,
// marked 訓練, in its inbox and confirms; NISC's results count the
// confirmation; the operator fills in its self-check sheet, which NISC
// then reads. Then the unannounced alternate-channel variant: invisible
// to the operator until NISC starts it, delivered to alternate contacts
// only. Screenshots 60-73.
func TestDrills(t *testing.T) {
	e := newEnv(t, engine())
	ctx := context.Background()
	op, err := e.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	opOrg, err := e.db.FindOrg(ctx, op.OrgID)
	if err != nil || len(opOrg.CeptorIDs) == 0 {
		t.Fatalf("demo operator: %v %+v", err, opOrg)
	}
	cep := opOrg.CeptorIDs[0]
	const title = "E2E 情報提供訓練"
	start := time.Now().In(ceptor.Tokyo)

	nisc := e.rtab(t, 4*journeyTimeout)
	nisc.signIn("admin.nisc@demo.example")
	if st := nisc.open("/drills"); st != 200 {
		nisc.fatalf("drills: %d", st)
	}
	if !strings.Contains(nisc.text(), "年度別の参加状況") || !strings.Contains(nisc.text(), "公表値") {
		nisc.fatalf("no year-on-year participation on the drills page")
	}
	nisc.shot("60-drills-nisc.png")
	if st := nisc.submit(`a[href="/drills/new"]`); st != 200 {
		nisc.fatalf("plan form: %d", st)
	}
	plan := func(title string, announced bool, channel string) int64 {
		nisc.fill("#f-title", title)
		nisc.set("#f-start", start.Add(-10*time.Minute).Format("2006-01-02T15:04"))
		nisc.set("#f-end", start.Add(48*time.Hour).Format("2006-01-02T15:04"))
		nisc.do("choose the CEPTOR", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=ceptor][value="%d"]`, cep)), chromedp.NodeVisible))
		if !announced {
			nisc.do("unannounced", chromedp.Click(chromedp.CSS(`input[name=announced]`), chromedp.NodeVisible))
		}
		nisc.do("channel", chromedp.SetValue(chromedp.CSS("#f-channel"), channel))
		nisc.set("#f-instr", "受信箱で「受領を確認」を押してください。")
		if channel == "normal" {
			nisc.shot("61-drill-plan-nisc.png")
		}
		if st := nisc.submit(`.drill-form button[type=submit]`); st != 200 {
			nisc.fatalf("save plan: %d", st)
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(nisc.path(), "/drills/"), 10, 64)
		if err != nil {
			nisc.fatalf("not on the drill after saving: %s", nisc.path())
		}
		return id
	}
	id := plan(title, true, "normal")
	if st := nisc.confirmed(`button[data-drill-start]`); st != 200 {
		nisc.fatalf("start: %d", st)
	}
	if !strings.Contains(nisc.text(), "実施中") {
		nisc.fatalf("the drill is not running")
	}
	if got := nisc.texts("[data-drill-confirmed]"); len(got) != 1 || got[0] != "0" {
		nisc.fatalf("confirmed before anyone confirmed: %q", got)
	}
	nisc.shot("62-drill-started-nisc.png")

	// The operator: the drill message in the inbox, marked 訓練.
	opt := e.rtab(t, 2*journeyTimeout)
	opt.signIn("analyst.operator@demo.example")
	if st := opt.open("/inbox?drill=true"); st != 200 {
		opt.fatalf("inbox: %d", st)
	}
	if !strings.Contains(opt.text(), title) {
		opt.fatalf("the drill message is not in the operator's inbox")
	}
	badges := opt.texts(".inbox-item .adv-drill")
	if len(badges) == 0 || badges[0] != "訓練" {
		opt.fatalf("no 訓練 badge in the inbox: %q", badges)
	}
	opt.shot("63-drill-inbox-operator.png")
	d, err := e.db.FindDrill(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st := opt.submit(fmt.Sprintf(`form[action="/advisories/%d/ack"] button`, d.AdvisoryID)); st != 200 {
		opt.fatalf("confirm: %d", st)
	}
	r, err := e.db.AdvisoryRecipient(ctx, d.AdvisoryID, op.OrgID)
	if err != nil || r.State != ceptor.RecipientConfirmed {
		opt.fatalf("not confirmed: %v %+v", err, r)
	}

	// NISC's results count it.
	if st := nisc.open(fmt.Sprintf("/drills/%d", id)); st != 200 {
		nisc.fatalf("drill: %d", st)
	}
	if got := nisc.texts("[data-drill-confirmed]"); len(got) != 1 || got[0] != "1" {
		nisc.fatalf("confirmed after the operator confirmed: %q", got)
	}
	nisc.shot("64-drill-results-nisc.png")

	// The operator's self-check sheet.
	if st := opt.open(fmt.Sprintf("/drills/%d", id)); st != 200 {
		opt.fatalf("operator's drill page: %d", st)
	}
	opt.shot("65-drill-operator.png")
	if st := opt.submit(fmt.Sprintf(`a[href="/drills/%d/selfcheck"]`, id)); st != 200 {
		opt.fatalf("self-check form: %d", st)
	}
	opt.click(`input[name=arrived][value=yes]`)
	opt.click(`input[name=channel][value=inbox]`)
	opt.fill("#f-handler", "情報システム部 当番")
	opt.fill("#f-notice", "7")
	opt.set("#f-problems", "休日の受信確認の手順が決まっていなかった")
	opt.set("#f-improvements", "休日当番の連絡先を登録する")
	opt.shot("66-drill-selfcheck-operator.png")
	if st := opt.submit(`.drill-selfcheck button[type=submit]`); st != 200 {
		opt.fatalf("self-check submit: %d", st)
	}
	if !strings.Contains(opt.text(), "自己点検シートを提出しました") {
		opt.fatalf("no confirmation of the sheet")
	}
	if st := nisc.open(fmt.Sprintf("/drills/%d", id)); st != 200 {
		nisc.fatalf("drill: %d", st)
	}
	if !strings.Contains(nisc.text(), "休日当番の連絡先を登録する") || !strings.Contains(nisc.text(), "1 / ") {
		nisc.fatalf("the sheet is not in NISC's results")
	}
	nisc.shot("67-drill-selfchecks-nisc.png")

	// The unannounced alternate-channel variant.
	if st := nisc.open("/drills/new"); st != 200 {
		nisc.fatalf("plan form: %d", st)
	}
	const surprise = "E2E 抜き打ち代替手段訓練"
	id2 := plan(surprise, false, "alternate")
	if st := opt.open("/drills"); st != 200 || strings.Contains(opt.text(), surprise) {
		opt.fatalf("the unannounced drill shows before its start (%d)", st)
	}
	if st := opt.open(fmt.Sprintf("/drills/%d", id2)); st != 404 {
		opt.fatalf("the unannounced drill opens before its start: %d", st)
	}
	if st := nisc.confirmed(`button[data-drill-start]`); st != 200 {
		nisc.fatalf("start the unannounced drill: %d", st)
	}
	nisc.shot("68-drill-unannounced-started-nisc.png")
	if st := opt.open("/drills"); st != 200 || !strings.Contains(opt.text(), surprise) {
		opt.fatalf("the started unannounced drill is not listed (%d)", st)
	}
	opt.shot("69-drills-operator.png")
	if st := opt.open("/inbox?drill=true"); st != 200 || strings.Contains(opt.text(), surprise) {
		opt.fatalf("the alternate-channel drill shows in the in-app inbox (%d)", st)
	}
	d2, err := e.db.FindDrill(ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := e.db.DeliveryCounts(ctx, d2.AdvisoryID)
	if err != nil {
		t.Fatal(err)
	}
	if counts[ceptor.ChannelInbox] != nil {
		t.Fatalf("alternate-channel drill delivered in-app: %v", counts)
	}
	if st := nisc.confirmed(`button[data-drill-close]`); st != 200 || !strings.Contains(nisc.text(), "終了") {
		nisc.fatalf("close: %d", st)
	}

	// The CEPTOR's secretariat reads the results of what it relays; the
	// NISC analyst reads them in English.
	c, err := e.db.FindCeptor(ctx, cep)
	if err != nil {
		t.Fatal(err)
	}
	secEmail := "admin." + c.Code + "@demo.example"
	if u, err := e.db.FindUserByEmail(ctx, "admin.secretariat@demo.example"); err == nil && u.OrgID == c.SecretariatOrgID {
		secEmail = u.Email
	}
	sec := e.rtab(t, journeyTimeout)
	sec.signIn(secEmail)
	if st := sec.open(fmt.Sprintf("/drills/%d", id)); st != 200 || !strings.Contains(sec.text(), "中継ごとの疎通確認率") {
		sec.fatalf("secretariat's results: %d", st)
	}
	sec.shot("70-drill-results-secretariat.png")
	en := e.rtab(t, journeyTimeout)
	en.signIn("analyst.nisc@demo.example")
	if st := en.open(fmt.Sprintf("/drills/%d", id)); st != 200 || !strings.Contains(en.text(), "Confirmation rate per CEPTOR") || !strings.Contains(en.text(), "DRILL") {
		en.fatalf("English results: %d", st)
	}
	en.shot("71-drill-results-en.png")

	// An upward drill under 被害あり: the operator's drill report form.
	nu, err := e.db.FindUserByEmail(ctx, "admin.nisc@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	up := &ceptor.Drill{OrgID: nu.OrgID, AuthorID: nu.ID, Title: "E2E 情報連絡訓練", WindowStart: time.Now().Add(-time.Hour), WindowEnd: time.Now().Add(24 * time.Hour),
		CeptorIDs: []int64{cep}, Announced: true, Upward: true, AssumeDamage: true}
	if err := e.db.CreateDrill(ctx, up); err != nil {
		t.Fatal(err)
	}
	if st := nisc.open(fmt.Sprintf("/drills/%d", up.ID)); st != 200 {
		nisc.fatalf("upward drill: %d", st)
	}
	if st := nisc.confirmed(`button[data-drill-start]`); st != 200 {
		nisc.fatalf("start the upward drill: %d", st)
	}
	if st := opt.open(fmt.Sprintf("/drills/%d/report", up.ID)); st != 200 || !strings.Contains(opt.text(), "実際の情報連絡の件数・統計には含まれません") {
		opt.fatalf("drill report form: %d", st)
	}
	opt.set("#f-body", "基幹システムの停止を想定し、被害ありとして報告します。")
	opt.shot("72-drill-report-operator.png")
	if st := opt.submit(`form[action$="/report"] button[type=submit]`); st != 200 || !strings.HasPrefix(opt.path(), "/reports/") {
		opt.fatalf("send the drill report: %d at %s", st, opt.path())
	}
	opt.shot("73-drill-report-sent-operator.png")
}
