package web

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

// The operations on advisories (情報提供) that pages and the API share.
// Each asks the policy with the advisory's full Resource (issuer, author,
// TLP, hops, audience, reach, four-eyes state) before it reads or changes
// anything, and audits what it changed.

// advisoryQueue queues delivery jobs in the caller's transaction (jobs.Queue).
type advisoryQueue interface {
	EnqueueDeliveriesTx(ctx context.Context, tx *sql.Tx, ids []int64) error
	EnqueueAdvisoryNotifyTx(ctx context.Context, tx *sql.Tx, id int64, purpose string) error
}

// advisoryExtra is storage the advisory pages use beyond ceptor.AdvisoryService.
type advisoryExtra interface {
	FollowUpList(ctx context.Context, orgID int64, ministry bool, limit int) ([]ceptor.AdvisoryRecipient, error)
	DeliveryCounts(ctx context.Context, id int64) (map[string]map[string]int, error)
}

// advTopic is the live topic of one advisory's receipts.
func advTopic(id int64) string { return "advisory:" + strconv.FormatInt(id, 10) }

// advisoryInput is what an author sends (API body and form).
type advisoryInput struct {
	Title      *string                  `json:"title,omitempty"`
	Body       *string                  `json:"body,omitempty"` // Markdown (safe subset; raw HTML is shown as text)
	Category   *ceptor.AdvisoryCategory `json:"category,omitempty"`
	Urgency    *ceptor.Urgency          `json:"urgency,omitempty"`
	TLP        *string                  `json:"tlp,omitempty"`
	Source     *ceptor.AdvisorySource   `json:"source,omitempty"`
	SourceName *string                  `json:"source_name,omitempty"`
	Audience   *ceptor.Audience         `json:"audience,omitempty"`
	// Deadline for confirming receipt: RFC 3339, or YYYY-MM-DDTHH:MM in Japan time; "" clears it.
	Deadline *string `json:"deadline,omitempty"`
	Drill    *bool   `json:"drill,omitempty"`
	// Note: what a correction changed (required when correcting).
	Note *string `json:"note,omitempty"`
}

// apply copies the given fields onto a.
func (in *advisoryInput) apply(a *ceptor.Advisory) error {
	f := map[string]string{}
	if in.Title != nil {
		a.Title = *in.Title
	}
	if in.Body != nil {
		a.Body = *in.Body
	}
	if in.Category != nil {
		a.Category = *in.Category
	}
	if in.Urgency != nil {
		a.Urgency = *in.Urgency
	}
	if in.TLP != nil {
		if t, ok := ceptor.ParseTLP(*in.TLP); ok {
			a.TLP = t
		} else {
			f["tlp"] = "err.tlp"
		}
	}
	if in.Source != nil {
		a.Source = *in.Source
	}
	if in.SourceName != nil {
		a.SourceName = *in.SourceName
	}
	if in.Audience != nil {
		a.Audience = *in.Audience
	}
	if in.Deadline != nil {
		if strings.TrimSpace(*in.Deadline) == "" {
			a.Deadline = nil
		} else if t, ok := parseAdvTime(*in.Deadline); ok {
			a.Deadline = &t
		} else {
			f["deadline"] = "adv.err_datetime"
		}
	}
	if in.Drill != nil {
		a.Drill = *in.Drill
		if !a.Drill && a.Category == ceptor.CatDrill {
			a.Category = ceptor.CatAlert
		}
	}
	if in.Note != nil {
		a.Note = *in.Note
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	return a.Validate()
}

// parseAdvTime reads RFC 3339 or a datetime-local value in Japan time.
func parseAdvTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, ceptor.Tokyo); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// advReach works out what an audience reaches, for the policy.
func (s *Server) advReach(ctx context.Context, aud ceptor.Audience) (ceptor.AdvisoryReach, error) {
	ceptors, err := s.store.ListCeptors(ctx)
	if err != nil {
		return ceptor.AdvisoryReach{}, err
	}
	var ferr error
	reach := ceptor.ComputeReach(aud, ceptors, func(id int64) *ceptor.Organization {
		o, err := s.store.FindOrg(ctx, id)
		if err != nil {
			if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
				ferr = err
			}
			return nil
		}
		return o
	})
	return reach, ferr
}

