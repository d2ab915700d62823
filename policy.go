package ceptor

import "slices"

// Actor is who is asking: a signed-in person or an API token, with the
// organisation relationships the policy needs. Build it once per request.
type Actor struct {
	UserID  int64
	Email   string
	OrgID   int64
	OrgType OrgType
	Role    Role
	// Scopes narrows an API token; nil for an interactive session.
	Scopes []string
	// SectorIDs are the sectors the organisation works in.
	SectorIDs []int64
	// CeptorIDs are the CEPTORs the organisation is a member of.
	CeptorIDs []int64
	// RunsCeptors are the CEPTORs whose secretariat this organisation is.
	RunsCeptors []int64
	// OverseesSectors are the sectors this ministry is responsible for.
	OverseesSectors []int64
	// OrgTag is the keyed hash of the organisation by which sealed items
	// (anonymous reports) recognise their own reporter.
	OrgTag string
	// C4TAP: the organisation takes part in targeted-attack sharing
	// (NISC and the CEPTOR Council always do); see policy_c4tap.go.
	C4TAP bool
}

// Kind is the kind of object an access is about.
type Kind string

// Kinds of objects the foundation knows; later modules add theirs.
const (
	KindSector   Kind = "sector"
	KindCeptor   Kind = "ceptor"
	KindOrg      Kind = "organization"
	KindContact  Kind = "contact"
	KindUser     Kind = "user"
	KindToken    Kind = "token"
	KindAudit    Kind = "audit"
	KindRegistry Kind = "registry" // the registry as a whole (import, export)
	KindReport   Kind = "report"   // an upward report (情報連絡)
	KindIncident Kind = "incident" // reports grouped as one incident, with severity and large-scale mode
	KindStats    Kind = "stats"    // aggregate statistics (report counts by fiscal year); SectorIDs: the sectors covered
	KindAdvisory Kind = "advisory" // an advisory downward (情報提供); see policy_advisory.go
	KindFeed     Kind = "feed"     // a TAXII collection and what participants add to it; see policy_stix.go
	KindDrill    Kind = "drill"    // a CEPTOR drill (セプター訓練); see policy_drill.go
	KindC4TAP    Kind = "c4tap"    // a suspicious e-mail submitted to targeted-attack sharing; see policy_c4tap.go
	KindMISP     Kind = "misp"     // a MISP event imported by an organisation; see policy_c4tap.go
	KindTAXIISub Kind = "taxiisub" // a subscription to another server's TAXII collection; see policy_c4tap.go
)

// Action is what the actor wants to do.
type Action string

// Actions.
const (
	ActView          Action = "view"
	ActCreate        Action = "create"
	ActUpdate        Action = "update"         // every field, including type, sectors, memberships
	ActUpdateProfile Action = "update_profile" // the organisation's own descriptive fields and 2FA requirement
	ActDeactivate    Action = "deactivate"
	ActManageMembers Action = "manage_members" // change a CEPTOR's member list
	ActExport        Action = "export"
	ActImport        Action = "import"
	ActRelay         Action = "relay"         // pass a report on to the next hop (after review/redaction)
	ActEvaluate      Action = "evaluate"      // record a severity evaluation
	ActUnseal        Action = "unseal"        // reveal an anonymous reporter's identity (exceptional, recorded)
	ActViewIdentity  Action = "view_identity" // see who reported
)

