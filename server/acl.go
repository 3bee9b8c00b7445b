package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Access control lists, as Redis 7.0's acl.c: users with passwords (kept as
// SHA-256 hashes only), flags and selectors; a selector allows commands (a
// bitmap over Redis's whole command table), key patterns (with read/write
// permissions) and channel patterns. A user's rules are immutable once
// published: ACL SETUSER builds a new set and swaps it in, so the check on
// every command reads one atomic pointer and takes no lock.

// ACL check results, with Redis's values (the highest wins when several
// selectors fail).
const (
	aclOK            = 0
	aclDeniedCmd     = 1
	aclDeniedKey     = 2
	aclDeniedAuth    = 3
	aclDeniedChannel = 4
)

// ACL log contexts.
const (
	aclCtxToplevel = iota
	aclCtxMulti
	aclCtxLua
	aclCtxModule
)

// User flags, in the order ACL LIST and ACL GETUSER print them.
const (
	userOn uint8 = 1 << iota
	userOff
	userNoPass
	userSkipSanitize
	userSanitize
)

var userFlagNames = []string{"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"}

// Selector flags.
const (
	selRoot uint8 = 1 << iota
	selAllKeys
	selAllChannels
	selAllCommands
)

// Key pattern permissions.
const (
	keyRead  uint8 = 1
	keyWrite uint8 = 2
	keyAll         = keyRead | keyWrite
)

// aclCommand is one command or subcommand of the ACL's command table:
// Redis's whole table, whether or not Ember implements the command yet, so
// that rules naming any Redis command are accepted and described as Redis
// describes them.
type aclCommand struct {
	id         int
	name       string // full name: "config|get"
	parent     *aclCommand
	subs       []*aclCommand // sorted by name
	subByName  map[string]*aclCommand
	cats       Category
	arity      int
	noAuth     bool
	specs      []keySpec
	hasKeySpec bool // a spec that is not NOT_KEY
	varFlags   bool // a spec with VARIABLE_FLAGS
	getKeys    func(args [][]byte, dst []keyRef) []keyRef
	channels   *channelSpec
	ember      bool // Ember's table has it
}

// hasKeys is Redis's doesCommandHaveKeys.
func (ac *aclCommand) hasKeys() bool { return ac.getKeys != nil || ac.hasKeySpec }

// aclUniverse is the command table the ACL works on.
type aclUniverse struct {
	all    []*aclCommand // by id
	top    []*aclCommand // top-level, sorted by name
	byName map[string]*aclCommand
	byCmd  map[*Command]*aclCommand
}

// newACLUniverse builds the ACL's command table from Redis's (acl_redis.go)
// and Ember's: a command Ember implements takes its categories and flags
// from Ember's description.
func newACLUniverse(t *Table) *aclUniverse {
	u := &aclUniverse{byName: map[string]*aclCommand{}, byCmd: map[*Command]*aclCommand{}}
	add := func(name string) *aclCommand {
		ac := &aclCommand{id: len(u.all), name: name}
		u.all = append(u.all, ac)
		if i := strings.IndexByte(name, '|'); i >= 0 {
			p := u.byName[name[:i]]
			ac.parent = p
			if p.subByName == nil {
				p.subByName = map[string]*aclCommand{}
			}
			p.subByName[name[i+1:]] = ac
			p.subs = append(p.subs, ac)
		} else {
			u.byName[name] = ac
			u.top = append(u.top, ac)
		}
		return ac
	}
	// The generated table is sorted, so containers come before their
	// subcommands.
	for i := range redisCommandSpecs {
		rs := &redisCommandSpecs[i]
		ac := add(rs.name)
		ac.arity = rs.arity
		ac.specs = rs.specs
		for _, f := range strings.Fields(rs.flags) {
			if f == "no_auth" {
				ac.noAuth = true
			}
		}
		for _, c := range strings.Fields(rs.cats) {
			if j := indexOf(CategoryNames, strings.TrimPrefix(c, "@")); j >= 0 {
				ac.cats |= 1 << j
			}
		}
	}
	var link func(cmd *Command)
	link = func(cmd *Command) {
		ac := u.lookup(cmd.FullName)
		if ac == nil {
			if cmd.parent != nil && u.byName[cmd.parent.Name] == nil {
				return
			}
			ac = add(cmd.FullName)
		}
		ac.cats = cmd.Categories()
		ac.arity = cmd.Arity
		ac.noAuth = cmd.Has(FlagNoAuth)
		ac.ember = true
		u.byCmd[cmd] = ac
		for _, sc := range cmd.Sub {
			link(sc)
		}
	}
	if t != nil {
		for _, cmd := range t.Commands() {
			link(cmd)
		}
	}
	sort.Slice(u.top, func(i, j int) bool { return u.top[i].name < u.top[j].name })
	for _, ac := range u.all {
		sort.Slice(ac.subs, func(i, j int) bool { return ac.subs[i].name < ac.subs[j].name })
		for _, sp := range ac.specs {
			if sp.flags&ksNotKey == 0 {
				ac.hasKeySpec = true
			}
			if sp.flags&ksVariableFlags != 0 {
				ac.varFlags = true
			}
		}
		if ac.parent == nil {
			ac.getKeys = getKeysFuncs[ac.name]
			if cs, ok := channelSpecs[ac.name]; ok {
				ac.channels = &cs
			}
		}
	}
	return u
}

