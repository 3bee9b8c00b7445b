package store

import (
	"bytes"
	"encoding/binary"
)

// Lists, after Redis 7.0's quicklist: a deque of nodes, each node a packed
// byte buffer of entries bounded by list-max-listpack-size (a count when
// positive, 4..64 KB when -1..-5). An element costs its bytes plus two or
// three bytes of framing, not a Go string each. Push and pop at either end
// are O(1); reaching index i walks nodes from the nearer end, then entries
// inside one bounded node, as Redis does.
//
// Entry layout: uvarint(len) | data | backlen, where backlen is the size of
// the first two parts written so that it can be read from its last byte
// backwards (like listpack's), so a node can be walked in both directions.

// List is a list value. OBJECT ENCODING reports "quicklist", as Redis 7.0
// does for every list.
type List struct {
	ring  []*listNode // node ring; capacity a power of two
	head  int         // ring index of the first node
	nn    int         // number of nodes
	n     int         // number of elements
	fill  int         // list-max-listpack-size when the list was created
	bytes int         // total entry bytes, for memory estimates
}

type listNode struct {
	b     []byte // packed entries
	count int
}

// Redis's quicklist size classes for negative fill and the safety limit
// for count-bounded nodes (quicklist.c).
var listSizeLevels = [...]int{4096, 8192, 16384, 32768, 65536}

const (
	listSafetyLimit = 8192
	listFillMax     = 1<<15 - 1
)

// NewList returns an empty list whose nodes are bounded by fill
// (list-max-listpack-size), clamped to Redis's range.
func NewList(fill int) *List {
	if fill > listFillMax {
		fill = listFillMax
	} else if fill < -5 {
		fill = -5
	}
	return &List{fill: fill}
}

// Encoding implements collection.
func (l *List) Encoding() Encoding { return EncQuicklist }

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// DataBytes is the number of bytes the entries take, framing included.
func (l *List) DataBytes() int { return l.bytes }

// Nodes is the number of quicklist nodes.
func (l *List) Nodes() int { return l.nn }

func (l *List) cloneValue() collection {
	c := &List{fill: l.fill, n: l.n, bytes: l.bytes, nn: l.nn}
	c.ring = make([]*listNode, len(l.ring))
	for i := 0; i < l.nn; i++ {
		nd := l.node(i)
		c.ring[i] = &listNode{b: bytes.Clone(nd.b), count: nd.count}
	}
	return c
}

// fits reports whether a node of count entries and size bytes respects the
// fill limit. A node always takes at least one entry.
func (l *List) fits(count, size int) bool {
	if count <= 1 {
		return true
	}
	if l.fill < 0 {
		return size <= listSizeLevels[-l.fill-1]
	}
	if size > listSafetyLimit {
		return false
	}
	return count <= l.fill
}

// Entry encoding.

func entrySize(n int) int {
	h := uvarintLen(uint64(n))
	return h + n + uvarintLen(uint64(h+n))
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// appendEntry appends v's entry to b.
func appendEntry(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	b = append(b, v...)
	return appendBacklen(b, uvarintLen(uint64(len(v)))+len(v))
}

// appendBacklen writes n so that it can be read backwards from its last
// byte: 7-bit groups, most significant first, every byte but the first
// flagged to say another group precedes it.
func appendBacklen(b []byte, n int) []byte {
	var tmp [10]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte(n&0x7f) | 0x80
		n >>= 7
		if n == 0 {
			break
		}
	}
	tmp[i] &^= 0x80
	return append(b, tmp[i:]...)
}

// entryAt decodes the entry starting at off: its data and the offset of
// the next entry.
func entryAt(b []byte, off int) (v []byte, next int) {
	n, h := binary.Uvarint(b[off:])
	s := off + h
	e := s + int(n)
	return b[s:e:e], e + uvarintLen(uint64(h)+n)
}

// entryBefore decodes the entry that ends at end: its data and its start.
func entryBefore(b []byte, end int) (v []byte, start int) {
	p := end - 1
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
	start = p - size
	v, _ = entryAt(b, start)
	return v, start
}

// Node ring.

func (l *List) node(i int) *listNode { return l.ring[(l.head+i)&(len(l.ring)-1)] }

