package tests

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The active expiry cycle is a latency event ("expire-cycle") when it runs
// for longer than latency-monitor-threshold.
func TestLatency_ExpireCycle(t *testing.T) {
	p := startEmber(t, "--latency-monitor-threshold", "1")
	c := dialRaw(t, p.Addr)
	const keys = 200000
	for base := 0; base < keys; base += 5000 {
		var buf []byte
		for i := base; i < base+5000; i++ {
			buf = append(buf, encode("SET", "exp:"+strconv.Itoa(i), "v", "PX", "50")...)
		}
		if err := c.Send(buf); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5000; i++ {
			if r, err := c.ReadReply(); err != nil || r != "+OK\r\n" {
				t.Fatalf("SET: %q %v", r, err)
			}
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, _ := c.Do("DBSIZE")
		if r == ":0\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keys left: %q", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r, _ := c.Do("LATENCY", "LATEST")
	if !strings.Contains(r, "expire-cycle") {
		t.Fatalf("LATENCY LATEST: %q", r)
	}
	if r, _ := c.Do("LATENCY", "HISTORY", "expire-cycle"); !strings.HasPrefix(r, "*") || r == "*0\r\n" {
		t.Fatalf("LATENCY HISTORY expire-cycle: %q", r)
	}
	if r, _ := c.Do("LATENCY", "DOCTOR"); !strings.Contains(r, "expire-cycle") || !strings.Contains(r, "'hz' configuration parameter") {
		t.Fatalf("LATENCY DOCTOR: %q", r)
	}
}

// MONITOR output goes to every monitor in the order commands ran, and a
// monitor that disconnects stops receiving without disturbing others.
func TestMonitor_ManyCommands(t *testing.T) {
	p := startEmber(t)
	m := dialRaw(t, p.Addr)
	psDo(t, m, "+OK\r\n", "MONITOR")
	c := dialRaw(t, p.Addr)
	for i := 0; i < 1000; i++ {
		psDo(t, c, "+OK\r\n", "SET", "k", strconv.Itoa(i))
	}
	for i := 0; i < 1000; i++ {
		line, err := m.rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if want := `"SET" "k" "` + strconv.Itoa(i) + `"`; !strings.HasSuffix(strings.TrimSpace(line), want) {
			t.Fatalf("line %d: %q, want suffix %q", i, line, want)
		}
	}
	info, _ := c.Do("CLIENT", "LIST")
	if !strings.Contains(info, "flags=O") || !strings.Contains(info, "cmd=monitor") {
		t.Errorf("CLIENT LIST shows no monitor: %q", info)
	}
}

// A blocking command is logged in the slow log when it is served, as in
// Redis (not when it blocks): served by an LPUSH inside a transaction that
// also resets the log, it is the entry left. A wait that times out is not
// logged.
func TestSlowlog_BlockedCommandLoggedWhenServed(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	psDo(t, admin, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "0")
	waiter := dialRaw(t, p.Addr)
	if err := waiter.Send(encode("BLPOP", "l", "0")); err != nil {
		t.Fatal(err)
	}
	waitBlockedClients(t, admin, 1)
	psDo(t, admin, "+OK\r\n", "MULTI")
	psDo(t, admin, "+QUEUED\r\n", "LPUSH", "l", "foo")
	psDo(t, admin, "+QUEUED\r\n", "SLOWLOG", "RESET")
	psDo(t, admin, "*2\r\n:1\r\n+OK\r\n", "EXEC")
	psRead(t, waiter, "*2\r\n$1\r\nl\r\n$3\r\nfoo\r\n")
	got, err := admin.Do("SLOWLOG", "GET", "1")
	if err != nil || !strings.Contains(got, "*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n") {
		t.Fatalf("latest slow log entry is not the served BLPOP: %q %v", got, err)
	}
	psDo(t, admin, "+OK\r\n", "SLOWLOG", "RESET")
	psDo(t, waiter, "*-1\r\n", "BLPOP", "nothing", "0.05")
	got, _ = admin.Do("SLOWLOG", "GET")
	if strings.Contains(got, "nothing") {
		t.Fatalf("a timed-out BLPOP was logged: %q", got)
	}
}

// TestCommandDurations_OnTheCalibratedClock checks the durations commands
// report (commandstats, SLOWLOG) once the server times them on the CPU's
// counter (calibrated 100 ms after start, where the kernel uses it): a
// 50 ms DEBUG SLEEP measures 50 ms, not 0 or a wrapped-around huge value.
func TestCommandDurations_OnTheCalibratedClock(t *testing.T) {
	p := startEmber(t, "--enable-debug-command", "yes")
	c := dialRaw(t, p.Addr)
	time.Sleep(300 * time.Millisecond) // past the calibration
	psDo(t, c, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "0")
	psDo(t, c, "+OK\r\n", "SLOWLOG", "RESET")
	psDo(t, c, "+OK\r\n", "DEBUG", "SLEEP", "0.05")
	inBounds := func(what string, usec int64) {
		t.Helper()
		if usec < 50_000 || usec > 5_000_000 {
			t.Errorf("%s: DEBUG SLEEP 0.05 took %d us", what, usec)
		}
	}
	// SLOWLOG GET: *1 *6 :id :time :duration *args ...; the newest entry is
	// DEBUG SLEEP (SLOWLOG RESET came before it; a command is logged after
	// it ran, so not this one).
	log, err := c.Do("SLOWLOG", "GET", "1")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:(\d+)\r\n\*3\r\n\$5\r\nDEBUG\r\n`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("newest slow log entry is not DEBUG SLEEP: %q", log)
	}
	usec, _ := strconv.ParseInt(m[1], 10, 64)
	inBounds("slowlog", usec)
	info, err := c.Do("INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	m = regexp.MustCompile(`cmdstat_debug:calls=1,usec=(\d+),`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no cmdstat_debug line: %q", info)
	}
	usec, _ = strconv.ParseInt(m[1], 10, 64)
	inBounds("commandstats", usec)
}
