package tests

import (
	"fmt"
	"strings"
	"testing"
)

// Differential cases for the list commands, blocking ones included (their
// immediate and timeout paths; waking is in blocking_test.go).
var listCases = []diffCase{
	// Push and length.
	{"lpush rpush", "LPUSH l a b c", "RPUSH l d e", "LRANGE l 0 -1", "LLEN l", "LLEN nokey"},
	{"push wrong type", "SET s x", "LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LLEN s"},
	{"pushx", "LPUSHX l a", "RPUSHX l a", "EXISTS l", "RPUSH l x", "LPUSHX l a b", "RPUSHX l c d", "LRANGE l 0 -1"},
	{"push arity", "LPUSH l", "RPUSH", "LPUSHX l", "RPUSHX l"},
	{"binary and empty elements", `RPUSH l "" "a\x00b" "\r\n" ""`, "LRANGE l 0 -1", "LPOS l \"\"", "LREM l 0 \"\"", "LRANGE l 0 -1"},
	{"integers stay strings", "RPUSH l 1 -1 0 007 9223372036854775807 -9223372036854775808 1.5", "LRANGE l 0 -1", "LINDEX l 3", "LPOS l 007"},

	// Pop.
	{"pop", "RPUSH l a b c d", "LPOP l", "RPOP l", "LRANGE l 0 -1", "LPOP l", "LPOP l", "LPOP l", "EXISTS l"},
	{"pop count", "RPUSH l a b c d e", "LPOP l 2", "RPOP l 2", "LPOP l 0", "RPOP l 10", "EXISTS l"},
	{"pop count errors", "RPUSH l a", "LPOP l -1", "LPOP l x", "RPOP l 1.5", "LPOP l 9223372036854775808", "LPOP l 1 2", "RPOP l 1 2 3", "LPOP"},
	{"pop absent", "LPOP nokey", "RPOP nokey", "LPOP nokey 1", "RPOP nokey 0", "LPOP nokey -1"},
	{"pop absent resp3", "!HELLO 3", "LPOP nokey", "RPOP nokey 2", "RPUSH l a b", "LPOP l 0", "LPOP l 5", "LPOP l"},
	{"pop wrong type", "SET s x", "LPOP s", "RPOP s 2", "LPOP s 0", "LPOP s -1"},

	// Ranges and indexes.
	{"lrange", "RPUSH l a b c d e f", "LRANGE l 0 0", "LRANGE l -1 -1", "LRANGE l 1 -2", "LRANGE l -100 100",
		"LRANGE l 5 1", "LRANGE l 6 10", "LRANGE l -3 -100", "LRANGE l -9223372036854775808 9223372036854775807", "LRANGE l 2 2"},
	{"lrange errors", "RPUSH l a", "LRANGE l x 1", "LRANGE l 0 y", "LRANGE l 0 9223372036854775808", "LRANGE nokey 0 -1", "SET s x", "LRANGE s 0 -1", "LRANGE s x 1", "LRANGE nokey x 1"},
	{"lindex", "RPUSH l a b c", "LINDEX l 0", "LINDEX l -1", "LINDEX l 3", "LINDEX l -4", "LINDEX l x", "LINDEX nokey x", "LINDEX nokey 0",
		"LINDEX l 9223372036854775807", "LINDEX l -9223372036854775808"},
	{"lindex wrong type", "SET s x", "LINDEX s 0", "LINDEX s x"},
	{"lindex resp3", "!HELLO 3", "RPUSH l a", "LINDEX l 5", "LINDEX nokey 0", "LRANGE nokey 0 1"},
	{"lset", "RPUSH l a b c", "LSET l 0 x", "LSET l -1 z", "LSET l 1 \"\"", "LRANGE l 0 -1", "LSET l 3 q", "LSET l -4 q", "LSET l x q",
		"LSET nokey 0 a", "LSET nokey x a", "SET s x", "LSET s 0 a", "LSET s x a"},

	// Insert, remove, trim.
	{"linsert", "RPUSH l a b c b", "LINSERT l BEFORE b x", "LINSERT l after b y", "LINSERT l AFTER c z", "LINSERT l before a first",
		"LINSERT l after nope q", "LRANGE l 0 -1", "LINSERT l middle a q", "LINSERT nokey before a b", "LINSERT nokey middle a b",
		"SET s x", "LINSERT s before a b", "LINSERT s middle a b", "EXISTS nokey"},
	{"lrem", "RPUSH l a b a c a b a", "LREM l 2 a", "LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1", "LREM l 0 b", "LRANGE l 0 -1",
		"LREM l 0 zz", "LREM l 1 a", "LREM l x a", "LREM nokey 1 a", "LREM nokey x a"},
	{"lrem empties", "RPUSH l a a a", "LREM l 0 a", "EXISTS l", "RPUSH l b a b", "LREM l -9223372036854775808 b", "LRANGE l 0 -1",
		"LREM l 9223372036854775807 a", "EXISTS l"},
	{"lrem wrong type", "SET s x", "LREM s 0 a", "LREM s x a"},
	{"ltrim", "RPUSH l a b c d e f", "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l -100 100", "LRANGE l 0 -1", "LTRIM l 1 1", "LRANGE l 0 -1",
		"LTRIM l 5 1", "EXISTS l", "LTRIM nokey 0 1", "LTRIM nokey x 1"},
	{"ltrim more", "RPUSH l a b c d e f", "LTRIM l -3 -1", "LRANGE l 0 -1", "LTRIM l 0 -4", "EXISTS l", "RPUSH l a b c",
		"LTRIM l 0 9223372036854775807", "LRANGE l 0 -1", "LTRIM l -9223372036854775808 0", "LRANGE l 0 -1", "LTRIM l 1 0", "EXISTS l"},
	{"ltrim errors", "RPUSH l a", "LTRIM l x 1", "LTRIM l 0 y", "SET s x", "LTRIM s 0 1", "LTRIM s x 1"},

	// LPOS.
	{"lpos", "RPUSH l a b c a b c a", "LPOS l a", "LPOS l c", "LPOS l z", "LPOS l a RANK 2", "LPOS l a RANK -1", "LPOS l a RANK -3",
		"LPOS l a RANK 4", "LPOS l a RANK -4", "LPOS l a COUNT 0", "LPOS l a COUNT 2", "LPOS l a COUNT 2 RANK 2", "LPOS l a RANK -2 COUNT 0",
		"LPOS l a MAXLEN 3", "LPOS l a MAXLEN 4 COUNT 0", "LPOS l c RANK -1 MAXLEN 1", "LPOS l c RANK -1 MAXLEN 2", "LPOS l a COUNT 5 MAXLEN 0",
		"LPOS l z COUNT 0", "LPOS l a rank 1 count 1 maxlen 1 rank 2"},
	{"lpos extreme ranks", "RPUSH l a b a b a", "LPOS l a RANK -9223372036854775808", "LPOS l a RANK -9223372036854775808 COUNT 1",
		"LPOS l a RANK -9223372036854775808 COUNT 2 MAXLEN 3", "LPOS l a RANK 9223372036854775807", "LPOS l a RANK 9223372036854775807 COUNT 0",
		"LPOS l a RANK -9223372036854775807"},
	{"lpos errors", "RPUSH l a", "LPOS l a RANK 0", "LPOS l a RANK x", "LPOS l a COUNT -1", "LPOS l a COUNT x", "LPOS l a MAXLEN -1",
		"LPOS l a MAXLEN x", "LPOS l a RANK", "LPOS l a FOO 1", "LPOS l a COUNT", "LPOS nokey a RANK 0", "LPOS l"},
	{"lpos absent and wrong type", "LPOS nokey a", "LPOS nokey a COUNT 1", "SET s x", "LPOS s a", "LPOS s a COUNT 0 RANK 0"},
	{"lpos resp3", "!HELLO 3", "LPOS nokey a", "RPUSH l a", "LPOS l b", "LPOS l b COUNT 0"},

	// Moves.
	{"lmove", "RPUSH src a b c", "LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT", "LMOVE src dst left left", "LRANGE dst 0 -1",
		"EXISTS src", "LMOVE src dst LEFT LEFT", "RPOPLPUSH dst src", "LRANGE src 0 -1", "LRANGE dst 0 -1"},
	{"lmove same key", "RPUSH l a b c", "LMOVE l l LEFT RIGHT", "LRANGE l 0 -1", "LMOVE l l RIGHT LEFT", "LRANGE l 0 -1", "RPOPLPUSH l l",
		"LRANGE l 0 -1", "DEL l", "RPUSH l only", "LMOVE l l LEFT LEFT", "LRANGE l 0 -1"},
	{"lmove errors", "RPUSH src a", "SET s x", "LMOVE src s LEFT LEFT", "LRANGE src 0 -1", "LMOVE s src LEFT LEFT", "LMOVE nokey s LEFT LEFT",
		"LMOVE src dst UP LEFT", "LMOVE src dst LEFT DOWN", "LMOVE nokey dst UP LEFT", "RPOPLPUSH src s", "RPOPLPUSH nokey dst", "RPOPLPUSH s dst"},
	{"lmove resp3", "!HELLO 3", "LMOVE nokey dst LEFT LEFT", "RPOPLPUSH nokey dst"},

	// LMPOP.
	{"lmpop", "RPUSH k2 a b c d", "LMPOP 2 k1 k2 LEFT", "LMPOP 2 k1 k2 RIGHT COUNT 2", "LMPOP 1 k2 left count 10", "EXISTS k2", "LMPOP 2 k1 k2 LEFT"},
	{"lmpop errors", "LMPOP 0 k LEFT", "LMPOP -1 k LEFT", "LMPOP x k LEFT", "LMPOP 2 k LEFT", "LMPOP 1 k MIDDLE", "LMPOP 1 k LEFT COUNT 0",
		"LMPOP 1 k LEFT COUNT -1", "LMPOP 1 k LEFT COUNT x", "LMPOP 1 k LEFT COUNT 1 COUNT 2", "LMPOP 1 k LEFT COUNT", "LMPOP 1 k LEFT FOO",
		"LMPOP 9223372036854775807 k LEFT", "LMPOP 3 a b c", "LMPOP 1"},
	{"lmpop wrong type", "SET s x", "RPUSH k2 a", "LMPOP 2 s k2 LEFT", "LMPOP 2 nokey s LEFT", "LMPOP 2 k2 s LEFT", "LLEN k2"},
	{"lmpop resp3", "!HELLO 3", "LMPOP 1 nokey LEFT", "RPUSH l a b", "LMPOP 1 l RIGHT COUNT 5"},

	// Blocking commands that need not block.
	{"blpop brpop immediate", "RPUSH k2 a b c", "BLPOP k1 k2 0", "BRPOP k1 k2 1", "BLPOP k2 0.5", "EXISTS k2", "BRPOP k1 k2 0.01"},
	{"blpop same key twice", "RPUSH l a", "BLPOP l l 1"},
	{"blocking wrong type", "SET s x", "RPUSH l a", "BLPOP s l 1", "BRPOP nokey s l 1", "BLPOP l s 1", "BLMOVE s l LEFT LEFT 1",
		"BRPOPLPUSH s l 1", "BLMPOP 1 2 s l LEFT", "BLMOVE l s LEFT LEFT 1", "LLEN l"},
	{"blocking timeouts invalid", "BLPOP k -1", "BLPOP k x", "BLPOP k nan", "BLPOP k inf", "BLPOP k -inf", "BLPOP k 1e400",
		"BLPOP k 9.3e15", "BLPOP k \"\"", "BLPOP k \" 1\"", "BLPOP k \"1 \"", "BLPOP k 1_0", "BLPOP k 9223372036854776",
		"BLMOVE a b LEFT LEFT -1", "BRPOPLPUSH a b x", "BLMPOP -1 1 k LEFT", "BLMPOP x 1 k LEFT"},
	{"blocking timeout expires", "BLPOP k 0.01", "BRPOP k1 k2 0.001", "BLMOVE a b LEFT RIGHT 0.01", "BRPOPLPUSH a b 0.005",
		"BLMPOP 0.01 2 k1 k2 RIGHT COUNT 3", "BLPOP k 0x1p-10", "BLPOP k 1e-400", "BLPOP k .01"},
	{"blocking timeout expires resp3", "!HELLO 3", "BLPOP k 0.01", "BLMOVE a b LEFT RIGHT 0.01", "BLMPOP 0.01 1 k LEFT"},
	{"blmove immediate", "RPUSH src a b", "BLMOVE src dst RIGHT LEFT 0", "BRPOPLPUSH src dst 0", "LRANGE dst 0 -1", "EXISTS src",
		"BLMOVE src dst UP LEFT 0", "BLMOVE src dst LEFT UP 0", "BLMOVE src dst LEFT LEFT x"},
	{"blmpop immediate", "RPUSH k2 a b c", "BLMPOP 0 2 k1 k2 LEFT COUNT 2", "BLMPOP 1 2 k1 k2 RIGHT", "EXISTS k2"},
	{"blmpop errors", "BLMPOP 0 0 k LEFT", "BLMPOP 0 x k LEFT", "BLMPOP 0 2 k LEFT", "BLMPOP x 1 k MIDDLE", "BLMPOP x 1 k LEFT COUNT 0",
		"BLMPOP x 1 k LEFT COUNT 1 COUNT 1", "BLMPOP 0 1 k LEFT COUNT -5", "BLMPOP 0 1"},
	{"blocking inside multi", "MULTI", "BLPOP k 0", "BRPOP k1 k2 0", "BLMOVE a b LEFT LEFT 0", "BRPOPLPUSH a b 0", "BLMPOP 0 1 k LEFT", "EXEC"},
	{"blocking inside multi resp3", "!HELLO 3", "MULTI", "BLPOP k 0", "BLMOVE a b LEFT LEFT 0", "EXEC"},
	{"blocking inside multi with data", "RPUSH k a b", "MULTI", "BLPOP k 0", "BRPOPLPUSH k k2 0", "BLMPOP 0 1 k LEFT", "BLPOP k 0", "EXEC", "LRANGE k2 0 -1"},
	{"blocking inside multi errors", "MULTI", "BLPOP k -1", "BLMOVE a b X LEFT 0", "EXEC"},
	{"multi push then pop", "MULTI", "RPUSH l a b c", "LPOP l", "LRANGE l 0 -1", "EXEC"},

	// Arity.
	{"arity", "LLEN", "LRANGE l 0", "LINDEX l", "LSET l 0", "LINSERT l before a", "LREM l 0", "LTRIM l 0", "LMOVE a b LEFT",
		"RPOPLPUSH a", "BLPOP k", "BRPOP", "BLMOVE a b LEFT LEFT", "BRPOPLPUSH a b", "BLMPOP 0 1 k", "LMPOP 1 k"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"options end at nul", "RPUSH l a b c a", `LPOS l a "rank\x00" -1 "count\x00" 0 "maxlen\x00x" 0`, `LPOS l a "rankx" 1`,
		`LINSERT l "before\x00" c x`, `LINSERT l "after\x00junk" c y`, `LINSERT l "beforex" c z`, "LRANGE l 0 -1",
		`LMOVE l l2 "left\x00" "right\x00junk"`, `LMOVE l l2 "leftx" RIGHT`, `BLMOVE l l2 "right\x00" "left\x00" 0.01`, "LRANGE l2 0 -1",
		`LMPOP 1 l "right\x00" "count\x00" 2`, `LMPOP 1 l "rightx"`, `BLMPOP 0.01 1 l "left\x00" "count\x00x" 1`, `LMPOP 1 l "l\x00eft"`},
}

