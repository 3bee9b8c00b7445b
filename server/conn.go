package server

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/server/internal/stopwatch"
)

// flushThreshold bounds the replies buffered while working through one read
// of pipelined requests: past it they are written before the next request,
// so a client pipelining large replies never makes the server hold them all.
const flushThreshold = 64 * 1024

// serveConn runs one client connection: read what has arrived, run every
// complete request in it, write the replies in one go, repeat.
func (s *Server) serveConn(nc net.Conn) {
	c := s.newClient(nc)
	c.out.init(nc)
	defer s.removeClient(c)
	if s.clients.count() > s.cfg.MaxClients() {
		// Redis refuses before it counts the connection as received.
		s.stats.rejectedConns.Add(1)
		s.stats.connections.Add(-1)
		c.w.Error(ErrMaxClients)
		c.flush()
		c.out.drain()
		return
	}
	if s.protectedModeDenied(c) {
		return
	}
	var lim limits
	armed := false // a read deadline may be set
	for {
		s.readLimits(c, &lim)
		if t := s.cfg.Timeout(); t > 0 && !c.exemptFromTimeout() {
			_ = nc.SetReadDeadline(time.Now().Add(t))
			armed = true
		} else if armed {
			// The timeout was turned off since (CONFIG SET timeout 0).
			_ = nc.SetReadDeadline(time.Time{})
			armed = false
		}
		c.shrinkReplies()
		c.rd.reclaim()
		c.noteMem()
		err := c.rd.fill(nc, &lim)
		c.noteMem()
		if err == nil && s.evictClientsBefore(c) {
			return // evicted for its query buffer (maxmemory-clients)
		}
		if err != nil {
			if errors.Is(err, errQueryBufLimit) {
				s.log.Warnf("Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial bytes: %q)", c.id, c.addr, c.rd.buf[:min(64, c.rd.w)])
			} else if errors.Is(err, os.ErrDeadlineExceeded) {
				s.log.Verbosef("Closing idle client")
			} else if !errors.Is(err, io.EOF) && !c.killed.Load() && !errors.Is(err, net.ErrClosed) {
				s.log.Verbosef("Client %d read error: %v", c.id, err)
			}
			return
		}
		c.startBatch()
		for {
			args, err := c.rd.next(&lim)
			if err != nil {
				var pe *protoError
				if errors.As(err, &pe) {
					c.Error(pe.msg)
					s.log.Verbosef("Protocol error (%s) from client: id=%d addr=%s", pe.msg, c.id, c.addr)
				}
				c.flush()
				c.out.drain()
				return
			}
			if args == nil {
				break
			}
			c.qbuf.Store(int64(c.rd.buffered()))
			c.execute(args)
			if c.blocked.Load() != nil {
				if !c.waitUnblocked(&lim) {
					return
				}
				c.startBatch()   // the clock moved on while blocked
				c.leaveCommand() // the reply is there: invalidations held back follow it
			}
			if c.closeAfter || c.killed.Load() {
				// Gone for every other client before its last reply can
				// be read (Redis frees it in the same loop iteration that
				// writes the reply): a redirect target that QUIT is
				// already missing for the next invalidation.
				s.clientGone(c)
				s.clients.remove(c)
				c.flush()
				c.out.drain()
				return
			}
			if !c.checkOwnOutputLimit() {
				return
			}
			c.noteMem() // after the limits: a client closed by them no longer counts
			if c.w.Len() > flushThreshold {
				if c.holdsReplies() {
					c.commit()
				} else if !c.flush() {
					return
				}
			}
			s.readLimits(c, &lim)
		}
		c.qbuf.Store(int64(c.rd.buffered()))
		yieldToRound()
		if !c.flush() {
			return
		}
	}
}

// yieldToRound is called between running a batch of requests and writing
// its replies. It lets the other connections the network poller found
// ready run their requests first, so the replies of one round go out back
// to back, as Redis writes them before it waits for events again. Written
// one by one between other connections' work, each reply tended to find
// the client asleep and paid for waking it; beside redis-benchmark -P 16
// this cut the p99 latency by a quarter to a third (BENCHMARKS.md). With
// nothing else to run it returns at once. Under appendfsync always the
// round's writes also share one fsync.
//
// Only on one P: with more, a yield wakes another P to take the goroutine
// (a futex wake-up and a thread switch, ~1 us per batch measured), and
// the rounds are no longer one thread's anyway.
func yieldToRound() {
	if singleP.Load() {
		runtime.Gosched()
	}
}

// readLimits loads the protocol limits that apply to c now.
func (s *Server) readLimits(c *Client, lim *limits) {
	lim.maxBulk = s.cfg.ProtoMaxBulkLen()
	lim.maxQueryBuf = s.cfg.ClientQueryBufferLimit()
	lim.authRequired = !c.authenticated && s.authRequired()
}

