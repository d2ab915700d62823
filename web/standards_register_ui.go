package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The sector safety standards register at /standards: each sector's
// standards documents and revisions (kept by its ministry and NISC), and
// the yearly continuous-improvement status (entered by the ministry,
// reviewed by NISC) with the year's summary sentence.

func (s *Server) routesStandards() {
	s.mux.HandleFunc("GET /standards", s.standardsPage)
	s.mux.HandleFunc("POST /standards", s.standardCreate)
	s.mux.HandleFunc("POST /standards/{id}/revise", s.standardRevise)
	s.mux.HandleFunc("GET /standards/{id}/file", s.standardFileDownload)
	s.mux.HandleFunc("GET /standards/{id}/revisions/{seq}/file", s.standardFileDownload)
	s.mux.HandleFunc("POST /standards/{id}/file", s.standardFileUpload)
	s.mux.HandleFunc("POST /standards/{id}/file/delete", s.standardFileRemove)
	s.mux.HandleFunc("POST /standards/status", s.standardStatusSet)
	s.mux.HandleFunc("POST /standards/status/review", s.standardStatusReview)
}

func standardResource(sectorID int64) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindStandard, SectorIDs: []int64{sectorID}}
}

func statusResource(sectorID int64) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindStandardStatus, SectorIDs: []int64{sectorID}}
}

type standardsPageData struct {
	FY       int
	Years    []int
	Sectors  []standardsSector
	Summary  string
	Counts   map[string]int
	Statuses []string
	Editable []*ceptor.Sector // sectors the caller may add documents to
	MaxFile  int64            // the largest file accepted, in bytes
}

type standardsSector struct {
	S         *ceptor.Sector
	Docs      []standardDoc
	Status    *ceptor.StandardsStatus
	SeeStatus bool
	CanEdit   bool
	CanStatus bool
	CanReview bool
}

type standardDoc struct {
	D         *ceptor.SectorStandard
	Revisions []ceptor.StandardRevision
}

// standardsSummary is the year's sentence: 「4分野で改善を実施、11分野で分析・検証に着手」.
func standardsSummary(lang string, counts map[string]int) string {
	return i18n.T(lang, "std.reg.summary", counts[ceptor.ImproveRevised], counts[ceptor.ImproveAnalysis], counts[ceptor.ImproveNotStated])
}

func (s *Server) standardsData(ctx context.Context, st *reqState, fy int) (*standardsPageData, error) {
	sectors, err := s.store.ListSectors(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := s.store.ListStandards(ctx, 0)
	if err != nil {
		return nil, err
	}
	statuses, err := s.store.ListStandardsStatus(ctx, fy)
	if err != nil {
		return nil, err
	}
	d := &standardsPageData{FY: fy, Statuses: ceptor.ImproveStatuses, Counts: map[string]int{}, MaxFile: ceptor.MaxAttachmentSize}
	cur := ceptor.FiscalYear(s.now())
	for y := cur; y >= cur-5; y-- {
		d.Years = append(d.Years, y)
	}
	var seen []*ceptor.StandardsStatus
	for _, x := range sectors {
		if !x.Active {
			continue
		}
		row := standardsSector{S: x,
			SeeStatus: ceptor.Allow(st.actor, ceptor.ActView, statusResource(x.ID)),
			CanEdit:   ceptor.Allow(st.actor, ceptor.ActUpdate, standardResource(x.ID)),
			CanStatus: ceptor.Allow(st.actor, ceptor.ActUpdate, statusResource(x.ID)),
			CanReview: ceptor.Allow(st.actor, ceptor.ActEvaluate, statusResource(x.ID)),
		}
		for _, doc := range docs {
			if doc.SectorID == x.ID && ceptor.Allow(st.actor, ceptor.ActView, standardResource(x.ID)) {
				revs, err := s.store.StandardRevisions(ctx, doc.ID)
				if err != nil {
					return nil, err
				}
				row.Docs = append(row.Docs, standardDoc{D: doc, Revisions: revs})
			}
		}
		if row.SeeStatus {
			for _, ss := range statuses {
				if ss.SectorID == x.ID {
					row.Status = ss
					seen = append(seen, ss)
				}
			}
		}
		if row.CanEdit {
			d.Editable = append(d.Editable, x)
		}
		d.Sectors = append(d.Sectors, row)
	}
	d.Counts = ceptor.StandardsSummary(seen)
	d.Summary = standardsSummary(st.lang, d.Counts)
	return d, nil
}

func (s *Server) standardsPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	fy := ceptor.FiscalYear(s.now())
	if v := r.URL.Query().Get("fy"); v != "" {
		var err error
		if fy, err = ceptor.ParseFiscalYear(v, s.now()); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if cur, err := s.store.ListStandardsStatus(r.Context(), fy); err == nil && len(cur) == 0 {
		// Early in a year nothing is entered yet: show the year before
		// when it has statuses.
		if prev, err := s.store.ListStandardsStatus(r.Context(), fy-1); err == nil && len(prev) > 0 {
			fy--
		}
	}
	s.renderStandards(w, r, st, fy, http.StatusOK, nil)
}

func (s *Server) renderStandards(w http.ResponseWriter, r *http.Request, st *reqState, fy, status int, ferr error) {
	d, err := s.standardsData(r.Context(), st, fy)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, i18n.T(st.lang, "std.reg.title"), d)
	if ferr != nil {
		p.Errors = fieldErrors(st.lang, ferr)
		p.FormError = i18n.T(st.lang, messageKey(ferr))
	}
	s.render(w, r, status, "standards_register", p)
}

