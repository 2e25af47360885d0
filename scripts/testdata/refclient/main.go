// Command refclient is scripts/loadrss.sh's reference streaming client:
// the smallest program that does what a one-stream load run does (chat
// completions streamed one after another for a duration, every chunk
// read) with go-openai, the SDK docs/PERFORMANCE.md's SSE reader is
// compared with. Its peak RSS is the floor a Go streaming client pays.
// It lives under testdata so that `go build ./...` and the architecture
// tests leave it alone; the script builds it by path.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	target := flag.String("target", "", "base URL ending in /v1")
	model := flag.String("model", "janus-baseline-sim", "model id")
	dur := flag.Duration("duration", 3*time.Second, "how long to stream")
	flag.Parse()
	n, err := run(*target, *model, *dur)
	fmt.Printf("streams %d\n", n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refclient:", err)
		os.Exit(1)
	}
}

// run streams one completion after another until dur has passed.
func run(target, model string, dur time.Duration) (int, error) {
	cfg := openai.DefaultConfig("none")
	cfg.BaseURL = target
	c := openai.NewClientWithConfig(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	req := openai.ChatCompletionRequest{Model: model, Stream: true,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "What is 2+2? Answer with the number."}}}
	n := 0
	for ctx.Err() == nil {
		s, err := c.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return n, ignoreDeadline(err)
		}
		for {
			if _, err = s.Recv(); err != nil {
				break
			}
		}
		s.Close()
		if !errors.Is(err, io.EOF) {
			return n, ignoreDeadline(err)
		}
		n++
	}
	return n, nil
}

// ignoreDeadline treats the end of the duration as the end of the run.
func ignoreDeadline(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}
