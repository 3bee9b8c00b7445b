package server

import (
	"errors"
	"strings"
	"time"

	"github.com/ember-kv/ember/store/glob"
)

// Permission checks (Redis's ACLCheckAllPerm and friends), the ACL log, and
// the hooks the dispatcher, EXEC, AUTH and SORT call.

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
