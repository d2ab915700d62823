package stix

import (
	"fmt"
	"strings"
	"time"

	"ceptor"
)

// MISPExport is what the mapping of an imported MISP event needs: the
// event as ceptor keeps it (creator, tags, TLP) and the indicators its
// attributes became.
type MISPExport struct {
	UUID        string
	Info        string
	Date        string // YYYY-MM-DD, the event's date
	CreatorOrg  string // Orgc.name
	CreatorUUID string
	Tags        []string
	TLP         ceptor.TLP
	Timestamp   time.Time // the event's last change (zero when absent)
	ImportedAt  time.Time
	Indicators  []ceptor.Indicator
}

// MISPObjects maps an imported MISP event: a report for the event and an
// indicator per distinct indicator it carried, all with the event's TLP
// 2.0 marking and its tags as labels, created by the MISP creator
// organisation when the event names one (ceptor does not name the
// importer). Ids derive from the event's uuid: the same event imported by
// two organisations is the same STIX objects. The event's date is the
// creation time and its timestamp (else the import) the version.
func MISPObjects(x MISPExport) ([]Object, error) {
	m := Marking(x.TLP)
	if m == nil {
		return nil, fmt.Errorf("stix: MISP event %s has no valid TLP", x.UUID)
	}
	key := "misp-event:" + strings.ToLower(x.UUID)
	modified := x.Timestamp
	if modified.IsZero() {
		modified = x.ImportedAt
	}
	created := modified
	if d, err := time.Parse("2006-01-02", x.Date); err == nil && !d.After(modified) {
		created = d
	}
	cs, ms := Timestamp(created), Timestamp(modified)
	var labels []string
	for _, t := range x.Tags {
		if t = strings.TrimSpace(t); t != "" && len(labels) < 50 {
			labels = append(labels, t)
		}
	}
	objs := []Object{m}
	creator := ""
	if name := strings.TrimSpace(x.CreatorOrg); name != "" {
		k := "misp-org:" + strings.ToLower(x.CreatorUUID)
		if x.CreatorUUID == "" {
			k = "misp-org-name:" + name
		}
		// A fixed creation time: every event of this creator names the
		// same identity object, whatever its date.
		fixed := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		p := Party{Key: k, Name: name, Class: "organization", Created: fixed, Modified: fixed}
		ident := p.Identity()
		creator = ident.ID
		objs = append(objs, ident)
	}
	core := func(typ, k string) Core {
		return Core{Type: typ, SpecVersion: SpecVersion, ID: ID(typ, k), CreatedByRef: creator, Created: cs, Modified: ms,
			ObjectMarkingRefs: []string{m.ID}, Labels: labels}
	}
	name := strings.TrimSpace(x.Info)
	if name == "" {
		name = "MISP event " + x.UUID
	}
	rep := &Report{Core: core("report", key), Name: name, ReportTypes: []string{"threat-report"}, Published: cs}
	rep.ExternalReferences = []ExternalReference{{SourceName: "misp", ExternalID: x.UUID}}
	for _, in := range x.Indicators {
		p, err := Pattern(in)
		if err != nil {
			continue // a value no STIX pattern can carry stays with the import
		}
		ind := &Indicator{Core: core("indicator", key+"|"+string(in.Type)+"|"+in.Value), Name: string(in.Type) + ": " + in.Value,
			IndicatorTypes: []string{"malicious-activity"}, Pattern: p, PatternType: "stix", PatternVersion: SpecVersion, ValidFrom: cs}
		objs = append(objs, ind)
		rep.ObjectRefs = append(rep.ObjectRefs, ind.ID)
	}
	if len(rep.ObjectRefs) == 0 {
		rep.ObjectRefs = []string{m.ID} // object_refs may not be empty
	}
	objs = append(objs, rep)
	return objs, nil
}
