package server

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"time"
)

// execute runs one request, in Redis's order of checks: lookup, arity,
// authentication, then the command itself.
func (c *Client) execute(args [][]byte) {
	s := c.srv
	// One clock read per command serves the idle time, the command's
	// expiry clock and its duration.
	c.now = time.Now()
	c.lastInteraction.Store(c.now.UnixNano())
	mark := c.w.Len()

	cmd, found := s.table.Lookup(args)
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
	case s.rejectOOM(c, cmd):
		c.cmd = cmd
		c.refuseOOM(cmd)
	case (cmd.Has(FlagWrite) || cmd.FullName == "ping") && s.diskErrorDenies():
		c.reject(ErrMisconf)
		s.cmdStats.rejected(cmd)
	case (cmd.Has(FlagWrite) || cmd.FullName == "ping") && s.aofWriteDenied() != "":
		c.reject(s.aofWriteDenied())
		s.cmdStats.rejected(cmd)
	case s.rdb.loading.Load() && !cmd.Has(FlagLoading):
		c.reject(ErrLoading)
		s.cmdStats.rejected(cmd)
	case c.multi != nil && !runsInsideMulti(cmd):
		c.cmd = cmd
		c.queue(cmd, args)
	default:
		c.cmd = cmd
		c.lastCmd.Store(cmd)
		c.call(cmd, args)
	}
	c.applyReplyMode(mark)
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
	tx := c.tx
	tx.BeginAt(c.db, c.now.UnixMilli())
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
	c.prop.direct = cmd.Lock == LockSelf
	cmd.Handler(c, args)
	c.noteWrittenKeys(cmd, args)
	c.commandEffect(args)
	c.flushEffects(touchesArbitraryKeys(cmd))
	tx.Unlock()
	c.commands.Add(1)
	if tx.Dirty > 0 {
		c.dirty.Add(int64(tx.Dirty))
	}
	c.srv.cmdStats.called(cmd, time.Since(c.now).Microseconds(), c.errCount != errs, c.srv.cfg.LatencyTracking())
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
	c.tx.Unlock()
	c.srv.log.Warnf("panic running '%s' for client id=%d: %v\n%s", cmd.FullName, c.id, r, debug.Stack())
	c.Error(ErrInternal)
}

// applyReplyMode drops the replies of this command under CLIENT REPLY OFF/SKIP.
func (c *Client) applyReplyMode(mark int) {
	switch c.replyMode {
	case replyOn:
	case replyOff:
		c.w.b = c.w.b[:mark]
	case replySkipThis:
		c.w.b = c.w.b[:mark]
		c.replyMode = replyOn
	case replySkipNext:
		c.replyMode = replySkipThis
	}
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
	return bytes.EqualFold(name, []byte("post")) || bytes.EqualFold(name, []byte("host:"))
}
