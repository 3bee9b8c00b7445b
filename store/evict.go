package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Eviction, after Redis's evict.c: when used memory is over maxmemory the
// server asks for keys to be evicted, one at a time, by the configured
// policy. The work is per shard: a shard is chosen without locking anything
// (from the shards' running totals), then only that shard is locked while
// its victim is chosen and removed.
//
//   - LRU policies keep an exact recency order per keyspace in a
//     golang-lru simplelru.LRU keyed by the key's handle, holding no value.
//     allkeys-lru tracks every key, volatile-lru only keys with an expiry.
//     The lists exist only while an LRU policy is selected: switching
//     policy builds or drops them. Of the keyspaces of the chosen shard,
//     the one whose least recently used key has been idle longest gives
//     the victim; the shard itself is the fuller of a few picked at random,
//     which keeps shards balanced, so per-shard LRU approximates a global
//     one closely.
//   - LFU policies and volatile-ttl sample maxmemory-samples keys per
//     keyspace into a pool of the 16 best candidates kept per shard (Redis's
//     eviction pool), scored by 255 minus the decayed LFU counter or by
//     nearness of expiry.
//   - Random policies pick a key uniformly: a shard with probability
//     proportional to its eligible keys, then a key within it.
//
// LFU data lives in the access field of each key, as Redis's 24-bit lru
// field: 16 bits of last decrement time in minutes, 8 bits of logarithmic
// counter (LFULogIncr, LFUDecrAndReturn).

// Policy is a maxmemory-policy.
type Policy uint8

// Eviction policies.
const (
	NoEviction Policy = iota
	AllKeysLRU
	VolatileLRU
	AllKeysLFU
	VolatileLFU
	AllKeysRandom
	VolatileRandom
	VolatileTTL
)

var policyNames = [...]string{"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"}

func (p Policy) String() string { return policyNames[p] }

// ParsePolicy maps a maxmemory-policy name to its Policy.
func ParsePolicy(name string) (Policy, bool) {
	for i, n := range policyNames {
		if equalFold([]byte(name), n) {
			return Policy(i), true
		}
	}
	return NoEviction, false
}

// LRU reports an LRU policy (Redis's MAXMEMORY_FLAG_LRU).
func (p Policy) LRU() bool { return p == AllKeysLRU || p == VolatileLRU }

// LFU reports an LFU policy (MAXMEMORY_FLAG_LFU).
func (p Policy) LFU() bool { return p == AllKeysLFU || p == VolatileLFU }

// volatileOnly reports a policy that evicts only keys with an expiry.
func (p Policy) volatileOnly() bool {
	return p == VolatileLRU || p == VolatileLFU || p == VolatileRandom || p == VolatileTTL
}

// Which keys the keyspaces' recency lists track.
const (
	lruOff uint32 = iota
	lruAll
	lruVolatile
)

func lruModeOf(p Policy) uint32 {
	switch p {
	case AllKeysLRU:
		return lruAll
	case VolatileLRU:
		return lruVolatile
	}
	return lruOff
}

// evictState holds the policy and its parameters, set by the server from
// the configuration.
type evictState struct {
	policy    atomic.Uint32
	lruMode   atomic.Uint32 // what recency lists track; leads policy during a switch
	samples   atomic.Int64  // maxmemory-samples
	logFactor atomic.Int64  // lfu-log-factor
	decayTime atomic.Int64  // lfu-decay-time
	switchMu  sync.Mutex    // serialises SyncPolicy
	synced    atomic.Uint32 // policy+1 the lists and pools were last synced for
}

func (s *Store) initEviction() {
	s.ev.samples.Store(5)
	s.ev.logFactor.Store(10)
	s.ev.decayTime.Store(1)
}

// Policy is the current eviction policy.
func (s *Store) Policy() Policy { return Policy(s.ev.policy.Load()) }

