package server

import (
	"io"
	"testing"
)

// A client's run of identical calls reaches the shared counters in one
// step: not before it ends, and then with every call, failure and latency.
func TestStatBatch(t *testing.T) {
	s, err := New(NewConfig(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	set, get := s.table.byName["set"], s.table.byName["get"]
	c := &Client{srv: s}
	for i := range 100 {
		c.recordCall(set, int64(i%20), i%10 == 0, true) // 15 of them over statFastUsec
	}
	ct := s.cmdStats.counter(set)
	if n := ct.calls.Load(); n != 0 {
		t.Fatalf("%d calls counted before the batch ended", n)
	}
	c.recordCall(get, 3, false, true) // another command ends the batch
	if n, f := ct.calls.Load(), ct.failed.Load(); n != 100 || f != 10 {
		t.Fatalf("calls=%d failed=%d, want 100 and 10", n, f)
	}
	wantUsec := int64(0)
	for i := range 100 {
		wantUsec += int64(i % 20)
	}
	if u := ct.usec.Load(); u != wantUsec {
		t.Fatalf("usec=%d, want %d", u, wantUsec)
	}
	h := ct.latency.Load()
	if h == nil || h.total.Load() != 100 {
		t.Fatalf("histogram holds %v calls, want 100", h)
	}
	// The slowest call (19 µs) is the histogram's maximum.
	if top := h.valueAt(100); top/1000 != 19 {
		t.Fatalf("p100 = %d ns, want 19 µs", top)
	}
	c.flushStats()
	if n := s.cmdStats.counter(get).calls.Load(); n != 1 {
		t.Fatalf("get calls=%d after flushStats, want 1", n)
	}
}
