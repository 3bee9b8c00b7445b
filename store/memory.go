package store

import (
	"fmt"
	"slices"
	"sync/atomic"
	"unsafe"
)

// Memory accounting. The store keeps running totals of the bytes its data
// holds, per shard and overall, so that INFO's used_memory and the maxmemory
// check cost one atomic load instead of a walk or a forced collection.
//
// used_memory is what the keys cost, each key what it adds to the Go heap
// and what deleting it gives back for the next key:
//
//   - overhead: per key its meta, its objs slot and recorded size when the
//     value is out of line, its place in the volatile list, its recency list
//     entry under an LRU policy (lruEntryBytes), and the hash index as a
//     whole (by its size, as Redis counts its dict tables);
//   - dataset: the key and small-value bytes in the arena and every
//     out-of-line value (large strings, collections) by the size of its
//     allocations.
//
// A second total, retained, is what the heap holds for the store: every
// structure by its capacity, so it also counts the slots and arena bytes
// deleted keys left for new ones to reuse, and room to grow. Like an
// allocator's fragmentation that is not used_memory (evicting a key frees
// its share at once for the next key); the server sizes the Go runtime's
// memory limit from it.
//
// Sizes are rounded to the Go allocator's size classes (allocSize). Nothing
// is recomputed by walking: a keyspace's figures are counts and capacities,
// and each out-of-line value's size is measured in O(1) when it may have
// changed (measureObj) and remembered in objMem, so removing a key
// subtracts exactly what was added for it.
//
// A command's changes are settled when its Tx unlocks: every keyspace the
// Tx looked into is re-measured (O(1)) and the differences go to the shard's
// and the store's totals; collections handed out for writing are re-measured
// first.

// ksAcct is what the totals currently count for one keyspace.
type ksAcct struct {
	shard    uint16 // the shard holding the keyspace (fixed)
	listed   bool   // in the settle list of the Tx holding the shard
	overhead int64
	dataset  int64
	retained int64
	keys     int64
	vols     int64
}

// txAcct collects what a Tx may have changed, for settle.
type txAcct struct {
	listed  []*keyspace
	resized []resizedObj
}

// resizedObj is a collection handed out for writing: obj at objs[i] of ks.
type resizedObj struct {
	ks  *keyspace
	i   uint32
	obj any
}

// memTotals are the store-wide running totals.
type memTotals struct {
	used     atomic.Int64 // overhead + dataset
	overhead atomic.Int64
	retained atomic.Int64
	keys     atomic.Int64 // keys in every database
	vols     atomic.Int64 // keys with an expiry
}

// UsedMemory is the running total of bytes the dataset holds.
func (s *Store) UsedMemory() int64 { return s.mem.used.Load() }

// OverheadMemory is the part of UsedMemory spent on structures rather than
// keys and values.
func (s *Store) OverheadMemory() int64 { return s.mem.overhead.Load() }

// RetainedMemory is what the heap holds for the store: UsedMemory plus
// what deleted keys left for new ones and room to grow.
func (s *Store) RetainedMemory() int64 { return s.mem.retained.Load() }

// KeyCount is the number of keys in every database, expired ones not yet
// removed included.
func (s *Store) KeyCount() int64 { return s.mem.keys.Load() }

// track lists ks for settling when the Tx unlocks.
func (tx *Tx) track(ks *keyspace) {
	if !ks.acct.listed {
		ks.acct.listed = true
		tx.acct.listed = append(tx.acct.listed, ks)
	}
}

// willResize notes that the collection of r is about to be changed in
// place: it is measured again when the Tx settles.
func (tx *Tx) willResize(r ref) {
	m := r.meta()
	if m.inline {
		return
	}
	a := &tx.acct
	if n := len(a.resized); n > 0 && a.resized[n-1].ks == r.ks && a.resized[n-1].i == m.val {
		return
	}
	a.resized = append(a.resized, resizedObj{r.ks, m.val, r.ks.objs[m.val]})
}

