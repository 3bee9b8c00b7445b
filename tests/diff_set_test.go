package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// seq returns "prefix0 prefix1 ..." for n members starting at from.
func setSeq(prefix string, from, n int) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		if i > from {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s%d", prefix, i)
	}
	return b.String()
}

// setFlushFirst starts every case with FLUSHDB, so cases stay independent
// even on a server without FLUSHALL.
func setFlushFirst(cases []diffCase) []diffCase {
	out := make([]diffCase, len(cases))
	for i, dc := range cases {
		out[i] = append(diffCase{dc[0], "FLUSHDB"}, dc[1:]...)
	}
	return out
}

// setNeedCommands skips the test when Ember does not know one of the
// commands yet (they belong to other command families).
func setNeedCommands(t *testing.T, probes ...string) {
	t.Helper()
	ember, _ := sharedServers(t)
	c := dialRaw(t, ember.Addr)
	for _, p := range probes {
		reply, err := c.Do(splitCommand(p)...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(reply, "-ERR unknown command") || strings.HasPrefix(reply, "-ERR unknown subcommand") {
			t.Skipf("ember does not implement %q yet", p)
		}
	}
}

var setCases = []diffCase{
	// SADD, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS
	{"sadd intset", "SADD s 3 1 2 2 -5", "SCARD s", "SMEMBERS s", "SISMEMBER s 2", "SISMEMBER s 4", "SISMEMBER s 02", "SMISMEMBER s 1 4 -5 x"},
	{"sadd hashtable", "SADD s a b c a", "SADD s 1 d", "SCARD s", "~SMEMBERS s", "SISMEMBER s a", "SISMEMBER s 1", "SMISMEMBER s a z 1"},
	{"sadd integers out of range", "SADD s 9223372036854775807 -9223372036854775808", "SMEMBERS s", "SADD s 9223372036854775808", "~SMEMBERS s"},
	{"sadd non canonical integers", "SADD s 1 01 -0 +1 ' 1' 1.0 0", "~SMEMBERS s", "SCARD s", "SISMEMBER s 01", "SISMEMBER s 1"},
	{"sadd width upgrades", "SADD s 1 70000 -70000 5000000000 -5000000000 32767 -32768", "SMEMBERS s", "SREM s 5000000000 -5000000000", "SMEMBERS s"},
	{"sadd binary members", `SADD s "a\x00b" "" "\xff"`, "~SMEMBERS s", `SISMEMBER s "a\x00b"`, `SISMEMBER s ""`},
	{"sadd wrong type", "SET str v", "SADD str a", "SCARD str", "SISMEMBER str a", "SMISMEMBER str a", "SMEMBERS str"},
	{"set arity", "SADD s", "SREM s", "SCARD", "SCARD a b", "SISMEMBER s", "SMISMEMBER s", "SMEMBERS", "SPOP", "SRANDMEMBER", "SMOVE a b", "SINTER", "SINTERSTORE d", "SINTERCARD 1", "SUNION", "SUNIONSTORE d", "SDIFF", "SDIFFSTORE d", "SSCAN s"},
	{"missing key reads", "SCARD nokey", "SISMEMBER nokey a", "SMISMEMBER nokey a b", "SMEMBERS nokey", "EXISTS nokey"},

	// SREM
	{"srem intset", "SADD s 1 2 3", "SREM s 2 4 x", "SMEMBERS s", "SREM s 1 3", "EXISTS s", "SREM s 1"},
	{"srem hashtable", "SADD s a b c 1", "SREM s a 1 q", "~SMEMBERS s", "SREM s b c c", "EXISTS s"},
	{"srem stops at empty", "SADD s a", "SREM s a a b", "EXISTS s"},
	{"srem wrong type", "SET str v", "SREM str a", "SREM nokey a"},

	// SPOP
	{"spop single", "SADD s 5", "SPOP s", "EXISTS s", "SPOP s", "SPOP nokey"},
	{"spop random", "SADD s 1 2 3 a", "!SPOP s", "SCARD s"},
	{"spop count errors", "SADD s 1 2", "SPOP s -1", "SPOP s abc", "SPOP s 1.5", "SPOP s 1 2", "SPOP nokey -1", "SPOP nokey 2", "SPOP s 0", "SCARD s", "SET str v", "SPOP str", "SPOP str 1", "SPOP str -1", "SPOP str 0"},
	{"spop count whole intset", "SADD s 5 3 9 1", "SPOP s 4", "EXISTS s", "SADD s 5 3 9 1", "SPOP s 9223372036854775807", "EXISTS s"},
	{"spop count whole hashtable", "SADD s a b c 1", "~SPOP s 100", "EXISTS s"},
	{"spop count whole hashtable of integers", "SADD s a 3 1 2", "SREM s a", "SPOP s 3", "EXISTS s"},
	{"spop count part", "SADD s " + setSeq("", 0, 20), "!SPOP s 3", "SCARD s", "!SPOP s 15", "SCARD s", "SADD h " + setSeq("m", 0, 20), "!SPOP h 3", "!SPOP h 16", "SCARD h"},
	{"spop count 1", "SADD s a b", "!SPOP s 1", "SCARD s"},

	// SRANDMEMBER
	{"srandmember basics", "SADD s 7", "SRANDMEMBER s", "SRANDMEMBER nokey", "SRANDMEMBER nokey 5", "SRANDMEMBER nokey -5", "SRANDMEMBER s 0", "SRANDMEMBER nokey 0", "SRANDMEMBER s 1", "SRANDMEMBER s -3", "SRANDMEMBER s 3"},
	{"srandmember errors", "SADD s 1", "SRANDMEMBER s -9223372036854775808", "SRANDMEMBER s 9223372036854775808", "SRANDMEMBER s abc", "SRANDMEMBER s 1 2", "SRANDMEMBER nokey abc", "SET str v", "SRANDMEMBER str", "SRANDMEMBER str 0", "SRANDMEMBER str abc"},
	{"srandmember whole", "SADD s 5 1 3", "SRANDMEMBER s 3", "SRANDMEMBER s 9223372036854775807", "SADD h a b c", "~SRANDMEMBER h 10"},
	{"srandmember random", "SADD s " + setSeq("", 0, 30), "!SRANDMEMBER s", "!SRANDMEMBER s 5", "!SRANDMEMBER s 15", "!SRANDMEMBER s 29", "!SRANDMEMBER s -50", "SADD h " + setSeq("x", 0, 30), "!SRANDMEMBER h 5", "!SRANDMEMBER h 20", "!SRANDMEMBER h -100"},

	// SMOVE
	{"smove basics", "SADD a 1 2 x", "SADD b 3", "SMOVE a b 1", "SMEMBERS b", "SMOVE a b x", "~SMEMBERS b", "~SMEMBERS a", "SMOVE a b nope", "SMOVE a b 2", "EXISTS a", "SCARD b"},
	{"smove to new key", "SADD a 1 x", "SMOVE a n 1", "SMEMBERS n", "SMOVE a m x", "SMEMBERS m", "EXISTS a"},
	{"smove already in dst", "SADD a 1 2", "SADD b 1", "SMOVE a b 1", "SMEMBERS a", "SMEMBERS b"},
	{"smove same key", "SADD a 1 2", "SMOVE a a 1", "SMOVE a a 5", "SMEMBERS a", "SMOVE nokey nokey 1"},
	{"smove errors", "SET str v", "SADD a 1", "SMOVE nokey str 1", "SMOVE str a 1", "SMOVE a str 1", "SMOVE a str 2", "SMOVE str str 1", "SMEMBERS a"},

	// SINTER, SINTERCARD, SINTERSTORE
	{"sinter", "SADD a 1 2 3 4 5", "SADD b 2 3 4 9", "SADD c 4 3 x", "SINTER a b", "~SINTER a b c", "SINTER a", "SINTER a nokey", "SINTER nokey a", "SINTER a a b"},
	{"sinter hashtable", "SADD a x y z 1", "SADD b y z w 1", "~SINTER a b", "~SINTER b a", "SINTER a c"},
	{"sinter same integers different encodings", "SADD a 1 2 3", "SADD b 1 2 3 x", "SREM b x", "SINTER a b", "~SINTER b a"},
	{"sinter wrong type", "SET str v", "SADD a 1", "SINTER a str", "SINTER nokey str", "SINTER str nokey"},
	{"sintercard", "SADD a 1 2 3 4 5", "SADD b 2 3 4 5 6", "SINTERCARD 2 a b", "SINTERCARD 2 a b LIMIT 0", "SINTERCARD 2 a b LIMIT 2", "SINTERCARD 2 a b limit 10", "SINTERCARD 1 a", "SINTERCARD 2 a nokey", "SINTERCARD 1 nokey"},
	{"sintercard errors", "SADD a 1", "SET str v", "SINTERCARD 0 a", "SINTERCARD -1 a", "SINTERCARD x a", "SINTERCARD 3 a b", "SINTERCARD 1 a LIMIT", "SINTERCARD 1 a LIMIT -1", "SINTERCARD 1 a LIMIT x", "SINTERCARD 1 a FOO 1", "SINTERCARD 2 a str", "SINTERCARD 2 nokey str", "SINTERCARD 1 a LIMIT 1 LIMIT 0", "SINTERCARD 9223372036854775808 a"},
	{"sinterstore", "SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE d a b", "SMEMBERS d", "SINTERSTORE d a nokey", "EXISTS d", "SINTERSTORE d a nokey", "SADD x p q 1", "SADD y q p 2", "SINTERSTORE d x y", "~SMEMBERS d"},
	{"sinterstore dst is source", "SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE a a b", "SMEMBERS a", "SINTERSTORE b b", "SMEMBERS b"},
	{"sinterstore overwrites other types", "SET d v", "SADD a 1", "SINTERSTORE d a", "SMEMBERS d", "SET d v", "SINTERSTORE d a nokey", "EXISTS d"},
	{"sinterstore wrong type", "SET str v", "SADD a 1", "SADD d 5", "SINTERSTORE d a str", "SMEMBERS d", "SINTERSTORE d nokey str", "SMEMBERS d"},

	// SUNION, SUNIONSTORE
	{"sunion", "SADD a 5 1 2", "SADD b 2 3 1000000", "SUNION a b", "SUNION a nokey b", "SUNION nokey", "SADD c x", "~SUNION a c"},
	{"sunion wrong type", "SET str v", "SADD a 1", "SUNION a str", "SUNION nokey str", "SUNIONSTORE d a str", "EXISTS d"},
	{"sunionstore", "SADD a 5 1 2", "SADD b 2 3", "SUNIONSTORE d a b", "SMEMBERS d", "SUNIONSTORE d nokey", "EXISTS d", "SADD x p", "SUNIONSTORE x x a", "~SMEMBERS x", "SET str v", "SUNIONSTORE str a", "SMEMBERS str"},
	{"sunionstore hashtable of integers becomes intset", "SADD h a 3 1 2", "SREM h a", "SUNIONSTORE d h", "SMEMBERS d"},

	// SDIFF, SDIFFSTORE
	{"sdiff", "SADD a 1 2 3 4 5", "SADD b 2 3", "SADD c 5 x", "SDIFF a b", "SDIFF a b c", "SDIFF a nokey", "SDIFF nokey a", "SDIFF a a", "SDIFF a b a", "SDIFF b a", "SDIFF a"},
	{"sdiff algorithm two", "SADD a 1 2 3", "SADD b " + setSeq("", 0, 40), "SDIFF a b", "SADD big " + setSeq("", 0, 40), "SADD small 3 100", "SDIFF big small"},
	{"sdiff hashtable", "SADD a x y z 1 2", "SADD b y 2", "~SDIFF a b", "SADD c x z", "SDIFF a b c"},
	{"sdiff wrong type", "SET str v", "SADD a 1", "SDIFF a str", "SDIFF str a", "SDIFF nokey str", "SDIFFSTORE d a str"},
	{"sdiffstore", "SADD a 1 2 3", "SADD b 2", "SDIFFSTORE d a b", "SMEMBERS d", "SDIFFSTORE d b a", "EXISTS d", "SDIFFSTORE a a b", "SMEMBERS a", "SDIFFSTORE b b b", "EXISTS b"},

	// SSCAN
	{"sscan intset", "SADD s " + setSeq("", 0, 50), "SSCAN s 0", "SSCAN s 0 COUNT 1", "SSCAN s 0 MATCH 1*", "SSCAN s 0 match *5 count 1000", "SSCAN s 0 MATCH *", "SSCAN s 123"},
	{"sscan hashtable", "SADD s a b c", "!SSCAN s 0 COUNT 100", "SSCAN s 0 MATCH nomatch COUNT 100"},
	{"sscan missing and wrong type", "SSCAN nokey 0", "SSCAN nokey 0 COUNT 0", "SSCAN nokey x", "SET str v", "SSCAN str 0", "SSCAN str x", "SSCAN str 0 COUNT 0"},
	{"sscan cursor parsing", "SADD s 1", "SSCAN s -1", "SSCAN s +0", "SSCAN s ''", "SSCAN s ' 0'", "SSCAN s '0 '", "SSCAN s 18446744073709551615", "SSCAN s 18446744073709551616", "SSCAN s 0x10", "SSCAN s -", "SSCAN s 1.5"},
	{"sscan options", "SADD s 1 2", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT -1", "SSCAN s 0 COUNT x", "SSCAN s 0 COUNT", "SSCAN s 0 MATCH", "SSCAN s 0 TYPE set", "SSCAN s 0 FOO bar", "SSCAN s 0 COUNT 1 MATCH 1 COUNT 5", "SSCAN s 0 COUNT 9223372036854775807"},

	// RESP3 shapes
	{"resp3 shapes", "!HELLO 3", "SADD s 1 2 3", "SMEMBERS s", "SMEMBERS nokey", "SMISMEMBER s 1 9", "SINTER s s", "SINTER s nokey", "SUNION s nokey", "SDIFF s nokey", "SDIFF nokey s", "SSCAN s 0", "SSCAN nokey 0", "SPOP nokey", "SPOP nokey 2", "SPOP s 0", "SRANDMEMBER nokey", "SRANDMEMBER nokey 2", "SRANDMEMBER s 0", "SRANDMEMBER s 10", "!SRANDMEMBER s -2", "!SPOP s 2", "!SPOP s 5", "SINTERCARD 1 s"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"options end at nul", "SADD s 1 2 3", "SADD t 2 3", `SINTERCARD 2 s t "limit\x00" 1`, `SINTERCARD 2 s t "limit\x00x" 0`, `SINTERCARD 2 s t "limitx" 1`,
		`SSCAN s 0 "count\x00" 100 "match\x00" "*"`, `SSCAN s 0 "countx" 100`, `SSCAN s 0 "m\x00atch" "*"`},
}

func TestDiffSet(t *testing.T) { runDiff(t, setFlushFirst(setCases)) }

// Encodings and their thresholds need OBJECT and CONFIG.
var setEncodingCases = []diffCase{
	{"encoding intset", "SADD s 1 2 3", "OBJECT ENCODING s", "SADD s -9223372036854775808 9223372036854775807", "OBJECT ENCODING s"},
	{"encoding hashtable", "SADD s a", "OBJECT ENCODING s", "SADD t 1 a", "OBJECT ENCODING t", "SADD u 1", "SADD u 9223372036854775808", "OBJECT ENCODING u", "SADD v 1", "SADD v 01", "OBJECT ENCODING v", "SADD w -0", "OBJECT ENCODING w"},
	{"encoding threshold 512", "SADD s " + setSeq("", 0, 512), "OBJECT ENCODING s", "SADD s 0", "OBJECT ENCODING s", "SADD s 512", "OBJECT ENCODING s", "SCARD s"},
	{"encoding never converts back", "SADD s 1 a", "SREM s a", "OBJECT ENCODING s", "SMEMBERS s"},
	{"encoding config at run time", "CONFIG SET set-max-intset-entries 4", "SADD s 1 2 3 4", "OBJECT ENCODING s", "SADD s 5", "OBJECT ENCODING s", "CONFIG SET set-max-intset-entries 0", "SADD t 1", "OBJECT ENCODING t", "CONFIG SET set-max-intset-entries 512"},
	{"encoding of results", "SADD a 1 2 3 x", "SADD b 1 2 3 y", "SINTERSTORE d a b", "OBJECT ENCODING d", "SUNIONSTORE d a b", "OBJECT ENCODING d", "SDIFFSTORE d a b", "OBJECT ENCODING d", "SMEMBERS d"},
	{"encoding after smove", "SADD a x 1", "SADD b 2", "SMOVE a b 1", "OBJECT ENCODING b", "SMOVE a b x", "OBJECT ENCODING b", "SMOVE b n 2", "OBJECT ENCODING n"},
	{"encoding after spop rebuild", "SADD s a " + setSeq("", 0, 20), "SREM s a", "OBJECT ENCODING s", "!SPOP s 18", "OBJECT ENCODING s", "SADD t b " + setSeq("", 0, 20), "!SPOP t 2", "OBJECT ENCODING t"},
	{"encoding of results at the threshold", "CONFIG SET set-max-intset-entries 3", "SADD a 1 2", "SADD b 3 4", "SUNIONSTORE d a b", "OBJECT ENCODING d", "SUNIONSTORE d a", "OBJECT ENCODING d", "CONFIG SET set-max-intset-entries 512"},
}

func TestDiffSetEncoding(t *testing.T) {
	setNeedCommands(t, "OBJECT HELP", "CONFIG GET set-max-intset-entries")
	runDiff(t, setFlushFirst(setEncodingCases))
}

// runSetEventDiff runs each case on both servers while a second connection
// listens to every keyspace and keyevent notification, and compares the
// notifications (channel and payload, in order).
func runSetEventDiff(t *testing.T, cases []diffCase) {
	t.Helper()
	ember, redis := sharedServers(t)
	for _, dc := range cases {
		t.Run(dc.name(), func(t *testing.T) {
			var got [2][]string
			for i, addr := range []string{ember.Addr, redis.Addr} {
				c, sub := dialRaw(t, addr), dialRaw(t, addr)
				for _, cmd := range [][]string{{"FLUSHDB"}, {"CONFIG", "SET", "notify-keyspace-events", "KEA"}} {
					if _, err := c.Do(cmd...); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := sub.Do("PSUBSCRIBE", "*"); err != nil {
					t.Fatal(err)
				}
				for _, line := range dc.cmds() {
					if _, err := c.Do(splitCommand(line)...); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := c.Do("PUBLISH", "end-of-case", "x"); err != nil {
					t.Fatal(err)
				}
				for {
					msg, err := sub.ReadReply()
					if err != nil {
						t.Fatal(err)
					}
					if strings.Contains(msg, "end-of-case") {
						break
					}
					got[i] = append(got[i], msg)
				}
				c.Do("CONFIG", "SET", "notify-keyspace-events", "")
			}
			if strings.Join(got[0], "") != strings.Join(got[1], "") {
				t.Errorf("events differ\n  redis: %q\n  ember: %q", got[1], got[0])
			}
		})
	}
}

var setEventCases = []diffCase{
	{"sadd", "SADD s 1 2", "SADD s 2", "SADD s a"},
	{"srem", "SADD s 1 2 3", "SREM s 9", "SREM s 1", "SREM s 2 3"},
	{"spop", "SADD s 1", "SPOP s", "SPOP s", "SADD s 1 2 3 4 5 6", "SPOP s 0", "SPOP s 2", "SPOP s 10", "SPOP s 1"},
	{"smove", "SADD a 1 2", "SADD b 2", "SMOVE a b 9", "SMOVE a b 2", "SMOVE a b 1", "SADD a 5", "SMOVE a a 5", "SMOVE a c 5"},
	{"store commands", "SADD a 1 2", "SADD b 2 3", "SINTERSTORE d a b", "SUNIONSTORE d a b", "SDIFFSTORE d a b", "SINTERSTORE d a nokey", "SINTERSTORE d a nokey", "SDIFFSTORE a a", "SUNIONSTORE e nokey"},
	{"sort store", "SET d v", "SORT nokey STORE d", "SORT nokey STORE d"},
}

// TestDiffSetEvents compares keyspace notifications with Redis's (t_set.c).
func TestDiffSetEvents(t *testing.T) {
	setNeedCommands(t, "CONFIG GET notify-keyspace-events", "PUBLISH probe x")
	runSetEventDiff(t, setEventCases)
}

// TestSet_SScanGuarantee iterates a large set with go-redis's SSCAN while
// other members come and go between pages: every member present throughout
// must be returned, and no page exceeds COUNT.
func TestSet_SScanGuarantee(t *testing.T) {
	p := startEmber(t)
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: p.Addr, Protocol: 2})
	defer rdb.Close()
	stable := make([]any, 2000)
	for i := range stable {
		stable[i] = fmt.Sprintf("stable:%d", i)
	}
	if err := rdb.SAdd(ctx, "s", stable...).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		rdb.SAdd(ctx, "s", fmt.Sprintf("churn:%d", i))
	}
	seen := map[string]bool{}
	var cursor uint64
	for page := 0; ; page++ {
		keys, next, err := rdb.SScan(ctx, "s", cursor, "", 50).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 50 {
			t.Fatalf("page %d has %d members for COUNT 50", page, len(keys))
		}
		for _, k := range keys {
			seen[k] = true
		}
		if next == 0 {
			break
		}
		cursor = next
		rdb.SRem(ctx, "s", fmt.Sprintf("churn:%d", page), fmt.Sprintf("churn:%d", 1999-page))
		rdb.SAdd(ctx, "s", fmt.Sprintf("new:%d", page))
		if page > 1000 {
			t.Fatal("SSCAN does not finish")
		}
	}
	for _, m := range stable {
		if !seen[m.(string)] {
			t.Fatalf("%s never returned", m)
		}
	}
	// SPOP and SRANDMEMBER invariants through the client.
	members, err := rdb.SRandMemberN(ctx, "s", 100).Result()
	if err != nil || len(members) != 100 {
		t.Fatalf("SRANDMEMBER 100: %d, %v", len(members), err)
	}
	distinct := map[string]bool{}
	for _, m := range members {
		if distinct[m] {
			t.Fatalf("SRANDMEMBER returned %q twice", m)
		}
		distinct[m] = true
		if ok, _ := rdb.SIsMember(ctx, "s", m).Result(); !ok {
			t.Fatalf("SRANDMEMBER returned non-member %q", m)
		}
	}
	before := rdb.SCard(ctx, "s").Val()
	popped, err := rdb.SPopN(ctx, "s", 1000).Result()
	if err != nil || len(popped) != 1000 || rdb.SCard(ctx, "s").Val() != before-1000 {
		t.Fatalf("SPOP 1000: %d popped, %v, card %d of %d", len(popped), err, rdb.SCard(ctx, "s").Val(), before)
	}
	for _, m := range popped {
		if ok, _ := rdb.SIsMember(ctx, "s", m).Result(); ok {
			t.Fatalf("popped %q still a member", m)
		}
	}
}

// TestSet_SRandMemberHugeCount checks that a negative count with no
// practical end is cut off (the connection is closed, as Redis does past its
// output limit) instead of exhausting memory, and the server lives on.
func TestSet_SRandMemberHugeCount(t *testing.T) {
	p := startEmber(t, "--proto-max-bulk-len", "1mb")
	c := dialRaw(t, p.Addr)
	big := strings.Repeat("x", 64<<10)
	if _, err := c.Do("SADD", "s", big); err != nil {
		t.Fatal(err)
	}
	reply, err := c.Do("SRANDMEMBER", "s", "-9223372036854775807")
	if err == nil {
		t.Fatalf("connection stayed open, reply of %d bytes", len(reply))
	}
	c2 := dialRaw(t, p.Addr)
	if reply, err := c2.Do("SCARD", "s"); err != nil || reply != ":1\r\n" {
		t.Fatalf("after: %q, %v", reply, err)
	}
	if reply, _ := c2.Do("SPOP", "s", "9223372036854775807"); len(reply) < len(big) {
		t.Fatalf("SPOP huge count: %q", reply[:min(len(reply), 40)])
	}
}
