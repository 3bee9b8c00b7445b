package store

import (
	"errors"
	"math"
)

// Export and import of whole values, for persistence (RDB files, DUMP and
// RESTORE). The store knows nothing of the file format: it hands out
// read-only views of values and builds values from their elements with the
// encoding Redis would pick when loading them.

// ValueView is a read-only view of one value. It aliases store memory and is
// valid only while the key's shard stays locked (or, for a snapshot's copy,
// during the call it is passed to).
type ValueView struct {
	typ Type
	str []byte
	obj collection
}

// Type is the value's type.
func (v *ValueView) Type() Type { return v.typ }

// Str is a string value's bytes.
func (v *ValueView) Str() []byte { return v.str }

// Len is the number of elements (1 for a string).
func (v *ValueView) Len() int {
	if v.typ == TypeString {
		return 1
	}
	return v.obj.Len()
}

// Encoding is what OBJECT ENCODING reports for the value.
func (v *ValueView) Encoding() Encoding {
	if v.obj == nil {
		return StringEncoding(v.str)
	}
	return v.obj.Encoding()
}

// Members calls fn for every member of a set (in iteration order) or every
// element of a list (head to tail). The slice is valid only during the call.
func (v *ValueView) Members(fn func(m []byte)) {
	var buf [20]byte
	switch o := v.obj.(type) {
	case *Set:
		for i := range o.Len() {
			fn(o.At(i, buf[:]))
		}
	default:
		eachListElement(v.obj, fn)
	}
}

// Pairs calls fn for every field and value of a hash, in order.
func (v *ValueView) Pairs(fn func(field, value []byte)) {
	if h, ok := v.obj.(*Hash); ok {
		h.ForEach(func(f, val []byte) bool { fn(f, val); return true })
	}
}

// Scored calls fn for every member of a sorted set, by ascending score.
func (v *ValueView) Scored(fn func(member []byte, score float64)) {
	if z, ok := v.obj.(*ZSet); ok {
		z.each(func(m []byte, s float64) bool { fn(m, s); return true })
	}
}

// eachListElement is the list branch of Members: head to tail.
func eachListElement(obj collection, fn func(e []byte)) {
	if l, ok := obj.(*List); ok {
		l.ForEach(fn)
	}
}

// NewListValue builds a list from its elements, head first. Redis 7.0
// loads every list as a quicklist with list-max-listpack-size nodes.
func (s *Store) NewListValue(elems [][]byte) (Value, error) {
	if len(elems) == 0 {
		return Value{}, ErrEmpty
	}
	l := NewList(int(s.limits.ListMaxListpackSize.Load()))
	for _, e := range elems {
		l.PushTail(e)
	}
	return Value{typ: TypeList, obj: l}, nil
}

// viewOf returns the view of handle h.
func (ks *keyspace) viewOf(h uint32) ValueView {
	m := &ks.metas[h]
	if m.typ == TypeString {
		return ValueView{typ: TypeString, str: ks.stringValue(h)}
	}
	return ValueView{typ: m.typ, obj: ks.obj(h).(collection)}
}

// Export returns a view of key's value in the selected database and its
// expiry (unix ms, 0 for none), for DUMP.
func (tx *Tx) Export(key []byte) (v ValueView, expire int64, ok bool) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return ValueView{}, 0, false
	}
	return r.ks.viewOf(r.h), r.meta().expire, true
}

// Value is a value built from its elements, not yet stored under a key.
type Value struct {
	typ Type
	str []byte
	obj collection
}

// Type is the value's type.
func (v *Value) Type() Type { return v.typ }

// View returns a read-only view of the value.
func (v *Value) View() ValueView { return ValueView{typ: v.typ, str: v.str, obj: v.obj} }

// ErrDuplicate reports a collection whose elements repeat (a corrupt
// payload: Redis refuses it).
var ErrDuplicate = errors.New("duplicate element")

// ErrEmpty reports a collection without elements.
var ErrEmpty = errors.New("empty collection")

// NewStringValue builds a string value. The value keeps b.
func NewStringValue(b []byte) Value { return Value{typ: TypeString, str: b} }

// NewSetValue builds a set from its members with the encoding Redis gives it
// when loading: an intset while every member is an integer and they are no
// more than set-max-intset-entries, else a hashtable.
func (s *Store) NewSetValue(members [][]byte) (Value, error) {
	if len(members) == 0 {
		return Value{}, ErrEmpty
	}
	maxInts := int(min(s.limits.SetMaxIntsetEntries.Load(), 1<<30))
	var set *Set
	if len(members) > maxInts {
		set = set.convert(len(members))
	}
	for _, m := range members {
		var added bool
		if set, added = set.add(m, maxInts); !added {
			return Value{}, ErrDuplicate
		}
	}
	return Value{typ: TypeSet, obj: set}, nil
}

