package ceptor

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Advisories downward (情報提供, SPEC §3.1): NISC, a ministry for its
// sectors, a CEPTOR secretariat for its members or the CEPTOR Council for
// its member CEPTORs issues information useful for defence. It travels
// NISC -> ministry -> CEPTOR secretariat -> operators; each recipient
// organisation confirms receipt once (疎通確認).
//
// Drill advisories (訓練) use the same model with Drill set (and DrillID
// naming the drill that created them): they are delivered and confirmed
// like real ones, always marked 訓練, and never counted in real statistics.

// AdvisoryCategory is what kind of information an advisory carries.
type AdvisoryCategory string

// Advisory categories.
const (
	CatAlert         AdvisoryCategory = "alert"            // 注意喚起
	CatVulnerability AdvisoryCategory = "vulnerability"    // 脆弱性情報
	CatAttack        AdvisoryCategory = "attack"           // 攻撃情報
	CatPartner       AdvisoryCategory = "partner_analysis" // 関係機関の分析情報
	CatNotice        AdvisoryCategory = "notice"           // 事務連絡
	CatDrill         AdvisoryCategory = "drill"            // 訓練
)

// AdvisoryCategories lists the categories in display order.
var AdvisoryCategories = []AdvisoryCategory{CatAlert, CatVulnerability, CatAttack, CatPartner, CatNotice, CatDrill}

// Urgency says how quickly recipients should act.
type Urgency string

// Urgencies, from the least to the most urgent.
const (
	UrgencyLow      Urgency = "low"
	UrgencyNormal   Urgency = "normal"
	UrgencyHigh     Urgency = "high"
	UrgencyCritical Urgency = "critical"
)

// Urgencies lists the urgencies in display order.
var Urgencies = []Urgency{UrgencyLow, UrgencyNormal, UrgencyHigh, UrgencyCritical}

// AdvisorySource says where the information comes from.
type AdvisorySource string

// Sources.
const (
	SourceOwn         AdvisorySource = "own"          // the issuer's own analysis
	SourcePartner     AdvisorySource = "partner"      // a partner agency (IPA, JPCERT/CC, NPA ...)
	SourceForeignCERT AdvisorySource = "foreign_cert" // a foreign CERT
)

// AdvisorySources lists the sources in display order.
var AdvisorySources = []AdvisorySource{SourceOwn, SourcePartner, SourceForeignCERT}

// AdvisoryStatus is where an advisory stands.
type AdvisoryStatus string

// Advisory states: draft -> in_review (when the issuer asks for four-eyes
// review) -> published -> withdrawn. A published advisory may be corrected
// (a new version) any number of times before it is withdrawn.
const (
	AdvisoryDraft     AdvisoryStatus = "draft"
	AdvisoryInReview  AdvisoryStatus = "in_review"
	AdvisoryPublished AdvisoryStatus = "published"
	AdvisoryWithdrawn AdvisoryStatus = "withdrawn"
)

// Audience says who an advisory is for. The union of its parts is the
// audience; Everyone means every active participant.
type Audience struct {
	Everyone  bool      `json:"everyone"`
	SectorIDs []int64   `json:"sector_ids,omitempty"`
	CeptorIDs []int64   `json:"ceptor_ids,omitempty"`
	OrgIDs    []int64   `json:"org_ids,omitempty"`
	OrgTypes  []OrgType `json:"org_types,omitempty"`
}

// Empty reports whether the audience names nobody.
func (a Audience) Empty() bool {
	return !a.Everyone && len(a.SectorIDs) == 0 && len(a.CeptorIDs) == 0 && len(a.OrgIDs) == 0 && len(a.OrgTypes) == 0
}

// Includes reports whether an organisation of the given type, sectors and
// CEPTOR memberships is in the audience.
func (a Audience) Includes(orgID int64, t OrgType, sectorIDs, ceptorIDs []int64) bool {
	return a.Everyone || slices.Contains(a.OrgIDs, orgID) || slices.Contains(a.OrgTypes, t) ||
		overlaps(a.SectorIDs, sectorIDs) || overlaps(a.CeptorIDs, ceptorIDs)
}

