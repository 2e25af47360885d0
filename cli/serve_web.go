package cli

import (
	"fmt"
	"os"
	"path/filepath"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/internal/web"
	"github.com/janus-bench/janus/leaderboard"
)

// demoFlag is `janus serve --demo`.
func demoFlag() ucli.Flag {
	return &ucli.BoolFlag{Name: "demo", Usage: "fill a fresh store (a temporary one unless --store is given) with calibrated sim competitors' runs, for a populated web leaderboard"}
}

// demoStore points cfg at a temporary SQLite store for --demo when no
// --store was given, and returns the directory to remove afterwards.
func demoStore(c *ucli.Context, cfg *service.Config) (string, error) {
	// c.String, not c.IsSet: an empty JANUS_STORE counts as set for
	// IsSet, yet names no store.
	if !c.Bool("demo") || c.String("store") != "" {
		return "", nil
	}
	dir, err := os.MkdirTemp("", "janus-demo-*")
	if err != nil {
		return "", fmt.Errorf("--demo: %w", err)
	}
	cfg.Store = filepath.Join(dir, "janus.db")
	return dir, nil
}

// mountWeb mounts the web pages on s and, with --demo, fills its store
// (which must hold no run yet) before the listener opens. The pages'
// sign-in (w.Sessions()) is what another UI on the same server reuses.
func mountWeb(c *ucli.Context, s *service.Server, cfg service.Config) (*web.Web, error) {
	w, err := web.Mount(s, web.Options{PublicRead: cfg.PublicRead, Logger: logger()})
	if err != nil {
		return nil, err
	}
	if !c.Bool("demo") {
		return w, nil
	}
	runs, err := s.Store().ListRuns(c.Context, leaderboard.RunFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		return nil, usageErrorf("--demo wants a fresh store, and %s already holds runs (drop --store for a temporary one)", cfg.Store)
	}
	dir, err := os.MkdirTemp("", "janus-demo-reports-*")
	if err != nil {
		return nil, fmt.Errorf("--demo: %w", err)
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(c.App.ErrWriter, "janus serve --demo: running the sim's calibrated profiles into %s …\n", cfg.Store)
	if err := web.Demo(c.Context, s.Store(), web.DemoOptions{Dir: dir, Logger: logger()}); err != nil {
		return nil, err
	}
	fmt.Fprintln(c.App.ErrWriter, "janus serve --demo: store filled")
	return w, nil
}
