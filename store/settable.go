package store

import (
	"bytes"
	"hash/maphash"
)

// setDict is the "hashtable" encoding of a set: a dense slice of
// members indexed by the pointer-free open-addressing index (index.go).
//
// Member bytes live back to back in one arena; each entry packs the offset
// and length into a uint64, so the garbage collector sees three slices per
// set, not one pointer per member. Removal moves the last entry into the
// hole, which keeps the slice dense: a random member is one random position
// (uniform, O(1)), and SSCAN can walk positions.
//
// SSCAN walks positions from the top down (cursor = number of positions
// still to visit). Entries only ever move down (the last one into a hole),
// so a member present for a whole scan is either already visited or still
// below the cursor: Redis's guarantee, with COUNT bounding the work of one
// call exactly. New members get the top positions, which a running scan
// may or may not see, as Redis allows.
type setDict struct {
	hdr     Set // setHTMark: a *Set pointing here is this table (set.go)
	idx     index
	ents    []uint64 // offset<<setEntLenBits | length, or a big-member index
	arena   []byte
	dead    int      // arena bytes of removed members
	big     [][]byte // members too large for the arena
	bigFree []uint32 // free slots of big

	bigBytes int // capacity of the big members, for memory accounting
}

const (
	setEntLenBits = 30
	setEntLenMask = 1<<setEntLenBits - 1
	// setEntBig in the length field marks a member kept in big; the offset
	// field is then its index there.
	setEntBig = setEntLenMask
	// setBigMember is the length from which a member gets its own allocation,
	// so arena compaction never copies huge members around.
	setBigMember = 64 << 10
	// setArenaMax is the largest arena offset an entry can hold.
	setArenaMax = 1 << (64 - setEntLenBits)
	// setCompactMin is the dead space below which the arena is kept.
	setCompactMin = 1024
)

// setMemberSeed seeds member hashes; one per process is enough because the
// index resolves collisions by comparing bytes.
var setMemberSeed = maphash.MakeSeed()

func setMemberHash(m []byte) uint32 { return uint32(maphash.Bytes(setMemberSeed, m)) }

func newSetDict(sizeHint int) *setDict {
	t := &setDict{}
	if sizeHint > 0 {
		t.ents = make([]uint64, 0, sizeHint)
		size := indexMinSize
		for size*3 < sizeHint*4 {
			size *= 2
		}
		t.idx.resize(size)
	}
	return t
}

func (t *setDict) len() int { return len(t.ents) }

// at returns member i. The slice aliases the table: valid until it changes.
func (t *setDict) at(i int) []byte {
	e := t.ents[i]
	off, n := e>>setEntLenBits, e&setEntLenMask
	if n == setEntBig {
		return t.big[off]
	}
	return t.arena[off : off+n : off+n]
}

func (t *setDict) find(m []byte, h uint32) (pos uint32, id uint32, ok bool) {
	return t.idx.find(h, func(id uint32) bool { return bytes.Equal(t.at(int(id)), m) })
}

func (t *setDict) contains(m []byte) bool {
	_, _, ok := t.find(m, setMemberHash(m))
	return ok
}

// add inserts m (copied), reporting whether it was absent.
func (t *setDict) add(m []byte) bool {
	h := setMemberHash(m)
	if _, _, ok := t.find(m, h); ok {
		return false
	}
	t.push(m, h)
	return true
}

// push appends m, known to be absent, with hash h.
func (t *setDict) push(m []byte, h uint32) {
	var e uint64
	if len(m) >= setBigMember || len(t.arena)+len(m) >= setArenaMax {
		b := append([]byte(nil), m...)
		t.bigBytes += cap(b)
		var i uint32
		if n := len(t.bigFree); n > 0 {
			i = t.bigFree[n-1]
			t.bigFree = t.bigFree[:n-1]
			t.big[i] = b
		} else {
			i = uint32(len(t.big))
			t.big = append(t.big, b)
		}
		e = uint64(i)<<setEntLenBits | setEntBig
	} else {
		e = uint64(len(t.arena))<<setEntLenBits | uint64(len(m))
		t.arena = append(t.arena, m...)
	}
	id := uint32(len(t.ents))
	t.ents = append(t.ents, e)
	t.idx.insert(h, id)
}

