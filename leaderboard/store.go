// Package leaderboard is janus's persistent run store and what is computed
// from it: the leaderboard (best completed run per competitor per suite
// version, ranked by composite with rank ranges from the confidence
// intervals, Pareto flags) and arena ratings (Elo and Bradley-Terry) from
// pairwise votes.
//
// The store is SQLite through a pure-Go driver by default (a file under the
// user's XDG data directory) or PostgreSQL for a shared one; both run the
// same versioned migrations on Open and the same queries.
package leaderboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/janus-bench/janus/internal/sqlstore"
	"gorm.io/gorm"
)

// Run statuses in the store. A report's "interrupted" is stored as
// cancelled.
const (
	StatusPending   = "pending"
	StatusQueued    = "queued" // submitted to the scoring service, not started
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// StaleAfter is how long a running run owned by another host may go without
// a heartbeat (a finished task) before Open marks it failed; one owned by a
// process of this host is failed as soon as that process is gone.
var StaleAfter = 30 * time.Minute

// ErrNotFound is returned (wrapped) when a run does not exist.
var ErrNotFound = errors.New("not found")

// Store is an open run store. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect string // "sqlite" or "postgres"
	host    string
	pid     int
	log     *slog.Logger
}

// DefaultDSN is JANUS_STORE when set, else the SQLite file janus/janus.db
// under $XDG_DATA_HOME (default ~/.local/share).
func DefaultDSN() string {
	if v := os.Getenv("JANUS_STORE"); v != "" {
		return v
	}
	return sqlstore.DefaultPath("janus.db")
}

// Open opens (creating if needed) the store at dsn — "" means
// DefaultDSN(), a postgres:// or postgresql:// URL a PostgreSQL database,
// anything else a SQLite file path — applies pending migrations, and marks
// runs whose process died while they were running as failed.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if dsn == "" {
		dsn = DefaultDSN()
	}
	s := &Store{pid: os.Getpid(), log: slog.Default()}
	s.host, _ = os.Hostname()
	var err error
	// A larger page cache and memory map than the services' stores: the
	// board reads every run's task rows.
	s.db, s.dialect, err = sqlstore.Connect(ctx, dsn, 0o755, "mmap_size(1073741824)", "cache_size(-32000)")
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", sqlstore.Redact(dsn), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", sqlstore.Redact(dsn), err)
	}
	if err := s.recover(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", sqlstore.Redact(dsn), err)
	}
	return s, nil
}

// Close releases the store's connections.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// recover marks runs left running by a process that is gone: on this host
// a dead pid, anywhere a heartbeat older than StaleAfter. Their task rows
// stay, attached to the run, so what was measured is not lost.
func (s *Store) recover(ctx context.Context) error {
	var running []runRow
	where := "status = '" + StatusRunning + "'" // a literal, so SQLite uses the partial index runs_running
	if SchemaVersion() >= serviceSchema {
		// Runs of the scoring service (a lease owner) are recovered by its
		// queue, which hands them to another worker; not failed here.
		where += " AND lease_owner = ''"
	}
	if err := s.db.WithContext(ctx).Select("id", "owner_host", "owner_pid", "heartbeat_at").
		Where(where).Find(&running).Error; err != nil {
		return fmt.Errorf("find abandoned runs: %w", err)
	}
	now := time.Now().UTC()
	for _, r := range running {
		var why string
		switch {
		case r.OwnerHost == s.host && r.OwnerPID != s.pid && !processAlive(r.OwnerPID):
			why = fmt.Sprintf("abandoned: process %d on %s ended while the run was running", r.OwnerPID, r.OwnerHost)
		case now.Sub(r.HeartbeatAt) > StaleAfter:
			why = fmt.Sprintf("abandoned: no heartbeat from %s since %s", r.OwnerHost, r.HeartbeatAt.Format(time.RFC3339))
		default:
			continue
		}
		last := r.HeartbeatAt
		res := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ? AND status = ?", r.ID, StatusRunning).
			Updates(map[string]any{"status": StatusFailed, "finished_at": last, "note": why})
		if res.Error != nil {
			return fmt.Errorf("mark run %s failed: %w", r.ID, res.Error)
		}
		if res.RowsAffected > 0 {
			s.log.Warn("run store: marked abandoned run failed", "run", r.ID, "reason", why)
		}
	}
	return nil
}
