package sqldb

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/stix"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// readPagePG is ReadPage on PostgreSQL: the same rows, from the copy of
// each object on its membership row (migration 0027: one range scan of the
// collection's key, no lookup of stix_objects per row; with match[id], the
// few rows come through the objects' id index and the join instead), read
// through pgx itself rather than database/sql. database/sql makes the driver turn
// every value into a Go value (a string for the body) and then copies it
// again into the destination; a page of 1,000 objects is thousands of
// allocations and two copies of every body. Here each row's wire values are
// read in place: the integers decoded, the short texts appended to one
// buffer that becomes one string for the page, the bodies copied into a few
// large chunks. The columns come separately (PostgreSQL concatenating them
// per row costs it more than sending them).
//
// shared lists the rows flagged shared (migration 0023), for pageVersions.
func (d *DB) readPagePG(ctx context.Context, q stix.Query) (out []stix.PageRow, shared []int, err error) {
	var b strings.Builder
	args := []any{q.Collection, q.After.DateAddedUS, q.After.RID}
	idCol, typeCol := "c.obj_id", "c.obj_type"
	if len(q.IDs) == 0 {
		// The membership rows carry a copy of their object (migration
		// 0027): the page is one range scan of the collection's key.
		b.WriteString(`SELECT c.rid, c.date_added_us, c.shared, c.obj_source_id, c.obj_org_id,
			c.obj_id, c.obj_version, c.obj_source_kind, c.obj_tlp, c.obj_collections, c.obj_body
			FROM stix_collection_objects c
			WHERE c.collection = $1 AND (c.date_added_us, c.rid) > ($2, $3)`)
	} else {
		// A few ids (objects/{id}, versions, match[id]): through the
		// objects' id index rather than along the whole collection.
		idCol, typeCol = "o.object_id", "o.type"
		b.WriteString(`SELECT o.rid, c.date_added_us, c.shared, o.source_id, o.org_id,
			o.object_id, o.version, o.source_kind, o.tlp, o.collections, o.body
			FROM stix_collection_objects c JOIN stix_objects o ON o.rid = c.rid
			WHERE c.collection = $1 AND (c.date_added_us, c.rid) > ($2, $3)`)
	}
	in := func(col string, xs []string) {
		if len(xs) == 0 {
			return
		}
		b.WriteString(" AND " + col + " IN (")
		for i, x := range xs {
			if i > 0 {
				b.WriteByte(',')
			}
			args = append(args, x)
			b.WriteString("$" + strconv.Itoa(len(args)))
		}
		b.WriteByte(')')
	}
	in(idCol, q.IDs)
	in(typeCol, q.Types)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	// The limit in the text, as in ReadPage.
	b.WriteString(" ORDER BY c.date_added_us, c.rid LIMIT " + strconv.Itoa(limit))

	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("stix page: unexpected driver connection %T", dc)
		}
		rows, err := pc.Conn().Query(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, shared, err = scanPagePG(rows, limit)
		return err
	})
	if err != nil {
		return nil, nil, translate(err)
	}
	return out, shared, nil
}

// pageText is where a row's short texts end in the page's text (id,
// version, source kind, marking, collections; each starts where the one
// before ends).
type pageText [5]int32

func scanPagePG(rows pgx.Rows, limit int) ([]stix.PageRow, []int, error) {
	fds := rows.FieldDescriptions()
	if len(fds) != 11 {
		return nil, nil, fmt.Errorf("stix page: %d columns", len(fds))
	}
	out := make([]stix.PageRow, 0, limit)
	texts := make([]pageText, 0, limit)
	orgs := make([]int64, 0, limit)
	text := make([]byte, 0, 128*limit)
	var shared []int
	bodies := pageBodies{limit: limit}
	for rows.Next() {
		v := rows.RawValues()
		if len(v) != 11 {
			return nil, nil, fmt.Errorf("stix page: %d values", len(v))
		}
		var ints [5]int64
		for i := range ints {
			n, err := pgInt(v[i], fds[i].Format)
			if err != nil {
				return nil, nil, err
			}
			ints[i] = n
		}
		var t pageText
		for i := range t {
			text = append(text, v[5+i]...)
			t[i] = int32(len(text))
		}
		var r stix.PageRow
		r.RID = ints[0]
		r.DateAdded = time.UnixMicro(ints[1]).UTC()
		r.SourceID = ints[3]
		r.Body = bodies.add(v[10], len(out))
		if ints[2] != 0 {
			r.Shared = true
			shared = append(shared, len(out))
		}
		out = append(out, r)
		texts = append(texts, t)
		orgs = append(orgs, ints[4])
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// One string for the page's short texts; the rows' fields are slices
	// of it.
	all := string(text)
	refs := make([]stix.ReceivedRef, 0, len(out))
	start := int32(0)
	for i := range out {
		s := &out[i].Stored
		var f [5]string
		for j, end := range texts[i] {
			f[j], start = all[start:end], end
		}
		s.ObjectID, s.Version, s.SourceKind, s.TLP = f[0], f[1], f[2], ceptor.TLP(f[3])
		s.Type = stix.TypeOf(s.ObjectID)
		// As in ReadPage: a received object's row holds its sender, its
		// marking and its one collection.
		if colls := f[4]; s.SourceKind == "taxii" && orgs[i] != 0 && colls != "" && !strings.Contains(colls, " ") {
			refs = append(refs, stix.ReceivedRef{Collection: colls, OrgID: orgs[i], TLP: s.TLP})
			out[i].Received = &refs[len(refs)-1]
		}
	}
	return out, shared, nil
}

// pgInt decodes an integer column (bigint or smallint) in either format;
// NULL is 0.
func pgInt(v []byte, format int16) (int64, error) {
	if v == nil {
		return 0, nil
	}
	if format == pgx.BinaryFormatCode {
		switch len(v) {
		case 8:
			return int64(binary.BigEndian.Uint64(v)), nil
		case 4:
			return int64(int32(binary.BigEndian.Uint32(v))), nil
		case 2:
			return int64(int16(binary.BigEndian.Uint16(v))), nil
		}
		return 0, fmt.Errorf("stix page: integer of %d bytes", len(v))
	}
	return strconv.ParseInt(string(v), 10, 64)
}
