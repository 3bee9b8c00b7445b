package server

import (
	"time"
)

// Output buffer limits (client-output-buffer-limit), as networking.c's
// checkClientOutputBufferLimits: a client whose pending output reaches the
// hard limit, or stays over the soft limit for longer than its seconds, is
// closed. Normal clients are checked after each command against the replies
// they have not read; Pub/Sub clients (subscribed to anything) also each
// time a message is pushed to them. The replica class is parsed only.

// obufLimit is one class's limits.
type obufLimit struct {
	hard, soft uint64
	secs       int64
}

// Client classes of client-output-buffer-limit.
const (
	obufNormal = 0
	obufPubSub = 2
)

// replyBufSize is the part of a client's output Redis keeps in its static
// buffer, which the limits do not count.
const replyBufSize = 16 * 1024

// replyBlockSize is what Redis counts for each block of its reply list:
// blocks are at least 16 KB, and its allocator serves 16 KB plus the block
// header from the 20 KB size class, all of which it counts.
const replyBlockSize = 20480 - 16

// pendingReplyUsage is what Redis would count against the limits for n
// bytes of replies not yet written: the part past its static buffer, in
// whole reply blocks.
func pendingReplyUsage(n int) int {
	if n <= replyBufSize {
		return 0
	}
	return (n - replyBufSize + replyBlockSize - 1) / replyBlockSize * replyBlockSize
}

func (s *Server) watchObufLimits() {
	s.cfg.Watch("client-output-buffer-limit", func(v string) {
		raw := obufLimits(v)
		var l [3]obufLimit
		for i := range l {
			l[i] = obufLimit{hard: raw[i][0], soft: raw[i][1], secs: int64(raw[i][2])}
		}
		s.intro.obuf.Store(&l)
	})
}

func (s *Server) obufLimitOf(class int) obufLimit {
	if l := s.intro.obuf.Load(); l != nil {
		return l[class]
	}
	return obufLimit{}
}

// obufClass is the client's class for the limits (getClientType: a MONITOR
// client counts as normal).
func (c *Client) obufClass() int {
	if c.subscribed() {
		return obufPubSub
	}
	return obufNormal
}

// overOutputLimit reports whether used bytes of pending output break c's
// limits now. Call with out.mu held: it tracks when the soft limit was
// first exceeded.
func (c *Client) overOutputLimit(used int64, now time.Time) bool {
	if used <= 0 {
		return false
	}
	lim := c.srv.obufLimitOf(c.obufClass())
	if lim.hard == 0 && lim.soft == 0 {
		return false
	}
	hard := lim.hard != 0 && uint64(used) >= lim.hard
	soft := lim.soft != 0 && uint64(used) >= lim.soft
	o := &c.out
	if soft {
		// Redis measures in whole seconds of its clock.
		if o.softSince.IsZero() {
			o.softSince = now
			soft = false
		} else if now.Unix()-o.softSince.Unix() <= lim.secs {
			soft = false
		}
	} else {
		o.softSince = time.Time{}
	}
	return hard || soft
}

// closeForOutputLimit logs and closes a client over its limit. async is
// the path taken while output was being added (Redis frees the client
// asynchronously there); the cron closes synchronously.
func (c *Client) closeForOutputLimit(async bool) {
	info := string((*Client)(nil).appendInfo(nil, c, nil))
	if async {
		c.srv.log.Warnf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", info)
	} else {
		c.srv.log.Warnf("Client %s closed for overcoming of output buffer limits.", info)
	}
	c.Kill()
}

// holdsReplies reports whether a connection working through pipelined
// requests keeps their replies unsent until the end of the batch: with a
// hard limit for normal clients, so that a pipeline whose replies break it
// gets none of them, as in Redis. They wait in the output queue (in blocks,
// not one growing buffer), counted against the limit after each command.
func (c *Client) holdsReplies() bool {
	return c.srv.obufLimitOf(obufNormal).hard != 0 && c.obufClass() == obufNormal
}

// checkOwnOutputLimit checks c's limits after one of its commands, counting
// the replies not yet written. It reports false when c was closed (its
// replies are dropped unsent).
func (c *Client) checkOwnOutputLimit() bool {
	lim := c.srv.obufLimitOf(c.obufClass())
	if lim.hard == 0 && lim.soft == 0 {
		return true
	}
	o := &c.out
	o.mu.Lock()
	used := int64(pendingReplyUsage(c.w.Len()) + o.queue.Len() + o.inflight)
	over := !o.closing && c.overOutputLimit(used, time.Now())
	if over {
		c.uncountMemLocked() // its output is dropped: it no longer counts
		c.noteObufWith(used)
		o.closing = true
		o.queue.Reset()
	}
	o.mu.Unlock()
	if over {
		c.closeForOutputLimit(true)
		c.w.b = nil
		return false
	}
	return true
}

// noteObufWith publishes used as the client's omem (for the log line).
func (c *Client) noteObufWith(used int64) { c.obuf.Store(used) }

// cronOutputLimits closes clients that have stayed over their soft limit
// without receiving more output (clientsCron).
func (s *Server) cronOutputLimits(now time.Time) {
	l := s.intro.obuf.Load()
	if l == nil || (l[obufNormal] == (obufLimit{}) && l[obufPubSub] == (obufLimit{})) {
		return
	}
	for _, c := range s.clients.all() {
		if c.obuf.Load() == 0 {
			continue
		}
		o := &c.out
		o.mu.Lock()
		over := !o.closing && c.overOutputLimit(int64(o.queue.Len()+o.inflight), now)
		if over {
			c.uncountMemLocked()
			o.closing = true
			o.queue.Reset()
		}
		o.mu.Unlock()
		if over {
			c.closeForOutputLimit(false)
		}
	}
}

// randomReplyMax bounds a reply whose size the client chose by a count.
const randomReplyMax = 64 << 20

// replyTooBig is checked while one command builds a reply whose size the
// client chose (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER with huge negative
// counts). Past the client's hard output limit, or randomReplyMax when no
// limit is set, the reply built since mark is dropped and the client is
// closed, as Redis closes a client whose output outgrows its limit. Redis
// itself, with no limit (the default for normal clients), would build the
// reply until memory ran out; Ember never lets a request do that.
func (c *Client) replyTooBig(mark int) bool {
	size := c.w.Len() - mark
	if size < replyBufSize {
		return false
	}
	limit := int64(randomReplyMax)
	if lim := c.srv.obufLimitOf(c.obufClass()); lim.hard != 0 {
		limit = int64(min(lim.hard, randomReplyMax))
	}
	if int64(pendingReplyUsage(size)) < limit {
		return false
	}
	c.w.b = c.w.b[:mark]
	c.closeForOutputLimit(true)
	c.closeAfter = true
	return true
}
