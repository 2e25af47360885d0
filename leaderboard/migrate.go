package leaderboard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema step. Its statements use the
// placeholders {ID} (an auto-increment primary key), {TS} (a timestamp),
// {FLOAT} and {WITHOUT_ROWID} (SQLite's clustered-table clause: a table
// read by its primary key only), which ddl replaces per dialect; everything else is SQL both
// SQLite and PostgreSQL accept. Applied steps are recorded in
// schema_migrations and never edited: a change is a new step.
type migration struct {
	version int
	name    string
	stmts   []string
}

var migrations = []migration{
	{1, "initial schema", []string{
		`CREATE TABLE competitors (
			id {ID},
			name TEXT NOT NULL UNIQUE,
			team TEXT NOT NULL DEFAULT '',
			image TEXT NOT NULL DEFAULT '',
			target_url TEXT NOT NULL DEFAULT '',
			baseline BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {TS} NOT NULL)`,
		`CREATE TABLE runs (
			id TEXT PRIMARY KEY,
			competitor_id BIGINT NOT NULL REFERENCES competitors(id),
			status TEXT NOT NULL,
			target TEXT NOT NULL DEFAULT '',
			model TEXT NOT NULL DEFAULT '',
			suite_name TEXT NOT NULL,
			suite_version TEXT NOT NULL DEFAULT '',
			suite_sha256 TEXT NOT NULL DEFAULT '',
			split TEXT NOT NULL DEFAULT '',
			seed BIGINT NOT NULL DEFAULT 0,
			task_limit INTEGER NOT NULL DEFAULT 0,
			tasks_planned INTEGER NOT NULL DEFAULT 0,
			harness_version TEXT NOT NULL DEFAULT '',
			started_at {TS} NOT NULL,
			finished_at {TS},
			heartbeat_at {TS} NOT NULL,
			owner_host TEXT NOT NULL DEFAULT '',
			owner_pid INTEGER NOT NULL DEFAULT 0,
			composite {FLOAT}, composite_lo {FLOAT}, composite_hi {FLOAT},
			quality {FLOAT}, quality_lo {FLOAT}, quality_hi {FLOAT},
			speed {FLOAT}, speed_lo {FLOAT}, speed_hi {FLOAT},
			cost {FLOAT}, cost_lo {FLOAT}, cost_hi {FLOAT},
			streaming {FLOAT}, streaming_lo {FLOAT}, streaming_hi {FLOAT},
			multimodal {FLOAT}, multimodal_lo {FLOAT}, multimodal_hi {FLOAT},
			tasks INTEGER NOT NULL DEFAULT 0,
			passed INTEGER NOT NULL DEFAULT 0,
			cost_usd {FLOAT},
			cost_per_correct {FLOAT},
			note TEXT NOT NULL DEFAULT '',
			report_json TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX runs_started ON runs (started_at)`,
		`CREATE INDEX runs_status ON runs (status)`,
		`CREATE INDEX runs_group ON runs (suite_name, suite_version, split, competitor_id, status, composite)`,
		`CREATE TABLE task_results (
			run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			task_id TEXT NOT NULL,
			seq INTEGER NOT NULL DEFAULT 0,
			category TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL DEFAULT '',
			score {FLOAT} NOT NULL DEFAULT 0,
			reason TEXT NOT NULL DEFAULT '',
			ttft_ms {FLOAT},
			e2e_ms {FLOAT},
			output_tokens INTEGER NOT NULL DEFAULT 0,
			cost_usd {FLOAT},
			violations TEXT NOT NULL DEFAULT '',
			error_class TEXT NOT NULL DEFAULT '',
			error_message TEXT NOT NULL DEFAULT '',
			result_json TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (run_id, task_id))`,
		// board_best is the leaderboard's materialised answer: the best
		// completed run of each competitor in each (suite, version, split),
		// kept in step with runs inside the same transactions, so the
		// leaderboard reads one row per competitor instead of every run.
		`CREATE TABLE board_best (
			suite_name TEXT NOT NULL,
			suite_version TEXT NOT NULL,
			split TEXT NOT NULL,
			competitor_id BIGINT NOT NULL REFERENCES competitors(id),
			run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			composite {FLOAT} NOT NULL,
			PRIMARY KEY (suite_name, suite_version, split, competitor_id))`,
		`CREATE TABLE votes (
			id TEXT PRIMARY KEY,
			prompt_id TEXT NOT NULL DEFAULT '',
			prompt_hash TEXT NOT NULL DEFAULT '',
			competitor_a TEXT NOT NULL,
			competitor_b TEXT NOT NULL,
			winner TEXT NOT NULL,
			voter TEXT NOT NULL DEFAULT '',
			created_at {TS} NOT NULL,
			voted_at {TS} NOT NULL)`,
		`CREATE INDEX votes_voted_at ON votes (voted_at)`,
	}},
	// board_best carries the leaderboard's columns itself, so the board is
	// read from one table of one row per competitor and group, without a
	// lookup per row into the (large) runs table.
	{2, "board_best holds the leaderboard columns", []string{
		`DROP TABLE board_best`,
		`CREATE TABLE board_best (
			suite_name TEXT NOT NULL,
			suite_version TEXT NOT NULL,
			split TEXT NOT NULL,
			competitor_id BIGINT NOT NULL REFERENCES competitors(id),
			id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			model TEXT NOT NULL DEFAULT '',
			finished_at {TS},
			tasks INTEGER NOT NULL DEFAULT 0,
			passed INTEGER NOT NULL DEFAULT 0,
			composite {FLOAT} NOT NULL, composite_lo {FLOAT}, composite_hi {FLOAT},
			quality {FLOAT}, quality_lo {FLOAT}, quality_hi {FLOAT},
			speed {FLOAT}, speed_lo {FLOAT}, speed_hi {FLOAT},
			cost {FLOAT}, cost_lo {FLOAT}, cost_hi {FLOAT},
			streaming {FLOAT}, streaming_lo {FLOAT}, streaming_hi {FLOAT},
			multimodal {FLOAT}, multimodal_lo {FLOAT}, multimodal_hi {FLOAT},
			cost_per_correct {FLOAT},
			PRIMARY KEY (suite_name, suite_version, split, competitor_id))`,
		`CREATE INDEX board_best_run ON board_best (id)`,
		`UPDATE runs SET finished_at = heartbeat_at WHERE finished_at IS NULL AND status <> 'running'`,
		`INSERT INTO board_best (` + bestColsV2 + `) SELECT ` + bestColsV2 + ` FROM (
			SELECT ` + bestColsV2 + `, ROW_NUMBER() OVER (PARTITION BY suite_name, suite_version, split, competitor_id
				ORDER BY ` + bestOrder + `) AS n
			FROM runs WHERE status = 'completed' AND composite IS NOT NULL) ranked WHERE n = 1`,
	}},
	// An index on status alone misled SQLite's planner (nearly every run
	// is completed) into scanning all runs for a --since board; Open only
	// ever looks for running runs, which a partial index finds directly.
	{3, "partial index of running runs", []string{
		`DROP INDEX runs_status`,
		`CREATE INDEX runs_running ON runs (heartbeat_at) WHERE status = 'running'`,
	}},
	// The scoring service (janus serve): a run is stored queued when it is
	// submitted, with what to run (spec_json, never shown by the API: it
	// may hold the competitor's key), who submitted it, the queue job that
	// runs it, and a lease that fences its worker (lease_owner, lease_until:
	// only the lease holder adds tasks, so a task never runs twice even
	// when the queue hands a run to a second worker). Competitors get an
	// owner; API keys are stored as SHA-256 hashes of their secret.
	{4, "scoring service: queued runs, leases, competitor owners, api keys", []string{
		`ALTER TABLE runs ADD COLUMN spec_json TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN submitted_by TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN job_id BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE runs ADD COLUMN queued_at {TS}`,
		`ALTER TABLE runs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE runs ADD COLUMN lease_until {TS}`,
		`ALTER TABLE runs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE`,
		`CREATE INDEX runs_queued ON runs (queued_at) WHERE status = 'queued'`,
		`CREATE INDEX runs_submitted_by ON runs (submitted_by, status)`,
		// GET /runs?competitor=… pages one competitor's runs newest first.
		`CREATE INDEX runs_competitor_started ON runs (competitor_id, started_at)`,
		`ALTER TABLE competitors ADD COLUMN owner TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE api_keys (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			role TEXT NOT NULL,
			secret_sha256 TEXT NOT NULL,
			quota INTEGER NOT NULL DEFAULT 0,
			created_at {TS} NOT NULL,
			revoked_at {TS})`,
	}},
	// A leaderboard group is also the run's scope (boardScope: its task
	// limit, the seed that picked a limited subset, the categories it
	// covered), so a 50-task subset run is never ranked against full runs.
	// Runs stored before carry the scope their limit gives.
	{5, "board groups by run scope", []string{
		`ALTER TABLE runs ADD COLUMN board_scope TEXT NOT NULL DEFAULT ''`,
		`UPDATE runs SET board_scope = 'limit=' || CAST(task_limit AS TEXT) || ' seed=' || CAST(seed AS TEXT) WHERE task_limit > 0`,
		`DROP INDEX runs_group`,
		`CREATE INDEX runs_group ON runs (suite_name, suite_version, split, board_scope, competitor_id, status, composite)`,
		`DROP TABLE board_best`,
		`CREATE TABLE board_best (
			suite_name TEXT NOT NULL,
			suite_version TEXT NOT NULL,
			split TEXT NOT NULL,
			board_scope TEXT NOT NULL DEFAULT '',
			competitor_id BIGINT NOT NULL REFERENCES competitors(id),
			id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			model TEXT NOT NULL DEFAULT '',
			finished_at {TS},
			tasks INTEGER NOT NULL DEFAULT 0,
			passed INTEGER NOT NULL DEFAULT 0,
			composite {FLOAT} NOT NULL, composite_lo {FLOAT}, composite_hi {FLOAT},
			quality {FLOAT}, quality_lo {FLOAT}, quality_hi {FLOAT},
			speed {FLOAT}, speed_lo {FLOAT}, speed_hi {FLOAT},
			cost {FLOAT}, cost_lo {FLOAT}, cost_hi {FLOAT},
			streaming {FLOAT}, streaming_lo {FLOAT}, streaming_hi {FLOAT},
			multimodal {FLOAT}, multimodal_lo {FLOAT}, multimodal_hi {FLOAT},
			cost_per_correct {FLOAT},
			PRIMARY KEY (suite_name, suite_version, split, board_scope, competitor_id))`,
		`CREATE INDEX board_best_run ON board_best (id)`,
		`INSERT INTO board_best (` + bestColsV5 + `) SELECT ` + bestColsV5 + ` FROM (
			SELECT ` + bestColsV5 + `, ROW_NUMBER() OVER (PARTITION BY suite_name, suite_version, split, board_scope, competitor_id
				ORDER BY ` + bestOrder + `) AS n
			FROM runs WHERE status = 'completed' AND composite IS NOT NULL) ranked WHERE n = 1`,
	}},
	// The dimensions are rows of run_scores, one per run and dimension,
	// not columns of runs and board_best, so a dimension added to the
	// scorer is stored without a schema change. The runs' dimension
	// columns are copied in, then dropped; the composite stays a column
	// (the board is ordered and indexed by it), and board_best keeps only
	// it, reading the rest from run_scores.
	{6, "dimension scores in run_scores", dimensionRowsV6()},
}

