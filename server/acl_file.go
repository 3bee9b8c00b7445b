package server

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Users from the configuration ("user" lines) and from the ACL file
// (aclfile, ACL LOAD, ACL SAVE), as Redis 7.0's acl.c loads and saves them.

var (
	staticACLOnce sync.Once
	staticACL     *aclState
)

// configACL is an ACL over Redis's command table alone, for checking user
// lines while the configuration is read (before any server exists).
func configACL() *aclState {
	staticACLOnce.Do(func() {
		staticACL = &aclState{}
		staticACL.init(nil)
	})
	return staticACL
}

// ValidateUserLine checks a "user" configuration line (args without the
// "user" keyword) as Redis's ACLAppendUserForLoading: unknown commands are
// let through, other errors are refused. It returns "" or the complete
// error text the configuration loader reports.
func ValidateUserLine(args []string, earlier [][]string) string {
	line := append([]string{"user"}, args...)
	for _, u := range earlier {
		if len(u) > 0 && u[0] == args[0] {
			return fmt.Sprintf("Error in user declaration '%s': %s", line[1], errACLDuplicate)
		}
	}
	ops := make([][]byte, len(args)-1)
	for i, a := range args[1:] {
		ops[i] = []byte(a)
	}
	merged, bad := mergeSelectorArgs(ops)
	if bad >= 0 {
		// Redis reports the opening argument's index into the whole line,
		// and the error of whatever failed last (a missing file).
		return fmt.Sprintf("Error in user declaration '%s': %s", cstr([]byte(line[bad])), errACLUnknown)
	}
	a := configACL()
	r := a.newRules()
	for j, op := range merged {
		if err := a.applyUser(r, op); err != nil && err != errACLUnknown {
			return fmt.Sprintf("Error in user declaration '%s': %s", cstr([]byte(line[min(j, len(line)-1)])), err)
		}
	}
	return ""
}

// loadConfiguredUsers applies the configuration's user lines at start-up
// (Redis's ACLLoadUsersAtStartup).
func (s *Server) loadConfiguredUsers() error {
	users := s.cfg.Users()
	file := s.cfg.MustGet("aclfile")
	if file != "" && len(users) > 0 {
		msg := "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."
		s.log.Warnf("%s", msg)
		return errors.New(msg)
	}
	a := &s.acl
	for _, line := range users {
		name := line[0]
		if hasSpaces([]byte(name)) {
			s.log.Warnf("Spaces not allowed in ACL usernames")
			return s.aclStartupFailed()
		}
		a.mu.Lock()
		u := a.users[name]
		var r *userRules
		if u == nil {
			u = &User{name: name}
			r = a.newRules()
		} else {
			// Only the default user can exist already: it is reset.
			r = u.get().clone()
			_ = a.applyUser(r, []byte("reset"))
		}
		ops := make([][]byte, len(line)-1)
		for i, op := range line[1:] {
			ops[i] = []byte(op)
		}
		merged, _ := mergeSelectorArgs(ops)
		for _, op := range merged {
			if err := a.applyUser(r, op); err != nil {
				a.mu.Unlock()
				s.log.Warnf("Error loading ACL rule '%s' for the user named '%s': %s", cstr(op), name, err)
				return s.aclStartupFailed()
			}
		}
		u.rules.Store(r.seal())
		a.users[name] = u
		a.mu.Unlock()
		if r.flags&userOff != 0 {
			s.log.Noticef("The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.", name)
		}
	}
	if file != "" {
		if msg := s.loadACLFile(nil, file); msg != "" {
			s.log.Warnf("Aborting Redis startup because of ACL errors: %s", msg)
			return errors.New("Aborting Redis startup because of ACL errors: " + msg)
		}
	}
	return nil
}

func (s *Server) aclStartupFailed() error {
	s.log.Warnf("Critical error while loading ACLs. Exiting.")
	return errors.New("Critical error while loading ACLs. Exiting.")
}

