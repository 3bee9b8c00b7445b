package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/store/glob"
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

// keyCache holds a command's keys across selectors, extracted once.
type keyCache struct {
	done bool
	keys []keyRef
}

// checkKey is Redis's ACLSelectorCheckKey.
func (s *aclSelector) checkKey(key []byte, specFlags uint16) bool {
	if s.flags&selAllKeys != 0 {
		return true
	}
	var want uint8
	if specFlags&ksAccess != 0 {
		want |= keyRead
	}
	if specFlags&(ksInsert|ksDelete|ksUpdate) != 0 {
		want |= keyWrite
	}
	for _, p := range s.keys {
		if p.flags&want != want {
			continue
		}
		if glob.Match([]byte(p.pattern), key) {
			return true
		}
	}
	return false
}

// unrestrictedKeys is Redis's ACLSelectorHasUnrestrictedKeyAccess.
func (s *aclSelector) unrestrictedKeys(specFlags uint16) bool {
	if s.flags&selAllKeys != 0 {
		return true
	}
	var want uint8
	if specFlags&ksAccess != 0 {
		want |= keyRead
	}
	if specFlags&(ksInsert|ksDelete|ksUpdate) != 0 {
		want |= keyWrite
	}
	for _, p := range s.keys {
		if p.flags&want == want && p.pattern == "*" {
			return true
		}
	}
	return false
}

// channelAllowed matches a channel against a list of channel patterns.
// A pattern (PSUBSCRIBE's argument) must equal an allowed pattern; a plain
// channel is glob-matched.
func channelAllowed(list []string, ch []byte, isPattern bool) bool {
	for _, p := range list {
		if isPattern {
			if p == string(ch) {
				return true
			}
		} else if glob.Match([]byte(p), ch) {
			return true
		}
	}
	return false
}

// checkCmd is Redis's ACLSelectorCheckCmd: the result and the position of
// the denied key or channel.
func (s *aclSelector) checkCmd(ac *aclCommand, args [][]byte, kc *keyCache) (int, int) {
	if s.flags&selAllCommands == 0 && !ac.noAuth && !s.bit(ac.id) {
		allowed := s.firstArgs[ac.id]
		if len(args) < 2 || allowed == nil {
			return aclDeniedCmd, 0
		}
		idx := 1
		if ac.parent != nil {
			idx = 2
		}
		match := false
		for _, a := range allowed {
			if idx < len(args) && strings.EqualFold(string(cstr(args[idx])), a) {
				match = true
				break
			}
		}
		if !match {
			return aclDeniedCmd, 0
		}
	}
	if s.flags&selAllKeys == 0 && ac.hasKeys() {
		if !kc.done {
			kc.keys = ac.extractKeys(args, kc.keys[:0])
			kc.done = true
		}
		for _, k := range kc.keys {
			if !s.checkKey(args[k.pos], k.flags) {
				return aclDeniedKey, k.pos
			}
		}
	}
	if s.flags&selAllChannels == 0 && ac.channels != nil && ac.channels.flags&(chanPublish|chanSubscribe) != 0 {
		cs := ac.channels
		stop := len(args)
		if cs.count >= 0 {
			stop = min(cs.start+cs.count, len(args))
		}
		for i := cs.start; i < stop; i++ {
			if !channelAllowed(s.channels, args[i], cs.flags&chanPattern != 0) {
				return aclDeniedChannel, i
			}
		}
	}
	return aclOK, 0
}

// checkAll is Redis's ACLCheckAllUserCommandPerm: OK when any selector
// allows the command; otherwise the most relevant failure and its position.
func (r *userRules) checkAll(ac *aclCommand, args [][]byte) (int, int) {
	if r.unrestricted {
		return aclOK, 0
	}
	var kc keyCache
	relevant, last := aclDeniedCmd, 0
	for _, s := range r.selectors {
		res, pos := s.checkCmd(ac, args, &kc)
		if res == aclOK {
			return aclOK, 0
		}
		if res > relevant || (res == relevant && pos > last) {
			relevant, last = res, pos
		}
	}
	return relevant, last
}

// checkUnrestricted is Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess:
// some selector allows the command and every key with the given access.
func (r *userRules) checkUnrestricted(ac *aclCommand, args [][]byte, specFlags uint16) bool {
	if r.unrestricted {
		return true
	}
	var kc keyCache
	for _, s := range r.selectors {
		if res, _ := s.checkCmd(ac, args, &kc); res == aclOK && s.unrestrictedKeys(specFlags) {
			return true
		}
	}
	return false
}

