package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ceptor"
)

// Who may address whom, four-eyes review, corrections, withdrawal and the
// pages of each step.
func TestAdvisoryFlows(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	min, err := h.db.FindUserByEmail(ctx, "analyst.ministry@demo.example")
	advMust(t, err)
	sectors, err := h.db.ListSectors(ctx)
	advMust(t, err)
	var own, other int64
	for _, s := range sectors {
		if s.MinistryOrgID == min.OrgID && own == 0 {
			own = s.ID
		} else if s.MinistryOrgID != min.OrgID && other == 0 {
			other = s.ID
		}
	}
	if own == 0 || other == 0 {
		t.Fatal("demo ministry oversees no sector")
	}
	minTok := h.token("analyst.ministry@demo.example", nil)
	body := func(aud string) string {
		return fmt.Sprintf(`{"title":"所管分野への注意喚起","body":"本文","tlp":"green","audience":%s}`, aud)
	}
	if code, resp := h.api("POST", "/api/v1/advisories", minTok, body(fmt.Sprintf(`{"sector_ids":[%d]}`, own))); code != http.StatusCreated {
		t.Fatalf("ministry to its sector: %d %s", code, resp)
	}
	for _, aud := range []string{fmt.Sprintf(`{"sector_ids":[%d]}`, other), `{"everyone":true}`, `{"org_types":["operator"]}`} {
		if code, resp := h.api("POST", "/api/v1/advisories", minTok, body(aud)); code != http.StatusForbidden {
			t.Fatalf("ministry to %s: %d %s", aud, code, resp)
		}
	}

	// Four-eyes at NISC.
	admin := h.token("admin.nisc@demo.example", nil)
	analyst := h.token("analyst.nisc@demo.example", nil)
	if code, resp := h.api("PUT", "/api/v1/advisory-settings", analyst, `{"four_eyes":true}`); code != http.StatusForbidden {
		t.Fatalf("analyst changes settings: %d %s", code, resp)
	}
	if code, resp := h.api("PUT", "/api/v1/advisory-settings", admin, `{"four_eyes":true}`); code != http.StatusOK {
		t.Fatalf("settings: %d %s", code, resp)
	}
	code, resp := h.api("POST", "/api/v1/advisories", analyst, body(fmt.Sprintf(`{"sector_ids":[%d]}`, own)))
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, resp)
	}
	id := advIDOf(t, resp)
	p := func(s string) string { return fmt.Sprintf("/api/v1/advisories/%d/%s", id, s) }
	if code, resp := h.api("POST", p("publish"), analyst, ""); code != http.StatusConflict || !strings.Contains(resp, "承認") && !strings.Contains(resp, "approve") {
		t.Fatalf("publish without approval: %d %s", code, resp)
	}
	if code, resp := h.api("POST", p("review"), analyst, ""); code != http.StatusOK {
		t.Fatalf("review: %d %s", code, resp)
	}
	if code, _ := h.api("POST", p("approve"), analyst, ""); code != http.StatusForbidden {
		t.Fatalf("the author approves: %d", code)
	}
	if code, resp := h.api("POST", p("approve"), admin, ""); code != http.StatusOK || !strings.Contains(resp, `"approved":true`) {
		t.Fatalf("approve: %d %s", code, resp)
	}
	if code, resp := h.api("POST", p("publish"), analyst, ""); code != http.StatusOK {
		t.Fatalf("publish: %d %s", code, resp)
	}

	// Correction: a note is required; the TLP may not widen.
	if code, _ := h.api("POST", p("correct"), analyst, `{"body":"訂正後の本文"}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("correction without note: %d", code)
	}
	if code, _ := h.api("POST", p("correct"), analyst, `{"tlp":"clear","note":"広げる"}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("widening correction: %d", code)
	}
	if code, resp := h.api("POST", p("correct"), analyst, `{"body":"訂正後の本文","note":"対象製品を追加"}`); code != http.StatusOK || !strings.Contains(resp, `"version":2`) {
		t.Fatalf("correct: %d %s", code, resp)
	}

	// Pages of every step.
	n := h.login("admin.nisc@demo.example")
	for _, path := range []string{"/advisories", "/advisories?issued=1&q=" + url.QueryEscape("所管"), "/advisories/new", "/advisories/new?drill=1",
		fmt.Sprintf("/advisories/%d", id), fmt.Sprintf("/advisories/%d/correct", id), fmt.Sprintf("/advisories/%d/receipts", id)} {
		if code, page := n.get(path); code != http.StatusOK || strings.Contains(page, "template:") {
			t.Fatalf("GET %s: %d", path, code)
		}
	}
	_, page := n.get(fmt.Sprintf("/advisories/%d", id))
	if !strings.Contains(page, "対象製品を追加") || !strings.Contains(page, "第2版") {
		t.Fatal("the advisory page does not show the correction")
	}
	// A draft through the form, edited, with a bad deadline refused.
	code, _, loc := n.post("/advisories/new", url.Values{"title": {"フォームの下書き"}, "body": {"本文"}, "category": {"alert"}, "urgency": {"normal"},
		"tlp": {"amber"}, "source": {"own"}, "sector": {fmt.Sprint(own)}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/advisories/") {
		t.Fatalf("form create: %d %s", code, loc)
	}
	if code, _ := n.get(loc + "/edit"); code != http.StatusOK {
		t.Fatalf("edit form: %d", code)
	}
	code, page, _ = n.post(loc+"/edit", url.Values{"title": {"フォームの下書き"}, "body": {"本文"}, "category": {"alert"}, "urgency": {"normal"},
		"tlp": {"amber"}, "source": {"own"}, "sector": {fmt.Sprint(own)}, "deadline": {"昨日"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "aria-invalid") {
		t.Fatalf("bad deadline: %d", code)
	}

	// Withdrawal: recipients can no longer confirm.
	if code, _ := h.api("POST", p("withdraw"), analyst, `{}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("withdraw without reason: %d", code)
	}
	if code, resp := h.api("POST", p("withdraw"), analyst, `{"reason":"誤送信"}`); code != http.StatusOK || !strings.Contains(resp, `"withdrawn"`) {
		t.Fatalf("withdraw: %d %s", code, resp)
	}
	op := h.token("analyst.operator@demo.example", nil)
	if code, _ := h.api("POST", p("ack"), op, ""); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("ack after withdrawal: %d", code)
	}
	// Operators write no advisories, in pages either.
	o := h.login("analyst.operator@demo.example")
	if code, _ := o.get("/advisories/new"); code != http.StatusForbidden {
		t.Fatalf("operator compose page: %d", code)
	}
	a, err := h.db.FindAdvisory(ctx, id)
	advMust(t, err)
	if a.Status != ceptor.AdvisoryWithdrawn || a.Version != 2 {
		t.Fatalf("stored: %+v", a)
	}
}