// advResource describes an advisory for the policy, as actor asks about
// it. Only the issuer's own actions (publish, correct) depend on what the
// audience reaches, which costs a registry read per named organisation;
// for everyone else it is left empty.
func (s *Server) advResource(ctx context.Context, a *ceptor.Advisory, actor *ceptor.Actor) (ceptor.Resource, error) {
	var hops []int64
	if a.Status == ceptor.AdvisoryPublished || a.Status == ceptor.AdvisoryWithdrawn {
		var err error
		if hops, err = s.store.HopOrgIDs(ctx, a.ID); err != nil {
			return ceptor.Resource{}, err
		}
	}
	var reach ceptor.AdvisoryReach
	if actor != nil && actor.OrgID == a.OrgID {
		var err error
		if reach, err = s.advReach(ctx, a.Audience); err != nil {
			return ceptor.Resource{}, err
		}
	}
	set, err := s.store.AdvisoryOrgSettings(ctx, a.OrgID)
	if err != nil {
		return ceptor.Resource{}, err
	}
	return ceptor.AdvisoryResource(a, hops, reach, set.FourEyes, a.Approved), nil
}

// findAdvisory returns an advisory the actor may see (ENOTFOUND otherwise)
// with its policy resource.
func (s *Server) findAdvisory(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.Advisory, ceptor.Resource, error) {
	adv, err := s.store.FindAdvisory(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, ceptor.Resource{}, regNotFound()
		}
		return nil, ceptor.Resource{}, err
	}
	res, err := s.advResource(ctx, adv, a)
	if err != nil {
		return nil, ceptor.Resource{}, err
	}
	if !ceptor.Allow(a, ceptor.ActView, res) {
		return nil, ceptor.Resource{}, regNotFound()
	}
	return adv, res, nil
}

func (s *Server) auditAdvisory(r *http.Request, action string, a *ceptor.Advisory, detail map[string]any) {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["version"] = a.Version
	if a.Drill {
		detail["drill"] = true
	}
	s.audit(r, action, ceptor.KindAdvisory, a.ID, a.OrgID, detail)
}

// advCreate stores a new draft of the caller's organisation.
func (s *Server) advCreate(r *http.Request, st *reqState, in *advisoryInput) (*ceptor.Advisory, error) {
	ctx := r.Context()
	a := &ceptor.Advisory{OrgID: st.actor.OrgID, AuthorID: st.actor.UserID, Status: ceptor.AdvisoryDraft}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	reach, err := s.advReach(ctx, a.Audience)
	if err != nil {
		return nil, err
	}
	res := ceptor.AdvisoryResource(a, nil, reach, false, false)
	if err := regAuthorize(st, ceptor.ActCreate, res); err != nil {
		return nil, err
	}
	if err := s.store.CreateAdvisory(ctx, a); err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.create", a, map[string]any{"tlp": string(a.TLP), "category": string(a.Category)})
	return a, nil
}

// advUpdate changes a draft.
func (s *Server) advUpdate(r *http.Request, st *reqState, id int64, in *advisoryInput) (*ceptor.Advisory, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, res); err != nil {
		return nil, err
	}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	// The new audience must be one the issuer may address.
	reach, err := s.advReach(ctx, a.Audience)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.AdvisoryResource(a, nil, reach, false, false)); err != nil {
		return nil, err
	}
	if err := s.store.UpdateAdvisory(ctx, a); err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.update", a, nil)
	return s.store.FindAdvisory(ctx, id)
}

// advStatus sends a draft for review (in_review) or back to draft.
func (s *Server) advStatus(r *http.Request, st *reqState, id int64, to ceptor.AdvisoryStatus) (*ceptor.Advisory, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	act := ceptor.ActUpdate
	if to == ceptor.AdvisoryDraft && a.Status == ceptor.AdvisoryInReview && a.AuthorID != st.actor.UserID {
		act = ceptor.ActReview // a reviewer sends it back
	}
	if err := regAuthorize(st, act, res); err != nil {
		return nil, err
	}
	if err := s.store.SetAdvisoryStatus(ctx, id, to, "", s.now()); err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory."+string(to), a, nil)
	return s.store.FindAdvisory(ctx, id)
}

