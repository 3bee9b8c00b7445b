package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/store"
)

// CLIENT PAUSE and CLIENT UNPAUSE (networking.c's pauseClients). While a
// pause is in force, a client's next command waits before it runs: every
// command under PAUSE ALL; under PAUSE WRITE the commands that may change
// the dataset or replicate (write and may_replicate commands, EXEC of a
// transaction holding one), while reads proceed. Commands already running
// (a transaction's queued commands included) finish. MONITOR clients are
// replicas to Redis and are never paused. The active expiry cycle is
// skipped while paused.

// Pause types, ordered: a second pause keeps the stronger one.
const (
	pauseOff int32 = iota
	pauseWrite
	pauseAll
)

type clientPause struct {
	waiting atomic.Int64 // clients held now (counted in blocked_clients)

	mu      sync.Mutex
	typ     atomic.Int32
	end     int64         // unix milliseconds
	changed chan struct{} // closed (and replaced) when the pause changes
}

func (p *clientPause) init() { p.changed = make(chan struct{}) }

// set starts or extends a pause, as pauseClients.
func (p *clientPause) set(typ int32, end int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.typ.Load() == pauseOff {
		p.end = end
		p.typ.Store(typ)
	} else {
		p.typ.Store(max(p.typ.Load(), typ))
		p.end = max(p.end, end)
	}
	p.signal()
}

// clear ends the pause (unpauseClients).
func (p *clientPause) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.typ.Load() != pauseOff {
		p.typ.Store(pauseOff)
		p.signal()
	}
}

func (p *clientPause) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// expire ends a pause whose time has come.
func (p *clientPause) expire(now time.Time) {
	if p.typ.Load() == pauseOff {
		return
	}
	p.mu.Lock()
	if p.typ.Load() != pauseOff && p.end < now.UnixMilli() {
		p.typ.Store(pauseOff)
		p.signal()
	}
	p.mu.Unlock()
}

// paused reports whether clients are paused now (ending an expired pause).
func (p *clientPause) paused() bool {
	if p.typ.Load() == pauseOff {
		return false
	}
	p.expire(time.Now())
	return p.typ.Load() != pauseOff
}

// clientsPaused tells the cron to leave keys alone (no active expiry).
func (s *Server) clientsPaused() bool { return s.intro.pause.paused() }

// pausedBy reports whether cmd is held by a pause of type typ.
func (c *Client) pausedBy(cmd *Command, typ int32) bool {
	if typ == pauseAll {
		return true
	}
	writes := func(cmd *Command) bool { return cmd.Has(FlagWrite) || cmd.Has(FlagMayReplicate) }
	if writes(cmd) {
		return true
	}
	if cmd.FullName == "exec" && c.multi != nil {
		for _, q := range c.multi.cmds {
			if writes(q.cmd) {
				return true
			}
		}
	}
	return false
}

// waitPause holds c while a pause applies to cmd. It reports false when
// the client was closed meanwhile.
func (c *Client) waitPause(cmd *Command) bool {
	p := &c.srv.intro.pause
	if p.typ.Load() == pauseOff || c.monitoring.Load() {
		return true
	}
	flushed := false
	for {
		p.mu.Lock()
		typ, end, ch := p.typ.Load(), p.end, p.changed
		p.mu.Unlock()
		if typ == pauseOff || !c.pausedBy(cmd, typ) {
			return true
		}
		now := time.Now()
		if end < now.UnixMilli() {
			p.expire(now)
			continue
		}
		if !flushed {
			// Replies to earlier commands are not held by the pause.
			flushed = true
			if !c.flush() {
				return false
			}
		}
		c.paused.Store(true)
		p.waiting.Add(1)
		wait := time.Duration(end-now.UnixMilli()+1) * time.Millisecond
		timer := time.NewTimer(min(wait, 100*time.Millisecond))
		select {
		case <-ch:
		case <-timer.C:
		}
		timer.Stop()
		c.paused.Store(false)
		p.waiting.Add(-1)
		// The command's clock, and its duration (commandstats, SLOWLOG),
		// start when it may run, as when Redis re-runs a paused command:
		// the batch starts again here.
		c.startBatch()
		c.now = c.batchStart
		if c.killed.Load() {
			return false
		}
	}
}

// CLIENT PAUSE timeout [WRITE | ALL]
func cmdClientPause(c *Client, args [][]byte) {
	typ := pauseAll
	if len(args) == 4 {
		switch optKeyword(args[3]) {
		case "write":
			typ = pauseWrite
		case "all":
		default:
			c.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	} else if len(args) > 4 {
		subcommandSyntaxError(c, "client", args[1])
		return
	}
	ms, ok := store.ParseInt(args[2])
	if !ok {
		c.Error("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		c.Error(ErrTimeoutNegative)
		return
	}
	end := ms
	if ms > 0 {
		end = ms + time.Now().UnixMilli()
	}
	c.srv.intro.pause.set(typ, end)
	c.w.OK()
}

// CLIENT UNPAUSE
func cmdClientUnpause(c *Client, args [][]byte) {
	c.srv.intro.pause.clear()
	c.w.OK()
}
