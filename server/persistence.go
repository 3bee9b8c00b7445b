package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/persistence"
	"github.com/ember-kv/ember/persistence/rdb"
	"github.com/ember-kv/ember/store"
)

// RDB persistence on the server side: SAVE, BGSAVE, save points in the
// cron, loading at start-up, saving at shutdown, DEBUG RELOAD, FLUSHALL's
// save, INFO persistence. The format and the store glue live in
// persistence; a background save runs on a store snapshot (no fork).

// rdbState is the server's RDB bookkeeping (Redis's server.rdb_* fields).
type rdbState struct {
	mu          sync.Mutex
	bg          *bgSave // running background save, nil when none
	starting    bool    // a background save is taking its snapshot
	scheduled   bool    // BGSAVE SCHEDULE waiting for the AOF rewrite
	lastTry     int64   // unix seconds of the last background save attempt
	lastBgTime  int64   // rdb_last_bgsave_time_sec, -1 before the first
	lastCowSize int64
	saves       atomic.Int64 // rdb_saves

	loadedKeys  atomic.Int64 // rdb_last_load_keys_loaded
	expiredKeys atomic.Int64 // rdb_last_load_keys_expired
	loading     atomic.Bool
	loadStart   atomic.Int64 // loading_start_time
	loadTotal   atomic.Int64 // loading_total_bytes
	loadDone    atomic.Int64 // loading_loaded_bytes

	// aofRewriting reports an AOF rewrite in progress (Redis's "another
	// child"); the AOF layer sets it. BGSAVE then refuses or schedules.
	aofRewriting func() bool
}

// bgSave is a background save in progress.
type bgSave struct {
	snap  *persistence.Snapshot
	start time.Time
	dirty int64 // changes counted when it started (dirty_before_bgsave)
	abort atomic.Bool
	done  chan struct{}
}

// rdbPath is the dump file's path (dir + dbfilename).
func (s *Server) rdbPath() string {
	return filepath.Join(s.cfg.MustGet("dir"), s.cfg.MustGet("dbfilename"))
}

func (s *Server) saveOptions() persistence.SaveOptions {
	o := persistence.SaveOptions{Compress: s.cfg.GetBool("rdbcompression"), UsedMem: int64(UsedMemory()),
		NoChecksum: !s.cfg.GetBool("rdbchecksum"), Now: s.store.Now()}
	switch lru, lfu := s.evictionPolicyFlags(); {
	case lru:
		o.Access = persistence.AccessLRU
	case lfu:
		o.Access = persistence.AccessLFU
	}
	return o
}

// loadOptions are the options for loading the dump file.
func (s *Server) loadOptions() persistence.LoadOptions {
	_, lfu := s.evictionPolicyFlags()
	return persistence.LoadOptions{LFU: lfu}
}

// lockAll returns a Tx holding every shard; Unlock it when done.
func (s *Server) lockAll() *store.Tx {
	tx := store.NewTx(s.store)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	return tx
}

// saveLocked is Redis's rdbSave: it writes the dump file while tx holds
// every shard, and on success resets the change counter (pending counts the
// changes of the running command not yet added to it).
func (s *Server) saveLocked(tx *store.Tx, pending int64) error {
	dirty := s.dirty() + pending
	path := s.rdbPath()
	opts := s.saveOptions()
	opts.KeyDelay = time.Duration(s.cfg.GetInt("rdb-key-save-delay")) * time.Microsecond
	err := persistence.WriteFileAtomic(path, fmt.Sprintf("temp-%d.rdb", os.Getpid()), func(w io.Writer) error {
		_, err := persistence.SaveLocked(tx, w, opts)
		return err
	})
	if err != nil {
		s.log.Warnf("Write error saving DB on disk: %s", errnoText(err))
		return err
	}
	s.log.Noticef("DB saved on disk")
	s.stats.dirtyAtSave.Store(dirty)
	s.stats.lastSave.Store(time.Now().Unix())
	s.stats.lastBgsave.Store(false)
	return nil
}

