package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// -mode bgsave: with -keys keys loaded, the latency of concurrent SET/GET
// (no pipelining) while idle and while BGSAVE runs, the extra memory during
// BGSAVE and its duration, for Ember and redis-server on the same machine.
//
// Extra memory: Ember saves from a snapshot inside its own process, so it is
// the server's peak RSS during the save minus its RSS before. Redis forks:
// it is the parent's RSS growth plus the child's private (copied) pages,
// sampled every 20 ms.

type bgsaveResult struct {
	name               string
	keys               int
	rssBeforeMB        float64
	idle, during       latencies
	extraMB            float64
	duration           time.Duration
	opsIdle, opsDuring int
}

type latencies struct{ p50, p99, p999 time.Duration }

func runBgsave(o options) error {
	if o.keys == 0 {
		o.keys = 5_000_000
	}
	if o.seconds == 0 {
		o.seconds = 5
	}
	var results []bgsaveResult
	for _, sv := range []struct{ name, bin string }{{"ember", o.ember}, {"redis", o.redis}} {
		s, err := start(sv.name, sv.bin)
		if err != nil {
			return err
		}
		r, err := measureBgsave(s, o)
		s.stop()
		if err != nil {
			return fmt.Errorf("%s: %v", sv.name, err)
		}
		results = append(results, r)
	}
	fmt.Printf("BGSAVE with %d keys (values %d bytes), %d clients doing SET/GET 50/50 without pipelining\n\n", o.keys, o.valueSize, o.clients)
	fmt.Println("| server | RSS before (MB) | p50 idle | p99 idle | p99.9 idle | p50 during | p99 during | p99.9 during | p99 ratio | extra memory (MB) | BGSAVE duration |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Printf("| %s | %.0f | %v | %v | %v | %v | %v | %v | %.2fx | %.0f | %.2fs |\n", r.name, r.rssBeforeMB,
			r.idle.p50, r.idle.p99, r.idle.p999, r.during.p50, r.during.p99, r.during.p999,
			float64(r.during.p99)/float64(max(r.idle.p99, 1)), r.extraMB, r.duration.Seconds())
	}
	return nil
}

func (s *server) dial() (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 2*time.Second)
	if err != nil {
		return nil, nil, err
	}
	return c, bufio.NewReaderSize(c, 64<<10), nil
}

// readReply reads one reply line (and a bulk's payload).
func readReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	if line[0] == '$' {
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		if n >= 0 {
			buf := make([]byte, n+2)
			if _, err := io_ReadFull(rd, buf); err != nil {
				return "", err
			}
			return string(buf[:n]), nil
		}
	}
	return strings.TrimSpace(line), nil
}

func io_ReadFull(rd *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := rd.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func respCmd(args ...string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// load writes keys key:0..n-1 with pipelined SETs on 4 connections.
func (s *server) load(n, valueSize int) error {
	val := strings.Repeat("v", valueSize)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	const conns, batch = 4, 1000
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, rd, err := s.dial()
			if err != nil {
				firstErr.Store(err)
				return
			}
			defer c.Close()
			var buf []byte
			for start := w * batch; start < n; start += conns * batch {
				buf = buf[:0]
				end := min(start+batch, n)
				for i := start; i < end; i++ {
					buf = append(buf, respCmd("SET", "key:"+strconv.Itoa(i), val)...)
				}
				if _, err := c.Write(buf); err != nil {
					firstErr.Store(err)
					return
				}
				for i := start; i < end; i++ {
					if _, err := readReply(rd); err != nil {
						firstErr.Store(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return e.(error)
	}
	return nil
}

// info returns one INFO field.
func (s *server) info(field string) string {
	c, rd, err := s.dial()
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write(respCmd("INFO", "persistence"))
	body, err := readReply(rd)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return v
		}
	}
	return ""
}

// traffic runs clients doing SET/GET until stop, collecting latencies.
func (s *server) traffic(clients, keys, valueSize int, stop *atomic.Bool) ([]time.Duration, error) {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	var firstErr atomic.Value
	val := strings.Repeat("w", valueSize)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, rd, err := s.dial()
			if err != nil {
				firstErr.Store(err)
				return
			}
			defer c.Close()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			lat := make([]time.Duration, 0, 1<<16)
			for i := 0; !stop.Load() && i < 50_000_000; i++ {
				key := "key:" + strconv.Itoa(r.IntN(keys))
				var cmd []byte
				if i%2 == 0 {
					cmd = respCmd("SET", key, val)
				} else {
					cmd = respCmd("GET", key)
				}
				t0 := time.Now()
				if _, err := c.Write(cmd); err != nil {
					firstErr.Store(err)
					return
				}
				if _, err := readReply(rd); err != nil {
					firstErr.Store(err)
					return
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	// The caller sets stop; wait for the clients here.
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return nil, e.(error)
	}
	return all, nil
}

func percentiles(l []time.Duration) latencies {
	if len(l) == 0 {
		return latencies{}
	}
	slices.Sort(l)
	at := func(q float64) time.Duration { return l[min(len(l)-1, int(q*float64(len(l))))] }
	return latencies{at(0.50), at(0.99), at(0.999)}
}

// privateKB sums a process's private pages (smaps_rollup).
func privateKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	var kb int64
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Private_Dirty:") || strings.HasPrefix(line, "Private_Clean:") {
			f := strings.Fields(line)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			kb += n
		}
	}
	return kb
}

func childPids(pid int) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

func measureBgsave(s *server, o options) (bgsaveResult, error) {
	res := bgsaveResult{name: s.name, keys: o.keys}
	if err := s.load(o.keys, o.valueSize); err != nil {
		return res, err
	}
	time.Sleep(2 * time.Second) // let the heap settle
	before := s.rssKB()
	res.rssBeforeMB = float64(before) / 1024

	// Idle.
	var stop atomic.Bool
	var idle []time.Duration
	var err error
	done := make(chan struct{})
	go func() { idle, err = s.traffic(o.clients, o.keys, o.valueSize, &stop); close(done) }()
	time.Sleep(time.Duration(o.seconds) * time.Second)
	stop.Store(true)
	<-done
	if err != nil {
		return res, err
	}
	res.idle, res.opsIdle = percentiles(idle), len(idle)

	// During BGSAVE.
	stop.Store(false)
	var during []time.Duration
	done = make(chan struct{})
	go func() { during, err = s.traffic(o.clients, o.keys, o.valueSize, &stop); close(done) }()
	time.Sleep(200 * time.Millisecond)
	c, rd, derr := s.dial()
	if derr != nil {
		return res, derr
	}
	t0 := time.Now()
	c.Write(respCmd("BGSAVE"))
	reply, _ := readReply(rd)
	c.Close()
	if !strings.Contains(reply, "Background saving started") {
		stop.Store(true)
		<-done
		return res, fmt.Errorf("BGSAVE: %s", reply)
	}
	var peakExtra int64
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		extra := s.rssKB() - before
		for _, ch := range childPids(s.cmd.Process.Pid) {
			extra += privateKB(ch)
		}
		peakExtra = max(peakExtra, extra)
		if s.info("rdb_bgsave_in_progress") == "0" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.duration = time.Since(t0)
	stop.Store(true)
	<-done
	if err != nil {
		return res, err
	}
	if st := s.info("rdb_last_bgsave_status"); st != "ok" {
		return res, fmt.Errorf("bgsave status %q", st)
	}
	res.during, res.opsDuring = percentiles(during), len(during)
	res.extraMB = float64(peakExtra) / 1024
	return res, nil
}
