package tests

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests of the protocol layer: what reaches the socket, byte for
// byte, compared with redis-server where Redis's behaviour is the spec.

// sentinel is a request appended to inputs after which the connection should
// still be open; its reply marks the end of the output.
const sentinelReq = "*2\r\n$4\r\nECHO\r\n$7\r\n__end__\r\n"
const sentinelReply = "$7\r\n__end__\r\n"

// exchange sends input on a fresh connection and collects the output until
// the sentinel's reply (when sentinel is set), the server closes the
// connection, or wait passes.
func exchange(t *testing.T, addr string, input []byte, sentinel bool, wait time.Duration) (out string, closed bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if sentinel {
		input = append(input[:len(input):len(input)], sentinelReq...)
	}
	go func() {
		_ = c.SetWriteDeadline(time.Now().Add(wait + 5*time.Second))
		_, _ = c.Write(input) // the server may close before reading it all
	}()
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	deadline := time.Now().Add(wait)
	for {
		_ = c.SetReadDeadline(deadline)
		n, err := c.Read(chunk)
		buf.Write(chunk[:n])
		if sentinel && strings.HasSuffix(buf.String(), sentinelReply) {
			return buf.String(), false
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return buf.String(), false
			}
			return buf.String(), true
		}
	}
}

type rawCase struct {
	name     string
	input    string
	sentinel bool // the connection stays open: end with a sentinel request
}

func bigString(n int, c byte) string { return strings.Repeat(string([]byte{c}), n) }

