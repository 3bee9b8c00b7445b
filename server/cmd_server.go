package server

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Server commands: CONFIG, INFO, TIME, SHUTDOWN, DEBUG, ROLE, LASTSAVE.

func serverCommands() []*Command {
	return []*Command{
		{Name: "config", Arity: -2, Lock: LockNone, Group: "server", Since: "2.0.0",
			Summary: "A container for server configuration commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				{Name: "get", Arity: -3, Flags: "admin noscript loading stale", Lock: LockNone, Group: "server", Since: "2.0.0",
					Summary: "Get the values of configuration parameters", Complexity: "O(N) when N is the number of configuration parameters provided", Handler: cmdConfigGet},
				{Name: "set", Arity: -4, Flags: "admin noscript loading stale", Lock: LockNone, Group: "server", Since: "2.0.0",
					Summary: "Set configuration parameters to the given values", Complexity: "O(N) when N is the number of configuration parameters provided", Handler: cmdConfigSet},
				{Name: "resetstat", Arity: 2, Flags: "admin noscript loading stale", Lock: LockNone, Group: "server", Since: "2.0.0",
					Summary: "Reset the stats returned by INFO", Complexity: "O(1)", Handler: cmdConfigResetStat},
				{Name: "rewrite", Arity: 2, Flags: "admin noscript loading stale", Lock: LockNone, Group: "server", Since: "2.8.0",
					Summary: "Rewrite the configuration file with the in memory configuration", Complexity: "O(1)", Handler: cmdConfigRewrite},
				{Name: "help", Arity: 2, Flags: "loading stale", Lock: LockNone, Group: "server", Since: "5.0.0",
					Summary: "Show helpful text about the different subcommands", Complexity: "O(1)", Handler: cmdConfigHelp},
			}},
		{Name: "info", Arity: -1, Flags: "loading stale", ACL: "@dangerous", Lock: LockNone, Group: "server", Since: "1.0.0",
			Summary: "Get information and statistics about the server", Complexity: "O(1)", Handler: cmdInfo},
		{Name: "time", Arity: 1, Flags: "loading stale fast", Lock: LockNone, Group: "server", Since: "2.6.0",
			Summary: "Return the current server time", Complexity: "O(1)", Handler: cmdTime},
		{Name: "shutdown", Arity: -1, Flags: "admin noscript loading stale no_multi allow_busy", Lock: LockNone, Group: "server", Since: "1.0.0",
			Summary: "Synchronously save the dataset to disk and then shut down the server", Complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", Handler: cmdShutdown},
		{Name: "debug", Arity: -2, Flags: "admin noscript loading stale", Lock: LockNone, Group: "server", Since: "1.0.0",
			Summary: "A container for debugging commands", Complexity: "Depends on subcommand.", Handler: cmdDebug},
		{Name: "role", Arity: 1, Flags: "noscript loading stale fast", ACL: "@admin @dangerous", Lock: LockNone, Group: "server", Since: "2.8.12",
			Summary: "Return the role of the instance in the context of replication", Complexity: "O(1)", Handler: cmdRole},
		{Name: "lastsave", Arity: 1, Flags: "loading stale fast", ACL: "@admin @dangerous", Lock: LockNone, Group: "server", Since: "1.0.0",
			Summary: "Get the UNIX time stamp of the last successful save to disk", Complexity: "O(1)", Handler: cmdLastSave},
	}
}