// SetEvictionParams sets maxmemory-samples, lfu-log-factor and
// lfu-decay-time.
func (s *Store) SetEvictionParams(samples, logFactor, decayTime int64) {
	s.ev.samples.Store(max(samples, 1))
	s.ev.logFactor.Store(max(logFactor, 0))
	s.ev.decayTime.Store(max(decayTime, 0))
}

// SetPolicy selects the eviction policy and brings the recency lists in
// line with it (see SyncPolicy). The caller must hold no shard lock.
func (s *Store) SetPolicy(p Policy) {
	s.ev.policy.Store(uint32(p))
	s.SyncPolicy()
}

// SetPolicyAsync selects the eviction policy at once and brings the
// recency lists in line in the background, so it is safe to call while
// holding shard locks (CONFIG SET inside EXEC). Until then LRU evictions
// sample keys by their access clock.
func (s *Store) SetPolicyAsync(p Policy) {
	s.ev.policy.Store(uint32(p))
	go s.SyncPolicy()
}

// SyncPolicy builds or drops every keyspace's recency list for the current
// policy (each shard locked in turn; a new list orders keys by their access
// clock) and clears the sampling pools. It returns once the lists match
// the policy. The caller must hold no shard lock.
func (s *Store) SyncPolicy() {
	s.ev.switchMu.Lock()
	defer s.ev.switchMu.Unlock()
	p := s.Policy()
	if s.ev.synced.Load() == uint32(p)+1 {
		return // nothing changed since the last call
	}
	mode := lruModeOf(p)
	rebuild := s.ev.lruMode.Swap(mode) != mode
	var d acctDelta
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.pool = nil
		sh.hint.Store(0)
		if rebuild {
			for db := range sh.dbs {
				ks := &sh.dbs[db]
				ks.lru = nil
				if mode != lruOff && ks.idx.n > 0 {
					ks.buildLRU(mode == lruVolatile)
				}
				s.settleKeyspace(ks, &d)
			}
		}
		sh.mu.Unlock()
	}
	s.applyDelta(d)
	s.ev.synced.Store(uint32(p) + 1)
}

// lruList is a keyspace's recency order: handles, least recently used at
// the back.
//
// A handle freed by a deletion keeps its entry, moved to the front, for the
// key that reuses the handle (handles are reused last-in first-out): under
// eviction every new key replaces an evicted one, and reusing the entry
// spares golang-lru an allocation and a map insertion and deletion per
// key, and the collector the garbage. At most lruSpareMax entries per list,
// and no more than an eighth of it, are kept so (they count as memory
// until reused); one that ages to the back while its handle is still free
// is dropped by the victim search.
type lruList struct {
	l        *simplelru.LRU[uint32, struct{}]
	volatile bool // tracks only keys with an expiry (volatile-lru)
	spare    int  // entries of free handles
}

// lruSpareMax bounds the entries a list keeps for free handles.
const lruSpareMax = 1024

func newLRUList(volatile bool) *lruList {
	l, _ := simplelru.NewLRU[uint32, struct{}](math.MaxInt, nil)
	return &lruList{l: l, volatile: volatile}
}

func (l *lruList) bytes() int64 { return lruFixedBytes + int64(l.l.Len())*lruEntryBytes }

// buildLRU makes ks's recency list from the keys' access clocks.
func (ks *keyspace) buildLRU(volatile bool) {
	var hs []uint32
	if volatile {
		hs = slices.Clone(ks.volatile)
	} else {
		hs = make([]uint32, 0, ks.idx.n)
		for h := range ks.metas {
			if ks.metas[h].typ != TypeNone {
				hs = append(hs, uint32(h))
			}
		}
	}
	slices.SortStableFunc(hs, func(a, b uint32) int {
		return int(ks.metas[a].lru) - int(ks.metas[b].lru)
	})
	l := newLRUList(volatile)
	for _, h := range hs {
		l.l.Add(h, struct{}{}) // oldest first: it ends at the back
	}
	ks.lru = l
}

// Recency list upkeep, called by the keyspace as keys come and go.

