package web

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
	"ceptor/stix"
)

// TAXII 2.1 server at /taxii2/: discovery, one API root, collections by
// audience and TLP, objects (GET, POST), one object, versions, manifest and
// status. Every object is filtered by the policy as the pages are, through
// its source (see stix_sources.go).

const (
	taxiiMedia     = "application/taxii+json;version=2.1"
	stixMedia      = "application/stix+json;version=2.1"
	taxiiRoot      = "/taxii2/"
	taxiiAPIRoot   = "/taxii2/ceptor/"
	taxiiMaxBody   = 10 << 20
	taxiiPageLimit = 1000
	collEveryone   = "everyone-green"
	collC4TAP      = "c4tap"
)

// taxiiCollection is one collection: an audience and the widest TLP it
// carries.
type taxiiCollection struct {
	Key         string
	ID          string
	Title       string
	Description string
	Audience    ceptor.FeedAudience
	SectorID    int64
	CeptorID    int64
	OrgID       int64          // FeedOrg: the organisation addressed (taxii_addressed.go)
	OrgType     ceptor.OrgType // FeedOrgType: the organisation type addressed
	MaxTLP      ceptor.TLP
	// set is the collection set this one came from (nil for one made on
	// demand): what the page's policy check needs, without building it again.
	set *taxiiCollectionSet
}

func (c *taxiiCollection) resource() ceptor.Resource {
	if c.Audience == ceptor.FeedOrg || c.Audience == ceptor.FeedOrgType {
		return ceptor.AddressedFeedResource(c.Audience, c.OrgID, c.OrgType)
	}
	return ceptor.FeedResource(c.Audience, c.SectorID, c.CeptorID)
}

type taxiiCollectionSet struct {
	list  []*taxiiCollection
	byKey map[string]*taxiiCollection
	byID  map[string]*taxiiCollection
}

// taxiiCollections derives the collections from the registry: everyone
// (up to GREEN), each sector and each CEPTOR (up to AMBER+STRICT), the
// C4TAP participants, and each organisation type (up to AMBER+STRICT).
// Each organisation's own collection is made on demand (set.key,
// resolveCollection; taxii_addressed.go).
func (s *Server) taxiiCollections(ctx context.Context, lang string) (*taxiiCollectionSet, error) {
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	set := &taxiiCollectionSet{byKey: map[string]*taxiiCollection{}, byID: map[string]*taxiiCollection{}}
	add := func(c *taxiiCollection) {
		c.ID, c.set = stix.UUIDOf("taxii-collection:"+c.Key), set
		set.list = append(set.list, c)
		set.byKey[c.Key], set.byID[c.ID] = c, c
	}
	add(&taxiiCollection{Key: collEveryone, Title: i18n.T(lang, "taxii.coll_everyone"), Description: i18n.T(lang, "taxii.coll_everyone_desc"),
		Audience: ceptor.FeedEveryone, MaxTLP: ceptor.TLPGreen})
	for _, sec := range rf.sectors {
		if !sec.Active {
			continue
		}
		name := repPick(lang, sec.NameJA, sec.NameEN)
		add(&taxiiCollection{Key: "sector-" + strconv.FormatInt(sec.ID, 10), Title: i18n.T(lang, "taxii.coll_sector", name),
			Description: i18n.T(lang, "taxii.coll_sector_desc", name), Audience: ceptor.FeedSector, SectorID: sec.ID, MaxTLP: ceptor.TLPAmberStrict})
	}
	for _, c := range rf.ceptors {
		if !c.Active {
			continue
		}
		name := repPick(lang, c.NameJA, c.NameEN)
		add(&taxiiCollection{Key: "ceptor-" + strconv.FormatInt(c.ID, 10), Title: i18n.T(lang, "taxii.coll_ceptor", name),
			Description: i18n.T(lang, "taxii.coll_ceptor_desc", name), Audience: ceptor.FeedCeptor, SectorID: c.SectorID, CeptorID: c.ID,
			MaxTLP: ceptor.TLPAmberStrict})
	}
	add(&taxiiCollection{Key: collC4TAP, Title: i18n.T(lang, "taxii.coll_c4tap"), Description: i18n.T(lang, "taxii.coll_c4tap_desc"),
		Audience: ceptor.FeedC4TAP, MaxTLP: ceptor.TLPAmberStrict})
	for _, t := range ceptor.OrgTypes {
		c := addressedCollection(orgTypeCollectionKey(t))
		name := i18n.T(lang, "orgtype."+string(t))
		c.Title, c.Description = i18n.T(lang, "taxii.coll_orgtype", name), i18n.T(lang, "taxii.coll_orgtype_desc", name)
		add(c)
	}
	return set, nil
}