// bgsaveRunning reports whether a background save is in progress.
func (s *Server) bgsaveRunning() bool {
	s.rdb.mu.Lock()
	defer s.rdb.mu.Unlock()
	return s.rdb.bg != nil || s.rdb.starting
}

// otherChildActive is Redis's hasActiveChildProcess for anything but an
// RDB save: an AOF rewrite.
func (s *Server) otherChildActive() bool {
	return s.rdb.aofRewriting != nil && s.rdb.aofRewriting()
}

// startBgsave is rdbSaveBackground: it takes the snapshot now and writes
// it on its own goroutine.
//
// rdb.mu is not held while the snapshot begins: that takes every shard
// lock, and FLUSHALL takes rdb.mu while holding them.
func (s *Server) startBgsave() error {
	s.rdb.mu.Lock()
	if s.rdb.bg != nil || s.rdb.starting {
		s.rdb.mu.Unlock()
		return store.ErrSnapshotRunning
	}
	s.rdb.starting = true
	s.rdb.lastTry = time.Now().Unix()
	s.rdb.mu.Unlock()
	// Changes counted now are at most those in the snapshot: a change
	// racing with its start is counted as unsaved, never the reverse.
	dirty := s.dirty()
	bg := &bgSave{start: time.Now(), dirty: dirty, done: make(chan struct{})}
	opts := s.saveOptions()
	opts.KeyDelay = time.Duration(s.cfg.GetInt("rdb-key-save-delay")) * time.Microsecond
	opts.Abort = bg.abort.Load
	if runtime.GOMAXPROCS(0) <= 2 {
		// A forked Redis child competes for the CPU too, but here the
		// saver shares the server's processors: on a small machine leave
		// clients the larger part.
		opts.MaxCPU = 0.5
	}
	begin := time.Now()
	snap, err := persistence.BeginSnapshot(s.store, opts)
	s.rdb.mu.Lock()
	defer s.rdb.mu.Unlock()
	s.rdb.starting = false
	if err != nil {
		s.stats.lastBgsave.Store(true)
		s.log.Warnf("Can't save in background: %v", err)
		return err
	}
	s.stats.forked(begin)
	bg.snap = snap
	s.rdb.bg = bg
	s.log.Noticef("Background saving started by pid %d", os.Getpid())
	s.wg.Add(1)
	go s.runBgsave(bg)
	return nil
}

func (s *Server) runBgsave(bg *bgSave) {
	defer s.wg.Done()
	defer close(bg.done)
	path := s.rdbPath()
	var stats persistence.SaveStats
	err := persistence.WriteFileAtomicCommit(path, fmt.Sprintf("temp-%d.rdb", os.Getpid()+1), func(w io.Writer) error {
		var err error
		stats, err = bg.snap.Write(w)
		return err
	}, func(rename func() error) error {
		// Under the lock killBgsave takes to abort: once aborted, this
		// save can no longer replace the file a later save writes.
		s.rdb.mu.Lock()
		defer s.rdb.mu.Unlock()
		if bg.abort.Load() {
			return persistence.ErrAborted
		}
		return rename()
	})
	elapsed := time.Since(bg.start)
	s.rdb.mu.Lock()
	s.rdb.bg = nil
	s.rdb.lastBgTime = int64(elapsed.Seconds())
	s.rdb.lastCowSize = stats.CowBytes
	s.rdb.mu.Unlock()
	switch {
	case err == nil:
		s.log.Noticef("DB saved on disk")
		if stats.CowBytes > 0 {
			s.log.Noticef("Fork CoW for RDB: current %d MB, peak %d MB, average %d MB", stats.CowBytes>>20, stats.CowBytes>>20, stats.CowBytes>>21)
		}
		s.log.Noticef("Background saving terminated with success")
		s.stats.dirtyAtSave.Store(bg.dirty)
		s.stats.lastSave.Store(time.Now().Unix())
		s.stats.lastBgsave.Store(false)
	case errors.Is(err, persistence.ErrAborted):
		s.log.Warnf("Background saving terminated by signal 10")
		// An aborted save is not an error (Redis: killed by SIGUSR1).
	default:
		s.log.Warnf("Write error saving DB on disk: %s", errnoText(err))
		s.log.Warnf("Background saving error")
		s.stats.lastBgsave.Store(true)
	}
}

