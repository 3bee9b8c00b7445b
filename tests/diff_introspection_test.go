package tests

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Differential cases for MONITOR, SLOWLOG, LATENCY, CLIENT PAUSE/UNPAUSE,
// client-side caching commands and the INFO sections they feed. Cases that
// change the configuration restore it at their end (the servers are
// shared).
var introspectionCases = []diffCase{
	// SLOWLOG.
	{"slowlog help and errors", "SLOWLOG HELP", "SLOWLOG", "SLOWLOG FOO", "SLOWLOG GET -2", "SLOWLOG GET x", "SLOWLOG GET 1 2", "SLOWLOG LEN x", "SLOWLOG RESET x",
		"SLOWLOG GET 9223372036854775808", "slowlog help x"},
	{"slowlog counts", "CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET", "SET a b", "SLOWLOG LEN", "!SLOWLOG GET", "!SLOWLOG GET 1", "!SLOWLOG GET 0",
		"!SLOWLOG GET -1", "CONFIG SET slowlog-max-len 2", "SLOWLOG LEN", "CONFIG SET slowlog-max-len 0", "SLOWLOG LEN",
		"CONFIG SET slowlog-max-len 128", "CONFIG SET slowlog-log-slower-than -1", "SLOWLOG RESET", "SET a b", "SLOWLOG LEN",
		"CONFIG SET slowlog-log-slower-than 10000", "SLOWLOG RESET", "SLOWLOG LEN"},
	{"slowlog skips exec", "CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET", "MULTI", "SET a b", "EXEC", "SLOWLOG LEN",
		"CONFIG SET slowlog-log-slower-than 10000", "SLOWLOG RESET"},
	// LATENCY.
	{"latency empty", "LATENCY RESET", "LATENCY LATEST", "LATENCY HISTORY command", "LATENCY RESET command x", "LATENCY GRAPH command",
		"LATENCY DOCTOR", "LATENCY HELP", "LATENCY HISTOGRAM nosuchcmd", "LATENCY HISTORY", "LATENCY GRAPH", "LATENCY HELP x", "LATENCY FOO", "LATENCY"},
	{"latency resp3", "!HELLO 3", "LATENCY DOCTOR", "LATENCY LATEST", "LATENCY HISTOGRAM nosuch", "!HELLO 2"},
	{"latency histogram shape", "CONFIG RESETSTAT", "!LATENCY HISTOGRAM config|resetstat", "!LATENCY HISTOGRAM config", "!HELLO 3", "!LATENCY HISTOGRAM config|resetstat", "!HELLO 2"},
	{"latency events", "CONFIG SET latency-monitor-threshold 1", "LATENCY RESET", "DEBUG SLEEP 0.01", "!LATENCY LATEST", "!LATENCY HISTORY command",
		"LATENCY HISTORY fast-command", "LATENCY RESET command", "LATENCY LATEST", "CONFIG SET latency-monitor-threshold 0"},
	{"latency event names end at nul", "LATENCY RESET", `LATENCY RESET "command\x00"`, `LATENCY HISTORY "command\x00x"`, `LATENCY GRAPH "command\x00x"`},
	// CLIENT PAUSE / UNPAUSE.
	{"client pause errors", "CLIENT PAUSE", "CLIENT PAUSE x", "CLIENT PAUSE -1", "CLIENT PAUSE 10 foo", "CLIENT PAUSE 10 write x",
		"CLIENT PAUSE 1.5", "CLIENT UNPAUSE x", "CLIENT UNPAUSE"},
	{"client pause mode ends at nul", `CLIENT PAUSE 100000 "write\x00x"`, "GET k", "CLIENT UNPAUSE", `CLIENT PAUSE 10 "writex"`, `CLIENT PAUSE 0 "all\x00"`, "CLIENT UNPAUSE"},
	{"client pause write lets reads through", "CLIENT PAUSE 100000 WRITE", "GET k", "PING", "CLIENT UNPAUSE", "SET k v"},
	{"client pause zero", "CLIENT PAUSE 0", "SET k v", "CLIENT PAUSE 0 WRITE", "SET k v"},
	// Client-side caching commands.
	{"client tracking errors", "CLIENT TRACKING", "CLIENT TRACKING foo", "CLIENT TRACKING on foo", "CLIENT TRACKING on REDIRECT", "CLIENT TRACKING on REDIRECT x",
		"CLIENT TRACKING on REDIRECT 999999", "CLIENT TRACKING on PREFIX a", "CLIENT TRACKING on BCAST OPTIN", "CLIENT TRACKING on BCAST OPTOUT",
		"CLIENT TRACKING on OPTIN OPTOUT", "CLIENT TRACKING on BCAST PREFIX a PREFIX ab", "CLIENT TRACKING on BCAST PREFIX ab PREFIX a",
		"CLIENT TRACKING on BCAST PREFIX a PREFIX b PREFIX \"\"", "CLIENT TRACKING on PREFIX", "CLIENT TRACKING off PREFIX a", "CLIENT TRACKING off x"},
	{"client tracking switch errors", "CLIENT TRACKING on", "CLIENT TRACKING on BCAST", "CLIENT TRACKING on OPTIN", "CLIENT TRACKING on OPTOUT",
		"CLIENT TRACKING off", "CLIENT TRACKING on OPTIN", "CLIENT TRACKING on OPTOUT", "CLIENT TRACKING off",
		"CLIENT TRACKING on BCAST PREFIX a", "CLIENT TRACKING on BCAST PREFIX ab", "CLIENT TRACKING on BCAST PREFIX b", "CLIENT TRACKING on", "CLIENT TRACKINGINFO", "CLIENT TRACKING off"},
	{"client caching", "CLIENT CACHING yes", "CLIENT CACHING", "CLIENT TRACKING on", "CLIENT CACHING yes", "CLIENT CACHING no", "CLIENT CACHING maybe",
		"CLIENT TRACKING off", "CLIENT TRACKING on OPTIN", "CLIENT CACHING no", "CLIENT CACHING yes", "CLIENT TRACKINGINFO", "GET x", "CLIENT TRACKINGINFO",
		"CLIENT TRACKING off", "CLIENT TRACKING on OPTOUT", "CLIENT CACHING yes", "CLIENT CACHING no", "CLIENT TRACKINGINFO", "CLIENT TRACKING off", "CLIENT TRACKINGINFO"},
	{"client trackinginfo", "CLIENT TRACKINGINFO", "CLIENT GETREDIR", "CLIENT TRACKING on NOLOOP", "CLIENT TRACKINGINFO", "CLIENT GETREDIR",
		"CLIENT TRACKING on BCAST NOLOOP PREFIX b PREFIX a", "CLIENT TRACKING off", "CLIENT TRACKING on BCAST PREFIX b PREFIX a", "CLIENT TRACKINGINFO",
		"!HELLO 3", "CLIENT TRACKINGINFO", "CLIENT TRACKING off", "CLIENT TRACKINGINFO", "!HELLO 2", "CLIENT TRACKINGINFO x", "CLIENT GETREDIR x"},
	{"client tracking options end at nul", `CLIENT TRACKING "on\x00" "bcast\x00" "prefix\x00" a "noloop\x00"`, "CLIENT TRACKINGINFO", `CLIENT TRACKING "off\x00x"`,
		`CLIENT TRACKING "on\x00" "optin\x00"`, `CLIENT CACHING "yes\x00"`, `CLIENT CACHING "yesx"`, "CLIENT TRACKINGINFO", "CLIENT TRACKING off",
		`CLIENT TRACKING "onx"`, `CLIENT TRACKING on "bcastx"`, `CLIENT TRACKING on "o\x00ptin"`},
	{"client tracking in multi", "MULTI", "CLIENT TRACKING on", "CLIENT CACHING yes", "EXEC", "CLIENT TRACKING off"},
	{"client no-touch is 7.2", "CLIENT NO-TOUCH on", "CLIENT NO-TOUCH"},
	{"client help", "CLIENT HELP"},
	{"command list options end at nul", `~COMMAND LIST "filterby\x00" "pattern\x00" "getd*"`, `~COMMAND LIST "filterby\x00" "aclcat\x00" "hyperloglog\x00x"`,
		`COMMAND LIST FILTERBY ACLCAT "hyperloglogx"`, `COMMAND LIST "filterbyx" PATTERN x`, `COMMAND LIST FILTERBY "module\x00" x`},
	// MONITOR.
	{"monitor in multi", "MULTI", "MONITOR", "EXEC"},
	{"monitor arity", "MONITOR x"},
}

