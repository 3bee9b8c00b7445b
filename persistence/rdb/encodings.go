package rdb

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Parsers for the compact encodings Redis embeds in RDB values as strings.
// Each calls fn for every element, in order, as bytes (integers are
// formatted in decimal, as Redis returns them), and validates every length
// against the buffer before reading.

var (
	errListpack = errors.New("listpack integrity check failed")
	errZiplist  = errors.New("ziplist integrity check failed")
	errIntset   = errors.New("intset integrity check failed")
	errZipmap   = errors.New("zipmap integrity check failed")
)

// parseListpack walks a listpack (listpack.c): a 6-byte header (total bytes,
// element count), entries of encoding + data + back-length, and 0xFF.
func parseListpack(lp []byte, fn func(elem []byte) error) error {
	if len(lp) < 7 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != 0xFF {
		return errListpack
	}
	var num [20]byte
	p := 6
	for p < len(lp)-1 {
		b := lp[p]
		var elem []byte
		var size int // encoding + data bytes
		switch {
		case b&0x80 == 0: // 7-bit unsigned
			elem = strconv.AppendInt(num[:0], int64(b&0x7f), 10)
			size = 1
		case b&0xC0 == 0x80: // 6-bit string length
			n := int(b & 0x3f)
			size = 1 + n
			if p+size > len(lp) {
				return errListpack
			}
			elem = lp[p+1 : p+size]
		case b&0xE0 == 0xC0: // 13-bit signed
			if p+2 > len(lp) {
				return errListpack
			}
			v := int64(uint16(b&0x1f)<<8 | uint16(lp[p+1]))
			if v >= 1<<12 {
				v -= 1 << 13
			}
			elem = strconv.AppendInt(num[:0], v, 10)
			size = 2
		case b&0xF0 == 0xE0: // 12-bit string length
			if p+2 > len(lp) {
				return errListpack
			}
			n := int(b&0x0f)<<8 | int(lp[p+1])
			size = 2 + n
			if p+size > len(lp) {
				return errListpack
			}
			elem = lp[p+2 : p+size]
		default:
			switch b {
			case 0xF0: // 32-bit string length
				if p+5 > len(lp) {
					return errListpack
				}
				n := int(binary.LittleEndian.Uint32(lp[p+1:]))
				size = 5 + n
				if n < 0 || p+size > len(lp) || size < 5 {
					return errListpack
				}
				elem = lp[p+5 : p+size]
			case 0xF1, 0xF2, 0xF3, 0xF4:
				w := map[byte]int{0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[b]
				if p+1+w > len(lp) {
					return errListpack
				}
				var u uint64
				for i := w - 1; i >= 0; i-- {
					u = u<<8 | uint64(lp[p+1+i])
				}
				shift := uint(64 - 8*w)
				elem = strconv.AppendInt(num[:0], int64(u<<shift)>>shift, 10)
				size = 1 + w
			default:
				return errListpack
			}
		}
		// The back-length that follows encodes size in 1..5 bytes.
		back := 1
		for l := size; l > 127; l >>= 7 {
			back++
		}
		p += size + back
		if p > len(lp)-1 {
			return errListpack
		}
		if err := fn(elem); err != nil {
			return err
		}
	}
	if p != len(lp)-1 {
		return errListpack
	}
	return nil
}

// parseZiplist walks a ziplist (ziplist.c): a 10-byte header, entries of
// previous-length + encoding + data, and 0xFF.
func parseZiplist(zl []byte, fn func(elem []byte) error) error {
	if len(zl) < 11 || int(binary.LittleEndian.Uint32(zl)) != len(zl) || zl[len(zl)-1] != 0xFF {
		return errZiplist
	}
	var num [20]byte
	p := 10
	for zl[p] != 0xFF {
		// Previous entry length: 1 byte, or 0xFE and 4 bytes.
		if zl[p] == 0xFE {
			p += 5
		} else {
			p++
		}
		if p >= len(zl) {
			return errZiplist
		}
		b := zl[p]
		var elem []byte
		switch b >> 6 {
		case 0:
			n := int(b & 0x3f)
			if p+1+n > len(zl)-1 {
				return errZiplist
			}
			elem = zl[p+1 : p+1+n]
			p += 1 + n
		case 1:
			if p+2 > len(zl) {
				return errZiplist
			}
			n := int(b&0x3f)<<8 | int(zl[p+1])
			if p+2+n > len(zl)-1 {
				return errZiplist
			}
			elem = zl[p+2 : p+2+n]
			p += 2 + n
		case 2:
			if p+5 > len(zl) {
				return errZiplist
			}
			n := int(binary.BigEndian.Uint32(zl[p+1:]))
			if n < 0 || p+5+n > len(zl)-1 || p+5+n < p {
				return errZiplist
			}
			elem = zl[p+5 : p+5+n]
			p += 5 + n
		default:
			var v int64
			w := 0
			switch b {
			case 0xC0:
				w = 2
			case 0xD0:
				w = 4
			case 0xE0:
				w = 8
			case 0xF0:
				w = 3
			case 0xFE:
				w = 1
			default:
				if b >= 0xF1 && b <= 0xFD {
					v = int64(b&0x0f) - 1
				} else {
					return errZiplist
				}
			}
			if w > 0 {
				if p+1+w > len(zl)-1 {
					return errZiplist
				}
				var u uint64
				for i := w - 1; i >= 0; i-- {
					u = u<<8 | uint64(zl[p+1+i])
				}
				shift := uint(64 - 8*w)
				v = int64(u<<shift) >> shift
			}
			elem = strconv.AppendInt(num[:0], v, 10)
			p += 1 + w
		}
		if p >= len(zl) {
			return errZiplist
		}
		if err := fn(elem); err != nil {
			return err
		}
	}
	if p != len(zl)-1 {
		return errZiplist
	}
	return nil
}

// parseIntset walks an intset (intset.c): encoding width, count, then the
// integers, little-endian.
func parseIntset(is []byte, fn func(elem []byte) error) error {
	if len(is) < 8 {
		return errIntset
	}
	w := int(binary.LittleEndian.Uint32(is))
	n := int(binary.LittleEndian.Uint32(is[4:]))
	if (w != 2 && w != 4 && w != 8) || n < 0 || len(is) != 8+w*n {
		return errIntset
	}
	var num [20]byte
	for i := 0; i < n; i++ {
		p := is[8+i*w:]
		var v int64
		switch w {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if err := fn(strconv.AppendInt(num[:0], v, 10)); err != nil {
			return err
		}
	}
	return nil
}

// parseZipmap walks a zipmap (zipmap.c, Redis 2.x hashes): a count byte,
// then key, value (with trailing free bytes) pairs, then 0xFF.
func parseZipmap(zm []byte, fn func(field, value []byte) error) error {
	if len(zm) < 2 || zm[len(zm)-1] != 0xFF {
		return errZipmap
	}
	p := 1
	readLen := func() (int, bool) {
		if p >= len(zm) {
			return 0, false
		}
		b := zm[p]
		if b < 254 {
			p++
			return int(b), true
		}
		if b == 254 && p+5 <= len(zm) {
			n := int(binary.LittleEndian.Uint32(zm[p+1:]))
			p += 5
			return n, n >= 0
		}
		return 0, false
	}
	for p < len(zm) && zm[p] != 0xFF {
		kl, ok := readLen()
		if !ok || p+kl > len(zm) {
			return errZipmap
		}
		key := zm[p : p+kl]
		p += kl
		vl, ok := readLen()
		if !ok || p >= len(zm) {
			return errZipmap
		}
		free := int(zm[p])
		p++
		if p+vl+free > len(zm)-1 {
			return errZipmap
		}
		val := zm[p : p+vl]
		p += vl + free
		if err := fn(key, val); err != nil {
			return err
		}
	}
	if p != len(zm)-1 {
		return errZipmap
	}
	return nil
}
