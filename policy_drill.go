package ceptor

import "slices"

// Drill actions beyond the common ones.
const (
	ActStart       Action = "start"        // start a planned drill (publishes its drill advisory)
	ActClose       Action = "close"        // close a running drill
	ActSelfCheck   Action = "self_check"   // fill in one's organisation's self-check sheet
	ActDrillReport Action = "drill_report" // send one's organisation's drill report (upward drill)
)

// DrillFacts are what the policy needs to know about a drill beyond the
// common Resource fields (OrgID: the planner; CeptorIDs: the chosen
// CEPTORs; SectorIDs: their sectors).
type DrillFacts struct {
	Status    DrillStatus
	Announced bool
	Upward    bool
}

// allowDrill decides access to CEPTOR drills (セプター訓練).
//
//   - NISC plans and runs drills: its administrators and analysts create,
//     change (while planned), start and close them; every NISC role sees
//     every drill and its results.
//   - A drill is seen by the CEPTOR secretariats and the member
//     organisations of the chosen CEPTORs, and by the ministries
//     overseeing their sectors, once it is announced or has started. An
//     unannounced drill (抜き打ち) is NISC's alone until it starts: the
//     ministries relay the drill advisory too, so they are tested as well.
//   - Results (ActExport): NISC whole; a ministry or secretariat for what
//     lies behind it (the caller restricts them to its CEPTORs).
//     Participating operators see the drill, their own self-check and
//     their own receipt, not the others'.
//   - Members of the chosen CEPTORs (administrators and analysts) fill in
//     their organisation's self-check sheet once the drill has started,
//     also after it closed; secretariats do the same for theirs. Operators
//     send drill reports while an upward drill runs.
//   - Programme-wide participation figures (a resource without DrillFacts,
//     ActView) are the yearly indicators the annual report publishes:
//     every participant may read them.
//
// Read-only roles (executive, auditor) and token scopes are handled by Allow.
func (a *Actor) allowDrill(act Action, r Resource) bool {
	nisc := a.OrgType == OrgNISC
	worker := a.Role == RoleAdmin || a.Role == RoleAnalyst
	f := r.Drill
	if f == nil {
		switch act {
		case ActView:
			return true
		case ActCreate:
			return nisc && worker
		}
		return false
	}
	visible := f.Announced || f.Status != DrillPlanned
	started := f.Status != DrillPlanned
	member := overlaps(a.CeptorIDs, r.CeptorIDs)
	secretariat := a.OrgType == OrgSecretariat && overlaps(a.RunsCeptors, r.CeptorIDs)
	ministry := a.OrgType == OrgMinistry && overlaps(a.OverseesSectors, r.SectorIDs)
	switch act {
	case ActView:
		return nisc || visible && (member || secretariat || ministry)
	case ActExport:
		return nisc || started && (secretariat || ministry)
	case ActCreate, ActUpdate:
		return nisc && worker && f.Status == DrillPlanned
	case ActStart:
		return nisc && worker && f.Status == DrillPlanned
	case ActClose:
		return nisc && worker && f.Status == DrillRunning
	case ActSelfCheck:
		return worker && started && (member || secretariat)
	case ActDrillReport:
		return worker && f.Upward && f.Status == DrillRunning && member && a.OrgType != OrgNISC
	}
	return false
}

// DrillResource describes a drill for the policy.
func DrillResource(d *Drill) Resource {
	return Resource{Kind: KindDrill, OrgID: d.OrgID, CeptorIDs: slices.Clone(d.CeptorIDs), SectorIDs: slices.Clone(d.SectorIDs),
		Drill: &DrillFacts{Status: d.Status, Announced: d.Announced, Upward: d.Upward}}
}

// DrillScope returns the chosen CEPTORs of d whose results a may see:
// nil (all) for NISC, those it runs for a secretariat, those in its
// sectors for a ministry, none for anyone else.
func DrillScope(a *Actor, d *Drill, ceptorSector func(id int64) int64) []int64 {
	if a.OrgType == OrgNISC {
		return nil
	}
	out := []int64{}
	for _, c := range d.CeptorIDs {
		switch a.OrgType {
		case OrgSecretariat:
			if slices.Contains(a.RunsCeptors, c) {
				out = append(out, c)
			}
		case OrgMinistry:
			if slices.Contains(a.OverseesSectors, ceptorSector(c)) {
				out = append(out, c)
			}
		}
	}
	return out
}
