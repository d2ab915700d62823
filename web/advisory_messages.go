package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
	"ceptor/jobs"
	"ceptor/mail"
)

// What advisories send outside the application: e-mails and webhook calls
// (the delivery jobs ask the server to render them), and the signed
// confirmation link in e-mails.
//
// TLP decides how much leaves the system. The message never carries more
// than the marking allows on a channel the programme does not control:
//
//   - TLP:CLEAR and GREEN: title and body.
//   - TLP:AMBER: title only; the body is read after signing in.
//   - TLP:AMBER+STRICT and RED: neither title nor body, only that an
//     advisory of that marking is waiting, with the links.
//
// Every e-mail carries the confirmation link; webhooks carry the same
// fields as JSON, signed with HMAC-SHA256 under a key derived per contact
// from the service key.

var _ jobs.AdvisoryMessenger = (*Server)(nil)

// advBaseURL is the public address for links in messages.
func (s *Server) advBaseURL() string { return strings.TrimSuffix(s.cfg.PublicURL, "/") }

// confirmSig signs (advisory, organisation, expiry) for the e-mail link.
func (s *Server) confirmSig(id, org, exp int64) string {
	return s.sealer.Tag("advisory-confirm", fmt.Sprintf("%d.%d.%d", id, org, exp))[:40]
}

// confirmLink is the signed link an e-mail carries; it works until exp
// (30 days after the deadline, or after the publication when there is none).
func (s *Server) confirmLink(a *ceptor.Advisory, org int64) string {
	base := s.now()
	if a.Deadline != nil && a.Deadline.After(base) {
		base = *a.Deadline
	}
	exp := base.Add(30 * 24 * time.Hour).Unix()
	v := url.Values{"org": {strconv.FormatInt(org, 10)}, "exp": {strconv.FormatInt(exp, 10)}, "sig": {s.confirmSig(a.ID, org, exp)}}
	return s.advBaseURL() + "/advisories/" + strconv.FormatInt(a.ID, 10) + "/confirm?" + v.Encode()
}

// checkConfirmLink verifies the link's fields; it returns the organisation.
func (s *Server) checkConfirmLink(id int64, org, exp, sig string) (int64, bool) {
	o, err1 := strconv.ParseInt(org, 10, 64)
	e, err2 := strconv.ParseInt(exp, 10, 64)
	if err1 != nil || err2 != nil || o <= 0 {
		return 0, false
	}
	if !hmac.Equal([]byte(sig), []byte(s.confirmSig(id, o, e))) || s.now().Unix() > e {
		return 0, false
	}
	return o, true
}

// WebhookKey is the current signing key of a contact's webhook (hex);
// the organisation's administrators see it once, when they rotate it
// (webhook_keys_ui.go).
func (s *Server) WebhookKey(ctx context.Context, contactID int64) (string, error) {
	ks, err := s.keyStore()
	if err != nil {
		return "", err
	}
	v, err := ks.WebhookKeyVersion(ctx, contactID)
	if err != nil {
		return "", err
	}
	return s.webhookKeyAt(contactID, v), nil
}

func advEvent(purpose string) string {
	switch {
	case purpose == "reminder":
		return "advisory.reminder"
	case purpose == "v1":
		return "advisory.published"
	}
	return "advisory.corrected"
}