// lookup finds a command or "container|subcommand" by name, ignoring case,
// as Redis's lookupCommandBySds (one level of subcommands, strict).
func (u *aclUniverse) lookup(name string) *aclCommand {
	name = strings.ToLower(name)
	parts := strings.Split(name, "|")
	if len(parts) > 2 || name == "" {
		return nil
	}
	base := u.byName[parts[0]]
	if len(parts) == 1 || base == nil {
		return base
	}
	if base.subByName == nil {
		return nil
	}
	return base.subByName[parts[1]]
}

// commandOf finds the ACL entry of a table command.
func (u *aclUniverse) commandOf(cmd *Command) *aclCommand { return u.byCmd[cmd] }

// keyPattern is an allowed key pattern with its permissions.
type keyPattern struct {
	flags   uint8
	pattern string
}

// aclSelector is a set of permissions: commands, keys, channels.
type aclSelector struct {
	flags     uint8
	future    bool     // +@all's reserved bit: commands added later are allowed
	bits      []uint64 // allowed commands, by aclCommand.id
	firstArgs map[int][]string
	keys      []keyPattern
	channels  []string
}

func newSelector(u *aclUniverse, flags uint8) *aclSelector {
	return &aclSelector{flags: flags, bits: make([]uint64, (len(u.all)+63)/64)}
}

func (s *aclSelector) clone() *aclSelector {
	n := *s
	n.bits = append([]uint64(nil), s.bits...)
	n.keys = append([]keyPattern(nil), s.keys...)
	n.channels = append([]string(nil), s.channels...)
	if s.firstArgs != nil {
		n.firstArgs = make(map[int][]string, len(s.firstArgs))
		for k, v := range s.firstArgs {
			n.firstArgs[k] = append([]string(nil), v...)
		}
	}
	return &n
}

func (s *aclSelector) bit(id int) bool { return s.bits[id/64]&(1<<(id%64)) != 0 }

func (s *aclSelector) setBit(id int, on bool) {
	if on {
		s.bits[id/64] |= 1 << (id % 64)
	} else {
		s.bits[id/64] &^= 1 << (id % 64)
		s.flags &^= selAllCommands
	}
}

// changePerm allows or denies a command and, for a container, all its
// subcommands (Redis's ACLChangeSelectorPerm).
func (s *aclSelector) changePerm(ac *aclCommand, allow bool) {
	s.setBit(ac.id, allow)
	delete(s.firstArgs, ac.id)
	for _, sub := range ac.subs {
		s.setBit(sub.id, allow)
	}
}

// setCategory allows or denies every command of a category.
func (s *aclSelector) setCategory(u *aclUniverse, cat Category, allow bool) {
	var walk func(list []*aclCommand)
	walk = func(list []*aclCommand) {
		for _, ac := range list {
			if ac.cats&cat != 0 {
				s.changePerm(ac, allow)
			}
			walk(ac.subs)
		}
	}
	walk(u.top)
}

func (s *aclSelector) setAll(allow bool) {
	var fill uint64
	if allow {
		fill = ^uint64(0)
		s.flags |= selAllCommands
	} else {
		s.flags &^= selAllCommands
	}
	for i := range s.bits {
		s.bits[i] = fill
	}
	s.future = allow
	s.firstArgs = nil
}

// aclError is why a rule was refused; its text is Redis's.
type aclError string

func (e aclError) Error() string { return string(e) }

