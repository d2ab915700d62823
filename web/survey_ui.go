package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The safety-standards pages: /surveys (campaigns, answering, progress,
// statistics), /catalogs (the guideline catalog) and /standards
// (the sector standards register). Japanese first.

func (s *Server) routesSurveys() {
	s.mux.HandleFunc("GET /surveys", s.surveyIndex)
	s.mux.HandleFunc("GET /catalogs", s.catalogList)
	s.mux.HandleFunc("POST /catalogs", s.catalogImport)
	s.mux.HandleFunc("GET /catalogs/{id}", s.catalogPage)
	s.mux.HandleFunc("GET /catalogs/{id}/export", s.catalogExport)
	s.mux.HandleFunc("GET /surveys/new", s.surveyNewForm)
	s.mux.HandleFunc("POST /surveys", s.surveyCreate)
	s.mux.HandleFunc("GET /surveys/trends", s.surveyTrends)
	s.mux.HandleFunc("GET /surveys/{id}", s.surveyPage)
	s.mux.HandleFunc("POST /surveys/{id}/targets", s.surveyTargets)
	s.mux.HandleFunc("POST /surveys/{id}/open", s.surveyState(ceptor.SurveyOpen))
	s.mux.HandleFunc("POST /surveys/{id}/close", s.surveyState(ceptor.SurveyClosed))
	s.mux.HandleFunc("POST /surveys/{id}/remind", s.surveyRemind)
	s.mux.HandleFunc("POST /surveys/{id}/import", s.surveyBulkImport)
	s.mux.HandleFunc("GET /surveys/{id}/progress", s.surveyProgressFragment)
	s.mux.HandleFunc("GET /surveys/{id}/events", s.surveyEvents)
	s.mux.HandleFunc("GET /surveys/{id}/answer", s.answerPage)
	s.mux.HandleFunc("POST /surveys/{id}/answer", s.answerSave)
	s.mux.HandleFunc("GET /surveys/{id}/answer.xlsx", s.answerWorkbook)
	s.mux.HandleFunc("POST /surveys/{id}/answer/upload", s.answerUpload)
	s.mux.HandleFunc("GET /surveys/{id}/stats", s.surveyStatsPage)
	s.mux.HandleFunc("GET /surveys/{id}/stats.csv", s.surveyStatsDownload("csv"))
	s.mux.HandleFunc("GET /surveys/{id}/stats.xlsx", s.surveyStatsDownload("xlsx"))
	s.mux.HandleFunc("GET /surveys/{id}/compare", s.surveyComparePage)
	s.routesStandards()
	s.routesAPISurveys()
}

// importMessage translates an import problem.
func importMessage(lang string, e ceptor.ImportError) string {
	for _, k := range []string{e.Key, "std." + e.Key} {
		if i18n.Has(k) {
			return i18n.T(lang, k)
		}
	}
	return e.Key
}

// stdProblem is an import problem ready to show.
type stdProblem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Key     string `json:"key"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

func stdProblems(lang string, errs []ceptor.ImportError) []stdProblem {
	out := make([]stdProblem, len(errs))
	for i, e := range errs {
		out[i] = stdProblem{Line: e.Line, Column: e.Column, Key: e.Key, Value: e.Value, Message: importMessage(lang, e)}
	}
	return out
}

// readStdUpload reads an uploaded file of at most ceptor.ImportMaxBytes.
func readStdUpload(w http.ResponseWriter, r *http.Request, field string) ([]byte, string, error) {
	noFile := ceptor.Invalid(map[string]string{field: "std.err.no_file"})
	f, fh, err := r.FormFile(field)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", ceptor.Invalid(map[string]string{field: "std.imp.too_large"})
		}
		return nil, "", noFile
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, ceptor.ImportMaxBytes+1))
	if err != nil {
		return nil, "", noFile
	}
	if len(data) > ceptor.ImportMaxBytes {
		return nil, "", ceptor.Invalid(map[string]string{field: "std.imp.too_large"})
	}
	if len(data) == 0 {
		return nil, "", noFile
	}
	return data, fh.Filename, nil
}

// ---- index ----

type surveyIndexData struct {
	Campaigns []surveyRow
	Mine      []surveyRow // campaigns that ask the caller's organisation
	CanCreate bool
	CanImport bool
}

type surveyRow struct {
	C        *ceptor.SurveyCampaign
	Progress *ceptor.SurveyProgress
	Status   string // the caller's response status (respondents)
}

func (s *Server) surveyIndex(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d := surveyIndexData{
		CanCreate: ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindSurvey}),
		CanImport: ceptor.Allow(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindCatalog}),
	}
	all, err := s.store.ListCampaigns(ctx, ceptor.SurveyFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range all {
		if ceptor.Allow(st.actor, ceptor.ActView, campaignResource(c)) {
			p, err := s.store.CampaignProgress(ctx, c.ID)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Campaigns = append(d.Campaigns, surveyRow{C: c, Progress: s.progressFor(st, c, p)})
		}
	}
	mine, err := s.store.ListCampaigns(ctx, ceptor.SurveyFilter{OrgID: st.actor.OrgID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range mine {
		if c.Status == ceptor.SurveyDraft {
			continue
		}
		t, err := s.store.FindSurveyTarget(ctx, c.ID, st.actor.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Mine = append(d.Mine, surveyRow{C: c, Status: t.Status})
	}
	s.render(w, r, http.StatusOK, "survey_index", s.page(w, r, i18n.T(st.lang, "survey.title"), d))
}

// progressFor keeps the sectors a ministry oversees, or the CEPTORs a
// secretariat runs (NISC sees all).
func (s *Server) progressFor(st *reqState, c *ceptor.SurveyCampaign, p *ceptor.SurveyProgress) *ceptor.SurveyProgress {
	if st.actor.OrgType == ceptor.OrgNISC {
		return p
	}
	out := &ceptor.SurveyProgress{BySector: []ceptor.SurveyProgressRow{}, ByCeptor: []ceptor.SurveyProgressRow{}}
	if st.actor.OrgType == ceptor.OrgSecretariat {
		for _, row := range p.ByCeptor {
			if slices.Contains(st.actor.RunsCeptors, row.ID) {
				out.ByCeptor = append(out.ByCeptor, row)
				out.Total.Targets += row.Targets
				out.Total.Drafts += row.Drafts
				out.Total.Submitted += row.Submitted
			}
		}
		return out
	}
	for _, row := range p.BySector {
		if slices.Contains(st.actor.OverseesSectors, row.ID) {
			out.BySector = append(out.BySector, row)
			out.Total.Targets += row.Targets
			out.Total.Drafts += row.Drafts
			out.Total.Submitted += row.Submitted
		}
	}
	return out
}

// ---- catalogs ----

type catalogListData struct {
	Catalogs  []*ceptor.Catalog
	CanImport bool
	Problems  []stdProblem
	FileName  string
	In        catalogImportInput
}

func (s *Server) catalogList(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	s.renderCatalogs(w, r, st, http.StatusOK, catalogListData{In: catalogImportInput{Code: "guideline"}}, nil)
}

func (s *Server) renderCatalogs(w http.ResponseWriter, r *http.Request, st *reqState, status int, d catalogListData, err error) {
	if !ceptor.Allow(st.actor, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindCatalog}) {
		s.fail(w, r, forbidden(st))
		return
	}
	list, lerr := s.store.ListCatalogs(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	d.Catalogs = list
	d.CanImport = ceptor.Allow(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindCatalog})
	p := s.page(w, r, i18n.T(st.lang, "std.catalogs.title"), d)
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "survey_catalogs", p)
}

func (s *Server) catalogImport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := catalogImportInput{Code: strings.TrimSpace(r.FormValue("code")), Title: r.FormValue("title"), Edition: r.FormValue("edition"),
		PublishedOn: r.FormValue("published_on"), Format: r.FormValue("format")}
	if err := ceptor.Authorize(st.actor, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindCatalog}); err != nil {
		s.fail(w, r, err)
		return
	}
	data, name, err := readStdUpload(w, r, "file")
	if err != nil {
		s.renderCatalogs(w, r, st, http.StatusUnprocessableEntity, catalogListData{In: in}, err)
		return
	}
	c, err := s.opImportCatalog(r, st, data, name, in)
	var fail *importFailure
	switch {
	case errors.As(err, &fail):
		s.renderCatalogs(w, r, st, http.StatusUnprocessableEntity, catalogListData{In: in, FileName: name, Problems: stdProblems(st.lang, fail.Problems)}, nil)
		return
	case ceptor.ErrorCode(err) == ceptor.EINVALID:
		s.renderCatalogs(w, r, st, http.StatusUnprocessableEntity, catalogListData{In: in, FileName: name}, err)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "std.catalogs.imported")
	http.Redirect(w, r, fmt.Sprintf("/catalogs/%d", c.ID), http.StatusSeeOther)
}

type catalogPageData struct {
	C       *ceptor.Catalog
	Groups  []catalogGroup
	Changes []ceptor.CatalogChange
	Counts  map[string]int
}

type catalogGroup struct {
	Name  string
	Items []ceptor.CatalogItem
}

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := s.findCatalog(ctx, st, id, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.store.CatalogItems(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	changes, err := s.store.CatalogChanges(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := catalogPageData{C: c, Changes: changes, Counts: map[string]int{}}
	for _, ch := range changes {
		d.Counts[ch.Change]++
	}
	for _, g := range ceptor.CatalogGroups(items) {
		cg := catalogGroup{Name: g}
		for _, it := range items {
			if it.Group == g {
				cg.Items = append(cg.Items, it)
			}
		}
		d.Groups = append(d.Groups, cg)
	}
	s.render(w, r, http.StatusOK, "survey_catalog", s.page(w, r, c.Title, d))
}

func (s *Server) catalogExport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.opCatalogExport(w, r, st, id, r.URL.Query().Get("format")); err != nil {
		s.fail(w, r, err)
	}
}

// opCatalogExport writes a catalog version as CSV, XLSX or OSCAL JSON.
func (s *Server) opCatalogExport(w http.ResponseWriter, r *http.Request, st *reqState, id int64, format string) error {
	ctx := r.Context()
	c, err := s.findCatalog(ctx, st, id, ceptor.ActExport)
	if err != nil {
		return err
	}
	items, err := s.store.CatalogItems(ctx, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	base := fmt.Sprintf("catalog-%s-v%d", c.Code, c.Version)
	var ctype, ext string
	switch format {
	case "", "csv":
		ctype, ext = "text/csv; charset=utf-8", "csv"
		err = ceptor.WriteCatalogCSV(&buf, items, st.lang)
	case "xlsx":
		ctype, ext = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
		rows := [][]string{ceptor.CatalogHeader(st.lang)}
		for i := range items {
			rows = append(rows, ceptor.CatalogRow(&items[i], st.lang))
		}
		err = writeStdXLSX(&buf, []stdSheet{{Name: "catalog", Rows: rows, Widths: []float64{12, 50, 60, 20, 14, 20, 16}}})
	case "oscal", "json":
		ctype, ext = "application/json", "json"
		err = ceptor.WriteCatalogOSCAL(&buf, c, items, catalogUUID(c))
	default:
		return ceptor.Invalid(map[string]string{"format": "std.err.format"})
	}
	if err != nil {
		return err
	}
	s.audit(r, "catalog.export", ceptor.KindCatalog, c.ID, st.actor.OrgID, map[string]any{"format": ext})
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+base+"."+ext+`"`)
	_, err = buf.WriteTo(w)
	return err
}

