package server

import (
	"sync/atomic"
)

// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (multi.c).
//
// Commands after MULTI are checked (lookup, arity, authentication) and
// queued with copies of their arguments. EXEC locks, in one go and in the
// store's fixed order, every shard that any queued command or watched key
// needs (every shard when one of them cannot name its keys), checks the
// watched keys, then runs the commands back to back under those locks: the
// transaction is atomic with respect to every other client, across shards.
//
// WATCH registers the client under each key in a per-shard registry that is
// only touched with that shard's store lock held, so a change to a watched
// key (recorded through Client.modified, expiry and flushes) and the check in
// EXEC are ordered by the same lock.

// multiState is a transaction being queued.
type multiState struct {
	cmds    []queuedCmd
	aborted bool // a command was rejected while queueing: EXEC answers EXECABORT

	argvBytes int // what the queued arguments cost (client memory)
}

type queuedCmd struct {
	cmd  *Command
	args [][]byte
}

// watchKey names a watched key.
type watchKey struct {
	db  int
	key string
}

// watchEntry is one client watching one key.
type watchEntry struct {
	c   *Client
	key watchKey
	// expired: the key existed but had logically expired when WATCH ran;
	// its deletion is then not a change (Redis's watchedKey.expired).
	expired bool
}

// watchRegistry maps watched keys to their watchers, one map per store
// shard, each guarded by that shard's lock.
type watchRegistry struct {
	count  atomic.Int64 // watched (client, key) pairs: the fast path when zero
	shards []map[watchKey][]*watchEntry
}

func newWatchRegistry(shards int) watchRegistry {
	return watchRegistry{shards: make([]map[watchKey][]*watchEntry, shards)}
}

func transactionCommands() []*Command {
	return []*Command{
		{Name: "multi", Arity: 1, Flags: "noscript loading stale fast allow_busy", ACL: "@transaction", Lock: LockNone, Group: "transactions", Since: "1.2.0",
			Summary: "Mark the start of a transaction block", Complexity: "O(1)", Handler: cmdMulti},
		{Name: "exec", Arity: 1, Flags: "noscript loading stale skip_slowlog", ACL: "@transaction", Lock: LockNone, Group: "transactions", Since: "1.2.0",
			Summary: "Execute all commands issued after MULTI", Complexity: "Depends on commands in the transaction", Handler: cmdExec},
		{Name: "discard", Arity: 1, Flags: "noscript loading stale fast allow_busy", ACL: "@transaction", Lock: LockNone, Group: "transactions", Since: "2.0.0",
			Summary: "Discard all commands issued after MULTI", Complexity: "O(N), when N is the number of queued commands", Handler: cmdDiscard},
		{Name: "watch", Arity: -2, Flags: "noscript loading stale fast allow_busy", ACL: "@transaction", FirstKey: 1, LastKey: -1, Step: 1, Group: "transactions", Since: "2.2.0",
			Summary: "Watch the given keys to determine execution of the MULTI/EXEC block", Complexity: "O(1) for every key.", Handler: cmdWatch},
		{Name: "unwatch", Arity: 1, Flags: "noscript loading stale fast allow_busy", ACL: "@transaction", Lock: LockNone, Group: "transactions", Since: "2.2.0",
			Summary: "Forget about all watched keys", Complexity: "O(1)", Handler: cmdUnwatch},
	}
}

