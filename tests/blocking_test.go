package tests

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// End-to-end tests of the blocking list commands: who is woken, in which
// order, with what, and what happens to a connection while it waits. Every
// wait is bounded: a reply that never comes fails the test within seconds.

// blockedCount reads blocked_clients from INFO.
func blockedCount(t *testing.T, c *rawConn) int {
	t.Helper()
	r, err := c.Do("INFO", "clients")
	if err != nil {
		t.Fatal(err)
	}
	v, ok := infoValue(r, "blocked_clients")
	if !ok {
		t.Fatalf("no blocked_clients in INFO: %q", r)
	}
	n, _ := strconv.Atoi(v)
	return n
}

// waitBlocked waits until n clients are blocked.
func waitBlocked(t *testing.T, c *rawConn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := blockedCount(t, c)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients is %d, want %d", got, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sendBlocking sends a blocking command and waits until the server has
// registered it (one more blocked client than before).
func sendBlocking(t *testing.T, admin, rc *rawConn, args ...string) {
	t.Helper()
	before := blockedCount(t, admin)
	if err := rc.Send(encode(args...)); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, admin, before+1)
}

func mustDo(t *testing.T, c *rawConn, want string, args ...string) {
	t.Helper()
	got, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	if want != "" && got != want {
		t.Fatalf("%v: got %q, want %q", args, got, want)
	}
}

func expectReply(t *testing.T, c *rawConn, want string) {
	t.Helper()
	got, err := c.ReadReply()
	if err != nil {
		t.Fatalf("waiting for %q: %v", want, err)
	}
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// expectNoReply checks that nothing arrives on c within d.
func expectNoReply(t *testing.T, c *rawConn, d time.Duration) {
	t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(d))
	if b, err := c.rd.Peek(1); err == nil {
		t.Fatalf("unexpected reply starting %q", b)
	}
}

func bulkPair(a, b string) string {
	return fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(a), a, len(b), b)
}

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

func TestBlocking_FIFOAmongWaiters(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := []*rawConn{dialRaw(t, p.Addr), dialRaw(t, p.Addr), dialRaw(t, p.Addr)}
	for _, c := range w {
		sendBlocking(t, admin, c, "BLPOP", "k", "0")
	}
	for i, v := range []string{"a", "b", "c"} {
		mustDo(t, admin, ":1\r\n", "RPUSH", "k", v)
		expectReply(t, w[i], bulkPair("k", v))
	}
	waitBlocked(t, admin, 0)
}

func TestBlocking_PushOfNWakesN(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := []*rawConn{dialRaw(t, p.Addr), dialRaw(t, p.Addr), dialRaw(t, p.Addr)}
	sendBlocking(t, admin, w[0], "BLPOP", "k", "0")
	sendBlocking(t, admin, w[1], "BRPOP", "other", "k", "0")
	sendBlocking(t, admin, w[2], "BLPOP", "k", "0")
	// Two elements: the first two waiters get one each, the third stays.
	mustDo(t, admin, ":2\r\n", "RPUSH", "k", "a", "b")
	expectReply(t, w[0], bulkPair("k", "a"))
	expectReply(t, w[1], bulkPair("k", "b"))
	waitBlocked(t, admin, 1)
	mustDo(t, admin, ":0\r\n", "LLEN", "k")
	expectNoReply(t, w[2], 20*time.Millisecond)
	// The push completes before anyone is served: a waiter sees the whole
	// variadic push (issue #801 in Redis's suite works the same way).
	mustDo(t, admin, ":3\r\n", "LPUSH", "k", "x", "y", "z")
	expectReply(t, w[2], bulkPair("k", "z"))
	mustDo(t, admin, "*2\r\n$1\r\ny\r\n$1\r\nx\r\n", "LRANGE", "k", "0", "-1")
}

