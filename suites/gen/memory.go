package gen

import (
	"fmt"
	"math/rand/v2"
)

// memoryTasks are the quality/memory category: the user tells a fact early
// in a multi-turn conversation, unrelated turns follow, and the last turn
// asks for the fact back. The fact is drawn from the seed, so it cannot be
// guessed or learned from other tasks; the answer is checked exactly (a
// whole-answer number or a normalised word), so echoing the conversation
// or answering vaguely fails.
func memoryTasks(r *rand.Rand) []task {
	pets := []string{"Biscuit", "Juniper", "Pixel", "Mochi", "Tofu", "Waffles", "Ziggy", "Nimbus"}
	colours := []string{"teal", "maroon", "saffron", "indigo", "olive", "coral", "lilac", "amber"}
	cities := []string{"Tromso", "Valparaiso", "Ljubljana", "Cusco", "Hobart", "Tbilisi", "Windhoek", "Leuven"}
	projects := []string{"Heron", "Basalt", "Quill", "Lantern", "Marigold", "Orbit", "Thistle", "Cobalt"}
	distract := []struct{ q, a string }{
		{"Unrelated question: what is the capital of Peru?", "Lima."},
		{"Quick one: how many sides does a hexagon have?", "Six."},
		{"Which planet is known as the Red Planet?", "Mars."},
		{"What is the chemical symbol for gold?", "Au."},
		{"Name the largest ocean on Earth.", "The Pacific."},
	}
	code := 1000 + r.IntN(9000)
	type fact struct {
		id, tell, ack, ask string
		check              map[string]any
		answer             string
	}
	facts := []fact{
		{"locker-code", fmt.Sprintf("Please remember this for later: my locker code is %d.", code), "Noted, I'll remember your locker code.",
			"Back to what I told you at the start: what is my locker code? Reply with the number only.", number(float64(code)), fmt.Sprint(code)},
		{"pet-name", "By the way, my dog is called " + pets[r.IntN(len(pets))] + ".", "What a lovely name for a dog!",
			"What is my dog called? Reply with the name only.", nil, ""},
		{"favourite-colour", "For future reference, my favourite colour is " + colours[r.IntN(len(colours))] + ".", "Got it.",
			"Which colour did I say is my favourite? Reply with the colour only.", nil, ""},
		{"home-city", "Some context about me: I live in " + cities[r.IntN(len(cities))] + ".", "Thanks for telling me.",
			"In which city do I live? Reply with the city name only.", nil, ""},
		{"project-name", "Remember that my current project is code-named " + projects[r.IntN(len(projects))] + ".", "I'll keep that in mind.",
			"What is my project's code name? Reply with the code name only.", nil, ""},
	}
	var out []task
	for i, f := range facts {
		if f.check == nil {
			f.answer = lastWord(f.tell)
			f.check = exact(f.answer)
		}
		d1, d2 := distract[i%len(distract)], distract[(i+2)%len(distract)]
		msgs := []any{user(f.tell), assistant(f.ack), user(d1.q), assistant(d1.a), user(d2.q), assistant(d2.a), user(f.ask)}
		out = append(out, task{ID: "memory-" + f.id, Category: "quality/memory", Messages: msgs, Request: opts(16),
			Expect: checks(f.check), Reference: content(f.answer), Tags: []string{"memory", "multi-turn"}})
	}
	return out
}

func assistant(s string) map[string]any { return map[string]any{"role": "assistant", "content": s} }

// lastWord is the last word of a sentence, without its full stop.
func lastWord(s string) string {
	end := len(s)
	for end > 0 && (s[end-1] == '.' || s[end-1] == ' ') {
		end--
	}
	start := end
	for start > 0 && s[start-1] != ' ' {
		start--
	}
	return s[start:end]
}
