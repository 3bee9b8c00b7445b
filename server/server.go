package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/server/internal/stopwatch"
	"github.com/ember-kv/ember/store"
)

// RedisVersion is the Redis version Ember implements and reports, so that
// clients enable the features they know 7.0 has.
const RedisVersion = "7.0.15"

// Version is Ember's own version.
const Version = "0.1.0"

// Server is one Ember instance: configuration, dataset, command table,
// listeners and clients. Nothing in it is global, so several servers can run
// in one process.
type Server struct {
	cfg   *Config
	store *store.Store
	table *Table
	log   *Logger

	listeners []net.Listener
	clients   clientRegistry
	nextID    atomic.Int64
	stats     stats
	watch     watchRegistry // WATCHed keys, per store shard
	blocking  blockRegistry // clients blocked on keys (blocking.go)
	acl       aclState      // users, permissions, the ACL log
	tls       tlsState      // the tls-port listener and its configuration
	pubsub    pubsubRegistry
	tracking  trackingTable
	intro     introspection // slowlog, latency, MONITOR, CLIENT PAUSE, output limits (introspect.go)
	started   time.Time
	runID     string

	notifyFlags atomic.Int64 // notify-keyspace-events, parsed

	shutdownOnce sync.Once
	done         chan struct{} // closed when the server stops
	wg           sync.WaitGroup
	exitCode     int

	// Server commands, INFO, start-up and shutdown (lifecycle.go, info.go).
	life            lifecycle
	cmdStats        cmdStatsTable
	activeExpireOff atomic.Bool // DEBUG SET-ACTIVE-EXPIRE 0
	startupMemory   int64
	rdb             rdbState    // RDB persistence (persistence.go)
	memst           memoryState // maxmemory and eviction (maxmemory.go)
	// ShowLogo prints Redis's ASCII logo at start-up (main sets it when the
	// log is a terminal, as Redis does).
	ShowLogo bool

	// The append-only file (aof.go) and a hook that sees every effect
	// propagated (tests).
	aof       aofState
	propHook  func(ops []aof.Op, wrap bool)
	quietExit bool // start-up failed: exit without the farewell line
}

// New builds a server from a loaded configuration. It does not listen yet.
func New(cfg *Config, logOut io.Writer) (*Server, error) {
	stopwatch.Start() // commands' durations: a cheaper clock once calibrated
	s := &Server{
		cfg:     cfg,
		log:     NewLogger(logOut, levelOf(cfg.MustGet("loglevel"))),
		done:    make(chan struct{}),
		started: time.Now(),
		runID:   newRunID(),
	}
	s.clients.m = map[int64]*Client{}
	s.stats.errors = map[string]int64{}
	table, err := NewTable(commandFamilies()...)
	if err != nil {
		return nil, err
	}
	for _, rn := range cfg.Renames() {
		if err := table.rename(rn[0], rn[1]); err != nil {
			return nil, fmt.Errorf("rename-command: %v", err)
		}
	}
	s.table = table
	s.acl.init(table)
	s.store = store.New(store.Options{Databases: int(cfg.GetInt("databases"))})
	s.store.SetObserver(s)
	s.watch = newWatchRegistry(s.store.ShardCount())
	s.blocking = newBlockRegistry(s.store.ShardCount())
	s.watchConfig()
	s.aofInit()
	s.initExtras()
	if err := s.initACL(); err != nil {
		return nil, err
	}
	s.initMemory()
	s.initIntrospection()
	return s, nil
}

// watchConfig connects parameters to the components that keep a copy.
func (s *Server) watchConfig() {
	lim := s.store.Limits()
	for name, v := range map[string]*atomic.Int64{
		"hash-max-listpack-entries": &lim.HashMaxListpackEntries,
		"hash-max-listpack-value":   &lim.HashMaxListpackValue,
		"list-max-listpack-size":    &lim.ListMaxListpackSize,
		"set-max-intset-entries":    &lim.SetMaxIntsetEntries,
		"zset-max-listpack-entries": &lim.ZSetMaxListpackEntries,
		"zset-max-listpack-value":   &lim.ZSetMaxListpackValue,
	} {
		s.cfg.Watch(name, func(val string) {
			n, _ := strconv.ParseInt(val, 10, 64)
			v.Store(n)
		})
	}
	s.cfg.Watch("loglevel", func(val string) { s.log.SetLevel(levelOf(val)) })
	s.cfg.Watch("timeout", s.applyIdleTimeout)
	s.watchOOMScore()
}

