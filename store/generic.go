package store

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
	m := r.meta()
	if m.typ == TypeString {
		return m.enc, true
	}
	return r.ks.obj(r.h).(collection).Encoding(), true
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

// moved is a value taken out of one key to be installed under another.
type moved struct {
	typ    Type
	enc    Encoding
	str    []byte // string value; may alias store memory
	obj    collection
	expire int64
}

func (tx *Tx) take(r ref) moved {
	m := r.meta()
	v := moved{typ: m.typ, enc: m.enc, expire: m.expire}
	if m.typ == TypeString {
		v.str = r.ks.stringValue(r.h)
	} else {
		v.obj = r.ks.obj(r.h).(collection)
	}
	return v
}

// put installs v under key in db, replacing whatever was there.
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
	if v.expire != 0 {
		ks.setExpire(h, v.expire)
	}
}

// Rename moves src to dst, replacing dst unless nx is set. It reports whether
// the rename happened (false only when nx and dst exists). A missing src is
// ErrNoSuchKey.
func (tx *Tx) Rename(src, dst []byte, nx bool) (bool, error) {
	r, ok := tx.find(tx.db, src)
	if !ok {
		return false, ErrNoSuchKey
	}
	if string(src) == string(dst) {
		return !nx, nil
	}
	if nx && tx.Exists(dst) {
		return false, nil
	}
	v := tx.take(r)
	if v.typ == TypeString {
		// The value may alias src's arena: install the copy before deleting src.
		tx.put(tx.db, dst, v)
		r, _ = tx.find(tx.db, src)
		tx.delete(r)
		return true, nil
	}
	// Detach the collection from src first so deleting src keeps it alive.
	r.ks.releaseValue(r.meta())
	tx.delete(r)
	tx.put(tx.db, dst, v)
	return true, nil
}

// Copy copies src (selected database) to dst in database dstDB. It reports
// whether a copy was made: not when src is missing, or dst exists and replace
// is false.
func (tx *Tx) Copy(src []byte, dstDB int, dst []byte, replace bool) bool {
	r, ok := tx.find(tx.db, src)
	if !ok {
		return false
	}
	if !replace {
		if _, exists := tx.find(dstDB, dst); exists {
			return false
		}
	}
	v := tx.take(r)
	if v.obj != nil {
		v.obj = v.obj.cloneValue()
	}
	tx.put(dstDB, dst, v)
	return true
}

// Move moves key from the selected database to dstDB. It reports false when
// key is missing or already exists in dstDB.
func (tx *Tx) Move(key []byte, dstDB int) bool {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return false
	}
	if _, exists := tx.find(dstDB, key); exists {
		return false
	}
	v := tx.take(r)
	if v.typ == TypeString {
		tx.put(dstDB, key, v)
		r, _ = tx.find(tx.db, key)
		tx.delete(r)
		return true
	}
	r.ks.releaseValue(r.meta())
	tx.delete(r)
	tx.put(dstDB, key, v)
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
// skipped, not deleted, so fn may safely look keys up.
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

// RandomKey returns a random live key of the selected database, or nil.
// Every shard must be locked.
func (tx *Tx) RandomKey() []byte {
	total := tx.DBSize(tx.db)
	// A bounded number of tries: expired keys found on the way are deleted,
	// as Redis does, and a keyspace full of them cannot loop forever.
	for tries := 0; total > 0 && tries < 100; tries++ {
		rnd := tx.st.shards[0].rnd
		n := rnd.IntN(total)
		for _, i := range tx.held {
			ks := &tx.st.shards[i].dbs[tx.db]
			if n >= ks.len() {
				n -= ks.len()
				continue
			}
			h, ok := ks.randomHandle(rnd)
			if !ok {
				break
			}
			key := ks.key(h)
			if _, live := tx.find(tx.db, key); live {
				return key
			}
			total = tx.DBSize(tx.db)
			break
		}
	}
	return nil
}

// FlushDB deletes every key of database db. Every shard must be locked.
func (tx *Tx) FlushDB(db int) {
	for _, i := range tx.held {
		tx.st.shards[i].dbs[db].reset()
	}
	tx.Dirty++
}

// SwapDB exchanges databases a and b. Every shard must be locked.
func (tx *Tx) SwapDB(a, b int) {
	for _, i := range tx.held {
		dbs := tx.st.shards[i].dbs
		dbs[a], dbs[b] = dbs[b], dbs[a]
	}
}

// ScanCursor splits a SCAN cursor into shard and handle position.
func (s *Store) scanCursor(c uint64) (shard int, pos uint32) {
	bits := uint(0)
	for 1<<bits < len(s.shards) {
		bits++
	}
	return int(c & s.mask), uint32(c >> bits)
}

func (s *Store) makeCursor(shard int, pos uint32) uint64 {
	bits := uint(0)
	for 1<<bits < len(s.shards) {
		bits++
	}
	return uint64(pos)<<bits | uint64(shard)
}

// Scan visits about count keys of the selected database from cursor and
// returns the cursor to continue from (0 when done). Every key present for a
// whole iteration is visited at least once. When the Tx holds no shards,
// Scan locks one shard at a time itself; otherwise it needs every shard.
func (tx *Tx) Scan(cursor uint64, count int, visit func(key []byte, typ Type)) uint64 {
	if count < 1 {
		count = 1
	}
	self := len(tx.held) == 0
	si, pos := tx.st.scanCursor(cursor)
	// Visit at most a bounded number of shards per call so that a sparse
	// keyspace still returns promptly.
	for shardsSeen := 0; count > 0 && shardsSeen < 64; shardsSeen++ {
		if self {
			tx.AddShard(si)
			tx.Lock()
		}
		ks := &tx.st.shards[si].dbs[tx.db]
		pos = ks.scan(pos, count, func(h uint32) {
			m := &ks.metas[h]
			if m.expire != 0 && m.expire <= tx.now {
				return
			}
			count--
			visit(ks.key(h), m.typ)
		})
		if self {
			tx.Unlock()
		}
		if pos != 0 {
			return tx.st.makeCursor(si, pos)
		}
		si++
		if si == len(tx.st.shards) {
			return 0
		}
	}
	return tx.st.makeCursor(si, 0)
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
	r, ok := tx.find(tx.db, key)
	if ok {
		if r.meta().typ != typ {
			return nil, false, ErrWrongType
		}
		return r.ks.obj(r.h).(collection), false, nil
	}
	if mk == nil {
		return nil, false, nil
	}
	obj = mk()
	ks, hash := tx.keyspace(tx.db, key)
	h := ks.create(key, hash, typ)
	ks.setObj(h, typ, obj)
	return obj, true, nil
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
