package web

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"ceptor"
)

// The safety-standards API: catalogs, survey campaigns, responses,
// statistics and the standards register, under /api/v1, decided by the same
// policy and the same operations as the pages.

// apiCatalog is a catalog version with, on GET by id, its items and changes.
type apiCatalog struct {
	*ceptor.Catalog
	Items   []ceptor.CatalogItem   `json:"items,omitempty"`
	Changes []ceptor.CatalogChange `json:"changes,omitempty"`
}

// apiCampaign is a campaign as the API shows it.
type apiCampaign struct {
	ID         int64                   `json:"id"`
	Title      string                  `json:"title"`
	FiscalYear int                     `json:"fiscal_year"`
	CatalogID  int64                   `json:"catalog_id"`
	Per        string                  `json:"per"`
	Status     string                  `json:"status"`
	Deadline   string                  `json:"deadline,omitempty"`
	SectorIDs  []int64                 `json:"sector_ids"`
	Targets    int                     `json:"targets"`
	Questions  []ceptor.SurveyQuestion `json:"questions"`
	CreatedAt  time.Time               `json:"created_at"`
	OpenedAt   *time.Time              `json:"opened_at,omitempty"`
	ClosedAt   *time.Time              `json:"closed_at,omitempty"`
}

func toAPICampaign(c *ceptor.SurveyCampaign) apiCampaign {
	out := apiCampaign{ID: c.ID, Title: c.Title, FiscalYear: c.FiscalYear, CatalogID: c.CatalogID, Per: c.Per, Status: c.Status, Deadline: c.Deadline,
		SectorIDs: c.SectorIDs, Targets: c.Targets, Questions: c.Questions, CreatedAt: c.CreatedAt, OpenedAt: c.OpenedAt, ClosedAt: c.ClosedAt}
	if out.SectorIDs == nil {
		out.SectorIDs = []int64{}
	}
	if out.Questions == nil {
		out.Questions = []ceptor.SurveyQuestion{}
	}
	return out
}

// apiResponse is an organisation's answers, keyed by question.
type apiResponse struct {
	CampaignID  int64             `json:"campaign_id"`
	OrgID       int64             `json:"org_id"`
	SectorID    int64             `json:"sector_id"`
	Status      string            `json:"status"` // draft, submitted
	Answers     map[string]string `json:"answers"`
	CSIRT       string            `json:"csirt"`
	Exercises   string            `json:"exercises"`
	Executive   string            `json:"executive"`
	Comments    string            `json:"comments"`
	BaselineAll bool              `json:"baseline_all"`
	LeadingAll  bool              `json:"leading_all"`
	Asked       int               `json:"asked"`    // questions that apply to the organisation
	Answered    int               `json:"answered"` // of those, answered
	Version     int               `json:"version"`  // 0: nothing saved yet
	UpdatedAt   *time.Time        `json:"updated_at,omitempty"`
	SubmittedAt *time.Time        `json:"submitted_at,omitempty"`
}

func toAPIResponse(sc *surveyContext) apiResponse {
	r := sc.Response
	out := apiResponse{CampaignID: sc.C.ID, OrgID: sc.Org.ID, SectorID: sc.Target.SectorID, Status: r.Status, Answers: map[string]string{},
		CSIRT: r.CSIRT, Exercises: r.Exercises, Executive: r.Executive, Comments: r.Comments, BaselineAll: r.BaselineAll, LeadingAll: r.LeadingAll,
		SubmittedAt: r.SubmittedAt}
	if sc.Stored {
		out.Version = r.Version
		t := r.UpdatedAt
		out.UpdatedAt = &t
	}
	for i, q := range sc.C.Questions {
		if !q.AppliesTo(sc.Sector) || i >= len(r.Answers) {
			continue
		}
		out.Asked++
		a := ceptor.Answer(r.Answers[i])
		out.Answers[q.Key] = a.Code()
		if a != ceptor.AnswerNone {
			out.Answered++
		}
	}
	return out
}

