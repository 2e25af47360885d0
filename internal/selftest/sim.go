package selftest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/internal/monoclock"
	"github.com/janus-bench/janus/suites"
)

// The selftest's sim can run in a process of its own, so that the error
// measured is the harness's alone: an in-process sim shares the harness's
// heap, garbage collector and scheduler, and its 1,000 streams' goroutines
// and buffers count in the harness's RSS. The two processes talk over the
// child's stdin and stdout:
//
//	parent → child  {"ttft_ns":…,"per_token_ns":…,"tokens":…}   (first line)
//	child → parent  url http://127.0.0.1:PORT/v1
//	child → parent  f <request id> <kind> <CLOCK_MONOTONIC ns>   (one per frame flushed)
//	parent → child  sync        child → parent  synced
//
// A frame's time is when the sim's flush returned, on the machine-wide
// monotonic clock (internal/monoclock), which both processes read. Closing
// the child's stdin stops it.

// selftestSimConfig is the first line the parent writes.
type selftestSimConfig struct {
	TTFTNs     int64 `json:"ttft_ns"`
	PerTokenNs int64 `json:"per_token_ns"`
	Tokens     int   `json:"tokens"`
}

// selftestOracle is the one task the selftest sim answers: a known prompt
// with a known answer of n tokens (" tick" is one cl100k token), so every
// stream has the same schedule.
func selftestOracle(n int) (string, *suites.Suite) {
	prompt := "janus selftest: say tick " + strconv.Itoa(n) + " times"
	return prompt, &suites.Suite{Name: "selftest", Version: "1.0.0", Tasks: []suites.Task{{
		ID: "selftest", Category: suites.CatStreaming,
		Messages:  []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}},
		Reference: suites.Reference{Content: strings.Repeat(" tick", n)},
	}}}
}

// ServeSim is the child side of an out-of-process selftest (`janus
// bench selftest-sim`): it reads its configuration from in, serves the
// selftest's sim on a loopback port, reports the port and every frame's
// send time on out, answers each "sync", and returns when in is closed or
// ctx ends.
func ServeSim(ctx context.Context, in io.Reader, out io.Writer) error {
	rd := bufio.NewReader(in)
	line, err := rd.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return fmt.Errorf("selftest sim: read configuration: %w", err)
	}
	var cfg selftestSimConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		return fmt.Errorf("selftest sim: configuration %q: %w", bytes.TrimSpace(line), err)
	}
	if cfg.Tokens <= 0 || cfg.TTFTNs < 0 || cfg.PerTokenNs < 0 {
		return fmt.Errorf("selftest sim: configuration %q: tokens must be positive and delays not negative", bytes.TrimSpace(line))
	}
	_, oracle := selftestOracle(cfg.Tokens)
	w := &frameWriter{w: bufio.NewWriterSize(out, 64<<10)}
	url, stop, err := reference.Start(ctx, baseline.Config{
		Pace:      baseline.Pace{TTFT: time.Duration(cfg.TTFTNs), PerToken: time.Duration(cfg.PerTokenNs)},
		KeepAlive: -1, Observer: w.record, Suites: []*suites.Suite{oracle}}, time.Second)
	if err != nil {
		return fmt.Errorf("selftest sim: %w", err)
	}
	defer stop()
	if err := w.line("url " + url); err != nil {
		return err
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		for {
			l, err := rd.ReadString('\n')
			if l = strings.TrimSpace(l); l != "" {
				lines <- l
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case l, ok := <-lines:
			if !ok {
				return nil // parent closed stdin: done
			}
			if l == "sync" {
				if err := w.line("synced"); err != nil {
					return err
				}
			}
		}
	}
}

// frameWriter writes the child's frame lines; the observer runs on the
// sim's stream goroutines, so writes are serialised, and it appends into
// one scratch buffer to stay allocation-free at 20,000 frames/s.
type frameWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	buf []byte
	err error
}

func (f *frameWriter) record(id string, _ int, kind string, at time.Time) {
	ns := monoclock.Ns(at)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf[:0], "f "...)
	f.buf = append(f.buf, id...)
	f.buf = append(f.buf, ' ')
	f.buf = append(f.buf, kind...)
	f.buf = append(f.buf, ' ')
	f.buf = strconv.AppendInt(f.buf, ns, 10)
	f.buf = append(f.buf, '\n')
	if _, err := f.w.Write(f.buf); err != nil && f.err == nil {
		f.err = err
	}
}

