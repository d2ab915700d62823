package ceptor

// allowSharing decides targeted-attack sharing (C4TAP) submissions and
// imported MISP events.
//
// C4TAP (KindC4TAP; OrgID the submitting organisation, TLP its marking):
//   - Participants are NISC, the CEPTOR Council and the organisations that
//     joined the group (Actor.C4TAP).
//   - A participant's administrators and analysts submit suspicious e-mails.
//   - The extracted indicators (ActView, ActExport) are seen by every
//     participant unless marked TLP:RED, which keeps them with the
//     submitter and NISC.
//   - Who submitted and the raw message (ActViewIdentity) stay with the
//     submitting organisation and NISC: the group learns what was seen,
//     not by whom.
//   - The submitter withdraws its own submission (ActDeactivate).
//   - NISC's and the Council's administrators keep the participant list
//     (ActManageMembers).
//
// MISP (KindMISP; OrgID the importing organisation, TLP the event's):
//   - Any administrator or analyst imports events for its organisation.
//   - TLP:CLEAR and GREEN events are community information every
//     participant may see; AMBER and narrower stay with the importing
//     organisation and NISC.
//   - The importer removes its import (ActDeactivate).
func (a *Actor) allowSharing(act Action, r Resource) bool {
	nisc := a.OrgType == OrgNISC
	own := r.OrgID != 0 && r.OrgID == a.OrgID
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	if r.Kind == KindTAXIISub {
		// NISC and the CEPTOR secretariats subscribe to other servers'
		// collections; a subscription and its credentials are its
		// organisation's (and visible to NISC).
		switch act {
		case ActView:
			return own || nisc
		case ActCreate:
			return worker && (nisc || a.OrgType == OrgSecretariat)
		case ActUpdate, ActDeactivate:
			return worker && own
		}
		return false
	}
	if r.Kind == KindMISP {
		switch act {
		case ActImport, ActCreate:
			return worker
		case ActView, ActExport:
			return own || nisc || r.TLP != "" && r.TLP.AtMost(TLPGreen)
		case ActDeactivate:
			return worker && own
		}
		return false
	}
	member := a.InC4TAP()
	switch act {
	case ActView, ActExport:
		// A withdrawn submission (Draft) stays with its submitter and NISC.
		return own || nisc || member && !r.Draft && r.TLP != "" && r.TLP != TLPRed
	case ActViewIdentity:
		return own || nisc
	case ActCreate:
		return worker && member
	case ActDeactivate:
		return worker && own
	case ActManageMembers:
		return a.Role == RoleAdmin && (nisc || a.OrgType == OrgCouncil)
	}
	return false
}

// InC4TAP reports whether the actor's organisation takes part in
// targeted-attack sharing.
func (a *Actor) InC4TAP() bool {
	return a.C4TAP || a.OrgType == OrgNISC || a.OrgType == OrgCouncil
}
