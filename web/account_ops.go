package web

// The changes of the account and administration areas, one function each.
// Every function asks the policy, changes storage and appends to the audit
// log, so that the UI handlers and the JSON API share one implementation and
// cannot drift apart in what they allow or record.

import (
	"context"
	"crypto/rand"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
	"ceptor/auth"
)

const (
	// maxTokenDays bounds the lifetime a person may give an API token.
	maxTokenDays = 730
	// maxTokenName bounds a token's name (characters).
	maxTokenName = 100
	// totpIssuer names the service in authenticator apps.
	totpIssuer = "ceptor"
)

// refusal is the generic EFORBIDDEN error for actor a.
func refusal(a *ceptor.Actor) error { return forbidden(&reqState{actor: a}) }

// notFound is the answer for an object the caller may not know exists.
func notFound() error {
	return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
}

// selfRefusal stops administrators from locking themselves out.
func selfRefusal() error {
	return &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "administrators cannot do this to their own account", Key: "admin.err_self"}
}

// userResource describes user u of organisation o for the policy.
func userResource(u *ceptor.User, o *ceptor.Organization) ceptor.Resource {
	r := ceptor.Resource{Kind: ceptor.KindUser, OrgID: u.OrgID, UserID: u.ID}
	if o != nil {
		r.OrgType, r.SectorIDs, r.CeptorIDs = o.Type, o.SectorIDs, o.CeptorIDs
	}
	return r
}

// tokenResource describes the tokens of user u for the policy.
func tokenResource(u *ceptor.User) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindToken, UserID: u.ID, OrgID: u.OrgID}
}

