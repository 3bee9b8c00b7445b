package tests

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// zaddN builds "ZADD key score member ..." with n members named prefix<i>
// scored i*step (the listpack/skiplist threshold is 128 members by default).
func zaddN(key string, n int, prefix string, step float64) string {
	var b strings.Builder
	b.WriteString("ZADD " + key)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " %g %s%d", float64(i)*step, prefix, i)
	}
	return b.String()
}

// both runs the same command lines on a small (listpack) and a large
// (skiplist) sorted set: lines use the key name "{k}", replaced by "small"
// and "big".
func both(name string, lines ...string) []diffCase {
	setup := []string{
		"ZADD small 1 a 2 b 3 c 3 cc 4 d 5 e -1 neg 0 zero 1.5 half",
		zaddN("big", 150, "m", 0.5) + " 1 a 2 b 3 c 3 cc 4 d 5 e -1 neg 0 zero 1.5 half",
		"OBJECT ENCODING small",
		"OBJECT ENCODING big",
	}
	var out []diffCase
	for _, k := range []string{"small", "big"} {
		dc := diffCase{name + " (" + k + ")"}
		dc = append(dc, setup...)
		for _, l := range lines {
			dc = append(dc, strings.ReplaceAll(l, "{k}", k))
		}
		out = append(out, dc)
	}
	return out
}

