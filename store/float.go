package store

import (
	"math/big"
)

// Redis does INCRBYFLOAT (and HINCRBYFLOAT) in C's long double: on x86-64
// the x87 80-bit format, a 64-bit mantissa with exponents down to subnormal
// 2^-16445 and up to 2^16384. It parses with strtold, adds, and prints with
// "%.17Lf" minus trailing zeros. A float64 gives different digits (0.1 added
// ten times is 1 in Redis), so the long double is emulated exactly here with
// math/big: parsing and addition round to nearest-even at the precision the
// x87 format has at that magnitude, and printing is exact decimal expansion
// rounded half-even, as glibc's printf does.

const (
	longDoubleMant   = 64     // mantissa bits
	longDoubleMaxExp = 16384  // |v| < 2^16384 (big.Float MantExp exponent at most this)
	longDoubleMinExp = -16381 // smallest normal 2^-16382 has MantExp exponent -16381
	longDoubleLSB    = -16445 // weight of the lowest subnormal bit
	longDoubleMaxLen = 5*1024 - 1
)

// ParseLongDouble parses b as Redis's string2ld: glibc strtold in the C
// locale over the whole of b (decimal, 0x hexadecimal, inf, infinity), with
// no leading space, rejecting NaN, overflow and underflow to zero. It
// returns the value rounded to the long double format (possibly infinite).
func ParseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) > longDoubleMaxLen {
		return nil, false
	}
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	rest := b[i:]
	if equalFold(rest, "inf") || equalFold(rest, "infinity") {
		return new(big.Float).SetInf(neg), true
	}
	var f *big.Float
	var ok bool
	if len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		f, ok = parseHexLD(rest[2:])
	} else {
		f, ok = parseDecLD(rest)
	}
	if !ok {
		return nil, false
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// digitRun returns the length of the leading run of digits of base 10 or 16.
func digitRun(b []byte, hex bool) int {
	n := 0
	for n < len(b) && digitVal(b[n], hex) >= 0 {
		n++
	}
	return n
}

func digitVal(c byte, hex bool) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case hex && c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case hex && c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseMantissa reads digits[.digits] and returns the digits without the
// point, the number of digits after it and the bytes consumed.
func parseMantissa(b []byte, hex bool) (digits []byte, frac int, n int, ok bool) {
	ip := digitRun(b, hex)
	n = ip
	digits = append(digits, b[:ip]...)
	if n < len(b) && b[n] == '.' {
		fp := digitRun(b[n+1:], hex)
		digits = append(digits, b[n+1:n+1+fp]...)
		frac = fp
		n += 1 + fp
	}
	return digits, frac, n, len(digits) > 0
}

// parseExponent reads [sign]digits as a whole (strtold would otherwise stop
// before the exponent marker and the string would not be consumed), clamped
// far beyond any exponent that still gives a finite non-zero value.
func parseExponent(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var e int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if e < 1e9 {
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

func parseDecLD(b []byte) (*big.Float, bool) {
	digits, frac, n, ok := parseMantissa(b, false)
	if !ok {
		return nil, false
	}
	var exp int64
	if n < len(b) {
		if b[n] != 'e' && b[n] != 'E' {
			return nil, false
		}
		if exp, ok = parseExponent(b[n+1:]); !ok {
			return nil, false
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return new(big.Float).SetPrec(longDoubleMant), true
	}
	e := exp - int64(frac)
	nd := int64(len(digits))
	// The value lies in [10^(nd-1+e), 10^(nd+e)). LDBL_MAX is about
	// 1.19e4932 and half the smallest subnormal about 1.8e-4951.
	if nd-1+e >= 4933 || nd+e <= -4951 {
		return nil, false
	}
	num, _ := new(big.Int).SetString(string(digits), 10)
	den := big.NewInt(1)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(e)), nil)
	if e >= 0 {
		num.Mul(num, pow)
	} else {
		den = pow
	}
	return roundLD(num, den)
}

func parseHexLD(b []byte) (*big.Float, bool) {
	digits, frac, n, ok := parseMantissa(b, true)
	if !ok {
		return nil, false
	}
	var exp int64
	if n < len(b) {
		if b[n] != 'p' && b[n] != 'P' {
			return nil, false
		}
		if exp, ok = parseExponent(b[n+1:]); !ok {
			return nil, false
		}
	}
	num, _ := new(big.Int).SetString(string(digits), 16)
	if num.Sign() == 0 {
		return new(big.Float).SetPrec(longDoubleMant), true
	}
	e := exp - 4*int64(frac)
	bits := int64(num.BitLen())
	// The value lies in [2^(bits-1+e), 2^(bits+e)).
	if bits-1+e >= longDoubleMaxExp || bits+e < longDoubleLSB-1 {
		return nil, false
	}
	den := big.NewInt(1)
	if e >= 0 {
		num.Lsh(num, uint(e))
	} else {
		den.Lsh(den, uint(-e))
	}
	return roundLD(num, den)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// roundLD rounds the positive rational num/den to the long double format,
// reporting false when it overflows or underflows to zero (strtold's ERANGE
// cases that Redis rejects).
func roundLD(num, den *big.Int) (*big.Float, bool) {
	n := new(big.Float).SetInt(num)
	d := new(big.Float).SetInt(den)
	// Truncation never moves the value into the next binade, so this gives
	// the exact exponent and says whether the value is exact at 64 bits.
	t := new(big.Float).SetPrec(longDoubleMant).SetMode(big.ToZero).Quo(n, d)
	e := t.MantExp(nil)
	prec := longDoubleMant
	if e < longDoubleMinExp {
		prec = e - longDoubleLSB
	}
	switch {
	case prec < 0:
		return nil, false
	case prec == 0:
		// In [2^-16446, 2^-16445): rounds up to the smallest subnormal
		// unless exactly halfway (ties to the even 0).
		half := new(big.Float).SetMantExp(big.NewFloat(0.5), e)
		if t.Acc() == big.Exact && t.Cmp(half) == 0 {
			return nil, false
		}
		return new(big.Float).SetPrec(longDoubleMant).SetMantExp(big.NewFloat(0.5), longDoubleLSB+1), true
	}
	r := new(big.Float).SetPrec(uint(prec)).Quo(n, d)
	if r.MantExp(nil) > longDoubleMaxExp {
		return nil, false
	}
	return r.SetPrec(longDoubleMant), true
}

// AddLongDouble returns a+b rounded to the long double format; false when
// the sum is infinite or NaN (an infinite operand included).
func AddLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	// Both operands lie on the 2^-16445 grid, so a subnormal sum is exact
	// and only normal sums need rounding to 64 bits.
	z := new(big.Float).SetPrec(longDoubleMant).Add(a, b)
	if z.MantExp(nil) > longDoubleMaxExp {
		return nil, false
	}
	return z, true
}

// AppendLongDouble appends f as Redis's ld2string in human-friendly mode:
// printf("%.17Lf") with trailing zeros (and a bare point) removed, and
// "-0" printed as "0". f must be finite.
func AppendLongDouble(dst []byte, f *big.Float) []byte {
	start := len(dst)
	dst = f.Append(dst, 'f', 17)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
