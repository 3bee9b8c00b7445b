package store

import (
	"bytes"
	"math"
	"strconv"
)

// Parsing and formatting of sorted-set scores and ranges, with the exact
// semantics Redis gets from C's strtod: leading blanks, "inf"/"infinity",
// hexadecimal floats, a conversion that stops at the first byte it cannot
// use, and (because arguments are C strings there) at the first NUL.

// strtod parses the longest prefix of s that C's strtod accepts and returns
// the value and the number of bytes used (0: no conversion). overflow
// reports a finite literal too large for a float64 (strtod's ERANGE with
// HUGE_VAL); underflow a non-zero literal that rounded to zero (ERANGE with
// a zero result).
func strtod(s []byte) (v float64, n int, overflow, underflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "inf"):
		n = i + 3
		if hasPrefixFold(rest, "infinity") {
			n = i + 8
		}
		return math.Inf(int(sign)), n, false, false
	case hasPrefixFold(rest, "nan"):
		n = i + 3
		if n < len(s) && s[n] == '(' {
			j := n + 1
			for j < len(s) && (isAlnum(s[j]) || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				n = j + 1
			}
		}
		return math.NaN(), n, false, false
	case len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'):
		if v, m, ok := parseHexFloat(rest[2:]); ok {
			return sign * v, i + 2 + m, math.IsInf(v, 0), false
		}
		// "0x" without hex digits: only the "0" converts.
		return sign * 0, i + 1, false, false
	}
	// Decimal: digits [. digits] [e [sign] digits], at least one digit.
	j := i
	digits, nonzero := 0, false
	for j < len(s) && isDigit(s[j]) {
		nonzero = nonzero || s[j] != '0'
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			nonzero = nonzero || s[j] != '0'
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false, false
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(string(s[start:j]), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, 0, false, false
	}
	return f, j, math.IsInf(f, 0), f == 0 && nonzero
}

// parseHexFloat parses the part of a hexadecimal float after "0x":
// hexdigits [. hexdigits] [p [sign] digits].
func parseHexFloat(s []byte) (float64, int, bool) {
	j, digits := 0, 0
	for j < len(s) && isHex(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isHex(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	mant := s[:j]
	exp := []byte("p0")
	if j < len(s) && (s[j] == 'p' || s[j] == 'P') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			exp = s[j:k]
			j = k
		}
	}
	lit := make([]byte, 0, 2+len(mant)+len(exp))
	lit = append(append(append(lit, "0x"...), mant...), exp...)
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil && !math.IsInf(f, 0) {
		// An exponent too long for Go's parser: huge or tiny.
		if bytes.ContainsRune(exp, '-') {
			return 0, j, true
		}
		return math.Inf(1), j, true
	}
	return f, j, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func hasPrefixFold(b []byte, lower string) bool {
	return len(b) >= len(lower) && equalFold(b[:len(lower)], lower)
}

// cString cuts b at its first NUL, as a C function reading it would.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// ParseScore parses a score, increment or weight as Redis's string2d: the
// whole argument must convert, without leading blanks, overflow, underflow
// to zero, or NaN.
func ParseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	v, n, over, under := strtod(b)
	if n != len(b) || over || under || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// ScoreRange is a score interval as ZRANGEBYSCORE takes it: "(" makes a
// bound exclusive.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// ParseScoreRange parses min and max as Redis's zslParseRange (plain
// strtod, so " 1", "" and "1e999" are accepted; NaN is not).
func ParseScoreRange(min, max []byte) (ScoreRange, bool) {
	var r ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = parseRangeBound(min); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = parseRangeBound(max); !ok {
		return r, false
	}
	return r, true
}

func parseRangeBound(b []byte) (float64, bool, bool) {
	b = cString(b)
	ex := false
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, n, _, _ := strtod(b)
	if n != len(b) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

func (r *ScoreRange) gteMin(v float64) bool {
	if r.MinEx {
		return v > r.Min
	}
	return v >= r.Min
}

func (r *ScoreRange) lteMax(v float64) bool {
	if r.MaxEx {
		return v < r.Max
	}
	return v <= r.Max
}

// empty reports a range no score can satisfy.
func (r *ScoreRange) empty() bool {
	return r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx))
}