func (s *Server) routesTAXII() {
	s.mux.HandleFunc("GET /taxii2/{$}", s.taxiiHandler(s.taxiiDiscovery))
	s.mux.HandleFunc("GET /taxii2/ceptor/{$}", s.taxiiHandler(s.taxiiAPIRootInfo))
	s.mux.HandleFunc("GET /taxii2/ceptor/collections/{$}", s.taxiiHandler(s.taxiiListCollections))
	s.mux.HandleFunc("GET /taxii2/ceptor/collections/{cid}/{$}", s.taxiiHandler(s.taxiiGetCollection))
	s.mux.HandleFunc("GET /taxii2/ceptor/collections/{cid}/objects/{$}", s.taxiiHandler(s.taxiiGetObjects))
	s.mux.HandleFunc("POST /taxii2/ceptor/collections/{cid}/objects/{$}", s.taxiiHandler(s.taxiiAddObjects))
	s.mux.HandleFunc("GET /taxii2/ceptor/collections/{cid}/objects/{oid}/{$}", s.taxiiHandler(s.taxiiGetObject))
	s.mux.HandleFunc("DELETE /taxii2/ceptor/collections/{cid}/objects/{oid}/{$}", s.taxiiHandler(s.taxiiDeleteObject))
	s.mux.HandleFunc("GET /taxii2/ceptor/collections/{cid}/objects/{oid}/versions/{$}", s.taxiiHandler(s.taxiiVersions))
	s.mux.HandleFunc("GET /taxii2/ceptor/collections/{cid}/manifest/{$}", s.taxiiHandler(s.taxiiManifest))
	s.mux.HandleFunc("GET /taxii2/ceptor/status/{sid}/{$}", s.taxiiHandler(s.taxiiStatus))
	s.mux.HandleFunc("GET /taxii", s.taxiiPage)
	s.routesSTIXExport()
	// Anything else under /taxii2/ is a TAXII 405 (a known endpoint, another
	// method; taxii_delete.go) or 404, not a page.
	s.mux.HandleFunc("/taxii2/", s.taxiiHandler(s.taxiiNoRoute))
}

// taxiiError is a TAXII error message.
type taxiiErrorBody struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

