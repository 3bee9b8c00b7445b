package store

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
)

// The large encoding of sorted sets (Redis's "skiplist"): a skiplist with
// spans, ordered by (score, member), for O(log n) ranks and range starts,
// plus a hash index from member to node for O(1) score lookups.
//
// Unlike Redis's pointer-linked nodes, everything lives in a few flat,
// pointer-free slices, so the garbage collector never walks a big sorted
// set: nodes are indexes into nodes, their levels a block in lv, members
// bytes in arena, and the member index is the keyspace's open-addressing
// index. Node 0 is the header; 0 as a link means "none". Node ids are stable
// while the member exists (a score change relinks the same node), which is
// what lets ZSCAN walk node ids with Redis's guarantee.

const (
	zslMaxLevel     = 32
	zslHeader       = 0
	zslCompactBytes = 4096 // arena dead space below which it is never rewritten
)

type zslNode struct {
	score  float64
	off    uint32 // member's offset in arena
	mlen   uint32
	back   uint32 // previous node at level 0; 0 for none
	lv     uint32 // first of this node's levels in lv
	height uint8  // levels in use; 0 marks a free node
	cap    uint8  // levels reserved at lv
}

type zslLevel struct {
	fwd  uint32 // next node at this level; 0 for none
	span uint32 // rank distance to fwd
}

type zskiplist struct {
	nodes  []zslNode
	lv     []zslLevel
	free   [zslMaxLevel + 1][]uint32 // free node ids by level capacity
	tail   uint32
	length int
	level  int
	arena  []byte
	dead   int
	idx    index
}

// zsetSeed hashes members. One seed for every sorted set is enough: the
// index only needs a well-mixed hash, and it is chosen at random per process.
var zsetSeed = maphash.MakeSeed()

func zhash(member []byte) uint32 { return uint32(maphash.Bytes(zsetSeed, member)) }

func newSkiplist(sizeHint int) *zskiplist {
	z := &zskiplist{level: 1}
	z.nodes = make([]zslNode, 1, sizeHint+1)
	z.nodes[0] = zslNode{height: zslMaxLevel, cap: zslMaxLevel}
	z.lv = make([]zslLevel, zslMaxLevel, zslMaxLevel+sizeHint+sizeHint/3)
	return z
}

func (z *zskiplist) lvl(x uint32, i int) *zslLevel { return &z.lv[z.nodes[x].lv+uint32(i)] }
func (z *zskiplist) fwd(x uint32, i int) uint32    { return z.lv[z.nodes[x].lv+uint32(i)].fwd }

func (z *zskiplist) member(x uint32) []byte {
	n := &z.nodes[x]
	return z.arena[n.off : n.off+n.mlen : n.off+n.mlen]
}

func (z *zskiplist) score(x uint32) float64 { return z.nodes[x].score }

// before reports whether node x sorts before (score, member).
func (z *zskiplist) before(x uint32, score float64, member []byte) bool {
	s := z.nodes[x].score
	return s < score || (s == score && bytes.Compare(z.member(x), member) < 0)
}

func zslRandomLevel() int {
	h := 1
	for h < zslMaxLevel && rand.Uint32()&0xFFFF < 0xFFFF/4 {
		h++
	}
	return h
}

// find returns member's node and its index position.
func (z *zskiplist) find(member []byte) (uint32, uint32, bool) {
	pos, id, ok := z.idx.find(zhash(member), func(id uint32) bool {
		return bytes.Equal(z.member(id), member)
	})
	return id, pos, ok
}

// insert adds member, which must be absent, and returns its node.
func (z *zskiplist) insert(score float64, member []byte) uint32 {
	x := z.newNode(zslRandomLevel(), score, member)
	z.idx.insert(zhash(member), x)
	z.link(x)
	return x
}

func (z *zskiplist) newNode(h int, score float64, member []byte) uint32 {
	var x uint32
	found := false
	for c := h; c <= zslMaxLevel && !found; c++ {
		if n := len(z.free[c]); n > 0 {
			x = z.free[c][n-1]
			z.free[c] = z.free[c][:n-1]
			found = true
		}
	}
	if !found {
		x = uint32(len(z.nodes))
		z.nodes = append(z.nodes, zslNode{lv: uint32(len(z.lv)), cap: uint8(h)})
		for range h {
			z.lv = append(z.lv, zslLevel{})
		}
	}
	n := &z.nodes[x]
	n.score = score
	n.off = uint32(len(z.arena))
	n.mlen = uint32(len(member))
	n.height = uint8(h)
	n.back = 0
	z.arena = append(z.arena, member...)
	return x
}

