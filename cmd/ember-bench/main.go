// Command ember-bench compares Ember with redis-server on this machine: both
// servers are started side by side and measured with the same client
// (redis-benchmark) and flags in one run, interleaved and repeated, and the
// medians and the Ember/Redis ratio are printed as a Markdown table.
// Servers listen on free loopback ports and are killed when ember-bench
// ends, fails or is interrupted. Progress goes to stderr, tables to stdout.
//
// Modes (-mode, comma-separated; make bench runs throughput,ceiling,scale):
//   - throughput: -tests at every -P depth, without and with redis-benchmark
//     --threads (-threads), requests/s, p50/p99/p99.9 and Ember/Redis ratios;
//   - ceiling: Ember's SET/GET against ember-ceiling, Ember's network layer
//     answering without executing (target >= 0.85 at -P 16);
//   - scale: GET/SET at -keys keys against -small-keys keys (target >= 0.9)
//     and a -seconds mixed load with a per-request latency histogram.
//
// Examples:
//
//	go run ./cmd/ember-bench                      # throughput and ceiling
//	go run ./cmd/ember-bench -tests set,get -n 200000 -runs 5 -threads 0
//	go run ./cmd/ember-bench -mode ceiling -ceiling bin/ember-ceiling
//	go run ./cmd/ember-bench -mode scale -keys 1000000 -seconds 10
//	go run ./cmd/ember-bench -mode bgsave -keys 5000000 -c 20
//	go run ./cmd/ember-bench -mode aof -fsync always,everysec
//	go run ./cmd/ember-bench -mode evict -maxmemory 100mb   # maxmemory and eviction
//
// Nothing here asserts: numbers are reported, not tested.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	ember "github.com/ember-kv/ember/server"
)

