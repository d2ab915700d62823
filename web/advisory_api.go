package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"ceptor"
)

// The advisories API (情報提供). Every operation goes through the shared
// operations of advisory_ops.go, so the policy decides the same way as on
// the pages.

// advisoryView is an advisory as its reader may see it.
type advisoryView struct {
	Advisory    *ceptor.Advisory             `json:"advisory"`
	Hops        []ceptor.AdvisoryHop         `json:"hops"`
	Recipient   *ceptor.AdvisoryRecipient    `json:"recipient,omitempty"` // the caller's organisation's own row
	Versions    []ceptor.AdvisoryVersion     `json:"versions"`
	Attachments []*ceptor.AdvisoryAttachment `json:"attachments"`
	Actions     advActions                   `json:"actions"`
}

// advActions says what the caller may do now.
type advActions struct {
	Edit     bool `json:"edit"`
	Review   bool `json:"request_review"`
	Approve  bool `json:"approve"`
	Publish  bool `json:"publish"`
	Correct  bool `json:"correct"`
	Withdraw bool `json:"withdraw"`
	Confirm  bool `json:"confirm"`
	Relay    bool `json:"relay"`
	Receipts bool `json:"receipts"`
}

// publishAnswer is the answer of POST .../publish.
type publishAnswer struct {
	Advisory   *ceptor.Advisory `json:"advisory"`
	Recipients int              `json:"recipients"`
	Hops       int              `json:"hops"`
	Queued     int              `json:"queued_deliveries"`
}

// ackAnswer is the answer of POST .../ack.
type ackAnswer struct {
	// Confirmed: this call recorded the confirmation (false: it had been
	// confirmed before; the first confirmation stands).
	Confirmed bool                      `json:"confirmed"`
	Recipient *ceptor.AdvisoryRecipient `json:"recipient,omitempty"`
}

type withdrawInput struct {
	Reason string `json:"reason"`
}

type relayAdvInput struct {
	Note string `json:"note"`
}

type followUpInput struct {
	Reason ceptor.FollowUpReason `json:"reason"`
	Note   string                `json:"note"`
}

type advCountsAnswer struct {
	Counts []advCount `json:"counts"`
}

type advCount struct {
	FiscalYear int    `json:"fiscal_year"`
	Label      string `json:"label"`
	Advisories int    `json:"advisories"`
}

var advListParams = []apiParam{
	{Name: "status", Description: "State.", Enum: []string{"draft", "in_review", "published", "withdrawn"}},
	{Name: "category", Description: "Category.", Enum: advCategoryNames()},
	{Name: "drill", Type: "boolean", Description: "Only drill (true) or only real (false) advisories."},
	{Name: "issued", Type: "boolean", Description: "Only those issued by the caller's organisation."},
	{Name: "q", Description: "Japanese full-text search over title and body (substring: 標的型 finds 標的型メール)."},
	{Name: "limit", Type: "integer", Description: "Items per page, 1-500 (default 50)."},
	{Name: "offset", Type: "integer", Description: "Items to skip."},
}

var inboxParams = []apiParam{
	{Name: "unconfirmed", Type: "boolean", Description: "Only advisories the organisation has not confirmed."},
	{Name: "unread", Type: "boolean", Description: "Only advisories the caller has not opened."},
	{Name: "category", Description: "Category.", Enum: advCategoryNames()},
	{Name: "drill", Type: "boolean", Description: "Only drill (true) or only real (false) advisories."},
	{Name: "q", Description: "Japanese full-text search over title and body."},
	{Name: "limit", Type: "integer", Description: "Items per page, 1-500 (default 50)."},
	{Name: "offset", Type: "integer", Description: "Items to skip."},
}

func advCategoryNames() []string {
	out := make([]string, len(ceptor.AdvisoryCategories))
	for i, c := range ceptor.AdvisoryCategories {
		out[i] = string(c)
	}
	return out
}

