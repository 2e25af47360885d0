package service

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
)

func get(t *testing.T, u string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// The read endpoints: paging and filters, ETags, results, summary, report,
// one task, compare, arena votes and ratings, metrics; unknown ids and
// parameters are 4xx naming them.
func TestReadEndpoints(t *testing.T) {
	// Its own store, sim and server: it overlaps the other slow tests of
	// the package (the drain test mostly waits on its workers).
	t.Parallel()
	target := startSim(t, baseline.Unpaced())
	s, cl := startServer(t, Config{Store: t.TempDir() + "/j.db", Workers: 2, AllowTargets: []string{"127.0.0.1"}, Open: true, PublicRead: true})
	ctx := context.Background()
	var ids []string
	// One seed for all three: the default suite is generated from it, so
	// the runs hold the same tasks and compare pairs them.
	for _, comp := range []string{"a", "b", "a"} {
		t.Run(comp, func(t *testing.T) {
			r, err := cl.Submit(ctx, SubmitRequest{Target: target.URL, Competitor: comp, Limit: 3, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		})
	}
	for _, id := range ids {
		waitDone(t, s.st, id, time.Minute)
	}
	base := cl.Base + "/api/v1"
	var page Page[Run]
	getJSON(t, base+"/runs?limit=2", &page)
	if len(page.Data) != 2 || page.NextOffset == nil || *page.NextOffset != 2 {
		t.Fatalf("page 1: %d runs, next %v", len(page.Data), page.NextOffset)
	}
	page = Page[Run]{}
	getJSON(t, base+"/runs?limit=2&offset=2", &page)
	if len(page.Data) != 1 || page.NextOffset != nil {
		t.Fatalf("page 2: %d runs, next %v", len(page.Data), page.NextOffset)
	}
	page = Page[Run]{}
	getJSON(t, base+"/runs?competitor=a&state=completed&since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), &page)
	if len(page.Data) != 2 {
		t.Errorf("competitor a: %d runs, want 2", len(page.Data))
	}
	resp, _ := get(t, base+"/runs/"+ids[0])
	tag := resp.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	if resp, _ := get(t, base+"/runs/"+ids[0], "If-None-Match", tag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	var results Page[map[string]any]
	getJSON(t, base+"/runs/"+ids[0]+"/results", &results)
	if len(results.Data) != 3 {
		t.Fatalf("results: %d", len(results.Data))
	}
	task := results.Data[0]["id"].(string)
	var one map[string]any
	getJSON(t, base+"/runs/"+ids[0]+"/tasks/"+task, &one)
	if one["id"] != task {
		t.Errorf("task %s: got %v", task, one["id"])
	}
	var sum Summary
	getJSON(t, base+"/runs/"+ids[0]+"/summary", &sum)
	if sum.State != "completed" || sum.Scores["composite"] == nil {
		t.Errorf("summary %+v", sum)
	}
	var rep map[string]any
	getJSON(t, base+"/runs/"+ids[0]+"/report", &rep)
	if rep["schema_version"] == nil {
		t.Errorf("report without schema_version")
	}
	var cmp map[string]any
	getJSON(t, base+"/compare?base="+ids[0]+"&next="+ids[2], &cmp)
	if len(cmp) == 0 {
		t.Error("empty comparison")
	}
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/runs/nope", 404, "not found"},
		{"/runs/" + ids[0] + "/tasks/nope", 404, "not found"},
		{"/runs?state=weird", 400, `"param":"state"`},
		{"/runs?limit=0", 400, `"param":"limit"`},
		{"/runs?since=yesterday", 400, `"param":"since"`},
		{"/runs?colour=red", 400, `"param":"colour"`},
		{"/compare?base=" + ids[0], 400, `"param":"next"`},
		{"/compare?base=" + ids[0] + "&next=nope", 422, `"param":"next"`},
		{"/leaderboard?baseline=maybe", 400, `"param":"baseline"`},
		{"/nothing", 404, "route"},
	} {
		t.Run(c.path, func(t *testing.T) {
			resp, body := get(t, base+c.path)
			if resp.StatusCode != c.code || !strings.Contains(body, c.want) {
				t.Errorf("GET %s: %d %s; want %d with %q", c.path, resp.StatusCode, body, c.code, c.want)
			}
		})
	}
	for _, v := range []string{`{"competitor_a":"a","competitor_b":"b","winner":"A"}`, `{"competitor_a":"a","competitor_b":"b","winner":"tie"}`} {
		t.Run(v, func(t *testing.T) {
			if code, msg := call(t, "POST", base+"/arena/vote", "", v); code != 201 {
				t.Fatalf("vote: %d %s", code, msg)
			}
		})
	}
	if code, msg := call(t, "POST", base+"/arena/vote", "", `{"competitor_a":"a","competitor_b":"a","winner":"A"}`); code != 400 || !strings.Contains(msg, "competitor_b") {
		t.Errorf("self vote: %d %s", code, msg)
	}
	var ratings struct {
		Votes   int              `json:"votes"`
		Ratings []map[string]any `json:"ratings"`
	}
	getJSON(t, base+"/arena/leaderboard", &ratings)
	if ratings.Votes != 2 || len(ratings.Ratings) != 2 {
		t.Errorf("arena: %+v", ratings)
	}
	// River marks a job completed after the run is stored, in a batch of
	// its own: wait (bounded) for the queue to say so before reading.
	const jobsDone = `janus_queue_jobs{kind="janus_run",state="completed"} 3`
	_, metrics := get(t, cl.Base+"/metrics")
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(metrics, jobsDone) && time.Now().Before(deadline); {
		// A real River completer on a real clock: synctest cannot serve.
		time.Sleep(50 * time.Millisecond)
		_, metrics = get(t, cl.Base+"/metrics")
	}
	for _, m := range []string{`janus_runs{state="completed"} 3`, jobsDone,
		`janus_tasks_total{status="ok"}`, "janus_run_duration_seconds_count 3", "janus_workers 2", "janus_http_requests_total"} {
		t.Run(m, func(t *testing.T) {
			if !strings.Contains(metrics, m) {
				t.Errorf("metrics lack %q", m)
			}
		})
	}
	// CORS stays off.
	if resp, _ := get(t, base+"/leaderboard", "Origin", "https://evil.example"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS header sent")
	}
}
