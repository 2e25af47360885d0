package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// HeaderUserID is the end-user id a memory task's requests carry, the
// header the gateway forwards (gateway.HeaderUserID) and the baseline's
// memory hook reads.
const HeaderUserID = "X-Janus-User-Id"

// memoryRun is one run of a memory task: the user ids it drew, fresh for
// this run so nothing told in another run (or another task) can answer.
type memoryRun struct {
	user, decoyUser string
}

// newMemoryUsers draws the task's two user ids from crypto/rand (whose
// Read never fails: it crashes the program instead), as random UUIDs: the
// commonest shape of a user id, so the ids do not mark janus's traffic.
func newMemoryUsers() *memoryRun {
	return &memoryRun{user: randomUUID(), decoyUser: randomUUID()}
}

// randomUUID is a version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// userCtx makes Do send user's id.
func userCtx(ctx context.Context, user string) context.Context {
	return trace.WithHeader(ctx, http.Header{HeaderUserID: {user}})
}

// tell sends a memory task's earlier conversations, the task's user's and
// then the decoy's, each as its own request with no other history, and
// waits the task's settle time. The answers are not scored (a failed one
// is logged): what counts is whether the question is answered later.
func (m *memoryRun) tell(ctx context.Context, client *trace.Client, t *suites.Task, req wire.ChatRequest, rec recorderFactory, log *slog.Logger) {
	send := func(user, name string, convs [][]openai.ChatCompletionMessage) {
		for i, conv := range convs {
			r := req
			r.Messages = conv
			tr := doRecorded(userCtx(ctx, user), client, r, rec, fmt.Sprintf("%s.%s%d", t.ID, name, i+1), log)
			if tr.Err != nil {
				log.Warn("memory task: an earlier conversation failed", "task", t.ID, "conversation", name, "err", tr.Err.Message)
			}
		}
	}
	send(m.user, "tell", t.Memory.Earlier)
	if t.Memory.Decoy != nil {
		send(m.decoyUser, "decoy.tell", t.Memory.Decoy.Earlier)
	}
	timer := time.NewTimer(t.Memory.Settle())
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// askDecoy sends the task's question as the decoy user.
func (m *memoryRun) askDecoy(ctx context.Context, client *trace.Client, t *suites.Task, req wire.ChatRequest, rec recorderFactory, log *slog.Logger) *trace.Trace {
	if t.Memory.Decoy == nil {
		return nil
	}
	tr := doRecorded(userCtx(ctx, m.decoyUser), client, req, rec, t.ID+".decoy", log)
	tr.TaskID = t.ID
	return tr
}

// doRecorded sends req, recording it as name when recording.
func doRecorded(ctx context.Context, client *trace.Client, req wire.ChatRequest, rec recorderFactory, name string, log *slog.Logger) *trace.Trace {
	if rec == nil {
		return client.Do(ctx, req, nil)
	}
	fr, err := rec(name)
	if err != nil {
		log.Warn("cannot record request", "name", name, "err", err)
		return client.Do(ctx, req, nil)
	}
	defer fr.Close()
	return client.Do(ctx, req, fr)
}

// memoryVerdict folds the decoy user into a memory task's verdict: the
// decoy's answer must pass the decoy's checks, and neither answer may pass
// the other user's checks (a memory shared by all users, or one answer
// for the question whoever asks, holds both facts or the wrong one). The
// score is the lower of the two users' scores, 0 on any leak.
func memoryVerdict(t *suites.Task, tr, decoyTr *trace.Trace, own scorer.Verdict, ev *scorer.Evaluator) scorer.Verdict {
	if t.Memory == nil || t.Memory.Decoy == nil {
		return own
	}
	decoy := *t
	decoy.Expect = t.Memory.Decoy.Expect
	if v := ev.Evaluate(&decoy, tr); v.Score >= 0.5 {
		return scorer.Verdict{Score: 0, Reason: "the answer holds the decoy user's fact (" + v.Reason + "): memory is not kept per user"}
	}
	switch {
	case decoyTr == nil:
		return scorer.Verdict{Score: 0, Reason: "the decoy user's question was not asked"}
	case decoyTr.Err != nil:
		return scorer.Verdict{Score: 0, Reason: "the decoy user's question failed: " + string(decoyTr.Err.Class)}
	}
	if v := ev.Evaluate(t, decoyTr); v.Score >= 0.5 {
		return scorer.Verdict{Score: 0, Reason: "the decoy user got this user's fact (" + v.Reason + "): memory is not kept per user"}
	}
	dv := ev.Evaluate(&decoy, decoyTr)
	return scorer.Verdict{Score: min(own.Score, dv.Score), Reason: own.Reason + "; decoy user: " + dv.Reason}
}
