package main

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"ceptor/internal/benchenv"
)

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 95: 95, 99: 99, 100: 100, 0: 1} {
		if got := percentile(lat, p); got != want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", p, got, want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil) = %v, want 0", got)
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile([7], 99) = %v, want 7", got)
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tceptor\nVmPeak:\t 1000 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t9\n"
	m, err := parseStatus(bufio.NewScanner(strings.NewReader(status)))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 1024<<10 || m.HWM != 2048<<10 {
		t.Errorf("got %+v", m)
	}
	if _, err := parseStatus(bufio.NewScanner(strings.NewReader("Name:\tx\n"))); err == nil {
		t.Error("status without VmRSS accepted")
	}
}

func TestLastLine(t *testing.T) {
	out := "token 3 for admin.nisc@demo.example, scopes read,write,admin\ncpt_abc123\n\n"
	if got := benchenv.LastLine(out); got != "cpt_abc123" {
		t.Errorf("lastLine = %q", got)
	}
}

func TestLoopbackURL(t *testing.T) {
	for _, ok := range []string{"postgres://root@127.0.0.1:5432/postgres?sslmode=disable", "postgresql://u@[::1]/x"} {
		if _, err := benchenv.LoopbackURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"postgres://root@db.example:5432/postgres", "postgres://root@10.0.0.1/x", "mysql://127.0.0.1/x", "postgres://root@localhost/x"} {
		if _, err := benchenv.LoopbackURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Engines) != 2 || o.Duration != 10*time.Second || o.Concurrency != 8 || o.Out != "markdown" {
		t.Errorf("defaults: %+v", o)
	}
	for _, args := range [][]string{
		{"--engine", "mysql"}, {"--out", "html"}, {"--concurrency", "0"}, {"--duration", "1h"},
		{"--postgres-url", "postgres://root@db.example/postgres"}, {"extra"}, {"--signins", "10"}, {"--warm-starts", "0"},
	} {
		if _, err := parseFlags(args, &strings.Builder{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := parseFlags([]string{"--engine", "sqlite", "--postgres-url", "postgres://root@db.example/postgres"}, &strings.Builder{}); err != nil {
		t.Errorf("postgres URL checked although postgres is not measured: %v", err)
	}
}

func TestMedian(t *testing.T) {
	if got := median([]time.Duration{30, 10, 20}); got != 20 {
		t.Errorf("median(30,10,20) = %v", got)
	}
	if got := median([]time.Duration{40, 10, 30, 20}); got != 20 {
		t.Errorf("median(40,10,30,20) = %v, want the lower middle 20", got)
	}
	if got := median(nil); got != 0 {
		t.Errorf("median(nil) = %v", got)
	}
}

func TestParseProcStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 250, stime 50 ticks.
	stat := "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 1000000 500"
	got, err := parseProcStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * time.Second; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := parseProcStatCPU("garbage"); err == nil {
		t.Error("garbage accepted")
	}
}

func TestCPUBetween(t *testing.T) {
	a := cpuSample{total: 1000, idle: 600, server: 0, self: 0, db: map[int]time.Duration{7: time.Second}}
	// 10 s of a 2-CPU machine = 2000 jiffies; 1200 busy = 12 s; the server
	// used 5 s, the bench 3 s and the database 2 s (1 s in process 7, 1 s
	// in process 8 that started in between), so others used 2 s of 20 s.
	b := cpuSample{total: 3000, idle: 1400, server: 5 * time.Second, self: 3 * time.Second,
		db: map[int]time.Duration{7: 2 * time.Second, 8: time.Second}}
	u := cpuBetween(a, b)
	if u.Server != 5*time.Second || u.Client != 3*time.Second || u.Database != 2*time.Second || u.Others < 0.099 || u.Others > 0.101 {
		t.Errorf("got %+v", u)
	}
}

func TestCSRFField(t *testing.T) {
	page := `<form method="post" action="/login"><input type="hidden" name="csrf" value="a&amp;b123"><input name="email">`
	if got, ok := csrfField(page); !ok || got != "a&b123" {
		t.Errorf("csrfField = %q, %v", got, ok)
	}
	if _, ok := csrfField("<form></form>"); ok {
		t.Error("found a csrf field in a form without one")
	}
}
