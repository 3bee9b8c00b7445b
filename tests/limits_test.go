package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server-side limits end to end: each answered with Redis's exact error (or
// its silent close), closing only the offending connection, with the
// server's memory bounded. Protocol-level cases that need no configuration
// are in protocol_test.go (TestProtocolDiff, TestProtocol_Hostile).

// bothServers runs fn against redis-server and ember-server started with the
// same arguments.
func bothServers(t *testing.T, args []string, fn func(t *testing.T, p *proc)) {
	for _, srv := range []struct {
		name  string
		start func(testing.TB, ...string) *proc
	}{{"redis", startRedis}, {"ember", startEmber}} {
		t.Run(srv.name, func(t *testing.T) { fn(t, srv.start(t, args...)) })
	}
}

// diffExchanges sends each input on a fresh connection to both servers and
// compares the output and whether the connection was closed.
func diffExchanges(t *testing.T, redis, ember *proc, cases []rawCase) {
	t.Helper()
	for _, tc := range cases {
		want, wantClosed := exchange(t, redis.Addr, []byte(tc.input), tc.sentinel, 5*time.Second)
		got, gotClosed := exchange(t, ember.Addr, []byte(tc.input), tc.sentinel, 5*time.Second)
		if got != want || gotClosed != wantClosed {
			t.Errorf("%s: input %.80q\n  redis: %.200q closed=%v\n  ember: %.200q closed=%v", tc.name, tc.input, want, wantClosed, got, gotClosed)
		}
	}
}

func bulkReq(args ...string) string { return string(encode(args...)) }

