package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/janus-bench/janus/scorer"
)

// maxTimelineEvents bounds the marks drawn for one task; the count shown
// stays exact.
const maxTimelineEvents = 5000

// timeline is a task's stream drawn on a time axis. The store keeps each
// task's measured TTFT, its inter-token gaps and its end (not the raw SSE
// bytes), so the token-bearing events are placed exactly — the first at
// TTFT, each next one a gap later — and the end of the response at E2E;
// keep-alives are counted, their times are not kept.
type timeline struct {
	SVG        template.HTML
	Events     int // token events drawn (and counted)
	TTFT       *float64
	E2E        *float64
	MaxGap     float64
	MaxGapAt   float64
	Keepalives int
	Truncated  bool
}

// eventTimes are the token events' offsets in ms.
func eventTimes(t scorer.TaskResult) []float64 {
	ttft := t.Metrics.TTFTMs
	if ttft == nil {
		return nil
	}
	itls := t.ITLs
	if len(itls) == 0 {
		itls = t.Metrics.ITLs
	}
	out := make([]float64, 0, len(itls)+1)
	at := *ttft
	out = append(out, at)
	for _, g := range itls {
		if math.IsNaN(g) || g < 0 {
			continue
		}
		at += g
		out = append(out, at)
	}
	return out
}

func buildTimeline(t scorer.TaskResult) timeline {
	tl := timeline{TTFT: t.Metrics.TTFTMs, E2E: t.Metrics.E2EMs, Keepalives: t.Metrics.Keepalives}
	times := eventTimes(t)
	tl.Events = len(times)
	end := 0.0
	if len(times) > 0 {
		end = times[len(times)-1]
	}
	if tl.E2E != nil {
		end = math.Max(end, *tl.E2E)
	}
	for i := 1; i < len(times); i++ {
		if g := times[i] - times[i-1]; g > tl.MaxGap {
			tl.MaxGap, tl.MaxGapAt = g, times[i-1]
		}
	}
	const w, h, l, r = 800.0, 120.0, 16.0, 16.0
	var b strings.Builder
	title := fmt.Sprintf("stream timeline: %d token events over %s ms", len(times), f1(end))
	fmt.Fprintf(&b, `<svg class="chart timeline" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h, esc(title), esc(title))
	if end <= 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">no timing recorded for this task</text></svg>`, w/2, h/2)
		tl.SVG = template.HTML(b.String())
		return tl
	}
	px := func(ms float64) float64 { return l + ms/end*(w-l-r) }
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="70" x2="%g" y2="70"/>`, l, w-r)
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="90">0 ms</text><text class="tick" x="%g" y="90" text-anchor="end">%s ms</text>`, l, w-r, f1(end))
	if tl.MaxGap > 0 {
		x1, x2 := px(tl.MaxGapAt), px(tl.MaxGapAt+tl.MaxGap)
		fmt.Fprintf(&b, `<rect class="gap" x="%s" y="52" width="%s" height="36"><title>largest gap %s ms</title></rect>`, f1(x1), f1(math.Max(x2-x1, 1)), f1(tl.MaxGap))
		fmt.Fprintf(&b, `<text class="lab" x="%s" y="112" text-anchor="middle">⟷ largest gap %s ms</text>`, f1((x1+x2)/2), f1(tl.MaxGap))
	}
	if tl.TTFT != nil {
		x := px(*tl.TTFT)
		fmt.Fprintf(&b, `<line class="ttft" x1="%s" y1="20" x2="%s" y2="80"/><text class="lab" x="%s" y="16">▼ TTFT %s ms</text>`, f1(x), f1(x), f1(x), f1(*tl.TTFT))
	}
	for i, at := range times {
		if i >= maxTimelineEvents {
			tl.Truncated = true
			break
		}
		fmt.Fprintf(&b, `<circle class="ev" cx="%s" cy="70" r="3"><title>event %d at %s ms</title></circle>`, f1(px(at)), i+1, f1(at))
	}
	if tl.E2E != nil {
		x := px(*tl.E2E)
		fmt.Fprintf(&b, `<line class="end" x1="%s" y1="56" x2="%s" y2="84"/><text class="tick" x="%s" y="48" text-anchor="end">end ■ %s ms</text>`, f1(x), f1(x), f1(x), f1(*tl.E2E))
	}
	b.WriteString(`</svg>`)
	tl.SVG = template.HTML(b.String())
	return tl
}
