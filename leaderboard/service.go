package leaderboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/janus-bench/janus/record"
)

// This file holds what the scoring service (package service) needs of the
// store: queued runs with their spec, the lease that fences a run's worker,
// and competitor owners. API keys are in keys.go.

// ErrLeaseLost is returned when a worker writes to a run whose lease it no
// longer holds: another worker took the run over, so this one must stop.
var ErrLeaseLost = errors.New("run lease lost")

// QueuedRun is a run submitted to the scoring service.
type QueuedRun struct {
	ID           string
	Competitor   Competitor
	Owner        string // the competitor's owner (an API key name) when it is new
	Suite        string
	SuiteVersion string
	SuiteSHA256  string
	Split        string
	Seed         uint64
	Limit        int
	TasksPlanned int
	Model        string
	Target       string
	SubmittedBy  string
	// Spec is what the worker needs to run it (JSON); it is never shown.
	Spec []byte
}

// SQLDB is the store's database/sql pool (a queue may share it).
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// QueueRun stores a submitted run as queued.
func (s *Store) QueueRun(ctx context.Context, q QueuedRun) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cid, err := ensureCompetitor(tx, q.Competitor)
		if err != nil {
			return err
		}
		if q.Owner != "" {
			if err := tx.Model(&competitorRow{}).Where("id = ? AND owner = ''", cid).Update("owner", q.Owner).Error; err != nil {
				return err
			}
		}
		now := time.Now().UTC()
		row := runRow{ID: q.ID, CompetitorID: cid, Status: StatusQueued, Target: q.Target, Model: q.Model,
			SuiteName: q.Suite, SuiteVersion: q.SuiteVersion, SuiteSHA256: q.SuiteSHA256, Split: q.Split,
			Seed: int64(q.Seed), TaskLimit: q.Limit, TasksPlanned: q.TasksPlanned, StartedAt: now, HeartbeatAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Model(&runRow{}).Where("id = ?", q.ID).Updates(map[string]any{
			"spec_json": string(q.Spec), "submitted_by": q.SubmittedBy, "queued_at": now}).Error
	})
	if err != nil {
		return fmt.Errorf("queue run %s: %w", q.ID, err)
	}
	return nil
}

// SetRunJob records the queue job that runs a queued run.
func (s *Store) SetRunJob(ctx context.Context, runID string, jobID int64) error {
	if err := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ?", runID).Update("job_id", jobID).Error; err != nil {
		return fmt.Errorf("set job of run %s: %w", runID, err)
	}
	return nil
}

// UnqueuedRuns are queued runs without a queue job (the service stopped
// between storing a run and queueing it), oldest first.
func (s *Store) UnqueuedRuns(ctx context.Context) ([]string, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&runRow{}).Where("status = ? AND job_id = 0", StatusQueued).
		Order("queued_at").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("find unqueued runs: %w", err)
	}
	return ids, nil
}

// RunJob is what a worker reads of a run before it runs it.
type RunJob struct {
	ID              string
	Status          string
	Spec            []byte
	StartedAt       time.Time
	CancelRequested bool
	JobID           int64
	SubmittedBy     string
	CompetitorName  string
}

// RunJobOf reads a run's spec and state.
func (s *Store) RunJobOf(ctx context.Context, id string) (*RunJob, error) {
	var r struct {
		ID              string
		Status          string
		SpecJSON        string
		StartedAt       time.Time
		CancelRequested bool
		JobID           int64
		SubmittedBy     string
		CompetitorID    int64
	}
	err := s.db.WithContext(ctx).Table("runs").Select("id, status, spec_json, started_at, cancel_requested, job_id, submitted_by, competitor_id").
		Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	var c competitorRow
	if err := s.db.WithContext(ctx).Where("id = ?", r.CompetitorID).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("read run %s: competitor: %w", id, err)
	}
	return &RunJob{ID: r.ID, Status: r.Status, Spec: []byte(r.SpecJSON), StartedAt: r.StartedAt, CancelRequested: r.CancelRequested,
		JobID: r.JobID, SubmittedBy: r.SubmittedBy, CompetitorName: c.Name}, nil
}

