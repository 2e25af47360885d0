package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// This file draws synthetic runs from the sim's distributions, for the
// statistical acceptance tests of compare: running the real sim 200 times
// per test is too slow. A synthetic task is a smoke task answered the way
// the sim answers it (the same steps: one event per token, tool-call
// arguments in pieces of four tokens) on the sim's deterministic schedule
// (first token at TTFT, then one slot per PerToken), each event delivered
// after an exponential delay. The delay's mean, 0.7 ms, is the median
// TTFT overhead measured over five real smoke runs of the embedded sim on
// the development machine. The trace then goes through the real scoring
// path (Score: metrics, violations, evaluator).

// deliveryMeanNs is the mean per-event delivery delay.
const deliveryMeanNs = 700_000

// synthStep is one event of a scripted answer.
type synthStep struct {
	kind   trace.Kind
	text   string
	tool   int // tool-call index for tool-call steps
	name   string
	tokens int
}

// synthTemplate is a smoke task with its answer scripted, built once.
type synthTemplate struct {
	task          suites.Task
	right, wrong  []synthStep
	prompt        int
	rightContent  string
	rightReason   string
	rightCalls    []trace.ToolCall
	wrongContent  string
	completionOK  int
	completionBad int
}

func scriptSteps(ref suites.Reference) []synthStep {
	var out []synthStep
	for _, tk := range tokens.Split(ref.ReasoningContent) {
		out = append(out, synthStep{kind: trace.KindReasoning, text: tk, tokens: 1})
	}
	for _, tk := range tokens.Split(ref.Content) {
		out = append(out, synthStep{kind: trace.KindContent, text: tk, tokens: 1})
	}
	for i, tc := range ref.ToolCalls {
		out = append(out, synthStep{kind: trace.KindToolCall, tool: i, name: tc.Name, tokens: max(1, tokens.Count(tc.Name))})
		parts := tokens.Split(tc.Arguments)
		for len(parts) > 0 {
			n := min(4, len(parts))
			out = append(out, synthStep{kind: trace.KindToolCall, tool: i, text: strings.Join(parts[:n], ""), tokens: n})
			parts = parts[n:]
		}
	}
	return out
}

func smokeTemplates(t testing.TB) []synthTemplate {
	t.Helper()
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		t.Fatalf("load smoke: %v", err)
	}
	out := make([]synthTemplate, 0, len(s.Tasks))
	for _, tk := range s.Tasks {
		wrong := suites.Reference{Content: "Briefly, this comes down to a few well-understood steps."}
		tp := synthTemplate{task: tk, right: scriptSteps(tk.Reference), wrong: scriptSteps(wrong),
			rightContent: tk.Reference.Content, rightReason: tk.Reference.ReasoningContent, wrongContent: wrong.Content}
		for _, tc := range tk.Reference.ToolCalls {
			tp.rightCalls = append(tp.rightCalls, trace.ToolCall{Name: tc.Name, Arguments: tc.Arguments})
		}
		for _, m := range tk.Messages {
			tp.prompt += tokens.Count(wire.TextOf(m))
		}
		var calls strings.Builder
		for _, c := range tp.rightCalls {
			calls.WriteString(c.Name + c.Arguments)
		}
		tp.completionOK = tokens.Count(tp.rightReason + tp.rightContent + calls.String())
		tp.completionBad = tokens.Count(wrong.Content)
		out = append(out, tp)
	}
	return out
}

// synthRun describes one synthetic run.
type synthRun struct {
	n    int
	pace baseline.Pace
	// wrongShare is the noisy profile's share of wrong answers (exact, by
	// seeded shuffle, as the sim does).
	wrongShare float64
	seed       uint64
}

