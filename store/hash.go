package store

import (
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"unsafe"
)

// Hash values (t_hash.c).
//
// A small hash is one byte buffer of field/value pairs, Redis's listpack in
// spirit: a 4-byte little-endian header holding the buffer's length (header
// included, Redis's total-bytes), then for each pair the field and the value,
// each a uvarint length followed by the bytes. Lookups scan it linearly;
// pairs keep insertion order, as in Redis, so replies of small hashes match
// Redis's element order. No per-field allocation, no pointers. The pair
// count is not stored (it would cost a size class on the common small
// hash): HLEN walks the buffer, bounded by hash-max-listpack-entries, as
// Redis's lpLength walks a listpack past 65535 entries.
//
// A hash converts to a strTable ("hashtable") when its number of pairs
// exceeds hash-max-listpack-entries or a field or value longer than
// hash-max-listpack-value is written; the limits are read when the hash
// grows, so CONFIG SET applies to the next write. As in Redis 7.0 a hash
// never converts back.

// Hash is a hash value. Read it through the methods below; write it only
// through Tx methods.
//
// Ten million small hashes are a common dataset, so a *Hash points at the
// value's one allocation: the Hash is the 4-byte header of either the
// compact buffer (its capacity is compactCap of its length, see intset.go)
// or a strTable, whose first field it is, holding hashBig. A nil *Hash is
// the empty hash. Writers work on a hashW and store the packed result back
// under the key (putHash), since a reallocated buffer is a new *Hash.
type Hash struct {
	hdr uint32
}

const hashBig = ^uint32(0)

// lpMaxSafe is Redis's LISTPACK_MAX_SAFETY_SIZE: a write that would grow
// the compact buffer beyond it converts to the table first (which also keeps
// the buffer's length within 32 bits).
const lpMaxSafe = 1 << 30

// table returns the big encoding, nil for the compact one.
func (h *Hash) table() *strTable {
	if h != nil && h.hdr == hashBig {
		return (*strTable)(unsafe.Pointer(h))
	}
	return nil
}

// buf returns the compact buffer.
func (h *Hash) buf() []byte {
	if h == nil || h.hdr == hashBig {
		return nil
	}
	n := int(h.hdr)
	return unsafe.Slice((*byte)(unsafe.Pointer(h)), compactCap(n))[:n]
}

// Errors of the hash commands, worded as Redis words them after "ERR ".
var (
	ErrHashNotInteger = errors.New("hash value is not an integer")
	ErrHashNotFloat   = errors.New("hash value is not a float")
	ErrNaNOrInfinity  = errors.New("value is NaN or Infinity")
)

const hashHeader = 4

func newHash() collection { return (*Hash)(nil) }

// Encoding implements collection.
func (h *Hash) Encoding() Encoding {
	if h != nil && h.hdr == hashBig {
		return EncHashtable
	}
	return EncListpack
}

// Len is the number of fields.
func (h *Hash) Len() int {
	if t := h.table(); t != nil {
		return t.len()
	}
	return lpCount(h.buf())
}

// lpCount counts the pairs of a compact buffer.
func lpCount(lp []byte) int {
	n := 0
	for off := hashHeader; off < len(lp); n++ {
		_, fe := lpStr(lp, off)
		_, off = lpStr(lp, fe)
	}
	return n
}

func (h *Hash) cloneValue() collection {
	if t := h.table(); t != nil {
		return hashOfTable(t.clone())
	}
	lp := h.buf()
	if len(lp) <= hashHeader {
		return (*Hash)(nil)
	}
	c := resizeCompact(nil, len(lp))
	copy(c, lp)
	return (*Hash)(unsafe.Pointer(unsafe.SliceData(c)))
}

// hashOfTable is the Hash whose allocation is t.
func hashOfTable(t *strTable) *Hash {
	t.hdr.hdr = hashBig
	return &t.hdr
}

// lpStr decodes the string at off: its bytes lie in lp[start:end].
func lpStr(lp []byte, off int) (start, end int) {
	n, w := binary.Uvarint(lp[off:])
	start = off + w
	return start, start + int(n)
}

