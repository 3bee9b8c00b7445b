package store

import (
	"bytes"
	"hash/maphash"
	"math/rand/v2"
)

// strTable is the big encoding of a collection keyed by byte strings: a hash
// table from fields to values (a set can leave the values empty). It is
// built for the properties Redis's dict gives its commands:
//
//   - Entries sit at stable positions in ents; a position changes only when
//     the entry is deleted. A cursor that is a position therefore makes a
//     scan return every entry present for the whole iteration, and each call
//     does work bounded by its COUNT.
//   - Free positions are reused lowest first (a min-heap), so after deletions
//     the live entries gather at the front and the tail can be cut off:
//     memory follows the size without ever moving a live entry.
//   - Field and value bytes live back to back in one arena, and the index is
//     the pointer-free store/index.go: the garbage collector sees three
//     pointer-free slices whatever the size.
//   - Random entries come from the index's slots (kept at least 1/8 full),
//     which makes them uniform and O(1) expected.
//
// Slices returned by get/field/value alias the arena: valid until the next
// change to the table.
type strTable struct {
	hdr   Hash // hashBig: a *Hash pointing here is this table (hash.go)
	idx   index
	ents  []strEnt
	free  []uint32 // min-heap of free positions; those >= len(ents) are stale
	arena []byte
	dead  int // arena bytes no longer referenced
}

// strEnt locates one entry's field and value in the arena.
type strEnt struct {
	off  uint64
	flen uint32 // strFree marks a free position
	vlen uint32
}

const strFree = ^uint32(0)

// strTableSeed hashes every table's fields; a per-process seed keeps
// collision attacks from being computed offline.
var strTableSeed = maphash.MakeSeed()

func strHash(b []byte) uint32 { return uint32(maphash.Bytes(strTableSeed, b)) }

// newStrTable returns a table sized for n entries holding about size bytes.
func newStrTable(n, size int) *strTable {
	return &strTable{ents: make([]strEnt, 0, n), arena: make([]byte, 0, size)}
}

func (t *strTable) len() int { return t.idx.n }

func (t *strTable) live(pos uint32) bool { return t.ents[pos].flen != strFree }

func (t *strTable) field(pos uint32) []byte {
	e := &t.ents[pos]
	return t.arena[e.off : e.off+uint64(e.flen) : e.off+uint64(e.flen)]
}

func (t *strTable) value(pos uint32) []byte {
	e := &t.ents[pos]
	s := e.off + uint64(e.flen)
	return t.arena[s : s+uint64(e.vlen) : s+uint64(e.vlen)]
}

// lookup returns the position of field and its slot in the index.
func (t *strTable) lookup(field []byte, h uint32) (slot, pos uint32, ok bool) {
	return t.idx.find(h, func(id uint32) bool {
		e := &t.ents[id]
		return int(e.flen) == len(field) && bytes.Equal(t.arena[e.off:e.off+uint64(e.flen)], field)
	})
}

// get returns the value of field.
func (t *strTable) get(field []byte) ([]byte, bool) {
	_, pos, ok := t.lookup(field, strHash(field))
	if !ok {
		return nil, false
	}
	return t.value(pos), true
}

// set stores value under field and reports whether the field is new.
func (t *strTable) set(field, value []byte) bool {
	h := strHash(field)
	if _, pos, ok := t.lookup(field, h); ok {
		t.setValue(pos, value)
		return false
	}
	pos := t.allocPos()
	off := uint64(len(t.arena))
	t.arena = append(t.arena, field...)
	t.arena = append(t.arena, value...)
	t.ents[pos] = strEnt{off: off, flen: uint32(len(field)), vlen: uint32(len(value))}
	t.idx.insert(h, pos)
	return true
}

// setValue replaces the value at pos, in place when it fits.
func (t *strTable) setValue(pos uint32, value []byte) {
	e := &t.ents[pos]
	vstart := e.off + uint64(e.flen)
	switch {
	case len(value) <= int(e.vlen):
		copy(t.arena[vstart:], value)
		t.dead += int(e.vlen) - len(value)
		e.vlen = uint32(len(value))
	case vstart+uint64(e.vlen) == uint64(len(t.arena)):
		// Last in the arena: grow in place.
		t.arena = append(t.arena[:vstart], value...)
		e.vlen = uint32(len(value))
	default:
		t.dead += int(e.flen) + int(e.vlen)
		off := uint64(len(t.arena))
		t.arena = append(t.arena, t.arena[e.off:vstart]...)
		t.arena = append(t.arena, value...)
		e.off = off
		e.vlen = uint32(len(value))
		t.maybeCompact()
	}
}

// del removes field and reports whether it was present.
func (t *strTable) del(field []byte) bool {
	slot, pos, ok := t.lookup(field, strHash(field))
	if !ok {
		return false
	}
	t.idx.removeAt(slot)
	e := &t.ents[pos]
	t.dead += int(e.flen) + int(e.vlen)
	*e = strEnt{flen: strFree}
	t.freePos(pos)
	if t.idx.n == 0 {
		*t = strTable{hdr: t.hdr}
		return true
	}
	t.maybeCompact()
	return true
}

