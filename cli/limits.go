package cli

import (
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench/trace"
)

// limits reads the size-cap flags of targetFlags.
func limits(c *ucli.Context) (trace.Limits, error) {
	size := func(flag string, max int64) (int64, error) {
		n, err := parseSize(c.String(flag))
		if err != nil || n > max {
			return 0, usageErrorf("--%s %q: want a positive size (e.g. 8MiB) up to %d bytes", flag, c.String(flag), max)
		}
		return n, nil
	}
	var l trace.Limits
	var err error
	if l.StreamBytes, err = size("max-stream-bytes", 1<<50); err != nil {
		return l, err
	}
	if l.BodyBytes, err = size("max-body-bytes", 1<<40); err != nil {
		return l, err
	}
	ev, err := size("max-event-bytes", 1<<30)
	if err != nil {
		return l, err
	}
	text, err := size("max-text-bytes", 1<<30)
	if err != nil {
		return l, err
	}
	l.EventBytes, l.TextBytes = int(ev), int(text)
	if l.Events = c.Int("max-stream-events"); l.Events <= 0 {
		return l, usageErrorf("--max-stream-events %d: must be positive", l.Events)
	}
	return l, nil
}

// parseSize reads a byte size: a number with an optional unit B, KB,
// KiB, MB, MiB, GB, GiB (case-insensitive). It must be positive.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"b", 1}}
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, strconv.ErrSyntax
	}
	return n * mult, nil
}