func (l *List) setNode(i int, nd *listNode) { l.ring[(l.head+i)&(len(l.ring)-1)] = nd }

func (l *List) growRing() {
	if l.nn < len(l.ring) {
		return
	}
	size := max(1, 2*len(l.ring))
	r := make([]*listNode, size)
	for i := 0; i < l.nn; i++ {
		r[i] = l.node(i)
	}
	l.ring, l.head = r, 0
}

// insertNode puts nd at node position i (0..nn), shifting the shorter side.
func (l *List) insertNode(i int, nd *listNode) {
	l.growRing()
	if i < l.nn-i {
		l.head = (l.head - 1) & (len(l.ring) - 1)
		for j := 0; j < i; j++ {
			l.setNode(j, l.node(j+1))
		}
	} else {
		for j := l.nn; j > i; j-- {
			l.setNode(j, l.node(j-1))
		}
	}
	l.nn++
	l.setNode(i, nd)
}

// removeNode drops the node at position i.
func (l *List) removeNode(i int) {
	if i < l.nn-1-i {
		for j := i; j > 0; j-- {
			l.setNode(j, l.node(j-1))
		}
		l.setNode(0, nil)
		l.head = (l.head + 1) & (len(l.ring) - 1)
	} else {
		for j := i; j < l.nn-1; j++ {
			l.setNode(j, l.node(j+1))
		}
		l.setNode(l.nn-1, nil)
	}
	l.nn--
	if l.nn == 0 {
		l.head = 0
		if len(l.ring) > 64 {
			l.ring = nil
		}
	} else if len(l.ring) > 64 && l.nn < len(l.ring)/8 {
		r := make([]*listNode, len(l.ring)/4)
		for j := 0; j < l.nn; j++ {
			r[j] = l.node(j)
		}
		l.ring, l.head = r, 0
	}
}

// Push and pop at the ends.

// PushHead inserts v at the head.
func (l *List) PushHead(v []byte) {
	sz := entrySize(len(v))
	if l.nn > 0 {
		nd := l.node(0)
		if l.fits(nd.count+1, len(nd.b)+sz) {
			var b []byte
			if cap(nd.b) >= len(nd.b)+sz {
				b = nd.b[:len(nd.b)+sz]
				copy(b[sz:], nd.b) // overlapping: copy moves like memmove
			} else {
				b = make([]byte, len(nd.b)+sz, 2*len(nd.b)+sz)
				copy(b[sz:], nd.b)
			}
			appendEntry(b[:0], v)
			nd.b = b
			nd.count++
			l.n++
			l.bytes += sz
			return
		}
	}
	l.insertNode(0, &listNode{b: appendEntry(make([]byte, 0, nodeCap(sz)), v), count: 1})
	l.n++
	l.bytes += sz
}

// PushTail inserts v at the tail.
func (l *List) PushTail(v []byte) {
	sz := entrySize(len(v))
	if l.nn > 0 {
		nd := l.node(l.nn - 1)
		if l.fits(nd.count+1, len(nd.b)+sz) {
			nd.b = appendEntry(nd.b, v)
			nd.count++
			l.n++
			l.bytes += sz
			return
		}
	}
	l.insertNode(l.nn, &listNode{b: appendEntry(make([]byte, 0, nodeCap(sz)), v), count: 1})
	l.n++
	l.bytes += sz
}

// nodeCap is the initial capacity of a node started with an entry of sz
// bytes: small, so that short lists stay small.
func nodeCap(sz int) int { return max(sz, 32) }

// PopHead removes and returns the first element (a copy), or nil when empty.
func (l *List) PopHead() []byte {
	if l.n == 0 {
		return nil
	}
	nd := l.node(0)
	v, next := entryAt(nd.b, 0)
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	l.cutNode(0, 0, next, 1)
	return out
}

// PopTail removes and returns the last element (a copy), or nil when empty.
func (l *List) PopTail() []byte {
	if l.n == 0 {
		return nil
	}
	nd := l.node(l.nn - 1)
	v, start := entryBefore(nd.b, len(nd.b))
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	l.cutNode(l.nn-1, start, len(nd.b), 1)
	return out
}

