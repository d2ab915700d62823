package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ceptor"
)

type adminAuditPage struct {
	Items []struct {
		Seq        int64  `json:"seq"`
		OrgID      int64  `json:"org_id"`
		ActorOrgID int64  `json:"actor_org_id"`
		ActorLabel string `json:"actor_label"`
		Action     string `json:"action"`
	} `json:"items"`
	Limit      int    `json:"limit"`
	NextBefore int64  `json:"next_before"`
	Next       string `json:"next"`
}

type adminVerify struct {
	Entries  int  `json:"entries"`
	OK       bool `json:"ok"`
	Problems []struct {
		Seq    int64  `json:"seq"`
		Reason string `json:"reason"`
	} `json:"problems"`
}

func TestAuditLogVisibility(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			// Sign-ins by several organisations fill the log.
			for _, e := range []string{"admin.nisc@demo.example", "analyst.nisc@demo.example", "executive.nisc@demo.example", "auditor.nisc@demo.example", "admin.ministry@demo.example", "admin.operator@demo.example", "analyst.operator@demo.example", "admin.supplier@demo.example"} {
				h.login(e)
			}
			op := acctUser(t, h, "auditor.operator@demo.example")

			// Operator auditor: only entries by or about its organisation.
			tok := h.token("auditor.operator@demo.example", []string{"read"})
			code, body := h.api("GET", "/api/v1/audit?limit=500", tok, "")
			var page adminAuditPage
			acctJSON(t, body, &page)
			if code != 200 || len(page.Items) == 0 {
				t.Fatalf("operator auditor: %d %s", code, body)
			}
			for _, e := range page.Items {
				if e.OrgID != op.OrgID && e.ActorOrgID != op.OrgID {
					t.Errorf("operator auditor sees entry %d (%s by %s)", e.Seq, e.Action, e.ActorLabel)
				}
			}
			c := h.login("auditor.operator@demo.example")
			code, body = c.get("/admin/audit")
			if code != 200 || !strings.Contains(body, "admin.operator@demo.example") || strings.Contains(body, "admin.nisc@demo.example") {
				t.Fatalf("operator auditor's page: %d", code)
			}
			if strings.Contains(body, "/admin/audit/verify") {
				t.Error("verify offered to a non-NISC auditor")
			}

			// NISC auditor: everyone's entries, newest first, with paging.
			ntok := h.token("auditor.nisc@demo.example", []string{"read"})
			code, body = h.api("GET", "/api/v1/audit?limit=3", ntok, "")
			acctJSON(t, body, &page)
			if code != 200 || len(page.Items) != 3 || page.NextBefore != page.Items[2].Seq || page.Items[0].Seq < page.Items[1].Seq {
				t.Fatalf("NISC page 1: %d %s", code, body)
			}
			code, body = h.api("GET", page.Next, ntok, "")
			var older adminAuditPage
			acctJSON(t, body, &older)
			if code != 200 || len(older.Items) == 0 || older.Items[0].Seq >= page.NextBefore {
				t.Fatalf("NISC page 2: %d %s", code, body)
			}
			// NISC reads the programme's log but not other organisations'
			// sign-ins: their times would line up with anonymous reports.
			nisc := acctUser(t, h, "auditor.nisc@demo.example")
			code, body = h.api("GET", "/api/v1/audit?action=auth.login&limit=500", ntok, "")
			acctJSON(t, body, &page)
			orgs := map[int64]bool{}
			for _, e := range page.Items {
				if !strings.HasPrefix(e.Action, "auth.login") {
					t.Errorf("action filter let %s through", e.Action)
				}
				orgs[e.ActorOrgID] = true
			}
			if code != 200 || len(orgs) != 1 || !orgs[nisc.OrgID] {
				t.Fatalf("NISC sees sign-ins of organisations %v, want only its own (%d)", orgs, nisc.OrgID)
			}
			code, body = h.api("GET", "/api/v1/audit?limit=1000", ntok, "")
			acctJSON(t, body, &page)
			for _, e := range page.Items {
				for _, p := range ceptor.PersonalActions {
					if strings.HasPrefix(e.Action, p) && e.ActorOrgID != 0 && e.ActorOrgID != nisc.OrgID {
						t.Errorf("NISC sees %s of organisation %d", e.Action, e.ActorOrgID)
					}
				}
			}
			// ... while the operator's own auditor sees its people's.
			code, body = h.api("GET", "/api/v1/audit?action=auth.login&limit=500", tok, "")
			acctJSON(t, body, &page)
			if code != 200 || len(page.Items) < 2 {
				t.Fatalf("operator auditor sees %d of its sign-ins", len(page.Items))
			}

			// Analysts and executives see no audit log.
			for _, e := range []string{"analyst.nisc@demo.example", "executive.operator@demo.example"} {
				c := h.login(e)
				if code, _ := c.get("/admin/audit"); code != http.StatusForbidden {
					t.Errorf("%s /admin/audit = %d", e, code)
				}
				if code, _ := c.get("/admin/audit/export.csv"); code != http.StatusForbidden {
					t.Errorf("%s export = %d", e, code)
				}
				if code, _ := h.api("GET", "/api/v1/audit", h.token(e, []string{"read"}), ""); code != http.StatusForbidden {
					t.Errorf("%s API = %d", e, code)
				}
			}
			if code, _ := h.api("GET", "/api/v1/audit?before=x", ntok, ""); code != http.StatusUnprocessableEntity {
				t.Errorf("bad before: %d", code)
			}

			// CSV export: the visible entries, audited.
			a := h.login("auditor.operator@demo.example")
			req, _ := http.NewRequest("GET", h.ts.URL+"/admin/audit/export.csv?action=auth.", nil)
			code, body, hdr := a.do(req)
			if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
				t.Fatalf("export: %d %v", code, hdr)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
			if err != nil || len(rows) < 2 || rows[0][0] != "seq" {
				t.Fatalf("export CSV: %v %d rows", err, len(rows))
			}
			for _, r := range rows[1:] {
				if r[3] != fmt.Sprint(op.OrgID) && r[8] != fmt.Sprint(op.OrgID) {
					t.Errorf("exported entry %s of another organisation", r[0])
				}
				if !strings.HasPrefix(r[5], "auth.") {
					t.Errorf("exported %s despite the filter", r[5])
				}
			}
			if !acctAudited(t, h, "audit.export", op.ID) {
				t.Fatal("export not audited")
			}
		})
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			h.login("admin.operator@demo.example")
			h.login("admin.nisc@demo.example")

			// Only NISC's auditors and administrators may verify.
			for _, e := range []string{"auditor.operator@demo.example", "admin.ministry@demo.example", "analyst.nisc@demo.example"} {
				if code, _ := h.api("GET", "/api/v1/audit/verify", h.token(e, []string{"read"}), ""); code != http.StatusForbidden {
					t.Errorf("%s verifies: %d", e, code)
				}
			}
			tok := h.token("auditor.nisc@demo.example", []string{"read"})
			code, body := h.api("GET", "/api/v1/audit/verify", tok, "")
			var v adminVerify
			acctJSON(t, body, &v)
			if code != 200 || !v.OK || v.Entries < 2 || len(v.Problems) != 0 || !strings.Contains(body, `"problems":[]`) {
				t.Fatalf("intact chain: %d %s", code, body)
			}
			c := h.login("admin.nisc@demo.example")
			c.get("/admin/audit")
			if code, body, _ := c.post("/admin/audit/verify", nil); code != 200 || !strings.Contains(body, "改ざんされていません") {
				t.Fatalf("UI verify of intact chain: %d", code)
			}

			// Someone edits an entry in the database.
			if _, err := h.db.SQL().Exec(`UPDATE audit_log SET detail = '{"method":"forged"}' WHERE seq = 1`); err != nil {
				t.Fatal(err)
			}
			code, body = h.api("GET", "/api/v1/audit/verify", tok, "")
			acctJSON(t, body, &v)
			if code != 200 || v.OK || len(v.Problems) == 0 || v.Problems[0].Seq != 1 {
				t.Fatalf("tampered chain: %d %s", code, body)
			}
			code, body, _ = c.post("/admin/audit/verify", nil)
			if code != 200 || !strings.Contains(body, "不整合") || !strings.Contains(body, "edited") {
				t.Fatalf("UI verify of tampered chain: %d", code)
			}
			if !acctAudited(t, h, "audit.verify", acctUser(t, h, "admin.nisc@demo.example").ID) {
				t.Fatal("verification not audited")
			}
		})
	}
}
