package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// setTestTx returns a Tx holding every shard of a fresh store.
func setTestTx(t testing.TB) *Tx {
	t.Helper()
	st := New(Options{Shards: 4})
	tx := NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	t.Cleanup(tx.Unlock)
	return tx
}

func setArgs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// members lists s in iteration order.
func setMembers(s *Set) []string {
	var buf [20]byte
	out := make([]string, s.Len())
	for i := range out {
		out[i] = string(s.At(i, buf[:]))
	}
	return out
}

func setSortedMembers(s *Set) []string {
	out := setMembers(s)
	slices.Sort(out)
	return out
}

func TestIntset_Widths(t *testing.T) {
	tests := []struct {
		vals  []int64
		width int
	}{
		{[]int64{1, 2, 3}, 2},
		{[]int64{math.MaxInt16, math.MinInt16}, 2},
		{[]int64{1, math.MaxInt16 + 1}, 4},
		{[]int64{math.MinInt16 - 1, 5}, 4},
		{[]int64{1, math.MaxInt32 + 1}, 8},
		{[]int64{math.MinInt64, math.MaxInt64, 0}, 8},
	}
	for _, tt := range tests {
		var is intset
		for _, v := range tt.vals {
			is, _ = is.insert(v)
		}
		if is.width() != tt.width {
			t.Errorf("%v: width %d, want %d", tt.vals, is.width(), tt.width)
		}
		want := slices.Clone(tt.vals)
		slices.Sort(want)
		for i, v := range want {
			if is.get(i) != v {
				t.Errorf("%v: get(%d) = %d, want %d", tt.vals, i, is.get(i), v)
			}
		}
		if len(is) != intsetHdr+len(want)*tt.width {
			t.Errorf("%v: %d bytes, want %d", tt.vals, len(is), intsetHdr+len(want)*tt.width)
		}
	}
}

func TestIntset_Property(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var is intset
	model := map[int64]bool{}
	pick := func() int64 {
		switch r.IntN(4) {
		case 0:
			return int64(r.IntN(100)) - 50
		case 1:
			return int64(r.Int32())
		case 2:
			return int64(r.Uint64())
		}
		return []int64{math.MinInt64, math.MaxInt64, math.MinInt32, math.MaxInt16 + 1}[r.IntN(4)]
	}
	for step := 0; step < 5000; step++ {
		v := pick()
		if r.IntN(3) == 0 {
			var ok bool
			is, ok = is.remove(v)
			if ok != model[v] {
				t.Fatalf("step %d: remove(%d) = %v, model %v", step, v, ok, model[v])
			}
			delete(model, v)
		} else {
			var ok bool
			is, ok = is.insert(v)
			if ok == model[v] {
				t.Fatalf("step %d: insert(%d) = %v, model had %v", step, v, ok, model[v])
			}
			model[v] = true
		}
		if is.len() != len(model) {
			t.Fatalf("step %d: len %d, model %d", step, is.len(), len(model))
		}
		for i := 1; i < is.len(); i++ {
			if is.get(i-1) >= is.get(i) {
				t.Fatalf("step %d: not sorted at %d", step, i)
			}
		}
		if !is.contains(v) && model[v] {
			t.Fatalf("step %d: %d missing", step, v)
		}
	}
}