func TestDiffIntrospection(t *testing.T) { runDiff(t, introspectionCases) }

// MONITOR lines, with the timestamp and the client address masked.
var monitorStreams = []struct {
	name  string
	steps []string
}{
	{"commands", []string{"0 MONITOR", "0 @expect", "1 SET k v", "0 @expect", "1 GET k", "1 SELECT 2", "1 SET \"a b\" \"\\x00\\xff\\r\\n\\t\\\"\\\\\"", "1 SELECT 0"}},
	{"admin and failed commands", []string{"0 MONITOR", "1 CONFIG GET maxmemory", "1 DEBUG SLEEP 0", "1 NOSUCH x", "1 GET", "1 INCR k", "1 PING"}},
	{"transactions", []string{"0 MONITOR", "1 MULTI", "1 SET a b", "1 INCR a", "1 EXEC", "1 MULTI", "1 NOSUCH", "1 EXEC"}},
	{"redaction", []string{"0 MONITOR", "1 AUTH secret", "1 AUTH user pass", "1 AUTH a b c", "1 HELLO 2 AUTH user pass", "1 HELLO 2 SETNAME n AUTH u p", "1 HELLO 2 FOO AUTH u p",
		"1 CONFIG SET requirepass \"\"", "1 CONFIG SET masterauth x masteruser y"}},
	{"monitor client itself", []string{"0 MONITOR", "0 PING", "0 GET k", "0 MONITOR", "1 PING", "0 RESET", "1 PING"}},
	{"two monitors", []string{"0 MONITOR", "1 MONITOR", "2 SET a b", "2 ECHO x"}},
}

