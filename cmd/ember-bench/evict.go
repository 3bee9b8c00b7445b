package main

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The eviction benchmarks (-mode evict): Ember and redis-server run with the
// same maxmemory and policy, and four things are measured and printed:
//
//  1. the limit held: 3x maxmemory of data written; used_memory and the
//     resident size (peak and final) against maxmemory;
//  2. the hit ratio of a replayed, seeded Zipf cache workload (GET, and SET
//     on a miss) over a key space three times what fits;
//  3. the bytes per key of eviction tracking: used_memory and live heap
//     with a million keys, without and with an LRU policy;
//  4. SET throughput under constant eviction (redis-benchmark -r over a key
//     space larger than maxmemory).
//
// A fifth part, not run by default (-parts model), replays the hit-ratio
// workload against in-process models of eviction policies (evictmodel.go).

type evictOptions struct {
	maxmemory int64 // bytes
	policy    string
	value     int     // value size for the limit and hit-ratio runs
	zipfS     float64 // Zipf exponent (> 1)
	ops       int     // measured hit-ratio operations (after as many to warm up)
	seed      int64
	trackKeys int    // keys for the tracking-overhead measurement
	parts     string // which measurements: limit,hit,track,speed,model
	model     modelCosts
}

func runEvict(o options, eo evictOptions) error {
	fmt.Printf("maxmemory %d MB, policy %s, values of %d bytes\n\n", eo.maxmemory>>20, eo.policy, eo.value)
	mm := strconv.FormatInt(eo.maxmemory, 10)
	startBoth := func() (*server, *server, error) {
		e, err := start("ember", o.ember, "--maxmemory", mm, "--maxmemory-policy", eo.policy)
		if err != nil {
			return nil, nil, err
		}
		r, err := start("redis", o.redis, "--maxmemory", mm, "--maxmemory-policy", eo.policy)
		if err != nil {
			e.stop()
			return nil, nil, err
		}
		return e, r, nil
	}

	want := func(part string) bool { return strings.Contains(","+eo.parts+",", ","+part+",") }

	// 1. Limit held.
	if want("limit") {
		if err := limitHeld(o, eo, startBoth); err != nil {
			return err
		}
	}
	// 2. Hit ratio.
	if want("hit") {
		if err := hitRatio(o, eo, startBoth); err != nil {
			return err
		}
	}
	if want("model") { // no servers: see evictmodel.go
		evictModel(eo, eo.model)
	}
	// 3. Tracking overhead.
	if want("track") {
		if err := trackingOverhead(o, eo); err != nil {
			return err
		}
	}
	// 4. Speed under constant eviction.
	if want("speed") {
		return evictionSpeed(o, eo, startBoth)
	}
	return nil
}

func limitHeld(o options, eo evictOptions, startBoth func() (*server, *server, error)) error {
	fmt.Println("## Limit held: 3x maxmemory written with redis-benchmark SET -P 16")
	fmt.Println()
	fmt.Println("| server | used_memory MB | RSS empty MB | RSS peak MB | RSS end MB | evicted_keys | keys | RSS peak <= 1.3 x maxmemory + empty |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	e, r, err := startBoth()
	if err != nil {
		return err
	}
	for _, s := range []*server{e, r} {
		base := s.rssKB() << 10
		n := int(3 * eo.maxmemory / int64(eo.value+16))
		peak := int64(0)
		done := make(chan error, 1)
		go func() {
			_, err := child("redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-t", "set",
				"-n", strconv.Itoa(n), "-r", strconv.Itoa(4*n), "-d", strconv.Itoa(eo.value), "-P", "16", "-c", "50", "-q").Output()
			done <- err
		}()
	wait:
		for {
			select {
			case err := <-done:
				if err != nil {
					return fmt.Errorf("redis-benchmark: %v", err)
				}
				break wait
			case <-time.After(50 * time.Millisecond):
				peak = max(peak, s.rssKB()<<10)
			}
		}
		end := s.rssKB() << 10
		peak = max(peak, end)
		info := infoFields(s.port, "memory", "stats", "keyspace")
		used, _ := strconv.ParseInt(info["used_memory"], 10, 64)
		ok := float64(peak) <= 1.3*float64(eo.maxmemory)+float64(base)
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %v |\n", s.name, mb(used), mb(base), mb(peak), mb(end),
			info["evicted_keys"], keysOf(info["db0"]), ok)
	}
	e.stop()
	r.stop()
	fmt.Println()
	return nil
}