// lpEncSize is the encoded size of a string of length n.
func lpEncSize(n int) int {
	size := 1
	for v := n; v >= 0x80; v >>= 7 {
		size++
	}
	return size + n
}

// hashFind returns the offsets of field's pair: the pair starts at off, its
// value's length prefix at voff and its value bytes lie in [vs, ve).
func hashFind(lp, field []byte) (off, voff, vs, ve int, ok bool) {
	for off = hashHeader; off < len(lp); off = ve {
		fs, fe := lpStr(lp, off)
		voff = fe
		vs, ve = lpStr(lp, fe)
		if fe-fs == len(field) && string(lp[fs:fe]) == string(field) {
			return off, voff, vs, ve, true
		}
	}
	return 0, 0, 0, 0, false
}

// Get returns the value of field. The slice aliases store memory.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if t := h.table(); t != nil {
		return t.get(field)
	}
	lp := h.buf()
	_, _, vs, ve, ok := hashFind(lp, field)
	if !ok {
		return nil, false
	}
	return lp[vs:ve:ve], true
}

// ForEach calls fn for every pair until fn returns false. The slices alias
// store memory.
func (h *Hash) ForEach(fn func(field, value []byte) bool) {
	if t := h.table(); t != nil {
		t.forEach(fn)
		return
	}
	lp := h.buf()
	for off := hashHeader; off < len(lp); {
		fs, fe := lpStr(lp, off)
		vs, ve := lpStr(lp, fe)
		if !fn(lp[fs:fe:fe], lp[vs:ve:ve]) {
			return
		}
		off = ve
	}
}

// DataBytes is the number of field and value bytes the hash holds (about:
// the compact encoding counts its length prefixes too).
func (h *Hash) DataBytes() int {
	if t := h.table(); t != nil {
		return t.payload()
	}
	return max(len(h.buf())-hashHeader, 0)
}

// Memory estimates the bytes the value holds, for MEMORY USAGE.
func (h *Hash) Memory() int {
	if t := h.table(); t != nil {
		return int(unsafe.Sizeof(*t)) + t.memory()
	}
	return cap(h.buf())
}

// Scan visits pairs for HSCAN from cursor and returns the next cursor (0
// when done). The compact encoding is returned whole in one call, as Redis
// does; the big one visits about count pairs per call, and every pair
// present for a whole iteration is visited at least once.
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	if t := h.table(); t != nil {
		return t.scan(cursor, count, fn)
	}
	h.ForEach(func(f, v []byte) bool { fn(f, v); return true })
	return 0
}

// Random returns a uniformly chosen pair. The hash must not be empty.
func (h *Hash) Random() (field, value []byte) {
	if t := h.table(); t != nil {
		p := t.randomPos()
		return t.field(p), t.value(p)
	}
	n := rand.IntN(h.Len())
	h.ForEach(func(f, v []byte) bool {
		if n == 0 {
			field, value = f, v
			return false
		}
		n--
		return true
	})
	return field, value
}