// checkChannel is Redis's ACLUserCheckChannelPerm.
func (r *userRules) checkChannel(ch []byte, isPattern bool) bool {
	for _, s := range r.selectors {
		if s.flags&selAllChannels != 0 || channelAllowed(s.channels, ch, isPattern) {
			return true
		}
	}
	return false
}

// aclLogEntry is one ACL LOG entry.
type aclLogEntry struct {
	count    int64
	reason   int
	context  int
	object   string
	username string
	ctime    int64 // unix milliseconds of the last occurrence
	cinfo    string
}

// addLog records a denial, merging it with a recent similar entry as
// Redis's addACLLogEntry does.
func (a *aclState) addLog(e *aclLogEntry, maxLen int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := 0; i < len(a.log) && i < 10; i++ {
		cur := a.log[i]
		d := cur.ctime - e.ctime
		if d < 0 {
			d = -d
		}
		if cur.reason == e.reason && cur.context == e.context && d <= 60000 && cur.object == e.object && cur.username == e.username {
			cur.cinfo = e.cinfo
			cur.ctime = e.ctime
			cur.count++
			copy(a.log[1:i+1], a.log[:i])
			a.log[0] = cur
			return
		}
	}
	a.log = append(a.log, nil)
	copy(a.log[1:], a.log)
	a.log[0] = e
	if int64(len(a.log)) > maxLen {
		for i := maxLen; i < int64(len(a.log)); i++ {
			a.log[i] = nil
		}
		a.log = a.log[:maxLen]
	}
}

// logDenial adds an ACL LOG entry for the current client. object is the
// denied command, key, channel or the AUTH command; username overrides the
// client's user (failed AUTH).
func (c *Client) logDenial(reason, context int, object []byte, username string, args [][]byte) {
	if username == "" {
		username = c.userName()
	}
	e := &aclLogEntry{
		count:    1,
		reason:   reason,
		context:  context,
		object:   string(object),
		username: username,
		ctime:    time.Now().UnixMilli(),
		cinfo:    string(c.appendInfo(nil, c, args)),
	}
	c.srv.acl.addLog(e, c.srv.cfg.GetInt("acllog-max-len"))
}

// currentUser is the client's user (the default user until AUTH).
func (c *Client) currentUser() *User {
	if u := c.aclUser.Load(); u != nil {
		return u
	}
	return c.srv.acl.defaultUser
}

// userName is the client's user name, for CLIENT LIST and the ACL log.
func (c *Client) userName() string { return c.currentUser().name }

// aclCheck checks the current command against the client's user (Redis's
// ACLCheckAllPerm).
func (c *Client) aclCheck(cmd *Command, args [][]byte) (int, int) {
	r := c.currentUser().get()
	if r.unrestricted {
		return aclOK, 0
	}
	ac := c.srv.acl.u.commandOf(cmd)
	if ac == nil {
		return aclOK, 0
	}
	return r.checkAll(ac, args)
}

// aclDenied checks the command about to run and, when the user may not run
// it, logs the denial and answers as Redis's processCommand does.
func (c *Client) aclDenied(cmd *Command, args [][]byte) bool {
	res, pos := c.aclCheck(cmd, args)
	if res == aclOK {
		return false
	}
	ctx := aclCtxToplevel
	if c.multi != nil {
		ctx = aclCtxMulti
	}
	c.lastCmd.Store(cmd) // Redis's lastcmd is set at lookup: the log shows it
	c.logDenial(res, ctx, aclObject(res, cmd, args, pos), "", args)
	switch res {
	case aclDeniedCmd:
		c.reject("NOPERM this user has no permissions to run the '" + cmd.FullName + "' command")
	case aclDeniedKey:
		c.reject("NOPERM this user has no permissions to access one of the keys used as arguments")
	case aclDeniedChannel:
		c.reject("NOPERM this user has no permissions to access one of the channels used as arguments")
	}
	c.srv.cmdStats.rejected(cmd)
	return true
}

