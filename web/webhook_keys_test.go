package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb/sqldbtest"
)

// The webhook signing key page and API: an organisation's administrator
// sees that a key exists (version, fingerprint), the URL and the last
// delivery, never the secret; rotating shows the new secret once, calls
// are signed with it from then on, and both are audited. Someone who may
// not change the organisation's contacts gets neither.
func TestWebhookSigningKeys(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			h := newHarness(t, engine)
			ctx := context.Background()
			admin, err := h.db.FindUserByEmail(ctx, "admin.operator@demo.example")
			advMust(t, err)
			org := admin.OrgID
			c := &ceptor.Contact{OrgID: org, Name: "SOC受信", Kind: ceptor.ContactPrimary, WebhookURL: "https://hooks.example.jp/ceptor", Active: true}
			advMust(t, h.db.CreateContact(ctx, c))
			var adv int64
			advMust(t, h.db.SQL().QueryRowContext(ctx, "SELECT id FROM advisories ORDER BY id LIMIT 1").Scan(&adv))
			q := "INSERT INTO advisory_deliveries (advisory_id, org_id, contact_id, channel, purpose, address, status, attempts, last_error, created_at) VALUES (?, ?, ?, 'webhook', 'test', ?, 'failed', 3, 'webhook answered 410', ?)"
			if engine == "postgres" {
				q = strings.NewReplacer("?, ?, ?, 'webhook', 'test', ?, 'failed', 3, 'webhook answered 410', ?", "$1, $2, $3, 'webhook', 'test', $4, 'failed', 3, 'webhook answered 410', $5").Replace(q)
			}
			_, err = h.db.SQL().ExecContext(ctx, q, adv, org, c.ID, c.WebhookURL, time.Now().UTC())
			advMust(t, err)
			page := "/registry/orgs/" + regID(org) + "/webhooks"
			secret := regexp.MustCompile(`data-secret>([0-9a-f]{32,})<`)
			fingerprint := regexp.MustCompile(`data-fingerprint>(sha256:[0-9a-f]+)<`)

			// The page: the key exists, no secret.
			ac := h.login("admin.operator@demo.example")
			code, body := ac.get(page)
			if code != http.StatusOK || !strings.Contains(body, c.WebhookURL) || !strings.Contains(body, "鍵あり（第1版）") || !strings.Contains(body, `data-last-status="failed"`) {
				t.Fatalf("page: %d\n%s", code, body)
			}
			if secret.MatchString(body) {
				t.Fatal("the page shows a secret without a rotation")
			}
			fp0 := fingerprint.FindStringSubmatch(body)
			if fp0 == nil {
				t.Fatal("no fingerprint")
			}

			// Rotation: the new secret once.
			code, body, _ = ac.post(page+"/"+regID(c.ID)+"/rotate", nil)
			m := secret.FindStringSubmatch(body)
			if code != http.StatusOK || m == nil || !strings.Contains(body, "鍵あり（第2版）") {
				t.Fatalf("rotate: %d\n%s", code, body)
			}
			key := m[1]
			if fp := fingerprint.FindStringSubmatch(body); fp == nil || fp[1] == fp0[1] {
				t.Fatalf("fingerprint after the rotation: %v (before %s)", fp, fp0[1])
			}
			if _, body := ac.get(page); strings.Contains(body, key) || secret.MatchString(body) {
				t.Fatal("the secret is shown again")
			}
			if n := h.regAudited("advisory.webhook_key_rotate", org); n != 1 {
				t.Fatalf("rotations audited: %d", n)
			}

			// Calls are signed with the new key.
			a, err := h.db.FindAdvisory(ctx, adv)
			advMust(t, err)
			now := time.Now()
			payload, hdr, err := h.srv.AdvisoryWebhook(a, &ceptor.AdvisoryDelivery{ID: 7, AdvisoryID: adv, OrgID: org, ContactID: c.ID, Channel: ceptor.ChannelWebhook, Purpose: "v1"}, now)
			advMust(t, err)
			mac := hmac.New(sha256.New, []byte(key))
			mac.Write([]byte(hdr["X-Ceptor-Timestamp"] + "."))
			mac.Write(payload)
			if hdr["X-Ceptor-Signature"] != "sha256="+hex.EncodeToString(mac.Sum(nil)) || hdr["X-Ceptor-Delivery"] != "7" {
				t.Fatalf("not signed with the rotated key: %v", hdr)
			}

			// Not for a member who may not change contacts.
			an := h.login("analyst.operator@demo.example")
			if code, _ := an.get(page); code != http.StatusForbidden && code != http.StatusNotFound {
				t.Fatalf("analyst sees the page: %d", code)
			}
			if code, _, _ := an.post(page+"/"+regID(c.ID)+"/rotate", nil); code != http.StatusForbidden && code != http.StatusNotFound {
				t.Fatalf("analyst rotates: %d", code)
			}

			// The API: state without the secret; rotation with it.
			tok := h.token("admin.operator@demo.example", nil)
			code, resp := h.api("GET", "/api/v1/advisory-webhooks/"+regID(c.ID)+"/key", tok, "")
			var info struct {
				Key          *string `json:"key"`
				KeyExists    bool    `json:"key_exists"`
				Version      int     `json:"version"`
				Fingerprint  string  `json:"fingerprint"`
				URL          string  `json:"url"`
				LastDelivery struct {
					Status string `json:"status"`
				} `json:"last_delivery"`
			}
			advMust(t, json.Unmarshal([]byte(resp), &info))
			if code != http.StatusOK || info.Key != nil || !info.KeyExists || info.Version != 1 || info.URL != c.WebhookURL || info.LastDelivery.Status != "failed" || info.Fingerprint == "" {
				t.Fatalf("GET key: %d %s", code, resp)
			}
			code, resp = h.api("POST", "/api/v1/advisory-webhooks/"+regID(c.ID)+"/key/rotate", tok, "")
			info.Key = nil
			advMust(t, json.Unmarshal([]byte(resp), &info))
			if code != http.StatusOK || info.Key == nil || *info.Key == key || info.Version != 2 {
				t.Fatalf("rotate over the API: %d %s", code, resp)
			}
			if n := h.regAudited("advisory.webhook_key_rotate", org); n != 2 {
				t.Fatalf("rotations audited: %d", n)
			}
			atok := h.token("analyst.operator@demo.example", nil)
			if code, _ := h.api("POST", "/api/v1/advisory-webhooks/"+regID(c.ID)+"/key/rotate", atok, ""); code != http.StatusForbidden {
				t.Fatalf("analyst rotates over the API: %d", code)
			}
		})
	}
}
