package tests

import (
	"strings"
	"testing"
	"time"
)

// Arguments at the edges of the integer range, compared with redis-server:
// every count, offset, index, increment and TTL a client controls, at and
// around ±2^63, must give Redis's reply (usually its error) and never a
// panic, a hang or an allocation proportional to the number.
//
// Cases never ask either server for something Redis itself would honour
// with a huge allocation (SETRANGE or SETBIT just under 512 MB): those are
// allowed, not hostile.

const (
	i64max   = "9223372036854775807"  // 2^63-1
	i64min   = "-9223372036854775808" // -2^63
	i64min1  = "-9223372036854775807" // -(2^63-1)
	over63   = "9223372036854775808"  // 2^63: not an int64
	under63  = "-9223372036854775809" // -2^63-1
	pow62    = "4611686018427387904"  // 2^62
	u64max   = "18446744073709551615" // 2^64-1
	u64over  = "18446744073709551616" // 2^64
	pow32    = "4294967296"           // 2^32 (bits in 512 MB)
	pow32m1  = "4294967295"
	strDumpV = "\"\\x00\\x01v\\n\\x00\\x91\\x08\\xce\\xb2\\x198\\x8a\\xce\"" // DUMP of the string "v"
)

// r expands the placeholders of a case line: MAX, MIN, MIN1, OVER, UNDER,
// P62, U64, U64O, P32, P32M1, DUMPV.
func r(line string) string {
	return strings.NewReplacer(
		"MIN1", i64min1, "MAX", i64max, "MIN", i64min, "OVER", over63, "UNDER", under63,
		"P62", pow62, "U64O", u64over, "U64", u64max, "P32M1", pow32m1, "P32", pow32, "DUMPV", strDumpV,
	).Replace(line)
}

func expand(cases []diffCase) []diffCase {
	out := make([]diffCase, len(cases))
	for i, dc := range cases {
		n := make(diffCase, len(dc))
		n[0] = dc[0]
		for j, l := range dc[1:] {
			n[j+1] = r(l)
		}
		out[i] = n
	}
	return out
}

