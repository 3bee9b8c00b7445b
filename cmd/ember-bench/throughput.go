package main

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result is one redis-benchmark run.
type result struct {
	rps            float64
	p50, p99, p999 float64 // milliseconds
	coarse         bool    // rps of a short --threads run (see threadsTick)
}

// redis-benchmark --threads notices the end of a run on a 250 ms tick, so
// its run time (and requests/s) is rounded up to a multiple of 250 ms. A
// run shorter than threadsMin seconds is marked: its rps may be more than
// 5% low. Raise -n to make them longer.
const (
	threadsTick = 0.25
	threadsMin  = threadsTick / 0.05
)

// rpsCell prints requests/s, marked when coarse.
func rpsCell(r result) string {
	if r.coarse {
		return fmt.Sprintf("%.0f†", r.rps)
	}
	return fmt.Sprintf("%.0f", r.rps)
}

// ratioCell prints an rps ratio, marked when either side is coarse.
func ratioCell(a, b result) string {
	if a.coarse || b.coarse {
		return fmt.Sprintf("**%.2f**†", ratio(a.rps, b.rps))
	}
	return fmt.Sprintf("**%.2f**", ratio(a.rps, b.rps))
}

// config is one column set: a pipeline depth and redis-benchmark --threads.
type config struct{ pipeline, threads int }

func (c config) String() string {
	s := fmt.Sprintf("-P %d", c.pipeline)
	if c.threads > 0 {
		s += fmt.Sprintf(" --threads %d", c.threads)
	}
	return s
}

// configs is every -P depth crossed with every --threads value.
func configs(o options) ([]config, error) {
	ps, err := intList(o.pipelines)
	if err != nil {
		return nil, fmt.Errorf("-P: %v", err)
	}
	ts, err := intList(o.threads)
	if err != nil {
		return nil, fmt.Errorf("-threads: %v", err)
	}
	var out []config
	for _, t := range ts {
		for _, p := range ps {
			if p < 1 || t < 0 {
				return nil, fmt.Errorf("bad -P %d / -threads %d", p, t)
			}
			out = append(out, config{p, t})
		}
	}
	return out, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list %q", s)
	}
	return out, nil
}

// requestsFor is -n for a run: -threads-n for --threads runs (longer, see
// threadsTick), -n otherwise; -P 1 runs use a fifth, to keep them short.
func requestsFor(o options, c config) int {
	n := o.requests
	if c.threads > 0 && o.threadsRequests > 0 {
		n = o.threadsRequests
	}
	if c.pipeline == 1 {
		return max(n/5, 1000)
	}
	return n
}

// benchmark runs redis-benchmark once against port.
func benchmark(o options, port int, test string, c config, keyspace int) (result, error) {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-t", test,
		"-n", strconv.Itoa(requestsFor(o, c)),
		"-c", strconv.Itoa(o.clients), "-P", strconv.Itoa(c.pipeline), "--precision", "3"}
	if c.threads > 0 {
		args = append(args, "--threads", strconv.Itoa(c.threads))
	}
	if keyspace > 0 {
		args = append(args, "-r", strconv.Itoa(keyspace))
	}
	out, err := child("redis-benchmark", args...).Output()
	if err != nil {
		return result{}, fmt.Errorf("redis-benchmark %s: %v", strings.Join(args, " "), err)
	}
	r, err := parseBenchmark(out)
	if err != nil {
		return r, fmt.Errorf("redis-benchmark %s: %v", strings.Join(args, " "), err)
	}
	r.coarse = c.threads > 0 && float64(requestsFor(o, c)) < threadsMin*r.rps
	return r, nil
}

var (
	rpsRe = regexp.MustCompile(`throughput summary: ([0-9.]+) requests per second`)
	pctRe = regexp.MustCompile(`^([0-9.]+)% <= ([0-9.]+) milliseconds`)
)