// line writes a control line and flushes everything before it.
func (f *frameWriter) line(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return fmt.Errorf("selftest sim: write: %w", f.err)
	}
	f.w.WriteString(s)
	f.w.WriteByte('\n')
	if err := f.w.Flush(); err != nil {
		return fmt.Errorf("selftest sim: write: %w", err)
	}
	return nil
}

// simProcess is the parent's handle on a selftest sim in its own process.
type simProcess struct {
	url    string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	synced chan struct{}
	// readDone is closed when the child's stdout reached EOF (or failed,
	// readErr then says how).
	readDone chan struct{}
	readErr  error
	stderr   *tailBuffer
	mu       sync.Mutex // serialises sync
}

// startSimProcess starts argv as the selftest sim and feeds the frames it
// reports into obs.
func startSimProcess(ctx context.Context, argv []string, pace baseline.Pace, tokens int, obs *observer) (*simProcess, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("selftest sim %s: %w", argv[0], err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("selftest sim %s: %w", argv[0], err)
	}
	p := &simProcess{cmd: cmd, stdin: stdin, synced: make(chan struct{}, 1), readDone: make(chan struct{}), stderr: &tailBuffer{max: 4 << 10}}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("selftest sim: start %s: %w", argv[0], err)
	}
	// Read from the start, so that a child that dies at once is seen
	// (readDone) rather than waited out.
	urlc := make(chan string, 1)
	go p.read(stdout, obs, urlc)
	cfg, _ := json.Marshal(selftestSimConfig{TTFTNs: int64(pace.TTFT), PerTokenNs: int64(pace.PerToken), Tokens: tokens})
	if _, err := stdin.Write(append(cfg, '\n')); err != nil {
		p.close()
		return nil, p.failure("write configuration", err)
	}
	select {
	case p.url = <-urlc:
		return p, nil
	case <-p.readDone:
		p.close()
		return nil, p.failure("start", fmt.Errorf("exited before serving (%v)", p.readErr))
	case <-time.After(30 * time.Second):
		p.close()
		return nil, p.failure("start", errors.New("no url after 30 s"))
	}
}

// read parses the child's lines until EOF.
func (p *simProcess) read(r io.Reader, obs *observer, urlc chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	for sc.Scan() {
		b := sc.Bytes()
		switch {
		case bytes.HasPrefix(b, []byte("f ")):
			// f <id> <kind> <ns>; ids and kinds have no spaces.
			f := bytes.Fields(b[2:])
			if len(f) != 3 {
				continue
			}
			ns, err := strconv.ParseInt(string(f[2]), 10, 64)
			if err != nil {
				continue
			}
			obs.record(string(f[0]), 0, string(f[1]), monoclock.Time(ns))
		case bytes.Equal(b, []byte("synced")):
			select {
			case p.synced <- struct{}{}:
			default:
			}
		case bytes.HasPrefix(b, []byte("url ")):
			select {
			case urlc <- string(b[4:]):
			default:
			}
		}
		// Anything else (a test binary's own chatter) is not ours.
	}
	p.readErr = sc.Err()
	close(p.readDone)
}

// sync waits until every frame the child flushed before now has been read,
// so that a level's streams are matched against all their frames.
func (p *simProcess) sync(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, "sync\n"); err != nil {
		return p.failure("sync", err)
	}
	select {
	case <-p.synced:
		return nil
	case <-p.readDone:
		return p.failure("sync", fmt.Errorf("exited early (%v)", p.readErr))
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return p.failure("sync", errors.New("no answer after 30 s"))
	}
}

// close stops the child (closing stdin ends it) and waits for it: first
// for its stdout to end, since Wait closes the pipe under a reader still
// draining it, then for the process.
func (p *simProcess) close() error {
	_ = p.stdin.Close()
	select {
	case <-p.readDone:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
	}
	return p.cmd.Wait()
}

func (p *simProcess) failure(op string, err error) error {
	msg := strings.TrimSpace(p.stderr.String())
	if msg != "" {
		return fmt.Errorf("selftest sim %s (%s): %w; its stderr: %s", op, p.cmd.Path, err, msg)
	}
	return fmt.Errorf("selftest sim %s (%s): %w", op, p.cmd.Path, err)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
