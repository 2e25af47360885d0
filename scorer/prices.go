package scorer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/janus-bench/janus/bench/trace"
)

// Price is what one model charges, in US dollars per million tokens.
type Price struct {
	PromptUSDPerMTok     float64 `json:"prompt_usd_per_mtok" yaml:"prompt_usd_per_mtok"`
	CompletionUSDPerMTok float64 `json:"completion_usd_per_mtok" yaml:"completion_usd_per_mtok"`
}

// Prices is the price table cost falls back on when a target reports
// tokens but no usage.cost_usd: a default price, optional per-model
// prices (matched on the exact model id), and the price of a sandbox
// second, which applies to usage.sandbox_seconds whether or not the cost
// was reported.
type Prices struct {
	Default             Price            `json:"default"`
	Models              map[string]Price `json:"models,omitempty"`
	SandboxUSDPerSecond float64          `json:"sandbox_usd_per_second"`
	// CPUUSDPerSecond and GBUSDPerSecond price a competitor container's
	// compute (`bench run --image`): its CPU-seconds and its memory in
	// GB-seconds. Both default to 0 (compute not billed), since the
	// platform publishes no compute price; set them to fold compute into
	// the cost dimension (ComputeCost).
	CPUUSDPerSecond float64 `json:"cpu_usd_per_second,omitempty"`
	GBUSDPerSecond  float64 `json:"gb_usd_per_second,omitempty"`
	// Declared says the table is the target's own bill: a --prices file,
	// or the embedded reference target, whose prices janus set. Only then
	// is a usage.cost_usd below it an under-report (CostUnderReport). The
	// default table is janus's yardstick, not anyone's bill: a provider
	// cheaper than it reports an honest cost_usd below it, and since
	// cost_usd never sets the cost (TaskCost), nothing is gained by
	// lowering it.
	Declared bool `json:"declared,omitempty" yaml:"-"`
}

// ComputeCost prices a container's compute: CPU-seconds and GB-seconds at
// the table's compute prices.
func (p Prices) ComputeCost(cpuSeconds, gbSeconds float64) float64 {
	return cpuSeconds*p.CPUUSDPerSecond + gbSeconds*p.GBUSDPerSecond
}

// DefaultPrices is the published table: DefaultPromptUSDPerMTok,
// DefaultCompletionUSDPerMTok and SandboxUSDPerSecond, no per-model
// entries.
func DefaultPrices() Prices {
	return Prices{
		Default:             Price{PromptUSDPerMTok: DefaultPromptUSDPerMTok, CompletionUSDPerMTok: DefaultCompletionUSDPerMTok},
		SandboxUSDPerSecond: SandboxUSDPerSecond,
	}
}

// For returns the price of model: its own entry when the table has one,
// else the default.
func (p Prices) For(model string) Price {
	if mp, ok := p.Models[model]; ok {
		return mp
	}
	return p.Default
}

// priceFile is the on-disk shape of a price table. Pointers tell a field
// left out (it keeps its default) from one set to 0 (free).
type priceFile struct {
	Default             *priceEntry           `json:"default" yaml:"default"`
	Models              map[string]priceEntry `json:"models" yaml:"models"`
	SandboxUSDPerSecond *float64              `json:"sandbox_usd_per_second" yaml:"sandbox_usd_per_second"`
	CPUUSDPerSecond     *float64              `json:"cpu_usd_per_second" yaml:"cpu_usd_per_second"`
	GBUSDPerSecond      *float64              `json:"gb_usd_per_second" yaml:"gb_usd_per_second"`
}

type priceEntry struct {
	PromptUSDPerMTok     *float64 `json:"prompt_usd_per_mtok" yaml:"prompt_usd_per_mtok"`
	CompletionUSDPerMTok *float64 `json:"completion_usd_per_mtok" yaml:"completion_usd_per_mtok"`
}

// LoadPrices reads a price table (--prices FILE). A ".json" file is read
// as JSON, anything else as YAML; see ParsePrices for the format. A table
// given on purpose is the target's declared bill (Prices.Declared).
func LoadPrices(path string) (Prices, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Prices{}, fmt.Errorf("load prices: %w", err)
	}
	p, err := ParsePrices(b, strings.EqualFold(filepath.Ext(path), ".json"))
	if err != nil {
		return Prices{}, fmt.Errorf("load prices %s: %w", path, err)
	}
	p.Declared = true
	return p, nil
}

