package web

import (
	"context"
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"ceptor"
)

// The operations on reports upward (情報連絡). Each one asks the policy,
// changes the store, writes the audit entry and tells the organisations that
// must act; the pages and the API both call them.
//
// Anonymity of the anonymous route holds here: the reporter's organisation
// and person are stored only sealed (SealedIdentity); audit entries of the
// reporter's own actions name no one (the real actor is sealed into the
// detail); nothing is sent to the reporter's organisation that would link it
// to the report; and every request acting as the reporter of an anonymous
// report keeps the caller out of the request log (markAnonymous).

// reportReviewStore is the storage of the secretariat's review of anonymous
// reports (sqldb implements it beyond ceptor.ReportService).
type reportReviewStore interface {
	// HeldFollowUp returns the follow-up waiting for review, ENOTFOUND when none.
	HeldFollowUp(ctx context.Context, id int64) (*ceptor.Report, error)
	// WithheldAttachments returns the ids of the attachments hidden from upstream.
	WithheldAttachments(ctx context.Context, reportID int64) (map[int64]bool, error)
	// RelayReportWithheld relays and sets the withheld attachments in one transaction.
	RelayReportWithheld(ctx context.Context, id, fromOrg int64, note string, actorUserID int64, redacted *ceptor.Report, withheld []int64) error
}

// review returns the review storage, or ENOTIMPL: without it anonymous
// reports cannot be relayed safely.
func (s *Server) review() (reportReviewStore, error) {
	if rs, ok := s.store.(reportReviewStore); ok {
		return rs, nil
	}
	return nil, &ceptor.Error{Code: ceptor.ENOTIMPL, Message: "report review is not available", Key: "err.not_impl"}
}

// reportIdentity is what SealedIdentity holds.
type reportIdentity struct {
	OrgID  int64 `json:"org_id"`
	UserID int64 `json:"user_id"`
}

const (
	identityAAD   = "report-identity"
	auditActorAAD = "audit-actor"
	// weakAnonymity is the CEPTOR size below which "a member of CEPTOR X"
	// says too much.
	weakAnonymity = 5
)

// reportResource is the report as the policy sees it.
func reportResource(rep *ceptor.Report, ref *ceptor.ReportRef) ceptor.Resource {
	res := ref.Resource()
	if res.OwnerTag == "" {
		res.OwnerTag = rep.ReporterTag
	}
	return res
}

// reportRoles says whether the actor is the report's reporter (its own
// organisation, by id or by keyed tag) and whether it is the secretariat
// that reviews and redacts it (the first hop of the anonymous route).
func reportRoles(a *ceptor.Actor, rep *ceptor.Report, ref *ceptor.ReportRef) (own, redactor bool) {
	own = ref.ReporterOrg != 0 && ref.ReporterOrg == a.OrgID || rep.ReporterTag != "" && rep.ReporterTag == a.OrgTag
	redactor = !own && rep.Route == ceptor.RouteAnonymous && len(ref.ChainOrgs) > 0 && ref.ChainOrgs[0] == a.OrgID &&
		a.OrgType == ceptor.OrgSecretariat && slices.Contains(a.RunsCeptors, rep.CeptorID)
	return own, redactor
}

// findReport returns a report the actor may see; ENOTFOUND otherwise,
// whether or not it exists.
func (s *Server) findReport(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.Report, *ceptor.ReportRef, error) {
	rep, ref, err := s.store.FindReport(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil, regNotFound()
		}
		return nil, nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, reportResource(rep, ref)) {
		return nil, nil, regNotFound()
	}
	return rep, ref, nil
}

// findOwnReport returns a report of the actor's organisation that it may
// change; a report it may see but not change is EFORBIDDEN. A request about
// an anonymous report of its own leaves the log without the caller.
func (s *Server) findOwnReport(r *http.Request, st *reqState, id int64) (*ceptor.Report, *ceptor.ReportRef, error) {
	rep, ref, err := s.findReport(r.Context(), st.actor, id)
	if err != nil {
		return nil, nil, err
	}
	if own, _ := reportRoles(st.actor, rep, ref); own && rep.Route == ceptor.RouteAnonymous {
		markAnonymous(r)
	}
	if err := regAuthorize(st, ceptor.ActUpdate, reportResource(rep, ref)); err != nil {
		return nil, nil, err
	}
	return rep, ref, nil
}

func reportStateError(key string) error {
	return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the report's state does not allow this", Key: key}
}

// ---- validation against the registry ----

