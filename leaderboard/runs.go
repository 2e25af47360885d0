package leaderboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// Competitor is who a run measured: a named entry on the leaderboard.
type Competitor struct {
	Name      string `json:"name"`
	Team      string `json:"team,omitempty"`
	Image     string `json:"image,omitempty"`
	TargetURL string `json:"target_url,omitempty"`
	// Baseline marks a reference competitor (the embedded sim, a house
	// model) that a leaderboard can include or leave out.
	Baseline bool `json:"baseline"`
}

// CompetitorFromReport names the competitor of a report when nothing else
// does: its model, at its target; the embedded target is the baseline.
func CompetitorFromReport(r *record.Report) Competitor {
	return Competitor{Name: r.Run.Model, TargetURL: r.Run.Target, Baseline: r.Run.EmbeddedTarget}
}

type competitorRow struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	Team      string
	Image     string
	TargetURL string `gorm:"column:target_url"`
	Baseline  bool
	CreatedAt time.Time
}

func (competitorRow) TableName() string { return "competitors" }

type runRow struct {
	ID             string `gorm:"primaryKey"`
	CompetitorID   int64
	Status         string
	Target         string
	Model          string
	SuiteName      string
	SuiteVersion   string
	SuiteSHA256    string `gorm:"column:suite_sha256"`
	Split          string
	BoardScope     string
	Seed           int64
	TaskLimit      int
	TasksPlanned   int
	HarnessVersion string
	StartedAt      time.Time
	FinishedAt     *time.Time
	HeartbeatAt    time.Time
	OwnerHost      string
	OwnerPID       int `gorm:"column:owner_pid"`
	Composite      *float64
	CompositeLo    *float64
	CompositeHi    *float64
	Tasks          int
	Passed         int
	CostUSD        *float64 `gorm:"column:cost_usd"`
	CostPerCorrect *float64
	Note           string
	ReportJSON     string `gorm:"column:report_json"`
	// DimsJSON is Dims as one JSON object, written with them so a board
	// reads one column rather than five rows per entry; empty in runs
	// stored before it (fillDims reads those from run_scores).
	DimsJSON string `gorm:"column:dims_json"`
	// Dims are the run's dimension scores (its run_scores rows), filled
	// by fillDims.
	Dims Dims `gorm:"-"`
}

func (runRow) TableName() string { return "runs" }

type taskRow struct {
	RunID        string `gorm:"primaryKey"`
	TaskID       string `gorm:"primaryKey"`
	Seq          int
	Category     string
	Status       string
	Score        float64
	Reason       string
	TTFTMs       *float64 `gorm:"column:ttft_ms"`
	E2EMs        *float64 `gorm:"column:e2e_ms"`
	OutputTokens int
	CostUSD      *float64 `gorm:"column:cost_usd"`
	Violations   string
	ErrorClass   string
	ErrorMessage string
	ResultJSON   string `gorm:"column:result_json"`
}

func (taskRow) TableName() string { return "task_results" }

// bestRow is a board_best row, used here only to name the table.
type bestRow struct{}

func (bestRow) TableName() string { return "board_best" }

// ensureCompetitor returns the id of the competitor named c.Name, creating
// it or updating the details c states (empty fields keep what is stored).
func ensureCompetitor(tx *gorm.DB, c Competitor) (int64, error) {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return 0, errors.New("competitor: name is empty")
	}
	row := competitorRow{Name: c.Name, Team: c.Team, Image: c.Image, TargetURL: c.TargetURL, Baseline: c.Baseline,
		CreatedAt: time.Now().UTC()}
	// Insert-if-absent first, so two writers racing on a new name both
	// end up with the one row.
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).
		Create(&row).Error; err != nil {
		return 0, fmt.Errorf("save competitor %s: %w", c.Name, err)
	}
	var got competitorRow
	if err := tx.Where("name = ?", c.Name).Take(&got).Error; err != nil {
		return 0, fmt.Errorf("find competitor %s: %w", c.Name, err)
	}
	upd := map[string]any{}
	for col, v := range map[string]string{"team": c.Team, "image": c.Image, "target_url": c.TargetURL} {
		if v != "" {
			upd[col] = v
		}
	}
	if c.Baseline != got.Baseline {
		upd["baseline"] = c.Baseline
	}
	if len(upd) > 0 {
		if err := tx.Model(&competitorRow{}).Where("id = ?", got.ID).Updates(upd).Error; err != nil {
			return 0, fmt.Errorf("update competitor %s: %w", c.Name, err)
		}
	}
	return got.ID, nil
}

