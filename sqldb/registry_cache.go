package sqldb

import (
	"context"
	"slices"
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
	labels  map[int64]orgLabel // organisations' names, each with when it was read
}

type orgLabel struct {
	typ      ceptor.OrgType
	name, en string
	at       time.Time
}

// orgLabelsMax bounds the copy of organisations' names (the registry of a
// national programme is a few thousand).
const orgLabelsMax = 50000

func (c *registryCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.sectors, c.ceptors, c.labels = nil, nil, nil
	c.mu.Unlock()
}

// OrgLabels returns the id, type and names of the organisations of ids that
// exist, from a copy at most registryTTL old; the rest are read in one query.
func (d *DB) OrgLabels(ctx context.Context, ids []int64) (map[int64]*ceptor.Organization, error) {
	out := make(map[int64]*ceptor.Organization, len(ids))
	var missing []int64
	now := time.Now()
	c := &d.cache
	c.mu.Lock()
	for _, id := range ids {
		if id == 0 || out[id] != nil {
			continue
		}
		if l, ok := c.labels[id]; ok && now.Sub(l.at) < registryTTL {
			out[id] = &ceptor.Organization{ID: id, Type: l.typ, Name: l.name, NameEN: l.en}
			continue
		}
		if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	gen := c.gen
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read := make([]*ceptor.Organization, 0, len(missing))
	for start := 0; start < len(missing); start += 500 {
		chunk := missing[start:min(start+500, len(missing))]
		rows, err := d.query(ctx, d.db, "SELECT id, type, name, name_en FROM organizations WHERE id IN ("+placeholders(len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			o := &ceptor.Organization{}
			if err := rows.Scan(&o.ID, &o.Type, &o.Name, &o.NameEN); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			read = append(read, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	c.mu.Lock()
	keep := c.gen == gen
	if keep && (c.labels == nil || len(c.labels)+len(read) > orgLabelsMax) {
		c.labels = make(map[int64]orgLabel, len(read))
	}
	for _, o := range read {
		out[o.ID] = o
		if keep {
			c.labels[o.ID] = orgLabel{typ: o.Type, name: o.Name, en: o.NameEN, at: now}
		}
	}
	c.mu.Unlock()
	return out, nil
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