// AdvisoryEmail renders a delivery e-mail in the contact's language.
func (s *Server) AdvisoryEmail(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery) (mail.Message, error) {
	lang := x.Lang
	if lang != "en" {
		lang = "ja"
	}
	t := func(k string, args ...any) string { return i18n.T(lang, k, args...) }
	var prefix string
	if a.Drill {
		prefix = t("adv.mail.drill_prefix")
	}
	kind := t("adv.mail.kind." + advEvent(x.Purpose))
	var subject string
	switch {
	case a.TLP.AtMost(ceptor.TLPAmber):
		subject = fmt.Sprintf("%s【%s】%s", prefix, kind, a.Title)
	default:
		subject = fmt.Sprintf("%s【%s】%s", prefix, kind, t("adv.mail.subject_restricted", a.TLP.Label()))
	}
	var b strings.Builder
	if a.Drill {
		b.WriteString(t("adv.mail.drill_line") + "\n\n")
	}
	b.WriteString(t("adv.mail.intro", a.TLP.Label(), t("adv.cat."+string(a.Category)), t("adv.urgency."+string(a.Urgency))) + "\n\n")
	switch {
	case a.TLP.AtMost(ceptor.TLPGreen):
		b.WriteString(a.Title + "\n\n" + a.Body + "\n\n")
	case a.TLP.AtMost(ceptor.TLPAmber):
		b.WriteString(a.Title + "\n\n" + t("adv.mail.amber_note") + "\n\n")
	default:
		b.WriteString(t("adv.mail.restricted_note") + "\n\n")
	}
	if x.Purpose != "v1" && x.Purpose != "reminder" {
		b.WriteString(t("adv.mail.correction", a.Version) + "\n\n")
	}
	if x.Purpose == "reminder" {
		b.WriteString(t("adv.mail.reminder_note") + "\n\n")
	}
	b.WriteString(t("adv.mail.read") + "\n" + s.advBaseURL() + "/advisories/" + strconv.FormatInt(a.ID, 10) + "\n\n")
	b.WriteString(t("adv.mail.confirm") + "\n" + s.confirmLink(a, x.OrgID) + "\n")
	if a.Deadline != nil {
		b.WriteString("\n" + t("adv.mail.deadline", a.Deadline.In(ceptor.Tokyo).Format("2006-01-02 15:04")) + "\n")
	}
	b.WriteString("\n-- \n" + t("adv.mail.footer") + "\n")
	id := strconv.FormatInt(x.ID, 10)
	return mail.Message{To: []string{x.Address}, Subject: subject, Text: b.String(), ID: "ceptor-advisory-delivery-" + id,
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Ceptor-Delivery": id, "X-Ceptor-Advisory": strconv.FormatInt(a.ID, 10)}}, nil
}

// webhookPayload is the JSON body of a webhook call.
type webhookPayload struct {
	Event      string     `json:"event"`
	DeliveryID int64      `json:"delivery_id"`
	AdvisoryID int64      `json:"advisory_id"`
	Version    int        `json:"version"`
	TLP        string     `json:"tlp"`
	Category   string     `json:"category"`
	Urgency    string     `json:"urgency"`
	Drill      bool       `json:"drill"`
	Title      string     `json:"title,omitempty"`
	Body       string     `json:"body,omitempty"`
	Deadline   *time.Time `json:"deadline,omitempty"`
	URL        string     `json:"url"`
	ConfirmURL string     `json:"confirm_url"`
}

// AdvisoryWebhook renders and signs a webhook call. The signature is
// HMAC-SHA256 over "<timestamp>.<body>" with the contact's key, sent as
// X-Ceptor-Signature: sha256=<hex> next to X-Ceptor-Timestamp.
func (s *Server) AdvisoryWebhook(a *ceptor.Advisory, x *ceptor.AdvisoryDelivery, now time.Time) ([]byte, map[string]string, error) {
	p := webhookPayload{Event: advEvent(x.Purpose), DeliveryID: x.ID, AdvisoryID: a.ID, Version: a.Version, TLP: string(a.TLP),
		Category: string(a.Category), Urgency: string(a.Urgency), Drill: a.Drill, Deadline: a.Deadline,
		URL: s.advBaseURL() + "/advisories/" + strconv.FormatInt(a.ID, 10), ConfirmURL: s.confirmLink(a, x.OrgID)}
	if a.TLP.AtMost(ceptor.TLPAmber) {
		p.Title = a.Title
	}
	if a.TLP.AtMost(ceptor.TLPGreen) {
		p.Body = a.Body
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, nil, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	key, err := s.WebhookKey(context.Background(), x.ContactID)
	if err != nil {
		return nil, nil, err
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return body, map[string]string{
		"X-Ceptor-Event": p.Event, "X-Ceptor-Delivery": strconv.FormatInt(x.ID, 10), "X-Ceptor-Timestamp": ts,
		"X-Ceptor-Signature": "sha256=" + hex.EncodeToString(m.Sum(nil)),
	}, nil
}

// AdvisoryChanged wakes the live pages of an advisory.
func (s *Server) AdvisoryChanged(ctx context.Context, id int64) { s.live.Publish(ctx, advTopic(id)) }

// ---- the e-mail confirmation link ----

type confirmLinkData struct {
	ID        int64
	Org       string
	OrgID     int64
	Exp, Sig  string
	Done      bool
	Already   bool
	Drill     bool
	TLPLabel  string
	Withdrawn bool
}

// confirmLinkPage shows what the link confirms, with a button: a link
// alone (fetched by a mail scanner, say) never confirms anything.
func (s *Server) confirmLinkPage(w http.ResponseWriter, r *http.Request) {
	s.confirmLinkHandle(w, r, false)
}

func (s *Server) confirmLinkSubmit(w http.ResponseWriter, r *http.Request) {
	s.confirmLinkHandle(w, r, true)
}

func (s *Server) confirmLinkHandle(w http.ResponseWriter, r *http.Request, post bool) {
	st := state(r)
	id, ok := parseID(r.PathValue("id"))
	get := r.URL.Query().Get
	if post {
		get = r.PostFormValue
	}
	var org int64
	if ok {
		org, ok = s.checkConfirmLink(id, get("org"), get("exp"), get("sig"))
	}
	if !ok {
		s.fail(w, r, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "the link is not valid or has expired", Key: "adv.err_link"})
		return
	}
	ctx := r.Context()
	a, err := s.store.FindAdvisory(ctx, id)
	if err != nil {
		s.fail(w, r, regNotFound())
		return
	}
	o, err := s.store.FindOrg(ctx, org)
	if err != nil {
		s.fail(w, r, regNotFound())
		return
	}
	d := confirmLinkData{ID: id, Org: o.DisplayName(st.lang), OrgID: org, Exp: get("exp"), Sig: get("sig"), Drill: a.Drill,
		TLPLabel: a.TLP.Label(), Withdrawn: a.Status == ceptor.AdvisoryWithdrawn}
	if rec, err := s.store.AdvisoryRecipient(ctx, id, org); err == nil && rec.State == ceptor.RecipientConfirmed {
		d.Already = true
	}
	if post && !d.Already && !d.Withdrawn {
		changed, err := s.store.ConfirmAdvisory(ctx, id, org, 0, "email", s.now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if changed {
			e := &ceptor.AuditEntry{Action: "advisory.confirm", ObjectType: string(ceptor.KindAdvisory), ObjectID: strconv.FormatInt(id, 10), OrgID: a.OrgID,
				ActorLabel: "email-link", ActorOrgID: org, IP: s.clientIP(r),
				Detail: ceptor.AuditDetail(map[string]any{"org_id": org, "via": "email", "version": a.Version})}
			if err := s.store.AppendAudit(ctx, e); err != nil {
				s.log.Error("audit append failed", "action", e.Action, "err", err)
			}
			s.live.Publish(ctx, advTopic(id))
			s.inboxConfirmed(ctx, org)
		}
		d.Done = true
	}
	s.render(w, r, http.StatusOK, "advisory_confirm", s.page(w, r, i18n.T(st.lang, "adv.confirm_title"), d))
}

// ---- in-app notifications of recipients ----

var _ jobs.AdvisoryNotifier = (*Server)(nil)

// NotifyAdvisoryRecipients tells every recipient organisation that has the
// advisory (not held at a hop) in the application, and by e-mail as its
// people's choices for advisories ask (urgent: high and critical
// urgency). Each organisation is told once per purpose: the claim in
// reminders_sent makes a repeated job skip those already told. The
// message carries the title only up to TLP:AMBER.
func (s *Server) NotifyAdvisoryRecipients(ctx context.Context, id int64, purpose string) error {
	claimer, ok := s.store.(interface {
		ClaimReminder(ctx context.Context, key string, at time.Time) (bool, error)
	})
	if !ok {
		return nil
	}
	a, err := s.store.FindAdvisory(ctx, id)
	if err != nil {
		return err
	}
	if a.Status != ceptor.AdvisoryPublished {
		return nil
	}
	kind, key := "advisory.published", "adv.notify.published"
	if strings.HasPrefix(purpose, "v") && purpose != "v1" {
		kind, key = "advisory.corrected", "adv.notify.corrected"
	}
	title := ceptor.ArgKey("adv.notify.restricted")
	if a.TLP.AtMost(ceptor.TLPAmber) {
		title = ceptor.ArgText(a.Title)
	}
	drill := ceptor.ArgText("")
	if a.Drill {
		drill = ceptor.ArgKey("adv.mail.drill_prefix")
	}
	urgent := a.Urgency == ceptor.UrgencyHigh || a.Urgency == ceptor.UrgencyCritical
	var first error
	for off := 0; ; off += 1000 {
		recs, total, err := s.store.ListRecipients(ctx, id, nil, nil, 1000, off)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Held {
				continue
			}
			ok, err := claimer.ClaimReminder(ctx, fmt.Sprintf("advisory-notify:%d:%s:%d", id, purpose, r.OrgID), s.now())
			if err != nil || !ok {
				if err != nil && first == nil {
					first = err
				}
				continue
			}
			n := &ceptor.Notification{OrgID: r.OrgID, Kind: kind, MessageKey: key, Args: []ceptor.NotificationArg{drill, title},
				Link: "/advisories/" + strconv.FormatInt(id, 10), Urgent: urgent}
			if err := s.Notify(ctx, n); err != nil && first == nil {
				first = err
			}
		}
		if off+len(recs) >= total || len(recs) == 0 {
			break
		}
	}
	return first
}