func (ks *keyspace) lruCreated(h uint32) {
	if ks.lru != nil && !ks.lru.volatile {
		l := ks.lru
		if l.spare > 0 {
			if _, ok := l.l.Get(h); ok {
				l.spare-- // the handle's entry was kept: Get moved it to the front
				return
			}
		}
		l.l.Add(h, struct{}{})
	}
}

// lruRemoved is called as the key at h is deleted and h freed.
func (ks *keyspace) lruRemoved(h uint32) {
	l := ks.lru
	if l == nil {
		return
	}
	if !l.volatile && l.spare < lruSpareMax && l.spare*8 < l.l.Len() {
		if _, ok := l.l.Get(h); ok {
			l.spare++
		}
		return
	}
	l.l.Remove(h)
}

func (ks *keyspace) lruVolatile(h uint32, on bool) {
	if ks.lru == nil || !ks.lru.volatile {
		return
	}
	if on {
		ks.lru.l.Add(h, struct{}{})
	} else {
		ks.lru.l.Remove(h)
	}
}

// ensureLRU gives ks a recency list when an LRU policy wants one. Called
// with ks's shard locked, so a concurrent SetPolicy (which stores the mode
// before walking the shards) either sees the list or sees it made.
func (s *Store) ensureLRU(ks *keyspace) {
	if ks.lru == nil {
		if m := s.ev.lruMode.Load(); m != lruOff {
			ks.lru = newLRUList(m == lruVolatile)
		}
	}
}

// access says how a lookup updates a key's access field.
type access struct {
	lfu       bool
	nowMin    uint32 // LFU time in minutes
	decay     int64
	logFactor float64
}

// beginAccess sets the access value new keys get and how lookups update it.
func (tx *Tx) beginAccess() {
	if Policy(tx.st.ev.policy.Load()).LFU() {
		tx.access = access{lfu: true, nowMin: lfuMinutes(tx.clock), decay: tx.st.ev.decayTime.Load(), logFactor: float64(tx.st.ev.logFactor.Load())}
		tx.lru = tx.access.nowMin<<8 | lfuInitVal
		return
	}
	tx.access.lfu = false
	tx.lru = lruClock(tx.clock)
}

// touch records an access to h: the access clock or the LFU counter, and
// the recency list.
func (tx *Tx) touch(ks *keyspace, h uint32) {
	m := &ks.metas[h]
	if tx.access.lfu {
		c := lfuDecr(m.lru, tx.access.nowMin, tx.access.decay)
		c = lfuLogIncr(c, tx.access.logFactor, rand.Float64())
		m.lru = tx.access.nowMin<<8 | c
	} else {
		m.lru = tx.lru
	}
	if ks.lru != nil {
		ks.lru.l.Get(h)
	}
}

// LFU counter (evict.c).
const lfuInitVal = 5

// lfuMinutes is LFUGetTimeInMinutes: the low 16 bits of unix minutes.
func lfuMinutes(ms int64) uint32 { return uint32(ms/60000) & 0xFFFF }

// lfuDecr is LFUDecrAndReturn: the counter of access field v, decremented
// by one per lfu-decay-time minutes elapsed since its last decrement time.
func lfuDecr(v, nowMin uint32, decay int64) uint32 {
	ldt, counter := v>>8&0xFFFF, v&0xFF
	elapsed := nowMin - ldt
	if nowMin < ldt {
		elapsed = 0xFFFF - ldt + nowMin
	}
	if decay > 0 {
		if periods := int64(elapsed) / decay; periods > 0 {
			if periods > int64(counter) {
				return 0
			}
			counter -= uint32(periods)
		}
	}
	return counter
}

// lfuLogIncr is LFULogIncr with r uniform in [0, 1): the higher the
// counter, the less likely an access increments it; it saturates at 255.
func lfuLogIncr(counter uint32, logFactor, r float64) uint32 {
	if counter == 255 {
		return 255
	}
	base := max(float64(counter)-lfuInitVal, 0)
	if r < 1.0/(base*logFactor+1) {
		counter++
	}
	return counter
}