// apiProgress is a campaign's response counts.
type apiProgress struct {
	CampaignID int64                      `json:"campaign_id"`
	Status     string                     `json:"status"`
	Total      ceptor.SurveyProgressRow   `json:"total"`
	BySector   []ceptor.SurveyProgressRow `json:"by_sector"`
	ByCeptor   []ceptor.SurveyProgressRow `json:"by_ceptor"` // NISC, and a secretariat for the CEPTORs it runs
}

// apiStatsGroup is one line of the statistics.
type apiStatsGroup struct {
	SectorID     int64   `json:"sector_id"` // 0: all the sectors the caller sees
	Name         string  `json:"name"`
	Suppressed   bool    `json:"suppressed,omitempty"`
	Respondents  *int    `json:"respondents"`
	BaselineAll  *int    `json:"baseline_all"`
	LeadingAll   *int    `json:"leading_all"`
	BaselineRate float64 `json:"baseline_rate"`
	LeadingRate  float64 `json:"leading_rate"`
	CSIRTRate    float64 `json:"csirt_rate"`
	ExerciseRate float64 `json:"exercise_rate"`
	BaselineDist []int   `json:"baseline_dist"` // respondents by share of baseline questions satisfied: 0-10%, ..., 90-100%, 100%
	LeadingDist  []int   `json:"leading_dist"`
}

// apiStatsItem is one question's answers overall.
type apiStatsItem struct {
	No       int      `json:"no"`
	Key      string   `json:"key"`
	Tier     string   `json:"tier"`
	Counts   []int    `json:"counts"` // implemented, partly, planned, not, na
	Rate     float64  `json:"rate"`
	PrevRate *float64 `json:"prev_rate"` // the mapped question of the previous campaign
}

// apiSurveyStats is the statistics of a campaign.
type apiSurveyStats struct {
	CampaignID     int64           `json:"campaign_id"`
	Scope          string          `json:"scope"` // programme or sectors
	MinCount       int             `json:"min_count"`
	Overall        apiStatsGroup   `json:"overall"`
	BySector       []apiStatsGroup `json:"by_sector"`
	Items          []apiStatsItem  `json:"items"`
	PrevCampaignID int64           `json:"prev_campaign_id,omitempty"`
}

func toAPIGroup(f sectorFigures) apiStatsGroup {
	g := apiStatsGroup{SectorID: f.ID, Name: f.Name, Suppressed: f.Hidden, BaselineDist: []int{}, LeadingDist: []int{}}
	if f.Hidden || f.G == nil {
		return g
	}
	n, b, l := f.G.Respondents, f.G.BaselineAll, f.G.LeadingAll
	g.Respondents, g.BaselineAll, g.LeadingAll = &n, &b, &l
	g.BaselineRate, g.LeadingRate, g.CSIRTRate, g.ExerciseRate = f.Baseline, f.Leading, f.CSIRT, f.Exercise
	g.BaselineDist, g.LeadingDist = f.G.BaselineDist[:], f.G.LeadingDist[:]
	return g
}

// apiComparison is the caller's own answers against its sector.
type apiComparison struct {
	CampaignID    int64        `json:"campaign_id"`
	SectorID      int64        `json:"sector_id"`
	Status        string       `json:"status"`
	OwnBaseline   float64      `json:"own_baseline_share"`
	OwnLeading    float64      `json:"own_leading_share"`
	SectorShown   bool         `json:"sector_shown"` // false: fewer than min_others other organisations answered
	MinOthers     int          `json:"min_others"`
	SectorBaseDis []int        `json:"sector_baseline_dist"`
	SectorLeadDis []int        `json:"sector_leading_dist"`
	Items         []apiCmpItem `json:"items"`
}

type apiCmpItem struct {
	Key        string  `json:"key"`
	Own        string  `json:"own"`
	SectorRate float64 `json:"sector_rate"`
}

type apiStandardInput struct {
	SectorID int64  `json:"sector_id"`
	Title    string `json:"title"`
	Issuer   string `json:"issuer"`
	Version  string `json:"version"`
	IssuedOn string `json:"issued_on"`
	URL      string `json:"url"`
	Note     string `json:"note"`
}

type apiStatusInput struct {
	SectorID   int64  `json:"sector_id"`
	FiscalYear int    `json:"fiscal_year"`
	Status     string `json:"status"`
	Note       string `json:"note"`
	ReviewNote string `json:"review_note"`
}

