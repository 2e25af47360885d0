package leaderboard

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
)

// TestMain turns the test binary into the child process of
// TestKillDuringRun when JANUS_LB_CHILD_DSN is set.
func TestMain(m *testing.M) {
	if dsn := os.Getenv("JANUS_LB_CHILD_DSN"); dsn != "" {
		if err := killChild(dsn); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// killChild writes to the store until it is killed: one run it feeds task
// by task, and every few tasks a whole imported report (a big
// transaction a kill may land in). It prints the number of tasks added
// after each commit. Bounded, in case nobody kills it.
func killChild(dsn string) error {
	ctx := context.Background()
	s, err := Open(ctx, dsn)
	if err != nil {
		return err
	}
	rep := mkReport(spec{id: "live", model: "victim", composite: 50, quality: 50, speed: 50, cost: 0.01})
	id, err := s.BeginRun(ctx, rep.Run, Competitor{Name: "victim"})
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	for i := range 20000 {
		if err := s.AddTask(ctx, id, task(fmt.Sprintf("k%05d", i), "quality/chat", 1, 0.01)); err != nil {
			return err
		}
		if i%5 == 4 {
			imp := mkReport(spec{id: fmt.Sprintf("imp-%05d", i), model: "bulk", composite: float64(i % 100), quality: 50,
				speed: 50, cost: 0.01, nTasks: 120, nPass: 80})
			if _, err := s.SaveReport(ctx, imp, Competitor{Name: "bulk"}); err != nil {
				return err
			}
		}
		fmt.Fprintln(out, i+1)
		out.Flush()
	}
	return nil
}

// Killing a process mid-run (SIGKILL: no deferred cleanup) leaves the store
// consistent: the next Open marks the run failed, its committed tasks stay
// attached to it, every imported run has all its tasks or does not exist,
// and there are no orphan rows.
func TestKillDuringRun(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "JANUS_LB_CHILD_DSN="+dsn)
			cmd.Stderr = os.Stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Kill once the child has committed 30 tasks (6 imports), which
			// puts the kill somewhere inside its write loop.
			sc := bufio.NewScanner(stdout)
			seen := 0
			deadline := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
			for sc.Scan() {
				if n, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil {
					seen = n
				}
				if seen >= 30 {
					break
				}
			}
			deadline.Stop()
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			werr := cmd.Wait()
			if seen < 30 {
				t.Fatalf("child stopped after %d tasks: %v", seen, werr)
			}

			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			d, err := s.GetRun(t.Context(), "live")
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != StatusFailed || !strings.Contains(d.Note, "abandoned") {
				t.Errorf("killed run: status %q note %q, want failed/abandoned", d.Status, d.Note)
			}
			if len(d.Tasks) < seen {
				t.Errorf("killed run kept %d tasks, the child had committed %d", len(d.Tasks), seen)
			}
			if n := orphans(t, s); n != 0 {
				t.Errorf("%d orphan rows", n)
			}
			// Every imported run is whole: as many task rows as its report.
			var torn []string
			if err := s.db.Raw(`SELECT r.id FROM runs r LEFT JOIN task_results t ON t.run_id = r.id
				WHERE r.id <> 'live' GROUP BY r.id, r.tasks HAVING COUNT(t.task_id) <> r.tasks`).Scan(&torn).Error; err != nil {
				t.Fatal(err)
			}
			if len(torn) > 0 {
				t.Errorf("runs with missing task rows: %v", torn)
			}
			// The board has exactly the bulk competitor's best.
			board, err := s.Leaderboard(t.Context(), Query{})
			if err != nil || len(board.Rows) != 1 || board.Rows[0].Competitor.Name != "bulk" {
				t.Errorf("board after the kill: %+v, %v", board, err)
			}
		})
	}
}