// RandomPairs implements HRANDFIELD with a count, with Redis's rules: a
// negative count returns -count pairs chosen independently (repetition
// allowed); a positive one returns min(count, Len()) distinct pairs. fn is
// called once per pair. Work and memory are bounded by the number of pairs
// returned and the hash's size, never by count itself beyond the calls.
// fn returns false to stop early (the reply grew too big for the client).
func (h *Hash) RandomPairs(count int64, fn func(field, value []byte) bool) {
	size := h.Len()
	if count == 0 || size == 0 {
		return
	}
	if count < 0 {
		n := uint64(-count) // -count fits: count > MinInt64 is the caller's rule
		if count == -1<<63 {
			n = 1 << 63
		}
		if t := h.table(); t != nil {
			for ; n > 0; n-- {
				p := t.randomPos()
				if !fn(t.field(p), t.value(p)) {
					return
				}
			}
			return
		}
		offs := h.lpOffsets()
		more := true
		for ; n > 0 && more; n-- {
			h.lpPairAt(offs[rand.IntN(size)], func(f, v []byte) { more = fn(f, v) })
		}
		return
	}
	if count >= int64(size) {
		h.ForEach(fn)
		return
	}
	k := int(count)
	t := h.table()
	if t == nil || k*3 > size {
		// Choose k of the size positions by a partial Fisher-Yates shuffle.
		var perm []uint32
		if t == nil {
			perm = h.lpOffsets()
		} else {
			perm = make([]uint32, 0, size)
			for i := range t.ents {
				if t.live(uint32(i)) {
					perm = append(perm, uint32(i))
				}
			}
		}
		for i := 0; i < k; i++ {
			j := i + rand.IntN(size-i)
			perm[i], perm[j] = perm[j], perm[i]
			if t == nil {
				h.lpPairAt(perm[i], func(f, v []byte) { fn(f, v) })
			} else {
				fn(t.field(perm[i]), t.value(perm[i]))
			}
		}
		return
	}
	// A big table and few pairs wanted: random picks, skipping repeats.
	seen := make(map[uint32]struct{}, k)
	for len(seen) < k {
		p := t.randomPos()
		if _, dup := seen[p]; dup {
			continue
		}
		seen[p] = struct{}{}
		fn(t.field(p), t.value(p))
	}
}

// lpOffsets lists the offset of every pair of the compact encoding.
func (h *Hash) lpOffsets() []uint32 {
	lp := h.buf()
	offs := make([]uint32, 0, lpCount(lp))
	for off := hashHeader; off < len(lp); {
		offs = append(offs, uint32(off))
		_, fe := lpStr(lp, off)
		_, off = lpStr(lp, fe)
	}
	return offs
}

func (h *Hash) lpPairAt(off uint32, fn func(field, value []byte)) {
	lp := h.buf()
	fs, fe := lpStr(lp, int(off))
	vs, ve := lpStr(lp, fe)
	fn(lp[fs:fe:fe], lp[vs:ve:ve])
}

// Writing.

// hashLimits are the conversion thresholds, read when a hash grows.
type hashLimits struct{ entries, value int64 }

func (tx *Tx) hashLimits() hashLimits {
	return hashLimits{tx.st.limits.HashMaxListpackEntries.Load(), tx.st.limits.HashMaxListpackValue.Load()}
}

// hashW is a hash being changed: the compact buffer as a Go slice, whose
// header is rewritten when packed, or the table; n counts the compact
// buffer's pairs.
type hashW struct {
	lp []byte
	t  *strTable
	n  int
}

// write returns h's working form.
func (h *Hash) write() hashW {
	if t := h.table(); t != nil {
		return hashW{t: t}
	}
	lp := h.buf()
	return hashW{lp: lp, n: lpCount(lp)}
}

// pack returns the Hash for w: the compact buffer moved to an exactly sized
// allocation when its capacity is not compactCap of its length, nil when
// empty.
func (w *hashW) pack() *Hash {
	if w.t != nil {
		return hashOfTable(w.t)
	}
	if w.n == 0 {
		return nil
	}
	if cap(w.lp) != compactCap(len(w.lp)) {
		w.lp = resizeCompact(w.lp, len(w.lp))
	}
	binary.LittleEndian.PutUint32(w.lp, uint32(len(w.lp)))
	return (*Hash)(unsafe.Pointer(unsafe.SliceData(w.lp)))
}

func (w *hashW) len() int {
	if w.t != nil {
		return w.t.len()
	}
	return w.n
}

func (w *hashW) get(field []byte) ([]byte, bool) {
	if w.t != nil {
		return w.t.get(field)
	}
	_, _, vs, ve, ok := hashFind(w.lp, field)
	if !ok {
		return nil, false
	}
	return w.lp[vs:ve:ve], true
}

// convert switches to the big encoding.
func (w *hashW) convert() {
	if w.t != nil {
		return
	}
	t := newStrTable(w.n, max(len(w.lp)-hashHeader, 0))
	lp := w.lp
	for off := hashHeader; off < len(lp); {
		fs, fe := lpStr(lp, off)
		vs, ve := lpStr(lp, fe)
		t.set(lp[fs:fe], lp[vs:ve])
		off = ve
	}
	*w = hashW{t: t}
}

