package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// stringTx returns a Tx holding every shard of a fresh store whose clock is
// *now (unix ms).
func stringTx(t testing.TB, now *int64) *Tx {
	t.Helper()
	s := New(Options{Databases: 2, Shards: 4, Now: func() int64 { return *now }})
	tx := NewTx(s)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	t.Cleanup(tx.Unlock)
	return tx
}

func mustGet(t *testing.T, tx *Tx, key string) string {
	t.Helper()
	v, ok, err := tx.GetString([]byte(key))
	if err != nil || !ok {
		t.Fatalf("GET %s: ok=%v err=%v", key, ok, err)
	}
	return string(v)
}

func encOf(tx *Tx, key string) string {
	e, ok := tx.ObjectEncoding([]byte(key))
	if !ok {
		return "none"
	}
	return e.String()
}

func TestString_StringEncoding(t *testing.T) {
	cases := []struct{ val, enc string }{
		{"0", "int"}, {"123", "int"}, {"-123", "int"}, {"9223372036854775807", "int"}, {"-9223372036854775808", "int"},
		{"9223372036854775808", "embstr"}, {"0123", "embstr"}, {"-0", "embstr"}, {"+1", "embstr"}, {" 1", "embstr"},
		{"", "embstr"}, {"abc", "embstr"}, {string(bytes.Repeat([]byte("a"), 44)), "embstr"},
		{string(bytes.Repeat([]byte("a"), 45)), "raw"}, {string(bytes.Repeat([]byte("1"), 45)), "raw"},
	}
	for _, c := range cases {
		if got := StringEncoding([]byte(c.val)).String(); got != c.enc {
			t.Errorf("StringEncoding(%q) = %s, want %s", c.val, got, c.enc)
		}
	}
}

func TestString_Append(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	n, err := tx.Append([]byte("k"), []byte("12"), 1<<20)
	if err != nil || n != 2 || encOf(tx, "k") != "int" {
		t.Fatalf("append to missing: n=%d err=%v enc=%s", n, err, encOf(tx, "k"))
	}
	if n, _ = tx.Append([]byte("k"), []byte(""), 1<<20); n != 2 || encOf(tx, "k") != "raw" {
		t.Fatalf("empty append: n=%d enc=%s", n, encOf(tx, "k"))
	}
	tx.SetString([]byte("t"), []byte("a"), 5000, false)
	tx.Append([]byte("t"), []byte("b"), 1<<20)
	if at, _ := tx.Expiry([]byte("t")); at != 5000 {
		t.Fatalf("APPEND dropped the expiry: %d", at)
	}
	if _, err := tx.Append([]byte("t"), []byte("xyz"), 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("append beyond the limit: %v", err)
	}
	if _, err := tx.Append([]byte("t"), []byte("xy"), 4); err != nil || mustGet(t, tx, "t") != "abxy" {
		t.Fatalf("append up to the limit: %v %q", err, mustGet(t, tx, "t"))
	}
}

func TestString_AppendIsAmortised(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	key := []byte("k")
	allocs := testing.AllocsPerRun(1, func() {
		tx.Delete(key)
		for i := 0; i < 100000; i++ {
			tx.Append(key, []byte("0123456789"), 1<<30)
		}
	})
	// Doubling growth: a few dozen reallocations for a megabyte, not one
	// per call.
	if allocs > 100 {
		t.Fatalf("100000 appends made %.0f allocations", allocs)
	}
	if v := mustGet(t, tx, "k"); len(v) != 1000000 || v[:20] != "01234567890123456789" {
		t.Fatalf("value of length %d", len(v))
	}
}

func TestString_SetRange(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	cases := []struct {
		off     int64
		val     string
		n       int
		changed bool
		want    string
	}{
		{0, "", 0, false, ""},
		{5, "ab", 7, true, "\x00\x00\x00\x00\x00ab"},
		{0, "xyz", 7, true, "xyz\x00\x00ab"},
		{6, "cdef", 10, true, "xyz\x00\x00acdef"},
		{20, "", 10, false, "xyz\x00\x00acdef"},
		{70, "!", 71, true, "xyz\x00\x00acdef" + string(make([]byte, 60)) + "!"},
		{0, "Z", 71, true, "Zyz\x00\x00acdef" + string(make([]byte, 60)) + "!"},
	}
	for i, c := range cases {
		n, changed, err := tx.SetRange([]byte("k"), c.off, []byte(c.val), 1<<20)
		if err != nil || n != c.n || changed != c.changed {
			t.Fatalf("step %d: n=%d changed=%v err=%v", i, n, changed, err)
		}
		if v, _, _ := tx.GetString([]byte("k")); string(v) != c.want {
			t.Fatalf("step %d: %q, want %q", i, v, c.want)
		}
	}
	if encOf(tx, "k") != "raw" {
		t.Fatalf("encoding %s", encOf(tx, "k"))
	}
	if _, _, err := tx.SetRange([]byte("big"), 4611686018427387904, []byte("x"), 512<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge offset: %v", err)
	}
	if _, _, err := tx.SetRange([]byte("big"), 1<<62, []byte("x"), 1<<62); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("offset beyond the limit: %v", err)
	}
	if tx.Exists([]byte("big")) {
		t.Fatal("a failed SETRANGE created the key")
	}
}

