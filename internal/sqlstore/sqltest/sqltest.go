// Package sqltest gives the platform services' tests the two store
// backends: a fresh SQLite file per test and, when a PostgreSQL server
// answers (JANUS_TEST_POSTGRES_DSN, else .ci/postgres's default), a fresh
// database per test, dropped afterwards.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for CREATE/DROP DATABASE
	"github.com/janus-bench/janus/internal/sqlstore"
)

// DefaultPostgres is where .ci/postgres starts its cluster.
const DefaultPostgres = "postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable"

// Backend is one store implementation.
type Backend struct {
	Name string
	// DSN returns a fresh, empty store for one test.
	DSN func(t testing.TB) string
}

// Backends are SQLite and PostgreSQL. An unreachable server skips the
// PostgreSQL rows with the reason, except under CI, where it fails.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "store.db") }}}
	admin := os.Getenv("JANUS_TEST_POSTGRES_DSN")
	if admin == "" {
		admin = DefaultPostgres
	}
	db, err := sql.Open("pgx", admin)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		msg := fmt.Sprintf("postgres backend: no server at %s (%v); run .ci/postgres or set JANUS_TEST_POSTGRES_DSN", sqlstore.Redact(admin), err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		return append(bs, Backend{"postgres", func(t testing.TB) string { t.Skip(msg); return "" }})
	}
	t.Cleanup(func() { db.Close() })
	return append(bs, Backend{"postgres", func(t testing.TB) string { return fresh(t, db, admin) }})
}

// fresh creates services_test_<random> and drops it when the test ends.
func fresh(t testing.TB, admin *sql.DB, adminDSN string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "services_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
