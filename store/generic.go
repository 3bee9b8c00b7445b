package store

import "math"

// Generic keyspace operations: the ones that work on a key whatever its type.

// collection is implemented by every value type other than strings.
type collection interface {
	// Encoding is what OBJECT ENCODING reports.
	Encoding() Encoding
	// Len is the number of elements; an empty collection is deleted.
	Len() int
	// cloneValue returns a deep copy (COPY).
	cloneValue() collection
}

// Exists reports whether key exists in the selected database.
func (tx *Tx) Exists(key []byte) bool {
	_, ok := tx.find(tx.db, key)
	return ok
}

// Type returns the type of key, TypeNone when absent.
func (tx *Tx) Type(key []byte) Type {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return TypeNone
	}
	return r.meta().typ
}

// ObjectEncoding returns the encoding of key's value.
func (tx *Tx) ObjectEncoding(key []byte) (Encoding, bool) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return 0, false
	}
	return r.encoding(), true
}

func (r ref) encoding() Encoding {
	m := r.meta()
	if m.typ == TypeString {
		return m.enc
	}
	return r.ks.obj(r.h).(collection).Encoding()
}

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: integer values below it are
// shared objects when the eviction policy allows.
const sharedIntegers = 10000

// ObjectInfo is what OBJECT reports about a value.
type ObjectInfo struct {
	Type     Type
	Encoding Encoding
	// IdleMs is the time since the key was last accessed, at the access
	// clock's resolution (one second).
	IdleMs int64
	// Access is the raw access field: the access clock, or the LFU counter
	// when eviction uses LFU.
	Access uint32
	// Freq is the LFU counter after decay (OBJECT FREQ), meaningful when
	// the policy is an LFU one.
	Freq int
	// SharedInt reports an integer Redis would hold as one of its shared
	// objects (0 to 9999, not made by COPY), whose OBJECT REFCOUNT is
	// INT_MAX when the eviction policy lets integers be shared.
	SharedInt bool
}

// Object describes key's value without touching its access time.
func (tx *Tx) Object(key []byte) (ObjectInfo, bool) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return ObjectInfo{}, false
	}
	m := r.meta()
	info := ObjectInfo{Type: m.typ, Encoding: r.encoding(), IdleMs: idleMs(lruClock(tx.clock), m.lru), Access: m.lru,
		Freq: tx.st.lfuDecr(m.lru, tx.clock)}
	if m.typ == TypeString && m.enc == EncInt && m.flags&flagPrivateInt == 0 {
		v, _ := ParseInt(r.ks.stringValue(r.h))
		info.SharedInt = v >= 0 && v < sharedIntegers
	}
	return info, true
}

// Delete removes key, reporting whether it existed.
func (tx *Tx) Delete(key []byte) bool {
	r, ok := tx.find(tx.db, key)
	if ok {
		tx.delete(r)
	}
	return ok
}

// Expiry returns key's expiry in unix milliseconds (0: none) and whether the
// key exists.
func (tx *Tx) Expiry(key []byte) (at int64, exists bool) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return 0, false
	}
	return r.meta().expire, true
}

// SetExpiry sets key's expiry (unix ms; 0 removes it) and reports whether
// the key exists. An expiry at or before now deletes the key, as Redis does.
func (tx *Tx) SetExpiry(key []byte, at int64) bool {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return false
	}
	if at != 0 && at <= tx.now {
		tx.delete(r)
		return true
	}
	r.ks.setExpire(r.h, at)
	return true
}

// ExpireFlags are the conditions of EXPIRE and friends. XX combines with GT
// or LT; the server rejects the other combinations.
type ExpireFlags uint8

// Expire conditions.
const (
	ExpireNX ExpireFlags = 1 << iota // only when the key has no expiry
	ExpireXX                         // only when the key has an expiry
	ExpireGT                         // only when later than the current expiry (none counts as infinite)
	ExpireLT                         // only when earlier than the current expiry
)

