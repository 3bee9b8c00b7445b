package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkList verifies the list's invariants and compares it with the model.
func checkList(t *testing.T, l *List, model [][]byte, step string) {
	t.Helper()
	if l.Len() != len(model) {
		t.Fatalf("%s: len %d, model %d", step, l.Len(), len(model))
	}
	n, size := 0, 0
	for i := 0; i < l.nn; i++ {
		nd := l.node(i)
		if nd.count <= 0 {
			t.Fatalf("%s: node %d has count %d", step, i, nd.count)
		}
		if !l.fits(nd.count, len(nd.b)) {
			t.Fatalf("%s: node %d (count %d, %d bytes) exceeds fill %d", step, i, nd.count, len(nd.b), l.fill)
		}
		k := 0
		for off := 0; off < len(nd.b); k++ {
			v, next := entryAt(nd.b, off)
			if !bytes.Equal(v, model[n+k]) {
				t.Fatalf("%s: element %d is %q, model %q", step, n+k, v, model[n+k])
			}
			// The backwards reading agrees.
			bv, start := entryBefore(nd.b, next)
			if start != off || !bytes.Equal(bv, v) {
				t.Fatalf("%s: backlen of element %d broken", step, n+k)
			}
			off = next
		}
		if k != nd.count {
			t.Fatalf("%s: node %d holds %d entries, count says %d", step, i, k, nd.count)
		}
		n += k
		size += len(nd.b)
	}
	if n != len(model) || size != l.bytes {
		t.Fatalf("%s: nodes hold %d elements / %d bytes, want %d / %d", step, n, size, len(model), l.bytes)
	}
	// Full iteration both ways.
	var got [][]byte
	l.ForEach(func(v []byte) { got = append(got, bytes.Clone(v)) })
	if !equalLists(got, model) {
		t.Fatalf("%s: ForEach %q, model %q", step, got, model)
	}
	if len(model) > 0 {
		got = got[:0]
		l.Iterate(len(model)-1, true, func(i int, v []byte) bool {
			if !bytes.Equal(v, model[i]) {
				t.Fatalf("%s: backward element %d is %q, model %q", step, i, v, model[i])
			}
			got = append(got, v)
			return true
		})
		if len(got) != len(model) {
			t.Fatalf("%s: backward iteration saw %d elements", step, len(got))
		}
	}
}

func equalLists(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, func(x, y []byte) bool { return bytes.Equal(x, y) })
}

func randValue(r *rand.Rand) []byte {
	var n int
	switch r.IntN(10) {
	case 0:
		n = 0
	case 1:
		n = 100 + r.IntN(3000) // large enough to force node limits by size
	case 2:
		n = 9000 // larger than the safety limit: always a node of its own
	default:
		n = 1 + r.IntN(12)
	}
	v := make([]byte, n)
	for i := range v {
		v[i] = "abcxyz"[r.IntN(6)]
	}
	if n > 0 && r.IntN(3) == 0 {
		v = v[:1] // many equal short values, for LREM / LINSERT / LPOS
	}
	return v
}

