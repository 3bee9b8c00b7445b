package server

import (
	"errors"
	"math"
	"strconv"

	"github.com/ember-kv/ember/store"
	"github.com/ember-kv/ember/store/glob"
)

// Hash commands (t_hash.c).

func hashCommands() []*Command {
	return []*Command{
		{Name: "hset", Arity: -4, Flags: "write denyoom fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Set the string value of a hash field", Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", Handler: cmdHSet},
		{Name: "hsetnx", Arity: 4, Flags: "write denyoom fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Set the value of a hash field, only if the field does not exist", Complexity: "O(1)", Handler: cmdHSetNX},
		{Name: "hmset", Arity: -4, Flags: "write denyoom fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Set multiple hash fields to multiple values", Complexity: "O(N) where N is the number of fields being set.", Handler: cmdHSet},
		{Name: "hget", Arity: 3, Flags: "readonly fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Get the value of a hash field", Complexity: "O(1)", Handler: cmdHGet},
		{Name: "hmget", Arity: -3, Flags: "readonly fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Get the values of all the given hash fields", Complexity: "O(N) where N is the number of fields being requested.", Handler: cmdHMGet},
		{Name: "hgetall", Arity: 2, Flags: "readonly", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Get all the fields and values in a hash", Complexity: "O(N) where N is the size of the hash.", Handler: cmdHGetAll},
		{Name: "hdel", Arity: -3, Flags: "write fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Delete one or more hash fields", Complexity: "O(N) where N is the number of fields to be removed.", Handler: cmdHDel},
		{Name: "hlen", Arity: 2, Flags: "readonly fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Get the number of fields in a hash", Complexity: "O(1)", Handler: cmdHLen},
		{Name: "hexists", Arity: 3, Flags: "readonly fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Determine if a hash field exists", Complexity: "O(1)", Handler: cmdHExists},
		{Name: "hkeys", Arity: 2, Flags: "readonly", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Get all the fields in a hash", Complexity: "O(N) where N is the size of the hash.", Handler: cmdHKeys},
		{Name: "hvals", Arity: 2, Flags: "readonly", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Get all the values in a hash", Complexity: "O(N) where N is the size of the hash.", Handler: cmdHVals},
		{Name: "hincrby", Arity: 4, Flags: "write denyoom fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.0.0",
			Summary: "Increment the integer value of a hash field by the given number", Complexity: "O(1)", Handler: cmdHIncrBy},
		{Name: "hincrbyfloat", Arity: 4, Flags: "write denyoom fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.6.0",
			Summary: "Increment the float value of a hash field by the given amount", Complexity: "O(1)", Handler: cmdHIncrByFloat},
		{Name: "hstrlen", Arity: 3, Flags: "readonly fast", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "3.2.0",
			Summary: "Get the length of the value of a hash field", Complexity: "O(1)", Handler: cmdHStrLen},
		{Name: "hrandfield", Arity: -2, Flags: "readonly", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "6.2.0",
			Summary: "Get one or multiple random fields from a hash", Complexity: "O(N) where N is the number of fields returned", Handler: cmdHRandField},
		{Name: "hscan", Arity: -3, Flags: "readonly", ACL: "@hash", FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Since: "2.8.0",
			Summary: "Incrementally iterate hash fields and associated values", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", Handler: cmdHScan},
	}
}

// hashError replies with Redis's text for an error of a hash operation.
func (c *Client) hashError(err error) {
	switch {
	case errors.Is(err, store.ErrHashNotInteger):
		c.Error(ErrHashNotInteger)
	case errors.Is(err, store.ErrHashNotFloat):
		c.Error(ErrHashNotFloat)
	case errors.Is(err, store.ErrNaNOrInfinity):
		c.Error(ErrHashNaNOrInfinity)
	default:
		c.errStore(err)
	}
}

// HSET key field value [field value ...]
// (also HMSET key field value [field value ...], which replies OK)
func cmdHSet(c *Client, args [][]byte) {
	if len(args)%2 == 1 {
		c.errArity()
		return
	}
	added, err := c.tx.HSet(args[1], args[2:])
	if err != nil {
		c.hashError(err)
		return
	}
	if args[0][1] == 's' || args[0][1] == 'S' {
		c.w.Int(int64(added))
	} else {
		c.w.OK()
	}
	c.modified(args[1], evHash, "hset")
	c.tx.Dirty += (len(args)-2)/2 - 1
}

// HSETNX key field value
func cmdHSetNX(c *Client, args [][]byte) {
	set, err := c.tx.HSetNX(args[1], args[2], args[3])
	switch {
	case err != nil:
		c.hashError(err)
	case !set:
		c.w.Int(0)
	default:
		c.w.Int(1)
		c.modified(args[1], evHash, "hset")
	}
}

// hashForRead looks key up for a read command, replying with WRONGTYPE when
// it holds another type. h is nil when the key is absent.
func (c *Client) hashForRead(key []byte) (h *store.Hash, ok bool) {
	h, err := c.tx.GetHash(key)
	if err != nil {
		c.hashError(err)
		return nil, false
	}
	return h, true
}

// HGET key field
func cmdHGet(c *Client, args [][]byte) {
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Null()
		return
	}
	if v, found := h.Get(args[2]); found {
		c.w.Bulk(v)
	} else {
		c.w.Null()
	}
}

// HMGET key field [field ...]
func cmdHMGet(c *Client, args [][]byte) {
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, f := range args[2:] {
		if h == nil {
			c.w.Null()
		} else if v, found := h.Get(f); found {
			c.w.Bulk(v)
		} else {
			c.w.Null()
		}
	}
}

// hashGetAll serves HGETALL, HKEYS and HVALS.
func hashGetAll(c *Client, key []byte, keys, vals bool) {
	h, ok := c.hashForRead(key)
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if keys && vals {
		c.w.Map(n)
	} else {
		c.w.Array(n)
	}
	if h == nil {
		return
	}
	h.ForEach(func(f, v []byte) bool {
		if keys {
			c.w.Bulk(f)
		}
		if vals {
			c.w.Bulk(v)
		}
		return true
	})
}

// HGETALL key
func cmdHGetAll(c *Client, args [][]byte) { hashGetAll(c, args[1], true, true) }

// HKEYS key
func cmdHKeys(c *Client, args [][]byte) { hashGetAll(c, args[1], true, false) }

// HVALS key
func cmdHVals(c *Client, args [][]byte) { hashGetAll(c, args[1], false, true) }

// HDEL key field [field ...]
func cmdHDel(c *Client, args [][]byte) {
	deleted, removed, err := c.tx.HDel(args[1], args[2:])
	if err != nil {
		c.hashError(err)
		return
	}
	if deleted > 0 {
		c.modified(args[1], evHash, "hdel")
		if removed {
			c.notify(evGeneric, "del", args[1])
		}
		c.tx.Dirty += deleted - 1
	}
	c.w.Int(int64(deleted))
}

// HLEN key
func cmdHLen(c *Client, args [][]byte) {
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	c.w.Int(int64(n))
}

// HEXISTS key field
func cmdHExists(c *Client, args [][]byte) {
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	found := false
	if h != nil {
		_, found = h.Get(args[2])
	}
	if found {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

// HSTRLEN key field
func cmdHStrLen(c *Client, args [][]byte) {
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.Get(args[2])
		n = len(v)
	}
	c.w.Int(int64(n))
}

// HINCRBY key field increment
func cmdHIncrBy(c *Client, args [][]byte) {
	incr, ok := store.ParseInt(args[3])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	n, err := c.tx.HIncrBy(args[1], args[2], incr)
	if err != nil {
		c.hashError(err)
		return
	}
	c.w.Int(n)
	c.modified(args[1], evHash, "hincrby")
}

// HINCRBYFLOAT key field increment
func cmdHIncrByFloat(c *Client, args [][]byte) {
	v, err := c.tx.HIncrByFloat(args[1], args[2], args[3])
	if err != nil {
		c.hashError(err)
		return
	}
	c.w.Bulk(v)
	// Redis propagates this as HSET key field <result> so that replicas and
	// the AOF do not depend on float formatting.
	c.modified(args[1], evHash, "hincrbyfloat")
	c.propagateAs([]byte("HSET"), args[1], args[2], v)
}

// HRANDFIELD key [count [WITHVALUES]]
func cmdHRandField(c *Client, args [][]byte) {
	if len(args) == 2 {
		h, ok := c.hashForRead(args[1])
		if !ok {
			return
		}
		if h == nil {
			c.w.Null()
			return
		}
		f, _ := h.Random()
		c.w.Bulk(f)
		return
	}
	count, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if count < -math.MaxInt64 {
		c.Error(ErrHashRandRange)
		return
	}
	withValues := false
	if len(args) > 4 || (len(args) == 4 && !optIs(args[3], "withvalues")) {
		c.Error(ErrSyntax)
		return
	}
	if len(args) == 4 {
		withValues = true
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			c.Error(ErrHashValueRange)
			return
		}
	}
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	if h == nil || count == 0 {
		c.w.Array(0)
		return
	}
	var n int64
	if count < 0 {
		n = -count
	} else {
		n = min(count, int64(h.Len()))
	}
	resp3 := c.Proto() == 3
	mark := c.w.Len()
	if withValues && !resp3 {
		c.w.Array(int(2 * n))
	} else {
		c.w.Array(int(n))
	}
	i := 0
	h.RandomPairs(count, func(f, v []byte) bool {
		if withValues && resp3 {
			c.w.Array(2)
		}
		c.w.Bulk(f)
		if withValues {
			c.w.Bulk(v)
		}
		i++
		return i%64 != 0 || !c.replyTooBig(mark)
	})
}

// hashParseCursor parses a SCAN cursor as Redis's strtoul-based
// parseScanCursorOrReply: an optional sign (a minus negates modulo 2^64),
// decimal digits, nothing else; the empty string is cursor 0.
func hashParseCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && (b[0] == ' ' || (b[0] >= '\t' && b[0] <= '\r')) {
		return 0, false
	}
	neg := false
	s := b
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		// strtoul converts nothing: the whole input must be empty for the
		// end pointer to sit at its terminator.
		return 0, len(b) == 0
	}
	var v uint64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
func cmdHScan(c *Client, args [][]byte) {
	cursor, ok := hashParseCursor(args[2])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	h, ok := c.hashForRead(args[1])
	if !ok {
		return
	}
	if h == nil {
		c.w.Array(2)
		c.w.BulkString("0")
		c.w.Array(0)
		return
	}
	count := int64(10)
	var pattern []byte
	for i := 3; i < len(args); i += 2 {
		switch {
		case optIs(args[i], "count") && i+1 < len(args):
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
		case optIs(args[i], "match") && i+1 < len(args):
			pattern = args[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	// Collect first (the array length comes before the elements); the
	// slices alias the hash, which does not change during this command.
	var found [][]byte
	next := h.Scan(cursor, int(min(count, math.MaxInt32)), func(f, v []byte) {
		if pattern == nil || glob.Match(pattern, f) {
			found = append(found, f, v)
		}
	})
	c.w.Array(2)
	c.w.Bulk(strconv.AppendUint(nil, next, 10))
	c.w.Array(len(found))
	for _, b := range found {
		c.w.Bulk(b)
	}
}
