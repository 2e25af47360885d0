package baseline

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// Sim profiles. Each makes the sim fail in one known way, so that a
// scorer can be checked against targets whose ranking is known in advance
// (`janus bench calibrate`): a profile must lose on the dimension it
// degrades, and only through that failure.
const (
	// ProfileOracle answers every suite task with its reference at the
	// configured pace; the default.
	ProfileOracle = "oracle"
	// ProfileNoisy answers a seeded share (NoisyShare, default 30%) of each
	// family of suite tasks with a plausible but wrong sentence.
	ProfileNoisy = "noisy"
	// ProfileSlow holds the first token for 3 s (× the time scale).
	ProfileSlow = "slow"
	// ProfileStall goes silent for 3 s (× the time scale) halfway through
	// the answer, without keep-alives.
	ProfileStall = "stall"
	// ProfileBuffered holds every token until the last one is due and then
	// sends them in one burst, like a buffering proxy.
	ProfileBuffered = "buffered"
	// ProfileBrokenSSE breaks the stream's framing: a data line that is not
	// JSON halfway through, and no data: [DONE] at the end.
	ProfileBrokenSSE = "broken-sse"
	// ProfileNoUsage never reports usage, streamed or not.
	ProfileNoUsage = "no-usage"
)

// Metadata keys that pick a profile and its time scale for one request.
const (
	MetaProfile   = "sim_profile"
	MetaTimeScale = "sim_time_scale"
	// MetaFault asks the sim to fail one request on purpose, so that a
	// client (janus conform) can see how the stream ends: FaultMidstream
	// fails it halfway through the answer.
	MetaFault = "sim_fault"
)

// FaultMidstream is the MetaFault value that makes the sim's answer fail
// halfway: an error chunk (status 500), finish_reason "error", the usage
// so far when asked for, [DONE].
const FaultMidstream = "midstream_error"

// DefaultNoisyShare is the share of suite tasks ProfileNoisy gets wrong.
const DefaultNoisyShare = 0.3

// KindBadFrame is the EventObserver kind of the non-JSON frame
// ProfileBrokenSSE sends.
const KindBadFrame = "bad_frame"

// The profiles' built-in delays at time scale 1.
const (
	slowTTFT = 3 * time.Second
	stallGap = 3 * time.Second
)

// maxTimeScale bounds a time scale so that a typo cannot park a stream for
// hours.
const maxTimeScale = 100

// badFrame is what ProfileBrokenSSE sends in place of one chunk.
var badFrame = []byte("data: {\"choices\": [{\"delta\": {\"content\": \n\n")

// Profiles lists every profile name, oracle first.
func Profiles() []string {
	out := append([]string{ProfileOracle, ProfileNoisy, ProfileSlow, ProfileStall, ProfileBuffered, ProfileBrokenSSE, ProfileNoUsage},
		adversaryProfiles()...)
	return append(append(out, evalAdversaries...), ProfileMemorizer)
}

// ProfileError is a profile name or setting the sim does not know.
type ProfileError struct {
	Field string
	Msg   string
}

func (e *ProfileError) Error() string { return e.Field + ": " + e.Msg }

func checkProfile(field, name string) error {
	if name == "" || slices.Contains(Profiles(), name) {
		return nil
	}
	return &ProfileError{Field: field, Msg: fmt.Sprintf("unknown sim profile %q (want one of %s)", name, strings.Join(Profiles(), ", "))}
}

func checkTimeScale(field string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > maxTimeScale {
		return &ProfileError{Field: field, Msg: fmt.Sprintf("time scale %v: want a number from 0 to %d", v, maxTimeScale)}
	}
	return nil
}

// profile is one request's misbehaviour: the profile and its time scale,
// plus the positions in the answer it acts at once a script is chosen.
type profile struct {
	name  string
	scale float64
	// lastSlot is the token slot of the answer's last step (buffered);
	// midStep the step index the stall or the bad frame comes before.
	lastSlot int
	midStep  int
	// firstAnswer is the index of the answer's first content or tool-call
	// step (adv-filler sends it on time and holds the rest).
	firstAnswer int
	// fault is MetaFault's value for this request, "" for none.
	fault string
}

