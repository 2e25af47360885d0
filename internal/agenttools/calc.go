package agenttools

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Calculator limits: an expression is data from a model or a user, so its
// size and nesting are bounded before anything is evaluated.
const (
	maxExprLen   = 2000
	maxExprDepth = 100
)

// Calc evaluates an arithmetic expression: numbers (1, 2.5, 1e-3, 1_000
// is not accepted), + - * / % and ^ (right associative power), unary
// signs, parentheses, the constants pi and e, and the functions sqrt, abs,
// exp, ln, log (natural), log10, log2, sin, cos, tan, asin, acos, atan,
// floor, ceil, round, min, max, pow. It never panics; errors say where
// parsing stopped. Results that are not finite (1/0, sqrt(-1)) are errors.
func Calc(expr string) (float64, error) {
	if len(expr) > maxExprLen {
		return 0, fmt.Errorf("expression is %d bytes; the limit is %d", len(expr), maxExprLen)
	}
	p := &parser{s: expr}
	v, err := p.expr(0)
	if err != nil {
		return 0, err
	}
	p.space()
	if p.i < len(p.s) {
		return 0, fmt.Errorf("unexpected %q at offset %d", p.s[p.i:p.i+1], p.i)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("result is not a finite number")
	}
	return v, nil
}

// FormatNumber prints v the way a person writes it: integers without a
// decimal point, other values with up to 12 significant digits.
func FormatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 12, 64)
}

type parser struct {
	s     string
	i     int
	depth int
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// binary operator precedence; ^ binds tightest and is right associative.
func prec(op byte) int {
	switch op {
	case '+', '-':
		return 1
	case '*', '/', '%':
		return 2
	case '^':
		return 3
	}
	return 0
}

// expr parses operators of precedence above min (precedence climbing).
func (p *parser) expr(min int) (float64, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return 0, fmt.Errorf("expression nested deeper than %d at offset %d", maxExprDepth, p.i)
	}
	lhs, err := p.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		pr := prec(op)
		if pr == 0 || pr <= min {
			return lhs, nil
		}
		p.i++
		next := pr
		if op == '^' {
			next = pr - 1 // right associative
		}
		rhs, err := p.expr(next)
		if err != nil {
			return 0, err
		}
		switch op {
		case '+':
			lhs += rhs
		case '-':
			lhs -= rhs
		case '*':
			lhs *= rhs
		case '/':
			if rhs == 0 {
				return 0, errors.New("division by zero")
			}
			lhs /= rhs
		case '%':
			if rhs == 0 {
				return 0, errors.New("modulo by zero")
			}
			lhs = math.Mod(lhs, rhs)
		case '^':
			lhs = math.Pow(lhs, rhs)
		}
	}
}

func (p *parser) unary() (float64, error) {
	switch p.peek() {
	case '-':
		p.i++
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxExprDepth {
			return 0, fmt.Errorf("expression nested deeper than %d at offset %d", maxExprDepth, p.i)
		}
		// -2^2 is -(2^2), as in mathematics.
		v, err := p.expr(prec('*'))
		return -v, err
	case '+':
		p.i++
		return p.unary()
	}
	return p.primary()
}

func (p *parser) primary() (float64, error) {
	c := p.peek()
	switch {
	case c == 0:
		return 0, fmt.Errorf("expression ends early at offset %d", p.i)
	case c == '(':
		p.i++
		v, err := p.expr(0)
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, fmt.Errorf("missing ) at offset %d", p.i)
		}
		p.i++
		return v, nil
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case isLetter(c):
		return p.ident()
	}
	return 0, fmt.Errorf("unexpected %q at offset %d", string(c), p.i)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func (p *parser) number() (float64, error) {
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.') {
		p.i++
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		j := p.i + 1
		if j < len(p.s) && (p.s[j] == '+' || p.s[j] == '-') {
			j++
		}
		if j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
				j++
			}
			p.i = j
		}
	}
	v, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q at offset %d", p.s[start:p.i], start)
	}
	return v, nil
}

var funcs1 = map[string]func(float64) float64{
	"sqrt": math.Sqrt, "abs": math.Abs, "exp": math.Exp, "ln": math.Log, "log": math.Log,
	"log10": math.Log10, "log2": math.Log2, "sin": math.Sin, "cos": math.Cos, "tan": math.Tan,
	"asin": math.Asin, "acos": math.Acos, "atan": math.Atan, "floor": math.Floor, "ceil": math.Ceil,
	"round": math.Round,
}

var funcs2 = map[string]func(a, b float64) float64{"min": math.Min, "max": math.Max, "pow": math.Pow}

func (p *parser) ident() (float64, error) {
	start := p.i
	for p.i < len(p.s) && (isLetter(p.s[p.i]) || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
		p.i++
	}
	name := strings.ToLower(p.s[start:p.i])
	switch name {
	case "pi":
		return math.Pi, nil
	case "e":
		return math.E, nil
	}
	f1, ok1 := funcs1[name]
	f2, ok2 := funcs2[name]
	if !ok1 && !ok2 {
		return 0, fmt.Errorf("unknown name %q at offset %d", name, start)
	}
	if p.peek() != '(' {
		return 0, fmt.Errorf("%s needs ( at offset %d", name, p.i)
	}
	p.i++
	var args []float64
	for {
		v, err := p.expr(0)
		if err != nil {
			return 0, err
		}
		args = append(args, v)
		if p.peek() == ',' {
			p.i++
			continue
		}
		break
	}
	if p.peek() != ')' {
		return 0, fmt.Errorf("missing ) after %s arguments at offset %d", name, p.i)
	}
	p.i++
	switch {
	case ok1 && len(args) == 1:
		return f1(args[0]), nil
	case ok2 && len(args) == 2:
		return f2(args[0], args[1]), nil
	}
	return 0, fmt.Errorf("%s takes %d argument(s), got %d", name, map[bool]int{true: 1, false: 2}[ok1], len(args))
}