// tokenStatus is "active", "revoked" or "expired".
func tokenStatus(t *ceptor.APIToken, now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// ---- passwords ----

// changePassword replaces the caller's password after checking the current
// one and the password rules, then ends every session of the person (the
// handler starts a fresh one for the browser that asked).
func (s *Server) changePassword(r *http.Request, u *ceptor.User, current, next, confirm string) error {
	ctx := r.Context()
	if !s.limiter.Allow("password:" + s.clientIP(r)) {
		return &ceptor.Error{Code: ceptor.ETOOMANY, Message: "too many attempts", Key: "err.too_many"}
	}
	f := map[string]string{}
	ok := false
	if current == "" {
		f["current"] = "err.required"
	} else {
		var err error
		ok, _, err = auth.CheckPassword(s.cfg.Password, u.PasswordHash, current)
		if err != nil || !ok {
			f["current"] = "account.err_current_password"
			s.audit(r, "user.password_change_failed", ceptor.KindUser, u.ID, u.OrgID, map[string]string{"reason": "wrong_current_password"})
		}
	}
	switch {
	case next == "":
		f["new"] = "err.required"
	case auth.ValidatePassword(next, u.Email) != "":
		f["new"] = auth.ValidatePassword(next, u.Email)
	case ok && next == current:
		f["new"] = "account.err_password_same"
	case next != confirm:
		f["confirm"] = "err.password_mismatch"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	hash, err := auth.HashPassword(s.cfg.Password, next)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	u.FailedLogins, u.LockedUntil = 0, nil
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	s.audit(r, "user.password_change", ceptor.KindUser, u.ID, u.OrgID, map[string]string{"sessions": "ended"})
	return nil
}

// pwAlphabet leaves out characters that are easily confused when a
// password is read out or copied by hand (0/O, 1/l/I).
const pwAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// generatePassword returns a random initial password such as
// "Xk7pa-3Mqd9-wHt4s-Ln2bC" (20 symbols of 5.8 bits: about 116 bits).
func generatePassword() string {
	var sb strings.Builder
	n := big.NewInt(int64(len(pwAlphabet)))
	for i := range 20 {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		sb.WriteByte(pwAlphabet[k.Int64()])
	}
	return sb.String()
}

// ---- two-factor authentication ----

// startTOTP creates a new TOTP secret for u and keeps it sealed in the user
// row, not yet enabled, until the person proves their app has it.
func (s *Server) startTOTP(r *http.Request, u *ceptor.User) error {
	if u.TOTPEnabled {
		return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "two-factor authentication is already on", Key: "account.2fa_err_already"}
	}
	secret, _, _, err := auth.NewTOTP(totpIssuer, u.Email)
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal([]byte(secret), totpAAD(u))
	if err != nil {
		return err
	}
	u.TOTPSecret = sealed
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	s.audit(r, "user.2fa_setup", ceptor.KindUser, u.ID, u.OrgID, nil)
	return nil
}

// cancelTOTP forgets a secret whose enrolment was not finished.
func (s *Server) cancelTOTP(r *http.Request, u *ceptor.User) error {
	if u.TOTPEnabled || u.TOTPSecret == "" {
		return nil
	}
	u.TOTPSecret = ""
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	s.audit(r, "user.2fa_setup_cancel", ceptor.KindUser, u.ID, u.OrgID, nil)
	return nil
}

// pendingTOTP opens the secret of an unfinished enrolment.
func (s *Server) pendingTOTP(u *ceptor.User) (string, bool) {
	if u.TOTPEnabled || u.TOTPSecret == "" {
		return "", false
	}
	b, err := s.sealer.Open(u.TOTPSecret, totpAAD(u))
	if err != nil {
		s.log.Error("open pending TOTP secret", "user_id", u.ID, "err", err)
		return "", false
	}
	return string(b), true
}

// checkTOTPCode accepts a current TOTP code of u (each time step once);
// recovery codes are not accepted here.
func (s *Server) checkTOTPCode(ctx context.Context, u *ceptor.User, secret, code string) bool {
	step, ok := auth.CheckTOTP(secret, code, s.now())
	if !ok {
		return false
	}
	fresh, err := s.store.UseTOTPStep(ctx, u.ID, step)
	if err != nil {
		s.log.Error("record TOTP step", "user_id", u.ID, "err", err)
	}
	return err == nil && fresh
}

func (s *Server) limit2FA(r *http.Request, u *ceptor.User) error {
	if !s.limiter.Allow("2fa-manage:" + s.clientIP(r)) {
		return &ceptor.Error{Code: ceptor.ETOOMANY, Message: "too many attempts", Key: "err.too_many"}
	}
	return nil
}

func badCode() error { return ceptor.Invalid(map[string]string{"code": "twofa.err_code"}) }

// confirmTOTP enables two-factor authentication when code matches the
// pending secret, and returns a fresh set of recovery codes to show once.
func (s *Server) confirmTOTP(r *http.Request, u *ceptor.User, code string) ([]string, error) {
	if err := s.limit2FA(r, u); err != nil {
		return nil, err
	}
	secret, ok := s.pendingTOTP(u)
	if !ok {
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "no enrolment in progress", Key: "account.2fa_err_no_setup"}
	}
	if strings.TrimSpace(code) == "" {
		return nil, ceptor.Invalid(map[string]string{"code": "err.required"})
	}
	if !s.checkTOTPCode(r.Context(), u, secret, code) {
		s.audit(r, "user.2fa_enable_failed", ceptor.KindUser, u.ID, u.OrgID, nil)
		return nil, badCode()
	}
	u.TOTPEnabled = true
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return nil, err
	}
	plain, hashes := auth.NewRecoveryCodes(auth.DefaultRecoveryCodes)
	if err := s.store.SetRecoveryCodes(r.Context(), u.ID, hashes); err != nil {
		return nil, err
	}
	s.audit(r, "user.2fa_enable", ceptor.KindUser, u.ID, u.OrgID, map[string]int{"recovery_codes": len(plain)})
	return plain, nil
}

// openTOTP opens the secret of an enabled second factor.
func (s *Server) openTOTP(u *ceptor.User) (string, error) {
	b, err := s.sealer.Open(u.TOTPSecret, totpAAD(u))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// regenerateRecoveryCodes replaces every recovery code after a current TOTP
// code proves the person still holds the authenticator.
func (s *Server) regenerateRecoveryCodes(r *http.Request, u *ceptor.User, code string) ([]string, error) {
	if !u.TOTPEnabled {
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "two-factor authentication is off", Key: "account.2fa_err_off"}
	}
	if err := s.limit2FA(r, u); err != nil {
		return nil, err
	}
	secret, err := s.openTOTP(u)
	if err != nil {
		return nil, err
	}
	if !s.checkTOTPCode(r.Context(), u, secret, code) {
		s.audit(r, "user.2fa_recovery_codes_failed", ceptor.KindUser, u.ID, u.OrgID, nil)
		return nil, badCode()
	}
	plain, hashes := auth.NewRecoveryCodes(auth.DefaultRecoveryCodes)
	if err := s.store.SetRecoveryCodes(r.Context(), u.ID, hashes); err != nil {
		return nil, err
	}
	s.audit(r, "user.2fa_recovery_codes", ceptor.KindUser, u.ID, u.OrgID, map[string]int{"recovery_codes": len(plain)})
	return plain, nil
}

