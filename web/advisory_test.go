package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ceptor"
	"ceptor/auth"
	"ceptor/demo"
)

// advIDOf reads advisory.id from an API answer.
func advIDOf(t *testing.T, body string) int64 {
	t.Helper()
	var v struct {
		Advisory struct {
			ID int64 `json:"id"`
		} `json:"advisory"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Advisory.ID == 0 {
		t.Fatalf("no advisory id in %s", body)
	}
	return v.Advisory.ID
}

// The whole path on both engines: NISC writes and publishes an AMBER
// advisory to the operator's sector; the operator finds it in its inbox
// (Japanese search), confirms once; the dashboard counts it; an
// organisation outside the audience never sees it, in the API, the pages
// or the inbox; the e-mail confirmation link confirms for another
// recipient without signing in.
func TestAdvisoryEndToEnd(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			ctx := context.Background()
			op, err := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
			advMust(t, err)
			opOrg, err := h.db.FindOrg(ctx, op.OrgID)
			advMust(t, err)
			if len(opOrg.SectorIDs) == 0 {
				t.Fatal("demo operator has no sector")
			}
			sector := opOrg.SectorIDs[0]
			nisc := h.token("analyst.nisc@demo.example", nil)
			opTok := h.token("analyst.operator@demo.example", nil)

			body := fmt.Sprintf(`{"title":"標的型メール攻撃に関する注意喚起","body":"# 概要\n<script>alert(1)</script>標的型メールが確認されています。\n[詳細](javascript:alert(1))","tlp":"amber","urgency":"high","audience":{"sector_ids":[%d]},"deadline":"2099-01-01T10:00"}`, sector)
			code, resp := h.api("POST", "/api/v1/advisories", nisc, body)
			if code != http.StatusCreated {
				t.Fatalf("create: %d %s", code, resp)
			}
			id := advIDOf(t, resp)
			// An operator cannot write advisories, nor see NISC's draft.
			if code, resp := h.api("POST", "/api/v1/advisories", opTok, `{"title":"x","body":"y"}`); code != http.StatusForbidden {
				t.Fatalf("operator creates: %d %s", code, resp)
			}
			if code, _ := h.api("GET", fmt.Sprintf("/api/v1/advisories/%d", id), opTok, ""); code != http.StatusNotFound {
				t.Fatalf("operator sees a draft: %d", code)
			}
			code, resp = h.api("POST", fmt.Sprintf("/api/v1/advisories/%d/publish", id), nisc, "")
			if code != http.StatusOK || !strings.Contains(resp, `"recipients"`) {
				t.Fatalf("publish: %d %s", code, resp)
			}

			// The recipients' people are notified once, however often the job runs.
			before, err := h.db.CountUnread(ctx, op.ID, op.OrgID)
			advMust(t, err)
			advMust(t, h.srv.NotifyAdvisoryRecipients(ctx, id, "v1"))
			advMust(t, h.srv.NotifyAdvisoryRecipients(ctx, id, "v1"))
			if after, _ := h.db.CountUnread(ctx, op.ID, op.OrgID); after != before+1 {
				t.Fatalf("notifications %d -> %d", before, after)
			}

			// The operator's inbox finds it with a Japanese substring.
			code, resp = h.api("GET", "/api/v1/inbox?q="+url.QueryEscape("標的型"), opTok, "")
			if code != http.StatusOK || !strings.Contains(resp, "標的型メール攻撃") {
				t.Fatalf("inbox: %d %s", code, resp)
			}
			code, resp = h.api("POST", fmt.Sprintf("/api/v1/advisories/%d/ack", id), opTok, "")
			if code != http.StatusOK || !strings.Contains(resp, `"confirmed":true`) {
				t.Fatalf("ack: %d %s", code, resp)
			}
			code, resp = h.api("POST", fmt.Sprintf("/api/v1/advisories/%d/ack", id), opTok, "")
			if code != http.StatusOK || !strings.Contains(resp, `"confirmed":false`) {
				t.Fatalf("second ack: %d %s", code, resp)
			}
			code, resp = h.api("GET", fmt.Sprintf("/api/v1/advisories/%d/receipts", id), nisc, "")
			var sum ceptor.ReceiptSummary
			if code != http.StatusOK || json.Unmarshal([]byte(resp), &sum) != nil || sum.Total.Confirmed != 1 || sum.Total.Recipients < 1 {
				t.Fatalf("receipts: %d %s", code, resp)
			}
			if code, _ := h.api("GET", fmt.Sprintf("/api/v1/advisories/%d/receipts", id), opTok, ""); code != http.StatusForbidden {
				t.Fatalf("operator reads receipts: %d", code)
			}

			// Outside the audience: an operator of another sector, a supplier.
			var outsider *ceptor.Organization
			orgs, _, err := h.db.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgOperator, Limit: 1000})
			advMust(t, err)
			for _, o := range orgs {
				if len(o.SectorIDs) > 0 && o.SectorIDs[0] != sector && !contains64(o.SectorIDs, sector) {
					outsider = o
					break
				}
			}
			if outsider == nil {
				t.Fatal("no operator outside the sector")
			}
			pw, err := auth.HashPassword(auth.TestParams, demo.DemoPassword)
			advMust(t, err)
			out := &ceptor.User{OrgID: outsider.ID, Email: "outsider@demo.example", Name: "部外者", Role: ceptor.RoleAnalyst, PasswordHash: pw}
			advMust(t, h.db.CreateUser(ctx, out))
			outTok := h.token(out.Email, nil)
			for _, p := range []string{fmt.Sprintf("/api/v1/advisories/%d", id), fmt.Sprintf("/api/v1/advisories/%d/receipts", id)} {
				if code, resp := h.api("GET", p, outTok, ""); code != http.StatusNotFound {
					t.Fatalf("outsider GET %s: %d %s", p, code, resp)
				}
			}
			for _, p := range []string{"/api/v1/advisories", "/api/v1/inbox", "/api/v1/inbox?q=" + url.QueryEscape("標的型")} {
				if code, resp := h.api("GET", p, outTok, ""); code != http.StatusOK || strings.Contains(resp, "標的型メール攻撃") {
					t.Fatalf("outsider GET %s: %d %s", p, code, resp)
				}
			}
			if code, _ := h.api("POST", fmt.Sprintf("/api/v1/advisories/%d/ack", id), outTok, ""); code != http.StatusNotFound {
				t.Fatalf("outsider acks: %d", code)
			}

			// Pages: the operator's inbox and the advisory (body rendered
			// safely), NISC's dashboard and export.
			c := h.login("analyst.operator@demo.example")
			code, page := c.get("/inbox?q=" + url.QueryEscape("標的型"))
			if code != http.StatusOK || !strings.Contains(page, "標的型メール攻撃") {
				t.Fatalf("inbox page: %d", code)
			}
			code, page = c.get(fmt.Sprintf("/advisories/%d", id))
			if code != http.StatusOK || strings.Contains(page, "<script>alert(1)") || strings.Contains(page, `href="javascript:`) || !strings.Contains(page, "&lt;script&gt;") {
				t.Fatalf("detail page: %d unsafe or missing body", code)
			}
			n := h.login("analyst.nisc@demo.example")
			if code, page := n.get(fmt.Sprintf("/advisories/%d/receipts", id)); code != http.StatusOK || !strings.Contains(page, "data-receipts") {
				t.Fatalf("receipts page: %d", code)
			}
			if code, csv := n.get(fmt.Sprintf("/advisories/%d/receipts.csv", id)); code != http.StatusOK || !strings.Contains(csv, opOrg.Name) && !strings.Contains(csv, opOrg.NameEN) {
				t.Fatalf("csv: %d %q\n%.600s", code, opOrg.Name, csv)
			}
			if code, _ := n.get(fmt.Sprintf("/advisories/%d/receipts.xlsx", id)); code != http.StatusOK {
				t.Fatalf("xlsx: %d", code)
			}
			o := h.login(out.Email)
			if code, _ := o.get(fmt.Sprintf("/advisories/%d", id)); code != http.StatusNotFound {
				t.Fatalf("outsider page: %d", code)
			}

			// A RED advisory to named organisations: each sees itself named,
			// never the others.
			code, resp = h.api("POST", "/api/v1/advisories", nisc, fmt.Sprintf(`{"title":"個別の情報提供","body":"本文","tlp":"red","audience":{"org_ids":[%d,%d]}}`, op.OrgID, outsider.ID))
			if code != http.StatusCreated {
				t.Fatalf("RED create: %d %s", code, resp)
			}
			red := advIDOf(t, resp)
			if code, resp := h.api("POST", fmt.Sprintf("/api/v1/advisories/%d/publish", red), nisc, ""); code != http.StatusOK {
				t.Fatalf("RED publish: %d %s", code, resp)
			}
			code, resp = h.api("GET", fmt.Sprintf("/api/v1/advisories/%d", red), opTok, "")
			if code != http.StatusOK || strings.Contains(resp, fmt.Sprint(outsider.ID)+"]") || strings.Contains(resp, fmt.Sprintf(",%d", outsider.ID)) {
				t.Fatalf("RED advisory shows the other recipient: %d %s", code, resp)
			}

			// The e-mail link of another recipient confirms without sign-in
			// after a button press; the e-mail of an AMBER advisory carries
			// the title but no body.
			a, err := h.db.FindAdvisory(ctx, id)
			advMust(t, err)
			recs, _, err := h.db.ListRecipients(ctx, id, nil, []ceptor.RecipientState{ceptor.RecipientDelivered, ceptor.RecipientPending}, 10, 0)
			advMust(t, err)
			if len(recs) == 0 {
				t.Skip("no second recipient in the demo sector")
			}
			other := recs[0].OrgID
			m, err := h.srv.AdvisoryEmail(a, &ceptor.AdvisoryDelivery{ID: 1, AdvisoryID: id, OrgID: other, Address: "x@example.jp", Lang: "ja", Purpose: "v1"})
			advMust(t, err)
			if !strings.Contains(m.Subject, "標的型メール攻撃") || strings.Contains(m.Text, "確認されています") {
				t.Fatalf("AMBER e-mail: %q\n%s", m.Subject, m.Text)
			}
			link := regexp.MustCompile(`http://\S+/confirm\?\S+`).FindString(m.Text)
			u, err := url.Parse(link)
			advMust(t, err)
			anon := h.client()
			code, page = anon.get(u.RequestURI())
			if code != http.StatusOK || !strings.Contains(page, `name="sig"`) {
				t.Fatalf("confirm page: %d", code)
			}
			if r, _ := h.db.AdvisoryRecipient(ctx, id, other); r.State == ceptor.RecipientConfirmed {
				t.Fatal("opening the link confirmed")
			}
			q := u.Query()
			code, page, _ = anon.post(u.Path, url.Values{"org": {q.Get("org")}, "exp": {q.Get("exp")}, "sig": {q.Get("sig")}})
			if code != http.StatusOK {
				t.Fatalf("confirm post: %d %s", code, page)
			}
			if r, _ := h.db.AdvisoryRecipient(ctx, id, other); r.State != ceptor.RecipientConfirmed || r.ConfirmedVia != "email" {
				t.Fatalf("link did not confirm: %+v", r)
			}
			// A tampered signature is refused.
			code, _, _ = anon.post(u.Path, url.Values{"org": {q.Get("org")}, "exp": {q.Get("exp")}, "sig": {strings.Repeat("0", 40)}})
			if code != http.StatusNotFound {
				t.Fatalf("tampered link: %d", code)
			}
		})
	}
}

func contains64(xs []int64, v int64) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func advMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
