package server

import (
	"bufio"
	"io"
	"time"

	"github.com/ember-kv/ember/persistence"
	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/store"
)

// The AOF's use of the RDB side: point-in-time snapshots for the base file
// (an RDB preamble, or commands), loading an RDB base, and the loading
// state INFO shows.

// rdbBase is a base file written as an RDB (aof-use-rdb-preamble yes).
type rdbBase struct{ snap *persistence.Snapshot }

func (b rdbBase) Write(w io.Writer) error {
	_, err := b.snap.Write(w)
	return err
}

func (b rdbBase) Close() { b.snap.Close() }

// cmdBase is a base file written as commands (aof-use-rdb-preamble no).
type cmdBase struct {
	snap       *store.Snapshot
	abort      func() bool
	delay      time.Duration // rdb-key-save-delay per key
	timestamps bool
}

func (b cmdBase) Write(w io.Writer) error {
	defer b.snap.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	if b.timestamps {
		bw.Write(aof.AppendTimestamp(nil, time.Now().Unix()))
	}
	cur := -1
	var buf []byte
	var saved int64
	for {
		if b.abort != nil && b.abort() {
			return errRewriteAborted
		}
		out, db, done := b.snap.Next(buf[:0])
		if done {
			break
		}
		if db != cur {
			bw.Write(aof.AppendSelect(nil, db))
			cur = db
		}
		if _, err := bw.Write(out); err != nil {
			return err
		}
		buf = out
		if cap(buf) > 1<<20 {
			buf = nil
		}
		if b.delay > 0 {
			n := b.snap.Saved()
			if !sleepUnless(time.Duration(n-saved)*b.delay, b.abort) {
				return errRewriteAborted
			}
			saved = n
		}
	}
	return bw.Flush()
}

func (b cmdBase) Close() { b.snap.Close() }

// sleepUnless sleeps d in small steps, returning false as soon as abort
// reports true.
func sleepUnless(d time.Duration, abort func() bool) bool {
	for d > 0 {
		step := min(d, 10*time.Millisecond)
		time.Sleep(step)
		d -= step
		if abort != nil && abort() {
			return false
		}
	}
	return true
}

// beginBaseSnapshot takes a point-in-time view of the dataset for an AOF
// base (an RDB when preamble, commands otherwise). atBegin, when set, runs
// while every shard is locked, at the snapshot's instant; an error from it
// abandons the snapshot. abort, when set, stops a Write in progress. The
// caller holds no shard lock and not a.mu.
func (s *Server) beginBaseSnapshot(preamble bool, abort func() bool, atBegin func() error) (baseSnapshot, error) {
	delay := time.Duration(s.cfg.GetInt("rdb-key-save-delay")) * time.Microsecond
	if preamble {
		o := s.saveOptions()
		o.AOFBase = true
		o.Abort = abort
		o.KeyDelay = delay
		snap, err := persistence.BeginSnapshotAt(s.store, o, atBegin)
		if err != nil {
			return nil, err
		}
		return rdbBase{snap}, nil
	}
	snap, err := s.store.BeginSnapshotAt(aof.AppendEntry, aof.AppendEntry, atBegin)
	if err != nil {
		return nil, err
	}
	return cmdBase{snap: snap, abort: abort, delay: delay, timestamps: s.aof.timestamps.Load()}, nil
}

// otherBackgroundSave reports a background RDB save in progress.
func (s *Server) otherBackgroundSave() bool { return s.bgsaveRunning() }

// loadRDBPreamble loads the RDB at the start of an AOF file from br,
// reading no further than its end. Keys whose time has passed are loaded
// too: the AOF after it says what happens to them.
func (s *Server) loadRDBPreamble(br *bufio.Reader, path string) error {
	lo := s.loadOptions()
	lo.KeepExpired = true
	lo.Tx = s.aof.loadTx // DEBUG LOADAOF holds every shard
	lo.KeyDelay = time.Duration(s.cfg.GetInt("key-load-delay")) * time.Microsecond
	stats, err := persistence.Load(br, s.store, lo)
	if err != nil {
		s.logLoadError(path, err)
		return err
	}
	s.logLoaded(stats)
	return nil
}

func (s *Server) loadingStarted(total int64) {
	s.rdb.loadStart.Store(time.Now().Unix())
	s.rdb.loadTotal.Store(total)
	s.rdb.loadDone.Store(0)
	s.rdb.loading.Store(true)
}

func (s *Server) loadingStopped() { s.rdb.loading.Store(false) }

// loadingProgress records n bytes loaded in the current file, after done
// bytes of the files before it.
func (s *Server) loadingProgress(n int64) { s.rdb.loadDone.Store(s.aof.loadedBefore + n) }