// splitOf is the split a run covered, "" for the whole suite; several
// splits are joined sorted so the same selection is one group.
func splitOf(r record.Run) string {
	s := slices.Clone(r.Splits)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

func runRowOf(r record.Run, competitorID int64) runRow {
	now := time.Now().UTC()
	started := r.StartedAt.UTC()
	if started.IsZero() {
		started = now
	}
	return runRow{ID: r.ID, CompetitorID: competitorID, Status: StatusRunning, Target: r.Target, Model: r.Model,
		SuiteName: r.Suite.Name, SuiteVersion: r.Suite.Version, SuiteSHA256: r.Suite.SHA256, Split: splitOf(r),
		BoardScope: scopeOf(r),
		Seed:       int64(r.Seed), TaskLimit: r.Limit, TasksPlanned: r.TasksPlanned, HarnessVersion: r.HarnessVersion,
		StartedAt: started, HeartbeatAt: now}
}

// scopeOf is a run's leaderboard scope beyond suite, version and split:
// "limit=N seed=S" for a run limited to N tasks (the seed picked which),
// and "categories=a,b" for one limited to those categories (sorted), so
// runs over other task sets are never ranked together. A full run's scope
// is "", as it was before scopes existed.
func scopeOf(r record.Run) string {
	var parts []string
	if r.Limit > 0 {
		parts = append(parts, fmt.Sprintf("limit=%d seed=%d", r.Limit, int64(r.Seed)))
	}
	if len(r.Categories) > 0 {
		cats := slices.Clone(r.Categories)
		slices.Sort(cats)
		parts = append(parts, "categories="+strings.Join(slices.Compact(cats), ","))
	}
	return strings.Join(parts, " ")
}

func taskRowOf(runID string, seq int, t record.TaskResult) (taskRow, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return taskRow{}, fmt.Errorf("encode task %s: %w", t.ID, err)
	}
	row := taskRow{RunID: runID, TaskID: t.ID, Seq: seq, Category: t.Category, Status: t.Status, Score: t.Score,
		Reason: t.Reason, TTFTMs: t.Metrics.TTFTMs, E2EMs: t.Metrics.E2EMs, OutputTokens: t.Metrics.OutputTokens,
		ResultJSON: string(b)}
	if t.Usage != nil {
		row.CostUSD = t.Usage.CostUSD
	}
	codes := make([]string, 0, len(t.Violations))
	for _, v := range t.Violations {
		codes = append(codes, string(v.Code))
	}
	row.Violations = strings.Join(codes, ",")
	if t.Error != nil {
		row.ErrorClass, row.ErrorMessage = string(t.Error.Class), t.Error.Message
	}
	return row, nil
}

// statusOfReport maps a report's run status to the store's.
func statusOfReport(s string) string {
	if s == record.RunInterrupted {
		return StatusCancelled
	}
	return StatusCompleted
}

func validStatus(s string) bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// BeginRun records a run as running before its first task, owned by this
// process, so a crash leaves a trace that the next Open resolves. A run id
// already in the store (a resumed run) is set running again and keeps its
// task rows.
func (s *Store) BeginRun(ctx context.Context, run record.Run, c Competitor) (string, error) {
	if run.ID == "" {
		return "", errors.New("begin run: run id is empty")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cid, err := ensureCompetitor(tx, c)
		if err != nil {
			return err
		}
		row := runRowOf(run, cid)
		row.OwnerHost, row.OwnerPID = s.host, s.pid
		var n int64
		if err := tx.Model(&runRow{}).Where("id = ?", run.ID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return tx.Create(&row).Error
		}
		if err := tx.Where("id = ?", run.ID).Delete(&bestRow{}).Error; err != nil {
			return err
		}
		return tx.Model(&runRow{}).Where("id = ?", run.ID).Updates(map[string]any{
			"status": StatusRunning, "competitor_id": cid, "owner_host": s.host, "owner_pid": s.pid,
			"heartbeat_at": row.HeartbeatAt, "finished_at": nil, "note": ""}).Error
	})
	if err != nil {
		return "", fmt.Errorf("begin run %s: %w", run.ID, err)
	}
	return run.ID, nil
}