// parseBenchmark reads redis-benchmark 7's default (not -q, not --csv)
// output. A test may print several sections (lrange_100 runs "LPUSH
// (needed to benchmark LRANGE)" first): the last one is the test's.
//
// p50 and p99 come from the "latency summary" table (exact values);
// p99.9 from "Latency by percentile distribution", whose lines halve the
// remaining fraction (..., 99.805%, 99.902%, ...): the first line at or
// beyond 99.9% is taken, an upper bound of p99.9 within the histogram's
// precision. Should the summary table be missing, p50 and p99 come from
// the distribution in the same way.
func parseBenchmark(out []byte) (result, error) {
	var r result
	if i := bytes.LastIndex(out, []byte("====== ")); i >= 0 {
		out = out[i:]
	}
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no throughput summary in output")
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)

	var dist [][2]float64 // percent, milliseconds
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if pm := pctRe.FindStringSubmatch(line); pm != nil {
			pct, _ := strconv.ParseFloat(pm[1], 64)
			ms, _ := strconv.ParseFloat(pm[2], 64)
			dist = append(dist, [2]float64{pct, ms})
		}
		if strings.HasPrefix(line, "Cumulative distribution") {
			break // the second histogram has coarser buckets
		}
	}
	at := func(q float64) float64 {
		for _, d := range dist {
			if d[0] >= q {
				return d[1]
			}
		}
		if len(dist) > 0 {
			return dist[len(dist)-1][1]
		}
		return 0
	}
	r.p50, r.p99, r.p999 = at(50), at(99), at(99.9)

	// The summary table: a header line of names, a line of values.
	all := strings.Split(string(out), "\n")
	for i, line := range all {
		if !strings.Contains(line, "latency summary") || i+2 >= len(all) {
			continue
		}
		names, vals := strings.Fields(all[i+1]), strings.Fields(all[i+2])
		if len(names) != len(vals) {
			break
		}
		for j, n := range names {
			v, err := strconv.ParseFloat(vals[j], 64)
			if err != nil {
				continue
			}
			switch n {
			case "p50":
				r.p50 = v
			case "p99":
				r.p99 = v
			}
		}
		break
	}
	return r, nil
}

