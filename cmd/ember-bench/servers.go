package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	ember, redis      string
	tests, pipelines  string
	requests, clients int
	runs              int
	threads           string // redis-benchmark --threads values, 0 for none
	threadsRequests   int    // -n of --threads runs
	keyspace          int
	mode              string
	keys, valueSize   int
	seconds           int
	ceiling           string // ember-ceiling binary
	ceilingP          string // ceiling mode: pipeline depths
	smallKeys         int    // scale mode: the small dataset
	getPct            int    // scale mode: GET share of the mixed load
	scaleServers      string // scale mode: which servers
	fsync             string
	memScale          float64 // memory mode: fraction of the datasets
}

// server is a process under measurement.
type server struct {
	name string
	port int
	dir  string
	cmd  *exec.Cmd
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start launches bin on a free loopback port with persistence off.
func start(name, bin string, extra ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ember-bench-"+name)
	if err != nil {
		return nil, err
	}
	if strings.Contains(bin, "/") {
		// The server runs in its own directory: a relative path would break.
		if abs, err := filepath.Abs(bin); err == nil {
			bin = abs
		}
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}, extra...)
	cmd := child(bin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &server{name: name, port: port, dir: dir, cmd: cmd}
	track(s, true)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() {
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not start on port %d", name, port)
}

func (s *server) ping() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("PING\r\n"))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// flush empties the dataset between runs.
func (s *server) flush() {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	_, _ = c.Write([]byte("FLUSHALL\r\n"))
	_, _ = bufio.NewReader(c).ReadString('\n')
}

// rssKB reads the process's resident set size.
func (s *server) rssKB() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}

func (s *server) stop() {
	track(s, false)
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}

// Every server started and not yet stopped, so that an interrupted run
// leaves nothing behind (stopAll from the signal handler).
var (
	liveMu sync.Mutex
	live   = map[*server]bool{}
)

func track(s *server, on bool) {
	liveMu.Lock()
	defer liveMu.Unlock()
	if on {
		live[s] = true
	} else {
		delete(live, s)
	}
}

// stopAll kills every server still running.
func stopAll() {
	liveMu.Lock()
	all := make([]*server, 0, len(live))
	for s := range live {
		all = append(all, s)
	}
	liveMu.Unlock()
	for _, s := range all {
		s.stop()
	}
}

// child is exec.Command for a process that dies with ember-bench, even
// when ember-bench itself is killed.
func child(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// do sends one command and reads its reply line.
func (s *server) do(args ...string) error {
	c, rd, err := s.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(respCmd(args...)); err != nil {
		return err
	}
	reply, err := readReply(rd)
	if err == nil && strings.HasPrefix(reply, "-") {
		err = fmt.Errorf("%s: %s", args[0], reply)
	}
	return err
}