// AddTask stores one finished task of a running run (replacing an earlier
// row for the same task) and refreshes the run's heartbeat. Each call is
// one transaction: a crash between calls loses nothing already added.
func (s *Store) AddTask(ctx context.Context, runID string, t record.TaskResult) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&taskRow{}).Where("run_id = ?", runID).Count(&n).Error; err != nil {
			return err
		}
		row, err := taskRowOf(runID, int(n), t)
		if err != nil {
			return err
		}
		res := tx.Model(&runRow{}).Where("id = ?", runID).Update("heartbeat_at", time.Now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("run %s: %w", runID, ErrNotFound)
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("add task %s to run %s: %w", t.ID, runID, err)
	}
	return nil
}

// FinishRun closes a run with status completed, failed or cancelled. With
// a report the run takes its scores and JSON, and the task rows are
// replaced by the report's tasks, so the two always agree; without one
// (the run failed before it had a report) only the status changes.
func (s *Store) FinishRun(ctx context.Context, runID string, r *record.Report, status string) error {
	if !validStatus(status) {
		return fmt.Errorf("finish run %s: status %q: want completed, failed or cancelled", runID, status)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row runRow
		if err := tx.Omit("report_json").Where("id = ?", runID).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("run %s: %w", runID, ErrNotFound)
			}
			return err
		}
		now := time.Now().UTC()
		if r == nil {
			if err := tx.Model(&runRow{}).Where("id = ?", runID).
				Updates(map[string]any{"status": status, "finished_at": now}).Error; err != nil {
				return err
			}
			return refreshBest(tx, row.SuiteName, row.SuiteVersion, row.Split, row.BoardScope, row.CompetitorID)
		}
		full, err := fullRow(r, row.CompetitorID)
		if err != nil {
			return err
		}
		full.Status, full.OwnerHost, full.OwnerPID, full.HeartbeatAt = status, row.OwnerHost, row.OwnerPID, now
		if full.FinishedAt == nil {
			full.FinishedAt = &now
		}
		return writeRun(tx, full, r.Tasks, row)
	})
	if err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	return nil
}

// fullRow is the run row of a finished report.
func fullRow(r *record.Report, competitorID int64) (runRow, error) {
	if r.Run.ID == "" {
		return runRow{}, errors.New("report has no run id")
	}
	row := runRowOf(r.Run, competitorID)
	row.Status = statusOfReport(r.Run.Status)
	// A finished run always has a finish time: the ordering that picks
	// a competitor's best run relies on it (NULLs sort differently in
	// SQLite and PostgreSQL).
	f := r.Run.FinishedAt.UTC()
	if r.Run.FinishedAt.IsZero() {
		f = time.Now().UTC()
	}
	row.FinishedAt = &f
	sc := r.Scores
	set := func(v, lo, hi **float64, d record.Score) {
		x := d.Value
		*v = &x
		if d.CI95 != nil {
			l, h := d.CI95[0], d.CI95[1]
			*lo, *hi = &l, &h
		}
	}
	set(&row.Composite, &row.CompositeLo, &row.CompositeHi, sc[record.Composite])
	row.Dims = Dims{}
	for _, d := range sc.Names() {
		var v, lo, hi *float64
		set(&v, &lo, &hi, sc[d])
		row.Dims[d] = score(v, lo, hi)
	}
	m, err := row.Dims.members()
	if err != nil {
		return runRow{}, err
	}
	row.DimsJSON = "{" + string(m) + "}"
	row.Tasks = len(r.Tasks)
	var cost float64
	costKnown := false
	for _, t := range r.Tasks {
		if scorer.Passed(t) {
			row.Passed++
		}
		if t.Usage != nil && t.Usage.CostUSD != nil {
			cost += *t.Usage.CostUSD
			costKnown = true
		}
	}
	if costKnown {
		row.CostUSD = &cost
		if row.Passed > 0 {
			cpc := cost / float64(row.Passed)
			row.CostPerCorrect = &cpc
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return runRow{}, fmt.Errorf("encode report: %w", err)
	}
	row.ReportJSON = string(b)
	return row, nil
}

// writeRun saves row (inserting or replacing it), replaces its tasks with
// tasks, and keeps board_best in step for the run's group and, if the run
// moved, its old one.
func writeRun(tx *gorm.DB, row runRow, tasks []record.TaskResult, old runRow) error {
	if err := tx.Save(&row).Error; err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	if err := saveDims(tx, row.ID, row.Dims); err != nil {
		return err
	}
	if err := tx.Where("run_id = ?", row.ID).Delete(&taskRow{}).Error; err != nil {
		return fmt.Errorf("clear tasks: %w", err)
	}
	rows := make([]taskRow, 0, len(tasks))
	for i, t := range tasks {
		tr, err := taskRowOf(row.ID, i, t)
		if err != nil {
			return err
		}
		rows = append(rows, tr)
	}
	if len(rows) > 0 {
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
			return fmt.Errorf("save tasks: %w", err)
		}
	}
	if old.ID != "" && (old.SuiteName != row.SuiteName || old.SuiteVersion != row.SuiteVersion ||
		old.Split != row.Split || old.BoardScope != row.BoardScope || old.CompetitorID != row.CompetitorID) {
		if err := refreshBest(tx, old.SuiteName, old.SuiteVersion, old.Split, old.BoardScope, old.CompetitorID); err != nil {
			return err
		}
	}
	return refreshBest(tx, row.SuiteName, row.SuiteVersion, row.Split, row.BoardScope, row.CompetitorID)
}

