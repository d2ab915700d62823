package ceptor

import (
	"strconv"
	"strings"
)

// The answer sheet of a campaign as a table, one row per question and one
// per extra question, for the workbook operators download, fill in offline
// and upload, and for NISC's bulk import of offline answers (the same
// columns, many organisations in one file). SurveyReader checks every row
// and returns the answers of each organisation, or the problems, never
// both.

// Columns of the answer sheet.
var surveyColumns = []struct{ Code, JA string }{
	{"org_id", "組織ID"}, {"no", "No"}, {"key", "設問ID"}, {"group", "分類"}, {"tier", "区分"}, {"question", "設問"}, {"answer", "回答"},
}

// Keys of the extra questions in the answer sheet.
const (
	SurveyKeyCSIRT     = "csirt"
	SurveyKeyExercises = "exercises"
	SurveyKeyExecutive = "executive"
	SurveyKeyComments  = "comments"
)

// SurveyExtraKeys lists the extra questions in sheet order.
var SurveyExtraKeys = []string{SurveyKeyCSIRT, SurveyKeyExercises, SurveyKeyExecutive, SurveyKeyComments}

// SurveyHeader is the header row of an answer sheet in lang.
func SurveyHeader(lang string) []string {
	out := make([]string, len(surveyColumns))
	for i, c := range surveyColumns {
		out[i] = c.Code
		if lang == "ja" {
			out[i] = c.JA
		}
	}
	return out
}

// ParseYesNo reads a yes/no answer ("" is unanswered).
func ParseYesNo(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return YesNoUnset, true
	case "yes", "y", "はい", "有", "あり", "true", "1":
		return Yes, true
	case "no", "n", "いいえ", "無", "なし", "false", "0":
		return No, true
	}
	return "", false
}

// SurveyReader reads answer-sheet rows. OrgID, when set, is the only
// organisation the rows may be for (an operator's own upload: the org_id
// column may then be empty); Allowed, when set, says which organisations a
// bulk import may fill in.
type SurveyReader struct {
	Questions []SurveyQuestion
	OrgID     int64
	Allowed   func(orgID int64) bool
	Errs      ImportErrors
	cols      []int
	header    []string
	gotHdr    bool
	byKey     map[string]int
	out       map[int64]*SurveyResponse
	order     []int64
	seen      map[string]int
	rows      int
}

// SurveyMaxRows bounds an answer-sheet import (3,000 organisations x 504 rows).
const SurveyMaxRows = 2_000_000

// Feed takes one row at 1-based line.
func (s *SurveyReader) Feed(line int, cells []string) bool {
	if s.Errs.Full {
		return false
	}
	blank := true
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return true
	}
	if !s.gotHdr {
		s.readHeader(line, cells)
		s.gotHdr = true
		return len(s.Errs.List) == 0
	}
	s.rows++
	if s.rows > SurveyMaxRows {
		s.Errs.Add(ImportError{Line: line, Key: "imp.too_many_rows"})
		return false
	}
	var orgRaw, key, answer string
	for i, c := range cells {
		if i >= len(s.cols) {
			break
		}
		switch s.cols[i] {
		case 0:
			orgRaw = strings.TrimSpace(c)
		case 2:
			key = strings.TrimSpace(c)
		case 6:
			answer = c
		}
	}
	org := s.OrgID
	if orgRaw != "" {
		id, err := strconv.ParseInt(orgRaw, 10, 64)
		switch {
		case err != nil || id <= 0:
			s.Errs.Add(ImportError{Line: line, Column: s.headerOf(0), Key: "survey.err.org_id", Value: orgRaw})
			return true
		case s.OrgID != 0 && id != s.OrgID:
			s.Errs.Add(ImportError{Line: line, Column: s.headerOf(0), Key: "survey.err.other_org", Value: orgRaw})
			return true
		case s.Allowed != nil && !s.Allowed(id):
			s.Errs.Add(ImportError{Line: line, Column: s.headerOf(0), Key: "survey.err.not_target", Value: orgRaw})
			return true
		}
		org = id
	}
	if org == 0 {
		s.Errs.Add(ImportError{Line: line, Column: s.headerOf(0), Key: "err.required"})
		return true
	}
	r := s.out[org]
	if r == nil {
		b := make([]byte, len(s.Questions))
		for i := range b {
			b[i] = byte(AnswerNone)
		}
		r = &SurveyResponse{OrgID: org, Answers: string(b)}
		s.out[org] = r
		s.order = append(s.order, org)
	}
	dup := strconv.FormatInt(org, 10) + "|" + key
	if first, ok := s.seen[dup]; ok {
		s.Errs.Add(ImportError{Line: line, Column: s.headerOf(2), Key: "survey.err.duplicate_row", Value: key + " (" + strconv.Itoa(first) + ")"})
		return true
	}
	s.seen[dup] = line
	switch key {
	case SurveyKeyCSIRT, SurveyKeyExercises, SurveyKeyExecutive:
		v, ok := ParseYesNo(answer)
		if !ok {
			s.Errs.Add(ImportError{Line: line, Column: s.headerOf(6), Key: "survey.err.yesno", Value: answer})
			return true
		}
		switch key {
		case SurveyKeyCSIRT:
			r.CSIRT = v
		case SurveyKeyExercises:
			r.Exercises = v
		default:
			r.Executive = v
		}
		return true
	case SurveyKeyComments:
		r.Comments = strings.TrimSpace(answer)
		if len([]rune(r.Comments)) > 4000 {
			s.Errs.Add(ImportError{Line: line, Column: s.headerOf(6), Key: "err.too_long"})
		}
		return true
	}
	qi, ok := s.byKey[key]
	if !ok {
		col := s.headerOf(2)
		if key == "" {
			s.Errs.Add(ImportError{Line: line, Column: col, Key: "err.required"})
		} else {
			s.Errs.Add(ImportError{Line: line, Column: col, Key: "survey.err.unknown_question", Value: key})
		}
		return true
	}
	a, ok := ParseAnswer(answer)
	if !ok {
		s.Errs.Add(ImportError{Line: line, Column: s.headerOf(6), Key: "survey.err.answer", Value: answer})
		return true
	}
	b := []byte(r.Answers)
	b[qi] = byte(a)
	r.Answers = string(b)
	return !s.Errs.Full
}