func standardFromForm(r *http.Request) *ceptor.SectorStandard {
	sid, _ := strconv.ParseInt(r.FormValue("sector_id"), 10, 64)
	return &ceptor.SectorStandard{SectorID: sid, Title: r.FormValue("title"), Issuer: r.FormValue("issuer"), Version: r.FormValue("version"),
		IssuedOn: r.FormValue("issued_on"), URL: r.FormValue("url"), Note: r.FormValue("note")}
}

// opCreateStandard stores a document of a sector the caller keeps, with
// the file of its first revision when up is not nil.
func (s *Server) opCreateStandard(r *http.Request, st *reqState, doc *ceptor.SectorStandard, up *fileUpload) error {
	if err := ceptor.Authorize(st.actor, ceptor.ActCreate, standardResource(doc.SectorID)); err != nil {
		return err
	}
	doc.UpdatedBy = st.actor.UserID
	return s.store.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.store.CreateStandard(ctx, doc); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "standard.create", ceptor.KindStandard, doc.ID, st.actor.OrgID, map[string]any{"sector_id": doc.SectorID, "title": doc.Title, "version": doc.Version})
		if up != nil {
			return s.putStandardFile(r.WithContext(ctx), st, doc, up)
		}
		return nil
	})
}

// opReviseStandard records a new revision, with its file when up is not
// nil (a new revision starts without one: the earlier file stays with the
// earlier revision).
func (s *Server) opReviseStandard(r *http.Request, st *reqState, id int64, rev *ceptor.SectorStandard, up *fileUpload) (*ceptor.SectorStandard, error) {
	cur, err := s.store.FindStandard(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, standardResource(cur.SectorID)); err != nil {
		return nil, err
	}
	doc := *cur
	doc.Version, doc.IssuedOn, doc.Note, doc.UpdatedBy = rev.Version, rev.IssuedOn, rev.Note, st.actor.UserID
	if rev.URL != "" {
		doc.URL = rev.URL
	}
	if rev.Title != "" {
		doc.Title = rev.Title
	}
	err = s.store.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.store.ReviseStandard(ctx, &doc); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "standard.revise", ceptor.KindStandard, doc.ID, st.actor.OrgID, map[string]any{"version": doc.Version})
		doc.File = nil
		if up != nil {
			return s.putStandardFile(r.WithContext(ctx), st, &doc, up)
		}
		return nil
	})
	return &doc, err
}

// opSetStatus enters a sector's yearly status (the ministry).
func (s *Server) opSetStatus(r *http.Request, st *reqState, in *ceptor.StandardsStatus) error {
	if err := ceptor.Authorize(st.actor, ceptor.ActUpdate, statusResource(in.SectorID)); err != nil {
		return err
	}
	in.EnteredBy = st.actor.UserID
	return s.store.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.store.SetStandardsStatus(ctx, in); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "standard.status", ceptor.KindStandardStatus, fmt.Sprintf("%d/%d", in.SectorID, in.FiscalYear), st.actor.OrgID,
			map[string]any{"status": in.Status})
		return nil
	})
}

// opReviewStatus records NISC's review.
func (s *Server) opReviewStatus(r *http.Request, st *reqState, in *ceptor.StandardsStatus) error {
	if err := ceptor.Authorize(st.actor, ceptor.ActEvaluate, statusResource(in.SectorID)); err != nil {
		return err
	}
	in.ReviewedBy = st.actor.UserID
	return s.store.Atomic(r.Context(), func(ctx context.Context) error {
		if err := s.store.ReviewStandardsStatus(ctx, in); err != nil {
			return err
		}
		s.audit(r.WithContext(ctx), "standard.review", ceptor.KindStandardStatus, fmt.Sprintf("%d/%d", in.SectorID, in.FiscalYear), st.actor.OrgID, nil)
		return nil
	})
}

func (s *Server) standardCreate(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	doc := standardFromForm(r)
	up, err := readStandardUpload(r, false)
	if err == nil {
		err = s.opCreateStandard(r, st, doc, up)
	}
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID {
			s.renderStandards(w, r, st, ceptor.FiscalYear(s.now()), http.StatusUnprocessableEntity, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "std.reg.flash.created")
	http.Redirect(w, r, "/standards", http.StatusSeeOther)
}

func (s *Server) standardRevise(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	up, err := readStandardUpload(r, false)
	if err == nil {
		_, err = s.opReviseStandard(r, st, id, standardFromForm(r), up)
	}
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID {
			s.renderStandards(w, r, st, ceptor.FiscalYear(s.now()), http.StatusUnprocessableEntity, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "std.reg.flash.revised")
	http.Redirect(w, r, "/standards#std-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func statusFromForm(r *http.Request) *ceptor.StandardsStatus {
	sid, _ := strconv.ParseInt(r.FormValue("sector_id"), 10, 64)
	fy, _ := strconv.Atoi(r.FormValue("fiscal_year"))
	return &ceptor.StandardsStatus{SectorID: sid, FiscalYear: fy, Status: strings.TrimSpace(r.FormValue("status")), Note: r.FormValue("note"), ReviewNote: r.FormValue("review_note")}
}

func (s *Server) standardStatusSet(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := statusFromForm(r)
	if err := s.opSetStatus(r, st, in); err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID {
			s.renderStandards(w, r, st, ceptor.FiscalYear(s.now()), http.StatusUnprocessableEntity, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "std.reg.flash.status")
	http.Redirect(w, r, fmt.Sprintf("/standards?fy=%d", in.FiscalYear), http.StatusSeeOther)
}

func (s *Server) standardStatusReview(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := statusFromForm(r)
	if err := s.opReviewStatus(r, st, in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "std.reg.flash.reviewed")
	http.Redirect(w, r, fmt.Sprintf("/standards?fy=%d", in.FiscalYear), http.StatusSeeOther)
}