var rawCases = []rawCase{
	{"empty query", "\r\n", true},
	{"empty lines", "\r\n\n \r\n\t\r\nPING\r\n", true},
	{"negative multibulk", "*-10\r\n", true},
	{"zero multibulk", "*0\r\n", true},
	{"minus one multibulk", "*-1\r\nPING\r\n", true},
	{"out of range multibulk", "*3000000000\r\n", false},
	{"int64 max multibulk", "*9223372036854775807\r\n", false},
	{"multibulk overflow", "*99999999999999999999\r\n", false},
	{"multibulk not a number", "*abc\r\n", false},
	{"multibulk empty count", "*\r\n", false},
	{"multibulk leading zero", "*01\r\n", false},
	{"wrong payload header", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", false},
	{"expected dollar raw byte", "*1\r\n\xfe\r\n", false},
	{"expected dollar cr", "*1\r\n\r\n\r\n", false},
	{"negative bulk", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", false},
	{"out of range bulk", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", false},
	{"int64 max bulk", "*1\r\n$9223372036854775807\r\nx\r\n", false},
	{"bulk 512MB+1", "*1\r\n$536870913\r\n", false},
	{"non-number bulk", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", false},
	{"multibulk not followed by bulk", "*1\r\nfoo\r\n", false},
	{"bytes after cr unchecked", "*2\rX$4\rYECHO..$2\r\nhi!!", true},
	{"bulk trailer unchecked", "*1\r\n$4\r\nPINGxy", true},
	{"unbalanced quotes", "set \"\"\"test-key\"\"\" test-value\r\nping\r\n", false},
	{"unbalanced single quote", "ECHO 'abc\r\n", false},
	{"closing quote then char", "ECHO \"a\"b\r\n", false},
	{"commands before error are answered", "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$-3\r\n", false},
	{"inline ping", "PING\r\n", true},
	{"inline lf only", "PING\nPING\n", true},
	{"inline quoting", "ECHO \"a b\\x41\\x4a\\n\\t\\\\\\\"\"\r\nECHO 'it\\'s'\r\nECHO \"\\xzz\\q\"\r\n", true},
	{"inline empty args", "ECHO \"\"\r\nECHO ''\r\n", true},
	{"inline vertical tab", "ECHO\va\r\nECHO \va\vb\r\n", true},
	{"inline unknown command", "FOO bar 'baz qux'\r\n", true},
	{"inline wrong arity", "GET\r\n", true},
	{"inline high bytes", "ECHO \xff\xfe\r\n", true},
	{"pipeline mixed", "PING\r\n*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\nECHO x\r\n", true},
	{"too big inline", bigString(200<<10, 'a'), false},
	{"too big mbulk count", "*" + bigString(200<<10, '1'), false},
	{"too big bulk count", "*1\r\n$" + bigString(200<<10, '1'), false},
	{"nul before newline (desync #1)", "\x00" + bigString(200<<10, 'A'), false},
	{"nul in mbulk count (desync #2)", "*\x00" + bigString(200<<10, 'A'), false},
	{"nul in bulk count (desync #3)", "*1\r\n$\x00" + bigString(200<<10, 'A'), false},
	{"nul in inline line", "PING\x00\r\n" + bigString(200<<10, 'A'), false},
	{"cross protocol POST", "POST / HTTP/1.1\r\nHost: x\r\n\r\n", false},
	{"cross protocol Host", "PING\r\nHost: x\r\n", false},
	{"cross protocol POST ends at NUL", "*1\r\n$6\r\nPOST\x00x\r\n", false},
	{"postx is only unknown", "*1\r\n$5\r\npostx\r\n", true},
	{"quit stops the pipeline", "PING\r\nQUIT\r\nPING\r\n", false},
	{"multibulk with bare LF", "*1\n$4\nPING\n", true},
	{"inline with bare CR", "PING\rPING\r\nPING\rx\n", true},
	{"inline CR inside quotes", "ECHO \"a\rb\"\r\n", true},
	{"zero-length command name", "*1\r\n$0\r\n\r\n", true},
	{"long unknown command name", "*1\r\n$200\r\n" + bigString(200, 'c') + "\r\n", true},
	{"command name with NUL", "*2\r\n$5\r\nab\x00cd\r\n$3\r\nx\x00y\r\n", true},
	{"mixed case command", "*1\r\n$4\r\npInG\r\nEcHo Hi\r\n", true},
}

// TestProtocolDiff sends raw bytes to Ember and redis-server and compares
// the bytes that come back and whether the connection was closed.
func TestProtocolDiff(t *testing.T) {
	ember, redis := sharedServers(t)
	for _, tc := range rawCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, wantClosed := exchange(t, redis.Addr, []byte(tc.input), tc.sentinel, 5*time.Second)
			got, gotClosed := exchange(t, ember.Addr, []byte(tc.input), tc.sentinel, 5*time.Second)
			if got != want || gotClosed != wantClosed {
				t.Errorf("input %.80q\n  redis: %q closed=%v\n  ember: %q closed=%v", tc.input, want, wantClosed, got, gotClosed)
			}
		})
	}
}

// Unauthenticated clients get Redis's stricter limits and errors.
func TestProtocolDiff_RequirePass(t *testing.T) {
	redis := startRedis(t, "--requirepass", "s3cret")
	ember := startEmber(t, "--requirepass", "s3cret")
	cases := []rawCase{
		{"noauth", "PING\r\n", true},
		{"eleven args", "*11\r\n", false},
		{"ten args ok", "*10\r\n" + strings.Repeat("$1\r\na\r\n", 10), true},
		{"bulk over 16KB", "*2\r\n$4\r\nECHO\r\n$16385\r\n", false},
		{"bulk 16KB ok", "*2\r\n$4\r\nECHO\r\n$16384\r\n" + bigString(16384, 'x') + "\r\n", true},
		{"limits end with auth", "AUTH s3cret\r\n*11\r\n" + strings.Repeat("$1\r\na\r\n", 11) + "*2\r\n$4\r\nECHO\r\n$16385\r\n" + bigString(16385, 'y') + "\r\n", true},
		{"wrong password", "AUTH nope\r\nAUTH default nope\r\nAUTH a b c\r\n", true},
		{"hello before auth", "HELLO 3\r\nHELLO 2\r\n", true},
		{"hello auth wrong", "HELLO 3 AUTH default nope\r\n", true},
		{"hello auth missing password", "HELLO 3 AUTH default\r\n", true},
		{"hello setname bad", "HELLO 3 AUTH default s3cret SETNAME \"a b\"\r\n", true},
		{"inline too big before auth", bigString(200<<10, 'a'), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The ECHO sentinel needs authentication: end with QUIT instead,
			// which works before AUTH, and read until the server closes.
			input := tc.input
			if tc.sentinel {
				input += "QUIT\r\n"
			}
			want, wantClosed := exchange(t, redis.Addr, []byte(input), false, 5*time.Second)
			got, gotClosed := exchange(t, ember.Addr, []byte(input), false, 5*time.Second)
			if got != want || gotClosed != wantClosed {
				t.Errorf("input %.80q\n  redis: %q closed=%v\n  ember: %q closed=%v", tc.input, want, wantClosed, got, gotClosed)
			}
		})
	}
	// HELLO AUTH ... SETNAME succeeds; the reply carries ids that differ,
	// so compare it with the id masked.
	input := "HELLO 3 AUTH default s3cret SETNAME me\r\nPING\r\nHELLO 2\r\nQUIT\r\n"
	want, _ := exchange(t, redis.Addr, []byte(input), false, 5*time.Second)
	got, _ := exchange(t, ember.Addr, []byte(input), false, 5*time.Second)
	if maskID(got) != maskID(want) {
		t.Errorf("HELLO AUTH SETNAME\n  redis: %q\n  ember: %q", want, got)
	}
}

