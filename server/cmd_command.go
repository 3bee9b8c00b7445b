package server

import (
	"bytes"
	"strings"

	"github.com/ember-kv/ember/store/glob"
)

// Introspection: COMMAND and its subcommands, answered from the command
// table.
//
// Two parts of Redis's reply are approximations, because the table does not
// carry them:
//   - tips are always an empty set;
//   - key specs are derived, not declared. A command with a first key gets
//     one spec {begin_search: index FirstKey, find_keys: range (LastKey
//     relative to FirstKey as Redis stores it, or negative from the end),
//     Step, limit 0}; a command with a Keys func gets, in addition, one
//     spec whose begin_search and find_keys are "unknown" and whose flags
//     include "incomplete", which tells clients to ask COMMAND GETKEYS. The
//     flags of every spec come from the command's flags: RO access for
//     read-only commands, RW update for writing ones, RO otherwise.
//
// Arity, flags, first/last/step and ACL categories are exact (checked
// against redis-server by tests/command_table_test.go).

func introspectionCommands() []*Command {
	sub := func(name string, arity int, since, summary, complexity string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: "loading stale sentinel", ACL: "@connection", Lock: LockNone,
			Group: "server", Since: since, Summary: summary, Complexity: complexity, Handler: h}
	}
	return []*Command{
		{Name: "command", Arity: -1, Flags: "loading stale sentinel", ACL: "@connection", Lock: LockNone, Group: "server", Since: "2.8.13",
			Summary: "Get array of Redis command details", Complexity: "O(N) where N is the total number of Redis commands", Handler: cmdCommand,
			Sub: []*Command{
				sub("count", 2, "2.8.13", "Get total number of Redis commands", "O(1)", cmdCommandCount),
				sub("docs", -2, "7.0.0", "Get array of specific Redis command documentation", "O(N) where N is the number of commands to look up", cmdCommandDocs),
				sub("getkeys", -4, "2.8.13", "Extract keys given a full Redis command", "O(N) where N is the number of arguments to the command", cmdCommandGetKeys),
				sub("getkeysandflags", -4, "7.0.0", "Extract keys and access flags given a full Redis command", "O(N) where N is the number of arguments to the command", cmdCommandGetKeysAndFlags),
				sub("help", 2, "5.0.0", "Show helpful text about the different subcommands", "O(1)", cmdCommandHelp),
				sub("info", -2, "2.8.13", "Get array of specific Redis command details, or all when no argument is given.", "O(N) where N is the number of commands to look up", cmdCommandInfo),
				sub("list", -2, "7.0.0", "Get an array of Redis command names", "O(N) where N is the total number of Redis commands", cmdCommandList),
			}},
	}
}

// COMMAND
func cmdCommand(c *Client, args [][]byte) {
	cmds := c.srv.table.registered()
	c.w.Array(len(cmds))
	for _, cmd := range cmds {
		replyCommandInfo(c, cmd)
	}
}

// COMMAND COUNT
func cmdCommandCount(c *Client, args [][]byte) { c.w.Int(int64(len(c.srv.table.byName))) }

// COMMAND INFO [command-name ...]
func cmdCommandInfo(c *Client, args [][]byte) {
	if len(args) == 2 {
		cmdCommand(c, args)
		return
	}
	c.w.Array(len(args) - 2)
	for _, name := range args[2:] {
		replyCommandInfo(c, c.srv.table.byFullName(name))
	}
}

