package suitegen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

var useTool = []string{" Use the tool.", " Call the right tool.", " Use one of your tools to do it."}

func toolTask(id, prompt, name string, args map[string]any) task {
	a, _ := json.Marshal(args)
	return task{ID: id, Category: "tools", Messages: []any{user(prompt)},
		Request:   map[string]any{"max_tokens": 64, "temperature": 0, "tools": toolDefs, "tool_choice": "auto"},
		Expect:    checks(map[string]any{"type": "tool_call", "name": name, "arguments": args}),
		Reference: map[string]any{"tool_calls": []any{map[string]any{"name": name, "arguments": string(a)}}}}
}

func (g *fresh) tools(r *rand.Rand) []task {
	ops := []struct{ words []string }{
		{[]string{"What is %d plus %d?", "Add %d and %d.", "Compute the sum of %d and %d."}},
		{[]string{"What is %d minus %d?", "Subtract %[2]d from %[1]d.", "Compute %d take away %d."}},
		{[]string{"What is %d times %d?", "Multiply %d by %d.", "Compute the product of %d and %d."}},
		{[]string{"What is %d divided by %d?", "Divide %d by %d.", "Compute the quotient of %d and %d."}},
	}
	opNames := []string{"add", "subtract", "multiply", "divide"}
	units := [][2]string{{"km", "mi"}, {"mi", "km"}, {"m", "ft"}, {"ft", "m"}}
	var out []task
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("tools-%02d", i+1)
		var t task
		switch r.IntN(3) {
		case 0:
			c := place(r)
			t = toolTask(id, pickf(r, []string{"What is the weather in %s right now?", "How is the weather in %s at the moment?", "Tell me the current weather for %s."}, c)+pick(r, useTool...),
				"get_weather", map[string]any{"city": c})
		case 1:
			k := r.IntN(len(ops))
			a, b := 12+r.IntN(900), 2+r.IntN(50)
			t = toolTask(id, pickf(r, ops[k].words, a, b)+pick(r, useTool...), "calculator", map[string]any{"a": a, "b": b, "op": opNames[k]})
		default:
			u := units[r.IntN(len(units))]
			v := 5 + r.IntN(500)
			t = toolTask(id, pickf(r, []string{"Convert %d %s to %s.", "How many %[3]s is %[1]d %[2]s?", "Express %d %s in %s."}, v, u[0], u[1])+pick(r, useTool...),
				"convert_units", map[string]any{"value": v, "from": u[0], "to": u[1]})
		}
		out = append(out, t)
	}
	return out
}

// multiTools: janus plays the tool with results drawn from the seed, so
// only a model that reads the tool's answer gets the final number.
func (g *fresh) multiTools(r *rand.Rand) []task {
	conds := []string{"snow", "rain", "sunny", "fog", "wind", "hail", "clear"}
	var out []task
	mk := func(id, prompt, name string, args map[string]any, result any, answer float64) {
		t := toolTask(id, prompt, name, args)
		t.Expect = checks(map[string]any{"type": "tool_call", "name": name, "arguments": args}, number(answer))
		t.Reference["content"] = fmt.Sprint(answer)
		res, _ := json.Marshal(result)
		t.ToolResults = []any{map[string]any{"name": name, "arguments": args, "content": string(res)}}
		t.Tags = []string{"multi-turn"}
		out = append(out, t)
	}
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("tools-multi-%02d", i+1)
		if r.IntN(2) == 0 {
			c := place(r)
			t := float64(r.IntN(450)-100) / 10
			if t == float64(int(t)) {
				t += 0.3
			}
			mk(id, pickf(r, []string{"Use the get_weather tool to look up %s, then reply with the current temperature in °C as a number only.",
				"Look up the weather in %s with the get_weather tool and answer with just the temperature in °C."}, c),
				"get_weather", map[string]any{"city": c}, map[string]any{"city": c, "temp_c": t, "condition": conds[r.IntN(len(conds))]}, t)
			continue
		}
		v := 10 + r.IntN(400)
		from, to := "km", "mi"
		if r.IntN(2) == 1 {
			from, to = "m", "ft"
		}
		res := float64(int(float64(v)*(0.5+float64(r.IntN(100))/100)*100)) / 100
		mk(id, pickf(r, []string{"Use the convert_units tool to convert %d %s to %s, then reply with the tool's result as a number only, exactly as the tool gives it.",
			"Convert %d %s to %s with the convert_units tool and reply with exactly the number the tool returns."}, v, from, to),
			"convert_units", map[string]any{"value": v, "from": from, "to": to}, map[string]any{"value": res, "unit": to}, res)
	}
	return out
}

