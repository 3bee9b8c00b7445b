package server

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/store"
)

// maxmemory (evict.c's performEvictions and processCommand's maxmemory
// block): before a command runs, when used memory is over the limit, keys
// are evicted by the policy; if that cannot bring memory under the limit,
// commands flagged denyoom (and, inside MULTI, every command but EXEC,
// DISCARD, QUIT and RESET) are refused with an OOM error. Reads and
// deletions still work.
//
// used_memory is the store's running total (store/memory.go) plus what the
// server held when it started. Eviction locks one shard at a time, so
// clients on other shards keep running; each evicted key counts in
// evicted_keys, signals WATCH and fires an "evicted" keyspace event.
//
// The Go runtime is tuned from maxmemory: a soft memory limit a quarter of
// maxmemory above what the store retains (at least maxmemory; plus the
// start-up footprint) makes the collector run harder as the heap nears the
// limit, so the resident size tracks maxmemory instead of the default
// doubling of the live heap. The limit follows the retained total (the
// cron updates it), so space kept for reuse after deletions never leaves
// the collector without room. GOGC is left as configured: while the
// dataset is small it keeps collections cheap, and once the heap approaches
// the limit the limit, not GOGC, decides when to collect.

// memoryState is the server's maxmemory configuration and eviction state.
type memoryState struct {
	maxmemory atomic.Int64
	tenacity  atomic.Int64 // maxmemory-eviction-tenacity
	samples   atomic.Int64
	logFactor atomic.Int64
	decayTime atomic.Int64
	running   atomic.Bool // background eviction under way (isEvictionProcRunning)

	// Client memory and eviction (clientmem.go).
	clients        atomic.Int64 // every client's memory
	clientsSetting atomic.Int64 // maxmemory-clients: bytes, or -percent of maxmemory
	clientLimit    atomic.Int64 // the limit in bytes, 0 for none
	clientEvictMu  sync.Mutex
	passMu         sync.Mutex // one key eviction pass at a time: each frees what was over at its start

	runtimeBase  int64 // runtime memory at start-up, for the memory limit
	defaultLimit int64 // the memory limit before Ember set one (GOMEMLIMIT)
}

// Results of performEvictions.
const (
	evictOK      = iota // under the limit, or nothing to do
	evictRunning        // over the limit, eviction continues in the background
	evictFail           // over the limit and nothing can be evicted
)

// The Go memory limit sits a quarter of maxmemory above maxmemory (or what
// the store retains, if more), and never less than minMemoryLimitHeadroom
// above it, so that a tiny maxmemory cannot leave the collector running
// back to back.
const (
	memoryLimitHeadroom    = 8 // limit = start-up + max(maxmemory, retained) + maxmemory/8
	minMemoryLimitHeadroom = 4 << 20
)

// initMemory measures the start-up footprint and subscribes to the
// memory parameters. Called once from New.
func (s *Server) initMemory() {
	m := &s.memst
	m.defaultLimit = debug.SetMemoryLimit(-1)
	// The start-up footprint, garbage of the start-up itself excluded.
	runtime.GC()
	m.runtimeBase = runtimeMemory()
	s.startupMemory = int64(UsedMemory())
	num := func(v string) int64 { n, _ := strconv.ParseInt(v, 10, 64); return n }
	setParams := func() {
		s.store.SetEvictionParams(m.samples.Load(), m.logFactor.Load(), m.decayTime.Load())
	}
	s.cfg.Watch("maxmemory-samples", func(v string) { m.samples.Store(num(v)); setParams() })
	s.cfg.Watch("lfu-log-factor", func(v string) { m.logFactor.Store(num(v)); setParams() })
	s.cfg.Watch("lfu-decay-time", func(v string) { m.decayTime.Store(num(v)); setParams() })
	s.cfg.Watch("maxmemory-eviction-tenacity", func(v string) { m.tenacity.Store(num(v)) })
	s.cfg.Watch("maxmemory-policy", func(v string) {
		p, _ := store.ParsePolicy(v)
		// The caller may hold shard locks (CONFIG SET inside EXEC): the
		// recency lists are built in the background; CONFIG SET outside
		// EXEC waits for them (afterConfigSet).
		s.store.SetPolicyAsync(p)
	})
	s.cfg.Watch("maxmemory", func(v string) {
		n, _ := strconv.ParseUint(v, 10, 64)
		mm := int64(min(n, math.MaxInt64))
		m.maxmemory.Store(mm)
		s.updateClientEvictionLimit()
		s.tuneRuntime(mm)
		// Evicting down to a lowered limit (updateMaxmemory) is
		// afterConfigSet's: one pass, not two at once, so that the
		// second does not chase the invalidations the first one sent.
	})
	s.watchClientEviction()
	s.store.SyncPolicy()
}

