package web

import "net/http"

// apiDoc documents one API operation; every /api/v1 route is registered
// through handleAPI with its doc, so that the OpenAPI document and the
// router cannot drift apart.
type apiDoc struct {
	Method      string // GET, POST, PUT, PATCH, DELETE
	Path        string // ServeMux pattern path, e.g. /api/v1/organizations/{id}
	Summary     string
	Description string
	Tag         string
	Scope       string     // token scope needed: read, write or admin ("" for none)
	Query       []apiParam // query parameters
	// Body is a zero value of the request body type (nil: no body);
	// BodyContent defaults to application/json.
	Body        any
	BodyContent string
	// Response is a zero value of the success response type (nil: no body);
	// ResponseContent defaults to application/json.
	Response        any
	ResponseContent string
	Status          int   // success status, default 200
	Errors          []int // error statuses the operation can return
}

// apiParam is a documented query parameter.
type apiParam struct {
	Name        string
	Type        string // string, integer, boolean
	Description string
	Required    bool
	Enum        []string
}

// handleAPI registers an API route together with its documentation.
func (s *Server) handleAPI(d apiDoc, h http.HandlerFunc) {
	s.apiDocs = append(s.apiDocs, d)
	s.mux.HandleFunc(d.Method+" "+d.Path, h)
}

func (s *Server) routesAPI() {
	s.routesAPIMeta()
	s.routesAPIRegistry()
	s.routesAPIAccount()
	s.routesAPIReports()
	s.routesAPIIncidents()
	s.routesAPIStats()
}
