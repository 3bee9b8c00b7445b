package store

import (
	"bytes"
	"math/rand/v2"
	"unsafe"
)

// keyspace holds the keys of one database that hash to one shard.
//
// Layout, chosen so the garbage collector has little to trace: every key gets
// a stable handle, an index into metas (pointer-free, fixed size). Key bytes
// and small string values live back to back in one byte arena; collections
// and large strings live in objs, the only part with pointers. The hash index
// maps hashes to handles. Handles never move while the key exists, which
// gives SCAN its guarantee and lets other structures (expiry sampling,
// eviction order) refer to keys by a 4-byte handle instead of a copy.
type keyspace struct {
	idx   index
	metas []meta
	free  []uint32 // free handles, reused last-in first-out
	arena []byte
	dead  int // arena bytes no longer referenced
	// holes lists the dead regions that held a whole entry (key and inline
	// value), by size. An entry of exactly that size takes one instead of
	// growing the arena: a cache whose keys and values have the same sizes
	// (the usual case under eviction or expiry) then replaces keys without
	// compacting, which would allocate a new arena each time a few of them
	// died. Compaction forgets them.
	holes    map[uint32][]uint32
	nholes   int // offsets in holes
	objs     []any
	freeObjs []uint32
	volatile []uint32  // handles with an expiry, for active-expiry sampling
	clock    uint32    // access clock given to keys created now (set by Tx)
	snap     *snapPart // running snapshot not yet past this keyspace, see snapshot.go

	// Memory accounting and eviction order (memory.go, evict.go).
	objMem   []int64 // bytes of each objs entry, as last measured
	objBytes int64   // sum of objMem
	lru      *lruList
	acct     ksAcct // survives reset
}

// meta describes one key. A free handle has typ TypeNone.
type meta struct {
	off    uint32 // arena offset of the key; an inline value follows it
	klen   uint32
	val    uint32 // inline value length, or index into objs
	typ    Type
	enc    Encoding // string encoding; collections report theirs from the object
	inline bool
	flags  uint8
	lru    uint32 // access clock (lruClock) or LFU counter, see eviction
	vol    uint32 // position in volatile when expire != 0
	expire int64  // unix milliseconds; 0 means no expiry
}

// arenaLen is the length of the key's bytes in the arena: the key and an
// inline value.
func (m *meta) arenaLen() uint32 {
	if m.inline {
		return m.klen + m.val
	}
	return m.klen
}

// meta flags.
const (
	// flagPrivateInt marks an integer string that Redis would hold in its own
	// object rather than a shared one (a COPY): OBJECT REFCOUNT reports 1.
	flagPrivateInt uint8 = 1 << iota
)

// The access clock, as Redis's LRU clock: seconds, wrapping at 24 bits.
const (
	lruClockMax = 1<<24 - 1
	lruClockRes = 1000 // milliseconds per tick
)

// lruClock is the access clock at unix time ms.
func lruClock(ms int64) uint32 { return uint32(ms/lruClockRes) & lruClockMax }

// idleMs is how long ago (ms, at clock resolution) an access clock value
// was taken, allowing for one wrap of the clock.
func idleMs(now, then uint32) int64 {
	if now >= then {
		return int64(now-then) * lruClockRes
	}
	return int64(now+(lruClockMax-then)) * lruClockRes
}

// inlineMax is the largest string value kept in the arena. Larger values get
// their own allocation so rewriting them never moves neighbours.
const inlineMax = 256

// arenaCompactMin is the dead space below which the arena is never compacted.
const arenaCompactMin = 4096

func (ks *keyspace) len() int { return ks.idx.n }

func (ks *keyspace) key(h uint32) []byte {
	m := &ks.metas[h]
	return ks.arena[m.off : m.off+m.klen : m.off+m.klen]
}

// lookup finds key, returning its handle and index position.
func (ks *keyspace) lookup(key []byte, hash uint32) (handle uint32, pos uint32, ok bool) {
	pos, handle, ok = ks.idx.find(hash, func(id uint32) bool {
		m := &ks.metas[id]
		return int(m.klen) == len(key) && bytes.Equal(ks.arena[m.off:m.off+m.klen], key)
	})
	return handle, pos, ok
}