// disableTOTP turns the second factor off after the password and a current
// code (TOTP or an unused recovery code). It is refused while the
// organisation requires two-factor authentication.
func (s *Server) disableTOTP(r *http.Request, u *ceptor.User, o *ceptor.Organization, password, code string) error {
	if !u.TOTPEnabled {
		return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "two-factor authentication is off", Key: "account.2fa_err_off"}
	}
	if o.Require2FA {
		return &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "the organisation requires two-factor authentication", Key: "account.2fa_err_org_requires"}
	}
	if err := s.limit2FA(r, u); err != nil {
		return err
	}
	f := map[string]string{}
	if password == "" {
		f["password"] = "err.required"
	} else if ok, _, err := auth.CheckPassword(s.cfg.Password, u.PasswordHash, password); err != nil || !ok {
		f["password"] = "account.err_current_password"
	}
	if strings.TrimSpace(code) == "" {
		f["code"] = "err.required"
	} else if len(f) == 0 {
		// Only spend a code (a TOTP step or a recovery code) once the
		// password is right.
		if ok, _ := s.checkSecondFactor(r.Context(), u, code); !ok {
			f["code"] = "twofa.err_code"
		}
	}
	if len(f) > 0 {
		s.audit(r, "user.2fa_disable_failed", ceptor.KindUser, u.ID, u.OrgID, nil)
		return ceptor.Invalid(f)
	}
	u.TOTPEnabled, u.TOTPSecret = false, ""
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	if err := s.store.SetRecoveryCodes(r.Context(), u.ID, nil); err != nil {
		return err
	}
	s.audit(r, "user.2fa_disable", ceptor.KindUser, u.ID, u.OrgID, nil)
	return nil
}

// ---- API tokens ----

// tokenInput is what a person asks for when creating an API token.
type tokenInput struct {
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes"`
	ExpiresInDays int      `json:"expires_in_days"`
}

// createToken issues a token to the caller. The scopes must be ones the
// caller's role may hold; a token that creates a token (it needs the admin
// scope) cannot hand out a scope it does not have itself. The secret is
// returned once; only its hash is stored.
func (s *Server) createToken(r *http.Request, a *ceptor.Actor, owner *ceptor.User, in tokenInput) (*ceptor.APIToken, string, error) {
	if !ceptor.Allow(a, ceptor.ActCreate, tokenResource(owner)) {
		return nil, "", refusal(a)
	}
	f := map[string]string{}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		f["name"] = "err.required"
	case utf8.RuneCountInString(name) > maxTokenName:
		f["name"] = "err.too_long"
	}
	allowed := ceptor.ScopesForRole(owner.Role)
	var scopes []string
	for _, sc := range ceptor.Scopes { // canonical order, duplicates dropped
		if slices.Contains(in.Scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	for _, sc := range in.Scopes {
		switch {
		case !slices.Contains(ceptor.Scopes, sc), !slices.Contains(allowed, sc):
			f["scopes"] = "account.token_err_scope_role"
		case a.Scopes != nil && !slices.Contains(a.Scopes, sc):
			f["scopes"] = "account.token_err_scope_token"
		}
	}
	if len(scopes) == 0 && f["scopes"] == "" {
		f["scopes"] = "account.token_err_scope_none"
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > maxTokenDays {
		f["expires_in_days"] = "account.token_err_days"
	}
	if len(f) > 0 {
		return nil, "", ceptor.Invalid(f)
	}
	secret := auth.RandomToken(auth.PrefixAPIToken)
	t := &ceptor.APIToken{UserID: owner.ID, Name: name, Prefix: auth.TokenPrefix(secret), Hash: auth.HashToken(secret), Scopes: scopes}
	if in.ExpiresInDays > 0 {
		exp := s.now().Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour).UTC()
		t.ExpiresAt = &exp
	}
	if err := s.store.CreateToken(r.Context(), t); err != nil {
		return nil, "", err
	}
	s.audit(r, "token.create", ceptor.KindToken, t.ID, owner.OrgID, map[string]any{
		"user_id": owner.ID, "name": t.Name, "prefix": t.Prefix, "scopes": t.Scopes, "expires_at": t.ExpiresAt})
	return t, secret, nil
}

// findTokenFor returns a token and its owner when the caller may see it.
func (s *Server) findTokenFor(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.APIToken, *ceptor.User, error) {
	t, err := s.store.FindToken(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	owner, err := s.store.FindUser(ctx, t.UserID)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil, notFound()
		}
		return nil, nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, tokenResource(owner)) {
		return nil, nil, notFound()
	}
	return t, owner, nil
}

