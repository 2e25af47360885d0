package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/memory"
	"github.com/janus-bench/janus/internal/sqlstore"
	"github.com/janus-bench/janus/suites"
)

// memoryCommand serves the memory service.
func memoryCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "memory",
		Usage: "serve the memory service (extract facts about users, recall them for a prompt)",
		Description: "POST /memories/extract, GET /memories/relevant, /memories/list, /memories/full, PATCH and\n" +
			"DELETE /memories/{id}, DELETE /memories/clear, /health (README, ## Memory service; docs/SERVICES.md).\n" +
			"Without --llm-url the extraction is done by an embedded baseline sim (rule-based, offline);\n" +
			"--embed-url sim uses the sim's hashed bag-of-words embeddings.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Value: memory.DefaultListen, EnvVars: []string{"JANUS_MEMORY_LISTEN"}, Usage: "`ADDR` to listen on"},
			&ucli.StringFlag{Name: "store", EnvVars: []string{"JANUS_MEMORY_STORE"},
				Usage: "a SQLite file path or a postgres:// URL (default: $XDG_DATA_HOME/janus/memory.db)"},
			&ucli.StringFlag{Name: "llm-url", EnvVars: []string{"JANUS_MEMORY_LLM_URL"}, Usage: "extraction model's OpenAI-compatible base `URL` (…/v1); empty: the embedded sim"},
			&ucli.StringFlag{Name: "llm-model", EnvVars: []string{"JANUS_MEMORY_LLM_MODEL"}, Usage: "extraction `MODEL`"},
			&ucli.StringFlag{Name: "llm-api-key", EnvVars: []string{"JANUS_MEMORY_LLM_API_KEY"}, Usage: "bearer `KEY` for --llm-url"},
			&ucli.DurationFlag{Name: "llm-timeout", Value: 60e9, Usage: "bound on one extraction call"},
			&ucli.StringFlag{Name: "embed-url", EnvVars: []string{"JANUS_MEMORY_EMBED_URL"}, Usage: "embeddings base `URL` (…/v1) for embedding recall, or \"sim\"; empty: BM25"},
			&ucli.StringFlag{Name: "embed-model", EnvVars: []string{"JANUS_MEMORY_EMBED_MODEL"}, Usage: "embeddings `MODEL`"},
			&ucli.StringFlag{Name: "embed-api-key", EnvVars: []string{"JANUS_MEMORY_EMBED_API_KEY"}, Usage: "bearer `KEY` for --embed-url"},
			&ucli.Float64Flag{Name: "min-similarity", Usage: "lowest cosine similarity recalled with embeddings"},
			&ucli.IntFlag{Name: "max-per-user", Value: memory.DefaultMaxPerUser, Usage: "memories kept per user; the least recently used are evicted"},
			&ucli.Float64Flag{Name: "rate-limit", Value: memory.DefaultRatePerMinute, Usage: "requests per minute per user (negative: unlimited)"},
			&ucli.StringFlag{Name: "api-keys", EnvVars: []string{"JANUS_MEMORY_API_KEYS"}, Usage: "`FILE` of accepted keys: KEY or USER KEY per line (clear or sha256:<hex>); empty: no auth"},
			&ucli.Int64Flag{Name: "max-body", Value: memory.DefaultMaxBodyBytes, Usage: "largest request body in `BYTES`"},
			&ucli.IntFlag{Name: "max-messages", Value: memory.DefaultMaxMessages, Usage: "most messages in one conversation"},
			&ucli.IntFlag{Name: "max-message-chars", Value: memory.DefaultMaxMessageChars, Usage: "longest message, in characters"},
			&ucli.IntFlag{Name: "max-conversation-chars", Value: memory.DefaultMaxConversationChars, Usage: "longest conversation, in characters"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("memory takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			cfg := memory.Config{DSN: c.String("store"), LLMURL: c.String("llm-url"), LLMModel: c.String("llm-model"),
				LLMKey: c.String("llm-api-key"), LLMTimeout: c.Duration("llm-timeout"), EmbedURL: c.String("embed-url"),
				EmbedModel: c.String("embed-model"), EmbedKey: c.String("embed-api-key"), MinSimilarity: c.Float64("min-similarity"),
				MaxPerUser: c.Int("max-per-user"), RatePerMinute: c.Float64("rate-limit"), MaxBodyBytes: c.Int64("max-body"),
				MaxMessages: c.Int("max-messages"), MaxMessageChars: c.Int("max-message-chars"),
				MaxConversationChars: c.Int("max-conversation-chars"), Logger: logger()}
			if cfg.DSN == "" {
				cfg.DSN = memory.DefaultDSN()
			}
			if f := c.String("api-keys"); f != "" {
				ks, err := apikeys.Load(f)
				if err != nil {
					return &UsageError{Err: err}
				}
				cfg.APIKeys = ks
			}
			if cfg.LLMURL != "" && cfg.LLMModel == "" {
				return usageErrorf("--llm-url needs --llm-model")
			}
			if cfg.LLMURL == "" || cfg.EmbedURL == "sim" {
				stop, err := embeddedSim(c.Context, &cfg)
				if err != nil {
					return err
				}
				defer func() { _ = stop(context.WithoutCancel(c.Context)) }()
			}
			if cfg.EmbedURL != "" && cfg.EmbedModel == "" {
				return usageErrorf("--embed-url needs --embed-model")
			}
			out := stdout(c)
			return memory.Serve(c.Context, c.String("listen"), cfg, func(u string) {
				fmt.Fprintf(out, "janus memory listening on %s (store %s, recall %s)\n", u, sqlstore.Redact(cfg.DSN), recallName(cfg))
			})
		},
	}
}

// embeddedSim starts a baseline sim on loopback for the extraction (when no
// model URL is set) and/or the "sim" embeddings.
func embeddedSim(ctx context.Context, cfg *memory.Config) (func(context.Context) error, error) {
	u, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced(), Suites: []*suites.Suite{}})
	if err != nil {
		return nil, fmt.Errorf("memory: start the embedded sim: %w", err)
	}
	if cfg.LLMURL == "" {
		slog.Warn("memory: no --llm-url; extraction by the embedded baseline sim (rule-based: first-person sentences of user messages)")
		cfg.LLMURL, cfg.LLMModel = u, baseline.DefaultModel
	}
	if cfg.EmbedURL == "sim" {
		cfg.EmbedURL = u
		if cfg.EmbedModel == "" {
			cfg.EmbedModel = baseline.SimEmbedModel
		}
	}
	return stop, nil
}

func recallName(cfg memory.Config) string {
	if cfg.EmbedURL != "" {
		return "embeddings (" + cfg.EmbedModel + ")"
	}
	return "bm25"
}
