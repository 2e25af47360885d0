package agenttools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/coderun"
)

func TestCalc(t *testing.T) {
	cases := []struct {
		expr string
		want float64
		err  string
	}{
		{"1+2*3", 7, ""},                 // precedence
		{"(1+2)*3", 9, ""},               // parentheses
		{"2^3^2", 512, ""},               // ^ is right associative
		{"-2^2", -4, ""},                 // unary minus binds looser than ^
		{"17*23 + sqrt(16)", 395, ""},    // function call
		{"max(3, 9) - min(4,1)", 8, ""},  // two-argument functions
		{"10 % 4", 2, ""},                // modulo
		{"1.5e3 / 3", 500, ""},           // exponent notation
		{"pi", math.Pi, ""},              // constant
		{"ln(e)", 1, ""},                 // natural log
		{" +5 ", 5, ""},                  // unary plus and spaces
		{"1/0", 0, "division by zero"},   // no infinities
		{"sqrt(-1)", 0, "not a finite"},  // NaN is an error
		{"2+", 0, "ends early"},          // truncated
		{"(1", 0, "missing )"},           // unbalanced
		{"foo(1)", 0, "unknown name"},    // unknown function
		{"1 2", 0, "unexpected"},         // two numbers
		{"sqrt(1,2)", 0, "argument"},     // arity
		{"import os", 0, "unknown name"}, // no code, only arithmetic
		{strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500), 0, "nested deeper"}, // depth bound
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := Calc(tc.expr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("Calc(%q) err = %v, want %q", tc.expr, err, tc.err)
				}
				return
			}
			if err != nil || math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Calc(%q) = %v, %v; want %v", tc.expr, got, err, tc.want)
			}
		})
	}
	if s := FormatNumber(395); s != "395" {
		t.Errorf("FormatNumber(395) = %q", s)
	}
	if s := FormatNumber(0.1 + 0.2); s != "0.3" {
		t.Errorf("FormatNumber(0.1+0.2) = %q", s)
	}
}

func FuzzCalc(f *testing.F) {
	for _, s := range []string{"1+2", "2^3^2", "sqrt(max(1,2))", "((((", "-1e308*10", "1e", ".", "pow(2,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Calc(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("Calc(%q) = %v without error", s, v)
		}
	})
}

func call(t *testing.T, r *Registry, name, args string) (Result, error) {
	t.Helper()
	return r.Call(context.Background(), &Env{}, name, json.RawMessage(args))
}

func TestTools(t *testing.T) {
	r := Default()
	cases := []struct {
		name, args, want, err string
		files                 int
	}{
		// Calculator answers with a plain number.
		{NameCalculator, `{"expression":"12*12"}`, "144", "", 0},
		// A bad expression is an error for the model, not a panic.
		{NameCalculator, `{"expression":"12*"}`, "", "ends early", 0},
		// Malformed arguments name the problem.
		{NameCalculator, `[1]`, "", "arguments", 0},
		// Search finds the embedded BM25 page.
		{NameSearch, `{"query":"bm25 ranking"}`, "docs.janus.local/bm25", "", 0},
		// Fetch by URL returns the text.
		{NameFetch, `{"url":"https://docs.janus.local/speed-of-light"}`, "299,792,458", "", 0},
		// Fetch outside the corpus fails clearly.
		{NameFetch, `{"url":"https://example.com"}`, "", "not in the local corpus", 0},
		// write_file produces one file artifact with a safe name.
		{NameWriteFile, `{"name":"../../etc/out.csv","content":"a,b\n1,2\n"}`, "wrote out.csv", "", 1},
		// A chart from explicit values.
		{NameImage, `{"kind":"bar","title":"t","labels":["a","b"],"values":[1,3]}`, "bar chart of 2", "", 1},
		// A diagram inferred from the prompt.
		{NameImage, `{"prompt":"diagram: client -> gateway -> competitor"}`, "3 boxes", "", 1},
		// A chart with nothing to plot.
		{NameImage, `{"kind":"bar"}`, "", "no values", 0},
		// A picture request with nothing to chart: a card, said plainly.
		{NameImage, `{"prompt":"a cat on a sofa"}`, "placeholder card", "", 1},
		// Unknown tool.
		{"nope", `{}`, "", "unknown tool", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := call(t, r, tc.name, tc.args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%s %s: err %v, want %q", tc.name, tc.args, err, tc.err)
				}
				return
			}
			if err != nil || !strings.Contains(res.Output, tc.want) || len(res.Files) != tc.files {
				t.Errorf("%s %s: %q, %d files, %v; want %q", tc.name, tc.args, res.Output, len(res.Files), err, tc.want)
			}
		})
	}
	res, _ := call(t, r, NameWriteFile, `{"name":"data.csv","content":"x"}`)
	if f := res.Files[0]; f.Name != "data.csv" || f.Type != "dataset" || !strings.HasPrefix(f.MimeType, "text/csv") {
		t.Errorf("csv file %+v", f)
	}
	res, _ = call(t, r, NameImage, `{"prompt":"sales: north 10, south 25, east 5"}`)
	if len(res.Files) != 1 {
		t.Fatal("no image")
	}
	img, err := png.Decode(bytes.NewReader(res.Files[0].Data))
	if err != nil || img.Bounds().Dx() != imgW {
		t.Fatalf("image does not decode: %v", err)
	}
	// Deterministic: the same spec gives the same bytes.
	res2, _ := call(t, r, NameImage, `{"prompt":"sales: north 10, south 25, east 5"}`)
	if !bytes.Equal(res.Files[0].Data, res2.Files[0].Data) {
		t.Error("image not deterministic")
	}
	if len(r.Specs()) != 6 {
		t.Errorf("%d specs", len(r.Specs()))
	}
}

func TestPanicRecovered(t *testing.T) {
	r := Default().With(Tool{Name: "boom", Run: func(context.Context, *Env, json.RawMessage) (Result, error) {
		panic("kaboom")
	}})
	_, err := call(t, r, "boom", `{}`)
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "kaboom" || pe.Stack == "" {
		t.Fatalf("err = %v", err)
	}
}

func TestRunCode(t *testing.T) {
	r := Default()
	cases := []struct {
		args, want string
	}{
		// JavaScript on goja prints through console.log.
		{`{"language":"javascript","code":"console.log(6*7)"}`, "42"},
		// Go: the program's own main runs (GoMainAlias matches coderun).
		{`{"language":"go","code":"package main\nimport \"fmt\"\nfunc main(){ fmt.Println(\"hi from go\") }"}`, "hi from go"},
		// A compile error is reported, not raised.
		{`{"language":"javascript","code":"console.log("}`, "status: failed"},
	}
	for _, tc := range cases {
		t.Run(tc.args, func(t *testing.T) {
			res, err := r.Call(context.Background(), &Env{Limits: coderun.Limits{Wall: 20e9, CPU: 10e9, Memory: 512 << 20}}, NameRunCode, json.RawMessage(tc.args))
			if err != nil || !strings.Contains(res.Output, tc.want) {
				t.Errorf("%s: %q %v; want %q", tc.args, res.Output, err, tc.want)
			}
			if res.Sandbox <= 0 {
				t.Errorf("%s: sandbox time not measured", tc.args)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd": "passwd",       // path traversal stripped
		".bashrc":          "bashrc",       // no hidden files
		"my report.md":     "my_report.md", // spaces
		"":                 "file.txt",     // never empty
		`C:\x\y.txt`:       "y.txt",        // windows paths
	} {
		t.Run(in, func(t *testing.T) {
			if got := SafeName(in); got != want {
				t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