// checkReportRefs adds the problems only the registry can see: sectors,
// CEPTOR membership for the anonymous route, the supplier.
func (s *Server) checkReportRefs(ctx context.Context, a *ceptor.Actor, rep *ceptor.Report, f map[string]string) error {
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return err
	}
	if rep.SectorID != 0 {
		if sec, ok := rf.sectorByID[rep.SectorID]; !ok || !sec.Active {
			f["sector_id"] = "registry.err.unknown_sector"
		}
	}
	if rep.SpilloverSectorID != 0 {
		if _, ok := rf.sectorByID[rep.SpilloverSectorID]; !ok {
			f["spillover_sector_id"] = "registry.err.unknown_sector"
		}
	}
	if rep.Route == ceptor.RouteAnonymous && rep.CeptorID != 0 {
		c, ok := rf.ceptorByID[rep.CeptorID]
		switch {
		case !ok || !c.Active:
			f["ceptor_id"] = "registry.err.unknown_ceptor"
		case !slices.Contains(a.CeptorIDs, rep.CeptorID):
			// Only a member hides among the members.
			f["ceptor_id"] = "rep.err.not_member"
		}
	}
	if rep.SupplierOrgID != 0 {
		o, err := s.store.FindOrg(ctx, rep.SupplierOrgID)
		if err != nil && ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			return err
		}
		if err != nil || o.Type != ceptor.OrgSupplier || !o.Active {
			f["supplier_org_id"] = "rep.err.supplier"
		}
	}
	return nil
}

// buildReport turns input into a validated report for the actor.
func (s *Server) buildReport(ctx context.Context, st *reqState, in reportInput, draft bool) (*ceptor.Report, error) {
	a := st.actor
	if in.TLP == "" {
		in.TLP = ceptor.TLPAmber
	}
	if in.Lang == "" {
		in.Lang = st.lang
	}
	if in.SectorID == 0 && len(a.SectorIDs) > 0 {
		in.SectorID = a.SectorIDs[0]
	}
	rep, err := in.toReport(draft, s.now())
	f := map[string]string{}
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			return nil, err
		}
		maps.Copy(f, ceptor.ErrorFields(err))
		// The registry checks still run, so that every problem shows at once.
		rep = &ceptor.Report{Route: in.Route, CeptorID: in.CeptorID, SectorID: in.SectorID, SpilloverSectorID: in.SpilloverSectorID, SupplierOrgID: in.SupplierOrgID}
	}
	g := map[string]string{}
	if err := s.checkReportRefs(ctx, a, rep, g); err != nil {
		return nil, err
	}
	for k, v := range g {
		if _, set := f[k]; !set {
			f[k] = v
		}
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	return rep, nil
}

// stampReporter records who reports: in the clear for the named routes;
// for the anonymous route only the keyed tag and the sealed identity.
func (s *Server) stampReporter(rep *ceptor.Report, a *ceptor.Actor) error {
	rep.ReporterTag = s.orgTag(a.OrgID)
	if rep.Route != ceptor.RouteAnonymous {
		rep.OrgID, rep.AuthorUserID, rep.SealedIdentity = a.OrgID, a.UserID, ""
		return nil
	}
	b, err := json.Marshal(reportIdentity{OrgID: a.OrgID, UserID: a.UserID})
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal(b, identityAAD)
	if err != nil {
		return &ceptor.Error{Code: ceptor.EINTERNAL, Message: "could not seal the identity", Err: err}
	}
	rep.OrgID, rep.AuthorUserID, rep.SealedIdentity = 0, 0, sealed
	return nil
}

// openIdentity reveals the sealed identity of an anonymous report (for the
// highlights of the redaction page and after an unseal).
func (s *Server) openIdentity(rep *ceptor.Report) (*reportIdentity, error) {
	b, err := s.sealer.Open(rep.SealedIdentity, identityAAD)
	if err != nil {
		return nil, &ceptor.Error{Code: ceptor.EINTERNAL, Message: "the sealed identity does not open", Err: err}
	}
	var id reportIdentity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, &ceptor.Error{Code: ceptor.EINTERNAL, Message: "the sealed identity is unreadable", Err: err}
	}
	return &id, nil
}

// weakCeptor reports whether the CEPTOR has so few members that hiding
// among them protects little.
func (s *Server) weakCeptor(ctx context.Context, ceptorID int64) bool {
	c, err := s.store.FindCeptor(ctx, ceptorID)
	return err == nil && c.MemberCount < weakAnonymity
}

// ---- the chain ----

