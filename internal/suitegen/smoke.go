package suitegen

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/janus-bench/janus/suites"
)

// SmokeVersion is the version of the generated smoke suite (the stored
// file, smoke@stored, is 1.x): a stratified draw from Fresh, so what a
// seed means changes with FreshVersion too.
const SmokeVersion = "2.0.0"

// SmokeSource is the Source of a generated smoke suite; like FreshSource
// it does not name the seed.
const SmokeSource = "generated:smoke"

// smokeStratum is one slot of the smoke draw: a task of category whose
// tags hold tag ("" any tag; "!x" any task not tagged x).
type smokeStratum struct{ category, tag string }

// smokeStrata are the slots a smoke suite fills, one task each: every
// family that runs anywhere, so all five dimensions are scored by ten
// quick tasks. Code is left out: its hidden tests run in the sandbox,
// which needs Linux with bubblewrap, and the first run must work on any
// host (janus-default has twenty code tasks).
var smokeStrata = []smokeStratum{
	{suites.CatChat, ""}, {suites.CatReasoning, ""}, {suites.CatResearch, ""}, {suites.CatMemory, ""},
	{suites.CatTools, "!multi-turn"}, {suites.CatTools, "multi-turn"}, {suites.CatStreaming, ""},
	{suites.CatMultimodal, "generated-image"}, {suites.CatMultimodal, "image-output"}, {suites.CatCost, ""},
}

// Generator returns the generator of a suite that a run makes from its
// seed instead of loading its stored files: janus-default (Fresh) and
// smoke (FreshSmoke). ok is false for every other name, including the
// stored "NAME@stored" forms.
func Generator(name string) (gen func(seed uint64) (*suites.Suite, error), ok bool) {
	switch name {
	case "janus-default":
		return Fresh, true
	case "smoke":
		return FreshSmoke, true
	}
	return nil, false
}

// FreshSmoke generates the smoke suite from seed: one task per stratum
// (chat, reasoning, research, memory, a single and a multi-turn tool
// call, a stream, a generated image, a chart asked for as an image, a
// cost prompt), drawn from Fresh(seed), so a first run takes seconds and
// still meets tasks no competitor can have seen. Two calls with one seed
// give the same suite.
func FreshSmoke(seed uint64) (*suites.Suite, error) {
	full, err := Fresh(seed)
	if err != nil {
		return nil, fmt.Errorf("generate smoke: %w", err)
	}
	s := *full
	s.Name, s.Version, s.Source = "smoke", SmokeVersion, SmokeSource
	s.Description = "Ten tasks drawn from janus-default generated from the run's seed, one per family " +
		"(code aside: it needs the sandbox), so all five dimensions are scored in seconds on tasks no competitor has seen."
	s.Tasks = smokeDraw(full.Tasks, rng(seed, "smoke"))
	s.Categories = nil
	for _, t := range s.Tasks {
		if !slices.Contains(s.Categories, t.Category) {
			s.Categories = append(s.Categories, t.Category)
		}
	}
	if s.SHA256, err = suites.Hash(&s); err != nil {
		return nil, fmt.Errorf("generate smoke: %w", err)
	}
	return &s, nil
}

// smokeDraw picks one task per stratum with r, in stratum order; a stratum
// no task fits is skipped.
func smokeDraw(tasks []suites.Task, r *rand.Rand) []suites.Task {
	var out []suites.Task
	for _, st := range smokeStrata {
		var fit []suites.Task
		for _, t := range tasks {
			if st.fits(t) {
				fit = append(fit, t)
			}
		}
		if len(fit) > 0 {
			out = append(out, fit[r.IntN(len(fit))])
		}
	}
	return out
}

func (st smokeStratum) fits(t suites.Task) bool {
	if t.Category != st.category {
		return false
	}
	switch {
	case st.tag == "":
		return true
	case st.tag[0] == '!':
		return !slices.Contains(t.Tags, st.tag[1:])
	}
	return slices.Contains(t.Tags, st.tag)
}