// commandFamilies lists every command family. Each family file returns its
// commands; the table is assembled here, explicitly.
func commandFamilies() [][]*Command {
	return [][]*Command{
		connectionCommands(),
		transactionCommands(),
		serverCommands(),
		keyspaceCommands(),
		expireCommands(),
		stringCommands(),
		bitmapCommands(),
		hllCommands(),
		clientCommands(),
		introspectionCommands(),
		listCommands(),
		hashCommands(),
		setCommands(),
		zsetCommands(),
		zsetBlockingCommands(),
		geoCommands(),
		sortCommands(),
		aclCommands(),
		persistenceCommands(),
		aofCommands(),
		memoryCommands(),
		pubsubCommands(),
		diagnosticCommands(),
	}
}

func levelOf(name string) int {
	for i, n := range levelNames {
		if n == name {
			return i
		}
	}
	return LevelNotice
}

// Store exposes the dataset (for persistence and tests).
func (s *Server) Store() *store.Store { return s.store }

// Config exposes the configuration.
func (s *Server) Config() *Config { return s.cfg }

// Table exposes the command table.
func (s *Server) Table() *Table { return s.table }

// Listen opens the configured listeners (bind addresses and port) and
// arranges for CONFIG SET port/bind to rebind them.
func (s *Server) Listen() error {
	s.life.port = s.cfg.GetInt("port")
	s.life.bind = s.cfg.MustGet("bind")
	lns, err := listenOn(s.life.bind, s.life.port)
	if err != nil {
		return err
	}
	s.listeners = lns
	s.cfg.Hook("port", s.rebindPort)
	s.cfg.Hook("bind", s.rebindAddrs)
	if err := s.listenTLS(); err != nil {
		s.closeListeners()
		return err
	}
	return nil
}

// Addr returns the first listener's address.
func (s *Server) Addr() net.Addr {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Serve accepts connections until Shutdown. It logs Redis's start-up lines,
// which tools wait for.
func (s *Server) Serve() {
	s.startupLog()
	// Clients may connect while the dataset loads: like Redis, they get
	// LOADING for everything but the commands flagged "loading".
	// With the AOF on, nothing may run before the AOF is open: its effect
	// would not be logged.
	s.rdb.loading.Store(s.hasDumpFile() || s.cfg.GetBool("appendonly"))
	s.life.mu.Lock()
	for _, ln := range s.listeners {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.life.mu.Unlock()
	s.serveTLS()
	if err := s.loadAtStartup(); err != nil {
		s.exitCode = 1
		s.quietExit = true // the reason is the last log line, as when Redis exits
		s.Shutdown()
		return
	}
	s.wg.Add(1)
	go s.cron()
	s.log.Noticef("Ready to accept connections")
}

func (s *Server) acceptLoop(ln net.Listener) { s.acceptWith(ln, nil) }

// acceptWith accepts connections on ln until the server stops and serves
// each one, through wrap when it is set (TLS).
func (s *Server) acceptWith(ln net.Listener, wrap func(net.Conn) net.Conn) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warnf("Accepting client connection: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
			if ka := s.cfg.GetInt("tcp-keepalive"); ka > 0 {
				_ = tc.SetKeepAlive(true)
				_ = tc.SetKeepAlivePeriod(time.Duration(ka) * time.Second)
			}
		}
		s.stats.connections.Add(1)
		if wrap != nil {
			nc = wrap(nc)
		}
		go s.serveConn(nc)
	}
}

