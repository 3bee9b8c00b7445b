package tests

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Byte-stream differential tests, for what the reply-per-command harness
// cannot see: Pub/Sub messages, invalidations and MONITOR lines that arrive
// on one connection because of commands sent on another.
//
// A script is a list of steps "N CMD args...": send CMD on connection N
// (0-based). After every step each connection is read until it has been
// quiet for a while, so the bytes each one received, and their order, are
// the same on both servers whenever Redis's are deterministic. A step
// "N @expect" makes the script fail unless the previous step produced
// output on connection N (guarding against a test that compares two
// silences); "N @sleep MS" waits.

// streamQuiet is how long a connection must stay silent after a step.
const streamQuiet = 30 * time.Millisecond

type streamConns struct {
	conns []net.Conn
	got   []bytes.Buffer
}

func dialStream(t *testing.T, addr string, n int) *streamConns {
	t.Helper()
	s := &streamConns{conns: make([]net.Conn, n), got: make([]bytes.Buffer, n)}
	for i := range s.conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		t.Cleanup(func() { c.Close() })
		s.conns[i] = c
	}
	return s
}

// drain reads every connection until it is quiet and reports, per
// connection, how many bytes arrived.
func (s *streamConns) drain(t *testing.T) []int {
	t.Helper()
	n := make([]int, len(s.conns))
	buf := make([]byte, 64*1024)
	deadline := time.Now().Add(5 * time.Second)
	for i, c := range s.conns {
		for time.Now().Before(deadline) {
			_ = c.SetReadDeadline(time.Now().Add(streamQuiet))
			m, err := c.Read(buf)
			s.got[i].Write(buf[:m])
			n[i] += m
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() && m == 0 {
					break
				}
				if !(errors.As(err, &ne) && ne.Timeout()) {
					break // closed
				}
			}
		}
	}
	return n
}

// parseStep splits "N CMD ..." into the connection index and the command.
func parseStep(t *testing.T, step string) (int, []string) {
	t.Helper()
	sp := strings.IndexByte(step, ' ')
	if sp < 0 {
		t.Fatalf("bad step %q", step)
	}
	i, err := strconv.Atoi(step[:sp])
	if err != nil {
		t.Fatalf("bad step %q", step)
	}
	return i, splitCommand(step[sp+1:])
}

// runStream runs script on both servers with conns connections each and
// compares what every connection received. cleanup commands run on a
// fresh connection of each server afterwards (to restore configuration).
func runStream(t *testing.T, conns int, script []string, cleanup ...string) {
	t.Helper()
	runStreamNormalized(t, conns, script, nil, cleanup...)
}

// runStreamNormalized is runStream with norm applied to both sides before
// comparing (masking times and addresses).
func runStreamNormalized(t *testing.T, conns int, script []string, norm func(string) string, cleanup ...string) {
	t.Helper()
	if norm == nil {
		norm = func(s string) string { return s }
	}
	ember, redis := sharedServers(t)
	run := func(addr string) *streamConns {
		s := dialStream(t, addr, conns)
		defer func() {
			if len(cleanup) == 0 {
				return
			}
			c := dialRaw(t, addr)
			for _, cmd := range cleanup {
				_, _ = c.Do(splitCommand(cmd)...)
			}
		}()
		// $IDn in a step stands for connection n's client id.
		ids := make([]string, conns)
		for i, c := range s.conns {
			r := &rawConn{c: c, rd: bufio.NewReader(c)}
			reply, err := r.Do("CLIENT", "ID")
			if err != nil || len(reply) < 4 {
				t.Fatalf("%s: CLIENT ID: %q %v", addr, reply, err)
			}
			ids[i] = strings.TrimSpace(reply[1:])
		}
		last := make([]int, conns)
		for _, step := range script {
			for n := conns - 1; n >= 0; n-- {
				step = strings.ReplaceAll(step, "$ID"+strconv.Itoa(n), ids[n])
			}
			i, args := parseStep(t, step)
			if len(args) == 2 && args[0] == "@sleep" {
				ms, _ := strconv.Atoi(args[1])
				time.Sleep(time.Duration(ms) * time.Millisecond)
				last = s.drain(t)
				continue
			}
			if len(args) == 1 && args[0] == "@expect" {
				if last[i] == 0 {
					t.Fatalf("%s: step before %q produced nothing on connection %d", addr, step, i)
				}
				continue
			}
			if _, err := s.conns[i].Write(encode(args...)); err != nil {
				t.Fatalf("%s: %s: %v", addr, step, err)
			}
			last = s.drain(t)
		}
		return s
	}
	want := run(redis.Addr)
	got := run(ember.Addr)
	for i := 0; i < conns; i++ {
		g, w := norm(normalizeStream(got.got[i].String())), norm(normalizeStream(want.got[i].String()))
		if g != w {
			t.Errorf("connection %d differs\n  redis: %q\n  ember: %q", i, w, g)
		}
	}
}

// helloID matches the client id in a HELLO reply, which differs between
// servers.
var (
	helloID  = regexp.MustCompile(`\$2\r\nid\r\n:\d+\r\n`)
	brokenID = regexp.MustCompile(`tracking-redir-broken\r\n:\d+\r\n`)
	redirID  = regexp.MustCompile(`\$8\r\nredirect\r\n:\d+\r\n`)
)

func normalizeStream(s string) string {
	s = helloID.ReplaceAllString(s, "$$2\r\nid\r\n:ID\r\n")
	s = brokenID.ReplaceAllString(s, "tracking-redir-broken\r\n:ID\r\n")
	return redirID.ReplaceAllString(s, "$$8\r\nredirect\r\n:ID\r\n")
}

// haveCommands reports whether Ember knows every named command, logging
// why a case is skipped when it does not (families still being built).
func haveCommands(t *testing.T, names ...string) bool {
	t.Helper()
	ember, _ := sharedServers(t)
	c := dialRaw(t, ember.Addr)
	for _, n := range names {
		r, err := c.Do("COMMAND", "INFO", n)
		if err != nil {
			t.Fatal(err)
		}
		if r == "*1\r\n$-1\r\n" || r == "*1\r\n*-1\r\n" {
			t.Logf("skipping: Ember has no %s command yet", strings.ToUpper(n))
			return false
		}
	}
	return true
}