// aclExecDenied re-checks a queued command at EXEC time (permissions may
// have changed since it was queued). It returns Redis's error, or "".
func (c *Client) aclExecDenied(cmd *Command, args [][]byte) string {
	res, pos := c.aclCheck(cmd, args)
	if res == aclOK {
		return ""
	}
	c.logDenial(res, aclCtxMulti, aclObject(res, cmd, args, pos), "", args)
	reason := "no permission"
	switch res {
	case aclDeniedCmd:
		reason = "no permission to execute the command or subcommand"
	case aclDeniedKey:
		reason = "no permission to touch the specified keys"
	case aclDeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

func aclObject(res int, cmd *Command, args [][]byte, pos int) []byte {
	if res == aclDeniedCmd {
		return []byte(cmd.FullName)
	}
	return args[pos]
}

// CheckChannel reports whether the client's user may use a Pub/Sub channel
// (isPattern: a PSUBSCRIBE pattern, matched literally). Pub/Sub commands are
// also checked by the dispatcher through their channel arguments; this is
// for code that needs to check a channel on its own.
func (c *Client) CheckChannel(ch []byte, isPattern bool) bool {
	return c.currentUser().get().checkChannel(ch, isPattern)
}

// aclFullKeyAccess reports whether the client's user may run the current
// command with unrestricted access to all keys (SORT's BY and GET
// options): read when read is true, otherwise write.
func (c *Client) aclFullKeyAccess(cmd *Command, args [][]byte, read bool) bool {
	r := c.currentUser().get()
	if r.unrestricted {
		return true
	}
	ac := c.srv.acl.u.commandOf(cmd)
	if ac == nil {
		return true
	}
	f := ksAccess
	if !read {
		f = ksUpdate
	}
	return r.checkUnrestricted(ac, args, f)
}

// authenticateUser is Redis's ACLAuthenticateUser: on success the client
// is authenticated as the user; on failure the attempt is logged.
func (c *Client) authenticateUser(name, pass []byte, args [][]byte) bool {
	if u := c.srv.acl.checkCredentials(name, pass); u != nil {
		c.authenticated = true
		c.aclUser.Store(u)
		return true
	}
	c.srv.stats.authFailures.Add(1)
	c.lastCmd.Store(c.cmd)
	ctx := aclCtxToplevel
	if c.multi != nil {
		ctx = aclCtxMulti
	}
	c.logDenial(aclDeniedAuth, ctx, args[0], string(name), args)
	return false
}

// deleteUsers removes users and disconnects their clients (ACL DELUSER).
func (s *Server) deleteUsers(self *Client, names [][]byte) int {
	var gone []*User
	s.acl.mu.Lock()
	for _, n := range names {
		if u := s.acl.users[string(n)]; u != nil {
			delete(s.acl.users, string(n))
			gone = append(gone, u)
		}
	}
	s.acl.mu.Unlock()
	s.disconnectUsers(self, gone)
	return len(gone)
}

// disconnectUsers closes the connections authenticated as any of users; the
// client running the command is closed after its reply.
func (s *Server) disconnectUsers(self *Client, users []*User) {
	if len(users) == 0 {
		return
	}
	for _, c := range s.clients.all() {
		u := c.aclUser.Load()
		for _, g := range users {
			if u == g {
				if c == self {
					c.aclUser.Store(nil)
					c.authenticated = false
					c.closeAfter = true
				} else {
					c.Kill()
				}
				break
			}
		}
	}
}

var errACLNoFile = errors.New("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.")

// aclBytesEqualFold is bytes.EqualFold on a string.
func aclBytesEqualFold(b []byte, s string) bool { return bytes.EqualFold(b, []byte(s)) }

// protectedModeMsg is Redis's reply to a connection refused by protected
// mode (networking.c), typo included.
const protectedModeMsg = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// protectedModeDenied refuses a new connection as Redis's
// clientAcceptHandler: with protected-mode on and a default user that needs
// no password, only loopback clients (127.0.0.1, ::1) are served; others get
// the DENIED message and are closed, counted in rejected_connections
// rather than total_connections_received. Like Redis 7.0, the check does
// not depend on bind.
func (s *Server) protectedModeDenied(c *Client) bool {
	if s.acl.defaultUser.get().flags&userNoPass == 0 || c.isLocal() || !s.cfg.GetBool("protected-mode") {
		return false
	}
	c.w.Error(protectedModeMsg)
	c.flush()
	c.out.drain()
	s.stats.rejectedConns.Add(1)
	s.stats.connections.Add(-1)
	return true
}
