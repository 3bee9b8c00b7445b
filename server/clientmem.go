package server

import (
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// Client memory, as Redis's getClientMemoryUsage and client eviction
// (maxmemory-clients, networking.c's evictClients).
//
// Every client publishes what its buffers cost, in two parts:
//
//   - its own part (memIn), changed only by the connection's goroutine: the
//     Client itself, the read buffer, the reply buffer, the commands queued
//     by MULTI, watched keys, subscriptions and tracking prefixes. noteMem
//     publishes it after each read and each command, when it changed;
//   - its output queue (obuf: queued and in-flight output), changed under
//     out.mu by whoever adds to it or writes it (noteObuf).
//
// The server keeps the running total of both parts of every client
// (memoryState.clients): used_memory includes it (Redis counts client
// buffers in used_memory and, replica and AOF buffers aside, for eviction
// too), INFO shows it as mem_clients_normal and MEMORY STATS as
// clients.normal. A client stops counting (uncountMem) when it is closed:
// on removal, when evicted, or when closed for its output buffer limit
// (its queue is dropped at once).
//
// With maxmemory-clients set, once the total reaches the limit the clients
// using most memory are disconnected until it is under the limit again
// ("Evicting client: ..."), never one with CLIENT NO-EVICT on. The check
// runs where Redis runs evictClients: before each command (after the ACL
// checks, before key eviction), after each read (Redis's beforeSleep),
// after CONFIG SET and in the cron.

// Per-item costs, as Redis counts them (pointers and list/dict entries):
// what one watched key, one subscription, one tracking prefix and one
// queued MULTI command add to a client.
const (
	watchedKeyMem  = 48 // listNode + watchedKey
	subscribedMem  = 32 // dictEntry + bucket pointer
	trackPrefixMem = 64 // radix tree nodes, per prefix
	queuedCmdMem   = 48 // multiCmd + argv array
	argvEntryMem   = 8  // one robj pointer per argument
)

// clientStructMem is what a Client costs by itself.
var clientStructMem = int64(unsafe.Sizeof(Client{}))

// minClientEvictionLimit: a smaller maxmemory-clients would leave no room
// to talk to the server at all (getClientEvictionLimit).
const minClientEvictionLimit = 128 << 10

// memIn computes c's own part. Called by the connection's goroutine.
func (c *Client) memIn() int64 {
	m := clientStructMem + int64(cap(c.rd.buf)+cap(c.w.b))
	if c.multi != nil {
		m += int64(c.multi.argvBytes + len(c.multi.cmds)*queuedCmdMem)
	}
	m += int64(len(c.watched)) * watchedKeyMem
	m += int64(c.subs.nsub.Load()+c.subs.npsub.Load()+c.subs.nssub.Load()) * subscribedMem
	m += int64(len(c.track.prefixes)) * trackPrefixMem
	return m
}

// noteMem publishes c's own part when it changed. Called by the
// connection's goroutine after each read and each command.
func (c *Client) noteMem() {
	m := c.memIn()
	if m == c.memOwn {
		return
	}
	o := &c.out
	o.mu.Lock()
	if !o.memGone {
		c.srv.memst.clients.Add(m - c.memOwn)
	}
	c.memOwn = m
	c.memInPub.Store(m)
	o.mu.Unlock()
}

// noteObuf publishes the queued output size (omem in CLIENT LIST) and
// counts it in the clients' total. Call with out.mu held.
func (c *Client) noteObuf() {
	o := &c.out
	n := int64(o.queue.Len() + o.inflight)
	c.obuf.Store(n)
	if !o.memGone && n != o.obufCounted {
		c.srv.memst.clients.Add(n - o.obufCounted)
		o.obufCounted = n
	}
}

// uncountMemLocked takes c out of the clients' total for good. Call with
// out.mu held.
func (c *Client) uncountMemLocked() {
	o := &c.out
	if o.memGone {
		return
	}
	o.memGone = true
	c.srv.memst.clients.Add(-(c.memInPub.Load() + o.obufCounted))
}

// uncountMem takes c out of the clients' total (closed, evicted).
func (c *Client) uncountMem() {
	c.out.mu.Lock()
	c.uncountMemLocked()
	c.out.mu.Unlock()
}

// memUsage is c's total as last published (tot-mem of another client).
func (c *Client) memUsage() int64 { return c.memInPub.Load() + c.obuf.Load() }

// clientsMemory is the total of every client's memory (mem_clients_normal).
func (s *Server) clientsMemory() int64 { return max(s.memst.clients.Load(), 0) }

// watchClientEviction follows maxmemory-clients (and maxmemory, for a
// percentage).
func (s *Server) watchClientEviction() {
	s.cfg.Watch("maxmemory-clients", func(v string) {
		if p, ok := strings.CutSuffix(v, "%"); ok {
			n, _ := strconv.ParseInt(p, 10, 64)
			s.memst.clientsSetting.Store(-n)
		} else {
			n, _ := strconv.ParseInt(v, 10, 64)
			s.memst.clientsSetting.Store(n)
		}
		s.updateClientEvictionLimit()
	})
}

// updateClientEvictionLimit computes the limit in bytes from
// maxmemory-clients and maxmemory (getClientEvictionLimit); 0 is none.
func (s *Server) updateClientEvictionLimit() {
	set := s.memst.clientsSetting.Load()
	var limit int64
	switch mm := s.memst.maxmemory.Load(); {
	case set < 0 && mm > 0:
		limit = int64(float64(mm) * float64(-set) / 100)
	case set > 0:
		limit = set
	}
	if limit > 0 && limit < minClientEvictionLimit {
		limit = minClientEvictionLimit
	}
	s.memst.clientLimit.Store(limit)
}

// clientEvictionDue reports whether the clients' memory is at the limit.
func (s *Server) clientEvictionDue() bool {
	limit := s.memst.clientLimit.Load()
	return limit > 0 && s.memst.clients.Load() >= limit
}

// evictClientsBefore runs client eviction before c's command; it reports
// whether c itself was evicted (the command is then dropped unanswered).
func (s *Server) evictClientsBefore(c *Client) bool {
	if !s.clientEvictionDue() {
		return false
	}
	s.evictClients()
	return c.killed.Load()
}

// evictClients disconnects the clients using most memory, those with CLIENT
// NO-EVICT on aside, until the clients' memory is under maxmemory-clients.
func (s *Server) evictClients() {
	if !s.clientEvictionDue() {
		return
	}
	m := &s.memst
	m.clientEvictMu.Lock()
	defer m.clientEvictMu.Unlock()
	if !s.clientEvictionDue() {
		return
	}
	type cand struct {
		c   *Client
		mem int64
	}
	all := s.clients.all()
	cands := make([]cand, 0, len(all))
	for _, o := range all {
		if !o.noEvict.Load() && !o.killed.Load() {
			cands = append(cands, cand{o, o.memUsage()})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.mem > b.mem:
			return -1
		case a.mem < b.mem:
			return 1
		}
		return 0
	})
	for _, e := range cands {
		if !s.clientEvictionDue() {
			return
		}
		if e.c.noEvict.Load() || e.c.killed.Load() {
			continue
		}
		info := string((*Client)(nil).appendInfo(nil, e.c, nil))
		s.log.Noticef("Evicting client: %s", info)
		e.c.uncountMem()
		e.c.Kill()
		s.stats.evictedClients.Add(1)
	}
	if s.clientEvictionDue() {
		s.log.Warnf("Over client maxmemory after evicting all evictable clients")
	}
}