// catalogUUID is a stable version-4-shaped UUID for a catalog version, so
// that exporting the same version twice gives the same OSCAL document id.
func catalogUUID(c *ceptor.Catalog) string {
	h := fmt.Sprintf("%012x", uint64(c.ID)<<16|uint64(c.Version))
	return "6365706f-7200-4000-8000-" + h[len(h)-12:]
}

// ---- campaigns ----

type surveyNewData struct {
	Catalogs []*ceptor.Catalog
	In       campaignInput
}

func (s *Server) surveyNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := campaignInput{FiscalYear: ceptor.FiscalYear(s.now()), Per: ceptor.SurveyPerItem}
	s.renderSurveyNew(w, r, st, http.StatusOK, in, nil)
}

func (s *Server) renderSurveyNew(w http.ResponseWriter, r *http.Request, st *reqState, status int, in campaignInput, err error) {
	if aerr := ceptor.Authorize(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindSurvey}); aerr != nil {
		s.fail(w, r, aerr)
		return
	}
	cats, lerr := s.store.ListCatalogs(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	if in.Title == "" && err == nil {
		in.Title = i18n.T(st.lang, "survey.default_title", ceptor.FiscalYearLabel(in.FiscalYear, st.lang))
	}
	p := s.page(w, r, i18n.T(st.lang, "survey.new.title"), surveyNewData{Catalogs: cats, In: in})
	if err != nil {
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, "survey_new", p)
}

