package sqldb

import (
	"context"
	"database/sql"
)

// DeleteReceived removes objects participants added over TAXII (and, by
// cascade, their indexed indicators). The trigger of migration 0022 queues
// each for the STIX sync, which removes it from the collections.
func (d *DB) DeleteReceived(ctx context.Context, ids []int64) (int, error) {
	n := 0
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for i := 0; i < len(ids); i += 500 {
			part := ids[i:min(i+500, len(ids))]
			res, err := d.exec(ctx, tx, "DELETE FROM taxii_received WHERE id IN ("+placeholders(len(part))+")", int64Args(part)...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}
