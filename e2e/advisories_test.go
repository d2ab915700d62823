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

// TestAdvisories: NISC writes an advisory to one sector in the browser and
// publishes it; its receipt dashboard shows nobody has confirmed; an
// operator of that sector finds it in its inbox and confirms; the
// dashboard, still open in NISC's tab, counts the confirmation without a
// reload. Screenshots 40-46.
func TestAdvisories(t *testing.T) {
	e := newEnv(t, engine())
	ctx := context.Background()
	op, err := e.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	opOrg, err := e.db.FindOrg(ctx, op.OrgID)
	if err != nil || len(opOrg.SectorIDs) == 0 {
		t.Fatalf("demo operator: %v %+v", err, opOrg)
	}
	sector := opOrg.SectorIDs[0]
	const title = "E2E: 標的型メール攻撃に関する注意喚起"

	nisc := e.rtab(t, 3*journeyTimeout)
	nisc.signIn("admin.nisc@demo.example")
	if st := nisc.open("/advisories"); st != 200 {
		nisc.fatalf("advisory list: %d", st)
	}
	nisc.shot("40-advisories-nisc.png")
	if st := nisc.submit(`a[href="/advisories/new"]`); st != 200 {
		nisc.fatalf("compose: %d", st)
	}
	nisc.fill("#f-title", title)
	nisc.do("body", chromedp.SetValue(chromedp.CSS("#f-body"), "# 概要\n取引先を装った標的型メールが確認されています。\n\n- 添付ファイルを開かない\n- 不審な場合はセプター事務局へ連絡"))
	nisc.do("choose the sector", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=sector][value="%d"]`, sector)), chromedp.NodeVisible))
	nisc.do("urgency", chromedp.SetValue(chromedp.CSS("#f-urgency"), "high"))
	nisc.shot("41-advisory-compose-nisc.png")
	if st := nisc.submit(`.adv-form button[type=submit]`); st != 200 {
		nisc.fatalf("save draft: %d", st)
	}
	path := nisc.path()
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/advisories/"), 10, 64)
	if err != nil {
		nisc.fatalf("not on the advisory after saving: %s", path)
	}
	if st := nisc.confirmed(`button[data-publish]`); st != 200 {
		nisc.fatalf("publish: %d", st)
	}
	if !strings.Contains(nisc.text(), "発出済み") {
		nisc.fatalf("the advisory is not shown as published")
	}
	nisc.shot("42-advisory-published-nisc.png")

	// The dashboard: nobody has confirmed yet.
	if st := nisc.open(fmt.Sprintf("/advisories/%d/receipts", id)); st != 200 {
		nisc.fatalf("receipts: %d", st)
	}
	nisc.waitJS("the live connection", `document.querySelector("[data-live-status]").classList.contains("on")`, 10*time.Second)
	if got := nisc.texts("[data-rate]"); len(got) != 1 || got[0] != "0.0%" {
		nisc.fatalf("rate before any confirmation: %q", got)
	}
	nisc.shot("43-receipts-zero-nisc.png")
	nisc.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))

	// The operator confirms from its inbox.
	opt := e.rtab(t, journeyTimeout)
	opt.signIn("analyst.operator@demo.example")
	if st := opt.open("/inbox?q=" + "標的型"); st != 200 {
		opt.fatalf("inbox: %d", st)
	}
	if !strings.Contains(opt.text(), title) {
		opt.fatalf("the advisory is not in the operator's inbox")
	}
	opt.shot("44-inbox-operator.png")
	if st := opt.submit(fmt.Sprintf(`form[action="/advisories/%d/ack"] button`, id)); st != 200 {
		opt.fatalf("confirm: %d", st)
	}
	if !strings.Contains(opt.text(), "受領を確認しました") {
		opt.fatalf("no confirmation message")
	}
	opt.shot("45-inbox-confirmed-operator.png")
	r, err := e.db.AdvisoryRecipient(ctx, id, op.OrgID)
	if err != nil || r.State != ceptor.RecipientConfirmed || r.ConfirmedBy != op.ID {
		opt.fatalf("not recorded: %v %+v", err, r)
	}

	// NISC's dashboard follows without a reload.
	nisc.waitJS("the dashboard to count the confirmation", `(document.querySelector("[data-confirmed]") || {}).textContent === "1"`, 15*time.Second)
	if eval[int](nisc.tab, `window.__marker || 0`) != 1 {
		nisc.fatalf("the dashboard was reloaded")
	}
	if got := nisc.texts("[data-rate]"); len(got) != 1 || got[0] == "0.0%" {
		nisc.fatalf("rate after the confirmation: %q", got)
	}
	nisc.shot("46-receipts-updated-nisc.png")
}
