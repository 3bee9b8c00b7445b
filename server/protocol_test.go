package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chunkReader returns its data n bytes per Read, to exercise requests that
// arrive in pieces.
type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(b []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(b), r.n, len(r.data))
	copy(b, r.data[:k])
	r.data = r.data[k:]
	return k, nil
}

func defaultLimits() limits {
	return limits{maxBulk: 512 << 20, maxQueryBuf: 1 << 30}
}

// parseAll feeds input to a reqReader chunk bytes at a time and returns the
// requests it yields, and the error that stopped it (nil at end of input).
func parseAll(input []byte, chunk int, lim limits) (reqs [][]string, err error) {
	p := newReqReader()
	rd := &chunkReader{data: input, n: chunk}
	for {
		if err := p.fill(rd, &lim); err != nil {
			if errors.Is(err, io.EOF) {
				return reqs, nil
			}
			return reqs, err
		}
		for {
			args, err := p.next(&lim)
			if err != nil {
				return reqs, err
			}
			if args == nil {
				break
			}
			req := make([]string, len(args))
			for i, a := range args {
				req[i] = string(a)
			}
			reqs = append(reqs, req)
		}
	}
}

func protoErrMsg(err error) string {
	var pe *protoError
	if errors.As(err, &pe) {
		return pe.msg
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func TestReqReader_Requests(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  [][]string
		err   string
	}{
		{"resp", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [][]string{{"GET", "k"}}, ""},
		{"resp pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", [][]string{{"PING"}, {"ECHO", ""}}, ""},
		{"binary bulk", "*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\x00\xff\r\n", [][]string{{"ECHO", "\r\n\x00\xff"}}, ""},
		{"empty multibulk ignored", "*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"bytes after cr not checked", "*1\rX$4\rYPING..", [][]string{{"PING"}}, ""},
		{"inline", "SET k v\r\nGET k\n", [][]string{{"SET", "k", "v"}, {"GET", "k"}}, ""},
		{"inline empty lines ignored", "\r\n\n   \r\nPING\r\n", [][]string{{"PING"}}, ""},
		{"inline quotes", `SET "a b" 'c d' "\x41\n"` + "\r\n", [][]string{{"SET", "a b", "c d", "A\n"}}, ""},
		{"mixed", "PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n", [][]string{{"PING"}, {"PING"}, {"PING"}}, ""},
		{"incomplete waits", "*2\r\n$3\r\nGET\r\n$1\r\n", nil, ""},
		{"incomplete inline waits", "PING", nil, ""},

		{"multibulk not a number", "*x\r\n", nil, errProtoMultibulkLen},
		{"multibulk empty", "*\r\n", nil, errProtoMultibulkLen},
		{"multibulk above int32", "*3000000000\r\n", nil, errProtoMultibulkLen},
		{"multibulk int64 max", "*9223372036854775807\r\n", nil, errProtoMultibulkLen},
		{"multibulk overflow", "*99999999999999999999\r\n", nil, errProtoMultibulkLen},
		{"multibulk leading zero", "*01\r\n", nil, errProtoMultibulkLen},
		{"multibulk plus sign", "*+1\r\n", nil, errProtoMultibulkLen},
		{"bulk not a number", "*1\r\n$x\r\n", nil, errProtoBulkLen},
		{"bulk negative", "*1\r\n$-10\r\n", nil, errProtoBulkLen},
		{"bulk int64 max", "*1\r\n$9223372036854775807\r\nx\r\n", nil, errProtoBulkLen},
		{"bulk over proto-max-bulk-len", "*1\r\n$536870913\r\n", nil, errProtoBulkLen},
		{"bulk 2000000000", "*1\r\n$2000000000\r\n", nil, errProtoBulkLen},
		{"expected dollar", "*1\r\nfoo\r\n", nil, errProtoExpectedDollar + "f'"},
		{"expected dollar raw byte", "*1\r\n\xff\r\n", nil, errProtoExpectedDollar + "\xff'"},
		{"expected dollar after good args", "*3\r\n$3\r\nSET\r\n:1\r\n", nil, errProtoExpectedDollar + ":'"},
		{"commands before an error run", "PING\r\n*1\r\n$-1\r\n", [][]string{{"PING"}}, errProtoBulkLen},
		{"unbalanced quotes", "SET \"a\r\n", nil, errProtoUnbalanced},
		{"quote then letter", "SET \"a\"b\r\n", nil, errProtoUnbalanced},
		{"unbalanced single", "SET 'a\r\n", nil, errProtoUnbalanced},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 3, 1 << 20} {
			t.Run(fmt.Sprintf("%s/chunk%d", tc.name, chunk), func(t *testing.T) {
				got, err := parseAll([]byte(tc.input), chunk, defaultLimits())
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("requests %q, want %q", got, tc.want)
				}
				if msg := protoErrMsg(err); msg != tc.err {
					t.Errorf("error %q, want %q", msg, tc.err)
				}
			})
		}
	}
}

