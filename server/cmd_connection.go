package server

import (
	"github.com/ember-kv/ember/store"
)

// Connection commands: PING, ECHO, QUIT, RESET, SELECT, HELLO, AUTH.

func connectionCommands() []*Command {
	return []*Command{
		{Name: "ping", Arity: -1, Flags: "fast", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "1.0.0",
			Summary: "Ping the server", Complexity: "O(1)", Handler: cmdPing},
		{Name: "echo", Arity: 2, Flags: "loading stale fast", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "1.0.0",
			Summary: "Echo the given string", Complexity: "O(1)", Handler: cmdEcho},
		{Name: "quit", Arity: -1, Flags: "noscript loading stale fast no_auth allow_busy", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "1.0.0",
			Summary: "Close the connection", Complexity: "O(1)", Handler: cmdQuit},
		{Name: "reset", Arity: 1, Flags: "noscript loading stale fast no_auth allow_busy", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "6.2.0",
			Summary: "Reset the connection", Complexity: "O(1)", Handler: cmdReset},
		{Name: "select", Arity: 2, Flags: "loading stale fast", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "1.0.0",
			Summary: "Change the selected database for the current connection", Complexity: "O(1)", Handler: cmdSelect},
		{Name: "hello", Arity: -1, Flags: "noscript loading stale fast no_auth allow_busy", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "6.0.0",
			Summary: "Handshake with Redis", Complexity: "O(1)", Handler: cmdHello},
		{Name: "auth", Arity: -2, Flags: "noscript loading stale fast no_auth allow_busy", ACL: "@connection", Lock: LockNone, Group: "connection", Since: "1.0.0",
			Summary: "Authenticate to the server", Complexity: "O(N) where N is the number of passwords defined for the user", Handler: cmdAuth},
	}
}

// PING [message]
func cmdPing(c *Client, args [][]byte) {
	if len(args) > 2 {
		c.errArity()
		return
	}
	if c.w.proto == 2 && c.subscribed() {
		// In RESP2 Pub/Sub mode the reply must look like a message.
		c.w.Array(2)
		c.w.BulkString("pong")
		if len(args) == 1 {
			c.w.BulkString("")
		} else {
			c.w.Bulk(args[1])
		}
		return
	}
	if len(args) == 1 {
		c.w.Simple("PONG")
		return
	}
	c.w.Bulk(args[1])
}

// ECHO message
func cmdEcho(c *Client, args [][]byte) { c.w.Bulk(args[1]) }

// QUIT
func cmdQuit(c *Client, args [][]byte) {
	c.w.OK()
	c.closeAfter = true
}

// RESET
func cmdReset(c *Client, args [][]byte) {
	c.resetState()
	c.w.Simple("RESET")
}

// resetState returns the connection to its state just after connecting
// (RESET): database 0, RESP2, no name, reply on, and unauthenticated when
// the server has a password.
func (c *Client) resetState() {
	c.resetIntrospection()
	c.discardTransaction()
	c.selectDB(0)
	c.setProto(2)
	c.SetName("")
	c.replyMode = replyOn
	c.authenticated = !c.srv.authRequired()
	c.aclUser.Store(nil)
}

func (c *Client) setProto(v int) {
	c.w.proto = v
	c.protoVer.Store(int32(v))
}

// SELECT index
func cmdSelect(c *Client, args [][]byte) {
	db, ok := store.ParseInt(args[1])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if db < -1<<31 || db > 1<<31-1 {
		c.Error(ErrInt32Range)
		return
	}
	if db < 0 || db >= int64(c.srv.store.Databases()) {
		c.Error(ErrDBIndex)
		return
	}
	c.selectDB(int(db))
	c.tx.SetDB(int(db))
	c.w.OK()
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func cmdHello(c *Client, args [][]byte) {
	ver := int64(0)
	next := 1
	if len(args) >= 2 {
		v, ok := store.ParseInt(args[1])
		if !ok {
			c.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.Error(ErrProtoVersion)
			return
		}
		ver = v
		next = 2
	}
	var name []byte
	setName := false
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case optIs(args[j], "auth") && more >= 2:
			if !c.authenticate(args[j+1], args[j+2], args) {
				c.Error(ErrWrongPass)
				return
			}
			j += 2
		case optIs(args[j], "setname") && more >= 1:
			if !validClientName(args[j+1]) {
				c.Error(errClientName)
				return
			}
			name, setName = args[j+1], true
			j++
		default:
			c.Error("ERR Syntax error in HELLO option '" + string(cstr(args[j])) + "'")
			return
		}
	}
	if !c.authenticated {
		c.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if setName {
		c.SetName(string(name))
	}
	if ver != 0 {
		c.setProto(int(ver))
	}
	c.w.Map(7)
	c.w.BulkString("server")
	c.w.BulkString("redis")
	c.w.BulkString("version")
	c.w.BulkString(RedisVersion)
	c.w.BulkString("proto")
	c.w.Int(int64(c.w.proto))
	c.w.BulkString("id")
	c.w.Int(c.id)
	c.w.BulkString("mode")
	c.w.BulkString("standalone")
	c.w.BulkString("role")
	c.w.BulkString("master")
	c.w.BulkString("modules")
	c.w.Array(0)
}

// AUTH [username] password
func cmdAuth(c *Client, args [][]byte) {
	if len(args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	user, pass := []byte("default"), args[1]
	if len(args) == 2 {
		if c.srv.acl.defaultUser.get().flags&userNoPass != 0 {
			c.Error(ErrAuthNoPassword)
			return
		}
	} else {
		user, pass = args[1], args[2]
	}
	if !c.authenticate(user, pass, args) {
		c.Error(ErrWrongPass)
		return
	}
	c.w.OK()
}

// authenticate checks credentials against the ACL users (passwords are
// kept as SHA-256 hashes and compared in constant time) and, on success,
// authenticates the client as that user. A failure is counted and logged
// in the ACL log, as Redis's ACLAuthenticateUser.
func (c *Client) authenticate(user, pass []byte, args [][]byte) bool {
	return c.authenticateUser(user, pass, args)
}

const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

// validClientName reports whether name is allowed (printable ASCII, no spaces).
func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}
