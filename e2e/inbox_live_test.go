package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestInboxLive: an operator has its inbox open; NISC publishes an
// advisory to the operator's sector; the advisory appears in the open
// inbox without a reload. The operator then confirms it from a second
// window, and the first one shows the confirmation, still without a
// reload. Screenshots 47-48.
func TestInboxLive(t *testing.T) {
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
	const title = "E2E: 受信箱に即時に届く注意喚起"

	inbox := e.rtab(t, 3*journeyTimeout)
	inbox.signIn("analyst.operator@demo.example")
	if st := inbox.open("/inbox"); st != 200 {
		inbox.fatalf("inbox: %d", st)
	}
	inbox.waitJS("the live connection", `document.querySelector("[data-live-status]").classList.contains("on")`, 10*time.Second)
	if strings.Contains(inbox.text(), title) {
		inbox.fatalf("the advisory is in the inbox before it is published")
	}
	inbox.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))

	nisc := e.rtab(t, 3*journeyTimeout)
	nisc.signIn("admin.nisc@demo.example")
	if st := nisc.open("/advisories/new"); st != 200 {
		nisc.fatalf("compose: %d", st)
	}
	nisc.fill("#f-title", title)
	nisc.do("body", chromedp.SetValue(chromedp.CSS("#f-body"), "受信箱を開いたままの事業者に届くことを確認します。"))
	nisc.do("choose the sector", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=sector][value="%d"]`, opOrg.SectorIDs[0])), chromedp.NodeVisible))
	if st := nisc.submit(`.adv-form button[type=submit]`); st != 200 {
		nisc.fatalf("save draft: %d", st)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(nisc.path(), "/advisories/"), 10, 64)
	if err != nil {
		nisc.fatalf("not on the advisory after saving: %s", nisc.path())
	}
	if st := nisc.confirmed(`button[data-publish]`); st != 200 {
		nisc.fatalf("publish: %d", st)
	}

	// The open inbox shows it without a reload.
	item := fmt.Sprintf(`[data-inbox] li[data-advisory-id="%d"]`, id)
	inbox.waitJS("the advisory to appear in the open inbox", fmt.Sprintf(`!!document.querySelector(%q)`, item), 15*time.Second)
	if eval[int](inbox.tab, `window.__marker || 0`) != 1 {
		inbox.fatalf("the inbox was reloaded")
	}
	if got := inbox.texts(item + " .inbox-title"); len(got) != 1 || got[0] != title {
		inbox.fatalf("new item: %q", got)
	}
	inbox.shot("47-inbox-live-arrived-operator.png")

	// Confirmed from another window: the open inbox shows it.
	other := e.rtab(t, journeyTimeout)
	other.signIn("analyst.operator@demo.example")
	if st := other.open("/inbox"); st != 200 {
		other.fatalf("inbox: %d", st)
	}
	if st := other.submit(fmt.Sprintf(`form[action="/advisories/%d/ack"] button`, id)); st != 200 {
		other.fatalf("confirm: %d", st)
	}
	inbox.waitJS("the open inbox to show the confirmation", fmt.Sprintf(`!!document.querySelector(%q)`, item+" .adv-st-confirmed"), 15*time.Second)
	if eval[int](inbox.tab, `window.__marker || 0`) != 1 {
		inbox.fatalf("the inbox was reloaded")
	}
	inbox.shot("48-inbox-live-confirmed-operator.png")
}