// loadACLFile replaces every user with the ACL file's (Redis's
// ACLLoadFromFile): all or nothing. Clients authenticated as a replaced
// user are disconnected (self after its reply); the default user keeps its
// identity and takes the file's rules. It returns "" or Redis's error text.
func (s *Server) loadACLFile(self *Client, file string) string {
	data, err := os.ReadFile(s.aclPath(file))
	if err != nil {
		return fmt.Sprintf("Error loading ACLs, opening file '%s': %s", file, errnoText(err))
	}
	a := &s.acl
	name := file
	var errs strings.Builder
	users := map[string]*userRules{}
	for i, line := range strings.Split(string(data), "\n") {
		num := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", name, num)
			continue
		}
		if hasSpaces([]byte(argv[1])) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", name, num, argv[1])
			continue
		}
		if _, dup := users[argv[1]]; dup {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", argv[1], num)
			continue
		}
		r := a.newRules()
		users[argv[1]] = r
		ops := make([][]byte, len(argv)-2)
		for j, op := range argv[2:] {
			ops[j] = []byte(op)
		}
		merged, bad := mergeSelectorArgs(ops)
		if bad >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", name, num)
			continue
		}
		syntaxErr := false
		for _, op := range merged {
			op = bytes.Trim(op, "\t\r\n")
			if err := a.applyUser(r, op); err != nil {
				if err == errACLUnknown {
					fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", name, num, cstr(op), err)
				} else if !syntaxErr {
					fmt.Fprintf(&errs, "%s:%d: %s. ", name, num, err)
					syntaxErr = true
				}
			}
		}
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return errs.String()
	}
	a.mu.Lock()
	old := a.users
	a.users = map[string]*User{}
	for n, r := range users {
		if n == "default" {
			continue
		}
		u := &User{name: n}
		u.rules.Store(r.seal())
		a.users[n] = u
	}
	def := users["default"]
	if def == nil {
		def = a.defaultRules()
	}
	a.defaultUser.rules.Store(def.seal())
	a.users["default"] = a.defaultUser
	a.mu.Unlock()
	var gone []*User
	for n, u := range old {
		if n != "default" {
			gone = append(gone, u)
		}
	}
	s.disconnectUsers(self, gone)
	return ""
}

// aclFileText renders every user as a "user" line, in name order.
func (s *Server) aclFileText() []string {
	var lines []string
	for _, u := range s.acl.sortedUsers() {
		lines = append(lines, "user "+u.name+" "+s.acl.describeUser(u.get()))
	}
	return lines
}

// saveACLFile writes the users to the ACL file through a temporary file
// renamed into place (Redis's ACLSaveToFile).
func (s *Server) saveACLFile(file string) error {
	var b strings.Builder
	for _, l := range s.aclFileText() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	file = s.aclPath(file)
	tmp := fmt.Sprintf("%s.tmp-%d-%d", file, os.Getpid(), time.Now().UnixMilli())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		s.log.Warnf("Opening temp ACL file for ACL SAVE: %s", errnoText(err))
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		os.Remove(tmp)
		s.log.Warnf("Writing ACL file for ACL SAVE: %s", errnoText(err))
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	f.Close()
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		s.log.Warnf("Renaming ACL file for ACL SAVE: %s", errnoText(err))
		return err
	}
	if d, err := os.Open(filepath.Dir(file)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// initACL connects the ACL to the configuration (requirepass is the default
// user's password, acl-pubsub-default the channels of new users) and loads
// the configured users.
func (s *Server) initACL() error {
	s.cfg.Watch("acl-pubsub-default", func(v string) { s.acl.allChannelsDefault.Store(v == "allchannels") })
	s.cfg.Watch("requirepass", s.acl.setDefaultPassword)
	s.cfg.SetUserLines(s.aclFileText)
	return s.loadConfiguredUsers()
}

// aclPath resolves a relative ACL file name against dir, where Redis (which
// changes into dir) would open it.
func (s *Server) aclPath(file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(s.cfg.MustGet("dir"), file)
}
