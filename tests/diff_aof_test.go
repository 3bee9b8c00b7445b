package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
)

// The differential harness for effects: each case runs on Ember and on
// redis-server 7, both with appendonly yes, and the commands each server
// appended to its AOF while running the case must be the same (absolute
// timestamps derived from the clock are normalised).
//
// A case line is a command, or one of:
//
//	sleep N     pause N milliseconds (let keys expire)
//	2> CMD      send CMD on a second connection without reading the reply
//	2<          read the second connection's pending reply
//
// Every case starts after FLUSHALL in database 0 with active expiry off.
type aofCase []string

// aofCases lists the scenarios. Every write command must appear in one
// (TestDiffAOFCoversWriteCommands checks).
var aofCases = []aofCase{
	// Strings.
	{"set", "SET k v", "SET k v NX", "SET k w XX", "SET k2 v NX"},
	{"set ex", "SET k v EX 100", "SET k v PX 100000", "SET k v EXAT 4102444800", "SET k v PXAT 4102444800000", "SET k v KEEPTTL"},
	{"set get", "SET k v", "SET k w GET", "SET k x GET EX 100", "SET k y NX GET", "SET k2 y XX GET"},
	{"set get repeated", "SET k v GET get", "SET k v XX get GET"},
	{"setnx setex psetex", "SETNX k v", "SETNX k w", "SETEX k2 100 v", "PSETEX k3 100000 v"},
	{"getset getdel", "SET k v", "GETSET k w", "GETSET nokey x", "GETDEL k", "GETDEL k"},
	{"getex", "SET k v", "GETEX k EX 100", "GETEX k PX 100000", "GETEX k EXAT 4102444800", "GETEX k PXAT 4102444800000", "GETEX k PERSIST", "GETEX k PERSIST", "GETEX k", "GETEX k EXAT 1", "GETEX k EX 10"},
	{"mset msetnx", "MSET a 1 b 2", "MSETNX c 3 d 4", "MSETNX a 1 e 5"},
	{"append setrange", "APPEND k ab", "APPEND k cd", "SETRANGE k 1 xyz", "SETRANGE k2 0 ''", "SETRANGE k3 2 x"},
	{"incr family", "INCR n", "DECR n", "INCRBY n 10", "DECRBY n 3", "INCR s", "SET s abc", "INCR s"},
	{"hyperloglog", "PFADD h a b c", "PFADD h a", "PFADD h", "PFADD e", "PFCOUNT h", "PFCOUNT h", "PFCOUNT h e", "PFADD h2 x y",
		"PFMERGE m h h2", "PFMERGE m", "PFDEBUG todense h2", "PFDEBUG todense h2", "PFDEBUG getreg m", "PFDEBUG encoding h", "SET s x", "PFADD s a"},
	{"geo", "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "GEOADD g NX CH 1 1 Palermo 2 2 x", "GEOADD g 200 1 bad",
		"GEORADIUS g 15 37 200 km STORE d", "GEORADIUS g 15 37 200 km STOREDIST d2 COUNT 1", "GEORADIUS g 15 37 1 m STORE d", "GEORADIUSBYMEMBER g Catania 300 km STORE d3",
		"GEORADIUSBYMEMBER nokey Catania 300 km STORE d3", "GEOSEARCHSTORE d4 g FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCHSTORE d4 g FROMLONLAT 15 37 BYRADIUS 1 m",
		"GEOSEARCHSTORE d5 nokey FROMLONLAT 15 37 BYRADIUS 1 m", "GEORADIUS_RO g 15 37 200 km", "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km"},
	{"incrbyfloat", "INCRBYFLOAT f 1.5", "INCRBYFLOAT f 2e2", "SET g 10 EX 100", "INCRBYFLOAT g 0.1"},
	{"bitmaps", "SETBIT b 7 1", "SETBIT b 7 1", "BITFIELD bf SET u8 0 200 INCRBY u8 0 100 GET u8 0", "BITFIELD bf GET u8 0", "SET x ab", "SET y cd", "BITOP AND z x y", "BITOP OR z nokey1 nokey2"},
	// Keyspace.
	{"del unlink", "SET a 1", "SET b 2", "DEL a nokey", "DEL nokey", "UNLINK b", "UNLINK b"},
	{"rename", "SET a 1", "RENAME a b", "RENAMENX b c", "SET d 1", "RENAMENX c d", "RENAME c c"},
	{"copy move", "SET a 1", "COPY a b", "COPY a b", "COPY a b REPLACE", "COPY a c DB 3", "MOVE a 2", "MOVE a 2", "SELECT 2", "SET x 1", "SELECT 0"},
	{"expire family", "SET k v", "EXPIRE k 100", "PEXPIRE k 100000", "EXPIREAT k 4102444800", "PEXPIREAT k 4102444800000", "EXPIRE k 200 NX", "EXPIRE k 200 GT", "PERSIST k", "PERSIST k", "EXPIRE nokey 10"},
	{"expire in the past", "SET a 1", "EXPIRE a -1", "SET b 1", "PEXPIREAT b 1", "SET c 1", "EXPIREAT c 100", "SET d 1", "PEXPIRE d 0"},
	{"flush swap", "SET a 1", "FLUSHDB", "FLUSHDB", "SELECT 1", "SET b 1", "SWAPDB 0 1", "FLUSHALL", "FLUSHALL", "SELECT 0"},
	{"select changes", "SET a 1", "SELECT 3", "SET b 1", "SET c 1", "SELECT 0", "GET a", "SET d 1"},
	// Lazy expiry: the DEL comes before the command's effect. A PEXPIRE
	// gives 20 ms: with 1 ms a loaded machine can let the millisecond pass
	// inside the command, and Redis then logs DEL instead of PEXPIREAT.
	{"lazy expire read", "SET k v PX 1", "sleep 10", "GET k", "SET j v"},
	{"lazy expire write", "SET k v PX 1", "sleep 10", "SET k w", "RPUSH l a", "PEXPIRE l 20", "sleep 50", "RPUSH l b"},
	{"lazy expire exists", "SET a 1 PX 1", "SET b 1 PX 1", "sleep 10", "EXISTS a b", "DEL a b"},
	{"lazy expire incr", "SET n 5 PX 1", "sleep 10", "INCR n"},
	{"lazy expire scan", "SET a 1 PX 1", "SET c 1", "sleep 10", "SCAN 0 COUNT 100", "SET d 1"},
	{"lazy expire randomkey", "SET a 1 PX 1", "sleep 10", "RANDOMKEY"},
	{"lazy expire other db", "SELECT 5", "SET a 1 PX 1", "sleep 10", "SELECT 0", "SET x 1", "SELECT 5", "GET a", "SELECT 0"},
	{"lazy expire lmove", "RPUSH s a", "PEXPIRE s 20", "RPUSH d x", "PEXPIRE d 20", "sleep 50", "RPUSH s b", "LMOVE s d LEFT LEFT"},
	// Lists.
	{"push pop", "RPUSH l a b c d e", "LPUSH l z", "LPUSHX l y", "RPUSHX l x", "LPUSHX nokey a", "LPOP l", "RPOP l", "LPOP l 2", "RPOP l 10", "LPOP l"},
	{"list edit", "RPUSH l a b c a", "LSET l 0 x", "LINSERT l BEFORE b y", "LINSERT l AFTER nope y", "LREM l 0 a", "LTRIM l 0 1", "LTRIM l 5 10"},
	{"lmove", "RPUSH s a b c", "LMOVE s d LEFT RIGHT", "RPOPLPUSH s d", "LMOVE s s RIGHT LEFT", "LMOVE nokey d LEFT LEFT"},
	{"lmpop", "RPUSH l a b c", "LMPOP 2 nokey l LEFT COUNT 2", "LMPOP 1 l RIGHT COUNT 5", "LMPOP 1 l LEFT"},
	{"blocking pops ready", "RPUSH l a b c d e f g", "BLPOP l 0", "BRPOP l 0", "BLMOVE l d LEFT RIGHT 0", "BRPOPLPUSH l d 0", "BLMPOP 0 1 l LEFT COUNT 2", "BLMPOP 0 1 l RIGHT"},
	{"blocking pops timeout", "BLPOP nokey 0.01", "BLMOVE nokey d LEFT RIGHT 0.01", "BLMPOP 0.01 1 nokey LEFT"},
	{"blpop served", "2> BLPOP l 5", "sleep 50", "RPUSH l a b", "2<"},
	{"blmove served", "2> BLMOVE l d RIGHT LEFT 5", "sleep 50", "RPUSH l a b", "2<"},
	{"brpoplpush served", "2> BRPOPLPUSH l d 5", "sleep 50", "LPUSH l a", "2<"},
	{"blmpop served", "2> BLMPOP 5 1 l LEFT COUNT 5", "sleep 50", "RPUSH l a b c", "2<"},
	{"blmpop served one", "2> BLMPOP 5 2 x l RIGHT", "sleep 50", "RPUSH l a b c", "2<"},
	// Hashes.
	{"hash", "HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 9", "HSETNX h d 4", "HDEL h a nope", "HDEL h nope", "HINCRBY h n 5", "HINCRBY h n -2"},
	{"hincrbyfloat", "HINCRBYFLOAT h f 1.5", "HINCRBYFLOAT h f 2.25", "HINCRBYFLOAT h f 1e3"},
	// Sets.
	{"set members", "SADD s a b c", "SADD s a", "SREM s a nope", "SREM s nope", "SMOVE s t b", "SMOVE s t nope"},
	{"set store", "SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE i a b", "SUNIONSTORE u a b", "SDIFFSTORE d a b", "SINTERSTORE i a nokey", "SDIFFSTORE e nokey"},
	{"spop single", "SADD s a", "SPOP s", "SPOP s", "SADD s a b", "SPOP s 0"},
	{"spop count all", "SADD s a b c", "SPOP s 5"},
	// Sorted sets.
	{"zadd", "ZADD z 1 a 2 b", "ZADD z XX CH 3 a", "ZADD z NX 5 c", "ZADD z INCR 1 a", "ZADD z GT 0 a", "ZINCRBY z 2 b", "ZREM z a nope", "ZREM z nope"},
	{"zremrange", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYSCORE z 1 2", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYLEX z [d [e", "ZREMRANGEBYSCORE z 100 200"},
	{"zpop", "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 2", "ZPOPMAX z 10", "ZPOPMIN z"},
	{"zmpop", "ZADD z 1 a 2 b 3 c", "ZMPOP 2 nokey z MIN COUNT 2", "ZMPOP 1 z MAX COUNT 5", "ZMPOP 1 z MIN"},
	{"bzpop ready", "ZADD z 1 a 2 b 3 c 4 d 5 e", "BZPOPMIN z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 2", "BZMPOP 0 1 z MAX"},
	{"bzpopmin served", "2> BZPOPMIN z 5", "sleep 50", "ZADD z 1 a 2 b", "2<"},
	{"bzmpop served", "2> BZMPOP 5 1 z MAX COUNT 5", "sleep 50", "ZADD z 1 a 2 b", "2<"},
	{"zstore", "ZADD a 1 x 2 y", "ZADD b 3 y 4 z", "ZUNIONSTORE u 2 a b", "ZINTERSTORE i 2 a b WEIGHTS 1 2", "ZDIFFSTORE d 2 a b", "ZRANGESTORE r a 0 -1", "ZINTERSTORE i 2 a nokey", "ZRANGESTORE r2 nokey 0 -1"},
	// DUMP/RESTORE (the string "v" as Redis 7.0 dumps it).
	{"restore", `RESTORE s 0 "\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce"`, `RESTORE s2 100000 "\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce"`,
		`RESTORE s3 4102444800000 "\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce" ABSTTL`, `RESTORE s 0 "\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce" REPLACE`,
		`RESTORE s 1 "\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce" REPLACE ABSTTL`},
	// SORT.
	{"sort store", "RPUSH l 3 1 2", "SORT l STORE dst", "SORT nokey STORE dst", "SORT l"},
	// Transactions.
	{"multi exec", "MULTI", "SET a 1", "INCR a", "GET a", "EXEC"},
	{"multi exec one write", "MULTI", "SET a 1", "GET a", "EXEC"},
	{"multi exec no write", "MULTI", "GET a", "EXEC"},
	{"multi exec select", "MULTI", "SET a 1", "SELECT 2", "SET b 1", "SELECT 0", "EXEC"},
	{"multi exec rewrites", "MULTI", "SET a 1 EX 100", "INCRBYFLOAT f 1", "RPUSH l x", "BLPOP l 0", "EXEC"},
	{"multi exec expired", "SET k v PX 1", "sleep 10", "MULTI", "GET k", "SET j 1", "EXEC"},
	{"discard", "MULTI", "SET a 1", "DISCARD", "SET b 1"},
}

