package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

// Operations of the safety-standards module shared by the pages and the
// API: every one asks the policy, and every change, its audit entry, its
// notifications (with their e-mail jobs) commit together.

// ---- catalogs ----

// catalogImportInput is what an import names besides the file.
type catalogImportInput struct {
	Code        string
	Title       string
	Edition     string
	PublishedOn string
	Format      string // csv, xlsx, oscal; "" guesses from the file
}

// importFailure is an import refused with row-level problems.
type importFailure struct {
	Problems []ceptor.ImportError
}

func (e *importFailure) Error() string {
	return fmt.Sprintf("%d problems in the file", len(e.Problems))
}

// catalogFormat guesses the format of an upload from its name and bytes.
func catalogFormat(name string, data []byte) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".xlsx":
		return "xlsx"
	case ".json":
		return "oscal"
	case ".csv", ".txt":
		return "csv"
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK")):
		return "xlsx"
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")):
		return "oscal"
	}
	return "csv"
}

func (s *Server) sectorCodeSet(ctx context.Context) (func(string) bool, map[int64]string, error) {
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		return nil, nil, err
	}
	codes := map[string]bool{}
	byID := map[int64]string{}
	for _, x := range sectors {
		codes[x.Code] = true
		byID[x.ID] = x.Code
	}
	return func(c string) bool { return codes[c] }, byID, nil
}

// parseCatalog reads items from an upload in any of the three formats.
func (s *Server) parseCatalog(ctx context.Context, data []byte, name string, in *catalogImportInput) ([]ceptor.CatalogItem, error) {
	known, _, err := s.sectorCodeSet(ctx)
	if err != nil {
		return nil, err
	}
	format := in.Format
	if format == "" {
		format = catalogFormat(name, data)
	}
	var items []ceptor.CatalogItem
	var errs []ceptor.ImportError
	switch format {
	case "csv":
		items, errs = ceptor.ReadCatalogCSV(bytes.NewReader(data), known)
	case "xlsx":
		t := &ceptor.TableReader{Known: known}
		if p := readXLSXRows(data, []string{"catalog", "対策項目"}, t.Feed); p != nil {
			errs = []ceptor.ImportError{*p}
		} else {
			items, errs = t.Finish()
		}
	case "oscal":
		var meta ceptor.CatalogMeta
		meta, items, errs = ceptor.ReadCatalogOSCAL(bytes.NewReader(data), known)
		if in.Title == "" {
			in.Title = meta.Title
		}
		if in.PublishedOn == "" && len(meta.Published) >= 10 {
			in.PublishedOn = meta.Published[:10]
		}
	default:
		return nil, ceptor.Invalid(map[string]string{"format": "std.err.format"})
	}
	in.Format = format
	if len(errs) > 0 {
		return nil, &importFailure{Problems: errs}
	}
	return items, nil
}

// opImportCatalog stores an uploaded catalog as the next version of its code.
func (s *Server) opImportCatalog(r *http.Request, st *reqState, data []byte, name string, in catalogImportInput) (*ceptor.Catalog, error) {
	if err := ceptor.Authorize(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindCatalog}); err != nil {
		return nil, err
	}
	ctx := r.Context()
	items, err := s.parseCatalog(ctx, data, name, &in)
	if err != nil {
		return nil, err
	}
	if in.Code == "" {
		in.Code = "guideline"
	}
	c := &ceptor.Catalog{Code: in.Code, Title: in.Title, Edition: in.Edition, PublishedOn: in.PublishedOn, Source: in.Format, CreatedBy: st.actor.UserID}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.CreateCatalog(ctx, c, items); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "catalog.import", ceptor.KindCatalog, c.ID, st.actor.OrgID,
			map[string]any{"code": c.Code, "version": c.Version, "items": c.ItemCount, "format": in.Format, "file": name})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// findCatalog returns a catalog the caller may see.
func (s *Server) findCatalog(ctx context.Context, st *reqState, id int64, act ceptor.Action) (*ceptor.Catalog, error) {
	c, err := s.store.FindCatalog(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, act, ceptor.Resource{Kind: ceptor.KindCatalog}); err != nil {
		return nil, err
	}
	return c, nil
}