func main() {
	var o options
	flag.StringVar(&o.ember, "ember", "bin/ember-server", "ember-server binary")
	flag.StringVar(&o.redis, "redis", "redis-server", "redis-server binary")
	flag.StringVar(&o.tests, "tests", defaultTests, "redis-benchmark tests (-t)")
	flag.StringVar(&o.pipelines, "P", "1,16", "pipeline depths to run")
	flag.IntVar(&o.requests, "n", 1000000, "requests per run (-n); -P 1 runs use a fifth")
	flag.IntVar(&o.clients, "c", 50, "parallel clients (-c; scale and bgsave: Go client connections)")
	flag.IntVar(&o.runs, "runs", 3, "runs per server and test (median reported)")
	flag.StringVar(&o.threads, "threads", "0,2", "redis-benchmark --threads values, one column set each (0: single-threaded client)")
	flag.IntVar(&o.threadsRequests, "threads-n", 4000000, "requests per --threads run (-P 1: a fifth): redis-benchmark --threads ends a run on a 250 ms tick, so its runs must last seconds; 0 for -n")
	flag.IntVar(&o.keyspace, "r", 0, "random keyspace size (-r), 0 for a single key")
	flag.StringVar(&o.mode, "mode", "throughput,ceiling", "comma-separated: throughput (Ember vs Redis), ceiling (Ember vs ember-ceiling), scale (large keyspace), memory (RSS per dataset), bgsave (latency and memory during BGSAVE), aof, evict (maxmemory and eviction)")
	flag.IntVar(&o.keys, "keys", 0, "keys loaded (bgsave: default 5000000; scale: default 10000000)")
	flag.IntVar(&o.valueSize, "value-size", 10, "bgsave mode: value size in bytes")
	flag.IntVar(&o.seconds, "seconds", 0, "bgsave: seconds of idle traffic measured (default 5); scale: seconds of mixed load (default 60)")
	flag.StringVar(&o.ceiling, "ceiling", "bin/ember-ceiling", "ceiling mode: ember-ceiling binary (go build -o bin/ember-ceiling ./cmd/ember-ceiling)")
	flag.StringVar(&o.ceilingP, "ceiling-P", "16", "ceiling mode: pipeline depths")
	flag.IntVar(&o.smallKeys, "small-keys", 10000, "scale mode: keys of the small dataset the large one is compared with")
	flag.IntVar(&o.getPct, "get-pct", 50, "scale mode: percentage of GETs in the mixed load (the rest SET)")
	flag.StringVar(&o.scaleServers, "servers", "ember,redis", "scale mode: servers to measure, in order")
	flag.StringVar(&o.fsync, "fsync", "always,everysec", "aof mode: appendfsync policies to measure")
	flag.Float64Var(&o.memScale, "scale", 1, "memory mode: fraction of the datasets' key counts")
	var eo evictOptions
	maxmem := flag.String("maxmemory", "100mb", "evict: maxmemory of both servers")
	flag.StringVar(&eo.policy, "policy", "allkeys-lru", "evict: maxmemory-policy")
	flag.IntVar(&eo.value, "value", 100, "evict: value size in bytes")
	flag.Float64Var(&eo.zipfS, "zipf", 1.01, "evict: Zipf exponent of the hit-ratio workload (> 1)")
	flag.IntVar(&eo.ops, "ops", 2000000, "evict: measured hit-ratio operations")
	flag.Int64Var(&eo.seed, "seed", 1, "evict: workload seed")
	flag.IntVar(&eo.trackKeys, "trackkeys", 1000000, "evict: keys for the tracking-overhead measurement")
	flag.StringVar(&eo.parts, "parts", "limit,hit,track,speed", "evict: measurements to run (and model: policy models, no servers)")
	flag.IntVar(&eo.model.base, "model-base", 173, "evict model: bytes per key without tracking (Ember's used_memory per key at 100-byte values)")
	flag.IntVar(&eo.model.tracked, "model-tracked", 96, "evict model: extra bytes per key in a golang-lru list")
	flag.IntVar(&eo.model.queued, "model-queued", 4, "evict model: extra bytes per key in a FIFO of handles")
	flag.IntVar(&eo.model.redis, "model-redis", 185, "evict model: Redis's bytes per key at the limit (100 MB / the keys it holds)")
	flag.Parse()
	if n, ok := ember.ParseMemory(*maxmem); ok && n > 0 {
		eo.maxmemory = n
	} else {
		fmt.Fprintf(os.Stderr, "ember-bench: bad -maxmemory %q\n", *maxmem)
		os.Exit(2)
	}

	modes := map[string]func(options) error{
		"throughput": runThroughput,
		"ceiling":    runCeiling,
		"scale":      runScale,
		"bgsave":     runBgsave,
		"aof":        runAOF,
		"memory":     runMemory,
		"evict":      func(o options) error { return runEvict(o, eo) },
	}
	var run []string
	needs := map[string]string{"redis-benchmark": "redis-benchmark (Debian/Ubuntu: apt-get install redis-tools)"}
	for _, m := range splitList(o.mode) {
		if modes[m] == nil {
			fmt.Fprintf(os.Stderr, "ember-bench: unknown mode %q\n", m)
			os.Exit(2)
		}
		run = append(run, m)
		needs[o.ember] = "ember-server (make build, or -ember PATH)"
		if m == "ceiling" {
			needs[o.ceiling] = "ember-ceiling (go build -o bin/ember-ceiling ./cmd/ember-ceiling, or -ceiling PATH)"
		} else if m != "scale" || strings.Contains(o.scaleServers, "redis") {
			needs[o.redis] = "redis-server 7 (Debian/Ubuntu: apt-get install redis-server, or -redis PATH)"
		}
	}
	missing := false
	for bin, what := range needs {
		if _, err := exec.LookPath(bin); err != nil {
			fmt.Fprintf(os.Stderr, "ember-bench: %s not found: %s is needed\n", bin, what)
			missing = true
		}
	}
	if missing {
		os.Exit(1)
	}

	// Servers die with ember-bench: on an interrupt they are killed here,
	// and Pdeathsig kills them should ember-bench itself be killed.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "ember-bench: %v, stopping the servers\n", s)
		stopAll()
		os.Exit(130)
	}()

	fmt.Printf("Machine: %s\n\n", machine())
	for _, m := range run {
		fmt.Fprintf(progress, "ember-bench: mode %s\n", m)
		if err := modes[m](o); err != nil {
			stopAll()
			fmt.Fprintf(os.Stderr, "ember-bench: %s: %v\n", m, err)
			os.Exit(1)
		}
	}
	stopAll()
}

// progress receives what is printed while measuring; the tables go to
// stdout.
var progress io.Writer = os.Stderr

// machine describes where the numbers came from.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	rv := "redis-server (unknown version)"
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		rv = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s; %s", cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), rv)
}

// defaultTests are the redis-benchmark tests the throughput mode runs.
const defaultTests = "set,get,incr,lpush,rpop,sadd,spop,hset,zadd,zpopmin,lrange_100,mset"