func TestDiffAOF(t *testing.T) {
	needRedis(t)
	ember := startEmber(t, "--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes")
	redis := startRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes")
	for _, p := range []*proc{ember, redis} {
		c := dialRaw(t, p.Addr)
		if r, err := c.Do("DEBUG", "SET-ACTIVE-EXPIRE", "0"); err != nil || !strings.HasPrefix(r, "+OK") {
			t.Fatalf("DEBUG SET-ACTIVE-EXPIRE: %q %v", r, err)
		}
	}
	for _, tc := range aofCases {
		t.Run(tc[0], func(t *testing.T) {
			got := runAOFCase(t, ember, tc[1:])
			want := runAOFCase(t, redis, tc[1:])
			t.Logf("effects: %s", formatCommands(got))
			if !equalCommands(got, want) {
				t.Errorf("effects differ\n  redis: %s\n  ember: %s", formatCommands(want), formatCommands(got))
			}
		})
	}
}

// runAOFCase runs one case on p and returns the commands appended to its
// AOF meanwhile, normalised.
func runAOFCase(t *testing.T, p *proc, lines []string) [][]string {
	t.Helper()
	c := dialRaw(t, p.Addr)
	if _, err := c.Do("FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	incr := lastIncrFile(t, p.Dir)
	start := aofContentLen(t, incr)
	var c2 *rawConn
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "sleep "):
			ms, _ := strconv.Atoi(strings.TrimPrefix(line, "sleep "))
			time.Sleep(time.Duration(ms) * time.Millisecond)
		case strings.HasPrefix(line, "2> "):
			if c2 == nil {
				c2 = dialRaw(t, p.Addr)
			}
			if err := c2.Send(encode(splitCommand(line[3:])...)); err != nil {
				t.Fatal(err)
			}
		case line == "2<":
			if _, err := c2.ReadReply(); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := c.Do(splitCommand(line)...); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
		}
	}
	// appendfsync always: the effects are in the file before the replies.
	if incr != lastIncrFile(t, p.Dir) {
		t.Fatalf("the incr file changed during the case")
	}
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := parseAOFCommands(data[start:])
	if err != nil {
		t.Fatalf("parsing %s: %v", incr, err)
	}
	return normaliseCommands(cmds)
}

