package ceptor

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// The register of sector safety standards (安全基準等): each sector's
// standards documents and their revisions, and the yearly continuous
// improvement status that the sector's ministry enters and NISC reviews.

// SectorStandard is one standards document of a sector, as of its latest
// revision.
type SectorStandard struct {
	ID        int64  `json:"id"`
	SectorID  int64  `json:"sector_id"`
	Title     string `json:"title"`
	Issuer    string `json:"issuer"`
	Version   string `json:"version"`
	IssuedOn  string `json:"issued_on"` // YYYY-MM-DD
	URL       string `json:"url,omitempty"`
	Note      string `json:"note,omitempty"`
	Revisions int    `json:"revisions"`
	// File is the document itself as uploaded with its latest revision
	// (nil: none; the link may be all there is).
	File      *StandardFile `json:"file,omitempty"`
	UpdatedBy int64         `json:"updated_by,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// StandardRevision is one recorded revision of a standards document.
type StandardRevision struct {
	StandardID int64         `json:"standard_id"`
	Seq        int           `json:"seq"` // 1 for the first registration
	File       *StandardFile `json:"file,omitempty"`
	Version    string        `json:"version"`
	IssuedOn   string        `json:"issued_on"`
	Note       string        `json:"note,omitempty"`
	RecordedBy int64         `json:"recorded_by,omitempty"`
	RecordedAt time.Time     `json:"recorded_at"`
}

// StandardFile is the file a revision of a standards document carries (the
// document as published, e.g. a PDF), besides or instead of its link. The
// content is stored with it and always served as a download, never rendered.
type StandardFile struct {
	StandardID  int64     `json:"standard_id"`
	Revision    int       `json:"revision"` // the revision's Seq
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"` // as sniffed or declared at upload; informative only
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  int64     `json:"uploaded_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks the fields a ministry enters.
func (s *SectorStandard) Validate() error {
	f := map[string]string{}
	s.Title = strings.TrimSpace(s.Title)
	s.Issuer = strings.TrimSpace(s.Issuer)
	s.Version = strings.TrimSpace(s.Version)
	s.IssuedOn = strings.TrimSpace(s.IssuedOn)
	s.URL = strings.TrimSpace(s.URL)
	s.Note = strings.TrimSpace(s.Note)
	if s.SectorID == 0 {
		f["sector_id"] = "err.required"
	}
	for k, v := range map[string]string{"title": s.Title, "issuer": s.Issuer, "version": s.Version} {
		if v == "" {
			f[k] = "err.required"
		} else if utf8.RuneCountInString(v) > 300 {
			f[k] = "err.too_long"
		}
	}
	if _, err := time.Parse("2006-01-02", s.IssuedOn); err != nil {
		f["issued_on"] = "std.err.date"
	}
	if s.URL != "" && !validURL(s.URL) {
		f["url"] = "err.url"
	}
	if utf8.RuneCountInString(s.Note) > 2000 {
		f["note"] = "err.too_long"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Continuous-improvement statuses of a sector's standards in a year.
const (
	ImproveRevised   = "revised"     // 改善（改定）を実施
	ImproveAnalysis  = "analysis"    // 改善に向けた分析・検証に着手
	ImproveNotStated = "not_started" // 未着手
)

// ImproveStatuses lists the statuses in display order.
var ImproveStatuses = []string{ImproveRevised, ImproveAnalysis, ImproveNotStated}

// StandardsStatus is a sector's continuous-improvement status in a fiscal
// year: entered by its ministry, reviewed by NISC.
type StandardsStatus struct {
	SectorID   int64      `json:"sector_id"`
	FiscalYear int        `json:"fiscal_year"`
	Status     string     `json:"status"`
	Note       string     `json:"note,omitempty"`
	EnteredBy  int64      `json:"entered_by,omitempty"`
	EnteredAt  time.Time  `json:"entered_at"`
	ReviewedBy int64      `json:"reviewed_by,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
	ReviewNote string     `json:"review_note,omitempty"`
}

// Validate checks the status.
func (s *StandardsStatus) Validate() error {
	f := map[string]string{}
	ok := false
	for _, v := range ImproveStatuses {
		ok = ok || v == s.Status
	}
	if !ok {
		f["status"] = "std.err.status"
	}
	if s.SectorID == 0 {
		f["sector_id"] = "err.required"
	}
	if s.FiscalYear < 2000 || s.FiscalYear > 2100 {
		f["fiscal_year"] = "survey.err.fiscal_year"
	}
	s.Note = strings.TrimSpace(s.Note)
	s.ReviewNote = strings.TrimSpace(s.ReviewNote)
	if utf8.RuneCountInString(s.Note) > 2000 || utf8.RuneCountInString(s.ReviewNote) > 2000 {
		f["note"] = "err.too_long"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// StandardsSummary counts the sectors by status in a year.
func StandardsSummary(list []*StandardsStatus) map[string]int {
	out := map[string]int{}
	for _, s := range list {
		out[s.Status]++
	}
	return out
}

// StandardsService stores the register.
type StandardsService interface {
	ListStandards(ctx context.Context, sectorID int64) ([]*SectorStandard, error)
	FindStandard(ctx context.Context, id int64) (*SectorStandard, error)
	// CreateStandard stores a document and its first revision.
	CreateStandard(ctx context.Context, s *SectorStandard) error
	// ReviseStandard records a new revision and updates the document.
	ReviseStandard(ctx context.Context, s *SectorStandard) error
	StandardRevisions(ctx context.Context, id int64) ([]StandardRevision, error)
	// SetStandardFile stores the file of the document's latest revision
	// (f.StandardID), replacing the one it had; it returns the replaced
	// file's description (nil: there was none). Size and SHA-256 are
	// computed from data, which must be 1 byte to MaxAttachmentSize.
	SetStandardFile(ctx context.Context, f *StandardFile, data []byte) (*StandardFile, error)
	// RemoveStandardFile deletes the file of the document's latest
	// revision and returns what it was; ENOTFOUND when it has none.
	RemoveStandardFile(ctx context.Context, standardID int64) (*StandardFile, error)
	// StandardFileData returns the file of a revision (seq 0: the latest)
	// and its content; ENOTFOUND when that revision has none.
	StandardFileData(ctx context.Context, standardID int64, seq int) (*StandardFile, []byte, error)
	// SetStandardsStatus creates or replaces a sector's status of a year;
	// it clears an earlier review.
	SetStandardsStatus(ctx context.Context, s *StandardsStatus) error
	ReviewStandardsStatus(ctx context.Context, s *StandardsStatus) error
	ListStandardsStatus(ctx context.Context, fiscalYear int) ([]*StandardsStatus, error)
}

// SafetyStandardsService is everything the safety-standards module stores:
// catalogs, survey campaigns and responses, and the standards register.
type SafetyStandardsService interface {
	CatalogService
	SurveyService
	StandardsService
}
