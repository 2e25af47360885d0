package baseline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// Adversarial sim profiles that attack the evaluators (issue 15): each
// answers with what a competitor without a model could send to collect
// structural passes. `janus bench calibrate` asserts each scores below the
// oracle on the dimension it attacks and on composite.
const (
	// ProfileAdvShadowCode answers code tasks with a stub that shadows the
	// tests' builtins and helpers (Go `func panic(v interface{}) {}`, a
	// JavaScript `function assertEqual() {}`, Python builtins rebound) and
	// does not solve the task.
	ProfileAdvShadowCode = "adv-shadow-code"
	// ProfileAdvToolShotgun makes every candidate call: the reference's
	// calls plus the same tools with every capitalised word of the prompt
	// as a string argument, and every other offered tool.
	ProfileAdvToolShotgun = "adv-tool-shotgun"
	// ProfileAdvFakeArtifact answers image tasks with a descriptor that
	// copies the reference's size and digest but points at a path the
	// target never serves.
	ProfileAdvFakeArtifact = "adv-fake-artifact"
	// ProfileAdvTemplateResearch answers every text question with a
	// citation template: research questions with the last word of the
	// source that shares most words with the question, citing every
	// source; other questions with the reference wrapped in the template.
	ProfileAdvTemplateResearch = "adv-template-research"
)

// evalAdversaries are the profiles above, in the order Profiles lists them.
var evalAdversaries = []string{ProfileAdvShadowCode, ProfileAdvToolShotgun, ProfileAdvFakeArtifact, ProfileAdvTemplateResearch}

// AdversarialReference is the answer profile sends for task instead of
// its reference, and false when the profile leaves the task alone (it
// attacks another kind of task, or is not an evaluator adversary).
func AdversarialReference(profile string, t *suites.Task) (suites.Reference, bool) {
	ref := t.Reference
	switch profile {
	case ProfileAdvShadowCode:
		if t.Category != suites.CatCode {
			return ref, false
		}
		return suites.Reference{Content: shadowCode(t)}, true
	case ProfileAdvToolShotgun:
		if len(ref.ToolCalls) == 0 {
			return ref, false
		}
		ref.ToolCalls = shotgunCalls(t)
		return ref, true
	case ProfileAdvFakeArtifact:
		if len(ref.Artifacts) == 0 {
			return ref, false
		}
		arts := make([]wire.Artifact, len(ref.Artifacts))
		for i, a := range ref.Artifacts {
			a.URL = "/v1/artifacts/" + a.ID + "-fake.png"
			arts[i] = a
		}
		ref.Artifacts = arts
		return ref, true
	case ProfileAdvTemplateResearch:
		if !strings.HasPrefix(t.Category, "quality/") || ref.Content == "" || len(ref.ToolCalls) > 0 {
			return ref, false
		}
		return suites.Reference{Content: templateAnswer(t)}, true
	}
	return ref, false
}

// codeLanguage is the language of a code task's check, else a guess from
// the reference.
func codeLanguage(t *suites.Task) string {
	for _, c := range t.Expect.Checks {
		if c.Language != "" {
			return c.Language
		}
	}
	switch ref := t.Reference.Content; {
	case strings.Contains(ref, "func "):
		return "go"
	case strings.Contains(ref, "function "):
		return "javascript"
	}
	return "python"
}

var (
	goSigRe = regexp.MustCompile(`func\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*([^{]*)\{`)
	jsSigRe = regexp.MustCompile(`function\s+([A-Za-z_$][\w$]*)\s*\(`)
	pySigRe = regexp.MustCompile(`def\s+([A-Za-z_]\w*)\s*\(`)
)

// shadowCode is a stub with the reference's function name that returns a
// zero value, behind declarations that shadow what the tests rely on.
func shadowCode(t *suites.Task) string {
	ref := t.Reference.Content
	switch codeLanguage(t) {
	case "go":
		stub := "func Solve() {}"
		if m := goSigRe.FindStringSubmatch(ref); m != nil {
			res := strings.TrimSpace(m[3])
			switch {
			case res == "":
				stub = fmt.Sprintf("func %s(%s) {}", m[1], m[2])
			case strings.HasPrefix(res, "("):
				stub = fmt.Sprintf("func %s(%s) %s { panic(nil) }", m[1], m[2], res)
			default:
				stub = fmt.Sprintf("func %s(%s) %s {\n\tvar zero %s\n\treturn zero\n}", m[1], m[2], res, res)
			}
		}
		return "```go\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc panic(v interface{}) {}\n\nfunc init() {\n\tfmt.Println(\"PASS\")\n\tos.Exit(0)\n}\n\n" + stub + "\n```"
	case "javascript":
		name := "solve"
		if m := jsSigRe.FindStringSubmatch(ref); m != nil {
			name = m[1]
		}
		return "```javascript\nfunction assert() {}\nfunction assertEqual() {}\nArray.prototype[Symbol.iterator] = function* () {};\nconsole.log('PASS');\nfunction " + name + "() { return 0; }\n```"
	}
	name := "solve"
	if m := pySigRe.FindStringSubmatch(ref); m != nil {
		name = m[1]
	}
	return "import builtins\nbuiltins.AssertionError = type('Pass', (Exception,), {})\nprint('PASS')\ndef " + name + "(*args): return True"
}

