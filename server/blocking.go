package server

import (
	"math/big"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/store"
)

// Blocking commands (blocked.c): BLPOP and friends wait for a key to
// receive data.
//
// A command that finds nothing registers a waiter under each of its keys
// while the keys' shards are still locked, in a per-shard registry guarded
// by the store's shard lock (like WATCH's). A write to a key takes the same
// lock, so "found nothing, register" and "push, look for waiters" cannot
// interleave: a push either happens before the check (and the command pops
// at once) or finds the waiter.
//
// After a write command (or a whole EXEC) completes, the writer's goroutine
// serves the waiters of the keys it wrote, as Redis's
// handleClientsBlockedOnKeys: per key, first come first served, each
// waiter's pop done under a fresh lock of the key (and a BLMOVE's
// destination), so a push of N elements serves exactly N waiters and
// nothing else can take the elements in between. The reply bytes go to the
// waiter through its done channel; its own goroutine writes them.
//
// A waiter ends exactly once: whoever wins the CAS on its state (the
// server serving it, its timeout, CLIENT UNBLOCK, a disconnect) decides the
// outcome; the others back off. The waiter's goroutine then removes it from
// the registry.
//
// Any type can plug in: a waiter carries its own ready and serve functions
// (lists here; sorted sets' BZPOPMIN, BZPOPMAX and BZMPOP the same way).

// waiter is a client blocked in a command.
type waiter struct {
	c        *Client
	kind     blockKind
	db       int
	keys     [][]byte  // deduplicated copies, in command order
	target   []byte    // a second key the serve function writes (BLMOVE), or nil
	deadline time.Time // zero: wait forever
	proto    int       // the waiter's protocol, for its reply
	drop     bool      // CLIENT REPLY OFF/SKIP: the reply is discarded

	// ready reports whether key (in the waiter's db, selected in tx) has
	// data for this waiter; serve then pops it, writing the reply to c.w
	// and reporting the changes through c.modified, where c is the serving
	// client with c.db set to the waiter's db.
	ready func(tx *store.Tx, key []byte) bool
	serve func(c *Client, w *waiter, key []byte)

	opts any // the command's parsed options, for serve

	// The slow log entry of a served wait (Redis logs a blocked command
	// when it is served, not when it blocks): the arguments, copied, and
	// the time the command took to block and then to be served.
	slowArgs          [][]byte
	callDur, serveDur time.Duration

	waitLog *aof.Log // served: the log position the reply waits for
	waitPos int64

	state   atomic.Int32 // waitBlocked until someone ends the wait
	outcome waitOutcome
	reply   []byte        // outcome waitServed: the reply, in proto
	failed  bool          // outcome waitServed: the reply is an error
	cmd     *Command      // the blocked command, for its statistics
	done    chan struct{} // closed once outcome is set
	nodes   []*waitNode
}

// blockKind is what a waiter waits for: only waiters of the key's type
// are served from it.
type blockKind uint8

const (
	blockList blockKind = iota + 1
	blockZSet
)

type waitOutcome int32

const (
	waitBlocked waitOutcome = iota
	waitServed
	waitTimeout      // timeout: the timeout reply
	waitUnblockError // CLIENT UNBLOCK ERROR
	// CLIENT UNBLOCK [TIMEOUT]: the timeout reply, but counted as a failed
	// call as Redis's updateStatsOnUnblock(target, 0, 0, 1) does.
	waitUnblockTimeout
	waitClosed // the connection went away
)

// errUnblocked is CLIENT UNBLOCK ... ERROR's reply to the blocked client.
const errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

// end sets the outcome if the wait has not ended yet, reporting whether it
// did. For waitServed the caller sets reply first.
func (w *waiter) end(o waitOutcome, reply []byte) bool {
	if !w.claim(o) {
		return false
	}
	w.finish(o, reply)
	return true
}

// claim wins the right to end the wait with outcome o.
func (w *waiter) claim(o waitOutcome) bool {
	return w.state.CompareAndSwap(int32(waitBlocked), int32(o))
}

// finish hands the outcome to the waiter's goroutine; only the claimer
// calls it.
func (w *waiter) finish(o waitOutcome, reply []byte) {
	w.outcome = o
	w.reply = reply
	close(w.done)
}

func (w *waiter) waiting() bool { return w.state.Load() == int32(waitBlocked) }

// waitNode is a waiter's place in one key's queue.
type waitNode struct {
	w          *waiter
	key        string
	prev, next *waitNode
}

// waitQueue is the FIFO of waiters on one key name, in every database.
type waitQueue struct{ head, tail *waitNode }

