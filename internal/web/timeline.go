package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
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
	// Exact: drawn from the stored event list (Detail.Events), every
	// kind on its own row; Kinds counts them, Dropped the events the
	// run did not store.
	Exact   bool
	Kinds   []kindCount
	Dropped int
}

// eventTimes are the token events' offsets in ms.
func eventTimes(t record.TaskResult) []float64 {
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

// buildTimeline draws the stored event list when the task has one (runs
// since TaskResult.Detail), else the approximation from TTFT and gaps.
func buildTimeline(t record.TaskResult) timeline {
	if t.Detail != nil && len(t.Detail.Events) > 0 {
		return exactTimeline(t)
	}
	return approxTimeline(t)
}

func approxTimeline(t record.TaskResult) timeline {
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
	tl.MaxGap, tl.MaxGapAt = largestGap(times)
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
	axis(&b, &tl, px, l, w-r, end, 70, h)
	for i, at := range times {
		if i >= maxTimelineEvents {
			tl.Truncated = true
			break
		}
		fmt.Fprintf(&b, `<circle class="ev" cx="%s" cy="70" r="3"><title>event %d at %s ms</title></circle>`, f1(px(at)), i+1, f1(at))
	}
	endMark(&b, &tl, px, 56, 84)
	b.WriteString(`</svg>`)
	tl.SVG = template.HTML(b.String())
	return tl
}

// largestGap is the largest gap between consecutive times and where it
// starts.
func largestGap(times []float64) (gap, at float64) {
	for i := 1; i < len(times); i++ {
		if g := times[i] - times[i-1]; g > gap {
			gap, at = g, times[i-1]
		}
	}
	return gap, at
}

// axis draws the time axis at y, the largest-gap band and the TTFT mark.
func axis(b *strings.Builder, tl *timeline, px func(float64) float64, x0, x1, end, y, h float64) {
	fmt.Fprintf(b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, x0, y, x1, y)
	fmt.Fprintf(b, `<text class="tick" x="%g" y="%g">0 ms</text><text class="tick" x="%g" y="%g" text-anchor="end">%s ms</text>`, x0, y+20, x1, y+20, f1(end))
	if tl.MaxGap > 0 {
		g0, g1 := px(tl.MaxGapAt), px(tl.MaxGapAt+tl.MaxGap)
		fmt.Fprintf(b, `<rect class="gap" x="%s" y="24" width="%s" height="%g"><title>largest gap %s ms</title></rect>`, f1(g0), f1(math.Max(g1-g0, 1)), y-24+18, f1(tl.MaxGap))
		fmt.Fprintf(b, `<text class="lab" x="%s" y="%g" text-anchor="middle">⟷ largest gap %s ms</text>`, f1((g0+g1)/2), h-8, f1(tl.MaxGap))
	}
	if tl.TTFT != nil {
		x := px(*tl.TTFT)
		fmt.Fprintf(b, `<line class="ttft" x1="%s" y1="20" x2="%s" y2="%g"/><text class="lab" x="%s" y="16">▼ TTFT %s ms</text>`, f1(x), f1(x), y+10, f1(x), f1(*tl.TTFT))
	}
}

// endMark marks the end of the response (E2E) from y0 to y1.
func endMark(b *strings.Builder, tl *timeline, px func(float64) float64, y0, y1 float64) {
	if tl.E2E != nil {
		x := px(*tl.E2E)
		fmt.Fprintf(b, `<line class="end" x1="%s" y1="%g" x2="%s" y2="%g"/><text class="tick" x="%s" y="%g" text-anchor="end">end ■ %s ms</text>`, f1(x), y0, f1(x), y1, f1(x), y0-8, f1(*tl.E2E))
	}
}

// laneKinds are the timeline's rows, in order.
var laneKinds = []trace.Kind{trace.KindContent, trace.KindReasoning, trace.KindToolCall, trace.KindKeepAlive,
	trace.KindUsage, trace.KindDone, trace.KindOther}

// kindCount is how many events of one kind the timeline drew.
type kindCount struct {
	Kind string
	N    int
}

// exactTimeline draws every stored event at its time, one row per kind
// (the row's name is its label, so kind is not told by colour).
func exactTimeline(t record.TaskResult) timeline {
	evs := t.Detail.Events[:min(len(t.Detail.Events), scorer.MaxDetailEvents)]
	tl := timeline{TTFT: t.Metrics.TTFTMs, E2E: t.Metrics.E2EMs, Exact: true, Events: len(evs), Dropped: t.Detail.EventsDropped,
		Truncated: len(evs) < len(t.Detail.Events)}
	counts := map[trace.Kind]int{}
	times := make([]float64, len(evs))
	end := 0.0
	for i, e := range evs {
		counts[scorer.TimelineKind(e.Kind)]++
		times[i] = clampMs(e.AtMs)
		end = math.Max(end, times[i])
	}
	tl.Keepalives = counts[trace.KindKeepAlive]
	if tl.E2E != nil {
		end = math.Max(end, clampMs(*tl.E2E))
	}
	tl.MaxGap, tl.MaxGapAt = largestGap(times)
	lane := map[trace.Kind]float64{}
	for _, k := range laneKinds {
		if counts[k] > 0 {
			lane[k] = 40 + 18*float64(len(tl.Kinds))
			tl.Kinds = append(tl.Kinds, kindCount{string(k), counts[k]})
		}
	}
	const w, l, r = 800.0, 84.0, 16.0
	y := 40 + 18*float64(len(tl.Kinds))
	h := y + 48
	var b strings.Builder
	title := fmt.Sprintf("stream timeline: %d events over %s ms", len(evs), f1(end))
	fmt.Fprintf(&b, `<svg class="chart timeline" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h, esc(title), esc(title))
	if end <= 0 {
		end = 1 // every event at 0 ms: still draw them
	}
	px := func(ms float64) float64 { return l + ms/end*(w-l-r) }
	axis(&b, &tl, px, l, w-r, end, y, h)
	for _, k := range tl.Kinds {
		fmt.Fprintf(&b, `<text class="tick" x="4" y="%g">%s</text>`, lane[trace.Kind(k.Kind)]+4, esc(strings.ReplaceAll(k.Kind, "_", " ")))
	}
	for i, e := range evs {
		k := scorer.TimelineKind(e.Kind)
		fmt.Fprintf(&b, `<circle class="ev k-%s" cx="%s" cy="%g" r="3"><title>%s at %s ms</title></circle>`, k, f1(px(times[i])), lane[k], k, f1(times[i]))
	}
	endMark(&b, &tl, px, 32, y+10)
	b.WriteString(`</svg>`)
	tl.SVG = template.HTML(b.String())
	return tl
}

// clampMs keeps a stored offset drawable: NaN and negatives are 0.
func clampMs(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return math.Min(v, 1e9)
}