// serviceSchema is the migration that adds the scoring service's columns.
const serviceSchema = 4

// bestColsV2 are the columns board_best had from migration 2 to 4.
const bestColsV2 = `suite_name, suite_version, split, competitor_id, id, model, finished_at, tasks, passed,
	composite, composite_lo, composite_hi, quality, quality_lo, quality_hi, speed, speed_lo, speed_hi,
	cost, cost_lo, cost_hi, streaming, streaming_lo, streaming_hi, multimodal, multimodal_lo, multimodal_hi,
	cost_per_correct`

// bestColsV5 are the columns board_best had in migration 5.
const bestColsV5 = `suite_name, suite_version, split, board_scope, competitor_id, id, model, finished_at, tasks, passed,
	composite, composite_lo, composite_hi, quality, quality_lo, quality_hi, speed, speed_lo, speed_hi,
	cost, cost_lo, cost_hi, streaming, streaming_lo, streaming_hi, multimodal, multimodal_lo, multimodal_hi,
	cost_per_correct`

// bestCols are the run columns board_best copies.
const bestCols = `suite_name, suite_version, split, board_scope, competitor_id, id, model, finished_at, tasks, passed,
	composite, composite_lo, composite_hi, cost_per_correct, dims_json`

// dimensionRowsV6 is migration 6: run_scores, the runs' dimension columns
// copied into it and dropped, board_best rebuilt without them. runs and
// board_best get dims_json, the run's run_scores rows as one JSON object
// written with them: the board reads it instead of five rows per entry.
// Runs stored before keep it empty and are read from run_scores.
func dimensionRowsV6() []string {
	// The dimensions that were columns of runs and board_best up to
	// migration 5 (each with _lo and _hi): a fixed part of that old
	// schema, not the scorer's current list.
	v5Dimensions := []string{"quality", "speed", "cost", "streaming", "multimodal"}
	stmts := []string{`CREATE TABLE run_scores (
			run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			dimension TEXT NOT NULL,
			value {FLOAT} NOT NULL,
			lo {FLOAT},
			hi {FLOAT},
			PRIMARY KEY (run_id, dimension)){WITHOUT_ROWID}`}
	for _, d := range v5Dimensions {
		stmts = append(stmts, `INSERT INTO run_scores (run_id, dimension, value, lo, hi)
			SELECT id, '`+d+`', `+d+`, `+d+`_lo, `+d+`_hi FROM runs WHERE `+d+` IS NOT NULL`)
	}
	stmts = append(stmts, `ALTER TABLE runs ADD COLUMN dims_json TEXT NOT NULL DEFAULT ''`,
		`DROP TABLE board_best`, `CREATE TABLE board_best (
			suite_name TEXT NOT NULL,
			suite_version TEXT NOT NULL,
			split TEXT NOT NULL,
			board_scope TEXT NOT NULL DEFAULT '',
			competitor_id BIGINT NOT NULL REFERENCES competitors(id),
			id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
			model TEXT NOT NULL DEFAULT '',
			finished_at {TS},
			tasks INTEGER NOT NULL DEFAULT 0,
			passed INTEGER NOT NULL DEFAULT 0,
			composite {FLOAT} NOT NULL, composite_lo {FLOAT}, composite_hi {FLOAT},
			cost_per_correct {FLOAT},
			dims_json TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (suite_name, suite_version, split, board_scope, competitor_id))`,
		`CREATE INDEX board_best_run ON board_best (id)`,
		`INSERT INTO board_best (`+bestCols+`) SELECT `+bestCols+` FROM (
			SELECT `+bestCols+`, ROW_NUMBER() OVER (PARTITION BY suite_name, suite_version, split, board_scope, competitor_id
				ORDER BY `+bestOrder+`) AS n
			FROM runs WHERE status = 'completed' AND composite IS NOT NULL) ranked WHERE n = 1`)
	for _, d := range v5Dimensions {
		for _, suffix := range []string{"", "_lo", "_hi"} {
			stmts = append(stmts, `ALTER TABLE runs DROP COLUMN `+d+suffix)
		}
	}
	return stmts
}

