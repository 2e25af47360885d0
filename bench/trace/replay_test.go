package trace

import (
	"net/http"
	"strings"
	"testing"
)

func sseHead() http.Header { return http.Header{"Content-Type": {"text/event-stream"}} }

func chunk(content string) string {
	return `data: {"choices":[{"index":0,"delta":{"content":"` + content + `"}}]}` + "\n\n"
}

// TestReplayEdgeCases covers recordings the live-run test cannot produce
// on demand: no response at all, files from before end lines existed,
// reads bigger than the parser's buffer, and the split between errors the
// bytes show and errors only the transport knew.
func TestReplayEdgeCases(t *testing.T) {
	long := strings.Repeat("y", 9000) // larger than the parser's 4 KiB first buffer
	cases := []struct {
		name      string
		rec       Recording
		wantClass ErrorClass // "" means no error
		wantText  string
		check     func(t *testing.T, tr *Trace)
	}{
		// No head and no end: a file created before the request failed.
		{name: "empty file", rec: Recording{Stream: true, SentNs: -1, HeadersNs: -1, EndNs: -1},
			wantClass: ErrConnect,
			check: func(t *testing.T, tr *Trace) {
				if tr.Status != 0 || tr.EndNs != -1 {
					t.Errorf("status %d end %d, want 0 and unset", tr.Status, tr.EndNs)
				}
			}},
		// No head, but the end says why: the recorded class is kept.
		{name: "refused with end", rec: Recording{Stream: true, SentNs: -1, HeadersNs: -1, Ended: true, EndNs: 700,
			Err: &Error{Class: ErrTimeoutHeaders, Message: "no response before the first-token timeout"}},
			wantClass: ErrTimeoutHeaders,
			check: func(t *testing.T, tr *Trace) {
				if tr.EndNs != 700 {
					t.Errorf("end %d, want the recorded 700", tr.EndNs)
				}
			}},
		// An old recording without an end line: the stream ends at its
		// last read, and with no send time the head's time stands in.
		{name: "no end line", rec: Recording{Stream: true, WantUsage: false, SentNs: -1, HeadersNs: 100, Status: 200, Header: sseHead(),
			Reads: []Read{{AtNs: 150, Data: []byte(chunk("Hel"))}, {AtNs: 170, Data: []byte(chunk("lo") + "data: [DONE]\n\n")}}},
			wantText: "Hello",
			check: func(t *testing.T, tr *Trace) {
				if tr.SentNs != 100 || tr.FirstTokenNs != 150 || tr.DoneNs != 170 || tr.EndNs != 170 {
					t.Errorf("sent %d first token %d done %d end %d, want 100 150 170 170", tr.SentNs, tr.FirstTokenNs, tr.DoneNs, tr.EndNs)
				}
			}},
		// One recorded read larger than the parser's buffer is handed out
		// in pieces, all at the read's time.
		{name: "read larger than buffer", rec: Recording{Stream: true, SentNs: 10, HeadersNs: 20, Status: 200, Header: sseHead(),
			Reads: []Read{{AtNs: 40, Data: []byte(chunk(long) + "data: [DONE]\n\n")}}, Ended: true, EndNs: 45},
			wantText: long,
			check: func(t *testing.T, tr *Trace) {
				if tr.FirstTokenNs != 40 || tr.DoneNs != 40 || tr.EndNs != 45 {
					t.Errorf("first token %d done %d end %d, want 40 40 45", tr.FirstTokenNs, tr.DoneNs, tr.EndNs)
				}
			}},
		// The total timeout cut a stream between two events: the bytes end
		// cleanly, and only the recorded end knows it was a timeout.
		{name: "transport error from the end", rec: Recording{Stream: true, SentNs: 0, HeadersNs: 5, Status: 200, Header: sseHead(),
			Reads: []Read{{AtNs: 9, Data: []byte(chunk("x"))}}, Ended: true, EndNs: 80,
			Err: &Error{Class: ErrTimeoutTotal, Message: "request exceeded the total timeout"}},
			wantClass: ErrTimeoutTotal, wantText: "x"},
		// An error object in the stream is re-read from the bytes and wins
		// over whatever the end says.
		{name: "error from the bytes", rec: Recording{Stream: true, SentNs: 0, HeadersNs: 5, Status: 200, Header: sseHead(),
			Reads: []Read{{AtNs: 9, Data: []byte(`data: {"error":{"message":"boom"}}` + "\n\n")}}, Ended: true, EndNs: 12,
			Err: &Error{Class: ErrStreamAborted, Message: "reset"}},
			wantClass: ErrMidstream},
		// An HTTP error status: the body's message is re-read.
		{name: "http status", rec: Recording{Stream: true, SentNs: 0, HeadersNs: 5, Status: 503,
			Header: http.Header{"Content-Type": {"application/json"}},
			Reads:  []Read{{AtNs: 6, Data: []byte(`{"error":{"message":"overloaded"}}`)}}, Ended: true, EndNs: 7,
			Err: &Error{Class: ErrHTTPStatus, Code: 503, Message: "HTTP 503: overloaded"}},
			wantClass: ErrHTTPStatus,
			check: func(t *testing.T, tr *Trace) {
				if tr.ErrorBody != "overloaded" || tr.Err.Code != 503 {
					t.Errorf("error body %q code %d", tr.ErrorBody, tr.Err.Code)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := FromRecording(&tc.rec)
			switch {
			case tc.wantClass == "" && tr.Err != nil:
				t.Fatalf("unexpected error %v", tr.Err)
			case tc.wantClass != "" && (tr.Err == nil || tr.Err.Class != tc.wantClass):
				t.Fatalf("err = %v, want class %s", tr.Err, tc.wantClass)
			}
			if tr.Content != tc.wantText {
				t.Errorf("content %q, want %q", tr.Content, tc.wantText)
			}
			if tc.check != nil {
				tc.check(t, tr)
			}
		})
	}
}
