package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// Client calls a scoring service's API (the CLI's `runs submit --server`,
// `runs watch`, `leaderboard --server`).
type Client struct {
	// Base is the service URL, e.g. http://127.0.0.1:8100.
	Base string
	// Key is the API key sent as a bearer token; empty sends none.
	Key  string
	HTTP *http.Client
}

// APIError is an error answer of the service.
type APIError struct {
	Status  int
	Param   string
	Message string
}

func (e *APIError) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("HTTP %d: %s (%s)", e.Status, e.Message, e.Param)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Base, "/")+apiPrefix+path, rd)
	if err != nil {
		return fmt.Errorf("server URL: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		var eb struct {
			Error struct {
				Message string  `json:"message"`
				Param   *string `json:"param"`
			} `json:"error"`
		}
		ae := &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(b))}
		if json.Unmarshal(b, &eb) == nil && eb.Error.Message != "" {
			ae.Message = eb.Error.Message
			if eb.Error.Param != nil {
				ae.Param = *eb.Error.Param
			}
		}
		return ae
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// Submit submits a run.
func (c *Client) Submit(ctx context.Context, req SubmitRequest) (*Run, error) {
	var r Run
	if err := c.do(ctx, http.MethodPost, "/runs", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Get reads a run.
func (c *Client) Get(ctx context.Context, id string) (*Run, error) {
	var r Run
	if err := c.do(ctx, http.MethodGet, "/runs/"+url.PathEscape(id), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Cancel cancels a run.
func (c *Client) Cancel(ctx context.Context, id string) (*Run, error) {
	var r Run
	if err := c.do(ctx, http.MethodDelete, "/runs/"+url.PathEscape(id), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Leaderboard reads the leaderboard (query: the API's parameters).
func (c *Client) Leaderboard(ctx context.Context, q url.Values) (*leaderboard.Board, error) {
	var b leaderboard.Board
	path := "/leaderboard"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	if err := c.do(ctx, http.MethodGet, path, nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// LeaderboardQuery is q as GET /leaderboard's parameters.
func LeaderboardQuery(q leaderboard.Query) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"suite": q.Suite, "suite_version": q.SuiteVersion, "split": q.Split, "baseline": q.Baseline} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339))
	}
	return v
}

// Report reads a finished run's report (GET /runs/{id}/report).
func (c *Client) Report(ctx context.Context, id string) (*record.Report, error) {
	var r record.Report
	if err := c.do(ctx, http.MethodGet, "/runs/"+url.PathEscape(id)+"/report", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Watch follows a run's progress stream, calling on for each event, until
// the "done" event (returned) or ctx ends. A dropped connection is
// resumed (the stream replays the tasks, which on skips by count).
func (c *Client) Watch(ctx context.Context, id string, on func(Event)) (*Event, error) {
	seen := 0
	for attempt := 0; ; attempt++ {
		last, n, err := c.watchOnce(ctx, id, seen, on)
		if last != nil {
			return last, nil
		}
		var ae *APIError
		if ctx.Err() != nil || errors.As(err, &ae) || attempt >= 5 {
			return nil, err
		}
		seen = n
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (c *Client) watchOnce(ctx context.Context, id string, skip int, on func(Event)) (*Event, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.Base, "/")+apiPrefix+"/runs/"+url.PathEscape(id)+"/stream", nil)
	if err != nil {
		return nil, skip, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, skip, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, skip, &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(b))}
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	n := 0
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return nil, max(n, skip), fmt.Errorf("stream: bad event: %w", err)
		}
		if ev.Type == "task" {
			n++
			if n <= skip {
				continue
			}
		}
		on(ev)
		if ev.Type == "done" {
			return &ev, n, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, max(n, skip), err
	}
	return nil, max(n, skip), io.ErrUnexpectedEOF
}
