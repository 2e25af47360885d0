package suitegen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// codeSpec is one generated programming task: a function whose behaviour
// depends on parameters drawn from the seed (divisors, a base, letters, a
// shift, words), its reference in both languages, and hidden test cases
// computed in Go from the same parameters.
type codeSpec struct {
	// desc describes the function; %s is where its name goes.
	desc string
	// sig is the Go signature with %s for the name; jsArgs the JS
	// parameter list.
	sig, jsArgs string
	// jsBody and goBody are the reference bodies.
	jsBody, goBody string
	// cases are (argument list, expected result) literals valid in both
	// languages.
	cases [][2]string
}

var codeVerbs = []string{"tally", "score", "fold", "mark", "weigh", "shape", "grade", "sift", "rank", "count"}

func q(s string) string { return strconv.Quote(s) }

func (g *fresh) code(r *rand.Rand) []task {
	makers := []func(*rand.Rand) codeSpec{fizzSpec, sumMultiplesSpec, digitSumSpec, countLettersSpec, polySpec, caesarSpec, clampSpec, repeatSpec}
	var out []task
	for i := 0; i < 20; i++ {
		lang := "javascript"
		if i%2 == 1 {
			lang = "go"
		}
		spec := makers[r.IntN(len(makers))](r)
		base := pick(r, codeVerbs...) + title(word(r, 1+r.IntN(2)))
		fname := base
		if lang == "go" {
			fname = title(base)
		}
		ex := spec.cases[0]
		var prompt, ref, tests string
		if lang == "javascript" {
			prompt = fmt.Sprintf("Write a JavaScript function %s(%s) that %s. Example: %s(%s) === %s.", fname, spec.jsArgs, fmt.Sprintf(spec.desc, fname), fname, ex[0], ex[1])
			ref = fmt.Sprintf("function %s(%s) {\n%s\n}", fname, spec.jsArgs, spec.jsBody)
			var b strings.Builder
			for _, c := range spec.cases {
				fmt.Fprintf(&b, "assertEqual(%s(%s), %s); ", fname, c[0], c[1])
			}
			tests = strings.TrimSpace(b.String())
		} else {
			sig := fmt.Sprintf(spec.sig, fname)
			prompt = fmt.Sprintf("Write a Go function `func %s` that %s. Example: %s(%s) == %s.", sig, fmt.Sprintf(spec.desc, fname), fname, ex[0], ex[1])
			ref = fmt.Sprintf("func %s {\n%s\n}", sig, spec.goBody)
			var b strings.Builder
			b.WriteString("func main() {\n")
			for _, c := range spec.cases {
				fmt.Fprintf(&b, "\tif got := %s(%s); got != %s {\n\t\tpanic(%q)\n\t}\n", fname, c[0], c[1], fname+"("+c[0]+") is wrong")
			}
			b.WriteString("}\n")
			tests = b.String()
		}
		label := map[string]string{"javascript": "JavaScript", "go": "Go"}[lang]
		out = append(out, task{ID: fmt.Sprintf("code-%02d", i+1), Category: "quality/code",
			Messages:  []any{user(prompt + pickf(r, []string{" Reply with the %s code only, in one fenced code block.", " Answer with only the %s code in a single fenced block."}, label))},
			Request:   opts(400),
			Expect:    checks(map[string]any{"type": "code", "language": lang, "tests": tests}),
			Reference: content("```" + lang + "\n" + ref + "\n```"), Tags: []string{lang}})
	}
	return out
}

func fizzSpec(r *rand.Rand) codeSpec {
	ab := r.Perm(6)
	a, b := ab[0]+2, ab[1]+2
	w1, w2 := title(word(r, 1)), title(word(r, 1))
	f := func(n int) string {
		switch {
		case n%a == 0 && n%b == 0:
			return w1 + w2
		case n%a == 0:
			return w1
		case n%b == 0:
			return w2
		}
		return strconv.Itoa(n)
	}
	s := codeSpec{
		desc: fmt.Sprintf("returns %q when n is divisible by both %d and %d, %q when divisible by %d only, %q when divisible by %d only, and otherwise n as a decimal string",
			w1+w2, a, b, w1, a, w2, b),
		sig: "%s(n int) string", jsArgs: "n",
		jsBody: fmt.Sprintf("  if (n %% %d === 0 && n %% %d === 0) return %q;\n  if (n %% %d === 0) return %q;\n  if (n %% %d === 0) return %q;\n  return String(n);", a, b, w1+w2, a, w1, b, w2),
		goBody: fmt.Sprintf("\tswitch {\n\tcase n%%%d == 0 && n%%%d == 0:\n\t\treturn %q\n\tcase n%%%d == 0:\n\t\treturn %q\n\tcase n%%%d == 0:\n\t\treturn %q\n\t}\n", a, b, w1+w2, a, w1, b, w2) +
			"\ts := \"\"\n\tfor {\n\t\ts = string(rune('0'+n%10)) + s\n\t\tn /= 10\n\t\tif n == 0 {\n\t\t\treturn s\n\t\t}\n\t}",
	}
	for _, n := range []int{a * (1 + r.IntN(5)), b * (1 + r.IntN(5)), a * b * (1 + r.IntN(3)), 1 + r.IntN(100), 0, 1} {
		s.cases = append(s.cases, [2]string{strconv.Itoa(n), q(f(n))})
	}
	return s
}