func (s *Server) surveyCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	fy, _ := strconv.Atoi(r.FormValue("fiscal_year"))
	cat, _ := strconv.ParseInt(r.FormValue("catalog_id"), 10, 64)
	in := campaignInput{Title: r.FormValue("title"), FiscalYear: fy, CatalogID: cat, Per: r.FormValue("per"), Deadline: r.FormValue("deadline")}
	c, err := s.opCreateCampaign(r, st, in)
	if ceptor.ErrorCode(err) == ceptor.EINVALID {
		s.renderSurveyNew(w, r, st, http.StatusUnprocessableEntity, in, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "survey.flash.created")
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d", c.ID), http.StatusSeeOther)
}

type surveyPageData struct {
	C         *ceptor.SurveyCampaign
	Catalog   *ceptor.Catalog
	Progress  *progressView
	Sectors   []*ceptor.Sector
	Ceptors   []*ceptor.Ceptor
	CanManage bool
	CanRename bool // a draft, by an administrator of the organisation that built it
	CanDelete bool
	CanStats  bool // the statistics policy gives the caller at least one targeted sector
	Baseline  int
	Leading   int
	Problems  []stdProblem
	Imported  int
}

func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderSurveyPage(w, r, st, id, http.StatusOK, surveyPageData{}, nil)
}