// remove deletes m, reporting whether it was present.
func (t *setDict) remove(m []byte) bool {
	pos, id, ok := t.find(m, setMemberHash(m))
	if !ok {
		return false
	}
	t.removeFound(pos, id)
	return true
}

// removeAt deletes member i.
func (t *setDict) removeAt(i int) {
	m := t.at(i)
	pos, _, _ := t.idx.find(setMemberHash(m), func(id uint32) bool { return id == uint32(i) })
	t.removeFound(pos, uint32(i))
}

// removeFound deletes entry id whose index slot is at pos.
func (t *setDict) removeFound(pos, id uint32) {
	t.idx.removeAt(pos)
	e := t.ents[id]
	if off, n := e>>setEntLenBits, e&setEntLenMask; n == setEntBig {
		t.bigBytes -= cap(t.big[off])
		t.big[off] = nil
		t.bigFree = append(t.bigFree, uint32(off))
	} else {
		t.dead += int(n)
	}
	last := uint32(len(t.ents) - 1)
	if id != last {
		// Move the last entry into the hole and repoint its index slot.
		moved := t.at(int(last))
		mpos, _, _ := t.idx.find(setMemberHash(moved), func(x uint32) bool { return x == last })
		t.idx.replace(mpos, id)
		t.ents[id] = t.ents[last]
	}
	t.ents = t.ents[:last]
	if last == 0 {
		*t = setDict{}
		return
	}
	if cap(t.ents) > 64 && len(t.ents) < cap(t.ents)/4 {
		t.ents = append(make([]uint64, 0, 2*len(t.ents)), t.ents...)
	}
	if len(t.big) > 16 && len(t.bigFree)*2 > len(t.big) {
		t.compactBig()
	}
	if t.dead >= setCompactMin && t.dead*2 > len(t.arena) {
		t.compactArena()
	}
}

// compactArena rewrites the arena without dead bytes. Positions do not
// change, only offsets.
func (t *setDict) compactArena() {
	arena := make([]byte, 0, len(t.arena)-t.dead+(len(t.arena)-t.dead)/8)
	for i, e := range t.ents {
		off, n := e>>setEntLenBits, e&setEntLenMask
		if n == setEntBig {
			continue
		}
		t.ents[i] = uint64(len(arena))<<setEntLenBits | n
		arena = append(arena, t.arena[off:off+n]...)
	}
	t.arena = arena
	t.dead = 0
}

// compactBig renumbers the big members densely.
func (t *setDict) compactBig() {
	big := make([][]byte, 0, len(t.big)-len(t.bigFree))
	for i, e := range t.ents {
		off, n := e>>setEntLenBits, e&setEntLenMask
		if n != setEntBig {
			continue
		}
		t.ents[i] = uint64(len(big))<<setEntLenBits | setEntBig
		big = append(big, t.big[off])
	}
	t.big = big
	t.bigFree = nil
}

// clone returns a compact deep copy with the same positions.
func (t *setDict) clone() *setDict {
	c := &setDict{
		idx:  index{slots: append([]uint64(nil), t.idx.slots...), n: t.idx.n, mask: t.idx.mask},
		ents: append([]uint64(nil), t.ents...),
	}
	c.arena = make([]byte, 0, len(t.arena)-t.dead)
	for i, e := range c.ents {
		off, n := e>>setEntLenBits, e&setEntLenMask
		if n == setEntBig {
			c.ents[i] = uint64(len(c.big))<<setEntLenBits | setEntBig
			c.big = append(c.big, append([]byte(nil), t.big[off]...))
			c.bigBytes += cap(c.big[len(c.big)-1])
			continue
		}
		c.ents[i] = uint64(len(c.arena))<<setEntLenBits | n
		c.arena = append(c.arena, t.arena[off:off+n]...)
	}
	return c
}
