package ceptor

import (
	"html"
	"net/url"
	"strings"
)

// RenderMarkdown turns an advisory body written in a small, safe subset of
// Markdown into HTML: headings (#, ##, ###), paragraphs, bullet and
// numbered lists, block quotes, fenced code blocks, `code`, **strong**,
// *emphasis* and [links](https://...). Everything else is text: raw HTML
// is escaped, never passed through, and links keep only http, https and
// mailto targets (a javascript: or data: link becomes plain text). The
// output is safe to insert into a page as is.
func RenderMarkdown(src string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := "" // "ul" or "ol" while a list is open
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			for i, l := range para {
				if i > 0 {
					b.WriteString("<br>")
				}
				b.WriteString(inlineMarkdown(l))
			}
			b.WriteString("</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trim := strings.TrimLeft(line, " ")
		switch {
		case strings.HasPrefix(trim, "```"):
			flushPara()
			closeList()
			b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimLeft(lines[i], " "), "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]))
				b.WriteString("\n")
			}
			b.WriteString("</code></pre>\n")
		case trim == "":
			flushPara()
			closeList()
		case strings.HasPrefix(trim, "#"):
			n := len(trim) - len(strings.TrimLeft(trim, "#"))
			rest := trim[n:]
			if n <= 6 && (rest == "" || rest[0] == ' ') {
				flushPara()
				closeList()
				level := min(n+2, 6) // the page owns h1 and h2
				tag := "h" + string(rune('0'+level))
				b.WriteString("<" + tag + ">" + inlineMarkdown(strings.TrimSpace(rest)) + "</" + tag + ">\n")
			} else {
				para = append(para, trim)
			}
		case strings.HasPrefix(trim, "> ") || trim == ">":
			flushPara()
			closeList()
			b.WriteString("<blockquote>" + inlineMarkdown(strings.TrimSpace(strings.TrimPrefix(trim, ">"))) + "</blockquote>\n")
		case strings.HasPrefix(trim, "- ") || strings.HasPrefix(trim, "* ") || strings.HasPrefix(trim, "・"):
			flushPara()
			if list != "ul" {
				closeList()
				b.WriteString("<ul>\n")
				list = "ul"
			}
			item := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(trim, "- "), "* "), "・")
			b.WriteString("<li>" + inlineMarkdown(strings.TrimSpace(item)) + "</li>\n")
		case orderedItem(trim) != "":
			flushPara()
			if list != "ol" {
				closeList()
				b.WriteString("<ol>\n")
				list = "ol"
			}
			b.WriteString("<li>" + inlineMarkdown(orderedItem(trim)) + "</li>\n")
		default:
			closeList()
			para = append(para, trim)
		}
	}
	flushPara()
	closeList()
	return b.String()
}

// orderedItem returns the text of "1. text", or "".
func orderedItem(s string) string {
	i := 0
	for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i+1 >= len(s) || s[i] != '.' || s[i+1] != ' ' {
		return ""
	}
	return strings.TrimSpace(s[i+2:])
}

// inlineMarkdown renders one line's inline markup, escaping everything.
func inlineMarkdown(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case s[0] == '`':
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				b.WriteString("<code>" + html.EscapeString(s[1:1+j]) + "</code>")
				s = s[j+2:]
				continue
			}
		case strings.HasPrefix(s, "**"):
			if j := strings.Index(s[2:], "**"); j > 0 {
				b.WriteString("<strong>" + inlineMarkdown(s[2:2+j]) + "</strong>")
				s = s[j+4:]
				continue
			}
		case s[0] == '*':
			if j := strings.IndexByte(s[1:], '*'); j > 0 {
				b.WriteString("<em>" + inlineMarkdown(s[1:1+j]) + "</em>")
				s = s[j+2:]
				continue
			}
		case s[0] == '[':
			if j := strings.Index(s, "]("); j > 0 {
				if k := strings.IndexByte(s[j+2:], ')'); k >= 0 {
					text, target := s[1:j], s[j+2:j+2+k]
					if u, ok := SafeLink(target); ok {
						b.WriteString(`<a href="` + html.EscapeString(u) + `" rel="noopener noreferrer nofollow">` + inlineMarkdown(text) + "</a>")
					} else {
						b.WriteString(html.EscapeString(text + " (" + target + ")"))
					}
					s = s[j+3+k:]
					continue
				}
			}
		}
		// Plain text up to the next markup character.
		n := strings.IndexAny(s[1:], "`*[")
		if n < 0 {
			n = len(s)
		} else {
			n++
		}
		b.WriteString(html.EscapeString(s[:n]))
		s = s[n:]
	}
	return b.String()
}

// SafeLink returns the canonical form of a link target an advisory may
// carry: absolute http, https or mailto URLs only.
func SafeLink(target string) (string, bool) {
	target = strings.TrimSpace(target)
	if target == "" || len(target) > 2048 || strings.ContainsAny(target, " \t\r\n<>\"'`\\") {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" || u.User != nil {
			return "", false
		}
	case "mailto":
		if u.Opaque == "" || !ValidEmail(u.Opaque) {
			return "", false
		}
	default:
		return "", false
	}
	return u.String(), true
}
