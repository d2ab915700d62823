package web

import (
	"net/http"
	"strconv"

	"ceptor"
)

// The C4TAP participant list: NISC and the CEPTOR Council take part
// without being listed; other organisations join when NISC's or the
// Council's administrators add them.

type c4tapMembersDoc struct {
	OrgIDs []int64 `json:"org_ids"`
}

type c4tapMemberInput struct {
	Member bool `json:"member"`
}

func (s *Server) routesC4TAPMembers() {
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/c4tap/members", Summary: "C4TAP participants", Tag: "sharing", Scope: ceptor.ScopeRead,
		Description: "The organisations that joined targeted-attack sharing (NISC and the CEPTOR Council always take part). For participants only.",
		Response:    c4tapMembersDoc{}, Errors: []int{http.StatusForbidden}}, s.apiC4TAPMembers)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/c4tap/members/{org_id}", Summary: "Add or remove a C4TAP participant", Tag: "sharing", Scope: ceptor.ScopeAdmin,
		Description: "NISC's and the CEPTOR Council's administrators keep the participant list.",
		Body:        c4tapMemberInput{}, Response: c4tapMembersDoc{}, Errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}}, s.apiSetC4TAPMember)
}

func (s *Server) apiC4TAPMembers(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if !st.actor.InC4TAP() {
		s.fail(w, r, forbidden(st))
		return
	}
	store, err := s.sharing()
	if err == nil {
		var ids []int64
		if ids, err = store.C4TAPMembers(r.Context()); err == nil {
			if ids == nil {
				ids = []int64{}
			}
			writeJSON(w, http.StatusOK, c4tapMembersDoc{OrgIDs: ids})
			return
		}
	}
	s.fail(w, r, err)
}

// setC4TAPMember adds or removes a participant for an administrator of
// NISC or the Council.
func (s *Server) setC4TAPMember(r *http.Request, st *reqState, orgID int64, member bool) error {
	if err := regAuthorize(st, ceptor.ActManageMembers, ceptor.Resource{Kind: ceptor.KindC4TAP}); err != nil {
		return err
	}
	o, err := s.store.FindOrg(r.Context(), orgID)
	if err != nil {
		return regNotFound()
	}
	store, err := s.sharing()
	if err != nil {
		return err
	}
	err = s.change(r, func(r *http.Request) error {
		if err := store.SetC4TAPMember(r.Context(), o.ID, st.actor.UserID, member); err != nil {
			return err
		}
		s.audit(r, "c4tap.member", ceptor.KindC4TAP, strconv.FormatInt(o.ID, 10), o.ID, map[string]any{"member": member})
		return nil
	})
	if err == nil {
		s.tokens.clear() // memberships are part of cached actors (other nodes: within the cache TTL)
	}
	return err
}

func (s *Server) c4tapMemberForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.FormValue("org_id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, ceptor.Invalid(map[string]string{"org_id": "err.required"}))
		return
	}
	if err := s.setC4TAPMember(r, st, id, r.FormValue("member") == "true"); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/sharing", http.StatusSeeOther)
}

func (s *Server) apiSetC4TAPMember(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	orgID, ok := s.pathID(w, r, "org_id")
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActManageMembers, ceptor.Resource{Kind: ceptor.KindC4TAP}); err != nil {
		s.fail(w, r, err)
		return
	}
	var in c4tapMemberInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.setC4TAPMember(r, st, orgID, in.Member); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiC4TAPMembers(w, r)
}
