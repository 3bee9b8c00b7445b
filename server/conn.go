package server

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
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
		c.w.Error(ErrMaxClients)
		c.flush()
		c.out.drain()
		return
	}
	if s.protectedModeDenied(c) {
		return
	}
	var lim limits
	for {
		s.readLimits(c, &lim)
		if t := s.cfg.Timeout(); t > 0 && !c.exemptFromTimeout() {
			_ = nc.SetReadDeadline(time.Now().Add(t))
		}
		if err := c.rd.fill(nc, &lim); err != nil {
			if errors.Is(err, errQueryBufLimit) {
				s.log.Warnf("Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial bytes: %q)", c.id, c.addr, c.rd.buf[:min(64, c.rd.w)])
			} else if errors.Is(err, os.ErrDeadlineExceeded) {
				s.log.Verbosef("Closing idle client")
			} else if !errors.Is(err, io.EOF) && !c.killed.Load() && !errors.Is(err, net.ErrClosed) {
				s.log.Verbosef("Client %d read error: %v", c.id, err)
			}
			return
		}
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
			if c.blocked.Load() != nil && !c.waitUnblocked(&lim) {
				return
			}
			if c.closeAfter || c.killed.Load() {
				c.flush()
				c.out.drain()
				return
			}
			if c.w.Len() > flushThreshold {
				if !c.flush() {
					return
				}
			}
			s.readLimits(c, &lim)
		}
		c.qbuf.Store(int64(c.rd.buffered()))
		if !c.flush() {
			return
		}
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
func (c *Client) flush() bool {
	if c.w.Len() == 0 {
		return true
	}
	c.awaitLog() // nothing is acknowledged before its effect is in the AOF
	o := &c.out
	o.mu.Lock()
	if o.err != nil {
		o.mu.Unlock()
		return false
	}
	if o.writing {
		o.queue = append(o.queue, c.w.b...)
		c.obuf.Store(int64(len(o.queue)))
		o.mu.Unlock()
		c.resetReplies()
		return true
	}
	o.mu.Unlock()
	n, err := o.tryWrite(c.w.b)
	if err != nil {
		o.fail(err)
		return false
	}
	if n < len(c.w.b) {
		o.mu.Lock()
		o.queue = append(o.queue[:0], c.w.b[n:]...)
		o.writing = true
		c.obuf.Store(int64(len(o.queue)))
		o.mu.Unlock()
		go c.writeLoop()
	}
	c.resetReplies()
	return true
}

// resetReplies empties the reply buffer, releasing it when one large reply
// grew it.
func (c *Client) resetReplies() {
	if cap(c.w.b) > keepBufSize {
		c.w.b = nil
	} else {
		c.w.Reset()
	}
}

// writeLoop sends queued replies until the queue is empty or the connection
// fails.
func (c *Client) writeLoop() {
	o := &c.out
	var buf []byte
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.writing = false
			if cap(buf) > keepBufSize {
				buf = nil
			}
			o.queue = buf[:0]
			c.obuf.Store(0)
			o.cond.Broadcast()
			o.mu.Unlock()
			return
		}
		buf, o.queue = o.queue, buf[:0]
		o.mu.Unlock()
		if _, err := o.conn.Write(buf); err != nil {
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

	mu      sync.Mutex
	cond    sync.Cond
	queue   []byte // replies the writer goroutine has yet to send
	writing bool   // the writer goroutine is running
	err     error  // the write error that ended the connection
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
	if o.err == nil {
		o.err = err
	}
	o.writing = false
	o.queue = nil
	o.cond.Broadcast()
	o.mu.Unlock()
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
// (Redis exempts blocked, subscribed and replica clients).
func (c *Client) exemptFromTimeout() bool { return c.isBlocked() }
