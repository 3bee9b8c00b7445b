package store

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func bitAt(p []byte, i int64) int { return int(p[i/8]>>(7-i%8)) & 1 }

// resolve turns BITCOUNT/BITPOS's start/end into an inclusive bit range.
func resolveBits(n, start, end int64, isBit bool) (int64, int64) {
	total := n * 8
	if !isBit {
		// byte offsets are resolved in bytes
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		start, end = max(start, 0), max(end, 0)
		end = min(end, n-1)
		return start * 8, end*8 + 7
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	return start, min(end, total-1)
}

func randBits(r *rand.Rand) []byte {
	p := make([]byte, r.IntN(20))
	for i := range p {
		switch r.IntN(3) {
		case 0:
			p[i] = 0
		case 1:
			p[i] = 0xff
		default:
			p[i] = byte(r.IntN(256))
		}
	}
	return p
}

func TestBitmap_BitCountMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		p := randBits(r)
		n := int64(len(p))
		start, end := r.Int64N(2*n*8+20)-n*8-10, r.Int64N(2*n*8+20)-n*8-10
		isBit := r.IntN(2) == 0
		var want int64
		s, e := resolveBits(n, start, end, isBit)
		for b := s; b <= e; b++ {
			want += int64(bitAt(p, b))
		}
		if got := BitCount(p, start, end, isBit); got != want {
			t.Fatalf("BitCount(%x, %d, %d, bit=%v) = %d, want %d", p, start, end, isBit, got, want)
		}
	}
}

func TestBitmap_BitPosMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		p := randBits(r)
		n := int64(len(p))
		bit := r.IntN(2)
		start, end := r.Int64N(2*n*8+20)-n*8-10, r.Int64N(2*n*8+20)-n*8-10
		endGiven := r.IntN(2) == 0
		isBit := r.IntN(2) == 0
		if !endGiven {
			end = -1
			if isBit {
				end = n*8 + 7
			}
		}
		s, e := resolveBits(n, start, end, isBit)
		want := int64(-1)
		for b := s; b <= e; b++ {
			if bitAt(p, b) == bit {
				want = b
				break
			}
		}
		if want == -1 && bit == 0 && !endGiven && s <= e {
			want = n * 8
		}
		if got := BitPosRange(p, bit, start, end, endGiven, isBit); got != want {
			t.Fatalf("BitPosRange(%x, %d, %d, %d, end=%v, bit=%v) = %d, want %d", p, bit, start, end, endGiven, isBit, got, want)
		}
		// Without a range: the first match, or the padding bit for 0.
		want = -1
		for b := int64(0); b < n*8; b++ {
			if bitAt(p, b) == bit {
				want = b
				break
			}
		}
		if want == -1 && bit == 0 {
			want = n * 8
		}
		if got := BitPos(p, bit); got != want {
			t.Fatalf("BitPos(%x, %d) = %d, want %d", p, bit, got, want)
		}
	}
}