// runtimeMemory is what the Go runtime holds from the OS, less what it
// has returned.
func runtimeMemory() int64 {
	sm := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(sm)
	return int64(sm[0].Value.Uint64()) - int64(sm[1].Value.Uint64())
}

// tuneRuntime sets the Go memory limit for maxmemory mm (restoring the
// original limit when mm is 0).
func (s *Server) tuneRuntime(mm int64) {
	m := &s.memst
	if mm <= 0 {
		debug.SetMemoryLimit(m.defaultLimit)
		return
	}
	limit := m.runtimeBase + max(mm, s.store.RetainedMemory()) + max(mm/memoryLimitHeadroom, minMemoryLimitHeadroom)
	if limit < 0 || limit > m.defaultLimit { // overflow, or a lower GOMEMLIMIT wins
		limit = m.defaultLimit
	}
	debug.SetMemoryLimit(limit)
}

// usedMemory is used_memory: the dataset's running total, the clients'
// buffers and the server's start-up footprint.
func (s *Server) usedMemory() int64 {
	return s.startupMemory + s.store.UsedMemory() + s.clientsMemory()
}

// evictionTimeLimit converts maxmemory-eviction-tenacity to the time one
// eviction pass may take (evictionTimeLimitUs).
func evictionTimeLimit(tenacity int64) time.Duration {
	switch {
	case tenacity <= 10:
		return time.Duration(50*tenacity) * time.Microsecond
	case tenacity < 100:
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// performEvictions evicts keys until used memory is under maxmemory, for
// at most the tenacity's time; then the rest is left to a background pass.
func (s *Server) performEvictions() int {
	mm := s.memst.maxmemory.Load()
	used := s.usedMemory()
	if mm <= 0 || used <= mm {
		return evictOK
	}
	if s.clientsPaused() {
		// The dataset stays as it is while clients are paused
		// (isSafeToPerformEvictions).
		return evictOK
	}
	if s.store.Policy() == store.NoEviction {
		return evictFail
	}
	s.memst.passMu.Lock()
	defer s.memst.passMu.Unlock()
	if used = s.usedMemory(); used <= mm {
		return evictOK // another pass got there meanwhile
	}
	limit := evictionTimeLimit(s.memst.tenacity.Load())
	start := time.Now()
	target := s.evictionTarget(used, mm)
	for freed := 1; s.store.UsedMemory() > target; freed++ {
		if !s.store.EvictOne(s.keyEvicted) {
			return evictFail
		}
		if freed%16 == 0 && time.Since(start) > limit {
			s.startEviction()
			return evictRunning
		}
	}
	if s.memst.running.Load() {
		return evictRunning
	}
	return evictOK
}

// evictionTarget is the dataset size one eviction pass evicts down to:
// what used memory is over maxmemory is computed once, at the start, and
// only what deleting keys frees counts against it (performEvictions's
// mem_tofree and mem_freed). Client output growing meanwhile (invalidation
// messages of the evicted keys to clients that do not read) waits for the
// next pass, so that it cannot feed the loop until the dataset is gone.
func (s *Server) evictionTarget(used, mm int64) int64 {
	return s.store.UsedMemory() - (used - mm)
}

// keyEvicted reports an evicted key: stats, WATCH, keyspace event. It runs
// with the key's shard locked, after the key is gone. Propagating the
// deletion (AOF, replicas) plugs in here once they exist.
func (s *Server) keyEvicted(db int, key []byte) {
	s.stats.evictedKeys.Add(1)
	s.touchWatchedKey(db, key, func() bool { return false })
	s.notifyKeyspaceEvent(evEvicted, "evicted", key, db)
}

// startEviction runs eviction passes in the background until memory is
// under the limit or nothing can be evicted (startEvictionTimeProc).
func (s *Server) startEviction() {
	if !s.memst.running.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			select {
			case <-s.done:
				s.memst.running.Store(false)
				return
			default:
			}
			if s.evictionPass() != evictRunning {
				s.memst.running.Store(false)
				// A pass that ran out of time just now may have found us
				// still running: look again before leaving.
				// Clients' output alone (invalidations of the keys just
				// evicted, on their way to the sockets) does not keep
				// the loop going: the next command looks again.
				mm := s.memst.maxmemory.Load()
				if mm <= 0 || s.usedMemory()-s.clientsMemory() <= mm || s.store.Policy() == store.NoEviction || s.clientsPaused() || !s.memst.running.CompareAndSwap(false, true) {
					return
				}
			}
			runtime.Gosched()
		}
	}()
}