// maskID replaces the value after "$2\r\nid\r\n" in a HELLO reply.
func maskID(s string) string {
	const key = "$2\r\nid\r\n:"
	for i := strings.Index(s, key); i >= 0; {
		j := i + len(key)
		k := strings.Index(s[j:], "\r\n")
		s = s[:j] + "ID" + s[j+k:]
		n := strings.Index(s[j:], key)
		if n < 0 {
			break
		}
		i = j + n
	}
	return s
}

// RESP3 shapes the protocol layer owns (HELLO's map, nulls, COMMAND's sets
// and maps), compared with Redis.
var resp3Cases = []diffCase{
	{"resp3 hello then commands", "!HELLO 3", "PING", "PING hi", "ECHO x", "GET p3:nosuchkey", "SET p3:k v", "GET p3:k", "COMMAND INFO nosuch", "COMMAND INFO select hello", "COMMAND INFO command|count command|help nosuch command|getkeys", "!HELLO 2", "GET p3:nosuchkey", "COMMAND INFO nosuch auth"},
	{"resp3 errors", "!HELLO 3", "FOO", "GET", "COMMAND FOO", "HELLO 4", "HELLO 3 SETNAME", "!HELLO"},
	{"hello protover errors", "HELLO 1", "HELLO 4", "HELLO -1", "HELLO abc", "HELLO 2 AUTH", "HELLO 2 AUTH default", "HELLO 2 SETNAME a b"},
	{"command getkeys", "COMMAND GETKEYS get k", "COMMAND GETKEYS set k v ex 10", "COMMAND GETKEYS del a b c", "COMMAND GETKEYS ping", "COMMAND GETKEYS nosuch a b", "COMMAND GETKEYS get", "COMMAND GETKEYS get a b", "COMMAND GETKEYS command count", "COMMAND GETKEYS command nosuch"},
	{"command getkeys resp3", "!HELLO 3", "COMMAND GETKEYS get k", "COMMAND GETKEYSANDFLAGS get k", "COMMAND GETKEYSANDFLAGS ping"},
	{"command arity", "COMMAND COUNT x", "COMMAND HELP x", "COMMAND GETKEYS", "COMMAND GETKEYS get"},
	{"command help", "COMMAND HELP", "command help", "COMMAND NOSUCH", "COMMAND nosuch a b"},
	{"command list", "COMMAND LIST FILTERBY", "COMMAND LIST FOO", "COMMAND LIST FILTERBY PATTERN", "COMMAND LIST FILTERBY NOSUCH x", "COMMAND LIST FILTERBY MODULE nosuch", "COMMAND LIST FILTERBY ACLCAT nosuch", "COMMAND LIST FILTERBY PATTERN nosuch*", "COMMAND LIST FILTERBY PATTERN a b c", "COMMAND LIST FILTERBY ACLCAT x FILTERBY ACLCAT y"},
	{"command docs unknown", "COMMAND DOCS nosuch", "COMMAND DOCS nosuch|x", "COMMAND DOCS \"\"", "!HELLO 3", "COMMAND DOCS nosuch other"},
	{"command info names", "COMMAND INFO GET Get", "COMMAND INFO COMMAND|COUNT", "COMMAND INFO command|", "COMMAND INFO |count", "COMMAND INFO command|count|x", "COMMAND INFO get|x", "COMMAND INFO \"\"", "COMMAND INFO |"},
}