// runsInsideMulti reports whether cmd executes immediately even inside
// MULTI instead of being queued (Redis's list in processCommand).
func runsInsideMulti(cmd *Command) bool {
	switch cmd.FullName {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// queue adds a command to the open transaction, copying its arguments (they
// alias the read buffer).
func (c *Client) queue(cmd *Command, args [][]byte) {
	if c.multi.aborted || c.watchDirty.Load() {
		// Redis stops queueing once the transaction cannot run.
		c.w.Simple("QUEUED")
		return
	}
	size := 0
	for _, a := range args {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	cp := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		cp[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	c.multi.cmds = append(c.multi.cmds, queuedCmd{cmd: cmd, args: cp})
	c.multi.argvBytes += size + len(args)*argvEntryMem
	c.w.Simple("QUEUED")
}

// MULTI
func cmdMulti(c *Client, args [][]byte) {
	if c.multi != nil {
		c.Error("ERR MULTI calls can not be nested")
		return
	}
	c.multi = &multiState{}
	c.w.OK()
}

// DISCARD
func cmdDiscard(c *Client, args [][]byte) {
	if c.multi == nil {
		c.Error("ERR DISCARD without MULTI")
		return
	}
	c.discardTransaction()
	c.w.OK()
}

// discardTransaction drops the queued commands and every watched key.
func (c *Client) discardTransaction() {
	c.multi = nil
	c.unwatchAll()
}

// WATCH key [key ...]
func cmdWatch(c *Client, args [][]byte) {
	if c.multi != nil {
		c.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	if c.watchDirty.Load() {
		c.w.OK() // no point watching more: EXEC will fail anyway
		return
	}
	s := c.srv
	for _, k := range args[1:] {
		wk := watchKey{db: c.db, key: string(k)}
		if c.isWatching(wk) {
			continue
		}
		shard := s.store.ShardOf(k)
		m := s.watch.shards[shard]
		if m == nil {
			m = map[watchKey][]*watchEntry{}
			s.watch.shards[shard] = m
		}
		exists, expired := c.tx.KeyState(k)
		e := &watchEntry{c: c, key: wk, expired: exists && expired}
		m[wk] = append(m[wk], e)
		c.watched = append(c.watched, e)
		s.watch.count.Add(1)
	}
	c.w.OK()
}

func (c *Client) isWatching(wk watchKey) bool {
	for _, e := range c.watched {
		if e.key == wk {
			return true
		}
	}
	return false
}

// UNWATCH
func cmdUnwatch(c *Client, args [][]byte) {
	c.unwatchAll()
	c.w.OK()
}

// unwatchAll forgets every key c watches. When c.tx holds no locks it takes
// the shards it needs itself; otherwise (inside EXEC) they are already held.
func (c *Client) unwatchAll() {
	c.watchDirty.Store(false)
	if len(c.watched) == 0 {
		return
	}
	s := c.srv
	tx := c.tx
	self := !tx.Locked()
	if self {
		for _, e := range c.watched {
			tx.AddKey([]byte(e.key.key))
		}
		tx.Lock()
	}
	for _, e := range c.watched {
		shard := s.store.ShardOf([]byte(e.key.key))
		m := s.watch.shards[shard]
		list := m[e.key]
		for i, x := range list {
			if x == e {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(m, e.key)
		} else {
			m[e.key] = list
		}
		s.watch.count.Add(-1)
	}
	if self {
		tx.Unlock()
	}
	c.watched = c.watched[:0]
}

// touchWatchedKey marks every client watching key in db as dirty (Redis's
// signalModifiedKey -> touchWatchedKey). The key's shard must be locked;
// exists tells whether the key is still present after the change.
func (s *Server) touchWatchedKey(db int, key []byte, exists func() bool) {
	if s.watch.count.Load() == 0 {
		return
	}
	m := s.watch.shards[s.store.ShardOf(key)]
	list := m[watchKey{db: db, key: string(key)}]
	for _, e := range list {
		if e.expired {
			if !exists() {
				// The expired key is now really gone: logically no change.
				e.expired = false
				continue
			}
			break // as Redis: stop at an expired-but-present key
		}
		e.c.watchDirty.Store(true)
	}
}

// touchAllWatchedKeysInDB marks watchers of keys that exist in db, or in
// replacedWith (SWAPDB), as Redis's touchAllWatchedKeysInDb. Every shard
// must be locked; existsIn reports whether a key exists (and is expired) in
// a database.
func (s *Server) touchAllWatchedKeysInDB(db, replacedWith int, existsIn func(db int, key []byte) (exists, expired bool)) {
	if s.watch.count.Load() == 0 {
		return
	}
	for _, m := range s.watch.shards {
		for wk, list := range m {
			if wk.db != db {
				continue
			}
			key := []byte(wk.key)
			inEmptied, _ := existsIn(db, key)
			inReplacement, replacementExpired := false, false
			if replacedWith >= 0 {
				inReplacement, replacementExpired = existsIn(replacedWith, key)
			}
			if !inEmptied && !inReplacement {
				continue
			}
			for _, e := range list {
				if e.expired {
					if !inReplacement {
						e.expired = false
						continue
					} else if replacementExpired {
						continue
					}
				} else if !inEmptied && replacementExpired {
					e.expired = true
					continue
				}
				e.c.watchDirty.Store(true)
			}
		}
	}
}

// EXEC
func cmdExec(c *Client, args [][]byte) {
	if c.multi == nil {
		c.Error("ERR EXEC without MULTI")
		return
	}
	ms := c.multi
	if ms.aborted {
		c.discardTransaction()
		c.Error(ErrExecAbort)
		return
	}
	tx := c.tx
	// Lock everything the transaction and its watched keys touch, at once.
	for _, q := range ms.cmds {
		switch q.cmd.Lock {
		case LockAll, LockSelf:
			tx.AddAll()
		case LockKeys:
			c.keys = q.cmd.keyPositions(q.args, c.keys[:0])
			for _, p := range c.keys {
				tx.AddKey(q.args[p])
			}
		}
	}
	for _, e := range c.watched {
		tx.AddKey([]byte(e.key.key))
	}
	tx.Lock()
	defer tx.Unlock()

	if c.watchedKeyExpired() {
		c.watchDirty.Store(true)
	}
	if c.watchDirty.Load() {
		c.multi = nil
		c.unwatchAll()
		c.w.NullArray()
		return
	}
	c.unwatchAll()
	c.multi = nil
	c.inExec = true
	c.prop.inExec = true
	c.w.Array(len(ms.cmds))
	for _, q := range ms.cmds {
		c.runQueued(q)
	}
	c.inExec = false
	c.prop.inExec = false
	// The transaction's effects, as one MULTI/EXEC block when more than one;
	// EXEC itself is never propagated.
	c.flushEffects(false)
	c.preventPropagation()
	c.cmd = c.srv.table.Get("exec")
}

// runQueued runs one queued command under the locks EXEC holds.
func (c *Client) runQueued(q queuedCmd) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Warnf("panic running '%s' inside EXEC for client id=%d: %v", q.cmd.FullName, c.id, r)
			c.Error(ErrInternal)
		}
	}()
	c.cmd = q.cmd
	if msg := c.aclExecDenied(q.cmd, q.args); msg != "" {
		c.Error(msg)
		return
	}
	c.tx.Begin(c.db)
	c.runHandler(q.cmd, q.args)
	c.noteWrittenKeys(q.cmd, q.args)
	c.commandEffect(q.args)
	c.commands.Add(1)
	if c.tx.Dirty > 0 {
		c.dirty.Add(int64(c.tx.Dirty))
	}
}

// watchedKeyExpired reports whether a watched key that was live at WATCH
// time has logically expired since (Redis's isWatchedKeyExpired). The
// watched keys' shards must be locked.
func (c *Client) watchedKeyExpired() bool {
	for _, e := range c.watched {
		if e.expired {
			continue
		}
		c.tx.SetDB(e.key.db)
		exists, expired := c.tx.KeyState([]byte(e.key.key))
		c.tx.SetDB(c.db)
		if exists && expired {
			return true
		}
	}
	return false
}
