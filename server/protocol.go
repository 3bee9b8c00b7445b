package server

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/ember-kv/ember/store"
)

// Request parsing, following processMultibulkBuffer and processInlineBuffer
// in Redis's networking.c check for check, incrementally: bytes already
// checked are not checked again when more arrive, and nothing is allocated
// in proportion to a length the client announces, only to bytes it sent.
//
// Two quirks of Redis's C string handling are kept on purpose, because they
// decide what a client sees: a header line is found with strchr, so a NUL
// byte before its '\r' (or before an inline request's '\n') means "no line
// yet" (the request never completes and ends in a too-big error); and the
// two bytes after a header's '\r' and after a bulk's data are skipped
// without being looked at.
//
// The checks locate every argument, so the arguments are sliced out of the
// read buffer as they are checked, without copying and without a second
// pass (redcon's ReadNextCommand would parse the request again, and it
// trusts lengths and insists on CRLF where Redis skips two bytes).

const (
	readBufSize   = 16 * 1024 // Redis's PROTO_IOBUF_LEN
	inlineMaxSize = 64 * 1024 // Redis's PROTO_INLINE_MAX_SIZE
	keepBufSize   = 64 * 1024 // larger idle read buffers are released
	keepArgs      = 1024      // longer argument lists are released too
	// Before authentication Redis accepts at most this much.
	unauthMaxArgs = 10
	unauthMaxBulk = 16 * 1024
)

// limits are the configurable protocol limits, read per request.
type limits struct {
	maxBulk      int64 // proto-max-bulk-len
	maxQueryBuf  int64 // client-query-buffer-limit
	authRequired bool  // apply the stricter unauthenticated limits
}

// protoError is a protocol violation: Redis replies with msg and closes.
type protoError struct{ msg string }

func (e *protoError) Error() string { return e.msg }

// errQueryBufLimit closes a client whose unparsed input exceeds
// client-query-buffer-limit; Redis sends no reply for it.
var errQueryBufLimit = fmt.Errorf("query buffer limit reached")

// reqReader buffers a connection's input and yields one request at a time.
type reqReader struct {
	buf  []byte // unread input is buf[r:w]
	r, w int

	// Progress through the current request, so that bytes already checked
	// are not checked again when more arrive.
	pending int  // multibulk: bulks left to read; -1 before the header
	scan    int  // offset in buf checked so far
	want    int  // bytes from r the request is known to need, for growing
	stuck   bool // inline: a NUL precedes the newline, the line never ends

	// What Redis would still hold of a pending request (querybuf.go): it
	// starts at mark (Redis's qb_pos) when mark is past r. A bulk whose
	// header is read is bulklen long (-1: none); bigTrim says a big one
	// starts Redis's buffer.
	mark    int
	bulklen int
	bigTrim bool
	st      *queryBufState

	args    [][]byte
	offs    []int  // multibulk: each checked argument's start, from r
	scratch []byte // inline arguments after unquoting
}

func newReqReader() reqReader {
	st := &queryBufState{}
	st.bulklen.Store(-1)
	return reqReader{pending: -1, bulklen: -1, st: st}
}

// buffered is the number of bytes Redis would hold in its query buffer
// (qbuf in CLIENT LIST): the unread ones, less the arguments of a pending
// request already parsed.
func (p *reqReader) buffered() int { return p.w - max(p.r, p.mark) }

// capacity is the size of the read buffer.
func (p *reqReader) capacity() int { return cap(p.buf) }

// reclaim rewinds an empty buffer, replacing one grown for a large request
// with a fresh one of the usual size.
func (p *reqReader) reclaim() {
	if p.r == p.w {
		p.r, p.w, p.scan, p.mark = 0, 0, 0, 0
		if cap(p.buf) > keepBufSize {
			p.buf = nil // release a buffer grown for one large request
		}
	}
	if cap(p.args) > keepArgs && p.pending < 0 {
		// Argument lists of a request with very many arguments go too
		// (not while one is being read: offs holds its progress).
		p.args, p.offs = nil, nil
	}
	if p.buf == nil {
		// Redis's first read allocates room for PROTO_IOBUF_LEN.
		p.buf = make([]byte, firstReadAlloc)
	}
}

