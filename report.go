package ceptor

import (
	"context"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// EventClass is what happened (SPEC §3.1 情報連絡).
type EventClass string

// Event classes: a precursor or near miss (未発生), an occurrence affecting
// confidentiality, integrity or availability, the events that lead to those,
// and other.
const (
	EventPrecursor       EventClass = "precursor"       // 予兆・ヒヤリハット (未発生)
	EventConfidentiality EventClass = "confidentiality" // 機密性 (漏えい)
	EventIntegrity       EventClass = "integrity"       // 完全性 (破壊・改ざん)
	EventAvailability    EventClass = "availability"    // 可用性 (サービス停止)
	EventMalware         EventClass = "malware"         // マルウェア感染
	EventCodeExecution   EventClass = "code_execution"  // 不正コード実行
	EventIntrusion       EventClass = "intrusion"       // 侵入
	EventOther           EventClass = "other"           // その他
)

// EventClasses lists the classes in display order.
var EventClasses = []EventClass{EventPrecursor, EventConfidentiality, EventIntegrity, EventAvailability, EventMalware, EventCodeExecution, EventIntrusion, EventOther}

// Cause is one cause of an event; a report has one or more.
type Cause string

// Causes, grouped by kind (intentional, accidental, environmental, other).
const (
	CauseUnauthorizedAccess Cause = "unauthorized_access" // 不正侵入・不正アクセス
	CauseDoS                Cause = "dos"                 // DoS/DDoS
	CauseMalware            Cause = "malware"             // マルウェア
	CauseTargetedEmail      Cause = "targeted_email"      // 標的型メール
	CauseIntentionalOther   Cause = "intentional_other"   // その他の意図的要因
	CauseSoftwareFault      Cause = "software_fault"      // ソフトウェアの不具合
	CauseHardwareFault      Cause = "hardware_fault"      // ハードウェアの故障
	CauseOperationError     Cause = "operation_error"     // 操作・設定ミス
	CauseManagementFailure  Cause = "management_failure"  // 管理不備
	CauseNaturalDisaster    Cause = "natural_disaster"    // 自然災害
	CausePowerOutage        Cause = "power_outage"        // 停電
	CauseTelecomOutage      Cause = "telecom_outage"      // 通信障害
	CauseSpillover          Cause = "spillover"           // 他分野からの波及 (which sector: SpilloverSectorID)
	CauseOther              Cause = "other"               // その他
	CauseUnknown            Cause = "unknown"             // 不明
)

// CauseGroups lists the causes by group, in display order.
var CauseGroups = []struct {
	Key    string
	Causes []Cause
}{
	{"intentional", []Cause{CauseUnauthorizedAccess, CauseDoS, CauseMalware, CauseTargetedEmail, CauseIntentionalOther}},
	{"accidental", []Cause{CauseSoftwareFault, CauseHardwareFault, CauseOperationError, CauseManagementFailure}},
	{"environmental", []Cause{CauseNaturalDisaster, CausePowerOutage, CauseTelecomOutage, CauseSpillover}},
	{"other", []Cause{CauseOther, CauseUnknown}},
}

func validCause(c Cause) bool {
	for _, g := range CauseGroups {
		for _, x := range g.Causes {
			if x == c {
				return true
			}
		}
	}
	return false
}

// SystemKind is a kind of affected system.
type SystemKind string

// Kinds of affected systems; supply chains, external systems and overseas
// sites are first-class (2021 proposal 2).
const (
	SystemIT       SystemKind = "it"
	SystemOT       SystemKind = "ot" // OT / ICS
	SystemIoT      SystemKind = "iot"
	SystemCloud    SystemKind = "cloud"
	SystemExternal SystemKind = "external"
	SystemOverseas SystemKind = "overseas"
	SystemSupplier SystemKind = "supplier"
)

// SystemKinds lists the kinds in display order.
var SystemKinds = []SystemKind{SystemIT, SystemOT, SystemIoT, SystemCloud, SystemExternal, SystemOverseas, SystemSupplier}

// Route is the way a report travels upward.
type Route string

// Routes (SPEC §3.1): via the sector ministry (normal), via the CEPTOR
// secretariat with the reporter's identity removed, or directly to NISC.
const (
	RouteMinistry  Route = "ministry"
	RouteAnonymous Route = "ceptor_anonymous"
	RouteDirect    Route = "direct"
)

// ReportStatus is where a report stands.
type ReportStatus string

// Report states. A draft is visible to its organisation only; a submitted
// report travels hop by hop (its Hops say where it is); NISC receives it at
// the end of the chain; a closed report takes no more updates.
const (
	ReportDraft     ReportStatus = "draft"
	ReportSubmitted ReportStatus = "submitted"
	ReportReceived  ReportStatus = "received"
	ReportClosed    ReportStatus = "closed"
)

// IndicatorType is the kind of an indicator of compromise.
type IndicatorType string

// Indicator types.
const (
	IndURL    IndicatorType = "url"
	IndDomain IndicatorType = "domain"
	IndIPv4   IndicatorType = "ipv4"
	IndIPv6   IndicatorType = "ipv6"
	IndMD5    IndicatorType = "md5"
	IndSHA1   IndicatorType = "sha1"
	IndSHA256 IndicatorType = "sha256"
	IndEmail  IndicatorType = "email" // e-mail sender
)

// IndicatorTypes lists the types in display order.
var IndicatorTypes = []IndicatorType{IndURL, IndDomain, IndIPv4, IndIPv6, IndMD5, IndSHA1, IndSHA256, IndEmail}

// Indicator is an observable shared with a report (or, later, an advisory).
type Indicator struct {
	Type  IndicatorType `json:"type"`
	Value string        `json:"value"`
}

var hexRE = regexp.MustCompile(`^[0-9a-f]+$`)

// refang restores defanged indicators as analysts paste them.
var refang = strings.NewReplacer("[.]", ".", "(.)", ".", "[@]", "@", "hxxp", "http", "[:]", ":")

// Normalize validates an indicator and returns its canonical form (lower-case
// hashes and domains, defanged "hxxp" and "[.]" restored), or a message key.
func (in Indicator) Normalize() (Indicator, string) {
	v := strings.TrimSpace(in.Value)
	v = refang.Replace(v)
	if v == "" {
		return in, "err.required"
	}
	if len(v) > 2048 || !utf8.ValidString(v) {
		return in, "err.indicator"
	}
	out := Indicator{Type: in.Type, Value: v}
	switch in.Type {
	case IndURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp") || u.Host == "" {
			return in, "err.indicator_url"
		}
	case IndDomain:
		out.Value = strings.TrimSuffix(strings.ToLower(v), ".")
		if !validDomain(out.Value) {
			return in, "err.indicator_domain"
		}
	case IndIPv4:
		ip := net.ParseIP(v)
		if ip == nil || ip.To4() == nil || strings.Contains(v, ":") {
			return in, "err.indicator_ip"
		}
		out.Value = ip.To4().String()
	case IndIPv6:
		ip := net.ParseIP(v)
		if ip == nil || !strings.Contains(v, ":") {
			return in, "err.indicator_ip"
		}
		out.Value = ip.String()
	case IndMD5, IndSHA1, IndSHA256:
		out.Value = strings.ToLower(v)
		want := map[IndicatorType]int{IndMD5: 32, IndSHA1: 40, IndSHA256: 64}[in.Type]
		if len(out.Value) != want || !hexRE.MatchString(out.Value) {
			return in, "err.indicator_hash"
		}
	case IndEmail:
		out.Value = strings.ToLower(v)
		if !ValidEmail(out.Value) {
			return in, "err.email"
		}
	default:
		return in, "err.indicator_type"
	}
	return out, ""
}

