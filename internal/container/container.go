// Package container runs a competitor's container image the way the
// platform would, so a miner can self-test it before submitting: it starts
// the image through the Docker Engine API (DOCKER_HOST honoured) with the
// platform's limits, waits for /health, samples the container's resource
// use while janus benchmarks or checks it, saves its logs, and always
// removes it again.
//
// It sits beside bench and conform rather than inside either because both
// (and `janus image check`) use it: it wraps a run of theirs with a
// container, and they never import it.
package container

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/exitcode"
)

// Labels janus puts on every container it starts; Cleanup finds them by
// LabelRun.
const (
	LabelRun     = "janus.run"     // the run id
	LabelCreated = "janus.created" // unix seconds at creation
	LabelPID     = "janus.pid"     // the janus process that owns the container
	LabelHost    = "janus.host"    // the host name of that process
	LabelImage   = "janus.image"   // the image reference as given
)

// The competitor contract (Janus PoC): port 8080, ready within 30 s, 4 CPU
// and 16 GB on the platform.
const (
	ContainerPort       = "8080/tcp"
	DefaultReadyTimeout = 30 * time.Second
	DefaultCPUs         = 4.0
	DefaultMemoryBytes  = 16 << 30
	// LogTailLines is how much of the container's log a start failure
	// carries.
	LogTailLines = 50
)

// Options describe how to run an image. Zero values mean the platform's
// defaults.
type Options struct {
	// Image is the image reference (name:tag or id). It must exist
	// locally: janus never pulls.
	Image string
	// Env are KEY=VAL pairs, after the variables of EnvFiles (a later
	// value of a key wins, as with docker run).
	Env []string
	// EnvFiles are files of KEY=VAL lines (# comments and blank lines
	// ignored; a bare KEY takes janus's own value, as with docker run).
	EnvFiles []string
	// CPUs and MemoryBytes limit the container (defaults 4 and 16 GiB).
	CPUs        float64
	MemoryBytes int64
	// Network is the network to attach to; empty is the engine's default
	// bridge.
	Network string
	// ReadyTimeout bounds the wait for /health to say "ok" (default 30 s).
	ReadyTimeout time.Duration
	// Cmd replaces the image's CMD (the arguments after its entrypoint);
	// nil keeps it. Tests use it to pace the baseline image.
	Cmd []string
	// LogPath, when set, receives the container's whole log if it fails
	// to start (a run saves it there at teardown too).
	LogPath string
	// RunID labels the container; empty makes one.
	RunID string
	// Logger receives progress; nil discards.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.CPUs <= 0 {
		o.CPUs = DefaultCPUs
	}
	if o.MemoryBytes <= 0 {
		o.MemoryBytes = DefaultMemoryBytes
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = DefaultReadyTimeout
	}
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// NewRunID returns a fresh run id: UTC time and random hex.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b[:])
}

// ErrInterrupted says the wait for a container was cut short (Ctrl-C);
// the container was removed. The CLI maps it to exit code 130.
var ErrInterrupted = exitcode.New(exitcode.Interrupted, "interrupted")

// StartError says the container did not become a ready competitor: it
// exited, or /health never said "ok" in time. It carries what a miner
// needs to fix it. The CLI maps it to exit code 1.
type StartError struct {
	Image string
	// Reason is "exited", "not ready" or "oom-killed".
	Reason string
	// ExitCode is the container's exit code when it exited, else -1.
	ExitCode int
	// Detail says more (the last /health answer, the engine's error).
	Detail string
	// LogTail is the last LogTailLines lines of the container's output.
	LogTail []string
	// Waited is how long janus waited.
	Waited time.Duration
}