// NewHashValue builds a hash from field/value pairs with the encoding Redis
// gives it when loading. packed says the file held it as a listpack or
// ziplist: then only the number of pairs can make it a hashtable; otherwise
// a field or value longer than hash-max-listpack-value does too.
func (s *Store) NewHashValue(pairs [][2][]byte, packed bool) (Value, error) {
	if len(pairs) == 0 {
		return Value{}, ErrEmpty
	}
	lim := hashLimits{s.limits.HashMaxListpackEntries.Load(), s.limits.HashMaxListpackValue.Load()}
	if packed {
		lim.value = math.MaxInt64
	}
	var w hashW
	if int64(len(pairs)) > lim.entries {
		size := 0
		for _, p := range pairs {
			size += len(p[0]) + len(p[1])
		}
		w.t = newStrTable(len(pairs), size)
	} else {
		size := 0
		for _, p := range pairs {
			size += lpEncSize(len(p[0])) + lpEncSize(len(p[1]))
		}
		if size < lpMaxSafe {
			w.lpGrow(size)
		}
	}
	for _, p := range pairs {
		if !w.set(p[0], p[1], lim) {
			return Value{}, ErrDuplicate
		}
	}
	h := w.pack()
	return Value{typ: TypeHash, obj: h}, nil
}

// NewZSetValue builds a sorted set with the encoding Redis gives it when
// loading. packed says the file held it as a listpack or ziplist: then only
// the number of members can make it a skiplist; otherwise a member longer
// than zset-max-listpack-value does too. A NaN score is refused.
func (s *Store) NewZSetValue(members [][]byte, scores []float64, packed bool) (Value, error) {
	if len(members) == 0 || len(members) != len(scores) {
		return Value{}, ErrEmpty
	}
	maxEntries := int(s.limits.ZSetMaxListpackEntries.Load())
	maxValue := int(s.limits.ZSetMaxListpackValue.Load())
	if packed {
		maxValue = math.MaxInt
	}
	z := &ZSet{}
	total := 0
	for _, m := range members {
		total += len(m)
	}
	if len(members) > maxEntries || total >= lpMaxSafe {
		z.sl = newSkiplist(len(members))
	}
	for i, m := range members {
		if math.IsNaN(scores[i]) {
			return Value{}, ErrNotFloat
		}
		if r, _ := z.add(scores[i], m, ZAddNX, maxEntries, maxValue); r != zaddAdded {
			return Value{}, ErrDuplicate
		}
	}
	return Value{typ: TypeZSet, obj: z}, nil
}

// install stores v under key in ks (absent there), with its expiry.
func (ks *keyspace) install(key []byte, hash uint32, v *Value, expire int64) uint32 {
	h := ks.create(key, hash, v.typ)
	if v.typ == TypeString {
		ks.setString(h, v.str, StringEncoding(v.str))
	} else {
		ks.setObj(h, v.typ, v.obj)
	}
	if expire != 0 {
		ks.setExpire(h, expire)
	}
	return h
}

// Restore stores v under key in the selected database with expiry expire
// (unix ms, 0 for none), replacing what is there when replace is set. It
// reports false, changing nothing, when the key exists and replace is not
// set. v must not be used again.
func (tx *Tx) Restore(key []byte, v Value, expire int64, replace bool) bool {
	if old, ok := tx.find(tx.db, key); ok {
		if !replace {
			return false
		}
		tx.delete(old)
	}
	ks, hash := tx.keyspace(tx.db, key)
	ks.install(key, hash, &v, expire)
	tx.Dirty++
	return true
}

// SetAccess sets key's access field (the LRU clock for an idle time given
// in milliseconds, or the LFU counter when lfu is set), as RESTORE's
// IDLETIME and FREQ and a file's IDLE and FREQ fields do.
func (tx *Tx) SetAccess(key []byte, idleMs int64, freq int, lfu bool) {
	// Setting the access field is no access: an LFU counter left as it
	// is (IDLETIME under an LFU policy) stays as for a new key.
	saved := tx.noTouch
	tx.noTouch = true
	r, ok := tx.find(tx.db, key)
	tx.noTouch = saved
	if !ok {
		return
	}
	LoadAccess{IdleMs: idleMs, Freq: freq, LFU: lfu}.apply(r.meta(), tx.clock)
}

