package c4tap

import (
	"context"
	"time"

	"ceptor"
)

// Submission is a suspicious e-mail submitted to the group.
type Submission struct {
	ID        int64       `json:"id"`
	OrgID     int64       `json:"-"` // who submitted: shown only where the policy allows
	UserID    int64       `json:"-"`
	TLP       ceptor.TLP  `json:"tlp"`
	Note      string      `json:"note,omitempty"`
	Message   *Message    `json:"message"`
	Size      int64       `json:"size"`
	SHA256    string      `json:"sha256"` // of the raw message
	Withdrawn bool        `json:"withdrawn"`
	CreatedAt time.Time   `json:"created_at"`
	Extracted []Extracted `json:"indicators"`
	// Sealed is the raw message sealed with the service key (never in JSON).
	Sealed string `json:"-"`
}

// Resource describes the submission for the policy.
func (s *Submission) Resource() ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindC4TAP, OrgID: s.OrgID, TLP: s.TLP, Draft: s.Withdrawn}
}

// Store keeps the group and its submissions. It never checks access.
type Store interface {
	C4TAPMembers(ctx context.Context) ([]int64, error)
	IsC4TAPMember(ctx context.Context, orgID int64) (bool, error)
	SetC4TAPMember(ctx context.Context, orgID, by int64, member bool) error
	AddSubmission(ctx context.Context, s *Submission) error
	// FindSubmission returns a submission with its indicators; withSealed
	// also reads the sealed raw message.
	FindSubmission(ctx context.Context, id int64, withSealed bool) (*Submission, error)
	// ListSubmissions lists submissions newest first (without indicators);
	// TLP:RED ones only for ownOrg unless all.
	ListSubmissions(ctx context.Context, ownOrg int64, all bool, limit, offset int) ([]*Submission, int, error)
	WithdrawSubmission(ctx context.Context, id int64) error
}