// apiStandardsYear is a year's statuses with the summary sentence.
type apiStandardsYear struct {
	FiscalYear int                       `json:"fiscal_year"`
	Summary    string                    `json:"summary"`
	Counts     map[string]int            `json:"counts"`
	Statuses   []*ceptor.StandardsStatus `json:"statuses"`
}

type apiCount struct {
	Count int `json:"count"`
}

// failImport answers an import refused with row-level problems as 422 with
// one field per problem ("line 3, tier").
func (s *Server) failImport(w http.ResponseWriter, r *http.Request, err error) {
	if f, ok := err.(*importFailure); ok {
		lang := state(r).lang
		fields := map[string]string{}
		for _, p := range f.Problems {
			k := "file"
			if p.Line > 0 {
				k = "line " + strconv.Itoa(p.Line)
			}
			if p.Column != "" {
				k += ", " + p.Column
			}
			msg := importMessage(lang, p)
			if p.Value != "" {
				msg += " (" + p.Value + ")"
			}
			fields[k] = msg
		}
		err = &ceptor.Error{Code: ceptor.EINVALID, Message: "the file has problems", Key: "std.err.file", Fields: fields}
	}
	s.fail(w, r, err)
}

func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, ceptor.ImportMaxBytes+1))
	if err != nil {
		return nil, ceptor.Invalid(map[string]string{"body": "std.imp.too_large"})
	}
	if len(data) > ceptor.ImportMaxBytes {
		return nil, ceptor.Invalid(map[string]string{"body": "std.imp.too_large"})
	}
	return data, nil
}

