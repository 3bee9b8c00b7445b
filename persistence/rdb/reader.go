package rdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Handler receives what a file holds, in order.
type Handler interface {
	// Aux is an auxiliary field (redis-ver, ctime, aof-base, ...).
	Aux(key, value []byte) error
	// Entry is a key and its value. e and its slices are not reused.
	Entry(e *Entry) error
}

// ErrChecksum means the file's CRC-64 trailer does not match its contents.
var ErrChecksum = errors.New("RDB checksum mismatch")

// CorruptError locates a problem in a file.
type CorruptError struct {
	Offset int64
	Msg    string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt RDB at byte %d: %s", e.Offset, e.Msg)
}

// maxChunk bounds each allocation made while reading an announced length:
// a corrupt length cannot make the reader allocate more than the bytes that
// really follow, plus one chunk.
const maxChunk = 1 << 20

// reader tracks position and checksum over the input.
type reader struct {
	r   *bufio.Reader
	off int64
	crc uint64
	buf [8]byte
}

func (rd *reader) fail(format string, args ...any) error {
	return &CorruptError{Offset: rd.off, Msg: fmt.Sprintf(format, args...)}
}

func (rd *reader) readFull(p []byte) error {
	n, err := io.ReadFull(rd.r, p)
	rd.crc = UpdateCRC64(rd.crc, p[:n])
	rd.off += int64(n)
	if err != nil {
		return rd.fail("unexpected end of file")
	}
	return nil
}

func (rd *reader) byte() (byte, error) {
	if err := rd.readFull(rd.buf[:1]); err != nil {
		return 0, err
	}
	return rd.buf[0], nil
}

// readBytes reads n bytes without trusting n for the allocation size.
func (rd *reader) readBytes(n uint64) ([]byte, error) {
	if n > math.MaxInt32*4 {
		return nil, rd.fail("length %d out of range", n)
	}
	out := make([]byte, 0, min(n, maxChunk))
	for uint64(len(out)) < n {
		k := min(n-uint64(len(out)), maxChunk)
		start := len(out)
		out = append(out, make([]byte, k)...)
		if err := rd.readFull(out[start:]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// length reads an RDB length; special is set for the 11xxxxxx string
// encodings, with the value being the encoding type.
func (rd *reader) length() (n uint64, special bool, err error) {
	b, err := rd.byte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case 0:
		return uint64(b & 0x3f), false, nil
	case 1:
		b2, err := rd.byte()
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case 3:
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case 0x80:
		if err := rd.readFull(rd.buf[:4]); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(rd.buf[:4])), false, nil
	case 0x81:
		if err := rd.readFull(rd.buf[:8]); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(rd.buf[:8]), false, nil
	}
	return 0, false, rd.fail("unknown length encoding 0x%02x", b)
}

func (rd *reader) plainLength() (uint64, error) {
	n, special, err := rd.length()
	if err == nil && special {
		err = rd.fail("unexpected string encoding where a length was expected")
	}
	return n, err
}

// str reads a string in any of its encodings.
func (rd *reader) str() ([]byte, error) {
	n, special, err := rd.length()
	if err != nil {
		return nil, err
	}
	if !special {
		return rd.readBytes(n)
	}
	switch n {
	case 0, 1, 2: // 8, 16, 32-bit integers, little-endian
		w := 1 << n
		if err := rd.readFull(rd.buf[:w]); err != nil {
			return nil, err
		}
		var v int64
		switch w {
		case 1:
			v = int64(int8(rd.buf[0]))
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(rd.buf[:2])))
		default:
			v = int64(int32(binary.LittleEndian.Uint32(rd.buf[:4])))
		}
		return strconv.AppendInt(nil, v, 10), nil
	case 3: // LZF
		clen, err := rd.plainLength()
		if err != nil {
			return nil, err
		}
		ulen, err := rd.plainLength()
		if err != nil {
			return nil, err
		}
		comp, err := rd.readBytes(clen)
		if err != nil {
			return nil, err
		}
		// A compressed run expands at most 264/3 times: a larger claimed
		// size is corrupt, and must not be allocated.
		if ulen > clen*90+64 {
			return nil, rd.fail("LZF length %d too large for %d compressed bytes", ulen, clen)
		}
		out, err := lzfDecompress(comp, int(ulen))
		if err != nil {
			return nil, rd.fail("%v", err)
		}
		return out, nil
	}
	return nil, rd.fail("unknown string encoding %d", n)
}

// binaryDouble reads an 8-byte little-endian IEEE double (ZSET_2 scores).
func (rd *reader) binaryDouble() (float64, error) {
	if err := rd.readFull(rd.buf[:8]); err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(rd.buf[:8])), nil
}

