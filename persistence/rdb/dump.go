package rdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
)

// DUMP payloads: one value in RDB encoding, then the RDB version as two
// little-endian bytes, then the CRC-64 of everything before, little-endian.

// ErrBadPayload is RESTORE's "DUMP payload version or checksum are wrong".
var ErrBadPayload = errors.New("DUMP payload version or checksum are wrong")

// EncodeDump serialises v as DUMP does.
func EncodeDump(v *Value) []byte {
	var buf bytes.Buffer
	w := &Writer{w: bufio.NewWriter(&buf)}
	w.byte1(valueType(v))
	w.value(v)
	var ver [2]byte
	binary.LittleEndian.PutUint16(ver[:], Version)
	w.raw(ver[:])
	var sum [8]byte
	binary.LittleEndian.PutUint64(sum[:], w.crc)
	w.raw(sum[:])
	_ = w.w.Flush()
	return buf.Bytes()
}

// DecodeDump parses a DUMP payload, checking its version and checksum.
func DecodeDump(p []byte) (Value, error) {
	if len(p) < 10 {
		return Value{}, ErrBadPayload
	}
	footer := p[len(p)-10:]
	ver := binary.LittleEndian.Uint16(footer)
	if ver > Version {
		return Value{}, ErrBadPayload
	}
	// Unlike files, a payload has no "checksum disabled" zero.
	if binary.LittleEndian.Uint64(footer[2:]) != CRC64(p[:len(p)-8]) {
		return Value{}, ErrBadPayload
	}
	// Like Redis, parse from the start of the whole payload: the value may
	// read into the footer, and bytes left over are ignored.
	rd := newBytesReader(p)
	t, err := rd.byte()
	if err != nil {
		return Value{}, err
	}
	v, err := rd.value(t)
	if err != nil {
		return Value{}, err
	}
	return v, nil
}
