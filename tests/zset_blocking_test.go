package tests

import (
	"testing"
	"time"
)

// Differential cases for BZPOPMIN, BZPOPMAX and BZMPOP on paths that do not
// block (data present, short timeouts, inside MULTI).
var zsetBlockingCases = []diffCase{
	{"bzpopmin with data", "ZADD z 1 a 2 b", "BZPOPMIN z 0", "BZPOPMAX z 0", "EXISTS z"},
	{"bzpopmin first non-empty key", "ZADD z2 5 x", "BZPOPMIN z1 z2 0"},
	{"bzpop timeout", "BZPOPMIN nokey 0.01", "BZPOPMAX nokey 0.001"},
	{"bzpop bad timeout", "BZPOPMIN z -1", "BZPOPMIN z abc", "BZPOPMIN z 1e400"},
	{"bzpop wrong type", "SET s v", "BZPOPMIN s 0", "BZPOPMIN nokey s 0"},
	{"bzmpop", "ZADD z 1 a 2 b 3 c", "BZMPOP 0 1 z MIN COUNT 2", "BZMPOP 0 2 nokey z MAX", "BZMPOP 0.01 1 z MIN"},
	{"bzmpop errors", "BZMPOP 0 0 z MIN", "BZMPOP 0 1 z MID", "BZMPOP 0 1 z MIN COUNT 0", "BZMPOP 0 3 a b MIN", "BZMPOP -1 1 z MIN"},
	{"bzpop inside multi does not block", "MULTI", "BZPOPMIN nokey 0", "BZMPOP 0 1 nokey MAX", "EXEC"},
	{"bzpop resp3", "HELLO 3", "ZADD z 1.5 a 2 b", "BZPOPMIN z 0", "BZMPOP 0 1 z MAX COUNT 5", "BZPOPMIN z 0.01"},
}

func TestDiffZSetBlocking(t *testing.T) {
	cases := append([]diffCase(nil), zsetBlockingCases...)
	// HELLO's reply carries the connection id, which differs.
	cases[len(cases)-1] = append(diffCase{cases[len(cases)-1][0], "!HELLO 3"}, cases[len(cases)-1][2:]...)
	runDiff(t, cases)
}

// Waiters on sorted sets are served first come first served by ZADD, each
// with one member.
func TestBlocking_ZSetFIFO(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := []*rawConn{dialRaw(t, p.Addr), dialRaw(t, p.Addr), dialRaw(t, p.Addr)}
	sendBlocking(t, admin, w[0], "BZPOPMIN", "z", "0")
	sendBlocking(t, admin, w[1], "BZPOPMAX", "other", "z", "0")
	sendBlocking(t, admin, w[2], "BZMPOP", "0", "1", "z", "MIN", "COUNT", "10")
	mustDo(t, admin, ":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c")
	expectReply(t, w[0], "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n")
	expectReply(t, w[1], "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n")
	expectReply(t, w[2], "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n")
	waitBlocked(t, admin, 0)
	mustDo(t, admin, ":0\r\n", "EXISTS", "z")
}

// A blocked BZPOPMIN times out with sub-second precision and a null array.
func TestBlocking_ZSetTimeout(t *testing.T) {
	p := startEmber(t)
	c := dialRaw(t, p.Addr)
	start := time.Now()
	mustDo(t, c, "*-1\r\n", "BZPOPMIN", "z", "0.2")
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Fatalf("timed out after %v, want about 200ms", d)
	}
}
