package store

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"
)

// Set is a set value, encoded as Redis 7.0 encodes it: an intset while
// every member is a canonical integer (string2ll) and there are at most
// set-max-intset-entries of them, a hashtable otherwise. A set never goes
// back to intset once converted, except where Redis rebuilds the value
// (SPOP with a count close to the size).
//
// The exported methods only read; a *Set obtained from the store must not
// outlive the command that looked it up.
//
// A *Set points at the value's one allocation, so that the many small sets
// of a typical dataset cost their intset bytes and nothing more: the Set is
// the 4-byte header of either an intset buffer (intset.go; the buffer's
// length and capacity follow from the header) or a setDict, whose first
// field it is, holding setHTMark. A nil *Set is the empty set. A change
// that reallocates an intset returns a new *Set, which the Tx methods
// store back under the key (putSet).
type Set struct {
	hdr uint32
}

// setHTMark in Set.hdr marks the hashtable encoding.
const setHTMark = math.MaxUint32

// table returns the hashtable encoding, nil for an intset.
func (s *Set) table() *setDict {
	if s != nil && s.hdr == setHTMark {
		return (*setDict)(unsafe.Pointer(s))
	}
	return nil
}

// intset returns the intset encoding (nil when empty or a hashtable).
func (s *Set) intset() intset {
	if s == nil || s.hdr == setHTMark {
		return nil
	}
	n := intsetBytes(int(s.hdr&intsetCountMask), 2<<(s.hdr>>intsetCountBits))
	return unsafe.Slice((*byte)(unsafe.Pointer(s)), compactCap(n))[:n]
}

// setOfIntset is the Set whose allocation is is.
func setOfIntset(is intset) *Set {
	if is.len() == 0 {
		return nil
	}
	return (*Set)(unsafe.Pointer(unsafe.SliceData(is)))
}

// setOfTable is the Set whose allocation is t.
func setOfTable(t *setDict) *Set {
	t.hdr.hdr = setHTMark
	return &t.hdr
}

// NewSet returns an empty set (intset encoded), for building results and
// loading snapshots.
func NewSet() *Set { return nil }

func newSetObj() collection { return (*Set)(nil) }

// Encoding is EncIntset or EncHashtable.
func (s *Set) Encoding() Encoding {
	if s != nil && s.hdr == setHTMark {
		return EncHashtable
	}
	return EncIntset
}

// Len is the number of members.
func (s *Set) Len() int {
	if t := s.table(); t != nil {
		return t.len()
	}
	return s.intset().len()
}

func (s *Set) cloneValue() collection {
	if t := s.table(); t != nil {
		return setOfTable(t.clone())
	}
	return setOfIntset(s.intset().clone())
}

// Contains reports whether m is a member.
func (s *Set) Contains(m []byte) bool {
	if t := s.table(); t != nil {
		return t.contains(m)
	}
	v, ok := ParseInt(m)
	return ok && s.intset().contains(v)
}

// containsInt reports whether the decimal form of v is a member.
func (s *Set) containsInt(v int64, buf []byte) bool {
	if t := s.table(); t != nil {
		return t.contains(strconv.AppendInt(buf[:0], v, 10))
	}
	return s.intset().contains(v)
}

// At returns member i (0 <= i < Len). Integers are formatted into buf; other
// members alias the set and are valid until it changes. Intset members come
// in ascending order, as Redis iterates them.
func (s *Set) At(i int, buf []byte) []byte {
	if t := s.table(); t != nil {
		return t.at(i)
	}
	return strconv.AppendInt(buf[:0], s.intset().get(i), 10)
}

