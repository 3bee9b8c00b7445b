package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
)

// AOF rewriting (BGREWRITEAOF, automatic rewrites, turning the AOF on), as
// Redis 7.0's multi-part rewrite, without fork: a point-in-time snapshot of
// the store is taken while every shard is locked, and at that same moment
// the log switches to a new incr file (recorded in the manifest), so the
// new base plus the new incr file hold exactly the dataset. The base is
// written from the snapshot in the background while writes continue; when
// it is complete it is renamed into place and a new manifest (base, the
// current incr file) replaces the old one atomically; the old files become
// history and are deleted.

// aofRewrite is a rewrite in progress.
type aofRewrite struct {
	start   time.Time
	abort   atomic.Bool
	done    chan struct{}
	tmp     string // temp-rewriteaof-bg-<pid>.aof in dir
	waiting bool   // turning the AOF on: effects go to the temporary incr file
}

// baseSnapshot is a point-in-time view of the dataset, written as an AOF
// base.
type baseSnapshot interface {
	// Write writes the base and releases the snapshot.
	Write(w io.Writer) error
	// Close releases the snapshot without writing it.
	Close()
}

var errRewriteAborted = errors.New("rewrite aborted")

func aofCommands() []*Command {
	return []*Command{
		{Name: "bgrewriteaof", Arity: 1, Flags: "admin noscript no_async_loading", ACL: "@dangerous", Lock: LockNone, Group: "server", Since: "1.0.0",
			Summary: "Asynchronously rewrite the append-only file", Complexity: "O(1)", Handler: cmdBgRewriteAOF},
	}
}

// Locks: a.mu is never held while shard locks are taken (the snapshot's
// begin callback takes a.mu with every shard locked, and commands inside
// EXEC reach a.mu with their shards locked), so the order is always
// shards, then a.mu, then the log's own lock.

// errRewriteRunning: a rewrite is already in progress (or starting).
var errRewriteRunning = errors.New("Background append only file rewriting already in progress")

// rewriteOrSaveRunning reports whether a rewrite or a background save is
// running (Redis's hasActiveChildProcess).
func (s *Server) rewriteOrSaveRunning() bool {
	return s.aof.running.Load() || s.otherBackgroundSave()
}

// aofRewriting reports a rewrite in progress (or starting).
func (s *Server) aofRewriting() bool { return s.aof.running.Load() }

// BGREWRITEAOF
func cmdBgRewriteAOF(c *Client, args [][]byte) {
	s := c.srv
	a := &s.aof
	switch {
	case a.running.Load():
		c.Error("ERR " + errRewriteRunning.Error())
	case s.otherBackgroundSave() || c.inExec:
		a.mu.Lock()
		a.scheduled = true
		a.failures = 0
		a.mu.Unlock()
		c.w.Simple("Background append only file rewriting scheduled")
	default:
		switch err := s.startRewrite(); {
		case err == nil:
			c.w.Simple("Background append only file rewriting started")
		case errors.Is(err, errRewriteRunning):
			c.Error("ERR " + errRewriteRunning.Error())
		default:
			c.Error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
		}
	}
}

// startRewrite starts a background rewrite (rewriteAppendOnlyFileBackground).
// The caller holds neither a.mu nor any shard lock.
func (s *Server) startRewrite() error {
	a := &s.aof
	if !a.running.CompareAndSwap(false, true) {
		return errRewriteRunning
	}
	a.mu.Lock()
	dir, name := a.pathsLocked()
	preamble := a.preamble.Load()
	rw := &aofRewrite{
		start:   time.Now(),
		done:    make(chan struct{}),
		tmp:     filepath.Join(a.cfgDir, fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid())),
		waiting: aofStatus(a.status.Load()) == aofWaitRewrite,
	}
	a.mu.Unlock()
	fail := func(err error) error {
		a.mu.Lock()
		a.lastRewriteOK = false
		a.failures++
		a.mu.Unlock()
		a.running.Store(false)
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.log.Warnf("Can't open or create append-only dir %s: %s", dir, errnoText(err))
		return fail(err)
	}
	// At the snapshot's instant (every shard locked), the effects after it
	// start going to a new incr file.
	begin := time.Now()
	snap, err := s.beginBaseSnapshot(preamble, rw.abort.Load, func() error {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.dir, a.filename = dir, name
		if a.manifest == nil {
			a.manifest = &aof.Manifest{}
		}
		return s.switchIncrLocked(rw, dir, name)
	})
	if err != nil {
		s.log.Warnf("Can't rewrite append only file in background: %v", err)
		return fail(err)
	}
	s.stats.forked(begin)
	a.mu.Lock()
	a.rw = rw
	a.scheduled = false
	a.mu.Unlock()
	a.rewrites.Add(1)
	s.log.Noticef("Background append only file rewriting started by pid %d", os.Getpid())
	go s.runRewrite(rw, snap)
	return nil
}

