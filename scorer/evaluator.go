package scorer

import (
	"context"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/sandbox"
	"github.com/janus-bench/janus/suites"
)

// Evaluator is everything an evaluation may reach outside the answer: the
// LLM judge, the artifact fetcher and the code runner. The application
// builds one (cli, from its flags) and hands it to the engine, so two runs
// in one process can grade with different judges, and a re-score given
// the same Evaluator sees the same parts. Nothing of it is a package
// global.
//
// A nil *Evaluator, or one whose fields are nil, reaches nothing: judge
// checks score 0 ("judge not configured"), code checks score 0 ("no code
// runner") and http(s) artifacts fail as not verified. Evaluators are
// safe for concurrent use when their parts are.
type Evaluator struct {
	// Judge grades judge checks (NewJudge); nil: none.
	Judge *Judge
	// Fetch reads http(s) and path artifact URLs, keeping the fetches on
	// the target's origin; nil: none (a replay, where no target is there).
	Fetch *ArtifactFetch
	// Code runs code checks' answers against their hidden tests
	// (coderun.Runner in janus); nil: code checks cannot pass.
	Code CodeRunner
}

// CodeRunner runs a code check: it is package coderun's Runner, kept
// behind this interface so that the scorer, and every reader of scores,
// does not link the JavaScript and Go interpreters.
type CodeRunner interface {
	// CheckTests reports what is wrong with a code check's hidden tests
	// for lang (they do not compile, say), or nil; it runs nothing.
	CheckTests(lang, tests string) error
	// RunTests runs code against tests in lang within lim. It never fails
	// as such: a run that did not pass says why in reason. isolation is
	// how the run was isolated (sandbox.IsolationBwrap or
	// sandbox.IsolationUnsafe) and elapsed its wall time.
	RunTests(ctx context.Context, lang, code, tests string, lim sandbox.Limits) (passed bool, isolation string, elapsed time.Duration, reason string)
}

// WithFetch is a copy of e that fetches artifacts through f (a run's
// fetcher, built once the target's URL is known).
func (e *Evaluator) WithFetch(f *ArtifactFetch) *Evaluator {
	var c Evaluator
	if e != nil {
		c = *e
	}
	c.Fetch = f
	return &c
}

// judge is e's judge; nil when e is nil.
func (e *Evaluator) judge() *Judge {
	if e == nil {
		return nil
	}
	return e.Judge
}

// fetcher is e's artifact fetcher; nil when e is nil.
func (e *Evaluator) fetcher() *ArtifactFetch {
	if e == nil {
		return nil
	}
	return e.Fetch
}

// code is e's code runner; nil when e is nil.
func (e *Evaluator) code() CodeRunner {
	if e == nil {
		return nil
	}
	return e.Code
}

// JudgeConfigured says whether e grades judge checks, so a run whose
// suite has judge checks can refuse to start without a judge instead of
// scoring every judged answer 0.
func (e *Evaluator) JudgeConfigured() bool { return e.judge() != nil }

// Evaluate judges a trace's answer (its content and tool calls; reasoning
// is the model's scratchpad and never counts) against the task's checks;
// trace-aware checks (streaming, artifact) also read the trace itself, and
// artifacts are fetched through e.Fetch.
func (e *Evaluator) Evaluate(task *suites.Task, t *trace.Trace) Verdict {
	if t == nil {
		return Verdict{Score: 0, Reason: "no trace"}
	}
	return e.evaluate(task, t.Content, t.ToolCalls, t)
}

// EvaluateAnswer judges an answer given as content and tool calls. It is
// the single code path for live traces and for suite validation, so a
// reference answer that scores 1.0 here is proven to pass in a run.
//
// A broken check spec (unknown type, unknown mode, invalid regex, missing
// value) scores the whole task 0 whatever the mode: a suite bug must show
// up as a failure that validation catches, never as a silent pass through
// a sibling check in "any" mode.
//
// With no trace, trace-aware checks (streaming, artifact) cannot be judged:
// they are left out and the task is scored on its other checks; a task
// with nothing else scores 0, saying so.
func (e *Evaluator) EvaluateAnswer(task *suites.Task, content string, toolCalls []trace.ToolCall) Verdict {
	return e.withoutFetch().evaluate(task, content, toolCalls, nil)
}

// EvaluateReference judges a task's reference answer (or another task's,
// or a made-up wrong answer, when validation tries it): its content and
// tool calls and, for a task with an artifact check, its artifacts too,
// through a trace that holds nothing else. A text-only answer to an
// image-output task therefore fails the artifact check as it would in a
// live run, instead of being scored on its text alone. (Such a task should
// not also carry a streaming check, which this empty trace would fail.)
// Nothing is fetched.
func (e *Evaluator) EvaluateReference(task *suites.Task, ref suites.Reference) Verdict {
	calls := make([]trace.ToolCall, 0, len(ref.ToolCalls))
	for _, c := range ref.ToolCalls {
		calls = append(calls, trace.ToolCall{Name: c.Name, Arguments: c.Arguments})
	}
	if task == nil || !hasCheck(task, CheckArtifact) {
		return e.EvaluateAnswer(task, ref.Content, calls)
	}
	tr := &trace.Trace{Content: ref.Content, Reasoning: ref.ReasoningContent, ToolCalls: calls, Artifacts: ref.Artifacts}
	return e.withoutFetch().evaluate(task, ref.Content, calls, tr)
}

// withoutFetch is e fetching nothing: answers judged without a live
// target must not reach one.
func (e *Evaluator) withoutFetch() *Evaluator {
	if e.fetcher() == nil {
		return e
	}
	return e.WithFetch(nil)
}

// binder is a check that needs a part of the Evaluator (the judge, the
// fetcher, the code runner): evaluate binds it after building it.
type binder interface {
	bind(e *Evaluator) (evaluator, error)
}

// Evaluate is (*Evaluator)(nil).Evaluate: no judge, no fetch, no code
// runner.
func Evaluate(task *suites.Task, t *trace.Trace) Verdict {
	return (*Evaluator)(nil).Evaluate(task, t)
}

// EvaluateAnswer is (*Evaluator)(nil).EvaluateAnswer: no judge, no code
// runner.
func EvaluateAnswer(task *suites.Task, content string, toolCalls []trace.ToolCall) Verdict {
	return (*Evaluator)(nil).EvaluateAnswer(task, content, toolCalls)
}

// EvaluateReference is (*Evaluator)(nil).EvaluateReference: no judge, no
// code runner.
func EvaluateReference(task *suites.Task, ref suites.Reference) Verdict {
	return (*Evaluator)(nil).EvaluateReference(task, ref)
}