// ClaimRun takes the run's lease for owner until now+ttl when it is free,
// expired or owner's already; false means a live worker holds it.
func (s *Store) ClaimRun(ctx context.Context, id, owner string, ttl time.Duration) (bool, error) {
	now := time.Now().UTC()
	res := s.db.WithContext(ctx).Model(&runRow{}).
		Where("id = ? AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until < ?)", id, owner, now).
		Updates(map[string]any{"lease_owner": owner, "lease_until": now.Add(ttl), "heartbeat_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("claim run %s: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RenewLease extends owner's lease; it reports whether the lease is still
// owner's and whether the run's cancellation was requested.
func (s *Store) RenewLease(ctx context.Context, id, owner string, ttl time.Duration) (held, cancel bool, err error) {
	now := time.Now().UTC()
	res := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ? AND lease_owner = ?", id, owner).
		Updates(map[string]any{"lease_until": now.Add(ttl), "heartbeat_at": now})
	if res.Error != nil {
		return false, false, fmt.Errorf("renew lease of run %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, false, nil
	}
	var c []bool
	if err := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ?", id).Pluck("cancel_requested", &c).Error; err != nil {
		return true, false, fmt.Errorf("renew lease of run %s: %w", id, err)
	}
	return true, len(c) == 1 && c[0], nil
}

// ReleaseLease gives owner's lease back (a worker shutting down), so the
// next worker need not wait for it to expire.
func (s *Store) ReleaseLease(ctx context.Context, id, owner string) error {
	err := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ? AND lease_owner = ?", id, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error
	if err != nil {
		return fmt.Errorf("release lease of run %s: %w", id, err)
	}
	return nil
}

// fenced runs fn in a transaction that first checks owner holds the run's
// lease (and locks the row on PostgreSQL), else ErrLeaseLost.
func (s *Store) fenced(ctx context.Context, id, owner string, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&runRow{}).Where("id = ? AND lease_owner = ?", id, owner)
		if s.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var n []string
		if err := q.Pluck("id", &n).Error; err != nil {
			return err
		}
		if len(n) == 0 {
			return ErrLeaseLost
		}
		return fn(tx)
	})
}

// StartLeased marks a run running with its header, if owner holds it.
func (s *Store) StartLeased(ctx context.Context, id, owner string, run record.Run) error {
	err := s.fenced(ctx, id, owner, func(tx *gorm.DB) error {
		return tx.Model(&runRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": StatusRunning, "target": run.Target, "model": run.Model, "suite_version": run.Suite.Version,
			"suite_sha256": run.Suite.SHA256, "tasks_planned": run.TasksPlanned, "harness_version": run.HarnessVersion,
			"owner_host": "", "owner_pid": 0, "heartbeat_at": time.Now().UTC(), "note": ""}).Error
	})
	if err != nil {
		return fmt.Errorf("start run %s: %w", id, err)
	}
	return nil
}

// AddTaskLeased stores a finished task if owner holds the run's lease. A
// task already stored is kept as it is (a task is recorded once).
func (s *Store) AddTaskLeased(ctx context.Context, id, owner string, t record.TaskResult) error {
	err := s.fenced(ctx, id, owner, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&taskRow{}).Where("run_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		row, err := taskRowOf(id, int(n), t)
		if err != nil {
			return err
		}
		if err := tx.Model(&runRow{}).Where("id = ?", id).Update("heartbeat_at", time.Now().UTC()).Error; err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("add task %s to run %s: %w", t.ID, id, err)
	}
	return nil
}

