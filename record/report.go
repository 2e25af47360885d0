package record

import (
	"fmt"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/pricing"
)

// SchemaVersion names the report format; it changes only with the schema.
const SchemaVersion = "janus.report/v1"

// Run statuses.
const (
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
)

// Report is one benchmark run.
type Report struct {
	SchemaVersion string             `json:"schema_version"`
	Run           Run                `json:"run"`
	Scores        Scores             `json:"scores"`
	Weights       Weights            `json:"weights"`
	Metrics       map[string]Summary `json:"metrics"`
	Violations    map[string]int     `json:"violations"`
	// Shape counts the tasks that got each shape note (trace.ShapeCodes;
	// absent when none did): departures from OpenAI's shape that are not
	// violations (docs/METRICS.md, Shape notes).
	Shape map[string]int `json:"shape,omitempty"`
	// Categories is each task category's mean task score (0–100), so a
	// reader sees where quality comes from, not only its total.
	Categories map[string]CategoryScore `json:"categories,omitempty"`
	Tasks      []TaskResult             `json:"tasks"`
	Harness    *Harness                 `json:"harness,omitempty"`
	// PassRate is the share of tasks that passed (scorer.Passed) with its
	// Wilson interval; Aggregate fills it.
	PassRate *Rate `json:"pass_rate,omitempty"`
	// Scoring records what the scores were computed with, besides Weights
	// and Run.Model, so that re-scoring the report reproduces them.
	Scoring *Scoring `json:"scoring,omitempty"`
	// Resources is what the competitor's container used during the run
	// (`bench run --image`); absent for a plain --target run.
	Resources *Resources `json:"resources,omitempty"`
	// Canaries are the run's leak detectors (not scored): tasks whose
	// answer only the holder of the private suite's key or the fresh
	// run's secret seed can compute.
	Canaries *Canaries `json:"canaries,omitempty"`
	// Decoys compares ordinary prompts' latency with the suite's
	// (--decoys N): a competitor notably slower on them is fast only for
	// the benchmark, and its speed is scored on the decoys.
	Decoys *Decoys `json:"decoys,omitempty"`
}

// Decoys reports a run's decoy prompts (not scored for quality).
type Decoys struct {
	Sent           int     `json:"sent"`
	TTFTp50Ms      float64 `json:"ttft_p50_ms"`
	SuiteTTFTp50Ms float64 `json:"suite_ttft_p50_ms"`
	E2Ep50Ms       float64 `json:"e2e_p50_ms"`
	SuiteE2Ep50Ms  float64 `json:"suite_e2e_p50_ms"`
	// Slower is set when the decoys' median TTFT or e2e is more than twice
	// the suite's and 300 ms above it; speed is then the lower of
	// SuiteSpeed and DecoySpeed.
	Slower     bool    `json:"slower"`
	SuiteSpeed float64 `json:"suite_speed"`
	DecoySpeed float64 `json:"decoy_speed"`
}

// Canaries reports the canary tasks of a run: Sent asked, Answered the
// ones the target got right, which means the key or seed has leaked.
type Canaries struct {
	Sent     int `json:"sent"`
	Answered int `json:"answered"`
	// Markers are the runs' random canary markers, for an audit.
	Markers []string `json:"markers"`
}