// advApprove records a second person's approval.
func (s *Server) advApprove(r *http.Request, st *reqState, id int64) (*ceptor.Advisory, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActReview, res); err != nil {
		return nil, err
	}
	if err := s.store.ApproveAdvisory(ctx, id, st.actor.UserID); err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.approve", a, nil)
	return s.store.FindAdvisory(ctx, id)
}

// enqueueDeliveries queues delivery jobs in the ambient transaction.
func (s *Server) enqueueDeliveries(ctx context.Context, ids []int64) error {
	return s.enqueueAdvisoryJobs(ctx, ids, 0, "")
}

// enqueueAdvisoryJobs queues delivery jobs in the ambient transaction, and
// the in-app notification of the recipients (purpose "" for none).
func (s *Server) enqueueAdvisoryJobs(ctx context.Context, ids []int64, advisoryID int64, purpose string) error {
	if len(ids) == 0 && purpose == "" {
		return nil
	}
	q, ok := s.jobs.email.(advisoryQueue)
	if !ok || q == nil {
		// No queue (a test server): the rows stay queued for a node's sweeper.
		return nil
	}
	var tx *sql.Tx
	if at, ok := s.store.(interface{ AmbientTx(context.Context) *sql.Tx }); ok {
		tx = at.AmbientTx(ctx)
	}
	if tx == nil {
		return ceptor.Errorf(ceptor.EINTERNAL, "deliveries must be queued inside the publishing transaction")
	}
	if purpose != "" {
		if err := q.EnqueueAdvisoryNotifyTx(ctx, tx, advisoryID, purpose); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return q.EnqueueDeliveriesTx(ctx, tx, ids)
}

// advPublish publishes a draft: recipients, hops, deliveries and their
// jobs commit together, or nothing does.
func (s *Server) advPublish(r *http.Request, st *reqState, id int64) (*ceptor.Advisory, *ceptor.PublishResult, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, nil, err
	}
	if a.Status == ceptor.AdvisoryPublished || a.Status == ceptor.AdvisoryWithdrawn {
		return nil, nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "already published", Key: "adv.err_state"}
	}
	if err := regAuthorize(st, ceptor.ActPublish, res); err != nil {
		if res.Advisory.NeedsReview && !res.Advisory.Approved && ceptor.Allow(st.actor, ceptor.ActUpdate, res) {
			return nil, nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "a second person must approve first", Key: "adv.err_needs_review"}
		}
		return nil, nil, err
	}
	var pr *ceptor.PublishResult
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if pr, err = s.store.PublishAdvisory(ctx, id, s.now()); err != nil {
			return err
		}
		return s.enqueueAdvisoryJobs(ctx, pr.Deliveries, id, "v1")
	})
	if err != nil {
		return nil, nil, err
	}
	s.auditAdvisory(r, "advisory.publish", a, map[string]any{"recipients": pr.Recipients, "hops": pr.Hops, "tlp": string(a.TLP)})
	s.live.Publish(ctx, advTopic(id))
	s.inboxArrived(ctx)
	a, err = s.store.FindAdvisory(ctx, id)
	return a, pr, err
}

// advCorrect publishes a new version of a published advisory.
func (s *Server) advCorrect(r *http.Request, st *reqState, id int64, in *advisoryInput) (*ceptor.Advisory, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if a.Status != ceptor.AdvisoryPublished {
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "only published advisories are corrected", Key: "adv.err_state"}
	}
	if err := regAuthorize(st, ceptor.ActPublish, res); err != nil {
		return nil, err
	}
	in.Audience, in.Drill = nil, nil // fixed at publication
	a.Note = ""
	if err := in.apply(a); err != nil {
		return nil, err
	}
	a.AuthorID = st.actor.UserID
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		pr, err := s.store.CorrectAdvisory(ctx, a, s.now())
		if err != nil {
			return err
		}
		return s.enqueueAdvisoryJobs(ctx, pr.Deliveries, a.ID, "v"+strconv.Itoa(a.Version))
	})
	if err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.correct", a, map[string]any{"note": a.Note})
	s.live.Publish(ctx, advTopic(id))
	s.inboxArrived(ctx)
	return s.store.FindAdvisory(ctx, id)
}