// evictionPass is one time-bounded pass of the background eviction.
func (s *Server) evictionPass() int {
	mm := s.memst.maxmemory.Load()
	used := s.usedMemory()
	if mm <= 0 || used <= mm || s.clientsPaused() {
		return evictOK
	}
	s.memst.passMu.Lock()
	defer s.memst.passMu.Unlock()
	if used = s.usedMemory(); used <= mm {
		return evictOK
	}
	limit := max(evictionTimeLimit(s.memst.tenacity.Load()), 100*time.Microsecond)
	start := time.Now()
	target := s.evictionTarget(used, mm)
	for freed := 1; s.store.UsedMemory() > target; freed++ {
		if !s.store.EvictOne(s.keyEvicted) {
			return evictFail
		}
		if freed%16 == 0 && time.Since(start) > limit {
			return evictRunning
		}
	}
	return evictOK
}

// rejectOOM runs the maxmemory check before cmd (processCommand's order:
// after the MULTI checks, before queueing or running) and reports whether
// cmd must be refused.
func (s *Server) rejectOOM(c *Client, cmd *Command) bool {
	if s.memst.maxmemory.Load() <= 0 || s.performEvictions() != evictFail {
		return false
	}
	if cmd.Has(FlagDenyOOM) {
		return true
	}
	switch cmd.FullName {
	case "exec":
		if c.multi != nil {
			for _, q := range c.multi.cmds {
				if q.cmd.Has(FlagDenyOOM) {
					return true
				}
			}
		}
		return false
	case "discard", "quit", "reset":
		return false
	}
	// Queueing inside MULTI could take unbounded memory.
	return c.multi != nil
}

// refuseOOM answers a command refused by rejectOOM, as rejectCommand: an
// EXEC discards the transaction.
func (c *Client) refuseOOM(cmd *Command) {
	c.srv.cmdStats.rejected(cmd)
	if cmd.FullName == "exec" && c.multi != nil {
		c.discardTransaction()
		c.Error("EXECABORT Transaction discarded because of: " + ErrOOM)
		return
	}
	c.reject(ErrOOM)
}

// afterConfigSet finishes what a CONFIG SET started when the client holds
// no shard locks: the recency lists of a new policy are complete, and a
// lowered maxmemory has been evicted down to (as far as one eviction pass
// goes; the background pass continues).
func (s *Server) afterConfigSet(c *Client) {
	if c.tx.Locked() {
		if mm := s.memst.maxmemory.Load(); mm > 0 && s.usedMemory() > mm {
			s.startEviction() // waits for the shards the caller holds
		}
		return
	}
	s.store.SyncPolicy()
	s.evictClients()
	s.performEvictions()
}

// memoryCron keeps the memory limit in line with what the store retains
// and records the peak. The cron calls it every 100ms.
func (s *Server) memoryCron() {
	if mm := s.memst.maxmemory.Load(); mm > 0 {
		s.tuneRuntime(mm)
	}
	s.evictClients()
	s.trackPeakMemory()
}

// trackPeakMemory updates used_memory_peak.
func (s *Server) trackPeakMemory() int64 {
	used := s.usedMemory()
	for {
		peak := s.stats.peakMemory.Load()
		if used <= peak || s.stats.peakMemory.CompareAndSwap(peak, used) {
			return max(used, peak)
		}
	}
}
