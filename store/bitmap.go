package store

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Bitmaps: strings addressed bit by bit, bit 0 being the most significant
// bit of the first byte (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD).
// Ranges and errors follow Redis's bitops.c.

// GetBitAt returns bit off of p, 0 beyond its end.
func GetBitAt(p []byte, off uint64) int {
	if off>>3 >= uint64(len(p)) {
		return 0
	}
	return int(p[off>>3]>>(7-off&7)) & 1
}

// SetBit sets or clears bit off of key's string, growing it with zero bytes
// (or creating it) as needed, and returns the bit's previous value. changed
// reports whether the key was created, lengthened or the bit flipped (when
// Redis signals "setbit"). The caller checks off against the size limit.
func (tx *Tx) SetBit(key []byte, off uint64, on bool) (old int, changed bool, err error) {
	p, grown, err := tx.stringForWrite(key, int(off>>3)+1)
	if err != nil {
		return 0, false, err
	}
	i, mask := off>>3, byte(1)<<(7-off&7)
	if p[i]&mask != 0 {
		old = 1
	}
	if on {
		p[i] |= mask
	} else {
		p[i] &^= mask
	}
	return old, grown || (old == 1) != on, nil
}

// Popcount counts the set bits of p.
func Popcount(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// bitRange resolves BITCOUNT/BITPOS's start and end (bytes, or bits with
// isBit; negative counting from the end) to an inclusive byte range and
// masks of the bits outside the range in the first and last byte.
func bitRange(strlen, start, end int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	total := strlen
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= total {
		end = total - 1
	}
	if isBit && start <= end {
		firstMask = ^byte((1 << (8 - start&7)) - 1)
		lastMask = byte((1 << (7 - end&7)) - 1)
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// BitCount counts the set bits of p between start and end (bytes, or bits
// with isBit), as BITCOUNT with a range after its own argument checks.
func BitCount(p []byte, start, end int64, isBit bool) int64 {
	s, e, firstMask, lastMask := bitRange(int64(len(p)), start, end, isBit)
	if s > e {
		return 0
	}
	n := Popcount(p[s : e+1])
	n -= int64(bits.OnesCount8(p[s]&firstMask) + bits.OnesCount8(p[e]&lastMask))
	return n
}

// bitpos is Redis's redisBitpos: the position of the first bit equal to
// bit in p; when there is none, -1 for a 1 and len(p)*8 for a 0 (the
// string is taken as zero padded on the right).
func bitpos(p []byte, bit int) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	i := 0
	for i+8 <= len(p) && binary.LittleEndian.Uint64(p[i:]) == uint64(skip)*0x0101010101010101 {
		i += 8
	}
	for ; i < len(p); i++ {
		if p[i] != skip {
			b := p[i]
			if bit == 0 {
				b = ^b
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(b))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

// BitPos is BITPOS without a range: the first bit equal to bit in p.
func BitPos(p []byte, bit int) int64 { return bitpos(p, bit) }

// BitPosRange is BITPOS with a start (and, when endGiven, an end) in bytes
// or, with isBit, bits. end is ignored unless endGiven.
func BitPosRange(p []byte, bit int, start, end int64, endGiven, isBit bool) int64 {
	strlen := int64(len(p))
	if !endGiven {
		if isBit {
			end = strlen<<3 + 7
		} else {
			end = strlen - 1
		}
	}
	s, e, firstMask, lastMask := bitRange(strlen, start, end, isBit)
	if s > e {
		return -1
	}
	// A byte with the bits outside the range forced to the value not
	// searched for.
	masked := func(b, outside byte) byte {
		if bit == 1 {
			return b &^ outside
		}
		return b | outside
	}
	nbytes := e - s + 1
	var pos int64
	switch {
	case firstMask != 0:
		b := masked(p[s], firstMask)
		if lastMask != 0 && nbytes == 1 {
			b = masked(b, lastMask)
		}
		pos = bitpos([]byte{b}, bit)
		if nbytes == 1 || (pos != -1 && pos != 8) {
			break
		}
		s++
		nbytes--
		fallthrough
	default:
		cur := nbytes
		if lastMask != 0 {
			cur--
		}
		if cur > 0 {
			pos = bitpos(p[s:s+cur], bit)
			if nbytes == cur || (pos != -1 && pos != cur<<3) {
				break
			}
			s += cur
			nbytes -= cur
		}
		pos = bitpos([]byte{masked(p[e], lastMask)}, bit)
	}
	// With an explicit end, running off the range is not a 0 bit.
	if endGiven && bit == 0 && pos == nbytes<<3 {
		return -1
	}
	if pos != -1 {
		pos += s << 3
	}
	return pos
}

// BitOpKind is a BITOP operation.
type BitOpKind uint8

// BITOP operations.
const (
	BitAnd BitOpKind = iota
	BitOr
	BitXor
	BitNot
)

// BitOp computes op over the strings at srcs (missing keys are empty) and
// stores the result at dst as a raw string without expiry, or deletes dst
// when the result is empty. It returns the result's length and, when it
// was empty, whether dst existed (and so was deleted).
func (tx *Tx) BitOp(op BitOpKind, dst []byte, srcs [][]byte) (n int, deleted bool, err error) {
	// Every source is looked up (and type checked) before anything is
	// computed. The slices alias store memory, which nothing writes until
	// the result is stored.
	vals := make([][]byte, len(srcs))
	maxLen := 0
	for i, k := range srcs {
		v, _, err := tx.GetString(k)
		if err != nil {
			return 0, false, err
		}
		vals[i] = v
		maxLen = max(maxLen, len(v))
	}
	if maxLen == 0 {
		return 0, tx.Delete(dst), nil
	}
	// A result too large for the arena is built in the value the store
	// keeps, so storing it copies nothing.
	var big *bigString
	var res []byte
	if maxLen > inlineMax {
		big = newBigString(maxLen, maxLen)
		res = big.bytes()
	} else {
		res = make([]byte, maxLen)
	}
	copy(res, vals[0])
	switch op {
	case BitNot:
		for i := range res {
			res[i] = ^res[i]
		}
	case BitAnd:
		for _, v := range vals[1:] {
			for i := range v {
				res[i] &= v[i]
			}
			clear(res[len(v):])
		}
	case BitOr:
		for _, v := range vals[1:] {
			for i := range v {
				res[i] |= v[i]
			}
		}
	case BitXor:
		for _, v := range vals[1:] {
			for i := range v {
				res[i] ^= v[i]
			}
		}
	}
	if big != nil {
		tx.setBig(dst, big, EncRaw)
	} else {
		tx.SetStringEnc(dst, res, EncRaw, 0, false)
	}
	return maxLen, false, nil
}

// Overflow is BITFIELD's overflow behaviour.
type Overflow uint8

// BITFIELD overflow behaviours.
const (
	OverflowWrap Overflow = iota
	OverflowSat
	OverflowFail
)

// BitFieldKind is a BITFIELD operation.
type BitFieldKind uint8

// BITFIELD operations.
const (
	BitFieldGet BitFieldKind = iota
	BitFieldSet
	BitFieldIncr
)

// BitFieldOp is one parsed BITFIELD operation.
type BitFieldOp struct {
	Kind     BitFieldKind
	Signed   bool
	Bits     int    // 1..64 signed, 1..63 unsigned
	Offset   uint64 // in bits
	Value    int64  // SET value or INCRBY increment
	Overflow Overflow
}

// BitFieldResult is one BITFIELD reply: a value, or nil when an operation
// failed under OVERFLOW FAIL. Unsigned values (at most 63 bits) fit.
type BitFieldResult struct {
	Value int64
	Nil   bool
}

// getField reads an unsigned field of width bits at off; bits beyond the
// end of p read as 0.
func getField(p []byte, off uint64, width int) uint64 {
	var v uint64
	for j := 0; j < width; j++ {
		v = v<<1 | uint64(GetBitAt(p, off+uint64(j)))
	}
	return v
}

// setField writes the low width bits of v at off; p is long enough.
func setField(p []byte, off uint64, width int, v uint64) {
	for j := 0; j < width; j++ {
		i, mask := (off+uint64(j))>>3, byte(1)<<(7-(off+uint64(j))&7)
		if v&(1<<(width-1-j)) != 0 {
			p[i] |= mask
		} else {
			p[i] &^= mask
		}
	}
}

func signExtend(v uint64, width int) int64 {
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= math.MaxUint64 << width
	}
	return int64(v)
}

// overflowUnsigned is Redis's checkUnsignedBitfieldOverflow: 0 when
// value+incr fits in width bits, else 1 (overflow) or -1 (underflow) with
// the value to store under wrap or sat.
func overflowUnsigned(value uint64, incr int64, width int, ow Overflow) (int, uint64) {
	maxv := uint64(1)<<width - 1
	if width == 64 {
		maxv = math.MaxUint64
	}
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	wrap := (value + uint64(incr)) &^ (math.MaxUint64 << width)
	if width == 64 {
		wrap = value + uint64(incr)
	}
	if value > maxv || (incr > 0 && incr > maxIncr) {
		if ow == OverflowSat {
			return 1, maxv
		}
		return 1, wrap
	}
	if incr < 0 && incr < minIncr {
		if ow == OverflowSat {
			return -1, 0
		}
		if ow == OverflowWrap {
			return 1, wrap // Redis reports wrapping as 1 either way
		}
		return -1, wrap
	}
	return 0, 0
}

// overflowSigned is Redis's checkSignedBitfieldOverflow.
func overflowSigned(value, incr int64, width int, ow Overflow) (int, int64) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	wrapped := func() int64 {
		c := uint64(value) + uint64(incr)
		if width < 64 {
			mask := uint64(math.MaxUint64) << width
			if c&(1<<(width-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	if value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr) {
		if ow == OverflowSat {
			return 1, maxv
		}
		return 1, wrapped()
	}
	if value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr) {
		if ow == OverflowSat {
			return -1, minv
		}
		if ow == OverflowWrap {
			return 1, wrapped()
		}
		return -1, wrapped()
	}
	return 0, 0
}

// BitField runs BITFIELD's operations on key in order, appending one
// result per operation to out. When any operation writes, the string is
// first grown (or created) to hold the farthest bit written, as Redis does,
// even if every write then fails under OVERFLOW FAIL. changes counts the
// writes that changed something (Redis's dirty increment; a "setbit"
// event fires when it is non-zero). The caller checks offsets against the
// size limit.
func (tx *Tx) BitField(key []byte, ops []BitFieldOp, out []BitFieldResult) (res []BitFieldResult, changes int, err error) {
	var highest uint64
	write := false
	for _, op := range ops {
		if op.Kind != BitFieldGet {
			write = true
			highest = max(highest, op.Offset+uint64(op.Bits)-1)
		}
	}
	var p []byte
	grown := false
	if write {
		if p, grown, err = tx.stringForWrite(key, int(highest>>3)+1); err != nil {
			return out, 0, err
		}
	} else if p, _, err = tx.GetString(key); err != nil {
		return out, 0, err
	}
	for _, op := range ops {
		if op.Kind == BitFieldGet {
			v := getField(p, op.Offset, op.Bits)
			if op.Signed {
				out = append(out, BitFieldResult{Value: signExtend(v, op.Bits)})
			} else {
				out = append(out, BitFieldResult{Value: int64(v)})
			}
			continue
		}
		var oldv, newv, ret uint64
		var ovf int
		if op.Signed {
			old := signExtend(getField(p, op.Offset, op.Bits), op.Bits)
			nv := op.Value
			var lim int64
			if op.Kind == BitFieldIncr {
				ovf, lim = overflowSigned(old, op.Value, op.Bits, op.Overflow)
				nv = old + op.Value
				if ovf != 0 {
					nv = lim
				}
				ret = uint64(nv)
			} else {
				ovf, lim = overflowSigned(nv, 0, op.Bits, op.Overflow)
				if ovf != 0 {
					nv = lim
				}
				ret = uint64(old)
			}
			oldv, newv = uint64(old), uint64(nv)
		} else {
			oldv = getField(p, op.Offset, op.Bits)
			var lim uint64
			if op.Kind == BitFieldIncr {
				newv = oldv + uint64(op.Value)
				ovf, lim = overflowUnsigned(oldv, op.Value, op.Bits, op.Overflow)
				if ovf != 0 {
					newv = lim
				}
				ret = newv
			} else {
				newv = uint64(op.Value)
				ovf, lim = overflowUnsigned(newv, 0, op.Bits, op.Overflow)
				if ovf != 0 {
					newv = lim
				}
				ret = oldv
			}
		}
		if ovf != 0 && op.Overflow == OverflowFail {
			out = append(out, BitFieldResult{Nil: true})
			continue
		}
		out = append(out, BitFieldResult{Value: int64(ret)})
		setField(p, op.Offset, op.Bits, newv)
		if grown || oldv != newv {
			changes++
		}
	}
	return out, changes, nil
}
