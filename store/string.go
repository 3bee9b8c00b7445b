package store

import (
	"math/big"
	"strconv"
)

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
	// Most numbers (every protocol length, most counters) are positive
	// and under 19 digits, which cannot overflow.
	if len(b) < 19 && len(b) > 0 && b[0]-'1' < 9 {
		var v int64
		for _, c := range b {
			c -= '0'
			if c > 9 {
				return 0, false
			}
			v = v*10 + int64(c)
		}
		return v, true
	}
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
	switch {
	case !ok && len(val) <= inlineMax:
		ks, hash := tx.keyspace(tx.db, key)
		r = ref{ks: ks, h: ks.createString(key, hash, val, enc)}
	case !ok:
		ks, hash := tx.keyspace(tx.db, key)
		r = ref{ks: ks, h: ks.create(key, hash, TypeString)}
		r.ks.setString(r.h, val, enc)
	default:
		if r.meta().typ != TypeString {
			r.ks.releaseValue(r.meta())
		}
		r.ks.setString(r.h, val, enc)
	}
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

// embstrOrRaw is the encoding of a string object Redis creates from a
// buffer without trying the integer form (createStringObject).
func embstrOrRaw(n int) Encoding {
	if n <= embstrMax {
		return EncEmbstr
	}
	return EncRaw
}

// growCap is the capacity given to a value that grows in place, as Redis's
// sdsMakeRoomFor: double below 1 MB, then 1 MB more.
func growCap(n int) int {
	const mb = 1 << 20
	if n < mb {
		return 2 * n
	}
	return n + mb
}

// growString makes h's string value at least n bytes long, zero padded,
// marks it raw (Redis unshares and modifies it in place) and returns the
// whole value for the caller to modify. Small values stay in the arena;
// larger ones get their own buffer with spare capacity, so repeated growth
// (APPEND in a loop) costs amortised O(1) per byte, as with sds.
func (ks *keyspace) growString(h uint32, n int) []byte {
	ks.beforeWrite(h)
	m := &ks.metas[h]
	m.enc = EncRaw
	if m.inline {
		cur := ks.stringValue(h)
		if n <= len(cur) {
			return cur
		}
		if n <= inlineMax {
			var tmp [inlineMax]byte
			copy(tmp[:], cur)
			ks.setString(h, tmp[:n], EncRaw)
			return ks.stringValue(h)
		}
		capacity := n
		if len(cur) > 0 {
			capacity = growCap(n)
		}
		p := newBigString(n, capacity)
		copy(p.bytes(), cur) // before setBigString, which may compact the arena
		ks.setBigString(h, p, EncRaw)
		return p.bytes()
	}
	p := ks.objs[m.val].(*bigString)
	if old := p.n; n > old {
		if n <= p.cap {
			p.n = n
			clear(p.bytes()[old:])
		} else {
			q := newBigString(n, growCap(n))
			copy(q.bytes(), p.bytes())
			ks.objs[m.val] = q
			p = q
		}
		ks.measureObj(m.val)
	}
	return p.bytes()
}

// setBig stores p (over inlineMax bytes, which the store takes over) as
// the string value of a new or existing key with encoding enc, dropping any
// expiry: BITOP's result.
func (tx *Tx) setBig(key []byte, p *bigString, enc Encoding) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		ks, hash := tx.keyspace(tx.db, key)
		r = ref{ks: ks, h: ks.create(key, hash, TypeString)}
	} else if r.meta().typ != TypeString {
		r.ks.releaseValue(r.meta())
	}
	r.ks.setBigString(r.h, p, enc)
	r.ks.setExpire(r.h, 0)
}