func TestString_IncrByFloat(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	tx.SetString([]byte("k"), []byte("10"), 9000, false)
	v, err := tx.IncrByFloat([]byte("k"), []byte("0.5"))
	if err != nil || string(v) != "10.5" || encOf(tx, "k") != "embstr" {
		t.Fatalf("got %q %v %s", v, err, encOf(tx, "k"))
	}
	if at, _ := tx.Expiry([]byte("k")); at != 9000 {
		t.Fatal("expiry lost")
	}
	if v, _ = tx.IncrByFloat([]byte("k"), []byte("-0.5")); string(v) != "10" || encOf(tx, "k") != "embstr" {
		t.Fatalf("got %q %s", v, encOf(tx, "k"))
	}
	if v, _ = tx.IncrByFloat([]byte("k"), []byte("1e50")); len(v) != 51 || encOf(tx, "k") != "raw" {
		t.Fatalf("got %q %s", v, encOf(tx, "k"))
	}
	for _, c := range []struct {
		val, incr string
		err       error
	}{{"abc", "1", ErrNotFloat}, {"1", "abc", ErrNotFloat}, {"1", "inf", ErrNaN}, {"inf", "-inf", ErrNaN}, {"1", "nan", ErrNotFloat}} {
		tx.SetString([]byte("e"), []byte(c.val), 0, false)
		if _, err := tx.IncrByFloat([]byte("e"), []byte(c.incr)); !errors.Is(err, c.err) {
			t.Errorf("%s + %s: %v, want %v", c.val, c.incr, err, c.err)
		}
		if got := mustGet(t, tx, "e"); got != c.val {
			t.Errorf("failed INCRBYFLOAT changed the value to %q", got)
		}
	}
}

func TestString_IncrBy(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	tx.SetString([]byte("k"), []byte("9223372036854775806"), 0, false)
	if n, err := tx.IncrBy([]byte("k"), 1); err != nil || n != 1<<63-1 {
		t.Fatalf("%d %v", n, err)
	}
	if _, err := tx.IncrBy([]byte("k"), 1); !errors.Is(err, ErrOverflow) {
		t.Fatal(err)
	}
	tx.SetStringEnc([]byte("r"), []byte("5"), EncRaw, 0, false)
	if n, _ := tx.IncrBy([]byte("r"), 1); n != 6 || encOf(tx, "r") != "int" {
		t.Fatalf("%d %s", n, encOf(tx, "r"))
	}
	tx.SetString([]byte("s"), []byte("007"), 0, false)
	if _, err := tx.IncrBy([]byte("s"), 1); !errors.Is(err, ErrNotInteger) {
		t.Fatal(err)
	}
}

