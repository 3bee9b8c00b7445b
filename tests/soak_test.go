package tests

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Soak tests on loopback, bounded in time and count. By default each runs
// a light version (seconds) as part of `make test`; with -soak they run at
// full size (minutes; `make soak`), and print the figures quoted in
// README.md's Reliability section.
//
//	go test ./tests -run TestSoak -soak -v -timeout 30m
var soak = flag.Bool("soak", false, "run the soak tests at full size")

// size returns full under -soak and light otherwise.
func size(light, full int) int {
	if *soak {
		return full
	}
	return light
}

// fdCount is the number of open file descriptors of a process.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("cannot read /proc/%d/fd (%v)", pid, err)
	}
	return len(ents)
}

// connectedClients reads connected_clients from INFO.
func connectedClients(t *testing.T, admin *rawConn) int {
	t.Helper()
	info, err := admin.Do("INFO", "clients")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(rawInfoField(info, "connected_clients"))
	return n
}

// connectionsReceived is INFO's total_connections_received.
func connectionsReceived(t *testing.T, admin *rawConn) int {
	t.Helper()
	info, err := admin.Do("INFO", "stats")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(rawInfoField(info, "total_connections_received"))
	return n
}

// waitClients waits until connected_clients is want.
func waitClients(t *testing.T, admin *rawConn, want int, wait time.Duration) int {
	t.Helper()
	n := 0
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n = connectedClients(t, admin); n == want {
			break
		}
	}
	return n
}

// N connections open at once, every one answered.
func TestSoak_ConcurrentConnections(t *testing.T) {
	n := size(1000, 10000)
	p := startEmber(t, "--maxclients", strconv.Itoa(n+100))
	admin := dialRaw(t, p.Addr)
	rssBefore := rssKB(t, p.pid())
	start := time.Now()
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, 256) // dial in waves: the listen backlog is finite
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", p.Addr, 10*time.Second)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
				return
			}
			conns[i] = c
		}(i)
	}
	wg.Wait()
	connected := time.Since(start)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d connections failed: %v", failed.Load(), n, firstErr.Load())
	}
	if got := waitClients(t, admin, n+1, 10*time.Second); got != n+1 {
		t.Fatalf("connected_clients %d, want %d", got, n+1)
	}
	rssOpen := rssKB(t, p.pid())
	// Every connection sends at once; every one must be answered.
	start = time.Now()
	var bad atomic.Int64
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			key := "conn:" + strconv.Itoa(i)
			if _, err := c.Write(append(encode("SET", key, key), encode("GET", key)...)); err != nil {
				bad.Add(1)
				return
			}
			want := fmt.Sprintf("+OK\r\n$%d\r\n%s\r\n", len(key), key)
			buf := make([]byte, len(want))
			if _, err := io_ReadFull(bufio.NewReader(c), buf); err != nil || string(buf) != want {
				bad.Add(1)
			}
		}(i, c)
	}
	wg.Wait()
	answered := time.Since(start)
	if bad.Load() > 0 {
		t.Fatalf("%d of %d connections not answered correctly", bad.Load(), n)
	}
	if r, _ := admin.Do("DBSIZE"); r != fmt.Sprintf(":%d\r\n", n) {
		t.Errorf("DBSIZE %q, want %d", r, n)
	}
	t.Logf("%d connections: opened in %v, all answered in %v; server RSS %d MB idle, %d MB with them open (%.1f KB per connection)",
		n, connected.Round(time.Millisecond), answered.Round(time.Millisecond), rssBefore>>10, rssOpen>>10, float64(rssOpen-rssBefore)/float64(n))
}

// benchRPS runs redis-benchmark against addr (runs times) and returns the
// median requests per second per test (SET, GET).
func benchRPS(t *testing.T, port, requests, runs int) map[string]float64 {
	t.Helper()
	all := map[string][]float64{}
	for i := 0; i < runs; i++ {
		for op, v := range benchOnce(t, port, requests) {
			all[op] = append(all[op], v)
		}
	}
	res := map[string]float64{}
	for op, vs := range all {
		sort.Float64s(vs)
		res[op] = vs[len(vs)/2]
	}
	return res
}

func benchOnce(t *testing.T, port int, requests int) map[string]float64 {
	t.Helper()
	bench, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark is not installed (.ci/run installs redis-tools)")
	}
	out, err := exec.Command(bench, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-c", "50", "-n", strconv.Itoa(requests), "-t", "set,get", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	res := map[string]float64{}
	re := regexp.MustCompile(`(SET|GET): ([0-9.]+) requests per second`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		res[m[1]], _ = strconv.ParseFloat(m[2], 64)
	}
	if len(res) != 2 {
		t.Fatalf("cannot read redis-benchmark's output:\n%s", out)
	}
	return res
}

