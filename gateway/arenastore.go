package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/leaderboard"
)

// Arena vote rules.
const (
	// VoteMinDelay is how long after its prompt a vote is accepted: a vote
	// cast before a person could have read two answers is noise or a bot.
	VoteMinDelay = 5 * time.Second
	// VotesPerHour caps the votes one voter (API key, else client IP) may
	// record in any sliding hour.
	VotesPerHour = 50
)

// ArenaPrompt is one arena request as the gateway records it: which two
// competitors answered as A and B. The prompt text itself is not kept, only
// its hash, so the store holds no user content.
type ArenaPrompt struct {
	PromptID    string `json:"prompt_id"`
	PromptHash  string `json:"prompt_hash"`
	CompetitorA string `json:"competitor_a"`
	CompetitorB string `json:"competitor_b"`
	CreatedAt   string `json:"created_at"`
}

// PromptHash is the sha256 (hex) of the whitespace-normalised prompt: the
// text of every message, in order, as "role: text", joined by newlines,
// with every run of white space then collapsed to one space and the ends
// trimmed. The same conversation typed with different spacing hashes the
// same, so the leaderboard can group votes by prompt.
func PromptHash(msgs []openai.ChatCompletionMessage) string {
	var sb strings.Builder
	for i, m := range msgs {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(m.Role)
		sb.WriteString(": ")
		sb.WriteString(wire.TextOf(m))
	}
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(sb.String()), " ")))
	return hex.EncodeToString(sum[:])
}

// arenaStore keeps arena prompts and votes in two journals under the data
// dir (arena/prompts.jsonl, arena/votes.jsonl, one leaderboard.Vote a line:
// the shape `janus arena import` reads), with in-memory indexes
// rebuilt from them on start, so pending prompts and cast votes survive a
// restart.
type arenaStore struct {
	mu      sync.Mutex
	prompts map[string]*ArenaPrompt
	voted   map[string]bool
	byVoter map[string][]time.Time // vote times per voter, oldest first
	pj, vj  *journal
}

func openArenaStore(dir string) (*arenaStore, error) {
	st := &arenaStore{prompts: map[string]*ArenaPrompt{}, voted: map[string]bool{}, byVoter: map[string][]time.Time{}}
	var err error
	st.pj, err = openJournal(filepath.Join(dir, "arena", "prompts.jsonl"), func(line []byte) error {
		var p ArenaPrompt
		if err := json.Unmarshal(line, &p); err != nil {
			return err
		}
		if p.PromptID == "" {
			return errors.New("prompt without prompt_id")
		}
		st.prompts[p.PromptID] = &p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open arena store: %w", err)
	}
	st.vj, err = openJournal(filepath.Join(dir, "arena", "votes.jsonl"), func(line []byte) error {
		var v leaderboard.Vote
		if err := json.Unmarshal(line, &v); err != nil {
			return err
		}
		st.voted[v.PromptID] = true
		if !v.VotedAt.IsZero() {
			st.byVoter[v.Voter] = append(st.byVoter[v.Voter], v.VotedAt)
		}
		return nil
	})
	if err != nil {
		_ = st.pj.close()
		return nil, fmt.Errorf("open arena store: %w", err)
	}
	return st, nil
}

func (st *arenaStore) close() error {
	return errors.Join(st.pj.close(), st.vj.close())
}

// addPrompt records a prompt durably before its id is handed out.
func (st *arenaStore) addPrompt(p ArenaPrompt) error {
	if err := st.pj.append(p); err != nil {
		return err
	}
	st.mu.Lock()
	st.prompts[p.PromptID] = &p
	st.mu.Unlock()
	return nil
}

// voteError is a refused vote: the HTTP status and the OpenAI error code.
type voteError struct {
	status int
	code   string
	msg    string
}

func (e *voteError) Error() string { return e.msg }

// vote checks a vote against the rules, in the order a client can act on
// (unknown prompt 404, already voted 409, too early 400, over the hourly
// cap 429), and records it durably. Only recorded votes count toward the
// cap. The lock is held across the append, so that two votes on one prompt
// cannot both pass the 409 check.
func (st *arenaStore) vote(promptID, winner, voter string, now time.Time) (leaderboard.Vote, *voteError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.prompts[promptID]
	if p == nil {
		return leaderboard.Vote{}, &voteError{404, "prompt_not_found", "no arena prompt " + quote(promptID)}
	}
	if st.voted[promptID] {
		return leaderboard.Vote{}, &voteError{409, "already_voted", "arena prompt " + quote(promptID) + " already has a vote"}
	}
	created, err := time.Parse(time.RFC3339Nano, p.CreatedAt)
	if err != nil {
		return leaderboard.Vote{}, &voteError{500, "store_error", "arena prompt has a bad created_at: " + err.Error()}
	}
	if age := now.Sub(created); age < VoteMinDelay {
		return leaderboard.Vote{}, &voteError{400, "vote_too_early", fmt.Sprintf(
			"votes are accepted %s after the prompt; this one came after %s", VoteMinDelay, age.Round(time.Millisecond))}
	}
	times := st.byVoter[voter]
	cut := 0
	for cut < len(times) && now.Sub(times[cut]) >= time.Hour {
		cut++
	}
	times = times[cut:]
	st.byVoter[voter] = times
	if len(times) >= VotesPerHour {
		return leaderboard.Vote{}, &voteError{429, "vote_rate_exceeded", fmt.Sprintf(
			"at most %d votes per hour per voter; the next is possible in %s", VotesPerHour,
			time.Hour-now.Sub(times[0]).Round(time.Second))}
	}
	// The times marshal as RFC 3339 with nanoseconds, as they were written
	// before: created as the prompt's journal line has it, voted in UTC.
	v := leaderboard.Vote{ID: "vote-" + strings.ToLower(cryptoText()), PromptID: promptID, PromptHash: p.PromptHash,
		CompetitorA: p.CompetitorA, CompetitorB: p.CompetitorB, Winner: winner, Voter: voter,
		CreatedAt: created, VotedAt: now.UTC()}
	if err := st.vj.append(v); err != nil {
		return leaderboard.Vote{}, &voteError{500, "store_error", "could not record the vote: " + err.Error()}
	}
	st.voted[promptID] = true
	st.byVoter[voter] = append(times, now)
	return v, nil
}
