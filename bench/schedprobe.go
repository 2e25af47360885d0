package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/record"
)

// The run's own scheduling probe (issue 24, item 9). A saved selftest
// measures the harness's timing error at one moment, often on an idle
// machine; a run on a loaded machine stamps events later than that, and a
// deterministic target's continuity paid for it (its streaming score moved
// 90–95 with load). So every run measures its own error while it goes: a
// goroutine of janus's asks to wake on a fixed schedule and records how
// late each wake came. A goroutine woken by a token's arrival waits for a
// core exactly as long, so the spread of those delays is the spread the
// harness adds to every gap it reads. The probe reads nothing the target
// sends: its figure is the harness's, whatever the competitor streams.
const (
	// schedProbeTick is how often the probe wakes: 200 wakes a second
	// cost microseconds of CPU and give a p99 from a few seconds of run.
	schedProbeTick = 5 * time.Millisecond
	// schedProbeSpan is the distance, in wakes, between the two stamps of
	// one measured gap: 10 × 5 ms = 50 ms, the selftest's token interval,
	// so the figure is comparable to the selftest's gap_err_p99_ms.
	schedProbeSpan = 10
	// schedProbeKeep bounds the probe's memory on a run of any length: a
	// uniform sample (reservoir) of this many gap errors; its p99 rests on
	// ~160 samples above it.
	schedProbeKeep = 16384
	// schedWarnMs is the probe p99 past which a run warns that the harness
	// was busy: 5 ms is the selftest's goal at c=1,000 (docs/PERFORMANCE.md).
	schedWarnMs = 5.0
)

// schedProbe measures the harness's own scheduling error during a run.
type schedProbe struct {
	// now is the clock the probe's lateness is read on: time.Now, or in a
	// test a clock that injects scheduling delay (the one the trace
	// client stamps events with).
	now  func() time.Time
	stop context.CancelFunc
	done chan struct{}

	mu   sync.Mutex
	errs []float64 // |lateness_i − lateness_{i−span}| in ms, a reservoir
	seen int
	rng  *rand.Rand
}

// startSchedProbe starts the probe on clock now (nil: time.Now); Stop ends
// it and returns the p99 it measured.
func startSchedProbe(ctx context.Context, now func() time.Time) *schedProbe {
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &schedProbe{now: now, stop: cancel, done: make(chan struct{}),
		rng: rand.New(rand.NewPCG(24, 9))} // fixed seed: the same delays give the same figure
	go p.loop(ctx)
	return p
}

// loop wakes every tick against an absolute schedule on the monotonic
// clock; the wake is read on p.now, the clock events are stamped with. After
// a wake later than a tick the schedule restarts from the wake, so one long
// stall is one late sample, not a burst of catch-up wakes.
func (p *schedProbe) loop(ctx context.Context) {
	defer close(p.done)
	var ring [schedProbeSpan]float64
	n := 0
	next := time.Now().Add(schedProbeTick)
	t := time.NewTimer(schedProbeTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		late := max(0, float64(p.now().Sub(next))/1e6)
		if n >= schedProbeSpan {
			p.add(math.Abs(late - ring[n%schedProbeSpan]))
		}
		ring[n%schedProbeSpan] = late
		n++
		next = next.Add(schedProbeTick)
		if now := time.Now(); now.After(next) {
			next = now.Add(schedProbeTick)
		}
		t.Reset(time.Until(next))
	}
}

// add keeps e in a uniform sample of every gap error seen (Algorithm R).
func (p *schedProbe) add(e float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen++
	if len(p.errs) < schedProbeKeep {
		p.errs = append(p.errs, e)
		return
	}
	if i := p.rng.IntN(p.seen); i < schedProbeKeep {
		p.errs[i] = e
	}
}

// Stop ends the probe and returns its gap-error summary (N = 0 when the
// run was too short for one gap).
func (p *schedProbe) Stop() record.Summary {
	p.stop()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return report.Summarize(p.errs)
}

// timingNoise is the harness gap error a run's streaming score takes out of
// continuity (scorer.Options.TimingNoiseMs): the larger of the saved
// selftest's p99 (h, nil when none) and the run's own probe p99. The larger,
// because each is a measurement of the same error and the run's load may be
// heavier or lighter than the selftest's; neither reads the target's stream.
func timingNoise(h *record.Harness, run record.Summary) float64 {
	noise := run.P99
	if h != nil {
		noise = max(noise, h.GapErrP99Ms)
	}
	return noise
}

// timingNoiseFile is where a run that records its streams (--record) keeps
// the timing noise it took out (the recordings' timestamps carry the same
// harness lateness, so a replay of them takes the same noise out) and the
// run's seed (a generated suite's tasks are made from it, so a replay can
// make them again without being told).
const timingNoiseFile = "timing_noise.json"

// recordingMeta is timingNoiseFile's content.
type recordingMeta struct {
	TimingNoiseMs float64 `json:"timing_noise_ms"`
	Seed          uint64  `json:"seed,omitempty"`
}

// saveTimingNoise writes ms and the run's seed to dir's timingNoiseFile
// (nothing when dir is empty: the run records nothing).
func saveTimingNoise(dir string, ms float64, seed uint64) error {
	if dir == "" {
		return nil
	}
	return record.WriteAtomic(filepath.Join(dir, timingNoiseFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(recordingMeta{TimingNoiseMs: ms, Seed: seed})
	})
}

// loadTimingNoise reads the timing noise of dir's timingNoiseFile back; 0
// when there is none (recordings older than it).
func loadTimingNoise(dir string) (float64, error) {
	m, err := loadRecordingMeta(dir)
	return m.TimingNoiseMs, err
}

// loadRecordingMeta reads dir's timingNoiseFile; zero values when there is
// none. A recordings folder may come from anyone: the file is read to at
// most 4 KiB and its figure must be a finite number of milliseconds in
// [0, 60000].
func loadRecordingMeta(dir string) (recordingMeta, error) {
	var v recordingMeta
	path := filepath.Join(dir, timingNoiseFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return v, nil
	} else if err != nil {
		return v, fmt.Errorf("read timing noise: %w", err)
	}
	defer f.Close()
	if err := json.NewDecoder(io.LimitReader(f, 4<<10)).Decode(&v); err != nil {
		return recordingMeta{}, fmt.Errorf("read timing noise %s: %w", path, err)
	}
	if ms := v.TimingNoiseMs; math.IsNaN(ms) || ms < 0 || ms > 60000 {
		return recordingMeta{}, fmt.Errorf("read timing noise %s: timing_noise_ms %v is not in [0, 60000]", path, ms)
	}
	return v, nil
}
