// Package fuzzci runs the project's parser fuzz targets for a short time
// inside `go test ./...` when CEPTOR_FUZZ_TIME is set (CI sets it): each
// target below is fuzzed by `go test -fuzz` for that long, and a crash
// fails this test with the fuzzer's report (the failing input is then in
// the target package's testdata/fuzz). Without the variable only the
// targets' seed corpora run, as part of their own packages' tests.
package fuzzci

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// packages whose Fuzz targets run: the parsers of outside input (STIX and
// its patterns, MISP events and feeds, e-mails for C4TAP, TAXII answers,
// registry and catalog files, Markdown, sealed values). The web package's
// targets need a database per input and run their seeds only.
var packages = []string{".", "auth", "stix", "misp", "c4tap", "taxiiclient", "registryio"}

func TestFuzzBriefly(t *testing.T) {
	d := os.Getenv("CEPTOR_FUZZ_TIME")
	if d == "" {
		t.Skip("CEPTOR_FUZZ_TIME not set: the fuzz targets run their seeds only (CI sets it)")
	}
	per, err := time.ParseDuration(d)
	if err != nil || per <= 0 {
		t.Fatalf("CEPTOR_FUZZ_TIME=%q: want a duration such as 5s", d)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	total := 0
	for _, pkg := range packages {
		targets := fuzzTargets(t, filepath.Join(root, pkg))
		if len(targets) == 0 {
			t.Errorf("package %s has no fuzz targets", pkg)
		}
		for _, name := range targets {
			total++
			ctx, cancel := context.WithTimeout(context.Background(), per+3*time.Minute)
			cmd := exec.CommandContext(ctx, gobin, "test", "-run", "^$", "-fuzz", "^"+name+"$", "-fuzztime", per.String(), "-parallel", "2", "./"+pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CEPTOR_FUZZ_TIME=") // no recursion
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err := cmd.Run()
			cancel()
			if err != nil {
				// Go's fuzzing engine fails with "context deadline exceeded"
				// when -fuzztime ends while a worker is still busy (on a
				// loaded machine, without any input failing). A found failure
				// always writes its input to testdata/fuzz.
				if o := out.String(); strings.Contains(o, "context deadline exceeded") && !strings.Contains(o, "Failing input written to") {
					t.Logf("%s ./%s: the fuzzing engine stopped at its deadline with a worker busy (no failing input): %s", name, pkg, lastLine(o))
					continue
				}
				t.Errorf("fuzzing %s in ./%s failed: %v\n%s", name, pkg, err, out.String())
				continue
			}
			t.Logf("%s ./%s: %s, %s", name, pkg, time.Since(start).Round(time.Second), lastLine(out.String()))
		}
	}
	t.Logf("%d fuzz targets, %s each", total, per)
}

// fuzzTargets lists the Fuzz functions of the _test.go files in dir.
func fuzzTargets(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Fuzz") {
				out = append(out, fn.Name.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "fuzz: elapsed") {
			return lines[i]
		}
	}
	return lines[len(lines)-1]
}
