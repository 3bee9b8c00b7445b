package store

import (
	"encoding/binary"
	"errors"
	"math"
)

// HyperLogLog, as Redis stores it: a string value holding a 16-byte header
// ("HYLL", the encoding, three unused bytes, the cached cardinality in
// little endian with its top bit set when stale) and then the registers,
// 16384 of 6 bits each, either dense (12288 bytes, bit-packed) or sparse
// (run-length opcodes). The bytes are Redis's exactly, so GET, DUMP, RDB and
// AOF carry HyperLogLogs between Ember and Redis unchanged.
//
// Sparse opcodes: ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx
// xxxxxxxx (1-16384 zero registers), VAL 1vvvvvxx (1-4 registers of value
// 1-32). A register that needs a value over 32, or a sparse form that would
// outgrow hll-sparse-max-bytes, turns the value dense.

// HyperLogLog errors, with Redis's texts.
var (
	ErrNotHLL     = errors.New("WRONGTYPE Key is not a valid HyperLogLog string value.")
	ErrInvalidHLL = errors.New("INVALIDOBJ Corrupted HLL object detected")
)

const (
	hllP         = 14
	hllQ         = 64 - hllP
	hllRegisters = 1 << hllP
	hllBits      = 6
	hllRegMax    = 1<<hllBits - 1
	hllHdrSize   = 16
	hllDenseSize = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense     = 0
	hllSparse    = 1

	hllValMaxValue  = 32
	hllValMaxLen    = 4
	hllZeroMaxLen   = 64
	hllXZeroMaxLen  = 16384
	hllAlphaInf     = 0.721347520444481703680 // 0.5/ln(2)
	hllHashSeed     = 0xadc83b19
	hllCardStaleBit = 0x80 // in the cached cardinality's last byte
)

// newHLL is an empty HyperLogLog: sparse, one XZERO opcode, cached
// cardinality 0.
func newHLL() []byte {
	v := make([]byte, hllHdrSize+2, hllHdrSize+8)
	copy(v, "HYLL")
	v[4] = hllSparse
	putXZero(v[hllHdrSize:], hllRegisters)
	return v
}

// isHLL is Redis's isHLLObjectOrReply for a string value.
func isHLL(v []byte) bool {
	if len(v) < hllHdrSize || string(v[:4]) != "HYLL" || v[4] > hllSparse {
		return false
	}
	return v[4] != hllDense || len(v) == hllDenseSize
}

func hllStale(v []byte)                 { v[15] |= hllCardStaleBit }
func hllCacheValid(v []byte) bool       { return v[15]&hllCardStaleBit == 0 }
func hllCached(v []byte) uint64         { return binary.LittleEndian.Uint64(v[8:16]) }
func hllSetCache(v []byte, card uint64) { binary.LittleEndian.PutUint64(v[8:16], card) }

// murmurHash64A is MurmurHash2, 64-bit, reading the input in little endian
// (as Redis's endian-neutral version does).
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[n:]; len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element hashes to and the length of
// the run of zeroes (plus one) after the register bits.
func hllPatLen(ele []byte) (index int, count uint8) {
	hash := murmurHash64A(ele, hllHashSeed)
	index = int(hash & (hllRegisters - 1))
	hash >>= hllP
	hash |= 1 << hllQ // the loop ends by Q+1
	count = 1
	for bit := uint64(1); hash&bit == 0; bit <<= 1 {
		count++
	}
	return index, count
}

// denseGet and denseSet read and write register i of dense registers. The
// last register's high bits would fall in the byte after the registers,
// which Redis's string terminator holds; they are always zero.
func denseGet(regs []byte, i int) uint8 {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	v := uint(regs[b]) >> fb
	if b+1 < len(regs) {
		v |= uint(regs[b+1]) << (8 - fb)
	}
	return uint8(v & hllRegMax)
}

func denseSet(regs []byte, i int, val uint8) {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	regs[b] &^= byte(hllRegMax << fb)
	regs[b] |= byte(uint(val) << fb)
	if b+1 < len(regs) {
		regs[b+1] &^= byte(hllRegMax >> (8 - fb))
		regs[b+1] |= byte(uint(val) >> (8 - fb))
	}
}

