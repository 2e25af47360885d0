// Package suites defines what janus runs: a versioned suite of tasks, each
// with its prompt, its request options, how its answer is checked and a
// reference answer that must pass its own check. Suites are loaded through
// the Loader interface so that the runner does not care whether they come
// from the embedded defaults or from a directory on disk.
package suites

//go:generate go run ../internal/suitegen/cmd/gensuite -out builtin/janus-default

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/internal/wire"
)

// Categories a task may have. The part before "/" is the family the scorer
// groups by.
const (
	CatChat       = "quality/chat"
	CatReasoning  = "quality/reasoning"
	CatCode       = "quality/code"
	CatResearch   = "quality/research"
	CatMemory     = "quality/memory"
	CatTools      = "tools"
	CatStreaming  = "streaming"
	CatMultimodal = "multimodal"
	CatCost       = "cost"
)

// Suite is a loaded, versioned suite.
type Suite struct {
	Name        string             `json:"name" yaml:"name"`
	Version     string             `json:"version" yaml:"version"`
	Description string             `json:"description,omitempty" yaml:"description"`
	Categories  []string           `json:"categories,omitempty" yaml:"categories"`
	Splits      []string           `json:"splits,omitempty" yaml:"splits"`
	License     string             `json:"license,omitempty" yaml:"license"`
	Weights     map[string]float64 `json:"weights,omitempty" yaml:"weights"`
	Tasks       []Task             `json:"tasks" yaml:"-"`
	// SHA256 is the hash of the suite's canonical JSON form (metadata and
	// tasks sorted by id), so two reports can prove they ran the same suite.
	SHA256 string `json:"-" yaml:"-"`
	// Source is where the suite was loaded from ("builtin:smoke", a path).
	Source string `json:"-" yaml:"-"`
}

// Task is one prompt with its checks.
type Task struct {
	ID        string                         `json:"id"`
	Category  string                         `json:"category"`
	Split     string                         `json:"split,omitempty"`
	Messages  []openai.ChatCompletionMessage `json:"messages"`
	Request   RequestOptions                 `json:"request,omitempty"`
	Expect    Expect                         `json:"expect"`
	Reference Reference                      `json:"reference"`
	Budget    *Budget                        `json:"budget,omitempty"`
	Tags      []string                       `json:"tags,omitempty"`
	// ToolResults make a tools task multi-turn: janus plays the tool. When
	// the answer calls tools, each call gets the first scripted result
	// whose name (and arguments, when given) match, and the conversation
	// goes on until the target answers without calling a tool or MaxTurns
	// requests have been sent. The checks then see every turn's tool calls
	// and the final turn's content.
	ToolResults []ToolResult `json:"tool_results,omitempty"`
	// MaxTurns bounds the requests of a multi-turn task; 0 means
	// DefaultMaxTurns.
	MaxTurns int `json:"max_turns,omitempty"`
	// Memory makes the task cross-conversation: the fact is told in
	// earlier conversations and asked for in a new one (see Memory).
	Memory *Memory `json:"memory,omitempty"`
	// File and Line locate the task's definition for error messages.
	File string `json:"-"`
	Line int    `json:"-"`
}

// RequestOptions are the request fields a task sets besides its messages.
type RequestOptions struct {
	Tools           []openai.Tool   `json:"tools,omitempty"`
	ToolChoice      any             `json:"tool_choice,omitempty"`
	ResponseFormat  json.RawMessage `json:"response_format,omitempty"`
	MaxTokens       *int            `json:"max_tokens,omitempty"`
	Temperature     *float64        `json:"temperature,omitempty"`
	Metadata        map[string]any  `json:"metadata,omitempty"`
	GenerationFlags map[string]any  `json:"generation_flags,omitempty"`
}

// Expect says how a task's answer is checked: every check must pass
// (mode "all", the default), any one (mode "any"), or the checks' weighted
// mean is the score (mode "weighted").
type Expect struct {
	Mode   string  `json:"mode,omitempty"`
	Checks []Check `json:"checks"`
}

