package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/stix"
)

// taxiiStamp is how TAXII timestamps leave the server: microseconds, so
// that a client's added_after repeats a date_added exactly.
const taxiiStamp = "2006-01-02T15:04:05.000000Z"

func taxiiTime(t time.Time) string { return t.UTC().Format(taxiiStamp) }

// taxiiQuery is a parsed objects/manifest/versions request.
type taxiiQuery struct {
	q           stix.Query
	limit       int
	specVersion bool // match[spec_version] admits 2.1
}

type taxiiBadRequest struct{ key string }

func (e *taxiiBadRequest) Error() string { return e.key }

// parseTAXIIQuery reads added_after, limit, next and the match filters.
// fixedID is the object of the path (objects/{id}, versions), if any.
func (s *Server) parseTAXIIQuery(c *taxiiCollection, v url.Values, fixedID string, defVersion string) (*taxiiQuery, error) {
	tq := &taxiiQuery{limit: 100, specVersion: true}
	tq.q.Collection = c.Key
	if x := v.Get("limit"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 {
			return nil, &taxiiBadRequest{"taxii.err_limit"}
		}
		tq.limit = min(n, taxiiPageLimit)
	}
	if x := v.Get("added_after"); x != "" {
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return nil, &taxiiBadRequest{"taxii.err_added_after"}
		}
		// Strictly after: every rid of that microsecond is behind us.
		tq.q.After = stix.Cursor{DateAddedUS: t.UTC().UnixMicro(), RID: math.MaxInt64}
	}
	if x := v.Get("next"); x != "" {
		cur, err := s.openCursor(x, c.Key)
		if err != nil {
			return nil, &taxiiBadRequest{"taxii.err_next"}
		}
		if cur.DateAddedUS > tq.q.After.DateAddedUS || cur.DateAddedUS == tq.q.After.DateAddedUS && cur.RID > tq.q.After.RID {
			tq.q.After = cur
		}
	}
	split := func(key string) []string {
		var out []string
		for _, x := range v[key] {
			for _, p := range strings.Split(x, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	tq.q.IDs = split("match[id]")
	if fixedID != "" {
		tq.q.IDs = []string{fixedID}
	}
	for _, id := range tq.q.IDs {
		if !stix.ValidID(id, "") {
			return nil, &taxiiBadRequest{"taxii.err_match_id"}
		}
	}
	tq.q.Types = split("match[type]")
	for _, t := range tq.q.Types {
		if stix.TypeOf(t+"--x") == "" || len(t) > 250 {
			return nil, &taxiiBadRequest{"taxii.err_match_type"}
		}
	}
	tq.q.Versions = split("match[version]")
	for _, ver := range tq.q.Versions {
		if ver == "all" || ver == "first" || ver == "last" {
			continue
		}
		if _, err := stix.ParseTime(ver); err != nil {
			return nil, &taxiiBadRequest{"taxii.err_match_version"}
		}
	}
	if len(tq.q.Versions) == 0 && defVersion != "" {
		tq.q.Versions = []string{defVersion}
	}
	if sv := split("match[spec_version]"); len(sv) > 0 {
		tq.specVersion = false
		for _, x := range sv {
			tq.specVersion = tq.specVersion || x == stix.SpecVersion
		}
	}
	if len(tq.q.IDs) > 100 || len(tq.q.Types) > 50 || len(tq.q.Versions) > 50 {
		return nil, &taxiiBadRequest{"taxii.err_too_many"}
	}
	return tq, nil
}

// The next cursor is the keyset position, sealed with the service key: it
// means the same on every node and after restarts, and cannot be forged or
// moved to another collection.
func (s *Server) sealCursor(c stix.Cursor, coll string) (string, error) {
	return s.sealer.Seal([]byte(strconv.FormatInt(c.DateAddedUS, 10)+"."+strconv.FormatInt(c.RID, 10)), "taxii-next:"+coll)
}

func (s *Server) openCursor(tok, coll string) (stix.Cursor, error) {
	b, err := s.sealer.Open(tok, "taxii-next:"+coll)
	if err != nil {
		return stix.Cursor{}, err
	}
	a, bb, ok := strings.Cut(string(b), ".")
	if !ok {
		return stix.Cursor{}, errors.New("bad cursor")
	}
	us, err1 := strconv.ParseInt(a, 10, 64)
	rid, err2 := strconv.ParseInt(bb, 10, 64)
	if err1 != nil || err2 != nil {
		return stix.Cursor{}, errors.New("bad cursor")
	}
	return stix.Cursor{DateAddedUS: us, RID: rid}, nil
}

// taxiiPage is one page of visible objects.
type taxiiPage struct {
	rows []*stix.Stored
	more bool
	next string
}

// taxiiFetch reads the collection from the cursor on, keeping what the
// actor may see, until the page is full or the collection ends. The cursor
// it hands out is the last row read, seen or not, so that a next page never
// reads the same rows again.
func (s *Server) taxiiFetch(ctx context.Context, a *ceptor.Actor, c *taxiiCollection, tq *taxiiQuery) (*taxiiPage, error) {
	pg := &taxiiPage{}
	if !tq.specVersion {
		return pg, nil
	}
	if err := s.syncSTIX(ctx); err != nil {
		return nil, err
	}
	st, err := s.stixStore()
	if err != nil {
		return nil, err
	}
	q := tq.q
	// One row more than the page: when all are visible, the extra row says
	// that there is more without another query.
	batch := max(tq.limit+1, 200)
	type objVersion struct{ id, version string }
	seen := map[objVersion]bool{}
	pos := q.After
	for round := 0; round < 50; round++ {
		q.After, q.Limit = pos, batch
		rows, keep, shared, err := s.taxiiVisibleRows(ctx, a, st, q, round == 0, c.set)
		if err != nil {
			return nil, err
		}
		for i, r := range rows {
			if len(pg.rows) == tq.limit {
				pg.more = true
				rows = rows[:i]
				break
			}
			pos = stix.Cursor{DateAddedUS: r.DateAdded.UnixMicro(), RID: r.RID}
			key := objVersion{r.ObjectID, r.Version}
			if !keep[i] || r.Hidden || seen[key] {
				continue
			}
			if shared != nil && shared[i] {
				// Another source may hold the same version: it is served at
				// its first copy the actor may see, on whichever page that
				// was (taxii_copies.go).
				dup, err := s.taxiiServedBefore(ctx, a, st, q.Collection, r)
				if err != nil {
					return nil, err
				}
				if dup {
					seen[key] = true
					continue
				}
			}
			seen[key] = true
			pg.rows = append(pg.rows, r)
		}
		if pg.more {
			break
		}
		if len(rows) < batch {
			break // the end of the collection
		}
		if len(pg.rows) == tq.limit {
			// Full exactly at the end of a batch: is there anything after?
			q.After, q.Limit = pos, 1
			probe, err := st.STIXPage(ctx, q)
			if err != nil {
				return nil, err
			}
			pg.more = len(probe) > 0
			break
		}
		if round == 49 {
			pg.more = true // read enough for one request; the cursor goes on
		}
	}
	if pg.more {
		if pg.next, err = s.sealCursor(pos, c.Key); err != nil {
			return nil, err
		}
		// The client will most likely ask for the next page: read it now.
		if pr, ok := st.(stix.PageReader); ok {
			q.After, q.Limit = pos, batch
			s.taxiiNext.start(pr, q)
		}
	}
	return pg, nil
}

// taxiiVisibleRows reads one batch of the collection and says, row by row,
// whether the actor may see it and (with a stix.PageReader) whether the row
// is flagged shared. With a store that reads the policy's inputs of
// received objects with the page (stix.PageReader), those are decided here
// without another query; every other row is asked of its source.
func (s *Server) taxiiVisibleRows(ctx context.Context, a *ceptor.Actor, st stix.Store, q stix.Query, first bool, cols *taxiiCollectionSet) ([]*stix.Stored, []bool, []bool, error) {
	pr, ok := st.(stix.PageReader)
	if !ok {
		rows, err := st.STIXPage(ctx, q)
		if err != nil {
			return nil, nil, nil, err
		}
		vis, err := s.stixVisible(ctx, a, rows)
		if err != nil {
			return nil, nil, nil, err
		}
		return rows, visibleMask(rows, vis), nil, nil
	}
	// The first batch of a request may have been read ahead (taxii_prefetch.go).
	page, ok := []stix.PageRow(nil), false
	if first {
		page, ok = s.taxiiNext.take(ctx, q)
	}
	var err error
	if !ok {
		if page, err = pr.ReadPage(ctx, q); err != nil {
			return nil, nil, nil, err
		}
	}
	rows := make([]*stix.Stored, len(page))
	shared := make([]bool, len(page))
	for i := range page {
		rows[i] = &page[i].Stored
		shared[i] = page[i].Shared
	}
	keep, err := s.pageRowsVisible(ctx, a, page, cols)
	if err != nil {
		return nil, nil, nil, err
	}
	return rows, keep, shared, nil
}

// pageRowsVisible says, row by row, whether the actor may see rows read
// with their policy inputs: a received object by its collection, sender
// and marking; every other row by its source. cols is the request's
// collection set when it has one (nil: built here if a received row needs it).
func (s *Server) pageRowsVisible(ctx context.Context, a *ceptor.Actor, page []stix.PageRow, cols *taxiiCollectionSet) ([]bool, error) {
	keep := make([]bool, len(page))
	var rest []*stix.Stored // rows whose source decides
	var restAt []int
	var err error
	for i := range page {
		r := &page[i]
		if r.Received == nil || r.SourceKind != "taxii" {
			rest, restAt = append(rest, &r.Stored), append(restAt, i)
			continue
		}
		if cols == nil {
			if cols, err = s.taxiiCollections(ctx, "ja"); err != nil {
				return nil, err
			}
		}
		keep[i] = receivedAllowed(a, cols, *r.Received)
	}
	if len(rest) > 0 {
		vis, err := s.stixVisible(ctx, a, rest)
		if err != nil {
			return nil, err
		}
		for j, k := range visibleMask(rest, vis) {
			keep[restAt[j]] = k
		}
	}
	return keep, nil
}

// visibleMask says which of rows are in vis (a subsequence of rows).
func visibleMask(rows, vis []*stix.Stored) []bool {
	keep := make([]bool, len(rows))
	j := 0
	for i, r := range rows {
		if j < len(vis) && vis[j] == r {
			keep[i] = true
			j++
		}
	}
	return keep
}

// receivedAllowed is the policy's answer for an object received over TAXII:
// the actor reads it as a reader of its collection, with its sender and
// its marking.
func receivedAllowed(a *ceptor.Actor, cols *taxiiCollectionSet, ref stix.ReceivedRef) bool {
	c := cols.key(ref.Collection)
	if c == nil {
		return false
	}
	res := c.resource()
	res.OrgID, res.TLP = ref.OrgID, ref.TLP
	return ceptor.Allow(a, ceptor.ActView, res)
}

func (s *Server) taxiiRead(w http.ResponseWriter, r *http.Request, st *reqState, fixedID, defVersion string) (*taxiiCollection, *taxiiPage, bool) {
	c := s.taxiiCollectionFor(w, r, st, ceptor.ActView)
	if c == nil {
		return nil, nil, false
	}
	tq, err := s.parseTAXIIQuery(c, r.URL.Query(), fixedID, defVersion)
	if err != nil {
		var br *taxiiBadRequest
		if errors.As(err, &br) {
			s.taxiiError(w, http.StatusBadRequest, br.key, st.lang)
		} else {
			s.taxiiFail(w, r, st, err)
		}
		return nil, nil, false
	}
	pg, err := s.taxiiFetch(r.Context(), st.actor, c, tq)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return nil, nil, false
	}
	if n := len(pg.rows); n > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", taxiiTime(pg.rows[0].DateAdded))
		w.Header().Set("X-TAXII-Date-Added-Last", taxiiTime(pg.rows[n-1].DateAdded))
	}
	return c, pg, true
}

