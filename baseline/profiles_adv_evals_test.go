package baseline_test

import (
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/suites"
)

// TestAdversarialReferences: each evaluator adversary attacks its kind of
// smoke task, with the attack it names, and leaves the others alone.
func TestAdversarialReferences(t *testing.T) {
	s := smoke(t)
	byID := map[string]*suites.Task{}
	for i := range s.Tasks {
		byID[s.Tasks[i].ID] = &s.Tasks[i]
	}
	cases := []struct {
		profile, task string
		attacked      bool
		check         func(r suites.Reference) bool
	}{
		{baseline.ProfileAdvShadowCode, "smoke-code-even", true, func(r suites.Reference) bool {
			return strings.Contains(r.Content, "builtins.AssertionError") && strings.Contains(r.Content, "def is_even(")
		}},
		{baseline.ProfileAdvShadowCode, "smoke-chat-capital", false, nil},
		{baseline.ProfileAdvToolShotgun, "smoke-tool-weather", true, func(r suites.Reference) bool {
			return len(r.ToolCalls) >= 3 && r.ToolCalls[0].Arguments == `{"city": "Berlin"}` &&
				slices.ContainsFunc(r.ToolCalls, func(c suites.ToolCallSpec) bool { return c.Arguments == `{"city":"What"}` })
		}},
		{baseline.ProfileAdvToolShotgun, "smoke-tools-multi-turn", true, func(r suites.Reference) bool { return len(r.ToolCalls) >= 2 && r.Content == "-4.6" }},
		{baseline.ProfileAdvToolShotgun, "smoke-stream-count", false, nil},
		{baseline.ProfileAdvFakeArtifact, "smoke-draw-chart", true, func(r suites.Reference) bool {
			a := r.Artifacts[0]
			return strings.HasPrefix(a.URL, "/v1/artifacts/") && a.SizeBytes == 1529 && a.SHA256 != "" && r.Content == "Y"
		}},
		{baseline.ProfileAdvFakeArtifact, "smoke-vision-color", false, nil},
		{baseline.ProfileAdvTemplateResearch, "smoke-chat-capital", true, func(r suites.Reference) bool { return strings.Contains(r.Content, "Paris [1]") }},
		{baseline.ProfileAdvTemplateResearch, "smoke-tool-weather", false, nil},
		{baseline.ProfileOracle, "smoke-chat-capital", false, nil},
	}
	for _, c := range cases {
		t.Run(c.profile+"/"+c.task, func(t *testing.T) {
			task := byID[c.task]
			if task == nil {
				t.Fatalf("no task %s in smoke", c.task)
			}
			r, ok := baseline.AdversarialReference(c.profile, task)
			if ok != c.attacked {
				t.Fatalf("attacked %v, want %v", ok, c.attacked)
			}
			if c.check != nil && !c.check(r) {
				t.Errorf("unexpected adversarial answer %+v", r)
			}
		})
	}
	for _, p := range []string{baseline.ProfileAdvShadowCode, baseline.ProfileAdvToolShotgun, baseline.ProfileAdvFakeArtifact, baseline.ProfileAdvTemplateResearch} {
		if !slices.Contains(baseline.Profiles(), p) {
			t.Errorf("%s is not a known profile", p)
		}
	}
}

// TestTemplateAnswerOnResearch: the template reads the sources by word
// overlap and cites every one of them.
func TestTemplateAnswerOnResearch(t *testing.T) {
	task := &suites.Task{ID: "r", Category: suites.CatResearch,
		Messages: []openai.ChatCompletionMessage{{Role: "system", Content: "Sources:\n[1] The emblem of Veldmark shows a falcon.\n[2] Veldmark is a small town on the river Asel.\n"},
			{Role: "user", Content: "On which river is Veldmark?"}},
		Reference: suites.Reference{Content: "Asel [2]"}}
	r, ok := baseline.AdversarialReference(baseline.ProfileAdvTemplateResearch, task)
	if !ok || r.Content != "Asel [1][2]" {
		t.Fatalf("template answer %q (%v), want %q", r.Content, ok, "Asel [1][2]")
	}
}