// Resource describes the object of an access: which organisation it belongs
// to and where that organisation sits in the programme. Later modules add TLP
// and anonymity here so that the same function keeps deciding.
type Resource struct {
	Kind      Kind
	OrgID     int64   // owning organisation (for a CEPTOR: its secretariat)
	OrgType   OrgType // type of the owning organisation
	SectorIDs []int64 // sectors of the owning organisation (for a CEPTOR: its sector)
	CeptorIDs []int64 // CEPTOR memberships of the owning organisation (for a CEPTOR: itself)
	UserID    int64   // owning user (tokens, users)

	// Shared items (reports, advisories, indicators).
	TLP         TLP     // marking; "" for unmarked objects
	Anonymous   bool    // the reporter's identity is sealed from everyone but itself
	ChainOrgIDs []int64 // organisations the item has reached on its way
	PendingAt   int64   // organisation holding the item now
	Unsealed    bool    // the identity has been unsealed by the secretariat
	Draft       bool    // not yet submitted: the owning organisation only
	OwnerTag    string  // keyed hash of the owning organisation, for sealed items

	// Incidents (SectorIDs above are the affected sectors).
	LargeScale bool // in large-scale mode (大規模重要インフラサービス障害対応時)
	// FinalEvaluation marks an ActEvaluate that records a final (確定)
	// rather than a provisional (暫定) severity evaluation.
	FinalEvaluation bool

	// Advisories: status, audience, reach and four-eyes state.
	Advisory *AdvisoryFacts

	// Drills: status, announcement, direction (CeptorIDs: the chosen
	// CEPTORs; SectorIDs: their sectors).
	Drill *DrillFacts

	// TAXII collections addressed to one organisation or one organisation
	// type (the addressee, not the owner); see policy_stix.go.
	Addressee *FeedAddressee
}

// OrgResource describes an organisation as a policy resource of kind k.
func OrgResource(k Kind, o *Organization) Resource {
	return Resource{Kind: k, OrgID: o.ID, OrgType: o.Type, SectorIDs: o.SectorIDs, CeptorIDs: o.CeptorIDs}
}

// Allow is the one policy function: it decides whether actor a may do act on
// r. Every page, API call, export, search, notification and feed asks it.
func Allow(a *Actor, act Action, r Resource) bool {
	if a == nil || a.UserID == 0 || a.OrgID == 0 || !a.Role.Valid() || !a.OrgType.Valid() {
		return false
	}
	if !a.scopeAllows(act, r.Kind) {
		return false
	}
	writes := act != ActView && act != ActExport
	if writes && (a.Role == RoleExecutive || a.Role == RoleAuditor) {
		// Read-only roles never change anything, whatever else holds; the
		// only exception is a person's own API tokens (for read-only feeds).
		if !(r.Kind == KindToken && r.UserID == a.UserID) {
			return false
		}
	}
	nisc := a.OrgType == OrgNISC
	admin := a.Role == RoleAdmin
	own := r.OrgID != 0 && r.OrgID == a.OrgID

	switch r.Kind {
	case KindSector:
		if act == ActView {
			return true
		}
		return nisc && admin && (act == ActCreate || act == ActUpdate || act == ActDeactivate)

	case KindCeptor:
		switch act {
		case ActView:
			return true
		case ActCreate, ActUpdate, ActDeactivate:
			return nisc && admin
		case ActManageMembers:
			return admin && (nisc || a.OrgType == OrgSecretariat && overlaps(a.RunsCeptors, r.CeptorIDs))
		}
		return false

	case KindOrg:
		switch act {
		case ActView:
			return a.seesOrg(r)
		case ActCreate, ActUpdate, ActDeactivate:
			// The registry is NISC's; a ministry keeps the operators and
			// providers of the sectors it oversees.
			return admin && (nisc || a.ministryKeeps(r))
		case ActUpdateProfile:
			return admin && (nisc || own || a.ministryKeeps(r))
		}
		return false

	case KindContact:
		switch act {
		case ActView:
			return a.seesContacts(r)
		case ActCreate, ActUpdate, ActDeactivate:
			// Contact lists are kept by the organisation itself and by the
			// bodies that must reach it: its CEPTOR secretariat and ministry.
			return admin && (nisc || own || a.ministryKeeps(r) ||
				a.OrgType == OrgSecretariat && overlaps(a.RunsCeptors, r.CeptorIDs))
		}
		return false

	case KindUser:
		switch act {
		case ActView:
			return (admin || a.Role == RoleAuditor) && (nisc || own) || r.UserID == a.UserID
		case ActCreate, ActUpdate, ActDeactivate:
			return admin && (nisc || own)
		}
		return false

	case KindToken:
		if r.UserID == a.UserID {
			return act == ActView || act == ActCreate || act == ActDeactivate
		}
		// An administrator may see and revoke the tokens of their own people.
		return admin && (nisc || own) && (act == ActView || act == ActDeactivate)

	case KindAudit:
		if act != ActView && act != ActExport {
			return false
		}
		if a.Role != RoleAuditor && !admin {
			return false
		}
		return nisc || own

	case KindReport:
		return a.allowReport(act, r)

	case KindIncident:
		return a.allowIncident(act, r)

	case KindStats:
		return a.allowStats(act, r)

	case KindCatalog, KindSurvey, KindSurveyResponse, KindStandard, KindStandardStatus:
		return a.allowStandards(act, r)

	case KindFeed:
		return a.allowFeed(act, r)

	case KindAdvisory:
		return a.allowAdvisory(act, r)

	case KindDrill:
		return a.allowDrill(act, r)

	case KindC4TAP, KindMISP, KindTAXIISub:
		return a.allowSharing(act, r)

	case KindRegistry:
		switch act {
		case ActExport:
			if a.Role != RoleAdmin && a.Role != RoleAnalyst && a.Role != RoleAuditor {
				return false
			}
			return nisc || a.OrgType == OrgMinistry || a.OrgType == OrgSecretariat
		case ActImport:
			return admin && (nisc || a.OrgType == OrgMinistry)
		}
		return false
	}
	return false
}