// ---- campaigns ----

func campaignResource(c *ceptor.SurveyCampaign) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindSurvey, SectorIDs: c.SectorIDs, CeptorIDs: c.CeptorIDs, Draft: c.Status == ceptor.SurveyDraft}
}

// surveyRole is how the caller relates to a campaign.
type surveyRole int

const (
	surveyNone       surveyRole = iota
	surveyManager               // sees the campaign and its progress (NISC, ministries of its sectors)
	surveyRespondent            // an organisation asked to answer
)

// findCampaign returns a campaign and how the caller relates to it; a
// campaign the caller may neither see nor answer is not found.
func (s *Server) findCampaign(ctx context.Context, st *reqState, id int64) (*ceptor.SurveyCampaign, surveyRole, error) {
	c, err := s.store.FindCampaign(ctx, id)
	if err != nil {
		return nil, surveyNone, err
	}
	if ceptor.Allow(st.actor, ceptor.ActView, campaignResource(c)) {
		return c, surveyManager, nil
	}
	if c.Status != ceptor.SurveyDraft {
		if _, err := s.store.FindSurveyTarget(ctx, id, st.actor.OrgID); err == nil {
			return c, surveyRespondent, nil
		} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
			return nil, surveyNone, err
		}
	}
	return nil, surveyNone, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
}

// campaignInput is what NISC enters to build a campaign.
type campaignInput struct {
	Title      string `json:"title"`
	FiscalYear int    `json:"fiscal_year"`
	CatalogID  int64  `json:"catalog_id"`
	Per        string `json:"per"` // item (default) or group
	Deadline   string `json:"deadline,omitempty"`
}

func (s *Server) opCreateCampaign(r *http.Request, st *reqState, in campaignInput) (*ceptor.SurveyCampaign, error) {
	if err := ceptor.Authorize(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindSurvey}); err != nil {
		return nil, err
	}
	ctx := r.Context()
	c := &ceptor.SurveyCampaign{Title: in.Title, FiscalYear: in.FiscalYear, CatalogID: in.CatalogID, Per: in.Per, Deadline: in.Deadline, CreatedBy: st.actor.UserID}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	items, err := s.store.CatalogItems(ctx, c.CatalogID)
	if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		return nil, ceptor.Invalid(map[string]string{"catalog_id": "survey.err.catalog"})
	}
	if err != nil {
		return nil, err
	}
	c.Questions = ceptor.BuildQuestions(items, c.Per)
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.CreateCampaign(ctx, c); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "survey.create", ceptor.KindSurvey, c.ID, st.actor.OrgID, map[string]any{"title": c.Title, "catalog_id": c.CatalogID, "per": c.Per})
		return nil
	})
	return c, err
}

// targetInput selects the operators a campaign asks.
type targetInput struct {
	SectorIDs []int64 `json:"sector_ids"`
	CeptorIDs []int64 `json:"ceptor_ids"`
	OrgIDs    []int64 `json:"org_ids"`
}

// resolveTargets lists the active operators that the selection covers,
// each counted in one sector and one CEPTOR (the selected ones first).
func (s *Server) resolveTargets(ctx context.Context, in targetInput) ([]ceptor.SurveyTarget, error) {
	active := true
	orgs, _, err := s.store.ListOrgs(ctx, ceptor.OrgFilter{Type: ceptor.OrgOperator, Active: &active})
	if err != nil {
		return nil, err
	}
	pick := func(have, prefer []int64) int64 {
		for _, x := range have {
			if slices.Contains(prefer, x) {
				return x
			}
		}
		if len(have) > 0 {
			return have[0]
		}
		return 0
	}
	var out []ceptor.SurveyTarget
	for _, o := range orgs {
		hit := slices.Contains(in.OrgIDs, o.ID)
		for _, x := range o.SectorIDs {
			hit = hit || slices.Contains(in.SectorIDs, x)
		}
		for _, x := range o.CeptorIDs {
			hit = hit || slices.Contains(in.CeptorIDs, x)
		}
		if hit {
			out = append(out, ceptor.SurveyTarget{OrgID: o.ID, SectorID: pick(o.SectorIDs, in.SectorIDs), CeptorID: pick(o.CeptorIDs, in.CeptorIDs)})
		}
	}
	return out, nil
}