// niscOrg returns the one organisation of type nisc.
func (s *Server) niscOrg(ctx context.Context) (*ceptor.Organization, error) {
	if o := s.niscCache.get(s.now()); o != nil {
		return o, nil
	}
	yes := true
	list, _, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgNISC, Active: &yes, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ceptor.Invalid(map[string]string{"chain": "err.report_chain"})
	}
	s.niscCache.put(list[0], s.now())
	return list[0], nil
}

// orgMemo keeps one organisation for a moment (NISC, looked up for every
// report's chain). A change to it shows within the moment.
type orgMemo struct {
	mu  sync.Mutex
	org *ceptor.Organization
	at  time.Time
}

const orgMemoTTL = 2 * time.Second

func (m *orgMemo) get(now time.Time) *ceptor.Organization {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.org == nil || now.Sub(m.at) > orgMemoTTL || now.Before(m.at) {
		return nil
	}
	return m.org
}

func (m *orgMemo) put(o *ceptor.Organization, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.org, m.at = o, now
}

// reportChain computes the organisations a report passes: NISC, the
// ministry responsible for its sector, and for the anonymous route the
// secretariat of its CEPTOR.
func (s *Server) reportChain(ctx context.Context, rep *ceptor.Report) ([]int64, error) {
	nisc, err := s.niscOrg(ctx)
	if err != nil {
		return nil, err
	}
	var ministry, secretariat int64
	if rep.Route != ceptor.RouteDirect {
		sec, err := s.store.FindSector(ctx, rep.SectorID)
		if err != nil {
			return nil, ceptor.Invalid(map[string]string{"sector_id": "registry.err.unknown_sector"})
		}
		ministry = sec.MinistryOrgID
	}
	if rep.Route == ceptor.RouteAnonymous {
		c, err := s.store.FindCeptor(ctx, rep.CeptorID)
		if err != nil {
			return nil, ceptor.Invalid(map[string]string{"ceptor_id": "registry.err.unknown_ceptor"})
		}
		secretariat = c.SecretariatOrgID
	}
	chain := ceptor.Chain(rep.Route, nisc.ID, ministry, secretariat)
	if slices.Contains(chain, 0) {
		return nil, ceptor.Invalid(map[string]string{"chain": "err.report_chain"})
	}
	return chain, nil
}

// ---- audit ----

// auditReport records an action on a report. Actions of an anonymous
// report's reporter name no one: no user, no organisation, no address; the
// real actor is sealed into the detail so that an unseal can recover it.
// Other entries concern the report's reporter only when it is named, never
// the reporter of an anonymous report.
func (s *Server) auditReport(r *http.Request, st *reqState, action string, rep *ceptor.Report, asReporter bool, detail map[string]any) {
	if detail == nil {
		detail = map[string]any{}
	}
	if rep.Route != ceptor.RouteAnonymous {
		org := rep.OrgID
		if org == 0 {
			org = st.actor.OrgID
		}
		s.audit(r, action, ceptor.KindReport, rep.ID, org, detail)
		return
	}
	if !asReporter {
		s.audit(r, action, ceptor.KindReport, rep.ID, st.actor.OrgID, detail)
		return
	}
	real := map[string]any{"user_id": st.user.ID, "org_id": st.user.OrgID, "ip": s.clientIP(r)}
	if st.token != nil && st.token.ID != 0 {
		real["token_id"] = st.token.ID
	}
	b, _ := json.Marshal(real)
	sealed, err := s.sealer.Seal(b, auditActorAAD)
	if err != nil {
		s.log.Error("seal audit actor", "action", action, "err", err)
	}
	detail["sealed_actor"] = sealed
	e := &ceptor.AuditEntry{Action: action, ObjectType: string(ceptor.KindReport), ObjectID: toString(rep.ID),
		ActorLabel: "anonymous reporter (CEPTOR " + s.ceptorCode(r.Context(), rep.CeptorID) + ")", Detail: ceptor.AuditDetail(detail)}
	s.appendAudit(r.Context(), action, e)
}

func (s *Server) ceptorCode(ctx context.Context, id int64) string {
	if c, err := s.store.FindCeptor(ctx, id); err == nil {
		return c.Code
	}
	return "?"
}

// ---- notifications ----

