package threads

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultKeyPrefix is Jangar's key prefix (JANGAR_CHAT_KEY_PREFIX).
const DefaultKeyPrefix = "openwebui:chat"

// RedisStore keeps threads in Redis: thread id under prefix P is a hash
// P:<id> (assistant_id, created_at) and a list P:<id>:messages of JSON
// messages. An append is one Lua script, so the lock check and the RPUSH
// are atomic across any number of baseline processes sharing the server.
type RedisStore struct {
	rdb    *redis.Client
	prefix string
}

var _ Store = (*RedisStore)(nil)

// appendScript checks the assistant lock and the size cap and appends in
// one atomic step; the hash's "bytes" field counts the stored bytes.
// KEYS: meta hash, message list. ARGV: assistant id, unix time, cap (0:
// none), bytes added, messages….
var appendScript = redis.NewScript(`
local n = redis.call('LLEN', KEYS[2])
local bound = redis.call('HGET', KEYS[1], 'assistant_id')
if bound == false then bound = '' end
if n > 0 and bound ~= ARGV[1] then
  return redis.error_reply('LOCKED ' .. bound)
end
local have = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
local cap = tonumber(ARGV[3])
local add = tonumber(ARGV[4])
if cap > 0 and have + add > cap then
  return redis.error_reply('FULL ' .. have)
end
redis.call('HSET', KEYS[1], 'assistant_id', ARGV[1])
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'bytes', add)
return redis.call('RPUSH', KEYS[2], unpack(ARGV, 5))
`)

// branchScript is appendScript after trimming the list to its first
// ARGV[3] messages. KEYS: meta hash, message list. ARGV: assistant id,
// unix time, keep, messages….
var branchScript = redis.NewScript(`
local n = redis.call('LLEN', KEYS[2])
local keep = tonumber(ARGV[3])
local bound = redis.call('HGET', KEYS[1], 'assistant_id')
if bound == false then bound = '' end
if n > 0 and bound ~= ARGV[1] then
  return redis.error_reply('LOCKED ' .. bound)
end
if n < keep then
  return redis.error_reply('SHORT ' .. n)
end
if keep == 0 then
  redis.call('DEL', KEYS[2])
else
  redis.call('LTRIM', KEYS[2], 0, keep - 1)
end
redis.call('HSET', KEYS[1], 'assistant_id', ARGV[1])
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[2])
if #ARGV > 3 then
  return redis.call('RPUSH', KEYS[2], unpack(ARGV, 4))
end
return keep
`)

// NewRedisStore connects to url (redis://[:password@]host:port/db) and
// checks the server answers. An empty prefix means DefaultKeyPrefix.
func NewRedisStore(ctx context.Context, url, prefix string) (*RedisStore, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis thread store: parse URL: %w", err)
	}
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis thread store: ping %s: %w", opt.Addr, err)
	}
	return &RedisStore{rdb: rdb, prefix: strings.TrimSuffix(prefix, ":")}, nil
}

// Close closes the connection pool.
func (s *RedisStore) Close() error { return s.rdb.Close() }

// Name implements Store.
func (s *RedisStore) Name() string { return "redis" }

// Keys returns the hash and list keys of thread id.
func (s *RedisStore) Keys(id string) (meta, messages string) {
	meta = s.prefix + ":" + id
	return meta, meta + ":messages"
}

// Load implements Store.
func (s *RedisStore) Load(ctx context.Context, id string) (*Thread, error) {
	return s.LoadWindow(ctx, id, 0)
}

