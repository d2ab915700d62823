package ceptor

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The yearly survey of how far the safety standards have taken hold
// (安全基準等の浸透状況等調査). NISC builds a questionnaire from a catalog
// version, targets operators, opens and closes the campaign; operators answer
// (in the browser or by uploading the campaign's workbook); the statistics
// give the share of operators doing all baseline and all leading measures,
// per sector and overall, comparable across years and catalog versions.
//
// A campaign's questions are fixed when it is built, so an answer sheet is
// stored as one letter per question in question order (SurveyAnswers). A
// response of 500 answers is one row of 500 bytes, and the statistics of
// 3,000 respondents read 3,000 rows.

// Answer is the answer to one measure question.
type Answer byte

// Answers.
const (
	AnswerNone        Answer = '-' // not answered yet
	AnswerImplemented Answer = 'i' // 実施している
	AnswerPartly      Answer = 'p' // 一部実施している
	AnswerPlanned     Answer = 'l' // 実施予定
	AnswerNot         Answer = 'n' // 実施していない
	AnswerNA          Answer = 'x' // 該当しない
)

// AnswerScale lists the answers an operator chooses from, in display order.
var AnswerScale = []Answer{AnswerImplemented, AnswerPartly, AnswerPlanned, AnswerNot, AnswerNA}

// Valid reports whether a is an answer (or none).
func (a Answer) Valid() bool { return a == AnswerNone || slices.Contains(AnswerScale, a) }

// Code is the answer's name in files and the API.
func (a Answer) Code() string {
	switch a {
	case AnswerImplemented:
		return "implemented"
	case AnswerPartly:
		return "partly"
	case AnswerPlanned:
		return "planned"
	case AnswerNot:
		return "not"
	case AnswerNA:
		return "na"
	}
	return ""
}

// Satisfied reports whether the answer counts as doing the measure: done,
// or not applicable to the operator.
func (a Answer) Satisfied() bool { return a == AnswerImplemented || a == AnswerNA }

// ParseAnswer reads an answer from its code, its letter or its Japanese
// label; "" is no answer.
func ParseAnswer(s string) (Answer, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return AnswerNone, true
	case "implemented", "i", "実施", "実施している":
		return AnswerImplemented, true
	case "partly", "p", "一部実施", "一部実施している":
		return AnswerPartly, true
	case "planned", "l", "予定", "実施予定":
		return AnswerPlanned, true
	case "not", "n", "未実施", "実施していない":
		return AnswerNot, true
	case "na", "n/a", "x", "該当なし", "該当しない":
		return AnswerNA, true
	}
	return AnswerNone, false
}

// AnswerLabelJA is the Japanese label of an answer.
func AnswerLabelJA(a Answer) string {
	switch a {
	case AnswerImplemented:
		return "実施"
	case AnswerPartly:
		return "一部実施"
	case AnswerPlanned:
		return "予定"
	case AnswerNot:
		return "未実施"
	case AnswerNA:
		return "該当なし"
	}
	return ""
}

// Campaign statuses.
const (
	SurveyDraft  = "draft"
	SurveyOpen   = "open"
	SurveyClosed = "closed"
)

// Question granularity of a campaign.
const (
	SurveyPerItem  = "item"  // one question per catalog item
	SurveyPerGroup = "group" // one question per group and tier
)

// SurveyQuestion is one measure question of a campaign, fixed when the
// campaign is built.
type SurveyQuestion struct {
	No      int      `json:"no"`  // 1-based position in the answer sheet
	Key     string   `json:"key"` // item id, or "group|tier" for group questions
	Text    string   `json:"text"`
	Group   string   `json:"group"`
	Tier    Tier     `json:"tier"`
	Sectors []string `json:"sectors"`  // sector codes it applies to; empty: all
	ItemIDs []string `json:"item_ids"` // the catalog items it stands for
}

// AppliesTo reports whether q is asked of an operator of sector code.
func (q *SurveyQuestion) AppliesTo(sector string) bool {
	return len(q.Sectors) == 0 || slices.Contains(q.Sectors, sector)
}

