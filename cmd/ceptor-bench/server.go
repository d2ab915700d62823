package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pollInterval is how often /readyz is polled while a server starts.
const pollInterval = 10 * time.Millisecond

// server is one running `ceptor serve` process.
type server struct {
	cmd     *exec.Cmd
	addr    string
	started time.Time // just before the process was started
	log     *tailBuffer
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// startServer starts bin with args. The process gets its own process group,
// so that a Ctrl-C in the terminal reaches the bench (which then stops it
// in order) rather than the server directly, and is killed by the kernel
// should the bench itself die.
func startServer(bin string, args, env []string, addr string) (*server, error) {
	s := &server{addr: addr, log: &tailBuffer{max: 16 << 10}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls /readyz every pollInterval and returns the time from the
// process start to the first 200. It fails when the process exits, ctx
// ends or timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	url := "http://" + s.addr + "/readyz"
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-s.exited:
			return 0, fmt.Errorf("ceptor exited before it was ready (%v); its output:\n%s", s.waitErr, s.log)
		case <-deadline.C:
			return 0, fmt.Errorf("ceptor not ready after %s; its output:\n%s", timeout, s.log)
		case <-tick.C:
		}
		resp, err := client.Get(url)
		if err != nil {
			continue // not listening yet
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return time.Since(s.started), nil
		}
	}
}

// stop sends SIGTERM and waits for the process to exit, killing it after
// stopTimeout. It is safe to call more than once.
func (s *server) stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				s.cmd.Process.Kill()
				<-s.exited
				s.stopErr = fmt.Errorf("ceptor did not stop within %s of SIGTERM and was killed", stopTimeout)
				return
			}
		}
		if s.waitErr != nil {
			s.stopErr = fmt.Errorf("ceptor exited with %v; its output:\n%s", s.waitErr, s.log)
		}
	})
	return s.stopErr
}

// memory is the resident memory of a process.
type memory struct {
	RSS int64 // VmRSS, bytes
	HWM int64 // VmHWM (peak RSS), bytes
}

// readMemory reads VmRSS and VmHWM from /proc/<pid>/status.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	defer f.Close()
	return parseStatus(bufio.NewScanner(f))
}

// parseStatus reads VmRSS and VmHWM from the lines of a /proc status file.
func parseStatus(sc *bufio.Scanner) (memory, error) {
	var m memory
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			return m, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		if key == "VmRSS" {
			m.RSS = n << 10
		} else {
			m.HWM = n << 10
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if m.RSS == 0 || m.HWM == 0 {
		return m, fmt.Errorf("no VmRSS/VmHWM in the status file")
	}
	return m, nil
}

// tailBuffer keeps the last max bytes written to it; it holds a server's
// output for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return "(no output)"
	}
	return string(t.buf)
}
