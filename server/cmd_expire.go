package server

import (
	"bytes"
	"strconv"

	"github.com/ember-kv/ember/persistence/aof"

	"github.com/ember-kv/ember/store"
)

// Expiry commands (Redis's expire.c) and the server's side of expiry: the
// store reports every key it expires, lazily or actively, to KeyExpired.

func expireCommands() []*Command {
	return []*Command{
		{Name: "expire", Arity: -3, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Set a key's time to live in seconds", Complexity: "O(1)", Handler: cmdExpire},
		{Name: "pexpire", Arity: -3, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Set a key's time to live in milliseconds", Complexity: "O(1)", Handler: cmdPExpire},
		{Name: "expireat", Arity: -3, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.2.0",
			Summary: "Set the expiration for a key as a UNIX timestamp", Complexity: "O(1)", Handler: cmdExpireAt},
		{Name: "pexpireat", Arity: -3, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", Complexity: "O(1)", Handler: cmdPExpireAt},
		{Name: "ttl", Arity: 2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Get the time to live for a key in seconds", Complexity: "O(1)", Handler: cmdTTL},
		{Name: "pttl", Arity: 2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Get the time to live for a key in milliseconds", Complexity: "O(1)", Handler: cmdPTTL},
		{Name: "expiretime", Arity: 2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "7.0.0",
			Summary: "Get the expiration Unix timestamp for a key", Complexity: "O(1)", Handler: cmdExpireTime},
		{Name: "pexpiretime", Arity: 2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "7.0.0",
			Summary: "Get the expiration Unix timestamp for a key in milliseconds", Complexity: "O(1)", Handler: cmdPExpireTime},
		{Name: "persist", Arity: 2, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.2.0",
			Summary: "Remove the expiration from a key", Complexity: "O(1)", Handler: cmdPersist},
	}
}

// KeyExpired implements store.Observer: the store deleted an expired key,
// on access or in the active expiry cycle.
func (s *Server) KeyExpired(db int, key []byte) {
	s.expiredKeyEvents(db, key)
	// Active expiry (or a Tx without a client): the DEL is logged at once,
	// with the key's shard still locked.
	s.propagate([]aof.Op{{DB: db, Args: [][]byte{s.delCommand(true), append([]byte(nil), key...)}}}, false, nil)
}

// expiredKeyEvents is what follows the expiry of a key besides its
// propagation: statistics, WATCH, the keyspace event.
func (s *Server) expiredKeyEvents(db int, key []byte) {
	s.stats.expiredKeys.Add(1)
	// The key is being deleted: as Redis's signalModifiedKey after the
	// deletion, watchers see a key that no longer exists.
	s.touchWatchedKey(db, key, func() bool { return false })
	s.notifyKeyspaceEvent(evExpired, "expired", key, db)
}

// EXPIRE key seconds [NX | XX | GT | LT]
func cmdExpire(c *Client, args [][]byte) { expireGeneric(c, args, c.tx.Now(), true) }

// PEXPIRE key milliseconds [NX | XX | GT | LT]
func cmdPExpire(c *Client, args [][]byte) { expireGeneric(c, args, c.tx.Now(), false) }

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
func cmdExpireAt(c *Client, args [][]byte) { expireGeneric(c, args, 0, true) }

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
func cmdPExpireAt(c *Client, args [][]byte) { expireGeneric(c, args, 0, false) }

// expireGeneric implements the EXPIRE family, in Redis's order of checks:
// options, the time argument and its overflow, then the key.
func expireGeneric(c *Client, args [][]byte, base int64, seconds bool) {
	flags, ok := expireFlags(c, args[3:])
	if !ok {
		return
	}
	when, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	const maxInt, minInt = 1<<63 - 1, -1 << 63
	if seconds {
		if when > maxInt/1000 || when < minInt/1000 {
			c.Error(expireTimeError(c))
			return
		}
		when *= 1000
	}
	if when > maxInt-base {
		c.Error(expireTimeError(c))
		return
	}
	when += base
	key := args[1]
	switch c.tx.Expire(key, when, flags) {
	case store.ExpireNoKey, store.ExpireSkipped:
		c.w.Int(0)
	case store.ExpireDeleted:
		c.modified(key, evGeneric, "del")
		c.propagateAs(c.srv.delCommand(true), key)
		c.w.Int(1)
	case store.ExpireSet:
		c.modified(key, evGeneric, "expire")
		// Propagated as PEXPIREAT with the absolute time, options kept.
		if base != 0 || seconds {
			out := make([][]byte, len(args))
			copy(out, args)
			out[0] = []byte("PEXPIREAT")
			out[2] = strconv.AppendInt(nil, when, 10)
			c.propagateAs(out...)
		}
		c.w.Int(1)
	}
}

func expireTimeError(c *Client) string {
	return "ERR invalid expire time in '" + c.cmd.FullName + "' command"
}

// expireFlags parses NX | XX | GT | LT with Redis's errors.
func expireFlags(c *Client, opts [][]byte) (store.ExpireFlags, bool) {
	var f store.ExpireFlags
	for _, o := range opts {
		o = cstr(o) // Redis compares C strings
		switch {
		case bytes.EqualFold(o, []byte("nx")):
			f |= store.ExpireNX
		case bytes.EqualFold(o, []byte("xx")):
			f |= store.ExpireXX
		case bytes.EqualFold(o, []byte("gt")):
			f |= store.ExpireGT
		case bytes.EqualFold(o, []byte("lt")):
			f |= store.ExpireLT
		default:
			c.Error("ERR Unsupported option " + string(bytes.TrimRight(o, "\r\n")))
			return 0, false
		}
	}
	if f&store.ExpireNX != 0 && f&(store.ExpireXX|store.ExpireGT|store.ExpireLT) != 0 {
		c.Error(ErrExpireNXOther)
		return 0, false
	}
	if f&store.ExpireGT != 0 && f&store.ExpireLT != 0 {
		c.Error(ErrExpireGTLT)
		return 0, false
	}
	return f, true
}

// TTL key
func cmdTTL(c *Client, args [][]byte) { ttlGeneric(c, args[1], false, false) }

// PTTL key
func cmdPTTL(c *Client, args [][]byte) { ttlGeneric(c, args[1], true, false) }

// EXPIRETIME key
func cmdExpireTime(c *Client, args [][]byte) { ttlGeneric(c, args[1], false, true) }

// PEXPIRETIME key
func cmdPExpireTime(c *Client, args [][]byte) { ttlGeneric(c, args[1], true, true) }

// ttlGeneric replies -2 for a missing key, -1 for one without expiry, else
// the remaining time (or the absolute time), seconds rounded to nearest.
func ttlGeneric(c *Client, key []byte, ms, abs bool) {
	c.tx.NoTouch()
	at, ok := c.tx.Expiry(key)
	switch {
	case !ok:
		c.w.Int(-2)
		return
	case at == 0:
		c.w.Int(-1)
		return
	}
	ttl := at
	if !abs {
		ttl = max(at-c.tx.Now(), 0)
	}
	if !ms {
		ttl = int64((uint64(ttl) + 500) / 1000) // ttl >= 0; no overflow near MaxInt64
	}
	c.w.Int(ttl)
}

// PERSIST key
func cmdPersist(c *Client, args [][]byte) {
	if !c.tx.Persist(args[1]) {
		c.w.Int(0)
		return
	}
	c.modified(args[1], evGeneric, "persist")
	c.w.Int(1)
}
