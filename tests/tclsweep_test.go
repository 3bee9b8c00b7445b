package tests

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// End-to-end cases for divergences found by running Redis 7.0.15's Tcl
// suite against Ember (the Tcl test named in each).

// unit/introspection "config during loading": while the dataset loads,
// CONFIG SET of dir, appendonly (DENY_LOADING_CONFIG) answers LOADING, other
// parameters can change.
func TestTclSweep_ConfigSetWhileLoading(t *testing.T) {
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "", "--enable-debug-command", "yes")
	if err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, p.Addr)
	mustDo(t, c, "+OK\r\n", "DEBUG", "POPULATE", "5000")
	mustDo(t, c, "+OK\r\n", "SAVE")
	p.Stop()

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	// 5000 keys at 2 ms each: ten seconds of loading.
	cmd := exec.Command(emberBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--key-load-delay", "2000", "--enable-protected-configs", "yes")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var rc *rawConn
	for deadline := time.Now().Add(5 * time.Second); ; {
		if conn, err := dialQuiet(addr); err == nil {
			rc = conn
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server not listening")
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer rc.c.Close()
	if got, _ := rc.Do("PING"); !strings.HasPrefix(got, "-LOADING") {
		t.Fatalf("PING while loading: %q", got)
	}
	loading := "-LOADING Redis is loading the dataset in memory\r\n"
	mustDo(t, rc, "+OK\r\n", "CONFIG", "SET", "loglevel", "debug")
	mustDo(t, rc, loading, "CONFIG", "SET", "dir", "asdf")
	mustDo(t, rc, loading, "CONFIG", "SET", "appendonly", "yes")
	mustDo(t, rc, loading, "CONFIG", "SET", "loglevel", "notice", "dir", "asdf")
	// Checks that come first keep their errors.
	mustDo(t, rc, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n", "CONFIG", "SET", "nosuch", "1", "dir", "asdf")
	mustDo(t, rc, loading, "CONFIG", "SET", "dir", "asdf", "nosuch", "1")
	if got, _ := rc.Do("PING"); !strings.HasPrefix(got, "-LOADING") {
		t.Fatalf("the test needs the server still loading: %q", got)
	}
}

// dialQuiet dials addr, returning the error instead of failing the test.
func dialQuiet(addr string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, rd: bufio.NewReader(c)}, nil
}
