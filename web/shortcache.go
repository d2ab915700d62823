package web

import (
	"sync"
	"time"
)

// shortCache remembers values for a moment (its ttl) so that what almost
// every request of a kind reads again is read once per moment. Changes made
// through this node clear it at once (see forgetAfter); changes made
// elsewhere show within the ttl. A ttl of zero turns it off.
type shortCache[K comparable, V any] struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[K]shortEntry[V]
}

type shortEntry[V any] struct {
	v  V
	at time.Time
}

func (c *shortCache[K, V]) get(k K, now time.Time) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return zero, false
	}
	if now.Sub(e.at) > c.ttl || now.Before(e.at) {
		delete(c.m, k)
		return zero, false
	}
	return e.v, true
}

func (c *shortCache[K, V]) put(k K, v V, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || (c.max > 0 && len(c.m) >= c.max) {
		c.m = map[K]shortEntry[V]{}
	}
	c.m[k] = shortEntry[V]{v: v, at: now}
}

func (c *shortCache[K, V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