// lpGrow makes room for extra more bytes: capacity goes to the size class
// (compactCap), no more, since a few hundred thousand small hashes must not
// pay for doubling.
func (w *hashW) lpGrow(extra int) {
	need := max(len(w.lp), hashHeader) + extra
	if need <= cap(w.lp) {
		return
	}
	nb := make([]byte, max(len(w.lp), hashHeader), compactCap(need))
	copy(nb, w.lp)
	w.lp = nb
}

func lpAppendStr(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// set stores value under field, converting as the limits require, and
// reports whether the field is new. Like Redis's hashTypeSet it converts
// first when field or value is too long for the compact encoding.
func (w *hashW) set(field, value []byte, lim hashLimits) bool {
	if w.t == nil && (int64(len(field)) > lim.value || int64(len(value)) > lim.value) {
		w.convert()
	}
	if w.t != nil {
		return w.t.set(field, value)
	}
	added := false
	if _, voff, _, ve, ok := hashFind(w.lp, field); ok {
		w.lpReplace(voff, ve, value)
	} else {
		w.lpGrow(lpEncSize(len(field)) + lpEncSize(len(value)))
		w.lp = lpAppendStr(w.lp, field)
		w.lp = lpAppendStr(w.lp, value)
		w.n++
		added = true
	}
	// Checked after updates too, as Redis does: a limit lowered at run time
	// converts on the next write of any field.
	if int64(w.n) > lim.entries || len(w.lp) > lpMaxSafe {
		w.convert()
	}
	return added
}

// lpReplace replaces the encoded string lp[voff:ve] with value.
func (w *hashW) lpReplace(voff, ve int, value []byte) {
	newSize := lpEncSize(len(value))
	delta := newSize - (ve - voff)
	if delta > 0 {
		w.lpGrow(delta)
	}
	lp := w.lp
	old := len(lp)
	if delta > 0 {
		lp = lp[:old+delta]
		copy(lp[ve+delta:], lp[ve:old])
	} else if delta < 0 {
		copy(lp[ve+delta:], lp[ve:old])
		lp = lp[:old+delta]
	}
	p := binary.PutUvarint(lp[voff:], uint64(len(value)))
	copy(lp[voff+p:], value)
	w.lp = lp
}

// del removes field and reports whether it was present.
func (w *hashW) del(field []byte) bool {
	if w.t != nil {
		return w.t.del(field)
	}
	off, _, _, ve, ok := hashFind(w.lp, field)
	if !ok {
		return false
	}
	w.lp = append(w.lp[:off], w.lp[ve:]...)
	w.n--
	return true
}

// GetHash returns key's hash for reading, nil when the key is absent. Use it
// before the next write under this Tx.
func (tx *Tx) GetHash(key []byte) (*Hash, error) {
	obj, err := tx.getObject(key, TypeHash)
	if obj == nil || err != nil {
		return nil, err
	}
	return obj.(*Hash), nil
}

// hashForWrite returns key's hash in working form, creating the key when
// create is set, and where it lives: the caller stores the result back with
// putHash. found is false when the key is absent and not created.
func (tx *Tx) hashForWrite(key []byte, create bool) (w hashW, at ref, found bool, err error) {
	var mk func() collection
	if create {
		mk = newHash
	}
	obj, at, _, err := tx.objectForWriteAt(key, TypeHash, mk)
	if obj == nil || err != nil {
		return hashW{}, at, false, err
	}
	return obj.(*Hash).write(), at, true, nil
}

// putHash stores w, the changed hash of the key at (from hashForWrite),
// back under the key. Every writer calls it once done and before the key is
// deleted or another key created.
func (tx *Tx) putHash(at ref, w *hashW) { tx.replaceObject(at, w.pack()) }

// HSet sets field/value pairs (pairs alternates them) in key's hash,
// creating it, and returns the number of new fields.
func (tx *Tx) HSet(key []byte, pairs [][]byte) (int, error) {
	w, at, _, err := tx.hashForWrite(key, true)
	if err != nil {
		return 0, err
	}
	lim := tx.hashLimits()
	w.tryConversion(pairs, lim)
	added := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		if w.set(pairs[i], pairs[i+1], lim) {
			added++
		}
	}
	tx.putHash(at, &w)
	return added, nil
}