// flush sends the pending replies. It reports false when the connection is
// gone.
//
// Like Redis, the server never stops reading because a client does not read
// its replies (a client may write a whole pipeline before reading anything):
// the replies are written without blocking, and whatever the socket does not
// take is handed to a writer goroutine while the connection goes on reading
// and executing. Output ordering is kept: once the writer runs, every later
// reply queues behind it.
//
// Other goroutines add to the same output (Pub/Sub messages, invalidation
// messages, MONITOR lines: push); they only ever append to the queue under
// out.mu, so what this connection writes directly and what they queue come
// out in the order it was committed.
func (c *Client) flush() bool {
	c.flushStats() // whoever sees a reply sees its call counted
	if c.w.Len() == 0 && !c.committed {
		return true
	}
	synced := c.prop.waitLog != nil && c.prop.waitLog.Policy() == aof.FsyncAlways
	c.awaitLog() // nothing is acknowledged before its effect is in the AOF
	c.committed = false
	o := &c.out
	o.mu.Lock()
	if o.err != nil || o.closing {
		o.mu.Unlock()
		c.resetReplies()
		return false
	}
	if o.writing || o.queue.Len() > 0 {
		o.queue.Append(c.w.b)
		c.noteObuf()
		if !o.writing {
			o.writing = true
			go c.writeLoop()
		}
		o.mu.Unlock()
		c.resetReplies()
		return true
	}
	o.direct = true
	o.mu.Unlock()
	n, err := o.tryWrite(c.w.b)
	o.mu.Lock()
	o.direct = false
	if err != nil {
		o.failLocked(err)
		o.mu.Unlock()
		c.resetReplies()
		return false
	}
	if rest := c.w.b[n:]; len(rest) > 0 || o.queue.Len() > 0 {
		// What the socket did not take goes first: anything another
		// goroutine queued meanwhile was committed after it.
		o.queue.Prepend(rest)
		o.writing = true
		c.noteObuf()
		go c.writeLoop()
	}
	o.mu.Unlock()
	c.resetReplies()
	if synced {
		// One fsync released a batch of clients: let the others send their
		// replies before this one reads. The replies leave back to back
		// (the client wakes once for several), and by the time this read
		// runs the client has often answered, which spares the read that
		// finds nothing and the trip through the poller. Measured with 50
		// clients without pipelining: reads per request 2.0 -> 1.5, CPU per
		// request -8%, throughput +8%.
		runtime.Gosched()
	}
	return true
}

// commit moves the pending replies into the output queue without writing
// them, so that anything another goroutine pushes from now on comes after
// them. The next flush sends them.
func (c *Client) commit() {
	c.settleReplies()
	c.flushStats()
	if c.w.Len() == 0 {
		return
	}
	c.awaitLog() // the writer goroutine may send what is committed at once
	o := &c.out
	o.mu.Lock()
	if o.err == nil && !o.closing {
		o.queue.Append(c.w.b)
		c.noteObuf()
		c.committed = true
	}
	o.mu.Unlock()
	c.resetReplies()
}

// push appends an out-of-band message (hdr then body) to c's output from
// another client's goroutine, without blocking: the writer goroutine sends
// it. A client whose queue grows past its client-output-buffer-limit is
// closed instead, so a subscriber that does not read cannot make the
// server's memory grow without bound.
func (c *Client) push(hdr, body []byte) {
	o := &c.out
	o.mu.Lock()
	if o.err != nil || o.closing {
		o.mu.Unlock()
		return
	}
	o.queue.Append(hdr)
	o.queue.Append(body)
	c.noteObuf()
	if c.overOutputLimit(int64(o.queue.Len()+o.inflight), time.Now()) {
		c.uncountMemLocked()
		o.closing = true
		o.queue.Reset()
		o.mu.Unlock()
		c.closeForOutputLimit(true)
		return
	}
	if !o.writing && !o.direct {
		o.writing = true
		go c.writeLoop()
	}
	o.mu.Unlock()
}

// resetReplies empties the reply buffer. It keeps its capacity while the
// connection works through a batch (a pipeline of large replies reuses one
// buffer); shrinkReplies releases a large one once the batch is done.
func (c *Client) resetReplies() { c.w.Reset() }

// shrinkReplies releases a reply buffer that large replies grew, before the
// connection waits for its next requests.
func (c *Client) shrinkReplies() {
	if cap(c.w.b) > keepBufSize && c.w.Len() == 0 {
		c.w.b = nil
	}
}

// writeLoop sends queued replies until the queue is empty or the connection
// fails.
func (c *Client) writeLoop() {
	o := &c.out
	var scratch net.Buffers
	for {
		o.mu.Lock()
		o.inflight = 0
		if o.queue.Len() == 0 || o.err != nil || o.closing {
			o.writing = false
			c.noteObuf()
			o.cond.Broadcast()
			o.mu.Unlock()
			return
		}
		o.inflight = o.queue.Len()
		chunks := o.queue.Take()
		c.noteObuf()
		o.mu.Unlock()
		err := writeChunks(o.conn, chunks, &scratch)
		releaseChunks(chunks)
		if err != nil {
			o.fail(err)
			return
		}
	}
}

