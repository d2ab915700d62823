package auth

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// MaxLimiterKeys bounds the number of keys a Limiter tracks.
const MaxLimiterKeys = 100_000

// Limiter throttles attempts per key (typically the client IP) on one node
// with a token bucket per key: each key may spend burst attempts at once,
// and regains rate attempts per second. It is safe for concurrent use.
//
// Memory is bounded: a bucket that has refilled completely behaves exactly
// like a new one and is dropped, and beyond MaxLimiterKeys keys the least
// recently used bucket is dropped.
type Limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	max     int
	buckets map[string]*list.Element // of *bucket
	lru     list.List                // front: most recently used
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a Limiter granting rate attempts per second per key
// with bursts of burst attempts. A burst below 1 is taken as 1; a rate of 0
// or less never refills (burst attempts in all, until the bucket is evicted).
// now is the clock, time.Now when nil.
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if burst < 1 {
		burst = 1
	}
	if rate < 0 || math.IsNaN(rate) {
		rate = 0
	}
	return &Limiter{
		rate:    rate,
		burst:   float64(burst),
		now:     now,
		max:     MaxLimiterKeys,
		buckets: map[string]*list.Element{},
	}
}

// Allow spends one attempt of key and reports whether one was available.
func (l *Limiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()

	var b *bucket
	if e, ok := l.buckets[key]; ok {
		b = e.Value.(*bucket)
		b.tokens = l.refill(b, now)
		if now.After(b.last) { // never move backwards with the clock
			b.last = now
		}
		l.lru.MoveToFront(e)
	} else {
		b = &bucket{key: key, tokens: l.burst, last: now}
		l.buckets[key] = l.lru.PushFront(b)
	}
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	}
	l.evict(now)
	return allowed
}

// refill returns the tokens of b at now.
func (l *Limiter) refill(b *bucket, now time.Time) float64 {
	elapsed := now.Sub(b.last).Seconds()
	if elapsed <= 0 {
		return b.tokens // the clock went backwards or did not move
	}
	return math.Min(l.burst, b.tokens+elapsed*l.rate)
}

// evict drops buckets from the least recently used end while they are full
// again (indistinguishable from new) or the map is over its cap. The bucket
// just used is at the front and is never full, unless the map holds only it.
func (l *Limiter) evict(now time.Time) {
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		b := e.Value.(*bucket)
		if len(l.buckets) <= l.max && l.refill(b, now) < l.burst {
			return
		}
		l.lru.Remove(e)
		delete(l.buckets, b.key)
	}
}

// lockoutThreshold is the number of consecutive failed sign-ins that locks
// an account.
const lockoutThreshold = 5

// Lockout durations.
const (
	LockoutBase = time.Minute
	LockoutMax  = time.Hour
)

// Lockout tells when an account with failed consecutive failed sign-ins (the
// latest included) may try again: nil below 5 failures, otherwise now plus
// 1 minute at 5 failures, doubling with each further failure (2, 4, 8, 16,
// 32 minutes) and capped at 1 hour from the 11th on.
func Lockout(failed int, now time.Time) (until *time.Time) {
	if failed < lockoutThreshold {
		return nil
	}
	d := LockoutMax
	if extra := failed - lockoutThreshold; extra < 7 { // 1 min << 6 = 64 min > cap
		d = min(LockoutBase<<extra, LockoutMax)
	}
	t := now.Add(d)
	return &t
}