// TestSet_Property applies random operations to a Set and a map, across the
// intset to hashtable conversion, and compares after every step.
func TestSet_Property(t *testing.T) {
	for _, maxInts := range []int{0, 1, 16, 512} {
		t.Run(strconv.Itoa(maxInts), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(maxInts), 7))
			s := NewSet()
			model := map[string]bool{}
			everHT := false
			pick := func() string {
				switch r.IntN(10) {
				case 0:
					return fmt.Sprintf("m%d", r.IntN(50))
				case 1:
					return []string{"-0", "007", "+1", "", " 1", "9223372036854775808", "-9223372036854775808"}[r.IntN(7)]
				case 2:
					return strconv.FormatInt(int64(r.Uint64()), 10)
				}
				return strconv.Itoa(r.IntN(200) - 100)
			}
			for step := 0; step < 3000; step++ {
				m := pick()
				switch op := r.IntN(10); {
				case op < 6:
					var got bool
					if s, got = s.add([]byte(m), maxInts); got == model[m] {
						t.Fatalf("step %d: Add(%q) = %v, model had %v", step, m, got, model[m])
					}
					model[m] = true
				case op < 9:
					var got bool
					if s, got = s.remove([]byte(m)); got != model[m] {
						t.Fatalf("step %d: remove(%q) = %v, model %v", step, m, got, model[m])
					}
					delete(model, m)
				default:
					if s.Len() > 0 {
						var buf [20]byte
						i := r.IntN(s.Len())
						delete(model, string(s.At(i, buf[:])))
						s = s.removeAt(i)
					}
				}
				if s.table() != nil {
					everHT = true
				} else if everHT && s.Len() > 0 {
					t.Fatalf("step %d: converted back to intset", step)
				}
				allInts := true
				for k := range model {
					if _, ok := ParseInt([]byte(k)); !ok {
						allInts = false
					}
				}
				if !everHT && (!allInts || len(model) > maxInts) {
					t.Fatalf("step %d: still intset with %d members (allInts %v)", step, len(model), allInts)
				}
				if s.Len() != len(model) {
					t.Fatalf("step %d: Len %d, model %d", step, s.Len(), len(model))
				}
				if !s.Contains([]byte(m)) == model[m] {
					t.Fatalf("step %d: Contains(%q) = %v", step, m, !model[m])
				}
				if step%50 == 0 {
					want := make([]string, 0, len(model))
					for k := range model {
						want = append(want, k)
					}
					slices.Sort(want)
					if got := setSortedMembers(s); !slices.Equal(got, want) {
						t.Fatalf("step %d: members %v, want %v", step, got, want)
					}
					if c := s.cloneValue().(*Set); !slices.Equal(setSortedMembers(c), want) || c.Encoding() != s.Encoding() {
						t.Fatalf("step %d: clone differs", step)
					}
				}
			}
		})
	}
}

func TestMemberTable_BigMembersAndCompaction(t *testing.T) {
	tb := newSetDict(0)
	model := map[string]bool{}
	r := rand.New(rand.NewPCG(3, 4))
	for step := 0; step < 2000; step++ {
		n := r.IntN(100)
		if r.IntN(50) == 0 {
			n = setBigMember + r.IntN(10)
		}
		m := fmt.Sprintf("%d:%s", r.IntN(300), string(make([]byte, n)))
		if r.IntN(2) == 0 {
			if tb.add([]byte(m)) == model[m] {
				t.Fatalf("step %d: add mismatch", step)
			}
			model[m] = true
		} else {
			if tb.remove([]byte(m)) != model[m] {
				t.Fatalf("step %d: remove mismatch", step)
			}
			delete(model, m)
		}
		if tb.len() != len(model) {
			t.Fatalf("step %d: len %d, model %d", step, tb.len(), len(model))
		}
	}
	for i := range tb.len() {
		if !model[string(tb.at(i))] {
			t.Fatalf("member %d not in model", i)
		}
	}
	if tb.dead > setCompactMin && tb.dead*2 > len(tb.arena) {
		t.Errorf("arena not compacted: dead %d of %d", tb.dead, len(tb.arena))
	}
}

// TestSet_ScanGuarantee checks SSCAN's promise: members present for the
// whole iteration are returned, while others are added and removed between
// calls, and each call does COUNT steps.
func TestSet_ScanGuarantee(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 20; round++ {
		s := NewSet()
		for i := range 300 {
			s, _ = s.add([]byte("k"+strconv.Itoa(i)), 512)
		}
		stable := map[string]bool{}
		for i := range 100 {
			stable["k"+strconv.Itoa(i)] = true
		}
		seen := map[string]bool{}
		var cursor uint64
		var buf [20]byte
		for calls := 0; ; calls++ {
			got := 0
			cursor = s.Scan(cursor, 10, buf[:], func(m []byte) { seen[string(m)] = true; got++ })
			if got > 10 {
				t.Fatalf("call returned %d members for COUNT 10", got)
			}
			if cursor == 0 {
				break
			}
			// Churn: remove and add members that are not stable.
			for range 5 {
				s, _ = s.remove([]byte("k" + strconv.Itoa(100+r.IntN(200))))
				s, _ = s.add([]byte("n"+strconv.Itoa(r.IntN(1000))), 512)
			}
			if calls > 1000 {
				t.Fatal("scan does not terminate")
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Fatalf("round %d: %s never returned", round, m)
			}
		}
	}
}