// fill reads more input from rd, making room first. The buffer grows by
// doubling, never past what the pending request is known to need, so a
// bulk announced large costs memory only as its bytes arrive.
func (p *reqReader) fill(rd io.Reader, lim *limits) error {
	p.reclaim()
	if p.w == len(p.buf) {
		if p.r > 0 {
			n := copy(p.buf, p.buf[p.r:p.w])
			p.scan -= p.r
			p.mark -= p.r
			p.r, p.w = 0, n
		} else {
			if int64(p.w) >= lim.maxQueryBuf {
				return errQueryBufLimit
			}
			size := 2 * len(p.buf)
			if p.want > len(p.buf) && p.want < size {
				size = p.want
			}
			nb := make([]byte, size)
			copy(nb, p.buf[:p.w])
			p.buf = nb
		}
	}
	// Read no more than Redis would, so that its buffer sizes follow.
	prev := p.buffered()
	_, readlen := p.room(int(p.st.alloc.Load()), prev)
	end := len(p.buf)
	if readlen < end-p.w {
		end = p.w + readlen
	}
	n, err := rd.Read(p.buf[p.w:end])
	if n > 0 {
		p.account(prev, n)
		p.w += n
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// next returns the next complete request. It returns nil args and a nil
// error when more input is needed. The arguments alias the read buffer and
// are valid until the next fill.
func (p *reqReader) next(lim *limits) ([][]byte, error) {
	for p.r < p.w {
		var args [][]byte
		var err error
		if p.buf[p.r] == '*' {
			args, err = p.nextMultibulk(lim)
		} else {
			args, err = p.nextInline()
		}
		if err != nil || args == nil {
			return nil, err
		}
		if len(args) > 0 {
			return args, nil
		}
		// An empty request (blank line, *0, *-1): Redis skips it.
	}
	return nil, nil
}

// line finds the header line starting at from: the offset of its '\r',
// once the byte after it has arrived too. Like Redis's strchr, it does not
// look past a NUL byte.
func (p *reqReader) line(from int) (cr int, ok bool) {
	b := p.buf[from:p.w]
	// Headers ("*3", "$5") are a few bytes: one plain pass looking for both
	// '\r' and NUL costs less than two IndexByte calls. Longer lines (only
	// malformed or hostile ones) take the vectorised path.
	for i := 0; i < len(b) && i < shortHeader; i++ {
		switch b[i] {
		case '\r':
			if from+i+1 >= p.w {
				return -1, false
			}
			return from + i, true
		case 0:
			return -1, false
		}
	}
	if len(b) <= shortHeader {
		return -1, false
	}
	i := bytes.IndexByte(b[shortHeader:], '\r')
	if i < 0 {
		return -1, false
	}
	i += shortHeader
	if from+i+1 >= p.w || bytes.IndexByte(b[shortHeader:i], 0) >= 0 {
		return -1, false
	}
	return from + i, true
}

// shortHeader is how far line scans byte by byte.
const shortHeader = 32

func (p *reqReader) nextMultibulk(lim *limits) ([][]byte, error) {
	if p.pending < 0 {
		cr, ok := p.line(p.r)
		if !ok {
			if p.w-p.r > inlineMaxSize {
				return nil, &protoError{errProtoMbulkTooBig}
			}
			return nil, nil
		}
		n, ok := store.ParseInt(p.buf[p.r+1 : cr])
		if !ok || n > math.MaxInt32 {
			return nil, &protoError{errProtoMultibulkLen}
		}
		if n > unauthMaxArgs && lim.authRequired {
			return nil, &protoError{errProtoUnauthMbulk}
		}
		if n <= 0 {
			p.r = cr + 2
			return [][]byte{}, nil
		}
		p.pending = int(n)
		p.offs = p.offs[:0]
		p.scan = cr + 2
		p.want = 0
	}
	for p.pending > 0 {
		cr, ok := p.line(p.scan)
		if !ok {
			if p.w-p.scan > inlineMaxSize {
				return nil, &protoError{errProtoBulkTooBig}
			}
			p.mark = p.scan // Redis has taken the arguments before
			return nil, nil
		}
		if ch := p.buf[p.scan]; ch != '$' {
			return nil, &protoError{errProtoExpectedDollar + string([]byte{ch}) + "'"}
		}
		n, ok := store.ParseInt(p.buf[p.scan+1 : cr])
		if !ok || n < 0 || n > lim.maxBulk {
			return nil, &protoError{errProtoBulkLen}
		}
		if n > unauthMaxBulk && lim.authRequired {
			return nil, &protoError{errProtoUnauthBulk}
		}
		start := cr + 2
		if int64(p.w-start)-2 < n {
			if p.bulklen < 0 {
				p.bulkPending(start, int(n))
			}
			p.mark = start
			// n may be as large as proto-max-bulk-len allows: saturate.
			p.want = math.MaxInt
			if head := int64(start - p.r + 2); n <= math.MaxInt64-head {
				p.want = int(head + n)
			}
			return nil, nil
		}
		if p.bulklen >= 0 || n >= bigArgLen {
			p.bulkDone(start, int(n))
		}
		// Offsets from r stay valid when fill moves or grows the buffer.
		p.offs = append(p.offs, start-p.r, int(n))
		p.scan = start + int(n) + 2
		p.pending--
	}
	p.pending = -1
	p.want = 0
	args := p.args[:0]
	for i := 0; i < len(p.offs); i += 2 {
		from := p.r + p.offs[i]
		to := from + p.offs[i+1]
		args = append(args, p.buf[from:to:to])
	}
	p.args = args
	p.r = p.scan
	return args, nil
}

func (p *reqReader) nextInline() ([][]byte, error) {
	from := max(p.scan, p.r)
	nl := -1
	if !p.stuck {
		b := p.buf[from:p.w]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			nl = from + i
			b = b[:i]
		}
		// Redis finds the newline with strchr, which stops at a NUL: such a
		// line never ends.
		if bytes.IndexByte(b, 0) >= 0 {
			p.stuck, nl = true, -1
		}
	}
	if nl < 0 {
		if p.w-p.r > inlineMaxSize {
			return nil, &protoError{errProtoInlineTooBig}
		}
		p.scan = p.w
		return nil, nil
	}
	line := p.buf[p.r:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	var ok bool
	p.scratch, p.args, ok = splitInline(line, p.scratch, p.args[:0])
	if !ok {
		return nil, &protoError{errProtoUnbalanced}
	}
	p.r = nl + 1
	p.scan = p.r
	if len(p.args) == 0 {
		return [][]byte{}, nil
	}
	return p.args, nil
}
