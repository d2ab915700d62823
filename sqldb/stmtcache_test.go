package sqldb

import (
	"context"
	"database/sql"
	"testing"
)

// A statement kept prepared on a connection is reused by later calls, and
// the same statement asked for again while its rows are still open (a
// nested query on one connection, as inside a transaction) runs uncached
// instead of disturbing the open rows.
func TestStatementCacheNestedQuery(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Config{DataDir: t.TempDir(), MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const q = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c"
	count := func(tx *sql.Tx, n int) int {
		rows, err := d.query(ctx, tx, q, n)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := 0
		for rows.Next() {
			got++
		}
		return got
	}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		for range 3 { // cached after the first call
			if got := count(tx, 4); got != 4 {
				t.Fatalf("rows %d, want 4", got)
			}
		}
		rows, err := d.query(ctx, tx, q, 3)
		if err != nil {
			return err
		}
		defer rows.Close()
		outer := 0
		for rows.Next() {
			outer++
			if got := count(tx, 5); got != 5 {
				t.Fatalf("nested rows %d, want 5", got)
			}
		}
		if outer != 3 {
			t.Fatalf("outer rows %d, want 3", outer)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