// ExpireResult is what Expire did.
type ExpireResult uint8

// Expire outcomes.
const (
	ExpireNoKey   ExpireResult = iota // the key does not exist
	ExpireSkipped                     // a condition was not met
	ExpireSet                         // the expiry was set
	ExpireDeleted                     // the time was not in the future: the key was deleted
)

// Expire sets key's expiry to at (unix ms, any value) when flags allow, as
// Redis's expireGenericCommand: a time at or before now deletes the key.
func (tx *Tx) Expire(key []byte, at int64, flags ExpireFlags) ExpireResult {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return ExpireNoKey
	}
	cur := r.meta().expire // 0: none
	switch {
	case flags&ExpireNX != 0 && cur != 0,
		flags&ExpireXX != 0 && cur == 0,
		flags&ExpireGT != 0 && (cur == 0 || at <= cur),
		flags&ExpireLT != 0 && cur != 0 && at >= cur:
		return ExpireSkipped
	}
	if at <= tx.now {
		tx.delete(r)
		return ExpireDeleted
	}
	r.ks.setExpire(r.h, at)
	return ExpireSet
}

// Persist removes key's expiry, reporting whether it had one.
func (tx *Tx) Persist(key []byte) bool {
	r, ok := tx.find(tx.db, key)
	if !ok || r.meta().expire == 0 {
		return false
	}
	r.ks.setExpire(r.h, 0)
	return true
}

// moved is a value taken out of one key to be installed under another.
type moved struct {
	typ    Type
	enc    Encoding
	flags  uint8
	lru    uint32
	str    []byte // string value; may alias store memory
	obj    collection
	expire int64
}

func (tx *Tx) take(r ref) moved {
	m := r.meta()
	v := moved{typ: m.typ, enc: m.enc, flags: m.flags, lru: m.lru, expire: m.expire}
	if m.typ == TypeString {
		v.str = r.ks.stringValue(r.h)
	} else {
		v.obj = r.ks.obj(r.h).(collection)
	}
	return v
}

// put installs v under key in db, replacing whatever was there. The new key
// keeps v's access time and flags: RENAME and MOVE move Redis's object.
func (tx *Tx) put(db int, key []byte, v moved) {
	if old, ok := tx.find(db, key); ok {
		tx.delete(old)
	}
	ks, hash := tx.keyspace(db, key)
	h := ks.create(key, hash, v.typ)
	if v.typ == TypeString {
		ks.setString(h, v.str, v.enc)
	} else {
		ks.setObj(h, v.typ, v.obj)
	}
	m := &ks.metas[h]
	m.flags, m.lru = v.flags, v.lru
	if v.expire != 0 {
		ks.setExpire(h, v.expire)
	}
}

// transfer moves src's value to key dst in database dstDB, deleting src.
func (tx *Tx) transfer(src ref, dstDB int, dst []byte) {
	v := tx.take(src)
	if v.typ == TypeString {
		// The value may alias src's arena: install the copy before deleting
		// src. Deleting dst first cannot disturb it: the arena is only ever
		// appended to or replaced, never overwritten below its length.
		key := src.ks.key(src.h)
		tx.put(dstDB, dst, v)
		r, _ := tx.find(tx.db, key)
		tx.delete(r)
		return
	}
	// Detach the collection from src first so deleting src keeps it alive.
	src.ks.releaseValue(src.meta())
	tx.delete(src)
	tx.put(dstDB, dst, v)
}

// Rename moves src to dst, replacing dst unless nx is set. It reports whether
// the rename happened (false only when nx and dst exists). A missing src is
// ErrNoSuchKey. The expiry moves with the value.
func (tx *Tx) Rename(src, dst []byte, nx bool) (bool, error) {
	if _, ok := tx.find(tx.db, src); !ok {
		return false, ErrNoSuchKey
	}
	if string(src) == string(dst) {
		return !nx, nil
	}
	if _, exists := tx.find(tx.db, dst); exists && nx {
		return false, nil
	}
	r, _ := tx.find(tx.db, src) // dst's lookup may have moved src's arena
	tx.transfer(r, tx.db, dst)
	return true, nil
}