// stringForWrite returns key's string value grown to at least n bytes (zero
// padded) for modification in place, creating the key when absent, as
// Redis's lookupStringForBitCommand and SETRANGE do. grown reports whether
// the key was created or lengthened. Callers check n against the size limit
// first.
func (tx *Tx) stringForWrite(key []byte, n int) (val []byte, grown bool, err error) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		ks, hash := tx.keyspace(tx.db, key)
		h := ks.create(key, hash, TypeString)
		ks.metas[h].enc = EncRaw
		if n > inlineMax {
			// A new value gets exactly its size, as sdsnewlen does.
			ks.setBigString(h, newBigString(n, n), EncRaw)
		}
		return ks.growString(h, n), true, nil
	}
	if r.meta().typ != TypeString {
		return nil, false, ErrWrongType
	}
	old := len(r.ks.stringValue(r.h))
	val = r.ks.growString(r.h, n)
	return val, len(val) != old, nil
}

// checkLen is Redis's checkStringLength: size+add must not exceed max.
func checkLen(size, add, max int64) error {
	total := uint64(size) + uint64(add)
	if total > uint64(max) || int64(total) < size || int64(total) < add {
		return ErrTooLarge
	}
	return nil
}

// Append appends val to key's string (creating it as SET would) and returns
// the new length. The result may not exceed maxLen bytes (ErrTooLarge).
func (tx *Tx) Append(key, val []byte, maxLen int64) (int, error) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		tx.SetStringEnc(key, val, StringEncoding(val), 0, true)
		return len(val), nil
	}
	if r.meta().typ != TypeString {
		return 0, ErrWrongType
	}
	old := len(r.ks.stringValue(r.h))
	if err := checkLen(int64(old), int64(len(val)), maxLen); err != nil {
		return 0, err
	}
	buf := r.ks.growString(r.h, old+len(val))
	copy(buf[old:], val)
	return len(buf), nil
}

// SetRange overwrites key's string at offset with val, zero padding as
// needed, and returns the new length; changed reports whether anything was
// written. An empty val changes nothing (and creates no key). The result may
// not exceed maxLen bytes (ErrTooLarge). offset must not be negative.
func (tx *Tx) SetRange(key []byte, offset int64, val []byte, maxLen int64) (n int, changed bool, err error) {
	r, ok := tx.find(tx.db, key)
	if ok && r.meta().typ != TypeString {
		return 0, false, ErrWrongType
	}
	if len(val) == 0 {
		if !ok {
			return 0, false, nil
		}
		return len(r.ks.stringValue(r.h)), false, nil
	}
	if err := checkLen(offset, int64(len(val)), maxLen); err != nil {
		return 0, false, err
	}
	buf, _, err := tx.stringForWrite(key, int(offset)+len(val))
	if err != nil {
		return 0, false, err
	}
	copy(buf[offset:], val)
	return len(buf), true, nil
}

// IncrByFloat adds incr to key's value (0 when absent) in long double
// arithmetic, as Redis's INCRBYFLOAT, stores the result formatted as Redis
// formats it and returns it (aliasing store memory). Errors: ErrWrongType,
// ErrNotFloat for a value or increment that is not a float, ErrNaN when the
// result is not finite. Any expiry stays.
func (tx *Tx) IncrByFloat(key, incr []byte) ([]byte, error) {
	r, ok := tx.find(tx.db, key)
	cur := new(big.Float).SetPrec(longDoubleMant)
	if ok {
		if r.meta().typ != TypeString {
			return nil, ErrWrongType
		}
		v, valid := ParseLongDouble(r.ks.stringValue(r.h))
		if !valid {
			return nil, ErrNotFloat
		}
		cur = v
	}
	inc, valid := ParseLongDouble(incr)
	if !valid {
		return nil, ErrNotFloat
	}
	sum, finite := AddLongDouble(cur, inc)
	if !finite {
		return nil, ErrNaN
	}
	var buf [64]byte
	out := AppendLongDouble(buf[:0], sum)
	tx.SetStringEnc(key, out, embstrOrRaw(len(out)), 0, true)
	v, _, _ := tx.GetString(key)
	return v, nil
}