// ParsePrices parses a price table:
//
//	default:                 {prompt_usd_per_mtok: 0.50, completion_usd_per_mtok: 1.50}
//	models:
//	  gpt-4o-mini:           {prompt_usd_per_mtok: 0.15, completion_usd_per_mtok: 0.60}
//	sandbox_usd_per_second:  0.0001
//	cpu_usd_per_second:      0.00002   # container compute (bench run --image)
//	gb_usd_per_second:       0.000003
//
// Every key is optional: a field left out keeps its value from
// DefaultPrices, and a model entry that leaves a field out takes it from
// the file's default; an empty YAML file is the default table. Unknown keys, negative or non-finite prices and an
// empty model id are errors, so a typo cannot silently price a run at the
// defaults.
func ParsePrices(b []byte, isJSON bool) (Prices, error) {
	var f priceFile
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return Prices{}, fmt.Errorf("parse price table: %w", err)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			return Prices{}, fmt.Errorf("parse price table: %w", err)
		}
	}
	p := DefaultPrices()
	check := func(name string, v *float64, dst *float64) error {
		if v == nil {
			return nil
		}
		if !(*v >= 0) || math.IsInf(*v, 0) {
			return fmt.Errorf("price table: %s = %v: want a finite number ≥ 0", name, *v)
		}
		*dst = *v
		return nil
	}
	if f.Default != nil {
		if err := check("default.prompt_usd_per_mtok", f.Default.PromptUSDPerMTok, &p.Default.PromptUSDPerMTok); err != nil {
			return Prices{}, err
		}
		if err := check("default.completion_usd_per_mtok", f.Default.CompletionUSDPerMTok, &p.Default.CompletionUSDPerMTok); err != nil {
			return Prices{}, err
		}
	}
	if err := check("sandbox_usd_per_second", f.SandboxUSDPerSecond, &p.SandboxUSDPerSecond); err != nil {
		return Prices{}, err
	}
	if err := check("cpu_usd_per_second", f.CPUUSDPerSecond, &p.CPUUSDPerSecond); err != nil {
		return Prices{}, err
	}
	if err := check("gb_usd_per_second", f.GBUSDPerSecond, &p.GBUSDPerSecond); err != nil {
		return Prices{}, err
	}
	ids := make([]string, 0, len(f.Models))
	for id := range f.Models {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return Prices{}, fmt.Errorf("price table: empty model id")
		}
		e, mp := f.Models[id], p.Default
		if err := check("models."+id+".prompt_usd_per_mtok", e.PromptUSDPerMTok, &mp.PromptUSDPerMTok); err != nil {
			return Prices{}, err
		}
		if err := check("models."+id+".completion_usd_per_mtok", e.CompletionUSDPerMTok, &mp.CompletionUSDPerMTok); err != nil {
			return Prices{}, err
		}
		if p.Models == nil {
			p.Models = map[string]Price{}
		}
		p.Models[id] = mp
	}
	return p, nil
}

// TaskCost is what one task cost in US dollars under prices for model, and
// where the figure came from. A task scored with janus's own token counts
// (every report since they exist) is priced from them ("counted"): the
// prompt tokens janus sent and the output tokens it received, each raised
// to the usage's figure when that is higher (hidden reasoning, tool-call
// framing and a chat template are billed but not streamed), never lowered
// by it; usage.cost_usd is a cross-check (CostUnderReport), not the bill.
// Without usage the count alone prices the task. usage.sandbox_seconds
// adds at the sandbox price.
//
// A report older than the counts (no answer_tokens) is priced as it was
// then (taskCostLegacy): usage.cost_usd when reported, else the usage's
// tokens; ok is false without usable usage.
func TaskCost(t *TaskResult, prices Prices, model string) (usd float64, source string, ok bool) {
	if t.Metrics.AnswerTokens == nil {
		return taskCostLegacy(t, prices, model)
	}
	prompt, completion := CountedTokens(t)
	if us := t.Usage; us != nil {
		prompt, completion = max(prompt, us.PromptTokens), max(completion, us.CompletionTokens)
	}
	usd = priceTokens(prices.For(model), prompt, completion)
	if us := t.Usage; us != nil && us.SandboxSeconds != nil && *us.SandboxSeconds > 0 && !math.IsInf(*us.SandboxSeconds, 0) {
		usd += *us.SandboxSeconds * prices.SandboxUSDPerSecond
	}
	return usd, CostCounted, true
}

// CountedTokens are janus's own counts of a task's prompt and output
// tokens, summed over its turns.
func CountedTokens(t *TaskResult) (prompt, completion int) {
	prompt, completion = t.Metrics.PromptTokens, t.Metrics.OutputTokens
	for _, m := range t.TurnMetrics {
		prompt += m.PromptTokens
		completion += m.OutputTokens
	}
	return prompt, completion
}

