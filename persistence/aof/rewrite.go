package aof

import (
	"math"
	"strconv"

	"github.com/ember-kv/ember/store"
)

// Writing a dataset as commands (aof-use-rdb-preamble no), as Redis's
// rewriteAppendOnlyFileRio: SET for strings; RPUSH, SADD, ZADD and HMSET
// for collections, at most 64 items per command; then PEXPIREAT for a key
// with an expiry.

// itemsPerCmd is Redis's AOF_REWRITE_ITEMS_PER_CMD.
const itemsPerCmd = 64

// AppendEntry appends the commands that rebuild e (a store.SnapEncoder).
func AppendEntry(dst []byte, e *store.Entry) []byte {
	v := &e.Value
	switch v.Type() {
	case store.TypeString:
		dst = appendHeader(dst, 3, "SET", e.Key)
		dst = AppendBulk(dst, v.Str())
	case store.TypeList, store.TypeSet:
		name := "RPUSH"
		if v.Type() == store.TypeSet {
			name = "SADD"
		}
		left, n := v.Len(), 0
		v.Members(func(m []byte) {
			if n == 0 {
				dst = appendHeader(dst, 2+min(left, itemsPerCmd), name, e.Key)
			}
			dst = AppendBulk(dst, m)
			left--
			if n++; n == itemsPerCmd {
				n = 0
			}
		})
	case store.TypeZSet:
		left, n := v.Len(), 0
		var num []byte
		v.Scored(func(m []byte, score float64) {
			if n == 0 {
				dst = appendHeader(dst, 2+2*min(left, itemsPerCmd), "ZADD", e.Key)
			}
			num = FormatScore(num[:0], score)
			dst = AppendBulk(dst, num)
			dst = AppendBulk(dst, m)
			left--
			if n++; n == itemsPerCmd {
				n = 0
			}
		})
	case store.TypeHash:
		left, n := v.Len(), 0
		v.Pairs(func(f, val []byte) {
			if n == 0 {
				dst = appendHeader(dst, 2+2*min(left, itemsPerCmd), "HMSET", e.Key)
			}
			dst = AppendBulk(dst, f)
			dst = AppendBulk(dst, val)
			left--
			if n++; n == itemsPerCmd {
				n = 0
			}
		})
	}
	if e.Expire != 0 {
		dst = appendHeader(dst, 3, "PEXPIREAT", e.Key)
		dst = AppendBulk(dst, strconv.AppendInt(nil, e.Expire, 10))
	}
	return dst
}

func appendHeader(dst []byte, argc int, name string, key []byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(argc), 10)
	dst = append(dst, '\r', '\n')
	dst = AppendBulk(dst, []byte(name))
	return AppendBulk(dst, key)
}

// FormatScore formats a score as C's "%.17g" (Redis's rioWriteBulkDouble).
func FormatScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
