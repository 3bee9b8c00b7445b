package server

import (
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/ember-kv/ember/store"
)

// CLIENT: connection introspection and control.

func clientCommands() []*Command {
	sub := func(name string, arity int, flags, since, summary, complexity string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: "@connection", Lock: LockNone, Group: "connection", Since: since,
			Summary: summary, Complexity: complexity, Handler: h}
	}
	return []*Command{
		{Name: "client", Arity: -2, Lock: LockNone, Group: "connection", Since: "2.4.0",
			Summary: "A container for client connection commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				sub("getname", 2, "noscript loading stale", "2.6.9", "Get the current connection name", "O(1)", cmdClientGetName),
				sub("getredir", 2, "noscript loading stale", "6.0.0", "Get tracking notifications redirection client ID if any", "O(1)", cmdClientGetRedir),
				sub("help", 2, "loading stale", "5.0.0", "Show helpful text about the different subcommands", "O(1)", cmdClientHelp),
				sub("id", 2, "noscript loading stale", "5.0.0", "Returns the client ID for the current connection", "O(1)", cmdClientID),
				sub("info", 2, "noscript loading stale", "6.2.0", "Returns information about the current client connection.", "O(1)", cmdClientInfo),
				sub("kill", -3, "admin noscript loading stale", "2.4.0", "Kill the connection of a client", "O(N) where N is the number of client connections", cmdClientKill),
				sub("list", -2, "admin noscript loading stale", "2.4.0", "Get the list of client connections", "O(N) where N is the number of client connections", cmdClientList),
				sub("no-evict", 3, "admin noscript loading stale", "7.0.0", "Set client eviction mode for the current connection", "O(1)", cmdClientNoEvict),
				sub("reply", 3, "noscript loading stale", "3.2.0", "Instruct the server whether to reply to commands", "O(1)", cmdClientReply),
				sub("setname", 3, "noscript loading stale", "2.6.9", "Set the current connection name", "O(1)", cmdClientSetName),
				sub("unblock", -3, "admin noscript loading stale", "5.0.0", "Unblock a client blocked in a blocking command from a different connection", "O(log N) where N is the number of client connections", cmdClientUnblock),
				sub("caching", 3, "noscript loading stale", "6.0.0", "Instruct the server about tracking or not keys in the next request", "O(1)", cmdClientCaching),
				sub("pause", -3, "admin noscript loading stale", "2.9.50", "Stop processing commands from clients for some time", "O(1)", cmdClientPause),
				sub("tracking", -3, "noscript loading stale", "6.0.0", "Enable or disable server assisted client side caching support", "O(1). Some options may introduce additional complexity.", cmdClientTracking),
				sub("trackinginfo", 2, "noscript loading stale", "6.2.0", "Return information about server assisted client side caching for the current connection", "O(1)", cmdClientTrackingInfo),
				sub("unpause", 2, "admin noscript loading stale", "6.2.0", "Resume processing of clients that were paused", "O(N) Where N is the number of paused clients", cmdClientUnpause),
			}},
	}
}

// Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
const (
	clientNormal = iota
	clientReplica
	clientPubSub
	clientMaster
)

func clientTypeByName(name []byte) int {
	switch optKeyword(name) {
	case "normal":
		return clientNormal
	case "slave", "replica":
		return clientReplica
	case "pubsub":
		return clientPubSub
	case "master":
		return clientMaster
	}
	return -1
}

// clientType is the client's type (getClientType): Ember has no replicas;
// a MONITOR client counts as normal.
func (c *Client) clientType() int {
	if c.subscribed() {
		return clientPubSub
	}
	return clientNormal
}

// CLIENT ID
func cmdClientID(c *Client, args [][]byte) { c.w.Int(c.id) }

// CLIENT GETNAME
func cmdClientGetName(c *Client, args [][]byte) {
	if n := c.Name(); n != "" {
		c.w.BulkString(n)
		return
	}
	c.w.Null()
}

// CLIENT SETNAME connection-name
func cmdClientSetName(c *Client, args [][]byte) {
	if !validClientName(args[2]) {
		c.Error(errClientName)
		return
	}
	c.SetName(string(args[2]))
	c.w.OK()
}