// cutNode removes bytes [from, to) holding k entries from node i, dropping
// the node when it empties.
func (l *List) cutNode(i, from, to, k int) {
	nd := l.node(i)
	l.n -= k
	l.bytes -= to - from
	nd.count -= k
	if nd.count == 0 {
		l.removeNode(i)
		return
	}
	if from == 0 {
		// Dropping a prefix: slide the buffer start; reallocate when most
		// of the backing array would be wasted.
		nd.b = nd.b[to:]
		if cap(nd.b) > 4*len(nd.b) && cap(nd.b) > 256 {
			nd.b = bytes.Clone(nd.b)
		}
		return
	}
	nd.b = append(nd.b[:from], nd.b[to:]...)
}

// Positions.

// locate finds element i (0 <= i < n): its node and byte offset there,
// walking from the nearer end.
func (l *List) locate(i int) (ni, off int) {
	if i < l.n/2 {
		for ni = 0; ; ni++ {
			c := l.node(ni).count
			if i < c {
				break
			}
			i -= c
		}
	} else {
		j := l.n - 1 - i // position from the tail
		for ni = l.nn - 1; ; ni-- {
			c := l.node(ni).count
			if j < c {
				i = c - 1 - j
				break
			}
			j -= c
		}
	}
	nd := l.node(ni)
	if i <= nd.count/2 {
		for ; i > 0; i-- {
			_, off = entryAt(nd.b, off)
		}
		return ni, off
	}
	end := len(nd.b)
	for k := nd.count - 1; k >= i; k-- {
		_, end = entryBefore(nd.b, end)
	}
	return ni, end
}

// normIndex turns a possibly negative index into a position, reporting
// false when it is out of range.
func (l *List) normIndex(i int64) (int, bool) {
	if i < 0 {
		i += int64(l.n)
	}
	if i < 0 || i >= int64(l.n) {
		return 0, false
	}
	return int(i), true
}

// Index returns the element at index i (negative counts from the tail).
// The slice aliases the list.
func (l *List) Index(i int64) ([]byte, bool) {
	p, ok := l.normIndex(i)
	if !ok {
		return nil, false
	}
	ni, off := l.locate(p)
	v, _ := entryAt(l.node(ni).b, off)
	return v, true
}

// Range calls fn with elements start..end inclusive (0 <= start <= end <
// Len), in order, or from end down to start when reverse. The slices alias
// the list.
func (l *List) Range(start, end int, reverse bool, fn func(v []byte)) {
	if reverse {
		l.Iterate(end, true, func(i int, v []byte) bool {
			fn(v)
			return i > start
		})
		return
	}
	l.Iterate(start, false, func(i int, v []byte) bool {
		fn(v)
		return i < end
	})
}

// Iterate calls fn with each element from index from (0 <= from < Len)
// towards the tail, or towards the head when backward, until fn returns
// false. The slices alias the list and must not be kept past fn.
func (l *List) Iterate(from int, backward bool, fn func(i int, v []byte) bool) {
	if from < 0 || from >= l.n {
		return
	}
	ni, off := l.locate(from)
	i := from
	if !backward {
		for ; ni < l.nn; ni, off = ni+1, 0 {
			b := l.node(ni).b
			for off < len(b) {
				var v []byte
				v, off = entryAt(b, off)
				if !fn(i, v) {
					return
				}
				i++
			}
		}
		return
	}
	// off is the start of entry from; walk back from its end.
	_, end := entryAt(l.node(ni).b, off)
	for {
		b := l.node(ni).b
		for end > 0 {
			var v []byte
			v, end = entryBefore(b, end)
			if !fn(i, v) {
				return
			}
			i--
		}
		ni--
		if ni < 0 {
			return
		}
		end = len(l.node(ni).b)
	}
}

// ForEach calls fn with every element in order.
func (l *List) ForEach(fn func(v []byte)) {
	l.Iterate(0, false, func(_ int, v []byte) bool { fn(v); return true })
}

// Changes in the middle.

