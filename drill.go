package ceptor

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CEPTOR drills (セプター訓練, SPEC §3.2): NISC rehearses the vertical chain
// NISC -> ministry -> CEPTOR secretariat -> operator with the CEPTORs it
// chooses. A downward drill (情報提供訓練) sends a drill advisory through the
// advisory engine and measures who confirms receipt and how fast (the
// round trip, 往復); an upward drill (情報連絡訓練) asks every participating
// operator to send a drill report, optionally under the assumption that
// damage occurred (被害あり). A drill may be announced ahead or not
// (抜き打ち: participants see nothing before it starts) and may use the
// alternate channel only (the usual one assumed down). Everything a drill
// produces is marked 訓練 and stays out of the real statistics: the drill
// advisory carries Drill and DrillID, drill reports carry Drill.

// DrillStatus is where a drill stands.
type DrillStatus string

// Drill states: planned -> running (started: the drill advisory is
// published, participants are fixed) -> closed (no more drill reports;
// self-check sheets may still be filled in, they are usually written
// after the drill).
const (
	DrillPlanned DrillStatus = "planned"
	DrillRunning DrillStatus = "running"
	DrillClosed  DrillStatus = "closed"
)

// DrillStatuses lists the states in display order.
var DrillStatuses = []DrillStatus{DrillPlanned, DrillRunning, DrillClosed}

// DrillChannel says how the drill message travels.
type DrillChannel string

// Channels: the normal one (in-app inbox and the primary contacts'
// e-mail and webhooks) or the alternate one (the usual channel assumed
// down: e-mail and webhooks to the alternate contacts only, no in-app
// delivery).
const (
	DrillChannelNormal    DrillChannel = "normal"
	DrillChannelAlternate DrillChannel = "alternate"
)

// DrillChannels lists the channels in display order.
var DrillChannels = []DrillChannel{DrillChannelNormal, DrillChannelAlternate}

