package store

// index is an open-addressing hash index from 32-bit hashes to 32-bit ids.
// It holds no pointers, so the garbage collector never scans it, and it knows
// nothing about keys: callers compare candidates themselves. Each slot packs
// the hash (which doubles as the home position) and id+1, so 0 means empty.
// Linear probing with backward-shift deletion keeps it tombstone-free.
type index struct {
	slots []uint64
	n     int
	mask  uint32
}

const indexMinSize = 8

func slotOf(h uint32, id uint32) uint64 { return uint64(h)<<32 | uint64(id+1) }
func slotHash(s uint64) uint32          { return uint32(s >> 32) }
func slotID(s uint64) uint32            { return uint32(s) - 1 }

// find returns the id whose slot has hash h and for which eq reports true.
func (ix *index) find(h uint32, eq func(id uint32) bool) (pos uint32, id uint32, ok bool) {
	if ix.n == 0 {
		return 0, 0, false
	}
	for pos = h & ix.mask; ; pos = (pos + 1) & ix.mask {
		s := ix.slots[pos]
		if s == 0 {
			return pos, 0, false
		}
		if slotHash(s) == h && eq(slotID(s)) {
			return pos, slotID(s), true
		}
	}
}

// insert adds id under hash h. The caller guarantees it is not present.
func (ix *index) insert(h uint32, id uint32) {
	if (ix.n+1)*4 > len(ix.slots)*3 {
		ix.resize(max(indexMinSize, len(ix.slots)*2))
	}
	ix.place(slotOf(h, id))
	ix.n++
}

func (ix *index) place(s uint64) {
	for pos := slotHash(s) & ix.mask; ; pos = (pos + 1) & ix.mask {
		if ix.slots[pos] == 0 {
			ix.slots[pos] = s
			return
		}
	}
}

// replace changes the id stored at pos (found by find) keeping the hash.
func (ix *index) replace(pos uint32, id uint32) {
	ix.slots[pos] = slotOf(slotHash(ix.slots[pos]), id)
}

// removeAt deletes the slot at pos, shifting later members of the probe run back.
func (ix *index) removeAt(pos uint32) {
	ix.slots[pos] = 0
	ix.n--
	hole := pos
	for j := (pos + 1) & ix.mask; ; j = (j + 1) & ix.mask {
		s := ix.slots[j]
		if s == 0 {
			break
		}
		home := slotHash(s) & ix.mask
		// Move s into the hole when its home does not lie in (hole, j].
		if (j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j) {
			ix.slots[hole] = s
			ix.slots[j] = 0
			hole = j
		}
	}
	if len(ix.slots) > indexMinSize && ix.n*8 < len(ix.slots) {
		ix.resize(len(ix.slots) / 2)
	}
}

func (ix *index) resize(size int) {
	old := ix.slots
	ix.slots = make([]uint64, size)
	ix.mask = uint32(size - 1)
	for _, s := range old {
		if s != 0 {
			ix.place(s)
		}
	}
}

// bytes is the memory the index holds.
func (ix *index) bytes() int { return len(ix.slots) * 8 }
