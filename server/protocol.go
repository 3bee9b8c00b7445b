package server

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/ember-kv/ember/store"
	"github.com/tidwall/redcon"
)

// Request parsing. redcon's parser (ReadNextCommand) splits RESP requests
// into arguments without copying, but it trusts its input: a huge or negative
// bulk length makes it index out of range, and it has no limits at all. So
// every request passes Redis's checks here first (processMultibulkBuffer in
// networking.c), incrementally, before redcon sees it. Inline requests are
// split here with Redis's own quoting rules.

const (
	readBufSize   = 16 * 1024 // Redis's PROTO_IOBUF_LEN
	inlineMaxSize = 64 * 1024 // Redis's PROTO_INLINE_MAX_SIZE
	keepBufSize   = 64 * 1024 // larger idle read buffers are released
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

	// Progress through the current multibulk request, so that bytes already
	// checked are not checked again when more arrive.
	pending int // bulks left to check; -1 before the header is read
	scan    int // offset in buf checked so far
	want    int // total bytes the request is known to need, for growing

	args    [][]byte
	scratch []byte // inline arguments after unquoting
}

func newReqReader() reqReader {
	return reqReader{pending: -1}
}

// buffered is the number of unread bytes (qbuf in CLIENT LIST).
func (p *reqReader) buffered() int { return p.w - p.r }

// capacity is the size of the read buffer.
func (p *reqReader) capacity() int { return cap(p.buf) }

// fill reads more input from rd, making room first.
func (p *reqReader) fill(rd io.Reader, lim *limits) error {
	if p.r == p.w {
		p.r, p.w, p.scan = 0, 0, 0
		if cap(p.buf) > keepBufSize {
			p.buf = nil // release a buffer grown for one large request
		}
	}
	if p.buf == nil {
		p.buf = make([]byte, readBufSize)
	}
	if p.w == len(p.buf) {
		if p.r > 0 {
			n := copy(p.buf, p.buf[p.r:p.w])
			p.scan -= p.r
			p.r, p.w = 0, n
		} else {
			if int64(p.w) >= lim.maxQueryBuf {
				return errQueryBufLimit
			}
			size := max(2*len(p.buf), p.want)
			nb := make([]byte, size)
			copy(nb, p.buf[:p.w])
			p.buf = nb
		}
	}
	n, err := rd.Read(p.buf[p.w:])
	p.w += n
	if n > 0 {
		return nil
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

// line finds the header line starting at from: the offset of its '\r' and
// whether the '\n' after it has arrived. Redis looks for '\r' and only then
// needs one more byte.
func (p *reqReader) line(from int) (cr int, ok bool) {
	i := bytes.IndexByte(p.buf[from:p.w], '\r')
	if i < 0 || from+i+1 >= p.w {
		return -1, false
	}
	return from + i, true
}

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
		if !ok || n > math.MaxInt32 || p.buf[cr+1] != '\n' {
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
		p.scan = cr + 2
		p.want = 0
	}
	for p.pending > 0 {
		cr, ok := p.line(p.scan)
		if !ok {
			if p.w-p.scan > inlineMaxSize {
				return nil, &protoError{errProtoBulkTooBig}
			}
			return nil, nil
		}
		if p.buf[p.scan] != '$' {
			return nil, &protoError{fmt.Sprintf(errProtoExpectedDollar, p.buf[p.scan])}
		}
		n, ok := store.ParseInt(p.buf[p.scan+1 : cr])
		if !ok || n < 0 || n > lim.maxBulk || p.buf[cr+1] != '\n' {
			return nil, &protoError{errProtoBulkLen}
		}
		if n > unauthMaxBulk && lim.authRequired {
			return nil, &protoError{errProtoUnauthBulk}
		}
		end := cr + 2 + int(n) + 2
		if end > p.w {
			p.want = end - p.r
			return nil, nil
		}
		// Redis skips the two bytes after a bulk without looking at them;
		// redcon insists on CRLF, so make them CRLF.
		p.buf[end-2], p.buf[end-1] = '\r', '\n'
		p.scan = end
		p.pending--
	}
	complete, args, _, leftover, err := redcon.ReadNextCommand(p.buf[p.r:p.scan], p.args[:0])
	p.pending = -1
	if err != nil || !complete || len(leftover) != 0 {
		// Cannot happen for input that passed the checks above.
		return nil, &protoError{errProtoMultibulkLen}
	}
	p.args = args
	p.r = p.scan
	return args, nil
}

func (p *reqReader) nextInline() ([][]byte, error) {
	from := max(p.scan, p.r)
	i := bytes.IndexByte(p.buf[from:p.w], '\n')
	if i < 0 {
		if p.w-p.r > inlineMaxSize {
			return nil, &protoError{errProtoInlineTooBig}
		}
		p.scan = p.w
		return nil, nil
	}
	nl := from + i
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
