package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"ceptor"
	"ceptor/i18n"
	"ceptor/sqldb"
)

// Webhook signing keys (issue 4): an organisation's administrators (and
// whoever may change its contacts: its secretariat, ministry and NISC, as
// the policy says) see, per contact with a webhook, the URL, that a key
// exists (its version, since when, a fingerprint — never the secret), the
// last delivery's status, and can rotate the key: the new secret is shown
// once, in the answer to the rotation, and calls are signed with it from
// then on. Page: /registry/orgs/{id}/webhooks; API:
// GET /api/v1/advisory-webhooks/{contact}/key and
// POST /api/v1/advisory-webhooks/{contact}/key/rotate. Every view and
// rotation is audited.

// webhookKeyStore is what these pages need beyond the Store.
type webhookKeyStore interface {
	WebhookKeyVersion(ctx context.Context, contactID int64) (int, error)
	WebhookKeyStates(ctx context.Context, orgID int64) (map[int64]sqldb.WebhookKeyState, error)
	RotateWebhookKey(ctx context.Context, contactID, orgID, by int64, at time.Time) (int, error)
	LastWebhookDelivery(ctx context.Context, contactID int64) (*sqldb.WebhookDelivery, error)
}

func (s *Server) keyStore() (webhookKeyStore, error) {
	ks, ok := s.store.(webhookKeyStore)
	if !ok {
		return nil, errors.New("web: the store keeps no webhook keys")
	}
	return ks, nil
}

func (s *Server) routesWebhookKeys() {
	s.mux.HandleFunc("GET /registry/orgs/{id}/webhooks", s.webhookKeysPage)
	s.mux.HandleFunc("POST /registry/orgs/{id}/webhooks/{cid}/rotate", s.webhookKeyRotate)
}

// webhookKeyAt is the signing key (hex) of a contact's webhook at a version.
func (s *Server) webhookKeyAt(contactID int64, version int) string {
	id := strconv.FormatInt(contactID, 10)
	if version > 0 {
		id += "#v" + strconv.Itoa(version)
	}
	return s.sealer.Tag("advisory-webhook", id)
}

// webhookKeyFingerprint identifies a key without revealing it.
func webhookKeyFingerprint(key string) string {
	h := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(h[:6])
}

// webhookKeyInfo is what may be shown of a contact's webhook key.
type webhookKeyInfo struct {
	ContactID    int64                  `json:"contact_id"`
	URL          string                 `json:"url"`
	KeyExists    bool                   `json:"key_exists"`
	Version      int                    `json:"version"`
	Since        *time.Time             `json:"since,omitempty"`
	Fingerprint  string                 `json:"fingerprint"`
	LastDelivery *sqldb.WebhookDelivery `json:"last_delivery,omitempty"`
	// Key is set only in the answer to a rotation.
	Key string `json:"key,omitempty"`
}

func (s *Server) webhookKeyInfo(ctx context.Context, ks webhookKeyStore, c *ceptor.Contact, states map[int64]sqldb.WebhookKeyState) (webhookKeyInfo, error) {
	k := states[c.ID]
	last, err := ks.LastWebhookDelivery(ctx, c.ID)
	if err != nil {
		return webhookKeyInfo{}, err
	}
	return webhookKeyInfo{ContactID: c.ID, URL: c.WebhookURL, KeyExists: true, Version: k.Version, Since: k.CreatedAt,
		Fingerprint: webhookKeyFingerprint(s.webhookKeyAt(c.ID, k.Version)), LastDelivery: last}, nil
}

type webhookKeyRow struct {
	Contact *ceptor.Contact
	Info    webhookKeyInfo
}

type webhookKeysData struct {
	Org     *ceptor.Organization
	Rows    []webhookKeyRow
	Back    string
	NewKey  string // shown once, after a rotation
	Rotated int64
}

// webhookOrg returns the organisation when the caller may change its
// contacts (and so their webhooks' keys).
func (s *Server) webhookOrg(w http.ResponseWriter, r *http.Request, st *reqState) (*ceptor.Organization, bool) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return nil, false
	}
	o, err := s.contactOrg(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if err := regAuthorize(st, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindContact, o)); err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return o, true
}

func (s *Server) webhookKeysData(ctx context.Context, o *ceptor.Organization) (webhookKeysData, error) {
	d := webhookKeysData{Org: o, Back: "/registry/orgs/" + strconv.FormatInt(o.ID, 10)}
	ks, err := s.keyStore()
	if err != nil {
		return d, err
	}
	cs, err := s.store.ListContacts(ctx, o.ID)
	if err != nil {
		return d, err
	}
	states, err := ks.WebhookKeyStates(ctx, o.ID)
	if err != nil {
		return d, err
	}
	for _, c := range cs {
		if c.WebhookURL == "" {
			continue
		}
		info, err := s.webhookKeyInfo(ctx, ks, c, states)
		if err != nil {
			return d, err
		}
		d.Rows = append(d.Rows, webhookKeyRow{Contact: c, Info: info})
	}
	return d, nil
}