var zsetCases = []diffCase{
	// ZADD and its options.
	{"zadd basic", "ZADD z 1 a", "ZADD z 2 b 3 c", "ZADD z 1 a", "ZADD z 5 a", "ZRANGE z 0 -1 WITHSCORES", "ZCARD z", "TYPE z", "OBJECT ENCODING z"},
	{"zadd syntax", "ZADD z", "ZADD z 1", "ZADD z 1 a 2", "ZADD z nx", "ZADD z nx 1", "ZADD z foo a", "ZADD z 1 a bar b", "EXISTS z"},
	{"zadd option conflicts", "ZADD z nx xx 1 a", "ZADD z gt lt 1 a", "ZADD z gt nx 1 a", "ZADD z lt nx 1 a", "ZADD z incr 1 a 2 b", "ZADD z nx xx gt 1 a", "ZADD z NX XX INCR 1 a 2 b", "EXISTS z"},
	{"zadd nx xx", "ZADD z xx 1 a", "EXISTS z", "ZADD z nx 1 a", "ZADD z nx 2 a 3 b", "ZADD z xx 5 a 6 c", "ZRANGE z 0 -1 WITHSCORES"},
	{"zadd gt lt", "ZADD z 5 a", "ZADD z gt 3 a", "ZADD z gt ch 7 a", "ZADD z lt ch 9 a", "ZADD z lt ch 1 a", "ZADD z gt 2 b", "ZADD z xx gt ch 10 a 10 b", "ZRANGE z 0 -1 WITHSCORES"},
	{"zadd ch", "ZADD z ch 1 a 2 b", "ZADD z ch 1 a 3 b 4 c", "ZADD z CH 1 a", "ZADD z ch nx 5 a 5 d"},
	{"zadd incr", "ZADD z incr 5 a", "ZADD z incr 2.5 a", "ZADD z incr -10 a", "ZADD z nx incr 1 a", "ZADD z xx incr 1 nosuch", "ZADD z gt incr -1 a", "ZADD z lt incr -1 a", "ZADD z incr inf a", "ZADD z incr -inf a", "ZSCORE z a"},
	{"zadd incr nan", "ZADD z inf a", "ZADD z incr -inf a", "ZINCRBY z -inf a", "ZSCORE z a", "ZADD z incr +inf a"},
	{"zadd scores", "ZADD z 1e300 a 1.5e-300 b -0 c +inf d -inf e 0x10 f 1E3 g .5 h 5. i +3 j 00012 k", "ZRANGE z 0 -1 WITHSCORES", "ZSCORE z c", "ZSCORE z f"},
	{"zadd bad scores", "ZADD z nan a", "ZADD z NaN a", "ZADD z 1e400 a", "ZADD z -1e400 a", "ZADD z 1e-400 a", `ZADD z " 1" a`, `ZADD z "1 " a`, `ZADD z "" a`, "ZADD z 1x a", "ZADD z 0x a", "ZADD z infinityx a", "ZADD z . a", "ZADD z 1e a", `ZADD z "1\x00" a`, "EXISTS z"},
	{"zadd tiny scores", "ZADD z 4.9e-324 a 3e-324 b", "ZADD z 2e-324 c", "ZRANGE z 0 -1 WITHSCORES", "ZADD z infinity i -INFINITY j", "ZRANGE z 0 -1 WITHSCORES"},
	{"zadd wrongtype", "SET s x", "ZADD s 1 a", "ZADD s xx 1 a", "ZINCRBY s 1 a", "ZADD s foo a"},
	{"zadd update order", "ZADD z 1 a 1 b 1 c", "ZADD z 0 c", "ZRANGE z 0 -1", "ZADD z 1 0", "ZRANGE z 0 -1 WITHSCORES", "ZADD z 1 -0 1 +0", "ZRANGE z 0 -1"},
	{"zadd binary members", `ZADD z 1 "a\x00b" 1 "a" 1 "a\x00" 1 "\xff" 1 ""`, "ZRANGE z 0 -1", `ZSCORE z "a\x00b"`, `ZRANK z ""`},

	// ZINCRBY.
	{"zincrby", "ZINCRBY z 1 a", "ZINCRBY z 2.5 a", "ZINCRBY z -3.5 a", "ZINCRBY z foo a", "ZINCRBY z nx a", "ZINCRBY z 1e400 a", "ZINCRBY z 1", "ZRANGE z 0 -1 WITHSCORES"},
	{"zincrby precision", "ZINCRBY z 0.1 a", "ZINCRBY z 0.2 a", "ZSCORE z a", "ZINCRBY z 1e17 b", "ZINCRBY z 1 b", "ZSCORE z b"},

	// ZREM.
	{"zrem", "ZADD z 1 a 2 b 3 c", "ZREM z a x", "ZREM z x", "ZREM z b c d", "EXISTS z", "ZREM z a", "ZREM", "ZREM z"},
	{"zrem wrongtype", "SET s x", "ZREM s a"},

	// ZCARD, ZSCORE, ZMSCORE.
	{"zcard", "ZCARD z", "ZADD z 1 a 2 b", "ZCARD z", "SET s x", "ZCARD s", "ZCARD"},
	{"zscore", "ZSCORE z a", "ZADD z 1.5 a 1e17 b -0.1 c", "ZSCORE z a", "ZSCORE z b", "ZSCORE z c", "ZSCORE z x", "SET s x", "ZSCORE s a"},
	{"zmscore", "ZMSCORE z a b", "ZADD z 1 a 2 b", "ZMSCORE z a x b", "ZMSCORE z", "SET s x", "ZMSCORE s a"},

	// ZRANK, ZREVRANK.
	{"zrank", "ZRANK z a", "ZADD z 1 a 2 b 3 c", "ZRANK z a", "ZRANK z c", "ZREVRANK z a", "ZREVRANK z c", "ZRANK z x", "ZREVRANK z x", "SET s x", "ZRANK s a", "ZREVRANK s a"},

	// ZCOUNT, ZLEXCOUNT.
	{"zcount", "ZCOUNT z 0 10", "ZADD z 1 a 2 b 3 c 4 d", "ZCOUNT z 2 3", "ZCOUNT z (2 3", "ZCOUNT z (2 (3", "ZCOUNT z -inf +inf", "ZCOUNT z 3 2", "ZCOUNT z (3 3", "ZCOUNT z 5 10", "ZCOUNT z -10 0"},
	{"zcount bad ranges", "ZADD z 1 a", "ZCOUNT z a 1", "ZCOUNT z 1 nan", "ZCOUNT z (nan 1", `ZCOUNT z "" 10`, `ZCOUNT z "(" 10`, `ZCOUNT z " 1" 10`, `ZCOUNT z "1 " 10`, "ZCOUNT z 1e400 inf", "ZCOUNT z -1e400 0x10", "ZCOUNT z ((1 2", `ZCOUNT z "1\x00x" 2`, "SET s x", "ZCOUNT s 0 1", "ZCOUNT s x 1"},
	{"zlexcount", "ZLEXCOUNT z - +", "ZADD z 0 a 0 b 0 c 0 d", "ZLEXCOUNT z - +", "ZLEXCOUNT z [b [c", "ZLEXCOUNT z (b [c", "ZLEXCOUNT z (b (c", "ZLEXCOUNT z [c [b", "ZLEXCOUNT z + -", "ZLEXCOUNT z - -", "ZLEXCOUNT z + +", "ZLEXCOUNT z [a +", "ZLEXCOUNT z ( +", "ZLEXCOUNT z [ +"},
	{"zlexcount bad ranges", "ZADD z 0 a", "ZLEXCOUNT z a b", "ZLEXCOUNT z [a b", "ZLEXCOUNT z -a +", "ZLEXCOUNT z - +b", `ZLEXCOUNT z "" +`, "ZLEXCOUNT z 1 2", `ZLEXCOUNT z "-\x00x" +`, "SET s x", "ZLEXCOUNT s - +", "ZLEXCOUNT s x +"},

	// ZRANGE by rank.
	{"zrange rank", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGE z 0 -1", "ZRANGE z 1 2", "ZRANGE z -2 -1", "ZRANGE z 2 1", "ZRANGE z 5 10", "ZRANGE z -100 100", "ZRANGE z 0 0 WITHSCORES", "ZRANGE z 0 -1 REV", "ZRANGE z 0 1 REV WITHSCORES", "ZRANGE z -9223372036854775808 9223372036854775807", "ZRANGE nosuch 0 -1"},
	{"zrange errors", "ZADD z 1 a", "ZRANGE z a 1", "ZRANGE z 0 1 LIMIT 0 1", "ZRANGE z 0 1 LIMIT 0 -1", "ZRANGE z 0 1 LIMIT", "ZRANGE z 0 1 LIMIT 0", "ZRANGE z 0 1 LIMIT x 1", "ZRANGE z 0 1 FOO", "ZRANGE z 0 1 REV REV", "ZRANGE z 0 1 BYSCORE BYLEX", "ZRANGE z [a [b BYLEX WITHSCORES", "ZRANGE z 0 1 BYSCORE BYSCORE", "ZRANGE z", "SET s x", "ZRANGE s 0 1", "ZRANGE s x 1", "ZRANGE s 0 1 FOO"},
	{"zrange byscore", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGE z 2 4 BYSCORE", "ZRANGE z (2 (4 BYSCORE WITHSCORES", "ZRANGE z 4 2 BYSCORE REV", "ZRANGE z -inf +inf BYSCORE LIMIT 1 2", "ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES", "ZRANGE z 0 10 BYSCORE LIMIT 0 0", "ZRANGE z 0 10 BYSCORE LIMIT 0 -5", "ZRANGE z 0 10 BYSCORE LIMIT -1 5", "ZRANGE z 0 10 BYSCORE LIMIT 5 5", "ZRANGE z 0 10 BYSCORE LIMIT 4 9223372036854775807", "ZRANGE z a b BYSCORE"},
	{"zrange bylex", "ZADD z 0 a 0 b 0 c 0 d 0 e", "ZRANGE z [b [d BYLEX", "ZRANGE z (b (d BYLEX", "ZRANGE z [d [b BYLEX REV", "ZRANGE z - + BYLEX LIMIT 1 2", "ZRANGE z + - BYLEX REV LIMIT 1 2", "ZRANGE z - + BYLEX LIMIT -1 2", "ZRANGE z - + BYLEX LIMIT 10 2", "ZRANGE z - + BYLEX LIMIT 1 -1", "ZRANGE z a b BYLEX"},
	{"zrangebyscore", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGEBYSCORE z 2 4", "ZRANGEBYSCORE z 2 4 WITHSCORES", "ZRANGEBYSCORE z -inf inf LIMIT 1 1", "ZRANGEBYSCORE z 2 4 REV", "ZRANGEBYSCORE z 2 4 BYSCORE", "ZRANGEBYSCORE z 2 4 LIMIT 1", "ZRANGEBYSCORE z x 4", "ZRANGEBYSCORE nosuch 0 1", "ZRANGEBYSCORE z 2 4 WITHSCORES WITHSCORES"},
	{"zrevrangebyscore", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREVRANGEBYSCORE z 4 2", "ZREVRANGEBYSCORE z 2 4", "ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 3", "ZREVRANGEBYSCORE z (4 (2", "ZREVRANGEBYSCORE z 4 x"},
	{"zrangebylex", "ZADD z 0 a 0 b 0 c 0 d", "ZRANGEBYLEX z - +", "ZRANGEBYLEX z [b +", "ZRANGEBYLEX z - + LIMIT 1 2", "ZRANGEBYLEX z - + WITHSCORES", "ZRANGEBYLEX z a +", "ZRANGEBYLEX z - + REV", "ZREVRANGEBYLEX z + -", "ZREVRANGEBYLEX z [c (a", "ZREVRANGEBYLEX z + - LIMIT 0 1", "ZREVRANGEBYLEX z - +"},
	{"zrevrange", "ZADD z 1 a 2 b 3 c", "ZREVRANGE z 0 -1", "ZREVRANGE z 0 0 WITHSCORES", "ZREVRANGE z 0 -1 REV", "ZREVRANGE z 0 -1 BYSCORE", "ZREVRANGE z 0 -1 LIMIT 0 1", "ZREVRANGE z x 1", "ZREVRANGE nosuch 0 1"},
	{"zrange lex mixed scores", "ZADD z 1 b 0 a 2 c", "ZRANGEBYLEX z - +", "ZRANGEBYLEX z [b [c", "ZLEXCOUNT z - +"},

	// ZRANGESTORE.
	{"zrangestore", "ZADD z 1 a 2 b 3 c 4 d", "ZRANGESTORE dst z 0 1", "ZRANGE dst 0 -1 WITHSCORES", "ZRANGESTORE dst z 2 4 BYSCORE REV", "ZRANGE dst 0 -1 WITHSCORES", "ZRANGESTORE dst z [b [c BYLEX", "ZRANGE dst 0 -1", "ZRANGESTORE dst z 5 10", "EXISTS dst", "ZRANGESTORE dst nosuch 0 -1", "OBJECT ENCODING dst"},
	{"zrangestore errors", "ZADD z 1 a", "ZRANGESTORE dst z 0 -1 WITHSCORES", "ZRANGESTORE dst z 0 -1 LIMIT 0 1", "ZRANGESTORE dst z", "SET s x", "ZRANGESTORE dst s 0 -1", "ZRANGESTORE s z 0 -1", "TYPE s", "ZRANGESTORE z z 0 0 REV", "ZRANGE z 0 -1"},
	{"zrangestore rev", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGESTORE d z 5 0 BYSCORE REV LIMIT 0 2", "ZRANGE d 0 -1 WITHSCORES", "ZRANGESTORE d z 0 2 REV", "ZRANGE d 0 -1 WITHSCORES", "ZRANGESTORE d z [e [b BYLEX REV", "ZRANGE d 0 -1", "ZADD m 3 a 1 b 2 c", "ZRANGESTORE d m - + BYLEX", "ZRANGE d 0 -1 WITHSCORES"},
	{"zrangestore self", "ZADD z 1 a 2 b 3 c", "ZRANGESTORE z z 1 -1", "ZRANGE z 0 -1 WITHSCORES", "ZRANGESTORE z z 10 20", "EXISTS z"},
	{"zrangestore encoding", zaddN("z", 200, "m", 1), "ZRANGESTORE d1 z 0 127", "OBJECT ENCODING d1", "ZRANGESTORE d2 z 0 128", "OBJECT ENCODING d2", "ZRANGESTORE d3 z 0 200 BYSCORE", "OBJECT ENCODING d3", "ZRANGESTORE d4 z 0 10 BYSCORE", "OBJECT ENCODING d4", "ZADD long 1 " + strings.Repeat("x", 65) + " 2 a", "ZRANGESTORE d5 long 0 -1", "OBJECT ENCODING d5", "ZRANGESTORE d6 long 1 1", "OBJECT ENCODING d6"},

	// ZREMRANGEBY*.
	{"zremrangebyrank", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYRANK z 1 2", "ZRANGE z 0 -1", "ZREMRANGEBYRANK z -1 -1", "ZREMRANGEBYRANK z 5 10", "ZREMRANGEBYRANK z 2 1", "ZREMRANGEBYRANK z 0 -1", "EXISTS z", "ZREMRANGEBYRANK z 0 -1", "ZREMRANGEBYRANK z a 1", "SET s x", "ZREMRANGEBYRANK s 0 1"},
	{"zremrangebyscore", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYSCORE z (1 3", "ZRANGE z 0 -1", "ZREMRANGEBYSCORE z 10 20", "ZREMRANGEBYSCORE z x 1", "ZREMRANGEBYSCORE z -inf +inf", "EXISTS z", "SET s x", "ZREMRANGEBYSCORE s 0 1", "ZREMRANGEBYSCORE s x 1"},
	{"zremrangebylex", "ZADD z 0 a 0 b 0 c 0 d", "ZREMRANGEBYLEX z (a [c", "ZRANGE z 0 -1", "ZREMRANGEBYLEX z x +", "ZREMRANGEBYLEX z - +", "EXISTS z", "ZREMRANGEBYLEX z - +"},

	// ZPOPMIN, ZPOPMAX, ZMPOP.
	{"zpopmin", "ZPOPMIN z", "ZADD z 1 a 2 b 3 c", "ZPOPMIN z", "ZPOPMIN z 0", "ZPOPMIN z 1", "ZPOPMIN z 10", "EXISTS z", "ZPOPMIN z 10", "ZPOPMIN z -1", "ZPOPMIN z x", "ZPOPMIN z 1 2", "SET s x", "ZPOPMIN s", "ZPOPMIN s 0"},
	{"zpopmax", "ZADD z 1 a 2 b 3 c", "ZPOPMAX z", "ZPOPMAX z 5", "ZPOPMAX z", "ZPOPMAX z 9223372036854775807", "ZADD z 1 a", "ZPOPMAX z 9223372036854775807"},
	{"zpop resp3", "!HELLO 3", "ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMIN z 1", "ZPOPMAX z 2", "ZPOPMIN z 0", "ZPOPMIN nosuch", "ZPOPMIN nosuch 2"},
	{"zmpop", "ZADD z1 1 a 2 b 3 c", "ZADD z2 5 x", "ZMPOP 1 z1 MIN", "ZMPOP 2 nosuch z1 MAX COUNT 5", "ZMPOP 2 z1 z2 min count 1", "ZMPOP 1 nosuch MIN", "EXISTS z1 z2", "ZMPOP 2 z1 z2 MAX"},
	{"zmpop errors", "ZADD z 1 a", "ZMPOP 0 z MIN", "ZMPOP -1 z MIN", "ZMPOP x z MIN", "ZMPOP 1 z", "ZMPOP 2 z MIN", "ZMPOP 1 z FOO", "ZMPOP 1 z MIN COUNT", "ZMPOP 1 z MIN COUNT 0", "ZMPOP 1 z MIN COUNT -1", "ZMPOP 1 z MIN COUNT x", "ZMPOP 1 z MIN COUNT 1 COUNT 1", "ZMPOP 1 z MIN FOO", "ZMPOP 9223372036854775807 z MIN", "SET s x", "ZMPOP 2 s z MIN", "ZMPOP 2 nosuch s MIN", "ZMPOP 2 z s MIN"},
	{"zmpop resp3", "!HELLO 3", "ZADD z 1 a 2 b", "ZMPOP 1 z MAX COUNT 10", "ZMPOP 1 z MAX"},

	// ZRANDMEMBER.
	{"zrandmember", "ZRANDMEMBER z", "ZRANDMEMBER z 5", "ZRANDMEMBER z -5 WITHSCORES", "ZADD z 1 a", "ZRANDMEMBER z", "ZRANDMEMBER z 1", "ZRANDMEMBER z -3", "ZRANDMEMBER z -2 WITHSCORES", "ZRANDMEMBER z 0", "ZRANDMEMBER z 10 WITHSCORES"},
	{"zrandmember whole set", "ZADD z 1 a 2 b 3 c", "ZRANDMEMBER z 3", "ZRANDMEMBER z 100 WITHSCORES", "!ZRANDMEMBER z 2", "!ZRANDMEMBER z -10", "!ZRANDMEMBER z -10 WITHSCORES", "!ZRANDMEMBER z", "!HELLO 3", "ZRANDMEMBER z 3 WITHSCORES", "!ZRANDMEMBER z -4 WITHSCORES"},
	{"zrandmember big", zaddN("z", 300, "m", 1), "!ZRANDMEMBER z 10", "!ZRANDMEMBER z 150", "!ZRANDMEMBER z -20 WITHSCORES", "ZRANDMEMBER z 300 WITHSCORES", "~ZRANDMEMBER z 1000"},
	{"zrandmember errors", "ZADD z 1 a", "ZRANDMEMBER z x", "ZRANDMEMBER z 1 foo", "ZRANDMEMBER z 1 WITHSCORES x", "ZRANDMEMBER z -9223372036854775808", "ZRANDMEMBER z -9223372036854775808 WITHSCORES", "ZRANDMEMBER z -9223372036854770000 WITHSCORES", "ZRANDMEMBER z 9223372036854770000 WITHSCORES", "ZRANDMEMBER z 9223372036854775807", "ZRANDMEMBER nosuch 9223372036854775807 WITHSCORES", "SET s x", "ZRANDMEMBER s", "ZRANDMEMBER s 1", "ZRANDMEMBER s 0"},

	// ZUNION, ZINTER, ZDIFF and the STORE forms.
	{"zunion", "ZADD a 1 x 2 y 3 z", "ZADD b 4 y 5 w", "ZUNION 2 a b", "ZUNION 2 a b WITHSCORES", "ZUNION 2 a b WEIGHTS 2 3 WITHSCORES", "ZUNION 2 a b AGGREGATE MIN WITHSCORES", "ZUNION 2 a b AGGREGATE MAX WITHSCORES", "ZUNION 3 a b nosuch WITHSCORES", "ZUNION 1 nosuch", "ZUNION 2 a a WITHSCORES"},
	{"zinter", "ZADD a 1 x 2 y 3 z", "ZADD b 4 y 5 z 6 w", "ZINTER 2 a b", "ZINTER 2 a b WITHSCORES", "ZINTER 2 a b WEIGHTS 1 -1 WITHSCORES", "ZINTER 2 a b AGGREGATE MAX WITHSCORES", "ZINTER 2 a nosuch", "ZINTER 2 a a WITHSCORES", "ZINTER 1 a WEIGHTS 0 WITHSCORES"},
	{"zdiff", "ZADD a 1 x 2 y 3 z", "ZADD b 4 y", "ZDIFF 2 a b", "ZDIFF 2 a b WITHSCORES", "ZDIFF 2 a a", "ZDIFF 2 nosuch a", "ZDIFF 1 a WITHSCORES", "ZDIFF 2 a nosuch", "ZDIFF 2 a b WEIGHTS 1 1", "ZDIFF 2 a b AGGREGATE MIN"},
	{"zset ops inf and nan", "ZADD a inf x -inf y 1 z", "ZADD b -inf x inf y", "ZUNION 2 a b WITHSCORES", "ZINTER 2 a b WITHSCORES", "ZUNION 2 a b WEIGHTS 0 1 WITHSCORES", "ZINTER 2 a b WEIGHTS 0 0 WITHSCORES", "ZINTER 2 a b WEIGHTS 0 1 AGGREGATE MIN WITHSCORES", "ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MAX WITHSCORES", "ZUNION 2 a b AGGREGATE MIN WITHSCORES"},
	{"zset ops errors", "ZADD a 1 x", "ZUNION 0 a", "ZUNION -1 a", "ZUNION x a", "ZUNION 2 a", "ZUNION 1 a WEIGHTS", "ZUNION 1 a WEIGHTS x", "ZUNION 1 a WEIGHTS 1 2", "ZUNION 1 a AGGREGATE", "ZUNION 1 a AGGREGATE avg", "ZUNION 1 a FOO", "ZUNIONSTORE d 1 a WITHSCORES", "ZINTERSTORE d 0 a", "ZDIFFSTORE d 0 a", "ZINTER 0 a", "ZDIFF 0 a", "ZUNION 1 a WEIGHTS nan", "ZUNION 2 a nosuch WEIGHTS 1 inf WITHSCORES"},
	{"zset ops with sets", "ZADD z 1 a 2 b 3 c", "SADD s a c d", "SADD i 1 2 3", "ZADD zi 5 1 6 4", "ZUNION 2 z s WITHSCORES", "ZINTER 2 z s WITHSCORES", "ZINTER 2 z s WEIGHTS 2 10 WITHSCORES", "ZDIFF 2 z s WITHSCORES", "ZDIFF 2 s z WITHSCORES", "ZUNION 3 i zi s AGGREGATE MAX WITHSCORES", "ZINTER 2 i zi WITHSCORES", "ZINTERCARD 2 s z", "ZUNIONSTORE d 2 s i", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d", "ZINTERSTORE d 2 s s", "ZRANGE d 0 -1 WITHSCORES", "ZDIFFSTORE d 2 s s", "EXISTS d", "ZUNION 1 s"},
	{"zset ops wrongtype", "ZADD a 1 x", "SET s x", "ZUNION 2 a s", "ZUNION 2 s a", "ZINTER 2 nosuch s", "ZDIFF 2 a s", "ZUNION 2 a s FOO", "ZUNIONSTORE d 2 a s", "ZINTERCARD 2 a s", "ZUNIONSTORE s 1 a", "TYPE s"},
	{"zunionstore", "ZADD a 1 x 2 y", "ZADD b 3 y 4 z", "ZUNIONSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZUNIONSTORE d 2 a b WEIGHTS 1 2 AGGREGATE MAX", "ZRANGE d 0 -1 WITHSCORES", "ZUNIONSTORE d 1 nosuch", "EXISTS d", "ZUNIONSTORE a 2 a b", "ZRANGE a 0 -1 WITHSCORES", "OBJECT ENCODING a"},
	{"zinterstore", "ZADD a 1 x 2 y", "ZADD b 3 y 4 z", "ZINTERSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a nosuch", "EXISTS d", "ZINTERSTORE d 2 a b AGGREGATE MIN", "ZRANGE d 0 -1 WITHSCORES"},
	{"zdiffstore", "ZADD a 1 x 2 y", "ZADD b 3 y 4 z", "ZDIFFSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZDIFFSTORE d 2 a a", "EXISTS d", "ZDIFFSTORE d 1 a WEIGHTS 1"},
	{"zstore encodings", zaddN("big", 200, "m", 1), zaddN("small", 50, "m", 1), "ZUNIONSTORE d 1 small", "OBJECT ENCODING d", "ZUNIONSTORE d 1 big", "OBJECT ENCODING d", "ZINTERSTORE d 2 big small", "OBJECT ENCODING d", "ZDIFFSTORE d 2 big small", "OBJECT ENCODING d", "ZCARD d", "ZDIFFSTORE d 2 big nosuch", "OBJECT ENCODING d", "ZADD long 1 " + strings.Repeat("y", 65), "ZUNIONSTORE d 2 small long", "OBJECT ENCODING d"},
	{"zstore drops ttl", "ZADD a 1 x", "ZADD d 5 q", "EXPIRE d 100", "ZUNIONSTORE d 1 a", "TTL d"},
	{"zset ops resp3", "!HELLO 3", "ZADD a 1 x 2 y", "ZADD b 3 y", "ZUNION 2 a b WITHSCORES", "ZINTER 2 a b WITHSCORES", "ZDIFF 2 a b WITHSCORES", "ZUNION 2 a b"},
	{"zset ops big", zaddN("a", 300, "m", 1), zaddN("b", 200, "m", 2), zaddN("c", 5, "m", 1), "ZINTER 3 a b c WITHSCORES", "ZINTERCARD 2 a b", "ZINTERCARD 2 a b LIMIT 10", "ZDIFF 2 c a", "ZDIFF 3 a b c", "ZUNION 3 a b c AGGREGATE MAX", "ZDIFF 2 a c WITHSCORES"},
	{"zintercard", "ZADD a 1 x 2 y 3 z", "ZADD b 1 y 2 z", "ZINTERCARD 2 a b", "ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 2 a b LIMIT 0", "ZINTERCARD 2 a b LIMIT -1", "ZINTERCARD 2 a b LIMIT x", "ZINTERCARD 2 a b LIMIT", "ZINTERCARD 2 a b WITHSCORES", "ZINTERCARD 2 a b WEIGHTS 1 1", "ZINTERCARD 0 a", "ZINTERCARD 3 a b", "ZINTERCARD 2 a nosuch"},

	// ZSCAN.
	{"zscan small", "ZADD z 1 a 2.5 b 1e17 c -0 d inf e 100 f", "ZSCAN z 0", "ZSCAN z 0 COUNT 1", "ZSCAN z 0 MATCH a*", "ZSCAN z 0 MATCH *", "ZSCAN z 5"},
	{"zscan errors", "ZADD z 1 a", "ZSCAN z x", "ZSCAN z -1", "ZSCAN z 18446744073709551616", `ZSCAN z " 1"`, "ZSCAN z 0 COUNT 0", "ZSCAN z 0 COUNT x", "ZSCAN z 0 COUNT", "ZSCAN z 0 FOO bar", "ZSCAN z 0 TYPE zset", "ZSCAN nosuch 0 FOO", "ZSCAN nosuch x", "SET s x", "ZSCAN s 0", "ZSCAN s 0 FOO"},
	{"zscan big full", zaddN("z", 130, "m", 1.5), "!ZSCAN z 0 COUNT 1000", "OBJECT ENCODING z"},

	// RESP3 shapes.
	{"resp3 shapes", "!HELLO 3", "ZADD z 1 a 2.5 b", "ZSCORE z a", "ZSCORE z x", "ZMSCORE z a x", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z 0 -1", "ZRANGEBYSCORE z -inf inf WITHSCORES", "ZREVRANGE z 0 -1 WITHSCORES", "ZINCRBY z 1 a", "ZADD z INCR 1 a", "ZADD z XX INCR 1 x", "ZRANK z a", "ZRANK z x", "ZSCAN z 0", "ZRANDMEMBER nosuch", "ZRANGE z 0 -1 BYSCORE LIMIT 0 1 WITHSCORES"},

	// Encoding thresholds.
	{"encoding at thresholds", zaddN("z", 128, "m", 1), "OBJECT ENCODING z", "ZADD z 1000 one-more", "OBJECT ENCODING z", "ZREM z one-more", "OBJECT ENCODING z", "ZADD v 1 " + strings.Repeat("a", 64), "OBJECT ENCODING v", "ZADD v 1 " + strings.Repeat("a", 65), "OBJECT ENCODING v", "ZADD w 1 " + strings.Repeat("b", 65), "OBJECT ENCODING w", "ZADD x 1 a 2 " + strings.Repeat("b", 65), "OBJECT ENCODING x"},
	{"encoding config", "CONFIG SET zset-max-listpack-entries 2", "ZADD z 1 a 2 b", "OBJECT ENCODING z", "ZADD z 3 c", "OBJECT ENCODING z", "ZADD y 1 a 2 b 3 c", "OBJECT ENCODING y", "CONFIG SET zset-max-listpack-entries 0", "ZADD x 1 a", "OBJECT ENCODING x", "ZINCRBY w 1 a", "OBJECT ENCODING w", "CONFIG SET zset-max-listpack-value 1", "CONFIG SET zset-max-listpack-entries 128", "ZADD u 1 aa", "OBJECT ENCODING u", "ZADD t 1 a", "ZADD t 2 bb", "OBJECT ENCODING t", "CONFIG SET zset-max-listpack-value 64"},

	{"sort leaves a skiplist", "ZADD z 2 a 1 b", "OBJECT ENCODING z", "SORT z ALPHA", "OBJECT ENCODING z", "SORT z BY nosort DESC", "ZADD z 3 c", "OBJECT ENCODING z"},

	// Emptied keys are deleted.
	{"emptied keys", "ZADD z 1 a", "ZPOPMIN z", "EXISTS z", "ZADD z 1 a", "ZREM z a", "EXISTS z", "ZADD z 1 a", "ZREMRANGEBYSCORE z -inf inf", "EXISTS z", "ZADD z 1 a", "ZMPOP 1 z MIN", "EXISTS z"},
	{"arity", "ZADD", "ZADD z", "ZADD z 1", "ZINCRBY z 1", "ZCARD", "ZCARD a b", "ZSCORE z", "ZRANGE z 0", "ZRANGESTORE d z 0", "ZPOPMIN", "ZMPOP 1 z", "ZRANDMEMBER", "ZUNION 1", "ZUNIONSTORE d 1", "ZINTERCARD 1", "ZSCAN z", "ZCOUNT z 1", "ZREMRANGEBYRANK z 1"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"options end at nul", `ZADD z "nx\x00a" "ch\x00" 1 a`, `ZADD z "incr\x00" 5 a`, `ZADD z "gt\x00" "ch\x00" 1 a`, `ZADD z "lt\x00" 2 a`, `ZADD z "gtx" 1 a`, `ZADD z "n\x00x" 1 a`,
		`ZADD z 3 b 4 c`, `ZRANGE z 0 -1 "withscores\x00"`, `ZRANGE z 0 -1 "withscoresx"`, `ZRANGE z "+inf" "(1" "byscore\x00" "rev\x00" "limit\x00" 0 2 "withscores\x00"`,
		`ZRANGE z "[a" "+" "bylex\x00x"`, `ZRANGESTORE d z 0 -1 "rev\x00"`, "ZRANGE d 0 -1", `ZADD z2 1 a 2 b`,
		`ZUNION 2 z z2 "weights\x00" 1 2 "aggregate\x00" "max\x00" "withscores\x00"`, `ZUNION 2 z z2 AGGREGATE "maxx"`, `ZINTER 2 z z2 "aggregate\x00" "min\x00junk" WITHSCORES`,
		`ZUNIONSTORE d 2 z z2 "aggregate\x00" "sum\x00"`, "ZRANGE d 0 -1 WITHSCORES", `ZINTERCARD 2 z z2 "limit\x00" 1`, `ZINTERCARD 2 z z2 "limitx" 1`,
		`ZRANDMEMBER z2 -2 "withscoresx"`, `ZMPOP 1 z2 "min\x00" "count\x00" 1`, `ZMPOP 1 z2 "minx"`, `BZMPOP 0.01 1 z2 "max\x00x" "count\x00" 5`,
		`ZSCAN z 0 "count\x00" 10 "match\x00" "*"`, `ZSCAN z 0 "countx" 10`},
}

func TestDiffZSet(t *testing.T) {
	cases := append([]diffCase(nil), zsetCases...)
	cases = append(cases, both("ranges",
		"ZRANGE {k} 0 -1 WITHSCORES", "ZRANGE {k} 3 8", "ZRANGE {k} -5 -2 WITHSCORES", "ZRANGE {k} 0 3 REV WITHSCORES",
		"ZRANGE {k} 1 3 BYSCORE WITHSCORES", "ZRANGE {k} (1 (3 BYSCORE", "ZRANGE {k} 3 1 BYSCORE REV", "ZRANGE {k} (3 1 BYSCORE REV WITHSCORES",
		"ZRANGE {k} -inf +inf BYSCORE LIMIT 2 3", "ZRANGE {k} +inf -inf BYSCORE REV LIMIT 2 3", "ZRANGE {k} 3 3 BYSCORE", "ZRANGE {k} (3 3 BYSCORE",
		"ZRANGE {k} 100 200 BYSCORE", "ZRANGE {k} -100 -50 BYSCORE", "ZRANGE {k} 5 1 BYSCORE",
		"ZRANGEBYLEX {k} - + LIMIT 0 5", "ZRANGEBYLEX {k} [c [d", "ZREVRANGEBYLEX {k} + - LIMIT 0 4", "ZRANGEBYLEX {k} (m1 [m2",
		"ZCOUNT {k} -inf +inf", "ZCOUNT {k} 1 3", "ZCOUNT {k} (1 (3", "ZCOUNT {k} 10 1", "ZLEXCOUNT {k} - +", "ZLEXCOUNT {k} [a [e",
		"ZRANK {k} c", "ZREVRANK {k} c", "ZRANK {k} cc", "ZSCORE {k} half", "ZRANK {k} neg", "ZREVRANK {k} neg",
	)...)
	cases = append(cases, both("updates",
		"ZADD {k} 3 a", "ZRANGE {k} 0 -1 WITHSCORES", "ZINCRBY {k} -10 b", "ZRANK {k} b", "ZADD {k} gt ch 100 c 0 d", "ZRANGE {k} -3 -1 WITHSCORES",
		"ZADD {k} lt 2 cc", "ZRANK {k} cc", "ZREM {k} a b c", "ZCARD {k}", "ZRANGE {k} 0 4", "OBJECT ENCODING {k}",
	)...)
	cases = append(cases, both("removals",
		"ZREMRANGEBYRANK {k} 2 4", "ZRANGE {k} 0 5", "ZREMRANGEBYSCORE {k} (1 3", "ZRANGE {k} 0 5 WITHSCORES", "ZREMRANGEBYLEX {k} [a [c", "ZRANGE {k} 0 5",
		"ZPOPMIN {k} 2", "ZPOPMAX {k} 3", "ZCARD {k}", "OBJECT ENCODING {k}", "ZREMRANGEBYRANK {k} -3 -1", "ZRANGE {k} -3 -1",
	)...)
	cases = append(cases, both("store",
		"ZRANGESTORE d {k} 0 -1", "OBJECT ENCODING d", "ZCARD d", "ZRANGESTORE d {k} 0 5", "OBJECT ENCODING d",
		"ZUNIONSTORE d 1 {k} WEIGHTS 2", "OBJECT ENCODING d", "ZRANGE d 0 4 WITHSCORES", "ZINTERSTORE d 2 {k} small AGGREGATE MAX", "ZRANGE d 0 -1 WITHSCORES",
	)...)
	runDiff(t, zsetRunnable(t, cases))
}

// zsetRunnable prepares cases for servers that may lack other families'
// commands: each case starts with FLUSHDB (FLUSHALL may not exist yet), and
// cases using a command Ember does not know yet (OBJECT, TTL, ...) are left
// out with a log line.
func zsetRunnable(t *testing.T, cases []diffCase) []diffCase {
	t.Helper()
	var out []diffCase
	for _, dc := range cases {
		ok := true
		for _, line := range dc.cmds() {
			name := strings.ToLower(strings.Fields(strings.TrimLeft(line, "~!"))[0])
			if !emberKnows(t, name) {
				t.Logf("skipping %q: ember has no %s yet", dc.name(), strings.ToUpper(name))
				ok = false
				break
			}
		}
		if ok {
			out = append(out, dc)
		}
	}
	return setFlushFirst(out)
}

var zsetEventCases = []diffCase{
	{"zadd", "ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z xx 5 nosuch", "ZADD z ch 3 a", "ZADD z nx 9 a", "ZADD z gt 0 a", "ZADD z incr 1 a", "ZINCRBY z 1 b", "ZADD z xx 1 nokey", "ZADD nokey xx 1 a"},
	{"zincr nan", "ZADD z inf a", "ZINCRBY z -inf a", "ZADD z incr -inf a"},
	{"zrem", "ZADD z 1 a 2 b 3 c", "ZREM z nosuch", "ZREM z a", "ZREM z b c d", "ZREM z a"},
	{"zremrange", "ZADD z 1 a 2 b 3 c 4 d", "ZREMRANGEBYRANK z 10 20", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z 10 20", "ZREMRANGEBYSCORE z 2 2", "ZREMRANGEBYLEX z [x [y", "ZREMRANGEBYLEX z - [c", "ZREMRANGEBYLEX z - +", "ZREMRANGEBYRANK z 0 -1"},
	{"zpop", "ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z 0", "ZPOPMIN z", "ZPOPMAX z 2", "ZPOPMIN nokey", "ZMPOP 2 nokey z MIN COUNT 5", "ZMPOP 1 z MAX"},
	{"store commands", "ZADD a 1 x 2 y", "ZADD b 2 y 3 z", "ZUNIONSTORE d 2 a b", "ZINTERSTORE d 2 a b", "ZDIFFSTORE d 2 a b", "ZRANGESTORE d a 0 0", "ZINTERSTORE d 2 a nokey", "ZINTERSTORE d 2 a nokey", "ZDIFFSTORE e 2 a a", "ZRANGESTORE e a 5 10", "ZUNIONSTORE a 2 a b"},
}

// TestDiffZSetEvents compares keyspace notifications with Redis's
// (t_zset.c): event names, and none when nothing changed.
func TestDiffZSetEvents(t *testing.T) {
	setNeedCommands(t, "CONFIG GET notify-keyspace-events", "PUBLISH probe x")
	runSetEventDiff(t, zsetEventCases)
}

// ZSCAN on a skiplist-encoded sorted set keeps Redis's guarantee: a member
// present for the whole iteration is returned, however the set changes
// meanwhile, and each call does work bounded by COUNT.
func TestZSet_ScanGuarantee(t *testing.T) {
	e := startEmber(t)
	c := dialRaw(t, e.Addr)
	const n = 2000
	args := []string{"ZADD", "z"}
	for i := 0; i < n; i++ {
		args = append(args, strconv.Itoa(i), "keep"+strconv.Itoa(i))
	}
	if r, err := c.Do(args...); err != nil || r != ":2000\r\n" {
		t.Fatalf("ZADD: %q %v", r, err)
	}
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		// Churn: add and remove other members, update kept ones' scores.
		for j := 0; j < 20; j++ {
			tmp := fmt.Sprintf("tmp%d-%d", calls, j)
			c.Do("ZADD", "z", strconv.Itoa(j), tmp)
			if calls > 0 {
				c.Do("ZREM", "z", fmt.Sprintf("tmp%d-%d", calls-1, j))
			}
			c.Do("ZINCRBY", "z", "0.5", "keep"+strconv.Itoa((calls*20+j)%n))
		}
		reply, err := c.Do("ZSCAN", "z", cursor, "COUNT", "10")
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(reply, "\r\n")
		// *2, $len, cursor, *k, then $len/value lines.
		cursor = parts[2]
		k, _ := strconv.Atoi(strings.TrimPrefix(parts[3], "*"))
		if k > 2*10 {
			t.Fatalf("ZSCAN COUNT 10 returned %d elements", k/2)
		}
		for i := 0; i < k; i += 2 {
			seen[parts[5+2*i]] = true
		}
		if cursor == "0" {
			break
		}
		if calls > 10*n {
			t.Fatal("ZSCAN does not terminate")
		}
	}
	for i := 0; i < n; i++ {
		if !seen["keep"+strconv.Itoa(i)] {
			t.Fatalf("member keep%d present throughout was not returned", i)
		}
	}
}

// The client library view: go-redis parses every reply shape of the sorted
// set commands, in RESP3 (its default) and RESP2.
func TestZSet_GoRedis(t *testing.T) {
	e := startEmber(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: e.Addr, Protocol: proto, DisableIdentity: true})
		defer rdb.Close()
		key := fmt.Sprintf("z%d", proto)
		if n, err := rdb.ZAdd(ctx, key, redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2.5, Member: "b"}, redis.Z{Score: 3, Member: "c"}).Result(); err != nil || n != 3 {
			t.Fatalf("RESP%d ZADD: %d %v", proto, n, err)
		}
		if s, err := rdb.ZAddArgsIncr(ctx, key, redis.ZAddArgs{Members: []redis.Z{{Score: 1, Member: "a"}}}).Result(); err != nil || s != 2 {
			t.Fatalf("RESP%d ZADD INCR: %v %v", proto, s, err)
		}
		zs, err := rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: key, Start: "-inf", Stop: "+inf", ByScore: true}).Result()
		want := []redis.Z{{Score: 2, Member: "a"}, {Score: 2.5, Member: "b"}, {Score: 3, Member: "c"}}
		if err != nil || !slices.Equal(zs, want) {
			t.Fatalf("RESP%d ZRANGE WITHSCORES: %v %v", proto, zs, err)
		}
		if sc, err := rdb.ZMScore(ctx, key, "b", "nosuch").Result(); err != nil || len(sc) != 2 || sc[0] != 2.5 {
			t.Fatalf("RESP%d ZMSCORE: %v %v", proto, sc, err)
		}
		if zs, err := rdb.ZRandMemberWithScores(ctx, key, 3).Result(); err != nil || len(zs) != 3 {
			t.Fatalf("RESP%d ZRANDMEMBER WITHSCORES: %v %v", proto, zs, err)
		}
		if zs, err := rdb.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{key, key}}).Result(); err != nil || len(zs) != 3 || zs[0].Score != 4 {
			t.Fatalf("RESP%d ZUNION WITHSCORES: %v %v", proto, zs, err)
		}
		if n, err := rdb.ZInterCard(ctx, 0, key, key).Result(); err != nil || n != 3 {
			t.Fatalf("RESP%d ZINTERCARD: %v %v", proto, n, err)
		}
		if keys, cur, err := rdb.ZScan(ctx, key, 0, "*", 10).Result(); err != nil || cur != 0 || len(keys) != 6 {
			t.Fatalf("RESP%d ZSCAN: %v %v %v", proto, keys, cur, err)
		}
		if zs, err := rdb.ZPopMin(ctx, key, 1).Result(); err != nil || !slices.Equal(zs, []redis.Z{{Score: 2, Member: "a"}}) {
			t.Fatalf("RESP%d ZPOPMIN: %v %v", proto, zs, err)
		}
		k, zs, err := rdb.ZMPop(ctx, "max", 5, "nosuch", key).Result()
		if err != nil || k != key || !slices.Equal(zs, []redis.Z{{Score: 3, Member: "c"}, {Score: 2.5, Member: "b"}}) {
			t.Fatalf("RESP%d ZMPOP: %v %v %v", proto, k, zs, err)
		}
		if _, _, err := rdb.ZMPop(ctx, "min", 1, key).Result(); err != redis.Nil {
			t.Fatalf("RESP%d ZMPOP on nothing: %v", proto, err)
		}
	}
}
