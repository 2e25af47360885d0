package service

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// SubmitRequest is the body of POST /api/v1/runs.
type SubmitRequest struct {
	// Competitor names the entry on the leaderboard; default: the model,
	// or "janus-sim" for the embedded target.
	Competitor string `json:"competitor,omitempty"`
	Team       string `json:"team,omitempty"`
	// Target is the competitor's base URL ending in /v1; Image a container
	// image reference (run through the container self-test path). Neither:
	// the embedded reference target (the sim baseline).
	Target string `json:"target,omitempty"`
	Image  string `json:"image,omitempty"`
	Model  string `json:"model,omitempty"`
	// APIKey is sent to the competitor as a bearer token; it is stored for
	// the worker and never shown again.
	APIKey      string     `json:"api_key,omitempty"`
	Suite       string     `json:"suite,omitempty"`
	Limit       int        `json:"limit,omitempty"`
	Seed        uint64     `json:"seed,omitempty"`
	Concurrency int        `json:"concurrency,omitempty"`
	Categories  []string   `json:"categories,omitempty"`
	Splits      []string   `json:"splits,omitempty"`
	NoStream    bool       `json:"no_stream,omitempty"`
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
}

// runSpec is what a worker needs to run a submitted run; stored with the
// run, never returned by the API (it holds the competitor's key).
type runSpec struct {
	Target string `json:"target,omitempty"`
	Image  string `json:"image,omitempty"`
	Model  string `json:"model,omitempty"`
	APIKey string `json:"api_key,omitempty"`
	Suite  string `json:"suite"`
	Limit  int    `json:"limit,omitempty"`
	Seed   uint64 `json:"seed,omitempty"`
	// SeedSecret: the service drew Seed for a fresh janus-default run.
	SeedSecret  bool     `json:"seed_secret,omitempty"`
	Concurrency int      `json:"concurrency"`
	Categories  []string `json:"categories,omitempty"`
	Splits      []string `json:"splits,omitempty"`
	NoStream    bool     `json:"no_stream,omitempty"`
}

// Run is a run as the API shows it: the store's summary with the state
// named as the API names it (queued, running, completed, failed,
// cancelled) and the reason of a failure.
type Run struct {
	leaderboard.RunSummary
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// runOf converts a stored run.
func runOf(s leaderboard.RunSummary) Run {
	r := Run{RunSummary: s, State: s.Status}
	if s.Status == leaderboard.StatusPending {
		r.State = leaderboard.StatusQueued
	}
	if s.Status == leaderboard.StatusFailed || s.Status == leaderboard.StatusCancelled {
		r.Reason = s.Note
	}
	return r
}

// Page is a list answer: the items, and the offset of the next page when
// there is one.
type Page[T any] struct {
	Data       []T  `json:"data"`
	NextOffset *int `json:"next_offset,omitempty"`
}

// CompetitorRequest is the body of POST /api/v1/competitors.
type CompetitorRequest struct {
	Name   string `json:"name"`
	Team   string `json:"team,omitempty"`
	Image  string `json:"image,omitempty"`
	Target string `json:"target,omitempty"`
	// Owner is the owning key's name; only an admin may set it (a
	// submitter's competitors are its own).
	Owner string `json:"owner,omitempty"`
}

// Summary is GET /runs/{id}/summary: scores and counts without tasks.
type Summary struct {
	ID         string                        `json:"id"`
	State      string                        `json:"state"`
	Reason     string                        `json:"reason,omitempty"`
	Competitor string                        `json:"competitor"`
	Suite      string                        `json:"suite"`
	Tasks      int                           `json:"tasks"`
	Planned    int                           `json:"tasks_planned"`
	Passed     int                           `json:"passed"`
	Scores     map[string]*leaderboard.Score `json:"scores"`
}

func summaryOf(r Run) Summary {
	return Summary{ID: r.ID, State: r.State, Reason: r.Reason, Competitor: r.Competitor.Name, Suite: r.Suite,
		Tasks: r.Tasks, Planned: r.TasksPlanned, Passed: r.Passed, Scores: scoresOf(r.RunSummary)}
}

// scoresOf are a run's composite and dimension scores by name.
func scoresOf(s leaderboard.RunSummary) map[string]*leaderboard.Score {
	out := map[string]*leaderboard.Score{string(record.Composite): s.Composite}
	for _, d := range record.Columns(slices.Collect(maps.Keys(s.Dims))) {
		out[string(d)] = s.Dims[d]
	}
	return out
}

// MarshalJSON writes the summary's members and then the state and reason
// (RunSummary's own MarshalJSON would otherwise be promoted and drop them).
func (r Run) MarshalJSON() ([]byte, error) {
	head, err := r.RunSummary.MarshalJSON()
	if err != nil {
		return nil, err
	}
	tail, err := json.Marshal(runTail{State: r.State, Reason: r.Reason})
	if err != nil {
		return nil, err
	}
	return leaderboard.MergeObjects(head, tail), nil
}

// UnmarshalJSON reads MarshalJSON's form.
func (r *Run) UnmarshalJSON(b []byte) error {
	if err := r.RunSummary.UnmarshalJSON(b); err != nil {
		return err
	}
	var t runTail
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	r.State, r.Reason = t.State, t.Reason
	return nil
}

// runTail are Run's fields after the summary's.
type runTail struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// Event is one server-sent event of GET /runs/{id}/stream.
type Event struct {
	// Type: "state" (the run's state changed), "task" (a task finished),
	// "done" (the run ended; Run holds its final scores).
	Type      string   `json:"type"`
	State     string   `json:"state,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	Task      *TaskRef `json:"task,omitempty"`
	Done      int      `json:"done"`
	Planned   int      `json:"planned"`
	MeanScore *float64 `json:"mean_score,omitempty"`
	Run       *Run     `json:"run,omitempty"`
}

// TaskRef is a finished task in a progress event.
type TaskRef struct {
	ID       string  `json:"id"`
	Category string  `json:"category"`
	Status   string  `json:"status"`
	Score    float64 `json:"score"`
}

// VoteRequest is the body of POST /api/v1/arena/vote.
type VoteRequest struct {
	ID          string `json:"id,omitempty"`
	PromptID    string `json:"prompt_id,omitempty"`
	CompetitorA string `json:"competitor_a"`
	CompetitorB string `json:"competitor_b"`
	Winner      string `json:"winner"`
}

// Health is GET /health.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
	Store   string `json:"store"`
	Workers int    `json:"workers"`
}
