package stix

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"ceptor"
)

// Projection is what one ceptor source (a report, an incident, an object
// received over TAXII, later an advisory) looks like in STIX: its objects
// and the TAXII collections it belongs to. A nil projection removes the
// source's objects (a draft, an anonymous report not yet redacted).
//
// Versions: every object version a projection lists is served. A stored
// version the projection no longer lists is removed, unless KeepSuperseded
// is set: then an older version of an object the projection still has
// stays as a superseded version (TAXII versions, match[version]) in the
// current collections, if its marking is no more restrictive than the
// current one. Sources whose history may hold text that must not leave
// any more (a report's original once a hop redacted it) list the versions
// they may serve instead (reports, advisories).
type Projection struct {
	Objects        []Object
	Collections    []string
	TLP            ceptor.TLP
	KeepSuperseded bool
}

// Projector computes the projection of a source, reading it as it is now.
type Projector func(ctx context.Context, kind string, id int64) (*Projection, error)

// Stored is one object of the index: one version of one STIX object of one
// ceptor source (superseded versions are kept; see sqldb applyProjection).
type Stored struct {
	RID        int64
	ObjectID   string
	Type       string
	Version    string // modified; created for markings; "" for observables
	DateAdded  time.Time
	SourceKind string
	SourceID   int64
	TLP        ceptor.TLP
	Body       json.RawMessage
	// Hidden marks a row read for the keyset that match[version] leaves
	// out: the reader skips it as it skips what the policy hides.
	Hidden bool
}

// Cursor is a position in a collection: the keyset (date added, rid).
type Cursor struct {
	DateAddedUS int64
	RID         int64
}

// Query selects a page of a collection, in the order objects were added.
type Query struct {
	Collection string
	After      Cursor   // strictly after this position (zero: from the start)
	IDs        []string // match[id]
	Types      []string // match[type]
	// Versions is match[version]: "last" (default), "first", "all", or
	// STIX timestamps.
	Versions []string
	Limit    int
}

// Received kinds of status outcome.
const (
	StatusPending  = "pending"
	StatusComplete = "complete"
)

// StatusDetail is one object of an add, with the reason of a failure.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
}

// Status is a TAXII status resource: the outcome of one objects POST.
type Status struct {
	ID               string         `json:"id"`
	Collection       string         `json:"-"`
	OrgID            int64          `json:"-"`
	UserID           int64          `json:"-"`
	Status           string         `json:"status"`
	RequestTimestamp time.Time      `json:"request_timestamp"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
}

// ReceivedRow is an object a participant added to a collection.
type ReceivedRow struct {
	ID         int64
	Collection string
	OrgID      int64
	UserID     int64
	Received   *Received
	CreatedAt  time.Time
}

// ReceivedRef is what the policy needs of a received object.
type ReceivedRef struct {
	Collection string
	OrgID      int64
	TLP        ceptor.TLP
}

// Store keeps the STIX index, what participants add over TAXII and the
// status of their adds. It never checks access.
type Store interface {
	// SyncSTIX brings the index up to date with every source changed since
	// the last sync (on any node), computing projections with project. It
	// returns how many sources it redid.
	SyncSTIX(ctx context.Context, project Projector) (int, error)
	// STIXPage returns the next q.Limit rows of a collection after q.After,
	// those that match[version] leaves out marked Hidden (so that fewer
	// than q.Limit rows means the end of the collection).
	STIXPage(ctx context.Context, q Query) ([]*Stored, error)
	// AddReceived stores the accepted objects of one add with its status
	// (complete); an object already held at the same version is a success
	// that stores nothing.
	AddReceived(ctx context.Context, st *Status, objs []*ReceivedRow) error
	// AddPending stores a pending add (its status and the objects still to
	// decode) and calls enqueue in the same transaction, so that the job
	// that completes it exists exactly when the add does.
	AddPending(ctx context.Context, st *Status, objs []json.RawMessage, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	// PendingAdd returns a pending add's status and objects; the objects
	// are nil once it is complete.
	PendingAdd(ctx context.Context, id string) (*Status, []json.RawMessage, error)
	// CompleteAdd stores the accepted objects of a pending add and its
	// final status; completing a complete add does nothing.
	CompleteAdd(ctx context.Context, st *Status, objs []*ReceivedRow) error
	// FindStatus returns a status resource (ENOTFOUND when unknown).
	FindStatus(ctx context.Context, id string) (*Status, error)
	// ReceivedRefs returns what the policy needs of received objects (their
	// collection, sender and marking), by row id, without decoding them.
	ReceivedRefs(ctx context.Context, ids []int64) (map[int64]ReceivedRef, error)
	// FindReceived returns received objects by row id.
	FindReceived(ctx context.Context, ids []int64) (map[int64]*ReceivedRow, error)
	// DeleteReceived removes received objects by row id (TAXII DELETE),
	// queueing their sources for the sync; it returns how many it removed.
	DeleteReceived(ctx context.Context, ids []int64) (int, error)
}