// Check is one evaluator spec. Which fields matter depends on Type; the
// scorer package documents each type.
type Check struct {
	Type      string         `json:"type"`
	Value     any            `json:"value,omitempty"`
	Values    []string       `json:"values,omitempty"`
	Pattern   string         `json:"pattern,omitempty"`
	Name      string         `json:"name,omitempty"`
	Arguments map[string]any `json:"arguments,omitempty"`
	Tolerance float64        `json:"tolerance,omitempty"`
	Weight    float64        `json:"weight,omitempty"`

	// ModeAny makes a contains check pass when any one of Values occurs;
	// by default every one must.
	ModeAny bool `json:"mode_any,omitempty"`
	// RelTolerance is a numeric check's relative allowance:
	// |answer − Value| ≤ RelTolerance·|Value|.
	RelTolerance float64 `json:"rel_tolerance,omitempty"`
	// Units are the unit spellings a numeric check accepts after the
	// number ("km", "kilometres"); empty means units are not looked at.
	Units []string `json:"units,omitempty"`

	// Language (javascript, go, python) and Tests (hidden test code) say
	// how a code check runs the answer's code; TimeoutMs and MemoryMB
	// override the runner's wall-time and memory limits.
	Language  string  `json:"language,omitempty"`
	Tests     string  `json:"tests,omitempty"`
	TimeoutMs float64 `json:"timeout_ms,omitempty"`
	MemoryMB  int     `json:"memory_mb,omitempty"`

	// Min is a count whose meaning depends on Type: distinct sources a
	// citation check wants cited, matching artifacts an artifact check
	// wants, token-bearing events a streaming check wants.
	Min int `json:"min,omitempty"`
	// MIME ("image/png", or "image/*" for any image) and MinBytes
	// constrain the artifacts an artifact check accepts.
	MIME     string `json:"mime,omitempty"`
	MinBytes int64  `json:"min_bytes,omitempty"`

	// TTFTMs, GapMs and E2EMs are a streaming check's budgets;
	// Reasoning makes it require reasoning events before the content.
	TTFTMs    float64 `json:"ttft_ms,omitempty"`
	GapMs     float64 `json:"gap_ms,omitempty"`
	E2EMs     float64 `json:"e2e_ms,omitempty"`
	Reasoning bool    `json:"reasoning,omitempty"`

	// Rubric is a judge check's grading instructions, and RubricVersion
	// names that revision of them so scores from different rubrics are
	// never compared unawares.
	Rubric        string `json:"rubric,omitempty"`
	RubricVersion string `json:"rubric_version,omitempty"`

	// Documents are a grounded check's sources, by the id the answer cites
	// them with ("1", "doc-a"): the evaluator reads what each says, so a
	// citation counts only when the cited document holds the claim.
	Documents map[string]string `json:"documents,omitempty"`
	// Image is what an artifact check requires of an image's pixels, so an
	// artifact that merely decodes (a blank square, someone else's chart)
	// does not pass.
	Image *ImageSpec `json:"image,omitempty"`
}

// ImageSpec is a generated image's properties an artifact check can
// verify from its pixels: the generator that wrote the task knows them.
type ImageSpec struct {
	// Width and Height, when set, are the exact pixel dimensions.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Background ("#rrggbb") is the colour that covers the most pixels.
	Background string `json:"background,omitempty"`
	// Colours ("#rrggbb") must each cover at least MinShare of the
	// pixels (default 0.005).
	Colours  []string `json:"colours,omitempty"`
	MinShare float64  `json:"min_share,omitempty"`
}

// DefaultMaxTurns bounds a multi-turn task's requests when it sets none: a
// target that keeps calling tools is cut off and scored on what it said.
const DefaultMaxTurns = 4

