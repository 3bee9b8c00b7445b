package store

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestZSet_ParseScore(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true},
		{"-1.5", -1.5, true},
		{"+3", 3, true},
		{".5", .5, true},
		{"5.", 5, true},
		{"1e3", 1000, true},
		{"1E-2", .01, true},
		{"inf", math.Inf(1), true},
		{"+inf", math.Inf(1), true},
		{"-inf", math.Inf(-1), true},
		{"Infinity", math.Inf(1), true},
		{"-INFINITY", math.Inf(-1), true},
		{"0x10", 16, true},
		{"0x1p4", 16, true},
		{"0X.8", .5, true},
		{"1e300", 1e300, true},
		{"4.9e-324", 5e-324, true},
		{"3e-324", 5e-324, true},
		{"0e-400", 0, true},
		{"-0", 0, true},
		{"nan", 0, false},
		{"NaN", 0, false},
		{"-nan", 0, false},
		{"1e400", 0, false},
		{"-1e400", 0, false},
		{"1e-400", 0, false},
		{"2e-324", 0, false},
		{"", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1x", 0, false},
		{"0x", 0, false},
		{".", 0, false},
		{"e1", 0, false},
		{"1e", 0, false},
		{"infx", 0, false},
		{"1\x00", 0, false},
		{"--1", 0, false},
		{"1_000", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseScore([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseScore(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestZSet_ParseScoreRange(t *testing.T) {
	tests := []struct {
		min, max string
		want     ScoreRange
		ok       bool
	}{
		{"1", "2", ScoreRange{Min: 1, Max: 2}, true},
		{"(1", "(2", ScoreRange{Min: 1, Max: 2, MinEx: true, MaxEx: true}, true},
		{"-inf", "+inf", ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}, true},
		{"", "(", ScoreRange{MaxEx: true}, true},           // strtod converts nothing, at the end
		{" 1", "\t2", ScoreRange{Min: 1, Max: 2}, true},    // strtod skips blanks
		{"1e400", "0", ScoreRange{Min: math.Inf(1)}, true}, // overflow is inf
		{"1\x00junk", "2", ScoreRange{Min: 1, Max: 2}, true},
		{"nan", "1", ScoreRange{}, false},
		{"1", "(nan", ScoreRange{}, false},
		{"a", "1", ScoreRange{}, false},
		{"1 ", "2", ScoreRange{}, false},
		{"((1", "2", ScoreRange{}, false},
		{"[1", "2", ScoreRange{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseScoreRange([]byte(tt.min), []byte(tt.max))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseScoreRange(%q, %q) = %+v, %v; want %+v, %v", tt.min, tt.max, got, ok, tt.want, tt.ok)
		}
	}
}

func TestZSet_ParseLexRange(t *testing.T) {
	tests := []struct {
		min, max string
		ok       bool
		empty    bool
	}{
		{"-", "+", true, false},
		{"[a", "[b", true, false},
		{"(a", "(a", true, true},
		{"[a", "[a", true, false},
		{"[b", "[a", true, true},
		{"+", "-", true, true},
		{"-", "-", true, true},
		{"+", "+", true, true},
		{"[", "+", true, false},
		{"-\x00x", "+", true, false},
		{"a", "+", false, false},
		{"", "+", false, false},
		{"-a", "+", false, false},
		{"-", "+b", false, false},
	}
	for _, tt := range tests {
		r, ok := ParseLexRange([]byte(tt.min), []byte(tt.max))
		if ok != tt.ok || (ok && r.empty() != tt.empty) {
			t.Errorf("ParseLexRange(%q, %q): ok %v empty %v; want %v %v", tt.min, tt.max, ok, r.empty(), tt.ok, tt.empty)
		}
	}
	r, _ := ParseLexRange([]byte("(b"), []byte("[d"))
	for m, want := range map[string]bool{"a": false, "b": false, "b\x00": true, "c": true, "d": true, "d\x00": false} {
		if got := r.gteMin([]byte(m)) && r.lteMax([]byte(m)); got != want {
			t.Errorf("(b..[d contains %q = %v, want %v", m, got, want)
		}
	}
}

func TestZSet_AppendScoreString(t *testing.T) {
	tests := []struct {
		v          float64
		lp, double string
	}{
		{1, "1", "1"},
		{0, "0", "0"},
		{math.Copysign(0, -1), "-0", "-0"},
		{2.5, "2.5", "2.5"},
		{1e17, "100000000000000000", "1e+17"},
		{float64(1 << 62), "4611686018427387904", "4.6116860184273879e+18"},
		{float64(1 << 63), "9.2233720368547758e+18", "9.2233720368547758e+18"},
		{0.1, "0.10000000000000001", "0.10000000000000001"},
		{math.Inf(1), "inf", "inf"},
		{math.Inf(-1), "-inf", "-inf"},
	}
	for _, tt := range tests {
		if got := string(AppendScoreString(nil, tt.v)); got != tt.lp {
			t.Errorf("AppendScoreString(%v) = %q, want %q", tt.v, got, tt.lp)
		}
		if got := string(AppendScoreG(nil, tt.v)); got != tt.double {
			t.Errorf("AppendScoreG(%v) = %q, want %q", tt.v, got, tt.double)
		}
	}
}

func TestZSet_ListpackEntries(t *testing.T) {
	scores := []float64{0, 1, -1, 1 << 53, -(1 << 53), 1<<53 + 2, 0.5, -1e300, math.Inf(1), math.Inf(-1), 5e-324}
	var b []byte
	for i, s := range scores {
		b = lpAppendEntry(b, []byte(fmt.Sprint("m", i)), s)
	}
	off := 0
	for i, s := range scores {
		m, got, next := lpDecode(b, off)
		if string(m) != fmt.Sprint("m", i) || got != s {
			t.Fatalf("entry %d = %q %v, want m%d %v", i, m, got, i, s)
		}
		if next-off != lpEntrySize(m, s) || lpNext(b, off) != next {
			t.Fatalf("entry %d: size mismatch", i)
		}
		off = next
	}
	if off != len(b) {
		t.Fatalf("decoded %d of %d bytes", off, len(b))
	}
}

// checkSkiplist verifies the skiplist's invariants: order, back links,
// spans, tail, length, level, and that the index finds every member.
func checkSkiplist(t *testing.T, z *zskiplist) {
	t.Helper()
	var ids []uint32
	prev := uint32(0)
	for x := z.first(); x != 0; x = z.fwd(x, 0) {
		if z.nodes[x].back != prev {
			t.Fatalf("node %d: back %d, want %d", x, z.nodes[x].back, prev)
		}
		if prev != 0 && !z.before(prev, z.nodes[x].score, z.member(x)) {
			t.Fatalf("nodes %d, %d out of order", prev, x)
		}
		ids = append(ids, x)
		prev = x
	}
	if len(ids) != z.length || z.tail != prev {
		t.Fatalf("length %d tail %d, walked %d ending at %d", z.length, z.tail, len(ids), prev)
	}
	if z.idx.n != z.length {
		t.Fatalf("index holds %d, length %d", z.idx.n, z.length)
	}
	rank := map[uint32]int{0: 0}
	for i, x := range ids {
		rank[x] = i + 1
		if got, _, ok := z.find(z.member(x)); !ok || got != x {
			t.Fatalf("find(%q) = %d %v, want %d", z.member(x), got, ok, x)
		}
	}
	for i := 0; i < zslMaxLevel; i++ {
		if i >= z.level && z.fwd(zslHeader, i) != 0 {
			t.Fatalf("level %d used above z.level %d", i, z.level)
		}
		for x := uint32(zslHeader); ; {
			l := z.lvl(x, i)
			if i >= int(z.nodes[x].height) {
				t.Fatalf("node %d linked at level %d above its height", x, i)
			}
			want := z.length - rank[x]
			if l.fwd != 0 {
				want = rank[l.fwd] - rank[x]
			}
			if i < z.level && int(l.span) != want && (l.fwd != 0 || x == zslHeader) {
				t.Fatalf("level %d node %d: span %d, want %d", i, x, l.span, want)
			}
			if l.fwd == 0 {
				break
			}
			x = l.fwd
		}
	}
}

func TestZSet_SkiplistProperty(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 42))
		z := newSkiplist(0)
		model := map[string]float64{}
		for step := 0; step < 3000; step++ {
			m := fmt.Sprintf("m%d", rnd.IntN(400))
			s := float64(rnd.IntN(50)) / 2
			x, _, ok := z.find([]byte(m))
			_, inModel := model[m]
			if ok != inModel {
				t.Fatalf("seed %d step %d: find(%s) = %v, model %v", seed, step, m, ok, inModel)
			}
			switch op := rnd.IntN(10); {
			case op < 5 && !ok:
				z.insert(s, []byte(m))
				model[m] = s
			case op < 7 && ok:
				z.updateScore(x, s)
				model[m] = s
			case op < 9 && ok:
				z.remove(x)
				delete(model, m)
			case op == 9:
				lo := float64(rnd.IntN(50)) / 2
				r := ScoreRange{Min: lo, Max: lo + float64(rnd.IntN(4)), MinEx: rnd.IntN(2) == 0}
				n := z.deleteRangeByScore(&r)
				for k, v := range model {
					if r.gteMin(v) && r.lteMax(v) {
						delete(model, k)
						n--
					}
				}
				if n != 0 {
					t.Fatalf("seed %d step %d: deleteRangeByScore count off by %d", seed, step, n)
				}
			}
			if step%50 == 0 {
				checkSkiplist(t, z)
				want := sortedModel(model)
				for i, e := range want {
					x := z.byRank(i + 1)
					if string(z.member(x)) != string(e.Member) || z.score(x) != e.Score || z.rank(x) != i+1 {
						t.Fatalf("seed %d step %d: rank %d = %q, want %q", seed, step, i+1, z.member(x), e.Member)
					}
				}
			}
		}
		checkSkiplist(t, z)
		if len(z.arena) > 2*zslCompactBytes && z.dead*2 > len(z.arena) {
			t.Fatalf("arena not compacted: %d dead of %d", z.dead, len(z.arena))
		}
	}
}

func sortedModel(model map[string]float64) []ZElement {
	out := make([]ZElement, 0, len(model))
	for m, s := range model {
		out = append(out, ZElement{Member: []byte(m), Score: s})
	}
	slices.SortFunc(out, cmpZElement)
	return out
}

// newZTx returns a store with small encoding limits and a Tx holding every
// shard.
func newZTx(entries, value int64) *Tx {
	st := New(Options{Shards: 4})
	st.Limits().ZSetMaxListpackEntries.Store(entries)
	st.Limits().ZSetMaxListpackValue.Store(value)
	tx := NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	return tx
}

// zsetModel is the trivially correct sorted set the property test compares
// with, plus the encoding the real one should have.
type zsetModel struct {
	m        map[string]float64
	skiplist bool
}

func TestZSet_Property(t *testing.T) {
	const maxEntries, maxValue = 12, 6
	for seed := uint64(1); seed <= 6; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 7))
		tx := newZTx(maxEntries, maxValue)
		key := []byte("k")
		md := zsetModel{m: map[string]float64{}}
		sameScore := seed%2 == 0 // lex ranges are defined when all scores are equal
		member := func() []byte {
			n := 1 + rnd.IntN(8)
			if rnd.IntN(10) > 0 {
				n = 1 + rnd.IntN(3)
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = "abcd"[rnd.IntN(4)]
			}
			return b
		}
		score := func() float64 {
			if sameScore {
				return 0
			}
			switch rnd.IntN(20) {
			case 0:
				return math.Inf(1)
			case 1:
				return math.Inf(-1)
			}
			return float64(rnd.IntN(20)-10) / 2
		}
		for step := 0; step < 2500; step++ {
			desc := ""
			switch op := rnd.IntN(12); {
			case op < 5:
				var flags ZAddFlags
				switch rnd.IntN(6) {
				case 1:
					flags = ZAddNX
				case 2:
					flags = ZAddXX
				case 3:
					flags = ZAddGT
				case 4:
					flags = ZAddLT | ZAddXX
				}
				n := 1 + rnd.IntN(3)
				if rnd.IntN(4) == 0 {
					flags |= ZAddIncr
					n = 1
				}
				var scores []float64
				var members [][]byte
				for range n {
					scores = append(scores, score())
					members = append(members, member())
				}
				desc = fmt.Sprintf("ZADD %v %v %q", flags, scores, members)
				want, wantErr := md.add(flags, scores, members, maxEntries, maxValue)
				got, err := tx.ZAdd(key, flags, scores, members)
				if err != wantErr || got != want {
					t.Fatalf("seed %d step %d: %s = %+v %v, want %+v %v", seed, step, desc, got, err, want, wantErr)
				}
			case op < 7:
				ms := [][]byte{member(), member()}
				desc = fmt.Sprintf("ZREM %q", ms)
				want := 0
				for _, m := range ms {
					if _, ok := md.m[string(m)]; ok {
						delete(md.m, string(m))
						want++
					}
				}
				got, deleted, _ := tx.ZRem(key, ms)
				if got != want || deleted != (want > 0 && len(md.m) == 0) {
					t.Fatalf("seed %d step %d: %s = %d %v, want %d", seed, step, desc, got, deleted, want)
				}
			case op == 7:
				max, count := rnd.IntN(2) == 0, 1+rnd.IntN(3)
				desc = fmt.Sprintf("ZPOP max=%v %d", max, count)
				want := sortedModel(md.m)
				if max {
					slices.Reverse(want)
				}
				want = want[:min(count, len(want))]
				var got []ZElement
				_, _, err := tx.ZPop(key, max, count, func(m []byte, s float64) {
					got = append(got, ZElement{slices.Clone(m), s})
				})
				if err != nil || !sameElements(got, want) {
					t.Fatalf("seed %d step %d: %s = %q, want %q", seed, step, desc, got, want)
				}
				for _, e := range want {
					delete(md.m, string(e.Member))
				}
			case op == 8:
				start, end := int64(rnd.IntN(10)-5), int64(rnd.IntN(10)-5)
				desc = fmt.Sprintf("ZREMRANGEBYRANK %d %d", start, end)
				all := sortedModel(md.m)
				n := int64(len(all))
				s, e := start, end
				if s < 0 {
					s += n
				}
				if e < 0 {
					e += n
				}
				s = max(s, 0)
				want := 0
				if s <= e && s < n {
					e = min(e, n-1)
					for _, el := range all[s : e+1] {
						delete(md.m, string(el.Member))
					}
					want = int(e - s + 1)
				}
				if got, _, _ := tx.ZRemRangeByRank(key, start, end); got != want {
					t.Fatalf("seed %d step %d: %s = %d, want %d", seed, step, desc, got, want)
				}
			case op == 9:
				r := randomScoreRange(rnd)
				desc = fmt.Sprintf("ZREMRANGEBYSCORE %+v", r)
				want := 0
				for m, s := range md.m {
					if r.gteMin(s) && r.lteMax(s) {
						delete(md.m, m)
						want++
					}
				}
				if got, _, _ := tx.ZRemRangeByScore(key, &r); got != want {
					t.Fatalf("seed %d step %d: %s = %d, want %d", seed, step, desc, got, want)
				}
			case op == 10 && sameScore:
				r := randomLexRange(rnd)
				desc = fmt.Sprintf("ZREMRANGEBYLEX %+v", r)
				want := 0
				for m := range md.m {
					if !r.empty() && r.gteMin([]byte(m)) && r.lteMax([]byte(m)) {
						delete(md.m, m)
						want++
					}
				}
				if got, _, _ := tx.ZRemRangeByLex(key, &r); got != want {
					t.Fatalf("seed %d step %d: %s = %d, want %d", seed, step, desc, got, want)
				}
			default:
				// Copy through ZStore (the *STORE commands) and back.
				desc = "ZSTORE"
				tx.ZStore(key, sortedModel(md.m))
				md.skiplist = len(md.m) > maxEntries
				for m := range md.m {
					if len(m) > maxValue {
						md.skiplist = true
					}
				}
			}
			if len(md.m) == 0 {
				md.skiplist = false
			}
			compareZSet(t, tx, key, &md, rnd, sameScore, fmt.Sprintf("seed %d step %d after %s", seed, step, desc))
		}
	}
}