const (
	errACLUnknown      aclError = "Unknown command or category name in ACL"
	errACLSyntax       aclError = "Syntax error"
	errACLKeyAfterAll  aclError = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	errACLChanAfterAll aclError = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	errACLNoPass       aclError = "The password you are trying to remove from the user does not exist"
	errACLBadHash      aclError = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	errACLDuplicate    aclError = "Duplicate user found. A user can only be defined once in config files"
	errACLFirstArg     aclError = "Allowing first-arg of a subcommand is not supported"
)

// opIs compares a rule with a keyword as C's strcasecmp does (the rule
// ends at its first NUL byte).
func opIs(op []byte, kw string) bool { return strings.EqualFold(string(cstr(op)), kw) }

// hasSpaces is Redis's ACLStringHasSpaces: whitespace or NUL.
func hasSpaces(b []byte) bool {
	for _, ch := range b {
		if ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == 0 {
			return true
		}
	}
	return false
}

// apply applies one selector rule (Redis's ACLSetSelector).
func (s *aclSelector) apply(u *aclUniverse, op []byte) error {
	switch {
	case opIs(op, "allkeys") || opIs(op, "~*"):
		s.flags |= selAllKeys
		s.keys = nil
	case opIs(op, "resetkeys"):
		s.flags &^= selAllKeys
		s.keys = nil
	case opIs(op, "allchannels") || opIs(op, "&*"):
		s.flags |= selAllChannels
		s.channels = nil
	case opIs(op, "resetchannels"):
		s.flags &^= selAllChannels
		s.channels = nil
	case opIs(op, "allcommands") || opIs(op, "+@all"):
		s.setAll(true)
	case opIs(op, "nocommands") || opIs(op, "-@all"):
		s.setAll(false)
	case len(op) > 0 && (op[0] == '~' || op[0] == '%'):
		if s.flags&selAllKeys != 0 {
			return errACLKeyAfterAll
		}
		flags := keyAll
		off := 1
		if op[0] == '%' {
			flags = 0
			for ; off < len(op); off++ {
				ch := op[off] &^ 0x20
				if ch == 'R' && flags&keyRead == 0 {
					flags |= keyRead
				} else if ch == 'W' && flags&keyWrite == 0 {
					flags |= keyWrite
				} else if op[off] == '~' {
					off++
					break
				} else {
					return errACLSyntax
				}
			}
			if flags == 0 {
				return errACLSyntax
			}
		}
		pat := op[off:]
		if hasSpaces(pat) {
			return errACLSyntax
		}
		found := false
		for i := range s.keys {
			if s.keys[i].pattern == string(pat) {
				s.keys[i].flags |= flags
				found = true
				break
			}
		}
		if !found {
			s.keys = append(s.keys, keyPattern{flags, string(pat)})
		}
		s.flags &^= selAllKeys
	case len(op) > 0 && op[0] == '&':
		if s.flags&selAllChannels != 0 {
			return errACLChanAfterAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return errACLSyntax
		}
		found := false
		for _, c := range s.channels {
			if c == string(pat) {
				found = true
				break
			}
		}
		if !found {
			s.channels = append(s.channels, string(pat))
		}
		s.flags &^= selAllChannels
	case len(op) > 0 && op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		name := string(cstr(op[1:]))
		i := strings.LastIndexByte(name, '|')
		if i < 0 {
			ac := u.lookup(name)
			if ac == nil {
				return errACLUnknown
			}
			s.changePerm(ac, true)
			return nil
		}
		base, sub := name[:i], name[i+1:]
		ac := u.lookup(base)
		if ac == nil {
			return errACLUnknown
		}
		if ac.parent != nil {
			return errACLFirstArg
		}
		if sub == "" {
			return errACLSyntax
		}
		if len(ac.subs) > 0 {
			sc := u.lookup(name)
			if sc == nil {
				return errACLUnknown
			}
			s.changePerm(sc, true)
			return nil
		}
		s.addFirstArg(ac.id, sub)
	case len(op) > 0 && op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		ac := u.lookup(string(cstr(op[1:])))
		if ac == nil {
			return errACLUnknown
		}
		s.changePerm(ac, false)
	case len(op) > 1 && (op[0] == '+' || op[0] == '-') && op[1] == '@':
		j := indexFold(CategoryNames, string(cstr(op[2:])))
		if j < 0 {
			return errACLUnknown
		}
		s.setCategory(u, 1<<j, op[0] == '+')
	default:
		return errACLSyntax
	}
	return nil
}

