package persistence

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/persistence/rdb"
	"github.com/ember-kv/ember/store"
)

// LoadOptions shapes loading.
type LoadOptions struct {
	// KeepExpired loads keys whose expiry has passed (an AOF preamble, a
	// replica); otherwise they are skipped, as a Redis 7.0 master does.
	KeepExpired bool
	// Tx, when set, holds every shard and the keys are added through it
	// (DEBUG RELOAD); otherwise the store locks per key.
	Tx *store.Tx
	// KeyDelay sleeps this long after each key (key-load-delay, for tests).
	KeyDelay time.Duration
	// Progress, when set, is kept at the number of bytes read so far.
	Progress *atomic.Int64
	// LFU says the eviction policy is LFU: a key's FREQ field sets its
	// counter; otherwise its IDLE field sets its access time.
	LFU bool
	// Replace lets a key in the file replace one already loaded (DEBUG
	// RELOAD MERGE); otherwise a duplicate is an error.
	Replace bool
}

// LoadStats reports what a load did.
type LoadStats struct {
	Loaded  int               // keys added
	Expired int               // keys skipped because their time had passed
	Aux     map[string]string // auxiliary fields
}

// ErrDuplicateKey is a file that holds one key twice in a database (Redis
// refuses to start on it).
var ErrDuplicateKey = errors.New("duplicated key")

// NewValue builds a store value from a decoded RDB value, with the encoding
// Redis would give it when loading.
func NewValue(st *store.Store, v *rdb.Value) (store.Value, error) {
	switch v.Kind {
	case rdb.KindString:
		return store.NewStringValue(v.Str), nil
	case rdb.KindSet:
		return st.NewSetValue(v.Elems)
	case rdb.KindHash:
		return st.NewHashValue(v.Pairs, v.Packed)
	case rdb.KindZSet:
		members := make([][]byte, len(v.ZSet))
		scores := make([]float64, len(v.ZSet))
		for i, m := range v.ZSet {
			members[i], scores[i] = m.Member, m.Score
		}
		return st.NewZSetValue(members, scores, v.Packed)
	case rdb.KindList:
		return newListValue(st, v.Elems)
	}
	return store.Value{}, fmt.Errorf("unknown value kind %d", v.Kind)
}

// loader feeds a file's entries into a store.
type loader struct {
	st    *store.Store
	opts  LoadOptions
	now   int64
	stats LoadStats
}

func (l *loader) Aux(key, value []byte) error {
	l.stats.Aux[string(key)] = string(value)
	return nil
}

func (l *loader) Entry(e *rdb.Entry) error {
	if e.DB < 0 || e.DB >= l.st.Databases() {
		return fmt.Errorf("Data file was created with a Redis server configured to handle more than %d databases", l.st.Databases())
	}
	v, err := NewValue(l.st, &e.Value)
	if err != nil {
		return fmt.Errorf("key '%s': %v", e.Key, err)
	}
	if e.ExpireMs != 0 && e.ExpireMs < l.now && !l.opts.KeepExpired {
		l.stats.Expired++
		return nil
	}
	acc := store.LoadAccess{IdleMs: -1, Freq: e.Freq, LFU: l.opts.LFU}
	if e.Idle >= 0 {
		acc.IdleMs = e.Idle * 1000
	}
	var added bool
	if l.opts.Tx != nil {
		added = l.opts.Tx.LoadKeyLocked(e.DB, e.Key, v, e.ExpireMs, acc, l.opts.Replace)
	} else {
		added = l.st.LoadKey(e.DB, e.Key, v, e.ExpireMs, acc)
	}
	if !added {
		return fmt.Errorf("%w '%s' in DB %d", ErrDuplicateKey, e.Key, e.DB)
	}
	l.stats.Loaded++
	if l.opts.KeyDelay > 0 {
		time.Sleep(l.opts.KeyDelay)
	}
	return nil
}

// Load reads an RDB stream into st, which should be empty. To go on reading
// r after the RDB part (an AOF with an RDB preamble), pass a *bufio.Reader
// of at least 64 KB: Load then reads through it and no further than the
// RDB's checksum.
func Load(r io.Reader, st *store.Store, o LoadOptions) (LoadStats, error) {
	l := &loader{st: st, opts: o, now: st.Now(), stats: LoadStats{Aux: map[string]string{}}}
	if o.Progress != nil {
		r = &progressReader{r: r, n: o.Progress}
	}
	err := rdb.Load(r, l)
	return l.stats, err
}

// progressReader counts the bytes read into n.
type progressReader struct {
	r io.Reader
	n *atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	k, err := p.r.Read(b)
	p.n.Add(int64(k))
	return k, err
}
