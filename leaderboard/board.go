package leaderboard

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/stats"
	"gorm.io/gorm"
)

// Baseline filters of a Query.
const (
	BaselineInclude = ""        // baseline and other competitors
	BaselineOnly    = "only"    // baseline competitors only
	BaselineExclude = "exclude" // everyone but the baseline
)

// Query selects a leaderboard; zero fields do not filter.
type Query struct {
	Suite        string
	SuiteVersion string
	// Split selects runs limited to that split ("public"); "all" selects
	// runs over the whole suite; "" any.
	Split    string
	Baseline string
	// Since keeps runs started at or after it: each competitor's best run
	// among those.
	Since time.Time
}

// Entry is one competitor's row in one (suite, version, split, scope)
// group.
type Entry struct {
	// Rank is the 1-based position by composite within the group. RankLo
	// and RankHi bound it given the 95% intervals widened to the run
	// noise floor (RunNoiseFloor), as the LMSYS arena does: RankLo = 1 + the number of others whose interval lies wholly
	// above this one (lower bound > this upper bound), RankHi = the group
	// size − the number of others whose interval lies wholly below.
	Rank         int        `json:"rank"`
	RankLo       int        `json:"rank_lo"`
	RankHi       int        `json:"rank_hi"`
	Competitor   Competitor `json:"competitor"`
	Suite        string     `json:"suite"`
	SuiteVersion string     `json:"suite_version"`
	Split        string     `json:"split,omitempty"`
	// Scope is the rest of the group's key (the run's task limit and the
	// seed that picked its subset, a hash of the categories it covered):
	// runs over other task sets are never ranked together.
	Scope      string     `json:"scope,omitempty"`
	RunID      string     `json:"run_id"`
	Model      string     `json:"model"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Tasks      int        `json:"tasks"`
	Passed     int        `json:"passed"`
	Composite  Score      `json:"composite"`
	// Dims are the run's dimension scores; its JSON lists each after the
	// composite, one member per dimension (MarshalJSON).
	Dims Dims `json:"-"`
	// CostPerCorrect is the run's total cost in USD over its passed tasks;
	// nil when the target reported no cost or nothing passed.
	CostPerCorrect *float64 `json:"cost_per_correct,omitempty"`
	// ParetoCost: no other entry of the group has quality at least as high
	// and cost per correct answer at least as low, one of them strictly.
	// Entries without a cost per correct answer are never on it.
	ParetoCost bool `json:"pareto_cost"`
	// ParetoSpeed: the same with the speed score (higher is better).
	ParetoSpeed bool `json:"pareto_speed"`
}

// Board is a leaderboard: entries grouped by suite, version, split and
// scope (never mixed), each group ranked.
type Board struct {
	Rows []Entry `json:"rows"`
}

// boardRow is what both leaderboard paths read: a run and its competitor.
type boardRow struct {
	Run       runRow `gorm:"embedded"`
	CName     string
	CTeam     string
	CImage    string
	CTarget   string
	CBaseline bool
}

// boardCols are the run columns a leaderboard needs (not the report JSON).
const boardCols = `r.id, r.competitor_id, r.model, r.suite_name, r.suite_version, r.split, r.board_scope, r.finished_at, r.tasks, r.passed,
	r.composite, r.composite_lo, r.composite_hi, r.cost_per_correct, r.dims_json, c.name AS c_name, c.team AS c_team, c.image AS c_image, c.target_url AS c_target, c.baseline AS c_baseline`

// Leaderboard computes the board for q. Without Since it reads the
// materialised best runs (one row per competitor and group); with Since it
// picks each competitor's best among the runs since then, by the same
// ordering (bestOrder).
func (s *Store) Leaderboard(ctx context.Context, q Query) (*Board, error) {
	db := s.db.WithContext(ctx)
	var tx = db
	if q.Since.IsZero() {
		tx = db.Table("board_best r").Select(boardCols).Joins("JOIN competitors c ON c.id = r.competitor_id")
	} else {
		// Each competitor's best run per group among those since then,
		// picked in SQL (window function) so only the winners reach Go.
		// Left to itself SQLite walks all runs in runs_group order to save
		// the window's sort; reading only the runs since then is cheaper.
		from := "runs"
		if s.dialect == "sqlite" {
			from = "runs INDEXED BY runs_started"
		}
		best := db.Raw(`SELECT `+bestCols+` FROM (
			SELECT `+bestCols+`, ROW_NUMBER() OVER (PARTITION BY suite_name, suite_version, split, board_scope, competitor_id
				ORDER BY `+bestOrder+`) AS n
			FROM `+from+` WHERE status = ? AND composite IS NOT NULL AND started_at >= ?) ranked WHERE n = 1`,
			StatusCompleted, q.Since.UTC())
		tx = db.Table("(?) r", best).Select(boardCols).Joins("JOIN competitors c ON c.id = r.competitor_id")
	}
	if q.Suite != "" {
		tx = tx.Where("r.suite_name = ?", q.Suite)
	}
	if q.SuiteVersion != "" {
		tx = tx.Where("r.suite_version = ?", q.SuiteVersion)
	}
	switch q.Split {
	case "":
	case "all":
		tx = tx.Where("r.split = ?", "")
	default:
		tx = tx.Where("r.split = ?", q.Split)
	}
	switch q.Baseline {
	case BaselineInclude:
	case BaselineOnly:
		tx = tx.Where("c.baseline = ?", true)
	case BaselineExclude:
		tx = tx.Where("c.baseline = ?", false)
	default:
		return nil, fmt.Errorf("leaderboard: baseline filter %q: want only, exclude or empty", q.Baseline)
	}
	rows, err := scanBoard(tx)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	ptrs := make([]*runRow, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i].Run
	}
	if err := fillDims(db, ptrs...); err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	return &Board{Rows: rank(rows)}, nil
}

// scanBoard reads boardCols rows by hand: at a thousand rows per board,
// reflection-based scanning was a third of the query's time.
func scanBoard(tx *gorm.DB) ([]boardRow, error) {
	rs, err := tx.Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []boardRow
	for rs.Next() {
		var b boardRow
		r := &b.Run
		if err := rs.Scan(&r.ID, &r.CompetitorID, &r.Model, &r.SuiteName, &r.SuiteVersion, &r.Split, &r.BoardScope, &r.FinishedAt,
			&r.Tasks, &r.Passed, &r.Composite, &r.CompositeLo, &r.CompositeHi, &r.CostPerCorrect, &r.DimsJSON,
			&b.CName, &b.CTeam, &b.CImage, &b.CTarget, &b.CBaseline); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rs.Err()
}

type groupKey struct{ suite, version, split, scope string }

func keyOf(r *boardRow) groupKey {
	return groupKey{r.Run.SuiteName, r.Run.SuiteVersion, r.Run.Split, r.Run.BoardScope}
}

// better orders runs as bestOrder does: highest composite, latest finish,
// greatest id.
func better(a, b *boardRow) int {
	if c := cmp.Compare(*b.Run.Composite, *a.Run.Composite); c != 0 {
		return c
	}
	var ta, tb time.Time
	if a.Run.FinishedAt != nil {
		ta = *a.Run.FinishedAt
	}
	if b.Run.FinishedAt != nil {
		tb = *b.Run.FinishedAt
	}
	if c := tb.Compare(ta); c != 0 {
		return c
	}
	return cmp.Compare(b.Run.ID, a.Run.ID)
}

// rank sorts rows into groups (suite, version, split, scope) and ranks
// each.
func rank(rows []boardRow) []Entry {
	// Sorting pointers, not the wide rows, then copying once in order.
	ptrs := make([]*boardRow, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	slices.SortFunc(ptrs, func(a, b *boardRow) int {
		if c := cmp.Compare(a.Run.SuiteName, b.Run.SuiteName); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Run.SuiteVersion, b.Run.SuiteVersion); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Run.Split, b.Run.Split); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Run.BoardScope, b.Run.BoardScope); c != 0 {
			return c
		}
		if c := better(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.CName, b.CName)
	})
	sorted := make([]boardRow, len(rows))
	for i, p := range ptrs {
		sorted[i] = *p
	}
	rows = sorted
	out := make([]Entry, 0, len(rows))
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && keyOf(&rows[end]) == keyOf(&rows[start]) {
			end++
		}
		out = append(out, rankGroup(rows[start:end])...)
		start = end
	}
	return out
}

func rankGroup(g []boardRow) []Entry {
	es := make([]Entry, len(g))
	for i := range g {
		r, c := &g[i].Run, &g[i]
		es[i] = Entry{Rank: i + 1, Competitor: Competitor{Name: c.CName, Team: c.CTeam, Image: c.CImage,
			TargetURL: c.CTarget, Baseline: c.CBaseline},
			Suite: r.SuiteName, SuiteVersion: r.SuiteVersion, Split: r.Split, Scope: r.BoardScope, RunID: r.ID, Model: r.Model,
			FinishedAt: utcPtr(r.FinishedAt), Tasks: r.Tasks, Passed: r.Passed,
			Composite: *score(r.Composite, r.CompositeLo, r.CompositeHi),
			Dims:      r.Dims, CostPerCorrect: r.CostPerCorrect}
	}
	lo, hi := make([]float64, len(es)), make([]float64, len(es))
	for i, e := range es {
		lo[i], hi[i] = rankBounds(e.Composite)
	}
	for i, r := range stats.RankRanges(lo, hi) {
		es[i].RankLo, es[i].RankHi = r[0], r[1]
	}
	paretoCost := frontier(es, func(e *Entry) (float64, bool) {
		if e.CostPerCorrect == nil {
			return 0, false
		}
		return -*e.CostPerCorrect, true
	})
	paretoSpeed := frontier(es, func(e *Entry) (float64, bool) {
		if e.Dims[record.Speed] == nil {
			return 0, false
		}
		return e.Dims[record.Speed].Value, true
	})
	for i := range es {
		es[i].ParetoCost, es[i].ParetoSpeed = paretoCost[i], paretoSpeed[i]
	}
	return es
}

// bounds is a score's interval, the point itself when it has none.
func bounds(s Score) (lo, hi float64) {
	if s.CI95 == nil {
		return s.Value, s.Value
	}
	return s.CI95[0], s.CI95[1]
}

// RunNoiseFloor is the least half-width, in composite points, of the
// interval a rank range is read from. A run's CI95 is a bootstrap over its
// tasks and knows nothing of run-to-run noise (timing on a loaded harness
// machine, a provider's jitter), so two runs of one target can have
// disjoint CIs: issue 15 found 241 of 780 pairs of identical honest runs
// disjoint. `janus bench calibrate` measures the noise: five oracle runs
// of smoke at time scale 0.1 on a loaded 2-core machine spread their
// composites over 0.36 points (docs/SCORING.md, "Honest intervals"); the
// floor is about three times that, so identical targets within 2 points
// of each other always share a rank.
const RunNoiseFloor = 1.0

// rankBounds is the interval a rank range reads: the score's CI95
// widened to at least ±RunNoiseFloor around its value.
func rankBounds(s Score) (lo, hi float64) {
	lo, hi = bounds(s)
	return math.Min(lo, s.Value-RunNoiseFloor), math.Max(hi, s.Value+RunNoiseFloor)
}

// frontier marks the entries no other entry dominates on (quality, y),
// both higher-is-better; entries without quality or y are never on it.
// O(n²) over flat arrays: a thousand entries take about a millisecond.
func frontier(es []Entry, y func(*Entry) (float64, bool)) []bool {
	n := len(es)
	qs, ys, ok := make([]float64, n), make([]float64, n), make([]bool, n)
	for i := range es {
		ys[i], ok[i] = y(&es[i])
		if es[i].Dims[record.Quality] == nil {
			ok[i] = false
		} else {
			qs[i] = es[i].Dims[record.Quality].Value
		}
	}
	on := make([]bool, n)
	for i := range n {
		if !ok[i] {
			continue
		}
		on[i] = true
		for j := range n {
			if j != i && ok[j] && qs[j] >= qs[i] && ys[j] >= ys[i] && (qs[j] > qs[i] || ys[j] > ys[i]) {
				on[i] = false
				break
			}
		}
	}
	return on
}