func TestBlocking_BLMoveAtomic(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	mover, popper := dialRaw(t, p.Addr), dialRaw(t, p.Addr)
	sendBlocking(t, admin, mover, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
	sendBlocking(t, admin, popper, "BLPOP", "dst", "0")
	mustDo(t, admin, ":1\r\n", "RPUSH", "src", "x")
	// The move pushes into dst, which serves the client waiting there.
	expectReply(t, mover, bulk("x"))
	expectReply(t, popper, bulkPair("dst", "x"))
	mustDo(t, admin, ":0\r\n", "EXISTS", "src", "dst")

	// Circular and self-referential moves settle.
	a, b := dialRaw(t, p.Addr), dialRaw(t, p.Addr)
	sendBlocking(t, admin, a, "BRPOPLPUSH", "l1", "l2", "0")
	sendBlocking(t, admin, b, "BRPOPLPUSH", "l2", "l1", "0")
	mustDo(t, admin, ":1\r\n", "RPUSH", "l1", "foo")
	expectReply(t, a, bulk("foo"))
	expectReply(t, b, bulk("foo"))
	mustDo(t, admin, "*1\r\n$3\r\nfoo\r\n", "LRANGE", "l1", "0", "-1")
	mustDo(t, admin, ":0\r\n", "EXISTS", "l2")

	// A destination of the wrong type: the waiter gets the error, the
	// element stays where it was.
	mustDo(t, admin, "+OK\r\n", "SET", "str", "v")
	sendBlocking(t, admin, a, "BLMOVE", "s2", "str", "LEFT", "LEFT", "0")
	mustDo(t, admin, ":1\r\n", "RPUSH", "s2", "e")
	expectReply(t, a, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
	mustDo(t, admin, "*1\r\n$1\r\ne\r\n", "LRANGE", "s2", "0", "-1")
}

// TestBlocking_MoveConservation runs producers and blocked movers
// concurrently: every element ends up in the destination exactly once.
func TestBlocking_MoveConservation(t *testing.T) {
	p := startEmber(t)
	const producers, perProducer, movers = 4, 200, 4
	total := producers * perProducer
	var moved sync.WaitGroup
	counts := make(chan int, movers)
	stop := make(chan struct{})
	for range movers {
		moved.Add(1)
		go func() {
			defer moved.Done()
			c := dialRaw(t, p.Addr)
			n := 0
			for {
				select {
				case <-stop:
					counts <- n
					return
				default:
				}
				r, err := c.Do("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0.05")
				if err != nil {
					t.Error(err)
					counts <- n
					return
				}
				if r[0] == '$' {
					n++
				}
			}
		}()
	}
	var prod sync.WaitGroup
	for i := range producers {
		prod.Add(1)
		go func() {
			defer prod.Done()
			c := dialRaw(t, p.Addr)
			for j := range perProducer {
				if _, err := c.Do("RPUSH", "src", fmt.Sprintf("p%d-%d", i, j)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	prod.Wait()
	admin := dialRaw(t, p.Addr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := admin.Do("LLEN", "dst")
		if r == fmt.Sprintf(":%d\r\n", total) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	moved.Wait()
	sum := 0
	for range movers {
		sum += <-counts
	}
	mustDo(t, admin, fmt.Sprintf(":%d\r\n", total), "LLEN", "dst")
	mustDo(t, admin, ":0\r\n", "EXISTS", "src")
	if sum != total {
		t.Fatalf("movers replied with %d elements, %d were pushed", sum, total)
	}
	// Each element once.
	r, _ := admin.Do("LRANGE", "dst", "0", "-1")
	seen := map[string]bool{}
	for _, line := range strings.Split(r, "\r\n") {
		if strings.HasPrefix(line, "p") {
			if seen[line] {
				t.Fatalf("%s moved twice", line)
			}
			seen[line] = true
		}
	}
	if len(seen) != total {
		t.Fatalf("%d distinct elements in dst, want %d", len(seen), total)
	}
}

func TestBlocking_Timeouts(t *testing.T) {
	p := startEmber(t)
	c := dialRaw(t, p.Addr)
	for _, tc := range []struct {
		args []string
		min  time.Duration
	}{
		{[]string{"BLPOP", "k", "0.1"}, 100 * time.Millisecond},
		{[]string{"BRPOP", "k", "0.05"}, 50 * time.Millisecond},
		{[]string{"BLMOVE", "a", "b", "LEFT", "LEFT", "0.12"}, 120 * time.Millisecond},
		{[]string{"BLMPOP", "0.08", "1", "k", "LEFT"}, 80 * time.Millisecond},
		{[]string{"BRPOPLPUSH", "a", "b", "0.001"}, time.Millisecond},
	} {
		start := time.Now()
		got, err := c.Do(tc.args...)
		el := time.Since(start)
		if err != nil || got != "*-1\r\n" {
			t.Fatalf("%v: %q %v", tc.args, got, err)
		}
		if el < tc.min || el > tc.min+2*time.Second {
			t.Fatalf("%v timed out after %v", tc.args, el)
		}
	}
	// A tiny negative timeout rounds to 0: block until served.
	admin := dialRaw(t, p.Addr)
	sendBlocking(t, admin, c, "BLPOP", "k", "-0.0001")
	expectNoReply(t, c, 30*time.Millisecond)
	mustDo(t, admin, ":1\r\n", "RPUSH", "k", "v")
	expectReply(t, c, bulkPair("k", "v"))
}

func TestBlocking_DoesNotBlockOthers(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)
	sendBlocking(t, admin, w, "BLPOP", "k", "0")
	other := dialRaw(t, p.Addr)
	// Commands on the same key and on others go on.
	mustDo(t, other, ":0\r\n", "LLEN", "k")
	mustDo(t, other, "+OK\r\n", "SET", "x", "1")
	mustDo(t, other, "$1\r\n1\r\n", "GET", "x")
	mustDo(t, other, "*-1\r\n", "BLPOP", "k2", "0.01")
	mustDo(t, other, ":1\r\n", "RPUSH", "k", "v")
	expectReply(t, w, bulkPair("k", "v"))
}

func TestBlocking_ClientUnblock(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)
	idr, _ := w.Do("CLIENT", "ID")
	id := strings.TrimSuffix(strings.TrimPrefix(idr, ":"), "\r\n")

	mustDo(t, admin, ":0\r\n", "CLIENT", "UNBLOCK", id)
	sendBlocking(t, admin, w, "BLPOP", "k", "0")
	mustDo(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id)
	expectReply(t, w, "*-1\r\n")
	waitBlocked(t, admin, 0)

	sendBlocking(t, admin, w, "BLMOVE", "a", "b", "LEFT", "LEFT", "0")
	mustDo(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id, "TIMEOUT")
	expectReply(t, w, "*-1\r\n")

	sendBlocking(t, admin, w, "BLMPOP", "0", "1", "k", "LEFT")
	mustDo(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id, "ERROR")
	expectReply(t, w, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
	waitBlocked(t, admin, 0)
	mustDo(t, admin, ":0\r\n", "CLIENT", "UNBLOCK", id, "ERROR")

	// The unblocked client is usable, and an unblocked waiter is not
	// served later.
	mustDo(t, w, "+PONG\r\n", "PING")
	mustDo(t, admin, ":1\r\n", "RPUSH", "k", "v")
	mustDo(t, admin, ":1\r\n", "LLEN", "k")
}

func TestBlocking_Pipeline(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)
	var req []byte
	req = append(req, encode("SET", "a", "1")...)
	req = append(req, encode("BLPOP", "k", "0")...)
	req = append(req, encode("GET", "a")...)
	req = append(req, encode("INCR", "a")...)
	if err := w.Send(req); err != nil {
		t.Fatal(err)
	}
	// The reply before the blocking command arrives; nothing after it runs.
	expectReply(t, w, "+OK\r\n")
	waitBlocked(t, admin, 1)
	expectNoReply(t, w, 30*time.Millisecond)
	mustDo(t, admin, "$1\r\n1\r\n", "GET", "a")
	// More input while blocked is kept for later.
	if err := w.Send(encode("ECHO", "later")); err != nil {
		t.Fatal(err)
	}
	expectNoReply(t, w, 20*time.Millisecond)
	mustDo(t, admin, ":1\r\n", "LPUSH", "k", "v")
	expectReply(t, w, bulkPair("k", "v"))
	expectReply(t, w, "$1\r\n1\r\n")
	expectReply(t, w, ":2\r\n")
	expectReply(t, w, bulk("later"))

	// Two blocking commands in one pipeline wait one after the other.
	if err := w.Send(append(encode("BLPOP", "q", "0"), encode("BRPOP", "q", "0")...)); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, admin, 1)
	mustDo(t, admin, ":3\r\n", "RPUSH", "q", "1", "2", "3")
	expectReply(t, w, bulkPair("q", "1"))
	expectReply(t, w, bulkPair("q", "3"))
	mustDo(t, admin, ":1\r\n", "LLEN", "q")
}

func TestBlocking_Disconnect(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)
	sendBlocking(t, admin, w, "BLPOP", "k", "0")
	w.c.Close()
	waitBlocked(t, admin, 0)
	mustDo(t, admin, ":1\r\n", "RPUSH", "k", "v")
	mustDo(t, admin, ":1\r\n", "LLEN", "k")

	// CLIENT KILL of a blocked client cleans up the same way.
	w2 := dialRaw(t, p.Addr)
	idr, _ := w2.Do("CLIENT", "ID")
	id := strings.TrimSuffix(strings.TrimPrefix(idr, ":"), "\r\n")
	sendBlocking(t, admin, w2, "BLPOP", "k2", "0")
	mustDo(t, admin, ":1\r\n", "CLIENT", "KILL", "ID", id)
	waitBlocked(t, admin, 0)
	if _, err := w2.ReadReply(); err == nil {
		t.Fatal("killed client got a reply")
	}
}

func TestBlocking_BLMPopCount(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)
	sendBlocking(t, admin, w, "BLMPOP", "0", "2", "k1", "k2", "LEFT", "COUNT", "2")
	mustDo(t, admin, ":3\r\n", "RPUSH", "k2", "a", "b", "c")
	expectReply(t, w, "*2\r\n$2\r\nk2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	mustDo(t, admin, ":1\r\n", "LLEN", "k2")

	// RESP3 waiter, RIGHT, count larger than the list.
	mustDo(t, w, "", "HELLO", "3")
	sendBlocking(t, admin, w, "BLMPOP", "0", "1", "k3", "RIGHT", "COUNT", "5")
	mustDo(t, admin, ":2\r\n", "RPUSH", "k3", "x", "y")
	expectReply(t, w, "*2\r\n$2\r\nk3\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n")
	mustDo(t, admin, ":0\r\n", "EXISTS", "k3")
	// RESP3 timeout reply.
	mustDo(t, w, "_\r\n", "BLPOP", "k3", "0.01")
}

func TestBlocking_MultiAndKeyCreation(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)

	// The waiter is served after EXEC, with the transaction's end state.
	sendBlocking(t, admin, w, "BLPOP", "k", "0")
	mustDo(t, admin, "+OK\r\n", "MULTI")
	for _, v := range []string{"a", "b", "c"} {
		mustDo(t, admin, "+QUEUED\r\n", "LPUSH", "k", v)
	}
	mustDo(t, admin, "", "EXEC")
	expectReply(t, w, bulkPair("k", "c"))

	// Pushed then deleted, or turned into a string: nothing to serve.
	sendBlocking(t, admin, w, "BLPOP", "e", "0")
	mustDo(t, admin, "+OK\r\n", "MULTI")
	mustDo(t, admin, "+QUEUED\r\n", "LPUSH", "e", "x")
	mustDo(t, admin, "+QUEUED\r\n", "DEL", "e")
	mustDo(t, admin, "+QUEUED\r\n", "SET", "e", "str")
	mustDo(t, admin, "", "EXEC")
	expectNoReply(t, w, 20*time.Millisecond)
	mustDo(t, admin, ":1\r\n", "DEL", "e")
	mustDo(t, admin, ":1\r\n", "RPUSH", "e", "y")
	expectReply(t, w, bulkPair("e", "y"))

	// A key created by SORT ... STORE wakes its waiter.
	mustDo(t, admin, ":3\r\n", "RPUSH", "nums", "3", "1", "2")
	sendBlocking(t, admin, w, "BRPOP", "sorted", "0")
	mustDo(t, admin, ":3\r\n", "SORT", "nums", "STORE", "sorted")
	expectReply(t, w, bulkPair("sorted", "3"))

	// Waiters in another database are not served by this one's pushes.
	mustDo(t, w, "+OK\r\n", "SELECT", "1")
	sendBlocking(t, admin, w, "BLPOP", "d", "0")
	mustDo(t, admin, ":1\r\n", "RPUSH", "d", "db0")
	expectNoReply(t, w, 20*time.Millisecond)
	mustDo(t, admin, "+OK\r\n", "SELECT", "1")
	mustDo(t, admin, ":1\r\n", "RPUSH", "d", "db1")
	expectReply(t, w, bulkPair("d", "db1"))
	mustDo(t, admin, "+OK\r\n", "SELECT", "0")
	mustDo(t, admin, ":1\r\n", "LLEN", "d")

	// Commands that move keys into place, where the server has them.
	for _, mv := range [][]string{{"RENAME", "tmp", "target"}, {"MOVE", "target", "1"}, {"SWAPDB", "0", "1"}} {
		if !hasCommand(t, p.Addr, "", strings.ToLower(mv[0])) {
			t.Logf("%s not built yet: skipping its wake-up check", mv[0])
			continue
		}
		mustDo(t, admin, "+OK\r\n", "FLUSHALL")
		switch mv[0] {
		case "RENAME":
			mustDo(t, w, "+OK\r\n", "SELECT", "0")
			mustDo(t, admin, ":1\r\n", "RPUSH", "tmp", "r")
		case "MOVE":
			mustDo(t, w, "+OK\r\n", "SELECT", "1")
			mustDo(t, admin, ":1\r\n", "RPUSH", "target", "r")
		case "SWAPDB":
			mustDo(t, w, "+OK\r\n", "SELECT", "0")
			mustDo(t, admin, "+OK\r\n", "SELECT", "1")
			mustDo(t, admin, ":1\r\n", "RPUSH", "target", "r")
			mustDo(t, admin, "+OK\r\n", "SELECT", "0")
		}
		sendBlocking(t, admin, w, "BLPOP", "target", "0")
		if _, err := admin.Do(mv...); err != nil {
			t.Fatal(err)
		}
		expectReply(t, w, bulkPair("target", "r"))
	}
}

func TestBlocking_IdleTimeoutExempt(t *testing.T) {
	p := startEmber(t, "--timeout", "1")
	admin := dialRaw(t, p.Addr)
	w := dialRaw(t, p.Addr)
	sendBlocking(t, admin, w, "BLPOP", "k", "0")
	// Past the idle timeout; the admin connection keeps itself alive.
	for range 6 {
		time.Sleep(250 * time.Millisecond)
		mustDo(t, admin, "+PONG\r\n", "PING")
	}
	mustDo(t, admin, ":1\r\n", "RPUSH", "k", "v")
	expectReply(t, w, bulkPair("k", "v"))
}

// TestBlocking_GoRedis checks the replies as a client library reads them.
func TestBlocking_GoRedis(t *testing.T) {
	p := startEmber(t)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rdb, pusher := newGoRedis(t, p.Addr, proto), newGoRedis(t, p.Addr, proto)
			admin := dialRaw(t, p.Addr)
			pusher.Del(ctx, "gk", "gk2", "gdst")
			before := blockedCount(t, admin)

			type res struct {
				v   []string
				err error
			}
			ch := make(chan res, 1)
			go func() {
				v, err := rdb.BLPop(ctx, 0, "gk").Result()
				ch <- res{v, err}
			}()
			waitBlocked(t, admin, before+1)
			pusher.RPush(ctx, "gk", "hello")
			r := <-ch
			if r.err != nil || len(r.v) != 2 || r.v[0] != "gk" || r.v[1] != "hello" {
				t.Fatalf("BLPop: %v %v", r.v, r.err)
			}

			type mres struct {
				key  string
				vals []string
				err  error
			}
			mch := make(chan mres, 1)
			go func() {
				k, v, err := rdb.BLMPop(ctx, 0, "left", 2, "gk", "gk2").Result()
				mch <- mres{k, v, err}
			}()
			waitBlocked(t, admin, before+1)
			pusher.RPush(ctx, "gk2", "a", "b", "c")
			m := <-mch
			if m.err != nil || m.key != "gk2" || strings.Join(m.vals, ",") != "a,b" {
				t.Fatalf("BLMPop: %v %v %v", m.key, m.vals, m.err)
			}

			if v, err := rdb.BLMove(ctx, "gk2", "gdst", "RIGHT", "LEFT", time.Second).Result(); err != nil || v != "c" {
				t.Fatalf("BLMove: %q %v", v, err)
			}
			if _, err := rdb.Do(ctx, "BRPOP", "gk", "0.01").Result(); err != redis.Nil {
				t.Fatalf("BRPop timeout: %v", err)
			}
			if v, err := rdb.LPos(ctx, "gdst", "c", redis.LPosArgs{Rank: -1}).Result(); err != nil || v != 0 {
				t.Fatalf("LPos: %v %v", v, err)
			}
			if v, err := rdb.LPopCount(ctx, "gdst", 5).Result(); err != nil || len(v) != 1 {
				t.Fatalf("LPopCount: %v %v", v, err)
			}
		})
	}
}