// blockRegistry maps key names to their waiters, one map per store shard,
// each guarded by that shard's lock. Keyed by name alone, so that a write
// naming a key in one database (MOVE, COPY ... DB) still finds the
// waiters of another; serving checks each waiter's own database.
type blockRegistry struct {
	count  atomic.Int64 // blocked clients: the fast path when zero
	shards []map[string]*waitQueue
}

func newBlockRegistry(shards int) blockRegistry {
	return blockRegistry{shards: make([]map[string]*waitQueue, shards)}
}

// denyBlocking reports whether a blocking command must answer at once as
// if it had timed out (inside EXEC; scripts will set it too).
func (c *Client) denyBlocking() bool { return c.inExec || c.prop.loader }

// block registers c as waiting on w.keys for the command with args. The
// keys' shards must be locked in c.tx. The connection's goroutine waits
// once the command returns.
func (c *Client) block(args [][]byte, w *waiter) {
	s := c.srv
	w.c = c
	w.cmd = c.cmd
	w.db = c.db
	w.proto = c.w.proto
	w.drop = c.replyMode == replyOff || c.replyMode == replySkipThis
	w.done = make(chan struct{})
	w.slowArgs = copyArgs(args)
	w.callDur = time.Duration(time.Now().UnixNano() - c.now)
	for _, k := range w.keys {
		shard := s.store.ShardOf(k)
		m := s.blocking.shards[shard]
		if m == nil {
			m = map[string]*waitQueue{}
			s.blocking.shards[shard] = m
		}
		q := m[string(k)]
		if q == nil {
			q = &waitQueue{}
			m[string(k)] = q
		}
		n := &waitNode{w: w, key: string(k), prev: q.tail}
		if q.tail != nil {
			q.tail.next = n
		} else {
			q.head = n
		}
		q.tail = n
		w.nodes = append(w.nodes, n)
	}
	s.blocking.count.Add(1)
	c.blocked.Store(w)
}

// blockKeys copies keys for a waiter, dropping repeats (BLPOP k k).
func blockKeys(keys [][]byte) [][]byte {
	out := make([][]byte, 0, len(keys))
next:
	for _, k := range keys {
		for _, o := range out {
			if string(o) == string(k) {
				continue next
			}
		}
		out = append(out, append([]byte(nil), k...))
	}
	return out
}

// unregister removes w from every queue it is in, locking its keys' shards
// with c.tx (which must hold nothing).
func (c *Client) unregister(w *waiter) {
	s := c.srv
	tx := c.tx
	tx.Begin(w.db)
	for _, k := range w.keys {
		tx.AddKey(k)
	}
	tx.Lock()
	for i, n := range w.nodes {
		m := s.blocking.shards[s.store.ShardOf(w.keys[i])]
		q := m[n.key]
		if n.prev != nil {
			n.prev.next = n.next
		} else {
			q.head = n.next
		}
		if n.next != nil {
			n.next.prev = n.prev
		} else {
			q.tail = n.prev
		}
		if q.head == nil {
			delete(m, n.key)
		}
	}
	tx.Unlock()
	w.nodes = nil
	s.blocking.count.Add(-1)
}

// hasWaiters reports whether anyone still waits on key. Its shard must be
// locked.
func (s *Server) hasWaiters(key []byte) bool {
	m := s.blocking.shards[s.store.ShardOf(key)]
	q := m[string(key)]
	if q == nil {
		return false
	}
	for n := q.head; n != nil; n = n.next {
		if n.w.waiting() {
			return true
		}
	}
	return false
}

// signalKeyAsReady queues key to be served after the running command if
// someone waits on it (Redis's signalKeyAsReady). Its shard must be locked.
func (c *Client) signalKeyAsReady(key []byte) {
	if c.srv.blocking.count.Load() == 0 || !c.srv.hasWaiters(key) {
		return
	}
	for _, k := range c.ready[c.readyNext:] {
		if k == string(key) {
			return
		}
	}
	c.ready = append(c.ready, string(key))
}

// noteWrittenKeys runs after each write command, its keys still locked: the
// keys it names that someone waits on will be served once it completes.
// Redis signals on key creation; looking at every key a write names is a
// superset (serving checks again), which covers every way a key comes to
// be (push, RENAME, MOVE, COPY, RESTORE, SORT ... STORE, ...). A write that
// cannot name its keys (SWAPDB, FLUSHALL, DEBUG RELOAD) may have produced
// any key, so every waited key is checked.
func (c *Client) noteWrittenKeys(cmd *Command, args [][]byte) {
	s := c.srv
	if s.blocking.count.Load() == 0 || !cmd.Has(FlagWrite) || c.blocked.Load() != nil {
		return
	}
	c.keys = cmd.keyPositions(args, c.keys[:0])
	if len(c.keys) == 0 && cmd.Lock == LockAll {
		for _, m := range s.blocking.shards {
			for k := range m {
				c.signalKeyAsReady([]byte(k))
			}
		}
		return
	}
	for _, p := range c.keys {
		c.signalKeyAsReady(args[p])
	}
}