// lfuDecr is OBJECT FREQ's value for access field v at unix time ms.
func (s *Store) lfuDecr(v uint32, ms int64) int {
	return int(lfuDecr(v, lfuMinutes(ms), s.ev.decayTime.Load()))
}

// EvictOne removes one key chosen by the policy and calls fn with it, under
// the key's shard lock, just after the removal (the key is valid during the
// call only). It reports false when no key can be evicted: the policy is
// noeviction or no key qualifies. The caller holds no shard lock.
func (s *Store) EvictOne(fn func(db int, key []byte)) bool {
	p := s.Policy()
	if p == NoEviction {
		return false
	}
	now := s.now()
	for range 8 {
		si := s.pickShard(p, now)
		if si < 0 {
			return false
		}
		sh := &s.shards[si]
		sh.mu.Lock()
		db, h, ok := s.victim(sh, p, now)
		if !ok {
			sh.hint.Store(0)
			sh.mu.Unlock()
			continue
		}
		ks := &sh.dbs[db]
		key := ks.key(h)
		if p.LRU() {
			// The victim's clock is a lower bound for the next oldest key:
			// cheaper than finding that key.
			sh.hint.Store(uint64(ks.metas[h].lru) + 1)
		} else {
			s.publishHint(sh, p)
		}
		// The slot holding h: matched by handle, not by key bytes.
		pos, _, _ := ks.idx.find(uint32(s.hash(key)), func(id uint32) bool { return id == h })
		ks.remove(h, pos)
		var d acctDelta
		s.settleKeyspace(ks, &d)
		fn(db, key)
		sh.mu.Unlock()
		s.applyDelta(d)
		return true
	}
	return false
}

// eligible is the number of keys of shard i that policy p may evict.
func (s *Store) eligible(i int, p Policy) int64 {
	if p.volatileOnly() {
		return s.shards[i].vols.Load()
	}
	return s.shards[i].keys.Load()
}

// shardChoices is how many random shards the non-random policies compare.
const shardChoices = 3

// pickShard chooses the shard to evict from, or -1 when none has an
// eligible key. Random policies weight shards by their eligible keys, so
// that every key is equally likely. The others compare a few shards picked
// at random by their best candidate, then by size, which keeps shards
// balanced. A shard's best candidate is published in its hint when it is
// evicted from (the hint of an LRU shard is its oldest key's access clock,
// a lower bound: the tail only gets younger), so comparing locks nothing;
// a sampling policy's shard without a hint is looked at under its lock.
func (s *Store) pickShard(p Policy, now int64) int {
	n := len(s.shards)
	if p == AllKeysRandom || p == VolatileRandom {
		var total int64
		for i := range n {
			total += s.eligible(i, p)
		}
		if total > 0 {
			r := rand.Int64N(total)
			for i := range n {
				if e := s.eligible(i, p); e > 0 {
					if r < e {
						return i
					}
					r -= e
				}
			}
		}
	} else {
		// Distinct shards in a random order: a random start and an odd
		// stride visit every shard once.
		var cand [shardChoices]int
		k := 0
		start, stride := rand.IntN(n), 2*rand.IntN(n)+1
		for j := 0; j < n && k < shardChoices; j++ {
			if i := (start + j*stride) & (n - 1); s.eligible(i, p) > 0 {
				cand[k] = i
				k++
			}
		}
		switch k {
		case 0:
			return -1
		case 1:
			return cand[0]
		}
		clock := lruClock(now)
		best, bestScore, bestUsed := -1, uint64(0), int64(-1)
		for _, i := range cand[:k] {
			sh := &s.shards[i]
			var score uint64
			switch hint := sh.hint.Load(); {
			case p.LRU() && hint == 0:
				score = math.MaxUint64 // not evicted from yet: look there
			case p.LRU():
				score = uint64(idleMs(clock, uint32(hint-1)))
			case hint != 0:
				score = hint - 1
			default:
				sh.mu.Lock()
				sc, ok := s.bestScore(sh, p, now)
				sh.mu.Unlock()
				if !ok {
					continue
				}
				score = sc
			}
			if u := sh.used.Load(); best < 0 || score > bestScore || (score == bestScore && u > bestUsed) {
				best, bestScore, bestUsed = i, score, u
			}
		}
		if best >= 0 {
			return best
		}
	}
	start := rand.IntN(n)
	for j := range n {
		if i := (start + j) & (n - 1); s.eligible(i, p) > 0 {
			return i
		}
	}
	return -1
}

