// Command testimg is the misbehaving competitor of package container's
// tests, built static and put in a FROM scratch image. Its first argument
// picks the behaviour:
//
//	exit3      print 60 numbered lines, then exit with code 3
//	unhealthy  serve GET /health as 503 {"status":"starting"} forever
//	serial     serve /health (text/plain, JANUS_TEST_ECHO echoed) and
//	           streaming chat completions one request at a time
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	mode := "serial"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "exit3":
		for i := 1; i <= 60; i++ {
			fmt.Printf("testimg: line %d\n", i)
		}
		fmt.Fprintln(os.Stderr, "testimg: giving up with exit code 3")
		os.Exit(3)
	case "unhealthy":
		fmt.Println("testimg: never ready")
		http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"starting"}`)
		})
	case "serial":
		var mu sync.Mutex
		http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, `{"status":"ok","echo":%q}`, os.Getenv("JANUS_TEST_ECHO"))
		})
		http.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"object":"list","data":[{"id":"serial","object":"model"}]}`)
		})
		http.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock() // one request at a time: what the concurrency check must catch
			defer mu.Unlock()
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			for i := 0; i < 20; i++ {
				b, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "serial",
					"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": fmt.Sprintf("%d ", i+1)}}}})
				fmt.Fprintf(w, "data: %s\n\n", b)
				fl.Flush()
				time.Sleep(30 * time.Millisecond)
			}
			fmt.Fprint(w, "data: [DONE]\n\n")
		})
	default:
		fmt.Fprintln(os.Stderr, "testimg: unknown mode", mode)
		os.Exit(2)
	}
	fmt.Println("testimg: listening on :8080")
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