// notifyReport tells an organisation about a report. A failure is logged
// (without the caller) and never undoes the action.
func (s *Server) notifyReport(ctx context.Context, org int64, kind, key string, rep *ceptor.Report, urgent bool) {
	if org == 0 {
		return
	}
	n := &ceptor.Notification{OrgID: org, Kind: kind, MessageKey: key, Link: "/reports/" + toString(rep.ID), Urgent: urgent,
		Args: []ceptor.NotificationArg{ceptor.ArgText(toString(rep.ID)), ceptor.ArgText(shorten(rep.Title, 80))}}
	if err := s.notify(ctx, n); err != nil && ceptor.ErrorCode(err) != ceptor.ENOTIMPL {
		s.log.Warn("report notification failed", "report_id", rep.ID, "kind", kind, "err", err)
	}
}

// notifyArrival tells the organisation now holding the report, or NISC
// when it has arrived. Only a named report's reporter hears that NISC has
// it: a notification to an anonymous reporter would link it to the report.
func (s *Server) notifyArrival(ctx context.Context, id int64) {
	rep, ref, err := s.store.FindReport(ctx, id)
	if err != nil {
		return
	}
	s.notifyArrivalOf(ctx, rep, ref)
}

// notifyArrivalOf is notifyArrival for a report already read.
func (s *Server) notifyArrivalOf(ctx context.Context, rep *ceptor.Report, ref *ceptor.ReportRef) {
	urgent := rep.CriticalOutage && !rep.Drill
	if ref.PendingAt != 0 {
		s.notifyReport(ctx, ref.PendingAt, "report.relay_needed", "rep.notify.relay_needed", rep, urgent)
		return
	}
	if len(ref.ChainOrgs) > 0 {
		s.notifyReport(ctx, ref.ChainOrgs[len(ref.ChainOrgs)-1], "report.received", "rep.notify.received", rep, urgent)
	}
	if rep.Route != ceptor.RouteAnonymous {
		s.notifyReport(ctx, rep.OrgID, "report.delivered", "rep.notify.delivered", rep, false)
	}
}

// ---- create, edit, submit ----

// opCreateReport stores a new report, as a draft or (in.Submit) sent at
// once. Warnings are message keys to show (a weak anonymity).
func (s *Server) opCreateReport(r *http.Request, st *reqState, in reportInput) (*ceptor.Report, []string, error) {
	c, err := s.opCreateReportRef(r, st, in)
	if err != nil {
		return nil, nil, err
	}
	return c.rep, c.warnings, nil
}

