package web

import (
	"slices"
	"strings"
	"testing"
)

// FuzzTAXIIMethods: the path matcher behind TAXII 405 answers never
// panics, names only the methods ceptor serves, and only for paths under
// /taxii2/ ending in a slash; match parameters split into non-empty,
// trimmed values.
func FuzzTAXIIMethods(f *testing.F) {
	for _, s := range []string{"/taxii2/", "/taxii2/ceptor/", "/taxii2/ceptor/collections/x/objects/", "/taxii2/ceptor/collections/x/objects/y/",
		"/taxii2/ceptor/collections/x/objects/y/versions/", "/taxii2/ceptor/status/s/", "/taxii2//", "/taxii2/ceptor/collections//objects//", "last, first,,all"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		ms := taxiiMethods(p)
		if ms != nil && (!strings.HasPrefix(p, taxiiRoot) || !strings.HasSuffix(p, "/")) {
			t.Fatalf("%q: methods %v", p, ms)
		}
		for _, m := range ms {
			if !slices.Contains([]string{"GET", "POST", "DELETE"}, m) {
				t.Fatalf("%q: method %q", p, m)
			}
		}
		for _, v := range splitMatch([]string{p}) {
			if v == "" || strings.TrimSpace(v) != v || strings.Contains(v, ",") {
				t.Fatalf("%q: value %q", p, v)
			}
		}
	})
}

func TestTAXIIMethods(t *testing.T) {
	for p, want := range map[string][]string{
		"/taxii2/": {"GET"}, "/taxii2/ceptor/collections/": {"GET"}, "/taxii2/ceptor/collections/c/objects/": {"GET", "POST"},
		"/taxii2/ceptor/collections/c/objects/o/": {"GET", "DELETE"}, "/taxii2/ceptor/collections/c/manifest/": {"GET"},
		"/taxii2/ceptor/nothing/": nil, "/taxii2/other/": nil, "/taxii2/ceptor/collections/c/objects/o": nil,
	} {
		if got := taxiiMethods(p); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
}