// ToolResult is one scripted tool answer of a multi-turn task.
type ToolResult struct {
	// Name is the function the result answers.
	Name string `json:"name"`
	// Arguments, when set, must all be present with equal JSON values in
	// the call's arguments for this result to answer it.
	Arguments map[string]any `json:"arguments,omitempty"`
	// Content is sent back as the tool message's content.
	Content string `json:"content"`
}

// Memory is a cross-conversation task's set-up. janus sends each of
// Earlier as its own request under a user id drawn fresh for the run (the
// X-Janus-User-Id header, as the gateway forwards it), waits Settle, and
// sends the task's Messages as a new conversation with no history under
// the same id: only a target that remembers across conversations can
// answer. Only that answer is checked (the task's Expect).
type Memory struct {
	// Earlier are the conversations told before the question, each one
	// request (its messages, the last a user message).
	Earlier [][]openai.ChatCompletionMessage `json:"earlier"`
	// SettleMs is the wait between the earlier conversations and the
	// question, for a target's background memory extraction; 0 means
	// DefaultMemorySettleMs.
	SettleMs int `json:"settle_ms,omitempty"`
	// Decoy is a second user, told a different fact and asked the same
	// question: its answer must pass Decoy.Expect, and neither user's
	// answer may pass the other's checks, so a memory shared by every
	// user (or a cache keyed by the question) scores 0.
	Decoy *MemoryDecoy `json:"decoy,omitempty"`
}

// MemoryDecoy is a memory task's second user.
type MemoryDecoy struct {
	Earlier [][]openai.ChatCompletionMessage `json:"earlier"`
	Expect  Expect                           `json:"expect"`
	// Reference is the decoy's right answer: validation proves it passes
	// Expect, fails the task's checks, and is told in Earlier.
	Reference Reference `json:"reference"`
}

// Memory task bounds: a settle wait and conversation counts a suite file
// cannot push past (the schema says the same).
const (
	DefaultMemorySettleMs = 2000
	MaxMemorySettleMs     = 60_000
	MaxMemoryEarlier      = 8
	MaxMemoryMessages     = 32
)

// Settle is how long to wait after the earlier conversations.
func (m *Memory) Settle() time.Duration {
	if m.SettleMs > 0 {
		return time.Duration(m.SettleMs) * time.Millisecond
	}
	return DefaultMemorySettleMs * time.Millisecond
}

// SingleRequest reports whether the task is one request: no scripted
// tools to play and no earlier conversations to send first.
func (t *Task) SingleRequest() bool { return len(t.ToolResults) == 0 && t.Memory == nil }

// Turns is how many requests the task may send: 1 for a single-turn task.
func (t *Task) Turns() int {
	if len(t.ToolResults) == 0 {
		return 1
	}
	if t.MaxTurns > 0 {
		return t.MaxTurns
	}
	return DefaultMaxTurns
}

// ToolResultFor is the scripted answer to a call of name with the JSON
// arguments args; ok is false when no result matches, and the harness
// then answers with an error the target must cope with.
func (t *Task) ToolResultFor(name, args string) (content string, ok bool) {
	var got map[string]any
	_ = json.Unmarshal([]byte(args), &got) // unparsable arguments match only results without constraints
	for _, r := range t.ToolResults {
		if r.Name != name {
			continue
		}
		match := true
		for k, want := range r.Arguments {
			if !jsonEqual(got[k], want) {
				match = false
				break
			}
		}
		if match {
			return r.Content, true
		}
	}
	return fmt.Sprintf(`{"error":"no scripted result for %s with these arguments"}`, name), false
}

// jsonEqual compares two decoded JSON values by their encoding, which
// sorts map keys and writes equal numbers alike whether they were decoded
// as int (YAML) or float64 (JSON), so 3 and 3.0 are equal. (scorer has
// the exact-decimal comparison the checks use; suites cannot import it.)
func jsonEqual(a, b any) bool {
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}

