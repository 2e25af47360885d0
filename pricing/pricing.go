// Package pricing is janus's price table: what tokens, sandbox seconds
// and container compute cost. It is neutral ground: the scorer prices
// tasks with it and the baseline sim bills with it, and neither imports
// the other for it.
package pricing

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
)

// Default prices (DefaultPrices) for targets that report tokens but no
// cost_usd. They are a cheap hosted model's list price, so a target that
// reports its own cost is judged on that figure and one that does not is
// judged on a fixed, published table rather than on nothing; --prices
// replaces them.
const (
	// DefaultPromptUSDPerMTok is the price of one million prompt tokens.
	DefaultPromptUSDPerMTok = 0.50
	// DefaultCompletionUSDPerMTok is the price of one million completion
	// tokens.
	DefaultCompletionUSDPerMTok = 1.50
	// SandboxUSDPerSecond prices usage.sandbox_seconds, so a target that
	// runs tools in a sandbox pays for that time like it pays for tokens.
	SandboxUSDPerSecond = 0.0001
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
