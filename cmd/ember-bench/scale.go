package main

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// -mode scale: does throughput hold with a large keyspace, and what do the
// slowest requests look like there?
//
//  1. GET and SET throughput (redis-benchmark -r over the keys, every key
//     present) with -small-keys keys, then with -keys keys; the ratio
//     large/small (target >= 0.9).
//  2. A mixed GET/SET load (-get-pct GETs) on the large dataset for
//     -seconds, from -c Go client connections without pipelining; every
//     request's latency goes into a histogram: p50, p99, p99.99, max and
//     the count of requests over 5 ms.
//
// Servers are measured one after the other (each holds the large dataset
// alone in memory).

type scaleResult struct {
	name         string
	small, large map[string]result // by "test -P n"
	loadTime     time.Duration
	rssMB        float64
	mixed        *histogram
	mixedTime    time.Duration
}

func runScale(o options) error {
	if o.keys == 0 {
		o.keys = 10_000_000
	}
	if o.seconds == 0 {
		o.seconds = 60
	}
	ps, err := intList(o.pipelines)
	if err != nil {
		return fmt.Errorf("-P: %v", err)
	}
	bins := map[string]string{"ember": o.ember, "redis": o.redis}
	var results []*scaleResult
	for _, name := range splitList(o.scaleServers) {
		bin, ok := bins[name]
		if !ok {
			return fmt.Errorf("-servers: unknown server %q (ember, redis)", name)
		}
		r, err := measureScale(o, name, bin, ps)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		results = append(results, r)
	}

	fmt.Printf("## Scale: %d keys against %d\n\nredis-benchmark -c %d, -n %d (-P 1: %d), -r over the keys (every key present, 3-byte values), median of %d runs. Target: large/small >= 0.9.\n\n",
		o.keys, o.smallKeys, o.clients, o.requests, requestsFor(o, config{pipeline: 1}), o.runs)
	fmt.Printf("| server | test | -P | rps %d keys | rps %d keys | large/small | p99 small ms | p99 large ms |\n", o.smallKeys, o.keys)
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		for _, p := range ps {
			for _, test := range []string{"get", "set"} {
				k := fmt.Sprintf("%s -P %d", test, p)
				s, l := r.small[k], r.large[k]
				fmt.Printf("| %s | %s | %d | %.0f | %.0f | **%.2f** | %.3f | %.3f |\n", r.name, test, p, s.rps, l.rps, ratio(l.rps, s.rps), s.p99, l.p99)
			}
		}
	}
	if len(results) == 2 {
		fmt.Println("\nEmber/Redis at the large keyspace:")
		fmt.Println()
		fmt.Println("| test | -P | rps ratio | p99 ratio |")
		fmt.Println("|---|---|---|---|")
		for _, p := range ps {
			for _, test := range []string{"get", "set"} {
				k := fmt.Sprintf("%s -P %d", test, p)
				e, d := results[0].large[k], results[1].large[k]
				fmt.Printf("| %s | %d | **%.2f** | %.2f |\n", test, p, ratio(e.rps, d.rps), ratio(e.p99, d.p99))
			}
		}
	}

	fmt.Printf("\n### Loading %d keys (pipelined SET, 4 connections)\n\n", o.keys)
	fmt.Println("| server | load time | keys/s | RSS after (MB) |")
	fmt.Println("|---|---|---|---|")
	for _, r := range results {
		fmt.Printf("| %s | %.1f s | %.0f | %.0f |\n", r.name, r.loadTime.Seconds(), float64(o.keys)/r.loadTime.Seconds(), r.rssMB)
	}

	fmt.Printf("\n### Mixed load on %d keys: %d%% GET / %d%% SET, %d connections without pipelining, %d s\n\n", o.keys, o.getPct, 100-o.getPct, o.clients, o.seconds)
	fmt.Println("| server | requests | rps | p50 ms | p99 ms | p99.9 ms | p99.99 ms | max ms | > 5 ms |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		h := r.mixed
		fmt.Printf("| %s | %d | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %d (%.4f%%) |\n", r.name, h.count,
			float64(h.count)/r.mixedTime.Seconds(), ms(h.quantile(0.50)), ms(h.quantile(0.99)), ms(h.quantile(0.999)),
			ms(h.quantile(0.9999)), ms(h.max), h.over5ms, 100*float64(h.over5ms)/float64(max(h.count, 1)))
	}
	fmt.Println("\nLatency per request from the client's write to the end of the reply, histogram precision 1/64 (~1.6%); max and > 5 ms are exact. The client shares the machine with the server.")
	fmt.Println()
	return nil
}

