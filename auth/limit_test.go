package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Limiter tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiterBucket(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		key     string
		want    bool
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"burst then refuse", 1, 3, []step{
			{0, "a", true}, {0, "a", true}, {0, "a", true}, {0, "a", false}, {0, "a", false},
		}},
		{"refill one per second", 1, 2, []step{
			{0, "a", true}, {0, "a", true}, {0, "a", false},
			{500 * time.Millisecond, "a", false},
			{500 * time.Millisecond, "a", true}, {0, "a", false},
			{10 * time.Second, "a", true}, {0, "a", true}, {0, "a", false}, // capped at burst
		}},
		{"keys are independent", 1, 1, []step{
			{0, "a", true}, {0, "a", false}, {0, "b", true}, {0, "b", false}, {0, "c", true},
		}},
		{"slow rate", 1.0 / 60, 1, []step{
			{0, "ip", true}, {30 * time.Second, "ip", false}, {29 * time.Second, "ip", false},
			{time.Second, "ip", true},
		}},
		{"zero rate never refills", 0, 2, []step{
			{0, "a", true}, {0, "a", true}, {time.Hour, "a", false},
		}},
		{"burst below one", 1, 0, []step{
			{0, "a", true}, {0, "a", false}, {time.Second, "a", true},
		}},
		{"clock going back", 1, 1, []step{
			{0, "a", true}, {-time.Hour, "a", false}, {time.Hour, "a", false}, {time.Second, "a", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			l := NewLimiter(tt.rate, tt.burst, clk.Now)
			for i, s := range tt.steps {
				clk.Advance(s.advance)
				if got := l.Allow(s.key); got != s.want {
					t.Fatalf("step %d (%s after %v): Allow = %v, want %v", i, s.key, s.advance, got, s.want)
				}
			}
		})
	}
}

func TestLimiterEvictsIdle(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(1, 5, clk.Now)
	for i := range 1000 {
		l.Allow(fmt.Sprint("10.0.", i/256, ".", i%256))
	}
	if n := l.size(); n != 1000 {
		t.Fatalf("tracking %d keys, want 1000", n)
	}
	clk.Advance(2 * time.Second) // each key spent one token, regained after 1 s
	l.Allow("other")
	if n := l.size(); n != 1 {
		t.Fatalf("after refill tracking %d keys, want 1", n)
	}
	// A drained key is kept until it has refilled.
	for range 5 {
		l.Allow("drained")
	}
	clk.Advance(4 * time.Second)
	l.Allow("x")
	if _, ok := l.buckets["drained"]; !ok {
		t.Fatal("evicted a bucket that had not refilled")
	}
	if l.Allow("drained") != true || l.Allow("drained") != true {
		t.Fatal("drained key did not regain tokens")
	}
}

func TestLimiterCap(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(0.001, 1, clk.Now)
	l.max = 100
	for i := range 500 {
		l.Allow(fmt.Sprint("k", i))
		if n := l.size(); n > 100 {
			t.Fatalf("tracking %d keys over the cap", n)
		}
	}
	// The most recent keys are still throttled; the oldest were dropped.
	if l.Allow("k499") {
		t.Error("recent key not throttled")
	}
	if !l.Allow("k0") {
		t.Error("evicted key still throttled")
	}
	if l.lru.Len() != l.size() {
		t.Errorf("list has %d entries, map %d", l.lru.Len(), l.size())
	}
}

func TestLimiterDefaults(t *testing.T) {
	t.Parallel()
	l := NewLimiter(10, 10, nil)
	if !l.Allow("a") {
		t.Fatal("first attempt refused with the real clock")
	}
	if l.max != MaxLimiterKeys {
		t.Errorf("cap %d, want %d", l.max, MaxLimiterKeys)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(1, 50, clk.Now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				if l.Allow("shared") {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				l.Allow(fmt.Sprint(g, "-", i))
			}
		})
	}
	wg.Wait()
	if allowed != 50 {
		t.Errorf("allowed %d attempts on the shared key, want the burst of 50", allowed)
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		failed int
		want   time.Duration // 0: no lock
	}{
		{-1, 0}, {0, 0}, {1, 0}, {4, 0},
		{5, time.Minute},
		{6, 2 * time.Minute},
		{7, 4 * time.Minute},
		{8, 8 * time.Minute},
		{9, 16 * time.Minute},
		{10, 32 * time.Minute},
		{11, time.Hour},
		{12, time.Hour},
		{70, time.Hour},
		{1 << 40, time.Hour},
	}
	for _, tt := range tests {
		got := Lockout(tt.failed, now)
		switch {
		case tt.want == 0 && got != nil:
			t.Errorf("Lockout(%d) = %v, want nil", tt.failed, got)
		case tt.want != 0 && got == nil:
			t.Errorf("Lockout(%d) = nil, want %v", tt.failed, tt.want)
		case tt.want != 0 && !got.Equal(now.Add(tt.want)):
			t.Errorf("Lockout(%d) = +%v, want +%v", tt.failed, got.Sub(now), tt.want)
		}
	}
}

// size returns the number of tracked keys.
func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