func (s *Server) routesAPISurveys() {
	e4 := []int{http.StatusForbidden, http.StatusNotFound}
	e422 := []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusConflict}
	idPath := func(p string) string { return p }
	format := apiParam{Name: "format", Description: "File format.", Enum: []string{"csv", "xlsx", "oscal"}}

	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/catalogs", Summary: "List guideline catalog versions", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "Every version of every guideline catalog (安全基準等策定指針), newest version first per code, with item counts by tier.",
		Response:    []apiCatalog{}}, s.apiCatalogs)
	s.handleAPI(apiDoc{Method: "GET", Path: idPath("/api/v1/catalogs/{id}"), Summary: "Get a catalog version with its items and changes", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "The items in file order and what the version added, changed, removed or mapped against the previous version.",
		Response:    apiCatalog{}, Errors: e4}, s.apiCatalog)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/catalogs", Summary: "Import a catalog version (CSV, XLSX or OSCAL JSON)", Tag: "standards", Scope: ceptor.ScopeWrite,
		Description: "The request body is the file. The new version of `code` records its changes against the previous one; maps_from must name items of that version. " +
			"Nothing is stored when any row is wrong: the 422 answer lists every problem by line and column (OSCAL: JSON path). NISC administrators and analysts.",
		Query: []apiParam{{Name: "code", Description: "Catalog code (default guideline)."}, {Name: "title", Description: "Title (OSCAL: default metadata.title)."},
			{Name: "edition", Description: "Edition, e.g. 第5版."}, {Name: "published_on", Description: "YYYY-MM-DD."}, format},
		Body: []byte{}, BodyContent: "text/csv", Response: apiCatalog{}, Status: http.StatusCreated, Errors: e422}, s.apiCatalogImport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/catalogs/{id}/export", Summary: "Export a catalog version", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "CSV (UTF-8 with BOM), XLSX or OSCAL 1.1 catalog JSON (ceptor's fields as props in its namespace).",
		Query:       []apiParam{format}, Response: []byte{}, ResponseContent: "text/csv", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, s.apiCatalogExport)

	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys", Summary: "List survey campaigns", Tag: "surveys", Scope: ceptor.ScopeRead,
		Description: "Campaigns the caller manages (NISC; a ministry: opened campaigns targeting its sectors) and those that ask the caller's organisation.",
		Response:    []apiCampaign{}}, s.apiSurveys)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/surveys", Summary: "Build a campaign from a catalog version", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "One question per item (per=item) or per group and tier (per=group), plus the extra questions (CSIRT, exercises, executive involvement, comments). The campaign starts as a draft.",
		Body:        campaignInput{}, Response: apiCampaign{}, Status: http.StatusCreated, Errors: e422}, s.apiSurveyCreate)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys/{id}", Summary: "Get a campaign", Tag: "surveys", Scope: ceptor.ScopeRead,
		Response: apiCampaign{}, Errors: e4}, s.apiSurvey)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/surveys/{id}/targets", Summary: "Target operators by sector, CEPTOR or list", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "Replaces the targets of a draft campaign with the active operators of the given sectors and CEPTORs and the listed organisations.",
		Body:        targetInput{}, Response: apiCampaign{}, Errors: e422}, s.apiSurveyTargets)
	for _, op := range []struct{ path, sum, to string }{
		{"/api/v1/surveys/{id}/open", "Open a campaign and invite its targets", ceptor.SurveyOpen},
		{"/api/v1/surveys/{id}/close", "Close a campaign", ceptor.SurveyClosed},
	} {
		s.handleAPI(apiDoc{Method: "POST", Path: op.path, Summary: op.sum, Tag: "surveys", Scope: ceptor.ScopeWrite,
			Description: "Opening notifies every target in-app and by e-mail (queued in the same transaction).",
			Response:    apiCampaign{}, Errors: e422}, s.apiSurveyState(op.to))
	}
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/surveys/{id}/remind", Summary: "Remind targets that have not submitted", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Response: apiCount{}, Errors: e422}, s.apiSurveyRemind)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys/{id}/progress", Summary: "Response progress per sector and CEPTOR", Tag: "surveys", Scope: ceptor.ScopeRead,
		Description: "Targets, drafts and submissions. A ministry sees the sectors it oversees, a CEPTOR secretariat the CEPTORs it runs.", Response: apiProgress{}, Errors: e4}, s.apiSurveyProgress)
	orgParam := apiParam{Name: "org_id", Type: "integer", Description: "NISC: the organisation whose submitted response to read (default: the caller's own)."}
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys/{id}/response", Summary: "Get the organisation's response", Tag: "surveys", Scope: ceptor.ScopeRead,
		Description: "The caller's organisation's answers (an empty draft before the first save).", Query: []apiParam{orgParam},
		Response: apiResponse{}, Errors: e4}, s.apiResponse)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/surveys/{id}/response", Summary: "Save answers (draft)", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "Merges the given answers into the draft. Several people may save; a non-zero version must match the stored one (409 otherwise).",
		Body:        responseInput{}, Response: apiResponse{}, Errors: e422}, s.apiResponseSave(false))
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/surveys/{id}/response/submit", Summary: "Submit the response (once)", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "Merges the given answers and submits: every question that applies and the three yes/no questions must be answered. A submitted response is final.",
		Body:        responseInput{}, Response: apiResponse{}, Errors: e422}, s.apiResponseSave(true))
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/surveys/{id}/response/upload", Summary: "Upload the campaign's answer workbook", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "The body is the XLSX workbook downloaded from the campaign, filled in. Every row is checked; nothing is stored when any is wrong (422 with line and column).",
		Query:       []apiParam{{Name: "submit", Type: "boolean", Description: "Submit after saving."}},
		Body:        []byte{}, BodyContent: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Response: apiResponse{}, Errors: e422}, s.apiResponseUpload)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/surveys/{id}/responses/import", Summary: "Import offline answers of many organisations (NISC)", Tag: "surveys", Scope: ceptor.ScopeWrite,
		Description: "One workbook in the answer-sheet format with org_id filled in; every response is complete and submitted, all or nothing.",
		Body:        []byte{}, BodyContent: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Response: apiCount{}, Errors: e422}, s.apiResponsesImport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys/{id}/statistics", Summary: "Statistics of a campaign", Tag: "surveys", Scope: ceptor.ScopeRead,
		Description: "Share of respondents doing every baseline and every leading measure, CSIRT and exercise rates, per sector and overall, item by item with the rate of the mapped question of the previous campaign. " +
			"NISC sees every sector exactly; a ministry its sectors, each suppressed below min_count respondents.",
		Response: apiSurveyStats{}, Errors: e4}, s.apiSurveyStats)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys/{id}/statistics/export", Summary: "Export statistics as CSV or XLSX", Tag: "surveys", Scope: ceptor.ScopeRead,
		Query: []apiParam{{Name: "format", Description: "File format (default csv).", Enum: []string{"csv", "xlsx"}}}, Response: []byte{}, ResponseContent: "text/csv", Errors: e4}, s.apiSurveyStatsExport)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/surveys/{id}/comparison", Summary: "The organisation's answers against its sector", Tag: "surveys", Scope: ceptor.ScopeRead,
		Description: "The caller's own shares and answers beside its sector's distribution; the sector is shown only when at least min_others other organisations have submitted. Never another organisation's answers.",
		Response:    apiComparison{}, Errors: e4}, s.apiSurveyComparison)

	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/standards", Summary: "List sector safety standards documents", Tag: "standards", Scope: ceptor.ScopeRead,
		Query: []apiParam{{Name: "sector_id", Type: "integer", Description: "Only this sector."}}, Response: []*ceptor.SectorStandard{}}, s.apiStandards)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/standards", Summary: "Register a standards document", Tag: "standards", Scope: ceptor.ScopeWrite,
		Description: "The sector's ministry or NISC.", Body: apiStandardInput{}, Response: ceptor.SectorStandard{}, Status: http.StatusCreated, Errors: e422}, s.apiStandardCreate)
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/standards/{id}/revisions", Summary: "Record a revision of a standards document", Tag: "standards", Scope: ceptor.ScopeWrite,
		Body: apiStandardInput{}, Response: ceptor.SectorStandard{}, Errors: e422}, s.apiStandardRevise)
	s.handleAPI(apiDoc{Method: "GET", Path: "/api/v1/standards/status", Summary: "Continuous-improvement status of a fiscal year", Tag: "standards", Scope: ceptor.ScopeRead,
		Description: "Each sector's status (revised, analysis, not_started) as its ministry entered it, NISC's review, and the year's summary. NISC sees all sectors, a ministry its own.",
		Query:       []apiParam{{Name: "fiscal_year", Type: "string", Description: "Fiscal year, default the current one."}}, Response: apiStandardsYear{}, Errors: []int{http.StatusUnprocessableEntity}}, s.apiStandardsStatus)
	s.handleAPI(apiDoc{Method: "PUT", Path: "/api/v1/standards/status", Summary: "Enter a sector's yearly status (ministry)", Tag: "standards", Scope: ceptor.ScopeWrite,
		Body: apiStatusInput{}, Response: apiStandardsYear{}, Errors: e422}, s.apiStandardsStatusSet(false))
	s.handleAPI(apiDoc{Method: "POST", Path: "/api/v1/standards/status/review", Summary: "Review a sector's yearly status (NISC)", Tag: "standards", Scope: ceptor.ScopeWrite,
		Body: apiStatusInput{}, Response: apiStandardsYear{}, Errors: e422}, s.apiStandardsStatusSet(true))
	s.routesAPIStandardFiles()
	s.routesSurveyDrafts()
}

