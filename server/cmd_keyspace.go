package server

import (
	"bytes"
	"strconv"

	"github.com/ember-kv/ember/store"
	"github.com/ember-kv/ember/store/glob"
)

// Keyspace commands: the ones that work on keys whatever their type
// (Redis's db.c and object.c).

func keyspaceCommands() []*Command {
	return []*Command{
		{Name: "del", Arity: -2, Flags: "write", ACL: "@keyspace", FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Delete a key", Complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", Handler: cmdDel},
		{Name: "unlink", Arity: -2, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "4.0.0",
			Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", Complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", Handler: cmdDel},
		{Name: "exists", Arity: -2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Determine if a key exists", Complexity: "O(N) where N is the number of keys to check.", Handler: cmdExists},
		{Name: "touch", Arity: -2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "3.2.1",
			Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", Complexity: "O(N) where N is the number of keys that will be touched.", Handler: cmdTouch},
		{Name: "type", Arity: 2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Determine the type stored at key", Complexity: "O(1)", Handler: cmdType},
		{Name: "rename", Arity: 3, Flags: "write", ACL: "@keyspace", FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Rename a key", Complexity: "O(1)", Handler: cmdRename},
		{Name: "renamenx", Arity: 3, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Rename a key, only if the new key does not exist", Complexity: "O(1)", Handler: cmdRenameNX},
		{Name: "move", Arity: 3, Flags: "write fast", ACL: "@keyspace", FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Move a key to another database", Complexity: "O(1)", Handler: cmdMove},
		{Name: "copy", Arity: -3, Flags: "write denyoom", ACL: "@keyspace", FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Since: "6.2.0",
			Summary: "Copy a key", Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", Handler: cmdCopy},
		{Name: "keys", Arity: 2, Flags: "readonly", ACL: "@keyspace @dangerous", Lock: LockAll, Group: "generic", Since: "1.0.0",
			Summary: "Find all keys matching the given pattern", Complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", Handler: cmdKeys},
		{Name: "scan", Arity: -2, Flags: "readonly", ACL: "@keyspace", Lock: LockSelf, Group: "generic", Since: "2.8.0",
			Summary: "Incrementally iterate the keys space", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", Handler: cmdScan},
		{Name: "randomkey", Arity: 1, Flags: "readonly", ACL: "@keyspace", Lock: LockAll, Group: "generic", Since: "1.0.0",
			Summary: "Return a random key from the keyspace", Complexity: "O(1)", Handler: cmdRandomKey},
		{Name: "dbsize", Arity: 1, Flags: "readonly fast", ACL: "@keyspace", Lock: LockAll, Group: "server", Since: "1.0.0",
			Summary: "Return the number of keys in the selected database", Complexity: "O(1)", Handler: cmdDBSize},
		{Name: "flushdb", Arity: -1, Flags: "write", ACL: "@keyspace @dangerous", Lock: LockAll, Group: "server", Since: "1.0.0",
			Summary: "Remove all keys from the current database", Complexity: "O(N) where N is the number of keys in the selected database", Handler: cmdFlushDB},
		{Name: "flushall", Arity: -1, Flags: "write", ACL: "@keyspace @dangerous", Lock: LockAll, Group: "server", Since: "1.0.0",
			Summary: "Remove all keys from all databases", Complexity: "O(N) where N is the total number of keys in all databases", Handler: cmdFlushAll},
		{Name: "swapdb", Arity: 3, Flags: "write fast", ACL: "@keyspace @dangerous", Lock: LockAll, Group: "server", Since: "4.0.0",
			Summary: "Swaps two Redis databases", Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.", Handler: cmdSwapDB},
		{Name: "object", Arity: -2, Group: "generic", Since: "2.2.3",
			Summary: "A container for object introspection commands", Complexity: "Depends on subcommand.", Sub: []*Command{
				{Name: "help", Arity: 2, Flags: "loading stale", ACL: "@keyspace", Lock: LockNone, Group: "generic", Since: "6.2.0",
					Summary: "Show helpful text about the different subcommands", Complexity: "O(1)", Handler: cmdObjectHelp},
				{Name: "freq", Arity: 3, Flags: "readonly", ACL: "@keyspace", FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "4.0.0",
					Summary: "Get the logarithmic access frequency counter of a Redis object", Complexity: "O(1)", Handler: cmdObjectFreq},
				{Name: "idletime", Arity: 3, Flags: "readonly", ACL: "@keyspace", FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3",
					Summary: "Get the time since a Redis object was last accessed", Complexity: "O(1)", Handler: cmdObjectIdleTime},
				{Name: "encoding", Arity: 3, Flags: "readonly", ACL: "@keyspace", FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3",
					Summary: "Inspect the internal encoding of a Redis object", Complexity: "O(1)", Handler: cmdObjectEncoding},
				{Name: "refcount", Arity: 3, Flags: "readonly", ACL: "@keyspace", FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3",
					Summary: "Get the number of references to the value of the key", Complexity: "O(1)", Handler: cmdObjectRefCount},
			}},
	}
}

// DEL key [key ...] (and UNLINK: values are freed by the collector either way)
func cmdDel(c *Client, args [][]byte) {
	n := 0
	for _, k := range args[1:] {
		if c.tx.Delete(k) {
			c.modified(k, evGeneric, "del")
			n++
		}
	}
	c.w.Int(int64(n))
}

// EXISTS key [key ...]
func cmdExists(c *Client, args [][]byte) {
	c.tx.NoTouch()
	n := 0
	for _, k := range args[1:] {
		if c.tx.Exists(k) {
			n++
		}
	}
	c.w.Int(int64(n))
}

// TOUCH key [key ...]
func cmdTouch(c *Client, args [][]byte) {
	n := 0
	for _, k := range args[1:] {
		if c.tx.Exists(k) { // a lookup that updates the access time
			n++
		}
	}
	c.w.Int(int64(n))
}

// TYPE key
func cmdType(c *Client, args [][]byte) {
	c.tx.NoTouch()
	c.w.Simple(c.tx.Type(args[1]).String())
}

// RENAME key newkey
func cmdRename(c *Client, args [][]byte) { rename(c, args, false) }

// RENAMENX key newkey
func cmdRenameNX(c *Client, args [][]byte) { rename(c, args, true) }

func rename(c *Client, args [][]byte, nx bool) {
	src, dst := args[1], args[2]
	done, err := c.tx.Rename(src, dst, nx)
	switch {
	case err != nil:
		c.errStore(err)
		return
	case done && !bytes.Equal(src, dst):
		c.modified(src, evGeneric, "rename_from")
		c.modified(dst, evGeneric, "rename_to")
		c.tx.Dirty-- // Redis counts a rename as one change
	}
	if !nx {
		c.w.OK()
	} else if done {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

// dbIndexArg parses a database number as Redis's getIntFromObjectOrReply.
// errMsg replaces both of its errors when not empty (SWAPDB).
func dbIndexArg(c *Client, arg []byte, errMsg string) (int, bool) {
	n, ok := store.ParseInt(arg)
	switch {
	case !ok && errMsg == "":
		c.Error(ErrNotInteger)
	case ok && (n < -1<<31 || n > 1<<31-1) && errMsg == "":
		c.Error(ErrInt32Range)
	case !ok || n < -1<<31 || n > 1<<31-1:
		c.Error(errMsg)
	default:
		return int(n), true
	}
	return 0, false
}

// validDB reports whether db is a database index; otherwise it replies with
// Redis's error.
func validDB(c *Client, db int) bool {
	if db < 0 || db >= c.tx.Store().Databases() {
		c.Error(ErrDBIndex)
		return false
	}
	return true
}

// MOVE key db
func cmdMove(c *Client, args [][]byte) {
	dst, ok := dbIndexArg(c, args[2], "")
	if !ok || !validDB(c, dst) {
		return
	}
	if dst == c.db {
		c.Error(ErrSameObject)
		return
	}
	if !c.tx.Move(args[1], dst) {
		c.w.Int(0)
		return
	}
	c.modified(args[1], evGeneric, "move_from")
	c.modifiedDB(dst, args[1], evGeneric, "move_to")
	c.tx.Dirty-- // one change for Redis
	c.w.Int(1)
}

// COPY source destination [DB destination-db] [REPLACE]
func cmdCopy(c *Client, args [][]byte) {
	dstDB, replace := c.db, false
	for i := 3; i < len(args); i++ {
		switch {
		case optIs(args[i], "replace"):
			replace = true
		case optIs(args[i], "db") && i+1 < len(args):
			db, ok := dbIndexArg(c, args[i+1], "")
			if !ok || !validDB(c, db) {
				return
			}
			dstDB = db
			i++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	src, dst := args[1], args[2]
	if dstDB == c.db && bytes.Equal(src, dst) {
		c.Error(ErrSameObject)
		return
	}
	if !c.tx.Copy(src, dstDB, dst, replace) {
		c.w.Int(0)
		return
	}
	c.modifiedDB(dstDB, dst, evGeneric, "copy_to")
	c.w.Int(1)
}

// keyList collects keys (copied out of the store) for replies whose length
// must be known before the first key is written.
type keyList struct {
	buf  []byte
	ends []int
}

func (l *keyList) add(k []byte) {
	l.buf = append(l.buf, k...)
	l.ends = append(l.ends, len(l.buf))
}

func (l *keyList) write(w *Reply) {
	w.Array(len(l.ends))
	start := 0
	for _, end := range l.ends {
		w.Bulk(l.buf[start:end])
		start = end
	}
}

// KEYS pattern
func cmdKeys(c *Client, args [][]byte) {
	pattern := args[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	var keys keyList
	c.tx.ForEachKey(func(key []byte, _ store.Type) bool {
		if all || glob.Match(pattern, key) {
			keys.add(key)
		}
		return true
	})
	keys.write(&c.w)
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
func cmdScan(c *Client, args [][]byte) {
	cursor, ok := parseCursor(args[1])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	count := int64(10)
	var pattern, typeName []byte
	for i := 2; i < len(args); i += 2 {
		more := i+1 < len(args)
		switch {
		case more && optIs(args[i], "count"):
			n, ok := store.ParseInt(args[i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n < 1 {
				c.Error(ErrSyntax)
				return
			}
			count = n
		case more && optIs(args[i], "match"):
			pattern = args[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil // matches everything
			}
		case more && optIs(args[i], "type"):
			typeName = cstr(args[i+1])
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	var match func([]byte) bool
	if pattern != nil {
		match = func(k []byte) bool { return glob.Match(pattern, k) }
	}
	// Redis compares TYPE with the name of the key's type after a lookup
	// that deletes an expired key: so "none" selects exactly the expired
	// keys, and a name no value has selects nothing.
	wantType, known := store.ParseType(typeName)
	wantExpired := typeName != nil && optIs(typeName, "none")
	var keys keyList
	next := c.tx.Scan(cursor, int(min(count, 1<<31)), match, func(key []byte, typ store.Type, expired bool) {
		switch {
		case typeName == nil:
			if !expired {
				keys.add(key)
			}
		case expired:
			if wantExpired {
				keys.add(key)
			}
		case known && typ == wantType:
			keys.add(key)
		}
	})
	c.w.Array(2)
	var buf [20]byte
	c.w.Bulk(strconv.AppendUint(buf[:0], next, 10))
	keys.write(&c.w)
}

// parseCursor reads a SCAN cursor as Redis does with strtoul: leading
// whitespace is refused, a sign is allowed (a negative value wraps), the
// number ends at the end of the argument or at a NUL byte, and an argument
// with no digits at all reads as 0 only when it is empty.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && (b[0] == ' ' || (b[0] >= '\t' && b[0] <= '\r')) { // isspace
		return 0, false
	}
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	digits := b
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		digits = b[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var v uint64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// RANDOMKEY
func cmdRandomKey(c *Client, args [][]byte) {
	if k := c.tx.RandomKey(); k != nil {
		c.w.Bulk(k)
	} else {
		c.w.Null()
	}
}

// DBSIZE
func cmdDBSize(c *Client, args [][]byte) { c.w.Int(int64(c.tx.DBSize(c.db))) }

// flushArgs checks FLUSHDB's and FLUSHALL's optional ASYNC | SYNC. Both
// flush synchronously: the collector reclaims the memory in the background.
func flushArgs(c *Client, args [][]byte) bool {
	if len(args) == 1 || (len(args) == 2 &&
		(optIs(args[1], "sync") || optIs(args[1], "async"))) {
		return true
	}
	c.Error(ErrSyntax)
	return false
}

// FLUSHDB [ASYNC | SYNC]
func cmdFlushDB(c *Client, args [][]byte) {
	if !flushArgs(c, args) {
		return
	}
	c.srv.touchAllWatchedKeysInDB(c.db, -1, c.tx.KeyStateIn)
	c.flushed(c.db)
	c.tx.FlushDB(c.db)
	c.forcePropagation() // logged even when the database was empty, as Redis
	c.w.OK()
}

// FLUSHALL [ASYNC | SYNC]
func cmdFlushAll(c *Client, args [][]byte) {
	if !flushArgs(c, args) {
		return
	}
	for db := range c.tx.Store().Databases() {
		c.srv.touchAllWatchedKeysInDB(db, -1, c.tx.KeyStateIn)
	}
	c.flushed(-1)
	c.tx.FlushAll()
	c.srv.afterFlushAll(c.tx, c.tx.Dirty)
	c.forcePropagation()
	c.w.OK()
}

// SWAPDB index1 index2
func cmdSwapDB(c *Client, args [][]byte) {
	a, ok := dbIndexArg(c, args[1], ErrSwapFirstDB)
	if !ok {
		return
	}
	b, ok := dbIndexArg(c, args[2], ErrSwapSecondDB)
	if !ok || !validDB(c, a) || !validDB(c, b) {
		return
	}
	if a != b {
		// Watchers of either database see their keys change (Redis's
		// touchAllWatchedKeysInDb, before the swap).
		c.srv.touchAllWatchedKeysInDB(a, b, c.tx.KeyStateIn)
		c.srv.touchAllWatchedKeysInDB(b, a, c.tx.KeyStateIn)
		c.flushed(-1) // caches cannot tell the databases apart
		c.tx.SwapDB(a, b)
	}
	c.tx.Dirty++
	c.w.OK()
}

// objectLookup finds key's value for OBJECT without touching it, replying
// with a null when it is missing.
func objectLookup(c *Client, key []byte) (store.ObjectInfo, bool) {
	c.tx.NoTouch()
	info, ok := c.tx.Object(key)
	if !ok {
		c.w.Null()
	}
	return info, ok
}

// OBJECT ENCODING key
func cmdObjectEncoding(c *Client, args [][]byte) {
	if info, ok := objectLookup(c, args[2]); ok {
		c.w.BulkString(info.Encoding.String())
	}
}

// sharedRefCount is what OBJECT REFCOUNT reports for Redis's shared objects
// (OBJ_SHARED_REFCOUNT, INT_MAX).
const sharedRefCount = 1<<31 - 1

// evictionPolicyFlags tells whether the eviction policy is LRU or LFU based
// (Redis's MAXMEMORY_FLAG_LRU / MAXMEMORY_FLAG_LFU).
func (s *Server) evictionPolicyFlags() (lru, lfu bool) {
	switch s.cfg.MustGet("maxmemory-policy") {
	case "volatile-lru", "allkeys-lru":
		return true, false
	case "volatile-lfu", "allkeys-lfu":
		return false, true
	}
	return false, false
}

// OBJECT REFCOUNT key
func cmdObjectRefCount(c *Client, args [][]byte) {
	info, ok := objectLookup(c, args[2])
	if !ok {
		return
	}
	// Redis keeps integers 0..9999 as shared objects unless a maxmemory
	// limit with an LRU or LFU policy needs an access time per key.
	lru, lfu := c.srv.evictionPolicyFlags()
	if info.SharedInt && (c.srv.cfg.GetInt("maxmemory") == 0 || !(lru || lfu)) {
		c.w.Int(sharedRefCount)
		return
	}
	c.w.Int(1)
}

// OBJECT IDLETIME key
func cmdObjectIdleTime(c *Client, args [][]byte) {
	info, ok := objectLookup(c, args[2])
	if !ok {
		return
	}
	if _, lfu := c.srv.evictionPolicyFlags(); lfu {
		c.Error(ErrIdleTimeLFU)
		return
	}
	c.w.Int(info.IdleMs / 1000)
}

// OBJECT FREQ key
func cmdObjectFreq(c *Client, args [][]byte) {
	info, ok := objectLookup(c, args[2])
	if !ok {
		return
	}
	if _, lfu := c.srv.evictionPolicyFlags(); !lfu {
		c.Error(ErrFreqNotLFU)
		return
	}
	// The LFU counter, decayed as LFUDecrAndReturn does (store/evict.go).
	c.w.Int(int64(info.Freq))
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

// OBJECT HELP
func cmdObjectHelp(c *Client, args [][]byte) {
	c.w.Array(len(objectHelp) + 3)
	c.w.Simple(string(bytes.ToUpper(args[0])) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, line := range objectHelp {
		c.w.Simple(line)
	}
	c.w.Simple("HELP")
	c.w.Simple("    Prints this help.")
}
