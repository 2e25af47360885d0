package tui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// Progress prints a run's progress for `bench run`: on a terminal one
// status line rewritten in place; otherwise (a pipe, a file, CI=true) one
// plain line per finished task, with no escape codes, so logs stay
// readable.
type Progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	mu    sync.Mutex
	total int
	done  int
	fails int
	start time.Time
}

// NewProgress writes to w; tty selects the in-place line. now may be nil.
func NewProgress(w io.Writer, tty bool, now func() time.Time) *Progress {
	if now == nil {
		now = time.Now
	}
	return &Progress{w: w, tty: tty, now: now}
}

// Plan is a bench.RunOptions.OnPlan hook.
func (p *Progress) Plan(run record.Run, todo []suites.Task) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.start = len(todo), p.now()
	if !p.tty {
		fmt.Fprintf(p.w, "janus: run %s: %s@%s on %s (%s), %d tasks, concurrency %d\n",
			run.ID, run.Suite.Name, run.Suite.Version, run.Model, run.Target, len(todo), run.Concurrency)
	}
}

// Result is a bench.RunOptions.OnResult hook.
func (p *Progress) Result(r bench.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	t := r.Task
	v := verdict(t)
	if v != "✓" {
		p.fails++
	}
	el := p.now().Sub(p.start)
	if !p.tty {
		ttft := "-"
		if t.Metrics.TTFTMs != nil {
			ttft = fmt.Sprintf("%.0fms", *t.Metrics.TTFTMs)
		}
		var codes []string
		for _, x := range t.Violations {
			codes = append(codes, x.Code)
		}
		mark := map[string]string{"✓": "pass", "✗": "FAIL", "!": "ERROR"}[v]
		line := fmt.Sprintf("[%*d/%d] %-5s %s %s score=%.2f ttft=%s", len(fmt.Sprint(p.total)), p.done, p.total, mark, t.ID, t.Category, t.Score, ttft)
		if len(codes) > 0 {
			line += " violations=" + strings.Join(codes, ",")
		}
		fmt.Fprintln(p.w, line)
		return
	}
	eta := "–"
	if p.done < p.total && p.done > 0 {
		eta = fmtDur(time.Duration(float64(el) / float64(p.done) * float64(p.total-p.done)))
	}
	frac := 0.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	// \r and erase-line: the one line is rewritten in place.
	fmt.Fprintf(p.w, "\r\x1b[2K%s %d/%d  %d failed  %s  ETA %s  %s", bar(frac, 24), p.done, p.total, p.fails, fmtDur(el), eta, t.ID)
	if p.done == p.total {
		fmt.Fprint(p.w, "\n")
	}
}

// Finish ends the in-place line of a run that stopped early.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.done > 0 && p.done < p.total {
		fmt.Fprint(p.w, "\n")
	}
}
