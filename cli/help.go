package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// commandHelp is what `janus CMD --help` says beyond the flags: a
// description for commands that do not carry their own, and two or three
// examples for every one. Keyed by the command's path ("bench run"). A new
// command needs an entry (or its own Description with an "Examples:"
// block): TestEveryCommandHasHelp walks the whole app.
var commandHelp = map[string]struct {
	desc     string
	examples []string
}{
	"bench": {"Score an endpoint (run), look at one request (probe), measure janus itself (selftest), load it\n" +
		"(load), compare two runs (compare), rebuild a run from recordings (replay), check the scorer (calibrate).",
		[]string{"janus bench run --limit 3", "janus bench probe --json", "janus bench compare runs/base.json runs/new.json"}},
	"bench run": {"Runs a suite against a target and writes a scored report (runs/<UTC time>-<model>.json), a summary on\n" +
		"stdout and progress on stderr. With no --target the reference baseline runs in-process. The default suite,\n" +
		"smoke, is generated from a secret seed (printed at the end: --seed N reproduces it; smoke@stored is the shipped\n" +
		"file). One unscored warm-up task goes first, sent like every task: a refused key or model exits 4 before any\n" +
		"scored task. Exit 3 when a --min-score gate fails.",
		[]string{"janus bench run --limit 3 --seed 1",
			"janus bench run --target http://127.0.0.1:8000/v1 --model my-model --out runs/mine.json",
			"janus bench run --suite janus-default --min-score composite=70 --out-format junit=report.xml"}},
	"bench probe": {"Sends one request and prints its full trace: every SSE event with its arrival time, the metrics and the\n" +
		"streaming-contract violations.",
		[]string{"janus bench probe", "janus bench probe --json --prompt 'What is the capital of France?'",
			"janus bench probe --target http://127.0.0.1:8000/v1 --model my-model"}},
	"bench selftest": {"Measures janus's own timing error on this machine against a sim with known delays, run as a second\n" +
		"janus process; later reports cite it, and the streaming score takes it out (docs/SCORING.md).",
		[]string{"janus bench selftest", "janus bench selftest --levels 1,100 --json"}},
	"bench replay": {"Rebuilds and re-scores a run from the raw SSE bytes `bench run --record DIR` saved, with their original\n" +
		"timings, without calling the target.",
		[]string{"janus bench run --record rec --out runs/r.json && janus bench replay rec", "janus bench replay rec --format json"}},
	"bench compare": {"", []string{"janus bench compare runs/base.json runs/new.json",
		"janus bench compare runs/base.json runs/new.json --fail-on regression --format md"}},
	"bench calibrate": {"", []string{"janus bench calibrate", "janus bench calibrate --time-scale 0.1 --profiles noisy,slow"}},
	"bench load":      {"", []string{"janus bench load --profile closed:c=1,8,64 --duration 10s", "janus bench load --profile poisson:rate=20,50 --duration 30s --target http://127.0.0.1:8000/v1 --model my-model"}},
	"baseline": {"", []string{"janus baseline --listen 127.0.0.1:8081",
		"janus baseline --streaming-only --models alpha,beta", "janus baseline --sim-profile noisy --listen 127.0.0.1:8082"}},
	"suites":      {"List, show and validate the built-in suites and suite files.", []string{"janus suites list", "janus suites validate ./my-suite"}},
	"suites list": {"Lists the built-in suites with their versions and task counts.", []string{"janus suites list", "janus suites list | grep smoke"}},
	"suites show": {"Shows a suite's metadata and tasks: a built-in name or a path.", []string{"janus suites show smoke", "janus suites show ./my-suite/tasks.yaml"}},
	"suites validate": {"Checks suites: schema, every check compiles, images decode, each reference scores 1.0 and non-answers\n" +
		"score below 0.5. Exit 2 naming file:line for each problem.",
		[]string{"janus suites validate", "janus suites validate ./my-suite"}},
	"suites generate": {"Writes janus-default generated from a seed into a directory: the tasks a fresh run's printed seed\n" +
		"gave, or, from a secret seed, a private suite to seal with suites encrypt.",
		[]string{"janus suites generate --seed 42 ./janus-default-42", "janus suites generate ./private  (draws a secret seed and prints it)"}},
	"suites encrypt": {"Seals a tasks file (JSONL or a YAML list) with AES-256-GCM for a private suite kept outside the\n" +
		"binary; bench run --suite FILE.enc or URL opens it with the same key (--suite-key-file or $JANUS_SUITE_KEY).",
		[]string{"janus suites encrypt private.jsonl private.jsonl.enc --suite-key-file key.hex",
			"janus suites encrypt tasks.yaml tasks.yaml.enc  (key from $JANUS_SUITE_KEY, e.g. openssl rand -hex 32)"}},
	"conform": {"", []string{"janus conform --target http://127.0.0.1:8000/v1", "janus conform --image my-competitor --json"}},
	"gateway": {"", []string{"janus gateway --listen 127.0.0.1:8000 --competitor a=http://127.0.0.1:8081/v1",
		"janus gateway --config gateway.yaml"}},
	"score":   {"", []string{"janus score runs/r.json --weights quality=60,speed=10", "janus score runs/r.json --prices prices.yaml --format json"}},
	"version": {"Prints janus's version, the report schema and the Go version.", []string{"janus version", "janus --version"}},
	"runs": {"List, show, delete and import the runs in the run store (SQLite file or PostgreSQL).",
		[]string{"janus runs list", "janus runs import runs/*.json"}},
	"runs list":   {"Lists stored runs, newest first.", []string{"janus runs list", "janus runs list --suite smoke --status completed --json"}},
	"runs show":   {"Shows one stored run: scores and tasks; --json prints everything, with the report.", []string{"janus runs show RUN_ID", "janus runs show RUN_ID --json"}},
	"runs delete": {"Deletes runs and their task results from the store.", []string{"janus runs delete RUN_ID", "janus runs delete RUN_ID OTHER_ID --store postgres://…"}},
	"runs import": {"Stores report files, idempotently by run id; other janus reports (bench load's) are skipped with a note.",
		[]string{"janus runs import runs/*.json", "janus runs import runs/mine.json --competitor mine --team us"}},
	"leaderboard": {"", []string{"janus leaderboard", "janus leaderboard --json --suite janus-default --baseline exclude"}},
	"arena":       {"Turn the gateway's pairwise votes into ratings.", []string{"janus arena import votes.jsonl", "janus arena ratings --method elo"}},
	"arena import": {"Stores pairwise votes from the gateway's JSONL, idempotently by vote id.",
		[]string{"janus arena import votes.jsonl", "janus arena import votes-*.jsonl --store postgres://…"}},
	"arena ratings": {"Computes Bradley-Terry (with bootstrap CI95) or Elo ratings from the stored votes.",
		[]string{"janus arena ratings", "janus arena ratings --method elo --json"}},
	"image":       {"Check a competitor's container image before you submit it.", []string{"janus image check my-competitor", "janus image check my-competitor --long"}},
	"image check": {"", []string{"janus image check my-competitor", "janus image check my-competitor --long --env KEY=VAL"}},
	"cleanup":     {"", []string{"janus cleanup", "janus cleanup --force --json"}},
	"tui":         {"", []string{"janus tui", "janus tui --target http://127.0.0.1:8000/v1", "janus tui --load closed:c=1,4,16 --duration 10s"}},
	"up":          {"", []string{"janus up", "janus up --store postgres://…"}},
	"runs submit": {"Submits a run to a scoring service (janus serve): the service queues it and a worker runs the same\n" +
		"engine as bench run. --watch follows it until it ends.",
		[]string{"janus runs submit --server http://127.0.0.1:8100 --suite smoke --watch",
			"janus runs submit --server http://127.0.0.1:8100 --key $KEY --target http://127.0.0.1:8000/v1 --model my-model"}},
	"runs watch": {"Follows a run on a scoring service over its SSE stream, with a progress bar, until it ends.",
		[]string{"janus runs watch --server http://127.0.0.1:8100 RUN_ID", "janus runs watch --server http://127.0.0.1:8100 --key $KEY RUN_ID"}},
	"runs cancel": {"Cancels a queued or running run on a scoring service.",
		[]string{"janus runs cancel --server http://127.0.0.1:8100 RUN_ID", "janus runs cancel --server http://127.0.0.1:8100 --key $KEY RUN_ID"}},
	"serve": {"", []string{"janus serve", "janus serve --listen 127.0.0.1:8100 --store postgres://janus@db/janus --workers 0",
		"janus serve --allow-target 127.0.0.1/32 --public-read", "janus serve --demo"}},
	"serve keys": {"Creates, lists and revokes the scoring service's API keys (stored hashed).",
		[]string{"janus serve keys create --name alice --role submitter", "janus serve keys list"}},
	"serve keys create": {"Creates an API key and prints its token once; only its hash is stored.",
		[]string{"janus serve keys create --name ops --role admin", "janus serve keys create --name alice --quota 5"}},
	"serve keys list":   {"Lists the API keys (names, roles, quotas; never their tokens).", []string{"janus serve keys list", "janus serve keys list --store postgres://janus@db/janus"}},
	"serve keys revoke": {"Revokes an API key by id.", []string{"janus serve keys revoke KEY_ID", "janus serve keys revoke KEY_ID --store postgres://janus@db/janus"}},
	"worker": {"Executes the scoring service's queued runs; any number of workers may share a postgres:// store.",
		[]string{"janus worker --store postgres://janus@db/janus", "janus worker --store postgres://janus@db/janus --workers 4"}},
	"memory": {"", []string{"janus memory", "janus memory --llm-url http://127.0.0.1:8000/v1 --llm-model my-model --embed-url sim"}},
	"sessions": {"", []string{"janus sessions --secret-file secret",
		"janus sessions --secret-file secret --jwks-url https://idp.example/jwks.json --jwt-audience janus"}},
	"sessions rotate-secret": {"Re-encrypts every stored session from the old server secret to a new one, in one transaction.",
		[]string{"janus sessions rotate-secret --old-secret-file old --new-secret-file new",
			"janus sessions rotate-secret --store postgres://janus@db/janus --old-secret-file old --new-secret-file new"}},
	"sessions gen-secret": {"Prints a new random server secret (base64 of 32 bytes) for janus sessions.",
		[]string{"janus sessions gen-secret > secret", "janus sessions gen-secret | tee secret-new"}},
}

// applyHelp fills every command's description and examples from
// commandHelp.
func applyHelp(prefix []string, cmds []*ucli.Command) {
	for _, c := range cmds {
		path := append(append([]string{}, prefix...), c.Name)
		if h, ok := commandHelp[strings.Join(path, " ")]; ok {
			if c.Description == "" {
				c.Description = h.desc
			}
			if len(h.examples) > 0 && !strings.Contains(c.Description, "Examples:") {
				c.Description = strings.TrimSpace(c.Description) + "\n\nExamples:\n  " + strings.Join(h.examples, "\n  ")
			}
		}
		applyHelp(path, c.Subcommands)
	}
}