// AdvisoryReach is what an audience reaches, worked out from the registry
// by the caller, so that the policy can tell whether an issuer may address
// it: a ministry only its sectors, a secretariat only its members, the
// Council only member CEPTORs.
type AdvisoryReach struct {
	// Unbounded: the audience includes everyone or whole organisation types.
	Unbounded bool
	// SectorIDs: sectors named in the audience, those of the named CEPTORs
	// and those of the named organisations.
	SectorIDs []int64
	// CeptorIDs: CEPTORs named in the audience.
	CeptorIDs []int64
	// SectorWide: the audience names whole sectors.
	SectorWide bool
	// Orgs: the named organisations' sectors and memberships.
	Orgs []ReachOrg
	// CeptorsInCouncil: every named CEPTOR is a member of the CEPTOR Council.
	CeptorsInCouncil bool
}

// ReachOrg is a named organisation of an audience, as the policy needs it.
type ReachOrg struct {
	ID        int64
	SectorIDs []int64
	CeptorIDs []int64
}

// AdvisoryFacts are what the policy needs to know about an advisory beyond
// the common Resource fields (OrgID: the issuer; UserID: the author; TLP;
// ChainOrgIDs: the relay hops the advisory passes through).
type AdvisoryFacts struct {
	Status   AdvisoryStatus
	Audience Audience
	Reach    AdvisoryReach
	// NeedsReview: the issuer asks for a second person's approval before
	// publishing (four-eyes); Approved: that approval was given for the
	// current content.
	NeedsReview bool
	Approved    bool
}

// Advisory is one advisory (情報提供) in its current version.
type Advisory struct {
	ID         int64            `json:"id"`
	Version    int              `json:"version"`
	Status     AdvisoryStatus   `json:"status"`
	OrgID      int64            `json:"org_id"` // issuer
	AuthorID   int64            `json:"author_user_id"`
	ReviewerID int64            `json:"reviewer_user_id,omitempty"`
	Approved   bool             `json:"approved"` // a second person approved the current draft
	Title      string           `json:"title"`
	Body       string           `json:"body"` // Markdown
	Category   AdvisoryCategory `json:"category"`
	Urgency    Urgency          `json:"urgency"`
	TLP        TLP              `json:"tlp"`
	Source     AdvisorySource   `json:"source"`
	SourceName string           `json:"source_name,omitempty"` // e.g. the partner agency or CERT
	Audience   Audience         `json:"audience"`
	// Deadline is when receipt must be confirmed by.
	Deadline *time.Time `json:"deadline,omitempty"`
	Drill    bool       `json:"drill"`
	DrillID  int64      `json:"drill_id,omitempty"`
	// Note explains the current version (what a correction changed).
	Note           string     `json:"note,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	PublishedAt    *time.Time `json:"published_at,omitempty"`
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`

	// Filled by listings for the organisation asking: it relays the
	// advisory (a hop), and its own recipient state ("" when not one).
	ViewerHop   bool           `json:"viewer_hop,omitempty"`
	ViewerState RecipientState `json:"viewer_state,omitempty"`
}

// Limits of advisory fields.
const (
	MaxAdvisoryTitle = 300
	MaxAdvisoryBody  = 100_000
	MaxAdvisoryNote  = 2000
)

