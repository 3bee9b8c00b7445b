package server

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The latency monitor (latency.c): events that took at least
// latency-monitor-threshold milliseconds are sampled into per-event time
// series of the last 160 seconds that had one (one sample per second, the
// worst). Ember records "command" and "fast-command" (every command, as
// Redis's call()) and "expire-cycle" (the active expiry cycle).
// LATENCY HISTOGRAM reports the per-command histograms INFO latencystats
// is computed from.

const latencyTSLen = 160

type latencySample struct {
	time    int64 // unix seconds; 0 for an empty slot
	latency int64 // milliseconds
}

type latencySeries struct {
	idx     int
	max     int64
	samples [latencyTSLen]latencySample
}

type latencyMonitor struct {
	mu        sync.Mutex
	events    map[string]*latencySeries
	threshold atomic.Int64 // milliseconds; 0 disables
}

func (m *latencyMonitor) watch(cfg *Config) {
	cfg.Watch("latency-monitor-threshold", func(v string) {
		n, _ := strconv.ParseInt(v, 10, 64)
		m.threshold.Store(n)
	})
}

// addSampleIfNeeded records latency (ms) for event when it reaches the
// threshold (latencyAddSampleIfNeeded).
func (m *latencyMonitor) addSampleIfNeeded(event string, latency int64) {
	t := m.threshold.Load()
	if t == 0 || latency < t {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events = map[string]*latencySeries{}
	}
	ts := m.events[event]
	if ts == nil {
		ts = &latencySeries{}
		m.events[event] = ts
	}
	now := time.Now().Unix()
	if latency > ts.max {
		ts.max = latency
	}
	prev := (ts.idx + latencyTSLen - 1) % latencyTSLen
	if ts.samples[prev].time == now {
		if latency > ts.samples[prev].latency {
			ts.samples[prev].latency = latency
		}
		return
	}
	ts.samples[ts.idx] = latencySample{time: now, latency: latency}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// eventNames lists the recorded events, sorted.
func (m *latencyMonitor) eventNames() []string {
	names := make([]string, 0, len(m.events))
	for n := range m.events {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func latencyCommands() []*Command {
	sub := func(name string, arity int, flags, since, summary, complexity string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Lock: LockNone, Group: "server", Since: since,
			Summary: summary, Complexity: complexity, Handler: h}
	}
	const fl = "admin noscript loading stale"
	return []*Command{
		{Name: "latency", Arity: -2, Lock: LockNone, Group: "server", Since: "2.8.13",
			Summary: "A container for latency diagnostics commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				sub("doctor", 2, fl, "2.8.13", "Return a human readable latency analysis report.", "O(1)", cmdLatencyDoctor),
				sub("graph", 3, fl, "2.8.13", "Return a latency graph for the event.", "O(1)", cmdLatencyGraph),
				sub("help", 2, "loading stale", "2.8.13", "Show helpful text about the different subcommands.", "O(1)", cmdLatencyHelp),
				sub("histogram", -2, fl, "7.0.0", "Return the cumulative distribution of latencies of a subset of commands or all.", "O(N) where N is the number of commands with latency information being retrieved.", cmdLatencyHistogram),
				sub("history", 3, fl, "2.8.13", "Return timestamp-latency samples for the event.", "O(1)", cmdLatencyHistory),
				sub("latest", 2, fl, "2.8.13", "Return the latest latency samples for all events.", "O(1)", cmdLatencyLatest),
				sub("reset", -2, fl, "2.8.13", "Reset latency data for one or more events.", "O(1)", cmdLatencyReset),
			}},
	}
}

// LATENCY HISTORY event
func cmdLatencyHistory(c *Client, args [][]byte) {
	m := &c.srv.intro.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[string(cstr(args[2]))]
	if ts == nil {
		c.w.Array(0)
		return
	}
	var out []latencySample
	for j := 0; j < latencyTSLen; j++ {
		if s := ts.samples[(ts.idx+j)%latencyTSLen]; s.time != 0 {
			out = append(out, s)
		}
	}
	c.w.Array(len(out))
	for _, s := range out {
		c.w.Array(2)
		c.w.Int(s.time)
		c.w.Int(s.latency)
	}
}

// LATENCY LATEST
func cmdLatencyLatest(c *Client, args [][]byte) {
	m := &c.srv.intro.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	names := m.eventNames()
	c.w.Array(len(names))
	for _, n := range names {
		ts := m.events[n]
		last := ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
		c.w.Array(4)
		c.w.BulkString(n)
		c.w.Int(last.time)
		c.w.Int(last.latency)
		c.w.Int(ts.max)
	}
}

// LATENCY RESET [event [event ...]]
func cmdLatencyReset(c *Client, args [][]byte) {
	m := &c.srv.intro.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	resets := 0
	for n := range m.events {
		if len(args) == 2 {
			delete(m.events, n)
			resets++
			continue
		}
		for _, a := range args[2:] {
			if strings.EqualFold(n, string(cstr(a))) {
				delete(m.events, n)
				resets++
				break
			}
		}
	}
	c.w.Int(int64(resets))
}

// LATENCY GRAPH event
func cmdLatencyGraph(c *Client, args [][]byte) {
	m := &c.srv.intro.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[string(cstr(args[2]))]
	if ts == nil {
		c.Error(fmt.Sprintf("ERR No samples available for event '%s'", cstr(args[2])))
		return
	}
	c.w.Verbatim(latencyGraph(string(cstr(args[2])), ts, time.Now().Unix()))
}

// latencyGraph renders an event's samples as latencyCommandGenSparkeline.
func latencyGraph(event string, ts *latencySeries, now int64) string {
	var seq sparkline
	var lo, hi int64
	for j := 0; j < latencyTSLen; j++ {
		s := ts.samples[(ts.idx+j)%latencyTSLen]
		if s.time == 0 {
			continue
		}
		if len(seq.samples) == 0 {
			lo, hi = s.latency, s.latency
		} else {
			hi = max(hi, s.latency)
			lo = min(lo, s.latency)
		}
		elapsed := now - s.time
		var label string
		switch {
		case elapsed < 60:
			label = fmt.Sprintf("%ds", elapsed)
		case elapsed < 3600:
			label = fmt.Sprintf("%dm", elapsed/60)
		case elapsed < 3600*24:
			label = fmt.Sprintf("%dh", elapsed/3600)
		default:
			label = fmt.Sprintf("%dd", elapsed/(3600*24))
		}
		seq.add(float64(s.latency), label)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, ts.max)
	b.WriteString(strings.Repeat("-", 80))
	b.WriteByte('\n')
	seq.render(&b, 80, 4)
	return b.String()
}

// sparkline is sparkline.c's sequence, rendered with the fill charset.
type sparkline struct {
	samples  []sparkSample
	min, max float64
}

type sparkSample struct {
	value float64
	label string
}

func (s *sparkline) add(v float64, label string) {
	if len(s.samples) == 0 {
		s.min, s.max = v, v
	} else if v < s.min {
		s.min = v
	} else if v > s.max {
		s.max = v
	}
	s.samples = append(s.samples, sparkSample{v, label})
}

func (s *sparkline) render(b *strings.Builder, columns, rows int) {
	for j := 0; j < len(s.samples); j += columns {
		if j != 0 {
			b.WriteByte('\n')
		}
		s.renderRange(b, rows, j, min(columns, len(s.samples)-j))
	}
}

func (s *sparkline) renderRange(b *strings.Builder, rows, offset, n int) {
	const fill = "_o#"
	relmax := s.max - s.min
	if relmax == 0 {
		relmax = 1
	}
	steps := len(fill) * rows
	labels := len(s.samples) > 0
	chars := make([]byte, n)
	for row := 0; ; row++ {
		loop := false
		for i := range chars {
			chars[i] = ' '
		}
		for j := 0; j < n; j++ {
			sm := s.samples[j+offset]
			step := int(float64(int((sm.value-s.min)*float64(steps))) / relmax)
			step = max(0, min(step, steps-1))
			if row < rows {
				loop = true
				idx := step - (rows-row-1)*len(fill)
				if idx >= 0 && idx < len(fill) {
					chars[j] = fill[idx]
				} else if idx >= len(fill) {
					chars[j] = '|'
				}
				continue
			}
			if labels && row-rows < 1 {
				loop = true
				break
			}
			if lc := row - rows - 1; len(sm.label) > lc {
				loop = true
				chars[j] = sm.label[lc]
			}
		}
		if !loop {
			return
		}
		b.Write(chars)
		b.WriteByte('\n')
	}
}

// LATENCY DOCTOR
func cmdLatencyDoctor(c *Client, args [][]byte) {
	m := &c.srv.intro.latency
	m.mu.Lock()
	report := c.srv.latencyReport(time.Now().Unix())
	m.mu.Unlock()
	c.w.Verbatim(report)
}

// latencyReport is createLatencyReport, with the advice that applies to
// the events Ember records. The monitor's mu is held.
func (s *Server) latencyReport(now int64) string {
	m := &s.intro.latency
	threshold := m.threshold.Load()
	if len(m.events) == 0 && threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	advices := 0
	var slowlogEnabled, slowlogTuning, slowlogInspect, scheduler, hz, largeObjects, massEviction bool
	slower := s.intro.slowlog.slowerThan.Load()
	for i, ev := range m.eventNames() {
		ts := m.events[ev]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		var samples, sum, minL, maxL, oldest int64
		for _, sm := range ts.samples {
			if sm.time == 0 {
				continue
			}
			samples++
			if samples == 1 {
				minL, maxL = sm.latency, sm.latency
			} else {
				minL, maxL = min(minL, sm.latency), max(maxL, sm.latency)
			}
			sum += sm.latency
			if oldest == 0 || sm.time < oldest {
				oldest = sm.time
			}
		}
		var avg, mad, period int64
		if samples > 0 {
			avg = sum / samples
			period = now - oldest
			if period == 0 {
				period = 1
			}
			var dev int64
			for _, sm := range ts.samples {
				if sm.time == 0 {
					continue
				}
				d := avg - sm.latency
				if d < 0 {
					d = -d
				}
				dev += d
			}
			mad = dev / samples
		}
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
			i+1, ev, samples, avg, mad, float64(period)/float64(samples), ts.max)
		switch strings.ToLower(ev) {
		case "command":
			if slower < 0 {
				slowlogEnabled = true
				advices++
			} else if slower/1000 > threshold {
				slowlogTuning = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		case "expire-cycle":
			hz, largeObjects = true, true
			advices += 2
		case "eviction-del":
			largeObjects = true
			advices++
		case "eviction-cycle":
			massEviction = true
			advices++
		}
		b.WriteByte('\n')
	}
	thp := anonHugePages() > 0
	if thp {
		advices++
	}
	switch {
	case len(m.events) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case len(m.events) > 0 && advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowlogEnabled {
			fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold*1000)
		}
		if slowlogTuning {
			fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", threshold*1000)
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if hz && s.cfg.HZ() < 100 {
			b.WriteString("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
		if massEviction {
			b.WriteString("- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n")
		}
		if thp {
			b.WriteString("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n")
		}
	}
	return b.String()
}

// anonHugePages is the process's AnonHugePages from /proc/self/smaps, in
// bytes (0 when unavailable).
func anonHugePages() int64 {
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if f := bytes.Fields(line); len(f) >= 2 && string(f[0]) == "AnonHugePages:" {
			n, _ := strconv.ParseInt(string(f[1]), 10, 64)
			return n * 1024
		}
	}
	return 0
}

// LATENCY HISTOGRAM [command [command ...]]
func cmdLatencyHistogram(c *Client, args [][]byte) {
	cs := &c.srv.cmdStats
	type row struct {
		name string
		h    *latencyHistogram
	}
	var rows []row
	add := func(cmd *Command) {
		if ct := cs.counter(cmd); ct != nil {
			if h := ct.latency.Load(); h != nil && h.total.Load() > 0 {
				rows = append(rows, row{cmd.FullName, h})
			}
		}
	}
	if len(args) == 2 {
		for i, cmd := range cs.cmds {
			if h := cs.counters[i].latency.Load(); h != nil && h.total.Load() > 0 {
				rows = append(rows, row{cmd.FullName, h})
			}
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	} else {
		for _, a := range args[2:] {
			cmd := c.srv.table.byFullName(a)
			if cmd == nil {
				continue
			}
			add(cmd)
			for _, sc := range cmd.Sub {
				add(sc)
			}
		}
	}
	c.w.Map(len(rows))
	for _, r := range rows {
		c.w.BulkString(r.name)
		writeLatencyCDF(c, r.h)
	}
}

// writeLatencyCDF is fillCommandCDF: calls, then the cumulative count at
// each power-of-two bucket from 1024 ns, in microseconds, where it grows.
func writeLatencyCDF(c *Client, h *latencyHistogram) {
	total := h.total.Load()
	type point struct{ us, count int64 }
	var pts []point
	var cum, prev int64
	idx := 0
	for level := int64(1024); level > 0 && level < 1<<40; level *= 2 {
		top := histIndex(level)
		for ; idx <= top && idx < histBuckets; idx++ {
			cum += h.counts[idx].Load()
		}
		if cum > prev {
			pts = append(pts, point{histHighest(top) / 1000, cum})
		}
		prev = cum
		if cum >= total {
			break
		}
	}
	c.w.Map(2)
	c.w.BulkString("calls")
	c.w.Int(total)
	c.w.BulkString("histogram_usec")
	c.w.Map(len(pts))
	for _, p := range pts {
		c.w.Int(p.us)
		c.w.Int(p.count)
	}
}

// LATENCY HELP
func cmdLatencyHelp(c *Client, args [][]byte) {
	writeHelp(c, "LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}
