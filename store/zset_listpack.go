package store

import (
	"bytes"
	"encoding/binary"
	"math"
)

// The compact encoding of small sorted sets (Redis's "listpack"): one byte
// buffer of entries in (score, member) order. An entry is
//
//	uvarint(len(member)<<1 | intScore) member score
//
// where score is a zigzag varint when it is an integer that a float64 holds
// exactly (the common case: timestamps, counters), else the 8 bytes of the
// float64. Like Redis's listpack, which stores such scores as integers, it
// loses the sign of a zero score (ZSCORE then reports 0, not -0). Small sorted sets stay below zset-max-listpack-entries, so the
// linear scans here cost what Redis's listpack scans cost.

// lpMaxExactInt bounds the integers stored as varints (a float64 holds every
// integer up to 2^53 exactly).
const lpMaxExactInt = 1 << 53

// lpAppendEntry appends an entry for member and score to b.
func lpAppendEntry(b, member []byte, score float64) []byte {
	if score == math.Trunc(score) && math.Abs(score) <= lpMaxExactInt {
		b = binary.AppendUvarint(b, uint64(len(member))<<1|1)
		b = append(b, member...)
		return binary.AppendVarint(b, int64(score))
	}
	b = binary.AppendUvarint(b, uint64(len(member))<<1)
	b = append(b, member...)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(score))
}

// lpEntrySize is the encoded size of an entry.
func lpEntrySize(member []byte, score float64) int {
	var tmp [binary.MaxVarintLen64 + 8]byte
	hdr := binary.PutUvarint(tmp[:], uint64(len(member))<<1)
	if score == math.Trunc(score) && math.Abs(score) <= lpMaxExactInt {
		return hdr + len(member) + binary.PutVarint(tmp[:], int64(score))
	}
	return hdr + len(member) + 8
}

// lpDecode reads the entry at off and returns its member (aliasing b), its
// score and the offset of the next entry.
func lpDecode(b []byte, off int) (member []byte, score float64, next int) {
	h, n := binary.Uvarint(b[off:])
	off += n
	mlen := int(h >> 1)
	member = b[off : off+mlen : off+mlen]
	off += mlen
	if h&1 != 0 {
		v, n := binary.Varint(b[off:])
		return member, float64(v), off + n
	}
	return member, math.Float64frombits(binary.LittleEndian.Uint64(b[off:])), off + 8
}

// lpMember reads only the member of the entry at off and the offset of its
// score.
func lpMember(b []byte, off int) (member []byte, scoreOff int) {
	h, n := binary.Uvarint(b[off:])
	off += n
	mlen := int(h >> 1)
	return b[off : off+mlen : off+mlen], off + mlen
}

// lpNext returns the offset of the entry after the one at off.
func lpNext(b []byte, off int) int {
	h, n := binary.Uvarint(b[off:])
	off += n + int(h>>1)
	if h&1 != 0 {
		_, n := binary.Varint(b[off:])
		return off + n
	}
	return off + 8
}

// lpFind returns the offset and score of member's entry, or -1.
func lpFind(b, member []byte) (int, float64) {
	for off := 0; off < len(b); {
		m, s, next := lpDecode(b, off)
		if bytes.Equal(m, member) {
			return off, s
		}
		off = next
	}
	return -1, 0
}

// lpInsertPos returns the offset at which an entry for (score, member)
// keeps the order, and how many entries precede it.
func lpInsertPos(b, member []byte, score float64) (int, int) {
	rank := 0
	for off := 0; off < len(b); rank++ {
		m, s, next := lpDecode(b, off)
		if s > score || (s == score && bytes.Compare(m, member) > 0) {
			return off, rank
		}
		off = next
	}
	return len(b), rank
}

// lpInsert inserts an entry at its ordered position. Growth is by an eighth
// so that a set built one element at a time is not copied on every add, yet
// the buffer stays close to its size (most sorted sets are small).
func lpInsert(b, member []byte, score float64) []byte {
	at, _ := lpInsertPos(b, member, score)
	size := lpEntrySize(member, score)
	n := len(b) + size
	if n > cap(b) {
		nb := make([]byte, len(b), n+n/8+8)
		copy(nb, b)
		b = nb
	}
	b = b[:n]
	copy(b[at+size:], b[at:n-size])
	lpAppendEntry(b[at:at], member, score)
	return b
}

// lpDelete removes the entry at off.
func lpDelete(b []byte, off int) []byte {
	return lpDeleteSpan(b, off, lpNext(b, off))
}

// lpDeleteSpan removes the bytes [from, to) and gives memory back when the
// buffer has become mostly empty.
func lpDeleteSpan(b []byte, from, to int) []byte {
	b = append(b[:from], b[to:]...)
	if cap(b) > 64 && len(b) < cap(b)/2 {
		b = append(make([]byte, 0, len(b)+len(b)/8), b...)
	}
	return b
}

// lpOffsets appends the offset of every entry of b to dst.
func lpOffsets(b []byte, dst []uint32) []uint32 {
	for off := 0; off < len(b); off = lpNext(b, off) {
		dst = append(dst, uint32(off))
	}
	return dst
}
