package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"ceptor"
	"ceptor/stix"
)

// STIX 2.1 export of one report or incident: a bundle of the same objects
// the TAXII collections serve, built from what may leave the server (an
// anonymous report's redacted copy, its CEPTOR as creator).

// stixBundleDoc documents a bundle in the OpenAPI document.
type stixBundleDoc struct {
	Type    string           `json:"type"`
	ID      string           `json:"id"`
	Objects []map[string]any `json:"objects"`
}

func (s *Server) routesSTIXExport() {
	nf := []int{http.StatusNotFound, http.StatusConflict}
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/reports/{id}/stix", Summary: "Export a report as STIX 2.1", Tag: "reports", Scope: ceptor.ScopeRead,
		Description: "A STIX 2.1 bundle: the report, its creator (for an anonymous report its CEPTOR, never the reporter), its TLP 2.0 marking, and for its indicators the observables, an observed-data and indicators with STIX patterns. Ids are deterministic: exporting again yields the same ids. An anonymous report is exported once its secretariat has relayed a redacted copy (409 before).",
		Response:    stixBundleDoc{}, ResponseContent: stixMedia, Errors: nf}, s.apiReportSTIX)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/incidents/{id}/stix", Summary: "Export an incident as STIX 2.1", Tag: "incidents", Scope: ceptor.ScopeRead,
		Description: "A STIX 2.1 bundle: the incident with the Incident Core Extension (investigation status, criticality from the severity level), its creator and TLP 2.0 marking, related-to relationships from its reports, and its notes.",
		Response:    stixBundleDoc{}, ResponseContent: stixMedia, Errors: []int{http.StatusNotFound}}, s.apiIncidentSTIX)
	s.mux.HandleFunc("GET /reports/{id}/stix", s.pageDownloadSTIX("report"))
	s.mux.HandleFunc("GET /incidents/{id}/stix", s.pageDownloadSTIX("incident"))
}

func stixNotYet() error {
	return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "nothing of this report may leave the server yet", Key: "taxii.export_not_yet"}
}

// reportBundle exports a report the actor may see.
func (s *Server) reportBundle(ctx context.Context, a *ceptor.Actor, id int64) (*stix.Bundle, error) {
	rep, ref, err := s.findReport(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActExport, reportResource(rep, ref)) {
		return nil, regNotFound()
	}
	x, err := s.reportExport(ctx, rep)
	if err != nil {
		return nil, err
	}
	if x == nil {
		return nil, stixNotYet()
	}
	objs, err := stix.ReportObjects(*x)
	if err != nil {
		return nil, err
	}
	return stix.NewBundle("report:"+strconv.FormatInt(id, 10)+"@"+stix.Timestamp(x.Modified), objs), nil
}

// incidentBundle exports an incident the actor may see.
func (s *Server) incidentBundle(ctx context.Context, a *ceptor.Actor, id int64) (*stix.Bundle, error) {
	inc, err := s.incVisible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActExport, inc.Ref().Resource()) {
		return nil, regNotFound()
	}
	x, err := s.incidentExport(ctx, inc)
	if err != nil {
		return nil, err
	}
	objs, err := stix.IncidentObjects(*x)
	if err != nil {
		return nil, err
	}
	return stix.NewBundle("incident:"+strconv.FormatInt(id, 10)+"@"+stix.Timestamp(inc.UpdatedAt), objs), nil
}

func writeSTIX(w http.ResponseWriter, b *stix.Bundle) {
	w.Header().Set("Content-Type", stixMedia)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(b)
}

func (s *Server) apiReportSTIX(w http.ResponseWriter, r *http.Request) {
	s.apiSTIX(w, r, s.reportBundle)
}

func (s *Server) apiIncidentSTIX(w http.ResponseWriter, r *http.Request) {
	s.apiSTIX(w, r, s.incidentBundle)
}

func (s *Server) apiSTIX(w http.ResponseWriter, r *http.Request, build func(context.Context, *ceptor.Actor, int64) (*stix.Bundle, error)) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	b, err := build(r.Context(), st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeSTIX(w, b)
}

// pageDownloadSTIX serves the bundle to a signed-in person as a file.
func (s *Server) pageDownloadSTIX(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := parseID(r.PathValue("id"))
		if !ok {
			s.fail(w, r, regNotFound())
			return
		}
		build := s.reportBundle
		if kind == "incident" {
			build = s.incidentBundle
		}
		b, err := build(r.Context(), st.actor, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data, err := json.MarshalIndent(b, "", "  ")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeDownload(w, "ceptor-"+kind+"-"+strconv.FormatInt(id, 10)+".stix.json", data)
	}
}
