package stix

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

// Party is an organisation or a CEPTOR that appears as the creator of
// exported objects.
type Party struct {
	// Key names the ceptor object: "organization:12" or "ceptor:3".
	Key      string
	Name     string
	Class    string // identity_class: organization, group
	OrgType  string
	Created  time.Time
	Modified time.Time
}

// ID is the party's identity id.
func (p Party) ID() string { return ID("identity", p.Key) }

// Identity returns the party as a STIX identity.
func (p Party) Identity() *Identity {
	c := p.Class
	if c == "" {
		c = "organization"
	}
	m := p.Modified
	if m.Before(p.Created) {
		m = p.Created
	}
	return &Identity{Core: Core{Type: "identity", SpecVersion: SpecVersion, ID: p.ID(), Created: Timestamp(p.Created), Modified: Timestamp(m)},
		Name: p.Name, IdentityClass: c, XCeptorOrgType: p.OrgType}
}

// OrgParty describes an organisation as a creator.
func OrgParty(o *ceptor.Organization) Party {
	return Party{Key: "organization:" + strconv.FormatInt(o.ID, 10), Name: o.Name, Class: "organization", OrgType: string(o.Type),
		Created: o.CreatedAt, Modified: o.UpdatedAt}
}

// CeptorParty describes a CEPTOR as a creator: what anonymous reports name
// instead of their reporter ("a member of CEPTOR X").
func CeptorParty(c *ceptor.Ceptor) Party {
	return Party{Key: "ceptor:" + strconv.FormatInt(c.ID, 10), Name: c.NameJA, Class: "group", OrgType: "ceptor",
		Created: c.CreatedAt, Modified: c.UpdatedAt}
}

// ReportExport is what the mapping of one report needs. Report must be the
// copy that may leave the server (for an anonymous report, the copy the
// secretariat redacted) and Creator the party that may be named (for an
// anonymous report, its CEPTOR).
type ReportExport struct {
	Report     *ceptor.Report
	Created    time.Time // first submitted
	Modified   time.Time // this version
	Creator    Party
	SectorName string
}

// ReportObjects maps a report: the report itself, its creator, its TLP
// marking, and for its indicators the observables, an observed-data, the
// indicators (based on the observed data) and, when the reporter wrote
// one, its response as a course of action.
func ReportObjects(x ReportExport) ([]Object, error) {
	r := x.Report
	key := "report:" + strconv.FormatInt(r.ID, 10)
	marking := Marking(r.TLP)
	if marking == nil {
		return nil, fmt.Errorf("stix: report %d has no valid TLP", r.ID)
	}
	created, modified := Timestamp(x.Created), Timestamp(maxTime(x.Created, x.Modified))
	core := func(typ, k string) Core {
		return Core{Type: typ, SpecVersion: SpecVersion, ID: ID(typ, k), CreatedByRef: x.Creator.ID(), Created: created, Modified: modified,
			ObjectMarkingRefs: []string{marking.ID}}
	}
	ident := x.Creator.Identity()
	objs := []Object{marking, ident}
	rep := &Report{Core: core("report", key), Name: r.Title, Description: r.Body, ReportTypes: []string{"threat-report"},
		Published: created, XCeptorEventClass: string(r.EventClass), XCeptorCriticalOutage: r.CriticalOutage,
		XCeptorSector: x.SectorName, XCeptorDrill: r.Drill, XCeptorVersion: r.Version}
	if rep.Name == "" {
		rep.Name = key
	}
	rep.Lang = r.Lang
	for _, c := range r.Causes {
		rep.XCeptorCauses = append(rep.XCeptorCauses, string(c))
	}
	rep.ExternalReferences = []ExternalReference{{SourceName: "ceptor", ExternalID: key}}
	rep.ObjectRefs = []string{ident.ID}

	if len(r.Indicators) > 0 {
		od := &ObservedData{Core: core("observed-data", key), NumberObserved: 1}
		first, last := x.Created, x.Created
		switch {
		case r.StartedAt != nil:
			first = *r.StartedAt
		case r.DetectedAt != nil:
			first = *r.DetectedAt
		}
		last = first
		if r.RecoveredAt != nil && r.RecoveredAt.After(first) {
			last = *r.RecoveredAt
		}
		od.FirstObserved, od.LastObserved = Timestamp(first), Timestamp(last)
		seen := map[string]bool{}
		var inds []Object
		var rels []Object
		for _, in := range r.Indicators {
			sco, err := Observable(in, marking.ID)
			if err != nil {
				return nil, err
			}
			if !seen[sco.ID] {
				seen[sco.ID] = true
				objs = append(objs, sco)
				od.ObjectRefs = append(od.ObjectRefs, sco.ID)
			}
			pat, err := Pattern(in)
			if err != nil {
				return nil, err
			}
			ik := key + ":" + string(in.Type) + ":" + in.Value
			ind := &Indicator{Core: core("indicator", ik), Name: string(in.Type) + ": " + in.Value, IndicatorTypes: []string{"malicious-activity"},
				Pattern: pat, PatternType: "stix", PatternVersion: SpecVersion, ValidFrom: created}
			inds = append(inds, ind)
			rel := &Relationship{Core: core("relationship", ik+":based-on"), RelationshipType: "based-on", SourceRef: ind.ID, TargetRef: od.ID}
			rels = append(rels, rel)
			rep.ObjectRefs = append(rep.ObjectRefs, ind.ID, rel.ID)
		}
		objs = append(objs, od)
		objs = append(objs, inds...)
		objs = append(objs, rels...)
		rep.ObjectRefs = append(rep.ObjectRefs, od.ID)
		rep.ObjectRefs = append(rep.ObjectRefs, od.ObjectRefs...)
	}
	if strings.TrimSpace(r.Response) != "" {
		coa := &CourseOfAction{Core: core("course-of-action", key+":response"), Name: "対応 / response: " + rep.Name, Description: r.Response}
		objs = append(objs, coa)
		rep.ObjectRefs = append(rep.ObjectRefs, coa.ID)
	}
	objs = append(objs, rep)
	return objs, nil
}

