package tests

import (
	"strings"
	"testing"
)

// Differential cases for maxmemory, eviction policies' visible effects and
// the MEMORY command family.

// memoryCases run on the shared servers: they change no configuration.
var memoryCases = []diffCase{
	{"memory usage args", "SET k v", "MEMORY USAGE nokey", "MEMORY USAGE nokey SAMPLES 5", "MEMORY USAGE k SAMPLES", "MEMORY USAGE k SAMPLES abc",
		"MEMORY USAGE k SAMPLES -1", "MEMORY USAGE k extra", "MEMORY USAGE k SAMPLES 1 bogus", "MEMORY USAGE nokey SAMPLES x", "!MEMORY USAGE k", "!MEMORY USAGE k SAMPLES 0", "!MEMORY USAGE k samples 3 SAMPLES 0"},
	{"memory usage types", "RPUSH l a b", "HSET h f v", "SADD s 1 2", "ZADD z 1 a", "SET big " + strings.Repeat("x", 300),
		"!MEMORY USAGE l", "!MEMORY USAGE h", "!MEMORY USAGE s", "!MEMORY USAGE z", "!MEMORY USAGE big"},
	{"memory subcommands", "MEMORY HELP", "MEMORY PURGE", "MEMORY STATS x", "MEMORY DOCTOR x", "MEMORY PURGE x", "MEMORY HELP x", "MEMORY MALLOC-STATS x",
		"MEMORY NOSUCH", "MEMORY", "!MEMORY DOCTOR", "!MEMORY MALLOC-STATS", "SET k v", "!MEMORY STATS"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"memory usage options end at nul", "SET k v", `MEMORY USAGE nokey "samples\x00" 5`, `!MEMORY USAGE k "samples\x00x" 5`,
		`MEMORY USAGE k "samplesx" 5`, `MEMORY USAGE k "s\x00amples" 5`},
	{"memory resp3", "!HELLO 3", "SET k v", "!MEMORY STATS", "!MEMORY DOCTOR", "!MEMORY USAGE k", "MEMORY USAGE nokey"},
}

func TestDiffMemory(t *testing.T) { runDiff(t, memoryCases) }

// maxmemoryCases run on servers of their own, each case starting with
// maxmemory 0 and noeviction. A command prefixed "2>" is sent on a second
// connection (to change the limit while the first is inside MULTI).
var maxmemoryCases = []diffCase{
	{"oom write commands", "CONFIG SET maxmemory 1", "SET a b", "SETEX a 10 b", "SET a b NX", "INCR n", "APPEND k x", "HSET h f v",
		"SADD s a", "ZADD z 1 a", "MSET a 1 b 2", "SETRANGE k 0 x", "LPUSH l a", "SETNX a b", "HINCRBY h f 1", "SINTERSTORE d s s"},
	{"oom reads and deletes work", "SET k v", "SADD s a b", "HSET h f v", "CONFIG SET maxmemory 1", "GET k", "STRLEN k", "~SMEMBERS s",
		"HGET h f", "EXISTS k s", "TYPE s", "TTL s", "SREM s a", "DEL k", "EXISTS k", "HDEL h f", "GET k", "DBSIZE", "PING", "ECHO x"},
	{"oom non-denyoom writes", "SET k v", "SET k2 v", "CONFIG SET maxmemory 1", "EXPIRE k 100", "PERSIST k", "RENAME k k3", "GETDEL k2",
		"MOVE k3 1", "COPY k3 k4", "SELECT 1", "COPY k3 k4", "FLUSHDB", "SELECT 0"},
	{"oom inside multi", "CONFIG SET maxmemory 1", "MULTI", "SET a b", "GET a", "PING", "WATCH a", "EXEC", "GET a"},
	{"oom multi exec empty", "CONFIG SET maxmemory 1", "MULTI", "EXEC", "MULTI", "DISCARD"},
	{"oom at exec time", "MULTI", "SET a b", "GET a", "2>CONFIG SET maxmemory 1", "EXEC", "EXEC", "GET a"},
	{"oom at exec time, reads only", "SET a b", "MULTI", "GET a", "DEL x", "2>CONFIG SET maxmemory 1", "EXEC"},
	{"oom discard", "MULTI", "SET a b", "2>CONFIG SET maxmemory 1", "DISCARD", "GET a"},
	{"oom resp3", "!HELLO 3", "CONFIG SET maxmemory 1", "SET a b", "GET a", "MULTI", "SET a b", "EXEC"},
	{"oom volatile policy without volatile keys", "SET a b", "CONFIG SET maxmemory-policy volatile-lru", "CONFIG SET maxmemory 1", "SET c d", "GET a",
		"CONFIG SET maxmemory-policy volatile-ttl", "SET c d", "CONFIG SET maxmemory-policy volatile-random", "SET c d", "CONFIG SET maxmemory-policy volatile-lfu", "SET c d"},
	{"oom lifted", "CONFIG SET maxmemory 1", "SET a b", "CONFIG SET maxmemory 0", "SET a b", "GET a"},
	{"lfu frequency", "CONFIG SET maxmemory-policy allkeys-lfu", "SET a b", "OBJECT FREQ a", "GET a", "OBJECT FREQ a", "OBJECT IDLETIME a",
		"CONFIG SET maxmemory-policy allkeys-lru", "OBJECT FREQ a", "CONFIG SET maxmemory-policy volatile-lfu", "OBJECT FREQ a"},
	{"info maxmemory fields", "CONFIG SET maxmemory 123mb", "CONFIG SET maxmemory-policy volatile-ttl", "~CONFIG GET maxmemory*"},
}

func TestDiffMaxmemory(t *testing.T) {
	redis := startRedis(t)
	ember := startEmber(t)
	for _, dc := range maxmemoryCases {
		t.Run(dc.name(), func(t *testing.T) {
			e, e2 := dialRaw(t, ember.Addr), dialRaw(t, ember.Addr)
			r, r2 := dialRaw(t, redis.Addr), dialRaw(t, redis.Addr)
			for _, conn := range []*rawConn{e, r} {
				for _, cmd := range [][]string{{"CONFIG", "SET", "maxmemory", "0"}, {"CONFIG", "SET", "maxmemory-policy", "noeviction"}, {"FLUSHALL"}} {
					if _, err := conn.Do(cmd...); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, line := range dc.cmds() {
				ec, rc := e, r
				if rest, ok := strings.CutPrefix(line, "2>"); ok {
					line, ec, rc = rest, e2, r2
				}
				mode := byte(0)
				if line != "" && (line[0] == '~' || line[0] == '!') {
					mode, line = line[0], line[1:]
				}
				args := splitCommand(line)
				want, err := rc.Do(args...)
				if err != nil {
					t.Fatalf("redis: %s: %v", line, err)
				}
				got, err := ec.Do(args...)
				if err != nil {
					t.Fatalf("ember: %s: %v (redis replied %q)", line, err, want)
				}
				if !sameReply(mode, got, want) {
					t.Errorf("%s\n  redis: %q\n  ember: %q", line, want, got)
				}
			}
		})
	}
}
