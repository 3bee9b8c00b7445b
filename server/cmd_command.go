package server

import (
	"bytes"
	"strings"

	"github.com/ember-kv/ember/store"
	"github.com/ember-kv/ember/store/glob"
)

//go:generate sh -c "go run ./internal/gendocs -info > command_info_data.go"

// Introspection: COMMAND and its subcommands, answered from the command
// table and, for the command tips and key specs, from Redis's own
// (command_info_data.go, generated from redis-server 7.0.15's COMMAND
// reply). COMMAND GETKEYS and GETKEYSANDFLAGS follow those key specs as
// Redis's getKeysFromCommandWithSpecs does, falling back to Redis's
// per-command key functions (getKeysFuncs) when a spec cannot be followed.
// Ember's own key positions (Command FirstKey/LastKey/Step/Keys), used for
// locking, are checked against the specs by cmd_command_test.go.
//
// Arity, flags, first/last/step and ACL categories come from Ember's table
// (checked against redis-server by tests/command_table_test.go).

// commandInfo is the part of Redis's COMMAND INFO reply that Ember's
// command table does not carry.
type commandInfo struct {
	tips  []string
	specs []keySpec
	notes []string // per spec; nil when no spec has notes
}

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
	case !commandHasKeys(cmd):
		c.Error(errCommandNoKeys)
		return
	case (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity:
		c.Error(errCommandGetKeysArity)
		return
	}
	keys := specKeys(cmd, argv, nil)
	if len(keys) == 0 {
		if cmd.Has(FlagNoMandatoryKeys) {
			c.w.Array(0)
		} else {
			c.Error(errCommandGetKeysArgs)
		}
		return
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		if withFlags {
			c.w.Array(2)
			c.w.Bulk(argv[k.pos])
			replyKeySpecFlags(c, k.flags)
		} else {
			c.w.Bulk(argv[k.pos])
		}
	}
}

// commandHasKeys is Redis's doesCommandHaveKeys: a key function, or a key
// spec that is not NOT_KEY.
func commandHasKeys(cmd *Command) bool {
	if getKeysFuncs[cmd.FullName] != nil {
		return true
	}
	ci := redisCommandInfo[cmd.FullName]
	if ci == nil {
		return cmd.hasKeys()
	}
	for i := range ci.specs {
		if ci.specs[i].flags&ksNotKey == 0 {
			return true
		}
	}
	return false
}

// specKeys returns the keys of args (args[0] is the command name) with
// their flags, as Redis's getKeysFromCommandWithSpecs: from the key specs
// when there are reliable ones (a spec that is a key, none with variable
// flags) and they can all be followed, else from the command's key function.
// A command Redis does not describe gets Ember's own key positions.
func specKeys(cmd *Command, args [][]byte, dst []keyRef) []keyRef {
	ci := redisCommandInfo[cmd.FullName]
	if ci == nil {
		for _, p := range cmd.keyPositions(args, nil) {
			if p > 0 && p < len(args) {
				dst = append(dst, keyRef{pos: p})
			}
		}
		return dst
	}
	var all uint16
	hasKey := false
	for i := range ci.specs {
		all |= ci.specs[i].flags
		hasKey = hasKey || ci.specs[i].flags&ksNotKey == 0
	}
	if hasKey && all&ksVariableFlags == 0 {
		if out, ok := followKeySpecs(ci.specs, args, dst); ok {
			return out
		}
	}
	if f := getKeysFuncs[cmd.FullName]; f != nil {
		return f(args, dst[:0])
	}
	return dst[:0]
}