// Observable returns the cyber-observable an indicator describes, with its
// deterministic id.
func Observable(in ceptor.Indicator, markingID string) (*SCO, error) {
	o := &SCO{SpecVersion: SpecVersion}
	if markingID != "" {
		o.ObjectMarkingRefs = []string{markingID}
	}
	hash := ""
	switch in.Type {
	case ceptor.IndURL:
		o.Type = "url"
	case ceptor.IndDomain:
		o.Type = "domain-name"
	case ceptor.IndIPv4:
		o.Type = "ipv4-addr"
	case ceptor.IndIPv6:
		o.Type = "ipv6-addr"
	case ceptor.IndEmail:
		o.Type = "email-addr"
	case ceptor.IndMD5:
		o.Type, hash = "file", "MD5"
	case ceptor.IndSHA1:
		o.Type, hash = "file", "SHA-1"
	case ceptor.IndSHA256:
		o.Type, hash = "file", "SHA-256"
	default:
		return nil, fmt.Errorf("stix: no observable for indicator type %q", in.Type)
	}
	if hash != "" {
		o.Hashes = map[string]string{hash: in.Value}
		o.ID = scoID(o.Type, map[string]any{"hashes": o.Hashes})
	} else {
		o.Value = in.Value
		o.ID = scoID(o.Type, map[string]any{"value": in.Value})
	}
	return o, nil
}

// IncidentExport is what the mapping of one incident needs.
type IncidentExport struct {
	Incident *ceptor.Incident
	Creator  Party // the organisation that opened it (NISC)
	// Severity is the incident's current overall severity level (0-4), nil
	// when none was evaluated.
	Severity    *int
	SectorNames []string
	// ReportIDs are the member reports (related to the incident).
	ReportIDs []int64
	Notes     []NoteInput
}

// NoteInput is one note of an incident's timeline.
type NoteInput struct {
	Seq  int64
	Kind string // note, sitrep, mode_off (after-action)
	Text string
	At   time.Time
}

// IncidentObjects maps an incident: the incident with the Incident Core
// Extension, its creator and marking, "related-to" relationships from its
// member reports, and its timeline notes.
func IncidentObjects(x IncidentExport) ([]Object, error) {
	inc := x.Incident
	key := "incident:" + strconv.FormatInt(inc.ID, 10)
	marking := Marking(inc.TLP)
	if marking == nil {
		return nil, fmt.Errorf("stix: incident %d has no valid TLP", inc.ID)
	}
	created, modified := Timestamp(inc.CreatedAt), Timestamp(maxTime(inc.CreatedAt, inc.UpdatedAt))
	core := func(typ, k string, c string) Core {
		return Core{Type: typ, SpecVersion: SpecVersion, ID: ID(typ, k), CreatedByRef: x.Creator.ID(), Created: c, Modified: modified,
			ObjectMarkingRefs: []string{marking.ID}}
	}
	ident := x.Creator.Identity()
	ext := IncidentCore{ExtensionType: "property-extension", Determination: "confirmed", InvestigationStatus: "open"}
	if inc.Status == ceptor.IncidentClosed {
		ext.InvestigationStatus = "closed"
	}
	if x.Severity != nil {
		c := min(max(*x.Severity, 0), 4) * 25
		ext.Criticality = &c
	}
	out := &Incident{Core: core("incident", key, created), Name: inc.Title, Description: inc.Summary,
		Extensions: map[string]IncidentCore{IncidentExtensionID: ext}, XCeptorLargeScale: inc.LargeScale, XCeptorSectors: x.SectorNames}
	out.ExternalReferences = []ExternalReference{{SourceName: "ceptor", ExternalID: key}}
	objs := []Object{marking, ident, out}
	for _, rid := range x.ReportIDs {
		rk := "report:" + strconv.FormatInt(rid, 10)
		objs = append(objs, &Relationship{Core: core("relationship", key+":"+rk, created), RelationshipType: "related-to",
			SourceRef: ID("report", rk), TargetRef: out.ID})
	}
	for _, n := range x.Notes {
		c := Timestamp(n.At)
		note := &Note{Core: core("note", key+":note:"+strconv.FormatInt(n.Seq, 10), c), Abstract: n.Kind, Content: n.Text, ObjectRefs: []string{out.ID}}
		note.Modified = c
		objs = append(objs, note)
	}
	return objs, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