func (s *Server) routesAPIAdvisories() {
	nf := []int{http.StatusNotFound}
	wr := []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	const tlpNote = " Advisories outside the caller's audience, or marked beyond what the caller's organisation may see (TLP), are not found."
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisories", Summary: "List advisories", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "The advisories the caller's organisation issued, received or relays, and (published) those the programme's community may read (TLP:CLEAR and GREEN; NISC also AMBER), newest first." + tlpNote,
		Query:       advListParams, Response: ListResponse[*ceptor.Advisory]{}}, s.apiListAdvisories)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories", Summary: "Write an advisory (draft)", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "NISC for anyone; a ministry for the sectors it oversees; a CEPTOR secretariat for its members; the CEPTOR Council for member CEPTORs. Body is Markdown (a safe subset; raw HTML shows as text). TLP:RED needs an audience of named organisations. Deadline: RFC 3339 or YYYY-MM-DDTHH:MM Japan time.",
		Body:        advisoryInput{}, Response: &advisoryView{}, Status: http.StatusCreated, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiCreateAdvisory)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisories/{id}", Summary: "Get an advisory", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "With its relay chain, versions, attachments, the caller's organisation's receipt state and what the caller may do." + tlpNote,
		Response:    &advisoryView{}, Errors: nf}, s.apiGetAdvisory)
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/advisories/{id}", Summary: "Change a draft", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "Fields left out keep their value. A draft in review loses its approval.",
		Body:        advisoryInput{}, Response: &advisoryView{}, Errors: wr}, s.apiUpdateAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/review", Summary: "Ask a second person to review", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "Moves a draft to in_review. Where the issuing organisation requires four-eyes review, only an approved advisory can be published.",
		Response:    &advisoryView{}, Errors: wr}, s.apiReviewAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/approve", Summary: "Approve an advisory in review", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "By a second person of the issuing organisation, never the author.",
		Response:    &advisoryView{}, Errors: wr}, s.apiApproveAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/publish", Summary: "Publish an advisory", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "Resolves the audience into recipient organisations and the relay chain (NISC → ministry → CEPTOR secretariat → operators; organisations outside any CEPTOR, and TLP:AMBER+STRICT and RED advisories, go directly) and queues every delivery (in-app inbox, e-mail, signed webhook) in the same transaction.",
		Response:    publishAnswer{}, Errors: wr}, s.apiPublishAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/correct", Summary: "Correct a published advisory", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "Stores a new version (note says what changed, required) and tells every recipient already reached. Audience and drill flag stay; the TLP may only narrow.",
		Body:        advisoryInput{}, Response: &advisoryView{}, Errors: wr}, s.apiCorrectAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/withdraw", Summary: "Withdraw a published advisory", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "With a reason; recipients still see it, marked withdrawn.",
		Body:        withdrawInput{}, Response: &advisoryView{}, Errors: wr}, s.apiWithdrawAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/ack", Summary: "Confirm receipt (疎通確認)", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "For the caller's organisation, as a recipient and as a relaying hop. Each organisation confirms once; the first confirmation (time and person) stands.",
		Response:    ackAnswer{}, Errors: wr}, s.apiAckAdvisory)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/relay", Summary: "Relay an advisory held at the caller's organisation", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "For ministries and secretariats that relay by hand: adds the sector note and releases the copies waiting behind the hop.",
		Body:        relayAdvInput{}, Response: publishAnswer{}, Errors: wr}, s.apiRelayAdvisory)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisories/{id}/receipts", Summary: "Receipt summary", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "Recipients, delivered, confirmed, unreachable and the confirmation rate, overall, per hop, per CEPTOR and per sector, and the time to confirm in buckets. The issuer and NISC see everything; a ministry or secretariat sees the organisations it relays to.",
		Response:    &ceptor.ReceiptSummary{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.apiAdvisoryReceipts)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisories/{id}/recipients", Summary: "Recipient organisations and their state", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "Unreachable and unconfirmed first. Same visibility as the receipt summary.",
		Query: []apiParam{{Name: "state", Description: "Only recipients in this state.", Enum: []string{"pending", "delivered", "confirmed", "unreachable"}},
			{Name: "limit", Type: "integer", Description: "Items per page (default 100)."}, {Name: "offset", Type: "integer", Description: "Items to skip."}},
		Response: ListResponse[ceptor.AdvisoryRecipient]{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.apiAdvisoryRecipients)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/recipients/{org}/follow-up", Summary: "Record why an organisation did not confirm", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "By the issuer, NISC, or the ministry or secretariat the organisation receives through. reason: contact_outdated, mail_filtered, absent or other (other needs a note).",
		Body:        followUpInput{}, Response: &ceptor.AdvisoryRecipient{}, Errors: wr}, s.apiAdvisoryFollowUp)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisory-counts", Summary: "Advisories per fiscal year", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "Real advisories published per fiscal year (April-March, Japan time); drills are not counted.",
		Response:    advCountsAnswer{}}, s.apiAdvisoryCounts)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/inbox", Summary: "The caller's organisation's advisory inbox", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "Advisories received, unread (by the caller) and unconfirmed first, with the organisation's receipt state.",
		Query:       inboxParams, Response: ListResponse[ceptor.InboxItem]{}}, s.apiInbox)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisory-settings", Summary: "The caller's organisation's advisory settings", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "four_eyes: advisories need a second person's approval before publishing; manual_relay: the organisation relays advisories itself (with a sector note) instead of passing them on at once.",
		Response:    ceptor.AdvisoryOrgSettings{}}, s.apiAdvisorySettings)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/advisory-settings", Summary: "Change the caller's organisation's advisory settings", Tag: "advisories", Scope: ceptor.ScopeAdmin,
		Description: "Administrators of the organisation (and NISC's).",
		Body:        ceptor.AdvisoryOrgSettings{}, Response: ceptor.AdvisoryOrgSettings{}, Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiSetAdvisorySettings)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisory-webhooks/{contact}/key", Summary: "The signing key of a contact's webhook: that it exists, never the secret", Tag: "advisories", Scope: ceptor.ScopeAdmin,
		Description: "Webhook calls carry X-Ceptor-Delivery (the same on every try: the idempotency key), X-Ceptor-Timestamp and X-Ceptor-Signature: sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\" under the key>. The answer gives the key's version, since when, a fingerprint, the webhook URL and the last delivery; the secret is shown only by a rotation. For those who may change the contact (its organisation's administrators, its secretariat, ministry and NISC).",
		Response:    webhookKeyInfo{}, Errors: []int{http.StatusForbidden, http.StatusNotFound}}, s.apiWebhookKey)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisory-webhooks/{contact}/key/rotate", Summary: "Rotate the signing key of a contact's webhook", Tag: "advisories", Scope: ceptor.ScopeAdmin,
		Description: "Calls are signed with the new key from now on. The answer carries the new secret (key), the only time it is shown.",
		Response:    webhookKeyInfo{}, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}}, s.apiWebhookKeyRotate)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/advisories/{id}/attachments", Summary: "Attach a file to a draft advisory", Tag: "advisories", Scope: ceptor.ScopeWrite,
		Description: "multipart/form-data with the field file, at most 10 MiB. The answer gives the SHA-256 of what was stored.",
		Body:        attachmentUpload{}, BodyContent: "multipart/form-data", Response: &ceptor.AdvisoryAttachment{}, Status: http.StatusCreated, Errors: wr}, s.apiAdvisoryAttach)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/advisory-attachments/{id}", Summary: "Download an advisory attachment", Tag: "advisories", Scope: ceptor.ScopeRead,
		Description: "Always served as application/octet-stream with Content-Disposition: attachment.",
		Response:    []byte{}, ResponseContent: "application/octet-stream", Errors: nf}, s.apiAdvisoryAttachment)
}

