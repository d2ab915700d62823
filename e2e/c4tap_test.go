package e2e

import (
	"strings"
	"testing"
)

// The targeted-attack sharing journey (issue 5): a participant reads the
// shared suspicious e-mails of the demo data, opens one and sees its
// indicators defanged, and follows an indicator to the correlation view,
// which counts what it may see without naming anyone; NISC sees the same
// indicator with exact counts.
func TestC4TAP(t *testing.T) {
	e := newEnv(t, engine())
	op := e.rtab(t, journeyTimeout)
	op.signIn("analyst.operator@demo.example")
	if st := op.open("/sharing"); st != 200 {
		op.fatalf("sharing: %d", st)
	}
	if !strings.Contains(op.text(), "不審メールを提出") || !strings.Contains(op.text(), "年末調整書類") {
		op.fatalf("sharing page lacks the form or the demo submissions")
	}
	op.shot("80-c4tap-sharing.png")
	if st := op.submit(`table a[href^="/sharing/c4tap/"]`); st != 200 {
		op.fatalf("submission: %d", st)
	}
	if !strings.Contains(op.text(), "hxxps://hr-notice[.]example") && !strings.Contains(op.text(), "hr-notice[.]example") {
		op.fatalf("indicators are not defanged: %s", op.text())
	}
	op.shot("81-c4tap-submission.png")
	if st := op.open("/indicators?type=domain&value=hr-notice.example"); st != 200 {
		op.fatalf("correlation: %d", st)
	}
	if !strings.Contains(op.text(), "観測") {
		op.fatalf("no correlation summary: %s", op.text())
	}
	op.shot("82-c4tap-correlation-operator.png")

	nisc := e.rtab(t, journeyTimeout)
	nisc.signIn("admin.nisc@demo.example")
	if st := nisc.open("/indicators?type=domain&value=hr-notice.example"); st != 200 || !strings.Contains(nisc.text(), "組織・") {
		nisc.fatalf("NISC correlation: %d %s", st, nisc.text())
	}
	nisc.shot("83-c4tap-correlation-nisc.png")
	if st := nisc.open("/taxii/subscriptions"); st != 200 {
		nisc.fatalf("subscriptions: %d", st)
	}
	nisc.shot("84-taxii-subscriptions.png")
}
