package stix

import (
	"errors"
	"fmt"
	"strings"

	"ceptor"
)

// patternPaths maps each ceptor indicator type to the object path its STIX
// pattern compares.
var patternPaths = map[ceptor.IndicatorType]string{
	ceptor.IndURL:    "url:value",
	ceptor.IndDomain: "domain-name:value",
	ceptor.IndIPv4:   "ipv4-addr:value",
	ceptor.IndIPv6:   "ipv6-addr:value",
	ceptor.IndMD5:    "file:hashes.MD5",
	ceptor.IndSHA1:   "file:hashes.'SHA-1'",
	ceptor.IndSHA256: "file:hashes.'SHA-256'",
	ceptor.IndEmail:  "email-addr:value",
}

// importPaths are the object paths ceptor understands in incoming
// patterns, with the indicator type each stands for.
var importPaths = map[string]ceptor.IndicatorType{
	"url:value":                      ceptor.IndURL,
	"domain-name:value":              ceptor.IndDomain,
	"ipv4-addr:value":                ceptor.IndIPv4,
	"ipv6-addr:value":                ceptor.IndIPv6,
	"file:hashes.md5":                ceptor.IndMD5,
	"file:hashes.'md5'":              ceptor.IndMD5,
	"file:hashes.'sha-1'":            ceptor.IndSHA1,
	"file:hashes.sha1":               ceptor.IndSHA1,
	"file:hashes.'sha1'":             ceptor.IndSHA1,
	"file:hashes.'sha-256'":          ceptor.IndSHA256,
	"file:hashes.sha256":             ceptor.IndSHA256,
	"file:hashes.'sha256'":           ceptor.IndSHA256,
	"email-addr:value":               ceptor.IndEmail,
	"email-message:from_ref.value":   ceptor.IndEmail,
	"email-message:sender_ref.value": ceptor.IndEmail,
}

// Pattern returns the STIX pattern of a (normalised) indicator.
func Pattern(in ceptor.Indicator) (string, error) {
	p, ok := patternPaths[in.Type]
	if !ok {
		return "", fmt.Errorf("stix: no pattern for indicator type %q", in.Type)
	}
	return "[" + p + " = '" + quote(in.Value) + "']", nil
}

func quote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// ErrPattern marks a pattern ceptor cannot read: malformed, or using what
// ceptor's indicators cannot express (AND, FOLLOWEDBY, qualifiers,
// operators other than =, object paths other than the eight types).
var ErrPattern = errors.New("stix: unsupported pattern")

// ParsePattern reads a STIX pattern made of equality comparisons joined by
// OR (inside or between observation expressions) and returns the
// indicators it names, each validated and normalised.
func ParsePattern(p string) ([]ceptor.Indicator, error) {
	if len(p) > 64<<10 {
		return nil, fmt.Errorf("%w: too long", ErrPattern)
	}
	ps := &patternParser{s: p}
	var out []ceptor.Indicator
	if err := ps.observations(&out, 0); err != nil {
		return nil, err
	}
	ps.space()
	if ps.i != len(ps.s) {
		return nil, fmt.Errorf("%w: unexpected %q at %d", ErrPattern, ps.rest(), ps.i)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrPattern)
	}
	return out, nil
}

type patternParser struct {
	s string
	i int
}

func (p *patternParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *patternParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20]
	}
	return r
}

func (p *patternParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

// keyword consumes an upper-case keyword followed by a non-word character.
func (p *patternParser) keyword(k string) bool {
	p.space()
	if !strings.HasPrefix(p.s[p.i:], k) {
		return false
	}
	j := p.i + len(k)
	if j < len(p.s) && isWord(p.s[j]) {
		return false
	}
	p.i = j
	return true
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

const maxDepth = 32

// observations: obs (OR obs)*, where obs is "[...]" or "( observations )".
func (p *patternParser) observations(out *[]ceptor.Indicator, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested too deeply", ErrPattern)
	}
	for {
		switch {
		case p.eat("("):
			if err := p.observations(out, depth+1); err != nil {
				return err
			}
			if !p.eat(")") {
				return fmt.Errorf("%w: missing )", ErrPattern)
			}
		case p.eat("["):
			if err := p.comparisons(out, depth+1); err != nil {
				return err
			}
			if !p.eat("]") {
				return fmt.Errorf("%w: missing ]", ErrPattern)
			}
		default:
			return fmt.Errorf("%w: expected [ at %d", ErrPattern, p.i)
		}
		for _, q := range []string{"WITHIN", "REPEATS", "START", "STOP"} {
			if p.keyword(q) {
				return fmt.Errorf("%w: qualifier %s", ErrPattern, q)
			}
		}
		switch {
		case p.keyword("OR"):
			continue
		case p.keyword("AND"), p.keyword("FOLLOWEDBY"):
			return fmt.Errorf("%w: only OR joins observations", ErrPattern)
		}
		return nil
	}
}

// comparisons: cmp (OR cmp)*, where cmp is "path = 'value'" or "( comparisons )".
func (p *patternParser) comparisons(out *[]ceptor.Indicator, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested too deeply", ErrPattern)
	}
	for {
		if p.eat("(") {
			if err := p.comparisons(out, depth+1); err != nil {
				return err
			}
			if !p.eat(")") {
				return fmt.Errorf("%w: missing )", ErrPattern)
			}
		} else if err := p.comparison(out); err != nil {
			return err
		}
		switch {
		case p.keyword("OR"):
			continue
		case p.keyword("AND"):
			return fmt.Errorf("%w: only OR joins comparisons", ErrPattern)
		}
		return nil
	}
}

func (p *patternParser) comparison(out *[]ceptor.Indicator) error {
	p.space()
	start := p.i
	// The object path: type ':' property (with dots and quoted keys).
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\'' {
			end := strings.IndexByte(p.s[p.i+1:], '\'')
			if end < 0 {
				return fmt.Errorf("%w: unterminated key", ErrPattern)
			}
			p.i += end + 2
			continue
		}
		if !(isWord(c) || c == ':' || c == '.' || c == '[' && p.i > start && p.s[p.i-1] == '.' || c == '*') {
			break
		}
		p.i++
	}
	path := strings.ToLower(p.s[start:p.i])
	typ, ok := importPaths[path]
	if !ok {
		return fmt.Errorf("%w: object path %q", ErrPattern, p.s[start:p.i])
	}
	if p.keyword("NOT") {
		return fmt.Errorf("%w: NOT", ErrPattern)
	}
	if !p.eat("=") {
		return fmt.Errorf("%w: only = comparisons", ErrPattern)
	}
	if p.i < len(p.s) && p.s[p.i] == '=' {
		return fmt.Errorf("%w: ==", ErrPattern)
	}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '\'' {
		return fmt.Errorf("%w: expected a quoted string at %d", ErrPattern, p.i)
	}
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return fmt.Errorf("%w: unterminated string", ErrPattern)
		}
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) || (p.s[p.i+1] != '\\' && p.s[p.i+1] != '\'') {
				return fmt.Errorf("%w: bad escape", ErrPattern)
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		case '\'':
			p.i++
		default:
			b.WriteByte(c)
			p.i++
			continue
		}
		break
	}
	in, key := ceptor.Indicator{Type: typ, Value: b.String()}.Normalize()
	if key != "" {
		return fmt.Errorf("%w: %s value %q is not valid (%s)", ErrPattern, typ, b.String(), key)
	}
	*out = append(*out, in)
	return nil
}
