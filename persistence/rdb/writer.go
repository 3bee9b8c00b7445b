package rdb

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
)

// Writer writes an RDB file: header, auxiliary fields, databases, EOF and
// the CRC-64 trailer. Values are written in the plain encodings (string,
// list, set, zset2, hash), which Redis 7.0 loads like its own, so files move
// to Redis as easily as they come from it.
type Writer struct {
	w        *bufio.Writer
	crc      uint64
	err      error
	compress bool // LZF-compress strings longer than 20 bytes when it helps
	scratch  []byte

	// NoChecksum writes 0 as the checksum (rdbchecksum no): readers skip
	// the check.
	NoChecksum bool
}

// NewWriter starts an RDB stream on w and writes the header.
func NewWriter(w io.Writer, compress bool) *Writer {
	wr := &Writer{w: bufio.NewWriterSize(w, 64*1024), compress: compress}
	wr.raw([]byte("REDIS0010"))
	return wr
}

func (w *Writer) raw(p []byte) {
	if w.err != nil {
		return
	}
	w.crc = UpdateCRC64(w.crc, p)
	_, w.err = w.w.Write(p)
}

func (w *Writer) byte1(b byte) { w.raw([]byte{b}) }

// length writes an RDB length.
func (w *Writer) length(n uint64) {
	var b [9]byte
	switch {
	case n < 1<<6:
		w.raw([]byte{byte(n)})
	case n < 1<<14:
		w.raw([]byte{0x40 | byte(n>>8), byte(n)})
	case n <= math.MaxUint32:
		b[0] = 0x80
		binary.BigEndian.PutUint32(b[1:], uint32(n))
		w.raw(b[:5])
	default:
		b[0] = 0x81
		binary.BigEndian.PutUint64(b[1:], n)
		w.raw(b[:9])
	}
}

// String writes s, integer-encoded when it is a small canonical integer and
// LZF-compressed when that saves space, as Redis does.
func (w *Writer) String(s []byte) {
	w.scratch = AppendString(w.scratch[:0], s, w.compress)
	w.raw(w.scratch)
}

// Aux writes an auxiliary field.
func (w *Writer) Aux(key, value string) {
	w.byte1(opAux)
	w.String([]byte(key))
	w.String([]byte(value))
}

// SelectDB starts database db, with its key and expiry counts as a sizing hint.
func (w *Writer) SelectDB(db int, keys, expires uint64) {
	w.byte1(opSelectDB)
	w.length(uint64(db))
	w.byte1(opResizeDB)
	w.length(keys)
	w.length(expires)
}

// Entry writes a key and its value (and its expiry, idle time or LFU counter
// when set).
func (w *Writer) Entry(e *Entry) {
	if e.ExpireMs != 0 {
		var b [9]byte
		b[0] = opExpireTimeMs
		binary.LittleEndian.PutUint64(b[1:], uint64(e.ExpireMs))
		w.raw(b[:])
	}
	if e.Idle >= 0 {
		w.byte1(opIdle)
		w.length(uint64(e.Idle))
	}
	if e.Freq >= 0 {
		w.raw([]byte{opFreq, byte(e.Freq)})
	}
	w.byte1(valueType(&e.Value))
	w.String(e.Key)
	w.value(&e.Value)
}

func valueType(v *Value) byte {
	switch v.Kind {
	case KindList:
		return typeList
	case KindSet:
		return typeSet
	case KindZSet:
		return typeZSet2
	case KindHash:
		return typeHash
	}
	return typeString
}

func (w *Writer) value(v *Value) {
	switch v.Kind {
	case KindString:
		w.String(v.Str)
	case KindList, KindSet:
		w.length(uint64(len(v.Elems)))
		for _, e := range v.Elems {
			w.String(e)
		}
	case KindZSet:
		w.length(uint64(len(v.ZSet)))
		var b [8]byte
		for _, m := range v.ZSet {
			w.String(m.Member)
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(m.Score))
			w.raw(b[:])
		}
	case KindHash:
		w.length(uint64(len(v.Pairs)))
		for _, p := range v.Pairs {
			w.String(p[0])
			w.String(p[1])
		}
	}
}

// Close writes EOF and the checksum and flushes. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	w.byte1(opEOF)
	var b [8]byte
	if !w.NoChecksum {
		binary.LittleEndian.PutUint64(b[:], w.crc)
	}
	w.raw(b[:])
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Err reports the first write error.
func (w *Writer) Err() error { return w.err }
