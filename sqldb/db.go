// Package sqldb is ceptor's storage: one implementation of the domain's
// storage interfaces over database/sql for two engines, embedded SQLite (the
// default, pure Go) and PostgreSQL (for deployments with several nodes).
// Queries are plain SQL written once with "?" placeholders and rebound for
// PostgreSQL; the few dialect differences are explicit. Each engine has its
// own numbered, embedded migrations, applied one transaction each.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"ceptor"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names a database engine.
type Dialect string

// Supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrationsFS embed.FS

// Config says which database to open.
type Config struct {
	// URL is a postgres:// or postgresql:// URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds ceptor.db when URL is empty.
	DataDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives migration messages; nil discards them.
	Logger *slog.Logger
	// MaxOpenConns caps the pool (0: engine default).
	MaxOpenConns int
}

// DB is an open database. It implements ceptor.RegistryService,
// ceptor.UserService and ceptor.AuditService.
type DB struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	log     *slog.Logger
	path    string // SQLite file, for messages
	cache   registryCache
	wq      writeQueue       // SQLite: this process's write transactions, batched (writebatch.go)
	indexer *textIndexer     // SQLite: writes the full-text index in batches
	ckpt    *checkpointer    // SQLite: checkpoints the write-ahead log beside the writers
	journal *handoverJournal // deliveries' acceptances not yet in the database (handover_journal.go)
}

var (
	_ ceptor.RegistryService = (*DB)(nil)
	_ ceptor.UserService     = (*DB)(nil)
	_ ceptor.AuditService    = (*DB)(nil)
)

// Open opens (creating if needed) the database and applies pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	d := &DB{now: cfg.Now, log: cfg.Logger}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	var err error
	switch {
	case strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://"):
		d.dialect = Postgres
		d.db, err = sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := cfg.MaxOpenConns
		if n == 0 {
			n = 20
		}
		d.db.SetMaxOpenConns(n)
		d.db.SetMaxIdleConns(n)
		d.db.SetConnMaxIdleTime(5 * time.Minute)
	case cfg.URL == "" || strings.HasPrefix(cfg.URL, "sqlite:") || strings.HasPrefix(cfg.URL, "file:"):
		d.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "sqlite:"), "file:")
		if path == "" {
			dir := cfg.DataDir
			if dir == "" {
				dir = "data"
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			path = filepath.Join(dir, "ceptor.db")
		}
		d.path = path
		// WAL lets the CLI and the server share the file; immediate
		// transactions take the write lock up front so that two writers wait
		// (busy_timeout) instead of failing on lock upgrade.
		dsn := "file:" + path + "?_txlock=immediate&_time_format=sqlite" +
			"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(0)"
		d.db = sql.OpenDB(cachingConnector{dsn: dsn, drv: sqliteDriver})
		n := cfg.MaxOpenConns
		if n == 0 {
			n = 4
		}
		d.db.SetMaxOpenConns(n)
		d.db.SetMaxIdleConns(n)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// (or be empty for SQLite): %q", redactURL(cfg.URL))
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, &ceptor.Error{Code: ceptor.EUNAVAILABLE, Message: "database unreachable", Err: err}
	}
	if err := d.Migrate(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	if d.dialect == SQLite {
		d.indexer = startTextIndexer(d)
		d.ckpt = startCheckpointer(d)
	}
	return d, nil
}

// Close closes the pool (after the full-text indexer has written what is
// pending).
func (d *DB) Close() error {
	if d.indexer != nil {
		d.indexer.stop()
	}
	d.ckpt.stop()
	d.journal.close()
	return d.db.Close()
}

// SQL returns the underlying pool (for metrics and the job queue).
func (d *DB) SQL() *sql.DB { return d.db }

// Dialect returns the engine in use.
func (d *DB) Dialect() Dialect { return d.dialect }

// Ping checks that the database answers (for /readyz).
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Describe returns a human-readable location of the database, without secrets.
func (d *DB) Describe() string {
	if d.dialect == SQLite {
		return "sqlite:" + d.path
	}
	return "postgres"
}

func redactURL(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "***" + u[i:]
		}
	}
	return u
}