// tryConversion is Redis's hashTypeTryConversion: any argument longer than
// hash-max-listpack-value converts the hash before it is written. Otherwise
// it reserves room for the arguments of a multi-pair HSET when they will
// stay compact, so that it allocates once. A single pair reserves nothing:
// set grows the listpack only for a new field or a longer value, and an
// update in place then allocates nothing (a reservation would be
// allocated and shrunk back by pack on every HSET of an existing field).
func (w *hashW) tryConversion(args [][]byte, lim hashLimits) {
	if w.t != nil {
		return
	}
	size := 0
	for _, a := range args {
		if int64(len(a)) > lim.value {
			w.convert()
			return
		}
		size += lpEncSize(len(a))
	}
	if int64(len(w.lp))+int64(size) > lpMaxSafe {
		w.convert()
		return
	}
	if len(args) > 2 && int64(w.n+len(args)/2) <= lim.entries {
		w.lpGrow(size)
	}
}

// HSetNX sets field only when it is absent, reporting whether it did.
func (tx *Tx) HSetNX(key, field, value []byte) (bool, error) {
	w, at, _, err := tx.hashForWrite(key, true)
	if err != nil {
		return false, err
	}
	if _, exists := w.get(field); exists {
		return false, nil
	}
	lim := tx.hashLimits()
	pair := [2][]byte{field, value}
	w.tryConversion(pair[:], lim)
	w.set(field, value, lim)
	tx.putHash(at, &w)
	return true, nil
}

// HDel removes fields from key's hash and returns how many it removed and
// whether the key was deleted because the hash became empty.
func (tx *Tx) HDel(key []byte, fields [][]byte) (deleted int, keyRemoved bool, err error) {
	w, at, found, err := tx.hashForWrite(key, false)
	if !found || err != nil {
		return 0, false, err
	}
	for _, f := range fields {
		if w.del(f) {
			deleted++
			if w.len() == 0 {
				break
			}
		}
	}
	tx.putHash(at, &w)
	return deleted, tx.deleteIfEmpty(key), nil
}

// HIncrBy adds delta to the integer in field (0 when absent).
func (tx *Tx) HIncrBy(key, field []byte, delta int64) (int64, error) {
	w, at, _, err := tx.hashForWrite(key, true)
	if err != nil {
		return 0, err
	}
	defer tx.putHash(at, &w) // a new key must be stored back even on error
	var cur int64
	if v, ok := w.get(field); ok {
		n, isInt := ParseInt(v)
		if !isInt {
			return 0, ErrHashNotInteger
		}
		cur = n
	}
	if (delta < 0 && cur < 0 && delta < -1<<63-cur) || (delta > 0 && cur > 0 && delta > 1<<63-1-cur) {
		return 0, ErrOverflow
	}
	cur += delta
	var buf [20]byte
	w.set(field, appendInt(buf[:0], cur), tx.hashLimits())
	return cur, nil
}

