package report

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/janus-bench/janus/record"
)

// A dimension outside the default list (one a scorer was given in
// scorer.Options.Dimensions) has its row in every score table, after the
// defaults, without the writers naming it.
func TestWritersListAnExtraDimension(t *testing.T) {
	const extra record.Dimension = "brevity"
	r := richFixture()
	r.Scores[extra] = record.Score{Value: 42.5, N: 7}
	r.Weights[extra] = 10
	cases := []struct {
		name  string
		write func(*record.Report) func(w *bytes.Buffer) error
		row   *regexp.Regexp
	}{
		{"text", func(r *record.Report) func(*bytes.Buffer) error {
			return func(b *bytes.Buffer) error { return Text(r)(b) }
		}, regexp.MustCompile(`(?m)^multimodal .*\n` + string(extra) + ` +42\.5 +10 +7 `)},
		{"markdown", func(r *record.Report) func(*bytes.Buffer) error {
			return func(b *bytes.Buffer) error { return Markdown(r)(b) }
		}, regexp.MustCompile(`(?m)^\| multimodal .*\n\| ` + string(extra) + ` +\| +42\.5 `)},
		{"step summary", func(r *record.Report) func(*bytes.Buffer) error {
			return func(b *bytes.Buffer) error { return StepSummary(r, nil)(b) }
		}, regexp.MustCompile(`(?m)^multimodal .*\n` + string(extra) + ` +42\.5 \|`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(r)(&b); err != nil {
				t.Fatal(err)
			}
			if !c.row.Match(b.Bytes()) {
				t.Errorf("no %s row after multimodal (want %s) in:\n%s", extra, c.row, b.String())
			}
		})
	}
}
