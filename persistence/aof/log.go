package aof

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Fsync policies (appendfsync).
const (
	FsyncAlways = iota
	FsyncEverysec
	FsyncNo
)

// Op is one effect to log: a command and the database it applies to.
type Op struct {
	DB   int
	Args [][]byte
}

var (
	cmdMulti = [][]byte{[]byte("MULTI")}
	cmdExec  = [][]byte{[]byte("EXEC")}
)

// ErrClosed is returned for appends to a closed log.
var ErrClosed = errors.New("aof: log closed")

// Log appends effects to the current incremental file.
//
// Appends happen under the store locks of the keys involved, so they only
// encode into a buffer (with the SELECTs the file needs); writing is done by
// whoever waits first. A client waits for its position before its replies
// go out: under appendfsync always the waiter that finds nobody writing
// takes the whole buffer, writes it with one write(2), fsyncs once and
// releases every client whose effects it carried (group commit); clients
// arriving meanwhile append to the next batch. Under everysec and no the
// wait covers the write(2) only, so a crash of the process (kill -9) never
// loses an acknowledged write; everysec fsyncs in the background once a
// second.
type Log struct {
	mu       sync.Mutex
	cond     sync.Cond
	f        *os.File
	buf      []byte // encoded, not yet written
	spare    []byte
	appended int64         // logical position after the last append (across files)
	appendA  atomic.Int64  // appended, readable without mu
	written  int64         // logical position written to the file
	synced   int64         // logical position known to be on disk
	doneA    atomic.Int64  // written, readable without mu
	syncedA  atomic.Int64  // synced, readable without mu
	ops      int64         // Append calls so far
	batchOps int64         // Append calls in the last fsynced batch
	tookOps  int64         // ops when the last fsynced batch was taken
	gatherCh chan struct{} // closed by Append once a gathering flusher's batch is full
	gatherAt int64         // ops that fill the batch being gathered
	syncDur  atomic.Int64  // duration of the last fsync (ns)
	flushing bool          // a writer is doing I/O outside mu
	selDB    int           // database the file's last SELECT chose; -1: none yet
	closed   bool
	writeErr error // the last write or fsync error, nil once a write succeeds

	fileSize int64 // bytes in the current file (Redis's aof_last_incr_size)
	reserved int64 // the file's physical end: past fileSize, the reserve (reserve.go)
	noExtend bool  // extending the reserve failed: not again in this file

	policy     atomic.Int32
	flushSleep atomic.Int64 // DEBUG AOF-FLUSH-SLEEP: pause before each write (ns)
	timestamps atomic.Bool
	lastTS     int64

	syncMu   sync.Mutex // held by background fsyncs and file switches
	lastSync atomic.Int64
	fsyncs   atomic.Int64 // fsync calls, for tests and INFO

	// OnFatal is called (once per failure, outside the lock) when a write
	// or fsync fails under appendfsync always: Redis exits then.
	OnFatal func(err error)
	// OnWriteError is called when a write fails under the other policies
	// and when a later one succeeds again (err nil).
	OnWriteError func(err error)
}

// NewLog appends to f, which holds size bytes already.
func NewLog(f *os.File, size int64, policy int) *Log {
	l := &Log{f: f, fileSize: size, reserved: size, selDB: -1}
	l.cond.L = &l.mu
	l.policy.Store(int32(policy))
	l.lastSync.Store(time.Now().Unix())
	return l
}

// SetPolicy changes the fsync policy.
func (l *Log) SetPolicy(p int) { l.policy.Store(int32(p)) }

// SetFlushSleep makes every write wait d first (DEBUG AOF-FLUSH-SLEEP, for
// tests that look for replies sent before the write).
func (l *Log) SetFlushSleep(d time.Duration) { l.flushSleep.Store(int64(d)) }

// Policy is the fsync policy.
func (l *Log) Policy() int { return int(l.policy.Load()) }