// add inserts m, converting the encoding when Redis would: a non-integer
// member, or more than maxInts integers. It returns the set (moved when its
// intset was reallocated) and whether m was absent.
func (s *Set) add(m []byte, maxInts int) (*Set, bool) {
	if t := s.table(); t != nil {
		return s, t.add(m)
	}
	v, ok := ParseInt(m)
	is := s.intset()
	if !ok || is.len() >= intsetMaxCount {
		if ok && is.contains(v) {
			return s, false
		}
		s = s.convert(is.len() + 1)
		s.table().push(m, setMemberHash(m))
		return s, true
	}
	is, added := is.insert(v)
	s = setOfIntset(is)
	if added && is.len() > maxInts {
		s = s.convert(is.len())
	}
	return s, added
}

// convert turns an intset into a hashtable sized for n members.
func (s *Set) convert(n int) *Set {
	t := newSetDict(n)
	is := s.intset()
	var buf [20]byte
	for i := range is.len() {
		m := strconv.AppendInt(buf[:0], is.get(i), 10)
		t.push(m, setMemberHash(m))
	}
	return setOfTable(t)
}

// remove deletes m, reporting whether it was present.
func (s *Set) remove(m []byte) (*Set, bool) {
	if t := s.table(); t != nil {
		return s, t.remove(m)
	}
	v, ok := ParseInt(m)
	if !ok {
		return s, false
	}
	is, removed := s.intset().remove(v)
	return setOfIntset(is), removed
}

// removeAt deletes member i. The rest keep their relative iteration order
// in an intset; in a hashtable the last member takes position i.
func (s *Set) removeAt(i int) *Set {
	if t := s.table(); t != nil {
		t.removeAt(i)
		return s
	}
	return setOfIntset(s.intset().removeAt(i))
}

// allIntegers reports whether every member is a canonical integer.
func (s *Set) allIntegers() bool {
	t := s.table()
	if t == nil {
		return true
	}
	for i := range t.len() {
		if _, ok := ParseInt(t.at(i)); !ok {
			return false
		}
	}
	return true
}

// toIntset rebuilds a hashtable of integers as an intset (Redis's SPOP
// rebuilds the value this way).
func (s *Set) toIntset() *Set {
	t := s.table()
	vals := make([]int64, t.len())
	for i := range vals {
		vals[i], _ = ParseInt(t.at(i))
	}
	slices.Sort(vals)
	return setOfIntset(buildIntset(vals))
}

// Random returns a uniformly chosen member of a non-empty set (see At for
// the lifetime of the result).
func (s *Set) Random(buf []byte) []byte {
	return s.At(rand.IntN(s.Len()), buf)
}

// RandomDistinct calls fn with count distinct random members, 0 < count <
// Len, with Redis's two strategies: when count is close to the size, pick
// the members to return by a selective walk over all positions; otherwise
// draw random positions and drop repeats. Memory is O(count).
func (s *Set) RandomDistinct(count int, buf []byte, fn func(m []byte)) {
	size := s.Len()
	if count*3 > size {
		need := count
		for i := 0; i < size && need > 0; i++ {
			if rand.IntN(size-i) < need {
				fn(s.At(i, buf))
				need--
			}
		}
		return
	}
	seen := make(map[int]struct{}, count)
	for len(seen) < count {
		i := rand.IntN(size)
		if _, dup := seen[i]; dup {
			continue
		}
		seen[i] = struct{}{}
		fn(s.At(i, buf))
	}
}

// Scan visits members for SSCAN. An intset is returned whole with cursor 0,
// as Redis does. A hashtable is walked from the top position down, count
// members per call (see setDict); the returned cursor is 0 when done.
func (s *Set) Scan(cursor uint64, count int, buf []byte, fn func(m []byte)) uint64 {
	t := s.table()
	if t == nil {
		for i := range s.intset().len() {
			fn(s.At(i, buf))
		}
		return 0
	}
	n := uint64(t.len())
	start := n
	if cursor != 0 && cursor < n {
		start = cursor
	}
	if count < 1 {
		count = 1
	}
	end := uint64(0)
	if start > uint64(count) {
		end = start - uint64(count)
	}
	for i := start; i > end; i-- {
		fn(t.at(int(i - 1)))
	}
	return end
}