// advWithdraw withdraws a published advisory.
func (s *Server) advWithdraw(r *http.Request, st *reqState, id int64, reason string) (*ceptor.Advisory, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActDeactivate, res); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, ceptor.Invalid(map[string]string{"reason": "err.required"})
	}
	if err := s.store.SetAdvisoryStatus(ctx, id, ceptor.AdvisoryWithdrawn, reason, s.now()); err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.withdraw", a, map[string]any{"reason": reason})
	s.live.Publish(ctx, advTopic(id))
	s.inboxArrived(ctx)
	return s.store.FindAdvisory(ctx, id)
}

// advConfirm records the caller's organisation's confirmation of receipt.
func (s *Server) advConfirm(r *http.Request, st *reqState, id int64, via string) (bool, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return false, err
	}
	if err := regAuthorize(st, ceptor.ActConfirm, res); err != nil {
		return false, err
	}
	changed, err := s.store.ConfirmAdvisory(ctx, id, st.actor.OrgID, st.actor.UserID, via, s.now())
	if err != nil {
		return false, err
	}
	if changed {
		s.auditAdvisory(r, "advisory.confirm", a, map[string]any{"org_id": st.actor.OrgID, "via": via})
		s.live.Publish(ctx, advTopic(id))
		s.inboxConfirmed(ctx, st.actor.OrgID)
	}
	return changed, nil
}

// advRelay passes the advisory on from the caller's organisation (a hop
// that relays by hand), with its sector note.
func (s *Server) advRelay(r *http.Request, st *reqState, id int64, note string) (*ceptor.PublishResult, error) {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActRelay, res); err != nil {
		return nil, err
	}
	var pr *ceptor.PublishResult
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if pr, err = s.store.RelayAdvisory(ctx, id, st.actor.OrgID, st.actor.UserID, note, s.now()); err != nil {
			return err
		}
		return s.enqueueAdvisoryJobs(ctx, pr.Deliveries, id, "relay")
	})
	if err != nil {
		return nil, err
	}
	s.auditAdvisory(r, "advisory.relay", a, map[string]any{"org_id": st.actor.OrgID, "released": pr.Recipients})
	s.live.Publish(ctx, advTopic(id))
	s.inboxArrived(ctx)
	return pr, nil
}

// advVia returns the hops whose recipients the caller sees in the receipt
// picture: nil (everything) for the issuer and NISC, else its own.
func advVia(a *ceptor.Actor, adv *ceptor.Advisory) []int64 {
	if a.OrgID == adv.OrgID || a.OrgType == ceptor.OrgNISC {
		return nil
	}
	return []int64{a.OrgID}
}

// advReceipts returns the receipt summary the caller may see.
func (s *Server) advReceipts(ctx context.Context, st *reqState, id int64) (*ceptor.Advisory, *ceptor.ReceiptSummary, error) {
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return nil, nil, err
	}
	if err := regAuthorize(st, ceptor.ActExport, res); err != nil {
		return nil, nil, err
	}
	sum, err := s.store.ReceiptSummary(ctx, id, advVia(st.actor, a))
	return a, sum, err
}

// advFollowUp records why a recipient behind the caller did not confirm.
func (s *Server) advFollowUp(r *http.Request, st *reqState, id, orgID int64, reason ceptor.FollowUpReason, note string) error {
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		return err
	}
	if err := regAuthorize(st, ceptor.ActFollowUp, res); err != nil {
		return err
	}
	rec, err := s.store.AdvisoryRecipient(ctx, id, orgID)
	if err != nil {
		return err
	}
	if via := advVia(st.actor, a); via != nil && !slices.Contains(via, rec.MinistryHop) && !slices.Contains(via, rec.CeptorHop) {
		return regNotFound()
	}
	if err := s.store.RecordFollowUp(ctx, id, orgID, reason, note, st.actor.UserID, s.now()); err != nil {
		return err
	}
	s.auditAdvisory(r, "advisory.follow_up", a, map[string]any{"org_id": orgID, "reason": string(reason)})
	s.live.Publish(ctx, advTopic(id))
	return nil
}
