//go:build unix

package janstore

import (
	"context"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline/threads"
)

// TestFlockOrdersStores checks that two Stores on one data dir — which do
// not share the in-process lock, like two processes — still take turns on
// a thread through flock: an append waits while the other Store holds the
// thread. (Only the waiting is asserted, never how long anything takes.)
func TestFlockOrdersStores(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := a.lockThread("t", true)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- b.Append(context.Background(), "t", "", []threads.Message{{ID: "m", Role: "user", Content: "x"}})
	}()
	select {
	case err := <-done:
		unlock()
		t.Fatalf("append finished while another store held the thread (err %v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("append still blocked 30 s after the lock was released")
	}
	th, err := a.Load(context.Background(), "t")
	if err != nil || len(th.Messages) != 1 {
		t.Fatalf("after: %+v %v", th, err)
	}
}
