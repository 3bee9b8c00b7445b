package tests

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
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

// unit/info "errorstats: blocking commands": a blocked command whose wait
// ends with an error (CLIENT UNBLOCK ERROR, a WRONGTYPE when served) or by
// CLIENT UNBLOCK counts as a failed call; a timeout does not. Compared with
// redis-server.
func TestTclSweep_BlockedCommandFailedCalls(t *testing.T) {
	scenario := func(addr string) string {
		admin := dialRaw(t, addr)
		mustDo(t, admin, "+OK\r\n", "CONFIG", "RESETSTAT")
		block := func(args ...string) (*rawConn, string) {
			rc := dialRaw(t, addr)
			id, err := rc.Do("CLIENT", "ID")
			if err != nil {
				t.Fatal(err)
			}
			sendBlocking(t, admin, rc, args...)
			return rc, strings.TrimSuffix(strings.TrimPrefix(id, ":"), "\r\n")
		}
		var out []string
		rc, id := block("BLPOP", "l1", "0")
		mustDo(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id, "ERROR")
		expectReply(t, rc, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
		rc, id = block("BRPOP", "l1", "0")
		mustDo(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id)
		expectReply(t, rc, "*-1\r\n")
		rc, _ = block("BLMOVE", "l2", "dst", "LEFT", "LEFT", "0")
		mustDo(t, admin, "+OK\r\n", "SET", "dst", "x")
		mustDo(t, admin, ":1\r\n", "LPUSH", "l2", "a")
		expectReply(t, rc, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
		rc, _ = block("BZPOPMIN", "z", "0.01")
		expectReply(t, rc, "*-1\r\n")
		info, err := admin.Do("INFO", "commandstats")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(info, "\r\n")
		sort.Strings(lines) // Redis lists them in its hash table's order
		for _, line := range lines {
			for _, cmd := range []string{"blpop", "brpop", "blmove", "bzpopmin", "lpush", "client|unblock"} {
				if strings.HasPrefix(line, "cmdstat_"+cmd+":") {
					// calls=N,usec=..,usec_per_call=..,rejected_calls=N,failed_calls=N
					f := strings.Split(line, ",")
					out = append(out, f[0]+","+f[3]+","+f[4])
				}
			}
		}
		errs, err := admin.Do("INFO", "errorstats")
		if err != nil {
			t.Fatal(err)
		}
		stats, err := admin.Do("INFO", "stats")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(stats, "\r\n") {
			if strings.HasPrefix(line, "total_error_replies:") {
				out = append(out, line)
			}
		}
		return strings.Join(out, "\n") + "\n" + errs[strings.Index(errs, "\r\n")+2:]
	}
	want := scenario(startRedis(t).Addr)
	got := scenario(startEmber(t, "--save", "").Addr)
	if got != want {
		t.Errorf("redis:\n%s\nember:\n%s", want, got)
	}
}

// unit/shutdown "Temp rdb will be deleted in signal handle": the save
// before exiting honours rdb-key-save-delay, and a second SIGINT while it
// runs exits at once, removing the temporary file.
func TestTclSweep_SecondSIGINTDuringShutdownSave(t *testing.T) {
	p := startEmber(t, "--save", "900 1")
	c := dialRaw(t, p.Addr)
	for i := range 20 {
		mustDo(t, c, "+OK\r\n", "SET", strconv.Itoa(i), strconv.Itoa(i))
	}
	mustDo(t, c, "+OK\r\n", "CONFIG", "SET", "rdb-key-save-delay", "100000")
	pid := p.cmd.Process.Pid
	temp := filepath.Join(p.Dir, fmt.Sprintf("temp-%d.rdb", pid))
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the temporary file", func() bool { _, err := os.Stat(temp); return err == nil })
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("still running after the second SIGINT")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if _, err := os.Stat(temp); err == nil {
		t.Error("the temporary file is still there")
	}
	if !strings.Contains(p.Log(), "You insist... exiting now.") {
		t.Errorf("log:\n%s", p.Log())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// unit/multi "MULTI with BGREWRITEAOF": every background save or rewrite
// counts in total_forks (the test waits for it to grow), as Redis counts
// its forks; CONFIG RESETSTAT clears it. Compared with redis-server.
func TestTclSweep_TotalForks(t *testing.T) {
	scenario := func(addr string) []string {
		c := dialRaw(t, addr)
		field := func(name string) string {
			info, err := c.Do("INFO")
			if err != nil {
				t.Fatal(err)
			}
			v, ok := infoValue(info, name)
			if !ok {
				t.Fatalf("no %s in INFO", name)
			}
			return v
		}
		idle := func() {
			waitFor(t, "background work to end", func() bool {
				return field("rdb_bgsave_in_progress") == "0" && field("aof_rewrite_in_progress") == "0" &&
					field("aof_rewrite_scheduled") == "0"
			})
		}
		var out []string
		out = append(out, field("total_forks"))
		mustDo(t, c, "+Background saving started\r\n", "BGSAVE")
		idle()
		out = append(out, field("total_forks"))
		mustDo(t, c, "+Background append only file rewriting started\r\n", "BGREWRITEAOF")
		idle()
		out = append(out, field("total_forks"))
		mustDo(t, c, "+OK\r\n", "MULTI")
		mustDo(t, c, "+QUEUED\r\n", "SET", "foo", "bar")
		mustDo(t, c, "+QUEUED\r\n", "BGREWRITEAOF")
		mustDo(t, c, "*2\r\n+OK\r\n+Background append only file rewriting scheduled\r\n", "EXEC")
		idle()
		out = append(out, field("total_forks"))
		mustDo(t, c, "+OK\r\n", "CONFIG", "RESETSTAT")
		out = append(out, field("total_forks"), field("latest_fork_usec"))
		return out
	}
	want := scenario(startRedis(t).Addr)
	got := scenario(startEmber(t, "--save", "", "--appendonly", "no").Addr)
	if !slices.Equal(got, want) {
		t.Errorf("total_forks: redis %v, ember %v", want, got)
	}
}

// unit/pause "Test both active and passive expires are skipped during
// client pause": while clients are paused, expired keys read as absent but
// are not deleted (nor evicted); after CLIENT UNPAUSE a read deletes them.
// Compared with redis-server.
func TestTclSweep_NoExpiryWhilePaused(t *testing.T) {
	scenario := func(addr string) []string {
		c := dialRaw(t, addr)
		var out []string
		do := func(args ...string) {
			r, err := c.Do(args...)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		do("CONFIG", "RESETSTAT")
		do("MULTI")
		do("SET", "foo{t}", "bar", "PX", "10")
		do("SET", "bar{t}", "foo", "PX", "10")
		do("CLIENT", "PAUSE", "50000", "WRITE")
		do("EXEC")
		time.Sleep(150 * time.Millisecond)
		do("GET", "foo{t}")
		do("EXISTS", "foo{t}", "bar{t}")
		do("TTL", "bar{t}")
		do("SCAN", "0")
		do("MULTI")
		do("GET", "foo{t}")
		do("TYPE", "bar{t}")
		do("EXEC")
		do("DBSIZE")
		do("INFO", "stats")
		out[len(out)-1] = infoLineOf(out[len(out)-1], "expired_keys")
		do("CLIENT", "UNPAUSE")
		do("GET", "foo{t}")
		do("GET", "bar{t}")
		do("DBSIZE")
		do("INFO", "stats")
		out[len(out)-1] = infoLineOf(out[len(out)-1], "expired_keys")
		return out
	}
	want := scenario(startRedis(t).Addr)
	got := scenario(startEmber(t, "--save", "").Addr)
	if !slices.Equal(got, want) {
		t.Errorf("redis %q\nember %q", want, got)
	}
}

func infoLineOf(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(line, name+":") {
			return line
		}
	}
	return "no " + name
}

// unit/tracking "RESP3 based basic tracking-redir-broken with client reply
// off": once the redirect target's QUIT is answered, it is gone for the
// next invalidation, which becomes tracking-redir-broken. Repeated, since
// the window was a race; the replies are compared with redis-server.
func TestTclSweep_RedirectTargetGoneAfterQuit(t *testing.T) {
	scenario := func(addr string, rounds int) []string {
		var first []string
		for i := range rounds {
			rd, redir, sg := dialRaw(t, addr), dialRaw(t, addr), dialRaw(t, addr)
			var out []string
			do := func(c *rawConn, args ...string) {
				r, err := c.Do(args...)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
			id, err := redir.Do("CLIENT", "ID")
			if err != nil {
				t.Fatal(err)
			}
			id = strings.TrimSuffix(strings.TrimPrefix(id, ":"), "\r\n")
			do(rd, "HELLO", "3")
			out = out[:0] // HELLO's reply holds the client id
			do(rd, "CLIENT", "TRACKING", "on", "REDIRECT", id)
			do(sg, "SET", "foo", "bar")
			do(rd, "GET", "foo")
			do(redir, "QUIT")
			do(sg, "SET", "foo", "bar2")
			_ = rd.c.SetReadDeadline(time.Now().Add(2 * time.Second))
			push, err := rd.ReadReply()
			if err != nil {
				t.Fatalf("round %d: no push after the redirect target quit: %v", i, err)
			}
			out = append(out, strings.Replace(push, ":"+id+"\r\n", ":<id>\r\n", 1))
			do(rd, "PING")
			rd.c.Close()
			redir.c.Close()
			sg.c.Close()
			if i == 0 {
				first = out
			} else if !slices.Equal(out, first) {
				t.Fatalf("round %d: %q, first round %q", i, out, first)
			}
		}
		return first
	}
	want := scenario(startRedis(t).Addr, 1)
	got := scenario(startEmber(t, "--save", "").Addr, 200)
	if !slices.Equal(got, want) {
		t.Errorf("redis %q\nember %q", want, got)
	}
}

// unit/introspection and integration/rdb stop a server that is still
// loading with SIGTERM: Redis shuts down at once without saving; Ember read
// signals only once loading was over.
func TestTclSweep_SIGTERMWhileLoading(t *testing.T) {
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
	var log syncBuffer
	// 5000 keys at 2 ms each: ten seconds of loading; save points that
	// would write the half-loaded dataset if the shutdown saved.
	cmd := exec.Command(emberBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "900 1", "--key-load-delay", "2000", "--pidfile", filepath.Join(dir, "ember.pid"))
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitFor(t, "the server to answer LOADING", func() bool {
		rc, err := dialQuiet(addr)
		if err != nil {
			return false
		}
		defer rc.c.Close()
		r, _ := rc.Do("PING")
		return strings.HasPrefix(r, "-LOADING")
	})
	before, _ := os.Stat(filepath.Join(dir, "dump.rdb"))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("still running 3 s after SIGTERM while loading; log:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "Received shutdown signal during loading, scheduling shutdown.") {
		t.Errorf("log:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "ember.pid")); err == nil {
		t.Error("pid file left behind")
	}
	if after, _ := os.Stat(filepath.Join(dir, "dump.rdb")); before == nil || after == nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Error("the dump file changed: the shutdown saved")
	}
}
