package web

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"

	"ceptor"
	"ceptor/stix"
)

// stixSource is one kind of ceptor object that appears in STIX: reports,
// incidents, objects received over TAXII, C4TAP submissions, advisories and
// imported MISP events. A source
// says what its objects look like now (project) and who may see them
// (visible, by the policy, object by object). Adding a kind of object to
// the TAXII collections is one more stixSource in stixSources and a
// trigger that queues its changes (see migration 0015).
type stixSource interface {
	kind() string
	// project returns the source's STIX objects and collections as they
	// may leave the server, or nil when nothing of it may (a draft).
	project(ctx context.Context, id int64) (*stix.Projection, error)
	// visible says which of ids the actor may see.
	visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error)
}

func (s *Server) stixSources() map[string]stixSource {
	return map[string]stixSource{
		"report":   reportSTIX{s},
		"incident": incidentSTIX{s},
		"taxii":    receivedSTIX{s},
		"c4tap":    c4tapSTIX{s},    // C4TAP submissions (c4tap_stix.go)
		"advisory": advisorySTIX{s}, // published advisories (advisory_stix.go)
		"misp":     mispSTIX{s},     // imported MISP events (misp_stix.go)
	}
}

// stixStore is the STIX index, when the store has one.
func (s *Server) stixStore() (stix.Store, error) {
	st, ok := s.store.(stix.Store)
	if !ok {
		return nil, &ceptor.Error{Code: ceptor.EUNAVAILABLE, Message: "this store keeps no STIX index"}
	}
	return st, nil
}

// syncSTIX brings the index up to date before a read, so that every node
// serves what is committed now.
func (s *Server) syncSTIX(ctx context.Context) error {
	st, err := s.stixStore()
	if err != nil {
		return err
	}
	srcs := s.stixSources()
	n, err := st.SyncSTIX(ctx, func(ctx context.Context, kind string, id int64) (*stix.Projection, error) {
		src, ok := srcs[kind]
		if !ok {
			return nil, nil // a kind this build does not serve
		}
		p, err := src.project(ctx, id)
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil
		}
		return p, err
	})
	if n > 0 {
		s.taxiiNext.changed() // pages read ahead are stale (taxii_prefetch.go)
	}
	return err
}

// stixVisible keeps the rows the actor may see, asking the policy through
// each row's source, as it stands now.
func (s *Server) stixVisible(ctx context.Context, a *ceptor.Actor, rows []*stix.Stored) ([]*stix.Stored, error) {
	byKind := map[string][]int64{}
	for _, r := range rows {
		byKind[r.SourceKind] = append(byKind[r.SourceKind], r.SourceID)
	}
	srcs := s.stixSources()
	ok := map[string]map[int64]bool{}
	for k, ids := range byKind {
		src, known := srcs[k]
		if !known {
			continue
		}
		m, err := src.visible(ctx, a, uniqueOrgs(ids))
		if err != nil {
			return nil, err
		}
		ok[k] = m
	}
	out := rows[:0:0]
	for _, r := range rows {
		if ok[r.SourceKind][r.SourceID] {
			out = append(out, r)
		}
	}
	return out, nil
}

// ---- reports ----

type reportSTIX struct{ s *Server }

func (reportSTIX) kind() string { return "report" }

// reportExport builds the export of a report as it may leave the server:
// the copies upstream may read (for an anonymous report only what the
// secretariat redacted, as ceptor.UpstreamVersions decides), the CEPTOR as
// the creator of an anonymous report, never its reporter. nil when nothing
// may leave: a draft, or an anonymous report the secretariat has not
// relayed yet.
func (s *Server) reportExport(ctx context.Context, rep *ceptor.Report) (*stix.ReportExport, error) {
	xs, err := s.reportExports(ctx, rep)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	return xs[len(xs)-1], nil
}