// BuildQuestions makes the questions of a campaign from a catalog version.
func BuildQuestions(items []CatalogItem, per string) []SurveyQuestion {
	var out []SurveyQuestion
	if per == SurveyPerGroup {
		type gk struct {
			g string
			t Tier
		}
		idx := map[gk]int{}
		for _, it := range items {
			k := gk{it.Group, it.Tier}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, SurveyQuestion{Key: it.Group + "|" + string(it.Tier), Text: it.Group, Group: it.Group, Tier: it.Tier, Sectors: []string{}})
			}
			q := &out[i]
			q.ItemIDs = append(q.ItemIDs, it.ItemID)
			// A group question applies wherever one of its items does.
			if len(it.Sectors) == 0 || q.Sectors == nil {
				q.Sectors = nil
			} else if q.Sectors != nil {
				for _, s := range it.Sectors {
					if !slices.Contains(q.Sectors, s) {
						q.Sectors = append(q.Sectors, s)
					}
				}
			}
		}
		for i := range out {
			if out[i].Sectors == nil {
				out[i].Sectors = []string{}
			}
			if len(out[i].ItemIDs) == 0 {
				out[i].ItemIDs = []string{}
			}
		}
	} else {
		for _, it := range items {
			out = append(out, SurveyQuestion{Key: it.ItemID, Text: it.Title, Group: it.Group, Tier: it.Tier,
				Sectors: slices.Clone(it.Sectors), ItemIDs: []string{it.ItemID}})
		}
	}
	for i := range out {
		out[i].No = i + 1
		if out[i].Sectors == nil {
			out[i].Sectors = []string{}
		}
	}
	return out
}

// SurveyCampaign is one survey round.
type SurveyCampaign struct {
	ID         int64            `json:"id"`
	Title      string           `json:"title"`
	FiscalYear int              `json:"fiscal_year"`
	CatalogID  int64            `json:"catalog_id"`
	Per        string           `json:"per"`
	Status     string           `json:"status"`
	Deadline   string           `json:"deadline,omitempty"` // YYYY-MM-DD, Japan time
	Questions  []SurveyQuestion `json:"questions"`
	// SectorIDs are the sectors of the targeted operators (set with the targets).
	SectorIDs []int64 `json:"sector_ids"`
	// CeptorIDs are the CEPTORs the targets are counted in (0 left out).
	CeptorIDs  []int64    `json:"ceptor_ids"`
	Targets    int        `json:"targets"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	OpenedAt   *time.Time `json:"opened_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	RemindedAt *time.Time `json:"reminded_at,omitempty"`
}