// writeHelp replies with a container command's help, as Redis's
// addReplyHelp: a header, the lines given, then HELP's own entry.
func writeHelp(c *Client, name string, lines []string) {
	c.w.Array(len(lines) + 3)
	c.w.Simple(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.w.Simple(l)
	}
	c.w.Simple("HELP")
	c.w.Simple("    Prints this help.")
}

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func subcommandSyntaxError(c *Client, cmdName string, sub []byte) {
	c.Error(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.", truncate(cstr(sub), 128), strings.ToUpper(cmdName)))
}

// isLocal reports whether the client connects from 127.0.0.1 or ::1 (or a
// unix socket), exactly as Redis's islocalClient, for the "local" setting
// of enable-*-command and enable-protected-configs and for protected mode:
// other loopback addresses (127.0.0.2) are not local to Redis.
func (c *Client) isLocal() bool {
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return true // not an ip:port: a unix socket
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// allowProtected applies an enable-*-command / enable-protected-configs value.
func (c *Client) allowProtected(param string) bool {
	switch c.srv.cfg.MustGet(param) {
	case "yes":
		return true
	case "local":
		return c.isLocal()
	}
	return false
}

// CONFIG GET parameter [parameter ...]
func cmdConfigGet(c *Client, args [][]byte) {
	pats := make([]string, len(args)-2)
	for i, a := range args[2:] {
		pats[i] = string(a)
	}
	pairs := c.srv.cfg.Match(pats)
	c.w.Map(len(pairs))
	for _, kv := range pairs {
		c.w.BulkString(kv[0])
		c.w.BulkString(kv[1])
	}
}

// CONFIG SET parameter value [parameter value ...]
func cmdConfigSet(c *Client, args [][]byte) {
	if len(args)%2 != 0 {
		c.Error(ErrSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(args)-2)/2)
	for i := 2; i+1 < len(args); i += 2 {
		pairs = append(pairs, [2]string{string(args[i]), string(args[i+1])})
	}
	if err := c.srv.configSetBy(c, func() error {
		return c.srv.cfg.SetLoading(pairs, c.allowProtected("enable-protected-configs"), c.srv.rdb.loading.Load())
	}); err != nil {
		c.Error(err.Error())
		return
	}
	c.srv.afterConfigSet(c)
	c.w.OK()
}

// CONFIG RESETSTAT
func cmdConfigResetStat(c *Client, args [][]byte) {
	c.srv.resetStats()
	c.w.OK()
}

// CONFIG REWRITE
func cmdConfigRewrite(c *Client, args [][]byte) {
	err := c.srv.cfg.Rewrite(false)
	switch {
	case err == errNoConfigFile:
		c.Error(err.Error())
	case err != nil:
		c.srv.log.Warnf("CONFIG REWRITE failed: %s", errnoText(err))
		c.Error("ERR Rewriting config file: " + errnoText(err))
	default:
		c.srv.log.Warnf("CONFIG REWRITE executed with success.")
		c.w.OK()
	}
}

// CONFIG HELP
func cmdConfigHelp(c *Client, args [][]byte) {
	writeHelp(c, "CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}

// INFO [section [section ...]]
func cmdInfo(c *Client, args [][]byte) {
	sections := make([]string, len(args)-1)
	for i, a := range args[1:] {
		sections[i] = string(cstr(a)) // Redis keeps a section name as a C string
	}
	c.w.Verbatim(c.srv.Info(sections...))
}

// TIME
func cmdTime(c *Client, args [][]byte) {
	now := time.Now()
	c.w.Array(2)
	c.w.BulkInt(now.Unix())
	c.w.BulkInt(int64(now.Nanosecond() / 1000))
}

// ROLE
func cmdRole(c *Client, args [][]byte) {
	c.w.Array(3)
	c.w.BulkString("master")
	c.w.Int(0)
	c.w.Array(0)
}

// LASTSAVE
func cmdLastSave(c *Client, args [][]byte) { c.w.Int(c.srv.stats.lastSave.Load()) }

// Shutdown flags, as SHUTDOWN's options and shutdown-on-sig* name them.
const (
	ShutdownNoSave = 1 << iota
	ShutdownSave
	ShutdownNow
	ShutdownForce
)

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
func cmdShutdown(c *Client, args [][]byte) {
	flags, abort := 0, false
	for _, a := range args[1:] {
		switch optKeyword(a) {
		case "nosave":
			flags |= ShutdownNoSave
		case "save":
			flags |= ShutdownSave
		case "now":
			flags |= ShutdownNow
		case "force":
			flags |= ShutdownForce
		case "abort":
			abort = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if (abort && flags != 0) || (flags&ShutdownNoSave != 0 && flags&ShutdownSave != 0) {
		c.Error(ErrSyntax)
		return
	}
	if abort {
		// A SHUTDOWN command completes at once (there are no replicas to
		// wait for); only a signal's shutdown waits for the cron.
		if c.srv.abortShutdown() {
			c.w.OK()
		} else {
			c.Error(errNoShutdown)
		}
		return
	}
	if err := c.srv.ShutdownWith(flags); err != nil {
		c.Error(errShutdownFailed)
	}
}

// DEBUG subcommand [argument ...]
func cmdDebug(c *Client, args [][]byte) {
	if !c.allowProtected("enable-debug-command") {
		c.Error(errDebugNotAllowed)
		return
	}
	sub := optKeyword(args[1])
	switch {
	case sub == "help" && len(args) == 2:
		c.w.Array(len(debugHelp))
		for _, l := range debugHelp {
			c.w.Simple(l)
		}
	case sub == "sleep" && len(args) == 3:
		secs, _ := strconv.ParseFloat(strtodPrefix(args[2]), 64)
		if secs > 0 {
			time.Sleep(time.Duration(secs * float64(time.Second)))
		}
		c.w.OK()
	case sub == "log" && len(args) == 3:
		c.srv.log.Warnf("DEBUG LOG: %s", args[2])
		c.w.OK()
	case sub == "set-active-expire" && len(args) == 3:
		n, _ := strconv.Atoi(string(args[2]))
		c.srv.activeExpireOff.Store(n == 0)
		c.w.OK()
	case sub == "config-rewrite-force-all" && len(args) == 2:
		if err := c.srv.cfg.Rewrite(true); err != nil {
			c.Error("ERR CONFIG-REWRITE-FORCE-ALL failed: " + errnoText(err))
			return
		}
		c.w.OK()
	case sub == "pause-cron" && len(args) == 3:
		n, _ := strconv.Atoi(string(args[2]))
		c.srv.pauseCron(n != 0)
		c.w.OK()
	case sub == "reload":
		c.srv.debugReload(c, args)
	case sub == "loadaof" && len(args) == 2:
		c.srv.debugLoadAOF(c)
	case sub == "aof-flush-sleep" && len(args) == 3:
		us, _ := strconv.ParseInt(string(args[2]), 10, 64)
		c.srv.aof.flushSleep.Store(us * int64(time.Microsecond))
		if l := c.srv.aof.log.Load(); l != nil {
			l.SetFlushSleep(time.Duration(us) * time.Microsecond)
		}
		c.w.OK()
	case sub == "object" && len(args) == 3:
		c.srv.debugObject(c, args[2])
	case sub == "populate" && len(args) >= 3 && len(args) <= 5:
		c.srv.debugPopulate(c, args)
	case sub == "digest" && len(args) == 2:
		c.srv.debugDigest(c)
	case sub == "digest-value":
		c.srv.debugDigestValue(c, args[2:])
	case sub == "change-repl-id" && len(args) == 2:
		c.srv.log.Warnf("Changing replication IDs after receiving DEBUG change-repl-id")
		c.srv.setReplID(newRunID())
		c.w.OK()
	default:
		subcommandSyntaxError(c, "debug", args[1])
	}
}

// strtodPrefix returns the leading part of b that C's strtod would read
// (so "1.5abc" sleeps 1.5 seconds and "abc" none, as in Redis).
func strtodPrefix(b []byte) string {
	b = bytes.TrimLeft(b, " \t\n\r\v\f")
	if len(b) > 64 {
		b = b[:64]
	}
	end := 0
	for i := 1; i <= len(b); i++ {
		if _, err := strconv.ParseFloat(string(b[:i]), 64); err == nil {
			end = i
		}
	}
	return string(b[:end])
}