// maxIntsetEntries is set-max-intset-entries, capped as Redis caps it.
func (tx *Tx) maxIntsetEntries() int {
	v := tx.st.limits.SetMaxIntsetEntries.Load()
	return int(min(max(v, 0), 1<<30))
}

// GetSet returns the set at key: nil when absent, ErrWrongType when the key
// holds another type. Read only, valid until the command ends.
func (tx *Tx) GetSet(key []byte) (*Set, error) {
	obj, err := tx.getObject(key, TypeSet)
	if obj == nil || err != nil {
		return nil, err
	}
	return obj.(*Set), nil
}

// setForWrite returns key's set for changing, creating the key when create
// is set, and where it lives: the caller stores the changed set back with
// putSet. found is false when the key is absent and not created.
func (tx *Tx) setForWrite(key []byte, create bool) (s *Set, at ref, found bool, err error) {
	var mk func() collection
	if create {
		mk = newSetObj
	}
	obj, at, _, err := tx.objectForWriteAt(key, TypeSet, mk)
	if obj == nil || err != nil {
		return nil, at, false, err
	}
	return obj.(*Set), at, true, nil
}

// putSet stores s, the changed set of the key at (from setForWrite), back
// under the key: a reallocated intset is a new *Set. Every writer calls it
// once done and before the key is deleted or another key created.
func (tx *Tx) putSet(at ref, s *Set) { tx.replaceObject(at, s) }

// SAdd adds members to the set at key, creating it, and returns how many
// were new.
func (tx *Tx) SAdd(key []byte, members [][]byte) (int, error) {
	s, at, _, err := tx.setForWrite(key, true)
	if err != nil {
		return 0, err
	}
	maxInts := tx.maxIntsetEntries()
	added := 0
	for _, m := range members {
		var ok bool
		if s, ok = s.add(m, maxInts); ok {
			added++
		}
	}
	tx.putSet(at, s)
	return added, nil
}

// SRem removes members from the set at key. It returns how many were
// removed and whether the key was deleted because the set became empty.
func (tx *Tx) SRem(key []byte, members [][]byte) (removed int, deleted bool, err error) {
	s, at, found, err := tx.setForWrite(key, false)
	if !found || err != nil {
		return 0, false, err
	}
	for _, m := range members {
		var ok bool
		if s, ok = s.remove(m); ok {
			removed++
			if s.Len() == 0 {
				break
			}
		}
	}
	tx.putSet(at, s)
	return removed, tx.dropIfEmpty(key, s), nil
}

// SIsMember reports whether m is in the set at key.
func (tx *Tx) SIsMember(key, m []byte) (bool, error) {
	s, err := tx.GetSet(key)
	if s == nil || err != nil {
		return false, err
	}
	return s.Contains(m), nil
}

// SMoveResult says what SMove changed.
type SMoveResult struct {
	Moved      bool // m was removed from src
	SrcDeleted bool // src became empty and was deleted
	DstAdded   bool // m was new in dst
}

// SMove moves m from the set at src to the set at dst. A missing src moves
// nothing whatever dst holds; otherwise both must be sets. With src == dst
// nothing changes and Moved reports membership, as SMOVE replies.
func (tx *Tx) SMove(src, dst, m []byte) (SMoveResult, error) {
	var res SMoveResult
	s, at, found, err := tx.setForWrite(src, false)
	if !found || err != nil {
		return res, err
	}
	if _, err := tx.getObject(dst, TypeSet); err != nil {
		return res, err
	}
	if bytes.Equal(src, dst) {
		res.Moved = s.Contains(m)
		return res, nil
	}
	s, res.Moved = s.remove(m)
	if !res.Moved {
		return res, nil
	}
	tx.putSet(at, s)
	res.SrcDeleted = tx.dropIfEmpty(src, s)
	d, dat, _, _ := tx.setForWrite(dst, true)
	d, res.DstAdded = d.add(m, tx.maxIntsetEntries())
	tx.putSet(dat, d)
	return res, nil
}

