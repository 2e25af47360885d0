package leaderboard

import (
	"errors"
	"reflect"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
)

// TestTaskDetailRoundTrip: a task's detail (hostile text included) comes
// back from the store as it went in, both in the task rows and in the
// report; a row written before details existed still reads, with none.
func TestTaskDetailRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		rep := mkReport(spec{id: "run-d", model: "m", composite: 60, quality: 60, speed: 60, cost: 0.01})
		rep.Tasks[0].Detail = &record.TaskDetail{Request: "what is 2+2? ünïcødé", Answer: "<script>alert(1)</script>\x00 4", AnswerTruncated: true,
			Reference: "4", Events: []record.StreamEvent{{Kind: trace.KindContent, AtMs: 101.25}, {Kind: trace.KindKeepAlive, AtMs: 150},
				{Kind: trace.KindDone, AtMs: 151.001}}, EventsDropped: 3}
		if _, err := s.SaveReport(ctx, rep, Competitor{Name: "d"}); err != nil {
			t.Fatal(err)
		}
		// GetRunBrief is GetRun without details; GetTask reads one task
		// with its detail.
		brief, err := s.GetRunBrief(ctx, "run-d")
		if err != nil {
			t.Fatal(err)
		}
		full, err := s.GetRun(ctx, "run-d")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range [][]record.TaskResult{full.Tasks, full.Report.Tasks} {
			for i := range x {
				x[i].Detail = nil
			}
		}
		if !reflect.DeepEqual(brief, full) {
			t.Errorf("brief run differs from the run without details:\n got %+v\nwant %+v", brief, full)
		}

		// A row stored before details existed.
		old := `{"id":"t-old","category":"quality/chat","status":"ok","score":1,"reason":"r","stream":true,"metrics":{"output_tokens":1,"keepalives":0,"events":1},"violations":[],"budgets":{"ttft_ms":2000,"gap_ms":2000}}`
		if err := s.db.Exec(`INSERT INTO task_results (run_id, task_id, seq, category, status, score, reason, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			"run-d", "t-old", 99, "quality/chat", "ok", 1.0, "r", old).Error; err != nil {
			t.Fatal(err)
		}
		d, err := s.GetRun(ctx, "run-d")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Tasks) != len(rep.Tasks)+1 || d.Report == nil {
			t.Fatalf("%d tasks, report %v", len(d.Tasks), d.Report != nil)
		}
		if !reflect.DeepEqual(d.Tasks[0].Detail, rep.Tasks[0].Detail) || !reflect.DeepEqual(d.Report.Tasks[0].Detail, rep.Tasks[0].Detail) {
			t.Fatalf("detail changed in the store:\n got %+v\nwant %+v", d.Tasks[0].Detail, rep.Tasks[0].Detail)
		}
		if d.Tasks[1].Detail != nil {
			t.Errorf("a task without detail reads back with %+v", d.Tasks[1].Detail)
		}
		last := d.Tasks[len(d.Tasks)-1]
		if last.ID != "t-old" || last.Detail != nil || last.Score != 1 {
			t.Errorf("old row: %+v", last)
		}

		sum, got, err := s.GetTask(ctx, "run-d", rep.Tasks[0].ID)
		if err != nil || sum.ID != "run-d" || sum.Competitor.Name != "d" || !reflect.DeepEqual(got.Detail, rep.Tasks[0].Detail) {
			t.Fatalf("GetTask = %+v, %+v, %v", sum, got, err)
		}
		if _, _, err := s.GetTask(ctx, "run-d", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetTask of a missing task: %v", err)
		}
		if _, _, err := s.GetTask(ctx, "nope", "t-old"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetTask of a missing run: %v", err)
		}
	})
}
