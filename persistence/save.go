package persistence

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/ember-kv/ember/persistence/rdb"
	"github.com/ember-kv/ember/store"
)

// SaveOptions shapes an RDB file.
type SaveOptions struct {
	Compress bool  // rdbcompression: LZF-compress long strings
	UsedMem  int64 // the used-mem aux field
	// KeyDelay slows a background save down by this much per key
	// (rdb-key-save-delay, for tests).
	KeyDelay time.Duration
	// Abort, when it returns true, stops a background save.
	Abort   func() bool
	AOFBase bool // the file is the base of an AOF (aof-base aux field 1)
	// MaxCPU caps a background save's use of one processor (0.5: half the
	// time), so that on a small machine clients keep most of the CPU; 0
	// leaves it uncapped.
	MaxCPU float64
	// NoChecksum writes a zero checksum (rdbchecksum no).
	NoChecksum bool
	// Access writes each key's IDLE (AccessLRU) or FREQ (AccessLFU) field,
	// as Redis does under an LRU or LFU maxmemory-policy.
	Access int
	// Now is the time the IDLE fields are measured from (unix ms).
	Now int64
}

// Access field kinds for SaveOptions.Access.
const (
	AccessNone = iota
	AccessLRU
	AccessLFU
)

// SaveStats reports what a save wrote.
type SaveStats struct {
	Keys     int   // keys written
	Bytes    int64 // file size
	CowBytes int64 // bytes copied aside for keys changed during a snapshot
}

// kindOf maps a store type to the file's value kind.
func kindOf(t store.Type) rdb.Kind {
	switch t {
	case store.TypeList:
		return rdb.KindList
	case store.TypeSet:
		return rdb.KindSet
	case store.TypeZSet:
		return rdb.KindZSet
	case store.TypeHash:
		return rdb.KindHash
	}
	return rdb.KindString
}

// AppendValue appends v in RDB form: its type byte, then the value.
func AppendValue(dst []byte, v *store.ValueView, compress bool) []byte {
	dst = append(dst, rdb.ValueTypeByte(kindOf(v.Type())))
	return appendValueBody(dst, v, compress)
}

func appendValueBody(dst []byte, v *store.ValueView, compress bool) []byte {
	switch v.Type() {
	case store.TypeString:
		return rdb.AppendString(dst, v.Str(), compress)
	case store.TypeList, store.TypeSet:
		dst = rdb.AppendLength(dst, uint64(v.Len()))
		v.Members(func(m []byte) { dst = rdb.AppendString(dst, m, compress) })
	case store.TypeHash:
		dst = rdb.AppendLength(dst, uint64(v.Len()))
		v.Pairs(func(f, val []byte) {
			dst = rdb.AppendString(dst, f, compress)
			dst = rdb.AppendString(dst, val, compress)
		})
	case store.TypeZSet:
		dst = rdb.AppendLength(dst, uint64(v.Len()))
		v.Scored(func(m []byte, score float64) {
			dst = rdb.AppendString(dst, m, compress)
			dst = rdb.AppendBinaryDouble(dst, score)
		})
	}
	return dst
}

// encoder returns the snapshot encoder for a file with these options.
func (o *SaveOptions) encoder() store.SnapEncoder {
	compress, access, now := o.Compress, o.Access, o.Now
	return func(dst []byte, e *store.Entry) []byte {
		idle, freq := int64(-1), -1
		switch access {
		case AccessLRU:
			idle = store.IdleMsOf(e.Access, now) / 1000
		case AccessLFU:
			freq = int(e.Access & 0xff)
		}
		dst = rdb.AppendEntryHeader(dst, kindOf(e.Value.Type()), e.Key, e.Expire, idle, freq, compress)
		return appendValueBody(dst, &e.Value, compress)
	}
}

// header writes the header's auxiliary fields, as rdbSaveInfoAuxFields.
func (o *SaveOptions) header(w *rdb.Writer) {
	w.Aux("redis-ver", "7.0.15")
	w.Aux("redis-bits", "64")
	w.Aux("ctime", strconv.FormatInt(time.Now().Unix(), 10))
	w.Aux("used-mem", strconv.FormatInt(o.UsedMem, 10))
	aofBase := "0"
	if o.AOFBase {
		aofBase = "1"
	}
	w.Aux("aof-base", aofBase)
}

// countingWriter counts the bytes that pass.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// SaveLocked writes the whole dataset to w while tx holds every shard (SAVE,
// SHUTDOWN, DEBUG RELOAD: the world is stopped, as in Redis).
func SaveLocked(tx *store.Tx, w io.Writer, o SaveOptions) (SaveStats, error) {
	cw := &countingWriter{w: w}
	wr := rdb.NewWriter(cw, o.Compress)
	wr.NoChecksum = o.NoChecksum
	o.header(wr)
	enc := o.encoder()
	var st SaveStats
	var buf []byte
	for db := range tx.Store().Databases() {
		keys, expires := tx.CountKeys(db)
		if keys == 0 {
			continue
		}
		wr.SelectDB(db, uint64(keys), uint64(expires))
		tx.EachEntry(db, func(e *store.Entry) {
			buf = enc(buf[:0], e)
			wr.Raw(buf)
			st.Keys++
			if o.KeyDelay > 0 {
				time.Sleep(o.KeyDelay) // rdb-key-save-delay applies to SAVE too
			}
		})
		if wr.Err() != nil {
			break
		}
	}
	err := wr.Close()
	st.Bytes = cw.n
	return st, err
}

