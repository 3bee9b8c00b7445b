package rdb

import (
	"bytes"
	"testing"
)

// Fuzz targets for every parser: none may panic or allocate without bound
// on any input.

func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf, true)
	w.SelectDB(0, 1, 0)
	for _, e := range sampleEntries() {
		e := e
		w.Entry(&e)
	}
	_ = w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("REDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c collector
		_ = Load(bytes.NewReader(data), &c)
	})
}

func FuzzDecodeDump(f *testing.F) {
	for _, e := range sampleEntries() {
		f.Add(EncodeDump(&e.Value))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		_, _ = DecodeDump(p)
		// Without the checksum in the way, exercise the value parsers.
		if len(p) > 0 {
			rd := newBytesReader(p)
			_, _ = rd.value(p[0] % 21)
		}
	})
}

func FuzzBlobs(f *testing.F) {
	f.Add(byte(typeHashListpack), []byte{0x0d, 0, 0, 0, 2, 0, 0x81, 'a', 2, 0x01, 1, 0xff})
	f.Add(byte(typeSetIntset), []byte{2, 0, 0, 0, 1, 0, 0, 0, 5, 0})
	f.Add(byte(typeListZiplist), []byte{0x0d, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xf2, 0xff})
	f.Add(byte(typeHashZipmap), []byte{1, 1, 'a', 1, 0, 'b', 0xff})
	f.Fuzz(func(t *testing.T, typ byte, blob []byte) {
		_, _ = decodeBlob([]byte{typeListZiplist, typeSetIntset, typeSetListpack, typeZSetZiplist, typeZSetListpack, typeHashZiplist, typeHashListpack, typeHashZipmap}[typ%8], blob)
	})
}