func TestSet_ScanIntsetWhole(t *testing.T) {
	s := NewSet()
	for i := range 100 {
		s, _ = s.add([]byte(strconv.Itoa(i)), 512)
	}
	n := 0
	var buf [20]byte
	if c := s.Scan(0, 1, buf[:], func([]byte) { n++ }); c != 0 || n != 100 {
		t.Fatalf("intset scan: cursor %d, %d members", c, n)
	}
}

func TestSet_RandomDistinct(t *testing.T) {
	for _, enc := range []string{"intset", "hashtable"} {
		s := NewSet()
		for i := range 100 {
			m := strconv.Itoa(i)
			if enc == "hashtable" {
				m = "x" + m
			}
			s, _ = s.add([]byte(m), 512)
		}
		for _, count := range []int{1, 5, 33, 34, 50, 99} {
			got := map[string]bool{}
			var buf [20]byte
			s.RandomDistinct(count, buf[:], func(m []byte) {
				if got[string(m)] {
					t.Fatalf("%s count %d: %q twice", enc, count, m)
				}
				if !s.Contains(m) {
					t.Fatalf("%s count %d: %q not a member", enc, count, m)
				}
				got[string(m)] = true
			})
			if len(got) != count {
				t.Fatalf("%s count %d: got %d", enc, count, len(got))
			}
		}
	}
}

func TestTx_SAddSRem(t *testing.T) {
	tx := setTestTx(t)
	k := []byte("s")
	if n, err := tx.SAdd(k, setArgs("1", "2", "2", "3")); n != 3 || err != nil {
		t.Fatalf("SAdd = %d, %v", n, err)
	}
	if enc, _ := tx.ObjectEncoding(k); enc != EncIntset {
		t.Fatalf("encoding %v", enc)
	}
	tx.SAdd(k, setArgs("a"))
	if enc, _ := tx.ObjectEncoding(k); enc != EncHashtable {
		t.Fatalf("encoding %v", enc)
	}
	n, deleted, err := tx.SRem(k, setArgs("1", "x", "2", "3", "a", "b"))
	if n != 4 || !deleted || err != nil || tx.Exists(k) {
		t.Fatalf("SRem = %d %v %v, exists %v", n, deleted, err, tx.Exists(k))
	}
	tx.SetString([]byte("str"), []byte("v"), 0, false)
	if _, err := tx.SAdd([]byte("str"), setArgs("x")); err != ErrWrongType {
		t.Fatalf("SAdd on string: %v", err)
	}
	if _, _, err := tx.SRem([]byte("str"), setArgs("x")); err != ErrWrongType {
		t.Fatalf("SRem on string: %v", err)
	}
}

func TestTx_IntsetLimitAtRunTime(t *testing.T) {
	tx := setTestTx(t)
	tx.st.Limits().SetMaxIntsetEntries.Store(3)
	k := []byte("s")
	tx.SAdd(k, setArgs("1", "2", "3"))
	if enc, _ := tx.ObjectEncoding(k); enc != EncIntset {
		t.Fatalf("3 members: %v", enc)
	}
	tx.SAdd(k, setArgs("4"))
	if enc, _ := tx.ObjectEncoding(k); enc != EncHashtable {
		t.Fatalf("4 members: %v", enc)
	}
	tx.st.Limits().SetMaxIntsetEntries.Store(1 << 40) // capped, must not overflow
	tx.SAdd([]byte("t"), setArgs("1", "2"))
	if enc, _ := tx.ObjectEncoding([]byte("t")); enc != EncIntset {
		t.Fatalf("huge limit: %v", enc)
	}
}

func TestTx_SMove(t *testing.T) {
	tx := setTestTx(t)
	tx.SAdd([]byte("a"), setArgs("1", "x"))
	tx.SAdd([]byte("b"), setArgs("2"))
	res, err := tx.SMove([]byte("a"), []byte("b"), []byte("x"))
	if err != nil || !res.Moved || res.SrcDeleted || !res.DstAdded {
		t.Fatalf("SMove = %+v, %v", res, err)
	}
	if enc, _ := tx.ObjectEncoding([]byte("b")); enc != EncHashtable {
		t.Fatalf("dst encoding %v", enc)
	}
	res, _ = tx.SMove([]byte("a"), []byte("c"), []byte("1"))
	if !res.Moved || !res.SrcDeleted || !res.DstAdded || tx.Exists([]byte("a")) {
		t.Fatalf("SMove last = %+v", res)
	}
	if enc, _ := tx.ObjectEncoding([]byte("c")); enc != EncIntset {
		t.Fatalf("new dst encoding %v", enc)
	}
	tx.SetString([]byte("str"), []byte("v"), 0, false)
	if res, err := tx.SMove([]byte("missing"), []byte("str"), []byte("1")); err != nil || res.Moved {
		t.Fatalf("missing src: %+v %v", res, err)
	}
	if _, err := tx.SMove([]byte("c"), []byte("str"), []byte("1")); err != ErrWrongType {
		t.Fatalf("wrong dst: %v", err)
	}
}

