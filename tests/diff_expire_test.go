package tests

import (
	"testing"
	"time"
)

// Differential cases for the expiry commands. Relative TTLs are long enough
// that TTL in seconds is stable; millisecond TTLs compare by type only.
var expireCases = []diffCase{
	{"expire", "SET k v", "EXPIRE k 100", "TTL k", "!PTTL k", "EXPIRE nokey 100", "EXPIRE k", "EXPIRE k x", "EXPIRE k 1.5", `EXPIRE k ""`},
	{"pexpire", "SET k v", "PEXPIRE k 100000", "TTL k", "PEXPIRE k 100499", "TTL k", "PEXPIRE nokey 100"},
	{"expireat", "SET k v", "EXPIREAT k 33177117420", "EXPIRETIME k", "PEXPIRETIME k", "EXPIREAT nokey 33177117420"},
	{"pexpireat", "SET k v", "PEXPIREAT k 33177117420123", "PEXPIRETIME k", "EXPIRETIME k", "PEXPIREAT k 33177117420499", "EXPIRETIME k", "PEXPIREAT k 33177117420500", "EXPIRETIME k"},
	{"expire in the past deletes", "SET k v", "EXPIRE k -1", "EXISTS k", "SET k v", "EXPIRE k 0", "EXISTS k",
		"SET k v", "PEXPIREAT k 0", "EXISTS k", "SET k v", "EXPIREAT k 1", "EXISTS k", "SET k v", "PEXPIRE k -100", "GET k"},
	{"ttl without expiry", "SET k v", "TTL k", "PTTL k", "EXPIRETIME k", "PEXPIRETIME k", "TTL nokey", "PTTL nokey", "EXPIRETIME nokey", "PEXPIRETIME nokey"},
	{"ttl arity", "TTL", "TTL a b", "PTTL", "EXPIRETIME", "PEXPIRETIME a b", "PERSIST", "PERSIST a b"},
	{"persist", "SET k v EX 100", "PERSIST k", "TTL k", "PERSIST k", "PERSIST nokey"},
	{"overflow", "SET k v", "EXPIRE k 9223372036854775807", "EXPIRE k 9223372036854776", "EXPIRE k 9223372036854775",
		"EXPIRE k -9223372036854776", "EXPIRE k -9223372036854775808", "PEXPIRE k 9223372036854775807", "PEXPIRE k 9223372036854770000",
		"EXPIREAT k 9223372036854775", "EXPIREAT k 9223372036854776", "PEXPIREAT k 9223372036854775807", "!PTTL k",
		"PEXPIRETIME k", "EXPIRETIME k", "EXPIRE k 9223372036854775808", "PEXPIREAT k -9223372036854775808", "EXISTS k"},
	{"overflow deletes or errors first", "SET k v", "EXPIRE k -9223372036854775", "EXISTS k", "SET k v", "PEXPIRE k -9223372036854775808", "EXISTS k",
		"EXPIRE nokey 9223372036854775807", "PEXPIRE nokey 9223372036854775807", "EXPIREAT nokey 9223372036854776"},
	{"nx xx gt lt", "SET k v", "EXPIRE k 100 XX", "TTL k", "EXPIRE k 100 NX", "TTL k", "EXPIRE k 200 NX", "TTL k",
		"EXPIRE k 200 XX", "TTL k", "EXPIRE k 100 GT", "TTL k", "EXPIRE k 300 GT", "TTL k", "EXPIRE k 400 LT", "TTL k",
		"EXPIRE k 50 LT", "TTL k", "EXPIRE k 60 xx gt", "TTL k", "EXPIRE k 10 XX LT", "TTL k", "EXPIRE k 10 lt lt", "TTL k"},
	{"gt lt without ttl", "SET k v", "EXPIRE k 100 GT", "TTL k", "EXPIRE k 100 LT", "TTL k", "PERSIST k", "EXPIRE k 100 XX LT", "TTL k", "EXPIRE k -1 LT", "EXISTS k"},
	{"gt lt in the past", "SET k v EX 100", "EXPIRE k -1 GT", "EXISTS k", "EXPIRE k -1 LT", "EXISTS k"},
	{"expire option errors", "SET k v", "EXPIRE k 100 NX XX", "EXPIRE k 100 NX GT", "EXPIRE k 100 NX LT", "EXPIRE k 100 GT LT",
		"EXPIRE k 100 XX NX", "EXPIRE k 100 FOO", "PEXPIRE k 100 nx bar", "EXPIRE k x FOO", "EXPIRE k x NX XX", "EXPIRE nokey 100 FOO",
		"EXPIREAT k 100 gt lt", "PEXPIREAT k 100 nx nx", `EXPIRE k 100 "nx\x00zz"`, `EXPIRE k 100 "a\r\nb"`, "TTL k"},
	{"set replaces ttl", "SET k v EX 100", "SET k w", "TTL k", "SET k v EX 100", "SET k w KEEPTTL", "TTL k"},
	{"resp3", "!HELLO 3", "SET k v", "EXPIRE k 100", "TTL k", "TTL nokey", "PERSIST k"},
}

func TestDiffExpire(t *testing.T) { runDiff(t, expireCases) }

func TestDiffExpireCommandInfo(t *testing.T) {
	keyspaceNeeds(t, "command")
	compareCommandInfo(t, "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl", "expiretime", "pexpiretime", "persist")
}

// Keys that expire between commands behave alike on both servers: gone for
// every command, not counted by EXISTS, lazily removed.
func TestDiffExpiredKeys(t *testing.T) {
	ember, redis := sharedServers(t)
	e, r := dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
	for _, c := range []*rawConn{e, r} {
		c.Do("FLUSHALL")
		c.Do("SET", "gone", "v", "PX", "50")
		c.Do("RPUSH", "glist", "a")
		c.Do("PEXPIRE", "glist", "50")
		c.Do("SET", "stays", "v", "PX", "100000")
	}
	time.Sleep(150 * time.Millisecond)
	for _, cmd := range [][]string{
		{"SCAN", "0", "MATCH", "glist", "TYPE", "none"}, {"DBSIZE"}, {"SCAN", "0", "MATCH", "g*", "TYPE", "string"}, {"DBSIZE"},
		{"GET", "gone"}, {"EXISTS", "gone", "glist", "stays"}, {"TTL", "gone"}, {"TYPE", "glist"}, {"RENAME", "gone", "x"},
		{"COPY", "gone", "x"}, {"MOVE", "glist", "1"}, {"EXPIRE", "gone", "100"}, {"PERSIST", "gone"}, {"KEYS", "*"},
		{"SCAN", "0"}, {"RANDOMKEY"}, {"OBJECT", "ENCODING", "gone"}, {"DBSIZE"},
	} {
		want, _ := r.Do(cmd...)
		got, _ := e.Do(cmd...)
		if got != want {
			t.Errorf("%v\n  redis: %q\n  ember: %q", cmd, want, got)
		}
	}
	for _, c := range []*rawConn{e, r} {
		c.Do("FLUSHALL")
	}
}