// bestScore is the score of the best candidate in sh's pool (higher is
// better), sampling when the pool is empty, and publishes it. sh is locked.
func (s *Store) bestScore(sh *shard, p Policy, now int64) (uint64, bool) {
	if sh.pool == nil {
		sh.pool = &evictPool{}
	}
	if sh.pool.n == 0 {
		s.populate(sh, p, sh.pool, now)
	}
	s.publishHint(sh, p)
	if sh.pool.n == 0 {
		return 0, false
	}
	return sh.pool.e[sh.pool.n-1].score, true
}

// publishHint stores sh's best candidate for pickShard: the oldest key's
// access clock for LRU, the best pool score otherwise (plus one: 0 means
// unknown). sh is locked.
func (s *Store) publishHint(sh *shard, p Policy) {
	var hint uint64
	switch {
	case p.LRU():
		if db, h, ok := s.lruOldest(sh, p == VolatileLRU); ok {
			hint = uint64(sh.dbs[db].metas[h].lru) + 1
		}
	case sh.pool != nil && sh.pool.n > 0:
		hint = sh.pool.e[sh.pool.n-1].score + 1
	}
	sh.hint.Store(hint)
}

// victim chooses the key of sh to evict. sh is locked.
func (s *Store) victim(sh *shard, p Policy, now int64) (db int, h uint32, ok bool) {
	switch p {
	case AllKeysRandom, VolatileRandom:
		return s.randomVictim(sh, p)
	case AllKeysLRU, VolatileLRU:
		if db, h, ok = s.lruOldest(sh, p == VolatileLRU); ok {
			return db, h, true
		}
	}
	return s.poolVictim(sh, p, now)
}

// lruOldest finds the least recently used key of the keyspace of sh whose
// oldest key has the oldest access clock. Only lists tracking what the
// policy evicts count (volatile: keys with an expiry), which matters while
// a policy switch is rebuilding them. The clock wraps after 194 days; a
// wrapped comparison only picks a slightly worse victim.
func (s *Store) lruOldest(sh *shard, volatile bool) (db int, h uint32, ok bool) {
	var oldestClock uint32
	for i := range sh.dbs {
		ks := &sh.dbs[i]
		if ks.lru == nil || ks.lru.volatile != volatile {
			continue
		}
		tail, _, found := ks.lru.l.GetOldest()
		// Free handles' entries that were not reused in time are dropped,
		// and the list's memory is counted again.
		dropped := false
		for found && ks.lru.spare > 0 && ks.metas[tail].typ == TypeNone {
			ks.lru.l.RemoveOldest()
			ks.lru.spare--
			tail, _, found = ks.lru.l.GetOldest()
			dropped = true
		}
		if dropped {
			var d acctDelta
			s.settleKeyspace(ks, &d)
			s.applyDelta(d)
		}
		if !found {
			continue
		}
		if c := ks.metas[tail].lru; !ok || c < oldestClock {
			db, h, oldestClock, ok = i, tail, c, true
		}
	}
	return db, h, ok
}

