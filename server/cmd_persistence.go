package server

import (
	"github.com/ember-kv/ember/persistence"
	"github.com/ember-kv/ember/store"
	"strconv"
)

// Persistence commands: SAVE, BGSAVE, DUMP, RESTORE (LASTSAVE is with the
// server commands, DEBUG RELOAD with DEBUG).

func persistenceCommands() []*Command {
	return []*Command{
		{Name: "save", Arity: 1, Flags: "admin noscript no_async_loading no_multi", ACL: "@dangerous", Lock: LockAll, Group: "server", Since: "1.0.0",
			Summary: "Synchronously save the dataset to disk", Complexity: "O(N) where N is the total number of keys in all databases", Handler: cmdSave},
		{Name: "bgsave", Arity: -1, Flags: "admin noscript no_async_loading", ACL: "@dangerous", Lock: LockNone, Group: "server", Since: "1.0.0",
			Summary: "Asynchronously save the dataset to disk", Complexity: "O(1)", Handler: cmdBgsave},
		{Name: "dump", Arity: 2, Flags: "readonly", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Return a serialized version of the value stored at the specified key.", Complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", Handler: cmdDump},
		{Name: "restore", Arity: -4, Flags: "write denyoom", ACL: "@keyspace @dangerous", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Create a key using the provided serialized value, previously obtained using DUMP.", Complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", Handler: cmdRestore},
	}
}

// SAVE
func cmdSave(c *Client, args [][]byte) {
	if c.srv.bgsaveRunning() {
		c.Error(ErrBgsaveInProgress)
		return
	}
	c.srv.rdb.saves.Add(1)
	if err := c.srv.saveLocked(c.tx, int64(c.tx.Dirty)); err != nil {
		c.Error("ERR")
		return
	}
	c.w.OK()
}

// BGSAVE [SCHEDULE]
func cmdBgsave(c *Client, args [][]byte) {
	schedule := false
	if len(args) > 1 {
		if len(args) == 2 && optIs(args[1], "schedule") {
			schedule = true
		} else {
			c.Error(ErrSyntax)
			return
		}
	}
	s := c.srv
	switch {
	case s.bgsaveRunning():
		c.Error(ErrBgsaveInProgress)
	case s.otherChildActive() || c.inExec:
		if schedule || c.inExec {
			s.rdb.mu.Lock()
			s.rdb.scheduled = true
			s.rdb.mu.Unlock()
			c.w.Simple("Background saving scheduled")
		} else {
			c.Error(ErrBgsaveChild)
		}
	default:
		s.rdb.saves.Add(1)
		if err := s.startBgsave(); err != nil {
			if err == store.ErrSnapshotRunning {
				c.Error(ErrBgsaveInProgress) // lost a race with another start
			} else {
				c.Error("ERR")
			}
			return
		}
		c.w.Simple("Background saving started")
	}
}

// DUMP key
func cmdDump(c *Client, args [][]byte) {
	v, _, ok := c.tx.Export(args[1])
	if !ok {
		c.w.Null()
		return
	}
	c.w.Bulk(persistence.Dump(&v, c.srv.cfg.GetBool("rdbcompression")))
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
func cmdRestore(c *Client, args [][]byte) {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case optIs(args[j], "replace"):
			replace = true
		case optIs(args[j], "absttl"):
			absTTL = true
		case optIs(args[j], "idletime") && more >= 1 && freq == -1:
			n, ok := store.ParseInt(args[j+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n < 0 {
				c.Error(ErrInvalidIdleTime)
				return
			}
			idle = n
			j++
		case optIs(args[j], "freq") && more >= 1 && idle == -1:
			n, ok := store.ParseInt(args[j+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n < 0 || n > 255 {
				c.Error(ErrInvalidFreq)
				return
			}
			freq = n
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	key := args[1]
	if !replace && c.tx.Exists(key) {
		c.Error(ErrBusyKey)
		return
	}
	ttl, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if ttl < 0 {
		c.Error(ErrInvalidTTL)
		return
	}
	v, err := persistence.Undump(c.srv.store, args[3])
	if err != nil {
		c.Error(err.Error())
		return
	}
	deleted := false
	if replace {
		deleted = c.tx.Delete(key)
	}
	if ttl != 0 && !absTTL {
		ttl += c.tx.Now()
	}
	// Loading an AOF never deletes for a time already past (checkAlreadyExpired).
	if ttl != 0 && ttl <= c.tx.Now() && !c.prop.loader {
		if deleted {
			c.modified(key, evGeneric, "del")
			c.propagateAs([]byte("DEL"), key)
		}
		c.w.OK()
		return
	}
	c.tx.Restore(key, v, ttl, true)
	c.tx.Dirty-- // Restore counted the change; modified counts it again
	if idle >= 0 || freq >= 0 {
		c.tx.SetAccess(key, idle*1000, int(freq), c.srv.lfuPolicy())
	}
	c.modified(key, evGeneric, "restore")
	if ttl != 0 && !absTTL {
		// Propagated with the absolute time: ttl replaced, ABSTTL appended.
		out := make([][]byte, 0, len(args)+1)
		out = append(out, args...)
		out[2] = strconv.AppendInt(nil, ttl, 10)
		c.propagateAs(append(out, []byte("ABSTTL"))...)
	}
	c.w.OK()
}

// lfuPolicy reports whether maxmemory-policy is an LFU one.
func (s *Server) lfuPolicy() bool {
	p := s.cfg.MustGet("maxmemory-policy")
	return len(p) > 3 && (p[len(p)-3:] == "lfu")
}