var monitorLine = regexp.MustCompile(`\+\d+\.\d{6} \[(\d+) [^\]]+\]`)

func TestStreamMonitor(t *testing.T) {
	for _, sc := range monitorStreams {
		t.Run(sc.name, func(t *testing.T) {
			runStreamNormalized(t, 3, sc.steps, func(s string) string { return monitorLine.ReplaceAllString(s, "+TIME [$1 ADDR]") },
				"CONFIG SET masterauth \"\"", "CONFIG SET masteruser \"\"")
		})
	}
}

// Slow log entries: ids, times, durations and addresses differ between
// servers; arguments (trimmed as Redis trims them) and names must not.
func TestDiffSlowlogEntries(t *testing.T) {
	ember, redis := sharedServers(t)
	long := strings.Repeat("x", 200)
	var many []string
	for i := 0; i < 40; i++ {
		many = append(many, fmt.Sprint(i))
	}
	entries := func(addr string) []any {
		c := dialRaw(t, addr)
		for _, cmd := range [][]string{
			{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, {"SLOWLOG", "RESET"}, {"CLIENT", "SETNAME", "slowpoke"},
			{"SET", "k", long}, append([]string{"MSET"}, many...), {"AUTH", "secret"}, {"HELLO", "2", "AUTH", "u", "p"},
			{"MULTI"}, {"SET", "a", "b"}, {"EXEC"}, {"CONFIG", "SET", "slowlog-log-slower-than", "10000"},
		} {
			if _, err := c.Do(cmd...); err != nil {
				t.Fatal(err)
			}
		}
		v, ok := c.doValue(t, "SLOWLOG", "GET", "-1").([]any)
		if !ok {
			t.Fatalf("%s: SLOWLOG GET is not an array", addr)
		}
		var out []any
		for _, e := range v {
			f := e.([]any)
			if len(f) != 6 {
				t.Fatalf("%s: entry with %d fields", addr, len(f))
			}
			out = append(out, []any{f[3], f[5]}) // arguments, client name
		}
		_, _ = c.Do("SLOWLOG", "RESET")
		return out
	}
	want, got := entries(redis.Addr), entries(ember.Addr)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("slow log entries differ\n  redis: %v\n  ember: %v", want, got)
	}
}