func sameElements(a, b []ZElement) bool {
	return slices.EqualFunc(a, b, func(x, y ZElement) bool {
		return bytes.Equal(x.Member, y.Member) && x.Score == y.Score
	})
}

// add applies ZADD to the model and returns the expected result.
func (md *zsetModel) add(flags ZAddFlags, scores []float64, members [][]byte, maxEntries, maxValue int) (ZAddResult, error) {
	var res ZAddResult
	if len(md.m) == 0 && flags&ZAddXX == 0 && len(members[0]) > maxValue {
		md.skiplist = true
	}
	for i, mb := range members {
		m, s := string(mb), scores[i]
		cur, ok := md.m[m]
		switch {
		case !ok && flags&ZAddXX != 0, ok && flags&ZAddNX != 0:
			res.Score = 0
			continue
		case !ok:
			if len(md.m)+1 > maxEntries || len(m) > maxValue {
				md.skiplist = true
			}
			md.m[m] = s
			res.Added++
			res.Processed++
			res.Score = s
			continue
		}
		if flags&ZAddIncr != 0 {
			s += cur
			if math.IsNaN(s) {
				return res, ErrZSetNaN
			}
		}
		if (flags&ZAddLT != 0 && s >= cur) || (flags&ZAddGT != 0 && s <= cur) {
			res.Score = 0
			continue
		}
		if s != cur {
			res.Updated++
			md.m[m] = s
		}
		res.Processed++
		res.Score = s
	}
	return res, nil
}