// settle brings the memory totals up to date with what changed under the Tx.
func (tx *Tx) settle() {
	a := &tx.acct
	for i, r := range a.resized {
		// The key may have been deleted, or its slot reused, meanwhile.
		if int(r.i) < len(r.ks.objs) && r.ks.objs[r.i] == r.obj {
			r.ks.measureObj(r.i)
		}
		a.resized[i] = resizedObj{} // let the collector have what it held
	}
	a.resized = a.resized[:0]
	var d acctDelta
	changed := false
	for i, ks := range a.listed {
		ks.acct.listed = false
		if tx.st.settleKeyspace(ks, &d) {
			changed = true
		}
		a.listed[i] = nil
	}
	a.listed = a.listed[:0]
	if changed { // most writes overwrite a value in place: nothing to add
		tx.st.applyDelta(d)
	}
}

type acctDelta struct{ used, overhead, retained, keys, vols int64 }

// settleKeyspace measures ks, updates its shard's totals and adds the
// change for the store's to d, reporting whether there was one. The shard
// must be locked.
func (s *Store) settleKeyspace(ks *keyspace, d *acctDelta) bool {
	o, ds, r := ks.overheadBytes(), ks.datasetBytes(), ks.retainedBytes()
	k, v := int64(ks.idx.n), int64(len(ks.volatile))
	a := &ks.acct
	if o == a.overhead && ds == a.dataset && r == a.retained && k == a.keys && v == a.vols {
		return false // most writes: a value overwritten in place
	}
	used, keys, vols := o+ds-a.overhead-a.dataset, k-a.keys, v-a.vols
	d.used += used
	d.overhead += o - a.overhead
	d.retained += r - a.retained
	d.keys += keys
	d.vols += vols
	a.overhead, a.dataset, a.retained, a.keys, a.vols = o, ds, r, k, v
	sh := &s.shards[a.shard]
	if used != 0 {
		sh.used.Add(used)
	}
	if keys != 0 {
		sh.keys.Add(keys)
	}
	if vols != 0 {
		sh.vols.Add(vols)
	}
	return true
}

func (s *Store) applyDelta(d acctDelta) {
	if d.used != 0 {
		s.mem.used.Add(d.used)
	}
	if d.overhead != 0 {
		s.mem.overhead.Add(d.overhead)
	}
	if d.retained != 0 {
		s.mem.retained.Add(d.retained)
	}
	if d.keys != 0 {
		s.mem.keys.Add(d.keys)
	}
	if d.vols != 0 {
		s.mem.vols.Add(d.vols)
	}
}

// Per-key structure sizes.
const (
	metaBytes = int(unsafe.Sizeof(meta{}))
	// lruEntryBytes is what one key costs in a golang-lru list: its 64-byte
	// list element plus its share of the map from handle to element
	// (16-byte slots in groups of 8 with a control word, tables between 7/16
	// and 7/8 full). Measured by TestLRUEntryBytes.
	lruEntryBytes = 96
	lruFixedBytes = 192 // the LRU, its list and an empty map
)

// indexBytesPerKey is a key's share of its keyspace's index as MEMORY
// USAGE reports it: an 8-byte slot in a table kept between 3/8 and 3/4
// full, taken at half. The shard's actual share (its table over its keys)
// would make the figure depend on how many other keys hash to the same
// shard, which changes from run to run with the hash seed.
const indexBytesPerKey = 16

// holeListBytes is an estimate of one hole size's map slot and slice.
const holeListBytes = 64

// objSlotBytes is an out-of-line value's objs and objMem entries.
const objSlotBytes = 16 + 8

// overheadBytes is what ks's keys cost in structures.
func (ks *keyspace) overheadBytes() int64 {
	n := int64(ks.idx.n)*int64(metaBytes) + ks.idx.memBytes() +
		int64(len(ks.objs)-len(ks.freeObjs))*objSlotBytes + int64(len(ks.volatile))*4
	if ks.lru != nil {
		n += ks.lru.bytes()
	}
	return n
}

// datasetBytes is what ks's keys and values hold.
func (ks *keyspace) datasetBytes() int64 {
	return int64(len(ks.arena)-ks.dead) + ks.objBytes
}