// switchIncrLocked opens the incr file the effects after the snapshot go
// to (openNewIncrAofForAppend): a new one recorded in the manifest when the
// AOF is on, the temporary one while it is being turned on, none when it
// is off. a.mu is held, and every shard.
func (s *Server) switchIncrLocked(rw *aofRewrite, dir, name string) error {
	a := &s.aof
	if rw.waiting {
		f, err := os.OpenFile(filepath.Join(dir, aof.TempIncrName(name)), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			s.log.Warnf("Can't open the append-only file %s: %s", aof.TempIncrName(name), errnoText(err))
			return err
		}
		if l := a.log.Load(); l != nil {
			_ = l.Close()
		}
		s.installLog(f, 0)
		s.log.Noticef("Creating AOF incr file %s on background rewrite", aof.TempIncrName(name))
		return nil
	}
	l := a.log.Load()
	if l == nil {
		return nil // AOF off: only the base is written
	}
	m := a.manifest.Clone()
	incr := m.NewIncr(name)
	f, err := os.OpenFile(filepath.Join(dir, incr), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		s.log.Warnf("Can't open the append-only file %s: %s", incr, errnoText(err))
		return err
	}
	if err := aof.WriteManifest(dir, name, m); err != nil {
		f.Close()
		os.Remove(f.Name())
		s.log.Warnf("%v", err)
		return err
	}
	s.log.Noticef("Creating AOF incr file %s on background rewrite", incr)
	old := l.FileSize() + int64(l.Pending())
	if err := l.Switch(f); err != nil {
		s.log.Warnf("Error writing to the AOF file: %s", errnoText(err))
	}
	a.incrSize += old
	a.manifest = m
	return nil
}

// runRewrite writes the new base, then installs it.
func (s *Server) runRewrite(rw *aofRewrite, snap baseSnapshot) {
	defer close(rw.done)
	err := writeFileSynced(rw.tmp, snap.Write)
	if err == nil && rw.abort.Load() {
		err = errRewriteAborted
	}
	if err == nil {
		s.log.Noticef("Successfully created the temporary AOF base file %s", filepath.Base(rw.tmp))
	}
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rw != rw {
		os.Remove(rw.tmp) // killed meanwhile
		return
	}
	s.rewriteDoneLocked(rw, err)
}