// SPop removes and returns a random member (a copy) of the set at key;
// ok is false when the key is absent. deleted reports that the set became
// empty and was deleted.
func (tx *Tx) SPop(key []byte) (m []byte, ok, deleted bool, err error) {
	s, at, found, err := tx.setForWrite(key, false)
	if !found || err != nil {
		return nil, false, false, err
	}
	var buf [20]byte
	i := rand.IntN(s.Len())
	m = append([]byte(nil), s.At(i, buf[:])...)
	s = s.removeAt(i)
	tx.putSet(at, s)
	return m, true, tx.dropIfEmpty(key, s), nil
}

// spopRebuildMul is Redis's SPOP_MOVE_STRATEGY_MUL: when fewer than
// count/5 members remain, Redis builds the remainder as a new set.
const spopRebuildMul = 5

// SPopCount removes min(count, size) random members from the set at key,
// count > 0, calling emit with each (valid during the call) in the order
// Redis replies with them. It returns how many were popped and whether the
// key was deleted. A missing key pops nothing.
func (tx *Tx) SPopCount(key []byte, count int64, emit func(m []byte)) (n int, deleted bool, err error) {
	s, at, found, err := tx.setForWrite(key, false)
	if !found || err != nil {
		return 0, false, err
	}
	size := s.Len()
	var buf [20]byte
	if count >= int64(size) {
		// Redis replies with a union of the set with itself: a rebuilt set,
		// so a hashtable of few integers comes out as a sorted intset.
		u := s
		if s.table() != nil && size <= tx.maxIntsetEntries() && s.allIntegers() {
			u = s.toIntset()
		}
		for i := range size {
			emit(u.At(i, buf[:]))
		}
		tx.Delete(key)
		return size, true, nil
	}
	remaining := size - int(count)
	if remaining*spopRebuildMul > int(count) || s.table() != nil {
		// Pop one random member at a time. For a hashtable this is also how
		// the remainder is "rebuilt": members only move down, so a running
		// SSCAN keeps its guarantee.
		for range count {
			i := rand.IntN(s.Len())
			emit(s.At(i, buf[:]))
			s = s.removeAt(i)
		}
		if remaining*spopRebuildMul <= int(count) && s.Len() <= tx.maxIntsetEntries() && s.allIntegers() {
			s = s.toIntset()
		}
		tx.putSet(at, s)
		return int(count), false, nil
	}
	// An intset: choose the members that stay by a selective walk, reply
	// with the others in ascending order, as Redis iterates the old set.
	keep := make([]int64, 0, remaining)
	is := s.intset()
	for i := 0; i < size; i++ {
		if rand.IntN(size-i) < remaining-len(keep) {
			keep = append(keep, is.get(i))
			continue
		}
		emit(s.At(i, buf[:]))
	}
	tx.putSet(at, setOfIntset(buildIntset(keep)))
	return int(count), false, nil
}

// setsOf looks up keys as sets: a nil entry for a missing key,
// ErrWrongType if any holds another type.
func (tx *Tx) setsOf(keys [][]byte) ([]*Set, error) {
	sets := make([]*Set, len(keys))
	var firstErr error
	for i, k := range keys {
		s, err := tx.GetSet(k)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		sets[i] = s
	}
	return sets, firstErr
}