func TestBitmap_BitOp(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	tx.SetString([]byte("a"), []byte("\xff\x0f\xaa"), 0, false)
	tx.SetString([]byte("b"), []byte("\x0f\xf0"), 0, false)
	tx.SetString([]byte("d"), []byte("old"), 5000, false)
	cases := []struct {
		op   BitOpKind
		srcs []string
		want string
	}{
		{BitAnd, []string{"a", "b"}, "\x0f\x00\x00"},
		{BitOr, []string{"a", "b"}, "\xff\xff\xaa"},
		{BitXor, []string{"a", "b"}, "\xf0\xff\xaa"},
		{BitXor, []string{"a", "b", "a"}, "\x0f\xf0\x00"},
		{BitNot, []string{"b"}, "\xf0\x0f"},
		{BitAnd, []string{"a", "missing"}, "\x00\x00\x00"},
		{BitOr, []string{"missing", "b"}, "\x0f\xf0"},
		{BitAnd, []string{"a"}, "\xff\x0f\xaa"},
	}
	for _, c := range cases {
		var srcs [][]byte
		for _, s := range c.srcs {
			srcs = append(srcs, []byte(s))
		}
		n, _, err := tx.BitOp(c.op, []byte("d"), srcs)
		if err != nil || n != len(c.want) || mustGet(t, tx, "d") != c.want {
			t.Errorf("BITOP %d %v: %d %v %q, want %q", c.op, c.srcs, n, err, mustGet(t, tx, "d"), c.want)
		}
		if encOf(tx, "d") != "raw" {
			t.Errorf("encoding %s", encOf(tx, "d"))
		}
		if at, _ := tx.Expiry([]byte("d")); at != 0 {
			t.Errorf("expiry kept")
		}
	}
	if n, deleted, _ := tx.BitOp(BitOr, []byte("d"), [][]byte{[]byte("x"), []byte("y")}); n != 0 || !deleted || tx.Exists([]byte("d")) {
		t.Errorf("empty result: n=%d deleted=%v", n, deleted)
	}
	tx.objectForWrite([]byte("l"), TypeList, func() collection { return testList{} })
	if _, _, err := tx.BitOp(BitOr, []byte("d"), [][]byte{[]byte("a"), []byte("l")}); err != ErrWrongType {
		t.Errorf("wrong type source: %v", err)
	}
	// A long result goes out of line without a copy and survives.
	long := make([]byte, 1000)
	long[999] = 1
	tx.SetString([]byte("long"), long, 0, false)
	tx.BitOp(BitNot, []byte("long"), [][]byte{[]byte("long")})
	if v := mustGet(t, tx, "long"); len(v) != 1000 || v[0] != 0xff || v[999] != 0xfe {
		t.Errorf("NOT in place: %d %x %x", len(v), v[0], v[999])
	}
}

// testList is a stand-in collection for wrong-type checks.
type testList struct{}

func (testList) Encoding() Encoding     { return EncQuicklist }
func (testList) Len() int               { return 1 }
func (testList) cloneValue() collection { return testList{} }

func TestBitmap_BitField(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	type res = BitFieldResult
	nilr := res{Nil: true}
	op := func(kind BitFieldKind, signed bool, bits int, off uint64, v int64, ow Overflow) BitFieldOp {
		return BitFieldOp{Kind: kind, Signed: signed, Bits: bits, Offset: off, Value: v, Overflow: ow}
	}
	const (
		get  = BitFieldGet
		set  = BitFieldSet
		incr = BitFieldIncr
		wrap = OverflowWrap
		sat  = OverflowSat
		fail = OverflowFail
	)
	cases := []struct {
		name    string
		ops     []BitFieldOp
		want    []res
		changes int
		value   string
	}{
		{"set get", []BitFieldOp{op(set, true, 8, 0, 100, wrap), op(get, true, 8, 0, 0, wrap)}, []res{{Value: 0}, {Value: 100}}, 1, "d"},
		{"u8 wrap", []BitFieldOp{op(set, false, 8, 0, 255, wrap), op(incr, false, 8, 0, 10, wrap)}, []res{{Value: 100}, {Value: 9}}, 2, "\x09"},
		{"u8 sat", []BitFieldOp{op(incr, false, 8, 0, 300, sat), op(incr, false, 8, 0, -1000, sat)}, []res{{Value: 255}, {Value: 0}}, 2, "\x00"},
		{"u8 fail", []BitFieldOp{op(incr, false, 8, 0, -1, fail), op(incr, false, 8, 0, 256, fail), op(incr, false, 8, 0, 255, fail)},
			[]res{nilr, nilr, {Value: 255}}, 1, "\xff"},
		{"i8 wrap", []BitFieldOp{op(set, true, 8, 0, 127, wrap), op(incr, true, 8, 0, 1, wrap), op(incr, true, 8, 0, -1, wrap)},
			[]res{{Value: -1}, {Value: -128}, {Value: 127}}, 3, "\x7f"},
		{"i8 sat set", []BitFieldOp{op(set, true, 8, 0, 300, sat), op(set, true, 8, 0, -300, sat), op(get, true, 8, 0, 0, sat)},
			[]res{{Value: 127}, {Value: 127}, {Value: -128}}, 1, "\x80"},
		{"i8 fail set", []BitFieldOp{op(set, true, 8, 0, 300, fail), op(set, false, 8, 0, -1, fail)}, []res{nilr, nilr}, 0, "\x80"},
		{"u8 set negative wraps", []BitFieldOp{op(set, false, 8, 0, -1, wrap)}, []res{{Value: 128}}, 1, "\xff"},
		{"i64 edges", []BitFieldOp{op(set, true, 64, 0, 1<<63-1, wrap), op(incr, true, 64, 0, 1, wrap), op(incr, true, 64, 0, -1, sat), op(incr, true, 64, 0, -1, fail)},
			[]res{{Value: -1 << 56}, {Value: -1 << 63}, {Value: -1 << 63}, nilr}, 3, "\x80\x00\x00\x00\x00\x00\x00\x00"},
		{"unaligned", []BitFieldOp{op(set, false, 8, 0, 0, wrap), op(set, false, 5, 7, 23, wrap), op(get, false, 16, 0, 0, wrap)},
			[]res{{Value: 128}, {Value: 0}, {Value: 0x0170}}, 2, "\x01\x70\x00\x00\x00\x00\x00\x00"},
		{"get beyond end", []BitFieldOp{op(get, false, 8, 1000, 0, wrap), op(get, true, 64, 60, 0, wrap)}, []res{{Value: 0}, {Value: 0}}, 0, "\x01\x70\x00\x00\x00\x00\x00\x00"},
	}
	for _, c := range cases {
		out, changes, err := tx.BitField([]byte("k"), c.ops, nil)
		if err != nil || changes != c.changes || len(out) != len(c.want) {
			t.Errorf("%s: %v changes=%d err=%v", c.name, out, changes, err)
			continue
		}
		for i := range out {
			if out[i] != c.want[i] {
				t.Errorf("%s: result %d = %+v, want %+v", c.name, i, out[i], c.want[i])
			}
		}
		if got := mustGet(t, tx, "k"); got != c.value {
			t.Errorf("%s: value %q, want %q", c.name, got, c.value)
		}
	}
	// Growth comes first, even when every write fails.
	out, changes, _ := tx.BitField([]byte("new"), []BitFieldOp{op(set, false, 8, 16, 300, fail)}, nil)
	if !out[0].Nil || changes != 0 || mustGet(t, tx, "new") != "\x00\x00\x00" {
		t.Errorf("fail on a new key: %v %d %q", out, changes, mustGet(t, tx, "new"))
	}
	// Reads only never create the key.
	tx.BitField([]byte("ro"), []BitFieldOp{op(get, false, 8, 16, 0, wrap)}, nil)
	if tx.Exists([]byte("ro")) {
		t.Error("GET created the key")
	}
}

