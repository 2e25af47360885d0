package suites

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSmoke(t *testing.T) {
	s, err := Load(context.Background(), "smoke")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tasks) != 10 || s.Version != "1.1.0" || len(s.SHA256) != 64 {
		t.Fatalf("smoke: %d tasks, version %s, hash %q", len(s.Tasks), s.Version, s.SHA256)
	}
	fams := map[string]bool{}
	for _, tk := range s.Tasks {
		fams[Family(tk.Category)] = true
		if tk.Line == 0 || !strings.HasSuffix(tk.File, "tasks.yaml") {
			t.Errorf("task %s has no source location (%s:%d)", tk.ID, tk.File, tk.Line)
		}
	}
	for _, f := range []string{"quality", "tools", "streaming", "multimodal", "cost"} {
		t.Run(f, func(t *testing.T) {
			if !fams[f] {
				t.Errorf("smoke covers no %s task", f)
			}
		})
	}
	again, _ := Load(context.Background(), "smoke")
	if again.SHA256 != s.SHA256 {
		t.Fatal("hash differs between two loads")
	}
}

func TestHashIgnoresTaskOrder(t *testing.T) {
	s, _ := Load(context.Background(), "smoke")
	r := *s
	r.Tasks = append([]Task(nil), s.Tasks...)
	r.Tasks[0], r.Tasks[7] = r.Tasks[7], r.Tasks[0]
	h, err := Hash(&r)
	if err != nil || h != s.SHA256 {
		t.Fatalf("reordered hash %s, want %s (%v)", h, s.SHA256, err)
	}
	r.Tasks[0].Reference.Content += "!"
	if h, _ := Hash(&r); h == s.SHA256 {
		t.Fatal("a changed reference did not change the hash")
	}
}

const goodMeta = "name: t\nversion: 1.0.0\n"

const goodTask = `- id: a
  category: quality/chat
  messages: [{role: user, content: hi}]
  expect: {checks: [{type: exact, value: hi}]}
  reference: {content: hi}
`

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string // substring of the error
	}{
		// YAML that does not parse: the line of the fault.
		{"yaml syntax", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + "- id: b\n  category: [unclosed\n"}, "tasks.yaml:6: yaml: line 6"},
		// The same id twice: the second one's line and the first one's.
		{"duplicate id", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + goodTask}, "tasks.yaml:6: task a: duplicate task id (first defined at"},
		// A misspelt field is an error, not silently ignored.
		{"unknown field", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + "- id: b\n  categroy: x\n"}, "tasks.yaml:6: task b: json: unknown field \"categroy\""},
		// A task without checks could never fail.
		{"no checks", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": "- id: a\n  category: cost\n  messages: [{role: user, content: hi}]\n"}, "tasks.yaml:1: task a: task has no expect.checks"},
		// JSONL: the line number of the bad line.
		{"jsonl", map[string]string{"suite.yaml": goodMeta, "t.jsonl": `{"id":"a","category":"cost","messages":[{"role":"user","content":"x"}],"expect":{"checks":[{"type":"exact","value":"x"}]}}` + "\n\n{oops\n"}, "t.jsonl:3"},
		// suite.yaml with an unknown key.
		{"meta field", map[string]string{"suite.yaml": goodMeta + "colour: red\n", "tasks.yaml": goodTask}, "suite.yaml:3"},
		// Memory tasks: a misspelt memory field, an earlier conversation
		// that does not end with the user's turn, an out-of-range wait, a
		// decoy without checks.
		{"memory field", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + memTask("earler: [[{role: user, content: x}]]")}, "tasks.yaml:6: task m: json: unknown field \"earler\""},
		{"memory no earlier", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + memTask("earlier: []")}, "tasks.yaml:6: task m: memory.earlier: no conversation"},
		{"memory last turn", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + memTask("earlier: [[{role: user, content: x}, {role: assistant, content: y}]]")}, "tasks.yaml:6: task m: memory.earlier[0]: the last message is \"assistant\""},
		{"memory settle", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + memTask("earlier: [[{role: user, content: x}]], settle_ms: 600000")}, "tasks.yaml:6: task m: memory.settle_ms 600000"},
		{"memory decoy checks", map[string]string{"suite.yaml": goodMeta, "tasks.yaml": goodTask + memTask("earlier: [[{role: user, content: x}]], decoy: {earlier: [[{role: user, content: y}]], expect: {checks: []}}")}, "tasks.yaml:6: task m: memory.decoy.expect.checks: none"},
		// No suite.yaml at all.
		{"no meta", map[string]string{"tasks.yaml": goodTask}, "suite.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, c := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(context.Background(), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadUnknown(t *testing.T) {
	_, err := Load(context.Background(), "definitely-not-a-suite")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "smoke") {
		t.Fatalf("err = %v, want NotFoundError listing built-ins", err)
	}
}

func TestLoadSingleFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mine.yaml")
	os.WriteFile(p, []byte(goodTask), 0o644)
	s, err := Load(context.Background(), p)
	if err != nil || s.Name != "mine" || len(s.Tasks) != 1 {
		t.Fatalf("single file: %+v, %v", s, err)
	}
}

func TestSelect(t *testing.T) {
	s, _ := Load(context.Background(), "smoke")
	ids := func(ts []Task) string {
		var b []string
		for _, t := range ts {
			b = append(b, t.ID)
		}
		return strings.Join(b, ",")
	}
	// Seed 0 keeps file order.
	if got := ids(Select(s.Tasks, 0, 0)); got != ids(s.Tasks) {
		t.Fatalf("seed 0 reordered: %s", got)
	}
	// The same seed picks the same tasks in the same order.
	a, b := ids(Select(s.Tasks, 42, 3)), ids(Select(s.Tasks, 42, 3))
	if a != b || strings.Count(a, ",") != 2 {
		t.Fatalf("seed 42 limit 3: %s vs %s", a, b)
	}
	// Another seed gives another order (for these 8 tasks and seeds).
	if ids(Select(s.Tasks, 42, 0)) == ids(Select(s.Tasks, 43, 0)) {
		t.Fatal("seeds 42 and 43 gave the same order")
	}
}

func TestCombine(t *testing.T) {
	a, _ := Load(context.Background(), "smoke")
	b, _ := Load(context.Background(), "smoke")
	c, err := Combine([]*Suite{a, b})
	if err != nil {
		t.Fatal(err)
	}
	// Shared ids are prefixed, so 20 distinct tasks.
	seen := map[string]bool{}
	for _, tk := range c.Tasks {
		seen[tk.ID] = true
	}
	if len(c.Tasks) != 20 || len(seen) != 20 || c.Name != "smoke+smoke" || len(c.SHA256) != 64 || c.SHA256 == a.SHA256 {
		t.Fatalf("combined: %d tasks (%d ids), name %s, hash %s", len(c.Tasks), len(seen), c.Name, c.SHA256)
	}
	if one, _ := Combine([]*Suite{a}); one != a {
		t.Fatal("a single suite must come back unchanged")
	}
	if n := len(FilterSplit(c.Tasks, []string{"private"})); n != 0 {
		t.Fatalf("smoke has no private tasks, got %d", n)
	}
}

// memTask is a memory task (id m) whose memory field is {body}.
func memTask(body string) string {
	return "- id: m\n  category: quality/memory\n  messages: [{role: user, content: 'what is my code?'}]\n" +
		"  expect: {checks: [{type: contains, values: ['4821']}]}\n  reference: {content: '4821'}\n  memory: {" + body + "}\n"
}