func (s *Server) taxiiGetObjects(w http.ResponseWriter, r *http.Request, st *reqState) {
	if _, pg, ok := s.taxiiRead(w, r, st, "", "last"); ok {
		writeEnvelope(w, pg)
	}
}

// writeEnvelope writes an envelope around the stored objects as they are:
// they are ceptor's own compact JSON, so nothing is decoded or re-encoded.
func writeEnvelope(w http.ResponseWriter, pg *taxiiPage) {
	w.Header().Set("Content-Type", taxiiMedia)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"more":`)
	bw.WriteString(strconv.FormatBool(pg.more))
	if pg.next != "" {
		nb, _ := json.Marshal(pg.next)
		bw.WriteString(`,"next":`)
		bw.Write(nb)
	}
	if len(pg.rows) > 0 {
		bw.WriteString(`,"objects":[`)
		for i, r := range pg.rows {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.Write(r.Body)
		}
		bw.WriteByte(']')
	}
	bw.WriteString("}\n")
	bw.Flush()
}

func (s *Server) taxiiGetObject(w http.ResponseWriter, r *http.Request, st *reqState) {
	oid := r.PathValue("oid")
	if !stix.ValidID(oid, "") {
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_object", st.lang)
		return
	}
	_, pg, ok := s.taxiiRead(w, r, st, oid, "last")
	if !ok {
		return
	}
	if len(pg.rows) == 0 && r.URL.Query().Get("next") == "" {
		// Unknown and invisible are the same answer.
		w.Header().Del("X-TAXII-Date-Added-First")
		w.Header().Del("X-TAXII-Date-Added-Last")
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_object", st.lang)
		return
	}
	writeEnvelope(w, pg)
}

// version is what TAXII calls an object's version: modified, else created
// (markings), else its date_added (observables).
func taxiiVersion(r *stix.Stored) string {
	if r.Version != "" {
		return r.Version
	}
	return taxiiTime(r.DateAdded)
}

func (s *Server) taxiiVersions(w http.ResponseWriter, r *http.Request, st *reqState) {
	oid := r.PathValue("oid")
	if !stix.ValidID(oid, "") {
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_object", st.lang)
		return
	}
	q := r.URL.Query()
	q.Del("match[version]") // versions lists them all
	r.URL.RawQuery = q.Encode()
	_, pg, ok := s.taxiiRead(w, r, st, oid, "all")
	if !ok {
		return
	}
	if len(pg.rows) == 0 && q.Get("next") == "" {
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_object", st.lang)
		return
	}
	out := map[string]any{"more": pg.more}
	if pg.next != "" {
		out["next"] = pg.next
	}
	var vs []string
	seen := map[string]bool{}
	for _, row := range pg.rows {
		if v := taxiiVersion(row); !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	out["versions"] = vs
	taxiiJSON(w, http.StatusOK, out)
}

type manifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type"`
}

func (s *Server) taxiiManifest(w http.ResponseWriter, r *http.Request, st *reqState) {
	_, pg, ok := s.taxiiRead(w, r, st, "", "last")
	if !ok {
		return
	}
	out := struct {
		More    bool             `json:"more"`
		Next    string           `json:"next,omitempty"`
		Objects []manifestRecord `json:"objects,omitempty"`
	}{More: pg.more, Next: pg.next}
	for _, row := range pg.rows {
		out.Objects = append(out.Objects, manifestRecord{ID: row.ObjectID, DateAdded: taxiiTime(row.DateAdded), Version: taxiiVersion(row), MediaType: stixMedia})
	}
	taxiiJSON(w, http.StatusOK, out)
}

func (s *Server) taxiiStatus(w http.ResponseWriter, r *http.Request, st *reqState) {
	store, err := s.stixStore()
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	status, err := store.FindStatus(r.Context(), r.PathValue("sid"))
	if err != nil || status.OrgID != st.actor.OrgID && st.actor.OrgType != ceptor.OrgNISC {
		if err != nil && ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			s.taxiiFail(w, r, st, err)
			return
		}
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_status", st.lang)
		return
	}
	taxiiJSON(w, http.StatusOK, status)
}
