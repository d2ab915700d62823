package demo

import (
	"strings"

	"ceptor"
)

// users adds the demo sign-ins:
//
//   - <role>.<type>@demo.example for every organisation type and role, in the
//     organisations of Dataset.RoleOrgs (32 users; the NISC analyst uses
//     English, everyone else Japanese);
//   - mfa.operator@demo.example, an analyst of the same operator with TOTP;
//   - admin.<code>@demo.example for every other ministry (mic, mhlw, meti,
//     mlit), CEPTOR secretariat (by CEPTOR code), partner agency and
//     provider, so that every public body has an administrator;
//   - admin.op-<ceptor>@demo.example for the first member of every other
//     CEPTOR, so that each sector can be shown from an operator's side.
func (g *generator) users(first map[string]string) {
	add := func(local, orgKey string, role ceptor.Role, lang string, totp bool) {
		g.ds.Users = append(g.ds.Users, UserRec{
			User: ceptor.User{
				Email: local + "@" + EmailDomain, Name: g.personName(), Role: role, Lang: lang, TOTPEnabled: totp,
			},
			OrgKey: orgKey,
		})
	}
	for _, t := range ceptor.OrgTypes {
		for _, role := range ceptor.Roles {
			lang := "ja"
			if t == ceptor.OrgNISC && role == ceptor.RoleAnalyst {
				lang = "en"
			}
			add(string(role)+"."+string(t), g.ds.RoleOrgs[t], role, lang, false)
		}
	}
	add(strings.TrimSuffix(MFAEmail, "@"+EmailDomain), g.ds.RoleOrgs[ceptor.OrgOperator], ceptor.RoleAnalyst, "ja", true)

	showcase := map[string]bool{}
	for _, k := range g.ds.RoleOrgs {
		showcase[k] = true
	}
	var bodies []bodyDef
	bodies = append(bodies, ministryDefs...)
	bodies = append(bodies, hubDefs...)
	for _, c := range ceptorDefs {
		bodies = append(bodies, bodyDef{Key: "secretariat:" + c.Code})
	}
	bodies = append(bodies, supplierDefs...)
	for _, b := range bodies {
		if showcase[b.Key] {
			continue
		}
		_, code, _ := strings.Cut(b.Key, ":")
		add("admin."+code, b.Key, ceptor.RoleAdmin, "ja", false)
	}
	for _, c := range ceptorDefs {
		if k := first[c.Code]; k != "" && !showcase[k] {
			add("admin.op-"+c.Code, k, ceptor.RoleAdmin, "ja", false)
		}
	}
}
