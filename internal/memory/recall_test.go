package memory

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/suites"
)

// recallSet is testdata/recall.json: one user's memories and prompts
// labelled with the memories relevant to them.
type recallSet struct {
	Memories []struct {
		ID       string `json:"id"`
		Caption  string `json:"caption"`
		FullText string `json:"full_text"`
	} `json:"memories"`
	Queries []struct {
		Prompt   string   `json:"prompt"`
		Relevant []string `json:"relevant"`
	} `json:"queries"`
}

// recallAtK is the mean over queries of the share of relevant memories
// among the first k ranked.
func recallAtK(set recallSet, rank func(prompt string) []Summary, k int) float64 {
	sum := 0.0
	for _, q := range set.Queries {
		got := rank(q.Prompt)
		if len(got) > k {
			got = got[:k]
		}
		hit := 0
		for _, id := range q.Relevant {
			for _, g := range got {
				if g.ID == id {
					hit++
					break
				}
			}
		}
		sum += float64(hit) / float64(len(q.Relevant))
	}
	return sum / float64(len(set.Queries))
}

// TestRecallAt5 measures recall@5 on the shipped set for BM25 and for
// embeddings (the baseline sim's hashed bag of words over real HTTP), and
// requires each to beat a random ranking (k/N) by a wide margin. The
// figures are in docs/PERFORMANCE.md; -v prints them.
func TestRecallAt5(t *testing.T) {
	data, err := os.ReadFile("testdata/recall.json")
	if err != nil {
		t.Fatal(err)
	}
	var set recallSet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	rows := make([]row, len(set.Memories))
	for i, m := range set.Memories {
		rows[i] = row{ID: m.ID, Caption: m.Caption, FullText: m.FullText}
	}
	u, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced(), Suites: []*suites.Suite{}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	ec := &embedClient{url: u, model: baseline.SimEmbedModel, hc: http.DefaultClient}
	texts := make([]string, len(rows))
	for i, r := range rows {
		texts[i] = embedText(r)
	}
	vecs, err := ec.embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].Embedding = encodeVec(vecs[i])
	}
	bm25 := recallAtK(set, func(p string) []Summary { return rankBM25(rows, p, 5) }, 5)
	emb := recallAtK(set, func(p string) []Summary {
		q, err := ec.embed(context.Background(), []string{p})
		if err != nil {
			t.Fatal(err)
		}
		return rankCosine(rows, q[0], 5, 0)
	}, 5)
	random := 5.0 / float64(len(rows))
	t.Logf("recall@5 on %d memories, %d queries: bm25 %.3f, embeddings (%s) %.3f, random %.3f",
		len(rows), len(set.Queries), bm25, baseline.SimEmbedModel, emb, random)
	for name, v := range map[string]float64{"bm25": bm25, "embeddings": emb} {
		t.Run(name, func(t *testing.T) {
			if v < 3*random {
				t.Errorf("%s recall@5 %.3f is not 3× a random ranking's %.3f", name, v, random)
			}
		})
	}
}
