package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of the operations requirement.
const (
	targetReady = 2 * time.Second
	targetRSS   = 150_000_000 // 150 MB (decimal), about 143 MiB
)

// machine describes where the bench ran.
type machine struct {
	CPU        string
	CPUs       int
	Memory     string
	Kernel     string
	Go         string
	PostgreSQL string
	Date       string
	LoadBefore string // /proc/loadavg when the bench started
	LoadAfter  string // and when it finished
}

// describeMachine gathers the machine description from /proc and the
// environment; anything it cannot read is reported as "unknown".
func describeMachine(goVersion string) machine {
	m := machine{CPU: "unknown", CPUs: runtime.NumCPU(), Memory: "unknown", Kernel: "unknown", Go: goVersion,
		Date: time.Now().Format("2006-01-02 15:04 MST")}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				break
			}
		}
	}
	m.LoadBefore = loadAverage()
	if b, err := exec.Command("uname", "-sr").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// report prints the machine and one table per engine in o.Out format.
func report(w io.Writer, o options, m machine, results []*engineResult) {
	md := o.Out == "markdown"
	cmdline := fmt.Sprintf("go run ./cmd/ceptor-bench --engine %s --duration %s --concurrency %d",
		engineFlag(o.Engines), o.Duration, o.Concurrency)
	if o.PostgresURL != defaultPostgresURL && slices.Contains(o.Engines, "postgres") {
		cmdline += " --postgres-url '" + o.PostgresURL + "'"
	}
	if o.WarmStarts != 3 {
		cmdline += fmt.Sprintf(" --warm-starts %d", o.WarmStarts)
	}
	if o.SignIns != 4 {
		cmdline += fmt.Sprintf(" --signins %d", o.SignIns)
	}
	if o.Idle != 5*time.Second {
		cmdline += " --idle " + o.Idle.String()
	}
	pg := m.PostgreSQL
	if pg == "" {
		pg = "not used"
	}
	machineRows := [][2]string{
		{"Command", cmdline},
		{"CPU", fmt.Sprintf("%s, %d logical CPUs", m.CPU, m.CPUs)},
		{"Memory", m.Memory},
		{"Kernel", m.Kernel},
		{"Go", m.Go},
		{"PostgreSQL", pg},
		{"Date", m.Date},
		{"Load average (1, 5, 15 min)", fmt.Sprintf("%s before the run, %s after it", m.LoadBefore, m.LoadAfter)},
	}
	if md {
		fmt.Fprintln(w, "| Machine | |\n|---|---|")
		for _, r := range machineRows {
			fmt.Fprintf(w, "| %s | %s |\n", r[0], mdCell(r[1]))
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range machineRows {
			fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
		}
		tw.Flush()
	}

	for _, r := range results {
		title := map[string]string{"sqlite": "SQLite (embedded)", "postgres": "PostgreSQL " + r.ServerVersion}[r.Engine]
		measures := [][]string{
			{"First start (migrations + demo load), to /readyz 200", fmtDuration(r.FirstStart), "—", ""},
			{"Peak RSS during the first start (VmHWM)", fmtMiB(r.FirstPeakRSS), "—", ""},
			{fmt.Sprintf("Start-up to ready with demo data (warm start, median of %d; slowest)", len(r.WarmStarts)), fmtStarts(r.WarmStarts),
				"< 2 s", verdict(len(r.WarmStarts) > 0, median(r.WarmStarts) < targetReady)},
			{fmt.Sprintf("RSS at idle (%s after ready, no request served yet); VmHWM", o.Idle), fmtMiB(r.Idle.RSS) + "; " + fmtMiB(r.Idle.HWM), "< 150 MB", verdict(r.Idle.RSS > 0, r.Idle.RSS < targetRSS)},
			{"RSS right after the load runs", fmtMiB(r.AfterLoad.RSS), "—", ""},
			{fmt.Sprintf("RSS at idle again (%s after the load runs); VmHWM", o.Idle), fmtMiB(r.AfterLoadIdle.RSS) + "; " + fmtMiB(r.AfterLoadIdle.HWM), "—", ""},
		}
		if o.SignIns > 0 {
			measures = append(measures,
				[]string{fmt.Sprintf("RSS at idle %s after one password sign-in; VmHWM", o.Idle), fmtMiB(r.AfterSignIn.RSS) + "; " + fmtMiB(r.AfterSignIn.HWM),
					"< 150 MB", verdict(r.AfterSignIn.RSS > 0, r.AfterSignIn.RSS < targetRSS)},
				[]string{fmt.Sprintf("RSS at idle %s after %d simultaneous password sign-ins; VmHWM", o.Idle, o.SignIns), fmtMiB(r.AfterSignIns.RSS) + "; " + fmtMiB(r.AfterSignIns.HWM),
					"< 150 MB", verdict(r.AfterSignIns.RSS > 0, r.AfterSignIns.RSS < targetRSS)})
		}
		loadHeader := []string{"GET /api/v1/organizations?limit=100 as", "rows (of total)", "body", "requests/s", "p50", "p95", "p99", "max", "requests", "errors", "CPU per request: ceptor", "CPU per request: database", "CPU taken by other processes"}
		var loads [][]string
		var notes []string // errors, printed under the table
		for _, l := range r.Loads {
			who := l.User + " — " + l.Label
			if l.Err != nil {
				loads = append(loads, []string{who, "not measured", "", "", "", "", "", "", "", "", "", "", ""})
				notes = append(notes, "Not measured — "+l.User+": "+l.Err.Error())
				continue
			}
			dbCPU := "(in ceptor)"
			if r.Engine == "postgres" {
				dbCPU = fmtLatency(l.perRequest(l.CPU.Database))
			}
			loads = append(loads, []string{who, fmt.Sprintf("%d (of %d)", l.Rows, l.Total), fmtBytes(l.Bytes),
				fmt.Sprintf("%.0f", l.RPS), fmtLatency(l.P50), fmtLatency(l.P95), fmtLatency(l.P99), fmtLatency(l.Max),
				fmt.Sprint(l.Requests), fmt.Sprint(l.Errors), fmtLatency(l.perRequest(l.CPU.Server)), dbCPU, fmt.Sprintf("%.0f%%", 100*l.CPU.Others)})
			if l.FirstError != "" {
				notes = append(notes, "First error — "+l.User+": "+l.FirstError)
			}
		}
		if md {
			fmt.Fprintf(w, "\n### %s\n\n", title)
			writeMarkdownTable(w, []string{"Measure", "Result", "Target", "Verdict"}, measures)
			if len(loads) > 0 {
				fmt.Fprintln(w)
				writeMarkdownTable(w, loadHeader, loads)
			}
			fmt.Fprintf(w, "\n%d concurrent keep-alive clients, %s per user; latency is per request, measured by the client. "+
				"CPU per request is the user+system time over the run divided by the requests, of the ceptor process and of the PostgreSQL backends serving its database; "+
				"the last column is the share of the machine's CPU capacity used by all other processes during the run (on a shared machine it says how far the figures can be trusted).\n",
				o.Concurrency, o.Duration)
			for _, n := range notes {
				fmt.Fprintf(w, "\n%s\n", mdCell(n))
			}
		} else {
			fmt.Fprintf(w, "\n== %s ==\n", title)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			for _, row := range measures {
				fmt.Fprintln(tw, strings.Join(row, "\t"))
			}
			if len(loads) > 0 {
				fmt.Fprintln(tw)
				fmt.Fprintln(tw, strings.Join(loadHeader, "\t"))
			}
			for _, row := range loads {
				fmt.Fprintln(tw, strings.Join(row, "\t"))
			}
			tw.Flush()
			for _, n := range notes {
				fmt.Fprintln(w, n)
			}
		}
	}
}

func engineFlag(engines []string) string {
	if len(engines) == 2 {
		return "both"
	}
	return engines[0]
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

func verdict(measured, met bool) string {
	switch {
	case !measured:
		return "not measured"
	case met:
		return "met"
	default:
		return "MISSED"
	}
}

func fmtDuration(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// median returns the median of ds (the lower middle one for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// fmtStarts formats start-up times as "median; slowest".
func fmtStarts(ds []time.Duration) string {
	if len(ds) == 0 {
		return "—"
	}
	return fmtDuration(median(ds)) + "; " + fmtDuration(slices.Max(ds))
}

func fmtLatency(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func fmtMiB(b int64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func fmtBytes(n int) string {
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}
