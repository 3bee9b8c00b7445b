package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FuzzServer feeds requests to a live server on a loopback socket, as a
// client would: either the fuzzer's bytes as they are (first byte even), or
// (first byte odd) a pipeline of valid commands from the command table with
// arguments the bytes choose from keys, option keywords, numbers at the
// edges of their ranges and raw bytes. After each input:
//
//   - no handler panicked (the server recovers and logs "panic running":
//     that is a failure here, as an unrecovered panic is for the process);
//   - the connection closed promptly once the input ended, after a stream
//     of complete RESP replies (or after a protocol error);
//   - for generated pipelines, there was one reply per command;
//   - the server still answers PING and a command on the fuzzed keys from
//     another connection (no shard lock left held).
//
// Commands that would stop the server, sleep, write files, change its
// configuration or users, or hand the connection over (SHUTDOWN, DEBUG,
// CONFIG, ACL, SAVE, MONITOR, ...) are renamed away. CLIENT stays: the
// harness lifts a fuzzed CLIENT PAUSE and redials after a CLIENT KILL. proto-max-bulk-len and maxmemory
// are small so that no command can legitimately allocate much.
//
// Seed corpus: the inputs below and testdata/fuzz/FuzzServer (crashers
// found by `go test -fuzz=FuzzServer ./server` land there and stay as
// regression cases). Plain `go test` runs them all.
func FuzzServer(f *testing.F) {
	for _, s := range []string{
		"*1\r\n$4\r\nPING\r\n",
		"*3\r\n$3\r\nSET\r\n$2\r\nk0\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$2\r\nk0\r\n",
		"PING\r\nECHO \"a\\x41\" 'b'\r\n",
		"*1\r\n$9223372036854775807\r\n",
		"*9223372036854775807\r\n",
		"*3000000000\r\n",
		"*1\r\nfoo\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
		"MULTI\r\nSET k0 v\r\nINCR k0\r\nEXEC\r\n",
		"HELLO 3\r\nHSET k1 f v\r\nHGETALL k1\r\nZADD k2 1 a\r\nZRANGE k2 0 -1 WITHSCORES\r\n",
		"SETRANGE k0 4611686018427387904 x\r\nBITFIELD k0 SET u8 #536870912 1\r\n",
		"RPUSH k3 a b c\r\nLPOS k3 a RANK -9223372036854775808\r\nSRANDMEMBER k3 -9223372036854775807\r\n",
		"BLPOP k4 0\r\n",
		"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n",
		"CLIENT PAUSE 100000 WRITE\r\nSET k0 v\r\n",
		"QUIT\r\nPING\r\n",
	} {
		f.Add(append([]byte{0}, s...))
	}
	for _, s := range []string{"\x01\x02\x03", "\x10\x20\x30\x40\x50\x60\x70\x80", "\xff\xfe\xfd\xfc\xfb\xfa", "\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00"} {
		f.Add(append([]byte{1}, s...))
	}
	h := fuzzHarness(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		var input []byte
		expect := -1 // replies expected, when known
		if data[0]%2 == 0 {
			input = data[1:]
		} else {
			input, expect = h.generate(data[1:])
		}
		h.run(t, input, expect)
	})
}

// fuzzServer is the one server a fuzzing process uses, started on first use.
type fuzzServer struct {
	s       *Server
	addr    string
	log     *panicLog
	cmds    []*Command // commands the generator picks from
	ctlOnce sync.Mutex
	ctl     *bufio.ReadWriter
	ctlConn net.Conn
}

var (
	fuzzOnce sync.Once
	fuzzSrv  *fuzzServer
	fuzzErr  error
)

// Renamed away for fuzzing; the harness calls CONFIG and CLIENT by the
// names on the right.
var fuzzRenames = map[string]string{
	"shutdown": "", "debug": "", "monitor": "", "acl": "", "save": "", "bgsave": "",
	"bgrewriteaof": "", "replicaof": "", "slaveof": "", "failover": "", "sync": "", "psync": "",
	"migrate": "", "module": "", "config": "fuzz-config-7f3a",
}

// panicLog is the server's log output; it remembers recovered panics.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (l *panicLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytes.Contains(p, []byte("panic running")) {
		l.panics = append(l.panics, string(p))
	}
	return len(p), nil
}

