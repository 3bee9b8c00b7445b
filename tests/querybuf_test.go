package tests

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// CLIENT LIST's qbuf and qbuf-free follow Redis's query buffer: sized on
// the first read, exact for a big argument, shrunk by the cron when idle or
// oversized. Both servers go through the same steps; what they report must
// be the same.
func TestQueryBuf_MatchesRedis(t *testing.T) {
	ember := startEmber(t)
	redis := startRedis(t)
	var got [2][]string
	t.Run("run", func(t *testing.T) {
		for i, p := range []*proc{ember, redis} {
			t.Run([]string{"ember", "redis"}[i], func(t *testing.T) {
				t.Parallel()
				got[i] = queryBufScenario(t, p.Addr)
			})
		}
	})
	if t.Failed() {
		return
	}
	t.Logf("redis:\n%s", strings.Join(got[1], "\n"))
	for i := range max(len(got[0]), len(got[1])) {
		var e, r string
		if i < len(got[0]) {
			e = got[0][i]
		}
		if i < len(got[1]) {
			r = got[1][i]
		}
		if e != r {
			t.Errorf("ember: %s\nredis: %s", e, r)
		}
	}
}

var qbufRE = regexp.MustCompile(`name=(\S*) .* qbuf=(\d+) qbuf-free=(\d+) `)

// clientQbuf returns the qbuf and qbuf-free CLIENT LIST shows for the
// client called name.
func clientQbuf(t *testing.T, ctl *rawConn, name string) (qbuf, free int) {
	t.Helper()
	list, err := ctl.Do("CLIENT", "LIST")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(list, "\n") {
		if m := qbufRE.FindStringSubmatch(line); m != nil && m[1] == name {
			fmt.Sscan(m[2], &qbuf)
			fmt.Sscan(m[3], &free)
			return qbuf, free
		}
	}
	t.Fatalf("no client %s in %q", name, list)
	return 0, 0
}

// waitQbuf polls until the client's values satisfy ok, and records them.
func waitQbuf(t *testing.T, ctl *rawConn, name, what string, ok func(qbuf, free int) bool) string {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		q, f := clientQbuf(t, ctl, name)
		if ok(q, f) {
			return fmt.Sprintf("%s: qbuf=%d qbuf-free=%d", what, q, f)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: qbuf=%d qbuf-free=%d never came", what, q, f)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func queryBufScenario(t *testing.T, addr string) []string {
	ctl := dialRaw(t, addr)
	var out []string
	named := func(name string) *rawConn {
		c := dialRaw(t, addr)
		if _, err := c.Do("CLIENT", "SETNAME", name); err != nil {
			t.Fatal(err)
		}
		return c
	}
	any := func(int, int) bool { return true }

	// A fresh connection has no buffer.
	fresh := dialRaw(t, addr)
	if r, err := fresh.Do("PING"); err != nil || r != "+PONG\r\n" {
		t.Fatal(r, err)
	}
	info, err := fresh.Do("CLIENT", "INFO")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, "CLIENT INFO: "+regexp.MustCompile(`qbuf=\d+ qbuf-free=\d+`).FindString(info))

	idle := named("idle")
	out = append(out, waitQbuf(t, ctl, "idle", "after one command", any))

	// The arguments of a pending request already parsed are not in qbuf.
	set := encode("SET", "k", "v")
	hdr := named("hdr")
	_ = hdr.Send(set[:len(set)-5])
	out = append(out, waitQbuf(t, ctl, "hdr", "bulk header pending", func(q, _ int) bool { return q == 2 }))
	_ = hdr.Send(set[len(set)-5:])
	if _, err := hdr.ReadReply(); err != nil {
		t.Fatal(err)
	}
	out = append(out, waitQbuf(t, ctl, "hdr", "request completed", any))

	mid := encode("SET", "x", strings.Repeat("A", 20000))
	data := named("data")
	_ = data.Send(mid[:10000])
	out = append(out, waitQbuf(t, ctl, "data", "bulk data pending", func(q, _ int) bool { return q == 10000-28 }))

	// A big argument is read into a buffer of its own size, which the
	// client keeps.
	bigReq := encode("SET", "x", strings.Repeat("A", 400000))
	big := named("big")
	if err := big.Send(bigReq); err != nil {
		t.Fatal(err)
	}
	if _, err := big.ReadReply(); err != nil {
		t.Fatal(err)
	}
	// Nothing more is sent on this connection: a request read after the
	// cron's next run would set the peak the cron trims the buffer to
	// (26 bytes for a CLIENT INFO, which it then keeps when idle), so the
	// outcome would depend on the cron's timing, in Redis as in Ember.
	out = append(out, waitQbuf(t, ctl, "big", "after a big argument", any))

	// Half of a big argument: the cron trims the buffer to the bulk's
	// length, not below.
	half := named("half")
	_ = half.Send(bigReq[:50000])
	out = append(out, waitQbuf(t, ctl, "half", "big argument pending, trimmed", func(q, f int) bool { return q == 50000-29 && q+f == 400000 }))

	// Idle for more than two seconds: free space is released; pending
	// bytes stay.
	out = append(out, waitQbuf(t, ctl, "idle", "idle", func(q, f int) bool { return q+f == 0 }))
	out = append(out, waitQbuf(t, ctl, "big", "idle after a big argument", func(q, f int) bool { return q+f == 0 }))
	out = append(out, waitQbuf(t, ctl, "data", "idle with a bulk pending", func(q, f int) bool { return f == 0 }))
	out = append(out, waitQbuf(t, ctl, "half", "idle with a big bulk pending", func(q, f int) bool { return f == 0 }))

	// The next read sizes the buffer as a first read.
	if _, err := idle.Do("PING"); err != nil {
		t.Fatal(err)
	}
	out = append(out, waitQbuf(t, ctl, "idle", "read after idle", any))
	_ = data.Send(mid[10000:])
	if _, err := data.ReadReply(); err != nil {
		t.Fatal(err)
	}
	out = append(out, waitQbuf(t, ctl, "data", "bulk completed after idle", any))
	return out
}
