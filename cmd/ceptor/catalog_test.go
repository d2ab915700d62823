package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ceptor catalog import / list / export, on both engines: a good file, a
// broken one (line and column, nothing stored), and an OSCAL round trip
// that becomes the next version.
func TestCatalogCommands(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		e.loadDemo(t)
		dir := t.TempDir()
		good := filepath.Join(dir, "cat.csv")
		os.WriteFile(good, []byte("id,title,group,tier,sectors\nC-1,方針,ガバナンス,baseline,\nC-2,評価,ガバナンス,leading,finance\n"), 0o644)
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("id,title,group,tier\nC-1,方針,ガバナンス,sometimes\n"), 0o644)

		out, err := e.run(t, "catalog", "import", bad, "--code", "cli", "--title", "CLI")
		if err == nil || !strings.Contains(out, "line 2, tier") || !strings.Contains(err.Error(), "nothing was imported") {
			t.Fatalf("bad file: %v %q", err, out)
		}
		out = e.must(t, "catalog", "import", good, "--code", "cli", "--title", "CLI 指針")
		if !strings.Contains(out, "imported cli version 1") || !strings.Contains(out, "1 baseline, 1 leading") {
			t.Fatalf("import: %q", out)
		}
		list := e.must(t, "catalog", "list")
		if !strings.Contains(list, "cli\tv1") {
			t.Fatalf("list: %q", list)
		}
		var id string
		for line := range strings.SplitSeq(list, "\n") {
			if strings.Contains(line, "cli\tv1") {
				id = strings.SplitN(line, "\t", 2)[0]
			}
		}
		oscal := e.must(t, "catalog", "export", id, "--format", "oscal")
		js := filepath.Join(dir, "cat.json")
		os.WriteFile(js, []byte(oscal), 0o644)
		out = e.must(t, "catalog", "import", js, "--code", "cli")
		if !strings.Contains(out, "imported cli version 2") || !strings.Contains(out, "0 added, 0 changed, 0 removed, 0 mapped") {
			t.Fatalf("oscal import: %q", out)
		}
	})
}
