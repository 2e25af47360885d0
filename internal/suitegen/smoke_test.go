package suitegen

import (
	"fmt"
	"sync"
	"testing"

	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/internal/suitecheck"
	"github.com/janus-bench/janus/scorer"
)

// A generated smoke suite fills every stratum once, from the tasks of the
// same seed's janus-default, is valid (each reference scores 1 under its
// checks), and depends on the seed alone.
func TestFreshSmokeIsAStratifiedDraw(t *testing.T) {
	for _, seed := range []uint64{1, 42, 1 << 63} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s, err := FreshSmoke(seed)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != "smoke" || s.Version != SmokeVersion || s.Source != SmokeSource || len(s.Tasks) != len(smokeStrata) {
				t.Fatalf("%s@%s (%s) with %d tasks, want smoke@%s with %d", s.Name, s.Version, s.Source, len(s.Tasks), SmokeVersion, len(smokeStrata))
			}
			full, err := Fresh(seed)
			if err != nil {
				t.Fatal(err)
			}
			inFull := map[string]string{}
			for _, task := range full.Tasks {
				inFull[task.ID] = convo(task)
			}
			for i, task := range s.Tasks {
				if !smokeStrata[i].fits(task) {
					t.Errorf("task %d (%s, %v) does not fit stratum %+v", i, task.ID, task.Tags, smokeStrata[i])
				}
				if inFull[task.ID] != convo(task) {
					t.Errorf("task %s is not janus-default's task of the same seed", task.ID)
				}
			}
			reportProblems(t, suitecheck.Suite(s, &scorer.Evaluator{Code: coderun.NewRunner(0)}))
			again, _ := FreshSmoke(seed)
			other, _ := FreshSmoke(seed + 1)
			if again.SHA256 != s.SHA256 || other.SHA256 == s.SHA256 {
				t.Fatalf("same seed, same suite: %v; next seed, other suite: %v", again.SHA256 == s.SHA256, other.SHA256 != s.SHA256)
			}
		})
	}
}

func TestGeneratorNamesTheGeneratedSuites(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{{"smoke", true}, {"janus-default", true}, {"smoke@stored", false}, {"janus-default@stored", false}, {"other", false}} {
		t.Run(c.name, func(t *testing.T) {
			g, ok := Generator(c.name)
			if ok != c.want || (g != nil) != c.want {
				t.Fatalf("Generator(%q) = %v, want %v", c.name, ok, c.want)
			}
			if !ok {
				return
			}
			s, err := g(9)
			if err != nil || s.Name != c.name {
				t.Fatalf("generated %v, err %v", s.Name, err)
			}
		})
	}
}

// Suites are generated concurrently (the service generates one per
// submission): under -race this caught one font face shared by every
// drawing. Concurrent generations of one seed must also agree.
func TestFreshIsSafeToGenerateConcurrently(t *testing.T) {
	sums := make([]string, 3)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Go(func() {
			s, err := FreshSmoke(77)
			if err != nil {
				t.Error(err)
				return
			}
			sums[i] = s.SHA256
		})
	}
	wg.Wait()
	if sums[0] == "" || sums[0] != sums[1] || sums[1] != sums[2] {
		t.Fatalf("one seed generated concurrently gave %v", sums)
	}
}