// cron runs periodic work at hz: active expiry, statistics.
func (s *Server) cron() {
	defer s.wg.Done()
	lastSample := time.Now()
	for {
		period := time.Second / time.Duration(s.cfg.HZ())
		select {
		case <-s.done:
			return
		case <-time.After(period):
		}
		if s.cronIsPaused() {
			continue
		}
		s.cronShutdown()
		s.cronPersistence()
		// Redis gives active expiry 25% of each cron period, and none
		// while clients are paused.
		if !s.activeExpireOff.Load() && !s.clientsPaused() {
			start := time.Now()
			s.store.ActiveExpire(period / 4) // KeyExpired counts the keys
			s.intro.latency.addSampleIfNeeded("expire-cycle", time.Since(start).Milliseconds())
		}
		s.introspectionCron(time.Now())
		s.cronQueryBuffers(time.Now())
		s.cronAOF()
		if now := time.Now(); now.Sub(lastSample) >= 100*time.Millisecond {
			s.sampleMetrics(now)
			s.memoryCron()
			lastSample = now
		}
	}
}

// Done is closed once the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.life.exited }

// Shutdown stops accepting, closes every client and waits for background
// work to end.
func (s *Server) Shutdown() {
	s.shutdownOnce.Do(func() {
		close(s.done)
		s.closeListeners()
		for _, c := range s.clients.all() {
			c.Kill()
		}
		s.wg.Wait()
		s.closeAOFForShutdown()
		if !s.quietExit {
			s.log.Warnf("Redis is now ready to exit, bye bye...")
		}
		close(s.life.exited)
	})
}

func (s *Server) closeListeners() {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.closeTLS()
}

// authRequired reports whether new connections must authenticate: the
// default user has a password or is disabled (Redis's authRequired).
func (s *Server) authRequired() bool {
	r := s.acl.defaultUser.get()
	return r.flags&userNoPass == 0 || r.flags&userOff != 0
}

func (s *Server) newClient(nc net.Conn) *Client {
	c := &Client{
		srv:     s,
		id:      s.nextID.Add(1),
		conn:    nc,
		rd:      newReqReader(),
		tx:      store.NewTx(s.store),
		created: time.Now(),
		addr:    nc.RemoteAddr().String(),
		laddr:   nc.LocalAddr().String(),
	}
	c.w.proto = 2
	c.tx.OnExpire = c.keyExpiredByCommand
	c.protoVer.Store(2)
	c.authenticated = !s.authRequired()
	c.lastInteraction.Store(time.Now().UnixNano())
	s.clients.add(c)
	return c
}

func (s *Server) removeClient(c *Client) {
	c.flushStats()
	c.Kill()
	c.uncountMem()
	s.clientGone(c)
	c.discardTransaction()
	s.clients.remove(c)
	s.stats.retiredCommands.Add(c.commands.Load())
	s.stats.retiredDirty.Add(c.dirty.Load())
}

// clientRegistry is the set of connected clients.
type clientRegistry struct {
	mu sync.Mutex
	m  map[int64]*Client
}

func (r *clientRegistry) add(c *Client) {
	r.mu.Lock()
	r.m[c.id] = c
	r.mu.Unlock()
}

func (r *clientRegistry) remove(c *Client) {
	r.mu.Lock()
	delete(r.m, c.id)
	r.mu.Unlock()
}

func (r *clientRegistry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

func (r *clientRegistry) get(id int64) *Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

// all returns the clients ordered by id.
func (r *clientRegistry) all() []*Client {
	r.mu.Lock()
	out := make([]*Client, 0, len(r.m))
	for _, c := range r.m {
		out = append(out, c)
	}
	r.mu.Unlock()
	sortClients(out)
	return out
}

func newRunID() string {
	var b [20]byte
	f, err := os.Open("/dev/urandom")
	if err == nil {
		_, _ = io.ReadFull(f, b[:])
		f.Close()
	}
	return fmt.Sprintf("%x", b)
}

// ExitCode is the process exit status after Shutdown.
func (s *Server) ExitCode() int { return s.exitCode }
