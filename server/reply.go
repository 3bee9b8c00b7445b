package server

import (
	"strconv"

	"github.com/ember-kv/ember/store"
	"github.com/tidwall/redcon"
)

// Reply appends RESP replies to a client's output buffer in the protocol
// version the client negotiated (2 or 3). RESP3-only shapes (maps, sets,
// doubles, booleans, nulls, push) degrade to their RESP2 forms exactly as
// Redis degrades them. redcon provides the RESP2 encoders.
type Reply struct {
	b     []byte
	proto int
}

// Bytes returns the pending output.
func (r *Reply) Bytes() []byte { return r.b }

// Len is the number of pending bytes.
func (r *Reply) Len() int { return len(r.b) }

// Reset empties the pending output, keeping its capacity.
func (r *Reply) Reset() { r.b = r.b[:0] }

// OK appends +OK.
func (r *Reply) OK() { r.b = redcon.AppendOK(r.b) }

// Simple appends a status reply (+s).
func (r *Reply) Simple(s string) { r.b = redcon.AppendString(r.b, s) }

// Error appends an error reply; msg carries its own code ("ERR ...").
func (r *Reply) Error(msg string) { r.b = redcon.AppendError(r.b, msg) }

// Int appends an integer reply.
func (r *Reply) Int(n int64) { r.b = redcon.AppendInt(r.b, n) }

// Bulk appends a bulk string.
func (r *Reply) Bulk(b []byte) { r.b = redcon.AppendBulk(r.b, b) }

// BulkString appends a bulk string.
func (r *Reply) BulkString(s string) { r.b = redcon.AppendBulkString(r.b, s) }

// BulkInt appends n as a bulk string.
func (r *Reply) BulkInt(n int64) {
	var buf [20]byte
	r.b = redcon.AppendBulk(r.b, strconv.AppendInt(buf[:0], n, 10))
}

// Null appends a null bulk string ($-1 in RESP2, _ in RESP3).
func (r *Reply) Null() {
	if r.proto == 3 {
		r.b = append(r.b, "_\r\n"...)
	} else {
		r.b = append(r.b, "$-1\r\n"...)
	}
}

// NullArray appends a null array (*-1 in RESP2, _ in RESP3).
func (r *Reply) NullArray() {
	if r.proto == 3 {
		r.b = append(r.b, "_\r\n"...)
	} else {
		r.b = append(r.b, "*-1\r\n"...)
	}
}

// Array appends an array header of n elements.
func (r *Reply) Array(n int) { r.b = redcon.AppendArray(r.b, n) }

// Map appends a map header of n pairs (a flat array of 2n in RESP2).
func (r *Reply) Map(n int) {
	if r.proto == 3 {
		r.b = appendHeader(r.b, '%', n)
	} else {
		r.b = redcon.AppendArray(r.b, 2*n)
	}
}

// Set appends a set header (an array in RESP2).
func (r *Reply) Set(n int) {
	if r.proto == 3 {
		r.b = appendHeader(r.b, '~', n)
	} else {
		r.b = redcon.AppendArray(r.b, n)
	}
}

// Push appends a push header (an array in RESP2).
func (r *Reply) Push(n int) {
	if r.proto == 3 {
		r.b = appendHeader(r.b, '>', n)
	} else {
		r.b = redcon.AppendArray(r.b, n)
	}
}

// Double appends a floating point reply the way Redis formats it: %.17g,
// as a bulk string in RESP2.
func (r *Reply) Double(f float64) {
	var buf [32]byte
	s := FormatDouble(buf[:0], f)
	if r.proto == 3 {
		r.b = append(r.b, ',')
		r.b = append(r.b, s...)
		r.b = append(r.b, '\r', '\n')
		return
	}
	r.b = redcon.AppendBulk(r.b, s)
}

// FormatDouble appends f as C's printf("%.17g") would.
func FormatDouble(dst []byte, f float64) []byte { return store.AppendScoreG(dst, f) }

// Bool appends a boolean (#t/#f in RESP3, :1/:0 in RESP2).
func (r *Reply) Bool(v bool) {
	switch {
	case r.proto == 3 && v:
		r.b = append(r.b, "#t\r\n"...)
	case r.proto == 3:
		r.b = append(r.b, "#f\r\n"...)
	case v:
		r.b = append(r.b, ":1\r\n"...)
	default:
		r.b = append(r.b, ":0\r\n"...)
	}
}

// Verbatim appends a verbatim string of format "txt" (a bulk string in RESP2).
func (r *Reply) Verbatim(s string) {
	if r.proto != 3 {
		r.b = redcon.AppendBulkString(r.b, s)
		return
	}
	r.b = appendHeader(r.b, '=', len(s)+4)
	r.b = append(r.b, "txt:"...)
	r.b = append(r.b, s...)
	r.b = append(r.b, '\r', '\n')
}

// BigNumber appends a big number ((... in RESP3, a bulk string in RESP2).
func (r *Reply) BigNumber(s string) {
	if r.proto != 3 {
		r.b = redcon.AppendBulkString(r.b, s)
		return
	}
	r.b = append(r.b, '(')
	r.b = append(r.b, s...)
	r.b = append(r.b, '\r', '\n')
}

// Raw appends already encoded RESP.
func (r *Reply) Raw(b []byte) { r.b = append(r.b, b...) }

func appendHeader(b []byte, c byte, n int) []byte {
	b = append(b, c)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}
