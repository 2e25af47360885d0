package scorer

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/janus-bench/janus/record"
)

// Every default dimension has an evaluator, in the default order.
func TestDefaultDimensionsHaveEvaluators(t *testing.T) {
	got := DefaultDimensions().Names()
	if want := record.DefaultDimensions(); !slices.Equal(got, want) {
		t.Errorf("DefaultDimensions() = %v, want %v", got, want)
	}
	for _, d := range DefaultDimensions() {
		if d.New == nil {
			t.Errorf("%s has no evaluator", d.Name)
		}
	}
}

// A sixth dimension is one DimensionSpec appended to the defaults: the
// weights parser knows it, the composite weighs it, its interval is drawn,
// the report JSON lists it after the defaults and reads back, and gates
// name it. Nothing else is edited, and the defaults do not change.
func TestSixthDimension(t *testing.T) {
	const sixth record.Dimension = "brevity"
	dims := append(DefaultDimensions(), DimensionSpec{Name: sixth, New: PerTask("no answered tasks",
		func(t *record.TaskResult, _ Options) (float64, bool) {
			if failed(*t) {
				return 0, false
			}
			return clamp01(10 / float64(max(10, t.Metrics.OutputTokens))), true
		})})
	tasks := randomTasks(rand.New(rand.NewPCG(5, 6)), 60)

	if _, _, err := ParseWeights("quality=40," + string(sixth) + "=10"); err == nil || !strings.Contains(err.Error(), string(sixth)) {
		t.Errorf("the default parser took %s: %v", sixth, err)
	}
	w, warn, err := dims.ParseWeights("quality=40,speed=20,cost=15,streaming=15,multimodal=0," + string(sixth) + "=10")
	if err != nil || warn != "" {
		t.Fatalf("ParseWeights with %s: %v %q", sixth, err, warn)
	}
	s := ScoreWith(tasks, Options{Weights: w, Dimensions: dims, Bootstrap: record.Bootstrap{Resamples: 200}})

	var want float64
	n := 0
	for _, tk := range tasks {
		if !failed(tk) {
			want += clamp01(10 / float64(max(10, tk.Metrics.OutputTokens)))
			n++
		}
	}
	got := s[sixth]
	if n == 0 || math.Abs(got.Value-100*want/float64(n)) > 1e-9 || got.N != n || got.CI95 == nil {
		t.Fatalf("%s = %+v, want value %v over %d tasks with an interval", sixth, got, 100*want/float64(n), n)
	}
	var num float64
	for _, d := range dims.Names() {
		num += w[d] * s[d].Value
	}
	if c := s[record.Composite].Value; math.Abs(c-num/100) > 1e-9 {
		t.Errorf("composite %v, want Σ w·v / 100 = %v with %s weighed in", c, num/100, sixth)
	}
	if d := ScoreWith(tasks, Options{Weights: w, Bootstrap: record.Bootstrap{Resamples: 200}}); d[record.Composite].Value == s[record.Composite].Value {
		t.Errorf("the composite without %s is the same (%v): it did not weigh in", sixth, d[record.Composite].Value)
	}

	rep := record.Report{SchemaVersion: record.SchemaVersion, Scores: s, Weights: w}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	last := bytes.Index(b, []byte(`"multimodal":{`))
	at := bytes.Index(b, []byte(`"`+sixth+`":{`))
	if last < 0 || at < last || !bytes.Contains(b, []byte(`"multimodal":0,"`+sixth+`":10}`)) {
		t.Errorf("the report JSON does not list %s after the defaults: %s", sixth, b)
	}
	var back record.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Scores[sixth].Value != got.Value || back.Weights[sixth] != 10 {
		t.Errorf("read back: %+v, weight %v", back.Scores[sixth], back.Weights[sixth])
	}

	th, err := dims.ParseThresholds(string(sixth) + "=101")
	if err == nil {
		t.Errorf("a gate above 100 was accepted: %v", th)
	}
	th, err = dims.ParseThresholds(string(sixth) + "=0")
	if err != nil || len(th) != 1 || !CheckThresholds(s, th)[0].Passed {
		t.Errorf("gate on %s: %v %v", sixth, th, err)
	}

	if len(DefaultDimensions()) != len(record.DefaultDimensions()) || slices.Contains(DefaultDimensions().Names(), sixth) {
		t.Errorf("extending a Dimensions value changed the defaults: %v", DefaultDimensions().Names())
	}
}

// An unknown dimension in --weights is named in the error, with the known
// ones.
func TestParseWeightsUnknownDimension(t *testing.T) {
	_, _, err := ParseWeights("quality=50,latency=50")
	if err == nil || !strings.Contains(err.Error(), `"latency"`) || !strings.Contains(err.Error(), "multimodal") {
		t.Errorf("ParseWeights with an unknown dimension: %v", err)
	}
}