// Set replaces the element at index i, reporting false when out of range.
func (l *List) Set(i int64, v []byte) bool {
	p, ok := l.normIndex(i)
	if !ok {
		return false
	}
	ni, off := l.locate(p)
	nd := l.node(ni)
	_, next := entryAt(nd.b, off)
	tail := nd.b[next:]
	nb := make([]byte, 0, off+entrySize(len(v))+len(tail))
	nb = append(nb, nd.b[:off]...)
	nb = appendEntry(nb, v)
	nb = append(nb, tail...)
	l.bytes += len(nb) - len(nd.b)
	nd.b = nb
	l.rebalance(ni)
	return true
}

// insertAt inserts v before element p (0 <= p <= n; p == n appends).
func (l *List) insertAt(p int, v []byte) {
	switch {
	case p == 0:
		l.PushHead(v)
		return
	case p == l.n:
		l.PushTail(v)
		return
	}
	ni, off := l.locate(p)
	nd := l.node(ni)
	if off == 0 && ni > 0 {
		// Between two nodes: append to the previous one if it has room.
		prev := l.node(ni - 1)
		if sz := entrySize(len(v)); l.fits(prev.count+1, len(prev.b)+sz) {
			prev.b = appendEntry(prev.b, v)
			prev.count++
			l.n++
			l.bytes += sz
			return
		}
	}
	nb := make([]byte, 0, len(nd.b)+entrySize(len(v)))
	nb = append(nb, nd.b[:off]...)
	nb = appendEntry(nb, v)
	nb = append(nb, nd.b[off:]...)
	l.bytes += len(nb) - len(nd.b)
	nd.b = nb
	nd.count++
	l.n++
	l.rebalance(ni)
}

// rebalance restores the fill limit after node i changed in the middle:
// an oversized node is split greedily into nodes that fit, then neighbours
// that fit together are merged. The work is bounded by a few nodes.
func (l *List) rebalance(ni int) {
	nd := l.node(ni)
	if !l.fits(nd.count, len(nd.b)) {
		var parts []*listNode
		cur := &listNode{}
		for off := 0; off < len(nd.b); {
			_, next := entryAt(nd.b, off)
			e := nd.b[off:next]
			if cur.count > 0 && !l.fits(cur.count+1, len(cur.b)+len(e)) {
				parts = append(parts, cur)
				cur = &listNode{}
			}
			cur.b = append(cur.b, e...)
			cur.count++
			off = next
		}
		parts = append(parts, cur)
		l.setNode(ni, parts[0])
		for k, p := range parts[1:] {
			l.insertNode(ni+1+k, p)
		}
		l.mergeAround(ni + len(parts) - 1)
		l.mergeAround(ni)
		return
	}
	l.mergeAround(ni)
}

// mergeAround merges node i with its neighbours while the result fits.
func (l *List) mergeAround(i int) {
	if i+1 < l.nn {
		l.tryMerge(i)
	}
	if i > 0 && i < l.nn {
		l.tryMerge(i - 1)
	}
}

// tryMerge merges node i+1 into node i when the result fits.
func (l *List) tryMerge(i int) bool {
	a, b := l.node(i), l.node(i+1)
	if !l.fits(a.count+b.count, len(a.b)+len(b.b)) {
		return false
	}
	nb := make([]byte, 0, len(a.b)+len(b.b))
	nb = append(nb, a.b...)
	nb = append(nb, b.b...)
	a.b = nb
	a.count += b.count
	l.removeNode(i + 1)
	return true
}

// Insert inserts v before (or after) the first element equal to pivot,
// reporting whether pivot was found.
func (l *List) Insert(pivot, v []byte, after bool) bool {
	pos := -1
	l.Iterate(0, false, func(i int, e []byte) bool {
		if bytes.Equal(e, pivot) {
			pos = i
			return false
		}
		return true
	})
	if pos < 0 {
		return false
	}
	if after {
		pos++
	}
	l.insertAt(pos, v)
	return true
}

