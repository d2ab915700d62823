package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// The configuration table of the README and of the operations guides names
// every flag of `ceptor serve` with its environment variable, so that a new
// flag cannot go undocumented.
func TestDocsListEveryServeFlag(t *testing.T) {
	t.Parallel()
	docs := map[string]string{}
	for _, p := range []string{"README.md", "docs/operations.md", "docs/operations.ja.md"} {
		docs[p] = readRepoFile(t, p)
	}
	serveCmd(nil).Flags().VisitAll(func(f *pflag.Flag) {
		env := "CEPTOR_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		row := regexp.MustCompile("(?m)^\\| `--" + regexp.QuoteMeta(f.Name) + "` \\| `" + env + "` \\|")
		for p, text := range docs {
			if !row.MatchString(text) {
				t.Errorf("%s has no configuration row for --%s / %s", p, f.Name, env)
			}
		}
	})
}

// The README's test command and the one CI runs are the same command.
func TestCIRunsTheREADMETestCommand(t *testing.T) {
	t.Parallel()
	const cmd = "go test -race -timeout 25m ./..."
	if readme := readRepoFile(t, "README.md"); strings.Count(readme, "\n"+cmd+"\n") < 2 {
		t.Errorf("README.md does not give %q as the test command (in both languages)", cmd)
	}
	ci := readRepoFile(t, ".ci/run")
	var goTest []string
	for line := range strings.SplitSeq(ci, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "go test") {
			goTest = append(goTest, l)
		}
	}
	if len(goTest) != 1 || goTest[0] != cmd {
		t.Errorf(".ci/run runs %q, want exactly the README's %q", goTest, cmd)
	}
	if fi, err := os.Stat("../../.ci/run"); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf(".ci/run is not executable: %v", err)
	}
}
