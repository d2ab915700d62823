package web

import (
	"net/http"
	"strconv"

	"ceptor"
	"ceptor/i18n"
	"ceptor/taxiiclient"
)

func (s *Server) routesSubscriptions() {
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/taxii/subscriptions", Summary: "TAXII subscriptions of your organisation", Tag: "sharing", Scope: ceptor.ScopeRead,
		Description: "Collections of other TAXII 2.1 servers your organisation polls (NISC sees every organisation's). Credentials are never returned.",
		Response:    []*taxiiclient.Subscription{}}, s.apiSubList)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/taxii/subscriptions", Summary: "Subscribe to a TAXII collection", Tag: "sharing", Scope: ceptor.ScopeWrite,
		Description: "NISC and CEPTOR secretariats. The secret (password with username, or a bearer token without) is stored sealed. The first poll runs at the next round of the poller.",
		Body:        subscriptionInput{}, Response: taxiiclient.Subscription{}, Status: http.StatusCreated,
		Errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity}}, s.apiSubCreate)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/taxii/subscriptions/{id}", Summary: "Remove a TAXII subscription", Tag: "sharing", Scope: ceptor.ScopeWrite,
		Status: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusForbidden}}, s.apiSubDelete)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/taxii/subscriptions/{id}/poll", Summary: "Poll a TAXII subscription now", Tag: "sharing", Scope: ceptor.ScopeWrite,
		Response: taxiiclient.Subscription{}, Errors: []int{http.StatusNotFound, http.StatusForbidden}}, s.apiSubPoll)
	s.mux.HandleFunc("GET /taxii/subscriptions", s.subPage)
	s.mux.HandleFunc("POST /taxii/subscriptions", s.subPageCreate)
	s.mux.HandleFunc("POST /taxii/subscriptions/{id}/poll", s.subPagePoll)
}

func (s *Server) subList(r *http.Request, a *ceptor.Actor) ([]*taxiiclient.Subscription, error) {
	store, err := s.subStore()
	if err != nil {
		return nil, err
	}
	org := a.OrgID
	if a.OrgType == ceptor.OrgNISC {
		org = 0
	}
	all, err := store.ListSubscriptions(r.Context(), org)
	if err != nil {
		return nil, err
	}
	out := []*taxiiclient.Subscription{}
	for _, x := range all {
		if ceptor.Allow(a, ceptor.ActView, subResource(x)) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (s *Server) apiSubList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	out, err := s.subList(r, st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiSubCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in subscriptionInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.subCreate(r, st, &in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, x)
}

func (s *Server) apiSubDelete(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	x, err := s.subFind(r.Context(), st.actor, id)
	if err == nil {
		err = regAuthorize(st, ceptor.ActDeactivate, subResource(x))
	}
	if err == nil {
		store, _ := s.subStore()
		err = s.change(r, func(r *http.Request) error {
			if err := store.DeleteSubscription(r.Context(), x.ID); err != nil {
				return err
			}
			s.audit(r, "taxii_subscription.delete", ceptor.KindTAXIISub, x.ID, x.OrgID, nil)
			return nil
		})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) subPollNow(r *http.Request, st *reqState, id int64) (*taxiiclient.Subscription, error) {
	x, err := s.subFind(r.Context(), st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, subResource(x)); err != nil {
		return nil, err
	}
	s.PollSubscription(r.Context(), x.ID) // the outcome is recorded on the subscription
	return s.subFind(r.Context(), st.actor, id)
}

func (s *Server) apiSubPoll(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	x, err := s.subPollNow(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

type subPageData struct {
	Subs      []*taxiiclient.Subscription
	CanCreate bool
	TLPs      []ceptor.TLP
}

func (s *Server) subPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	subs, err := s.subList(r, st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := subPageData{Subs: subs, TLPs: ceptor.TLPs,
		CanCreate: ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindTAXIISub, OrgID: st.actor.OrgID})}
	s.render(w, r, http.StatusOK, "taxii_subscriptions", s.page(w, r, i18n.T(st.lang, "sub.title"), d))
}

func (s *Server) subPageCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	mins, _ := strconv.Atoi(r.FormValue("interval_minutes"))
	in := subscriptionInput{Name: r.FormValue("name"), APIRoot: r.FormValue("api_root"), CollectionID: r.FormValue("collection_id"),
		Username: r.FormValue("username"), Secret: r.FormValue("secret"), IntervalMinutes: mins, DefaultTLP: r.FormValue("default_tlp")}
	if _, err := s.subCreate(r, st, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/taxii/subscriptions", http.StatusSeeOther)
}

func (s *Server) subPagePoll(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.fail(w, r, regNotFound())
		return
	}
	if _, err := s.subPollNow(r, st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/taxii/subscriptions", http.StatusSeeOther)
}
