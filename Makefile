# Ember: build, run, test, benchmark.
GO      ?= go
BIN     := bin/ember-server
PORT    ?= 6379

.PHONY: all build run test test-short race lint fuzz soak bench bench-quick bench-go bench-evict clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ember-server

# Build and start with embedded defaults (port 6379 on 127.0.0.1).
run: build
	./$(BIN) --port $(PORT)

# Unit tests, end-to-end and differential tests, fuzz seed corpora and the
# light soak tests; then all of it again under the race detector (the
# end-to-end tests then start a race-built ember-server and fail on any race
# it reports). Tests that need redis-server/redis-cli skip with a reason when
# absent. About 8-9 minutes on 2 cores.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./...

lint:
	gofmt -l . | (! grep .)
	$(GO) vet ./...
	# ST1005 is off: Ember's errors carry Redis's exact messages and log lines.
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -checks inherit,-ST1005 ./...

# Short fuzzing runs of every fuzz target (FUZZTIME each).
FUZZTIME ?= 20s
fuzz:
	./.ci/fuzz $(FUZZTIME)

# The soak tests at full size (10k connections, 5k slow clients beside
# redis-benchmark, 50k connection churn, unread 1 MB pipelines).
soak:
	$(GO) test -count=1 -run TestSoak -v -timeout 30m ./tests -soak

# Side-by-side comparison with redis-server (needs redis-server and
# redis-benchmark): throughput of ten redis-benchmark tests at -P 1 and
# -P 16, single-threaded client and --threads 2, with p50/p99/p99.9 and
# Ember/Redis ratios (median of 3 runs); Ember's SET/GET against
# ember-ceiling (Ember's network layer answering without executing); GET/SET
# throughput at 10M keys against 10k, and 60 s of mixed GET/SET with a
# per-request latency histogram at 10M keys. Takes about 40 minutes on
# two cores. BENCH_FLAGS adds ember-bench flags (go run ./cmd/ember-bench -h).
BENCH_FLAGS ?=
bench: build bin/ember-ceiling
	$(GO) run ./cmd/ember-bench -mode throughput,ceiling,scale $(BENCH_FLAGS)

# The same measurements, small: a minute or two, to check the setup.
bench-quick: build bin/ember-ceiling
	$(GO) run ./cmd/ember-bench -mode throughput,ceiling,scale -n 50000 -threads-n 200000 -runs 1 -keys 1000000 -seconds 10 $(BENCH_FLAGS)

bin/ember-ceiling: FORCE
	$(GO) build -o bin/ember-ceiling ./cmd/ember-ceiling

# Go benchmarks of the request path and the store (allocs/op per command).
bench-go:
	$(GO) test ./server/ -run XXX -bench 'Dispatch|ReqReader|ReplyWrite' -benchmem
	$(GO) test ./store/ -run XXX -bench . -benchmem

.PHONY: FORCE
FORCE:

clean:
	rm -rf bin

# Eviction benchmarks (maxmemory held, hit ratio, tracking bytes per key,
# SET under constant eviction), Ember next to redis-server.
bench-evict: build
	$(GO) run ./cmd/ember-bench -mode evict
