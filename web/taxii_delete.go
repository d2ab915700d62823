package web

import (
	"net/http"
	"slices"
	"strings"

	"ceptor"
	"ceptor/stix"
)

// TAXII 2.1 Delete An Object, and 405 for methods an endpoint does not
// take.
//
// DELETE collections/{id}/objects/{object-id}/ removes versions of an
// object that participants added over TAXII: match[version] picks them
// (last, first, timestamps, or all, which is also the default: deleting an
// object removes it, not just its newest version, so that an older version
// does not silently become the object), match[spec_version] must admit 2.1.
// All or nothing: the chosen versions must all be objects added over TAXII
// that the caller may delete (the policy: the adding organisation's
// administrators and analysts, or NISC's; ActDeactivate on the
// collection's feed resource); anything ceptor derives from its own
// records (reports, incidents, advisories, C4TAP, MISP imports) is refused
// with 403. What the caller may not see is 404, as for a read. Each
// deleted version is audited.

func (s *Server) taxiiDeleteObject(w http.ResponseWriter, r *http.Request, st *reqState) {
	c := s.taxiiCollectionFor(w, r, st, ceptor.ActView)
	if c == nil {
		return
	}
	oid := r.PathValue("oid")
	if !stix.ValidID(oid, "") {
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_object", st.lang)
		return
	}
	q := r.URL.Query()
	versions := splitMatch(q["match[version]"])
	for _, v := range versions {
		if v != "all" && v != "first" && v != "last" {
			if _, err := stix.ParseTime(v); err != nil {
				s.taxiiError(w, http.StatusBadRequest, "taxii.err_match_version", st.lang)
				return
			}
		}
	}
	if len(versions) > 50 {
		s.taxiiError(w, http.StatusBadRequest, "taxii.err_too_many", st.lang)
		return
	}
	if len(versions) == 0 {
		versions = []string{"all"}
	}
	tq := &taxiiQuery{limit: taxiiPageLimit, specVersion: true}
	tq.q.Collection, tq.q.IDs, tq.q.Versions = c.Key, []string{oid}, []string{"all"}
	if sv := splitMatch(q["match[spec_version]"]); len(sv) > 0 {
		tq.specVersion = slices.Contains(sv, stix.SpecVersion)
	}
	ctx := r.Context()
	pg, err := s.taxiiFetch(ctx, st.actor, c, tq)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	// The versions the caller sees, and those match[version] picks.
	lo, hi := "", ""
	for i, row := range pg.rows {
		v := taxiiVersion(row)
		if i == 0 || v < lo {
			lo = v
		}
		if i == 0 || v > hi {
			hi = v
		}
	}
	var target []*stix.Stored
	for _, row := range pg.rows {
		v := taxiiVersion(row)
		if slices.Contains(versions, "all") || slices.Contains(versions, "first") && v == lo || slices.Contains(versions, "last") && v == hi ||
			slices.Contains(versions, v) {
			target = append(target, row)
		}
	}
	if len(target) == 0 {
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_object", st.lang)
		return
	}
	store, err := s.stixStore()
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	var ids []int64
	for _, row := range target {
		if row.SourceKind == "taxii" && !slices.Contains(ids, row.SourceID) {
			ids = append(ids, row.SourceID)
		}
	}
	refs, err := store.ReceivedRefs(ctx, ids)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	for _, row := range target {
		ref, ok := refs[row.SourceID]
		res := c.resource()
		res.OrgID, res.TLP = ref.OrgID, ref.TLP
		if row.SourceKind != "taxii" || !ok || ref.Collection != c.Key || !ceptor.Allow(st.actor, ceptor.ActDeactivate, res) {
			s.taxiiError(w, http.StatusForbidden, "taxii.err_no_delete", st.lang)
			return
		}
	}
	n, err := store.DeleteReceived(ctx, ids)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	for _, row := range target {
		s.audit(r, "taxii.delete", ceptor.KindFeed, row.SourceID, refs[row.SourceID].OrgID,
			map[string]any{"collection": c.Key, "object_id": row.ObjectID, "version": taxiiVersion(row)})
	}
	if err := s.syncSTIX(ctx); err != nil {
		s.log.Warn("stix sync after a TAXII delete", "err", err, "deleted", n)
	}
	w.Header().Set("Content-Type", taxiiMedia)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func splitMatch(vals []string) []string {
	var out []string
	for _, x := range vals {
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// taxiiMethods returns the methods the TAXII endpoint at path takes, nil
// when the path names no endpoint.
func taxiiMethods(path string) []string {
	rest, ok := strings.CutPrefix(path, taxiiRoot)
	if !ok {
		return nil
	}
	if rest == "" {
		return []string{"GET"}
	}
	if !strings.HasSuffix(rest, "/") {
		return nil
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if seg[0] != "ceptor" {
		return nil
	}
	seg = seg[1:]
	switch {
	case len(seg) == 0, len(seg) == 1 && seg[0] == "collections", len(seg) == 2 && seg[0] == "collections",
		len(seg) == 2 && seg[0] == "status", len(seg) == 3 && seg[0] == "collections" && seg[2] == "manifest",
		len(seg) == 5 && seg[0] == "collections" && seg[2] == "objects" && seg[4] == "versions":
		return []string{"GET"}
	case len(seg) == 3 && seg[0] == "collections" && seg[2] == "objects":
		return []string{"GET", "POST"}
	case len(seg) == 4 && seg[0] == "collections" && seg[2] == "objects":
		return []string{"GET", "DELETE"}
	}
	return nil
}

// taxiiNoRoute answers what no TAXII route took: 405 with Allow for a
// method the endpoint does not take, else 404.
func (s *Server) taxiiNoRoute(w http.ResponseWriter, r *http.Request, st *reqState) {
	if ms := taxiiMethods(r.URL.Path); ms != nil && !slices.Contains(ms, r.Method) {
		allow := strings.Join(append(ms, "HEAD"), ", ")
		if !slices.Contains(ms, "GET") {
			allow = strings.Join(ms, ", ")
		}
		w.Header().Set("Allow", allow)
		s.taxiiError(w, http.StatusMethodNotAllowed, "taxii.err_method", st.lang, allow)
		return
	}
	s.taxiiError(w, http.StatusNotFound, "taxii.err_not_found", st.lang)
}