func hitRatio(o options, eo evictOptions, startBoth func() (*server, *server, error)) error {
	e, r, err := startBoth()
	if err != nil {
		return err
	}
	fits, err := keysThatFit(r, eo)
	if err != nil {
		return err
	}
	space := 3 * fits
	fmt.Printf("## Hit ratio: Zipf(s=%.2f) GET, SET on a miss, over %d keys (3x the %d that fit in Redis), seed %d, %d ops after %d to warm up\n\n",
		eo.zipfS, space, fits, eo.seed, eo.ops, eo.ops)
	fmt.Println("| server | maxmemory MB | hit ratio | keys held | evicted_keys | used_memory MB |")
	fmt.Println("|---|---|---|---|---|---|")
	held := map[*server]int64{}
	hitRun := func(s *server, name string, limit int64) error {
		s.flush()
		hits, err := replayZipf(s.port, eo, space)
		if err != nil {
			return err
		}
		info := infoFields(s.port, "memory", "stats", "keyspace")
		used, _ := strconv.ParseInt(info["used_memory"], 10, 64)
		held[s], _ = strconv.ParseInt(keysOf(info["db0"]), 10, 64)
		fmt.Printf("| %s | %.0f | %.4f | %d | %s | %.1f |\n", name, mb(limit), hits, held[s], info["evicted_keys"], mb(used))
		return nil
	}
	for _, s := range []*server{e, r} {
		if err := hitRun(s, s.name, eo.maxmemory); err != nil {
			return err
		}
	}
	r.stop()
	// The same workload with Ember given room for as many keys as Redis
	// held: the eviction decisions compared at equal capacity.
	if held[e] > 0 && held[r] > held[e] {
		limit := eo.maxmemory * held[r] / held[e]
		c := client(e.port)
		c.ConfigSet(context.Background(), "maxmemory", strconv.FormatInt(limit, 10))
		c.Close()
		if err := hitRun(e, "ember, as many keys as Redis", limit); err != nil {
			return err
		}
	}
	e.stop()
	fmt.Println()
	return nil
}

func evictionSpeed(o options, eo evictOptions, startBoth func() (*server, *server, error)) error {
	e, r, err := startBoth()
	if err != nil {
		return err
	}
	defer e.stop()
	defer r.stop()
	space := int(4 * eo.maxmemory / int64(eo.value+16))
	fmt.Printf("## SET throughput under constant eviction: redis-benchmark -t set -r %d -d %d -c %d, medians of %d runs, after a fill to the limit\n\n", space, eo.value, o.clients, o.runs)
	fmt.Println("| -P | Ember rps | Redis rps | ratio | Ember evicted | Redis evicted |")
	fmt.Println("|---|---|---|---|---|---|")
	bo := o
	bo.keyspace = space
	for _, s := range []*server{e, r} {
		_ = child("redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-t", "set", "-n", strconv.Itoa(space/2),
			"-r", strconv.Itoa(space), "-d", strconv.Itoa(eo.value), "-P", "16", "-q").Run()
	}
	for _, p := range strings.Split(o.pipelines, ",") {
		pipeline, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return fmt.Errorf("bad pipeline %q", p)
		}
		var er, rr []result
		ev := map[*server][2]int64{}
		for run := 0; run < o.runs; run++ {
			order := []*server{e, r}
			if run%2 == 1 {
				order = []*server{r, e}
			}
			for _, s := range order {
				before := evictedKeys(s.port)
				res, err := benchmarkD(bo, s.port, "set", pipeline, eo.value)
				if err != nil {
					return err
				}
				x := ev[s]
				x[0] += evictedKeys(s.port) - before
				ev[s] = x
				if s == e {
					er = append(er, res)
				} else {
					rr = append(rr, res)
				}
			}
		}
		em, rm := median(er), median(rr)
		fmt.Printf("| %d | %.0f | %.0f | **%.2f** | %d | %d |\n", pipeline, em.rps, rm.rps, em.rps/rm.rps, ev[e][0], ev[r][0])
	}
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// keysOf extracts keys=N from an INFO keyspace line.
func keysOf(db string) string {
	for _, f := range strings.Split(db, ",") {
		if v, ok := strings.CutPrefix(f, "keys="); ok {
			return v
		}
	}
	return "0"
}

func client(port int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Protocol: 2, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
}

// infoFields reads INFO sections into a map.
func infoFields(port int, sections ...string) map[string]string {
	c := client(port)
	defer c.Close()
	out := map[string]string{}
	s, err := c.Info(context.Background(), sections...).Result()
	if err != nil {
		return out
	}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

func evictedKeys(port int) int64 {
	n, _ := strconv.ParseInt(infoFields(port, "stats")["evicted_keys"], 10, 64)
	return n
}

// benchmarkD is benchmark with a value size.
func benchmarkD(o options, port int, test string, pipeline, value int) (result, error) {
	n := o.requests
	if pipeline == 1 {
		n = max(n/5, 10000)
	}
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-t", test, "-n", strconv.Itoa(n), "-d", strconv.Itoa(value),
		"-c", strconv.Itoa(o.clients), "-P", strconv.Itoa(pipeline), "--precision", "3", "-r", strconv.Itoa(o.keyspace)}
	out, err := child("redis-benchmark", args...).Output()
	if err != nil {
		return result{}, fmt.Errorf("redis-benchmark %v: %v", args, err)
	}
	return parseBenchmark(out)
}

