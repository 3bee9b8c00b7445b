package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ember-kv/ember/store"
)

// ACL: users and permissions (Redis 7.0's aclCommand).

func aclCommands() []*Command {
	sub := func(name string, arity int, flags, summary, complexity string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Lock: LockNone, Group: "server", Since: "6.0.0",
			Summary: summary, Complexity: complexity, Handler: h}
	}
	adm := "admin noscript loading stale"
	return []*Command{
		{Name: "acl", Arity: -2, Lock: LockNone, Group: "server", Since: "6.0.0",
			Summary: "A container for Access List Control commands ", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				sub("cat", -2, "noscript loading stale", "List the ACL categories or the commands inside a category", "O(1) since the categories and commands are a fixed set.", cmdACLCat),
				sub("deluser", -3, adm, "Remove the specified ACL users and the associated rules", "O(1) amortized time considering the typical user.", cmdACLDelUser),
				withSince(sub("dryrun", -4, adm, "Returns whether the user can execute the given command without executing the command.", "O(1).", cmdACLDryRun), "7.0.0"),
				sub("genpass", -2, "noscript loading stale", "Generate a pseudorandom secure password to use for ACL users", "O(1)", cmdACLGenPass),
				sub("getuser", 3, adm, "Get the rules for a specific ACL user", "O(N). Where N is the number of password, command and pattern rules that the user has.", cmdACLGetUser),
				sub("help", 2, "loading stale", "Show helpful text about the different subcommands", "O(1)", cmdACLHelp),
				sub("list", 2, adm, "List the current ACL rules in ACL config file format", "O(N). Where N is the number of configured users.", cmdACLList),
				sub("load", 2, adm, "Reload the ACLs from the configured ACL file", "O(N). Where N is the number of configured users.", cmdACLLoad),
				sub("log", -2, adm, "List latest events denied because of ACLs in place", "O(N) with N being the number of entries shown.", cmdACLLog),
				sub("save", 2, adm, "Save the current ACL rules in the configured ACL file", "O(N). Where N is the number of configured users.", cmdACLSave),
				sub("setuser", -3, adm, "Modify or create the rules for a specific ACL user", "O(N). Where N is the number of rules provided.", cmdACLSetUser),
				sub("users", 2, adm, "List the username of all the configured ACL rules", "O(N). Where N is the number of configured users.", cmdACLUsers),
				sub("whoami", 2, "noscript loading stale", "Return the name of the user associated to the current connection", "O(1)", cmdACLWhoAmI),
			}},
	}
}

func withSince(c *Command, since string) *Command {
	c.Since = since
	return c
}