// Resources describes the competitor container of a `bench run --image`:
// its limits, its time to ready, and what it used from start to the end
// of the run, sampled from the engine's stats once a second.
type Resources struct {
	Image       string  `json:"image"`
	ImageID     string  `json:"image_id"`
	Container   string  `json:"container"`
	CPUs        float64 `json:"cpus_limit"`
	MemoryLimit int64   `json:"memory_limit_bytes"`
	// ReadyMs is the time from the start call to the first /health "ok".
	ReadyMs      float64 `json:"ready_ms"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	MemPeakBytes int64   `json:"mem_peak_bytes"`
	MemMeanBytes int64   `json:"mem_mean_bytes"`
	// GBSeconds is the working set integrated over time (GB × s).
	GBSeconds  float64 `json:"gb_seconds"`
	NetRxBytes int64   `json:"net_rx_bytes"`
	NetTxBytes int64   `json:"net_tx_bytes"`
	PIDsPeak   int     `json:"pids_peak"`
	OOMKilled  bool    `json:"oom_killed"`
	Restarts   int     `json:"restarts"`
	// Samples and SampledSeconds say what the figures rest on.
	Samples        int     `json:"samples"`
	SampledSeconds float64 `json:"sampled_seconds"`
	// ComputeCostUSD is CPUSeconds and GBSeconds at the price table's
	// compute prices; it is part of the cost dimension when non-zero.
	ComputeCostUSD float64 `json:"compute_cost_usd"`
	// LogFile is where the container's stdout and stderr were saved.
	LogFile string `json:"log_file,omitempty"`
}

// Scoring is the part of scorer.Options a report records: the targets,
// the price table, quality's category weights and the bootstrap.
type Scoring struct {
	Targets         Targets            `json:"targets"`
	Prices          pricing.Prices     `json:"prices"`
	CategoryWeights map[string]float64 `json:"category_weights,omitempty"`
	Bootstrap       Bootstrap          `json:"bootstrap"`
	// PassScore is the task score at or above which a task passed.
	PassScore float64 `json:"pass_score"`
	// ComputeUSD is the container compute cost the cost dimension
	// included (scorer.Options.ComputeUSD); 0 when none.
	ComputeUSD float64 `json:"compute_usd,omitempty"`
	// TimingNoiseMs is the harness gap timing error taken out of the
	// streaming score's continuity (scorer.Options.TimingNoiseMs); 0 when
	// neither a selftest nor the run's own probe measured any.
	TimingNoiseMs float64 `json:"timing_noise_ms,omitempty"`
	// RunSchedErrP99Ms is the p99 gap error the run's own scheduling
	// probe measured while its tasks ran (bench.schedProbe), and
	// RunSchedGaps how many probe gaps that rests on: TimingNoiseMs is the
	// larger of it and the saved selftest's gap_err_p99_ms.
	RunSchedErrP99Ms float64 `json:"run_sched_err_p99_ms,omitempty"`
	RunSchedGaps     int     `json:"run_sched_gaps,omitempty"`
}

// Run describes what was run, where and how.
type Run struct {
	ID             string        `json:"id"`
	Status         string        `json:"status"`
	StartedAt      time.Time     `json:"started_at"`
	FinishedAt     time.Time     `json:"finished_at"`
	Target         string        `json:"target"`
	EmbeddedTarget bool          `json:"embedded_target"`
	Model          string        `json:"model"`
	Suite          SuiteRef      `json:"suite"`
	Seed           uint64        `json:"seed"`
	Limit          int           `json:"limit"`
	Concurrency    int           `json:"concurrency"`
	Stream         bool          `json:"stream"`
	Budgets        trace.Budgets `json:"budgets"`
	TasksPlanned   int           `json:"tasks_planned"`
	// Splits are the suite splits the run was limited to (--split); empty
	// means all, so a leaderboard never ranks a public-only run against a
	// full one.
	Splits         []string `json:"splits,omitempty"`
	HarnessVersion string   `json:"harness_version"`
	Host           Host     `json:"host"`

	// Categories are the task categories or families the run was
	// limited to (--categories); empty means all, so a leaderboard never
	// ranks a category subset against a full run.
	Categories []string `json:"categories,omitempty"`

	// SeedPolicy says where the tasks came from: "fresh" (generated from
	// a secret seed drawn for this run), "fixed" (generated from --seed)
	// or "stored" (a suite's files as shipped or given); empty in reports
	// written before it existed.
	SeedPolicy string `json:"seed_policy,omitempty"`

	// Warmup is how many unscored warm-up requests the run sent before its
	// tasks (drawn from the run's own task distribution, sent like every
	// task: a competitor cannot tell where a run begins); 0 for the
	// embedded target and reports written before it existed.
	Warmup int `json:"warmup,omitempty"`
}

// SuiteRef identifies the suite exactly.
type SuiteRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Source  string `json:"source"`
}

// Host is the machine the harness ran on.
type Host struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
}

// Summary aggregates one metric over tasks (nearest-rank percentiles).
// For latency and rate metrics Aggregate adds 95% bootstrap intervals of
// the p50 and the p99.
type Summary struct {
	P50     float64     `json:"p50"`
	P90     float64     `json:"p90"`
	P99     float64     `json:"p99"`
	Mean    float64     `json:"mean"`
	Min     float64     `json:"min"`
	Max     float64     `json:"max"`
	N       int         `json:"n"`
	CI95P50 *[2]float64 `json:"ci95_p50,omitempty"`
	CI95P99 *[2]float64 `json:"ci95_p99,omitempty"`
}

// Harness states the harness's own measurement error, from the last
// `janus bench selftest` on this machine, so a reader can tell a real 1 ms
// difference from noise.
type Harness struct {
	SelftestAt   time.Time `json:"selftest_at"`
	Concurrency  int       `json:"concurrency"`
	TTFTErrP50Ms float64   `json:"ttft_err_p50_ms"`
	TTFTErrP99Ms float64   `json:"ttft_err_p99_ms"`
	GapErrP50Ms  float64   `json:"gap_err_p50_ms"`
	GapErrP99Ms  float64   `json:"gap_err_p99_ms"`
	// SelftestPID is the process that measured it and SelftestAgeS its
	// age when the report was written: only a selftest of the same
	// binary on the same machine is quoted.
	SelftestPID  int     `json:"selftest_pid,omitempty"`
	SelftestAgeS float64 `json:"selftest_age_s,omitempty"`
}

// Provenance says where the figure comes from: its date, age and pid.
func (h *Harness) Provenance() string {
	return fmt.Sprintf("selftest %s, %s old, pid %d, same binary and machine", h.SelftestAt.Format("2006-01-02 15:04Z"),
		time.Duration(h.SelftestAgeS*float64(time.Second)).Round(time.Second), h.SelftestPID)
}

// CategoryScore summarises one task category.
type CategoryScore struct {
	Score  float64 `json:"score"`
	N      int     `json:"n"`
	Passed int     `json:"passed"`
	Failed int     `json:"failed_requests"`
}

// Seed policies (Run.SeedPolicy).
const (
	SeedFresh  = "fresh"
	SeedFixed  = "fixed"
	SeedStored = "stored"
)
