# Ember: build, run, test, benchmark.
GO      ?= go
BIN     := bin/ember-server
PORT    ?= 6379

.PHONY: all build run test test-short race lint fuzz bench bench-evict clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ember-server

# Build and start with embedded defaults (port 6379 on 127.0.0.1).
run: build
	./$(BIN) --port $(PORT)

# Unit tests, race-checked concurrent packages, end-to-end and differential
# tests. Tests that need redis-server/redis-cli skip with a reason when absent.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./store/... ./server/... ./persistence/...

lint:
	gofmt -l . | (! grep .)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2025.1.1 ./...

# Short fuzzing runs of every fuzz target (FUZZTIME each).
FUZZTIME ?= 20s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# Side-by-side throughput comparison with redis-server (needs redis-server
# and redis-benchmark).
bench: build
	$(GO) run ./cmd/ember-bench

clean:
	rm -rf bin

# Eviction benchmarks (maxmemory held, hit ratio, tracking bytes per key,
# SET under constant eviction), Ember next to redis-server.
bench-evict: build
	$(GO) run ./cmd/ember-bench -mode evict