// scaled is d times the profile's time scale.
func (p profile) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * p.scale)
}

// forScript places the profile's actions in sc's answer, as cut by
// maxTokens (0: no cut).
func (p profile) forScript(sc *script, maxTokens int) profile {
	used, n := 0, 0
	for _, st := range sc.steps {
		if maxTokens > 0 && used+st.tokens > maxTokens {
			break
		}
		used += st.tokens
		n++
	}
	p.lastSlot = max(used-1, 0)
	p.midStep = n / 2
	p.firstAnswer = 0
	for i, st := range sc.steps {
		if st.kind == KindContent || st.kind == KindToolCall {
			p.firstAnswer = i
			break
		}
	}
	return p
}

// due is when step i, whose last token has slot slot, is sent.
func (p profile) due(pace Pace, start time.Time, i, slot int) time.Time {
	a := adversaryOf(p.name)
	switch {
	case p.name == ProfileBuffered || a.buffer:
		return pace.due(start, p.lastSlot)
	case p.name == ProfileStall || a.stall:
		if i >= p.midStep {
			return pace.due(start, slot).Add(p.scaled(stallGap))
		}
	case a.lateRest:
		if i > p.firstAnswer {
			return pace.due(start, slot).Add(p.scaled(stallGap))
		}
	}
	return pace.due(start, slot)
}

// beforeStep runs before step i is emitted: broken-sse slips its bad frame
// in before the middle step, on a streaming sink only (a JSON body has no
// framing to break).
func (p profile) beforeStep(ctx context.Context, sink Sink, i int, at time.Time) error {
	if p.fault == FaultMidstream && i == p.midStep {
		return errors.New("fault injected by metadata." + MetaFault + " " + FaultMidstream)
	}
	if p.name != ProfileBrokenSSE || i != p.midStep {
		return nil
	}
	if ts, ok := sink.(teeSink); ok {
		sink = ts.Sink // a thread's recorder in front of the stream
	}
	if rs, ok := sink.(*streamSink); ok {
		return rs.emitRaw(ctx, at, KindBadFrame, badFrame)
	}
	return nil
}

// streamQuirks are the protocol steps the handler skips for a profile.
type streamQuirks struct {
	noKeepAlive bool
	noDone      bool
	noUsage     bool
}

func (p profile) quirks() streamQuirks {
	return streamQuirks{
		noKeepAlive: p.name == ProfileStall || adversaryOf(p.name).noKeepAlive,
		noDone:      p.name == ProfileBrokenSSE,
		noUsage:     p.name == ProfileNoUsage,
	}
}

// quirksOf returns the handler-level quirks of a generation; only sim
// generations have any.
func quirksOf(g Generation) streamQuirks {
	// A thread's wrapper, then a debug wrapper, may sit around the sim's
	// generation.
	if w, ok := g.(interface{ Unwrap() Generation }); ok {
		g = w.Unwrap()
	}
	if w, ok := g.(*debugGen); ok {
		g = w.Generation
	}
	if sg, ok := g.(*simGeneration); ok {
		return sg.prof.quirks()
	}
	return streamQuirks{}
}

// profileFor applies the per-request metadata overrides to the server's
// profile.
func (p *sim) profileFor(meta map[string]any) (profile, error) {
	prof := p.prof
	if v, ok := meta[MetaProfile]; ok {
		name, isString := v.(string)
		if !isString {
			return profile{}, badRequest("metadata."+MetaProfile, "metadata.%s must be a string, one of %s",
				MetaProfile, strings.Join(Profiles(), ", "))
		}
		name = strings.TrimSpace(name)
		if err := checkProfile("metadata."+MetaProfile, name); err != nil || name == "" {
			return profile{}, badRequest("metadata."+MetaProfile, "metadata.%s %q: want one of %s",
				MetaProfile, name, strings.Join(Profiles(), ", "))
		}
		prof.name = name
	}
	if v, ok := meta[MetaTimeScale]; ok {
		f, ok := metaNumber(v)
		if !ok || checkTimeScale("", f) != nil {
			return profile{}, badRequest("metadata."+MetaTimeScale, "metadata.%s must be a number from 0 to %d",
				MetaTimeScale, maxTimeScale)
		}
		prof.scale = f
	}
	if v, ok := meta[MetaFault]; ok {
		if f, isString := v.(string); !isString || f != FaultMidstream {
			return profile{}, badRequest("metadata."+MetaFault, "metadata.%s: want %q", MetaFault, FaultMidstream)
		}
		prof.fault = FaultMidstream
	}
	return prof, nil
}