// create adds key with an empty value of type typ and returns its handle.
// The caller guarantees the key is absent.
func (ks *keyspace) create(key []byte, hash uint32, typ Type) uint32 {
	h := ks.newHandle()
	ks.roomFor(len(key) + inlineMax)
	off := uint32(len(ks.arena))
	ks.arena = append(ks.arena, key...)
	ks.metas[h] = meta{off: off, klen: uint32(len(key)), typ: typ, inline: true, lru: ks.clock}
	ks.idx.insert(hash, h)
	ks.lruCreated(h)
	return h
}

// createString adds key with the string value val (at most inlineMax
// bytes) and returns its handle: create and setString in one step, so that
// the entry can take a hole of its exact size. The caller guarantees the
// key is absent.
func (ks *keyspace) createString(key []byte, hash uint32, val []byte, enc Encoding) uint32 {
	h := ks.newHandle()
	off := ks.place(len(key) + len(val))
	copy(ks.arena[off:], key)
	copy(ks.arena[int(off)+len(key):], val)
	ks.metas[h] = meta{off: off, klen: uint32(len(key)), val: uint32(len(val)), typ: TypeString, enc: enc, inline: true, lru: ks.clock}
	ks.idx.insert(hash, h)
	ks.lruCreated(h)
	return h
}

// place returns the offset of n arena bytes for an entry: a hole of that
// size, or new bytes at the end of the arena. Making room at the end may
// compact the arena, moving every entry.
func (ks *keyspace) place(n int) uint32 {
	if off, ok := ks.takeHole(n); ok {
		return off
	}
	ks.roomFor(n)
	off := uint32(len(ks.arena))
	ks.arena = append(ks.arena, make([]byte, n)...)
	return off
}

// newHandle returns a free handle for a new key.
func (ks *keyspace) newHandle() uint32 {
	var h uint32
	if n := len(ks.free); n > 0 {
		h = ks.free[n-1]
		ks.free = ks.free[:n-1]
	} else {
		h = uint32(len(ks.metas))
		ks.metas = append(growSlack(ks.metas), meta{})
	}
	ks.beforeWrite(h)
	return h
}

// addHole records the dead region [off, off+n) of a whole entry for reuse.
// Its bytes are already counted in dead.
func (ks *keyspace) addHole(off, n uint32) {
	if n == 0 {
		return
	}
	if ks.holes == nil {
		ks.holes = make(map[uint32][]uint32)
	}
	ks.holes[n] = append(ks.holes[n], off)
	ks.nholes++
}

// takeHole returns the offset of a dead region of exactly n bytes, which
// is live again from then on.
func (ks *keyspace) takeHole(n int) (uint32, bool) {
	if ks.nholes == 0 {
		return 0, false
	}
	offs := ks.holes[uint32(n)]
	if len(offs) == 0 {
		return 0, false
	}
	off := offs[len(offs)-1]
	// An emptied list stays, for the next hole of its size.
	ks.holes[uint32(n)] = offs[:len(offs)-1]
	ks.dead -= n
	ks.nholes--
	return off, true
}

// remove deletes the key at handle (found at index position pos).
func (ks *keyspace) remove(h uint32, pos uint32) {
	ks.beforeWrite(h)
	m := &ks.metas[h]
	ks.lruRemoved(h)
	off, region := m.off, m.arenaLen()
	ks.releaseValue(m)
	ks.dead += int(m.klen)
	ks.addHole(off, region)
	if m.expire != 0 {
		ks.unvolatile(h)
	}
	*m = meta{}
	ks.free = append(ks.free, h)
	ks.idx.removeAt(pos)
	ks.maybeCompact()
	if ks.idx.n == 0 {
		ks.reset()
	}
}

// reset drops everything, returning memory to the runtime. A running
// snapshot stays attached (every key it still needed was saved on removal),
// and so does the accounting record, which holds what the shard's total
// still counts for ks.
func (ks *keyspace) reset() { *ks = keyspace{snap: ks.snap, acct: ks.acct} }