func (l *panicLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.panics
	l.panics = nil
	return p
}

func fuzzHarness(f *testing.F) *fuzzServer {
	fuzzOnce.Do(func() { fuzzSrv, fuzzErr = startFuzzServer() })
	if fuzzErr != nil {
		f.Fatal(fuzzErr)
	}
	return fuzzSrv
}

func startFuzzServer() (*fuzzServer, error) {
	dir, err := os.MkdirTemp("", "ember-fuzz")
	if err != nil {
		return nil, err
	}
	cfg := NewConfig()
	text := fmt.Sprintf("port 0\nsave \"\"\ndir %s\nproto-max-bulk-len 1mb\nmaxmemory 64mb\nmaxmemory-policy allkeys-random\nlatency-tracking no\n", dir)
	probe, err := New(NewConfig(), io.Discard)
	if err != nil {
		return nil, err
	}
	for from, to := range fuzzRenames {
		if probe.table.Get(from) == nil {
			continue // not built yet
		}
		text += fmt.Sprintf("rename-command %s %q\n", from, to)
	}
	if err := cfg.LoadString(text); err != nil {
		return nil, err
	}
	log := &panicLog{}
	s, err := New(cfg, log)
	if err != nil {
		return nil, err
	}
	s.Serve() // the cron: expiry, eviction
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serveConn(nc)
		}
	}()
	h := &fuzzServer{s: s, addr: ln.Addr().String(), log: log}
	for _, c := range s.table.Commands() {
		if got := s.table.Get(c.Name); got == c {
			h.cmds = append(h.cmds, c)
		}
	}
	sort.Slice(h.cmds, func(i, j int) bool { return h.cmds[i].Name < h.cmds[j].Name })
	return h, nil
}

// control sends one command on the harness's own connection (redialled
// when a fuzzed CLIENT KILL closed it) and returns the raw reply.
func (h *fuzzServer) control(args ...string) (string, error) {
	h.ctlOnce.Lock()
	defer h.ctlOnce.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if h.ctl == nil {
			nc, err := net.DialTimeout("tcp", h.addr, 2*time.Second)
			if err != nil {
				return "", err
			}
			h.ctlConn = nc
			h.ctl = bufio.NewReadWriter(bufio.NewReader(nc), bufio.NewWriter(nc))
		}
		_ = h.ctlConn.SetDeadline(time.Now().Add(5 * time.Second))
		h.ctl.Write(encodeRESP(args))
		err := h.ctl.Flush()
		var out bytes.Buffer
		if err == nil {
			_, err = readReply(h.ctl.Reader, &out, true)
		}
		if err == nil {
			return out.String(), nil
		}
		h.ctlConn.Close()
		h.ctl = nil
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return "", err
		}
	}
	return "", fmt.Errorf("control connection keeps closing")
}

