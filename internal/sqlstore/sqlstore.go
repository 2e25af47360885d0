// Package sqlstore opens the small gorm stores of janus's platform services
// (memory, browser sessions) with the run store's conventions: SQLite
// through a pure-Go driver by default, PostgreSQL when the DSN is a
// postgres:// URL, and versioned migrations applied in one transaction on
// open. Each service keeps its own migrations table, so two services may
// share one PostgreSQL database.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Migration is one versioned schema step. Statements may use {ID} (an
// auto-increment primary key), {TS} (a timestamp), {FLOAT} and {BLOB},
// which are replaced per dialect. Applied steps are recorded and never
// edited: a change is a new step.
type Migration struct {
	Version int
	Name    string
	Stmts   []string
}

// DB is an open store.
type DB struct {
	// Gorm is the connection pool.
	Gorm *gorm.DB
	// Dialect is "sqlite" or "postgres".
	Dialect string
}

// IsPostgres says whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// DefaultPath is file under $XDG_DATA_HOME/janus (default
// ~/.local/share/janus).
func DefaultPath(file string) string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			home = os.TempDir()
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "janus", file)
}

// Redact drops a password from a postgres URL for messages.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
			rest = user + ":***" + rest[at:]
		}
	}
	return scheme + "://" + rest
}

// SQLiteDSN adds what the stores rely on: a busy timeout (concurrent
// writers wait), WAL (readers do not block the writer), foreign keys and
// BEGIN IMMEDIATE (a read-then-write transaction never deadlocks on the
// lock upgrade); pragmas are more _pragma values a store wants (the run
// store's cache sizes).
func SQLiteDSN(path string, pragmas ...string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var extra strings.Builder
	for _, p := range pragmas {
		extra.WriteString("&_pragma=" + p)
	}
	return path + sep + "_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" + extra.String() + "&_txlock=immediate"
}

// Connect opens the connection pool at dsn (a postgres:// or
// postgresql:// URL, else a SQLite file path, sqlite:// optional) and
// says which dialect it speaks, "sqlite" or "postgres"; it applies no
// migrations. A SQLite file's directory is created with dirMode; pragmas
// go to SQLiteDSN. A SQLite pool is kept small: one writer at a time
// anyway, and file handles few.
func Connect(ctx context.Context, dsn string, dirMode os.FileMode, pragmas ...string) (*gorm.DB, string, error) {
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true}
	if IsPostgres(dsn) {
		db, err := gorm.Open(postgres.Open(dsn), cfg)
		return db, "postgres", err
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	if p, _, _ := strings.Cut(path, "?"); p != ":memory:" && !strings.HasPrefix(p, "file:") {
		if err := os.MkdirAll(filepath.Dir(p), dirMode); err != nil {
			return nil, "sqlite", err
		}
	}
	db, err := openSQLite(ctx, SQLiteDSN(path, pragmas...), cfg)
	if err != nil {
		return nil, "sqlite", err
	}
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.SetMaxOpenConns(4)
	}
	return db, "sqlite", nil
}

// openSQLite opens a SQLite store, retrying while the file is busy. The
// busy timeout covers ordinary lock waits, but switching a new file to WAL
// can fail with SQLITE_BUSY at once when several processes open it at the
// same moment (the journal-mode change does not wait on the busy handler),
// so the first open of a fresh store by concurrent openers is retried here
// for as long as the busy timeout would have waited.
func openSQLite(ctx context.Context, dsn string, cfg *gorm.Config) (*gorm.DB, error) {
	deadline := time.Now().Add(20 * time.Second)
	wait := 10 * time.Millisecond
	for {
		db, err := gorm.Open(sqlite.Open(dsn), cfg)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return db, err
		}
		if db != nil {
			if sqlDB, derr := db.DB(); derr == nil {
				_ = sqlDB.Close()
			}
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// Open opens (creating if needed) the store at dsn and applies the pending
// migrations of service (which names its migrations table,
// <service>_schema_migrations).
func Open(ctx context.Context, dsn, service string, migrations []Migration) (*DB, error) {
	g, dialect, err := Connect(ctx, dsn, 0o700)
	if err != nil {
		return nil, fmt.Errorf("open %s store %s: %w", service, Redact(dsn), err)
	}
	db := &DB{Gorm: g, Dialect: dialect}
	if err := db.migrate(ctx, service, migrations); err != nil {
		return nil, errors.Join(fmt.Errorf("open %s store %s: %w", service, Redact(dsn), err), db.Close())
	}
	return db, nil
}

// Close releases the connections.
func (db *DB) Close() error {
	if db == nil || db.Gorm == nil {
		return nil
	}
	sqlDB, err := db.Gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DDL fills a statement's placeholders for the dialect.
func (db *DB) DDL(stmt string) string {
	r := strings.NewReplacer("{ID}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{TS}", "TIMESTAMP", "{FLOAT}", "REAL", "{BLOB}", "BLOB")
	if db.Dialect == "postgres" {
		r = strings.NewReplacer("{ID}", "BIGSERIAL PRIMARY KEY", "{TS}", "TIMESTAMPTZ", "{FLOAT}", "DOUBLE PRECISION", "{BLOB}", "BYTEA")
	}
	return r.Replace(stmt)
}

// migrate applies pending migrations in one transaction, serialised across
// processes by an advisory lock (PostgreSQL) or the write lock (SQLite).
func (db *DB) migrate(ctx context.Context, service string, migrations []Migration) error {
	table := service + "_schema_migrations"
	h := fnv.New32a()
	h.Write([]byte(table))
	return db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if db.Dialect == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(h.Sum32())).Error; err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if err := tx.Exec(db.DDL(`CREATE TABLE IF NOT EXISTS ` + table + ` (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {TS} NOT NULL)`)).Error; err != nil {
			return fmt.Errorf("create %s: %w", table, err)
		}
		var applied []int
		if err := tx.Raw("SELECT version FROM " + table).Scan(&applied).Error; err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if done[m.Version] {
				continue
			}
			for _, st := range m.Stmts {
				if err := tx.Exec(db.DDL(st)).Error; err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
				}
			}
			if err := tx.Exec("INSERT INTO "+table+" (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("record migration %d: %w", m.Version, err)
			}
		}
		return nil
	})
}

// Version is the newest migration recorded in service's table.
func (db *DB) Version(ctx context.Context, service string) (int, error) {
	var v *int
	if err := db.Gorm.WithContext(ctx).Raw("SELECT MAX(version) FROM " + service + "_schema_migrations").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// Take reads the one row q selects into a T, or returns notFound when it
// selects none; any other error is gorm's.
func Take[T any](q *gorm.DB, notFound error) (T, error) {
	var r T
	err := q.Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, notFound
	}
	return r, err
}

// UpdateTake applies upd to the rows of T that where (with args) selects
// and reads the updated row back, in one transaction: notFound when no row
// matched, and a failed update's error as failed turns it (a unique-key
// conflict, say, or the operation wrapped around it).
func UpdateTake[T any](ctx context.Context, db *gorm.DB, upd map[string]any, notFound error, failed func(error) error,
	where string, args ...any) (T, error) {
	var r T
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&r).Where(where, args...).Updates(upd)
		if res.Error != nil {
			return failed(res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound
		}
		return tx.Where(where, args...).Take(&r).Error
	})
	return r, err
}