func (s *Server) webhookKeysPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	o, ok := s.webhookOrg(w, r, st)
	if !ok {
		return
	}
	d, err := s.webhookKeysData(r.Context(), o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "advisory.webhook_keys_view", ceptor.KindOrg, o.ID, o.ID, nil)
	s.render(w, r, http.StatusOK, "webhook_keys", s.page(w, r, i18n.T(st.lang, "webhook.title"), d))
}

// rotateWebhookKey moves the contact's webhook to a new key and returns it.
func (s *Server) rotateWebhookKey(r *http.Request, st *reqState, o *ceptor.Organization, c *ceptor.Contact) (webhookKeyInfo, error) {
	ctx := r.Context()
	if err := regAuthorize(st, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindContact, o)); err != nil {
		return webhookKeyInfo{}, err
	}
	if c.WebhookURL == "" {
		return webhookKeyInfo{}, &ceptor.Error{Code: ceptor.EINVALID, Message: "the contact has no webhook", Key: "webhook.err_no_webhook"}
	}
	ks, err := s.keyStore()
	if err != nil {
		return webhookKeyInfo{}, err
	}
	v, err := ks.RotateWebhookKey(ctx, c.ID, o.ID, st.actor.UserID, s.now())
	if err != nil {
		return webhookKeyInfo{}, err
	}
	key := s.webhookKeyAt(c.ID, v)
	s.audit(r, "advisory.webhook_key_rotate", ceptor.KindContact, c.ID, o.ID, map[string]any{"version": v, "fingerprint": webhookKeyFingerprint(key)})
	states, err := ks.WebhookKeyStates(ctx, o.ID)
	if err != nil {
		return webhookKeyInfo{}, err
	}
	info, err := s.webhookKeyInfo(ctx, ks, c, states)
	if err != nil {
		return webhookKeyInfo{}, err
	}
	info.Key = key
	return info, nil
}

func (s *Server) webhookKeyRotate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	o, ok := s.webhookOrg(w, r, st)
	if !ok {
		return
	}
	cid, ok := s.pathID(w, r, "cid")
	if !ok {
		return
	}
	c, err := s.findContact(r.Context(), o, cid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	info, err := s.rotateWebhookKey(r, st, o, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.webhookKeysData(r.Context(), o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The secret is in this answer only: not cached, not redirected to.
	d.NewKey, d.Rotated = info.Key, c.ID
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "webhook_keys", s.page(w, r, i18n.T(st.lang, "webhook.title"), d))
}

// ---- API ----

// apiWebhookContact returns the contact {contact} when the caller may change it.
func (s *Server) apiWebhookContact(w http.ResponseWriter, r *http.Request) (*reqState, *ceptor.Organization, *ceptor.Contact, bool) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return nil, nil, nil, false
	}
	id, ok := s.pathID(w, r, "contact")
	if !ok {
		return nil, nil, nil, false
	}
	c, err := s.store.FindContact(r.Context(), id)
	if err != nil {
		s.fail(w, r, regNotFound())
		return nil, nil, nil, false
	}
	o, err := s.store.FindOrg(r.Context(), c.OrgID)
	if err != nil {
		s.fail(w, r, regNotFound())
		return nil, nil, nil, false
	}
	res := ceptor.OrgResource(ceptor.KindContact, o)
	if !ceptor.Allow(st.actor, ceptor.ActView, res) {
		s.fail(w, r, regNotFound())
		return nil, nil, nil, false
	}
	if err := regAuthorize(st, ceptor.ActUpdate, res); err != nil {
		s.fail(w, r, err)
		return nil, nil, nil, false
	}
	return st, o, c, true
}

func (s *Server) apiWebhookKey(w http.ResponseWriter, r *http.Request) {
	_, o, c, ok := s.apiWebhookContact(w, r)
	if !ok {
		return
	}
	ks, err := s.keyStore()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	states, err := ks.WebhookKeyStates(r.Context(), o.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	info, err := s.webhookKeyInfo(r.Context(), ks, c, states)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	info.KeyExists = c.WebhookURL != ""
	s.audit(r, "advisory.webhook_key", ceptor.KindContact, c.ID, c.OrgID, nil)
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) apiWebhookKeyRotate(w http.ResponseWriter, r *http.Request) {
	st, o, c, ok := s.apiWebhookContact(w, r)
	if !ok {
		return
	}
	info, err := s.rotateWebhookKey(r, st, o, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, info)
}