// A model check: random string operations on the store and on a map, across
// the arena/out-of-line boundary and arena compaction, compared after every
// step.
func TestString_RandomOpsMatchModel(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	model := map[string][]byte{}
	rnd := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c", "d", "e", "long-key-name-0123456789"}
	randVal := func() []byte {
		n := []int{0, 1, 5, 30, 63, 64, 65, 200}[rnd.IntN(8)]
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rnd.IntN(26))
		}
		return b
	}
	for step := 0; step < 20000; step++ {
		k := keys[rnd.IntN(len(keys))]
		key := []byte(k)
		var op string
		switch rnd.IntN(7) {
		case 0:
			op = "set"
			v := randVal()
			tx.SetString(key, v, 0, false)
			model[k] = append([]byte(nil), v...)
		case 1:
			op = "append"
			v := randVal()
			if _, err := tx.Append(key, v, 1<<20); err != nil {
				t.Fatal(err)
			}
			model[k] = append(model[k], v...)
		case 2:
			op = "setrange"
			v := randVal()
			off := rnd.IntN(150)
			if _, _, err := tx.SetRange(key, int64(off), v, 1<<20); err != nil {
				t.Fatal(err)
			}
			if len(v) > 0 {
				m := model[k]
				if len(m) < off+len(v) {
					m = append(m, make([]byte, off+len(v)-len(m))...)
				}
				copy(m[off:], v)
				model[k] = m
			}
		case 3:
			op = "setbit"
			off := uint64(rnd.IntN(1200))
			on := rnd.IntN(2) == 1
			old, _, err := tx.SetBit(key, off, on)
			if err != nil {
				t.Fatal(err)
			}
			m := model[k]
			if want := GetBitAt(m, off); old != want {
				t.Fatalf("step %d: SETBIT %s %d returned %d, want %d", step, k, off, old, want)
			}
			if need := int(off/8) + 1; len(m) < need {
				m = append(m, make([]byte, need-len(m))...)
			}
			if on {
				m[off/8] |= 0x80 >> (off % 8)
			} else {
				m[off/8] &^= 0x80 >> (off % 8)
			}
			model[k] = m
		case 4:
			op = "del"
			tx.Delete(key)
			delete(model, k)
		case 5:
			op = "incr"
			n, err := tx.IncrBy(key, 3)
			cur, exists := model[k]
			want, perr := strconv.ParseInt(string(cur), 10, 64)
			_, canon := ParseInt(cur)
			if exists && (perr != nil || !canon) {
				if err == nil {
					t.Fatalf("step %d: INCR on %q succeeded", step, cur)
				}
				break
			}
			if err != nil || n != want+3 {
				t.Fatalf("step %d: INCR %q: %d %v", step, cur, n, err)
			}
			model[k] = []byte(strconv.FormatInt(want+3, 10))
		case 6:
			op = "bitop"
			src := keys[rnd.IntN(len(keys))]
			n, _, err := tx.BitOp(BitNot, key, [][]byte{[]byte(src)})
			if err != nil {
				t.Fatal(err)
			}
			s := model[src]
			if len(s) == 0 {
				delete(model, k)
				break
			}
			r := make([]byte, len(s))
			for i := range s {
				r[i] = ^s[i]
			}
			model[k] = r
			if n != len(r) {
				t.Fatalf("BITOP length %d, want %d", n, len(r))
			}
		}
		for _, kk := range keys {
			v, ok, _ := tx.GetString([]byte(kk))
			m, mok := model[kk]
			if ok != mok || !bytes.Equal(v, m) {
				t.Fatalf("step %d (%s %s): key %s = %q (%v), model %q (%v)", step, op, k, kk, v, ok, m, mok)
			}
		}
	}
	_ = fmt.Sprint()
}

// GET and SET are the hot path: reading, and overwriting a value of similar
// size, allocate nothing.
func TestString_GetSetDoNotAllocate(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	key, small, large := []byte("key:000001"), []byte("value-1234"), bytes.Repeat([]byte("v"), 300)
	tx.SetString(key, small, 0, false)
	tx.SetString([]byte("big"), large, 0, false)
	if n := testing.AllocsPerRun(1000, func() {
		tx.SetString(key, small, 0, false)
		tx.GetString(key)
		tx.SetString([]byte("big"), large, 0, false)
		tx.GetString([]byte("big"))
	}); n != 0 {
		t.Fatalf("GET/SET allocated %.1f times per run", n)
	}
}

// A string over inlineMax is one heap object, its header and bytes
// together, charged as that one allocation; growing it in place (APPEND,
// SETRANGE) keeps the bytes and zero-pads.
func TestString_BigValueIsOneAllocation(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	key := []byte("page")
	a, b := bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("b"), 300)
	// Alternating sizes too far apart for in-place reuse: a new value each time.
	if n := testing.AllocsPerRun(200, func() {
		tx.SetString(key, a, 0, false)
		tx.SetString(key, b, 0, false)
	}); n != 2 {
		t.Fatalf("two SETs of new big values allocated %.1f times, want 2", n)
	}
	r, ok := tx.find(tx.db, key)
	if !ok {
		t.Fatal("key missing")
	}
	m := r.meta()
	if got, want := r.ks.objMem[m.val], allocSize(bigStringHdr+len(b)); got != want {
		t.Fatalf("value charged %d bytes, want %d (one allocation)", got, want)
	}
	val, _, err := tx.stringForWrite(key, 2000)
	if err != nil {
		t.Fatal(err)
	}
	copy(val[1990:], "tail")
	got, _, _ := tx.GetString(key)
	want := append(bytes.Clone(b), make([]byte, 2000-300)...)
	copy(want[1990:], "tail")
	if !bytes.Equal(got, want) {
		t.Fatalf("grown value differs: len %d, want %d", len(got), len(want))
	}
}
