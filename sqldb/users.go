package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

func itoa(n int) string { return strconv.Itoa(n) }

const userCols = `id, org_id, email, name, role, lang, password_hash, totp_secret, totp_enabled, COALESCE(oidc_subject, ''),
	disabled, failed_logins, locked_until, last_login_at, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (*ceptor.User, error) {
	u := &ceptor.User{}
	var locked, last sql.NullTime
	err := sc.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.Lang, &u.PasswordHash, &u.TOTPSecret, &u.TOTPEnabled, &u.OIDCSubject,
		&u.Disabled, &u.FailedLogins, &locked, &last, &u.CreatedAt, &u.UpdatedAt)
	u.LockedUntil, u.LastLoginAt = timePtr(locked), timePtr(last)
	return u, translate(err)
}

// FindUser returns a user by id.
func (d *DB) FindUser(ctx context.Context, id int64) (*ceptor.User, error) {
	return scanUser(d.queryRow(d.db, ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
}

// FindUserByEmail returns a user by e-mail (case-insensitive).
func (d *DB) FindUserByEmail(ctx context.Context, email string) (*ceptor.User, error) {
	return scanUser(d.queryRow(d.db, ctx, "SELECT "+userCols+" FROM users WHERE email = ?", strings.ToLower(strings.TrimSpace(email))))
}

// FindUserByOIDC returns the user linked to an OpenID Connect subject.
func (d *DB) FindUserByOIDC(ctx context.Context, subject string) (*ceptor.User, error) {
	if subject == "" {
		return nil, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
	}
	return scanUser(d.queryRow(d.db, ctx, "SELECT "+userCols+" FROM users WHERE oidc_subject = ?", subject))
}

// ListUsers returns users matching f and the total.
func (d *DB) ListUsers(ctx context.Context, f ceptor.UserFilter) ([]*ceptor.User, int, error) {
	var conds []string
	var args []any
	if f.OrgID != 0 {
		conds = append(conds, "org_id = ?")
		args = append(args, f.OrgID)
	}
	if f.OrgType != "" {
		conds = append(conds, "org_id IN (SELECT id FROM organizations WHERE type = ?)")
		args = append(args, string(f.OrgType))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		pat := "%" + escapeLike(q) + "%"
		conds = append(conds, "(email "+d.like()+" ? ESCAPE '\\' OR name "+d.like()+" ? ESCAPE '\\')")
		args = append(args, pat, pat)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	total := -1
	if !f.NoTotal {
		if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM users"+where, args...).Scan(&total); err != nil {
			return nil, 0, translate(err)
		}
	}
	q := "SELECT " + userCols + " FROM users" + where + " ORDER BY org_id, CASE role WHEN 'admin' THEN 0 WHEN 'analyst' THEN 1 WHEN 'executive' THEN 2 ELSE 3 END, email"
	if f.Limit > 0 {
		q += " LIMIT " + itoa(f.Limit) + " OFFSET " + itoa(max(f.Offset, 0))
	}
	rows, err := d.query(ctx, d.db, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*ceptor.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	if total < 0 {
		total = len(out)
	}
	return out, total, translate(rows.Err())
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateUser adds a user.
func (d *DB) CreateUser(ctx context.Context, u *ceptor.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := d.now().UTC()
	u.CreatedAt, u.UpdatedAt = now, now
	id, err := d.insert(ctx, d.db, `INSERT INTO users (org_id, email, name, role, lang, password_hash, totp_secret, totp_enabled, oidc_subject, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.OrgID, u.Email, u.Name, string(u.Role), u.Lang, u.PasswordHash, u.TOTPSecret, u.TOTPEnabled, nullString(u.OIDCSubject), u.Disabled, now, now)
	u.ID = id
	return err
}

// UpdateUser changes a user's profile, role, credentials and state.
func (d *DB) UpdateUser(ctx context.Context, u *ceptor.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	u.UpdatedAt = d.now().UTC()
	return d.expectOne(d.exec(ctx, d.db, `UPDATE users SET org_id = ?, email = ?, name = ?, role = ?, lang = ?, password_hash = ?, totp_secret = ?, totp_enabled = ?,
		oidc_subject = ?, disabled = ?, failed_logins = ?, locked_until = ?, updated_at = ? WHERE id = ?`,
		u.OrgID, u.Email, u.Name, string(u.Role), u.Lang, u.PasswordHash, u.TOTPSecret, u.TOTPEnabled,
		nullString(u.OIDCSubject), u.Disabled, u.FailedLogins, nullTime(u.LockedUntil), u.UpdatedAt, u.ID))
}

// RecordLogin stores failed-login count, lockout and last login time.
func (d *DB) RecordLogin(ctx context.Context, u *ceptor.User) error {
	return d.expectOne(d.exec(ctx, d.db, "UPDATE users SET failed_logins = ?, locked_until = ?, last_login_at = ? WHERE id = ?",
		u.FailedLogins, nullTime(u.LockedUntil), nullTime(u.LastLoginAt), u.ID))
}

