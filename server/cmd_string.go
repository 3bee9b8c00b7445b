package server

import (
	"bytes"
	"strconv"

	"github.com/ember-kv/ember/store"
)

// String commands.

func stringCommands() []*Command {
	return []*Command{
		{Name: "get", Arity: 2, Flags: "readonly fast", ACL: "@string", FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0",
			Summary: "Returns the string value of a key.", Complexity: "O(1)", Handler: cmdGet},
		{Name: "set", Arity: -3, Flags: "write denyoom", ACL: "@string", FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0",
			Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Complexity: "O(1)", Handler: cmdSet},
		{Name: "incr", Arity: 2, Flags: "write denyoom fast", ACL: "@string", FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Since: "1.0.0",
			Summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Complexity: "O(1)", Handler: cmdIncr},
	}
}

// GET key
func cmdGet(c *Client, args [][]byte) {
	v, ok, err := c.tx.GetString(args[1])
	switch {
	case err != nil:
		c.errStore(err)
	case !ok:
		c.w.Null()
	default:
		c.w.Bulk(v)
	}
}

// setOptions are SET's parsed flags.
type setOptions struct {
	nx, xx, get, keepTTL bool
	expireAt             int64 // unix ms; 0 for none
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func cmdSet(c *Client, args [][]byte) {
	var o setOptions
	expireSeen := false
	for i := 3; i < len(args); i++ {
		a := args[i]
		hasNext := i+1 < len(args)
		switch {
		case bytes.EqualFold(a, []byte("nx")) && !o.xx:
			o.nx = true
		case bytes.EqualFold(a, []byte("xx")) && !o.nx:
			o.xx = true
		case bytes.EqualFold(a, []byte("get")):
			o.get = true
		case bytes.EqualFold(a, []byte("keepttl")) && !expireSeen:
			o.keepTTL = true
			expireSeen = true
		case hasNext && !expireSeen && !o.keepTTL && isExpireUnit(a):
			at, errMsg := parseExpire(c, a, args[i+1], "set")
			if errMsg != "" {
				c.Error(errMsg)
				return
			}
			o.expireAt = at
			expireSeen = true
			i++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	key, val := args[1], args[2]
	tx := c.tx
	if o.get {
		old, ok, err := tx.GetString(key)
		if err != nil {
			c.errStore(err)
			return
		}
		if ok {
			c.w.Bulk(old)
		} else {
			c.w.Null()
		}
	}
	if (o.nx && tx.Exists(key)) || (o.xx && !tx.Exists(key)) {
		if !o.get {
			c.w.Null()
		}
		return
	}
	tx.SetString(key, val, o.expireAt, o.keepTTL)
	c.modified(key, evString, "set")
	if o.expireAt != 0 {
		c.notify(evGeneric, "expire", key)
	}
	if !o.get {
		c.w.OK()
	}
}

func isExpireUnit(a []byte) bool {
	return bytes.EqualFold(a, []byte("ex")) || bytes.EqualFold(a, []byte("px")) ||
		bytes.EqualFold(a, []byte("exat")) || bytes.EqualFold(a, []byte("pxat"))
}

// parseExpire turns an EX/PX/EXAT/PXAT argument into an absolute unix-ms
// time, with Redis's errors for bad values.
func parseExpire(c *Client, unit, val []byte, cmdName string) (int64, string) {
	n, ok := store.ParseInt(val)
	if !ok {
		return 0, ErrNotInteger
	}
	if n <= 0 {
		return 0, "ERR invalid expire time in '" + cmdName + "' command"
	}
	const maxMs = 1<<63 - 1
	switch {
	case bytes.EqualFold(unit, []byte("ex")), bytes.EqualFold(unit, []byte("exat")):
		if n > maxMs/1000 {
			return 0, "ERR invalid expire time in '" + cmdName + "' command"
		}
		n *= 1000
	}
	if bytes.EqualFold(unit, []byte("ex")) || bytes.EqualFold(unit, []byte("px")) {
		now := c.tx.Now()
		if n > maxMs-now {
			return 0, "ERR invalid expire time in '" + cmdName + "' command"
		}
		n += now
	}
	return n, ""
}

// INCR key
func cmdIncr(c *Client, args [][]byte) {
	n, err := c.tx.IncrBy(args[1], 1)
	if err != nil {
		c.errStore(err)
		return
	}
	c.modified(args[1], evString, "incrby")
	c.w.Int(n)
}

var _ = strconv.Itoa