// DeleteRange removes count elements starting at index start (0 <= start,
// start+count <= Len). Whole nodes in the range are dropped without being
// walked.
func (l *List) DeleteRange(start, count int) {
	if count <= 0 {
		return
	}
	if start == 0 && count == l.n {
		*l = List{fill: l.fill}
		return
	}
	ni, off := l.locate(start)
	first, last := -1, -1
	for count > 0 {
		nd := l.node(ni)
		if off == 0 && count >= nd.count {
			count -= nd.count
			l.n -= nd.count
			l.bytes -= len(nd.b)
			l.removeNode(ni)
			continue
		}
		end, k := off, 0
		for end < len(nd.b) && k < count {
			_, end = entryAt(nd.b, end)
			k++
		}
		l.cutNode(ni, off, end, k)
		count -= k
		if first < 0 {
			first = ni
		}
		last = ni
		ni, off = ni+1, 0
	}
	if last >= 0 {
		l.mergeAround(last)
	}
	if first >= 0 && first != last && first < l.nn {
		l.mergeAround(first)
	}
}

// Remove deletes up to count elements equal to v (all when count is 0),
// scanning from the tail when fromTail, and returns how many it removed.
// Each node is compacted in place once; neighbours left small are merged
// afterwards.
func (l *List) Remove(v []byte, count int64, fromTail bool) int {
	removed := 0
	var offs []int
	budget := func() bool { return count == 0 || int64(removed) < count }
	for k := 0; k < l.nn && budget(); k++ {
		ni := k
		if fromTail {
			ni = l.nn - 1 - k
		}
		nd := l.node(ni)
		// Mark the entries to drop, in scan order.
		offs = offs[:0]
		for off := 0; off < len(nd.b); {
			_, next := entryAt(nd.b, off)
			offs = append(offs, off)
			off = next
		}
		drop := make([]bool, len(offs))
		hits := 0
		for j := range offs {
			e := j
			if fromTail {
				e = len(offs) - 1 - j
			}
			if !budget() {
				break
			}
			if ev, _ := entryAt(nd.b, offs[e]); bytes.Equal(ev, v) {
				drop[e] = true
				removed++
				hits++
			}
		}
		if hits == 0 {
			continue
		}
		w := 0
		for j, off := range offs {
			end := len(nd.b)
			if j+1 < len(offs) {
				end = offs[j+1]
			}
			if drop[j] {
				continue
			}
			if w != off {
				copy(nd.b[w:], nd.b[off:end])
			}
			w += end - off
		}
		l.bytes -= len(nd.b) - w
		l.n -= hits
		nd.count -= hits
		nd.b = nd.b[:w]
		if nd.count == 0 {
			l.removeNode(ni)
			k-- // the nodes after position k moved down by one
		}
	}
	if removed > 0 {
		l.compact()
	}
	return removed
}

// compact merges neighbouring nodes that fit together.
func (l *List) compact() {
	for i := 0; i+1 < l.nn; {
		if !l.tryMerge(i) {
			i++
		}
	}
}

// Store operations on lists.

func (tx *Tx) newList() collection {
	return NewList(int(tx.st.limits.ListMaxListpackSize.Load()))
}

// GetList returns key's list for reading: nil when absent, ErrWrongType
// for another type.
func (tx *Tx) GetList(key []byte) (*List, error) {
	o, err := tx.getObject(key, TypeList)
	if o == nil || err != nil {
		return nil, err
	}
	return o.(*List), nil
}

// listForWrite returns key's list for modification; with create an absent
// key gets an empty list, else nil is returned.
func (tx *Tx) listForWrite(key []byte, create bool) (*List, error) {
	var mk func() collection
	if create {
		mk = tx.newList
	}
	o, _, err := tx.objectForWrite(key, TypeList, mk)
	if o == nil || err != nil {
		return nil, err
	}
	return o.(*List), nil
}

// ListPush pushes vals one by one at the head (or tail) of key's list and
// returns the new length. With onlyExisting (LPUSHX) an absent key is left
// alone and the length is 0.
func (tx *Tx) ListPush(key []byte, vals [][]byte, head, onlyExisting bool) (int, error) {
	l, err := tx.listForWrite(key, !onlyExisting)
	if l == nil || err != nil {
		return 0, err
	}
	for _, v := range vals {
		if head {
			l.PushHead(v)
		} else {
			l.PushTail(v)
		}
	}
	return l.Len(), nil
}

