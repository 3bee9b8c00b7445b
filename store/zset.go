package store

import (
	"bytes"
	"errors"
	"math"
)

// Sorted sets. A ZSet is in one of two encodings, as in Redis: "listpack"
// (zset_listpack.go) while it has at most zset-max-listpack-entries members
// of at most zset-max-listpack-value bytes, "skiplist" (zset_skiplist.go)
// once it outgrows either. A sorted set never converts back, except that the
// *STORE commands build their result in the encoding its size calls for.
// Members are ordered by score, ties by member bytes.

// ErrZSetNaN is an increment that makes a score NaN (+inf + -inf).
var ErrZSetNaN = errors.New("resulting score is not a number (NaN)")

// ZSet is a sorted set. Read it through Tx.ZSet; change it through the Tx
// methods. Members it returns alias store memory.
type ZSet struct {
	lp []byte // listpack encoding, when sl is nil
	n  int    // members in lp
	sl *zskiplist
}

// Encoding is what OBJECT ENCODING reports.
func (z *ZSet) Encoding() Encoding {
	if z.sl != nil {
		return EncSkiplist
	}
	return EncListpack
}

// Len is the number of members.
func (z *ZSet) Len() int {
	if z.sl != nil {
		return z.sl.length
	}
	return z.n
}

func (z *ZSet) cloneValue() collection {
	if z.sl != nil {
		return &ZSet{sl: z.sl.clone()}
	}
	return &ZSet{lp: append([]byte(nil), z.lp...), n: z.n}
}

// zsetLimits returns zset-max-listpack-entries and -value.
func (tx *Tx) zsetLimits() (entries, value int) {
	l := &tx.st.limits
	return int(l.ZSetMaxListpackEntries.Load()), int(l.ZSetMaxListpackValue.Load())
}

// convert turns a listpack sorted set into a skiplist.
func (z *ZSet) convert() {
	sl := newSkiplist(z.n + 1)
	for off := 0; off < len(z.lp); {
		m, s, next := lpDecode(z.lp, off)
		sl.insert(s, m)
		off = next
	}
	z.sl, z.lp, z.n = sl, nil, 0
}

// Score returns member's score.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.sl != nil {
		x, _, ok := z.sl.find(member)
		if !ok {
			return 0, false
		}
		return z.sl.score(x), true
	}
	off, s := lpFind(z.lp, member)
	return s, off >= 0
}

// Rank returns member's 0-based rank, from the highest score when rev.
func (z *ZSet) Rank(member []byte, rev bool) (int, bool) {
	r := -1
	if z.sl != nil {
		if x, _, ok := z.sl.find(member); ok {
			r = z.sl.rank(x) - 1
		}
	} else {
		i := 0
		for off := 0; off < len(z.lp); i++ {
			if m, _ := lpMember(z.lp, off); bytes.Equal(m, member) {
				r = i
				break
			}
			off = lpNext(z.lp, off)
		}
	}
	if r < 0 {
		return 0, false
	}
	if rev {
		r = z.Len() - 1 - r
	}
	return r, true
}

// zcur walks a sorted set in either direction, whatever its encoding.
type zcur struct {
	z    *ZSet
	offs []uint32 // listpack: entry offsets
	i    int      // listpack: position in offs
	x    uint32   // skiplist: node, 0 past either end
}

func (z *ZSet) cursor() zcur {
	c := zcur{z: z}
	if z.sl == nil {
		c.offs = lpOffsets(z.lp, make([]uint32, 0, z.n))
	}
	return c
}

func (c *zcur) valid() bool {
	if c.z.sl != nil {
		return c.x != 0
	}
	return c.i >= 0 && c.i < len(c.offs)
}

func (c *zcur) get() ([]byte, float64) {
	if sl := c.z.sl; sl != nil {
		return sl.member(c.x), sl.score(c.x)
	}
	m, s, _ := lpDecode(c.z.lp, int(c.offs[c.i]))
	return m, s
}

func (c *zcur) step(rev bool) {
	switch {
	case c.z.sl != nil && rev:
		c.x = c.z.sl.nodes[c.x].back
	case c.z.sl != nil:
		c.x = c.z.sl.fwd(c.x, 0)
	case rev:
		c.i--
	default:
		c.i++
	}
}

