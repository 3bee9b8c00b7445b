package rdb

import (
	"encoding/binary"
	"math"
)

// Append-style encoders, for callers that encode entries into their own
// buffers (a snapshot encodes chunks under a lock and writes them later
// with Writer.Raw, which checksums them).

// AppendLength appends an RDB length.
func AppendLength(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		dst = append(dst, 0x80)
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	default:
		dst = append(dst, 0x81)
		return binary.BigEndian.AppendUint64(dst, n)
	}
}

// AppendString appends s, integer-encoded when it is a small canonical
// integer and LZF-compressed (when compress is set) when that saves space,
// as Redis does.
func AppendString(dst, s []byte, compress bool) []byte {
	if len(s) <= 11 && len(s) > 0 {
		if v, ok := smallInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, 0xC0, byte(int8(v)))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				dst = append(dst, 0xC1)
				return binary.LittleEndian.AppendUint16(dst, uint16(int16(v)))
			default:
				dst = append(dst, 0xC2)
				return binary.LittleEndian.AppendUint32(dst, uint32(int32(v)))
			}
		}
	}
	if compress && len(s) > 20 {
		// Compress in place after room for the header, then close the gap:
		// no allocation per string (a save encodes millions).
		const room = 1 + 9 + 9
		start := len(dst)
		dst = append(dst, make([]byte, room)...)
		var ok bool
		if dst, ok = lzfCompressTo(dst, s, len(s)-4); ok {
			clen := len(dst) - start - room
			var hdr [room]byte
			h := append(hdr[:0], 0xC3)
			h = AppendLength(h, uint64(clen))
			h = AppendLength(h, uint64(len(s)))
			n := copy(dst[start:], h)
			copy(dst[start+n:], dst[start+room:])
			return dst[:start+n+clen]
		}
		dst = dst[:start]
	}
	dst = AppendLength(dst, uint64(len(s)))
	return append(dst, s...)
}

// smallInt parses s (1 to 11 bytes) as a canonical int32, what Redis
// integer-encodes: optional '-', no leading zeros, no "-0". It allocates
// nothing.
func smallInt(s []byte) (int64, bool) {
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || len(d) > 10 || (d[0] == '0' && (len(d) > 1 || neg)) {
		return 0, false
	}
	var v int64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return v, true
}

// AppendBinaryDouble appends a zset score as RDB_TYPE_ZSET_2 stores it.
func AppendBinaryDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// AppendEntryHeader appends what precedes a key's value: its expiry (unix
// ms, when not 0), idle time (seconds, when >= 0), LFU counter (when >= 0),
// the value type of kind and the key.
func AppendEntryHeader(dst []byte, kind Kind, key []byte, expireMs, idle int64, freq int, compress bool) []byte {
	if expireMs != 0 {
		dst = append(dst, opExpireTimeMs)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(expireMs))
	}
	if idle >= 0 {
		dst = append(dst, opIdle)
		dst = AppendLength(dst, uint64(idle))
	}
	if freq >= 0 {
		dst = append(dst, opFreq, byte(freq))
	}
	dst = append(dst, valueType(&Value{Kind: kind}))
	return AppendString(dst, key, compress)
}

// Raw writes bytes already in RDB form (from the Append functions).
func (w *Writer) Raw(p []byte) { w.raw(p) }

// AppendDumpFooter turns an encoded value (type byte and value, from the
// Append functions) into a DUMP payload: RDB version and CRC-64.
func AppendDumpFooter(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, CRC64(dst))
}

// ValueTypeByte is the RDB type byte the writer uses for kind.
func ValueTypeByte(kind Kind) byte { return valueType(&Value{Kind: kind}) }