// revokeToken revokes one token: the caller's own, or as an administrator
// one of their organisation's people. Revoking twice is not an error.
func (s *Server) revokeToken(r *http.Request, a *ceptor.Actor, id int64, reason string) (*ceptor.APIToken, error) {
	t, owner, err := s.findTokenFor(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActDeactivate, tokenResource(owner)) {
		return nil, refusal(a)
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	now := s.now().UTC()
	if err := s.store.RevokeToken(r.Context(), t.ID, now); err != nil {
		return nil, err
	}
	t.RevokedAt = &now
	s.audit(r, "token.revoke", ceptor.KindToken, t.ID, owner.OrgID, map[string]any{
		"user_id": owner.ID, "prefix": t.Prefix, "reason": reason})
	return t, nil
}

// revokeUserTokens revokes every usable token of user u.
func (s *Server) revokeUserTokens(r *http.Request, a *ceptor.Actor, u *ceptor.User) (int, error) {
	if !ceptor.Allow(a, ceptor.ActDeactivate, tokenResource(u)) {
		return 0, refusal(a)
	}
	list, err := s.store.ListTokens(r.Context(), u.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range list {
		if t.RevokedAt != nil {
			continue
		}
		if _, err := s.revokeToken(r, a, t.ID, "admin_revoke_all"); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ---- user administration ----

// findUserFor returns a user and their organisation when the caller may
// see them; otherwise ENOTFOUND, so that existence does not leak.
func (s *Server) findUserFor(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.User, *ceptor.Organization, error) {
	u, err := s.store.FindUser(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.store.FindOrg(ctx, u.OrgID)
	if err != nil {
		return nil, nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, userResource(u, o)) {
		return nil, nil, notFound()
	}
	return u, o, nil
}

// canListUsers reports whether a may open the user list at all (an
// administrator or auditor; the list is then narrowed by listUsersFor).
func canListUsers(a *ceptor.Actor) bool {
	return ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindUser, OrgID: a.OrgID, OrgType: a.OrgType})
}

// seesAllUsers reports whether a may see the people of every organisation
// (the policy grants this to NISC administrators and auditors).
func seesAllUsers(a *ceptor.Actor) bool {
	return canListUsers(a) && a.OrgType == ceptor.OrgNISC
}

// listUsersFor returns the users a may see that match f. Outside NISC the
// list is the caller's own organisation, whatever f asks for.
func (s *Server) listUsersFor(ctx context.Context, a *ceptor.Actor, f ceptor.UserFilter) ([]*ceptor.User, int, error) {
	if !canListUsers(a) {
		return nil, 0, refusal(a)
	}
	if !seesAllUsers(a) {
		if f.OrgID != 0 && f.OrgID != a.OrgID {
			return nil, 0, refusal(a)
		}
		f.OrgID, f.OrgType = a.OrgID, ""
	}
	list, total, err := s.store.ListUsers(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	// The filter above is the policy's answer; asking the policy for each
	// row as well keeps a future policy change from leaking people.
	out := list[:0]
	for _, u := range list {
		if ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindUser, OrgID: u.OrgID, UserID: u.ID}) {
			out = append(out, u)
		} else {
			total--
		}
	}
	return out, total, nil
}

// userInput is a new user as an administrator enters it.
type userInput struct {
	OrgID    int64       `json:"org_id"`
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Role     ceptor.Role `json:"role"`
	Lang     string      `json:"lang"`
	Password string      `json:"password"`
}

// createUser adds a person to an organisation (the caller's own when
// OrgID is zero) with the given initial password.
func (s *Server) createUser(r *http.Request, a *ceptor.Actor, in userInput) (*ceptor.User, error) {
	ctx := r.Context()
	if in.OrgID == 0 {
		in.OrgID = a.OrgID
	}
	o, err := s.store.FindOrg(ctx, in.OrgID)
	if err != nil && ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		return nil, err
	}
	if err != nil || !ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindOrg, o)) {
		if !canCreateUsers(a) {
			return nil, refusal(a)
		}
		return nil, ceptor.Invalid(map[string]string{"org_id": "admin.err_org"})
	}
	if !ceptor.Allow(a, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindUser, OrgID: o.ID, OrgType: o.Type, SectorIDs: o.SectorIDs, CeptorIDs: o.CeptorIDs}) {
		return nil, refusal(a)
	}
	u := &ceptor.User{OrgID: o.ID, Email: in.Email, Name: in.Name, Role: in.Role, Lang: in.Lang}
	f := map[string]string{}
	if err := u.Validate(); err != nil {
		if fe := ceptor.ErrorFields(err); fe != nil {
			f = fe
		} else {
			return nil, err
		}
	}
	if !o.Active {
		f["org_id"] = "admin.err_org_inactive"
	}
	if in.Password == "" {
		f["password"] = "err.required"
	} else if key := auth.ValidatePassword(in.Password, u.Email); key != "" {
		f["password"] = key
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	if u.PasswordHash, err = auth.HashPassword(s.cfg.Password, in.Password); err != nil {
		return nil, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
			return nil, ceptor.Invalid(map[string]string{"email": "admin.err_email_taken"})
		}
		return nil, err
	}
	s.audit(r, "user.create", ceptor.KindUser, u.ID, u.OrgID, map[string]any{"email": u.Email, "role": u.Role, "lang": u.Lang})
	return u, nil
}