// keysThatFit fills s with the benchmark's keys until it starts evicting
// and returns how many it holds then.
func keysThatFit(s *server, eo evictOptions) (int, error) {
	c := client(s.port)
	defer c.Close()
	ctx := context.Background()
	val := strings.Repeat("v", eo.value)
	for i := 0; ; i += 1000 {
		p := c.Pipeline()
		for j := i; j < i+1000; j++ {
			p.Set(ctx, zipfKey(j), val, 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			return 0, err
		}
		if evictedKeys(s.port) > 0 {
			n, err := c.DBSize(ctx).Result()
			s.flush()
			return int(n), err
		}
	}
}

func zipfKey(i int) string { return "key:" + strconv.Itoa(i) }

// replayZipf runs the seeded cache workload against port and returns the
// hit ratio of its measured half. Requests go in pipelined batches: the
// GETs of a batch, then the SETs of its misses.
func replayZipf(port int, eo evictOptions, space int) (float64, error) {
	c := client(port)
	defer c.Close()
	ctx := context.Background()
	rnd := rand.New(rand.NewSource(eo.seed))
	z := rand.NewZipf(rnd, eo.zipfS, 1, uint64(space-1))
	// A fixed permutation, so that popular keys are not neighbours.
	perm := rand.New(rand.NewSource(eo.seed + 1)).Perm(space)
	val := strings.Repeat("v", eo.value)
	const batch = 200
	var hits, gets int
	keys := make([]string, batch)
	for done := 0; done < 2*eo.ops; done += batch {
		for i := range keys {
			keys[i] = zipfKey(perm[z.Uint64()])
		}
		p := c.Pipeline()
		cmds := make([]*redis.StringCmd, batch)
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
			return 0, err
		}
		p = c.Pipeline()
		misses := 0
		for i, cmd := range cmds {
			hit := cmd.Err() == nil
			if done >= eo.ops {
				gets++
				if hit {
					hits++
				}
			}
			if !hit {
				p.Set(ctx, keys[i], val, 0)
				misses++
			}
		}
		if misses > 0 {
			if _, err := p.Exec(ctx); err != nil {
				return 0, err
			}
		}
	}
	return float64(hits) / float64(gets), nil
}

// trackingOverhead loads keys into Ember without eviction, then switches
// to allkeys-lru and back, reporting used_memory and the live heap (after
// MEMORY PURGE, which collects) per key each time.
func trackingOverhead(o options, eo evictOptions) error {
	s, err := start("ember", o.ember)
	if err != nil {
		return err
	}
	defer s.stop()
	c := client(s.port)
	defer c.Close()
	ctx := context.Background()
	n := eo.trackKeys
	for i := 0; i < n; i += 1000 {
		p := c.Pipeline()
		for j := i; j < i+1000 && j < n; j++ {
			p.Set(ctx, zipfKey(j), "0123456789", 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			return err
		}
	}
	measure := func() (used, live int64) {
		c.Do(ctx, "MEMORY", "PURGE")
		info := infoFields(s.port, "memory")
		used, _ = strconv.ParseInt(info["used_memory"], 10, 64)
		stats, _ := c.Do(ctx, "MEMORY", "MALLOC-STATS").Text()
		for _, line := range strings.Split(stats, "\n") {
			if v, ok := strings.CutPrefix(line, "/gc/heap/live:bytes: "); ok {
				live, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		return used, live
	}
	u0, l0 := measure()
	c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru")
	u1, l1 := measure()
	c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lfu")
	u2, l2 := measure()
	fmt.Printf("## Eviction tracking overhead: %d keys (10-byte values), Ember switched between policies\n\n", n)
	fmt.Println("| policy | used_memory MB | live heap MB | tracking B/key (used_memory) | tracking B/key (live heap) |")
	fmt.Println("|---|---|---|---|---|")
	per := func(a, b int64) float64 { return float64(a-b) / float64(n) }
	fmt.Printf("| noeviction | %.1f | %.1f | 0 | 0 |\n", mb(u0), mb(l0))
	fmt.Printf("| allkeys-lru | %.1f | %.1f | %.1f | %.1f |\n", mb(u1), mb(l1), per(u1, u0), per(l1, l0))
	fmt.Printf("| allkeys-lfu | %.1f | %.1f | %.1f | %.1f |\n", mb(u2), mb(l2), per(u2, u0), per(l2, l0))
	fmt.Println("| Redis, any policy | | | 0 (a 24-bit clock in every object) | |")
	fmt.Println()
	return nil
}