// bestOrder is the one ordering that picks a competitor's best run, in
// SQL and in Go (better): highest composite, then the latest finish, then
// the greatest id.
const bestOrder = "composite DESC, finished_at DESC, id DESC"

// refreshBest recomputes one competitor's best completed run in one group.
func refreshBest(tx *gorm.DB, suite, version, split, scope string, competitorID int64) error {
	if err := tx.Where("suite_name = ? AND suite_version = ? AND split = ? AND board_scope = ? AND competitor_id = ?",
		suite, version, split, scope, competitorID).Delete(&bestRow{}).Error; err != nil {
		return fmt.Errorf("refresh leaderboard: %w", err)
	}
	// The run with the best order among the group's completed ones, copied
	// in one statement (both dialects accept INSERT … SELECT … LIMIT).
	if err := tx.Exec(`INSERT INTO board_best (`+bestCols+`) SELECT `+bestCols+` FROM runs
		WHERE suite_name = ? AND suite_version = ? AND split = ? AND board_scope = ? AND competitor_id = ? AND status = ? AND composite IS NOT NULL
		ORDER BY `+bestOrder+` LIMIT 1`, suite, version, split, scope, competitorID, StatusCompleted).Error; err != nil {
		return fmt.Errorf("refresh leaderboard: %w", err)
	}
	return nil
}

// SaveReport imports a finished report as a run of c. It is idempotent by
// run id: a run already stored and finished is left as it is; one still
// running (this report is its end) is finished with it.
func (s *Store) SaveReport(ctx context.Context, r *record.Report, c Competitor) (string, error) {
	id, _, err := s.saveReport(ctx, r, c)
	return id, err
}

// saveReport is SaveReport that also says whether anything was written.
func (s *Store) saveReport(ctx context.Context, r *record.Report, c Competitor) (string, bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old []runRow
		if err := tx.Omit("report_json").Where("id = ?", r.Run.ID).Limit(1).Find(&old).Error; err != nil {
			return err
		}
		if len(old) > 0 && old[0].Status != StatusRunning && old[0].Status != StatusPending {
			return nil
		}
		cid, err := ensureCompetitor(tx, c)
		if err != nil {
			return err
		}
		row, err := fullRow(r, cid)
		if err != nil {
			return err
		}
		var prev runRow
		if len(old) > 0 {
			prev = old[0]
			row.OwnerHost, row.OwnerPID = prev.OwnerHost, prev.OwnerPID
		}
		created = true
		return writeRun(tx, row, r.Tasks, prev)
	})
	if err != nil {
		return "", false, fmt.Errorf("save report %s: %w", r.Run.ID, err)
	}
	return r.Run.ID, created, nil
}

