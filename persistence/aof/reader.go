package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrTruncated reports input that ends inside a command: a cut-off tail,
// which aof-load-truncated may drop (Redis's "short read").
var ErrTruncated = errors.New("unexpected end of file")

// FormatError is input that is not a sequence of commands at Offset (Redis's
// "Bad file format").
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("bad format at offset %d: %s", e.Offset, e.Msg)
}

// Reader reads the commands of an AOF, one at a time, as Redis's
// loadSingleAppendOnlyFile: "#" annotation lines are skipped; each command is
// a RESP array of bulk strings. It never allocates more than the input
// holds, whatever lengths the input announces.
type Reader struct {
	br    *bufio.Reader
	off   int64 // bytes consumed
	valid int64 // offset just after the last complete command
	start int64 // offset where the current command began
	data  []byte
	spans [][2]int
	args  [][]byte
}

// maxLine bounds a header line ("*<n>" or "$<n>"), as Redis reads them
// into a 1024-byte buffer.
const maxLine = 1024

// NewReader reads commands from r, whose first byte is at offset base in
// its file (after an RDB preamble, base is the preamble's length).
func NewReader(r io.Reader, base int64) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{br: br, off: base, valid: base}
}

// Offset is the offset just after the last complete command: where a
// truncated file is cut.
func (r *Reader) Offset() int64 { return r.valid }

// Start is the offset where the command Next returned (or failed on) began.
func (r *Reader) Start() int64 { return r.start }

// Next returns the next command. The slices are valid until the next call.
// At the end of input it returns io.EOF; input cut inside a command gives
// ErrTruncated; anything else malformed a *FormatError.
func (r *Reader) Next() ([][]byte, error) {
	for {
		r.start = r.off
		line, err := r.readLine()
		if err == io.EOF && len(line) > 0 && line[0] == '#' {
			// An annotation without its newline at the end: Redis's
			// fgets returns it and the loader skips it.
			r.valid = r.off
			return nil, io.EOF
		}
		if err != nil {
			if err == io.EOF && len(line) == 0 {
				return nil, io.EOF
			}
			return nil, r.lineErr(err)
		}
		if line[0] == '#' {
			r.valid = r.off // annotations count as valid content
			continue
		}
		if line[0] != '*' {
			return nil, r.formatErr("expected '*'")
		}
		argc, ok := parseLen(line[1:])
		if !ok || argc < 1 {
			return nil, r.formatErr("invalid multibulk length")
		}
		return r.readArgs(argc)
	}
}

func (r *Reader) readArgs(argc int64) ([][]byte, error) {
	r.data = r.data[:0]
	r.spans = r.spans[:0]
	for range argc {
		at := r.off
		line, err := r.readLine()
		if err != nil {
			return nil, r.lineErr(err)
		}
		if line[0] != '$' {
			return nil, &FormatError{Offset: at, Msg: "expected '$'"}
		}
		n, ok := parseLen(line[1:])
		if !ok {
			return nil, &FormatError{Offset: at, Msg: "invalid bulk length"}
		}
		from := len(r.data)
		if err := r.readBulk(n); err != nil {
			return nil, err
		}
		r.spans = append(r.spans, [2]int{from, len(r.data)})
	}
	r.args = r.args[:0]
	for _, s := range r.spans {
		r.args = append(r.args, r.data[s[0]:s[1]:s[1]])
	}
	r.valid = r.off
	if cap(r.data) > 1<<20 {
		defer func() { r.data = nil }()
	}
	return r.args, nil
}

// readBulk appends n bytes of payload to r.data and checks the CRLF after
// them. The buffer grows with what actually arrives, so a corrupt length
// cannot make it allocate more than the input holds.
func (r *Reader) readBulk(n int64) error {
	for n > 0 {
		chunk := min(n, 64<<10)
		from := len(r.data)
		r.data = append(r.data, make([]byte, chunk)...)
		m, err := io.ReadFull(r.br, r.data[from:])
		r.off += int64(m)
		if err != nil {
			return ErrTruncated
		}
		n -= chunk
	}
	var crlf [2]byte
	m, err := io.ReadFull(r.br, crlf[:])
	r.off += int64(m)
	if err != nil {
		return ErrTruncated
	}
	if crlf != [2]byte{'\r', '\n'} {
		return &FormatError{Offset: r.off - 2, Msg: "expected CRLF after bulk string"}
	}
	return nil
}

// readLine reads one line without its line ending. It returns io.EOF with
// whatever was read when the input ends before the newline.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	r.off += int64(len(line))
	switch {
	case err == bufio.ErrBufferFull:
		if len(line) > 0 && line[0] == '#' {
			// A long annotation: skip to its end.
			for err == bufio.ErrBufferFull {
				line, err = r.br.ReadSlice('\n')
				r.off += int64(len(line))
			}
			if err != nil {
				return []byte{'#'}, io.EOF
			}
			return []byte{'#'}, nil
		}
		return nil, &FormatError{Offset: r.off - int64(len(line)), Msg: "line too long"}
	case err != nil:
		return line, io.EOF
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) == 0 {
		return nil, &FormatError{Offset: r.off - 1, Msg: "empty line"}
	}
	if len(line) > maxLine && line[0] != '#' {
		return nil, &FormatError{Offset: r.off - int64(len(line)), Msg: "line too long"}
	}
	return line, nil
}

func (r *Reader) lineErr(err error) error {
	if err == io.EOF {
		return ErrTruncated
	}
	return err
}

func (r *Reader) formatErr(msg string) error { return &FormatError{Offset: r.start, Msg: msg} }

// parseLen parses a non-negative decimal length.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
