package server

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

// Per-command statistics for INFO commandstats. Each command (and
// subcommand) gets a small index when the table is built; counters are
// atomics in a table shared by all clients, so the hot path pays one
// uncontended-in-the-common-case add per counter and no lock.

type cmdCounter struct {
	calls    atomic.Int64
	usec     atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
	latency  atomic.Pointer[latencyHistogram]
}

// latencyHistogram is a log-linear histogram of latencies in nanoseconds
// with the resolution of Redis's HdrHistogram at 2 significant digits
// (256 sub-buckets per power of two), so percentiles print as Redis's do.
type latencyHistogram struct {
	counts [histBuckets]atomic.Int64
	total  atomic.Int64
}

const (
	histSubBits = 8
	histBuckets = (31-histSubBits)*(1<<(histSubBits-1)) + (1 << histSubBits)
)

func histIndex(v int64) int {
	if v < 1<<histSubBits {
		return int(max(v, 0))
	}
	e := bitLen(uint64(v)) - histSubBits
	sub := int(v >> e) // 128..255
	idx := e*(1<<(histSubBits-1)) + sub
	return min(idx, histBuckets-1)
}

// histHighest is the highest value that falls in bucket idx.
func histHighest(idx int) int64 {
	if idx < 1<<histSubBits {
		return int64(idx)
	}
	half := 1 << (histSubBits - 1)
	e := (idx - half) / half
	sub := idx - e*half
	return (int64(sub)+1)<<e - 1
}

func bitLen(v uint64) int {
	n := 0
	for v != 0 {
		v >>= 1
		n++
	}
	return n
}

func (h *latencyHistogram) record(ns int64) {
	h.counts[histIndex(ns)].Add(1)
	h.total.Add(1)
}

// valueAt is hdr_value_at_percentile: the highest value of the bucket
// holding the given percentile.
func (h *latencyHistogram) valueAt(p float64) int64 {
	total := h.total.Load()
	want := int64(p/100*float64(total) + 0.5)
	if want < 1 {
		want = 1
	}
	var seen int64
	last := 0
	for i := range h.counts {
		n := h.counts[i].Load()
		if n == 0 {
			continue
		}
		last = i
		seen += n
		if seen >= want {
			return histHighest(i)
		}
	}
	return histHighest(last)
}

type cmdStatsTable struct {
	cmds     []*Command
	counters []cmdCounter
	index    map[*Command]int
}

// init indexes every command and subcommand of t.
func (cs *cmdStatsTable) init(t *Table) {
	cs.index = map[*Command]int{}
	var add func(c *Command)
	add = func(c *Command) {
		if c.Handler != nil {
			cs.index[c] = len(cs.cmds)
			cs.cmds = append(cs.cmds, c)
		}
		for _, sc := range c.Sub {
			add(sc)
		}
	}
	for _, c := range t.Commands() {
		add(c)
	}
	cs.counters = make([]cmdCounter, len(cs.cmds))
}

func (cs *cmdStatsTable) counter(cmd *Command) *cmdCounter {
	if i, ok := cs.index[cmd]; ok {
		return &cs.counters[i]
	}
	return nil
}

// called records a finished call of cmd; track adds its latency to the
// command's histogram (latency-tracking).
func (cs *cmdStatsTable) called(cmd *Command, usec int64, failed, track bool) {
	ct := cs.counter(cmd)
	if ct == nil {
		return
	}
	ct.calls.Add(1)
	ct.usec.Add(usec)
	if failed {
		ct.failed.Add(1)
	}
	if track {
		ct.histogram().record(usec * 1000)
	}
}

// failedLater records that a call of cmd already counted failed after
// all: a blocked command whose wait ended with an error or by CLIENT
// UNBLOCK.
func (cs *cmdStatsTable) failedLater(cmd *Command) {
	if ct := cs.counter(cmd); ct != nil {
		ct.failed.Add(1)
	}
}

// rejected records a call refused before it ran (arity, authentication).
func (cs *cmdStatsTable) rejected(cmd *Command) {
	if ct := cs.counter(cmd); ct != nil {
		ct.rejected.Add(1)
	}
}