// canCreateUsers reports whether a may create users at least in their own
// organisation.
func canCreateUsers(a *ceptor.Actor) bool {
	return ceptor.Allow(a, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindUser, OrgID: a.OrgID, OrgType: a.OrgType})
}

// userPatch is a change to a user; nil fields stay as they are.
type userPatch struct {
	Name     *string      `json:"name,omitempty"`
	Role     *ceptor.Role `json:"role,omitempty"`
	Lang     *string      `json:"lang,omitempty"`
	Disabled *bool        `json:"disabled,omitempty"`
}

// updateUser changes name, role and language (and, through
// setUserDisabled, the state). Administrators cannot change their own role.
func (s *Server) updateUser(r *http.Request, a *ceptor.Actor, u *ceptor.User, o *ceptor.Organization, p userPatch) error {
	if !ceptor.Allow(a, ceptor.ActUpdate, userResource(u, o)) {
		return refusal(a)
	}
	changes := map[string][2]any{}
	if p.Name != nil && strings.TrimSpace(*p.Name) != u.Name {
		changes["name"] = [2]any{u.Name, strings.TrimSpace(*p.Name)}
		u.Name = *p.Name
	}
	if p.Role != nil && *p.Role != u.Role {
		if u.ID == a.UserID {
			return selfRefusal()
		}
		changes["role"] = [2]any{u.Role, *p.Role}
		u.Role = *p.Role
	}
	if p.Lang != nil && *p.Lang != u.Lang {
		changes["lang"] = [2]any{u.Lang, *p.Lang}
		u.Lang = *p.Lang
	}
	if len(changes) > 0 {
		if err := s.store.UpdateUser(r.Context(), u); err != nil {
			return err
		}
		s.audit(r, "user.update", ceptor.KindUser, u.ID, u.OrgID, changes)
	}
	if p.Disabled != nil {
		return s.setUserDisabled(r, a, u, o, *p.Disabled)
	}
	return nil
}