// reportExports is the export of each version of a report that may leave
// the server (those ceptor.UpstreamVersions keeps: never an original a hop
// has redacted since), oldest first; the last is reportExport's.
func (s *Server) reportExports(ctx context.Context, rep *ceptor.Report) ([]*stix.ReportExport, error) {
	if rep.Status == ceptor.ReportDraft || rep.SubmittedAt == nil {
		return nil, nil
	}
	anon := rep.Route == ceptor.RouteAnonymous
	vs, err := s.store.ReportVersions(ctx, rep.ID)
	if err != nil {
		return nil, err
	}
	up := ceptor.UpstreamVersions(vs, anon)
	if len(up) == 0 {
		return nil, nil
	}
	// One copy per version number: the last of its copies, as listed.
	byVersion := map[int]*ceptor.Report{}
	for _, v := range up {
		byVersion[v.Version] = v
	}
	nums := make([]int, 0, len(byVersion))
	for n := range byVersion {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	var creator stix.Party
	if anon {
		cep := rf.ceptorByID[rep.CeptorID]
		if cep == nil {
			return nil, nil
		}
		creator = stix.CeptorParty(cep)
	} else {
		o, err := s.store.FindOrg(ctx, rep.OrgID)
		if err != nil {
			return nil, err
		}
		creator = stix.OrgParty(o)
	}
	sectorName := ""
	if sec := rf.sectorByID[rep.SectorID]; sec != nil {
		sectorName = sec.NameJA
	}
	out := make([]*stix.ReportExport, 0, len(nums))
	for _, n := range nums {
		c := maskReport(byVersion[n], false)
		c.ID, c.Drill, c.SectorID, c.Route, c.CeptorID = rep.ID, rep.Drill, rep.SectorID, rep.Route, rep.CeptorID
		out = append(out, &stix.ReportExport{Report: c, Created: *rep.SubmittedAt, Modified: c.UpdatedAt, Creator: creator, SectorName: sectorName})
	}
	return out, nil
}

// project lists every version of the report that may leave the server
// (reportExports), newest first: the latest in full, and of each earlier
// version the objects the latest still has (an indicator a follow-up
// dropped is gone, not frozen at its last version), when its marking is no
// more restrictive than the latest's (an AMBER version never rides in a
// collection the report now shares as GREEN). The sync removes any stored
// version no longer listed: an original a hop redacted after the fact
// leaves the index.
func (r reportSTIX) project(ctx context.Context, id int64) (*stix.Projection, error) {
	rep, _, err := r.s.store.FindReport(ctx, id)
	if err != nil {
		return nil, err
	}
	xs, err := r.s.reportExports(ctx, rep)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	latest := xs[len(xs)-1]
	objs, err := stix.ReportObjects(*latest)
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, o := range objs {
		oid, _, _ := o.Ident()
		present[oid] = true
	}
	tlp := latest.Report.TLP
	for i := len(xs) - 2; i >= 0; i-- {
		x := xs[i]
		if !x.Report.TLP.AtMost(tlp) {
			continue
		}
		old, err := stix.ReportObjects(*x)
		if err != nil {
			return nil, err
		}
		for _, o := range old {
			_, isMarking := o.(*stix.MarkingDefinition) // the older versions' own markings
			if oid, _, _ := o.Ident(); present[oid] || isMarking {
				objs = append(objs, o)
			}
		}
	}
	return &stix.Projection{Objects: objs, TLP: tlp, Collections: reportCollections(rep, tlp)}, nil
}

// reportCollections: a report belongs to its sector's collection, to its
// CEPTOR's when it came by the anonymous route, and to everyone's when
// marked CLEAR or GREEN. RED goes to no collection (a feed has no named
// recipients); the policy still decides, object by object, who reads.
func reportCollections(rep *ceptor.Report, tlp ceptor.TLP) []string {
	if tlp == ceptor.TLPRed || !tlp.Valid() {
		return nil
	}
	var out []string
	if rep.SectorID != 0 {
		out = append(out, "sector-"+strconv.FormatInt(rep.SectorID, 10))
	}
	if rep.Route == ceptor.RouteAnonymous && rep.CeptorID != 0 {
		out = append(out, "ceptor-"+strconv.FormatInt(rep.CeptorID, 10))
	}
	if tlp.AtMost(ceptor.TLPGreen) {
		out = append(out, collEveryone)
	}
	return out
}

func (r reportSTIX) visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		rep, ref, err := r.s.store.FindReport(ctx, id)
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = ceptor.Allow(a, ceptor.ActView, reportResource(rep, ref))
	}
	return out, nil
}

