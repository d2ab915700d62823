package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/stix"
)

var _ stix.Store = (*DB)(nil)

// stixBatch is how many changed sources one sync transaction redoes; small
// enough that the transaction holds SQLite's write lock only briefly.
const stixBatch = 50

// stixMaxSuperseded is how many superseded versions of an object the index
// keeps for a source that keeps them (Projection.KeepSuperseded).
const stixMaxSuperseded = 20

// stixYieldMax is the longest a sync waits between batches for queued
// writers (see yieldToWriters) before going on anyway.
const stixYieldMax = 30 * time.Second

// SyncSTIX redoes the STIX projection of every source the triggers marked
// as changed. Projections are computed from the committed sources before
// the write transaction, which only stores them: on SQLite the write lock
// is held for the writes alone, not for reading and encoding hundreds of
// reports. Inside the transaction it holds the lock row of
// stix_sync_state, so that two nodes never interleave their writes and
// every date_added is later than all those committed before. Queue entries
// are removed by sequence number: a change committed after the queue was
// read keeps its own entry for the next sync. A source whose entries another
// node has removed meanwhile is skipped: that node stored a projection at
// least as recent.
func (d *DB) SyncSTIX(ctx context.Context, project stix.Projector) (int, error) {
	total := 0
	type src struct {
		kind string
		id   int64
	}
	for round := 0; round < 1000; round++ {
		if round > 0 {
			// Between batches, reports and other changes being written go
			// first: the feeds catch up when the writers pause.
			d.yieldToWriters(ctx, stixYieldMax)
		}
		// By the primary key: after a burst the table holds dead rows until
		// vacuumed, which a plain scan would read on every request.
		rows, err := d.query(ctx, d.db, "SELECT seq, source_kind, source_id FROM stix_dirty ORDER BY seq LIMIT ?", stixBatch*4)
		if err != nil {
			return total, err
		}
		seqsOf := map[src][]int64{}
		var srcs []src
		for rows.Next() {
			var seq int64
			var s src
			if err := rows.Scan(&seq, &s.kind, &s.id); err != nil {
				rows.Close()
				return total, translate(err)
			}
			if _, ok := seqsOf[s]; !ok {
				if len(srcs) == stixBatch {
					continue // beyond this batch: stays queued
				}
				srcs = append(srcs, s)
			}
			seqsOf[s] = append(seqsOf[s], seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, translate(err)
		}
		if len(srcs) == 0 {
			return total, nil
		}
		// The projections read the sources as committed now, after the
		// queue entries above: they include those entries' changes.
		projections := make([]*stix.Projection, len(srcs))
		for i, s := range srcs {
			p, err := project(ctx, s.kind, s.id)
			if err != nil {
				return total, fmt.Errorf("stix projection of %s %d: %w", s.kind, s.id, err)
			}
			projections[i] = p
		}
		n := 0
		err = d.inTx(ctx, func(tx *sql.Tx) error {
			lock := ""
			if d.dialect == Postgres {
				lock = " FOR UPDATE"
			}
			var last int64
			if err := d.queryRow(tx, ctx, "SELECT last_added_us FROM stix_sync_state WHERE id = 1"+lock).Scan(&last); err != nil {
				return translate(err)
			}
			var all []any
			for _, s := range srcs {
				for _, q := range seqsOf[s] {
					all = append(all, q)
				}
			}
			present := map[int64]bool{}
			for i := 0; i < len(all); i += 500 {
				part := all[i:min(i+500, len(all))]
				rows, err := d.query(ctx, tx, "SELECT seq FROM stix_dirty WHERE seq IN ("+placeholders(len(part))+")", part...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var q int64
					if err := rows.Scan(&q); err != nil {
						rows.Close()
						return translate(err)
					}
					present[q] = true
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return translate(err)
				}
			}
			now := d.now().UTC().UnixMicro()
			if now <= last {
				now = last + 1
			}
			changed := false
			var done []any
			for i, s := range srcs {
				mine := false
				for _, q := range seqsOf[s] {
					if present[q] {
						mine = true
						done = append(done, q)
					}
				}
				if !mine {
					continue
				}
				c, err := d.applyProjection(ctx, tx, s.kind, s.id, projections[i], now)
				if err != nil {
					return err
				}
				changed = changed || c
				n++
			}
			for i := 0; i < len(done); i += 500 {
				part := done[i:min(i+500, len(done))]
				if _, err := d.exec(ctx, tx, "DELETE FROM stix_dirty WHERE seq IN ("+placeholders(len(part))+")", part...); err != nil {
					return err
				}
			}
			if changed {
				if _, err := d.exec(ctx, tx, "UPDATE stix_sync_state SET last_added_us = ? WHERE id = 1", now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

type stixRow struct {
	rid         int64
	oid         string
	version     string
	tlp         string
	collections string
	body        string
}

// applyProjection replaces a source's objects with p's, keeping untouched
// (and their date_added) those that did not change:
//
//   - an object version (id and version) of p is inserted, or updated in
//     place when its body, marking or collections changed;
//   - with p.KeepSuperseded, a stored version of an object p still has,
//     older than p's newest version of it, stays as a superseded version
//     (TAXII versions, match[version]) in p's collections (never in more
//     than the current ones), unless its own marking is more restrictive
//     than p's: an old AMBER text never lands in a collection the source
//     now shares as GREEN;
//   - every other stored version is removed (versions newer than p's, of
//     objects p no longer has, or not listed by a source that lists its
//     versions itself), as is everything when p is nil.
func (d *DB) applyProjection(ctx context.Context, tx *sql.Tx, kind string, id int64, p *stix.Projection, now int64) (bool, error) {
	rows, err := d.query(ctx, tx, "SELECT rid, object_id, version, tlp, collections, body FROM stix_objects WHERE source_kind = ? AND source_id = ?", kind, id)
	if err != nil {
		return false, err
	}
	have := map[string]stixRow{} // by id and version
	for rows.Next() {
		var r stixRow
		if err := rows.Scan(&r.rid, &r.oid, &r.version, &r.tlp, &r.collections, &r.body); err != nil {
			rows.Close()
			return false, translate(err)
		}
		have[r.oid+"\x00"+r.version] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, translate(err)
	}
	changed := false
	keep := map[string]bool{}
	newest := map[string]string{} // object id -> p's newest version of it
	var cols []string
	colStr := ""
	membership := func(rid int64) error {
		if _, err := d.exec(ctx, tx, "DELETE FROM stix_collection_objects WHERE rid = ?", rid); err != nil {
			return err
		}
		for _, c := range cols {
			if _, err := d.exec(ctx, tx, "INSERT INTO stix_collection_objects (collection, date_added_us, rid) VALUES (?, ?, ?)", c, now, rid); err != nil {
				return err
			}
		}
		return nil
	}
	if p != nil {
		cols = slices.Clone(p.Collections)
		slices.Sort(cols)
		cols = slices.Compact(cols)
		colStr = strings.Join(cols, " ")
		for _, o := range p.Objects {
			oid, typ, version := o.Ident()
			key := oid + "\x00" + version
			if keep[key] {
				continue
			}
			keep[key] = true
			if v, ok := newest[oid]; !ok || version > v {
				newest[oid] = version
			}
			b, err := stix.Marshal(o)
			if err != nil {
				return false, err
			}
			old, ok := have[key]
			if ok && old.collections == colStr && old.tlp == string(p.TLP) && bytes.Equal([]byte(old.body), b) {
				continue
			}
			changed = true
			var rid int64
			if ok {
				rid = old.rid
				if _, err := d.exec(ctx, tx, `UPDATE stix_objects SET type = ?, date_added_us = ?, tlp = ?, collections = ?, body = ? WHERE rid = ?`,
					typ, now, string(p.TLP), colStr, string(b), rid); err != nil {
					return false, err
				}
			} else {
				if err := d.queryRow(tx, ctx, `INSERT INTO stix_objects (object_id, type, version, date_added_us, source_kind, source_id, tlp, collections, body)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rid`, oid, typ, version, now, kind, id, string(p.TLP), colStr, string(b)).Scan(&rid); err != nil {
					return false, translate(err)
				}
			}
			if err := membership(rid); err != nil {
				return false, err
			}
		}
	}
	// Superseded versions kept, per object, newest first: beyond
	// stixMaxSuperseded the oldest go, so that an incident changed a
	// thousand times does not hold a thousand copies of each relationship.
	superseded := map[string][]string{}
	if p != nil && p.KeepSuperseded {
		for key, r := range have {
			if nv, ok := newest[r.oid]; ok && !keep[key] && r.version < nv && ceptor.TLP(r.tlp).AtMost(p.TLP) {
				superseded[r.oid] = append(superseded[r.oid], r.version)
			}
		}
		for oid, vs := range superseded {
			slices.Sort(vs)
			slices.Reverse(vs)
			superseded[oid] = vs[:min(len(vs), stixMaxSuperseded)]
		}
	}
	for key, r := range have {
		if keep[key] {
			continue
		}
		if slices.Contains(superseded[r.oid], r.version) {
			// A superseded version: it follows the source's collections.
			if r.collections == colStr {
				continue
			}
			changed = true
			if _, err := d.exec(ctx, tx, "UPDATE stix_objects SET date_added_us = ?, collections = ? WHERE rid = ?", now, colStr, r.rid); err != nil {
				return false, err
			}
			if err := membership(r.rid); err != nil {
				return false, err
			}
			continue
		}
		changed = true
		if _, err := d.exec(ctx, tx, "DELETE FROM stix_collection_objects WHERE rid = ?", r.rid); err != nil {
			return false, err
		}
		if _, err := d.exec(ctx, tx, "DELETE FROM stix_objects WHERE rid = ?", r.rid); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// STIXPage returns one page of a collection in the order of addition.
func (d *DB) STIXPage(ctx context.Context, q stix.Query) ([]*stix.Stored, error) {
	var b strings.Builder
	args := []any{q.Collection, q.After.DateAddedUS, q.After.RID}
	// The row-value comparison is a range scan of the membership's primary
	// key on both engines.
	b.WriteString(`SELECT o.rid, o.object_id, o.type, o.version, c.date_added_us, o.source_kind, o.source_id, o.tlp, o.body
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
	var out []*stix.Stored
	for rows.Next() {
		s := &stix.Stored{}
		var us int64
		var tlp, body string
		if err := rows.Scan(&s.RID, &s.ObjectID, &s.Type, &s.Version, &us, &s.SourceKind, &s.SourceID, &tlp, &body); err != nil {
			return nil, translate(err)
		}
		s.DateAdded, s.TLP, s.Body = time.UnixMicro(us).UTC(), ceptor.TLP(tlp), json.RawMessage(body)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows.Close()
	return out, d.markVersions(ctx, q, out)
}

// markVersions applies match[version] to a page: of the versions the
// collection holds of each object (rows of several sources with the same
// version all count as that version), "last" keeps the newest, "first" the
// oldest, timestamps those versions. The extremes are read for the page's
// objects only, by object id, so the cost follows the page, not the
// collection.
func (d *DB) markVersions(ctx context.Context, q stix.Query, page []*stix.Stored) error {
	f := readVersionFilter(q.Versions)
	if f.all || len(page) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var ids []any
	for _, r := range page {
		if !seen[r.ObjectID] {
			seen[r.ObjectID] = true
			ids = append(ids, r.ObjectID)
		}
	}
	spans, err := d.versionSpans(ctx, q.Collection, f, ids)
	if err != nil {
		return err
	}
	for _, r := range page {
		r.Hidden = !f.keeps(r.Version, spans[r.ObjectID])
	}
	return nil
}

// versionFilter is match[version] read once: all, first, last (the
// default) and timestamps.
type versionFilter struct {
	all, first, last bool
	stamps           []string
}

func readVersionFilter(vs []string) versionFilter {
	f := versionFilter{last: len(vs) == 0}
	for _, v := range vs {
		switch v {
		case "all":
			f.all = true
		case "first":
			f.first = true
		case "last":
			f.last = true
		default:
			f.stamps = append(f.stamps, v)
		}
	}
	return f
}

// versionSpan is the oldest and newest version a collection holds of an
// object.
type versionSpan struct{ lo, hi string }

func (f versionFilter) keeps(v string, sp versionSpan) bool {
	return f.last && v == sp.hi || f.first && v == sp.lo || slices.Contains(f.stamps, v)
}

// versionSpans reads, for the objects ids, the oldest and newest version
// the collection holds, when the filter asks for first or last.
func (d *DB) versionSpans(ctx context.Context, collection string, f versionFilter, ids []any) (map[string]versionSpan, error) {
	spans := map[string]versionSpan{}
	if !f.first && !f.last {
		return spans, nil
	}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		in, inArgs := d.anyOf("o2.object_id", part)
		args := append([]any{collection}, inArgs...)
		// Extremes are taken here, not with MIN/MAX in SQL: versions
		// compare as bytes, whatever the database's collation.
		rows, err := d.query(ctx, d.db, `SELECT o2.object_id, o2.version FROM stix_objects o2
			WHERE EXISTS (SELECT 1 FROM stix_collection_objects c2 WHERE c2.collection = ? AND c2.date_added_us = o2.date_added_us AND c2.rid = o2.rid)
			AND `+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			sp, ok := spans[id]
			if !ok || v < sp.lo {
				sp.lo = v
			}
			if !ok || v > sp.hi {
				sp.hi = v
			}
			spans[id] = sp
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return spans, nil
}

// AddReceived stores the accepted objects of one TAXII add and its status.
func (d *DB) AddReceived(ctx context.Context, st *stix.Status, objs []*stix.ReceivedRow) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := d.insertReceived(ctx, tx, objs); err != nil {
			return err
		}
		detail, err := statusDetail(st, nil)
		if err != nil {
			return err
		}
		_, err = d.exec(ctx, tx, `INSERT INTO taxii_status (id, collection, org_id, user_id, status, request_timestamp, total_count, success_count, failure_count, pending_count, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, st.Collection, st.OrgID, nullID(st.UserID), st.Status, st.RequestTimestamp.UTC(),
			st.TotalCount, st.SuccessCount, st.FailureCount, st.PendingCount, detail)
		return err
	})
}

// statusDetail is the detail column: the lists of the status and, while
// the add is pending, the objects still to decode.
func statusDetail(st *stix.Status, pending []json.RawMessage) (string, error) {
	m := map[string]any{"successes": st.Successes, "failures": st.Failures, "pendings": st.Pendings}
	if pending != nil {
		m["objects"] = pending
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func (d *DB) insertReceived(ctx context.Context, tx *sql.Tx, objs []*stix.ReceivedRow) error {
	now := d.stamp()
	// Many rows per statement: an add of 1,000 objects was 2,000 round
	// trips on PostgreSQL. RETURNING names the rows inserted; the others
	// were already held at that version (or repeated in this add).
	const per = 400
	type key struct{ coll, id, version string }
	for start := 0; start < len(objs); start += per {
		chunk := objs[start:min(start+per, len(objs))]
		var b strings.Builder
		b.WriteString(`INSERT INTO taxii_received (collection, object_id, version, type, tlp, org_id, user_id, received, created_at) VALUES `)
		args := make([]any, 0, len(chunk)*9)
		for i, o := range chunk {
			r := o.Received
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, o.Collection, r.ID, r.Version(), r.Type, string(r.TLP), o.OrgID, nullID(o.UserID), string(raw), now)
		}
		b.WriteString(" ON CONFLICT (collection, object_id, version) DO NOTHING RETURNING id, collection, object_id, version")
		rows, err := d.query(ctx, tx, b.String(), args...)
		if err != nil {
			return err
		}
		ids := map[key]int64{}
		for rows.Next() {
			var id int64
			var k key
			if err := rows.Scan(&id, &k.coll, &k.id, &k.version); err != nil {
				rows.Close()
				return translate(err)
			}
			ids[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		var ind [][]any
		for _, o := range chunk {
			k := key{o.Collection, o.Received.ID, o.Received.Version()}
			id, ok := ids[k]
			if !ok {
				continue // already held at this version
			}
			delete(ids, k) // a repeat in this add is not the inserted row
			o.ID, o.CreatedAt = id, now
			seen := map[ceptor.Indicator]bool{}
			for _, in := range o.Received.Indicators {
				if !seen[in] {
					seen[in] = true
					ind = append(ind, []any{id, string(in.Type), in.Value})
				}
			}
		}
		if _, err := d.insertRows(ctx, tx, "taxii_received_indicators", []string{"received_id", "type", "value"}, ind, false); err != nil {
			return err
		}
	}
	return nil
}

// AddPending stores a pending TAXII add and queues its job in the same
// transaction.
func (d *DB) AddPending(ctx context.Context, st *stix.Status, objs []json.RawMessage, enqueue func(ctx context.Context, tx *sql.Tx) error) error {
	if objs == nil {
		objs = []json.RawMessage{}
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		detail, err := statusDetail(st, objs)
		if err != nil {
			return err
		}
		if _, err := d.exec(ctx, tx, `INSERT INTO taxii_status (id, collection, org_id, user_id, status, request_timestamp, total_count, success_count, failure_count, pending_count, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, st.Collection, st.OrgID, nullID(st.UserID), stix.StatusPending, st.RequestTimestamp.UTC(),
			st.TotalCount, st.SuccessCount, st.FailureCount, st.PendingCount, detail); err != nil {
			return err
		}
		return enqueue(ctx, tx)
	})
}

// PendingAdd returns a pending add and the objects it still holds.
func (d *DB) PendingAdd(ctx context.Context, id string) (*stix.Status, []json.RawMessage, error) {
	st, dm, err := d.findStatus(ctx, d.db, id)
	if err != nil {
		return nil, nil, err
	}
	var objs []json.RawMessage
	if raw, ok := dm["objects"]; ok && st.Status == stix.StatusPending {
		if err := json.Unmarshal(raw, &objs); err != nil {
			return nil, nil, err
		}
	}
	return st, objs, nil
}

// CompleteAdd stores what a pending add accepted and its final status.
func (d *DB) CompleteAdd(ctx context.Context, st *stix.Status, objs []*stix.ReceivedRow) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if d.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var cur string
		if err := d.queryRow(tx, ctx, "SELECT status FROM taxii_status WHERE id = ?"+lock, st.ID).Scan(&cur); err != nil {
			return translate(err)
		}
		if cur == stix.StatusComplete {
			return nil
		}
		if err := d.insertReceived(ctx, tx, objs); err != nil {
			return err
		}
		detail, err := statusDetail(st, nil)
		if err != nil {
			return err
		}
		_, err = d.exec(ctx, tx, `UPDATE taxii_status SET status = ?, success_count = ?, failure_count = ?, pending_count = ?, detail = ? WHERE id = ?`,
			stix.StatusComplete, st.SuccessCount, st.FailureCount, st.PendingCount, detail, st.ID)
		return err
	})
}

// anyOf returns "col IN (?, ...)" on SQLite and "col = ANY(?)" with one
// array argument on PostgreSQL, which plans a long list much faster.
func (d *DB) anyOf(col string, vals []any) (string, []any) {
	if d.dialect == Postgres && len(vals) > 0 {
		switch vals[0].(type) {
		case string:
			arr := make([]string, len(vals))
			for i, v := range vals {
				arr[i] = v.(string)
			}
			return col + " = ANY(?)", []any{arr}
		case int64:
			arr := make([]int64, len(vals))
			for i, v := range vals {
				arr[i] = v.(int64)
			}
			return col + " = ANY(?)", []any{arr}
		}
	}
	return col + " IN (" + placeholders(len(vals)) + ")", vals
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// FindStatus returns a TAXII status resource.
func (d *DB) FindStatus(ctx context.Context, id string) (*stix.Status, error) {
	st, _, err := d.findStatus(ctx, d.db, id)
	return st, err
}

func (d *DB) findStatus(ctx context.Context, q querier, id string) (*stix.Status, map[string]json.RawMessage, error) {
	st := &stix.Status{ID: id}
	var user sql.NullInt64
	var detail string
	err := d.queryRow(q, ctx, `SELECT collection, org_id, user_id, status, request_timestamp, total_count, success_count, failure_count, pending_count, detail
		FROM taxii_status WHERE id = ?`, id).Scan(&st.Collection, &st.OrgID, &user, &st.Status, &st.RequestTimestamp, &st.TotalCount,
		&st.SuccessCount, &st.FailureCount, &st.PendingCount, &detail)
	if err != nil {
		return nil, nil, translate(err)
	}
	st.UserID = user.Int64
	st.RequestTimestamp = st.RequestTimestamp.UTC()
	var dm map[string]json.RawMessage
	if err := json.Unmarshal([]byte(detail), &dm); err != nil {
		return nil, nil, err
	}
	for k, dst := range map[string]*[]stix.StatusDetail{"successes": &st.Successes, "failures": &st.Failures, "pendings": &st.Pendings} {
		if raw, ok := dm[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, nil, err
			}
		}
	}
	return st, dm, nil
}

// ReceivedRefs returns the collection, sender and marking of received
// objects.
func (d *DB) ReceivedRefs(ctx context.Context, ids []int64) (map[int64]stix.ReceivedRef, error) {
	out := make(map[int64]stix.ReceivedRef, len(ids))
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		in, args := d.anyOf("id", int64Args(part))
		rows, err := d.query(ctx, d.db, "SELECT id, collection, org_id, tlp FROM taxii_received WHERE "+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var r stix.ReceivedRef
			var tlp string
			if err := rows.Scan(&id, &r.Collection, &r.OrgID, &tlp); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			r.TLP = ceptor.TLP(tlp)
			out[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// FindReceived returns received objects by row id.
func (d *DB) FindReceived(ctx context.Context, ids []int64) (map[int64]*stix.ReceivedRow, error) {
	out := map[int64]*stix.ReceivedRow{}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		rows, err := d.query(ctx, d.db, "SELECT id, collection, org_id, user_id, received, created_at FROM taxii_received WHERE id IN ("+placeholders(len(part))+")", int64Args(part)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			r := &stix.ReceivedRow{Received: &stix.Received{}}
			var user sql.NullInt64
			var body string
			if err := rows.Scan(&r.ID, &r.Collection, &r.OrgID, &user, &body, &r.CreatedAt); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			r.UserID = user.Int64
			if err := json.Unmarshal([]byte(body), r.Received); err != nil {
				rows.Close()
				return nil, err
			}
			out[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}