func sumMultiplesSpec(r *rand.Rand) codeSpec {
	ab := r.Perm(7)
	a, b := ab[0]+2, ab[1]+2
	f := func(n int) int {
		s := 0
		for k := 1; k <= n; k++ {
			if k%a == 0 || k%b == 0 {
				s += k
			}
		}
		return s
	}
	s := codeSpec{desc: fmt.Sprintf("returns the sum of every integer k with 1 <= k <= n that is divisible by %d or by %d (0 when n < 1)", a, b),
		sig: "%s(n int) int", jsArgs: "n",
		jsBody: fmt.Sprintf("  let s = 0;\n  for (let k = 1; k <= n; k++) if (k %% %d === 0 || k %% %d === 0) s += k;\n  return s;", a, b),
		goBody: fmt.Sprintf("\ts := 0\n\tfor k := 1; k <= n; k++ {\n\t\tif k%%%d == 0 || k%%%d == 0 {\n\t\t\ts += k\n\t\t}\n\t}\n\treturn s", a, b)}
	for _, n := range []int{10 + r.IntN(20), 0, a, 100 + r.IntN(900), -5} {
		s.cases = append(s.cases, [2]string{strconv.Itoa(n), strconv.Itoa(f(n))})
	}
	return s
}

func digitSumSpec(r *rand.Rand) codeSpec {
	base := 2 + r.IntN(8)
	f := func(n int) int {
		s := 0
		for n > 0 {
			s += n % base
			n /= base
		}
		return s
	}
	s := codeSpec{desc: fmt.Sprintf("returns the sum of the digits of the non-negative integer n written in base %d", base),
		sig: "%s(n int) int", jsArgs: "n",
		jsBody: fmt.Sprintf("  let s = 0;\n  while (n > 0) { s += n %% %d; n = Math.floor(n / %d); }\n  return s;", base, base),
		goBody: fmt.Sprintf("\ts := 0\n\tfor n > 0 {\n\t\ts += n %% %d\n\t\tn /= %d\n\t}\n\treturn s", base, base)}
	for _, n := range []int{10 + r.IntN(90), 0, base, base*base - 1, 1000 + r.IntN(100000)} {
		s.cases = append(s.cases, [2]string{strconv.Itoa(n), strconv.Itoa(f(n))})
	}
	return s
}

func countLettersSpec(r *rand.Rand) codeSpec {
	letters := r.Perm(26)[:3]
	set := ""
	for _, l := range letters {
		set += string(rune('a' + l))
	}
	f := func(s string) int {
		n := 0
		for _, c := range s {
			if strings.ContainsRune(set, c) {
				n++
			}
		}
		return n
	}
	s := codeSpec{desc: fmt.Sprintf("counts how many characters of s are one of the lowercase letters %q, %q or %q (upper case does not count)", set[0:1], set[1:2], set[2:3]),
		sig: "%s(s string) int", jsArgs: "s",
		jsBody: fmt.Sprintf("  let n = 0;\n  for (const c of s) if (%q.includes(c)) n++;\n  return n;", set),
		goBody: fmt.Sprintf("\tn := 0\n\tfor _, c := range s {\n\t\tswitch c {\n\t\tcase %q, %q, %q:\n\t\t\tn++\n\t\t}\n\t}\n\treturn n", rune(set[0]), rune(set[1]), rune(set[2]))}
	inputs := []string{set + word(r, 3), "", strings.ToUpper(set), word(r, 4) + " " + word(r, 3), strings.Repeat(set[1:2], 3+r.IntN(5))}
	for _, in := range inputs {
		s.cases = append(s.cases, [2]string{q(in), strconv.Itoa(f(in))})
	}
	return s
}

