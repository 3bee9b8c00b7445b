package store

import (
	"math"
	"slices"
)

// Tx is a command's exclusive view of the shards it has locked, in one
// selected database. The dispatcher collects the keys a command (or a whole
// MULTI block) will touch, locks their shards in ascending order, runs the
// handlers, then unlocks: so multi-key commands and transactions are atomic
// with respect to every other client, and commands on unrelated keys run in
// parallel. A Tx belongs to one client and is reused, so a command allocates
// nothing for it.
//
// Accessing a key whose shard is not locked is a programming error and panics.
type Tx struct {
	st      *Store
	db      int
	now     int64
	held    []uint16 // locked shard indexes, ascending
	heldSet []uint64 // the same as a bitset, for membership checks
	pending []uint16 // shards requested but not yet locked
	all     bool
	noTouch bool   // lookups leave access times alone (NoTouch)
	reading bool   // the command only reads (SetReadOnly)
	keepExp bool   // expired keys read as absent but stay (KeepExpired)
	lru     uint32 // access field given to keys created now: clock or LFU
	access  access // how lookups update the access field (memory.go)
	acct    txAcct // what changed size under this Tx, settled by Unlock

	// The last short key hashed, and its hash (see hash).
	lastKey  [32]byte
	lastLen  int // -1: none
	lastHash uint64

	// Dirty counts the changes made under this Tx, as Redis's server.dirty.
	Dirty int

	// OnExpire, when set, is told about keys this Tx deletes because they
	// expired (lazy expiry) instead of the store's Observer, so the owner
	// can order their deletion with its own effects.
	OnExpire func(db int, key []byte)

	// Loading makes the Tx treat no key as expired and delete none for an
	// expiry in the past, as Redis does while loading an AOF (the file says
	// when keys go); Now still reports the real time.
	Loading bool
	clock   int64 // the command's clock (now is the expiry instant)
}

// NewTx returns a Tx for s. Reuse it: Begin resets it for each command.
func NewTx(s *Store) *Tx {
	return &Tx{
		st:      s,
		heldSet: make([]uint64, (len(s.shards)+63)/64),
		held:    make([]uint16, 0, 16),
		pending: make([]uint16, 0, 16),
		lastLen: -1,
	}
}

// Begin prepares the Tx for a command on database db. Nothing is locked yet.
func (tx *Tx) Begin(db int) { tx.BeginAt(db, tx.st.now()) }

// BeginAt is Begin with the command's clock (unix ms) supplied by the
// caller, which has already read the time for the same command: reading
// the clock costs as much as a small command.
func (tx *Tx) BeginAt(db int, now int64) {
	tx.db = db
	tx.now, tx.clock = now, now
	if tx.Loading {
		tx.now = math.MinInt64 // nothing is expired, as Redis while loading
	}
	tx.Dirty = 0
	tx.noTouch = false
	tx.keepExp = false
	tx.reading = false
	tx.beginAccess()
}

// SetReadOnly tells the Tx, after Begin, that the running command only
// reads (Redis's CMD_READONLY): the keyspaces it looks at are not measured
// again when it unlocks, which costs a read about a quarter of its time.
// What a read can still change is settled as usual: keys deleted because
// they expired, and a recency list made for a keyspace.
func (tx *Tx) SetReadOnly() { tx.reading = true }

// Store returns the store this Tx works on.
func (tx *Tx) Store() *Store { return tx.st }

// DB is the selected database.
func (tx *Tx) DB() int { return tx.db }

// SetDB changes the selected database (SELECT inside a transaction).
func (tx *Tx) SetDB(db int) { tx.db = db }

// Now is the command's clock in unix milliseconds, fixed when it began so
// that every key a command looks at expires against the same instant.
func (tx *Tx) Now() int64 { return tx.clock }

// AddKey asks for key's shard to be locked by the next Lock.
func (tx *Tx) AddKey(key []byte) {
	tx.addShard(uint16((tx.hash(key) >> 32) & tx.st.mask))
}

// hash is Store.hash, remembering the last short key hashed: a command's
// key is hashed once to pick its shard and again to find it. The cache
// compares the bytes, not the slice, so a reused buffer cannot fool it.
func (tx *Tx) hash(key []byte) uint64 {
	if len(key) <= len(tx.lastKey) {
		if len(key) == tx.lastLen && string(key) == string(tx.lastKey[:len(key)]) {
			return tx.lastHash
		}
		h := tx.st.hash(key)
		copy(tx.lastKey[:], key)
		tx.lastLen, tx.lastHash = len(key), h
		return h
	}
	return tx.st.hash(key)
}