// followKeySpecs is Redis's getKeysUsingKeySpecs: ok is false when a spec
// is unknown, incomplete or does not fit the arguments.
func followKeySpecs(specs []keySpec, args [][]byte, dst []keyRef) ([]keyRef, bool) {
	out := dst[:0]
	argc := len(args)
	for i := range specs {
		sp := &specs[i]
		if sp.flags&ksNotKey != 0 {
			continue
		}
		first := 0
		switch sp.bs {
		case bsIndex:
			first = sp.bsPos
		case bsKeyword:
			start, end := sp.bsPos, argc-1
			if sp.bsPos <= 0 {
				start, end = argc+sp.bsPos, 1
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if bytes.EqualFold(cstr(args[j]), []byte(sp.keyword)) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue // keyword not found
			}
		default:
			return nil, false
		}
		var last, step int
		switch sp.fk {
		case fkRange:
			step = sp.fk2
			switch {
			case sp.fk1 >= 0:
				last = first + sp.fk1
			case sp.fk3 == 0:
				last = argc + sp.fk1
			default:
				last = first + ((argc-first)/sp.fk3 + sp.fk1)
			}
		case fkKeynum:
			step = sp.fk3
			if sp.fk1 >= argc || first+sp.fk1 >= argc {
				return nil, false
			}
			n, ok := store.ParseInt(args[first+sp.fk1])
			if !ok || n < 0 {
				return nil, false
			}
			first += sp.fk2
			last = first + int(int32(n)) - 1 // Redis casts to int
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		for j := first; j <= last; j += max(step, 1) {
			out = append(out, keyRef{j, sp.flags})
		}
		if sp.flags&ksIncomplete != 0 {
			return nil, false
		}
	}
	return out, true
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
func cmdCommandList(c *Client, args [][]byte) {
	var match func(cmd *Command) bool
	for i := 2; i < len(args); i++ {
		if !optIs(args[i], "filterby") || len(args)-1-i != 2 {
			c.Error(ErrSyntax)
			return
		}
		arg := args[i+2]
		switch {
		case optIs(args[i+1], "module"):
			match = func(*Command) bool { return false } // no modules
		case optIs(args[i+1], "aclcat"):
			cat := categoryByName(arg)
			match = func(cmd *Command) bool { return cat != 0 && cmd.categories&cat != 0 }
		case optIs(args[i+1], "pattern"):
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
	replyTips(c, cmd)
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

// keySpecFlagNames are the key spec flags in the order of the ks*
// constants, as COMMAND INFO names them.
var keySpecFlagNames = []string{"RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"}

// replyKeySpecFlags writes a set of key spec flags (addReplyFlagsForKeyArgs).
func replyKeySpecFlags(c *Client, flags uint16) {
	n := 0
	for i := range keySpecFlagNames {
		if flags&(1<<i) != 0 {
			n++
		}
	}
	c.w.Set(n)
	for i, name := range keySpecFlagNames {
		if flags&(1<<i) != 0 {
			c.w.Simple(name)
		}
	}
}

// replyTips writes the command tips of cmd.
func replyTips(c *Client, cmd *Command) {
	var tips []string
	if ci := redisCommandInfo[cmd.FullName]; ci != nil {
		tips = ci.tips
	}
	c.w.Set(len(tips))
	for _, t := range tips {
		c.w.BulkString(t)
	}
}

// replyKeySpecs writes the key specs of cmd (addReplyCommandKeySpecs).
func replyKeySpecs(c *Client, cmd *Command) {
	ci := redisCommandInfo[cmd.FullName]
	if ci == nil {
		c.w.Set(0)
		return
	}
	c.w.Set(len(ci.specs))
	for i := range ci.specs {
		sp := &ci.specs[i]
		note := ""
		if ci.notes != nil {
			note = ci.notes[i]
		}
		if note != "" {
			c.w.Map(4)
			c.w.BulkString("notes")
			c.w.BulkString(note)
		} else {
			c.w.Map(3)
		}
		c.w.BulkString("flags")
		replyKeySpecFlags(c, sp.flags)
		c.w.BulkString("begin_search")
		c.w.Map(2)
		c.w.BulkString("type")
		switch sp.bs {
		case bsIndex:
			replyKeySpecPart(c, "index", []string{"index"}, sp.bsPos)
		case bsKeyword:
			c.w.BulkString("keyword")
			c.w.BulkString("spec")
			c.w.Map(2)
			c.w.BulkString("keyword")
			c.w.BulkString(sp.keyword)
			c.w.BulkString("startfrom")
			c.w.Int(int64(sp.bsPos))
		default:
			replyKeySpecPart(c, "unknown", nil)
		}
		c.w.BulkString("find_keys")
		c.w.Map(2)
		c.w.BulkString("type")
		switch sp.fk {
		case fkRange:
			replyKeySpecPart(c, "range", []string{"lastkey", "keystep", "limit"}, sp.fk1, sp.fk2, sp.fk3)
		case fkKeynum:
			replyKeySpecPart(c, "keynum", []string{"keynumidx", "firstkey", "keystep"}, sp.fk1, sp.fk2, sp.fk3)
		default:
			replyKeySpecPart(c, "unknown", nil)
		}
	}
}

// replyKeySpecPart writes a begin_search or find_keys part's type name and
// its spec map, whose fields (names[i]: vals[i]) are integers.
func replyKeySpecPart(c *Client, typ string, names []string, vals ...int) {
	c.w.BulkString(typ)
	c.w.BulkString("spec")
	c.w.Map(len(names))
	for i, name := range names {
		c.w.BulkString(name)
		c.w.Int(int64(vals[i]))
	}
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
// case and, as Redis's strcasecmp, anything from a NUL byte on; 0 when
// there is none.
func categoryByName(name []byte) Category {
	for i, n := range CategoryNames {
		if strings.EqualFold(n, string(cstr(name))) {
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