// Validate checks and normalises what the author entered.
func (a *Advisory) Validate() error {
	f := map[string]string{}
	a.Title = strings.TrimSpace(a.Title)
	a.Body = strings.TrimSpace(strings.ReplaceAll(a.Body, "\r\n", "\n"))
	a.SourceName = strings.TrimSpace(a.SourceName)
	a.Note = strings.TrimSpace(a.Note)
	switch {
	case a.Title == "":
		f["title"] = "err.required"
	case utf8.RuneCountInString(a.Title) > MaxAdvisoryTitle || strings.ContainsAny(a.Title, "\r\n"):
		f["title"] = "err.too_long"
	}
	if !utf8.ValidString(a.Title+a.Body+a.SourceName+a.Note) || strings.ContainsRune(a.Body, 0) {
		f["body"] = "err.invalid"
	}
	if utf8.RuneCountInString(a.Body) > MaxAdvisoryBody {
		f["body"] = "err.too_long"
	}
	if utf8.RuneCountInString(a.SourceName) > 200 {
		f["source_name"] = "err.too_long"
	}
	if utf8.RuneCountInString(a.Note) > MaxAdvisoryNote {
		f["note"] = "err.too_long"
	}
	if a.Category == "" {
		a.Category = CatAlert
	}
	if !slices.Contains(AdvisoryCategories, a.Category) {
		f["category"] = "adv.err_category"
	}
	if a.Drill {
		a.Category = CatDrill
	} else if a.Category == CatDrill {
		a.Drill = true
	}
	if a.Urgency == "" {
		a.Urgency = UrgencyNormal
	}
	if !slices.Contains(Urgencies, a.Urgency) {
		f["urgency"] = "adv.err_urgency"
	}
	if a.Source == "" {
		a.Source = SourceOwn
	}
	if !slices.Contains(AdvisorySources, a.Source) {
		f["source"] = "adv.err_source"
	}
	if a.TLP == "" {
		a.TLP = TLPAmber
	}
	if !a.TLP.Valid() {
		f["tlp"] = "err.tlp"
	}
	for _, t := range a.Audience.OrgTypes {
		if !t.Valid() {
			f["audience"] = "err.org_type"
		}
	}
	a.Audience.SectorIDs = uniqueIDs(a.Audience.SectorIDs)
	a.Audience.CeptorIDs = uniqueIDs(a.Audience.CeptorIDs)
	a.Audience.OrgIDs = uniqueIDs(a.Audience.OrgIDs)
	slices.Sort(a.Audience.OrgTypes)
	a.Audience.OrgTypes = slices.Compact(a.Audience.OrgTypes)
	if a.TLP == TLPRed {
		// TLP:RED is for named recipients only: no sector, CEPTOR or
		// type-wide audience, which would put it in front of people
		// nobody chose.
		if a.Audience.Everyone || len(a.Audience.SectorIDs) > 0 || len(a.Audience.CeptorIDs) > 0 || len(a.Audience.OrgTypes) > 0 {
			f["audience"] = "adv.err_red_audience"
		}
	}
	if len(a.Audience.OrgIDs) > 5000 || len(a.Audience.SectorIDs)+len(a.Audience.CeptorIDs) > 500 {
		f["audience"] = "err.too_long"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// ValidateForPublish adds what a published advisory needs.
func (a *Advisory) ValidateForPublish(now time.Time) error {
	if err := a.Validate(); err != nil {
		return err
	}
	f := map[string]string{}
	if a.Audience.Empty() {
		f["audience"] = "adv.err_audience"
	}
	if a.Body == "" {
		f["body"] = "err.required"
	}
	if a.Deadline != nil && !a.Deadline.After(now) {
		f["deadline"] = "adv.err_deadline_past"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Direct reports whether the advisory skips the relay chain: TLP
// AMBER+STRICT and RED stay with the recipient organisations themselves,
// so no ministry or secretariat on the way may read them.
func (a *Advisory) Direct() bool { return !a.TLP.AtMost(TLPAmber) }

func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RecipientState is where one recipient organisation stands.
type RecipientState string

// Recipient states.
const (
	RecipientPending     RecipientState = "pending"     // not yet delivered (or held at a hop that relays by hand)
	RecipientDelivered   RecipientState = "delivered"   // at least one channel delivered
	RecipientConfirmed   RecipientState = "confirmed"   // receipt confirmed (疎通確認)
	RecipientUnreachable RecipientState = "unreachable" // every channel tried has failed
)

// RecipientStates lists the states in display order.
var RecipientStates = []RecipientState{RecipientPending, RecipientDelivered, RecipientConfirmed, RecipientUnreachable}

// Delivery channels.
const (
	ChannelInbox   = "inbox"
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// FollowUpReason is why an organisation did not confirm, as found by its
// CEPTOR secretariat or ministry.
type FollowUpReason string

// Follow-up reasons.
const (
	FollowContactOutdated FollowUpReason = "contact_outdated" // 連絡先が古い
	FollowMailFiltered    FollowUpReason = "mail_filtered"    // メールがフィルタされた
	FollowAbsent          FollowUpReason = "absent"           // 担当者不在
	FollowOther           FollowUpReason = "other"            // その他
)

// FollowUpReasons lists the reasons in display order.
var FollowUpReasons = []FollowUpReason{FollowContactOutdated, FollowMailFiltered, FollowAbsent, FollowOther}

// AdvisoryRecipient is one recipient organisation of an advisory.
type AdvisoryRecipient struct {
	AdvisoryID    int64          `json:"advisory_id"`
	OrgID         int64          `json:"org_id"`
	OrgName       string         `json:"org_name"`
	OrgNameEN     string         `json:"org_name_en,omitempty"`
	OrgType       OrgType        `json:"org_type"`
	SectorID      int64          `json:"sector_id,omitempty"`
	CeptorID      int64          `json:"ceptor_id,omitempty"`
	ViaOrgID      int64          `json:"via_org_id"` // the hop it receives the advisory from
	MinistryHop   int64          `json:"ministry_hop,omitempty"`
	CeptorHop     int64          `json:"ceptor_hop,omitempty"`
	State         RecipientState `json:"state"`
	DeliveredAt   *time.Time     `json:"delivered_at,omitempty"`
	ConfirmedAt   *time.Time     `json:"confirmed_at,omitempty"`
	ConfirmedBy   int64          `json:"confirmed_by,omitempty"`
	ConfirmedVia  string         `json:"confirmed_via,omitempty"` // inbox, email, api
	ReadAt        *time.Time     `json:"read_at,omitempty"`
	Reason        FollowUpReason `json:"follow_up_reason,omitempty"`
	ReasonNote    string         `json:"follow_up_note,omitempty"`
	Escalated     int            `json:"escalated"` // 0 none, 1 secretariat, 2 ministry
	Drill         bool           `json:"drill"`
	ConfirmedName string         `json:"confirmed_by_name,omitempty"`
	// Held: waiting at a hop that relays by hand; the organisation does not
	// have the advisory yet.
	Held bool `json:"held"`
}

// AdvisoryHop is one organisation on the relay chain.
type AdvisoryHop struct {
	AdvisoryID  int64      `json:"advisory_id"`
	OrgID       int64      `json:"org_id"`
	OrgName     string     `json:"org_name"`
	OrgType     OrgType    `json:"org_type"`
	FromOrgID   int64      `json:"from_org_id"`
	Level       int        `json:"level"` // 1 ministry, 2 secretariat
	Manual      bool       `json:"manual"`
	Note        string     `json:"note,omitempty"`
	ReceivedAt  *time.Time `json:"received_at,omitempty"`
	RelayedAt   *time.Time `json:"relayed_at,omitempty"`
	RelayedBy   int64      `json:"relayed_by,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// AdvisoryVersion is a stored earlier (or current) version.
type AdvisoryVersion struct {
	Version   int       `json:"version"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Urgency   Urgency   `json:"urgency"`
	TLP       TLP       `json:"tlp"`
	Note      string    `json:"note,omitempty"`
	AuthorID  int64     `json:"author_user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Bucket is one group of a receipt summary.
type Bucket struct {
	Key         string  `json:"key"` // id or name of the group
	Label       string  `json:"label"`
	Recipients  int     `json:"recipients"`
	Delivered   int     `json:"delivered"`
	Confirmed   int     `json:"confirmed"`
	Unreachable int     `json:"unreachable"`
	Rate        float64 `json:"rate"` // confirmed / recipients
}

// Finish computes the rate.
func (b *Bucket) Finish() {
	if b.Recipients > 0 {
		b.Rate = float64(b.Confirmed) / float64(b.Recipients)
	}
}

// ReceiptSummary is the confirmation picture of one advisory.
type ReceiptSummary struct {
	AdvisoryID int64    `json:"advisory_id"`
	Total      Bucket   `json:"total"`
	PerHop     []Bucket `json:"per_hop"`    // keyed by the relaying organisation ("0": received directly from the issuer)
	PerCeptor  []Bucket `json:"per_ceptor"` // keyed by CEPTOR id ("0": outside any CEPTOR)
	PerSector  []Bucket `json:"per_sector"` // keyed by sector id
	// ConfirmMinutes: minutes from publication to confirmation, in
	// buckets [0,15) [15,30) [30,60) [60,120) [120,240) [240,480) [480,1440) [1440,inf).
	ConfirmMinutes []int `json:"confirm_minutes"`
}

// ConfirmBuckets are the lower bounds in minutes of ReceiptSummary.ConfirmMinutes.
var ConfirmBuckets = []int{0, 15, 30, 60, 120, 240, 480, 1440}

// AdvisoryFilter selects advisories.
type AdvisoryFilter struct {
	// ViewerOrgID and the viewer's relations select what the viewer may see;
	// the caller still asks the policy for each item.
	Viewer   *Actor
	Status   AdvisoryStatus
	Category AdvisoryCategory
	Drill    *bool
	Q        string
	Issued   bool // only those issued by the viewer's organisation
	Limit    int
	Offset   int
}

// InboxFilter selects a recipient organisation's inbox.
type InboxFilter struct {
	OrgID       int64
	UserID      int64
	Unconfirmed bool
	Unread      bool
	Category    AdvisoryCategory
	Drill       *bool
	Q           string
	Limit       int
	Offset      int
}

// InboxItem is one advisory in a recipient's inbox.
type InboxItem struct {
	Advisory  *Advisory         `json:"advisory"`
	Recipient AdvisoryRecipient `json:"recipient"`
	Read      bool              `json:"read"`
}

// AdvisoryOrgSettings are an issuing or relaying organisation's choices.
type AdvisoryOrgSettings struct {
	OrgID int64 `json:"org_id"`
	// FourEyes: advisories need a second person's approval before publishing.
	FourEyes bool `json:"four_eyes"`
	// ManualRelay: the organisation relays advisories itself (after adding
	// a sector note) instead of passing them on at once.
	ManualRelay bool `json:"manual_relay"`
}

// AdvisoryAttachment is a file attached to an advisory, served only as a
// download.
type AdvisoryAttachment struct {
	ID          int64     `json:"id"`
	AdvisoryID  int64     `json:"advisory_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// PublishResult says what a publication (or correction) did.
type PublishResult struct {
	Recipients int     `json:"recipients"`
	Hops       int     `json:"hops"`
	Deliveries []int64 `json:"-"` // ids of delivery rows to send (e-mail, webhook)
}

// AdvisoryService stores advisories, their recipients, hops and deliveries.
// Implementations never check access; callers ask the policy first.
type AdvisoryService interface {
	CreateAdvisory(ctx context.Context, a *Advisory) error
	UpdateAdvisory(ctx context.Context, a *Advisory) error
	FindAdvisory(ctx context.Context, id int64) (*Advisory, error)
	ListAdvisories(ctx context.Context, f AdvisoryFilter) ([]*Advisory, int, error)
	AdvisoryVersions(ctx context.Context, id int64) ([]AdvisoryVersion, error)
	// SetAdvisoryStatus moves an advisory between draft, in_review and
	// withdrawn (publication has its own method); reason goes with a withdrawal.
	SetAdvisoryStatus(ctx context.Context, id int64, st AdvisoryStatus, reason string, at time.Time) error
	// ApproveAdvisory records a second person's approval (four-eyes).
	ApproveAdvisory(ctx context.Context, id, reviewer int64) error
	// PublishAdvisory resolves the audience into recipients and hops and
	// creates the delivery rows, in the ambient transaction.
	PublishAdvisory(ctx context.Context, id int64, at time.Time) (*PublishResult, error)
	// CorrectAdvisory stores a new version and queues a notice of it to
	// every recipient already reached.
	CorrectAdvisory(ctx context.Context, a *Advisory, at time.Time) (*PublishResult, error)
	// RelayAdvisory records that hop org relays (with a note) and releases
	// what waited at it.
	RelayAdvisory(ctx context.Context, id, orgID, userID int64, note string, at time.Time) (*PublishResult, error)
	AdvisoryHops(ctx context.Context, id int64) ([]AdvisoryHop, error)
	// HopOrgIDs returns the organisations relaying the advisory.
	HopOrgIDs(ctx context.Context, id int64) ([]int64, error)
	AdvisoryRecipient(ctx context.Context, id, orgID int64) (*AdvisoryRecipient, error)
	ListRecipients(ctx context.Context, id int64, viaOrgs []int64, states []RecipientState, limit, offset int) ([]AdvisoryRecipient, int, error)
	// ConfirmAdvisory records the organisation's confirmation; false when
	// it had already confirmed (the first confirmation stands).
	ConfirmAdvisory(ctx context.Context, id, orgID, userID int64, via string, at time.Time) (bool, error)
	MarkAdvisoryRead(ctx context.Context, id, orgID, userID int64, at time.Time) error
	RecordFollowUp(ctx context.Context, id, orgID int64, reason FollowUpReason, note string, by int64, at time.Time) error
	ReceiptSummary(ctx context.Context, id int64, viaOrgs []int64) (*ReceiptSummary, error)
	Inbox(ctx context.Context, f InboxFilter) ([]InboxItem, int, error)
	AdvisoryOrgSettings(ctx context.Context, orgID int64) (AdvisoryOrgSettings, error)
	SetAdvisoryOrgSettings(ctx context.Context, s AdvisoryOrgSettings) error
	// AdvisoryCounts returns real (non-drill) advisories published per
	// fiscal year.
	AdvisoryCounts(ctx context.Context) (map[int]int, error)
	AddAdvisoryAttachment(ctx context.Context, a *AdvisoryAttachment, data []byte) error
	ListAdvisoryAttachments(ctx context.Context, id int64) ([]*AdvisoryAttachment, error)
	AdvisoryAttachmentData(ctx context.Context, id int64) (*AdvisoryAttachment, []byte, error)
}

// ComputeReach works out what an audience reaches from the registry, for
// the policy (see AdvisoryReach).
func ComputeReach(aud Audience, ceptors []*Ceptor, org func(id int64) *Organization) AdvisoryReach {
	r := AdvisoryReach{Unbounded: aud.Everyone || len(aud.OrgTypes) > 0, SectorWide: len(aud.SectorIDs) > 0,
		CeptorIDs: slices.Clone(aud.CeptorIDs), SectorIDs: slices.Clone(aud.SectorIDs), CeptorsInCouncil: len(aud.CeptorIDs) > 0}
	for _, id := range aud.CeptorIDs {
		found := false
		for _, c := range ceptors {
			if c.ID == id {
				found = true
				r.SectorIDs = append(r.SectorIDs, c.SectorID)
				r.CeptorsInCouncil = r.CeptorsInCouncil && c.InCouncil
			}
		}
		if !found {
			r.CeptorsInCouncil = false
		}
	}
	for _, id := range aud.OrgIDs {
		ro := ReachOrg{ID: id}
		if o := org(id); o != nil {
			ro.SectorIDs, ro.CeptorIDs = o.SectorIDs, o.CeptorIDs
			r.SectorIDs = append(r.SectorIDs, o.SectorIDs...)
		}
		r.Orgs = append(r.Orgs, ro)
	}
	r.SectorIDs = uniqueIDs(r.SectorIDs)
	return r
}

// AdvisoryDelivery is one message to one contact over one channel (or
// the organisation's in-app inbox, ContactID 0) for one purpose: "v1" for
// the publication, "vN" for correction N, "reminder" for a reminder.
type AdvisoryDelivery struct {
	ID         int64      `json:"id"`
	AdvisoryID int64      `json:"advisory_id"`
	OrgID      int64      `json:"org_id"`
	ContactID  int64      `json:"contact_id"`
	Channel    string     `json:"channel"`
	Purpose    string     `json:"purpose"`
	Address    string     `json:"-"` // e-mail address or webhook URL: personal data, never logged
	Lang       string     `json:"lang"`
	Alternate  bool       `json:"alternate"`
	Status     string     `json:"status"` // queued, sending, sent, failed
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}