// redactAdvisory keeps from readers other than the issuer and NISC which
// organisations were named in the audience: a recipient learns that it
// was addressed, not who else was (a named list can tell who was hit).
func redactAdvisory(a *ceptor.Advisory, actor *ceptor.Actor) *ceptor.Advisory {
	if a == nil || actor.OrgID == a.OrgID || actor.OrgType == ceptor.OrgNISC || len(a.Audience.OrgIDs) == 0 {
		return a
	}
	c := *a
	c.Audience.OrgIDs = nil
	if slices.Contains(a.Audience.OrgIDs, actor.OrgID) {
		c.Audience.OrgIDs = []int64{actor.OrgID}
	}
	return &c
}

// advView builds the view of an advisory the caller may see.
func (s *Server) advView(ctx context.Context, st *reqState, a *ceptor.Advisory, res ceptor.Resource) (*advisoryView, error) {
	a = redactAdvisory(a, st.actor)
	v := &advisoryView{Advisory: a, Hops: []ceptor.AdvisoryHop{}, Versions: []ceptor.AdvisoryVersion{}, Attachments: []*ceptor.AdvisoryAttachment{}}
	var err error
	out := a.Status == ceptor.AdvisoryPublished || a.Status == ceptor.AdvisoryWithdrawn
	if out {
		if v.Hops, err = s.store.AdvisoryHops(ctx, a.ID); err != nil {
			return nil, err
		}
		if v.Hops == nil || !a.TLP.AtMost(ceptor.TLPAmber) {
			v.Hops = []ceptor.AdvisoryHop{}
		}
		if vs, err := s.store.AdvisoryVersions(ctx, a.ID); err != nil {
			return nil, err
		} else if vs != nil {
			v.Versions = vs
		}
		if rec, err := s.store.AdvisoryRecipient(ctx, a.ID, st.actor.OrgID); err == nil {
			v.Recipient = rec
		} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			return nil, err
		}
	}
	if atts, err := s.store.ListAdvisoryAttachments(ctx, a.ID); err != nil {
		return nil, err
	} else if atts != nil {
		v.Attachments = atts
	}
	act := st.actor
	v.Actions = advActions{
		Edit:     ceptor.Allow(act, ceptor.ActUpdate, res),
		Review:   a.Status == ceptor.AdvisoryDraft && ceptor.Allow(act, ceptor.ActUpdate, res),
		Approve:  !a.Approved && ceptor.Allow(act, ceptor.ActReview, res),
		Publish:  !out && ceptor.Allow(act, ceptor.ActPublish, res),
		Correct:  a.Status == ceptor.AdvisoryPublished && ceptor.Allow(act, ceptor.ActPublish, res),
		Withdraw: ceptor.Allow(act, ceptor.ActDeactivate, res),
		Receipts: ceptor.Allow(act, ceptor.ActExport, res),
	}
	hopPending := false
	for _, h := range v.Hops {
		if h.OrgID == act.OrgID && h.ReceivedAt != nil && h.RelayedAt == nil {
			hopPending = true
		}
	}
	v.Actions.Relay = hopPending && ceptor.Allow(act, ceptor.ActRelay, res)
	confirmed := v.Recipient != nil && v.Recipient.State == ceptor.RecipientConfirmed
	for _, h := range v.Hops {
		if h.OrgID == act.OrgID && v.Recipient == nil {
			confirmed = h.ConfirmedAt != nil
		}
	}
	isRecipient := v.Recipient != nil || slices.ContainsFunc(v.Hops, func(h ceptor.AdvisoryHop) bool { return h.OrgID == act.OrgID && h.ReceivedAt != nil })
	v.Actions.Confirm = isRecipient && !confirmed && ceptor.Allow(act, ceptor.ActConfirm, res)
	return v, nil
}