// HIncrByFloat adds incr (a string, parsed as C's strtold) to the number in
// field with long double arithmetic and returns the new value as Redis
// formats it. Errors come in Redis's order: a bad increment
// (ErrNotFloat, ErrNaNOrInfinity), the key's type, a bad stored value
// (ErrHashNotFloat), a result that is not finite (ErrNaN).
func (tx *Tx) HIncrByFloat(key, field, incr []byte) ([]byte, error) {
	inc, ok := hashParseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	if inc.inf {
		return nil, ErrNaNOrInfinity
	}
	w, at, _, err := tx.hashForWrite(key, true)
	if err != nil {
		return nil, err
	}
	defer tx.putHash(at, &w)
	cur := hashLD{}
	if v, ok := w.get(field); ok {
		if cur, ok = hashParseLongDouble(v); !ok {
			return nil, ErrHashNotFloat
		}
	}
	sum, ok := hashAddLongDouble(cur, inc)
	if !ok {
		return nil, ErrNaN
	}
	out := hashFormatLongDouble(sum)
	w.set(field, out, tx.hashLimits())
	return out, nil
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// Long double arithmetic for HINCRBYFLOAT.
//
// Redis computes HINCRBYFLOAT in C's long double, which on x86-64 is the x87
// 80-bit extended format: a 64-bit significand, denormals down to 2^-16445,
// values below 2^16384. It parses with strtold and prints with "%.17Lf"
// minus trailing zeros. Byte-identical replies need the same roundings, so
// values are kept as significand × 2^exp and every rounding (parsing, the
// addition, printing) is done on exact big integers, round half to even as
// the FPU and glibc do.
//
// INCRBYFLOAT (store/string.go) needs the same three functions: to be
// unified when merging.

// hashLD is an x87 extended-precision value: (-1)^neg × mant × 2^exp, or an
// infinity.
type hashLD struct {
	neg  bool
	inf  bool
	mant uint64
	exp  int32
}

const (
	ldMinExp   = -16445   // exponent of the smallest denormal
	ldMaxExp   = 16384    // every finite value is below 2^ldMaxExp
	ldMaxChars = 5 * 1024 // Redis's MAX_LONG_DOUBLE_CHARS
)

// ldRound rounds (m + sticky·ε) × 2^e to the extended format; m >= 0.
func ldRound(neg bool, m *big.Int, e int, sticky bool) hashLD {
	bl := m.BitLen()
	if bl == 0 {
		return hashLD{neg: neg}
	}
	lsb := max(e+bl-1-63, ldMinExp)
	shift := lsb - e
	var q uint64
	if shift <= 0 {
		q = new(big.Int).Lsh(m, uint(-shift)).Uint64()
	} else {
		q = new(big.Int).Rsh(m, uint(shift)).Uint64()
		half := m.Bit(shift-1) == 1
		rest := sticky || m.TrailingZeroBits() < uint(shift-1)
		if half && (rest || q&1 == 1) {
			q++
			if q == 0 { // carried out of 64 bits
				q = 1 << 63
				lsb++
			}
		}
	}
	if q == 0 {
		return hashLD{neg: neg}
	}
	if lsb+bits.Len64(q)-1 >= ldMaxExp {
		return hashLD{neg: neg, inf: true}
	}
	return hashLD{neg: neg, mant: q, exp: int32(lsb)}
}

// hashParseLongDouble parses b as Redis's string2ld: all of b must be a
// number for strtold (decimal, hexadecimal or infinity; no leading space),
// and NaN, overflow and underflow to zero are rejected.
func hashParseLongDouble(b []byte) (hashLD, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return hashLD{}, false
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return hashLD{}, false
	}
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	rest := b[i:]
	if equalFold(rest, "inf") || equalFold(rest, "infinity") {
		return hashLD{neg: neg, inf: true}, true
	}
	hex := len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')
	if hex {
		rest = rest[2:]
	}
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	if hex {
		isDigit = func(c byte) bool {
			return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		}
	}
	// Significand: digits with at most one point, at least one digit.
	var digits []byte
	frac, seen, point := 0, 0, false
	j := 0
	for ; j < len(rest); j++ {
		c := rest[j]
		switch {
		case isDigit(c):
			seen++
			if len(digits) > 0 || c != '0' {
				digits = append(digits, c)
			}
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			goto exponent
		}
	}
exponent:
	if seen == 0 {
		return hashLD{}, false
	}
	exp := 0
	if j < len(rest) {
		c := rest[j]
		if (!hex && c != 'e' && c != 'E') || (hex && c != 'p' && c != 'P') {
			return hashLD{}, false
		}
		j++
		eneg := false
		if j < len(rest) && (rest[j] == '+' || rest[j] == '-') {
			eneg = rest[j] == '-'
			j++
		}
		if j == len(rest) {
			return hashLD{}, false
		}
		for ; j < len(rest); j++ {
			c := rest[j]
			if c < '0' || c > '9' {
				return hashLD{}, false
			}
			if exp < 1e8 {
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if len(digits) == 0 {
		return hashLD{neg: neg}, true
	}
	var m big.Int
	if hex {
		m.SetString(string(digits), 16)
		e := exp - 4*frac
		top := e + m.BitLen() - 1
		if top > ldMaxExp+1 || top < ldMinExp-2 {
			return hashLD{}, false // ERANGE: overflow, or underflow to zero
		}
		v := ldRound(neg, &m, e, false)
		return v, !v.inf && v.mant != 0
	}
	m.SetString(string(digits), 10)
	e10 := exp - frac
	d := len(digits)
	if e10+d-1 >= 4933 || e10+d <= -4952 {
		return hashLD{}, false
	}
	var v hashLD
	if e10 >= 0 {
		m.Mul(&m, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e10)), nil))
		v = ldRound(neg, &m, 0, false)
	} else {
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-e10)), nil)
		// Scale so the quotient has at least 66 bits: enough to round.
		s := max(0, 66+den.BitLen()-m.BitLen()+1)
		m.Lsh(&m, uint(s))
		var r big.Int
		m.QuoRem(&m, den, &r)
		v = ldRound(neg, &m, -s, r.Sign() != 0)
	}
	return v, !v.inf && v.mant != 0
}

