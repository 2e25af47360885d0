package leaderboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/internal/sqlstore"
	"github.com/janus-bench/janus/record"
)

// This file holds the one library call behind each store command of the
// CLI (janus runs, leaderboard, arena, bench run --save).

// InputError is bad input to a store command: an unknown run, a bad file,
// a bad filter. The CLI maps it to the usage exit code.
type InputError struct {
	Op  string
	Err error
}

func (e *InputError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ExitCode makes bad input end the process with the usage code.
func (e *InputError) ExitCode() int { return exitcode.Usage }

func openFor(ctx context.Context, dsn string) (*Store, error) {
	s, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// openExisting opens the store for a command that only reads it (or
// deletes from it): a SQLite file that does not exist is an error naming
// the path, never created with its directories on the way.
func openExisting(ctx context.Context, dsn, op string) (*Store, error) {
	if err := StoreExists(dsn); err != nil {
		return nil, &InputError{Op: op, Err: err}
	}
	return Open(ctx, dsn)
}

// StoreExists says whether the store at dsn (empty: DefaultDSN) exists:
// a PostgreSQL URL or an in-memory SQLite always does, a SQLite file must.
func StoreExists(dsn string) error {
	if dsn == "" {
		dsn = DefaultDSN()
	}
	if sqlstore.IsPostgres(dsn) {
		return nil
	}
	p, _, _ := strings.Cut(strings.TrimPrefix(dsn, "sqlite://"), "?")
	if p == ":memory:" || strings.HasPrefix(p, "file:") {
		return nil
	}
	if _, err := os.Stat(p); err != nil {
		return fmt.Errorf("no run store at %s (nothing was saved there: store runs with `janus bench run --save` or `janus runs import`, or name another store with --store or JANUS_STORE)", p)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// fmtScore prints a score as "71.2 [68.0–74.1]" or "-".
func fmtScore(s *Score) string {
	if s == nil {
		return "-"
	}
	if s.CI95 == nil {
		return fmt.Sprintf("%.1f", s.Value)
	}
	return fmt.Sprintf("%.1f [%.1f–%.1f]", s.Value, s.CI95[0], s.CI95[1])
}

// ListRunsTo prints the runs f selects from the store at dsn, as a table or
// JSON.
func ListRunsTo(ctx context.Context, dsn string, f RunFilter, asJSON bool, w io.Writer) error {
	s, err := openExisting(ctx, dsn, "runs list")
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.ListRuns(ctx, f)
	if err != nil {
		return err
	}
	if asJSON {
		if runs == nil {
			runs = []RunSummary{}
		}
		return writeJSON(w, runs)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tCOMPETITOR\tSUITE\tSPLIT\tCOMPOSITE\tTASKS\tSTARTED")
	for _, r := range runs {
		split := r.Split
		if split == "" {
			split = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s@%s\t%s\t%s\t%d/%d\t%s\n", r.ID, r.Status, r.Competitor.Name, r.Suite, r.SuiteVersion,
			split, fmtScore(r.Composite), r.Tasks, r.TasksPlanned, r.StartedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// ShowRunTo prints one run: its summary and tasks, or with asJSON the full
// detail (report included).
func ShowRunTo(ctx context.Context, dsn, id string, asJSON bool, w io.Writer) error {
	s, err := openExisting(ctx, dsn, "runs show")
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := s.GetRun(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return &InputError{Op: "runs show", Err: fmt.Errorf("no run %q in the store", id)}
	}
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, d)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%s\nstatus\t%s\ncompetitor\t%s\nmodel\t%s\ntarget\t%s\nsuite\t%s@%s (%s)\n", d.ID, d.Status,
		d.Competitor.Name, d.Model, d.Target, d.Suite, d.SuiteVersion, d.SuiteSHA256)
	if d.FinishedAt != nil {
		fmt.Fprintf(tw, "started\t%s\nfinished\t%s\n", d.StartedAt.Format(time.RFC3339), d.FinishedAt.Format(time.RFC3339))
	} else {
		fmt.Fprintf(tw, "started\t%s\n", d.StartedAt.Format(time.RFC3339))
	}
	if d.Note != "" {
		fmt.Fprintf(tw, "note\t%s\n", d.Note)
	}
	fmt.Fprintf(tw, "%s\t%s\n", record.Composite, fmtScore(d.Composite))
	for _, n := range record.Columns(slices.Collect(maps.Keys(d.Dims))) {
		fmt.Fprintf(tw, "%s\t%s\n", n, fmtScore(d.Dims[n]))
	}
	fmt.Fprintf(tw, "tasks\t%d stored, %d planned\n\n", len(d.Tasks), d.TasksPlanned)
	fmt.Fprintln(tw, "TASK\tCATEGORY\tSTATUS\tSCORE\tREASON")
	for _, t := range d.Tasks {
		reason := t.Reason
		if len(reason) > 60 {
			reason = reason[:57] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\n", t.ID, t.Category, t.Status, t.Score, reason)
	}
	return tw.Flush()
}

// DeleteRuns deletes runs by id; an unknown id is an input error (the
// others are still deleted).
func DeleteRuns(ctx context.Context, dsn string, ids []string, w io.Writer) error {
	s, err := openExisting(ctx, dsn, "runs delete")
	if err != nil {
		return err
	}
	defer s.Close()
	var missing []string
	for _, id := range ids {
		err := s.DeleteRun(ctx, id)
		if errors.Is(err, ErrNotFound) {
			missing = append(missing, id)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "deleted %s\n", id)
	}
	if len(missing) > 0 {
		return &InputError{Op: "runs delete", Err: fmt.Errorf("no run %s in the store", strings.Join(missing, ", "))}
	}
	return nil
}

// ImportReports stores report JSON files (each validated against the
// report schema), idempotently by run id. c names the competitor; an empty
// name means each report's own (CompetitorFromReport).
func ImportReports(ctx context.Context, dsn string, files []string, c Competitor, w io.Writer) error {
	reps := make([]*record.Report, 0, len(files))
	var kept []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return &InputError{Op: "runs import", Err: err}
		}
		if kind := reportKind(b); kind != record.SchemaVersion {
			// A load report, or another janus file in runs/: not a run.
			fmt.Fprintf(w, "%s: skipped: %s, not a run report (%s)\n", f, kind, record.SchemaVersion)
			continue
		}
		r, err := bench.ParseReport(b, f)
		if err != nil {
			return &InputError{Op: "runs import", Err: err}
		}
		reps = append(reps, r)
		kept = append(kept, f)
	}
	if len(reps) == 0 {
		return &InputError{Op: "runs import", Err: fmt.Errorf("none of the %d files is a run report (%s)", len(files), record.SchemaVersion)}
	}
	files = kept
	s, err := openFor(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	added := 0
	for i, r := range reps {
		comp := competitorFor(c, r.Run)
		id, created, err := s.saveReport(ctx, r, comp)
		if err != nil {
			return fmt.Errorf("runs import %s: %w", files[i], err)
		}
		if created {
			added++
			fmt.Fprintf(w, "%s: imported run %s (%s)\n", files[i], id, comp.Name)
		} else {
			fmt.Fprintf(w, "%s: run %s already stored\n", files[i], id)
		}
	}
	fmt.Fprintf(w, "%d imported, %d already stored\n", added, len(reps)-added)
	return nil
}

// reportKind names what a JSON file is: record.SchemaVersion for a run
// report, or "a janus.load/v1 report" for another janus report (load
// reports carry "schema"). A file that says neither is taken for a run
// report, so the schema check says what is wrong with it and where.
func reportKind(b []byte) string {
	var head struct {
		SchemaVersion string `json:"schema_version"`
		Schema        string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.SchemaVersion == record.SchemaVersion {
		return record.SchemaVersion
	}
	switch {
	case head.Schema != "":
		return "a " + head.Schema + " report"
	case head.SchemaVersion != "":
		return "a " + head.SchemaVersion + " report"
	}
	return record.SchemaVersion
}

// competitorFor fills what c leaves empty from the run.
func competitorFor(c Competitor, run record.Run) Competitor {
	if c.Name == "" {
		c.Name = run.Model
	}
	if c.TargetURL == "" {
		c.TargetURL = run.Target
	}
	c.Baseline = c.Baseline || run.EmbeddedTarget
	return c
}

// PrintLeaderboard prints the board q selects, as a table or JSON.
func PrintLeaderboard(ctx context.Context, dsn string, q Query, asJSON bool, w io.Writer) error {
	if q.Baseline != BaselineInclude && q.Baseline != BaselineOnly && q.Baseline != BaselineExclude {
		return &InputError{Op: "leaderboard", Err: fmt.Errorf("--baseline %q: want include, only or exclude", q.Baseline)}
	}
	s, err := openExisting(ctx, dsn, "leaderboard")
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.Leaderboard(ctx, q)
	if err != nil {
		return err
	}
	if asJSON {
		if b.Rows == nil {
			b.Rows = []Entry{}
		}
		return writeJSON(w, b)
	}
	WriteBoard(w, b)
	return nil
}

// WriteBoard prints a board as plain text tables, one per group.
func WriteBoard(w io.Writer, b *Board) {
	if len(b.Rows) == 0 {
		fmt.Fprintln(w, "no completed runs in the store")
		return
	}
	var present []record.Dimension
	for _, e := range b.Rows {
		present = append(present, slices.Collect(maps.Keys(e.Dims))...)
	}
	cols := record.Columns(present)
	head := ""
	for _, d := range cols {
		head += "\t" + strings.ToUpper(string(d))
	}
	var last groupKey
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, e := range b.Rows {
		k := groupKey{e.Suite, e.SuiteVersion, e.Split, e.Scope}
		if i == 0 || k != last {
			if i > 0 {
				fmt.Fprintln(tw)
			}
			split := e.Split
			if split == "" {
				split = "all"
			}
			scope := ""
			if e.Scope != "" {
				scope = "  " + e.Scope
			}
			fmt.Fprintf(tw, "%s@%s split %s%s\n", e.Suite, e.SuiteVersion, split, scope)
			fmt.Fprintln(tw, "RANK\tRANGE\tCOMPETITOR\tCOMPOSITE"+head+"\t$/CORRECT\tPARETO\tRUN")
			last = k
		}
		name := e.Competitor.Name
		if e.Competitor.Baseline {
			name += " (baseline)"
		}
		cpc := "-"
		if e.CostPerCorrect != nil {
			cpc = fmt.Sprintf("%.4g", *e.CostPerCorrect)
		}
		var marks []string
		if e.ParetoCost {
			marks = append(marks, "cost")
		}
		if e.ParetoSpeed {
			marks = append(marks, "speed")
		}
		row := ""
		for _, d := range cols {
			row += "\t" + fmtScore(e.Dims[d])
		}
		fmt.Fprintf(tw, "%d\t%d–%d\t%s\t%s%s\t%s\t%s\t%s\n", e.Rank, e.RankLo, e.RankHi, name,
			fmtScore(&e.Composite), row, cpc, strings.Join(marks, ","), e.RunID)
	}
	tw.Flush()
}

// ImportVotes reads JSONL vote files (the gateway's arena log) and stores
// the votes, idempotently by vote id.
func ImportVotes(ctx context.Context, dsn string, files []string, w io.Writer) error {
	var all []Vote
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return &InputError{Op: "arena import", Err: err}
		}
		vs, err := ParseVotes(fh, f)
		fh.Close()
		if err != nil {
			return &InputError{Op: "arena import", Err: err}
		}
		all = append(all, vs...)
	}
	s, err := openFor(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.AddVotes(ctx, all)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d votes read, %d new, %d already stored\n", len(all), n, len(all)-n)
	return nil
}

// RatingsOptions select the arena ratings to print.
type RatingsOptions struct {
	// Method is "bt" (Bradley-Terry, the default) or "elo".
	Method string
	BT     BTOptions
	Filter VoteFilter
	JSON   bool
}

// RatingsReport is the JSON of `janus arena ratings --json`.
type RatingsReport struct {
	Method  string   `json:"method"`
	Votes   int      `json:"votes"`
	Ratings []Rating `json:"ratings"`
}

// PrintRatings computes arena ratings from the stored votes.
func PrintRatings(ctx context.Context, dsn string, o RatingsOptions, w io.Writer) error {
	if o.Method == "" {
		o.Method = "bt"
	}
	if o.Method != "bt" && o.Method != "elo" {
		return &InputError{Op: "arena ratings", Err: fmt.Errorf("--method %q: want elo or bt", o.Method)}
	}
	s, err := openExisting(ctx, dsn, "arena ratings")
	if err != nil {
		return err
	}
	defer s.Close()
	votes, err := s.Votes(ctx, o.Filter)
	if err != nil {
		return err
	}
	var rs []Rating
	if o.Method == "elo" {
		rs = Elo(votes, EloOptions{})
	} else if rs, err = BradleyTerry(votes, o.BT); err != nil {
		return err
	}
	if rs == nil {
		rs = []Rating{}
	}
	if o.JSON {
		return writeJSON(w, RatingsReport{Method: o.Method, Votes: len(votes), Ratings: rs})
	}
	if len(rs) == 0 {
		fmt.Fprintln(w, "no votes in the store")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s ratings from %d votes\n", map[string]string{"bt": "Bradley-Terry", "elo": "Elo"}[o.Method], len(votes))
	fmt.Fprintln(tw, "RANK\tRANGE\tCOMPETITOR\tRATING\tCI95\tMATCHES\tW\tL\tTIE\tBOTH_BAD")
	for _, r := range rs {
		ci := "-"
		if r.CI95 != nil {
			ci = fmt.Sprintf("%.0f–%.0f", r.CI95[0], r.CI95[1])
		}
		fmt.Fprintf(tw, "%d\t%d–%d\t%s\t%.0f\t%s\t%d\t%d\t%d\t%d\t%d\n", r.Rank, r.RankLo, r.RankHi, r.Competitor, r.Rating, ci,
			r.Matches, r.Wins, r.Losses, r.Ties, r.BothBad)
	}
	return tw.Flush()
}

// Hooks are what RecordRun hands the run it wraps: Start before the first
// task, Task for each finished one.
type Hooks struct {
	Start func(record.Run) error
	Task  func(record.TaskResult)
}

// RecordRun runs run with hooks that record it in the store at dsn as it
// goes (bench run --save): the run is stored running at Start, each task
// as it finishes, and at the end completed (also when a gate failed),
// cancelled (interrupted) or failed, with the report when there is one.
// It returns run's report and error; a store failure is logged during the
// run and joined to the error at the end. With save false the store is not
// opened and run gets no-op hooks.
func RecordRun(ctx context.Context, dsn string, c Competitor, save bool, log *slog.Logger,
	run func(Hooks) (*record.Report, error)) (*record.Report, error) {
	if !save {
		return run(Hooks{Start: func(record.Run) error { return nil }, Task: func(record.TaskResult) {}})
	}
	s, err := openFor(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Record(ctx, c, log, run)
}

// Record runs run with hooks that record it in s as it goes, as RecordRun
// does with a store it opens; the TUI records its runs in the store it has
// open with it. Writes after ctx is cancelled (Ctrl-C) still happen,
// each bounded to 30 s: an interrupted run is stored with its tasks.
func (s *Store) Record(ctx context.Context, c Competitor, log *slog.Logger,
	run func(Hooks) (*record.Report, error)) (*record.Report, error) {
	if log == nil {
		log = slog.Default()
	}
	runID := ""
	h := Hooks{
		Start: func(r record.Run) error {
			id, err := s.BeginRun(ctx, r, competitorFor(c, r))
			runID = id
			return err
		},
		Task: func(t record.TaskResult) {
			if runID == "" {
				return
			}
			// Tasks finishing after Ctrl-C are still stored: the run's
			// context is cancelled, the write is short and bounded.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := s.AddTask(wctx, runID, t); err != nil {
				log.Warn("run store: task not saved (the final report will be)", "task", t.ID, "err", err)
			}
		},
	}
	rep, runErr := run(h)
	if runID == "" {
		return rep, runErr
	}
	var threshold *bench.ThresholdError
	status := StatusCompleted
	switch {
	case runErr == nil, errors.As(runErr, &threshold):
	case errors.Is(runErr, bench.ErrInterrupted), ctx.Err() != nil:
		status = StatusCancelled
	default:
		status = StatusFailed
	}
	// Ctrl-C cancelled ctx; the run must still be closed in the store.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.FinishRun(fctx, runID, rep, status); err != nil {
		return rep, errors.Join(runErr, fmt.Errorf("run store: finish run %s: %w", runID, err))
	}
	log.Info("run stored", "run", runID, "status", status)
	return rep, runErr
}
