package main

import (
	"fmt"
	"strconv"
	"strings"
)

// runAOF measures write throughput with the AOF on, for each fsync policy:
// both servers run with appendonly yes and the same appendfsync, and the
// same redis-benchmark runs against each, interleaved.
func runAOF(o options) error {
	tests := o.tests
	if tests == defaultTests { // SET is what the AOF target is about
		tests = "set"
	}
	fmt.Printf("AOF on (appendonly yes, aof-use-rdb-preamble yes); redis-benchmark -c %d, -n %d (-P 1: %d), %d runs each, medians\n\n",
		o.clients, o.requests, max(o.requests/5, 10000), o.runs)
	fmt.Println("| appendfsync | test | -P | Ember rps | Redis rps | ratio | Ember p50/p99/p99.9 ms | Redis p50/p99/p99.9 ms |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, policy := range strings.Split(o.fsync, ",") {
		policy = strings.TrimSpace(policy)
		extra := []string{"--appendonly", "yes", "--appendfsync", policy}
		ember, err := start("ember", o.ember, extra...)
		if err != nil {
			return err
		}
		redis, err := start("redis", o.redis, extra...)
		if err != nil {
			ember.stop()
			return err
		}
		err = aofTable(o, policy, tests, ember, redis)
		ember.stop()
		redis.stop()
		if err != nil {
			return err
		}
	}
	return nil
}

func aofTable(o options, policy, tests string, ember, redis *server) error {
	for _, p := range strings.Split(o.pipelines, ",") {
		pipeline, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return fmt.Errorf("bad pipeline %q", p)
		}
		for _, test := range strings.Split(tests, ",") {
			var er, rr []result
			for run := 0; run < o.runs; run++ {
				order := []*server{ember, redis}
				if run%2 == 1 {
					order = []*server{redis, ember}
				}
				for _, s := range order {
					r, err := benchmark(o, s.port, test, config{pipeline: pipeline}, o.keyspace)
					if err != nil {
						return err
					}
					if s == ember {
						er = append(er, r)
					} else {
						rr = append(rr, r)
					}
				}
			}
			e, r := median(er), median(rr)
			fmt.Printf("| %s | %s | %d | %.0f | %.0f | **%.2f** | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f |\n",
				policy, test, pipeline, e.rps, r.rps, e.rps/r.rps, e.p50, e.p99, e.p999, r.p50, r.p99, r.p999)
		}
	}
	return nil
}