func indexFold(list []string, s string) int {
	for i, v := range list {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return -1
}

func (s *aclSelector) addFirstArg(id int, sub string) {
	if s.firstArgs == nil {
		s.firstArgs = map[int][]string{}
	}
	for _, a := range s.firstArgs[id] {
		if strings.EqualFold(a, sub) {
			return
		}
	}
	s.firstArgs[id] = append(s.firstArgs[id], sub)
}

// userRules is a user's published, immutable state.
type userRules struct {
	flags     uint8
	passwords []string       // lower-case hex SHA-256
	selectors []*aclSelector // [0] is the root selector
	// unrestricted: the root selector allows every command, key and
	// channel (the default user): the check is skipped.
	unrestricted bool
}

func (r *userRules) clone() *userRules {
	n := &userRules{flags: r.flags, passwords: append([]string(nil), r.passwords...)}
	for _, s := range r.selectors {
		n.selectors = append(n.selectors, s.clone())
	}
	return n
}

func (r *userRules) seal() *userRules {
	root := r.selectors[0]
	r.unrestricted = root.flags&(selAllCommands|selAllKeys|selAllChannels) == selAllCommands|selAllKeys|selAllChannels
	return r
}

// User is an ACL user. Clients hold a *User; ACL SETUSER replaces its
// rules in place, so authenticated clients see the change at once.
type User struct {
	name  string
	rules atomic.Pointer[userRules]
}

// Name is the user's name.
func (u *User) Name() string { return u.name }

func (u *User) get() *userRules { return u.rules.Load() }

// hashPassword is the form passwords are kept in: hex SHA-256.
func hashPassword(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

func validHash(h []byte) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// applyUser applies one user rule (Redis's ACLSetUser).
func (a *aclState) applyUser(r *userRules, op []byte) error {
	if len(op) == 0 {
		return nil
	}
	switch {
	case opIs(op, "on"):
		r.flags = r.flags&^userOff | userOn
	case opIs(op, "off"):
		r.flags = r.flags&^userOn | userOff
	case opIs(op, "skip-sanitize-payload"):
		r.flags = r.flags&^userSanitize | userSkipSanitize
	case opIs(op, "sanitize-payload"):
		r.flags = r.flags&^userSkipSanitize | userSanitize
	case opIs(op, "nopass"):
		r.flags |= userNoPass
		r.passwords = nil
	case opIs(op, "resetpass"):
		r.flags &^= userNoPass
		r.passwords = nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = hashPassword(op[1:])
		} else {
			if !validHash(op[1:]) {
				return errACLBadHash
			}
			h = string(op[1:])
		}
		found := false
		for _, p := range r.passwords {
			if p == h {
				found = true
			}
		}
		if !found {
			r.passwords = append(r.passwords, h)
		}
		r.flags &^= userNoPass
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = hashPassword(op[1:])
		} else {
			if !validHash(op[1:]) {
				return errACLBadHash
			}
			h = string(op[1:])
		}
		for i, p := range r.passwords {
			if p == h {
				r.passwords = append(r.passwords[:i:i], r.passwords[i+1:]...)
				return nil
			}
		}
		return errACLNoPass
	case op[0] == '(' && op[len(op)-1] == ')':
		sel := newSelector(a.u, a.pubsubDefault())
		inner := op[1 : len(op)-1]
		_, parts, ok := splitInline(inner, nil, nil)
		if ok {
			for _, p := range parts {
				if err := sel.apply(a.u, p); err != nil {
					return err
				}
			}
		}
		r.selectors = append(r.selectors, sel)
	case opIs(op, "clearselectors"):
		r.selectors = r.selectors[:1]
	case opIs(op, "reset"):
		_ = a.applyUser(r, []byte("resetpass"))
		_ = a.applyUser(r, []byte("resetkeys"))
		_ = a.applyUser(r, []byte("resetchannels"))
		if a.pubsubDefault()&selAllChannels != 0 {
			_ = a.applyUser(r, []byte("allchannels"))
		}
		_ = a.applyUser(r, []byte("off"))
		_ = a.applyUser(r, []byte("sanitize-payload"))
		_ = a.applyUser(r, []byte("clearselectors"))
		_ = a.applyUser(r, []byte("-@all"))
	default:
		return r.selectors[0].apply(a.u, op)
	}
	return nil
}