// allocPos returns a free position, the lowest one first.
func (t *strTable) allocPos() uint32 {
	if len(t.free) > 0 && int(t.free[0]) < len(t.ents) {
		return t.heapPop()
	}
	// Every remembered free position lies past the end: forget them.
	t.free = t.free[:0]
	t.ents = append(t.ents, strEnt{})
	return uint32(len(t.ents) - 1)
}

// freePos records pos as free, cutting free positions off the tail.
func (t *strTable) freePos(pos uint32) {
	if int(pos) != len(t.ents)-1 {
		t.heapPush(pos)
		return
	}
	n := len(t.ents) - 1
	for n > 0 && t.ents[n-1].flen == strFree {
		n--
	}
	t.ents = t.ents[:n]
	if cap(t.ents) > 64 && cap(t.ents) > 4*n {
		t.ents = append(make([]strEnt, 0, 2*n), t.ents...)
		// Positions past the end are stale in the heap; drop them now so the
		// heap shrinks with the table.
		kept := t.free[:0]
		for _, p := range t.free {
			if int(p) < n {
				kept = append(kept, p)
			}
		}
		t.free = append(make([]uint32, 0, len(kept)), kept...)
		t.heapify()
	}
}

func (t *strTable) heapPush(p uint32) {
	t.free = append(t.free, p)
	i := len(t.free) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if t.free[parent] <= t.free[i] {
			break
		}
		t.free[parent], t.free[i] = t.free[i], t.free[parent]
		i = parent
	}
}

func (t *strTable) heapPop() uint32 {
	top := t.free[0]
	last := len(t.free) - 1
	t.free[0] = t.free[last]
	t.free = t.free[:last]
	t.siftDown(0)
	return top
}

func (t *strTable) siftDown(i int) {
	n := len(t.free)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && t.free[r] < t.free[l] {
			m = r
		}
		if t.free[i] <= t.free[m] {
			return
		}
		t.free[i], t.free[m] = t.free[m], t.free[i]
		i = m
	}
}

func (t *strTable) heapify() {
	for i := len(t.free)/2 - 1; i >= 0; i-- {
		t.siftDown(i)
	}
}

// maybeCompact rewrites the arena once more than half of it is dead.
func (t *strTable) maybeCompact() {
	if t.dead < arenaCompactMin || t.dead*2 < len(t.arena) {
		return
	}
	arena := make([]byte, 0, len(t.arena)-t.dead+(len(t.arena)-t.dead)/8)
	for i := range t.ents {
		e := &t.ents[i]
		if e.flen == strFree {
			continue
		}
		n := uint64(e.flen) + uint64(e.vlen)
		off := uint64(len(arena))
		arena = append(arena, t.arena[e.off:e.off+n]...)
		e.off = off
	}
	t.arena = arena
	t.dead = 0
}

// forEach calls fn for every entry in position order until it returns false.
func (t *strTable) forEach(fn func(field, value []byte) bool) {
	for i := range t.ents {
		if t.ents[i].flen != strFree && !fn(t.field(uint32(i)), t.value(uint32(i))) {
			return
		}
	}
}

// scan visits entries from position cursor until count entries were visited
// or 10*count positions examined, and returns the cursor to continue from
// (0 when done).
func (t *strTable) scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	if count < 1 {
		count = 1
	}
	steps := count * 10
	if steps < count { // overflow
		steps = count
	}
	pos := cursor
	for ; pos < uint64(len(t.ents)) && count > 0 && steps > 0; pos++ {
		steps--
		if t.ents[pos].flen != strFree {
			count--
			fn(t.field(uint32(pos)), t.value(uint32(pos)))
		}
	}
	if pos >= uint64(len(t.ents)) {
		return 0
	}
	return pos
}

// randomPos returns the position of a uniformly chosen entry. The table
// must not be empty.
func (t *strTable) randomPos() uint32 {
	slots := t.idx.slots
	for {
		if s := slots[rand.IntN(len(slots))]; s != 0 {
			return slotID(s)
		}
	}
}

// payload is the number of field and value bytes held.
func (t *strTable) payload() int { return len(t.arena) - t.dead }

// clone returns a deep copy.
func (t *strTable) clone() *strTable {
	c := &strTable{
		idx:   index{slots: append([]uint64(nil), t.idx.slots...), n: t.idx.n, mask: t.idx.mask},
		ents:  append([]strEnt(nil), t.ents...),
		free:  append([]uint32(nil), t.free...),
		arena: append([]byte(nil), t.arena...),
		dead:  t.dead,
	}
	return c
}

// memory is the number of bytes the table holds, for MEMORY USAGE.
func (t *strTable) memory() int {
	return t.idx.bytes() + cap(t.ents)*16 + cap(t.free)*4 + cap(t.arena)
}