// Validate checks the fields NISC enters.
func (c *SurveyCampaign) Validate() error {
	f := map[string]string{}
	c.Title = strings.TrimSpace(c.Title)
	c.Deadline = strings.TrimSpace(c.Deadline)
	if c.Title == "" {
		f["title"] = "err.required"
	} else if utf8.RuneCountInString(c.Title) > 200 {
		f["title"] = "err.too_long"
	}
	if c.FiscalYear < 2000 || c.FiscalYear > 2100 {
		f["fiscal_year"] = "survey.err.fiscal_year"
	}
	if c.Per == "" {
		c.Per = SurveyPerItem
	}
	if c.Per != SurveyPerItem && c.Per != SurveyPerGroup {
		f["per"] = "survey.err.per"
	}
	if c.CatalogID == 0 {
		f["catalog_id"] = "err.required"
	}
	if c.Deadline != "" {
		if _, err := time.Parse("2006-01-02", c.Deadline); err != nil {
			f["deadline"] = "std.err.date"
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// SurveyTarget is one operator a campaign asks.
type SurveyTarget struct {
	CampaignID int64      `json:"campaign_id"`
	OrgID      int64      `json:"org_id"`
	SectorID   int64      `json:"sector_id"` // the sector it is counted in
	CeptorID   int64      `json:"ceptor_id"` // the CEPTOR it is counted in (0: none)
	InvitedAt  *time.Time `json:"invited_at,omitempty"`
	RemindedAt *time.Time `json:"reminded_at,omitempty"`
	Status     string     `json:"status"` // none, draft, submitted
}

// Yes/no answers of the extra questions.
const (
	YesNoUnset = ""
	Yes        = "yes"
	No         = "no"
)

// SurveyResponse is one organisation's answers to a campaign. Several
// people of the organisation may save it; it is submitted once.
type SurveyResponse struct {
	ID          int64      `json:"id"`
	CampaignID  int64      `json:"campaign_id"`
	OrgID       int64      `json:"org_id"`
	SectorID    int64      `json:"sector_id"`
	Status      string     `json:"status"`       // draft, submitted
	Answers     string     `json:"answers"`      // one Answer per question, in question order
	CSIRT       string     `json:"csirt"`        // CSIRT established: yes/no
	Exercises   string     `json:"exercises"`    // took part in an exercise this year: yes/no
	Executive   string     `json:"executive"`    // executives involved in security decisions: yes/no
	Comments    string     `json:"comments"`     // free comments
	BaselineAll bool       `json:"baseline_all"` // every applicable baseline question satisfied
	LeadingAll  bool       `json:"leading_all"`  // every applicable leading question satisfied
	Version     int        `json:"version"`
	UpdatedBy   int64      `json:"updated_by,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedBy int64      `json:"submitted_by,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
}

// Response statuses.
const (
	ResponseDraft     = "draft"
	ResponseSubmitted = "submitted"
)

// NewAnswers returns an empty answer sheet for qs; questions that do not
// apply to sector are answered not applicable.
func NewAnswers(qs []SurveyQuestion, sector string) string {
	b := make([]byte, len(qs))
	for i := range qs {
		b[i] = byte(AnswerNone)
		if !qs[i].AppliesTo(sector) {
			b[i] = byte(AnswerNA)
		}
	}
	return string(b)
}

// CheckResponse validates r against the campaign's questions for an
// operator of sector code; with submit it also requires every answer. It
// computes the completeness flags.
func CheckResponse(r *SurveyResponse, qs []SurveyQuestion, sector string, submit bool) error {
	f := map[string]string{}
	if len(r.Answers) != len(qs) {
		f["answers"] = "survey.err.answers_length"
	} else {
		b := []byte(r.Answers)
		for i := range b {
			a := Answer(b[i])
			if !a.Valid() {
				f["answers"] = "survey.err.answer"
				break
			}
			if !qs[i].AppliesTo(sector) {
				b[i] = byte(AnswerNA)
				continue
			}
			if submit && a == AnswerNone {
				f["answers"] = "survey.err.unanswered"
				f["q"+itoa(qs[i].No)] = "survey.err.unanswered"
			}
		}
		r.Answers = string(b)
	}
	for k, v := range map[string]*string{"csirt": &r.CSIRT, "exercises": &r.Exercises, "executive": &r.Executive} {
		*v = strings.TrimSpace(*v)
		if *v != YesNoUnset && *v != Yes && *v != No {
			f[k] = "survey.err.yesno"
		} else if submit && *v == YesNoUnset {
			f[k] = "err.required"
		}
	}
	r.Comments = strings.TrimSpace(r.Comments)
	if utf8.RuneCountInString(r.Comments) > 4000 {
		f["comments"] = "err.too_long"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	r.BaselineAll, r.LeadingAll = Completeness(r.Answers, qs)
	return nil
}

// Completeness reports whether every baseline and every leading question is
// satisfied (done or not applicable) in an answer sheet.
func Completeness(answers string, qs []SurveyQuestion) (baseline, leading bool) {
	baseline, leading = true, true
	for i := 0; i < len(answers) && i < len(qs); i++ {
		if Answer(answers[i]).Satisfied() {
			continue
		}
		if qs[i].Tier == TierLeading {
			leading = false
		} else {
			baseline = false
		}
	}
	return baseline, leading
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// SurveyProgressRow is the response count of one sector or CEPTOR.
type SurveyProgressRow struct {
	ID        int64 `json:"id"` // sector or CEPTOR id (0: none)
	Targets   int   `json:"targets"`
	Drafts    int   `json:"drafts"`
	Submitted int   `json:"submitted"`
}

// Rate is the share of targets that have submitted, 0..1.
func (p SurveyProgressRow) Rate() float64 {
	if p.Targets == 0 {
		return 0
	}
	return float64(p.Submitted) / float64(p.Targets)
}

// SurveyProgress is a campaign's response counts.
type SurveyProgress struct {
	Total    SurveyProgressRow   `json:"total"`
	BySector []SurveyProgressRow `json:"by_sector"`
	ByCeptor []SurveyProgressRow `json:"by_ceptor"`
}

// SurveySheet is what the statistics read of one submitted response.
type SurveySheet struct {
	OrgID       int64
	SectorID    int64
	Answers     string
	CSIRT       bool
	Exercises   bool
	Executive   bool
	BaselineAll bool
	LeadingAll  bool
}

// SurveyTotals are the headline counts of one sector (or all) of a
// campaign, computed by the database.
type SurveyTotals struct {
	CampaignID  int64 `json:"campaign_id"`
	SectorID    int64 `json:"sector_id"`
	Respondents int   `json:"respondents"`
	BaselineAll int   `json:"baseline_all"`
	LeadingAll  int   `json:"leading_all"`
	CSIRT       int   `json:"csirt"`
	Exercises   int   `json:"exercises"`
	Executive   int   `json:"executive"`
}

// SurveyFilter selects campaigns.
type SurveyFilter struct {
	Status string
	OrgID  int64 // campaigns that target this organisation
}

// SurveyService stores campaigns and responses.
type SurveyService interface {
	CreateCampaign(ctx context.Context, c *SurveyCampaign) error
	// UpdateCampaign stores title, deadline, status and the open/close stamps.
	UpdateCampaign(ctx context.Context, c *SurveyCampaign) error
	// RenameDraftCampaign changes the title of a campaign still in draft;
	// ECONFLICT once it has been opened.
	RenameDraftCampaign(ctx context.Context, id int64, title string) error
	// DeleteDraftCampaign deletes a campaign still in draft with its
	// targets; ECONFLICT once it has been opened.
	DeleteDraftCampaign(ctx context.Context, id int64) error
	FindCampaign(ctx context.Context, id int64) (*SurveyCampaign, error)
	ListCampaigns(ctx context.Context, f SurveyFilter) ([]*SurveyCampaign, error)
	// SetCampaignTargets replaces the targets of a draft campaign.
	SetCampaignTargets(ctx context.Context, campaignID int64, targets []SurveyTarget) error
	CampaignTargets(ctx context.Context, campaignID int64) ([]SurveyTarget, error)
	FindSurveyTarget(ctx context.Context, campaignID, orgID int64) (*SurveyTarget, error)
	// MarkSurveyNotified stamps invitations (reminder false) or reminders.
	MarkSurveyNotified(ctx context.Context, campaignID int64, orgIDs []int64, reminder bool, at time.Time) error
	CampaignProgress(ctx context.Context, campaignID int64) (*SurveyProgress, error)
	// FindResponse returns an organisation's response; ENOTFOUND when it has none.
	FindResponse(ctx context.Context, campaignID, orgID int64) (*SurveyResponse, error)
	// SaveResponse creates or updates a response. A non-zero Version must
	// match the stored one (ECONFLICT otherwise); it is incremented.
	SaveResponse(ctx context.Context, r *SurveyResponse) error
	// SurveySheets returns the submitted responses of a campaign.
	SurveySheets(ctx context.Context, campaignID int64) ([]SurveySheet, error)
	// SurveyTotals returns the counts of submitted responses by campaign
	// and sector for the given campaigns.
	SurveyTotals(ctx context.Context, campaignIDs []int64) ([]SurveyTotals, error)
}
