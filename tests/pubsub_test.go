package tests

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// End-to-end Pub/Sub tests: message order under load, slow subscribers,
// client-side caching with two clients, go-redis.

// readMessage reads one RESP2 "message" push: channel and payload.
func readMessage(rd *bufio.Reader) (string, string, error) {
	var parts []string
	hdr, err := rd.ReadString('\n')
	if err != nil {
		return "", "", err
	}
	if hdr != "*3\r\n" {
		return "", "", fmt.Errorf("unexpected header %q", hdr)
	}
	for i := 0; i < 3; i++ {
		l, err := rd.ReadString('\n')
		if err != nil {
			return "", "", err
		}
		n, err := strconv.Atoi(strings.TrimSpace(l[1:]))
		if err != nil {
			return "", "", fmt.Errorf("bad bulk header %q", l)
		}
		buf := make([]byte, n+2)
		if _, err := io_ReadFull(rd, buf); err != nil {
			return "", "", err
		}
		parts = append(parts, string(buf[:n]))
	}
	if parts[0] != "message" {
		return "", "", fmt.Errorf("unexpected push %q", parts[0])
	}
	return parts[1], parts[2], nil
}

// One publisher, many subscribers: every subscriber gets every message, in
// publish order.
func TestPubSub_OrderManySubscribers(t *testing.T) {
	p := startEmber(t)
	const subscribers, messages = 8, 10000
	var subs []*rawConn
	for i := 0; i < subscribers; i++ {
		c := dialRaw(t, p.Addr)
		if r, err := c.Do("SUBSCRIBE", "ord"); err != nil || !strings.Contains(r, "subscribe") {
			t.Fatalf("SUBSCRIBE: %q %v", r, err)
		}
		subs = append(subs, c)
	}
	errs := make(chan error, subscribers)
	var wg sync.WaitGroup
	for _, c := range subs {
		wg.Add(1)
		go func(c *rawConn) {
			defer wg.Done()
			_ = c.c.SetReadDeadline(time.Now().Add(60 * time.Second))
			for i := 0; i < messages; i++ {
				ch, msg, err := readMessage(c.rd)
				if err != nil {
					errs <- err
					return
				}
				if ch != "ord" || msg != strconv.Itoa(i) {
					errs <- fmt.Errorf("message %d: got %q on %q", i, msg, ch)
					return
				}
			}
		}(c)
	}
	pub := dialRaw(t, p.Addr)
	// Pipelined, in batches, so the test is about the server, not round trips.
	for base := 0; base < messages; base += 500 {
		var buf []byte
		for i := base; i < base+500; i++ {
			buf = append(buf, encode("PUBLISH", "ord", strconv.Itoa(i))...)
		}
		if err := pub.Send(buf); err != nil {
			t.Fatal(err)
		}
		for i := base; i < base+500; i++ {
			r, err := pub.ReadReply()
			if err != nil || r != fmt.Sprintf(":%d\r\n", subscribers) {
				t.Fatalf("PUBLISH %d: %q %v", i, r, err)
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Several publishers: every subscriber sees the messages in the same order.
func TestPubSub_SameOrderForEverySubscriber(t *testing.T) {
	p := startEmber(t)
	const subscribers, publishers, each = 4, 4, 500
	var subs []*rawConn
	for i := 0; i < subscribers; i++ {
		c := dialRaw(t, p.Addr)
		if _, err := c.Do("SUBSCRIBE", "mix"); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, c)
	}
	var wg sync.WaitGroup
	for w := 0; w < publishers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := net.Dial("tcp", p.Addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			rc := &rawConn{c: c, rd: bufio.NewReader(c)}
			for i := 0; i < each; i++ {
				if _, err := rc.Do("PUBLISH", "mix", fmt.Sprintf("%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	var first []string
	for n, c := range subs {
		_ = c.c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var got []string
		for i := 0; i < publishers*each; i++ {
			_, msg, err := readMessage(c.rd)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, msg)
		}
		if n == 0 {
			first = got
			continue
		}
		for i := range got {
			if got[i] != first[i] {
				t.Fatalf("subscriber %d differs from subscriber 0 at message %d: %q vs %q", n, i, got[i], first[i])
			}
		}
	}
}

// processRSS reads a process's resident set size in bytes.
func processRSS(t *testing.T, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// A subscriber that never reads is disconnected when its queue reaches the
// pubsub hard limit (32 MB by default), and the server does not grow with
// what the publisher keeps sending.
func TestPubSub_SlowSubscriberHardLimit(t *testing.T) {
	p := startEmber(t)
	sub, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if tc, ok := sub.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096) // keep the kernel from absorbing much
	}
	sr := &rawConn{c: sub, rd: bufio.NewReader(sub)}
	if r, err := sr.Do("SUBSCRIBE", "flood"); err != nil || !strings.Contains(r, "flood") {
		t.Fatalf("SUBSCRIBE: %q %v", r, err)
	}
	// From here on the subscriber reads nothing.
	pub := dialRaw(t, p.Addr)
	payload := strings.Repeat("x", 64*1024)
	deadline := time.Now().Add(30 * time.Second)
	var peak int64
	sent := 0
	for {
		r, err := pub.Do("PUBLISH", "flood", payload)
		if err != nil {
			t.Fatal(err)
		}
		sent++
		if r == ":0\r\n" {
			break // the subscriber is gone
		}
		if sent%64 == 0 {
			peak = max(peak, processRSS(t, p.cmd.Process.Pid))
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscriber still connected after %d messages (%d MB)", sent, sent/16)
		}
	}
	// Keep publishing: nobody receives, nothing accumulates.
	for i := 0; i < 200; i++ {
		if r, _ := pub.Do("PUBLISH", "flood", payload); r != ":0\r\n" {
			t.Fatalf("PUBLISH after the disconnection: %q", r)
		}
	}
	peak = max(peak, processRSS(t, p.cmd.Process.Pid))
	if sent*len(payload) < 32<<20 {
		t.Errorf("disconnected after %d bytes, before the 32 MB hard limit", sent*len(payload))
	}
	if sent*len(payload) > 64<<20 {
		t.Errorf("disconnected only after %d bytes", sent*len(payload))
	}
	t.Logf("disconnected after %d MB published; server RSS peaked at %d MB", sent*len(payload)>>20, peak>>20)
	if peak > 256<<20 {
		t.Errorf("RSS reached %d MB", peak>>20)
	}
	waitLog(t, p, "scheduled to be closed ASAP for overcoming of output buffer limits")
	if r, _ := pub.Do("PUBSUB", "NUMSUB", "flood"); r != "*2\r\n$5\r\nflood\r\n:0\r\n" {
		t.Errorf("NUMSUB after the disconnection: %q", r)
	}
}

// Over the soft limit for longer than its seconds: closed, also when no
// more messages come (the cron checks).
func TestPubSub_SlowSubscriberSoftLimit(t *testing.T) {
	p := startEmber(t, "--client-output-buffer-limit", "pubsub 0 100000 1")
	sub, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if tc, ok := sub.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	sr := &rawConn{c: sub, rd: bufio.NewReader(sub)}
	if r, err := sr.Do("CLIENT", "SETNAME", "slow"); err != nil || r != "+OK\r\n" {
		t.Fatalf("SETNAME: %q %v", r, err)
	}
	if r, err := sr.Do("SUBSCRIBE", "soft"); err != nil || !strings.Contains(r, "soft") {
		t.Fatalf("SUBSCRIBE: %q %v", r, err)
	}
	pub := dialRaw(t, p.Addr)
	payload := strings.Repeat("y", 16*1024)
	// Publish until the server holds more than the soft limit for the
	// subscriber (the kernel's buffers absorb the first megabytes), then
	// stop: the cron must close it on its own.
	omem := regexp.MustCompile(`name=slow .* omem=(\d+)`)
	for i := 0; ; i++ {
		if _, err := pub.Do("PUBLISH", "soft", payload); err != nil {
			t.Fatal(err)
		}
		list, _ := pub.Do("CLIENT", "LIST")
		m := omem.FindStringSubmatch(list)
		if m == nil {
			t.Fatalf("subscriber closed before the soft limit's time: %s", list)
		}
		if n, _ := strconv.Atoi(m[1]); n > 100000 {
			break
		}
		if i > 5000 {
			t.Fatalf("omem never went over 100000: %s", list)
		}
	}
	start := time.Now()
	for {
		list, _ := pub.Do("CLIENT", "LIST")
		if !strings.Contains(list, "name=slow") {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("still connected: %s", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("closed after %v, before the soft limit's second", el)
	}
	// The log reaches the test through a pipe: wait for it.
	waitLog(t, p, "closed for overcoming of output buffer limits")
}

// A normal client whose reply breaks the normal class's hard limit gets
// nothing and is closed.
func TestPubSub_NormalHardLimit(t *testing.T) {
	p := startEmber(t, "--client-output-buffer-limit", "normal 100000 0 0")
	c := dialRaw(t, p.Addr)
	if _, err := c.Do("SET", "big", strings.Repeat("z", 200000)); err == nil {
		// The SET reply is small; the GET reply is over the limit.
	}
	_ = c.Send(encode("GET", "big"))
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 10)
	n, err := c.rd.Read(buf)
	if n != 0 || err == nil {
		t.Fatalf("read %q, %v; want nothing and a closed connection", buf[:n], err)
	}
}

// Client-side caching with a RESP3 client and a RESP2 client redirecting
// to a subscribed connection.
func TestTracking_TwoClients(t *testing.T) {
	p := startEmber(t)
	writer := dialRaw(t, p.Addr)

	r3 := dialRaw(t, p.Addr)
	if _, err := r3.Do("HELLO", "3"); err != nil {
		t.Fatal(err)
	}
	psDo(t, r3, "+OK\r\n", "CLIENT", "TRACKING", "ON")
	psDo(t, r3, "_\r\n", "GET", "k1")

	redir := dialRaw(t, p.Addr)
	id, _ := redir.Do("CLIENT", "ID")
	psDo(t, redir, "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n", "SUBSCRIBE", "__redis__:invalidate")
	r2 := dialRaw(t, p.Addr)
	psDo(t, r2, "+OK\r\n", "CLIENT", "TRACKING", "ON", "REDIRECT", strings.TrimSpace(id[1:]))
	psDo(t, r2, "$-1\r\n", "GET", "k1")
	psDo(t, r2, "*2\r\n$-1\r\n$-1\r\n", "MGET", "k2", "k3")

	psDo(t, writer, "+OK\r\n", "SET", "k1", "v")
	psRead(t, r3, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n")
	psRead(t, redir, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nk1\r\n")
	// Forgotten once invalidated: a second change says nothing more.
	psDo(t, writer, "+OK\r\n", "SET", "k1", "w")
	psDo(t, writer, "+OK\r\n", "MSET", "k2", "1", "k3", "2")
	psRead(t, redir, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nk2\r\n")
	psRead(t, redir, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nk3\r\n")
	// A flush invalidates everything, as a null.
	psDo(t, r3, "$1\r\nw\r\n", "GET", "k1")
	psDo(t, writer, "+OK\r\n", "FLUSHDB")
	psRead(t, r3, ">2\r\n$10\r\ninvalidate\r\n_\r\n")
	psRead(t, redir, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")
	// INFO counts the tracking clients.
	info, _ := writer.Do("INFO", "clients")
	if !strings.Contains(info, "tracking_clients:2\r\n") {
		t.Errorf("INFO clients: %q", info)
	}
}

// A value read while another client changes the key is always followed by
// its invalidation: the reader never keeps a stale value.
func TestTracking_NoStaleValue(t *testing.T) {
	p := startEmber(t)
	reader := dialRaw(t, p.Addr)
	if _, err := reader.Do("HELLO", "3"); err != nil {
		t.Fatal(err)
	}
	psDo(t, reader, "+OK\r\n", "CLIENT", "TRACKING", "ON")
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			return
		}
		defer c.Close()
		w := &rawConn{c: c, rd: bufio.NewReader(c)}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := w.Do("SET", "hot", strconv.Itoa(i)); err != nil {
				return
			}
		}
	}()
	// The client's cache: the value it last read, dropped on invalidation.
	cached, valid := "", false
	for i := 0; i < 2000; i++ {
		if err := reader.Send(encode("GET", "hot")); err != nil {
			t.Fatal(err)
		}
		for {
			r, err := reader.ReadReply()
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(r, ">2") {
				valid = false
				continue
			}
			cached, valid = r, true
			break
		}
	}
	close(stop)
	<-writerDone
	// After the writer stopped, take in the invalidations still on their
	// way (PING's reply comes after them); then a valid cache entry must
	// equal the value.
	if err := reader.Send(encode("PING")); err != nil {
		t.Fatal(err)
	}
	for {
		r, err := reader.ReadReply()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(r, ">2") {
			valid = false
			continue
		}
		break
	}
	c := dialRaw(t, p.Addr)
	final, _ := c.Do("GET", "hot")
	if valid && cached != final {
		t.Fatalf("cached %q still valid, but the key is %q", cached, final)
	}
}

// waitBlockedClients waits (up to 5 s) until INFO says n clients are
// blocked (waiting in a blocking command or held by CLIENT PAUSE).
func waitBlockedClients(t *testing.T, c *rawConn, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, _ := c.Do("INFO", "clients")
		if strings.Contains(info, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %d blocked clients: %q", n, info)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func psDo(t *testing.T, c *rawConn, want string, args ...string) {
	t.Helper()
	got, err := c.Do(args...)
	if err != nil || got != want {
		t.Fatalf("%v: got %q, %v; want %q", args, got, err, want)
	}
}

func psRead(t *testing.T, c *rawConn, want string) {
	t.Helper()
	got, err := c.ReadReply()
	if err != nil || got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

// go-redis's Pub/Sub API against Ember, in RESP3 and RESP2.
func TestPubSub_GoRedis(t *testing.T) {
	p := startEmber(t)
	for _, proto := range []int{3, 2} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: proto})
			defer c.Close()
			ps := c.Subscribe(ctx, "news")
			defer ps.Close()
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if err := ps.PSubscribe(ctx, "sport.*"); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			n, err := c.Publish(ctx, "news", "hello").Result()
			if err != nil || n != 1 {
				t.Fatalf("PUBLISH: %d %v", n, err)
			}
			if n, _ := c.Publish(ctx, "sport.tennis", "ace").Result(); n != 1 {
				t.Fatalf("PUBLISH to pattern: %d", n)
			}
			for _, want := range []redis.Message{{Channel: "news", Payload: "hello"}, {Channel: "sport.tennis", Pattern: "sport.*", Payload: "ace"}} {
				m, err := ps.ReceiveMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if m.Channel != want.Channel || m.Payload != want.Payload || m.Pattern != want.Pattern {
					t.Fatalf("got %+v, want %+v", *m, want)
				}
			}
			if subs, _ := c.PubSubNumSub(ctx, "news", "none").Result(); subs["news"] != 1 || subs["none"] != 0 {
				t.Fatalf("NUMSUB: %v", subs)
			}
			if n, _ := c.PubSubNumPat(ctx).Result(); n != 1 {
				t.Fatalf("NUMPAT: %d", n)
			}
			if chans, _ := c.PubSubChannels(ctx, "n*").Result(); len(chans) != 1 || chans[0] != "news" {
				t.Fatalf("CHANNELS: %v", chans)
			}
			// Keyspace notifications through the same API.
			if err := c.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
				t.Fatal(err)
			}
			defer c.ConfigSet(context.Background(), "notify-keyspace-events", "")
			if err := ps.Subscribe(ctx, "__keyevent@0__:set"); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("gr%d", proto)
			if err := c.Set(ctx, key, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			m, err := ps.ReceiveMessage(ctx)
			if err != nil || m.Channel != "__keyevent@0__:set" || m.Payload != key {
				t.Fatalf("keyevent: %+v %v", m, err)
			}
			// Shard channels.
			sps := c.SSubscribe(ctx, "shard")
			defer sps.Close()
			if _, err := sps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if n, _ := c.SPublish(ctx, "shard", "s").Result(); n != 1 {
				t.Fatalf("SPUBLISH: %d", n)
			}
			if m, err := sps.ReceiveMessage(ctx); err != nil || m.Channel != "shard" || m.Payload != "s" {
				t.Fatalf("smessage: %+v %v", m, err)
			}
		})
	}
}

// Commands that may replicate (PUBLISH, SPUBLISH, PFCOUNT, which can write
// its cached estimate) are held by CLIENT PAUSE WRITE like writes, as in
// Redis; plain reads are not.
func TestClientPause_WriteHoldsMayReplicate(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	psDo(t, admin, ":1\r\n", "PFADD", "h", "a")
	psDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	var held []*rawConn
	for i, cmd := range [][]string{{"PFCOUNT", "h"}, {"PUBLISH", "ch", "m"}, {"SPUBLISH", "ch", "m"}} {
		c := dialRaw(t, p.Addr)
		if err := c.Send(encode(cmd...)); err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		waitBlockedClients(t, admin, i+1)
	}
	psDo(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
	psRead(t, held[0], ":1\r\n")
	psRead(t, held[1], ":0\r\n")
	psRead(t, held[2], ":0\r\n")
}

// CLIENT PAUSE WRITE holds writes until it ends and lets reads through.
func TestClientPause_WriteHoldsWrites(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	psDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	w := dialRaw(t, p.Addr)
	if err := w.Send(encode("SET", "k", "v")); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, p.Addr)
	psDo(t, r, "$-1\r\n", "GET", "k")
	// The write is waiting, and counted as blocked.
	waitBlockedClients(t, admin, 1)
	psDo(t, r, "$-1\r\n", "GET", "k")
	psDo(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
	psRead(t, w, "+OK\r\n")
	psDo(t, r, "$1\r\nv\r\n", "GET", "k")
	// A timed pause ends by itself.
	psDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "200", "ALL")
	start := time.Now()
	psDo(t, r, "$1\r\nv\r\n", "GET", "k")
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("a read under PAUSE ALL returned after %v", el)
	}
}

// A command held by CLIENT PAUSE is timed from when it may run, as Redis
// times the command it re-runs after the pause: the wait is in neither
// commandstats nor SLOWLOG (Redis 7.0: cmdstat_set usec single digits, an
// empty SLOWLOG, for the same sequence).
func TestClientPause_WaitIsNotCommandTime(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	psDo(t, admin, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "100000")
	psDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "300", "WRITE")
	w := dialRaw(t, p.Addr)
	start := time.Now()
	psDo(t, w, "+OK\r\n", "SET", "k", "v")
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("SET under PAUSE WRITE returned after %v", el)
	}
	stats, _ := admin.Do("INFO", "commandstats")
	m := regexp.MustCompile(`cmdstat_set:calls=1,usec=(\d+),`).FindStringSubmatch(stats)
	if m == nil {
		t.Fatalf("no SET in commandstats:\n%s", stats)
	}
	if usec, _ := strconv.Atoi(m[1]); usec >= 100000 {
		t.Fatalf("the pause counted as the command's time: %s", m[0])
	}
	psDo(t, admin, "*0\r\n", "SLOWLOG", "GET")
}
