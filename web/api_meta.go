package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"ceptor"
	"ceptor/i18n"
)

// codeMethodNotAllowed is the error code of a known API path asked with a
// method it does not serve. It is not a domain code: only the router knows it.
const codeMethodNotAllowed = "method_not_allowed"

// apiIndex is the answer of GET /api/v1/: where to find the documentation.
type apiIndex struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	OpenAPI string `json:"openapi"`
	Docs    string `json:"docs"`
}

// routesAPIMeta registers the API's description of itself. It runs before
// the other API areas register their routes, so the document is built on
// first use, when every route is known.
func (s *Server) routesAPIMeta() {
	var (
		once sync.Once
		doc  []byte
		etag string
	)
	build := func() {
		b, err := json.MarshalIndent(s.openAPIDocument(), "", "  ")
		if err != nil {
			// Every value in the document is built here from plain types, so
			// this is a programming error that tests catch.
			panic("openapi: " + err.Error())
		}
		sum := sha256.Sum256(b)
		doc, etag = append(b, '\n'), `"`+hex.EncodeToString(sum[:8])+`"`
	}

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/{$}", Tag: "meta",
		Summary:     "API index",
		Description: "Names the server's version and where the OpenAPI document and the human-readable reference are. Needs no credentials.",
		Response:    apiIndex{},
	}, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, apiIndex{Name: "ceptor API", Version: orDefault(s.cfg.Version, "dev"), OpenAPI: "/api/v1/openapi.json", Docs: "/api/v1/docs"})
	})

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/openapi.json", Tag: "meta",
		Summary: "OpenAPI 3.1 document of this API",
		Description: "This document. It is generated from the server's own route table, so it lists exactly the operations this server answers. " +
			"It holds no data and needs no credentials.",
		Response: json.RawMessage{},
	}, func(w http.ResponseWriter, r *http.Request) {
		once.Do(build)
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(doc)
	})

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/docs", Tag: "meta",
		Summary:         "Human-readable API reference",
		Description:     "An HTML page listing every operation, in Japanese or English. Needs no credentials.",
		Response:        "",
		ResponseContent: "text/html",
	}, s.apiDocsPage)

	// Requests under /api/ that match no route would otherwise reach the
	// site-wide fallback, which cannot tell a wrong method from an unknown
	// path. Here a known path asked with another method answers 405 with
	// Allow, in the API's JSON error shape.
	s.mux.HandleFunc("/api/", s.apiFallback)
}

// apiFallback answers API requests that match no route.
func (s *Server) apiFallback(w http.ResponseWriter, r *http.Request) {
	if allow := s.allowedMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.apiError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			&ceptor.Error{Code: codeMethodNotAllowed, Message: "method not allowed", Key: "err.method"})
		return
	}
	s.fail(w, r, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such page", Key: "err.page_not_found"})
}

// allowedMethods lists the methods that some route serves at r's path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		_, pattern := s.mux.Handler(probe)
		if pattern == "" || pattern == "/" || pattern == "/api/" {
			continue
		}
		allow = append(allow, m)
		if m == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
	}
	return allow
}

// apiDocsData is the human-readable reference: operations grouped by tag.
type apiDocsData struct {
	Example string
	Groups  []apiDocsGroup
}

type apiDocsGroup struct {
	Tag         string // as in the OpenAPI document
	Name        string // for people, in the page's language
	Description string
	Ops         []apiDocsOp
}

type apiDocsOp struct {
	ID, Method, Path, Class string
	Summary, Description    string
	Scope                   string
	Public                  bool
	Query                   []apiParam
}

// apiDocsPage lists every operation for people, from the same route table as
// the OpenAPI document.
func (s *Server) apiDocsPage(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	base := strings.TrimSuffix(s.cfg.PublicURL, "/")
	if base == "" {
		base = "http://" + r.Host
	}
	d := apiDocsData{Example: base + "/api/v1/organizations?limit=10"}
	ids := map[string]bool{}
	for _, doc := range s.apiDocs {
		tag := orDefault(doc.Tag, "other")
		i := slices.IndexFunc(d.Groups, func(g apiDocsGroup) bool { return g.Tag == tag })
		if i < 0 {
			g := apiDocsGroup{Tag: tag, Name: tag, Description: tagDescriptions[tag]}
			if k := "apimeta.tag." + tag; i18n.Has(k) {
				g.Name, g.Description = i18n.T(st.lang, k), i18n.T(st.lang, k+"_about")
			}
			d.Groups = append(d.Groups, g)
			i = len(d.Groups) - 1
		}
		p := openAPIPath(doc.Path)
		d.Groups[i].Ops = append(d.Groups[i].Ops, apiDocsOp{
			ID: uniqueID(operationID(doc.Method, p), ids), Method: doc.Method, Path: p, Class: methodClass(doc.Method),
			Summary: doc.Summary, Description: doc.Description, Scope: doc.Scope, Public: !doc.authenticated(), Query: doc.Query,
		})
	}
	s.render(w, r, http.StatusOK, "apidocs", s.page(w, r, i18n.T(st.lang, "apimeta.title"), d))
}

// methodClass colours a method by what it does: reads green, changes amber,
// removals red.
func methodClass(m string) string {
	switch m {
	case http.MethodGet:
		return "ok"
	case http.MethodDelete:
		return "err"
	}
	return "warn"
}

// authenticated reports whether the operation needs a signed-in caller.
func (d apiDoc) authenticated() bool {
	return d.Scope != "" || slices.Contains(d.Errors, http.StatusUnauthorized)
}