// proto-max-bulk-len set low bounds requests and the strings commands build.
func TestLimits_ProtoMaxBulkLen(t *testing.T) {
	redis := startRedis(t, "--proto-max-bulk-len", "1mb")
	ember := startEmber(t, "--proto-max-bulk-len", "1mb")
	mb := 1 << 20
	diffExchanges(t, redis, ember, []rawCase{
		{"bulk at the limit", bulkReq("SET", "k", bigString(mb, 'a')) + bulkReq("STRLEN", "k"), true},
		{"bulk over the limit", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n", false},
		{"setrange past the limit", bulkReq("SETRANGE", "k", "1048576", "x") + bulkReq("SETRANGE", "k", "1048575", "x") + bulkReq("STRLEN", "k"), true},
		{"append past the limit", bulkReq("SET", "a", bigString(mb-1, 'a')) + bulkReq("APPEND", "a", "b") + bulkReq("APPEND", "a", "c") + bulkReq("STRLEN", "a"), true},
		{"setbit past the limit", bulkReq("SETBIT", "b", "8388608", "1") + bulkReq("SETBIT", "b", "8388607", "1") + bulkReq("STRLEN", "b"), true},
		{"bitfield past the limit", bulkReq("BITFIELD", "f", "SET", "u8", "8388608", "1") + bulkReq("BITFIELD", "f", "SET", "u8", "#1048576", "1"), true},
		{"getrange of a big string", bulkReq("GETRANGE", "k", "0", "-1") + bulkReq("GETRANGE", "k", "-2", "9223372036854775807"), true},
	})
	// Raised at run time, the new limit applies to the next request.
	for _, p := range []*proc{redis, ember} {
		c := dialRaw(t, p.Addr)
		if r, _ := c.Do("CONFIG", "SET", "proto-max-bulk-len", "2mb"); r != "+OK\r\n" {
			t.Fatalf("CONFIG SET: %q", r)
		}
	}
	diffExchanges(t, redis, ember, []rawCase{
		{"raised limit", bulkReq("SET", "k", bigString(mb+mb/2, 'b')) + bulkReq("STRLEN", "k") + bulkReq("SETRANGE", "k", "2097151", "x"), true},
		{"raised limit exceeded", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2097153\r\n", false},
	})
}

// client-query-buffer-limit: a pending bulk larger than the limit closes the
// client (TestProtocol_QueryBufferLimit); raised or lowered at run time it
// applies to the next read; other clients are untouched.
func TestLimits_QueryBufferRuntime(t *testing.T) {
	bothServers(t, nil, func(t *testing.T, p *proc) {
		admin := dialRaw(t, p.Addr)
		mustDo(t, admin, "+OK\r\n", "CONFIG", "SET", "client-query-buffer-limit", "1mb")
		// sendStream returns once the server has closed the connection.
		if reply, _ := sendStream(t, p.Addr, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8000000\r\n", 'x', 4<<20); reply != "" {
			t.Errorf("1mb limit: reply %q", reply)
		}
		mustDo(t, admin, "$-1\r\n", "GET", "k")
		mustDo(t, admin, "+OK\r\n", "CONFIG", "SET", "client-query-buffer-limit", "16mb")
		c := dialRaw(t, p.Addr)
		mustDo(t, c, "+OK\r\n", "SET", "k", bigString(8<<20, 'x'))
		mustDo(t, c, ":8388608\r\n", "STRLEN", "k")
	})
}

// Ember keeps a whole request in its query buffer until it is complete, so
// client-query-buffer-limit bounds a request of many small arguments too.
// Redis moves each parsed argument out of its query buffer and accepts such
// a request whatever its total size (its memory is then unbounded): this is
// a deliberate difference, reached only by one request larger than the
// limit (1 GB by default).
func TestLimits_QueryBufferManyArgs(t *testing.T) {
	const n = 200000 // 1.4 MB of "$1\r\na\r\n"
	req := fmt.Sprintf("*%d\r\n$4\r\nMSET\r\n", n+1) + strings.Repeat("$1\r\na\r\n", n)
	bothServers(t, []string{"--client-query-buffer-limit", "1mb"}, func(t *testing.T, p *proc) {
		out, closed := exchange(t, p.Addr, []byte(req), false, 3*time.Second)
		switch {
		case p.cmd.Path == emberBin && (out != "" || !closed):
			t.Errorf("ember: %q closed=%v, want a silent close", out, closed)
		case p.cmd.Path != emberBin && out != "+OK\r\n":
			t.Errorf("redis: %q closed=%v, want +OK", out, closed)
		}
		assertAlive(t, p.Addr)
	})
}

// Before AUTH, Redis 7.0.15 allows at most 10 arguments and bulks of 16 KB
// (TestProtocolDiff_RequirePass), but no smaller query buffer: the 1 MB
// unauthenticated query buffer cap came in a later Redis. A client
// pipelining megabytes of small requests before authenticating gets NOAUTH
// for each and stays connected.
func TestLimits_PreAuthPipeline(t *testing.T) {
	redis := startRedis(t, "--requirepass", "pw")
	ember := startEmber(t, "--requirepass", "pw")
	one := bulkReq("ECHO", bigString(16<<10, 'e')) + "PING\r\n"
	in := strings.Repeat(one, (2<<20)/len(one)+1) + "QUIT\r\n"
	want, wantClosed := exchange(t, redis.Addr, []byte(in), false, 10*time.Second)
	got, gotClosed := exchange(t, ember.Addr, []byte(in), false, 10*time.Second)
	if got != want || gotClosed != wantClosed {
		t.Errorf("redis: %d bytes closed=%v %.80q\nember: %d bytes closed=%v %.80q", len(want), wantClosed, want, len(got), gotClosed, got)
	}
	if n := strings.Count(got, "-NOAUTH"); n < 2*(2<<20)/len(one) {
		t.Errorf("only %d NOAUTH replies", n)
	}
}

// maxclients: the connection after the limit gets Redis's error and is
// closed; counted in rejected_connections and not in
// total_connections_received; a freed slot is reusable; lowering the limit
// at run time keeps the clients already connected.
func TestLimits_MaxClients(t *testing.T) {
	results := map[string]string{}
	bothServers(t, []string{"--maxclients", "3"}, func(t *testing.T, p *proc) {
		var b strings.Builder
		conns := make([]*rawConn, 3)
		for i := range conns {
			conns[i] = dialRaw(t, p.Addr)
			mustDo(t, conns[i], "+PONG\r\n", "PING")
		}
		out, closed := exchange(t, p.Addr, []byte("PING\r\n"), false, 3*time.Second)
		fmt.Fprintf(&b, "over the limit: %q closed=%v\n", out, closed)
		conns[2].c.Close()
		// The server notices the close asynchronously.
		for i := 0; i < 100; i++ {
			info, _ := conns[0].Do("INFO", "clients")
			if rawInfoField(info, "connected_clients") == "2" {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		again, _ := exchange(t, p.Addr, []byte("PING\r\n"), false, 500*time.Millisecond)
		fmt.Fprintf(&b, "slot freed: %q\n", again)
		info, _ := conns[0].Do("INFO", "stats")
		for _, f := range []string{"rejected_connections", "total_connections_received"} {
			fmt.Fprintf(&b, "%s:%s\n", f, rawInfoField(info, f))
		}
		mustDo(t, conns[0], "+OK\r\n", "CONFIG", "SET", "maxclients", "1")
		mustDo(t, conns[1], "+PONG\r\n", "PING")
		out, closed = exchange(t, p.Addr, []byte("PING\r\n"), false, 3*time.Second)
		fmt.Fprintf(&b, "lowered: %q closed=%v\n", out, closed)
		results[t.Name()] = b.String()
	})
	r, e := results["TestLimits_MaxClients/redis"], results["TestLimits_MaxClients/ember"]
	if r != e {
		t.Errorf("redis:\n%s\nember:\n%s", r, e)
	}
	if !strings.Contains(e, `"-ERR max number of clients reached\r\n" closed=true`) {
		t.Errorf("ember:\n%s", e)
	}
}

func rawInfoField(info, name string) string {
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	return "(missing)"
}

// closedWithin reads from c until the server closes it or wait passes, and
// returns what arrived and after how long the close came (-1: still open).
func closedWithin(c net.Conn, wait time.Duration) (string, time.Duration) {
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(wait))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return string(b), -1
	}
	return string(b), time.Since(start)
}

// timeout closes idle clients without a reply, also one inside MULTI or
// half-way through a request, and also when set at run time while they
// wait; active clients and blocked ones (TestBlocking_IdleTimeoutExempt)
// stay.
func TestLimits_IdleTimeout(t *testing.T) {
	bothServers(t, []string{"--timeout", "1"}, func(t *testing.T, p *proc) {
		t.Parallel()
		active := dialRaw(t, p.Addr)
		idle := dialRaw(t, p.Addr)
		mustDo(t, idle, "+PONG\r\n", "PING")
		inMulti := dialRaw(t, p.Addr)
		mustDo(t, inMulti, "+OK\r\n", "MULTI")
		partial := dialRaw(t, p.Addr)
		_ = partial.Send([]byte("*2\r\n$4\r\nECHO\r\n$5\r\nab"))
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
				if r, err := active.Do("PING"); err != nil || r != "+PONG\r\n" {
					t.Errorf("active client: %q %v", r, err)
					return
				}
			}
		}()
		for name, c := range map[string]*rawConn{"idle": idle, "in MULTI": inMulti, "partial request": partial} {
			out, after := closedWithin(c.c, 5*time.Second)
			if out != "" || after < 0 {
				t.Errorf("%s client: %q, closed after %v", name, out, after)
			}
		}
		close(stop)
		wg.Wait()

		// Set at run time: clients already waiting get the new timeout.
		mustDo(t, active, "+OK\r\n", "CONFIG", "SET", "timeout", "0")
		waiting := dialRaw(t, p.Addr)
		mustDo(t, waiting, "+PONG\r\n", "PING")
		time.Sleep(1500 * time.Millisecond)
		mustDo(t, active, "+OK\r\n", "CONFIG", "SET", "timeout", "1")
		if out, after := closedWithin(waiting.c, 5*time.Second); out != "" || after < 0 {
			t.Errorf("client waiting when timeout was set: %q, closed after %v", out, after)
		}
	})
}

