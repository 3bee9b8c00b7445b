package tests

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// redis-cli's non-interactive modes against Ember, each compared with the
// same invocation against redis-server where the output is deterministic:
// -x, -r, -e, -n, -u, --user/--pass, --csv, --raw/--no-raw, -3, --bigkeys,
// --memkeys, --hotkeys, --latency (bounded by -i with non-tty output),
// --stat (on a pseudo-terminal, which is what makes it flush each line).

// cliRun runs redis-cli against p and returns stdout, stderr and the exit
// code.
func cliRun(t *testing.T, p *proc, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(needCli(t), append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.Port)}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("redis-cli %q: %v", args, err)
	}
	norm := func(s string) string { return strings.ReplaceAll(s, strconv.Itoa(p.Port), "PORT") }
	return norm(out.String()), norm(errb.String()), code
}

// modesServers starts a fresh Ember and redis-server (skipping without
// redis-server) with the same small dataset.
func modesServers(t *testing.T) (ember, redis *proc) {
	t.Helper()
	needCli(t)
	redis = startRedis(t)
	ember = startEmber(t)
	var setup bytes.Buffer
	for _, c := range [][]string{
		{"SET", "s:small", "x"}, {"SET", "s:big", strings.Repeat("v", 300)}, {"SET", "s:int", "12345"},
		{"RPUSH", "l:a", "a", "b c", `d"e`, "f\x01g"}, {"RPUSH", "l:b", "1"},
		{"HSET", "h", "f1", "1", "f2", "two"}, {"SADD", "set", "m1", "m2", "m3"},
		{"ZADD", "z", "1.5", "m", "-2", "n", "inf", "o"},
	} {
		setup.Write(encode(c...))
	}
	for _, p := range []*proc{ember, redis} {
		if out, _, code := cliRun(t, p, setup.Bytes(), "--pipe"); code != 0 || !strings.Contains(out, "errors: 0") {
			t.Fatalf("loading the dataset: %q", out)
		}
	}
	return ember, redis
}

