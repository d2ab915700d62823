package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/stix"
)

var _ stix.PageReader = (*DB)(nil)

// ReadPage returns one page of a collection in the order of addition, in
// one query: the membership's keyset range and the object, which for an
// object received over TAXII holds the policy's inputs (collection, sender,
// marking; migration 0023). match[version] first/last needs a second query only
// when a row of the page is flagged shared (another row of the collection
// has the same STIX id; migration 0023), and then only for those ids.
func (d *DB) ReadPage(ctx context.Context, q stix.Query) ([]stix.PageRow, error) {
	if d.dialect == Postgres && ambient(ctx) == nil {
		out, shared, err := d.readPagePG(ctx, q) // stix_page_pg.go
		if err != nil {
			return nil, err
		}
		return out, d.pageVersions(ctx, q, out, shared)
	}
	var b strings.Builder
	args := []any{q.Collection, q.After.DateAddedUS, q.After.RID}
	// The row-value comparison is a range scan of the membership's primary
	// key on both engines.
	//
	// The short columns come as one space-separated text (pageMeta): on
	// SQLite each column read costs the driver more than the row's bytes,
	// and none of them holds a space but the last.
	b.WriteString(`SELECT o.rid, c.date_added_us, o.object_id || ' ' || o.version || ' ' || o.source_kind || ' ' || CAST(o.source_id AS TEXT)
		|| ' ' || o.tlp || ' ' || CAST(c.shared AS TEXT) || ' ' || COALESCE(CAST(o.org_id AS TEXT), '') || ' ' || o.collections, CAST(o.body AS BLOB)
		FROM stix_collection_objects c JOIN stix_objects o ON o.rid = c.rid
		WHERE c.collection = ? AND (c.date_added_us, c.rid) > (?, ?)`)
	if len(q.IDs) > 0 {
		b.WriteString(" AND o.object_id IN (" + placeholders(len(q.IDs)) + ")")
		for _, x := range q.IDs {
			args = append(args, x)
		}
	}
	if len(q.Types) > 0 {
		b.WriteString(" AND o.type IN (" + placeholders(len(q.Types)) + ")")
		for _, x := range q.Types {
			args = append(args, x)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	// The limit is written into the text, not bound: PostgreSQL's generic
	// plan for a bound LIMIT assumes a tenth of the collection and goes
	// parallel, twenty times slower per page at a million objects.
	b.WriteString(" ORDER BY c.date_added_us, c.rid LIMIT " + strconv.Itoa(limit))
	rows, err := d.query(ctx, d.db, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]stix.PageRow, 0, limit)
	refs := make([]stix.ReceivedRef, 0, limit)
	var shared []int
	// The body comes as a blob the driver has copied once; it is read in
	// place (RawBytes) and copied into the page's chunks (pageBodies),
	// instead of a string copied again into a slice of its own per row.
	bodies := pageBodies{limit: limit}
	for rows.Next() {
		var r stix.PageRow
		s := &r.Stored
		var us int64
		var meta string
		var raw sql.RawBytes
		if err := rows.Scan(&s.RID, &us, &meta, &raw); err != nil {
			return nil, translate(err)
		}
		body := bodies.add(raw, len(out))
		m, err := pageMeta(meta)
		if err != nil {
			return nil, err
		}
		s.ObjectID, s.Type, s.Version, s.SourceKind, s.SourceID, s.TLP = m.id, stix.TypeOf(m.id), m.version, m.kind, m.source, m.tlp
		s.DateAdded, s.Body = time.UnixMicro(us).UTC(), body
		// A received object's row holds its sender (migration 0023), its
		// marking and its one collection, the one it was added to.
		if s.SourceKind == "taxii" && m.org != 0 && m.collections != "" && !strings.Contains(m.collections, " ") {
			refs = append(refs, stix.ReceivedRef{Collection: m.collections, OrgID: m.org, TLP: s.TLP})
			r.Received = &refs[len(refs)-1]
		}
		if m.shared {
			r.Shared = true
			shared = append(shared, len(out))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows.Close()
	return out, d.pageVersions(ctx, q, out, shared)
}

// pageBodies copies a page's object bodies out of the driver's buffers
// into a few large chunks, each sized for the rest of the page at the mean
// body size so far: about one allocation per page instead of one per body.
type pageBodies struct {
	limit int
	chunk []byte
	total int
}

// add copies body, the n-th of the page, and returns the copy.
func (p *pageBodies) add(body []byte, n int) []byte {
	if cap(p.chunk)-len(p.chunk) < len(body) {
		size := 64 << 10 // the first: the mean is not known yet
		if n > 0 {
			mean := p.total/n + 1
			size = mean*max(p.limit-n, 16) + mean*p.limit/16
		}
		p.chunk = make([]byte, 0, max(len(body), size))
	}
	p.total += len(body)
	at := len(p.chunk)
	p.chunk = append(p.chunk, body...)
	return p.chunk[at:len(p.chunk):len(p.chunk)]
}

type rowMeta struct {
	id, version, kind string
	source, org       int64
	tlp               ceptor.TLP
	shared            bool
	collections       string
}

// pageMeta splits the short columns of a page row: object id, version (may
// be empty), source kind, source id, marking, shared flag, sender (empty
// unless received) and the space-separated collections.
func pageMeta(meta string) (rowMeta, error) {
	var m rowMeta
	next := func() string {
		f, rest, _ := strings.Cut(meta, " ")
		meta = rest
		return f
	}
	m.id, m.version, m.kind = next(), next(), next()
	src, err1 := strconv.ParseInt(next(), 10, 64)
	m.source, m.tlp = src, ceptor.TLP(next())
	m.shared = next() != "0"
	var err2 error
	if org := next(); org != "" {
		m.org, err2 = strconv.ParseInt(org, 10, 64)
	}
	m.collections = meta
	if err1 != nil || err2 != nil {
		return m, fmt.Errorf("stix page: bad row %q", m.id)
	}
	return m, nil
}

// pageVersions applies match[version] to a page, as markVersions does, but
// asks the collection only about the rows flagged shared: the others are
// the one version of their object there, its first and last.
func (d *DB) pageVersions(ctx context.Context, q stix.Query, page []stix.PageRow, shared []int) error {
	f := readVersionFilter(q.Versions)
	if f.all || len(page) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var ids []any
	for _, i := range shared {
		if id := page[i].ObjectID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	spans, err := d.versionSpans(ctx, q.Collection, f, ids)
	if err != nil {
		return err
	}
	for i := range page {
		r := &page[i].Stored
		sp, isShared := spans[r.ObjectID]
		if !isShared {
			sp = versionSpan{r.Version, r.Version}
		}
		r.Hidden = !f.keeps(r.Version, sp)
	}
	return nil
}
