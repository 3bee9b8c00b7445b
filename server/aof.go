package server

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/store"
)

// The append-only file on the server side (Redis's aof.c): turning it on
// and off, opening it at start-up, the fsync policies, the cron's work,
// INFO persistence. The effects come from the propagation point
// (propagate.go); the formats and the group-commit writer live in
// persistence/aof; rewriting is in aof_rewrite.go, loading in aof_load.go.

// aofStatus is Redis's aof_state.
type aofStatus int32

const (
	aofOff aofStatus = iota
	aofOn
	aofWaitRewrite // turned on at run time: logging into a temporary incr file until the first rewrite is done
)

// aofState is the server's AOF bookkeeping.
type aofState struct {
	log    atomic.Pointer[aof.Log] // nil when the AOF is off
	status atomic.Int32            // aofStatus

	mu        sync.Mutex
	manifest  *aof.Manifest
	dir       string // the directory the current files are in
	filename  string // appendfilename the files were named after
	rw        *aofRewrite
	running   atomic.Bool // a rewrite is running or starting (readable without mu)
	startNow  bool        // CONFIG SET appendonly yes: start the rewrite once the configuration is unlocked
	scheduled bool        // a rewrite waits for the background save (or EXEC) to end
	baseSize  int64       // size of the base file
	incrSize  int64       // size of the incr files before the current one
	// rewriteBaseSize is aof_rewrite_base_size: the size after the last
	// rewrite, for auto-aof-rewrite-percentage.
	rewriteBaseSize int64
	lastRewriteOK   bool
	lastRewriteSecs int64 // aof_last_rewrite_time_sec, -1 before the first
	failures        int64 // aof_rewrites_consecutive_failures
	nextRetry       time.Time
	retryDelay      time.Duration
	rewrites        atomic.Int64
	lastCowSize     atomic.Int64
	writeErr        atomic.Pointer[string] // the last write error, nil when ok

	// Copies of the parameters (hooks run with the configuration locked,
	// so they cannot read it).
	cfgDir, cfgName, cfgDirname string
	preamble, loadTruncated     atomic.Bool
	noFsyncOnRewrite            atomic.Bool
	timestamps                  atomic.Bool
	policy                      atomic.Int32
	autoPct, autoMin            atomic.Int64
	keySaveDelay                atomic.Int64 // rdb-key-save-delay (microseconds), slows rewrites for tests
	noAutoGC                    atomic.Bool  // aof-disable-auto-gc
	flushSleep                  atomic.Int64 // DEBUG AOF-FLUSH-SLEEP (ns)
	lazyExpire, lazyUserDel     atomic.Bool  // expiries and user deletions propagate as UNLINK

	// configCaller is the client running CONFIG SET, so that turning the
	// AOF on inside EXEC is scheduled instead of run (Redis's in_exec).
	configMu     sync.Mutex
	configCaller *Client

	lastFsync    time.Time
	loadedBefore int64     // bytes of the AOF files already loaded (INFO loading_loaded_bytes)
	loadTx       *store.Tx // DEBUG LOADAOF: the loader runs under these locks
}

func (s *Server) aofStatus() aofStatus { return aofStatus(s.aof.status.Load()) }

