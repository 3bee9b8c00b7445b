package store

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func elems(from, to int) [][]byte {
	var out [][]byte
	for i := from; i <= to; i++ {
		out = append(out, []byte(strconv.Itoa(i)))
	}
	return out
}

// The bytes and estimates Redis 7.0.15 produced for the same elements
// (redis-cli GET and PFCOUNT), so hashing, the sparse opcodes and the
// estimator are Redis's exactly.
func TestHLL_MatchesRedisBytes(t *testing.T) {
	now := int64(1)
	tx := stringTx(t, &now)
	letters := [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d"), []byte("e"), []byte("f"), []byte("g")}
	if up, err := tx.PFAdd([]byte("g"), letters, 3000); err != nil || !up {
		t.Fatalf("PFADD: %v %v", up, err)
	}
	body := "Fm\x80V\x0c\x80D<\x848\x80P\xb1\x84I\x8c\x80Bm\x80BZ"
	want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80" + body
	if got := mustGet(t, tx, "g"); got != want {
		t.Fatalf("after PFADD:\n got %q\nwant %q", got, want)
	}
	if card, cached, err := tx.PFCount([][]byte{[]byte("g")}); card != 7 || !cached || err != nil {
		t.Fatalf("PFCOUNT: %d %v %v", card, cached, err)
	}
	want = "HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00" + body
	if got := mustGet(t, tx, "g"); got != want {
		t.Fatalf("after PFCOUNT (cache written):\n got %q\nwant %q", got, want)
	}
	if card, cached, _ := tx.PFCount([][]byte{[]byte("g")}); card != 7 || cached {
		t.Fatalf("second PFCOUNT should read the cache: %d %v", card, cached)
	}
	for _, c := range []struct {
		n    int
		want uint64
		enc  string
	}{{2000, 2006, "dense"}, {100000, 99562, "dense"}} {
		key := []byte("n" + strconv.Itoa(c.n))
		for from := 1; from <= c.n; from += 1000 {
			if _, err := tx.PFAdd(key, elems(from, min(from+999, c.n)), 3000); err != nil {
				t.Fatal(err)
			}
		}
		if card, _, _ := tx.PFCount([][]byte{key}); card != c.want {
			t.Errorf("PFCOUNT of 1..%d: %d, Redis says %d", c.n, card, c.want)
		}
		_, enc, _, _, _ := tx.PFDebug("encoding", key)
		if enc != c.enc {
			t.Errorf("1..%d: encoding %s, want %s", c.n, enc, c.enc)
		}
	}
}

// Sparse edits, checked against a plain register array after each one:
// the sparse form always decodes to exactly the registers set.
func TestHLL_SparseSetMatchesPlainRegisters(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 20; round++ {
		v := newHLL()
		var plain [hllRegisters]uint8
		for step := 0; step < 400; step++ {
			i := r.IntN(hllRegisters)
			if round%2 == 0 {
				i = r.IntN(64) // crowd a few opcodes: splits and merges
			}
			n := uint8(1 + r.IntN(hllValMaxValue))
			var changed bool
			var err error
			v, changed, err = sparseSet(v, i, n, 1<<20)
			if err != nil {
				t.Fatalf("round %d step %d: %v", round, step, err)
			}
			if changed != (n > plain[i]) {
				t.Fatalf("set %d to %d over %d: changed=%v", i, n, plain[i], changed)
			}
			plain[i] = max(plain[i], n)
			if v[4] != hllSparse {
				t.Fatal("promoted without reason")
			}
			d, err := sparseToDense(v)
			if err != nil {
				t.Fatalf("round %d step %d: sparse form does not decode: %v", round, step, err)
			}
			for j := range plain {
				if got := denseGet(d[hllHdrSize:], j); got != plain[j] {
					t.Fatalf("round %d step %d: register %d = %d, want %d", round, step, j, got, plain[j])
				}
			}
		}
	}
}

func TestHLL_Promotion(t *testing.T) {
	// A value over 32 does not fit a VAL opcode.
	v, changed, err := sparseSet(newHLL(), 100, 40, 3000)
	if err != nil || !changed || v[4] != hllDense || len(v) != hllDenseSize {
		t.Fatalf("value 40: changed=%v err=%v enc=%d len=%d", changed, err, v[4], len(v))
	}
	if got := denseGet(v[hllHdrSize:], 100); got != 40 {
		t.Fatalf("register 100 = %d after promotion", got)
	}
	// A sparse form that would outgrow hll-sparse-max-bytes.
	v = newHLL()
	for i := 0; v[4] == hllSparse && i < hllRegisters; i += 3 {
		v, _, err = sparseSet(v, i, 1, 40)
		if err != nil {
			t.Fatal(err)
		}
		if v[4] == hllSparse && len(v) > 40 {
			t.Fatalf("sparse form grew to %d bytes past a 40-byte limit", len(v))
		}
	}
	if v[4] != hllDense {
		t.Fatal("never promoted")
	}
	// The last register's bits end the registers: reading and writing it
	// stays in bounds.
	regs := make([]byte, hllDenseSize-hllHdrSize)
	denseSet(regs, hllRegisters-1, 63)
	if denseGet(regs, hllRegisters-1) != 63 || denseGet(regs, hllRegisters-2) != 0 {
		t.Fatal("last register")
	}
}

func TestHLL_Errors(t *testing.T) {
	now := int64(1)
	tx := stringTx(t, &now)
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	tx.SetString([]byte("short"), []byte("HYLL"), 0, false)
	tx.SetString([]byte("enc2"), []byte("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0, false)
	tx.SetString([]byte("densebad"), []byte("HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00xx"), 0, false)
	tx.SetString([]byte("trunc"), []byte(hdr+"\x7f"), 0, false)       // half an XZERO
	tx.SetString([]byte("fewregs"), []byte(hdr+"\x40\x00"), 0, false) // covers 1 register
	tx.SetString([]byte("num"), []byte("12345"), 0, false)
	for _, k := range []string{"short", "enc2", "densebad", "num"} {
		if _, err := tx.PFAdd([]byte(k), elems(1, 3), 3000); err != ErrNotHLL {
			t.Errorf("PFADD %s: %v", k, err)
		}
		if _, _, err := tx.PFCount([][]byte{[]byte(k)}); err != ErrNotHLL {
			t.Errorf("PFCOUNT %s: %v", k, err)
		}
	}
	for _, k := range []string{"trunc", "fewregs"} {
		if _, _, err := tx.PFCount([][]byte{[]byte(k)}); err != ErrInvalidHLL {
			t.Errorf("PFCOUNT %s: %v", k, err)
		}
		if _, _, err := tx.PFCount([][]byte{[]byte(k), []byte("nokey")}); err != ErrInvalidHLL {
			t.Errorf("PFCOUNT %s nokey: %v", k, err)
		}
		if err := tx.PFMerge([]byte("dst"), [][]byte{[]byte(k)}, 3000); err != ErrInvalidHLL {
			t.Errorf("PFMERGE dst %s: %v", k, err)
		}
	}
	tx.ListPush([]byte("list"), [][]byte{[]byte("x")}, false, false)
	if _, err := tx.PFAdd([]byte("list"), nil, 3000); err != ErrWrongType {
		t.Errorf("PFADD on a list: %v", err)
	}
}

func TestHLL_EstimateAndMerge(t *testing.T) {
	now := int64(1)
	tx := stringTx(t, &now)
	// Two overlapping sets: 1..30000 and 20001..50000.
	for from := 1; from <= 30000; from += 1000 {
		tx.PFAdd([]byte("a"), elems(from, from+999), 3000)
	}
	for from := 20001; from <= 50000; from += 1000 {
		tx.PFAdd([]byte("b"), elems(from, from+999), 3000)
	}
	union, _, err := tx.PFCount([][]byte{[]byte("a"), []byte("b")})
	if err != nil || math.Abs(float64(union)-50000) > 50000*0.03 {
		t.Fatalf("union estimate %d (err %v), want 50000 within 3%%", union, err)
	}
	if err := tx.PFMerge([]byte("m"), [][]byte{[]byte("a"), []byte("b")}, 3000); err != nil {
		t.Fatal(err)
	}
	merged, _, _ := tx.PFCount([][]byte{[]byte("m")})
	if merged != union {
		t.Fatalf("PFMERGE then PFCOUNT %d, PFCOUNT of both %d", merged, union)
	}
	// Merging a set into itself changes no register.
	before := mustGet(t, tx, "m")
	tx.PFMerge([]byte("m"), [][]byte{[]byte("a")}, 3000)
	if after := mustGet(t, tx, "m"); !bytes.Equal([]byte(after[16:]), []byte(before[16:])) {
		t.Fatal("merging a subset changed registers")
	}
}

func TestHLL_SelfTest(t *testing.T) {
	if msg := HLLSelfTest(); msg != "" {
		t.Fatal(msg)
	}
}

// Any bytes behind a HyperLogLog header: every reader either accepts them
// or reports ErrInvalidHLL, never panics, and what one decoder accepts the
// others accept too.
func FuzzHLLValue(f *testing.F) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	f.Add([]byte(hdr+"\x7f\xff"), uint16(5), uint8(3))
	f.Add([]byte(hdr+"Fm\x80V\x0c\x80D<\x848\x80P\xb1\x84I\x8c\x80Bm\x80BZ"), uint16(100), uint8(33))
	f.Add([]byte(hdr+"\x7f"), uint16(0), uint8(1))
	f.Add([]byte(hdr+"\x40\x00\xff\xff"), uint16(16383), uint8(32))
	f.Fuzz(func(t *testing.T, body []byte, index uint16, count uint8) {
		v := append([]byte(hdr), body...)
		if len(body) >= 2 && body[0] == 0 && body[1] == 0 {
			// Also try the bytes as a dense value of the right size.
			v = make([]byte, hllDenseSize)
			copy(v, hdr)
			v[4] = hllDense
			copy(v[hllHdrSize:], body)
		}
		var hist [64]int
		hllHistogram(v, &hist)
		hllEstimate(&hist)
		var regs [hllRegisters]uint8
		mergeErr := hllMergeInto(&regs, v)
		_, denseErr := sparseToDense(append([]byte(nil), v...))
		if (mergeErr == nil) != (denseErr == nil) {
			t.Fatalf("merge says %v, conversion says %v", mergeErr, denseErr)
		}
		idx := int(index) % hllRegisters
		c := count%63 + 1
		if v[4] == hllSparse {
			out, _, err := sparseSet(append([]byte(nil), v...), idx, c, 3000)
			if err == nil && out[4] == hllSparse {
				if _, err := sparseToDense(out); err != nil && denseErr == nil {
					t.Fatalf("a valid value became invalid after setting %d to %d", idx, c)
				}
			}
		}
	})
}