// lexBound is one end of a LexRange: a string, or the infinitely small
// ("-") or large ("+") string.
type lexBound struct {
	s   []byte
	inf int8 // -1: "-", +1: "+", 0: s
	ex  bool
}

// LexRange is a member interval as ZRANGEBYLEX takes it.
type LexRange struct {
	min, max lexBound
}

// ParseLexRange parses min and max as Redis's zslParseLexRange: "[a"
// inclusive, "(a" exclusive, "-" and "+" the open ends. The range keeps
// references to min and max.
func ParseLexRange(min, max []byte) (LexRange, bool) {
	var r LexRange
	var ok bool
	if r.min, ok = parseLexBound(min); !ok {
		return r, false
	}
	if r.max, ok = parseLexBound(max); !ok {
		return r, false
	}
	return r, true
}

func parseLexBound(b []byte) (lexBound, bool) {
	if len(b) == 0 {
		return lexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		// C compares the byte after the sign with NUL.
		if len(b) > 1 && b[1] != 0 {
			return lexBound{}, false
		}
		if b[0] == '+' {
			return lexBound{inf: 1, ex: true}, true
		}
		return lexBound{inf: -1, ex: true}, true
	case '(':
		return lexBound{s: b[1:], ex: true}, true
	case '[':
		return lexBound{s: b[1:]}, true
	}
	return lexBound{}, false
}

// cmpLex compares a member with a bound, as Redis's sdscmplex.
func cmpLex(m []byte, b *lexBound) int {
	if b.inf != 0 {
		return -int(b.inf)
	}
	return bytes.Compare(m, b.s)
}

func (r *LexRange) gteMin(m []byte) bool {
	c := cmpLex(m, &r.min)
	if r.min.ex {
		return c > 0
	}
	return c >= 0
}

func (r *LexRange) lteMax(m []byte) bool {
	c := cmpLex(m, &r.max)
	if r.max.ex {
		return c < 0
	}
	return c <= 0
}

// empty reports a range no member can satisfy.
func (r *LexRange) empty() bool {
	var c int
	switch {
	case r.min.inf != 0 && r.min.inf == r.max.inf:
		c = 0
	case r.min.inf == -1 || r.max.inf == 1:
		c = -1
	case r.min.inf == 1 || r.max.inf == -1:
		c = 1
	default:
		c = bytes.Compare(r.min.s, r.max.s)
	}
	return c > 0 || (c == 0 && (r.min.ex || r.max.ex))
}

// AppendScoreString appends v as Redis's d2string writes a score into a
// listpack (what ZSCAN returns for small sorted sets): integers without a
// fraction or exponent, everything else as %.17g.
func AppendScoreString(dst []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, "nan"...)
	case math.IsInf(v, 1):
		return append(dst, "inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-inf"...)
	case v == 0:
		if math.Signbit(v) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	const half = float64(math.MaxInt64 / 2)
	if v >= -half && v <= half && v == math.Trunc(v) {
		return strconv.AppendInt(dst, int64(v), 10)
	}
	return strconv.AppendFloat(dst, v, 'g', 17, 64)
}

// AppendScoreG appends v as C's "%.17g" (inf as "inf"), the format of
// scores in replies and of ZSCAN on large sorted sets.
func AppendScoreG(dst []byte, v float64) []byte { return AppendCFloat(dst, v, 'g', 17) }

// AppendCFloat appends f as C's printf with conversion verb ('f', 'g')
// and precision prec: infinities and NaN are spelled as C spells them.
func AppendCFloat(dst []byte, f float64, verb byte, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, verb, prec, 64)
}
