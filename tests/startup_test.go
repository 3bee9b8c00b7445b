package tests

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitLog waits until the process log contains s.
func waitLog(t *testing.T, p *proc, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(p.Log(), s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log never contained %q:\n%s", s, p.Log())
}

func waitExit(t *testing.T, p *proc) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("server did not exit; log:\n%s", p.Log())
	}
	return p.cmd.ProcessState.ExitCode()
}

func TestStartup_LogLines(t *testing.T) {
	p := startEmber(t)
	pid := p.cmd.Process.Pid
	waitLog(t, p, "Ready to accept connections")
	log := p.Log()
	for _, want := range []string{
		"# oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
		fmt.Sprintf("Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=%d, just started", pid),
		fmt.Sprintf(" PID: %d", pid),
		fmt.Sprintf("* Running mode=standalone, port=%d.", p.Port),
		"* Ready to accept connections",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	line := regexp.MustCompile(fmt.Sprintf(`(?m)^%d:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} \* Ready to accept connections$`, pid))
	if !line.MatchString(log) {
		t.Errorf("Ready line not in Redis's format:\n%s", log)
	}
}

func TestStartup_Logo(t *testing.T) {
	p := startEmber(t, "--always-show-logo", "yes")
	waitLog(t, p, "Ready to accept connections")
	log := p.Log()
	if !strings.Contains(log, fmt.Sprintf("PID: %d", p.cmd.Process.Pid)) || !strings.Contains(log, fmt.Sprintf("Port: %d", p.Port)) || !strings.Contains(log, "Redis 7.0.15 (00000000/0) 64 bit") {
		t.Errorf("no logo:\n%s", log)
	}
}

func TestStartup_LogfileAndPidfile(t *testing.T) {
	dir := t.TempDir()
	logf := filepath.Join(dir, "ember.log")
	pidf := filepath.Join(dir, "ember.pid")
	p := startEmber(t, "--logfile", logf, "--pidfile", pidf, "--loglevel", "verbose")
	data, err := os.ReadFile(pidf)
	if err != nil {
		t.Fatalf("pidfile: %v", err)
	}
	if strings.TrimSpace(string(data)) != strconv.Itoa(p.cmd.Process.Pid) {
		t.Errorf("pidfile holds %q, pid %d", data, p.cmd.Process.Pid)
	}
	if out := p.Log(); out != "" {
		t.Errorf("stdout not empty with a logfile: %q", out)
	}
	c := dialRaw(t, p.Addr)
	if r, _ := c.Do("SHUTDOWN", "NOSAVE"); r != "" {
		t.Errorf("SHUTDOWN replied %q", r)
	}
	if code := waitExit(t, p); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if _, err := os.Stat(pidf); !os.IsNotExist(err) {
		t.Errorf("pidfile not removed: %v", err)
	}
	logData, _ := os.ReadFile(logf)
	for _, want := range []string{"Ready to accept connections", "# User requested shutdown...", "* Removing the pid file.", "# Redis is now ready to exit, bye bye..."} {
		if !strings.Contains(string(logData), want) {
			t.Errorf("logfile lacks %q:\n%s", want, logData)
		}
	}
}

func TestStartup_SIGTERM(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := startEmber(t)
		waitLog(t, p, "Ready to accept connections")
		if err := p.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, p); code != 0 {
			t.Errorf("%v: exit code %d", sig, code)
		}
		name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
		log := p.Log()
		for _, want := range []string{"# Received " + name + " scheduling shutdown...", "# User requested shutdown...", "# Redis is now ready to exit, bye bye..."} {
			if !strings.Contains(log, want) {
				t.Errorf("%s: log lacks %q:\n%s", name, want, log)
			}
		}
	}
}

func TestStartup_ShutdownClosesClients(t *testing.T) {
	p := startEmber(t)
	other := dialRaw(t, p.Addr)
	if _, err := other.Do("PING"); err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, p.Addr)
	if r, err := c.Do("SHUTDOWN", "NOW", "FORCE"); err == nil {
		t.Errorf("SHUTDOWN replied %q", r)
	}
	if code := waitExit(t, p); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if _, err := other.Do("PING"); err == nil {
		t.Error("other client still connected")
	}
	if _, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
		t.Error("still listening")
	}
}