// setUserDisabled disables (ending every session) or re-enables a user.
func (s *Server) setUserDisabled(r *http.Request, a *ceptor.Actor, u *ceptor.User, o *ceptor.Organization, disabled bool) error {
	if !ceptor.Allow(a, ceptor.ActDeactivate, userResource(u, o)) {
		return refusal(a)
	}
	if disabled && u.ID == a.UserID {
		return selfRefusal()
	}
	if u.Disabled == disabled {
		return nil
	}
	u.Disabled = disabled
	if !disabled {
		u.FailedLogins, u.LockedUntil = 0, nil
	}
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
		if err := s.store.DeleteUserSessions(r.Context(), u.ID); err != nil {
			return err
		}
	}
	s.audit(r, action, ceptor.KindUser, u.ID, u.OrgID, nil)
	return nil
}

// resetPassword gives u a generated password (returned to show once),
// clears the lockout and ends their sessions. Administrators change their
// own password on the account page instead.
func (s *Server) resetPassword(r *http.Request, a *ceptor.Actor, u *ceptor.User, o *ceptor.Organization) (string, error) {
	if !ceptor.Allow(a, ceptor.ActUpdate, userResource(u, o)) {
		return "", refusal(a)
	}
	if u.ID == a.UserID {
		return "", selfRefusal()
	}
	pw := generatePassword()
	hash, err := auth.HashPassword(s.cfg.Password, pw)
	if err != nil {
		return "", err
	}
	u.PasswordHash, u.FailedLogins, u.LockedUntil = hash, 0, nil
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return "", err
	}
	if err := s.store.DeleteUserSessions(r.Context(), u.ID); err != nil {
		return "", err
	}
	s.audit(r, "user.reset_password", ceptor.KindUser, u.ID, u.OrgID, map[string]string{"sessions": "ended"})
	return pw, nil
}

// reset2FA removes u's TOTP secret and recovery codes (for a lost phone)
// and ends their sessions; they enrol again at the next sign-in.
func (s *Server) reset2FA(r *http.Request, a *ceptor.Actor, u *ceptor.User, o *ceptor.Organization) error {
	if !ceptor.Allow(a, ceptor.ActUpdate, userResource(u, o)) {
		return refusal(a)
	}
	if u.ID == a.UserID {
		return selfRefusal()
	}
	was := u.TOTPEnabled
	u.TOTPEnabled, u.TOTPSecret = false, ""
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	if err := s.store.SetRecoveryCodes(r.Context(), u.ID, nil); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(r.Context(), u.ID); err != nil {
		return err
	}
	s.audit(r, "user.reset_2fa", ceptor.KindUser, u.ID, u.OrgID, map[string]bool{"was_enabled": was})
	return nil
}

// ---- audit log ----

// auditFilterFor returns the part of the audit log a may read: all of it for
// NISC, otherwise the entries by or about the caller's organisation.
func auditFilterFor(a *ceptor.Actor, act ceptor.Action) (ceptor.AuditFilter, error) {
	if !ceptor.Allow(a, act, ceptor.Resource{Kind: ceptor.KindAudit, OrgID: a.OrgID, OrgType: a.OrgType}) {
		return ceptor.AuditFilter{}, refusal(a)
	}
	return ceptor.AuditFilterFor(a), nil
}

// canVerifyAudit: checking the whole chain reads every entry, so it is for
// NISC's auditors and administrators only.
func canVerifyAudit(a *ceptor.Actor) bool {
	return a != nil && a.OrgType == ceptor.OrgNISC &&
		ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindAudit, OrgID: a.OrgID, OrgType: a.OrgType})
}

// auditVerification is the outcome of a chain check.
type auditVerification struct {
	Entries  int                   `json:"entries"`
	OK       bool                  `json:"ok"`
	Problems []ceptor.AuditProblem `json:"problems"`
}

// verifyAudit walks the whole chain and records that it was checked.
func (s *Server) verifyAudit(r *http.Request, a *ceptor.Actor) (*auditVerification, error) {
	if !canVerifyAudit(a) {
		return nil, refusal(a)
	}
	n, problems, err := s.store.VerifyAudit(r.Context())
	if err != nil {
		return nil, err
	}
	if problems == nil {
		problems = []ceptor.AuditProblem{}
	}
	v := &auditVerification{Entries: n, OK: len(problems) == 0, Problems: problems}
	s.audit(r, "audit.verify", ceptor.KindAudit, nil, a.OrgID, map[string]any{"entries": n, "ok": v.OK, "problems": len(problems)})
	return v, nil
}
