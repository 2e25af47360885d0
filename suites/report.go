package suites

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Summary describes a suite for `janus suites list/show`.
type Summary struct {
	Name        string         `json:"name"`
	Version     string         `json:"version"`
	SHA256      string         `json:"sha256"`
	Source      string         `json:"source"`
	Description string         `json:"description,omitempty"`
	Tasks       int            `json:"tasks"`
	Categories  map[string]int `json:"categories"`
	Splits      map[string]int `json:"splits"`
}

// Summarize counts a suite's tasks per category and split.
func Summarize(s *Suite) Summary {
	out := Summary{Name: s.Name, Version: s.Version, SHA256: s.SHA256, Source: s.Source, Description: strings.TrimSpace(s.Description),
		Tasks: len(s.Tasks), Categories: map[string]int{}, Splits: map[string]int{}}
	for _, t := range s.Tasks {
		out.Categories[t.Category]++
		split := t.Split
		if split == "" {
			split = "(none)"
		}
		out.Splits[split]++
	}
	return out
}

// WriteList prints one line per suite.
func WriteList(sums []Summary) func(io.Writer) error {
	return func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tTASKS\tSHA256\tSOURCE")
		for _, s := range sums {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.12s\t%s\n", s.Name, s.Version, s.Tasks, s.SHA256, s.Source)
		}
		return tw.Flush()
	}
}

// WriteShow prints one suite with its task counts per category and split.
func WriteShow(s Summary) func(io.Writer) error {
	return func(w io.Writer) error {
		fmt.Fprintf(w, "%s@%s  (%s)\nsha256 %s\ntasks  %d\n", s.Name, s.Version, s.Source, s.SHA256, s.Tasks)
		if s.Description != "" {
			fmt.Fprintf(w, "\n%s\n", s.Description)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nCATEGORY\tTASKS")
		for _, k := range sortedKeys(s.Categories) {
			fmt.Fprintf(tw, "%s\t%d\n", k, s.Categories[k])
		}
		fmt.Fprintln(tw, "\nSPLIT\tTASKS")
		for _, k := range sortedKeys(s.Splits) {
			fmt.Fprintf(tw, "%s\t%d\n", k, s.Splits[k])
		}
		return tw.Flush()
	}
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
