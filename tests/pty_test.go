package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A pseudo-terminal for driving interactive programs (redis-cli with its
// hints) the way a person does: the program sees a tty on stdin and stdout.
// Built on /dev/ptmx directly so no extra module or system package is needed.

type ptyProc struct {
	t    *testing.T
	ptm  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// startPty runs name with args on a new pseudo-terminal of the given width.
// It skips the test when the system has no usable /dev/ptmx.
func startPty(t *testing.T, cols uint16, name string, args ...string) *ptyProc {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal (/dev/ptmx: %v): skipping the interactive test", err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		ptm.Close()
		t.Skipf("no pseudo-terminal (unlocking /dev/ptmx: %v): skipping the interactive test", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptm.Close()
		t.Skipf("no pseudo-terminal (/dev/pts/%d: %v): skipping the interactive test", n, err)
	}
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: cols}); err != nil {
		t.Fatalf("setting the terminal size: %v", err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.Env = append(os.Environ(), "TERM=xterm", "HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		ptm.Close()
		pts.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	pts.Close()
	p := &ptyProc{t: t, ptm: ptm, cmd: cmd, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				close(p.done)
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptm.Close()
		<-p.done
	})
	return p
}

// Type sends keystrokes.
func (p *ptyProc) Type(s string) {
	p.t.Helper()
	if _, err := p.ptm.Write([]byte(s)); err != nil {
		p.t.Fatalf("typing %q: %v", s, err)
	}
}

// Output returns everything the program wrote so far.
func (p *ptyProc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Mark returns the current output length, for WaitFor to search after.
func (p *ptyProc) Mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Len()
}

// WaitFor waits until re matches the output written after mark and returns
// the submatches; it fails the test after a timeout.
func (p *ptyProc) WaitFor(mark int, re *regexp.Regexp) []string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := p.Output()[mark:]
		if m := re.FindStringSubmatch(out); m != nil {
			return m
		}
		select {
		case <-p.done:
			p.t.Fatalf("program exited while waiting for %q; output:\n%q", re, out)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %q; output:\n%q", re, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stripANSI removes terminal escape sequences and carriage returns.
func stripANSI(s string) string {
	return strings.ReplaceAll(ansiSeq.ReplaceAllString(s, ""), "\r", "")
}

var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
