package web

import "strings"

// maxDiffLines bounds the lines of each side a diff compares: the LCS
// table is (n+1)·(m+1) cells of 2 bytes, so at most ~320 KB per page view
// whatever the stored texts hold.
const maxDiffLines = 400

// diffLine is one line of a line diff of the reference against the
// answer: Op is "=" (both), "-" (the reference only) or "+" (the answer
// only); Sym is what the page shows for it besides colour.
type diffLine struct {
	Op, Sym, Text string
}

// lineDiff is a longest-common-subsequence line diff from ref to ans.
// Each side is cut to maxDiffLines lines (cut reports whether either was);
// the common head and tail are matched first, so the table covers only
// the lines in between.
func lineDiff(ref, ans string) (out []diffLine, cut bool) {
	a, cutA := splitLines(ref)
	b, cutB := splitLines(ans)
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	for _, l := range a[:head] {
		out = append(out, diffLine{"=", " ", l})
	}
	out = append(out, lcsDiff(a[head:len(a)-tail], b[head:len(b)-tail])...)
	for _, l := range a[len(a)-tail:] {
		out = append(out, diffLine{"=", " ", l})
	}
	return out, cutA || cutB
}

// splitLines splits s into at most maxDiffLines lines.
func splitLines(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	lines := strings.SplitN(strings.TrimSuffix(s, "\n"), "\n", maxDiffLines+1)
	if len(lines) > maxDiffLines {
		return lines[:maxDiffLines], true
	}
	return lines, false
}

// lcsDiff diffs a against b by the LCS table of their suffixes.
func lcsDiff(a, b []string) []diffLine {
	n, m := len(a), len(b)
	w := m + 1
	t := make([]uint16, (n+1)*w) // t[i*w+j]: LCS length of a[i:] and b[j:]
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	out := make([]diffLine, 0, n+m)
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{"=", " ", a[i]})
			i, j = i+1, j+1
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			out = append(out, diffLine{"-", "−", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", "+", b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"-", "−", a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"+", "+", b[j]})
	}
	return out
}