// shotgunWordRe finds capitalised words, the candidate string arguments.
var shotgunWordRe = regexp.MustCompile(`\b[A-Z][a-z]+\b`)

// maxShotgun bounds the calls one shotgun answer makes.
const maxShotgun = 8

// shotgunCalls are the reference's calls, then each with every candidate
// string argument, then every other offered tool with the first
// reference call's arguments.
func shotgunCalls(t *suites.Task) []suites.ToolCallSpec {
	ref := t.Reference.ToolCalls
	out := append([]suites.ToolCallSpec(nil), ref...)
	words := shotgunWordRe.FindAllString(wire.LastUser(t.ChatRequest("", false).Messages), -1)
	for _, c := range ref {
		var args map[string]any
		if json.Unmarshal([]byte(c.Arguments), &args) != nil {
			continue
		}
		keys := make([]string, 0, len(args))
		for k, v := range args {
			if _, ok := v.(string); ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, w := range words {
				if w == args[k] || len(out) >= maxShotgun {
					continue
				}
				alt := map[string]any{}
				for kk, vv := range args {
					alt[kk] = vv
				}
				alt[k] = w
				b, _ := json.Marshal(alt)
				out = append(out, suites.ToolCallSpec{Name: c.Name, Arguments: string(b)})
			}
		}
	}
	for _, tool := range t.Request.Tools {
		if tool.Function == nil || len(ref) == 0 || len(out) >= maxShotgun {
			continue
		}
		if name := tool.Function.Name; name != ref[0].Name {
			out = append(out, suites.ToolCallSpec{Name: name, Arguments: ref[0].Arguments})
		}
	}
	return out
}

// sourceLineRe is one numbered source of a research prompt: "[3] text".
var sourceLineRe = regexp.MustCompile(`(?m)^\[(\d{1,3})\]\s+(.+)$`)

// templateAnswer fills the citation template without reading for
// meaning: the source sharing most words with the question gives its
// last word, and every source is cited.
func templateAnswer(t *suites.Task) string {
	var prompt strings.Builder
	for _, m := range t.ChatRequest("", false).Messages {
		prompt.WriteString(wire.TextOf(m) + "\n")
	}
	srcs := sourceLineRe.FindAllStringSubmatch(prompt.String(), -1)
	if len(srcs) == 0 {
		return "According to the sources, " + t.Reference.Content + " [1]."
	}
	q := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(wire.LastUser(t.ChatRequest("", false).Messages))) {
		q[strings.Trim(w, "?.,!")] = true
	}
	best, bestN := srcs[0], -1
	var cites strings.Builder
	for _, s := range srcs {
		n := 0
		for _, w := range strings.Fields(strings.ToLower(s[2])) {
			if q[strings.Trim(w, ".,")] {
				n++
			}
		}
		if n > bestN {
			best, bestN = s, n
		}
		cites.WriteString("[" + s[1] + "]")
	}
	words := strings.Fields(best[2])
	return strings.Trim(words[len(words)-1], ".,") + " " + cites.String()
}

// markAdversaries gives every task of s that an evaluator adversary
// attacks that adversary's answer (AdversarialReference), prepared
// whatever the server's profile, so a request can ask for one through its
// metadata as for noisy.
func (p *sim) markAdversaries(s *suites.Suite) {
	for i := range s.Tasks {
		t := &s.Tasks[i]
		sc := p.byHash[messagesHash(t.Messages)]
		if sc == nil {
			continue
		}
		for _, name := range evalAdversaries {
			ref, ok := AdversarialReference(name, t)
			if !ok || sc.adv[name] != nil {
				continue
			}
			if len(t.ToolResults) > 0 {
				// Multi-turn: this turn makes the calls; the final answer
				// comes back once janus has played the tools (byFollow).
				ref.Content, ref.Artifacts = "", nil
			}
			if sc.adv == nil {
				sc.adv = map[string]*script{}
			}
			sc.adv[name] = buildScript(t.ID, ref, p.seed)
		}
	}
}