// Output buffer limits: a client that never reads what it asked for (normal
// class) or what is published to it (pubsub class) is disconnected once
// over the hard limit, or over the soft limit for longer than its seconds;
// the server's memory stays bounded.

// pipelineUnread sends n GETs of key without reading a reply, and reports
// whether the server dropped the client within wait (watched through
// admin's CLIENT LIST: the client cannot see the close while the replies
// it does not read sit before it).
func pipelineUnread(t *testing.T, addr string, admin *rawConn, key string, n int, wait time.Duration) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A small receive buffer, so that the replies pile up in the server.
	_ = c.(*net.TCPConn).SetReadBuffer(4096)
	rc := &rawConn{c: c, rd: bufio.NewReader(c)}
	if r, err := rc.Do("CLIENT", "SETNAME", "unread"); r != "+OK\r\n" {
		t.Fatalf("CLIENT SETNAME: %q %v", r, err)
	}
	if list, _ := admin.Do("CLIENT", "LIST"); !strings.Contains(list, " name=unread ") {
		t.Fatalf("CLIENT LIST lacks the named client: %q", list)
	}
	_ = c.SetWriteDeadline(time.Now().Add(wait))
	_, _ = c.Write(bytes.Repeat(encode("GET", key), n))
	return clientGone(t, admin, "unread", wait)
}

