package ceptor

// Policy of the safety-standards module (SPEC §3.3): the guideline catalog,
// survey campaigns, their responses, and the sector standards register.

// Kinds of the safety-standards module.
const (
	KindCatalog        Kind = "catalog"         // a guideline catalog version (安全基準等策定指針)
	KindSurvey         Kind = "survey"          // a survey campaign; SectorIDs, CeptorIDs: of its targets; Draft: not opened yet; OrgID: the organisation that built it
	KindSurveyResponse Kind = "survey_response" // an organisation's answers; OrgID: the organisation; Draft: not submitted
	KindStandard       Kind = "standard"        // a sector's standards document; SectorIDs: its sector
	KindStandardStatus Kind = "standard_status" // a sector's yearly continuous-improvement status; SectorIDs: its sector
)

// allowStandards decides the kinds above.
//
//   - Catalogs: the guideline is the programme's common reference; everyone
//     reads and exports it, NISC's administrators and analysts import it.
//   - Campaigns: NISC builds, targets, opens, closes and reminds, and enters
//     offline answers (import); a ministry sees an opened campaign that
//     targets a sector it oversees, and a CEPTOR secretariat one that
//     targets members of a CEPTOR it runs, each with the progress of its
//     own sectors or CEPTORs, never the answers. A campaign not opened yet
//     may be renamed (ActUpdateProfile: its descriptive fields) or deleted
//     (ActDeactivate) only by the administrators of the organisation that
//     built it.
//   - Responses: an organisation's answers are its own: its people read
//     them, its administrators and analysts edit them until submitted. NISC,
//     which runs the survey, reads submitted responses. Nobody else reads
//     them; statistics (KindStats) are the only way out.
//   - Standards documents: readable by every participant; kept by the
//     sector's ministry and NISC. Their files follow the same rule:
//     downloading is ActView, uploading, replacing and removing ActUpdate.
//   - Yearly status: entered by the sector's ministry, reviewed
//     (ActEvaluate) by NISC; read by both.
func (a *Actor) allowStandards(act Action, r Resource) bool {
	nisc := a.OrgType == OrgNISC
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	oversees := a.OrgType == OrgMinistry && len(r.SectorIDs) > 0 && overlaps(a.OverseesSectors, r.SectorIDs)
	switch r.Kind {
	case KindCatalog:
		switch act {
		case ActView, ActExport:
			return true
		case ActImport, ActCreate:
			return nisc && worker
		}
	case KindSurvey:
		switch act {
		case ActView, ActExport:
			runs := a.OrgType == OrgSecretariat && overlaps(a.RunsCeptors, r.CeptorIDs)
			return nisc || (oversees || runs) && !r.Draft
		case ActCreate, ActUpdate, ActImport:
			return nisc && worker
		case ActUpdateProfile, ActDeactivate:
			return nisc && a.Role == RoleAdmin && r.Draft && r.OrgID != 0 && r.OrgID == a.OrgID
		}
	case KindSurveyResponse:
		own := r.OrgID != 0 && r.OrgID == a.OrgID
		switch act {
		case ActView, ActExport:
			return own || nisc && !r.Draft
		case ActUpdate:
			return own && worker && r.Draft
		}
	case KindStandard:
		switch act {
		case ActView:
			return true
		case ActCreate, ActUpdate:
			return worker && (nisc || oversees)
		}
	case KindStandardStatus:
		switch act {
		case ActView:
			return nisc || oversees
		case ActUpdate:
			return worker && oversees
		case ActEvaluate:
			return worker && nisc
		}
	}
	return false
}