// SetTimestamps turns #TS annotations on or off (aof-timestamp-enabled).
func (l *Log) SetTimestamps(on bool) { l.timestamps.Store(on) }

// Append logs ops; wrap surrounds them with MULTI/EXEC. It returns the
// position a client must wait for before acknowledging them.
func (l *Log) Append(ops []Op, wrap bool) int64 {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0
	}
	before := len(l.buf)
	if l.timestamps.Load() {
		if now := time.Now().Unix(); now > l.lastTS {
			l.lastTS = now
			l.buf = AppendTimestamp(l.buf, now)
		}
	}
	if wrap {
		l.appendOp(ops[0].DB, cmdMulti)
	}
	for _, op := range ops {
		l.appendOp(op.DB, op.Args)
	}
	if wrap {
		l.appendOp(ops[len(ops)-1].DB, cmdExec)
	}
	l.appended += int64(len(l.buf) - before)
	pos := l.appended
	l.appendA.Store(pos)
	l.ops++
	if l.gatherCh != nil && l.ops >= l.gatherAt {
		close(l.gatherCh)
		l.gatherCh = nil
	}
	l.mu.Unlock()
	return pos
}

// AppendRaw logs bytes already encoded (tests).
func (l *Log) AppendRaw(b []byte) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	l.appended += int64(len(b))
	l.appendA.Store(l.appended)
	return l.appended
}

func (l *Log) appendOp(db int, args [][]byte) {
	if db != l.selDB {
		l.buf = AppendSelect(l.buf, db)
		l.selDB = db
	}
	l.buf = AppendCommand(l.buf, args)
}

// Appended is the position after the last append: a reader that saw the
// data of every effect logged so far waits for it before replying.
func (l *Log) Appended() int64 { return l.appendA.Load() }

// Wait returns once everything up to pos is written (and, under
// appendfsync always, fsynced), doing the I/O itself when nobody else is.
// It returns the write error when the data could not be written.
func (l *Log) Wait(pos int64) error {
	// A write in progress usually covers pos and ends within microseconds:
	// yield a few times before parking on the condition variable.
	for range 8 {
		if l.reached(pos) {
			return nil
		}
		runtime.Gosched()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		always := l.policy.Load() == FsyncAlways
		if l.written >= pos && (!always || l.synced >= pos) {
			return nil
		}
		if l.closed {
			return ErrClosed
		}
		if l.flushing {
			l.cond.Wait()
			continue
		}
		if err := l.flushLocked(always, always); err != nil {
			return err
		}
	}
}

// reached reports, without the lock, whether pos is written (and synced
// under appendfsync always).
func (l *Log) reached(pos int64) bool {
	if l.policy.Load() == FsyncAlways {
		return l.syncedA.Load() >= pos
	}
	return l.doneA.Load() >= pos
}

// Flush writes whatever is buffered (and fsyncs it when sync is set).
func (l *Log) Flush(sync bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.cond.Wait()
	}
	if l.closed {
		return ErrClosed
	}
	if len(l.buf) == 0 && (!sync || l.synced == l.written) {
		return nil
	}
	return l.flushLocked(sync, false)
}