// randomVictim picks an eligible key of sh uniformly.
func (s *Store) randomVictim(sh *shard, p Policy) (int, uint32, bool) {
	vol := p.volatileOnly()
	total := 0
	for i := range sh.dbs {
		if vol {
			total += len(sh.dbs[i].volatile)
		} else {
			total += sh.dbs[i].idx.n
		}
	}
	if total == 0 {
		return 0, 0, false
	}
	r := sh.rnd.IntN(total)
	for i := range sh.dbs {
		ks := &sh.dbs[i]
		n := ks.idx.n
		if vol {
			n = len(ks.volatile)
		}
		if r >= n {
			r -= n
			continue
		}
		if vol {
			return i, ks.volatile[r], true
		}
		h, ok := ks.randomHandle(sh.rnd)
		return i, h, ok
	}
	return 0, 0, false
}

// evPoolSize is Redis's EVPOOL_SIZE.
const evPoolSize = 16

// evictPool holds a shard's best eviction candidates in ascending score
// order (the best last), as Redis's EvictionPoolLRU. Entries name a handle;
// the key's hash guards against the handle having been reused since.
type evictPool struct {
	n int
	e [evPoolSize]poolEntry
}

type poolEntry struct {
	score uint64
	h     uint32
	hash  uint32
	db    int
}

// poolVictim refills sh's pool from samples of every keyspace and takes
// the best candidate that still exists.
func (s *Store) poolVictim(sh *shard, p Policy, now int64) (int, uint32, bool) {
	if sh.pool == nil {
		sh.pool = &evictPool{}
	}
	pool := sh.pool
	for range 4 {
		if !s.populate(sh, p, pool, now) {
			return 0, 0, false
		}
		for pool.n > 0 {
			pool.n--
			e := pool.e[pool.n]
			ks := &sh.dbs[e.db]
			if int(e.h) >= len(ks.metas) {
				continue
			}
			m := &ks.metas[e.h]
			if m.typ == TypeNone || (p.volatileOnly() && m.expire == 0) || uint32(s.hash(ks.key(e.h))) != e.hash {
				continue // a ghost: deleted, or the handle reused
			}
			return e.db, e.h, true
		}
	}
	return 0, 0, false
}

// populate samples maxmemory-samples keys of every keyspace of sh with
// eligible keys into pool, reporting false when there are none.
func (s *Store) populate(sh *shard, p Policy, pool *evictPool, now int64) bool {
	samples := int(s.ev.samples.Load())
	clock, minutes, decay := lruClock(now), lfuMinutes(now), s.ev.decayTime.Load()
	vol := p.volatileOnly()
	found := false
	for db := range sh.dbs {
		ks := &sh.dbs[db]
		if (vol && len(ks.volatile) == 0) || ks.idx.n == 0 {
			continue
		}
		found = true
		for range samples {
			var h uint32
			if vol {
				h = ks.volatile[sh.rnd.IntN(len(ks.volatile))]
			} else {
				var ok bool
				if h, ok = ks.randomHandle(sh.rnd); !ok {
					break
				}
			}
			m := &ks.metas[h]
			var score uint64
			switch {
			case p.LFU():
				score = 255 - uint64(lfuDecr(m.lru, minutes, decay))
			case p == VolatileTTL:
				score = math.MaxUint64 - uint64(m.expire)
			default:
				score = uint64(idleMs(clock, m.lru))
			}
			pool.insert(poolEntry{score: score, h: h, db: db, hash: uint32(s.hash(ks.key(h)))})
		}
	}
	return found
}

// insert adds e in score order, dropping the worst entry when full (an
// entry no better than every one of a full pool is not added).
func (pool *evictPool) insert(e poolEntry) {
	for i := 0; i < pool.n; i++ {
		if pool.e[i].h == e.h && pool.e[i].db == e.db {
			return
		}
	}
	k := 0
	for k < pool.n && pool.e[k].score < e.score {
		k++
	}
	if pool.n == evPoolSize {
		if k == 0 {
			return
		}
		// Shift the worse ones left, dropping the worst.
		copy(pool.e[:k-1], pool.e[1:k])
		pool.e[k-1] = e
		return
	}
	copy(pool.e[k+1:pool.n+1], pool.e[k:pool.n])
	pool.e[k] = e
	pool.n++
}
