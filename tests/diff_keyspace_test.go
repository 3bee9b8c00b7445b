package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Differential cases for the generic keyspace commands.
var keyspaceCases = []diffCase{
	{"del", "SET a 1", "SET b 2", "DEL a b c a", "DEL a", "EXISTS a b", "DEL", "UNLINK", "SET c 3", "UNLINK c d"},
	{"exists counts repeats", "SET a 1", "EXISTS a a a b", "EXISTS b", "EXISTS"},
	{"touch", "SET a 1", "TOUCH a b a", "TOUCH"},
	{"rename", "SET a 1", "RENAME a b", "GET a", "GET b", "RENAME nokey x", "RENAME b b", "RENAME nokey nokey",
		"SET c 3", "RENAME b c", "GET c", "EXISTS b", "RENAME a", "RENAME a b c"},
	{"renamenx", "SET a 1", "SET b 2", "RENAMENX a b", "RENAMENX a a", "RENAMENX nokey x", "RENAMENX a c", "GET c", "RENAMENX nokey nokey"},
	{"rename moves ttl", "SET a 1 EX 1000", "SET b 2", "RENAME a b", "TTL b", "SET c 3", "SET d 4 EX 1000", "RENAME c d", "TTL d"},
	{"move", "SET k v", "MOVE k 1", "EXISTS k", "SELECT 1", "GET k", "MOVE k 1", "MOVE k 0", "SELECT 0", "GET k",
		"MOVE k 0", "MOVE k 16", "MOVE k -1", "MOVE k x", "MOVE k 4294967296", "MOVE nokey 1", "MOVE"},
	{"move onto existing", "SET k a", "SELECT 1", "SET k b", "SELECT 0", "MOVE k 1", "GET k", "SELECT 1", "GET k"},
	{"move ttl", "SET k v PX 100000000", "MOVE k 2", "SELECT 2", "TTL k", "SET n v", "MOVE n 0", "SELECT 0", "TTL n"},
	{"copy", "SET a 1", "COPY a b", "GET b", "COPY a b", "COPY a b REPLACE", "COPY nokey b", "COPY a a", "COPY a a DB 0",
		"COPY a a DB 1", "SELECT 1", "GET a", "SELECT 0", "COPY a c DB", "COPY a c foo", "COPY a c DB x", "COPY a c DB 16",
		"COPY a c DB -1", "COPY a c DB 4294967296", "COPY a c REPLACE REPLACE DB 2 DB 3", "SELECT 3", "GET c", "COPY", "COPY a"},
	{"copy ttl", "SET a 1 EX 1000", "COPY a b", "TTL b", "SET c 2", "SET d 3 EX 100", "COPY c d REPLACE", "TTL d"},
	{"keys empty key", `SET "" v`, "SET a 1", "~KEYS *", "KEYS **", "KEYS ?"},
	{"randomkey", "RANDOMKEY", "SET only v", "RANDOMKEY", "RANDOMKEY x", "!HELLO 3", "DEL only", "RANDOMKEY"},
	{"flushdb", "SET a 1", "SELECT 1", "SET b 1", "FLUSHDB", "DBSIZE", "SELECT 0", "DBSIZE", "FLUSHDB ASYNC", "FLUSHDB sync",
		"FLUSHDB foo", "FLUSHDB async sync", "DBSIZE"},
	{"flushall", "SET a 1", "SELECT 1", "SET b 1", "FLUSHALL", "DBSIZE", "SELECT 0", "DBSIZE", "FLUSHALL ASYNC", "FLUSHALL SYNC", "FLUSHALL x", "FLUSHALL sync x"},
	{"swapdb", "SET a 0", "SELECT 1", "SET b 1", "SWAPDB 0 1", "GET a", "GET b", "SELECT 0", "GET b",
		"SWAPDB 0 0", "SWAPDB 0 16", "SWAPDB 16 0", "SWAPDB -1 0", "SWAPDB x 0", "SWAPDB 0 x", "SWAPDB x y",
		"SWAPDB 4294967296 0", "SWAPDB 0 4294967296", "SWAPDB 0", "SWAPDB 1 15", "SELECT 15", "GET a"},
	{"object idletime", "SET a 1", "!OBJECT IDLETIME a", "OBJECT IDLETIME nokey", "!HELLO 3", "OBJECT IDLETIME nokey"},
	{"object freq", "SET a 1", "OBJECT FREQ a", "OBJECT FREQ nokey"},
	{"object errors", "OBJECT", "OBJECT foo", "OBJECT foo bar", "OBJECT encoding", "OBJECT encoding a b", "OBJECT help x", "OBJECT HELP", "object help"},
	{"scan errors", "SCAN", "SCAN x", "SCAN \" 1\"", "SCAN \"1 \"", "SCAN -", "SCAN +", "SCAN 18446744073709551616", "SCAN 0x10", "SCAN 1.5",
		"SCAN 0 COUNT", "SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT x", "SCAN 0 MATCH", "SCAN 0 TYPE", "SCAN 0 FOO bar",
		"SCAN 0 COUNT 10 MATCH", "SCAN 0 count 99999999999999999999"},
	{"scan cursors", "SCAN 0", `SCAN ""`, "SCAN 00", "SCAN +0", "SCAN -0", "SET k v", "SCAN 0", "!SCAN 0 COUNT 1", "SCAN 0 MATCH k",
		"SCAN 0 MATCH x*", "SCAN 0 TYPE string", "SCAN 0 TYPE STRING", "SCAN 0 TYPE list", "SCAN 0 TYPE none", "SCAN 0 TYPE foo",
		"SCAN 0 TYPE stream", "SCAN 0 MATCH * COUNT 100 TYPE string", "!HELLO 3", "SCAN 0"},
	{"glob escapes", `SET "a*b" 1`, `SET a?b 1`, `SET "a[b" 1`, `SET "a\\b" 1`, `SET ab 1`, `SET axb 1`,
		`~KEYS a\*b`, `~KEYS a\?b`, `~KEYS a\[b`, `~KEYS "a\\\\b"`, `~KEYS a[*?]b`, `~KEYS a[^x]b`, `~KEYS a[`, `~KEYS "a\\"`,
		`~KEYS a[x-a]b`, `~KEYS a[\]b`, `~KEYS *\`},
	{"type string", "SET s 1", "TYPE s", "TYPE nokey", "TYPE", "TYPE a b"},
	{"keys strings", "SET foo 1", "SET foobar 2", "SET bar 3", "SET fo 4", "~KEYS *", "~KEYS foo*", "~KEYS f?o", "~KEYS *o*",
		"KEYS nomatch*", "~KEYS [fb]*", "KEYS", "KEYS a b", "!HELLO 3", "~KEYS f*"},
	{"dbsize strings", "DBSIZE", "SET a 1", "SET b 2", "DBSIZE", "SELECT 1", "DBSIZE", "DBSIZE x"},
	{"object encoding strings", "SET i 12345", "SET e hello", "SET r " + strings.Repeat("r", 45), "SET big 123456789012345678901",
		"OBJECT ENCODING i", "OBJECT ENCODING e", "OBJECT ENCODING r", "OBJECT ENCODING big", "OBJECT ENCODING nokey",
		"SET neg -5", "OBJECT ENCODING neg", "SET lead 012", "OBJECT ENCODING lead", "SET sp \" 1\"", "OBJECT ENCODING sp",
		"INCR e2", "OBJECT ENCODING e2", "SET e44 " + strings.Repeat("e", 44), "OBJECT ENCODING e44",
		"SET max 9223372036854775807", "OBJECT ENCODING max", "SET over 9223372036854775808", "OBJECT ENCODING over",
		"RENAME i i2", "OBJECT ENCODING i2", "COPY r r2", "OBJECT ENCODING r2", "!HELLO 3", "OBJECT ENCODING nokey"},
	{"object refcount strings", "SET a 1", "OBJECT REFCOUNT a", "SET b 9999", "OBJECT REFCOUNT b", "SET c 10000", "OBJECT REFCOUNT c",
		"SET d -1", "OBJECT REFCOUNT d", "SET e foo", "OBJECT REFCOUNT e", "INCR n", "OBJECT REFCOUNT n", "COPY a a2",
		"OBJECT REFCOUNT a2", "RENAME a a3", "OBJECT REFCOUNT a3", "SET z 0", "OBJECT REFCOUNT z", "INCR a2", "OBJECT REFCOUNT a2",
		"OBJECT REFCOUNT nokey"},
	{"watch flushdb", "SET k v", "WATCH k", "FLUSHDB", "MULTI", "PING", "EXEC", "WATCH nokey", "FLUSHDB", "MULTI", "PING", "EXEC"},
	{"watch flushall", "SELECT 3", "SET k v", "WATCH k", "SELECT 0", "FLUSHALL", "MULTI", "PING", "EXEC"},
	{"watch swapdb", "SET k v", "WATCH k", "SWAPDB 0 1", "MULTI", "PING", "EXEC", "WATCH k", "SWAPDB 0 0", "MULTI", "PING", "EXEC",
		"WATCH k", "SWAPDB 2 3", "MULTI", "PING", "EXEC", "WATCH nokey", "SWAPDB 0 1", "MULTI", "PING", "EXEC"},
	{"watch move and copy", "SET k v", "SELECT 1", "WATCH k", "SELECT 0", "MOVE k 1", "SELECT 1", "MULTI", "PING", "EXEC",
		"WATCH c", "SELECT 0", "COPY k c DB 1", "SET k v", "COPY k c DB 1", "SELECT 1", "MULTI", "PING", "EXEC"},
	{"watch rename and expire", "SET a v", "WATCH b", "RENAME a b", "MULTI", "PING", "EXEC", "WATCH b", "EXPIRE b 100", "MULTI", "PING", "EXEC",
		"WATCH b", "PERSIST b", "MULTI", "PING", "EXEC", "WATCH b", "EXPIRE b -1", "MULTI", "PING", "EXEC"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"options end at nul", "SET k v", `COPY k k2 "replace\x00"`, `COPY k k2 "replace\x00x"`, `COPY k k2 "replacex"`, `COPY k k3 "db\x00" 1`,
		"SELECT 1", "GET k3", "SELECT 0", `SCAN 0 "count\x00" 100 "match\x00" "k" "type\x00" string`, `SCAN 0 "countx" 100`, `SCAN 0 MATCH k TYPE "string\x00x"`,
		`FLUSHDB "async\x00"`, "SET k v", `FLUSHALL "sync\x00x"`, "EXISTS k", `FLUSHALL "syncx"`, `FLUSHDB "a\x00sync"`},
}

// Cases that also need other command families (lists, hashes, sets,
// sorted sets, more string commands).
var keyspaceMixedCases = []diffCase{
	{"type", "SET s 1", "TYPE s", "TYPE nokey", "TYPE", "TYPE a b",
		"RPUSH l a", "TYPE l", "SADD st a", "TYPE st", "ZADD z 1 a", "TYPE z", "HSET h f v", "TYPE h"},
	{"rename big value", "SET a " + strings.Repeat("x", 300), "RENAME a b", "GET b", "STRLEN a"},
	{"rename collections", "RPUSH l a b c", "RENAME l l2", "LRANGE l2 0 -1", "HSET h f v", "RENAME h l2", "HGETALL l2", "TYPE h"},
	{"move collection", "SADD s a b", "MOVE s 3", "SELECT 3", "~SMEMBERS s", "TYPE s"},
	{"copy is independent", "SET a hello", "COPY a b", "APPEND b world", "GET a", "GET b",
		"RPUSH l x", "COPY l l2", "RPUSH l2 y", "LRANGE l 0 -1", "LRANGE l2 0 -1"},
	{"copy onto another type", "SET a 1", "RPUSH l x", "COPY a l", "COPY a l REPLACE", "TYPE l", "GET l"},
	{"keys", "MSET foo 1 foobar 2 bar 3 fo 4", "~KEYS *", "~KEYS foo*", "~KEYS f?o", "~KEYS *o*", "KEYS nomatch*", "~KEYS [fb]*", "KEYS", "KEYS a b"},
	{"dbsize", "DBSIZE", "MSET a 1 b 2", "DBSIZE", "SELECT 1", "DBSIZE", "DBSIZE x"},
	{"object encoding", "SET i 12345", "SET e hello", "SET r " + strings.Repeat("r", 45), "SET big 123456789012345678901",
		"OBJECT ENCODING i", "OBJECT ENCODING e", "OBJECT ENCODING r", "OBJECT ENCODING big", "OBJECT ENCODING nokey",
		"SET neg -5", "OBJECT ENCODING neg", "SET lead 012", "OBJECT ENCODING lead", "APPEND i 6", "OBJECT ENCODING i",
		"INCR e2", "OBJECT ENCODING e2", "SET e44 " + strings.Repeat("e", 44), "OBJECT ENCODING e44",
		"!HELLO 3", "OBJECT ENCODING nokey"},
	{"object encoding collections", "RPUSH l a", "OBJECT ENCODING l", "SADD si 1 2", "OBJECT ENCODING si", "SADD ss a",
		"OBJECT ENCODING ss", "HSET h f v", "OBJECT ENCODING h", "ZADD z 1 a", "OBJECT ENCODING z"},
	{"object refcount", "SET a 1", "OBJECT REFCOUNT a", "SET b 9999", "OBJECT REFCOUNT b", "SET c 10000", "OBJECT REFCOUNT c",
		"SET d -1", "OBJECT REFCOUNT d", "SET e foo", "OBJECT REFCOUNT e", "INCR n", "OBJECT REFCOUNT n", "COPY a a2",
		"OBJECT REFCOUNT a2", "RENAME a a3", "OBJECT REFCOUNT a3", "RPUSH l x", "OBJECT REFCOUNT l", "OBJECT REFCOUNT nokey"},
	{"copy and rename sets and hashes", "SADD s a b", "COPY s s2", "SADD s2 c", "SCARD s", "SCARD s2", "HSET h f v", "COPY h s REPLACE",
		"HGETALL s", "RENAME h h2", "HGETALL h2", "OBJECT ENCODING s2", "OBJECT ENCODING h2", "OBJECT REFCOUNT s2", "MOVE h2 1",
		"SELECT 1", "HGETALL h2", "TYPE h2", "SCAN 0 TYPE hash", "SCAN 0 TYPE set"},
	{"zsets", "ZADD z 1 a 2 b", "COPY z z2", "ZADD z2 3 c", "ZCARD z", "ZRANGE z2 0 -1 WITHSCORES", "RENAME z z3", "TYPE z3",
		"OBJECT ENCODING z3", "SCAN 0 TYPE zset MATCH z3", "EXPIRE z3 100", "TTL z3", "PERSIST z3", "MOVE z3 2", "SELECT 2", "ZRANGE z3 0 -1"},
	{"scan each type", "RPUSH l a", "SCAN 0 TYPE list", "SADD s a", "SCAN 0 TYPE set", "ZADD z 1 a", "SCAN 0 TYPE zset", "HSET h f v", "SCAN 0 TYPE hash"},
}

func TestDiffKeyspace(t *testing.T) { runDiff(t, keyspaceCases) }

func TestDiffKeyspaceMixed(t *testing.T) {
	var ready []diffCase
	for _, dc := range keyspaceMixedCases {
		if missing := keyspaceMissing(t, dc); missing != "" {
			t.Logf("skipping %q: Ember has no %s yet", dc.name(), missing)
			continue
		}
		ready = append(ready, dc)
	}
	runDiff(t, ready)
}

// keyspaceMissing returns the first command of dc that Ember does not know
// yet (other families are written in parallel), or "".
func keyspaceMissing(t *testing.T, dc diffCase) string {
	t.Helper()
	ember, _ := sharedServers(t)
	c := dialRaw(t, ember.Addr)
	for _, line := range dc.cmds() {
		name := strings.TrimLeft(splitCommand(line)[0], "~!")
		reply, err := c.Do(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(reply, "-ERR unknown command") {
			return strings.ToUpper(name)
		}
	}
	return ""
}

// keyspaceNeeds skips a test until Ember has the named commands.
func keyspaceNeeds(t *testing.T, names ...string) {
	t.Helper()
	if missing := keyspaceMissing(t, diffCase(append([]string{""}, names...))); missing != "" {
		t.Skipf("Ember has no %s yet", missing)
	}
}

// COMMAND INFO agrees with Redis on name, arity, flags, key positions and
// ACL categories (tips and key specs are the introspection family's).
func TestDiffKeyspaceCommandInfo(t *testing.T) {
	keyspaceNeeds(t, "command")
	compareCommandInfo(t, "del", "unlink", "exists", "touch", "type", "rename", "renamenx", "move", "copy", "keys", "scan",
		"randomkey", "dbsize", "flushdb", "flushall", "swapdb", "object", "object|help", "object|freq", "object|idletime",
		"object|encoding", "object|refcount")
}

// compareCommandInfo compares the first seven fields of COMMAND INFO.
func compareCommandInfo(t *testing.T, names ...string) {
	t.Helper()
	ember, redis := sharedServers(t)
	e, r := dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
	head := func(c *rawConn, name string) string {
		if err := c.Send(encode("COMMAND", "INFO", name)); err != nil {
			t.Fatal(err)
		}
		var all bytes.Buffer
		if err := readRESP(c.rd, &all); err != nil {
			t.Fatal(err)
		}
		rd := bufio.NewReader(&all)
		var out bytes.Buffer
		for range 2 { // *1, then the command's own header
			line, _ := rd.ReadString('\n')
			out.WriteString(line)
		}
		for range 7 {
			if err := readRESP(rd, &out); err != nil {
				break
			}
		}
		return out.String()
	}
	for _, name := range names {
		if got, want := head(e, name), head(r, name); got != want {
			t.Errorf("COMMAND INFO %s\n  redis: %q\n  ember: %q", name, want, got)
		}
	}
}

// scanKeys iterates the whole keyspace with SCAN and the given options.
func scanKeys(t *testing.T, c *rawConn, opts ...string) []string {
	t.Helper()
	cursor := "0"
	var keys []string
	for calls := 0; ; calls++ {
		if calls > 100000 {
			t.Fatal("SCAN does not terminate")
		}
		reply, err := c.Do(append([]string{"SCAN", cursor}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		elems := parseArray(t, reply)
		cursor = elems[0]
		keys = append(keys, elems[1:]...)
		if cursor == "0" {
			break
		}
	}
	sort.Strings(keys)
	return keys
}

// parseArray flattens a [cursor, [keys...]] reply into cursor, keys...
func parseArray(t *testing.T, raw string) []string {
	t.Helper()
	var out []string
	lines := strings.Split(raw, "\r\n")
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "$") {
			out = append(out, lines[i+1])
			i++
		}
	}
	if len(out) == 0 {
		t.Fatalf("not a scan reply: %q", raw)
	}
	return out
}

// A full SCAN iteration returns the same keys as Redis, with every option.
func TestDiffScanIteration(t *testing.T) {
	keyspaceNeeds(t, "sadd", "hset")
	ember, redis := sharedServers(t)
	for _, srv := range []*proc{ember, redis} {
		c := dialRaw(t, srv.Addr)
		c.Do("FLUSHALL")
		for i := range 2000 {
			c.Do("SET", fmt.Sprintf("key:%d", i), "v")
		}
		for i := range 50 {
			c.Do("SADD", fmt.Sprintf("set:%d", i), "v")
			c.Do("HSET", fmt.Sprintf("hash:%d", i), "f", "v")
		}
	}
	e, r := dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
	for _, opts := range [][]string{
		nil, {"COUNT", "1"}, {"COUNT", "1000"}, {"MATCH", "key:1*"}, {"MATCH", "*:4?"}, {"TYPE", "set"},
		{"TYPE", "hash", "COUNT", "3"}, {"TYPE", "string", "MATCH", "key:19*"}, {"TYPE", "zset"}, {"MATCH", "nothing"},
	} {
		want, got := scanKeys(t, r, opts...), scanKeys(t, e, opts...)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			t.Errorf("SCAN %v: redis %d keys, ember %d keys", opts, len(want), len(got))
		}
	}
	// Each call returns about COUNT keys.
	reply, _ := e.Do("SCAN", "0", "COUNT", "100")
	if n := len(parseArray(t, reply)) - 1; n < 50 || n > 100 {
		t.Errorf("SCAN COUNT 100 returned %d keys", n)
	}
	e.Do("FLUSHALL")
	r.Do("FLUSHALL")
}

// KEYS patterns from the glob table, against the same keys on both servers.
func TestDiffKeysGlob(t *testing.T) {
	ember, redis := sharedServers(t)
	keys := []string{"", "a", "b", "c", "abc", "aXc", "-", "]", "[", "\\", "*", "?", "^", "!", "hello", "hallo", "hbllo",
		"\x80", "\xff", "\x01", "a\\", "ab", "aa", "z", "Z", "_", "abbc", "ac", "a[b", "[a", "e", "d", "abd", "\x00", "a\x00",
		"b!", "b-", "bb-", strings.Repeat("a", 300)}
	patterns := []string{"*", "?", "a*", "*a", "a?c", "[abc]", "[^abc]", "[a-c]", "[c-a]", "[a-]", "[-a]", "[]", "[", "[a",
		"a[", "[^]", "\\", "a\\", "\\*", "\\?", "\\[", "[\\]]", "[\\-]", "[a\\-z]", "**", "*?*", "a*b*c", "[[]", "[]]",
		"[]a]", "[!a]", "[^]a]", "[a-c-e]", "h[^e]llo", "*\\", "[\\", "[\x80-\xff]", "[\x01-\xff]", "\xff", "[^", "[a-",
		"\\a\\b\\c", "a*\\", "*[", "[*]", "[z-a]", "[A-z]", "[a-Z]", "???*", "*b*", "a*?", "*??c", "\x00", "[\x00-a]",
		"a*a*a*a*a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"}
	conns := []*rawConn{dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)}
	for _, c := range conns {
		c.Do("FLUSHALL")
		for _, k := range keys {
			c.Do("SET", k, "1")
		}
	}
	for _, p := range patterns {
		got, _ := conns[0].Do("KEYS", p)
		want, _ := conns[1].Do("KEYS", p)
		if sortedElements(got) != sortedElements(want) {
			t.Errorf("KEYS %s\n  redis: %q\n  ember: %q", strconv.Quote(p), want, got)
		}
	}
	for _, c := range conns {
		c.Do("FLUSHALL")
	}
}
