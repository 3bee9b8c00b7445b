package persistence

import (
	"errors"

	"github.com/ember-kv/ember/persistence/rdb"
	"github.com/ember-kv/ember/store"
)

// DUMP and RESTORE payloads.

// Dump serialises v as DUMP does: the value in RDB form, the RDB version and
// a CRC-64. Strings are LZF-compressed when it helps, as Redis's DUMP does
// (it follows rdbcompression).
func Dump(v *store.ValueView, compress bool) []byte {
	out := AppendValue(nil, v, compress)
	return rdb.AppendDumpFooter(out)
}

// Payload errors, in RESTORE's words.
var (
	ErrBadPayload = errors.New("ERR DUMP payload version or checksum are wrong")
	ErrBadData    = errors.New("ERR Bad data format")
)

// Undump checks and decodes a DUMP payload into a store value.
func Undump(st *store.Store, payload []byte) (store.Value, error) {
	v, err := rdb.DecodeDump(payload)
	if err == rdb.ErrBadPayload {
		return store.Value{}, ErrBadPayload
	}
	if err != nil || v.Len() == 0 {
		return store.Value{}, ErrBadData
	}
	sv, err := NewValue(st, &v)
	if err != nil {
		return store.Value{}, ErrBadData
	}
	return sv, nil
}
