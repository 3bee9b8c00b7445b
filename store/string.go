package store

import "strconv"

// String values. Values up to inlineMax bytes live in the shard's arena;
// larger ones in their own allocation. The encoding reported by OBJECT
// ENCODING follows Redis: "int" for canonical integers, "embstr" up to 44
// bytes, "raw" beyond that and for strings modified in place.

// embstrMax is Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
const embstrMax = 44

// StringEncoding returns the encoding Redis gives a freshly stored value.
func StringEncoding(val []byte) Encoding {
	if len(val) <= 20 {
		if _, ok := ParseInt(val); ok {
			return EncInt
		}
	}
	if len(val) <= embstrMax {
		return EncEmbstr
	}
	return EncRaw
}

// ParseInt parses b as Redis's string2ll does: optional '-', decimal digits,
// no leading zeros, no sign on zero, no spaces, within int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// GetString returns key's string value. The slice aliases store memory: use
// it before the next write under this Tx and before unlocking.
func (tx *Tx) GetString(key []byte) (val []byte, ok bool, err error) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return nil, false, nil
	}
	if r.meta().typ != TypeString {
		return nil, false, ErrWrongType
	}
	return r.ks.stringValue(r.h), true, nil
}

// SetString stores val under key whatever was there before, as SET does.
// With keepTTL an existing expiry stays; otherwise expireAt (unix ms, 0 for
// none) becomes the key's expiry. The store copies val.
func (tx *Tx) SetString(key, val []byte, expireAt int64, keepTTL bool) {
	tx.SetStringEnc(key, val, StringEncoding(val), expireAt, keepTTL)
}

// SetStringEnc is SetString with an explicit encoding, for commands that
// produce a specific one (APPEND and SETRANGE give "raw").
func (tx *Tx) SetStringEnc(key, val []byte, enc Encoding, expireAt int64, keepTTL bool) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		ks, hash := tx.keyspace(tx.db, key)
		r = ref{ks: ks, h: ks.create(key, hash, TypeString)}
	} else if r.meta().typ != TypeString {
		r.ks.releaseValue(r.meta())
	}
	r.ks.setString(r.h, val, enc)
	if !keepTTL {
		r.ks.setExpire(r.h, expireAt)
	}
}

// IncrBy adds delta to the integer stored at key (0 when absent) and returns
// the result, keeping any expiry.
func (tx *Tx) IncrBy(key []byte, delta int64) (int64, error) {
	r, ok := tx.find(tx.db, key)
	var cur int64
	if ok {
		if r.meta().typ != TypeString {
			return 0, ErrWrongType
		}
		v, isInt := ParseInt(r.ks.stringValue(r.h))
		if !isInt {
			return 0, ErrNotInteger
		}
		cur = v
	}
	if (delta < 0 && cur < 0 && delta < -1<<63-cur) || (delta > 0 && cur > 0 && delta > 1<<63-1-cur) {
		return 0, ErrOverflow
	}
	cur += delta
	var buf [20]byte
	val := strconv.AppendInt(buf[:0], cur, 10)
	if !ok {
		ks, hash := tx.keyspace(tx.db, key)
		r = ref{ks: ks, h: ks.create(key, hash, TypeString)}
	}
	r.ks.setString(r.h, val, EncInt)
	return cur, nil
}

// StrLen returns the length of key's string value (0 when absent).
func (tx *Tx) StrLen(key []byte) (int, error) {
	v, _, err := tx.GetString(key)
	return len(v), err
}
