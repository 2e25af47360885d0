package suitegen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/janus-bench/janus/suites"
)

// FreshVersion is the version of the generated janus-default: the tasks
// change with every seed, the generator (and so what a seed means) with
// this version.
const FreshVersion = "2.1.0"

// FreshSource is the Source of a generated suite. It does not name the
// seed: the seed is secret until the run is over.
const FreshSource = "generated:janus-default"

// Fresh generates janus-default from seed: every task family draws its
// numbers, names, entities, images, code specs and hidden tests, tool
// results and research documents from the seed, in wording picked from
// paraphrase banks, and every reference is computed, not stored. Two calls
// with one seed give the same suite (and hash); a run that draws its seed
// in secret gets tasks no competitor can have seen.
func Fresh(seed uint64) (*suites.Suite, error) {
	fsys := fstest.MapFS{}
	for name, b := range FreshSuiteFiles(seed) {
		fsys[name] = &fstest.MapFile{Data: b}
	}
	s, err := suites.LoadFS(fsys, FreshSource)
	if err != nil {
		return nil, fmt.Errorf("generate janus-default: %w", err)
	}
	return s, nil
}

// FreshSuiteFiles is Fresh's suite as files (suite.yaml and one JSONL file
// per family), for writing a generated suite to disk.
func FreshSuiteFiles(seed uint64) map[string][]byte {
	g := &fresh{seed: seed}
	groups := map[string][]task{
		"chat.jsonl":       g.chat(g.rand("chat")),
		"code.jsonl":       g.code(g.rand("code")),
		"reasoning.jsonl":  g.reasoning(g.rand("reasoning")),
		"research.jsonl":   g.research(g.rand("research")),
		"tools.jsonl":      append(g.tools(g.rand("tools")), g.multiTools(g.rand("multi-tools"))...),
		"streaming.jsonl":  g.streaming(g.rand("streaming")),
		"multimodal.jsonl": append(g.images(g.rand("images")), g.charts(g.rand("charts"))...),
		"cost.jsonl":       g.cost(g.rand("cost")),
		"memory.jsonl":     append(g.memory(g.rand("memory")), crossMemoryTasks(g.rand("memory-cross"), 3)...),
	}
	return suiteFiles(freshMeta, groups)
}

const freshMeta = `name: janus-default
version: ` + FreshVersion + `
description: >
  janus-default generated from a seed: the same families as the stored
  public example (chat, reasoning, code with hidden tests, research over a
  generated corpus, single and multi-turn tools, long streamed outputs,
  generated images, charts asked for as images, cost-sensitive short
  prompts, memory), with every value, name, image and reference drawn
  from the seed and every prompt worded from a paraphrase bank.
categories: [quality/chat, quality/reasoning, quality/code, quality/research, quality/memory, tools, streaming, multimodal, cost]
splits: [public, private]
license: Apache-2.0
weights: {quality: 40, speed: 20, cost: 15, streaming: 15, multimodal: 10}
`

// fresh holds the seed every family derives its own stream from, so adding
// a task to one family does not change the others.
type fresh struct{ seed uint64 }

func (g *fresh) rand(family string) *rand.Rand { return rng(g.seed, "fresh/"+family) }

// pick returns one of the variants.
func pick(r *rand.Rand, variants ...string) string { return variants[r.IntN(len(variants))] }

// pickf formats one of the variant formats with args (every variant must
// use all args, in order).
func pickf(r *rand.Rand, formats []string, args ...any) string {
	return fmt.Sprintf(formats[r.IntN(len(formats))], args...)
}

var (
	onsets  = []string{"b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "qu", "r", "s", "st", "t", "tr", "v", "w", "z", "th", "sh"}
	nuclei  = []string{"a", "e", "i", "o", "u", "ai", "ea", "ou", "y"}
	codas   = []string{"", "", "n", "r", "l", "s", "th", "m", "ck", "nd", "rk", "x"}
	endings = []string{"ford", "by", "wick", "holm", "mere", "ton", "dale", "stead", "mouth", "gate"}
)

// word is a pronounceable invented word of syllables syllables, lowercase:
// names no model knows and no list holds.
func word(r *rand.Rand, syllables int) string {
	var b strings.Builder
	for range syllables {
		b.WriteString(onsets[r.IntN(len(onsets))])
		b.WriteString(nuclei[r.IntN(len(nuclei))])
	}
	b.WriteString(codas[r.IntN(len(codas))])
	return b.String()
}

// name is an invented capitalised name.
func name(r *rand.Rand) string { return title(word(r, 2+r.IntN(2))) }

// place is an invented town name.
func place(r *rand.Rand) string { return title(word(r, 1+r.IntN(2)) + endings[r.IntN(len(endings))]) }

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// distinct draws n different values from gen.
func distinct(n int, gen func() string) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		v := gen()
		if !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			out = append(out, v)
		}
	}
	return out
}

var briefSystems = []string{
	"Answer with the single word or number asked for, no punctuation, no explanation.",
	"Reply with only the answer: one word or number, nothing else.",
	"Give just the answer asked for, with no explanation and no punctuation.",
}

