package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestSoak_ConnChurn connects and disconnects in a loop, in every way a
// client can leave (QUIT, close, reset, close mid-request, close while
// blocked, close with replies unread), against an in-process server, and
// checks that every goroutine and client it started is gone afterwards
// and the heap is back where it was. tests/soak_test.go has the same
// against the binary, at full size with -soak there.
func TestSoak_ConnChurn(t *testing.T) {
	rounds := 600
	if n, _ := strconv.Atoi(os.Getenv("EMBER_CHURN")); n > 0 { // a longer run by hand
		rounds = n
	}
	if testing.Short() {
		rounds = 120
	}
	s, err := New(NewConfig(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTCP(t, s)
	ctl, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()
	ctl.Write(encodeRESP([]string{"SET", "big", string(bytes.Repeat([]byte("b"), 256<<10))}))
	if line, _ := bufio.NewReader(ctl).ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("SET: %q", line)
	}
	churn := func(k int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := 0; i < k; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				rd := bufio.NewReader(c)
				switch i % 6 {
				case 0:
					c.Write([]byte("PING\r\nQUIT\r\n"))
					rd.ReadString('\n')
					rd.ReadString('\n')
				case 1:
					c.Write(encodeRESP([]string{"SET", "churn:" + strconv.Itoa(i%50), "v"}))
					rd.ReadString('\n')
				case 2:
					c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc"))
				case 3:
					c.Write(encodeRESP([]string{"BLPOP", "churn:nothing", "0"}))
					time.Sleep(time.Millisecond)
				case 4:
					c.Write(bytes.Repeat(encodeRESP([]string{"GET", "big"}), 16))
				case 5:
					c.(*net.TCPConn).SetLinger(0)
					c.Write([]byte("PING\r\n"))
				}
			}(i)
		}
		wg.Wait()
	}
	settle := func(base int) (goroutines int, heap uint64) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			runtime.GC()
			goroutines = runtime.NumGoroutine()
			if (s.clients.count() == 1 && goroutines <= base) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return goroutines, ms.HeapAlloc
	}
	churn(rounds / 4) // warm up
	g0, h0 := settle(1 << 30)
	churn(rounds)
	g1, h1 := settle(g0)
	t.Logf("%d connections: goroutines %d → %d, heap %d → %d KB, clients %d", rounds, g0, g1, h0>>10, h1>>10, s.clients.count())
	if g1 > g0 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines %d → %d after every client left:\n%s", g0, g1, buf[:runtime.Stack(buf, true)])
	}
	if n := s.clients.count(); n != 1 {
		t.Errorf("%d clients registered, want 1", n)
	}
	if h1 > h0+8<<20 {
		t.Errorf("heap grew from %d KB to %d KB", h0>>10, h1>>10)
	}
}
