package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/exitcode"
)

// TestExplainNamesFlags: the engine's refusal names no flag; the CLI's
// message, wrapped by the command, names the flag that fixes it and keeps
// the target exit code.
func TestExplainNamesFlags(t *testing.T) {
	refused := func(fix bench.Fix) error {
		e := &bench.TargetError{Status: 401, Fix: fix, What: "target refused the request", Model: "m", Known: []string{"served"}}
		e.Msg = e.What + "; " + e.FixText("", "the model", "the target")
		return fmt.Errorf("bench run: %w", e)
	}
	cases := []struct {
		name      string
		err       error
		want, not string
	}{
		{"no key", refused(bench.FixAPIKey), "bench run: target refused the request; pass the target's API key with --api-key", ""},
		{"key refused", refused(bench.FixKeyRefused), "API key given (--api-key, JANUS_API_KEY or OPENAI_API_KEY) was refused", ""},
		{"model", refused(bench.FixModel), "check --model (GET /models lists: served) and that --target is the base URL", "the model"},
		{"other error", errors.New("load suite: nope"), "load suite: nope", "--"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := explain(c.err)
			if !strings.Contains(got.Error(), c.want) || c.not != "" && strings.Contains(got.Error(), c.not) {
				t.Errorf("explain: %q, want it to say %q and not %q", got, c.want, c.not)
			}
			if exitcode.Of(got) != exitcode.Of(c.err) {
				t.Errorf("exit code %d, want %d", exitcode.Of(got), exitcode.Of(c.err))
			}
		})
	}
}