func randomScoreRange(rnd *rand.Rand) ScoreRange {
	lo := float64(rnd.IntN(24)-12) / 2
	r := ScoreRange{Min: lo, Max: lo + float64(rnd.IntN(8)-1)/2, MinEx: rnd.IntN(3) == 0, MaxEx: rnd.IntN(3) == 0}
	if rnd.IntN(8) == 0 {
		r.Min = math.Inf(-1)
	}
	if rnd.IntN(8) == 0 {
		r.Max = math.Inf(1)
	}
	return r
}

func randomLexRange(rnd *rand.Rand) LexRange {
	bound := func() []byte {
		switch rnd.IntN(8) {
		case 0:
			return []byte("-")
		case 1:
			return []byte("+")
		}
		b := []byte{"[("[rnd.IntN(2)]}
		for range rnd.IntN(3) {
			b = append(b, "abcd"[rnd.IntN(4)])
		}
		return b
	}
	r, _ := ParseLexRange(bound(), bound())
	return r
}

// compareZSet checks every read operation of key against the model.
func compareZSet(t *testing.T, tx *Tx, key []byte, md *zsetModel, rnd *rand.Rand, sameScore bool, where string) {
	t.Helper()
	z, err := tx.ZSet(key)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	want := sortedModel(md.m)
	if len(want) == 0 {
		if z != nil {
			t.Fatalf("%s: empty sorted set not deleted", where)
		}
		return
	}
	if z == nil || z.Len() != len(want) {
		t.Fatalf("%s: length mismatch (want %d)", where, len(want))
	}
	if wantEnc := map[bool]Encoding{false: EncListpack, true: EncSkiplist}[md.skiplist]; z.Encoding() != wantEnc {
		t.Fatalf("%s: encoding %v, want %v", where, z.Encoding(), wantEnc)
	}
	if z.sl != nil {
		checkSkiplist(t, z.sl)
	}
	collect := func(f func(fn func(m []byte, s float64))) []ZElement {
		var out []ZElement
		f(func(m []byte, s float64) { out = append(out, ZElement{slices.Clone(m), s}) })
		return out
	}
	got := collect(func(fn func([]byte, float64)) { z.Range(0, len(want)-1, false, fn) })
	if !sameElements(got, want) {
		t.Fatalf("%s: ZRANGE = %q, want %q", where, got, want)
	}
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if got := collect(func(fn func([]byte, float64)) { z.Range(0, len(want)-1, true, fn) }); !sameElements(got, rev) {
		t.Fatalf("%s: ZREVRANGE = %q, want %q", where, got, rev)
	}
	// Ranks and scores of members and non-members.
	for range 3 {
		i := rnd.IntN(len(want))
		if r, ok := z.Rank(want[i].Member, false); !ok || r != i {
			t.Fatalf("%s: ZRANK %q = %d %v, want %d", where, want[i].Member, r, ok, i)
		}
		if r, ok := z.Rank(want[i].Member, true); !ok || r != len(want)-1-i {
			t.Fatalf("%s: ZREVRANK %q = %d %v", where, want[i].Member, r, ok)
		}
		if s, ok := z.Score(want[i].Member); !ok || s != want[i].Score {
			t.Fatalf("%s: ZSCORE %q = %v %v", where, want[i].Member, s, ok)
		}
	}
	if _, ok := z.Score([]byte("zzzzzzzzz")); ok {
		t.Fatalf("%s: ZSCORE of a non-member", where)
	}
	// Ranges with offset and limit, both directions.
	for range 3 {
		r := randomScoreRange(rnd)
		offset, limit := rnd.IntN(4), rnd.IntN(5)-1
		for _, reverse := range []bool{false, true} {
			var exp []ZElement
			src := want
			if reverse {
				src = rev
			}
			for _, e := range src {
				if r.gteMin(e.Score) && r.lteMax(e.Score) {
					exp = append(exp, e)
				}
			}
			if cnt := z.CountByScore(&r); cnt != len(exp) {
				t.Fatalf("%s: ZCOUNT %+v = %d, want %d", where, r, cnt, len(exp))
			}
			exp = window(exp, offset, limit)
			got := collect(func(fn func([]byte, float64)) { z.RangeByScore(&r, reverse, offset, limit, fn) })
			if !sameElements(got, exp) {
				t.Fatalf("%s: RangeByScore %+v rev=%v offset %d limit %d = %q, want %q", where, r, reverse, offset, limit, got, exp)
			}
		}
		if !sameScore {
			continue
		}
		lr := randomLexRange(rnd)
		for _, reverse := range []bool{false, true} {
			var exp []ZElement
			src := want
			if reverse {
				src = rev
			}
			for _, e := range src {
				if !lr.empty() && lr.gteMin(e.Member) && lr.lteMax(e.Member) {
					exp = append(exp, e)
				}
			}
			if cnt := z.CountByLex(&lr); cnt != len(exp) {
				t.Fatalf("%s: ZLEXCOUNT %+v = %d, want %d", where, lr, cnt, len(exp))
			}
			exp = window(exp, offset, limit)
			got := collect(func(fn func([]byte, float64)) { z.RangeByLex(&lr, reverse, offset, limit, fn) })
			if !sameElements(got, exp) {
				t.Fatalf("%s: RangeByLex rev=%v = %q, want %q", where, reverse, got, exp)
			}
		}
	}
	// A full ZSCAN returns every member once.
	var scanned []ZElement
	cursor := uint64(0)
	for calls := 0; ; calls++ {
		cursor = z.Scan(cursor, 1+rnd.IntN(5), func(m []byte, s float64) {
			scanned = append(scanned, ZElement{slices.Clone(m), s})
		})
		if cursor == 0 {
			break
		}
		if calls > 10*len(want)+10 {
			t.Fatalf("%s: ZSCAN does not terminate", where)
		}
	}
	slices.SortFunc(scanned, cmpZElement)
	if !sameElements(scanned, want) {
		t.Fatalf("%s: ZSCAN = %q, want %q", where, scanned, want)
	}
}