// TestList_Model applies random operations to a List and to a slice,
// comparing after each step, for several fill settings so that nodes split
// and merge by count and by size.
func TestList_Model(t *testing.T) {
	for _, fill := range []int{-5, -2, -1, 0, 1, 2, 3, 7, 128} {
		t.Run(fmt.Sprintf("fill%d", fill), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(fill+100), 7))
			l := NewList(fill)
			var model [][]byte
			for step := 0; step < 3000; step++ {
				op := r.IntN(13)
				name := fmt.Sprintf("step %d op %d", step, op)
				switch op {
				case 0:
					v := randValue(r)
					l.PushHead(v)
					model = slices.Insert(model, 0, v)
				case 1:
					v := randValue(r)
					l.PushTail(v)
					model = append(model, v)
				case 2:
					v := l.PopHead()
					if len(model) == 0 {
						if v != nil {
							t.Fatalf("%s: pop from empty gave %q", name, v)
						}
						break
					}
					if !bytes.Equal(v, model[0]) {
						t.Fatalf("%s: PopHead %q, model %q", name, v, model[0])
					}
					model = model[1:]
				case 3:
					v := l.PopTail()
					if len(model) == 0 {
						break
					}
					if !bytes.Equal(v, model[len(model)-1]) {
						t.Fatalf("%s: PopTail %q", name, v)
					}
					model = model[:len(model)-1]
				case 4:
					i := int64(r.IntN(2*len(model)+3)) - int64(len(model)) - 1
					v, ok := l.Index(i)
					j := i
					if j < 0 {
						j += int64(len(model))
					}
					want := j >= 0 && j < int64(len(model))
					if ok != want || (ok && !bytes.Equal(v, model[j])) {
						t.Fatalf("%s: Index(%d) = %q %v", name, i, v, ok)
					}
				case 5:
					i := int64(r.IntN(len(model)+2)) - 1
					v := randValue(r)
					ok := l.Set(i, v)
					j := i
					if j < 0 {
						j += int64(len(model))
					}
					if want := j >= 0 && j < int64(len(model)); ok != want {
						t.Fatalf("%s: Set(%d) = %v", name, i, ok)
					}
					if ok {
						model[j] = v
					}
				case 6:
					pivot := randValue(r)
					if len(model) > 0 && r.IntN(2) == 0 {
						pivot = model[r.IntN(len(model))]
					}
					v := randValue(r)
					after := r.IntN(2) == 0
					ok := l.Insert(pivot, v, after)
					idx := slices.IndexFunc(model, func(e []byte) bool { return bytes.Equal(e, pivot) })
					if ok != (idx >= 0) {
						t.Fatalf("%s: Insert found %v", name, ok)
					}
					if ok {
						if after {
							idx++
						}
						model = slices.Insert(model, idx, v)
					}
				case 7:
					if len(model) == 0 {
						break
					}
					start := r.IntN(len(model))
					count := r.IntN(len(model) - start + 1)
					if r.IntN(4) == 0 {
						count = min(count, 3)
					}
					l.DeleteRange(start, count)
					model = slices.Delete(model, start, start+count)
				case 8:
					v := randValue(r)
					if len(model) > 0 && r.IntN(2) == 0 {
						v = model[r.IntN(len(model))]
					}
					count := int64(r.IntN(4))
					fromTail := r.IntN(2) == 0
					got := l.Remove(v, count, fromTail)
					want := 0
					if fromTail {
						for i := len(model) - 1; i >= 0 && (count == 0 || int64(want) < count); i-- {
							if bytes.Equal(model[i], v) {
								model = slices.Delete(model, i, i+1)
								want++
							}
						}
					} else {
						for i := 0; i < len(model) && (count == 0 || int64(want) < count); {
							if bytes.Equal(model[i], v) {
								model = slices.Delete(model, i, i+1)
								want++
								continue
							}
							i++
						}
					}
					if got != want {
						t.Fatalf("%s: Remove = %d, model %d", name, got, want)
					}
				case 9:
					if len(model) == 0 {
						break
					}
					a, b := r.IntN(len(model)), r.IntN(len(model))
					if a > b {
						a, b = b, a
					}
					rev := r.IntN(2) == 0
					var got [][]byte
					l.Range(a, b, rev, func(v []byte) { got = append(got, bytes.Clone(v)) })
					want := slices.Clone(model[a : b+1])
					if rev {
						slices.Reverse(want)
					}
					if !equalLists(got, want) {
						t.Fatalf("%s: Range(%d,%d,%v) = %q, want %q", name, a, b, rev, got, want)
					}
				case 10:
					c := l.cloneValue().(*List)
					checkList(t, c, model, name+" clone")
					if len(model) > 0 {
						c.PopHead() // the clone is independent
					}
				case 11:
					// Bulk pushes keep the end nodes full.
					for range r.IntN(50) {
						v := randValue(r)
						if r.IntN(2) == 0 {
							l.PushTail(v)
							model = append(model, v)
						} else {
							l.PushHead(v)
							model = slices.Insert(model, 0, v)
						}
					}
				case 12:
					if len(model) > 400 {
						// Keep the model small enough to stay fast.
						l.DeleteRange(0, len(model)-50)
						model = model[len(model)-50:]
					}
				}
				checkList(t, l, model, name)
			}
		})
	}
}

