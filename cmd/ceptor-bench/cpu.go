package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc (USER_HZ, "getconf
// CLK_TCK"); Linux fixes it at 100 on every architecture it exports to
// user space.
const userHZ = 100

// cpuSample is a snapshot of CPU time: of the whole machine, of the server
// under test, of the database server's processes and of the bench itself. Differences of two samples show how
// much of the machine the server used, and how much other processes took
// while the bench ran — on a shared machine the second number says how far
// the figures can be trusted.
type cpuSample struct {
	total, idle uint64                // jiffies over all CPUs, from /proc/stat
	server      time.Duration         // user+system time of the server process
	db          map[int]time.Duration // user+system time of each database process
	self        time.Duration         // user+system time of the bench process
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
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return s, fmt.Errorf("unexpected first line of /proc/stat: %q", line)
		}
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already counted in user and nice.
		if i >= 8 {
			break
		}
		s.total += n
		if i == 3 || i == 4 {
			s.idle += n
		}
	}
	if s.server, err = processCPU(pid); err != nil {
		return s, err
	}
	for _, p := range dbPIDs {
		if s.db[p], err = processCPU(p); err != nil {
			return s, err
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s, err
	}
	s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return s, nil
}

// processCPU returns the user+system CPU time of a process from
// /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	return parseProcStatCPU(string(b))
}

// parseProcStatCPU reads utime and stime (fields 14 and 15) from the text of
// a /proc/<pid>/stat file. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
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
	Server   time.Duration // CPU time the server used
	Database time.Duration // CPU time the database server's processes used
	Client   time.Duration // CPU time the bench (load generator) used
	// Others is the share of the machine's capacity (0..1) that other
	// processes used.
	Others float64
}

// cpuBetween compares two samples.
func cpuBetween(a, b cpuSample) cpuUse {
	u := cpuUse{Server: b.server - a.server, Client: b.self - a.self}
	for pid, t := range b.db {
		u.Database += t - a.db[pid] // a process that started in between counts whole
	}
	total := b.total - a.total
	if total == 0 {
		return u
	}
	capacity := time.Duration(total) * time.Second / userHZ
	busy := time.Duration(total-(b.idle-a.idle)) * time.Second / userHZ
	others := busy - u.Server - u.Database - u.Client
	u.Others = max(0, float64(others)/float64(capacity))
	return u
}