// ACL CAT [category]
func cmdACLCat(c *Client, args [][]byte) {
	if len(args) > 3 {
		subcommandSyntaxError(c, "acl", args[1])
		return
	}
	if len(args) == 2 {
		c.w.Array(len(CategoryNames))
		for _, n := range CategoryNames {
			c.w.BulkString(n)
		}
		return
	}
	j := indexFold(CategoryNames, string(cstr(args[2])))
	if j < 0 {
		c.Error(fmt.Sprintf("ERR Unknown category '%s'", truncate(cstr(args[2]), 128)))
		return
	}
	var names []string
	var walk func(list []*aclCommand)
	walk = func(list []*aclCommand) {
		for _, ac := range list {
			if ac.cats&(1<<j) != 0 {
				names = append(names, ac.name)
			}
			walk(ac.subs)
		}
	}
	walk(c.srv.acl.u.top)
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

// ACL SETUSER username [rule [rule ...]]
func cmdACLSetUser(c *Client, args [][]byte) {
	if hasSpaces(args[2]) {
		c.Error("ERR Usernames can't contain spaces or null characters")
		return
	}
	if msg := c.srv.acl.setUser(string(args[2]), args[3:]); msg != "" {
		c.Error("ERR " + safeErrorText(msg))
		return
	}
	c.srv.killDeniedSubscribers(c, c.srv.acl.user(args[2]))
	c.w.OK()
}

// safeErrorText replaces newlines as Redis's addReplyErrorSdsSafe does.
func safeErrorText(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// ACL DELUSER username [username ...]
func cmdACLDelUser(c *Client, args [][]byte) {
	for _, n := range args[2:] {
		if string(n) == "default" {
			c.Error("ERR The 'default' user cannot be removed")
			return
		}
	}
	c.w.Int(int64(c.srv.deleteUsers(c, args[2:])))
}

// ACL GETUSER username
func cmdACLGetUser(c *Client, args [][]byte) {
	u := c.srv.acl.user(args[2])
	if u == nil {
		c.w.Null()
		return
	}
	r := u.get()
	c.w.Map(6)
	c.w.BulkString("flags")
	var flags []string
	for i, n := range userFlagNames {
		if r.flags&(1<<i) != 0 {
			flags = append(flags, n)
		}
	}
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.BulkString(f)
	}
	c.w.BulkString("passwords")
	c.w.Array(len(r.passwords))
	for _, p := range r.passwords {
		c.w.BulkString(p)
	}
	c.writeSelector(r.selectors[0])
	c.w.BulkString("selectors")
	c.w.Array(len(r.selectors) - 1)
	for _, s := range r.selectors[1:] {
		c.w.Map(3)
		c.writeSelector(s)
	}
}

func (c *Client) writeSelector(s *aclSelector) {
	c.w.BulkString("commands")
	c.w.BulkString(c.srv.acl.describeCommands(s))
	c.w.BulkString("keys")
	c.w.BulkString(s.keysString())
	c.w.BulkString("channels")
	c.w.BulkString(s.channelsString())
}

// ACL LIST
func cmdACLList(c *Client, args [][]byte) {
	users := c.srv.acl.sortedUsers()
	c.w.Array(len(users))
	for _, u := range users {
		c.w.BulkString("user " + u.name + " " + c.srv.acl.describeUser(u.get()))
	}
}

// ACL USERS
func cmdACLUsers(c *Client, args [][]byte) {
	users := c.srv.acl.sortedUsers()
	c.w.Array(len(users))
	for _, u := range users {
		c.w.BulkString(u.name)
	}
}

// ACL WHOAMI
func cmdACLWhoAmI(c *Client, args [][]byte) { c.w.BulkString(c.userName()) }

// ACL LOAD
func cmdACLLoad(c *Client, args [][]byte) {
	file := c.srv.cfg.MustGet("aclfile")
	if file == "" {
		c.Error(errACLNoFile.Error())
		return
	}
	if msg := c.srv.loadACLFile(c, file); msg != "" {
		c.Error("ERR " + msg)
		return
	}
	c.w.OK()
}

// ACL SAVE
func cmdACLSave(c *Client, args [][]byte) {
	file := c.srv.cfg.MustGet("aclfile")
	if file == "" {
		c.Error(errACLNoFile.Error())
		return
	}
	if err := c.srv.saveACLFile(file); err != nil {
		c.Error("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	c.w.OK()
}

// genpassMaxBits bounds ACL GENPASS, as Redis.
const genpassMaxBits = 4096

// ACL GENPASS [bits]
func cmdACLGenPass(c *Client, args [][]byte) {
	if len(args) > 3 {
		subcommandSyntaxError(c, "acl", args[1])
		return
	}
	bits := int64(256)
	if len(args) == 3 {
		n, ok := store.ParseInt(args[2])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		bits = n
	}
	if bits <= 0 || bits > genpassMaxBits {
		c.Error(fmt.Sprintf("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to %d", genpassMaxBits))
		return
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	_, _ = rand.Read(buf)
	c.w.BulkString(hex.EncodeToString(buf)[:chars])
}

// ACL LOG [count | RESET]
func cmdACLLog(c *Client, args [][]byte) {
	if len(args) > 3 {
		subcommandSyntaxError(c, "acl", args[1])
		return
	}
	a := &c.srv.acl
	count := int64(10)
	if len(args) == 3 {
		if optIs(args[2], "reset") {
			a.mu.Lock()
			a.log = nil
			a.mu.Unlock()
			c.w.OK()
			return
		}
		n, ok := store.ParseInt(args[2])
		if !ok {
			c.Error(ErrNotInteger)
			return
		}
		count = max(n, 0)
	}
	a.mu.Lock()
	n := min(count, int64(len(a.log)))
	entries := make([]aclLogEntry, n)
	for i := range entries {
		entries[i] = *a.log[i]
	}
	a.mu.Unlock()
	now := time.Now().UnixMilli()
	c.w.Array(len(entries))
	for _, e := range entries {
		c.w.Map(7)
		c.w.BulkString("count")
		c.w.Int(e.count)
		c.w.BulkString("reason")
		c.w.BulkString([]string{"unknown", "command", "key", "auth", "channel"}[e.reason])
		c.w.BulkString("context")
		c.w.BulkString([]string{"toplevel", "multi", "lua", "module"}[e.context])
		c.w.BulkString("object")
		c.w.BulkString(e.object)
		c.w.BulkString("username")
		c.w.BulkString(e.username)
		c.w.BulkString("age-seconds")
		c.w.Double(float64(now-e.ctime) / 1000)
		c.w.BulkString("client-info")
		c.w.BulkString(e.cinfo)
	}
}

// ACL DRYRUN username command [arg ...]
func cmdACLDryRun(c *Client, args [][]byte) {
	a := &c.srv.acl
	u := a.user(args[2])
	if u == nil {
		c.Error(fmt.Sprintf("ERR User '%s' not found", cstr(args[2])))
		return
	}
	cargs := args[3:]
	ac := a.lookupArgs(c.srv.table, cargs)
	if ac == nil {
		c.Error(fmt.Sprintf("ERR Command '%s' not found", cstr(cargs[0])))
		return
	}
	if (ac.arity > 0 && ac.arity != len(cargs)) || len(cargs) < -ac.arity {
		c.Error(fmt.Sprintf("ERR wrong number of arguments for '%s' command", ac.name))
		return
	}
	res, pos := u.get().checkAll(ac, cargs)
	switch res {
	case aclOK:
		c.w.OK()
	case aclDeniedCmd:
		c.w.BulkString(fmt.Sprintf("This user has no permissions to run the '%s' command", ac.name))
	case aclDeniedKey:
		c.w.BulkString(fmt.Sprintf("This user has no permissions to access the '%s' key", cstr(cargs[pos])))
	case aclDeniedChannel:
		c.w.BulkString(fmt.Sprintf("This user has no permissions to access the '%s' channel", cstr(cargs[pos])))
	}
}

// lookupArgs resolves a command line to an ACL command as Redis's
// lookupCommand: the table's command (renamed names included) or, for a
// Redis command Ember does not have yet, Redis's description of it. A
// container with an unknown subcommand is not found.
func (a *aclState) lookupArgs(t *Table, args [][]byte) *aclCommand {
	if cmd, ok := t.Lookup(args); cmd != nil {
		if !ok {
			return nil
		}
		if ac := a.u.commandOf(cmd); ac != nil {
			return ac
		}
	}
	base := a.u.byName[strings.ToLower(string(args[0]))]
	if base == nil || base.ember {
		// Unknown, or a table command renamed away by rename-command.
		return nil
	}
	if len(args) == 1 || len(base.subs) == 0 {
		return base
	}
	return base.subByName[strings.ToLower(string(args[1]))]
}

// ACL HELP
func cmdACLHelp(c *Client, args [][]byte) {
	writeHelp(c, "ACL", []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
	})
}