// clientGone polls CLIENT LIST until no client is named name.
func clientGone(t *testing.T, admin *rawConn, name string, wait time.Duration) bool {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		list, err := admin.Do("CLIENT", "LIST")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(list, " name="+name+" ") {
			return true
		}
	}
	return false
}

func TestLimits_OutputBufferNormal(t *testing.T) {
	for _, tc := range []struct {
		name, limit string
		closed      bool
		maxGrowthMB int
	}{
		{"hard", "normal 4mb 0 0", true, 48},
		// Within its second over the soft limit the client is sent all 64
		// MB its pipeline asks for (Redis holds them too: 41 MB measured).
		{"soft", "normal 0 2mb 1", true, 96},
		{"unlimited", "normal 0 0 0", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bothServers(t, nil, func(t *testing.T, p *proc) {
				admin := dialRaw(t, p.Addr)
				mustDo(t, admin, "+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", tc.limit)
				mustDo(t, admin, "+OK\r\n", "SET", "big", bigString(1<<20, 'v'))
				n := 64
				if !tc.closed {
					n = 8 // unlimited: keep what the server holds small
				}
				before := rssKB(t, p.pid())
				closed := pipelineUnread(t, p.Addr, admin, "big", n, 4*time.Second)
				if closed != tc.closed {
					t.Errorf("closed=%v, want %v", closed, tc.closed)
				}
				if grown := rssKB(t, p.pid()) - before; tc.closed && grown > tc.maxGrowthMB<<10 {
					rssOver(t, "RSS grew by %d MB for a client limited to %s", grown>>10, tc.limit)
				}
				mustDo(t, admin, "+PONG\r\n", "PING")
			})
		})
	}
}

func TestLimits_OutputBufferPubSub(t *testing.T) {
	bothServers(t, nil, func(t *testing.T, p *proc) {
		admin := dialRaw(t, p.Addr)
		mustDo(t, admin, "+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0")
		sub, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		_ = sub.(*net.TCPConn).SetReadBuffer(4096)
		_, _ = sub.Write(encode("SUBSCRIBE", "ch"))
		rd := bufio.NewReader(sub)
		var b bytes.Buffer
		_ = sub.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := readRESP(rd, &b); err != nil {
			t.Fatal(err)
		}
		msg := bigString(64<<10, 'm')
		receivers := ""
		for i := 0; i < 200; i++ {
			receivers, _ = admin.Do("PUBLISH", "ch", msg)
			if receivers == ":0\r\n" {
				break
			}
		}
		if receivers != ":0\r\n" {
			t.Errorf("the subscriber that never reads is still subscribed after 12 MB (PUBLISH says %q)", receivers)
		}
	})
}

// rssOver reports a broken bound on a server's RSS. Under the race
// detector, whose shadow memory multiplies every process's RSS, the figure
// is only logged: the plain run checks it.
func rssOver(t *testing.T, format string, args ...any) {
	t.Helper()
	if raceBuild {
		t.Logf("not checked in a race build: "+format, args...)
		return
	}
	t.Errorf(format, args...)
}