func TestTx_SPopCount(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []string
		count   int64
		wantEnc Encoding
	}{
		{"intset small count", []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, 2, EncIntset},
		{"intset rebuild", []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, 9, EncIntset},
		{"hashtable small count", []string{"a", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, 2, EncHashtable},
		{"hashtable whole", []string{"a", "b", "c"}, 1 << 62, 0},
		{"intset whole", []string{"3", "1", "2"}, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx := setTestTx(t)
			k := []byte("s")
			tx.SAdd(k, setArgs(tc.members...))
			popped := map[string]bool{}
			n, deleted, err := tx.SPopCount(k, tc.count, func(m []byte) {
				if popped[string(m)] {
					t.Fatalf("%q popped twice", m)
				}
				popped[string(m)] = true
			})
			if err != nil || n != len(popped) {
				t.Fatalf("n %d, popped %d, err %v", n, len(popped), err)
			}
			want := min(int(tc.count), len(tc.members))
			if n != want || deleted != (want == len(tc.members)) {
				t.Fatalf("n %d deleted %v, want %d", n, deleted, want)
			}
			s, _ := tx.GetSet(k)
			if deleted {
				if s != nil {
					t.Fatal("key still there")
				}
				return
			}
			if s.Len() != len(tc.members)-n {
				t.Fatalf("left %d", s.Len())
			}
			for _, m := range tc.members {
				if s.Contains([]byte(m)) == popped[m] {
					t.Fatalf("%q: in set %v, popped %v", m, s.Contains([]byte(m)), popped[m])
				}
			}
			if s.Encoding() != tc.wantEnc {
				t.Fatalf("encoding %v, want %v", s.Encoding(), tc.wantEnc)
			}
		})
	}
}

// TestTx_SPopRebuildsIntset follows Redis: popping most of a hashtable whose
// remaining members are integers leaves an intset.
func TestTx_SPopRebuildsIntset(t *testing.T) {
	tx := setTestTx(t)
	k := []byte("s")
	tx.SAdd(k, setArgs("a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"))
	tx.SRem(k, setArgs("a"))
	tx.SPopCount(k, 10, func([]byte) {})
	if enc, _ := tx.ObjectEncoding(k); enc != EncIntset {
		t.Fatalf("encoding %v", enc)
	}
	s, _ := tx.GetSet(k)
	if s.Len() != 1 {
		t.Fatalf("len %d", s.Len())
	}
}

