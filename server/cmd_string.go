package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/ember-kv/ember/store"
)

// String commands (Redis's t_string.c).

func stringCommands() []*Command {
	str := func(name string, arity int, flags string, summary, complexity, since string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: "@string", FirstKey: 1, LastKey: 1, Step: 1,
			Group: "string", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	const o1 = "O(1)"
	const rangeCx = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."
	cmds := []*Command{
		str("get", 2, "readonly fast", "Get the value of a key", o1, "1.0.0", cmdGet),
		str("set", -3, "write denyoom", "Set the string value of a key", o1, "1.0.0", cmdSet),
		str("setnx", 3, "write denyoom fast", "Set the value of a key, only if the key does not exist", o1, "1.0.0", cmdSetNX),
		str("setex", 4, "write denyoom", "Set the value and expiration of a key", o1, "2.0.0", cmdSetEX),
		str("psetex", 4, "write denyoom", "Set the value and expiration in milliseconds of a key", o1, "2.6.0", cmdPSetEX),
		str("getset", 3, "write denyoom fast", "Set the string value of a key and return its old value", o1, "1.0.0", cmdGetSet),
		str("getdel", 2, "write fast", "Get the value of a key and delete the key", o1, "6.2.0", cmdGetDel),
		str("getex", -2, "write fast", "Get the value of a key and optionally set its expiration", o1, "6.2.0", cmdGetEx),
		str("mget", -2, "readonly fast", "Get the values of all the given keys", "O(N) where N is the number of keys to retrieve.", "1.0.0", cmdMGet),
		str("mset", -3, "write denyoom", "Set multiple keys to multiple values", "O(N) where N is the number of keys to set.", "1.0.1", cmdMSet),
		str("msetnx", -3, "write denyoom", "Set multiple keys to multiple values, only if none of the keys exist", "O(N) where N is the number of keys to set.", "1.0.1", cmdMSetNX),
		str("append", 3, "write denyoom fast", "Append a value to a key", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", "2.0.0", cmdAppend),
		str("strlen", 2, "readonly fast", "Get the length of the value stored in a key", o1, "2.2.0", cmdStrLen),
		str("getrange", 4, "readonly", "Get a substring of the string stored at a key", rangeCx, "2.4.0", cmdGetRange),
		str("substr", 4, "readonly", "Get a substring of the string stored at a key", rangeCx, "1.0.0", cmdGetRange),
		str("setrange", 4, "write denyoom", "Overwrite part of a string at key starting at the specified offset", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", "2.2.0", cmdSetRange),
		str("incr", 2, "write denyoom fast", "Increment the integer value of a key by one", o1, "1.0.0", cmdIncr),
		str("decr", 2, "write denyoom fast", "Decrement the integer value of a key by one", o1, "1.0.0", cmdDecr),
		str("incrby", 3, "write denyoom fast", "Increment the integer value of a key by the given amount", o1, "1.0.0", cmdIncrBy),
		str("decrby", 3, "write denyoom fast", "Decrement the integer value of a key by the given number", o1, "1.0.0", cmdDecrBy),
		str("incrbyfloat", 3, "write denyoom fast", "Increment the float value of a key by the given amount", o1, "2.6.0", cmdIncrByFloat),
		str("lcs", -3, "readonly", "Find longest common substring", "O(N*M) where N and M are the lengths of s1 and s2, respectively", "7.0.0", cmdLCS),
	}
	for _, c := range cmds {
		switch c.Name {
		case "mget":
			c.LastKey = -1
		case "mset", "msetnx":
			c.LastKey, c.Step = -1, 2
		case "lcs":
			c.LastKey = 2
		}
	}
	return cmds
}

// optIs compares an option argument with a lower-case keyword the way
// Redis's strcasecmp on a C string does: the argument ends at a NUL byte.
func optIs(a []byte, lower string) bool {
	a = cstr(a)
	if len(a) != len(lower) {
		return false
	}
	for i := range a {
		ch := a[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

// optKeyword is an option argument as Redis's strcasecmp on a C string sees
// it (ending at a NUL byte), lower-cased, for a switch over keywords.
func optKeyword(a []byte) string { return strings.ToLower(string(cstr(a))) }

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

// SET and GETEX option flags (Redis's OBJ_* flags).
const (
	optNX = 1 << iota
	optXX
	optEX
	optPX
	optKeepTTL
	optGet
	optEXAT
	optPXAT
	optPersist

	optAnyExpire = optEX | optPX | optEXAT | optPXAT
)

// parseStringOpts is Redis's parseExtendedStringArgumentsOrReply: SET's
// options (isSet) from args[3] or GETEX's from args[2]. It returns the flags
// and the expire argument, or ok=false for a syntax error. Each option is
// accepted only when it does not conflict with the ones already seen; a
// repeated option is accepted and the last value wins.
func parseStringOpts(args [][]byte, isSet bool) (flags int, expire []byte, ok bool) {
	j := 2
	if isSet {
		j = 3
	}
	for ; j < len(args); j++ {
		a := cstr(args[j])
		next := j+1 < len(args)
		var f int
		switch len(a) {
		case 2:
			f = opt2(a)
		case 3:
			if isSet && optIs(a, "get") {
				flags |= optGet
				continue
			}
		case 4:
			if optIs(a, "exat") {
				f = optEXAT
			} else if optIs(a, "pxat") {
				f = optPXAT
			}
		case 7:
			if optIs(a, "keepttl") {
				f = optKeepTTL
			} else if optIs(a, "persist") {
				f = optPersist
			}
		}
		switch {
		case f == optNX && isSet && flags&optXX == 0,
			f == optXX && isSet && flags&optNX == 0,
			f == optKeepTTL && isSet && flags&(optPersist|optAnyExpire) == 0,
			f == optPersist && !isSet && flags&(optKeepTTL|optAnyExpire) == 0:
			flags |= f
		case f&optAnyExpire != 0 && next && flags&(optKeepTTL|optPersist|(optAnyExpire&^f)) == 0:
			flags |= f
			expire = args[j+1]
			j++
		default:
			return 0, nil, false
		}
	}
	return flags, expire, true
}

func opt2(a []byte) int {
	switch {
	case optIs(a, "nx"):
		return optNX
	case optIs(a, "xx"):
		return optXX
	case optIs(a, "ex"):
		return optEX
	case optIs(a, "px"):
		return optPX
	}
	return 0
}

// expireAtArg is Redis's getExpireMillisecondsOrReply: the absolute unix-ms
// time for an expire argument given with flags (EX and EXAT in seconds, EX
// and PX relative). It replies with the error itself.
func expireAtArg(c *Client, flags int, arg []byte) (int64, bool) {
	n, ok := store.ParseInt(arg)
	if !ok {
		c.Error(ErrNotInteger)
		return 0, false
	}
	seconds := flags&(optEX|optEXAT) != 0
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		c.errExpireTime()
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		n += c.tx.Now() // may wrap: caught below, as in Redis
	}
	if n <= 0 {
		c.errExpireTime()
		return 0, false
	}
	return n, true
}

func (c *Client) errExpireTime() {
	c.Error("ERR invalid expire time in '" + c.cmd.FullName + "' command")
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func cmdSet(c *Client, args [][]byte) {
	flags, expire, ok := parseStringOpts(args, true)
	if !ok {
		c.Error(ErrSyntax)
		return
	}
	setGeneric(c, flags, args[1], args[2], expire, false)
	if flags&optGet != 0 && expire == nil {
		// Propagated without GET (which may be repeated).
		kept := make([][]byte, 0, len(args))
		for j, a := range args {
			if j >= 3 && optIs(a, "get") {
				continue
			}
			kept = append(kept, a)
		}
		c.propagateAs(kept...)
	}
}

// setGeneric is Redis's setGenericCommand behind SET, SETNX, SETEX and
// PSETEX. intReply selects SETNX's :1/:0 replies over +OK/null.
func setGeneric(c *Client, flags int, key, val, expire []byte, intReply bool) {
	var at int64
	if expire != nil {
		var ok bool
		if at, ok = expireAtArg(c, flags, expire); !ok {
			return
		}
	}
	tx := c.tx
	get := flags&optGet != 0
	if get {
		old, found, err := tx.GetString(key)
		switch {
		case err != nil:
			c.errStore(err)
			return
		case found:
			c.w.Bulk(old)
		default:
			c.w.Null()
		}
	}
	if flags&(optNX|optXX) != 0 {
		found := tx.Exists(key)
		if (flags&optNX != 0 && found) || (flags&optXX != 0 && !found) {
			switch {
			case get:
			case intReply:
				c.w.Int(0)
			default:
				c.w.Null()
			}
			return
		}
	}
	tx.SetString(key, val, at, flags&optKeepTTL != 0)
	c.modified(key, evString, "set")
	if expire != nil {
		c.notify(evGeneric, "expire", key)
		// Propagated as SET key value PXAT <absolute ms>.
		c.propagateAs([]byte("SET"), key, val, []byte("PXAT"), strconv.AppendInt(nil, at, 10))
	}
	switch {
	case get:
	case intReply:
		c.w.Int(1)
	default:
		c.w.OK()
	}
}

// SETNX key value
func cmdSetNX(c *Client, args [][]byte) { setGeneric(c, optNX, args[1], args[2], nil, true) }

// SETEX key seconds value
func cmdSetEX(c *Client, args [][]byte) { setGeneric(c, optEX, args[1], args[3], args[2], false) }

// PSETEX key milliseconds value
func cmdPSetEX(c *Client, args [][]byte) { setGeneric(c, optPX, args[1], args[3], args[2], false) }

// replyGet replies with key's string value (null when absent), as Redis's
// getGenericCommand. It reports false after a WRONGTYPE error, and whether
// the key exists.
func replyGet(c *Client, key []byte) (ok, found bool) {
	v, found, err := c.tx.GetString(key)
	switch {
	case err != nil:
		c.errStore(err)
		return false, false
	case found:
		c.w.Bulk(v)
	default:
		c.w.Null()
	}
	return true, found
}

// GETSET key value
func cmdGetSet(c *Client, args [][]byte) {
	if ok, _ := replyGet(c, args[1]); !ok {
		return
	}
	c.tx.SetString(args[1], args[2], 0, false)
	c.modified(args[1], evString, "set")
	c.propagateAs([]byte("SET"), args[1], args[2])
}

// GETDEL key
func cmdGetDel(c *Client, args [][]byte) {
	if ok, found := replyGet(c, args[1]); ok && found {
		c.tx.Delete(args[1])
		c.modified(args[1], evGeneric, "del")
		c.propagateAs(c.srv.delCommand(false), args[1])
	}
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
// PXAT unix-time-milliseconds | PERSIST]
func cmdGetEx(c *Client, args [][]byte) {
	flags, expire, ok := parseStringOpts(args, false)
	if !ok {
		c.Error(ErrSyntax)
		return
	}
	key := args[1]
	tx := c.tx
	v, found, err := tx.GetString(key)
	switch {
	case err != nil:
		c.errStore(err)
		return
	case !found:
		c.w.Null()
		return
	}
	var at int64
	if expire != nil {
		if at, ok = expireAtArg(c, flags, expire); !ok {
			return
		}
	}
	c.w.Bulk(v)
	switch {
	case flags&(optEXAT|optPXAT) != 0 && at <= tx.Now() && !c.prop.loader:
		tx.Delete(key)
		c.modified(key, evGeneric, "del")
		c.propagateAs(c.srv.delCommand(true), key)
	case expire != nil:
		tx.SetExpiry(key, at)
		c.modified(key, evGeneric, "expire")
		c.propagateAs([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, at, 10))
	case flags&optPersist != 0:
		if e, _ := tx.Expiry(key); e != 0 {
			tx.SetExpiry(key, 0)
			c.modified(key, evGeneric, "persist")
			c.propagateAs([]byte("PERSIST"), key)
		}
	}
}

// MGET key [key ...]
func cmdMGet(c *Client, args [][]byte) {
	c.w.Array(len(args) - 1)
	for _, k := range args[1:] {
		if v, ok, err := c.tx.GetString(k); ok && err == nil {
			c.w.Bulk(v)
		} else {
			c.w.Null()
		}
	}
}

// MSET key value [key value ...]
func cmdMSet(c *Client, args [][]byte) {
	if len(args)%2 == 0 {
		c.errArity()
		return
	}
	msetAll(c, args)
	c.w.OK()
}

// MSETNX key value [key value ...]
func cmdMSetNX(c *Client, args [][]byte) {
	if len(args)%2 == 0 {
		c.errArity()
		return
	}
	for i := 1; i < len(args); i += 2 {
		if c.tx.Exists(args[i]) {
			c.w.Int(0)
			return
		}
	}
	msetAll(c, args)
	c.w.Int(1)
}

func msetAll(c *Client, args [][]byte) {
	for i := 1; i < len(args); i += 2 {
		c.tx.SetString(args[i], args[i+1], 0, false)
		c.modified(args[i], evString, "set")
	}
}

// APPEND key value
func cmdAppend(c *Client, args [][]byte) {
	n, err := c.tx.Append(args[1], args[2], c.srv.cfg.ProtoMaxBulkLen())
	if err != nil {
		c.errStore(err)
		return
	}
	c.modified(args[1], evString, "append")
	c.w.Int(int64(n))
}

// STRLEN key
func cmdStrLen(c *Client, args [][]byte) {
	n, err := c.tx.StrLen(args[1])
	if err != nil {
		c.errStore(err)
		return
	}
	c.w.Int(int64(n))
}

// GETRANGE key start end (and SUBSTR key start end)
func cmdGetRange(c *Client, args [][]byte) {
	start, ok1 := store.ParseInt(args[2])
	end, ok2 := store.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.Error(ErrNotInteger)
		return
	}
	v, _, err := c.tx.GetString(args[1])
	if err != nil {
		c.errStore(err)
		return
	}
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		c.w.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.w.Bulk(nil)
		return
	}
	c.w.Bulk(v[start : end+1])
}

// SETRANGE key offset value
func cmdSetRange(c *Client, args [][]byte) {
	off, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if off < 0 {
		c.Error(ErrOffsetRange)
		return
	}
	n, changed, err := c.tx.SetRange(args[1], off, args[3], c.srv.cfg.ProtoMaxBulkLen())
	if err != nil {
		c.errStore(err)
		return
	}
	if changed {
		c.modified(args[1], evString, "setrange")
	}
	c.w.Int(int64(n))
}

func incrDecr(c *Client, key []byte, delta int64) {
	n, err := c.tx.IncrBy(key, delta)
	if err != nil {
		c.errStore(err)
		return
	}
	c.modified(key, evString, "incrby")
	c.w.Int(n)
}

// INCR key
func cmdIncr(c *Client, args [][]byte) { incrDecr(c, args[1], 1) }

// DECR key
func cmdDecr(c *Client, args [][]byte) { incrDecr(c, args[1], -1) }

// INCRBY key increment
func cmdIncrBy(c *Client, args [][]byte) {
	n, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	incrDecr(c, args[1], n)
}

// DECRBY key decrement
func cmdDecrBy(c *Client, args [][]byte) {
	n, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.Error(ErrDecrOverflow)
		return
	}
	incrDecr(c, args[1], -n)
}

// INCRBYFLOAT key increment
func cmdIncrByFloat(c *Client, args [][]byte) {
	v, err := c.tx.IncrByFloat(args[1], args[2])
	if err != nil {
		c.errStore(err)
		return
	}
	c.w.Bulk(v)
	c.modified(args[1], evString, "incrbyfloat")
	// Propagated as SET with the result, so replaying never depends on
	// float formatting (Redis's SET key value KEEPTTL).
	c.propagateAs([]byte("SET"), args[1], v, []byte("KEEPTTL"))
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
func cmdLCS(c *Client, args [][]byte) {
	a, _, errA := c.tx.GetString(args[1])
	b, _, errB := c.tx.GetString(args[2])
	if errA != nil || errB != nil {
		c.Error(ErrLCSNotStrings)
		return
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(args); j++ {
		switch a := args[j]; {
		case optIs(a, "idx"):
			getIdx = true
		case optIs(a, "len"):
			getLen = true
		case optIs(a, "withmatchlen"):
			withLen = true
		case optIs(a, "minmatchlen") && j+1 < len(args):
			n, ok := store.ParseInt(args[j+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			minLen = max(n, 0)
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.Error(ErrLCSLenAndIdx)
		return
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		c.Error(ErrLCSTooLong)
		return
	}
	if store.LCSTableBytes(len(a), len(b)) > uint64(c.srv.cfg.ProtoMaxBulkLen()) {
		c.Error(ErrLCSMemory)
		return
	}
	n, seq, matches := store.LCS(a, b, getIdx || !getLen, int(min(minLen, math.MaxInt32)))
	switch {
	case getIdx:
		c.w.Map(2)
		c.w.BulkString("matches")
		c.w.Array(len(matches))
		for _, m := range matches {
			if withLen {
				c.w.Array(3)
			} else {
				c.w.Array(2)
			}
			c.w.Array(2)
			c.w.Int(int64(m.AStart))
			c.w.Int(int64(m.AEnd))
			c.w.Array(2)
			c.w.Int(int64(m.BStart))
			c.w.Int(int64(m.BEnd))
			if withLen {
				c.w.Int(int64(m.Len))
			}
		}
		c.w.BulkString("len")
		c.w.Int(int64(n))
	case getLen:
		c.w.Int(int64(n))
	default:
		c.w.Bulk(seq)
	}
}
