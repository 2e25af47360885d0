package scorer

import (
	"reflect"
	"strings"
	"testing"

	"github.com/janus-bench/janus/record"
)

func TestParseThresholds(t *testing.T) {
	cases := []struct {
		in      string
		want    []Threshold
		errPart string // substring of the error; "" means no error
	}{
		// no gate
		{"", nil, ""},
		// the documented example, order kept
		{"composite=70,streaming=80", []Threshold{{"composite", 70}, {"streaming", 80}}, ""},
		// spaces, case and a trailing comma tolerated
		{" Quality = 55.5 ,", []Threshold{{"quality", 55.5}}, ""},
		// unknown dimension named with the valid ones
		{"latency=5", nil, `unknown dimension "latency"`},
		// missing '='
		{"composite", nil, "dimension=minimum"},
		// not a number
		{"composite=high", nil, "from 0 to 100"},
		// out of range
		{"composite=101", nil, "from 0 to 100"},
		// negative
		{"speed=-1", nil, "from 0 to 100"},
		// repeated
		{"cost=1,cost=2", nil, "twice"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseThresholds(c.in)
			if c.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.errPart) {
					t.Errorf("ParseThresholds(%q) err = %v, want containing %q", c.in, err, c.errPart)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("ParseThresholds(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}
}

func TestCheckThresholds(t *testing.T) {
	s := record.Scores{record.Composite: record.Score{Value: 69.96}, record.Streaming: record.Score{Value: 80}, record.Cost: record.Score{Value: 12.25}}
	got := CheckThresholds(s, []Threshold{{"composite", 70}, {"streaming", 80}, {"cost", 50}})
	want := []struct {
		passed bool
		msg    string
	}{
		{false, "composite 69.96 < 70"}, // 69.96 would show as "70.0": more digits until it reads below 70
		{true, "streaming 80.0 >= 80"},  // the bound is inclusive
		{false, "cost 12.2 < 50"},       // one decimal is enough here (12.25 rounds half to even)
	}
	for i, w := range want {
		t.Run(w.msg, func(t *testing.T) {
			if got[i].Passed != w.passed || got[i].Message() != w.msg {
				t.Errorf("gate %d: passed %v %q, want %v %q", i, got[i].Passed, got[i].Message(), w.passed, w.msg)
			}
		})
	}
}