var overflowCases = []diffCase{
	{"setrange", "SETRANGE k P62 x", "SETRANGE k MAX x", "SETRANGE k OVER x", "SETRANGE k -1 x", "SETRANGE k MIN x",
		"SETRANGE k 536870912 x", "SETRANGE k 536870911 xy", "SETRANGE k 536870911 \"\"", "EXISTS k",
		"SET k hello", "SETRANGE k P62 x", "SETRANGE k MAX \"\"", "SETRANGE k 536870912 \"\"", "SETRANGE k 536870910 xyz", "GET k"},
	{"getrange substr", "SET s hello",
		"GETRANGE s 0 MAX", "GETRANGE s MIN -1", "GETRANGE s MAX MIN", "GETRANGE s MIN1 MAX", "GETRANGE s MIN MIN", "GETRANGE s MAX MAX",
		"GETRANGE s OVER 1", "GETRANGE s 0 UNDER", "GETRANGE s -1 MIN", "GETRANGE nosuch MIN MAX",
		"SUBSTR s 0 MAX", "SUBSTR s MIN -1", "SUBSTR s MAX MIN", "SUBSTR s MIN1 MIN1", "SUBSTR s OVER 0"},
	{"lrange ltrim lindex", "RPUSH l a b c d",
		"LRANGE l MIN MAX", "LRANGE l MAX MIN", "LRANGE l MIN1 MIN1", "LRANGE l MAX MAX", "LRANGE l 0 MIN", "LRANGE l OVER 0", "LRANGE l 0 UNDER",
		"LINDEX l MIN", "LINDEX l MAX", "LINDEX l MIN1", "LINDEX l OVER",
		"LTRIM l MIN MAX", "LRANGE l 0 -1", "LTRIM l MIN1 MAX", "LTRIM l OVER 0", "LRANGE l 0 -1", "LTRIM l MAX MIN", "EXISTS l"},
	{"lset linsert", "RPUSH l a b c",
		"LSET l MAX x", "LSET l MIN x", "LSET l MIN1 x", "LSET l OVER x", "LSET l -4 x", "LSET l 3 x", "LSET nosuch MAX x",
		"LINSERT l BEFORE MAX x", "LINSERT l AFTER c MAX", "LINSERT l BEFORE a MIN", "LRANGE l 0 -1"},
	{"lpos extremes", "RPUSH l a b a c a",
		"LPOS l a COUNT MAX", "LPOS l a COUNT 0", "LPOS l a COUNT -1", "LPOS l a COUNT OVER",
		"LPOS l a RANK MAX", "LPOS l a RANK MIN", "LPOS l a RANK MIN1", "LPOS l a RANK MIN1 COUNT 0", "LPOS l a RANK 0",
		"LPOS l a MAXLEN MAX", "LPOS l a MAXLEN -1", "LPOS l a MAXLEN 0 COUNT MAX RANK MAX",
		"LPOS l a RANK -2 COUNT MAX MAXLEN MAX", "LPOS nosuch a COUNT MAX"},
	{"list counts", "RPUSH l a b c",
		"LPOP l MAX", "RPUSH l a b c", "RPOP l OVER", "RPOP l -1", "RPOP l MIN", "LREM l MAX a", "LREM l MIN b",
		"LMPOP 1 l LEFT COUNT MAX", "LMPOP MAX l LEFT", "LMPOP 1 l LEFT COUNT 0", "LMPOP 1 l LEFT COUNT OVER", "LMPOP P62 l RIGHT"},
	{"zrange indexes", "ZADD z 1 a 2 b 3 c",
		"ZRANGE z MIN MAX", "ZRANGE z MAX MIN", "ZRANGE z MIN1 MIN1 WITHSCORES", "ZRANGE z 0 MAX REV", "ZRANGE z OVER 0",
		"ZREVRANGE z MIN MAX", "ZRANGE z 0 -1 LIMIT 0 1", "ZREMRANGEBYRANK z MAX MIN", "ZCARD z"},
	{"zrange limit", "ZADD z 1 a 2 b 3 c",
		"ZRANGE z -inf +inf BYSCORE LIMIT MAX MAX", "ZRANGE z -inf +inf BYSCORE LIMIT MIN MIN", "ZRANGE z -inf +inf BYSCORE LIMIT 0 MIN",
		"ZRANGE z -inf +inf BYSCORE LIMIT 1 MAX", "ZRANGE z +inf -inf BYSCORE REV LIMIT MIN1 MAX", "ZRANGE z - + BYLEX LIMIT MAX 1",
		"ZRANGE z - + BYLEX LIMIT 0 MIN", "ZRANGE z - + BYLEX LIMIT OVER 1", "ZRANGEBYSCORE z -inf +inf LIMIT MAX MAX",
		"ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 MIN", "ZREVRANGEBYSCORE z +inf -inf LIMIT MIN1 1", "ZRANGEBYLEX z - + LIMIT 1 MAX",
		"ZREVRANGEBYLEX z + - LIMIT MAX MIN"},
	{"zrangestore limit", "ZADD z 1 a 2 b 3 c",
		"ZRANGESTORE d z MIN MAX", "ZRANGE d 0 -1", "ZRANGESTORE d z MAX MIN", "EXISTS d",
		"ZRANGESTORE d z -inf +inf BYSCORE LIMIT MAX MAX", "ZRANGESTORE d z -inf +inf BYSCORE LIMIT 1 MAX", "ZRANGE d 0 -1",
		"ZRANGESTORE d z -inf +inf BYSCORE LIMIT MIN MIN", "ZRANGESTORE d z - + BYLEX LIMIT 0 MIN", "ZRANGESTORE d z - + BYLEX LIMIT OVER 0",
		"ZRANGESTORE d z +inf -inf BYSCORE REV LIMIT MIN1 MIN1", "ZCARD d"},
	{"random counts", "SADD s a b c", "HSET h f1 v1 f2 v2", "ZADD z 1 a 2 b",
		"~SRANDMEMBER s MAX", "SRANDMEMBER s MIN", "SRANDMEMBER s OVER", "SRANDMEMBER nosuch MIN1", "SRANDMEMBER s 0",
		"~HRANDFIELD h MAX", "~HRANDFIELD h MAX WITHVALUES", "HRANDFIELD h MIN", "HRANDFIELD h -4611686018427387904 WITHVALUES",
		"HRANDFIELD h 4611686018427387904 WITHVALUES", "HRANDFIELD nosuch MIN1", "HRANDFIELD h OVER",
		"~ZRANDMEMBER z MAX", "~ZRANDMEMBER z MAX WITHSCORES", "ZRANDMEMBER z MIN", "ZRANDMEMBER z MIN1 WITHSCORES", "ZRANDMEMBER z -4611686018427387904 WITHSCORES",
		"ZRANDMEMBER nosuch MIN1", "~SPOP s MAX", "SPOP s -1", "SPOP s MIN", "~ZPOPMIN z MAX", "ZPOPMAX z -1", "ZPOPMIN z MIN",
		"ZMPOP 1 z MIN COUNT MAX", "ZADD z 1 a", "ZMPOP 1 z MIN COUNT MAX", "ZMPOP MAX z MIN"},
	{"incrby overflow", "SET n 1",
		"INCRBY n MAX", "INCRBY n OVER", "DECRBY n MIN", "DECRBY n 2", "INCRBY n MIN", "DECRBY n MIN1", "GET n",
		"SET n MAX", "INCR n", "DECRBY n -1", "SET n MIN", "DECR n", "INCRBY n -1", "INCRBY n MAX", "GET n", "SET n OVER", "INCR n",
		"HSET h f MAX", "HINCRBY h f 1", "HINCRBY h f MIN", "HINCRBY h f OVER", "HSET h g MIN", "HINCRBY h g -1", "HINCRBY h g MAX", "HGETALL h"},
	{"float increments", "SET f 1e308",
		"INCRBYFLOAT f 1e308", "INCRBYFLOAT f inf", "INCRBYFLOAT f -inf", "INCRBYFLOAT f nan", "INCRBYFLOAT f 1e309", "GET f",
		"SET g inf", "INCRBYFLOAT g 1", "INCRBYFLOAT nosuch inf", "EXISTS nosuch",
		"HSET h f 1e308", "HINCRBYFLOAT h f 1e308", "HINCRBYFLOAT h f inf", "HINCRBYFLOAT h f nan", "HINCRBYFLOAT h g -inf", "HGETALL h",
		"ZADD z 1e308 a", "ZINCRBY z 1e308 a", "ZSCORE z a", "ZINCRBY z -inf a", "ZINCRBY z nan a", "ZADD z INCR +inf a", "ZADD z INCR -inf a", "ZSCORE z a",
		"ZINCRBY z MAX b", "ZINCRBY z OVER b", "ZSCORE z b"},
	{"setbit getbit", "SETBIT b P32 1", "SETBIT b MAX 1", "SETBIT b -1 1", "SETBIT b OVER 0", "SETBIT b 7 2",
		"GETBIT b P32M1", "GETBIT b P32", "GETBIT b -1", "GETBIT b MAX", "EXISTS b",
		"SET b x", "GETBIT b P32M1", "BITCOUNT b 0 MAX", "BITCOUNT b MIN MAX", "BITCOUNT b MIN1 MIN1 BIT", "BITCOUNT b OVER 0",
		"BITPOS b 1 MIN MAX", "BITPOS b 0 MAX MIN", "BITPOS b 1 0 MAX BIT", "BITPOS b 0 OVER"},
	{"bitfield offsets", "BITFIELD b SET u8 P32 1", "BITFIELD b SET u8 #536870912 1", "BITFIELD b GET u8 #MAX", "BITFIELD b GET u8 #P62",
		"BITFIELD b GET u8 #-1", "BITFIELD b GET u8 -1", "BITFIELD b GET u8 MAX", "BITFIELD b GET u8 OVER", "BITFIELD b INCRBY u8 U64 1",
		"BITFIELD_RO b GET u8 P32M1", "BITFIELD_RO b GET u8 #536870911", "BITFIELD b GET i64 P32M1", "EXISTS b",
		"BITFIELD b GET u64 0", "BITFIELD b GET i65 0", "BITFIELD b GET i0 0", "BITFIELD b GET u63 0",
		"BITFIELD b INCRBY i64 0 MAX", "BITFIELD b INCRBY i64 0 1", "BITFIELD b OVERFLOW SAT INCRBY i64 0 MIN INCRBY i64 0 MIN",
		"BITFIELD b OVERFLOW FAIL INCRBY i64 0 MIN", "BITFIELD b OVERFLOW WRAP INCRBY u63 0 MAX INCRBY u63 0 MAX", "BITFIELD b SET i64 #1 MIN GET i64 #1",
		"BITFIELD b INCRBY i8 0 OVER", "BITFIELD b SET u8 0 U64O"},
	{"expire overflow", "SET k v",
		"EXPIRE k MAX", "EXPIRE k P62", "EXPIRE k 9223372036854775", "EXPIRE k 9223372036854776", "EXPIRE k MIN", "EXPIRE k OVER", "PEXPIRE k MAX",
		"PEXPIRE k MIN", "EXPIREAT k MAX", "EXPIREAT k MIN", "PEXPIREAT k MIN", "TTL k",
		"SET k v EX MAX", "SET k v PX MAX", "SET k v EX 9223372036854776", "SET k v EXAT MAX", "SET k v PXAT MAX", "SET k v EX MIN", "SET k v EX 0",
		"SETEX k MAX v", "PSETEX k MAX v", "SETEX k MIN v", "GETEX k EX MAX", "GETEX k PX MAX", "GETEX k EXAT MAX", "GETEX k PXAT MAX", "GET k",
		"PEXPIREAT k MAX", "PEXPIRETIME k", "EXPIRETIME k", "PEXPIREAT k MAX NX", "EXPIRE k 10 GT", "PEXPIRETIME k", "EXPIRE k MIN1 LT", "EXISTS k"},
	{"restore ttl", "RESTORE k MAX DUMPV", "PEXPIRETIME k", "DEL k", "RESTORE k MAX DUMPV ABSTTL", "PEXPIRETIME k",
		"RESTORE k2 MIN DUMPV", "RESTORE k2 -1 DUMPV", "RESTORE k2 OVER DUMPV", "RESTORE k2 0 DUMPV IDLETIME MAX", "RESTORE k2 0 DUMPV REPLACE IDLETIME -1",
		"RESTORE k2 0 DUMPV REPLACE FREQ 256", "RESTORE k2 0 DUMPV REPLACE FREQ MAX", "RESTORE k2 1 DUMPV REPLACE ABSTTL", "EXISTS k2",
		"RESTORE k3 P62 DUMPV", "EXISTS k3"},
	{"scan counts", "MSET a 1 b 2 c 3", "SADD s x y", "HSET h f v", "ZADD z 1 m",
		"SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT MIN", "SCAN 0 COUNT OVER", "!SCAN 0 COUNT MAX", "!SCAN U64 COUNT 10", "SCAN U64O",
		"!SCAN -1", "!SCAN MIN", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT MIN", "!SSCAN s 0 COUNT MAX", "HSCAN h 0 COUNT -1", "~HSCAN h 0 COUNT MAX",
		"ZSCAN z 0 COUNT 0", "~ZSCAN z 0 COUNT MAX", "SSCAN s U64O", "!SSCAN s -1"},
	{"sort limit", "RPUSH l 3 1 2",
		"SORT l LIMIT MAX MAX", "SORT l LIMIT MIN MIN", "SORT l LIMIT 0 MIN", "SORT l LIMIT MIN1 MAX", "SORT l LIMIT 1 MAX", "SORT l LIMIT OVER 1",
		"SORT_RO l LIMIT MAX 1", "SORT l LIMIT 0 MAX STORE d", "LRANGE d 0 -1"},
	{"object debug args", "SET k v",
		"OBJECT ENCODING nosuch", "OBJECT FREQ k", "OBJECT REFCOUNT k", "OBJECT HELP x", "OBJECT ENCODING k x", "OBJECT NOSUCH k",
		"DEBUG OBJECT nosuch", "DEBUG SET-ACTIVE-EXPIRE abc", "DEBUG SLEEP abc", "DEBUG POPULATE -1", "DEBUG POPULATE abc", "DEBUG POPULATE 0",
		"DEBUG POPULATE MIN", "DEBUG POPULATE 2 key MIN", "DBSIZE", "DEBUG NOSUCH"},
	{"misc counts", "RPUSH l a b",
		"SELECT MAX", "SELECT OVER", "SELECT -1", "SWAPDB 0 MAX", "MOVE l MAX", "COPY l m DB MAX", "OBJECT ENCODING m",
		"HSET h f v", "HSTRLEN h f", "ZADD z 1 a", "ZCOUNT z MIN MAX", "ZRANGEBYSCORE z OVER +inf", "ZADD z MAX b", "ZSCORE z b", "ZADD z 1e309 c",
		"SRANDMEMBER s MAX", "LINDEX l U64", "GETRANGE l 0 1"},
}

