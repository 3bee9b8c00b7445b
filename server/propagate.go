package server

import (
	"github.com/ember-kv/ember/persistence/aof"
)

// The propagation point (Redis's call() -> alsoPropagate ->
// propagatePendingCommands): the one place that receives the effect of
// every write, for the AOF now and replicas later.
//
// After a command's handler ran, with its shards still locked, a command
// that changed something (tx.Dirty > 0, Redis's server.dirty) has its effect
// appended: its arguments as received, unless the handler declared another
// effect. So the order of effects in the log is a valid serialisation of the
// commands: two commands whose effects could be reordered in the log touched
// disjoint shards.
//
// What a command propagates, in order:
//   - a DEL for each key it found expired (lazy expiry, in lookup order);
//   - what the handler added with alsoPropagate;
//   - its own effect (args, or what it declared with propagateAs), unless it
//     called preventPropagation or changed nothing.
//
// More than one effect is wrapped in MULTI/EXEC (as Redis 7.0 does), except
// for commands that touch arbitrary keys (SCAN, RANDOMKEY), which Redis
// never wraps. EXEC collects the effects of all its commands and propagates
// them at the end as one block.

// propState is a client's pending effects.
type propState struct {
	ops     []aof.Op // effects of the running command (or EXEC) so far
	own     [][]byte // propagateAs: the command's own effect instead of its args
	ownSet  bool
	prevent bool // preventPropagation: the command's own effect is not logged
	force   bool // forcePropagation: logged even without a change
	off     bool // the client never propagates (the AOF loader)
	direct  bool // expired keys go to the log at once (SCAN locks shard by shard)
	inExec  bool // collecting for EXEC: flush at the end of the transaction
	loader  bool // the AOF loader's client: never blocks
	serving bool // running a blocked client's serve function (blocking.go)

	waitLog *aof.Log // the log the client's pending replies wait for
	waitPos int64
}

// propagateAs replaces the running command's effect with args (Redis's
// rewriteClientCommandVector / replaceClientCommandVector). It is logged
// only if the command changed something. args are copied.
func (c *Client) propagateAs(args ...[]byte) {
	c.prop.own = copyArgs(args)
	c.prop.ownSet = true
}

// alsoPropagate adds an effect in the client's database, logged before the
// command's own effect (Redis's alsoPropagate). args are copied.
func (c *Client) alsoPropagate(args ...[]byte) {
	c.alsoPropagateDB(c.db, copyArgs(args))
}

// alsoPropagateDB adds an effect in database db; args are kept as given.
func (c *Client) alsoPropagateDB(db int, args [][]byte) {
	if c.prop.off {
		return
	}
	c.prop.ops = append(c.prop.ops, aof.Op{DB: db, Args: args})
}

// effect declares the effect of what the handler just did: the running
// command's own effect (propagateAs), or, while it serves a blocked client
// on behalf of another command, an extra one (alsoPropagate).
func (c *Client) effect(args ...[]byte) {
	if c.prop.serving {
		c.alsoPropagate(args...)
		return
	}
	c.propagateAs(args...)
}

// forcePropagation logs the running command even if it changed nothing
// (Redis's forceCommandPropagation: FLUSHDB, FLUSHALL).
func (c *Client) forcePropagation() { c.prop.force = true }

// preventPropagation keeps the running command's own effect out of the log
// (Redis's preventCommandPropagation); alsoPropagate still works.
func (c *Client) preventPropagation() { c.prop.prevent = true }

// keyExpiredByCommand is the client's store hook for lazy expiry: the key
// is deleted while the command looks it up, and its DEL goes before the
// command's effect.
func (c *Client) keyExpiredByCommand(db int, key []byte) {
	s := c.srv
	s.expiredKeyEvents(db, key)
	if c.prop.off {
		return
	}
	op := aof.Op{DB: db, Args: [][]byte{s.delCommand(true), append([]byte(nil), key...)}}
	if c.prop.direct && !c.prop.inExec {
		s.propagate([]aof.Op{op}, false, c)
		return
	}
	c.prop.ops = append(c.prop.ops, op)
}

// commandEffect adds the running command's own effect after its handler
// ran, as Redis's call() does.
func (c *Client) commandEffect(args [][]byte) {
	if !c.prop.prevent && (c.tx.Dirty > 0 || c.prop.force) && !c.prop.off {
		own := args
		if c.prop.ownSet {
			own = c.prop.own
		}
		c.prop.ops = append(c.prop.ops, aof.Op{DB: c.db, Args: own})
	}
	c.prop.own = nil
	c.prop.ownSet = false
	c.prop.prevent = false
	c.prop.force = false
}

// flushEffects hands the pending effects to the propagation point. It runs
// with the command's shards still locked. arbitrary says the command touches
// arbitrary keys (its expired-key DELs are not wrapped in MULTI/EXEC).
func (c *Client) flushEffects(arbitrary bool) {
	ops := c.prop.ops
	if len(ops) > 0 {
		c.srv.propagate(ops, len(ops) > 1 && !arbitrary, c)
		clear(ops)
		c.prop.ops = ops[:0]
	} else if l := c.srv.aof.log.Load(); l != nil {
		// Whatever this command saw may have been written by a command
		// whose effect is not on disk yet: its reply waits for it too.
		c.waitFor(l, l.Appended())
	}
}

// propagate is the propagation point: it hands ops to the AOF (and, later,
// to replicas). c, when not nil, is the client whose replies must wait for
// the effects to be written. It runs with the shards of the keys involved
// locked.
func (s *Server) propagate(ops []aof.Op, wrap bool, c *Client) {
	if h := s.propHook; h != nil {
		h(ops, wrap)
	}
	l := s.aof.log.Load()
	if l == nil {
		return
	}
	pos := l.Append(ops, wrap)
	if c != nil {
		c.waitFor(l, pos)
	}
}

// waitFor records that c's pending replies must wait for the log l to reach
// pos.
func (c *Client) waitFor(l *aof.Log, pos int64) {
	if c.prop.waitLog != l || pos > c.prop.waitPos {
		c.prop.waitLog, c.prop.waitPos = l, pos
	}
}

// awaitLog blocks until the effects c's pending replies depend on are
// written (and fsynced under appendfsync always): called before any reply
// leaves the server.
func (c *Client) awaitLog() {
	l := c.prop.waitLog
	if l == nil {
		return
	}
	_ = l.Wait(c.prop.waitPos) // a failed write is Redis's MISCONF state, see aof.go
	c.prop.waitLog, c.prop.waitPos = nil, 0
}

// touchesArbitraryKeys reports Redis's CMD_TOUCHES_ARBITRARY_KEYS (SCAN and
// RANDOMKEY): their expired-key DELs are never wrapped in MULTI/EXEC.
func touchesArbitraryKeys(cmd *Command) bool {
	switch cmd.FullName {
	case "scan", "randomkey":
		return true
	}
	return false
}

func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// delCommand is the command a deletion propagates as: UNLINK when the
// matching lazyfree option is on (lazyfree-lazy-expire for expiries,
// lazyfree-lazy-user-del for user deletions), DEL otherwise.
func (s *Server) delCommand(expiry bool) []byte {
	if (expiry && s.aof.lazyExpire.Load()) || (!expiry && s.aof.lazyUserDel.Load()) {
		return []byte("UNLINK")
	}
	return []byte("DEL")
}
