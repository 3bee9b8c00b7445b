package server

import (
	"github.com/ember-kv/ember/store"
)

// Bitmap commands (Redis's bitops.c).

func bitmapCommands() []*Command {
	bm := func(name string, arity int, flags, summary, complexity, since string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: "@bitmap", FirstKey: 1, LastKey: 1, Step: 1,
			Group: "bitmap", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	cmds := []*Command{
		bm("setbit", 4, "write denyoom", "Sets or clears the bit at offset in the string value stored at key", "O(1)", "2.2.0", cmdSetBit),
		bm("getbit", 3, "readonly fast", "Returns the bit value at offset in the string value stored at key", "O(1)", "2.2.0", cmdGetBit),
		bm("bitcount", -2, "readonly", "Count set bits in a string", "O(N)", "2.6.0", cmdBitCount),
		bm("bitpos", -3, "readonly", "Find first bit set or clear in a string", "O(N)", "2.8.7", cmdBitPos),
		bm("bitop", -4, "write denyoom", "Perform bitwise operations between strings", "O(N)", "2.6.0", cmdBitOp),
		bm("bitfield", -2, "write denyoom", "Perform arbitrary bitfield integer operations on strings", "O(1) for each subcommand specified", "3.2.0", cmdBitField),
		bm("bitfield_ro", -2, "readonly fast", "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "O(1) for each subcommand specified", "6.0.0", cmdBitFieldRO),
	}
	cmds[4].FirstKey, cmds[4].LastKey = 2, -1 // BITOP op destkey key [key ...]
	return cmds
}

// bitOffsetArg is Redis's getBitOffsetFromArgument: a bit offset that is
// not negative and addresses a byte below proto-max-bulk-len. With hash
// (BITFIELD), "#n" means n*bits. It replies with the error itself.
func bitOffsetArg(c *Client, arg []byte, hash bool, bits int) (uint64, bool) {
	useHash := hash && bits > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	off, ok := store.ParseInt(arg)
	if ok && useHash {
		off *= int64(bits) // wraps on overflow like the C code; caught below
	}
	if !ok || off < 0 || off>>3 >= c.srv.cfg.ProtoMaxBulkLen() {
		c.Error(ErrBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// SETBIT key offset value
func cmdSetBit(c *Client, args [][]byte) {
	off, ok := bitOffsetArg(c, args[2], false, 0)
	if !ok {
		return
	}
	on, ok := store.ParseInt(args[3])
	if !ok || on&^1 != 0 {
		c.Error(ErrBitValue)
		return
	}
	old, changed, err := c.tx.SetBit(args[1], off, on == 1)
	if err != nil {
		c.errStore(err)
		return
	}
	if changed {
		c.modified(args[1], evString, "setbit")
	}
	c.w.Int(int64(old))
}

// GETBIT key offset
func cmdGetBit(c *Client, args [][]byte) {
	off, ok := bitOffsetArg(c, args[2], false, 0)
	if !ok {
		return
	}
	v, _, err := c.tx.GetString(args[1])
	if err != nil {
		c.errStore(err)
		return
	}
	c.w.Int(int64(store.GetBitAt(v, off)))
}

// bitUnitArg parses BITCOUNT/BITPOS's BIT|BYTE argument.
func bitUnitArg(a []byte) (isBit, ok bool) {
	switch {
	case optIs(a, "bit"):
		return true, true
	case optIs(a, "byte"):
		return false, true
	}
	return false, false
}

// BITCOUNT key [start end [BYTE | BIT]]
func cmdBitCount(c *Client, args [][]byte) {
	v, found, err := c.tx.GetString(args[1])
	switch {
	case err != nil:
		c.errStore(err)
		return
	case !found:
		c.w.Int(0)
		return
	}
	switch len(args) {
	case 2:
		c.w.Int(store.Popcount(v))
	case 4, 5:
		start, ok1 := store.ParseInt(args[2])
		if !ok1 {
			c.Error(ErrNotInteger)
			return
		}
		end, ok2 := store.ParseInt(args[3])
		if !ok2 {
			c.Error(ErrNotInteger)
			return
		}
		if start < 0 && end < 0 && start > end {
			c.w.Int(0)
			return
		}
		isBit := false
		if len(args) == 5 {
			var ok bool
			if isBit, ok = bitUnitArg(args[4]); !ok {
				c.Error(ErrSyntax)
				return
			}
		}
		c.w.Int(store.BitCount(v, start, end, isBit))
	default:
		c.Error(ErrSyntax)
	}
}

// BITPOS key bit [start [end [BYTE | BIT]]]
func cmdBitPos(c *Client, args [][]byte) {
	bit, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if bit != 0 && bit != 1 {
		c.Error(ErrBitArg)
		return
	}
	v, found, err := c.tx.GetString(args[1])
	switch {
	case err != nil:
		c.errStore(err)
		return
	case !found:
		c.w.Int(-bit)
		return
	}
	switch len(args) {
	case 3:
		if len(v) == 0 {
			c.w.Int(-1) // the range 0..-1 is empty
			return
		}
		c.w.Int(store.BitPos(v, int(bit)))
	case 4, 5, 6:
		start, ok := store.ParseInt(args[3])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		isBit := false
		if len(args) == 6 {
			if isBit, ok = bitUnitArg(args[5]); !ok {
				c.Error(ErrSyntax)
				return
			}
		}
		var end int64
		if len(args) >= 5 {
			if end, ok = store.ParseInt(args[4]); !ok {
				c.Error(ErrNotInteger)
				return
			}
		}
		c.w.Int(store.BitPosRange(v, int(bit), start, end, len(args) >= 5, isBit))
	default:
		c.Error(ErrSyntax)
	}
}

// BITOP AND | OR | XOR | NOT destkey key [key ...]
func cmdBitOp(c *Client, args [][]byte) {
	var op store.BitOpKind
	switch a := args[1]; {
	case optIs(a, "and"):
		op = store.BitAnd
	case optIs(a, "or"):
		op = store.BitOr
	case optIs(a, "xor"):
		op = store.BitXor
	case optIs(a, "not"):
		op = store.BitNot
	default:
		c.Error(ErrSyntax)
		return
	}
	if op == store.BitNot && len(args) != 4 {
		c.Error(ErrBitOpNot)
		return
	}
	dst := args[2]
	n, deleted, err := c.tx.BitOp(op, dst, args[3:])
	if err != nil {
		c.errStore(err)
		return
	}
	switch {
	case n > 0:
		c.modified(dst, evString, "set")
	case deleted:
		c.modified(dst, evGeneric, "del")
	}
	c.w.Int(int64(n))
}

// bitfieldTypeArg parses a BITFIELD type: i1..i64 or u1..u63.
func bitfieldTypeArg(c *Client, a []byte) (signed bool, bits int, ok bool) {
	a = cstr(a)
	if len(a) == 0 || (a[0] != 'i' && a[0] != 'u') {
		c.Error(ErrBitfieldType)
		return false, 0, false
	}
	signed = a[0] == 'i'
	n, ok := store.ParseInt(a[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.Error(ErrBitfieldType)
		return false, 0, false
	}
	return signed, int(n), true
}

// BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL]
// <SET encoding offset value | INCRBY encoding offset increment> ...]
func cmdBitField(c *Client, args [][]byte) { bitfield(c, args, false) }

// BITFIELD_RO key [GET encoding offset ...]
func cmdBitFieldRO(c *Client, args [][]byte) { bitfield(c, args, true) }

func bitfield(c *Client, args [][]byte, readOnly bool) {
	var ops []store.BitFieldOp
	ow := store.OverflowWrap
	write := false
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var kind store.BitFieldKind
		switch sub := args[j]; {
		case optIs(sub, "get") && rem >= 2:
			kind = store.BitFieldGet
		case optIs(sub, "set") && rem >= 3:
			kind = store.BitFieldSet
		case optIs(sub, "incrby") && rem >= 3:
			kind = store.BitFieldIncr
		case optIs(sub, "overflow") && rem >= 1:
			j++
			switch t := args[j]; {
			case optIs(t, "wrap"):
				ow = store.OverflowWrap
			case optIs(t, "sat"):
				ow = store.OverflowSat
			case optIs(t, "fail"):
				ow = store.OverflowFail
			default:
				c.Error(ErrBitfieldOverflow)
				return
			}
			continue
		default:
			c.Error(ErrSyntax)
			return
		}
		signed, bits, ok := bitfieldTypeArg(c, args[j+1])
		if !ok {
			return
		}
		off, ok := bitOffsetArg(c, args[j+2], true, bits)
		if !ok {
			return
		}
		var val int64
		if kind != store.BitFieldGet {
			write = true
			if val, ok = store.ParseInt(args[j+3]); !ok {
				c.Error(ErrNotInteger)
				return
			}
			j++
		}
		ops = append(ops, store.BitFieldOp{Kind: kind, Signed: signed, Bits: bits, Offset: off, Value: val, Overflow: ow})
		j += 2
	}
	if write && readOnly {
		c.Error(ErrBitfieldRO)
		return
	}
	res, changes, err := c.tx.BitField(args[1], ops, make([]store.BitFieldResult, 0, len(ops)))
	if err != nil {
		c.errStore(err)
		return
	}
	if changes > 0 {
		c.modified(args[1], evString, "setbit")
		c.tx.Dirty += changes - 1
	}
	c.w.Array(len(res))
	for _, r := range res {
		if r.Nil {
			c.w.Null()
		} else {
			c.w.Int(r.Value)
		}
	}
}