func (g *fresh) chat(r *rand.Rand) []task {
	kinds := []func() (string, map[string]any, map[string]any, string){
		func() (string, map[string]any, map[string]any, string) { // reverse
			w := word(r, 2+r.IntN(2))
			rev := reverse(w)
			q := pickf(r, []string{"Spell the word %q backwards, lowercase.", "Write %q with its letters in reverse order.", "Reverse the letters of %q."}, w)
			return q, nil, exact(rev), rev
		},
		func() (string, map[string]any, map[string]any, string) { // letter count
			w := word(r, 3+r.IntN(2))
			l := string(w[r.IntN(len(w))])
			n := strings.Count(w, l)
			q := pickf(r, []string{"How many times does the letter %q occur in %q? Number only.", "Count the letter %q in the word %q. Reply with the count."}, l, w)
			return q, nil, number(float64(n)), fmt.Sprint(n)
		},
		func() (string, map[string]any, map[string]any, string) { // nth word
			ws := distinct(5+r.IntN(3), func() string { return word(r, 1+r.IntN(2)) })
			k := 1 + r.IntN(len(ws))
			q := pickf(r, []string{"What is word number %d in this list: %s?", "Give word %d of the following list: %s."}, k, strings.Join(ws, ", "))
			return q, nil, exact(ws[k-1]), ws[k-1]
		},
		func() (string, map[string]any, map[string]any, string) { // alphabetical first
			ws := distinct(4+r.IntN(3), func() string { return word(r, 2) })
			first := slicesMin(ws)
			q := pickf(r, []string{"Which of these words comes first in alphabetical order: %s?", "Sort %s alphabetically and reply with the first one."}, strings.Join(ws, ", "))
			return q, nil, exact(first), first
		},
		func() (string, map[string]any, map[string]any, string) { // JSON record
			n, y := name(r)+" "+name(r), 1700+r.IntN(300)
			v := map[string]any{"name": n, "born": y}
			q := pickf(r, []string{`Return only a JSON object with "name" set to %q and "born" set to %d.`, `Reply with a JSON object only: key "name" is %q, key "born" is %d.`}, n, y)
			return q, v, nil, ""
		},
		func() (string, map[string]any, map[string]any, string) { // JSON arithmetic
			a, b, c, d := 10+r.IntN(90), 10+r.IntN(90), 2+r.IntN(12), 2+r.IntN(12)
			v := map[string]any{"sum": a + b, "product": c * d}
			q := pickf(r, []string{`Return only a JSON object with "sum" set to %d + %d and "product" set to %d * %d.`, `Reply with JSON only: "sum" is %d plus %d, "product" is %d times %d.`}, a, b, c, d)
			return q, v, nil, ""
		},
		func() (string, map[string]any, map[string]any, string) { // JSON list
			xs := r.Perm(40)[:4+r.IntN(3)]
			sorted := append([]int(nil), xs...)
			sort.Sort(sort.Reverse(sort.IntSlice(sorted)))
			list := make([]any, len(sorted))
			for i, x := range sorted {
				list[i] = x
			}
			key := word(r, 2)
			v := map[string]any{key: list}
			q := pickf(r, []string{`Return only a JSON object whose key %q is the list %v sorted in descending order.`, `Reply with JSON only: one key %q holding the numbers %v from largest to smallest.`}, key, xs)
			return q, v, nil, ""
		},
	}
	var out []task
	for i := 0; i < 38; i++ {
		q, jv, chk, ans := kinds[(i+r.IntN(2))%len(kinds)]()
		t := task{ID: fmt.Sprintf("chat-%02d", i+1), Category: "quality/chat", Request: opts(24)}
		if jv != nil {
			ref, _ := json.Marshal(jv)
			t.Messages = []any{user(q)}
			t.Request = map[string]any{"max_tokens": 64, "temperature": 0, "response_format": map[string]any{"type": "json_object"}}
			t.Expect, t.Reference = checks(map[string]any{"type": "json", "value": jv}), content(string(ref))
		} else {
			t.Messages = []any{system(pick(r, briefSystems...)), user(q)}
			t.Expect, t.Reference = checks(chk), content(ans)
		}
		out = append(out, t)
	}
	return out
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func slicesMin(ws []string) string {
	m := ws[0]
	for _, w := range ws[1:] {
		if w < m {
			m = w
		}
	}
	return m
}

func (g *fresh) reasoning(r *rand.Rand) []task {
	type gen func() (string, int)
	gens := []gen{
		func() (string, int) {
			a, b, c := 6+r.IntN(20), 3+r.IntN(9), 1+r.IntN(20)
			thing := pick(r, "apples", "pears", "lemons", "eggs", "jars", "books")
			return pickf(r, []string{"A crate holds %d %s. %d crates are delivered, then %d %s are used. How many %s are left?",
				"Each box has %d %s. After %d boxes arrive, %d %s are taken away. How many %s remain?"}, a, thing, b, c, thing, thing), a*b - c
		},
		func() (string, int) {
			v, t := 40+5*r.IntN(20), 2+r.IntN(6)
			return pickf(r, []string{"A train runs at a constant %d km/h for %d hours. How many kilometres does it travel?",
				"Driving at a steady %d km/h for %d hours, how many kilometres does a car cover?"}, v, t), v * t
		},
		func() (string, int) {
			k, x, a := 2+r.IntN(7), 2+r.IntN(30), 1+r.IntN(40)
			return pickf(r, []string{"Solve for x: %dx + %d = %d.", "If %d·x plus %d equals %d, what is x?"}, k, a, k*x+a), x
		},
		func() (string, int) {
			a, b := 100+r.IntN(900), 7+r.IntN(20)
			return pickf(r, []string{"What is the remainder when %d is divided by %d?", "Compute %d mod %d."}, a, b), a % b
		},
		func() (string, int) {
			p, n := []int{10, 20, 25, 50, 75}[r.IntN(5)], 4*(10+r.IntN(90))
			return pickf(r, []string{"What is %d%% of %d?", "Take %d percent of %d. What do you get?"}, p, n), p * n / 100
		},
		func() (string, int) {
			a, b, c := 11+r.IntN(40), 11+r.IntN(40), 2+r.IntN(9)
			return pickf(r, []string{"Compute (%d + %d) × %d.", "Add %d and %d, then multiply the result by %d."}, a, b, c), (a + b) * c
		},
		func() (string, int) {
			n := name(r)
			age, years := 8+r.IntN(40), 2+r.IntN(20)
			return fmt.Sprintf(pick(r, "%s is %d years old. How old will %s be in %d years?", "In %[3]s's family, %[1]s is %[2]d today. What age will %[1]s reach %[4]d years from now?"), n, age, n, years), age + years
		},
	}
	var out []task
	for i := 0; i < 30; i++ {
		q, ans := gens[r.IntN(len(gens))]()
		tail := pick(r, " Reply with the number only.", " Answer with just the number.", " Give only the number.")
		out = append(out, task{ID: fmt.Sprintf("reasoning-%02d", i+1), Category: "quality/reasoning",
			Messages: []any{user(q + tail)}, Request: opts(24),
			Expect: checks(number(float64(ans))), Reference: content(fmt.Sprint(ans))})
	}
	return out
}

// research builds a corpus about invented towns (several towns per corpus,
// so the answer must come from the right document) and asks one question
// answered by one document, cited by its number.
func (g *fresh) research(r *rand.Rand) []task {
	var out []task
	for i := 0; i < 15; i++ {
		towns := distinct(2, func() string { return place(r) })
		var docs []string
		var qs []struct{ q, a string }
		for j, town := range towns {
			month, craft, river, animal := months[r.IntN(12)], crafts[r.IntN(len(crafts))], title(word(r, 2)), animals[r.IntN(len(animals))]
			d := []string{
				pickf(r, []string{"%s is a small town on the river %s.", "The river %[2]s runs through the town of %[1]s."}, town, river),
				pickf(r, []string{"The town of %s holds its lantern festival every year in %s.", "Every %[2]s, %[1]s celebrates its lantern festival."}, town, month),
				pickf(r, []string{"%s is best known for its %s workshops.", "Visitors come to %s for its %s."}, town, craft),
				pickf(r, []string{"The emblem of %s shows a %s.", "A %[2]s appears on the emblem of %[1]s."}, town, animal),
			}
			docs = append(docs, d...)
			if j == 0 {
				qs = []struct{ q, a string }{
					{pickf(r, []string{"On which river is %s?", "Which river flows through %s?"}, town), river},
					{pickf(r, []string{"In which month is the lantern festival of %s held?", "When, by month, does %s hold its lantern festival?"}, town), month},
					{pickf(r, []string{"What craft is %s best known for?", "For which craft do visitors come to %s?"}, town), craft},
					{pickf(r, []string{"Which animal is on the emblem of %s?", "What animal does the emblem of %s show?"}, town), animal},
				}
			}
		}
		order := r.Perm(len(docs))
		var corpus strings.Builder
		pos := make([]int, len(docs))
		for n, d := range order {
			fmt.Fprintf(&corpus, "[%d] %s\n", n+1, docs[d])
			pos[d] = n + 1
		}
		k := r.IntN(4)
		cite, ans := pos[k], qs[k].a
		out = append(out, task{ID: fmt.Sprintf("research-%02d", i+1), Category: "quality/research",
			Messages: []any{
				system(pick(r, "Answer only from the sources below. Reply with the answer (one or two words) followed by the number of the source you used in brackets, e.g. \"Paris [3]\".",
					"Use only these sources. Give the answer in one or two words, then the number of the source you relied on in brackets, like \"Rome [2]\".") +
					"\n\nSources:\n" + corpus.String()),
				user(qs[k].q)},
			Request:   opts(24),
			Expect:    checks(regex(fmt.Sprintf(`(?i)^\s*(the\s+)?(river\s+)?%s\.?\s*\[%d\]\.?\s*$`, regexpQuote(ans), cite))),
			Reference: content(fmt.Sprintf("%s [%d]", ans, cite)), Tags: []string{"citation"}})
	}
	return out
}

// regexpQuote escapes the regular-expression metacharacters of s, so a
// generated answer is matched literally.
func regexpQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