func polySpec(r *rand.Rand) codeSpec {
	a, b, c := 1+r.IntN(5), r.IntN(19)-9, r.IntN(41)-20
	f := func(n int) int { return a*n*n + b*n + c }
	s := codeSpec{desc: fmt.Sprintf("returns %d·n² + (%d)·n + (%d) for an integer n", a, b, c),
		sig: "%s(n int) int", jsArgs: "n",
		jsBody: fmt.Sprintf("  return %d * n * n + (%d) * n + (%d);", a, b, c),
		goBody: fmt.Sprintf("\treturn %d*n*n + (%d)*n + (%d)", a, b, c)}
	for _, n := range []int{1 + r.IntN(9), 0, -(1 + r.IntN(9)), 100 + r.IntN(900)} {
		s.cases = append(s.cases, [2]string{strconv.Itoa(n), strconv.Itoa(f(n))})
	}
	return s
}

func caesarSpec(r *rand.Rand) codeSpec {
	k := 1 + r.IntN(25)
	f := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 'a' && c <= 'z' {
				b[i] = 'a' + (c-'a'+byte(k))%26
			}
		}
		return string(b)
	}
	s := codeSpec{desc: fmt.Sprintf("shifts every lowercase ASCII letter of s forward by %d places in the alphabet, wrapping from z to a, and leaves every other character unchanged", k),
		sig: "%s(s string) string", jsArgs: "s",
		jsBody: fmt.Sprintf("  return s.replace(/[a-z]/g, c => String.fromCharCode(97 + (c.charCodeAt(0) - 97 + %d) %% 26));", k),
		goBody: fmt.Sprintf("\tb := []byte(s)\n\tfor i, c := range b {\n\t\tif c >= 'a' && c <= 'z' {\n\t\t\tb[i] = 'a' + (c-'a'+%d)%%26\n\t\t}\n\t}\n\treturn string(b)", k)}
	for _, in := range []string{word(r, 2), "", "xyz", word(r, 1) + " " + strings.ToUpper(word(r, 1)) + "!", "zz9"} {
		s.cases = append(s.cases, [2]string{q(in), q(f(in))})
	}
	return s
}

func clampSpec(r *rand.Rand) codeSpec {
	a, b := 2+r.IntN(6), r.IntN(21)-10
	lo := -(10 + r.IntN(50))
	hi := 10 + r.IntN(90)
	f := func(x int) int { return min(max(a*x+b, lo), hi) }
	s := codeSpec{desc: fmt.Sprintf("returns %d·x + (%d) limited to the range [%d, %d] (values below %d become %d, values above %d become %d)", a, b, lo, hi, lo, lo, hi, hi),
		sig: "%s(x int) int", jsArgs: "x",
		jsBody: fmt.Sprintf("  return Math.min(Math.max(%d * x + (%d), %d), %d);", a, b, lo, hi),
		goBody: fmt.Sprintf("\tv := %d*x + (%d)\n\tif v < %d {\n\t\treturn %d\n\t}\n\tif v > %d {\n\t\treturn %d\n\t}\n\treturn v", a, b, lo, lo, hi, hi)}
	for _, x := range []int{1 + r.IntN(5), -1000, 1000, 0, (hi - b) / a, (lo - b) / a} {
		s.cases = append(s.cases, [2]string{strconv.Itoa(x), strconv.Itoa(f(x))})
	}
	return s
}

func repeatSpec(r *rand.Rand) codeSpec {
	sep := pick(r, "-", "+", "::", "/", "|", "~")
	f := func(s string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = s
		}
		return strings.Join(parts, sep)
	}
	s := codeSpec{desc: fmt.Sprintf("returns s repeated n times with %q between the copies (the empty string when n is 0)", sep),
		sig: "%s(s string, n int) string", jsArgs: "s, n",
		jsBody: fmt.Sprintf("  return Array(n).fill(s).join(%q);", sep),
		goBody: fmt.Sprintf("\tout := \"\"\n\tfor i := 0; i < n; i++ {\n\t\tif i > 0 {\n\t\t\tout += %q\n\t\t}\n\t\tout += s\n\t}\n\treturn out", sep)}
	for _, c := range []struct {
		s string
		n int
	}{{word(r, 1), 2 + r.IntN(3)}, {word(r, 2), 0}, {"", 3}, {word(r, 1), 1}} {
		s.cases = append(s.cases, [2]string{q(c.s) + ", " + strconv.Itoa(c.n), q(f(c.s, c.n))})
	}
	return s
}