// link inserts node x (score, member and height set) at its place.
func (z *zskiplist) link(x uint32) {
	var update [zslMaxLevel]uint32
	var rank [zslMaxLevel]uint32
	score, member := z.nodes[x].score, z.member(x)
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		if i < z.level-1 {
			rank[i] = rank[i+1]
		}
		for f := z.fwd(p, i); f != 0 && z.before(f, score, member); f = z.fwd(p, i) {
			rank[i] += z.lvl(p, i).span
			p = f
		}
		update[i] = p
	}
	h := int(z.nodes[x].height)
	if h > z.level {
		for i := z.level; i < h; i++ {
			rank[i] = 0
			update[i] = zslHeader
			z.lvl(zslHeader, i).span = uint32(z.length)
		}
		z.level = h
	}
	for i := 0; i < h; i++ {
		u, l := z.lvl(update[i], i), z.lvl(x, i)
		l.fwd = u.fwd
		u.fwd = x
		l.span = u.span - (rank[0] - rank[i])
		u.span = rank[0] - rank[i] + 1
	}
	for i := h; i < z.level; i++ {
		z.lvl(update[i], i).span++
	}
	z.nodes[x].back = update[0]
	if f := z.fwd(x, 0); f != 0 {
		z.nodes[f].back = x
	} else {
		z.tail = x
	}
	z.length++
}

// path fills update with the last node before (score, member) at each level.
func (z *zskiplist) path(score float64, member []byte, update *[zslMaxLevel]uint32) {
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && z.before(f, score, member); f = z.fwd(p, i) {
			p = f
		}
		update[i] = p
	}
}

// unlink takes node x out of the list; update is its path.
func (z *zskiplist) unlink(x uint32, update *[zslMaxLevel]uint32) {
	for i := 0; i < z.level; i++ {
		u := z.lvl(update[i], i)
		if u.fwd == x {
			l := z.lvl(x, i)
			u.span += l.span - 1
			u.fwd = l.fwd
		} else {
			u.span--
		}
	}
	if f := z.fwd(x, 0); f != 0 {
		z.nodes[f].back = z.nodes[x].back
	} else {
		z.tail = z.nodes[x].back
	}
	for z.level > 1 && z.fwd(zslHeader, z.level-1) == 0 {
		z.level--
	}
	z.length--
}

// release frees node x, already unlinked, and drops it from the index.
func (z *zskiplist) release(x uint32) {
	member := z.member(x)
	pos, _, ok := z.idx.find(zhash(member), func(id uint32) bool { return id == x })
	if ok {
		z.idx.removeAt(pos)
	}
	n := &z.nodes[x]
	z.dead += int(n.mlen)
	n.height = 0
	n.mlen = 0
	z.free[n.cap] = append(z.free[n.cap], x)
}

// remove deletes node x.
func (z *zskiplist) remove(x uint32) {
	var update [zslMaxLevel]uint32
	z.path(z.nodes[x].score, z.member(x), &update)
	z.unlink(x, &update)
	z.release(x)
	z.maybeCompact()
}

// updateScore moves node x to score, keeping its id.
func (z *zskiplist) updateScore(x uint32, score float64) {
	b, f := z.nodes[x].back, z.fwd(x, 0)
	if (b == 0 || z.nodes[b].score < score) && (f == 0 || z.nodes[f].score > score) {
		z.nodes[x].score = score
		return
	}
	var update [zslMaxLevel]uint32
	z.path(z.nodes[x].score, z.member(x), &update)
	z.unlink(x, &update)
	z.nodes[x].score = score
	z.link(x)
}

// maybeCompact rewrites the member arena once most of it is dead.
func (z *zskiplist) maybeCompact() {
	if z.dead < zslCompactBytes || z.dead*2 < len(z.arena) {
		return
	}
	arena := make([]byte, 0, len(z.arena)-z.dead+(len(z.arena)-z.dead)/8)
	for x := 1; x < len(z.nodes); x++ {
		n := &z.nodes[x]
		if n.height == 0 {
			continue
		}
		off := uint32(len(arena))
		arena = append(arena, z.arena[n.off:n.off+n.mlen]...)
		n.off = off
	}
	z.arena = arena
	z.dead = 0
}

// rank returns the 1-based rank of node x.
func (z *zskiplist) rank(x uint32) int {
	score, member := z.nodes[x].score, z.member(x)
	p, r := uint32(zslHeader), 0
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0; f = z.fwd(p, i) {
			s := z.nodes[f].score
			if s > score || (s == score && bytes.Compare(z.member(f), member) > 0) {
				break
			}
			r += int(z.lvl(p, i).span)
			p = f
		}
		if p == x {
			return r
		}
	}
	return 0
}

// byRank returns the node at 1-based rank r, or 0.
func (z *zskiplist) byRank(r int) uint32 {
	p, traversed := uint32(zslHeader), 0
	for i := z.level - 1; i >= 0; i-- {
		for {
			l := z.lvl(p, i)
			if l.fwd == 0 || traversed+int(l.span) > r {
				break
			}
			traversed += int(l.span)
			p = l.fwd
		}
		if traversed == r {
			return p
		}
	}
	return 0
}

