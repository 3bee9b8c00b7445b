package server

import (
	"fmt"
	"strings"
)

// HandlerFunc runs one command. args[0] is the command name as the client
// sent it. The shards of the command's keys are locked in c.tx, and replies
// go to c.w.
type HandlerFunc func(c *Client, args [][]byte)

// KeysFunc returns the positions of the keys in args for commands whose keys
// cannot be described by first/last/step (ZUNIONSTORE's numkeys, ...). It
// appends to dst and must tolerate malformed arguments (the handler reports
// the error; extra or missing positions only change what gets locked).
type KeysFunc func(args [][]byte, dst []int) []int

// LockMode says which shards the dispatcher locks before a handler runs.
type LockMode uint8

const (
	// LockKeys locks the shards of the command's keys (the default).
	LockKeys LockMode = iota
	// LockAll locks every shard: commands that touch keys they cannot name
	// in advance (KEYS, FLUSHDB, SORT ... BY).
	LockAll
	// LockNone locks nothing: the command touches no keys.
	LockNone
	// LockSelf locks nothing up front: the handler takes shards itself, one
	// at a time (SCAN). Inside EXEC it needs every shard.
	LockSelf
)

// Command describes one command (or subcommand) once. Everything else (COMMAND
// replies, ACL categories, key extraction, locking, the dispatcher's checks) is
// derived from it.
type Command struct {
	Name       string // lower case; for a subcommand, the subcommand alone
	Arity      int    // as Redis: negative means at least -Arity
	Flags      string // space separated Redis flags: "write denyoom fast"
	ACL        string // type categories: "@string" (flag categories are implied)
	FirstKey   int
	LastKey    int
	Step       int
	Keys       KeysFunc
	Lock       LockMode
	Group      string // documentation group: "string", "generic", ...
	Since      string
	Summary    string
	Complexity string
	Handler    HandlerFunc
	Sub        []*Command

	// Derived when the table is built.
	FullName   string // "config|get"
	flags      Flag
	categories Category
	parent     *Command
	subs       map[string]*Command
}

// Flag is a parsed command flag set.
type Flag uint32

// Command flags, named as COMMAND INFO names them.
const (
	FlagWrite Flag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagModule
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagAsking
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagSentinel
	FlagOnlySentinel
	FlagNoMandatoryKeys
	FlagProtected
	FlagModuleNoCluster
	FlagNoAsyncLoading
	FlagNoMulti
	FlagMovableKeys
	FlagAllowBusy
)

var flagNames = []string{
	"write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
	"blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking",
	"fast", "no_auth", "may_replicate", "sentinel", "only_sentinel",
	"no_mandatory_keys", "protected", "module_no_cluster", "no_async_loading",
	"no_multi", "movablekeys", "allow_busy",
}

// Category is a set of ACL categories.
type Category uint32

// ACL categories, in Redis's order.
const (
	CatKeyspace Category = 1 << iota
	CatRead
	CatWrite
	CatSet
	CatSortedSet
	CatList
	CatHash
	CatString
	CatBitmap
	CatHyperLogLog
	CatGeo
	CatStream
	CatPubSub
	CatAdmin
	CatFast
	CatSlow
	CatBlocking
	CatDangerous
	CatConnection
	CatTransaction
	CatScripting
)

// CategoryNames lists ACL category names in Redis's order (ACL CAT).
var CategoryNames = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast",
	"slow", "blocking", "dangerous", "connection", "transaction", "scripting",
}

// Has reports whether the command carries flag f.
func (cmd *Command) Has(f Flag) bool { return cmd.flags&f != 0 }

// Categories returns the command's ACL categories.
func (cmd *Command) Categories() Category { return cmd.categories }

