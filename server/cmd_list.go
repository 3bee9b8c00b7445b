package server

import (
	"bytes"
	"strconv"
	"time"

	"github.com/ember-kv/ember/store"
)

// List commands (t_list.c), blocking ones included.

func listCommands() []*Command {
	const (
		grp     = "list"
		pushCx  = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
		popCx   = "O(N) where N is the number of elements returned"
		mpopCx  = "O(N+M) where N is the number of provided keys and M is the number of elements returned."
		bpopCx  = "O(N) where N is the number of provided keys."
		moveSum = "Pop an element from a list, push it to another list and return it; or block until one is available"
	)
	return []*Command{
		{Name: "lpush", Arity: -3, Flags: "write denyoom fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Prepend one or multiple elements to a list", Complexity: pushCx, Handler: cmdLPush},
		{Name: "rpush", Arity: -3, Flags: "write denyoom fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Append one or multiple elements to a list", Complexity: pushCx, Handler: cmdRPush},
		{Name: "lpushx", Arity: -3, Flags: "write denyoom fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "2.2.0",
			Summary: "Prepend an element to a list, only if the list exists", Complexity: pushCx, Handler: cmdLPushX},
		{Name: "rpushx", Arity: -3, Flags: "write denyoom fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "2.2.0",
			Summary: "Append an element to a list, only if the list exists", Complexity: pushCx, Handler: cmdRPushX},
		{Name: "lpop", Arity: -2, Flags: "write fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Remove and get the first elements in a list", Complexity: popCx, Handler: cmdLPop},
		{Name: "rpop", Arity: -2, Flags: "write fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Remove and get the last elements in a list", Complexity: popCx, Handler: cmdRPop},
		{Name: "llen", Arity: 2, Flags: "readonly fast", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Get the length of a list", Complexity: "O(1)", Handler: cmdLLen},
		{Name: "lrange", Arity: 4, Flags: "readonly", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Get a range of elements from a list", Complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", Handler: cmdLRange},
		{Name: "lindex", Arity: 3, Flags: "readonly", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Get an element from a list by its index", Complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", Handler: cmdLIndex},
		{Name: "lset", Arity: 4, Flags: "write denyoom", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Set the value of an element in a list by its index", Complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", Handler: cmdLSet},
		{Name: "linsert", Arity: 5, Flags: "write denyoom", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "2.2.0",
			Summary: "Insert an element before or after another element in a list", Complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", Handler: cmdLInsert},
		{Name: "lrem", Arity: 4, Flags: "write", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Remove elements from a list", Complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.", Handler: cmdLRem},
		{Name: "ltrim", Arity: 4, Flags: "write", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "1.0.0",
			Summary: "Trim a list to the specified range", Complexity: "O(N) where N is the number of elements to be removed by the operation.", Handler: cmdLTrim},
		{Name: "lpos", Arity: -3, Flags: "readonly", ACL: "@list", FirstKey: 1, LastKey: 1, Step: 1, Group: grp, Since: "6.0.6",
			Summary: "Return the index of matching elements on a list", Complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", Handler: cmdLPos},
		{Name: "lmove", Arity: 5, Flags: "write denyoom", ACL: "@list", FirstKey: 1, LastKey: 2, Step: 1, Group: grp, Since: "6.2.0",
			Summary: "Pop an element from a list, push it to another list and return it", Complexity: "O(1)", Handler: cmdLMove},
		{Name: "rpoplpush", Arity: 3, Flags: "write denyoom", ACL: "@list", FirstKey: 1, LastKey: 2, Step: 1, Group: grp, Since: "1.2.0",
			Summary: "Remove the last element in a list, prepend it to another list and return it", Complexity: "O(1)", Handler: cmdRPopLPush},
		{Name: "lmpop", Arity: -4, Flags: "write", ACL: "@list", Keys: lmpopKeys, Group: grp, Since: "7.0.0",
			Summary: "Pop elements from a list", Complexity: mpopCx, Handler: cmdLMPop},
		{Name: "blpop", Arity: -3, Flags: "write noscript blocking", ACL: "@list", FirstKey: 1, LastKey: -2, Step: 1, Group: grp, Since: "2.0.0",
			Summary: "Remove and get the first element in a list, or block until one is available", Complexity: bpopCx, Handler: cmdBLPop},
		{Name: "brpop", Arity: -3, Flags: "write noscript blocking", ACL: "@list", FirstKey: 1, LastKey: -2, Step: 1, Group: grp, Since: "2.0.0",
			Summary: "Remove and get the last element in a list, or block until one is available", Complexity: bpopCx, Handler: cmdBRPop},
		{Name: "blmove", Arity: 6, Flags: "write denyoom noscript blocking", ACL: "@list", FirstKey: 1, LastKey: 2, Step: 1, Group: grp, Since: "6.2.0",
			Summary: moveSum, Complexity: "O(1)", Handler: cmdBLMove},
		{Name: "brpoplpush", Arity: 4, Flags: "write denyoom noscript blocking", ACL: "@list", FirstKey: 1, LastKey: 2, Step: 1, Group: grp, Since: "2.2.0",
			Summary: moveSum, Complexity: "O(1)", Handler: cmdBRPopLPush},
		{Name: "blmpop", Arity: -5, Flags: "write blocking", ACL: "@list", Keys: blmpopKeys, Group: grp, Since: "7.0.0",
			Summary: "Pop elements from a list, or block until one is available", Complexity: mpopCx, Handler: cmdBLMPop},
	}
}

// listNumkeysKeys finds the keys of a command whose argument at idx is numkeys
// followed by the keys, none when numkeys does not fit the arguments.
func listNumkeysKeys(args [][]byte, idx int, dst []int) []int {
	if len(args) <= idx {
		return dst
	}
	n, ok := store.ParseInt(args[idx])
	if !ok || n < 1 || n > int64(len(args)-idx-1) {
		return dst
	}
	for i := idx + 1; i <= idx+int(n); i++ {
		dst = append(dst, i)
	}
	return dst
}

// lmpopKeys: LMPOP numkeys key [key ...] ...
func lmpopKeys(args [][]byte, dst []int) []int { return listNumkeysKeys(args, 1, dst) }

// blmpopKeys: BLMPOP timeout numkeys key [key ...] ...
func blmpopKeys(args [][]byte, dst []int) []int { return listNumkeysKeys(args, 2, dst) }

// Events and shared replies.

func popEvent(head bool) string {
	if head {
		return "lpop"
	}
	return "rpop"
}

func pushEvent(head bool) string {
	if head {
		return "lpush"
	}
	return "rpush"
}

// listRemoved reports n elements popped from key (Redis's
// listElementsRemoved): the pop event, then "del" when the list emptied.
func (c *Client) listRemoved(key []byte, head bool, n int, deleted bool) {
	c.modified(key, evList, popEvent(head))
	c.tx.Dirty += n - 1
	if deleted {
		c.notify(evGeneric, "del", key)
	}
}

// parseWhere parses LEFT or RIGHT (true for LEFT, the head).
func parseWhere(c *Client, arg []byte) (head, ok bool) {
	switch {
	case optIs(arg, "left"):
		return true, true
	case optIs(arg, "right"):
		return false, true
	}
	c.Error(ErrSyntax)
	return false, false
}

// parseLong parses a C long, replying msg (ErrNotInteger when empty) if it
// is not one.
func parseLong(c *Client, arg []byte, msg string) (int64, bool) {
	n, ok := store.ParseInt(arg)
	if !ok {
		if msg == "" {
			msg = ErrNotInteger
		}
		c.Error(msg)
	}
	return n, ok
}

// parseRange parses a long in [lo, hi], replying msg when it is not one or
// is out of range (Redis's getRangeLongFromObjectOrReply with a message).
func parseRange(c *Client, arg []byte, lo, hi int64, msg string) (int64, bool) {
	n, ok := store.ParseInt(arg)
	if !ok || n < lo || n > hi {
		c.Error(msg)
		return 0, false
	}
	return n, true
}

// getList looks up key's list, replying WRONGTYPE for another type.
func (c *Client) getList(key []byte) (*store.List, bool) {
	l, err := c.tx.GetList(key)
	if err != nil {
		c.errStore(err)
		return nil, false
	}
	return l, true
}

// Push.

// LPUSH key element [element ...]
func cmdLPush(c *Client, args [][]byte) { pushGeneric(c, args, true, false) }

// RPUSH key element [element ...]
func cmdRPush(c *Client, args [][]byte) { pushGeneric(c, args, false, false) }

// LPUSHX key element [element ...]
func cmdLPushX(c *Client, args [][]byte) { pushGeneric(c, args, true, true) }

// RPUSHX key element [element ...]
func cmdRPushX(c *Client, args [][]byte) { pushGeneric(c, args, false, true) }

func pushGeneric(c *Client, args [][]byte, head, onlyExisting bool) {
	key := args[1]
	n, err := c.tx.ListPush(key, args[2:], head, onlyExisting)
	if err != nil {
		c.errStore(err)
		return
	}
	if n > 0 {
		c.modified(key, evList, pushEvent(head))
		c.tx.Dirty += len(args) - 3
	}
	c.w.Int(int64(n))
}

// Pop.

// LPOP key [count]
func cmdLPop(c *Client, args [][]byte) { popGeneric(c, args, true) }

// RPOP key [count]
func cmdRPop(c *Client, args [][]byte) { popGeneric(c, args, false) }

func popGeneric(c *Client, args [][]byte, head bool) {
	if len(args) > 3 {
		c.errArity()
		return
	}
	hasCount := len(args) == 3
	count := int64(1)
	if hasCount {
		n, ok := parseRange(c, args[2], 0, 1<<63-1, ErrNotPositive)
		if !ok {
			return
		}
		count = n
	}
	key := args[1]
	l, ok := c.getList(key)
	switch {
	case !ok:
		return
	case l == nil && hasCount:
		c.w.NullArray()
		return
	case l == nil:
		c.w.Null()
		return
	case count == 0:
		c.w.Array(0)
		return
	}
	n := min(int(min(count, int64(l.Len()))), l.Len())
	if hasCount {
		c.w.Array(n)
	}
	_, deleted, _ := c.tx.ListPop(key, head, n, c.w.Bulk)
	c.listRemoved(key, head, n, deleted)
}

// popWithKey pops up to count elements from key's non-empty list, replying
// [key, [elements]] (LMPOP and BLMPOP).
func (c *Client) popWithKey(key []byte, head bool, count int64) {
	l, _ := c.tx.GetList(key)
	n := int(min(count, int64(l.Len())))
	c.w.Array(2)
	c.w.Bulk(key)
	c.w.Array(n)
	_, deleted, _ := c.tx.ListPop(key, head, n, c.w.Bulk)
	c.listRemoved(key, head, n, deleted)
	// Propagated as [LR]POP key count.
	c.effect([]byte(popCommand(head)), key, strconv.AppendInt(nil, int64(n), 10))
}

// popCommand names the non-blocking pop a blocking one propagates as.
func popCommand(head bool) string {
	if head {
		return "LPOP"
	}
	return "RPOP"
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
func cmdLMPop(c *Client, args [][]byte) { lmpopGeneric(c, args, 1, false) }

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
func cmdBLMPop(c *Client, args [][]byte) { lmpopGeneric(c, args, 2, true) }

func lmpopGeneric(c *Client, args [][]byte, numkeysIdx int, blocking bool) {
	numkeys, ok := parseRange(c, args[numkeysIdx], 1, 1<<63-1, "ERR numkeys should be greater than 0")
	if !ok {
		return
	}
	if numkeys >= int64(len(args)-numkeysIdx-1) {
		c.Error(ErrSyntax)
		return
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	head, ok := parseWhere(c, args[whereIdx])
	if !ok {
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(args); j++ {
		if count == -1 && optIs(args[j], "count") && j+1 < len(args) {
			j++
			if count, ok = parseRange(c, args[j], 1, 1<<63-1, "ERR count should be greater than 0"); !ok {
				return
			}
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := args[numkeysIdx+1 : whereIdx]
	if blocking {
		blockingPop(c, args, keys, head, args[1], count)
		return
	}
	for _, key := range keys {
		l, ok := c.getList(key)
		if !ok {
			return
		}
		if l != nil && l.Len() > 0 {
			c.popWithKey(key, head, count)
			return
		}
	}
	c.w.NullArray()
}

// BLPOP key [key ...] timeout
func cmdBLPop(c *Client, args [][]byte) {
	blockingPop(c, args, args[1:len(args)-1], true, args[len(args)-1], 0)
}

// BRPOP key [key ...] timeout
func cmdBRPop(c *Client, args [][]byte) {
	blockingPop(c, args, args[1:len(args)-1], false, args[len(args)-1], 0)
}

// listBlock is what a client blocked on lists waits to do.
type listBlock struct {
	head   bool  // pop from the head
	toHead bool  // BLMOVE: push at the destination's head
	count  int64 // BLMPOP: elements per pop; 0 for BLPOP/BRPOP

	rpoplpush bool // BRPOPLPUSH (propagated as RPOPLPUSH, not LMOVE)
}

// sideName is how a served BLMOVE propagates a side (Redis's shared
// "left"/"right" objects).
func sideName(head bool) string {
	if head {
		return "left"
	}
	return "right"
}

// blockingPop is BLPOP, BRPOP (count 0) and BLMPOP: pop from the first
// non-empty list, or block on all of them.
func blockingPop(c *Client, args, keys [][]byte, head bool, timeoutArg []byte, count int64) {
	deadline, errMsg := parseBlockTimeout(timeoutArg, time.Now())
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	for _, key := range keys {
		l, ok := c.getList(key)
		if !ok {
			return
		}
		if l == nil || l.Len() == 0 {
			continue
		}
		if count > 0 {
			c.popWithKey(key, head, count)
		} else {
			c.popOneWithKey(key, head)
		}
		return
	}
	if c.denyBlocking() {
		c.w.NullArray()
		return
	}
	c.block(args, &waiter{kind: blockList, keys: blockKeys(keys), deadline: deadline,
		ready: listReady, serve: serveList, opts: &listBlock{head: head, count: count}})
}

// popOneWithKey pops one element from key's non-empty list, replying
// [key, element] (BLPOP, BRPOP).
func (c *Client) popOneWithKey(key []byte, head bool) {
	c.w.Array(2)
	c.w.Bulk(key)
	_, deleted, _ := c.tx.ListPop(key, head, 1, c.w.Bulk)
	c.listRemoved(key, head, 1, deleted)
	c.effect([]byte(popCommand(head)), key)
}

// listReady reports whether key holds a list with elements.
func listReady(tx *store.Tx, key []byte) bool {
	l, err := tx.GetList(key)
	return err == nil && l != nil && l.Len() > 0
}

// serveList pops for a client blocked on lists once key has elements
// (Redis's serveClientBlockedOnList).
func serveList(c *Client, w *waiter, key []byte) {
	o := w.opts.(*listBlock)
	switch {
	case w.target != nil:
		c.lmove(key, w.target, o.head, o.toHead)
		c.signalKeyAsReady(w.target)
		if c.tx.Dirty > 0 {
			if o.rpoplpush {
				c.effect([]byte("RPOPLPUSH"), key, w.target)
			} else {
				c.effect([]byte("LMOVE"), key, w.target, []byte(sideName(o.head)), []byte(sideName(o.toHead)))
			}
		}
	case o.count > 0:
		c.popWithKey(key, o.head, o.count)
	default:
		c.popOneWithKey(key, o.head)
	}
}

// Move.

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
func cmdLMove(c *Client, args [][]byte) {
	from, ok := parseWhere(c, args[3])
	if !ok {
		return
	}
	to, ok := parseWhere(c, args[4])
	if !ok {
		return
	}
	c.lmove(args[1], args[2], from, to)
}

// RPOPLPUSH source destination
func cmdRPopLPush(c *Client, args [][]byte) { c.lmove(args[1], args[2], false, true) }

// lmove moves one element from src to dst and replies with it (nil when src
// is absent).
func (c *Client) lmove(src, dst []byte, fromHead, toHead bool) {
	v, deleted, err := c.tx.ListMove(src, dst, fromHead, toHead)
	switch {
	case err != nil:
		c.errStore(err)
		return
	case v == nil:
		c.w.Null()
		return
	}
	c.modified(dst, evList, pushEvent(toHead))
	c.tx.Dirty-- // one change in all, as Redis counts it
	c.modified(src, evList, popEvent(fromHead))
	if deleted {
		c.notify(evGeneric, "del", src)
	}
	c.w.Bulk(v)
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
func cmdBLMove(c *Client, args [][]byte) {
	from, ok := parseWhere(c, args[3])
	if !ok {
		return
	}
	to, ok := parseWhere(c, args[4])
	if !ok {
		return
	}
	blmove(c, args, from, to, args[5])
}

// BRPOPLPUSH source destination timeout
func cmdBRPopLPush(c *Client, args [][]byte) { blmove(c, args, false, true, args[3]) }

func blmove(c *Client, args [][]byte, from, to bool, timeoutArg []byte) {
	deadline, errMsg := parseBlockTimeout(timeoutArg, time.Now())
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	src, dst := args[1], args[2]
	l, ok := c.getList(src)
	if !ok {
		return
	}
	if l != nil {
		c.lmove(src, dst, from, to)
		if len(args) == 4 {
			c.propagateAs([]byte("RPOPLPUSH"), src, dst)
		} else {
			c.propagateAs([]byte("LMOVE"), src, dst, args[3], args[4])
		}
		return
	}
	if c.denyBlocking() {
		c.w.Null()
		return
	}
	c.block(args, &waiter{kind: blockList, keys: blockKeys(args[1:2]), target: append([]byte(nil), dst...),
		deadline: deadline, ready: listReady, serve: serveList, opts: &listBlock{head: from, toHead: to, rpoplpush: len(args) == 4}})
}

// Reading.

// LLEN key
func cmdLLen(c *Client, args [][]byte) {
	l, ok := c.getList(args[1])
	if !ok {
		return
	}
	if l == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(l.Len()))
}

// LINDEX key index
func cmdLIndex(c *Client, args [][]byte) {
	l, ok := c.getList(args[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.w.Null()
		return
	}
	i, ok := parseLong(c, args[2], "")
	if !ok {
		return
	}
	if v, ok := l.Index(i); ok {
		c.w.Bulk(v)
	} else {
		c.w.Null()
	}
}

// LRANGE key start stop
func cmdLRange(c *Client, args [][]byte) {
	start, ok := parseLong(c, args[2], "")
	if !ok {
		return
	}
	end, ok := parseLong(c, args[3], "")
	if !ok {
		return
	}
	l, ok := c.getList(args[1])
	switch {
	case !ok:
		return
	case l == nil:
		c.w.Array(0)
		return
	}
	n := int64(l.Len())
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		c.w.Array(0)
		return
	}
	if end >= n {
		end = n - 1
	}
	c.w.Array(int(end - start + 1))
	l.Range(int(start), int(end), false, c.w.Bulk)
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
func cmdLPos(c *Client, args [][]byte) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		var ok bool
		switch {
		case optIs(args[j], "rank") && more:
			j++
			if rank, ok = parseLong(c, args[j], ""); !ok {
				return
			}
			if rank == 0 {
				c.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
		case optIs(args[j], "count") && more:
			j++
			if count, ok = parseRange(c, args[j], 0, 1<<63-1, "ERR COUNT can't be negative"); !ok {
				return
			}
		case optIs(args[j], "maxlen") && more:
			j++
			if maxlen, ok = parseRange(c, args[j], 0, 1<<63-1, "ERR MAXLEN can't be negative"); !ok {
				return
			}
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	backward := false
	if rank < 0 {
		rank = -rank // LONG_MIN stays negative, as in C: every match then ranks
		backward = true
	}
	l, ok := c.getList(args[1])
	switch {
	case !ok:
		return
	case l == nil && count != -1:
		c.w.Array(0)
		return
	case l == nil:
		c.w.Null()
		return
	}
	ele := args[2]
	n := l.Len()
	var found []int64
	var index, matches int64
	matchIndex := int64(-1)
	from := 0
	if backward {
		from = n - 1
	}
	l.Iterate(from, backward, func(i int, v []byte) bool {
		if maxlen != 0 && index >= maxlen {
			return false
		}
		index++
		if !bytes.Equal(v, ele) {
			return true
		}
		matches++
		if matches < rank {
			return true
		}
		if count == -1 {
			matchIndex = int64(i)
			return false
		}
		found = append(found, int64(i))
		return count == 0 || matches-rank+1 < count
	})
	if count != -1 {
		c.w.Array(len(found))
		for _, i := range found {
			c.w.Int(i)
		}
		return
	}
	if matchIndex >= 0 {
		c.w.Int(matchIndex)
	} else {
		c.w.Null()
	}
}

// Changes in the middle.

// LSET key index element
func cmdLSet(c *Client, args [][]byte) {
	key := args[1]
	l, ok := c.getList(key)
	switch {
	case !ok:
		return
	case l == nil:
		c.Error(ErrNoSuchKey)
		return
	}
	i, ok := parseLong(c, args[2], "")
	if !ok {
		return
	}
	if err := c.tx.ListSet(key, i, args[3]); err != nil {
		c.errStore(err)
		return
	}
	c.modified(key, evList, "lset")
	c.w.OK()
}

// LINSERT key BEFORE|AFTER pivot element
func cmdLInsert(c *Client, args [][]byte) {
	var after bool
	switch {
	case optIs(args[2], "after"):
		after = true
	case optIs(args[2], "before"):
	default:
		c.Error(ErrSyntax)
		return
	}
	key := args[1]
	n, err := c.tx.ListInsert(key, after, args[3], args[4])
	if err != nil {
		c.errStore(err)
		return
	}
	if n > 0 {
		c.modified(key, evList, "linsert")
	}
	c.w.Int(int64(n))
}

// LREM key count element
func cmdLRem(c *Client, args [][]byte) {
	count, ok := parseLong(c, args[2], "")
	if !ok {
		return
	}
	key := args[1]
	removed, deleted, err := c.tx.ListRem(key, count, args[3])
	if err != nil {
		c.errStore(err)
		return
	}
	if removed > 0 {
		c.modified(key, evList, "lrem")
		c.tx.Dirty += removed - 1
	}
	if deleted {
		c.notify(evGeneric, "del", key)
	}
	c.w.Int(int64(removed))
}

// LTRIM key start stop
func cmdLTrim(c *Client, args [][]byte) {
	start, ok := parseLong(c, args[2], "")
	if !ok {
		return
	}
	end, ok := parseLong(c, args[3], "")
	if !ok {
		return
	}
	key := args[1]
	removed, deleted, existed, err := c.tx.ListTrim(key, start, end)
	if err != nil {
		c.errStore(err)
		return
	}
	if existed {
		c.modified(key, evList, "ltrim")
		c.tx.Dirty += removed - 1
		if deleted {
			c.notify(evGeneric, "del", key)
		}
	}
	c.w.OK()
}