// retainedBytes is what the heap holds for ks: every structure by its
// capacity.
func (ks *keyspace) retainedBytes() int64 {
	n := allocSize(cap(ks.metas)*metaBytes) + ks.idx.memBytes() +
		allocSize(cap(ks.free)*4) + allocSize(cap(ks.objs)*16) + allocSize(cap(ks.objMem)*8) +
		allocSize(cap(ks.freeObjs)*4) + allocSize(cap(ks.volatile)*4) + allocSize(cap(ks.arena)) + ks.objBytes +
		int64(ks.nholes)*4 + int64(len(ks.holes))*holeListBytes
	if ks.lru != nil {
		n += ks.lru.bytes()
	}
	return n
}

// measureObj records the current size of objs[i].
func (ks *keyspace) measureObj(i uint32) {
	n := valueMemory(ks.objs[i])
	ks.objBytes += n - ks.objMem[i]
	ks.objMem[i] = n
}

// memSizer is implemented by value types that know their size.
type memSizer interface {
	memBytes() int64
}

// valueMemory is the size of an out-of-line value's allocations.
func valueMemory(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case memSizer:
		return x.memBytes()
	}
	return 0
}

func (h *Hash) memBytes() int64 {
	if t := h.table(); t != nil {
		return allocSize(int(unsafe.Sizeof(*t))) + t.idx.memBytes() + allocSize(cap(t.ents)*int(unsafe.Sizeof(strEnt{}))) +
			allocSize(cap(t.free)*4) + allocSize(cap(t.arena))
	}
	return allocSize(cap(h.buf()))
}

func (s *Set) memBytes() int64 {
	if t := s.table(); t != nil {
		return allocSize(int(unsafe.Sizeof(*t))) + t.idx.memBytes() + allocSize(cap(t.ents)*8) + allocSize(cap(t.arena)) +
			allocSize(cap(t.big)*24) + allocSize(cap(t.bigFree)*4) + int64(t.bigBytes)
	}
	return allocSize(cap(s.intset()))
}

func (z *ZSet) memBytes() int64 {
	n := allocSize(int(unsafe.Sizeof(*z)))
	if sl := z.sl; sl != nil {
		n += allocSize(int(unsafe.Sizeof(*sl))) + allocSize(cap(sl.nodes)*int(unsafe.Sizeof(zslNode{}))) +
			allocSize(cap(sl.lv)*int(unsafe.Sizeof(zslLevel{}))) + allocSize(cap(sl.arena)) + sl.idx.memBytes()
		for i := range sl.free {
			n += allocSize(cap(sl.free[i]) * 4)
		}
		return n
	}
	return n + allocSize(cap(z.lp))
}

func (ix *index) memBytes() int64 { return allocSize(len(ix.slots) * 8) }