func TestReqReader_TooBig(t *testing.T) {
	big := strings.Repeat("a", inlineMaxSize+1)
	cases := []struct {
		name  string
		input string
		err   string
	}{
		{"inline", big, errProtoInlineTooBig},
		{"mbulk count", "*" + big, errProtoMbulkTooBig},
		{"bulk count", "*1\r\n$" + big, errProtoBulkTooBig},
		// strchr stops at a NUL byte: such a line never ends.
		{"inline with nul", "PING\x00\r\n" + big, errProtoInlineTooBig},
		{"mbulk count with nul", "*1\x00\r\n" + big, errProtoMbulkTooBig},
		{"bulk count with nul", "*1\r\n$\x004\r\n" + big, errProtoBulkTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAll([]byte(tc.input), 4096, defaultLimits())
			if msg := protoErrMsg(err); msg != tc.err {
				t.Errorf("error %q, want %q", msg, tc.err)
			}
		})
	}
	// Just under the limit is fine.
	ok := strings.Repeat("a", inlineMaxSize-10) + "\r\n"
	reqs, err := parseAll([]byte(ok), 4096, defaultLimits())
	if err != nil || len(reqs) != 1 {
		t.Errorf("64KB-10 inline: %d requests, %v", len(reqs), err)
	}
}

func TestReqReader_Unauthenticated(t *testing.T) {
	lim := defaultLimits()
	lim.authRequired = true
	cases := []struct {
		input string
		err   string
	}{
		{"*11\r\n", errProtoUnauthMbulk},
		{"*10\r\n$16385\r\n", errProtoUnauthBulk},
		{"*1\r\n$16384\r\n" + strings.Repeat("x", 16384) + "\r\n", ""},
		{"*10\r\n" + strings.Repeat("$1\r\na\r\n", 10), ""},
	}
	for _, tc := range cases {
		_, err := parseAll([]byte(tc.input), 1<<20, lim)
		if msg := protoErrMsg(err); msg != tc.err {
			t.Errorf("%.20q: error %q, want %q", tc.input, msg, tc.err)
		}
	}
}

func TestReqReader_ProtoMaxBulkLen(t *testing.T) {
	lim := defaultLimits()
	lim.maxBulk = 5
	if _, err := parseAll([]byte("*1\r\n$6\r\nabcdef\r\n"), 100, lim); protoErrMsg(err) != errProtoBulkLen {
		t.Errorf("6 > 5: %v", err)
	}
	if reqs, err := parseAll([]byte("*1\r\n$5\r\nabcde\r\n"), 100, lim); err != nil || len(reqs) != 1 {
		t.Errorf("5: %v %v", reqs, err)
	}
	// The largest configurable limit must not overflow the size arithmetic.
	lim.maxBulk = math.MaxInt64
	if _, err := parseAll([]byte("*1\r\n$9223372036854775807\r\nabc"), 100, lim); err != nil {
		t.Errorf("huge announced bulk: %v", err)
	}
}

func TestReqReader_QueryBufLimit(t *testing.T) {
	lim := defaultLimits()
	lim.maxQueryBuf = 1 << 20
	// A bulk that never completes grows the buffer to the limit, then stops.
	input := append([]byte("*1\r\n$100000000\r\n"), bytes.Repeat([]byte("x"), 3<<20)...)
	_, err := parseAll(input, 64<<10, lim)
	if !errors.Is(err, errQueryBufLimit) {
		t.Fatalf("err %v, want the query buffer limit", err)
	}
}