// DeleteRun removes a run and its task rows (and its place on the
// leaderboard, which falls back to the competitor's next best run).
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row runRow
		if err := tx.Omit("report_json").Where("id = ?", id).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("run %s: %w", id, ErrNotFound)
			}
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&bestRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("run_id = ?", id).Delete(&taskRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("run_id = ?", id).Delete(&dimRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&runRow{}).Error; err != nil {
			return err
		}
		return refreshBest(tx, row.SuiteName, row.SuiteVersion, row.Split, row.BoardScope, row.CompetitorID)
	})
	if err != nil {
		return fmt.Errorf("delete run %s: %w", id, err)
	}
	return nil
}

// RunFilter selects runs for ListRuns; zero fields do not filter.
type RunFilter struct {
	Suite      string
	Competitor string
	Status     string
	Since      time.Time
	// Limit caps the number of runs (newest first); 0 means 100.
	Limit int
	// Offset skips that many runs of the selection (paging).
	Offset int
	// Until keeps runs started before it.
	Until time.Time
	// SubmittedBy keeps runs submitted to the scoring service by this API
	// key id.
	SubmittedBy string
}

// Score is one dimension of a stored run: its value and 95% interval.
type Score struct {
	Value float64     `json:"value"`
	CI95  *[2]float64 `json:"ci95,omitempty"`
}

