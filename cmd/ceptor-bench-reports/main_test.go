package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Engines, []string{"sqlite", "postgres"}) || o.Duration != 20*time.Second || o.Warmup != 2*time.Second ||
		o.Concurrency != 50 || !reflect.DeepEqual(o.Routes, []string{"ministry", "direct"}) {
		t.Errorf("defaults: %+v", o)
	}
	if got := command(o); got != "go run ./cmd/ceptor-bench-reports --engine both --duration 20s --concurrency 50" {
		t.Errorf("command = %q", got)
	}
	for _, bad := range [][]string{
		{"--engine", "mysql"}, {"--routes", "ministry,anonymous"}, {"--duration", "10ms"}, {"--concurrency", "0"},
		{"--postgres-url", "postgres://root@db.example.com/postgres"}, {"extra"},
	} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestPickOperators(t *testing.T) {
	tsv := "admin.nisc@demo.example\tNISC\tnisc\tadmin\n" +
		"admin.op-telecom@demo.example\t長岡ネットワークス\toperator\tadmin\n" +
		"admin.operator@demo.example\t所沢銀行\toperator\tadmin\n" +
		"analyst.operator@demo.example\t所沢銀行\toperator\tanalyst\n" +
		"admin.op-gas@demo.example\t宇和島ガス\toperator\tadmin\n" +
		"admin.op-x@demo.example\tSupplier\tsupplier\tadmin\n"
	users, err := parseUserTSV(tsv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range pickOperators(users, 10) {
		got = append(got, u.Email)
	}
	want := []string{"analyst.operator@demo.example", "admin.op-telecom@demo.example", "admin.op-gas@demo.example"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pickOperators = %q, want %q", got, want)
	}
	if n := len(pickOperators(users, 2)); n != 2 {
		t.Errorf("pickOperators(2) gave %d", n)
	}
	if _, err := parseUserTSV("just-an-email\n"); err == nil {
		t.Error("malformed TSV accepted")
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 95: 95, 99: 99, 100: 100} {
		if got := percentile(lat, p); got != want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestParseProcStatCPU(t *testing.T) {
	stat := "123 (ceptor (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0"
	d, err := parseProcStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if d != 3*time.Second {
		t.Errorf("CPU = %s, want 3s", d)
	}
}

// The body must use only fields of the API's reportInput (the server
// refuses unknown fields), read from the source of package web.
func TestReportBodyMatchesAPI(t *testing.T) {
	fields := jsonTags(t, "../../web/report_input.go", "reportInput")
	now := time.Now()
	for seq := range 12 {
		b := newReportBody(seq, "ministry", 2, now)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !fields[k] {
				t.Errorf("field %q is not in web.reportInput", k)
			}
		}
		for _, k := range []string{"route", "sector_id", "tlp", "title", "event_class", "causes", "indicators", "submit"} {
			if _, ok := m[k]; !ok {
				t.Errorf("report %d has no %q", seq, k)
			}
		}
		var r reportBody
		json.Unmarshal(b, &r)
		for _, s := range []string{r.StartedAt, r.DetectedAt} {
			at, err := time.ParseInLocation("2006-01-02T15:04", s, jst)
			if err != nil {
				at, err = time.Parse(time.RFC3339, s)
			}
			if err != nil || at.After(now) {
				t.Errorf("time %q: %v (in the future: %v)", s, err, at.After(now))
			}
		}
		if r.TLP != "amber" || !r.Submit || len(r.Indicators) != 5 {
			t.Errorf("report %d: %+v", seq, r)
		}
	}
	if string(newReportBody(1, "direct", 2, now)) == string(newReportBody(2, "direct", 2, now)) {
		t.Error("two submissions have the same body")
	}
}

// jsonTags returns the JSON names of the fields of a struct type declared
// in a Go source file.
func jsonTags(t *testing.T, file, typeName string) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			return true
		}
		for _, fld := range ts.Type.(*ast.StructType).Fields.List {
			if fld.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(fld.Tag.Value)
			name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			if name != "" && name != "-" {
				out[name] = true
			}
		}
		return false
	})
	if len(out) == 0 {
		t.Fatalf("no struct %s with JSON tags in %s", typeName, file)
	}
	return out
}
