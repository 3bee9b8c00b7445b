package server

import (
	"github.com/ember-kv/ember/store"
)

// HyperLogLog commands (Redis's hyperloglog.c). The values are strings in
// Redis's own HyperLogLog format (store/hll.go).

func hllCommands() []*Command {
	hll := func(name string, arity int, flags, acl string, first, last int, summary, complexity string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: acl, FirstKey: first, LastKey: last, Step: min(first, 1),
			Group: "hyperloglog", Since: "2.8.9", Summary: summary, Complexity: complexity, Handler: h}
	}
	selftest := hll("pfselftest", 1, "admin", "@hyperloglog", 0, 0, "An internal command for testing HyperLogLog values", "N/A", cmdPFSelfTest)
	selftest.Lock = LockNone
	return []*Command{
		hll("pfadd", -2, "write denyoom fast", "@hyperloglog", 1, 1, "Adds the specified elements to the specified HyperLogLog.", "O(1) to add every element.", cmdPFAdd),
		hll("pfcount", -2, "readonly may_replicate", "@hyperloglog", 1, -1, "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
			"O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.", cmdPFCount),
		hll("pfmerge", -2, "write denyoom", "@hyperloglog", 1, -1, "Merge N different HyperLogLogs into a single one.", "O(N) to merge N HyperLogLogs, but with high constant times.", cmdPFMerge),
		hll("pfdebug", 3, "write denyoom admin", "@hyperloglog", 2, 2, "Internal commands for debugging HyperLogLog values", "N/A", cmdPFDebug),
		selftest,
	}
}

// hllSparseMax is hll-sparse-max-bytes.
func (c *Client) hllSparseMax() int { return int(c.srv.cfg.GetInt("hll-sparse-max-bytes")) }

// PFADD key [element ...]
func cmdPFAdd(c *Client, args [][]byte) {
	key := args[1]
	updated, err := c.tx.PFAdd(key, args[2:], c.hllSparseMax())
	if err != nil {
		c.hllError(err)
		return
	}
	if updated {
		c.modified(key, evString, "pfadd")
		c.w.Int(1)
		return
	}
	c.w.Int(0)
}

// PFCOUNT key [key ...]
func cmdPFCount(c *Client, args [][]byte) {
	card, cached, err := c.tx.PFCount(args[1:])
	if err != nil {
		c.hllError(err)
		return
	}
	if cached {
		c.changed(args[1]) // the estimate was written into the value
	}
	c.w.Int(int64(card))
}

// PFMERGE destkey [sourcekey ...]
func cmdPFMerge(c *Client, args [][]byte) {
	if err := c.tx.PFMerge(args[1], args[2:], c.hllSparseMax()); err != nil {
		c.hllError(err)
		return
	}
	c.modified(args[1], evString, "pfadd") // Redis's event for a merge too
	c.w.OK()
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
func cmdPFDebug(c *Client, args [][]byte) {
	sub := optKeyword(args[1])
	switch sub {
	case "getreg", "decode", "encoding", "todense":
	default:
		sub = "" // still looks the key up first, as Redis does
	}
	regs, text, changed, ok, err := c.tx.PFDebug(sub, args[2])
	switch {
	case err != nil:
		c.hllError(err)
		return
	case !ok:
		c.Error("ERR The specified key does not exist")
		return
	}
	if changed {
		// Redis counts the conversion to dense as a change, so it is
		// propagated, but does not signal the key as modified: WATCH and
		// client tracking do not see it.
		c.tx.Dirty++
	}
	switch sub {
	case "getreg":
		c.w.Array(len(regs))
		for _, r := range regs {
			c.w.Int(int64(r))
		}
	case "decode":
		c.w.BulkString(text)
	case "encoding":
		c.w.Simple(text)
	case "todense":
		if changed {
			c.w.Int(1)
		} else {
			c.w.Int(0)
		}
	default:
		c.Error("ERR Unknown PFDEBUG subcommand '" + string(cstr(args[1])) + "'")
	}
}

// PFSELFTEST
func cmdPFSelfTest(c *Client, args [][]byte) {
	if msg := store.HLLSelfTest(); msg != "" {
		c.Error(msg)
		return
	}
	c.w.OK()
}

// hllError replies with a HyperLogLog error: Redis's texts carry their own
// codes (WRONGTYPE, INVALIDOBJ); the others are the store's usual ones.
func (c *Client) hllError(err error) {
	if err == store.ErrNotHLL || err == store.ErrInvalidHLL {
		c.Error(err.Error())
		return
	}
	c.errStore(err)
}
