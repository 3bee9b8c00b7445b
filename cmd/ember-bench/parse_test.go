package main

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Output of redis-benchmark 7.0.15 -t lrange_100 (trimmed): the LPUSH
// section comes first and must not be taken for the test's.
const lrangeOut = " LPUSH (needed to benchmark LRANGE): rps=0.0 (overall: -nan) avg_msec=-nan (overall: -nan)\r====== LPUSH (needed to benchmark LRANGE) ======\n" +
	"  2000 requests completed in 0.03 seconds\n  10 parallel clients\n\n" +
	"Latency by percentile distribution:\n0.000% <= 0.039 milliseconds (cumulative count 3)\n50.000% <= 0.079 milliseconds (cumulative count 1202)\n99.902% <= 0.439 milliseconds (cumulative count 1999)\n100.000% <= 0.463 milliseconds (cumulative count 2000)\n\n" +
	"Summary:\n  throughput summary: 71428.57 requests per second\n  latency summary (msec):\n          avg       min       p50       p95       p99       max\n        0.083     0.032     0.079     0.127     0.271     0.463\n" +
	" ====== LRANGE_100 (first 100 elements) ======\n  2000 requests completed in 0.04 seconds\n  multi-thread: yes\n  threads: 2\n\n" +
	"Latency by percentile distribution:\n0.000% <= 0.055 milliseconds (cumulative count 1)\n50.000% <= 0.111 milliseconds (cumulative count 1234)\n" +
	"99.219% <= 0.455 milliseconds (cumulative count 1986)\n99.609% <= 0.503 milliseconds (cumulative count 1993)\n99.805% <= 0.671 milliseconds (cumulative count 1997)\n" +
	"99.902% <= 0.719 milliseconds (cumulative count 1999)\n99.951% <= 0.735 milliseconds (cumulative count 2000)\n100.000% <= 0.735 milliseconds (cumulative count 2000)\n\n" +
	"Cumulative distribution of latencies:\n99.900% <= 0.703 milliseconds (cumulative count 1998)\n100.000% <= 0.807 milliseconds (cumulative count 2000)\n\n" +
	"Summary:\n  throughput summary: 51282.05 requests per second\n  latency summary (msec):\n          avg       min       p50       p95       p99       max\n        0.119     0.048     0.110     0.223     0.423     0.735\n"

func TestParseBenchmark(t *testing.T) {
	r, err := parseBenchmark([]byte(lrangeOut))
	if err != nil {
		t.Fatal(err)
	}
	want := result{rps: 51282.05, p50: 0.110, p99: 0.423, p999: 0.719}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	if _, err := parseBenchmark([]byte("Could not connect to Redis at 127.0.0.1:1: Connection refused\n")); err == nil {
		t.Fatal("no error for output without a summary")
	}
}

func TestHistogram(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := newHistogram()
	var vals []uint64
	for range 100000 {
		v := uint64(r.ExpFloat64() * 200000) // ns, a long tail
		if r.IntN(1000) == 0 {
			v += 10_000_000
		}
		vals = append(vals, v)
		h.record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.99, 0.999, 0.9999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.quantile(q)
		if got < exact || float64(got) > float64(exact)*(1+1.0/64)+1 {
			t.Errorf("q%v: got %d, exact %d", q, got, exact)
		}
	}
	if h.max != vals[len(vals)-1] {
		t.Errorf("max %d, want %d", h.max, vals[len(vals)-1])
	}
	var over uint64
	for _, v := range vals {
		if v > 5_000_000 {
			over++
		}
	}
	if h.over5ms != over {
		t.Errorf("over 5 ms: %d, want %d", h.over5ms, over)
	}
	for _, v := range []uint64{0, 1, 127, 128, 129, 1 << 20, 1<<20 + 12345, 1 << 62} {
		if i := histIndex(v); histUpper(i) < v || (i > 0 && histUpper(i-1) >= v) {
			t.Errorf("value %d in bucket %d (upper %d)", v, i, histUpper(i))
		}
	}
}
