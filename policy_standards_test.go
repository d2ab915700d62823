package ceptor_test

// The policy of the safety-standards module as a table: every organisation
// type x role x action x relationship for catalogs, campaigns, responses,
// standards documents and yearly statuses. Expectations are written out
// from the product rules (policy_standards.go), not computed by the policy.

import (
	"testing"

	"ceptor"
)

func stdActor(t ceptor.OrgType, role ceptor.Role, org int64) *ceptor.Actor {
	a := &ceptor.Actor{UserID: 1, OrgID: org, OrgType: t, Role: role}
	switch t {
	case ceptor.OrgMinistry:
		a.OverseesSectors = []int64{1} // sector 1 only
	case ceptor.OrgOperator:
		a.SectorIDs = []int64{1}
	case ceptor.OrgSecretariat:
		a.RunsCeptors = []int64{7} // a CEPTOR of sector 1
	}
	return a
}

func TestPolicyStandardsTable(t *testing.T) {
	const self = int64(50)
	acts := []ceptor.Action{ceptor.ActView, ceptor.ActExport, ceptor.ActCreate, ceptor.ActUpdate, ceptor.ActImport, ceptor.ActEvaluate, ceptor.ActDeactivate, ceptor.ActUpdateProfile}
	type rel struct {
		name string
		r    ceptor.Resource
	}
	rels := []rel{
		{"catalog", ceptor.Resource{Kind: ceptor.KindCatalog}},
		{"survey-mine-open", ceptor.Resource{Kind: ceptor.KindSurvey, SectorIDs: []int64{1, 2}, CeptorIDs: []int64{7, 8}}},
		{"survey-mine-draft", ceptor.Resource{Kind: ceptor.KindSurvey, SectorIDs: []int64{1}, CeptorIDs: []int64{7}, Draft: true}},
		{"survey-other", ceptor.Resource{Kind: ceptor.KindSurvey, SectorIDs: []int64{2}, CeptorIDs: []int64{8}}},
		{"survey-own-draft", ceptor.Resource{Kind: ceptor.KindSurvey, OrgID: self, Draft: true}},
		{"survey-own-open", ceptor.Resource{Kind: ceptor.KindSurvey, OrgID: self}},
		{"survey-others-draft", ceptor.Resource{Kind: ceptor.KindSurvey, OrgID: 99, Draft: true}},
		{"response-own-draft", ceptor.Resource{Kind: ceptor.KindSurveyResponse, OrgID: self, SectorIDs: []int64{1}, Draft: true}},
		{"response-own-submitted", ceptor.Resource{Kind: ceptor.KindSurveyResponse, OrgID: self, SectorIDs: []int64{1}}},
		{"response-other-draft", ceptor.Resource{Kind: ceptor.KindSurveyResponse, OrgID: 99, SectorIDs: []int64{1}, Draft: true}},
		{"response-other-submitted", ceptor.Resource{Kind: ceptor.KindSurveyResponse, OrgID: 99, SectorIDs: []int64{1}}},
		{"standard-mine", ceptor.Resource{Kind: ceptor.KindStandard, SectorIDs: []int64{1}}},
		{"standard-other", ceptor.Resource{Kind: ceptor.KindStandard, SectorIDs: []int64{2}}},
		{"status-mine", ceptor.Resource{Kind: ceptor.KindStandardStatus, SectorIDs: []int64{1}}},
		{"status-other", ceptor.Resource{Kind: ceptor.KindStandardStatus, SectorIDs: []int64{2}}},
	}
	// want lists, per relationship, the allowed "type/role/action" triples
	// with "*" wildcards; everything else must be refused.
	want := map[string][]string{
		"catalog":           {"*/*/view", "*/*/export", "nisc/admin/import", "nisc/analyst/import", "nisc/admin/create", "nisc/analyst/create"},
		"survey-mine-open":  {"nisc/*/view", "nisc/*/export", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "nisc/admin/import", "nisc/analyst/import", "ministry/*/view", "ministry/*/export", "secretariat/*/view", "secretariat/*/export"},
		"survey-mine-draft": {"nisc/*/view", "nisc/*/export", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "nisc/admin/import", "nisc/analyst/import"},
		"survey-other":      {"nisc/*/view", "nisc/*/export", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "nisc/admin/import", "nisc/analyst/import"},
		// Renaming (update_profile) and deleting (deactivate): a draft, by
		// the administrators of the organisation that built it.
		"survey-own-draft":    {"nisc/*/view", "nisc/*/export", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "nisc/admin/import", "nisc/analyst/import", "nisc/admin/update_profile", "nisc/admin/deactivate"},
		"survey-own-open":     {"nisc/*/view", "nisc/*/export", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "nisc/admin/import", "nisc/analyst/import"},
		"survey-others-draft": {"nisc/*/view", "nisc/*/export", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "nisc/admin/import", "nisc/analyst/import"},
		// The acting organisation is "self" for every type: own answers are
		// the organisation's, whatever its type.
		"response-own-draft":       {"*/*/view", "*/*/export", "*/admin/update", "*/analyst/update"},
		"response-own-submitted":   {"*/*/view", "*/*/export"},
		"response-other-draft":     {},
		"response-other-submitted": {"nisc/*/view", "nisc/*/export"},
		"standard-mine":            {"*/*/view", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update", "ministry/admin/create", "ministry/analyst/create", "ministry/admin/update", "ministry/analyst/update"},
		"standard-other":           {"*/*/view", "nisc/admin/create", "nisc/analyst/create", "nisc/admin/update", "nisc/analyst/update"},
		"status-mine":              {"nisc/*/view", "ministry/*/view", "ministry/admin/update", "ministry/analyst/update", "nisc/admin/evaluate", "nisc/analyst/evaluate"},
		"status-other":             {"nisc/*/view", "nisc/admin/evaluate", "nisc/analyst/evaluate"},
	}
	match := func(pat, typ, role, act string) bool {
		parts := [3]string{}
		n := 0
		start := 0
		for i := 0; i <= len(pat); i++ {
			if i == len(pat) || pat[i] == '/' {
				parts[n] = pat[start:i]
				n++
				start = i + 1
			}
		}
		pt, pr, pa := parts[0], parts[1], parts[2]
		return (pt == "*" || pt == typ) && (pr == "*" || pr == role) && pa == act
	}
	checked := 0
	for _, typ := range ceptor.OrgTypes {
		for _, role := range ceptor.Roles {
			a := stdActor(typ, role, self)
			for _, rl := range rels {
				for _, act := range acts {
					exp := false
					for _, p := range want[rl.name] {
						exp = exp || match(p, string(typ), string(role), string(act))
					}
					// Read-only roles never write, whatever the table says.
					if act != ceptor.ActView && act != ceptor.ActExport && (role == ceptor.RoleExecutive || role == ceptor.RoleAuditor) {
						exp = false
					}
					if got := ceptor.Allow(a, act, rl.r); got != exp {
						t.Errorf("%s %s %s on %s: got %v, want %v", typ, role, act, rl.name, got, exp)
					}
					checked++
				}
			}
		}
	}
	if checked != len(ceptor.OrgTypes)*len(ceptor.Roles)*len(rels)*len(acts) {
		t.Fatal("not every combination was checked")
	}
}

func TestPolicyStandardsTokenScopes(t *testing.T) {
	a := stdActor(ceptor.OrgOperator, ceptor.RoleAnalyst, 50)
	a.Scopes = []string{ceptor.ScopeRead}
	own := ceptor.Resource{Kind: ceptor.KindSurveyResponse, OrgID: 50, Draft: true}
	if !ceptor.Allow(a, ceptor.ActView, own) || ceptor.Allow(a, ceptor.ActUpdate, own) {
		t.Fatal("a read token reads but does not answer")
	}
	a.Scopes = []string{ceptor.ScopeRead, ceptor.ScopeWrite}
	if !ceptor.Allow(a, ceptor.ActUpdate, own) {
		t.Fatal("a write token answers")
	}
}
