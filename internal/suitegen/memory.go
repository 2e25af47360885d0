package suitegen

import (
	"fmt"
	"math/rand/v2"
	"strings"
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

// crossMemoryTasks are the cross-conversation quality/memory tasks: the
// user tells a fact (beside a filler fact) in one conversation, and a new
// conversation with no history asks for it, so only a target that
// remembers across conversations (janus sends both under one user id; see
// suites.Memory) can answer. A decoy user is told a different value of the
// same fact and asked the same question: each answer must be its own
// user's value, checked exactly (an answer naming both values, or padding
// the value into a template, fails). Every value is drawn from r, so a
// fresh seed gets facts no target has seen.
func crossMemoryTasks(r *rand.Rand, n int) []task {
	code := func() string { return fmt.Sprint(100000 + r.IntN(900000)) }
	nm := func() string { return name(r) }
	town := func() string { return place(r) }
	kinds := []struct {
		tell, ask string
		draw      func() string
	}{
		{"Please remember this for later: my locker code is %s.", "In an earlier conversation I told you my locker code. What is it? Reply with the code only.", code},
		{"By the way, my dog is called %s.", "In an earlier conversation I told you what my dog is called. What is the dog's name? Reply with the name only.", nm},
		{"Some context about me: my home town is %s.", "In a previous conversation I told you my home town. Which town is it? Reply with the town only.", town},
		{"Remember that my current project is code-named %s.", "Earlier I told you the code name of my current project. What is it? Reply with the code name only.", nm},
		{"For my booking later: my membership number is %s.", "I gave you my membership number in an earlier conversation. What is it? Reply with the number only.", code},
	}
	fillers := []string{"I work night shifts at a bakery.", "I have two younger sisters.", "I am learning to play the cello.",
		"I prefer tea over coffee.", "I cycle to work most days.", "I grew up near the sea."}
	tell := func(k int, v string) []any {
		f := fillers[r.IntN(len(fillers))]
		return []any{[]any{user(pick(r, "Hi! Two things about me, for later. ", "A quick note about me. ") + f + " " + fmt.Sprintf(kinds[k].tell, v))}}
	}
	var out []task
	for i, k := range r.Perm(len(kinds))[:min(n, len(kinds))] {
		a := kinds[k].draw()
		b := kinds[k].draw()
		for sameWord(a, b) {
			b = kinds[k].draw()
		}
		out = append(out, task{ID: fmt.Sprintf("memory-cross-%02d", i+1), Category: "quality/memory",
			Messages: []any{user(kinds[k].ask)}, Request: opts(64),
			Expect: checks(exact(a)), Reference: content(a), Tags: []string{"memory", "cross-conversation"},
			Memory: map[string]any{"earlier": tell(k, a), "decoy": map[string]any{"earlier": tell(k, b), "expect": checks(exact(b)), "reference": content(b)}}})
	}
	return out
}

// sameWord reports whether a and b could be mistaken for each other by a
// contains check: equal, or one inside the other, ignoring case.
func sameWord(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	return strings.Contains(a, b) || strings.Contains(b, a)
}