// aofInit connects the AOF parameters. Called once by New.
func (s *Server) aofInit() {
	a := &s.aof
	a.lastRewriteOK = true
	a.lastRewriteSecs = -1
	watchStr := func(name string, dst *string) {
		s.cfg.Watch(name, func(v string) {
			a.mu.Lock()
			*dst = v
			a.mu.Unlock()
		})
	}
	watchStr("dir", &a.cfgDir)
	watchStr("appendfilename", &a.cfgName)
	watchStr("appenddirname", &a.cfgDirname)
	watchBool := func(name string, dst *atomic.Bool, then func(bool)) {
		s.cfg.Watch(name, func(v string) {
			dst.Store(v == "yes")
			if then != nil {
				then(v == "yes")
			}
		})
	}
	watchBool("aof-use-rdb-preamble", &a.preamble, nil)
	watchBool("aof-load-truncated", &a.loadTruncated, nil)
	watchBool("no-appendfsync-on-rewrite", &a.noFsyncOnRewrite, nil)
	watchBool("aof-disable-auto-gc", &a.noAutoGC, nil)
	s.cfg.Hook("aof-disable-auto-gc", func(v string) error {
		if v == "no" {
			// Turning garbage collection back on removes the history now.
			a.mu.Lock()
			s.aofDelHistoryLocked()
			a.mu.Unlock()
		}
		return nil
	})
	watchBool("lazyfree-lazy-expire", &a.lazyExpire, nil)
	watchBool("lazyfree-lazy-user-del", &a.lazyUserDel, nil)
	watchBool("aof-timestamp-enabled", &a.timestamps, func(on bool) {
		if l := a.log.Load(); l != nil {
			l.SetTimestamps(on)
		}
	})
	s.cfg.Watch("appendfsync", func(v string) {
		p := aof.FsyncEverysec
		switch v {
		case "always":
			p = aof.FsyncAlways
		case "no":
			p = aof.FsyncNo
		}
		a.policy.Store(int32(p))
		if l := a.log.Load(); l != nil {
			l.SetPolicy(p)
		}
	})
	watchInt := func(name string, dst *atomic.Int64) {
		s.cfg.Watch(name, func(v string) {
			n, _ := strconv.ParseInt(v, 10, 64)
			dst.Store(n)
		})
	}
	watchInt("auto-aof-rewrite-percentage", &a.autoPct)
	watchInt("auto-aof-rewrite-min-size", &a.autoMin)
	watchInt("rdb-key-save-delay", &a.keySaveDelay)
	s.rdb.aofRewriting = s.aofRewriting
	s.cfg.Hook("appendonly", func(v string) error {
		if v == "yes" {
			return s.startAppendOnly()
		}
		s.stopAppendOnly()
		return nil
	})
}