// runFail runs bin with args and returns its output and exit code.
func runFail(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput()
	return string(out), cmd.ProcessState.ExitCode()
}

// TestStartup_ConfigErrors compares the fatal configuration errors with
// redis-server's, byte for byte.
func TestStartup_ConfigErrors(t *testing.T) {
	redisBin := needRedis(t)
	dir := t.TempDir()
	cases := []string{
		"port 7000\nfoo bar\n",
		"maxmemory 10x\n",
		"# comment\n\nappendonly maybe\n",
		"save 10\n",
		"port \"70\n",
		"loglevel loud\n",
		"client-output-buffer-limit normal 1 2\n",
		"databases 0\n",
		"rename-command nosuchcommand x\n",
		"hz 1 2\n",
	}
	for i, text := range cases {
		path := filepath.Join(dir, fmt.Sprintf("c%d.conf", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		eOut, eCode := runFail(t, emberBin, path)
		rOut, rCode := runFail(t, redisBin, path)
		if eOut != rOut || eCode != rCode {
			t.Errorf("config %q:\nember (%d): %q\nredis (%d): %q", text, eCode, eOut, rCode, rOut)
		}
	}
	// Command-line options are checked the same way.
	eOut, _ := runFail(t, emberBin, "--port", "99999")
	rOut, _ := runFail(t, redisBin, "--port", "99999")
	if eOut != rOut {
		t.Errorf("--port 99999:\nember: %q\nredis: %q", eOut, rOut)
	}
}

// TestStartup_EveryRedisDirective loads a configuration file holding every
// parameter redis-server reports, with its value, as CONFIG REWRITE would
// write it: Ember must accept all of them.
func TestStartup_EveryRedisDirective(t *testing.T) {
	r := startRedis(t)
	c := dialRaw(t, r.Addr)
	raw, err := c.Do("CONFIG", "GET", "*")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(raw, "\r\n")
	var b strings.Builder
	n := 0
	for i := 1; i+3 < len(lines); i += 4 {
		name, val := lines[i+1], lines[i+3]
		switch name {
		case "port", "dir", "bind", "pidfile", "logfile", "daemonize", "unixsocket", "supervised":
			continue // environment-specific
		case "replicaof", "slaveof":
			continue // empty means none, which the file cannot say
		}
		fmt.Fprintf(&b, "%s %q\n", name, val)
		n++
	}
	if n < 150 {
		t.Fatalf("only %d parameters from redis", n)
	}
	path := filepath.Join(t.TempDir(), "all.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	startWithConf(t, needRedis(t), path) // the file itself is valid for Redis
	p := startWithConf(t, emberBin, path)
	// The values read back as Redis reported them.
	e := dialRaw(t, p.Addr)
	for _, name := range []string{"maxmemory-policy", "hash-max-listpack-entries", "client-output-buffer-limit", "latency-tracking-info-percentiles", "oom-score-adj-values"} {
		want, _ := c.Do("CONFIG", "GET", name)
		got, _ := e.Do("CONFIG", "GET", name)
		if got != want {
			t.Errorf("CONFIG GET %s: ember %q, redis %q", name, got, want)
		}
	}
}

// startWithConf starts bin with a configuration file (which must come first
// on the command line) on a free port.
func startWithConf(t *testing.T, bin, conf string, args ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		full := append([]string{conf, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir}, args...)
		cmd := exec.Command(bin, full...)
		cmd.Dir = dir
		logBuf := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logBuf, logBuf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := &proc{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Dir: dir, cmd: cmd, log: logBuf, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); close(p.done) }()
		if err := p.waitReady(10 * time.Second); err != nil {
			p.Stop()
			lastErr = fmt.Errorf("%v; log:\n%s", err, logBuf.String())
			continue
		}
		t.Cleanup(p.Stop)
		return p
	}
	t.Fatalf("starting %s %s: %v", bin, conf, lastErr)
	return nil
}
