package store

import (
	"errors"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Type is the type of a value, as TYPE reports it.
type Type uint8

// Value types. TypeNone marks an absent key (and a free handle).
const (
	TypeNone Type = iota
	TypeString
	TypeList
	TypeSet
	TypeZSet
	TypeHash
)

var typeNames = [...]string{"none", "string", "list", "set", "zset", "hash"}

func (t Type) String() string { return typeNames[t] }

// ParseType maps a TYPE name ("string", "list", ...) to its Type.
func ParseType(name []byte) (Type, bool) {
	for i, n := range typeNames[1:] {
		if equalFold(name, n) {
			return Type(i + 1), true
		}
	}
	return TypeNone, false
}

// Encoding is the internal representation of a value, as OBJECT ENCODING
// reports it. The names and the thresholds that switch between them are
// Redis's.
type Encoding uint8

// Encodings.
const (
	EncRaw Encoding = iota
	EncInt
	EncEmbstr
	EncListpack
	EncQuicklist
	EncIntset
	EncHashtable
	EncSkiplist
)

var encodingNames = [...]string{"raw", "int", "embstr", "listpack", "quicklist", "intset", "hashtable", "skiplist"}

func (e Encoding) String() string { return encodingNames[e] }

// Errors returned by store operations. The server maps each to Redis's text.
var (
	ErrWrongType   = errors.New("wrong type")
	ErrNotInteger  = errors.New("value is not an integer or out of range")
	ErrNotFloat    = errors.New("value is not a valid float")
	ErrOverflow    = errors.New("increment or decrement would overflow")
	ErrNoSuchKey   = errors.New("no such key")
	ErrSameObject  = errors.New("source and destination objects are the same")
	ErrTooLarge    = errors.New("string exceeds maximum allowed size")
	ErrNaN         = errors.New("increment would produce NaN or Infinity")
	ErrOutOfRange  = errors.New("index out of range")
	ErrDBIndex     = errors.New("DB index is out of range")
	ErrNotUnlocked = errors.New("key's shard is not locked by this transaction")
)

// Options configures a Store.
type Options struct {
	Databases int          // number of databases (16 in Redis)
	Shards    int          // power of two; 0 picks the default
	Now       func() int64 // clock in unix milliseconds; nil uses the wall clock
}

// DefaultShards is the shard count used when Options.Shards is 0.
const DefaultShards = 256

// Observer learns about changes the store makes on its own (expiry). Its
// methods run with the key's shard locked and must not call back into the store.
type Observer interface {
	KeyExpired(db int, key []byte)
}

// Store is the in-memory dataset: every database, split into shards that are
// locked independently so commands on different keys run in parallel.
type Store struct {
	shards   []shard
	mask     uint64
	dbs      int
	seed     maphash.Seed
	now      func() int64
	observer Observer
	limits   Limits

	expireCursor atomic.Uint32 // next shard for the active expiry cycle
	snapping     atomic.Bool   // a Snapshot is running (snapshot.go)

	mem memTotals  // memory accounting (memory.go)
	ev  evictState // eviction policy and parameters (evict.go)
}

type shard struct {
	mu  sync.Mutex
	dbs []keyspace
	rnd *rand.Rand

	// Running totals of the shard's keyspaces (memory.go), written under
	// mu, read without it by eviction to pick a shard.
	used atomic.Int64
	keys atomic.Int64
	vols atomic.Int64
	pool *evictPool    // eviction candidates of sampling policies (evict.go)
	hint atomic.Uint64 // the best candidate's score, for choosing a shard (evict.go)

	_ [64]byte // keep neighbouring shard locks off one cache line
}

// New creates an empty store.
func New(o Options) *Store {
	if o.Databases <= 0 {
		o.Databases = 16
	}
	if o.Shards <= 0 {
		o.Shards = DefaultShards
	}
	if o.Shards&(o.Shards-1) != 0 {
		panic("store: shard count must be a power of two")
	}
	if o.Now == nil {
		o.Now = func() int64 { return time.Now().UnixMilli() }
	}
	s := &Store{
		shards: make([]shard, o.Shards),
		mask:   uint64(o.Shards - 1),
		dbs:    o.Databases,
		seed:   maphash.MakeSeed(),
		now:    o.Now,
	}
	s.limits.HashMaxListpackEntries.Store(512)
	s.limits.HashMaxListpackValue.Store(64)
	s.limits.ListMaxListpackSize.Store(-2)
	s.limits.SetMaxIntsetEntries.Store(512)
	s.limits.ZSetMaxListpackEntries.Store(128)
	s.limits.ZSetMaxListpackValue.Store(64)
	for i := range s.shards {
		s.shards[i].dbs = make([]keyspace, o.Databases)
		s.shards[i].rnd = rand.New(rand.NewPCG(rand.Uint64(), uint64(i)))
		for db := range s.shards[i].dbs {
			s.shards[i].dbs[db].acct.shard = uint16(i)
		}
	}
	s.initEviction()
	return s
}

// SetObserver installs o. Call before the store is shared.
func (s *Store) SetObserver(o Observer) { s.observer = o }

// Databases is the number of databases.
func (s *Store) Databases() int { return s.dbs }

// Now is the store's clock in unix milliseconds.
func (s *Store) Now() int64 { return s.now() }

// hash returns the key's hash: the high half picks the shard, the low half
// the slot in that shard's index.
func (s *Store) hash(key []byte) uint64 { return maphash.Bytes(s.seed, key) }

// ShardOf returns the shard index that holds key.
func (s *Store) ShardOf(key []byte) int { return int((s.hash(key) >> 32) & s.mask) }

// ShardCount is the number of shards.
func (s *Store) ShardCount() int { return len(s.shards) }

func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// Limits are the encoding thresholds of the collection types (Redis's
// *-max-listpack-* and set-max-intset-entries). They may change at run time
// (CONFIG SET), so they are atomics read when a collection grows.
type Limits struct {
	HashMaxListpackEntries atomic.Int64
	HashMaxListpackValue   atomic.Int64
	ListMaxListpackSize    atomic.Int64 // negative: -1..-5 select 4..64 KB per node
	SetMaxIntsetEntries    atomic.Int64
	ZSetMaxListpackEntries atomic.Int64
	ZSetMaxListpackValue   atomic.Int64
}

// Limits returns the store's encoding thresholds, for the server to update.
func (s *Store) Limits() *Limits { return &s.limits }

// KeyspaceStats counts the keys of database db and those with an expiry,
// and estimates their average remaining time to live in milliseconds (0
// when none), for INFO's keyspace section. It locks one shard at a time;
// the TTL average is taken from a bounded sample per shard.
func (s *Store) KeyspaceStats(db int) (keys, expires int, avgTTL int64) {
	now := s.now()
	var ttlSum, ttlN int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		ks := &sh.dbs[db]
		keys += ks.len()
		expires += len(ks.volatile)
		for j := 0; j < len(ks.volatile) && j < 8; j++ {
			if ttl := ks.metas[ks.volatile[j]].expire - now; ttl > 0 {
				ttlSum += ttl
				ttlN++
			}
		}
		sh.mu.Unlock()
	}
	if ttlN > 0 {
		avgTTL = ttlSum / ttlN
	}
	return keys, expires, avgTTL
}