// Go's allocator size classes (internal/runtime/gc.SizeClassToSize): an
// allocation of n bytes takes the smallest class that fits, and above
// 32 KB whole 8 KB pages.
var goSizeClasses = [...]uint16{0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

const (
	maxSmallAlloc = 32768
	allocPage     = 8192
)

// classOf8 maps (n+7)/8 to the class size for n <= 1024; classOf128 maps
// (n-1024+127)/128 for larger small sizes.
var classOf8, classOf128 = func() (a [1024/8 + 1]uint16, b [(maxSmallAlloc-1024)/128 + 1]uint16) {
	c := 0
	for i := range a {
		for int(goSizeClasses[c]) < i*8 {
			c++
		}
		a[i] = goSizeClasses[c]
	}
	for i := range b {
		for int(goSizeClasses[c]) < 1024+i*128 {
			c++
		}
		b[i] = goSizeClasses[c]
	}
	return a, b
}()

// allocSize is the heap an allocation of n bytes takes.
func allocSize(n int) int64 {
	switch {
	case n <= 0:
		return 0
	case n <= 1024:
		return int64(classOf8[(n+7)>>3])
	case n <= maxSmallAlloc:
		return int64(classOf128[(n-1024+127)>>7])
	}
	return int64((n + allocPage - 1) &^ (allocPage - 1))
}

// auditMemory recounts every total from scratch, walking every key, and
// reports the first disagreement with the running totals (nil when none).
// It locks each shard in turn; run it while nothing else uses the store.
func (s *Store) auditMemory() error {
	var total, over, ret, keys, vols int64
	for si := range s.shards {
		sh := &s.shards[si]
		sh.mu.Lock()
		err := s.auditShard(si, &total, &over, &ret, &keys, &vols)
		sh.mu.Unlock()
		if err != nil {
			return err
		}
	}
	if total != s.mem.used.Load() || over != s.mem.overhead.Load() || ret != s.mem.retained.Load() || keys != s.mem.keys.Load() || vols != s.mem.vols.Load() {
		return fmt.Errorf("store totals %d/%d/%d/%d/%d, shards sum to %d/%d/%d/%d/%d", s.mem.used.Load(), s.mem.overhead.Load(), s.mem.retained.Load(),
			s.mem.keys.Load(), s.mem.vols.Load(), total, over, ret, keys, vols)
	}
	return nil
}

func (s *Store) auditShard(si int, total, over, ret, keys, vols *int64) error {
	sh := &s.shards[si]
	var shUsed, shKeys, shVols int64
	for db := range sh.dbs {
		ks := &sh.dbs[db]
		var live, objs int64
		for h := range ks.metas {
			m := &ks.metas[h]
			if m.typ == TypeNone {
				continue
			}
			live += int64(m.klen)
			if m.inline {
				live += int64(m.val)
			} else {
				objs += valueMemory(ks.objs[m.val])
			}
		}
		var recorded int64
		for i := range ks.objs {
			if got := valueMemory(ks.objs[i]); got != ks.objMem[i] {
				return fmt.Errorf("shard %d db %d: object %d (%T) measures %d, recorded %d", si, db, i, ks.objs[i], got, ks.objMem[i])
			}
			recorded += ks.objMem[i]
		}
		switch {
		case live != int64(len(ks.arena)-ks.dead):
			return fmt.Errorf("shard %d db %d: live arena bytes %d, counted %d", si, db, live, len(ks.arena)-ks.dead)
		case recorded != ks.objBytes || objs != ks.objBytes:
			return fmt.Errorf("shard %d db %d: objects %d (recorded %d), counted %d", si, db, objs, recorded, ks.objBytes)
		case ks.acct.overhead != ks.overheadBytes() || ks.acct.dataset != live+objs || ks.acct.retained != ks.retainedBytes():
			return fmt.Errorf("shard %d db %d: counted %d+%d (%d retained), recount %d+%d (%d)", si, db,
				ks.acct.overhead, ks.acct.dataset, ks.acct.retained, ks.overheadBytes(), live+objs, ks.retainedBytes())
		case ks.acct.keys != int64(ks.idx.n) || ks.acct.vols != int64(len(ks.volatile)):
			return fmt.Errorf("shard %d db %d: counted %d keys %d volatile, have %d %d", si, db, ks.acct.keys, ks.acct.vols, ks.idx.n, len(ks.volatile))
		case ks.acct.listed:
			return fmt.Errorf("shard %d db %d: left in a settle list", si, db)
		}
		if err := ks.auditHoles(); err != nil {
			return fmt.Errorf("shard %d db %d: %v", si, db, err)
		}
		if ks.lru != nil {
			want := ks.idx.n
			if ks.lru.volatile {
				want = len(ks.volatile)
			}
			if ks.lru.l.Len() != want+ks.lru.spare {
				return fmt.Errorf("shard %d db %d: recency list holds %d keys and %d spare entries, want %d keys", si, db, ks.lru.l.Len(), ks.lru.spare, want)
			}
			spare := 0
			for _, h := range ks.lru.l.Keys() {
				switch {
				case ks.metas[h].typ == TypeNone:
					spare++
				case ks.lru.volatile && ks.metas[h].expire == 0:
					return fmt.Errorf("shard %d db %d: volatile recency list holds key %d without expiry", si, db, h)
				}
			}
			if spare != ks.lru.spare || spare > lruSpareMax {
				return fmt.Errorf("shard %d db %d: %d spare recency entries, counted %d", si, db, spare, ks.lru.spare)
			}
		}
		shUsed += ks.acct.overhead + ks.acct.dataset
		*over += ks.acct.overhead
		*ret += ks.acct.retained
		shKeys += ks.acct.keys
		shVols += ks.acct.vols
	}
	if shUsed != sh.used.Load() || shKeys != sh.keys.Load() || shVols != sh.vols.Load() {
		return fmt.Errorf("shard %d: totals %d/%d/%d, keyspaces sum to %d/%d/%d", si, sh.used.Load(), sh.keys.Load(), sh.vols.Load(), shUsed, shKeys, shVols)
	}
	*total += shUsed
	*keys += shKeys
	*vols += shVols
	return nil
}

// KeyMemory is what key costs, as MEMORY USAGE reports it: key and value
// bytes, the value's allocations, the key's meta, its share of the index,
// its objs slot, expiry and recency tracking. Like Redis's it neither
// touches the key nor checks its expiry. ok is false when key is absent.
func (tx *Tx) KeyMemory(key []byte) (n int64, ok bool) {
	ks, hash := tx.keyspace(tx.db, key)
	h, _, ok := ks.lookup(key, hash)
	if !ok {
		return 0, false
	}
	m := &ks.metas[h]
	n = int64(m.klen) + int64(metaBytes) + indexBytesPerKey
	if m.inline {
		n += int64(m.val)
	} else {
		n += objSlotBytes + ks.objMem[m.val]
	}
	if m.expire != 0 {
		n += 4
	}
	if ks.lru != nil && (!ks.lru.volatile || m.expire != 0) {
		n += lruEntryBytes
	}
	return n, true
}

// DBMemory describes one database for MEMORY STATS.
type DBMemory struct {
	Keys     int64
	Main     int64 // structures of the key space: metas, index, slots, recency lists
	Expires  int64 // expiry tracking
	Overhead int64 // Main + Expires
}

// DBMemory sums database db's figures over the shards, locking one at a
// time.
func (s *Store) DBMemory(db int) DBMemory {
	var d DBMemory
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		ks := &sh.dbs[db]
		exp := int64(len(ks.volatile)) * 4
		d.Keys += int64(ks.idx.n)
		d.Expires += exp
		d.Main += ks.acct.overhead - exp
		sh.mu.Unlock()
	}
	d.Overhead = d.Main + d.Expires
	return d
}

