package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// TestRunGatesAfterWritingEveryReport runs the embedded target with every
// extra output and three gates. Quality is 100 (the sim answers with the
// references) so its gate passes; streaming is below 100 by construction
// (the first token's wait is part of e2e, so continuity's coverage is < 1),
// and so is the composite: exactly those two gates fail, one line each,
// and only after every report is on disk.
func TestRunGatesAfterWritingEveryReport(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "step-summary.md")
	if err := os.WriteFile(summary, []byte("# earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	var stdout bytes.Buffer
	gates, err := scorer.ParseThresholds("composite=100,quality=100,streaming=100")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Stdout: &stdout, Format: "md",
		Outputs: []report.Output{{Format: "md", Path: filepath.Join(dir, "report.md")}, {Format: "junit", Path: filepath.Join(dir, "sub", "report.xml")},
			{Format: "csv", Path: filepath.Join(dir, "tasks.csv")}},
		Gates: gates})
	// The CLI appends the job summary once the run returned its report.
	if serr := AppendStepSummary(summary, report.StepSummary(rep, gates)); serr != nil {
		t.Fatal(serr)
	}

	var te *ThresholdError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a ThresholdError (exit 3)", err)
	}
	lines := strings.Split(te.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "min-score: composite ") || !strings.HasPrefix(lines[1], "min-score: streaming ") {
		t.Fatalf("threshold error %q: want one line for composite and one for streaming", te.Error())
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, " < 100") {
			t.Errorf("line %q does not say what the minimum was", l)
		}
	}
	if rep == nil || rep.Scores[record.Quality].Value != 100 {
		t.Fatalf("report %v: want it returned with quality 100", rep)
	}

	readValid(t, out)
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !bytes.Contains(md, []byte("## Scores")) || !bytes.Contains(md, []byte("<svg")) {
		t.Errorf("report.md lacks the score table or the charts")
	}
	var junit struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	x, _ := os.ReadFile(filepath.Join(dir, "sub", "report.xml"))
	if err := xml.Unmarshal(x, &junit); err != nil || len(junit.Suites) != 2 || len(junit.Suites[0].Cases) != smokeTasks || len(junit.Suites[1].Cases) != 3 {
		t.Fatalf("report.xml: %v; want %d task cases and 3 gate cases:\n%s", err, smokeTasks, x)
	}
	for i, want := range []bool{true, false, true} {
		t.Run(fmt.Sprint(i), func(t *testing.T) { // composite fails, quality passes, streaming fails
			if got := junit.Suites[1].Cases[i].Failure != nil; got != want {
				t.Errorf("gate case %s failed=%v, want %v", junit.Suites[1].Cases[i].Name, got, want)
			}
		})
	}
	c, _ := os.ReadFile(filepath.Join(dir, "tasks.csv"))
	if rows, err := csv.NewReader(bytes.NewReader(c)).ReadAll(); err != nil || len(rows) != smokeTasks+1 {
		t.Errorf("tasks.csv: %d rows, %v; want a header and every smoke task", len(rows), err)
	}
	s, _ := os.ReadFile(summary)
	if !bytes.HasPrefix(s, []byte("# earlier step\n")) || !bytes.Contains(s, []byte("## Scores")) || bytes.Contains(s, []byte("<svg")) {
		t.Errorf("step summary must keep what was there and append the tables without SVG charts:\n%s", s)
	}
	// The gate verdict and the text charts GitHub shows (issue 24).
	for _, want := range []string{"## Gate", "**FAIL**: composite", "**Gate failed**: 2 of 3", "## Charts", "streaming", "ttft (ms)"} {
		t.Run(want, func(t *testing.T) {
			if !bytes.Contains(s, []byte(want)) {
				t.Errorf("step summary lacks %q:\n%s", want, s)
			}
		})
	}
	if !bytes.Contains(stdout.Bytes(), []byte("## Scores")) {
		t.Errorf("--format md did not print Markdown:\n%s", stdout.String())
	}
}

func TestRunGatesThatPass(t *testing.T) {
	prices := filepath.Join(t.TempDir(), "prices.yaml")
	if err := os.WriteFile(prices, []byte("default: {prompt_usd_per_mtok: 7}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	gates, err := scorer.ParseThresholds("quality=100,composite=0")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart, Gates: gates, PricesFile: prices})
	if err != nil {
		t.Fatalf("Run: %v; want no error when every gate passes", err)
	}
	readValid(t, out)
	if rep.Scoring == nil || rep.Scoring.Prices.Default.PromptUSDPerMTok != 7 || rep.Scoring.Bootstrap.Resamples != 2000 {
		t.Errorf("scoring block %+v: want the loaded prices and the default bootstrap", rep.Scoring)
	}
	if rep.PassRate == nil || rep.PassRate.Passed != smokeTasks || rep.Scores[record.Composite].CI95 == nil {
		t.Errorf("pass rate %+v, composite %+v: want all smoke tasks passing and an interval", rep.PassRate, rep.Scores[record.Composite])
	}
}

func TestRunRejectsBadOptionsBeforeRunning(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"default": {"prompt_usd_per_mtok": -1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    RunOptions
		want string // substring of the error
	}{
		// an output format that does not exist
		{"out format", RunOptions{Evaluator: testEval, Outputs: []report.Output{{Format: "pdf", Path: "r.pdf"}}}, `report output pdf=r.pdf`},
		// an output without a path
		{"out path", RunOptions{Evaluator: testEval, Outputs: []report.Output{{Format: "md"}}}, "and a path"},
		// a stdout format that does not exist
		{"format", RunOptions{Evaluator: testEval, Format: "html"}, `report format "html"`},
		// a price table that is not there
		{"prices missing", RunOptions{Evaluator: testEval, PricesFile: filepath.Join(t.TempDir(), "nope.yaml")}, "load prices"},
		// a price table with a negative price
		{"prices invalid", RunOptions{Evaluator: testEval, PricesFile: bad}, "finite number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.o.Out = filepath.Join(t.TempDir(), "r.json")
			_, err := Run(context.Background(), c.o)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: err = %v, want an InputError (exit 2) containing %q", c.name, err, c.want)
			}
			if _, err := os.Stat(c.o.Out); !os.IsNotExist(err) {
				t.Errorf("%s: a report was written despite the bad option", c.name)
			}
		})
	}
}

// TestJUnitOfARun prints a real run as JUnit: one test case per smoke
// task.
func TestJUnitOfARun(t *testing.T) {
	var stdout bytes.Buffer
	_, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: filepath.Join(t.TempDir(), "r.json"), Start: quickStart, Stdout: &stdout, Format: "junit"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(stdout.Bytes(), []byte(xml.Header)) || !bytes.Contains(stdout.Bytes(), []byte(fmt.Sprintf(`<testsuite name="janus.smoke" tests="%d"`, smokeTasks))) {
		t.Errorf("junit on stdout:\n%s", stdout.String())
	}
}