// LoadWindow implements Store: only the last window entries of the list
// leave Redis. The hash and the list are read in one MULTI so a
// concurrent append is seen whole or not at all.
func (s *RedisStore) LoadWindow(ctx context.Context, id string, window int) (*Thread, error) {
	if err := ValidID(id); err != nil {
		return nil, fmt.Errorf("load thread: %w", err)
	}
	meta, list := s.Keys(id)
	var hget, hbytes *redis.StringCmd
	var llen *redis.IntCmd
	var lrange *redis.StringSliceCmd
	from := int64(0)
	if window > 0 {
		from = -int64(window)
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		hget = p.HGet(ctx, meta, "assistant_id")
		hbytes = p.HGet(ctx, meta, "bytes")
		llen = p.LLen(ctx, list)
		lrange = p.LRange(ctx, list, from, -1)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load thread %s from redis: %w", id, err)
	}
	t := &Thread{ID: id}
	if v, err := hget.Result(); err == nil {
		t.AssistantID = v
	} else if !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load thread %s from redis: %w", id, err)
	}
	raw, err := lrange.Result()
	if err != nil {
		return nil, fmt.Errorf("load thread %s from redis: %w", id, err)
	}
	t.Total = int(llen.Val())
	t.Bytes, _ = hbytes.Int64()
	skipped := t.Total - len(raw)
	t.Messages = make([]Message, 0, len(raw))
	for i, r := range raw {
		m, err := DecodeMessage([]byte(r))
		if err != nil {
			return nil, &CorruptError{Where: "redis list " + list, Line: skipped + i + 1, Err: err}
		}
		t.Messages = append(t.Messages, m)
	}
	return t, nil
}

// Append implements Store.
func (s *RedisStore) Append(ctx context.Context, id, assistantID string, msgs []Message) error {
	return s.AppendCapped(ctx, id, assistantID, msgs, 0)
}

// AppendCapped implements Store.
func (s *RedisStore) AppendCapped(ctx context.Context, id, assistantID string, msgs []Message, maxBytes int64) error {
	if err := ValidID(id); err != nil {
		return fmt.Errorf("append to thread: %w", err)
	}
	if len(msgs) == 0 {
		return nil
	}
	meta, list := s.Keys(id)
	args := make([]any, 4, 4+len(msgs))
	var adding int64
	for _, m := range msgs {
		b, err := marshalMessage(m)
		if err != nil {
			return fmt.Errorf("append to thread %s: %w", id, err)
		}
		adding += int64(len(b))
		args = append(args, b)
	}
	args[0], args[1] = assistantID, strconv.FormatInt(time.Now().Unix(), 10)
	args[2], args[3] = strconv.FormatInt(max(maxBytes, 0), 10), strconv.FormatInt(adding, 10)
	err := appendScript.Run(ctx, s.rdb, []string{meta, list}, args...).Err()
	if err != nil {
		if have, ok := strings.CutPrefix(err.Error(), "FULL "); ok {
			n, _ := strconv.ParseInt(have, 10, 64)
			return &FullError{ThreadID: id, Bytes: n, Adding: adding, Max: maxBytes}
		}
		if bound, ok := strings.CutPrefix(err.Error(), "LOCKED "); ok {
			return &LockedError{ThreadID: id, Bound: bound, Requested: assistantID}
		}
		if bound, ok := strings.CutPrefix(err.Error(), "LOCKED"); ok && bound == "" {
			return &LockedError{ThreadID: id, Requested: assistantID}
		}
		return fmt.Errorf("append to thread %s in redis: %w", id, err)
	}
	return nil
}

// Branch implements Store with one Lua script: lock check, trim, append.
func (s *RedisStore) Branch(ctx context.Context, id, assistantID string, keep int, msgs []Message) error {
	if err := ValidID(id); err != nil {
		return fmt.Errorf("branch thread: %w", err)
	}
	meta, list := s.Keys(id)
	args := make([]any, 0, 3+len(msgs))
	args = append(args, assistantID, strconv.FormatInt(time.Now().Unix(), 10), strconv.Itoa(max(keep, 0)))
	for _, m := range msgs {
		b, err := marshalMessage(m)
		if err != nil {
			return fmt.Errorf("branch thread %s: %w", id, err)
		}
		args = append(args, b)
	}
	err := branchScript.Run(ctx, s.rdb, []string{meta, list}, args...).Err()
	if err == nil {
		return nil
	}
	msg := err.Error()
	if bound, ok := strings.CutPrefix(msg, "LOCKED"); ok {
		return &LockedError{ThreadID: id, Bound: strings.TrimPrefix(bound, " "), Requested: assistantID}
	}
	if has, ok := strings.CutPrefix(msg, "SHORT "); ok {
		n, _ := strconv.Atoi(has)
		return &BranchError{ThreadID: id, Keep: keep, Has: n}
	}
	return fmt.Errorf("branch thread %s in redis: %w", id, err)
}
