package service

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/janus-bench/janus/leaderboard"
)

// streamRun is GET /runs/{id}/stream: server-sent events of the run's
// progress, read from the store (the worker may be another process): a
// "state" event on each state change, a "task" event per finished task
// with the count and mean score so far, and "done" with the final run.
// The stream ends after "done"; concurrent streams are bounded.
func (s *Server) streamRun(w http.ResponseWriter, r *http.Request) *apiError {
	d, e := s.runDetail(r)
	if e != nil {
		return e
	}
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		return &apiError{Status: http.StatusServiceUnavailable, Type: "server_error", Code: "too_many_streams",
			Message: "too many progress streams open; retry later"}
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		return internalError()
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ctx := r.Context()
	id, state, seq := d.ID, "", -1
	rescanned := terminal(d.Status) // a finished run's rows are read from the start anyway
	p := &streamProgress{seen: map[string]bool{}}
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	lastWrite := time.Now()
	for {
		run := runOf(d.RunSummary)
		evs, err := s.st.TasksAfter(ctx, id, seq, 500)
		if err != nil {
			return nil
		}
		fresh := p.sendTasks(w, evs, run.TasksPlanned, &seq)
		n := p.n
		if run.State != state {
			state = run.State
			send(w, Event{Type: "state", State: state, Reason: run.Reason, Done: n, Planned: run.TasksPlanned})
		}
		if terminal(d.Status) && len(evs) == 0 {
			send(w, Event{Type: "done", State: run.State, Reason: run.Reason, Done: n, Planned: run.TasksPlanned, Run: &run})
			fl.Flush()
			return nil
		}
		if fresh > 0 || time.Since(lastWrite) > 15*time.Second {
			if fresh == 0 {
				fmt.Fprint(w, ": keep-alive\n\n")
			}
			lastWrite = time.Now()
		}
		fl.Flush()
		if len(evs) < 500 {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
		nd, err := s.st.GetRunSummary(ctx, id)
		if err != nil {
			return nil
		}
		d = &leaderboard.RunDetail{RunSummary: *nd}
		if terminal(d.Status) && !rescanned {
			// Finishing rewrote the task rows in plan order with seqs
			// from 0, so a task not sent yet may now sit below seq:
			// read them all once more (those sent are skipped by id).
			rescanned, seq = true, -1
		}
	}
}

// streamProgress is what a progress stream has sent: the tasks (a
// finished run's task rows are rewritten in plan order with new seqs, so
// tasks are told apart by id and none is sent twice), their count and
// their score sum.
type streamProgress struct {
	seen map[string]bool
	sum  float64
	n    int
}

// sendTasks sends a "task" event for each task in evs not sent before,
// advances seq past evs, and returns how many it sent.
func (p *streamProgress) sendTasks(w http.ResponseWriter, evs []leaderboard.TaskEvent, planned int, seq *int) int {
	fresh := 0
	for _, ev := range evs {
		*seq = max(*seq, ev.Seq)
		if p.seen[ev.Task.ID] {
			continue
		}
		p.seen[ev.Task.ID] = true
		fresh++
		p.n++
		p.sum += ev.Task.Score
		mean := p.sum / float64(p.n)
		send(w, Event{Type: "task", Task: &TaskRef{ID: ev.Task.ID, Category: ev.Task.Category, Status: ev.Task.Status,
			Score: ev.Task.Score}, Done: p.n, Planned: planned, MeanScore: &mean})
	}
	return fresh
}

func send(w http.ResponseWriter, ev Event) {
	b, _ := json.Marshal(ev)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, b)
}