func (ks *keyspace) releaseValue(m *meta) {
	if ks.snap != nil {
		// m is &ks.metas[h]: recover h for the snapshot hook.
		ks.beforeWrite(uint32((uintptr(unsafe.Pointer(m)) - uintptr(unsafe.Pointer(&ks.metas[0]))) / unsafe.Sizeof(meta{})))
	}
	if m.inline {
		ks.dead += int(m.val)
		m.val = 0
		return
	}
	ks.objs[m.val] = nil
	ks.objBytes -= ks.objMem[m.val]
	ks.objMem[m.val] = 0
	ks.freeObjs = append(ks.freeObjs, m.val)
	m.inline = true
	m.val = 0
}

func (ks *keyspace) putObj(v any) uint32 {
	if n := len(ks.freeObjs); n > 0 {
		i := ks.freeObjs[n-1]
		ks.freeObjs = ks.freeObjs[:n-1]
		ks.objs[i] = v
		ks.measureObj(i)
		return i
	}
	ks.objs = append(growSlack(ks.objs), v)
	ks.objMem = append(growSlack(ks.objMem), 0)
	i := uint32(len(ks.objs) - 1)
	ks.measureObj(i)
	return i
}

// obj returns the out-of-line value of h (nil for inline strings).
func (ks *keyspace) obj(h uint32) any {
	m := &ks.metas[h]
	if m.inline {
		return nil
	}
	return ks.objs[m.val]
}

// setObj stores an out-of-line value (a collection or a large string).
func (ks *keyspace) setObj(h uint32, typ Type, v any) {
	ks.beforeWrite(h)
	m := &ks.metas[h]
	if !m.inline {
		ks.objs[m.val] = v
		ks.measureObj(m.val)
	} else {
		ks.dead += int(m.val)
		m.val = ks.putObj(v)
		m.inline = false
	}
	m.typ = typ
	ks.maybeCompact()
}

// stringValue returns the bytes of a string value. The slice aliases store
// memory: it is valid only until the next write to this keyspace.
func (ks *keyspace) stringValue(h uint32) []byte {
	m := &ks.metas[h]
	if m.inline {
		s := m.off + m.klen
		return ks.arena[s : s+m.val : s+m.val]
	}
	return ks.objs[m.val].(*bigString).bytes()
}

// setString stores val as the string value of h with encoding enc.
// The store keeps its own copy of val.
func (ks *keyspace) setString(h uint32, val []byte, enc Encoding) {
	ks.beforeWrite(h)
	m := &ks.metas[h]
	m.typ = TypeString
	m.enc = enc
	m.flags &^= flagPrivateInt
	if len(val) > inlineMax {
		if !m.inline {
			if p, ok := ks.objs[m.val].(*bigString); ok && p.cap >= len(val) && p.cap <= 2*len(val) {
				p.n = len(val)
				copy(p.bytes(), val)
				ks.measureObj(m.val)
				return
			}
		}
		ks.setObj(h, TypeString, bigStringOf(val))
		return
	}
	if !m.inline {
		ks.releaseValue(m)
	}
	switch {
	case m.off+m.klen+m.val == uint32(len(ks.arena)):
		// Last in the arena: shrink or grow in place.
		ks.arena = append(ks.arena[:m.off+m.klen], val...)
		m.val = uint32(len(val))
	case int(m.val) >= len(val):
		// Fits where the old value was; the tail becomes dead space.
		s := m.off + m.klen
		copy(ks.arena[s:], val)
		ks.dead += int(m.val) - len(val)
		m.val = uint32(len(val))
	default:
		// Move key and value to a hole of their size or the end of the
		// arena.
		off := ks.place(int(m.klen) + len(val)) // may compact, moving m
		oldOff, oldLen := m.off, m.klen+m.val
		copy(ks.arena[off:], ks.arena[m.off:m.off+m.klen])
		copy(ks.arena[off+m.klen:], val)
		m.off = off
		ks.dead += int(oldLen)
		ks.addHole(oldOff, oldLen)
		m.val = uint32(len(val))
		ks.maybeCompact()
	}
}

// setBigString makes p the (out-of-line) value of h. Used by commands that
// grow strings in place (APPEND, SETRANGE, SETBIT), whose values get spare
// capacity so repeated growth is amortised like Redis's sds.
func (ks *keyspace) setBigString(h uint32, p *bigString, enc Encoding) {
	ks.beforeWrite(h) // before the encoding changes
	m := &ks.metas[h]
	m.enc = enc
	m.flags &^= flagPrivateInt
	ks.setObj(h, TypeString, p)
}

