package server

// Keyspace commands: the ones that work on keys whatever their type.

func keyspaceCommands() []*Command {
	return []*Command{
		{Name: "del", Arity: -2, Flags: "write", ACL: "@keyspace", FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Deletes one or more keys.", Complexity: "O(N) where N is the number of keys that will be removed.", Handler: cmdDel},
		{Name: "exists", Arity: -2, Flags: "readonly fast", ACL: "@keyspace", FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Since: "1.0.0",
			Summary: "Determines whether one or more keys exist.", Complexity: "O(N) where N is the number of keys to check.", Handler: cmdExists},
		{Name: "dbsize", Arity: 1, Flags: "readonly fast", ACL: "@keyspace", Lock: LockAll, Group: "server", Since: "1.0.0",
			Summary: "Returns the number of keys in the database.", Complexity: "O(1)", Handler: cmdDBSize},
		{Name: "flushdb", Arity: -1, Flags: "write", ACL: "@keyspace @dangerous", Lock: LockAll, Group: "server", Since: "1.0.0",
			Summary: "Removes all keys from the current database.", Complexity: "O(N) where N is the number of keys in the selected database", Handler: cmdFlushDB},
	}
}

// DEL key [key ...]
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
	n := 0
	for _, k := range args[1:] {
		if c.tx.Exists(k) {
			n++
		}
	}
	c.w.Int(int64(n))
}

// DBSIZE
func cmdDBSize(c *Client, args [][]byte) { c.w.Int(int64(c.tx.DBSize(c.db))) }

// FLUSHDB [ASYNC | SYNC]
func cmdFlushDB(c *Client, args [][]byte) {
	c.flushed(c.db)
	c.tx.FlushDB(c.db)
	c.w.OK()
}
