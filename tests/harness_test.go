package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The binary under test, built once per test run by TestMain (with the
// race detector when the tests run under -race: race_test.go).
var (
	emberBin  string
	raceBuild bool
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ember-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	emberBin = filepath.Join(dir, "ember-server")
	buildArgs := []string{"build", "-o", emberBin}
	if raceBuild {
		buildArgs = append(buildArgs, "-race")
	}
	build := exec.Command("go", append(buildArgs, "../cmd/ember-server")...)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ember-server:", err)
		os.Exit(1)
	}
	code := m.Run()
	if shared.ember != nil {
		shared.ember.Stop()
		if err := shared.ember.raceReport(); err != nil {
			fmt.Fprintln(os.Stderr, "shared server:", err)
			code = 1
		}
	}
	stopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a server process started by a test.
type proc struct {
	Addr string
	Port int
	Dir  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startProc runs bin on a free loopback port with the given extra arguments
// and waits until it answers. dir is the working directory (a temp dir when
// empty). Ports are retried a few times in case another process takes one.
func startProc(bin, dir string, args ...string) (*proc, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "ember-test")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		full := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir}, args...)
		cmd := exec.Command(bin, full...)
		cmd.Dir = dir
		logBuf := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logBuf, logBuf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		p := &proc{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Dir: dir, cmd: cmd, log: logBuf, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); close(p.done) }()
		if err := p.waitReady(10 * time.Second); err != nil {
			p.Stop()
			lastErr = fmt.Errorf("%v; log:\n%s", err, logBuf.String())
			continue
		}
		return p, nil
	}
	return nil, lastErr
}

func (p *proc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("server exited during start-up")
		default:
		}
		c, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("PING\r\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH")) {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready after %v", p.Addr, timeout)
}

// Stop kills the process and waits for it.
func (p *proc) Stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// Shutdown stops the process the way an operator does (SIGTERM), so it
// writes out what it holds; it is killed if it takes more than 10 s.
// redis-server needs this before another server reads its AOF: with
// appendfsync everysec it may reply to a write it postponed while a
// background fsync was running, and only a clean exit writes that out.
func (p *proc) Shutdown() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.Stop()
	}
}

// infoValue finds field in the text of an INFO reply.
func infoValue(info, field string) (string, bool) {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, true
		}
	}
	return "", false
}

// Log returns what the server printed.
func (p *proc) Log() string { return p.log.String() }

// startEmber starts ember-server for one test and stops it when the test ends.
func startEmber(t testing.TB, args ...string) *proc {
	t.Helper()
	p, err := startProc(emberBin, t.TempDir(), args...)
	if err != nil {
		t.Fatalf("starting ember-server: %v", err)
	}
	t.Cleanup(func() {
		p.Stop()
		if err := p.raceReport(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// raceReport returns the data races a race-built server reported, if any.
func (p *proc) raceReport() error {
	if log := p.Log(); raceBuild && strings.Contains(log, "WARNING: DATA RACE") {
		return fmt.Errorf("ember-server reported a data race:\n%s", log)
	}
	return nil
}

// redisServerPath is the reference redis-server, or "" when not installed.
func redisServerPath() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// needRedis skips the test when redis-server is not installed.
func needRedis(t testing.TB) string {
	t.Helper()
	p := redisServerPath()
	if p == "" {
		t.Skip("redis-server is not installed: skipping the comparison with Redis (.ci/run installs it)")
	}
	return p
}

// startRedis starts the reference redis-server for one test.
func startRedis(t testing.TB, args ...string) *proc {
	t.Helper()
	bin := needRedis(t)
	p, err := startProc(bin, t.TempDir(), append([]string{"--save", "", "--appendonly", "no"}, args...)...)
	if err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(p.Stop)
	return p
}

// Shared servers for the differential harness: started on first use,
// stopped by TestMain.
var shared struct {
	once         sync.Once
	ember, redis *proc
	err          error
}

func sharedServers(t testing.TB) (ember, redis *proc) {
	t.Helper()
	bin := needRedis(t)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "ember-diff")
		if err != nil {
			shared.err = err
			return
		}
		shared.ember, shared.err = startProc(emberBin, dir, "--save", "")
		if shared.err != nil {
			return
		}
		rdir, _ := os.MkdirTemp("", "redis-diff")
		shared.redis, shared.err = startProc(bin, rdir, "--save", "", "--appendonly", "no")
	})
	if shared.err != nil {
		t.Fatalf("starting shared servers: %v", shared.err)
	}
	return shared.ember, shared.redis
}

func stopShared() {
	if shared.ember != nil {
		shared.ember.Stop()
		os.RemoveAll(shared.ember.Dir)
	}
	if shared.redis != nil {
		shared.redis.Stop()
		os.RemoveAll(shared.redis.Dir)
	}
}
