package tui

import (
	"context"
	"fmt"
	"log/slog"
)

// StartFunc starts the target the TUI opens on (janus up's reference
// stack) and returns its base URL and how to stop it. The application
// builds it: the TUI knows only a URL, not what serves it.
type StartFunc func(ctx context.Context, log *slog.Logger) (url string, stop func(), err error)

// Up starts a target with start, opens the TUI on it (named label on the
// set-up screen) and stops the target when the TUI quits or ctx ends
// (Ctrl-C).
func Up(ctx context.Context, o Options, start StartFunc, label string) error {
	log, closeLog, err := o.logger()
	if err != nil {
		return err
	}
	defer closeLog()
	o.Logger = log
	url, stop, err := start(ctx, log)
	if err != nil {
		return fmt.Errorf("up: %w", err)
	}
	defer stop()
	o.Target, o.TargetLabel = url, label
	return Run(ctx, o)
}