// denseSetMax raises register i to count; it reports whether it changed.
func denseSetMax(regs []byte, i int, count uint8) bool {
	if count > denseGet(regs, i) {
		denseSet(regs, i, count)
		return true
	}
	return false
}

// Sparse opcodes.
func isZero(b byte) bool  { return b&0xc0 == 0 }
func isXZero(b byte) bool { return b&0xc0 == 0x40 }
func isVal(b byte) bool   { return b&0x80 != 0 }
func zeroLen(b byte) int  { return int(b&0x3f) + 1 }

// xzeroLen reads the XZERO opcode at v[p]. A value cut after the first
// byte reads a zero second byte: Redis reads its string's terminator there.
func xzeroLen(v []byte, p int) int {
	lo := 0
	if p+1 < len(v) {
		lo = int(v[p+1])
	}
	return (int(v[p]&0x3f)<<8 | lo) + 1
}
func valValue(b byte) uint8       { return (b>>2)&0x1f + 1 }
func valLen(b byte) int           { return int(b&3) + 1 }
func valOp(val uint8, n int) byte { return 0x80 | (val-1)<<2 | byte(n-1) }
func putXZero(p []byte, n int)    { p[0] = byte((n-1)>>8) | 0x40; p[1] = byte((n - 1) & 0xff) }
func appendZeros(s []byte, n int) []byte {
	if n > hllZeroMaxLen {
		return append(s, byte((n-1)>>8)|0x40, byte((n-1)&0xff))
	}
	return append(s, byte(n-1))
}

