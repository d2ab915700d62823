package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"

	_ "modernc.org/sqlite" // registers "sqlite"
)

// SQLite statement cache.
//
// modernc.org/sqlite parses the SQL text of every Exec and Query anew; in a
// report submission parsing was a third of the CPU. Each pooled connection
// here keeps the statements it has run prepared, keyed by their text, and
// runs them again with new arguments. The driver resets a reused statement
// when its rows are closed instead of finalizing it.
//
// A statement is used by one call at a time: when it is still busy (its rows
// are open, e.g. the same query nested inside a loop over its own results)
// the call runs uncached, as before. database/sql never uses one connection
// from two goroutines at once, so no locking is needed. PostgreSQL needs none
// of this: pgx caches prepared statements per connection itself.

const (
	stmtCacheMax  = 256  // statements kept per connection
	stmtCacheText = 8192 // longer texts (scripts, migrations) are not kept
)

// sqliteDriver is the driver registered as "sqlite", so that connection
// hooks registered with the package apply to our connections too.
var sqliteDriver = func() driver.Driver {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	return db.Driver()
}()

// cachingConnector opens modernc.org/sqlite connections wrapped with the
// statement cache.
type cachingConnector struct {
	dsn string
	drv driver.Driver
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachedConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the wrapper needs from the driver's connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachedStmt struct {
	st   driver.Stmt
	busy bool
}

type cachedConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

func newCachedConn(c driver.Conn) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		// A driver version without the context interfaces: run uncached.
		return c, nil
	}
	return &cachedConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// stmt returns the connection's prepared statement for query, preparing it
// on first use, or nil when the call should run uncached.
func (c *cachedConn) stmt(ctx context.Context, query string) *cachedStmt {
	if cs := c.stmts[query]; cs != nil {
		if cs.busy {
			return nil
		}
		return cs
	}
	if len(query) > stmtCacheText || len(c.stmts) >= stmtCacheMax {
		return nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		// Run it uncached: the driver reports the same error there.
		return nil
	}
	_, okE := st.(driver.StmtExecContext)
	_, okQ := st.(driver.StmtQueryContext)
	if !okE || !okQ {
		st.Close()
		return nil
	}
	cs := &cachedStmt{st: st}
	c.stmts[query] = cs
	return cs
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	cs.busy = true
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		cs.busy = false
		return nil, err
	}
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// Close finalizes the kept statements, then closes the connection.
func (c *cachedConn) Close() error {
	for q, cs := range c.stmts {
		cs.st.Close()
		delete(c.stmts, q)
	}
	return c.sqliteConn.Close()
}

// cachedRows frees its statement for the next call when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

// The column-type interfaces of the driver's rows, passed through.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
