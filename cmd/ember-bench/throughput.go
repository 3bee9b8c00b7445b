package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result is one redis-benchmark run.
type result struct {
	rps            float64
	p50, p99, p999 float64 // milliseconds
}

var (
	rpsRe     = regexp.MustCompile(`throughput summary: ([0-9.]+) requests per second`)
	summaryRe = regexp.MustCompile(`(?m)^\s+avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)`)
	pctRe     = regexp.MustCompile(`(?m)^([0-9.]+)% <= ([0-9.]+) milliseconds`)
)

// benchmark runs redis-benchmark once against port.
func benchmark(o options, port int, test string, pipeline int) (result, error) {
	n := o.requests
	if pipeline == 1 {
		n = max(n/5, 10000)
	}
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-t", test, "-n", strconv.Itoa(n),
		"-c", strconv.Itoa(o.clients), "-P", strconv.Itoa(pipeline), "--precision", "3"}
	if o.threads > 0 {
		args = append(args, "--threads", strconv.Itoa(o.threads))
	}
	if o.keyspace > 0 {
		args = append(args, "-r", strconv.Itoa(o.keyspace))
	}
	out, err := exec.Command("redis-benchmark", args...).Output()
	if err != nil {
		return result{}, fmt.Errorf("redis-benchmark %v: %v", args, err)
	}
	return parseBenchmark(out)
}

func parseBenchmark(out []byte) (result, error) {
	var r result
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no throughput in redis-benchmark output")
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	if s := summaryRe.FindSubmatch(out); s != nil {
		r.p50, _ = strconv.ParseFloat(string(s[3]), 64)
		r.p99, _ = strconv.ParseFloat(string(s[5]), 64)
	}
	// p99.9: the first percentile line at or beyond 99.9%.
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if pm := pctRe.FindStringSubmatch(sc.Text()); pm != nil {
			pct, _ := strconv.ParseFloat(pm[1], 64)
			if pct >= 99.9 {
				r.p999, _ = strconv.ParseFloat(pm[2], 64)
				break
			}
		}
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

// runThroughput measures every test at every pipeline depth on both servers,
// alternating which server goes first in each round.
func runThroughput(o options) error {
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

	fmt.Printf("redis-benchmark -c %d, -n %d (-P 1: %d), %d runs each, medians", o.clients, o.requests, max(o.requests/5, 10000), o.runs)
	if o.threads > 0 {
		fmt.Printf(", --threads %d", o.threads)
	}
	if o.keyspace > 0 {
		fmt.Printf(", -r %d", o.keyspace)
	}
	fmt.Print("\n\n")
	fmt.Println("| test | -P | Ember rps | Redis rps | ratio | Ember p50/p99/p99.9 ms | Redis p50/p99/p99.9 ms |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, p := range strings.Split(o.pipelines, ",") {
		pipeline, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return fmt.Errorf("bad pipeline %q", p)
		}
		for _, test := range strings.Split(o.tests, ",") {
			var er, rr []result
			for run := 0; run < o.runs; run++ {
				order := []*server{ember, redis}
				if run%2 == 1 {
					order = []*server{redis, ember}
				}
				for _, s := range order {
					s.flush()
					r, err := benchmark(o, s.port, test, pipeline)
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
			fmt.Printf("| %s | %d | %.0f | %.0f | **%.2f** | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f |\n",
				test, pipeline, e.rps, r.rps, e.rps/r.rps, e.p50, e.p99, e.p999, r.p50, r.p99, r.p999)
		}
	}
	return nil
}