// flushLocked writes the buffer, fsyncing after when sync is set, and
// keeps a reserve past the data when reserve is set (appendfsync always).
// It is called with mu held and !flushing, and releases mu during the I/O.
func (l *Log) flushLocked(sync, reserve bool) error {
	l.flushing = true
	if sync {
		l.gather()
		l.batchOps = l.ops - l.tookOps
		l.tookOps = l.ops
	}
	data, end, f := l.buf, l.appended, l.f
	off, reserved := l.fileSize, l.reserved
	extend := reserve && !l.noExtend
	l.buf = l.spare[:0]
	l.mu.Unlock()

	var err error
	if d := l.flushSleep.Load(); d > 0 && len(data) > 0 {
		time.Sleep(time.Duration(d))
	}
	stop := off + int64(len(data))
	if len(data) > 0 {
		out := data
		if stop < reserved {
			out = append(data, '#') // the rest of the reserve line stays an annotation
		}
		var n int
		n, err = f.WriteAt(out, off)
		switch {
		case err == nil:
			reserved = max(reserved, stop)
		case n > 0:
			// Cut off the part written (and the reserve after it) so the
			// file never ends in half a command, as Redis does; the whole
			// buffer is tried again.
			if terr := f.Truncate(off); terr == nil {
				reserved = off
			} else {
				reserved = max(reserved, off+int64(n))
			}
		}
	}
	extending := err == nil && extend && reserved-stop < reserveLow
	extendFailed := false
	if extending {
		var ok bool
		reserved, ok = extendReserve(f, stop, reserved)
		extendFailed = !ok
	}
	if err == nil && sync {
		start := time.Now()
		err = fdatasync(f, time.Duration(l.syncDur.Load()) < holdSyncMax)
		if !extending { // an fsync that writes a new reserve is no guide to the next
			l.syncDur.Store(int64(time.Since(start)))
		}
		l.fsyncs.Add(1)
		l.lastSync.Store(time.Now().Unix())
	}

	l.mu.Lock()
	l.flushing = false
	l.reserved = reserved
	l.noExtend = l.noExtend || extendFailed
	l.cond.Broadcast()
	if err != nil {
		// Keep the data for the next attempt, before what arrived meanwhile.
		l.buf = append(data, l.buf...)
		first := l.writeErr == nil
		l.writeErr = err
		if l.policy.Load() == FsyncAlways {
			if l.OnFatal != nil {
				l.mu.Unlock()
				l.OnFatal(err)
				l.mu.Lock()
			}
		} else if first && l.OnWriteError != nil {
			l.mu.Unlock()
			l.OnWriteError(err)
			l.mu.Lock()
		}
		return err
	}
	l.written = end
	l.doneA.Store(end)
	l.fileSize += int64(len(data))
	if sync {
		l.synced = end
		l.syncedA.Store(end)
	}
	if cap(data) <= 1<<20 {
		l.spare = data[:0]
	}
	if l.writeErr != nil {
		l.writeErr = nil
		if l.OnWriteError != nil {
			l.mu.Unlock()
			l.OnWriteError(nil)
			l.mu.Lock()
		}
	}
	return nil
}

// gather lets clients that are about to append join the batch before an
// fsync. An fsync costs as much as a round trip of every client, so a batch
// taken too early leaves most of them for the next fsync: the flusher waits
// until as many appends as in the last batch have arrived, for at most half
// the last fsync's duration. Called with mu held and flushing set; mu is
// released meanwhile.
func (l *Log) gather() {
	want := l.tookOps + l.batchOps
	if l.batchOps <= 1 || l.ops >= want {
		return
	}
	wait := time.Duration(l.syncDur.Load() / 2)
	if wait <= 0 {
		return
	}
	wait = min(wait, 2*time.Millisecond)
	ch := make(chan struct{})
	l.gatherCh, l.gatherAt = ch, want
	l.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-ch:
	case <-t.C:
	}
	t.Stop()
	l.mu.Lock()
	if l.gatherCh == ch {
		l.gatherCh = nil
	}
}

// extendReserve writes reserve lines from the end of the file (reserved,
// or stop when the data reached past it) to a line boundary at least
// reserveChunk past stop, and returns the file's new end. A failed write
// (a full disk) is not an error of the log: the file keeps what it had and
// ok is false.
func extendReserve(f *os.File, stop, reserved int64) (end int64, ok bool) {
	from := max(stop, reserved)
	pad := padFor(from, ((stop+reserveChunk)/padLine+1)*padLine)
	if n, err := f.WriteAt(pad, from); err != nil {
		if n > 0 {
			_ = f.Truncate(from)
		}
		return from, false
	}
	return from + int64(len(pad)), true
}