func (g *fresh) streaming(r *rand.Rand) []task {
	join := func(xs []int) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, " ")
	}
	tail := []string{", numbers separated by single spaces, nothing else.", ", separated by single spaces and nothing else."}
	var out []task
	for i := 0; i < 30; i++ {
		var q string
		var xs []int
		switch r.IntN(3) {
		case 0:
			a := 1 + r.IntN(40)
			n := a + 30 + r.IntN(50)
			for k := a; k <= n; k++ {
				xs = append(xs, k)
			}
			q = pickf(r, []string{"Count from %d to %d", "Write every whole number from %d up to %d"}, a, n)
		case 1:
			k, n := 2+r.IntN(12), 25+r.IntN(25)
			for j := 1; j <= n; j++ {
				xs = append(xs, j*k)
			}
			q = pickf(r, []string{"List the first %[2]d multiples of %[1]d in ascending order", "Write the multiples of %[1]d from %[1]d up to %[2]d×%[1]d"}, k, n)
		default:
			k, n := 3+r.IntN(9), 20+r.IntN(20)
			for j := n; j >= 1; j-- {
				xs = append(xs, j*k)
			}
			q = pickf(r, []string{"List the multiples of %d from %d down to %d", "Count down in steps of %d from %d to %d"}, k, n*k, k)
		}
		ans := join(xs)
		out = append(out, task{ID: fmt.Sprintf("streaming-%02d", i+1), Category: "streaming", Messages: []any{user(q + pick(r, tail...))},
			Request: opts(400), Expect: checks(exact(ans)), Reference: content(ans), Tags: []string{"long-output"}})
	}
	for i := 0; i < 6; i++ {
		a, b := 12+r.IntN(80), 12+r.IntN(80)
		tens, ones := b/10*10, b%10
		reasoning := fmt.Sprintf("%d × %d = %d × %d + %d × %d = %d + %d = %d.", a, b, a, tens, a, ones, a*tens, a*ones, a*b)
		out = append(out, task{ID: fmt.Sprintf("streaming-think-%02d", i+1), Category: "streaming",
			Messages: []any{user(pickf(r, []string{"Think it through step by step first, then give only the final number: what is %d × %d?",
				"Work it out step by step, then reply with only the result of %d × %d."}, a, b))},
			Request: opts(400), Expect: checks(number(float64(a * b))),
			Reference: map[string]any{"reasoning_content": reasoning, "content": fmt.Sprint(a * b)}, Tags: []string{"reasoning"}})
	}
	return out
}

var imageLeads = []string{"Look at the image. ", "Here is a picture. ", "", "Please examine this image. "}

// images draws every picture from the run's seed (colour, count, digits,
// bar heights, clock time, quadrant colours), so an answer learned from a
// previous run, or a prior like "red" or "3", is right at chance level.
func (g *fresh) images(r *rand.Rand) []task {
	var out []task
	for i := 0; i < 30; i++ {
		gen := fastGenerators[i%len(fastGenerators)]
		im := gen.Make(r.Uint64(), encodeFast)
		chk := exact(im.Answer)
		if im.Number != nil {
			chk = number(*im.Number)
		}
		out = append(out, task{ID: fmt.Sprintf("multimodal-%02d", i+1), Category: "multimodal",
			Messages: []any{map[string]any{"role": "user", "content": []any{
				// The number keeps two tasks with one wording apart for the
				// sim, which knows conversations by their text.
				map[string]any{"type": "text", "text": fmt.Sprintf("Image %d. %s%s", i+1, pick(r, imageLeads...), im.Prompt)},
				map[string]any{"type": "image_url", "image_url": map[string]any{"url": im.DataURL()}},
			}}},
			Request: opts(16), Expect: checks(chk), Reference: content(im.Answer), Tags: []string{"generated-image", gen.Kind}})
	}
	return out
}

func (g *fresh) charts(r *rand.Rand) []task {
	var out []task
	for i := 0; i < 6; i++ {
		labels := distinct(3+r.IntN(3), func() string { return title(word(r, 1+r.IntN(2))) })
		vals := r.Perm(9)[:len(labels)]
		best := 0
		var desc []string
		for j := range vals {
			vals[j]++
			if vals[j] > vals[best] {
				best = j
			}
			desc = append(desc, fmt.Sprintf("%s %d", labels[j], vals[j]))
		}
		id := fmt.Sprintf("multimodal-chart-%02d", i+1)
		png := barChart(labels, vals, encodeFast)
		out = append(out, task{ID: id, Category: "multimodal",
			Messages: []any{user(pickf(r, []string{"Draw a bar chart of these values: %s. Return the chart as a PNG image, and in your text reply give only the label of the highest bar.",
				"Make a PNG bar chart for %s; in the text of your reply, name only the label of the tallest bar."}, strings.Join(desc, ", ")))},
			Request: map[string]any{"max_tokens": 16, "temperature": 0, "generation_flags": map[string]any{"generate_image": true}},
			Expect: map[string]any{"checks": []any{
				map[string]any{"type": "artifact", "value": "image", "mime": "image/png", "min_bytes": 200},
				exact(labels[best]),
			}},
			Reference: map[string]any{"content": labels[best], "artifacts": []any{ReferenceArtifact("ref-"+id, "chart.png", png)}},
			Tags:      []string{"image-output"}})
	}
	return out
}

