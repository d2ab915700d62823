package taxiiclient

import (
	"context"
	"time"

	"ceptor"
)

// Subscription is a collection an organisation polls.
type Subscription struct {
	ID              int64      `json:"id"`
	OrgID           int64      `json:"org_id"`
	UserID          int64      `json:"-"`
	Name            string     `json:"name"`
	APIRoot         string     `json:"api_root"`
	CollectionID    string     `json:"collection_id"`
	Username        string     `json:"username,omitempty"`
	SecretSealed    string     `json:"-"`
	HasSecret       bool       `json:"has_secret"`
	IntervalMinutes int        `json:"interval_minutes"`
	DefaultTLP      ceptor.TLP `json:"default_tlp"` // for objects without a TLP marking
	AddedAfter      string     `json:"added_after,omitempty"`
	Active          bool       `json:"active"`
	NextPollAt      time.Time  `json:"next_poll_at"`
	LastPolledAt    *time.Time `json:"last_polled_at,omitempty"`
	LastError       string     `json:"last_error,omitempty"`
	ReceivedCount   int64      `json:"received_count"`
	CreatedAt       time.Time  `json:"created_at"`
}

// Received is an item stored for a subscription; AdvisoryID is filled by
// the caller for reports and notes that became drafts.
type Received struct {
	Item       *Item
	AdvisoryID int64
}

// Store keeps subscriptions. It never checks access.
type Store interface {
	CreateSubscription(ctx context.Context, s *Subscription) error
	FindSubscription(ctx context.Context, id int64) (*Subscription, error)
	// ListSubscriptions lists one organisation's subscriptions (all when
	// orgID is 0).
	ListSubscriptions(ctx context.Context, orgID int64) ([]*Subscription, error)
	DeleteSubscription(ctx context.Context, id int64) error
	// DueSubscriptions returns active subscriptions whose next poll is due.
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]*Subscription, error)
	// SeenObject reports whether the subscription already holds an object
	// at this version.
	SeenObject(ctx context.Context, subID int64, objectID, version string) (bool, error)
	// StorePage stores a page's new items and the cursor to resume from,
	// in one transaction (in the ambient one when inside Atomic).
	StorePage(ctx context.Context, subID int64, items []Received, cursor string) error
	// FinishPoll records the outcome of a poll and schedules the next.
	FinishPoll(ctx context.Context, subID int64, at time.Time, errText string) error
}