// CLIENT NO-EVICT ON|OFF
func cmdClientNoEvict(c *Client, args [][]byte) {
	switch optKeyword(args[2]) {
	case "on":
		c.noEvict.Store(true)
	case "off":
		c.noEvict.Store(false)
	default:
		c.Error(ErrSyntax)
		return
	}
	c.w.OK()
}

// CLIENT REPLY ON|OFF|SKIP
func cmdClientReply(c *Client, args [][]byte) {
	switch optKeyword(args[2]) {
	case "on":
		c.replyMode = replyOn
		c.w.OK()
	case "off":
		c.replyMode = replyOff
	case "skip":
		if c.replyMode != replyOff {
			c.replyMode = replySkipNext
		}
	default:
		c.Error(ErrSyntax)
	}
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
func cmdClientUnblock(c *Client, args [][]byte) {
	if len(args) > 4 {
		subcommandSyntaxError(c, "client", args[1])
		return
	}
	withError := false
	if len(args) == 4 {
		switch optKeyword(args[3]) {
		case "timeout":
		case "error":
			withError = true
		default:
			c.Error(errClientUnblockWhy)
			return
		}
	}
	id, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if c.srv.unblockClient(id, withError) {
		if withError {
			// Redis sends the target its error while CLIENT UNBLOCK runs,
			// and call() counts any error reply during a command as that
			// command failing.
			c.errCount++
		}
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

// CLIENT INFO
func cmdClientInfo(c *Client, args [][]byte) {
	b := c.appendInfo(nil, c, args)
	b = append(b, '\n')
	c.w.Verbatim(string(b))
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
func cmdClientList(c *Client, args [][]byte) {
	var b []byte
	switch {
	case len(args) == 4 && optIs(args[2], "type"):
		typ := clientTypeByName(args[3])
		if typ < 0 {
			c.Error(fmt.Sprintf("ERR Unknown client type '%s'", cstr(args[3])))
			return
		}
		for _, o := range c.srv.clients.all() {
			if o.clientType() == typ {
				b = c.appendInfo(b, o, args)
				b = append(b, '\n')
			}
		}
	case len(args) > 3 && optIs(args[2], "id"):
		for _, a := range args[3:] {
			id, ok := store.ParseInt(a)
			if !ok {
				c.Error(errClientBadID)
				return
			}
			if o := c.srv.clients.get(id); o != nil {
				b = c.appendInfo(b, o, args)
				b = append(b, '\n')
			}
		}
	case len(args) != 2:
		c.Error(ErrSyntax)
		return
	default:
		for _, o := range c.srv.clients.all() {
			b = c.appendInfo(b, o, args)
			b = append(b, '\n')
		}
	}
	c.w.Verbatim(string(b))
}

// connFD returns the socket's file descriptor (-1 when it has none).
func connFD(nc net.Conn) int64 {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := int64(-1)
	_ = raw.Control(func(f uintptr) { fd = int64(f) })
	return fd
}

// requestLen is the size of args as a RESP multibulk request: what Redis's
// query buffer holds while the command runs.
func requestLen(args [][]byte) (total, argvMem int) {
	total = len(strconv.Itoa(len(args))) + 3
	for _, a := range args {
		total += len(strconv.Itoa(len(a))) + 3 + len(a) + 2
		argvMem += len(a)
	}
	return total, argvMem
}

// appendInfo appends o's CLIENT LIST line, with Redis 7.0's fields in its
// order. self is the client asking (c), whose own buffers can be read;
// other clients' are read through their atomics only.
func (c *Client) appendInfo(b []byte, o *Client, args [][]byte) []byte {
	now := time.Now()
	flags := make([]byte, 0, 4)
	if o.monitoring.Load() {
		flags = append(flags, 'O')
	}
	if o.subscribed() {
		flags = append(flags, 'P')
	}
	multi := -1
	if o == c && c.multi != nil {
		flags = append(flags, 'x')
		multi = len(c.multi.cmds)
	}
	if o.isBlocked() || o.paused.Load() {
		flags = append(flags, 'b')
	}
	tf := o.track.flags.Load()
	if tf&trackFlagOn != 0 {
		flags = append(flags, 't')
	}
	if tf&trackFlagBroken != 0 {
		flags = append(flags, 'R')
	}
	if tf&trackFlagBcast != 0 {
		flags = append(flags, 'B')
	}
	if o == c && c.closeAfter {
		flags = append(flags, 'c')
	}
	if o.noEvict.Load() {
		flags = append(flags, 'e')
	}
	if len(flags) == 0 {
		flags = append(flags, 'N')
	}
	qbuf := o.qbuf.Load()
	var argvMem, rbs int64
	user := o.userName()
	if o == c {
		reqLen, am := requestLen(args)
		qbuf += int64(reqLen)
		argvMem = int64(am)
		rbs = int64(cap(c.w.b))
	}
	qfree := o.queryBufFree(qbuf)
	omem := o.obuf.Load()
	events := "r"
	if omem > 0 {
		events = "rw"
	}
	cmd := "NULL"
	if lc := o.lastCmd.Load(); lc != nil {
		cmd = lc.FullName
	}
	totMem := o.memUsage()
	var multiMem int
	if o == c {
		totMem = c.memIn() + argvMem + omem
		if c.multi != nil {
			multiMem = c.multi.argvBytes
		}
	}
	redir := int64(-1)
	if tf&trackFlagOn != 0 {
		redir = o.track.redirectID.Load()
	}
	b = fmt.Appendf(b, "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=%d rbs=%d rbp=%d obl=0 oll=0 omem=%d tot-mem=%d events=%s cmd=%s user=%s redir=%d resp=%d",
		o.id, o.addr, o.laddr, connFD(o.conn), o.Name(),
		int64(now.Sub(o.created)/time.Second),
		(now.UnixNano()-o.lastInteraction.Load())/int64(time.Second),
		flags, o.curDB.Load(), o.subs.nsub.Load(), o.subs.npsub.Load(), o.subs.nssub.Load(), multi,
		qbuf, qfree, argvMem, multiMem, rbs, rbs, omem, totMem, events, cmd, user, redir, o.protoVer.Load())
	return b
}

// CLIENT KILL ip:port
// CLIENT KILL [ID client-id] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME YES|NO] ...
func cmdClientKill(c *Client, args [][]byte) {
	var addr, laddr []byte
	var user *User
	typ := -1
	var id int64
	skipme := true
	if len(args) == 3 {
		addr = args[2]
		skipme = false
	} else {
		for i := 2; i < len(args); i += 2 {
			more := i+1 < len(args)
			opt := optKeyword(args[i])
			switch {
			case opt == "id" && more:
				n, ok := store.ParseInt(args[i+1])
				if !ok || n < 1 {
					c.Error(errClientIDRange)
					return
				}
				id = n
			case opt == "type" && more:
				if typ = clientTypeByName(args[i+1]); typ < 0 {
					c.Error(fmt.Sprintf("ERR Unknown client type '%s'", cstr(args[i+1])))
					return
				}
			case opt == "addr" && more:
				addr = args[i+1]
			case opt == "laddr" && more:
				laddr = args[i+1]
			case opt == "user" && more:
				if user = c.srv.acl.user(args[i+1]); user == nil {
					c.Error(fmt.Sprintf("ERR No such user '%s'", cstr(args[i+1])))
					return
				}
			case opt == "skipme" && more:
				switch optKeyword(args[i+1]) {
				case "yes":
					skipme = true
				case "no":
					skipme = false
				default:
					c.Error(ErrSyntax)
					return
				}
			default:
				c.Error(ErrSyntax)
				return
			}
		}
	}
	killed := 0
	for _, o := range c.srv.clients.all() {
		if addr != nil && o.addr != string(addr) {
			continue
		}
		if laddr != nil && o.laddr != string(laddr) {
			continue
		}
		if typ >= 0 && o.clientType() != typ {
			continue
		}
		if id != 0 && o.id != id {
			continue
		}
		if user != nil && o.currentUser() != user {
			continue
		}
		if o == c && skipme {
			continue
		}
		if o == c {
			c.closeAfter = true
		} else {
			o.Kill()
		}
		killed++
	}
	if len(args) == 3 {
		if killed == 0 {
			c.Error(errClientNoSuch)
		} else {
			c.w.OK()
		}
		return
	}
	c.w.Int(int64(killed))
}

// CLIENT HELP
func cmdClientHelp(c *Client, args [][]byte) {
	writeHelp(c, "CLIENT", []string{
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}
