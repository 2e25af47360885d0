package baseline

import (
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// TestRecalled: the sim answers from a recalled memory only when the
// memory hook's system message is there and one of its lines shares a
// word with the question, and then with the line that shares the most.
func TestRecalled(t *testing.T) {
	mem := memoryPreamble + "\n- I prefer tea over coffee.\n- Remember that my current project is code-named Vugrytrym."
	ask := "Earlier I told you the code name of my current project. What is it?"
	cases := []struct {
		name string
		msgs []openai.ChatCompletionMessage
		want string // "" for no answer
	}{
		{"best line", []openai.ChatCompletionMessage{{Role: "system", Content: mem}, {Role: "user", Content: ask}},
			"You told me: Remember that my current project is code-named Vugrytrym."},
		{"the value alone", []openai.ChatCompletionMessage{{Role: "system", Content: mem}, {Role: "user", Content: ask + " Reply with the code name only."}},
			"Vugrytrym"},
		{"no memory message", []openai.ChatCompletionMessage{{Role: "user", Content: ask}}, ""},
		{"another system prompt", []openai.ChatCompletionMessage{{Role: "system", Content: "Be brief.\n- my project is Vugrytrym"}, {Role: "user", Content: ask}}, ""},
		{"nothing in common", []openai.ChatCompletionMessage{{Role: "system", Content: mem}, {Role: "user", Content: "What is the capital of Peru?"}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := recalled(tc.msgs)
			got := ""
			if sc != nil {
				for _, st := range sc.steps {
					got += st.delta.Content
				}
			}
			if got != tc.want {
				t.Fatalf("answer %q, want %q", got, tc.want)
			}
		})
	}
}