func TestBitmap_SetBitGrowth(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	tx.SetString([]byte("k"), []byte("1"), 7000, false) // "1" is 0x31
	old, changed, _ := tx.SetBit([]byte("k"), 7, true)
	if old != 1 || changed || encOf(tx, "k") != "raw" {
		t.Fatalf("no-op SETBIT: old=%d changed=%v enc=%s", old, changed, encOf(tx, "k"))
	}
	old, changed, _ = tx.SetBit([]byte("k"), 100, false)
	if old != 0 || !changed || len(mustGet(t, tx, "k")) != 13 {
		t.Fatalf("growing SETBIT: old=%d changed=%v len=%d", old, changed, len(mustGet(t, tx, "k")))
	}
	if at, _ := tx.Expiry([]byte("k")); at != 7000 {
		t.Fatal("SETBIT dropped the expiry")
	}
}

// A BITOP result over inlineMax is computed in the value the store keeps:
// storing it copies nothing (one allocation for the value, one for the
// sources' list).
func TestBitmap_BitOpLargeResultIsNotCopied(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	tx.SetString([]byte("a"), bytes.Repeat([]byte{0x0F}, 1000), 0, false)
	tx.SetString([]byte("b"), bytes.Repeat([]byte{0xF0}, 600), 0, false)
	srcs := [][]byte{[]byte("a"), []byte("b")}
	if n := testing.AllocsPerRun(100, func() {
		if _, _, err := tx.BitOp(BitOr, []byte("d"), srcs); err != nil {
			t.Fatal(err)
		}
	}); n != 2 {
		t.Fatalf("BITOP allocated %.1f times, want 2", n)
	}
	want := append(bytes.Repeat([]byte{0xFF}, 600), bytes.Repeat([]byte{0x0F}, 400)...)
	if got, _, _ := tx.GetString([]byte("d")); !bytes.Equal(got, want) {
		t.Fatalf("BITOP OR result differs (len %d)", len(got))
	}
}