// Copy copies src (selected database) to dst in database dstDB, with its
// expiry. It reports whether a copy was made: not when src is missing, or
// dst exists and replace is false. The caller rejects copying a key onto
// itself.
func (tx *Tx) Copy(src []byte, dstDB int, dst []byte, replace bool) bool {
	if _, ok := tx.find(tx.db, src); !ok {
		return false
	}
	if _, exists := tx.find(dstDB, dst); exists && !replace {
		return false
	}
	r, _ := tx.find(tx.db, src)
	v := tx.take(r)
	if v.obj != nil {
		v.obj = v.obj.cloneValue()
	}
	// A copy is a new object: fresh access time, and an integer is no
	// longer one of Redis's shared ones.
	v.lru = tx.lru
	v.flags |= flagPrivateInt
	tx.put(dstDB, dst, v)
	return true
}

// Move moves key from the selected database to dstDB with its expiry. It
// reports false when key is missing or already exists in dstDB.
func (tx *Tx) Move(key []byte, dstDB int) bool {
	if _, ok := tx.find(tx.db, key); !ok {
		return false
	}
	if _, exists := tx.find(dstDB, key); exists {
		return false
	}
	r, _ := tx.find(tx.db, key)
	tx.transfer(r, dstDB, key)
	return true
}

// DBSize counts the keys of database db. Every shard must be locked.
// Keys past their expiry still count until removed, as in Redis.
func (tx *Tx) DBSize(db int) int {
	n := 0
	for _, i := range tx.held {
		n += tx.st.shards[i].dbs[db].len()
	}
	return n
}

// ForEachKey calls fn with every live key of the selected database; fn
// returns false to stop. Every shard must be locked. Expired keys are
// skipped, not deleted (as KEYS does), so fn may safely look keys up.
func (tx *Tx) ForEachKey(fn func(key []byte, typ Type) bool) {
	for _, i := range tx.held {
		ks := &tx.st.shards[i].dbs[tx.db]
		for h := range ks.metas {
			m := &ks.metas[h]
			if m.typ == TypeNone || (m.expire != 0 && m.expire <= tx.now) {
				continue
			}
			if !fn(ks.key(uint32(h)), m.typ) {
				return
			}
		}
	}
}

// expireHandle deletes the expired key at handle h of ks (database db).
func (tx *Tx) expireHandle(db int, ks *keyspace, h uint32) {
	if tx.keepExp {
		return
	}
	key := ks.key(h)
	_, pos, _ := ks.lookup(key, uint32(tx.hash(key)))
	tx.expireKey(db, ks, h, pos)
}

// randomTries is how many random picks RandomKey makes before walking.
const randomTries = 100

// RandomKey returns a random live key of the selected database, or nil.
// Every shard must be locked. Expired keys met on the way are deleted, as
// Redis does; when random picks keep finding them, RandomKey walks the
// keyspace instead, so a database full of expired keys cannot make it loop.
func (tx *Tx) RandomKey() []byte {
	rnd := tx.st.shards[0].rnd
	for range randomTries {
		total := tx.DBSize(tx.db)
		if total == 0 {
			return nil
		}
		n := rnd.IntN(total)
		for _, i := range tx.held {
			ks := &tx.st.shards[i].dbs[tx.db]
			if n >= ks.len() {
				n -= ks.len()
				continue
			}
			h, _ := ks.randomHandle(rnd)
			if e := ks.metas[h].expire; e == 0 || e > tx.now {
				return ks.key(h)
			}
			tx.expireHandle(tx.db, ks, h)
			break
		}
	}
	held := len(tx.held)
	start := rnd.IntN(held)
	for j := range held {
		ks := &tx.st.shards[tx.held[(start+j)%held]].dbs[tx.db]
		for h := 0; h < len(ks.metas); h++ {
			m := &ks.metas[h]
			if m.typ == TypeNone {
				continue
			}
			if m.expire == 0 || m.expire > tx.now {
				return ks.key(uint32(h))
			}
			tx.expireHandle(tx.db, ks, uint32(h))
		}
	}
	return nil
}

