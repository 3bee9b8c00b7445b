package store

import (
	"encoding/binary"
	"math"
)

// intset is Redis's intset layout in one byte slice: the first byte holds
// the width shared by every value (2, 4 or 8 bytes), then the values sorted
// ascending, little-endian. The width is the smallest that fits every member
// and only ever grows (an "upgrade" rewrites the buffer), as in Redis. A nil
// intset is empty. Lookups are binary searches; inserts and removals move
// the tail, O(n) like Redis's memmove.
type intset []byte

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

func (is intset) width() int {
	if len(is) == 0 {
		return 2
	}
	return int(is[0])
}

func (is intset) len() int {
	if len(is) == 0 {
		return 0
	}
	return (len(is) - 1) / int(is[0])
}

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
	w := int(is[0])
	return intsetGetW(is[1+i*w:], w)
}

// search returns v's position, or where it would be inserted.
func (is intset) search(v int64) (int, bool) {
	n := is.len()
	if n == 0 {
		return 0, false
	}
	w := int(is[0])
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
		cur := intsetGetW(is[1+mid*w:], w)
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

// growTo returns is resized to n bytes. A reallocation rounds small sizes
// up to the allocator's size class only (what Redis gets from jemalloc on
// realloc) and gives larger ones a quarter of headroom: append's doubling
// would cost many small sets up to twice their size.
func (is intset) growTo(n int) intset {
	if n <= cap(is) {
		return is[:n]
	}
	out := make(intset, n, intsetCap(n))
	copy(out, is)
	return out
}

// sizeClasses are the Go allocator's small size classes up to 256 bytes.
var sizeClasses = [...]int{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256}

// intsetCap is the capacity to allocate for an intset of n bytes.
func intsetCap(n int) int {
	for _, c := range sizeClasses {
		if n <= c {
			return c
		}
	}
	return n + n/4
}

// insert adds v, reporting whether it was absent.
func (is intset) insert(v int64) (intset, bool) {
	vw := intsetWidthOf(v)
	n := is.len()
	if n == 0 {
		out := make(intset, 1+vw, intsetCap(1+vw))
		out[0] = byte(vw)
		intsetPutW(out[1:], vw, v)
		return out, true
	}
	w := int(is[0])
	if vw > w {
		// Upgrade: v lies beyond every current value, so it goes first
		// (negative) or last.
		out := make(intset, 1+(n+1)*vw, intsetCap(1+(n+1)*vw))
		out[0] = byte(vw)
		shift := 0
		if v < 0 {
			shift = 1
			intsetPutW(out[1:], vw, v)
		} else {
			intsetPutW(out[1+n*vw:], vw, v)
		}
		for i := 0; i < n; i++ {
			intsetPutW(out[1+(i+shift)*vw:], vw, intsetGetW(is[1+i*w:], w))
		}
		return out, true
	}
	i, found := is.search(v)
	if found {
		return is, false
	}
	is = is.growTo(len(is) + w)
	copy(is[1+(i+1)*w:], is[1+i*w:1+n*w])
	intsetPutW(is[1+i*w:], w, v)
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

// removeAt deletes the i-th value.
func (is intset) removeAt(i int) intset {
	w := int(is[0])
	n := is.len()
	copy(is[1+i*w:], is[1+(i+1)*w:1+n*w])
	is = is[:len(is)-w]
	if n == 1 {
		return nil
	}
	// Give memory back when the set has shrunk well below its capacity.
	if cap(is) > 64 && cap(is) >= 2*len(is) {
		out := make(intset, len(is))
		copy(out, is)
		return out
	}
	return is
}

// clone returns an exact-size copy.
func (is intset) clone() intset {
	if len(is) == 0 {
		return nil
	}
	out := make(intset, len(is))
	copy(out, is)
	return out
}

// buildIntset makes an exact-size intset of vals, sorted and distinct.
func buildIntset(vals []int64) intset {
	if len(vals) == 0 {
		return nil
	}
	w := max(intsetWidthOf(vals[0]), intsetWidthOf(vals[len(vals)-1]))
	is := make(intset, 1+len(vals)*w)
	is[0] = byte(w)
	for i, v := range vals {
		intsetPutW(is[1+i*w:], w, v)
	}
	return is
}
