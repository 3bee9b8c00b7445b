package store

import (
	"sync/atomic"
)

// Point-in-time snapshots without stopping the world (Go has no fork).
//
// Begin locks every shard for a moment and gives each keyspace (one per
// shard and database) a snapPart: a cursor starting at handle 0 and the end
// of the handle range that existed then. The saver walks each keyspace by
// handle in small chunks under the shard lock, encoding the entries it
// passes, and advances the cursor. Meanwhile every change to a key whose
// handle lies in [cursor, end) first calls beforeWrite, which encodes the
// key's old entry into the part's side buffer (copy-on-write per key) and
// marks the handle as handled, so the saver skips it. A handle created
// after Begin is marked too (nothing to save: it was free at Begin, or its
// old key was saved when deleted), and handles at or past end are new by
// construction. FLUSHDB/FLUSHALL hand the old keyspace to the part
// (detach) instead of copying it; SWAPDB moves keyspaces with their parts,
// and each part remembers the database it was taken from.
//
// Memory: the side buffers hold encoded copies of the keys changed while a
// snapshot runs (like fork's copy-on-write pages), plus one bit per handle.
// Locks: Begin holds all shard locks for O(shards x databases); each chunk
// holds one shard lock for a bounded number of handles or bytes (one large
// value is encoded whole).

// SnapEncoder appends the encoded form of e to dst. It runs with e's shard
// locked and must not call into the store.
type SnapEncoder func(dst []byte, e *Entry) []byte

// Snapshot is a consistent view of the whole dataset as it was at Begin,
// read out chunk by chunk while writes go on.
type Snapshot struct {
	st    *Store
	enc   SnapEncoder
	cow   SnapEncoder   // for copies made on the writers' path
	parts [][]*snapPart // [database at Begin][shard]
	keys  []int         // keys per database at Begin
	exps  []int         // keys with an expiry per database at Begin

	db, shard int // the saver's position
	closed    bool

	// Strings met by a chunk are copied here under the lock and encoded
	// after it is released: a copy is much cheaper than encoding (LZF),
	// so shard locks are held for less.
	stage  []byte
	staged []stagedString

	cowBytes atomic.Int64 // bytes copied into side buffers so far
	saved    atomic.Int64 // entries handed out by Next so far
}

type stagedString struct {
	klen, vlen int
	expire     int64
	access     uint32
}

type snapPart struct {
	snap   *Snapshot
	db     int // database at Begin
	cursor uint32
	end    uint32
	marked []uint64  // handles in [cursor, end) already saved or new
	side   []byte    // encoded old entries, in no particular order
	sideN  int       // entries in side
	old    *keyspace // the keyspace as it was, handed over by a flush
}

// Chunk bounds: a chunk stops after this many handles or bytes.
const (
	snapChunkHandles = 512
	snapChunkBytes   = 64 << 10
)

// ErrSnapshotRunning is returned by BeginSnapshot while another runs.
var ErrSnapshotRunning = errorString("a snapshot is already running")

type errorString string

func (e errorString) Error() string { return string(e) }

// BeginSnapshot starts a snapshot of every database. enc encodes entries
// for Next; cow encodes the old entries of keys changed before the saver
// reaches them, on the writers' path (so it should be cheap: no
// compression). Only one snapshot runs at a time. Close it when done.
func (s *Store) BeginSnapshot(enc, cow SnapEncoder) (*Snapshot, error) {
	return s.BeginSnapshotAt(enc, cow, nil)
}

// BeginSnapshotAt is BeginSnapshot with atBegin, when set, run while every
// shard is locked, at the snapshot's instant (the AOF switches to a new
// incr file there). An error from atBegin abandons the snapshot.
func (s *Store) BeginSnapshotAt(enc, cow SnapEncoder, atBegin func() error) (*Snapshot, error) {
	snap := &Snapshot{st: s, enc: enc, cow: cow, parts: make([][]*snapPart, s.dbs), keys: make([]int, s.dbs), exps: make([]int, s.dbs)}
	for db := range snap.parts {
		snap.parts[db] = make([]*snapPart, len(s.shards))
	}
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	defer func() {
		for i := range s.shards {
			s.shards[i].mu.Unlock()
		}
	}()
	if !s.snapping.CompareAndSwap(false, true) {
		return nil, ErrSnapshotRunning
	}
	if atBegin != nil {
		if err := atBegin(); err != nil {
			s.snapping.Store(false)
			return nil, err
		}
	}
	for i := range s.shards {
		for db := range s.shards[i].dbs {
			ks := &s.shards[i].dbs[db]
			snap.keys[db] += ks.len()
			snap.exps[db] += len(ks.volatile)
			if ks.len() == 0 {
				continue // nothing to save; keys added later are new
			}
			end := uint32(len(ks.metas))
			p := &snapPart{snap: snap, db: db, end: end, marked: make([]uint64, (end+63)/64)}
			ks.snap = p
			snap.parts[db][i] = p
		}
	}
	return snap, nil
}

// Counts returns the number of keys and of keys with an expiry that
// database db had at Begin.
func (snap *Snapshot) Counts(db int) (keys, expires int) { return snap.keys[db], snap.exps[db] }

// CowBytes is the number of bytes copied aside for keys changed while the
// snapshot ran (Redis's copy-on-write size).
func (snap *Snapshot) CowBytes() int64 { return snap.cowBytes.Load() }

// Saved is the number of entries Next has handed out so far.
func (snap *Snapshot) Saved() int64 { return snap.saved.Load() }

