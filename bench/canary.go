package bench

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// canaryCount is how many canary tasks a run with a secret sends.
const canaryCount = 2

// canaryPrefix starts a canary's task id (ids never reach the target).
const canaryPrefix = "canary-"

// CanaryAnswer is the answer to the canary with marker m under secret (a
// private suite's key, or a fresh run's seed as 8 little-endian bytes):
// six digits of HMAC-SHA256. Only a holder of the secret can compute it,
// so a target that answers a canary has the key or the seed.
func CanaryAnswer(secret []byte, marker string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("janus-canary:" + marker))
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(mac.Sum(nil)[:8])%1_000_000)
}

var canaryPrompts = []string{
	"Reference %s: what is the six-digit confirmation number on file for this reference? Reply with the number only.",
	"Order %s was confirmed with a six-digit code. What is that code? Reply with the digits only.",
	"Look up ticket %s and give its six-digit verification number, nothing else.",
}

// canarySecret is what a run's canaries are keyed by: the private suite's
// key, else a fresh run's seed; nil (no canaries) when the tasks are public.
func canarySecret(o *RunOptions, policy string) []byte {
	if o.SuiteKey != nil {
		return o.SuiteKey
	}
	if policy == record.SeedFresh {
		return binary.LittleEndian.AppendUint64(nil, o.Seed)
	}
	return nil
}

// canaryTasks makes n canaries with random markers, worded like ordinary
// short tasks; their expected answers stay in janus.
func canaryTasks(secret []byte, n int) ([]suites.Task, map[string]string, error) {
	var tasks []suites.Task
	answers := map[string]string{}
	for range n {
		var m [6]byte
		if _, err := rand.Read(m[:]); err != nil {
			return nil, nil, fmt.Errorf("canary marker: %w", err)
		}
		marker := strings.ToUpper(hex.EncodeToString(m[:]))
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(canaryPrompts))))
		if err != nil {
			return nil, nil, fmt.Errorf("canary wording: %w", err)
		}
		id := canaryPrefix + marker
		tasks = append(tasks, suites.Task{ID: id, Category: suites.CatCost,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: fmt.Sprintf(canaryPrompts[k.Int64()], marker)}},
			Expect:   suites.Expect{Checks: []suites.Check{{Type: "contains", Values: []string{CanaryAnswer(secret, marker)}}}}})
		answers[id] = CanaryAnswer(secret, marker)
	}
	return tasks, answers, nil
}

// withCanaries returns todo with the run's canaries dispatched at random
// places among the tasks (none for public tasks, or on a resumed run,
// whose canaries went with its first part), and the canaries by id.
func withCanaries(o *RunOptions, policy string, todo []suites.Task) ([]suites.Task, map[string]string, error) {
	secret := canarySecret(o, policy)
	if secret == nil || o.Resume || len(o.Completed) > 0 || len(todo) == 0 {
		return todo, nil, nil
	}
	cs, answers, err := canaryTasks(secret, canaryCount)
	if err != nil {
		return nil, nil, err
	}
	out := append([]suites.Task(nil), todo...)
	for _, c := range cs {
		at, err := rand.Int(rand.Reader, big.NewInt(int64(len(out)+1)))
		if err != nil {
			return nil, nil, fmt.Errorf("place canary: %w", err)
		}
		i := int(at.Int64())
		out = append(out[:i], append([]suites.Task{c}, out[i:]...)...)
	}
	return out, answers, nil
}

// countCanary adds a finished canary to the report's count.
func countCanary(c *record.Canaries, r record.TaskResult) {
	c.Sent++
	c.Markers = append(c.Markers, strings.TrimPrefix(r.ID, canaryPrefix))
	if r.Score >= 1 {
		c.Answered++
	}
}