func TestRedisCli_ModesMatchRedis(t *testing.T) {
	ember, redis := modesServers(t)
	// A leading "~" compares the output lines as a set (SCAN, set members
	// and CONFIG GET come in hash order).
	cases := []struct {
		stdin string
		args  []string
	}{
		{"line1\nline2", []string{"-x", "set", "x:k"}},
		{"", []string{"get", "x:k"}},
		{"tail", []string{"-x", "--raw", "append", "x:k"}},
		{"", []string{"-r", "3", "incr", "x:n"}},
		{"", []string{"-r", "2", "-i", "0.01", "lrange", "l:b", "0", "-1"}},
		{"", []string{"-e", "incr", "l:a"}},
		{"", []string{"incr", "l:a"}},
		{"", []string{"--csv", "lrange", "l:a", "0", "-1"}},
		{"", []string{"--csv", "hgetall", "h"}},
		{"", []string{"--csv", "-3", "hgetall", "h"}},
		{"", []string{"--csv", "zrange", "z", "0", "-1", "withscores"}},
		{"", []string{"--csv", "-3", "zrange", "z", "0", "-1", "withscores"}},
		{"", []string{"--csv", "get", "s:int"}},
		{"", []string{"--csv", "incr", "s:int"}},
		{"", []string{"--csv", "get", "nosuch"}},
		{"", []string{"--csv", "-3", "zscore", "z", "o"}},
		{"", []string{"--raw", "lrange", "l:a", "0", "-1"}},
		{"", []string{"--no-raw", "lrange", "l:a", "0", "-1"}},
		{"", []string{"--raw", "hgetall", "h"}},
		{"", []string{"-3", "hgetall", "h"}},
		{"", []string{"~", "-3", "smembers", "set"}},
		{"", []string{"-3", "zrange", "z", "0", "-1", "withscores"}},
		{"", []string{"-3", "zscore", "z", "m"}},
		{"", []string{"-3", "--raw", "zscore", "z", "n"}},
		{"", []string{"-3", "hello", "3", "setname", "cli"}},
		{"", []string{"--raw", "-3", "hgetall", "h"}},
		{"", []string{"~", "-3", "config", "get", "maxmemory*"}},
		{"", []string{"type", "z"}},
		{"", []string{"object", "encoding", "l:a"}},
		{"", []string{"-n", "3", "set", "db3", "x"}},
		{"", []string{"-n", "3", "dbsize"}},
		{"", []string{"dbsize"}},
		{"", []string{"-u", "redis://127.0.0.1:PORT/3", "get", "db3"}},
		{"", []string{"acl", "setuser", "bob", "on", ">pw", "~*", "+@all"}},
		{"", []string{"--user", "bob", "--pass", "pw", "--no-auth-warning", "acl", "whoami"}},
		{"", []string{"--user", "bob", "--pass", "wrong", "--no-auth-warning", "ping"}},
		{"", []string{"-u", "redis://bob:pw@127.0.0.1:PORT", "--no-auth-warning", "acl", "whoami"}},
		{"set a 1\nincrby a 5\nget a\nnosuch\n", nil},
		{"", []string{"~", "--scan", "--pattern", "s:*", "--count", "2"}},
	}
	for _, tc := range cases {
		var stdin []byte
		if tc.stdin != "" {
			stdin = []byte(tc.stdin)
		}
		unordered := len(tc.args) > 0 && tc.args[0] == "~"
		run := func(p *proc) string {
			var args []string
			for _, a := range tc.args {
				if a != "~" {
					args = append(args, strings.ReplaceAll(a, "PORT", strconv.Itoa(p.Port)))
				}
			}
			out, errOut, code := cliRun(t, p, stdin, args...)
			if unordered {
				lines := strings.Split(out, "\n")
				sort.Strings(lines)
				out = strings.Join(lines, "\n")
			}
			// HELLO's id counts the server's earlier connections.
			out = regexp.MustCompile(`(?m)^id \d+$`).ReplaceAllString(out, "id N")
			return fmt.Sprintf("stdout %q stderr %q exit %d", out, errOut, code)
		}
		want, got := run(redis), run(ember)
		if want == `stdout "" stderr "" exit 0` {
			t.Errorf("redis-cli %q printed nothing against redis-server: the case checks nothing", tc.args)
		}
		if got != want {
			t.Errorf("redis-cli %q (stdin %q)\n  redis: %s\n  ember: %s", tc.args, tc.stdin, want, got)
		}
	}
}

// after returns the text from the line starting with marker on.
func after(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return s[i:]
	}
	return ""
}

// --bigkeys, --memkeys and --hotkeys scan the keyspace in SCAN order (which
// differs), so only their summaries are compared; MEMORY USAGE figures are
// Ember's own, so --memkeys is compared with the numbers masked.
func TestRedisCli_KeyspaceReportsMatchRedis(t *testing.T) {
	ember, redis := modesServers(t)
	digits := regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)
	for _, tc := range []struct {
		args []string
		mask bool
	}{
		{[]string{"--bigkeys"}, false},
		{[]string{"--memkeys"}, true},
		{[]string{"--memkeys", "--memkeys-samples", "2"}, true},
	} {
		eOut, eErr, eCode := cliRun(t, ember, nil, tc.args...)
		rOut, rErr, rCode := cliRun(t, redis, nil, tc.args...)
		e, r := after(eOut, "-------- summary -------"), after(rOut, "-------- summary -------")
		if tc.mask {
			e, r = digits.ReplaceAllString(e, "N"), digits.ReplaceAllString(r, "N")
		}
		if r == "" {
			t.Fatalf("redis-cli %q printed no summary against redis-server: %q", tc.args, rOut)
		}
		if e != r || eCode != rCode || eErr != rErr {
			t.Errorf("redis-cli %q\n  redis (exit %d, stderr %q):\n%s\n  ember (exit %d, stderr %q):\n%s", tc.args, rCode, rErr, r, eCode, eErr, e)
		}
		if !strings.Contains(eOut, "Sampled 8 keys in the keyspace!") {
			t.Errorf("redis-cli %q against Ember did not sample the 8 keys:\n%s", tc.args, eOut)
		}
	}
	// --hotkeys needs an LFU policy: first the refusal, then the report.
	for _, p := range []*proc{ember, redis} {
		cliRun(t, p, nil, "config", "set", "maxmemory-policy", "noeviction")
	}
	eOut, eErr, eCode := cliRun(t, ember, nil, "--hotkeys")
	rOut, rErr, rCode := cliRun(t, redis, nil, "--hotkeys")
	if eOut != rOut || eErr != rErr || eCode != rCode {
		t.Errorf("--hotkeys without LFU\n  redis: %q %q %d\n  ember: %q %q %d", rOut, rErr, rCode, eOut, eErr, eCode)
	}
	for _, p := range []*proc{ember, redis} {
		cliRun(t, p, nil, "config", "set", "maxmemory-policy", "allkeys-lfu")
	}
	eOut, _, _ = cliRun(t, ember, nil, "--hotkeys")
	rOut, _, _ = cliRun(t, redis, nil, "--hotkeys")
	// Fresh keys start at LFU counter 5 in both; the hottest is one of them.
	e, r := digits.ReplaceAllString(after(eOut, "-------- summary -------"), "N"), digits.ReplaceAllString(after(rOut, "-------- summary -------"), "N")
	e, r = regexp.MustCompile(`keyname: .*`).ReplaceAllString(e, "keyname: K"), regexp.MustCompile(`keyname: .*`).ReplaceAllString(r, "keyname: K")
	if e != r || r == "" {
		t.Errorf("--hotkeys summary\n  redis:\n%s\n  ember:\n%s", r, e)
	}
}

