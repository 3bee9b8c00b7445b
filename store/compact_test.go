package store

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// Tests of the one-allocation Set and Hash values (a *Set or *Hash is its
// allocation, so a write that reallocates stores a new pointer under the
// key): random writes against a Go map model, several per Tx as under
// MULTI, across encoding conversions, with the memory totals audited after
// every Tx.

func TestCompact_SetTxModel(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s, _, _ := newTestStore(t, 4)
			r := rand.New(rand.NewPCG(seed, 3))
			s.Limits().SetMaxIntsetEntries.Store(int64(2 + r.IntN(40)))
			keys := []string{"a", "b", "c"}
			model := map[string]map[string]bool{}
			member := func() string {
				switch r.IntN(12) {
				case 0:
					return "m" + strconv.Itoa(r.IntN(20))
				case 1:
					return strconv.FormatInt(int64(r.Uint64()), 10) // wide integers: width upgrades
				case 2:
					return strconv.Itoa(r.IntN(1<<20) - 1<<19)
				}
				return strconv.Itoa(r.IntN(120) - 60)
			}
			for round := range 400 {
				tx := lockAll(s, 0)
				for range 1 + r.IntN(4) {
					k := keys[r.IntN(len(keys))]
					if model[k] == nil {
						model[k] = map[string]bool{}
					}
					m := model[k]
					switch op := r.IntN(10); {
					case op < 5:
						args := []string{member(), member(), member()}
						want := 0
						for _, a := range args {
							if !m[a] {
								want++
							}
							m[a] = true
						}
						if got, err := tx.SAdd([]byte(k), setArgs(args...)); err != nil || got != want {
							t.Fatalf("round %d: SADD %s %v = %d %v, want %d", round, k, args, got, err, want)
						}
					case op < 7:
						args := []string{member(), member()}
						want := 0
						for _, a := range args {
							if m[a] {
								want++
								delete(m, a)
							}
						}
						if got, _, err := tx.SRem([]byte(k), setArgs(args...)); err != nil || got != want {
							t.Fatalf("round %d: SREM %s %v = %d %v, want %d", round, k, args, got, err, want)
						}
					case op < 8:
						var popped []string
						n, _, _ := tx.SPopCount([]byte(k), int64(1+r.IntN(6)), func(b []byte) { popped = append(popped, string(b)) })
						if n != len(popped) {
							t.Fatalf("round %d: SPOP %s: %d popped, %d emitted", round, k, n, len(popped))
						}
						for _, p := range popped {
							if !m[p] {
								t.Fatalf("round %d: SPOP %s returned %q, not a member", round, k, p)
							}
							delete(m, p)
						}
					default:
						dst := keys[r.IntN(len(keys))]
						if model[dst] == nil {
							model[dst] = map[string]bool{}
						}
						var mv string
						if len(m) > 0 && r.IntN(3) > 0 {
							mv = slices.Sorted(maps.Keys(m))[r.IntN(len(m))]
						} else {
							mv = member()
						}
						res, err := tx.SMove([]byte(k), []byte(dst), []byte(mv))
						if err != nil || res.Moved != m[mv] {
							t.Fatalf("round %d: SMOVE %s %s %s = %+v %v", round, k, dst, mv, res, err)
						}
						if res.Moved && k != dst {
							delete(m, mv)
							model[dst][mv] = true
						}
					}
				}
				for _, k := range keys {
					got, _ := tx.GetSet([]byte(k))
					want := model[k]
					if len(want) == 0 {
						if got != nil || tx.Exists([]byte(k)) {
							t.Fatalf("round %d: %s empty but stored", round, k)
						}
						continue
					}
					if got == nil || !slices.Equal(setSortedMembers(got), slices.Sorted(maps.Keys(want))) {
						t.Fatalf("round %d: %s = %v, want %v", round, k, setSortedMembers(got), slices.Sorted(maps.Keys(want)))
					}
					if got.Encoding() == EncIntset {
						for m := range want {
							if _, ok := ParseInt([]byte(m)); !ok {
								t.Fatalf("round %d: %s intset holds %q", round, k, m)
							}
						}
					}
				}
				tx.Unlock()
				audit(t, s, fmt.Sprint("round ", round))
			}
		})
	}
}

