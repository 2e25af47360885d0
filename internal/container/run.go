package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"time"

	"github.com/moby/moby/client"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/conform"
	"github.com/janus-bench/janus/record"
)

// session is one container's life around a run: connect, clean up what a
// crashed janus left, start, and always tear down.
type session struct {
	api *client.Client
	c   *Container
	o   Options
}

// open connects, removes leftovers of janus processes that are gone
// (`janus cleanup` on start) and starts the image.
func open(ctx context.Context, o Options) (*session, error) {
	o.defaults()
	api, err := Connect(ctx)
	if err != nil {
		return nil, err
	}
	if left, err := Cleanup(ctx, api, CleanupOptions{Logger: o.Logger}); err != nil {
		o.Logger.Warn("cleanup of leftover containers failed", "err", err)
	} else if n := removedCount(left); n > 0 {
		o.Logger.Warn("removed containers left behind by an earlier janus", "count", n)
	}
	c, err := Start(ctx, api, o)
	if err != nil {
		api.Close()
		return nil, err
	}
	return &session{api: api, c: c, o: o}, nil
}

// close tears the container down (whatever ctx says), saving its log to
// logPath first when set.
func (s *session) close(ctx context.Context, logPath string) (Usage, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var lerr error
	if logPath != "" {
		lerr = s.c.SaveLogs(ctx, logPath)
	}
	u, err := s.c.Close(ctx)
	s.api.Close()
	return u, errors.Join(lerr, err)
}

func removedCount(ls []Leftover) int {
	n := 0
	for _, l := range ls {
		if l.Removed {
			n++
		}
	}
	return n
}

// resources turns the container's figures into the report block.
func (s *session) resources(u Usage, logPath string) *record.Resources {
	c := s.c
	return &record.Resources{Image: s.o.Image, ImageID: c.ImageID, Container: c.Name,
		CPUs: c.CPUs, MemoryLimit: c.MemoryBytes,
		ReadyMs:    float64(c.Ready.Microseconds()) / 1000,
		CPUSeconds: u.CPUSeconds, MemPeakBytes: u.MemPeakBytes, MemMeanBytes: u.MemMeanBytes, GBSeconds: u.GBSeconds,
		NetRxBytes: u.NetRxBytes, NetTxBytes: u.NetTxBytes, PIDsPeak: u.PIDsPeak,
		OOMKilled: u.OOMKilled, Restarts: u.Restarts, Samples: u.Samples, SampledSeconds: u.Seconds,
		LogFile: logPath}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// BenchRun is `janus bench run --image`: it starts the image as the
// platform would, benchmarks it with bench.Run (ro.Target is its published
// port), puts its resource use in the report's resources block, saves its
// log to <out>.container.log and removes it — on success, on error and on
// Ctrl-C alike.
func BenchRun(ctx context.Context, co Options, ro bench.RunOptions) (*record.Report, error) {
	if ro.Target != "" {
		return nil, &bench.InputError{Op: "check options", Err: fmt.Errorf("--image and --target exclude each other")}
	}
	if ro.Out == "" {
		if ro.Resume {
			return nil, &bench.InputError{Op: "check options", Err: fmt.Errorf("--resume with --image needs --out")}
		}
		ro.Out = filepath.Join("runs", time.Now().UTC().Format("20060102T150405Z")+"-"+unsafeName.ReplaceAllString(co.Image, "_")+".json")
	}
	if co.Logger == nil {
		co.Logger = ro.Logger
	}
	logPath := ro.Out + ".container.log"
	co.LogPath = logPath
	s, err := open(ctx, co)
	if err != nil {
		return nil, fmt.Errorf("run image %s: %w", co.Image, err)
	}
	ro.Target, ro.TargetName = s.c.BaseURL, "docker-image://"+co.Image
	ro.Resources = func(ctx context.Context) *record.Resources {
		return s.resources(s.c.Usage(context.WithoutCancel(ctx)), logPath)
	}
	rep, err := bench.Run(ctx, ro)
	if _, cerr := s.close(ctx, logPath); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return rep, err
}

// ConformImage is `janus conform --image`: the conformance checks of
// package conform against the running image, followed by the container
// contract checks (Check). The error is what conform.Run would return.
func ConformImage(ctx context.Context, co Options, copts conform.Options, long bool) (*conform.Report, error) {
	if copts.Target != "" {
		return nil, &bench.InputError{Op: "check options", Err: fmt.Errorf("--image and --target exclude each other")}
	}
	s, err := open(ctx, co)
	if err != nil {
		return nil, fmt.Errorf("run image %s: %w", co.Image, err)
	}
	defer s.close(ctx, "")
	copts.Target = s.c.BaseURL
	rep, err := conform.Run(ctx, copts)
	var te *bench.ThresholdError
	if rep == nil || err != nil && !errors.As(err, &te) {
		return rep, err
	}
	rep.Image = co.Image
	extra := Check(ctx, s.c, CheckOptions{Model: rep.Model, APIKey: copts.APIKey, Header: copts.Header, Long: long})
	return rep, rep.Add(extra...)
}

// ImageCheck is `janus image check`: start the image, run the container
// contract checks (Check) and tear it down. A container that does not
// start is a *StartError; a failed required check a *bench.ThresholdError
// with the report.
func ImageCheck(ctx context.Context, co Options, o CheckOptions) (*conform.Report, error) {
	s, err := open(ctx, co)
	if err != nil {
		return nil, fmt.Errorf("image check %s: %w", co.Image, err)
	}
	defer s.close(ctx, "")
	if o.Model == "" {
		o.Model = firstModel(ctx, s.c.BaseURL, o)
	}
	rep := &conform.Report{Tool: "janus image check", Version: bench.HarnessVersion(), Target: s.c.BaseURL,
		Image: co.Image, Model: o.Model, StartedAt: time.Now().UTC()}
	err = rep.Add(Check(ctx, s.c, o)...)
	rep.DurationMs = float64(time.Since(rep.StartedAt).Microseconds()) / 1000
	return rep, err
}

// firstModel is the first id of GET /v1/models, or "" (a competitor may
// not list models; the checks then send no model).
func firstModel(ctx context.Context, base string, o CheckOptions) string {
	ids, _, err := bench.ListModels(ctx, &trace.Client{BaseURL: base, APIKey: o.APIKey, Header: o.Header})
	if err != nil || len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// CleanupList is Cleanup on the engine named by the environment.
func CleanupList(ctx context.Context, o CleanupOptions) ([]Leftover, error) {
	api, err := Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer api.Close()
	return Cleanup(ctx, api, o)
}

// CleanupAll is `janus cleanup`: it removes the containers crashed janus
// processes left (see Cleanup) and writes one line per janus container
// found to w (asJSON: a JSON array of Leftover).
func CleanupAll(ctx context.Context, o CleanupOptions, w io.Writer, asJSON bool) error {
	left, err := CleanupList(ctx, o)
	if asJSON {
		if left == nil {
			left = []Leftover{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return errors.Join(err, enc.Encode(left))
	}
	for _, l := range left {
		verb := "kept   "
		if l.Removed {
			verb = "removed"
		}
		fmt.Fprintf(w, "%s %s (image %s, run %s, created %s, %s): %s\n", verb, l.Name, l.Image, l.Run,
			l.Created.UTC().Format(time.RFC3339), l.State, l.Why)
	}
	fmt.Fprintf(w, "%d janus container(s) removed, %d kept\n", removedCount(left), len(left)-removedCount(left))
	return err
}