// stringDouble reads the old length-prefixed text double (ZSET scores).
func (rd *reader) stringDouble() (float64, error) {
	n, err := rd.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b := make([]byte, n)
	if err := rd.readFull(b); err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, rd.fail("bad double %q", b)
	}
	return f, nil
}

// Load reads a whole RDB file from r, calling h for what it contains.
func Load(r io.Reader, h Handler) error {
	rd := &reader{r: bufio.NewReaderSize(r, 64*1024)}
	var magic [9]byte
	if err := rd.readFull(magic[:]); err != nil {
		return err
	}
	if string(magic[:5]) != "REDIS" {
		return rd.fail("wrong signature trying to load DB from file")
	}
	ver, err := strconv.Atoi(string(magic[5:]))
	if err != nil || ver < 1 || ver > Version {
		return rd.fail("can't handle RDB format version %s", magic[5:])
	}
	return rd.body(h, ver)
}

func (rd *reader) body(h Handler, ver int) error {
	db := 0
	e := &Entry{Idle: -1, Freq: -1}
	for {
		op, err := rd.byte()
		if err != nil {
			return err
		}
		switch op {
		case opExpireTime:
			if err := rd.readFull(rd.buf[:4]); err != nil {
				return err
			}
			e.ExpireMs = int64(int32(binary.LittleEndian.Uint32(rd.buf[:4]))) * 1000
			continue
		case opExpireTimeMs:
			if err := rd.readFull(rd.buf[:8]); err != nil {
				return err
			}
			e.ExpireMs = int64(binary.LittleEndian.Uint64(rd.buf[:8]))
			continue
		case opFreq:
			b, err := rd.byte()
			if err != nil {
				return err
			}
			e.Freq = int(b)
			continue
		case opIdle:
			n, err := rd.plainLength()
			if err != nil {
				return err
			}
			e.Idle = int64(n)
			continue
		case opEOF:
			if ver >= 5 {
				want := rd.crc
				if err := rd.readFull(rd.buf[:8]); err != nil {
					return err
				}
				got := binary.LittleEndian.Uint64(rd.buf[:8])
				if got != 0 && got != want {
					return ErrChecksum
				}
			}
			return nil
		case opSelectDB:
			n, err := rd.plainLength()
			if err != nil {
				return err
			}
			if n > math.MaxInt32 {
				return rd.fail("database number %d out of range", n)
			}
			db = int(n)
			continue
		case opResizeDB:
			if _, err := rd.plainLength(); err != nil {
				return err
			}
			if _, err := rd.plainLength(); err != nil {
				return err
			}
			continue
		case opAux:
			k, err := rd.str()
			if err != nil {
				return err
			}
			v, err := rd.str()
			if err != nil {
				return err
			}
			if err := h.Aux(k, v); err != nil {
				return err
			}
			continue
		case opModuleAux:
			return rd.fail("module data is not supported")
		case opFunction2:
			// Function libraries (Lua code): Ember has no scripting yet.
			if _, err := rd.str(); err != nil {
				return err
			}
			continue
		case opFunction:
			return rd.fail("pre-release function format is not supported")
		}
		key, err := rd.str()
		if err != nil {
			return err
		}
		v, err := rd.value(op)
		if err != nil {
			if ce, ok := err.(*CorruptError); ok {
				ce.Msg = fmt.Sprintf("key %q: %s", key, ce.Msg)
			}
			return err
		}
		e.DB, e.Key, e.Value = db, key, v
		if v.Len() > 0 { // Redis skips empty collections in corrupt files
			if err := h.Entry(e); err != nil {
				return err
			}
		}
		e = &Entry{Idle: -1, Freq: -1}
	}
}