// UseTOTPStep records the last accepted TOTP time step, refusing a step that
// is not newer than the last one (a replayed code). It returns false on replay.
func (d *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	r, err := d.exec(ctx, d.db, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, userID, step)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// SetRecoveryCodes replaces a user's recovery codes.
func (d *DB) SetRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := d.exec(ctx, tx, "DELETE FROM recovery_codes WHERE user_id = ?", userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := d.exec(ctx, tx, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, h); err != nil {
				return err
			}
		}
		return nil
	})
}

// UseRecoveryCode consumes one unused recovery code.
func (d *DB) UseRecoveryCode(ctx context.Context, userID int64, hash string) error {
	return d.expectOne(d.exec(ctx, d.db, "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", d.now().UTC(), userID, hash))
}

// CountRecoveryCodes returns how many unused codes a user has left.
func (d *DB) CountRecoveryCodes(ctx context.Context, userID int64) (int, error) {
	var n int
	err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", userID).Scan(&n)
	return n, translate(err)
}

// ---- sessions ----

const sessionCols = "id_hash, user_id, csrf_token, mfa_pending, created_at, last_seen_at, expires_at, user_agent, ip"

// CreateSession stores a new session.
func (d *DB) CreateSession(ctx context.Context, s *ceptor.Session) error {
	_, err := d.exec(ctx, d.db, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.IDHash, s.UserID, s.CSRFToken, s.MFAPending, s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC(), s.UserAgent, s.IP)
	return err
}

// FindSession returns a session by the hash of its cookie value.
func (d *DB) FindSession(ctx context.Context, idHash string) (*ceptor.Session, error) {
	s := &ceptor.Session{}
	err := d.queryRow(d.db, ctx, "SELECT "+sessionCols+" FROM sessions WHERE id_hash = ?", idHash).Scan(
		&s.IDHash, &s.UserID, &s.CSRFToken, &s.MFAPending, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.UserAgent, &s.IP)
	if err != nil {
		return nil, translate(err)
	}
	return s, nil
}

// UpdateSession stores a session's state and times.
func (d *DB) UpdateSession(ctx context.Context, s *ceptor.Session) error {
	return d.expectOne(d.exec(ctx, d.db, "UPDATE sessions SET csrf_token = ?, mfa_pending = ?, last_seen_at = ?, expires_at = ? WHERE id_hash = ?",
		s.CSRFToken, s.MFAPending, s.LastSeenAt.UTC(), s.ExpiresAt.UTC(), s.IDHash))
}

// DeleteSession ends a session.
func (d *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := d.exec(ctx, d.db, "DELETE FROM sessions WHERE id_hash = ?", idHash)
	return err
}

// DeleteUserSessions ends every session of a user.
func (d *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := d.exec(ctx, d.db, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}

// DeleteExpiredSessions removes sessions past their expiry.
func (d *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	r, err := d.exec(ctx, d.db, "DELETE FROM sessions WHERE expires_at < ?", now.UTC())
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// ---- API tokens ----

const tokenCols = "id, user_id, name, prefix, hash, scopes, created_at, last_used_at, expires_at, revoked_at"

func scanToken(sc interface{ Scan(...any) error }) (*ceptor.APIToken, error) {
	t := &ceptor.APIToken{}
	var scopes string
	var last, exp, rev sql.NullTime
	err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Hash, &scopes, &t.CreatedAt, &last, &exp, &rev)
	t.Scopes = strings.Fields(scopes)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = timePtr(last), timePtr(exp), timePtr(rev)
	return t, translate(err)
}

// CreateToken stores a token (its hash only).
func (d *DB) CreateToken(ctx context.Context, t *ceptor.APIToken) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return ceptor.Invalid(map[string]string{"name": "err.required"})
	}
	if len(t.Scopes) == 0 {
		return ceptor.Invalid(map[string]string{"scopes": "err.required"})
	}
	t.CreatedAt = d.now().UTC()
	id, err := d.insert(ctx, d.db, "INSERT INTO api_tokens (user_id, name, prefix, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		t.UserID, t.Name, t.Prefix, t.Hash, strings.Join(t.Scopes, " "), t.CreatedAt, nullTime(t.ExpiresAt))
	t.ID = id
	return err
}

// FindTokenByHash returns the token with the given secret hash.
func (d *DB) FindTokenByHash(ctx context.Context, hash string) (*ceptor.APIToken, error) {
	return scanToken(d.queryRow(d.db, ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE hash = ?", hash))
}

// FindToken returns a token by id.
func (d *DB) FindToken(ctx context.Context, id int64) (*ceptor.APIToken, error) {
	return scanToken(d.queryRow(d.db, ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE id = ?", id))
}

// ListTokens returns a user's tokens, newest first.
func (d *DB) ListTokens(ctx context.Context, userID int64) ([]*ceptor.APIToken, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+tokenCols+" FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// RevokeToken marks a token revoked.
func (d *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	return d.expectOne(d.exec(ctx, d.db, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", at.UTC(), id))
}

// TouchToken records when a token was last used.
func (d *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := d.exec(ctx, d.db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", at.UTC(), id)
	return err
}