// Migrate applies every embedded migration not yet applied, each in its own
// transaction. On PostgreSQL an advisory lock keeps concurrently starting
// nodes from racing.
func (d *DB) Migrate(ctx context.Context) error {
	files, err := fs.Glob(migrationsFS, "migrations/"+string(d.dialect)+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if d.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7355608)"); err != nil {
			return fmt.Errorf("migrate lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7355608)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	for _, f := range files {
		base := filepath.Base(f)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if applied[v] {
			continue
		}
		body, err := migrationsFS.ReadFile(f)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			v, base, d.now().UTC().Format(time.RFC3339)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		d.log.Info("migration applied", "version", v, "name", base, "dialect", string(d.dialect))
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := d.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v)
	return int(v.Int64), err
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rebind turns "?" placeholders into PostgreSQL's "$n". Queries in this
// package never contain a literal question mark.
func (d *DB) rebind(q string) string {
	if d.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	q = d.joined(ctx, q)
	ctx = d.stmtCtx(ctx, q)
	r, err := q.ExecContext(ctx, d.rebind(query), args...)
	return r, translate(err)
}

func (d *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	q = d.joined(ctx, q)
	ctx = d.stmtCtx(ctx, q)
	r, err := q.QueryContext(ctx, d.rebind(query), args...)
	return r, translate(err)
}

func (d *DB) queryRow(q querier, ctx context.Context, query string, args ...any) *sql.Row {
	q = d.joined(ctx, q)
	ctx = d.stmtCtx(ctx, q)
	return q.QueryRowContext(ctx, d.rebind(query), args...)
}

// insert runs an INSERT ... RETURNING id.
func (d *DB) insert(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	q = d.joined(ctx, q)
	ctx = d.stmtCtx(ctx, q)
	var id int64
	err := q.QueryRowContext(ctx, d.rebind(query+" RETURNING id"), args...).Scan(&id)
	return id, translate(err)
}

// stmtCtx is the context a statement runs with. Inside a SQLite write
// transaction a statement is not cut short when its caller goes away:
// SQLite rolls back the whole transaction when a write is interrupted, and
// the transaction may carry other callers' changes (writebatch.go). Write
// transactions are short; the caller's own change is simply kept.
func (d *DB) stmtCtx(ctx context.Context, q querier) context.Context {
	if d.dialect == SQLite {
		if _, ok := q.(*sql.Tx); ok {
			return context.WithoutCancel(ctx)
		}
	}
	return ctx
}

// inTx runs fn in a transaction, committing when fn returns nil.
func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if tx := ambient(ctx); tx != nil {
		// Inside Atomic: join its transaction; it commits once at the end.
		return fn(tx)
	}
	if d.dialect == SQLite {
		return d.writeSQLite(ctx, fn)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	done := false
	defer func() {
		if !done {
			// fn panicked: give the connection and its locks back before
			// the panic goes on.
			tx.Rollback()
		}
	}()
	err = fn(tx)
	done = true
	if err != nil {
		tx.Rollback()
		return err
	}
	return translate(tx.Commit())
}

// like returns the case-insensitive substring operator of the dialect.
func (d *DB) like() string {
	if d.dialect == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// translate maps driver errors to domain errors at the seam.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found", Err: err}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "already exists", Key: "err.duplicate", Err: err}
		case "23503":
			return &ceptor.Error{Code: ceptor.EINVALID, Message: "refers to something that does not exist or is still in use", Key: "err.reference", Err: err}
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "already exists", Key: "err.duplicate", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &ceptor.Error{Code: ceptor.EINVALID, Message: "refers to something that does not exist or is still in use", Key: "err.reference", Err: err}
		}
	}
	return err
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, v := range ids {
		out[i] = v
	}
	return out
}

type txKey struct{}

func ambient(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}

// joined returns the ambient transaction when q is the pool, so that every
// statement of an Atomic block, reads included, sees the block's own writes.
func (d *DB) joined(ctx context.Context, q querier) querier {
	if q == querier(d.db) {
		if tx := ambient(ctx); tx != nil {
			return tx
		}
	}
	return q
}

// Atomic runs fn so that every store call made with the context it receives
// happens in one transaction: all of them are kept or none. A change, its
// audit entry, its notifications and the jobs they cause commit together,
// and on SQLite the write lock is taken once instead of once per step.
// Calls nest: an Atomic inside another joins it.
func (d *DB) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if ambient(ctx) != nil {
		return fn(ctx)
	}
	if d.dialect == SQLite {
		// See stmtCtx: the job queue and other code handed this context
		// must not interrupt a shared write transaction either.
		ctx = context.WithoutCancel(ctx)
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// Tx returns the ambient transaction of an Atomic block, or nil (for the job
// queue, which inserts jobs in the caller's transaction).
func Tx(ctx context.Context) *sql.Tx { return ambient(ctx) }
