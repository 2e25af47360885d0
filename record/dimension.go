package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Dimension names one scored dimension of a run ("quality"), or the
// composite of them all (Composite). It is a report's key for the
// dimension's score and weight, the store's key for its row, and what
// --weights and --min-score name.
type Dimension string

// The composite and the default dimensions. Code names a dimension by its
// constant only where it means that dimension in particular (quality's
// Pareto frontier, say); everything that treats dimensions alike walks
// DefaultDimensions.
const (
	Composite  Dimension = "composite"
	Quality    Dimension = "quality"
	Speed      Dimension = "speed"
	Cost       Dimension = "cost"
	Streaming  Dimension = "streaming"
	Multimodal Dimension = "multimodal"
)

// DimensionWeight is a dimension and its default weight in the composite,
// in percent.
type DimensionWeight struct {
	Name   Dimension
	Weight float64
}

// defaultDimensions is the one list of the composite's dimensions, in the
// order reports, tables and the store list them, with the Janus
// competition's weights (40/20/15/15/10). Adding a dimension is a row here
// and an evaluator in package scorer.
func defaultDimensions() []DimensionWeight {
	return []DimensionWeight{
		{Quality, 40},
		{Speed, 20},
		{Cost, 15},
		{Streaming, 15},
		{Multimodal, 10},
	}
}

// DefaultDimensions are the composite's dimensions in their order
// (without Composite itself).
func DefaultDimensions() []Dimension {
	var out []Dimension
	for _, d := range defaultDimensions() {
		out = append(out, d.Name)
	}
	return out
}

// WithComposite is Composite followed by dims: the order a report lists
// scores in and a --min-score gate may name.
func WithComposite(dims []Dimension) []Dimension {
	return append([]Dimension{Composite}, dims...)
}

// DefaultWeights are the Janus competition's 40/20/15/15/10.
func DefaultWeights() Weights {
	w := Weights{}
	for _, d := range defaultDimensions() {
		w[d.Name] = d.Weight
	}
	return w
}

// Scores are a run's score on each dimension and on the composite
// (Composite), keyed by dimension. A dimension not in the map scores the
// zero Score.
type Scores map[Dimension]Score

// Lookup returns the score of the dimension called name: Composite or a
// dimension the scores hold.
func (s Scores) Lookup(name Dimension) (Score, bool) {
	d, ok := s[name]
	return d, ok
}

// Names are the dimensions a table of s lists, in report order (Columns):
// every default dimension, then any other s holds; never the composite.
func (s Scores) Names() []Dimension { return Columns(slices.Collect(maps.Keys(s))) }

// MarshalJSON writes the composite and then every dimension in report
// order (Columns), so a report's scores block keeps the key order it had
// when the dimensions were struct fields: every default dimension is
// written, the zero Score when s lacks it.
func (s Scores) MarshalJSON() ([]byte, error) {
	return marshalOrdered(append([]Dimension{Composite}, Columns(slices.Collect(maps.Keys(s)))...), s)
}

// Weights are the composite's weights in percent, keyed by dimension. A
// dimension not in the map weighs 0.
type Weights map[Dimension]float64

// IsZero says whether every weight is 0 (or none is set): what options
// read as "the default weights".
func (w Weights) IsZero() bool {
	for _, v := range w {
		if v != 0 {
			return false
		}
	}
	return true
}

// Clone is a copy of w that can be changed without changing w.
func (w Weights) Clone() Weights {
	if w == nil {
		return nil
	}
	out := make(Weights, len(w))
	for k, v := range w {
		out[k] = v
	}
	return out
}

// MarshalJSON writes every default dimension's weight (0 when w lacks it)
// and then any other dimension's, in report order (Columns).
func (w Weights) MarshalJSON() ([]byte, error) {
	return marshalOrdered(Columns(slices.Collect(maps.Keys(w))), w)
}

// Ordered are names in report order: the default dimensions among them in
// DefaultDimensions' order, then the others by name (Composite, if
// there, first).
func Ordered(names []Dimension) []Dimension {
	var out []Dimension
	if slices.Contains(names, Composite) {
		out = append(out, Composite)
	}
	for _, d := range Columns(names) {
		if slices.Contains(names, d) {
			out = append(out, d)
		}
	}
	return out
}

// Columns are the dimensions a table of scores shows, and the order a
// report lists them in: every default dimension in DefaultDimensions'
// order, whether or not present lists it, then the others of present by
// name (Composite left out). A dimension outside the default list (one a
// caller added) thus follows the defaults without a global registry.
func Columns(present []Dimension) []Dimension {
	out := DefaultDimensions()
	var extra []Dimension
	for _, d := range present {
		if d != Composite && !slices.Contains(out, d) {
			extra = append(extra, d)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// marshalOrdered writes m as a JSON object with keys in order, each
// value as encoding/json writes it (the zero value for a missing key).
func marshalOrdered[V any](order []Dimension, m map[Dimension]V) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, d := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(string(d))
		if err != nil {
			return nil, fmt.Errorf("marshal dimension name: %w", err)
		}
		v, err := json.Marshal(m[d])
		if err != nil {
			return nil, fmt.Errorf("marshal %s: %w", d, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