// priceTokens is prompt and completion tokens at price p.
func priceTokens(p Price, prompt, completion int) float64 {
	return float64(prompt)*p.PromptUSDPerMTok/1e6 + float64(completion)*p.CompletionUSDPerMTok/1e6
}

// CostReportTolerance is how far below the price table's bill for janus's
// counts a reported usage.cost_usd may fall before it is an under-report:
// half. cost_usd no longer sets the cost (TaskCost), so the check only has
// to catch a bill that contradicts the declared prices, not rounding or a
// provider's tokenizer; a target billed at other prices declares them
// with --prices.
const CostReportTolerance = 0.5

// PromptTolerance is how many prompt tokens a usage.prompt_tokens may
// report under janus's count, and PromptToleranceShare the share of the
// count, whichever is larger: tokenizers differ, but a provider's chat
// template only adds tokens.
const (
	PromptTolerance      = 3
	PromptToleranceShare = 0.10
)

// CostUnderReport says why a task's usage under-reports what it cost, or
// "" when it does not: a turn's usage.completion_tokens below janus's
// count beyond the tokenizer tolerance (after the hidden-reasoning
// allowance; trace.UsageCheck), usage.prompt_tokens below janus's prompt
// count beyond PromptTolerance, or, when the table is the target's
// declared one (Prices.Declared), a usage.cost_usd below
// CostReportTolerance of the table's price of the counted tokens (or not
// a finite number ≥ 0). The cost dimension scores such a task 0: hiding
// the bill never beats paying it. Reports older than the counts are not
// judged.
func CostUnderReport(t *TaskResult, prices Prices, model string) string {
	if t.Metrics.AnswerTokens == nil {
		return ""
	}
	for i, m := range append([]trace.Metrics{t.Metrics}, t.TurnMetrics...) {
		if u := m.UsageCheck; u != nil && u.UnderReports() {
			return fmt.Sprintf("turn %d: usage.completion_tokens %d under-reports the %d tokens counted", i+1, u.Reported, u.Counted)
		}
	}
	us := t.Usage
	if us == nil {
		return ""
	}
	prompt, completion := CountedTokens(t)
	if tol := math.Max(PromptTolerance, PromptToleranceShare*float64(prompt)); float64(prompt-us.PromptTokens) > tol {
		return fmt.Sprintf("usage.prompt_tokens %d under-reports the %d prompt tokens counted", us.PromptTokens, prompt)
	}
	if c := us.CostUSD; c != nil && prices.Declared {
		want := priceTokens(prices.For(model), prompt, completion)
		if !(*c >= 0) || math.IsInf(*c, 0) || *c < (1-CostReportTolerance)*want {
			return fmt.Sprintf("usage.cost_usd %g is under half the price table's $%.6f for the counted tokens", *c, want)
		}
	}
	return ""
}

// taskCostLegacy is TaskCost for a report without janus's counts:
// usage.cost_usd when the target reported it ("reported"), else its tokens
// at the table's price ("priced"), plus usage.sandbox_seconds at the
// sandbox price either way. Without usable usage data the source is ""
// and ok is false: no usage object, a usage object with neither a cost nor
// any token, or a negative or non-finite figure.
func taskCostLegacy(t *TaskResult, prices Prices, model string) (usd float64, source string, ok bool) {
	us := t.Usage
	if us == nil {
		return 0, "", false
	}
	switch {
	case us.CostUSD != nil:
		usd, source = *us.CostUSD, CostReported
		if !(usd >= 0) || math.IsInf(usd, 0) {
			return 0, "", false
		}
	case us.PromptTokens > 0 || us.CompletionTokens > 0:
		if us.PromptTokens < 0 || us.CompletionTokens < 0 {
			return 0, "", false
		}
		usd = priceTokens(prices.For(model), us.PromptTokens, us.CompletionTokens)
		source = CostPriced
	default:
		return 0, "", false
	}
	if us.SandboxSeconds != nil {
		s := *us.SandboxSeconds
		if !(s >= 0) || math.IsInf(s, 0) {
			return 0, "", false
		}
		usd += s * prices.SandboxUSDPerSecond
	}
	return usd, source, true
}

// Where a task's cost figure came from (TaskCost).
const (
	CostReported = "reported"
	CostPriced   = "priced"
	// CostCounted is janus's own token counts at the price table.
	CostCounted = "counted"
)
