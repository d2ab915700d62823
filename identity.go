package ceptor

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is what a person does inside their organisation.
type Role string

// Roles of SPEC §1.
const (
	RoleAdmin     Role = "admin"     // administrator: manages the organisation's users, contacts and tokens
	RoleAnalyst   Role = "analyst"   // analyst / reporter (CSIRT): writes reports, handles advisories
	RoleExecutive Role = "executive" // executive (経営層): read-only dashboards, governance sign-off
	RoleAuditor   Role = "auditor"   // auditor: read-only, including the audit log
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleExecutive, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// User is a person who signs in. Every user belongs to one organisation.
type User struct {
	ID           int64      `json:"id"`
	OrgID        int64      `json:"org_id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         Role       `json:"role"`
	Lang         string     `json:"lang"` // preferred UI language: "ja" or "en"
	PasswordHash string     `json:"-"`
	TOTPSecret   string     `json:"-"` // sealed with the service key
	TOTPEnabled  bool       `json:"totp_enabled"`
	OIDCSubject  string     `json:"-"`
	Disabled     bool       `json:"disabled"`
	FailedLogins int        `json:"-"`
	LockedUntil  *time.Time `json:"-"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Validate checks the fields an administrator enters.
func (u *User) Validate() error {
	f := map[string]string{}
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.Name = strings.TrimSpace(u.Name)
	if !ValidEmail(u.Email) {
		f["email"] = "err.email"
	}
	if u.Name == "" {
		f["name"] = "err.required"
	} else if len([]rune(u.Name)) > 200 {
		f["name"] = "err.too_long"
	}
	if !u.Role.Valid() {
		f["role"] = "err.role"
	}
	if u.Lang == "" {
		u.Lang = "ja"
	}
	if u.Lang != "ja" && u.Lang != "en" {
		f["lang"] = "err.lang"
	}
	if u.OrgID == 0 {
		f["org_id"] = "err.required"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Session is a signed-in browser. The cookie carries a random token; only its
// hash is stored, so a database leak does not leak sessions.
type Session struct {
	IDHash     string    `json:"-"`
	UserID     int64     `json:"user_id"`
	CSRFToken  string    `json:"-"`
	MFAPending bool      `json:"mfa_pending"` // password accepted, second factor still owed
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
}

// Token scopes. A token can never do more than its user's role allows; the
// scope narrows it further.
const (
	ScopeRead  = "read"  // read everything the user may see
	ScopeWrite = "write" // create and change content (reports, acknowledgements ...)
	ScopeAdmin = "admin" // administer users, contacts and the registry
)

// Scopes lists every token scope.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeAdmin}

// APIToken is a bearer credential for the API and TAXII. The secret is shown
// once; only its SHA-256 is stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // first characters of the secret, to recognise it
	Hash       string     `json:"-"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Usable reports whether the token may authenticate at time now.
func (t *APIToken) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// UserFilter selects users.
type UserFilter struct {
	OrgID   int64
	Q       string
	OrgType OrgType
	Limit   int
	Offset  int
	// NoTotal skips counting all matches (the total returned is then the
	// number of people returned), for callers that read them all.
	NoTotal bool
}

// UserService stores people, sessions, tokens and second factors.
type UserService interface {
	FindUser(ctx context.Context, id int64) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUserByOIDC(ctx context.Context, subject string) (*User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	CreateUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, u *User) error
	// RecordLogin stores the outcome of a sign-in attempt (failures, lockout, last login).
	RecordLogin(ctx context.Context, u *User) error

	SetRecoveryCodes(ctx context.Context, userID int64, hashes []string) error
	// UseRecoveryCode consumes a recovery code by hash; ENOTFOUND when unknown or used.
	UseRecoveryCode(ctx context.Context, userID int64, hash string) error
	CountRecoveryCodes(ctx context.Context, userID int64) (int, error)

	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, idHash string) (*Session, error)
	UpdateSession(ctx context.Context, s *Session) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)

	CreateToken(ctx context.Context, t *APIToken) error
	FindTokenByHash(ctx context.Context, hash string) (*APIToken, error)
	ListTokens(ctx context.Context, userID int64) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error
}
