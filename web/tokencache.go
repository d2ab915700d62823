package web

import (
	"strings"
	"sync"
	"time"

	"ceptor"
)

// tokenCache remembers, for a moment, what an API token stands for (the
// token, its person, their organisation and the actor built from them), so
// that a client sending many requests is not looked up in four queries
// each time. Every change that could alter the answer and is made through
// this server empties it at once (see forgetCachedAfter, called by audit);
// a change made elsewhere (another node, the command line) shows within the
// TTL. A TTL of zero turns the cache off.
type tokenCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*tokenEntry
}

type tokenEntry struct {
	t     ceptor.APIToken
	u     ceptor.User
	o     ceptor.Organization
	actor ceptor.Actor
	at    time.Time
}

const tokenCacheMax = 10000

func (c *tokenCache) get(hash string, now time.Time) *tokenEntry {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[hash]
	if e == nil {
		return nil
	}
	if now.Sub(e.at) > c.ttl || now.Before(e.at) {
		delete(c.m, hash)
		return nil
	}
	return e
}

func (c *tokenCache) put(hash string, e *tokenEntry) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = map[string]*tokenEntry{}
	}
	c.m[hash] = e
}

// touched records that the token's last use was written.
func (c *tokenCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[hash]; e != nil {
		t := at
		e.t.LastUsedAt = &t
	}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

// tokenAffecting are the audit action prefixes of changes that can alter
// what a token stands for: tokens, people, organisations, their sectors and
// CEPTORs, and registry imports.
var tokenAffecting = []string{"token.", "user.", "org.", "ceptor.", "sector.", "registry.import"}

// peopleAffecting are those of changes that can alter who an
// organisation's notifications reach by e-mail.
var peopleAffecting = []string{"user.", "org.", "notification.preferences", "registry.import"}

// forgetCachedAfter empties the token cache, and the organisations' people
// remembered for notifications, after a change of a kind that affects them.
func (s *Server) forgetCachedAfter(action string) {
	for _, p := range tokenAffecting {
		if strings.HasPrefix(action, p) {
			s.tokens.clear()
			break
		}
	}
	for _, p := range peopleAffecting {
		if strings.HasPrefix(action, p) {
			s.people.clear()
			break
		}
	}
}
