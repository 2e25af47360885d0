// Package tools is the reference baseline's local tool box: a calculator,
// code execution in the scorer's sandbox, search and fetch over a local
// document corpus, writing a file, and drawing a chart or diagram. Each tool
// takes JSON arguments (as a model's function call carries them) and
// returns text for the model plus any files it produced. The package knows
// nothing about HTTP or streaming, so the baseline's agent loop and the
// gateway's sandbox endpoint can both run the same tools.
package agenttools

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/internal/search"
)

// Tool names of the default tool box.
const (
	NameCalculator = "calculator"
	NameRunCode    = "run_code"
	NameSearch     = "search"
	NameFetch      = "fetch"
	NameWriteFile  = "write_file"
	NameImage      = "generate_image"
)

// GoMainAlias is the name internal/coderun gives a Go program's own func
// main (it runs the tests' main instead); run_code's Go "tests" just call
// it. TestRunCode fails if coderun renames it differently.
const GoMainAlias = "janusSolutionMain"

// maxFileBytes bounds one file a tool may produce.
const maxFileBytes = 4 << 20

// Tool is one callable tool.
type Tool struct {
	// Name is the function name models call.
	Name string
	// Description tells a model when to use it.
	Description string
	// Parameters is the JSON schema of the arguments object.
	Parameters json.RawMessage
	// Sandbox marks tools that run untrusted code, for which the baseline
	// streams sandbox_start/sandbox_end and measures sandbox_seconds.
	Sandbox bool
	// Run executes the tool. It should honour ctx.
	Run func(ctx context.Context, env *Env, args json.RawMessage) (Result, error)
}

// Env is what tools may use.
type Env struct {
	// Corpus serves search and fetch; nil means search.Default().
	Corpus *search.Corpus
	// Limits bound run_code; the zero value means coderun.DefaultLimits().
	Limits coderun.Limits
}

func (e *Env) corpus() *search.Corpus {
	if e == nil || e.Corpus == nil {
		return search.Default()
	}
	return e.Corpus
}

func (e *Env) limits() coderun.Limits {
	if e == nil || e.Limits == (coderun.Limits{}) {
		return coderun.DefaultLimits()
	}
	return e.Limits
}

// File is a file a tool produced; the caller stores it and hands out a
// descriptor.
type File struct {
	Name     string
	MimeType string
	// Type is the artifact type: image, file, dataset or binary.
	Type string
	Data []byte
}

// Result is what a tool returns.
type Result struct {
	// Output is the text fed back to the model as the tool message.
	Output string
	// Files are produced artifacts.
	Files []File
	// Sandbox is the wall time spent in the sandbox (run_code only).
	Sandbox time.Duration
}

// Registry is a set of tools by name, safe for concurrent reads.
type Registry struct {
	tools map[string]Tool
}

// NewRegistry builds a registry; a later tool with the same name replaces
// an earlier one (so tests can swap one tool out).
func NewRegistry(ts ...Tool) *Registry {
	r := &Registry{tools: map[string]Tool{}}
	for _, t := range ts {
		r.tools[t.Name] = t
	}
	return r
}

// Default is the standard tool box: calculator, run_code, search, fetch,
// write_file and generate_image.
func Default() *Registry {
	return NewRegistry(CalculatorTool(), RunCodeTool(), SearchTool(), FetchTool(), WriteFileTool(), ImageTool())
}

// With returns a copy of r with ts added or replaced.
func (r *Registry) With(ts ...Tool) *Registry {
	n := NewRegistry()
	for k, v := range r.tools {
		n.tools[k] = v
	}
	for _, t := range ts {
		n.tools[t.Name] = t
	}
	return n
}

// Without returns a copy of r without the tools called names.
func (r *Registry) Without(names ...string) *Registry {
	n := r.With()
	for _, name := range names {
		delete(n.tools, name)
	}
	return n
}

// Get returns the tool called name.
func (r *Registry) Get(name string) (Tool, bool) {
	t, ok := r.tools[name]
	return t, ok
}