// Next appends the next chunk of encoded entries to buf and returns it with
// the chunk's database. done reports that the snapshot is complete (buf is
// then unchanged). Chunks of one database come one after another, databases
// in ascending order.
func (snap *Snapshot) Next(buf []byte) (out []byte, db int, done bool) {
	s := snap.st
	for snap.db < s.dbs {
		for snap.shard < len(s.shards) {
			p := snap.parts[snap.db][snap.shard]
			if p == nil {
				snap.shard++
				continue
			}
			sh := &s.shards[snap.shard]
			sh.mu.Lock()
			n := len(buf)
			ks := p.keyspaceIn(sh)
			buf = p.step(ks, buf)
			finished := p.cursor >= p.end
			if finished {
				// Entries copied aside come last: none can be added now.
				buf = append(buf, p.side...)
				snap.saved.Add(int64(p.sideN))
				p.side, p.sideN = nil, 0
				if ks != nil && ks.snap == p {
					ks.snap = nil
				}
				p.old = nil
				snap.parts[snap.db][snap.shard] = nil
			}
			sh.mu.Unlock()
			buf = snap.encodeStaged(buf, p.db)
			if finished {
				snap.shard++
			}
			if len(buf) > n {
				return buf, p.db, false
			}
		}
		snap.db++
		snap.shard = 0
	}
	return buf, 0, true
}

// keyspaceIn finds the keyspace the part reads in its shard: the one a
// flush handed over, or the live one that carries the part (SWAPDB may have
// moved it to another database's slot).
func (p *snapPart) keyspaceIn(sh *shard) *keyspace {
	if p.old != nil {
		return p.old
	}
	for db := range sh.dbs {
		if sh.dbs[db].snap == p {
			return &sh.dbs[db]
		}
	}
	return nil
}

// encodeStaged encodes the strings step copied aside, with no lock held.
func (snap *Snapshot) encodeStaged(buf []byte, db int) []byte {
	off := 0
	var e Entry
	for _, st := range snap.staged {
		key := snap.stage[off : off+st.klen]
		val := snap.stage[off+st.klen : off+st.klen+st.vlen]
		off += st.klen + st.vlen
		e = Entry{DB: db, Key: key, Value: ValueView{typ: TypeString, str: val}, Expire: st.expire, Access: st.access}
		buf = snap.enc(buf, &e)
	}
	snap.stage, snap.staged = snap.stage[:0], snap.staged[:0]
	if cap(snap.stage) > 4*snapChunkBytes {
		snap.stage = nil // one huge string: do not keep its buffer
	}
	return buf
}

// step encodes the next handles of the part from ks, under its shard lock
// (strings are only copied, see stage).
func (p *snapPart) step(ks *keyspace, buf []byte) []byte {
	start := len(buf)
	snap := p.snap
	var e Entry
	for n := 0; p.cursor < p.end && n < snapChunkHandles && len(buf)-start+len(snap.stage) < snapChunkBytes; n++ {
		h := p.cursor
		p.cursor++
		if p.marked[h>>6]&(1<<(h&63)) != 0 || ks == nil || int(h) >= len(ks.metas) {
			continue
		}
		m := &ks.metas[h]
		if m.typ == TypeNone {
			continue
		}
		p.snap.saved.Add(1)
		if m.typ == TypeString {
			key, val := ks.key(h), ks.stringValue(h)
			snap.stage = append(append(snap.stage, key...), val...)
			snap.staged = append(snap.staged, stagedString{klen: len(key), vlen: len(val), expire: m.expire, access: m.lru})
			continue
		}
		e = Entry{DB: p.db, Key: ks.key(h), Value: ks.viewOf(h), Expire: m.expire, Access: m.lru}
		buf = snap.enc(buf, &e)
	}
	return buf
}

// Close ends the snapshot, finished or not, and releases what it holds.
func (snap *Snapshot) Close() {
	if snap.closed {
		return
	}
	snap.closed = true
	s := snap.st
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for db := range sh.dbs {
			if p := sh.dbs[db].snap; p != nil && p.snap == snap {
				sh.dbs[db].snap = nil
			}
		}
		sh.mu.Unlock()
	}
	snap.parts = nil
	s.snapping.Store(false)
}

// beforeWrite must be called before any change to handle h of ks: the key's
// value, expiry or existence. While a snapshot has not yet passed h, it
// saves the entry as it was.
func (ks *keyspace) beforeWrite(h uint32) {
	if p := ks.snap; p != nil {
		p.preserve(ks, h)
	}
}

func (p *snapPart) preserve(ks *keyspace, h uint32) {
	if h < p.cursor || h >= p.end || p.marked[h>>6]&(1<<(h&63)) != 0 {
		return
	}
	p.marked[h>>6] |= 1 << (h & 63)
	if int(h) >= len(ks.metas) {
		return
	}
	m := &ks.metas[h]
	if m.typ == TypeNone {
		return
	}
	e := Entry{DB: p.db, Key: ks.key(h), Value: ks.viewOf(h), Expire: m.expire, Access: m.lru}
	n := len(p.side)
	p.side = p.snap.cow(p.side, &e)
	p.sideN++
	p.snap.cowBytes.Add(int64(len(p.side) - n))
}

// detachSnapshot hands the keyspace's current contents to a running
// snapshot before they are dropped wholesale (FLUSHDB, FLUSHALL), so the
// snapshot reads them instead of copying each key. The caller then resets
// ks, which from then on holds only keys the snapshot ignores.
func (ks *keyspace) detachSnapshot() {
	p := ks.snap
	if p == nil {
		return
	}
	old := *ks
	old.snap = nil
	p.old = &old
	ks.snap = nil
	*ks = keyspace{}
}
