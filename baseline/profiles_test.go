package baseline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// profiled is a fast config under a profile; the time scale shrinks the
// profiles' 3 s delays to 30 ms.
func profiled(name string) baseline.Config {
	cfg := fast()
	cfg.Profile, cfg.TimeScale = name, 0.01
	return cfg
}

// rawStream posts a streamed smoke task and returns its frames without
// judging them, so broken streams can be inspected.
func rawStream(t *testing.T, base, taskID string, meta map[string]any) []frame {
	t.Helper()
	req := task(t, taskID).ChatRequest("m", true)
	req.Metadata = meta
	resp := post(t, context.Background(), base, req, nil)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return readFrames(t, resp.Body)
}

// TestProfilesOnTheWire checks what each profile changes in a stream, and
// that it changes nothing else: every profile but noisy still answers
// with the reference.
func TestProfilesOnTheWire(t *testing.T) {
	const id = "smoke-stream-count"
	cases := []struct {
		profile string
		// keepAlive is the server's keep-alive period for the case.
		keepAlive time.Duration
		check     func(t *testing.T, fs []frame, ref string)
	}{
		// The oracle: reference answer, usage, [DONE] last.
		{baseline.ProfileOracle, 0, func(t *testing.T, fs []frame, ref string) {
			c, usage, done, bad := assemble(fs)
			if c != ref || usage != 1 || !done || bad != 0 {
				t.Errorf("content %q usage %d done %v bad %d", c, usage, done, bad)
			}
		}},
		// no-usage: everything but the usage chunk, although it was asked for.
		{baseline.ProfileNoUsage, 0, func(t *testing.T, fs []frame, ref string) {
			c, usage, done, _ := assemble(fs)
			if c != ref || usage != 0 || !done {
				t.Errorf("content %q usage chunks %d done %v", c, usage, done)
			}
		}},
		// broken-sse: one frame that is not JSON, no [DONE], the answer intact.
		{baseline.ProfileBrokenSSE, 0, func(t *testing.T, fs []frame, ref string) {
			c, _, done, bad := assemble(fs)
			if c != ref || done || bad != 1 {
				t.Errorf("content %q done %v non-JSON frames %d", c, done, bad)
			}
		}},
		// stall: a keep-alive period far shorter than the stall, yet no
		// ping: the profile's silence is total.
		{baseline.ProfileStall, time.Millisecond, func(t *testing.T, fs []frame, ref string) {
			c, _, done, _ := assemble(fs)
			pings := 0
			for _, f := range fs {
				if f.isComment() {
					pings++
				}
			}
			if c != ref || !done || pings != 0 {
				t.Errorf("content %q done %v pings %d", c, done, pings)
			}
		}},
		// buffered and slow change only timing, which TestProfileSchedule
		// covers; the stream itself is the oracle's.
		{baseline.ProfileBuffered, 0, func(t *testing.T, fs []frame, ref string) {
			if c, usage, done, bad := assemble(fs); c != ref || usage != 1 || !done || bad != 0 {
				t.Errorf("content %q usage %d done %v bad %d", c, usage, done, bad)
			}
		}},
		{baseline.ProfileSlow, 0, func(t *testing.T, fs []frame, ref string) {
			if c, usage, done, bad := assemble(fs); c != ref || usage != 1 || !done || bad != 0 {
				t.Errorf("content %q usage %d done %v bad %d", c, usage, done, bad)
			}
		}},
	}
	ref := task(t, id).Reference.Content
	for _, tc := range cases {
		t.Run(tc.profile, func(t *testing.T) {
			// Once as the server's profile, once picked per request on an
			// oracle server.
			cfg := profiled(tc.profile)
			if tc.keepAlive > 0 {
				cfg.KeepAlive = tc.keepAlive
			}
			tc.check(t, rawStream(t, serve(t, cfg).URL, id, nil), ref)
			cfg.Profile = ""
			tc.check(t, rawStream(t, serve(t, cfg).URL, id,
				map[string]any{baseline.MetaProfile: tc.profile, baseline.MetaTimeScale: "0.01"}), ref)
		})
	}
}

// assemble reads frames the way a tolerant client would: the content, the
// number of usage chunks, whether [DONE] came last, and how many data
// frames were not JSON.
func assemble(fs []frame) (content string, usage int, doneLast bool, bad int) {
	for i, f := range fs {
		if f.isComment() {
			continue
		}
		if f.data == "[DONE]" {
			doneLast = i == len(fs)-1
			continue
		}
		var c wire.Chunk
		if err := json.Unmarshal([]byte(f.data), &c); err != nil {
			bad++
			continue
		}
		if c.Usage != nil {
			usage++
		}
		for _, ch := range c.Choices {
			content += ch.Delta.Content
		}
	}
	return content, usage, doneLast, bad
}

