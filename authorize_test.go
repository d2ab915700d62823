package ceptor_test

import (
	"testing"

	"ceptor"
)

// Authorize names the token scope as the obstacle only when the person
// behind the token would be allowed.
func TestAuthorizeSaysWhy(t *testing.T) {
	nisc := &ceptor.Organization{ID: 1, Name: "NISC", Type: ceptor.OrgNISC, Active: true}
	actor := func(role ceptor.Role, scopes []string) *ceptor.Actor {
		return ceptor.NewActor(&ceptor.User{ID: 7, OrgID: 1, Role: role}, nisc, nil, nil, scopes)
	}
	res := ceptor.Resource{Kind: ceptor.KindSector}
	scenarios := []struct {
		name string
		a    *ceptor.Actor
		want string // message key, "" for allowed
	}{
		{"admin session", actor(ceptor.RoleAdmin, nil), ""},
		{"admin token with admin scope", actor(ceptor.RoleAdmin, []string{ceptor.ScopeAdmin}), ""},
		{"admin token with read scope: the scope", actor(ceptor.RoleAdmin, []string{ceptor.ScopeRead}), "err.scope"},
		{"analyst token: the role, not the scope", actor(ceptor.RoleAnalyst, []string{ceptor.ScopeRead}), "err.forbidden"},
		{"analyst session", actor(ceptor.RoleAnalyst, nil), "err.forbidden"},
	}
	for _, sc := range scenarios {
		err := ceptor.Authorize(sc.a, ceptor.ActUpdate, res)
		got := ""
		if e, ok := err.(*ceptor.Error); ok {
			got = e.Key
		}
		if got != sc.want {
			t.Errorf("%s: %q, want %q", sc.name, got, sc.want)
		}
	}
}