// Names lists the tool names, sorted.
func (r *Registry) Names() []string {
	var ns []string
	for n := range r.tools {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Specs returns the tools as OpenAI function declarations, sorted by name.
func (r *Registry) Specs() []openai.Tool {
	var out []openai.Tool
	for _, n := range r.Names() {
		t := r.tools[n]
		out = append(out, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
	}
	return out
}

// PanicError is a tool that panicked; Call turns the panic into this error
// so one broken tool cannot take the server (or a stream) down.
type PanicError struct {
	Tool  string
	Value any
	Stack string
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("tool %s panicked: %v", e.Tool, e.Value) }

// Call runs the named tool, recovering a panic into a *PanicError.
func (r *Registry) Call(ctx context.Context, env *Env, name string, args json.RawMessage) (res Result, err error) {
	t, ok := r.tools[name]
	if !ok {
		return Result{}, fmt.Errorf("unknown tool %q", name)
	}
	defer func() {
		if v := recover(); v != nil {
			res, err = Result{}, &PanicError{Tool: name, Value: v, Stack: string(debug.Stack())}
		}
	}()
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	res, err = t.Run(ctx, env, args)
	if err != nil {
		return res, fmt.Errorf("tool %s: %w", name, err)
	}
	return res, nil
}

// decodeArgs unmarshals a tool's arguments, naming the tool on error.
func decodeArgs(args json.RawMessage, v any) error {
	if err := json.Unmarshal(args, v); err != nil {
		return fmt.Errorf("arguments are not the expected JSON object: %w", err)
	}
	return nil
}

func schema(s string) json.RawMessage { return json.RawMessage(s) }

// CalculatorTool evaluates arithmetic with Calc.
func CalculatorTool() Tool {
	return Tool{Name: NameCalculator,
		Description: "Evaluate an arithmetic expression exactly (+ - * / % ^, parentheses, sqrt, ln, log10, sin, cos, min, max, pi, e).",
		Parameters:  schema(`{"type":"object","properties":{"expression":{"type":"string","description":"the expression, e.g. (17*23)+sqrt(16)"}},"required":["expression"]}`),
		Run: func(_ context.Context, _ *Env, args json.RawMessage) (Result, error) {
			var a struct {
				Expression string `json:"expression"`
			}
			if err := decodeArgs(args, &a); err != nil {
				return Result{}, err
			}
			v, err := Calc(a.Expression)
			if err != nil {
				return Result{}, fmt.Errorf("calculate %q: %w", a.Expression, err)
			}
			return Result{Output: FormatNumber(v)}, nil
		}}
}

// RunCodeTool runs a program in the scorer's sandbox (coderun) with the
// same CPU, memory, wall-time, network and temp-dir limits as the code
// evaluator, and returns its output.
func RunCodeTool() Tool {
	return Tool{Name: NameRunCode, Sandbox: true,
		Description: "Run a short program (javascript, python or go) in an isolated sandbox without network and return its stdout and stderr.",
		Parameters: schema(`{"type":"object","properties":{"language":{"type":"string","enum":["javascript","python","go"]},` +
			`"code":{"type":"string","description":"the whole program; print results to stdout"}},"required":["language","code"]}`),
		Run: func(ctx context.Context, env *Env, args json.RawMessage) (Result, error) {
			var a struct {
				Language string `json:"language"`
				Code     string `json:"code"`
			}
			if err := decodeArgs(args, &a); err != nil {
				return Result{}, err
			}
			p := coderun.Program{Language: a.Language, Code: a.Code}
			if a.Language == coderun.Go {
				// coderun renames the program's own main and runs the tests'
				// main; this one just calls it.
				p.Tests = "func main() {}"
				if strings.Contains(a.Code, "func main()") {
					p.Tests = "func main() { " + GoMainAlias + "() }"
				}
			}
			start := time.Now()
			r := coderun.Run(ctx, p, env.limits())
			el := r.Elapsed
			if el == 0 {
				el = time.Since(start)
			}
			out := fmt.Sprintf("status: %s\n", r.Status)
			if r.Status != coderun.StatusPassed && r.Reason != "" {
				out += "reason: " + r.Reason + "\n"
			}
			if r.Stdout != "" {
				out += "stdout:\n" + r.Stdout
				if r.Stdout[len(r.Stdout)-1] != '\n' {
					out += "\n"
				}
			}
			if r.Stderr != "" {
				out += "stderr:\n" + r.Stderr
			}
			return Result{Output: out, Sandbox: el}, nil
		}}
}

// SearchTool ranks the corpus with BM25 and returns the top hits.
func SearchTool() Tool {
	return Tool{Name: NameSearch,
		Description: "Search the document corpus; returns titles, URLs and snippets of the best matches.",
		Parameters:  schema(`{"type":"object","properties":{"query":{"type":"string"},"k":{"type":"integer","minimum":1,"maximum":10}},"required":["query"]}`),
		Run: func(_ context.Context, env *Env, args json.RawMessage) (Result, error) {
			var a struct {
				Query string `json:"query"`
				K     int    `json:"k"`
			}
			if err := decodeArgs(args, &a); err != nil {
				return Result{}, err
			}
			if a.K <= 0 || a.K > 10 {
				a.K = 3
			}
			hits := env.corpus().Search(a.Query, a.K)
			if len(hits) == 0 {
				return Result{Output: "no results for " + fmt.Sprintf("%q", a.Query)}, nil
			}
			out := ""
			for i, h := range hits {
				out += fmt.Sprintf("%d. %s <%s>\n   %s\n", i+1, h.Title, h.URL, h.Snippet)
			}
			return Result{Output: out}, nil
		}}
}

// FetchTool returns a corpus document by id or URL. There is no network:
// a URL outside the corpus is reported as not found.
func FetchTool() Tool {
	return Tool{Name: NameFetch,
		Description: "Fetch the full text of a document by its URL or id (from search results).",
		Parameters:  schema(`{"type":"object","properties":{"url":{"type":"string"}},"required":["url"]}`),
		Run: func(_ context.Context, env *Env, args json.RawMessage) (Result, error) {
			var a struct {
				URL string `json:"url"`
				ID  string `json:"id"`
			}
			if err := decodeArgs(args, &a); err != nil {
				return Result{}, err
			}
			key := a.URL
			if key == "" {
				key = a.ID
			}
			d, ok := env.corpus().Fetch(key)
			if !ok {
				return Result{}, fmt.Errorf("fetch %q: not in the local corpus (this baseline has no network)", key)
			}
			return Result{Output: fmt.Sprintf("# %s\n<%s>\n\n%s", d.Title, d.URL, d.Text)}, nil
		}}
}

// WriteFileTool turns content into a file artifact.
func WriteFileTool() Tool {
	return Tool{Name: NameWriteFile,
		Description: "Write a text file (code, CSV, markdown, …) and return it to the user as a downloadable artifact.",
		Parameters:  schema(`{"type":"object","properties":{"name":{"type":"string","description":"file name with extension"},"content":{"type":"string"}},"required":["name","content"]}`),
		Run: func(_ context.Context, _ *Env, args json.RawMessage) (Result, error) {
			var a struct {
				Name    string `json:"name"`
				Content string `json:"content"`
			}
			if err := decodeArgs(args, &a); err != nil {
				return Result{}, err
			}
			name := SafeName(a.Name)
			if len(a.Content) > maxFileBytes {
				return Result{}, fmt.Errorf("write %s: %d bytes is over the %d-byte limit", name, len(a.Content), maxFileBytes)
			}
			mt, typ := MimeFor(name)
			return Result{Output: fmt.Sprintf("wrote %s (%d bytes)", name, len(a.Content)),
				Files: []File{{Name: name, MimeType: mt, Type: typ, Data: []byte(a.Content)}}}, nil
		}}
}