// LoadAccess is a loaded key's access information: an idle time (LRU
// policies) or an LFU counter, each negative when the file has none.
type LoadAccess struct {
	IdleMs int64
	Freq   int
	LFU    bool // the eviction policy is LFU: Freq applies, IdleMs does not
}

// NoAccess is a LoadAccess that leaves the access field as for a new key.
var NoAccess = LoadAccess{IdleMs: -1, Freq: -1}

// apply sets m's access field as Redis's objectSetLRUOrLFU.
func (a LoadAccess) apply(m *meta, nowMs int64) {
	if a.LFU {
		if a.Freq >= 0 {
			// The counter's decrement time is now, as objectSetLRUOrLFU.
			m.lru = lfuMinutes(nowMs)<<8 | uint32(a.Freq)&0xFF
		}
		return
	}
	if a.IdleMs >= 0 {
		ticks := uint32(min(a.IdleMs/lruClockRes, lruClockMax))
		now := lruClock(nowMs)
		if ticks <= now {
			m.lru = now - ticks
		} else {
			m.lru = lruClockMax - (ticks - now)
		}
	}
}

// IdleMsOf is how long ago (ms) an access clock value was taken, at time
// nowMs (for saving IDLE fields).
func IdleMsOf(access uint32, nowMs int64) int64 { return idleMs(lruClock(nowMs), access) }

// LoadKey adds key with value v and expiry to database db, for loading a
// file into a store nobody else uses yet. It locks the key's shard itself.
// A key already present is left alone and reported (Redis refuses a file
// with duplicate keys).
func (s *Store) LoadKey(db int, key []byte, v Value, expire int64, acc LoadAccess) (added bool) {
	hash := s.hash(key)
	sh := &s.shards[(hash>>32)&s.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ks := &sh.dbs[db]
	if _, _, ok := ks.lookup(key, uint32(hash)); ok {
		return false
	}
	now := s.now()
	ks.clock = lruClock(now)
	h := ks.install(key, uint32(hash), &v, expire)
	acc.apply(&ks.metas[h], now)
	return true
}

// Entry is one key of a dump: its database, key, value, expiry (unix ms, 0
// for none) and access field. Key and Value alias store memory.
type Entry struct {
	DB     int
	Key    []byte
	Value  ValueView
	Expire int64
	Access uint32 // access clock or LFU counter, see Object
}

// EachEntry calls fn for every key of database db, expired ones included,
// as Redis's SAVE writes them. Every shard must be locked.
func (tx *Tx) EachEntry(db int, fn func(e *Entry)) {
	var e Entry
	for _, i := range tx.held {
		ks := &tx.st.shards[i].dbs[db]
		for h := range ks.metas {
			m := &ks.metas[h]
			if m.typ == TypeNone {
				continue
			}
			e = Entry{DB: db, Key: ks.key(uint32(h)), Value: ks.viewOf(uint32(h)), Expire: m.expire, Access: m.lru}
			fn(&e)
		}
	}
}

// CountKeys returns the number of keys and of keys with an expiry in
// database db. Every shard must be locked.
func (tx *Tx) CountKeys(db int) (keys, expires int) {
	for _, i := range tx.held {
		ks := &tx.st.shards[i].dbs[db]
		keys += ks.len()
		expires += len(ks.volatile)
	}
	return keys, expires
}

// LoadKeyLocked is LoadKey for a Tx that holds every shard (DEBUG RELOAD);
// with replace a key already present is replaced.
func (tx *Tx) LoadKeyLocked(db int, key []byte, v Value, expire int64, acc LoadAccess, replace bool) bool {
	ks, hash := tx.keyspace(db, key)
	if h, pos, ok := ks.lookup(key, hash); ok {
		if !replace {
			return false
		}
		ks.remove(h, pos)
	}
	h := ks.install(key, hash, &v, expire)
	acc.apply(&ks.metas[h], tx.clock)
	return true
}

// ExportRaw is Export without expiring the key: a key past its time is
// still returned (DEBUG DIGEST-VALUE looks at the dictionary directly).
func (tx *Tx) ExportRaw(key []byte) (v ValueView, expire int64, ok bool) {
	ks, hash := tx.keyspace(tx.db, key)
	h, _, ok := ks.lookup(key, hash)
	if !ok {
		return ValueView{}, 0, false
	}
	return ks.viewOf(h), ks.metas[h].expire, true
}

// ListNodes is a list's number of quicklist nodes and their total size in
// bytes (DEBUG OBJECT); zeros for other types.
func (v *ValueView) ListNodes() (nodes, bytes int) {
	if l, ok := v.obj.(*List); ok {
		return l.Nodes(), l.DataBytes()
	}
	return 0, 0
}
