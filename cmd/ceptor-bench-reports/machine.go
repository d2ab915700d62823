package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine describes where the bench ran.
type machine struct {
	CPU        string
	CPUs       int
	Memory     string
	Kernel     string
	Go         string
	PostgreSQL string
	Commit     string
	Date       string
	LoadBefore string // /proc/loadavg when the bench started
	LoadAfter  string // and when it finished
}

// describeMachine gathers the machine description; anything it cannot
// read is "unknown".
func describeMachine(goVersion, commit string) machine {
	m := machine{CPU: "unknown", CPUs: runtime.NumCPU(), Memory: "unknown", Kernel: "unknown", Go: goVersion,
		Commit: commit, Date: time.Now().Format("2006-01-02 15:04 MST")}
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
	if b, err := exec.Command("uname", "-sr").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.LoadBefore = loadAverage()
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

// userHZ is the unit of the CPU times in /proc (USER_HZ), 100 on every
// architecture Linux exports to user space.
const userHZ = 100

// cpuSample is a snapshot of CPU time: of the whole machine, of the server,
// of the database server's processes and of the bench itself.
type cpuSample struct {
	total, idle uint64 // jiffies over all CPUs, from /proc/stat
	server      time.Duration
	db          map[int]time.Duration
	self        time.Duration
	pg          *pgCounters // PostgreSQL only
}

// sampleCPU takes a cpuSample; pid is the server's process, dbPIDs the
// database server's.
func sampleCPU(pid int, dbPIDs []int) (cpuSample, error) {
	s := cpuSample{db: map[int]time.Duration{}}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return s, fmt.Errorf("unexpected first line of /proc/stat: %q", line)
	}
	for i, f := range fields[1:] {
		if i >= 8 { // guest time is already counted in user and nice
			break
		}
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return s, fmt.Errorf("unexpected first line of /proc/stat: %q", line)
		}
		s.total += n
		if i == 3 || i == 4 { // idle, iowait
			s.idle += n
		}
	}
	if s.server, err = processCPU(pid); err != nil {
		return s, err
	}
	for _, p := range dbPIDs {
		if t, err := processCPU(p); err == nil { // a backend may have just exited
			s.db[p] = t
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s, err
	}
	s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return s, nil
}

// processCPU returns the user+system CPU time of a process.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	return parseProcStatCPU(string(b))
}

// parseProcStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line, counting fields from the last ')' since the
// command name may hold spaces and parentheses.
func parseProcStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
	}
	var ticks uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// cpuUse is what happened between two cpuSamples.
type cpuUse struct {
	Wall     time.Duration
	Server   time.Duration // CPU time of ceptor
	Database time.Duration // CPU time of the PostgreSQL backends of its database
	Client   time.Duration // CPU time of the bench (the load generator)
	Busy     float64       // share of the machine's capacity (0..1) in use
	Others   float64       // share used by all other processes
	PG       *pgCounters   // growth of the PostgreSQL counters (PostgreSQL only)
}

// cpuBetween compares two samples.
func cpuBetween(a, b cpuSample, wall time.Duration) cpuUse {
	u := cpuUse{Wall: wall, Server: b.server - a.server, Client: b.self - a.self}
	for pid, t := range b.db {
		u.Database += t - a.db[pid] // a backend started in between counts whole
	}
	if a.pg != nil && b.pg != nil {
		u.PG = &pgCounters{Xacts: b.pg.Xacts - a.pg.Xacts, Fetched: b.pg.Fetched - a.pg.Fetched,
			Inserted: b.pg.Inserted - a.pg.Inserted, Updated: b.pg.Updated - a.pg.Updated}
	}
	total := b.total - a.total
	if total == 0 {
		return u
	}
	capacity := time.Duration(total) * time.Second / userHZ
	busy := time.Duration(total-(b.idle-a.idle)) * time.Second / userHZ
	u.Busy = float64(busy) / float64(capacity)
	u.Others = max(0, float64(busy-u.Server-u.Database-u.Client)/float64(capacity))
	return u
}