// newProfiledSim builds the sim for cfg: the oracle indexes of newSim, the
// profile, and the noisy profile's wrong answers. The wrong answers are
// prepared whatever cfg.Profile is, so that a request can still ask for
// noisy through its metadata.
func newProfiledSim(cfg Config) (*sim, error) {
	if err := checkProfile("profile", cfg.Profile); err != nil {
		return nil, err
	}
	if err := checkTimeScale("time scale", cfg.TimeScale); err != nil {
		return nil, err
	}
	share := cfg.NoisyShare
	if share == 0 {
		share = DefaultNoisyShare
	}
	if math.IsNaN(share) || share < 0 || share > 1 {
		return nil, &ProfileError{Field: "noisy share", Msg: fmt.Sprintf("%v: want a share from 0 to 1", cfg.NoisyShare)}
	}
	p := newSim(cfg.Pace, cfg.Seed, cfg.Suites)
	p.prof = profile{name: cfg.Profile, scale: cfg.TimeScale}
	if p.prof.name == "" {
		p.prof.name = ProfileOracle
	}
	if p.prof.scale == 0 {
		p.prof.scale = 1
	}
	for _, s := range cfg.Suites {
		if s != nil {
			p.markWrong(s, share)
			p.markAdversaries(s)
		}
	}
	return p, nil
}

// markWrong picks, in every family of s's tasks (quality with tools,
// streaming, multimodal, cost), round(share × its tasks) tasks in the
// order of a seeded hash of their ids, and gives their scripts a wrong
// answer. The share is exact per family rather than a coin flip per task,
// so that even a small suite loses quality by the share, and another seed
// picks other tasks.
func (p *sim) markWrong(s *suites.Suite, share float64) {
	type ranked struct {
		key uint64
		t   *suites.Task
	}
	families := map[string][]ranked{}
	var names []string
	for i := range s.Tasks {
		t := &s.Tasks[i]
		f := suites.Family(t.Category)
		if t.Category == suites.CatTools {
			f = "quality"
		}
		if _, ok := families[f]; !ok {
			names = append(names, f)
		}
		families[f] = append(families[f], ranked{key: taskKey(p.seed, t.ID), t: t})
	}
	for _, f := range names {
		rs := families[f]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].key < rs[j].key })
		k := int(math.Round(share * float64(len(rs))))
		for _, r := range rs[:k] {
			h := messagesHash(r.t.Messages)
			sc := p.byHash[h]
			if sc == nil || sc.wrong != nil {
				continue
			}
			sc.wrong = buildScript(r.t.ID, suites.Reference{Content: improvise(p.seed, h, wire.LastUser(r.t.Messages))}, p.seed)
		}
	}
}

// taskKey is a seeded hash of a task id.
func taskKey(seed uint64, id string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	return h.Sum64()
}

// emitRaw writes an already-framed frame when at is due, the way Emit
// writes a delta.
func (s *streamSink) emitRaw(ctx context.Context, at time.Time, kind string, frame []byte) error {
	if d := time.Until(at); d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-ctx.Done():
			return fmt.Errorf("stream %s: %w", s.rid, ctx.Err())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	if err := s.sw.WriteRaw(frame); err != nil {
		s.err = fmt.Errorf("stream %s: %w", s.rid, err)
		return s.err
	}
	s.sentLocked(kind)
	return nil
}