// listKeys are the keys the cases use: each case starts by deleting them,
// so cases do not depend on FLUSHALL.
const listKeys = "l l2 s src dst k k1 k2 a b nokey"

func withListCleanup(cases []diffCase) []diffCase {
	out := make([]diffCase, len(cases))
	for i, dc := range cases {
		out[i] = append(diffCase{dc[0], "!DEL " + listKeys}, dc[1:]...)
	}
	return out
}

func TestDiffList(t *testing.T) { runDiff(t, withListCleanup(listCases)) }

// TestDiffListNodes runs the commands that work inside the list on lists
// large enough to span many nodes, with small node limits so that nodes
// split and merge, comparing every reply with Redis's.
func TestDiffListNodes(t *testing.T) {
	var cases []diffCase
	for _, fill := range []string{"1", "3", "-1"} {
		dc := diffCase{"nodes fill " + fill, "CONFIG SET list-max-listpack-size " + fill}
		var push []string
		for i := 0; i < 60; i++ {
			push = append(push, fmt.Sprintf("e%d", i%7))
		}
		big := strings.Repeat("x", 1500)
		dc = append(dc,
			"RPUSH l "+strings.Join(push, " "),
			"LPUSH l "+strings.Join(push[:20], " "),
			"RPUSH l "+big+" "+big+" "+big,
			"LINSERT l BEFORE e3 ins1", "LINSERT l AFTER e5 "+big, "LSET l 40 set40", "LSET l -2 short",
			"LINDEX l 41", "LINDEX l -30", "LRANGE l 10 50", "LRANGE l -45 -3",
			"LREM l 3 e1", "LREM l -2 e2", "LREM l 0 e4", "LLEN l",
			"LPOS l e6 RANK -2 COUNT 3", "LPOS l e0 COUNT 0 MAXLEN 40",
			"LTRIM l 3 -4", "LRANGE l 0 -1",
			"LMOVE l l2 RIGHT LEFT", "LMOVE l l2 LEFT LEFT", "LPOP l 7", "RPOP l 5", "LRANGE l 0 -1", "LRANGE l2 0 -1",
			"LREM l 0 "+big, "LRANGE l 0 -1",
			"CONFIG SET list-max-listpack-size -2")
		cases = append(cases, dc)
	}
	runDiff(t, withListCleanup(cases))
}