// opCreateReportRef is opCreateReport returning the stored report with its
// policy references, read once inside the transaction that stored it.
func (s *Server) opCreateReportRef(r *http.Request, st *reqState, in reportInput) (*createdReport, error) {
	a := st.actor
	ctx := r.Context()
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindReport, OrgID: a.OrgID, OrgType: a.OrgType, SectorIDs: a.SectorIDs}); err != nil {
		return nil, err
	}
	if in.Route == ceptor.RouteAnonymous {
		markAnonymous(r)
	}
	rep, err := s.buildReport(ctx, st, in, !in.Submit)
	if err != nil {
		return nil, err
	}
	var chain []int64
	if in.Submit {
		// Everything that can fail is checked before anything is stored.
		if chain, err = s.reportChain(ctx, rep); err != nil {
			return nil, err
		}
	}
	if err := s.stampReporter(rep, a); err != nil {
		return nil, err
	}
	anon := rep.Route == ceptor.RouteAnonymous
	var warnings []string
	if anon && s.weakCeptor(ctx, rep.CeptorID) {
		warnings = append(warnings, "rep.warn_weak_anonymity")
	}
	// The report, its submission, their audit entries and the notifications
	// (with their e-mail jobs) are kept together or not at all.
	if in.Submit {
		// Who hears of the arrival is known from the chain; read their
		// people before the write transaction, not while holding it.
		ctx = s.withOrgPeople(ctx, arrivalOrgs(rep, chain)...)
	}
	var stored *ceptor.NewReport
	var store func(context.Context) (*ceptor.NewReport, error)
	if in.Submit {
		// Checked and encoded before the write transaction, which on SQLite
		// runs one change after another.
		if store, err = s.store.PrepareNewReport(rep, chain, a.UserID); err != nil {
			return nil, err
		}
	}
	err = s.change(r.WithContext(ctx), func(r *http.Request) error {
		ctx := r.Context()
		if in.Submit {
			var err error
			if stored, err = store(ctx); err != nil {
				return err
			}
		} else if err := s.store.CreateReport(ctx, rep); err != nil {
			return err
		}
		s.auditReport(r, st, "report.create", rep, true, map[string]any{"route": rep.Route, "ceptor_id": rep.CeptorID, "drill": rep.Drill})
		if in.Submit {
			s.auditReport(r, st, "report.submit", rep, true, map[string]any{"route": rep.Route})
			ref := &ceptor.ReportRef{ChainOrgs: chain}
			if len(chain) > 1 {
				ref.PendingAt = chain[0]
			}
			s.notifyArrivalOf(ctx, rep, ref)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if stored != nil {
		// rep is what was stored, and its hops and version are known.
		return &createdReport{rep: rep, ref: stored.Ref, stored: stored, warnings: warnings}, nil
	}
	got, ref, err := s.store.FindReport(ctx, rep.ID)
	if err != nil {
		return nil, err
	}
	return &createdReport{rep: got, ref: ref, warnings: warnings}, nil
}

// createdReport is a report just stored, as opCreateReportRef answers it.
type createdReport struct {
	rep      *ceptor.Report
	ref      *ceptor.ReportRef
	stored   *ceptor.NewReport // for a report sent at once: its hops and version
	warnings []string          // message keys to show (a weak anonymity)
}

// arrivalOrgs are the organisations notifyArrivalOf addresses for a report
// just sent along chain.
func arrivalOrgs(rep *ceptor.Report, chain []int64) []int64 {
	if len(chain) == 0 {
		return nil
	}
	if len(chain) > 1 {
		return chain[:1]
	}
	out := []int64{chain[0]}
	if rep.Route != ceptor.RouteAnonymous {
		out = append(out, rep.OrgID)
	}
	return out
}

// opUpdateDraft replaces a draft's content (and, with in.Submit, sends it).
// A named draft cannot become anonymous: what was recorded about it so far
// names its reporter.
func (s *Server) opUpdateDraft(r *http.Request, st *reqState, id int64, in reportInput) (*ceptor.Report, []string, error) {
	ctx := r.Context()
	cur, _, err := s.findOwnReport(r, st, id)
	if err != nil {
		return nil, nil, err
	}
	if cur.Status != ceptor.ReportDraft {
		return nil, nil, reportStateError("rep.err.not_draft")
	}
	if in.Route == ceptor.RouteAnonymous && cur.Route != ceptor.RouteAnonymous {
		return nil, nil, ceptor.Invalid(map[string]string{"route": "rep.err.route_fixed"})
	}
	rep, err := s.buildReport(ctx, st, in, !in.Submit)
	if err != nil {
		return nil, nil, err
	}
	var chain []int64
	if in.Submit {
		if chain, err = s.reportChain(ctx, rep); err != nil {
			return nil, nil, err
		}
	}
	rep.ID = id
	if err := s.stampReporter(rep, st.actor); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if rep.Route == ceptor.RouteAnonymous && s.weakCeptor(ctx, rep.CeptorID) {
		warnings = append(warnings, "rep.warn_weak_anonymity")
	}
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		if err := s.store.UpdateDraft(ctx, rep); err != nil {
			return err
		}
		s.auditReport(r, st, "report.update", rep, true, map[string]any{"route": rep.Route})
		if in.Submit {
			if err := s.store.SubmitReport(ctx, id, chain, st.actor.UserID); err != nil {
				return err
			}
			s.auditReport(r, st, "report.submit", rep, true, map[string]any{"route": rep.Route})
			s.notifyArrival(ctx, id)
		}
		return nil
	})
	if err != nil {
		return nil, warnings, err
	}
	got, _, err := s.store.FindReport(ctx, id)
	return got, warnings, err
}

