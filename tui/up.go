package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/gateway"
	"github.com/janus-bench/janus/suites"
)

// Stack is the reference stack janus up runs in-process on loopback: the
// baseline sim behind the reference gateway.
type Stack struct {
	// URL is the gateway's base URL, ending in /v1.
	URL         string
	BaselineURL string
	stopBase    func(context.Context) error
	gw          *gateway.Running
}

// StartStack boots the baseline sim (its oracle knows every built-in suite)
// and a gateway routing to it as the default competitor "baseline".
func StartStack(ctx context.Context, o Options) (*Stack, error) {
	o.defaults()
	var all []*suites.Suite
	for _, name := range suites.Builtin() {
		s, err := suites.Load(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("start reference stack: load suite %s: %w", name, err)
		}
		all = append(all, s)
	}
	pace := o.Base.Pace
	if pace == (baseline.Pace{}) {
		pace = baseline.DefaultPace()
	}
	burl, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: pace, Suites: all, Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("start reference stack: baseline: %w", err)
	}
	st := &Stack{BaselineURL: burl, stopBase: stop}
	gw, err := gateway.Start(ctx, gateway.Options{Listen: "127.0.0.1:0", Competitors: []string{"baseline=" + burl + ",default"},
		Logger: o.Logger, ReloadInterval: -1})
	if err != nil {
		_ = st.Stop()
		return nil, fmt.Errorf("start reference stack: gateway: %w", err)
	}
	st.gw, st.URL = gw, gw.URL
	return st, nil
}

// Stop shuts the gateway and the baseline down, each within 2 s.
func (s *Stack) Stop() error {
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

// Up starts the reference stack, opens the TUI on it and stops everything
// when the TUI quits or ctx ends (Ctrl-C).
func Up(ctx context.Context, o Options) error {
	log, closeLog, err := o.logger()
	if err != nil {
		return err
	}
	defer closeLog()
	o.Logger = log
	st, err := StartStack(ctx, o)
	if err != nil {
		return err
	}
	defer st.Stop()
	log.Info("reference stack up", "gateway", st.URL, "baseline", st.BaselineURL)
	o.Target, o.TargetLabel = st.URL, "reference stack (gateway → baseline sim)"
	return Run(ctx, o)
}
