package suitegen

import "fmt"

// codeTask is a programming task: the prompt names the function and shows
// one example; hidden tests (never shown to the target) check edge cases.
type codeTask struct {
	id, lang, prompt, ref, tests string
}

var codeTasks = []codeTask{
	{"js-fizz", "javascript", "Write a JavaScript function fizz(n) that returns \"FizzBuzz\" when n is divisible by 15, \"Fizz\" when divisible by 3, \"Buzz\" when divisible by 5, and otherwise n as a string. Example: fizz(9) === \"Fizz\".",
		"function fizz(n) {\n  if (n % 15 === 0) return \"FizzBuzz\";\n  if (n % 3 === 0) return \"Fizz\";\n  if (n % 5 === 0) return \"Buzz\";\n  return String(n);\n}",
		`assertEqual(fizz(9), "Fizz"); assertEqual(fizz(10), "Buzz"); assertEqual(fizz(30), "FizzBuzz"); assertEqual(fizz(7), "7"); assertEqual(fizz(0), "FizzBuzz");`},
	{"js-palindrome", "javascript", "Write a JavaScript function isPalindrome(s) that returns true when s reads the same backwards, ignoring case and any character that is not a letter or digit. Example: isPalindrome(\"Race car\") === true.",
		"function isPalindrome(s) {\n  const t = s.toLowerCase().replace(/[^a-z0-9]/g, \"\");\n  return t === t.split(\"\").reverse().join(\"\");\n}",
		`assert(isPalindrome("Race car")); assert(isPalindrome("A man, a plan, a canal: Panama")); assert(!isPalindrome("abca")); assert(isPalindrome("")); assert(isPalindrome("1221"));`},
	{"js-sumdigits", "javascript", "Write a JavaScript function sumDigits(n) that returns the sum of the decimal digits of a non-negative integer n. Example: sumDigits(123) === 6.",
		"function sumDigits(n) {\n  return String(n).split(\"\").reduce((s, d) => s + Number(d), 0);\n}",
		`assertEqual(sumDigits(123), 6); assertEqual(sumDigits(0), 0); assertEqual(sumDigits(9999), 36); assertEqual(sumDigits(1000001), 2);`},
	{"js-unique", "javascript", "Write a JavaScript function uniqueSorted(arr) that returns the distinct numbers of arr in ascending numeric order. Example: uniqueSorted([3, 1, 3]) gives [1, 3].",
		"function uniqueSorted(arr) {\n  return [...new Set(arr)].sort((a, b) => a - b);\n}",
		`assertEqual(JSON.stringify(uniqueSorted([3, 1, 3])), "[1,3]"); assertEqual(JSON.stringify(uniqueSorted([10, 9, 100, 9])), "[9,10,100]"); assertEqual(JSON.stringify(uniqueSorted([])), "[]"); assertEqual(JSON.stringify(uniqueSorted([-1, -5, 0])), "[-5,-1,0]");`},
	{"js-capitalize", "javascript", "Write a JavaScript function capitalize(s) that upper-cases the first letter of every space-separated word and leaves the rest unchanged. Example: capitalize(\"hello world\") === \"Hello World\".",
		"function capitalize(s) {\n  return s.split(\" \").map(w => w ? w[0].toUpperCase() + w.slice(1) : w).join(\" \");\n}",
		`assertEqual(capitalize("hello world"), "Hello World"); assertEqual(capitalize("a"), "A"); assertEqual(capitalize(""), ""); assertEqual(capitalize("two  spaces"), "Two  Spaces"); assertEqual(capitalize("mIxed case"), "MIxed Case");`},
	{"js-vowels", "javascript", "Write a JavaScript function countVowels(s) that counts the letters a, e, i, o and u in s, in either case. Example: countVowels(\"Apple\") === 2.",
		"function countVowels(s) {\n  return (s.match(/[aeiou]/gi) || []).length;\n}",
		`assertEqual(countVowels("Apple"), 2); assertEqual(countVowels(""), 0); assertEqual(countVowels("rhythm"), 0); assertEqual(countVowels("AEIOU aeiou"), 10);`},
	{"js-fib", "javascript", "Write a JavaScript function fib(n) that returns the n-th Fibonacci number with fib(0) = 0 and fib(1) = 1. It must handle n up to 70 exactly. Example: fib(10) === 55.",
		"function fib(n) {\n  let a = 0, b = 1;\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b];\n  return a;\n}",
		`assertEqual(fib(0), 0); assertEqual(fib(1), 1); assertEqual(fib(10), 55); assertEqual(fib(50), 12586269025); assertEqual(fib(70), 190392490709135);`},
	{"js-gcd", "javascript", "Write a JavaScript function gcd(a, b) that returns the greatest common divisor of two non-negative integers (gcd(0, 0) is 0). Example: gcd(12, 18) === 6.",
		"function gcd(a, b) {\n  while (b) [a, b] = [b, a % b];\n  return a;\n}",
		`assertEqual(gcd(12, 18), 6); assertEqual(gcd(17, 5), 1); assertEqual(gcd(0, 9), 9); assertEqual(gcd(0, 0), 0); assertEqual(gcd(1071, 462), 21);`},
	{"js-flatten", "javascript", "Write a JavaScript function flatten(arr) that flattens arbitrarily nested arrays into one array, keeping order. Example: flatten([1, [2, [3]]]) gives [1, 2, 3].",
		"function flatten(arr) {\n  return arr.reduce((out, x) => out.concat(Array.isArray(x) ? flatten(x) : [x]), []);\n}",
		`assertEqual(JSON.stringify(flatten([1, [2, [3]]])), "[1,2,3]"); assertEqual(JSON.stringify(flatten([])), "[]"); assertEqual(JSON.stringify(flatten([[[]]])), "[]"); assertEqual(JSON.stringify(flatten([[1, 2], 3, [[4], [5, [6]]]])), "[1,2,3,4,5,6]");`},
	{"js-chunk", "javascript", "Write a JavaScript function chunk(arr, size) that splits arr into consecutive pieces of length size (the last may be shorter). Example: chunk([1, 2, 3], 2) gives [[1, 2], [3]].",
		"function chunk(arr, size) {\n  const out = [];\n  for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));\n  return out;\n}",
		`assertEqual(JSON.stringify(chunk([1, 2, 3], 2)), "[[1,2],[3]]"); assertEqual(JSON.stringify(chunk([], 3)), "[]"); assertEqual(JSON.stringify(chunk([1, 2, 3, 4], 4)), "[[1,2,3,4]]"); assertEqual(JSON.stringify(chunk([1, 2, 3, 4, 5], 1)), "[[1],[2],[3],[4],[5]]");`},
	{"go-reverse", "go", "Write a Go function `func Reverse(s string) string` that reverses s by Unicode code points. Example: Reverse(\"abc\") == \"cba\".",
		"func Reverse(s string) string {\n\tr := []rune(s)\n\tfor i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {\n\t\tr[i], r[j] = r[j], r[i]\n\t}\n\treturn string(r)\n}",
		"func main() {\n\tif Reverse(\"abc\") != \"cba\" || Reverse(\"\") != \"\" || Reverse(\"héllo\") != \"olléh\" || Reverse(\"日本\") != \"本日\" {\n\t\tpanic(\"Reverse is wrong\")\n\t}\n}\n"},
	{"go-isprime", "go", "Write a Go function `func IsPrime(n int) bool` that reports whether n is a prime number. Example: IsPrime(7) == true.",
		"func IsPrime(n int) bool {\n\tif n < 2 {\n\t\treturn false\n\t}\n\tfor d := 2; d*d <= n; d++ {\n\t\tif n%d == 0 {\n\t\t\treturn false\n\t\t}\n\t}\n\treturn true\n}",
		"func main() {\n\tfor _, p := range []int{2, 3, 7, 97, 7919} {\n\t\tif !IsPrime(p) {\n\t\t\tpanic(\"prime rejected\")\n\t\t}\n\t}\n\tfor _, c := range []int{-7, 0, 1, 4, 91, 7917} {\n\t\tif IsPrime(c) {\n\t\t\tpanic(\"non-prime accepted\")\n\t\t}\n\t}\n}\n"},
	{"go-max", "go", "Write a Go function `func Max(xs []int) int` that returns the largest element of a non-empty slice. Example: Max([]int{3, 9, 2}) == 9.",
		"func Max(xs []int) int {\n\tm := xs[0]\n\tfor _, x := range xs[1:] {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}",
		"func main() {\n\tif Max([]int{3, 9, 2}) != 9 || Max([]int{-5, -2, -9}) != -2 || Max([]int{4}) != 4 {\n\t\tpanic(\"Max is wrong\")\n\t}\n}\n"},
	{"go-wordcount", "go", "Write a Go function `func WordCount(s string) int` that counts the words of s, where words are separated by any run of white space. Example: WordCount(\"a b  c\") == 3.",
		"func WordCount(s string) int {\n\tn, in := 0, false\n\tfor _, r := range s {\n\t\tspace := r == ' ' || r == '\\t' || r == '\\n' || r == '\\r'\n\t\tif !space && !in {\n\t\t\tn++\n\t\t}\n\t\tin = !space\n\t}\n\treturn n\n}",
		"func main() {\n\tif WordCount(\"a b  c\") != 3 || WordCount(\"\") != 0 || WordCount(\"   \") != 0 || WordCount(\"\\tone\\ntwo \") != 2 {\n\t\tpanic(\"WordCount is wrong\")\n\t}\n}\n"},
	{"go-factorial", "go", "Write a Go function `func Factorial(n int) int` that returns n! for 0 <= n <= 20. Example: Factorial(5) == 120.",
		"func Factorial(n int) int {\n\tf := 1\n\tfor i := 2; i <= n; i++ {\n\t\tf *= i\n\t}\n\treturn f\n}",
		"func main() {\n\tif Factorial(0) != 1 || Factorial(5) != 120 || Factorial(20) != 2432902008176640000 {\n\t\tpanic(\"Factorial is wrong\")\n\t}\n}\n"},
	{"go-countchar", "go", "Write a Go function `func CountChar(s string, c rune) int` that counts how often c occurs in s. Example: CountChar(\"banana\", 'a') == 3.",
		"func CountChar(s string, c rune) int {\n\tn := 0\n\tfor _, r := range s {\n\t\tif r == c {\n\t\t\tn++\n\t\t}\n\t}\n\treturn n\n}",
		"func main() {\n\tif CountChar(\"banana\", 'a') != 3 || CountChar(\"\", 'x') != 0 || CountChar(\"ééé\", 'é') != 3 || CountChar(\"Aa\", 'a') != 1 {\n\t\tpanic(\"CountChar is wrong\")\n\t}\n}\n"},
	{"go-sumeven", "go", "Write a Go function `func SumEven(xs []int) int` that sums the even numbers of xs. Example: SumEven([]int{1, 2, 4}) == 6.",
		"func SumEven(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\tif x%2 == 0 {\n\t\t\ts += x\n\t\t}\n\t}\n\treturn s\n}",
		"func main() {\n\tif SumEven([]int{1, 2, 4}) != 6 || SumEven(nil) != 0 || SumEven([]int{-2, -3, 5}) != -2 || SumEven([]int{1, 3}) != 0 {\n\t\tpanic(\"SumEven is wrong\")\n\t}\n}\n"},
	{"go-contains", "go", "Write a Go function `func Contains(xs []string, s string) bool` that reports whether s is an element of xs. Example: Contains([]string{\"a\", \"b\"}, \"b\") == true.",
		"func Contains(xs []string, s string) bool {\n\tfor _, x := range xs {\n\t\tif x == s {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}",
		"func main() {\n\tif !Contains([]string{\"a\", \"b\"}, \"b\") || Contains(nil, \"\") || Contains([]string{\"ab\"}, \"a\") || !Contains([]string{\"\"}, \"\") {\n\t\tpanic(\"Contains is wrong\")\n\t}\n}\n"},
	{"go-clamp", "go", "Write a Go function `func Clamp(x, lo, hi int) int` that limits x to the range [lo, hi]. Example: Clamp(15, 0, 10) == 10.",
		"func Clamp(x, lo, hi int) int {\n\tif x < lo {\n\t\treturn lo\n\t}\n\tif x > hi {\n\t\treturn hi\n\t}\n\treturn x\n}",
		"func main() {\n\tif Clamp(15, 0, 10) != 10 || Clamp(-3, 0, 10) != 0 || Clamp(5, 0, 10) != 5 || Clamp(0, 0, 0) != 0 {\n\t\tpanic(\"Clamp is wrong\")\n\t}\n}\n"},
	{"go-abs", "go", "Write a Go function `func Abs(x int) int` that returns the absolute value of x. Example: Abs(-4) == 4.",
		"func Abs(x int) int {\n\tif x < 0 {\n\t\treturn -x\n\t}\n\treturn x\n}",
		"func main() {\n\tif Abs(-4) != 4 || Abs(0) != 0 || Abs(9) != 9 || Abs(-1000000) != 1000000 {\n\t\tpanic(\"Abs is wrong\")\n\t}\n}\n"},
}

func codeTasksGen() []task {
	var out []task
	for _, c := range codeTasks {
		lang := map[string]string{"javascript": "JavaScript", "go": "Go"}[c.lang]
		out = append(out, task{ID: "code-" + c.id, Category: "quality/code",
			Messages:  []any{user(c.prompt + fmt.Sprintf(" Reply with the %s code only, in one fenced code block.", lang))},
			Request:   opts(400),
			Expect:    checks(map[string]any{"type": "code", "language": c.lang, "tests": c.tests}),
			Reference: content("```" + c.lang + "\n" + c.ref + "\n```"), Tags: []string{c.lang}})
	}
	return out
}