func (s *Server) apiCatalogs(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindCatalog}); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.ListCatalogs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiCatalog, len(list))
	for i, c := range list {
		out[i] = apiCatalog{Catalog: c}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.fail(w, r, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"})
	}
	return id, ok
}

func (s *Server) apiCatalog(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := s.findCatalog(ctx, st, id, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiCatalog{Catalog: c}
	if out.Items, err = s.store.CatalogItems(ctx, id); err == nil {
		out.Changes, err = s.store.CatalogChanges(ctx, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCatalogImport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	in := catalogImportInput{Code: q.Get("code"), Title: q.Get("title"), Edition: q.Get("edition"), PublishedOn: q.Get("published_on"), Format: q.Get("format")}
	if err := ceptor.Authorize(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindCatalog}); err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Format == "" {
		switch ct := r.Header.Get("Content-Type"); {
		case len(ct) >= 16 && ct[:16] == "application/json":
			in.Format = "oscal"
		case len(ct) >= 20 && ct[:20] == "application/vnd.ope":
			in.Format = "xlsx"
		}
	}
	c, err := s.opImportCatalog(r, st, data, "upload", in)
	if err != nil {
		s.failImport(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, apiCatalog{Catalog: c})
}

func (s *Server) apiCatalogExport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	if err := s.opCatalogExport(w, r, st, id, r.URL.Query().Get("format")); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) apiSurveys(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	all, err := s.store.ListCampaigns(ctx, ceptor.SurveyFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []apiCampaign{}
	for _, c := range all {
		if _, _, err := s.findCampaign(ctx, st, c.ID); err == nil {
			out = append(out, toAPICampaign(c))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiSurveyCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in campaignInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opCreateCampaign(r, st, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPICampaign(c))
}

func (s *Server) apiSurvey(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	c, _, err := s.findCampaign(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPICampaign(c))
}

func (s *Server) apiSurveyTargets(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	var in targetInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.opTargetCampaign(r, st, id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPICampaign(c))
}

func (s *Server) apiSurveyState(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.apiActor(w, r)
		if !ok {
			return
		}
		id, ok := s.apiPathID(w, r)
		if !ok {
			return
		}
		c, err := s.opCampaignState(r, st, id, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, toAPICampaign(c))
	}
}

func (s *Server) apiSurveyRemind(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	n, err := s.opRemind(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiCount{Count: n})
}

func (s *Server) apiSurveyProgress(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	c, role, err := s.findCampaign(ctx, st, id)
	if err == nil && role != surveyManager {
		err = &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
	}
	var p *ceptor.SurveyProgress
	if err == nil {
		p, err = s.store.CampaignProgress(ctx, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p = s.progressFor(st, c, p)
	writeJSON(w, http.StatusOK, apiProgress{CampaignID: id, Status: c.Status, Total: p.Total, BySector: p.BySector, ByCeptor: p.ByCeptor})
}

func (s *Server) apiResponse(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	org := st.actor.OrgID
	if v := r.URL.Query().Get("org_id"); v != "" {
		o, err := strconv.ParseInt(v, 10, 64)
		if err != nil || o <= 0 {
			s.fail(w, r, ceptor.Invalid(map[string]string{"org_id": "survey.err.org_id"}))
			return
		}
		org = o
	}
	sc, err := s.loadResponse(r.Context(), st, id, org, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIResponse(sc))
}

func (s *Server) apiResponseSave(submit bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.apiActor(w, r)
		if !ok {
			return
		}
		id, ok := s.apiPathID(w, r)
		if !ok {
			return
		}
		var in responseInput
		if err := decodeJSON(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		sc, err := s.opSaveResponse(r, st, id, st.actor.OrgID, in, submit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, toAPIResponse(sc))
	}
}

func (s *Server) apiResponseUpload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	data, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	submit := r.URL.Query().Get("submit") == "true"
	sc, err := s.opUploadResponse(r, st, id, data, submit)
	if err != nil {
		s.failImport(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIResponse(sc))
}

func (s *Server) apiResponsesImport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	data, err := readBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.opBulkImport(r, st, id, data)
	if err != nil {
		s.failImport(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiCount{Count: n})
}

func (s *Server) apiSurveyStats(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	d, err := s.surveyStatsData(r, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiSurveyStats{CampaignID: id, Scope: "sectors", MinCount: d.V.Threshold, Overall: toAPIGroup(d.Overall), BySector: []apiStatsGroup{}, Items: []apiStatsItem{}}
	if d.V.Whole {
		out.Scope = "programme"
	}
	if d.Prev != nil {
		out.PrevCampaignID = d.Prev.ID
	}
	for _, f := range d.Rows {
		out.BySector = append(out.BySector, toAPIGroup(f))
	}
	for _, it := range d.Items {
		ai := apiStatsItem{No: it.Q.No, Key: it.Q.Key, Tier: string(it.Q.Tier), Counts: it.S.Counts[:], Rate: it.Rate}
		if it.HasPrev {
			p := it.PrevRate
			ai.PrevRate = &p
		}
		out.Items = append(out.Items, ai)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiSurveyStatsExport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	if err := s.opSurveyStatsExport(w, r, st, id, r.URL.Query().Get("format")); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) apiSurveyComparison(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	cmp, err := s.surveyComparisonFor(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc := cmp.SC
	out := apiComparison{CampaignID: id, SectorID: sc.Target.SectorID, Status: sc.Response.Status, OwnBaseline: cmp.OwnBaseline, OwnLeading: cmp.OwnLeading,
		SectorShown: cmp.Group != nil, MinOthers: cmp.MinOthers, SectorBaseDis: []int{}, SectorLeadDis: []int{}, Items: []apiCmpItem{}}
	for i, q := range sc.C.Questions {
		if !q.AppliesTo(sc.Sector) {
			continue
		}
		it := apiCmpItem{Key: q.Key, Own: ceptor.Answer(sc.Response.Answers[i]).Code()}
		if cmp.Group != nil {
			it.SectorRate = cmp.Group.Items[i].Rate()
		}
		out.Items = append(out.Items, it)
	}
	if cmp.Group != nil {
		out.SectorBaseDis, out.SectorLeadDis = cmp.Group.BaselineDist[:], cmp.Group.LeadingDist[:]
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiStandards(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	sid, _ := strconv.ParseInt(r.URL.Query().Get("sector_id"), 10, 64)
	list, err := s.store.ListStandards(r.Context(), sid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []*ceptor.SectorStandard{}
	for _, d := range list {
		if ceptor.Allow(st.actor, ceptor.ActView, standardResource(d.SectorID)) {
			out = append(out, d)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (in apiStandardInput) standard() *ceptor.SectorStandard {
	return &ceptor.SectorStandard{SectorID: in.SectorID, Title: in.Title, Issuer: in.Issuer, Version: in.Version, IssuedOn: in.IssuedOn, URL: in.URL, Note: in.Note}
}

func (s *Server) apiStandardCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in apiStandardInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	doc := in.standard()
	if doc.SectorID == 0 {
		s.fail(w, r, ceptor.Invalid(map[string]string{"sector_id": "err.required"}))
		return
	}
	if err := s.opCreateStandard(r, st, doc, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, doc)
}

func (s *Server) apiStandardRevise(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	id, ok := s.apiPathID(w, r)
	if !ok {
		return
	}
	var in apiStandardInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	doc, err := s.opReviseStandard(r, st, id, in.standard(), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) standardsYear(r *http.Request, st *reqState, fy int) (apiStandardsYear, error) {
	list, err := s.store.ListStandardsStatus(r.Context(), fy)
	if err != nil {
		return apiStandardsYear{}, err
	}
	out := apiStandardsYear{FiscalYear: fy, Statuses: []*ceptor.StandardsStatus{}}
	for _, x := range list {
		if ceptor.Allow(st.actor, ceptor.ActView, statusResource(x.SectorID)) {
			out.Statuses = append(out.Statuses, x)
		}
	}
	out.Counts = ceptor.StandardsSummary(out.Statuses)
	out.Summary = standardsSummary(st.lang, out.Counts)
	return out, nil
}

func (s *Server) apiStandardsStatus(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	fy := ceptor.FiscalYear(s.now())
	if v := r.URL.Query().Get("fiscal_year"); v != "" {
		var err error
		if fy, err = ceptor.ParseFiscalYear(v, s.now()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	out, err := s.standardsYear(r, st, fy)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiStandardsStatusSet(review bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.apiActor(w, r)
		if !ok {
			return
		}
		var in apiStatusInput
		if err := decodeJSON(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		x := &ceptor.StandardsStatus{SectorID: in.SectorID, FiscalYear: in.FiscalYear, Status: in.Status, Note: in.Note, ReviewNote: in.ReviewNote}
		if x.SectorID == 0 {
			s.fail(w, r, ceptor.Invalid(map[string]string{"sector_id": "err.required"}))
			return
		}
		var err error
		if review {
			err = s.opReviewStatus(r, st, x)
		} else {
			err = s.opSetStatus(r, st, x)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := s.standardsYear(r, st, in.FiscalYear)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}