// --latency with output that is not a terminal samples PING for -i seconds
// and prints one line: min max avg count.
func TestRedisCli_Latency(t *testing.T) {
	needCli(t)
	p := startEmber(t)
	raw, _, code := cliRun(t, p, nil, "--latency", "-i", "0.2", "--raw")
	m := regexp.MustCompile(`^(\d+) (\d+) (\d+\.\d\d) (\d+)\n$`).FindStringSubmatch(raw)
	if code != 0 || m == nil {
		t.Fatalf("--latency --raw: %q exit %d", raw, code)
	}
	if n, _ := strconv.Atoi(m[4]); n < 2 {
		t.Errorf("--latency took %d samples in 0.2 s", n)
	}
	csv, _, code := cliRun(t, p, nil, "--latency", "-i", "0.1", "--csv")
	if code != 0 || !regexp.MustCompile(`^\d+,\d+,\d+\.\d\d,\d+\n$`).MatchString(csv) {
		t.Errorf("--latency --csv: %q exit %d", csv, code)
	}
}

// --stat prints a header and one line per interval from INFO; on a terminal
// each line is flushed, so it is driven on a pseudo-terminal and stopped
// after a few lines.
func TestRedisCli_Stat(t *testing.T) {
	needCli(t)
	p := startEmber(t)
	var setup bytes.Buffer
	for i := 0; i < 42; i++ {
		setup.Write(encode("SET", fmt.Sprintf("k%d", i), "v"))
	}
	cliRun(t, p, setup.Bytes(), "--pipe")
	tty := startPty(t, 200, needCli(t), "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "--stat", "-i", "0.05")
	row := `(\d+)\s+([0-9.]+[BKMG])\s+(\d+)\s+(\d+)\s+(\d+) \(\+(\d+)\)\s+(\d+)\s*\r\n`
	m := tty.WaitFor(0, regexp.MustCompile(`------- data ------ -+ load -+ - child -\r\n`+
		`keys\s+mem\s+clients\s+blocked\s+requests\s+connections\s*\r\n`+row+row+row))
	if m[1] != "42" || m[8] != "42" || m[15] != "42" {
		t.Errorf("--stat keys column %s, %s, %s; want 42", m[1], m[8], m[15])
	}
	if m[3] != "1" || m[4] != "0" {
		t.Errorf("--stat clients %s blocked %s; want 1 and 0", m[3], m[4])
	}
	first, _ := strconv.Atoi(m[5])
	third, _ := strconv.Atoi(m[19])
	if third <= first {
		t.Errorf("--stat requests did not grow: %d then %d", first, third)
	}
}