func (s *Server) apiAdvisoryAnswer(w http.ResponseWriter, r *http.Request, st *reqState, status int, id int64) {
	a, res, err := s.findAdvisory(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.advView(r.Context(), st, a, res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func boolParam(r *http.Request, name string) *bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	b := v == "true" || v == "1" || v == "on"
	return &b
}

// listAdvisories returns the page of advisories the caller may see.
func (s *Server) listAdvisories(ctx context.Context, st *reqState, f ceptor.AdvisoryFilter) ([]*ceptor.Advisory, int, error) {
	f.Viewer = st.actor
	list, total, err := s.store.ListAdvisories(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*ceptor.Advisory, 0, len(list))
	for _, a := range list {
		var hops []int64
		if a.ViewerHop {
			hops = []int64{st.actor.OrgID}
		}
		if ceptor.Allow(st.actor, ceptor.ActView, ceptor.AdvisoryResource(a, hops, ceptor.AdvisoryReach{}, false, false)) {
			out = append(out, redactAdvisory(a, st.actor))
		} else {
			total--
		}
	}
	return out, total, nil
}

func (s *Server) apiListAdvisories(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := ceptor.AdvisoryFilter{Status: ceptor.AdvisoryStatus(q.Get("status")), Category: ceptor.AdvisoryCategory(q.Get("category")),
		Drill: boolParam(r, "drill"), Q: q.Get("q"), Limit: limit, Offset: offset}
	if b := boolParam(r, "issued"); b != nil {
		f.Issued = *b
	}
	list, total, err := s.listAdvisories(r.Context(), st, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, list, total, limit, offset))
}

func (s *Server) apiCreateAdvisory(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in advisoryInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.advCreate(r, st, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiAdvisoryAnswer(w, r, st, http.StatusCreated, a.ID)
}

func (s *Server) apiGetAdvisory(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.apiAdvisoryAnswer(w, r, st, http.StatusOK, id)
}

// apiAdvisoryOp runs an operation on advisory {id} and answers with its view.
func (s *Server) apiAdvisoryOp(w http.ResponseWriter, r *http.Request, body any, op func(st *reqState, id int64) error) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if body != nil {
		if err := decodeJSON(r, body); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := op(st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiAdvisoryAnswer(w, r, st, http.StatusOK, id)
}

func (s *Server) apiUpdateAdvisory(w http.ResponseWriter, r *http.Request) {
	var in advisoryInput
	s.apiAdvisoryOp(w, r, &in, func(st *reqState, id int64) error { _, err := s.advUpdate(r, st, id, &in); return err })
}

func (s *Server) apiReviewAdvisory(w http.ResponseWriter, r *http.Request) {
	s.apiAdvisoryOp(w, r, nil, func(st *reqState, id int64) error {
		_, err := s.advStatus(r, st, id, ceptor.AdvisoryInReview)
		return err
	})
}

func (s *Server) apiApproveAdvisory(w http.ResponseWriter, r *http.Request) {
	s.apiAdvisoryOp(w, r, nil, func(st *reqState, id int64) error { _, err := s.advApprove(r, st, id); return err })
}

func (s *Server) apiCorrectAdvisory(w http.ResponseWriter, r *http.Request) {
	var in advisoryInput
	s.apiAdvisoryOp(w, r, &in, func(st *reqState, id int64) error { _, err := s.advCorrect(r, st, id, &in); return err })
}

func (s *Server) apiWithdrawAdvisory(w http.ResponseWriter, r *http.Request) {
	var in withdrawInput
	s.apiAdvisoryOp(w, r, &in, func(st *reqState, id int64) error { _, err := s.advWithdraw(r, st, id, in.Reason); return err })
}

func (s *Server) apiPublishAdvisory(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	a, pr, err := s.advPublish(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publishAnswer{Advisory: a, Recipients: pr.Recipients, Hops: pr.Hops, Queued: len(pr.Deliveries)})
}

func (s *Server) apiRelayAdvisory(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	var in relayAdvInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	pr, err := s.advRelay(r, st, id, in.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, _ := s.store.FindAdvisory(r.Context(), id)
	writeJSON(w, http.StatusOK, publishAnswer{Advisory: a, Recipients: pr.Recipients, Queued: len(pr.Deliveries)})
}

func (s *Server) apiAckAdvisory(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	changed, err := s.advConfirm(r, st, id, "api")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans := ackAnswer{Confirmed: changed}
	if rec, err := s.store.AdvisoryRecipient(r.Context(), id, st.actor.OrgID); err == nil {
		ans.Recipient = rec
	}
	writeJSON(w, http.StatusOK, ans)
}

func (s *Server) apiAdvisoryReceipts(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	_, sum, err := s.advReceipts(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (s *Server) apiAdvisoryRecipients(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	a, _, err := s.advReceipts(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var states []ceptor.RecipientState
	if v := r.URL.Query().Get("state"); v != "" {
		states = append(states, ceptor.RecipientState(v))
	}
	list, total, err := s.store.ListRecipients(r.Context(), id, advVia(st.actor, a), states, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []ceptor.AdvisoryRecipient{}
	}
	writeJSON(w, http.StatusOK, newList(r, list, total, limit, offset))
}

func (s *Server) apiAdvisoryFollowUp(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	org, ok := s.pathID(w, r, "org")
	if !ok {
		return
	}
	var in followUpInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.advFollowUp(r, st, id, org, in.Reason, in.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.store.AdvisoryRecipient(r.Context(), id, org)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) apiAdvisoryCounts(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	counts, err := s.store.AdvisoryCounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans := advCountsAnswer{Counts: []advCount{}}
	for fy, n := range counts {
		ans.Counts = append(ans.Counts, advCount{FiscalYear: fy, Label: ceptor.FiscalYearLabel(fy, st.lang), Advisories: n})
	}
	slices.SortFunc(ans.Counts, func(a, b advCount) int { return a.FiscalYear - b.FiscalYear })
	writeJSON(w, http.StatusOK, ans)
}

// inboxFilter reads the inbox filters of a request.
func inboxFilter(r *http.Request, st *reqState) ceptor.InboxFilter {
	q := r.URL.Query()
	f := ceptor.InboxFilter{OrgID: st.actor.OrgID, UserID: st.actor.UserID, Category: ceptor.AdvisoryCategory(q.Get("category")),
		Drill: boolParam(r, "drill"), Q: q.Get("q")}
	if b := boolParam(r, "unconfirmed"); b != nil {
		f.Unconfirmed = *b
	}
	if b := boolParam(r, "unread"); b != nil {
		f.Unread = *b
	}
	return f
}

// inbox returns the caller's inbox, each item asked of the policy.
func (s *Server) inbox(ctx context.Context, st *reqState, f ceptor.InboxFilter) ([]ceptor.InboxItem, int, error) {
	items, total, err := s.store.Inbox(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ceptor.InboxItem, 0, len(items))
	for _, it := range items {
		if ceptor.Allow(st.actor, ceptor.ActView, ceptor.AdvisoryResource(it.Advisory, nil, ceptor.AdvisoryReach{}, false, false)) {
			it.Advisory = redactAdvisory(it.Advisory, st.actor)
			out = append(out, it)
		} else {
			total--
		}
	}
	return out, total, nil
}

func (s *Server) apiInbox(w http.ResponseWriter, r *http.Request) {
	apiPagedList(s, w, r, func(ctx context.Context, st *reqState, limit, offset int) ([]ceptor.InboxItem, int, error) {
		f := inboxFilter(r, st)
		f.Limit, f.Offset = limit, offset
		return s.inbox(ctx, st, f)
	})
}

func (s *Server) apiAdvisoryAttach(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	att, err := s.advAttach(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, att)
}

// advAttach stores an uploaded file with a draft the caller may edit.
func (s *Server) advAttach(r *http.Request, st *reqState, id int64) (*ceptor.AdvisoryAttachment, error) {
	a, res, err := s.findAdvisory(r.Context(), st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, res); err != nil {
		return nil, err
	}
	name, ct, data, err := readAttachmentUpload(r)
	if err != nil {
		return nil, err
	}
	att := &ceptor.AdvisoryAttachment{AdvisoryID: id, FileName: name, ContentType: ct}
	if err := s.store.AddAdvisoryAttachment(r.Context(), att, data); err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.attach", a, map[string]any{"file": att.FileName, "sha256": att.SHA256, "size": att.Size})
	return att, nil
}

// advAttachment returns a file of an advisory the caller may see.
func (s *Server) advAttachment(r *http.Request, st *reqState, aid int64) (*ceptor.AdvisoryAttachment, []byte, error) {
	att, data, err := s.store.AdvisoryAttachmentData(r.Context(), aid)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil, regNotFound()
		}
		return nil, nil, err
	}
	if _, _, err := s.findAdvisory(r.Context(), st.actor, att.AdvisoryID); err != nil {
		return nil, nil, err
	}
	return att, data, nil
}

func (s *Server) apiAdvisoryAttachment(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	aid, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	att, data, err := s.advAttachment(r, st, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeDownload(w, att.FileName, data)
}

// advIDString formats an id for links.
func advIDString(id int64) string { return strconv.FormatInt(id, 10) }

func (s *Server) apiAdvisorySettings(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	set, err := s.store.AdvisoryOrgSettings(r.Context(), st.actor.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

func (s *Server) apiSetAdvisorySettings(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in ceptor.AdvisoryOrgSettings
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := regAuthorize(st, ceptor.ActUpdateProfile, ceptor.OrgResource(ceptor.KindOrg, st.org)); err != nil {
		s.fail(w, r, err)
		return
	}
	in.OrgID = st.actor.OrgID
	if err := s.store.SetAdvisoryOrgSettings(r.Context(), in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "advisory.settings", ceptor.KindOrg, in.OrgID, in.OrgID, map[string]any{"four_eyes": in.FourEyes, "manual_relay": in.ManualRelay})
	writeJSON(w, http.StatusOK, in)
}
