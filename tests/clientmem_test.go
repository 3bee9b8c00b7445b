package tests

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// End-to-end tests of client memory: client buffers counted in used_memory
// (INFO mem_clients_normal, MEMORY STATS clients.normal), key eviction
// caused by clients' output, and client eviction (maxmemory-clients,
// CLIENT NO-EVICT, evicted_clients). The eviction scenarios run against
// redis-server too, where installed, and must end the same way.

// cmConn is a raw connection. (A small receive buffer would keep more
// unread replies in the server, but makes reading them back crawl: the
// window it announces stays under one segment.)
func cmConn(t *testing.T, addr string) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawConn{c: c}
	r.rd = bufio.NewReader(c)
	return r
}

func cmDo(t *testing.T, r *rawConn, args ...string) string {
	t.Helper()
	out, err := r.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// cmInfo reads an integer field of INFO.
func cmInfo(t *testing.T, r *rawConn, field string) int64 {
	t.Helper()
	v, ok := infoValue(cmDo(t, r, "INFO", "everything"), field)
	if !ok {
		t.Fatalf("INFO has no %s", field)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("INFO %s: %q", field, v)
	}
	return n
}

// cmClientField reads a field of the CLIENT LIST line of the client named
// name; ok is false when there is none.
func cmClientField(t *testing.T, r *rawConn, name, field string) (int64, bool) {
	t.Helper()
	for _, line := range strings.Split(cmDo(t, r, "CLIENT", "LIST"), "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, field+"="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n, true
			}
		}
	}
	return 0, false
}

