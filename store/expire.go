package store

import "time"

// Active expiry, after Redis's activeExpireCycle: keys with an expiry are
// sampled at random; expired ones are deleted; a keyspace is sampled again
// while more than a quarter of its sample had expired. Lazy expiry in find
// covers keys that are accessed; this removes the ones nobody touches, at a
// cost bounded by the time budget rather than by the size of the keyspace.

const (
	expireSample    = 20 // keys sampled per round, as Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP
	expireRepeatPct = 25 // sample again while more than this share had expired
	expireMaxRounds = 16 // rounds per keyspace before yielding the shard lock
)

// ActiveExpire runs one cycle for at most budget and returns the number of
// keys it deleted. Each shard is locked on its own, for a bounded number of
// rounds, so commands keep running meanwhile. Call it periodically (Redis
// runs it at hz 10); concurrent calls are safe.
func (s *Store) ActiveExpire(budget time.Duration) int {
	deadline := time.Now().Add(budget)
	deleted := 0
	n := len(s.shards)
	for i := 0; i < n; i++ {
		si := int(s.expireCursor.Add(1)-1) & (n - 1)
		sh := &s.shards[si]
		sh.mu.Lock()
		now := s.now()
		var d acctDelta
		for db := range sh.dbs {
			if n := s.expireKeyspace(sh, db, now); n > 0 {
				deleted += n
				s.settleKeyspace(&sh.dbs[db], &d)
			}
		}
		sh.mu.Unlock()
		s.applyDelta(d)
		if i%8 == 7 && time.Now().After(deadline) {
			break
		}
	}
	return deleted
}

func (s *Store) expireKeyspace(sh *shard, db int, now int64) int {
	ks := &sh.dbs[db]
	deleted := 0
	for round := 0; round < expireMaxRounds && len(ks.volatile) > 0; round++ {
		sample := min(expireSample, len(ks.volatile))
		expired := 0
		for range sample {
			if len(ks.volatile) == 0 {
				break
			}
			h := ks.volatile[sh.rnd.IntN(len(ks.volatile))]
			if ks.metas[h].expire <= now {
				key := ks.key(h)
				_, pos, _ := ks.lookup(key, uint32(s.hash(key)))
				if s.observer != nil {
					s.observer.KeyExpired(db, key)
				}
				ks.remove(h, pos)
				expired++
			}
		}
		deleted += expired
		if expired*100 <= sample*expireRepeatPct {
			break
		}
	}
	return deleted
}

// SetKeepExpired, when keep is set, makes the rest of the running command,
// which must not write, see expired keys as absent without deleting them:
// while clients are paused Redis keeps the dataset as it is
// (expireIfNeeded). Begin clears it.
func (tx *Tx) SetKeepExpired(keep bool) { tx.keepExp = keep }