func ms(ns uint64) float64 { return float64(ns) / 1e6 }

func measureScale(o options, name, bin string, ps []int) (*scaleResult, error) {
	s, err := start(name, bin)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	res := &scaleResult{name: name, small: map[string]result{}, large: map[string]result{}}

	throughput := func(keys int, into map[string]result) error {
		for _, p := range ps {
			for _, test := range []string{"get", "set"} {
				var runs []result
				for range max(o.runs, 1) {
					r, err := benchmark(o, s.port, test, config{pipeline: p}, keys)
					if err != nil {
						return err
					}
					runs = append(runs, r)
				}
				m := median(runs)
				into[fmt.Sprintf("%s -P %d", test, p)] = m
				fmt.Fprintf(progress, "  %s %d keys %s -P %d: %.0f rps\n", name, keys, test, p, m.rps)
			}
		}
		return nil
	}

	fmt.Fprintf(progress, "  %s: loading %d keys\n", name, o.smallKeys)
	if err := s.loadKeys(o.smallKeys, 3); err != nil {
		return nil, err
	}
	if err := throughput(o.smallKeys, res.small); err != nil {
		return nil, err
	}
	s.flush()
	fmt.Fprintf(progress, "  %s: loading %d keys\n", name, o.keys)
	t0 := time.Now()
	if err := s.loadKeys(o.keys, 3); err != nil {
		return nil, err
	}
	res.loadTime = time.Since(t0)
	res.rssMB = float64(s.rssKB()) / 1024
	if err := throughput(o.keys, res.large); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  %s: mixed load for %d s\n", name, o.seconds)
	t0 = time.Now()
	h, err := s.mixedLoad(o.clients, o.keys, o.getPct, time.Duration(o.seconds)*time.Second)
	if err != nil {
		return nil, err
	}
	res.mixed, res.mixedTime = h, time.Since(t0)
	return res, nil
}

// appendKey appends redis-benchmark's key for i: "key:" and 12 digits.
func appendKey(b []byte, i int) []byte {
	b = append(b, "key:"...)
	var d [12]byte
	for j := len(d) - 1; j >= 0; j-- {
		d[j] = byte('0' + i%10)
		i /= 10
	}
	return append(b, d[:]...)
}

func appendBulk(b []byte, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, "\r\n"...)
	b = append(b, s...)
	return append(b, "\r\n"...)
}

// appendSet and appendGet encode SET/GET of key i.
func appendSet(b []byte, i int, val []byte) []byte {
	b = append(b, "*3\r\n$3\r\nSET\r\n$16\r\n"...)
	b = appendKey(b, i)
	b = append(b, "\r\n"...)
	return appendBulk(b, val)
}

func appendGet(b []byte, i int) []byte {
	b = append(b, "*2\r\n$3\r\nGET\r\n$16\r\n"...)
	b = appendKey(b, i)
	return append(b, "\r\n"...)
}

// skipReply consumes one reply (status, error, integer, bulk or null),
// without allocating. Errors are returned.
func skipReply(rd *bufio.Reader) error {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		return err
	}
	switch line[0] {
	case '-':
		return fmt.Errorf("server error: %q", line)
	case '$':
		n, _ := strconv.Atoi(string(trimCRLF(line[1:])))
		if n >= 0 {
			_, err = rd.Discard(n + 2)
		}
	}
	return err
}