// Authorize is Allow returning an EFORBIDDEN error on refusal.
func Authorize(a *Actor, act Action, r Resource) error {
	if a == nil {
		return &Error{Code: EUNAUTHORIZED, Message: "sign in first", Key: "err.unauthorized"}
	}
	if !Allow(a, act, r) {
		if a.Scopes != nil {
			// Tell a token when its scopes are the only obstacle.
			unscoped := *a
			unscoped.Scopes = nil
			if Allow(&unscoped, act, r) {
				return &Error{Code: EFORBIDDEN, Message: "the token's scopes do not allow this", Key: "err.scope"}
			}
		}
		return &Error{Code: EFORBIDDEN, Message: "you are not allowed to do this", Key: "err.forbidden"}
	}
	return nil
}

// allowReport: a report belongs to its reporter; it is seen by the
// organisations it has reached on its way (ministry, secretariat, NISC) and
// by no one else. An anonymous report is recognised as its reporter's by the
// keyed tag only; upstream never learns the identity unless the secretariat
// of its CEPTOR unseals it, which is itself recorded.
func (a *Actor) allowReport(act Action, r Resource) bool {
	own := r.OrgID != 0 && r.OrgID == a.OrgID || r.OwnerTag != "" && r.OwnerTag == a.OrgTag
	inChain := slices.Contains(r.ChainOrgIDs, a.OrgID)
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	switch act {
	case ActView, ActExport:
		return own || !r.Draft && inChain
	case ActCreate:
		// Everyone reports on their own account except the centre that
		// receives the reports.
		return worker && a.OrgType != OrgNISC
	case ActUpdate:
		return worker && own
	case ActRelay:
		return worker && !r.Draft && r.PendingAt != 0 && r.PendingAt == a.OrgID
	case ActEvaluate:
		// A ministry evaluates provisionally; the final word is NISC's.
		return worker && !r.Draft && inChain && (a.OrgType == OrgNISC || a.OrgType == OrgMinistry && !r.FinalEvaluation)
	case ActUnseal:
		return a.Role == RoleAdmin && r.Anonymous && !r.Draft && inChain &&
			a.OrgType == OrgSecretariat && overlaps(a.RunsCeptors, r.CeptorIDs)
	case ActViewIdentity:
		if own {
			return true
		}
		if r.Draft || !inChain {
			return false
		}
		if !r.Anonymous {
			return true
		}
		return r.Unsealed && a.OrgType == OrgSecretariat && overlaps(a.RunsCeptors, r.CeptorIDs)
	}
	return false
}