// TestNoisyProfile checks the share and the seed: 30% of each family of
// smoke tasks (2 of its 6 quality and tools tasks, 1 of its 2 multimodal
// tasks, none of the single streaming and cost tasks) get a wrong answer,
// the rest the reference, and another seed picks other tasks.
func TestNoisyProfile(t *testing.T) {
	wrongSet := func(seed uint64) map[string]bool {
		cfg := profiled(baseline.ProfileNoisy)
		cfg.Seed = seed
		ts := serve(t, cfg)
		out := map[string]bool{}
		for _, tk := range smoke(t).Tasks {
			req := tk.ChatRequest("m", false)
			resp := post(t, context.Background(), ts.URL, req, nil)
			var c wire.Completion
			err := json.NewDecoder(resp.Body).Decode(&c)
			resp.Body.Close()
			if err != nil || len(c.Choices) != 1 {
				t.Fatalf("%s: %v", tk.ID, err)
			}
			m := c.Choices[0].Message
			// A multi-turn task's first turn is its tool calls alone.
			want := tk.Reference.Content
			if len(tk.ToolResults) > 0 {
				want = ""
			}
			right := m.Content == want && len(m.ToolCalls) == len(tk.Reference.ToolCalls)
			if !right {
				out[tk.ID] = true
				if strings.HasPrefix(tk.Category, "quality") || tk.Category == "tools" || tk.Category == "multimodal" {
					continue
				}
				t.Errorf("seed %d: %s (%s) answered wrongly; only quality, tools and multimodal tasks should be", seed, tk.ID, tk.Category)
			}
		}
		return out
	}
	sets := map[string]bool{}
	for i, seed := range []uint64{1, 2, 3, 4, 5} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			w := wrongSet(seed)
			mm := 0
			for id := range w {
				if strings.Contains(id, "vision") || strings.Contains(id, "draw") {
					mm++
				}
			}
			if len(w) != 3 || mm != 1 {
				t.Errorf("seed %d: %d wrong answers (%d multimodal), want 3 (1 multimodal): %v", seed, len(w), mm, w)
			}
			key := ""
			for _, tk := range smoke(t).Tasks {
				if w[tk.ID] {
					key += tk.ID + ","
				}
			}
			sets[key] = true
		})
	}
	if len(sets) < 2 {
		t.Errorf("five seeds all picked the same tasks: %v", sets)
	}
}

// TestProfileRequestErrors: a bad profile or time scale in the metadata
// is a 400 naming the field; in the Config it is a ProfileError.
func TestProfileRequestErrors(t *testing.T) {
	cases := []struct {
		name  string
		meta  map[string]any
		param string
	}{
		// A name the sim does not know.
		{"unknown profile", map[string]any{baseline.MetaProfile: "flaky"}, "metadata." + baseline.MetaProfile},
		// A profile that is not a string.
		{"profile not a string", map[string]any{baseline.MetaProfile: 3}, "metadata." + baseline.MetaProfile},
		// A negative time scale.
		{"negative scale", map[string]any{baseline.MetaTimeScale: -1}, "metadata." + baseline.MetaTimeScale},
		// A time scale that is not a number.
		{"scale not a number", map[string]any{baseline.MetaTimeScale: "fast"}, "metadata." + baseline.MetaTimeScale},
	}
	ts := serve(t, fast())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := task(t, "smoke-chat-capital").ChatRequest("m", true)
			req.Metadata = tc.meta
			resp := post(t, context.Background(), ts.URL, req, nil)
			defer resp.Body.Close()
			var env wire.ErrorEnvelope
			_ = json.NewDecoder(resp.Body).Decode(&env)
			if resp.StatusCode != http.StatusBadRequest || env.Error.Param == nil || *env.Error.Param != tc.param {
				t.Fatalf("status %d param %v, want 400 %q", resp.StatusCode, env.Error.Param, tc.param)
			}
		})
	}
	for i, cfg := range []baseline.Config{{Profile: "flaky"}, {TimeScale: -2}, {NoisyShare: 1.5}} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var pe *baseline.ProfileError
			if _, err := baseline.New(cfg); !errors.As(err, &pe) {
				t.Errorf("config %+v: err = %v, want a ProfileError", cfg, err)
			}
		})
	}
}