// ListPop removes up to count elements from the head (or tail) of key's
// list, calling fn with each in pop order before it is removed. It returns
// how many were popped and whether the emptied key was deleted. An absent
// key pops nothing.
func (tx *Tx) ListPop(key []byte, head bool, count int, fn func(v []byte)) (n int, deleted bool, err error) {
	l, err := tx.listForWrite(key, false)
	if l == nil || err != nil || count <= 0 {
		return 0, false, err
	}
	n = min(count, l.Len())
	if head {
		l.Range(0, n-1, false, fn)
		l.DeleteRange(0, n)
	} else {
		l.Range(l.Len()-n, l.Len()-1, true, fn)
		l.DeleteRange(l.Len()-n, n)
	}
	return n, tx.dropIfEmpty(key, l), nil
}

// ListSet replaces the element at index of key's list: ErrNoSuchKey when
// the key is absent, ErrOutOfRange when the index is.
func (tx *Tx) ListSet(key []byte, index int64, v []byte) error {
	l, err := tx.listForWrite(key, false)
	if err != nil {
		return err
	}
	if l == nil {
		return ErrNoSuchKey
	}
	if !l.Set(index, v) {
		return ErrOutOfRange
	}
	return nil
}

// ListInsert inserts v before (or after) pivot in key's list and returns
// the new length, -1 when pivot is missing, 0 when the key is.
func (tx *Tx) ListInsert(key []byte, after bool, pivot, v []byte) (int, error) {
	l, err := tx.listForWrite(key, false)
	if l == nil || err != nil {
		return 0, err
	}
	if !l.Insert(pivot, v, after) {
		return -1, nil
	}
	return l.Len(), nil
}

// ListRem removes elements equal to v from key's list as LREM does
// (count > 0 from the head, < 0 from the tail, 0 all) and reports how many
// and whether the emptied key was deleted.
func (tx *Tx) ListRem(key []byte, count int64, v []byte) (removed int, deleted bool, err error) {
	l, err := tx.listForWrite(key, false)
	if l == nil || err != nil {
		return 0, false, err
	}
	fromTail := count < 0
	if fromTail {
		count = -count // LONG_MIN stays negative, as in C: then no limit applies below
	}
	if count < 0 {
		count = 0
	}
	removed = l.Remove(v, count, fromTail)
	return removed, tx.dropIfEmpty(key, l), nil
}

// ListTrim keeps elements start..end (Redis's index rules) of key's list.
// It reports how many were removed, whether the emptied key was deleted,
// and whether the key existed.
func (tx *Tx) ListTrim(key []byte, start, end int64) (removed int, deleted, existed bool, err error) {
	l, err := tx.listForWrite(key, false)
	if l == nil || err != nil {
		return 0, false, false, err
	}
	n := int64(l.Len())
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	var ltrim, rtrim int64
	if start > end || start >= n {
		ltrim, rtrim = n, 0
	} else {
		if end >= n {
			end = n - 1
		}
		ltrim, rtrim = start, n-end-1
	}
	l.DeleteRange(0, int(ltrim))
	l.DeleteRange(l.Len()-int(rtrim), int(rtrim))
	return int(ltrim + rtrim), tx.dropIfEmpty(key, l), true, nil
}

// ListMove pops one element from the head (or tail) of src and pushes it
// at the head (or tail) of dst, as LMOVE. It returns the element (nil when
// src is absent), whether src was deleted, and ErrWrongType when either
// key holds another type (dst is checked only when src has an element).
func (tx *Tx) ListMove(src, dst []byte, fromHead, toHead bool) (v []byte, srcDeleted bool, err error) {
	sl, err := tx.listForWrite(src, false)
	if sl == nil || err != nil {
		return nil, false, err
	}
	if _, err := tx.GetList(dst); err != nil {
		return nil, false, err
	}
	if fromHead {
		v = sl.PopHead()
	} else {
		v = sl.PopTail()
	}
	// Push before deleting src: when src and dst are the same list, the
	// element goes back in and the key stays.
	dl, _ := tx.listForWrite(dst, true)
	if toHead {
		dl.PushHead(v)
	} else {
		dl.PushTail(v)
	}
	return v, tx.dropIfEmpty(src, sl), nil
}