// AddShard asks for shard i to be locked by the next Lock.
func (tx *Tx) AddShard(i int) { tx.addShard(uint16(i)) }

func (tx *Tx) addShard(i uint16) {
	if tx.all || tx.holds(int(i)) {
		return
	}
	p, found := slices.BinarySearch(tx.pending, i)
	if !found {
		tx.pending = slices.Insert(tx.pending, p, i)
	}
}

// AddAll asks for every shard to be locked by the next Lock.
func (tx *Tx) AddAll() { tx.all = true }

// Lock acquires what AddKey, AddShard and AddAll asked for. It must not be
// called while holding shards (lock order would be violated); Unlock first.
func (tx *Tx) Lock() {
	if len(tx.held) != 0 {
		panic("store: Tx.Lock while holding shards")
	}
	if tx.all {
		tx.pending = tx.pending[:0]
		for i := range tx.st.shards {
			tx.lockShard(uint16(i))
		}
		return
	}
	for _, i := range tx.pending {
		tx.lockShard(i)
	}
	tx.pending = tx.pending[:0]
}

func (tx *Tx) lockShard(i uint16) {
	tx.st.shards[i].mu.Lock()
	tx.held = append(tx.held, i)
	tx.heldSet[i>>6] |= 1 << (i & 63)
}

// Unlock releases every shard the Tx holds, first adding what the changes
// made under it cost to the memory totals.
func (tx *Tx) Unlock() {
	tx.settle()
	for _, i := range tx.held {
		tx.heldSet[i>>6] &^= 1 << (i & 63)
		tx.st.shards[i].mu.Unlock()
	}
	tx.held = tx.held[:0]
	tx.pending = tx.pending[:0]
	tx.all = false
}

// Locked reports whether the Tx holds any shard.
func (tx *Tx) Locked() bool { return len(tx.held) != 0 }

// HoldsAll reports whether every shard is locked.
func (tx *Tx) HoldsAll() bool { return len(tx.held) == len(tx.st.shards) }

func (tx *Tx) holds(i int) bool { return tx.heldSet[i>>6]&(1<<(i&63)) != 0 }

// keyspace returns the keyspace of key in database db and the key's slot hash.
func (tx *Tx) keyspace(db int, key []byte) (*keyspace, uint32) {
	h := tx.hash(key)
	si := int((h >> 32) & tx.st.mask)
	if !tx.holds(si) {
		panic(ErrNotUnlocked)
	}
	ks := &tx.st.shards[si].dbs[db]
	ks.clock = tx.lru // keys created in ks get the command's access time
	if !tx.reading {
		tx.track(ks)
	}
	if ks.lru == nil {
		tx.st.ensureLRU(ks)
		if ks.lru != nil {
			tx.track(ks) // the new recency list counts as memory
		}
	}
	return ks, uint32(h)
}

// ref is a live key found under this Tx.
type ref struct {
	ks *keyspace
	h  uint32
}

func (r ref) meta() *meta { return &r.ks.metas[r.h] }

// find looks key up in database db, deleting it first if it has expired.
func (tx *Tx) find(db int, key []byte) (ref, bool) {
	ks, hash := tx.keyspace(db, key)
	h, pos, ok := ks.lookup(key, hash)
	if !ok {
		return ref{}, false
	}
	if e := ks.metas[h].expire; e != 0 && e <= tx.now {
		if !tx.keepExp {
			tx.expireKey(db, ks, h, pos)
		}
		return ref{}, false
	}
	if !tx.noTouch {
		tx.touch(ks, h)
	}
	return ref{ks, h}, true
}

// expireKey deletes an expired key and tells the observer.
func (tx *Tx) expireKey(db int, ks *keyspace, h, pos uint32) {
	if tx.OnExpire != nil {
		tx.OnExpire(db, ks.key(h))
	} else if o := tx.st.observer; o != nil {
		o.KeyExpired(db, ks.key(h))
	}
	tx.track(ks)
	ks.remove(h, pos)
}

// delete removes a key found by find. Index positions move on every
// insert and delete, so the position is looked up again.
func (tx *Tx) delete(r ref) {
	key := r.ks.key(r.h)
	_, pos, _ := r.ks.lookup(key, uint32(tx.hash(key)))
	r.ks.remove(r.h, pos)
}

// NoTouch makes the rest of the running command look keys up without
// updating their access time, as Redis's LOOKUP_NOTOUCH (TYPE, EXISTS, TTL,
// OBJECT, ...). Begin clears it.
func (tx *Tx) NoTouch() { tx.noTouch = true }