// A bulk announced large must not allocate its announced size before its
// bytes arrive.
func TestReqReader_GrowsWithInput(t *testing.T) {
	lim := defaultLimits()
	p := newReqReader()
	rd := &chunkReader{data: []byte("*1\r\n$536870912\r\n" + strings.Repeat("x", 100000)), n: 1 << 20}
	for {
		if err := p.fill(rd, &lim); err != nil {
			break
		}
		if args, err := p.next(&lim); args != nil || err != nil {
			t.Fatalf("unexpected %q %v", args, err)
		}
	}
	if c := p.capacity(); c > 1<<20 {
		t.Errorf("read buffer grew to %d bytes for 100 KB of input", c)
	}
}

// A pipeline deeper than the read buffer comes out complete and in order.
func TestReqReader_DeepPipeline(t *testing.T) {
	var in bytes.Buffer
	const n = 20000
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&in, "*2\r\n$4\r\nINCR\r\n$%d\r\n%d\r\n", len(fmt.Sprint(i)), i)
		} else {
			fmt.Fprintf(&in, "INCR %d\r\n", i)
		}
	}
	reqs, err := parseAll(in.Bytes(), 7777, defaultLimits())
	if err != nil || len(reqs) != n {
		t.Fatalf("%d requests, %v", len(reqs), err)
	}
	for i, r := range reqs {
		if len(r) != 2 || r[0] != "INCR" || r[1] != fmt.Sprint(i) {
			t.Fatalf("request %d: %q", i, r)
		}
	}
}

// A large read buffer is released once the request that needed it is done.
func TestReqReader_ReleasesLargeBuffer(t *testing.T) {
	lim := defaultLimits()
	p := newReqReader()
	big := strings.Repeat("v", 1<<20)
	rd := &chunkReader{data: []byte(fmt.Sprintf("*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n", len(big), big)), n: 1 << 16}
	got := false
	for !got {
		if err := p.fill(rd, &lim); err != nil {
			t.Fatal(err)
		}
		args, err := p.next(&lim)
		if err != nil {
			t.Fatal(err)
		}
		if args != nil {
			if string(args[1]) != big {
				t.Fatal("wrong argument")
			}
			got = true
		}
	}
	rd.data = []byte("PING\r\n")
	if err := p.fill(rd, &lim); err != nil {
		t.Fatal(err)
	}
	if c := p.capacity(); c > keepBufSize {
		t.Errorf("buffer of %d bytes kept after the large request", c)
	}
}

// serveTCP runs s.serveConn for the connections of a loopback listener and
// returns its address.
func serveTCP(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serveConn(nc)
		}
	}()
	return ln.Addr().String()
}

