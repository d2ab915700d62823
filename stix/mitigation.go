package stix

import (
	"regexp"
	"strings"
	"unicode"
)

// Mitigation sections of an advisory body (Markdown): the text under a
// heading (#, ## or ###) that names what to do about the threat. It is
// exported as a course-of-action (AdvisoryObjects), and a received
// course-of-action becomes such a section of an advisory draft
// (MitigationSection).
//
// A heading counts when, without numbering, brackets, a trailing colon and
// case, it is one of mitigationHeadings, or several of them joined by
// "・", "/", "／", "、", "," or " and " (e.g. "対策 / Mitigation",
// "回避策・緩和策"). The section runs to the next heading of the same or a
// higher level; headings inside code fences do not count.
var mitigationHeadings = map[string]bool{
	// Japanese
	"対策": true, "推奨される対策": true, "推奨対策": true, "対策方法": true, "対処方法": true, "対処法": true,
	"対応策": true, "回避策": true, "緩和策": true, "軽減策": true, "暫定対策": true, "恒久対策": true,
	// English
	"mitigation": true, "mitigations": true, "recommended action": true, "recommended actions": true,
	"recommended mitigations": true, "workaround": true, "workarounds": true, "remediation": true,
	"countermeasures": true,
}

// MitigationHeadingJA is the heading a received course-of-action gets in an
// advisory draft.
const MitigationHeadingJA = "対策"

var (
	headingRE   = regexp.MustCompile(`^(#{1,6})[ \t]+(.*?)[ \t#]*$`)
	numberingRE = regexp.MustCompile(`^(?:[0-9０-９]+|[A-Za-z]|[ivxIVX]+)[.．)）:：]\s*|^[（(][0-9０-９]+[)）]\s*`)
	joinersRE   = regexp.MustCompile(`\s*(?:・|/|／|、|,|，|&|\band\b)\s*`)
)

// isMitigationHeading reports whether a heading's text names a mitigation.
func isMitigationHeading(h string) bool {
	h = strings.TrimSpace(numberingRE.ReplaceAllString(strings.TrimSpace(h), ""))
	h = strings.Trim(h, "【】[]「」『』*_ 　:：")
	h = strings.ToLower(h)
	if h == "" {
		return false
	}
	for _, part := range joinersRE.Split(h, -1) {
		part = strings.TrimFunc(part, func(r rune) bool { return unicode.IsSpace(r) || r == ':' || r == '：' })
		if !mitigationHeadings[part] {
			return false
		}
	}
	return true
}

// MitigationOf returns the mitigation sections of a Markdown body (their
// text, headings of the sections themselves left out, several sections
// joined by a blank line), and the first such heading; "" when there is
// none or they are empty.
func MitigationOf(body string) (heading, text string) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var parts []string
	var cur []string
	level := 0 // level of the section being read; 0: none
	fence := ""
	flush := func() {
		if t := strings.TrimSpace(strings.Join(cur, "\n")); t != "" {
			parts = append(parts, t)
		}
		cur, level = nil, 0
	}
	for _, ln := range lines {
		trimmed := strings.TrimLeft(ln, " ")
		if fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			fence = trimmed[:3]
		} else if fence != "" && strings.HasPrefix(trimmed, fence) {
			fence = ""
		} else if fence == "" && len(ln)-len(trimmed) < 4 {
			if m := headingRE.FindStringSubmatch(trimmed); m != nil {
				l := len(m[1])
				if level != 0 && l <= level {
					flush()
				}
				if level == 0 && l <= 3 && isMitigationHeading(m[2]) {
					if heading == "" {
						heading = strings.TrimSpace(m[2])
					}
					level = l
					continue
				}
			}
		}
		if level != 0 {
			cur = append(cur, ln)
		}
	}
	if level != 0 {
		flush()
	}
	if len(parts) == 0 {
		return "", ""
	}
	return heading, strings.Join(parts, "\n\n")
}

// MitigationSection is the Markdown section an advisory draft gets for a
// received course-of-action: a 対策 heading, its name (when it says more
// than the heading) and its description.
func MitigationSection(name, description string) string {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if name == "" && description == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("## " + MitigationHeadingJA + "\n\n")
	if name != "" && !isMitigationHeading(name) {
		b.WriteString("**" + strings.ReplaceAll(name, "*", "") + "**\n\n")
	}
	if description != "" {
		b.WriteString(demoteHeadings(description) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// demoteHeadings moves the headings of a text two levels down (at most to
// ######), outside code fences, so that they stay inside the ## section
// that holds the text.
func demoteHeadings(text string) string {
	lines := strings.Split(text, "\n")
	fence := ""
	for i, ln := range lines {
		trimmed := strings.TrimLeft(ln, " ")
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
		case fence != "" && strings.HasPrefix(trimmed, fence):
			fence = ""
		case fence == "" && len(ln)-len(trimmed) < 4:
			if m := headingRE.FindStringSubmatch(trimmed); m != nil {
				lines[i] = strings.Repeat("#", min(len(m[1])+2, 6)) + trimmed[len(m[1]):]
			}
		}
	}
	return strings.Join(lines, "\n")
}
