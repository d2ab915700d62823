package sqldb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/stix"
)

var _ stix.CopyReader = (*DB)(nil)

// EarlierCopies lists the rows of a collection that hold the object version
// id at version at a position before before, in the order of their row
// ids, after the row id afterRID, at most limit: the other sources' copies
// of an object (a TLP marking definition, an organisation's identity) that
// a walk of the collection passed before reaching the row at before. Each
// comes with what the policy needs of it, as ReadPage reads it.
//
// By the (object_id, version, rid) index of migration 0026, each copy's
// memberships by rid: the reader stops at the first copy its actor may see,
// usually in the first batch, so an object held by a million sources costs
// one short index range, not a sort of its million copies.
func (d *DB) EarlierCopies(ctx context.Context, collection, id, version string, before stix.Cursor, afterRID int64, limit int) ([]stix.PageRow, error) {
	if limit <= 0 {
		limit = 100
	}
	// The collection and the position are compared as expressions, outside
	// any index condition: the memberships are found by rid (their rid
	// index), one probe per copy, never by a range of the collection's key,
	// which either engine would otherwise pick on small tables and scan
	// once per copy.
	rows, err := d.query(ctx, d.db, `SELECT o.rid, c.date_added_us, o.source_kind, o.source_id, o.tlp, COALESCE(o.org_id, 0), o.collections
		FROM stix_objects o JOIN stix_collection_objects c ON c.rid = o.rid
		WHERE o.object_id = ? AND o.version = ? AND o.rid > ? AND c.collection || '' = ? AND (c.date_added_us + 0, c.rid + 0) < (?, ?)
		ORDER BY o.rid LIMIT `+strconv.Itoa(limit),
		id, version, afterRID, collection, before.DateAddedUS, before.RID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stix.PageRow
	for rows.Next() {
		var r stix.PageRow
		s := &r.Stored
		var us, org int64
		var tlp, cols string
		if err := rows.Scan(&s.RID, &us, &s.SourceKind, &s.SourceID, &tlp, &org, &cols); err != nil {
			return nil, translate(err)
		}
		s.ObjectID, s.Type, s.Version, s.DateAdded = id, stix.TypeOf(id), version, time.UnixMicro(us).UTC()
		s.TLP = ceptor.TLP(tlp)
		if s.SourceKind == "taxii" && org != 0 && cols != "" && !strings.Contains(cols, " ") {
			r.Received = &stix.ReceivedRef{Collection: cols, OrgID: org, TLP: s.TLP}
		}
		r.Shared = true
		out = append(out, r)
	}
	return out, translate(rows.Err())
}
