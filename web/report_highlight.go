package web

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"ceptor"
)

// Highlighting: a text is cut into parts, some of them marked, that a
// template writes as {{if .Mark}}<mark>{{.Text}}</mark>{{else}}{{.Text}}{{end}}:
// html/template escapes every part, so a highlight never injects markup.

// textPart is a run of text, marked or not.
type textPart struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// foldRune makes matching ignore case and full-width/half-width forms
// (ＡＢＣ and ABC, ｶﾀｶﾅ and カタカナ). It maps one rune to one rune, so
// positions in the folded text are positions in the original.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	f := []rune(width.Fold.String(string(r)))
	if len(f) == 1 {
		r = f[0]
	}
	return unicode.ToLower(r)
}

func foldRunes(s string) []rune {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = foldRune(r)
	}
	return rs
}

// markParts cuts text into parts, marking every occurrence of every term.
func markParts(text string, terms []string) []textPart {
	src := []rune(text)
	folded := foldRunes(text)
	marked := make([]bool, len(src))
	any := false
	for _, t := range terms {
		ft := foldRunes(strings.TrimSpace(t))
		if len(ft) == 0 || len(ft) > len(folded) {
			continue
		}
		for i := 0; i+len(ft) <= len(folded); i++ {
			match := true
			for j, r := range ft {
				if folded[i+j] != r {
					match = false
					break
				}
			}
			if match {
				for j := range ft {
					marked[i+j] = true
				}
				any = true
			}
		}
	}
	if !any {
		if text == "" {
			return nil
		}
		return []textPart{{Text: text}}
	}
	var out []textPart
	start := 0
	for i := 1; i <= len(src); i++ {
		if i == len(src) || marked[i] != marked[start] {
			out = append(out, textPart{Text: string(src[start:i]), Mark: marked[start]})
			start = i
		}
	}
	return out
}

// hasMark reports whether any part is marked.
func hasMark(parts []textPart) bool {
	for _, p := range parts {
		if p.Mark {
			return true
		}
	}
	return false
}

var bracketed = regexp.MustCompile(`[（(][^）)]*[）)]\s*$`)

// identityTerms are the words that point at a reporter: its organisation's
// names (Japanese, English, kana, and each without a trailing bracketed
// note such as （デモ）), its domains and their first label, its contacts'
// e-mail addresses and telephone numbers, and the reporting person's name
// and address. The secretariat's redaction page marks them in the text.
func (s *Server) identityTerms(ctx context.Context, id *reportIdentity) ([]string, error) {
	var terms []string
	add := func(t string) {
		t = strings.TrimSpace(t)
		if utf8.RuneCountInString(t) >= 2 {
			terms = append(terms, t)
		}
	}
	o, err := s.store.FindOrg(ctx, id.OrgID)
	if err != nil && ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		return nil, err
	}
	if o != nil {
		for _, n := range []string{o.Name, o.NameEN, o.NameKana} {
			add(n)
			add(bracketed.ReplaceAllString(n, ""))
		}
		for _, d := range o.Domains {
			add(d)
			if label, _, ok := strings.Cut(d, "."); ok && len(label) >= 4 {
				add(label)
			}
		}
		if o.Website != "" {
			add(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(o.Website, "https://"), "http://"), "/"))
		}
		contacts, err := s.store.ListContacts(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range contacts {
			add(c.Email)
			add(c.Phone)
			if digits := onlyDigits(c.Phone); len(digits) >= 8 && digits != c.Phone {
				add(digits)
			}
		}
	}
	if u, err := s.store.FindUser(ctx, id.UserID); err == nil {
		add(u.Name)
		add(strings.ReplaceAll(u.Name, " ", ""))
		add(u.Email)
	}
	// Longer terms first, so that the longest match is marked whole.
	sort.SliceStable(terms, func(i, j int) bool { return utf8.RuneCountInString(terms[i]) > utf8.RuneCountInString(terms[j]) })
	return uniqStrings(terms), nil
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func uniqStrings(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