func TestDiffProtocolRESP3(t *testing.T) { runDiff(t, resp3Cases) }

// pid of a server process started by a test.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// rssKB reads a process's resident set size from /proc.
func rssKB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("cannot read /proc/%d/status (%v): skipping the memory check", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// assertAlive checks the server still answers on a new connection.
func assertAlive(t *testing.T, addr string) {
	t.Helper()
	c := dialRaw(t, addr)
	if r, err := c.Do("PING"); err != nil || r != "+PONG\r\n" {
		t.Fatalf("server not answering after hostile input: %q %v", r, err)
	}
}

// sendStream writes total bytes of filler after prefix, as fast as the
// server takes them, and returns what the server replied and whether it
// closed the connection before everything was sent.
func sendStream(t *testing.T, addr string, prefix string, filler byte, total int) (reply string, cut bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
		_, _ = io.Copy(&b, c)
		done <- b.String()
	}()
	_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second))
	chunk := bytes.Repeat([]byte{filler}, 1<<20)
	sent := 0
	if _, err := c.Write([]byte(prefix)); err != nil {
		cut = true
	}
	for !cut && sent < total {
		n, err := c.Write(chunk[:min(len(chunk), total-sent)])
		sent += n
		if err != nil {
			cut = true
		}
	}
	if !cut {
		_ = c.(*net.TCPConn).CloseWrite()
	}
	return <-done, cut
}

