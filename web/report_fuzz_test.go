package web

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ceptor"
)

// FuzzReportJSON decodes an API body into the report input and validates
// it, as POST /api/v1/reports does before it touches storage: it never
// panics, every refusal is EINVALID, and what it accepts is a valid report.
func FuzzReportJSON(f *testing.F) {
	for _, seed := range []string{
		`{"route":"ministry","sector_id":1,"tlp":"amber","title":"停止","event_class":"availability","causes":["dos"],"submit":true}`,
		`{"route":"ceptor_anonymous","ceptor_id":3,"title":"x","detected_at":"2025-06-01T09:30","indicators":[{"type":"sha256","value":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}]}`,
		`{"route":"direct","title":"x","started_at":"2025-01-02T00:00:00Z","detected_at":"2025-01-01T00:00:00+09:00","impact":{"users_affected":-1}}`,
		`{"route":"ministry","title":"\ud800","causes":["spillover"],"spillover_sector_id":2}`,
		`{"indicators":[{"type":"url","value":"hxxps://evil[.]example/a"},{"type":"ipv6","value":"::1"}]}`,
		"{\"title\":\"\xff\"}", `[]`, `null`, `{"title":1}`, `{} {}`, ``,
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, draft := range []bool{true, false} {
			in, err := parseReportJSON(b, reportInput{})
			if err == nil {
				var rep *ceptor.Report
				rep, err = in.toReport(draft, now)
				if err == nil {
					// What is accepted passes the domain's own check again.
					if again := rep.Validate(draft); again != nil {
						t.Fatalf("accepted %q but Validate says %v", b, again)
					}
					for _, s := range []string{rep.Title, rep.Body, rep.Service, rep.Response} {
						if !utf8.ValidString(s) {
							t.Fatalf("accepted broken UTF-8 from %q", b)
						}
					}
					if !draft && (rep.Title == "" || len(rep.Causes) == 0) {
						t.Fatalf("accepted an incomplete report from %q", b)
					}
				}
			}
			if err != nil && ceptor.ErrorCode(err) != ceptor.EINVALID {
				t.Fatalf("%q: error %v is not EINVALID", b, err)
			}
			if err != nil && len(ceptor.ErrorFields(err)) == 0 {
				t.Fatalf("%q: EINVALID without fields: %v", b, err)
			}
		}
	})
}

// FuzzIndicatorLines parses the indicator text area: it never panics, every
// indicator it returns is already normalised, and every problem names a
// line of the input.
func FuzzIndicatorLines(f *testing.F) {
	for _, seed := range []string{
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\ndomain evil[.]example",
		"hxxps://evil[.]example/login\n198.51.100.7\n2001:db8::1\nuser[@]evil.example",
		"# comment\n\n  md5 D41D8CD98F00B204E9800998ECF8427E  \r\nsha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"foo bar baz\nsha256 1234\n\xff\xfe\nドメイン　例え.example",
		strings.Repeat("1.2.3.4\n", 5),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		list, errs := parseIndicatorLines(text)
		lines := len(strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n"))
		seen := map[ceptor.Indicator]bool{}
		for _, in := range list {
			n, key := in.Normalize()
			if key != "" || n != in {
				t.Fatalf("%q: returned %+v, which normalises to %+v (%s)", text, in, n, key)
			}
			if seen[in] {
				t.Fatalf("%q: %+v returned twice", text, in)
			}
			seen[in] = true
		}
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines || e.Key == "" {
				t.Fatalf("%q: problem %+v outside the %d lines", text, e, lines)
			}
		}
		if len(list)+len(errs) > lines+1 {
			t.Fatalf("%q: %d results from %d lines", text, len(list)+len(errs), lines)
		}
	})
}

// The text-area parser on examples people write.
func TestParseIndicatorLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text  string
		want  []ceptor.Indicator
		lines []int
	}{
		{"sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", []ceptor.Indicator{{Type: ceptor.IndSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}, nil},
		{"domain evil[.]example\nevil[.]example", []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "evil.example"}}, nil},
		{"hxxps://evil[.]example/a", []ceptor.Indicator{{Type: ceptor.IndURL, Value: "https://evil.example/a"}}, nil},
		{"198.51.100.7\n2001:db8::1", []ceptor.Indicator{{Type: ceptor.IndIPv4, Value: "198.51.100.7"}, {Type: ceptor.IndIPv6, Value: "2001:db8::1"}}, nil},
		{"email: Phish[@]Evil.Example", []ceptor.Indicator{{Type: ceptor.IndEmail, Value: "phish@evil.example"}}, nil},
		{"# メモ\n\nsha256 1234\nfoo bar baz\nmd5 d41d8cd98f00b204e9800998ecf8427e", []ceptor.Indicator{{Type: ceptor.IndMD5, Value: "d41d8cd98f00b204e9800998ecf8427e"}}, []int{3, 4}},
		{"ipv4 1.2.3", nil, []int{1}},
	}
	for _, tt := range tests {
		got, errs := parseIndicatorLines(tt.text)
		if len(got) != len(tt.want) {
			t.Errorf("%q: %+v, want %+v", tt.text, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: %+v, want %+v", tt.text, got[i], tt.want[i])
			}
		}
		var lines []int
		for _, e := range errs {
			lines = append(lines, e.Line)
		}
		if len(lines) != len(tt.lines) {
			t.Errorf("%q: problems on lines %v, want %v", tt.text, lines, tt.lines)
			continue
		}
		for i := range lines {
			if lines[i] != tt.lines[i] {
				t.Errorf("%q: problems on lines %v, want %v", tt.text, lines, tt.lines)
			}
		}
	}
}

// Marks are cut on the original text, ignoring case and width.
func TestMarkParts(t *testing.T) {
	t.Parallel()
	parts := markParts("ＭＩＮＡＴＯ銀行とminato銀行、Minato-Bank", []string{"minato", "銀行"})
	var b strings.Builder
	for _, p := range parts {
		if p.Mark {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	if got := b.String(); got != "[ＭＩＮＡＴＯ銀行]と[minato銀行]、[Minato]-Bank" {
		t.Fatalf("marks: %s", got)
	}
	if markParts("", []string{"x"}) != nil || hasMark(markParts("abc", nil)) {
		t.Fatal("nothing to mark")
	}
	if got := neutralFileName(&ceptor.Attachment{ID: 7, FileName: "みなと銀行.報告書.PDF"}); got != "attachment-7.pdf" {
		t.Fatalf("neutral name %q", got)
	}
	if got := neutralFileName(&ceptor.Attachment{ID: 8, FileName: "log.みなと"}); got != "attachment-8" {
		t.Fatalf("neutral name %q", got)
	}
}