// RunSummary is one run as ListRuns shows it.
type RunSummary struct {
	ID             string     `json:"id"`
	Competitor     Competitor `json:"competitor"`
	Status         string     `json:"status"`
	Model          string     `json:"model"`
	Target         string     `json:"target"`
	Suite          string     `json:"suite"`
	SuiteVersion   string     `json:"suite_version"`
	SuiteSHA256    string     `json:"suite_sha256,omitempty"`
	Split          string     `json:"split,omitempty"`
	Seed           uint64     `json:"seed"`
	Limit          int        `json:"limit,omitempty"`
	StartedAt      time.Time  `json:"started_at"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
	HarnessVersion string     `json:"harness_version,omitempty"`
	Tasks          int        `json:"tasks"`
	TasksPlanned   int        `json:"tasks_planned"`
	Passed         int        `json:"passed"`
	Composite      *Score     `json:"composite,omitempty"`
	// Dims are the run's dimension scores; its JSON lists each after the
	// composite, one member per dimension (MarshalJSON).
	Dims           Dims     `json:"-"`
	CostUSD        *float64 `json:"cost_usd,omitempty"`
	CostPerCorrect *float64 `json:"cost_per_correct,omitempty"`
	Note           string   `json:"note,omitempty"`
}

// RunDetail is one run with its report and stored task rows.
type RunDetail struct {
	RunSummary
	// Report is the run's JSON report; nil while the run has none (it is
	// running, or failed before finishing).
	Report *record.Report `json:"report,omitempty"`
	// Tasks are the stored task results in the order they were added.
	Tasks []record.TaskResult `json:"tasks"`
}

func score(v, lo, hi *float64) *Score {
	if v == nil {
		return nil
	}
	s := &Score{Value: *v}
	if lo != nil && hi != nil {
		s.CI95 = &[2]float64{*lo, *hi}
	}
	return s
}

func summaryOf(r runRow, c competitorRow) RunSummary {
	seed := uint64(r.Seed)
	if r.FinishedAt == nil {
		// A fresh run's secret seed decides every task, and the generator
		// is public: shown before the run ends, it would give a competitor
		// every answer. Nobody sees a run's seed until it has ended.
		seed = 0
	}
	return RunSummary{ID: r.ID, Competitor: competitorOf(c), Status: r.Status, Model: r.Model, Target: r.Target,
		Suite: r.SuiteName, SuiteVersion: r.SuiteVersion, SuiteSHA256: r.SuiteSHA256, Split: r.Split,
		Seed: seed, Limit: r.TaskLimit, StartedAt: r.StartedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt),
		HarnessVersion: r.HarnessVersion, Tasks: r.Tasks, TasksPlanned: r.TasksPlanned, Passed: r.Passed,
		Composite: score(r.Composite, r.CompositeLo, r.CompositeHi), Dims: r.Dims,
		CostUSD: r.CostUSD, CostPerCorrect: r.CostPerCorrect, Note: r.Note}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func competitorOf(c competitorRow) Competitor {
	return Competitor{Name: c.Name, Team: c.Team, Image: c.Image, TargetURL: c.TargetURL, Baseline: c.Baseline}
}

// ListRuns lists runs newest first.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]RunSummary, error) {
	q := s.db.WithContext(ctx).Omit("report_json").Model(&runRow{})
	if f.Suite != "" {
		q = q.Where("suite_name = ?", f.Suite)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if !f.Since.IsZero() {
		q = q.Where("started_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("started_at < ?", f.Until.UTC())
	}
	if f.SubmittedBy != "" {
		q = q.Where("submitted_by = ?", f.SubmittedBy)
	}
	if f.Offset > 0 {
		q = q.Offset(f.Offset)
	}
	if f.Competitor != "" {
		q = q.Where("competitor_id IN (?)", s.db.Model(&competitorRow{}).Select("id").Where("name = ?", f.Competitor))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var rows []runRow
	if err := q.Order("started_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	comps, err := s.competitors(ctx, rows)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	ptrs := make([]*runRow, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	if err := fillDims(s.db.WithContext(ctx), ptrs...); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out := make([]RunSummary, 0, len(rows))
	for _, r := range rows {
		out = append(out, summaryOf(r, comps[r.CompetitorID]))
	}
	return out, nil
}

func (s *Store) competitors(ctx context.Context, rows []runRow) (map[int64]competitorRow, error) {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.CompetitorID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	m := map[int64]competitorRow{}
	for chunk := range slices.Chunk(ids, 500) {
		var cs []competitorRow
		if err := s.db.WithContext(ctx).Where("id IN ?", chunk).Find(&cs).Error; err != nil {
			return nil, err
		}
		for _, c := range cs {
			m[c.ID] = c
		}
	}
	return m, nil
}

// GetRun returns one run with its report and task rows.
func (s *Store) GetRun(ctx context.Context, id string) (*RunDetail, error) {
	return s.getRun(ctx, id, false)
}

// readRun reads run id and its competitor, the report JSON only when
// withReport. Its errors name no run (the caller says which operation
// failed): ErrNotFound itself for a missing run.
func (s *Store) readRun(ctx context.Context, id string, withReport bool) (runRow, competitorRow, error) {
	var row runRow
	var c competitorRow
	q := s.db.WithContext(ctx)
	if !withReport {
		q = q.Omit("report_json")
	}
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return row, c, ErrNotFound
		}
		return row, c, err
	}
	if err := s.db.WithContext(ctx).Where("id = ?", row.CompetitorID).Take(&c).Error; err != nil {
		return row, c, fmt.Errorf("competitor: %w", err)
	}
	if err := fillDims(s.db.WithContext(ctx), &row); err != nil {
		return row, c, err
	}
	return row, c, nil
}

// getRun is GetRun; with brief, the tasks' details are skipped, not
// decoded (GetRunBrief).
func (s *Store) getRun(ctx context.Context, id string, brief bool) (*RunDetail, error) {
	row, c, err := s.readRun(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	d := &RunDetail{RunSummary: summaryOf(row, c), Tasks: []record.TaskResult{}}
	if row.ReportJSON != "" {
		rep, err := decodeReport(row.ReportJSON, brief)
		if err != nil {
			return nil, fmt.Errorf("get run %s: decode report: %w", id, err)
		}
		d.Report = rep
	}
	var tasks []taskRow
	if err := s.db.WithContext(ctx).Where("run_id = ?", id).Order("seq, task_id").Find(&tasks).Error; err != nil {
		return nil, fmt.Errorf("get run %s: tasks: %w", id, err)
	}
	for _, t := range tasks {
		tr, err := decodeTask(t.ResultJSON, brief)
		if err != nil {
			return nil, fmt.Errorf("get run %s: decode task %s: %w", id, t.TaskID, err)
		}
		d.Tasks = append(d.Tasks, tr)
	}
	if brief && d.Report != nil {
		d.Report.Tasks = slices.Clone(d.Tasks)
	}
	return d, nil
}
