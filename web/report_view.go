package web

import (
	"context"
	"path"
	"slices"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// reportView is a report as one caller may see it: the one place that masks
// what the caller may not know. Pages, the API, lists and search results
// are all built from it.
//
//   - The reporter is named only when the policy allows ActViewIdentity;
//     otherwise an anonymous report's reporter reads "a member of CEPTOR X".
//   - The content is what upstream reads (the main row), except for the
//     reporter of an anonymous report, who reads its own latest words.
//   - Versions: upstream of the secretariat reads only the redacted copies
//     of an anonymous report, never an original or a follow-up as written.
//   - Attachments withheld by the secretariat are left out upstream; the
//     others carry a neutral name there.
type reportView struct {
	*ceptor.Report
	// Reporter is how the reporter is shown to the caller.
	Reporter string `json:"reporter"`
	// ReporterOrgID is set only when the caller may know who reported.
	ReporterOrgID int64  `json:"reporter_org_id,omitempty"`
	CeptorName    string `json:"ceptor_name,omitempty"`
	SectorName    string `json:"sector_name,omitempty"`
	// Own: the caller's organisation reported it.
	Own bool `json:"own"`
	// IdentityVisible: the caller may know who reported.
	IdentityVisible bool `json:"identity_visible"`
	Unsealed        bool `json:"unsealed,omitempty"`
	// PendingAt is the organisation holding the report now (0: none).
	PendingAtOrgID int64  `json:"pending_at_org_id,omitempty"`
	PendingAt      string `json:"pending_at,omitempty"`
	// ReviewPending: a follow-up waits for the secretariat's review (shown
	// to the reporter and the secretariat only).
	ReviewPending bool             `json:"review_pending,omitempty"`
	Hops          []hopView        `json:"hops"`
	Versions      []*ceptor.Report `json:"versions"`
	Attachments   []attachmentView `json:"attachments"`
	Clock         []ceptor.DueItem `json:"clock,omitempty"`
	// ClockState is "overdue", "due_soon" (a deadline is past its
	// reminder) or "".
	ClockState string `json:"clock_state,omitempty"`
	// DueSoon marks the deadlines past their reminder, by key (pages only).
	DueSoon  map[string]bool       `json:"-"`
	Severity *ceptor.SeverityLevel `json:"severity,omitempty"`
	Identity *unsealedIdentity     `json:"identity,omitempty"`
	Actions  reportActions         `json:"actions"`
	Supplier string                `json:"supplier_name,omitempty"`
	// Warnings are codes of things the reporter should know
	// (rep.warn_weak_anonymity: the CEPTOR has fewer than 5 members).
	Warnings  []string `json:"warnings,omitempty"`
	Spillover string   `json:"spillover_sector_name,omitempty"`
	redactor  bool
	held      *ceptor.Report
}

// hopView is one step of the timeline.
type hopView struct {
	Seq    int    `json:"seq"`
	Action string `json:"action"` // submitted, relayed
	// FollowUp marks a follow-up sent to the secretariat for review.
	FollowUp  bool      `json:"follow_up,omitempty"`
	FromOrgID int64     `json:"from_org_id,omitempty"`
	From      string    `json:"from"`
	ToOrgID   int64     `json:"to_org_id"`
	To        string    `json:"to"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
	Pending   bool      `json:"pending"`
}

// attachmentView is an attachment as the caller may see it.
type attachmentView struct {
	ID          int64     `json:"id"`
	Version     int       `json:"version"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
	// Withheld: kept from upstream by the secretariat (shown to the
	// reporter and the secretariat only).
	Withheld bool   `json:"withheld,omitempty"`
	URL      string `json:"url"`
}

// reportActions are what the caller may do now.
type reportActions struct {
	Edit     bool `json:"edit"`
	Submit   bool `json:"submit"`
	FollowUp bool `json:"follow_up"`
	Close    bool `json:"close"`
	Relay    bool `json:"relay"`
	Redact   bool `json:"redact"` // relaying means redacting (the secretariat of an anonymous report)
	Unseal   bool `json:"unseal"`
	Attach   bool `json:"attach"`
	Evaluate bool `json:"evaluate"`
}

// severityStore is the severity module's storage, when present.
type severityStore interface {
	CurrentEvaluation(ctx context.Context, subject ceptor.EvalSubject, id int64) (*ceptor.Evaluation, error)
}

// reportContent copies what a reporter writes from src into dst.
func reportContent(dst, src *ceptor.Report) {
	dst.Version, dst.TLP, dst.Title, dst.Body, dst.EventClass = src.Version, src.TLP, src.Title, src.Body, src.EventClass
	dst.Causes, dst.SpilloverSectorID, dst.CriticalOutage, dst.Service = src.Causes, src.SpilloverSectorID, src.CriticalOutage, src.Service
	dst.Systems, dst.SupplierOrgID, dst.StartedAt, dst.DetectedAt, dst.RecoveredAt = src.Systems, src.SupplierOrgID, src.StartedAt, src.DetectedAt, src.RecoveredAt
	dst.Impact, dst.Response, dst.Indicators, dst.Lang, dst.ClockProfile = src.Impact, src.Response, src.Indicators, src.Lang, src.ClockProfile
}

// maskReport returns a copy without what leaves the server never or only
// for those who may know the reporter.
func maskReport(r *ceptor.Report, identity bool) *ceptor.Report {
	c := *r
	c.ReporterTag, c.SealedIdentity = "", ""
	if !identity {
		c.OrgID, c.AuthorUserID = 0, 0
	}
	return &c
}

// anonLabel is how an anonymous reporter is named: 「セプター○○の構成員」.
func anonLabel(lang string, c *ceptor.Ceptor) string {
	name := "?"
	if c != nil {
		name = c.NameJA
		if lang == "en" && c.NameEN != "" {
			name = c.NameEN
		}
	}
	return i18n.T(lang, "rep.anon_member", name)
}

// reportView builds the view of rep for actor a. With full set it loads
// the timeline, versions, attachments and clock as well (the detail page
// and the API's single report); lists pass full=false.
func (s *Server) reportView(ctx context.Context, a *ceptor.Actor, lang string, rep *ceptor.Report, ref *ceptor.ReportRef, rf *registryRefs, full bool) (*reportView, error) {
	res := reportResource(rep, ref)
	own, redactor := reportRoles(a, rep, ref)
	identity := ceptor.Allow(a, ceptor.ActViewIdentity, res)
	anon := rep.Route == ceptor.RouteAnonymous
	v := &reportView{Own: own, IdentityVisible: identity, Unsealed: ref.Unsealed && !own, PendingAtOrgID: ref.PendingAt, redactor: redactor}
	v.Report = maskReport(rep, identity && !anon)
	c := rf.ceptorByID[rep.CeptorID]
	if c != nil {
		v.CeptorName = repPick(lang, c.NameJA, c.NameEN)
	}
	if sec := rf.sectorByID[rep.SectorID]; sec != nil {
		v.SectorName = repPick(lang, sec.NameJA, sec.NameEN)
	}
	if sec := rf.sectorByID[rep.SpilloverSectorID]; sec != nil {
		v.Spillover = repPick(lang, sec.NameJA, sec.NameEN)
	}

	// Organisation names the view needs.
	ids := []int64{ref.PendingAt, rep.SupplierOrgID, a.OrgID}
	if !anon && identity {
		ids = append(ids, rep.OrgID)
	}
	var hops []ceptor.Hop
	if full {
		var err error
		if hops, err = s.reportHops(ctx, rep.ID); err != nil {
			return nil, err
		}
		for _, h := range hops {
			ids = append(ids, h.FromOrgID, h.ToOrgID)
		}
	}
	orgs, err := s.store.OrgLabels(ctx, uniqueOrgs(ids))
	if err != nil {
		return nil, err
	}
	name := func(id int64) string {
		if o := orgs[id]; o != nil {
			return o.DisplayName(lang)
		}
		return ""
	}
	v.PendingAt = name(ref.PendingAt)
	v.Supplier = name(rep.SupplierOrgID)

	// Who reported.
	switch {
	case !anon && identity:
		v.Reporter, v.ReporterOrgID = name(rep.OrgID), rep.OrgID
	case own:
		v.Reporter, v.ReporterOrgID = name(a.OrgID), a.OrgID
	case anon && identity && ref.Unsealed:
		ident, err := s.openIdentity(rep)
		if err != nil {
			return nil, err
		}
		v.Identity = s.describeIdentity(ctx, ident)
		v.Reporter, v.ReporterOrgID = repPick(lang, v.Identity.OrgName, v.Identity.OrgNameEN), ident.OrgID
	default:
		v.Reporter = anonLabel(lang, c)
	}

	// What the reporter of an anonymous report reads is its own text.
	if anon && (own || redactor) && rep.Status != ceptor.ReportDraft {
		if held, err := s.heldFollowUp(ctx, rep.ID); err != nil {
			return nil, err
		} else if held != nil {
			v.ReviewPending, v.held = true, held
		}
	}
	if anon && own && rep.Status != ceptor.ReportDraft {
		vs, err := s.reportVersions(ctx, rep.ID)
		if err != nil {
			return nil, err
		}
		var latest *ceptor.Report
		for _, x := range vs {
			if x.VersionKind != ceptor.VersionRedacted && (latest == nil || x.Version >= latest.Version) {
				latest = x
			}
		}
		if latest != nil {
			reportContent(v.Report, latest)
		}
		if full {
			v.Versions = maskVersions(vs, true)
		}
	}

	if own && anon && c != nil && c.MemberCount < weakAnonymity {
		v.Warnings = []string{"rep.warn_weak_anonymity"}
	}
	v.Actions = s.reportActions(a, rep, ref, own, redactor, v.ReviewPending)
	if (own || a.OrgType == ceptor.OrgNISC) && rep.Status != ceptor.ReportDraft {
		now := s.now()
		v.Clock = reportClock(v.Report, now)
		v.ClockState = clockState(v.Clock, now)
		v.DueSoon = map[string]bool{}
		for _, it := range v.Clock {
			v.DueSoon[it.Key] = !it.Done && !it.Overdue && now.After(it.RemindAt)
		}
	}
	if !full {
		return v, nil
	}

	// The timeline.
	from := func(h ceptor.Hop) string {
		if h.FromOrgID != 0 {
			return name(h.FromOrgID)
		}
		switch {
		case own:
			return i18n.T(lang, "rep.hop_self_anonymous", name(a.OrgID))
		case v.Identity != nil:
			return repPick(lang, v.Identity.OrgName, v.Identity.OrgNameEN)
		}
		return i18n.T(lang, "rep.anon_reporter", repPick(lang, cName(c, "ja"), cName(c, "en")))
	}
	v.Hops = []hopView{}
	for _, h := range hops {
		hv := hopView{Seq: h.Seq, Action: h.Action, FollowUp: h.Action == "submitted" && h.Seq > 1, FromOrgID: h.FromOrgID, From: from(h),
			ToOrgID: h.ToOrgID, To: name(h.ToOrgID), Note: h.Note, At: h.At, Pending: h.Pending}
		if h.FromOrgID == rep.OrgID && !identity {
			hv.FromOrgID = 0
		}
		v.Hops = append(v.Hops, hv)
	}

	// Versions.
	if v.Versions == nil {
		vs, err := s.reportVersions(ctx, rep.ID)
		if err != nil {
			return nil, err
		}
		switch {
		case redactor:
			v.Versions = maskVersions(vs, false)
		case anon:
			// Upstream reads only what the secretariat passed on.
			v.Versions = maskVersions(ceptor.UpstreamVersions(vs, true), false)
		default:
			v.Versions = maskVersions(ceptor.UpstreamVersions(vs, false), identity)
		}
	}

	// Attachments.
	atts, err := s.reportAttachments(ctx, rep.ID)
	if err != nil {
		return nil, err
	}
	if v.Attachments, err = s.attachmentViews(ctx, a, rep, ref, atts); err != nil {
		return nil, err
	}

	// The current severity, for those who evaluate.
	if ss, ok := s.store.(severityStore); ok && ceptor.Allow(a, ceptor.ActEvaluate, res) {
		if e, err := ss.CurrentEvaluation(ctx, ceptor.SubjectReport, rep.ID); err == nil {
			lvl := e.Overall
			v.Severity = &lvl
		}
	}
	return v, nil
}

func cName(c *ceptor.Ceptor, lang string) string {
	if c == nil {
		return "?"
	}
	if lang == "en" {
		return c.NameEN
	}
	return c.NameJA
}

func repPick(lang, ja, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ja
}

// maskVersions copies stored copies for output.
func maskVersions(vs []*ceptor.Report, identity bool) []*ceptor.Report {
	out := make([]*ceptor.Report, 0, len(vs))
	for _, x := range vs {
		out = append(out, maskReport(x, identity))
	}
	return out
}

// reportActions says what the caller may do now, from the policy and the
// report's state.
func (s *Server) reportActions(a *ceptor.Actor, rep *ceptor.Report, ref *ceptor.ReportRef, own, redactor, reviewPending bool) reportActions {
	res := reportResource(rep, ref)
	update := own && ceptor.Allow(a, ceptor.ActUpdate, res)
	live := rep.Status == ceptor.ReportSubmitted || rep.Status == ceptor.ReportReceived
	act := reportActions{
		Edit:     update && rep.Status == ceptor.ReportDraft,
		Submit:   update && rep.Status == ceptor.ReportDraft,
		FollowUp: update && live,
		Close:    update && rep.Status == ceptor.ReportReceived && !reviewPending,
		Relay:    ceptor.Allow(a, ceptor.ActRelay, res),
		Unseal:   ceptor.Allow(a, ceptor.ActUnseal, res) && !ref.Unsealed,
		Attach:   update && rep.Status != ceptor.ReportClosed,
	}
	act.Redact = act.Relay && redactor
	if _, ok := s.store.(severityStore); ok {
		act.Evaluate = ceptor.Allow(a, ceptor.ActEvaluate, res)
	}
	return act
}

// reportClock computes the deadlines of the report's clock profile.
func reportClock(rep *ceptor.Report, now time.Time) []ceptor.DueItem {
	p, ok := ceptor.FindClockProfile(rep.ClockProfile)
	if !ok {
		return nil
	}
	return p.Due(ceptor.ClockFacts{Detected: rep.DetectedAt, Started: rep.StartedAt, Submitted: rep.SubmittedAt,
		Versions: rep.Version, Closed: rep.Status == ceptor.ReportClosed}, now)
}

// clockState summarises a clock for a badge: "overdue", "due_soon" (past a
// reminder) or "".
func clockState(items []ceptor.DueItem, now time.Time) string {
	state := ""
	for _, it := range items {
		switch {
		case it.Done:
		case it.Overdue:
			return "overdue"
		case now.After(it.RemindAt):
			state = "due_soon"
		}
	}
	return state
}

// attachmentViews lists the attachments the caller may see, with the names
// it may see. Upstream of the secretariat, an anonymous report's withheld
// attachments are left out and the others are named attachment-<id><ext>.
func (s *Server) attachmentViews(ctx context.Context, a *ceptor.Actor, rep *ceptor.Report, ref *ceptor.ReportRef, atts []*ceptor.Attachment) ([]attachmentView, error) {
	out := []attachmentView{}
	if len(atts) == 0 {
		return out, nil
	}
	own, redactor := reportRoles(a, rep, ref)
	anon := rep.Route == ceptor.RouteAnonymous
	var withheld map[int64]bool
	if anon {
		rs, err := s.review()
		if err != nil {
			return nil, err
		}
		if withheld, err = rs.WithheldAttachments(ctx, rep.ID); err != nil {
			return nil, err
		}
	}
	for _, at := range atts {
		v := attachmentView{ID: at.ID, Version: at.Version, FileName: at.FileName, ContentType: at.ContentType, Size: at.Size,
			SHA256: at.SHA256, CreatedAt: at.CreatedAt, URL: "/reports/" + toString(rep.ID) + "/attachments/" + toString(at.ID)}
		if anon {
			switch {
			case own:
				v.Withheld = withheld[at.ID]
			case redactor:
				v.Withheld = withheld[at.ID]
				v.FileName = neutralFileName(at)
			default:
				if withheld[at.ID] {
					continue
				}
				v.FileName, v.ContentType = neutralFileName(at), "application/octet-stream"
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// neutralFileName is the name an anonymous report's attachment carries
// upstream: its number and a plain extension, nothing the reporter typed.
func neutralFileName(at *ceptor.Attachment) string {
	ext := strings.ToLower(path.Ext(at.FileName))
	ok := len(ext) >= 2 && len(ext) <= 6
	for _, r := range strings.TrimPrefix(ext, ".") {
		ok = ok && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}
	if !ok {
		ext = ""
	}
	return "attachment-" + toString(at.ID) + ext
}

// knownReport is what a request already knows of a report it has just
// stored (its hops and versions; it has no attachments yet), so that the
// answer need not read it back.
type knownReport struct {
	id     int64
	stored *ceptor.NewReport
}

type knownReportKey struct{}

func withKnownReport(ctx context.Context, id int64, stored *ceptor.NewReport) context.Context {
	return context.WithValue(ctx, knownReportKey{}, &knownReport{id: id, stored: stored})
}

func knownOf(ctx context.Context, id int64) *ceptor.NewReport {
	if k, ok := ctx.Value(knownReportKey{}).(*knownReport); ok && k.id == id {
		return k.stored
	}
	return nil
}

func (s *Server) reportHops(ctx context.Context, id int64) ([]ceptor.Hop, error) {
	if k := knownOf(ctx, id); k != nil {
		return slices.Clone(k.Hops), nil
	}
	return s.store.ReportHops(ctx, id)
}

func (s *Server) reportVersions(ctx context.Context, id int64) ([]*ceptor.Report, error) {
	if k := knownOf(ctx, id); k != nil {
		out := make([]*ceptor.Report, len(k.Versions))
		for i, v := range k.Versions {
			c := *v
			out[i] = &c
		}
		return out, nil
	}
	return s.store.ReportVersions(ctx, id)
}

func (s *Server) reportAttachments(ctx context.Context, id int64) ([]*ceptor.Attachment, error) {
	if knownOf(ctx, id) != nil {
		return []*ceptor.Attachment{}, nil
	}
	return s.store.ListAttachments(ctx, id)
}