func (z *zskiplist) first() uint32 { return z.fwd(zslHeader, 0) }

// inRange reports whether some node may have a score in r (Redis's
// zslIsInRange: the range is not empty and overlaps [head, tail]).
func (z *zskiplist) inRange(r *ScoreRange) bool {
	if r.empty() || z.tail == 0 {
		return false
	}
	return r.gteMin(z.nodes[z.tail].score) && r.lteMax(z.nodes[z.first()].score)
}

// inLex is inRange for a member range.
func (z *zskiplist) inLex(r *LexRange) bool {
	if r.empty() || z.tail == 0 {
		return false
	}
	return r.gteMin(z.member(z.tail)) && r.lteMax(z.member(z.first()))
}

// firstInRange returns the first node with a score in r, or 0.
func (z *zskiplist) firstInRange(r *ScoreRange) uint32 {
	if !z.inRange(r) {
		return 0
	}
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && !r.gteMin(z.nodes[f].score); f = z.fwd(p, i) {
			p = f
		}
	}
	x := z.fwd(p, 0)
	if x == 0 || !r.lteMax(z.nodes[x].score) {
		return 0
	}
	return x
}

// lastInRange returns the last node with a score in r, or 0.
func (z *zskiplist) lastInRange(r *ScoreRange) uint32 {
	if !z.inRange(r) {
		return 0
	}
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && r.lteMax(z.nodes[f].score); f = z.fwd(p, i) {
			p = f
		}
	}
	if p == zslHeader || !r.gteMin(z.nodes[p].score) {
		return 0
	}
	return p
}

// firstInLex returns the first node with a member in r, or 0.
func (z *zskiplist) firstInLex(r *LexRange) uint32 {
	if !z.inLex(r) {
		return 0
	}
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && !r.gteMin(z.member(f)); f = z.fwd(p, i) {
			p = f
		}
	}
	x := z.fwd(p, 0)
	if x == 0 || !r.lteMax(z.member(x)) {
		return 0
	}
	return x
}

// lastInLex returns the last node with a member in r, or 0.
func (z *zskiplist) lastInLex(r *LexRange) uint32 {
	if !z.inLex(r) {
		return 0
	}
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && r.lteMax(z.member(f)); f = z.fwd(p, i) {
			p = f
		}
	}
	if p == zslHeader || !r.gteMin(z.member(p)) {
		return 0
	}
	return p
}

// deleteWhile deletes the nodes from the one after update[0] on while keep
// accepts them, and returns how many it deleted.
func (z *zskiplist) deleteWhile(update *[zslMaxLevel]uint32, keep func(x uint32) bool) int {
	n := 0
	for x := z.fwd(update[0], 0); x != 0 && keep(x); {
		next := z.fwd(x, 0)
		z.unlink(x, update)
		z.release(x)
		x = next
		n++
	}
	z.maybeCompact()
	return n
}

// deleteRangeByScore deletes the nodes with a score in r.
func (z *zskiplist) deleteRangeByScore(r *ScoreRange) int {
	var update [zslMaxLevel]uint32
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && !r.gteMin(z.nodes[f].score); f = z.fwd(p, i) {
			p = f
		}
		update[i] = p
	}
	return z.deleteWhile(&update, func(x uint32) bool { return r.lteMax(z.nodes[x].score) })
}

// deleteRangeByLex deletes the nodes with a member in r.
func (z *zskiplist) deleteRangeByLex(r *LexRange) int {
	var update [zslMaxLevel]uint32
	p := uint32(zslHeader)
	for i := z.level - 1; i >= 0; i-- {
		for f := z.fwd(p, i); f != 0 && !r.gteMin(z.member(f)); f = z.fwd(p, i) {
			p = f
		}
		update[i] = p
	}
	return z.deleteWhile(&update, func(x uint32) bool { return r.lteMax(z.member(x)) })
}

// deleteRangeByRank deletes the nodes of 1-based ranks start..end.
func (z *zskiplist) deleteRangeByRank(start, end int) int {
	var update [zslMaxLevel]uint32
	p, traversed := uint32(zslHeader), 0
	for i := z.level - 1; i >= 0; i-- {
		for {
			l := z.lvl(p, i)
			if l.fwd == 0 || traversed+int(l.span) >= start {
				break
			}
			traversed += int(l.span)
			p = l.fwd
		}
		update[i] = p
	}
	rank := traversed + 1
	return z.deleteWhile(&update, func(uint32) bool {
		ok := rank <= end
		rank++
		return ok
	})
}

// clone returns a deep copy. The copy is compact: free nodes are dropped.
func (z *zskiplist) clone() *zskiplist {
	c := newSkiplist(z.length)
	for x := z.tail; x != 0; x = z.nodes[x].back {
		// Inserting from the largest makes every insert stop at the head.
		c.insert(z.nodes[x].score, z.member(x))
	}
	return c
}