// lastIncrFile returns the path of the incr file named last in dir's
// manifest.
func lastIncrFile(t *testing.T, dir string) string {
	t.Helper()
	aofDir := filepath.Join(dir, "appendonlydir")
	data, err := os.ReadFile(filepath.Join(aofDir, "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && f[5] == "i" {
			last = f[1]
		}
	}
	if last == "" {
		t.Fatalf("no incr file in manifest:\n%s", data)
	}
	return filepath.Join(aofDir, last)
}

func fileLen(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// aofContentLen is the length of an incr file's commands: its size
// without the reserve Ember keeps past them under appendfsync always.
func aofContentLen(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := aof.PadStart(f, fileLen(path))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// parseAOFCommands splits AOF bytes into commands.
func parseAOFCommands(data []byte) ([][]string, error) {
	rd := bufio.NewReader(bytes.NewReader(data))
	var out [][]string
	for {
		line, err := rd.ReadString('\n')
		if err == io.EOF && line == "" {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "*") {
			return nil, fmt.Errorf("expected '*', got %q", line)
		}
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return nil, err
		}
		cmd := make([]string, n)
		for i := range cmd {
			hdr, err := rd.ReadString('\n')
			if err != nil {
				return nil, err
			}
			l, err := strconv.Atoi(strings.TrimSpace(hdr[1:]))
			if err != nil {
				return nil, err
			}
			buf := make([]byte, l+2)
			if _, err := io.ReadFull(rd, buf); err != nil {
				return nil, err
			}
			cmd[i] = string(buf[:l])
		}
		out = append(out, cmd)
	}
}

// normaliseCommands upper-cases command names and replaces timestamps near
// now (derived from the clock, so they differ by a few milliseconds between
// the servers) with a placeholder.
func normaliseCommands(cmds [][]string) [][]string {
	now := time.Now().UnixMilli()
	for _, c := range cmds {
		c[0] = strings.ToUpper(c[0])
		for i := 1; i < len(c); i++ {
			if v, err := strconv.ParseInt(c[i], 10, 64); err == nil && v > now-3600_000 && v < now+3600_000 {
				c[i] = "<now-ms>"
			}
		}
	}
	return cmds
}

func equalCommands(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func formatCommands(cmds [][]string) string {
	var parts []string
	for _, c := range cmds {
		parts = append(parts, strings.Join(c, " "))
	}
	return "[" + strings.Join(parts, " | ") + "]"
}

// TestDiffAOFCoversWriteCommands checks that every command Ember flags as a
// write appears in a case of TestDiffAOF.
func TestDiffAOFCoversWriteCommands(t *testing.T) {
	ember := startEmber(t)
	c := dialRaw(t, ember.Addr)
	reply, err := c.Do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "write")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, tc := range aofCases {
		for _, line := range tc[1:] {
			line = strings.TrimPrefix(line, "2> ")
			if f := strings.Fields(line); len(f) > 0 {
				used[strings.ToLower(f[0])] = true
			}
		}
	}
	for _, line := range strings.Split(reply, "\r\n") {
		if line == "" || line[0] == '*' || line[0] == '$' {
			continue
		}
		if !used[line] {
			t.Errorf("write command %q has no case in aofCases", line)
		}
	}
}

// TestDiffAOFActiveExpiry: keys removed by the active expiry cycle are
// logged as one DEL each, never wrapped in MULTI/EXEC, in their database.
func TestDiffAOFActiveExpiry(t *testing.T) {
	needRedis(t)
	ember := startEmber(t, "--appendonly", "yes", "--appendfsync", "always")
	redis := startRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	var results [2][]string
	for i, p := range []*proc{ember, redis} {
		c := dialRaw(t, p.Addr)
		c.Do("SELECT", "4")
		incr := lastIncrFile(t, p.Dir)
		start := aofContentLen(t, incr)
		for _, k := range []string{"a", "b", "c", "d", "e"} {
			c.Do("SET", k, "v", "PX", "30")
		}
		c.Do("SET", "keep", "v")
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if r, _ := c.Do("DBSIZE"); r == ":1\r\n" {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // the last DELs reach the file
		data, _ := os.ReadFile(incr)
		cmds, err := parseAOFCommands(data[start:])
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range normaliseCommands(cmds) {
			results[i] = append(results[i], strings.Join(c, " "))
		}
		sort.Strings(results[i])
	}
	if strings.Join(results[0], "|") != strings.Join(results[1], "|") {
		t.Fatalf("active expiry effects differ\n  redis: %v\n  ember: %v", results[1], results[0])
	}
}