func (s *Server) taxiiError(w http.ResponseWriter, status int, key, lang string, args ...any) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="ceptor TAXII", charset="UTF-8"`)
	}
	taxiiJSON(w, status, taxiiErrorBody{Title: http.StatusText(status), Description: i18n.T(lang, key, args...), HTTPStatus: strconv.Itoa(status)})
}

func taxiiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", taxiiMedia)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// acceptsTAXII: the Accept header names the TAXII 2.1 media type (or a
// range covering it); an absent header counts as */*.
func acceptsTAXII(h string) bool {
	if strings.TrimSpace(h) == "" {
		return true
	}
	for _, part := range strings.Split(h, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

func isTAXIIContent(h string) bool {
	mt, params, err := mime.ParseMediaType(h)
	return err == nil && mt == "application/taxii+json" && params["version"] == "2.1"
}

type taxiiFunc func(w http.ResponseWriter, r *http.Request, st *reqState)

// taxiiHandler checks credentials and media types before fn: 401 without a
// usable token or session, 406 when the client does not accept TAXII 2.1.
func (s *Server) taxiiHandler(fn taxiiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		if st.actor == nil {
			s.taxiiError(w, http.StatusUnauthorized, "taxii.err_unauthorized", st.lang)
			return
		}
		if !acceptsTAXII(r.Header.Get("Accept")) {
			s.taxiiError(w, http.StatusNotAcceptable, "taxii.err_accept", st.lang)
			return
		}
		fn(w, r, st)
	}
}

// taxiiFail maps a ceptor error to a TAXII error.
func (s *Server) taxiiFail(w http.ResponseWriter, r *http.Request, st *reqState, err error) {
	code := ceptor.ErrorCode(err)
	status := statusOf(code)
	if code == ceptor.EINTERNAL || code == ceptor.EUNAVAILABLE {
		s.log.Error("taxii request failed", "path", r.URL.Path, "method", r.Method, "err", err)
		s.taxiiError(w, status, "taxii.err_internal", st.lang)
		return
	}
	taxiiJSON(w, status, taxiiErrorBody{Title: http.StatusText(status), Description: i18n.T(st.lang, messageKey(err)), HTTPStatus: strconv.Itoa(status)})
}

func (s *Server) publicBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) taxiiDiscovery(w http.ResponseWriter, r *http.Request, st *reqState) {
	root := s.publicBase(r) + taxiiAPIRoot
	taxiiJSON(w, http.StatusOK, map[string]any{
		"title":       i18n.T(st.lang, "taxii.discovery_title"),
		"description": i18n.T(st.lang, "taxii.discovery_desc"),
		"default":     root,
		"api_roots":   []string{root},
	})
}

func (s *Server) taxiiAPIRootInfo(w http.ResponseWriter, r *http.Request, st *reqState) {
	taxiiJSON(w, http.StatusOK, map[string]any{
		"title":              i18n.T(st.lang, "taxii.root_title"),
		"description":        i18n.T(st.lang, "taxii.root_desc"),
		"versions":           []string{taxiiMedia},
		"max_content_length": taxiiMaxBody,
	})
}

// taxiiCollectionView is a collection resource.
type taxiiCollectionView struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

func (c *taxiiCollection) view(a *ceptor.Actor) taxiiCollectionView {
	res := c.resource()
	return taxiiCollectionView{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Key,
		CanRead: ceptor.Allow(a, ceptor.ActView, res), CanWrite: ceptor.Allow(a, ceptor.ActCreate, res), MediaTypes: []string{stixMedia}}
}

// readableCollections are the collections the actor may read, and its own
// organisation's (taxii_addressed.go).
func (s *Server) readableCollections(ctx context.Context, a *ceptor.Actor, lang string) ([]taxiiCollectionView, error) {
	set, err := s.taxiiCollections(ctx, lang)
	if err != nil {
		return nil, err
	}
	out := []taxiiCollectionView{}
	for _, c := range set.list {
		if v := c.view(a); v.CanRead {
			out = append(out, v)
		}
	}
	if a != nil && a.OrgID != 0 {
		o, err := s.store.FindOrg(ctx, a.OrgID)
		if err != nil {
			return nil, err
		}
		if v := orgCollection(o, lang).view(a); v.CanRead {
			out = append(out, v)
		}
	}
	return out, nil
}

func (s *Server) taxiiListCollections(w http.ResponseWriter, r *http.Request, st *reqState) {
	views, err := s.readableCollections(r.Context(), st.actor, st.lang)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	taxiiJSON(w, http.StatusOK, map[string]any{"collections": views})
}

// taxiiCollectionFor returns the collection of the path, answering 404 for
// an unknown one and 403 when the actor may not do act on it.
func (s *Server) taxiiCollectionFor(w http.ResponseWriter, r *http.Request, st *reqState, act ceptor.Action) *taxiiCollection {
	set, err := s.taxiiCollections(r.Context(), st.lang)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return nil
	}
	// By id or alias; an organisation's collection is made on demand.
	c, err := s.resolveCollection(r.Context(), set, r.PathValue("cid"), st.actor, st.lang)
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return nil
	}
	if c == nil {
		s.taxiiError(w, http.StatusNotFound, "taxii.err_no_collection", st.lang)
		return nil
	}
	if !ceptor.Allow(st.actor, act, c.resource()) {
		key := "taxii.err_no_read"
		if act == ceptor.ActCreate {
			key = "taxii.err_no_write"
		}
		s.taxiiError(w, http.StatusForbidden, key, st.lang)
		return nil
	}
	return c
}

func (s *Server) taxiiGetCollection(w http.ResponseWriter, r *http.Request, st *reqState) {
	c := s.taxiiCollectionFor(w, r, st, ceptor.ActView)
	if c == nil {
		return
	}
	taxiiJSON(w, http.StatusOK, c.view(st.actor))
}
