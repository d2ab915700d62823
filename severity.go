package ceptor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// SeverityLevel is a level of the severity evaluation criteria (深刻度評価基準),
// 0 なし to 4 危機. The scale is modelled on the US Cyber Incident Severity
// Schema (levels 0 Baseline to 5 Emergency), with its two top levels folded
// into 危機 as in the Japanese criteria.
type SeverityLevel int

// Severity levels.
const (
	SeverityNone     SeverityLevel = 0 // なし: no impact on society (CISA: Baseline)
	SeverityLow      SeverityLevel = 1 // 低: unlikely to affect life or the economy (CISA: Low)
	SeverityMedium   SeverityLevel = 2 // 中: may affect them (CISA: Medium)
	SeverityHigh     SeverityLevel = 3 // 高: likely demonstrable impact (CISA: High)
	SeverityCritical SeverityLevel = 4 // 危機: significant or wide-scale impact, lives at risk (CISA: Severe/Emergency)
)

// SeverityLevels lists the levels from the lowest.
var SeverityLevels = []SeverityLevel{SeverityNone, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Valid reports whether l is one of the five levels.
func (l SeverityLevel) Valid() bool { return l >= SeverityNone && l <= SeverityCritical }

// Key is the message key of the level's label ("severity.level.3" = 高).
func (l SeverityLevel) Key() string { return fmt.Sprintf("severity.level.%d", int(l)) }

// Colour is the level's colour, after the CISA schema's palette (white,
// green, yellow, orange, red); level 0 is a light grey so that it shows on a
// white page. Pages pair it with the label, never use colour alone.
func (l SeverityLevel) Colour() string {
	switch l {
	case SeverityNone:
		return "#e5e7eb"
	case SeverityLow:
		return "#2e7d32"
	case SeverityMedium:
		return "#f9a825"
	case SeverityHigh:
		return "#ef6c00"
	case SeverityCritical:
		return "#c62828"
	}
	return "#9e9e9e"
}

// MaxSeverity returns the highest of the levels (SeverityNone for none).
func MaxSeverity(levels ...SeverityLevel) SeverityLevel {
	m := SeverityNone
	for _, l := range levels {
		m = max(m, l)
	}
	return m
}

// Viewpoint is one of the three viewpoints of the evaluation.
type Viewpoint string

// Viewpoints: continuity of the service (time to recovery, scope), safety
// (harm to people or property, evacuation), loss of trust in the service.
const (
	ViewContinuity Viewpoint = "continuity" // サービスの持続性
	ViewSafety     Viewpoint = "safety"     // 安全性
	ViewTrust      Viewpoint = "trust"      // 信頼低下
)

// Viewpoints lists the viewpoints in display order.
var Viewpoints = []Viewpoint{ViewContinuity, ViewSafety, ViewTrust}

// EvalSubject is what an evaluation is about.
type EvalSubject string

// Evaluation subjects: one report, or an incident grouping several.
const (
	SubjectReport   EvalSubject = "report"
	SubjectIncident EvalSubject = "incident"
)

// MaxReasonLength bounds each reason, in characters.
const MaxReasonLength = 2000

// Evaluation is one severity evaluation of a report or an incident. History
// is kept: every evaluation is a new record, never an edit. The current
// evaluation of a subject is its latest final one, or, while there is no
// final one, its latest provisional one (see CurrentEvaluation).
type Evaluation struct {
	ID        int64       `json:"id"`
	Subject   EvalSubject `json:"subject"`
	SubjectID int64       `json:"subject_id"`

	Continuity       SeverityLevel `json:"continuity"`
	Safety           SeverityLevel `json:"safety"`
	Trust            SeverityLevel `json:"trust"`
	ContinuityReason string        `json:"continuity_reason,omitempty"`
	SafetyReason     string        `json:"safety_reason,omitempty"`
	TrustReason      string        `json:"trust_reason,omitempty"`
	// Overall is the highest of the three viewpoints. Validate computes it;
	// a value given as input is never trusted.
	Overall SeverityLevel `json:"overall"`
	// Final marks the after-the-fact evaluation (確定); false is a
	// provisional one (暫定) made during the incident.
	Final bool `json:"final"`

	OrgID     int64     `json:"org_id"`  // evaluating organisation (NISC or a ministry)
	UserID    int64     `json:"user_id"` // evaluating person
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an evaluation a person enters and sets Overall. A level
// above なし needs a reason: the evaluation is read later by people who were
// not there.
func (e *Evaluation) Validate() error {
	f := map[string]string{}
	if e.Subject != SubjectReport && e.Subject != SubjectIncident {
		f["subject"] = "severity.err.subject"
	}
	if e.SubjectID <= 0 {
		f["subject_id"] = "err.required"
	}
	check := func(name string, l SeverityLevel, reason *string) {
		*reason = strings.TrimSpace(*reason)
		switch {
		case !l.Valid():
			f[name] = "severity.err.level"
		case !utf8.ValidString(*reason):
			f[name+"_reason"] = "severity.err.encoding"
		case utf8.RuneCountInString(*reason) > MaxReasonLength:
			f[name+"_reason"] = "err.too_long"
		case l > SeverityNone && *reason == "":
			f[name+"_reason"] = "severity.err.reason_required"
		}
	}
	check("continuity", e.Continuity, &e.ContinuityReason)
	check("safety", e.Safety, &e.SafetyReason)
	check("trust", e.Trust, &e.TrustReason)
	e.Overall = MaxSeverity(e.Continuity, e.Safety, e.Trust)
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Level returns the level of one viewpoint.
func (e *Evaluation) Level(v Viewpoint) SeverityLevel {
	switch v {
	case ViewContinuity:
		return e.Continuity
	case ViewSafety:
		return e.Safety
	case ViewTrust:
		return e.Trust
	}
	return SeverityNone
}

// CurrentOf picks the current evaluation from a subject's history: the
// latest final evaluation if there is one, otherwise the latest provisional
// one; nil for an empty history. A provisional evaluation recorded after a
// final one (a ministry's, say) does not displace it: only a new final
// evaluation replaces a final one. "Latest" is by CreatedAt, then ID.
func CurrentOf(history []*Evaluation) *Evaluation {
	var final, prov *Evaluation
	later := func(a, b *Evaluation) bool {
		return b == nil || a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID
	}
	for _, e := range history {
		if e.Final && later(e, final) {
			final = e
		}
		if !e.Final && later(e, prov) {
			prov = e
		}
	}
	if final != nil {
		return final
	}
	return prov
}

// GuidanceLevel is the threshold of one level in a sector's guidance. The
// continuity criteria (AnyOutage, UsersAffected, OutageHours, AreaWide) are
// alternatives: any one met reaches the level. The safety criteria
// (SafetyHarm, Evacuation) are joint: the level is reached when every one
// that is set holds, and a level that sets neither is not reached through
// safety. Zero thresholds and false flags are not criteria.
type GuidanceLevel struct {
	Level         SeverityLevel `json:"level"`
	AnyOutage     bool          `json:"any_outage"`     // any users affected or any outage at all
	UsersAffected int           `json:"users_affected"` // at least this many users (0: not a criterion)
	OutageHours   float64       `json:"outage_hours"`   // at least this long (0: not a criterion)
	AreaWide      bool          `json:"area_wide"`      // prefecture-wide or wider
	SafetyHarm    bool          `json:"safety_harm"`    // harm to people or property
	Evacuation    bool          `json:"evacuation"`     // people evacuated
}

// Guidance is a sector's thresholds (SectorID 0: the defaults for every
// sector without its own). It is data that NISC edits.
type Guidance struct {
	SectorID  int64           `json:"sector_id"`
	Levels    []GuidanceLevel `json:"levels"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy int64           `json:"updated_by,omitempty"` // user
}

// DefaultGuidance returns the thresholds used for every sector without its
// own: level 1 for any outage; 2 from 1,000 users or 2 hours, or an
// evacuation as a precaution; 3 from 100,000 users, 24 hours or a
// prefecture-wide area, or any harm to people or property; 4 from 1,000,000
// users or 72 hours, or harm that made people evacuate. The figures follow
// the scale of the outages the programme has seen (a nationwide bank or
// telecom outage reaches millions of users; recovery within a working day
// is the usual continuity target) and are meant to be tuned per sector.
func DefaultGuidance() Guidance {
	return Guidance{Levels: []GuidanceLevel{
		{Level: SeverityLow, AnyOutage: true},
		{Level: SeverityMedium, UsersAffected: 1_000, OutageHours: 2, Evacuation: true},
		{Level: SeverityHigh, UsersAffected: 100_000, OutageHours: 24, AreaWide: true, SafetyHarm: true},
		{Level: SeverityCritical, UsersAffected: 1_000_000, OutageHours: 72, SafetyHarm: true, Evacuation: true},
	}}
}

// Validate checks guidance an administrator enters and sorts the levels.
func (g *Guidance) Validate() error {
	f := map[string]string{}
	if g.SectorID < 0 {
		f["sector_id"] = "err.invalid"
	}
	if len(g.Levels) == 0 {
		f["levels"] = "err.required"
	}
	seen := map[SeverityLevel]bool{}
	for _, l := range g.Levels {
		switch {
		case l.Level < SeverityLow || l.Level > SeverityCritical:
			f["levels"] = "severity.err.level"
		case seen[l.Level]:
			f["levels"] = "severity.err.level_twice"
		case l.UsersAffected < 0 || l.OutageHours < 0 || l.OutageHours > 24*365:
			f[fmt.Sprintf("level_%d", l.Level)] = "severity.err.threshold"
		}
		seen[l.Level] = true
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	slices.SortFunc(g.Levels, func(a, b GuidanceLevel) int { return int(a.Level - b.Level) })
	return nil
}

// SuggestionReason explains a suggested level: a message key (prefix
// "severity.suggest.") and its arguments, so that pages can say it in the
// reader's language and evaluators can start their reasons from it.
type SuggestionReason struct {
	Viewpoint Viewpoint     `json:"viewpoint"`
	Level     SeverityLevel `json:"level"`
	Key       string        `json:"key"`
	Args      []any         `json:"args,omitempty"`
}

// SuggestLevels suggests levels for an outage from a sector's guidance. It
// is a starting point for the evaluator, who decides and gives reasons.
//
// The rule:
//   - continuity is the highest level whose continuity criteria the outage
//     meets: users affected (when known) at or above the level's figure, an
//     outage at least as long as its hours, a prefecture-wide area where the
//     level counts area, or any outage where the level says so;
//   - safety is the highest level whose safety criteria all hold (harm to
//     people or property, evacuation), 0 when there was neither;
//   - trust is one level below the higher of the two (never below 0). Loss
//     of trust cannot be read from these facts: it usually follows a visible
//     outage, less strongly, so the rule gives a floor that the evaluator
//     raises for media attention, repeated outages or leaked data.
//
// This mirrors the US Cyber Incident Severity Schema, where observed effects
// on service and on safety set the level and the analyst adjusts it.
func SuggestLevels(g Guidance, users *int, outage time.Duration, areaWide, safetyHarm, evacuation bool) (continuity, safety, trust SeverityLevel, reasons []SuggestionReason) {
	var cr, sr []SuggestionReason
	hours := outage.Hours()
	anyOutage := outage > 0 || users != nil && *users > 0
	for _, gl := range g.Levels {
		if !gl.Level.Valid() || gl.Level == SeverityNone {
			continue
		}
		var met []SuggestionReason
		if gl.AnyOutage && anyOutage {
			met = append(met, SuggestionReason{ViewContinuity, gl.Level, "severity.suggest.any_outage", []any{int(gl.Level)}})
		}
		if gl.UsersAffected > 0 && users != nil && *users >= gl.UsersAffected {
			met = append(met, SuggestionReason{ViewContinuity, gl.Level, "severity.suggest.users", []any{*users, int(gl.Level), gl.UsersAffected}})
		}
		if gl.OutageHours > 0 && hours >= gl.OutageHours {
			met = append(met, SuggestionReason{ViewContinuity, gl.Level, "severity.suggest.outage", []any{hours, int(gl.Level), gl.OutageHours}})
		}
		if gl.AreaWide && areaWide {
			met = append(met, SuggestionReason{ViewContinuity, gl.Level, "severity.suggest.area", []any{int(gl.Level)}})
		}
		if len(met) > 0 && gl.Level > continuity {
			continuity, cr = gl.Level, met
		}
		if (gl.SafetyHarm || gl.Evacuation) && (!gl.SafetyHarm || safetyHarm) && (!gl.Evacuation || evacuation) && gl.Level > safety {
			safety, sr = gl.Level, nil
			if gl.SafetyHarm {
				sr = append(sr, SuggestionReason{ViewSafety, gl.Level, "severity.suggest.harm", []any{int(gl.Level)}})
			}
			if gl.Evacuation {
				sr = append(sr, SuggestionReason{ViewSafety, gl.Level, "severity.suggest.evacuation", []any{int(gl.Level)}})
			}
		}
	}
	if top := max(continuity, safety); top > SeverityNone {
		trust = top - 1
	}
	if continuity == SeverityNone {
		cr = []SuggestionReason{{ViewContinuity, SeverityNone, "severity.suggest.none", nil}}
	}
	if safety == SeverityNone {
		sr = []SuggestionReason{{ViewSafety, SeverityNone, "severity.suggest.none", nil}}
	}
	reasons = append(append(cr, sr...), SuggestionReason{ViewTrust, trust, "severity.suggest.trust", []any{int(max(continuity, safety))}})
	return continuity, safety, trust, reasons
}

// SeverityService stores severity evaluations and the sector guidance. It
// never checks access: callers ask the policy (ActEvaluate on the report or
// incident; guidance is sector data, ActUpdate on KindSector).
type SeverityService interface {
	// AddEvaluation validates and stores a new evaluation (setting ID,
	// Overall and CreatedAt). For an incident it also appends a "severity"
	// event to the timeline, in the same transaction.
	AddEvaluation(ctx context.Context, e *Evaluation) error
	// Evaluations returns a subject's history, oldest first.
	Evaluations(ctx context.Context, subject EvalSubject, id int64) ([]*Evaluation, error)
	// CurrentEvaluation returns the subject's current evaluation (CurrentOf),
	// ENOTFOUND when it has none.
	CurrentEvaluation(ctx context.Context, subject EvalSubject, id int64) (*Evaluation, error)
	// Guidance returns the sector's guidance, or the defaults (SectorID 0)
	// when the sector has none of its own.
	Guidance(ctx context.Context, sectorID int64) (*Guidance, error)
	// ListGuidance returns the defaults first, then every sector's own.
	ListGuidance(ctx context.Context) ([]*Guidance, error)
	// SetGuidance replaces a sector's guidance (SectorID 0: the defaults).
	SetGuidance(ctx context.Context, g *Guidance) error
	// DeleteGuidance drops a sector's own guidance so that the defaults
	// apply again. The defaults themselves cannot be deleted.
	DeleteGuidance(ctx context.Context, sectorID int64) error
}
