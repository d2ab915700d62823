// Package sqldbtest gives each test a fresh database on either engine:
// a temporary SQLite file, or a new schema in a PostgreSQL test database that
// is dropped when the test ends. Storage tests run through Each so that the
// same assertions hold on SQLite and PostgreSQL.
//
// PostgreSQL is found through CEPTOR_TEST_POSTGRES_URL (default
// postgres://root@127.0.0.1:5432/postgres?sslmode=disable). When it cannot be
// reached the PostgreSQL half of a test is skipped with a message, unless
// CEPTOR_TEST_REQUIRE_POSTGRES=1 (as in CI), which makes it fail instead.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ceptor/sqldb"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
)

// Engines lists the engines every storage test runs on.
var Engines = []string{"sqlite", "postgres"}

// DefaultAdminURL is used when CEPTOR_TEST_POSTGRES_URL is not set.
const DefaultAdminURL = "postgres://root@127.0.0.1:5432/postgres?sslmode=disable"

const testDBName = "ceptor_test"

// Options tune the database a test gets.
type Options struct {
	Now func() time.Time
}

// Each runs fn as a subtest on every engine, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e, func(t *testing.T) {
			fn(t, Open(t, e, Options{}))
		})
	}
}

// Open returns a fresh, migrated database on the named engine, closed and
// removed when the test ends.
func Open(t testing.TB, engine string, opt Options) *sqldb.DB {
	t.Helper()
	url := URL(t, engine)
	db, err := sqldb.Open(context.Background(), sqldb.Config{URL: url, DataDir: t.TempDir(), Now: opt.Now})
	if err != nil {
		t.Fatalf("open %s test database: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns a database URL for a fresh database on the engine: "" plus a
// temporary directory is SQLite's default, so for SQLite this returns a file
// URL in t.TempDir(); for PostgreSQL a URL whose search_path is a new schema.
func URL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite:" + t.TempDir() + "/ceptor.db"
	case "postgres":
		return postgresSchemaURL(t)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

var (
	setupOnce sync.Once
	setupErr  error
	baseURL   string
)

// adminURL is the configured server URL.
func adminURL() string {
	if u := os.Getenv("CEPTOR_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// Required reports whether PostgreSQL tests must run (CI).
func Required() bool { return os.Getenv("CEPTOR_TEST_REQUIRE_POSTGRES") == "1" }

// withDatabase replaces the database name of a URL.
func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

func setupPostgres() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", adminURL())
	if err != nil {
		setupErr = err
		return
	}
	defer admin.Close()
	if err = admin.PingContext(ctx); err != nil {
		setupErr = err
		return
	}
	var exists bool
	if err = admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", testDBName).Scan(&exists); err != nil {
		setupErr = err
		return
	}
	if !exists {
		// The UTF-8 ctype matters: pg_trgm treats non-ASCII characters as
		// word characters only under a UTF-8 locale (Japanese search).
		_, err = admin.ExecContext(ctx, "CREATE DATABASE "+testDBName+" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0")
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			setupErr = err
			return
		}
	}
	baseURL = withDatabase(adminURL(), testDBName)
	db, err := sql.Open("pgx", baseURL)
	if err != nil {
		setupErr = err
		return
	}
	defer db.Close()
	if _, err = db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"); err != nil && !strings.Contains(err.Error(), "already exists") && !strings.Contains(err.Error(), "duplicate key") {
		setupErr = err
	}
}

func postgresSchemaURL(t testing.TB) string {
	t.Helper()
	setupOnce.Do(setupPostgres)
	if setupErr != nil {
		if Required() {
			t.Fatalf("PostgreSQL is required (CEPTOR_TEST_REQUIRE_POSTGRES=1) but not usable at %s: %v", adminURL(), setupErr)
		}
		t.Skipf("skipping the PostgreSQL half: no server usable at %s (%v); set CEPTOR_TEST_POSTGRES_URL to run it", adminURL(), setupErr)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", baseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", baseURL)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, _ := url.Parse(baseURL)
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