// FlagNames lists the command's flags as COMMAND INFO shows them.
func (cmd *Command) FlagNames() []string {
	var out []string
	for i, n := range flagNames {
		if cmd.flags&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// CategoryList lists the command's ACL categories ("@read", ...).
func (cmd *Command) CategoryList() []string {
	var out []string
	for i, n := range CategoryNames {
		if cmd.categories&(1<<i) != 0 {
			out = append(out, "@"+n)
		}
	}
	return out
}

// keyPositions appends the positions of the keys in args to dst.
func (cmd *Command) keyPositions(args [][]byte, dst []int) []int {
	if cmd.Keys != nil {
		return cmd.Keys(args, dst)
	}
	if cmd.FirstKey <= 0 {
		return dst
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := max(cmd.Step, 1)
	for i := cmd.FirstKey; i <= last && i < len(args); i += step {
		dst = append(dst, i)
	}
	return dst
}

// Table is the set of commands the server knows, looked up case-insensitively
// without allocating.
type Table struct {
	byName map[string]*Command
	list   []*Command
}

// NewTable builds a table from command families, parsing flags and deriving
// ACL categories. It returns an error for a malformed description, so a
// mistake in a family file fails at start-up and in tests, not at run time.
func NewTable(families ...[]*Command) (*Table, error) {
	t := &Table{byName: map[string]*Command{}}
	for _, fam := range families {
		for _, cmd := range fam {
			if err := prepare(cmd, nil); err != nil {
				return nil, err
			}
			if _, dup := t.byName[cmd.Name]; dup {
				return nil, fmt.Errorf("command %q registered twice", cmd.Name)
			}
			t.byName[cmd.Name] = cmd
			t.list = append(t.list, cmd)
		}
	}
	return t, nil
}

func prepare(cmd *Command, parent *Command) error {
	if cmd.Name != strings.ToLower(cmd.Name) || cmd.Name == "" {
		return fmt.Errorf("command name %q must be lower case", cmd.Name)
	}
	cmd.parent = parent
	cmd.FullName = cmd.Name
	if parent != nil {
		cmd.FullName = parent.Name + "|" + cmd.Name
	}
	for _, f := range strings.Fields(cmd.Flags) {
		i := indexOf(flagNames, f)
		if i < 0 {
			return fmt.Errorf("%s: unknown flag %q", cmd.FullName, f)
		}
		cmd.flags |= 1 << i
	}
	if cmd.Keys != nil {
		cmd.flags |= FlagMovableKeys
	}
	for _, c := range strings.Fields(cmd.ACL) {
		i := indexOf(CategoryNames, strings.TrimPrefix(c, "@"))
		if i < 0 || !strings.HasPrefix(c, "@") {
			return fmt.Errorf("%s: unknown ACL category %q", cmd.FullName, c)
		}
		cmd.categories |= 1 << i
	}
	// Categories implied by flags, as Redis's setImplicitACLCategories.
	if cmd.Has(FlagWrite) {
		cmd.categories |= CatWrite
	}
	if cmd.Has(FlagReadonly) && cmd.categories&CatScripting == 0 {
		cmd.categories |= CatRead
	}
	if cmd.Has(FlagAdmin) {
		cmd.categories |= CatAdmin | CatDangerous
	}
	if cmd.Has(FlagPubSub) {
		cmd.categories |= CatPubSub
	}
	if cmd.Has(FlagFast) {
		cmd.categories |= CatFast
	}
	if cmd.Has(FlagBlocking) {
		cmd.categories |= CatBlocking
	}
	if cmd.categories&CatFast == 0 {
		cmd.categories |= CatSlow
	}
	if cmd.Handler == nil && len(cmd.Sub) == 0 {
		return fmt.Errorf("%s: no handler", cmd.FullName)
	}
	if len(cmd.Sub) > 0 {
		cmd.subs = map[string]*Command{}
		for _, sc := range cmd.Sub {
			if err := prepare(sc, cmd); err != nil {
				return err
			}
			cmd.subs[sc.Name] = sc
		}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// maxCommandName is the longest name looked up without allocating; longer
// names cannot be commands.
const maxCommandName = 32

// lookupName finds a command by name, ignoring case.
func (t *Table) lookupName(name []byte) *Command {
	if len(name) > maxCommandName {
		return nil
	}
	var buf [maxCommandName]byte
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return t.byName[string(buf[:len(name)])]
}

// Lookup resolves args to a command or subcommand. For a container command
// with an unknown subcommand it returns the container and sub=false.
func (t *Table) Lookup(args [][]byte) (cmd *Command, ok bool) {
	cmd = t.lookupName(args[0])
	if cmd == nil {
		return nil, false
	}
	if cmd.subs == nil || len(args) == 1 {
		return cmd, true
	}
	sub := subLookup(cmd, args[1])
	if sub == nil {
		return cmd, false
	}
	return sub, true
}

func subLookup(cmd *Command, name []byte) *Command {
	if len(name) > maxCommandName {
		return nil
	}
	var buf [maxCommandName]byte
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return cmd.subs[string(buf[:len(name)])]
}

// Commands lists every top-level command in registration order.
func (t *Table) Commands() []*Command { return t.list }

// Get returns a top-level command by lower-case name.
func (t *Table) Get(name string) *Command { return t.byName[name] }

// rename gives a command another name, or hides it when to is empty
// (rename-command in the configuration).
func (t *Table) rename(from, to string) error {
	cmd, ok := t.byName[strings.ToLower(from)]
	if !ok {
		return fmt.Errorf("no such command %q", from)
	}
	delete(t.byName, cmd.Name)
	if to != "" {
		t.byName[strings.ToLower(to)] = cmd
	}
	return nil
}
