package tests

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Differential cases for the string commands (t_string.c).
var stringCases = []diffCase{
	// GET / SET basics and every SET option.
	{"get missing", "GET nokey"},
	{"set get", "SET k v", "GET k", "SET k \"\"", "GET k", "SET k \"a\\x00b\"", "GET k"},
	{"set nx", "SET k v NX", "SET k w NX", "GET k", "SET k2 v nx", "GET k2"},
	{"set xx", "SET k v XX", "GET k", "SET k v", "SET k w XX", "GET k"},
	{"set nx xx conflict", "SET k v NX XX", "SET k v XX NX", "SET k v NX NX", "SET k v XX XX", "GET k"},
	{"set get option", "SET k v GET", "SET k w GET", "GET k", "SET k x get GET", "GET k"},
	{"set get nx xx", "SET k v NX GET", "SET k w NX GET", "GET k", "SET k2 v XX GET", "GET k2", "SET k z XX GET", "GET k"},
	{"set expire options", "SET k v EX 100", "TTL k", "SET k v PX 100000", "TTL k", "SET k v EXAT 99999999999", "TTL k",
		"SET k v PXAT 99999999999000", "TTL k", "SET k v", "TTL k"},
	{"set keepttl", "SET k v EX 100", "SET k w KEEPTTL", "TTL k", "GET k", "SET k x", "TTL k", "SET k y KEEPTTL KEEPTTL", "TTL k"},
	{"set expire conflicts", "SET k v EX 10 PX 10", "SET k v PX 10 EX 10", "SET k v EX 10 KEEPTTL", "SET k v KEEPTTL EX 10",
		"SET k v EXAT 10 PXAT 10", "SET k v PXAT 10 EXAT 10", "SET k v EX 10 EXAT 10", "SET k v PERSIST", "GET k"},
	{"set expire repeated", "SET k v EX 10 EX 100", "TTL k", "SET k v PX 1000 PX 100000", "TTL k"},
	{"set expire missing value", "SET k v EX", "SET k v PX", "SET k v EXAT", "SET k v PXAT", "SET k v GET EX", "GET k"},
	{"set bad expire", "SET k v EX 0", "SET k v EX -1", "SET k v PX 0", "SET k v EX abc", "SET k v EX 1.5", "SET k v PX \" 1\"",
		"SET k v EX 9223372036854775807", "SET k v PX 9223372036854775807", "SET k v EXAT 9223372036854775807",
		"SET k v EX 9223372036854775", "SET k v PXAT 9223372036854775807", "TTL k", "SET k v EXAT 0", "GET k"},
	{"set syntax errors", "SET k v foo", "SET k v NX foo", "SET k v EX 10 foo", "SET k v \"nx\\x00\"", "GET k", "SET k v \"get\\x00x\"", "GET k"},
	{"set syntax before expire check", "SET k v EX -1 foo", "SET k v EX abc NX XX"},
	{"set get wrongtype", "SADD l a", "SET l v GET", "SMEMBERS l", "SET l v NX GET", "SET l v", "GET l"},
	{"set get bad expire first", "SADD l a", "SET l v GET EX 0", "SET l v GET EX abc"},
	{"set overwrites type", "SADD l a", "SET l v", "TYPE l", "GET l"},
	{"set exat past", "SET k v EXAT 1", "GET k", "EXISTS k", "SET k v PXAT 1", "GET k"},
	{"set case insensitive", "SET k v eX 100", "TTL k", "SET k v Px 100000 gEt", "SET k w kEePtTl", "TTL k", "SET k z nX", "SET k z Xx"},
	{"get wrongtype", "SADD l a", "GET l"},
	{"set arity", "SET k", "GET", "GET a b"},
	{"resp3 get null", "!HELLO 3", "GET nokey", "SET k v GET", "SET k v NX", "SET k w NX GET", "MGET k nokey"},

	// SETNX, SETEX, PSETEX, GETSET.
	{"setnx", "SETNX k v", "SETNX k w", "GET k", "SADD l a", "SETNX l v", "SETNX k"},
	{"setnx expired", "SET k v PXAT 1", "SETNX k w", "GET k"},
	{"setex", "SETEX k 100 v", "GET k", "TTL k", "SETEX k 0 v", "SETEX k -1 v", "SETEX k abc v", "SETEX k 9223372036854775807 v", "GET k", "SETEX k 10"},
	{"psetex", "PSETEX k 100000 v", "GET k", "TTL k", "PSETEX k 0 v", "PSETEX k -5 v", "PSETEX k x v", "PSETEX k 9223372036854775807 v"},
	{"setex resp3", "!HELLO 3", "SETEX k 10 v", "PSETEX k 10000 v"},
	{"getset", "GETSET k v", "GETSET k w", "GET k", "SET k x EX 100", "GETSET k y", "TTL k", "SADD l a", "GETSET l v", "SMEMBERS l"},

	// GETDEL and GETEX.
	{"getdel", "GETDEL k", "SET k v", "GETDEL k", "EXISTS k", "GETDEL k", "SADD l a", "GETDEL l", "EXISTS l"},
	{"getex plain", "GETEX k", "SET k v EX 100", "GETEX k", "TTL k"},
	{"getex options", "SET k v", "GETEX k EX 100", "TTL k", "GETEX k PX 200000", "TTL k", "GETEX k EXAT 99999999999", "TTL k",
		"GETEX k PXAT 99999999999000", "TTL k", "GETEX k PERSIST", "TTL k", "GETEX k PERSIST", "TTL k"},
	{"getex exat past deletes", "SET k v", "GETEX k EXAT 1", "EXISTS k", "SET k v", "GETEX k PXAT 1000", "EXISTS k"},
	{"getex conflicts", "SET k v", "GETEX k EX 10 PX 10", "GETEX k PERSIST EX 10", "GETEX k EX 10 PERSIST", "GETEX k KEEPTTL",
		"GETEX k NX", "GETEX k GET", "GETEX k EX", "GETEX k foo", "GETEX k EX 10 EX 100", "TTL k", "GETEX k PERSIST PERSIST", "TTL k"},
	{"getex bad expire", "SET k v", "GETEX k EX 0", "GETEX k EX -1", "GETEX k PX abc", "GETEX k EX 9223372036854775807", "TTL k"},
	{"getex missing key skips expire check", "GETEX nokey EX 0", "GETEX nokey EX abc", "GETEX nokey foo"},
	{"getex wrongtype", "SADD l a", "GETEX l", "GETEX l EX 0", "GETEX l EX 10"},
	{"getex arity", "GETEX"},

	// MGET, MSET, MSETNX.
	{"mget", "SET a 1", "SET b 2", "SADD l x", "MGET a b nokey l a"},
	{"mset", "MSET a 1 b 2 c 3", "MGET a b c", "MSET a", "MSET a 1 b", "MSET a x a y", "GET a"},
	{"mset drops ttl and type", "SET a v EX 100", "SADD l x", "MSET a 1 l 2", "TTL a", "TYPE l", "GET l"},
	{"msetnx", "MSETNX a 1 b 2", "MGET a b", "MSETNX b 3 c 4", "MGET a b c", "MSETNX c 5 c 6", "GET c", "MSETNX x 1 y", "MSETNX x"},
	{"msetnx wrongtype counts as existing", "SADD l x", "MSETNX l 1 z 2", "EXISTS z"},
	{"mget resp3", "!HELLO 3", "SET a 1", "MGET a nokey"},

	// APPEND, STRLEN.
	{"append", "APPEND k hello", "APPEND k \" world\"", "GET k", "STRLEN k", "APPEND k \"\"", "GET k"},
	{"append keeps ttl", "SET k v EX 100", "APPEND k w", "TTL k", "GET k"},
	{"append wrongtype", "SADD l a", "APPEND l x", "STRLEN l"},
	{"append to int", "SET k 10", "APPEND k 5", "GET k", "INCR k", "GET k"},
	{"strlen", "STRLEN nokey", "SET k 12345", "STRLEN k", "SET k -1", "STRLEN k", "SET k \"\"", "STRLEN k"},

	// GETRANGE, SUBSTR.
	{"getrange", "SET k \"This is a string\"", "GETRANGE k 0 3", "GETRANGE k -3 -1", "GETRANGE k 0 -1", "GETRANGE k 10 100",
		"GETRANGE k 5 3", "GETRANGE k -1 -5", "GETRANGE k -100 -50", "GETRANGE k -100 2", "GETRANGE k 100 200", "GETRANGE k 0 0",
		"GETRANGE k -1 -1", "GETRANGE k 15 15", "GETRANGE k 16 16", "GETRANGE k -9223372036854775808 9223372036854775807"},
	{"getrange errors", "GETRANGE nokey 0 1", "GETRANGE nokey a 1", "GETRANGE nokey 0 b", "SET k abc", "GETRANGE k 0 1.5", "SADD l a", "GETRANGE l 0 1", "GETRANGE l x 1"},
	{"getrange int and empty", "SET k 1234", "GETRANGE k 1 2", "SET e \"\"", "GETRANGE e 0 -1", "GETRANGE e 0 0", "GETRANGE e -1 0"},
	{"substr", "SET k hello", "SUBSTR k 1 3", "SUBSTR k -2 -1", "SUBSTR nokey 0 1", "SUBSTR k 0"},

	// SETRANGE.
	{"setrange", "SETRANGE k 0 hello", "SETRANGE k 6 world", "GET k", "SETRANGE k 0 J", "GET k", "SETRANGE k 20 x", "GET k", "STRLEN k"},
	{"setrange empty value", "SETRANGE k 5 \"\"", "EXISTS k", "SET k abc", "SETRANGE k 10 \"\"", "GET k", "SETRANGE nokey 9223372036854775807 \"\""},
	{"setrange errors", "SETRANGE k -1 x", "SETRANGE k abc x", "SETRANGE k 1.5 x", "SADD l a", "SETRANGE l 0 x", "SETRANGE l 0 \"\"", "SETRANGE l -1 x"},
	{"setrange too large", "SETRANGE k 536870912 x", "SETRANGE k 536870911 \"\"", "SETRANGE k 4611686018427387904 x",
		"SETRANGE k 9223372036854775807 x", "SET k abc", "SETRANGE k 536870912 x", "SETRANGE k 536870911 xy", "GET k", "EXISTS nokey"},
	{"setrange keeps ttl", "SET k hello EX 100", "SETRANGE k 1 a", "TTL k", "GET k"},
	{"setrange int", "SET k 1234", "SETRANGE k 1 9", "GET k", "INCR k"},

	// INCR family.
	{"incr", "INCR k", "INCR k", "GET k", "DECR k", "DECR k", "DECR k", "GET k"},
	{"incrby decrby", "INCRBY k 10", "INCRBY k -3", "DECRBY k 20", "DECRBY k -5", "GET k"},
	{"incr errors", "SET k abc", "INCR k", "SET k \" 1\"", "INCR k", "SET k 1.5", "INCR k", "SET k 007", "INCR k", "SET k \"\"", "INCR k",
		"SET k -0", "INCR k", "SET k +1", "INCR k"},
	{"incr overflow", "SET k 9223372036854775807", "INCR k", "INCRBY k 1", "GET k", "SET k -9223372036854775808", "DECR k", "DECRBY k 1",
		"INCRBY k -1", "INCRBY k 9223372036854775807", "GET k"},
	{"incrby bad increment", "INCRBY k abc", "INCRBY k 1.0", "INCRBY k 9223372036854775808", "DECRBY k -9223372036854775808",
		"DECRBY k x", "EXISTS k", "INCRBY k -9223372036854775808", "GET k"},
	{"incr wrongtype", "SADD l a", "INCR l", "DECR l", "INCRBY l 1", "DECRBY l 1", "INCRBY l x"},
	{"incr keeps ttl", "SET k 1 EX 100", "INCR k", "TTL k", "INCRBY k 5", "TTL k", "DECR k", "TTL k"},
	{"incr on raw and big", "SET k 12345678901234567890", "INCR k", "SET k 9223372036854775806", "INCR k", "APPEND n 1", "APPEND n 2", "INCR n"},

	// INCRBYFLOAT.
	{"incrbyfloat basics", "INCRBYFLOAT k 10.5", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k -5", "INCRBYFLOAT k 3.0e3", "INCRBYFLOAT k 5.0e3",
		"INCRBYFLOAT k 2.0e-3", "GET k", "SET k 5.0e3", "INCRBYFLOAT k 2.0e2", "SET k 10", "INCRBYFLOAT k 1", "INCRBYFLOAT k 0"},
	{"incrbyfloat tenths", "SET k 0", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1",
		"INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1",
		"INCRBYFLOAT k -0.3", "INCRBYFLOAT k -0.7", "INCRBYFLOAT k -0.1"},
	{"incrbyfloat errors", "INCRBYFLOAT k inf", "INCRBYFLOAT k -inf", "INCRBYFLOAT k +Infinity", "INCRBYFLOAT k nan", "INCRBYFLOAT k NaN",
		"INCRBYFLOAT k \" 1\"", "INCRBYFLOAT k \"1 \"", "INCRBYFLOAT k \"\"", "INCRBYFLOAT k abc", "INCRBYFLOAT k 1e", "INCRBYFLOAT k 1e+",
		"INCRBYFLOAT k .", "INCRBYFLOAT k 0x", "INCRBYFLOAT k \"1\\x002\"", "INCRBYFLOAT k -", "EXISTS k"},
	{"incrbyfloat bad value", "SET k abc", "INCRBYFLOAT k 1", "SET k \" 1\"", "INCRBYFLOAT k 1", "SET k inf", "INCRBYFLOAT k 1",
		"SET k nan", "INCRBYFLOAT k 1", "SADD l a", "INCRBYFLOAT l 1", "INCRBYFLOAT l abc"},
	{"incrbyfloat forms", "INCRBYFLOAT a +1", "INCRBYFLOAT b .5", "INCRBYFLOAT c 5.", "INCRBYFLOAT d 0x10", "INCRBYFLOAT e 0x1p-3",
		"INCRBYFLOAT f 0X1.8P1", "INCRBYFLOAT g -0", "INCRBYFLOAT h 1E2", "INCRBYFLOAT i 00012.50000", "INCRBYFLOAT j 0x.8",
		"INCRBYFLOAT k 1e-20", "INCRBYFLOAT l -1e-20", "INCRBYFLOAT m 123456789012345678901234567890", "INCRBYFLOAT n 0.1e1"},
	{"incrbyfloat huge", "INCRBYFLOAT a 1e4000", "INCRBYFLOAT a 1", "INCRBYFLOAT b 1.7976931348623157e308", "INCRBYFLOAT c 1e4932",
		"INCRBYFLOAT c 1e4932", "INCRBYFLOAT d 1e4933", "INCRBYFLOAT e 1e5000", "INCRBYFLOAT f -1e4932", "INCRBYFLOAT f -1e4932",
		"INCRBYFLOAT g 1.18973149535723176502e4932", "INCRBYFLOAT h 1.18973149535723176503e4932", "INCRBYFLOAT i 0x1p16383",
		"INCRBYFLOAT j 0x1p16384", "INCRBYFLOAT k 1e99999999999999999999"},
	{"incrbyfloat tiny", "INCRBYFLOAT a 1e-4950", "INCRBYFLOAT b 1e-5000", "INCRBYFLOAT c 3.6e-4951", "INCRBYFLOAT d 1.8e-4951",
		"INCRBYFLOAT e 1e-4951", "INCRBYFLOAT f 0x1p-16445", "INCRBYFLOAT g 0x1p-16446", "INCRBYFLOAT h 0x1.0000001p-16446",
		"INCRBYFLOAT i 1e-99999999999999999", "INCRBYFLOAT j 0e99999999999", "INCRBYFLOAT k 1e-4940", "INCRBYFLOAT k 1e-4940"},
	{"incrbyfloat precision", "INCRBYFLOAT a 1.23456789012345678", "INCRBYFLOAT a 1e-17", "INCRBYFLOAT b 0.000000000000000005",
		"INCRBYFLOAT c 0.000000000000000015", "INCRBYFLOAT d 0.3333333333333333333333", "INCRBYFLOAT d 0.6666666666666666666666",
		"INCRBYFLOAT e 9007199254740993", "INCRBYFLOAT e 0.5", "INCRBYFLOAT f 18446744073709551615", "INCRBYFLOAT g 1e20",
		"INCRBYFLOAT g 1e-5", "INCRBYFLOAT h 3.14159265358979323846264338327950288", "INCRBYFLOAT i 2.5e-17", "INCRBYFLOAT j -2.5e-17"},
	{"incrbyfloat keeps ttl", "SET k 1 EX 100", "INCRBYFLOAT k 1.5", "TTL k"},
	{"incrbyfloat resp3", "!HELLO 3", "INCRBYFLOAT k 1.5"},

	// LCS.
	{"lcs", "MSET a ohmytext b mynewtext", "LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX WITHMATCHLEN",
		"LCS a b IDX MINMATCHLEN 4", "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "LCS a b MINMATCHLEN -5 IDX", "LCS b a IDX WITHMATCHLEN"},
	{"lcs missing and empty", "LCS x y", "LCS x y LEN", "LCS x y IDX", "SET a abc", "LCS a y", "LCS y a IDX"},
	{"lcs errors", "SET a abc", "SADD l x", "LCS a l", "LCS l a LEN", "LCS a b LEN IDX", "LCS a b foo", "LCS a b MINMATCHLEN",
		"LCS a b MINMATCHLEN x", "LCS a b IDX MINMATCHLEN 1.5", "LCS a", "LCS l a foo"},
	{"lcs ties", "SET a abcabcabc", "SET b cbacbacba", "LCS a b", "LCS a b IDX WITHMATCHLEN", "SET c aaaa", "SET d aa",
		"LCS c d IDX", "LCS d c IDX", "SET e \"a\\x00b\\x00c\"", "LCS e e IDX WITHMATCHLEN"},
	{"lcs resp3", "!HELLO 3", "MSET a ohmytext b mynewtext", "LCS a b IDX WITHMATCHLEN", "LCS a b LEN"},
	{"lcs memory guard", "CONFIG SET proto-max-bulk-len 1mb", "SET a aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "SET b abababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababab", "LCS a b", "LCS a b LEN", "LCS a b IDX",
		"SET b abababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababababab", "LCS a b LEN", "CONFIG SET proto-max-bulk-len 512mb"},
	{"size limit follows proto-max-bulk-len", "CONFIG SET proto-max-bulk-len 1mb", "SETRANGE k 1048576 x", "SETRANGE k 1048575 x",
		"STRLEN k", "APPEND k x", "SETRANGE n 1048575 \"\"", "SETBIT b 8388608 1", "SETBIT b 8388607 1", "STRLEN b",
		"BITFIELD b SET u8 8388608 1", "BITFIELD b SET u8 8388602 1", "STRLEN b", "GETBIT b 8388608", "CONFIG SET proto-max-bulk-len 512mb"},
	{"lcs int values", "SET a 12345", "SET b 2345", "LCS a b", "LCS a b IDX"},

	// Encodings as OBJECT ENCODING reports them.
	{"encodings set", "SET k 123", "OBJECT ENCODING k", "SET k -9223372036854775808", "OBJECT ENCODING k", "SET k 9223372036854775808",
		"OBJECT ENCODING k", "SET k 0123", "OBJECT ENCODING k", "SET k abc", "OBJECT ENCODING k",
		"SET k 12345678901234567890123456789012345678901234", "OBJECT ENCODING k",
		"SET k 123456789012345678901234567890123456789012345", "OBJECT ENCODING k", "SET k \"\"", "OBJECT ENCODING k"},
	{"encodings commands", "APPEND a 123", "OBJECT ENCODING a", "APPEND a x", "OBJECT ENCODING a", "APPEND b abc", "OBJECT ENCODING b",
		"SET c 1", "APPEND c \"\"", "OBJECT ENCODING c", "SETRANGE d 0 12", "OBJECT ENCODING d", "SET e 55", "SETRANGE e 0 \"\"",
		"OBJECT ENCODING e", "SETRANGE e 0 6", "OBJECT ENCODING e", "INCR e", "OBJECT ENCODING e", "INCRBYFLOAT f 3", "OBJECT ENCODING f",
		"INCRBYFLOAT g 1e50", "OBJECT ENCODING g", "SET h 10", "INCRBYFLOAT h 1", "OBJECT ENCODING h", "SETNX i 5", "OBJECT ENCODING i",
		"GETSET i 6", "OBJECT ENCODING i", "MSET j 7 k eight", "OBJECT ENCODING j", "OBJECT ENCODING k", "SETEX l 100 9", "OBJECT ENCODING l",
		"SET m abc", "INCRBY m 1", "SET m 5", "DECRBY m 10", "OBJECT ENCODING m"},
}

func TestDiffString(t *testing.T) { runDiff(t, availableCases(t, stringCases)) }

// Commands that other families provide: a case using one Ember does not
// know yet is skipped with the reason, rather than failing here.
var (
	knownMu  sync.Mutex
	knownCmd = map[string]bool{}
)

func emberKnows(t *testing.T, name string) bool {
	knownMu.Lock()
	defer knownMu.Unlock()
	if v, ok := knownCmd[name]; ok {
		return v
	}
	ember, _ := sharedServers(t)
	c := dialRaw(t, ember.Addr)
	reply, err := c.Do(name)
	v := err == nil && !strings.HasPrefix(reply, "-ERR unknown command")
	knownCmd[name] = v
	return v
}

func availableCases(t *testing.T, cases []diffCase) []diffCase {
	t.Helper()
	if !emberKnows(t, "flushall") {
		t.Skip("ember has no FLUSHALL yet: cases cannot start from an empty database")
	}
	var out []diffCase
	for _, dc := range cases {
		ok := true
		for _, line := range dc.cmds() {
			line = strings.TrimLeft(line, "~!")
			name := strings.ToLower(strings.Fields(line)[0])
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
	return out
}

// quoteArg renders b for splitCommand: double quoted, every byte as \xNN.
func quoteArg(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		sb.WriteString(`\x`)
		sb.WriteByte("0123456789abcdef"[c>>4])
		sb.WriteByte("0123456789abcdef"[c&15])
	}
	sb.WriteByte('"')
	return sb.String()
}

// randomStringCases generates seeded random scripts over the range and bit
// commands, whose index arithmetic has the most corner cases.
func randomStringCases(seed uint64, n int) []diffCase {
	r := rand.New(rand.NewPCG(seed, 7))
	randBytes := func(max int) []byte {
		b := make([]byte, r.IntN(max+1))
		for i := range b {
			switch r.IntN(4) {
			case 0:
				b[i] = 0
			case 1:
				b[i] = 0xff
			default:
				b[i] = byte(r.IntN(256))
			}
		}
		return b
	}
	idx := func(n int) string { return strconv.Itoa(r.IntN(4*n+20) - 2*n - 10) }
	unit := func() string { return []string{"", " BIT", " BYTE"}[r.IntN(3)] }
	var cases []diffCase
	for i := 0; i < n; i++ {
		v := randBytes(40)
		dc := diffCase{fmt.Sprintf("random %d", i), "SET k " + quoteArg(v)}
		for j := 0; j < 40; j++ {
			ln := len(v) * 8
			switch r.IntN(8) {
			case 0:
				dc = append(dc, "BITCOUNT k "+idx(ln)+" "+idx(ln)+unit())
			case 1:
				dc = append(dc, fmt.Sprintf("BITPOS k %d", r.IntN(2)))
			case 2:
				dc = append(dc, fmt.Sprintf("BITPOS k %d %s", r.IntN(2), idx(ln)))
			case 3:
				dc = append(dc, fmt.Sprintf("BITPOS k %d %s %s%s", r.IntN(2), idx(ln), idx(ln), unit()))
			case 4:
				dc = append(dc, "GETRANGE k "+idx(len(v))+" "+idx(len(v)))
			case 5:
				dc = append(dc, fmt.Sprintf("SETRANGE k %d %s", r.IntN(len(v)+10), quoteArg(randBytes(5))))
			case 6:
				t := []string{"i", "u"}[r.IntN(2)]
				bits := 1 + r.IntN(63)
				if t == "i" {
					bits++
				}
				dc = append(dc, fmt.Sprintf("BITFIELD k OVERFLOW %s %s %s%d %d %d GET %s%d %d",
					[]string{"WRAP", "SAT", "FAIL"}[r.IntN(3)], []string{"SET", "INCRBY"}[r.IntN(2)], t, bits, r.IntN(ln+16),
					r.Int64N(1<<40)-1<<39, t, bits, r.IntN(ln+16)))
			case 7:
				dc = append(dc, "SET o "+quoteArg(randBytes(30)), "LCS k o IDX WITHMATCHLEN", "LCS k o",
					fmt.Sprintf("BITOP %s d k o", []string{"AND", "OR", "XOR"}[r.IntN(3)]), "GET d")
			}
		}
		dc = append(dc, "GET k")
		cases = append(cases, dc)
	}
	return cases
}

func TestDiffStringRandom(t *testing.T) { runDiff(t, availableCases(t, randomStringCases(1, 40))) }

// randomFloatCases compares INCRBYFLOAT over random decimal and
// hexadecimal inputs of every magnitude.
func randomFloatCases(seed uint64, n int) []diffCase {
	r := rand.New(rand.NewPCG(seed, 9))
	num := func() string {
		var s string
		if r.IntN(2) == 0 {
			s = "-"
		}
		switch r.IntN(5) {
		case 0:
			return s + strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(40)-20)), 'g', -1, 64)
		case 1:
			return s + strconv.Itoa(r.IntN(1000)) + "." + strconv.Itoa(r.IntN(1000000))
		case 2:
			return fmt.Sprintf("%s%d.%de%d", s, r.IntN(100), r.IntN(1000), r.IntN(9900)-4950)
		case 3:
			return fmt.Sprintf("%s0x%x.%xp%d", s, r.Uint64(), r.IntN(4096), r.IntN(400)-200)
		}
		return s + strconv.FormatUint(r.Uint64(), 10) + strconv.Itoa(r.IntN(1000))
	}
	var cases []diffCase
	for i := 0; i < n; i++ {
		dc := diffCase{fmt.Sprintf("float %d", i), "SET k " + num()}
		for j := 0; j < 10; j++ {
			dc = append(dc, "INCRBYFLOAT k "+num())
		}
		cases = append(cases, dc)
	}
	return cases
}

func TestDiffIncrByFloatRandom(t *testing.T) { runDiff(t, availableCases(t, randomFloatCases(2, 60))) }
