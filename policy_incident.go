package ceptor

// ActSwitchMode switches an incident into large-scale mode
// (大規模重要インフラサービス障害対応時) or back.
const ActSwitchMode Action = "switch_mode"

// allowIncident decides access to incidents (reports grouped as one event,
// with severity, timeline and large-scale mode).
//
//   - NISC runs incidents: its administrators and analysts create them,
//     group reports (ActUpdate), evaluate severity (final or provisional)
//     and switch large-scale mode; every NISC role sees them.
//   - A ministry sees the incidents that touch a sector it oversees (the
//     incident's SectorIDs: its reports' sectors plus those NISC adds), in
//     normal and in large-scale mode, whatever the TLP: it is the recipient
//     the marking is meant for. Its administrators and analysts may record
//     provisional evaluations of those incidents; the final one is NISC's.
//   - In large-scale mode, incident-handling / disaster agencies and
//     security-related agencies join and see the incident, unless it is
//     marked AMBER+STRICT or RED (or unmarked): those stay with NISC and the
//     affected ministries. They only read.
//   - Operators, CEPTOR secretariats, the CEPTOR Council and suppliers do
//     not see incidents: an incident gathers other organisations' reports,
//     and even the fact that two reports were grouped says something about
//     a reporter. Operators follow their own reports (allowReport), where
//     their follow-ups (続報) are the updates large-scale mode asks for.
//
// Read-only roles (executive, auditor) and token scopes are handled by Allow.
func (a *Actor) allowIncident(act Action, r Resource) bool {
	nisc := a.OrgType == OrgNISC
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	affectedMinistry := a.OrgType == OrgMinistry && overlaps(a.OverseesSectors, r.SectorIDs)
	switch act {
	case ActView, ActExport:
		if nisc || affectedMinistry {
			return true
		}
		agency := a.OrgType == OrgResponse || a.OrgType == OrgSecurity
		return agency && r.LargeScale && r.TLP != "" && r.TLP.AtMost(TLPAmber)
	case ActCreate, ActUpdate, ActSwitchMode:
		return nisc && worker
	case ActEvaluate:
		return worker && (nisc || affectedMinistry && !r.FinalEvaluation)
	}
	return false
}