// sparseToDense converts a sparse HyperLogLog (header included) to dense,
// keeping the header's cached cardinality. It fails on a malformed one.
func sparseToDense(v []byte) ([]byte, error) {
	if v[4] == hllDense {
		return v, nil
	}
	d := make([]byte, hllDenseSize)
	copy(d, v[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	if err := sparseRegisters(v, func(i int, val uint8) { denseSet(regs, i, val) }); err != nil {
		return nil, err
	}
	return d, nil
}

// sparseRuns walks the opcodes of sparse value v (header included): fn gets
// each run's opcode ('z' ZERO, 'Z' XZERO, 'v' VAL), its length and its
// value (0 for zero runs), and stops the walk by returning false.
func sparseRuns(v []byte, fn func(op byte, n int, val uint8) bool) {
	for p := hllHdrSize; p < len(v); {
		var ok bool
		switch b := v[p]; {
		case isZero(b):
			ok = fn('z', zeroLen(b), 0)
			p++
		case isXZero(b):
			ok = fn('Z', xzeroLen(v, p), 0)
			p += 2
		default:
			ok = fn('v', valLen(b), valValue(b))
			p++
		}
		if !ok {
			return
		}
	}
}

// sparseRegisters calls set for every register of sparse value v that a
// VAL run sets. A value whose runs do not cover exactly the registers is
// ErrInvalidHLL (a VAL run past the end stops the walk, as in Redis).
func sparseRegisters(v []byte, set func(i int, val uint8)) error {
	idx, over := 0, false
	sparseRuns(v, func(op byte, n int, val uint8) bool {
		if op == 'v' {
			if idx+n > hllRegisters {
				over = true
				return false
			}
			for j := idx; j < idx+n; j++ {
				set(j, val)
			}
		}
		idx += n
		return true
	})
	if over || idx != hllRegisters {
		return ErrInvalidHLL
	}
	return nil
}

// sparseSet raises register index of a sparse HyperLogLog to count. It
// returns the value (rewritten, possibly grown, or turned dense) and
// whether the register changed; ErrInvalidHLL for a malformed value.
func sparseSet(v []byte, index int, count uint8, maxBytes int) ([]byte, bool, error) {
	if count > hllValMaxValue {
		return promoteAndSet(v, index, count)
	}
	// Find the opcode covering the register.
	first, span, prev, p := 0, 0, -1, hllHdrSize
	for p < len(v) {
		oplen := 1
		switch b := v[p]; {
		case isZero(b):
			span = zeroLen(b)
		case isVal(b):
			span = valLen(b)
		default:
			span = xzeroLen(v, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= len(v) {
		return v, false, ErrInvalidHLL
	}
	op := v[p]
	oplen := 1
	if isXZero(op) {
		oplen = 2
	}
	switch {
	case isVal(op) && valValue(op) >= count:
		return v, false, nil
	case isVal(op) && valLen(op) == 1, isZero(op) && zeroLen(op) == 1:
		v[p] = valOp(count, 1)
	default:
		// Split the opcode: up to XZERO VAL XZERO.
		var buf [5]byte
		seq := buf[:0]
		last := first + span - 1
		if isVal(op) {
			cur := valValue(op)
			if index != first {
				seq = append(seq, valOp(cur, index-first))
			}
			seq = append(seq, valOp(count, 1))
			if index != last {
				seq = append(seq, valOp(cur, last-index))
			}
		} else {
			if index != first {
				seq = appendZeros(seq, index-first)
			}
			seq = append(seq, valOp(count, 1))
			if index != last {
				seq = appendZeros(seq, last-index)
			}
		}
		delta := len(seq) - oplen
		if delta > 0 && len(v)+delta > maxBytes {
			return promoteAndSet(v, index, count)
		}
		nv := make([]byte, 0, len(v)+delta+1)
		nv = append(nv, v[:p]...)
		nv = append(nv, seq...)
		if p+oplen < len(v) {
			nv = append(nv, v[p+oplen:]...)
		}
		// An XZERO cut after its first byte (see xzeroLen) was one byte
		// short: Redis's length arithmetic drops the sequence's last byte.
		v = nv[:len(v)+delta]
	}
	// Merge adjacent VAL opcodes of the same value, scanning up to five
	// opcodes from the one before the change.
	q := hllHdrSize
	if prev >= 0 {
		q = prev
	}
	for scan := 5; q < len(v) && scan > 0; scan-- {
		switch b := v[q]; {
		case isXZero(b):
			q += 2
			continue
		case isZero(b):
			q++
			continue
		}
		if q+1 < len(v) && isVal(v[q+1]) && valValue(v[q]) == valValue(v[q+1]) {
			if n := valLen(v[q]) + valLen(v[q+1]); n <= hllValMaxLen {
				v[q+1] = valOp(valValue(v[q]), n)
				v = append(v[:q], v[q+1:]...)
				continue // try the merged opcode with the next one
			}
		}
		q++
	}
	hllStale(v)
	return v, true, nil
}

func promoteAndSet(v []byte, index int, count uint8) ([]byte, bool, error) {
	d, err := sparseToDense(v)
	if err != nil {
		return v, false, err
	}
	denseSetMax(d[hllHdrSize:], index, count)
	hllStale(d)
	return d, true, nil
}

// hllMergeInto raises max[i] to every register of the HyperLogLog v.
func hllMergeInto(max *[hllRegisters]uint8, v []byte) error {
	if v[4] == hllDense {
		regs := v[hllHdrSize:]
		for i := range max {
			if r := denseGet(regs, i); r > max[i] {
				max[i] = r
			}
		}
		return nil
	}
	return sparseRegisters(v, func(i int, val uint8) {
		if val > max[i] {
			max[i] = val
		}
	})
}

// hllHistogram counts the registers of v by value. valid is false for a
// sparse value that does not cover exactly the registers.
func hllHistogram(v []byte, hist *[64]int) (valid bool) {
	if v[4] == hllDense {
		regs := v[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			hist[denseGet(regs, i)]++
		}
		return true
	}
	idx := 0
	sparseRuns(v, func(_ byte, n int, val uint8) bool {
		idx += n
		hist[val] += n
		return true
	})
	return idx == hllRegisters
}

// hllSigma and hllTau are from Otmar Ertl, "New cardinality estimation
// algorithms for HyperLogLog sketches" (arXiv:1702.01284), the estimator
// Redis uses. The float64() conversions keep each product rounded on its
// own (no fused multiply-add), as C computes them.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x = float64(x * x)
		prev := z
		z += float64(x * y)
		y += y
		if prev == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if prev == z {
			return z / 3
		}
	}
}

// hllEstimate is the cardinality for a register histogram.
func hllEstimate(hist *[64]int) uint64 {
	const m = float64(hllRegisters)
	z := float64(m * hllTau((m-float64(hist[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(hist[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(hist[0])/m))
	return uint64(math.Round(float64(float64(hllAlphaInf*m)*m) / z))
}

// hllValue returns key's value checked as a HyperLogLog (nil when absent).
// It aliases store memory.
func (tx *Tx) hllValue(key []byte) ([]byte, error) {
	v, ok, err := tx.GetString(key)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, nil
	case !isHLL(v): // an integer-encoded string never starts with "HYLL"
		return nil, ErrNotHLL
	}
	return v, nil
}

// PFAdd adds elems to the HyperLogLog at key, creating it when absent. It
// reports whether an estimate may have changed (a register grew, or the key
// was created). maxSparse is hll-sparse-max-bytes.
func (tx *Tx) PFAdd(key []byte, elems [][]byte, maxSparse int) (updated bool, err error) {
	v, err := tx.hllValue(key)
	if err != nil {
		return false, err
	}
	created := v == nil
	if created {
		v = newHLL()
		hllStale(v) // Redis counts the creation as an update
	} else {
		// Redis unshares the value first: an embstr becomes raw even when
		// nothing changes.
		buf, _, _ := tx.stringForWrite(key, len(v))
		if buf[4] == hllDense {
			// Registers change in place; the size never does.
			regs := buf[hllHdrSize:]
			for _, e := range elems {
				i, n := hllPatLen(e)
				if denseSetMax(regs, i, n) {
					updated = true
				}
			}
			if updated {
				hllStale(buf)
			}
			return updated, nil
		}
		v = append(make([]byte, 0, len(buf)+8), buf...)
	}
	changed := false
	for _, e := range elems {
		i, n := hllPatLen(e)
		var ch bool
		if v[4] == hllDense {
			ch = denseSetMax(v[hllHdrSize:], i, n)
			if ch {
				hllStale(v)
			}
		} else {
			v, ch, err = sparseSet(v, i, n, maxSparse)
			if err != nil {
				break
			}
		}
		changed = changed || ch
	}
	if created || changed || err != nil {
		// Redis edits the value in place: what an error interrupted stays.
		tx.SetStringEnc(key, v, EncRaw, 0, true)
	}
	return created || changed, err
}

// PFCount is the estimated cardinality of the union of the HyperLogLogs at
// keys (absent keys count as empty). For a single key the cached estimate
// is used, or computed and cached in the value (cached reports that, a
// change Redis propagates).
func (tx *Tx) PFCount(keys [][]byte) (card uint64, cached bool, err error) {
	if len(keys) == 1 {
		v, err := tx.hllValue(keys[0])
		if err != nil || v == nil {
			return 0, false, err
		}
		buf, _, _ := tx.stringForWrite(keys[0], len(v)) // unshared, as in Redis
		if hllCacheValid(buf) {
			return hllCached(buf), false, nil
		}
		var hist [64]int
		if !hllHistogram(buf, &hist) {
			return 0, false, ErrInvalidHLL
		}
		card = hllEstimate(&hist)
		hllSetCache(buf, card)
		return card, true, nil
	}
	var max [hllRegisters]uint8
	for _, k := range keys {
		v, err := tx.hllValue(k)
		if err != nil {
			return 0, false, err
		}
		if v == nil {
			continue
		}
		if err := hllMergeInto(&max, v); err != nil {
			return 0, false, err
		}
	}
	var hist [64]int
	for _, r := range max {
		hist[r]++
	}
	return hllEstimate(&hist), false, nil
}

// PFMerge stores in dst the union of the HyperLogLogs at srcs (dst's own
// registers included, as Redis does). The result is dense when any input
// was.
func (tx *Tx) PFMerge(dst []byte, srcs [][]byte, maxSparse int) error {
	var max [hllRegisters]uint8
	dense := false
	for i := -1; i < len(srcs); i++ {
		k := dst
		if i >= 0 {
			k = srcs[i]
		}
		v, err := tx.hllValue(k)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		dense = dense || v[4] == hllDense
		if err := hllMergeInto(&max, v); err != nil {
			return err
		}
	}
	v, err := tx.hllValue(dst)
	if err != nil {
		return err
	}
	if v == nil {
		v = newHLL()
	} else {
		v = append([]byte(nil), v...)
	}
	if dense {
		if v, err = sparseToDense(v); err != nil {
			return err
		}
	}
	for i, r := range max {
		if r == 0 {
			continue
		}
		if v[4] == hllDense {
			denseSetMax(v[hllHdrSize:], i, r)
		} else if v, _, err = sparseSet(v, i, r, maxSparse); err != nil {
			return err
		}
	}
	hllStale(v)
	tx.SetStringEnc(dst, v, EncRaw, 0, true)
	return nil
}

// PFDebug runs PFDEBUG's subcommands on the HyperLogLog at key: "getreg"
// (the registers, turning the value dense), "todense" (changed reports a
// conversion), "encoding" and "decode" (text). ok is false when key is
// absent.
func (tx *Tx) PFDebug(sub string, key []byte) (regs []uint8, text string, changed, ok bool, err error) {
	v, err := tx.hllValue(key)
	if err != nil || v == nil {
		return nil, "", false, false, err
	}
	v, _, _ = tx.stringForWrite(key, len(v)) // unshared, as in Redis
	switch sub {
	case "getreg", "todense":
		if v[4] == hllSparse {
			d, err := sparseToDense(v)
			if err != nil {
				return nil, "", false, true, err
			}
			tx.SetStringEnc(key, d, EncRaw, 0, true)
			v, changed = d, true
		}
		if sub == "getreg" {
			regs = make([]uint8, hllRegisters)
			for i := range regs {
				regs[i] = denseGet(v[hllHdrSize:], i)
			}
		}
	case "encoding":
		text = "dense"
		if v[4] == hllSparse {
			text = "sparse"
		}
	case "decode":
		if v[4] != hllSparse {
			return nil, "", false, true, errors.New("HLL encoding is not sparse")
		}
		var out []byte
		sparseRuns(v, func(op byte, n int, val uint8) bool {
			if op == 'v' {
				out = appendDecoded(out, op, int(val), n)
			} else {
				out = appendDecoded(out, op, n, -1)
			}
			return true
		})
		if len(out) > 0 {
			out = out[:len(out)-1]
		}
		text = string(out)
	}
	return regs, text, changed, true, nil
}

func appendDecoded(out []byte, kind byte, a, b int) []byte {
	out = append(out, kind, ':')
	out = appendInt(out, int64(a))
	if b >= 0 {
		out = append(out, ',')
		out = appendInt(out, int64(b))
	}
	return append(out, ' ')
}

// HLLSelfTest checks the dense register packing against a plain array and
// the estimator's error on a growing set, as PFSELFTEST does. It returns
// what failed, or "".
func HLLSelfTest() string {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	plain := make([]uint8, hllRegisters)
	seed := uint64(0x9e3779b97f4a7c15)
	for round := 0; round < 100; round++ {
		for i := range plain {
			seed = seed*6364136223846793005 + 1442695040888963407
			plain[i] = uint8(seed>>33) & hllRegMax
			denseSet(regs, i, plain[i])
		}
		for i := range plain {
			if denseGet(regs, i) != plain[i] {
				return "TESTFAILED Register error at index " + string(appendInt(nil, int64(i)))
			}
		}
	}
	v := newHLL()
	var err error
	relerr := 1.04 / math.Sqrt(hllRegisters)
	var elem [8]byte
	checkpoint := 1
	for j := 1; j <= 10_000_000/10; j++ {
		binary.LittleEndian.PutUint64(elem[:], uint64(j))
		i, n := hllPatLen(elem[:])
		if v[4] == hllDense {
			denseSetMax(v[hllHdrSize:], i, n)
		} else if v, _, err = sparseSet(v, i, n, 3000); err != nil {
			return "TESTFAILED sparse representation corrupted"
		}
		if j != checkpoint {
			continue
		}
		checkpoint *= 10
		var hist [64]int
		hllHistogram(v, &hist)
		abserr := max(float64(j)*6*relerr, 1) // tiny sets may be off by one
		if est := float64(hllEstimate(&hist)); math.Abs(est-float64(j)) > abserr {
			return "TESTFAILED Too big error. card:" + string(appendInt(nil, int64(j))) + " error:" + string(appendInt(nil, int64(math.Abs(est-float64(j)))))
		}
	}
	return ""
}