// opSubmitReport sends a complete draft to the first organisation of its
// chain.
func (s *Server) opSubmitReport(r *http.Request, st *reqState, id int64) (*ceptor.Report, error) {
	ctx := r.Context()
	rep, _, err := s.findOwnReport(r, st, id)
	if err != nil {
		return nil, err
	}
	if rep.Status != ceptor.ReportDraft {
		return nil, reportStateError("rep.err.not_draft")
	}
	// The stored draft must pass what a direct submission would.
	in := inputOf(rep)
	if _, err := s.buildReport(ctx, st, in, false); err != nil {
		return nil, err
	}
	chain, err := s.reportChain(ctx, rep)
	if err != nil {
		return nil, err
	}
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		if err := s.store.SubmitReport(ctx, id, chain, st.actor.UserID); err != nil {
			return err
		}
		s.auditReport(r, st, "report.submit", rep, true, map[string]any{"route": rep.Route})
		s.notifyArrival(ctx, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	got, _, err := s.store.FindReport(ctx, id)
	return got, err
}

// ---- follow-up and close ----

// opFollowUp stores a follow-up (続報). Route, sector, CEPTOR and drill flag
// stay as submitted. An anonymous report's follow-up goes to the
// secretariat for review before anyone upstream reads it.
func (s *Server) opFollowUp(r *http.Request, st *reqState, id int64, in reportInput) (*ceptor.Report, error) {
	ctx := r.Context()
	cur, ref, err := s.findOwnReport(r, st, id)
	if err != nil {
		return nil, err
	}
	if cur.Status != ceptor.ReportSubmitted && cur.Status != ceptor.ReportReceived {
		return nil, reportStateError("rep.err.followup_state")
	}
	in.Route, in.CeptorID, in.SectorID, in.Drill = cur.Route, cur.CeptorID, cur.SectorID, cur.Drill
	rep, err := s.buildReport(ctx, st, in, false)
	if err != nil {
		return nil, err
	}
	rep.ID = id
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		if err := s.store.AddFollowUp(ctx, rep, st.actor.UserID); err != nil {
			return err
		}
		s.auditReport(r, st, "report.followup", cur, true, map[string]any{"version": rep.Version})
		if cur.Route == ceptor.RouteAnonymous {
			s.notifyArrival(ctx, id)
		} else {
			for _, org := range uniqueOrgs(ref.ChainOrgs) {
				s.notifyReport(ctx, org, "report.followup", "rep.notify.followup", rep, false)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.IncidentReportChanged(ctx, id)
	got, _, err := s.store.FindReport(ctx, id)
	return got, err
}

func uniqueOrgs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// opCloseReport closes a report NISC has received (the final report). An
// anonymous report with a follow-up still under review waits for it.
func (s *Server) opCloseReport(r *http.Request, st *reqState, id int64) (*ceptor.Report, error) {
	ctx := r.Context()
	rep, _, err := s.findOwnReport(r, st, id)
	if err != nil {
		return nil, err
	}
	if rep.Status != ceptor.ReportReceived {
		return nil, reportStateError("rep.err.close_state")
	}
	if rep.Route == ceptor.RouteAnonymous {
		if held, err := s.heldFollowUp(ctx, id); err != nil {
			return nil, err
		} else if held != nil {
			return nil, reportStateError("rep.err.review_pending")
		}
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.CloseReport(r.Context(), id, s.now()); err != nil {
			return err
		}
		s.auditReport(r, st, "report.close", rep, true, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.IncidentReportChanged(r.Context(), id)
	got, _, err := s.store.FindReport(ctx, id)
	return got, err
}

// heldFollowUp returns the follow-up under review, or nil.
func (s *Server) heldFollowUp(ctx context.Context, id int64) (*ceptor.Report, error) {
	rs, err := s.review()
	if err != nil {
		return nil, err
	}
	held, err := rs.HeldFollowUp(ctx, id)
	if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		return nil, nil
	}
	return held, err
}

// ---- relay, redaction, unseal ----

// relayInput is the JSON body of POST /api/v1/reports/{id}/relay and what
// the relay forms build.
type relayInput struct {
	Note string `json:"note,omitempty"`
	// Redacted is the text upstream will read. The CEPTOR secretariat
	// relaying an anonymous report must give it (it may equal the
	// original); nobody else may.
	Redacted *redactionInput `json:"redacted,omitempty"`
	// WithheldAttachmentIDs are the attachments the secretariat keeps from
	// upstream; every other attachment is released ([] releases them all).
	// Left out, what is withheld stays withheld, and an anonymous report's
	// attachments start withheld. Only with Redacted.
	WithheldAttachmentIDs []int64 `json:"withheld_attachment_ids,omitempty"`
}

// redactionInput is the text of a report as the secretariat passes it on.
type redactionInput struct {
	Title        string             `json:"title"`
	Body         string             `json:"body"`
	Service      string             `json:"service"`
	Response     string             `json:"response"`
	Area         string             `json:"area"`
	SafetyHarm   string             `json:"safety_harm"`
	DataAffected string             `json:"data_affected"`
	Indicators   []ceptor.Indicator `json:"indicators"`
}

func (in *redactionInput) toReport() (*ceptor.Report, error) {
	f := map[string]string{}
	red := &ceptor.Report{Title: strings.TrimSpace(in.Title), Body: normalizeNewlines(in.Body), Service: strings.TrimSpace(in.Service),
		Response: normalizeNewlines(in.Response), Indicators: []ceptor.Indicator{}}
	red.Impact.Area, red.Impact.SafetyHarm, red.Impact.DataAffected = strings.TrimSpace(in.Area), normalizeNewlines(in.SafetyHarm), normalizeNewlines(in.DataAffected)
	for name, v := range map[string]string{"title": red.Title, "body": red.Body, "service": red.Service, "response": red.Response,
		"area": red.Impact.Area, "safety_harm": red.Impact.SafetyHarm, "data_affected": red.Impact.DataAffected} {
		if !utf8.ValidString(v) {
			f[name] = "err.encoding"
		}
	}
	if red.Title == "" {
		f["title"] = "err.required"
	}
	for i, ind := range in.Indicators {
		n, key := ind.Normalize()
		if key != "" {
			f["indicators"] = key
			f["indicators["+toString(i)+"]"] = key
			continue
		}
		red.Indicators = append(red.Indicators, n)
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	return red, nil
}

// opRelayReport passes the report on from the caller's organisation, which
// must be holding it. The secretariat of an anonymous report's CEPTOR
// passes it on redacted, choosing which attachments upstream may have.
func (s *Server) opRelayReport(r *http.Request, st *reqState, id int64, in relayInput) (*ceptor.Report, error) {
	ctx := r.Context()
	a := st.actor
	rep, ref, err := s.findReport(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActRelay, reportResource(rep, ref)); err != nil {
		return nil, err
	}
	in.Note = normalizeNewlines(in.Note)
	f := map[string]string{}
	switch {
	case !utf8.ValidString(in.Note):
		f["note"] = "err.encoding"
	case utf8.RuneCountInString(in.Note) > maxNoteLen:
		f["note"] = "err.too_long"
	}
	_, redactor := reportRoles(a, rep, ref)
	var red *ceptor.Report
	switch {
	case redactor && in.Redacted == nil:
		f["redacted"] = "rep.err.redaction_required"
	case !redactor && in.Redacted != nil:
		f["redacted"] = "rep.err.redaction_not_yours"
	case !redactor && len(in.WithheldAttachmentIDs) > 0:
		f["withheld_attachment_ids"] = "rep.err.redaction_not_yours"
	case redactor:
		var err error
		if red, err = in.Redacted.toReport(); err != nil {
			maps.Copy(f, ceptor.ErrorFields(err))
		}
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	if redactor {
		rs, err := s.review()
		if err != nil {
			return nil, err
		}
		if in.WithheldAttachmentIDs == nil {
			// Not chosen: what is withheld stays so, new files included.
			held, err := rs.WithheldAttachments(ctx, id)
			if err != nil {
				return nil, err
			}
			in.WithheldAttachmentIDs = []int64{}
			for aid := range held {
				in.WithheldAttachmentIDs = append(in.WithheldAttachmentIDs, aid)
			}
		}
	}
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		if redactor {
			rs, err := s.review()
			if err != nil {
				return err
			}
			if err := rs.RelayReportWithheld(ctx, id, a.OrgID, in.Note, a.UserID, red, in.WithheldAttachmentIDs); err != nil {
				return err
			}
		} else if err := s.store.RelayReport(ctx, id, a.OrgID, in.Note, a.UserID, nil); err != nil {
			return err
		}
		s.auditReport(r, st, "report.relay", rep, false, map[string]any{"redacted": red != nil, "withheld": len(in.WithheldAttachmentIDs), "note": in.Note != ""})
		s.notifyArrival(ctx, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.IncidentReportChanged(ctx, id)
	got, _, err := s.store.FindReport(ctx, id)
	return got, err
}

// unsealedIdentity is who reported, as the secretariat learns it.
type unsealedIdentity struct {
	OrgID     int64  `json:"org_id"`
	OrgName   string `json:"org_name"`
	OrgNameEN string `json:"org_name_en,omitempty"`
	UserID    int64  `json:"user_id,omitempty"`
	UserName  string `json:"user_name,omitempty"`
	UserEmail string `json:"user_email,omitempty"`
}

// unsealInput is the JSON body of POST /api/v1/reports/{id}/unseal.
type unsealInput struct {
	Reason string `json:"reason"`
}

// opUnsealReport reveals an anonymous report's reporter to the secretariat
// of its CEPTOR (its administrators only, with a reason). The act is
// audited under NISC's organisation so that NISC's auditors see that it
// happened; the entry does not say whom it revealed.
func (s *Server) opUnsealReport(r *http.Request, st *reqState, id int64, reason string) (*unsealedIdentity, error) {
	ctx := r.Context()
	rep, ref, err := s.findReport(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUnseal, reportResource(rep, ref)); err != nil {
		return nil, err
	}
	reason = normalizeNewlines(reason)
	switch {
	case reason == "":
		return nil, ceptor.Invalid(map[string]string{"reason": "err.required"})
	case !utf8.ValidString(reason):
		return nil, ceptor.Invalid(map[string]string{"reason": "err.encoding"})
	case utf8.RuneCountInString(reason) > maxReasonLen:
		return nil, ceptor.Invalid(map[string]string{"reason": "err.too_long"})
	}
	nisc, err := s.niscOrg(ctx)
	if err != nil {
		return nil, err
	}
	ident, err := s.openIdentity(rep)
	if err != nil {
		return nil, err
	}
	// The identity is shown only once the act is on record: a failed
	// audit entry reveals nothing.
	err = s.change(r, func(r *http.Request) error {
		if !ref.Unsealed {
			if err := s.store.MarkUnsealed(r.Context(), id); err != nil {
				return err
			}
		}
		s.audit(r, "report.unseal", ceptor.KindReport, rep.ID, nisc.ID, map[string]any{"reason": reason, "ceptor_id": rep.CeptorID, "again": ref.Unsealed})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.describeIdentity(ctx, ident), nil
}

func (s *Server) describeIdentity(ctx context.Context, id *reportIdentity) *unsealedIdentity {
	out := &unsealedIdentity{OrgID: id.OrgID, UserID: id.UserID}
	if o, err := s.store.FindOrg(ctx, id.OrgID); err == nil {
		out.OrgName, out.OrgNameEN = o.Name, o.NameEN
	}
	if u, err := s.store.FindUser(ctx, id.UserID); err == nil {
		out.UserName, out.UserEmail = u.Name, u.Email
	}
	return out
}

// ---- attachments ----

// cleanFileName keeps the last element of a client's file name, without
// control characters.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// cleanContentType keeps a well-formed media type, else octet-stream.
func cleanContentType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || len(mt) > 100 {
		return "application/octet-stream"
	}
	return mt
}

// opAddAttachment stores a file with one of the caller's own reports.
func (s *Server) opAddAttachment(r *http.Request, st *reqState, id int64, name, contentType string, data []byte) (*ceptor.Attachment, error) {
	ctx := r.Context()
	rep, _, err := s.findOwnReport(r, st, id)
	if err != nil {
		return nil, err
	}
	if rep.Status == ceptor.ReportClosed {
		return nil, reportStateError("rep.err.closed")
	}
	f := map[string]string{}
	name = cleanFileName(name)
	switch {
	case len(data) == 0:
		f["file"] = "err.attachment_empty"
	case len(data) > ceptor.MaxAttachmentSize:
		f["file"] = "err.attachment_too_large"
	}
	if name == "" {
		f["file"] = or(f["file"], "err.required")
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	att := &ceptor.Attachment{ReportID: id, FileName: name, ContentType: cleanContentType(contentType)}
	if rep.Route == ceptor.RouteAnonymous {
		// Filed with the reporter's latest version, which may still be
		// under review.
		if held, err := s.heldFollowUp(ctx, id); err != nil {
			return nil, err
		} else if held != nil {
			att.Version = held.Version
		}
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.AddAttachment(r.Context(), att, data); err != nil {
			return err
		}
		detail := map[string]any{"attachment_id": att.ID, "size": att.Size, "sha256": att.SHA256}
		if rep.Route != ceptor.RouteAnonymous {
			detail["file_name"] = att.FileName
		}
		s.auditReport(r, st, "report.attach", rep, true, detail)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return att, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// opAttachment returns an attachment the caller may download, with the name
// it may see, and records the download.
func (s *Server) opAttachment(r *http.Request, st *reqState, reportID, attID int64) (*attachmentView, []byte, error) {
	ctx := r.Context()
	rep, ref, err := s.findReport(ctx, st.actor, reportID)
	if err != nil {
		return nil, nil, err
	}
	att, data, err := s.store.AttachmentData(ctx, attID)
	if err != nil || att.ReportID != rep.ID {
		if err == nil || ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil, regNotFound()
		}
		return nil, nil, err
	}
	own, _ := reportRoles(st.actor, rep, ref)
	if own && rep.Route == ceptor.RouteAnonymous {
		markAnonymous(r)
	}
	views, err := s.attachmentViews(ctx, st.actor, rep, ref, []*ceptor.Attachment{att})
	if err != nil {
		return nil, nil, err
	}
	if len(views) == 0 {
		// Withheld from this caller.
		return nil, nil, regNotFound()
	}
	s.auditReport(r, st, "report.attachment_download", rep, own, map[string]any{"attachment_id": att.ID})
	return &views[0], data, nil
}
