package rdb

import (
	"errors"
	"sync"
)

// LZF, the compression Redis applies to strings in RDB files (lzf_c.c and
// lzf_d.c describe the format). A compressed stream is a sequence of:
//
//	000LLLLL <L+1 literal bytes>
//	LLLooooo oooooooo             back reference, length L+2 (L < 7)
//	111ooooo LLLLLLLL oooooooo    back reference, length L+9
//
// where the offset o+1 counts back from the current output position.

var errLZF = errors.New("invalid LZF data")

// lzfDecompress expands in into exactly outLen bytes.
func lzfDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			n := ctrl + 1
			if i+n > len(in) || len(out)+n > outLen {
				return nil, errLZF
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if i >= len(in) {
				return nil, errLZF
			}
			n += int(in[i])
			i++
		}
		n += 2
		if i >= len(in) {
			return nil, errLZF
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		if ref < 0 || len(out)+n > outLen {
			return nil, errLZF
		}
		// Byte by byte: the reference may overlap what it produces.
		for j := 0; j < n; j++ {
			out = append(out, out[ref+j])
		}
	}
	if len(out) != outLen {
		return nil, errLZF
	}
	return out, nil
}

const (
	lzfHashLog = 14
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = (1 << 8) + (1 << 3)
	lzfMaxLit  = 1 << 5
)

// lzfCompress compresses in. It returns nil when the output would not be
// smaller than limit bytes (the caller then stores the string uncompressed).
func lzfCompress(in []byte, limit int) []byte {
	out, ok := lzfCompressTo(make([]byte, 0, limit), in, limit)
	if !ok {
		return nil
	}
	return out
}

// lzfCompressTo appends the compressed form of in to dst, allocating
// nothing when dst has room. ok is false (and dst returned unchanged) when
// the output would not be smaller than limit bytes.
func lzfCompressTo(dst, in []byte, limit int) (out []byte, ok bool) {
	if len(in) < 4 {
		return dst, false
	}
	base := len(dst)
	limit += base
	out = dst
	// The hash table (last position+1 of each 3-byte hash) is sized to the
	// input: clearing 64 KB for every short string would dominate saving
	// many small values. Any table size gives valid output.
	hashLog := uint32(8)
	for hashLog < lzfHashLog && 1<<hashLog < len(in) {
		hashLog++
	}
	tp := lzfTables.Get().(*[1 << lzfHashLog]int32)
	defer lzfTables.Put(tp)
	table := tp[:1<<hashLog]
	clear(table)
	litStart := 0
	flushLit := func(end int) bool {
		for litStart < end {
			n := min(end-litStart, lzfMaxLit)
			if len(out)+1+n > limit {
				return false
			}
			out = append(out, byte(n-1))
			out = append(out, in[litStart:litStart+n]...)
			litStart += n
		}
		return true
	}
	i := 0
	for i+2 < len(in) {
		v := uint32(in[i])<<16 | uint32(in[i+1])<<8 | uint32(in[i+2])
		h := (v * 2654435761) >> (32 - hashLog)
		ref := int(table[h]) - 1
		table[h] = int32(i + 1)
		off := i - ref - 1
		if ref >= 0 && off < lzfMaxOff && in[ref] == in[i] && in[ref+1] == in[i+1] && in[ref+2] == in[i+2] {
			n := 3
			for i+n < len(in) && n < lzfMaxRef && in[ref+n] == in[i+n] {
				n++
			}
			if !flushLit(i) {
				return dst[:base], false
			}
			l := n - 2
			if l < 7 {
				if len(out)+2 > limit {
					return dst[:base], false
				}
				out = append(out, byte(l<<5|off>>8), byte(off))
			} else {
				if len(out)+3 > limit {
					return dst[:base], false
				}
				out = append(out, byte(7<<5|off>>8), byte(l-7), byte(off))
			}
			i += n
			litStart = i
			continue
		}
		i++
	}
	if !flushLit(len(in)) {
		return dst[:base], false
	}
	return out, true
}

var lzfTables = sync.Pool{New: func() any { return new([1 << lzfHashLog]int32) }}