// COMMAND DOCS [command-name ...]
func cmdCommandDocs(c *Client, args [][]byte) {
	var cmds []*Command
	if len(args) == 2 {
		cmds = c.srv.table.registered()
	} else {
		for _, name := range args[2:] {
			if cmd := c.srv.table.byFullName(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.w.Map(len(cmds))
	for _, cmd := range cmds {
		c.w.BulkString(cmd.FullName)
		replyCommandDocs(c, cmd)
	}
}

// COMMAND GETKEYS command [arg ...]
func cmdCommandGetKeys(c *Client, args [][]byte) { commandGetKeys(c, args, false) }

// COMMAND GETKEYSANDFLAGS command [arg ...]
func cmdCommandGetKeysAndFlags(c *Client, args [][]byte) { commandGetKeys(c, args, true) }

func commandGetKeys(c *Client, args [][]byte, withFlags bool) {
	argv := args[2:]
	cmd, ok := c.srv.table.Lookup(argv)
	switch {
	case cmd == nil || !ok:
		c.Error(errCommandInvalid)
		return
	case !cmd.hasKeys() || cmd.Has(FlagPubSub): // shard channels are not keys
		c.Error(errCommandNoKeys)
		return
	case (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity:
		c.Error(errCommandGetKeysArity)
		return
	}
	var keys []int
	for _, p := range cmd.keyPositions(argv, nil) {
		if p > 0 && p < len(argv) {
			keys = append(keys, p)
		}
	}
	if len(keys) == 0 && !cmd.Has(FlagNoMandatoryKeys) {
		c.Error(errCommandGetKeysArgs)
		return
	}
	c.w.Array(len(keys))
	flags := keySpecFlags(cmd)
	for _, p := range keys {
		if withFlags {
			c.w.Array(2)
			c.w.Bulk(argv[p])
			replyStatusSet(c, flags)
		} else {
			c.w.Bulk(argv[p])
		}
	}
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
func cmdCommandList(c *Client, args [][]byte) {
	var match func(cmd *Command) bool
	for i := 2; i < len(args); i++ {
		if !bytes.EqualFold(args[i], []byte("filterby")) || len(args)-1-i != 2 {
			c.Error(ErrSyntax)
			return
		}
		arg := args[i+2]
		switch {
		case bytes.EqualFold(args[i+1], []byte("module")):
			match = func(*Command) bool { return false } // no modules
		case bytes.EqualFold(args[i+1], []byte("aclcat")):
			cat := categoryByName(arg)
			match = func(cmd *Command) bool { return cat != 0 && cmd.categories&cat != 0 }
		case bytes.EqualFold(args[i+1], []byte("pattern")):
			match = func(cmd *Command) bool { return glob.MatchFold(arg, []byte(cmd.FullName)) }
		default:
			c.Error(ErrSyntax)
			return
		}
		i += 2
	}
	var names []string
	for _, cmd := range c.srv.table.registered() {
		if match == nil || match(cmd) {
			names = append(names, cmd.FullName)
		}
		for _, sc := range cmd.Sub {
			if match == nil || match(sc) {
				names = append(names, sc.FullName)
			}
		}
	}
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

// COMMAND HELP
func cmdCommandHelp(c *Client, args [][]byte) {
	introspectionHelp(c, args[0], []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}

// introspectionHelp writes a HELP reply in Redis's shape (addReplyHelp):
// a header naming the command, the lines, and the HELP entry.
func introspectionHelp(c *Client, name []byte, lines []string) {
	c.w.Array(len(lines) + 3)
	c.w.Simple(strings.ToUpper(string(name)) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.w.Simple(l)
	}
	c.w.Simple("HELP")
	c.w.Simple("    Prints this help.")
}

// hiddenFlags are the flags Redis keeps out of COMMAND replies.
const hiddenFlags = FlagMayReplicate | FlagSentinel | FlagOnlySentinel | FlagProtected | FlagModuleNoCluster

// replyCommandInfo writes one command in COMMAND INFO's shape, or a null
// for an unknown command.
func replyCommandInfo(c *Client, cmd *Command) {
	if cmd == nil {
		c.w.Null()
		return
	}
	c.w.Array(10)
	c.w.BulkString(cmd.FullName)
	c.w.Int(int64(cmd.Arity))
	var flags []string
	for i, n := range flagNames {
		if f := Flag(1) << i; cmd.flags&f != 0 && hiddenFlags&f == 0 {
			flags = append(flags, n)
		}
	}
	replyStatusSet(c, flags)
	c.w.Int(int64(cmd.FirstKey))
	c.w.Int(int64(cmd.LastKey))
	c.w.Int(int64(cmd.Step))
	replyStatusSet(c, cmd.CategoryList())
	c.w.Set(0) // tips
	replyKeySpecs(c, cmd)
	if len(cmd.Sub) == 0 {
		c.w.Set(0)
		return
	}
	c.w.Array(len(cmd.Sub))
	for _, sc := range cmd.Sub {
		replyCommandInfo(c, sc)
	}
}

// replyKeySpecs writes the key specs derived from the command's key
// positions (see the comment at the top of this file).
func replyKeySpecs(c *Client, cmd *Command) {
	n := 0
	if cmd.FirstKey > 0 {
		n++
	}
	if cmd.Keys != nil {
		n++
	}
	c.w.Set(n)
	flags := keySpecFlags(cmd)
	if cmd.FirstKey > 0 {
		last := cmd.LastKey
		if last >= 0 {
			last -= cmd.FirstKey
		}
		c.w.Map(3)
		c.w.BulkString("flags")
		replyStatusSet(c, flags)
		c.w.BulkString("begin_search")
		c.w.Map(2)
		c.w.BulkString("type")
		c.w.BulkString("index")
		c.w.BulkString("spec")
		c.w.Map(1)
		c.w.BulkString("index")
		c.w.Int(int64(cmd.FirstKey))
		c.w.BulkString("find_keys")
		c.w.Map(2)
		c.w.BulkString("type")
		c.w.BulkString("range")
		c.w.BulkString("spec")
		c.w.Map(3)
		c.w.BulkString("lastkey")
		c.w.Int(int64(last))
		c.w.BulkString("keystep")
		c.w.Int(int64(cmd.Step))
		c.w.BulkString("limit")
		c.w.Int(0)
	}
	if cmd.Keys != nil {
		c.w.Map(3)
		c.w.BulkString("flags")
		replyStatusSet(c, append(flags[:len(flags):len(flags)], "incomplete"))
		for _, part := range []string{"begin_search", "find_keys"} {
			c.w.BulkString(part)
			c.w.Map(2)
			c.w.BulkString("type")
			c.w.BulkString("unknown")
			c.w.BulkString("spec")
			c.w.Map(0)
		}
	}
}

// keySpecFlags approximates a command's key spec flags from its flags.
func keySpecFlags(cmd *Command) []string {
	switch {
	case cmd.Has(FlagPubSub):
		return []string{"not_key"} // shard channels
	case cmd.Has(FlagWrite):
		return []string{"RW", "update"}
	case cmd.Has(FlagReadonly):
		return []string{"RO", "access"}
	}
	return []string{"RO"}
}

// replyCommandDocs writes one command's COMMAND DOCS map.
func replyCommandDocs(c *Client, cmd *Command) {
	n := 1 // group is always present
	for _, s := range []string{cmd.Summary, cmd.Since, cmd.Complexity} {
		if s != "" {
			n++
		}
	}
	if len(cmd.Sub) > 0 {
		n++
	}
	n += docFields(cmd)
	c.w.Map(n)
	if cmd.Summary != "" {
		c.w.BulkString("summary")
		c.w.BulkString(cmd.Summary)
	}
	if cmd.Since != "" {
		c.w.BulkString("since")
		c.w.BulkString(cmd.Since)
	}
	c.w.BulkString("group")
	c.w.BulkString(cmd.Group)
	if cmd.Complexity != "" {
		c.w.BulkString("complexity")
		c.w.BulkString(cmd.Complexity)
	}
	writeDocs(c, cmd)
	if len(cmd.Sub) > 0 {
		c.w.BulkString("subcommands")
		c.w.Map(len(cmd.Sub))
		for _, sc := range cmd.Sub {
			c.w.BulkString(sc.FullName)
			replyCommandDocs(c, sc)
		}
	}
}

// replyStatusSet writes a set of status replies (flags, categories).
func replyStatusSet(c *Client, items []string) {
	c.w.Set(len(items))
	for _, s := range items {
		c.w.Simple(s)
	}
}

// hasKeys reports whether a command takes key arguments (Redis's
// doesCommandHaveKeys).
func (cmd *Command) hasKeys() bool { return cmd.Keys != nil || cmd.FirstKey > 0 }

// categoryByName finds an ACL category by its name without '@', ignoring
// case; 0 when there is none.
func categoryByName(name []byte) Category {
	for i, n := range CategoryNames {
		if strings.EqualFold(n, string(name)) {
			return 1 << i
		}
	}
	return 0
}

// registered lists the commands the table answers to, in registration
// order: renamed commands under their original names, hidden ones left out.
func (t *Table) registered() []*Command {
	live := make(map[*Command]bool, len(t.byName))
	for _, cmd := range t.byName {
		live[cmd] = true
	}
	out := make([]*Command, 0, len(live))
	for _, cmd := range t.list {
		if live[cmd] {
			out = append(out, cmd)
		}
	}
	return out
}

// byFullName finds a command by name or a subcommand by "container|sub",
// ignoring case, as Redis's lookupCommandBySds: nil when there is none.
func (t *Table) byFullName(name []byte) *Command {
	parts := bytes.Split(name, []byte("|"))
	if len(name) == 0 || len(parts) > 2 {
		return nil
	}
	cmd := t.lookupName(parts[0])
	if cmd == nil || len(parts) == 1 {
		return cmd
	}
	if cmd.subs == nil {
		return nil
	}
	return subLookup(cmd, parts[1])
}
