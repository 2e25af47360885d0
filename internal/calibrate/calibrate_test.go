package calibrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// TestCalibrateRanksProfiles is the calibration acceptance test: at a
// tenth of the real durations (slow's first token and stall's silence at
// 300 ms, budgets and targets scaled alike) every profile scores below
// the oracle on the dimension it degrades and broken-sse shows its
// violations.
func TestCalibrateRanksProfiles(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	dir := t.TempDir()
	// The ranking rests on real stream timings at a tenth of their size, so
	// a loaded machine (make test runs packages side by side under -race)
	// can blur one pair; a calibration that fails three times running is a
	// real failure.
	var cal *Calibration
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		cal, err = Run(context.Background(), Options{Evaluator: testEval, TimeScale: 0.1, OutDir: dir})
		if err == nil {
			break
		}
		var b bytes.Buffer
		_ = Text(cal)(&b)
		t.Logf("attempt %d: Calibrate: %v\n%s", attempt, err, b.String())
	}
	if err != nil {
		t.Fatalf("Calibrate failed three times: %v", err)
	}
	if len(cal.Profiles) != len(baseline.Profiles()) {
		t.Fatalf("%d profiles ran, want %d", len(cal.Profiles), len(baseline.Profiles()))
	}
	want := map[string]bool{}
	for _, e := range calibrationExpectations {
		want[e.profile+"/"+e.dimension] = true
	}
	for _, c := range cal.Checks {
		if !c.OK {
			t.Errorf("%s on %s: %s", c.Profile, c.Dimension, c.Detail)
		}
		delete(want, c.Profile+"/"+c.Dimension)
	}
	if len(want) > 0 {
		t.Errorf("checks never ran: %v", want)
	}
	for _, p := range cal.Profiles {
		if b := readValid(t, p.Report); len(b) == 0 {
			t.Errorf("%s: empty report", p.Profile)
		}
	}
	var txt, js bytes.Buffer
	if err := Text(cal)(&txt); err != nil || !strings.Contains(txt.String(), "noisy < oracle on quality") {
		t.Errorf("text output: %v\n%s", err, txt.String())
	}
	if err := JSON(cal)(&js); err != nil || !json.Valid(js.Bytes()) {
		t.Errorf("json output: %v", err)
	}
}

// TestCalibrateReportsFailedOrdering runs a suite on which noisy cannot
// lose quality (it has no quality task): the check fails and Calibrate
// says so with a ThresholdError, still returning the calibration.
func TestCalibrateReportsFailedOrdering(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		t.Fatal(err)
	}
	only := *s
	only.Tasks = nil
	for _, tk := range s.Tasks {
		if tk.Category == suites.CatStreaming || tk.Category == suites.CatCost {
			only.Tasks = append(only.Tasks, tk)
		}
	}
	cal, err := Run(context.Background(), Options{Evaluator: testEval, TimeScale: 0.1, Loader: staticSuite{&only},
		Profiles: []string{baseline.ProfileNoisy}})
	var te *bench.ThresholdError
	if !errors.As(err, &te) || cal == nil {
		t.Fatalf("err = %v, want a ThresholdError with the calibration", err)
	}
	if len(cal.Checks) != 1 || cal.Checks[0].OK || !strings.Contains(te.Error(), "quality") {
		t.Fatalf("checks %+v, error %q", cal.Checks, te.Error())
	}
}

// TestCalibrateRejectsBadOptions covers the option errors.
func TestCalibrateRejectsBadOptions(t *testing.T) {
	cases := []struct {
		name string
		o    Options
	}{
		// A time scale outside 0.01–10.
		{"time scale", Options{Evaluator: testEval, TimeScale: 100}},
		// A profile the sim does not have.
		{"profile", Options{Evaluator: testEval, Profiles: []string{"flaky"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in *bench.InputError
			if _, err := Run(context.Background(), tc.o); !errors.As(err, &in) {
				t.Fatalf("err = %v, want an InputError", err)
			}
		})
	}
}

// TestEveryAdversaryHasChecks: each adv- profile the sim lists is checked
// by calibrate on composite and on the dimension it attacks, by
// AdversaryMargin, so a new adversary cannot join without its rows.
func TestEveryAdversaryHasChecks(t *testing.T) {
	for _, p := range baseline.Profiles() {
		if !strings.HasPrefix(p, "adv-") {
			continue
		}
		t.Run(p, func(t *testing.T) {
			var composite, attacked bool
			for _, e := range calibrationExpectations {
				if e.profile != p {
					continue
				}
				if e.margin < AdversaryMargin {
					t.Errorf("%s on %s: margin %v, want %v", p, e.dimension, e.margin, AdversaryMargin)
				}
				composite = composite || e.dimension == "composite"
				attacked = attacked || (e.dimension != "composite" && e.dimension != "violations")
			}
			if !composite || !attacked {
				t.Errorf("%s: composite check %v, attacked-dimension check %v; want both", p, composite, attacked)
			}
		})
	}
}

// readValid reads a report and checks it against the report schema.
func readValid(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	if err := record.Validate(b); err != nil {
		t.Fatalf("report %s invalid: %v", path, err)
	}
	return b
}