func median(rs []result) result {
	pick := func(get func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return result{
		rps:  pick(func(r result) float64 { return r.rps }),
		p50:  pick(func(r result) float64 { return r.p50 }),
		p99:  pick(func(r result) float64 { return r.p99 }),
		p999: pick(func(r result) float64 { return r.p999 }),
	}
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// prepare puts in place what a test reads, after a FLUSHALL, so that no
// test measures misses: GET reads keys that exist, RPOP/LPOP, SPOP and
// ZPOPMIN pop from a list, set or sorted set as long as the run.
func prepare(s *server, o options, test string, c config, keyspace int) error {
	s.flush()
	switch strings.ToLower(test) {
	case "get":
		if keyspace > 0 {
			return s.loadKeys(keyspace, 3)
		}
		return s.do("SET", "key:__rand_int__", "xxx")
	case "rpop", "lpop":
		return fillWith(s, "lpush", requestsFor(o, c), 0)
	case "spop":
		// SADD myset element:__rand_int__ over a wide range: about as many
		// distinct members as the run pops.
		return fillWith(s, "sadd", requestsFor(o, c), 1<<40)
	case "zpopmin":
		return fillWith(s, "zadd", requestsFor(o, c), 1<<40)
	}
	return nil
}

// fillWith runs redis-benchmark's own test (lpush, sadd, zadd) n times
// against s, with random integers below keyspace (none when 0).
func fillWith(s *server, test string, n, keyspace int) error {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-t", test, "-q",
		"-n", strconv.Itoa(n), "-c", "20", "-P", "64"}
	if keyspace > 0 {
		args = append(args, "-r", strconv.Itoa(keyspace))
	}
	if out, err := child("redis-benchmark", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-benchmark %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// measure runs test under c on each server, o.runs times, alternating which
// server goes first, and returns the medians in the servers' order.
func measure(o options, servers []*server, test string, c config, keyspace int) ([]result, error) {
	runs := make([][]result, len(servers))
	for run := 0; run < max(o.runs, 1); run++ {
		for k := range servers {
			i := (k + run) % len(servers)
			s := servers[i]
			if err := prepare(s, o, test, c, keyspace); err != nil {
				return nil, fmt.Errorf("%s: %v", s.name, err)
			}
			r, err := benchmark(o, s.port, test, c, keyspace)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", s.name, err)
			}
			runs[i] = append(runs[i], r)
		}
	}
	out := make([]result, len(servers))
	for i := range runs {
		out[i] = median(runs[i])
		for _, r := range runs[i] {
			out[i].coarse = out[i].coarse || r.coarse
		}
	}
	return out, nil
}

// runThroughput measures every test under every configuration on both
// servers and prints a summary of the Ember/Redis ratios, then one table
// per configuration.
func runThroughput(o options) error {
	cfgs, err := configs(o)
	if err != nil {
		return err
	}
	tests := splitList(o.tests)
	ember, err := start("ember", o.ember)
	if err != nil {
		return err
	}
	defer ember.stop()
	redis, err := start("redis", o.redis)
	if err != nil {
		return err
	}
	defer redis.stop()

	results := map[config]map[string][2]result{}
	for _, c := range cfgs {
		results[c] = map[string][2]result{}
		for _, test := range tests {
			rs, err := measure(o, []*server{ember, redis}, test, c, o.keyspace)
			if err != nil {
				return err
			}
			results[c][test] = [2]result{rs[0], rs[1]}
			fmt.Fprintf(progress, "  %s %s: ember %.0f, redis %.0f rps\n", test, c, rs[0].rps, rs[1].rps)
		}
	}

	fmt.Printf("## Throughput: Ember vs Redis\n\nredis-benchmark -c %d, -n %d (-P 1: %d; --threads runs: -n %d), median of %d runs", o.clients, o.requests, requestsFor(o, config{pipeline: 1}), requestsFor(o, config{pipeline: 16, threads: 1}), o.runs)
	if o.keyspace > 0 {
		fmt.Printf(", -r %d", o.keyspace)
	}
	fmt.Print(". Ratios are Ember/Redis: above 1 is Ember faster for rps, slower for latency.\n\n")

	fmt.Print("| test |")
	for _, c := range cfgs {
		fmt.Printf(" %s rps | %s p99 | %s p99.9 |", c, c, c)
	}
	fmt.Print("\n|---|")
	fmt.Print(strings.Repeat("---|", 3*len(cfgs)))
	fmt.Println()
	for _, test := range tests {
		fmt.Printf("| %s |", test)
		for _, c := range cfgs {
			r := results[c][test]
			fmt.Printf(" %s | %.2f | %.2f |", ratioCell(r[0], r[1]), ratio(r[0].p99, r[1].p99), ratio(r[0].p999, r[1].p999))
		}
		fmt.Println()
	}
	for _, c := range cfgs {
		fmt.Printf("\n### %s (-n %d)\n\n", c, requestsFor(o, c))
		fmt.Println("| test | Ember rps | Redis rps | ratio | Ember p50 | Redis p50 | Ember p99 | Redis p99 | p99 ratio | Ember p99.9 | Redis p99.9 | p99.9 ratio |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, test := range tests {
			r := results[c][test]
			e, d := r[0], r[1]
			fmt.Printf("| %s | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f |\n",
				test, rpsCell(e), rpsCell(d), ratioCell(e, d), e.p50, d.p50, e.p99, d.p99, ratio(e.p99, d.p99),
				e.p999, d.p999, ratio(e.p999, d.p999))
		}
	}
	fmt.Println("\nLatencies in ms (p99.9: the first redis-benchmark percentile line at or past 99.9%).")
	coarse := false
	for _, c := range cfgs {
		for _, test := range tests {
			r := results[c][test]
			coarse = coarse || r[0].coarse || r[1].coarse
		}
	}
	if coarse {
		fmt.Printf("† run shorter than %.0f s: redis-benchmark --threads rounds a run's time up to a multiple of %.0f ms, so this rps may be over 5%% low; raise -threads-n.\n", threadsMin, threadsTick*1000)
	}
	fmt.Println()
	return nil
}

// runCeiling measures Ember's SET and GET next to ember-ceiling, a server
// with Ember's network layer and no command execution.
func runCeiling(o options) error {
	ps, err := intList(o.ceilingP)
	if err != nil {
		return fmt.Errorf("-ceiling-P: %v", err)
	}
	ember, err := start("ember", o.ember)
	if err != nil {
		return err
	}
	defer ember.stop()
	ceil, err := start("ceiling", o.ceiling)
	if err != nil {
		return err
	}
	defer ceil.stop()

	fmt.Printf("## Ceiling: Ember vs its network layer alone\n\nember-ceiling (%s) reads requests with Ember's reader and writes replies with Ember's encoder and socket write, answering without executing anything. redis-benchmark -c %d, -n %d (-P 1: %d), median of %d runs. Target: Ember/ceiling >= 0.85 at -P 16.\n\n",
		o.ceiling, o.clients, o.requests, requestsFor(o, config{pipeline: 1}), o.runs)
	fmt.Println("| test | -P | Ember rps | ceiling rps | Ember/ceiling | target | Ember p50/p99 ms | ceiling p50/p99 ms |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, p := range ps {
		for _, test := range []string{"set", "get"} {
			c := config{pipeline: p}
			rs, err := measure(o, []*server{ember, ceil}, test, c, o.keyspace)
			if err != nil {
				return err
			}
			e, x := rs[0], rs[1]
			rt := ratio(e.rps, x.rps)
			verdict := "-"
			if p >= 16 {
				verdict = "met"
				if rt < 0.85 {
					verdict = "**missed**"
				}
			}
			fmt.Printf("| %s | %d | %.0f | %.0f | **%.2f** | %s | %.3f / %.3f | %.3f / %.3f |\n",
				test, p, e.rps, x.rps, rt, verdict, e.p50, e.p99, x.p50, x.p99)
		}
	}
	fmt.Println()
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
