package server

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Sizes measured on Redis 7.0.15 (jemalloc 5.3) through CLIENT LIST.
func TestSdsAlloc(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{1, 8}, {8, 8}, {9, 16}, {128, 128}, {129, 160}, {160, 160}, {161, 192},
		{16390, 20480}, {20480, 20480}, {65486, 65536}, {100012, 114688}, {400012, 458752},
	} {
		if got := jemallocSize(tc.n); got != tc.want {
			t.Errorf("jemallocSize(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	if firstReadAlloc != 20474 {
		t.Errorf("first read allocation %d, want 20474", firstReadAlloc)
	}
	for _, tc := range []struct {
		alloc, n, add int
		greedy        bool
		want          int
	}{
		{0, 0, 16384, false, 20474},               // first read
		{20474, 0, 16384, true, 20474},            // room enough
		{20474, 16356, 16384, true, 65530},        // greedy doubling, type 16
		{20474, 20448, 379554, false, 458742},     // the rest of a 400000-byte argument
		{0, 0, 2 << 20, true, 3<<20 + 1<<19 - 10}, // past SDS_MAX_PREALLOC: +1 MB, type 32
	} {
		if got := sdsMakeRoom(tc.alloc, tc.n, tc.add, tc.greedy); got != tc.want {
			t.Errorf("sdsMakeRoom(%d, %d, %d, %v) = %d, want %d", tc.alloc, tc.n, tc.add, tc.greedy, got, tc.want)
		}
	}
	if got := sdsAllocFor(400002); got != 458742 {
		t.Errorf("sdsAllocFor(400002) = %d", got)
	}
}

// clientsCronResizeQueryBuffer's two rules.
func TestQueryBufResize(t *testing.T) {
	for _, tc := range []struct {
		name                             string
		alloc, qlen, peak, bulklen, idle int64
		wantAlloc, wantPeak              int64
	}{
		{"idle, empty", 20474, 0, 0, -1, 3, 0, 0},
		{"idle two seconds is not idle", 20474, 0, 0, -1, 2, 20474, 0},
		{"idle, pending bytes kept", 20474, 9972, 9972, 20000, 3, 9972, 20000},
		{"idle, under 4 KB free", 20474, 17000, 17000, -1, 10, 20474, 17000},
		{"small buffer, low peak", 20474, 0, 0, -1, 0, 20474, 0},
		{"big buffer, high peak", 458742, 0, 400002, -1, 0, 458742, 0},
		{"big buffer, low peak", 458742, 0, 130, -1, 0, 130, 0},
		{"big buffer, peak zero", 458742, 0, 0, -1, 0, 0, 0},
		{"not below the pending bulk", 114678, 49971, 49971, 100000, 0, 100000, 100000},
		{"not below the pending bytes", 458742, 50000, 40000, -1, 1, 50000, 50000},
	} {
		a, p := queryBufResize(tc.alloc, tc.qlen, tc.peak, tc.bulklen, tc.idle)
		if a != tc.wantAlloc || p != tc.wantPeak {
			t.Errorf("%s: alloc %d peak %d, want %d %d", tc.name, a, p, tc.wantAlloc, tc.wantPeak)
		}
	}
}

// feed hands input to p in reads of chunk bytes, running every complete
// request, until the input is used up.
func feed(t *testing.T, p *reqReader, input string, chunk int) {
	t.Helper()
	lim := defaultLimits()
	rd := &chunkReader{data: []byte(input), n: chunk}
	for {
		if err := p.fill(rd, &lim); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			t.Fatal(err)
		}
		for {
			args, err := p.next(&lim)
			if err != nil {
				t.Fatal(err)
			}
			if args == nil {
				break
			}
		}
	}
}

func resp(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// qbuf and the modelled allocation after the scenarios CLIENT LIST shows on
// Redis 7.0.15 (tests/querybuf_test.go compares them end to end).
func TestReqReader_QueryBufModel(t *testing.T) {
	set := resp("SET", "k", "v")
	big := resp("SET", "x", strings.Repeat("A", 400000))
	mid := resp("SET", "x", strings.Repeat("A", 20000))
	for _, tc := range []struct {
		name      string
		input     string
		chunk     int
		wantQbuf  int
		wantAlloc int64
		wantBulk  int64
	}{
		{"nothing read", "", 1 << 20, 0, 0, -1},
		{"one request", set, 1 << 20, 0, 20474, -1},
		{"bulk header pending", set[:len(set)-5], 1 << 20, 2, 20474, -1},
		{"multibulk header pending", "*3\r", 1 << 20, 3, 20474, -1},
		{"inline pending", "SET k", 1 << 20, 5, 20474, -1},
		{"pipeline", strings.Repeat(set, 1000), 1 << 20, 0, 20474, -1},
		{"bulk data pending", mid[:10000], 1 << 20, 9972, 20474, 20000},
		{"after a 20000-byte argument", mid, 1 << 20, 0, 65530, -1},
		{"after a 20000-byte argument, second", resp("PING") + "|" + mid, 1 << 20, 0, 20474, -1},
		{"after a big argument", big, 1 << 20, 0, 458742, -1},
		{"after a big argument, small reads", big, 4096, 0, 458742, -1},
		{"big argument pending", big[:50000], 1 << 20, 50000 - 29, 458742, 400000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newReqReader()
			for _, in := range strings.Split(tc.input, "|") { // one read each at most
				feed(t, &p, in, tc.chunk)
			}
			if got := p.buffered(); got != tc.wantQbuf {
				t.Errorf("qbuf %d, want %d", got, tc.wantQbuf)
			}
			if got := p.st.alloc.Load(); got != tc.wantAlloc {
				t.Errorf("alloc %d, want %d", got, tc.wantAlloc)
			}
			if got := p.st.bulklen.Load(); got != tc.wantBulk {
				t.Errorf("bulklen %d, want %d", got, tc.wantBulk)
			}
		})
	}
}

// After the cron emptied an idle buffer, the next read sizes it again as a
// first read does, and a pending request keeps its bytes.
func TestReqReader_QueryBufAfterCron(t *testing.T) {
	p := newReqReader()
	feed(t, &p, resp("PING"), 1<<20)
	p.st.alloc.Store(0) // idle: the cron removed the free space
	feed(t, &p, resp("PING"), 1<<20)
	if got := p.st.alloc.Load(); got != 20474 {
		t.Errorf("alloc %d after a read into an emptied buffer, want 20474", got)
	}
	p.st.peak.Store(0)
	feed(t, &p, "*2\r\n$4\r\nECHO\r\n$3\r\nab", 1<<20)
	// The peak is what the buffer held right after the read.
	if got := p.st.peak.Load(); got != 20 {
		t.Errorf("peak %d, want 20", got)
	}
	if got := p.buffered(); got != 2 {
		t.Errorf("qbuf %d, want 2 (the pending bulk)", got)
	}
}