// killBgsave stops a background save (Redis's killRDBChild): once it
// returns, the save will not replace the dump file. With wait it also waits
// for the save to end; callers holding shard locks must not wait (the save
// needs them to notice).
func (s *Server) killBgsave(wait bool) {
	s.rdb.mu.Lock()
	bg := s.rdb.bg
	if bg != nil {
		bg.abort.Store(true)
	}
	s.rdb.mu.Unlock()
	if bg == nil || !wait {
		return
	}
	select {
	case <-bg.done:
	case <-time.After(30 * time.Second):
		s.log.Warnf("Background save did not stop within 30 seconds")
	}
}

// cronPersistence is serverCron's part for RDB: save points and a
// scheduled BGSAVE.
func (s *Server) cronPersistence() {
	if s.bgsaveRunning() || s.otherChildActive() {
		return
	}
	now := time.Now().Unix()
	s.rdb.mu.Lock()
	lastTry, scheduled := s.rdb.lastTry, s.rdb.scheduled
	s.rdb.mu.Unlock()
	failed := s.stats.lastBgsave.Load()
	retryOK := !failed || now-lastTry > bgsaveRetryDelay
	changes := s.dirty() - s.stats.dirtyAtSave.Load()
	for _, sp := range s.cfg.SaveParams() {
		if changes >= sp[1] && now-s.stats.lastSave.Load() > sp[0] && retryOK {
			s.log.Noticef("%d changes in %d seconds. Saving...", sp[1], sp[0])
			_ = s.startBgsave()
			return
		}
	}
	if scheduled && retryOK {
		if s.startBgsave() == nil {
			s.rdb.mu.Lock()
			s.rdb.scheduled = false
			s.rdb.mu.Unlock()
		}
	}
}

// bgsaveRetryDelay is CONFIG_BGSAVE_RETRY_DELAY.
const bgsaveRetryDelay = 5

// diskErrorDenies is writeCommandsDeniedByDiskError for RDB: the last
// background save failed and stop-writes-on-bgsave-error is set.
func (s *Server) diskErrorDenies() bool {
	return s.stats.lastBgsave.Load() && s.cfg.GetBool("stop-writes-on-bgsave-error") && len(s.cfg.SaveParams()) > 0
}

// hasDumpFile reports whether there is a dump file to load at start-up.
func (s *Server) hasDumpFile() bool {
	_, err := os.Stat(s.rdbPath())
	return err == nil
}

// loadAtStartup is loadDataFromDisk: it loads the dump file if there is
// one. An unreadable or corrupt file stops the start-up.
func (s *Server) loadAtStartup() error {
	// With appendonly yes the AOF is loaded instead of the RDB, as Redis.
	if handled, err := s.loadAOFAtStartup(); handled || err != nil {
		s.rdb.loading.Store(false)
		return err
	}
	path := s.rdbPath()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		s.rdb.loading.Store(false)
		return nil
	}
	if err != nil {
		s.log.Warnf("Fatal error loading the DB: %s. Exiting.", errnoText(err))
		return err
	}
	defer f.Close()
	start := time.Now()
	s.rdb.loading.Store(true)
	s.rdb.loadStart.Store(start.Unix())
	if st, err := f.Stat(); err == nil {
		s.rdb.loadTotal.Store(st.Size())
	}
	lo := s.loadOptions()
	lo.KeyDelay = time.Duration(s.cfg.GetInt("key-load-delay")) * time.Microsecond
	lo.Progress = &s.rdb.loadDone
	stats, err := persistence.Load(bufio.NewReaderSize(f, 1<<16), s.store, lo)
	s.rdb.loading.Store(false)
	if err != nil {
		s.logLoadError(path, err)
		return err
	}
	s.logLoaded(stats)
	s.log.Noticef("DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	return nil
}