func window(s []ZElement, offset, limit int) []ZElement {
	if offset >= len(s) {
		return nil
	}
	s = s[offset:]
	if limit >= 0 && limit < len(s) {
		s = s[:limit]
	}
	return s
}

func TestZSet_Combine(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	for round := 0; round < 200; round++ {
		tx := newZTx(int64(rnd.IntN(8)), 64)
		n := 1 + rnd.IntN(4)
		keys := make([][]byte, n)
		models := make([]map[string]float64, n)
		for i := range keys {
			keys[i] = []byte(fmt.Sprint("k", rnd.IntN(5)))
			if models[i] = nil; tx.Exists(keys[i]) {
				continue
			}
			size := rnd.IntN(12)
			if rnd.IntN(4) == 0 {
				// A set input: every member scores 1.
				for range size {
					if _, err := tx.SAdd(keys[i], [][]byte{[]byte(fmt.Sprint(rnd.IntN(16)))}); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			for range size {
				m := []byte(fmt.Sprint("m", rnd.IntN(16)))
				s := float64(rnd.IntN(10) - 3)
				if rnd.IntN(15) == 0 {
					s = math.Inf(1 - 2*rnd.IntN(2))
				}
				if _, err := tx.ZAdd(keys[i], 0, []float64{s}, [][]byte{m}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, k := range keys {
			models[i] = map[string]float64{}
			if z, _ := tx.ZSet(k); z != nil {
				z.each(func(m []byte, s float64) bool { models[i][string(m)] = s; return true })
			}
			if r, ok := tx.find(0, k); ok && r.meta().typ == TypeSet {
				set := r.ks.obj(r.h).(*Set)
				for j := range set.Len() {
					models[i][string(set.At(j, nil))] = 1
				}
			}
		}
		weights := make([]float64, n)
		for i := range weights {
			weights[i] = float64(rnd.IntN(5) - 2)
		}
		agg := ZAggregate(rnd.IntN(3))
		op := ZSetOp(rnd.IntN(3))
		in, err := tx.ZInputs(keys)
		if err != nil {
			t.Fatal(err)
		}
		got := in.Combine(op, weights, agg)
		want := combineModel(op, models, weights, agg)
		if !sameElements(got, want) {
			t.Fatalf("round %d op %d agg %d weights %v keys %q: got %v, want %v", round, op, agg, weights, keys, got, want)
		}
		if op == ZInter {
			in, _ := tx.ZInputs(keys)
			limit := rnd.IntN(4)
			wantCard := len(want)
			if limit > 0 {
				wantCard = min(wantCard, limit)
			}
			if c := in.InterCard(limit); c != wantCard {
				t.Fatalf("round %d: ZINTERCARD limit %d = %d, want %d", round, limit, c, wantCard)
			}
		}
	}
}

// combineModel is ZUNION/ZINTER/ZDIFF by the definition, aggregating in
// Redis's order: inputs by ascending size, ties in argument order.
func combineModel(op ZSetOp, sets []map[string]float64, weights []float64, agg ZAggregate) []ZElement {
	type in struct {
		m map[string]float64
		w float64
	}
	ins := make([]in, len(sets))
	for i := range sets {
		ins[i] = in{sets[i], weights[i]}
	}
	out := map[string]float64{}
	switch op {
	case ZDiff:
		for m, s := range sets[0] {
			found := false
			for _, o := range sets[1:] {
				if _, ok := o[m]; ok {
					found = true
				}
			}
			if !found {
				out[m] = s
			}
		}
	default:
		slices.SortStableFunc(ins, func(a, b in) int { return cmp.Compare(len(a.m), len(b.m)) })
		fix := func(v float64) float64 {
			if math.IsNaN(v) {
				return 0
			}
			return v
		}
		seen := map[string]bool{}
		for _, x := range ins {
			for m := range x.m {
				seen[m] = true
			}
		}
		for m := range seen {
			var acc float64
			first, all := true, true
			for j, x := range ins {
				s, ok := x.m[m]
				if !ok {
					all = false
					continue
				}
				v := s * x.w
				if op == ZUnion || j == 0 {
					v = fix(v)
				}
				if first {
					acc, first = v, false
					continue
				}
				zaggregate(&acc, v, agg)
			}
			if op == ZUnion || all {
				out[m] = acc
			}
		}
	}
	return sortedModel(out)
}

func TestZSet_StoreEncoding(t *testing.T) {
	tx := newZTx(4, 3)
	elems := func(ms ...string) []ZElement {
		var out []ZElement
		for i, m := range ms {
			out = append(out, ZElement{[]byte(m), float64(len(ms) - i)}) // unsorted on purpose
		}
		return out
	}
	tests := []struct {
		elems []ZElement
		want  Encoding
	}{
		{elems("a", "b", "c", "d"), EncListpack},
		{elems("a", "b", "c", "d", "e"), EncSkiplist},
		{elems("abc"), EncListpack},
		{elems("abcd"), EncSkiplist},
	}
	for _, tt := range tests {
		if tx.ZStore([]byte("d"), tt.elems) {
			t.Fatal("ZStore reported a deletion")
		}
		z, _ := tx.ZSet([]byte("d"))
		if z.Encoding() != tt.want || z.Len() != len(tt.elems) {
			t.Errorf("ZStore of %d elements: %v, want %v", len(tt.elems), z.Encoding(), tt.want)
		}
		var got []ZElement
		z.each(func(m []byte, s float64) bool { got = append(got, ZElement{slices.Clone(m), s}); return true })
		if !slices.IsSortedFunc(got, cmpZElement) {
			t.Errorf("ZStore result not in order: %v", got)
		}
	}
	if !tx.ZStore([]byte("d"), nil) || tx.Exists([]byte("d")) {
		t.Error("ZStore of nothing must delete the destination")
	}
}

func TestZSet_CloneAndWrongType(t *testing.T) {
	tx := newZTx(2, 64)
	tx.ZAdd([]byte("z"), 0, []float64{1, 2, 3}, [][]byte{[]byte("a"), []byte("b"), []byte("c")})
	if !tx.Copy([]byte("z"), 0, []byte("c"), false) {
		t.Fatal("copy failed")
	}
	tx.ZRem([]byte("z"), [][]byte{[]byte("a")})
	c, _ := tx.ZSet([]byte("c"))
	if c.Len() != 3 || c.Encoding() != EncSkiplist {
		t.Fatalf("copy: len %d enc %v", c.Len(), c.Encoding())
	}
	tx.SetString([]byte("s"), []byte("x"), 0, false)
	if _, err := tx.ZSet([]byte("s")); err != ErrWrongType {
		t.Errorf("ZSet on a string: %v", err)
	}
	if _, err := tx.ZAdd([]byte("s"), 0, []float64{1}, [][]byte{[]byte("a")}); err != ErrWrongType {
		t.Errorf("ZAdd on a string: %v", err)
	}
	if _, err := tx.ZInputs([][]byte{[]byte("z"), []byte("s")}); err != ErrWrongType {
		t.Errorf("ZInputs with a string: %v", err)
	}
	if i, _, err := tx.ZFirstNonEmpty([][]byte{[]byte("nosuch"), []byte("s"), []byte("z")}); err != ErrWrongType || i != -1 {
		t.Errorf("ZFirstNonEmpty: %d %v", i, err)
	}
	if i, n, err := tx.ZFirstNonEmpty([][]byte{[]byte("nosuch"), []byte("z"), []byte("s")}); err != nil || i != 1 || n != 2 {
		t.Errorf("ZFirstNonEmpty: %d %d %v", i, n, err)
	}
}

func (e ZElement) String() string { return fmt.Sprintf("%q:%v", e.Member, e.Score) }