// FlushDB deletes every key of database db and returns how many there were.
// Every shard must be locked.
func (tx *Tx) FlushDB(db int) int {
	n := 0
	for _, i := range tx.held {
		ks := &tx.st.shards[i].dbs[db]
		n += ks.len()
		ks.detachSnapshot()
		ks.reset()
		tx.track(ks)
	}
	tx.Dirty += n
	return n
}

// FlushAll deletes every key of every database and returns how many there
// were. Every shard must be locked.
func (tx *Tx) FlushAll() int {
	n := 0
	for db := range tx.st.dbs {
		n += tx.FlushDB(db)
	}
	return n
}

// SwapDB exchanges databases a and b. Every shard must be locked.
func (tx *Tx) SwapDB(a, b int) {
	for _, i := range tx.held {
		dbs := tx.st.shards[i].dbs
		dbs[a], dbs[b] = dbs[b], dbs[a]
	}
}

// A SCAN cursor holds the shard in its low bits and the handle to continue
// from above them. 0 starts an iteration and ends it.
func (s *Store) shardBits() uint {
	bits := uint(0)
	for 1<<bits < len(s.shards) {
		bits++
	}
	return bits
}

func (s *Store) scanCursor(c uint64) (shard int, pos uint32) {
	return int(c & s.mask), uint32(min(c>>s.shardBits(), math.MaxUint32))
}

func (s *Store) makeCursor(shard int, pos uint32) uint64 {
	return uint64(pos)<<s.shardBits() | uint64(shard)
}

// scanWorkFactor bounds the handles one Scan call examines to this many per
// key asked for, as Redis bounds dictScan to ten buckets per COUNT, so a
// sparse keyspace still answers promptly.
const scanWorkFactor = 10

// Scan continues an iteration of the selected database from cursor and
// returns the cursor to continue from (0 when done). It examines about count
// keys: for each, when match is nil or accepts the key, it calls visit. A
// key past its expiry is passed with expired set and then deleted (as
// Redis's SCAN deletes the expired keys it meets). Every key present for a
// whole iteration is visited at least once, and none twice unless deleted
// and added again.
//
// When the Tx holds no shards, Scan locks one shard at a time itself
// (visit then runs with that shard locked); otherwise it needs every shard.
// The key passed to visit is valid only during the call.
func (tx *Tx) Scan(cursor uint64, count int, match func(key []byte) bool, visit func(key []byte, typ Type, expired bool)) uint64 {
	count = max(count, 1)
	budget := scanWorkFactor * count
	if count > math.MaxInt/scanWorkFactor {
		budget = math.MaxInt
	}
	self := len(tx.held) == 0
	si, pos := tx.st.scanCursor(cursor)
	visitHandle := func(ks *keyspace, h uint32) {
		key, m := ks.key(h), &ks.metas[h]
		if match != nil && !match(key) {
			return
		}
		expired := m.expire != 0 && m.expire <= tx.now
		visit(key, m.typ, expired)
		if expired {
			tx.expireHandle(tx.db, ks, h)
		}
	}
	for {
		if self {
			tx.AddShard(si)
			tx.Lock()
		}
		ks := &tx.st.shards[si].dbs[tx.db]
		done := false // no handle left in this keyspace
		if count > 0 && budget > 0 {
			pos = ks.scan(pos, &count, &budget, func(h uint32) { visitHandle(ks, h) })
			done = pos == 0
		}
		if !done {
			// Enough for this call. Look ahead for a key still to come, so
			// that the call taking the last keys returns 0, as Redis does
			// for a small keyspace.
			pos, done = ks.nextLive(pos, &budget)
		}
		if self {
			tx.Unlock()
		}
		if !done {
			return tx.st.makeCursor(si, pos)
		}
		si, pos = si+1, 0
		if si == len(tx.st.shards) {
			return 0
		}
	}
}