// synthesize draws a run's task results.
func synthesize(t testing.TB, tpls []synthTemplate, r synthRun) []record.TaskResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(r.seed, 0x73796e7468))
	delay := func() int64 { return int64(rng.ExpFloat64() * deliveryMeanNs) }
	wrong := make([]bool, r.n)
	k := int(r.wrongShare*float64(r.n) + 0.5)
	for _, i := range rng.Perm(r.n)[:k] {
		wrong[i] = true
	}
	out := make([]record.TaskResult, 0, r.n)
	for i := range r.n {
		tp := &tpls[i%len(tpls)]
		task := tp.task
		task.ID = fmt.Sprintf("%s#%03d", tp.task.ID, i)
		steps, completion := tp.right, tp.completionOK
		if wrong[i] {
			steps, completion = tp.wrong, tp.completionBad
		}
		tr := &trace.Trace{Stream: true, WantUsage: true, Start: time.Unix(0, 0), SentNs: 0, Status: 200,
			ContentType: "text/event-stream", Model: baseline.DefaultModel,
			FirstReasoningNs: -1, FirstContentNs: -1, FirstTokenNs: -1, DoneNs: -1, EndNs: -1}
		tr.HeadersNs = delay()
		at := tr.HeadersNs + delay()
		tr.FirstByteNs, tr.FirstEventNs = at, at
		tr.Events = append(tr.Events, trace.Event{Kind: trace.KindOther, AtNs: at, FirstByteNs: at, Bytes: 90})
		used := 0
		tools := map[int]int{}
		for _, st := range steps {
			due := int64(r.pace.TTFT) + int64(used+st.tokens-1)*int64(r.pace.PerToken)
			at = max(at, due+delay())
			used += st.tokens
			tr.Events = append(tr.Events, trace.Event{Kind: st.kind, AtNs: at, FirstByteNs: at, Bytes: 100, Text: st.text + st.name})
			if tr.FirstTokenNs < 0 {
				tr.FirstTokenNs = at
			}
			switch st.kind {
			case trace.KindReasoning:
				tr.Reasoning += st.text
				if tr.FirstReasoningNs < 0 {
					tr.FirstReasoningNs = at
				}
			case trace.KindContent:
				tr.Content += st.text
				if tr.FirstContentNs < 0 {
					tr.FirstContentNs = at
				}
			case trace.KindToolCall:
				pos, ok := tools[st.tool]
				if !ok {
					pos = len(tr.ToolCalls)
					tools[st.tool] = pos
					tr.ToolCalls = append(tr.ToolCalls, trace.ToolCall{})
				}
				tr.ToolCalls[pos].Name += st.name
				tr.ToolCalls[pos].Arguments += st.text
			}
		}
		for _, k := range []trace.Kind{trace.KindOther, trace.KindUsage, trace.KindDone} {
			at += delay()
			tr.Events = append(tr.Events, trace.Event{Kind: k, AtNs: at, FirstByteNs: at, Bytes: 60})
		}
		tr.DoneNs, tr.EndNs = at, at+delay()
		cost := (float64(tp.prompt)*baseline.SimPromptUSDPerMillion + float64(completion)*baseline.SimCompletionUSDPerMillion) / 1e6
		tr.Usage = &wire.Usage{PromptTokens: tp.prompt, CompletionTokens: completion, TotalTokens: tp.prompt + completion, CostUSD: &cost}
		tr.UsageCount = 1
		tr.FinishReason = "stop"
		if len(tr.ToolCalls) > 0 {
			tr.FinishReason = "tool_calls"
		}
		out = append(out, Score(&task, tr, trace.DefaultBudgets()))
	}
	return out
}

// synthReport wraps task results in a report, scored as a run would be.
func synthReport(id string, tasks []record.TaskResult) *record.Report {
	r := &record.Report{SchemaVersion: record.SchemaVersion, Weights: record.DefaultWeights(), Tasks: tasks}
	r.Run = record.Run{ID: id, Status: record.RunCompleted, Model: baseline.DefaultModel,
		Suite: record.SuiteRef{Name: "smoke-x25"}, Concurrency: 1, Stream: true, Budgets: trace.DefaultBudgets()}
	return r
}