// Hostile inputs must not crash, hang or bloat the server.
func TestProtocol_Hostile(t *testing.T) {
	p := startEmber(t)
	before := rssKB(t, p.pid())

	t.Run("huge bulk length", func(t *testing.T) {
		out, closed := exchange(t, p.Addr, []byte("*1\r\n$9223372036854775807\r\nx\r\n"), false, 5*time.Second)
		if out != "-ERR Protocol error: invalid bulk length\r\n" || !closed {
			t.Errorf("%q closed=%v", out, closed)
		}
		assertAlive(t, p.Addr)
	})
	t.Run("huge multibulk length", func(t *testing.T) {
		start := time.Now()
		out, closed := exchange(t, p.Addr, []byte("*9223372036854775807\r\n"), false, 5*time.Second)
		if out != "-ERR Protocol error: invalid multibulk length\r\n" || !closed {
			t.Errorf("%q closed=%v", out, closed)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
		assertAlive(t, p.Addr)
	})
	t.Run("large multibulk count stays cheap", func(t *testing.T) {
		// A count within range but never followed by arguments must not
		// allocate for the announced count.
		out, closed := exchange(t, p.Addr, []byte("*2147483647\r\n$4\r\nPING\r\n"), false, 300*time.Millisecond)
		if out != "" || closed {
			t.Errorf("%q closed=%v", out, closed)
		}
	})
	t.Run("200MB without a newline", func(t *testing.T) {
		reply, _ := sendStream(t, p.Addr, "", 'a', 200<<20)
		if reply != "-ERR Protocol error: too big inline request\r\n" {
			t.Errorf("reply %q", reply)
		}
		assertAlive(t, p.Addr)
	})
	t.Run("200MB multibulk count", func(t *testing.T) {
		reply, _ := sendStream(t, p.Addr, "*", '1', 200<<20)
		if reply != "-ERR Protocol error: too big mbulk count string\r\n" {
			t.Errorf("reply %q", reply)
		}
	})
	t.Run("bulk 512MB+1", func(t *testing.T) {
		out, closed := exchange(t, p.Addr, []byte("*2\r\n$3\r\nSET\r\n$536870913\r\n"), false, 5*time.Second)
		if out != "-ERR Protocol error: invalid bulk length\r\n" || !closed {
			t.Errorf("%q closed=%v", out, closed)
		}
	})
	t.Run("announced 512MB, sent 8MB", func(t *testing.T) {
		// The buffer grows with the bytes that arrive, not with the length
		// announced: the connection stays open, waiting.
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n"))
		_, _ = c.Write(bytes.Repeat([]byte("x"), 8<<20))
		time.Sleep(200 * time.Millisecond)
		if grown := rssKB(t, p.pid()) - before; grown > 100<<10 {
			t.Errorf("RSS grew by %d KB for 8 MB of a bulk announced at 512 MB", grown)
		}
	})
	after := rssKB(t, p.pid())
	t.Logf("RSS before %d KB, after %d KB", before, after)
	if after-before > 100<<10 {
		t.Errorf("RSS grew from %d KB to %d KB", before, after)
	}
	assertAlive(t, p.Addr)
}

// client-query-buffer-limit closes a client whose unparsed input is too
// large, without a reply, as Redis does.
func TestProtocol_QueryBufferLimit(t *testing.T) {
	for _, srv := range []struct {
		name  string
		start func(testing.TB, ...string) *proc
	}{{"redis", startRedis}, {"ember", startEmber}} {
		t.Run(srv.name, func(t *testing.T) {
			p := srv.start(t, "--client-query-buffer-limit", "1mb")
			reply, _ := sendStream(t, p.Addr, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n", 'x', 4<<20)
			if reply != "" {
				t.Errorf("reply %q, want none", reply)
			}
			assertAlive(t, p.Addr)
			c := dialRaw(t, p.Addr)
			if r, _ := c.Do("GET", "k"); r != "$-1\r\n" {
				t.Errorf("GET k after the refused SET: %q", r)
			}
		})
	}
}

// One client's protocol error closes only that client.
func TestProtocol_ErrorClosesOnlyThatClient(t *testing.T) {
	p := startEmber(t)
	other := dialRaw(t, p.Addr)
	if r, _ := other.Do("SET", "k", "v"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	out, closed := exchange(t, p.Addr, []byte("*1\r\nfoo\r\n"), false, 5*time.Second)
	if out != "-ERR Protocol error: expected '$', got 'f'\r\n" || !closed {
		t.Errorf("%q closed=%v", out, closed)
	}
	if r, _ := other.Do("GET", "k"); r != "$1\r\nv\r\n" {
		t.Errorf("other client: %q", r)
	}
}

// A pipeline of 100k commands in one write gets 100k replies, in order.
func TestProtocol_DeepPipeline(t *testing.T) {
	p := startEmber(t)
	const n = 100000
	var req bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			req.Write(encode("SET", "k"+strconv.Itoa(i), strconv.Itoa(i)))
		case 1:
			req.Write(encode("GET", "k"+strconv.Itoa(i-1)))
		default:
			fmt.Fprintf(&req, "ECHO %d\r\n", i)
		}
	}
	c := dialRaw(t, p.Addr)
	go func() { _ = c.Send(req.Bytes()) }()
	for i := 0; i < n; i++ {
		r, err := c.ReadReply()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		var want string
		switch i % 3 {
		case 0:
			want = "+OK\r\n"
		case 1:
			v := strconv.Itoa(i - 1)
			want = fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
		default:
			v := strconv.Itoa(i)
			want = fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
		}
		if r != want {
			t.Fatalf("reply %d: %q, want %q", i, r, want)
		}
	}
}

// A client that writes a whole pipeline before reading any reply, with
// more requests and replies than the socket buffers hold, must get all its
// replies: the server keeps reading while its replies wait (as Redis does),
// instead of both sides blocking on writes forever.
func TestProtocol_PipelineWriteAllThenRead(t *testing.T) {
	for _, srv := range []struct {
		name  string
		start func(testing.TB, ...string) *proc
	}{{"redis", startRedis}, {"ember", startEmber}} {
		t.Run(srv.name, func(t *testing.T) {
			p := srv.start(t)
			const n = 20000
			payload := bigString(1000, 'p')
			req := bytes.Repeat(encode("ECHO", payload), n)
			c, err := net.DialTimeout("tcp", p.Addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(60 * time.Second))
			if _, err := c.Write(req); err != nil {
				t.Fatalf("writing %d bytes before reading: %v", len(req), err)
			}
			rd := bufio.NewReaderSize(c, 1<<16)
			want := "$1000\r\n" + payload + "\r\n"
			buf := make([]byte, len(want))
			for i := 0; i < n; i++ {
				if _, err := io.ReadFull(rd, buf); err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
				if string(buf) != want {
					t.Fatalf("reply %d: %.40q", i, buf)
				}
			}
		})
	}
}

// Many clients pipelining at once each get their own replies in order.
func TestProtocol_ConcurrentPipelines(t *testing.T) {
	p := startEmber(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			c, err := net.Dial("tcp", p.Addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			var req bytes.Buffer
			for i := 0; i < 5000; i++ {
				req.Write(encode("ECHO", fmt.Sprintf("%d-%d", g, i)))
			}
			go func() { _, _ = c.Write(req.Bytes()) }()
			rd := bufio.NewReader(c)
			for i := 0; i < 5000; i++ {
				var b bytes.Buffer
				if err := readRESP(rd, &b); err != nil {
					errs <- err
					return
				}
				v := fmt.Sprintf("%d-%d", g, i)
				if want := fmt.Sprintf("$%d\r\n%s\r\n", len(v), v); b.String() != want {
					errs <- fmt.Errorf("client %d reply %d: %q, want %q", g, i, b.String(), want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// RESP3 reply types produced by other families (doubles, maps, sets, nulls
// inside arrays), compared with Redis. A case runs once Ember registers the
// commands it needs; until then it is skipped with a note. Keys carry a
// prefix of their own, for servers without FLUSHALL yet.
func TestDiffProtocolRESP3Types(t *testing.T) {
	ember, _ := sharedServers(t)
	cases := []struct {
		needs []string
		dc    diffCase
	}{
		{[]string{"zadd", "zscore", "zincrby", "zrange"}, diffCase{"resp3 doubles",
			"!HELLO 3", "ZADD p3:z 1.5 a 2 b", "ZSCORE p3:z a", "ZSCORE p3:z nosuch", "ZINCRBY p3:z 0.1 a", "ZADD p3:z INCR 1e300 b",
			"ZRANGE p3:z 0 -1 WITHSCORES", "ZINCRBY p3:z inf a", "ZSCORE p3:z a", "!HELLO 2", "ZSCORE p3:z a", "ZRANGE p3:z 0 -1 WITHSCORES"}},
		{[]string{"hset", "hgetall", "hmget"}, diffCase{"resp3 maps",
			"!HELLO 3", "HSET p3:h f v g w", "~HGETALL p3:h", "HGETALL p3:nosuch", "HMGET p3:h f nosuch", "!HELLO 2", "~HGETALL p3:h", "HMGET p3:h f nosuch"}},
		{[]string{"sadd", "smembers", "sismember"}, diffCase{"resp3 sets",
			"!HELLO 3", "SADD p3:s a b c", "~SMEMBERS p3:s", "SMEMBERS p3:nosuch", "SISMEMBER p3:s a", "!HELLO 2", "~SMEMBERS p3:s"}},
		{[]string{"incrbyfloat"}, diffCase{"resp3 incrbyfloat stays a bulk string",
			"!HELLO 3", "INCRBYFLOAT p3:f 1.5", "INCRBYFLOAT p3:f 1e400"}},
		{[]string{"config"}, diffCase{"resp3 config get is a map",
			"!HELLO 3", "CONFIG GET maxclients", "CONFIG GET nosuch", "!HELLO 2", "CONFIG GET maxclients"}},
	}
	var run []diffCase
	for _, c := range cases {
		missing := ""
		for _, n := range c.needs {
			if !hasCommand(t, ember.Addr, "", n) {
				missing = n
				break
			}
		}
		if missing != "" {
			t.Logf("%s: skipped, Ember has no %s yet", c.dc.name(), strings.ToUpper(missing))
			continue
		}
		run = append(run, c.dc)
	}
	runDiff(t, run)
}