func (cs *cmdStatsTable) reset() {
	for i := range cs.counters {
		ct := &cs.counters[i]
		ct.calls.Store(0)
		ct.usec.Store(0)
		ct.rejected.Store(0)
		ct.failed.Store(0)
		ct.latency.Store(nil)
	}
}

func (s *Server) infoLatencyStats(b *strings.Builder) {
	b.WriteString("# Latencystats\r\n")
	if !s.cfg.LatencyTracking() {
		return
	}
	var pcts []string
	var vals []float64
	for _, f := range strings.Fields(s.cfg.MustGet("latency-tracking-info-percentiles")) {
		v, _ := strconv.ParseFloat(f, 64)
		pcts = append(pcts, f)
		vals = append(vals, v)
	}
	type row struct {
		name string
		h    *latencyHistogram
	}
	var rows []row
	for i, cmd := range s.cmdStats.cmds {
		if h := s.cmdStats.counters[i].latency.Load(); h != nil && h.total.Load() > 0 {
			rows = append(rows, row{cmd.FullName, h})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	for _, r := range rows {
		fmt.Fprintf(b, "latency_percentiles_usec_%s:", r.name)
		for j, p := range pcts {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "p%s=%.3f", p, float64(r.h.valueAt(vals[j]))/1000)
		}
		b.WriteString("\r\n")
	}
}

func (s *Server) infoCommandStats(b *strings.Builder) {
	b.WriteString("# Commandstats\r\n")
	type row struct {
		name                          string
		calls, usec, rejected, failed int64
	}
	var rows []row
	for i, cmd := range s.cmdStats.cmds {
		ct := &s.cmdStats.counters[i]
		r := row{cmd.FullName, ct.calls.Load(), ct.usec.Load(), ct.rejected.Load(), ct.failed.Load()}
		if r.calls == 0 && r.rejected == 0 && r.failed == 0 {
			continue
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	for _, r := range rows {
		per := 0.0
		if r.calls > 0 {
			per = float64(r.usec) / float64(r.calls)
		}
		fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n", r.name, r.calls, r.usec, per, r.rejected, r.failed)
	}
}

// statFastUsec bounds the durations (in µs) a statBatch counts by value.
const statFastUsec = 16

// statBatch gathers one client's consecutive calls of the same command. The
// shared counters are touched by every connection on every core, and
// updating them once per run of identical commands (a pipeline of SETs)
// rather than once per call keeps their cache lines from bouncing between
// cores. A batch is flushed before the client runs another command and
// before its replies are written, so whoever has seen a reply sees the
// call counted.
type statBatch struct {
	cmd                 *Command
	ct                  *cmdCounter
	track               bool
	calls, usec, failed int64
	fast                [statFastUsec]int64 // calls by duration, under statFastUsec µs
}

// recordCall counts a finished call of cmd (see cmdStatsTable.called).
func (c *Client) recordCall(cmd *Command, usec int64, failed, track bool) {
	b := &c.stats
	if b.cmd != cmd || b.track != track {
		c.flushStats()
		ct := c.srv.cmdStats.counter(cmd)
		if ct == nil {
			return
		}
		b.cmd, b.ct, b.track = cmd, ct, track
	}
	b.calls++
	b.usec += usec
	if failed {
		b.failed++
	}
	if track {
		if usec >= 0 && usec < statFastUsec {
			b.fast[usec]++
		} else {
			b.ct.histogram().record(usec * 1000)
		}
	}
}

// flushStats adds the client's pending calls to the shared counters.
func (c *Client) flushStats() {
	b := &c.stats
	if b.calls == 0 {
		b.cmd = nil
		return
	}
	ct := b.ct
	ct.calls.Add(b.calls)
	ct.usec.Add(b.usec)
	if b.failed > 0 {
		ct.failed.Add(b.failed)
	}
	if b.track {
		h := ct.histogram()
		var n int64
		for us, k := range b.fast {
			if k > 0 {
				h.counts[histIndex(int64(us)*1000)].Add(k)
				n += k
			}
		}
		h.total.Add(n)
	}
	*b = statBatch{}
}

// histogram returns the command's latency histogram, creating it on first use.
func (ct *cmdCounter) histogram() *latencyHistogram {
	h := ct.latency.Load()
	if h == nil {
		ct.latency.CompareAndSwap(nil, new(latencyHistogram))
		h = ct.latency.Load()
	}
	return h
}