func (g *fresh) cost(r *rand.Rand) []task {
	isPrime := func(n int) bool {
		if n < 2 {
			return false
		}
		for d := 2; d*d <= n; d++ {
			if n%d == 0 {
				return false
			}
		}
		return true
	}
	kinds := []func() (string, string){
		func() (string, string) {
			w := strings.ToUpper(word(r, 2))
			return pickf(r, []string{"Reply with exactly the word %s.", "Say %s and nothing else."}, w), w
		},
		func() (string, string) {
			n := 2 + r.IntN(200)
			a := map[bool]string{true: "yes", false: "no"}[isPrime(n)]
			return pickf(r, []string{"Answer yes or no: is %d a prime number?", "Is %d prime? Yes or no."}, n), a
		},
		func() (string, string) {
			a, b := 2+r.IntN(50), 2+r.IntN(50)
			return pickf(r, []string{"What is %d + %d? Number only.", "Add %d and %d. Number only."}, a, b), fmt.Sprint(a + b)
		},
		func() (string, string) {
			a, b := 2+r.IntN(12), 2+r.IntN(12)
			return pickf(r, []string{"What is %d × %d? Number only.", "Multiply %d by %d. Number only."}, a, b), fmt.Sprint(a * b)
		},
		func() (string, string) {
			w := word(r, 1)
			return pickf(r, []string{"Spell the word %s backwards, lowercase, no spaces.", "Reverse the letters of %s."}, w), reverse(w)
		},
		func() (string, string) {
			a, b := r.IntN(1000), r.IntN(1000)
			for b == a {
				b = r.IntN(1000)
			}
			return pickf(r, []string{"Which is larger, %d or %d? Number only.", "Name the bigger number of %d and %d."}, a, b), fmt.Sprint(max(a, b))
		},
		func() (string, string) {
			c := byte('a' + r.IntN(25))
			return pickf(r, []string{"Which letter comes right after %q in the English alphabet? One letter.", "Name the letter that follows %q in the alphabet."}, string(c)), string(c + 1)
		},
	}
	var out []task
	for i := 0; i < 30; i++ {
		q, a := kinds[r.IntN(len(kinds))]()
		out = append(out, task{ID: fmt.Sprintf("cost-%02d", i+1), Category: "cost",
			Messages: []any{system(pick(r, "Be as brief as possible: reply with the answer only.", "Reply with the answer and nothing more.")), user(q)},
			Request:  opts(8), Expect: checks(exact(a)), Reference: content(a), Tags: []string{"short-answer"}})
	}
	return out
}

func (g *fresh) memory(r *rand.Rand) []task {
	distract := []struct{ q, a string }{
		{"Unrelated question: what is 7 times 8?", "56."},
		{"Quick one: how many sides does a hexagon have?", "Six."},
		{"Which planet is known as the Red Planet?", "Mars."},
		{"What is the chemical symbol for gold?", "Au."},
		{"Name the largest ocean on Earth.", "The Pacific."},
		{"What is the boiling point of water at sea level in °C?", "100."},
	}
	code := 1000 + r.IntN(9000)
	type fact struct{ tell, ack, ask, answer string }
	facts := []fact{
		{pickf(r, []string{"Please remember this for later: my locker code is %d.", "Keep this in mind: the code for my locker is %d."}, code), "Noted.",
			"Back to what I told you at the start: what is my locker code? Reply with the number only.", fmt.Sprint(code)},
		{pickf(r, []string{"By the way, my dog is called %s.", "Fun fact: I named my dog %s."}, name(r)), "What a lovely name for a dog!",
			"What is my dog called? Reply with the name only.", ""},
		{pickf(r, []string{"For future reference, my favourite colour is %s.", "My favourite colour, if you need it later, is %s."}, pick(r, "teal", "maroon", "saffron", "indigo", "olive", "coral", "lilac", "amber", "crimson", "jade", "ochre", "cyan")), "Got it.",
			"Which colour did I say is my favourite? Reply with the colour only.", ""},
		{pickf(r, []string{"Some context about me: I live in %s.", "A bit about me: my home town is %s."}, place(r)), "Thanks for telling me.",
			"In which town do I live? Reply with the town name only.", ""},
		{pickf(r, []string{"Remember that my current project is code-named %s.", "My current project goes by the code name %s."}, name(r)), "I'll keep that in mind.",
			"What is my project's code name? Reply with the code name only.", ""},
	}
	var out []task
	for i, f := range facts {
		chk := number(float64(code))
		if f.answer == "" {
			f.answer = lastWord(f.tell)
			chk = exact(f.answer)
		}
		ds := r.Perm(len(distract))
		d1, d2 := distract[ds[0]], distract[ds[1]]
		msgs := []any{user(f.tell), assistant(f.ack), user(d1.q), assistant(d1.a), user(d2.q), assistant(d2.a), user(f.ask)}
		out = append(out, task{ID: fmt.Sprintf("memory-%02d", i+1), Category: "quality/memory", Messages: msgs, Request: opts(16),
			Expect: checks(chk), Reference: content(f.answer), Tags: []string{"memory", "multi-turn"}})
	}
	return out
}