func (s *Server) logLoaded(stats persistence.LoadStats) {
	if v, ok := stats.Aux["redis-ver"]; ok {
		s.log.Noticef("Loading RDB produced by version %s", v)
	}
	if v, err := strconv.ParseInt(stats.Aux["ctime"], 10, 64); err == nil {
		age := time.Now().Unix() - v
		if age < 0 {
			age = 0
		}
		s.log.Noticef("RDB age %d seconds", age)
	}
	if v, err := strconv.ParseInt(stats.Aux["used-mem"], 10, 64); err == nil {
		s.log.Noticef("RDB memory usage when created %.2f Mb", float64(v)/(1024*1024))
	}
	s.log.Noticef("Done loading RDB, keys loaded: %d, keys expired: %d.", stats.Loaded, stats.Expired)
	s.rdb.loadedKeys.Store(int64(stats.Loaded))
	s.rdb.expiredKeys.Store(int64(stats.Expired))
}

// logLoadError explains why a file could not be loaded, naming the file and
// the offset, as Redis's rdbReportError does.
func (s *Server) logLoadError(path string, err error) {
	var ce *rdb.CorruptError
	switch {
	case errors.As(err, &ce):
		s.log.Warnf("Internal error in RDB reading offset %d, function at rdb.c:0 -> %s", ce.Offset, ce.Msg)
		s.log.Warnf("Terminating server after rdb file reading failure (file %s, offset %d).", path, ce.Offset)
	case errors.Is(err, rdb.ErrChecksum):
		s.log.Warnf("Wrong RDB checksum in %s. Aborting now.", path)
		s.log.Warnf("Internal error in RDB reading offset 0, function at rdb.c:0 -> RDB CRC error")
		s.log.Warnf("Terminating server after rdb file reading failure.")
	default:
		s.log.Warnf("Fatal error loading the DB (%s): %v. Exiting.", path, err)
	}
}

// stopBgsaveForShutdown stops a background save at shutdown, whether or
// not a final save follows, as prepareForShutdown kills the RDB child.
func (s *Server) stopBgsaveForShutdown() {
	if s.bgsaveRunning() {
		s.log.Warnf("There is a child saving an .rdb. Killing it!")
		s.killBgsave(true)
	}
}

// saveBeforeShutdown writes the final snapshot (prepareForShutdown): a
// background save in progress is stopped first, and the world is stopped
// for the save.
func (s *Server) saveBeforeShutdown() error {
	tx := s.lockAll()
	defer tx.Unlock()
	return s.saveLocked(tx, 0)
}

// afterFlushAll is flushAllDataAndResetRDB's tail: a background save is
// stopped, and with save points the (now empty) dataset is saved at once.
// tx holds every shard; pending is the running command's change count.
func (s *Server) afterFlushAll(tx *store.Tx, pending int) {
	s.killBgsave(false)
	if len(s.cfg.SaveParams()) > 0 {
		_ = s.saveLocked(tx, int64(pending))
	}
}

// infoRDB returns INFO persistence's RDB values.
func (s *Server) infoRDB() (inProgress int, lastBgTime, curBgTime, cowNow, cowLast, keysDone, keysTotal int64) {
	s.rdb.mu.Lock()
	defer s.rdb.mu.Unlock()
	lastBgTime, curBgTime = s.rdb.lastBgTime, -1
	cowLast = s.rdb.lastCowSize
	if bg := s.rdb.bg; bg != nil {
		inProgress = 1
		curBgTime = int64(time.Since(bg.start).Seconds())
		cowNow = bg.snap.CowBytes()
		keysDone, keysTotal = bg.snap.Saved(), bg.snap.Total()
	}
	return
}