func TestDiffOverflow(t *testing.T) {
	ember, _ := sharedServers(t)
	before := rssKB(t, ember.pid())
	start := time.Now()
	runDiff(t, expand(overflowCases))
	after := rssKB(t, ember.pid())
	t.Logf("%d cases in %v; ember RSS %d KB before, %d KB after", len(overflowCases), time.Since(start).Round(time.Millisecond), before, after)
	if after-before > 64<<10 {
		rssOver(t, "RSS grew from %d KB to %d KB over the overflow cases", before, after)
	}
}

// Counts Redis would serve until it runs out of memory (random members
// with repetition: a negative count) get a bounded answer from Ember: an
// error, or the connection closed as past an output buffer limit. Either
// way the server stays small and answers others.
func TestOverflow_RandomCountMemory(t *testing.T) {
	p := startEmber(t)
	c := dialRaw(t, p.Addr)
	for _, cmd := range [][]string{{"SADD", "s", "member"}, {"HSET", "h", "field", "value"}, {"ZADD", "z", "1", "member"}} {
		if _, err := c.Do(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	before := rssKB(t, p.pid())
	for _, cmd := range []string{
		"SRANDMEMBER s MIN1", "SRANDMEMBER s -100000000", "SRANDMEMBER s -10000000",
		"HRANDFIELD h MIN1", "HRANDFIELD h -100000000", "HRANDFIELD h -4611686018427387903 WITHVALUES",
		"ZRANDMEMBER z MIN1", "ZRANDMEMBER z -100000000", "ZRANDMEMBER z -10000000", "ZRANDMEMBER z -4611686018427387903 WITHSCORES",
	} {
		start := time.Now()
		rc := dialRaw(t, p.Addr)
		reply, err := rc.Do(splitCommand(r(cmd))...)
		if err == nil && !strings.HasPrefix(reply, "-") {
			t.Errorf("%s: a reply of %d bytes, want an error or a closed connection", cmd, len(reply))
		}
		// Count-sized work took minutes; giving up at the reply limit takes
		// well under a second (the race detector slows it several times).
		limit := 5 * time.Second
		if raceBuild {
			limit = 30 * time.Second
		}
		if d := time.Since(start); d > limit {
			t.Errorf("%s took %v", cmd, d)
		}
		// A 64 MB reply, the most these commands build before giving up,
		// costs a few times that while its buffer grows; a count-sized
		// one cost over 1.7 GB.
		if grown := rssKB(t, p.pid()) - before; grown > 400<<10 {
			rssOver(t, "%s: RSS grew by %d MB", cmd, grown>>10)
		}
		assertAlive(t, p.Addr)
	}
	t.Logf("RSS %d KB before, %d KB after", before, rssKB(t, p.pid()))
}