// TestList_SmallMemory checks that small elements are packed: many
// elements share a node, and framing costs a few bytes each.
func TestList_SmallMemory(t *testing.T) {
	l := NewList(-2)
	for i := range 10000 {
		l.PushTail(fmt.Appendf(nil, "%d", i))
	}
	if l.Nodes() > 10000/500 {
		t.Fatalf("%d nodes for 10000 short elements", l.Nodes())
	}
	if per := l.DataBytes() / l.Len(); per > 8 {
		t.Fatalf("%d bytes per element", per)
	}
	l2 := NewList(5)
	for i := range 100 {
		l2.PushHead([]byte{byte(i)})
	}
	if l2.Nodes() != 20 {
		t.Fatalf("fill 5: %d nodes for 100 elements, want 20", l2.Nodes())
	}
}

func TestList_Backlen(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 129, 16383, 16384, 1 << 21, 1<<28 + 5} {
		b := appendBacklen([]byte{0xff}, n)
		p := len(b) - 1
		size, shift := 0, 0
		for {
			c := b[p]
			size |= int(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				break
			}
			p--
		}
		if size != n || p != 1 {
			t.Fatalf("backlen %d read back as %d (start %d)", n, size, p)
		}
	}
}

// listTestTx returns a Tx holding every shard of a fresh store.
func listTestTx(t testing.TB) *Tx {
	t.Helper()
	st := New(Options{Shards: 4})
	tx := NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	t.Cleanup(tx.Unlock)
	return tx
}

