package gateway

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// searxngServer serves SearXNG's JSON answer shape and records the query.
func searxngServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Value) {
	var q atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/search" || r.URL.Query().Get("format") != "json" {
			http.Error(w, "bad path "+r.URL.String(), http.StatusNotFound)
			return
		}
		q.Store(r.URL.Query().Get("q"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts, &q
}

// TestSearXNGProvider plugs a SearXNG-compatible search server into the
// gateway and checks /api/search/web and /api/research over it, and that
// a failing provider is a 502 naming it.
func TestSearXNGProvider(t *testing.T) {
	const answer = `{"query":"tower","number_of_results":3,"results":[
		{"url":"https://en.example/tower","title":"Eiffel Tower","content":"330 metres tall","engine":"x","score":2.5},
		{"url":"","title":"no url","content":"dropped"},
		{"url":"https://fr.example/tour","title":"Tour Eiffel","content":"330 mètres","score":1.5},
		{"url":"https://third.example","title":"Third","content":"c","score":0.5}]}`
	sx, q := searxngServer(t, http.StatusOK, answer)
	gw := toolGateway(t, func(o *Options) {
		o.Tools.Search = SearXNG{URL: sx.URL}
		o.Tools.Research = SearchResearch{Search: o.Tools.Search}
	})
	var got struct {
		Results []SearchResult `json:"results"`
	}
	decodeOK(t, postJSON(t, gw.URL, "/api/search/web", `{"query":"eiffel tower","k":2}`, nil), &got)
	if q.Load() != "eiffel tower" {
		t.Errorf("provider got query %v", q.Load())
	}
	if len(got.Results) != 2 || got.Results[0].URL != "https://en.example/tower" || got.Results[0].Snippet != "330 metres tall" ||
		got.Results[1].Title != "Tour Eiffel" || got.Results[0].Score != 2.5 {
		t.Errorf("results %+v", got.Results)
	}
	var rep struct {
		Object  string           `json:"object"`
		Summary string           `json:"summary"`
		Sources []ResearchSource `json:"sources"`
	}
	decodeOK(t, postJSON(t, gw.URL, "/api/research", `{"question":"eiffel tower","k":1}`, nil), &rep)
	if rep.Object != "research.report" || len(rep.Sources) != 1 || rep.Sources[0].Text != "330 metres tall" ||
		!strings.HasPrefix(rep.Summary, "[1] Eiffel Tower") {
		t.Errorf("research %+v", rep)
	}

	bad, _ := searxngServer(t, http.StatusTooManyRequests, `rate limited`)
	gw2 := toolGateway(t, func(o *Options) { o.Tools.Search = SearXNG{URL: bad.URL} })
	resp := postJSON(t, gw2.URL, "/api/search/web", `{"query":"x"}`, nil)
	env := errorEnvelope(t, resp, http.StatusBadGateway)
	if env.Error.Code != "search_failed" || !strings.Contains(env.Error.Message, "HTTP 429") {
		t.Errorf("error %+v", env.Error)
	}
}

// FuzzParseSearXNG feeds the provider answer parser arbitrary bytes: it
// never panics and never returns more than k results, each with a URL.
func FuzzParseSearXNG(f *testing.F) {
	f.Add([]byte(`{"results":[{"url":"https://a","title":"A","content":"c","score":1}]}`), 3)
	f.Add([]byte(`{"results":null}`), 1)
	f.Add([]byte(`[]`), 2)
	f.Fuzz(func(t *testing.T, body []byte, k int) {
		k = max(k%25, 1)
		res, err := parseSearXNG(body, k)
		if err != nil {
			return
		}
		if len(res) > k {
			t.Fatalf("%d results for k=%d", len(res), k)
		}
		for _, r := range res {
			if strings.TrimSpace(r.URL) == "" {
				t.Fatalf("result without a URL: %+v", r)
			}
		}
	})
}

// multipartBody builds a transcription upload.
func multipartBody(t *testing.T, withFile, withModel bool) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if withModel {
		_ = mw.WriteField("model", "whisper-1")
	}
	if withFile {
		fw, err := mw.CreateFormFile("file", "a.wav")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte("RIFF....WAVEfmt fake audio"))
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func postRaw(t *testing.T, base, path, ct string, body []byte, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(base, "/v1")+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestTranscription checks POST /v1/audio/transcriptions: 501 without a
// provider; with one, the multipart body is forwarded byte for byte with
// the provider's key (never the client's) and the answer relayed; bad
// uploads and oversized ones are refused before anything is sent.
func TestTranscription(t *testing.T) {
	ct, body := multipartBody(t, true, true)
	gw := toolGateway(t, nil)
	env := errorEnvelope(t, postRaw(t, gw.URL, "/v1/audio/transcriptions", ct, body, nil), http.StatusNotImplemented)
	if env.Error.Code != "transcription_not_configured" || !strings.Contains(env.Error.Message, "--transcription-url") {
		t.Errorf("501 error %+v", env.Error)
	}

	var calls atomic.Int32
	var gotBody atomic.Value
	var gotAuth atomic.Value
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/audio/transcriptions" {
			http.Error(w, "bad path", http.StatusNotFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		gotBody.Store(string(b))
		gotAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"text":"hello world"}`)
	}))
	t.Cleanup(prov.Close)
	gw = toolGateway(t, func(o *Options) {
		o.Tools.Transcription = &Transcription{URL: prov.URL + "/v1", APIKey: "prov-key", MaxBytes: 4096}
	})
	resp := postRaw(t, gw.URL, "/v1/audio/transcriptions", ct, body, map[string]string{"Authorization": "Bearer client-secret"})
	b := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || string(b) != `{"text":"hello world"}` {
		t.Fatalf("status %d body %s", resp.StatusCode, b)
	}
	if gotBody.Load() != string(body) || gotAuth.Load() != "Bearer prov-key" {
		t.Errorf("forwarded body equal %v, auth %v", gotBody.Load() == string(body), gotAuth.Load())
	}
	cases := []struct {
		name   string
		ct     string
		body   []byte
		status int
		param  string
	}{
		{"not multipart", "application/json", []byte(`{"file":"x"}`), http.StatusBadRequest, ""},
		{"no file", func() string { c, _ := multipartBody(t, false, true); return c }(), nil, http.StatusBadRequest, "file"},
		{"too large", ct, append(bytes.Repeat([]byte("x"), 5000), body...), http.StatusRequestEntityTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cb := tc.body
			if tc.name == "no file" {
				tc.ct, cb = multipartBody(t, false, true)
			}
			before := calls.Load()
			env := errorEnvelope(t, postRaw(t, gw.URL, "/v1/audio/transcriptions", tc.ct, cb, nil), tc.status)
			if tc.param != "" && (env.Error.Param == nil || *env.Error.Param != tc.param) {
				t.Errorf("param %v, want %s", env.Error.Param, tc.param)
			}
			if calls.Load() != before {
				t.Error("a refused upload reached the provider")
			}
		})
	}
}
