package server

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MONITOR (replication.c's replicationFeedMonitors): every command that
// runs, after it ran, as one status line per command to each monitoring
// client: +<unix time with microseconds> [<db> <client address>] "arg" ...
// Administrative commands and those flagged skip_monitor are left out, and
// secrets (AUTH and HELLO AUTH passwords, ...) show as "(redacted)".

// monitorList is the set of MONITOR clients, in the order they started.
type monitorList struct {
	mu      sync.Mutex
	clients []*Client
	count   atomic.Int64
}

func monitorCommand() *Command {
	return &Command{Name: "monitor", Arity: 1, Flags: "admin noscript loading stale", Lock: LockNone, Group: "server", Since: "1.0.0",
		Summary: "Listen for all requests received by the server in real time", Complexity: "", Handler: cmdMonitor}
}

// MONITOR
func cmdMonitor(c *Client, args [][]byte) {
	if c.inExec {
		c.Error("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return
	}
	if c.monitoring.Load() {
		return // already monitoring: Redis ignores it, without a reply
	}
	m := &c.srv.intro.monitors
	m.mu.Lock()
	m.clients = append(m.clients, c)
	m.count.Add(1)
	c.monitoring.Store(true)
	c.w.OK()
	// Commit the OK while registered: every line fed from now on follows it.
	c.commit()
	m.mu.Unlock()
}

// removeMonitor takes c out of MONITOR mode.
func (s *Server) removeMonitor(c *Client) {
	if !c.monitoring.Load() {
		return
	}
	m := &s.intro.monitors
	m.mu.Lock()
	m.clients = removeClient(m.clients, c)
	m.count.Add(-1)
	c.monitoring.Store(false)
	m.mu.Unlock()
}

// feedMonitors sends the command c just ran to every MONITOR client.
func (s *Server) feedMonitors(c *Client, cmd *Command, args [][]byte) {
	now := time.Now()
	line := make([]byte, 0, 64+16*len(args))
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	us := now.Nanosecond() / 1000
	line = append(line, byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10), byte('0'+us/100%10), byte('0'+us/10%10), byte('0'+us%10))
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(c.db), 10)
	line = append(line, ' ')
	line = append(line, c.addr...)
	line = append(line, "] "...)
	redacted := redactedArgs(cmd, args)
	for i, a := range args {
		if i > 0 {
			line = append(line, ' ')
		}
		if redacted&(1<<min(i, 63)) != 0 {
			a = []byte("(redacted)")
		}
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')
	m := &s.intro.monitors
	m.mu.Lock()
	for _, mc := range m.clients {
		if mc == c {
			mc.selfPush(nil, line)
		} else {
			mc.push(nil, line)
		}
	}
	m.mu.Unlock()
}

// appendRepr quotes b as sdscatrepr does.
func appendRepr(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, ch := range b {
		switch ch {
		case '\\', '"':
			dst = append(dst, '\\', ch)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				dst = append(dst, ch)
			} else {
				dst = append(dst, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(dst, '"')
}

// redactedArgs returns, as a bit set of argument positions, the arguments
// that commands hide from MONITOR and the slow log (Redis's
// redactClientCommandArgument calls): passwords of AUTH and HELLO AUTH,
// every argument of ACL SETUSER, values of sensitive CONFIG SET
// parameters, MIGRATE's credentials.
func redactedArgs(cmd *Command, args [][]byte) uint64 {
	var r uint64
	set := func(i int) {
		if i < 64 {
			r |= 1 << i
		}
	}
	switch cmd.FullName {
	case "auth":
		if len(args) <= 3 {
			for i := 1; i < len(args); i++ {
				set(i)
			}
		}
	case "hello":
		for j := 2; j < len(args); j++ {
			more := len(args) - 1 - j
			switch {
			case optIs(args[j], "auth") && more >= 2:
				set(j + 1)
				set(j + 2)
				j += 2
			case optIs(args[j], "setname") && more >= 1:
				j++
			default:
				return r
			}
		}
	case "acl|setuser":
		for i := 2; i < len(args); i++ {
			set(i)
		}
	case "config|set":
		for i := 2; i+1 < len(args); i += 2 {
			switch string(bytes.ToLower(args[i])) {
			case "requirepass", "masterauth", "masteruser":
				set(i + 1)
			}
		}
	case "migrate":
		for j := 6; j < len(args); j++ {
			more := len(args) - 1 - j
			switch {
			case optIs(args[j], "auth") && more >= 1:
				set(j + 1)
				j++
			case optIs(args[j], "auth2") && more >= 2:
				set(j + 1)
				set(j + 2)
				j += 2
			}
		}
	}
	return r
}
