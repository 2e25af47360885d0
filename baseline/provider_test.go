package baseline_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// fakeProvider lets a test script a provider's behaviour.
type fakeProvider struct {
	openErr error
	run     func(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error)
}

func (f *fakeProvider) Name() string       { return "fake" }
func (f *fakeProvider) Features() []string { return []string{"scripted"} }
func (f *fakeProvider) Open(context.Context, *baseline.Request) (baseline.Generation, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	return f, nil
}
func (f *fakeProvider) Run(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error) {
	return f.run(ctx, sink)
}

func content(s string) baseline.Event {
	return baseline.Event{Kind: baseline.KindContent, Delta: wire.Delta{Content: s}}
}

// TestProviderOpenErrors checks that Open's errors become HTTP errors.
func TestProviderOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		typ    string
	}{
		{&baseline.RequestError{Status: http.StatusNotFound, Type: "invalid_request_error", Param: "model", Message: "no such model"},
			http.StatusNotFound, "invalid_request_error"},
		{errors.New("upstream unreachable"), http.StatusInternalServerError, "server_error"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			cfg := fast()
			cfg.Provider = &fakeProvider{openErr: tc.err}
			ts := serve(t, cfg)
			env := envelope(t, post(t, context.Background(), ts.URL, userRequest("hi", true), nil), tc.status)
			if env.Error.Type != tc.typ {
				t.Errorf("%v: type %q", tc.err, env.Error.Type)
			}
		})
	}
}

// TestProviderFailsMidStream checks that a failure after the stream began
// is reported as an error chunk, then the stream still ends properly:
// finish_reason "error" and [DONE] (Jangar's rule).
func TestProviderFailsMidStream(t *testing.T) {
	obs := newObserved()
	cfg := fast()
	cfg.Observer = obs.observe
	cfg.Provider = &fakeProvider{run: func(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error) {
		if err := sink.Emit(ctx, content("partial")); err != nil {
			return baseline.Outcome{}, err
		}
		return baseline.Outcome{}, errors.New("sandbox crashed")
	}}
	ts := serve(t, cfg)
	resp := post(t, context.Background(), ts.URL, userRequest("hi", true), nil)
	defer resp.Body.Close()
	frames := readFrames(t, resp.Body)
	if len(frames) != 5 || frames[4].data != "[DONE]" {
		t.Fatalf("frames %+v, want role, content, error, finish, [DONE]", frames)
	}
	var c wire.Chunk
	if err := json.Unmarshal([]byte(frames[2].data), &c); err != nil || c.Error == nil || c.Error.Type != "server_error" {
		t.Errorf("frame %q is not an error chunk (%v)", frames[2].data, err)
	}
	var fin wire.Chunk
	if err := json.Unmarshal([]byte(frames[3].data), &fin); err != nil || len(fin.Choices) != 1 ||
		fin.Choices[0].FinishReason == nil || *fin.Choices[0].FinishReason != baseline.FinishError {
		t.Errorf("frame %q is not the finish chunk (%v)", frames[3].data, err)
	}
	if ev := obs.snapshot(); len(ev) != 5 || ev[2].kind != baseline.KindError || ev[4].kind != baseline.KindDone {
		t.Errorf("observer saw %+v", ev)
	}
}

// TestKeepAliveWhileProviderBusy checks that keep-alives also flow while a
// provider is busy between two events (not only while an event waits for
// its deadline): the provider only continues once a ping has gone out.
func TestKeepAliveWhileProviderBusy(t *testing.T) {
	obs := newObserved()
	cfg := fast()
	cfg.Observer = obs.observe
	cfg.KeepAlive = 5 * time.Millisecond
	cfg.Provider = &fakeProvider{run: func(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error) {
		if err := sink.Emit(ctx, content("a")); err != nil {
			return baseline.Outcome{}, err
		}
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case ev := <-obs.notify:
				if ev.kind == baseline.KindKeepAlive {
					break wait
				}
			case <-timeout:
				return baseline.Outcome{}, errors.New("no keep-alive while busy")
			case <-ctx.Done():
				return baseline.Outcome{}, ctx.Err()
			}
		}
		if err := sink.Emit(ctx, content("b")); err != nil {
			return baseline.Outcome{}, err
		}
		return baseline.Outcome{FinishReason: "stop"}, nil
	}}
	ts := serve(t, cfg)
	s := stream(t, ts.URL, userRequest("hi", true), nil)
	if s.comments < 1 || s.content != "ab" || s.finish != "stop" || !s.doneLast {
		t.Errorf("comments %d content %q finish %q done last %v", s.comments, s.content, s.finish, s.doneLast)
	}
	var h struct {
		Provider string `json:"provider"`
	}
	getJSON(t, ts.URL+"/health", &h)
	if h.Provider != "fake" {
		t.Errorf("health provider = %q", h.Provider)
	}
}
