package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Start-up and shutdown, with the log lines Redis prints (tools and test
// suites wait for " PID: " and "Ready to accept connections").

// lifecycle is the server's start-up and shutdown state.
type lifecycle struct {
	mu           sync.Mutex
	shuttingDown bool
	pidFile      string // written at start-up, removed at shutdown
	replID       string
	port         int64 // what the listeners are bound to
	bind         string
	exited       chan struct{} // closed once Shutdown has finished
	asap         bool          // a signal asked for a shutdown the cron has not run yet
	asapFlags    int
	sigShutdown  bool // the shutdown a signal scheduled is running
	cronPaused   bool // DEBUG PAUSE-CRON
}

// initExtras prepares what the server commands need once the table exists.
func (s *Server) initExtras() {
	s.life.exited = make(chan struct{})
	s.cmdStats.init(s.table)
	s.stats.lastSave.Store(time.Now().Unix())
	s.rdb.lastBgTime = -1
	s.life.replID = newRunID()
	s.startupMemory = int64(UsedMemory())
}

func (s *Server) replIDValue() string {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	return s.life.replID
}

func (s *Server) setReplID(id string) {
	s.life.mu.Lock()
	s.life.replID = id
	s.life.mu.Unlock()
}

// asciiLogo is the logo Redis prints at start-up when always-show-logo is
// set or the log is a terminal; its "PID:" line is what test suites wait for.
const asciiLogo = "" +
	"                _._                                                  \n" +
	"           _.-``__ ''-._                                             \n" +
	"      _.-``    `.  `_.  ''-._           Redis %s (%s/%d) %s bit\n" +
	"  .-`` .-```.  ```\\/    _.,_ ''-._                                  \n" +
	" (    '      ,       .-`  | `,    )     Running in %s mode\n" +
	" |`-._`-...-` __...-.``-._|'` _.-'|     Port: %d\n" +
	" |    `-._   `._    /     _.-'    |     PID: %d\n" +
	"  `-._    `-._  `-./  _.-'    _.-'                                   \n" +
	" |`-._`-._    `-.__.-'    _.-'_.-'|                                  \n" +
	" |    `-._`-._        _.-'_.-'    |           https://redis.io       \n" +
	"  `-._    `-._`-.__.-'_.-'    _.-'                                   \n" +
	" |`-._`-._    `-.__.-'    _.-'_.-'|                                  \n" +
	" |    `-._`-._        _.-'_.-'    |                                  \n" +
	"  `-._    `-._`-.__.-'_.-'    _.-'                                   \n" +
	"      `-._    `-.__.-'    _.-'                                       \n" +
	"          `-._        _.-'                                           \n" +
	"              `-.__.-'                                               \n\n"

// startupLog prints Redis's start-up lines up to the logo. ShowLogo tells
// whether the log goes to a terminal (set by main).
func (s *Server) startupLog() {
	pid := os.Getpid()
	s.log.logRole(LevelWarning, 'C', "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	s.log.logRole(LevelWarning, 'C', fmt.Sprintf("Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, just started", RedisVersion, pid))
	s.log.logRole(LevelWarning, 'C', "Configuration loaded")
	port := s.cfg.GetInt("port")
	if s.ShowLogo || s.cfg.GetBool("always-show-logo") {
		s.log.Raw(LevelNotice, fmt.Sprintf(asciiLogo, RedisVersion, "00000000", 0, "64", "standalone", port, pid))
	} else {
		// Redis prints no PID here, but tools wait for " PID: ", so Ember
		// adds it after Redis's line.
		s.log.Noticef("Running mode=standalone, port=%d. PID: %d", port, pid)
	}
	s.log.Warnf("Server initialized")
	for _, name := range s.cfg.Ignored() {
		s.log.Noticef("Configuration directive '%s' is accepted for compatibility and ignored by Ember", name)
	}
	if pf := s.cfg.MustGet("pidfile"); pf != "" {
		if err := os.WriteFile(pf, fmt.Appendf(nil, "%d\n", pid), 0o644); err != nil {
			s.log.Warnf("Failed to write PID file: %s", errnoText(err))
		} else {
			s.life.pidFile = pf
		}
	}
}

var errShutdownInProgress = errors.New("shutdown in progress")

// ShutdownWith stops the server as Redis's prepareForShutdown and
// finishShutdown do: it saves when save points are configured (or SAVE is
// given) unless NOSAVE, removes the pid file, closes every client and the
// listeners. A failed save keeps the server running unless FORCE.
func (s *Server) ShutdownWith(flags int) error {
	s.life.mu.Lock()
	if s.life.shuttingDown {
		s.life.mu.Unlock()
		return errShutdownInProgress
	}
	s.life.shuttingDown = true
	s.life.mu.Unlock()
	s.log.Warnf("User requested shutdown...")
	s.stopBgsaveForShutdown()
	if err := s.prepareAOFForShutdown(flags&ShutdownForce != 0); err != nil {
		s.log.Warnf("Errors trying to shut down the server. Check the logs for more information.")
		s.life.mu.Lock()
		s.life.shuttingDown = false
		s.life.mu.Unlock()
		return err
	}
	save := flags&ShutdownSave != 0 || (len(s.cfg.SaveParams()) > 0 && flags&ShutdownNoSave == 0)
	if save {
		s.log.Noticef("Saving the final RDB snapshot before exiting.")
		if err := s.saveBeforeShutdown(); err != nil {
			if flags&ShutdownForce == 0 {
				s.log.Warnf("Error trying to save the DB, can't exit.")
				s.log.Warnf("Errors trying to shut down the server. Check the logs for more information.")
				s.life.mu.Lock()
				s.life.shuttingDown = false
				s.life.mu.Unlock()
				return err
			}
			s.log.Warnf("Error trying to save the DB. Exit anyway.")
		}
	}
	if s.life.pidFile != "" {
		s.log.Noticef("Removing the pid file.")
		os.Remove(s.life.pidFile)
	}
	s.Shutdown()
	return nil
}

// signalFlags reads shutdown-on-sigint / shutdown-on-sigterm.
func (s *Server) signalFlags(param string) int {
	flags := 0
	for _, f := range strings.Fields(s.cfg.MustGet(param)) {
		switch f {
		case "save":
			flags |= ShutdownSave
		case "nosave":
			flags |= ShutdownNoSave
		case "now":
			flags |= ShutdownNow
		case "force":
			flags |= ShutdownForce
		}
	}
	return flags
}

// OnSignal handles SIGINT/SIGTERM as Redis: it logs the signal and
// schedules a shutdown, which the cron carries out with the flags of
// shutdown-on-sigint/sigterm (SHUTDOWN ABORT can cancel it until then).
func (s *Server) OnSignal(name string) {
	param := "shutdown-on-sigterm"
	if name == "SIGINT" {
		param = "shutdown-on-sigint"
	}
	s.life.mu.Lock()
	if name == "SIGINT" && (s.life.asap || s.life.sigShutdown) {
		// A second Ctrl+C: quit now, without waiting for the save.
		s.life.mu.Unlock()
		s.log.Warnf("You insist... exiting now.")
		os.Remove(filepath.Join(filepath.Dir(s.rdbPath()), fmt.Sprintf("temp-%d.rdb", os.Getpid())))
		os.Exit(1)
	}
	s.life.mu.Unlock()
	if s.rdb.loading.Load() {
		// Redis shuts down from its loading loop, without saving.
		s.log.Warnf("Received shutdown signal during loading, scheduling shutdown.")
		s.exitWhileLoading()
		return
	}
	s.log.Warnf("Received %s scheduling shutdown...", name)
	flags := s.signalFlags(param)
	s.life.mu.Lock()
	s.life.asap = true
	s.life.asapFlags = flags
	s.life.mu.Unlock()
}

// exitWhileLoading ends the process during start-up loading, as Redis's
// prepareForShutdown(SHUTDOWN_NOSAVE) from whileBlockedCron: nothing was
// changed yet, so there is nothing to save or flush.
func (s *Server) exitWhileLoading() {
	s.log.Warnf("User requested shutdown...")
	s.life.mu.Lock()
	pf := s.life.pidFile
	s.life.mu.Unlock()
	if pf != "" {
		s.log.Noticef("Removing the pid file.")
		os.Remove(pf)
	}
	s.log.Warnf("Redis is now ready to exit, bye bye...")
	os.Exit(0)
}

// cronShutdown starts a shutdown a signal scheduled. It runs the shutdown
// on its own goroutine, since Shutdown waits for the cron to end.
func (s *Server) cronShutdown() {
	s.life.mu.Lock()
	if !s.life.asap || s.life.cronPaused {
		s.life.mu.Unlock()
		return
	}
	s.life.asap = false
	s.life.sigShutdown = true
	flags := s.life.asapFlags
	s.life.mu.Unlock()
	go func() {
		if s.ShutdownWith(flags) != nil {
			s.life.mu.Lock()
			s.life.sigShutdown = false
			s.life.mu.Unlock()
		}
	}()
}

// abortShutdown cancels a scheduled shutdown (SHUTDOWN ABORT).
func (s *Server) abortShutdown() bool {
	s.life.mu.Lock()
	pending := s.life.asap
	s.life.asap = false
	s.life.mu.Unlock()
	if pending {
		s.log.Noticef("Shutdown manually aborted.")
	}
	return pending
}

func (s *Server) pauseCron(paused bool) {
	s.life.mu.Lock()
	s.life.cronPaused = paused
	s.life.mu.Unlock()
}

func (s *Server) cronIsPaused() bool {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	return s.life.cronPaused
}

// Logger exposes the server's logger (for main's start-up errors).
func (s *Server) Logger() *Logger { return s.log }

// listenOn opens a listener per bind address ("-" marks an optional one,
// "*" every interface); port 0 opens none.
func listenOn(bind string, port int64) ([]net.Listener, error) {
	if port == 0 {
		return nil, nil
	}
	var lns []net.Listener
	for _, addr := range strings.Fields(bind) {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		if addr == "*" {
			addr = ""
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.FormatInt(port, 10)))
		if err != nil {
			if optional {
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			if addr == "" {
				addr = "*"
			}
			return nil, fmt.Errorf("Could not create server TCP listening socket %s:%d: %s", addr, port, errnoText(err))
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return nil, fmt.Errorf("Failed listening on port %d (TCP), aborting.", port)
	}
	return lns, nil
}

// rebind replaces the listeners with ones on bind:port. The new ones are
// opened first, so a failure leaves the server listening where it was.
func (s *Server) rebind(bind string, port int64) error {
	lns, err := listenOn(bind, port)
	if err != nil {
		s.log.Warnf("%v", err)
		return err
	}
	s.life.mu.Lock()
	old := s.listeners
	s.listeners = lns
	s.life.port, s.life.bind = port, bind
	for _, ln := range lns {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.life.mu.Unlock()
	for _, ln := range old {
		ln.Close()
	}
	return nil
}

// rebindPort applies CONFIG SET port.
func (s *Server) rebindPort(v string) error {
	port, _ := strconv.ParseInt(v, 10, 64)
	if s.rebind(s.life.bind, port) != nil {
		return errors.New("Unable to listen on this port. Check server logs.")
	}
	return nil
}

// rebindAddrs applies CONFIG SET bind.
func (s *Server) rebindAddrs(v string) error {
	if s.rebind(v, s.life.port) != nil {
		return errors.New("Failed to bind to specified addresses.")
	}
	return nil
}