// Slow clients that trickle a byte every couple of seconds hold a
// connection each but must not slow the others much: throughput with and
// without them.
func TestSoak_Slowloris(t *testing.T) {
	n := size(500, 5000)
	requests := size(10000, 200000)
	p := startEmber(t, "--maxclients", strconv.Itoa(n+200))
	admin := dialRaw(t, p.Addr)
	quiet := benchRPS(t, p.Port, requests, size(1, 3))

	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", p.Addr, 10*time.Second)
		if err != nil {
			t.Fatalf("slow client %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	// One goroutine trickles a byte of a request to every slow client in
	// turn, each about every 2 s: 5000 clients means a write every 0.4 ms.
	req := []byte("*2\r\n$4\r\nECHO\r\n$4\r\nslow\r\n")
	stop := make(chan struct{})
	var sent atomic.Int64
	var trickle sync.WaitGroup
	trickle.Add(1)
	go func() {
		defer trickle.Done()
		pos := make([]int, len(conns))
		gap := 2 * time.Second / time.Duration(len(conns))
		for {
			for i, c := range conns {
				select {
				case <-stop:
					return
				default:
				}
				_ = c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write(req[pos[i] : pos[i]+1]); err == nil {
					sent.Add(1)
				}
				pos[i] = (pos[i] + 1) % len(req)
				time.Sleep(gap)
			}
		}
	}()
	time.Sleep(time.Second)
	if got := connectedClients(t, admin); got < n {
		t.Fatalf("connected_clients %d with %d slow clients", got, n)
	}
	loaded := benchRPS(t, p.Port, requests, size(1, 3))
	close(stop)
	trickle.Wait()
	for _, op := range []string{"SET", "GET"} {
		t.Logf("%s: %.0f req/s alone, %.0f req/s beside %d slow clients (%+.1f%%, medians)", op, quiet[op], loaded[op], n, 100*(loaded[op]-quiet[op])/quiet[op])
	}
	t.Logf("%d bytes trickled to %d slow clients", sent.Load(), n)
	if got := connectedClients(t, admin); got < n {
		t.Errorf("connected_clients %d: slow clients were dropped", got)
	}
	mustDo(t, admin, "+PONG\r\n", "PING")
}

// Clients that pipeline GETs of a 1 MB value and never read: with an
// output buffer limit, the server drops them and its memory stays near
// clients × limit.
func TestSoak_UnreadPipelinedGets(t *testing.T) {
	clients := size(4, 50)
	gets := size(64, 200)
	p := startEmber(t, "--client-output-buffer-limit", "normal 32mb 16mb 5")
	admin := dialRaw(t, p.Addr)
	mustDo(t, admin, "+OK\r\n", "SET", "big", bigString(1<<20, 'v'))
	before := rssKB(t, p.pid())
	received := connectionsReceived(t, admin)
	req := bytes.Repeat(encode("GET", "big"), gets)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < clients; i++ {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.(*net.TCPConn).SetReadBuffer(4096)
		conns = append(conns, c)
		go func() {
			_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			_, _ = c.Write(req)
		}()
	}
	peak := before
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		peak = max(peak, rssKB(t, p.pid()))
		// Done once the server has accepted every client and dropped them.
		if connectionsReceived(t, admin) >= received+clients && connectedClients(t, admin) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := connectedClients(t, admin); got != 1 {
		t.Errorf("%d clients still connected, want only the admin", got-1)
	}
	limit := clients*48<<10 + 64<<10 // 32 MB hard limit each, plus slack
	t.Logf("%d clients × %d GETs of 1 MB unread: RSS %d MB before, peak %d MB", clients, gets, before>>10, peak>>10)
	if peak-before > limit {
		rssOver(t, "RSS peaked %d MB above the start, over %d MB", (peak-before)>>10, limit>>10)
	}
}

// Connecting and disconnecting in a loop, in every way a client can go
// (clean QUIT, abrupt close, close mid-request, close while blocked, close
// while the server is still writing), leaks neither clients, descriptors
// nor memory. The in-process variant in server (TestSoak_ConnChurn) checks
// the goroutine count as well.
func TestSoak_ConnectChurn(t *testing.T) {
	rounds := size(2000, 50000)
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	mustDo(t, admin, "+OK\r\n", "SET", "big", bigString(256<<10, 'b'))
	churn := func(k int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := 0; i < k; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				c, err := net.DialTimeout("tcp", p.Addr, 5*time.Second)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				rd := bufio.NewReader(c)
				switch i % 6 {
				case 0:
					_, _ = c.Write([]byte("PING\r\nQUIT\r\n"))
					_, _ = rd.ReadString('\n')
					_, _ = rd.ReadString('\n')
				case 1:
					_, _ = c.Write(encode("SET", "churn:"+strconv.Itoa(i%100), "v"))
					_, _ = rd.ReadString('\n')
				case 2:
					_, _ = c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc"))
				case 3:
					_, _ = c.Write(encode("BLPOP", "churn:nothing", "0"))
					time.Sleep(time.Millisecond)
				case 4:
					_, _ = c.Write(bytes.Repeat(encode("GET", "big"), 16)) // 4 MB of replies, never read
				case 5:
					_ = c.(*net.TCPConn).SetLinger(0) // reset, not FIN
					_, _ = c.Write([]byte("PING\r\n"))
				}
			}(i)
		}
		wg.Wait()
	}
	churn(rounds / 10) // warm up: buffers, pools, heap size
	time.Sleep(500 * time.Millisecond)
	waitClients(t, admin, 1, 10*time.Second)
	rss0, fd0 := rssKB(t, p.pid()), fdCount(t, p.pid())
	start := time.Now()
	churn(rounds)
	took := time.Since(start)
	got := waitClients(t, admin, 1, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	rss1, fd1 := rssKB(t, p.pid()), fdCount(t, p.pid())
	t.Logf("%d connections in %v (%.0f/s): RSS %d → %d KB, fds %d → %d, connected_clients %d", rounds, took.Round(time.Millisecond), float64(rounds)/took.Seconds(), rss0, rss1, fd0, fd1, got)
	if got != 1 {
		t.Errorf("connected_clients %d after every churned client left", got)
	}
	if fd1 > fd0+5 {
		t.Errorf("file descriptors %d → %d", fd0, fd1)
	}
	if rss1 > rss0+64<<10 {
		rssOver(t, "RSS grew from %d KB to %d KB", rss0, rss1)
	}
	mustDo(t, admin, "+PONG\r\n", "PING")
}
