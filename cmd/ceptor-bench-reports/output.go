package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Target of issue 3 (stated for SQLite on a 2-core machine; the bench
// holds PostgreSQL to it too).
const (
	targetRPS = 1000.0
	targetP99 = 100 * time.Millisecond
)

// command returns the command line that reproduces the run.
func command(o options) string {
	engine := o.Engines[0]
	if len(o.Engines) == 2 {
		engine = "both"
	}
	s := fmt.Sprintf("go run ./cmd/ceptor-bench-reports --engine %s --duration %s --concurrency %d", engine, o.Duration, o.Concurrency)
	if o.Warmup != 2*time.Second {
		s += " --warmup " + o.Warmup.String()
	}
	if o.Users != 10 {
		s += fmt.Sprintf(" --users %d", o.Users)
	}
	if r := strings.Join(o.Routes, ","); r != "ministry,direct" {
		s += " --routes " + r
	}
	return s
}

// report prints the machine and the results in o.Out format.
func report(w io.Writer, o options, m machine, results []*engineResult) {
	md := o.Out == "markdown"
	pg := m.PostgreSQL
	if pg == "" {
		pg = "not used"
	} else {
		pg += " on the same machine, over 127.0.0.1"
	}
	rows := [][]string{
		{"Command", command(o)},
		{"Commit", m.Commit},
		{"CPU", fmt.Sprintf("%s, %d logical CPUs", m.CPU, m.CPUs)},
		{"Memory", m.Memory},
		{"Kernel", m.Kernel},
		{"Go", m.Go},
		{"PostgreSQL", pg},
		{"Date", m.Date},
		{"Load average (1, 5, 15 min)", fmt.Sprintf("%s before the run, %s after it", m.LoadBefore, m.LoadAfter)},
	}
	header := []string{"Engine", "reports/s (sustained)", "p50", "p95", "p99", "max", "created in the window", "errors",
		"totals verified", "CPU per report: ceptor", "CPU per report: PostgreSQL", "PostgreSQL transactions per report", "CPU: load generator", "machine busy (others)", "Verdict (≥ 1,000/s, p99 < 100 ms)"}
	var table [][]string
	var notes []string
	for _, r := range results {
		name := map[string]string{"sqlite": "SQLite (embedded)", "postgres": "PostgreSQL " + r.ServerVersion}[r.Engine]
		l := r.Load
		if l == nil {
			table = append(table, []string{name, "not measured", "", "", "", "", "", "", "", "", "", "", "", "", ""})
			continue
		}
		verified := "yes"
		if !r.Verified {
			verified = "NO"
		}
		dbCPU := "(in ceptor)"
		if r.Engine == "postgres" {
			dbCPU = perReport(l.CPU.Database, l.OK, l.CPUSampled)
		}
		xacts := "—"
		if pg := l.CPU.PG; pg != nil && l.OK > 0 {
			xacts = fmt.Sprintf("%.1f", float64(pg.Xacts)/float64(l.OK))
		}
		busy := "—"
		if l.CPUSampled {
			busy = fmt.Sprintf("%.0f%% (%.0f%%)", 100*l.CPU.Busy, 100*l.CPU.Others)
		}
		clientCPU := "—"
		if l.CPUSampled && l.CPU.Wall > 0 {
			clientCPU = fmt.Sprintf("%.2f cores", l.CPU.Client.Seconds()/l.CPU.Wall.Seconds())
		}
		table = append(table, []string{name, fmt.Sprintf("%.0f", l.RPS), fmtMS(l.P50), fmtMS(l.P95), fmtMS(l.P99), fmtMS(l.Max),
			fmt.Sprint(l.OK), fmt.Sprint(l.Errors), verified, perReport(l.CPU.Server, l.OK, l.CPUSampled), dbCPU, xacts, clientCPU, busy, verdict(l)})
		if l.CPUSampled && l.CPU.Others > 0.10 {
			notes = append(notes, fmt.Sprintf("%s — other processes used %.0f%% of the machine during the measured window: the figures are disturbed; measure again on an idle machine.", name, 100*l.CPU.Others))
		}
		if l.FirstError != "" {
			notes = append(notes, fmt.Sprintf("%s — errors by kind: %s; first error: %s", name, kinds(l.ByStatus), l.FirstError))
		}
		var checks []string
		for _, c := range r.Checks {
			mark := ""
			if !c.ok() {
				mark = " MISMATCH"
			}
			checks = append(checks, fmt.Sprintf("%s %d → %d (+%d, want +%d%s)", c.What, c.Before, c.After, c.After-c.Before, c.Want, mark))
		}
		notes = append(notes, fmt.Sprintf("%s — %d requests sent in all (warm-up and tail included), %d created (%s); GET /api/v1/reports?limit=1 totals: %s",
			name, l.Sent, l.Created, kinds(l.ByRoute), strings.Join(checks, "; ")))
	}
	if md {
		writeMarkdownTable(w, []string{"Machine", ""}, rows)
		fmt.Fprintln(w)
		writeMarkdownTable(w, header, table)
		for _, n := range notes {
			fmt.Fprintf(w, "\n%s\n", mdCell(n))
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range table {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Fprintln(w, "\n"+n)
	}
}

func verdict(l *loadResult) string {
	var missed []string
	if l.RPS < targetRPS {
		missed = append(missed, fmt.Sprintf("%.0f/s < 1,000/s", l.RPS))
	}
	if l.P99 >= targetP99 {
		missed = append(missed, fmt.Sprintf("p99 %s ≥ 100 ms", fmtMS(l.P99)))
	}
	if l.Errors > 0 {
		missed = append(missed, fmt.Sprintf("%d errors", l.Errors))
	}
	if len(missed) == 0 {
		return "met"
	}
	return "MISSED: " + strings.Join(missed, ", ")
}

func perReport(d time.Duration, n int, sampled bool) string {
	if !sampled || n == 0 {
		return "—"
	}
	return fmtMS(d / time.Duration(n))
}

// kinds formats counts by kind, sorted by kind.
func kinds(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func writeMarkdownTable(w io.Writer, header []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(header)))
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdCell(c)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// mdCell makes s safe inside a markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