// A client that writes more than the socket buffers hold before reading
// gets every reply, in order: the writer goroutine takes over while the
// connection keeps reading (run with -race).
func TestConn_WriteAllThenRead(t *testing.T) {
	s, err := New(NewConfig(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTCP(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	const n = 8000
	payload := strings.Repeat("z", 2000)
	var req []byte
	for i := 0; i < n; i++ {
		req = append(req, encodeRESP([]string{"ECHO", payload + strconv.Itoa(i)})...)
	}
	req = append(req, "QUIT\r\n"...)
	if _, err := c.Write(req); err != nil {
		t.Fatalf("write: %v", err)
	}
	all, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var want bytes.Buffer
	for i := 0; i < n; i++ {
		v := payload + strconv.Itoa(i)
		fmt.Fprintf(&want, "$%d\r\n%s\r\n", len(v), v)
	}
	want.WriteString("+OK\r\n")
	if !bytes.Equal(all, want.Bytes()) {
		t.Fatalf("got %d bytes, want %d (replies lost, reordered or the connection closed early)", len(all), want.Len())
	}
}

// Reply encodes RESP3 types as Redis 7 does, and degrades them to Redis's
// RESP2 forms.
func TestReply_Encodings(t *testing.T) {
	cases := []struct {
		name         string
		write        func(r *Reply)
		resp2, resp3 string
	}{
		{"null", func(r *Reply) { r.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(r *Reply) { r.NullArray() }, "*-1\r\n", "_\r\n"},
		{"map", func(r *Reply) { r.Map(2) }, "*4\r\n", "%2\r\n"},
		{"empty map", func(r *Reply) { r.Map(0) }, "*0\r\n", "%0\r\n"},
		{"set", func(r *Reply) { r.Set(3) }, "*3\r\n", "~3\r\n"},
		{"push", func(r *Reply) { r.Push(3) }, "*3\r\n", ">3\r\n"},
		{"array", func(r *Reply) { r.Array(2) }, "*2\r\n", "*2\r\n"},
		{"double", func(r *Reply) { r.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double 17 digits", func(r *Reply) { r.Double(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"double exponent", func(r *Reply) { r.Double(1e21) }, "$5\r\n1e+21\r\n", ",1e+21\r\n"},
		{"double small", func(r *Reply) { r.Double(1e-5) }, "$22\r\n1.0000000000000001e-05\r\n", ",1.0000000000000001e-05\r\n"},
		{"double negative zero", func(r *Reply) { r.Double(math.Copysign(0, -1)) }, "$2\r\n-0\r\n", ",-0\r\n"},
		{"double inf", func(r *Reply) { r.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"double -inf", func(r *Reply) { r.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"bool true", func(r *Reply) { r.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"bool false", func(r *Reply) { r.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(r *Reply) { r.Verbatim("a\nb") }, "$3\r\na\nb\r\n", "=7\r\ntxt:a\nb\r\n"},
		{"big number", func(r *Reply) { r.BigNumber("123456789012345678901234567890") }, "$30\r\n123456789012345678901234567890\r\n", "(123456789012345678901234567890\r\n"},
		{"simple", func(r *Reply) { r.Simple("OK") }, "+OK\r\n", "+OK\r\n"},
		{"error newlines", func(r *Reply) { r.Error("ERR a\r\nb") }, "-ERR a  b\r\n", "-ERR a  b\r\n"},
		{"bulk", func(r *Reply) { r.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"bulk int", func(r *Reply) { r.BulkInt(-42) }, "$3\r\n-42\r\n", "$3\r\n-42\r\n"},
		{"int", func(r *Reply) { r.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
	}
	for _, tc := range cases {
		for _, proto := range []int{2, 3} {
			r := Reply{proto: proto}
			tc.write(&r)
			want := tc.resp2
			if proto == 3 {
				want = tc.resp3
			}
			if got := string(r.Bytes()); got != want {
				t.Errorf("%s in RESP%d: %q, want %q", tc.name, proto, got, want)
			}
		}
	}
}

// line agrees with the plain definition (the first '\r' with a byte after
// it, and no NUL before it) around the short-header boundary.
func TestReqReaderLine(t *testing.T) {
	ref := func(b []byte, from, w int) (int, bool) {
		i := bytes.IndexByte(b[from:w], '\r')
		if i < 0 || from+i+1 >= w || bytes.IndexByte(b[from:from+i], 0) >= 0 {
			return -1, false
		}
		return from + i, true
	}
	rng := rand.New(rand.NewPCG(7, 7))
	alphabet := []byte{'$', '1', '\r', '\n', 0, 'x'}
	for range 20000 {
		n := rng.IntN(80)
		b := make([]byte, n)
		sparse := 10 + rng.IntN(2)*90 // special bytes often, or rarely (long lines)
		for i := range b {
			if rng.IntN(sparse) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = '7'
			}
		}
		from := 0
		if n > 0 {
			from = rng.IntN(n)
		}
		p := &reqReader{buf: b, w: n}
		gotCR, gotOK := p.line(from)
		wantCR, wantOK := ref(b, from, n)
		if gotCR != wantCR || gotOK != wantOK {
			t.Fatalf("line(%q, from %d) = %d %v, want %d %v", b, from, gotCR, gotOK, wantCR, wantOK)
		}
	}
}