// FinishLeased closes a run owner holds (FinishRun, plus a note such as a
// failure's reason) and releases the lease.
func (s *Store) FinishLeased(ctx context.Context, id, owner string, r *record.Report, status, note string) error {
	err := s.fenced(ctx, id, owner, func(tx *gorm.DB) error { return nil })
	if err != nil {
		return fmt.Errorf("finish run %s: %w", id, err)
	}
	if err := s.FinishRun(ctx, id, r, status); err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Model(&runRow{}).Where("id = ?", id).
		Updates(map[string]any{"note": note, "lease_owner": "", "lease_until": nil}).Error
	if err != nil {
		return fmt.Errorf("finish run %s: %w", id, err)
	}
	return nil
}

// CancelRun cancels a run: a queued run is cancelled at once; a running one
// is marked so its worker stops (it then stores it cancelled). It returns
// the status before and the run's queue job.
func (s *Store) CancelRun(ctx context.Context, id string) (prev string, jobID int64, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r struct {
			Status string
			JobID  int64
		}
		if err := tx.Table("runs").Select("status, job_id").Where("id = ?", id).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("run %s: %w", id, ErrNotFound)
			}
			return err
		}
		prev, jobID = r.Status, r.JobID
		switch r.Status {
		case StatusQueued:
			return tx.Model(&runRow{}).Where("id = ?", id).Updates(map[string]any{"status": StatusCancelled,
				"finished_at": time.Now().UTC(), "note": "cancelled before it started", "cancel_requested": true}).Error
		case StatusRunning:
			return tx.Model(&runRow{}).Where("id = ?", id).Update("cancel_requested", true).Error
		}
		return nil
	})
	if err != nil {
		return "", 0, fmt.Errorf("cancel run %s: %w", id, err)
	}
	return prev, jobID, nil
}

// FailRun marks a run that never ran (its spec could not be read) failed.
func (s *Store) FailRun(ctx context.Context, id, note string) error {
	err := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ? AND status IN ?", id, []string{StatusQueued, StatusRunning}).
		Updates(map[string]any{"status": StatusFailed, "finished_at": time.Now().UTC(), "note": note, "lease_owner": "", "lease_until": nil}).Error
	if err != nil {
		return fmt.Errorf("fail run %s: %w", id, err)
	}
	return nil
}

// CountActive counts the queued and running runs submitted by a key.
func (s *Store) CountActive(ctx context.Context, submittedBy string) (int, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&runRow{}).Where("submitted_by = ? AND status IN ?", submittedBy,
		[]string{StatusQueued, StatusRunning}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count active runs: %w", err)
	}
	return int(n), nil
}

// RunStates counts runs by status.
func (s *Store) RunStates(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.db.WithContext(ctx).Model(&runRow{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count runs by state: %w", err)
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.Status] = r.N
	}
	return m, nil
}

// TaskEvent is a stored task result with its position in the run.
type TaskEvent struct {
	Seq  int
	Task record.TaskResult
}

// TasksAfter returns the run's stored tasks with seq > after, in order (a
// progress stream polls it).
func (s *Store) TasksAfter(ctx context.Context, id string, after, limit int) ([]TaskEvent, error) {
	var rows []taskRow
	if err := s.db.WithContext(ctx).Where("run_id = ? AND seq > ?", id, after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("tasks of run %s: %w", id, err)
	}
	out := make([]TaskEvent, 0, len(rows))
	for _, r := range rows {
		var t record.TaskResult
		if err := jsonUnmarshal(r.ResultJSON, &t); err != nil {
			return nil, fmt.Errorf("tasks of run %s: decode %s: %w", id, r.TaskID, err)
		}
		out = append(out, TaskEvent{Seq: r.Seq, Task: t})
	}
	return out, nil
}

// StoredTasks returns every stored task of a run (what a resumed worker
// skips).
func (s *Store) StoredTasks(ctx context.Context, id string) ([]record.TaskResult, error) {
	evs, err := s.TasksAfter(ctx, id, -1, 1<<30)
	if err != nil {
		return nil, err
	}
	out := make([]record.TaskResult, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.Task)
	}
	return out, nil
}