// INFO commandstats, errorstats and latencystats after the same commands:
// the same field names and value formats.
func TestDiffInfoCommandStats(t *testing.T) {
	ember, redis := sharedServers(t)
	fieldsOf := func(addr string) map[string][]string {
		c := dialRaw(t, addr)
		for _, cmd := range [][]string{{"CONFIG", "RESETSTAT"}, {"SET", "k", "v"}, {"GET", "k"}, {"INCR", "k"}, {"NOSUCH"}, {"CLIENT", "ID"}, {"CONFIG", "GET", "x"},
			{"SUBSCRIBE", "c"}, {"UNSUBSCRIBE"}, {"SET", "k"},
			{"MULTI"}, {"SET", "m", "1"}, {"INCR", "m"}, {"HSET", "m", "f", "v"}, {"EXEC"}} {
			_, _ = c.Do(cmd...)
		}
		out := map[string][]string{}
		for _, sec := range []string{"commandstats", "errorstats", "latencystats", "stats", "clients"} {
			raw, err := c.Do("INFO", sec)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(raw, "\r\n")[1:] {
				k, v, ok := strings.Cut(line, ":")
				if !ok || strings.HasPrefix(line, "#") {
					continue
				}
				out[sec] = append(out[sec], k+":"+valueShape(v))
			}
			sort.Strings(out[sec])
		}
		return out
	}
	want, got := fieldsOf(redis.Addr), fieldsOf(ember.Addr)
	for _, sec := range []string{"commandstats", "errorstats", "latencystats"} {
		if !reflect.DeepEqual(got[sec], want[sec]) {
			t.Errorf("INFO %s differs\n  redis: %v\n  ember: %v", sec, want[sec], got[sec])
		}
	}
	// Stats and clients: every field this family reports is there.
	for sec, names := range map[string][]string{"stats": {"pubsub_channels", "pubsub_patterns", "pubsubshard_channels", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes"},
		"clients": {"tracking_clients", "blocked_clients"}} {
		for _, n := range names {
			if !containsPrefix(got[sec], n+":") {
				t.Errorf("INFO %s has no %s", sec, n)
			}
		}
	}
}

var digits = regexp.MustCompile(`\d+(\.\d+)?`)

// valueShape masks numbers, keeping the names and the punctuation.
func valueShape(v string) string { return digits.ReplaceAllString(v, "N") }

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Client-side caching: what tracking clients (and the clients they
// redirect to) receive when keys change.
var trackingStreams = []struct {
	name  string
	conns int
	steps []string
}{
	{"resp3 invalidation", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on", "0 GET k", "1 SET k v", "0 @expect", "1 SET k w", "0 GET k", "0 GET k2", "1 MSET k 1 k2 2", "1 DEL k"}},
	{"own write comes after the reply", 1, []string{"0 HELLO 3", "0 CLIENT TRACKING on", "0 SET k v", "0 GET k", "0 SET k w", "0 @expect", "0 HSET h f v", "0 HGET h f", "0 HDEL h f"}},
	{"transaction reply first", 1, []string{"0 HELLO 3", "0 CLIENT TRACKING on", "0 MSET a 1 b 2", "0 GET a", "0 MULTI", "0 INCR a", "0 GET b", "0 EXEC"}},
	{"noloop", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on NOLOOP", "0 MGET a b", "0 SET a 1", "1 SET b 1", "0 @expect"}},
	{"resp2 redirect", 3, []string{"0 SUBSCRIBE __redis__:invalidate", "1 CLIENT TRACKING on REDIRECT $ID0", "1 GET k", "1 MGET a b", "2 SET k v", "0 @expect",
		"2 MSET a 1 b 2", "1 GET k", "2 FLUSHDB"}},
	{"resp2 redirect to a resp3 client", 3, []string{"0 HELLO 3", "1 CLIENT TRACKING on REDIRECT $ID0", "1 GET k", "2 SET k v", "0 @expect", "1 GET k", "2 FLUSHDB"}},
	{"resp2 redirect to a client not subscribed", 3, []string{"1 CLIENT TRACKING on REDIRECT $ID0", "1 GET k", "2 SET k v", "0 PING"}},
	{"redirect target gone", 3, []string{"0 HELLO 3", "0 CLIENT TRACKING on REDIRECT $ID2", "0 GET k", "2 QUIT", "1 SET k v", "0 @expect", "0 CLIENT TRACKINGINFO", "0 GET k", "1 SET k w"}},
	{"optin optout", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on OPTIN", "0 GET a", "0 CLIENT CACHING yes", "0 GET b", "0 GET c", "1 MSET a 1 b 1 c 1",
		"0 CLIENT TRACKING off", "0 CLIENT TRACKING on OPTOUT", "0 GET d", "0 CLIENT CACHING no", "0 GET e", "1 MSET d 1 e 1"}},
	{"bcast", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on BCAST PREFIX a: PREFIX b:", "1 SET a:1 x", "0 @expect", "1 SET c:1 x", "1 MSET a:2 1 b:1 2 a:3 3",
		"1 MULTI", "1 SET a:4 1", "1 SET a:5 1", "1 EXEC", "0 CLIENT TRACKING on BCAST PREFIX c", "1 SET c1 1"}},
	{"bcast noloop", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on BCAST NOLOOP", "0 SET x 1", "1 SET y 1", "0 MSET p 1 q 2"}},
	{"flush", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on", "0 GET k", "1 FLUSHDB", "0 @expect", "0 GET k", "0 FLUSHDB"}},
	{"tracking off forgets prefixes", 2, []string{"0 HELLO 3", "0 CLIENT TRACKING on BCAST PREFIX a", "0 CLIENT TRACKING off", "1 SET a1 1", "0 CLIENT TRACKINGINFO"}},
}

func TestStreamTracking(t *testing.T) {
	for _, sc := range trackingStreams {
		t.Run(sc.name, func(t *testing.T) { runStream(t, sc.conns, sc.steps) })
	}
}