// seesOrg: NISC sees everyone; everyone sees the public bodies and the
// supply-chain providers (they are named in dependencies); a ministry sees the
// organisations in its sectors, a secretariat its members, an operator its
// fellow members.
func (a *Actor) seesOrg(r Resource) bool {
	switch {
	case a.OrgType == OrgNISC, r.OrgID == a.OrgID, r.OrgType.IsHub(), r.OrgType == OrgSupplier:
		return true
	case a.OrgType == OrgMinistry:
		return overlaps(a.OverseesSectors, r.SectorIDs)
	case a.OrgType == OrgSecretariat:
		return overlaps(a.RunsCeptors, r.CeptorIDs)
	case a.OrgType == OrgOperator:
		return overlaps(a.CeptorIDs, r.CeptorIDs)
	}
	return false
}

// seesContacts: contact details are narrower than the directory: the
// organisation itself, NISC, its ministry and its secretariat; the public
// bodies' contacts are visible to every participant.
func (a *Actor) seesContacts(r Resource) bool {
	switch {
	case a.OrgType == OrgNISC, r.OrgID == a.OrgID, r.OrgType.IsHub():
		return true
	case a.OrgType == OrgMinistry:
		return overlaps(a.OverseesSectors, r.SectorIDs)
	case a.OrgType == OrgSecretariat:
		return overlaps(a.RunsCeptors, r.CeptorIDs)
	}
	return false
}

func (a *Actor) ministryKeeps(r Resource) bool {
	return a.OrgType == OrgMinistry && (r.OrgType == OrgOperator || r.OrgType == OrgSupplier) &&
		overlaps(a.OverseesSectors, r.SectorIDs)
}

func (a *Actor) scopeAllows(act Action, k Kind) bool {
	if a.Scopes == nil {
		return true
	}
	need := ScopeRead
	switch {
	case act == ActView || act == ActExport:
		need = ScopeRead
	case k == KindOrg || k == KindContact || k == KindUser || k == KindSector || k == KindCeptor || k == KindRegistry || k == KindToken:
		need = ScopeAdmin
	default:
		need = ScopeWrite
	}
	return slices.Contains(a.Scopes, need)
}

func overlaps(a, b []int64) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// ScopesForRole returns the token scopes a role may hold.
func ScopesForRole(r Role) []string {
	switch r {
	case RoleAdmin:
		return []string{ScopeRead, ScopeWrite, ScopeAdmin}
	case RoleAnalyst:
		return []string{ScopeRead, ScopeWrite}
	case RoleExecutive, RoleAuditor:
		return []string{ScopeRead}
	}
	return nil
}

// NewActor builds the actor for user u of organisation o, deriving which
// CEPTORs o runs and which sectors it oversees from the registry.
func NewActor(u *User, o *Organization, sectors []*Sector, ceptors []*Ceptor, scopes []string) *Actor {
	a := &Actor{
		UserID: u.ID, Email: u.Email, OrgID: o.ID, OrgType: o.Type, Role: u.Role, Scopes: scopes,
		SectorIDs: o.SectorIDs, CeptorIDs: o.CeptorIDs,
	}
	if !o.Active || u.Disabled {
		// A deactivated organisation or user acts as nobody.
		a.UserID = 0
	}
	for _, c := range ceptors {
		if c.SecretariatOrgID == o.ID {
			a.RunsCeptors = append(a.RunsCeptors, c.ID)
		}
	}
	for _, s := range sectors {
		if s.MinistryOrgID == o.ID {
			a.OverseesSectors = append(a.OverseesSectors, s.ID)
		}
	}
	return a
}
