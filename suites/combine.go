package suites

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Combine joins several suites into one run. With one suite it returns it
// unchanged. Otherwise the name and version list every part
// ("smoke+janus-default", "1.0.0+1.0.0"), the hash is the sha256 of the
// parts' hashes in order (so it still pins every task), and a task id that
// two suites share is prefixed with its suite's name (and position, when
// a suite is given twice) so results never mix.
func Combine(parts []*Suite) (*Suite, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("combine suites: none given")
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	count, names0 := map[string]int{}, map[string]int{}
	for _, p := range parts {
		names0[p.Name]++
		for _, t := range p.Tasks {
			count[t.ID]++
		}
	}
	out := &Suite{Weights: parts[0].Weights}
	var names, versions, sources []string
	h := sha256.New()
	for i, p := range parts {
		prefix := p.Name
		if names0[p.Name] > 1 {
			prefix = fmt.Sprintf("%s.%d", p.Name, i+1)
		}
		names = append(names, p.Name)
		versions = append(versions, p.Version)
		sources = append(sources, p.Source)
		h.Write([]byte(p.SHA256))
		for _, t := range p.Tasks {
			if count[t.ID] > 1 {
				t.ID = prefix + "/" + t.ID
			}
			out.Tasks = append(out.Tasks, t)
		}
	}
	out.Name, out.Version = strings.Join(names, "+"), strings.Join(versions, "+")
	out.Source = strings.Join(sources, ",")
	out.SHA256 = hex.EncodeToString(h.Sum(nil))
	return out, nil
}

// FilterSplit keeps the tasks of the given splits (none: all).
func FilterSplit(tasks []Task, splits []string) []Task {
	if len(splits) == 0 {
		return tasks
	}
	var out []Task
	for _, t := range tasks {
		for _, s := range splits {
			if t.Split == s {
				out = append(out, t)
				break
			}
		}
	}
	return out
}
