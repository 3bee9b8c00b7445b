// Command ember-bench compares Ember with redis-server on this machine: both
// servers are started side by side and measured with the same client
// (redis-benchmark) and flags in one run, interleaved and repeated, and the
// medians and the Ember/Redis ratio are printed as a Markdown table.
//
//	go run ./cmd/ember-bench                      # throughput, -P 1 and -P 16
//	go run ./cmd/ember-bench -tests set,get -n 200000 -runs 5
//	go run ./cmd/ember-bench -mode bgsave -keys 5000000 -c 20
//	go run ./cmd/ember-bench -mode aof -fsync always,everysec
//	go run ./cmd/ember-bench -mode evict -maxmemory 100mb   # maxmemory and eviction
//
// Nothing here asserts: numbers are reported, not tested.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	ember "github.com/ember-kv/ember/server"
)

func main() {
	var o options
	flag.StringVar(&o.ember, "ember", "bin/ember-server", "ember-server binary")
	flag.StringVar(&o.redis, "redis", "redis-server", "redis-server binary")
	flag.StringVar(&o.tests, "tests", "set,get,incr,mset", "redis-benchmark tests (-t)")
	flag.StringVar(&o.pipelines, "P", "1,16", "pipeline depths to run")
	flag.IntVar(&o.requests, "n", 1000000, "requests per run (-n); -P 1 runs use a fifth")
	flag.IntVar(&o.clients, "c", 50, "parallel clients (-c)")
	flag.IntVar(&o.runs, "runs", 3, "runs per server and test (median reported)")
	flag.IntVar(&o.threads, "threads", 0, "redis-benchmark --threads (0: single-threaded client)")
	flag.IntVar(&o.keyspace, "r", 0, "random keyspace size (-r), 0 for a single key")
	flag.StringVar(&o.mode, "mode", "throughput", "throughput, memory (RSS per dataset), bgsave (latency and memory during BGSAVE) or evict (maxmemory and eviction)")
	flag.IntVar(&o.keys, "keys", 5_000_000, "bgsave mode: keys loaded")
	flag.IntVar(&o.valueSize, "value-size", 10, "bgsave mode: value size in bytes")
	flag.IntVar(&o.seconds, "seconds", 5, "bgsave mode: seconds of idle traffic measured")
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
	flag.StringVar(&eo.parts, "parts", "limit,hit,track,speed", "evict: measurements to run")
	flag.Parse()
	if n, ok := ember.ParseMemory(*maxmem); ok && n > 0 {
		eo.maxmemory = n
	} else {
		fmt.Fprintf(os.Stderr, "ember-bench: bad -maxmemory %q\n", *maxmem)
		os.Exit(2)
	}

	for _, bin := range []string{o.ember, o.redis, "redis-benchmark"} {
		if _, err := exec.LookPath(bin); err != nil {
			fmt.Fprintf(os.Stderr, "ember-bench: %s not found (%v)\n", bin, err)
			os.Exit(1)
		}
	}
	fmt.Printf("Machine: %s\n\n", machine())
	run := runThroughput
	switch o.mode {
	case "bgsave":
		run = runBgsave
	case "aof":
		run = runAOF
	case "memory":
		run = runMemory
	case "evict":
		run = func(o options) error { return runEvict(o, eo) }
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "ember-bench:", err)
		os.Exit(1)
	}
}

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