func listOf(t *testing.T, tx *Tx, key string) []string {
	t.Helper()
	l, err := tx.GetList([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		return nil
	}
	var out []string
	l.ForEach(func(v []byte) { out = append(out, string(v)) })
	return out
}

func listArgs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func TestList_TxOperations(t *testing.T) {
	tx := listTestTx(t)
	k := []byte("k")
	if n, err := tx.ListPush(k, listArgs("a"), true, true); n != 0 || err != nil || tx.Exists(k) {
		t.Fatalf("LPUSHX on a missing key: %d %v", n, err)
	}
	if n, _ := tx.ListPush(k, listArgs("a", "b", "c"), true, false); n != 3 {
		t.Fatalf("LPUSH: %d", n)
	}
	if n, _ := tx.ListPush(k, listArgs("x", "y"), false, true); n != 5 {
		t.Fatalf("RPUSHX: %d", n)
	}
	if got := listOf(t, tx, "k"); !slices.Equal(got, []string{"c", "b", "a", "x", "y"}) {
		t.Fatalf("after pushes: %q", got)
	}
	if enc, _ := tx.ObjectEncoding(k); enc != EncQuicklist {
		t.Fatalf("encoding %v", enc)
	}

	var popped []string
	n, deleted, err := tx.ListPop(k, false, 2, func(v []byte) { popped = append(popped, string(v)) })
	if n != 2 || deleted || err != nil || !slices.Equal(popped, []string{"y", "x"}) {
		t.Fatalf("RPOP 2: %d %v %v %q", n, deleted, err, popped)
	}
	if n, _ := tx.ListInsert(k, true, []byte("b"), []byte("after-b")); n != 4 {
		t.Fatalf("LINSERT: %d", n)
	}
	if n, _ := tx.ListInsert(k, false, []byte("nope"), []byte("z")); n != -1 {
		t.Fatalf("LINSERT missing pivot: %d", n)
	}
	if n, _ := tx.ListInsert([]byte("missing"), false, []byte("a"), []byte("z")); n != 0 {
		t.Fatalf("LINSERT missing key: %d", n)
	}
	if err := tx.ListSet(k, -1, []byte("last")); err != nil {
		t.Fatal(err)
	}
	if err := tx.ListSet(k, 4, []byte("x")); err != ErrOutOfRange {
		t.Fatalf("LSET out of range: %v", err)
	}
	if err := tx.ListSet([]byte("missing"), 0, []byte("x")); err != ErrNoSuchKey {
		t.Fatalf("LSET missing: %v", err)
	}
	if got := listOf(t, tx, "k"); !slices.Equal(got, []string{"c", "b", "after-b", "last"}) {
		t.Fatalf("after insert and set: %q", got)
	}

	// Moves, including onto itself.
	v, srcDeleted, err := tx.ListMove(k, []byte("d"), true, false)
	if string(v) != "c" || srcDeleted || err != nil {
		t.Fatalf("LMOVE: %q %v %v", v, srcDeleted, err)
	}
	if v, _, _ := tx.ListMove(k, k, false, true); string(v) != "last" {
		t.Fatalf("LMOVE onto itself: %q", v)
	}
	if got := listOf(t, tx, "k"); !slices.Equal(got, []string{"last", "b", "after-b"}) {
		t.Fatalf("after moves: %q", got)
	}
	if v, _, err := tx.ListMove([]byte("missing"), k, true, true); v != nil || err != nil {
		t.Fatalf("LMOVE from a missing key: %q %v", v, err)
	}

	// Wrong types are refused without changing anything.
	tx.SetString([]byte("s"), []byte("str"), 0, false)
	if _, _, err := tx.ListMove(k, []byte("s"), true, true); err != ErrWrongType {
		t.Fatalf("LMOVE to a string: %v", err)
	}
	if _, err := tx.ListPush([]byte("s"), listArgs("a"), true, false); err != ErrWrongType {
		t.Fatalf("LPUSH on a string: %v", err)
	}
	if _, err := tx.GetList([]byte("s")); err != ErrWrongType {
		t.Fatalf("GetList on a string: %v", err)
	}
	if got := listOf(t, tx, "k"); len(got) != 3 {
		t.Fatalf("a refused move changed the source: %q", got)
	}

	// Emptying deletes the key.
	removed, deleted, err := tx.ListRem(k, 0, []byte("b"))
	if removed != 1 || deleted || err != nil {
		t.Fatalf("LREM: %d %v %v", removed, deleted, err)
	}
	removed, deleted, existed, _ := tx.ListTrim(k, 5, 10)
	if removed != 2 || !deleted || !existed || tx.Exists(k) {
		t.Fatalf("LTRIM out of range: %d %v %v", removed, deleted, existed)
	}
	if _, _, existed, _ := tx.ListTrim(k, 0, 1); existed {
		t.Fatal("LTRIM on a missing key")
	}
	if _, deleted, _ := tx.ListPop([]byte("d"), true, 10, func([]byte) {}); !deleted || tx.Exists([]byte("d")) {
		t.Fatal("popping everything keeps the key")
	}
	removed, _, _ = tx.ListRem([]byte("missing"), 1, []byte("a"))
	if removed != 0 {
		t.Fatalf("LREM on a missing key: %d", removed)
	}
}

// TestList_FillFromLimits: a list takes list-max-listpack-size when it is
// created, clamped to Redis's range.
func TestList_FillFromLimits(t *testing.T) {
	tx := listTestTx(t)
	tx.st.Limits().ListMaxListpackSize.Store(2)
	tx.ListPush([]byte("a"), listArgs("1", "2", "3", "4", "5"), false, false)
	tx.st.Limits().ListMaxListpackSize.Store(-100)
	tx.ListPush([]byte("b"), listArgs("1"), false, false)
	la, _ := tx.GetList([]byte("a"))
	lb, _ := tx.GetList([]byte("b"))
	if la.Nodes() != 3 || la.fill != 2 || lb.fill != -5 {
		t.Fatalf("nodes %d fill %d / %d", la.Nodes(), la.fill, lb.fill)
	}
	if NewList(1<<20).fill != listFillMax {
		t.Fatal("fill not clamped")
	}
}