// hashAddLongDouble returns a+b rounded to extended precision; false when
// the sum is not finite.
func hashAddLongDouble(a, b hashLD) (hashLD, bool) {
	if a.inf || b.inf {
		return hashLD{}, false
	}
	if a.mant == 0 && b.mant == 0 {
		return hashLD{neg: a.neg && b.neg}, true
	}
	e := min(a.exp, b.exp)
	if a.mant == 0 {
		e = b.exp
	} else if b.mant == 0 {
		e = a.exp
	}
	term := func(v hashLD) *big.Int {
		x := new(big.Int)
		if v.mant == 0 {
			return x
		}
		x.SetUint64(v.mant)
		x.Lsh(x, uint(v.exp-e))
		if v.neg {
			x.Neg(x)
		}
		return x
	}
	s := term(a)
	s.Add(s, term(b))
	if s.Sign() == 0 {
		return hashLD{}, true
	}
	neg := s.Sign() < 0
	v := ldRound(neg, s.Abs(s), int(e), false)
	return v, !v.inf
}

// hashFormatLongDouble prints v as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf", trailing zeros and point removed, "-0" printed as "0".
func hashFormatLongDouble(v hashLD) []byte {
	if v.inf {
		if v.neg {
			return []byte("-inf")
		}
		return []byte("inf")
	}
	const prec = 17
	m := new(big.Int).SetUint64(v.mant)
	var ds string
	if v.exp >= 0 {
		ds = m.Lsh(m, uint(v.exp)).String() + "00000000000000000"
	} else {
		m.Mul(m, new(big.Int).Exp(big.NewInt(10), big.NewInt(prec), nil))
		sh := uint(-v.exp)
		half := m.Bit(int(sh-1)) == 1
		rest := m.Sign() != 0 && m.TrailingZeroBits() < sh-1
		q := new(big.Int).Rsh(m, sh)
		if half && (rest || q.Bit(0) == 1) {
			q.Add(q, big.NewInt(1))
		}
		ds = q.String()
	}
	if len(ds) < prec+1 {
		ds = strings.Repeat("0", prec+1-len(ds)) + ds
	}
	intPart, fracPart := ds[:len(ds)-prec], strings.TrimRight(ds[len(ds)-prec:], "0")
	out := make([]byte, 0, len(ds)+2)
	if v.neg && (intPart != "0" || fracPart != "") {
		out = append(out, '-')
	}
	out = append(out, intPart...)
	if fracPart != "" {
		out = append(out, '.')
		out = append(out, fracPart...)
	}
	return out
}
