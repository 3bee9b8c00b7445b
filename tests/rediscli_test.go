package tests

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// redis-cli against Ember: the tool people reach for first. Where the
// output can be compared, the same invocation runs against redis-server.

func needCli(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not installed: skipping the redis-cli tests (.ci/run installs it)")
	}
	return p
}

// cli runs redis-cli against a server with stdin and returns its stdout.
func cli(t *testing.T, p *proc, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(needCli(t), append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.Port)}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("redis-cli %v: %v (stderr %q)", args, err, errb.String())
	}
	return out.String()
}

func TestRedisCli_Ping(t *testing.T) {
	needCli(t)
	p := startEmber(t)
	if out := cli(t, p, nil, "ping"); out != "PONG\n" {
		t.Errorf("redis-cli ping: %q", out)
	}
}

// --pipe mass insertion of 10k commands: every reply counted, no errors.
func TestRedisCli_Pipe(t *testing.T) {
	needCli(t)
	p := startEmber(t)
	var in bytes.Buffer
	const n = 10000
	for i := 0; i < n; i++ {
		in.Write(encode("SET", fmt.Sprintf("key:%d", i), fmt.Sprintf("value:%d", i)))
	}
	out := cli(t, p, in.Bytes(), "--pipe")
	if !strings.Contains(out, fmt.Sprintf("errors: 0, replies: %d", n)) {
		t.Fatalf("redis-cli --pipe: %q", out)
	}
	if got := cli(t, p, nil, "dbsize"); got != fmt.Sprintf("%d\n", n) {
		t.Errorf("DBSIZE after --pipe: %q", got)
	}
	if got := cli(t, p, nil, "get", "key:9999"); got != "value:9999\n" {
		t.Errorf("GET key:9999: %q", got)
	}
}

// The same redis-cli invocations against Ember and redis-server print the
// same thing: plain, --raw and -3 (RESP3) output.
func TestRedisCli_OutputMatchesRedis(t *testing.T) {
	needCli(t)
	ember, redis := sharedServers(t)
	setup := [][]string{{"flushall"}, {"set", "cli:k", "line1\nline2"}, {"set", "cli:n", "42"}}
	for _, p := range []*proc{ember, redis} {
		for _, args := range setup {
			cli(t, p, nil, args...)
		}
	}
	cases := [][]string{
		{"get", "cli:k"},
		{"get", "cli:missing"},
		{"--raw", "get", "cli:k"},
		{"--raw", "get", "cli:missing"},
		{"--raw", "echo", "a\tb"},
		{"--no-raw", "echo", "a\x01b"},
		{"-3", "get", "cli:k"},
		{"-3", "get", "cli:missing"},
		{"-3", "echo", "x"},
		{"-3", "command", "info", "select", "nosuch"},
		{"-3", "command", "getkeysandflags", "get", "a"},
		{"command", "info", "hello"},
		{"-3", "ping"},
		{"-3", "nosuchcommand", "arg"},
		{"--raw", "-3", "command", "info", "command|count"},
		{"exists", "cli:k", "cli:n", "cli:missing"},
		{"-3", "incr", "cli:n"},
		{"-3", "command", "list", "filterby", "pattern", "nomatch*"},
	}
	for _, args := range cases {
		want := cli(t, redis, nil, args...)
		got := cli(t, ember, nil, args...)
		if got != want {
			t.Errorf("redis-cli %q\n  redis: %q\n  ember: %q", args, want, got)
		}
	}
	// Commands read from stdin (not a terminal), one per line.
	script := []byte("set cli:s 1\nincr cli:s\nget cli:s\nping\n")
	if got, want := cli(t, ember, script), cli(t, redis, script); got != want {
		t.Errorf("commands on stdin\n  redis: %q\n  ember: %q", want, got)
	}
}

// --scan walks the keyspace with SCAN.
func TestRedisCli_Scan(t *testing.T) {
	needCli(t)
	p := startEmber(t)
	if !hasCommand(t, p.Addr, "", "scan") {
		t.Skip("SCAN is not registered yet: skipping redis-cli --scan")
	}
	var in bytes.Buffer
	for i := 0; i < 500; i++ {
		in.Write(encode("SET", fmt.Sprintf("scan:%d", i), "v"))
	}
	in.Write(encode("SET", "other", "v"))
	cli(t, p, in.Bytes(), "--pipe")
	out := cli(t, p, nil, "--scan", "--pattern", "scan:*")
	keys := strings.Fields(out)
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	if len(seen) != 500 || seen["other"] {
		t.Errorf("--scan found %d distinct keys (of %d lines), want 500", len(seen), len(keys))
	}
}
