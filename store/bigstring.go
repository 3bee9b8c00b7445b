package store

import "unsafe"

// bigString is a string value too large for the arena (over inlineMax
// bytes). Its header and its bytes share one allocation, and objs holds a
// pointer to it: a *[]byte would cost a second heap object per value and
// 24 bytes of slice header.
type bigString struct {
	n   int // length
	cap int // bytes after the header
}

const bigStringHdr = int(unsafe.Sizeof(bigString{}))

// newBigString allocates a zeroed value of n bytes with room for capacity.
func newBigString(n, capacity int) *bigString {
	// A byte allocation this size (over inlineMax) is 8-byte aligned and
	// holds no pointers, as the header needs.
	buf := make([]byte, bigStringHdr+capacity)
	p := (*bigString)(unsafe.Pointer(unsafe.SliceData(buf)))
	p.n, p.cap = n, capacity
	return p
}

// bigStringOf copies b into a new value of exactly its size.
func bigStringOf(b []byte) *bigString {
	p := newBigString(len(b), len(b))
	copy(p.bytes(), b)
	return p
}

// bytes is the value; its capacity is the room to grow in place.
func (p *bigString) bytes() []byte {
	data := (*byte)(unsafe.Add(unsafe.Pointer(p), bigStringHdr))
	return unsafe.Slice(data, p.cap)[:p.n]
}

func (p *bigString) memBytes() int64 { return allocSize(bigStringHdr + p.cap) }