// configSetBy runs a CONFIG SET for c, so that hooks know who asked.
func (s *Server) configSetBy(c *Client, set func() error) error {
	s.aof.configMu.Lock()
	defer s.aof.configMu.Unlock()
	s.aof.configCaller = c
	err := set()
	s.aof.configCaller = nil
	s.aof.mu.Lock()
	startNow := s.aof.startNow
	s.aof.startNow = false
	s.aof.mu.Unlock()
	if startNow {
		if running := s.aof.running.Load(); running {
			s.log.Warnf("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.")
			s.aof.mu.Lock()
			s.killRewriteLocked()
			s.aof.mu.Unlock()
		}
		if rerr := s.startRewrite(); rerr != nil {
			s.log.Warnf("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
		}
	}
	return err
}

// aofPaths returns the AOF directory and file name prefix as configured now.
func (s *Server) aofPaths() (dir, filename string) {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pathsLocked()
}

func (a *aofState) pathsLocked() (dir, filename string) {
	return filepath.Join(a.cfgDir, a.cfgDirname), a.cfgName
}

// openAOFAtStart is aofOpenIfNeededOnServerStart: with the AOF on, after
// loading, it makes sure there is a base (writing one for an empty
// dataset), opens the last incr file for appending and persists the
// manifest. Any failure stops the start-up.
func (s *Server) openAOFAtStart(m *aof.Manifest) error {
	a := &s.aof
	dir, name := s.aofPaths()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.log.Warnf("Can't open or create append-only dir %s: %s", dir, errnoText(err))
		return err
	}
	if m.Base == nil && len(m.Incr) == 0 {
		base := m.NewBase(name, a.preamble.Load())
		if err := s.rewriteSync(filepath.Join(dir, base), a.preamble.Load()); err != nil {
			return err
		}
		s.log.Noticef("Creating AOF base file %s on server start", base)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	existed := len(m.Incr) > 0
	incr := m.LastIncr(name)
	// Not O_APPEND: the log writes at its own offsets, over the reserve it
	// keeps past its data (persistence/aof/reserve.go).
	f, err := os.OpenFile(filepath.Join(dir, incr), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		s.log.Warnf("Can't open the append-only file %s: %s", incr, errnoText(err))
		return err
	}
	if err := aof.WriteManifest(dir, name, m); err != nil {
		f.Close()
		s.log.Warnf("%v", err)
		return err
	}
	size := fileSize(f.Name())
	// A reserve left by a process that did not close the file (it died)
	// goes before appending: the file continues where its commands end.
	if start, err := aof.PadStart(f, size); err == nil && start < size {
		if err := f.Truncate(start); err != nil {
			f.Close()
			s.log.Warnf("Can't cut the reserved tail off the append-only file %s: %s", incr, errnoText(err))
			return err
		}
		s.log.Verbosef("Cut the reserved tail (%d bytes) off the append-only file %s", size-start, incr)
		size = start
	}
	a.manifest = m
	a.dir, a.filename = dir, name
	a.baseSize, a.incrSize = a.sizesLocked(m, incr)
	s.installLog(f, size)
	a.status.Store(int32(aofOn))
	if existed {
		s.log.Noticef("Opening AOF incr file %s on server start", incr)
	} else {
		s.log.Noticef("Creating AOF incr file %s on server start", incr)
	}
	s.aofDelHistoryLocked()
	return nil
}

// sizesLocked returns the size of m's base file and of its incr files other
// than current.
func (a *aofState) sizesLocked(m *aof.Manifest, current string) (base, incr int64) {
	if m.Base != nil {
		base = fileSize(filepath.Join(a.dir, m.Base.Name))
	}
	for _, fi := range m.Incr {
		if fi.Name != current {
			incr += fileSize(filepath.Join(a.dir, fi.Name))
		}
	}
	return base, incr
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// installLog starts logging into f.
func (s *Server) installLog(f *os.File, size int64) {
	a := &s.aof
	l := aof.NewLog(f, size, int(a.policy.Load()))
	l.SetTimestamps(a.timestamps.Load())
	l.SetFlushSleep(time.Duration(a.flushSleep.Load()))
	l.OnFatal = func(err error) {
		s.log.Warnf("Can't recover from AOF write error when the AOF fsync policy is 'always': %s. Exiting...", errnoText(err))
		os.Exit(1)
	}
	l.OnWriteError = func(err error) {
		if err == nil {
			a.writeErr.Store(nil)
			s.log.Warnf("AOF write error looks solved, Redis can write again.")
			return
		}
		msg := errnoText(err)
		a.writeErr.Store(&msg)
		s.log.Warnf("Error writing to the AOF file: %s", msg)
	}
	a.lastFsync = time.Now()
	a.log.Store(l)
}

// aofWriteDenied is Redis's DISK_ERROR_TYPE_AOF: while the AOF cannot be
// written, write commands are refused with this error ("" when fine).
func (s *Server) aofWriteDenied() string {
	if p := s.aof.writeErr.Load(); p != nil && s.aofStatus() != aofOff {
		return "MISCONF Errors writing to the AOF file: " + *p
	}
	return ""
}

// startAppendOnly turns the AOF on at run time (CONFIG SET appendonly yes):
// a rewrite writes the base while new effects go to a temporary incr file.
// It runs as a configuration hook, with the configuration locked, so the
// rewrite itself is started by configSetBy once the lock is released (or
// by the cron when it cannot start now).
func (s *Server) startAppendOnly() error {
	a := &s.aof
	saving := s.otherBackgroundSave() // before a.mu: rdb's lock is never taken under it
	a.mu.Lock()
	defer a.mu.Unlock()
	if aofStatus(a.status.Load()) != aofOff {
		return nil
	}
	a.status.Store(int32(aofWaitRewrite))
	a.scheduled = true
	switch {
	case a.configCaller != nil && a.configCaller.inExec:
		s.log.Warnf("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.")
	case saving:
		s.log.Warnf("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
	default:
		a.startNow = true
	}
	if a.writeErr.Load() != nil {
		s.log.Warnf("AOF reopen, just ignore the last error.")
		a.writeErr.Store(nil)
	}
	return nil
}

// stopAppendOnly turns the AOF off (CONFIG SET appendonly no): what is
// buffered is written and fsynced, a rewrite in progress is abandoned.
func (s *Server) stopAppendOnly() {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	if aofStatus(a.status.Load()) == aofOff {
		return
	}
	s.killRewriteLocked()
	if l := a.log.Swap(nil); l != nil {
		if err := l.Close(); err != nil {
			s.log.Warnf("Fail to fsync the AOF file: %s", errnoText(err))
		}
	}
	a.status.Store(int32(aofOff))
	a.scheduled = false
	a.startNow = false
	a.writeErr.Store(nil)
}

// prepareAOFForShutdown is the AOF's part of prepareForShutdown: a
// rewrite in progress is abandoned (refusing, unless force, while the AOF
// is being turned on: its data would be lost), and the AOF is written and
// fsynced.
func (s *Server) prepareAOFForShutdown(force bool) error {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rw != nil {
		if aofStatus(a.status.Load()) == aofWaitRewrite {
			if !force {
				s.log.Warnf("Writing initial AOF, can't exit.")
				return errors.New("Errors trying to SHUTDOWN. Check logs.")
			}
			s.log.Warnf("Writing initial AOF. Exit anyway.")
		}
		s.log.Warnf("There is a child rewriting the AOF. Killing it!")
		s.killRewriteLocked()
	}
	if l := a.log.Load(); l != nil && aofStatus(a.status.Load()) != aofOff {
		s.log.Noticef("Calling fsync() on the AOF file.")
		if err := l.Flush(true); err != nil {
			s.log.Warnf("Fail to fsync the AOF file: %s.", errnoText(err))
		}
	}
	return nil
}

// closeAOFForShutdown writes, fsyncs and closes the AOF as the process
// stops.
func (s *Server) closeAOFForShutdown() {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rw != nil {
		s.killRewriteLocked()
	}
	if l := a.log.Load(); l != nil {
		_ = l.Close()
	}
}

// cronAOF is the AOF's share of serverCron: the everysec fsync, writing
// effects nobody waits for (active expiry), scheduled and automatic rewrites.
func (s *Server) cronAOF() {
	a := &s.aof
	l := a.log.Load()
	if l != nil {
		if aof.FsyncEverysec == int(a.policy.Load()) && time.Since(a.lastFsync) >= time.Second {
			a.lastFsync = time.Now()
			if !(a.noFsyncOnRewrite.Load() && s.rewriteOrSaveRunning()) {
				l.BackgroundSync()
			} else {
				_ = l.Flush(false)
			}
		} else if l.Pending() > 0 {
			_ = l.Flush(false)
		}
	}
	s.cronRewrite()
}

// aofDelHistoryLocked removes the history files and drops them from the
// manifest (aofDelHistoryFiles), unless aof-disable-auto-gc.
func (s *Server) aofDelHistoryLocked() {
	a := &s.aof
	m := a.manifest
	if m == nil || len(m.History) == 0 || a.noAutoGC.Load() {
		return
	}
	for _, fi := range m.History {
		s.log.Noticef("Removing the history file %s in the background", fi.Name)
		os.Remove(filepath.Join(a.dir, fi.Name))
	}
	m.History = nil
	if err := aof.WriteManifest(a.dir, a.filename, m); err != nil {
		s.log.Warnf("%v", err)
	}
}

// infoAOF writes the aof_* fields of INFO persistence.
func (s *Server) infoAOF(b *strings.Builder) {
	a := &s.aof
	a.mu.Lock()
	cur := int64(-1)
	if a.rw != nil {
		cur = int64(time.Since(a.rw.start).Seconds())
	}
	enabled, inProgress, scheduled := aofStatus(a.status.Load()) != aofOff, a.rw != nil, a.scheduled
	last, ok, failures := a.lastRewriteSecs, a.lastRewriteOK, a.failures
	a.mu.Unlock()
	okText := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "err"
	}
	infoLine(b, "aof_enabled", aofB2I(enabled))
	infoLine(b, "aof_rewrite_in_progress", aofB2I(inProgress))
	infoLine(b, "aof_rewrite_scheduled", aofB2I(scheduled))
	infoLine(b, "aof_last_rewrite_time_sec", last)
	infoLine(b, "aof_current_rewrite_time_sec", cur)
	infoLine(b, "aof_last_bgrewrite_status", okText(ok))
	infoLine(b, "aof_rewrites", a.rewrites.Load())
	infoLine(b, "aof_rewrites_consecutive_failures", failures)
	infoLine(b, "aof_last_write_status", okText(a.writeErr.Load() == nil))
	infoLine(b, "aof_last_cow_size", a.lastCowSize.Load())
}

// infoAOFSizes writes the fields INFO shows when appendonly is yes.
func (s *Server) infoAOFSizes(b *strings.Builder) {
	if !s.cfg.GetBool("appendonly") {
		return
	}
	a := &s.aof
	a.mu.Lock()
	current := a.baseSize + a.incrSize
	buffer, delayed := 0, int64(0)
	pendingSync := 0
	if l := a.log.Load(); l != nil {
		current += l.FileSize()
		buffer = l.Pending()
	}
	base, scheduled := a.rewriteBaseSize, a.scheduled
	a.mu.Unlock()
	infoLine(b, "aof_current_size", current)
	infoLine(b, "aof_base_size", base)
	infoLine(b, "aof_pending_rewrite", aofB2I(scheduled))
	infoLine(b, "aof_buffer_length", buffer)
	infoLine(b, "aof_pending_bio_fsync", pendingSync)
	infoLine(b, "aof_delayed_fsync", delayed)
}

func aofB2I(v bool) int {
	if v {
		return 1
	}
	return 0
}

// aofBufferBytes is the AOF data appended but not yet written (INFO
// mem_aof_buffer).
func (s *Server) aofBufferBytes() int {
	if l := s.aof.log.Load(); l != nil {
		return l.Pending()
	}
	return 0
}
