package web

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ceptor/stix"
)

// taxiiPrefetch reads the next batch of a TAXII page walk while the client
// is still receiving and decoding the current page: a client that follows
// next then finds its rows read, and the database (another process on
// PostgreSQL, another core on SQLite) works while this node writes.
//
// Only index rows are kept, never a decision: the next request still syncs
// the index, and asks the policy about every row for its own actor. An
// entry is used once, only if no sync of this node changed the index since
// it was read, and within taxiiPrefetchTTL (changes made on other nodes
// meanwhile are as if the page had been read that much earlier; the keyset
// never skips them: what changes moves after everything read).
type taxiiPrefetch struct {
	gen     atomic.Uint64 // bumped by every sync that changed the index
	mu      sync.Mutex
	entries map[string]*prefetched
}

type prefetched struct {
	done chan struct{}
	gen  uint64
	at   time.Time
	rows []stix.PageRow
	err  error
}

const (
	taxiiPrefetchTTL = 2 * time.Second
	taxiiPrefetchMax = 8 // entries held or in flight at once
)

// changed says that the index changed: pages read before are not used.
func (p *taxiiPrefetch) changed() { p.gen.Add(1) }

// prefetchKey names a batch: the collection, the position, the filters
// and the batch size (what ReadPage's answer depends on).
func prefetchKey(q stix.Query) string {
	var b strings.Builder
	b.WriteString(q.Collection)
	b.WriteByte('\x00')
	b.WriteString(strconv.FormatInt(q.After.DateAddedUS, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatInt(q.After.RID, 10))
	b.WriteByte('\x00')
	b.WriteString(strconv.Itoa(q.Limit))
	for _, l := range [][]string{q.IDs, q.Types, q.Versions} {
		b.WriteByte('\x00')
		b.WriteString(strings.Join(l, "\x01"))
	}
	return b.String()
}

// start reads q in the background, unless enough is already held.
func (p *taxiiPrefetch) start(pr stix.PageReader, q stix.Query) {
	key := prefetchKey(q)
	now := time.Now()
	p.mu.Lock()
	if p.entries == nil {
		p.entries = map[string]*prefetched{}
	}
	for k, e := range p.entries {
		select {
		case <-e.done:
			if now.Sub(e.at) > taxiiPrefetchTTL {
				delete(p.entries, k) // never collected
			}
		default:
		}
	}
	if _, ok := p.entries[key]; ok || len(p.entries) >= taxiiPrefetchMax {
		p.mu.Unlock()
		return
	}
	e := &prefetched{done: make(chan struct{}), gen: p.gen.Load(), at: now}
	p.entries[key] = e
	p.mu.Unlock()
	go func() {
		defer close(e.done)
		ctx, cancel := context.WithTimeout(context.Background(), taxiiPrefetchTTL)
		defer cancel()
		e.rows, e.err = pr.ReadPage(ctx, q)
	}()
}

// take returns the rows read ahead for q, waiting for a read in flight;
// ok is false when there are none to use.
func (p *taxiiPrefetch) take(ctx context.Context, q stix.Query) ([]stix.PageRow, bool) {
	key := prefetchKey(q)
	p.mu.Lock()
	e := p.entries[key]
	delete(p.entries, key)
	p.mu.Unlock()
	if e == nil {
		return nil, false
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, false
	}
	if e.err != nil || e.gen != p.gen.Load() || time.Since(e.at) > taxiiPrefetchTTL {
		return nil, false
	}
	return e.rows, true
}