// Reference is a known-good answer. The embedded sim target answers with
// it, and validation proves it passes the task's own checks.
type Reference struct {
	Content          string         `json:"content,omitempty"`
	ReasoningContent string         `json:"reasoning_content,omitempty"`
	ToolCalls        []ToolCallSpec `json:"tool_calls,omitempty"`
	// Artifacts are the reference's non-text outputs (for tasks that ask
	// for an image or a file), usually as data URLs so the reference is
	// self-contained.
	Artifacts []wire.Artifact `json:"artifacts,omitempty"`
}

// ToolCallSpec is a reference tool call: a function name and its JSON
// arguments as a string, as they travel on the wire.
type ToolCallSpec struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Budget overrides the streaming contract's budgets for one task.
type Budget struct {
	TTFTMs float64 `json:"ttft_ms,omitempty"`
	GapMs  float64 `json:"gap_ms,omitempty"`
	E2EMs  float64 `json:"e2e_ms,omitempty"`
}

// Family returns the part of a category before "/" ("quality" for
// "quality/chat").
func Family(category string) string {
	if i := strings.IndexByte(category, '/'); i >= 0 {
		return category[:i]
	}
	return category
}

// Request builds the chat request for a task against model.
func (t *Task) ChatRequest(model string, stream bool) wire.ChatRequest {
	r := wire.ChatRequest{
		Model:           model,
		Messages:        t.Messages,
		Stream:          stream,
		Tools:           t.Request.Tools,
		ToolChoice:      t.Request.ToolChoice,
		ResponseFormat:  t.Request.ResponseFormat,
		MaxTokens:       t.Request.MaxTokens,
		Temperature:     t.Request.Temperature,
		Metadata:        t.Request.Metadata,
		GenerationFlags: t.Request.GenerationFlags,
	}
	if stream {
		r.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return r
}

// Loader finds suites by name or path.
type Loader interface {
	Load(ctx context.Context, nameOrPath string) (*Suite, error)
}

// NotFoundError says that no suite has the requested name or path.
type NotFoundError struct {
	Name  string
	Known []string
}

// ExitCode makes an unknown suite end the process with the usage code.
func (e *NotFoundError) ExitCode() int { return exitcode.Usage }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("unknown suite %q (built-in suites: %s; or give a path to a suite directory)",
		e.Name, strings.Join(e.Known, ", "))
}

// FormatError is a suite file that could not be understood; it names the
// file, the line and, where known, the task.
type FormatError struct {
	File   string
	Line   int
	TaskID string
	Msg    string
}

// ExitCode makes a bad suite file end the process with the usage code.
func (e *FormatError) ExitCode() int { return exitcode.Usage }

func (e *FormatError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.TaskID != "" {
		return fmt.Sprintf("%s: task %s: %s", loc, e.TaskID, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Hash computes the suite's canonical sha256: its metadata and its tasks
// sorted by id, encoded as JSON (which sorts map keys).
func Hash(s *Suite) (string, error) {
	c := *s
	c.Tasks = append([]Task(nil), s.Tasks...)
	sort.Slice(c.Tasks, func(i, j int) bool { return c.Tasks[i].ID < c.Tasks[j].ID })
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("hash suite %s: %w", s.Name, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Select returns the tasks to run: with seed != 0 the suite's tasks in a
// seeded shuffle, else in file order; then the first limit of them
// (limit <= 0: all). The same seed always picks the same tasks in the same
// order.
func Select(tasks []Task, seed uint64, limit int) []Task {
	out := append([]Task(nil), tasks...)
	if seed != 0 {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	if limit > 0 && limit < len(out) {
		out = out[:limit]
	}
	return out
}

// ValidationError lists every problem suite validation found, each with
// its file, line and task.
type ValidationError struct {
	Suite    string
	Problems []FormatError
}

// ExitCode makes an invalid suite end the process with the usage code.
func (e *ValidationError) ExitCode() int { return exitcode.Usage }

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "suite %s: %d problem(s)", e.Suite, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}
