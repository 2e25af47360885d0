# janus — two commands on a fresh machine: `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...
BIN     ?= bin/janus
# The static janus the binary-driving tests share (main_test.go,
# image_test.go, internal/container/): built once, passed as JANUS_TEST_BIN.
TEST_BIN ?= bin/janus-test
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/janus-bench/janus/internal/buildinfo.Version=$(VERSION)

.PHONY: run test test-bin test-stress tour test-long bench build build-load image lint fuzz fuzz-short selftest screenshots clean

## run: score the embedded reference target on smoke, generated from a secret seed (no setup needed)
run:
	@echo "make run: downloading Go modules (first time only)…" >&2
	@$(GO) mod download
	@echo "make run: compiling janus into $(BIN) (a minute or more the first time)…" >&2
	@$(GO) build -o $(BIN) .
	@echo "make run: scoring the embedded reference target on smoke (ten tasks generated from a secret seed)…" >&2
	$(BIN) bench run

## test-bin: the one static janus build the tests that run the binary share
test-bin:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(TEST_BIN) .

## test: vet + all tests with the race detector (under 10 minutes on 2 cores)
test: lint test-bin
	$(GO) vet $(PKGS)
	JANUS_TEST_BIN=$(abspath $(TEST_BIN)) $(GO) test -race -count=1 -timeout 9m $(PKGS)

## test-stress: the streaming core (bench/trace, gateway, bench/load, baseline), -count=2
## under -race while a CPU hog spins on every core; .ci/run runs it (scripts/stress.sh; STRESS_PKGS, STRESS_COUNT)
test-stress: test-bin
	JANUS_TEST_BIN=$(abspath $(TEST_BIN)) GO=$(GO) bash scripts/stress.sh

## tour: the README's 60-second tour, top to bottom, in a fresh clone
tour:
	GO=$(GO) bash scripts/tour.sh

## test-long: long tests (5-minute streams, soaks), tagged `long`
test-long:
	$(GO) test -race -count=1 -tags long -timeout 60m $(PKGS)

## bench: Go benchmarks and the harness selftest; results go in docs/PERFORMANCE.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/sse/
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 3 ./bench/ ./gateway/
	$(GO) test -run '^$$' -bench LiveUpdateView10k -benchtime 2000x -count 5 ./tui/
	$(GO) run . bench selftest --no-save
	$(GO) test -run '^$$' -bench . -benchtime 20x -timeout 30m ./leaderboard/
	$(GO) test -run '^$$' -bench ReadStream -benchmem -count 5 ./bench/trace/
	$(GO) test -run '^$$' -bench OpenLoopRequest -benchmem -benchtime 20000x -count 5 ./bench/load/
	bash scripts/loadbench.sh
	$(GO) test -run '^$$' -bench GatewayRelay -benchtime 2000x -count 3 ./gateway/
	bash scripts/gwbench.sh
	PIN=split bash scripts/gwbench.sh
	bash scripts/gwcpu.sh
	$(GO) test -run '^$$' -bench 'APILatency|QueueThroughput|ServiceRSS' -benchtime 1x -timeout 30m ./internal/service/
	$(GO) test -run '^$$' -bench LeaderboardPage -benchtime 30x -count 3 -timeout 10m ./internal/web/

## fuzz: 5 minutes of the SSE reader fuzzer
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime 5m ./internal/sse/
	$(GO) test -run '^$$' -fuzz FuzzArtifactObjects -fuzztime 1m ./gateway/
	$(GO) test -run '^$$' -fuzz FuzzJournal -fuzztime 1m ./gateway/
	$(GO) test -run '^$$' -fuzz FuzzDecodeDataURL -fuzztime 1m ./gateway/
	$(GO) test -run '^$$' -fuzz FuzzReadResponse -fuzztime 1m ./internal/h1/
	$(GO) test -run '^$$' -fuzz FuzzFastCompletion -fuzztime 1m ./bench/trace/
	$(GO) test -run '^$$' -fuzz FuzzSelftestSimConfig -fuzztime 30s ./bench/
	$(GO) test -run '^$$' -fuzz FuzzDecodeJSON -fuzztime 30s ./internal/service/

## fuzz-short: every Fuzz* target in the module (found by scripts/fuzz-short.sh),
## a 150 s budget shared among them (5–20 s each); CI runs it after `make test`
fuzz-short:
	GO=$(GO) bash scripts/fuzz-short.sh

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## build-load: the lean load client bin/janus-load (janus-load bench load = janus bench load)
build-load:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/janus-load ./cmd/janus-load

## image: the baseline competitor image janus-baseline (FROM scratch, static binary)
image: build
	docker build -t janus-baseline:$(VERSION) -t janus-baseline:latest .

## screenshots: each web page at 375 px and 1280 px, in docs/screenshots (needs chromium)
screenshots:
	$(GO) run ./internal/web/screenshots -out docs/screenshots
	$(MAKE) screenshots-chat

## lint: gofmt must have nothing to change; the architecture rules hold
## (internal/archtest: the layer rule of docs/ARCHITECTURE.md, and no
## function over 80 lines or cyclomatic complexity 25 — a gocyclo-style
## count in go/ast, as gocyclo is not a module janus fetches)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) test -count=1 ./internal/archtest/

clean:
	rm -rf bin runs

# The chat and arena pages (internal/web/chat) at 375 px and 1280 px, in headless
# Chromium, into docs/screenshots/.
.PHONY: screenshots-chat
screenshots-chat:
	$(GO) test -count=1 -run TestScreenshots ./internal/web/chat/ -args -screenshots=$(CURDIR)/docs/screenshots