// output is a connection's write side: a socket written without blocking
// when possible, and the queue of a writer goroutine when not.
type output struct {
	conn net.Conn
	raw  syscall.RawConn // nil when the connection has no file descriptor

	// tryWrite's state for writeNow (used by the connection's goroutine
	// only, while the writer goroutine is idle).
	writeFn func(fd uintptr) bool
	wbuf    []byte
	wn      int
	werr    error

	mu       sync.Mutex
	cond     sync.Cond
	queue    outQueue // output committed but not yet handed to the socket
	writing  bool     // the writer goroutine is running
	direct   bool     // the connection's goroutine is writing outside mu
	inflight int      // bytes the writer goroutine is writing now
	err      error    // the write error that ended the connection
	closing  bool     // over its output buffer limit: nothing more is sent

	softSince time.Time // when usage first went over the soft limit

	// Client memory (clientmem.go): the output counted in the clients'
	// total, and whether the client has left the total.
	obufCounted int64
	memGone     bool

	// Client-side caching (tracking.go): while the client runs a command,
	// invalidations for it wait here and follow its reply.
	running bool
	pending []pendingInvalidation
}

func (o *output) init(nc net.Conn) {
	o.conn = nc
	o.cond.L = &o.mu
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			o.raw = raw
			o.writeFn = o.writeNow
		}
	}
}

// tryWrite writes as much of b as the socket takes now, without waiting.
// Connections without a file descriptor (net.Pipe in tests) block instead.
func (o *output) tryWrite(b []byte) (int, error) {
	if o.raw == nil {
		return o.conn.Write(b)
	}
	o.wbuf, o.wn, o.werr = b, 0, nil
	err := o.raw.Write(o.writeFn)
	n, werr := o.wn, o.werr
	o.wbuf = nil
	if werr == nil {
		werr = err
	}
	return n, werr
}

// writeNow is the raw write behind tryWrite, kept as a method value made
// once so that a write allocates nothing. It returns true ("done") even
// when the socket is full, so the runtime never waits.
func (o *output) writeNow(fd uintptr) bool {
	b := o.wbuf
	for o.wn < len(b) {
		m, err := syscall.Write(int(fd), b[o.wn:])
		if m > 0 {
			o.wn += m
		}
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return true
		case err != nil:
			o.werr = err
			return true
		case m == 0:
			o.werr = io.ErrShortWrite
			return true
		}
	}
	return true
}

// fail records a write error and wakes anyone waiting for the writer.
func (o *output) fail(err error) {
	o.mu.Lock()
	o.failLocked(err)
	o.mu.Unlock()
}

func (o *output) failLocked(err error) {
	if o.err == nil {
		o.err = err
	}
	o.writing = false
	o.queue.Reset()
	o.inflight = 0
	o.cond.Broadcast()
}

// drain waits until the writer goroutine has sent everything queued (or
// failed), before a connection is closed on purpose after its last reply.
func (o *output) drain() {
	o.mu.Lock()
	for o.writing {
		o.cond.Wait()
	}
	o.mu.Unlock()
}

// exemptFromTimeout reports whether the idle timeout skips this client
// (Redis exempts blocked, subscribed and replica clients; MONITOR clients
// are replicas to it).
func (c *Client) exemptFromTimeout() bool {
	return c.isBlocked() || c.subscribed() || c.monitoring.Load()
}

// startBatch reads the clock for a batch of requests that arrived together.
// Each command's clock is the batch's start plus the time the commands
// before it took (measured on the monotonic clock, which is cheaper), so a
// pipeline of N commands reads the wall clock once instead of N times.
func (c *Client) startBatch() {
	c.batchStart = time.Now().UnixNano()
	c.batchTicks = stopwatch.Now()
	c.elapsed = 0
}

// applyIdleTimeout re-arms the read deadline of every connected client when
// the timeout parameter changes. The deadline is otherwise set only before
// each read, so a client already waiting would keep the old timeout (or
// none) forever, where Redis's clientsCron applies the new one to every
// client at once.
func (s *Server) applyIdleTimeout(val string) {
	secs, _ := strconv.ParseInt(val, 10, 64)
	t := time.Duration(secs) * time.Second
	for _, c := range s.clients.all() {
		if c.exemptFromTimeout() {
			continue
		}
		var deadline time.Time
		if t > 0 {
			deadline = time.Unix(0, c.lastInteraction.Load()).Add(t)
		}
		_ = c.conn.SetReadDeadline(deadline)
	}
}