// cmFillOutput sends GET key on r without reading until r's tot-mem is at
// least want (seen from ctl). It returns the tot-mem and the number of
// replies left unread.
func cmFillOutput(t *testing.T, ctl, r *rawConn, name, key string, want int64) (int64, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for sent := 0; ; sent++ {
		if m, _ := cmClientField(t, ctl, name, "tot-mem"); m >= want {
			return m, sent
		}
		if time.Now().After(deadline) {
			m, _ := cmClientField(t, ctl, name, "tot-mem")
			t.Fatalf("%s: tot-mem %d, want %d", name, m, want)
		}
		if err := r.Send(encode("GET", key)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func cmWaitInfo(t *testing.T, r *rawConn, field string, ok func(int64) bool) int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := cmInfo(t, r, field)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("INFO %s stays at %d", field, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Unread output counts in used_memory and mem_clients_normal, and leaves
// them when the client reads it, and when it disconnects.
func TestClientMem_UnreadOutputInUsedMemory(t *testing.T) {
	p := startEmber(t, "--save", "")
	ctl := cmConn(t, p.Addr)
	if !strings.Contains(cmDo(t, ctl, "INFO", "memory"), "\r\nmem_clients_normal:") {
		t.Fatal("INFO memory has no mem_clients_normal")
	}
	cmDo(t, ctl, "SETRANGE", "k", strconv.Itoa(1<<20), "v")
	base := cmInfo(t, ctl, "used_memory")
	baseClients := cmInfo(t, ctl, "mem_clients_normal")
	if baseClients <= 0 {
		t.Fatalf("mem_clients_normal %d with a client connected", baseClients)
	}
	for round := range 2 {
		r := cmConn(t, p.Addr)
		name := fmt.Sprintf("reader%d", round)
		cmDo(t, r, "CLIENT", "SETNAME", name)
		m, sent := cmFillOutput(t, ctl, r, name, "k", 16<<20)
		clients := cmInfo(t, ctl, "mem_clients_normal")
		used := cmInfo(t, ctl, "used_memory")
		if clients < baseClients+m*9/10 || used < base+m*9/10 {
			t.Fatalf("reader tot-mem %d: mem_clients_normal %d (was %d), used_memory %d (was %d)", m, clients, baseClients, used, base)
		}
		// MEMORY STATS clients.normal says the same.
		stats := cmDo(t, ctl, "MEMORY", "STATS")
		if i := strings.Index(stats, "clients.normal\r\n:"); i < 0 {
			t.Fatalf("MEMORY STATS: %q", stats[:200])
		} else {
			v, _ := strconv.ParseInt(strings.SplitN(stats[i+len("clients.normal\r\n:"):], "\r", 2)[0], 10, 64)
			if v < m*9/10 {
				t.Fatalf("clients.normal %d, reader alone holds %d", v, m)
			}
		}
		if round == 0 {
			// Read everything: the memory is given back.
			for i := range sent {
				if _, err := r.ReadReply(); err != nil {
					t.Fatalf("reply %d of %d: %v", i, sent, err)
				}
			}
		} else {
			r.c.Close()
		}
		cmWaitInfo(t, ctl, "mem_clients_normal", func(v int64) bool { return v < baseClients+(256<<10) })
		cmWaitInfo(t, ctl, "used_memory", func(v int64) bool { return v < base+(256<<10) })
	}
}

// cmScenarioKeyEviction: with maxmemory and allkeys-lru, a client holding
// large unread replies makes the server evict keys, as Redis does. It
// returns evicted_keys and DBSIZE.
func cmScenarioKeyEviction(t *testing.T, addr string) (evicted, dbsize int64) {
	ctl := cmConn(t, addr)
	cmDo(t, ctl, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	for j := range 50 {
		cmDo(t, ctl, "SETRANGE", strconv.Itoa(j), "100000", "x")
	}
	used := cmInfo(t, ctl, "used_memory")
	cmDo(t, ctl, "CONFIG", "SET", "maxmemory", strconv.FormatInt(used+(3<<20), 10))
	r := cmConn(t, addr)
	cmDo(t, r, "CLIENT", "SETNAME", "mget")
	deadline := time.Now().Add(10 * time.Second)
	for cmInfo(t, ctl, "evicted_keys") == 0 && time.Now().Before(deadline) {
		for range 10 {
			if err := r.Send(encode("MGET", "1", "2", "3", "4", "5")); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	evicted = cmInfo(t, ctl, "evicted_keys")
	dbsize, _ = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(cmDo(t, ctl, "DBSIZE"), ":")), 10, 64)
	cmDo(t, ctl, "CONFIG", "SET", "maxmemory", "0")
	return evicted, dbsize
}

func TestClientMem_OutputBuffersEvictKeys(t *testing.T) {
	p := startEmber(t, "--save", "")
	evicted, dbsize := cmScenarioKeyEviction(t, p.Addr)
	if evicted == 0 || dbsize >= 50 {
		t.Fatalf("ember: evicted_keys %d, dbsize %d: unread output did not evict keys", evicted, dbsize)
	}
	if redisServerPath() != "" {
		rp := startRedis(t)
		re, rd := cmScenarioKeyEviction(t, rp.Addr)
		if re == 0 || rd >= 50 {
			t.Fatalf("redis: evicted_keys %d, dbsize %d (the scenario no longer shows what it should)", re, rd)
		}
	}
}

// cmScenarioClientEviction: lowering maxmemory-clients under what the
// clients use evicts the biggest evictable client (not a bigger one with
// CLIENT NO-EVICT on, nor a smaller one), counting evicted_clients; a
// client whose query buffer passes the limit is evicted, unless exempt.
// It returns what happened as text, to compare between servers.
func cmScenarioClientEviction(t *testing.T, addr string) string {
	var out []string
	ctl := cmConn(t, addr)
	cmDo(t, ctl, "CLIENT", "SETNAME", "control")
	cmDo(t, ctl, "CLIENT", "NO-EVICT", "on")
	cmDo(t, ctl, "SETRANGE", "k", strconv.Itoa(512<<10), "v")

	exempt := cmConn(t, addr)
	cmDo(t, exempt, "CLIENT", "SETNAME", "exempt")
	cmDo(t, exempt, "CLIENT", "NO-EVICT", "on")
	big := cmConn(t, addr)
	cmDo(t, big, "CLIENT", "SETNAME", "big")
	small := cmConn(t, addr)
	cmDo(t, small, "CLIENT", "SETNAME", "small")

	cmFillOutput(t, ctl, exempt, "exempt", "k", 6<<20)
	bigMem, _ := cmFillOutput(t, ctl, big, "big", "k", 3<<20)
	var total int64
	for _, line := range strings.Split(strings.TrimSpace(cmDo(t, ctl, "CLIENT", "LIST")), "\n") {
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "tot-mem="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				total += n
			}
		}
	}
	cmDo(t, ctl, "CONFIG", "SET", "maxmemory-clients", strconv.FormatInt(total-bigMem/2, 10))
	time.Sleep(200 * time.Millisecond) // Redis evicts before it sleeps, Ember before the next command and in its cron
	for _, name := range []string{"control", "exempt", "big", "small"} {
		_, ok := cmClientField(t, ctl, name, "id")
		out = append(out, fmt.Sprintf("%s connected %v", name, ok))
	}
	out = append(out, fmt.Sprintf("evicted_clients %d", cmInfo(t, ctl, "evicted_clients")))

	// The query buffer: a request left incomplete past the limit.
	exempt.c.Close()
	small.c.Close()
	cmWaitInfo(t, ctl, "mem_clients_normal", func(v int64) bool { return v < 512<<10 })
	cmDo(t, ctl, "CONFIG", "SET", "maxmemory-clients", strconv.Itoa(1<<20))
	for _, noEvict := range []string{"off", "on"} {
		q := cmConn(t, addr)
		name := "q" + noEvict
		cmDo(t, q, "CLIENT", "SETNAME", name)
		cmDo(t, q, "CLIENT", "NO-EVICT", noEvict)
		n := 3 << 20
		_ = q.Send([]byte(fmt.Sprintf("*2\r\n$%d\r\n%s", n, strings.Repeat("v", n-10))))
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			qb, ok := cmClientField(t, ctl, name, "qbuf")
			if !ok || qb >= int64(n-10) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		_, ok := cmClientField(t, ctl, name, "id")
		out = append(out, fmt.Sprintf("%s connected %v", name, ok))
		q.c.Close()
	}
	out = append(out, fmt.Sprintf("evicted_clients %d", cmInfo(t, ctl, "evicted_clients")))
	cmDo(t, ctl, "CONFIG", "SET", "maxmemory-clients", "0")
	return strings.Join(out, "\n")
}

func TestClientMem_MaxmemoryClientsEvicts(t *testing.T) {
	p := startEmber(t, "--save", "")
	got := cmScenarioClientEviction(t, p.Addr)
	want := strings.Join([]string{
		"control connected true", "exempt connected true", "big connected false", "small connected true",
		"evicted_clients 1", "qoff connected false", "qon connected true", "evicted_clients 2",
	}, "\n")
	if got != want {
		t.Fatalf("ember:\n%s\nwant:\n%s", got, want)
	}
	waitLog(t, p, "Evicting client: id=")
	waitLog(t, p, "name=big ")
	if redisServerPath() != "" {
		rp := startRedis(t)
		if rgot := cmScenarioClientEviction(t, rp.Addr); rgot != want {
			t.Fatalf("redis:\n%s\nwant:\n%s", rgot, want)
		}
	}
}
