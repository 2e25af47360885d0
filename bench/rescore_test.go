package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// TestRescoreStoredReport re-scores a report written by a real run: with
// its own weights the scores come back bit for bit, with other weights
// only the composite moves, and the input is left alone.
func TestRescoreStoredReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	if _, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	stored, err := ReadReport(out)
	if err != nil {
		t.Fatalf("ReadReport: %v", err)
	}
	before, _ := json.Marshal(stored)

	same := Rescore(stored, RescoreOptions{})
	a, _ := json.Marshal(stored.Scores)
	b, _ := json.Marshal(same.Scores)
	if !bytes.Equal(a, b) {
		t.Errorf("re-scoring with the report's own options changed the scores:\nstored  %s\nrescored %s", a, b)
	}
	var buf bytes.Buffer
	if err := record.JSON(same)(&buf); err != nil || record.Validate(buf.Bytes()) != nil {
		t.Errorf("re-scored report does not validate: %v %v", err, record.Validate(buf.Bytes()))
	}

	qualityOnly := Rescore(stored, RescoreOptions{Weights: record.Weights{record.Quality: 100}})
	if qualityOnly.Scores[record.Composite].Value != qualityOnly.Scores[record.Quality].Value || qualityOnly.Weights[record.Quality] != 100 {
		t.Errorf("quality=100: composite %v, quality %v", qualityOnly.Scores[record.Composite].Value, qualityOnly.Scores[record.Quality].Value)
	}
	if qualityOnly.Scores[record.Speed].Value != stored.Scores[record.Speed].Value {
		t.Errorf("weights moved a dimension: speed %v → %v", stored.Scores[record.Speed].Value, qualityOnly.Scores[record.Speed].Value)
	}
	after, _ := json.Marshal(stored)
	if !bytes.Equal(before, after) {
		t.Error("Rescore modified its input")
	}
}

