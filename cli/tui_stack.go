package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/gateway"
	"github.com/janus-bench/janus/suites"
	"github.com/janus-bench/janus/tui"
)

// stackLabel names janus up's target on the TUI's set-up screen.
const stackLabel = "reference stack (gateway → baseline sim)"

// stack is the reference stack janus up runs in-process on loopback: the
// baseline sim behind the reference gateway.
type stack struct {
	// URL is the gateway's base URL, ending in /v1.
	URL         string
	BaselineURL string
	stopBase    func(context.Context) error
	gw          *gateway.Running
}

// startStack boots the baseline sim (its oracle knows every built-in suite)
// at pace (zero: the default pace) and a gateway routing to it as the
// default competitor "baseline".
func startStack(ctx context.Context, pace baseline.Pace, log *slog.Logger) (*stack, error) {
	var all []*suites.Suite
	for _, name := range suites.Builtin() {
		s, err := suites.Load(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("start reference stack: load suite %s: %w", name, err)
		}
		all = append(all, s)
	}
	if pace == (baseline.Pace{}) {
		pace = baseline.DefaultPace()
	}
	burl, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: pace, Suites: all, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("start reference stack: baseline: %w", err)
	}
	st := &stack{BaselineURL: burl, stopBase: stop}
	gw, err := gateway.Start(ctx, gateway.Options{Listen: "127.0.0.1:0", Competitors: []string{"baseline=" + burl + ",default"},
		Logger: log, ReloadInterval: -1})
	if err != nil {
		_ = st.Stop()
		return nil, fmt.Errorf("start reference stack: gateway: %w", err)
	}
	st.gw, st.URL = gw, gw.URL
	return st, nil
}

// Stop shuts the gateway and the baseline down, each within 2 s.
func (s *stack) Stop() error {
	var errs []error
	if s.gw != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, s.gw.Stop(ctx))
		cancel()
	}
	if s.stopBase != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, s.stopBase(ctx))
		cancel()
	}
	return errors.Join(errs...)
}

// stackStart is janus up's tui.StartFunc: the reference stack at pace.
func stackStart(pace baseline.Pace) tui.StartFunc {
	return func(ctx context.Context, log *slog.Logger) (string, func(), error) {
		st, err := startStack(ctx, pace, log)
		if err != nil {
			return "", nil, err
		}
		log.Info("reference stack up", "gateway", st.URL, "baseline", st.BaselineURL)
		return st.URL, func() {
			if err := st.Stop(); err != nil {
				log.Warn("reference stack: stop", "err", err)
			}
		}, nil
	}
}
