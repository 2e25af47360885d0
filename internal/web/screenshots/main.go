// Command screenshots writes a PNG of each web page at 375 px and 1280 px
// wide (`make screenshots`): it fills a temporary store with the demo's
// calibrated sim competitors, serves the pages, and drives headless
// Chromium over them.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/internal/web"
	"github.com/janus-bench/janus/leaderboard"
)

func main() {
	out := flag.String("out", "docs/screenshots", "directory for the PNGs")
	chromium := flag.String("chromium", "chromium", "Chromium binary")
	flag.Parse()
	if err := run(*out, *chromium); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out, chromium string) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "janus-shots-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	log := slog.New(slog.DiscardHandler)
	srv, err := service.New(ctx, service.Config{Store: filepath.Join(tmp, "janus.db"), PublicRead: true, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close(ctx)
	if _, err := web.Mount(srv, web.Options{PublicRead: true, Logger: log}); err != nil {
		return err
	}
	if err := web.Demo(ctx, srv.Store(), web.DemoOptions{Dir: filepath.Join(tmp, "reports")}); err != nil {
		return err
	}
	_, key, err := srv.Store().CreateKey(ctx, "demo-user", leaderboard.RoleSubmitter, 0)
	if err != nil {
		return err
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	pages, err := pageList(ctx, srv.Store())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	actx, cancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	// Sign in once, for the submit page.
	if err := do(bctx, chromedp.Navigate(hs.URL+"/signin"), chromedp.SetValue(`#key`, key),
		chromedp.Click(`form.stack button`), chromedp.WaitVisible(`#competitor`)); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	for _, p := range pages {
		for _, w := range []int64{375, 1280} {
			if err := shot(bctx, hs.URL+p.path, w, filepath.Join(out, fmt.Sprintf("%s-%d.png", p.name, w))); err != nil {
				return fmt.Errorf("%s at %d px: %w", p.name, w, err)
			}
		}
	}
	return nil
}

type page struct{ name, path string }

// pageList picks the demo's runs for the run, task and compare pages.
func pageList(ctx context.Context, st *leaderboard.Store) ([]page, error) {
	best, err := st.ListRuns(ctx, leaderboard.RunFilter{Competitor: "sim-stall", Limit: 1})
	if err != nil || len(best) == 0 {
		return nil, fmt.Errorf("demo runs: %v", err)
	}
	oracle, err := st.ListRuns(ctx, leaderboard.RunFilter{Competitor: "sim-oracle", Limit: 1})
	if err != nil || len(oracle) == 0 {
		return nil, fmt.Errorf("demo runs: %v", err)
	}
	d, err := st.GetRun(ctx, best[0].ID)
	if err != nil {
		return nil, err
	}
	taskID := d.Tasks[0].ID
	for _, t := range d.Tasks {
		if t.Category == "streaming" {
			taskID = t.ID
		}
	}
	run := "/runs/" + url.PathEscape(best[0].ID)
	return []page{{"leaderboard", "/"}, {"arena", "/?tab=arena"}, {"run", run}, {"task", run + "/tasks/" + url.PathEscape(taskID)},
		{"compare", "/compare?base=" + url.QueryEscape(oracle[0].ID) + "&next=" + url.QueryEscape(best[0].ID)},
		{"competitor", "/competitors/sim-stall"}, {"submit", "/submit"}}, nil
}

func do(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// shot loads a page at a width and writes a PNG of the whole page.
func shot(ctx context.Context, u string, width int64, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(u)); err != nil {
		return err
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}
