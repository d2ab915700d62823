package ceptor_test

import (
	"strings"
	"testing"
	"time"

	"ceptor"
)

func TestRenderMarkdown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"# 注意喚起\n本文", "<h3>注意喚起</h3>\n<p>本文</p>\n"},
		{"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
		{"[詳細](https://www.nisc.go.jp/a?b=1&c=2)", `<p><a href="https://www.nisc.go.jp/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">詳細</a></p>` + "\n"},
		{"[x](javascript:alert(1))", "<p>x (javascript:alert(1))</p>\n"},
		{"[x](data:text/html,hi)", "<p>x (data:text/html,hi)</p>\n"},
		{"- 一\n- 二\n\n1. a\n2. b", "<ul>\n<li>一</li>\n<li>二</li>\n</ul>\n<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"},
		{"**重要** と *強調* と `<code>`", "<p><strong>重要</strong> と <em>強調</em> と <code>&lt;code&gt;</code></p>\n"},
		{"```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n"},
		{"> 引用", "<blockquote>引用</blockquote>\n"},
	} {
		if got := ceptor.RenderMarkdown(c.in); got != c.want {
			t.Errorf("RenderMarkdown(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// FuzzRenderMarkdown: whatever the input, the output has no tag but the
// ones the renderer writes and no link but http, https and mailto.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"# a", "[a](https://x.jp)", "<img src=x onerror=alert(1)>", "**[a](javascript:x)**",
		"```\n<a>", "*`*`*", "[[a](b)](c)", "1. [x](mailto:a@b.jp)", "[a](https://x.jp\"onmouseover=\"x)"} {
		f.Add(s)
	}
	allowed := []string{"<p>", "</p>", "<br>", "<h3>", "</h3>", "<h4>", "</h4>", "<h5>", "</h5>", "<h6>", "</h6>", "<ul>", "</ul>", "<ol>", "</ol>",
		"<li>", "</li>", "<blockquote>", "</blockquote>", "<pre>", "</pre>", "<code>", "</code>", "<strong>", "</strong>", "<em>", "</em>", "</a>"}
	f.Fuzz(func(t *testing.T, in string) {
		out := ceptor.RenderMarkdown(in)
		rest := out
		for {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i:]
			ok := false
			for _, tag := range allowed {
				if strings.HasPrefix(rest, tag) {
					ok = true
					rest = rest[len(tag):]
					break
				}
			}
			if !ok && strings.HasPrefix(rest, `<a href="`) {
				end := strings.Index(rest, `" rel="noopener noreferrer nofollow">`)
				if end < 0 {
					t.Fatalf("unterminated link in %q", out)
				}
				href := rest[len(`<a href="`):end]
				if !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "mailto:") {
					t.Fatalf("unsafe link %q from %q", href, in)
				}
				if strings.ContainsAny(href, "\"<>") {
					t.Fatalf("unescaped link %q", href)
				}
				ok = true
				rest = rest[end+1:]
			}
			if !ok {
				t.Fatalf("unexpected markup %.30q in %q (input %q)", rest, out, in)
			}
		}
	})
}

func TestAdvisoryValidate(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	a := &ceptor.Advisory{Title: " 標的型メールへの注意 ", Body: "本文", Audience: ceptor.Audience{SectorIDs: []int64{3, 3, 1}}}
	if err := a.ValidateForPublish(now); err != nil {
		t.Fatal(err)
	}
	if a.Title != "標的型メールへの注意" || a.TLP != ceptor.TLPAmber || a.Urgency != ceptor.UrgencyNormal || len(a.Audience.SectorIDs) != 2 {
		t.Fatalf("normalised: %+v", a)
	}
	red := &ceptor.Advisory{Title: "x", Body: "y", TLP: ceptor.TLPRed, Audience: ceptor.Audience{SectorIDs: []int64{1}}}
	if f := ceptor.ErrorFields(red.Validate()); f["audience"] != "adv.err_red_audience" {
		t.Fatalf("RED to a sector: %v", f)
	}
	empty := &ceptor.Advisory{Title: "x", Body: "y"}
	if f := ceptor.ErrorFields(empty.ValidateForPublish(now)); f["audience"] == "" {
		t.Fatalf("no audience: %v", f)
	}
	past := now.Add(-time.Hour)
	late := &ceptor.Advisory{Title: "x", Body: "y", Audience: ceptor.Audience{Everyone: true}, Deadline: &past}
	if f := ceptor.ErrorFields(late.ValidateForPublish(now)); f["deadline"] == "" {
		t.Fatalf("deadline in the past: %v", f)
	}
	drill := &ceptor.Advisory{Title: "x", Drill: true}
	if drill.Validate(); drill.Category != ceptor.CatDrill {
		t.Fatalf("drill category: %v", drill.Category)
	}
}
