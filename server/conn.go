package server

import (
	"errors"
	"io"
	"net"
	"os"
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
	defer s.removeClient(c)
	if s.clients.count() > s.cfg.MaxClients() {
		c.w.Error(ErrMaxClients)
		c.flush()
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
				return
			}
			if args == nil {
				break
			}
			c.qbuf.Store(int64(c.rd.buffered()))
			c.execute(args)
			if c.closeAfter || c.killed.Load() {
				c.flush()
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

// flush writes the pending replies. It reports false when the connection
// is gone.
func (c *Client) flush() bool {
	if c.w.Len() == 0 {
		return true
	}
	c.obuf.Store(int64(c.w.Len()))
	_, err := c.conn.Write(c.w.b)
	c.obuf.Store(0)
	if cap(c.w.b) > keepBufSize {
		c.w.b = nil
	} else {
		c.w.Reset()
	}
	return err == nil
}

// exemptFromTimeout reports whether the idle timeout skips this client
// (Redis exempts blocked, subscribed and replica clients).
func (c *Client) exemptFromTimeout() bool { return false }
