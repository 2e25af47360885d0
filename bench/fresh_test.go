package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/record"
)

// startMemorizer boots an external target that knows every answer in the
// repository (every built-in suite file and janus-default generated from
// suitegen.DefaultSeed) and answers any prompt with the reference of the same
// conversation, or else of the most similar one it knows: a competitor
// with no model that memorised the public suites.
func startMemorizer(t *testing.T) string {
	t.Helper()
	known, err := reference.RepositorySuites(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := baseline.Start(t.Context(), "127.0.0.1:0", baseline.Config{Suites: known, Profile: baseline.ProfileMemorizer,
		Pace: baseline.Pace{TTFT: time.Millisecond, PerToken: 50 * time.Microsecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_ = stop(ctx)
	})
	return url
}

// The acceptance test of fresh tasks: a server answering from every file in
// the repository scores quality at chance on a default run of janus-default
// (no --seed: a secret seed, fresh tasks), and full marks on the public,
// fixed tasks, which shows the test can fail.
func TestMemorizerScoresChanceOnFreshTasks(t *testing.T) {
	url := startMemorizer(t)
	// Code runs in a sandbox (slow under make test); its prompts name a
	// function drawn from the seed, which no memorised answer defines.
	cats := []string{"quality/chat", "quality/reasoning", "quality/research", "quality/memory", "tools", "multimodal", "cost", "streaming"}
	cases := []struct {
		name        string
		suite       string
		seed        uint64
		policy      string
		memorisable bool
	}{
		{"default run: fresh secret seed", "janus-default", 0, record.SeedFresh, false},
		{"the public seed", "janus-default", suitegen.DefaultSeed, record.SeedFixed, true},
		{"the stored public example", "janus-default@stored", 0, record.SeedStored, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Run(t.Context(), RunOptions{Evaluator: testEval, Target: url, Suite: c.suite, Seed: c.seed, Categories: cats, Concurrency: 16,
				Out: filepath.Join(t.TempDir(), "r.json")})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Run.SeedPolicy != c.policy || (c.policy == record.SeedFresh && rep.Run.Seed == 0) {
				t.Fatalf("seed policy %q, seed %d; want %q", rep.Run.SeedPolicy, rep.Run.Seed, c.policy)
			}
			q, mm := rep.Scores[record.Quality].Value, rep.Scores[record.Multimodal].Value
			t.Logf("%s: quality %.1f, multimodal %.1f, composite %.1f", c.name, q, mm, rep.Scores[record.Composite].Value)
			// Chance: an exact answer to a drawn question is a guess in
			// hundreds or more; multimodal priors (a count of 2 to 7, one of
			// six colours, one of five bars) are right about one time in
			// eight on the images, never on the charts' drawn labels.
			if !c.memorisable && (q > 10 || mm > 30) {
				t.Errorf("memorizer on fresh tasks: quality %.1f (want ≤ 10), multimodal %.1f (want ≤ 30)", q, mm)
			}
			if c.memorisable && (q < 95 || mm < 95) {
				t.Errorf("memorizer on public tasks: quality %.1f, multimodal %.1f; want ≥ 95 (else this test cannot fail)", q, mm)
			}
		})
	}
}

// Two runs with one --seed run the same tasks; without one, each run
// draws its own.
func TestFreshSeedPolicy(t *testing.T) {
	o := RunOptions{Evaluator: testEval, Suite: "janus-default"}
	o.defaults()
	a, policy, err := o.loadSuite(t.Context())
	if err != nil || policy != record.SeedFresh || o.Seed == 0 {
		t.Fatalf("policy %q seed %d err %v", policy, o.Seed, err)
	}
	again := RunOptions{Evaluator: testEval, Suite: "janus-default", Seed: o.Seed}
	again.defaults()
	b, policy, err := again.loadSuite(t.Context())
	if err != nil || policy != record.SeedFixed || b.SHA256 != a.SHA256 {
		t.Fatalf("--seed %d: policy %q, same suite %v, err %v", o.Seed, policy, b.SHA256 == a.SHA256, err)
	}
	other := RunOptions{Evaluator: testEval, Suite: "janus-default"}
	other.defaults()
	c, _, err := other.loadSuite(t.Context())
	if err != nil || c.SHA256 == a.SHA256 || other.Seed == o.Seed {
		t.Fatalf("two default runs drew one suite (seeds %d, %d)", o.Seed, other.Seed)
	}
	// A custom loader (calibrate's, a service's) is asked as it is.
	st := RunOptions{Evaluator: testEval, Suite: "smoke", Loader: staticLoader{a}}
	st.defaults()
	if _, policy, err := st.loadSuite(t.Context()); err != nil || policy != record.SeedStored || st.Seed != 0 {
		t.Fatalf("custom loader: policy %q seed %d err %v", policy, st.Seed, err)
	}
}

// A fresh run cannot take finished tasks without the seed they came from.
func TestFreshRunRefusesCompletedTasksWithoutItsSeed(t *testing.T) {
	o := RunOptions{Evaluator: testEval, Suite: "janus-default", Completed: []record.TaskResult{{ID: "chat-01"}}}
	o.defaults()
	if _, _, err := o.loadSuite(t.Context()); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Fatalf("err = %v, want a resume error asking for the seed", err)
	}
	o.Seed = 5
	if _, policy, err := o.loadSuite(t.Context()); err != nil || policy != record.SeedFixed {
		t.Fatalf("with the seed: policy %q, err %v", policy, err)
	}
}

