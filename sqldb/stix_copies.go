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
// id at version, strictly between after and before in the order of
// addition, oldest first, at most limit: the other sources' copies of an
// object (a TLP marking definition, an organisation's identity) that a
// walk of the collection passed before reaching the row at before. Each
// comes with what the policy needs of it, as ReadPage reads it.
func (d *DB) EarlierCopies(ctx context.Context, collection, id, version string, before, after stix.Cursor, limit int) ([]stix.PageRow, error) {
	if limit <= 0 {
		limit = 100
	}
	// By the object's index, then each row's memberships: the copies of one
	// version are few next to the collection.
	rows, err := d.query(ctx, d.db, `SELECT o.rid, c.date_added_us, o.source_kind, o.source_id, o.tlp, COALESCE(o.org_id, 0), o.collections
		FROM stix_objects o JOIN stix_collection_objects c ON c.rid = o.rid
		WHERE o.object_id = ? AND o.version = ? AND c.collection = ?
		AND (c.date_added_us, c.rid) < (?, ?) AND (c.date_added_us, c.rid) > (?, ?)
		ORDER BY c.date_added_us, c.rid LIMIT `+strconv.Itoa(limit),
		id, version, collection, before.DateAddedUS, before.RID, after.DateAddedUS, after.RID)
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