func (s *Server) opTargetCampaign(r *http.Request, st *reqState, id int64, in targetInput) (*ceptor.SurveyCampaign, error) {
	ctx := r.Context()
	c, _, err := s.findCampaign(ctx, st, id)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, campaignResource(c)); err != nil {
		return nil, err
	}
	if c.Status != ceptor.SurveyDraft {
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign is no longer a draft", Key: "survey.err.not_draft"}
	}
	targets, err := s.resolveTargets(ctx, in)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, ceptor.Invalid(map[string]string{"targets": "survey.err.no_targets"})
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SetCampaignTargets(ctx, id, targets); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "survey.target", ceptor.KindSurvey, id, st.actor.OrgID,
			map[string]any{"sector_ids": in.SectorIDs, "ceptor_ids": in.CeptorIDs, "org_ids": in.OrgIDs, "targets": len(targets)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.FindCampaign(ctx, id)
}

// opCampaignState opens or closes a campaign. Opening invites every target
// (in-app and, by their choices, e-mail through the job queue) in the same
// transaction.
func (s *Server) opCampaignState(r *http.Request, st *reqState, id int64, to string) (*ceptor.SurveyCampaign, error) {
	ctx := r.Context()
	c, _, err := s.findCampaign(ctx, st, id)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, campaignResource(c)); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	switch {
	case to == ceptor.SurveyOpen && c.Status == ceptor.SurveyDraft:
		if c.Targets == 0 {
			return nil, ceptor.Invalid(map[string]string{"targets": "survey.err.no_targets"})
		}
		c.OpenedAt = &now
	case to == ceptor.SurveyClosed && c.Status == ceptor.SurveyOpen:
		c.ClosedAt = &now
	default:
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign cannot go to that state from " + c.Status, Key: "survey.err.state"}
	}
	c.Status = to
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateCampaign(ctx, c); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "survey."+map[string]string{ceptor.SurveyOpen: "open", ceptor.SurveyClosed: "close"}[to], ceptor.KindSurvey, id, st.actor.OrgID, map[string]any{"title": c.Title})
		if to == ceptor.SurveyOpen {
			return s.surveyNotify(ctx, c, false)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.live.Publish(ctx, surveyTopic(id))
	return c, nil
}

// opRemind reminds every target that has not submitted.
func (s *Server) opRemind(r *http.Request, st *reqState, id int64) (int, error) {
	ctx := r.Context()
	c, _, err := s.findCampaign(ctx, st, id)
	if err != nil {
		return 0, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, campaignResource(c)); err != nil {
		return 0, err
	}
	if c.Status != ceptor.SurveyOpen {
		return 0, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "only an open campaign sends reminders", Key: "survey.err.state"}
	}
	var n int
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		now := s.now().UTC()
		c.RemindedAt = &now
		if err := s.store.UpdateCampaign(ctx, c); err != nil {
			return err
		}
		var err error
		n, err = s.surveyNotifyCount(ctx, c, true)
		if err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "survey.remind", ceptor.KindSurvey, id, st.actor.OrgID, map[string]any{"reminded": n})
		return nil
	})
	return n, err
}

func (s *Server) surveyNotify(ctx context.Context, c *ceptor.SurveyCampaign, reminder bool) error {
	_, err := s.surveyNotifyCount(ctx, c, reminder)
	return err
}