// serveReadyKeys serves the waiters of the keys the last command made
// ready, in the order they became ready; serving may make more keys ready
// (BLMOVE pushes). c.tx must hold nothing.
func (c *Client) serveReadyKeys() {
	for c.readyNext < len(c.ready) {
		key := c.ready[c.readyNext]
		c.readyNext++
		c.serveKey([]byte(key))
	}
	c.ready = c.ready[:0]
	c.readyNext = 0
}

// serveKey serves key's waiters first come first served until the key has
// nothing left for them.
func (c *Client) serveKey(key []byte) {
	s := c.srv
	tx := c.tx
	// The candidates in queue order. A client that blocks later found the
	// key empty under its lock, so it is not owed anything by this round.
	tx.Begin(c.db)
	tx.AddKey(key)
	tx.Lock()
	var cands []*waiter
	if q := s.blocking.shards[s.store.ShardOf(key)][string(key)]; q != nil {
		for n := q.head; n != nil; n = n.next {
			if n.w.waiting() {
				cands = append(cands, n.w)
			}
		}
	}
	tx.Unlock()

	var dry []dryKey // (database, kind) pairs the key has nothing left for
	for _, w := range cands {
		if !w.waiting() || slices.Contains(dry, dryKey{w.db, w.kind}) {
			continue
		}
		tx.Begin(w.db)
		tx.AddKey(key)
		if w.target != nil {
			tx.AddKey(w.target)
		}
		tx.Lock()
		if !w.ready(tx, key) {
			tx.Unlock()
			dry = append(dry, dryKey{w.db, w.kind})
			continue
		}
		if !w.claim(waitServed) {
			tx.Unlock()
			continue // timed out, unblocked or gone meanwhile
		}
		start := time.Now()
		reply := c.serveAs(w, key)
		w.serveDur = time.Since(start)
		// The serve function declared its effect (alsoPropagate); the
		// waiter's reply waits for it to be written.
		c.flushEffects(false)
		w.waitLog, w.waitPos = c.prop.waitLog, c.prop.waitPos
		tx.Unlock()
		if tx.Dirty > 0 {
			c.dirty.Add(int64(tx.Dirty))
		}
		w.finish(waitServed, reply)
	}
}

type dryKey struct {
	db   int
	kind blockKind
}

// serveAs runs w's serve function as the serving client c, switched to the
// waiter's database and a reply buffer in the waiter's protocol, and returns
// the reply. c.tx holds the keys' shards.
func (c *Client) serveAs(w *waiter, key []byte) (reply []byte) {
	db, out, cmd := c.db, c.w, c.cmd
	c.db = w.db
	c.w = Reply{proto: w.proto}
	c.prop.serving = true
	defer func() {
		c.prop.serving = false
		if r := recover(); r != nil {
			// The waiter is already claimed: it must get a reply.
			c.srv.log.Warnf("panic serving blocked client id=%d: %v\n%s", w.c.id, r, debug.Stack())
			c.w.b = c.w.b[:0]
			c.Error(ErrInternal)
		}
		reply = c.w.b
		c.db, c.w, c.cmd = db, out, cmd
	}()
	errs := c.errCount
	w.serve(c, w, key)
	// The error is the waiter's (its failed_calls), not the serving
	// command's.
	w.failed = c.errCount != errs
	c.errCount = errs
	return
}