func TestCompact_HashTxModel(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s, _, _ := newTestStore(t, 4)
			r := rand.New(rand.NewPCG(seed, 5))
			s.Limits().HashMaxListpackEntries.Store(int64(2 + r.IntN(30)))
			s.Limits().HashMaxListpackValue.Store(int64(4 + r.IntN(40)))
			keys := []string{"a", "b"}
			model := map[string]map[string]string{}
			field := func() string { return "f" + strconv.Itoa(r.IntN(40)) }
			value := func() string {
				if r.IntN(5) == 0 {
					return strconv.Itoa(r.IntN(1000))
				}
				return string(make([]byte, r.IntN(50)))
			}
			for round := range 400 {
				tx := lockAll(s, 0)
				for range 1 + r.IntN(4) {
					k := keys[r.IntN(len(keys))]
					if model[k] == nil {
						model[k] = map[string]string{}
					}
					m := model[k]
					switch op := r.IntN(10); {
					case op < 5:
						var args []string
						for range 1 + r.IntN(4) {
							args = append(args, field(), value())
						}
						want := 0
						for i := 0; i < len(args); i += 2 {
							if _, ok := m[args[i]]; !ok {
								want++
							}
							m[args[i]] = args[i+1]
						}
						if got, err := tx.HSet([]byte(k), bs(args...)); err != nil || got != want {
							t.Fatalf("round %d: HSET = %d %v, want %d", round, got, err, want)
						}
					case op < 8:
						fs := []string{field(), field(), field()}
						want := 0
						for _, f := range fs {
							if _, ok := m[f]; ok {
								want++
								delete(m, f)
							}
						}
						if got, _, err := tx.HDel([]byte(k), bs(fs...)); err != nil || got != want {
							t.Fatalf("round %d: HDEL = %d %v, want %d", round, got, err, want)
						}
					case op < 9:
						f := field()
						old, had := m[f]
						n, isInt := ParseInt([]byte(old))
						got, err := tx.HIncrBy([]byte(k), []byte(f), 7)
						if had && !isInt {
							if err == nil {
								t.Fatalf("round %d: HINCRBY on %q succeeded", round, old)
							}
							break
						}
						if err != nil || got != n+7 {
							t.Fatalf("round %d: HINCRBY = %d %v", round, got, err)
						}
						m[f] = strconv.FormatInt(n+7, 10)
					default:
						f, v := field(), value()
						_, had := m[f]
						if ok, _ := tx.HSetNX([]byte(k), []byte(f), []byte(v)); ok == had {
							t.Fatalf("round %d: HSETNX = %v, had %v", round, ok, had)
						}
						if !had {
							m[f] = v
						}
					}
				}
				for _, k := range keys {
					h, _ := tx.GetHash([]byte(k))
					if len(model[k]) == 0 {
						if h != nil || tx.Exists([]byte(k)) {
							t.Fatalf("round %d: %s empty but stored", round, k)
						}
						continue
					}
					if h == nil || h.Len() != len(model[k]) || !maps.Equal(hashMap(h), model[k]) {
						t.Fatalf("round %d: %s = %v, want %v", round, k, hashMap(h), model[k])
					}
				}
				tx.Unlock()
				audit(t, s, fmt.Sprint("round ", round))
			}
		})
	}
}

// TestCompact_BytesPerKey bounds what a small set and a small hash cost in
// the store, key and keyspace entry included, as the memory benchmark's
// datasets: the value is one allocation (24 bytes for 10 two-byte
// integers, 144 for 10 short pairs) and the rest is per-key structure.
// Redis 7.0.15 takes about 110 and 268 bytes of RSS per key here.
func TestCompact_BytesPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 50k keys per type")
	}
	const n = 50000
	for _, c := range []struct {
		name             string
		value, perKeyMax float64
		load             func(tx *Tx, i int)
	}{
		{"set", 24, 135, func(tx *Tx, i int) {
			args := make([][]byte, 0, 10)
			for m := range 10 {
				args = append(args, []byte(strconv.Itoa(i%10000+m*7)))
			}
			tx.SAdd([]byte(fmt.Sprintf("set:%d", i)), args)
		}},
		{"hash", 144, 255, func(tx *Tx, i int) {
			args := make([][]byte, 0, 20)
			for f := range 10 {
				args = append(args, []byte("field"+strconv.Itoa(f)), []byte("val"+strconv.Itoa(100+i%800+f)))
			}
			tx.HSet([]byte(fmt.Sprintf("hash:%d", i)), args)
		}},
	} {
		s := New(Options{Databases: 16, Shards: 16})
		before := liveHeap()
		tx := lockAll(s, 0)
		for i := range n {
			c.load(tx, i)
		}
		tx.Unlock()
		heap := float64(liveHeap()-before) / n
		var vals int64
		for i := range s.shards {
			vals += s.shards[i].dbs[0].objBytes
		}
		value := float64(vals) / n
		t.Logf("%s: %.1f bytes per key on the heap, %.1f of them the value", c.name, heap, value)
		if value > c.value {
			t.Errorf("%s: the value takes %.1f bytes, want <= %.0f", c.name, value, c.value)
		}
		if heap > c.perKeyMax {
			t.Errorf("%s: %.1f bytes per key, want <= %.0f", c.name, heap, c.perKeyMax)
		}
		runtime.KeepAlive(s)
	}
}

// TestArena_HolesReusedUnderChurn replaces keys with keys of the same sizes,
// as a cache under eviction does: the dead entries' holes are taken by the
// new ones, so the arena neither grows nor gets rebuilt (a rebuild
// allocates a whole new arena), and the accounting stays exact.
func TestArena_HolesReusedUnderChurn(t *testing.T) {
	s, _, _ := newTestStore(t, 1)
	tx := lockAll(s, 0)
	val := bytes.Repeat([]byte("v"), 100)
	key := func(i int) []byte { return []byte(fmt.Sprintf("key:%012d", i)) }
	const live = 2000
	for i := range live {
		tx.SetString(key(i), val, 0, false)
	}
	ks := &s.shards[0].dbs[0]
	arena := &ks.arena[:1][0]
	size := len(ks.arena)
	moves := 0
	for i := live; i < 20*live; i++ {
		tx.Delete(key(i - live))
		tx.SetString(key(i), val, 0, false)
		if i%1000 == 0 {
			// A value that moves (a different size) leaves a hole too.
			tx.SetString(key(i-1), val[:50], 0, false)
			tx.SetString(key(i-1), val, 0, false)
			moves++
		}
	}
	tx.Unlock()
	if &ks.arena[:1][0] != arena {
		t.Errorf("the arena was rebuilt")
	}
	// Only the values that moved may have gone to the end.
	if len(ks.arena) > size+moves*116 {
		t.Errorf("arena grew from %d to %d bytes for the same live data", size, len(ks.arena))
	}
	audit(t, s, "churn")
	tx = lockAll(s, 0)
	defer tx.Unlock()
	for i := 19 * live; i < 20*live; i++ {
		if v, ok, err := tx.GetString(key(i)); err != nil || !ok || !bytes.Equal(v, val) {
			t.Fatalf("%s = %q %v", key(i), v, ok)
		}
	}
}
