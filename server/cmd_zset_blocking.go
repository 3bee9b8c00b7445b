package server

import (
	"time"

	"github.com/ember-kv/ember/store"
)

// Blocking sorted-set pops: BZPOPMIN, BZPOPMAX, BZMPOP (t_zset.c's
// blockingGenericZpopCommand), on the blocking machinery in blocking.go.

func zsetBlockingCommands() []*Command {
	const acl, g = "@sortedset", "sorted-set"
	return []*Command{
		{Name: "bzpopmin", Arity: -3, Flags: "write noscript blocking fast", ACL: acl, FirstKey: 1, LastKey: -2, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Handler: cmdBZPopMin},
		{Name: "bzpopmax", Arity: -3, Flags: "write noscript blocking fast", ACL: acl, FirstKey: 1, LastKey: -2, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", Complexity: "O(log(N)) with N being the number of elements in the sorted set.", Handler: cmdBZPopMax},
		{Name: "bzmpop", Arity: -5, Flags: "write blocking", ACL: acl, Keys: numkeysKeys(2, false), Group: g, Since: "7.0.0",
			Summary: "Remove and return members with scores in a sorted set or block until one is available", Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", Handler: cmdBZMPop},
	}
}

// zsetBlock is what a client blocked on sorted sets waits to do.
type zsetBlock struct {
	max   bool
	count int       // members per pop; -1 for BZPOPMIN/BZPOPMAX's single member
	shape zpopShape // zpopKeyFlat or zpopKeyNested
}

// BZPOPMIN key [key ...] timeout
func cmdBZPopMin(c *Client, args [][]byte) {
	blockingZPop(c, args, args[1:len(args)-1], args[len(args)-1], &zsetBlock{count: -1, shape: zpopKeyFlat})
}

// BZPOPMAX key [key ...] timeout
func cmdBZPopMax(c *Client, args [][]byte) {
	blockingZPop(c, args, args[1:len(args)-1], args[len(args)-1], &zsetBlock{max: true, count: -1, shape: zpopKeyFlat})
}

// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
func cmdBZMPop(c *Client, args [][]byte) {
	keys, max, count, ok := parseZMPop(c, args, 2)
	if !ok {
		return
	}
	blockingZPop(c, args, keys, args[1], &zsetBlock{max: max, count: count, shape: zpopKeyNested})
}

// blockingZPop pops from the first non-empty sorted set, or blocks on all
// of the keys. Inside EXEC it answers as a timeout instead of blocking.
func blockingZPop(c *Client, args, keys [][]byte, timeoutArg []byte, o *zsetBlock) {
	deadline, errMsg := parseBlockTimeout(timeoutArg, time.Now())
	if errMsg != "" {
		c.Error(errMsg)
		return
	}
	i, n, err := c.tx.ZFirstNonEmpty(keys)
	switch {
	case err != nil:
		c.errStore(err)
	case i >= 0:
		zpopReply(c, keys[i], o.max, max(o.count, 1), n, o.shape)
		zpopEffect(c, keys[i], o.max, o.count, n)
	case c.denyBlocking():
		c.w.NullArray()
	default:
		c.block(args, &waiter{kind: blockZSet, keys: blockKeys(keys), deadline: deadline,
			ready: zsetReady, serve: serveZSet, opts: o})
	}
}

// zsetReady reports whether key holds a sorted set with members.
func zsetReady(tx *store.Tx, key []byte) bool {
	i, _, err := tx.ZFirstNonEmpty([][]byte{key})
	return err == nil && i == 0
}

// serveZSet pops for a client blocked on sorted sets once key has members
// (Redis's serveClientBlockedOnSortedSet).
func serveZSet(c *Client, w *waiter, key []byte) {
	o := w.opts.(*zsetBlock)
	_, n, _ := c.tx.ZFirstNonEmpty([][]byte{key})
	zpopReply(c, key, o.max, max(o.count, 1), n, o.shape)
	zpopEffect(c, key, o.max, o.count, n)
}
