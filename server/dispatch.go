package server

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/ember-kv/ember/server/internal/stopwatch"
)

// execute runs one request, in Redis's order of checks: lookup, arity,
// authentication, MULTI restrictions, ACL (commands, keys, channels),
// memory, disk errors, RESP2 Pub/Sub mode, loading, MONITOR clients
// (replicas to Redis), client pause, then the command itself.
func (c *Client) execute(args [][]byte) {
	s := c.srv
	// The command's clock serves its idle time, its expiry clock and the
	// start of its duration (see startBatch).
	if c.batchStart == 0 {
		c.startBatch()
	}
	c.now = c.batchStart + int64(c.elapsed)
	c.lastInteraction.Store(c.now)
	c.beginReplies()

	cmd, found := c.lookup(args)
	switch {
	case cmd == nil:
		if isCrossProtocolAttack(args[0]) {
			c.w.Reset() // Redis frees the client at once: replies still pending are lost
			s.log.Warnf("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection from %s aborted.", c.addr)
			c.closeAfter = true
			return
		}
		c.reject(unknownCommand(args))
	case !found:
		c.reject(fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", truncate(cstr(args[1]), 128), bytes.ToUpper(args[0])))
	case (cmd.Arity > 0 && cmd.Arity != len(args)) || len(args) < -cmd.Arity:
		c.cmd = cmd
		c.reject("ERR wrong number of arguments for '" + cmd.FullName + "' command")
		s.cmdStats.rejected(cmd)
	case !c.authenticated && !cmd.Has(FlagNoAuth) && s.authRequired():
		c.reject(ErrNoAuth)
		s.cmdStats.rejected(cmd)
	case c.multi != nil && cmd.Has(FlagNoMulti):
		c.reject(ErrNoMulti)
		s.cmdStats.rejected(cmd)
	case c.aclDenied(cmd, args):
	case s.evictClientsBefore(c):
		// Evicted itself (maxmemory-clients): the command is dropped.
	case s.rejectOOM(c, cmd):
		c.cmd = cmd
		c.refuseOOM(cmd)
	case (cmd.Has(FlagWrite) || cmd.FullName == "ping") && s.diskErrorDenies():
		c.reject(ErrMisconf)
		s.cmdStats.rejected(cmd)
	case (cmd.Has(FlagWrite) || cmd.FullName == "ping") && s.aofWriteDenied() != "":
		c.reject(s.aofWriteDenied())
		s.cmdStats.rejected(cmd)
	case c.w.proto == 2 && c.subscribed() && !subscribedModeAllows(cmd):
		c.rejectCommand(cmd, subscribedModeError(cmd))
		s.cmdStats.rejected(cmd)
	case s.rdb.loading.Load() && !cmd.Has(FlagLoading):
		c.reject(ErrLoading)
		s.cmdStats.rejected(cmd)
	case c.monitoring.Load() && (cmd.Has(FlagWrite) || cmd.Has(FlagReadonly) || cmd.Has(FlagMayReplicate)):
		// MONITOR makes the client a replica to Redis, and replicas may not
		// touch the keyspace.
		c.rejectCommand(cmd, "ERR Replica can't interact with the keyspace")
		s.cmdStats.rejected(cmd)
	default:
		if s.tracking.clients.Load() > 0 {
			s.limitTrackedKeys()
		}
		if !c.waitPause(cmd) {
			return
		}
		c.cmd = cmd
		if c.multi != nil && !runsInsideMulti(cmd) {
			c.queue(cmd, args)
			break
		}
		c.lastCmd.Store(cmd)
		c.call(cmd, args)
	}
	c.commandProcessed(cmd)
	c.settleReplies()
}

// rejectCommand is Redis's rejectCommand: like reject, except that a
// refused EXEC (in a transaction or not) discards the transaction with an
// EXECABORT naming the reason.
func (c *Client) rejectCommand(cmd *Command, msg string) {
	if cmd.FullName != "exec" {
		c.reject(msg)
		return
	}
	c.discardTransaction()
	c.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR "))
}

// lookup resolves a request's command, remembering the last plain command
// the client ran: clients tend to send the same command over and over, and
// comparing its name is cheaper than a table lookup.
func (c *Client) lookup(args [][]byte) (*Command, bool) {
	if c.lastName.cmd != nil && string(args[0]) == string(c.lastName.name) {
		return c.lastName.cmd, true
	}
	cmd, found := c.srv.table.Lookup(args)
	if found && cmd.subs == nil && cmd.parent == nil {
		c.lastName.name = append(c.lastName.name[:0], args[0]...)
		c.lastName.cmd = cmd
	}
	return cmd, found
}

// reject answers a command that fails the dispatcher's checks; inside MULTI
// it also dooms the transaction (EXEC will answer EXECABORT).
func (c *Client) reject(msg string) {
	c.Error(msg)
	if c.multi != nil {
		c.multi.aborted = true
	}
}

// call locks the shards the command needs, runs it and releases them.
func (c *Client) call(cmd *Command, args [][]byte) {
	defer c.recoverPanic(cmd)
	if c.stats.cmd != cmd {
		c.flushStats() // cmd may read the counters (INFO, LATENCY, CONFIG RESETSTAT)
	}
	tx := c.tx
	tx.BeginAt(c.db, c.now/1e6)
	if cmd.Has(FlagReadonly) {
		tx.SetReadOnly()
	}
	switch cmd.Lock {
	case LockKeys:
		c.keys = cmd.keyPositions(args, c.keys[:0])
		for _, p := range c.keys {
			tx.AddKey(args[p])
		}
	case LockAll:
		tx.AddAll()
	}
	tx.Lock()
	errs := c.errCount
	c.enterCommand()
	c.notePreCommand(cmd, args)
	c.prop.direct = cmd.Lock == LockSelf
	cmd.Handler(c, args)
	c.noteWrittenKeys(cmd, args)
	c.commandEffect(args)
	c.flushEffects(touchesArbitraryKeys(cmd))
	c.notePostCommand()
	c.rememberKeys(cmd, args)
	c.leaveCommand()
	c.monitorCommand(cmd, args)
	tx.Unlock()
	end := stopwatch.Since(c.batchTicks)
	dur := end - c.elapsed
	c.elapsed = end
	c.commands.Add(1)
	if tx.Dirty > 0 {
		c.dirty.Add(int64(tx.Dirty))
	}
	c.recordCall(cmd, dur.Microseconds(), c.errCount != errs, c.srv.cfg.LatencyTracking())
	c.afterCall(cmd, args, dur, false)
	if len(c.ready) > 0 {
		c.serveReadyKeys()
	}
}

// recoverPanic turns a panic in a handler into an error reply, so one bad
// request cannot take the server down. It is the last line of defence, not
// the way errors travel.
func (c *Client) recoverPanic(cmd *Command) {
	r := recover()
	if r == nil {
		return
	}
	c.leaveCommand()
	c.tx.Unlock()
	c.srv.log.Warnf("panic running '%s' for client id=%d: %v\n%s", cmd.FullName, c.id, r, debug.Stack())
	c.Error(ErrInternal)
}

// beginReplies marks where the current command's replies start, for
// settleReplies.
func (c *Client) beginReplies() {
	c.replyMark = c.w.Len()
	c.settled = false
	c.keep = c.keep[:0]
}

// settleReplies drops the current command's replies under CLIENT REPLY
// OFF/SKIP, keeping push messages (Pub/Sub, invalidations), which Redis
// sends regardless. It runs once per command: before the replies are
// committed to the output queue, or at the end.
func (c *Client) settleReplies() {
	if c.settled {
		return
	}
	c.settled = true
	mark := min(c.replyMark, len(c.w.b))
	drop := false
	switch c.replyMode {
	case replyOn:
	case replyOff:
		drop = true
	case replySkipThis:
		drop = true
		c.replyMode = replyOn
	case replySkipNext:
		c.replyMode = replySkipThis
	}
	if drop {
		n := mark
		for _, sp := range c.keep {
			if sp[0] >= mark {
				n += copy(c.w.b[n:], c.w.b[sp[0]:sp[1]])
			}
		}
		c.w.b = c.w.b[:n]
	}
	c.keep = c.keep[:0]
}

// unknownCommand formats Redis's reply for a command it does not know.
func unknownCommand(args [][]byte) string {
	b := []byte("ERR unknown command '")
	b = append(b, truncate(cstr(args[0]), 128)...)
	b = append(b, "', with args beginning with: "...)
	start := len(b)
	for _, a := range args[1:] {
		if len(b)-start >= 128 {
			break
		}
		b = append(b, '\'')
		b = append(b, truncate(cstr(a), 128-(len(b)-1-start))...)
		b = append(b, "' "...)
	}
	for i, ch := range b {
		if ch == '\r' || ch == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// cstr cuts b at its first NUL byte, as C's %s formatting does.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// truncate cuts b to at most n bytes (C's %.*s).
func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// isCrossProtocolAttack spots HTTP requests sent to the server (a browser
// tricked into talking to it): Redis closes such connections.
func isCrossProtocolAttack(name []byte) bool {
	return optIs(name, "post") || optIs(name, "host:")
}