// ---- incidents ----

type incidentSTIX struct{ s *Server }

func (incidentSTIX) kind() string { return "incident" }

// incidentExport builds the export of an incident: its fields, NISC as
// creator, member reports as relationships and its notes.
func (s *Server) incidentExport(ctx context.Context, inc *ceptor.Incident) (*stix.IncidentExport, error) {
	o, err := s.store.FindOrg(ctx, inc.CreatedByOrg)
	if err != nil {
		return nil, err
	}
	x := &stix.IncidentExport{Incident: inc, Creator: stix.OrgParty(o)}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range inc.SectorIDs {
		if sec := rf.sectorByID[id]; sec != nil {
			x.SectorNames = append(x.SectorNames, sec.NameJA)
		}
	}
	if e, err := s.store.CurrentEvaluation(ctx, ceptor.SubjectIncident, inc.ID); err == nil {
		lvl := int(e.Overall)
		x.Severity = &lvl
	} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		return nil, err
	}
	if x.ReportIDs, err = s.store.IncidentReports(ctx, inc.ID); err != nil {
		return nil, err
	}
	evs, err := s.store.IncidentEvents(ctx, inc.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if e.Kind != ceptor.EventNote && e.Kind != ceptor.EventSitrep && e.Kind != ceptor.EventModeOff {
			continue
		}
		var d struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(e.Detail, &d) == nil && d.Text != "" {
			x.Notes = append(x.Notes, stix.NoteInput{Seq: e.Seq, Kind: string(e.Kind), Text: d.Text, At: e.At})
		}
	}
	return x, nil
}

func (r incidentSTIX) project(ctx context.Context, id int64) (*stix.Projection, error) {
	inc, err := r.s.store.FindIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	x, err := r.s.incidentExport(ctx, inc)
	if err != nil {
		return nil, err
	}
	objs, err := stix.IncidentObjects(*x)
	if err != nil {
		return nil, err
	}
	var cols []string
	if inc.TLP.Valid() && inc.TLP != ceptor.TLPRed {
		ids := append([]int64(nil), inc.SectorIDs...)
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, sid := range ids {
			cols = append(cols, "sector-"+strconv.FormatInt(sid, 10))
		}
		if inc.TLP.AtMost(ceptor.TLPGreen) {
			cols = append(cols, collEveryone)
		}
	}
	return &stix.Projection{Objects: objs, TLP: inc.TLP, Collections: cols, KeepSuperseded: true}, nil
}

func (r incidentSTIX) visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		inc, err := r.s.store.FindIncident(ctx, id)
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = ceptor.Allow(a, ceptor.ActView, inc.Ref().Resource())
	}
	return out, nil
}

// ---- objects received over TAXII ----

type receivedSTIX struct{ s *Server }

func (receivedSTIX) kind() string { return "taxii" }

func (r receivedSTIX) project(ctx context.Context, id int64) (*stix.Projection, error) {
	st, err := r.s.stixStore()
	if err != nil {
		return nil, err
	}
	m, err := st.FindReceived(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	row := m[id]
	if row == nil {
		return nil, nil
	}
	objs, err := row.Received.Objects()
	if err != nil {
		return nil, err
	}
	return &stix.Projection{Objects: objs, TLP: row.Received.TLP, Collections: []string{row.Collection}, KeepSuperseded: true}, nil
}

func (r receivedSTIX) visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error) {
	st, err := r.s.stixStore()
	if err != nil {
		return nil, err
	}
	refs, err := st.ReceivedRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	cols, err := r.s.taxiiCollections(ctx, "ja")
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for id, ref := range refs {
		c := cols.key(ref.Collection)
		if c == nil {
			continue
		}
		res := c.resource()
		res.OrgID, res.TLP = ref.OrgID, ref.TLP
		out[id] = ceptor.Allow(a, ceptor.ActView, res)
	}
	return out, nil
}
