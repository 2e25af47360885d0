package scorer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/sandbox"
	"github.com/janus-bench/janus/suites"
)

// Code check languages, as suites spell them (package coderun's names).
const (
	LangJavaScript = "javascript"
	LangGo         = "go"
	LangPython     = "python"
)

// codeLanguages lists the code check languages in the order docs name
// them.
var codeLanguages = []string{LangJavaScript, LangGo, LangPython}

// codeFenceTags are the info strings that mark a fenced block as written
// in each language.
var codeFenceTags = map[string][]string{
	LangJavaScript: {"javascript", "js", "node", "nodejs", "mjs", "cjs", "ecmascript"},
	LangGo:         {"go", "golang"},
	LangPython:     {"python", "py", "python3"},
}

// codeCheck passes when the answer's code passes the hidden Tests in
// Language (javascript, go or python), run by the Evaluator's CodeRunner
// (package coderun) with CPU,
// memory and wall-time limits, no network and a fresh temp dir.
//
// The code is the longest fenced block (``` or ~~~) tagged with the
// language (javascript: js, javascript, node…; go: go, golang; python: py,
// python, python3), else the longest untagged block, else, when the answer
// has no fenced block at all, the whole answer. An answer whose only blocks
// are in another language fails without running.
//
// The code runs in the project's sandbox (internal/sandbox): no host
// files, no network, no processes; where the host cannot isolate, the
// check fails with a "refused: sandbox unavailable" reason unless the run
// was started with --unsafe-sandbox, which every verdict then names.
//
// Limits: 10 s wall, 5 s CPU, 256 MiB by default; TimeoutMs sets the wall
// limit and the CPU limit with it (CPU is counted in whole seconds, at
// least 1), MemoryMB the memory budget. A run that hits a limit scores 0
// with the limit named. Python needs python3 on the host: without it the
// check scores 0 with the reason "skipped: python3 not found on PATH" —
// an untested answer must not pass — so suites meant to validate anywhere
// should use javascript or go.
type codeCheck struct {
	lang, tests string
	lim         sandbox.Limits
	run         CodeRunner
}

func newCodeCheck(c suites.Check) (evaluator, error) {
	if _, ok := codeFenceTags[c.Language]; !ok {
		return nil, fmt.Errorf("language %q is not one of %s", c.Language, strings.Join(codeLanguages, ", "))
	}
	if strings.TrimSpace(c.Tests) == "" {
		return nil, errors.New("tests: no tests (code would pass by merely loading)")
	}
	lim := sandbox.DefaultLimits()
	if c.TimeoutMs < 0 || math.IsNaN(c.TimeoutMs) || math.IsInf(c.TimeoutMs, 0) {
		return nil, fmt.Errorf("timeout_ms %v must be a finite number > 0", c.TimeoutMs)
	}
	if c.TimeoutMs > 0 {
		lim.Wall = time.Duration(c.TimeoutMs * float64(time.Millisecond))
		lim.CPU = lim.Wall
	}
	if c.MemoryMB < 0 {
		return nil, fmt.Errorf("memory_mb %d must be > 0", c.MemoryMB)
	}
	if c.MemoryMB > 0 {
		lim.Memory = int64(c.MemoryMB) << 20
	}
	if err := lim.Validate(); err != nil {
		return nil, err
	}
	return codeCheck{lang: c.Language, tests: c.Tests, lim: lim}, nil
}

// bind gives the check its Evaluator's code runner, which also checks
// that the hidden tests compile (without one they are checked at run
// time, where every answer then fails).
func (c codeCheck) bind(e *Evaluator) (evaluator, error) {
	c.run = e.code()
	if c.run != nil {
		if err := c.run.CheckTests(c.lang, c.tests); err != nil {
			return nil, fmt.Errorf("tests: %w", err)
		}
	}
	return c, nil
}

