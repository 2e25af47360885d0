package suitegen

import (
	"errors"

	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/suitecheck"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// withoutCode drops the code tasks: their references run in a sandbox,
// which the long-tagged test does for the whole suite.
func withoutCode(s *suites.Suite) *suites.Suite {
	c := *s
	c.Tasks = nil
	for _, t := range s.Tasks {
		if t.Category != suites.CatCode {
			c.Tasks = append(c.Tasks, t)
		}
	}
	return &c
}

// reportProblems fails t with every validation problem except answers
// shared between tasks: independent draws may give two tasks one answer (a
// count of 3 and a remainder of 3), which is right for both and says
// nothing of how lax a check is.
func reportProblems(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *suites.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	for _, p := range ve.Problems {
		if !strings.Contains(p.Msg, "'s reference scores") {
			t.Error(p.Error())
		}
	}
}

func TestFreshSuiteIsValidForManySeeds(t *testing.T) {
	for _, seed := range []uint64{1, 1 << 63} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s, err := Fresh(seed)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != "janus-default" || s.Version != FreshVersion || len(s.Tasks) < 250 {
				t.Fatalf("%s@%s with %d tasks", s.Name, s.Version, len(s.Tasks))
			}
			reportProblems(t, suitecheck.Suite(withoutCode(s), nil))
		})
	}
}

func TestFreshSuiteIsReproducibleAndDiffersBySeed(t *testing.T) {
	a1, _ := Fresh(7)
	a2, _ := Fresh(7)
	b, _ := Fresh(8)
	if a1.SHA256 != a2.SHA256 {
		t.Fatal("one seed gave two suites")
	}
	if a1.SHA256 == b.SHA256 {
		t.Fatal("two seeds gave one suite")
	}
	// Prompts must not repeat across seeds: a list of last run's prompts
	// is worth nothing. Memory tasks share their distractor turns, not
	// their questions' facts, so the whole conversation is compared.
	seen := map[string]bool{}
	for _, t := range a1.Tasks {
		seen[convo(t)] = true
	}
	same := 0
	for _, t := range b.Tasks {
		if seen[convo(t)] {
			same++
		}
	}
	if same > len(b.Tasks)/50 {
		t.Fatalf("%d of %d conversations repeat across two seeds", same, len(b.Tasks))
	}
}

func convo(t suites.Task) string {
	s := ""
	for _, m := range t.Messages {
		s += m.Role + ":" + wire.TextOf(m) + "\n"
		for _, p := range m.MultiContent {
			if p.ImageURL != nil {
				s += p.ImageURL.URL
			}
		}
	}
	return s
}

// Generating the suite is part of every default run: it must stay fast.
func TestFreshSuiteIsFast(t *testing.T) {
	start := time.Now()
	if _, err := Fresh(11); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated janus-default in %v", time.Since(start))
}

func BenchmarkFresh(b *testing.B) {
	for i := range b.N {
		if _, err := Fresh(uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