func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "image %s: %s", e.Image, e.Reason)
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, " with exit code %d", e.ExitCode)
	}
	fmt.Fprintf(&b, " after %s", e.Waited.Round(10*time.Millisecond))
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	if len(e.LogTail) == 0 {
		b.WriteString("; the container wrote no log")
	} else {
		fmt.Fprintf(&b, "; last %d log lines:\n", len(e.LogTail))
		for _, l := range e.LogTail {
			b.WriteString("  | " + l + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Container is a started, ready competitor.
type Container struct {
	ID, Name string
	// BaseURL is http://127.0.0.1:PORT/v1 on the published port.
	BaseURL string
	// HealthURL is the container's /health on the published port.
	HealthURL string
	// ImageID is the image's content id.
	ImageID string
	// Ready is the time from the start call to the first "ok" /health.
	Ready time.Duration
	// CPUs and MemoryBytes are the limits the container runs with.
	CPUs        float64
	MemoryBytes int64

	o       Options
	api     *client.Client
	sampler *sampler
	closed  bool
}

// Connect opens a client to the Docker engine named by the environment
// (DOCKER_HOST, DOCKER_API_VERSION, …) and checks it answers, negotiating
// the API version down to the engine's.
func Connect(ctx context.Context) (*client.Client, error) {
	api, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := api.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		api.Close()
		return nil, &EngineError{Err: err}
	}
	return api, nil
}

// EngineError says no Docker engine answered.
type EngineError struct{ Err error }

func (e *EngineError) Error() string {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = client.DefaultDockerHost
	}
	return fmt.Sprintf("no Docker engine answers at %s (set DOCKER_HOST?): %v", host, e.Err)
}
func (e *EngineError) Unwrap() error { return e.Err }

// Start runs o.Image and waits until its /health says "ok". On any
// failure the container is removed before Start returns; a container that
// exited or never became ready is a *StartError.
func Start(ctx context.Context, api *client.Client, o Options) (*Container, error) {
	o.defaults()
	env, err := Environment(o.EnvFiles, o.Env)
	if err != nil {
		return nil, err
	}
	img, err := api.ImageInspect(ctx, o.Image)
	if cerrdefs.IsNotFound(err) {
		return nil, &ImageError{Image: o.Image, Err: err}
	} else if err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", o.Image, err)
	}
	// The engine refuses a CPU limit above the machine's CPUs; on a
	// smaller machine than the platform's the limit is the machine.
	if info, err := api.Info(ctx, client.InfoOptions{}); err == nil && info.Info.NCPU > 0 && o.CPUs > float64(info.Info.NCPU) {
		o.Logger.Warn("CPU limit above this machine's CPUs; using all of them", "asked", o.CPUs, "cpus", info.Info.NCPU)
		o.CPUs = float64(info.Info.NCPU)
	}
	host, _ := os.Hostname()
	port := network.MustParsePort(ContainerPort)
	cfg := &ctypes.Config{
		Image:        o.Image,
		Env:          env,
		ExposedPorts: network.PortSet{port: {}},
		Labels: map[string]string{
			LabelRun: o.RunID, LabelCreated: strconv.FormatInt(time.Now().Unix(), 10),
			LabelPID: strconv.Itoa(os.Getpid()), LabelHost: host, LabelImage: o.Image,
		},
	}
	if o.Cmd != nil {
		cfg.Cmd = o.Cmd
	}
	hc := &ctypes.HostConfig{
		PortBindings: network.PortMap{port: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: ""}}},
		Resources: ctypes.Resources{
			NanoCPUs: int64(o.CPUs * 1e9),
			Memory:   o.MemoryBytes,
			// No swap beyond the memory limit: the platform's 16 GB is RAM.
			MemorySwap: o.MemoryBytes,
		},
		NetworkMode: ctypes.NetworkMode(o.Network),
	}
	name := "janus-" + o.RunID
	created, err := api.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: hc, Name: name})
	if err != nil {
		return nil, fmt.Errorf("create container from %s: %w", o.Image, err)
	}
	c := &Container{ID: created.ID, Name: name, ImageID: img.ID, CPUs: o.CPUs, MemoryBytes: o.MemoryBytes, o: o, api: api}
	o.Logger.Info("container created", "name", name, "id", short(c.ID), "image", o.Image)
	begin := time.Now()
	if _, err := api.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		c.remove(ctx)
		return nil, fmt.Errorf("start container %s from %s: %w", name, o.Image, err)
	}
	// Sampling starts with the container, so start-up costs count.
	c.sampler = startSampler(ctx, api, c.ID, o.Logger)
	if err := c.waitReady(ctx, begin); err != nil {
		c.sampler.stop()
		c.remove(ctx)
		return nil, err
	}
	c.Ready = time.Since(begin)
	o.Logger.Info("container ready", "name", name, "url", c.BaseURL, "ready", c.Ready)
	return c, nil
}

// ImageError says the image is not there to run.
type ImageError struct {
	Image string
	Err   error
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("image %s is not in the local Docker engine (janus never pulls; build or load it first): %v", e.Image, e.Err)
}
func (e *ImageError) Unwrap() error { return e.Err }

// ExitCode makes a missing image end the process with the usage code.
func (e *ImageError) ExitCode() int { return exitcode.Usage }

