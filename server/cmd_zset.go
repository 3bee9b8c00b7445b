package server

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/ember-kv/ember/store"
	"github.com/ember-kv/ember/store/glob"
)

// Sorted-set commands, after Redis's t_zset.c. The blocking forms
// (BZPOPMIN, BZPOPMAX, BZMPOP) reuse zpopReply and store.Tx.ZPop.

func zsetCommands() []*Command {
	const (
		g   = "sorted-set"
		acl = "@sortedset"
	)
	return []*Command{
		{Name: "zadd", Arity: -4, Flags: "write denyoom fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Add one or more members to a sorted set, or update its score if it already exists", Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.", Handler: cmdZAdd},
		{Name: "zincrby", Arity: 4, Flags: "write denyoom fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Increment the score of a member in a sorted set", Complexity: "O(log(N)) where N is the number of elements in the sorted set.", Handler: cmdZIncrBy},
		{Name: "zrem", Arity: -3, Flags: "write fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Remove one or more members from a sorted set", Complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", Handler: cmdZRem},
		{Name: "zcard", Arity: 2, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Get the number of members in a sorted set", Complexity: "O(1)", Handler: cmdZCard},
		{Name: "zscore", Arity: 3, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Get the score associated with the given member in a sorted set", Complexity: "O(1)", Handler: cmdZScore},
		{Name: "zmscore", Arity: -3, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "6.2.0",
			Summary: "Get the score associated with the given members in a sorted set", Complexity: "O(N) where N is the number of members being requested.", Handler: cmdZMScore},
		{Name: "zrank", Arity: 3, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Determine the index of a member in a sorted set", Complexity: "O(log(N))", Handler: cmdZRank},
		{Name: "zrevrank", Arity: 3, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", Complexity: "O(log(N))", Handler: cmdZRevRank},
		{Name: "zcount", Arity: 4, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Count the members in a sorted set with scores within the given values", Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Handler: cmdZCount},
		{Name: "zlexcount", Arity: 4, Flags: "readonly fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.9",
			Summary: "Count the number of members in a sorted set between a given lexicographical range", Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Handler: cmdZLexCount},
		{Name: "zrange", Arity: -4, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Return a range of members in a sorted set", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", Handler: cmdZRange},
		{Name: "zrangestore", Arity: -5, Flags: "write denyoom", ACL: acl, FirstKey: 1, LastKey: 2, Step: 1, Group: g, Since: "6.2.0",
			Summary: "Store a range of members from sorted set into another key", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", Handler: cmdZRangeStore},
		{Name: "zrevrange", Arity: -4, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", Handler: cmdZRevRange},
		{Name: "zrangebyscore", Arity: -4, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.5",
			Summary: "Return a range of members in a sorted set, by score", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", Handler: cmdZRangeByScore},
		{Name: "zrevrangebyscore", Arity: -4, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.2.0",
			Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", Handler: cmdZRevRangeByScore},
		{Name: "zrangebylex", Arity: -4, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.9",
			Summary: "Return a range of members in a sorted set, by lexicographical range", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", Handler: cmdZRangeByLex},
		{Name: "zrevrangebylex", Arity: -4, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.9",
			Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", Handler: cmdZRevRangeByLex},
		{Name: "zremrangebyrank", Arity: 4, Flags: "write", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Remove all members in a sorted set within the given indexes", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", Handler: cmdZRemRangeByRank},
		{Name: "zremrangebyscore", Arity: 4, Flags: "write", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.2.0",
			Summary: "Remove all members in a sorted set within the given scores", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", Handler: cmdZRemRangeByScore},
		{Name: "zremrangebylex", Arity: 4, Flags: "write", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.9",
			Summary: "Remove all members in a sorted set between the given lexicographical range", Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", Handler: cmdZRemRangeByLex},
		{Name: "zpopmin", Arity: -2, Flags: "write fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Remove and return members with the lowest scores in a sorted set", Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", Handler: cmdZPopMin},
		{Name: "zpopmax", Arity: -2, Flags: "write fast", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Remove and return members with the highest scores in a sorted set", Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", Handler: cmdZPopMax},
		{Name: "zmpop", Arity: -4, Flags: "write", ACL: acl, Keys: numkeysKeys(1, false), Group: g, Since: "7.0.0",
			Summary: "Remove and return members with scores in a sorted set", Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", Handler: cmdZMPop},
		{Name: "zrandmember", Arity: -2, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "6.2.0",
			Summary: "Get one or multiple random elements from a sorted set", Complexity: "O(N) where N is the number of elements returned", Handler: cmdZRandMember},
		{Name: "zunion", Arity: -3, Flags: "readonly", ACL: acl, Keys: numkeysKeys(1, false), Group: g, Since: "6.2.0",
			Summary: "Add multiple sorted sets", Complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", Handler: cmdZUnion},
		{Name: "zinter", Arity: -3, Flags: "readonly", ACL: acl, Keys: numkeysKeys(1, false), Group: g, Since: "6.2.0",
			Summary: "Intersect multiple sorted sets", Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", Handler: cmdZInter},
		{Name: "zdiff", Arity: -3, Flags: "readonly", ACL: acl, Keys: numkeysKeys(1, false), Group: g, Since: "6.2.0",
			Summary: "Subtract multiple sorted sets", Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", Handler: cmdZDiff},
		{Name: "zunionstore", Arity: -4, Flags: "write denyoom", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Keys: numkeysKeys(2, true), Group: g, Since: "2.0.0",
			Summary: "Add multiple sorted sets and store the resulting sorted set in a new key", Complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", Handler: cmdZUnionStore},
		{Name: "zinterstore", Arity: -4, Flags: "write denyoom", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Keys: numkeysKeys(2, true), Group: g, Since: "2.0.0",
			Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", Handler: cmdZInterStore},
		{Name: "zdiffstore", Arity: -4, Flags: "write denyoom", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Keys: numkeysKeys(2, true), Group: g, Since: "6.2.0",
			Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", Handler: cmdZDiffStore},
		{Name: "zintercard", Arity: -3, Flags: "readonly", ACL: acl, Keys: numkeysKeys(1, false), Group: g, Since: "7.0.0",
			Summary: "Intersect multiple sorted sets and return the cardinality of the result", Complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", Handler: cmdZInterCard},
		{Name: "zscan", Arity: -3, Flags: "readonly", ACL: acl, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.0",
			Summary: "Incrementally iterate sorted sets elements and associated scores", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", Handler: cmdZScan},
	}
}

// numkeysKeys returns the key positions of commands of the form
// [destination] numkeys key [key ...] ...: numkeys at numkeysAt, keys after
// it, and the destination at 1 when dest is set. Malformed counts lock only
// what is there; the handler reports the error.
func numkeysKeys(numkeysAt int, dest bool) KeysFunc {
	return func(args [][]byte, dst []int) []int {
		if dest && len(args) > 1 {
			dst = append(dst, 1)
		}
		if numkeysAt >= len(args) {
			return dst
		}
		n, ok := store.ParseInt(args[numkeysAt])
		if !ok || n < 1 {
			return dst
		}
		for i := numkeysAt + 1; i < len(args) && int64(i-numkeysAt) <= n; i++ {
			dst = append(dst, i)
		}
		return dst
	}
}

// zsetFor returns key's sorted set for reading, replying with the error
// when it holds another type (ok false).
func zsetFor(c *Client, key []byte) (*store.ZSet, bool) {
	z, err := c.tx.ZSet(key)
	if err != nil {
		c.errStore(err)
		return nil, false
	}
	return z, true
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
func cmdZAdd(c *Client, args [][]byte) { zaddGeneric(c, args, 0) }

// ZINCRBY key increment member
func cmdZIncrBy(c *Client, args [][]byte) { zaddGeneric(c, args, store.ZAddIncr) }

func zaddGeneric(c *Client, args [][]byte, flags store.ZAddFlags) {
	ch := false
	i := 2
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case optIs(a, "nx"):
			flags |= store.ZAddNX
		case optIs(a, "xx"):
			flags |= store.ZAddXX
		case optIs(a, "ch"):
			ch = true
		case optIs(a, "incr"):
			flags |= store.ZAddIncr
		case optIs(a, "gt"):
			flags |= store.ZAddGT
		case optIs(a, "lt"):
			flags |= store.ZAddLT
		default:
			goto pairs
		}
	}
pairs:
	n := len(args) - i
	if n == 0 || n%2 != 0 {
		c.Error(ErrSyntax)
		return
	}
	n /= 2
	has := func(f store.ZAddFlags) bool { return flags&f != 0 }
	switch {
	case has(store.ZAddNX) && has(store.ZAddXX):
		c.Error(errZAddXXNX)
		return
	case (has(store.ZAddGT) && has(store.ZAddNX)) || (has(store.ZAddLT) && has(store.ZAddNX)) || (has(store.ZAddGT) && has(store.ZAddLT)):
		c.Error(errZAddGTLTNX)
		return
	case has(store.ZAddIncr) && n > 1:
		c.Error(errZAddIncrPairs)
		return
	}
	sc := zaddScratchPool.Get().(*zaddScratch)
	defer sc.release()
	for j := 0; j < n; j++ {
		s, ok := store.ParseScore(args[i+2*j])
		if !ok {
			c.Error(ErrNotFloat)
			return
		}
		sc.scores = append(sc.scores, s)
		sc.members = append(sc.members, args[i+2*j+1])
	}
	key := args[1]
	res, err := c.tx.ZAdd(key, flags, sc.scores, sc.members)
	if err == nil {
		switch {
		case has(store.ZAddIncr) && res.Processed > 0:
			c.w.Double(res.Score)
		case has(store.ZAddIncr):
			c.w.Null()
		case ch:
			c.w.Int(int64(res.Added + res.Updated))
		default:
			c.w.Int(int64(res.Added))
		}
	} else {
		c.errStore(err)
	}
	if changed := res.Added + res.Updated; changed > 0 {
		c.tx.Dirty += changed - 1
		event := "zadd"
		if has(store.ZAddIncr) {
			event = "zincr"
		}
		c.modified(key, evZSet, event)
	}
}

// zaddScratch holds ZADD's parsed pairs; pooled so that bulk loads of
// sorted sets do not leave garbage proportional to what they store.
type zaddScratch struct {
	scores  []float64
	members [][]byte
}

var zaddScratchPool = sync.Pool{New: func() any { return new(zaddScratch) }}

func (sc *zaddScratch) release() {
	if cap(sc.scores) > 1024 {
		return // let oversized buffers go
	}
	clear(sc.members) // drop references to the request
	sc.scores, sc.members = sc.scores[:0], sc.members[:0]
	zaddScratchPool.Put(sc)
}

// ZREM key member [member ...]
func cmdZRem(c *Client, args [][]byte) {
	key := args[1]
	n, deleted, err := c.tx.ZRem(key, args[2:])
	if err != nil {
		c.errStore(err)
		return
	}
	zremEvents(c, key, n, deleted, "zrem")
	c.w.Int(int64(n))
}

// zremEvents reports a removal of n members: the event, "del" when the key
// went away, and one change per member.
func zremEvents(c *Client, key []byte, n int, deleted bool, event string) {
	if n == 0 {
		return
	}
	c.tx.Dirty += n - 1
	c.modified(key, evZSet, event)
	if deleted {
		c.notify(evGeneric, "del", key)
	}
}

// ZCARD key
func cmdZCard(c *Client, args [][]byte) {
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(z.Len()))
}

// ZSCORE key member
func cmdZScore(c *Client, args [][]byte) {
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	if s, found := z.Score(args[2]); found {
		c.w.Double(s)
	} else {
		c.w.Null()
	}
}

// ZMSCORE key member [member ...]
func cmdZMScore(c *Client, args [][]byte) {
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, m := range args[2:] {
		if z == nil {
			c.w.Null()
			continue
		}
		if s, found := z.Score(m); found {
			c.w.Double(s)
		} else {
			c.w.Null()
		}
	}
}

// ZRANK key member
func cmdZRank(c *Client, args [][]byte) { zrankGeneric(c, args, false) }

// ZREVRANK key member
func cmdZRevRank(c *Client, args [][]byte) { zrankGeneric(c, args, true) }

func zrankGeneric(c *Client, args [][]byte, rev bool) {
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	if r, found := z.Rank(args[2], rev); found {
		c.w.Int(int64(r))
	} else {
		c.w.Null()
	}
}

// ZCOUNT key min max
func cmdZCount(c *Client, args [][]byte) {
	r, ok := store.ParseScoreRange(args[2], args[3])
	if !ok {
		c.Error(errZScoreRange)
		return
	}
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(z.CountByScore(&r)))
}

// ZLEXCOUNT key min max
func cmdZLexCount(c *Client, args [][]byte) {
	r, ok := store.ParseLexRange(args[2], args[3])
	if !ok {
		c.Error(errZLexRange)
		return
	}
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(z.CountByLex(&r)))
}

// The ZRANGE family shares one parser and one range walker, as in Redis's
// zrangeGenericCommand.
type zrangeKind uint8

const (
	zrangeAuto zrangeKind = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

type zrangeDir uint8

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
func cmdZRange(c *Client, args [][]byte) { zrangeGeneric(c, args, 1, false, zrangeAuto, zdirAuto) }

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
func cmdZRangeStore(c *Client, args [][]byte) {
	zrangeGeneric(c, args, 2, true, zrangeAuto, zdirAuto)
}

// ZREVRANGE key start stop [WITHSCORES]
func cmdZRevRange(c *Client, args [][]byte) {
	zrangeGeneric(c, args, 1, false, zrangeRank, zdirReverse)
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
func cmdZRangeByScore(c *Client, args [][]byte) {
	zrangeGeneric(c, args, 1, false, zrangeScore, zdirForward)
}

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
func cmdZRevRangeByScore(c *Client, args [][]byte) {
	zrangeGeneric(c, args, 1, false, zrangeScore, zdirReverse)
}

// ZRANGEBYLEX key min max [LIMIT offset count]
func cmdZRangeByLex(c *Client, args [][]byte) {
	zrangeGeneric(c, args, 1, false, zrangeLex, zdirForward)
}

// ZREVRANGEBYLEX key max min [LIMIT offset count]
func cmdZRevRangeByLex(c *Client, args [][]byte) {
	zrangeGeneric(c, args, 1, false, zrangeLex, zdirReverse)
}

func zrangeGeneric(c *Client, args [][]byte, at int, storeIt bool, kind zrangeKind, dir zrangeDir) {
	key := args[at]
	minIdx, maxIdx := at+1, at+2
	withScores := false
	var offset, limit int64 = 0, -1
	for j := at + 3; j < len(args); j++ {
		a, left := args[j], len(args)-j-1
		switch {
		case !storeIt && optIs(a, "withscores"):
			withScores = true
		case optIs(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = store.ParseInt(args[j+1]); ok {
				limit, ok = store.ParseInt(args[j+2])
			}
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			j += 2
		case dir == zdirAuto && optIs(a, "rev"):
			dir = zdirReverse
		case kind == zrangeAuto && optIs(a, "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && optIs(a, "byscore"):
			kind = zrangeScore
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	rev := dir == zdirReverse
	if limit != -1 && kind == zrangeRank {
		c.Error(errZLimitRank)
		return
	}
	if withScores && kind == zrangeLex {
		c.Error(errZWithscoresLex)
		return
	}
	if rev && kind != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var sr store.ScoreRange
	var lr store.LexRange
	var ok bool
	switch kind {
	case zrangeRank:
		if start, ok = store.ParseInt(args[minIdx]); ok {
			end, ok = store.ParseInt(args[maxIdx])
		}
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
	case zrangeScore:
		if sr, ok = store.ParseScoreRange(args[minIdx], args[maxIdx]); !ok {
			c.Error(errZScoreRange)
			return
		}
	case zrangeLex:
		if lr, ok = store.ParseLexRange(args[minIdx], args[maxIdx]); !ok {
			c.Error(errZLexRange)
			return
		}
	}
	z, ok := zsetFor(c, key)
	if !ok {
		return
	}

	// The destination of ZRANGESTORE may be the source: collect copies.
	var collected []store.ZElement
	var buf []byte
	resp3 := c.w.proto == 3
	emit := func(m []byte, s float64) {
		if storeIt {
			buf = append(buf, m...)
			collected = append(collected, store.ZElement{Member: m, Score: s})
			return
		}
		if withScores && resp3 {
			c.w.Array(2)
		}
		c.w.Bulk(m)
		if withScores {
			c.w.Double(s)
		}
	}
	switch {
	case z == nil && !storeIt:
		c.w.Array(0)
		return
	case z == nil:
	case kind == zrangeRank:
		n := int64(z.Len())
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		start = max(start, 0)
		if start > end || start >= n {
			if !storeIt {
				c.w.Array(0)
			}
			break
		}
		end = min(end, n-1)
		if !storeIt {
			count := int(end - start + 1)
			if withScores && !resp3 {
				count *= 2
			}
			c.w.Array(count)
		}
		z.Range(int(start), int(end), rev, emit)
	default:
		mark := c.w.Len()
		var n int
		if kind == zrangeScore {
			n = z.RangeByScore(&sr, rev, clampInt(offset), clampInt(limit), emit)
		} else {
			n = z.RangeByLex(&lr, rev, clampInt(offset), clampInt(limit), emit)
		}
		if !storeIt {
			if withScores && !resp3 {
				n *= 2
			}
			insertArrayHeader(c, mark, n)
		}
	}
	if !storeIt {
		return
	}
	// Point the collected members at the private copies.
	off := 0
	for i := range collected {
		l := len(collected[i].Member)
		collected[i].Member = buf[off : off+l : off+l]
		off += l
	}
	dst := args[1]
	if len(collected) == 0 {
		c.w.Int(0)
		if c.tx.ZStore(dst, nil) {
			c.modified(dst, evGeneric, "del")
		}
		return
	}
	c.tx.ZStore(dst, collected)
	c.w.Int(int64(len(collected)))
	c.modified(dst, evZSet, "zrangestore")
}

// clampInt converts a user-supplied int64 to int (they are the same size on
// the platforms Ember runs on; this only guards 32-bit builds).
func clampInt(v int64) int {
	if v > math.MaxInt {
		return math.MaxInt
	}
	if v < math.MinInt {
		return math.MinInt
	}
	return int(v)
}

// insertArrayHeader puts an array header of n elements at mark, before the
// elements already written after it (Redis's deferred length).
func insertArrayHeader(c *Client, mark, n int) {
	var tmp [24]byte
	h := append(tmp[:0], '*')
	h = strconv.AppendInt(h, int64(n), 10)
	h = append(h, '\r', '\n')
	b := append(c.w.b, h...)
	copy(b[mark+len(h):], b[mark:len(b)-len(h)])
	copy(b[mark:], h)
	c.w.b = b
}

// ZREMRANGEBYRANK key start stop
func cmdZRemRangeByRank(c *Client, args [][]byte) {
	start, ok := store.ParseInt(args[2])
	var end int64
	if ok {
		end, ok = store.ParseInt(args[3])
	}
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	n, deleted, err := c.tx.ZRemRangeByRank(args[1], start, end)
	zremReply(c, args[1], n, deleted, err, "zremrangebyrank")
}

// ZREMRANGEBYSCORE key min max
func cmdZRemRangeByScore(c *Client, args [][]byte) {
	r, ok := store.ParseScoreRange(args[2], args[3])
	if !ok {
		c.Error(errZScoreRange)
		return
	}
	n, deleted, err := c.tx.ZRemRangeByScore(args[1], &r)
	zremReply(c, args[1], n, deleted, err, "zremrangebyscore")
}

// ZREMRANGEBYLEX key min max
func cmdZRemRangeByLex(c *Client, args [][]byte) {
	r, ok := store.ParseLexRange(args[2], args[3])
	if !ok {
		c.Error(errZLexRange)
		return
	}
	n, deleted, err := c.tx.ZRemRangeByLex(args[1], &r)
	zremReply(c, args[1], n, deleted, err, "zremrangebylex")
}

func zremReply(c *Client, key []byte, n int, deleted bool, err error, event string) {
	if err != nil {
		c.errStore(err)
		return
	}
	zremEvents(c, key, n, deleted, event)
	c.w.Int(int64(n))
}

// ZPOPMIN key [count]
func cmdZPopMin(c *Client, args [][]byte) { zpopMinMax(c, args, false) }

// ZPOPMAX key [count]
func cmdZPopMax(c *Client, args [][]byte) { zpopMinMax(c, args, true) }

func zpopMinMax(c *Client, args [][]byte, max bool) {
	if len(args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(args) == 3 {
		var ok bool
		// Redis's getPositiveLongFromObjectOrReply: one message for both.
		if count, ok = store.ParseInt(args[2]); !ok || count < 0 {
			c.Error(ErrNotPositive)
			return
		}
	}
	i, n, err := c.tx.ZFirstNonEmpty(args[1:2])
	switch {
	case err != nil:
		c.errStore(err)
	case i < 0 || count == 0:
		c.w.Array(0)
	default:
		shape := zpopFlat
		if c.w.proto == 3 && count != -1 {
			shape = zpopNested
		}
		zpopReply(c, args[1], max, int(max64(count, 1)), n, shape)
	}
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// zpopShape is the reply layout of a pop, as genericZpopCommand's
// emitkey/use_nested_array combinations.
type zpopShape uint8

const (
	zpopFlat      zpopShape = iota // [m, s, m, s ...]
	zpopNested                     // [[m, s], ...]
	zpopKeyFlat                    // [key, m, s ...]   BZPOPMIN/BZPOPMAX
	zpopKeyNested                  // [key, [[m, s], ...]] ZMPOP/BZMPOP
)

// zpopReply pops up to count members from key (a sorted set of length n),
// replying in shape and reporting the events. Blocking pops reuse it.
func zpopReply(c *Client, key []byte, max bool, count, n int, shape zpopShape) {
	popped := min(count, n)
	switch shape {
	case zpopFlat:
		c.w.Array(popped * 2)
	case zpopNested:
		c.w.Array(popped)
	case zpopKeyFlat:
		c.w.Array(popped*2 + 1)
		c.w.Bulk(key)
	case zpopKeyNested:
		c.w.Array(2)
		c.w.Bulk(key)
		c.w.Array(popped)
	}
	nested := shape == zpopNested || shape == zpopKeyNested
	got, deleted, err := c.tx.ZPop(key, max, count, func(m []byte, s float64) {
		if nested {
			c.w.Array(2)
		}
		c.w.Bulk(m)
		c.w.Double(s)
	})
	if err != nil || got == 0 {
		return // cannot happen: the caller checked the key
	}
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	c.tx.Dirty += got - 1
	c.modified(key, evZSet, event)
	if deleted {
		c.notify(evGeneric, "del", key)
	}
}

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
func cmdZMPop(c *Client, args [][]byte) {
	keys, max, count, ok := parseZMPop(c, args, 1)
	if !ok {
		return
	}
	i, n, err := c.tx.ZFirstNonEmpty(keys)
	switch {
	case err != nil:
		c.errStore(err)
	case i < 0:
		c.w.NullArray()
	default:
		zpopReply(c, keys[i], max, count, n, zpopKeyNested)
		zpopEffect(c, keys[i], max, count, n)
	}
}

// zpopEffect declares what ZMPOP and the blocking pops propagate as:
// ZPOPMIN/ZPOPMAX key [count] (count < 0: BZPOPMIN/BZPOPMAX, no count).
func zpopEffect(c *Client, key []byte, max bool, count, n int) {
	name := []byte("ZPOPMIN")
	if max {
		name = []byte("ZPOPMAX")
	}
	if count < 0 {
		c.effect(name, key)
		return
	}
	c.effect(name, key, strconv.AppendInt(nil, int64(min(count, n)), 10))
}

// parseZMPop parses [numkeys key ... MIN|MAX [COUNT count]] starting with
// numkeys at args[at] (ZMPOP, BZMPOP), replying on error.
func parseZMPop(c *Client, args [][]byte, at int) (keys [][]byte, max bool, count int, ok bool) {
	numkeys, isInt := store.ParseInt(args[at])
	if !isInt || numkeys < 1 {
		c.Error(errZNumkeys)
		return nil, false, 0, false
	}
	if numkeys >= int64(len(args)-at-1) {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	whereIdx := at + int(numkeys) + 1
	switch w := args[whereIdx]; {
	case optIs(w, "min"):
	case optIs(w, "max"):
		max = true
	default:
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(args); j++ {
		if count == -1 && optIs(args[j], "count") && j+1 < len(args) {
			j++
			n, isInt := store.ParseInt(args[j])
			if !isInt || n < 1 {
				c.Error(errZCount)
				return nil, false, 0, false
			}
			count = clampInt(n)
			continue
		}
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return args[at+1 : whereIdx], max, count, true
}

// ZRANDMEMBER key [count [WITHSCORES]]
func cmdZRandMember(c *Client, args [][]byte) {
	if len(args) == 2 {
		z, ok := zsetFor(c, args[1])
		if !ok {
			return
		}
		if z == nil {
			c.w.Null()
			return
		}
		m, _ := z.Ranked().At(rand.IntN(z.Len()))
		c.w.Bulk(m)
		return
	}
	l, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if l == math.MinInt64 {
		c.Error(errZRandRange)
		return
	}
	withScores := false
	if len(args) > 4 || (len(args) == 4 && !optIs(args[3], "withscores")) {
		c.Error(ErrSyntax)
		return
	}
	if len(args) == 4 {
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.Error(errZRandWithScore)
			return
		}
	}
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil || l == 0 {
		c.w.Array(0)
		return
	}
	resp3 := c.w.proto == 3
	emit := func(m []byte, s float64) {
		if withScores && resp3 {
			c.w.Array(2)
		}
		c.w.Bulk(m)
		if withScores {
			c.w.Double(s)
		}
	}
	header := func(n int) {
		if withScores && !resp3 {
			n *= 2
		}
		c.w.Array(n)
	}
	size := z.Len()
	ranked := z.Ranked()
	if l < 0 || l == 1 {
		// Repeats allowed: independent picks, in random order.
		count := int(-l)
		if l == 1 {
			count = 1
		}
		mark := c.w.Len()
		header(count)
		for i := range count {
			emit(ranked.At(rand.IntN(size)))
			if i%64 == 63 && c.replyTooBig(mark) {
				return
			}
		}
		return
	}
	count := int(l)
	if count >= size {
		// The whole set, from the highest score down (Redis's zuiNext walks
		// sorted sets backwards).
		header(size)
		z.Range(0, size-1, true, emit)
		return
	}
	header(count)
	if count*3 > size {
		// Many of the members: shuffle the ranks partially.
		perm := make([]int32, size)
		for i := range perm {
			perm[i] = int32(i)
		}
		for i := 0; i < count; i++ {
			j := i + rand.IntN(size-i)
			perm[i], perm[j] = perm[j], perm[i]
			emit(ranked.At(int(perm[i])))
		}
		return
	}
	// Few of the members: draw ranks until count distinct ones came up.
	seen := make(map[int]struct{}, count)
	for len(seen) < count {
		r := rand.IntN(size)
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		emit(ranked.At(r))
	}
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
func cmdZUnion(c *Client, args [][]byte) { zsetOpGeneric(c, args, nil, 1, store.ZUnion, false) }

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
func cmdZInter(c *Client, args [][]byte) { zsetOpGeneric(c, args, nil, 1, store.ZInter, false) }

// ZDIFF numkeys key [key ...] [WITHSCORES]
func cmdZDiff(c *Client, args [][]byte) { zsetOpGeneric(c, args, nil, 1, store.ZDiff, false) }

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
func cmdZUnionStore(c *Client, args [][]byte) {
	zsetOpGeneric(c, args, args[1], 2, store.ZUnion, false)
}

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
func cmdZInterStore(c *Client, args [][]byte) {
	zsetOpGeneric(c, args, args[1], 2, store.ZInter, false)
}

// ZDIFFSTORE destination numkeys key [key ...]
func cmdZDiffStore(c *Client, args [][]byte) {
	zsetOpGeneric(c, args, args[1], 2, store.ZDiff, false)
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdZInterCard(c *Client, args [][]byte) { zsetOpGeneric(c, args, nil, 1, store.ZInter, true) }

func zsetOpGeneric(c *Client, args [][]byte, dst []byte, numkeysAt int, op store.ZSetOp, cardOnly bool) {
	setnum, ok := store.ParseInt(args[numkeysAt])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if setnum < 1 {
		c.Error("ERR at least 1 input key is needed for '" + c.cmd.FullName + "' command")
		return
	}
	if setnum > int64(len(args)-numkeysAt-1) {
		c.Error(ErrSyntax)
		return
	}
	n := int(setnum)
	first := numkeysAt + 1
	inputs, err := c.tx.ZInputs(args[first : first+n])
	if err != nil {
		c.errStore(err)
		return
	}
	var weights []float64
	agg := store.ZAggSum
	withScores := false
	limit := int64(0)
	for j := first + n; j < len(args); {
		a, remaining := args[j], len(args)-j
		switch {
		case op != store.ZDiff && !cardOnly && remaining >= n+1 && optIs(a, "weights"):
			j++
			if weights == nil {
				weights = make([]float64, n)
			}
			for i := 0; i < n; i, j = i+1, j+1 {
				w, ok := store.ParseScore(args[j])
				if !ok {
					c.Error(errZWeight)
					return
				}
				weights[i] = w
			}
		case op != store.ZDiff && !cardOnly && remaining >= 2 && optIs(a, "aggregate"):
			switch v := args[j+1]; {
			case optIs(v, "sum"):
				agg = store.ZAggSum
			case optIs(v, "min"):
				agg = store.ZAggMin
			case optIs(v, "max"):
				agg = store.ZAggMax
			default:
				c.Error(ErrSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && optIs(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && optIs(a, "limit"):
			v, ok := store.ParseInt(args[j+1])
			if !ok || v < 0 {
				c.Error(errZLimitNegative)
				return
			}
			limit = v
			j += 2
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if cardOnly {
		c.w.Int(int64(inputs.InterCard(clampInt(limit))))
		return
	}
	res := inputs.Combine(op, weights, agg)
	if dst == nil {
		resp3 := c.w.proto == 3
		if withScores && !resp3 {
			c.w.Array(2 * len(res))
		} else {
			c.w.Array(len(res))
		}
		for _, e := range res {
			if withScores && resp3 {
				c.w.Array(2)
			}
			c.w.Bulk(e.Member)
			if withScores {
				c.w.Double(e.Score)
			}
		}
		return
	}
	if len(res) == 0 {
		c.w.Int(0)
		if c.tx.ZStore(dst, nil) {
			c.modified(dst, evGeneric, "del")
		}
		return
	}
	c.tx.ZStore(dst, res)
	c.w.Int(int64(len(res)))
	event := "zunionstore"
	switch op {
	case store.ZInter:
		event = "zinterstore"
	case store.ZDiff:
		event = "zdiffstore"
	}
	c.modified(dst, evZSet, event)
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
func cmdZScan(c *Client, args [][]byte) {
	cursor, ok := parseScanCursor(args[2])
	if !ok {
		c.Error(ErrInvalidCursor)
		return
	}
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Array(2)
		c.w.BulkString("0")
		c.w.Array(0)
		return
	}
	count := int64(10)
	var pattern []byte
	for i := 3; i < len(args); i += 2 {
		a, more := args[i], len(args)-i
		switch {
		case optIs(a, "count") && more >= 2:
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
		case optIs(a, "match") && more >= 2:
			pattern = args[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	// The element list is written after the cursor, which is known only at
	// the end: build it aside.
	var items Reply
	items.proto = c.w.proto
	n := 0
	small := z.Encoding() == store.EncListpack
	var num [32]byte
	next := z.Scan(cursor, clampInt(min(count, 1<<30)), func(m []byte, s float64) {
		if pattern != nil && !glob.Match(pattern, m) {
			return
		}
		items.Bulk(m)
		if small {
			items.Bulk(store.AppendScoreString(num[:0], s))
		} else {
			items.Bulk(store.AppendScoreG(num[:0], s))
		}
		n += 2
	})
	c.w.Array(2)
	c.w.Bulk(strconv.AppendUint(num[:0], next, 10))
	c.w.Array(n)
	c.w.Raw(items.b)
}

// parseScanCursor parses a SCAN cursor as Redis's strtoul-based parser: no
// leading blank, an optional sign (a negative cursor wraps around), the
// digits up to the end or a NUL, no overflow.
func parseScanCursor(b []byte) (uint64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
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
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}