// seekRank positions at 0-based rank r (counted from the end when rev).
func (c *zcur) seekRank(r int, rev bool) {
	n := c.z.Len()
	if rev {
		r = n - 1 - r
	}
	if c.z.sl != nil {
		c.x = c.z.sl.byRank(r + 1)
		return
	}
	c.i = r
}

// lpSearch returns the first index in [0, n) for which f is true (f false
// then true along the order), decoding only the entries it probes.
func (c *zcur) lpSearch(f func(m []byte, s float64) bool) int {
	lo, hi := 0, len(c.offs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		m, s, _ := lpDecode(c.z.lp, int(c.offs[mid]))
		if f(m, s) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// seekScore positions at the first (last when rev) member with a score in r;
// not valid when there is none.
func (c *zcur) seekScore(r *ScoreRange, rev bool) {
	if sl := c.z.sl; sl != nil {
		if rev {
			c.x = sl.lastInRange(r)
		} else {
			c.x = sl.firstInRange(r)
		}
		return
	}
	c.i = -1
	if r.empty() {
		return
	}
	if rev {
		i := c.lpSearch(func(_ []byte, s float64) bool { return !r.lteMax(s) }) - 1
		if i >= 0 {
			if _, s, _ := lpDecode(c.z.lp, int(c.offs[i])); r.gteMin(s) {
				c.i = i
			}
		}
		return
	}
	i := c.lpSearch(func(_ []byte, s float64) bool { return r.gteMin(s) })
	if i < len(c.offs) {
		if _, s, _ := lpDecode(c.z.lp, int(c.offs[i])); r.lteMax(s) {
			c.i = i
		}
	}
}

// seekLex is seekScore for a member range. The walk is Redis's, linear on
// a listpack, so that a range over members of different scores (where lex
// order is not defined) selects exactly what Redis selects.
func (c *zcur) seekLex(r *LexRange, rev bool) {
	if sl := c.z.sl; sl != nil {
		if rev {
			c.x = sl.lastInLex(r)
		} else {
			c.x = sl.firstInLex(r)
		}
		return
	}
	c.i = -1
	n := len(c.offs)
	if r.empty() || n == 0 {
		return
	}
	member := func(i int) []byte {
		m, _ := lpMember(c.z.lp, int(c.offs[i]))
		return m
	}
	if !r.gteMin(member(n-1)) || !r.lteMax(member(0)) {
		return
	}
	if rev {
		for i := n - 1; i >= 0; i-- {
			if m := member(i); r.lteMax(m) {
				if r.gteMin(m) {
					c.i = i
				}
				return
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		if m := member(i); r.gteMin(m) {
			if r.lteMax(m) {
				c.i = i
			}
			return
		}
	}
}

// rank is the 0-based rank of the current member.
func (c *zcur) rank() int {
	if c.z.sl != nil {
		return c.z.sl.rank(c.x) - 1
	}
	return c.i
}

// Range calls fn for the members of 0-based ranks start..end (counted from
// the highest score when rev). The caller clamps the ranks into the set.
func (z *ZSet) Range(start, end int, rev bool, fn func(member []byte, score float64)) {
	if start > end || start < 0 || end >= z.Len() {
		return
	}
	c := z.cursor()
	c.seekRank(start, rev)
	for n := end - start + 1; n > 0 && c.valid(); n-- {
		fn(c.get())
		c.step(rev)
	}
}

// RangeByScore calls fn for the members with a score in r, in order (from
// the highest when rev), skipping offset of them and stopping after limit
// (negative: no limit). It returns how many it passed to fn. A negative
// offset selects nothing, as in Redis.
func (z *ZSet) RangeByScore(r *ScoreRange, rev bool, offset, limit int, fn func(member []byte, score float64)) int {
	if offset < 0 || (offset > 0 && offset >= z.Len()) {
		return 0
	}
	c := z.cursor()
	c.seekScore(r, rev)
	for ; offset > 0 && c.valid(); offset-- {
		c.step(rev)
	}
	n := 0
	for ; limit != 0 && c.valid(); limit-- {
		m, s := c.get()
		if (rev && !r.gteMin(s)) || (!rev && !r.lteMax(s)) {
			break
		}
		fn(m, s)
		n++
		c.step(rev)
	}
	return n
}

// ScoresFrom passes the members in r to fn in score order, lowest first,
// until fn returns false (GEO searches stop once they have COUNT ANY).
func (z *ZSet) ScoresFrom(r *ScoreRange, fn func(member []byte, score float64) bool) {
	c := z.cursor()
	c.seekScore(r, false)
	for ; c.valid(); c.step(false) {
		m, s := c.get()
		if !r.lteMax(s) || !fn(m, s) {
			return
		}
	}
}

// RangeByLex is RangeByScore for a member range.
func (z *ZSet) RangeByLex(r *LexRange, rev bool, offset, limit int, fn func(member []byte, score float64)) int {
	if offset < 0 {
		return 0
	}
	c := z.cursor()
	c.seekLex(r, rev)
	for ; offset > 0 && c.valid(); offset-- {
		c.step(rev)
	}
	n := 0
	for ; limit != 0 && c.valid(); limit-- {
		m, s := c.get()
		if (rev && !r.gteMin(m)) || (!rev && !r.lteMax(m)) {
			break
		}
		fn(m, s)
		n++
		c.step(rev)
	}
	return n
}

// CountByScore counts the members with a score in r.
func (z *ZSet) CountByScore(r *ScoreRange) int {
	first := z.cursor()
	first.seekScore(r, false)
	return z.countFrom(&first, func(c *zcur) bool {
		last := z.cursor()
		last.seekScore(r, true)
		*c = last
		return c.valid()
	}, func(_ []byte, s float64) bool { return r.lteMax(s) })
}

// CountByLex counts the members in r.
func (z *ZSet) CountByLex(r *LexRange) int {
	first := z.cursor()
	first.seekLex(r, false)
	return z.countFrom(&first, func(c *zcur) bool {
		last := z.cursor()
		last.seekLex(r, true)
		*c = last
		return c.valid()
	}, func(m []byte, _ float64) bool { return r.lteMax(m) })
}

// countFrom counts as ZCOUNT and ZLEXCOUNT do: on a listpack, the members
// from the first in range while inRange holds; on a skiplist, by the ranks of
// the first and last in range (seekLast positions at the last).
func (z *ZSet) countFrom(first *zcur, seekLast func(c *zcur) bool, inRange func(m []byte, s float64) bool) int {
	if !first.valid() {
		return 0
	}
	if z.sl == nil {
		n := 0
		for ; first.valid(); first.step(false) {
			if !inRange(first.get()) {
				break
			}
			n++
		}
		return n
	}
	n := z.Len() - first.rank()
	var last zcur
	if seekLast(&last) {
		n -= z.Len() - 1 - last.rank()
	}
	return n
}

// ZRanked gives access to a sorted set's members by rank (ZRANDMEMBER).
type ZRanked struct {
	z    *ZSet
	offs []uint32
}

// Ranked returns random access by rank to z.
func (z *ZSet) Ranked() ZRanked {
	r := ZRanked{z: z}
	if z.sl == nil {
		r.offs = lpOffsets(z.lp, make([]uint32, 0, z.n))
	}
	return r
}

// At returns the member of 0-based rank i.
func (r ZRanked) At(i int) ([]byte, float64) {
	if sl := r.z.sl; sl != nil {
		x := sl.byRank(i + 1)
		return sl.member(x), sl.score(x)
	}
	m, s, _ := lpDecode(r.z.lp, int(r.offs[i]))
	return m, s
}

// Scan calls fn for the members from cursor on and returns the cursor to
// continue from, 0 when done. A listpack sorted set is returned whole, as
// Redis does. A skiplist is walked by node id, about count members per
// call, so every member present for the whole scan is returned.
func (z *ZSet) Scan(cursor uint64, count int, fn func(member []byte, score float64)) uint64 {
	sl := z.sl
	if sl == nil {
		for off := 0; off < len(z.lp); {
			m, s, next := lpDecode(z.lp, off)
			fn(m, s)
			off = next
		}
		return 0
	}
	if cursor == 0 {
		cursor = 1
	}
	if cursor >= uint64(len(sl.nodes)) {
		return 0
	}
	x := int(cursor)
	count = max(count, 1)
	budget := count * 10 // bounded work on a sparse node array, as Redis's maxiterations
	for found := 0; x < len(sl.nodes) && found < count && budget > 0; x, budget = x+1, budget-1 {
		if sl.nodes[x].height != 0 {
			fn(sl.member(uint32(x)), sl.nodes[x].score)
			found++
		}
	}
	if x >= len(sl.nodes) {
		return 0
	}
	return uint64(x)
}

// sortElements copies the members in order for SORT. Like Redis, SORT
// leaves a sorted set in the skiplist encoding (sort.c converts it first).
func (z *ZSet) sortElements() [][]byte {
	if z.sl == nil {
		z.convert()
	}
	sl := z.sl
	size := 0
	for x := sl.first(); x != 0; x = sl.fwd(x, 0) {
		size += int(sl.nodes[x].mlen)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, 0, sl.length)
	for x := sl.first(); x != 0; x = sl.fwd(x, 0) {
		start := len(buf)
		buf = append(buf, sl.member(x)...)
		out = append(out, buf[start:len(buf):len(buf)])
	}
	return out
}

// each calls fn for every member in order until fn returns false.
func (z *ZSet) each(fn func(member []byte, score float64) bool) {
	if sl := z.sl; sl != nil {
		for x := sl.first(); x != 0; x = sl.fwd(x, 0) {
			if !fn(sl.member(x), sl.score(x)) {
				return
			}
		}
		return
	}
	for off := 0; off < len(z.lp); {
		m, s, next := lpDecode(z.lp, off)
		if !fn(m, s) {
			return
		}
		off = next
	}
}

// ZAddFlags are ZADD's options.
type ZAddFlags uint8

// ZADD options.
const (
	ZAddNX ZAddFlags = 1 << iota
	ZAddXX
	ZAddGT
	ZAddLT
	ZAddIncr
)

// zadd outcomes.
const (
	zaddNop = iota
	zaddAdded
	zaddUpdated
	zaddSame // processed, score unchanged
	zaddNaN
)

// add is Redis's zsetAdd: it inserts or updates member under flags and
// returns the outcome and the member's resulting score.
func (z *ZSet) add(score float64, member []byte, flags ZAddFlags, maxEntries, maxValue int) (int, float64) {
	var cur float64
	var found bool
	var x uint32
	off := -1
	if z.sl != nil {
		x, _, found = z.sl.find(member)
		if found {
			cur = z.sl.score(x)
		}
	} else {
		off, cur = lpFind(z.lp, member)
		found = off >= 0
	}
	if !found {
		if flags&ZAddXX != 0 {
			return zaddNop, 0
		}
		if z.sl == nil && (z.n+1 > maxEntries || len(member) > maxValue) {
			z.convert()
		}
		if z.sl != nil {
			z.sl.insert(score, member)
		} else {
			z.lp = lpInsert(z.lp, member, score)
			z.n++
		}
		return zaddAdded, score
	}
	if flags&ZAddNX != 0 {
		return zaddNop, 0
	}
	if flags&ZAddIncr != 0 {
		score += cur
		if math.IsNaN(score) {
			return zaddNaN, 0
		}
	}
	if (flags&ZAddLT != 0 && score >= cur) || (flags&ZAddGT != 0 && score <= cur) {
		return zaddNop, 0
	}
	if score == cur {
		return zaddSame, score
	}
	if z.sl != nil {
		z.sl.updateScore(x, score)
	} else {
		z.lp = lpDelete(z.lp, off)
		z.lp = lpInsert(z.lp, member, score)
	}
	return zaddUpdated, score
}

// reserve grows a listpack once for a multi-member ZADD, so that adding
// the members one by one neither copies the buffer again and again nor
// leaves that much garbage behind. Space unused in the end (members that
// were already there) is given back.
func (z *ZSet) reserve(scores []float64, members [][]byte, maxValue int) {
	need := 0
	for i, m := range members {
		if len(m) > maxValue {
			return // it will become a skiplist
		}
		need += lpEntrySize(m, scores[i])
	}
	if cap(z.lp)-len(z.lp) >= need {
		return
	}
	nb := make([]byte, len(z.lp), len(z.lp)+need)
	copy(nb, z.lp)
	z.lp = nb
}

// trim gives back listpack capacity far beyond its length.
func (z *ZSet) trim() {
	if z.sl == nil && cap(z.lp)-len(z.lp) > len(z.lp)/8+64 {
		z.lp = append(make([]byte, 0, len(z.lp)+len(z.lp)/16), z.lp...)
	}
}

// remove deletes member, reporting whether it was there.
func (z *ZSet) remove(member []byte) bool {
	if z.sl != nil {
		x, _, ok := z.sl.find(member)
		if ok {
			z.sl.remove(x)
		}
		return ok
	}
	off, _ := lpFind(z.lp, member)
	if off < 0 {
		return false
	}
	z.lp = lpDelete(z.lp, off)
	z.n--
	return true
}

// ZAddResult is what ZADD did.
type ZAddResult struct {
	Added, Updated int
	Processed      int     // members not skipped by NX, XX, GT or LT
	Score          float64 // the last member's resulting score (INCR)
}

// ZAdd adds or updates members with scores under flags (ZADD, ZINCRBY). A
// missing key is created unless XX is given. An increment producing NaN is
// ErrZSetNaN.
func (tx *Tx) ZAdd(key []byte, flags ZAddFlags, scores []float64, members [][]byte) (ZAddResult, error) {
	var res ZAddResult
	maxEntries, maxValue := tx.zsetLimits()
	mk := func() collection {
		if maxEntries == 0 || len(members) > 0 && len(members[0]) > maxValue {
			return &ZSet{sl: newSkiplist(len(members))}
		}
		return &ZSet{}
	}
	if flags&ZAddXX != 0 {
		mk = nil
	}
	obj, _, err := tx.objectForWrite(key, TypeZSet, mk)
	if err != nil || obj == nil {
		return res, err
	}
	z := obj.(*ZSet)
	if z.sl == nil && len(members) > 1 && z.n+len(members) <= maxEntries {
		z.reserve(scores, members, maxValue)
	}
	for i, m := range members {
		out, s := z.add(scores[i], m, flags, maxEntries, maxValue)
		switch out {
		case zaddNaN:
			tx.deleteIfEmpty(key)
			return res, ErrZSetNaN
		case zaddAdded:
			res.Added++
		case zaddUpdated:
			res.Updated++
		}
		if out != zaddNop {
			res.Processed++
		}
		res.Score = s
	}
	if len(members) > 1 {
		z.trim()
	}
	tx.dropIfEmpty(key, z)
	return res, nil
}

// ZSet returns key's sorted set for reading: nil when the key is absent,
// ErrWrongType when it holds another type.
func (tx *Tx) ZSet(key []byte) (*ZSet, error) {
	obj, err := tx.getObject(key, TypeZSet)
	if obj == nil || err != nil {
		return nil, err
	}
	return obj.(*ZSet), nil
}

// ZRem removes members from key's sorted set and reports how many it removed
// and whether the key was deleted (emptied). It stops once the set is empty.
func (tx *Tx) ZRem(key []byte, members [][]byte) (removed int, deleted bool, err error) {
	obj, err := tx.existingForWrite(key, TypeZSet)
	if obj == nil || err != nil {
		return 0, false, err
	}
	z := obj.(*ZSet)
	for _, m := range members {
		if z.remove(m) {
			removed++
		}
		if z.Len() == 0 {
			break
		}
	}
	return removed, tx.dropIfEmpty(key, z), nil
}

// ZRemRangeByRank removes the members of ranks start..end (negative counts
// from the end, as ZREMRANGEBYRANK).
func (tx *Tx) ZRemRangeByRank(key []byte, start, end int64) (int, bool, error) {
	obj, err := tx.existingForWrite(key, TypeZSet)
	if obj == nil || err != nil {
		return 0, false, err
	}
	z := obj.(*ZSet)
	n := int64(z.Len())
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, false, nil
	}
	end = min(end, n-1)
	removed := int(end - start + 1)
	if z.sl != nil {
		z.sl.deleteRangeByRank(int(start)+1, int(end)+1)
	} else {
		offs := lpOffsets(z.lp, nil)
		to := len(z.lp)
		if int(end)+1 < len(offs) {
			to = int(offs[end+1])
		}
		z.lp = lpDeleteSpan(z.lp, int(offs[start]), to)
		z.n -= removed
	}
	return removed, tx.dropIfEmpty(key, z), nil
}

// ZRemRangeByScore removes the members with a score in r.
func (tx *Tx) ZRemRangeByScore(key []byte, r *ScoreRange) (int, bool, error) {
	return tx.zremRange(key, func(z *ZSet) int {
		if z.sl != nil {
			return z.sl.deleteRangeByScore(r)
		}
		c := z.cursor()
		c.seekScore(r, false)
		return z.lpDeleteFrom(&c, func(_ []byte, s float64) bool { return r.lteMax(s) })
	})
}

// ZRemRangeByLex removes the members in r.
func (tx *Tx) ZRemRangeByLex(key []byte, r *LexRange) (int, bool, error) {
	return tx.zremRange(key, func(z *ZSet) int {
		if z.sl != nil {
			return z.sl.deleteRangeByLex(r)
		}
		c := z.cursor()
		c.seekLex(r, false)
		return z.lpDeleteFrom(&c, func(m []byte, _ float64) bool { return r.lteMax(m) })
	})
}

func (tx *Tx) zremRange(key []byte, del func(z *ZSet) int) (int, bool, error) {
	obj, err := tx.existingForWrite(key, TypeZSet)
	if obj == nil || err != nil {
		return 0, false, err
	}
	removed := del(obj.(*ZSet))
	return removed, tx.dropIfEmpty(key, obj), nil
}

// lpDeleteFrom deletes the listpack entries from the cursor on while keep
// accepts them.
func (z *ZSet) lpDeleteFrom(c *zcur, keep func(m []byte, s float64) bool) int {
	if !c.valid() {
		return 0
	}
	from := c.i
	to := from
	for to < len(c.offs) {
		m, s, _ := lpDecode(z.lp, int(c.offs[to]))
		if !keep(m, s) {
			break
		}
		to++
	}
	end := len(z.lp)
	if to < len(c.offs) {
		end = int(c.offs[to])
	}
	z.lp = lpDeleteSpan(z.lp, int(c.offs[from]), end)
	z.n -= to - from
	return to - from
}

// ZPop removes up to count members with the lowest (highest when max)
// scores from key's sorted set, calling fn with each before it goes (the
// member aliases store memory only during the call). It reports how many it
// popped and whether the key was deleted. It is the core of ZPOPMIN,
// ZPOPMAX and ZMPOP, and of their blocking forms.
func (tx *Tx) ZPop(key []byte, max bool, count int, fn func(member []byte, score float64)) (popped int, deleted bool, err error) {
	obj, err := tx.existingForWrite(key, TypeZSet)
	if obj == nil || err != nil || count <= 0 {
		return 0, false, err
	}
	z := obj.(*ZSet)
	count = min(count, z.Len())
	if sl := z.sl; sl != nil {
		for range count {
			x := sl.first()
			if max {
				x = sl.tail
			}
			fn(sl.member(x), sl.score(x))
			sl.remove(x)
		}
	} else {
		offs := lpOffsets(z.lp, make([]uint32, 0, z.n))
		if max {
			for i := len(offs) - 1; i >= len(offs)-count; i-- {
				m, s, _ := lpDecode(z.lp, int(offs[i]))
				fn(m, s)
			}
			z.lp = lpDeleteSpan(z.lp, int(offs[len(offs)-count]), len(z.lp))
		} else {
			end := len(z.lp)
			if count < len(offs) {
				end = int(offs[count])
			}
			for i := 0; i < count; i++ {
				m, s, _ := lpDecode(z.lp, int(offs[i]))
				fn(m, s)
			}
			z.lp = lpDeleteSpan(z.lp, 0, end)
		}
		z.n -= count
	}
	return count, tx.dropIfEmpty(key, z), nil
}

// ZFirstNonEmpty returns the index of the first of keys that exists (ZMPOP,
// BZPOPMIN: -1 when none does) and its length. Like Redis, it checks the
// type of that key only.
func (tx *Tx) ZFirstNonEmpty(keys [][]byte) (int, int, error) {
	for i, k := range keys {
		r, ok := tx.find(tx.db, k)
		if !ok {
			continue
		}
		if r.meta().typ != TypeZSet {
			return -1, 0, ErrWrongType
		}
		return i, r.ks.obj(r.h).(*ZSet).Len(), nil
	}
	return -1, 0, nil
}
