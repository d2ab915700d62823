// Package i18n holds the user-facing text of ceptor in Japanese (the default)
// and English. Messages live in embedded JSON files, one pair per area of the
// product (messages/<area>.ja.json and messages/<area>.en.json), merged at
// start-up; a test checks that both languages have exactly the same keys.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Languages supported, the first is the default.
var Languages = []string{"ja", "en"}

// Default is the language used when nothing else decides.
const Default = "ja"

//go:embed messages/*.json
var files embed.FS

// Catalog maps language -> key -> text.
type Catalog map[string]map[string]string

var catalog = mustLoad()

func mustLoad() Catalog {
	c, err := load(files)
	if err != nil {
		panic(err) // embedded files are checked by tests; a broken build must not start
	}
	return c
}

func load(fsys fs.FS) (Catalog, error) {
	c := Catalog{}
	for _, l := range Languages {
		c[l] = map[string]string{}
	}
	names, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		dot := strings.LastIndexByte(base, '.')
		if dot < 0 {
			return nil, fmt.Errorf("i18n: %s: name must be <area>.<lang>.json", name)
		}
		lang := base[dot+1:]
		m, ok := c[lang]
		if !ok {
			return nil, fmt.Errorf("i18n: %s: unknown language %q", name, lang)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var kv map[string]string
		if err := json.Unmarshal(b, &kv); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, v := range kv {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q defined twice", name, k)
			}
			m[k] = v
		}
	}
	return c, nil
}

// Normalize returns a supported language for a tag such as "en-US", or "".
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	for _, l := range Languages {
		if tag == l || strings.HasPrefix(tag, l+"-") || strings.HasPrefix(tag, l+"_") {
			return l
		}
	}
	return ""
}

// FromAcceptLanguage picks the first supported language of an
// Accept-Language header (weights are honoured by order of appearance,
// which is what browsers send), or "".
func FromAcceptLanguage(h string) string {
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(part, ";")
		if l := Normalize(tag); l != "" {
			return l
		}
	}
	return ""
}

// T returns the text for key in lang, formatted with args (fmt verbs). A
// missing key falls back to Japanese, then to the key itself, so that a gap
// is visible but never breaks a page.
func T(lang, key string, args ...any) string {
	m := catalog[lang]
	s, ok := m[key]
	if !ok {
		if s, ok = catalog[Default][key]; !ok {
			s = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists.
func Has(key string) bool {
	_, ok := catalog[Default][key]
	return ok
}

// Keys returns every key of a language, sorted (for tests).
func Keys(lang string) []string {
	var out []string
	for k := range catalog[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
