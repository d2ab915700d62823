package ceptor

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// IncidentStatus is where an incident stands.
type IncidentStatus string

// Incident states: open while it is being handled, monitoring once services
// are back and NISC watches for recurrence, closed when done.
const (
	IncidentOpen       IncidentStatus = "open"
	IncidentMonitoring IncidentStatus = "monitoring"
	IncidentClosed     IncidentStatus = "closed"
)

// IncidentStatuses lists the states in order.
var IncidentStatuses = []IncidentStatus{IncidentOpen, IncidentMonitoring, IncidentClosed}

// Valid reports whether s is a known state.
func (s IncidentStatus) Valid() bool { return slices.Contains(IncidentStatuses, s) }

// Update cadence bounds in large-scale mode.
const (
	DefaultCadence = 6 * time.Hour
	MinCadence     = 30 * time.Minute
	MaxCadence     = 7 * 24 * time.Hour
)

// DefaultIncidentTLP marks an incident when nobody chose: an incident
// gathers several organisations' reports, so it starts no wider than AMBER.
const DefaultIncidentTLP = TLPAmber

// Incident groups reports of one event (one cloud outage, one vulnerable
// product hitting many operators). It has its own severity evaluations,
// timeline and status, and may be switched into large-scale mode
// (大規模重要インフラサービス障害対応時), in which more organisations see it and
// affected operators owe updates every Cadence.
type Incident struct {
	ID      int64          `json:"id"`
	Title   string         `json:"title"`
	Summary string         `json:"summary"`
	Status  IncidentStatus `json:"status"`
	TLP     TLP            `json:"tlp"`
	// SectorIDs are the affected sectors: those of the member reports plus
	// ManualSectorIDs (sectors NISC adds, e.g. those hit by spill-over before
	// anyone there reported). Storage derives it; input is ignored.
	SectorIDs       []int64 `json:"sector_ids"`
	ManualSectorIDs []int64 `json:"manual_sector_ids"`

	LargeScale bool          `json:"large_scale"`
	Cadence    time.Duration `json:"-"`                    // update cadence in large-scale mode
	ModeSince  *time.Time    `json:"mode_since,omitempty"` // when large-scale mode was last switched on

	CreatedByOrg  int64      `json:"created_by_org"`
	CreatedByUser int64      `json:"created_by_user"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// incidentJSON carries the cadence in seconds: a Go duration's nanoseconds
// mean nothing to API clients.
type incidentJSON struct {
	*incidentAlias
	CadenceSeconds int64 `json:"cadence_seconds"`
}

type incidentAlias Incident

// MarshalJSON writes the incident with "cadence_seconds".
func (inc Incident) MarshalJSON() ([]byte, error) {
	a := incidentAlias(inc)
	return json.Marshal(incidentJSON{&a, int64(inc.Cadence / time.Second)})
}

// UnmarshalJSON reads the incident with "cadence_seconds".
func (inc *Incident) UnmarshalJSON(b []byte) error {
	v := incidentJSON{incidentAlias: (*incidentAlias)(inc)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	inc.Cadence = time.Duration(v.CadenceSeconds) * time.Second
	return nil
}

// Validate checks the fields a person enters and fills the defaults
// (status open, TLP AMBER, cadence 6 hours).
func (inc *Incident) Validate() error {
	f := map[string]string{}
	inc.Title = strings.TrimSpace(inc.Title)
	inc.Summary = strings.TrimSpace(inc.Summary)
	switch {
	case !utf8.ValidString(inc.Title):
		f["title"] = "severity.err.encoding"
	case inc.Title == "":
		f["title"] = "err.required"
	case utf8.RuneCountInString(inc.Title) > 300:
		f["title"] = "err.too_long"
	}
	if !utf8.ValidString(inc.Summary) {
		f["summary"] = "severity.err.encoding"
	} else if utf8.RuneCountInString(inc.Summary) > 20000 {
		f["summary"] = "err.too_long"
	}
	if inc.Status == "" {
		inc.Status = IncidentOpen
	}
	if !inc.Status.Valid() {
		f["status"] = "severity.err.incident_status"
	}
	if inc.TLP == "" {
		inc.TLP = DefaultIncidentTLP
	}
	if !inc.TLP.Valid() {
		f["tlp"] = "severity.err.tlp"
	}
	if inc.Cadence == 0 {
		inc.Cadence = DefaultCadence
	}
	if inc.Cadence < MinCadence || inc.Cadence > MaxCadence {
		f["cadence"] = "severity.err.cadence"
	}
	var manual []int64
	for _, id := range inc.ManualSectorIDs {
		if id <= 0 {
			f["manual_sector_ids"] = "err.invalid"
		} else if !slices.Contains(manual, id) {
			manual = append(manual, id)
		}
	}
	slices.Sort(manual)
	inc.ManualSectorIDs = manual
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// UpdateDue returns when the next update of an affected organisation is due
// in large-scale mode: one cadence after its last update or after the
// switch to large-scale mode, whichever is later. The zero time means none
// is due (normal mode).
func (inc *Incident) UpdateDue(lastUpdate time.Time) time.Time {
	if !inc.LargeScale || inc.ModeSince == nil {
		return time.Time{}
	}
	from := *inc.ModeSince
	if lastUpdate.After(from) {
		from = lastUpdate
	}
	c := inc.Cadence
	if c == 0 {
		c = DefaultCadence
	}
	return from.Add(c)
}

// Ref returns what the policy needs to know about the incident.
func (inc *Incident) Ref() *IncidentRef {
	return &IncidentRef{ID: inc.ID, Status: inc.Status, TLP: inc.TLP, LargeScale: inc.LargeScale,
		SectorIDs: inc.SectorIDs, CreatedByOrg: inc.CreatedByOrg}
}

// IncidentRef is what the policy needs to know about an incident.
type IncidentRef struct {
	ID           int64
	Status       IncidentStatus
	TLP          TLP
	LargeScale   bool
	SectorIDs    []int64 // affected sectors
	CreatedByOrg int64
}

// Resource describes the incident for the policy.
func (r *IncidentRef) Resource() Resource {
	return Resource{Kind: KindIncident, OrgID: r.CreatedByOrg, OrgType: OrgNISC, SectorIDs: r.SectorIDs, TLP: r.TLP, LargeScale: r.LargeScale}
}

// IncidentFilter selects incidents. Zero fields do not filter.
type IncidentFilter struct {
	Status     IncidentStatus
	LargeScale *bool
	// Visible keeps only what the caller may see (the policy, as a closure),
	// before counting and paging.
	Visible func(*IncidentRef) bool
	Limit   int
	Offset  int
}

// IncidentEventKind is the kind of an entry in an incident's timeline.
type IncidentEventKind string

// Timeline entries. Storage writes all but note and sitrep itself, in the
// transaction of the change they record.
const (
	EventCreated       IncidentEventKind = "created"
	EventReportAdded   IncidentEventKind = "report_added"
	EventReportRemoved IncidentEventKind = "report_removed"
	EventSeverity      IncidentEventKind = "severity" // an evaluation of the incident was recorded
	EventModeOn        IncidentEventKind = "mode_on"  // large-scale mode on (or its cadence changed)
	EventModeOff       IncidentEventKind = "mode_off" // back to normal, with the after-action note
	EventStatus        IncidentEventKind = "status"
	EventNote          IncidentEventKind = "note"
	EventSitrep        IncidentEventKind = "sitrep" // a situation report was produced
)

// IncidentEventKinds lists every kind.
var IncidentEventKinds = []IncidentEventKind{EventCreated, EventReportAdded, EventReportRemoved, EventSeverity,
	EventModeOn, EventModeOff, EventStatus, EventNote, EventSitrep}

// Valid reports whether k is a known kind.
func (k IncidentEventKind) Valid() bool { return slices.Contains(IncidentEventKinds, k) }

// MaxEventDetail bounds the JSON detail of a timeline entry, in bytes.
const MaxEventDetail = 64 << 10

// IncidentEvent is one entry of an incident's timeline; Seq orders the
// entries of one incident from 1.
type IncidentEvent struct {
	IncidentID int64             `json:"incident_id"`
	Seq        int64             `json:"seq"`
	Kind       IncidentEventKind `json:"kind"`
	Detail     json.RawMessage   `json:"detail"` // a JSON object; its fields depend on Kind
	OrgID      int64             `json:"org_id"`
	UserID     int64             `json:"user_id,omitempty"`
	At         time.Time         `json:"at"`
}

// Validate checks an entry's kind and detail (an empty detail becomes {}).
func (e *IncidentEvent) Validate() error {
	f := map[string]string{}
	if !e.Kind.Valid() {
		f["kind"] = "severity.err.event_kind"
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	var obj map[string]any
	if len(e.Detail) > MaxEventDetail {
		f["detail"] = "err.too_long"
	} else if err := json.Unmarshal(e.Detail, &obj); err != nil || obj == nil {
		f["detail"] = "err.invalid"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// NoteDetail returns the detail of a note, a sitrep or an after-action
// record: {"text": ...}. The text is required and at most 10,000 characters.
func NoteDetail(text string) (json.RawMessage, error) {
	text = strings.TrimSpace(text)
	switch {
	case !utf8.ValidString(text):
		return nil, Invalid(map[string]string{"note": "severity.err.encoding"})
	case text == "":
		return nil, Invalid(map[string]string{"note": "err.required"})
	case utf8.RuneCountInString(text) > 10000:
		return nil, Invalid(map[string]string{"note": "err.too_long"})
	}
	b, err := json.Marshal(map[string]string{"text": text})
	return b, err
}

// GroupingWindow is how close in time two reports of one sector must have
// started (or, lacking a start time, been submitted) to be suggested as one
// incident.
const GroupingWindow = 72 * time.Hour

// GroupingReason says why reports may belong together.
type GroupingReason string

// Grouping reasons.
const (
	GroupSharedIndicator GroupingReason = "indicator"     // the same indicator (type and value)
	GroupSameSupplier    GroupingReason = "supplier"      // the same supply-chain provider
	GroupSectorWindow    GroupingReason = "sector_window" // the same sector, started within GroupingWindow
)

// GroupingSuggestion proposes grouping a report with a candidate: an
// incident (IncidentID set: some of its reports share something with this
// one) or a report that belongs to no incident yet (IncidentID zero).
// ReportIDs are the matching reports. The store does not check access: the
// caller keeps only the candidates the policy lets it see.
type GroupingSuggestion struct {
	IncidentID    int64            `json:"incident_id,omitempty"`
	ReportIDs     []int64          `json:"report_ids"`
	Reasons       []GroupingReason `json:"reasons"`
	Indicators    []Indicator      `json:"indicators,omitempty"` // shared indicators
	SupplierOrgID int64            `json:"supplier_org_id,omitempty"`
	SectorID      int64            `json:"sector_id,omitempty"`
}

// Score orders suggestions: a shared indicator weighs most, then a shared
// supplier, then coincidence in time within the sector.
func (s *GroupingSuggestion) Score() int {
	n := 0
	for _, r := range s.Reasons {
		switch r {
		case GroupSharedIndicator:
			n += 100 + len(s.Indicators)
		case GroupSameSupplier:
			n += 50
		case GroupSectorWindow:
			n += 10
		}
	}
	return n
}

// AffectedOrg is one row of the situation board: a report of the incident,
// who sent it and where it stands. OrgID is zero for an anonymous report,
// which the board shows as "a member of CEPTOR CeptorID".
type AffectedOrg struct {
	ReportID  int64        `json:"report_id"`
	OrgID     int64        `json:"org_id,omitempty"`
	CeptorID  int64        `json:"ceptor_id,omitempty"`
	SectorID  int64        `json:"sector_id"`
	TLP       TLP          `json:"tlp"`
	Version   int          `json:"version"` // latest follow-up
	Status    ReportStatus `json:"status"`
	UpdatedAt time.Time    `json:"updated_at"`
	AddedAt   time.Time    `json:"added_at"` // joined the incident
	// Evaluation is the report's current severity evaluation, nil if none.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

// IncidentService stores incidents, their reports and timelines. It never
// checks access; callers ask the policy first (KindIncident).
type IncidentService interface {
	// CreateIncident validates and stores an incident (CreatedByOrg and
	// CreatedByUser say who) and starts its timeline with "created".
	CreateIncident(ctx context.Context, inc *Incident) error
	FindIncident(ctx context.Context, id int64) (*Incident, error)
	// ListIncidents returns one page of the matching incidents, newest
	// first, and the number matching.
	ListIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, int, error)
	// UpdateIncident changes title, summary, TLP, manual sectors and status
	// (a change of status is recorded in the timeline; closing sets
	// ClosedAt and needs large-scale mode off). orgID and userID say who.
	UpdateIncident(ctx context.Context, inc *Incident, orgID, userID int64) error

	// AddReportToIncident adds a report; a report belongs to at most one
	// incident (ECONFLICT otherwise), and a closed incident takes none.
	AddReportToIncident(ctx context.Context, incidentID, reportID, orgID, userID int64) error
	RemoveReportFromIncident(ctx context.Context, incidentID, reportID, orgID, userID int64) error
	// IncidentReports returns the member reports' ids in the order added.
	IncidentReports(ctx context.Context, id int64) ([]int64, error)
	// IncidentForReport returns the incident a report belongs to, ENOTFOUND
	// when none.
	IncidentForReport(ctx context.Context, reportID int64) (int64, error)

	// SetLargeScale switches large-scale mode on (again: changes the
	// cadence; zero cadence means DefaultCadence) or off. Switching off
	// requires the after-action note.
	SetLargeScale(ctx context.Context, id int64, on bool, cadence time.Duration, note string, orgID, userID int64) error

	// AddIncidentEvent appends an entry (a note, a sitrep) to the timeline,
	// setting Seq and At.
	AddIncidentEvent(ctx context.Context, e *IncidentEvent) error
	// IncidentEvents returns the timeline in order.
	IncidentEvents(ctx context.Context, id int64) ([]*IncidentEvent, error)

	// SuggestGroupings proposes incidents or reports that the report may
	// belong with, best first.
	SuggestGroupings(ctx context.Context, reportID int64) ([]GroupingSuggestion, error)
	// AffectedOrgs returns the situation board's rows, one per member report.
	AffectedOrgs(ctx context.Context, id int64) ([]AffectedOrg, error)
}
