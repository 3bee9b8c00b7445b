package tests

import (
	"bytes"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// redis-benchmark against Ember: every default test completes (the tool
// exits at the first error reply), with and without pipelining and with
// threads, and leaves the same data behind as on redis-server. No timing is
// asserted.

// The tests redis-benchmark 7.0 runs when given no -t, as -q prints them.
var benchmarkDefaultTests = []string{
	"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET",
	"SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)", "LRANGE_100 (first 100 elements)",
	"LRANGE_300 (first 300 elements)", "LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)",
	"MSET (10 keys)",
}

var benchmarkLine = regexp.MustCompile(`^(.+): ([0-9.]+) requests per second`)

// runBenchmark runs redis-benchmark -q against p and returns the tests it
// reported, in order, failing on any error output or exit status.
func runBenchmark(t *testing.T, p *proc, args ...string) []string {
	t.Helper()
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark is not installed: skipping (.ci/run installs redis-tools)")
	}
	cmd := exec.Command(bin, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-q"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("redis-benchmark %q: %v\nstderr: %s\nstdout: %q\nserver log:\n%s", args, err, errb.String(), out.String(), p.Log())
	}
	var tests []string
	for _, line := range strings.FieldsFunc(out.String(), func(r rune) bool { return r == '\r' || r == '\n' }) {
		if m := benchmarkLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			if rps, _ := strconv.ParseFloat(m[2], 64); rps <= 0 {
				t.Errorf("redis-benchmark %s: %s requests per second", m[1], m[2])
			}
			tests = append(tests, m[1])
		}
	}
	return tests
}

// benchmarkState reads what the default tests leave in the keyspace.
func benchmarkState(t *testing.T, p *proc) string {
	t.Helper()
	c := dialRaw(t, p.Addr)
	var b strings.Builder
	for _, cmd := range [][]string{
		{"DBSIZE"}, {"GET", "counter:__rand_int__"}, {"GET", "key:__rand_int__"}, {"LLEN", "mylist"},
		{"LRANGE", "mylist", "0", "2"}, {"SCARD", "myset"}, {"HGETALL", "myhash"}, {"ZCARD", "myzset"},
		{"TYPE", "key:__rand_int__"}, {"STRLEN", "key:__rand_int__"},
	} {
		r, err := c.Do(cmd...)
		if err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
		b.WriteString(strings.Join(cmd, " ") + " -> " + r)
	}
	return b.String()
}

// commandCalls reads calls=N per command from INFO commandstats.
func commandCalls(t *testing.T, p *proc) map[string]int {
	t.Helper()
	info, err := dialRaw(t, p.Addr).Do("INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, m := range regexp.MustCompile(`cmdstat_([a-z|]+):calls=(\d+),`).FindAllStringSubmatch(info, -1) {
		calls[m[1]], _ = strconv.Atoi(m[2])
	}
	return calls
}

func TestRedisBenchmark_DefaultTests(t *testing.T) {
	ember := startEmber(t)
	if r, err := dialRaw(t, ember.Addr).Do("CONFIG", "RESETSTAT"); err != nil || r != "+OK\r\n" {
		t.Fatalf("CONFIG RESETSTAT: %q %v", r, err)
	}
	got := runBenchmark(t, ember, "-n", "2000")
	if strings.Join(got, "|") != strings.Join(benchmarkDefaultTests, "|") {
		t.Errorf("redis-benchmark reported\n  %q\nwant\n  %q", got, benchmarkDefaultTests)
	}
	// Every request reached its command (as Redis's own
	// integration/redis-benchmark.tcl checks): two PING tests, LPUSH twice,
	// four LRANGE tests. redis-benchmark also sends CONFIG GET on start.
	calls := commandCalls(t, ember)
	for cmd, want := range map[string]int{
		"ping": 4000, "set": 2000, "get": 2000, "incr": 2000, "lpush": 4000, "rpush": 2000, "lpop": 2000,
		"rpop": 2000, "sadd": 2000, "hset": 2000, "spop": 2000, "zadd": 2000, "zpopmin": 2000,
		"lrange": 8000, "mset": 2000,
	} {
		if calls[cmd] != want {
			t.Errorf("INFO commandstats %s calls=%d, want %d", cmd, calls[cmd], want)
		}
	}
	if redisServerPath() == "" {
		t.Skip("redis-server is not installed: the data left behind is not compared")
	}
	redis := startRedis(t)
	runBenchmark(t, redis, "-n", "2000")
	if e, r := benchmarkState(t, ember), benchmarkState(t, redis); e != r {
		t.Errorf("after the default redis-benchmark run\n  redis: %q\n  ember: %q", r, e)
	}
}

func TestRedisBenchmark_PipelinedAndThreaded(t *testing.T) {
	ember := startEmber(t)
	// Every default test pipelined, on random keys.
	got := runBenchmark(t, ember, "-n", "2000", "-P", "16", "-r", "1000")
	if len(got) != len(benchmarkDefaultTests) {
		t.Errorf("redis-benchmark -P 16 -r 1000 reported %d tests, want %d: %q", len(got), len(benchmarkDefaultTests), got)
	}
	// Threads: each test costs about a quarter of a second whatever its
	// size, so a subset keeps this quick.
	got = runBenchmark(t, ember, "-n", "2000", "-P", "16", "--threads", "2", "-t", "set,get,incr,lpush,lrange_100,mset")
	want := []string{"SET", "GET", "INCR", "LPUSH", "LPUSH (needed to benchmark LRANGE)", "LRANGE_100 (first 100 elements)", "MSET (10 keys)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("redis-benchmark --threads 2 -P 16 reported %q, want %q", got, want)
	}
	c := dialRaw(t, ember.Addr)
	if r, _ := c.Do("GET", "counter:__rand_int__"); r != "$4\r\n2000\r\n" {
		t.Errorf("INCR counter after 2000 threaded, pipelined INCRs: %q", r)
	}
}