// CompetitorInfo is a competitor as the service lists it.
type CompetitorInfo struct {
	Competitor
	Owner     string    `json:"owner,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CompetitorFilter selects competitors.
type CompetitorFilter struct {
	Owner  string
	Name   string
	Limit  int
	Offset int
}

// ListCompetitors lists competitors by name.
func (s *Store) ListCompetitors(ctx context.Context, f CompetitorFilter) ([]CompetitorInfo, error) {
	q := s.db.WithContext(ctx).Table("competitors").Select("name, team, image, target_url, baseline, owner, created_at")
	if f.Owner != "" {
		q = q.Where("owner = ?", f.Owner)
	}
	if f.Name != "" {
		q = q.Where("name = ?", f.Name)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	// Named columns: gorm's Scan left an embedded competitorRow empty.
	var rows []struct {
		Name      string    `gorm:"column:name"`
		Team      string    `gorm:"column:team"`
		Image     string    `gorm:"column:image"`
		TargetURL string    `gorm:"column:target_url"`
		Baseline  bool      `gorm:"column:baseline"`
		Owner     string    `gorm:"column:owner"`
		CreatedAt time.Time `gorm:"column:created_at"`
	}
	if err := q.Order("name").Limit(f.Limit).Offset(f.Offset).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list competitors: %w", err)
	}
	out := make([]CompetitorInfo, 0, len(rows))
	for _, r := range rows {
		c := Competitor{Name: r.Name, Team: r.Team, Image: r.Image, TargetURL: r.TargetURL, Baseline: r.Baseline}
		out = append(out, CompetitorInfo{Competitor: c, Owner: r.Owner, CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}

// ErrOwned is returned when a competitor name belongs to another owner.
var ErrOwned = errors.New("competitor belongs to another owner")

// RegisterCompetitor creates or updates a competitor owned by owner; a
// name another owner holds is ErrOwned (admins pass owner "" to skip the
// check).
func (s *Store) RegisterCompetitor(ctx context.Context, c Competitor, owner string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur []string
		if err := tx.Model(&competitorRow{}).Where("name = ?", c.Name).Pluck("owner", &cur).Error; err != nil {
			return err
		}
		if owner != "" && len(cur) == 1 && cur[0] != "" && cur[0] != owner {
			return ErrOwned
		}
		cid, err := ensureCompetitor(tx, c)
		if err != nil {
			return err
		}
		if owner != "" {
			return tx.Model(&competitorRow{}).Where("id = ?", cid).Update("owner", owner).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("register competitor %s: %w", c.Name, err)
	}
	return nil
}

// CompetitorOwner returns the owner of a competitor ("" for none) and
// whether it exists.
func (s *Store) CompetitorOwner(ctx context.Context, name string) (string, bool, error) {
	var cur []string
	if err := s.db.WithContext(ctx).Model(&competitorRow{}).Where("name = ?", name).Pluck("owner", &cur).Error; err != nil {
		return "", false, fmt.Errorf("competitor %s: %w", name, err)
	}
	if len(cur) == 0 {
		return "", false, nil
	}
	return cur[0], true, nil
}

// RunSubmitter returns who submitted a run (an API key id).
func (s *Store) RunSubmitter(ctx context.Context, id string) (string, error) {
	var v []string
	if err := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ?", id).Pluck("submitted_by", &v).Error; err != nil {
		return "", fmt.Errorf("run %s: %w", id, err)
	}
	if len(v) == 0 {
		return "", fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	return v[0], nil
}

// GetRunSummary reads one run without its report and tasks.
func (s *Store) GetRunSummary(ctx context.Context, id string) (*RunSummary, error) {
	var row runRow
	if err := s.db.WithContext(ctx).Omit("report_json").Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("get run %s: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	var c competitorRow
	if err := s.db.WithContext(ctx).Where("id = ?", row.CompetitorID).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("get run %s: competitor: %w", id, err)
	}
	if err := fillDims(s.db.WithContext(ctx), &row); err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	sum := summaryOf(row, c)
	return &sum, nil
}
