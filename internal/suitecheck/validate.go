// Package validate proves a suite correct before anyone runs it: its tasks
// match the published schema, every check compiles, every image decodes,
// every reference answer scores 1.0 on its own task, and generic wrong
// answers (empty, "I don't know", the prompt echoed, another task's
// reference) score below 0.5. A suite whose checks a lazy answer could pass
// measures nothing, so that is a validation error too.
package suitecheck

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"  // decoders for image_url data URLs
	_ "image/jpeg" // decoders for image_url data URLs
	_ "image/png"  // decoders for image_url data URLs
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/schemas"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// WrongAnswers are the generic non-answers every task must reject.
var WrongAnswers = []string{"", "I don't know.", "I'm not sure, could you clarify?"}

// Suite checks s and returns every problem found (nil when it is sound), as
// a *suites.ValidationError naming file:line and task id for each. ev
// runs the references and non-answers (its code runner runs code tasks';
// without one a code task's reference cannot pass).
func Suite(s *suites.Suite, ev *scorer.Evaluator) error {
	sch, err := taskSchema()
	if err != nil {
		return err
	}
	// Tasks are checked in parallel: a code task's references run in
	// sandboxed child processes, which spend most of their time starting,
	// not computing. Problems keep the suite's order.
	per := make([][]suites.FormatError, len(s.Tasks))
	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range s.Tasks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			per[i] = taskProblems(ev, s, i, sch)
		}()
	}
	wg.Wait()
	var probs []suites.FormatError
	for _, p := range per {
		probs = append(probs, p...)
	}
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(a, b int) bool {
		if probs[a].File != probs[b].File {
			return probs[a].File < probs[b].File
		}
		return probs[a].Line < probs[b].Line
	})
	return &suites.ValidationError{Suite: s.Name, Problems: probs}
}

// taskProblems checks task i of s: its schema, checks, images, its
// reference against its own checks, the generic non-answers and the other
// tasks' references.
func taskProblems(ev *scorer.Evaluator, s *suites.Suite, i int, sch *jsonschema.Schema) []suites.FormatError {
	var probs []suites.FormatError
	add := func(t *suites.Task, format string, args ...any) {
		probs = append(probs, suites.FormatError{File: t.File, Line: t.Line, TaskID: t.ID, Msg: fmt.Sprintf(format, args...)})
	}
	t := &s.Tasks[i]
	if err := schemaCheck(sch, t); err != nil {
		add(t, "does not match internal/schemas/suite.schema.json: %v", err)
	}
	specProbs := specProblems(ev, t)
	for _, p := range specProbs {
		add(t, "%s", p)
	}
	specOK := len(specProbs) == 0
	for j, m := range t.Messages {
		for k, p := range m.MultiContent {
			if p.Type == openai.ChatMessagePartTypeImageURL {
				if err := decodableImage(p.ImageURL); err != nil {
					add(t, "messages[%d].content[%d].image_url: %v", j, k, err)
				}
			}
		}
	}
	if !specOK {
		return probs
	}
	for _, p := range multiTurnProblems(t) {
		add(t, "%s", p)
	}
	for _, p := range memoryProblems(ev, t) {
		add(t, "%s", p)
	}
	if v := ev.EvaluateReference(t, t.Reference); v.Score != 1 {
		add(t, "reference scores %.3f on its own checks, want 1.0: %s", v.Score, v.Reason)
	}
	wrong := append([]string(nil), WrongAnswers...)
	wrong = append(wrong, wire.LastUser(t.Messages))
	for _, w := range wrong {
		if v := ev.EvaluateReference(t, suites.Reference{Content: w}); v.Score >= 0.5 {
			add(t, "the non-answer %q scores %.3f, want < 0.5: the checks are too lax", trunc(w, 60), v.Score)
		}
	}
	for _, p := range crossReferenceProblems(ev, s, i) {
		add(t, "%s", p)
	}
	return probs
}

// specProblems checks that each check spec of task t (and of its memory
// decoy) is one the scorer knows how to run.
func specProblems(ev *scorer.Evaluator, t *suites.Task) []string {
	var probs []string
	for j, c := range t.Expect.Checks {
		if err := ev.CheckSpec(c); err != nil {
			probs = append(probs, fmt.Sprintf("expect.checks[%d]: %v", j, err))
		}
	}
	if t.Memory != nil && t.Memory.Decoy != nil {
		for j, c := range t.Memory.Decoy.Expect.Checks {
			if err := ev.CheckSpec(c); err != nil {
				probs = append(probs, fmt.Sprintf("memory.decoy.expect.checks[%d]: %v", j, err))
			}
		}
	}
	return probs
}

