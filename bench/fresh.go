package bench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// GeneratedSuite is the suite a run generates instead of loading: with
// the default loader, `--suite janus-default` makes its tasks from the
// run's seed (suitegen.Fresh), drawn in secret when --seed is not given.
const GeneratedSuite = "janus-default"

// DefaultSuite is the suite a run with no --suite runs: smoke, generated
// like GeneratedSuite (suitegen.FreshSmoke, ten tasks drawn from it), so the
// first run is quick and a bare `janus bench run` already meets tasks no
// competitor has seen.
const DefaultSuite = "smoke"

// StoredSuffix after a generated suite's name ("janus-default@stored",
// "smoke@stored") runs the suite's files as shipped in the binary: the
// public, reproducible examples (janus-default v1, generated once from
// suitegen.DefaultSeed; smoke 1.x, written by hand), which --seed only
// shuffles.
const StoredSuffix = "@stored"

// generated returns the generator of name when a run with loader makes
// that suite from its seed (only the default loader generates: a custom
// one, calibrate's or a test's, is asked as it is).
func generated(loader suites.Loader, name string) (func(uint64) (*suites.Suite, error), bool) {
	if _, ok := loader.(suites.DefaultLoader); !ok {
		return nil, false
	}
	return suitegen.Generator(name)
}

// SecretSeed draws a seed as a fresh run does, for a caller that must
// keep it (the service stores it with the run's spec, never shown, so a
// resumed run regenerates the same tasks).
func SecretSeed() (uint64, error) { return secretSeed() }

// secretSeed draws a non-zero seed from the system's CSPRNG: it decides
// every task of a fresh run, so nothing a competitor can observe or guess
// (the time, the run id) may predict it.
func secretSeed() (uint64, error) {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("draw a secret seed: %w", err)
		}
		if s := binary.LittleEndian.Uint64(b[:]); s != 0 {
			return s, nil
		}
	}
}

// loadSuite loads the suites o names and combines them. With the default
// loader, a generated suite (janus-default, smoke) is made from o.Seed; when o.Seed is 0 a
// secret seed is drawn (or, on Resume, taken from the partial run) and
// stored in o.Seed, so the run's shuffle, report and reproduction line all
// use it. It returns the combined suite and the seed policy.
func (o *RunOptions) loadSuite(ctx context.Context) (*suites.Suite, string, error) {
	var names []string
	needSeed := false
	for _, name := range strings.Split(o.Suite, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		names = append(names, name)
		_, isGen := generated(o.Loader, name)
		needSeed = needSeed || isGen
	}
	policy := record.SeedStored
	if needSeed {
		policy = record.SeedFixed
		if o.SeedSecret && o.Seed != 0 {
			policy = record.SeedFresh
		}
		if o.Seed == 0 {
			policy = record.SeedFresh
			seed, err := o.freshSeed()
			if err != nil {
				return nil, "", err
			}
			o.Seed = seed
		}
	}
	var parts []*suites.Suite
	for _, name := range names {
		var s *suites.Suite
		var err error
		generate, isGen := generated(o.Loader, name)
		switch {
		case isGen:
			s, err = generate(o.Seed)
		case isSuiteURL(name) || strings.HasSuffix(name, suites.EncryptedExt):
			s, err = o.loadPrivate(ctx, name)
		default:
			s, err = o.Loader.Load(ctx, strings.TrimSuffix(name, StoredSuffix))
		}
		if err != nil {
			return nil, "", &InputError{Op: "load suite", Err: err}
		}
		parts = append(parts, s)
	}
	suite, err := suites.Combine(parts)
	if err != nil {
		return nil, "", &InputError{Op: "load suite", Err: err}
	}
	return suite, policy, nil
}

// freshSeed is a new secret seed, or the seed of the partial run that
// Resume continues (its tasks must be generated again exactly).
func (o *RunOptions) freshSeed() (uint64, error) {
	if len(o.Completed) > 0 {
		// The finished tasks were generated from a seed this run does not
		// know: a fresh draw would score them against other tasks.
		return 0, &InputError{Op: "resume", Err: fmt.Errorf("%d finished tasks of a fresh %s run, but no seed: pass the run's seed to resume it", len(o.Completed), o.Suite)}
	}
	if !o.Resume {
		return secretSeed()
	}
	out := o.Out
	hdr, _, err := ReadPartial(out + ".partial.jsonl")
	if err != nil {
		return 0, &InputError{Op: "resume", Err: err}
	}
	if hdr.Seed == 0 {
		return 0, &InputError{Op: "resume", Err: fmt.Errorf("%s.partial.jsonl records no seed; give the run's seed", out)}
	}
	return hdr.Seed, nil
}