// writeFileSynced creates path, lets write fill it, and fsyncs it.
func writeFileSynced(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// rewriteDoneLocked is backgroundRewriteDoneHandler. a.mu is held.
func (s *Server) rewriteDoneLocked(rw *aofRewrite, werr error) {
	a := &s.aof
	defer func() {
		a.rw = nil
		a.running.Store(false)
		a.lastRewriteSecs = int64(time.Since(rw.start).Seconds())
		os.Remove(rw.tmp)
		if aofStatus(a.status.Load()) == aofWaitRewrite {
			// Not on yet: drop the temporary incr file and try again.
			if l := a.log.Swap(nil); l != nil {
				_ = l.Close()
			}
			s.log.Noticef("Removing the temp incr aof file %s in the background", aof.TempIncrName(a.filename))
			os.Remove(filepath.Join(a.dir, aof.TempIncrName(a.filename)))
			a.scheduled = true
		}
	}()
	fail := func() {
		a.lastRewriteOK = false
		a.failures++
	}
	if werr != nil {
		fail()
		if errors.Is(werr, errRewriteAborted) {
			s.log.Warnf("Background AOF rewrite terminated by signal 10")
			a.failures--
			a.lastRewriteOK = true
			return
		}
		s.log.Warnf("Write error writing append only file on disk: %s", errnoText(werr))
		s.log.Warnf("Background AOF rewrite terminated with error")
		return
	}
	s.log.Noticef("Background AOF rewrite terminated with success")
	m := a.manifest.Clone()
	base := m.NewBase(a.filename, a.preamble.Load())
	basePath := filepath.Join(a.dir, base)
	if err := os.Rename(rw.tmp, basePath); err != nil {
		s.log.Warnf("Error trying to rename the temporary AOF base file %s into %s: %s", filepath.Base(rw.tmp), basePath, errnoText(err))
		fail()
		return
	}
	s.log.Noticef("Successfully renamed the temporary AOF base file %s into %s", filepath.Base(rw.tmp), base)
	var incrPath string
	if rw.waiting {
		incr := m.NewIncr(a.filename)
		incrPath = filepath.Join(a.dir, incr)
		tmpIncr := aof.TempIncrName(a.filename)
		if err := os.Rename(filepath.Join(a.dir, tmpIncr), incrPath); err != nil {
			s.log.Warnf("Error trying to rename the temporary AOF incr file %s into %s: %s", tmpIncr, incrPath, errnoText(err))
			os.Remove(basePath)
			fail()
			return
		}
		s.log.Noticef("Successfully renamed the temporary AOF incr file %s into %s", tmpIncr, incr)
	}
	m.MarkRewrittenIncrAsHistory(a.log.Load() != nil)
	if err := aof.WriteManifest(a.dir, a.filename, m); err != nil {
		s.log.Warnf("%v", err)
		os.Remove(basePath)
		if incrPath != "" {
			os.Remove(incrPath)
		}
		fail()
		return
	}
	a.manifest = m
	a.baseSize = fileSize(basePath)
	a.incrSize = 0
	if l := a.log.Load(); l != nil {
		a.rewriteBaseSize = a.baseSize + l.FileSize()
	}
	if rw.waiting {
		a.status.Store(int32(aofOn))
	}
	s.aofDelHistoryLocked()
	a.lastRewriteOK = true
	a.failures = 0
	a.retryDelay = 0
	s.log.Noticef("Background AOF rewrite finished successfully")
}

// killRewriteLocked abandons a rewrite in progress (killAppendOnlyChild).
func (s *Server) killRewriteLocked() {
	a := &s.aof
	rw := a.rw
	if rw == nil {
		return
	}
	s.log.Noticef("Killing running AOF rewrite child: %d", os.Getpid())
	rw.abort.Store(true)
	a.rw = nil
	a.running.Store(false)
	a.lastRewriteSecs = -1
	os.Remove(rw.tmp)
	if rw.waiting {
		os.Remove(filepath.Join(a.dir, aof.TempIncrName(a.filename)))
	}
}

// cronRewrite starts scheduled and automatic rewrites.
func (s *Server) cronRewrite() {
	a := &s.aof
	if a.running.Load() || s.otherBackgroundSave() {
		return
	}
	a.mu.Lock()
	start := false
	switch {
	case a.scheduled:
		start = !a.rewriteLimitedLocked()
	case aofStatus(a.status.Load()) == aofOn && a.autoPct.Load() > 0:
		cur := a.baseSize + a.incrSize
		if l := a.log.Load(); l != nil {
			cur += l.FileSize()
		}
		if cur > a.autoMin.Load() {
			base := max(a.rewriteBaseSize, 1)
			growth := cur*100/base - 100
			if growth >= a.autoPct.Load() && !a.rewriteLimitedLocked() {
				s.log.Noticef("Starting automatic rewriting of AOF on %d%% growth", growth)
				start = true
			}
		}
	}
	a.mu.Unlock()
	if start {
		_ = s.startRewrite()
	}
}

// rewriteLimitedLocked is aofRewriteLimited: after three failures in a row,
// automatic rewrites wait 1, 2, 4 ... up to 60 minutes.
func (a *aofState) rewriteLimitedLocked() bool {
	if a.failures < 3 {
		a.retryDelay = 0
		a.nextRetry = time.Time{}
		return false
	}
	if !a.nextRetry.IsZero() {
		if time.Now().Before(a.nextRetry) {
			return true
		}
		a.nextRetry = time.Time{}
		return false
	}
	if a.retryDelay == 0 {
		a.retryDelay = time.Minute
	} else {
		a.retryDelay = min(a.retryDelay*2, time.Hour)
	}
	a.nextRetry = time.Now().Add(a.retryDelay)
	return true
}

// rewriteSync writes a base file of the current dataset at path, in the
// foreground (rewriteAppendOnlyFile: the base created at start-up).
func (s *Server) rewriteSync(path string, preamble bool) error {
	snap, err := s.beginBaseSnapshot(preamble, nil, nil)
	if err == nil {
		tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-rewriteaof-%d.aof", os.Getpid()))
		if err = writeFileSynced(tmp, snap.Write); err == nil {
			if err = os.Rename(tmp, path); err != nil {
				os.Remove(tmp)
				s.log.Warnf("Error moving temp append only file on the final destination: %s", errnoText(err))
				return err
			}
			return aof.SyncDir(filepath.Dir(path))
		}
	}
	s.log.Warnf("Write error writing append only file on disk: %s", errnoText(err))
	return err
}