// run sends input on a fresh connection, half-closes it, and checks what
// comes back and the server's state afterwards.
func (h *fuzzServer) run(t *testing.T, input []byte, expect int) {
	nc, err := net.DialTimeout("tcp", h.addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tc := nc.(*net.TCPConn)
	_ = tc.SetLinger(0) // no TIME_WAIT pile-up across millions of runs
	defer tc.Close()
	go func() {
		_ = tc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, _ = tc.Write(input)
		_ = tc.CloseWrite()
	}()
	rd := bufio.NewReader(tc)
	replies, truncated := 0, false
	unpaused := false
	deadline := time.Now().Add(5 * time.Second)
	_ = tc.SetReadDeadline(deadline)
	var last bytes.Buffer
	for {
		last.Reset()
		complete, err := readReply(rd, &last, false)
		if err == nil {
			replies++
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			if !unpaused {
				// A fuzzed CLIENT PAUSE holds writes: lift it and wait again.
				unpaused = true
				if _, err := h.control("CLIENT", "UNPAUSE"); err != nil {
					t.Fatalf("control connection: %v", err)
				}
				_ = tc.SetReadDeadline(time.Now().Add(5 * time.Second))
				continue
			}
			t.Fatalf("connection neither answered nor closed within 10s of the input's end (%d replies so far)\ninput: %.300q", replies, input)
		}
		if errors.Is(err, io.EOF) && !complete && last.Len() == 0 {
			break // closed between replies
		}
		var ce *net.OpError
		if errors.As(err, &ce) && last.Len() == 0 {
			break // reset between replies (the input was cut short)
		}
		truncated = true
		if !bytes.Contains(bytes.ToLower(input), []byte("kill")) {
			t.Fatalf("reply %d cut short or malformed (%v): %.200q\ninput: %.300q", replies+1, err, last.String(), input)
		}
		break
	}
	if p := h.log.take(); len(p) > 0 {
		t.Fatalf("the server recovered from a panic:\n%s\ninput: %q", strings.Join(p, "\n"), input)
	}
	if expect >= 0 && !truncated && replies != expect {
		t.Fatalf("%d replies for %d commands\ninput: %.500q", replies, expect, input)
	}
	if r, err := h.control("PING"); err != nil || r != "+PONG\r\n" {
		t.Fatalf("server not answering PING after the input: %q %v\ninput: %.300q", r, err, input)
	}
	// Every key the generator uses, so that a shard lock left held shows
	// as a timeout here.
	if r, err := h.control("EXISTS", "k0", "k1", "k2", "k3", "k4", "{k0}a", "{k0}b"); err != nil || !strings.HasPrefix(r, ":") {
		t.Fatalf("server not answering EXISTS after the input: %q %v\ninput: %.300q", r, err, input)
	}
}

// readReply reads one RESP2/RESP3 reply from rd without keeping bulk
// bodies beyond a short prefix (replies may be large), validating its
// framing. complete reports that a whole reply was read; keep keeps every
// byte (for the control connection).
func readReply(rd *bufio.Reader, out *bytes.Buffer, keep bool) (complete bool, err error) {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return false, fmt.Errorf("reply line over %d bytes", rd.Size())
		}
		out.Write(line)
		return false, err
	}
	out.Write(line)
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return false, fmt.Errorf("malformed reply line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ',', '#', '_', '(':
		return true, nil
	case ':':
		if _, err := strconv.ParseInt(body, 10, 64); err != nil {
			return false, fmt.Errorf("bad integer reply %q", line)
		}
		return true, nil
	case '$', '=', '!':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil || n < -1 || (n == -1 && line[0] != '$') {
			return false, fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			return true, nil
		}
		if keep {
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(rd, buf); err != nil {
				return false, err
			}
			out.Write(buf)
		} else if _, err := io.CopyN(io.Discard, rd, n); err != nil {
			return false, err
		} else {
			var crlf [2]byte
			if _, err := io.ReadFull(rd, crlf[:]); err != nil {
				return false, err
			}
			out.Write(crlf[:])
		}
		if !bytes.HasSuffix(out.Bytes(), []byte("\r\n")) {
			return false, fmt.Errorf("bulk not followed by CRLF")
		}
		return true, nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil || n < -1 || (n == -1 && line[0] != '*') {
			return false, fmt.Errorf("bad count in %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := int64(0); i < n; i++ {
			if _, err := readReply(rd, out, keep); err != nil {
				return false, err
			}
			if !keep && out.Len() > 4096 {
				out.Reset()
				out.WriteString("...")
			}
		}
		if line[0] == '|' {
			// An attribute precedes the reply it describes.
			return readReply(rd, out, keep)
		}
		return true, nil
	}
	return false, fmt.Errorf("unknown reply type in %q", line)
}