func (s *SurveyReader) readHeader(line int, cells []string) {
	s.byKey = map[string]int{}
	for i, q := range s.Questions {
		s.byKey[q.Key] = i
	}
	s.out = map[int64]*SurveyResponse{}
	s.seen = map[string]int{}
	s.cols = make([]int, len(cells))
	s.header = make([]string, len(cells))
	found := map[int]bool{}
	for i, c := range cells {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		s.header[i] = c
		s.cols[i] = -1
		for k, col := range surveyColumns {
			if strings.EqualFold(c, col.Code) || c == col.JA {
				s.cols[i] = k
			}
		}
		if s.cols[i] >= 0 {
			if found[s.cols[i]] {
				s.Errs.Add(ImportError{Line: line, Column: c, Key: "imp.duplicate_column", Value: c})
			}
			found[s.cols[i]] = true
		}
	}
	for _, k := range []int{0, 2, 6} {
		if !found[k] {
			s.Errs.Add(ImportError{Line: line, Column: surveyColumns[k].Code, Key: "imp.missing_column"})
		}
	}
}

func (s *SurveyReader) headerOf(k int) string {
	for i, c := range s.cols {
		if c == k {
			return s.header[i]
		}
	}
	return surveyColumns[k].Code
}

// Finish returns the responses in order of first appearance, or the problems.
func (s *SurveyReader) Finish() ([]*SurveyResponse, []ImportError) {
	if len(s.Errs.List) == 0 && len(s.order) == 0 {
		s.Errs.Add(ImportError{Key: "imp.no_rows"})
	}
	if len(s.Errs.List) > 0 {
		return nil, s.Errs.List
	}
	out := make([]*SurveyResponse, len(s.order))
	for i, id := range s.order {
		out[i] = s.out[id]
	}
	return out, nil
}

// SurveySheetRows returns the rows of an answer sheet for one organisation
// (header first), prefilled with its saved answers; sector is the
// organisation's sector code (questions that do not apply are left out).
func SurveySheetRows(qs []SurveyQuestion, r *SurveyResponse, sector, lang string) [][]string {
	rows := [][]string{SurveyHeader(lang)}
	org := strconv.FormatInt(r.OrgID, 10)
	for i, q := range qs {
		if !q.AppliesTo(sector) {
			continue
		}
		ans := ""
		if i < len(r.Answers) {
			ans = AnswerLabel(Answer(r.Answers[i]), lang)
		}
		tier := string(q.Tier)
		if lang == "ja" {
			tier = TierLabelJA(q.Tier)
		}
		rows = append(rows, []string{org, strconv.Itoa(q.No), q.Key, q.Group, tier, q.Text, ans})
	}
	extraJA := map[string]string{
		SurveyKeyCSIRT: "CSIRT等の体制を整備していますか（はい／いいえ）", SurveyKeyExercises: "今年度、演習・訓練に参加しましたか（はい／いいえ）",
		SurveyKeyExecutive: "経営層がセキュリティ対策の意思決定に関与していますか（はい／いいえ）", SurveyKeyComments: "自由記述",
	}
	extraEN := map[string]string{
		SurveyKeyCSIRT: "Has a CSIRT been established? (yes/no)", SurveyKeyExercises: "Did you take part in an exercise this year? (yes/no)",
		SurveyKeyExecutive: "Are executives involved in security decisions? (yes/no)", SurveyKeyComments: "Free comments",
	}
	vals := map[string]string{SurveyKeyCSIRT: r.CSIRT, SurveyKeyExercises: r.Exercises, SurveyKeyExecutive: r.Executive, SurveyKeyComments: r.Comments}
	for _, k := range SurveyExtraKeys {
		text := extraEN[k]
		if lang == "ja" {
			text = extraJA[k]
		}
		v := vals[k]
		if lang == "ja" && k != SurveyKeyComments {
			v = map[string]string{Yes: "はい", No: "いいえ"}[v]
		}
		rows = append(rows, []string{org, "", k, "", "", text, v})
	}
	return rows
}

// AnswerLabel is an answer's label in lang ("" for none).
func AnswerLabel(a Answer, lang string) string {
	if lang == "ja" {
		return AnswerLabelJA(a)
	}
	return a.Code()
}
