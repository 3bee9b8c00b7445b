package server

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/ember-kv/ember/store"
)

// MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP (object.c's
// memoryCommand). The figures come from the store's running totals
// (store/memory.go) and the Go runtime's metrics standing in for the
// allocator's.

func memoryCommands() []*Command {
	return []*Command{
		{Name: "memory", Arity: -2, Lock: LockNone, Group: "server", Since: "4.0.0",
			Summary: "A container for memory diagnostics commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				{Name: "doctor", Arity: 2, Lock: LockNone, Group: "server", Since: "4.0.0",
					Summary: "Outputs memory problems report", Complexity: "O(1)", Handler: cmdMemoryDoctor},
				{Name: "help", Arity: 2, Flags: "loading stale", Lock: LockNone, Group: "server", Since: "4.0.0",
					Summary: "Show helpful text about the different subcommands", Complexity: "O(1)", Handler: cmdMemoryHelp},
				{Name: "malloc-stats", Arity: 2, Lock: LockNone, Group: "server", Since: "4.0.0",
					Summary: "Show allocator internal stats", Complexity: "Depends on how much memory is allocated, could be slow", Handler: cmdMemoryMallocStats},
				{Name: "purge", Arity: 2, Lock: LockNone, Group: "server", Since: "4.0.0",
					Summary: "Ask the allocator to release memory", Complexity: "Depends on how much memory is allocated, could be slow", Handler: cmdMemoryPurge},
				{Name: "stats", Arity: 2, Lock: LockNone, Group: "server", Since: "4.0.0",
					Summary: "Show memory usage details", Complexity: "O(1)", Handler: cmdMemoryStats},
				{Name: "usage", Arity: -3, Flags: "readonly", FirstKey: 2, LastKey: 2, Step: 1, Group: "server", Since: "4.0.0",
					Summary: "Estimate the memory usage of a key", Complexity: "O(N) where N is the number of samples.", Handler: cmdMemoryUsage},
			}},
	}
}

// MEMORY USAGE key [SAMPLES count]
//
// Every value's size is kept exactly as it changes (its allocations are a
// few flat arrays, not one per element), so there is nothing to sample:
// SAMPLES is checked as Redis checks it and the exact figure is returned.
func cmdMemoryUsage(c *Client, args [][]byte) {
	for j := 3; j < len(args); j++ {
		if !optIs(args[j], "samples") || j+1 >= len(args) {
			c.Error(ErrSyntax)
			return
		}
		n, ok := store.ParseInt(args[j+1])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		if n < 0 {
			c.Error(ErrSyntax)
			return
		}
		j++
	}
	n, ok := c.tx.KeyMemory(args[2])
	if !ok {
		c.w.Null()
		return
	}
	c.w.Int(n)
}

// memOverhead is Redis's redisMemOverhead, from Ember's figures.
type memOverhead struct {
	peak, total, startup, clients int64
	dbs                           []dbOverhead
	overheadTotal, keys           int64
	bytesPerKey, dataset          int64
	datasetPerc, peakPerc         float32
	rss                           int64
	runtime                       memStats
}

type dbOverhead struct {
	id int
	store.DBMemory
}

func (s *Server) memoryOverhead() memOverhead {
	var o memOverhead
	o.total = s.usedMemory()
	o.peak = s.trackPeakMemory()
	o.startup = s.startupMemory
	o.clients = s.clientsMemory()
	o.overheadTotal = o.startup + o.clients
	for db := 0; db < s.store.Databases(); db++ {
		d := s.store.DBMemory(db)
		if d.Keys == 0 {
			continue
		}
		o.dbs = append(o.dbs, dbOverhead{db, d})
		o.keys += d.Keys
		o.overheadTotal += d.Overhead
	}
	o.dataset = o.total - o.overheadTotal
	o.peakPerc = float32(o.total) * 100 / float32(max(o.peak, 1))
	net := max(o.total-o.startup, 1)
	if o.keys > 0 {
		o.bytesPerKey = net / o.keys
	}
	o.datasetPerc = float32(o.dataset) * 100 / float32(net)
	o.rss = int64(processRSS())
	o.runtime = readMem()
	return o
}

func fratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(float32(a) / float32(b))
}

