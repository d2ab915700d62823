package ceptor

// allowIncident decides access to incidents. Until the incidents module
// defines its rules, only NISC may see or change them.
func (a *Actor) allowIncident(act Action, r Resource) bool {
	return a.OrgType == OrgNISC && (act == ActView || act == ActExport || a.Role == RoleAdmin || a.Role == RoleAnalyst)
}
