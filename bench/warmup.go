package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/suites"
)

// DefaultWarmup is how many warm-up requests a run sends before its
// tasks when RunOptions.Warmup is 0.
const DefaultWarmup = 1

// maxWarmup bounds --warmup: warm-ups are unscored requests the
// competitor pays for.
const maxWarmup = 20

// warmupCount is the number of warm-up requests o asks for: 0 means the
// default, a negative count none.
func (o *RunOptions) warmupCount() (int, error) {
	switch {
	case o.Warmup == 0:
		return DefaultWarmup, nil
	case o.Warmup < 0:
		return 0, nil
	case o.Warmup > maxWarmup:
		return 0, &InputError{Op: "check options", Err: fmt.Errorf("%d warm-up requests: at most %d", o.Warmup, maxWarmup)}
	}
	return o.Warmup, nil
}

// runWarmup is the warm-up tasks of a run: none for the embedded target,
// which needs no disguise and no check of a key.
func (o *RunOptions) runWarmup(suite *suites.Suite, planned []suites.Task, embedded bool) ([]suites.Task, error) {
	n, err := o.warmupCount()
	if err != nil || embedded {
		return nil, err
	}
	return o.warmupTasks(suite, planned, n)
}

// warmupTasks draws n warm-up tasks from the run's own task distribution,
// none of them a task the run scores: a generated suite is generated
// again from a new secret seed (same generator, other tasks); a stored
// suite gives tasks the run left out (--limit, --categories), else
// janus-default generated from a secret seed stands in.
func (o *RunOptions) warmupTasks(suite *suites.Suite, planned []suites.Task, n int) ([]suites.Task, error) {
	if n == 0 {
		return nil, nil
	}
	generate := suitegen.Fresh
	found := false
	for _, name := range strings.Split(o.Suite, ",") {
		if g, ok := generated(o.Loader, strings.TrimSpace(name)); ok {
			generate, found = g, true
			break
		}
	}
	if !found {
		inRun := map[string]bool{}
		for _, t := range planned {
			inRun[t.ID] = true
		}
		var rest []suites.Task
		for _, t := range suite.Tasks {
			if !inRun[t.ID] {
				rest = append(rest, t)
			}
		}
		if ws, err := DrawWarmup(rest, n); err != nil || len(ws) > 0 {
			return ws, err
		}
	}
	seed, err := secretSeed()
	if err != nil {
		return nil, fmt.Errorf("draw warm-up tasks: %w", err)
	}
	pool, err := generate(seed)
	if err != nil {
		return nil, fmt.Errorf("draw warm-up tasks: %w", err)
	}
	return DrawWarmup(pool.Tasks, n)
}

// DrawWarmup picks n tasks at random (with the system's CSPRNG, so no
// competitor can predict them) from the single-turn tasks of pool:
// warm-up requests are one request each, like the first turn of any
// task. Fewer come back when pool has fewer.
func DrawWarmup(pool []suites.Task, n int) ([]suites.Task, error) {
	var single []suites.Task
	for _, t := range pool {
		if t.Turns() <= 1 {
			single = append(single, t)
		}
	}
	var out []suites.Task
	for len(out) < n && len(single) > 0 {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(single))))
		if err != nil {
			return nil, fmt.Errorf("draw warm-up tasks: %w", err)
		}
		k := int(i.Int64())
		out = append(out, single[k])
		single = append(single[:k], single[k+1:]...)
	}
	return out, nil
}

// warmUp sends the warm-up tasks before a run, each exactly as a task is
// sent (same client, headers, identity and request shape; nothing marks
// it), and turns the answers that mean "this run cannot measure
// anything" — 401/403 (the API key) and 404 (the model, or a base URL
// without /v1) — into a *TargetError naming the fix. The answers are not
// scored; any other outcome is left to the run to classify, except a
// target that cannot be reached at all when no GET /models came first.
func warmUp(ctx context.Context, c *trace.Client, model string, stream bool, known []string, tasks []suites.Task) error {
	for i := range tasks {
		tr := c.Do(ctx, tasks[i].ChatRequest(model, stream), nil)
		if tr.Err == nil {
			continue
		}
		switch tr.Err.Class {
		case trace.ErrConnect:
			if known == nil {
				// No GET /models came first to find the target unreachable.
				return &InputError{Op: "reach target " + report.RedactURL(c.BaseURL), Err: errors.New(tr.Err.Message)}
			}
		case trace.ErrHTTPStatus:
			if known == nil && tr.Err.Code == 404 {
				known, _, _ = ListModels(ctx, c) // only now: to name the models it serves
			}
			url := report.RedactURL(strings.TrimRight(c.BaseURL, "/") + "/chat/completions")
			if err := refusal(tr.Err.Code, url, model, c.APIKey != "", tr.ErrorBody, known); err != nil {
				return err
			}
		}
	}
	return nil
}
