package sqldb

import (
	"context"
	"sync"
	"time"

	"ceptor"
)

// registryTTL bounds how stale another node's view of sectors and CEPTORs
// can be; on this node every change invalidates the copy at once.
const registryTTL = 2 * time.Second

// registryCache keeps the small, hot tables every request needs (the policy
// derives each actor's ministry and secretariat relations from them) so
// that they are not read and member-counted again on every request.
type registryCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every change; a read started before it is not kept
	sectors []ceptor.Sector
	ceptors []ceptor.Ceptor
	sAt     time.Time
	cAt     time.Time
}

func (c *registryCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.sectors, c.ceptors = nil, nil
	c.mu.Unlock()
}

// ListSectors returns every sector in display order.
func (d *DB) ListSectors(ctx context.Context) ([]*ceptor.Sector, error) {
	c := &d.cache
	c.mu.Lock()
	if c.sectors != nil && time.Since(c.sAt) < registryTTL {
		out := make([]*ceptor.Sector, len(c.sectors))
		for i := range c.sectors {
			x := c.sectors[i]
			out[i] = &x
		}
		c.mu.Unlock()
		return out, nil
	}
	gen := c.gen
	c.mu.Unlock()
	list, err := d.listSectors(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.sectors = make([]ceptor.Sector, len(list))
		for i, s := range list {
			c.sectors[i] = *s
		}
		c.sAt = time.Now()
	}
	c.mu.Unlock()
	return list, nil
}

// ListCeptors returns every CEPTOR by sector order, with member counts.
func (d *DB) ListCeptors(ctx context.Context) ([]*ceptor.Ceptor, error) {
	c := &d.cache
	c.mu.Lock()
	if c.ceptors != nil && time.Since(c.cAt) < registryTTL {
		out := make([]*ceptor.Ceptor, len(c.ceptors))
		for i := range c.ceptors {
			x := c.ceptors[i]
			out[i] = &x
		}
		c.mu.Unlock()
		return out, nil
	}
	gen := c.gen
	c.mu.Unlock()
	list, err := d.listCeptors(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.ceptors = make([]ceptor.Ceptor, len(list))
		for i, x := range list {
			c.ceptors[i] = *x
		}
		c.cAt = time.Now()
	}
	c.mu.Unlock()
	return list, nil
}
