package main

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Memory mode: the same datasets loaded into fresh Ember and redis-server
// processes; resident memory (RSS) and used_memory are compared per key.

type dataset struct {
	name string
	keys int
	// command returns the arguments that create key i.
	command func(i int) []string
}

func memoryDatasets(scale float64) []dataset {
	n := func(k int) int { return max(int(float64(k)*scale), 1) }
	return []dataset{
		{"1M strings, 10-byte values", n(1_000_000), func(i int) []string {
			return []string{"SET", fmt.Sprintf("key:%012d", i), "xxxxxxxxxx"}
		}},
		{"1M hashes of 10 small fields", n(1_000_000), func(i int) []string {
			args := []string{"HSET", fmt.Sprintf("hash:%d", i)}
			for f := range 10 {
				args = append(args, "field"+strconv.Itoa(f), "val"+strconv.Itoa(i%1000+f))
			}
			return args
		}},
		{"1M sets of 10 integers", n(1_000_000), func(i int) []string {
			args := []string{"SADD", fmt.Sprintf("set:%d", i)}
			for m := range 10 {
				args = append(args, strconv.Itoa(i%10000+m*7))
			}
			return args
		}},
		{"100k sorted sets of 100 members", n(100_000), func(i int) []string {
			args := []string{"ZADD", fmt.Sprintf("zset:%d", i)}
			for m := range 100 {
				args = append(args, strconv.Itoa(m), "member:"+strconv.Itoa(m))
			}
			return args
		}},
	}
}

// load sends every command of d to s, pipelined, and reads the replies.
func load(s *server, d dataset) error {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		return err
	}
	defer c.Close()
	w := bufio.NewWriterSize(c, 1<<16)
	r := bufio.NewReaderSize(c, 1<<16)
	const batch = 1000
	for start := 0; start < d.keys; start += batch {
		end := min(start+batch, d.keys)
		for i := start; i < end; i++ {
			args := d.command(i)
			fmt.Fprintf(w, "*%d\r\n", len(args))
			for _, a := range args {
				fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for i := start; i < end; i++ {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if line[0] == '-' {
				return fmt.Errorf("%s: %s", s.name, strings.TrimSpace(line))
			}
		}
	}
	return nil
}

// command sends one command and returns its reply's first line plus any
// bulk payload.
func command(s *server, args ...string) (string, error) {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(c, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line[0] != '$' {
		return line, err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	if n < 0 {
		return "", nil
	}
	buf := make([]byte, n+2)
	_, err = io_ReadFull(r, buf)
	return string(buf[:n]), err
}

func usedMemory(s *server) int64 {
	info, err := command(s, "INFO", "memory")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// measureMemory loads d into a fresh server and returns its RSS and
// used_memory growth over the empty server.
func measureMemory(name, bin string, d dataset) (rssKB, usedBytes int64, err error) {
	s, err := start(name, bin)
	if err != nil {
		return 0, 0, err
	}
	defer s.stop()
	baseRSS, baseUsed := s.rssKB(), usedMemory(s)
	if err := load(s, d); err != nil {
		return 0, 0, err
	}
	// Let both return what they can, as an idle server would.
	_, _ = command(s, "MEMORY", "PURGE")
	time.Sleep(2 * time.Second)
	return s.rssKB() - baseRSS, usedMemory(s) - baseUsed, nil
}

func runMemory(o options) error {
	fmt.Println("Each dataset loaded into a fresh server; growth over the empty server's RSS and used_memory (after MEMORY PURGE and 2 s idle).")
	fmt.Println()
	fmt.Println("| dataset | Ember RSS | Redis RSS | RSS ratio | Ember bytes/key (RSS) | Redis bytes/key (RSS) | Ember used_memory | Redis used_memory |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, d := range memoryDatasets(o.memScale) {
		eRSS, eUsed, err := measureMemory("ember", o.ember, d)
		if err != nil {
			return err
		}
		rRSS, rUsed, err := measureMemory("redis", o.redis, d)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %.1f MB | %.1f MB | **%.2f** | %d | %d | %.1f MB | %.1f MB |\n", d.name,
			float64(eRSS)/1024, float64(rRSS)/1024, float64(eRSS)/float64(rRSS),
			eRSS*1024/int64(d.keys), rRSS*1024/int64(d.keys), float64(eUsed)/(1<<20), float64(rUsed)/(1<<20))
	}
	return nil
}