func (s *Server) renderSurveyPage(w http.ResponseWriter, r *http.Request, st *reqState, id int64, status int, d surveyPageData, ferr error) {
	ctx := r.Context()
	c, role, err := s.findCampaign(ctx, st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if role == surveyRespondent {
		http.Redirect(w, r, fmt.Sprintf("/surveys/%d/answer", id), http.StatusSeeOther)
		return
	}
	d.C = c
	d.CanManage = ceptor.Allow(st.actor, ceptor.ActUpdate, campaignResource(c))
	if d.CanRename, d.CanDelete, err = s.canEditDraft(ctx, st, c); err != nil {
		s.fail(w, r, err)
		return
	}
	d.CanStats = ceptor.Allow(st.actor, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindStats}) || len(ceptor.StatsSectors(st.actor, c.SectorIDs)) > 0
	if d.Catalog, err = s.store.FindCatalog(ctx, c.CatalogID); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, q := range c.Questions {
		if q.Tier == ceptor.TierLeading {
			d.Leading++
		} else {
			d.Baseline++
		}
	}
	if d.Progress, err = s.progressView(ctx, st, c); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.CanManage && c.Status == ceptor.SurveyDraft {
		if d.Sectors, err = s.store.ListSectors(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Ceptors, err = s.store.ListCeptors(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := s.page(w, r, c.Title, d)
	if ferr != nil {
		p.Errors = fieldErrors(st.lang, ferr)
		p.FormError = i18n.T(st.lang, messageKey(ferr))
	}
	s.render(w, r, status, "survey_campaign", p)
}

// progressView is the live response-rate dashboard.
type progressView struct {
	C        *ceptor.SurveyCampaign
	Total    ceptor.SurveyProgressRow
	Sectors  []progressLine
	Ceptors  []progressLine
	Updated  time.Time
	Deadline bool // the deadline has passed
}

type progressLine struct {
	Name string
	Row  ceptor.SurveyProgressRow
	Pct  int
}

func (s *Server) progressView(ctx context.Context, st *reqState, c *ceptor.SurveyCampaign) (*progressView, error) {
	p, err := s.store.CampaignProgress(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p = s.progressFor(st, c, p)
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		return nil, err
	}
	ceptors, err := s.store.ListCeptors(ctx)
	if err != nil {
		return nil, err
	}
	v := &progressView{C: c, Total: p.Total, Updated: s.now(), Deadline: surveyDeadlinePassed(c, s.now())}
	pct := func(r ceptor.SurveyProgressRow) int { return int(r.Rate()*100 + 0.5) }
	for _, row := range p.BySector {
		name := "—"
		for _, x := range sectors {
			if x.ID == row.ID {
				name = pick(st.lang, x.NameJA, x.NameEN)
			}
		}
		v.Sectors = append(v.Sectors, progressLine{Name: name, Row: row, Pct: pct(row)})
	}
	if st.actor.OrgType == ceptor.OrgNISC || st.actor.OrgType == ceptor.OrgSecretariat {
		for _, row := range p.ByCeptor {
			name := i18n.T(st.lang, "survey.no_ceptor")
			for _, x := range ceptors {
				if x.ID == row.ID {
					name = pick(st.lang, x.NameJA, x.NameEN)
				}
			}
			v.Ceptors = append(v.Ceptors, progressLine{Name: name, Row: row, Pct: pct(row)})
		}
	}
	return v, nil
}

func pick(lang, ja, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ja
}

// TotalPct is the overall response rate in percent.
func (v *progressView) TotalPct() int { return int(v.Total.Rate()*100 + 0.5) }

func stdFormIDs(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.Form[name] {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '、' }) {
			if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil && id > 0 {
				out = append(out, id)
			}
		}
	}
	return out
}

func (s *Server) surveyTargets(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	_ = r.ParseForm()
	in := targetInput{SectorIDs: stdFormIDs(r, "sector_id"), CeptorIDs: stdFormIDs(r, "ceptor_id"), OrgIDs: stdFormIDs(r, "org_ids")}
	_, err := s.opTargetCampaign(r, st, id, in)
	if ceptor.ErrorCode(err) == ceptor.EINVALID {
		s.renderSurveyPage(w, r, st, id, http.StatusUnprocessableEntity, surveyPageData{}, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "survey.flash.targeted")
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d", id), http.StatusSeeOther)
}

func (s *Server) surveyState(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.requireUser(w, r)
		if !ok {
			return
		}
		id, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		if _, err := s.opCampaignState(r, st, id, to); err != nil {
			if ceptor.ErrorCode(err) == ceptor.EINVALID {
				s.renderSurveyPage(w, r, st, id, http.StatusUnprocessableEntity, surveyPageData{}, err)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.setFlash(w, "survey.flash."+to)
		http.Redirect(w, r, fmt.Sprintf("/surveys/%d", id), http.StatusSeeOther)
	}
}

func (s *Server) surveyRemind(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if _, err := s.opRemind(r, st, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "survey.flash.reminded")
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d", id), http.StatusSeeOther)
}

func (s *Server) surveyBulkImport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	data, _, err := readStdUpload(w, r, "file")
	if err != nil {
		s.renderSurveyPage(w, r, st, id, http.StatusUnprocessableEntity, surveyPageData{}, err)
		return
	}
	n, err := s.opBulkImport(r, st, id, data)
	var fail *importFailure
	if errors.As(err, &fail) {
		s.renderSurveyPage(w, r, st, id, http.StatusUnprocessableEntity, surveyPageData{Problems: stdProblems(st.lang, fail.Problems)}, nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSurveyPage(w, r, st, id, http.StatusOK, surveyPageData{Imported: n}, nil)
}

// surveyProgressFragment is the dashboard's body, re-read on live events.
func (s *Server) surveyProgressFragment(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	ctx := r.Context()
	c, role, err := s.findCampaign(ctx, st, id)
	if err == nil && role != surveyManager {
		err = &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
	}
	var v *progressView
	if err == nil {
		v, err = s.progressView(ctx, st, c)
	}
	if err != nil {
		http.Error(w, i18n.T(st.lang, messageKey(err)), statusOf(ceptor.ErrorCode(err)))
		return
	}
	p := &Page{Lang: st.lang, User: st.user, Org: st.org, Actor: st.actor, Path: r.URL.Path, Data: v, Version: s.cfg.Version}
	var buf bytes.Buffer
	if err := s.tmpl["survey_campaign"].ExecuteTemplate(&buf, "survey_progress", p); err != nil {
		s.log.Error("render survey progress", "err", err)
		http.Error(w, i18n.T(st.lang, "err.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// surveyEvents streams "refresh" hints while the caller may see the
// campaign's progress.
func (s *Server) surveyEvents(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	ctx := r.Context()
	visible := func() bool {
		_, role, err := s.findCampaign(ctx, st, id)
		return err == nil && role == surveyManager
	}
	if !visible() {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	s.streamHints(w, r, surveyTopic(id), visible, 0)
}

// ---- answering ----

type answerPageData struct {
	SC        *surveyContext
	Groups    []answerGroup
	Scale     []ceptor.Answer
	CanEdit   bool
	Open      bool
	Answered  int
	Asked     int
	Problems  []stdProblem
	Confirm   bool // the submission needs the confirmation box
	UpdatedBy string
	Missing   []int // numbers of unanswered questions after a refused submission
	Extras    []extraQ
}

// extraQ is one yes/no extra question with its current answer.
type extraQ struct{ Key, Value string }

type answerGroup struct {
	Name      string
	Questions []answerQuestion
}

type answerQuestion struct {
	Q       ceptor.SurveyQuestion
	Answer  ceptor.Answer
	Missing bool
}

func (s *Server) answerData(ctx context.Context, st *reqState, sc *surveyContext, ferr error) answerPageData {
	d := answerPageData{SC: sc, Scale: ceptor.AnswerScale, Open: sc.C.Status == ceptor.SurveyOpen,
		Extras: []extraQ{{"csirt", sc.Response.CSIRT}, {"exercises", sc.Response.Exercises}, {"executive", sc.Response.Executive}}}
	d.CanEdit = d.Open && ceptor.Allow(st.actor, ceptor.ActUpdate, responseResource(sc.Org, sc.Response))
	fields := ceptor.ErrorFields(ferr)
	idx := map[string]int{}
	for i, q := range sc.C.Questions {
		if !q.AppliesTo(sc.Sector) {
			continue
		}
		a := ceptor.Answer(sc.Response.Answers[i])
		d.Asked++
		if a != ceptor.AnswerNone {
			d.Answered++
		}
		miss := fields["q"+strconv.Itoa(q.No)] != ""
		if miss {
			d.Missing = append(d.Missing, q.No)
		}
		gi, ok := idx[q.Group]
		if !ok {
			gi = len(d.Groups)
			idx[q.Group] = gi
			d.Groups = append(d.Groups, answerGroup{Name: q.Group})
		}
		d.Groups[gi].Questions = append(d.Groups[gi].Questions, answerQuestion{Q: q, Answer: a, Missing: miss})
	}
	if sc.Response.UpdatedBy != 0 {
		if u, err := s.store.FindUser(ctx, sc.Response.UpdatedBy); err == nil && u.OrgID == st.actor.OrgID {
			d.UpdatedBy = u.Name
		}
	}
	return d
}

func (s *Server) renderAnswer(w http.ResponseWriter, r *http.Request, st *reqState, status int, sc *surveyContext, d *answerPageData, ferr error) {
	if d == nil {
		dd := s.answerData(r.Context(), st, sc, ferr)
		d = &dd
	}
	p := s.page(w, r, sc.C.Title, *d)
	if ferr != nil {
		p.Errors = fieldErrors(st.lang, ferr)
		p.FormError = i18n.T(st.lang, messageKey(ferr))
	}
	s.render(w, r, status, "survey_answer", p)
}

func (s *Server) answerPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	sc, err := s.loadResponse(r.Context(), st, id, st.actor.OrgID, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAnswer(w, r, st, http.StatusOK, sc, nil, nil)
}

// answerFormInput reads the answer form: q<No> radio buttons.
func answerFormInput(r *http.Request, qs []ceptor.SurveyQuestion) responseInput {
	str := func(k string) *string { v := r.FormValue(k); return &v }
	in := responseInput{Answers: map[string]string{}, CSIRT: str("csirt"), Exercises: str("exercises"), Executive: str("executive"), Comments: str("comments")}
	in.Version, _ = strconv.Atoi(r.FormValue("version"))
	for _, q := range qs {
		if v, ok := r.Form["q"+strconv.Itoa(q.No)]; ok && len(v) > 0 {
			a, ok := ceptor.ParseAnswer(v[0])
			if ok {
				in.Answers[q.Key] = a.Code()
			} else {
				in.Answers[q.Key] = v[0]
			}
		}
	}
	return in
}

func (s *Server) answerSave(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	_ = r.ParseForm()
	sc, err := s.loadResponse(ctx, st, id, st.actor.OrgID, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	submit := r.FormValue("action") == "submit"
	in := answerFormInput(r, sc.C.Questions)
	if submit && r.FormValue("confirm") != "1" {
		// Keep what was typed and ask for the confirmation.
		_ = applyInput(sc, in)
		d := s.answerData(ctx, st, sc, nil)
		d.Confirm = true
		s.renderAnswer(w, r, st, http.StatusUnprocessableEntity, sc, &d, ceptor.Invalid(map[string]string{"confirm": "survey.err.confirm"}))
		return
	}
	// The page carries the version it was drawn from (0: nothing saved
	// yet); a different stored version means a colleague saved meanwhile.
	stored := 0
	if sc.Stored {
		stored = sc.Response.Version
	}
	var sc2 *surveyContext
	var err2 error
	if in.Version != stored && sc.Response.Status != ceptor.ResponseSubmitted {
		_ = applyInput(sc, in)
		sc2, err2 = sc, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "someone else saved the response in the meantime", Key: "survey.err.stale"}
	} else {
		sc2, err2 = s.opSaveResponse(r, st, id, st.actor.OrgID, in, submit)
	}
	err = err2
	if err != nil {
		if sc2 != nil && messageKey(err) == "survey.err.stale" {
			// A colleague saved first: show this person's answers with the
			// warning, against the stored version, so that saving again
			// (after a look) replaces the colleague's.
			if cur, ferr := s.store.FindResponse(ctx, id, st.actor.OrgID); ferr == nil {
				sc2.Response.Version = cur.Version
				sc2.Stored = true
			}
		}
		if sc2 != nil && (ceptor.ErrorCode(err) == ceptor.EINVALID || ceptor.ErrorCode(err) == ceptor.ECONFLICT) {
			s.renderAnswer(w, r, st, statusOf(ceptor.ErrorCode(err)), sc2, nil, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	if submit {
		s.setFlash(w, "survey.flash.submitted")
	} else {
		s.setFlash(w, "survey.flash.saved")
	}
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d/answer", id), http.StatusSeeOther)
}

func (s *Server) answerWorkbook(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	sc, err := s.loadResponse(r.Context(), st, id, st.actor.OrgID, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.responseWorkbook(w, sc, st.lang); err != nil {
		s.log.Error("answer workbook", "err", err)
	}
}

func (s *Server) answerUpload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	data, _, err := readStdUpload(w, r, "file")
	if err != nil {
		sc, lerr := s.loadResponse(ctx, st, id, st.actor.OrgID, ceptor.ActView)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.renderAnswer(w, r, st, http.StatusUnprocessableEntity, sc, nil, err)
		return
	}
	submit := r.FormValue("submit") == "1"
	sc, err := s.opUploadResponse(r, st, id, data, submit)
	var fail *importFailure
	switch {
	case errors.As(err, &fail):
		// Nothing was stored: show the saved answers with the problems.
		sc, lerr := s.loadResponse(ctx, st, id, st.actor.OrgID, ceptor.ActView)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		d := s.answerData(ctx, st, sc, nil)
		d.Problems = stdProblems(st.lang, fail.Problems)
		s.renderAnswer(w, r, st, http.StatusUnprocessableEntity, sc, &d, nil)
		return
	case err != nil && sc != nil && ceptor.ErrorCode(err) == ceptor.EINVALID:
		s.renderAnswer(w, r, st, http.StatusUnprocessableEntity, sc, nil, err)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if submit {
		s.setFlash(w, "survey.flash.submitted")
	} else {
		s.setFlash(w, "survey.flash.uploaded")
	}
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d/answer", id), http.StatusSeeOther)
}