func TestTx_SetAlgebra(t *testing.T) {
	tx := setTestTx(t)
	tx.SAdd([]byte("a"), setArgs("1", "2", "3", "4", "x"))
	tx.SAdd([]byte("b"), setArgs("3", "4", "5"))
	tx.SAdd([]byte("c"), setArgs("4", "5", "6", "x"))
	tx.SetString([]byte("str"), []byte("v"), 0, false)
	inter := func(keys ...string) []string {
		var out []string
		if err := tx.SInter(setArgs(keys...), func(m []byte) bool { out = append(out, string(m)); return true }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := inter("a", "b"); !slices.Equal(got, []string{"3", "4"}) {
		t.Errorf("SINTER a b = %v", got)
	}
	if got := inter("a", "b", "c"); !slices.Equal(got, []string{"4"}) {
		t.Errorf("SINTER a b c = %v", got)
	}
	if got := inter("a", "missing"); got != nil {
		t.Errorf("SINTER with missing = %v", got)
	}
	if err := tx.SInter(setArgs("missing", "str"), func([]byte) bool { return true }); err != ErrWrongType {
		t.Errorf("SINTER wrong type after missing: %v", err)
	}
	u, _ := tx.SUnionSet(setArgs("b", "missing", "c"))
	if got := setMembers(u); !slices.Equal(setSortedMembers(u), []string{"3", "4", "5", "6", "x"}) {
		t.Errorf("SUNION = %v", got)
	}
	d, _ := tx.SDiffSet(setArgs("a", "b", "c"))
	if got := setMembers(d); !slices.Equal(got, []string{"1", "2"}) || d.Encoding() != EncIntset {
		t.Errorf("SDIFF = %v (%v)", got, d.Encoding())
	}
	d, _ = tx.SDiffSet(setArgs("a", "a"))
	if d.Len() != 0 {
		t.Errorf("SDIFF a a = %v", setMembers(d))
	}
	if _, err := tx.SDiffSet(setArgs("missing", "str")); err != ErrWrongType {
		t.Errorf("SDIFF wrong type: %v", err)
	}
	// Store replaces the destination, even when it is a source.
	s, _ := tx.SInterSet(setArgs("a", "b"))
	tx.SetExpiry([]byte("a"), tx.Now()+100000)
	tx.StoreSet([]byte("a"), s)
	if at, _ := tx.Expiry([]byte("a")); at != 0 {
		t.Error("STORE kept the expiry")
	}
	if got, _ := tx.GetSet([]byte("a")); !slices.Equal(setMembers(got), []string{"3", "4"}) {
		t.Errorf("stored = %v", setMembers(got))
	}
	if deleted := tx.StoreSet([]byte("a"), NewSet()); !deleted || tx.Exists([]byte("a")) {
		t.Error("empty result did not delete")
	}
}

// TestSDiff_Algorithms checks both diff algorithms against a model.
func TestSDiff_Algorithms(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for round := 0; round < 50; round++ {
		tx := setTestTx(t)
		model := make([]map[string]bool, 1+r.IntN(4))
		keys := make([][]byte, len(model))
		for i := range model {
			model[i] = map[string]bool{}
			keys[i] = []byte("k" + strconv.Itoa(i))
			n := r.IntN(60)
			if i == 0 {
				n = r.IntN(5) * 20
			}
			for range n {
				m := strconv.Itoa(r.IntN(80))
				if r.IntN(5) == 0 {
					m = "s" + m
				}
				model[i][m] = true
				tx.SAdd(keys[i], setArgs(m))
			}
		}
		var want []string
		for m := range model[0] {
			in := false
			for _, o := range model[1:] {
				in = in || o[m]
			}
			if !in {
				want = append(want, m)
			}
		}
		slices.Sort(want)
		d, err := tx.SDiffSet(keys)
		if err != nil {
			t.Fatal(err)
		}
		if got := setSortedMembers(d); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("round %d: SDIFF = %v, want %v", round, got, want)
		}
	}
}

// TestSet_SmallSetMemory guards the compact layout: a set of 10 small
// integers is one 24-byte allocation, its 4-byte header and 20 bytes of
// values (Redis: a 16-byte object plus a 32-byte intset allocation).
func TestSet_SmallSetMemory(t *testing.T) {
	const n = 100000
	sets := make([]*Set, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := rand.New(rand.NewPCG(1, 1))
	var buf [20]byte
	for i := range sets {
		s := NewSet()
		for s.Len() < 10 {
			s, _ = s.add(strconv.AppendInt(buf[:0], int64(r.IntN(1000)), 10), 512)
		}
		sets[i] = s
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	runtime.KeepAlive(sets)
	t.Logf("%.1f bytes per set", per)
	if per > 24.5 {
		t.Errorf("%.1f bytes per set of 10 small integers, want <= 24", per)
	}
}

func TestTx_SMoveSameKey(t *testing.T) {
	tx := setTestTx(t)
	tx.SAdd([]byte("a"), setArgs("1"))
	tx.SetExpiry([]byte("a"), tx.Now()+100000)
	res, err := tx.SMove([]byte("a"), []byte("a"), []byte("1"))
	if err != nil || !res.Moved || res.SrcDeleted || res.DstAdded {
		t.Fatalf("SMove a a 1 = %+v, %v", res, err)
	}
	if at, _ := tx.Expiry([]byte("a")); at == 0 {
		t.Fatal("same-key SMOVE touched the key")
	}
	if res, _ := tx.SMove([]byte("a"), []byte("a"), []byte("2")); res.Moved {
		t.Fatal("SMove a a 2 moved")
	}
}