// LRUTrackingBytes is what the recency lists of an LRU policy hold now
// (0 under any other policy).
func (s *Store) LRUTrackingBytes() int64 {
	var n int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for db := range sh.dbs {
			if l := sh.dbs[db].lru; l != nil {
				n += l.bytes()
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// memBytes estimates a list's allocations from its entry bytes and node
// count: node buffers grow by appending, so they hold about a third more
// than their entries on average (measured by TestMemory_MatchesHeap's list
// keys); tracking every buffer's capacity exactly would cost a walk or a
// hook at each of the many places a node is rebuilt.
func (l *List) memBytes() int64 {
	const nodeSlack = 3 // entry bytes / slack
	n := allocSize(int(unsafe.Sizeof(*l))) + allocSize(cap(l.ring)*8)
	if l.nn > 0 {
		per := l.bytes / l.nn
		n += int64(l.nn) * (allocSize(int(unsafe.Sizeof(listNode{}))) + allocSize(per+per/nodeSlack))
	}
	return n
}

// growSlack makes room for one more element in a slice that never shrinks
// (metas, objs: handles and slots are reused, not released), growing it by
// a quarter rather than append's doubling of small slices, so that a
// keyspace holds little more than its largest size.
func growSlack[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	return slices.Grow(s, 8+len(s)/4)
}

// auditHoles checks that every recorded hole lies in the arena, overlaps no
// live entry and no other hole, and that holes are counted as dead.
func (ks *keyspace) auditHoles() error {
	used := make([]bool, len(ks.arena))
	for h := range ks.metas {
		m := &ks.metas[h]
		if m.typ == TypeNone {
			continue
		}
		for i := m.off; i < m.off+m.arenaLen(); i++ {
			used[i] = true
		}
	}
	total := 0
	for size, offs := range ks.holes {
		for _, off := range offs {
			if int(off)+int(size) > len(ks.arena) {
				return fmt.Errorf("hole %d+%d past the arena's %d bytes", off, size, len(ks.arena))
			}
			for i := off; i < off+size; i++ {
				if used[i] {
					return fmt.Errorf("hole %d+%d overlaps a live entry or another hole at %d", off, size, i)
				}
				used[i] = true
			}
			total += int(size)
		}
	}
	if total > ks.dead {
		return fmt.Errorf("holes hold %d bytes, dead counts %d", total, ks.dead)
	}
	return nil
}