// Arguments the generator draws from.
var (
	fuzzKeys   = []string{"k0", "k1", "k2", "k3", "k4", "{k0}a", "{k0}b"}
	fuzzTokens = []string{
		"EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "CH", "INCR", "KEEPTTL", "GET", "PERSIST",
		"WITHSCORES", "WITHSCORE", "WITHVALUES", "LIMIT", "BYSCORE", "BYLEX", "REV", "COUNT", "MATCH", "TYPE",
		"RANK", "MAXLEN", "LEFT", "RIGHT", "BEFORE", "AFTER", "STORE", "BY", "ASC", "DESC", "ALPHA",
		"AGGREGATE", "SUM", "MIN", "MAX", "WEIGHTS", "REPLACE", "ABSTTL", "IDLETIME", "FREQ", "DB",
		"OVERFLOW", "WRAP", "SAT", "FAIL", "SET", "INCRBY", "u8", "i64", "u63", "i1", "u1", "#0", "#1",
		"BIT", "BYTE", "AND", "OR", "XOR", "NOT", "ENCODING", "REFCOUNT", "HELP", "ASYNC", "SYNC",
		"string", "list", "hash", "set", "zset", "NOVALUES", "IDX", "LEN", "MINMATCHLEN", "WITHMATCHLEN",
		"NOSAVE", "NOW", "ABORT", "WRITE", "ALL", "ON", "OFF", "SKIP", "ID", "USAGE", "SAMPLES", "DOCS",
		"INFO", "LIST", "FILTERBY", "PATTERN", "ACLCAT", "GETKEYS", "AUTH", "SETNAME", "default", "RESET",
	}
	fuzzNumbers = []string{
		"0", "1", "-1", "2", "3", "10", "100", "1000", "-100", "65536", "4294967295", "4294967296",
		"2147483647", "2147483648", "-2147483649", "536870911", "536870912", "4611686018427387904",
		"9223372036854775807", "-9223372036854775808", "-9223372036854775807", "9223372036854775808",
		"18446744073709551615", "18446744073709551616", "1.5", "-0.5", "1e308", "1e309", "-1e309",
		"inf", "-inf", "+inf", "nan", "(1", "(-inf", "[a", "(a", "-", "+", "0x10", "1e3", " 1", "",
	}
	fuzzPatterns = []string{"*", "k*", "?", "[a-z]*", "[", "\\", "*[^0]", "k[0-9]"}
)

// generate turns fuzz bytes into a RESP pipeline of valid commands with
// chosen arguments and returns it with the number of replies it must get
// (-1 when a command in it may legitimately answer otherwise: blocking
// commands, QUIT, Pub/Sub).
func (h *fuzzServer) generate(data []byte) ([]byte, int) {
	g := &fuzzGen{data: data}
	var out []byte
	n := 1 + int(g.next()%16)
	expect := 0
	for i := 0; i < n && !g.done(); i++ {
		cmd := h.cmds[(int(g.next())<<8|int(g.next()))%len(h.cmds)]
		args := []string{cmd.Name}
		if len(cmd.Sub) > 0 && g.next()%8 != 0 {
			args = append(args, cmd.Sub[int(g.next())%len(cmd.Sub)].Name)
		}
		want := cmd.Arity
		if want < 0 {
			want = -want + int(g.next()%6)
		}
		if g.next()%16 == 0 {
			want += int(g.next()%3) - 1 // the wrong number of arguments, sometimes
		}
		for len(args) < want && !g.done() {
			args = append(args, g.arg())
		}
		out = append(out, encodeRESP(args)...)
		switch {
		case expect < 0:
		case cmd.Has(FlagBlocking) || cmd.Has(FlagPubSub) || cmd.Name == "quit" || cmd.Name == "client":
			// They may block until the input ends, stop the connection,
			// answer more than once or not at all (CLIENT REPLY OFF).
			expect = -1
		default:
			expect++
		}
	}
	return out, expect
}

type fuzzGen struct {
	data []byte
	i    int
}

func (g *fuzzGen) done() bool { return g.i >= len(g.data) }

func (g *fuzzGen) next() byte {
	if g.i >= len(g.data) {
		return 0
	}
	b := g.data[g.i]
	g.i++
	return b
}

func (g *fuzzGen) arg() string {
	pick := func(l []string) string { return l[int(g.next())%len(l)] }
	switch g.next() % 10 {
	case 0, 1, 2:
		return pick(fuzzKeys)
	case 3, 4:
		return pick(fuzzTokens)
	case 5, 6:
		return pick(fuzzNumbers)
	case 7:
		return strconv.Itoa(int(int8(g.next())))
	case 8:
		return pick(fuzzPatterns)
	default:
		n := int(g.next() % 24)
		if n == 23 {
			return strings.Repeat("v", int(g.next())*int(g.next())) // up to 64 KB
		}
		end := min(g.i+n, len(g.data))
		s := string(g.data[g.i:end])
		g.i = end
		return s
	}
}