// aclState is the server's ACL: users, the default user and the log.
type aclState struct {
	u *aclUniverse

	mu          sync.Mutex // guards users and the log
	users       map[string]*User
	defaultUser *User
	log         []*aclLogEntry // newest first

	allChannelsDefault atomic.Bool // acl-pubsub-default allchannels
}

func (a *aclState) pubsubDefault() uint8 {
	if a.allChannelsDefault.Load() {
		return selAllChannels
	}
	return 0
}

// newRules returns the rules of a newly created user: off, nothing allowed.
func (a *aclState) newRules() *userRules {
	return &userRules{flags: userOff, selectors: []*aclSelector{newSelector(a.u, selRoot|a.pubsubDefault())}}
}

// defaultRules returns the rules of the default user of a fresh server.
func (a *aclState) defaultRules() *userRules {
	r := a.newRules()
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		_ = a.applyUser(r, []byte(op))
	}
	return r.seal()
}

// init prepares the ACL for a server's command table.
func (a *aclState) init(t *Table) {
	a.u = newACLUniverse(t)
	a.users = map[string]*User{}
	a.defaultUser = &User{name: "default"}
	a.defaultUser.rules.Store(a.defaultRules())
	a.users["default"] = a.defaultUser
}

// user finds a user by name.
func (a *aclState) user(name []byte) *User {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[string(name)]
}

// sortedUsers lists users in name order (Redis keeps them in a radix tree).
func (a *aclState) sortedUsers() []*User {
	a.mu.Lock()
	out := make([]*User, 0, len(a.users))
	for _, u := range a.users {
		out = append(out, u)
	}
	a.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// mergeSelectorArgs joins selector rules given over several arguments
// ("(~key" "+get)") into one, as Redis's ACLMergeSelectorArguments. bad is
// the argument that opened an unclosed selector, or -1.
func mergeSelectorArgs(args [][]byte) (out [][]byte, bad int) {
	open := -1
	var sel []byte
	for j, op := range args {
		if len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			sel = append([]byte(nil), op...)
			open = j
			continue
		}
		if open >= 0 {
			sel = append(sel, ' ')
			sel = append(sel, cstr(op)...)
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				out = append(out, sel)
			}
			continue
		}
		out = append(out, op)
	}
	if open >= 0 {
		return nil, open
	}
	return out, -1
}

// setUser applies rules to a user, creating it when it does not exist; all
// rules apply or none (Redis's ACLStringSetUser). It returns Redis's error
// text without the ERR prefix.
func (a *aclState) setUser(name string, args [][]byte) string {
	merged, bad := mergeSelectorArgs(args)
	if bad >= 0 {
		return "Unmatched parenthesis in acl selector starting at '" + string(cstr(args[bad])) + "'."
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	existing := a.users[name]
	var r *userRules
	if existing != nil {
		r = existing.get().clone()
	} else {
		r = a.newRules()
	}
	for _, op := range merged {
		if err := a.applyUser(r, op); err != nil {
			return "Error in ACL SETUSER modifier '" + string(cstr(op)) + "': " + err.Error()
		}
	}
	r.seal()
	if existing != nil {
		existing.rules.Store(r)
		return ""
	}
	u := &User{name: name}
	u.rules.Store(r)
	a.users[name] = u
	return ""
}

// checkCredentials is Redis's ACLCheckUserCredentials: the user exists, is
// enabled and the password matches one of its hashes (compared in constant
// time) or it needs none.
func (a *aclState) checkCredentials(name, pass []byte) *User {
	u := a.user(name)
	if u == nil {
		return nil
	}
	r := u.get()
	if r.flags&userOff != 0 {
		return nil
	}
	if r.flags&userNoPass != 0 {
		return u
	}
	h := []byte(hashPassword(pass))
	ok := 0
	for _, p := range r.passwords {
		ok |= subtle.ConstantTimeCompare(h, []byte(p))
	}
	if ok == 1 {
		return u
	}
	return nil
}

// setDefaultPassword applies requirepass to the default user.
func (a *aclState) setDefaultPassword(pw string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.defaultUser.get().clone()
	_ = a.applyUser(r, []byte("resetpass"))
	if pw != "" {
		_ = a.applyUser(r, append([]byte(">"), pw...))
	} else {
		_ = a.applyUser(r, []byte("nopass"))
	}
	a.defaultUser.rules.Store(r.seal())
}
