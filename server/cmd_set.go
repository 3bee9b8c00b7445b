package server

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/ember-kv/ember/store"
	"github.com/ember-kv/ember/store/glob"
)

// Set commands (t_set.c).

func setCommands() []*Command {
	const grp, since = "set", "1.0.0"
	inter := "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
	total := "O(N) where N is the total number of elements in all given sets."
	return []*Command{
		{Name: "sadd", Arity: -3, Flags: "write denyoom fast", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Add one or more members to a set", Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", Handler: cmdSAdd},
		{Name: "srem", Arity: -3, Flags: "write fast", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Remove one or more members from a set", Complexity: "O(N) where N is the number of members to be removed.", Handler: cmdSRem},
		{Name: "smembers", Arity: 2, Flags: "readonly", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Get all the members in a set", Complexity: "O(N) where N is the set cardinality.", Handler: cmdSInter},
		{Name: "sismember", Arity: 3, Flags: "readonly fast", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Determine if a given value is a member of a set", Complexity: "O(1)", Handler: cmdSIsMember},
		{Name: "smismember", Arity: -3, Flags: "readonly fast", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "6.2.0",
			Summary: "Returns the membership associated with the given elements for a set", Complexity: "O(N) where N is the number of elements being checked for membership", Handler: cmdSMIsMember},
		{Name: "scard", Arity: 2, Flags: "readonly fast", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Get the number of members in a set", Complexity: "O(1)", Handler: cmdSCard},
		{Name: "spop", Arity: -2, Flags: "write fast", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Remove and return one or multiple random members from a set", Complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", Handler: cmdSPop},
		{Name: "srandmember", Arity: -2, Flags: "readonly", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: since,
			Summary: "Get one or multiple random members from a set", Complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", Handler: cmdSRandMember},
		{Name: "smove", Arity: 4, Flags: "write fast", ACL: "@set", FirstKey: 1, LastKey: 2, Step: 1, Group: grp, Since: since,
			Summary: "Move a member from one set to another", Complexity: "O(1)", Handler: cmdSMove},
		{Name: "sinter", Arity: -2, Flags: "readonly", ACL: "@set", FirstKey: 1, LastKey: -1, Step: 1, Group: grp, Since: since,
			Summary: "Intersect multiple sets", Complexity: inter, Handler: cmdSInter},
		{Name: "sintercard", Arity: -3, Flags: "readonly", ACL: "@set", Keys: sintercardKeys, Group: grp, Since: "7.0.0",
			Summary: "Intersect multiple sets and return the cardinality of the result", Complexity: inter, Handler: cmdSInterCard},
		{Name: "sinterstore", Arity: -3, Flags: "write denyoom", ACL: "@set", FirstKey: 1, LastKey: -1, Step: 1, Group: grp, Since: since,
			Summary: "Intersect multiple sets and store the resulting set in a key", Complexity: inter, Handler: cmdSInterStore},
		{Name: "sunion", Arity: -2, Flags: "readonly", ACL: "@set", FirstKey: 1, LastKey: -1, Step: 1, Group: grp, Since: since,
			Summary: "Add multiple sets", Complexity: total, Handler: cmdSUnion},
		{Name: "sunionstore", Arity: -3, Flags: "write denyoom", ACL: "@set", FirstKey: 1, LastKey: -1, Step: 1, Group: grp, Since: since,
			Summary: "Add multiple sets and store the resulting set in a key", Complexity: total, Handler: cmdSUnionStore},
		{Name: "sdiff", Arity: -2, Flags: "readonly", ACL: "@set", FirstKey: 1, LastKey: -1, Step: 1, Group: grp, Since: since,
			Summary: "Subtract multiple sets", Complexity: total, Handler: cmdSDiff},
		{Name: "sdiffstore", Arity: -3, Flags: "write denyoom", ACL: "@set", FirstKey: 1, LastKey: -1, Step: 1, Group: grp, Since: since,
			Summary: "Subtract multiple sets and store the resulting set in a key", Complexity: total, Handler: cmdSDiffStore},
		{Name: "sscan", Arity: -3, Flags: "readonly", ACL: "@set", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "2.8.0",
			Summary: "Incrementally iterate Set elements", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", Handler: cmdSScan},
	}
}

// sintercardKeys finds the keys of "CMD numkeys key [key ...] ..." (SINTERCARD),
// none when numkeys is not a count that fits the arguments (Redis's
// genericGetKeys).
func sintercardKeys(args [][]byte, dst []int) []int {
	if len(args) < 2 {
		return dst
	}
	n, ok := store.ParseInt(args[1])
	if !ok || n < 1 || n > int64(len(args)-2) {
		return dst
	}
	for i := 2; i < 2+int(n); i++ {
		dst = append(dst, i)
	}
	return dst
}

// SADD key member [member ...]
func cmdSAdd(c *Client, args [][]byte) {
	key := args[1]
	added, err := c.tx.SAdd(key, args[2:])
	if err != nil {
		c.errStore(err)
		return
	}
	if added > 0 {
		c.modified(key, evSet, "sadd")
		c.tx.Dirty += added - 1
	}
	c.w.Int(int64(added))
}

// SREM key member [member ...]
func cmdSRem(c *Client, args [][]byte) {
	key := args[1]
	removed, deleted, err := c.tx.SRem(key, args[2:])
	if err != nil {
		c.errStore(err)
		return
	}
	if removed > 0 {
		c.modified(key, evSet, "srem")
		if deleted {
			c.notify(evGeneric, "del", key)
		}
		c.tx.Dirty += removed - 1
	}
	c.w.Int(int64(removed))
}

// SISMEMBER key member
func cmdSIsMember(c *Client, args [][]byte) {
	ok, err := c.tx.SIsMember(args[1], args[2])
	if err != nil {
		c.errStore(err)
		return
	}
	c.w.Int(setIntBool(ok))
}

// SMISMEMBER key member [member ...]
func cmdSMIsMember(c *Client, args [][]byte) {
	s, err := c.tx.GetSet(args[1])
	if err != nil {
		c.errStore(err)
		return
	}
	c.w.Array(len(args) - 2)
	for _, m := range args[2:] {
		c.w.Int(setIntBool(s != nil && s.Contains(m)))
	}
}

func setIntBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// SCARD key
func cmdSCard(c *Client, args [][]byte) {
	s, err := c.tx.GetSet(args[1])
	if err != nil {
		c.errStore(err)
		return
	}
	if s == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(s.Len()))
}

// SPOP key [count]
func cmdSPop(c *Client, args [][]byte) {
	switch {
	case len(args) == 3:
		spopCount(c, args)
		return
	case len(args) > 3:
		c.Error(ErrSyntax)
		return
	}
	key := args[1]
	m, ok, deleted, err := c.tx.SPop(key)
	switch {
	case err != nil:
		c.errStore(err)
	case !ok:
		c.w.Null()
	default:
		c.modified(key, evSet, "spop")
		c.propagateAs([]byte("SREM"), key, m) // never replayed as a random pop
		c.w.Bulk(m)
		if deleted {
			c.notify(evGeneric, "del", key)
		}
	}
}

// spopCount is SPOP key count.
func spopCount(c *Client, args [][]byte) {
	count, ok := store.ParseInt(args[2])
	if !ok || count < 0 {
		c.Error(ErrNotPositive)
		return
	}
	key := args[1]
	s, err := c.tx.GetSet(key)
	switch {
	case err != nil:
		c.errStore(err)
		return
	case s == nil || count == 0:
		c.w.Set(0)
		return
	}
	c.w.Set(int(min(count, int64(s.Len()))))
	c.modified(key, evSet, "spop")
	all := count >= int64(s.Len())
	srem := []byte("SREM")
	n, deleted, _ := c.tx.SPopCount(key, count, func(m []byte) {
		c.w.Bulk(m)
		if !all {
			c.alsoPropagate(srem, key, m) // each popped member as its own SREM, as Redis
		}
	})
	c.tx.Dirty += n - 1
	if all {
		c.propagateAs([]byte("DEL"), key)
	} else {
		c.preventPropagation()
	}
	if deleted {
		c.notify(evGeneric, "del", key)
	}
}

// SRANDMEMBER key [count]
func cmdSRandMember(c *Client, args [][]byte) {
	switch {
	case len(args) == 3:
		srandmemberCount(c, args)
		return
	case len(args) > 3:
		c.Error(ErrSyntax)
		return
	}
	s, err := c.tx.GetSet(args[1])
	switch {
	case err != nil:
		c.errStore(err)
	case s == nil:
		c.w.Null()
	default:
		var buf [20]byte
		c.w.Bulk(s.Random(buf[:]))
	}
}

// srandmemberCount is SRANDMEMBER key count: distinct members for a
// positive count, count independent draws for a negative one.
func srandmemberCount(c *Client, args [][]byte) {
	l, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if l == -1<<63 {
		c.Error(errSRandRange)
		return
	}
	count, uniq := l, true
	if l < 0 {
		count, uniq = -l, false
	}
	s, err := c.tx.GetSet(args[1])
	switch {
	case err != nil:
		c.errStore(err)
		return
	case s == nil || count == 0:
		c.w.Array(0)
		return
	}
	var buf [20]byte
	size := int64(s.Len())
	switch {
	case !uniq || count == 1:
		// Redis stops filling the reply once the client is past its
		// output limit and drops the connection. A reply bigger than the
		// largest bulk a client may send is treated the same way, so a
		// huge count can never exhaust memory.
		mark := c.w.Len()
		c.w.Array(int(count))
		for i := range count {
			c.w.Bulk(s.Random(buf[:]))
			if i%64 == 63 && c.replyTooBig(mark) {
				return
			}
		}
	case count >= size:
		c.w.Array(int(size))
		for i := range int(size) {
			c.w.Bulk(s.At(i, buf[:]))
		}
	default:
		c.w.Array(int(count))
		s.RandomDistinct(int(count), buf[:], func(m []byte) { c.w.Bulk(m) })
	}
}

// SMOVE source destination member
func cmdSMove(c *Client, args [][]byte) {
	src, dst, m := args[1], args[2], args[3]
	if bytes.Equal(src, dst) {
		// Same set: only the checks and the membership test.
		ok, err := c.tx.SIsMember(src, m)
		if err != nil {
			c.errStore(err)
			return
		}
		c.w.Int(setIntBool(ok))
		return
	}
	res, err := c.tx.SMove(src, dst, m)
	if err != nil {
		c.errStore(err)
		return
	}
	if !res.Moved {
		c.w.Int(0)
		return
	}
	c.modified(src, evSet, "srem")
	if res.SrcDeleted {
		c.notify(evGeneric, "del", src)
	}
	if res.DstAdded {
		c.modified(dst, evSet, "sadd")
	}
	c.w.Int(1)
}

// SINTER key [key ...]  (also SMEMBERS key)
func cmdSInter(c *Client, args [][]byte) {
	mark, n := c.w.Len(), 0
	err := c.tx.SInter(args[1:], func(m []byte) bool {
		c.w.Bulk(m)
		n++
		return true
	})
	if err != nil {
		c.w.b = c.w.b[:mark]
		c.errStore(err)
		return
	}
	sinterHeader(&c.w, mark, n)
}

// sinterHeader puts a set header for n elements at mark, before elements
// already written (Redis's deferred length).
func sinterHeader(w *Reply, mark, n int) {
	tail := len(w.b)
	w.Set(n)
	hdr := slices.Clone(w.b[tail:])
	w.b = slices.Insert(w.b[:tail], mark, hdr...)
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdSInterCard(c *Client, args [][]byte) {
	numkeys, ok := store.ParseInt(args[1])
	if !ok || numkeys < 1 {
		c.Error(errNumkeysPositive)
		return
	}
	if numkeys > int64(len(args)-2) {
		c.Error(errNumkeysTooMany)
		return
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(args); j++ {
		if optIs(args[j], "limit") && j+1 < len(args) {
			j++
			v, ok := store.ParseInt(args[j])
			if !ok || v < 0 {
				c.Error(errLimitNegative)
				return
			}
			limit = v
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	var n int64
	err := c.tx.SInter(args[2:2+numkeys], func([]byte) bool {
		n++
		return limit == 0 || n < limit
	})
	if err != nil {
		c.errStore(err)
		return
	}
	c.w.Int(n)
}

// SINTERSTORE destination key [key ...]
func cmdSInterStore(c *Client, args [][]byte) {
	s, err := c.tx.SInterSet(args[2:])
	storeSetResult(c, args[1], s, err, "sinterstore")
}

// SUNION key [key ...]
func cmdSUnion(c *Client, args [][]byte) {
	s, err := c.tx.SUnionSet(args[1:])
	replySetResult(c, s, err)
}

// SUNIONSTORE destination key [key ...]
func cmdSUnionStore(c *Client, args [][]byte) {
	s, err := c.tx.SUnionSet(args[2:])
	storeSetResult(c, args[1], s, err, "sunionstore")
}

// SDIFF key [key ...]
func cmdSDiff(c *Client, args [][]byte) {
	s, err := c.tx.SDiffSet(args[1:])
	replySetResult(c, s, err)
}

// SDIFFSTORE destination key [key ...]
func cmdSDiffStore(c *Client, args [][]byte) {
	s, err := c.tx.SDiffSet(args[2:])
	storeSetResult(c, args[1], s, err, "sdiffstore")
}

func replySetResult(c *Client, s *store.Set, err error) {
	if err != nil {
		c.errStore(err)
		return
	}
	var buf [20]byte
	c.w.Set(s.Len())
	for i := range s.Len() {
		c.w.Bulk(s.At(i, buf[:]))
	}
}

// storeSetResult makes s the value of dst for the *STORE commands, with
// Redis's events: the command's own when stored, "del" when an empty
// result removed an existing key.
func storeSetResult(c *Client, dst []byte, s *store.Set, err error, event string) {
	if err != nil {
		c.errStore(err)
		return
	}
	n := s.Len()
	if c.tx.StoreSet(dst, s) {
		c.modified(dst, evGeneric, "del")
	} else if n > 0 {
		c.modified(dst, evSet, event)
	}
	c.w.Int(int64(n))
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func cmdSScan(c *Client, args [][]byte) {
	cursor, ok := sscanCursor(args[2])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	s, err := c.tx.GetSet(args[1])
	switch {
	case err != nil:
		c.errStore(err)
		return
	case s == nil:
		c.w.Array(2)
		c.w.BulkString("0")
		c.w.Array(0)
		return
	}
	count := int64(10)
	var pattern []byte
	for i := 3; i < len(args); i += 2 {
		switch {
		case i+1 >= len(args):
			c.Error(ErrSyntax)
			return
		case optIs(args[i], "count"):
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
		case optIs(args[i], "match"):
			pattern = args[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	var buf [20]byte
	var found [][]byte
	var ints []byte // formatted intset members, back to back
	next := s.Scan(cursor, int(min(count, 1<<30)), buf[:], func(m []byte) {
		if pattern != nil && !glob.Match(pattern, m) {
			return
		}
		if s.Encoding() == store.EncIntset {
			start := len(ints)
			ints = append(ints, m...)
			found = append(found, ints[start:len(ints):len(ints)])
			return
		}
		found = append(found, m)
	})
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(found))
	for _, m := range found {
		c.w.Bulk(m)
	}
}

// sscanCursor reads a SCAN cursor as Redis does with strtoul: an
// optional sign (a negative value wraps), decimal digits, nothing after;
// no leading space; the empty string is 0.
func sscanCursor(b []byte) (uint64, bool) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	switch b[0] {
	case '+':
		b = b[1:]
	case '-':
		neg = true
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}
