package tests

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// HyperLogLog values are strings in Redis's own format: GET compares their
// bytes (sparse opcodes, dense registers, cached estimate) with Redis's.
const hllHdr = `HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`

var hllCases = []diffCase{
	{"pfadd basics", "PFADD h a b c", "GET h", "PFADD h a", "PFADD h", "PFADD new", "GET new", "PFCOUNT new", "PFCOUNT h", "GET h",
		"PFCOUNT h", "PFADD h d", "GET h", "OBJECT ENCODING h", "TYPE h", "STRLEN h", "PFCOUNT nokey", "PFCOUNT h nokey"},
	{"pf arity", "PFADD", "PFCOUNT", "PFMERGE", "PFDEBUG", "PFDEBUG getreg", "PFDEBUG getreg a b", "PFSELFTEST x"},
	{"pf wrong types", "SET s foo", "PFADD s a", "PFCOUNT s", "PFCOUNT nokey s", "PFMERGE s", "PFMERGE d s", "EXISTS d",
		"SET n 12345", "PFADD n a", "LPUSH l a", "PFADD l a", "PFCOUNT l", "PFMERGE l", "PFMERGE d l", "PFDEBUG encoding l", "PFDEBUG encoding s"},
	{"pf malformed values", `SET short "HYLL"`, "PFADD short a", `SET enc2 "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"`, "PFCOUNT enc2",
		`SET dense "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00xyz"`, "PFADD dense a", "PFCOUNT dense",
		`SET trunc "` + hllHdr + `\x7f"`, "PFADD trunc a", "GET trunc", "PFCOUNT trunc", "PFCOUNT trunc nokey", "PFMERGE d trunc", "EXISTS d",
		`SET few "` + hllHdr + `\x40\x00"`, "PFCOUNT few", "PFADD few a", "GET few", "PFMERGE few", "PFDEBUG getreg few", "PFDEBUG todense few",
		`SET over "` + hllHdr + `\xff\xff\xff\x7f\xff"`, "PFCOUNT over", "PFADD over zz", "PFMERGE d2 over"},
	{"pf cached estimate is trusted", `SET c "HYLL\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x7f\xff"`, "PFCOUNT c", "PFADD c a", "PFCOUNT c", "GET c"},
	{"pf embstr becomes raw", "PFADD src a", "SET copy placeholder", "COPY src copy REPLACE", "OBJECT ENCODING copy", "PFADD copy a", "OBJECT ENCODING copy"},
	{"pfadd keeps ttl", "PFADD h a", "EXPIRE h 100", "PFADD h b c", "TTL h", "PFMERGE h x", "TTL h", "PFCOUNT h", "TTL h"},
	{"pfmerge", "PFADD a 1 2 3 4 5", "PFADD b 4 5 6 7", "PFMERGE m a b", "GET m", "PFCOUNT m", "PFCOUNT a b", "PFMERGE m", "GET m",
		"PFMERGE fresh", "GET fresh", "PFMERGE a b", "GET a", "PFMERGE e nokey1 nokey2", "GET e", "PFDEBUG encoding m"},
	{"pfdebug", "PFADD h a b c", "PFDEBUG encoding h", "PFDEBUG decode h", "PFDEBUG ENCODING h", "PFDEBUG nosuch h", "PFDEBUG nosuch nokey",
		"PFDEBUG getreg nokey", "!PFDEBUG getreg h", "PFDEBUG encoding h", "PFDEBUG decode h", "PFDEBUG todense h", "PFDEBUG todense h", "GET h", "PFCOUNT h"},
	{"pfselftest", "PFSELFTEST"},
	// Redis counts PFDEBUG's conversion to dense as a change (dirty++) but
	// does not signal the key as modified: a WATCH on it still holds.
	{"pfdebug conversion keeps watch", "PFADD h a b", "WATCH h", "PFDEBUG todense h", "MULTI", "PING", "EXEC",
		"PFADD g a", "WATCH g", "PFDEBUG getreg g", "PFDEBUG encoding g", "MULTI", "PING", "EXEC",
		"PFADD f a", "WATCH f", "PFADD f b", "MULTI", "PING", "EXEC"},
	{"pf in multi", "MULTI", "PFADD h a b", "PFCOUNT h", "GET h", "EXEC"},
	{"hll-sparse-max-bytes", "CONFIG SET hll-sparse-max-bytes 40", "PFADD h a b c d e f g h i j k l", "PFDEBUG encoding h", "GET h",
		"CONFIG SET hll-sparse-max-bytes 3000", "PFADD s a b c d e f g h i j k l", "PFDEBUG encoding s", "PFMERGE s h", "PFDEBUG encoding s", "GET s"},
	// Redis compares PFDEBUG's subcommand as a C string: it ends at a NUL byte.
	{"pfdebug subcommand ends at nul", "PFADD h a", `PFDEBUG "encoding\x00" h`, `PFDEBUG "getreg\x00x" nokey`, `PFDEBUG "encodingx" h`,
		`PFDEBUG "foo\x00bar" h`, `PFDEBUG "foo\r\nbar" h`},
}

func TestDiffHLL(t *testing.T) { runDiff(t, hllCases) }

// Random PFADDs to a few keys from an element pool (so that elements
// repeat), with the estimates and the values' bytes compared after each,
// through the sparse form's splits and merges, its promotion to dense
// (by size, at the default and a small hll-sparse-max-bytes) and merges
// of sparse and dense values.
func TestDiffHLLRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var cases []diffCase
	for _, maxBytes := range []int{3000, 300} {
		dc := diffCase{fmt.Sprintf("random, hll-sparse-max-bytes %d", maxBytes), fmt.Sprintf("CONFIG SET hll-sparse-max-bytes %d", maxBytes)}
		keys := []string{"h1", "h2", "h3"}
		for step := 0; step < 120; step++ {
			k := keys[r.IntN(len(keys))]
			n := 1 + r.IntN(1+step*4)
			var els []string
			for range n {
				els = append(els, fmt.Sprintf("e%d", r.IntN(20000)))
			}
			dc = append(dc, "PFADD "+k+" "+strings.Join(els, " "), "PFCOUNT "+k, "GET "+k)
			if step%10 == 9 {
				dc = append(dc, "PFCOUNT h1 h2 h3", "PFMERGE m "+k+" h1", "GET m", "PFCOUNT m", "PFDEBUG encoding "+k)
			}
		}
		dc = append(dc, "CONFIG SET hll-sparse-max-bytes 3000")
		cases = append(cases, dc)
	}
	runDiff(t, cases)
}