// A recorded fresh run replays against the tasks of its seed, never the
// stored example whose ids overlap.
func TestReplayOfAFreshRunNeedsItsSeed(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "rec")
	rep, err := Run(t.Context(), RunOptions{Evaluator: testEval, Suite: "janus-default", Categories: []string{"quality/reasoning"}, Limit: 5, Start: quickStart,
		RecordDir: rec, Out: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{rep.Run.Seed, 0} { // given, then the one the recording kept
		again, err := Replay(t.Context(), ReplayOptions{Evaluator: testEval, Dir: rec, Suite: "janus-default", Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Tasks) != 5 || again.Scores[record.Quality].Value != rep.Scores[record.Quality].Value {
			t.Fatalf("replay (seed %d): %d tasks, quality %.1f; run: quality %.1f", seed, len(again.Tasks), again.Scores[record.Quality].Value, rep.Scores[record.Quality].Value)
		}
	}
	// Recordings without the seed file (older, or copied without it).
	if err := os.Remove(filepath.Join(rec, timingNoiseFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := Replay(t.Context(), ReplayOptions{Evaluator: testEval, Dir: rec, Suite: "janus-default"}); err == nil || !strings.Contains(err.Error(), "run's seed") {
		t.Fatalf("replay without the seed: %v, want an error asking for it", err)
	}
}

// The issue's acceptance on the default run itself: a bare `janus bench
// run` (no --suite, no --seed) against a server answering from every file
// in the repository draws a secret seed and generates smoke, so the
// memorizer scores quality and multimodal at chance, while it gets full
// marks on smoke@stored (so the test can fail) and the reference target,
// handed the run's own answers, gets full marks on the fresh tasks (so
// the tasks are answerable).
func TestMemorizerScoresChanceOnTheDefaultRun(t *testing.T) {
	url := startMemorizer(t)
	run := func(t *testing.T, o RunOptions) *record.Report {
		t.Helper()
		o.Concurrency, o.Out = 10, filepath.Join(t.TempDir(), "r.json")
		if o.Start == nil {
			o.Start = quickStart
		}
		rep, err := Run(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// Several default runs, pooled: one run has ten tasks, and a guess
	// (a colour of twelve, a count of two to seven) is sometimes right.
	const runs = 4
	var quality, multimodal float64
	seeds := map[uint64]bool{}
	for i := range runs {
		rep := run(t, RunOptions{Evaluator: testEval, Target: url, Model: "m"})
		if rep.Run.Suite.Name != DefaultSuite || rep.Run.SeedPolicy != record.SeedFresh || rep.Run.Seed == 0 || rep.Run.Suite.Source != suitegen.SmokeSource {
			t.Fatalf("run %d: suite %s (%s), seed policy %q, seed %d; want a fresh smoke", i, rep.Run.Suite.Name, rep.Run.Suite.Source, rep.Run.SeedPolicy, rep.Run.Seed)
		}
		seeds[rep.Run.Seed] = true
		for _, d := range []record.Score{rep.Scores[record.Quality], rep.Scores[record.Speed], rep.Scores[record.Cost], rep.Scores[record.Streaming], rep.Scores[record.Multimodal]} {
			if d.N == 0 {
				t.Fatalf("run %d: a dimension scored no task: %+v", i, rep.Scores)
			}
		}
		quality += rep.Scores[record.Quality].Value / runs
		multimodal += rep.Scores[record.Multimodal].Value / runs
		t.Logf("default run %d (seed %d): quality %.1f, multimodal %.1f, composite %.1f", i, rep.Run.Seed, rep.Scores[record.Quality].Value,
			rep.Scores[record.Multimodal].Value, rep.Scores[record.Composite].Value)
	}
	if len(seeds) != runs {
		t.Fatalf("%d default runs drew %d seeds", runs, len(seeds))
	}
	if quality > 15 || multimodal > 30 {
		t.Errorf("memorizer on default runs: mean quality %.1f (want ≤ 15), multimodal %.1f (want ≤ 30)", quality, multimodal)
	}
	stored := run(t, RunOptions{Evaluator: testEval, Target: url, Model: "m", Suite: DefaultSuite + StoredSuffix})
	if q, mm := stored.Scores[record.Quality].Value, stored.Scores[record.Multimodal].Value; stored.Run.SeedPolicy != record.SeedStored || q < 95 || mm < 95 {
		t.Errorf("memorizer on smoke@stored: policy %q, quality %.1f, multimodal %.1f; want stored, ≥ 95 (else this test cannot fail)",
			stored.Run.SeedPolicy, q, mm)
	}
	oracle := run(t, RunOptions{Evaluator: testEval})
	if q, mm := oracle.Scores[record.Quality].Value, oracle.Scores[record.Multimodal].Value; oracle.Run.SeedPolicy != record.SeedFresh || q < 95 || mm < 95 {
		t.Errorf("reference target on a default run: policy %q, quality %.1f, multimodal %.1f; want fresh, ≥ 95", oracle.Run.SeedPolicy, q, mm)
	}
}