// cutReserve cuts the reserve off the file, so a file closed cleanly ends
// with its last command. Called with mu held and nobody flushing.
func (l *Log) cutReserve() {
	if l.reserved > l.fileSize && l.f.Truncate(l.fileSize) == nil {
		l.reserved = l.fileSize
	}
}

// BackgroundSync is the everysec fsync: it writes what is buffered, then
// fsyncs without holding up writers (Redis hands it to a background
// thread). Call it once a second.
func (l *Log) BackgroundSync() {
	if err := l.Flush(false); err != nil {
		return
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if l.closed || l.synced == l.written {
		l.mu.Unlock()
		return
	}
	f, upto := l.f, l.written
	l.mu.Unlock()
	err := fdatasync(f, false)
	l.fsyncs.Add(1)
	l.lastSync.Store(time.Now().Unix())
	if err == nil {
		l.mu.Lock()
		if l.f == f && upto > l.synced {
			l.synced = upto
			l.syncedA.Store(upto)
		}
		l.mu.Unlock()
	}
}

// Switch writes and fsyncs what is buffered into the current file, closes
// it, and continues in f (a new incremental file, empty). The caller makes
// sure nothing is appended meanwhile (it holds every store lock), so the
// old file ends exactly where the new one starts.
func (l *Log) Switch(f *os.File) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.cond.Wait()
	}
	if len(l.buf) > 0 || l.synced != l.written {
		if err := l.flushLocked(true, false); err != nil {
			return err
		}
	}
	l.cutReserve()
	old := l.f
	l.f = f
	l.fileSize, l.reserved, l.noExtend = 0, 0, false
	l.selDB = -1
	return old.Close()
}

// Close writes and fsyncs what is buffered and closes the file.
func (l *Log) Close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.cond.Wait()
	}
	if l.closed {
		return nil
	}
	var err error
	if len(l.buf) > 0 || l.synced != l.written {
		err = l.flushLocked(true, false)
	}
	l.cutReserve()
	l.closed = true
	l.cond.Broadcast()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// FileSize is the number of bytes written to the current file.
func (l *Log) FileSize() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fileSize
}

// Pending is the number of bytes appended but not yet written
// (aof_buffer_length).
func (l *Log) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buf)
}

// WriteErr is the error of the last failed write, nil when the last write
// succeeded.
func (l *Log) WriteErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writeErr
}

// Fsyncs counts the fsyncs done so far.
func (l *Log) Fsyncs() int64 { return l.fsyncs.Load() }

// LastSync is the unix time of the last fsync.
func (l *Log) LastSync() int64 { return l.lastSync.Load() }

// SyncPending reports whether written data awaits an fsync.
func (l *Log) SyncPending() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.synced != l.written
}

// holdSyncMax is the fsync duration under which the flusher keeps its
// scheduler slot (P) through the next fsync.
//
// A blocking system call normally leaves its P to the runtime, whose
// monitor thread notices after a tick (20 us) and hands the P to another
// thread. Under appendfsync always that happens for every batch, keeps the
// monitor polling every 20 us, and costs several thread switches per fsync:
// measured with 50 clients without pipelining, a third of the server's CPU
// and a fifth of its throughput. A short fsync is cheaper done while
// holding the P, as Redis does it on its main thread: other goroutines
// wait (or run on other Ps) and their requests gather for the next batch.
// A slow disk must not stall the scheduler (or a garbage collection's
// stop-the-world) that long, so after an fsync slower than this the next
// one hands its P over as usual.
const holdSyncMax = 2 * time.Millisecond

// fdatasync is fdatasync(2) on f; with holdP it does not tell the scheduler
// that the goroutine blocks (see holdSyncMax).
func fdatasync(f *os.File, holdP bool) error {
	fd := f.Fd()
	for {
		var err error
		if holdP {
			if _, _, e := unix.RawSyscall(unix.SYS_FDATASYNC, fd, 0, 0); e != 0 {
				err = e
			}
		} else {
			err = unix.Fdatasync(int(fd))
		}
		if err != unix.EINTR {
			return err
		}
	}
}
