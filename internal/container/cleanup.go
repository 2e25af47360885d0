package container

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/moby/moby/client"
)

// CleanupOptions choose which janus containers Cleanup removes.
type CleanupOptions struct {
	// Before: only containers created before this time; zero means now.
	Before time.Time
	// Force also removes containers whose janus process still runs on
	// this host (another run in progress).
	Force bool
	// RunID, when set, removes only that run's containers.
	RunID  string
	Logger *slog.Logger
}

// Leftover is one janus container Cleanup found.
type Leftover struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Image   string    `json:"image"`
	Run     string    `json:"run"`
	PID     int       `json:"pid"`
	Created time.Time `json:"created"`
	State   string    `json:"state"`
	// Removed is false for a container left alone; Why says why.
	Removed bool   `json:"removed"`
	Why     string `json:"why"`
}

// Cleanup removes containers janus started (label janus.run) that were
// created before o.Before and whose janus process is gone: those a
// crashed or killed janus left behind. A container of a janus that still
// runs on this host is left alone unless o.Force, so two runs on one
// machine never tear each other down.
func Cleanup(ctx context.Context, api *client.Client, o CleanupOptions) ([]Leftover, error) {
	if o.Before.IsZero() {
		o.Before = time.Now()
	}
	f := client.Filters{}.Add("label", LabelRun)
	if o.RunID != "" {
		f = client.Filters{}.Add("label", LabelRun+"="+o.RunID)
	}
	list, err := api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list janus containers: %w", err)
	}
	host, _ := os.Hostname()
	var out []Leftover
	var errs []error
	for _, s := range list.Items {
		l := Leftover{ID: s.ID, Image: s.Labels[LabelImage], Run: s.Labels[LabelRun], Created: time.Unix(s.Created, 0), State: string(s.State)}
		if len(s.Names) > 0 {
			l.Name = trimSlash(s.Names[0])
		}
		l.PID, _ = strconv.Atoi(s.Labels[LabelPID])
		switch {
		case !l.Created.Before(o.Before):
			l.Why = "created after this run started"
		case !o.Force && s.Labels[LabelHost] == host && l.PID > 0 && alive(l.PID):
			l.Why = fmt.Sprintf("its janus (pid %d) is still running; --force removes it", l.PID)
		case !o.Force && s.Labels[LabelHost] != host:
			l.Why = fmt.Sprintf("started from host %q, not this one; --force removes it", s.Labels[LabelHost])
		default:
			_, err := api.ContainerRemove(ctx, s.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !isNotFound(err) {
				errs = append(errs, fmt.Errorf("remove container %s: %w", l.Name, err))
				l.Why = err.Error()
			} else {
				l.Removed, l.Why = true, "left behind by a janus that is gone"
				if o.Force {
					l.Why = "removed with --force"
				}
				if o.Logger != nil {
					o.Logger.Info("removed leftover container", "name", l.Name, "run", l.Run)
				}
			}
		}
		out = append(out, l)
	}
	return out, errors.Join(errs...)
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}
