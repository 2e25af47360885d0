package container

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCLI drives the static janus binary as a miner would and checks the
// exit codes and what each command prints.
func TestCLI(t *testing.T) {
	needDocker(t)
	cases := []struct {
		name string
		args []string
		code int
		say  string // stdout or stderr must contain this
	}{
		// The baseline meets the container contract.
		{"baseline passes", []string{"image", "check", baselineImg}, 0, "All required checks pass."},
		// A server that serves one request at a time fails a required check: exit 3.
		{"serial fails", []string{"image", "check", testImg}, 3, "Required checks failed: image.concurrency"},
		// An image that is not there is bad input: exit 2, and janus says it never pulls.
		{"missing image", []string{"image", "check", "janus-test-no-such-image:" + randomTag()}, 2, "janus never pulls"},
		// --image and --target together are a usage error.
		{"image and target", []string{"bench", "run", "--image", baselineImg, "--target", "http://127.0.0.1:9/v1"}, 2, "exclude each other"},
		// A bad --memory is named.
		{"bad memory", []string{"image", "check", "--memory", "lots", baselineImg}, 2, "--memory"},
		// --long without --image is a usage error for conform.
		{"long without image", []string{"conform", "--long"}, 2, "--long needs --image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, janusStatic, tc.args...)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "OPENAI_BASE_URL=")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if left := containersOf(t, cmd.Process.Pid); len(left) != 0 {
				t.Errorf("janus %s left %d containers", strings.Join(tc.args, " "), len(left))
			}
			if code != tc.code || !strings.Contains(out.String(), tc.say) {
				t.Fatalf("janus %s: exit %d, want %d and %q in:\n%s", strings.Join(tc.args, " "), code, tc.code, tc.say, out.String())
			}
		})
	}
	t.Run("cleanup --json", func(t *testing.T) {
		out, err := exec.Command(janusStatic, "cleanup", "--json").Output()
		if err != nil {
			t.Fatalf("janus cleanup --json: %v", err)
		}
		var left []Leftover
		if err := json.Unmarshal(out, &left); err != nil {
			t.Fatalf("not a JSON array of containers: %v\n%s", err, out)
		}
	})
}