// crossReferenceProblems checks that no other task's reference passes
// task i's checks: checks another answer passes are too lax.
func crossReferenceProblems(ev *scorer.Evaluator, s *suites.Suite, i int) []string {
	var probs []string
	t := &s.Tasks[i]
	// Each comparison on a code task runs a sandboxed child process, so a
	// code task is checked against the references of the next two code
	// tasks and the next four other tasks in suite order only; every
	// other pair is checked. Another task's prose, run as a program,
	// defines none of the functions the hidden tests call, which the
	// non-answers above and those four already probe: checking all ~230
	// of them cost ~1,700 child processes per validation of janus-default,
	// nearly all its time. Lax hidden tests are caught by another code
	// task's program, which loads (see the "lax code tests" row of
	// TestBrokenSuitesNameFileLineAndTask).
	codeSeen, proseSeen := 0, 0
	for k := 1; k < len(s.Tasks); k++ {
		j := (i + k) % len(s.Tasks)
		o := &s.Tasks[j]
		if sameReference(o.Reference, t.Reference) {
			continue
		}
		if hasCode(t) {
			seen, limit := &proseSeen, 4
			if hasCode(o) {
				seen, limit = &codeSeen, 2
			}
			if *seen >= limit {
				continue
			}
			*seen++
		}
		if v := ev.EvaluateReference(t, o.Reference); v.Score >= 0.5 {
			probs = append(probs, fmt.Sprintf("task %s's reference scores %.3f here, want < 0.5: the checks are too lax", o.ID, v.Score))
		}
	}

	return probs
}

// multiTurnProblems checks a multi-turn tools task: its scripted results
// answer tools the request declares, and its reference shows both turns (the
// tool calls of the first and the final answer of the last), which is what
// the sim replays and the checks judge.
func multiTurnProblems(t *suites.Task) []string {
	if len(t.ToolResults) == 0 {
		if t.MaxTurns != 0 {
			return []string{"max_turns is set but there are no tool_results: the task is single-turn"}
		}
		return nil
	}
	var out []string
	declared := map[string]bool{}
	for _, tl := range t.Request.Tools {
		if tl.Function != nil {
			declared[tl.Function.Name] = true
		}
	}
	for i, r := range t.ToolResults {
		if !declared[r.Name] {
			out = append(out, fmt.Sprintf("tool_results[%d]: tool %q is not declared in request.tools", i, r.Name))
		}
	}
	if len(t.Reference.ToolCalls) == 0 || strings.TrimSpace(t.Reference.Content) == "" {
		out = append(out, "reference of a multi-turn task needs tool_calls (first turn) and content (final answer)")
	}
	for i, c := range t.Reference.ToolCalls {
		if _, ok := t.ToolResultFor(c.Name, c.Arguments); !ok {
			out = append(out, fmt.Sprintf("reference.tool_calls[%d] (%s) has no matching tool_results entry", i, c.Name))
		}
	}
	return out
}

func hasCode(t *suites.Task) bool {
	for _, c := range t.Expect.Checks {
		if c.Type == "code" {
			return true
		}
	}
	return false
}

func sameReference(a, b suites.Reference) bool {
	if a.Content != b.Content || len(a.ToolCalls) != len(b.ToolCalls) {
		return false
	}
	for i := range a.ToolCalls {
		if a.ToolCalls[i] != b.ToolCalls[i] {
			return false
		}
	}
	return true
}

// decodableImage accepts a data URL whose payload decodes as an image of
// at least 32×32 (the Janus PoC's 1×1-pixel images tested nothing); remote
// URLs cannot be checked offline and are accepted.
func decodableImage(u *openai.ChatMessageImageURL) error {
	if u == nil || u.URL == "" {
		return fmt.Errorf("no url")
	}
	if !strings.HasPrefix(u.URL, "data:") {
		return nil
	}
	meta, payload, ok := strings.Cut(strings.TrimPrefix(u.URL, "data:"), ",")
	if !ok || !strings.HasSuffix(meta, ";base64") {
		return fmt.Errorf("data URL is not base64")
	}
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("data URL payload: %w", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("image does not decode: %w", err)
	}
	if cfg.Width < 32 || cfg.Height < 32 {
		return fmt.Errorf("%s image is %d×%d, want at least 32×32", format, cfg.Width, cfg.Height)
	}
	return nil
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var (
	schemaOnce sync.Once
	schemaVal  *jsonschema.Schema
	schemaErr  error
)

// taskSchema compiles the task definition of internal/schemas/suite.schema.json.
func taskSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.SuiteSchemaV1))
		if err != nil {
			schemaErr = fmt.Errorf("parse suite schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("suite.schema.json", doc); err != nil {
			schemaErr = fmt.Errorf("load suite schema: %w", err)
			return
		}
		schemaVal, schemaErr = c.Compile("suite.schema.json#/$defs/task")
	})
	return schemaVal, schemaErr
}

func schemaCheck(sch *jsonschema.Schema, t *suites.Task) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if ok := asValidation(err, &ve); ok {
			return fmt.Errorf("%s", strings.ReplaceAll(strings.TrimSpace(ve.Error()), "\n", "; "))
		}
		return err
	}
	return nil
}

func asValidation(err error, target **jsonschema.ValidationError) bool {
	ve, ok := err.(*jsonschema.ValidationError)
	if ok {
		*target = ve
	}
	return ok
}
