package server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/server/internal/stopwatch"
	"github.com/ember-kv/ember/store"
)

// Client is one connection's state. Its fields are owned by the connection's
// goroutine; the few that other clients read (CLIENT LIST, CLIENT KILL) are
// atomics or behind mu.
type Client struct {
	srv  *Server
	id   int64
	conn net.Conn
	rd   reqReader
	w    Reply
	tx   *store.Tx

	db  int
	cmd *Command // the command being run
	now int64    // when the running command started, Unix nanoseconds

	stats    statBatch // calls not yet added to the shared command counters
	lastName struct {  // the last plain command looked up, see lookup
		name []byte
		cmd  *Command
	}

	batchStart int64           // when the current batch of requests was read (Unix ns; 0 before the first)
	batchTicks stopwatch.Stamp // the same instant, for measuring durations
	elapsed    time.Duration   // time the batch's commands took so far
	keys       []int           // key positions scratch

	multi      *multiState   // open transaction (MULTI), nil otherwise
	inExec     bool          // running EXEC's commands: blocking commands must not block
	watched    []*watchEntry // WATCHed keys
	watchDirty atomic.Bool   // a watched key changed: EXEC will fail

	authenticated bool
	aclUser       atomic.Pointer[User] // nil: the default user
	closeAfter    bool                 // close once the pending output is written
	replyMode     replyMode

	created time.Time
	addr    string
	laddr   string

	mu   sync.Mutex // guards name and libName/libVer
	name string

	// Read by other goroutines.
	lastInteraction atomic.Int64 // unix nanoseconds
	lastCmd         atomic.Pointer[Command]
	curDB           atomic.Int32
	qbuf            atomic.Int64
	obuf            atomic.Int64
	protoVer        atomic.Int32
	killed          atomic.Bool
	commands        atomic.Int64 // commands processed, for INFO

	// For INFO and CLIENT (cmdstats.go, cmd_client.go).
	dirty    atomic.Int64 // changes made: rdb_changes_since_last_save
	errCount int          // error replies sent, to count failed calls
	noEvict  atomic.Bool  // CLIENT NO-EVICT

	// Client memory (clientmem.go): the client's own part as last
	// published, for the connection's goroutine and for everyone.
	memOwn   int64
	memInPub atomic.Int64

	out output // the write side (conn.go)

	// Pub/Sub, client-side caching, MONITOR and reply bookkeeping
	// (pubsub.go, tracking.go, monitor.go, notify.go, dispatch.go).
	subs         subscriptions
	track        tracking
	monitoring   atomic.Bool
	committed    bool     // replies were moved to the output queue and await a flush
	replyMark    int      // where the current command's replies start
	settled      bool     // settleReplies ran for the current command
	keep         [][2]int // spans of pushes in the reply buffer, kept under CLIENT REPLY OFF
	absent       [][]byte // keys the running write command may create ("new" events)
	expiredReads [][]byte // expired keys the running command reads ("keymiss" events)
	scratchPos   []int
	paused       atomic.Bool // waiting for CLIENT PAUSE to end

	// Blocking commands (blocking.go).
	blocked   atomic.Pointer[waiter] // set while blocked; read by CLIENT UNBLOCK/LIST
	ready     []string               // keys to serve waiters of after this command
	readyNext int                    // ready[:readyNext] are served

	prop propState // effects for the AOF and replicas (propagate.go)
}

type replyMode uint8

const (
	replyOn replyMode = iota
	replyOff
	replySkipNext
	replySkipThis
)

// ID is the client's unique id (CLIENT ID).
func (c *Client) ID() int64 { return c.id }

// Name returns the connection name (CLIENT GETNAME).
func (c *Client) Name() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// SetName sets the connection name.
func (c *Client) SetName(n string) {
	c.mu.Lock()
	c.name = n
	c.mu.Unlock()
}

// Proto is the negotiated RESP version.
func (c *Client) Proto() int { return c.w.proto }

// selectDB switches the client's database.
func (c *Client) selectDB(db int) {
	c.db = db
	c.curDB.Store(int32(db))
}

// Kill closes the client's connection from any goroutine.
// A killed client leaves the client list at once, as Redis frees it, so a
// second CLIENT KILL or CLIENT LIST never sees it again.
func (c *Client) Kill() {
	if c.killed.CompareAndSwap(false, true) {
		c.srv.clients.remove(c)
		c.conn.Close()
	}
}

// Error replies with an error; msg carries its code ("ERR ...").
func (c *Client) Error(msg string) {
	c.w.Error(msg)
	c.errCount++
	c.srv.stats.countError(msg)
}

// errStore replies with the Redis text for a store error.
func (c *Client) errStore(err error) { c.Error(storeError(err)) }

// errArity replies with the wrong-number-of-arguments error for the current
// command.
func (c *Client) errArity() {
	c.Error("ERR wrong number of arguments for '" + c.cmd.FullName + "' command")
}