// Snapshot is a background save in progress: a point-in-time view of the
// dataset taken by BeginSnapshot, written out by Write while clients go on
// writing.
type Snapshot struct {
	snap *store.Snapshot
	opts SaveOptions
	dbs  int

	afterChunk func() // tests: runs between chunks
}

// BeginSnapshot takes the point-in-time view (briefly locking every shard).
func BeginSnapshot(st *store.Store, o SaveOptions) (*Snapshot, error) {
	return BeginSnapshotAt(st, o, nil)
}

// BeginSnapshotAt is BeginSnapshot with atBegin run at the snapshot's
// instant, every shard locked (see store.BeginSnapshotAt).
func BeginSnapshotAt(st *store.Store, o SaveOptions, atBegin func() error) (*Snapshot, error) {
	cow := o
	cow.Compress = false // copies are made on the writers' path: keep it cheap
	snap, err := st.BeginSnapshotAt(o.encoder(), cow.encoder(), atBegin)
	if err != nil {
		return nil, err
	}
	return &Snapshot{snap: snap, opts: o, dbs: st.Databases()}, nil
}

// CowBytes is the memory copied aside so far for keys changed meanwhile.
func (s *Snapshot) CowBytes() int64 { return s.snap.CowBytes() }

// Write writes the snapshot to w and closes it.
func (s *Snapshot) Write(w io.Writer) (SaveStats, error) {
	defer s.snap.Close()
	cw := &countingWriter{w: w}
	wr := rdb.NewWriter(cw, s.opts.Compress)
	wr.NoChecksum = s.opts.NoChecksum
	s.opts.header(wr)
	cur := -1
	var buf []byte
	var saved int64
	start := time.Now()
	var work time.Duration
	for wr.Err() == nil {
		if s.opts.Abort != nil && s.opts.Abort() {
			return SaveStats{}, ErrAborted
		}
		t0 := time.Now()
		out, db, done := s.snap.Next(buf[:0])
		if done {
			break
		}
		if db != cur {
			keys, expires := s.snap.Counts(db)
			wr.SelectDB(db, uint64(keys), uint64(expires))
			cur = db
		}
		wr.Raw(out)
		buf = out
		if s.opts.MaxCPU > 0 {
			// Sleep off the work beyond the cap, in steps of at least a
			// millisecond (timer granularity).
			work += time.Since(t0)
			if ahead := time.Duration(float64(work)/s.opts.MaxCPU) - time.Since(start); ahead >= time.Millisecond {
				time.Sleep(ahead)
			}
		}
		if s.afterChunk != nil {
			s.afterChunk()
		}
		// Let client goroutines waiting for a processor run: the saver
		// would otherwise keep one until the scheduler preempts it (10 ms),
		// which shows as tail latency on a small machine.
		runtime.Gosched()
		if d := s.opts.KeyDelay; d > 0 {
			n := s.snap.Saved()
			if !s.sleep(time.Duration(n-saved) * d) {
				return SaveStats{}, ErrAborted
			}
			saved = n
		}
		if cap(buf) > 1<<20 {
			buf = nil // one huge value: do not keep its buffer
		}
	}
	err := wr.Close()
	return SaveStats{Bytes: cw.n, CowBytes: s.snap.CowBytes()}, err
}

// ErrAborted is returned by Write when Abort asked it to stop.
var ErrAborted = errors.New("background save aborted")

// sleep waits d in small steps, returning false as soon as Abort is set.
func (s *Snapshot) sleep(d time.Duration) bool {
	for d > 0 {
		step := min(d, 10*time.Millisecond)
		time.Sleep(step)
		d -= step
		if s.opts.Abort != nil && s.opts.Abort() {
			return false
		}
	}
	return true
}

// Total is the number of keys the snapshot holds.
func (s *Snapshot) Total() int64 {
	var n int64
	for db := range s.dbs {
		k, _ := s.snap.Counts(db)
		n += int64(k)
	}
	return n
}

// Saved is the number of keys written so far.
func (s *Snapshot) Saved() int64 { return s.snap.Saved() }

// Close abandons the snapshot (Write closes it too).
func (s *Snapshot) Close() { s.snap.Close() }

// WriteFileAtomic writes a file as Redis writes dump.rdb: into a temporary
// file in the same directory (temp-<pid>.rdb, or the name given), fsynced,
// renamed over path, and the directory fsynced, so a crash leaves either the
// old file or the new one, never a part.
//
// commit, when set, runs just before the rename and may veto it; it is
// called with nothing held, and the rename happens before it returns (so a
// caller can hold a lock across both: see WriteFileAtomicCommit).
func WriteFileAtomic(path, tmpName string, write func(w io.Writer) error) error {
	return WriteFileAtomicCommit(path, tmpName, write, nil)
}

// WriteFileAtomicCommit is WriteFileAtomic with a commit step: commit is
// called with the rename as its argument and decides whether to run it
// (and under which lock).
func WriteFileAtomicCommit(path, tmpName string, write func(w io.Writer) error, commit func(rename func() error) error) error {
	dir := filepath.Dir(path)
	if tmpName == "" {
		tmpName = fmt.Sprintf("temp-%d.rdb", os.Getpid())
	}
	tmp := filepath.Join(dir, tmpName)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	rename := func() error { return os.Rename(tmp, path) }
	if commit == nil {
		commit = func(rename func() error) error { return rename() }
	}
	if err := commit(rename); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
