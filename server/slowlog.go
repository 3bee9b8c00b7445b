package server

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/store"
)

// The slow log (slowlog.c): commands that ran for at least
// slowlog-log-slower-than microseconds, newest first, at most
// slowlog-max-len of them. An entry keeps at most 32 arguments (the last
// one saying how many more there were) and at most 128 bytes of each.

const (
	slowlogMaxArgc   = 32
	slowlogMaxString = 128
)

type slowlogEntry struct {
	id       int64
	time     int64 // unix seconds
	duration int64 // microseconds
	args     [][]byte
	peer     string
	name     string
}

type slowlog struct {
	mu      sync.Mutex
	entries []slowlogEntry // oldest first
	nextID  int64

	slowerThan atomic.Int64 // microseconds; negative disables
	maxLen     atomic.Int64
}

func (l *slowlog) watch(cfg *Config) {
	cfg.Watch("slowlog-log-slower-than", func(v string) {
		n, _ := strconv.ParseInt(v, 10, 64)
		l.slowerThan.Store(n)
	})
	cfg.Watch("slowlog-max-len", func(v string) {
		n, _ := strconv.ParseInt(v, 10, 64)
		l.maxLen.Store(n)
		l.mu.Lock()
		l.trim()
		l.mu.Unlock()
	})
}

// push logs the command c ran, if it was slow enough.
func (l *slowlog) push(c *Client, cmd *Command, args [][]byte, dur time.Duration) {
	limit := l.slowerThan.Load()
	us := dur.Microseconds()
	if limit < 0 || us < limit {
		return
	}
	redacted := redactedArgs(cmd, args)
	argc := min(len(args), slowlogMaxArgc)
	e := slowlogEntry{time: time.Now().Unix(), duration: us, args: make([][]byte, argc), peer: c.addr, name: c.Name()}
	for j := 0; j < argc; j++ {
		a := args[j]
		switch {
		case argc != len(args) && j == argc-1:
			a = []byte(fmt.Sprintf("... (%d more arguments)", len(args)-argc+1))
		case redacted&(1<<min(j, 63)) != 0:
			a = []byte("(redacted)")
		case len(a) > slowlogMaxString:
			a = []byte(fmt.Sprintf("%s... (%d more bytes)", a[:slowlogMaxString], len(a)-slowlogMaxString))
		default:
			a = append([]byte(nil), a...)
		}
		e.args[j] = a
	}
	l.mu.Lock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	l.trim()
	l.mu.Unlock()
}

func (l *slowlog) trim() {
	if max := l.maxLen.Load(); int64(len(l.entries)) > max {
		drop := len(l.entries) - int(max)
		copy(l.entries, l.entries[drop:])
		clear(l.entries[len(l.entries)-drop:])
		l.entries = l.entries[:len(l.entries)-drop]
	}
}

func slowlogCommands() []*Command {
	sub := func(name string, arity int, flags, summary, complexity string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Lock: LockNone, Group: "server", Since: "2.2.12",
			Summary: summary, Complexity: complexity, Handler: h}
	}
	help := sub("help", 2, "loading stale", "Show helpful text about the different subcommands", "O(1)", cmdSlowlogHelp)
	help.Since = "6.2.0"
	return []*Command{
		{Name: "slowlog", Arity: -2, Lock: LockNone, Group: "server", Since: "2.2.12",
			Summary: "A container for slow log commands", Complexity: "Depends on subcommand.",
			Sub: []*Command{
				sub("get", -2, "admin loading stale", "Get the slow log's entries", "O(N) where N is the number of entries returned", cmdSlowlogGet),
				help,
				sub("len", 2, "admin loading stale", "Get the slow log's length", "O(1)", cmdSlowlogLen),
				sub("reset", 2, "admin loading stale", "Clear all entries from the slow log", "O(N) where N is the number of entries in the slowlog", cmdSlowlogReset),
			}},
	}
}

// SLOWLOG GET [count]
func cmdSlowlogGet(c *Client, args [][]byte) {
	if len(args) > 3 {
		subcommandSyntaxError(c, "slowlog", args[1])
		return
	}
	l := &c.srv.intro.slowlog
	l.mu.Lock()
	defer l.mu.Unlock()
	count := int64(10)
	if len(args) == 3 {
		n, ok := store.ParseInt(args[2])
		if !ok || n < -1 {
			c.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
		if n == -1 {
			count = int64(len(l.entries))
		}
	}
	n := min(int(count), len(l.entries))
	c.w.Array(n)
	for i := 0; i < n; i++ {
		e := &l.entries[len(l.entries)-1-i]
		c.w.Array(6)
		c.w.Int(e.id)
		c.w.Int(e.time)
		c.w.Int(e.duration)
		c.w.Array(len(e.args))
		for _, a := range e.args {
			c.w.Bulk(a)
		}
		c.w.BulkString(e.peer)
		c.w.BulkString(e.name)
	}
}

// SLOWLOG LEN
func cmdSlowlogLen(c *Client, args [][]byte) {
	l := &c.srv.intro.slowlog
	l.mu.Lock()
	n := len(l.entries)
	l.mu.Unlock()
	c.w.Int(int64(n))
}

// SLOWLOG RESET
func cmdSlowlogReset(c *Client, args [][]byte) {
	l := &c.srv.intro.slowlog
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
	c.w.OK()
}

// SLOWLOG HELP
func cmdSlowlogHelp(c *Client, args [][]byte) {
	writeHelp(c, "SLOWLOG", strings.Split(`GET [<count>]
    Return top <count> entries from the slowlog (default: 10, -1 mean all).
    Entries are made of:
    id, timestamp, time in microseconds, arguments array, client IP and port,
    client name
LEN
    Return the length of the slowlog.
RESET
    Reset the slowlog.`, "\n"))
}