func trimCRLF(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// loadKeys sets redis-benchmark's keys key:000000000000 .. key:(n-1) to a
// value of valueSize bytes, pipelined on 4 connections, each writing the
// next batch while the server answers the previous one.
func (s *server) loadKeys(n, valueSize int) error {
	val := make([]byte, valueSize)
	for i := range val {
		val[i] = 'x'
	}
	const conns, batch = 4, 2000
	var wg sync.WaitGroup
	errs := make(chan error, 2*conns)
	for w := range conns {
		c, rd, err := s.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		count := 0
		for start := w * batch; start < n; start += conns * batch {
			count += min(start+batch, n) - start
		}
		wg.Add(2)
		go func() { // replies
			defer wg.Done()
			for range count {
				if err := skipReply(rd); err != nil {
					errs <- err
					c.Close()
					return
				}
			}
		}()
		go func() { // requests
			defer wg.Done()
			var buf []byte
			for start := w * batch; start < n; start += conns * batch {
				buf = buf[:0]
				for i := start; i < min(start+batch, n); i++ {
					buf = appendSet(buf, i, val)
				}
				if _, err := c.Write(buf); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	c, rd, err := s.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(respCmd("DBSIZE")); err != nil {
		return err
	}
	got, err := readReply(rd)
	if err != nil {
		return err
	}
	if want := ":" + strconv.Itoa(n); got != want && n > 0 && s.name != "ceiling" {
		return fmt.Errorf("after loading %d keys DBSIZE is %s", n, got)
	}
	return nil
}

// mixedLoad runs clients connections doing GET (getPct%) or SET on random
// keys of [0, keys) one request at a time for d, and returns the latency
// histogram of every request.
func (s *server) mixedLoad(clients, keys, getPct int, d time.Duration) (*histogram, error) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	hs := make([]*histogram, clients)
	errs := make(chan error, clients)
	val := []byte("xxx")
	for w := range clients {
		c, rd, err := s.dial()
		if err != nil {
			stop.Store(true)
			wg.Wait()
			return nil, err
		}
		defer c.Close()
		h := newHistogram()
		hs[w] = h
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			buf := make([]byte, 0, 128)
			for !stop.Load() {
				k := r.IntN(max(keys, 1))
				buf = buf[:0]
				if r.IntN(100) < getPct {
					buf = appendGet(buf, k)
				} else {
					buf = appendSet(buf, k, val)
				}
				t0 := time.Now()
				if _, err := c.Write(buf); err != nil {
					errs <- err
					return
				}
				if err := skipReply(rd); err != nil {
					errs <- err
					return
				}
				h.record(uint64(time.Since(t0)))
			}
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	all := newHistogram()
	for _, h := range hs {
		all.merge(h)
	}
	return all, nil
}

// histogram counts values (nanoseconds) in log-linear buckets: exact below
// 128, then 64 buckets per power of two (relative error under 1/64).
type histogram struct {
	counts  []uint64
	count   uint64
	max     uint64
	over5ms uint64
}

const histSub = 64 // buckets per power of two

func newHistogram() *histogram {
	return &histogram{counts: make([]uint64, 2*histSub+64*histSub)}
}

func histIndex(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - 7 // v>>shift is in [64, 128)
	return 2*histSub + (shift-1)*histSub + int(v>>shift) - histSub
}

// histUpper is the largest value in bucket i.
func histUpper(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	i -= 2 * histSub
	shift := i/histSub + 1
	top := uint64(i%histSub + histSub)
	return (top+1)<<shift - 1
}

func (h *histogram) record(v uint64) {
	h.counts[histIndex(v)]++
	h.count++
	h.max = max(h.max, v)
	if v > 5_000_000 {
		h.over5ms++
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.count += o.count
	h.max = max(h.max, o.max)
	h.over5ms += o.over5ms
}

// quantile is the upper bound of the bucket holding the q-quantile, capped
// at the maximum.
func (h *histogram) quantile(q float64) uint64 {
	if h.count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.count)))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= max(rank, 1) {
			return min(histUpper(i), h.max)
		}
	}
	return h.max
}