func (c codeCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	if c.run == nil {
		return fail("no code runner: the hidden %s tests cannot run here", c.lang)
	}
	code, err := extractCode(content, c.lang)
	if err != nil {
		return fail("%v", err)
	}
	passed, isolation, elapsed, reason := c.run.RunTests(context.Background(), c.lang, code, c.tests, c.lim)
	if passed {
		if isolation == sandbox.IsolationUnsafe {
			// The report must say the answer ran without the sandbox.
			return pass("hidden %s tests pass (%s) [UNSAFE: run without sandbox isolation (--unsafe-sandbox)]", c.lang, elapsed.Round(time.Millisecond))
		}
		return pass("hidden %s tests pass (%s)", c.lang, elapsed.Round(time.Millisecond))
	}
	return fail("%s", reason)
}

// fencedBlock is one fenced code block of a Markdown answer.
type fencedBlock struct {
	tag, body string
}

// fencedBlocks lists the answer's fenced code blocks (``` or ~~~, three or
// more, indented at most three spaces). A block left open runs to the end,
// as in a truncated answer.
func fencedBlocks(s string) []fencedBlock {
	var out []fencedBlock
	lines := strings.SplitAfter(s, "\n")
	for i := 0; i < len(lines); i++ {
		fence, tag, ok := openFence(lines[i])
		if !ok {
			continue
		}
		var body strings.Builder
		j := i + 1
		for ; j < len(lines); j++ {
			if closesFence(lines[j], fence) {
				break
			}
			body.WriteString(lines[j])
		}
		out = append(out, fencedBlock{tag: tag, body: body.String()})
		i = j
	}
	return out
}

// openFence reports whether line opens a fenced block, with the fence and
// the first word of its info string, lower-cased.
func openFence(line string) (fence, tag string, ok bool) {
	t := strings.TrimRight(line, "\r\n")
	trimmed := strings.TrimLeft(t, " ")
	if len(t)-len(trimmed) > 3 || len(trimmed) < 3 {
		return "", "", false
	}
	ch := trimmed[0]
	if ch != '`' && ch != '~' {
		return "", "", false
	}
	n := 0
	for n < len(trimmed) && trimmed[n] == ch {
		n++
	}
	if n < 3 {
		return "", "", false
	}
	info := strings.TrimSpace(trimmed[n:])
	if ch == '`' && strings.Contains(info, "`") {
		return "", "", false
	}
	if f := strings.Fields(info); len(f) > 0 {
		tag = strings.ToLower(strings.Trim(f[0], "{}."))
	}
	return trimmed[:n], tag, true
}

// closesFence reports whether line closes a block opened by fence: the same
// character, at least as many, nothing else.
func closesFence(line, fence string) bool {
	t := strings.TrimSpace(line)
	if len(t) < len(fence) || strings.Trim(t, fence[:1]) != "" {
		return false
	}
	return strings.HasPrefix(t, fence)
}

// extractCode picks the code to run out of an answer (see codeCheck).
func extractCode(content, lang string) (string, error) {
	blocks := fencedBlocks(content)
	if len(blocks) == 0 {
		if strings.TrimSpace(content) == "" {
			return "", errors.New("empty answer: no code")
		}
		return content, nil
	}
	longest := func(keep func(tag string) bool) (string, bool) {
		best, found := "", false
		for _, b := range blocks {
			if keep(b.tag) && (!found || len(b.body) > len(best)) {
				best, found = b.body, true
			}
		}
		return best, found
	}
	if code, ok := longest(func(tag string) bool {
		for _, t := range codeFenceTags[lang] {
			if tag == t {
				return true
			}
		}
		return false
	}); ok {
		return code, nil
	}
	if code, ok := longest(func(tag string) bool { return tag == "" }); ok {
		return code, nil
	}
	var tags []string
	for _, b := range blocks {
		tags = append(tags, b.tag)
	}
	return "", fmt.Errorf("no %s code block in the answer (its blocks are tagged %s)", lang, strings.Join(tags, ", "))
}