// SInter calls emit with each member of the intersection of the sets at
// keys, iterating the smallest set as Redis does (so an intset's members
// come in ascending order), until emit returns false. A missing key is an
// empty set.
func (tx *Tx) SInter(keys [][]byte, emit func(m []byte) bool) error {
	sets, err := tx.setsOf(keys)
	if err != nil {
		return err
	}
	if slices.Contains(sets, nil) {
		return nil
	}
	slices.SortStableFunc(sets, func(a, b *Set) int { return a.Len() - b.Len() })
	first := sets[0]
	firstInts, firstTable := first.intset(), first.table()
	var buf, tmp [20]byte
	for i := range first.Len() {
		var v int64
		var m []byte
		if firstTable == nil {
			v = firstInts.get(i)
		} else {
			m = firstTable.at(i)
		}
		in := true
		for _, other := range sets[1:] {
			if other == first {
				continue
			}
			if firstTable == nil {
				in = other.containsInt(v, tmp[:])
			} else {
				in = other.Contains(m)
			}
			if !in {
				break
			}
		}
		if !in {
			continue
		}
		if firstTable == nil {
			m = strconv.AppendInt(buf[:0], v, 10)
		}
		if !emit(m) {
			return nil
		}
	}
	return nil
}

// SInterSet returns the intersection of the sets at keys as a new set.
func (tx *Tx) SInterSet(keys [][]byte) (*Set, error) {
	out := NewSet()
	maxInts := tx.maxIntsetEntries()
	err := tx.SInter(keys, func(m []byte) bool {
		out, _ = out.add(m, maxInts)
		return true
	})
	return out, err
}

// SUnionSet returns the union of the sets at keys as a new set.
func (tx *Tx) SUnionSet(keys [][]byte) (*Set, error) {
	sets, err := tx.setsOf(keys)
	if err != nil {
		return nil, err
	}
	out := NewSet()
	maxInts := tx.maxIntsetEntries()
	var buf [20]byte
	for _, s := range sets {
		if s == nil {
			continue
		}
		for i := range s.Len() {
			out, _ = out.add(s.At(i, buf[:]), maxInts)
		}
	}
	return out, nil
}

// SDiffSet returns the members of the first set at keys that are in none of
// the others, as a new set, choosing between Redis's two algorithms by the
// same estimate of work.
func (tx *Tx) SDiffSet(keys [][]byte) (*Set, error) {
	sets, err := tx.setsOf(keys)
	if err != nil {
		return nil, err
	}
	out := NewSet()
	first := sets[0]
	if first == nil || slices.Contains(sets[1:], first) {
		return out, nil
	}
	maxInts := tx.maxIntsetEntries()
	var oneWork, twoWork int
	for _, s := range sets {
		if s != nil {
			oneWork += first.Len()
			twoWork += s.Len()
		}
	}
	var buf [20]byte
	if oneWork/2 <= twoWork {
		// Algorithm 1: test each member of the first set against the
		// others, largest first so that a member is rejected early.
		others := slices.Clone(sets[1:])
		slices.SortStableFunc(others, func(a, b *Set) int { return setSize(b) - setSize(a) })
		for i := range first.Len() {
			m := first.At(i, buf[:])
			in := false
			for _, o := range others {
				if o != nil && o.Contains(m) {
					in = true
					break
				}
			}
			if !in {
				out, _ = out.add(m, maxInts)
			}
		}
		return out, nil
	}
	// Algorithm 2: copy the first set, then remove every member of the others.
	for i := range first.Len() {
		out, _ = out.add(first.At(i, buf[:]), maxInts)
	}
	for _, s := range sets[1:] {
		if s == nil {
			continue
		}
		for i := range s.Len() {
			out, _ = out.remove(s.At(i, buf[:]))
		}
		if out.Len() == 0 {
			break
		}
	}
	return out, nil
}

func setSize(s *Set) int {
	if s == nil {
		return 0
	}
	return s.Len()
}

// StoreSet makes s the value of key (the *STORE commands): it replaces
// whatever key held and drops its expiry; an empty s deletes key instead.
// It reports whether key existed before when s is empty (a deletion).
func (tx *Tx) StoreSet(key []byte, s *Set) (deleted bool) {
	if s.Len() == 0 {
		return tx.Delete(key)
	}
	tx.setObject(key, TypeSet, s)
	return false
}