// maybeCompact rewrites the arena once more than half of it is dead.
func (ks *keyspace) maybeCompact() {
	if ks.dead < arenaCompactMin || ks.dead*2 < len(ks.arena) {
		return
	}
	ks.compact(0)
}

// roomFor makes room for n more arena bytes. When they do not fit and a
// eighth of the arena is dead, the arena is compacted instead of grown: a
// keyspace whose keys are replaced (eviction, expiry) then keeps one arena
// of a steady size rather than growing it and compacting afterwards.
func (ks *keyspace) roomFor(n int) {
	if len(ks.arena)+n > cap(ks.arena) && ks.dead >= arenaCompactMin && ks.dead*8 >= len(ks.arena) {
		ks.compact(n)
	}
}

// compact rewrites the arena without its dead bytes, leaving room for a
// quarter more and at least n bytes.
func (ks *keyspace) compact(n int) {
	live := len(ks.arena) - ks.dead
	arena := make([]byte, 0, live+max(live/4, n))
	for h := range ks.metas {
		m := &ks.metas[h]
		if m.typ == TypeNone {
			continue
		}
		n := m.arenaLen()
		off := uint32(len(arena))
		arena = append(arena, ks.arena[m.off:m.off+n]...)
		m.off = off
	}
	ks.arena = arena
	ks.dead = 0
	ks.holes, ks.nholes = nil, 0
}

// setExpire sets or (with at == 0) clears the expiry of h.
func (ks *keyspace) setExpire(h uint32, at int64) {
	ks.beforeWrite(h)
	m := &ks.metas[h]
	switch {
	case at != 0 && m.expire == 0:
		m.vol = uint32(len(ks.volatile))
		ks.volatile = append(ks.volatile, h)
		ks.lruVolatile(h, true)
	case at == 0 && m.expire != 0:
		ks.unvolatile(h)
		ks.lruVolatile(h, false)
	}
	m.expire = at
}

func (ks *keyspace) unvolatile(h uint32) {
	i := ks.metas[h].vol
	last := len(ks.volatile) - 1
	moved := ks.volatile[last]
	ks.volatile[i] = moved
	ks.metas[moved].vol = i
	ks.volatile = ks.volatile[:last]
}

// scan visits live handles in ascending order from cursor, until it has
// visited *count of them or examined *budget handles (live or free), and
// returns the cursor to continue from, or 0 when the keyspace is done. Both
// counters are decremented. Handles are stable, so a key present for the
// whole iteration is always visited. visit may delete the key it is given.
func (ks *keyspace) scan(cursor uint32, count, budget *int, visit func(h uint32)) uint32 {
	for ; *count > 0 && *budget > 0 && int(cursor) < len(ks.metas); cursor++ {
		*budget--
		if ks.metas[cursor].typ != TypeNone {
			*count--
			visit(cursor)
		}
	}
	if int(cursor) >= len(ks.metas) {
		return 0
	}
	return cursor
}

// nextLive returns the first live handle at or after pos, examining at most
// *budget free handles (decremented). done reports that none is left; when
// the budget runs out first, the position reached is returned.
func (ks *keyspace) nextLive(pos uint32, budget *int) (next uint32, done bool) {
	for ; int(pos) < len(ks.metas); pos++ {
		if ks.metas[pos].typ != TypeNone || *budget <= 0 {
			return pos, false
		}
		*budget--
	}
	return 0, true
}

// randomHandle returns a random live handle.
func (ks *keyspace) randomHandle(r *rand.Rand) (uint32, bool) {
	if ks.idx.n == 0 {
		return 0, false
	}
	n := len(ks.metas)
	for range 16 {
		h := uint32(r.IntN(n))
		if ks.metas[h].typ != TypeNone {
			return h, true
		}
	}
	// Sparse: walk from a random start.
	start := r.IntN(n)
	for i := range n {
		h := uint32((start + i) % n)
		if ks.metas[h].typ != TypeNone {
			return h, true
		}
	}
	return 0, false
}