// ddl fills a statement's placeholders for the dialect.
func ddl(dialect, stmt string) string {
	r := strings.NewReplacer("{ID}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{TS}", "TIMESTAMP", "{FLOAT}", "REAL",
		"{WITHOUT_ROWID}", " WITHOUT ROWID")
	if dialect == "postgres" {
		r = strings.NewReplacer("{ID}", "BIGSERIAL PRIMARY KEY", "{TS}", "TIMESTAMPTZ", "{FLOAT}", "DOUBLE PRECISION",
			"{WITHOUT_ROWID}", "")
	}
	return r.Replace(stmt)
}

// migrationLockKey is the PostgreSQL advisory lock that serialises
// concurrent migrators ("janus" in ASCII).
const migrationLockKey = 0x6a616e7573

// migrate applies pending migrations in one transaction. Two processes
// opening a new store at once are serialised — by an advisory transaction
// lock on PostgreSQL, by the BEGIN IMMEDIATE write lock on SQLite — and the
// second sees the first's schema_migrations rows and applies nothing.
func (s *Store) migrate(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error; err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if err := tx.Exec(ddl(s.dialect, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {TS} NOT NULL)`)).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var applied []int
		if err := tx.Raw("SELECT version FROM schema_migrations").Scan(&applied).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if done[m.version] {
				continue
			}
			for _, st := range m.stmts {
				if err := tx.Exec(ddl(s.dialect, st)).Error; err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
				}
			}
			if err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("record migration %d: %w", m.version, err)
			}
		}
		return nil
	})
}

// SchemaVersion is the newest migration this build applies.
func SchemaVersion() int { return migrations[len(migrations)-1].version }
