//go:build long

package tui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/leaderboard"
)

// tmuxSession is the real janus binary running in a detached tmux pane.
type tmuxSession struct {
	t    *testing.T
	name string
}

// startTmux builds janus and runs it with args in a w×h tmux session, with
// its home, config, state and store under a temp dir.
func startTmux(t *testing.T, dir string, w, h int, args ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): skipping the terminal test")
	}
	bin := filepath.Join(dir, "janus")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build janus: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, name: fmt.Sprintf("janus-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"JANUS_SELFTEST_FILE=" + filepath.Join(dir, "none.json"), "TERM=xterm-256color"}
	cmd := "cd " + dir + " && env " + strings.Join(env, " ") + " " + bin + " " + strings.Join(args, " ") + "; echo janus-exited-$?; sleep 30"
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), cmd).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", s.name).Run() })
	return s
}

func (s *tmuxSession) capture() string { return s.captureArgs() }

// captureEscapes keeps the colours and attributes (capture-pane -e).
func (s *tmuxSession) captureEscapes() string { return s.captureArgs("-e") }

func (s *tmuxSession) captureArgs(extra ...string) string {
	out, err := exec.Command("tmux", append([]string{"capture-pane", "-p", "-t", s.name}, extra...)...).Output()
	if err != nil {
		s.t.Fatalf("tmux capture-pane: %v", err)
	}
	return string(out)
}

// waitFor polls the pane until it shows every one of want (60 s at most:
// the machine is shared) and returns the screen.
func (s *tmuxSession) waitFor(want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		scr := s.capture()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q:\n%s", want, scr)
		}
		// Polled (bounded): the screen is drawn by a tmux process, which
		// no synctest bubble can wait on.
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *tmuxSession) send(keys ...string) {
	if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", s.name}, keys...)...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %v: %v\n%s", keys, err, out)
	}
}

// TestTmuxSetupRunResultsLeaderboard drives `janus tui` at 80×24 through
// set-up → run → results → task → leaderboard and checks the store.
func TestTmuxSetupRunResultsLeaderboard(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	s := startTmux(t, dir, 80, 24, "tui", "--store", db, "--sim-ttft", "5ms", "--sim-token-interval", "2ms")
	scr := s.waitFor("set up a run", "(10 tasks)", "enter run")
	if !strings.Contains(scr, "embedded reference target") {
		t.Errorf("set-up does not offer the embedded target:\n%s", scr)
	}
	s.send("Enter")
	scr = s.waitFor("results", "worst tasks", "composite")
	if !strings.Contains(scr, "completed") || !strings.Contains(scr, "10/10 tasks") {
		t.Errorf("results screen:\n%s", scr)
	}
	s.send("Enter")
	s.waitFor("task ·", "event timeline", "prompt")
	s.send("Escape")
	s.waitFor("worst tasks")
	s.send("L")
	scr = s.waitFor("[leaderboard]", "janus-baseline-sim")
	if !strings.Contains(scr, "1     janus-baseline-sim") {
		t.Errorf("the run is not ranked on the leaderboard:\n%s", scr)
	}
	if !strings.Contains(s.captureEscapes(), "\x1b[") {
		t.Errorf("no colour or attribute on a colour terminal")
	}
	// The stored run opens from the board, and esc leads back.
	s.send("Enter")
	s.waitFor("results", "worst tasks")
	s.send("Escape")
	s.waitFor("[leaderboard]")
	s.send("q")
	s.waitFor("janus-exited-0")

	st, err := leaderboard.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.ListRuns(context.Background(), leaderboard.RunFilter{})
	if err != nil || len(runs) != 1 || runs[0].Status != leaderboard.StatusCompleted {
		t.Fatalf("stored runs: %+v %v", runs, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config", "janus", prefsFile)); err != nil || !strings.Contains(string(b), "smoke") {
		t.Errorf("set-up not remembered: %s %v", b, err)
	}
}

// TestTmuxUpStopRun drives `janus --no-color up` at 120×40: the reference
// stack is the target, `p` pauses, `q` stops a long run cleanly (partial
// results shown) and quitting stops everything.
func TestTmuxUpStopRun(t *testing.T) {
	dir := t.TempDir()
	s := startTmux(t, dir, 120, 40, "--no-color", "up", "--store", filepath.Join(dir, "runs.db"), "--sim-ttft", "200ms", "--sim-token-interval", "50ms")
	s.waitFor("reference stack", "(10 tasks)")
	// --no-color: not one colour or attribute.
	if esc := s.captureEscapes(); strings.Contains(esc, "\x1b[") {
		t.Errorf("--no-color screen has colours: %q", esc)
	}
	// janus-default is the other built-in suite: long enough to stop midway.
	s.send("Down", "Down", "Down", "Right")
	s.waitFor("janus-default")
	s.send("Enter")
	s.waitFor("live", "running", "finished tasks")
	s.send("p")
	s.waitFor("paused")
	s.send("p")
	s.waitFor("[running]")
	s.send("q")
	scr := s.waitFor("results", "interrupted")
	if !strings.Contains(scr, "partial report written") {
		t.Errorf("stopped run:\n%s", scr)
	}
	s.send("q")
	s.waitFor("janus-exited-0")
}

// TestTmuxLoadRun drives `janus tui --load` at 80×24: the live load
// screen, then the results with the knee and the report's path, with no
// log line on the screen (logs go to the log file), and esc back to a
// set-up in load mode.
func TestTmuxLoadRun(t *testing.T) {
	dir := t.TempDir()
	s := startTmux(t, dir, 80, 24, "tui", "--store", filepath.Join(dir, "runs.db"), "--load", "closed:c=1,2", "--duration", "1s",
		"--sim-ttft", "5ms", "--sim-token-interval", "2ms")
	s.waitFor("load run", "step 1/2", "in flight")
	scr := s.waitFor("load results", "capacity:", "report ")
	if strings.Contains(scr, "level=") || strings.Contains(scr, "msg=") {
		t.Errorf("a log line on the screen:\n%s", scr)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "runs", "*-load-*.json"))
	if len(reports) != 1 {
		t.Errorf("load reports written: %v", reports)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "state", "janus", "tui.log")); err != nil || !strings.Contains(string(b), "load step done") {
		t.Errorf("the log file lacks the run's log: %v\n%s", err, b)
	}
	s.send("Escape")
	s.waitFor("set up a run", "load run (")
	s.send("q")
	s.waitFor("janus-exited-0")
}
