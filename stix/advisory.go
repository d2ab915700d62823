package stix

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"ceptor"
)

// AdvisoryExport is what the mapping of one published (or withdrawn)
// advisory needs: the advisory as it stands, its published versions (the
// first publication and each correction) and the issuing organisation.
type AdvisoryExport struct {
	Advisory *ceptor.Advisory
	Versions []ceptor.AdvisoryVersion // any order
	Creator  Party                    // the issuing organisation
}

// AdvisoryObjects maps an advisory (情報提供) to one STIX report whose
// versions are the advisory's: the first publication, then one version
// per correction (same id, a later modified), each with its own TLP 2.0
// marking. The explanation of a correction is a note on the report; a
// withdrawal is a last version with revoked set, and a note giving the
// reason. The issuing organisation is the creator of everything.
//
// A version whose body has a mitigation section (対策, 回避策, Mitigation,
// ...; see MitigationOf) carries it as a course-of-action of the same id
// for every version of the advisory (derived from the advisory), versioned
// with the report (same modified), with the version's marking, listed in
// that report version's object_refs and placed before it. Advisories carry
// no indicators, so no mitigates relationship is made. A withdrawal
// revokes the course-of-action with the report.
//
// Drafts and drill advisories map to nothing (nil): drills are exercises
// whose content must not reach partners' tools as real intelligence.
func AdvisoryObjects(x AdvisoryExport) ([]Object, error) {
	a := x.Advisory
	if a == nil || a.Drill || a.PublishedAt == nil || a.Status != ceptor.AdvisoryPublished && a.Status != ceptor.AdvisoryWithdrawn {
		return nil, nil
	}
	key := "advisory:" + strconv.FormatInt(a.ID, 10)
	vs := slices.Clone(x.Versions)
	slices.SortFunc(vs, func(p, q ceptor.AdvisoryVersion) int { return p.Version - q.Version })
	if len(vs) == 0 || vs[len(vs)-1].Version < a.Version {
		// The current version is always there, even if its snapshot is not.
		vs = append(vs, ceptor.AdvisoryVersion{Version: a.Version, Title: a.Title, Body: a.Body, Urgency: a.Urgency, TLP: a.TLP, Note: a.Note,
			CreatedAt: a.UpdatedAt})
	}
	created := *a.PublishedAt
	ident := x.Creator.Identity()
	objs := []Object{ident}
	marked := map[ceptor.TLP]bool{}
	reportID := ID("report", key)
	reportTypes := []string{"threat-report"}
	if a.Category == ceptor.CatVulnerability {
		reportTypes = []string{"vulnerability"}
	}
	var last *Report
	var lastCOA *CourseOfAction
	coaID := ID("course-of-action", key+":mitigation")
	prev := time.Time{}
	for i, v := range vs {
		tlp := v.TLP
		if !tlp.Valid() {
			tlp = a.TLP
		}
		m := Marking(tlp)
		if m == nil {
			return nil, fmt.Errorf("stix: advisory %d version %d has no valid TLP", a.ID, v.Version)
		}
		if !marked[tlp] {
			marked[tlp] = true
			objs = append(objs, m)
		}
		at := maxTime(created, v.CreatedAt)
		if i == 0 {
			at = created // the first publication
		}
		// Versions strictly increase at the millisecond STIX keeps.
		at = at.Truncate(time.Millisecond)
		if !prev.IsZero() && !at.After(prev) {
			at = prev.Add(time.Millisecond)
		}
		prev = at
		title := v.Title
		if title == "" {
			title = key
		}
		rep := &Report{Core: Core{Type: "report", SpecVersion: SpecVersion, ID: reportID, CreatedByRef: ident.ID, Created: Timestamp(created),
			Modified: Timestamp(at), ObjectMarkingRefs: []string{m.ID}, Labels: []string{"advisory", string(a.Category)},
			ExternalReferences: []ExternalReference{{SourceName: "ceptor", ExternalID: key}}},
			Name: title, Description: v.Body, ReportTypes: reportTypes, Published: Timestamp(created), ObjectRefs: []string{ident.ID},
			XCeptorVersion: v.Version, XCeptorAdvisoryCategory: string(a.Category), XCeptorUrgency: string(v.Urgency)}
		if a.SourceName != "" {
			rep.ExternalReferences = append(rep.ExternalReferences, ExternalReference{SourceName: string(a.Source), Description: a.SourceName})
		}
		if heading, text := MitigationOf(v.Body); text != "" {
			coa := &CourseOfAction{Core: Core{Type: "course-of-action", SpecVersion: SpecVersion, ID: coaID, CreatedByRef: ident.ID,
				Created: Timestamp(created), Modified: Timestamp(at), ObjectMarkingRefs: []string{m.ID},
				ExternalReferences: []ExternalReference{{SourceName: "ceptor", ExternalID: key}}},
				Name: heading + ": " + title, Description: text}
			objs = append(objs, coa)
			rep.ObjectRefs = append(rep.ObjectRefs, coa.ID)
			lastCOA = coa
		}
		objs = append(objs, rep)
		last = rep
		if i > 0 && v.Note != "" {
			ts := Timestamp(at)
			objs = append(objs, &Note{Core: Core{Type: "note", SpecVersion: SpecVersion, ID: ID("note", key+":v"+strconv.Itoa(v.Version)),
				CreatedByRef: ident.ID, Created: ts, Modified: ts, ObjectMarkingRefs: []string{m.ID}},
				Abstract: "訂正 / correction " + strconv.Itoa(v.Version), Content: v.Note, ObjectRefs: []string{reportID}})
		}
	}
	if a.Status == ceptor.AdvisoryWithdrawn && last != nil {
		at := created
		if a.WithdrawnAt != nil {
			at = *a.WithdrawnAt
		}
		at = at.Truncate(time.Millisecond)
		if !at.After(prev) {
			at = prev.Add(time.Millisecond)
		}
		if lastCOA != nil {
			rc := *lastCOA
			rc.Revoked, rc.Modified = true, Timestamp(at)
			objs = append(objs, &rc)
		}
		rev := *last
		rev.Revoked, rev.Modified = true, Timestamp(at)
		objs = append(objs, &rev)
		if a.WithdrawReason != "" {
			ts := Timestamp(at)
			objs = append(objs, &Note{Core: Core{Type: "note", SpecVersion: SpecVersion, ID: ID("note", key+":withdrawn"), CreatedByRef: ident.ID,
				Created: ts, Modified: ts, ObjectMarkingRefs: last.ObjectMarkingRefs},
				Abstract: "取消し / withdrawn", Content: a.WithdrawReason, ObjectRefs: []string{reportID}})
		}
	}
	return objs, nil
}