// Access for the collection types (list.go, hash.go, set.go, zset.go).

// getObject returns key's value when it has type typ: nil when the key is
// absent, ErrWrongType when it holds another type. Treat the result as
// read-only: writers use objectForWrite.
func (tx *Tx) getObject(key []byte, typ Type) (collection, error) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return nil, nil
	}
	if r.meta().typ != typ {
		return nil, ErrWrongType
	}
	return r.ks.obj(r.h).(collection), nil
}

// objectForWrite returns key's value of type typ for modification, creating
// it with mk when the key is absent (created reports which). Every change to
// a collection goes through here, so it is the one place that learns a value
// is about to change.
func (tx *Tx) objectForWrite(key []byte, typ Type, mk func() collection) (obj collection, created bool, err error) {
	obj, _, created, err = tx.objectForWriteAt(key, typ, mk)
	return obj, created, err
}

// objectForWriteAt is objectForWrite that also returns where the value
// lives, for the types whose value moves when it grows (a Hash or Set is one
// allocation): the writer hands the value back with replaceObject when done,
// before anything else changes the key.
func (tx *Tx) objectForWriteAt(key []byte, typ Type, mk func() collection) (obj collection, at ref, created bool, err error) {
	r, ok := tx.find(tx.db, key)
	if ok {
		if r.meta().typ != typ {
			return nil, ref{}, false, ErrWrongType
		}
		r.ks.beforeWrite(r.h)
		tx.willResize(r)
		return r.ks.obj(r.h).(collection), r, false, nil
	}
	if mk == nil {
		return nil, ref{}, false, nil
	}
	obj = mk()
	ks, hash := tx.keyspace(tx.db, key)
	h := ks.create(key, hash, typ)
	ks.setObj(h, typ, obj)
	tx.willResize(ref{ks, h})
	return obj, ref{ks, h}, true, nil
}

// replaceObject stores obj, the changed value of the key at (from
// objectForWriteAt under this Tx), and measures it.
func (tx *Tx) replaceObject(at ref, obj collection) {
	at.ks.setObj(at.h, at.meta().typ, obj)
}

// existingForWrite is objectForWrite for commands that never create the key
// (LPUSHX, SREM, ...): nil when absent.
func (tx *Tx) existingForWrite(key []byte, typ Type) (collection, error) {
	obj, _, err := tx.objectForWrite(key, typ, nil)
	return obj, err
}

// setObject stores obj under key, replacing any value and dropping any
// expiry (the *STORE commands).
func (tx *Tx) setObject(key []byte, typ Type, obj collection) {
	if old, ok := tx.find(tx.db, key); ok {
		tx.delete(old)
	}
	ks, hash := tx.keyspace(tx.db, key)
	h := ks.create(key, hash, typ)
	ks.setObj(h, typ, obj)
	tx.willResize(ref{ks, h})
}

// dropIfEmpty is deleteIfEmpty for a write that has c, key's collection, at
// hand: most writes leave it non-empty, and then key is not looked up again.
func (tx *Tx) dropIfEmpty(key []byte, c collection) bool {
	if c.Len() > 0 {
		return false
	}
	return tx.deleteIfEmpty(key)
}

// deleteIfEmpty removes key when its collection has become empty, as Redis
// does after every removal. It reports whether the key was deleted.
func (tx *Tx) deleteIfEmpty(key []byte) bool {
	r, ok := tx.find(tx.db, key)
	if !ok || r.meta().typ == TypeString {
		return false
	}
	if r.ks.obj(r.h).(collection).Len() > 0 {
		return false
	}
	tx.delete(r)
	return true
}
