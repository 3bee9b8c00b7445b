package store

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// intset is Redis's intset layout in one byte slice: a 4-byte little-endian
// header (the member count in its low 30 bits, the width code in its top
// two: width 2<<code, so 2, 4 or 8 bytes), then the values sorted ascending,
// little-endian, each of that width. The width is the smallest that fits
// every member and only ever grows (an "upgrade" rewrites the buffer), as in
// Redis. A nil intset is empty. Lookups are binary searches; inserts and
// removals move the tail, O(n) like Redis's memmove.
//
// The buffer is the whole allocation of a Set (set.go), so its capacity is
// never stored: it is always intsetCap(len), and every change that would
// move the length to another capacity reallocates. Header value
// setHTMark (all ones) is not an intset: it marks a Set's hashtable.
type intset []byte

const (
	intsetHdr       = 4
	intsetCountBits = 30
	intsetCountMask = 1<<intsetCountBits - 1
	// intsetMaxCount is the most members an intset holds (the all-ones
	// header is setHTMark); beyond it a set converts, whatever
	// set-max-intset-entries says.
	intsetMaxCount = intsetCountMask - 1
)

// intsetWidthOf is the smallest intset width that holds v.
func intsetWidthOf(v int64) int {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

func (is intset) hdr() uint32 {
	if len(is) < intsetHdr {
		return 0
	}
	return binary.LittleEndian.Uint32(is)
}

func intsetHdrOf(n, w int) uint32 {
	return uint32(n) | uint32(bits.TrailingZeros(uint(w))-1)<<intsetCountBits
}

func (is intset) width() int { return 2 << (is.hdr() >> intsetCountBits) }

func (is intset) len() int { return int(is.hdr() & intsetCountMask) }

// intsetBytes is the length of an intset of n members of width w.
func intsetBytes(n, w int) int { return intsetHdr + n*w }

func intsetGetW(b []byte, w int) int64 {
	switch w {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b)))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b)))
	}
	return int64(binary.LittleEndian.Uint64(b))
}

func intsetPutW(b []byte, w int, v int64) {
	switch w {
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, uint64(v))
	}
}

// get returns the i-th smallest value.
func (is intset) get(i int) int64 {
	w := is.width()
	return intsetGetW(is[intsetHdr+i*w:], w)
}

// search returns v's position, or where it would be inserted.
func (is intset) search(v int64) (int, bool) {
	n := is.len()
	if n == 0 {
		return 0, false
	}
	w := is.width()
	// Values outside the current width cannot be present.
	if intsetWidthOf(v) > w {
		if v < 0 {
			return 0, false
		}
		return n, false
	}
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		cur := intsetGetW(is[intsetHdr+mid*w:], w)
		switch {
		case cur < v:
			lo = mid + 1
		case cur > v:
			hi = mid
		default:
			return mid, true
		}
	}
	return lo, false
}

func (is intset) contains(v int64) bool {
	_, ok := is.search(v)
	return ok
}

// compactCap is the capacity kept for a compact buffer (an intset, a small
// hash) of n bytes: the allocator's size class up to 32 KB, which is what
// Redis gets from jemalloc on realloc, and above it steps of an eighth of
// the power of two below n, so that growing one element at a time copies
// O(1) bytes per byte added. It is a pure function of n, monotonic and
// idempotent (compactCap(compactCap(n)) == compactCap(n)), which is what
// lets a buffer's capacity be recomputed from its length instead of stored.
func compactCap(n int) int {
	if n <= maxSmallAlloc {
		return int(allocSize(n))
	}
	step := max(allocPage, 1<<(bits.Len(uint(n))-4))
	return (n + step - 1) &^ (step - 1)
}

// resizeCompact returns b with length n and capacity compactCap(n): b
// itself when its capacity already is that, else a copy.
func resizeCompact(b []byte, n int) []byte {
	c := compactCap(n)
	if c == cap(b) {
		return b[:n]
	}
	out := make([]byte, n, c)
	copy(out, b[:min(len(b), n)])
	return out
}

// insert adds v, reporting whether it was absent.
func (is intset) insert(v int64) (intset, bool) {
	vw := intsetWidthOf(v)
	n := is.len()
	if n == 0 {
		out := intset(resizeCompact(nil, intsetBytes(1, vw)))
		binary.LittleEndian.PutUint32(out, intsetHdrOf(1, vw))
		intsetPutW(out[intsetHdr:], vw, v)
		return out, true
	}
	w := is.width()
	if vw > w {
		// Upgrade: v lies beyond every current value, so it goes first
		// (negative) or last.
		out := intset(resizeCompact(nil, intsetBytes(n+1, vw)))
		binary.LittleEndian.PutUint32(out, intsetHdrOf(n+1, vw))
		shift := 0
		if v < 0 {
			shift = 1
			intsetPutW(out[intsetHdr:], vw, v)
		} else {
			intsetPutW(out[intsetHdr+n*vw:], vw, v)
		}
		for i := 0; i < n; i++ {
			intsetPutW(out[intsetHdr+(i+shift)*vw:], vw, intsetGetW(is[intsetHdr+i*w:], w))
		}
		return out, true
	}
	i, found := is.search(v)
	if found {
		return is, false
	}
	is = intset(resizeCompact(is, intsetBytes(n+1, w)))
	copy(is[intsetHdr+(i+1)*w:], is[intsetHdr+i*w:intsetHdr+n*w])
	intsetPutW(is[intsetHdr+i*w:], w, v)
	binary.LittleEndian.PutUint32(is, intsetHdrOf(n+1, w))
	return is, true
}

// remove deletes v, reporting whether it was present.
func (is intset) remove(v int64) (intset, bool) {
	i, found := is.search(v)
	if !found {
		return is, false
	}
	return is.removeAt(i), true
}

// removeAt deletes the i-th value. The last one leaves nil.
func (is intset) removeAt(i int) intset {
	w, n := is.width(), is.len()
	if n == 1 {
		return nil
	}
	copy(is[intsetHdr+i*w:], is[intsetHdr+(i+1)*w:intsetHdr+n*w])
	binary.LittleEndian.PutUint32(is, intsetHdrOf(n-1, w))
	return intset(resizeCompact(is, intsetBytes(n-1, w)))
}

// clone returns a copy.
func (is intset) clone() intset {
	if is.len() == 0 {
		return nil
	}
	out := resizeCompact(nil, len(is))
	copy(out, is)
	return out
}

// buildIntset makes an intset of vals, sorted and distinct.
func buildIntset(vals []int64) intset {
	if len(vals) == 0 {
		return nil
	}
	w := max(intsetWidthOf(vals[0]), intsetWidthOf(vals[len(vals)-1]))
	is := intset(resizeCompact(nil, intsetBytes(len(vals), w)))
	binary.LittleEndian.PutUint32(is, intsetHdrOf(len(vals), w))
	for i, v := range vals {
		intsetPutW(is[intsetHdr+i*w:], w, v)
	}
	return is
}