// waitUnblocked parks the connection's goroutine while c is blocked: earlier
// pipelined replies are sent first, input keeps being read (a disconnect
// ends the wait), and the wait ends when the client is served, times out or
// is unblocked. It writes the blocked command's reply and reports false when
// the connection is gone.
func (c *Client) waitUnblocked(lim *limits) bool {
	w := c.blocked.Load()
	alive := c.flush()
	var readErr chan error
	if alive {
		readErr = make(chan error, 1)
		_ = c.conn.SetReadDeadline(time.Time{}) // blocked clients have no idle timeout
		go func() {
			for {
				if err := c.rd.fill(c.conn, lim); err != nil {
					readErr <- err
					return
				}
				c.qbuf.Store(int64(c.rd.buffered()))
			}
		}()
	} else {
		w.end(waitClosed, nil)
	}
	var timeout <-chan time.Time
	if !w.deadline.IsZero() {
		t := time.NewTimer(time.Until(w.deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-w.done:
	case <-timeout:
		w.end(waitTimeout, nil)
	case <-readErr:
		readErr = nil
		alive = false
		w.end(waitClosed, nil)
	}
	<-w.done // when someone else won the race, their outcome stands
	if readErr != nil {
		// Stop the reader: a read deadline in the past interrupts it
		// without losing input.
		_ = c.conn.SetReadDeadline(time.Now())
		if err := <-readErr; !isTimeout(err) {
			alive = false
		}
		_ = c.conn.SetReadDeadline(time.Time{})
	}
	c.unregister(w)
	c.blocked.Store(nil)
	if !alive || w.outcome == waitClosed {
		return false
	}
	if (w.outcome == waitServed || w.outcome == waitUnblockError) && !w.cmd.Has(FlagSkipSlowlog) {
		c.srv.intro.slowlog.push(c, w.cmd, w.slowArgs, w.callDur+w.serveDur)
	}
	mark := c.w.Len()
	switch w.outcome {
	case waitServed:
		if w.waitLog != nil {
			c.waitFor(w.waitLog, w.waitPos)
		}
		c.w.Raw(w.reply)
	case waitTimeout, waitUnblockTimeout:
		c.w.NullArray()
	case waitUnblockError:
		c.Error(errUnblocked)
	}
	if w.failed || w.outcome == waitUnblockError || w.outcome == waitUnblockTimeout {
		c.srv.cmdStats.failedLater(w.cmd)
	}
	if w.drop {
		c.w.b = c.w.b[:mark]
	}
	return true
}

func isTimeout(err error) bool {
	te, ok := err.(interface{ Timeout() bool })
	return ok && te.Timeout()
}

// unblockClientByID ends the wait of the blocked client with this id
// (CLIENT UNBLOCK): withError sends it the -UNBLOCKED error, otherwise the
// timeout reply. It reports whether a blocked client was unblocked.
func (s *Server) unblockClientByID(id int64, withError bool) bool {
	c := s.clients.get(id)
	if c == nil {
		return false
	}
	w := c.blocked.Load()
	if w == nil {
		return false
	}
	o := waitUnblockTimeout
	if withError {
		o = waitUnblockError
	}
	return w.end(o, nil)
}

// unblockClient is CLIENT UNBLOCK's entry point.
func (s *Server) unblockClient(id int64, withError bool) bool {
	return s.unblockClientByID(id, withError)
}

// blockedClientCount is INFO's blocked_clients.
func (s *Server) blockedClientCount() int { return int(s.blocking.count.Load()) }

// isBlocked reports whether c waits in a blocking command (flag b in
// CLIENT LIST).
func (c *Client) isBlocked() bool { return c.blocked.Load() != nil }

// Timeouts.

// parseBlockTimeout parses a blocking command's timeout in seconds as
// Redis's getTimeoutFromObjectOrReply: a long double, turned into
// milliseconds rounded up; 0 waits forever. It returns the deadline (zero
// for none) or the error reply.
func parseBlockTimeout(arg []byte, now time.Time) (time.Time, string) {
	var ms int64
	if n, ok := store.ParseInt(arg); ok {
		if n < 0 || n > (1<<63-1)/1000 {
			// C converts an out of range value to LLONG_MIN.
			return time.Time{}, ErrTimeoutNegative
		}
		ms = n * 1000
	} else {
		f, ok := store.ParseLongDouble(arg)
		if !ok {
			return time.Time{}, ErrTimeoutInvalid
		}
		x := new(big.Float).SetPrec(64).Mul(f, big.NewFloat(1000))
		if x.IsInf() {
			return time.Time{}, ErrTimeoutNegative
		}
		i, acc := x.Int(nil) // truncated towards zero
		if acc == big.Below {
			i.Add(i, big.NewInt(1)) // ceil
		}
		if !i.IsInt64() || i.Sign() < 0 {
			return time.Time{}, ErrTimeoutNegative
		}
		ms = i.Int64()
	}
	if ms == 0 {
		return time.Time{}, ""
	}
	if now.UnixMilli()+ms < 0 || ms > int64(1<<63-1)/int64(time.Millisecond) {
		// Centuries away. When C's addition wraps, Redis's timeout table
		// reads the negative deadline as unsigned: forever as well.
		return time.Time{}, ""
	}
	return now.Add(time.Duration(ms) * time.Millisecond), ""
}