// Impact describes the consequences of an event.
type Impact struct {
	UsersAffected *int   `json:"users_affected,omitempty"`
	Area          string `json:"area,omitempty"`        // geographic scope
	SafetyHarm    string `json:"safety_harm,omitempty"` // harm to people or property, if any
	DataAffected  string `json:"data_affected,omitempty"`
}

// Report is an upward report (情報連絡) of a malfunction, a precursor or a
// near miss. Its content is the latest version; Versions keep the history
// of follow-up reports (続報).
type Report struct {
	ID       int64        `json:"id"`
	Version  int          `json:"version"` // 1 for the first report, +1 per follow-up
	Status   ReportStatus `json:"status"`
	Route    Route        `json:"route"`
	CeptorID int64        `json:"ceptor_id,omitempty"` // the CEPTOR of the anonymous route
	SectorID int64        `json:"sector_id"`
	TLP      TLP          `json:"tlp"`
	Drill    bool         `json:"drill"` // an exercise report: never counted in statistics

	// The reporting organisation and person. For anonymous reports these
	// are zero everywhere outside the storage layer and the reporter's own
	// view; the identity is kept sealed (see SealedIdentity).
	OrgID        int64 `json:"org_id,omitempty"`
	AuthorUserID int64 `json:"author_user_id,omitempty"`
	// ReporterTag is the keyed hash of the reporting organisation (always
	// set); SealedIdentity the reporter organisation and user sealed with
	// the service key (anonymous reports only). Neither leaves the server.
	ReporterTag    string `json:"-"`
	SealedIdentity string `json:"-"`

	Title             string       `json:"title"`
	Body              string       `json:"body"`
	EventClass        EventClass   `json:"event_class"`
	Causes            []Cause      `json:"causes"`
	SpilloverSectorID int64        `json:"spillover_sector_id,omitempty"`
	CriticalOutage    bool         `json:"critical_outage"` // 重要インフラサービス障害
	Service           string       `json:"service,omitempty"`
	Systems           []SystemKind `json:"systems"`
	SupplierOrgID     int64        `json:"supplier_org_id,omitempty"`
	StartedAt         *time.Time   `json:"started_at,omitempty"`
	DetectedAt        *time.Time   `json:"detected_at,omitempty"`
	RecoveredAt       *time.Time   `json:"recovered_at,omitempty"`
	Impact            Impact       `json:"impact"`
	Response          string       `json:"response,omitempty"`
	Indicators        []Indicator  `json:"indicators"`
	Lang              string       `json:"lang"`
	ClockProfile      string       `json:"clock_profile,omitempty"`

	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`

	// VersionKind is set only on the stored copies ReportVersions returns:
	// which copy of that version this is.
	VersionKind VersionKind `json:"version_kind,omitempty"`
}

// VersionKind names a stored copy of a report at one version.
type VersionKind string

// Stored copies: the report as first submitted, as the relaying
// secretariat redacted it for everyone upstream, and each follow-up (続報).
// For an anonymous report the original holds text that identifies the
// reporter; only the reporter and the secretariat may read it (see
// UpstreamVersions).
const (
	VersionOriginal VersionKind = "original"
	VersionRedacted VersionKind = "redacted"
	VersionFollowUp VersionKind = "followup"
)

// UpstreamVersions keeps, of the copies ReportVersions returns, those that
// organisations upstream of the reporter may read. For a named report a
// version's original is dropped when a redacted copy of it exists. For an
// anonymous report only redacted copies ever go upstream: originals and
// follow-ups are as the reporter wrote them, identity included, until the
// secretariat has reviewed them.
func UpstreamVersions(vs []*Report, anonymous bool) []*Report {
	redacted := map[int]bool{}
	for _, v := range vs {
		if v.VersionKind == VersionRedacted {
			redacted[v.Version] = true
		}
	}
	out := make([]*Report, 0, len(vs))
	for _, v := range vs {
		if anonymous && v.VersionKind != VersionRedacted {
			continue
		}
		if v.VersionKind == VersionOriginal && redacted[v.Version] {
			continue
		}
		out = append(out, v)
	}
	return out
}

// Validate checks the report a person submits. Drafts are checked with
// draft=true: only what is typed must be well-formed.
func (r *Report) Validate(draft bool) error {
	f := map[string]string{}
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" && !draft {
		f["title"] = "err.required"
	} else if utf8.RuneCountInString(r.Title) > 300 {
		f["title"] = "err.too_long"
	}
	if utf8.RuneCountInString(r.Body) > 100000 || utf8.RuneCountInString(r.Response) > 100000 {
		f["body"] = "err.too_long"
	}
	for k, v := range map[string]string{"title": r.Title, "body": r.Body, "response": r.Response, "service": r.Service} {
		if !utf8.ValidString(v) {
			f[k] = "err.encoding"
		}
	}
	switch r.Route {
	case RouteMinistry, RouteDirect:
	case RouteAnonymous:
		if r.CeptorID == 0 {
			f["ceptor_id"] = "err.required"
		}
	default:
		f["route"] = "err.route"
	}
	if !r.TLP.Valid() {
		f["tlp"] = "err.tlp"
	}
	okClass := false
	for _, c := range EventClasses {
		okClass = okClass || c == r.EventClass
	}
	if !okClass && !(draft && r.EventClass == "") {
		f["event_class"] = "err.event_class"
	}
	if len(r.Causes) == 0 && !draft {
		f["causes"] = "err.required"
	}
	spill := false
	for _, c := range r.Causes {
		if !validCause(c) {
			f["causes"] = "err.cause"
		}
		spill = spill || c == CauseSpillover
	}
	if spill && r.SpilloverSectorID == 0 {
		f["spillover_sector_id"] = "err.required"
	}
	if !spill {
		r.SpilloverSectorID = 0
	}
	for _, s := range r.Systems {
		ok := false
		for _, k := range SystemKinds {
			ok = ok || k == s
		}
		if !ok {
			f["systems"] = "err.system"
		}
	}
	if r.SectorID == 0 && !draft {
		f["sector_id"] = "err.required"
	}
	if r.StartedAt != nil && r.DetectedAt != nil && r.DetectedAt.Before(*r.StartedAt) {
		f["detected_at"] = "err.detected_before_start"
	}
	if r.RecoveredAt != nil && r.StartedAt != nil && r.RecoveredAt.Before(*r.StartedAt) {
		f["recovered_at"] = "err.recovered_before_start"
	}
	if r.Impact.UsersAffected != nil && *r.Impact.UsersAffected < 0 {
		f["users_affected"] = "err.negative"
	}
	if len(r.Indicators) > 1000 {
		f["indicators"] = "err.too_many_items"
	}
	for i, in := range r.Indicators {
		n, key := in.Normalize()
		if key != "" {
			f["indicators"] = key
			continue
		}
		r.Indicators[i] = n
	}
	if r.Lang == "" {
		r.Lang = "ja"
	}
	if r.Lang != "ja" && r.Lang != "en" {
		f["lang"] = "err.lang"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Hop is one step of a report's way upward.
type Hop struct {
	Seq         int       `json:"seq"`
	FromOrgID   int64     `json:"from_org_id,omitempty"` // zero for an anonymous reporter
	ToOrgID     int64     `json:"to_org_id"`
	Action      string    `json:"action"` // submitted, relayed, received
	Note        string    `json:"note,omitempty"`
	ActorUserID int64     `json:"actor_user_id,omitempty"`
	At          time.Time `json:"at"`
	Pending     bool      `json:"pending"` // waiting at ToOrgID
}

// Chain returns the organisations a report passes, in order, after the
// reporter: the ministry route goes ministry -> NISC, the anonymous route
// secretariat -> ministry -> NISC, the direct route NISC only.
func Chain(route Route, nisc, ministry, secretariat int64) []int64 {
	switch route {
	case RouteMinistry:
		return []int64{ministry, nisc}
	case RouteAnonymous:
		return []int64{secretariat, ministry, nisc}
	}
	return []int64{nisc}
}

// ReportFilter selects reports.
type ReportFilter struct {
	Q        string // Japanese full-text (substring) search over title, body, response; every word must match
	Status   ReportStatus
	SectorID int64
	Route    Route
	Drill    *bool
	From, To *time.Time // submitted at or after From and before To
	// ReporterTag keeps the reports of the organisation with this keyed tag
	// (its own reports, anonymous ones and drafts included).
	ReporterTag string
	// PendingAt keeps the reports waiting at this organisation (its queue
	// to relay).
	PendingAt int64
	// Visible keeps only what the caller may see (the policy, as a closure).
	Visible func(*ReportRef) bool
	Limit   int
	Offset  int
}

// ReportRef is what the policy needs to know about a report.
type ReportRef struct {
	ID          int64
	Status      ReportStatus
	Route       Route
	CeptorID    int64
	SectorID    int64
	TLP         TLP
	ReporterOrg int64   // the real reporter (internal; never shown for anonymous reports)
	ChainOrgs   []int64 // organisations the report has reached so far
	PendingAt   int64   // organisation holding the report now (0 when received or draft)
	Unsealed    bool    // the secretariat has unsealed the identity
	ReporterTag string  // keyed hash of the reporter, by which an anonymous reporter recognises its own report
}

// Resource describes the report for the policy.
func (r *ReportRef) Resource() Resource {
	res := Resource{Kind: KindReport, OrgID: r.ReporterOrg, SectorIDs: []int64{r.SectorID}, TLP: r.TLP,
		Anonymous: r.Route == RouteAnonymous, ChainOrgIDs: r.ChainOrgs, PendingAt: r.PendingAt, Unsealed: r.Unsealed,
		Draft: r.Status == ReportDraft, OwnerTag: r.ReporterTag}
	if r.CeptorID != 0 {
		res.CeptorIDs = []int64{r.CeptorID}
	}
	return res
}

// Attachment is a file attached to a report. Files are served only as
// downloads, never rendered.
type Attachment struct {
	ID          int64     `json:"id"`
	ReportID    int64     `json:"report_id"`
	Version     int       `json:"version"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// MaxAttachmentSize is the largest attachment accepted.
const MaxAttachmentSize = 10 << 20

// NewReport is what storing a report sent at once wrote besides the report
// itself: its policy references, first hop and first version, equal to what
// FindReport, ReportHops and ReportVersions would return.
type NewReport struct {
	Ref      *ReportRef
	Hops     []Hop
	Versions []*Report
}

// ReportService stores reports. It never checks access.
type ReportService interface {
	CreateReport(ctx context.Context, r *Report) error
	UpdateDraft(ctx context.Context, r *Report) error
	// SubmitReport fixes the chain and sends the report to its first hop.
	SubmitReport(ctx context.Context, id int64, chain []int64, actorUserID int64) error
	// SubmitNewReport stores a new report and submits it along chain at
	// once (CreateReport then SubmitReport, in one step). r becomes what
	// FindReport returns; the answer is the rest of what was stored, as
	// reading it back would return it.
	SubmitNewReport(ctx context.Context, r *Report, chain []int64, actorUserID int64) (*NewReport, error)
	// PrepareNewReport is SubmitNewReport in two steps: checks and encodings
	// now, and a function that stores the report (normally inside the
	// caller's transaction, kept short).
	PrepareNewReport(r *Report, chain []int64, actorUserID int64) (func(context.Context) (*NewReport, error), error)
	// AddFollowUp stores a new version (続報) of a submitted report.
	AddFollowUp(ctx context.Context, r *Report, actorUserID int64) error
	// RelayReport moves the report from the organisation holding it to the
	// next hop, with an optional note; redacted, when given, replaces the
	// text fields upstream sees.
	RelayReport(ctx context.Context, id int64, fromOrg int64, note string, actorUserID int64, redacted *Report) error
	CloseReport(ctx context.Context, id int64, at time.Time) error
	FindReport(ctx context.Context, id int64) (*Report, *ReportRef, error)
	ListReports(ctx context.Context, f ReportFilter) ([]*Report, []*ReportRef, int, error)
	ReportHops(ctx context.Context, id int64) ([]Hop, error)
	ReportVersions(ctx context.Context, id int64) ([]*Report, error)
	// MarkUnsealed records that the secretariat revealed the identity.
	MarkUnsealed(ctx context.Context, id int64) error

	AddAttachment(ctx context.Context, a *Attachment, data []byte) error
	ListAttachments(ctx context.Context, reportID int64) ([]*Attachment, error)
	// AttachmentData returns an attachment and its content.
	AttachmentData(ctx context.Context, id int64) (*Attachment, []byte, error)

	// ReportCounts counts the reports submitted in [from, to) for the
	// programme's statistics, drills or real ones.
	ReportCounts(ctx context.Context, from, to time.Time, drill bool) ([]ReportCount, error)
}

// ReportCount is one cell of the report statistics. Each sector and event
// class has one row with Cause "" counting its reports once each, and one
// row per cause counting the reports that name it (a report with several
// causes counts under each of them, so cause rows do not add up to the
// total).
type ReportCount struct {
	SectorID   int64      `json:"sector_id"`
	EventClass EventClass `json:"event_class"`
	Cause      Cause      `json:"cause,omitempty"`
	N          int        `json:"n"`
}
