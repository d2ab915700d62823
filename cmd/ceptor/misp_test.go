package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMISPImportCommand(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e *testEnv) {
		e.loadDemo(t)
		dir := t.TempDir()
		feed := filepath.Join(dir, "feed")
		os.Mkdir(feed, 0o755)
		uuid := "9a1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f6"
		os.WriteFile(filepath.Join(feed, "manifest.json"), []byte(`{"`+uuid+`": {"info": "x"}}`), 0o644)
		os.WriteFile(filepath.Join(feed, uuid+".json"), []byte(`{"Event":{"uuid":"`+uuid+`","info":"CLI feed","Orgc":{"name":"Partner"},
			"Tag":[{"name":"tlp:green"}],"Attribute":[{"type":"domain","value":"cli-feed.example"},{"type":"ip-dst","value":"192.0.2.77"}]}}`), 0o644)
		out := e.must(t, "misp", "import", feed, "--as", "analyst.nisc@demo.example")
		if !strings.Contains(out, "imported 1 MISP events (2 indicators)") {
			t.Fatalf("import: %q", out)
		}
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"Event":{"uuid":"`+uuid+`","info":"x","Tag":[{"name":"tlp:ex:chr"}]}}`), 0o644)
		if out, err := e.run(t, "misp", "import", bad, "--as", "analyst.nisc@demo.example"); err == nil || !strings.Contains(err.Error(), "TLP") {
			t.Fatalf("unknown TLP: %v %q", err, out)
		}
		if out, err := e.run(t, "misp", "import", feed, "--as", "auditor.nisc@demo.example"); err == nil {
			t.Fatalf("auditor imported: %q", out)
		}
	})
}