// MEMORY STATS
func cmdMemoryStats(c *Client, args [][]byte) {
	o := c.srv.memoryOverhead()
	rt := o.runtime
	allocated, active, resident := int64(rt.used), int64(rt.heapTotal), int64(rt.resident)
	w := &c.w
	w.Map(27 + len(o.dbs))
	kv := func(k string, v int64) { w.BulkString(k); w.Int(v) }
	kd := func(k string, v float64) { w.BulkString(k); w.Double(v) }
	kv("peak.allocated", o.peak)
	kv("total.allocated", o.total)
	kv("startup.allocated", o.startup)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", o.clients)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for _, d := range o.dbs {
		w.BulkString(fmt.Sprintf("db.%d", d.id))
		w.Map(3)
		kv("overhead.hashtable.main", d.Main)
		kv("overhead.hashtable.expires", d.Expires)
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", o.overheadTotal)
	kv("keys.count", o.keys)
	kv("keys.bytes-per-key", o.bytesPerKey)
	kv("dataset.bytes", o.dataset)
	kd("dataset.percentage", float64(o.datasetPerc))
	kd("peak.percentage", float64(o.peakPerc))
	kv("allocator.allocated", allocated)
	kv("allocator.active", active)
	kv("allocator.resident", resident)
	kd("allocator-fragmentation.ratio", fratio(active, allocated))
	kv("allocator-fragmentation.bytes", active-allocated)
	kd("allocator-rss.ratio", fratio(resident, active))
	kv("allocator-rss.bytes", resident-active)
	kd("rss-overhead.ratio", fratio(o.rss, resident))
	kv("rss-overhead.bytes", o.rss-resident)
	kd("fragmentation", fratio(o.rss, o.total))
	kv("fragmentation.bytes", o.rss-o.total)
}

// MEMORY DOCTOR
//
// Redis's checks, applied to Ember's figures: the "allocator" is the Go
// runtime, whose heap between collections and unreturned pages make up
// what Redis would call allocator overhead.
func cmdMemoryDoctor(c *Client, args [][]byte) {
	o := c.srv.memoryOverhead()
	rt := o.runtime
	var issues []string
	empty := o.total < 5<<20
	if !empty {
		if float64(o.peak)/float64(o.total) > 1.5 {
			issues = append(issues, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The Go runtime returns freed memory to the system gradually; MEMORY PURGE returns it at once.")
		}
		if f := fratio(o.rss, o.total); f > 1.4 && o.rss-o.total > 10<<20 {
			issues = append(issues, fmt.Sprintf(" * High total RSS: the resident set is %.2f times the memory the data accounts for. Part of it is heap the garbage collector has not reclaimed yet (it collects harder as the heap nears maxmemory), part space left by deleted keys until their arenas are compacted.", f))
		}
		if f := fratio(int64(rt.heapTotal), int64(rt.used)); f > 1.1 && int64(rt.heapTotal-rt.used) > 10<<20 {
			issues = append(issues, " * High allocator fragmentation: the Go heap holds more than 10% more than its live objects, usually after a peak or a burst of short-lived allocations.")
		}
	}
	var s string
	switch {
	case empty:
		s = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	case len(issues) == 0:
		s = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	default:
		s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + strings.Join(issues, "\n\n") + "\n\nI'm here to keep you safe, Sam. I want to help you.\n"
	}
	c.w.Verbatim(s)
}

// MEMORY MALLOC-STATS
//
// The Go runtime's memory classes stand in for jemalloc's report.
func cmdMemoryMallocStats(c *Client, args [][]byte) {
	var b strings.Builder
	fmt.Fprintf(&b, "___ Begin Go runtime memory statistics (%s) ___\n", runtime.Version())
	descs := metrics.All()
	var samples []metrics.Sample
	for _, d := range descs {
		if strings.HasPrefix(d.Name, "/memory/classes/") || strings.HasPrefix(d.Name, "/gc/heap/") || d.Name == "/gc/gomemlimit:bytes" || d.Name == "/gc/gogc:percent" {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	for _, sm := range samples {
		switch sm.Value.Kind() {
		case metrics.KindUint64:
			fmt.Fprintf(&b, "%s: %d\n", sm.Name, sm.Value.Uint64())
		case metrics.KindFloat64:
			fmt.Fprintf(&b, "%s: %g\n", sm.Name, sm.Value.Float64())
		}
	}
	b.WriteString("--- End Go runtime memory statistics ---\n")
	c.w.Verbatim(b.String())
}

// MEMORY PURGE
func cmdMemoryPurge(c *Client, args [][]byte) {
	debug.FreeOSMemory()
	c.w.OK()
}

// MEMORY HELP
func cmdMemoryHelp(c *Client, args [][]byte) {
	writeHelp(c, "MEMORY", []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}