// Drill is one CEPTOR drill.
type Drill struct {
	ID       int64  `json:"id"`
	OrgID    int64  `json:"org_id"` // the planner (NISC)
	AuthorID int64  `json:"author_user_id"`
	Title    string `json:"title"`
	// Instructions are what participants are told when the drill starts
	// (the body of the drill advisory; Markdown).
	Instructions string `json:"instructions"`
	// FiscalYear follows from WindowStart (Japan time).
	FiscalYear  int       `json:"fiscal_year"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	CeptorIDs   []int64   `json:"ceptor_ids"`
	// SectorIDs are the sectors of the chosen CEPTORs (from the registry).
	SectorIDs []int64      `json:"sector_ids"`
	Announced bool         `json:"announced"`
	Channel   DrillChannel `json:"channel"`
	Downward  bool         `json:"downward"` // 情報提供訓練: receipt confirmation
	Upward    bool         `json:"upward"`   // 情報連絡訓練: each operator sends a drill report
	// AssumeDamage: operators report under the assumption 被害あり.
	AssumeDamage bool        `json:"assume_damage"`
	Status       DrillStatus `json:"status"`
	// AdvisoryID is the drill advisory published at the start.
	AdvisoryID int64      `json:"advisory_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// Limits of drill fields.
const (
	MaxDrillTitle        = 200
	MaxDrillInstructions = 20_000
	MaxDrillCeptors      = 100
	MaxSelfCheckText     = 2000
)

// Validate checks and normalises what the planner entered.
func (d *Drill) Validate() error {
	f := map[string]string{}
	d.Title = strings.TrimSpace(d.Title)
	d.Instructions = strings.TrimSpace(strings.ReplaceAll(d.Instructions, "\r\n", "\n"))
	switch {
	case d.Title == "":
		f["title"] = "err.required"
	case utf8.RuneCountInString(d.Title) > MaxDrillTitle || strings.ContainsAny(d.Title, "\r\n"):
		f["title"] = "err.too_long"
	}
	if !utf8.ValidString(d.Title+d.Instructions) || strings.ContainsRune(d.Instructions, 0) {
		f["instructions"] = "err.invalid"
	} else if utf8.RuneCountInString(d.Instructions) > MaxDrillInstructions {
		f["instructions"] = "err.too_long"
	}
	if d.WindowStart.IsZero() {
		f["window_start"] = "err.required"
	}
	if d.WindowEnd.IsZero() {
		f["window_end"] = "err.required"
	} else if !d.WindowStart.IsZero() && !d.WindowEnd.After(d.WindowStart) {
		f["window_end"] = "drills.err_window"
	}
	if !d.WindowStart.IsZero() {
		d.WindowStart = d.WindowStart.UTC()
		d.FiscalYear = FiscalYear(d.WindowStart)
	}
	if !d.WindowEnd.IsZero() {
		d.WindowEnd = d.WindowEnd.UTC()
	}
	d.CeptorIDs = uniqueIDs(d.CeptorIDs)
	switch {
	case len(d.CeptorIDs) == 0:
		f["ceptor_ids"] = "drills.err_ceptors"
	case len(d.CeptorIDs) > MaxDrillCeptors:
		f["ceptor_ids"] = "err.too_long"
	}
	if d.Channel == "" {
		d.Channel = DrillChannelNormal
	}
	if !slices.Contains(DrillChannels, d.Channel) {
		f["channel"] = "drills.err_channel"
	}
	if !d.Downward && !d.Upward {
		f["direction"] = "drills.err_direction"
	}
	if !d.Upward {
		d.AssumeDamage = false
	}
	if d.Status == "" {
		d.Status = DrillPlanned
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// DrillAdvisory is the drill advisory a drill publishes when it starts:
// category drill, flagged Drill (every page, e-mail, notification and
// webhook marks it 訓練 from the flag, so the title carries no second
// mark), to the chosen CEPTORs, with
// the window's end as the confirmation deadline of a downward drill. link
// is the address of the drill report form (for the upward instruction).
func (d *Drill) DrillAdvisory(author int64, link string) *Advisory {
	var b strings.Builder
	if d.Instructions != "" {
		b.WriteString(d.Instructions)
		b.WriteString("\n\n")
	}
	b.WriteString("---\n\n")
	if d.Downward {
		b.WriteString("**【情報提供訓練】** 本メッセージは訓練です。受信箱の「受領を確認」で受領を確認してください。\n\n")
		b.WriteString("(Drill: please confirm receipt.)\n\n")
	}
	if d.Upward {
		if d.AssumeDamage {
			b.WriteString("**【情報連絡訓練】** 「被害あり」と仮定し、訓練用の情報連絡を送ってください: " + link + "\n\n")
		} else {
			b.WriteString("**【情報連絡訓練】** 訓練用の情報連絡を送ってください: " + link + "\n\n")
		}
		b.WriteString("(Drill: please send a drill report.)\n\n")
	}
	a := &Advisory{OrgID: d.OrgID, AuthorID: author, Title: d.Title, Body: strings.TrimSpace(b.String()),
		Category: CatDrill, Urgency: UrgencyNormal, TLP: TLPAmber, Source: SourceOwn, Drill: true, DrillID: d.ID,
		Audience: Audience{CeptorIDs: slices.Clone(d.CeptorIDs)}}
	if d.Downward {
		// Only a downward drill asks for confirmation by a deadline (and
		// so for reminders and escalation); an upward drill's message is
		// the instruction to report.
		dl := d.WindowEnd
		a.Deadline = &dl
	}
	return a
}

// SelfCheck is one organisation's self-check sheet (自己点検シート) of a
// drill: a short fixed questionnaire on how the drill went for it.
type SelfCheck struct {
	DrillID   int64  `json:"drill_id"`
	OrgID     int64  `json:"org_id"`
	OrgName   string `json:"org_name,omitempty"`
	OrgNameEN string `json:"org_name_en,omitempty"`
	// Arrived: did the drill message arrive (yes, no, late).
	Arrived string `json:"arrived"`
	// Channel: by which channel it was noticed.
	Channel string `json:"channel"`
	// Handler: who handled it (department or role, not a person's name).
	Handler string `json:"handler"`
	// NoticeMinutes: minutes from sending to someone noticing it.
	NoticeMinutes *int `json:"notice_minutes,omitempty"`
	// Problems found and improvements planned; free text.
	Problems     string    `json:"problems"`
	Improvements string    `json:"improvements"`
	UpdatedBy    int64     `json:"updated_by,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Self-check answers.
var (
	SelfCheckArrived  = []string{"yes", "late", "no"}
	SelfCheckChannels = []string{"inbox", "email", "webhook", "phone", "fax", "other"}
)

// Validate checks a self-check sheet.
func (c *SelfCheck) Validate() error {
	f := map[string]string{}
	c.Handler = strings.TrimSpace(c.Handler)
	c.Problems = strings.TrimSpace(strings.ReplaceAll(c.Problems, "\r\n", "\n"))
	c.Improvements = strings.TrimSpace(strings.ReplaceAll(c.Improvements, "\r\n", "\n"))
	if !slices.Contains(SelfCheckArrived, c.Arrived) {
		f["arrived"] = "drills.err_answer"
	}
	if c.Arrived == "no" {
		c.Channel, c.NoticeMinutes = "", nil
	} else if !slices.Contains(SelfCheckChannels, c.Channel) {
		f["channel"] = "drills.err_answer"
	}
	if c.NoticeMinutes != nil && (*c.NoticeMinutes < 0 || *c.NoticeMinutes > 60*24*90) {
		f["notice_minutes"] = "drills.err_minutes"
	}
	for k, v := range map[string]string{"handler": c.Handler, "problems": c.Problems, "improvements": c.Improvements} {
		switch {
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			f[k] = "err.invalid"
		case utf8.RuneCountInString(v) > MaxSelfCheckText:
			f[k] = "err.too_long"
		}
	}
	if utf8.RuneCountInString(c.Handler) > 200 {
		f["handler"] = "err.too_long"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// DrillParticipant is an organisation taking part in a running or closed
// drill: a member of a chosen CEPTOR when the drill started.
type DrillParticipant struct {
	OrgID    int64   `json:"org_id"`
	OrgName  string  `json:"org_name"`
	OrgType  OrgType `json:"org_type"`
	CeptorID int64   `json:"ceptor_id"`
	// ReportID is the drill report the organisation sent (upward), 0 if none.
	ReportID   int64      `json:"report_id,omitempty"`
	ReportedAt *time.Time `json:"reported_at,omitempty"`
	Damage     bool       `json:"damage,omitempty"`
	SelfCheck  bool       `json:"self_check"`
}

// Bucketed counts and medians of a drill's results.

// DrillUpward is the upward (情報連絡訓練) part of a drill's results.
type DrillUpward struct {
	Participants int     `json:"participants"`
	Reported     int     `json:"reported"`
	Rate         float64 `json:"rate"`
	Damage       int     `json:"damage_reports"` // reports under 被害あり
	// ReportMinutes: minutes from the start to the report, in the buckets
	// of ConfirmBuckets.
	ReportMinutes       []int    `json:"report_minutes"`
	MedianReportMinutes *float64 `json:"median_report_minutes,omitempty"`
}

// SelfCheckSummary sums up the self-check sheets.
type SelfCheckSummary struct {
	Expected            int            `json:"expected"`
	Completed           int            `json:"completed"`
	Rate                float64        `json:"rate"`
	Arrived             map[string]int `json:"arrived"`
	Channels            map[string]int `json:"channels"`
	MedianNoticeMinutes *float64       `json:"median_notice_minutes,omitempty"`
	// Sheets are the completed sheets the viewer may read (free text).
	Sheets []SelfCheck `json:"sheets"`
}

// DrillResults is the outcome of a drill as a viewer may see it (NISC:
// everything; a ministry or secretariat: what lies behind it).
type DrillResults struct {
	Drill *Drill `json:"drill"`
	// Receipts: the drill advisory's receipt summary (downward).
	Receipts *ReceiptSummary `json:"receipts,omitempty"`
	// MedianConfirmMinutes: median minutes from publication to confirmation.
	MedianConfirmMinutes *float64 `json:"median_confirm_minutes,omitempty"`
	// ConfirmedVia counts confirmations by the way they came (inbox, email, api).
	ConfirmedVia map[string]int `json:"confirmed_via"`
	// NotReached are the recipients that did not confirm, with the
	// follow-up reason their secretariat or ministry recorded.
	NotReached []AdvisoryRecipient `json:"not_reached"`
	Upward     *DrillUpward        `json:"upward,omitempty"`
	SelfChecks SelfCheckSummary    `json:"self_checks"`
}

// DrillYear is one fiscal year of drill participation and outcome
// (started drills only; drills never enter the real statistics, and these
// figures are drill figures only).
type DrillYear struct {
	FiscalYear int    `json:"fiscal_year"`
	Label      string `json:"label"`
	Drills     int    `json:"drills"`
	Ceptors    int    `json:"ceptors"`   // distinct participating CEPTORs
	Operators  int    `json:"operators"` // distinct participating organisations (参加事業者等)
	Recipients int    `json:"recipients"`
	Confirmed  int    `json:"confirmed"`
	// Rate: confirmed / recipients over the year's drill advisories.
	Rate                 float64  `json:"rate"`
	MedianConfirmMinutes *float64 `json:"median_confirm_minutes,omitempty"`
	// Reference: published figures (公表値) for years before ceptor, from
	// the annual progress reports; not computed.
	Reference bool `json:"reference,omitempty"`
}

// DrillReference are the participation figures the programme published
// for years before ceptor recorded drills (annual progress reports,
// FY2014-FY2018; 19 CEPTORs took part in FY2019 and FY2020). Operators 0:
// not published in the reports at hand.
var DrillReference = []DrillYear{
	{FiscalYear: 2014, Ceptors: 14, Operators: 1644, Reference: true},
	{FiscalYear: 2015, Ceptors: 18, Operators: 1658, Reference: true},
	{FiscalYear: 2016, Ceptors: 18, Operators: 2020, Reference: true},
	{FiscalYear: 2017, Ceptors: 18, Operators: 2106, Reference: true},
	{FiscalYear: 2018, Ceptors: 19, Operators: 2005, Reference: true},
	{FiscalYear: 2019, Ceptors: 19, Reference: true},
	{FiscalYear: 2020, Ceptors: 19, Reference: true},
}

// Median returns the median of xs (nil when empty).
func Median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &m
}

// DrillFilter selects drills.
type DrillFilter struct {
	FiscalYear int
	Status     DrillStatus
	// CeptorIDs keeps the drills touching one of these CEPTORs (nil: all).
	CeptorIDs []int64
	Limit     int
	Offset    int
}

// DrillService stores drills and their outcome. It never checks access;
// callers ask the policy first.
type DrillService interface {
	CreateDrill(ctx context.Context, d *Drill) error
	UpdateDrill(ctx context.Context, d *Drill) error
	FindDrill(ctx context.Context, id int64) (*Drill, error)
	// DrillByAdvisory returns the drill that published the advisory.
	DrillByAdvisory(ctx context.Context, advisoryID int64) (*Drill, error)
	ListDrills(ctx context.Context, f DrillFilter) ([]*Drill, int, error)
	// StartDrill marks the drill running, records its advisory and fixes
	// its participants (the active members of its CEPTORs), in the
	// ambient transaction.
	StartDrill(ctx context.Context, id, advisoryID int64, at time.Time) (int, error)
	CloseDrill(ctx context.Context, id int64, at time.Time) error
	DrillParticipants(ctx context.Context, id int64, ceptorIDs []int64) ([]DrillParticipant, error)
	// LinkDrillReport records that the organisation's report answers the drill.
	LinkDrillReport(ctx context.Context, drillID, reportID, orgID int64, damage bool, at time.Time) error
	SaveSelfCheck(ctx context.Context, c *SelfCheck) error
	SelfCheck(ctx context.Context, drillID, orgID int64) (*SelfCheck, error)
	// DrillResults computes the results restricted to the given CEPTORs
	// (nil: all) and, for the receipts, to what lies behind viaOrgs.
	DrillResults(ctx context.Context, id int64, ceptorIDs, viaOrgs []int64) (*DrillResults, error)
	// DrillYears returns participation and outcome per fiscal year.
	DrillYears(ctx context.Context) ([]DrillYear, error)
}
