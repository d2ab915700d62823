package web

import (
	"context"
	"fmt"
	"net/http"

	"ceptor"
)

// Renaming and deleting a survey campaign that has not been opened yet:
// only a draft, only by the administrators of the organisation that built
// it (policy_standards.go, ActUpdateProfile and ActDeactivate on
// KindSurvey). Both are audited.

// ownedCampaignResource is the campaign's policy resource with the
// organisation that built it: its creator's.
func (s *Server) ownedCampaignResource(ctx context.Context, c *ceptor.SurveyCampaign) (ceptor.Resource, error) {
	res := campaignResource(c)
	if c.CreatedBy == 0 {
		return res, nil
	}
	u, err := s.store.FindUser(ctx, c.CreatedBy)
	switch {
	case err == nil:
		res.OrgID = u.OrgID
	case ceptor.ErrorCode(err) != ceptor.ENOTFOUND:
		return res, err
	}
	return res, nil
}

// draftCampaign finds a campaign the caller sees and checks it may do act
// on it as a draft.
func (s *Server) draftCampaign(ctx context.Context, st *reqState, id int64, act ceptor.Action) (*ceptor.SurveyCampaign, error) {
	c, role, err := s.findCampaign(ctx, st, id)
	if err != nil {
		return nil, err
	}
	if role != surveyManager {
		return nil, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "forbidden", Key: "err.forbidden"}
	}
	if c.Status != ceptor.SurveyDraft {
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign is no longer a draft", Key: "survey.err.draft_only"}
	}
	res, err := s.ownedCampaignResource(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, act, res); err != nil {
		return nil, err
	}
	return c, nil
}

// opRenameCampaign changes a draft campaign's title.
func (s *Server) opRenameCampaign(r *http.Request, st *reqState, id int64, title string) (*ceptor.SurveyCampaign, error) {
	c, err := s.draftCampaign(r.Context(), st, id, ceptor.ActUpdateProfile)
	if err != nil {
		return nil, err
	}
	err = s.store.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.store.RenameDraftCampaign(ctx, id, title); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "survey.rename", ceptor.KindSurvey, id, st.actor.OrgID, map[string]any{"from": c.Title, "to": title})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.FindCampaign(r.Context(), id)
}

// opDeleteCampaign deletes a draft campaign with its targets.
func (s *Server) opDeleteCampaign(r *http.Request, st *reqState, id int64) error {
	c, err := s.draftCampaign(r.Context(), st, id, ceptor.ActDeactivate)
	if err != nil {
		return err
	}
	return s.store.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.store.DeleteDraftCampaign(ctx, id); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "survey.delete", ceptor.KindSurvey, id, st.actor.OrgID, map[string]any{"title": c.Title, "fiscal_year": c.FiscalYear, "targets": c.Targets})
		return nil
	})
}

// canEditDraft says whether the campaign page offers renaming and deleting.
func (s *Server) canEditDraft(ctx context.Context, st *reqState, c *ceptor.SurveyCampaign) (rename, del bool, err error) {
	if c.Status != ceptor.SurveyDraft {
		return false, false, nil
	}
	res, err := s.ownedCampaignResource(ctx, c)
	if err != nil {
		return false, false, err
	}
	return ceptor.Allow(st.actor, ceptor.ActUpdateProfile, res), ceptor.Allow(st.actor, ceptor.ActDeactivate, res), nil
}

// ---- pages ----

func (s *Server) surveyRename(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, err := s.opRenameCampaign(r, st, id, r.PostFormValue("title")); err != nil {
		if code := ceptor.ErrorCode(err); code == ceptor.EINVALID || code == ceptor.ECONFLICT {
			s.renderSurveyPage(w, r, st, id, statusOf(code), surveyPageData{}, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "survey.flash.renamed")
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d", id), http.StatusSeeOther)
}

func (s *Server) surveyDelete(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.opDeleteCampaign(r, st, id); err != nil {
		if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
			s.renderSurveyPage(w, r, st, id, http.StatusConflict, surveyPageData{}, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "survey.flash.deleted")
	http.Redirect(w, r, "/surveys", http.StatusSeeOther)
}

// ---- API ----

type apiRenameInput struct {
	Title string `json:"title"`
}

func (s *Server) apiSurveyRename(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	var in apiRenameInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opRenameCampaign(r, st, id, in.Title)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPICampaign(c))
}

func (s *Server) apiSurveyDelete(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	if err := s.opDeleteCampaign(r, st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// routesSurveyDrafts registers the pages and the documented API routes.
func (s *Server) routesSurveyDrafts() {
	s.mux.HandleFunc("POST /surveys/{id}/rename", s.surveyRename)
	s.mux.HandleFunc("POST /surveys/{id}/delete", s.surveyDelete)
	e := []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}
	s.handleAPI(apiDoc{Method: "PATCH", Path: "/api/v1/surveys/{id}", Summary: "Rename a draft campaign", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "Only the title, only while the campaign is a draft (409 once opened), only by an administrator of the organisation that built it. Audited.",
		Body:        apiRenameInput{}, Response: apiCampaign{}, Errors: e}, s.apiSurveyRename)
	s.handleAPI(apiDoc{Method: "DELETE", Path: "/api/v1/surveys/{id}", Summary: "Delete a draft campaign", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "With its targets; only while the campaign is a draft (409 once opened), only by an administrator of the organisation that built it. Audited.",
		Status:      http.StatusNoContent, Errors: e}, s.apiSurveyDelete)
}
