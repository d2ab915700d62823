package misp

import (
	"context"
	"time"
)

// Stored is an imported event.
type Stored struct {
	ID         int64     `json:"id"`
	OrgID      int64     `json:"org_id"`
	UserID     int64     `json:"-"`
	AdvisoryID int64     `json:"advisory_id,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
	Event      *Event    `json:"event"`
}

// ListFilter selects imported events: those of OrgID, those every
// participant may see (TLP:CLEAR and GREEN) when Community, or every event
// when All. The caller still asks the policy of each.
type ListFilter struct {
	OrgID     int64
	Community bool
	All       bool
	Limit     int
	Offset    int
}

// Store keeps imported MISP events. It never checks access.
type Store interface {
	// SaveMISPEvent stores an event for s.OrgID, replacing the same event
	// (by uuid) imported before by that organisation; it fills s.ID and
	// s.AdvisoryID (kept from the earlier import) and reports whether the
	// event is new.
	SaveMISPEvent(ctx context.Context, s *Stored) (bool, error)
	SetMISPAdvisory(ctx context.Context, id, advisoryID int64) error
	FindMISPEvent(ctx context.Context, id int64) (*Stored, error)
	ListMISPEvents(ctx context.Context, f ListFilter) ([]*Stored, int, error)
	DeleteMISPEvent(ctx context.Context, id int64) error
}