// waitReady finds the published port and polls /health until it says
// "ok", the container stops running, or ReadyTimeout passes.
func (c *Container) waitReady(ctx context.Context, begin time.Time) error {
	deadline := begin.Add(c.o.ReadyTimeout)
	hc := &http.Client{Timeout: 2 * time.Second, CheckRedirect: trace.NoRedirects}
	defer hc.CloseIdleConnections()
	last := "no answer yet"
	for {
		ins, err := c.api.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			return fmt.Errorf("inspect container %s: %w", c.Name, err)
		}
		st := ins.Container.State
		if st != nil && !st.Running && st.Status != "created" {
			reason := "exited"
			if st.OOMKilled {
				reason = "oom-killed"
			}
			return c.startError(ctx, reason, st.ExitCode, strings.TrimSpace(st.Error), begin)
		}
		if c.HealthURL == "" && ins.Container.NetworkSettings != nil {
			for _, b := range ins.Container.NetworkSettings.Ports[network.MustParsePort(ContainerPort)] {
				if b.HostPort != "" {
					addr := "127.0.0.1:" + b.HostPort
					c.HealthURL, c.BaseURL = "http://"+addr+"/health", "http://"+addr+"/v1"
					break
				}
			}
		}
		if c.HealthURL != "" {
			ok, what := probeHealth(ctx, hc, c.HealthURL)
			if ok {
				return nil
			}
			last = what
		}
		if time.Now().After(deadline) {
			return c.startError(ctx, "not ready", -1, fmt.Sprintf("GET /health did not say {\"status\":\"ok\"} within %s; last: %s", c.o.ReadyTimeout, last), begin)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for container %s to be ready: %w", c.Name, errors.Join(ErrInterrupted, ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// probeHealth GETs url once: ok when the answer is 200 with a JSON object
// whose status is "ok"; otherwise what it saw, for the error.
func probeHealth(ctx context.Context, hc *http.Client, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var h struct {
		Status string `json:"status"`
	}
	if resp.StatusCode == http.StatusOK && json.Unmarshal(body, &h) == nil && h.Status == "ok" {
		return true, ""
	}
	return false, fmt.Sprintf("HTTP %d %q", resp.StatusCode, clip.Bytes(string(body), 200, clip.Ellipsis))
}

func (c *Container) startError(ctx context.Context, reason string, code int, detail string, begin time.Time) error {
	tail, _ := c.Logs(ctx, LogTailLines)
	if c.o.LogPath != "" {
		if err := c.SaveLogs(ctx, c.o.LogPath); err != nil {
			c.o.Logger.Warn("cannot save the container log", "err", err)
		}
	}
	return &StartError{Image: c.o.Image, Reason: reason, ExitCode: code, Detail: detail, LogTail: tail, Waited: time.Since(begin)}
}

// Logs returns the last n lines of the container's stdout and stderr
// (n ≤ 0: all of it), interleaved as the engine stored them.
func (c *Container) Logs(ctx context.Context, n int) ([]string, error) {
	var buf bytes.Buffer
	if err := c.writeLogs(ctx, &buf, n); err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if n > 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}

func (c *Container) writeLogs(ctx context.Context, w io.Writer, n int) error {
	tail := "all"
	if n > 0 {
		tail = strconv.Itoa(n)
	}
	rc, err := c.api.ContainerLogs(ctx, c.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: tail})
	if err != nil {
		return fmt.Errorf("logs of container %s: %w", c.Name, err)
	}
	defer rc.Close()
	// Without a TTY the engine multiplexes both streams into one with
	// 8-byte frame headers; both go to w in order.
	if _, err := stdcopy.StdCopy(w, w, rc); err != nil {
		return fmt.Errorf("read logs of container %s: %w", c.Name, err)
	}
	return nil
}

// SaveLogs writes the container's whole stdout and stderr to path.
func (c *Container) SaveLogs(ctx context.Context, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("save container log: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = c.writeLogs(ctx, bw, 0)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save container log %s: %w", path, err)
	}
	return nil
}

// Close stops sampling, reads the container's final state and removes it.
// It is safe to call more than once and runs even when ctx is already
// cancelled (Ctrl-C): teardown must happen. The returned figures are
// those of the whole life of the container.
func (c *Container) Close(ctx context.Context) (Usage, error) {
	if c.closed {
		return c.sampler.usage(), nil
	}
	c.closed = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	c.sampler.final(ctx)
	u := c.sampler.usage()
	if ins, err := c.api.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{}); err == nil {
		u.Restarts = ins.Container.RestartCount
		if ins.Container.State != nil {
			u.OOMKilled = ins.Container.State.OOMKilled
		}
	}
	return u, c.remove(ctx)
}

// Usage samples the container now, without stopping it, for a report
// written before teardown.
func (c *Container) Usage(ctx context.Context) Usage {
	c.sampler.final(ctx)
	u := c.sampler.usage()
	if ins, err := c.api.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{}); err == nil {
		u.Restarts = ins.Container.RestartCount
		if ins.Container.State != nil {
			u.OOMKilled = ins.Container.State.OOMKilled
		}
	}
	return u
}

func (c *Container) remove(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := c.api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	c.o.Logger.Info("container removed", "name", c.Name)
	return nil
}

func isNotFound(err error) bool {
	return cerrdefs.IsNotFound(err) || strings.Contains(strings.ToLower(err.Error()), "no such container")
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