// surveyNotifyCount notifies the targets (for a reminder: those that have
// not submitted) and stamps them; it must run inside Atomic.
func (s *Server) surveyNotifyCount(ctx context.Context, c *ceptor.SurveyCampaign, reminder bool) (int, error) {
	targets, err := s.store.CampaignTargets(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	kind, key := "survey.invited", "survey.notify.invited"
	if reminder {
		kind, key = "survey.reminder", "survey.notify.reminder"
	}
	deadline := c.Deadline
	if deadline == "" {
		deadline = "—"
	}
	var ids []int64
	for _, t := range targets {
		if reminder && t.Status == ceptor.ResponseSubmitted {
			continue
		}
		n := &ceptor.Notification{OrgID: t.OrgID, Kind: kind, MessageKey: key,
			Args: []ceptor.NotificationArg{ceptor.ArgText(c.Title), ceptor.ArgText(deadline)}, Link: fmt.Sprintf("/surveys/%d/answer", c.ID),
			// The last reminder (a day or less before the deadline, or
			// after it) is urgent, so that it is e-mailed even to people
			// who left the survey group at its default (urgent only).
			Urgent: reminder && surveyDeadlineNear(c, s.now())}
		if err := s.notify(ctx, n); err != nil {
			return 0, err
		}
		ids = append(ids, t.OrgID)
	}
	return len(ids), s.store.MarkSurveyNotified(ctx, c.ID, ids, reminder, s.now())
}

func surveyTopic(id int64) string { return "survey:" + strconv.FormatInt(id, 10) }

// ---- responses ----

// surveyContext is a campaign seen by one responding organisation.
type surveyContext struct {
	C        *ceptor.SurveyCampaign
	Org      *ceptor.Organization
	Target   *ceptor.SurveyTarget
	Sector   string // the sector code questions are filtered by
	Response *ceptor.SurveyResponse
	Stored   bool // the response exists
}

// responseResource describes an organisation's response for the policy.
func responseResource(org *ceptor.Organization, r *ceptor.SurveyResponse) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindSurveyResponse, OrgID: org.ID, OrgType: org.Type, SectorIDs: org.SectorIDs, Draft: r.Status != ceptor.ResponseSubmitted}
}

// loadResponse returns the response of orgID to campaign id, or an empty
// draft, after asking the policy for act.
func (s *Server) loadResponse(ctx context.Context, st *reqState, id, orgID int64, act ceptor.Action) (*surveyContext, error) {
	c, err := s.store.FindCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	notFound := &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
	t, err := s.store.FindSurveyTarget(ctx, id, orgID)
	if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	org, err := s.store.FindOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	_, codes, err := s.sectorCodeSet(ctx)
	if err != nil {
		return nil, err
	}
	sc := &surveyContext{C: c, Org: org, Target: t, Sector: codes[t.SectorID]}
	resp, err := s.store.FindResponse(ctx, id, orgID)
	switch {
	case err == nil:
		sc.Response, sc.Stored = resp, true
	case ceptor.ErrorCode(err) == ceptor.ENOTFOUND:
		sc.Response = &ceptor.SurveyResponse{CampaignID: id, OrgID: orgID, SectorID: t.SectorID, Status: ceptor.ResponseDraft, Answers: ceptor.NewAnswers(c.Questions, sc.Sector)}
	default:
		return nil, err
	}
	if !ceptor.Allow(st.actor, ceptor.ActView, responseResource(org, sc.Response)) {
		return nil, notFound
	}
	if c.Status == ceptor.SurveyDraft && orgID == st.actor.OrgID {
		return nil, notFound
	}
	if act != ceptor.ActView {
		if err := ceptor.Authorize(st.actor, act, responseResource(org, sc.Response)); err != nil {
			if sc.Response.Status == ceptor.ResponseSubmitted && orgID == st.actor.OrgID {
				return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the response has already been submitted", Key: "survey.err.submitted"}
			}
			return nil, err
		}
		if c.Status != ceptor.SurveyOpen {
			return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign is not open", Key: "survey.err.closed"}
		}
	}
	return sc, nil
}

// responseInput is an answer sheet as people and programs send it.
type responseInput struct {
	// Answers maps a question key (item id, or group|tier) to an answer
	// code: implemented, partly, planned, not, na ("" clears it).
	Answers map[string]string `json:"answers"`
	// The extra questions: yes or no ("" clears); left out, they keep
	// their saved value.
	CSIRT     *string `json:"csirt,omitempty"`
	Exercises *string `json:"exercises,omitempty"`
	Executive *string `json:"executive,omitempty"`
	Comments  *string `json:"comments,omitempty"`
	// Version, when not 0, must be the stored version (someone else may
	// have saved in the meantime).
	Version int `json:"version"`
}