// value reads one value of RDB type t.
func (rd *reader) value(t byte) (Value, error) {
	var v Value
	collect := func(elem []byte) error {
		v.Elems = append(v.Elems, append([]byte(nil), elem...))
		return nil
	}
	switch t {
	case typeString:
		v.Kind = KindString
		s, err := rd.str()
		v.Str = s
		return v, err
	case typeList, typeSet:
		v.Kind = KindList
		if t == typeSet {
			v.Kind = KindSet
		}
		n, err := rd.plainLength()
		if err != nil {
			return v, err
		}
		for i := uint64(0); i < n; i++ {
			s, err := rd.str()
			if err != nil {
				return v, err
			}
			v.Elems = append(v.Elems, s)
		}
		return v, nil
	case typeZSet, typeZSet2:
		v.Kind = KindZSet
		n, err := rd.plainLength()
		if err != nil {
			return v, err
		}
		for i := uint64(0); i < n; i++ {
			m, err := rd.str()
			if err != nil {
				return v, err
			}
			var score float64
			if t == typeZSet2 {
				score, err = rd.binaryDouble()
			} else {
				score, err = rd.stringDouble()
			}
			if err != nil {
				return v, err
			}
			if math.IsNaN(score) {
				return v, rd.fail("zset score is NaN")
			}
			v.ZSet = append(v.ZSet, ZMember{Member: m, Score: score})
		}
		return v, nil
	case typeHash:
		v.Kind = KindHash
		n, err := rd.plainLength()
		if err != nil {
			return v, err
		}
		for i := uint64(0); i < n; i++ {
			f, err := rd.str()
			if err != nil {
				return v, err
			}
			val, err := rd.str()
			if err != nil {
				return v, err
			}
			v.Pairs = append(v.Pairs, [2][]byte{f, val})
		}
		return v, nil
	case typeListQuicklist, typeListQuicklist2:
		v.Kind = KindList
		n, err := rd.plainLength()
		if err != nil {
			return v, err
		}
		for i := uint64(0); i < n; i++ {
			container := uint64(2) // packed
			if t == typeListQuicklist2 {
				if container, err = rd.plainLength(); err != nil {
					return v, err
				}
				if container != 1 && container != 2 {
					return v, rd.fail("quicklist integrity check failed")
				}
			}
			node, err := rd.str()
			if err != nil {
				return v, err
			}
			switch {
			case container == 1: // a plain node holds one large element
				v.Elems = append(v.Elems, node)
			case t == typeListQuicklist2:
				err = parseListpack(node, collect)
			default:
				err = parseZiplist(node, collect)
			}
			if err != nil {
				return v, rd.fail("%v", err)
			}
		}
		return v, nil
	case typeListZiplist, typeSetIntset, typeSetListpack, typeZSetZiplist, typeZSetListpack, typeHashZiplist, typeHashListpack, typeHashZipmap:
		blob, err := rd.str()
		if err != nil {
			return v, err
		}
		v, err = decodeBlob(t, blob)
		if err != nil {
			return v, rd.fail("%v", err)
		}
		v.Packed = t != typeHashZipmap
		return v, nil
	case typeStreamLP, typeStreamLP2:
		return v, rd.fail("streams are not supported")
	case typeModule, typeModule2:
		return v, rd.fail("module values are not supported")
	}
	return v, rd.fail("unknown value type %d", t)
}

var errOddPairs = errors.New("odd number of elements in a pair encoding")

// decodeBlob decodes the single-string encodings.
func decodeBlob(t byte, blob []byte) (Value, error) {
	var v Value
	var flat [][]byte
	collect := func(elem []byte) error {
		flat = append(flat, append([]byte(nil), elem...))
		return nil
	}
	var err error
	switch t {
	case typeListZiplist:
		v.Kind = KindList
		err = parseZiplist(blob, collect)
		v.Elems = flat
	case typeSetIntset:
		v.Kind = KindSet
		err = parseIntset(blob, collect)
		v.Elems = flat
	case typeSetListpack:
		v.Kind = KindSet
		err = parseListpack(blob, collect)
		v.Elems = flat
	case typeHashZipmap:
		v.Kind = KindHash
		err = parseZipmap(blob, func(f, val []byte) error {
			v.Pairs = append(v.Pairs, [2][]byte{append([]byte(nil), f...), append([]byte(nil), val...)})
			return nil
		})
	case typeHashZiplist, typeHashListpack:
		v.Kind = KindHash
		if t == typeHashZiplist {
			err = parseZiplist(blob, collect)
		} else {
			err = parseListpack(blob, collect)
		}
		if err == nil && len(flat)%2 != 0 {
			err = errOddPairs
		}
		for i := 0; err == nil && i < len(flat); i += 2 {
			v.Pairs = append(v.Pairs, [2][]byte{flat[i], flat[i+1]})
		}
	case typeZSetZiplist, typeZSetListpack:
		v.Kind = KindZSet
		if t == typeZSetZiplist {
			err = parseZiplist(blob, collect)
		} else {
			err = parseListpack(blob, collect)
		}
		if err == nil && len(flat)%2 != 0 {
			err = errOddPairs
		}
		for i := 0; err == nil && i < len(flat); i += 2 {
			score, perr := strconv.ParseFloat(string(flat[i+1]), 64)
			if perr != nil || math.IsNaN(score) {
				err = fmt.Errorf("bad score %q", flat[i+1])
				break
			}
			v.ZSet = append(v.ZSet, ZMember{Member: flat[i], Score: score})
		}
	}
	return v, err
}

func newBytesReader(p []byte) *reader {
	return &reader{r: bufio.NewReader(bytes.NewReader(p))}
}