// TestReadReportRejects covers files that are not reports.
func TestReadReportRejects(t *testing.T) {
	cases := []struct {
		name, body string
	}{
		// Not JSON.
		{"not json", "schema_version: v1"},
		// JSON, but not the report schema.
		{"wrong shape", `{"schema_version":"janus.report/v1","tasks":[]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "r.json")
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			var in *InputError
			if _, err := ReadReport(p); !errors.As(err, &in) {
				t.Fatalf("err = %v, want an InputError", err)
			}
		})
	}
	var in *InputError
	if _, err := ReadReport(filepath.Join(t.TempDir(), "missing.json")); !errors.As(err, &in) {
		t.Fatalf("missing file: err = %v, want an InputError", err)
	}
}

// TestFromJanusPoC maps the PoC's result format onto janus task results.
// The figures are the worked example of docs/SCORING.md ("Scoring a Janus
// PoC result").
func TestFromJanusPoC(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "janus-poc-result.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := FromJanusPoC(f, "janus-poc-result.json", RescoreOptions{})
	if err != nil {
		t.Fatalf("FromJanusPoC: %v", err)
	}
	rep := res.Report
	var buf bytes.Buffer
	if err := record.JSON(rep)(&buf); err != nil {
		t.Fatal(err)
	}
	if err := record.Validate(buf.Bytes()); err != nil {
		t.Fatalf("the PoC's report does not validate: %v", err)
	}
	if strings.Contains(buf.String(), "secret") || strings.Contains(rep.Run.Target, "key=") {
		t.Errorf("credentials survived in the target: %s", rep.Run.Target)
	}
	if res.PoC["composite"] != 55.5 || res.PoC["streaming"] != 70 {
		t.Errorf("PoC scores %v", res.PoC)
	}
	if _, ok := rep.Metrics["itl_ms"]; ok {
		t.Error("reconstructed gaps leaked into the itl_ms summary")
	}
	byID := map[string]record.TaskResult{}
	for _, tk := range rep.Tasks {
		byID[tk.ID] = tk
	}
	near := func(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }
	codes := func(tk record.TaskResult) string {
		var cs []string
		for _, v := range tk.Violations {
			cs = append(cs, v.Code)
		}
		return strings.Join(cs, ",")
	}

	chat := byID["chat_001"]
	// 14 tokens (cl100k) of the answer; TTFT 500 ms, e2e 2500 ms: decode
	// 2000 ms over 13 gaps.
	if chat.Category != suites.CatChat || chat.Status != record.StatusOK || chat.Score != 1 || !chat.Stream {
		t.Errorf("chat: %+v", chat)
	}
	if chat.Metrics.OutputTokens != 14 || !near(chat.Metrics.TTFTMs, 500) || !near(chat.Metrics.E2EMs, 2500) ||
		!near(chat.Metrics.OutputTPS, 7) || !near(chat.Metrics.TPOTMs, 2000.0/13) || !near(chat.Metrics.MaxGapMs, 400) {
		t.Errorf("chat metrics: %+v", chat.Metrics)
	}
	// Two gaps with mean 1000 ms and CV 0.2.
	if len(chat.ITLs) != 2 || math.Abs(chat.ITLs[0]-800) > 1e-9 || math.Abs(chat.ITLs[1]-1200) > 1e-9 {
		t.Errorf("chat gaps %v, want [800 1200]", chat.ITLs)
	}
	if codes(chat) != "" {
		t.Errorf("chat violations %s", codes(chat))
	}
	// The worked example: speed 0.5·1 + 0.5·min(1, 7/10) = 0.85; streaming
	// 0.4·1 + 0.4·1 + 0.2·(1−0.2)·(2000/2500) = 0.928.
	one := scorer.ScoreWith([]record.TaskResult{chat}, scorer.Options{})
	if math.Abs(one[record.Speed].Value-85) > 1e-9 || math.Abs(one[record.Streaming].Value-92.8) > 1e-9 {
		t.Errorf("chat scores speed %v streaming %v, want 85 and 92.8", one[record.Speed].Value, one[record.Streaming].Value)
	}
	if math.Abs(rep.Scores[record.Composite].Value-43.71) > 0.005 {
		t.Errorf("composite %v, want 43.71", rep.Scores[record.Composite].Value)
	}

	fact := byID["fact_001"]
	// A PoC exception: failed, no TTFT (no token came), no e2e.
	if fact.Category != suites.CatResearch || fact.Status != record.StatusError || fact.Error == nil ||
		fact.Error.Class != trace.ErrRequest || fact.Metrics.TTFTMs != nil || fact.Metrics.E2EMs != nil {
		t.Errorf("fact: %+v", fact)
	}

	tool := byID["tool_001"]
	// Not streamed; usage without cost but with sandbox seconds.
	if tool.Category != suites.CatTools || tool.Stream || tool.Usage == nil || tool.Usage.PromptTokens != 40 ||
		tool.Usage.SandboxSeconds == nil || tool.Score != 0.5 || !near(tool.Metrics.E2EMs, 1000) || tool.Metrics.TTFTMs != nil {
		t.Errorf("tool: %+v", tool)
	}

	mm := byID["mm_001"]
	// "timed out" in the error: a timeout, with its violation.
	if mm.Category != suites.CatMultimodal || mm.Status != record.StatusTimeout || codes(mm) != trace.VTimeout {
		t.Errorf("multimodal: status %s violations %s", mm.Status, codes(mm))
	}

	// Failed tasks score 0 on speed, whatever the PoC gave them.
	if s := scorer.ScoreWith([]record.TaskResult{fact}, scorer.Options{})[record.Speed].Value; s != 0 {
		t.Errorf("a failed task scores %v on speed, want 0", s)
	}
}

// TestFromJanusPoCRejects refuses files that are not PoC results.
func TestFromJanusPoCRejects(t *testing.T) {
	for _, body := range []string{`[1, 2]`, `{"run_id": "x"}`, `not json`} {
		t.Run(body, func(t *testing.T) {
			var in *InputError
			if _, err := FromJanusPoC(strings.NewReader(body), "x.json", RescoreOptions{}); !errors.As(err, &in) {
				t.Errorf("%q: err = %v, want an InputError", body, err)
			}
		})
	}
}