// applyInput merges in into the response; unknown keys and codes are
// field errors.
func applyInput(sc *surveyContext, in responseInput) error {
	f := map[string]string{}
	b := []byte(sc.Response.Answers)
	idx := map[string]int{}
	for i, q := range sc.C.Questions {
		idx[q.Key] = i
	}
	for k, v := range in.Answers {
		i, ok := idx[k]
		if !ok {
			f["answers."+k] = "survey.err.unknown_question"
			continue
		}
		a, ok := ceptor.ParseAnswer(v)
		if !ok {
			f["answers."+k] = "survey.err.answer"
			continue
		}
		b[i] = byte(a)
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	r := sc.Response
	r.Answers = string(b)
	for _, f := range []struct{ dst, src *string }{{&r.CSIRT, in.CSIRT}, {&r.Exercises, in.Exercises}, {&r.Executive, in.Executive}, {&r.Comments, in.Comments}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if in.Version != 0 {
		r.Version = in.Version
	}
	return nil
}

// opSaveResponse stores the caller's organisation's answers; with submit
// it checks that every question is answered and submits them, once.
func (s *Server) opSaveResponse(r *http.Request, st *reqState, id, orgID int64, in responseInput, submit bool) (*surveyContext, error) {
	ctx := r.Context()
	sc, err := s.loadResponse(ctx, st, id, orgID, ceptor.ActUpdate)
	if err != nil {
		return nil, err
	}
	if err := applyInput(sc, in); err != nil {
		return sc, err
	}
	if err := s.saveChecked(r, st, sc, submit, "survey.answer"); err != nil {
		return sc, err
	}
	return sc, nil
}

// saveChecked validates and stores sc.Response and records it.
func (s *Server) saveChecked(r *http.Request, st *reqState, sc *surveyContext, submit bool, action string) error {
	ctx := r.Context()
	resp := sc.Response
	if err := ceptor.CheckResponse(resp, sc.C.Questions, sc.Sector, submit); err != nil {
		return err
	}
	resp.SectorID = sc.Target.SectorID
	resp.UpdatedBy = st.actor.UserID
	resp.Status = ceptor.ResponseDraft
	if submit {
		resp.Status, resp.SubmittedBy = ceptor.ResponseSubmitted, st.actor.UserID
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveResponse(ctx, resp); err != nil {
			return err
		}
		act := action + ".save"
		if submit {
			act = action + ".submit"
		}
		s.audit(r.WithContext(ctx), act, ceptor.KindSurveyResponse, resp.ID, sc.Org.ID, map[string]any{"campaign_id": sc.C.ID})
		return nil
	})
	if err != nil {
		return err
	}
	sc.Stored = true
	s.live.Publish(ctx, surveyTopic(sc.C.ID))
	return nil
}

// opUploadResponse reads an answer workbook for the caller's organisation
// and saves it (submitting it when asked); nothing is stored when any row
// is wrong.
func (s *Server) opUploadResponse(r *http.Request, st *reqState, id int64, data []byte, submit bool) (*surveyContext, error) {
	ctx := r.Context()
	sc, err := s.loadResponse(ctx, st, id, st.actor.OrgID, ceptor.ActUpdate)
	if err != nil {
		return nil, err
	}
	rd := &ceptor.SurveyReader{Questions: sc.C.Questions, OrgID: st.actor.OrgID}
	if p := readXLSXRows(data, []string{"回答", "answers"}, rd.Feed); p != nil {
		return sc, &importFailure{Problems: []ceptor.ImportError{*p}}
	}
	got, errs := rd.Finish()
	if len(errs) > 0 {
		return sc, &importFailure{Problems: errs}
	}
	up := got[0]
	prev := sc.Response
	// Rows left out of the file keep what was saved before.
	b := []byte(prev.Answers)
	for i := range b {
		if i < len(up.Answers) && ceptor.Answer(up.Answers[i]) != ceptor.AnswerNone {
			b[i] = up.Answers[i]
		}
	}
	prev.Answers = string(b)
	for _, f := range []struct{ dst, src *string }{{&prev.CSIRT, &up.CSIRT}, {&prev.Exercises, &up.Exercises}, {&prev.Executive, &up.Executive}, {&prev.Comments, &up.Comments}} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	return sc, s.saveChecked(r, st, sc, submit, "survey.upload")
}

// opBulkImport stores offline answers of many organisations from one
// workbook (NISC), submitted, all or nothing.
func (s *Server) opBulkImport(r *http.Request, st *reqState, id int64, data []byte) (int, error) {
	ctx := r.Context()
	c, _, err := s.findCampaign(ctx, st, id)
	if err != nil {
		return 0, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActImport, campaignResource(c)); err != nil {
		return 0, err
	}
	if c.Status != ceptor.SurveyOpen {
		return 0, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the campaign is not open", Key: "survey.err.closed"}
	}
	n, err := s.importSheets(ctx, c, data, func(orgID int64) bool { return true })
	if err != nil {
		return 0, err
	}
	s.audit(r, "survey.bulk_import", ceptor.KindSurvey, id, st.actor.OrgID, map[string]any{"responses": n})
	s.live.Publish(ctx, surveyTopic(id))
	return n, nil
}

// importSheets reads a bulk answer workbook and stores every response in
// one transaction (the benchmark calls it too).
func (s *Server) importSheets(ctx context.Context, c *ceptor.SurveyCampaign, data []byte, _ func(int64) bool) (int, error) {
	targets, err := s.store.CampaignTargets(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	byOrg := map[int64]ceptor.SurveyTarget{}
	for _, t := range targets {
		byOrg[t.OrgID] = t
	}
	_, codes, err := s.sectorCodeSet(ctx)
	if err != nil {
		return 0, err
	}
	rd := &ceptor.SurveyReader{Questions: c.Questions, Allowed: func(id int64) bool { _, ok := byOrg[id]; return ok }}
	if p := readXLSXRows(data, []string{"回答", "answers"}, rd.Feed); p != nil {
		return 0, &importFailure{Problems: []ceptor.ImportError{*p}}
	}
	got, errs := rd.Finish()
	if len(errs) > 0 {
		return 0, &importFailure{Problems: errs}
	}
	var problems ceptor.ImportErrors
	for _, resp := range got {
		t := byOrg[resp.OrgID]
		resp.CampaignID, resp.SectorID = c.ID, t.SectorID
		if err := ceptor.CheckResponse(resp, c.Questions, codes[t.SectorID], true); err != nil {
			problems.Add(ceptor.ImportError{Column: "org_id", Key: "survey.err.incomplete", Value: strconv.FormatInt(resp.OrgID, 10)})
		}
		resp.Status = ceptor.ResponseSubmitted
	}
	if len(problems.List) > 0 {
		return 0, &importFailure{Problems: problems.List}
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		for _, resp := range got {
			if err := s.store.SaveResponse(ctx, resp); err != nil {
				return err
			}
		}
		return nil
	})
	return len(got), err
}

// responseWorkbook writes the answer workbook of one organisation.
func (s *Server) responseWorkbook(w http.ResponseWriter, sc *surveyContext, lang string) error {
	rows := ceptor.SurveySheetRows(sc.C.Questions, sc.Response, sc.Sector, lang)
	labels := make([]string, 0, len(ceptor.AnswerScale))
	for _, a := range ceptor.AnswerScale {
		labels = append(labels, ceptor.AnswerLabel(a, lang))
	}
	name := "回答"
	if lang == "en" {
		name = "answers"
	}
	var buf bytes.Buffer
	if err := writeStdXLSX(&buf, []stdSheet{{Name: name, Rows: rows, Widths: []float64{10, 6, 14, 18, 12, 70, 16}, DropCol: 6, DropDown: labels}}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="survey-%d-org-%d.xlsx"`, sc.C.ID, sc.Org.ID))
	_, err := buf.WriteTo(w)
	return err
}

// ---- statistics ----

// surveyStatsView is what one caller may see of a campaign's statistics.
type surveyStatsView struct {
	C         *ceptor.SurveyCampaign
	Stats     *ceptor.SurveyStats
	Whole     bool // NISC: every sector, exact
	Threshold int
	Sectors   []*ceptor.Sector // sectors shown, in registry order
	Hidden    map[int64]bool   // sectors with too few respondents to show
	Progress  *ceptor.SurveyProgress
}

// surveyStatsFor computes the statistics of a campaign as the caller may
// see them: NISC the programme; a ministry (or an executive) the targeted
// sectors the statistics policy gives it, each hidden below the threshold.
func (s *Server) surveyStatsFor(ctx context.Context, st *reqState, id int64) (*surveyStatsView, error) {
	c, err := s.store.FindCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &surveyStatsView{C: c, Hidden: map[int64]bool{}}
	v.Whole = ceptor.Allow(st.actor, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindStats})
	visible := c.SectorIDs
	if !v.Whole {
		visible = ceptor.StatsSectors(st.actor, c.SectorIDs)
		if len(visible) == 0 || c.Status == ceptor.SurveyDraft {
			return nil, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
		}
	}
	v.Threshold = ceptor.StatsThreshold(st.actor)
	sheets, err := s.store.SurveySheets(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.Whole {
		kept := sheets[:0]
		for _, sh := range sheets {
			if slices.Contains(visible, sh.SectorID) {
				kept = append(kept, sh)
			}
		}
		sheets = kept
	}
	v.Stats = ceptor.ComputeSurveyStats(c.Questions, sheets)
	all, err := s.store.ListSectors(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range all {
		if slices.Contains(visible, x.ID) {
			v.Sectors = append(v.Sectors, x)
			if g := v.Stats.Sector(x.ID); g == nil || g.Respondents < v.Threshold {
				v.Hidden[x.ID] = v.Threshold > 0
			}
		}
	}
	if v.Threshold > 0 && v.Stats.Overall.Respondents < v.Threshold {
		v.Hidden[0] = true
	}
	return v, nil
}

// surveyComparison is an operator's own answers against its sector.
type surveyComparison struct {
	SC          *surveyContext
	Sector      *ceptor.Sector
	Group       *ceptor.SurveyGroupStats // nil when hidden
	Others      int                      // submitted responses of the sector besides the caller's
	MinOthers   int
	OwnBaseline float64
	OwnLeading  float64
}

// surveyComparisonFor compares the caller's organisation's answers with the
// distribution of its sector. The sector is shown only when at least
// StatsMinCount other organisations have submitted, so that the
// distribution never points at one of them.
func (s *Server) surveyComparisonFor(ctx context.Context, st *reqState, id int64) (*surveyComparison, error) {
	sc, err := s.loadResponse(ctx, st, id, st.actor.OrgID, ceptor.ActView)
	if err != nil {
		return nil, err
	}
	cmp := &surveyComparison{SC: sc, MinOthers: ceptor.StatsMinCount}
	if sec, err := s.store.FindSector(ctx, sc.Target.SectorID); err == nil {
		cmp.Sector = sec
	}
	cmp.OwnBaseline, cmp.OwnLeading = ceptor.SheetShares(sc.Response.Answers, sc.C.Questions)
	sheets, err := s.store.SurveySheets(ctx, id)
	if err != nil {
		return nil, err
	}
	var mine []ceptor.SurveySheet
	for _, sh := range sheets {
		if sh.SectorID == sc.Target.SectorID {
			mine = append(mine, sh)
			if sh.OrgID != st.actor.OrgID {
				cmp.Others++
			}
		}
	}
	if cmp.Others >= ceptor.StatsMinCount {
		g := ceptor.ComputeSurveyStats(sc.C.Questions, mine).Overall
		cmp.Group = &g
	}
	return cmp, nil
}

// surveyYearRow is one campaign in the comparison across years.
type surveyYearRow struct {
	C       *ceptor.SurveyCampaign
	Overall ceptor.SurveyTotals
	Sectors map[int64]ceptor.SurveyTotals
}

// surveyYears returns the opened campaigns, oldest first, with their
// headline figures from the database (one GROUP BY).
func (s *Server) surveyYears(ctx context.Context) ([]surveyYearRow, error) {
	list, err := s.store.ListCampaigns(ctx, ceptor.SurveyFilter{})
	if err != nil {
		return nil, err
	}
	var ids []int64
	var rows []surveyYearRow
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Status == ceptor.SurveyDraft {
			continue
		}
		ids = append(ids, list[i].ID)
		rows = append(rows, surveyYearRow{C: list[i], Sectors: map[int64]ceptor.SurveyTotals{}})
	}
	tot, err := s.store.SurveyTotals(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range tot {
		for i := range rows {
			if rows[i].C.ID != t.CampaignID {
				continue
			}
			rows[i].Sectors[t.SectorID] = t
			o := &rows[i].Overall
			o.Respondents += t.Respondents
			o.BaselineAll += t.BaselineAll
			o.LeadingAll += t.LeadingAll
			o.CSIRT += t.CSIRT
			o.Exercises += t.Exercises
			o.Executive += t.Executive
		}
	}
	return rows, nil
}

// versionMapping maps the questions of campaign cur to those of campaign
// prev through the catalog versions between them: for each question of cur
// (by index), the index of the question of prev it continues, or -1.
func (s *Server) versionMapping(ctx context.Context, cur, prev *ceptor.SurveyCampaign) ([]int, error) {
	out := make([]int, len(cur.Questions))
	for i := range out {
		out[i] = -1
	}
	if cur.Per != prev.Per {
		return out, nil
	}
	prevIdx := map[string]int{}
	for i, q := range prev.Questions {
		for _, it := range q.ItemIDs {
			prevIdx[it] = i
		}
		prevIdx["key:"+q.Key] = i
	}
	if cur.Per == ceptor.SurveyPerGroup {
		for i, q := range cur.Questions {
			if j, ok := prevIdx["key:"+q.Key]; ok {
				out[i] = j
			}
		}
		return out, nil
	}
	// ids[i]: the item ids question i stands for, walked back one catalog
	// version at a time until the previous campaign's catalog.
	ids := make([][]string, len(cur.Questions))
	for i, q := range cur.Questions {
		ids[i] = slices.Clone(q.ItemIDs)
	}
	catID := cur.CatalogID
	for steps := 0; catID != prev.CatalogID && steps < 20; steps++ {
		cat, err := s.store.FindCatalog(ctx, catID)
		if err != nil {
			return nil, err
		}
		if cat.PrevID == 0 {
			return out, nil // not an ancestor: nothing maps
		}
		items, err := s.store.CatalogItems(ctx, catID)
		if err != nil {
			return nil, err
		}
		older, err := s.store.CatalogItems(ctx, cat.PrevID)
		if err != nil {
			return nil, err
		}
		old := map[string]*ceptor.CatalogItem{}
		for k := range older {
			old[older[k].ItemID] = &older[k]
		}
		byID := map[string]*ceptor.CatalogItem{}
		for k := range items {
			byID[items[k].ItemID] = &items[k]
		}
		for i := range ids {
			var next []string
			for _, id := range ids[i] {
				if it := byID[id]; it != nil {
					next = append(next, ceptor.PrevItemsOf(it, old)...)
				}
			}
			ids[i] = next
		}
		catID = cat.PrevID
	}
	if catID != prev.CatalogID {
		return out, nil
	}
	for i := range ids {
		for _, id := range ids[i] {
			if j, ok := prevIdx[id]; ok {
				out[i] = j
				break
			}
		}
	}
	return out, nil
}

// surveyDeadlineNear reports whether a campaign's deadline (the end of
// its day, Japan time) is a day or less away, or past.
func surveyDeadlineNear(c *ceptor.SurveyCampaign, now time.Time) bool {
	if c.Deadline == "" {
		return false
	}
	d, err := time.ParseInLocation("2006-01-02", c.Deadline, ceptor.Tokyo)
	return err == nil && !now.Before(d.AddDate(0, 0, 1).Add(-24*time.Hour))
}

// surveyDeadlinePassed reports whether a campaign's deadline (Japan time)
// has passed.
func surveyDeadlinePassed(c *ceptor.SurveyCampaign, now time.Time) bool {
	if c.Deadline == "" {
		return false
	}
	d, err := time.ParseInLocation("2006-01-02", c.Deadline, ceptor.Tokyo)
	return err == nil && now.After(d.AddDate(0, 0, 1))
}
